//! Tests of `/dev` ([`crate::devfs`]): small programs in WebAssembly text, written with
//! the helpers of [`crate::tests_fs`] (each call's errno, then any values, printed as
//! decimal numbers separated by spaces), run with `/dev` mounted and the root preopened
//! as `/` (fd 3) holding `a.txt` ("hello"). The expected outputs are Linux's behaviour
//! as WASI reports it, except where [`crate::devfs`] documents a difference.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::testing::Opts;
use crate::tests_fs::{module, rights};
use crate::types::ExitStatus;
use crate::types::Tty;

/// More helpers (the poll import, then functions): `$iovs` fills 1024 iovecs at 16384, each the 32 KiB at 32768 (32 MiB
/// asked of one read); `$sub i fd kind` writes poll subscription `i` at 12288 for reading
/// (kind 1) or writing (2) `fd`, userdata `i`; `$poll n` polls the first `n` and prints
/// the errno, then userdata, error, type, nbytes and flags of each event.
const POLL_IMPORT: &str = r#"
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
"#;

/// The helper functions [`POLL_IMPORT`]'s comment describes.
const EXTRA: &str = r#"
  (func $iovs (local $i i32)
    (loop $l
      (i32.store (i32.add (i32.const 16384) (local.get $i)) (i32.const 32768))
      (i32.store (i32.add (i32.const 16388) (local.get $i)) (i32.const 32768))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 8192)))))
  (func $sub (param $i i32) (param $fd i32) (param $kind i32) (local $at i32)
    (local.set $at (i32.add (i32.const 12288) (i32.mul (local.get $i) (i32.const 48))))
    (i64.store (local.get $at) (i64.extend_i32_u (local.get $i)))
    (i32.store8 offset=8 (local.get $at) (local.get $kind))
    (i32.store offset=16 (local.get $at) (local.get $fd)))
  (func $poll (param $n i32) (local $at i32) (local $end i32)
    (call $r (call $poll_oneoff (i32.const 12288) (i32.const 14336) (local.get $n) (i32.const 8)))
    (local.set $at (i32.const 14336))
    (local.set $end (i32.add (i32.const 14336) (i32.mul (i32.load (i32.const 8)) (i32.const 32))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
      (call $r64 (i64.load (local.get $at)))
      (call $r (i32.load16_u offset=8 (local.get $at)))
      (call $r (i32.load8_u offset=10 (local.get $at)))
      (call $r64 (i64.load offset=16 (local.get $at)))
      (call $r (i32.load16_u offset=24 (local.get $at)))
      (local.set $at (i32.add (local.get $at) (i32.const 32)))
      (br $l))))
"#;

/// How to run a program: its stdin bytes (else `/dev/null`-like), console input waiting
/// before it starts, and whether the console is cooked (`\n` → `\r\n` on output).
#[derive(Default)]
struct Setup {
    stdin: Option<Vec<u8>>,
    input: &'static [u8],
    cooked: bool,
}

/// What a program printed on stdout and stderr, and the kernel afterwards.
struct Out {
    stdout: String,
    stderr: String,
    kernel: crate::Kernel,
}

/// Runs `body` (with the `{pN}` strings and rights shorthands expanded) to a normal exit.
fn run_dev(strings: &[&str], body: &str, setup: Setup) -> Out {
    let wat = module(strings, &rights(body));
    let wat = wat
        .replacen("(module\n", &format!("(module\n{POLL_IMPORT}"), 1)
        .replacen("  (func (export", &format!("{EXTRA}  (func (export"), 1);
    let wasm = wat::parse_str(&wat).expect("valid wat");
    let opts = Opts {
        files: alloc::vec![("a.txt", b"hello")],
        preopen: Some("/"),
        stdin: setup.stdin,
        dev: true,
        ..Opts::default()
    };
    let (mut kernel, console, pid) = crate::testing::kernel_with(&wasm, &opts);
    console.borrow_mut().input = setup.input.to_vec();
    if setup.cooked {
        kernel.sys().tty = Tty::cooked();
    }
    kernel.run();
    let c = console.borrow();
    let stderr = String::from_utf8_lossy(&c.stderr).into_owned();
    assert_eq!(kernel.status(pid), Some(ExitStatus::Code(0)), "{stderr}");
    Out {
        stdout: String::from_utf8_lossy(&c.stdout).into_owned(),
        stderr,
        kernel,
    }
}

