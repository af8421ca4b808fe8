//! `dirname [-z] NAME...`: prints each NAME without its last component (`.` when there is
//! no directory part, `/` for the root). `-z` ends each line with NUL. Like GNU coreutils.

use std::io::Write;
use std::process::ExitCode;

use userland::cli;

const PROG: &str = "dirname";

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let args = cli::parse_gnu(PROG, std::env::args().skip(1), "z", "", 1);
    let zero = !args.opts.is_empty();
    if args.operands.is_empty() {
        cli::try_help(PROG, "missing operand", 1);
    }
    let mut out = cli::stdout();
    for name in &args.operands {
        let end = if zero { "\0" } else { "\n" };
        if let Err(e) = write!(out, "{}{end}", cli::dirname(name)) {
            cli::write_failed(PROG, &e);
        }
    }
    cli::finish(PROG, &mut out, ExitCode::SUCCESS)
}
