//! `grep [-EFvcilnqHhsw] [-e PATTERN]... [PATTERN] [FILE]...`: prints the lines that
//! match. Patterns are POSIX basic regular expressions (`\(`, `\|`, `\{n,m\}`, ...) or,
//! with `-E`, extended ones; `-F` takes them literally. Matching is byte-oriented like
//! GNU grep in the C locale (`.` is any byte, classes are ASCII). `-v` inverts, `-c`
//! counts, `-i` ignores case, `-n` numbers lines, `-l` lists matching files, `-q` is
//! quiet, `-w` matches whole words, `-H`/`-h` force/suppress file names, `-s` hides file
//! errors, `-x` matches whole lines, `-o` prints only the matched parts. Exit status: 0 if a line was selected, 1 if none, 2 on error.

use std::io::{self, BufRead, Write};
use std::process::{ExitCode, exit};

use regex::bytes::{Regex, RegexBuilder};
use userland::{cli, posix_re};

const PROG: &str = "grep";

#[derive(Default)]
struct Opts {
    extended: bool,
    fixed: bool,
    invert: bool,
    count: bool,
    icase: bool,
    number: bool,
    list: bool,
    quiet: bool,
    word: bool,
    line: bool,
    only: bool,
    names: Option<bool>,
    silent: bool,
}

fn build(patterns: &[String], o: &Opts) -> Result<Regex, String> {
    let parts: Vec<String> = patterns
        .iter()
        .map(|p| {
            if o.fixed {
                regex::escape(p)
            } else {
                posix_re::translate(p, o.extended)
            }
        })
        .map(|p| {
            if o.line {
                format!("^(?:{p})$")
            } else if o.word {
                format!("(?:^|[^0-9A-Za-z_])(?:{p})(?:[^0-9A-Za-z_]|$)")
            } else {
                format!("(?:{p})")
            }
        })
        .collect();
    RegexBuilder::new(&parts.join("|"))
        .unicode(false)
        .case_insensitive(o.icase)
        .multi_line(false)
        .build()
        .map_err(|e| {
            // The first line of the error is enough; the rest points into the pattern.
            let text = e.to_string();
            text.lines()
                .last()
                .unwrap_or("invalid pattern")
                .trim()
                .to_owned()
        })
}

fn out_err(e: io::Error) -> ! {
    if e.kind() != io::ErrorKind::BrokenPipe {
        eprintln!("{PROG}: write error: {}", cli::msg(&e));
    }
    exit(2)
}

/// Searches one input; returns the number of selected lines.
fn search(
    re: &Regex,
    o: &Opts,
    input: &mut dyn BufRead,
    name: Option<&str>,
    label: &str,
    out: &mut dyn Write,
) -> io::Result<u64> {
    let mut line = Vec::new();
    let mut lineno = 0u64;
    let mut selected = 0u64;
    while cli::read_line(input, &mut line)? {
        lineno += 1;
        let body = line.strip_suffix(b"\n").unwrap_or(&line);
        if re.is_match(body) == o.invert {
            continue;
        }
        selected += 1;
        if o.quiet {
            break;
        }
        if o.list {
            writeln!(out, "{label}").unwrap_or_else(|e| out_err(e));
            break;
        }
        if o.count {
            continue;
        }
        let mut w = || -> io::Result<()> {
            let prefix = |out: &mut dyn Write| -> io::Result<()> {
                if let Some(name) = name {
                    write!(out, "{name}:")?;
                }
                if o.number {
                    write!(out, "{lineno}:")?;
                }
                Ok(())
            };
            if o.only {
                if !o.invert {
                    for m in re.find_iter(body).filter(|m| !m.is_empty()) {
                        prefix(out)?;
                        out.write_all(m.as_bytes())?;
                        out.write_all(b"\n")?;
                    }
                }
                return Ok(());
            }
            prefix(out)?;
            out.write_all(body)?;
            out.write_all(b"\n")
        };
        w().unwrap_or_else(|e| out_err(e));
    }
    if o.count {
        match name {
            Some(name) => writeln!(out, "{name}:{selected}"),
            None => writeln!(out, "{selected}"),
        }
        .unwrap_or_else(|e| out_err(e));
    }
    Ok(selected)
}

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let args = cli::parse(
        PROG,
        std::env::args().skip(1),
        "EFGvcilnqHhswxory",
        "ef",
        false,
    );
    let mut o = Opts::default();
    let mut patterns: Vec<String> = Vec::new();
    let mut pattern_given = false;
    for (c, v) in args.opts {
        match c {
            'E' => o.extended = true,
            'F' => o.fixed = true,
            'G' => o.extended = false,
            'v' => o.invert = true,
            'c' => o.count = true,
            'i' | 'y' => o.icase = true,
            'l' => o.list = true,
            'n' => o.number = true,
            'q' => o.quiet = true,
            'H' => o.names = Some(true),
            'h' => o.names = Some(false),
            's' => o.silent = true,
            'w' => o.word = true,
            'x' => o.line = true,
            'o' => o.only = true,
            'r' => cli::usage_error(PROG, "recursive search is not supported"),
            'e' => {
                pattern_given = true;
                patterns.extend(v.unwrap().split('\n').map(str::to_owned));
            }
            'f' => {
                pattern_given = true;
                let name = v.unwrap();
                match std::fs::read(&name) {
                    Ok(bytes) => {
                        let text = String::from_utf8_lossy(&bytes);
                        patterns.extend(text.lines().map(str::to_owned));
                    }
                    Err(e) => {
                        eprintln!("{PROG}: {name}: {}", cli::msg(&e));
                        exit(2);
                    }
                }
            }
            _ => unreachable!(),
        }
    }
    let mut operands = args.operands.into_iter();
    if !pattern_given {
        match operands.next() {
            Some(p) => patterns.extend(p.split('\n').map(str::to_owned)),
            None => cli::usage_error(PROG, "usage: grep [OPTION]... PATTERNS [FILE]..."),
        }
    }
    let re = if patterns.is_empty() {
        // `-f /dev/null`: matches nothing.
        Regex::new("a\\bb").map_err(|_| ())
    } else {
        build(&patterns, &o).map_err(|e| {
            eprintln!("{PROG}: {e}");
            exit(2);
        })
    }
    .unwrap();

    let files = cli::files_or_stdin(operands.collect());
    let show_names = o.names.unwrap_or(files.len() > 1);
    let mut out = cli::stdout();
    let mut matched = false;
    let mut error = false;
    for f in &files {
        let label = if f == "-" {
            "(standard input)"
        } else {
            f.as_str()
        };
        let result = cli::open(f).and_then(|mut input| {
            search(
                &re,
                &o,
                &mut *input,
                show_names.then_some(label),
                label,
                &mut out,
            )
        });
        match result {
            Ok(n) => {
                if n > 0 {
                    matched = true;
                    if o.quiet {
                        break;
                    }
                }
            }
            Err(e) => {
                error = true;
                if !o.silent {
                    let _ = out.flush();
                    eprintln!("{PROG}: {f}: {}", cli::msg(&e));
                }
            }
        }
    }
    if let Err(e) = out.flush() {
        out_err(e);
    }
    ExitCode::from(if error && !(o.quiet && matched) {
        2
    } else if matched {
        0
    } else {
        1
    })
}
