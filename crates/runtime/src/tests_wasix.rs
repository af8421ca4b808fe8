//! Tests of the WASIX process and signal calls (`proc_spawn`, `proc_spawn2`, `proc_join`,
//! `proc_exec*`, `proc_exit2`, `proc_id`, `proc_parent`, `proc_signal`,
//! `proc_signals_*`, `callback_signal`, `proc_raise_interval`) and their neighbours
//! (`getcwd`, `chdir`, `thread_sleep`, `tty_get` / `tty_set`).
//!
//! Every program is WebAssembly text built by [`module`]: it imports every call under test
//! and prints results as decimal numbers separated by spaces. Child programs are built the
//! same way and placed in the filesystem (`/child.wasm` and friends). Each run checks that
//! nothing leaked once every process has ended: no task, open file or pipe is left.
//!
//! The bad-input tests are tables of (label, expression, errno): one program evaluates the
//! expressions in order and prints each result, and a mismatch names its label. The fake
//! clock only moves when asked or when every process waits, so the timings here are exact;
//! a run that never ends (a process waiting for a wake-up that never comes) fails after a
//! generous wall-clock limit instead of hanging the test suite.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::sched::Stats;
use crate::testing::{Opts, kernel_with};
use crate::types::ExitStatus;

/// Errnos, as the programs print them.
const AGAIN: u32 = 6;
const BADF: u32 = 8;
const CHILD: u32 = 12;
const FAULT: u32 = 21;
const ILSEQ: u32 = 25;
const INTR: u32 = 27;
const INVAL: u32 = 28;
const MFILE: u32 = 33;
const NOENT: u32 = 44;
const NOEXEC: u32 = 45;
const NOMEM: u32 = 48;
const NOTDIR: u32 = 54;
const NOTSUP: u32 = 58;
const RANGE: u32 = 68;
const SRCH: u32 = 71;
const TOOBIG: u32 = 1;
const EXIST: u32 = 20;
const PERM: u32 = 63;

/// Imports: (module, name, parameter types, returns an errno).
const CALLS: &[(&str, &str, &str, bool)] = &[
    (
        "wasix_32v1",
        "proc_spawn",
        "i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32",
        true,
    ),
    (
        "wasix_32v1",
        "proc_spawn2",
        "i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32",
        true,
    ),
    ("wasix_32v1", "proc_join", "i32 i32 i32", true),
    (
        "wasix_32v1",
        "proc_exec3",
        "i32 i32 i32 i32 i32 i32 i32 i32 i32",
        true,
    ),
    (
        "wasix_32v1",
        "proc_spawn3",
        "i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32",
        true,
    ),
    (
        "wasix_32v1",
        "proc_exec4",
        "i32 i32 i32 i32 i32 i32 i32 i32 i32",
        true,
    ),
    ("wasix_32v1", "proc_exec2", "i32 i32 i32 i32 i32 i32", false),
    ("wasix_32v1", "proc_exec", "i32 i32 i32 i32", false),
    ("wasix_32v1", "proc_exit2", "i32", false),
    ("wasix_32v1", "proc_id", "i32", true),
    ("wasix_32v1", "proc_parent", "i32 i32", true),
    ("wasix_32v1", "proc_signal", "i32 i32", true),
    ("wasix_32v1", "proc_signals_sizes_get", "i32", true),
    ("wasix_32v1", "proc_signals_get", "i32", true),
    ("wasix_32v1", "callback_signal", "i32 i32", false),
    ("wasix_32v1", "proc_raise_interval", "i32 i64 i32", true),
    ("wasix_32v1", "getcwd", "i32 i32", true),
    ("wasix_32v1", "chdir", "i32 i32", true),
    ("wasix_32v1", "thread_sleep", "i64", true),
    ("wasix_32v1", "tty_get", "i32", true),
    ("wasix_32v1", "tty_set", "i32", true),
    ("wasix_32v1", "fd_pipe", "i32 i32", true),
    ("wasix_32v1", "fd_event", "i64 i32 i32", true),
    ("wasix_32v1", "epoll_create", "i32", true),
    ("wasix_32v1", "epoll_ctl", "i32 i32 i32 i32", true),
    ("wasix_32v1", "epoll_wait", "i32 i32 i32 i64 i32", true),
    ("wasix_32v1", "fd_dup", "i32 i32", true),
    ("wasix_32v1", "thread_local_create", "i64 i32", true),
    ("wasix_32v1", "thread_local_destroy", "i32", true),
    ("wasix_32v1", "thread_local_set", "i32 i64", true),
    ("wasix_32v1", "thread_local_get", "i32 i32", true),
    ("wasmkernel_jobs_v1", "proc_setpgid", "i32 i32", true),
    ("wasmkernel_jobs_v1", "proc_getpgid", "i32 i32", true),
    ("wasmkernel_jobs_v1", "tty_setpgrp", "i32", true),
    ("wasmkernel_jobs_v1", "tty_getpgrp", "i32", true),
    (
        "wasi_snapshot_preview1",
        "fd_write",
        "i32 i32 i32 i32",
        true,
    ),
    ("wasi_snapshot_preview1", "fd_read", "i32 i32 i32 i32", true),
    (
        "wasi_snapshot_preview1",
        "fd_pread",
        "i32 i32 i32 i64 i32",
        true,
    ),
    (
        "wasi_snapshot_preview1",
        "path_open",
        "i32 i32 i32 i32 i32 i64 i64 i32 i32",
        true,
    ),
    ("wasi_snapshot_preview1", "fd_close", "i32", true),
    ("wasi_snapshot_preview1", "random_get", "i32 i32", true),
    ("wasi_snapshot_preview1", "fd_fdstat_get", "i32 i32", true),
    (
        "wasi_snapshot_preview1",
        "fd_fdstat_set_rights",
        "i32 i64 i64",
        true,
    ),
    (
        "wasi_snapshot_preview1",
        "clock_time_get",
        "i32 i64 i32",
        true,
    ),
    ("wasi_snapshot_preview1", "args_sizes_get", "i32 i32", true),
    ("wasi_snapshot_preview1", "args_get", "i32 i32", true),
    (
        "wasi_snapshot_preview1",
        "environ_sizes_get",
        "i32 i32",
        true,
    ),
    ("wasi_snapshot_preview1", "proc_exit", "i32", false),
];

/// Helpers. Memory (1 page): 16..32 = `$cat`'s iovec and count, 80..100 = small results
/// (88 = clock, 92 / 96 = pids), 100 = `proc_spawn2`'s pid, 200..228 = `proc_spawn`'s
/// handles, 240..248 = the `option_pid` and 248..254 the `join_status` of `$join`,
/// 300..324 = a tty, 396 / 400.. = getcwd's length and buffer, 512..768 = `$cat`'s buffer,
/// 800..856 = printing scratch for signal handlers, 900..956 = printing scratch, 1020 = a
/// space, 1024.. = strings (64 bytes each), 2048.. = `proc_spawn_fd_op` records (56 bytes
/// each), 2400.. = signal dispositions (2 bytes each), 3000.. = counters, 3500.. = bytes
/// that are not UTF-8.
///
/// - `$r n` prints n and a space; `$s ptr len` prints bytes and a space; `$out ptr len`
///   prints bytes as they are. `$hr` / `$hs` are the same for signal handlers (their own
///   scratch, as a handler may run between any two slices).
/// - `$cat fd` copies `fd` to stdout until end of file (an error prints 1000 + errno).
/// - `$spawn name len stdin stdout stderr` → errno: `proc_spawn` with no arguments, no
///   preopens, the caller's directory; handles at 200.
/// - `$spawn2 name len nops nsigs` → errno: `proc_spawn2` with the fd ops at 2048 and the
///   dispositions at 2400; the pid at 100.
/// - `$op i cmd fd src path len` sets fd op i; `$sd i sig disp` sets disposition i.
/// - `$join pid flags` (pid -1: any child) prints the errno and, on success, the pid, the
///   status tag, the exit code and the signal.
/// - `$pid` → own pid; `$now` → monotonic ns.
const HELPERS: &str = r#"
  (memory (export "memory") 1)
  (data (i32.const 1020) " ")
  (func $print (param $p i32) (param $l i32) (param $io i32)
    (i32.store (local.get $io) (local.get $p))
    (i32.store offset=4 (local.get $io) (local.get $l))
    (drop (call $fd_write (i32.const 1) (local.get $io) (i32.const 1)
      (i32.add (local.get $io) (i32.const 8)))))
  (func $num (param $n i32) (param $buf i32) (local $p i32)
    (local.set $p (i32.add (local.get $buf) (i32.const 31)))
    (i32.store8 (local.get $p) (i32.const 32))
    (loop $l
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $l (local.get $n)))
    (call $print (local.get $p) (i32.sub (i32.add (local.get $buf) (i32.const 32)) (local.get $p))
      (i32.add (local.get $buf) (i32.const 32))))
  (func $r (param $n i32) (call $num (local.get $n) (i32.const 900)))
  (func $hr (param $n i32) (call $num (local.get $n) (i32.const 800)))
  (func $out (param $p i32) (param $l i32) (call $print (local.get $p) (local.get $l) (i32.const 944)))
  (func $s (param $p i32) (param $l i32)
    (call $print (local.get $p) (local.get $l) (i32.const 944))
    (call $print (i32.const 1020) (i32.const 1) (i32.const 944)))
  (func $hs (param $p i32) (param $l i32)
    (call $print (local.get $p) (local.get $l) (i32.const 844))
    (call $print (i32.const 1020) (i32.const 1) (i32.const 844)))
  (func $cat (param $fd i32) (local $e i32)
    (block $done (loop $l
      (i32.store (i32.const 16) (i32.const 512)) (i32.store (i32.const 20) (i32.const 256))
      (local.set $e (call $fd_read (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 24)))
      (if (local.get $e) (then (call $r (i32.add (i32.const 1000) (local.get $e))) (br $done)))
      (br_if $done (i32.eqz (i32.load (i32.const 24))))
      (call $out (i32.const 512) (i32.load (i32.const 24)))
      (br $l))))
  (func $spawn (param $name i32) (param $len i32) (param $in i32) (param $o i32) (param $e i32)
    (result i32)
    (call $proc_spawn (local.get $name) (local.get $len) (i32.const 0) (i32.const 0) (i32.const 0)
      (i32.const 0) (i32.const 0) (local.get $in) (local.get $o) (local.get $e)
      (i32.const 0) (i32.const 0) (i32.const 200)))
  (func $spawn2 (param $name i32) (param $len i32) (param $nops i32) (param $nsigs i32)
    (result i32)
    (call $proc_spawn2 (local.get $name) (local.get $len) (i32.const 0) (i32.const 0)
      (i32.const 0) (i32.const 0) (i32.const 2048) (local.get $nops) (i32.const 2400)
      (local.get $nsigs) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 100)))
  (func $op (param $i i32) (param $cmd i32) (param $fd i32) (param $src i32) (param $p i32)
    (param $l i32) (local $at i32)
    (local.set $at (i32.add (i32.const 2048) (i32.mul (local.get $i) (i32.const 56))))
    (memory.fill (local.get $at) (i32.const 0) (i32.const 56))
    (i32.store8 (local.get $at) (local.get $cmd))
    (i32.store offset=4 (local.get $at) (local.get $fd))
    (i32.store offset=8 (local.get $at) (local.get $src))
    (i32.store offset=12 (local.get $at) (local.get $p))
    (i32.store offset=16 (local.get $at) (local.get $l)))
  (func $sd (param $i i32) (param $sig i32) (param $disp i32)
    (i32.store8 (i32.add (i32.const 2400) (i32.mul (local.get $i) (i32.const 2))) (local.get $sig))
    (i32.store8 (i32.add (i32.const 2401) (i32.mul (local.get $i) (i32.const 2))) (local.get $disp)))
  (func $join (param $pid i32) (param $flags i32) (local $e i32)
    (i32.store (i32.const 240) (i32.ne (local.get $pid) (i32.const -1)))
    (i32.store (i32.const 244) (local.get $pid))
    (i64.store (i32.const 248) (i64.const 0))
    (local.set $e (call $proc_join (i32.const 240) (local.get $flags) (i32.const 248)))
    (call $r (local.get $e))
    (if (i32.eqz (local.get $e)) (then
      (call $r (i32.load (i32.const 244)))
      (call $r (i32.load8_u (i32.const 248)))
      (call $r (i32.load16_u (i32.const 250)))
      (call $r (i32.load8_u (i32.const 252))))))
  (func $pid (result i32) (drop (call $proc_id (i32.const 96))) (i32.load (i32.const 96)))
  (func $now (result i64)
    (drop (call $clock_time_get (i32.const 1) (i64.const 0) (i32.const 88)))
    (i64.load (i32.const 88)))
"#;

/// A program: `strings` stored at 1024 + 64·i (`{sN}` in `extra` and `body` becomes
/// string N's pointer and length; `\n` allowed), `BAD` an out-of-bounds pointer
/// (0xFFFFFFF0), `extra` more module fields (signal handlers), `body` the `_start` code.
pub(crate) fn module(strings: &[&str], extra: &str, body: &str) -> String {
    assert!(strings.len() <= 16);
    let mut wat = String::from("(module\n");
    for (module, name, params, result) in CALLS {
        let result = if *result { " (result i32)" } else { "" };
        wat += &format!(
            "  (import \"{module}\" \"{name}\" (func ${name} (param {params}){result}))\n"
        );
    }
    wat += HELPERS;
    let mut code =
        format!("{extra}\n  (func (export \"_start\")\n{body})").replace("BAD", "(i32.const -16)");
    for (i, s) in strings.iter().enumerate() {
        assert!(s.len() < 64 && !s.contains(['"', '\\']));
        let at = 1024 + 64 * i;
        let escaped = s.replace('\n', "\\n");
        wat += &format!("  (data (i32.const {at}) \"{escaped}\")\n");
        code = code.replace(
            &format!("{{s{i}}}"),
            &format!("(i32.const {at}) (i32.const {})", s.len()),
        );
    }
    wat + &code + ")\n"
}

/// A child program's bytes, for [`Opts::files`].
pub(crate) fn program(strings: &[&str], extra: &str, body: &str) -> &'static [u8] {
    let wasm = wat::parse_str(module(strings, extra, body)).expect("valid wat");
    Box::leak(wasm.into_boxed_slice())
}

