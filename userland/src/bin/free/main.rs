//! `free [-b|-k|-m|-g]`: memory usage from `/proc/meminfo`, in KiB by default, laid out
//! like procps `free`:
//!
//! ```text
//!                total        used        free      shared  buff/cache   available
//! Mem:          524288       10240      500000           0       14048      510000
//! Swap:              0           0           0
//! ```
//!
//! `used` is total − free − buff/cache. Without /proc it says so and exits 1.

use std::io::Write;
use std::process::ExitCode;
use userland::cli;

const PROG: &str = "free";

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let args = cli::parse(PROG, std::env::args().skip(1), "bkmgwht", "", false);
    let mut shift_bytes: (u64, u64) = (1024, 1024); // multiply KiB by .0, divide by .1
    for (c, _) in &args.opts {
        shift_bytes = match c {
            'b' => (1024, 1),
            'k' => (1024, 1024),
            'm' => (1024, 1 << 20),
            'g' => (1024, 1 << 30),
            _ => shift_bytes,
        };
    }
    let text = match std::fs::read_to_string("/proc/meminfo") {
        Ok(t) => t,
        Err(e) => cli::die(
            PROG,
            &format!("/proc/meminfo is not available: {}", cli::msg(&e)),
        ),
    };
    let get = |key: &str| -> Option<u64> {
        text.lines().find_map(|l| {
            let rest = l.strip_prefix(key)?.strip_prefix(':')?;
            rest.split_whitespace().next()?.parse().ok()
        })
    };
    let total = get("MemTotal").unwrap_or(0);
    let free = get("MemFree").unwrap_or(0);
    let shared = get("Shmem").unwrap_or(0);
    let cache =
        get("Buffers").unwrap_or(0) + get("Cached").unwrap_or(0) + get("SReclaimable").unwrap_or(0);
    let available = get("MemAvailable").unwrap_or(free);
    let used = total.saturating_sub(free).saturating_sub(cache);
    let swap_total = get("SwapTotal").unwrap_or(0);
    let swap_free = get("SwapFree").unwrap_or(0);
    let scale = |kib: u64| kib * shift_bytes.0 / shift_bytes.1;
    let mut out = cli::stdout();
    let r = writeln!(
        out,
        "{:>20}{:>12}{:>12}{:>12}{:>12}{:>12}\n{:<8}{:>12}{:>12}{:>12}{:>12}{:>12}{:>12}\n\
         {:<8}{:>12}{:>12}{:>12}",
        "total",
        "used",
        "free",
        "shared",
        "buff/cache",
        "available",
        "Mem:",
        scale(total),
        scale(used),
        scale(free),
        scale(shared),
        scale(cache),
        scale(available),
        "Swap:",
        scale(swap_total),
        scale(swap_total.saturating_sub(swap_free)),
        scale(swap_free),
    );
    if let Err(e) = r {
        cli::write_failed(PROG, &e);
    }
    cli::finish(PROG, &mut out, ExitCode::SUCCESS)
}
