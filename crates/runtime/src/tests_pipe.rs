//! Tests of kernel pipes and descriptor duplication: small programs in WebAssembly text
//! that call `fd_pipe`, `fd_dup`, `fd_dup2`, `fd_fdflags_*` (from `wasix_32v1`) and the
//! preview1 fd and poll calls, printing each result as decimal numbers separated by
//! spaces. Every run also checks that nothing leaked: once the process has ended, no open
//! file description and no pipe is left.
//!
//! Only one process runs (spawning is not wired into these tests), so nothing here makes a
//! call block on a pipe that only its own descriptors could unblock; blocking is covered
//! through `poll_oneoff` with a timeout.

use alloc::format;
use alloc::string::String;

use crate::testing::{Opts, Ran, kernel_with};
use crate::types::ExitStatus;

/// Errnos, as the programs print them.
const AGAIN: u32 = 6;
const BADF: u32 = 8;
const FAULT: u32 = 21;
const INVAL: u32 = 28;
const MFILE: u32 = 33;
const PIPE: u32 = 64;
const SPIPE: u32 = 70;

/// Imports: (module, name, parameter types); all return an errno.
const CALLS: &[(&str, &str, &str)] = &[
    ("wasix_32v1", "fd_pipe", "i32 i32"),
    ("wasix_32v1", "fd_dup", "i32 i32"),
    ("wasix_32v1", "fd_dup2", "i32 i32 i32 i32"),
    ("wasix_32v1", "fd_fdflags_get", "i32 i32"),
    ("wasix_32v1", "fd_fdflags_set", "i32 i32"),
    ("wasi_snapshot_preview1", "fd_write", "i32 i32 i32 i32"),
    ("wasi_snapshot_preview1", "fd_read", "i32 i32 i32 i32"),
    ("wasi_snapshot_preview1", "fd_pread", "i32 i32 i32 i64 i32"),
    ("wasi_snapshot_preview1", "fd_pwrite", "i32 i32 i32 i64 i32"),
    ("wasi_snapshot_preview1", "fd_seek", "i32 i64 i32 i32"),
    ("wasi_snapshot_preview1", "fd_tell", "i32 i32"),
    ("wasi_snapshot_preview1", "fd_close", "i32"),
    ("wasi_snapshot_preview1", "fd_fdstat_get", "i32 i32"),
    ("wasi_snapshot_preview1", "fd_fdstat_set_flags", "i32 i32"),
    ("wasi_snapshot_preview1", "fd_filestat_get", "i32 i32"),
    ("wasi_snapshot_preview1", "poll_oneoff", "i32 i32 i32 i32"),
    ("wasi_snapshot_preview1", "clock_time_get", "i32 i64 i32"),
];

