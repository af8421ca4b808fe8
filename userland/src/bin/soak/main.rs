//! `soak SECONDS WORKERS [SEED]`: a bounded stress soak. Spawns WORKERS children that,
//! until SECONDS have passed, do seeded random file operations in their own directory
//! under `/tmp/soak` (create, write, append, read back and verify against an in-memory
//! model, rename, truncate, unlink, mkdir/rmdir) and, every few operations, a pipe
//! transfer: the worker spawns a writer child that streams pseudo-random bytes into a
//! pipe, reads them all, and checks their checksum against the stream it expects. The
//! dataset is bounded, so a soak of any length reaches a steady state instead of filling
//! the filesystem: at most [`MAX_FILES`] files of at most [`MAX_FILE`] bytes and
//! [`MAX_DIRS`] directories per worker (at the bound, a create becomes an unlink and an
//! append a truncate). Each worker reports `progress OPS BYTES ERRORS` about once a second
//! and `stats OPS BYTES ERRORS` at the end, on its stdout (a pipe to the parent), removes
//! its directory at the end; a worker that dies is reported with its last progress line and
//! its directory removed by the parent. The parent joins everyone, checks `/tmp/soak` is empty,
//! removes it, checks that filesystem use and the process count (from `/proc/meminfo`,
//! when mounted) and its own open descriptors are back where they started, and prints
//! `soak: <seconds> s, <workers> workers, <ops> file ops, <bytes> bytes through pipes,
//! <errors> errors`; exit 0 only with no error.
//!
//! Internal modes: `worker ID SEED END_MS`, `writer SEED LEN`.

use std::collections::BTreeMap;
use std::fs;
use std::process::ExitCode;

use userland::wasix_sys::{self as w, Fnv64, Status, fd_op_close, fd_op_dup2, show, stdio};
use wasix::wasi::wasi_snapshot_preview1 as p1;

const SELF: &str = "/bin/soak";
const TOP: &str = "/tmp/soak";
/// Per worker: files, bytes per file and directories at most (12 workers: ≤ 25 MiB).
const MAX_FILES: usize = 32;
const MAX_FILE: usize = 64 * 1024;
const MAX_DIRS: usize = 8;

fn now_ms() -> u64 {
    let mut t: u64 = 0;
    // SAFETY: `t` is writable.
    unsafe { p1::clock_time_get(1, 1, &raw mut t as usize as i32) };
    t / 1_000_000
}

/// xorshift64*: the seeded generator for choices and data.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.next().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut v = vec![0u8; n];
        self.fill(&mut v);
        v
    }
}

fn main() -> ExitCode {
    userland::inherit_cwd();
    let args: Vec<String> = std::env::args().collect();
    let num = |i: usize| args.get(i).and_then(|a| a.parse::<u64>().ok());
    match args.get(1).map(String::as_str) {
        Some("worker") => match (num(2), num(3), num(4)) {
            (Some(id), Some(seed), Some(end)) => worker(id, seed, end),
            _ => ExitCode::from(2),
        },
        Some("writer") => match (num(2), num(3)) {
            (Some(seed), Some(len)) => writer(seed, len),
            _ => ExitCode::from(2),
        },
        _ => match (num(1), num(2)) {
            (Some(secs), Some(workers)) => parent(secs, workers, num(3).unwrap_or(1)),
            _ => {
                eprintln!("usage: soak SECONDS WORKERS [SEED]");
                ExitCode::from(2)
            }
        },
    }
}

/// What must be back at its starting value when the soak is over: RAM-filesystem use
/// (`/proc/meminfo` `Cached:` kB) and the process count (`Processes:`) when `/proc` is
/// mounted, and this process's open descriptors.
#[derive(Debug, PartialEq, Eq)]
struct Baseline {
    fs_kib: Option<u64>,
    procs: Option<u64>,
    fds: usize,
}

