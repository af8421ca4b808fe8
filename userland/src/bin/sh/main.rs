//! `sh`: the shell. `sh [-eux] -c 'CMD' [NAME [ARGS]...]`, `sh SCRIPT [ARGS]...`, or
//! commands from stdin (with a `$ ` prompt when stdin is the console).
//!
//! The POSIX sh language, checked against dash by the corpus in `tests/dash-corpus`: the
//! grammar (lists, pipelines, `if`/`while`/`until`/`for`/`case`, functions, `{ }`, `( )`,
//! here-documents, every redirection), parameter, command and arithmetic expansion, field
//! splitting and globbing, and the usual builtins. The README's "The shell" says what is
//! there and what is not.
//!
//! The lexer, parser, expansion, arithmetic and the text side of `printf`/`echo`/`test` are
//! plain Rust, tested on the host:
//!
//!     cd userland && cargo test --target x86_64-unknown-linux-gnu --bin sh

mod arith;
mod expand;
mod lexer;
mod parser;
mod text;

#[cfg(target_arch = "wasm32")]
mod exec;

#[cfg(target_arch = "wasm32")]
fn main() {
    exec::main()
}

/// On the host only the tests are useful.
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("sh: build for wasm32-wasip1 to run the shell");
    std::process::exit(2);
}
