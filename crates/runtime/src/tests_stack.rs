//! Tests of stack switching (`proc_fork`, `stack_checkpoint`, `stack_restore`), futexes
//! and lowered atomics, with the WASIX test program userland/wasix-c/wasix-proc.c (built
//! the way wasix-libc builds programs: an imported shared memory, atomics, asyncify).
//! Each scenario prints `name value` lines; every run must leave nothing behind.

use alloc::string::String;
use alloc::vec::Vec;

use crate::sys::ExitStatus;
use crate::testing::{Opts, kernel_with};

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