fn baseline() -> Baseline {
    let info = fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let field = |key: &str| {
        info.lines().find_map(|l| {
            l.strip_prefix(key)?
                .strip_prefix(':')?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
    };
    Baseline {
        fs_kib: field("Cached"),
        procs: field("Processes"),
        fds: (0..1024).filter(|&fd| w::is_open(fd)).count(),
    }
}

fn parent(secs: u64, workers: u64, seed: u64) -> ExitCode {
    let mut errors = 0u64;
    let _ = fs::remove_dir_all(TOP);
    let before = baseline();
    if let Err(e) = fs::create_dir(TOP) {
        println!("soak: cannot create {TOP}: {e}");
        return ExitCode::FAILURE;
    }
    let end = now_ms() + secs * 1000;
    let end_s = end.to_string();
    let mut kids = Vec::new();
    for id in 0..workers {
        let id_s = id.to_string();
        let seed_s = (seed * 1000 + id).to_string();
        let argv = ["soak", "worker", &id_s, &seed_s, &end_s];
        match w::Spawn::new(SELF, &argv)
            .stdio(stdio::NULL, stdio::PIPED, stdio::INHERIT)
            .run()
        {
            Ok(h) => kids.push((id, h)),
            Err(e) => {
                println!("soak: spawn worker {id}: {}", show(e));
                errors += 1;
            }
        }
    }
    let (mut ops, mut bytes) = (0u64, 0u64);
    for (id, h) in kids {
        let out = h.stdout.map(|fd| {
            let o = w::read_to_end(fd).unwrap_or_default();
            let _ = w::close(fd);
            o
        });
        let text = String::from_utf8_lossy(out.as_deref().unwrap_or_default()).into_owned();
        let figures = |line: &str, key: &str| -> Option<[u64; 3]> {
            let f: Vec<u64> = line
                .strip_prefix(key)?
                .split(' ')
                .filter_map(|n| n.parse().ok())
                .collect();
            f.try_into().ok()
        };
        let (mut stats, mut progress) = (None, None);
        for line in text.lines() {
            if let Some(f) = figures(line, "stats ") {
                stats = Some(f);
            } else if let Some(f) = figures(line, "progress ") {
                progress = Some(f);
            } else {
                println!("worker {id}: {line}");
            }
        }
        let status = w::join(Some(h.pid), 0);
        match (stats, status) {
            (Some([o, b, e]), Ok((_, Status::Exit(0)))) => {
                ops += o;
                bytes += b;
                errors += e;
                if o == 0 || b == 0 {
                    println!("soak: worker {id} did nothing: {o} file ops, {b} bytes");
                    errors += 1;
                }
            }
            (_, other) => {
                // Died: say how far it got, count what it did, and clear up after it.
                let [o, b, e] = progress.unwrap_or_default();
                println!(
                    "soak: worker {id} ended {other:?} after {o} file ops, {b} bytes through \
                     pipes, {e} errors (its last progress report)"
                );
                ops += o;
                bytes += b;
                errors += e + 1;
                let _ = fs::remove_dir_all(format!("{TOP}/w{id}"));
            }
        }
    }
    match fs::read_dir(TOP).map(|d| d.count()) {
        Ok(0) => {}
        Ok(n) => {
            println!("soak: {n} entries left in {TOP}");
            errors += 1;
        }
        Err(e) => {
            println!("soak: read {TOP}: {e}");
            errors += 1;
        }
    }
    if let Err(e) = fs::remove_dir(TOP) {
        println!("soak: remove {TOP}: {e}");
        errors += 1;
    }
    let after = baseline();
    if after != before {
        println!("soak: not back at baseline: before {before:?}, after {after:?}");
        errors += 1;
    } else {
        println!("soak: back at baseline: {after:?}");
    }
    println!(
        "soak: {secs} s, {workers} workers, {ops} file ops, {bytes} bytes through pipes, {errors} errors"
    );
    if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// A worker's view of its directory: files and their contents, empty subdirectories.
struct Model {
    dir: String,
    files: BTreeMap<String, Vec<u8>>,
    dirs: Vec<String>,
    errors: u64,
    next_name: u64,
}

impl Model {
    fn path(&self, name: &str) -> String {
        format!("{}/{name}", self.dir)
    }

    fn error(&mut self, what: impl std::fmt::Display) {
        self.errors += 1;
        if self.errors <= 10 {
            println!("error: {what}");
        }
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.next_name += 1;
        format!("{prefix}{}", self.next_name)
    }

    fn pick(&self, rng: &mut Rng) -> Option<String> {
        let n = self.files.len() as u64;
        (n > 0).then(|| {
            self.files
                .keys()
                .nth(rng.below(n) as usize)
                .cloned()
                .unwrap_or_default()
        })
    }

    /// One random file operation. At the dataset's bounds a create becomes an unlink, an
    /// append that would overgrow a file a truncate, a mkdir an rmdir.
    fn step(&mut self, rng: &mut Rng) {
        let size = 1 + rng.below(8192) as usize;
        let mut op = rng.below(8);
        if op <= 1 && self.files.len() >= MAX_FILES {
            op = 6;
        }
        match op {
            0 | 1 => {
                let name = self.fresh("f");
                let data = rng.bytes(size);
                match fs::write(self.path(&name), &data) {
                    Ok(()) => {
                        self.files.insert(name, data);
                    }
                    Err(e) => self.error(format_args!("create {name}: {e}")),
                }
            }
            2 => {
                let Some(name) = self.pick(rng) else { return };
                if self.files.get(&name).map_or(0, Vec::len) + size > MAX_FILE {
                    return self.truncate(name, size);
                }
                let more = rng.bytes(size);
                let r = fs::OpenOptions::new()
                    .append(true)
                    .open(self.path(&name))
                    .and_then(|mut f| std::io::Write::write_all(&mut f, &more));
                match r {
                    Ok(()) => self.files.entry(name).or_default().extend_from_slice(&more),
                    Err(e) => self.error(format_args!("append {name}: {e}")),
                }
            }
            3 => {
                let Some(name) = self.pick(rng) else { return };
                let want = self.files.get(&name).cloned().unwrap_or_default();
                match fs::read(self.path(&name)) {
                    Ok(got) if got == want => {}
                    Ok(got) => self.error(format_args!(
                        "read {name}: {} bytes differ from the {} expected",
                        got.len(),
                        want.len()
                    )),
                    Err(e) => self.error(format_args!("read {name}: {e}")),
                }
            }
            4 => {
                let Some(name) = self.pick(rng) else { return };
                let to = self.fresh("r");
                match fs::rename(self.path(&name), self.path(&to)) {
                    Ok(()) => {
                        if let Some(d) = self.files.remove(&name) {
                            self.files.insert(to, d);
                        }
                    }
                    Err(e) => self.error(format_args!("rename {name}: {e}")),
                }
            }
            5 => {
                let Some(name) = self.pick(rng) else { return };
                let len = rng.below(10_000) as usize;
                self.truncate(name, len);
            }
            6 => {
                let Some(name) = self.pick(rng) else { return };
                match fs::remove_file(self.path(&name)) {
                    Ok(()) => {
                        self.files.remove(&name);
                    }
                    Err(e) => self.error(format_args!("unlink {name}: {e}")),
                }
            }
            _ => {
                if self.dirs.is_empty() || (self.dirs.len() < MAX_DIRS && rng.below(2) == 0) {
                    let name = self.fresh("d");
                    match fs::create_dir(self.path(&name)) {
                        Ok(()) => self.dirs.push(name),
                        Err(e) => self.error(format_args!("mkdir {name}: {e}")),
                    }
                } else {
                    let i = rng.below(self.dirs.len() as u64) as usize;
                    let name = self.dirs.swap_remove(i);
                    if let Err(e) = fs::remove_dir(self.path(&name)) {
                        self.error(format_args!("rmdir {name}: {e}"));
                    }
                }
            }
        }
    }

    fn truncate(&mut self, name: String, len: usize) {
        let r = fs::OpenOptions::new()
            .write(true)
            .open(self.path(&name))
            .and_then(|f| f.set_len(len as u64));
        match r {
            Ok(()) => self.files.entry(name).or_default().resize(len, 0),
            Err(e) => self.error(format_args!("truncate {name}: {e}")),
        }
    }

    /// Checks every file once more, then removes everything and the directory.
    fn clean_up(&mut self) {
        let files = std::mem::take(&mut self.files);
        for (name, want) in files {
            match fs::read(self.path(&name)) {
                Ok(got) if got == want => {}
                Ok(_) => self.error(format_args!("final read {name}: mismatch")),
                Err(e) => self.error(format_args!("final read {name}: {e}")),
            }
            if let Err(e) = fs::remove_file(self.path(&name)) {
                self.error(format_args!("final unlink {name}: {e}"));
            }
        }
        for name in std::mem::take(&mut self.dirs) {
            if let Err(e) = fs::remove_dir(self.path(&name)) {
                self.error(format_args!("final rmdir {name}: {e}"));
            }
        }
        let dir = self.dir.clone();
        if let Err(e) = fs::remove_dir(&dir) {
            self.error(format_args!("remove {dir}: {e}"));
        }
    }
}

fn worker(id: u64, seed: u64, end: u64) -> ExitCode {
    let mut rng = Rng::new(seed);
    let mut m = Model {
        dir: format!("{TOP}/w{id}"),
        files: BTreeMap::new(),
        dirs: Vec::new(),
        errors: 0,
        next_name: 0,
    };
    if let Err(e) = fs::create_dir(&m.dir) {
        println!("error: mkdir {}: {e}", m.dir);
        println!("stats 0 0 1");
        return ExitCode::SUCCESS;
    }
    let (mut ops, mut bytes) = (0u64, 0u64);
    let mut next_report = now_ms() + 1000;
    while now_ms() < end {
        if now_ms() >= next_report {
            // For the parent, should this worker die before its `stats` line.
            println!("progress {ops} {bytes} {}", m.errors);
            next_report += 1000;
        }
        for _ in 0..8 {
            m.step(&mut rng);
            ops += 1;
        }
        let len = 1024 + rng.below(96 * 1024);
        match transfer(rng.next(), len) {
            Ok(()) => bytes += len,
            Err(e) => m.error(e),
        }
    }
    m.clean_up();
    println!("stats {ops} {bytes} {}", m.errors);
    ExitCode::SUCCESS
}

/// One checksummed pipe transfer from a writer child.
fn transfer(seed: u64, len: u64) -> Result<(), String> {
    let (r, wr) = w::pipe().map_err(|e| format!("fd_pipe: {}", show(e)))?;
    let seed_s = seed.to_string();
    let len_s = len.to_string();
    let spawned = w::spawn2(
        SELF,
        &["soak", "writer", &seed_s, &len_s],
        &[fd_op_dup2(wr, 1), fd_op_close(r)],
        &[],
        false,
        "",
    );
    let _ = w::close(wr);
    let pid = match spawned {
        Ok(pid) => pid,
        Err(e) => {
            let _ = w::close(r);
            return Err(format!("spawn writer: {}", show(e)));
        }
    };
    let mut got = Fnv64::default();
    let mut n = 0u64;
    let mut buf = vec![0u8; 16 * 1024];
    let read_err = loop {
        match w::read(r, &mut buf) {
            Ok(0) => break None,
            Ok(k) => {
                got.update(&buf[..k]);
                n += k as u64;
            }
            Err(e) => break Some(e),
        }
    };
    let _ = w::close(r);
    let status = w::join(Some(pid), 0);
    let mut want = Fnv64::default();
    let mut rng = Rng::new(seed);
    let mut left = len as usize;
    while left > 0 {
        let k = left.min(buf.len());
        rng.fill(&mut buf[..k]);
        want.update(&buf[..k]);
        left -= k;
    }
    if let Some(e) = read_err {
        return Err(format!("pipe read: {}", show(e)));
    }
    if !matches!(status, Ok((_, Status::Exit(0)))) {
        return Err(format!("writer ended {status:?}"));
    }
    if n != len || got.0 != want.0 {
        return Err(format!(
            "pipe transfer: {n} of {len} bytes, checksum {:016x}, want {:016x}",
            got.0, want.0
        ));
    }
    Ok(())
}

fn writer(seed: u64, len: u64) -> ExitCode {
    let mut rng = Rng::new(seed);
    let mut buf = vec![0u8; 16 * 1024];
    let mut left = len as usize;
    while left > 0 {
        let k = left.min(buf.len());
        rng.fill(&mut buf[..k]);
        if w::write_all(1, &buf[..k]).is_err() {
            return ExitCode::FAILURE;
        }
        left -= k;
    }
    ExitCode::SUCCESS
}
