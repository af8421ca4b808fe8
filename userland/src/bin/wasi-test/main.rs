//! `wasi-test CASE [ARGS]...`: a test driver exercising the WASI preview1 surface.
//!
//! Every case prints deterministic, line-oriented results — properties such as
//! `random: 32 bytes, not all zero: ok`, never raw times or random values — so the
//! kernel's output can be compared byte-for-byte with a reference runtime's. Errors are
//! printed as `error: <io::ErrorKind> (<WASI errno>)`.
//!
//! Cases:
//! - `args`, `env`: the argument vector and the sorted environment.
//! - `files DIR`, `dirs DIR`, `symlinks DIR`: file-system operations inside `DIR`
//!   (which should be empty; the case removes what it creates).
//! - `clock`, `random`, `sleep`: ok/FAIL property checks; any FAIL exits 1.
//! - `stdin`: byte count and FNV-1a checksum of all of stdin.
//! - `exit N`: exits with status N.
//! - `trap KIND`: ends in a wasm trap. KIND is `unreachable`, `oob` (load far past the
//!   end of memory), `stack` (unbounded recursion), `panic` (Rust panic, message on
//!   stderr, then abort = `unreachable`) or `div0`. Rust checks integer division, so
//!   `div0` here is a panic (`attempt to divide by zero`) that aborts like `panic`; the
//!   genuine `i32.div_s` trap lives in the C guest (`ctest div0`).

#![feature(wasi_ext)]

use std::fmt::Debug;
use std::fs::{self, File, OpenOptions};
use std::hint::black_box;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::wasi::fs::{FileExt, symlink_path};
use std::path::Path;
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use userland::{describe, fnv1a};

const USAGE: &str = "usage: wasi-test args | env | files DIR | dirs DIR | symlinks DIR | clock \
                     | random | sleep | stdin | exit N | trap unreachable|oob|stack|div0|panic";

/// Prints `label: ok`, or `label: error: Kind (errno)`; passes the value on.
fn ok<T>(label: &str, result: io::Result<T>) -> Option<T> {
    match result {
        Ok(value) => {
            println!("{label}: ok");
            Some(value)
        }
        Err(err) => {
            println!("{label}: error: {}", describe(&err));
            None
        }
    }
}

/// Prints `label: <value as Debug>`, or `label: error: Kind (errno)`.
fn value<T: Debug>(label: &str, result: io::Result<T>) {
    match result {
        Ok(value) => println!("{label}: {value:?}"),
        Err(err) => println!("{label}: error: {}", describe(&err)),
    }
}

