//! `sh`: the shell. `sh -c 'CMD' [NAME [ARGS]...]`, `sh SCRIPT [ARGS]...`, or commands
//! from stdin (with a `$ ` prompt when stdin is the console).
//!
//! Words with `''`, `""` and `\` quoting, `$VAR`, `${VAR}`, `$?`, `$$`, `$!`, `$#`, `$0`..`$9`,
//! `$@`, `$*`, `~`; pipelines; `<`, `>`, `>>`, `<>`, `n>&m`, `n>&-`; `;`, `&&`, `||`, `!`,
//! `&`; `#` comments; `NAME=value` (alone: a shell variable; before a command: its
//! environment). Builtins: `cd`, `pwd`, `exit`, `export`, `unset`, `jobs`, `wait`,
//! `shift`, `true`, `false`, `:`.
//!
//! The lexer, parser and expansion are plain Rust, tested on the host:
//!
//!     cd userland && cargo test --target x86_64-unknown-linux-gnu --bin sh

#[path = "../sh/arith.rs"]
mod arith;
#[path = "../sh/expand.rs"]
mod expand;
#[path = "../sh/lexer.rs"]
mod lexer;
#[path = "../sh/parser.rs"]
mod parser;
#[path = "../sh/text.rs"]
mod text;

#[cfg(target_arch = "wasm32")]
#[path = "../sh/exec.rs"]
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
