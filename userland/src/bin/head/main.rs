//! `head [-n N] [-c N] [-q] [-v] [FILE]...`: the first N lines (default 10) or bytes of
//! each file; `-n -N` / `-c -N` print all but the last N. `-N` is accepted for `-n N`.
//! Several files get `==> NAME <==` headers.

use std::collections::VecDeque;
use std::io::{self, BufRead, Write};
use std::process::ExitCode;
use userland::cli;

const PROG: &str = "head";

enum Mode {
    Lines(u64, bool),
    Bytes(u64, bool),
}

fn run(input: &mut dyn BufRead, out: &mut dyn Write, mode: &Mode) -> io::Result<()> {
    match *mode {
        Mode::Lines(n, false) => {
            let mut left = n;
            while left > 0 {
                let buf = input.fill_buf()?;
                if buf.is_empty() {
                    break;
                }
                let mut end = buf.len();
                for (i, &b) in buf.iter().enumerate() {
                    if b == b'\n' {
                        left -= 1;
                        if left == 0 {
                            end = i + 1;
                            break;
                        }
                    }
                }
                out.write_all(&buf[..end]).map_err(out_err)?;
                input.consume(end);
            }
        }
        Mode::Bytes(n, false) => {
            let mut left = n;
            while left > 0 {
                let buf = input.fill_buf()?;
                if buf.is_empty() {
                    break;
                }
                let take = buf.len().min(left.try_into().unwrap_or(usize::MAX));
                out.write_all(&buf[..take]).map_err(out_err)?;
                input.consume(take);
                left -= take as u64;
            }
        }
        Mode::Lines(n, true) => {
            let mut ring: VecDeque<Vec<u8>> = VecDeque::new();
            let mut line = Vec::new();
            while cli::read_line(input, &mut line)? {
                ring.push_back(std::mem::take(&mut line));
                if ring.len() as u64 > n {
                    let first = ring.pop_front().unwrap();
                    out.write_all(&first).map_err(out_err)?;
                }
            }
        }
        Mode::Bytes(n, true) => {
            let mut ring: VecDeque<u8> = VecDeque::new();
            loop {
                let buf = input.fill_buf()?;
                if buf.is_empty() {
                    break;
                }
                ring.extend(buf.iter());
                let len = buf.len();
                input.consume(len);
                if ring.len() as u64 > n {
                    let excess = ring.len() - n as usize;
                    let chunk: Vec<u8> = ring.drain(..excess).collect();
                    out.write_all(&chunk).map_err(out_err)?;
                }
            }
        }
    }
    Ok(())
}

/// Marks stdout failures so they are not reported as read errors of the file.
fn out_err(e: io::Error) -> io::Error {
    cli::write_failed(PROG, &e)
}

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    // `head -5` is `head -n 5`.
    let mut raw: Vec<String> = Vec::new();
    for a in std::env::args().skip(1) {
        let is_value = raw.last().is_some_and(|p| p == "-n" || p == "-c");
        if !is_value
            && a.len() > 1
            && a.starts_with('-')
            && a[1..].bytes().all(|b| b.is_ascii_digit())
        {
            raw.push(format!("-n{}", &a[1..]));
        } else {
            raw.push(a);
        }
    }
    let args = cli::parse(PROG, raw, "qv", "nc", false);
    let mut mode = Mode::Lines(10, false);
    let mut headers = None;
    for (c, v) in args.opts {
        match c {
            'q' => headers = Some(false),
            'v' => headers = Some(true),
            _ => {
                let v = v.unwrap();
                let (neg, num) = match v.strip_prefix('-') {
                    Some(rest) => (true, rest),
                    None => (false, v.as_str()),
                };
                let Some(n) = cli::parse_count(num) else {
                    let what = if c == 'n' { "lines" } else { "bytes" };
                    cli::usage_error(PROG, &format!("invalid number of {what}: '{v}'"));
                };
                mode = if c == 'n' {
                    Mode::Lines(n, neg)
                } else {
                    Mode::Bytes(n, neg)
                };
            }
        }
    }
    let files = cli::files_or_stdin(args.operands);
    let headers = headers.unwrap_or(files.len() > 1);
    let mut out = cli::stdout();
    let mut status = ExitCode::SUCCESS;
    for (i, f) in files.iter().enumerate() {
        let mut input = match std::fs::metadata(f) {
            Ok(m) if m.is_dir() && f != "-" => {
                if headers {
                    let name = if f == "-" { "standard input" } else { f };
                    let sep = if i > 0 { "\n" } else { "" };
                    if let Err(e) = writeln!(out, "{sep}==> {name} <==") {
                        cli::write_failed(PROG, &e);
                    }
                }
                let _ = out.flush();
                eprintln!("{PROG}: error reading '{f}': Is a directory");
                status = ExitCode::FAILURE;
                continue;
            }
            _ => match cli::open(f) {
                Ok(input) => input,
                Err(e) => {
                    let _ = out.flush();
                    eprintln!("{PROG}: cannot open '{f}' for reading: {}", cli::msg(&e));
                    status = ExitCode::FAILURE;
                    continue;
                }
            },
        };
        if headers {
            let name = if f == "-" { "standard input" } else { f };
            let sep = if i > 0 { "\n" } else { "" };
            if let Err(e) = writeln!(out, "{sep}==> {name} <==") {
                cli::write_failed(PROG, &e);
            }
        }
        if let Err(e) = run(&mut *input, &mut out, &mode) {
            let _ = out.flush();
            eprintln!("{PROG}: error reading '{f}': {}", cli::msg(&e));
            status = ExitCode::FAILURE;
        }
    }
    cli::finish(PROG, &mut out, status)
}
