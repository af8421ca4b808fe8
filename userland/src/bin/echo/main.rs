//! `echo [-n] [ARG]...`: writes its arguments separated by single spaces, followed by a
//! newline unless the first argument is `-n`.

use std::io::{self, Write};
use std::process::ExitCode;

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let newline = !matches!(args.first().map(String::as_str), Some("-n"));
    if !newline {
        args.remove(0);
    }
    let mut line = args.join(" ");
    if newline {
        line.push('\n');
    }
    let mut out = io::stdout().lock();
    match out.write_all(line.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}