/// The usual children: `/child.wasm` prints "child\n" and exits 3; `/junk.wasm` is not
/// WebAssembly; `/nostart.wasm` is a valid module without `_start`; `/badstart.wasm` has
/// a `_start` but its start section traps (once it runs); `/dir/f` is a file.
fn files() -> Vec<(&'static str, &'static [u8])> {
    let nostart = wat::parse_str("(module (memory (export \"memory\") 1))").expect("valid wat");
    let badstart = wat::parse_str(
        "(module (memory (export \"memory\") 1) (func $s unreachable) (start $s)
           (func (export \"_start\")))",
    )
    .expect("valid wat");
    alloc::vec![
        (
            "child.wasm",
            program(
                &["child\n"],
                "",
                "(call $out {s0}) (call $proc_exit (i32.const 3))"
            ),
        ),
        ("junk.wasm", b"\0asm but not really" as &[u8]),
        ("nostart.wasm", Box::leak(nostart.into_boxed_slice())),
        ("badstart.wasm", Box::leak(badstart.into_boxed_slice())),
        ("dir/f", b"a file"),
    ]
}

/// What a run left behind.
struct Run {
    status: Option<ExitStatus>,
    stdout: String,
    stderr: String,
    stats: Stats,
    /// The paths (from `/`) of the programs in the module cache.
    modules: Vec<String>,
}

/// Runs `wat` as pid 1 with `files` in the filesystem and `/` preopened, to the end.
/// Fails (rather than hangs) if the processes never all end.
fn run_prog(files: Vec<(&'static str, &'static [u8])>, wat: String) -> Run {
    run_prog_on(files, wat, false)
}

/// [`run_prog`], with `deferred` slices (see [`crate::testing::Deferred`]).
fn run_prog_on(files: Vec<(&'static str, &'static [u8])>, wat: String, deferred: bool) -> Run {
    run_prog_opts(files, wat, deferred, None)
}

/// [`run_prog_on`] on a platform reporting `heap_free` bytes of free kernel heap.
fn run_prog_opts(
    files: Vec<(&'static str, &'static [u8])>,
    wat: String,
    deferred: bool,
    heap_free: Option<usize>,
) -> Run {
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = std::thread::spawn(move || {
        let wasm = wat::parse_str(&wat).expect("valid wat");
        let opts = Opts {
            files,
            preopen: Some("/"),
            deferred,
            heap_free,
            ..Opts::default()
        };
        let (mut kernel, console, pid) = kernel_with(&wasm, &opts);
        kernel.run();
        let sys = kernel.sys();
        let root = sys.fs.root();
        let modules = sys
            .modules
            .keys()
            .map(|&ino| {
                ["prog.wasm", "child.wasm"]
                    .into_iter()
                    .find(|p| sys.fs.lookup(root, p, false) == Ok(ino))
                    .map_or_else(|| alloc::format!("ino {ino}"), String::from)
            })
            .collect();
        let c = console.borrow();
        let _ = tx.send(Run {
            status: kernel.status(pid),
            stdout: String::from_utf8_lossy(&c.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&c.stderr).into_owned(),
            stats: kernel.stats(),
            modules,
        });
    });
    match rx.recv_timeout(std::time::Duration::from_secs(120)) {
        Ok(run) => {
            let _ = worker.join();
            run
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("the processes never all ended (a wait that is never woken)")
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the worker sends before it returns"),
        },
    }
}

/// Runs the program with [`files`] plus `extra_files`.
fn run(extra_files: &[(&'static str, &'static [u8])], wat: String) -> Run {
    let mut all = files();
    all.extend_from_slice(extra_files);
    run_prog(all, wat)
}

/// Checks that every process ended and released everything.
fn assert_clean(r: &Run) {
    assert_eq!(
        r.stats,
        Stats {
            tasks: 0,
            procs: 0,
            open_files: 0,
            pipes: 0
        },
        "leaked (stdout: {:?})",
        r.stdout
    );
}

/// Runs pid 1 printing `body`'s output; checks it exited 0 and left nothing behind.
fn run_ok(
    extra_files: &[(&'static str, &'static [u8])],
    strings: &[&str],
    extra: &str,
    body: &str,
) -> String {
    let r = run(extra_files, module(strings, extra, body));
    assert_eq!(
        r.status,
        Some(ExitStatus::Code(0)),
        "stdout {:?} stderr {:?}",
        r.stdout,
        r.stderr
    );
    assert_clean(&r);
    r.stdout
}

/// One bad-input case: what it checks, an expression giving an errno, the errno.
type Case = (&'static str, String, u32);

/// Evaluates every case in one program (after `setup`, which prints nothing) and checks
/// each result; the process must exit normally and leave nothing behind.
fn table(strings: &[&str], setup: &str, cases: &[Case]) {
    let mut body = String::from(setup);
    for (_, expr, _) in cases {
        body += &format!("\n(call $r {expr})");
    }
    let r = run(&[], module(strings, "", &body));
    assert_eq!(
        r.status,
        Some(ExitStatus::Code(0)),
        "stdout {:?} stderr {:?}",
        r.stdout,
        r.stderr
    );
    let got: Vec<&str> = r.stdout.split_whitespace().collect();
    let wrong: Vec<String> = cases
        .iter()
        .enumerate()
        .filter_map(|(i, (what, _, want))| {
            let g = got.get(i).copied().unwrap_or("nothing");
            (g != want.to_string()).then(|| format!("{what}: got {g}, want {want}"))
        })
        .collect();
    assert!(
        wrong.is_empty() && got.len() == cases.len(),
        "{}\nstdout: {}",
        wrong.join("\n"),
        r.stdout
    );
    assert_clean(&r);
}

/// A call with default operands `slots`, some replaced: `(call $name ...)`.
fn call(name: &str, slots: &[&str], replace: &[(usize, &str)]) -> String {
    let mut s: Vec<String> = slots.iter().map(|s| s.to_string()).collect();
    for &(i, v) in replace {
        s[i] = v.to_string();
    }
    format!("(call ${name} {})", s.join(" "))
}

const NONE: &str = "(i32.const 0) (i32.const 0)";

/// `proc_spawn` slots: name, chroot, args, preopens, stdin, stdout, stderr, wd, ret
/// (string 0 is the program; every stdio PIPED so failures must undo pipes).
fn spawn(replace: &[(usize, &str)]) -> String {
    let slots = [
        "{s0}",
        "(i32.const 0)",
        NONE,
        NONE,
        "(i32.const 0)",
        "(i32.const 0)",
        "(i32.const 0)",
        NONE,
        "(i32.const 200)",
    ];
    call("proc_spawn", &slots, replace)
}

/// `proc_spawn2` slots: name, args, envs, fd ops, dispositions, search, path, ret.
fn spawn2(replace: &[(usize, &str)]) -> String {
    let slots = [
        "{s0}",
        NONE,
        NONE,
        "(i32.const 2048) (i32.const 0)",
        "(i32.const 2400) (i32.const 0)",
        "(i32.const 0)",
        NONE,
        "(i32.const 100)",
    ];
    call("proc_spawn2", &slots, replace)
}

/// `proc_exec3` slots: name, args, envs, search, path.
fn exec3(replace: &[(usize, &str)]) -> String {
    call(
        "proc_exec3",
        &["{s0}", NONE, NONE, "(i32.const 0)", NONE],
        replace,
    )
}

/// `setup` then `expr`, as one expression.
fn after(setup: &str, expr: String) -> String {
    format!("(block (result i32) {setup} {expr})")
}

fn case(what: &'static str, expr: impl Into<String>, want: u32) -> Case {
    (what, expr.into(), want)
}

// ---------------------------------------------------------------------------------------
// Bad inputs
// ---------------------------------------------------------------------------------------

#[test]
fn proc_id_parent_and_signal_calls_reject_bad_inputs() {
    table(
        &[],
        "",
        &[
            case("proc_id: out of bounds", "(call $proc_id BAD)", FAULT),
            case(
                "proc_id: straddles the end",
                "(call $proc_id (i32.const 65534))",
                FAULT,
            ),
            case("proc_id: ok", "(call $proc_id (i32.const 96))", 0),
            case("proc_id: is 1", "(i32.load (i32.const 96))", 1),
            case(
                "proc_parent: out of bounds",
                "(call $proc_parent (i32.const 1) BAD)",
                FAULT,
            ),
            case(
                "proc_parent: no such pid",
                "(call $proc_parent (i32.const 999) (i32.const 96))",
                SRCH,
            ),
            case(
                "proc_parent: pid -1",
                "(call $proc_parent (i32.const -1) (i32.const 96))",
                SRCH,
            ),
            case(
                "proc_parent: pid 0",
                "(call $proc_parent (i32.const 0) (i32.const 96))",
                SRCH,
            ),
            case(
                "proc_parent: self",
                "(call $proc_parent (i32.const 1) (i32.const 96))",
                0,
            ),
            case("proc_parent: of pid 1 is 0", "(i32.load (i32.const 96))", 0),
            case(
                "proc_signal: signal 99",
                "(call $proc_signal (i32.const 1) (i32.const 99))",
                INVAL,
            ),
            case(
                "proc_signal: signal 31",
                "(call $proc_signal (i32.const 1) (i32.const 31))",
                INVAL,
            ),
            case(
                "proc_signal: signal 256",
                "(call $proc_signal (i32.const 1) (i32.const 256))",
                INVAL,
            ),
            case(
                "proc_signal: signal -1",
                "(call $proc_signal (i32.const 1) (i32.const -1))",
                INVAL,
            ),
            case(
                "proc_signal: bad signal before bad pid",
                "(call $proc_signal (i32.const 999) (i32.const 99))",
                INVAL,
            ),
            case(
                "proc_signal: no such pid",
                "(call $proc_signal (i32.const 999) (i32.const 15))",
                SRCH,
            ),
            case(
                "proc_signal: no such pid, signal 0",
                "(call $proc_signal (i32.const 999) (i32.const 0))",
                SRCH,
            ),
            case(
                "proc_signal: pid -1",
                "(call $proc_signal (i32.const -1) (i32.const 9))",
                SRCH,
            ),
            case(
                "proc_signal: self, signal 0",
                "(call $proc_signal (i32.const 1) (i32.const 0))",
                0,
            ),
            case(
                "proc_signal: self, CHLD (ignored)",
                "(call $proc_signal (i32.const 1) (i32.const 16))",
                0,
            ),
            case(
                "proc_signals_sizes_get: out of bounds",
                "(call $proc_signals_sizes_get BAD)",
                FAULT,
            ),
            case(
                "proc_signals_sizes_get: ok",
                "(call $proc_signals_sizes_get (i32.const 96))",
                0,
            ),
            case(
                "proc_signals_sizes_get: none ignored",
                "(i32.load (i32.const 96))",
                0,
            ),
            case(
                "proc_signals_get: out of bounds",
                "(call $proc_signals_get BAD)",
                FAULT,
            ),
            case(
                "proc_signals_get: ok",
                "(call $proc_signals_get (i32.const 96))",
                0,
            ),
            case(
                "proc_raise_interval: signal 99",
                "(call $proc_raise_interval (i32.const 99) (i64.const 1000) (i32.const 0))",
                INVAL,
            ),
            case(
                "proc_raise_interval: signal -1",
                "(call $proc_raise_interval (i32.const -1) (i64.const 1000) (i32.const 0))",
                INVAL,
            ),
            case(
                "proc_raise_interval: negative interval",
                "(call $proc_raise_interval (i32.const 14) (i64.const -1) (i32.const 0))",
                INVAL,
            ),
            case(
                "proc_raise_interval: i64::MIN interval",
                "(call $proc_raise_interval (i32.const 14) (i64.const 0x8000000000000000) (i32.const 1))",
                INVAL,
            ),
            case(
                "proc_raise_interval: repeat 3",
                "(call $proc_raise_interval (i32.const 14) (i64.const 1000) (i32.const 3))",
                INVAL,
            ),
            case(
                "proc_raise_interval: repeat -1",
                "(call $proc_raise_interval (i32.const 14) (i64.const 1000) (i32.const -1))",
                INVAL,
            ),
            case(
                "proc_raise_interval: interval 0 cancels",
                "(call $proc_raise_interval (i32.const 14) (i64.const 0) (i32.const 0))",
                0,
            ),
            case(
                "proc_raise_interval: signal 0 arms nothing",
                "(call $proc_raise_interval (i32.const 0) (i64.const 1000) (i32.const 0))",
                0,
            ),
            case(
                "thread_sleep: negative",
                "(call $thread_sleep (i64.const -1))",
                INVAL,
            ),
            case(
                "thread_sleep: i64::MIN",
                "(call $thread_sleep (i64.const 0x8000000000000000))",
                INVAL,
            ),
            case("thread_sleep: 0", "(call $thread_sleep (i64.const 0))", 0),
            // A 20 ms sleep outlives any alarm the failed calls might have armed.
            case(
                "thread_sleep: 20 ms, no alarm went off",
                "(call $thread_sleep (i64.const 20000000))",
                0,
            ),
        ],
    );
}

#[test]
fn fd_fdstat_set_rights_narrows_the_descriptor_not_the_shared_open_file() {
    // The child drops every right of its fd 1, the parent's stdout open file inherited;
    // its exit code is the errno. In the parent, a dup of stdout narrowed to nothing
    // cannot write, while stdout itself keeps FD_WRITE (64) and writes.
    let narrow = program(
        &[],
        "",
        "(call $proc_exit (call $fd_fdstat_set_rights (i32.const 1) (i64.const 0) (i64.const 0)))",
    );
    let out = run_ok(
        &[("narrow.wasm", narrow)],
        &["/narrow.wasm"],
        "",
        "(call $r (call $spawn {s0} (i32.const 1) (i32.const 1) (i32.const 1)))
         (call $join (i32.const 2) (i32.const 0))
         (call $r (call $fd_fdstat_get (i32.const 1) (i32.const 3100)))
         (call $r (i32.wrap_i64 (i64.and (i64.load (i32.const 3108)) (i64.const 64))))
         (call $r (call $fd_dup (i32.const 1) (i32.const 3200)))
         (call $r (call $fd_fdstat_set_rights (i32.load (i32.const 3200)) (i64.const 0)
           (i64.const 0)))
         (i32.store (i32.const 3300) (i32.const 1020))
         (i32.store (i32.const 3304) (i32.const 1))
         (call $r (call $fd_write (i32.load (i32.const 3200)) (i32.const 3300) (i32.const 1)
           (i32.const 3310)))
         (call $r (call $fd_dup (i32.load (i32.const 3200)) (i32.const 3204)))
         (call $r (call $fd_fdstat_get (i32.load (i32.const 3204)) (i32.const 3100)))
         (call $r (i32.wrap_i64 (i64.load (i32.const 3108))))
         (call $r (call $fd_write (i32.const 1) (i32.const 3300) (i32.const 1)
           (i32.const 3310)))",
    );
    // A dup of the narrowed descriptor stays narrowed (rights 0).
    assert_eq!(out, "0 0 2 1 0 0 0 64 0 0 8 0 0 0  0 ");
}

#[test]
fn tty_set_needs_the_console_and_is_undone_when_the_setter_exits() {
    // The child turns line_feeds on and exits with 10 × tty_set's errno + the line_feeds
    // it then reads back. With stdio inherited (the console) that works: 1. With stdio
    // NULL it is not talking to the terminal: PERM (63), nothing changed: 630.
    let tset = program(
        &[],
        "",
        "(drop (call $tty_get (i32.const 300)))
         (i32.store8 (i32.const 321) (i32.const 1))
         (call $proc_exit (i32.add (i32.mul (call $tty_set (i32.const 300)) (i32.const 10))
           (block (result i32) (drop (call $tty_get (i32.const 300)))
             (i32.load8_u (i32.const 321)))))",
    );
    // The parent turns echo on, then runs the child twice; after each, its own echo is
    // still on and the child's line_feeds are gone.
    let out = run_ok(
        &[("tset.wasm", tset)],
        &["/tset.wasm"],
        "",
        "(drop (call $tty_get (i32.const 300)))
         (i32.store8 (i32.const 319) (i32.const 1))
         (call $r (call $tty_set (i32.const 300)))
         (call $r (call $spawn {s0} (i32.const 1) (i32.const 1) (i32.const 1)))
         (call $join (i32.const 2) (i32.const 0))
         (drop (call $tty_get (i32.const 300)))
         (call $r (i32.load8_u (i32.const 319)))
         (call $r (i32.load8_u (i32.const 321)))
         (call $r (call $spawn {s0} (i32.const 2) (i32.const 2) (i32.const 2)))
         (call $join (i32.const 3) (i32.const 0))
         (drop (call $tty_get (i32.const 300)))
         (call $r (i32.load8_u (i32.const 319)))
         (call $r (i32.load8_u (i32.const 321)))",
    );
    assert_eq!(out, "0 0 0 2 1 1 0 1 0 0 0 3 1 630 0 1 0 ");
}

#[test]
fn cwd_and_tty_calls_reject_bad_inputs() {
    let cap = |n: u32| format!("(i32.store (i32.const 396) (i32.const {n}))");
    table(
        &["dir", "dir/f", "nope", "", "/prog.wasm/x", ".."],
        "(drop (call $chdir {s0})) (i32.store8 (i32.const 3500) (i32.const 0xff))",
        &[
            case("getcwd: buffer out of bounds", after(&cap(64), "(call $getcwd BAD (i32.const 396))".into()), FAULT),
            case("getcwd: length out of bounds", "(call $getcwd (i32.const 400) BAD)", FAULT),
            case("getcwd: length straddles the end", "(call $getcwd (i32.const 400) (i32.const 65534))", FAULT),
            case("getcwd: buffer straddles the end", after(&cap(64), "(call $getcwd (i32.const 65533) (i32.const 396))".into()), FAULT),
            case("getcwd: empty buffer", after(&cap(0), "(call $getcwd (i32.const 400) (i32.const 396))".into()), RANGE),
            case("getcwd: needs 5 (/dir and NUL)", "(i32.load (i32.const 396))", 5),
            case("getcwd: one byte short", after(&cap(4), "(call $getcwd (i32.const 400) (i32.const 396))".into()), RANGE),
            case("getcwd: still needs 5", "(i32.load (i32.const 396))", 5),
            case("getcwd: exact fit", after(&cap(5), "(call $getcwd (i32.const 400) (i32.const 396))".into()), 0),
            case("getcwd: length written", "(i32.load (i32.const 396))", 4),
            case("getcwd: /dir written", "(i32.eq (i32.load (i32.const 400)) (i32.const 0x7269642f))", 1),
            case("getcwd: NUL-terminated", "(i32.load8_u (i32.const 404))", 0),
            case("chdir: out of bounds", "(call $chdir BAD (i32.const 4))", FAULT),
            case("chdir: length overflows", "(call $chdir (i32.const 1024) (i32.const -1))", FAULT),
            case("chdir: to a file", "(call $chdir (i32.const 1092) (i32.const 1))", NOTDIR),
            case("chdir: to a file, absolute", after("(i32.store8 (i32.const 1087) (i32.const 47))", "(call $chdir (i32.const 1087) (i32.const 6))".into()), NOTDIR),
            case("chdir: missing", "(call $chdir {s2})", NOENT),
            case("chdir: empty", "(call $chdir {s3})", NOENT),
            case("chdir: through a file", "(call $chdir {s4})", NOTDIR),
            case("chdir: not UTF-8", "(call $chdir (i32.const 3500) (i32.const 1))", ILSEQ),
            case("chdir: failures kept the directory", after(&cap(64), "(drop (call $getcwd (i32.const 400) (i32.const 396))) (i32.load (i32.const 396))".into()), 4),
            case("chdir: ..", "(call $chdir {s5})", 0),
            case("getcwd: at /", after(&cap(64), "(call $getcwd (i32.const 400) (i32.const 396))".into()), 0),
            case("getcwd: / is 1 byte", "(i32.load (i32.const 396))", 1),
            case("tty_get: out of bounds", "(call $tty_get BAD)", FAULT),
            case("tty_get: straddles the end", "(call $tty_get (i32.const 65520))", FAULT),
            case("tty_set: out of bounds", "(call $tty_set BAD)", FAULT),
            case("tty_set: straddles the end", "(call $tty_set (i32.const 65520))", FAULT),
            case("tty_get: ok", "(call $tty_get (i32.const 300))", 0),
            case("tty_get: 80 columns", "(i32.load (i32.const 300))", 80),
            case("tty_set: echo 2", after("(i32.store8 (i32.const 319) (i32.const 2))", "(call $tty_set (i32.const 300))".into()), INVAL),
            case("tty_set: line_feeds 7", after("(i32.store8 (i32.const 319) (i32.const 1)) (i32.store8 (i32.const 321) (i32.const 7))", "(call $tty_set (i32.const 300))".into()), INVAL),
            case("tty_set: ok", after("(i32.store8 (i32.const 321) (i32.const 1)) (i32.store (i32.const 300) (i32.const 132))", "(call $tty_set (i32.const 300))".into()), 0),
            case("tty_get: reads it back", after("(drop (call $tty_get (i32.const 300)))", "(i32.load (i32.const 300))".into()), 132),
        ],
    );
}

#[test]
fn proc_spawn_rejects_bad_inputs_and_undoes_everything() {
    let bad = "BAD (i32.const 4)";
    table(
        &[
            "/child.wasm",
            "/nope.wasm",
            "",
            "child",
            "/junk.wasm",
            "/nostart.wasm",
            "/dir/f",
            "/nope",
            "nope\n",
        ],
        "(i32.store8 (i32.const 3500) (i32.const 0xff))",
        &[
            case("name out of bounds", spawn(&[(0, bad)]), FAULT),
            case(
                "name length overflows",
                spawn(&[(0, "(i32.const 1024) (i32.const -1)")]),
                FAULT,
            ),
            case(
                "name runs past the end",
                spawn(&[(0, "(i32.const 65530) (i32.const 10)")]),
                FAULT,
            ),
            case(
                "name not UTF-8",
                spawn(&[(0, "(i32.const 3500) (i32.const 1)")]),
                ILSEQ,
            ),
            case("args out of bounds", spawn(&[(2, bad)]), FAULT),
            case(
                "args length overflows",
                spawn(&[(2, "(i32.const 1024) (i32.const -1)")]),
                FAULT,
            ),
            case("preopens out of bounds", spawn(&[(3, bad)]), FAULT),
            case("working directory out of bounds", spawn(&[(7, bad)]), FAULT),
            case("handles out of bounds", spawn(&[(8, "BAD")]), FAULT),
            case(
                "handles straddle the end",
                spawn(&[(8, "(i32.const 65520)")]),
                FAULT,
            ),
            case("chroot 2", spawn(&[(1, "(i32.const 2)")]), INVAL),
            case("chroot -1", spawn(&[(1, "(i32.const -1)")]), INVAL),
            case("stdin mode 9", spawn(&[(4, "(i32.const 9)")]), INVAL),
            case("stdout mode 9", spawn(&[(5, "(i32.const 9)")]), INVAL),
            case("stderr mode -1", spawn(&[(6, "(i32.const -1)")]), INVAL),
            case("stderr mode 256", spawn(&[(6, "(i32.const 256)")]), INVAL),
            case("missing program", spawn(&[(0, "{s1}")]), NOENT),
            case("empty name", spawn(&[(0, "{s2}")]), NOENT),
            case("bare name not in /bin", spawn(&[(0, "{s3}")]), NOENT),
            case("not WebAssembly", spawn(&[(0, "{s4}")]), NOEXEC),
            case("no _start", spawn(&[(0, "{s5}")]), NOEXEC),
            case("working directory is a file", spawn(&[(7, "{s6}")]), NOTDIR),
            case("working directory missing", spawn(&[(7, "{s7}")]), NOENT),
            case(
                "preopen missing (after the pipes were made)",
                spawn(&[(3, "{s8}")]),
                NOENT,
            ),
            case(
                "no child was created",
                "(call $proc_join (i32.const 240) (i32.const 1) (i32.const 248))",
                CHILD,
            ),
            case(
                "no descriptor was left behind",
                "(block (result i32) (drop (call $fd_pipe (i32.const 80) (i32.const 84))) (i32.load (i32.const 80)))",
                4,
            ),
        ],
    );
}

#[test]
fn proc_spawn2_rejects_bad_inputs_and_undoes_everything() {
    let bad = "BAD (i32.const 4)";
    let one_op = "(i32.const 2048) (i32.const 1)";
    let one_sig = "(i32.const 2400) (i32.const 1)";
    let op = |args: &str| format!("(call $op (i32.const 0) {args})");
    let sd = |sig: i32, disp: i32| {
        format!("(call $sd (i32.const 0) (i32.const {sig}) (i32.const {disp}))")
    };
    table(
        &[
            "/child.wasm",
            "/nope.wasm",
            "child",
            "/dir",
            "dir/f",
            "nope",
        ],
        "",
        &[
            case("ret out of bounds", spawn2(&[(7, "BAD")]), FAULT),
            case(
                "ret straddles the end",
                spawn2(&[(7, "(i32.const 65534)")]),
                FAULT,
            ),
            case("name out of bounds", spawn2(&[(0, bad)]), FAULT),
            case(
                "name length overflows",
                spawn2(&[(0, "(i32.const 1024) (i32.const -1)")]),
                FAULT,
            ),
            case("args out of bounds", spawn2(&[(1, bad)]), FAULT),
            case("envs out of bounds", spawn2(&[(2, bad)]), FAULT),
            case(
                "fd ops out of bounds",
                spawn2(&[(3, "BAD (i32.const 1)")]),
                FAULT,
            ),
            case(
                "fd ops run past the end",
                spawn2(&[(3, "(i32.const 65500) (i32.const 1)")]),
                FAULT,
            ),
            case(
                "fd ops count -1",
                spawn2(&[(3, "(i32.const 2048) (i32.const -1)")]),
                INVAL,
            ),
            case(
                "fd ops count 1025",
                spawn2(&[(3, "(i32.const 2048) (i32.const 1025)")]),
                INVAL,
            ),
            case(
                "dispositions out of bounds",
                spawn2(&[(4, "BAD (i32.const 1)")]),
                FAULT,
            ),
            case(
                "dispositions count -1",
                spawn2(&[(4, "(i32.const 2400) (i32.const -1)")]),
                INVAL,
            ),
            case(
                "dispositions count 0x7fffffff",
                spawn2(&[(4, "(i32.const 2400) (i32.const 0x7fffffff)")]),
                FAULT,
            ),
            case("search_path 7", spawn2(&[(5, "(i32.const 7)")]), INVAL),
            case("search_path -1", spawn2(&[(5, "(i32.const -1)")]), INVAL),
            case(
                "path out of bounds",
                spawn2(&[(5, "(i32.const 1)"), (6, bad)]),
                FAULT,
            ),
            case("missing program", spawn2(&[(0, "{s1}")]), NOENT),
            case(
                "bare name not on the search path",
                spawn2(&[(0, "{s2}"), (5, "(i32.const 1)"), (6, "{s3}")]),
                NOENT,
            ),
            case(
                "fd op 9",
                after(
                    &op("(i32.const 9) (i32.const 1) (i32.const 1) (i32.const 0) (i32.const 0)"),
                    spawn2(&[(3, one_op)]),
                ),
                INVAL,
            ),
            case(
                "DUP2 from a closed fd",
                after(
                    &op("(i32.const 1) (i32.const 1) (i32.const 77) (i32.const 0) (i32.const 0)"),
                    spawn2(&[(3, one_op)]),
                ),
                BADF,
            ),
            case(
                "DUP2 beyond the table",
                after(
                    &op("(i32.const 1) (i32.const 5000) (i32.const 1) (i32.const 0) (i32.const 0)"),
                    spawn2(&[(3, one_op)]),
                ),
                BADF,
            ),
            case(
                "CLOSE of a closed fd",
                after(
                    &op("(i32.const 0) (i32.const 77) (i32.const 0) (i32.const 0) (i32.const 0)"),
                    spawn2(&[(3, one_op)]),
                ),
                BADF,
            ),
            case(
                "OPEN path out of bounds",
                after(
                    &op("(i32.const 2) (i32.const 5) (i32.const 0) BAD (i32.const 4)"),
                    spawn2(&[(3, one_op)]),
                ),
                FAULT,
            ),
            case(
                "OPEN of a missing file",
                after(
                    &op("(i32.const 2) (i32.const 5) (i32.const 0) {s5}"),
                    spawn2(&[(3, one_op)]),
                ),
                NOENT,
            ),
            case(
                "OPEN with unknown oflags",
                after(
                    &(op("(i32.const 2) (i32.const 5) (i32.const 0) {s4}")
                        + " (i32.store16 (i32.const 2072) (i32.const 0x10))"),
                    spawn2(&[(3, one_op)]),
                ),
                INVAL,
            ),
            case(
                "CHDIR to a file",
                after(
                    &op("(i32.const 3) (i32.const 0) (i32.const 0) {s4}"),
                    spawn2(&[(3, one_op)]),
                ),
                NOTDIR,
            ),
            case(
                "FCHDIR on a non-preopen",
                after(
                    &op("(i32.const 4) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)"),
                    spawn2(&[(3, one_op)]),
                ),
                NOTSUP,
            ),
            case(
                "disposition 5",
                after(&sd(15, 5), spawn2(&[(4, one_sig)])),
                INVAL,
            ),
            case(
                "signal 99",
                after(&sd(99, 1), spawn2(&[(4, one_sig)])),
                INVAL,
            ),
            case("signal 0", after(&sd(0, 1), spawn2(&[(4, one_sig)])), INVAL),
            case(
                "a failing op after a good one",
                after(
                    "(call $op (i32.const 0) (i32.const 2) (i32.const 7) (i32.const 0) (i32.const 1280) (i32.const 5)) \
                     (call $op (i32.const 1) (i32.const 0) (i32.const 77) (i32.const 0) (i32.const 0) (i32.const 0))",
                    spawn2(&[(3, "(i32.const 2048) (i32.const 2)")]),
                ),
                BADF,
            ),
            case(
                "no child was created",
                "(call $proc_join (i32.const 240) (i32.const 1) (i32.const 248))",
                CHILD,
            ),
            case(
                "no descriptor was left behind",
                "(block (result i32) (drop (call $fd_pipe (i32.const 80) (i32.const 84))) (i32.load (i32.const 80)))",
                4,
            ),
        ],
    );
}

/// `/sizes.wasm` prints its argument count and argv bytes, its environment count and
/// bytes, then argv[2] as it is, and exits 0.
fn sizes_child() -> &'static [u8] {
    program(
        &[],
        "",
        "(drop (call $args_sizes_get (i32.const 80) (i32.const 84)))
         (call $r (i32.load (i32.const 80))) (call $r (i32.load (i32.const 84)))
         (drop (call $environ_sizes_get (i32.const 80) (i32.const 84)))
         (call $r (i32.load (i32.const 80))) (call $r (i32.load (i32.const 84)))
         (drop (call $args_get (i32.const 3200) (i32.const 3300)))
         (call $s (i32.load (i32.const 3208))
           (i32.sub (i32.sub (i32.load (i32.const 3212)) (i32.load (i32.const 3208))) (i32.const 1)))
         (call $proc_exit (i32.const 0))",
    )
}

/// argv `["/sizes.wasm", "", "b\nc", "d"]` at 3000 and envp `["K=v"]` at 3100 as
/// `char**` lists (strings 1..=4; string 5 is empty, a NUL).
const CHAR_LISTS: &str = "(i32.store (i32.const 3000) (i32.const 1024))
     (i32.store (i32.const 3004) (i32.const 1344))
     (i32.store (i32.const 3008) (i32.const 1088))
     (i32.store (i32.const 3012) (i32.const 1152))
     (i32.store (i32.const 3100) (i32.const 1216))";
const CHAR_STRINGS: [&str; 6] = ["/sizes.wasm", "b\nc", "d", "K=v", "junk", ""];

#[test]
fn proc_spawn3_and_proc_exec4_take_char_lists_with_empty_and_newline_arguments() {
    // Spawned with the lists, then with envs null (the caller's environment, empty here);
    // then the caller execs itself into the program with the lists.
    let r = run(
        &[("sizes.wasm", sizes_child())],
        module(
            &CHAR_STRINGS,
            "",
            &format!(
                "{CHAR_LISTS}
                 (call $r (call $proc_spawn3 {{s0}} (i32.const 3000) (i32.const 4)
                   (i32.const 3100) (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0)
                   (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 100)))
                 (call $join (i32.const -1) (i32.const 0))
                 (call $r (call $proc_spawn3 {{s0}} (i32.const 3000) (i32.const 4)
                   (i32.const 0) (i32.const 7) (i32.const 0) (i32.const 0) (i32.const 0)
                   (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 100)))
                 (call $join (i32.const -1) (i32.const 0))
                 (call $r (call $proc_exec4 {{s0}} (i32.const 3000) (i32.const 4)
                   (i32.const 3100) (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0)))
                 (call $r (i32.const 99))"
            ),
        ),
    );
    // argv bytes: 12 + 1 + 4 + 2; the environment: "K=v\0".
    assert_eq!(
        r.stdout,
        "0 4 19 1 4 b\nc 0 2 1 0 0 0 4 19 0 0 b\nc 0 3 1 0 0 4 19 1 4 b\nc "
    );
    assert_eq!(r.status, Some(ExitStatus::Code(0)), "{}", r.stderr);
    assert_clean(&r);
}

#[test]
fn proc_spawn3_and_proc_exec4_reject_bad_char_lists() {
    let spawn3 = |args: &str, count: &str, envs: &str| {
        format!(
            "(call $proc_spawn3 {{s0}} {args} {count} {envs} (i32.const 1) (i32.const 0)
               (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
               (i32.const 0) (i32.const 100))"
        )
    };
    let exec4 = |args: &str, count: &str| {
        format!(
            "(call $proc_exec4 {{s0}} {args} {count} (i32.const 0) (i32.const 0)
               (i32.const 0) (i32.const 0) (i32.const 0))"
        )
    };
    // 65532: a pointer to the last word of memory, where "junk" (no NUL) is copied.
    let setup = format!(
        "{CHAR_LISTS}
         (i32.store (i32.const 3020) (i32.const -16))
         (i32.store (i32.const 3024) (i32.const 65532))
         (i32.store (i32.const 65532) (i32.load (i32.const 1280)))"
    );
    table(
        &CHAR_STRINGS,
        &setup,
        &[
            case(
                "spawn3: list out of bounds",
                spawn3("BAD", "(i32.const 1)", "(i32.const 0)"),
                FAULT,
            ),
            case(
                "spawn3: list straddles the end",
                spawn3("(i32.const 65532)", "(i32.const 2)", "(i32.const 0)"),
                FAULT,
            ),
            case(
                "spawn3: an entry out of bounds",
                spawn3("(i32.const 3020)", "(i32.const 1)", "(i32.const 0)"),
                FAULT,
            ),
            case(
                "spawn3: an entry without its NUL",
                spawn3("(i32.const 3024)", "(i32.const 1)", "(i32.const 0)"),
                FAULT,
            ),
            case(
                "spawn3: a bad envs entry",
                spawn3("(i32.const 3000)", "(i32.const 1)", "(i32.const 3020)"),
                FAULT,
            ),
            case(
                "spawn3: negative count",
                spawn3("(i32.const 3000)", "(i32.const -1)", "(i32.const 0)"),
                INVAL,
            ),
            case(
                "spawn3: more entries than ARG_MAX allows",
                spawn3("(i32.const 0)", "(i32.const 40000)", "(i32.const 0)"),
                TOOBIG,
            ),
            case(
                "exec4: an entry out of bounds",
                exec4("(i32.const 3020)", "(i32.const 1)"),
                FAULT,
            ),
            case(
                "exec4: negative count",
                exec4("(i32.const 3000)", "(i32.const -1)"),
                INVAL,
            ),
        ],
    );
}

#[test]
fn fd_event_and_epoll_reject_bad_inputs() {
    // fd 3 is the preopen; the setup makes an eventfd (fd 4) and an epoll instance (fd 5)
    // and watches the eventfd, which holds 1.
    let setup = "(drop (call $fd_event (i64.const 1) (i32.const 0) (i32.const 80)))
         (drop (call $epoll_create (i32.const 84)))
         (i32.store (i32.const 3000) (i32.const 1))
         (drop (call $epoll_ctl (i32.const 5) (i32.const 0) (i32.const 4) (i32.const 3000)))";
    let ctl = |op: i32, fd: i32, ev: &str| {
        format!("(call $epoll_ctl (i32.const 5) (i32.const {op}) (i32.const {fd}) {ev})")
    };
    let wait = |epfd: i32, events: &str, max: i32, timeout: i64| {
        format!(
            "(call $epoll_wait (i32.const {epfd}) {events} (i32.const {max}) (i64.const {timeout}) (i32.const 88))"
        )
    };
    table(
        &[],
        setup,
        &[
            case("setup: eventfd at 4", "(i32.load (i32.const 80))", 4),
            case("setup: epoll at 5", "(i32.load (i32.const 84))", 5),
            case(
                "fd_event: unknown flag",
                "(call $fd_event (i64.const 0) (i32.const 2) (i32.const 80))",
                INVAL,
            ),
            case(
                "fd_event: flags past 16 bits",
                "(call $fd_event (i64.const 0) (i32.const 65537) (i32.const 80))",
                INVAL,
            ),
            case(
                "fd_event: initial u64::MAX",
                "(call $fd_event (i64.const -1) (i32.const 0) (i32.const 80))",
                INVAL,
            ),
            case(
                "fd_event: result out of bounds",
                "(call $fd_event (i64.const 0) (i32.const 0) BAD)",
                FAULT,
            ),
            case(
                "epoll_create: out of bounds",
                "(call $epoll_create BAD)",
                FAULT,
            ),
            case("epoll_ctl: add again", ctl(0, 4, "(i32.const 3000)"), EXIST),
            case(
                "epoll_ctl: modify unwatched",
                ctl(3, 0, "(i32.const 3000)"),
                NOENT,
            ),
            case(
                "epoll_ctl: delete unwatched",
                ctl(2, 0, "(i32.const 0)"),
                NOENT,
            ),
            case("epoll_ctl: itself", ctl(0, 5, "(i32.const 3000)"), INVAL),
            case(
                "epoll_ctl: a directory",
                ctl(0, 3, "(i32.const 3000)"),
                PERM,
            ),
            case(
                "epoll_ctl: unknown op",
                ctl(4, 4, "(i32.const 3000)"),
                INVAL,
            ),
            case("epoll_ctl: bad fd", ctl(0, 99, "(i32.const 3000)"), BADF),
            case("epoll_ctl: event out of bounds", ctl(1, 4, "BAD"), FAULT),
            case(
                "epoll_ctl: unknown event bit",
                after(
                    "(i32.store (i32.const 3000) (i32.const 256))",
                    ctl(1, 4, "(i32.const 3000)"),
                ),
                INVAL,
            ),
            case(
                "epoll_ctl: not an instance",
                "(call $epoll_ctl (i32.const 4) (i32.const 0) (i32.const 0) (i32.const 3000))",
                INVAL,
            ),
            case(
                "epoll_wait: maxevents 0",
                wait(5, "(i32.const 2000)", 0, 0),
                INVAL,
            ),
            case(
                "epoll_wait: maxevents -1",
                wait(5, "(i32.const 2000)", -1, 0),
                INVAL,
            ),
            case(
                "epoll_wait: events out of bounds",
                wait(5, "BAD", 1, 0),
                FAULT,
            ),
            case(
                "epoll_wait: not an instance",
                wait(4, "(i32.const 2000)", 1, 0),
                INVAL,
            ),
            case(
                "epoll_wait: bad fd",
                wait(99, "(i32.const 2000)", 1, 0),
                BADF,
            ),
            case(
                "epoll_wait: the eventfd is ready",
                wait(5, "(i32.const 2000)", 4, -1),
                0,
            ),
            case("epoll_wait: one event", "(i32.load (i32.const 88))", 1),
            case("epoll_wait: IN", "(i32.load (i32.const 2000))", 1),
        ],
    );
}

#[test]
fn proc_join_and_proc_exec3_reject_bad_inputs() {
    let join = |opt: &str, flags: &str, out: &str| format!("(call $proc_join {opt} {flags} {out})");
    let some = |pid: i32| {
        format!(
            "(i32.store (i32.const 240) (i32.const 1)) (i32.store (i32.const 244) (i32.const {pid}))"
        )
    };
    let bad = "BAD (i32.const 4)";
    table(
        &[
            "/child.wasm",
            "/nope.wasm",
            "/junk.wasm",
            "",
            "child",
            "/bin",
        ],
        "",
        &[
            case(
                "join: pid out of bounds",
                join("BAD", "(i32.const 0)", "(i32.const 248)"),
                FAULT,
            ),
            case(
                "join: pid straddles the end",
                join("(i32.const 65532)", "(i32.const 0)", "(i32.const 248)"),
                FAULT,
            ),
            case(
                "join: status out of bounds",
                join("(i32.const 240)", "(i32.const 0)", "BAD"),
                FAULT,
            ),
            case(
                "join: status straddles the end",
                join("(i32.const 240)", "(i32.const 0)", "(i32.const 65532)"),
                FAULT,
            ),
            case(
                "join: flags 4",
                join("(i32.const 240)", "(i32.const 4)", "(i32.const 248)"),
                INVAL,
            ),
            case(
                "join: flags -1",
                join("(i32.const 240)", "(i32.const -1)", "(i32.const 248)"),
                INVAL,
            ),
            case(
                "join: option tag 2",
                after(
                    "(i32.store (i32.const 240) (i32.const 2))",
                    join("(i32.const 240)", "(i32.const 0)", "(i32.const 248)"),
                ),
                INVAL,
            ),
            case(
                "join: not a child",
                after(
                    &some(999),
                    join("(i32.const 240)", "(i32.const 0)", "(i32.const 248)"),
                ),
                CHILD,
            ),
            case(
                "join: self",
                after(
                    &some(1),
                    join("(i32.const 240)", "(i32.const 0)", "(i32.const 248)"),
                ),
                CHILD,
            ),
            case(
                "join: self, non-blocking",
                after(
                    &some(1),
                    join("(i32.const 240)", "(i32.const 1)", "(i32.const 248)"),
                ),
                CHILD,
            ),
            case(
                "join: pid 0",
                after(
                    &some(0),
                    join("(i32.const 240)", "(i32.const 0)", "(i32.const 248)"),
                ),
                CHILD,
            ),
            case(
                "join: any, no children",
                after(
                    "(i32.store (i32.const 240) (i32.const 0))",
                    join("(i32.const 240)", "(i32.const 0)", "(i32.const 248)"),
                ),
                CHILD,
            ),
            case(
                "join: any non-blocking, no children",
                join("(i32.const 240)", "(i32.const 1)", "(i32.const 248)"),
                CHILD,
            ),
            case(
                "join: any with WAKE_STOPPED, no children",
                join("(i32.const 240)", "(i32.const 3)", "(i32.const 248)"),
                CHILD,
            ),
            case("exec3: name out of bounds", exec3(&[(0, bad)]), FAULT),
            case(
                "exec3: name length overflows",
                exec3(&[(0, "(i32.const 1024) (i32.const -1)")]),
                FAULT,
            ),
            case("exec3: args out of bounds", exec3(&[(1, bad)]), FAULT),
            case("exec3: envs out of bounds", exec3(&[(2, bad)]), FAULT),
            case("exec3: search 7", exec3(&[(3, "(i32.const 7)")]), INVAL),
            case(
                "exec3: path out of bounds",
                exec3(&[(3, "(i32.const 1)"), (4, bad)]),
                FAULT,
            ),
            case("exec3: missing program", exec3(&[(0, "{s1}")]), NOENT),
            case("exec3: not WebAssembly", exec3(&[(0, "{s2}")]), NOEXEC),
            case("exec3: empty name", exec3(&[(0, "{s3}")]), NOENT),
            case(
                "exec3: bare name on a search path without it",
                exec3(&[(0, "{s4}"), (3, "(i32.const 1)"), (4, "{s5}")]),
                NOENT,
            ),
            case("still the same program", "(call $pid)", 1),
        ],
    );
}

#[test]
fn calls_without_a_result_ignore_bad_inputs_and_keep_running() {
    // callback_signal returns nothing: a bad call changes nothing and the program goes
    // on. No handler was installed, so USR1's default action ends the process at the end.
    let r = run(
        &[],
        module(
            &["/child.wasm", "/nope.wasm", "/junk.wasm", "on_sig"],
            "(func (export \"on_sig\") (param i32))",
            "(call $callback_signal BAD (i32.const 6)) (call $r (i32.const 8))
             (call $callback_signal (i32.const 1216) (i32.const -1)) (call $r (i32.const 9))
             (call $r (call $proc_signal (call $pid) (i32.const 10)))
             (call $r (i32.const 99))",
        ),
    );
    assert_eq!(r.stdout, "8 9 ");
    assert_eq!(r.status, Some(ExitStatus::Signal(10)));
    assert_clean(&r);
}

#[test]
fn failing_noreturn_execs_exit_with_the_errno() {
    // proc_exec and proc_exec2 cannot return an error (wasix-libc declares them
    // _Noreturn): a failure ends the process with the errno as its exit code.
    let cases = [
        (
            "(call $proc_exec BAD (i32.const 4) (i32.const 0) (i32.const 0))",
            21,
        ),
        (
            "(call $proc_exec (i32.const 1024) (i32.const -1) (i32.const 0) (i32.const 0))",
            21,
        ),
        ("(call $proc_exec {s1} (i32.const 0) (i32.const 0))", 44),
        (
            "(call $proc_exec2 {s0} (i32.const 0) (i32.const 0) BAD (i32.const 4))",
            21,
        ),
        (
            "(call $proc_exec2 {s2} (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))",
            45,
        ),
    ];
    for (body, code) in cases {
        let r = run(
            &[],
            module(
                &["/child.wasm", "/nope.wasm", "/junk.wasm", "on_sig"],
                "",
                &alloc::format!("{body} (call $r (i32.const 1))"),
            ),
        );
        assert_eq!(r.stdout, "", "{body}");
        assert_eq!(r.status, Some(ExitStatus::Code(code)), "{body}");
        assert_clean(&r);
    }
}

#[test]
fn proc_exit2_ends_with_the_code() {
    for (code, want) in [(7, 7u32), (-1, u32::MAX), (300, 300)] {
        let r = run(
            &[],
            module(
                &[],
                "",
                &format!(
                    "(call $r (i32.const 1)) (call $proc_exit2 (i32.const {code})) (call $r (i32.const 2))"
                ),
            ),
        );
        assert_eq!(
            (r.stdout.as_str(), r.status),
            ("1 ", Some(ExitStatus::Code(want)))
        );
        assert_clean(&r);
    }
}

// ---------------------------------------------------------------------------------------
// Behaviour
// ---------------------------------------------------------------------------------------

#[test]
fn spawn_with_piped_stdout_reads_to_eof_then_joins() {
    let out = run_ok(
        &[],
        &["/child.wasm"],
        "",
        "(local $fd i32)
         ;; stdin INHERIT, stdout PIPED, stderr INHERIT
         (call $r (call $spawn {s0} (i32.const 1) (i32.const 0) (i32.const 1)))
         (call $r (i32.load (i32.const 200)))
         (call $r (i32.load8_u (i32.const 204))) (call $r (i32.load8_u (i32.const 212)))
         (call $r (i32.load8_u (i32.const 220)))
         (local.set $fd (i32.load (i32.const 216)))
         (call $r (local.get $fd))
         (call $cat (local.get $fd))
         (call $r (call $fd_close (local.get $fd)))
         (call $join (i32.const 2) (i32.const 0))
         ;; reaped: a second join has no child
         (call $join (i32.const 2) (i32.const 0))",
    );
    assert_eq!(out, format!("0 2 0 1 0 4 child\n0 0 2 1 3 0 {CHILD} "));
}

#[test]
fn spawn2_dup2_puts_a_pipe_on_the_child_stdout() {
    let out = run_ok(
        &[("bin/child.wasm", files()[0].1)],
        &["/child.wasm", "child", "/usr:/bin"],
        "",
        "(local $pid i32)
         (call $r (call $fd_pipe (i32.const 80) (i32.const 84)))
         ;; the child's fd 1 = the write end; the read end is closed in the child
         (call $op (i32.const 0) (i32.const 1) (i32.const 1) (i32.load (i32.const 84)) (i32.const 0) (i32.const 0))
         (call $op (i32.const 1) (i32.const 0) (i32.load (i32.const 80)) (i32.const 0) (i32.const 0) (i32.const 0))
         (call $r (call $spawn2 {s0} (i32.const 2) (i32.const 0)))
         (local.set $pid (i32.load (i32.const 100)))
         (call $r (local.get $pid))
         ;; a bare name found on a search path, same actions
         (call $r (call $proc_spawn2 {s1} (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
            (i32.const 2048) (i32.const 2) (i32.const 2400) (i32.const 0) (i32.const 1) {s2} (i32.const 100)))
         (call $r (i32.load (i32.const 100)))
         (call $r (call $fd_close (i32.load (i32.const 84))))
         (call $cat (i32.load (i32.const 80)))
         (call $join (local.get $pid) (i32.const 0))
         (call $join (i32.const -1) (i32.const 0))
         (drop (call $fd_close (i32.load (i32.const 80))))",
    );
    assert_eq!(out, "0 0 2 0 3 0 child\nchild\n0 2 1 3 0 0 3 1 3 0 ");
}

#[test]
fn kill_ends_a_looping_child() {
    kill_a_looping_child(false);
}

#[test]
fn kill_ends_a_preempted_child() {
    // Every slice comes back as preempted first: the KILL lands on a suspended process.
    kill_a_looping_child(true);
}

fn kill_a_looping_child(deferred: bool) {
    let looper = program(&["looping\n"], "", "(call $out {s0}) (loop $l (br $l))");
    let mut all = files();
    all.push(("loop.wasm", looper));
    let r = run_prog_on(
        all,
        module(
            &["/loop.wasm"],
            "",
            "(call $r (call $spawn {s0} (i32.const 1) (i32.const 1) (i32.const 1)))
         ;; let the child run a few slices
         (call $r (call $thread_sleep (i64.const 20000)))
         ;; still running: a non-blocking join finds NOTHING
         (i32.store (i32.const 240) (i32.const 1)) (i32.store (i32.const 244) (i32.const 2))
         (call $r (call $proc_join (i32.const 240) (i32.const 1) (i32.const 248)))
         (call $r (i32.load8_u (i32.const 248)))
         (call $r (call $proc_signal (i32.const 2) (i32.const 9)))
         (call $join (i32.const 2) (i32.const 0))
         ;; gone: signalling it again is SRCH
         (call $r (call $proc_signal (i32.const 2) (i32.const 9)))",
        ),
        deferred,
    );
    assert_eq!(r.status, Some(ExitStatus::Code(0)), "{}", r.stderr);
    assert_clean(&r);
    assert_eq!(r.stdout, format!("0 looping\n0 0 0 0 0 2 2 0 9 {SRCH} "));
}

#[test]
fn a_preempted_process_runs_its_handlers() {
    // The child loops making calls; USR1 and then TERM (handled too) arrive while it is
    // suspended mid-slice, and its handler runs for each before it goes on.
    let child = program(
        &["on_sig", "sig", "done\n"],
        "(global $n (mut i32) (i32.const 0))
         (func (export \"on_sig\") (param $s i32) (call $hs {s1}) (call $hr (local.get $s))
           (global.set $n (i32.add (global.get $n) (i32.const 1))))",
        "(call $callback_signal {s0})
         (loop $l (drop (call $proc_id (i32.const 96))) (br_if $l (i32.lt_u (global.get $n) (i32.const 2))))
         (call $out {s2})
         (call $proc_exit (i32.const 3))",
    );
    let mut all = files();
    all.push(("child.wasm", child));
    let r = run_prog_on(
        all,
        module(
            &["/child.wasm"],
            "",
            "(call $r (call $spawn {s0} (i32.const 1) (i32.const 1) (i32.const 1)))
             (call $r (call $thread_sleep (i64.const 1000000)))
             (call $r (call $proc_signal (i32.const 2) (i32.const 10)))
             (call $r (call $thread_sleep (i64.const 1000000)))
             (call $r (call $proc_signal (i32.const 2) (i32.const 15)))
             (call $join (i32.const 2) (i32.const 0))",
        ),
        true,
    );
    assert_eq!(r.status, Some(ExitStatus::Code(0)), "{}", r.stderr);
    assert_clean(&r);
    assert_eq!(r.stdout, "0 0 0 sig 10 0 0 sig 15 done\n0 2 1 3 0 ");
}

#[test]
fn term_ends_a_sleeping_child_and_usr1_interrupts_a_handled_sleep() {
    // The child installs a handler and sleeps 1 s twice; USR1 interrupts the first sleep
    // (INTR, after the handler ran), TERM — handled too — the second; then it exits 7.
    let sleeper = program(
        &["on_sig", "sig"],
        "(func (export \"on_sig\") (param $n i32) (call $hs {s1}) (call $hr (local.get $n)))",
        "(call $callback_signal {s0})
         (call $r (call $thread_sleep (i64.const 1000000000)))
         (call $r (call $thread_sleep (i64.const 1000000000)))
         (call $proc_exit (i32.const 7))",
    );
    let plain = program(
        &[],
        "",
        "(drop (call $thread_sleep (i64.const 1000000000)))",
    );
    let out = run_ok(
        &[("sleeper.wasm", sleeper), ("plain.wasm", plain)],
        &["/sleeper.wasm", "/plain.wasm"],
        "",
        "(local $t i64)
         (call $r (call $spawn {s0} (i32.const 1) (i32.const 1) (i32.const 1)))
         (call $r (call $thread_sleep (i64.const 1000000)))
         (call $r (call $proc_signal (i32.const 2) (i32.const 10)))
         (call $r (call $thread_sleep (i64.const 1000000)))
         (call $r (call $proc_signal (i32.const 2) (i32.const 15)))
         (call $join (i32.const 2) (i32.const 0))
         ;; without a handler TERM ends a sleeping child at once
         (call $r (call $spawn {s1} (i32.const 1) (i32.const 1) (i32.const 1)))
         (call $r (call $thread_sleep (i64.const 1000000)))
         (local.set $t (call $now))
         (call $r (call $proc_signal (i32.const 3) (i32.const 15)))
         (call $join (i32.const 3) (i32.const 0))
         (call $r (i64.lt_u (i64.sub (call $now) (local.get $t)) (i64.const 1000000)))",
    );
    assert_eq!(
        out,
        format!("0 0 0 sig 10 {INTR} 0 0 sig 15 {INTR} 0 2 1 7 0 0 0 0 0 3 2 0 15 1 ")
    );
}

/// A handler printing "sig N".
const PRINTING_HANDLER: &str =
    "(func (export \"on_sig\") (param $n i32) (call $hs {s1}) (call $hr (local.get $n)))";

#[test]
fn callback_signal_runs_the_handler_before_the_next_instruction() {
    let out = run_ok(
        &[],
        &["on_sig", "sig", "after"],
        PRINTING_HANDLER,
        "(call $callback_signal {s0})
         (call $r (call $proc_id (i32.const 96)))
         (call $r (call $proc_signal (i32.load (i32.const 96)) (i32.const 10)))
         (call $s {s2})
         ;; TERM and (default-ignored) CHLD reach the handler too
         (call $r (call $proc_signal (i32.const 1) (i32.const 15)))
         (call $r (call $proc_signal (i32.const 1) (i32.const 16)))
         (call $s {s2})",
    );
    assert_eq!(out, "0 sig 10 0 after sig 15 0 sig 16 0 after ");
}

/// A write that breaks a pipe raises SIGPIPE for the handler, which runs before the
/// program sees the write's PIPE, as on the way out of a Linux system call (a shell
/// taking the default action dies before printing "write error").
#[test]
fn a_failed_call_returns_after_the_handler_of_the_signal_it_raised() {
    let out = run_ok(
        &[],
        &["on_sig", "sig"],
        PRINTING_HANDLER,
        "(call $callback_signal {s0})
         (call $r (call $fd_pipe (i32.const 80) (i32.const 84)))
         (call $r (call $fd_close (i32.load (i32.const 80))))
         (i32.store (i32.const 3000) (i32.const 1020))
         (i32.store (i32.const 3004) (i32.const 1))
         (call $r (call $fd_write (i32.load (i32.const 84)) (i32.const 3000) (i32.const 1)
            (i32.const 3008)))",
    );
    assert_eq!(out, "0 0 sig 13 64 ");
}

#[test]
fn without_a_usable_handler_signals_take_their_default_action() {
    // An empty name removes the handler; a name that is no exported `(func (param i32))`
    // installs none.
    for (setup, extra) in [
        (
            "(call $callback_signal {s0}) (call $callback_signal {s2})",
            PRINTING_HANDLER,
        ),
        ("(call $callback_signal {s3})", PRINTING_HANDLER),
        (
            "(call $callback_signal {s4})",
            "(func (export \"wrong\") (param i64))",
        ),
    ] {
        let r = run(
            &[],
            module(
                &["on_sig", "sig", "", "nope", "wrong"],
                extra,
                &format!(
                    "{setup} (call $r (i32.const 1)) (drop (call $proc_signal (i32.const 1) (i32.const 15))) (call $r (i32.const 2))"
                ),
            ),
        );
        assert_eq!(
            (r.stdout.as_str(), r.status),
            ("1 ", Some(ExitStatus::Signal(15))),
            "{setup}"
        );
        assert_clean(&r);
    }
}

/// A signal dispatcher shaped as wasix-libc's `__wasm_signal` for a signal left at its
/// default disposition: it takes a frame off the shadow stack (`__stack_pointer`), blocks
/// signals first thing, then calls libc's default-action routine — a null pointer until
/// the program's first `sigaction`, here `unreachable`.
const DFL_DISPATCHER: &str = "(global $sp (export \"__stack_pointer\") (mut i32) (i32.const 4096))
    (func (export \"dfl\") (param $n i32)
      (global.set $sp (i32.sub (global.get $sp) (i32.const 16)))
      (call $callback_signal {s1})
      unreachable)";

#[test]
fn a_signal_left_at_its_default_disposition_gets_the_kernels_default_action() {
    // CHLD and WINCH (ignored by default) leave the process running with its shadow stack as it
    // was; TERM then ends it, as killed by TERM (not a trap in the dispatcher).
    let r = run(
        &[],
        module(
            &["dfl", "__wasm_signal_blocked"],
            DFL_DISPATCHER,
            "(call $callback_signal {s0})
             (call $r (call $proc_signal (i32.const 1) (i32.const 16)))
             (call $r (global.get $sp))
             (call $r (call $proc_signal (i32.const 1) (i32.const 27)))
             (call $r (global.get $sp))
             (call $r (call $proc_signal (i32.const 1) (i32.const 15)))
             (call $r (i32.const 99))",
        ),
    );
    assert_eq!(r.stdout, "0 4096 0 4096 ");
    assert_eq!(r.stderr, "");
    assert_eq!(r.status, Some(ExitStatus::Signal(15)));
    assert_clean(&r);
}

#[test]
fn a_dispatcher_that_blocks_signals_after_another_call_is_a_handler() {
    // Blocking is the default-disposition mark only as the handler's first call: one
    // that prints first is a real handler and runs to its end.
    let out = run_ok(
        &[],
        &["h", "__wasm_signal_blocked", "sig"],
        "(func (export \"h\") (param $n i32)
           (call $hs {s2}) (call $hr (local.get $n))
           (call $callback_signal {s1})
           (call $callback_signal {s0}))",
        "(call $callback_signal {s0})
         (call $r (call $proc_signal (i32.const 1) (i32.const 16)))
         (call $r (call $proc_signal (i32.const 1) (i32.const 10)))
         (call $r (i32.const 7))",
    );
    assert_eq!(out, "sig 16 0 sig 10 0 7 ");
}

#[test]
fn chld_does_not_interrupt_a_blocked_call_and_its_handler_runs_after() {
    // The child exits at once; the parent's sleep runs to its end (0, not EINTR) and the
    // handler gets CHLD before the parent's next instruction.
    let out = run_ok(
        &[],
        &["on_sig", "sig", "/child.wasm"],
        PRINTING_HANDLER,
        "(call $callback_signal {s0})
         (call $r (call $spawn {s2} (i32.const 1) (i32.const 2) (i32.const 1)))
         (call $r (call $thread_sleep (i64.const 50000000)))
         (call $join (i32.const -1) (i32.const 0))",
    );
    assert_eq!(out, "0 sig 16 0 0 2 1 3 0 ");
}

#[test]
fn a_handler_may_exit_or_be_killed() {
    let handler = "(func (export \"on_sig\") (param $n i32)
        (call $hs {s1}) (call $hr (local.get $n))
        (if (i32.eq (local.get $n) (i32.const 15)) (then (call $proc_exit (i32.const 5))))
        (drop (call $proc_signal (i32.const 1) (i32.const 9)))
        (call $hs {s2}))";
    for (sig, status) in [(15, ExitStatus::Code(5)), (10, ExitStatus::Signal(9))] {
        let r = run(
            &[],
            module(
                &["on_sig", "sig", "unreachable"],
                handler,
                &format!(
                    "(local $i i32)
             (call $callback_signal {{s0}}) (drop (call $proc_signal (i32.const 1) (i32.const {sig}))) (call $s {{s2}})"
                ),
            ),
        );
        assert_eq!(
            (r.stdout, r.stderr, r.status),
            (format!("sig {sig} "), String::new(), Some(status))
        );
        assert_eq!(r.stats.open_files, 0);
    }
}

#[test]
fn an_alarm_without_a_handler_ends_the_process() {
    let r = run(
        &[],
        module(
            &[],
            "",
            "(call $r (call $proc_raise_interval (i32.const 14) (i64.const 10000000) (i32.const 0)))
             (call $r (call $thread_sleep (i64.const 1000000000)))",
        ),
    );
    assert_eq!(
        (r.stdout.as_str(), r.status),
        ("0 ", Some(ExitStatus::Signal(14)))
    );
    assert_clean(&r);
}

#[test]
fn a_handled_alarm_interrupts_a_sleep_once() {
    let out = run_ok(
        &[],
        &["on_sig", "sig"],
        PRINTING_HANDLER,
        "(local $t i64) (local $d i64)
         (call $callback_signal {s0})
         (call $r (call $proc_raise_interval (i32.const 14) (i64.const 10000000) (i32.const 0)))
         (local.set $t (call $now))
         (call $r (call $thread_sleep (i64.const 1000000000)))
         (local.set $d (i64.sub (call $now) (local.get $t)))
         (call $r (i64.ge_u (local.get $d) (i64.const 9900000)))
         (call $r (i64.lt_u (local.get $d) (i64.const 11000000)))
         ;; one-shot: the next sleep runs to its end
         (call $r (call $thread_sleep (i64.const 50000000)))",
    );
    assert_eq!(out, format!("0 sig 14 {INTR} 1 1 0 "));
}

#[test]
fn a_repeating_alarm_fires_until_cancelled() {
    let out = run_ok(
        &[],
        &["count"],
        "(func (export \"count\") (param i32)
           (i32.store (i32.const 3000) (i32.add (i32.load (i32.const 3000)) (i32.const 1))))",
        "(local $t i64) (local $intr i32)
         (call $callback_signal {s0})
         (call $r (call $proc_raise_interval (i32.const 14) (i64.const 10000000) (i32.const 1)))
         ;; sleep for 100 ms, starting again after each interruption
         (local.set $t (call $now))
         (block $done (loop $l
           (br_if $done (i64.ge_u (i64.sub (call $now) (local.get $t)) (i64.const 100000000)))
           (if (i32.eq (call $thread_sleep (i64.const 100000000)) (i32.const 27))
             (then (local.set $intr (i32.add (local.get $intr) (i32.const 1)))))
           (br $l)))
         (call $r (i32.ge_u (i32.load (i32.const 3000)) (i32.const 3)))
         (call $r (i32.le_u (i32.load (i32.const 3000)) (i32.const 11)))
         (call $r (i32.eq (i32.load (i32.const 3000)) (local.get $intr)))
         ;; cancelled: a 100 ms sleep is not interrupted and the count stays
         (call $r (call $proc_raise_interval (i32.const 14) (i64.const 0) (i32.const 1)))
         (i32.store (i32.const 3004) (i32.load (i32.const 3000)))
         (call $r (call $thread_sleep (i64.const 100000000)))
         (call $r (i32.eq (i32.load (i32.const 3000)) (i32.load (i32.const 3004))))",
    );
    assert_eq!(out, "0 1 1 1 0 0 1 ");
}

#[test]
fn orphans_are_adopted_by_pid_1() {
    let mid = program(
        &["/fast.wasm", "/slow.wasm"],
        "",
        "(drop (call $spawn {s0} (i32.const 1) (i32.const 1) (i32.const 1)))
         (drop (call $spawn {s1} (i32.const 1) (i32.const 1) (i32.const 1)))
         (drop (call $thread_sleep (i64.const 1000000)))",
    );
    let fast = program(&[], "", "(call $proc_exit (i32.const 6))");
    let slow = program(
        &[],
        "",
        "(drop (call $thread_sleep (i64.const 10000000))) (call $proc_exit (i32.const 5))",
    );
    let out = run_ok(
        &[("mid.wasm", mid), ("fast.wasm", fast), ("slow.wasm", slow)],
        &["/mid.wasm"],
        "",
        "(call $r (call $spawn {s0} (i32.const 1) (i32.const 1) (i32.const 1)))
         (call $join (i32.const 2) (i32.const 0))
         ;; pid 3 (fast) is a zombie, pid 4 (slow) still sleeps: both are pid 1's now
         (call $r (call $proc_parent (i32.const 4) (i32.const 92))) (call $r (i32.load (i32.const 92)))
         (call $join (i32.const -1) (i32.const 0))
         (call $join (i32.const 4) (i32.const 0))
         (call $join (i32.const -1) (i32.const 0))",
    );
    assert_eq!(out, format!("0 0 2 1 0 0 0 1 0 3 1 6 0 0 4 1 5 0 {CHILD} "));
}

#[test]
fn a_trap_in_a_child_is_abrt_with_the_message_on_its_stderr() {
    let bad = program(&["before\n"], "", "(call $out {s0}) unreachable");
    let out = run_ok(
        &[("bad.wasm", bad)],
        &["/bad.wasm"],
        "",
        ";; stderr PIPED
         (call $r (call $spawn {s0} (i32.const 1) (i32.const 1) (i32.const 0)))
         (call $cat (i32.load (i32.const 224)))
         (drop (call $fd_close (i32.load (i32.const 224))))
         (call $join (i32.const 2) (i32.const 0))",
    );
    assert_eq!(
        out,
        "0 before\ntrap: wasm `unreachable` instruction executed\n0 2 2 0 6 "
    );
}

/// `/b.wasm`: prints "b", its pid, its parent, argc and the environment size, exits 4.
fn exec_target() -> &'static [u8] {
    program(
        &["b"],
        "",
        "(call $s {s0}) (call $r (call $pid))
         (drop (call $proc_parent (call $pid) (i32.const 92))) (call $r (i32.load (i32.const 92)))
         (drop (call $args_sizes_get (i32.const 80) (i32.const 84))) (call $r (i32.load (i32.const 80)))
         (drop (call $environ_sizes_get (i32.const 80) (i32.const 84))) (call $r (i32.load (i32.const 80)))
         (call $proc_exit (i32.const 4))",
    )
}

