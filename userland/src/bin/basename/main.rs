//! `basename NAME [SUFFIX]`, `basename -a [-s SUFFIX] [-z] NAME...`: prints each NAME
//! without its leading directories and trailing slashes, and without SUFFIX when it ends
//! with it (but is not just it). `-z` ends each line with NUL. Like GNU coreutils.

use std::io::Write;
use std::process::ExitCode;

use userland::cli;

const PROG: &str = "basename";

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let args = cli::parse_gnu(PROG, std::env::args().skip(1), "az", "s", 1);
    let (mut multiple, mut zero, mut suffix) = (false, false, None);
    for (c, v) in args.opts {
        match c {
            'a' => multiple = true,
            'z' => zero = true,
            's' => {
                multiple = true;
                suffix = v;
            }
            _ => unreachable!(),
        }
    }
    let mut names = args.operands;
    if names.is_empty() {
        cli::try_help(PROG, "missing operand", 1);
    }
    if !multiple {
        if names.len() > 2 {
            cli::try_help(PROG, &format!("extra operand '{}'", names[2]), 1);
        }
        if names.len() == 2 {
            suffix = names.pop();
        }
    }
    let mut out = cli::stdout();
    for name in &names {
        let mut base = cli::basename(name);
        if let Some(s) = &suffix
            && base.len() > s.len()
            && !(base == "/" && name.starts_with('/'))
        {
            base = base.strip_suffix(s.as_str()).unwrap_or(base);
        }
        let end = if zero { "\0" } else { "\n" };
        if let Err(e) = write!(out, "{base}{end}") {
            cli::write_failed(PROG, &e);
        }
    }
    cli::finish(PROG, &mut out, ExitCode::SUCCESS)
}
