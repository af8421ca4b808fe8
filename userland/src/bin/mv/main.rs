//! `mv [-f] [-v] SOURCE DEST` / `mv SOURCE... DIRECTORY`: renames files and directories;
//! when a rename crosses file systems it falls back to copy-and-remove. `-f`, `-i` and
//! `-n` are accepted; `-n` does not overwrite an existing DEST.

use std::process::ExitCode;
use userland::cli;

const PROG: &str = "mv";
/// WASI `EXDEV`.
const XDEV: i32 = 75;

pub fn main() -> ExitCode {
    userland::inherit_cwd();
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
    let mut status = ExitCode::SUCCESS;
    for (src, target) in cli::source_targets(PROG, args.operands, no_target_dir) {
        let src = src.as_str();
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