/// Helpers. Memory (4 pages = 256 KiB): 0 and 4 = the pipe's read and write fds
/// (`fd_pipe` results, also `{R}` / `{W}` in bodies), 8 = a count result, 16 and 24 =
/// iovecs, 64.. = fdstat / filestat, 512.. = a small read buffer, 900..960 = number
/// formatting, 1024.. = strings, 2048.. = poll subscriptions (48 bytes each), 3072.. =
/// poll events (32 bytes each), 4000 / 4008 = monotonic time before / after a poll,
/// 0x8000.. = a 100 KiB source buffer, 0x22000.. = a 100 KiB destination buffer.
///
/// - `$r n`: print n. `$s ptr len`: print bytes.
/// - `$pipe`: fd_pipe into 0 / 4; prints the errno.
/// - `$wr fd ptr len` / `$rd fd ptr len`: one-iovec write / read; print the errno and, on
///   success, the count.
/// - `$fill ptr len seed`: a byte pattern; `$same a b len`: 1 if equal.
/// - `$flags fd n`: fd_fdstat_set_flags; prints the errno.
/// - `$clock i userdata ns` / `$fdsub i userdata tag fd`: subscription i.
/// - `$poll n`: polls n subscriptions; prints errno, nevents and, per event, userdata,
///   error, type, nbytes and flags.
const HELPERS: &str = r#"
  (memory (export "memory") 4)
  (func $r (param $n i32) (local $p i32)
    (local.set $p (i32.const 940))
    (loop $l
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $l (i32.ne (local.get $n) (i32.const 0))))
    (call $s (local.get $p) (i32.sub (i32.const 940) (local.get $p))))
  (func $s (param $p i32) (param $l i32)
    (i32.store (i32.const 944) (local.get $p)) (i32.store (i32.const 948) (local.get $l))
    (drop (call $fd_write (i32.const 1) (i32.const 944) (i32.const 1) (i32.const 960)))
    (i32.store8 (i32.const 941) (i32.const 32))
    (i32.store (i32.const 944) (i32.const 941)) (i32.store (i32.const 948) (i32.const 1))
    (drop (call $fd_write (i32.const 1) (i32.const 944) (i32.const 1) (i32.const 960))))
  (func $pipe (call $r (call $fd_pipe (i32.const 0) (i32.const 4))))
  (func $wr (param $fd i32) (param $p i32) (param $l i32) (local $e i32)
    (i32.store (i32.const 16) (local.get $p)) (i32.store (i32.const 20) (local.get $l))
    (local.set $e (call $fd_write (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 8)))
    (call $r (local.get $e))
    (if (i32.eqz (local.get $e)) (then (call $r (i32.load (i32.const 8))))))
  (func $rd (param $fd i32) (param $p i32) (param $l i32) (local $e i32)
    (i32.store (i32.const 16) (local.get $p)) (i32.store (i32.const 20) (local.get $l))
    (local.set $e (call $fd_read (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 8)))
    (call $r (local.get $e))
    (if (i32.eqz (local.get $e)) (then (call $r (i32.load (i32.const 8))))))
  (func $fill (param $p i32) (param $l i32) (param $seed i32) (local $i i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $l)))
      (i32.store8 (i32.add (local.get $p) (local.get $i))
        (i32.add (local.get $seed) (i32.mul (local.get $i) (i32.const 7))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l))))
  (func $same (param $a i32) (param $b i32) (param $l i32) (result i32) (local $i i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $l)))
      (if (i32.ne (i32.load8_u (i32.add (local.get $a) (local.get $i)))
                  (i32.load8_u (i32.add (local.get $b) (local.get $i))))
        (then (return (i32.const 0))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (i32.const 1))
  (func $flags (param $fd i32) (param $f i32)
    (call $r (call $fd_fdstat_set_flags (local.get $fd) (local.get $f))))
  (func $clock (param $i i32) (param $u i32) (param $ns i64) (local $at i32)
    (local.set $at (i32.add (i32.const 2048) (i32.mul (local.get $i) (i32.const 48))))
    (i64.store (local.get $at) (i64.extend_i32_u (local.get $u)))
    (i32.store8 offset=8 (local.get $at) (i32.const 0))
    (i32.store offset=16 (local.get $at) (i32.const 1))
    (i64.store offset=24 (local.get $at) (local.get $ns))
    (i64.store offset=32 (local.get $at) (i64.const 0))
    (i32.store16 offset=40 (local.get $at) (i32.const 0)))
  (func $fdsub (param $i i32) (param $u i32) (param $tag i32) (param $fd i32) (local $at i32)
    (local.set $at (i32.add (i32.const 2048) (i32.mul (local.get $i) (i32.const 48))))
    (i64.store (local.get $at) (i64.extend_i32_u (local.get $u)))
    (i32.store8 offset=8 (local.get $at) (local.get $tag))
    (i32.store offset=16 (local.get $at) (local.get $fd)))
  (func $poll (param $n i32) (local $e i32) (local $i i32) (local $at i32)
    (drop (call $clock_time_get (i32.const 1) (i64.const 0) (i32.const 4000)))
    (local.set $e (call $poll_oneoff (i32.const 2048) (i32.const 3072) (local.get $n) (i32.const 12)))
    (drop (call $clock_time_get (i32.const 1) (i64.const 0) (i32.const 4008)))
    (call $r (local.get $e))
    (call $r (i32.load (i32.const 12)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 12))))
      (local.set $at (i32.add (i32.const 3072) (i32.mul (local.get $i) (i32.const 32))))
      (call $r (i32.wrap_i64 (i64.load (local.get $at))))
      (call $r (i32.load16_u offset=8 (local.get $at)))
      (call $r (i32.load8_u offset=10 (local.get $at)))
      (call $r (i32.wrap_i64 (i64.load offset=16 (local.get $at))))
      (call $r (i32.load16_u offset=24 (local.get $at)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l))))