/// The body of a program that execs `/b.wasm` with two arguments and one variable.
const EXEC_B: &str =
    "(call $r (call $proc_exec3 {s0} {s1} {s2} (i32.const 0) (i32.const 0) (i32.const 0)))
    (call $s {s3})";
const EXEC_STRINGS: &[&str] = &["/b.wasm", "b\nx\n", "K=V\n", "exec-failed"];

#[test]
fn exec_replaces_the_program_and_keeps_pid_and_descriptors() {
    let a = program(EXEC_STRINGS, "", EXEC_B);
    let out = run_ok(
        &[("a.wasm", a), ("b.wasm", exec_target())],
        &["/a.wasm"],
        "",
        ";; stdout PIPED: the new program still writes to it
         (call $r (call $spawn {s0} (i32.const 1) (i32.const 0) (i32.const 1)))
         (call $r (i32.load (i32.const 200)))
         (call $cat (i32.load (i32.const 216)))
         (drop (call $fd_close (i32.load (i32.const 216))))
         (call $join (i32.const 2) (i32.const 0))",
    );
    assert_eq!(out, "0 2 b 2 1 2 1 0 2 1 4 0 ");
}

#[test]
fn exec_of_pid_1_after_failed_attempts() {
    let r = run(
        &[("b.wasm", exec_target())],
        module(
            &[
                "/b.wasm",
                "b\nx\n",
                "K=V\n",
                "/nope.wasm",
                "/junk.wasm",
                "/dir",
            ],
            "",
            "(call $r (call $proc_exec3 {s3} {s1} {s2} (i32.const 0) (i32.const 0) (i32.const 0)))
             (call $r (call $proc_exec3 {s4} {s1} {s2} (i32.const 0) (i32.const 0) (i32.const 0)))
             (call $r (call $proc_exec3 {s5} {s1} {s2} (i32.const 0) (i32.const 0) (i32.const 0)))
             (call $r (call $proc_exec3 {s0} {s1} {s2} (i32.const 0) (i32.const 0) (i32.const 0)))",
        ),
    );
    assert_eq!(r.stdout, format!("{NOENT} {NOEXEC} 2 b 1 0 2 1 "));
    assert_eq!(r.status, Some(ExitStatus::Code(4)));
    assert_clean(&r);
}

