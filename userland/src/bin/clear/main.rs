//! `clear`: clears the terminal (writes `ESC [ H ESC [ 2 J`).

use std::io::Write;
use std::process::ExitCode;

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let mut out = std::io::stdout().lock();
    match out.write_all(b"\x1b[H\x1b[2J").and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}
