//! `hello`: prints `Hello, world!` — the smallest useful WASI guest.

fn main() {
    userland::inherit_cwd();
    println!("Hello, world!");
}