/// A file's contents as a (lossy) string, for printing with `{:?}`.
fn contents(path: &Path) -> io::Result<String> {
    fs::read(path).map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

fn size(path: &Path) -> io::Result<u64> {
    fs::metadata(path).map(|meta| meta.len())
}

/// Sorted `name type` listing of a directory (`d`, `f`, `l` or `?`).
fn listing(dir: &Path) -> io::Result<Vec<String>> {
    let mut names = Vec::new();
    for dirent in fs::read_dir(dir)? {
        let dirent = dirent?;
        let ft = dirent.file_type()?;
        let ty = match () {
            () if ft.is_dir() => 'd',
            () if ft.is_file() => 'f',
            () if ft.is_symlink() => 'l',
            () => '?',
        };
        names.push(format!("{} {ty}", dirent.file_name().to_string_lossy()));
    }
    names.sort();
    Ok(names)
}

/// Collects ok/FAIL property checks; any FAIL makes the case exit 1.
#[derive(Default)]
struct Checks {
    failed: bool,
}

impl Checks {
    fn check(&mut self, label: &str, passed: bool) {
        println!("{label}: {}", if passed { "ok" } else { "FAIL" });
        self.failed |= !passed;
    }

    fn status(&self) -> ExitCode {
        if self.failed {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        }
    }
}

fn args() -> ExitCode {
    let args: Vec<_> = std::env::args_os().collect();
    println!("argc: {}", args.len());
    for (i, arg) in args.iter().enumerate() {
        println!("argv[{i}]: {:?}", arg.to_string_lossy());
    }
    ExitCode::SUCCESS
}

fn env() -> ExitCode {
    let mut vars: Vec<_> = std::env::vars_os()
        .map(|(key, val)| format!("{}={}", key.to_string_lossy(), val.to_string_lossy()))
        .collect();
    vars.sort();
    println!("envc: {}", vars.len());
    for var in &vars {
        println!("{var}");
    }
    ExitCode::SUCCESS
}

fn files(dir: &Path) -> ExitCode {
    let a = dir.join("a.txt");
    let b = dir.join("b.txt");

    if let Some(mut file) = ok("create", File::create(&a)) {
        value("write", file.write(b"hello world\n"));
    }
    value("size after write", size(&a));
    value("read", contents(&a));

    if let Some(mut file) = ok("open read-only", File::open(&a)) {
        value("seek start+6", file.seek(SeekFrom::Start(6)));
        let mut word = [0; 5];
        value(
            "read 5 after seek",
            file.read_exact(&mut word)
                .map(|()| String::from_utf8_lossy(&word).into_owned()),
        );
        value("position", file.stream_position());
        value("seek end-1", file.seek(SeekFrom::End(-1)));
        value("seek current-11", file.seek(SeekFrom::Current(-11)));
        value("write to read-only file", file.write(b"x"));
    }

    if let Some(mut file) = ok("open append", OpenOptions::new().append(true).open(&a)) {
        value("append", file.write(b"more\n"));
    }
    value("size after append", size(&a));
    value("read after append", contents(&a));

    if let Some(mut file) = ok(
        "open read-write",
        OpenOptions::new().read(true).write(true).open(&a),
    ) {
        let mut word = [0; 5];
        value(
            "pread 5 at 6",
            file.read_at(&mut word, 6)
                .map(|n| String::from_utf8_lossy(&word[..n]).into_owned()),
        );
        value("position after pread", file.stream_position());
        value("pwrite at 6", file.write_at(b"WORLD", 6));
        value("position after pwrite", file.stream_position());
        value("read after pwrite", contents(&a));

        ok("truncate to 5", file.set_len(5));
        value("size after truncate", size(&a));
        value("read after truncate", contents(&a));
        ok("extend to 8", file.set_len(8));
        value("read after extend", contents(&a));

        value("seek past end to 10", file.seek(SeekFrom::Start(10)));
        value("write past end", file.write(b"!"));
        value("read after hole", contents(&a));
        value("size after hole", size(&a));
    }

    value(
        "create_new existing",
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&a)
            .map(drop),
    );
    value(
        "truncate on open",
        File::create(&a).and_then(|mut f| f.write(b"fresh")),
    );
    value("read after truncating open", contents(&a));

    ok("rename a.txt -> b.txt", fs::rename(&a, &b));
    value("stat a.txt", size(&a));
    value("read b.txt", contents(&b));
    ok("unlink b.txt", fs::remove_file(&b));
    value("b.txt exists", fs::exists(&b));
    value("unlink b.txt again", fs::remove_file(&b));
    value(
        "open missing",
        File::open(dir.join("missing.txt")).map(drop),
    );
    value("read directory as file", contents(dir));
    value("remaining entries", listing(dir));
    ExitCode::SUCCESS
}

fn dirs(dir: &Path) -> ExitCode {
    let d = dir.join("d");
    ok("mkdir d", fs::create_dir(&d));
    value("mkdir d again", fs::create_dir(&d));
    ok("mkdir -p d/a/b/c", fs::create_dir_all(d.join("a/b/c")));
    value("mkdir d/missing/x", fs::create_dir(d.join("missing/x")));
    ok("write d/x.txt", fs::write(d.join("x.txt"), "x"));
    ok("write d/.hidden", fs::write(d.join(".hidden"), ""));
    ok("write d/a/y.txt", fs::write(d.join("a/y.txt"), "yy"));
    value("readdir d", listing(&d));
    value("readdir d/a", listing(&d.join("a")));
    value("readdir d/a/b/c", listing(&d.join("a/b/c")));
    value("d is dir", fs::metadata(&d).map(|meta| meta.is_dir()));
    value("readdir d/x.txt", listing(&d.join("x.txt")));
    value("rmdir d (non-empty)", fs::remove_dir(&d));
    value("rmdir d/x.txt (file)", fs::remove_dir(d.join("x.txt")));
    value("unlink d/a (dir)", fs::remove_file(d.join("a")));
    ok("rmdir d/a/b/c", fs::remove_dir(d.join("a/b/c")));
    ok(
        "rename d/a/b -> d/b2",
        fs::rename(d.join("a/b"), d.join("b2")),
    );
    value("readdir d after rename", listing(&d));
    ok("remove_dir_all d", fs::remove_dir_all(&d));
    value("d exists", fs::exists(&d));
    value("readdir d after removal", listing(&d));
    value("remaining entries", listing(dir));
    ExitCode::SUCCESS
}