"#;

/// The module running `body`, with `strings` stored at 1024 + 64·i (`{sN}` in `body`
/// becomes string N's pointer and length, `{R}` / `{W}` the pipe's read / write fd).
fn module(strings: &[&str], body: &str) -> String {
    let mut wat = String::from("(module\n");
    for (module, name, params) in CALLS {
        wat += &format!(
            "  (import \"{module}\" \"{name}\" (func ${name} (param {params}) (result i32)))\n"
        );
    }
    wat += HELPERS;
    let mut body = body
        .replace("{R}", "(i32.load (i32.const 0))")
        .replace("{W}", "(i32.load (i32.const 4))");
    for (i, s) in strings.iter().enumerate() {
        assert!(s.len() < 64 && !s.contains(['"', '\\']));
        let at = 1024 + 64 * i;
        wat += &format!("  (data (i32.const {at}) \"{s}\")\n");
        body = body.replace(
            &format!("{{s{i}}}"),
            &format!("(i32.const {at}) (i32.const {})", s.len()),
        );
    }
    wat + &format!("  (func (export \"_start\")\n{body}))\n")
}

/// Runs the program (with SIGPIPE ignored if `ignore_sigpipe`); checks that the ended
/// process left no open file or pipe behind.
fn run_full(strings: &[&str], body: &str, ignore_sigpipe: bool) -> Ran {
    let wasm = wat::parse_str(module(strings, body)).expect("valid wat");
    let (mut kernel, console, pid) = kernel_with(&wasm, &Opts::default());
    if ignore_sigpipe && let Some(info) = kernel.sys().procs.get_mut(&pid) {
        info.ignored |= 1 << 13;
    }
    kernel.run();
    let sys = kernel.sys();
    assert_eq!(sys.files.count(), 0, "open files leaked");
    assert_eq!(sys.files.pipes.count(), 0, "pipes leaked");
    assert_eq!(sys.files.pipes.buffered_bytes(), 0);
    let c = console.borrow();
    Ran {
        status: kernel.status(pid),
        stdout: String::from_utf8_lossy(&c.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&c.stderr).into_owned(),
        kernel,
    }
}

/// Runs the program; returns its output after checking it exited normally.
fn run(strings: &[&str], body: &str) -> String {
    let ran = run_full(strings, body, false);
    assert_eq!(ran.status, Some(ExitStatus::Code(0)), "{}", ran.stderr);
    ran.stdout
}

#[test]
fn pipe_round_trip() {
    let out = run(
        &["hello"],
        "(call $pipe) (call $r {R}) (call $r {W})
         (call $wr {W} {s0})
         (call $rd {R} (i32.const 512) (i32.const 64))
         (call $s (i32.const 512) (i32.load (i32.const 8)))
         ;; both ends: filetype UNKNOWN, no status flags
         (call $r (call $fd_fdstat_get {R} (i32.const 64))) (call $r (i32.load8_u (i32.const 64)))
         (call $r (i32.load16_u (i32.const 66)))
         (call $r (call $fd_fdstat_get {W} (i32.const 64))) (call $r (i32.load8_u (i32.const 64)))
         (call $r (call $fd_filestat_get {R} (i32.const 64))) (call $r (i32.load8_u (i32.const 80)))
         ;; a second pipe takes the next free descriptors
         (call $pipe) (call $r {R}) (call $r {W})",
    );
    assert_eq!(out, "0 3 4 0 5 0 5 hello 0 0 0 0 0 0 0 0 5 6 ");
}