/// The contents of `path` (from the root) after a run.
fn file(kernel: &mut crate::Kernel, path: &str) -> Vec<u8> {
    let fs = &mut kernel.sys().fs;
    let ino = fs.lookup(fs.root(), path, true).expect("exists");
    let mut buf = alloc::vec![0u8; 64];
    let n = fs.read(ino, 0, &mut buf).expect("read");
    buf.truncate(n);
    buf
}

#[test]
fn dev_null_reads_eof_discards_writes_and_ignores_trunc_and_creat() {
    let out = run_dev(
        &["dev/null", "abc"],
        r#"
        (drop (call $o (i32.const 3) {p0} (i32.const 0) RW (i32.const 0)))
        (call $rd (i32.const 4) (i32.const 16))
        (call $wr (i32.const 4) {p1})
        (drop (call $o (i32.const 3) {p0} (i32.const 9) WO (i32.const 0)))
        (call $wr (i32.const 5) {p1})
        (call $rd (i32.const 5) (i32.const 1))
        (drop (call $o (i32.const 3) {p0} (i32.const 0) RO (i32.const 0)))
        (call $wr (i32.const 6) {p1})
        (drop (call $o (i32.const 3) {p0} (i32.const 5) RW (i32.const 0)))
        (drop (call $o (i32.const 3) {p0} (i32.const 2) RO (i32.const 0)))
        (call $st (i32.const 4))
        (call $r (call $fd_seek (i32.const 4) (i64.const 100) (i32.const 0) (i32.const 0)))
        (call $r64 (i64.load (i32.const 0)))
        (call $r (call $fd_tell (i32.const 4) (i32.const 0)))
        (call $r64 (i64.load (i32.const 0)))
        (call $r (call $fd_pwrite (i32.const 4) (i32.const 16) (i32.const 1) (i64.const 7) (i32.const 8)))
        (call $r (call $fd_fdstat_get (i32.const 4) (i32.const 64)))
        (call $r (i32.load8_u (i32.const 64)))
        (call $r64 (i64.load (i32.const 72)))
        (call $r (call $fd_filestat_set_size (i32.const 4) (i64.const 0)))"#,
        Setup::default(),
    );
    // Read: end of file; write: 3 discarded; TRUNC|CREAT for writing: opened, and writes
    // are discarded; reading a write-only handle or writing a read-only one: BADF (8);
    // CREAT|EXCL: EXIST (20); DIRECTORY: NOTDIR (54); fstat: a character device (2);
    // seeking anywhere and telling give 0, as Linux; pwrite works; the handle has the
    // rights asked (66 = read + write); ftruncate is BADF.
    assert_eq!(
        out.stdout,
        "0 4 0 0  0 3 0 5 0 3 8 0 6 8 20 54 0 2 0 0 0 0 0 0 0 0 2 66 8 "
    );
}

