//! `touch [-c] [-a] [-m] [-d @SECONDS] FILE...`: creates missing files (unless `-c`) and
//! sets access and modification times to now (or to `-d @SECONDS`). `-a`/`-m` limit the
//! update to one of the two times.

use std::fs::{File, FileTimes, OpenOptions};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use userland::cli;

const PROG: &str = "touch";

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let args = cli::parse(PROG, std::env::args().skip(1), "camhf", "dr", false);
    let (mut no_create, mut access, mut modify) = (false, false, false);
    let mut when = SystemTime::now();
    for (c, v) in args.opts {
        match c {
            'c' => no_create = true,
            'a' => access = true,
            'm' => modify = true,
            'd' => {
                let v = v.unwrap();
                let secs = v.strip_prefix('@').and_then(|s| s.parse::<f64>().ok());
                match secs {
                    Some(s) if s >= 0.0 => when = UNIX_EPOCH + Duration::from_secs_f64(s),
                    _ => cli::die(PROG, &format!("invalid date format '{v}' (only @SECONDS)")),
                }
            }
            'r' => {
                let r = v.unwrap();
                match std::fs::metadata(&r).and_then(|m| m.modified()) {
                    Ok(t) => when = t,
                    Err(e) => cli::die(
                        PROG,
                        &format!("failed to get attributes of '{r}': {}", cli::msg(&e)),
                    ),
                }
            }
            _ => {}
        }
    }
    if !access && !modify {
        (access, modify) = (true, true);
    }
    if args.operands.is_empty() {
        cli::usage_error(PROG, "missing file operand");
    }
    let mut times = FileTimes::new();
    if access {
        times = times.set_accessed(when);
    }
    if modify {
        times = times.set_modified(when);
    }
    let mut status = ExitCode::SUCCESS;
    for name in &args.operands {
        let exists = std::fs::metadata(name).is_ok();
        if !exists && no_create {
            continue;
        }
        let opened = if exists {
            // A directory (or a read-only file) can't be opened for writing.
            File::open(name).or_else(|_| OpenOptions::new().write(true).open(name))
        } else {
            OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .open(name)
        };
        let result = opened.and_then(|f| f.set_times(times));
        if let Err(e) = result {
            let what = if exists {
                "setting times of"
            } else {
                "cannot touch"
            };
            eprintln!("{PROG}: {what} '{name}': {}", cli::msg(&e));
            status = ExitCode::FAILURE;
        }
    }
    status
}
