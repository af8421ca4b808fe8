//! `hostile MODE`: guests that misbehave on purpose, and a driver that checks each one
//! ends in a clean errno or a clean process death while the rest of the system keeps
//! running.
//!
//! Modes (each a child of the driver; exit 0 means its own checks passed):
//! - `loop`: an endless loop without calls; only SIGKILL ends it.
//! - `fillloop`: `memory.fill` of 32 MiB without end — nearly all its time is spent in the
//!   kernel's memset, outside the interpreter — so preemption and SIGKILL must reach it
//!   there too.
//! - `recurse`: unbounded recursion; must die by a stack-overflow trap (EXIT_SIGNAL 6).
//! - `membomb`: `memory.grow` one MiB at a time until it fails, then touches every page
//!   of what it got; the grow must fail cleanly (-1), not trap or kill the kernel.
//! - `spawnbomb [DEPTH]`: spawns copies of itself, which spawn copies…, until AGAIN; then
//!   everyone joins its children. Exit bit 0: some node saw AGAIN; bit 1: an error.
//! - `fdbomb`: opens files, then duplicates descriptors, then makes pipes, each until
//!   MFILE (or NFILE); then closes them all and shows files and pipes still work.
//! - `pipefill`: fills a pipe nobody reads: non-blocking writes end in AGAIN after exactly
//!   the pipe's capacity; a child blocked writing to it is killed (EXIT_SIGNAL 9) and the
//!   pipe's contents are intact.
//! - `killwriter`: reads a pseudo-random stream from a child, SIGKILLs the child mid-write,
//!   then reads on to end of file: every byte read matches the stream, nothing is lost
//!   before the kill point and nothing is corrupted.
//! - `bigwrite`: huge iovec counts and lengths on stdout (run with stdout NULL): INVAL for
//!   too many iovecs, FAULT for buffers outside memory, and a 1024-iovec write of the
//!   whole memory each time must complete (possibly short), not exhaust the kernel.
//! - `bigrandom`: one `random_get` of 40 MiB; must fill it all (its last 8 bytes are not
//!   zero) while the watchdog keeps beating (the kernel fills it in pieces).
//! - `bigfile`: one `fd_write` of 16 MiB to a file in /tmp, then one `fd_pread` of it all;
//!   each must move every byte in that one call (the kernel moves them in pieces, one per
//!   turn, while the watchdog keeps beating) and the bytes read must be those written.
//! - `stackhold`: up to 300 children of a tiny module (written to /tmp) that each recurse
//!   110 calls deep with 1000 locals a frame — ~0.9 MB of wasmi value stack in the kernel
//!   heap — and sleep there 4 s, so that together they hold more than the heap: spawns
//!   must be refused (AGAIN/NOMEM) or a child die of a clean trap (ABRT, "out of system
//!   memory"), never the kernel; every child must end one of those two ways.
//! - `handlerlong`: raises USR1 at itself with a handler that computes for 2.5 s — longer
//!   than the kernel lets WebAssembly run where it cannot be preempted — then returns:
//!   the handler must run to its end (exit 0), preempted like any code, while the
//!   watchdog keeps beating.
//! - `handlerloop`: the same handler computing forever: SIGKILL must end it.
//! - `watchdog`: prints `hb N MS` (a count and its monotonic milliseconds) every ~100 ms.
//! - `all [CAP_MIB]`: the driver. Runs the watchdog in the background with its stdout on
//!   a pipe, runs each mode above as a child with a time bound (SIGKILL when it does not
//!   end by itself), checks its exit status, and checks the watchdog's heartbeats kept
//!   coming during the run. Prints `ok MODE: ...` or `FAIL MODE: ...` per case and
//!   `hostile: N passed, M failed`; exits 0 only if all passed. With CAP_MIB, `membomb`
//!   must reach within a MiB of that per-process memory cap.
//!
//! - `limits [N]`: kernel allocations a guest's arguments drive, each of which once
//!   panicked the kernel; run in this process (and one child), each must give its errno
//!   and leave the kernel heap (`/proc/meminfo`'s MemFree, so run with `proc=on`) where
//!   it was. `spawnpath`: `proc_spawn2` with 1024 CHDIR actions naming one 256 KiB path
//!   (NAMETOOLONG), then one 4000-byte path (2BIG: too many path bytes in all).
//!   `execargs`: `proc_exec3` and, in a child, `proc_exec` with a 16 MiB list of
//!   one-byte arguments (2BIG; the child exits with it). `refused`: N spawns of a module
//!   importing a function the kernel lacks (NOEXEC), then N spawns of freshly written
//!   modules, each compiled and refused for having no `_start` (NOEXEC): compiled code
//!   must be freed. Prints `ok CASE: ...` or `FAIL CASE: ...` and `limits: N passed, M
//!   failed`.
//!
//! The driver also runs two modules it writes to /tmp, whose start sections never end
//! (`startloop`: an empty loop; `startfill`: 16 MiB `memory.fill`s): a start section runs
//! in the child's own slices, so the spawn must return at once, the watchdog keep
//! beating and SIGKILL end the child.
//!
//! Internal modes: `pipefill-writer`, `killwriter-writer`, `execargs-child`.

use std::fs;
use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use userland::wasix_sys::{
    self as w, Errno, Fd, Pid, Spawn, Status, Stream, errno, fd_op_close, fd_op_dup2, show, sig,
    stdio,
};
use wasix::wasi::wasi_snapshot_preview1 as p1;

const SELF: &str = "/bin/hostile";
const NONBLOCK: i32 = 4;

/// How long `hostile_handler` computes, in ms (`u64::MAX`: without end).
static HANDLER_MS: AtomicU64 = AtomicU64::new(0);
/// Set when `hostile_handler` returned.
static HANDLED: AtomicBool = AtomicBool::new(false);

/// The handler of the `handler*` modes (registered with `callback_signal`): computes for
/// `HANDLER_MS`, reading the clock only every few million additions, so that nearly all
/// its time is WebAssembly, not host calls.
#[unsafe(no_mangle)]
pub extern "C" fn hostile_handler(_sig: i32) {
    let ms = HANDLER_MS.load(Ordering::Relaxed);
    let t0 = now_ms();
    let mut n: u64 = 0;
    while now_ms().saturating_sub(t0) < ms {
        for _ in 0..1_000_000 {
            n = std::hint::black_box(n.wrapping_add(1));
        }
    }
    HANDLED.store(true, Ordering::Relaxed);
}

