//! `cp [-r|-R|-a] [-f] [-v] SOURCE DEST` / `cp [-r] SOURCE... DIRECTORY`: copies files;
//! `-r` copies directories recursively (symlinks inside are recreated, not followed).
//! Without `-r` a directory SOURCE is skipped with an error. `-p`, `-f`, `-L` and `-P`
//! are accepted (WASI has no modes or owners to preserve).

use std::process::ExitCode;
use userland::cli;

const PROG: &str = "cp";

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let args = cli::parse(PROG, std::env::args().skip(1), "rRafpvLPdT", "", false);
    let (mut recursive, mut verbose, mut no_target_dir) = (false, false, false);
    for (c, _) in &args.opts {
        match c {
            'r' | 'R' | 'a' => recursive = true,
            'v' => verbose = true,
            'T' => no_target_dir = true,
            _ => {}
        }
    }
    let mut status = ExitCode::SUCCESS;
    for (src, target) in cli::source_targets(PROG, args.operands, no_target_dir) {
        let src = src.as_str();
        let meta = match std::fs::metadata(src) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("{PROG}: cannot stat '{src}': {}", cli::msg(&e));
                status = ExitCode::FAILURE;
                continue;
            }
        };
        let ok = if meta.is_dir() {
            if !recursive {
                eprintln!("{PROG}: -r not specified; omitting directory '{src}'");
                false
            } else {
                let (a, t) = (cli::absolute(src), cli::absolute(&target));
                if t == a || t.starts_with(&format!("{a}/")) || a == "/" {
                    eprintln!("{PROG}: cannot copy a directory, '{src}', into itself, '{target}'");
                    false
                } else {
                    cli::copy_tree(PROG, src, &target)
                }
            }
        } else if cli::absolute(src) == cli::absolute(&target) {
            eprintln!("{PROG}: '{src}' and '{target}' are the same file");
            false
        } else {
            match cli::copy_file(src, &target) {
                Ok(_) => true,
                Err(e) => {
                    eprintln!(
                        "{PROG}: cannot create regular file '{target}': {}",
                        cli::msg(&e)
                    );
                    false
                }
            }
        };
        if !ok {
            status = ExitCode::FAILURE;
        } else if verbose {
            println!("'{src}' -> '{target}'");
        }
    }
    status
}