#[test]
fn a_failed_exec_past_the_point_of_no_return_is_reported_to_the_parent() {
    // `/badstart.wasm` loads, then its start section traps (in the process's own slice,
    // after the exec): the process dies (SIGABRT) and its parent, waiting in proc_join,
    // learns so.
    let strings = ["/badstart.wasm", "", "", "exec-failed"];
    let a = program(&strings, "", EXEC_B);
    let out = run_ok(
        &[("a.wasm", a)],
        &["/a.wasm"],
        "",
        "(call $r (call $spawn {s0} (i32.const 1) (i32.const 1) (i32.const 1)))
         (call $join (i32.const 2) (i32.const 0))",
    );
    assert_eq!(out, "0 0 2 2 0 6 ");
}

#[test]
fn spawning_a_program_again_reuses_the_cached_module() {
    let r = run(
        &[],
        module(
            &["/child.wasm", "/dir/../child.wasm"],
            "",
            "(call $r (call $spawn {s0} (i32.const 1) (i32.const 1) (i32.const 1)))
             (call $join (i32.const 2) (i32.const 0))
             (call $r (call $spawn {s1} (i32.const 1) (i32.const 1) (i32.const 1)))
             (call $join (i32.const 3) (i32.const 0))
             (call $r (call $spawn2 {s0} (i32.const 0) (i32.const 0)))
             (call $join (i32.const 4) (i32.const 0))",
        ),
    );
    assert_eq!(
        r.stdout,
        "0 child\n0 2 1 3 0 0 child\n0 3 1 3 0 0 child\n0 4 1 3 0 "
    );
    assert_clean(&r);
    // One entry for the program of pid 1 and one for the child, however it was named.
    assert_eq!(r.modules, ["prog.wasm", "child.wasm"]);
}