#[test]
fn iovecs_are_filled_in_order_and_gathered_atomically() {
    let out = run(
        &["abc", "defgh"],
        "(call $pipe)
         ;; two-iovec write: gathered, 8 bytes
         (i32.store (i32.const 16) (i32.const 1024)) (i32.store (i32.const 20) (i32.const 3))
         (i32.store (i32.const 24) (i32.const 1088)) (i32.store (i32.const 28) (i32.const 5))
         (call $r (call $fd_write {W} (i32.const 16) (i32.const 2) (i32.const 8)))
         (call $r (i32.load (i32.const 8)))
         ;; read into iovecs of 0, 2 and 10 bytes: 2 + 6
         (i32.store (i32.const 16) (i32.const 600)) (i32.store (i32.const 20) (i32.const 0))
         (i32.store (i32.const 24) (i32.const 512)) (i32.store (i32.const 28) (i32.const 2))
         (i32.store (i32.const 32) (i32.const 520)) (i32.store (i32.const 36) (i32.const 10))
         (call $r (call $fd_read {R} (i32.const 16) (i32.const 3) (i32.const 8)))
         (call $r (i32.load (i32.const 8)))
         (call $s (i32.const 512) (i32.const 2)) (call $s (i32.const 520) (i32.const 6))
         ;; empty reads and writes return 0 without blocking
         (call $rd {R} (i32.const 512) (i32.const 0))
         (call $wr {W} (i32.const 512) (i32.const 0))",
    );
    assert_eq!(out, "0 0 8 0 8 ab cdefgh 0 0 0 0 ");
}

#[test]
fn fills_to_64k_without_blocking_and_reads_back() {
    let out = run(
        &[],
        "(local $i i32) (local $ok i32)
         (call $pipe)
         (call $fill (i32.const 0x8000) (i32.const 102400) (i32.const 5))
         ;; sixteen 4 KiB writes fill the pipe
         (local.set $ok (i32.const 1))
         (block $done (loop $l
           (br_if $done (i32.ge_u (local.get $i) (i32.const 16)))
           (i32.store (i32.const 16) (i32.add (i32.const 0x8000) (i32.mul (local.get $i) (i32.const 4096))))
           (i32.store (i32.const 20) (i32.const 4096))
           (if (i32.or (call $fd_write {W} (i32.const 16) (i32.const 1) (i32.const 8))
                       (i32.ne (i32.load (i32.const 8)) (i32.const 4096)))
             (then (local.set $ok (i32.const 0))))
           (local.set $i (i32.add (local.get $i) (i32.const 1)))
           (br $l)))
         (call $r (local.get $ok))
         ;; full: non-blocking writes give AGAIN, even of one byte
         (call $flags {W} (i32.const 4))
         (call $wr {W} (i32.const 0x8000) (i32.const 1))
         (call $wr {W} (i32.const 0x8000) (i32.const 8192))
         ;; one read takes all 64 KiB
         (call $rd {R} (i32.const 0x22000) (i32.const 102400))
         (call $r (call $same (i32.const 0x8000) (i32.const 0x22000) (i32.const 65536)))
         ;; empty with the writer open: non-blocking read gives AGAIN
         (call $flags {R} (i32.const 4))
         (call $rd {R} (i32.const 0x22000) (i32.const 16))
         ;; a 100 KiB write is partial: 64 KiB
         (call $wr {W} (i32.const 0x8000) (i32.const 102400))
         ;; read back through two 40000-byte iovecs: 40000 + 25536
         (i32.store (i32.const 16) (i32.const 0x22000)) (i32.store (i32.const 20) (i32.const 40000))
         (i32.store (i32.const 24) (i32.const 0x2bc40)) (i32.store (i32.const 28) (i32.const 40000))
         (call $r (call $fd_read {R} (i32.const 16) (i32.const 2) (i32.const 8)))
         (call $r (i32.load (i32.const 8)))
         (call $r (call $same (i32.const 0x8000) (i32.const 0x22000) (i32.const 65536)))
         ;; 100 KiB through the pipe 4 KiB at a time
         (local.set $i (i32.const 0)) (local.set $ok (i32.const 1))
         (block $done (loop $l
           (br_if $done (i32.ge_u (local.get $i) (i32.const 25)))
           (i32.store (i32.const 16) (i32.add (i32.const 0x8000) (i32.mul (local.get $i) (i32.const 4096))))
           (i32.store (i32.const 20) (i32.const 4096))
           (if (call $fd_write {W} (i32.const 16) (i32.const 1) (i32.const 8))
             (then (local.set $ok (i32.const 0))))
           (i32.store (i32.const 16) (i32.add (i32.const 0x22000) (i32.mul (local.get $i) (i32.const 4096))))
           (if (call $fd_read {R} (i32.const 16) (i32.const 1) (i32.const 8))
             (then (local.set $ok (i32.const 0))))
           (if (i32.ne (i32.load (i32.const 8)) (i32.const 4096)) (then (local.set $ok (i32.const 0))))
           (local.set $i (i32.add (local.get $i) (i32.const 1)))
           (br $l)))
         (call $r (local.get $ok))
         (call $r (call $same (i32.const 0x8000) (i32.const 0x22000) (i32.const 102400)))",
    );
    assert_eq!(
        out,
        format!("0 1 0 {AGAIN} {AGAIN} 0 65536 1 0 {AGAIN} 0 65536 0 65536 1 1 1 ")
    );
}

