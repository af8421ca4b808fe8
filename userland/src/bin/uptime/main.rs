//! `uptime [-p]`: how long the system has been up, from `/proc/uptime`, with the load
//! averages from `/proc/loadavg` when present:
//! ` 05:24:33 up 1 day,  4:05,  load average: 0.00, 0.00, 0.00`. `-p` prints only
//! `up 1 day, 4 hours, 5 minutes`. Without /proc it says so and exits 1.

use std::process::ExitCode;
use std::time::SystemTime;
use userland::cli;

const PROG: &str = "uptime";

fn plural(n: u64, unit: &str) -> String {
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let args = cli::parse(PROG, std::env::args().skip(1), "ps", "", false);
    let pretty = args.opts.iter().any(|(c, _)| *c == 'p');
    let text = match std::fs::read_to_string("/proc/uptime") {
        Ok(t) => t,
        Err(e) => cli::die(
            PROG,
            &format!("/proc/uptime is not available: {}", cli::msg(&e)),
        ),
    };
    let Some(up) = text
        .split_whitespace()
        .next()
        .and_then(|s| s.parse::<f64>().ok())
    else {
        cli::die(PROG, "/proc/uptime: unexpected contents");
    };
    let up = up as u64;
    let (days, hours, mins) = (up / 86400, up / 3600 % 24, up / 60 % 60);
    if pretty {
        let mut parts = Vec::new();
        if days > 0 {
            parts.push(plural(days, "day"));
        }
        if hours > 0 {
            parts.push(plural(hours, "hour"));
        }
        if mins > 0 || parts.is_empty() {
            parts.push(plural(mins, "minute"));
        }
        println!("up {}", parts.join(", "));
        return ExitCode::SUCCESS;
    }
    let now = cli::utc(cli::epoch(SystemTime::now()).0);
    let mut line = format!(" {:02}:{:02}:{:02} up ", now.hour, now.min, now.sec);
    if days > 0 {
        line.push_str(&format!("{}, ", plural(days, "day")));
    }
    if hours > 0 {
        line.push_str(&format!("{hours:2}:{mins:02}, "));
    } else {
        line.push_str(&format!("{mins} min, "));
    }
    let load = std::fs::read_to_string("/proc/loadavg").ok().and_then(|l| {
        let v: Vec<&str> = l.split_whitespace().take(3).collect();
        (v.len() == 3).then(|| v.join(", "))
    });
    match load {
        Some(load) => line.push_str(&format!(" load average: {load}")),
        None => {
            line.truncate(line.len() - 2);
        }
    }
    println!("{line}");
    ExitCode::SUCCESS
}
