//! `pressure all`: drives the kernel into its memory limits on purpose — the fault
//! injection of the hardening tests, run in a small VM. Every case must end in a clean
//! errno (NOSPC, NOMEM, MFILE) or a clean `memory.grow` failure, the data already stored
//! must be intact, and the system must work normally afterwards:
//!
//! - `fsfill`: keeps a file, then fills the RAM filesystem with 1 MiB files until a write
//!   fails with NOSPC; the kept file reads back intact; removing the fill frees the space.
//! - `membombs`: three `/bin/hostile membomb` children at once, each growing its memory
//!   until `memory.grow` fails (the kernel refuses growth that would leave its heap short).
//! - `pipebombs`: four `pressure pipes` children at once, each making pipes and writing a
//!   byte into each (which allocates its 64 KiB buffer) until NOMEM or MFILE, holding them
//!   for a while: four times 509 buffers do not fit, so some child meets NOMEM.
//! - `bigmodule`: a valid module with a 12 MiB data segment, spawned: NOMEM (its
//!   translation would not fit in the kernel heap), not a kernel allocation failure.
//! - afterwards `/bin/true` spawns and exits 0.
//!
//! Prints `ok CASE: ...` or `FAIL CASE: ...` lines and `pressure: N passed, M failed`.

use std::io::{Read, Write};
use std::process::ExitCode;

use userland::wasix_sys::{self as w, Errno, Pid, Status, errno, show};

const SELF: &str = "/bin/pressure";
const NOMEM: Errno = errno::NOMEM;
const NOSPC: i32 = errno::NOSPC as i32;
const NFILE: Errno = errno::NFILE;

fn main() -> ExitCode {
    userland::inherit_cwd();
    let mode = std::env::args().nth(1).unwrap_or_default();
    match mode.as_str() {
        "all" => all(),
        "pipes" => pipes(),
        _ => {
            eprintln!("usage: pressure all");
            ExitCode::from(2)
        }
    }
}

fn report(results: &mut (u32, u32), case: &str, ok: bool, detail: &str) {
    if ok {
        results.0 += 1;
        println!("ok {case}: {detail}");
    } else {
        results.1 += 1;
        println!("FAIL {case}: {detail}");
    }
}

fn all() -> ExitCode {
    let mut r = (0, 0);
    let (ok, d) = fsfill();
    report(&mut r, "fsfill", ok, &d);
    let (ok, d) = children("/bin/hostile", &["hostile", "membomb"], 3);
    report(&mut r, "membombs", ok, &d);
    let (ok, d) = children(SELF, &["pressure", "pipes"], 4);
    report(&mut r, "pipebombs", ok, &d);
    let (ok, d) = bigmodule();
    report(&mut r, "bigmodule", ok, &d);
    let (ok, d) = children("/bin/true", &["true"], 1);
    report(&mut r, "afterwards", ok, &d);
    println!("pressure: {} passed, {} failed", r.0, r.1);
    if r.1 == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn pattern(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn fsfill() -> (bool, String) {
    let keep = pattern(100_000, 7);
    if let Err(e) = std::fs::write("/tmp/keep", &keep) {
        return (false, format!("write /tmp/keep: {e}"));
    }
    let chunk = pattern(1 << 20, 9);
    let mut files = 0;
    let err = loop {
        let path = format!("/tmp/fill-{files}");
        let res = std::fs::File::create(&path).and_then(|mut f| f.write_all(&chunk));
        match res {
            Ok(()) => files += 1,
            Err(e) => break e,
        }
        if files > 4096 {
            return (false, "no NOSPC after 4 GiB".into());
        }
    };
    let nospc = err.raw_os_error() == Some(NOSPC);
    let kept = std::fs::read("/tmp/keep").is_ok_and(|k| k == keep);
    for i in 0..=files {
        let _ = std::fs::remove_file(format!("/tmp/fill-{i}"));
    }
    let again =
        std::fs::write("/tmp/again", &chunk).is_ok() && std::fs::remove_file("/tmp/again").is_ok();
    let _ = std::fs::remove_file("/tmp/keep");
    (
        nospc && kept && again,
        format!(
            "{files} MiB written, then {err} (NOSPC: {nospc}); kept file intact: {kept}; writable after cleanup: {again}"
        ),
    )
}

/// Runs `n` copies of `prog` at once; all must exit 0.
fn children(prog: &str, argv: &[&str], n: usize) -> (bool, String) {
    let mut pids: Vec<Pid> = Vec::new();
    for _ in 0..n {
        match w::spawn2(prog, argv, &[], &[], false, "") {
            Ok(pid) => pids.push(pid),
            Err(e) => return (false, format!("spawn {prog}: {}", show(e))),
        }
    }
    let mut statuses = Vec::new();
    for pid in pids {
        match w::join(Some(pid), 0) {
            Ok((_, s)) => statuses.push(s),
            Err(e) => return (false, format!("join: {}", show(e))),
        }
    }
    let ok = statuses.iter().all(|s| matches!(s, Status::Exit(0)));
    let list: Vec<String> = statuses.iter().map(|s| s.to_string()).collect();
    (ok, format!("{n} x {}: {}", argv.join(" "), list.join(", ")))
}

/// Child: pipes with one byte each until the kernel says no; exit 0 for NOMEM or MFILE.
fn pipes() -> ExitCode {
    let mut made = Vec::new();
    let err = loop {
        match w::pipe() {
            Ok((r, wr)) => {
                made.push((r, wr));
                if let Err(e) = w::write_all(wr, b"x") {
                    break e;
                }
            }
            Err(e) => break e,
        }
    };
    // Hold them a while, so that the siblings compete for the same kernel heap.
    let _ = w::sleep_ms(1500);
    // Every byte written is still there.
    let mut intact = 0;
    for &(r, _) in made.iter().take(made.len().saturating_sub(1)) {
        let mut b = [0u8; 1];
        if w::read(r, &mut b) == Ok(1) && b[0] == b'x' {
            intact += 1;
        }
    }
    println!(
        "pipes: {} pipes, then {}; {intact} read back",
        made.len(),
        show(err)
    );
    let clean = err == NOMEM || err == errno::MFILE || err == NFILE;
    if clean && intact + 1 >= made.len() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn leb(mut v: u32, out: &mut Vec<u8>) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            break;
        }
        out.push(b | 0x80);
    }
}

