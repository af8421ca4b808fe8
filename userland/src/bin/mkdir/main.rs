//! `mkdir [-p] [-v] [-m MODE] DIR...`: creates directories. `-p` creates missing parents
//! and accepts existing directories; `-m` is accepted and ignored (WASI has no modes).

use std::process::ExitCode;
use userland::cli;

const PROG: &str = "mkdir";

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let args = cli::parse(PROG, std::env::args().skip(1), "pv", "m", false);
    let parents = args.opts.iter().any(|(c, _)| *c == 'p');
    let verbose = args.opts.iter().any(|(c, _)| *c == 'v');
    if args.operands.is_empty() {
        cli::usage_error(PROG, "missing operand");
    }
    let mut status = ExitCode::SUCCESS;
    for dir in &args.operands {
        let result = if parents {
            match std::fs::metadata(dir) {
                Ok(m) if m.is_dir() => Ok(()),
                _ => std::fs::create_dir_all(dir),
            }
        } else {
            std::fs::create_dir(dir)
        };
        match result {
            Ok(()) if verbose => println!("{PROG}: created directory '{dir}'"),
            Ok(()) => {}
            Err(e) => {
                eprintln!("{PROG}: cannot create directory '{dir}': {}", cli::msg(&e));
                status = ExitCode::FAILURE;
            }
        }
    }
    status
}
