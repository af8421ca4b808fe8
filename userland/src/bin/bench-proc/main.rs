//! `bench-proc [--reps N] spawn [N] | cold N | pipe [BYTES] | idle [N] | idle-max | all |
//! lowering ...`: process and pipe benchmarks for the kernel (WASIX: `proc_spawn2`, `proc_join`, `fd_pipe`,
//! `proc_signal`), each printed with the limit it is up against, measured in the same run.
//!
//! - `spawn N` (default 50): `proc_spawn2` + `proc_join` of `/bin/true`, N times. The first
//!   and six spawns of fresh copies of it (`/tmp/bench-proc-cold-K`, each compiled anew) are
//!   `spawn.cold` (median/min/max µs), the others `spawn.warm` (median/min/max µs) and
//!   `spawn.rate` (spawns/s). Limit: `spawn.zero-limit`, the time to zero (`fill(0)`, wasm
//!   `memory.fill`) as many bytes as `/bin/true`'s initial linear memory, read from the
//!   memory section of its module (`spawn.true-memory` bytes).
//! - `cold N`: only the cold spawns, N fresh copies (for profiling the load path).
//! - `pipe BYTES` (default 4M): BYTES through an `fd_pipe` into a child (`bench-proc sink`,
//!   which checksums what it reads and reports back on a second pipe) in 4 KiB and 64 KiB
//!   writes: `pipe.4k`, `pipe.64k` MiB/s, timed from the child's `ready` to its report (so
//!   the spawn is not counted). `pipe.pingpong`: µs per 1-byte round trip with a child
//!   (`bench-proc echo-child`) over two pipes. Limit: `pipe.memcpy-limit`, in-guest
//!   `copy_from_slice` MiB/s.
//! - `idle N` (default 16): N children (`/bin/idle`, one page of memory) each blocked reading an
//!   empty pipe; `idle.bytes-per-proc` from `/proc/meminfo`'s `MemFree:` before and after
//!   (`n/a` when there is no `/proc/meminfo`), then they are killed and joined.
//! - `idle-max`: spawns idle children until `proc_spawn2` fails (AGAIN or NOMEM):
//!   `idle.max` processes, then kills (KILL) and joins them all.
//! - `all`: `spawn 50`, `pipe 4M`, `idle 16`, `idle-max`.
//! - `lowering KEY ORIG PRELOWERED [ARG...]`: the cost of lowering a WASIX module at load.
//!   ORIG is a module the kernel lowers (shared memory, atomics) and PRELOWERED the same
//!   module lowered beforehand on the host (`wasmlower`); each round spawns+joins
//!   `ORIG ARG...` and `PRELOWERED ARG...` cold (each file's modification time is set
//!   to a new value first, so the module cache misses and the kernel reads, lowers when
//!   needed, and validates it again), the order swapped every round. `--reps` rounds
//!   (at least 3): `KEY.cold-orig`, `KEY.cold-prelowered` (µs) and `KEY.lowering-share`
//!   (median over the rounds of `(orig - prelowered) / orig`, in %). The children's exit
//!   statuses are not checked (a program may end as it likes), only that both spawn.
//!
//! Children are started from `/bin/true` and `/bin/bench-proc`. The internal modes
//! `sink` and `echo-child` are the children's side. `idle.kernel-bytes-per-proc` is
//! `idle.bytes-per-proc` less the idle child's own linear memory.

use std::process::ExitCode;
use std::time::Instant;

use userland::wasix_sys::{self as sys, Errno, Fd, Pid, Status, errno, sig};

use userland::bench as common;

use common::{fmt, line, report};

const PROG: &str = "bench-proc";
const USAGE: &str = "usage: bench-proc [--reps N] spawn [N] | cold N | pipe [BYTES] | idle [N] \
                     | idle-max | all | lowering KEY ORIG PRELOWERED [ARG...]";