#[test]
fn spawn_with_a_full_descriptor_table_is_mfile_and_leaks_nothing() {
    let out = run_ok(
        &[],
        &["/child.wasm"],
        "",
        "(block $done (loop $l (br_if $done (call $fd_dup (i32.const 0) (i32.const 80))) (br $l)))
         ;; a PIPED stream needs a descriptor in the parent
         (call $r (call $spawn {s0} (i32.const 1) (i32.const 0) (i32.const 1)))
         (call $r (call $spawn {s0} (i32.const 0) (i32.const 1) (i32.const 1)))
         (call $r (call $proc_join (i32.const 240) (i32.const 1) (i32.const 248)))",
    );
    assert_eq!(out, format!("{MFILE} {MFILE} {CHILD} "));
}

#[test]
fn the_process_limit_counts_each_process_once() {
    // Children spawned in one slice are not yet adopted by the scheduler; they must count
    // once towards `max_procs` (4096), not twice.
    let sleeper = wat::parse_str(
        r#"(module
          (import "wasix_32v1" "thread_sleep" (func $sleep (param i64) (result i32)))
          (func (export "_start") (drop (call $sleep (i64.const 1000000000)))))"#,
    )
    .expect("valid wat");
    let out = run_ok(
        &[("sleeper.wasm", Box::leak(sleeper.into_boxed_slice()))],
        &["/sleeper.wasm"],
        "",
        "(local $n i32) (local $e i32)
         (block $done (loop $l
           (local.set $e (call $spawn {s0} (i32.const 1) (i32.const 1) (i32.const 1)))
           (br_if $done (local.get $e))
           (local.set $n (i32.add (local.get $n) (i32.const 1)))
           (br $l)))
         (call $r (local.get $e)) (call $r (local.get $n))
         (local.set $n (i32.const 0))
         (block $done (loop $l
           (i32.store (i32.const 240) (i32.const 0))
           (br_if $done (call $proc_join (i32.const 240) (i32.const 0) (i32.const 248)))
           (local.set $n (i32.add (local.get $n) (i32.const 1)))
           (br $l)))
         (call $r (local.get $n))",
    );
    assert_eq!(out, format!("{AGAIN} 4095 4095 "));
}

