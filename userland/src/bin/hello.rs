//! `hello`: prints `Hello, world!` — the smallest useful WASI guest.

fn main() {
    println!("Hello, world!");
}
