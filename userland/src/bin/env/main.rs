//! `env [-i] [-u NAME]... [NAME=VALUE]... [COMMAND [ARG]...]`: prints the environment
//! (as changed by `-i`, `-u` and the assignments), one `NAME=VALUE` per line. Running a
//! COMMAND is not supported: that is reported and the status is 1.

use std::io::Write;
use std::process::ExitCode;
use userland::cli;

const PROG: &str = "env";

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let mut ignore = false;
    let mut unset = Vec::new();
    let mut args = std::env::args().skip(1).peekable();
    while let Some(a) = args.peek() {
        match a.as_str() {
            "-i" | "-" => ignore = true,
            "-u" => {
                args.next();
                match args.peek() {
                    Some(n) => unset.push(n.clone()),
                    None => cli::usage_error(PROG, "option requires an argument -- 'u'"),
                }
            }
            "--" => {
                args.next();
                break;
            }
            s if s.starts_with("-u") => unset.push(s[2..].to_owned()),
            s if s.starts_with('-') && s.len() > 1 => {
                cli::usage_error(PROG, &format!("invalid option -- '{}'", &s[1..2]))
            }
            _ => break,
        }
        args.next();
    }
    let mut vars: Vec<(String, String)> = if ignore {
        Vec::new()
    } else {
        std::env::vars_os()
            .map(|(k, v)| {
                (
                    k.to_string_lossy().into_owned(),
                    v.to_string_lossy().into_owned(),
                )
            })
            .collect()
    };
    vars.retain(|(k, _)| !unset.contains(k));
    for a in args.by_ref() {
        match a.split_once('=') {
            Some((k, v)) if !k.is_empty() => {
                vars.retain(|(name, _)| name != k);
                vars.push((k.to_owned(), v.to_owned()));
            }
            _ => {
                eprintln!("{PROG}: '{a}': running commands is not supported");
                return ExitCode::FAILURE;
            }
        }
    }
    let mut out = cli::stdout();
    for (k, v) in &vars {
        if let Err(e) = writeln!(out, "{k}={v}") {
            cli::write_failed(PROG, &e);
        }
    }
    cli::finish(PROG, &mut out, ExitCode::SUCCESS)
}