#[test]
fn spawn_working_directory_and_chroot() {
    // `/where.wasm` prints its working directory, then climbs with `..`, prints it again and
    // tries to spawn `/child.wasm` (which exists only outside a chroot into /dir).
    let where_ = program(
        &["..", "/child.wasm"],
        "(func $cwd
           (i32.store (i32.const 396) (i32.const 64))
           (call $r (call $getcwd (i32.const 400) (i32.const 396)))
           (call $s (i32.const 400) (i32.load (i32.const 396))))",
        "(call $cwd)
         (call $r (call $chdir {s0}))
         (call $cwd)
         (call $r (call $spawn {s1} (i32.const 1) (i32.const 2) (i32.const 1)))
         (call $join (i32.const -1) (i32.const 0))",
    );
    let spawn_in = |chroot: i32| {
        format!(
            "(call $r (call $proc_spawn {{s0}} (i32.const {chroot}) (i32.const 0) (i32.const 0)
               (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 1) (i32.const 1) {{s1}}
               (i32.const 200)))
             (call $join (i32.const -1) (i32.const 0))"
        )
    };
    let out = run_ok(
        &[("where.wasm", where_)],
        &["/where.wasm", "dir"],
        "",
        &(spawn_in(0) + &spawn_in(1)),
    );
    assert_eq!(
        out,
        format!(
            "0 0 /dir 0 0 / 0 0 3 1 3 0 0 2 1 0 0 \
             0 0 / 0 0 / {NOENT} {CHILD} 0 4 1 0 0 "
        )
    );
}

#[test]
fn spawn2_signal_dispositions_are_inherited() {
    // The child reports its ignored signals and then sleeps; TERM (ignored) does not end
    // it, KILL does.
    let child = program(
        &[],
        "",
        "(call $r (call $proc_signals_sizes_get (i32.const 80))) (call $r (i32.load (i32.const 80)))
         (call $r (call $proc_signals_get (i32.const 84)))
         (call $r (i32.load8_u (i32.const 84))) (call $r (i32.load8_u (i32.const 85)))
         (call $r (i32.load8_u (i32.const 86))) (call $r (i32.load8_u (i32.const 87)))
         (drop (call $thread_sleep (i64.const 1000000000)))
         (call $r (i32.const 99))",
    );
    let out = run_ok(
        &[("ign.wasm", child)],
        &["/ign.wasm"],
        "",
        ";; IGNORE TERM and USR1, then DEFAULT for USR1 again: only TERM stays ignored
         (call $sd (i32.const 0) (i32.const 15) (i32.const 1))
         (call $sd (i32.const 1) (i32.const 10) (i32.const 1))
         (call $sd (i32.const 2) (i32.const 10) (i32.const 0))
         (call $r (call $spawn2 {s0} (i32.const 0) (i32.const 3)))
         (call $r (call $thread_sleep (i64.const 1000000)))
         (call $r (call $proc_signal (i32.const 2) (i32.const 15)))
         (call $r (call $thread_sleep (i64.const 1000000)))
         (call $r (call $proc_signal (i32.const 2) (i32.const 9)))
         (call $join (i32.const 2) (i32.const 0))",
    );
    assert_eq!(out, "0 0 1 0 15 1 0 0 0 0 0 0 0 2 2 0 9 ");
}

#[test]
fn a_handler_that_blocks_ends_the_process_not_the_runtime() {
    // A handler runs as a plain call between slices: it cannot block. Sleeping in it ends
    // the process with SIGABRT and a message on its stderr.
    let r = run(
        &[],
        module(
            &["on_sig", "sig"],
            "(func (export \"on_sig\") (param $n i32)
               (call $hs {s1}) (drop (call $thread_sleep (i64.const 1000))) (call $hs {s1}))",
            "(call $callback_signal {s0}) (drop (call $proc_signal (i32.const 1) (i32.const 10)))
             (call $r (i32.const 1))",
        ),
    );
    assert_eq!(
        (r.stdout.as_str(), r.status),
        ("sig ", Some(ExitStatus::Signal(6)))
    );
    assert!(
        r.stderr.starts_with("signal handler for 10 failed"),
        "{}",
        r.stderr
    );
    assert_clean(&r);
}