const TRUE: &str = "/bin/true";
const SELF: &str = "/bin/bench-proc";
/// The idle child: one page of linear memory, blocked reading an empty pipe.
const IDLE: &str = "/bin/idle";
const NOMEM: Errno = 48;
/// Cold spawns measured: the first of `/bin/true`, then one each of fresh copies of it.
const COLD_SAMPLES: usize = 7;

fn main() -> ExitCode {
    userland::inherit_cwd();
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let reps = common::take_reps(PROG, &mut args);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let num = |s: &str| common::count(PROG, s);
    match args.as_slice() {
        ["spawn"] => spawn_bench(50, reps),
        ["spawn", n] => spawn_bench(num(n).max(2) as usize, reps),
        ["cold", n] => {
            let module = std::fs::read(TRUE)
                .unwrap_or_else(|e| die(&format!("read {TRUE}: {}", userland::message(&e))));
            report(
                "spawn.cold",
                &cold_spawns(&module, num(n).max(1) as usize),
                "us",
            );
        }
        ["pipe"] => pipe_bench(4 << 20, reps),
        ["pipe", bytes] => pipe_bench(num(bytes), reps),
        ["idle"] => idle_bench(16),
        ["idle", n] => idle_bench(num(n) as usize),
        ["idle-max"] => idle_max(),
        ["all"] => {
            spawn_bench(50, reps);
            pipe_bench(4 << 20, reps);
            idle_bench(16);
            idle_max();
        }
        ["lowering", key, orig, pre, rest @ ..] => lowering_bench(key, orig, pre, rest, reps),
        ["sink"] => return sink(),
        ["echo-child"] => return echo_child(),
        _ => common::usage(PROG, USAGE),
    }
    ExitCode::SUCCESS
}

/// Unwraps a WASIX result or exits 1 naming the call.
fn must<T>(what: &str, r: Result<T, Errno>) -> T {
    r.unwrap_or_else(|e| die(&format!("{what}: {}", sys::show(e))))
}

fn die(msg: &str) -> ! {
    eprintln!("{PROG}: {msg}");
    std::process::exit(1)
}

/// Prints how long a subcommand took (on stderr, so the `bench:` lines stay figures).
fn took(what: &str, t: Instant) {
    eprintln!("{PROG}: {what} took {:.2} s", t.elapsed().as_secs_f64());
}