/// `handlerlong` / `handlerloop`: a handler that computes for `ms`; the signal is raised
/// at ourselves, so the handler runs before `proc_signal` returns.
fn handler_mode(ms: u64) -> u8 {
    HANDLER_MS.store(ms, Ordering::Relaxed);
    w::callback_signal("hostile_handler");
    let sent = w::proc_id().and_then(|me| w::signal(me, sig::USR1));
    if let Err(e) = sent {
        println!("handler: proc_signal: {}", show(e));
        return 1;
    }
    if !HANDLED.load(Ordering::Relaxed) {
        println!("handler: proc_signal returned before the handler ended");
        return 1;
    }
    0
}

fn now_ms() -> u64 {
    let mut t: u64 = 0;
    // SAFETY: `t` is writable.
    unsafe { p1::clock_time_get(1, 1, &raw mut t as usize as i32) };
    t / 1_000_000
}

fn set_nonblock(fd: Fd, on: bool) -> Result<(), Errno> {
    // SAFETY: no pointers.
    let r = unsafe { p1::fd_fdstat_set_flags(fd as i32, if on { NONBLOCK } else { 0 }) };
    if r == 0 { Ok(()) } else { Err(r as Errno) }
}

fn main() -> ExitCode {
    userland::inherit_cwd();
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args.get(i).map(String::as_str);
    let code = match arg(1).unwrap_or("") {
        "loop" => spin(),
        "fillloop" => fill_loop(),
        "recurse" => recurse_mode(),
        "membomb" => membomb(),
        "spawnbomb" => spawnbomb(arg(2).and_then(|d| d.parse().ok()).unwrap_or(0)),
        "fdbomb" => fdbomb(),
        "pipefill" => pipefill(),
        "pipefill-writer" => pipefill_writer(),
        "killwriter" => killwriter(),
        "killwriter-writer" => killwriter_writer(),
        "bigwrite" => bigwrite(),
        "bigrandom" => bigrandom(),
        "bigfile" => bigfile(),
        "stackhold" => stackhold(),
        "handlerlong" => handler_mode(2500),
        "handlerloop" => handler_mode(u64::MAX),
        "watchdog" => watchdog(),
        "all" => return driver(arg(2).and_then(|c| c.parse().ok())),
        "limits" => return limits(arg(2).and_then(|n| n.parse().ok()).unwrap_or(2000)),
        "execargs-child" => execargs_child(),
        "true" => 0,
        _ => {
            eprintln!(
                "usage: hostile all [CAP_MIB] | limits [N] | loop | fillloop | recurse | membomb \
                 | spawnbomb | fdbomb | pipefill | killwriter | bigwrite | bigrandom | bigfile | stackhold | watchdog"
            );
            2
        }
    };
    ExitCode::from(code)
}

/// A check inside a mode: prints `MODE: what: FAILED (detail)` on stderr when false.
fn expect(mode: &str, what: &str, ok: bool, detail: impl std::fmt::Display) -> bool {
    if !ok {
        eprintln!("{mode}: {what}: FAILED ({detail})");
    }
    ok
}

// ---- the hostile behaviours ------------------------------------------------------------

/// Fills 32 MiB again and again: almost all of its time is spent in one `memory.fill`
/// at a time (the kernel's memset), not in the interpreter, and it must be preempted and
/// killed all the same.
fn fill_loop() -> u8 {
    const PAGES: usize = 512;
    let base = core::arch::wasm32::memory_grow(0, PAGES);
    if base == usize::MAX {
        println!("fillloop: memory.grow failed");
        return 1;
    }
    let mut n: u8 = 0;
    loop {
        n = std::hint::black_box(n.wrapping_add(1));
        // SAFETY: the pages just grown are this program's own and nothing else uses them.
        unsafe { core::ptr::write_bytes((base * 65536) as *mut u8, n, PAGES * 65536) };
    }
}

fn spin() -> u8 {
    let mut n: u64 = 0;
    loop {
        n = std::hint::black_box(n.wrapping_add(1));
    }
}

// Recursing without end is this mode's whole purpose.
#[allow(unconditional_recursion)]
#[inline(never)]
fn recurse(depth: u64, pad: &mut [u64; 8]) -> u64 {
    let mut local = *pad;
    local[(depth % 8) as usize] = depth;
    let r = recurse(std::hint::black_box(depth + 1), &mut local);
    std::hint::black_box(r.wrapping_add(local[0]))
}

fn recurse_mode() -> u8 {
    let mut pad = [0u64; 8];
    let r = recurse(0, &mut pad);
    // Unreachable: the recursion never returns.
    println!("recurse returned {r}");
    1
}

fn membomb() -> u8 {
    const STEP: usize = 16; // pages: 1 MiB
    let start = core::arch::wasm32::memory_size(0);
    let mut failed_step = false;
    loop {
        if core::arch::wasm32::memory_grow(0, STEP) == usize::MAX {
            break;
        }
    }
    // Smaller steps up to the last page that still fits.
    while core::arch::wasm32::memory_grow(0, 1) != usize::MAX {}
    let pages = core::arch::wasm32::memory_size(0);
    if core::arch::wasm32::memory_grow(0, 1) != usize::MAX {
        failed_step = true;
    }
    // Touch every page we got beyond the start, then read it all back.
    let base = start * 65536;
    let end = pages * 65536;
    let mut at = base;
    while at < end {
        let p = at as *mut u32;
        // SAFETY: [start pages, pages) is linear memory we just grew and own; nothing
        // else uses it.
        unsafe { p.write_volatile((at / 4096) as u32 ^ 0x5a5a_5a5a) };
        at += 4096;
    }
    let mut bad = 0u64;
    let mut at = base;
    while at < end {
        let p = at as *const u32;
        // SAFETY: as above.
        if unsafe { p.read_volatile() } != (at / 4096) as u32 ^ 0x5a5a_5a5a {
            bad += 1;
        }
        at += 4096;
    }
    let mib = (pages * 65536) >> 20;
    println!(
        "membomb: memory.grow failed cleanly at {mib} MiB ({pages} pages); touched all, {bad} bad pages"
    );
    u8::from(failed_step || bad != 0)
}

