//! Job control: process groups (inherited, set through the `wasmkernel_jobs_v1`
//! extension), the console's foreground group getting ^C / ^Z alone, stopping and
//! continuing (`proc_join` with WAKE_STOPPED, a stopped process's blocked call and
//! pending signals), and background groups stopped by TTIN / TTOU.
//!
//! Programs are built with `tests_wasix`'s [`module`] helpers (its memory map: 100 =
//! `$spawn2`'s pid, 240.. = `$join`'s result). Here 3000 and 3004 hold the children's
//! pids. Keys are typed into the fake console once the program has printed a marker.

use alloc::string::String;
use alloc::vec::Vec;

use crate::testing::{Opts, kernel_with};
use crate::tests_wasix::{module, program};
use crate::types::{ExitStatus, Tty};

const WAKE_STOPPED: u32 = 2;
const NON_BLOCKING: u32 = 1;

/// A child that sleeps 1 ms at a time, `n` times, then prints `woke` and exits 0.
fn sleeper(n: u32) -> &'static [u8] {
    program(
        &["woke\n"],
        "",
        &alloc::format!(
            "(local $i i32)
             (loop $l
               (drop (call $thread_sleep (i64.const 1000000)))
               (local.set $i (i32.add (local.get $i) (i32.const 1)))
               (br_if $l (i32.lt_u (local.get $i) (i32.const {n}))))
             (call $out {{s0}})"
        ),
    )
}

/// Runs `body` as pid 1 (with `files`, `/dev` mounted, a cooked console): each (marker,
/// keys) step types `keys` once stdout holds `marker`. Returns pid 1's status and stdout.
fn session(
    files: Vec<(&'static str, &'static [u8])>,
    strings: &[&str],
    body: &str,
    steps: &[(&str, &[u8])],
) -> (Option<ExitStatus>, String) {
    session_on(false, files, strings, body, steps)
}

/// [`session`], with every slice first seen as preempted when `deferred` (a process is
/// then stopped, continued and killed while suspended mid-slice, not only while parked).
fn session_on(
    deferred: bool,
    files: Vec<(&'static str, &'static [u8])>,
    strings: &[&str],
    body: &str,
    steps: &[(&str, &[u8])],
) -> (Option<ExitStatus>, String) {
    session_with(deferred, files, strings, "", body, steps)
}

/// [`session_on`] with `extra` module fields (handlers to export).
fn session_with(
    deferred: bool,
    files: Vec<(&'static str, &'static [u8])>,
    strings: &[&str],
    extra: &str,
    body: &str,
    steps: &[(&str, &[u8])],
) -> (Option<ExitStatus>, String) {
    let wat = module(strings, extra, body);
    let wasm = wat::parse_str(&wat).expect("valid wat");
    let opts = Opts {
        files,
        preopen: Some("/"),
        dev: true,
        deferred,
        ..Opts::default()
    };
    let (mut kernel, console, pid) = kernel_with(&wasm, &opts);
    // Line editing and signal keys, no `\n` translation (outputs compare exactly).
    kernel.sys().tty = Tty {
        line_feeds: false,
        ..Tty::cooked()
    };
    let stdout = |c: &core::cell::RefCell<crate::testing::Console>| {
        String::from_utf8_lossy(&c.borrow().stdout).into_owned()
    };
    for (marker, keys) in steps {
        let mut rounds = 0;
        while !stdout(&console).contains(marker) {
            rounds += 1;
            assert!(
                rounds < 1_000_000 && !kernel.run_rounds(1),
                "never printed {marker:?}: {:?}",
                stdout(&console)
            );
        }
        console.borrow_mut().input.extend_from_slice(keys);
    }
    assert!(kernel.run_rounds(10_000_000), "{:?}", stdout(&console));
    let out = stdout(&console);
    (kernel.status(pid), out)
}