fn micros(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Waits for `pid` and insists it exited normally with status 0.
fn join_ok(what: &str, pid: Pid) {
    match must(what, sys::join(Some(pid), 0)) {
        (_, Status::Exit(0)) => {}
        (_, st) => die(&format!("{what}: child {pid}: {st}")),
    }
}

// ---- lowering at load ------------------------------------------------------------------

/// Spawns+joins `path args` after giving the file a modification time never used before
/// (`stamp` seconds after the epoch), so that the module cache misses: a cold spawn.
fn cold_spawn(path: &str, args: &[&str], stamp: u64) -> f64 {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap_or_else(|e| die(&format!("open {path}: {}", userland::message(&e))));
    let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(stamp);
    file.set_modified(when)
        .unwrap_or_else(|e| die(&format!("set mtime of {path}: {}", userland::message(&e))));
    drop(file);
    let name = path.rsplit('/').next().unwrap_or(path);
    let argv: Vec<&str> = std::iter::once(name).chain(args.iter().copied()).collect();
    let t = Instant::now();
    let pid = must(
        &format!("proc_spawn2 {path}"),
        sys::spawn2(path, &argv, &[], &[], false, ""),
    );
    must(&format!("proc_join {path}"), sys::join(Some(pid), 0));
    micros(t.elapsed())
}

fn lowering_bench(key: &str, orig: &str, pre: &str, args: &[&str], reps: usize) {
    let t0 = Instant::now();
    let rounds = reps.max(3);
    let (mut o, mut p, mut share) = (Vec::new(), Vec::new(), Vec::new());
    // Stamps far from any real file time, different for every spawn.
    let mut stamp = 1_000_000_000;
    for r in 0..rounds {
        let mut next = || {
            stamp += 1;
            stamp
        };
        let (a, b) = if r % 2 == 0 {
            let a = cold_spawn(orig, args, next());
            (a, cold_spawn(pre, args, next()))
        } else {
            let b = cold_spawn(pre, args, next());
            (cold_spawn(orig, args, next()), b)
        };
        o.push(a);
        p.push(b);
        share.push((a - b) / a * 100.0);
    }
    report(&format!("{key}.cold-orig"), &o, "us");
    report(&format!("{key}.cold-prelowered"), &p, "us");
    report(&format!("{key}.lowering-share"), &share, "%");
    took(&format!("lowering {key}"), t0);
}

// ---- spawn -----------------------------------------------------------------------------

fn spawn_bench(n: usize, reps: usize) {
    let t0 = Instant::now();
    let once = || {
        let t = Instant::now();
        let pid = must(
            "proc_spawn2 /bin/true",
            sys::spawn2(TRUE, &["true"], &[], &[], false, ""),
        );
        join_ok("proc_join /bin/true", pid);
        t.elapsed()
    };
    // The first spawn of /bin/true compiles it; the module cache keeps it for the rest.
    // Cold figures come from fresh copies of the file instead (a new file is a new cache
    // key), one spawn each, so that they have a median and a range too.
    let first = micros(once());
    let module = std::fs::read(TRUE)
        .unwrap_or_else(|e| die(&format!("read {TRUE}: {}", userland::message(&e))));
    let mut cold = vec![first];
    cold.extend(cold_spawns(&module, COLD_SAMPLES - 1));
    report("spawn.cold", &cold, "us");
    let t = Instant::now();
    let warm: Vec<f64> = (1..n).map(|_| micros(once())).collect();
    let total = t.elapsed().as_secs_f64();
    report("spawn.warm", &warm, "us");
    line("spawn.rate", &fmt(warm.len() as f64 / total), "spawns/s");

    let Some(pages) = initial_pages(&module) else {
        die(&format!("{TRUE}: no memory section or import found"));
    };
    let bytes = (pages * 65_536) as usize;
    line("spawn.true-memory", &bytes.to_string(), "bytes");
    let t = Instant::now();
    let buf = vec![0u8; bytes];
    line("spawn.zero-alloc", &fmt(micros(t.elapsed())), "us");
    drop(buf);
    let fills = common::fill_rates(reps, bytes);
    let us: Vec<f64> = fills.iter().map(|r| 1e6 / r).collect();
    report("spawn.zero-limit", &us, "us");
    took("spawn", t0);
}

/// Spawns and joins `count` fresh copies of `module` (`/tmp/bench-proc-cold-K`), one spawn
/// each, so that every spawn compiles its program; returns their times in µs.
fn cold_spawns(module: &[u8], count: usize) -> Vec<f64> {
    (0..count)
        .map(|k| {
            let copy = format!("/tmp/bench-proc-cold-{k}");
            std::fs::write(&copy, module)
                .unwrap_or_else(|e| die(&format!("write {copy}: {}", userland::message(&e))));
            let t = Instant::now();
            let pid = must(
                &format!("proc_spawn2 {copy}"),
                sys::spawn2(&copy, &["true"], &[], &[], false, ""),
            );
            join_ok(&format!("proc_join {copy}"), pid);
            let us = micros(t.elapsed());
            // Gone, its program leaves the module cache at the next load.
            let _ = std::fs::remove_file(&copy);
            us
        })
        .collect()
}

/// The initial page count of a module's linear memory: the first memory in its memory
/// section, or an imported memory.
fn initial_pages(m: &[u8]) -> Option<u64> {
    if m.get(..8)? != b"\0asm\x01\0\0\0" {
        return None;
    }
    let mut r = Reader { b: m, pos: 8 };
    while r.pos < m.len() {
        let id = r.byte()?;
        let size = r.leb()? as usize;
        let end = r.pos.checked_add(size)?;
        match id {
            5 => {
                if r.leb()? == 0 {
                    return None;
                }
                return r.limits_min();
            }
            2 => {
                for _ in 0..r.leb()? {
                    for _ in 0..2 {
                        let len = r.leb()? as usize;
                        r.pos = r.pos.checked_add(len)?;
                    }
                    match r.byte()? {
                        0 => {
                            r.leb()?; // function: type index
                        }
                        1 => {
                            r.byte()?; // reference type
                            r.limits_min()?;
                        }
                        2 => return r.limits_min(),
                        3 => {
                            r.byte()?; // value type
                            r.byte()?; // mutability
                        }
                        4 => {
                            r.byte()?; // tag: attribute
                            r.leb()?; // type index
                        }
                        _ => return None,
                    }
                }
            }
            _ => {}
        }
        r.pos = end;
    }
    None
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.b.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn leb(&mut self) -> Option<u64> {
        let (mut v, mut shift) = (0u64, 0);
        loop {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return Some(v);
            }
            shift += 7;
            if shift >= 64 {
                return None;
            }
        }
    }

    /// Limits: a flags byte (bit 0: a maximum follows), the minimum, maybe a maximum.
    fn limits_min(&mut self) -> Option<u64> {
        let flags = self.byte()?;
        let min = self.leb()?;
        if flags & 1 != 0 {
            self.leb()?;
        }
        Some(min)
    }
}