fn symlinks(dir: &Path) -> ExitCode {
    let target = dir.join("target.txt");
    let link = dir.join("link");
    ok("write target.txt", fs::write(&target, "linked content\n"));
    ok(
        "symlink link -> target.txt",
        symlink_path("target.txt", &link),
    );
    value("readlink link", fs::read_link(&link));
    value("read through link", contents(&link));
    value(
        "lstat link is symlink",
        fs::symlink_metadata(&link).map(|meta| meta.is_symlink()),
    );
    value(
        "stat link is file",
        fs::metadata(&link).map(|meta| meta.is_file()),
    );
    value("stat link size", size(&link));
    value(
        "symlink over existing name",
        symlink_path("target.txt", &link),
    );
    value("readlink regular file", fs::read_link(&target));

    ok("mkdir sub", fs::create_dir(dir.join("sub")));
    ok("write sub/f", fs::write(dir.join("sub/f"), "in sub\n"));
    ok(
        "symlink sublink -> sub",
        symlink_path("sub", dir.join("sublink")),
    );
    value("read sublink/f", contents(&dir.join("sublink/f")));

    let dangling = dir.join("dangling");
    ok(
        "symlink dangling -> missing",
        symlink_path("missing", &dangling),
    );
    value("readlink dangling", fs::read_link(&dangling));
    value("read dangling", contents(&dangling));
    value(
        "lstat dangling is symlink",
        fs::symlink_metadata(&dangling).map(|meta| meta.is_symlink()),
    );

    ok(
        "symlink loop1 -> loop2",
        symlink_path("loop2", dir.join("loop1")),
    );
    ok(
        "symlink loop2 -> loop1",
        symlink_path("loop1", dir.join("loop2")),
    );
    value("read loop1", contents(&dir.join("loop1")));

    value("listing", listing(dir));
    ok("unlink link", fs::remove_file(&link));
    value("target survives", contents(&target));
    for name in [
        "target.txt",
        "sub/f",
        "sublink",
        "dangling",
        "loop1",
        "loop2",
    ] {
        ok(&format!("unlink {name}"), fs::remove_file(dir.join(name)));
    }
    ok("rmdir sub", fs::remove_dir(dir.join("sub")));
    value("remaining entries", listing(dir));
    ExitCode::SUCCESS
}

fn clock() -> ExitCode {
    let mut checks = Checks::default();
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    checks.check(
        "realtime after 2020-01-01",
        since_epoch > Duration::from_secs(1_577_836_800),
    );

    let mut last = Instant::now();
    let mut monotonic = true;
    for _ in 0..1000 {
        let now = Instant::now();
        monotonic &= now >= last;
        last = now;
    }
    checks.check("monotonic non-decreasing over 1000 reads", monotonic);

    let start = Instant::now();
    thread::sleep(Duration::from_millis(100));
    let slept = start.elapsed();
    checks.check(
        "sleep 100 ms advances monotonic >= 100 ms",
        slept >= Duration::from_millis(100),
    );
    // The wake-up is due within a timer tick (10 ms at 100 Hz) of the deadline; the rest
    // of the bound is for a host busy with parallel tests. A lost wake-up is seconds late.
    checks.check(
        "sleep 100 ms advances monotonic < 600 ms",
        slept < Duration::from_millis(600),
    );
    // The value itself, so the comparison with wasmtime checks it: both give the clocks'
    // true 1 ns resolution.
    for (name, id) in [("realtime", 0), ("monotonic", 1)] {
        let mut res = 0u64;
        // SAFETY: `res` is a live, writable u64.
        let errno = unsafe { clock_res_get(id, &raw mut res) };
        println!("clock_res_get {name}: errno {errno}, {res} ns");
        checks.check(
            &format!("clock_res_get {name} in 1 ns..=10 ms"),
            errno == 0 && (1..=10_000_000).contains(&res),
        );
    }
    checks.status()
}

