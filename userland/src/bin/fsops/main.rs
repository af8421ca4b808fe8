//! `fsops SUBCOMMAND ARGS...`: one file-system operation per run, for kernel tests.
//!
//! | subcommand            | output on success                         |
//! |-----------------------|-------------------------------------------|
//! | `write PATH TEXT`     | `wrote N bytes` (creates or truncates)    |
//! | `read PATH`           | the file's bytes, verbatim                |
//! | `mkdir PATH`          | `created PATH`                            |
//! | `ls PATH`             | one `<type> <name>` line per entry, sorted |
//! | `rm PATH`             | `removed PATH` (file, symlink or empty dir) |
//! | `stat PATH`           | `file SIZE`, `dir` or `symlink` (no follow) |
//! | `ln -s TARGET PATH`   | `linked PATH -> TARGET`                   |
//! | `readlink PATH`       | the link target                           |
//! | `mv A B`              | `renamed A -> B`                          |
//!
//! Type characters are `d` (directory), `f` (file), `l` (symlink), `?` (other).
//! A failed operation prints `error: <ErrorKind> (<WASI errno>)` to stdout and exits 1; bad usage
//! exits 2.

#![feature(wasi_ext)]

use std::fs::{self, FileType};
use std::io::{self, Write};
use std::os::wasi::fs::symlink_path;
use std::process::ExitCode;

const USAGE: &str = "usage: fsops write PATH TEXT | read PATH | mkdir PATH | ls PATH | rm PATH \
                     | stat PATH | ln -s TARGET PATH | readlink PATH | mv A B";

fn type_char(ft: FileType) -> char {
    if ft.is_dir() {
        'd'
    } else if ft.is_file() {
        'f'
    } else if ft.is_symlink() {
        'l'
    } else {
        '?'
    }
}

fn run(args: &[&str]) -> Option<io::Result<Vec<u8>>> {
    if let ["read", path] = *args {
        return Some(fs::read(path));
    }
    let result = match *args {
        ["write", path, text] => {
            fs::write(path, text).map(|()| format!("wrote {} bytes\n", text.len()))
        }
        ["mkdir", path] => fs::create_dir(path).map(|()| format!("created {path}\n")),
        ["ls", path] => ls(path),
        ["rm", path] => rm(path).map(|()| format!("removed {path}\n")),
        ["stat", path] => {
            fs::symlink_metadata(path).map(|meta| match type_char(meta.file_type()) {
                'f' => format!("file {}\n", meta.len()),
                'd' => "dir\n".to_owned(),
                'l' => "symlink\n".to_owned(),
                _ => "other\n".to_owned(),
            })
        }
        ["ln", "-s", target, path] => {
            symlink_path(target, path).map(|()| format!("linked {path} -> {target}\n"))
        }
        ["readlink", path] => fs::read_link(path).map(|target| format!("{}\n", target.display())),
        ["mv", from, to] => fs::rename(from, to).map(|()| format!("renamed {from} -> {to}\n")),
        _ => return None,
    };
    Some(result.map(String::into_bytes))
}

fn ls(path: &str) -> io::Result<String> {
    let mut entries = Vec::new();
    for dirent in fs::read_dir(path)? {
        let dirent = dirent?;
        let name = dirent.file_name().to_string_lossy().into_owned();
        entries.push((name, type_char(dirent.file_type()?)));
    }
    entries.sort();
    Ok(entries
        .iter()
        .map(|(name, ty)| format!("{ty} {name}\n"))
        .collect())
}

/// Removes whatever `path` names without following a final symlink.
fn rm(path: &str) -> io::Result<()> {
    if fs::symlink_metadata(path)?.is_dir() {
        fs::remove_dir(path)
    } else {
        fs::remove_file(path)
    }
}

fn main() -> ExitCode {
    userland::inherit_cwd();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match run(&args) {
        None => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
        Some(Ok(bytes)) => {
            let mut out = io::stdout().lock();
            let _ = out.write_all(&bytes).and_then(|()| out.flush());
            ExitCode::SUCCESS
        }
        Some(Err(err)) => {
            println!("error: {}", userland::describe(&err));
            ExitCode::FAILURE
        }
    }
}