// ---- pipe ------------------------------------------------------------------------------

/// Spawns `bench-proc MODE` with its stdin and stdout on two new pipes; returns the pid,
/// our write end of its stdin and our read end of its stdout.
fn spawn_piped(mode: &str) -> (Pid, Fd, Fd) {
    let (in_r, in_w) = must("fd_pipe", sys::pipe());
    let (out_r, out_w) = must("fd_pipe", sys::pipe());
    let ops = [
        sys::fd_op_dup2(in_r, 0),
        sys::fd_op_dup2(out_w, 1),
        sys::fd_op_close(in_r),
        sys::fd_op_close(in_w),
        sys::fd_op_close(out_r),
        sys::fd_op_close(out_w),
    ];
    let pid = must(
        &format!("proc_spawn2 {SELF} {mode}"),
        sys::spawn2(SELF, &["bench-proc", mode], &ops, &[], false, ""),
    );
    must("close", sys::close(in_r));
    must("close", sys::close(out_w));
    (pid, in_w, out_r)
}

fn read_exact(fd: Fd, buf: &mut [u8]) {
    let mut got = 0;
    while got < buf.len() {
        match must("read", sys::read(fd, &mut buf[got..])) {
            0 => die("unexpected end of file on a pipe"),
            n => got += n,
        }
    }
}

/// One transfer of `bytes` through a pipe to a `sink` child; returns MiB/s.
fn pipe_once(bytes: u64, chunk: usize, pattern: &[u8], want: u64) -> f64 {
    let (pid, to_child, from_child) = spawn_piped("sink");
    let mut ready = [0u8; 6];
    read_exact(from_child, &mut ready);
    if &ready != b"ready\n" {
        die("sink: no ready line");
    }
    let t = Instant::now();
    must(
        "write to sink",
        common::write_pattern(to_child, bytes, chunk, pattern),
    );
    must("close", sys::close(to_child));
    let report = must("read sink report", sys::read_to_end(from_child));
    let secs = t.elapsed().as_secs_f64();
    must("close", sys::close(from_child));
    join_ok("proc_join sink", pid);
    let text = String::from_utf8_lossy(&report);
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key)?.split_whitespace().next())
            .unwrap_or("")
    };
    let (got_len, got_hash) = (field("bench: pipe.read "), field("bench: pipe.checksum "));
    if got_len != bytes.to_string() || got_hash != format!("0x{want:016x}") {
        die(&format!(
            "sink received {got_len} bytes, checksum {got_hash}; sent {bytes}, 0x{want:016x}"
        ));
    }
    bytes as f64 / common::MIB as f64 / secs.max(1e-9)
}

