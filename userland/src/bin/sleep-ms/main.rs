//! `sleep-ms N`: sleeps N milliseconds (WASI `poll_oneoff` through std) and exits 0; with
//! a missing or bad N it prints a usage line on stderr and exits 2.

use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    userland::inherit_cwd();
    match std::env::args().nth(1).and_then(|n| n.parse().ok()) {
        Some(ms) => {
            std::thread::sleep(Duration::from_millis(ms));
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("usage: sleep-ms N");
            ExitCode::from(2)
        }
    }
}
