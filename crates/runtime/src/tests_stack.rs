//! Tests of stack switching (`proc_fork`, `stack_checkpoint`, `stack_restore`), futexes
//! and lowered atomics, with the WASIX test program userland/wasix-c/wasix-proc.c (built
//! the way wasix-libc builds programs: an imported shared memory, atomics, asyncify).
//! Each scenario prints `name value` lines; every run must leave nothing behind.

use alloc::string::String;
use alloc::vec::Vec;

use crate::testing::{Opts, kernel_with};
use crate::types::ExitStatus;

const PROGRAM: &[u8] = include_bytes!("../../../userland/wasix-c/bin/wasix-proc.wasm");

/// Runs `scenario` to the end; gives its status and stdout (stderr is appended to
/// stdout, so a failure message shows in the assertion).
fn run(args: Vec<&'static str>) -> (Option<ExitStatus>, String) {
    let opts = Opts {
        args,
        ..Opts::default()
    };
    let (mut kernel, console, pid) = kernel_with(PROGRAM, &opts);
    let root = kernel.sys().fs.root();
    kernel.sys().fs.mkdir(root, "tmp").expect("mkdir /tmp");
    kernel.run();
    let stats = kernel.stats();
    assert_eq!(
        (stats.tasks, stats.open_files, stats.pipes),
        (0, 0, 0),
        "leaked: {stats:?}"
    );
    let c = console.borrow();
    let mut out = String::from_utf8_lossy(&c.stdout).into_owned();
    out.push_str(&String::from_utf8_lossy(&c.stderr));
    (kernel.status(pid), out)
}

fn expect(args: Vec<&'static str>, code: u32, want: &str) {
    let (status, out) = run(args.clone());
    assert_eq!(out, want, "{args:?}");
    assert_eq!(status, Some(ExitStatus::Code(code)), "{args:?}: {out}");
}

#[test]
fn fork_copies_memory_and_the_parent_joins_the_child() {
    expect(
        alloc::vec!["fork"],
        0,
        "child-global 2\nchild-parent-is-caller 1\nparent-global 1\nchild-exit 7\n",
    );
}

#[test]
fn a_thousand_forks_leave_nothing_behind() {
    expect(alloc::vec!["forkloop"], 0, "cycles 1000\n");
}

#[test]
fn longjmp_returns_to_the_checkpoint_through_deep_frames() {
    expect(
        alloc::vec!["setjmp"],
        0,
        "setjmp 0\nsetjmp 1\nsetjmp 2\nsetjmp 3\nvisits 4\n",
    );
}

#[test]
fn a_forked_child_longjmps_to_a_checkpoint_made_before_the_fork() {
    expect(
        alloc::vec!["fork-longjmp"],
        0,
        "child-longjmp 42\nchild-exit 3\n",
    );
}

#[test]
fn a_pipe_made_before_fork_connects_child_and_parent() {
    expect(
        alloc::vec!["pipe"],
        0,
        "read through the pipe\nchild-exit 0\n",
    );
}

#[test]
fn vfork_then_exec_keeps_the_child_pid_for_join() {
    expect(alloc::vec!["vfork-exec"], 0, "execd 1\nexecd-exit 11\n");
}

#[test]
fn the_working_directory_survives_fork_and_exec() {
    expect(alloc::vec!["cwd"], 0, "cwd /tmp\npwd-exit 0\n");
}

#[test]
fn signal_handlers_run_and_survive_fork() {
    expect(
        alloc::vec!["signal"],
        0,
        // The parent's handler also gets CHLD when the child ends (it handles every
        // signal, as wasix-libc's dispatcher does), numbered as musl does: 17.
        "handler 10\nhandled 10\nhandler 12\nhandler 17\nchild-exit 5\n",
    );
}

#[test]
fn signals_raised_while_wasix_libc_blocks_them_wait_for_the_unblock() {
    expect(
        alloc::vec!["blocked"],
        0,
        "raised-while-blocked 0\nhandler 2\nafter-unblock 2\n",
    );
}

#[test]
fn lowered_atomics_and_futexes_behave_as_on_one_thread() {
    expect(
        alloc::vec!["atomics"],
        0,
        "fetch_add 5\nfetch_sub 8\nfetch_and 7\nfetch_or 6\nfetch_xor 15\n\
exchange 12\ncas-fail 0\ncas-fail-saw 77\ncas-ok 1\nw32 5\nadd8-wraps 4\nadd16-wraps 1\n\
cas64 1\nw64-high 1\nwait-not-equal 1\nwait-timed-out 2\nwait64-timed-out 2\nnotify 0\n\
futex-wait 0\nfutex-woken 0\nfutex-wake 0\n",
    );
}