fn pipe_bench(bytes: u64, reps: usize) {
    let t0 = Instant::now();
    let want = common::pattern_hash(bytes);
    for (key, chunk) in [("pipe.4k", 4096), ("pipe.64k", 65536)] {
        let pattern = common::pattern_buffer(chunk);
        pipe_once(bytes, chunk, &pattern, want); // warm-up
        let samples: Vec<f64> = (0..reps)
            .map(|_| pipe_once(bytes, chunk, &pattern, want))
            .collect();
        report(key, &samples, "MiB/s");
    }

    let (pid, to_child, from_child) = spawn_piped("echo-child");
    let mut byte = [0u8; 1];
    let mut round_trip = |i: u64| {
        let b = i as u8;
        must("ping", sys::write_all(to_child, &[b]));
        read_exact(from_child, &mut byte);
        if byte[0] != b {
            die("pong: wrong byte");
        }
    };
    round_trip(0);
    let rates = common::rates(reps, |n| (0..n).for_each(&mut round_trip));
    let us: Vec<f64> = rates.iter().map(|r| 1e6 / r).collect();
    report("pipe.pingpong", &us, "us");
    must("close", sys::close(to_child));
    must("close", sys::close(from_child));
    join_ok("proc_join echo-child", pid);

    report("pipe.memcpy-limit", &common::copy_rates(reps), "MiB/s");
    took("pipe", t0);
}

/// Child: says `ready`, checksums stdin to end of file, reports like `bench-pipe read`.
fn sink() -> ExitCode {
    if sys::write_all(1, b"ready\n").is_err() {
        return ExitCode::FAILURE;
    }
    match common::read_stream(0) {
        Ok(r) => {
            common::print_received(&r);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{PROG} sink: read: {}", sys::show(e));
            ExitCode::FAILURE
        }
    }
}

/// Child: echoes stdin to stdout as it arrives, until end of file.
fn echo_child() -> ExitCode {
    let mut buf = [0u8; 256];
    loop {
        match sys::read(0, &mut buf) {
            Ok(0) => return ExitCode::SUCCESS,
            Ok(n) => {
                if sys::write_all(1, &buf[..n]).is_err() {
                    return ExitCode::FAILURE;
                }
            }
            Err(_) => return ExitCode::FAILURE,
        }
    }
}

// ---- idle ------------------------------------------------------------------------------

/// `MemFree:` from `/proc/meminfo`, in bytes.
fn mem_free() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    text.lines().find_map(|l| {
        let kb = l.strip_prefix("MemFree:")?.split_whitespace().next()?;
        kb.parse::<u64>().ok().map(|kb| kb * 1024)
    })
}

/// Idle children sharing one pipe for stdin (never written: they block reading it) and
/// one for readiness (each writes one byte, then closes its stdout).
struct Idle {
    pids: Vec<Pid>,
    stdin_r: Fd,
    stdin_w: Fd,
    ready_r: Fd,
    ready_w: Fd,
}

impl Idle {
    fn new() -> Self {
        let (stdin_r, stdin_w) = must("fd_pipe", sys::pipe());
        let (ready_r, ready_w) = must("fd_pipe", sys::pipe());
        Self {
            pids: Vec::new(),
            stdin_r,
            stdin_w,
            ready_r,
            ready_w,
        }
    }

    fn spawn(&mut self) -> Result<Pid, Errno> {
        let ops = [
            sys::fd_op_dup2(self.stdin_r, 0),
            sys::fd_op_dup2(self.ready_w, 1),
            sys::fd_op_close(self.stdin_r),
            sys::fd_op_close(self.stdin_w),
            sys::fd_op_close(self.ready_r),
            sys::fd_op_close(self.ready_w),
        ];
        let pid = sys::spawn2(IDLE, &["idle"], &ops, &[], false, "")?;
        self.pids.push(pid);
        Ok(pid)
    }