#[test]
fn atomic_writes_wait_for_room_for_all_of_it() {
    let out = run(
        &[],
        "(call $pipe)
         (call $flags {W} (i32.const 4))
         ;; 62 KiB + 2 KiB - 1 buffered: 1 byte free
         (call $wr {W} (i32.const 0x8000) (i32.const 63488))
         (call $wr {W} (i32.const 0x8000) (i32.const 2047))
         ;; 2 bytes (atomic) do not fit; a large write takes the 1 byte left
         (call $wr {W} (i32.const 0x8000) (i32.const 2))
         (call $wr {W} (i32.const 0x8000) (i32.const 5000))
         (call $wr {W} (i32.const 0x8000) (i32.const 5000))",
    );
    assert_eq!(out, format!("0 0 0 63488 0 2047 {AGAIN} 0 1 {AGAIN} "));
}

#[test]
fn closing_the_write_end_gives_end_of_file_after_the_data() {
    let out = run(
        &["abc"],
        "(call $pipe)
         (call $wr {W} {s0})
         (call $r (call $fd_close {W}))
         (call $rd {R} (i32.const 512) (i32.const 64))
         (call $rd {R} (i32.const 512) (i32.const 64))
         (call $rd {R} (i32.const 512) (i32.const 64))",
    );
    assert_eq!(out, "0 0 3 0 0 3 0 0 0 0 ");
}

#[test]
fn writing_with_no_reader_kills_with_sigpipe() {
    let ran = run_full(
        &["abc"],
        "(call $pipe)
         (call $r (call $fd_close {R}))
         (call $wr {W} {s0})
         (call $r (i32.const 99))",
        false,
    );
    assert_eq!(ran.status, Some(ExitStatus::Signal(13)));
    assert_eq!(ran.stdout, "0 0 ");
}

#[test]
fn writing_with_no_reader_is_pipe_when_sigpipe_is_ignored() {
    let ran = run_full(
        &["abc"],
        "(call $pipe)
         (call $r (call $fd_close {R}))
         (call $wr {W} {s0})
         (call $wr {W} (i32.const 0x8000) (i32.const 9000))",
        true,
    );
    assert_eq!(ran.status, Some(ExitStatus::Code(0)));
    assert_eq!(ran.stdout, format!("0 0 {PIPE} {PIPE} "));
}