#[test]
fn the_module_cache_keeps_the_most_recently_used_programs_only() {
    let tiny = wat::parse_str(r#"(module (func (export "_start")))"#).expect("valid wat");
    let (mut kernel, _console, _pid) = kernel_with(&tiny, &Opts::default());
    let sys = kernel.sys();
    let root = sys.fs.root();
    for i in 0..80 {
        sys.fs
            .write_file(root, &format!("p{i}.wasm"), &tiny)
            .expect("write");
        sys.load_module(root, &format!("p{i}.wasm")).expect("load");
        // p0 stays in use all along.
        sys.load_module(root, "p0.wasm").expect("load p0");
    }
    let cached = |name: &str| {
        let ino = sys.fs.lookup(root, name, false).expect("lookup");
        sys.modules.contains_key(&ino)
    };
    assert_eq!(sys.modules.len(), 64);
    assert!(cached("p0.wasm") && cached("p79.wasm") && !cached("p1.wasm"));
}

#[test]
fn instantiation_and_table_growth_are_bounded_by_the_free_heap() {
    // With 16 MiB free: a child whose start section grows its memory to 32 MiB starts (its
    // start section runs in its own slices), but the grow fails, so it traps (ABRT, 6); a
    // table.grow of ~1M elements
    // (8 MiB, which needs twice that plus headroom) returns -1, one of 1000 succeeds.
    let grow_start = wat::parse_str(
        "(module (memory (export \"memory\") 1)
           (func $s (if (i32.eq (memory.grow (i32.const 511)) (i32.const -1)) (then unreachable)))
           (start $s) (func (export \"_start\")))",
    )
    .expect("valid wat");
    let grow_start: &'static [u8] = Box::leak(grow_start.into_boxed_slice());
    let body = "(call $r (call $spawn {s0} (i32.const 1) (i32.const 1) (i32.const 1)))
         (call $join (i32.const 2) (i32.const 0))
         (call $r (table.grow $t (ref.null func) (i32.const 1048000)))
         (call $r (table.grow $t (ref.null func) (i32.const 1000)))
         (call $r (table.size $t))";
    let wat = module(&["/grow.wasm"], "(table $t 1 funcref)", body);
    let low = run_prog_opts(
        alloc::vec![("grow.wasm", grow_start)],
        wat.clone(),
        false,
        Some(16 << 20),
    );
    assert_eq!(low.stdout, format!("0 0 2 2 0 6 {} 1 1001 ", u32::MAX));
    assert_clean(&low);
    // The same with the heap unknown (unchecked): the child starts, the big grow succeeds
    // (returning the old size, 1).
    let high = run_prog_opts(alloc::vec![("grow.wasm", grow_start)], wat, false, None);
    assert!(high.stdout.starts_with("0 0 2 1 0 0 1 "), "{}", high.stdout);
}

#[test]
fn memory_tables_and_value_stack_are_charged_together() {
    use crate::sys::{Charges, TABLE_ELEMENT_BYTES, VALUE_STACK_BYTES};
    let c = Charges::new(16 << 20);
    let room = (16 << 20) - VALUE_STACK_BYTES;
    assert_eq!(c.total(), VALUE_STACK_BYTES);
    assert!(c.fits(room, 0));
    assert!(!c.fits(room + 1, 0));
    // Tables take their share of the same cap.
    assert!(c.fits(room - 1000 * TABLE_ELEMENT_BYTES, 1000));
    assert!(!c.fits(room - 1000 * TABLE_ELEMENT_BYTES, 1001));
    // And all tables together stay under their own bound whatever the cap.
    let big = Charges::new(1 << 30);
    assert!(big.fits(0, 1 << 20) && !big.fits(0, (1 << 20) + 1));
}

#[test]
fn a_process_tables_together_are_bounded() {
    // Three tables of 400,000 elements, each within the per-table bound but 1.2 M together
    // (9.6 MiB of kernel heap): refused at spawn with NOMEM; two of them (800,000) start.
    // The parent's two tables of 1 grow to exactly 1 Mi elements together, then one more
    // is refused (-1), though each table alone is within the per-table bound. The heap is
    // not checked here (unknown), so only the per-process total refuses.
    let tables = |n: usize| -> &'static [u8] {
        let decl = "(table 400000 funcref) ".repeat(n);
        let wasm = wat::parse_str(format!("(module {decl} (func (export \"_start\")))"))
            .expect("valid wat");
        Box::leak(wasm.into_boxed_slice())
    };
    let body = "(call $r (call $spawn {s0} (i32.const 1) (i32.const 1) (i32.const 1)))
         (call $r (call $spawn {s1} (i32.const 1) (i32.const 1) (i32.const 1)))
         (call $join (i32.const 2) (i32.const 0))
         (call $r (table.grow $t (ref.null func) (i32.const 1048000)))
         (call $r (table.grow $u (ref.null func) (i32.const 574)))
         (call $r (table.grow $u (ref.null func) (i32.const 1)))
         (call $r (table.size $u))";
    let wat = module(
        &["/three.wasm", "/two.wasm"],
        "(table $t 1 funcref) (table $u 1 funcref)",
        body,
    );
    let r = run_prog_opts(
        alloc::vec![("three.wasm", tables(3)), ("two.wasm", tables(2))],
        wat,
        false,
        None,
    );
    assert_eq!(
        r.stdout,
        format!("{NOMEM} 0 0 2 1 0 0 1 1 {} 575 ", u32::MAX)
    );
    assert_clean(&r);
}

#[test]
fn modules_with_more_than_one_memory_are_refused() {
    let two = wat::parse_str("(module (memory 1) (memory 1) (func (export \"_start\")))")
        .expect("valid wat");
    let two: &'static [u8] = Box::leak(two.into_boxed_slice());
    let r = run(
        &[("two.wasm", two)],
        module(
            &["/two.wasm"],
            "",
            "(call $r (call $spawn {s0} (i32.const 1) (i32.const 1) (i32.const 1)))",
        ),
    );
    assert_eq!(r.stdout, format!("{NOEXEC} "));
    assert_clean(&r);
}

#[test]
fn spawn_and_exec_arguments_are_bounded_before_they_are_copied() {
    // 1024 CHDIR actions naming one 256 KiB path: NAMETOOLONG (it was copied 1024 times
    // before any check); 1024 naming a 4000-byte one: 2BIG (more than 256 KiB of paths);
    // 1 MiB of one-byte arguments (512 Ki entries, ~33x that in kernel allocations) and
    // one 2 MiB argument: 2BIG, from proc_exec3 and proc_spawn2 alike.
    let r = run(
        &[],
        module(
            &["/child.wasm"],
            "",
            "(local $i i32)
             (drop (memory.grow (i32.const 40)))
             (memory.fill (i32.const 65536) (i32.const 97) (i32.const 2097152))
             (loop $l
               (call $op (local.get $i) (i32.const 3) (i32.const 0) (i32.const 0)
                 (i32.const 65536) (i32.const 262144))
               (local.set $i (i32.add (local.get $i) (i32.const 1)))
               (br_if $l (i32.lt_u (local.get $i) (i32.const 1024))))
             (call $r (call $spawn2 {s0} (i32.const 1024) (i32.const 0)))
             (local.set $i (i32.const 0))
             (loop $l
               (call $op (local.get $i) (i32.const 3) (i32.const 0) (i32.const 0)
                 (i32.const 65536) (i32.const 4000))
               (local.set $i (i32.add (local.get $i) (i32.const 1)))
               (br_if $l (i32.lt_u (local.get $i) (i32.const 1024))))
             (call $r (call $spawn2 {s0} (i32.const 1024) (i32.const 0)))
             (call $r (call $proc_exec3 {s0} (i32.const 65536) (i32.const 2097152)
               (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)))
             (local.set $i (i32.const 0))
             (loop $l
               (i32.store16 (i32.add (i32.const 65536) (local.get $i)) (i32.const 0x0a61))
               (local.set $i (i32.add (local.get $i) (i32.const 2)))
               (br_if $l (i32.lt_u (local.get $i) (i32.const 1048576))))
             (call $r (call $proc_exec3 {s0} (i32.const 65536) (i32.const 1048576)
               (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)))
             (call $r (call $proc_spawn2 {s0} (i32.const 65536) (i32.const 1048576)
               (i32.const 0) (i32.const 0) (i32.const 2048) (i32.const 0) (i32.const 2400)
               (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 100)))
             ;; Half as many entries fit: the child runs.
             (call $r (call $proc_spawn2 {s0} (i32.const 65536) (i32.const 16384)
               (i32.const 0) (i32.const 0) (i32.const 2048) (i32.const 0) (i32.const 2400)
               (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 100)))
             (call $join (i32.const -1) (i32.const 0))",
        ),
    );
    assert_eq!(r.stdout, "37 1 1 1 1 0 child\n0 2 1 3 0 ");
    assert_clean(&r);
}

#[test]
fn zombies_count_toward_the_process_limit() {
    // Children that exit at once and are never joined: each keeps a table entry, so the
    // spawns meet AGAIN at the limit (4096 with pid 1) all the same; joining one makes
    // room for one more.
    let quick = wat::parse_str(r#"(module (func (export "_start")))"#).expect("valid wat");
    let quick: &'static [u8] = Box::leak(quick.into_boxed_slice());
    let out = run_ok(
        &[("quick.wasm", quick)],
        &["/quick.wasm"],
        "",
        "(local $n i32) (local $e i32)
         (block $done (loop $l
           (local.set $e (call $spawn {s0} (i32.const 1) (i32.const 1) (i32.const 1)))
           (br_if $done (local.get $e))
           (local.set $n (i32.add (local.get $n) (i32.const 1)))
           ;; let the child run and end before the next spawn
           (drop (call $thread_sleep (i64.const 1000)))
           (br $l)))
         (call $r (local.get $e)) (call $r (local.get $n))
         (i32.store (i32.const 240) (i32.const 0))
         (call $r (call $proc_join (i32.const 240) (i32.const 0) (i32.const 248)))
         (call $r (call $spawn {s0} (i32.const 1) (i32.const 1) (i32.const 1)))
         (call $r (call $spawn {s0} (i32.const 1) (i32.const 1) (i32.const 1)))",
    );
    assert_eq!(out, format!("{AGAIN} 4095 0 0 {AGAIN} "));
}

#[test]
fn a_chrooted_process_signals_only_its_own_descendants() {
    // Confined to /dir, the child may not TERM pid 1 (PERM) — it used to end it — and an
    // unknown pid stays SRCH; it may TERM its own child, spawned inside /dir.
    let sleeper = wat::parse_str(
        r#"(module
          (import "wasix_32v1" "thread_sleep" (func $sleep (param i64) (result i32)))
          (func (export "_start") (drop (call $sleep (i64.const 1000000000)))))"#,
    )
    .expect("valid wat");
    let sleeper: &'static [u8] = Box::leak(sleeper.into_boxed_slice());
    let sig = program(
        &["/sleeper.wasm"],
        "",
        "(call $r (call $proc_signal (i32.const 1) (i32.const 15)))
         (call $r (call $proc_signal (i32.const 4242) (i32.const 15)))
         (call $r (call $spawn {s0} (i32.const 1) (i32.const 1) (i32.const 1)))
         (call $r (call $proc_signal (i32.load (i32.const 200)) (i32.const 15)))
         (call $join (i32.const -1) (i32.const 0))",
    );
    let out = run_ok(
        &[("sig.wasm", sig), ("dir/sleeper.wasm", sleeper)],
        &["/sig.wasm", "dir"],
        "",
        "(call $r (call $proc_spawn {s0} (i32.const 1) (i32.const 0) (i32.const 0)
           (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 1) (i32.const 1) {s1}
           (i32.const 200)))
         (call $join (i32.const -1) (i32.const 0))",
    );
    // Parent: spawn 0; child: PERM, SRCH, spawn 0, TERM 0, its join (pid 3 killed by
    // TERM); parent's join (pid 2 exited 0).
    assert_eq!(out, "0 63 71 0 0 0 3 2 0 15 0 2 1 0 0 ");
}

