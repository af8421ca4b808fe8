//! `cat [-n] [-b] [-E] [-s] [FILE]...`: copies each file (or stdin for `-` or when no file
//! is given) to stdout. `-n` numbers all lines (`%6d\t`), `-b` only non-blank ones, `-E`
//! marks line ends with `$`, `-s` squeezes runs of blank lines; numbering continues
//! across files. A file that cannot be read is reported as `cat: NAME: <message>` on
//! stderr; the remaining files are still copied and the exit status is 1.

use std::fs::File;
use std::io::{self, BufRead, Write};
use std::process::ExitCode;
use userland::cli;

#[derive(Default)]
struct Opts {
    number: bool,
    nonblank: bool,
    ends: bool,
    squeeze: bool,
}

/// Line-numbering state carried across files.
#[derive(Default)]
struct State {
    line: u64,
    /// Blank lines just seen (for `-s`).
    blanks: u32,
    /// The last byte written did not end a line (a file ended mid-line).
    mid_line: bool,
}

fn filter(
    input: &mut dyn BufRead,
    out: &mut impl Write,
    o: &Opts,
    st: &mut State,
) -> io::Result<()> {
    let mut buf = Vec::new();
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            return Ok(());
        }
        let continued = st.mid_line;
        st.mid_line = !buf.ends_with(b"\n");
        let blank = !continued && buf == b"\n";
        if blank {
            st.blanks += 1;
            if o.squeeze && st.blanks > 1 {
                continue;
            }
        } else {
            st.blanks = 0;
        }
        if !continued && (o.nonblank && !blank || o.number && !o.nonblank) {
            st.line += 1;
            write!(out, "{:>6}\t", st.line)?;
        }
        if o.ends && !st.mid_line {
            out.write_all(&buf[..buf.len() - 1])?;
            out.write_all(b"$\n")?;
        } else {
            out.write_all(&buf)?;
        }
    }
}

fn copy(name: &str, out: &mut impl Write, o: Option<&Opts>, st: &mut State) -> io::Result<()> {
    match o {
        // Buffered output, flushed before each read from stdin.
        Some(o) => filter(&mut *cli::open(name)?, &mut cli::stdout(), o, st),
        None if name == "-" => io::copy(&mut io::stdin().lock(), out).map(drop),
        None => {
            let mut file = File::open(name)?;
            if file.metadata()?.is_dir() {
                return Err(io::Error::from_raw_os_error(31)); // WASI EISDIR
            }
            io::copy(&mut file, out).map(drop)
        }
    }
}

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let mut opts = Opts::default();
    let mut names: Vec<String> = Vec::new();
    let mut filtering = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--" {
            names.extend(args.by_ref());
            break;
        }
        match arg.strip_prefix('-') {
            Some(flags) if !flags.is_empty() => {
                for flag in flags.chars() {
                    match flag {
                        'n' => opts.number = true,
                        'b' => opts.nonblank = true,
                        'E' => opts.ends = true,
                        's' => opts.squeeze = true,
                        'u' => continue,
                        _ => {
                            eprintln!("cat: invalid option -- '{flag}'");
                            return ExitCode::from(2);
                        }
                    }
                    filtering = true;
                }
            }
            _ => names.push(arg),
        }
    }
    if names.is_empty() {
        names.push("-".to_owned());
    }
    let mut out = io::stdout().lock();
    let mut status = ExitCode::SUCCESS;
    let mut state = State::default();
    for name in &names {
        if let Err(err) = copy(name, &mut out, filtering.then_some(&opts), &mut state) {
            if cli::stdout().flush().is_err() || err.kind() == io::ErrorKind::BrokenPipe {
                return ExitCode::FAILURE;
            }
            eprintln!("cat: {name}: {}", userland::message(&err));
            status = ExitCode::FAILURE;
        }
    }
    if out.flush().is_err() || cli::stdout().flush().is_err() {
        status = ExitCode::FAILURE;
    }
    status
}