#[test]
fn groups_are_inherited_and_set_by_the_extension() {
    // Pid 1 leads group 1; its child starts in it; proc_setpgid moves the child into a
    // group of its own, or into an existing group, never a made-up one (PERM) nor a
    // process that is not the caller's child (SRCH). The foreground group is 0 until set,
    // can only be a group with a live member, and is 0 again once that group is gone.
    let files = alloc::vec![("s.wasm", sleeper(20))];
    let (status, out) = session(
        files,
        &["/s.wasm"],
        "(call $r (call $proc_getpgid (i32.const 0) (i32.const 80)))
             (call $r (i32.load (i32.const 80)))
             (call $r (call $tty_getpgrp (i32.const 80)))
             (call $r (i32.load (i32.const 80)))
             (call $r (call $spawn2 {s0} (i32.const 0) (i32.const 0)))
             (i32.store (i32.const 3000) (i32.load (i32.const 100)))
             (call $r (call $proc_getpgid (i32.load (i32.const 3000)) (i32.const 80)))
             (call $r (i32.load (i32.const 80)))
             (call $r (call $proc_setpgid (i32.load (i32.const 3000)) (i32.const 0)))
             (call $r (call $proc_getpgid (i32.load (i32.const 3000)) (i32.const 80)))
             (call $r (i32.eq (i32.load (i32.const 80)) (i32.load (i32.const 3000))))
             (call $r (call $proc_setpgid (i32.load (i32.const 3000)) (i32.const 77)))
             (call $r (call $proc_setpgid (i32.const 55) (i32.const 0)))
             (call $r (call $tty_setpgrp (i32.const 77)))
             (call $r (call $tty_setpgrp (i32.load (i32.const 3000))))
             (call $r (call $tty_getpgrp (i32.const 80)))
             (call $r (i32.eq (i32.load (i32.const 80)) (i32.load (i32.const 3000))))
             (call $r (call $proc_setpgid (i32.load (i32.const 3000)) (i32.const 1)))
             (call $r (call $proc_getpgid (i32.load (i32.const 3000)) (i32.const 80)))
             (call $r (i32.load (i32.const 80)))
             (call $join (i32.load (i32.const 3000)) (i32.const 0))
             (call $r (call $tty_getpgrp (i32.const 80)))
             (call $r (i32.load (i32.const 80)))",
        &[],
    );
    assert_eq!(status, Some(ExitStatus::Code(0)), "{out}");
    // SRCH 71, PERM 63. After the child moved back into group 1 (the foreground group
    // it led is gone), group 1 is no foreground: none was set for it.
    assert_eq!(
        out,
        "0 1 0 0 0 0 1 0 0 1 63 71 63 0 0 1 0 0 1 woke\n0 2 1 0 0 0 0 "
    );
}

#[test]
fn console_keys_reach_the_foreground_group_only() {
    console_keys_on(false);
}

#[test]
fn console_keys_reach_the_foreground_group_only_when_preempted() {
    console_keys_on(true);
}

fn console_keys_on(deferred: bool) {
    // Two sleepers, each in a group of its own; the first is made the foreground. ^Z stops
    // it (its parent's join with WAKE_STOPPED sees TSTP, 19); continued, ^C kills it
    // (INT, 2); the background one lives through both and dies only when killed.
    let files = alloc::vec![("s.wasm", sleeper(1_000_000))];
    let (status, out) = session_on(
        deferred,
        files,
        &["/s.wasm", "ready\n", "stopped\n", "cont\n"],
        &alloc::format!(
            "(drop (call $spawn2 {{s0}} (i32.const 0) (i32.const 0)))
             (i32.store (i32.const 3000) (i32.load (i32.const 100)))
             (drop (call $proc_setpgid (i32.load (i32.const 3000)) (i32.const 0)))
             (drop (call $spawn2 {{s0}} (i32.const 0) (i32.const 0)))
             (i32.store (i32.const 3004) (i32.load (i32.const 100)))
             (drop (call $proc_setpgid (i32.load (i32.const 3004)) (i32.const 0)))
             (call $r (call $tty_setpgrp (i32.load (i32.const 3000))))
             (call $out {{s1}})
             (call $join (i32.load (i32.const 3000)) (i32.const {WAKE_STOPPED}))
             (call $out {{s2}})
             (call $join (i32.load (i32.const 3000)) (i32.const {WAKE_STOPPED} | {NON_BLOCKING}))
             (call $r (call $proc_signal (i32.load (i32.const 3000)) (i32.const 17)))
             (call $out {{s3}})
             (call $join (i32.load (i32.const 3000)) (i32.const 0))
             (call $join (i32.load (i32.const 3004)) (i32.const {NON_BLOCKING}))
             (call $r (call $proc_signal (i32.load (i32.const 3004)) (i32.const 9)))
             (call $join (i32.load (i32.const 3004)) (i32.const 0))"
        )
        .replace(
            &alloc::format!("{WAKE_STOPPED} | {NON_BLOCKING}"),
            &alloc::format!("{}", WAKE_STOPPED | NON_BLOCKING),
        ),
        &[("ready\n", b"\x1a"), ("cont\n", b"\x03")],
    );
    assert_eq!(status, Some(ExitStatus::Code(0)), "{out}");
    let (a, b) = (2, 3);
    assert_eq!(
        out,
        alloc::format!(
            "0 ready\n^Z\r\n0 {a} 3 19 0 stopped\n0 0 0 0 0 0 cont\n^C\r\n0 {a} 2 0 2 0 0 0 0 0 0 0 {b} 2 0 9 "
        )
    );
}