fn spawnbomb(depth: u32) -> u8 {
    const FANOUT: usize = 8;
    const MAX_DEPTH: u32 = 4;
    let mut saw_again = false;
    let mut error = false;
    let mut kids: Vec<Pid> = Vec::new();
    if depth < MAX_DEPTH {
        let d = (depth + 1).to_string();
        while kids.len() < FANOUT {
            match Spawn::new(SELF, &["hostile", "spawnbomb", &d]).run() {
                Ok(h) => kids.push(h.pid),
                Err(errno::AGAIN) => {
                    saw_again = true;
                    break;
                }
                Err(e) => {
                    eprintln!("spawnbomb: proc_spawn: {}", show(e));
                    error = true;
                    break;
                }
            }
        }
    }
    let spawned = kids.len();
    for pid in kids {
        match w::join(Some(pid), 0) {
            Ok((_, Status::Exit(c))) => {
                saw_again |= c & 1 != 0;
                error |= c & 2 != 0;
            }
            Ok((_, s)) => {
                eprintln!("spawnbomb: child {pid}: {s}");
                error = true;
            }
            Err(e) => {
                eprintln!("spawnbomb: join: {}", show(e));
                error = true;
            }
        }
    }
    if depth == 0 {
        println!("spawnbomb: root spawned {spawned}, AGAIN seen: {saw_again}, errors: {error}");
        return u8::from(!saw_again || error);
    }
    u8::from(saw_again) | (u8::from(error) << 1)
}

fn fdbomb() -> u8 {
    let m = "fdbomb";
    let mut ok = true;
    let path = "/tmp/hostile-fdbomb";
    if let Err(e) = fs::write(path, b"x") {
        eprintln!("{m}: create {path}: {e}");
        return 1;
    }
    // Files until MFILE.
    let mut files = Vec::new();
    let err = loop {
        match fs::File::open(path) {
            Ok(f) => files.push(f),
            Err(e) => break e.raw_os_error().unwrap_or(-1),
        }
        if files.len() > 100_000 {
            break -1;
        }
    };
    let opened = files.len();
    ok &= expect(m, "path_open until MFILE", err == 33 || err == 41, err);
    // Make room for dups, then dup until MFILE.
    files.truncate(opened.saturating_sub(64));
    let mut dups = Vec::new();
    let err = loop {
        match w::dup(1) {
            Ok(fd) => dups.push(fd),
            Err(e) => break e,
        }
        if dups.len() > 100_000 {
            break 0;
        }
    };
    ok &= expect(
        m,
        "fd_dup until MFILE",
        err == errno::MFILE || err == 41,
        show(err),
    );
    for fd in dups.drain(..) {
        ok &= expect(m, "close dup", w::close(fd).is_ok(), fd);
    }
    files.clear();
    // Pipes until MFILE; each gets one byte so its buffer is really allocated.
    let mut pipes = Vec::new();
    let err = loop {
        match w::pipe() {
            Ok((r, wr)) => {
                if w::write(wr, b"p") != Ok(1) {
                    break 1;
                }
                pipes.push((r, wr));
            }
            Err(e) => break e,
        }
        if pipes.len() > 100_000 {
            break 0;
        }
    };
    ok &= expect(
        m,
        "fd_pipe until MFILE",
        err == errno::MFILE || err == 41,
        show(err),
    );
    let npipes = pipes.len();
    for (r, wr) in pipes.drain(..) {
        let mut b = [0u8; 2];
        ok &= expect(
            m,
            "pipe byte back",
            w::read(r, &mut b) == Ok(1) && b[0] == b'p',
            r,
        );
        ok &= expect(
            m,
            "close pipe",
            w::close(r).is_ok() && w::close(wr).is_ok(),
            wr,
        );
    }
    // Still works: a file round trip, a pipe round trip, a child.
    let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7) as u8).collect();
    let file_ok = fs::write(path, &data).is_ok() && fs::read(path).is_ok_and(|d| d == data);
    ok &= expect(m, "file round trip after the bomb", file_ok, "mismatch");
    let pipe_ok = w::pipe().is_ok_and(|(r, wr)| {
        let sent = w::write_all(wr, b"still alive").is_ok();
        let _ = w::close(wr);
        let got = w::read_to_end(r);
        let _ = w::close(r);
        sent && got.as_deref() == Ok(b"still alive".as_slice())
    });
    ok &= expect(m, "pipe round trip after the bomb", pipe_ok, "mismatch");
    let _ = fs::remove_file(path);
    println!(
        "fdbomb: {opened} files, then MFILE; dups to MFILE; {npipes} pipes, then MFILE; still works: {ok}"
    );
    u8::from(!ok)
}

fn pipefill() -> u8 {
    let m = "pipefill";
    let mut ok = true;
    let Ok((r, wr)) = w::pipe() else {
        eprintln!("{m}: fd_pipe failed");
        return 1;
    };
    ok &= expect(
        m,
        "NONBLOCK on write end",
        set_nonblock(wr, true).is_ok(),
        "",
    );
    let chunk: Vec<u8> = (0..4096u32).map(|i| (i % 251) as u8).collect();
    let mut total = 0usize;
    let err = loop {
        match w::write(wr, &chunk) {
            Ok(n) => total += n,
            Err(e) => break e,
        }
        if total > 16 << 20 {
            break 0;
        }
    };
    ok &= expect(
        m,
        "non-blocking write to a full pipe: AGAIN",
        err == errno::AGAIN,
        show(err),
    );
    ok &= expect(m, "capacity 64 KiB", total == 65536, total);
    // A one-byte non-blocking write is AGAIN too.
    ok &= expect(
        m,
        "1-byte write: AGAIN",
        w::write(wr, b"z") == Err(errno::AGAIN),
        "",
    );
    // A blocking writer child: blocks, then dies by SIGKILL.
    ok &= expect(m, "clear NONBLOCK", set_nonblock(wr, false).is_ok(), "");
    let spawned = w::spawn2(
        SELF,
        &["hostile", "pipefill-writer"],
        &[fd_op_dup2(wr, 1), fd_op_close(r)],
        &[],
        false,
        "",
    );
    let Ok(pid) = spawned else {
        eprintln!("{m}: spawn writer: {:?}", spawned.err().map(show));
        return 1;
    };
    let _ = w::sleep_ms(300);
    let polled = w::join(Some(pid), w::JOIN_NON_BLOCKING);
    ok &= expect(
        m,
        "writer still blocked after 300 ms",
        matches!(polled, Ok((_, Status::Nothing))),
        format_args!("{polled:?}"),
    );
    ok &= expect(
        m,
        "SIGKILL the blocked writer",
        w::signal(pid, sig::KILL).is_ok(),
        "",
    );
    let st = w::join(Some(pid), 0);
    ok &= expect(
        m,
        "blocked writer -> EXIT_SIGNAL 9",
        matches!(st, Ok((_, Status::Signal { sig: sig::KILL, .. }))),
        format_args!("{st:?}"),
    );
    // The pipe still holds exactly what we wrote.
    let _ = w::close(wr);
    let got = w::read_to_end(r).unwrap_or_default();
    let _ = w::close(r);
    let intact = got.len() == 65536 && got.chunks(4096).all(|c| c == chunk.as_slice());
    ok &= expect(m, "pipe contents intact", intact, got.len());
    println!(
        "pipefill: AGAIN after {total} bytes; blocked writer killed; contents intact: {intact}"
    );
    u8::from(!ok)
}

