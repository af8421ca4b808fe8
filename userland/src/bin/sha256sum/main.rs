//! `sha256sum [-b|-t] [FILE]...` prints `HASH  NAME` for each FILE (stdin for `-` or no
//! operand; `-b` marks the name with `*`); `sha256sum -c [--quiet|--status] [FILE]...`
//! reads such lines and checks each file, printing `NAME: OK` or `NAME: FAILED`, then
//! GNU's warnings. Exit 1 if a file could not be read or, with `-c`, did not match.

use std::io::{self, Read, Write};
use std::process::ExitCode;

use userland::cli;
use userland::sums::{Sha256, hex};

const PROG: &str = "sha256sum";

fn digest(name: &str) -> io::Result<String> {
    let mut input = cli::open_raw(name)?;
    let mut sha = Sha256::default();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = input.read(&mut buf)?;
        if n == 0 {
            return Ok(hex(&sha.finish()));
        }
        sha.update(&buf[..n]);
    }
}

fn error(out: &mut cli::Out, what: &str) {
    let _ = out.flush();
    eprintln!("{PROG}: {what}");
}

fn say(out: &mut cli::Out, line: &str) {
    if let Err(e) = out.write_all(line.as_bytes()) {
        cli::write_failed(PROG, &e);
    }
}

/// `N thing` or `N things`, with the verb to match.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `-c`: checks the files listed in `list`; returns false on any failure.
fn check(list: &str, quiet: bool, status_only: bool, out: &mut cli::Out) -> bool {
    let text = match cli::open_raw(list).and_then(|mut f| {
        let mut v = Vec::new();
        f.read_to_end(&mut v)?;
        Ok(v)
    }) {
        Ok(t) => t,
        Err(e) => {
            error(out, &format!("{list}: {}", cli::msg(&e)));
            return false;
        }
    };
    let (mut bad_lines, mut unreadable, mut mismatched, mut good) = (0, 0, 0, 0);
    for line in String::from_utf8_lossy(&text).lines() {
        let parsed = line.get(..64).zip(line.get(64..66)).filter(|(hash, sep)| {
            hash.bytes().all(|b| b.is_ascii_hexdigit()) && (*sep == "  " || *sep == " *")
        });
        let Some((want, _)) = parsed.filter(|_| line.len() > 66) else {
            bad_lines += 1;
            continue;
        };
        let name = &line[66..];
        good += 1;
        match digest(name) {
            Err(e) => {
                unreadable += 1;
                error(out, &format!("{name}: {}", cli::msg(&e)));
                if !status_only {
                    say(out, &format!("{name}: FAILED open or read\n"));
                }
            }
            Ok(got) if got.eq_ignore_ascii_case(want) => {
                if !quiet && !status_only {
                    say(out, &format!("{name}: OK\n"));
                }
            }
            Ok(_) => {
                mismatched += 1;
                if !status_only {
                    say(out, &format!("{name}: FAILED\n"));
                }
            }
        }
    }
    if good == 0 {
        error(
            out,
            &format!("{list}: no properly formatted checksum lines found"),
        );
        return false;
    }
    if !status_only {
        if bad_lines > 0 {
            let what = plural(bad_lines, "line is", "lines are");
            error(out, &format!("WARNING: {what} improperly formatted"));
        }
        if unreadable > 0 {
            let what = plural(unreadable, "listed file", "listed files");
            error(out, &format!("WARNING: {what} could not be read"));
        }
        if mismatched > 0 {
            let what = plural(mismatched, "computed checksum", "computed checksums");
            error(out, &format!("WARNING: {what} did NOT match"));
        }
    }
    unreadable == 0 && mismatched == 0
}

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let mut argv: Vec<String> = std::env::args().skip(1).collect();
    let (mut quiet, mut status_only) = (false, false);
    argv.retain(|a| match a.as_str() {
        "--quiet" => {
            quiet = true;
            false
        }
        "--status" => {
            status_only = true;
            false
        }
        _ => true,
    });
    let argv = argv
        .into_iter()
        .map(|a| if a == "--check" { "-c".into() } else { a });
    let args = cli::parse_gnu(PROG, argv, "bct", "", 1);
    let checking = args.opts.iter().any(|(c, _)| *c == 'c');
    let binary = args
        .opts
        .iter()
        .rev()
        .find(|(c, _)| *c != 'c')
        .map(|(c, _)| *c)
        == Some('b');
    if (quiet || status_only) && !checking {
        let which = if quiet { "--quiet" } else { "--status" };
        cli::try_help(
            PROG,
            &format!("the {which} option is meaningful only when verifying checksums"),
            1,
        );
    }
    let mut out = cli::stdout();
    let mut ok = true;
    for name in cli::files_or_stdin(args.operands) {
        if checking {
            ok &= check(&name, quiet, status_only, &mut out);
            continue;
        }
        match digest(&name) {
            Ok(hash) => {
                let mark = if binary { '*' } else { ' ' };
                say(&mut out, &format!("{hash} {mark}{name}\n"));
            }
            Err(e) => {
                error(&mut out, &format!("{name}: {}", cli::msg(&e)));
                ok = false;
            }
        }
    }
    let status = if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    };
    cli::finish(PROG, &mut out, status)
}