#[test]
fn wrong_end_is_badf_and_pipes_do_not_seek() {
    let out = run(
        &["abc"],
        "(call $pipe)
         (call $rd {W} (i32.const 512) (i32.const 4))
         (call $wr {R} {s0})
         (call $r (call $fd_seek {R} (i64.const 0) (i32.const 1) (i32.const 8)))
         (call $r (call $fd_tell {W} (i32.const 8)))
         (i32.store (i32.const 16) (i32.const 512)) (i32.store (i32.const 20) (i32.const 4))
         (call $r (call $fd_pread {R} (i32.const 16) (i32.const 1) (i64.const 0) (i32.const 8)))
         (call $r (call $fd_pwrite {W} (i32.const 16) (i32.const 1) (i64.const 0) (i32.const 8)))",
    );
    assert_eq!(
        out,
        format!("0 {BADF} {BADF} {SPIPE} {SPIPE} {SPIPE} {SPIPE} ")
    );
}

#[test]
fn poll_reports_pipe_readiness() {
    let out = run(
        &["hello"],
        "(call $pipe)
         ;; empty pipe, writer open: the read subscription waits, the 10 ms clock fires
         (call $fdsub (i32.const 0) (i32.const 11) (i32.const 1) {R})
         (call $clock (i32.const 1) (i32.const 22) (i64.const 10000000))
         (call $poll (i32.const 2))
         (call $r (i64.ge_u (i64.sub (i64.load (i32.const 4008)) (i64.load (i32.const 4000)))
                            (i64.const 10000000)))
         ;; the write end has room: nbytes = free space
         (call $fdsub (i32.const 0) (i32.const 33) (i32.const 2) {W})
         (call $poll (i32.const 1))
         ;; with data: read ready with nbytes, write ready with less room
         (call $wr {W} {s0})
         (call $fdsub (i32.const 0) (i32.const 11) (i32.const 1) {R})
         (call $fdsub (i32.const 1) (i32.const 33) (i32.const 2) {W})
         (call $clock (i32.const 2) (i32.const 22) (i64.const 10000000))
         (call $poll (i32.const 3))
         ;; wrong ends are BADF events
         (call $fdsub (i32.const 0) (i32.const 44) (i32.const 2) {R})
         (call $fdsub (i32.const 1) (i32.const 55) (i32.const 1) {W})
         (call $poll (i32.const 2))
         ;; writer closed: data then HANGUP; drained: nbytes 0, HANGUP
         (drop (call $fd_close {W}))
         (call $fdsub (i32.const 0) (i32.const 11) (i32.const 1) {R})
         (call $poll (i32.const 1))
         (call $rd {R} (i32.const 512) (i32.const 64))
         (call $poll (i32.const 1))
         (drop (call $fd_close {R}))
         ;; reader closed: the write end is ready with HANGUP
         (call $pipe)
         (drop (call $fd_close {R}))
         (call $fdsub (i32.const 0) (i32.const 33) (i32.const 2) {W})
         (call $poll (i32.const 1))",
    );
    let expected = [
        "0",
        "0 1 22 0 0 0 0",
        "1",
        "0 1 33 0 2 65536 0",
        "0 5",
        "0 2 11 0 1 5 0 33 0 2 65531 0",
        &format!("0 2 44 {BADF} 2 0 0 55 {BADF} 1 0 0"),
        "0 1 11 0 1 5 1",
        "0 5",
        "0 1 11 0 1 0 1",
        "0",
        "0 1 33 0 2 0 1",
    ]
    .join(" ");
    assert_eq!(out, expected + " ");
}