#[link(wasm_import_module = "wasi_snapshot_preview1")]
unsafe extern "C" {
    /// WASI `random_get(buf, buf_len) -> errno`.
    fn random_get(buf: *mut u8, buf_len: usize) -> u16;
    /// WASI `clock_res_get(id, out) -> errno`.
    fn clock_res_get(id: u32, out: *mut u64) -> u16;
}

fn random_bytes(buf: &mut [u8]) -> u16 {
    // SAFETY: the pointer and length describe a live, writable buffer.
    unsafe { random_get(buf.as_mut_ptr(), buf.len()) }
}

fn random() -> ExitCode {
    let mut checks = Checks::default();
    let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
    checks.check(
        "random: errno 0",
        random_bytes(&mut a) == 0 && random_bytes(&mut b) == 0,
    );
    checks.check(
        "random: 32 bytes, not all zero",
        a.iter().any(|&byte| byte != 0),
    );
    checks.check("random: two draws differ", a != b);

    let mut big = vec![0u8; 4096];
    checks.check("random: 4096 bytes, errno 0", random_bytes(&mut big) == 0);
    let mut seen = [false; 256];
    big.iter().for_each(|&byte| seen[usize::from(byte)] = true);
    checks.check(
        "random: 4096 bytes, >= 200 distinct values",
        seen.iter().filter(|&&s| s).count() >= 200,
    );
    checks.check("random: empty buffer, errno 0", random_bytes(&mut []) == 0);
    checks.status()
}

fn sleep() -> ExitCode {
    let mut checks = Checks::default();
    let start = Instant::now();
    thread::sleep(Duration::ZERO);
    thread::sleep(Duration::from_millis(50));
    let slept = start.elapsed();
    checks.check("sleep 50 ms", slept >= Duration::from_millis(50));
    // Due within a timer tick (10 ms at 100 Hz); the slack is for a busy host, while a
    // lost wake-up would be seconds late or never.
    checks.check(
        "sleep 50 ms ends < 550 ms",
        slept < Duration::from_millis(550),
    );
    checks.status()
}

fn stdin() -> ExitCode {
    let mut input = Vec::new();
    match io::stdin().lock().read_to_end(&mut input) {
        Ok(n) => {
            println!("stdin: {n} bytes, fnv1a {:08x}", fnv1a(&input));
            ExitCode::SUCCESS
        }
        Err(err) => {
            println!("stdin: error: {}", describe(&err));
            ExitCode::FAILURE
        }
    }
}

/// Recursion the optimiser can neither remove nor turn into a loop: the result of each
/// call is combined non-trivially after the call returns.
#[inline(never)]
fn recurse(depth: u64) -> u64 {
    if depth == 0 {
        return 0;
    }
    recurse(depth - 1).rotate_left(1) ^ depth
}

fn trap(kind: &str) -> ExitCode {
    println!("triggering {kind}");
    match kind {
        "unreachable" => core::arch::wasm32::unreachable(),
        "oob" => {
            let addr = black_box(0xFFFF_FFF0usize) as *const u32;
            // SAFETY: none — the load is meant to fault; wasm bounds-checks it and traps.
            let word = unsafe { addr.read_volatile() };
            println!("oob read returned {word}");
        }
        "stack" => println!("recursion returned {}", recurse(black_box(u64::MAX))),
        "div0" => println!("quotient {}", black_box(1i32) / black_box(0i32)),
        "panic" => panic!("deliberate panic from wasi-test"),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    }
    println!("FAIL: {kind} did not trap");
    ExitCode::FAILURE
}

fn main() -> ExitCode {
    userland::inherit_cwd();
    let argv: Vec<String> = std::env::args().collect();
    let words: Vec<&str> = argv.iter().skip(1).map(String::as_str).collect();
    match *words.as_slice() {
        ["args", ..] => args(),
        ["env"] => env(),
        ["files", dir] => files(Path::new(dir)),
        ["dirs", dir] => dirs(Path::new(dir)),
        ["symlinks", dir] => symlinks(Path::new(dir)),
        ["clock"] => clock(),
        ["random"] => random(),
        ["sleep"] => sleep(),
        ["stdin"] => stdin(),
        ["exit", code] => match code.parse() {
            Ok(code) => std::process::exit(code),
            Err(_) => {
                eprintln!("wasi-test: exit: bad code {code:?}");
                ExitCode::from(2)
            }
        },
        ["trap", kind] => trap(kind),
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
