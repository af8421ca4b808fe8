//! `stat [-L] [-c FORMAT] FILE...`: shows a file's status. The default layout follows GNU
//! stat's, minus what WASI does not have (blocks, modes, owners):
//!
//! ```text
//!   File: a.txt
//!   Size: 6               regular file
//! Device: 3       Inode: 1234        Links: 1
//! Access: 2026-11-28 05:24:33.000000000 +0000
//! Modify: 2026-11-28 05:24:33.000000000 +0000
//! ```
//!
//! `-c` understands `%n %N %s %F %d %i %h %x %y %X %Y %%` (std does not expose the change time); `-L` follows symlinks.
#![feature(wasi_ext)]

use std::fs::Metadata;
use std::io::Write;
use std::os::wasi::fs::{FileTypeExt, MetadataExt};
use std::process::ExitCode;
use userland::cli;

const PROG: &str = "stat";

fn type_name(m: &Metadata) -> &'static str {
    let ft = m.file_type();
    if ft.is_file() {
        if m.len() == 0 {
            "regular empty file"
        } else {
            "regular file"
        }
    } else if ft.is_dir() {
        "directory"
    } else if ft.is_symlink() {
        "symbolic link"
    } else if ft.is_char_device() {
        "character special file"
    } else if ft.is_block_device() {
        "block special file"
    } else if ft.is_socket() {
        "socket"
    } else {
        "unknown"
    }
}

/// Seconds and nanoseconds since the epoch, if the time is known.
type Time = Option<(i64, u32)>;

fn times(m: &Metadata) -> [Time; 2] {
    [
        m.accessed().ok().map(cli::epoch),
        m.modified().ok().map(cli::epoch),
    ]
}

fn secs(t: Time) -> String {
    t.map_or("-".to_owned(), |(s, _)| s.to_string())
}

fn human_time(t: Time) -> String {
    let Some((secs, ns)) = t else {
        return "-".to_owned();
    };
    let t = cli::utc(secs);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{ns:09} +0000",
        t.year, t.month, t.day, t.hour, t.min, t.sec
    )
}

fn name_line(name: &str, m: &Metadata) -> String {
    if m.is_symlink() {
        match std::fs::read_link(name) {
            Ok(t) => format!("'{name}' -> '{}'", t.display()),
            Err(_) => format!("'{name}'"),
        }
    } else {
        format!("'{name}'")
    }
}

fn format(fmt: &str, name: &str, m: &Metadata) -> String {
    let mut out = String::new();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('\\') => out.push('\\'),
                Some(o) => {
                    out.push('\\');
                    out.push(o);
                }
                None => out.push('\\'),
            }
            continue;
        }
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push_str(name),
            Some('N') => out.push_str(&name_line(name, m)),
            Some('s') => out.push_str(&m.len().to_string()),
            Some('F') => out.push_str(type_name(m)),
            Some('d') => out.push_str(&m.dev().to_string()),
            Some('i') => out.push_str(&m.ino().to_string()),
            Some('h') => out.push_str(&m.nlink().to_string()),
            Some('x') => out.push_str(&human_time(times(m)[0])),
            Some('y') => out.push_str(&human_time(times(m)[1])),
            Some('X') => out.push_str(&secs(times(m)[0])),
            Some('Y') => out.push_str(&secs(times(m)[1])),
            Some('%') => out.push('%'),
            Some(o) => {
                out.push('?');
                out.push(o);
            }
            None => out.push('%'),
        }
    }
    out.push('\n');
    out
}

fn default(name: &str, m: &Metadata) -> String {
    let file = if m.is_symlink() {
        match std::fs::read_link(name) {
            Ok(t) => format!("{name} -> {}", t.display()),
            Err(_) => name.to_owned(),
        }
    } else {
        name.to_owned()
    };
    format!(
        "  File: {file}\n  Size: {:<15} {}\nDevice: {:<7} Inode: {:<11} Links: {}\n\
         Access: {}\nModify: {}\n",
        m.len(),
        type_name(m),
        m.dev(),
        m.ino(),
        m.nlink(),
        human_time(times(m)[0]),
        human_time(times(m)[1]),
    )
}

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let args = cli::parse(PROG, std::env::args().skip(1), "Lt", "c", false);
    let follow = args.opts.iter().any(|(c, _)| *c == 'L');
    let fmt = args
        .opts
        .iter()
        .find(|(c, _)| *c == 'c')
        .and_then(|(_, v)| v.clone());
    if args.operands.is_empty() {
        cli::usage_error(PROG, "missing operand");
    }
    let mut out = cli::stdout();
    let mut status = ExitCode::SUCCESS;
    for name in &args.operands {
        let meta = if follow {
            std::fs::metadata(name)
        } else {
            std::fs::symlink_metadata(name)
        };
        match meta {
            Ok(m) => {
                let text = match &fmt {
                    Some(f) => format(f, name, &m),
                    None => default(name, &m),
                };
                if let Err(e) = out.write_all(text.as_bytes()) {
                    cli::write_failed(PROG, &e);
                }
            }
            Err(e) => {
                let _ = out.flush();
                eprintln!("{PROG}: cannot stat '{name}': {}", cli::msg(&e));
                status = ExitCode::FAILURE;
            }
        }
    }
    cli::finish(PROG, &mut out, status)
}
