//! `kill [-s SIGNAL | -SIGNAL | -N] PID...` / `kill -l [N]`: sends a signal (default
//! TERM) to processes through the WASIX `proc_signal` call. SIGNAL is a name with or
//! without `SIG` (`TERM`, `SIGKILL`, `hup`) or a number, numbered as on Linux (CHLD is 17;
//! the WASIX ABI, which `proc_signal` takes, numbers it 16). `-l` lists the signal names.

use std::process::ExitCode;
use userland::cli;

const PROG: &str = "kill";

const NAMES: [&str; 31] = [
    "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
    "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
    "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
];

fn signal_number(s: &str) -> Option<u8> {
    if let Ok(n) = s.parse::<u8>() {
        return (n as usize <= NAMES.len()).then_some(n);
    }
    let upper = s.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    let name = if name == "IOT" {
        "ABRT"
    } else if name == "POLL" {
        "IO"
    } else {
        name
    };
    NAMES.iter().position(|&n| n == name).map(|i| i as u8 + 1)
}

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut sig = userland::wasix_sys::sig::TERM;
    if args.is_empty() {
        cli::usage_error(
            PROG,
            "usage: kill [-s SIGNAL | -SIGNAL] PID... | kill -l [N]",
        );
    }
    let first = args[0].clone();
    if first == "-l" || first == "-L" {
        match args.get(1) {
            None => {
                let mut line = String::new();
                for (i, n) in NAMES.iter().enumerate() {
                    line.push_str(&format!("{:>2}) SIG{n:<8}", i + 1));
                    if i % 5 == 4 || i == NAMES.len() - 1 {
                        println!("{}", line.trim_end());
                        line.clear();
                    } else {
                        line.push(' ');
                    }
                }
            }
            Some(n) => match n.parse::<usize>() {
                Ok(n) if (1..=NAMES.len()).contains(&(n & 0x7f)) => {
                    println!("{}", NAMES[(n & 0x7f) - 1])
                }
                _ => match signal_number(n) {
                    Some(num) if !n.starts_with(|c: char| c.is_ascii_digit()) => println!("{num}"),
                    _ => cli::die(PROG, &format!("unknown signal: {n}")),
                },
            },
        }
        return ExitCode::SUCCESS;
    }
    if first == "-s" || first == "-n" {
        let Some(name) = args.get(1) else {
            cli::usage_error(
                PROG,
                &format!("option requires an argument -- '{}'", &first[1..]),
            );
        };
        sig = signal_number(name)
            .unwrap_or_else(|| cli::usage_error(PROG, &format!("unknown signal: {name}")));
        args.drain(..2);
    } else if first.len() > 1 && first.starts_with('-') && first != "--" {
        let name = &first[1..];
        sig = signal_number(name)
            .unwrap_or_else(|| cli::usage_error(PROG, &format!("unknown signal: {name}")));
        args.remove(0);
    }
    if args.first().is_some_and(|a| a == "--") {
        args.remove(0);
    }
    if args.is_empty() {
        cli::usage_error(PROG, "no process ID specified");
    }
    // Names and numbers above are Linux's, as users know them; `proc_signal` takes the
    // WASIX ABI's, which has no STKFLT (so CHLD and everything after it are one lower).
    let Some(sig) = abi::wasix::signal::from_linux(sig) else {
        cli::die(PROG, &format!("signal {sig} does not exist in WASIX"));
    };
    let mut status = ExitCode::SUCCESS;
    for pid in &args {
        let Ok(n) = pid.parse::<u32>() else {
            eprintln!("{PROG}: {pid}: arguments must be process IDs");
            status = ExitCode::FAILURE;
            continue;
        };
        if let Err(errno) = userland::wasix_sys::signal(n, sig) {
            let e = std::io::Error::from_raw_os_error(i32::from(errno));
            eprintln!("{PROG}: ({n}) - {}", cli::msg(&e));
            status = ExitCode::FAILURE;
        }
    }
    status
}
