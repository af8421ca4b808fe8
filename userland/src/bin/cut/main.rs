//! `cut -f LIST [-d DELIM] [-s] [FILE]...` / `cut -c LIST` / `cut -b LIST`: prints the
//! selected fields (TAB-separated by default) or byte positions of each line. LIST is a
//! comma-separated list of `N`, `N-M`, `N-` and `-M`. Lines without the delimiter are
//! printed whole unless `-s`. `--output-delimiter` is not supported.

use std::io::{self, Write};
use std::process::ExitCode;
use userland::cli;

const PROG: &str = "cut";

/// Sorted, merged 1-based inclusive ranges (`usize::MAX` for open ends).
fn parse_list(s: &str) -> Result<Vec<(usize, usize)>, String> {
    let mut ranges = Vec::new();
    for part in s.split([',', ' ']) {
        let bad = || format!("invalid field range '{part}'");
        let num = |t: &str| -> Result<usize, String> {
            let n: usize = t.parse().map_err(|_| bad())?;
            if n == 0 {
                Err("fields and positions are numbered from 1".to_owned())
            } else {
                Ok(n)
            }
        };
        let (a, b) = match part.split_once('-') {
            None => {
                let n = num(part)?;
                (n, n)
            }
            Some(("", "")) => return Err("invalid range with no endpoint: -".to_owned()),
            Some(("", b)) => (1, num(b)?),
            Some((a, "")) => (num(a)?, usize::MAX),
            Some((a, b)) => (num(a)?, num(b)?),
        };
        if a > b {
            return Err("invalid decreasing range".to_owned());
        }
        ranges.push((a, b));
    }
    ranges.sort();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (a, b) in ranges {
        match merged.last_mut() {
            Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    Ok(merged)
}

fn selected(ranges: &[(usize, usize)], n: usize) -> bool {
    ranges.iter().any(|&(a, b)| a <= n && n <= b)
}

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let args = cli::parse(PROG, std::env::args().skip(1), "sn", "fcbd", false);
    let mut list: Option<(char, String)> = None;
    let mut delim = b'\t';
    let mut only_delimited = false;
    for (c, v) in args.opts {
        match c {
            'f' | 'c' | 'b' => {
                if list.is_some() {
                    cli::usage_error(PROG, "only one type of list may be specified");
                }
                list = Some((c, v.unwrap()));
            }
            'd' => {
                let v = v.unwrap();
                if v.len() != 1 {
                    cli::usage_error(PROG, "the delimiter must be a single character");
                }
                delim = v.as_bytes()[0];
            }
            's' => only_delimited = true,
            _ => {}
        }
    }
    let Some((kind, spec)) = list else {
        cli::usage_error(
            PROG,
            "you must specify a list of bytes, characters, or fields",
        );
    };
    let ranges = parse_list(&spec).unwrap_or_else(|e| cli::usage_error(PROG, &e));
    let fields = kind == 'f';

    let mut out = cli::stdout();
    let mut status = ExitCode::SUCCESS;
    let mut line = Vec::new();
    for f in cli::files_or_stdin(args.operands) {
        let mut input = match cli::open(&f) {
            Ok(i) => i,
            Err(e) => {
                let _ = out.flush();
                eprintln!("{PROG}: {f}: {}", cli::msg(&e));
                status = ExitCode::FAILURE;
                continue;
            }
        };
        loop {
            match cli::read_line(&mut *input, &mut line) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    let _ = out.flush();
                    eprintln!("{PROG}: {f}: {}", cli::msg(&e));
                    status = ExitCode::FAILURE;
                    break;
                }
            }
            let body = line.strip_suffix(b"\n").unwrap_or(&line);
            let r = (|| -> io::Result<()> {
                if fields {
                    if !body.contains(&delim) {
                        if !only_delimited {
                            out.write_all(body)?;
                            out.write_all(b"\n")?;
                        }
                        return Ok(());
                    }
                    let mut first = true;
                    for (i, field) in body.split(|&b| b == delim).enumerate() {
                        if selected(&ranges, i + 1) {
                            if !first {
                                out.write_all(&[delim])?;
                            }
                            first = false;
                            out.write_all(field)?;
                        }
                    }
                } else {
                    for &(a, b) in &ranges {
                        if a > body.len() {
                            break;
                        }
                        out.write_all(&body[a - 1..b.min(body.len())])?;
                    }
                }
                out.write_all(b"\n")
            })();
            if let Err(e) = r {
                cli::write_failed(PROG, &e);
            }
        }
    }
    cli::finish(PROG, &mut out, status)
}
