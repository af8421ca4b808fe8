//! `tail [-n [+]N] [-c [+]N] [-q] [-v] [FILE]...`: the last N lines (default 10) or bytes
//! of each file, or everything from line/byte N on with `+N`. `-N` means `-n N`, `+N`
//! means `-n +N`. Streams its input, keeping only the last N lines in memory. Several
//! files get `==> NAME <==` headers.

use std::collections::VecDeque;
use std::io::{self, BufRead, Write};
use std::process::ExitCode;
use userland::cli;

const PROG: &str = "tail";

#[derive(Clone, Copy)]
struct Mode {
    bytes: bool,
    from_start: bool,
    n: u64,
}

fn out_err(e: io::Error) -> io::Error {
    cli::write_failed(PROG, &e)
}

fn run(input: &mut dyn BufRead, out: &mut dyn Write, m: Mode) -> io::Result<()> {
    if m.from_start {
        // Skip n-1 lines/bytes, then copy the rest.
        let mut skip = m.n.saturating_sub(1);
        while skip > 0 {
            let buf = input.fill_buf()?;
            if buf.is_empty() {
                return Ok(());
            }
            let mut used = buf.len();
            if m.bytes {
                used = used.min(skip.try_into().unwrap_or(usize::MAX));
                skip -= used as u64;
            } else {
                for (i, &b) in buf.iter().enumerate() {
                    if b == b'\n' {
                        skip -= 1;
                        if skip == 0 {
                            used = i + 1;
                            break;
                        }
                    }
                }
            }
            input.consume(used);
        }
        loop {
            let buf = input.fill_buf()?;
            if buf.is_empty() {
                return Ok(());
            }
            out.write_all(buf).map_err(out_err)?;
            let len = buf.len();
            input.consume(len);
        }
    }
    if m.n == 0 {
        io::copy(input, &mut io::sink())?;
        return Ok(());
    }
    if m.bytes {
        let n = usize::try_from(m.n).unwrap_or(usize::MAX);
        let mut ring: VecDeque<u8> = VecDeque::new();
        loop {
            let buf = input.fill_buf()?;
            if buf.is_empty() {
                break;
            }
            let take = buf.len().min(n);
            ring.extend(&buf[buf.len() - take..]);
            if ring.len() > n {
                ring.drain(..ring.len() - n);
            }
            let len = buf.len();
            input.consume(len);
        }
        let (a, b) = ring.as_slices();
        out.write_all(a).map_err(out_err)?;
        out.write_all(b).map_err(out_err)?;
        return Ok(());
    }
    let mut ring: VecDeque<Vec<u8>> = VecDeque::new();
    let mut line = Vec::new();
    while cli::read_line(input, &mut line)? {
        if ring.len() as u64 == m.n {
            let mut old = ring.pop_front().unwrap();
            std::mem::swap(&mut old, &mut line);
            ring.push_back(old);
        } else {
            ring.push_back(std::mem::take(&mut line));
        }
    }
    for l in &ring {
        out.write_all(l).map_err(out_err)?;
    }
    Ok(())
}

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mut raw: Vec<String> = Vec::new();
    for a in std::env::args().skip(1) {
        let is_value = raw.last().is_some_and(|p| p == "-n" || p == "-c");
        if !is_value && a.len() > 1 && a.starts_with('-') && digits(&a[1..]) {
            raw.push(format!("-n{}", &a[1..]));
        } else if raw.is_empty() && a.len() > 1 && a.starts_with('+') && digits(&a[1..]) {
            raw.push(format!("-n{a}"));
        } else {
            raw.push(a);
        }
    }
    let args = cli::parse(PROG, raw, "qv", "nc", false);
    let mut mode = Mode {
        bytes: false,
        from_start: false,
        n: 10,
    };
    let mut headers = None;
    for (c, v) in args.opts {
        match c {
            'q' => headers = Some(false),
            'v' => headers = Some(true),
            _ => {
                let v = v.unwrap();
                let num = v.strip_prefix('-').unwrap_or(&v);
                let Some(n) = cli::parse_count(num) else {
                    let what = if c == 'n' { "lines" } else { "bytes" };
                    cli::usage_error(PROG, &format!("invalid number of {what}: '{v}'"));
                };
                mode = Mode {
                    bytes: c == 'c',
                    from_start: v.starts_with('+'),
                    n,
                };
            }
        }
    }
    let files = cli::files_or_stdin(args.operands);
    let headers = headers.unwrap_or(files.len() > 1);
    let mut out = cli::stdout();
    let mut status = ExitCode::SUCCESS;
    let mut first = true;
    for f in &files {
        let mut input = match cli::open(f) {
            Ok(input) => input,
            Err(e) => {
                let _ = out.flush();
                eprintln!("{PROG}: cannot open '{f}' for reading: {}", cli::msg(&e));
                status = ExitCode::FAILURE;
                continue;
            }
        };
        if headers {
            let name = if f == "-" { "standard input" } else { f };
            let sep = if first { "" } else { "\n" };
            if let Err(e) = writeln!(out, "{sep}==> {name} <==") {
                cli::write_failed(PROG, &e);
            }
        }
        first = false;
        if let Err(e) = run(&mut *input, &mut out, mode) {
            let _ = out.flush();
            eprintln!("{PROG}: error reading '{f}': {}", cli::msg(&e));
            status = ExitCode::FAILURE;
        }
    }
    cli::finish(PROG, &mut out, status)
}