/// The 2022 WASIX ABI's `fd_renumber` is `dup2` (the source stays open) and never
/// replaces a preopen; its two-argument `proc_join` reports CHILD without children.
#[test]
fn the_2022_abi_dup2_and_proc_join() {
    let wat = r#"(module
        (import "wasix_32v1" "fd_renumber" (func $renumber (param i32 i32) (result i32)))
        (import "wasix_32v1" "proc_join" (func $join (param i32 i32) (result i32)))
        (import "wasix_32v1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
        (import "wasix_32v1" "proc_exit" (func $exit (param i32)))
        (memory (export "memory") 1)
        (data (i32.const 16) "\20\00\00\00\01\00\00\00")
        (data (i32.const 32) "x")
        (func (export "_start") (local $e i32)
            ;; fd 5 = copy of fd 1; both still write.
            (if (call $renumber (i32.const 1) (i32.const 5)) (then (call $exit (i32.const 1))))
            (drop (call $write (i32.const 5) (i32.const 16) (i32.const 1) (i32.const 8)))
            (drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 8)))
            ;; fd 3 is the preopen: NOTSUP (58).
            (if (i32.ne (call $renumber (i32.const 1) (i32.const 3)) (i32.const 58))
                (then (call $exit (i32.const 2))))
            ;; no children: CHILD (12).
            (i32.store (i32.const 0) (i32.const -1))
            (if (i32.ne (call $join (i32.const 0) (i32.const 4)) (i32.const 12))
                (then (call $exit (i32.const 3))))
            (call $exit (i32.const 0))))"#;
    let ran = crate::testing::run_with(
        wat,
        Opts {
            preopen: Some("/"),
            ..Opts::default()
        },
    );
    assert_eq!(ran.stdout, "xx", "{}", ran.stderr);
    assert_eq!(ran.status, Some(ExitStatus::Code(0)), "{}", ran.stderr);
}

/// A current WASIX program (classic calls from preview1, something from `wasix_32v1`)
/// gets `fd_renumber` as `dup2` under the preview1 name too, as wasmer serves it:
/// wasix-libc's `dup2` is that call, and bash restores a redirected stdout with
/// `dup2(saved, 1)` after `dup2(2, 1)`, which must leave fd 2 open. A preview1-only
/// program keeps the move (`tests_fs::fd_renumber_moves_descriptors`).
#[test]
fn wasix_programs_get_dup2_from_the_preview1_fd_renumber() {
    let wat = r#"(module
        (import "wasi_snapshot_preview1" "fd_renumber" (func $renumber (param i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
        (import "wasix_32v1" "fd_fdflags_get" (func $flags (param i32 i32) (result i32)))
        (memory (export "memory") 1)
        (data (i32.const 16) "\20\00\00\00\01\00\00\00")
        (data (i32.const 32) "x")
        (func (export "_start")
            ;; fd 2 onto fd 1, as bash's `echo >&2`: both stay open; fd 2 writes on.
            (if (call $renumber (i32.const 2) (i32.const 1)) (then (call $exit (i32.const 1))))
            (if (call $write (i32.const 2) (i32.const 16) (i32.const 1) (i32.const 8))
                (then (call $exit (i32.const 2))))
            (if (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 8))
                (then (call $exit (i32.const 3))))
            ;; the copy is not CLOEXEC.
            (if (call $flags (i32.const 1) (i32.const 0)) (then (call $exit (i32.const 4))))
            (if (i32.load16_u (i32.const 0)) (then (call $exit (i32.const 5))))
            ;; fd 3 is the preopen: NOTSUP (58), as in wasmer.
            (if (i32.ne (call $renumber (i32.const 1) (i32.const 3)) (i32.const 58))
                (then (call $exit (i32.const 6))))
            (call $exit (i32.const 0))))"#;
    let ran = crate::testing::run_with(
        wat,
        Opts {
            preopen: Some("/"),
            ..Opts::default()
        },
    );
    assert_eq!(ran.status, Some(ExitStatus::Code(0)), "{}", ran.stderr);
    assert_eq!(ran.stderr, "xx");
}

#[test]
fn parent_and_child_both_longjmp_across_a_fork() {
    // The parent has a handler, so the child's CHLD arrives while the parent is being
    // rewound into its checkpoint: it must wait until the rewind is over.
    expect(
        alloc::vec!["fork-longjmp-both"],
        0,
        "child-x 2\nparent-x 0\nchild-exit 5\nparent-got-chld 1\n",
    );
}

#[test]
fn the_fork_benchmark_reports_median_and_range() {
    let (status, out) = run(alloc::vec!["bench", "/prog.wasm", "3"]);
    assert_eq!(status, Some(ExitStatus::Code(0)), "{out}");
    let keys: Vec<&str> = out
        .lines()
        .map(|l| {
            l.strip_prefix("bench: ")
                .expect(l)
                .split(' ')
                .next()
                .unwrap()
        })
        .collect();
    assert_eq!(
        keys,
        [
            "fork.exit.wait",
            "fork.exit.wait.min",
            "fork.exit.wait.max",
            "fork.exec.wait",
            "fork.exec.wait.min",
            "fork.exec.wait.max"
        ]
    );
}

#[test]
fn a_wasix_toolchain_build_is_told_from_a_plain_wasi_program() {
    // `run` gives the former a root preopen, as wasmer does (kernel/src/init.rs).
    let (mut kernel, _console, _pid) = kernel_with(PROGRAM, &Opts::default());
    let sys = kernel.sys();
    assert!(
        sys.compile("wasix-proc", PROGRAM)
            .unwrap()
            .built_for_wasix()
    );
    // WASIX imports over a memory of its own (our own userland's kind): not the toolchain's.
    let own = wat::parse_str(
        r#"(module (import "wasix_32v1" "sched_yield" (func (result i32)))
             (memory (export "memory") 1) (func (export "_start")))"#,
    )
    .unwrap();
    assert!(!sys.compile("own", &own).unwrap().built_for_wasix());
}
