//! `du [-a] [-s] [-c] [-b|--apparent-size] [-h] [-k] [PATH]...`: how much each directory
//! (and with `-a` each file) under each PATH (default `.`) takes, like GNU coreutils —
//! directories after their contents, entries in name order. WASI reports no block counts,
//! so the usage of a file is its size rounded up to the RAM filesystem's 4 KiB pages (what
//! it charges for data; a directory counts 0); `-b`/`--apparent-size` count sizes in
//! bytes instead, and match GNU du exactly for files. `-k` is 1 KiB units (the default),
//! `-h` human-readable sizes (`1.5K`, `20M`), `-s` only the totals of the PATHs, `-c` a
//! grand total. Exit status 1 if a path could not be read.

use std::io::Write;
use std::process::ExitCode;

use userland::cli;

const PROG: &str = "du";
const PAGE: u64 = 4096;

struct Du {
    all: bool,
    summary: bool,
    apparent: bool,
    human: bool,
    out: cli::Out,
    failed: bool,
}

impl Du {
    fn show(&mut self, bytes: u64, path: &str) {
        let size = if self.human {
            cli::human(bytes)
        } else if self.apparent {
            bytes.to_string()
        } else {
            bytes.div_ceil(1024).to_string()
        };
        if let Err(e) = writeln!(self.out, "{size}\t{path}") {
            cli::write_failed(PROG, &e);
        }
    }

    fn error(&mut self, msg: String) {
        let _ = self.out.flush();
        eprintln!("{PROG}: {msg}");
        self.failed = true;
    }

    /// The usage of `path` and everything under it, listing what the options ask for.
    fn walk(&mut self, path: &str, top: bool) -> Option<u64> {
        let meta = match std::fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) => {
                self.error(format!("cannot access '{path}': {}", cli::msg(&e)));
                return None;
            }
        };
        let own = if self.apparent {
            meta.len()
        } else if meta.is_file() {
            meta.len().div_ceil(PAGE) * PAGE
        } else {
            0
        };
        if !meta.is_dir() {
            if top || self.all && !self.summary {
                self.show(own, path);
            }
            return Some(own);
        }
        let mut names: Vec<String> = match std::fs::read_dir(path) {
            Ok(rd) => rd
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect(),
            Err(e) => {
                self.error(format!("cannot read directory '{path}': {}", cli::msg(&e)));
                Vec::new()
            }
        };
        names.sort();
        let mut total = own;
        for name in names {
            total += self.walk(&cli::join(path, &name), false).unwrap_or(0);
        }
        if top || !self.summary {
            self.show(total, path);
        }
        Some(total)
    }
}

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let argv = std::env::args().skip(1).map(|a| match a.as_str() {
        "--apparent-size" => "-A".to_owned(),
        "--summarize" => "-s".to_owned(),
        "--all" => "-a".to_owned(),
        "--total" => "-c".to_owned(),
        "--human-readable" => "-h".to_owned(),
        "--bytes" => "-b".to_owned(),
        _ => a,
    });
    let args = cli::parse_gnu(PROG, argv, "AabchksS", "", 1);
    let mut du = Du {
        all: false,
        summary: false,
        apparent: false,
        human: false,
        out: cli::stdout(),
        failed: false,
    };
    let mut total = false;
    for (c, _) in args.opts {
        match c {
            'a' => du.all = true,
            's' => du.summary = true,
            'A' | 'b' => du.apparent = true,
            'h' => du.human = true,
            'k' => du.human = false,
            'c' => total = true,
            _ => {}
        }
    }
    if du.all && du.summary {
        cli::try_help(PROG, "cannot both summarize and show all entries", 1);
    }
    let paths = if args.operands.is_empty() {
        vec![".".to_owned()]
    } else {
        args.operands
    };
    let mut sum = 0;
    for p in &paths {
        sum += du.walk(p, true).unwrap_or(0);
    }
    if total {
        du.show(sum, "total");
    }
    let status = if du.failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    };
    cli::finish(PROG, &mut du.out, status)
}