#[test]
fn poll_on_a_full_pipe_times_out() {
    let out = run(
        &[],
        "(call $pipe)
         (call $wr {W} (i32.const 0x8000) (i32.const 65536))
         ;; 64 KiB buffered: the write end is not ready
         (call $fdsub (i32.const 0) (i32.const 33) (i32.const 2) {W})
         (call $clock (i32.const 1) (i32.const 22) (i64.const 5000000))
         (call $poll (i32.const 2))
         ;; less than PIPE_BUF free is still not ready
         (call $rd {R} (i32.const 0x22000) (i32.const 4095))
         (call $poll (i32.const 2))
         (call $rd {R} (i32.const 0x22000) (i32.const 1))
         (call $poll (i32.const 2))",
    );
    assert_eq!(
        out,
        "0 0 65536 0 1 22 0 0 0 0 0 4095 0 1 22 0 0 0 0 0 1 0 1 33 0 2 4096 0 "
    );
}

#[test]
fn dup_shares_the_pipe_end() {
    let out = run(
        &["xy"],
        "(call $pipe)
         ;; fd 5 = dup of the write end; writes through either reach the reader
         (call $r (call $fd_dup {W} (i32.const 8))) (call $r (i32.load (i32.const 8)))
         (call $r (call $fd_fdflags_get (i32.const 5) (i32.const 12)))
         (call $r (i32.load16_u (i32.const 12)))
         (call $wr (i32.const 5) {s0})
         (call $r (call $fd_close {W}))
         (call $wr (i32.const 5) {s0})
         (call $rd {R} (i32.const 512) (i32.const 64))
         (call $s (i32.const 512) (i32.const 4))
         ;; status flags are shared too: NONBLOCK set on fd 3 shows through its dup, fd 4
         (call $flags {R} (i32.const 4))
         (call $r (call $fd_dup {R} (i32.const 8))) (call $r (i32.load (i32.const 8)))
         (call $r (call $fd_fdstat_get (i32.const 4) (i32.const 64)))
         (call $r (i32.load16_u (i32.const 66)))
         ;; fd 5 still writes: the reader sees AGAIN, not end of file, until it closes
         (call $rd {R} (i32.const 512) (i32.const 64))
         (call $r (call $fd_close (i32.const 5)))
         (call $rd {R} (i32.const 512) (i32.const 64))
         (call $rd (i32.const 4) (i32.const 512) (i32.const 64))",
    );
    assert_eq!(
        out,
        format!("0 0 5 0 0 0 2 0 0 2 0 4 xyxy 0 0 4 0 4 {AGAIN} 0 0 0 0 0 ")
    );
}

#[test]
fn dup2_and_descriptor_flags() {
    let out = run(
        &[],
        "(call $pipe)
         ;; lowest free at or above 10, CLOEXEC as asked
         (call $r (call $fd_dup2 {R} (i32.const 10) (i32.const 1) (i32.const 8)))
         (call $r (i32.load (i32.const 8)))
         (call $r (call $fd_fdflags_get (i32.const 10) (i32.const 12)))
         (call $r (i32.load16_u (i32.const 12)))
         (call $r (call $fd_dup2 {R} (i32.const 10) (i32.const 0) (i32.const 8)))
         (call $r (i32.load (i32.const 8)))
         (call $r (call $fd_fdflags_get (i32.const 11) (i32.const 12)))
         (call $r (i32.load16_u (i32.const 12)))
         ;; min below the used ones: the lowest free (5)
         (call $r (call $fd_dup2 {W} (i32.const 1) (i32.const 0) (i32.const 8)))
         (call $r (i32.load (i32.const 8)))
         ;; set and clear CLOEXEC
         (call $r (call $fd_fdflags_set (i32.const 11) (i32.const 1)))
         (drop (call $fd_fdflags_get (i32.const 11) (i32.const 12)))
         (call $r (i32.load16_u (i32.const 12)))
         (call $r (call $fd_fdflags_set (i32.const 10) (i32.const 0)))
         (drop (call $fd_fdflags_get (i32.const 10) (i32.const 12)))
         (call $r (i32.load16_u (i32.const 12)))
         ;; the original keeps its own flags
         (drop (call $fd_fdflags_get {R} (i32.const 12)))
         (call $r (i32.load16_u (i32.const 12)))",
    );
    assert_eq!(out, "0 0 10 0 1 0 11 0 0 0 5 0 1 0 0 0 ");
}

