//! Running a program and waiting for it, for `find -exec` and `xargs`: WASIX
//! `proc_spawn2` searched on `$PATH` (default `/bin:/usr/bin`) as the shell does, with the
//! caller's environment (and so its `PWD`), then `proc_join`. A file that is not
//! WebAssembly is run as a shell script by `sh`, as the shell does.

use crate::wasix_sys::{self as w, Errno, Status, errno};

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It ran and exited with this status.
    Exited(u16),
    /// A signal ended it.
    Signaled(u8),
    /// It could not be started: `NOENT` (not found) or another errno.
    NotStarted(Errno),
}

/// Runs `argv` (argv[0] is the program) with stdin from `/dev/null` when `null_stdin`,
/// otherwise inherited, and waits for it.
pub fn run(argv: &[&str], null_stdin: bool) -> Outcome {
    let path = std::env::var("PATH")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "/bin:/usr/bin".to_owned());
    let name = argv[0];
    let search = !name.contains('/');
    let ops = if null_stdin {
        vec![w::fd_op_open(0, "/dev/null", 0, 0)]
    } else {
        Vec::new()
    };
    let mut result = w::spawn2(name, argv, &ops, &[], search, &path);
    if result == Err(errno::NOEXEC) {
        let file = find(name, &path).unwrap_or_else(|| name.to_owned());
        let mut script: Vec<&str> = vec!["sh", &file];
        script.extend(&argv[1..]);
        result = w::spawn2("sh", &script, &ops, &[], true, &path);
    }
    let pid = match result {
        Ok(pid) => pid,
        Err(e) => return Outcome::NotStarted(e),
    };
    loop {
        match w::join(Some(pid), 0) {
            Ok((_, Status::Exit(code))) => return Outcome::Exited(code),
            Ok((_, Status::Signal { sig, .. })) => return Outcome::Signaled(sig),
            Ok(_) => continue,
            Err(e) => return Outcome::NotStarted(e),
        }
    }
}

/// The file `name` names on `path`.
fn find(name: &str, path: &str) -> Option<String> {
    if name.contains('/') {
        return Some(name.to_owned());
    }
    path.split(':')
        .map(|dir| format!("{}/{name}", if dir.is_empty() { "." } else { dir }))
        .find(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file()))
}