#[test]
fn dev_zero_and_random_fill_reads_bounded_per_call() {
    let out = run_dev(
        &["dev/zero", "dev/urandom", "dev/random", "abc"],
        r#"
        (drop (call $o (i32.const 3) {p0} (i32.const 0) RW (i32.const 0)))
        (memory.fill (i32.const 512) (i32.const 255) (i32.const 64))
        (i32.store (i32.const 16) (i32.const 512)) (i32.store (i32.const 20) (i32.const 8))
        (call $r (call $fd_read (i32.const 4) (i32.const 16) (i32.const 1) (i32.const 8)))
        (call $r (i32.load (i32.const 8)))
        (call $r64 (i64.load (i32.const 512)))
        (call $r (i32.load8_u (i32.const 520)))
        (call $wr (i32.const 4) {p3})
        (call $iovs)
        (call $r (call $fd_read (i32.const 4) (i32.const 16384) (i32.const 1024) (i32.const 8)))
        (call $r (i32.load (i32.const 8)))
        (call $r (call $fd_write (i32.const 4) (i32.const 16384) (i32.const 1024) (i32.const 8)))
        (call $r (i32.load (i32.const 8)))
        (i32.store (i32.const 16) (i32.const 512)) (i32.store (i32.const 20) (i32.const 8))
        (call $r (call $fd_pread (i32.const 4) (i32.const 16) (i32.const 1) (i64.const 5) (i32.const 8)))
        (call $r (i32.load (i32.const 8)))
        (drop (call $o (i32.const 3) {p1} (i32.const 0) RW (i32.const 0)))
        (call $r (call $fd_read (i32.const 5) (i32.const 16) (i32.const 1) (i32.const 8)))
        (i32.store (i32.const 16) (i32.const 520))
        (call $r (call $fd_read (i32.const 5) (i32.const 16) (i32.const 1) (i32.const 8)))
        (call $r (i64.ne (i64.load (i32.const 512)) (i64.load (i32.const 520))))
        (call $r (call $fd_read (i32.const 5) (i32.const 16384) (i32.const 1024) (i32.const 8)))
        (call $r (i32.load (i32.const 8)))
        (call $wr (i32.const 5) {p3})
        (drop (call $o (i32.const 3) {p2} (i32.const 0) RO (i32.const 0)))
        (i32.store (i32.const 16) (i32.const 512)) (i32.store (i32.const 20) (i32.const 8))
        (call $r (call $fd_read (i32.const 6) (i32.const 16) (i32.const 1) (i32.const 8)))
        (call $r (i32.load (i32.const 8)))
        (call $st (i32.const 6))
        (call $wr (i32.const 6) {p3})"#,
        Setup::default(),
    );
    // /dev/zero: 8 zero bytes read, the byte after them untouched; a write of 3
    // discarded; 32 MiB asked in one read (or write) moves 16 MiB; pread works.
    // /dev/urandom: two reads differ; one read gives at most 1 MiB; writes are accepted.
    // /dev/random: the same device, a character device; its read-only handle refuses
    // writes (BADF).
    assert_eq!(
        out.stdout,
        "0 4 0 8 0 255 0 3 0 16777216 0 16777216 0 8 0 5 0 0 1 0 1048576 0 3 0 6 0 8 0 2 0 0 8 "
    );
}

#[test]
fn dev_stats_and_lists_character_devices() {
    let out = run_dev(
        &["dev", "dev/tty", "dev/stdin"],
        r#"
        (call $pst (i32.const 0) {p0})
        (call $pst (i32.const 0) {p1})
        (call $pst (i32.const 1) {p2})
        (drop (call $o (i32.const 3) {p0} (i32.const 2) DIR (i32.const 0)))
        (call $r (call $fd_readdir (i32.const 4) (i32.const 8192) (i32.const 4096) (i64.const 0) (i32.const 8)))
        (call $ents (i32.const 8192) (i32.add (i32.const 8192) (i32.load (i32.const 8))))"#,
        Setup::default(),
    );
    // stat: the directory (3, its size the number of entries, three links with `fd/`),
    // then character devices (2) of one link and size 0; the listing gives every device
    // as a character device too, and the directory `fd`.
    assert_eq!(
        out.stdout,
        "0 3 3 9 0 2 1 0 0 2 1 0 0 4 0 1 3 . 2 3 .. 3 2 null 4 2 zero 5 2 urandom \
         6 2 random 7 2 tty 8 2 stdin 9 2 stdout 10 2 stderr 11 3 fd "
    );
}

#[test]
fn dev_refuses_changes_with_rofs() {
    let mut out = run_dev(
        &["dev/x", "dev/null", "a.txt", "dev/new", "dev"],
        r#"
        (call $r (call $path_create_directory (i32.const 3) {p0}))
        (call $r (call $path_unlink_file (i32.const 3) {p1}))
        (call $r (call $path_rename (i32.const 3) {p1} (i32.const 3) {p0}))
        (call $r (call $path_rename (i32.const 3) {p2} (i32.const 3) {p0}))
        (call $r (call $path_rename (i32.const 3) {p2} (i32.const 3) {p1}))
        (call $r (call $path_link (i32.const 3) (i32.const 0) {p2} (i32.const 3) {p0}))
        (call $r (call $path_symlink {p2} (i32.const 3) {p0}))
        (drop (call $o (i32.const 3) {p3} (i32.const 1) RW (i32.const 0)))
        (call $r (call $path_filestat_set_times (i32.const 3) (i32.const 0) {p1}
          (i64.const 0) (i64.const 0) (i32.const 10)))
        (call $r (call $path_remove_directory (i32.const 3) {p4}))"#,
        Setup::default(),
    );
    // mkdir, unlink, rename out and in (onto a device too), link, symlink, creating a new
    // name, touching: ROFS (69); rmdir: NOTEMPTY (55), as for any full directory.
    assert_eq!(out.stdout, "69 69 69 69 69 69 69 69 69 55 ");
    assert_eq!(file(&mut out.kernel, "a.txt"), b"hello");
    out.kernel.sys().fs.check_consistency().unwrap();
}

