//! `ps`: lists processes from `/proc/<pid>/status` (fields `Name`, `State`, `PPid`), as
//! `  PID  PPID S CMD` lines sorted by PID. Without /proc it says so and exits 1.
//! Options (`-e`, `-f`, `aux`, ...) are accepted and ignored: every process is shown.

use std::io::Write;
use std::process::ExitCode;
use userland::cli;

const PROG: &str = "ps";

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let entries = match std::fs::read_dir("/proc") {
        Ok(rd) => rd,
        Err(e) => cli::die(PROG, &format!("/proc is not available: {}", cli::msg(&e))),
    };
    let mut pids: Vec<u32> = entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    pids.sort_unstable();
    let mut out = cli::stdout();
    let _ = writeln!(out, "  PID  PPID S CMD");
    for pid in pids {
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
            continue; // exited meanwhile
        };
        let field = |key: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix(':').map(str::trim))
                .unwrap_or("?")
                .to_owned()
        };
        let state = field("State");
        let state = state.chars().next().unwrap_or('?');
        let mut cmd = std::fs::read(format!("/proc/{pid}/cmdline"))
            .ok()
            .map(|b| {
                let s: Vec<String> = b
                    .split(|&c| c == 0)
                    .filter(|a| !a.is_empty())
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect();
                s.join(" ")
            })
            .unwrap_or_default();
        if cmd.is_empty() {
            cmd = field("Name");
        }
        if let Err(e) = writeln!(out, "{pid:>5} {:>5} {state} {cmd}", field("PPid")) {
            cli::write_failed(PROG, &e);
        }
    }
    cli::finish(PROG, &mut out, ExitCode::SUCCESS)
}
