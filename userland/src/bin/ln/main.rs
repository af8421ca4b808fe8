//! `ln [-s] [-f] [-v] TARGET [LINK_NAME]` / `ln [-s] TARGET... DIRECTORY`: makes hard
//! links, or symbolic links with `-s`. Without LINK_NAME the link is made in the working
//! directory under TARGET's base name. `-f` replaces an existing LINK_NAME; `-n`/`-T`
//! treat a LINK_NAME that is a directory (or a link to one) as a plain name.

use std::process::ExitCode;
use userland::cli;

const PROG: &str = "ln";

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let args = cli::parse(PROG, std::env::args().skip(1), "sfvnT", "", false);
    let (mut symbolic, mut force, mut verbose, mut no_deref) = (false, false, false, false);
    for (c, _) in &args.opts {
        match c {
            's' => symbolic = true,
            'f' => force = true,
            'v' => verbose = true,
            _ => no_deref = true,
        }
    }
    let mut ops = args.operands;
    if ops.is_empty() {
        cli::usage_error(PROG, "missing file operand");
    }
    let (targets, dir) = if ops.len() == 1 {
        (ops, Some(".".to_owned()))
    } else {
        let last = ops.pop().unwrap();
        let is_dir = !no_deref && std::fs::metadata(&last).is_ok_and(|m| m.is_dir());
        if is_dir {
            (ops, Some(last))
        } else if ops.len() > 1 {
            cli::die(PROG, &format!("target '{last}' is not a directory"));
        } else {
            ops.push(last);
            let name = ops.pop().unwrap();
            let t = ops;
            let mut status = ExitCode::SUCCESS;
            if !link(&t[0], &name, symbolic, force, verbose) {
                status = ExitCode::FAILURE;
            }
            return status;
        }
    };
    let dir = dir.unwrap();
    let mut status = ExitCode::SUCCESS;
    for t in &targets {
        let name = if dir == "." {
            cli::basename(t).to_owned()
        } else {
            cli::join(&dir, cli::basename(t))
        };
        if !link(t, &name, symbolic, force, verbose) {
            status = ExitCode::FAILURE;
        }
    }
    status
}

fn link(target: &str, name: &str, symbolic: bool, force: bool, verbose: bool) -> bool {
    if force
        && std::fs::symlink_metadata(name).is_ok_and(|m| !m.is_dir())
        && let Err(e) = std::fs::remove_file(name)
    {
        eprintln!("{PROG}: cannot remove '{name}': {}", cli::msg(&e));
        return false;
    }
    let result = if symbolic {
        #[allow(deprecated)]
        std::fs::soft_link(target, name)
    } else {
        if let Err(e) = std::fs::symlink_metadata(target) {
            eprintln!("{PROG}: failed to access '{target}': {}", cli::msg(&e));
            return false;
        }
        std::fs::hard_link(target, name)
    };
    match result {
        Ok(()) => {
            if verbose {
                println!("'{name}' -> '{target}'");
            }
            true
        }
        Err(e) => {
            let kind = if symbolic { "symbolic" } else { "hard" };
            eprintln!(
                "{PROG}: failed to create {kind} link '{name}': {}",
                cli::msg(&e)
            );
            false
        }
    }
}
