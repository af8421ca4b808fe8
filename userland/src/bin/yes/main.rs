//! `yes [STRING]...`: prints its arguments (default `y`) joined by spaces, forever. Stops
//! quietly (status 1) when a write fails: the usual end is a reader closing the pipe,
//! which the kernel reports as EPIPE but some runtimes (wasmtime's inherited stdout) as
//! EIO.

use std::io::{self, Write};
use std::process::ExitCode;

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args = match args.first().map(String::as_str) {
        Some("--") => args[1..].to_vec(),
        _ => args,
    };
    let mut line = if args.is_empty() {
        "y".to_owned()
    } else {
        args.join(" ")
    };
    line.push('\n');
    // Fill a buffer with whole copies of the line so each write is large.
    let mut buf = Vec::with_capacity(16 * 1024);
    while buf.len() + line.len() <= 16 * 1024 || buf.is_empty() {
        buf.extend_from_slice(line.as_bytes());
    }
    let mut out = io::stdout().lock();
    loop {
        if out.write_all(&buf).is_err() {
            return ExitCode::FAILURE;
        }
    }
}
