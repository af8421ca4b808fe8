//! `mv [-f] [-v] SOURCE DEST` / `mv SOURCE... DIRECTORY`: renames files and directories;
//! when a rename crosses file systems it falls back to copy-and-remove. `-f`, `-i` and
//! `-n` are accepted; `-n` does not overwrite an existing DEST.

use std::process::ExitCode;
use userland::cli;

const PROG: &str = "mv";
/// WASI `EXDEV`.
const XDEV: i32 = 75;

fn main() -> ExitCode {
    let args = cli::parse(PROG, std::env::args().skip(1), "fivnT", "", false);
    let (mut verbose, mut no_clobber, mut no_target_dir) = (false, false, false);
    for (c, _) in &args.opts {
        match c {
            'v' => verbose = true,
            'n' => no_clobber = true,
            'T' => no_target_dir = true,
            _ => {}
        }
    }
    let mut ops = args.operands;
    if ops.is_empty() {
        cli::usage_error(PROG, "missing file operand");
    }
    if ops.len() == 1 {
        cli::usage_error(
            PROG,
            &format!("missing destination file operand after '{}'", ops[0]),
        );
    }
    let dest = ops.pop().unwrap();
    let dest_is_dir = !no_target_dir && std::fs::metadata(&dest).is_ok_and(|m| m.is_dir());
    if ops.len() > 1 && !dest_is_dir {
        match std::fs::metadata(&dest) {
            Err(e) => cli::die(PROG, &format!("target '{dest}': {}", cli::msg(&e))),
            Ok(_) => cli::die(PROG, &format!("target '{dest}' is not a directory")),
        }
    }
    let mut status = ExitCode::SUCCESS;
    for src in &ops {
        let target = if dest_is_dir {
            cli::join(&dest, cli::basename(src))
        } else {
            dest.clone()
        };
        let meta = match std::fs::symlink_metadata(src) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("{PROG}: cannot stat '{src}': {}", cli::msg(&e));
                status = ExitCode::FAILURE;
                continue;
            }
        };
        if no_clobber && std::fs::symlink_metadata(&target).is_ok() {
            continue;
        }
        if meta.is_dir() {
            let (a, t) = (cli::absolute(src), cli::absolute(&target));
            if t.starts_with(&format!("{a}/")) {
                eprintln!("{PROG}: cannot move '{src}' to a subdirectory of itself, '{target}'");
                status = ExitCode::FAILURE;
                continue;
            }
        }
        let ok = match std::fs::rename(src, &target) {
            Ok(()) => true,
            Err(e) if e.raw_os_error() == Some(XDEV) => {
                cli::copy_tree(PROG, src, &target) && cli::remove_tree(PROG, src)
            }
            Err(e) => {
                eprintln!(
                    "{PROG}: cannot move '{src}' to '{target}': {}",
                    cli::msg(&e)
                );
                false
            }
        };
        if !ok {
            status = ExitCode::FAILURE;
        } else if verbose {
            println!("renamed '{src}' -> '{target}'");
        }
    }
    status
}
