//! `uniq [-c] [-d] [-u] [-i] [INPUT [OUTPUT]]`: collapses runs of equal adjacent lines.
//! `-c` prefixes each line with its count (`%7d `), `-d` prints only repeated lines,
//! `-u` only unrepeated ones, `-i` ignores ASCII case.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use userland::cli;

const PROG: &str = "uniq";

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let args = cli::parse(PROG, std::env::args().skip(1), "cdui", "", false);
    let (mut count, mut dups, mut uniques, mut icase) = (false, false, false, false);
    for (c, _) in &args.opts {
        match c {
            'c' => count = true,
            'd' => dups = true,
            'u' => uniques = true,
            _ => icase = true,
        }
    }
    let mut ops = args.operands.into_iter();
    let input_name = ops.next().unwrap_or_else(|| "-".to_owned());
    let output_name = ops.next();
    if let Some(extra) = ops.next() {
        cli::usage_error(PROG, &format!("extra operand '{extra}'"));
    }
    let mut input = match cli::open(&input_name) {
        Ok(i) => i,
        Err(e) => cli::die(PROG, &format!("{input_name}: {}", cli::msg(&e))),
    };
    let mut out: Box<dyn Write> = match output_name.as_deref() {
        None | Some("-") => Box::new(cli::stdout()),
        Some(name) => match File::create(name) {
            Ok(f) => Box::new(BufWriter::with_capacity(64 * 1024, f)),
            Err(e) => cli::die(PROG, &format!("{name}: {}", cli::msg(&e))),
        },
    };

    let same = |a: &[u8], b: &[u8]| {
        let a = a.strip_suffix(b"\n").unwrap_or(a);
        let b = b.strip_suffix(b"\n").unwrap_or(b);
        if icase {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    let emit = |out: &mut dyn Write, line: &[u8], n: u64| -> io::Result<()> {
        if (dups && n < 2) || (uniques && n > 1) {
            return Ok(());
        }
        if count {
            write!(out, "{n:>7} ")?;
        }
        out.write_all(line.strip_suffix(b"\n").unwrap_or(line))?;
        out.write_all(b"\n")
    };
    let mut prev: Vec<u8> = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    let mut n = 0u64;
    let result = (|| -> io::Result<()> {
        loop {
            let more = cli::read_line(&mut *input, &mut cur)
                .map_err(|e| cli::die(PROG, &format!("{input_name}: {}", cli::msg(&e))))
                .unwrap();
            if !more {
                break;
            }
            if n > 0 && same(&prev, &cur) {
                n += 1;
                continue;
            }
            if n > 0 {
                emit(&mut *out, &prev, n)?;
            }
            std::mem::swap(&mut prev, &mut cur);
            n = 1;
        }
        if n > 0 {
            emit(&mut *out, &prev, n)?;
        }
        out.flush()
    })();
    if let Err(e) = result {
        match output_name.as_deref() {
            None | Some("-") => cli::write_failed(PROG, &e),
            Some(name) => cli::die(PROG, &format!("{name}: {}", cli::msg(&e))),
        }
    }
    ExitCode::SUCCESS
}