fn pipefill_writer() -> u8 {
    // Blocks: the pipe is full and nobody reads.
    let _ = w::write(1, b"!");
    0
}

fn killwriter() -> u8 {
    let m = "killwriter";
    let mut ok = true;
    let Ok((r, wr)) = w::pipe() else {
        eprintln!("{m}: fd_pipe failed");
        return 1;
    };
    let spawned = w::spawn2(
        SELF,
        &["hostile", "killwriter-writer"],
        &[fd_op_dup2(wr, 1), fd_op_close(r)],
        &[],
        false,
        "",
    );
    let _ = w::close(wr);
    let Ok(pid) = spawned else {
        eprintln!("{m}: spawn writer failed");
        return 1;
    };
    let mut expected = Stream::new(u64::MAX);
    let mut want = vec![0u8; 8192];
    let mut buf = vec![0u8; 8192];
    let mut total = 0usize;
    let mut before_kill = 0usize;
    let mut killed = false;
    let mut corrupt = false;
    let mut eof = false;
    loop {
        let n = match w::read(r, &mut buf) {
            Ok(0) => {
                eof = true;
                break;
            }
            Ok(n) => n,
            Err(e) => {
                eprintln!("{m}: read: {}", show(e));
                corrupt = true;
                break;
            }
        };
        expected.fill(&mut want[..n]);
        if buf[..n] != want[..n] {
            corrupt = true;
        }
        total += n;
        if !killed && total >= 200 * 1024 {
            killed = w::signal(pid, sig::KILL).is_ok();
            before_kill = total;
        }
    }
    let _ = w::close(r);
    let st = w::join(Some(pid), 0);
    ok &= expect(m, "writer killed", killed, "");
    ok &= expect(m, "no corruption", !corrupt, total);
    // Once killed the writer writes nothing more: what still arrives is what the pipe held
    // (at most its 64 KiB) plus at most one of the writer's 100,000-byte writes in flight.
    let after_kill = total - before_kill;
    ok &= expect(
        m,
        "EOF after the kill, at most a pipe and a write later",
        eof && after_kill <= 65_536 + 100_000,
        after_kill,
    );
    ok &= expect(
        m,
        "writer -> EXIT_SIGNAL 9",
        matches!(st, Ok((_, Status::Signal { sig: sig::KILL, .. }))),
        format_args!("{st:?}"),
    );
    println!(
        "killwriter: {before_kill} bytes before the kill, {total} in all, then EOF; corrupt: {corrupt}"
    );
    u8::from(!ok)
}

fn killwriter_writer() -> u8 {
    let mut s = Stream::new(u64::MAX);
    let mut buf = vec![0u8; 100_000];
    loop {
        s.fill(&mut buf);
        if w::write_all(1, &buf).is_err() {
            return 1;
        }
    }
}

/// `fd_write(1, iovs, count)` with every argument raw.
fn bigrandom() -> u8 {
    const LEN: usize = 40 << 20;
    let mut buf = vec![0u8; LEN];
    let t0 = now_ms();
    // SAFETY: the buffer is this program's own, LEN bytes long.
    let e = unsafe { p1::random_get(buf.as_mut_ptr() as i32, LEN as i32) };
    let ms = now_ms() - t0;
    let tail = u64::from_le_bytes(buf[LEN - 8..].try_into().unwrap_or_default());
    println!("bigrandom: {} MiB in {ms} ms", LEN >> 20);
    let ok = expect("bigrandom", "random_get", e == 0, e)
        & expect("bigrandom", "filled to the end", tail != 0, tail);
    u8::from(!ok)
}

fn bigfile() -> u8 {
    use std::os::fd::AsRawFd;
    const LEN: usize = 16 << 20;
    const PATH: &str = "/tmp/hostile-bigfile";
    let m = "bigfile";
    // A pattern that differs at every 4-byte word, so a piece written twice or skipped
    // shows.
    let data: Vec<u8> = (0..LEN / 4)
        .flat_map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes())
        .collect();
    let file = match fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(PATH)
    {
        Ok(f) => f,
        Err(e) => {
            println!("FAIL {m}: open {PATH}: {e}");
            return 1;
        }
    };
    let fd = file.as_raw_fd();
    let mut n: u32 = 0;
    let iov = [data.as_ptr() as u32, LEN as u32];
    let t0 = now_ms();
    // SAFETY: one iovec over `data`, LEN bytes; `n` is writable.
    let e = unsafe { p1::fd_write(fd, iov.as_ptr() as i32, 1, &raw mut n as i32) };
    let write_ms = now_ms() - t0;
    let mut ok = expect(
        m,
        "16 MiB fd_write in one call",
        e == 0 && n as usize == LEN,
        n,
    );
    let mut back = vec![0u8; LEN];
    let iov = [back.as_mut_ptr() as u32, LEN as u32];
    let mut got: u32 = 0;
    let t0 = now_ms();
    // SAFETY: one iovec over `back`, LEN bytes; `got` is writable.
    let e = unsafe { p1::fd_pread(fd, iov.as_ptr() as i32, 1, 0, &raw mut got as i32) };
    let read_ms = now_ms() - t0;
    ok &= expect(
        m,
        "16 MiB fd_pread in one call",
        e == 0 && got as usize == LEN,
        got,
    );
    ok &= expect(
        m,
        "read back what was written",
        back == data,
        "bytes differ",
    );
    drop(file);
    let _ = fs::remove_file(PATH);
    println!("bigfile: 16 MiB written in {write_ms} ms, read in {read_ms} ms");
    u8::from(!ok)
}

/// `stackhold`'s child, built with wat2wasm from:
///
/// ```wat
/// (module
///   (import "wasix_32v1" "thread_sleep" (func $sleep (param i64) (result i32)))
///   (memory (export "memory") 1)
///   (func $f (param i32) (local i64 ... 1000 of them ...)
///     (local.get 0)
///     (if (then (call $f (i32.sub (local.get 0) (i32.const 1))))
///         (else (drop (call $sleep (i64.const 4000000000))))))
///   (func (export "_start") (call $f (i32.const 110))))
/// ```
const STACKHOLD_WASM: &[u8] = &[
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0d, 0x03, 0x60, 0x01, 0x7e, 0x01, 0x7f,
    0x60, 0x01, 0x7f, 0x00, 0x60, 0x00, 0x00, 0x02, 0x1b, 0x01, 0x0a, 0x77, 0x61, 0x73, 0x69, 0x78,
    0x5f, 0x33, 0x32, 0x76, 0x31, 0x0c, 0x74, 0x68, 0x72, 0x65, 0x61, 0x64, 0x5f, 0x73, 0x6c, 0x65,
    0x65, 0x70, 0x00, 0x00, 0x03, 0x03, 0x02, 0x01, 0x02, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x13,
    0x02, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x06, 0x5f, 0x73, 0x74, 0x61, 0x72,
    0x74, 0x00, 0x02, 0x0a, 0x25, 0x02, 0x1b, 0x01, 0xe8, 0x07, 0x7e, 0x20, 0x00, 0x04, 0x40, 0x20,
    0x00, 0x41, 0x01, 0x6b, 0x10, 0x01, 0x05, 0x42, 0x80, 0xd0, 0xac, 0xf3, 0x0e, 0x10, 0x00, 0x1a,
    0x0b, 0x0b, 0x07, 0x00, 0x41, 0xee, 0x00, 0x10, 0x01, 0x0b,
];