#[test]
fn without_a_foreground_group_ctrl_z_does_nothing_and_ctrl_c_reaches_all() {
    // Before any program sets a foreground group the console behaves as it did: ^C
    // kills every process but pid 1 (without a handler), in whatever group; ^Z stops
    // nobody.
    let files = alloc::vec![("s.wasm", sleeper(1_000_000))];
    let (status, out) = session(
        files,
        &["/s.wasm", "ready\n", "z\n"],
        "(drop (call $spawn2 {s0} (i32.const 0) (i32.const 0)))
         (i32.store (i32.const 3000) (i32.load (i32.const 100)))
         (drop (call $proc_setpgid (i32.load (i32.const 3000)) (i32.const 0)))
         (call $out {s1})
         (drop (call $thread_sleep (i64.const 50000000)))
         (call $join (i32.load (i32.const 3000)) (i32.const 3))
         (call $out {s2})
         (call $join (i32.load (i32.const 3000)) (i32.const 2))",
        &[("ready\n", b"\x1a"), ("z\n", b"\x03")],
    );
    assert_eq!(status, Some(ExitStatus::Code(0)), "{out}");
    assert_eq!(out, "ready\n^Z\r\n0 0 0 0 0 z\n^C\r\n0 2 2 0 2 ");
}

#[test]
fn a_stopped_process_keeps_its_blocked_call_and_pending_signals() {
    // STOP while the child sleeps 1 ms: ten parent milliseconds later it has not woken
    // (its call stays blocked), and the stop is reported once; continued, it wakes. A
    // second child, stopped, with TERM pending (held while stopped), dies of KILL
    // without being continued.
    let files = alloc::vec![("s.wasm", sleeper(1)), ("long.wasm", sleeper(1_000_000))];
    let (status, out) = session(
        files,
        &["/s.wasm", "/long.wasm", "mark\n"],
        "(drop (call $spawn2 {s0} (i32.const 0) (i32.const 0)))
         (i32.store (i32.const 3000) (i32.load (i32.const 100)))
         (call $r (call $proc_signal (i32.load (i32.const 3000)) (i32.const 18)))
         (call $join (i32.load (i32.const 3000)) (i32.const 2))
         (drop (call $thread_sleep (i64.const 10000000)))
         (call $join (i32.load (i32.const 3000)) (i32.const 3))
         (call $out {s2})
         (call $r (call $proc_signal (i32.load (i32.const 3000)) (i32.const 17)))
         (call $join (i32.load (i32.const 3000)) (i32.const 0))
         (drop (call $spawn2 {s1} (i32.const 0) (i32.const 0)))
         (i32.store (i32.const 3004) (i32.load (i32.const 100)))
         (call $r (call $proc_signal (i32.load (i32.const 3004)) (i32.const 18)))
         (drop (call $thread_sleep (i64.const 1000000)))
         (call $r (call $proc_signal (i32.load (i32.const 3004)) (i32.const 15)))
         (call $join (i32.load (i32.const 3004)) (i32.const 3))
         (call $r (call $proc_signal (i32.load (i32.const 3004)) (i32.const 9)))
         (call $join (i32.load (i32.const 3004)) (i32.const 0))",
        &[],
    );
    assert_eq!(status, Some(ExitStatus::Code(0)), "{out}");
    // Stopped by STOP (18); nothing more to report; continued, it wakes and exits 0. The
    // second: stopped (reported), TERM held, then KILL ends it (9).
    assert_eq!(
        out,
        "0 0 2 3 18 0 0 0 0 0 0 mark\n0 woke\n0 2 1 0 0 0 0 0 3 3 18 0 0 0 3 2 0 9 "
    );
}

