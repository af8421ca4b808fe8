//! `cat [FILE]...`: copies each file (or stdin for `-` or when no file is given) to
//! stdout. A file that cannot be read is reported as `cat: NAME: <message>` on stderr;
//! the remaining files are still copied and the exit status is 1.

use std::fs::File;
use std::io::{self, Write};
use std::process::ExitCode;

fn copy(name: &str, out: &mut impl Write) -> io::Result<()> {
    if name == "-" {
        io::copy(&mut io::stdin().lock(), out)?;
    } else {
        io::copy(&mut File::open(name)?, out)?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let mut names: Vec<String> = std::env::args().skip(1).collect();
    if names.is_empty() {
        names.push("-".to_owned());
    }
    let mut out = io::stdout().lock();
    let mut status = ExitCode::SUCCESS;
    for name in &names {
        if let Err(err) = copy(name, &mut out) {
            let _ = out.flush();
            eprintln!("cat: {name}: {}", userland::message(&err));
            status = ExitCode::FAILURE;
        }
    }
    if out.flush().is_err() {
        status = ExitCode::FAILURE;
    }
    status
}