#[test]
fn bad_arguments_change_nothing() {
    let out = run(
        &[],
        "(call $pipe)
         ;; bad descriptors
         (call $r (call $fd_dup (i32.const 99) (i32.const 8)))
         (call $r (call $fd_dup (i32.const -1) (i32.const 8)))
         (call $r (call $fd_dup2 (i32.const 99) (i32.const 0) (i32.const 0) (i32.const 8)))
         (call $r (call $fd_fdflags_get (i32.const 99) (i32.const 12)))
         (call $r (call $fd_fdflags_set (i32.const 99) (i32.const 0)))
         ;; bad pointers: nothing is created (the next pipe still gets 5 and 6)
         (call $r (call $fd_pipe (i32.const 0) (i32.const 262142)))
         (call $r (call $fd_pipe (i32.const -4) (i32.const 0)))
         (call $r (call $fd_dup {R} (i32.const 262141)))
         (call $r (call $fd_dup2 {R} (i32.const 0) (i32.const 0) (i32.const 262141)))
         (call $r (call $fd_fdflags_get {R} (i32.const 262143)))
         (call $r (call $fd_dup {R} (i32.const 8))) (call $r (i32.load (i32.const 8)))
         (drop (call $fd_close (i32.const 5)))
         ;; bad flags and booleans; min at or beyond the limit
         (call $r (call $fd_dup2 {R} (i32.const 0) (i32.const 2) (i32.const 8)))
         (call $r (call $fd_dup2 {R} (i32.const 0) (i32.const -1) (i32.const 8)))
         (call $r (call $fd_dup2 {R} (i32.const 1024) (i32.const 0) (i32.const 8)))
         (call $r (call $fd_dup2 {R} (i32.const -1) (i32.const 0) (i32.const 8)))
         (call $r (call $fd_fdflags_set {R} (i32.const 2)))
         (call $r (call $fd_fdflags_set {R} (i32.const 0x10001)))
         (call $r (call $fd_fdflags_set {R} (i32.const -1)))
         (call $pipe) (call $r {R}) (call $r {W})",
    );
    let expected = format!(
        "0 {BADF} {BADF} {BADF} {BADF} {BADF} {FAULT} {FAULT} {FAULT} {FAULT} {FAULT} 0 5 \
         {INVAL} {INVAL} {INVAL} {INVAL} {INVAL} {INVAL} {INVAL} 0 5 6 "
    );
    assert_eq!(out, expected);
}

#[test]
fn full_descriptor_table_is_mfile() {
    let out = run(
        &[],
        "(local $n i32) (local $e i32)
         (call $pipe)
         ;; dup stdin until the table (1024 descriptors) is full
         (block $done (loop $l
           (local.set $e (call $fd_dup (i32.const 0) (i32.const 8)))
           (br_if $done (local.get $e))
           (local.set $n (i32.add (local.get $n) (i32.const 1)))
           (br $l)))
         (call $r (local.get $e)) (call $r (local.get $n))
         (call $r (call $fd_dup2 (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 8)))
         (call $r (call $fd_pipe (i32.const 16) (i32.const 20)))
         ;; one free descriptor is not enough for a pipe
         (drop (call $fd_close (i32.const 100)))
         (call $r (call $fd_pipe (i32.const 16) (i32.const 20)))
         (drop (call $fd_close (i32.const 1000)))
         (call $r (call $fd_pipe (i32.const 16) (i32.const 20)))
         (call $r (i32.load (i32.const 16))) (call $r (i32.load (i32.const 20)))",
    );
    assert_eq!(
        out,
        format!("0 {MFILE} 1019 {MFILE} {MFILE} {MFILE} 0 100 1000 ")
    );
}
