//! `df [-h|-k] [-i] [FILE]...`: the RAM filesystem's size, use and free room, in GNU
//! coreutils' layout. WASI has no `statfs`: the figures are the kernel's own, from
//! `/proc/fsinfo` — the filesystem's quota, what it charges now, and what a write can
//! still get (less than the rest of the quota when the kernel heap is short). `-h` shows
//! human-readable sizes, `-i` inodes. With FILEs, one line for each (there is one
//! filesystem, `/`). Without /proc it says so and exits 1.

use std::io::Write;
use std::process::ExitCode;

use userland::cli;

const PROG: &str = "df";

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let argv = std::env::args().skip(1).map(|a| match a.as_str() {
        "--human-readable" => "-h".to_owned(),
        "--inodes" => "-i".to_owned(),
        _ => a,
    });
    let args = cli::parse_gnu(PROG, argv, "hkiaP", "", 1);
    let (mut human, mut inodes) = (false, false);
    for (c, _) in &args.opts {
        match c {
            'h' => human = true,
            'k' => human = false,
            'i' => inodes = true,
            _ => {}
        }
    }
    let text = match std::fs::read_to_string("/proc/fsinfo") {
        Ok(t) => t,
        Err(e) => cli::die(
            PROG,
            &format!("/proc/fsinfo is not available: {}", cli::msg(&e)),
        ),
    };
    let get = |key: &str| -> u64 {
        text.lines()
            .find_map(|l| {
                let rest = l.strip_prefix(key)?.strip_prefix(':')?;
                rest.trim().trim_end_matches("kB").trim().parse().ok()
            })
            .unwrap_or(0)
    };
    let (total, used, avail) = if inodes {
        let (t, u) = (get("InodesTotal"), get("InodesUsed"));
        (t, u, t.saturating_sub(u))
    } else {
        (get("FsTotal"), get("FsUsed"), get("FsAvailable"))
    };
    let show = |v: u64| {
        if human && !inodes {
            cli::human(v * 1024)
        } else {
            v.to_string()
        }
    };
    let pct = if used + avail == 0 {
        "-".to_owned()
    } else {
        format!("{}%", (used * 100).div_ceil(used + avail))
    };
    let header: [&str; 6] = match (inodes, human) {
        (true, _) => [
            "Filesystem",
            "Inodes",
            "IUsed",
            "IFree",
            "IUse%",
            "Mounted on",
        ],
        (false, true) => ["Filesystem", "Size", "Used", "Avail", "Use%", "Mounted on"],
        _ => [
            "Filesystem",
            "1K-blocks",
            "Used",
            "Available",
            "Use%",
            "Mounted on",
        ],
    };
    let mut rows = vec![header.map(str::to_owned)];
    let mut failed = false;
    let targets = if args.operands.is_empty() {
        vec![String::new()]
    } else {
        args.operands
    };
    for t in &targets {
        if !t.is_empty()
            && let Err(e) = std::fs::metadata(t)
        {
            eprintln!("{PROG}: {t}: {}", cli::msg(&e));
            failed = true;
            continue;
        }
        rows.push([
            "ramfs".to_owned(),
            show(total),
            show(used),
            show(avail),
            pct.clone(),
            "/".to_owned(),
        ]);
    }
    // GNU's columns: at least 14, 5, 5, 5, 4 wide; numbers right-aligned.
    let mins = [14, 5, 5, 5, 4, 0];
    let widths: Vec<usize> = (0..6)
        .map(|c| {
            rows.iter()
                .map(|r| r[c].len())
                .max()
                .unwrap_or(0)
                .max(mins[c])
        })
        .collect();
    let mut out = cli::stdout();
    if rows.len() > 1 {
        for r in &rows {
            let line = format!(
                "{:<w0$} {:>w1$} {:>w2$} {:>w3$} {:>w4$} {}\n",
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2],
                w3 = widths[3],
                w4 = widths[4]
            );
            if let Err(e) = out.write_all(line.as_bytes()) {
                cli::write_failed(PROG, &e);
            }
        }
    }
    let status = if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    };
    cli::finish(PROG, &mut out, status)
}
