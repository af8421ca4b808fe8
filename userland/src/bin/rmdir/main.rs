//! `rmdir [-p] [-v] DIR...`: removes empty directories; `-p` also removes each parent
//! named in DIR (`a/b/c` → `a/b/c`, `a/b`, `a`).

use std::process::ExitCode;
use userland::cli;

const PROG: &str = "rmdir";

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let args = cli::parse(PROG, std::env::args().skip(1), "pv", "", false);
    let parents = args.opts.iter().any(|(c, _)| *c == 'p');
    let verbose = args.opts.iter().any(|(c, _)| *c == 'v');
    if args.operands.is_empty() {
        cli::usage_error(PROG, "missing operand");
    }
    let mut status = ExitCode::SUCCESS;
    for dir in &args.operands {
        let mut path = dir.trim_end_matches('/').to_owned();
        if path.is_empty() {
            path = dir.clone();
        }
        loop {
            if verbose {
                println!("{PROG}: removing directory, '{path}'");
            }
            if let Err(e) = std::fs::remove_dir(&path) {
                eprintln!("{PROG}: failed to remove '{path}': {}", cli::msg(&e));
                status = ExitCode::FAILURE;
                break;
            }
            if !parents {
                break;
            }
            match path.rfind('/') {
                Some(i) if i > 0 => path = path[..i].trim_end_matches('/').to_owned(),
                _ => break,
            }
            if path.is_empty() {
                break;
            }
        }
    }
    status
}