fn section(id: u8, body: &[u8], out: &mut Vec<u8>) {
    out.push(id);
    leb(body.len() as u32, out);
    out.extend_from_slice(body);
}

/// Size of the big module's data segment.
const BIG_DATA: usize = 12 << 20;

/// Writes a valid module — one 256-page memory and a 12 MiB active data segment at 0 —
/// to `path` a MiB at a time (the guest itself stays small); returns its size and a
/// checksum of its bytes.
fn write_big_module(path: &str) -> std::io::Result<(usize, u64)> {
    let mut head = b"\0asm\x01\0\0\0".to_vec();
    let mut mem = vec![1, 0];
    leb(256, &mut mem);
    section(5, &mem, &mut head);
    let mut seg = vec![1, 0, 0x41, 0, 0x0b];
    leb(BIG_DATA as u32, &mut seg);
    let mut size_prefix = Vec::new();
    leb((seg.len() + BIG_DATA) as u32, &mut size_prefix);
    head.push(11);
    head.extend_from_slice(&size_prefix);
    head.extend_from_slice(&seg);
    let mut f = std::fs::File::create(path)?;
    f.write_all(&head)?;
    let mut sum = checksum(0, &head);
    let chunk = pattern(1 << 20, 3);
    for _ in 0..BIG_DATA >> 20 {
        f.write_all(&chunk)?;
        sum = checksum(sum, &chunk);
    }
    Ok((head.len() + BIG_DATA, sum))
}

fn checksum(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    h
}

/// Reads `path` back a MiB at a time: its size and checksum.
fn read_back(path: &str) -> std::io::Result<(usize, u64)> {
    let mut f = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 1 << 20];
    let (mut len, mut sum) = (0, 0);
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok((len, sum));
        }
        len += n;
        sum = checksum(sum, &buf[..n]);
    }
}

fn bigmodule() -> (bool, String) {
    let path = "/tmp/big.wasm";
    let written = match write_big_module(path) {
        Ok(w) => w,
        Err(e) => return (false, format!("write {path}: {e}")),
    };
    let whole = read_back(path).is_ok_and(|r| r == written);
    let res = w::spawn2(path, &["big"], &[], &[], false, "");
    let _ = std::fs::remove_file(path);
    match res {
        Err(e) => (
            e == NOMEM && whole,
            format!(
                "{} KiB module (read back whole: {whole}): spawn {}",
                written.0 >> 10,
                show(e)
            ),
        ),
        Ok(pid) => {
            let _ = w::join(Some(pid), 0);
            (false, "a 12 MiB module spawned in a small VM".into())
        }
    }
}