#[test]
fn dev_stdin_stdout_stderr_share_the_callers_descriptors() {
    let mut out = run_dev(
        &[
            "dev/stdin",
            "dev/stdout",
            "dev/stderr",
            "a.txt",
            "XY",
            "Z",
            "err",
        ],
        r#"
        (drop (call $o (i32.const 3) {p0} (i32.const 0) RO (i32.const 0)))
        (call $rd (i32.const 0) (i32.const 2))
        (call $rd (i32.const 4) (i32.const 2))
        (call $r (call $fd_tell (i32.const 0) (i32.const 0)))
        (call $r64 (i64.load (i32.const 0)))
        (drop (call $o (i32.const 3) {p2} (i32.const 0) WO (i32.const 0)))
        (call $wr (i32.const 5) {p6})
        (call $r (call $fd_close (i32.const 0)))
        (call $r (call $fd_close (i32.const 4)))
        (drop (call $o (i32.const 3) {p0} (i32.const 0) RO (i32.const 0)))
        (drop (call $o (i32.const 3) {p3} (i32.const 0) RW (i32.const 0)))
        ;; fd 1 becomes a.txt (nothing printed from here on), then /dev/stdout opens as
        ;; fd 0 on the same description: writes through either share the offset.
        (drop (call $fd_renumber (i32.const 0) (i32.const 1)))
        (drop (call $path_open (i32.const 3) (i32.const 1) {p1} (i32.const 9) WO (i64.const 0)
          (i32.const 0) (i32.const 0)))
        (i32.store (i32.const 16) {a4}) (i32.store (i32.const 20) (i32.const 2))
        (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 8)))
        (i32.store (i32.const 16) {a5}) (i32.store (i32.const 20) (i32.const 1))
        (drop (call $fd_write (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 8)))"#,
        Setup {
            stdin: Some(b"hello".to_vec()),
            ..Setup::default()
        },
    );
    // fd 0 reads "he", /dev/stdin (fd 4) goes on from the shared offset with "ll", and fd
    // 0's offset is then 4; /dev/stderr writes to the caller's stderr. With fd 0 closed,
    // /dev/stdin is NOENT (44), as on Linux.
    assert_eq!(out.stdout, "0 4 0 2 he 0 2 ll 0 4 0 5 0 3 0 0 44 0 0 ");
    assert_eq!(out.stderr, "err");
    // "XY" through fd 1 then "Z" through /dev/stdout land one after the other (and TRUNC
    // was ignored: the description is shared, not re-opened).
    assert_eq!(file(&mut out.kernel, "a.txt"), b"XYZlo");
    let sys = out.kernel.sys();
    assert_eq!(sys.files.count(), 0, "every description closed at exit");
}

/// `/dev/fd/N` is the opener's descriptor N once more, as `/dev/stdout` is its 1 (how
/// bash hands a process substitution `<(cmd)` to the command); a closed one is NOENT,
/// and there is no `/dev/fd/64`.
#[test]
fn dev_fd_n_shares_the_callers_descriptor() {
    let out = run_dev(
        &[
            "dev/fd/1",
            "dev/fd/9",
            "dev/fd/64",
            "via-fd-1 ",
            "dev/fd/2",
            "err",
        ],
        r#"
        (drop (call $o (i32.const 3) {p0} (i32.const 0) WO (i32.const 0)))
        (call $wr (i32.const 4) {p3})
        (call $r (call $path_open (i32.const 3) (i32.const 1) {p1} (i32.const 0) WO (i64.const 0)
          (i32.const 0) (i32.const 0)))
        (call $r (call $path_open (i32.const 3) (i32.const 1) {p2} (i32.const 0) WO (i64.const 0)
          (i32.const 0) (i32.const 0)))
        (drop (call $o (i32.const 3) {p4} (i32.const 0) WO (i32.const 0)))
        (call $wr (i32.const 5) {p5})"#,
        Setup::default(),
    );
    assert_eq!(out.stdout, "0 4 via-fd-1 0 9 44 44 0 5 0 3 ");
    assert_eq!(out.stderr, "err");
}

