//! `tee [-a] [-i] [FILE]...`: copies stdin to stdout and to each FILE (truncated, or
//! appended to with `-a`). A file that cannot be opened or written is reported and
//! skipped; the exit status is then 1. `-i` is accepted and ignored.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::process::ExitCode;
use userland::cli;

const PROG: &str = "tee";

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let args = cli::parse(PROG, std::env::args().skip(1), "aip", "", false);
    let append = args.opts.iter().any(|(c, _)| *c == 'a');
    let mut status = ExitCode::SUCCESS;
    let mut files: Vec<(String, Option<File>)> = Vec::new();
    for name in args.operands {
        let opened = if append {
            OpenOptions::new().append(true).create(true).open(&name)
        } else {
            File::create(&name)
        };
        match opened {
            Ok(f) => files.push((name, Some(f))),
            Err(e) => {
                eprintln!("{PROG}: {name}: {}", cli::msg(&e));
                status = ExitCode::FAILURE;
            }
        }
    }
    let mut stdout = Some(io::stdout().lock());
    let mut stdin = io::stdin().lock();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match stdin.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                eprintln!("{PROG}: read error: {}", cli::msg(&e));
                status = ExitCode::FAILURE;
                break;
            }
        };
        if let Some(out) = stdout.as_mut()
            && let Err(e) = out.write_all(&buf[..n])
        {
            // Like GNU tee's default: a broken pipe ends tee; other errors are reported
            // and the copy to the files goes on.
            if e.kind() == io::ErrorKind::BrokenPipe {
                cli::write_failed(PROG, &e);
            }
            eprintln!("{PROG}: standard output: {}", cli::msg(&e));
            status = ExitCode::FAILURE;
            stdout = None;
        }
        for (name, file) in files.iter_mut() {
            if let Some(f) = file
                && let Err(e) = f.write_all(&buf[..n])
            {
                eprintln!("{PROG}: {name}: {}", cli::msg(&e));
                status = ExitCode::FAILURE;
                *file = None;
            }
        }
    }
    status
}