fn stackhold() -> u8 {
    const PATH: &str = "/tmp/hostile-stackhold.wasm";
    const MAX: usize = 300;
    let m = "stackhold";
    if let Err(e) = fs::write(PATH, STACKHOLD_WASM) {
        println!("FAIL {m}: write {PATH}: {e}");
        return 1;
    }
    let mut kids = Vec::new();
    let mut refused = None;
    while kids.len() < MAX {
        // The children's stderr is dropped: a trap message there is an expected outcome.
        match Spawn::new(PATH, &["stackhold"])
            .stdio(stdio::NULL, stdio::NULL, stdio::NULL)
            .run()
        {
            Ok(h) => kids.push(h.pid),
            Err(e @ (errno::AGAIN | errno::NOMEM)) => {
                refused = Some(e);
                break;
            }
            Err(e) => {
                println!("FAIL {m}: proc_spawn2: {}", show(e));
                return 1;
            }
        }
    }
    let (mut slept, mut trapped, mut other) = (0, 0, 0);
    for pid in &kids {
        match w::join(Some(*pid), 0) {
            Ok((_, Status::Exit(0))) => slept += 1,
            Ok((_, Status::Signal { sig: sig::ABRT, .. })) => trapped += 1,
            Ok((_, s)) => {
                eprintln!("{m}: child {pid}: {s}");
                other += 1;
            }
            Err(e) => {
                eprintln!("{m}: join {pid}: {}", show(e));
                other += 1;
            }
        }
    }
    let _ = fs::remove_file(PATH);
    println!(
        "stackhold: {} children, then {}; {slept} slept to the end, {trapped} trapped (ABRT)",
        kids.len(),
        refused.map_or(String::from("no refusal"), show)
    );
    let ok = expect(m, "at least 100 children", kids.len() >= 100, kids.len())
        & expect(m, "every child slept or trapped cleanly", other == 0, other);
    u8::from(!ok)
}

fn raw_write(iovs: u32, count: u32, out: u32) -> i32 {
    // SAFETY: the kernel must validate every pointer; we dereference nothing.
    unsafe { p1::fd_write(1, iovs as i32, count as i32, out as i32) }
}

fn bigwrite() -> u8 {
    let m = "bigwrite";
    let mut ok = true;
    let mem = (core::arch::wasm32::memory_size(0) * 65536) as u32;
    let mut out: u32 = 0;
    let outp = &raw mut out as u32;
    let mut iovs: Vec<[u32; 2]> = vec![[0, 0]; 1025];
    let table = iovs.as_ptr() as u32;
    let cases: &[(&str, u32, u32, i32)] = &[
        ("1025 iovecs", table, 1025, 28),
        ("u32::MAX iovecs", table, u32::MAX, 28),
        ("2^31 iovecs", table, 1 << 31, 28),
        ("iovec table past the end", mem - 4, 1, 21),
        ("iovec table at u32::MAX", u32::MAX, 1, 21),
    ];
    for &(what, p, n, want) in cases {
        let got = raw_write(p, n, outp);
        ok &= expect(m, what, got == want, got);
    }
    let bad_bufs: &[(&str, u32, u32)] = &[
        ("buffer ptr = mem - 2, len = u32::MAX", mem - 2, u32::MAX),
        ("buffer ptr = u32::MAX, len = 2", u32::MAX, 2),
        ("buffer len = mem + 1", 0, mem + 1),
    ];
    for &(what, p, len) in bad_bufs {
        iovs[0] = [p, len];
        let got = raw_write(table, 1, outp);
        ok &= expect(m, what, got == 21, got);
        // The same bad buffer as the last of 1024.
        iovs[..1023].fill([0, 0]);
        iovs[1023] = [p, len];
        let got = raw_write(table, 1024, outp);
        ok &= expect(m, &format!("{what} as iovec 1023"), got == 21, got);
        iovs[1023] = [0, 0];
    }
    iovs[..1024].fill([0, 0]);
    let got = raw_write(table, 1024, outp);
    ok &= expect(m, "1024 empty iovecs -> 0 bytes", got == 0 && out == 0, got);
    // 1024 iovecs each covering all of memory: GiBs in one call.
    iovs[..1024].fill([0, mem]);
    let mut moved = 0u64;
    for _ in 0..3 {
        out = u32::MAX;
        let got = raw_write(table, 1024, outp);
        ok &= expect(
            m,
            "1024 x whole memory: success",
            got == 0 && out > 0,
            format_args!("errno {got}, n {out}"),
        );
        moved += u64::from(out);
    }
    println!(
        "bigwrite: bad counts INVAL, bad buffers FAULT; 3 x 1024 x {} KiB writes moved {} MiB",
        mem >> 10,
        moved >> 20
    );
    u8::from(!ok)
}

fn watchdog() -> u8 {
    let mut n: u64 = 0;
    loop {
        let _ = w::sleep_ms(100);
        n += 1;
        let line = format!("hb {n} {}\n", now_ms());
        if w::write_all(1, line.as_bytes()).is_err() {
            return 0;
        }
    }
}

// ---- the driver ------------------------------------------------------------------------

/// Heartbeats read from the watchdog's pipe: (count, watchdog ms) of each.
struct Heartbeats {
    fd: Fd,
    partial: Vec<u8>,
    beats: Vec<(u64, u64)>,
}

impl Heartbeats {
    fn drain(&mut self) {
        let mut buf = [0u8; 512];
        while let Ok(n @ 1..) = w::read(self.fd, &mut buf) {
            self.partial.extend_from_slice(&buf[..n]);
        }
        while let Some(nl) = self.partial.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=nl).collect();
            let text = String::from_utf8_lossy(&line);
            let mut f = text.split_whitespace().skip(1).map(|v| v.parse::<u64>());
            if let (Some(Ok(n)), Some(Ok(t))) = (f.next(), f.next()) {
                self.beats.push((n, t));
            }
        }
    }
}