#[test]
fn a_stopped_process_dies_of_a_pending_term_once_continued() {
    let files = alloc::vec![("long.wasm", sleeper(1_000_000))];
    let (status, out) = session(
        files,
        &["/long.wasm"],
        "(drop (call $spawn2 {s0} (i32.const 0) (i32.const 0)))
         (i32.store (i32.const 3000) (i32.load (i32.const 100)))
         (call $r (call $proc_signal (i32.load (i32.const 3000)) (i32.const 19)))
         (drop (call $thread_sleep (i64.const 1000000)))
         (call $r (call $proc_signal (i32.load (i32.const 3000)) (i32.const 15)))
         (drop (call $thread_sleep (i64.const 10000000)))
         (call $join (i32.load (i32.const 3000)) (i32.const 1))
         (call $r (call $proc_signal (i32.load (i32.const 3000)) (i32.const 17)))
         (call $join (i32.load (i32.const 3000)) (i32.const 0))",
        &[],
    );
    assert_eq!(status, Some(ExitStatus::Code(0)), "{out}");
    // TSTP stops it; TERM waits (the non-blocking join finds nothing); CONT: TERM kills.
    assert_eq!(out, "0 0 0 0 0 0 0 0 0 2 2 0 15 ");
}

/// A child that opens `/dev/tty`, reads a line from it and prints the errno and line;
/// before that it sets the console's settings to what they are (`tty_set`), printing
/// that errno.
fn tty_user() -> &'static [u8] {
    program(
        &["dev/tty"],
        "",
        "(local $e i32)
         (call $r (call $tty_get (i32.const 300)))
         (call $r (call $tty_set (i32.const 300)))
         (drop (call $path_open (i32.const 3) (i32.const 0) {s0} (i32.const 0)
           (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 80)))
         (i32.store (i32.const 16) (i32.const 512)) (i32.store (i32.const 20) (i32.const 64))
         (local.set $e (call $fd_read (i32.load (i32.const 80)) (i32.const 16) (i32.const 1)
           (i32.const 24)))
         (call $r (local.get $e))
         (if (i32.eqz (local.get $e))
           (then (call $out (i32.const 512) (i32.load (i32.const 24)))))",
    )
}

#[test]
fn background_console_use_stops_on_ttou_and_ttin() {
    // A child in a background group: its tty_set stops it (TTOU, 21); made the
    // foreground and continued, the call goes through; its read then waits for the line
    // typed. Then again with TTIN and TTOU ignored: tty_set goes ahead, the read is EIO (29).
    let files = alloc::vec![("t.wasm", tty_user())];
    let (status, out) = session(
        files,
        &["/t.wasm", "go\n"],
        "(drop (call $spawn2 {s0} (i32.const 0) (i32.const 0)))
         (i32.store (i32.const 3000) (i32.load (i32.const 100)))
         (drop (call $proc_setpgid (i32.load (i32.const 3000)) (i32.const 0)))
         (drop (call $tty_setpgrp (i32.const 1)))
         (call $join (i32.load (i32.const 3000)) (i32.const 2))
         (call $r (call $tty_setpgrp (i32.load (i32.const 3000))))
         (call $r (call $proc_signal (i32.load (i32.const 3000)) (i32.const 17)))
         (call $out {s1})
         (call $join (i32.load (i32.const 3000)) (i32.const 0))
         (drop (call $tty_setpgrp (i32.const 1)))
         (call $sd (i32.const 0) (i32.const 20) (i32.const 1))
         (call $sd (i32.const 1) (i32.const 21) (i32.const 1))
         (drop (call $spawn2 {s0} (i32.const 0) (i32.const 2)))
         (i32.store (i32.const 3000) (i32.load (i32.const 100)))
         (drop (call $proc_setpgid (i32.load (i32.const 3000)) (i32.const 0)))
         (call $join (i32.load (i32.const 3000)) (i32.const 2))",
        &[("go\n", b"typed\n")],
    );
    assert_eq!(status, Some(ExitStatus::Code(0)), "{out}");
    assert_eq!(
        out,
        // The child's tty_get, its stop; made foreground and continued (the typed line
        // echoed meanwhile), its tty_set and the line read; then the child ignoring both.
        "0 0 2 3 21 0 0 0 go\ntyped\r\n0 0 typed\n0 2 1 0 0 0 0 29 0 3 1 0 0 "
    );
}