    /// Waits until every child has either said it is ready or died; returns how many
    /// are ready (blocked reading stdin).
    fn wait_ready(&mut self) -> usize {
        must("close", sys::close(self.ready_w));
        let got = must("read readiness", sys::read_to_end(self.ready_r));
        must("close", sys::close(self.ready_r));
        got.len()
    }

    /// KILLs and joins every child.
    fn kill_all(self) {
        for &pid in &self.pids {
            must("proc_signal KILL", sys::signal(pid, sig::KILL));
        }
        for &pid in &self.pids {
            match must("proc_join", sys::join(Some(pid), 0)) {
                (_, Status::Signal { sig: sig::KILL, .. }) => {}
                (_, st) => eprintln!("{PROG}: idle child {pid} ended with {st}"),
            }
        }
        must("close", sys::close(self.stdin_r));
        must("close", sys::close(self.stdin_w));
    }
}

fn idle_bench(n: usize) {
    let t0 = Instant::now();
    let before = mem_free();
    let mut idle = Idle::new();
    let t = Instant::now();
    for _ in 0..n {
        must("proc_spawn2 /bin/idle", idle.spawn());
    }
    let ready = idle.wait_ready();
    let spawn_secs = t.elapsed().as_secs_f64();
    if ready != n {
        die(&format!("only {ready} of {n} idle children started"));
    }
    let after = mem_free();
    line("idle.procs", &n.to_string(), "procs");
    line("idle.spawn", &fmt(spawn_secs * 1e6 / n as f64), "us");
    match (before, after) {
        (Some(b), Some(a)) => {
            let per = b.saturating_sub(a) as f64 / n as f64;
            line("idle.bytes-per-proc", &fmt(per), "bytes");
            // What the kernel spends beyond the child's own linear memory.
            if let Some(pages) = std::fs::read(IDLE).ok().as_deref().and_then(initial_pages) {
                let kernel = per - (pages * 65_536) as f64;
                line("idle.kernel-bytes-per-proc", &fmt(kernel), "bytes");
            }
        }
        _ => line("idle.bytes-per-proc", "n/a", "bytes"),
    }
    idle.kill_all();
    if let (Some(b), Some(a)) = (before, mem_free()) {
        line(
            "idle.unreclaimed",
            &b.saturating_sub(a).to_string(),
            "bytes",
        );
    }
    took("idle", t0);
}

fn idle_max() {
    let t0 = Instant::now();
    let before = mem_free();
    let mut idle = Idle::new();
    let stop = loop {
        match idle.spawn() {
            Ok(_) => {}
            Err(e) => break e,
        }
    };
    let spawned = idle.pids.len();
    let ready = idle.wait_ready();
    let spawn_secs = t0.elapsed().as_secs_f64();
    let after = mem_free();
    line("idle.max", &spawned.to_string(), "procs");
    line("idle.max.ready", &ready.to_string(), "procs");
    eprintln!(
        "{PROG}: idle-max: proc_spawn2 stopped with {}",
        sys::show(stop)
    );
    if stop != errno::AGAIN && stop != NOMEM {
        die(&format!("idle-max: unexpected error {}", sys::show(stop)));
    }
    line("idle.max.spawn-time", &fmt(spawn_secs), "s");
    if let (Some(b), Some(a)) = (before, after) {
        line(
            "idle.max.bytes-used",
            &b.saturating_sub(a).to_string(),
            "bytes",
        );
    }
    let t = Instant::now();
    idle.kill_all();
    line("idle.max.kill-time", &fmt(t.elapsed().as_secs_f64()), "s");
    took("idle-max", t0);
}
