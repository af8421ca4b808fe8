//! `rm [-r|-R] [-f] [-d] [-v] FILE...`: removes files; `-r` removes directories and their
//! contents, `-d` empty directories; `-f` ignores missing files and a missing operand.
//! `.`, `..` and `/` are refused. `-i` is not supported.

use std::process::ExitCode;
use userland::cli;

const PROG: &str = "rm";

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let args = cli::parse(PROG, std::env::args().skip(1), "rRfdvI", "", false);
    let (mut recursive, mut force, mut dirs, mut verbose) = (false, false, false, false);
    for (c, _) in &args.opts {
        match c {
            'r' | 'R' => recursive = true,
            'f' => force = true,
            'd' => dirs = true,
            'v' => verbose = true,
            _ => {}
        }
    }
    if args.operands.is_empty() {
        if force {
            return ExitCode::SUCCESS;
        }
        cli::usage_error(PROG, "missing operand");
    }
    let mut status = ExitCode::SUCCESS;
    for path in &args.operands {
        let base = cli::basename(path);
        if base == "." || base == ".." {
            eprintln!("{PROG}: refusing to remove '.' or '..' directory: skipping '{path}'");
            status = ExitCode::FAILURE;
            continue;
        }
        let meta = match std::fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) => {
                if !(force && e.kind() == std::io::ErrorKind::NotFound) {
                    eprintln!("{PROG}: cannot remove '{path}': {}", cli::msg(&e));
                    status = ExitCode::FAILURE;
                }
                continue;
            }
        };
        let ok = if meta.is_dir() {
            if recursive {
                if cli::absolute(path) == "/" {
                    eprintln!("{PROG}: it is dangerous to operate recursively on '/'");
                    false
                } else {
                    cli::remove_tree(PROG, path)
                }
            } else if dirs {
                std::fs::remove_dir(path)
                    .map_err(|e| eprintln!("{PROG}: cannot remove '{path}': {}", cli::msg(&e)))
                    .is_ok()
            } else {
                eprintln!("{PROG}: cannot remove '{path}': Is a directory");
                false
            }
        } else {
            std::fs::remove_file(path)
                .map_err(|e| eprintln!("{PROG}: cannot remove '{path}': {}", cli::msg(&e)))
                .is_ok()
        };
        if !ok {
            status = ExitCode::FAILURE;
        } else if verbose {
            println!("removed '{path}'");
        }
    }
    status
}