#[test]
fn a_computing_process_is_stopped_continued_and_killed() {
    // A child that never calls the system: out of fuel, or suspended mid-slice under a
    // preempting executor, it sits in the run queue; STOP takes it off, CONT puts it
    // back, KILL ends it (stopped or not).
    let spin = program(&[], "", "(loop $l (br $l))");
    for deferred in [false, true] {
        let (status, out) = session_on(
            deferred,
            alloc::vec![("spin.wasm", spin)],
            &["/spin.wasm"],
            "(drop (call $spawn2 {s0} (i32.const 0) (i32.const 0)))
             (i32.store (i32.const 3000) (i32.load (i32.const 100)))
             (drop (call $thread_sleep (i64.const 1000000)))
             (call $r (call $proc_signal (i32.load (i32.const 3000)) (i32.const 18)))
             (call $join (i32.load (i32.const 3000)) (i32.const 2))
             (drop (call $thread_sleep (i64.const 5000000)))
             (call $r (call $proc_signal (i32.load (i32.const 3000)) (i32.const 17)))
             (drop (call $thread_sleep (i64.const 5000000)))
             (call $join (i32.load (i32.const 3000)) (i32.const 3))
             (call $r (call $proc_signal (i32.load (i32.const 3000)) (i32.const 19)))
             (call $join (i32.load (i32.const 3000)) (i32.const 2))
             (call $r (call $proc_signal (i32.load (i32.const 3000)) (i32.const 9)))
             (call $join (i32.load (i32.const 3000)) (i32.const 2))",
            &[],
        );
        assert_eq!(status, Some(ExitStatus::Code(0)), "{out}");
        assert_eq!(
            out, "0 0 2 3 18 0 0 0 0 0 0 0 0 0 2 3 19 0 0 0 2 2 0 9 ",
            "deferred: {deferred}"
        );
    }
}

#[test]
fn stopped_children_of_an_ending_parent_get_hup_and_cont() {
    // A middle process starts a sleeper, stops it and exits: the orphaned, stopped
    // sleeper gets HUP and CONT and ends (the run ends), rather than wait for ever.
    let middle = program(
        &["/long.wasm"],
        "",
        "(drop (call $spawn2 {s0} (i32.const 0) (i32.const 0)))
         (drop (call $proc_signal (i32.load (i32.const 100)) (i32.const 18)))
         (drop (call $thread_sleep (i64.const 1000000)))",
    );
    let (status, out) = session(
        alloc::vec![("long.wasm", sleeper(1_000_000)), ("mid.wasm", middle)],
        &["/mid.wasm"],
        "(drop (call $spawn2 {s0} (i32.const 0) (i32.const 0)))
         (call $join (i32.load (i32.const 100)) (i32.const 0))
         (drop (call $thread_sleep (i64.const 100000000)))",
        &[],
    );
    assert_eq!(status, Some(ExitStatus::Code(0)), "{out}");
    assert_eq!(out, "0 2 1 0 0 ");
}

#[test]
fn a_console_key_typed_again_after_its_signal_waited_a_second_takes_the_default_action() {
    // The handler cannot run: signals stay blocked (as they would for a program computing
    // without calling the system, whose handler runs only at a call). One ^C waits; the
    // same key a second or more later ends the process by SIGINT's default action.
    let body = "(call $callback_signal {s0})
         (call $callback_signal {s1})
         (call $out {s3})
         (drop (call $thread_sleep (i64.const 2000000000)))
         (call $out {s4})
         (drop (call $thread_sleep (i64.const 2000000000)))
         (call $out {s5})
         (drop (call $thread_sleep (i64.const 2000000000)))
         (call $out {s6})";
    let strings = [
        "h",
        "__wasm_signal_blocked",
        "handled\n",
        "ready\n",
        "slept\n",
        "again\n",
        "end\n",
    ];
    let handler = "(func (export \"h\") (param i32) (call $out {s2}))";
    let typing =
        |steps: &[(&str, &[u8])]| session_with(false, Vec::new(), &strings, handler, body, steps);
    let (status, out) = typing(&[("ready\n", b"\x03"), ("again\n", b"\x03")]);
    assert_eq!(status, Some(ExitStatus::Signal(2)), "{out:?}");
    assert_eq!(out, "ready\n^C\r\nslept\nagain\n^C\r\n");
    // One key only: it waits for the handler, and the program runs to its end.
    let (status, out) = typing(&[("ready\n", b"\x03")]);
    assert_eq!(status, Some(ExitStatus::Code(0)), "{out:?}");
    assert!(out.ends_with("again\nend\n"), "{out:?}");
}
