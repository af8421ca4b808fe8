//! `ls [-a] [-l] [PATH]...`: lists directories (default `.`), one name per line, sorted
//! by byte order. `-a` includes dotfiles (but not `.` and `..`, which std's directory
//! iterator skips and which may lie outside the sandbox); `-l` prefixes each name with a
//! type character (`d`, `-`, `l`, `?`) and the size, and shows symlink targets.
//! Sizes are printed for regular files only (`-` otherwise): directory sizes differ
//! between file systems, and the output must be identical across runtimes.
//! A PATH that is not a directory lists just that entry; several PATHs get headers.
//! `-1` is accepted (the output is always one name per line), `-A` is `-a`, and `-d`
//! lists directories themselves instead of their contents. Flags combine (`-la1`).

use std::fs::{self, FileType};
use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

#[derive(Default)]
struct Options {
    all: bool,
    long: bool,
    dirs_as_files: bool,
}

fn type_char(ft: FileType) -> char {
    if ft.is_dir() {
        'd'
    } else if ft.is_file() {
        '-'
    } else if ft.is_symlink() {
        'l'
    } else {
        '?'
    }
}

/// Writes one entry; `path` is where to stat it, `name` is what to print.
fn entry(out: &mut impl Write, opts: &Options, path: &Path, name: &str) -> io::Result<()> {
    if !opts.long {
        return writeln!(out, "{name}");
    }
    let meta = fs::symlink_metadata(path)?;
    let size = if meta.is_file() {
        meta.len().to_string()
    } else {
        "-".to_owned()
    };
    write!(out, "{} {size:>8} {name}", type_char(meta.file_type()))?;
    if meta.is_symlink() {
        write!(out, " -> {}", fs::read_link(path)?.display())?;
    }
    writeln!(out)
}

fn list(out: &mut impl Write, opts: &Options, path: &Path) -> io::Result<()> {
    if opts.dirs_as_files || !fs::metadata(path)?.is_dir() {
        if opts.dirs_as_files {
            fs::symlink_metadata(path)?;
        }
        return entry(out, opts, path, &path.display().to_string());
    }
    let mut names = Vec::new();
    for dirent in fs::read_dir(path)? {
        names.push(dirent?.file_name().to_string_lossy().into_owned());
    }
    if !opts.all {
        names.retain(|name| !name.starts_with('.'));
    }
    names.sort();
    for name in &names {
        entry(out, opts, &path.join(name), name)?;
    }
    Ok(())
}

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let mut opts = Options::default();
    let mut paths = Vec::new();
    for arg in std::env::args().skip(1) {
        match arg.strip_prefix('-') {
            Some(flags) if !flags.is_empty() => {
                for flag in flags.chars() {
                    match flag {
                        'a' | 'A' => opts.all = true,
                        'd' => opts.dirs_as_files = true,
                        '1' => {}
                        'l' => opts.long = true,
                        _ => {
                            eprintln!("ls: invalid option -- '{flag}'");
                            return ExitCode::from(2);
                        }
                    }
                }
            }
            _ => paths.push(arg),
        }
    }
    if paths.is_empty() {
        paths.push(".".to_owned());
    }

    let mut out = io::stdout().lock();
    let mut status = ExitCode::SUCCESS;
    for (i, path) in paths.iter().enumerate() {
        if paths.len() > 1 && !opts.dirs_as_files {
            let sep = if i > 0 { "\n" } else { "" };
            let _ = writeln!(out, "{sep}{path}:");
        }
        if let Err(err) = list(&mut out, &opts, Path::new(path)) {
            let _ = out.flush();
            eprintln!("ls: {path}: {}", userland::message(&err));
            status = ExitCode::FAILURE;
        }
    }
    let _ = out.flush();
    status
}