struct Case {
    mode: &'static str,
    /// The program run (this one, or a module the driver wrote).
    program: &'static str,
    args: &'static [&'static str],
    /// Kill it with SIGKILL after this long.
    bound_ms: u64,
    stdout: u8,
    want: Status,
}

fn driver(cap_mib: Option<u64>) -> ExitCode {
    let Ok((hr, hw)) = w::pipe() else {
        println!("FAIL watchdog: fd_pipe");
        return ExitCode::FAILURE;
    };
    let dog = w::spawn2(
        SELF,
        &["hostile", "watchdog"],
        &[fd_op_dup2(hw, 1), fd_op_close(hr)],
        &[],
        false,
        "",
    );
    let _ = w::close(hw);
    let Ok(dog) = dog else {
        println!("FAIL watchdog: spawn");
        return ExitCode::FAILURE;
    };
    let _ = set_nonblock(hr, true);
    let mut hb = Heartbeats {
        fd: hr,
        partial: Vec::new(),
        beats: Vec::new(),
    };
    // Wait for the first heartbeat.
    let t0 = now_ms();
    while hb.beats.is_empty() && now_ms() - t0 < 10_000 {
        let _ = w::sleep_ms(20);
        hb.drain();
    }
    let exit = |code| Status::Exit(code);
    let killed = Status::Signal {
        sig: sig::KILL,
        code: 0,
    };
    let cases = [
        Case {
            mode: "loop",
            program: SELF,
            args: &["loop"],
            bound_ms: 1000,
            stdout: stdio::INHERIT,
            want: killed,
        },
        Case {
            mode: "fillloop",
            program: SELF,
            args: &["fillloop"],
            bound_ms: 1000,
            stdout: stdio::INHERIT,
            want: killed,
        },
        Case {
            mode: "recurse",
            program: SELF,
            args: &["recurse"],
            bound_ms: 30_000,
            stdout: stdio::INHERIT,
            want: Status::Signal {
                sig: sig::ABRT,
                code: 0,
            },
        },
        Case {
            mode: "membomb",
            program: SELF,
            args: &["membomb"],
            bound_ms: 40_000,
            stdout: stdio::PIPED,
            want: exit(0),
        },
        Case {
            mode: "spawnbomb",
            program: SELF,
            args: &["spawnbomb"],
            bound_ms: 40_000,
            stdout: stdio::INHERIT,
            want: exit(0),
        },
        Case {
            mode: "fdbomb",
            program: SELF,
            args: &["fdbomb"],
            bound_ms: 30_000,
            stdout: stdio::INHERIT,
            want: exit(0),
        },
        Case {
            mode: "pipefill",
            program: SELF,
            args: &["pipefill"],
            bound_ms: 20_000,
            stdout: stdio::INHERIT,
            want: exit(0),
        },
        Case {
            mode: "killwriter",
            program: SELF,
            args: &["killwriter"],
            bound_ms: 30_000,
            stdout: stdio::INHERIT,
            want: exit(0),
        },
        Case {
            mode: "bigwrite",
            program: SELF,
            args: &["bigwrite"],
            bound_ms: 30_000,
            stdout: stdio::NULL,
            want: exit(0),
        },
        Case {
            mode: "bigrandom",
            program: SELF,
            args: &["bigrandom"],
            bound_ms: 60_000,
            stdout: stdio::INHERIT,
            want: exit(0),
        },
        Case {
            mode: "bigfile",
            program: SELF,
            args: &["bigfile"],
            bound_ms: 60_000,
            stdout: stdio::INHERIT,
            want: exit(0),
        },
        Case {
            mode: "stackhold",
            program: SELF,
            args: &["stackhold"],
            bound_ms: 60_000,
            stdout: stdio::INHERIT,
            want: exit(0),
        },
        Case {
            mode: "handlerlong",
            program: SELF,
            args: &["handlerlong"],
            bound_ms: 30_000,
            stdout: stdio::INHERIT,
            want: exit(0),
        },
        Case {
            mode: "handlerloop",
            program: SELF,
            args: &["handlerloop"],
            bound_ms: 1000,
            stdout: stdio::INHERIT,
            want: killed,
        },
        Case {
            mode: "startloop",
            program: START_LOOP,
            args: &[],
            bound_ms: 1000,
            stdout: stdio::INHERIT,
            want: killed,
        },
        Case {
            mode: "startfill",
            program: START_FILL,
            args: &[],
            bound_ms: 1000,
            stdout: stdio::INHERIT,
            want: killed,
        },
    ];
    for (path, fill) in [(START_LOOP, false), (START_FILL, true)] {
        if let Err(e) = fs::write(path, start_section_module(fill)) {
            println!("FAIL write {path}: {e}");
            return ExitCode::FAILURE;
        }
    }
    let (mut passed, mut failed) = (0, 0);
    for case in &cases {
        let mut argv = vec![if case.program == SELF {
            "hostile"
        } else {
            case.program
        }];
        argv.extend_from_slice(case.args);
        let spawn_start = now_ms();
        let spawned = Spawn::new(case.program, &argv)
            .stdio(stdio::NULL, case.stdout, stdio::INHERIT)
            .run();
        let spawn_ms = now_ms() - spawn_start;
        let h = match spawned {
            Ok(h) => h,
            Err(e) => {
                println!("FAIL {}: spawn: {}", case.mode, show(e));
                failed += 1;
                continue;
            }
        };
        hb.drain();
        let beats_before = hb.beats.len();
        let start = now_ms();
        let mut we_killed = false;
        let mut output = Vec::new();
        if let Some(fd) = h.stdout {
            let _ = set_nonblock(fd, true);
        }
        let status = loop {
            if let Some(fd) = h.stdout {
                let mut buf = [0u8; 512];
                while let Ok(n @ 1..) = w::read(fd, &mut buf) {
                    output.extend_from_slice(&buf[..n]);
                }
            }
            match w::join(Some(h.pid), w::JOIN_NON_BLOCKING) {
                Ok((_, Status::Nothing)) => {}
                Ok((_, s)) => break Ok(s),
                Err(e) => break Err(e),
            }
            hb.drain();
            if !we_killed && now_ms() - start > case.bound_ms {
                let _ = w::signal(h.pid, sig::KILL);
                we_killed = true;
            }
            let _ = w::sleep_ms(20);
        };
        let elapsed = now_ms() - start;
        if let Some(fd) = h.stdout {
            let _ = set_nonblock(fd, false);
            if let Ok(rest) = w::read_to_end(fd) {
                output.extend_from_slice(&rest);
            }
            let _ = w::close(fd);
            print!("{}", String::from_utf8_lossy(&output));
        }
        // Wait for the watchdog's next beat after the case (it beats every 100 ms; a case
        // may be over in less, and a loaded host stretches the interval), up to the 3 s
        // that count as starvation, then judge the heartbeats.
        let settle = now_ms();
        loop {
            let _ = w::sleep_ms(50);
            hb.drain();
            if hb.beats.len() > beats_before || now_ms() - settle > 3000 {
                break;
            }
        }
        let during = &hb.beats[beats_before.saturating_sub(1)..];
        let max_gap = during
            .windows(2)
            .map(|p| p[1].1.saturating_sub(p[0].1))
            .max()
            .unwrap_or(u64::MAX);
        let count = during.len().saturating_sub(1);
        let mut problems = Vec::new();
        match status {
            Ok(s) if same_status(s, case.want) => {}
            Ok(s) => problems.push(format!("status {s}, want {}", case.want)),
            Err(e) => problems.push(format!("join {}", show(e))),
        }
        if we_killed && case.want != killed {
            problems.push(format!("did not end within {} ms", case.bound_ms));
        }
        if case.want == killed && !we_killed {
            problems.push("ended by itself".to_string());
        }
        // A start section runs in the child's own slices: the spawn returns at once (it
        // ran for the whole 2 s runaway bound when it ran inside the spawn).
        if case.program != SELF && spawn_ms > 500 {
            problems.push(format!("the spawn took {spawn_ms} ms"));
        }
        if count == 0 || max_gap > 3000 {
            problems.push(format!(
                "watchdog starved: {count} heartbeats, max gap {max_gap} ms"
            ));
        }
        if case.mode == "membomb"
            && let Some(cap) = cap_mib
        {
            let text = String::from_utf8_lossy(&output);
            let mib = text
                .split_whitespace()
                .skip_while(|w| *w != "at")
                .nth(1)
                .and_then(|v| v.parse::<u64>().ok());
            if !mib.is_some_and(|m| m + 1 >= cap && m <= cap) {
                problems.push(format!("grow stopped at {mib:?} MiB, cap {cap} MiB"));
            }
        }
        let how = match status {
            Ok(s) => format!("{s}{}", if we_killed { " (killed by us)" } else { "" }),
            Err(_) => "?".to_string(),
        };
        if problems.is_empty() {
            passed += 1;
            println!(
                "ok {}: {how} after {elapsed} ms; watchdog {count} heartbeats, max gap {max_gap} ms; \
                 spawn {spawn_ms} ms",
                case.mode
            );
        } else {
            failed += 1;
            println!("FAIL {}: {}", case.mode, problems.join("; "));
        }
    }
    // Stop the watchdog.
    let _ = w::signal(dog, sig::KILL);
    let st = w::join(Some(dog), 0);
    hb.drain();
    let _ = w::close(hr);
    if !matches!(st, Ok((_, Status::Signal { sig: sig::KILL, .. }))) {
        println!("FAIL watchdog: {st:?}");
        failed += 1;
    }
    println!(
        "hostile: {passed} passed, {failed} failed; watchdog {} heartbeats in all",
        hb.beats.len()
    );
    let _ = std::io::stdout().flush();
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Where the driver writes its start-section modules.
const START_LOOP: &str = "/tmp/hostile-startloop.wasm";
const START_FILL: &str = "/tmp/hostile-startfill.wasm";

/// A module whose start section never ends: an empty loop, or (`fill`) a loop of 16 MiB
/// `memory.fill`s (its time spent in the kernel's memset); `_start` is empty.
fn start_section_module(fill: bool) -> Vec<u8> {
    fn section(id: u8, body: &[u8], out: &mut Vec<u8>) {
        out.push(id);
        out.push(body.len() as u8);
        out.extend_from_slice(body);
    }
    let mut m = b"\0asm\x01\0\0\0".to_vec();
    section(1, &[1, 0x60, 0, 0], &mut m);
    section(3, &[2, 0, 0], &mut m);
    if fill {
        // One memory of 256 pages (16 MiB).
        section(5, &[1, 0, 0x80, 0x02], &mut m);
    }
    section(7, &[1, 6, b'_', b's', b't', b'a', b'r', b't', 0, 1], &mut m);
    // start: function 0.
    section(8, &[0], &mut m);
    let mut body = vec![0, 0x03, 0x40];
    if fill {
        // memory.fill(0, 7, 16 MiB)
        body.extend_from_slice(&[
            0x41, 0, 0x41, 7, 0x41, 0x80, 0x80, 0x80, 0x08, 0xfc, 0x0b, 0,
        ]);
    }
    body.extend_from_slice(&[0x0c, 0, 0x0b, 0x0b]);
    let mut code = vec![2, body.len() as u8];
    code.extend_from_slice(&body);
    code.extend_from_slice(&[2, 0, 0x0b]);
    section(10, &code, &mut m);
    m
}

/// Statuses equal up to the exit code reported with a signal.
fn same_status(a: Status, b: Status) -> bool {
    match (a, b) {
        (Status::Signal { sig: x, .. }, Status::Signal { sig: y, .. }) => x == y,
        _ => a == b,
    }
}

// ---- kernel limits on what arguments make the kernel allocate ---------------------------

/// The kernel heap's free KiB (`/proc/meminfo`'s MemFree).
fn mem_free_kib() -> Option<i64> {
    let info = fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemFree:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// This process's linear memory in KiB.
fn memory_kib() -> i64 {
    (core::arch::wasm32::memory_size(0) * 64) as i64
}

/// How much the kernel heap may be below where it was after a case (allocator noise,
/// descriptor tables grown): far below what any of the cases would leak unfixed.
const HEAP_SLACK_KIB: i64 = 1024;

/// A module with a function that adds to a local `adds` times, starting from `seed` (so
/// each is different; it is compiled, never called), an empty `_start`, and an import of
/// `env::nope` when `import`.
fn generated_module(seed: u32, adds: usize, import: bool) -> Vec<u8> {
    fn leb(mut v: u32, out: &mut Vec<u8>) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }
    fn section(id: u8, body: &[u8], out: &mut Vec<u8>) {
        out.push(id);
        leb(body.len() as u32, out);
        out.extend_from_slice(body);
    }
    let mut m = b"\0asm\x01\0\0\0".to_vec();
    section(1, &[1, 0x60, 0, 0], &mut m);
    if import {
        section(
            2,
            &[1, 3, b'e', b'n', b'v', 4, b'n', b'o', b'p', b'e', 0, 0],
            &mut m,
        );
    }
    section(3, &[2, 0, 0], &mut m);
    let start = if import { 2 } else { 1 };
    section(
        7,
        &[1, 6, b'_', b's', b't', b'a', b'r', b't', 0, start],
        &mut m,
    );
    // One local i32: local = seed; then `local = local + 1` `adds` times.
    let mut body = vec![1, 1, 0x7f, 0x41];
    leb(seed & 0x3f_ffff, &mut body);
    body.extend_from_slice(&[0x21, 0]);
    for _ in 0..adds {
        body.extend_from_slice(&[0x20, 0, 0x41, 1, 0x6a, 0x21, 0]);
    }
    body.push(0x0b);
    let mut code = vec![2];
    leb(body.len() as u32, &mut code);
    code.extend_from_slice(&body);
    code.extend_from_slice(&[2, 0, 0x0b]);
    section(10, &code, &mut m);
    m
}

fn spawn_errno(name: &str, ops: &[w::ProcSpawnFdOp]) -> Result<Pid, Errno> {
    w::spawn2(name, &[name], ops, &[], false, "")
}

fn limits(n: usize) -> ExitCode {
    let mut passed = 0;
    let mut failed = 0;
    let mut report = |case: &str, ok: bool, detail: String| {
        if ok {
            passed += 1;
            println!("ok {case}: {detail}");
        } else {
            failed += 1;
            println!("FAIL {case}: {detail}");
        }
    };
    if mem_free_kib().is_none() {
        println!("FAIL limits: no /proc/meminfo (boot with proc=on)");
        return ExitCode::FAILURE;
    }
    // Grow our own memory once to what the cases need: wasmi grows a memory's buffer with
    // spare capacity, which the figures below could not tell from kernel allocations.
    drop(std::hint::black_box(vec![1u8; 40 << 20]));
    // The programs the cases spawn are cached (and their memory kept) from here on.
    for name in ["/bin/true", SELF] {
        let _ = w::spawn2(name, &[name, "true"], &[], &[], false, "")
            .and_then(|pid| w::join(Some(pid), 0));
    }
    // Each case: its outcome, then the kernel heap against the baseline taken before it,
    // less what this process's own linear memory (which lives in that heap and never
    // shrinks) grew meanwhile.
    let heap = |(before, mem_before): (i64, i64)| {
        let after = mem_free_kib().unwrap_or(0);
        let grown = memory_kib() - mem_before;
        let kernel = before - after - grown;
        (
            kernel <= HEAP_SLACK_KIB,
            format!("kernel heap {before} -> {after} KiB free, {grown} KiB of it our memory"),
        )
    };
    let baseline = || (mem_free_kib().unwrap_or(0), memory_kib());

    // spawnpath: one 256 KiB path named by 1024 CHDIR actions.
    let before = baseline();
    let huge = vec![b'a'; 256 << 10];
    let ops: Vec<_> = (0..1024).map(|_| w::fd_op_chdir(&huge)).collect();
    let r1 = spawn_errno("/bin/true", &ops);
    let long = vec![b'a'; 4000];
    let ops: Vec<_> = (0..1024).map(|_| w::fd_op_chdir(&long)).collect();
    let r2 = spawn_errno("/bin/true", &ops);
    drop((huge, long, ops));
    let (heap_ok, heap_msg) = heap(before);
    report(
        "spawnpath",
        r1 == Err(errno::NAMETOOLONG) && r2 == Err(errno::TOOBIG) && heap_ok,
        format!(
            "1024 x 256 KiB path: {}, 1024 x 4000 bytes: {}, {heap_msg}",
            r1.map_or_else(show, |p| format!("pid {p}")),
            r2.map_or_else(show, |p| format!("pid {p}"))
        ),
    );

    // execargs: 16 MiB of one-byte arguments, to proc_exec3 here and proc_exec in a child.
    let before = baseline();
    let args = b"a\n".repeat(8 << 20);
    let e3 = w::exec3_list("/bin/true", &args);
    drop(args);
    let child = w::spawn2(SELF, &["hostile", "execargs-child"], &[], &[], false, "")
        .and_then(|pid| w::join(Some(pid), 0));
    let (heap_ok, heap_msg) = heap(before);
    let child_ok = matches!(child, Ok((_, Status::Exit(c))) if c == errno::TOOBIG);
    report(
        "execargs",
        e3 == errno::TOOBIG && child_ok && heap_ok,
        format!(
            "proc_exec3: {}, proc_exec in a child: {}, {heap_msg}",
            show(e3),
            match child {
                Ok((_, st)) => format!("{st:?}"),
                Err(e) => show(e),
            }
        ),
    );

    // refused: N spawns of a module with an unknown import (refused before it is
    // compiled), then N freshly written modules (100 file names in turn, so the module
    // cache also evicts), each compiled, run and joined: every compiled program must be
    // freed once the cache lets it go.
    let before = baseline();
    let module = generated_module(0, 2000, true);
    let written = fs::write("/tmp/refused.wasm", &module).is_ok();
    let mut wrong = 0;
    for _ in 0..n {
        if spawn_errno("/tmp/refused.wasm", &[]) != Err(errno::NOEXEC) {
            wrong += 1;
        }
    }
    let _ = fs::remove_file("/tmp/refused.wasm");
    let after_imports = mem_free_kib().unwrap_or(0);
    let mut wrong_compiled = 0;
    for i in 0..n {
        let path = format!("/tmp/r{}.wasm", i % 100);
        let _ = fs::write(&path, generated_module(i as u32, 2000, false));
        let ran = spawn_errno(&path, &[]).and_then(|pid| w::join(Some(pid), 0));
        if !matches!(ran, Ok((_, Status::Exit(0)))) {
            wrong_compiled += 1;
        }
    }
    for i in 0..100.min(n) {
        let _ = fs::remove_file(format!("/tmp/r{i}.wasm"));
    }
    // The next load drops cache entries whose file is gone.
    let _ = spawn_errno("/bin/true", &[]).and_then(|pid| w::join(Some(pid), 0));
    let (heap_ok, heap_msg) = heap(before);
    report(
        "refused",
        written && wrong == 0 && wrong_compiled == 0 && heap_ok,
        format!(
            "{n} spawns of a module importing env::nope: {wrong} not NOEXEC (heap {} -> \
             {after_imports} KiB free); {n} rewritten modules compiled and run: \
             {wrong_compiled} failed; {heap_msg}",
            before.0
        ),
    );
    println!("limits: {passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `proc_exec` of a 16 MiB list of one-byte arguments: must end this process with 2BIG
/// as its exit code (the call has no result to return it in).
fn execargs_child() -> u8 {
    let args = b"a\n".repeat(8 << 20);
    w::exec1_list("/bin/true", &args)
}