#[test]
fn dev_tty_reads_the_console_and_writes_its_stdout() {
    let body = r#"
        (drop (call $o (i32.const 3) {p0} (i32.const 0) (i64.const 102) (i32.const 0)))
        (call $rd (i32.const 4) (i32.const 5))
        (i32.store (i32.const 600) (i32.const 0x000a6968))
        (call $wr (i32.const 4) (i32.const 600) (i32.const 3))
        (call $r (call $fd_fdstat_get (i32.const 4) (i32.const 64)))
        (call $r (i32.load8_u (i32.const 64)))
        (call $r64 (i64.load (i32.const 72)))
        (call $r (call $fd_seek (i32.const 4) (i64.const 0) (i32.const 1) (i32.const 0)))
        (call $r (call $fd_tell (i32.const 4) (i32.const 0)))"#;
    let raw = run_dev(
        &["dev/tty"],
        body,
        Setup {
            input: b"typed",
            ..Setup::default()
        },
    );
    // The console input is read; "hi\n" goes to the console's stdout untranslated in raw
    // mode; a character device whose handle lacks the seek and tell rights asked for
    // (102 → 66: wasi-libc's isatty says yes); seek and tell are SPIPE (70), as Linux.
    assert_eq!(raw.stdout, "0 4 0 5 typed hi\n0 3 0 2 66 70 70 ");
    // Cooked: the console echoes the input line and translates "\n" to "\r\n".
    let cooked = run_dev(
        &["dev/tty"],
        body,
        Setup {
            input: b"typed\n",
            cooked: true,
            ..Setup::default()
        },
    );
    assert!(
        cooked.stdout.contains("hi\r\n0 3 0 2 66 70 70 "),
        "{:?}",
        cooked.stdout
    );
}

#[test]
fn dev_poll_readiness() {
    let out = run_dev(
        &["dev/null", "dev/zero", "dev/urandom", "dev/tty"],
        r#"
        (drop (call $o (i32.const 3) {p0} (i32.const 0) RW (i32.const 0)))
        (drop (call $o (i32.const 3) {p1} (i32.const 0) RW (i32.const 0)))
        (drop (call $o (i32.const 3) {p2} (i32.const 0) RW (i32.const 0)))
        (drop (call $o (i32.const 3) {p3} (i32.const 0) RW (i32.const 0)))
        (call $sub (i32.const 0) (i32.const 4) (i32.const 1))
        (call $sub (i32.const 1) (i32.const 5) (i32.const 1))
        (call $sub (i32.const 2) (i32.const 6) (i32.const 1))
        (call $sub (i32.const 3) (i32.const 4) (i32.const 2))
        (call $sub (i32.const 4) (i32.const 5) (i32.const 2))
        (call $sub (i32.const 5) (i32.const 7) (i32.const 2))
        (call $poll (i32.const 6))
        (call $sub (i32.const 0) (i32.const 7) (i32.const 1))
        (call $poll (i32.const 1))"#,
        Setup {
            input: b"x",
            ..Setup::default()
        },
    );
    // Reads: /dev/null at end of file (HANGUP), /dev/zero and /dev/urandom with what one
    // read gives; writes: all ready. Then /dev/tty is readable with the console input.
    assert_eq!(
        out.stdout,
        "0 4 0 5 0 6 0 7 0 0 0 1 0 1 1 0 1 16777216 0 2 0 1 1048576 0 3 0 2 1 0 \
         4 0 2 1 0 5 0 2 1 0 0 0 0 1 1 0 "
    );
}