/// The errno of `path_filestat_get(3, path)` after `mkdir dir dir/sub` and `chdir dir`, in a
/// program with the root preopened at fd 3; `legacy` makes it a 2022-ABI program (its
/// `proc_join` takes two parameters). Any earlier failure exits 100 + 2 × step.
fn stat_after_chdir(legacy: bool, path: &'static str) -> Option<ExitStatus> {
    let join = if legacy {
        r#"(import "wasix_32v1" "proc_join" (func $join (param i32 i32) (result i32)))"#
    } else {
        ""
    };
    let len = path.len();
    let wat = format!(
        r#"(module
          {join}
          (import "wasix_32v1" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
          (import "wasix_32v1" "chdir" (func $chdir (param i32 i32) (result i32)))
          (import "wasix_32v1" "path_filestat_get" (func $stat (param i32 i32 i32 i32 i32) (result i32)))
          (import "wasix_32v1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (data (i32.const 100) "/dir")
          (data (i32.const 110) "/dir/sub")
          (data (i32.const 300) "{path}")
          (func (export "_start")
            (if (call $mkdir (i32.const 3) (i32.const 101) (i32.const 3)) (then (call $exit (i32.const 102))))
            (if (call $mkdir (i32.const 3) (i32.const 111) (i32.const 7)) (then (call $exit (i32.const 104))))
            (if (call $chdir (i32.const 101) (i32.const 3)) (then (call $exit (i32.const 106))))
            (call $exit (call $stat (i32.const 3) (i32.const 1) (i32.const 300) (i32.const {len}) (i32.const 200)))))"#
    );
    let opts = Opts {
        preopen: Some("/"),
        ..Opts::default()
    };
    crate::testing::run_with(&wat, opts).status
}

/// The 2022 wasix-libc keeps no working directory: after `chdir` it opens relative paths
/// (dash's glob: `opendir(".")`) relative to the root preopen, and the process's working
/// directory must apply, as in wasmer. Programs of the current ABI keep the plain rule.
#[test]
fn legacy_relative_paths_at_the_root_preopen_start_from_the_working_directory() {
    let code = |legacy, path| stat_after_chdir(legacy, path);
    assert_eq!(code(true, "sub"), Some(ExitStatus::Code(0)));
    assert_eq!(code(true, "."), Some(ExitStatus::Code(0)));
    assert_eq!(code(true, "../dir/sub"), Some(ExitStatus::Code(0)));
    // Absolute paths stay root-relative, and `..` cannot climb out of the root.
    assert_eq!(code(true, "/sub"), Some(ExitStatus::Code(NOENT)));
    assert_eq!(code(true, "/dir/sub"), Some(ExitStatus::Code(0)));
    assert_eq!(code(true, "../.."), Some(ExitStatus::Code(76)));
    // The current ABI: relative to the preopen itself, where there is no `sub`.
    assert_eq!(code(false, "sub"), Some(ExitStatus::Code(NOENT)));
    assert_eq!(code(false, "dir/sub"), Some(ExitStatus::Code(0)));
}

#[test]
fn a_start_section_runs_in_the_childs_own_slices_before_start() {
    // A start section that never ends: the parent's spawn returns the pid at once, the
    // parent goes on, and a KILL ends the child like any other running process.
    let spin = program(
        &["never\n"],
        "(func $st (loop $l (br $l))) (start $st)",
        "(call $out {s0})",
    );
    // A start section runs before `_start`, with host calls working (the process exists).
    let init = program(
        &["init\n", "main\n"],
        "(func $st (call $out {s0})) (start $st)",
        "(call $out {s1})",
    );
    // A start function of the wrong type no longer meets the validator (its section is
    // gone): the spawn refuses it all the same.
    let badtype = wat::parse_str(
        "(module (memory (export \"memory\") 1) (func $s (param i32)) (start $s)
           (func (export \"_start\")))",
    )
    .expect("wat does not validate");
    let badtype: &'static [u8] = Box::leak(badtype.into_boxed_slice());
    let out = run_ok(
        &[
            ("spin.wasm", spin),
            ("init.wasm", init),
            ("badtype.wasm", badtype),
        ],
        &["/spin.wasm", "/init.wasm", "spawned\n", "/badtype.wasm"],
        "",
        "(call $r (call $spawn {s0} (i32.const 1) (i32.const 1) (i32.const 1)))
         (call $out {s2})
         (call $r (call $proc_signal (i32.const 2) (i32.const 9)))
         (call $join (i32.const 2) (i32.const 0))
         (call $r (call $spawn {s1} (i32.const 1) (i32.const 1) (i32.const 1)))
         (call $join (i32.const 3) (i32.const 0))
         (call $r (call $spawn {s3} (i32.const 1) (i32.const 1) (i32.const 1)))",
    );
    assert_eq!(
        out,
        format!("0 spawned\n0 0 2 2 0 9 0 init\nmain\n0 3 1 0 0 {NOEXEC} ")
    );
}

#[test]
fn a_big_random_get_is_filled_in_pieces_with_other_processes_running_between() {
    // Three pieces and 5 bytes: four pieces. The child spawned just before runs (and
    // prints) between them; before, the call filled it all in one go, first.
    let tick = program(&["tick\n"], "", "(call $out {s0})");
    let n = 3 * crate::wasi::random::PIECE + 5;
    let body = format!(
        "(call $r (call $spawn {{s0}} (i32.const 1) (i32.const 1) (i32.const 1)))
         (drop (memory.grow (i32.const 63)))
         (call $r (call $random_get (i32.const 65536) (i32.const {n})))
         (call $out {{s1}})
         (call $r (i64.ne (i64.load (i32.const {last})) (i64.const 0)))
         (call $r (i32.load8_u (i32.const {past})))
         (call $join (i32.const 2) (i32.const 0))",
        last = 65536 + n - 8,
        past = 65536 + n,
    );
    let out = run_ok(&[("tick.wasm", tick)], &["/tick.wasm", "done\n"], "", &body);
    assert_eq!(out, "0 tick\n0 done\n1 0 0 2 1 0 0 ");
}

#[test]
fn a_big_file_write_and_read_go_in_pieces_with_other_processes_running_between() {
    // 3 pieces + 5 bytes written to /big in one fd_write (from two iovecs, split inside
    // a piece), then read back in one fd_pread at offset 3 into two iovecs: the child
    // spawned just before runs between the pieces; each call still moves every byte.
    let tick = program(&["tick\n"], "", "(call $out {s0})");
    let piece = crate::io::FILE_PIECE;
    let n = 3 * piece + 5;
    let (src, dst) = (65536, 65536 + n + 64);
    let first = piece / 2 + 7;
    let body = format!(
        "(drop (memory.grow (i32.const 127)))
         (local.set $i (i32.const 0))
         (loop $fill
           (i32.store (i32.add (i32.const {src}) (local.get $i))
                      (i32.mul (local.get $i) (i32.const -1640531535)))
           (local.set $i (i32.add (local.get $i) (i32.const 4)))
           (br_if $fill (i32.lt_u (local.get $i) (i32.const {n}))))
         (call $r (call $path_open (i32.const 3) (i32.const 0) {{s2}} (i32.const 1)
                   (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 300)))
         (call $r (call $spawn {{s0}} (i32.const 1) (i32.const 1) (i32.const 1)))
         (i32.store (i32.const 200) (i32.const {src}))
         (i32.store (i32.const 204) (i32.const {first}))
         (i32.store (i32.const 208) (i32.const {src_rest}))
         (i32.store (i32.const 212) (i32.const {rest}))
         (call $r (call $fd_write (i32.load (i32.const 300)) (i32.const 200) (i32.const 2)
                   (i32.const 216)))
         (call $r (i32.eq (i32.load (i32.const 216)) (i32.const {n})))
         (call $out {{s1}})
         (i32.store (i32.const 200) (i32.const {dst}))
         (i32.store (i32.const 204) (i32.const {first}))
         (i32.store (i32.const 208) (i32.const {dst_rest}))
         (i32.store (i32.const 212) (i32.const {rest}))
         (call $r (call $fd_pread (i32.load (i32.const 300)) (i32.const 200) (i32.const 2)
                   (i64.const 3) (i32.const 216)))
         (call $r (i32.eq (i32.load (i32.const 216)) (i32.const {n_less})))
         (local.set $i (i32.const 0))
         (local.set $bad (i32.const 0))
         (loop $check
           (if (i32.ne (i32.load8_u (i32.add (i32.const {dst}) (local.get $i)))
                       (i32.load8_u (i32.add (i32.const {src_3}) (local.get $i))))
             (then (local.set $bad (i32.add (local.get $bad) (i32.const 1)))))
           (local.set $i (i32.add (local.get $i) (i32.const 1)))
           (br_if $check (i32.lt_u (local.get $i) (i32.const {n_less}))))
         (call $r (local.get $bad))
         (call $join (i32.const 2) (i32.const 0))",
        src_rest = src + first,
        dst_rest = dst + first,
        rest = n - first,
        n_less = n - 3,
        src_3 = src + 3,
    );
    let body = format!("(local $i i32) (local $bad i32)\n{body}");
    let out = run_ok(
        &[("tick.wasm", tick)],
        &["/tick.wasm", "written\n", "big"],
        "",
        &body,
    );
    // The child's line comes before the write has ended: the write went in pieces.
    assert_eq!(out, "0 0 tick\n0 1 written\n0 1 0 0 2 1 0 0 ");
}

#[test]
fn thread_local_keys_are_created_set_read_and_destroyed() {
    // Keys from 1, values 0 until set; a destroyed key's number is reused; unknown keys
    // are INVAL; 1024 keys at most (AGAIN), as pthread keys on Linux.
    let out = run_ok(
        &[],
        &[],
        "",
        "(local $i i32)
         (call $r (call $thread_local_create (i64.const 7) (i32.const 300)))
         (call $r (i32.load (i32.const 300)))
         (call $r (call $thread_local_create (i64.const 0) (i32.const 300)))
         (call $r (i32.load (i32.const 300)))
         (call $r (call $thread_local_get (i32.const 2) (i32.const 304)))
         (call $r (i32.wrap_i64 (i64.load (i32.const 304))))
         (call $r (call $thread_local_set (i32.const 2) (i64.const 0x1122334455)))
         (call $r (call $thread_local_get (i32.const 2) (i32.const 304)))
         (call $r (i64.eq (i64.load (i32.const 304)) (i64.const 0x1122334455)))
         (call $r (call $thread_local_destroy (i32.const 1)))
         (call $r (call $thread_local_get (i32.const 1) (i32.const 304)))
         (call $r (call $thread_local_set (i32.const 9) (i64.const 1)))
         (call $r (call $thread_local_destroy (i32.const 1)))
         (call $r (call $thread_local_create (i64.const 0) (i32.const 300)))
         (call $r (i32.load (i32.const 300)))
         (call $r (call $thread_local_create (i64.const 0) BAD))
         (loop $more
           (local.set $i (i32.add (local.get $i) (i32.const 1)))
           (br_if $more (i32.eqz (call $thread_local_create (i64.const 0) (i32.const 300)))))
         (call $r (local.get $i))
         (call $r (i32.load (i32.const 300)))
         (call $r (call $thread_local_create (i64.const 0) (i32.const 300)))",
    );
    // The loop made keys 3..=1024 (1022 of them) and met AGAIN (6) on its 1023rd try.
    assert_eq!(out, "0 1 0 2 0 0 0 0 1 0 28 28 28 0 1 21 1023 1024 6 ");
}

/// Runs `body` as pid 1 with ^C typed at a cooked console; returns its status and stdout.
fn pid1_with_ctrl_c(extra: &str, body: &str) -> (Option<ExitStatus>, String) {
    let wat = module(&["on_sig", "handled\n", "done\n"], extra, body);
    let wasm = wat::parse_str(&wat).expect("valid wat");
    let opts = Opts {
        preopen: Some("/"),
        ..Opts::default()
    };
    let (mut kernel, console, pid) = kernel_with(&wasm, &opts);
    kernel.sys().tty = crate::types::Tty::cooked();
    // Typed once the program has started (and named its handler).
    kernel.run_rounds(4);
    console.borrow_mut().input = b"\x03".to_vec();
    kernel.run();
    let out = String::from_utf8_lossy(&console.borrow().stdout).into_owned();
    (kernel.status(pid), out)
}

#[test]
fn ctrl_c_reaches_pid_1_only_when_it_handles_signals() {
    // As Linux's init: pid 1 gets the signals it has a handler for. A program run as pid
    // 1 with a handler sees ^C (and may end on it, as under another runtime); the system's
    // init, without one, stays.
    let sleep = "(call $r (call $thread_sleep (i64.const 50000000)))";
    let (status, out) = pid1_with_ctrl_c(
        "(global $got (mut i32) (i32.const 0))
         (func (export \"on_sig\") (param i32)
           (call $r (local.get 0)) (call $out {s1}) (global.set $got (i32.const 1)))",
        &format!(
            "(local $i i32)
             (call $callback_signal {{s0}})
             (local.set $i (i32.const 40))
             (loop $wait
               {sleep}
               (local.set $i (i32.sub (local.get $i) (i32.const 1)))
               (br_if $wait (i32.and (i32.eqz (global.get $got)) (i32.ne (local.get $i) (i32.const 0)))))
             (call $out {{s2}})"
        ),
    );
    assert_eq!(status, Some(ExitStatus::Code(0)), "{out}");
    // The console echoes ^C; the handler gets INT (2); the program goes on to its end.
    assert!(out.ends_with("^C\r\n2 handled\r\n0 done\r\n"), "{out:?}");
    let (status, out) = pid1_with_ctrl_c("", &format!("{sleep} {sleep} (call $out {{s2}})"));
    assert_eq!(status, Some(ExitStatus::Code(0)), "{out}");
    assert!(out.ends_with("^C\r\n0 done\r\n"), "{out:?}");
}

/// A 2022-style program (classic calls imported from `wasix_32v1`, nothing from
/// preview1): its `fd_pipe` ends each read what the other writes. Prints what each end
/// read, then what writing to the first end gives in a current-style program and in one
/// importing from both modules (BADF: its first end only reads).
#[test]
fn fd_pipe_of_2022_builds_is_bidirectional() {
    let wat = |style: &str, also: &str| {
        format!(
            r#"(module
  {also}
  (import "{style}" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "{style}" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasix_32v1" "fd_pipe" (func $pipe (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 300) "ab>cd>")
  (func $xfer (param $from i32) (param $to i32) (param $text i32) (result i32)
    (i32.store (i32.const 200) (local.get $text))
    (i32.store (i32.const 204) (i32.const 3))
    (if (call $write (local.get $from) (i32.const 200) (i32.const 1) (i32.const 220))
      (then (return (call $write (local.get $from) (i32.const 200) (i32.const 1) (i32.const 220)))))
    (i32.store (i32.const 208) (i32.const 400))
    (i32.store (i32.const 212) (i32.const 3))
    (drop (call $read (local.get $to) (i32.const 208) (i32.const 1) (i32.const 224)))
    (i32.store (i32.const 208) (i32.const 400))
    (drop (call $write (i32.const 1) (i32.const 208) (i32.const 1) (i32.const 224)))
    (i32.const 0))
  (func (export "_start") (local $e i32)
    (drop (call $pipe (i32.const 100) (i32.const 104)))
    (local.set $e (call $xfer (i32.load (i32.const 100)) (i32.load (i32.const 104)) (i32.const 300)))
    (if (i32.eqz (local.get $e))
      (then (local.set $e (call $xfer (i32.load (i32.const 104)) (i32.load (i32.const 100)) (i32.const 303)))))
    (i32.store8 (i32.const 500) (i32.add (i32.const 48) (local.get $e)))
    (i32.store (i32.const 208) (i32.const 500))
    (i32.store (i32.const 212) (i32.const 1))
    (drop (call $write (i32.const 1) (i32.const 208) (i32.const 1) (i32.const 224)))))"#
        )
    };
    let r = run(&[], wat("wasix_32v1", ""));
    assert_eq!(r.stdout, "ab>cd>0", "stderr {:?}", r.stderr);
    assert_clean(&r);
    // A current build: the first end reads only; writing to it is BADF (8).
    let r = run(&[], wat("wasi_snapshot_preview1", ""));
    assert_eq!(r.stdout, "8", "stderr {:?}", r.stderr);
    assert_clean(&r);
    // Classic calls from wasix_32v1, but preview1 imported too (as `badcalls` does).
    let preview1 = r#"(import "wasi_snapshot_preview1" "sched_yield" (func (result i32)))"#;
    let r = run(&[], wat("wasix_32v1", preview1));
    assert_eq!(r.stdout, "8", "stderr {:?}", r.stderr);
    assert_clean(&r);
}

#[test]
fn a_big_console_write_is_short() {
    // 100,000 bytes to the console: the call takes 64 KiB (a host call is never
    // preempted, and the serial port is slow); callers loop on the rest.
    let out = run_ok(
        &[],
        &[],
        "",
        "(drop (memory.grow (i32.const 2)))
         (memory.fill (i32.const 65536) (i32.const 120) (i32.const 100000))
         (i32.store (i32.const 200) (i32.const 65536))
         (i32.store (i32.const 204) (i32.const 100000))
         (call $r (call $fd_write (i32.const 1) (i32.const 200) (i32.const 1) (i32.const 208)))
         (call $r (i32.load (i32.const 208)))",
    );
    let max = crate::io::MAX_CONSOLE_WRITE;
    assert_eq!(out.len(), max + "0 65536 ".len());
    assert!(out[..max].bytes().all(|b| b == b'x'));
    assert_eq!(&out[max..], format!("0 {max} "));
}

#[test]
fn a_process_with_no_stack_to_start_on_waits_its_turn_and_is_not_harmed() {
    // The kernel's executor refuses fresh slices while the heap is too low for another
    // stack and every stack is held by a suspended process: the process waits in the
    // ready queue (the suspended ones run) instead of running unpreemptibly, where the
    // runaway trap would have killed a long computation after 2 s.
    let spin = program(&[], "", "(loop $l (br $l))");
    let wat = module(
        &["/spin.wasm", "done\n"],
        "",
        "(local $i i32)
         (call $r (call $spawn {s0} (i32.const 1) (i32.const 1) (i32.const 1)))
         (loop $l
           (local.set $i (i32.add (local.get $i) (i32.const 1)))
           (br_if $l (i32.lt_u (local.get $i) (i32.const 3000000))))
         (call $out {s1})
         (call $r (call $proc_signal (i32.const 2) (i32.const 9)))
         (call $join (i32.const 2) (i32.const 0))",
    );
    let wasm = wat::parse_str(&wat).expect("valid wat");
    let opts = Opts {
        files: alloc::vec![("spin.wasm", spin)],
        preopen: Some("/"),
        deferred: true,
        refuse: 5,
        ..Opts::default()
    };
    let (mut kernel, console, pid) = kernel_with(&wasm, &opts);
    kernel.run();
    let out = String::from_utf8_lossy(&console.borrow().stdout).into_owned();
    assert_eq!(out, "0 done\n0 0 2 2 0 9 ");
    assert_eq!(kernel.status(pid), Some(ExitStatus::Code(0)));
    assert_eq!(opts.refused.get(), 5, "fresh slices were refused");
    assert_eq!(kernel.stats().tasks, 0);
}
