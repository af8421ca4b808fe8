//! `wc [-lwc] [FILE]...`: counts lines, words and bytes (all three by default), with a
//! `total` line for several files. Column widths follow GNU: wide enough for the total
//! size of the regular files, at least 7 when an input is not a regular file, no padding
//! for a single count of a single input.

use std::fs::File;
use std::io::{self, Read, Write};
use std::mem::ManuallyDrop;
use std::os::fd::FromRawFd;
use std::process::ExitCode;
use userland::cli;

const PROG: &str = "wc";

#[derive(Default, Clone, Copy)]
struct Counts {
    lines: u64,
    words: u64,
    bytes: u64,
}

fn count(input: &mut dyn Read) -> io::Result<Counts> {
    let mut c = Counts::default();
    let mut buf = vec![0u8; 64 * 1024];
    let mut in_word = false;
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        c.bytes += n as u64;
        for &b in &buf[..n] {
            if b == b'\n' {
                c.lines += 1;
            }
            // As GNU wc in the C locale: white space ends a word, a printable byte starts
            // one, other bytes change nothing.
            if matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
                in_word = false;
            } else if (0x21..0x7f).contains(&b) && !in_word {
                c.words += 1;
                in_word = true;
            }
        }
    }
    Ok(c)
}

/// Size if `name` is a regular file, None otherwise (or when it can't be examined).
fn regular_size(name: &str) -> Option<Option<u64>> {
    let meta = if name == "-" {
        // SAFETY: fd 0 stays open; ManuallyDrop keeps it from being closed.
        let stdin = ManuallyDrop::new(unsafe { File::from_raw_fd(0) });
        stdin.metadata()
    } else {
        std::fs::metadata(name)
    };
    match meta {
        Ok(m) if m.is_file() => Some(Some(m.len())),
        Ok(_) => Some(None),
        Err(_) => None,
    }
}

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let args = cli::parse(PROG, std::env::args().skip(1), "lwcm", "", false);
    let (mut lines, mut words, mut bytes) = (false, false, false);
    for (c, _) in &args.opts {
        match c {
            'l' => lines = true,
            'w' => words = true,
            _ => bytes = true,
        }
    }
    if !(lines || words || bytes) {
        (lines, words, bytes) = (true, true, true);
    }
    let names_given = !args.operands.is_empty();
    let files = cli::files_or_stdin(args.operands);
    let ncounts = [lines, words, bytes].iter().filter(|&&b| b).count();

    let width = if files.len() == 1 && ncounts == 1 {
        1
    } else {
        let mut min = 1;
        let mut total = 0u64;
        for f in &files {
            match regular_size(f) {
                Some(Some(size)) => total += size,
                Some(None) => min = 7,
                None => {}
            }
        }
        let mut w = 1;
        while total >= 10 {
            total /= 10;
            w += 1;
        }
        w.max(min)
    };

    let mut out = cli::stdout();
    let mut status = ExitCode::SUCCESS;
    let mut total = Counts::default();
    let print = |out: &mut dyn Write, c: &Counts, name: Option<&str>| {
        let mut fields = Vec::new();
        if lines {
            fields.push(format!("{:>width$}", c.lines));
        }
        if words {
            fields.push(format!("{:>width$}", c.words));
        }
        if bytes {
            fields.push(format!("{:>width$}", c.bytes));
        }
        let mut line = fields.join(" ");
        if let Some(name) = name {
            line.push(' ');
            line.push_str(name);
        }
        line.push('\n');
        if let Err(e) = out.write_all(line.as_bytes()) {
            cli::write_failed(PROG, &e);
        }
    };
    for f in &files {
        let result = cli::open_raw(f).and_then(|mut r| count(&mut *r));
        match result {
            Ok(c) => {
                total.lines += c.lines;
                total.words += c.words;
                total.bytes += c.bytes;
                print(&mut out, &c, names_given.then_some(f.as_str()));
            }
            Err(e) => {
                let _ = out.flush();
                eprintln!("{PROG}: {f}: {}", cli::msg(&e));
                status = ExitCode::FAILURE;
            }
        }
    }
    if files.len() > 1 {
        print(&mut out, &total, Some("total"));
    }
    cli::finish(PROG, &mut out, status)
}
