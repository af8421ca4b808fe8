//! WASIX programs built the way wasix-libc builds them — an imported shared memory,
//! atomics, asyncify for fork and setjmp — run end to end in the VM:
//! userland/wasix-c/wasix-proc.c (ours, freestanding) runs every scenario, each in a
//! forked child, as the first process over a root filesystem holding every userland
//! program in /bin. Its lines are compared whole; the kernel's heap must come back to its
//! baseline afterwards.

use std::path::PathBuf;
use std::time::Duration;

use boot::image::Firmware;
use boot::run::{RunOptions, RunResult};

fn rootfs() -> tempfile::TempDir {
    let userland = boot::build::userland_once().expect("userland builds");
    let root = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(root.path().join("bin")).unwrap();
    std::fs::create_dir(root.path().join("tmp")).unwrap();
    for (name, data) in boot::image::bin_files(&userland).expect("programs") {
        std::fs::write(root.path().join(name), data).unwrap();
    }
    root
}

fn wasix_proc(args: &[&str], memory_mib: u32) -> RunResult {
    run_program("wasix-proc", args, memory_mib)
}

/// Runs `/bin/NAME ARGS` (a committed WASIX test program) as the first process, prints
/// what it did, and checks the kernel heap came back to its baseline.
fn run_program(name: &str, args: &[&str], memory_mib: u32) -> RunResult {
    let userland = boot::build::userland_once().expect("userland builds");
    let kernel = boot::build::kernel_once().expect("kernel builds");
    let root = rootfs();
    let mut opts = RunOptions::new(PathBuf::from(&userland).join(format!("{name}.wasm")), args);
    opts.dirs.push((root.path().to_path_buf(), "/".into()));
    opts.firmware = Firmware::Direct;
    opts.memory_mib = memory_mib;
    opts.timeout = Duration::from_secs(300);
    let r = boot::run::run(&kernel, &opts).expect("run");
    println!(
        "--- {name} {args:?}: exit {} in {:?}\n{}\n{}\n{}",
        r.code,
        r.elapsed,
        String::from_utf8_lossy(&r.stdout),
        String::from_utf8_lossy(&r.stderr),
        r.log
    );
    if let Err(e) = boot::run::leak_check(&r.log) {
        panic!("{e}");
    }
    r
}

#[test]
fn fork_setjmp_exec_pipes_signals_and_atomics() {
    let r = wasix_proc(&["all", "/bin/wasix-proc"], 256);
    let expected: &[(&str, &str)] = &[
        (
            "fork",
            "child-global 2\nchild-parent-is-caller 1\nparent-global 1\nchild-exit 7\n",
        ),
        ("forkloop", "cycles 1000\n"),
        (
            "setjmp",
            "setjmp 0\nsetjmp 1\nsetjmp 2\nsetjmp 3\nvisits 4\n",
        ),
        ("fork-longjmp", "child-longjmp 42\nchild-exit 3\n"),
        ("pipe", "read through the pipe\nchild-exit 0\n"),
        ("vfork-exec", "execd 1\nexecd-exit 11\n"),
        (
            "signal",
            "handler 10\nhandled 10\nhandler 12\nhandler 17\nchild-exit 5\n",
        ),
        ("atomics", ATOMICS),
        (
            "blocked",
            "raised-while-blocked 0\nhandler 2\nafter-unblock 2\n",
        ),
        ("cwd", "cwd /tmp\npwd-exit 0\n"),
    ];
    let want: String = expected
        .iter()
        .map(|(name, out)| format!("== {name}\n{out}rc 0\n"))
        .collect();
    assert_eq!(String::from_utf8_lossy(&r.stdout), want);
    assert_eq!(r.code, 0, "{}", String::from_utf8_lossy(&r.stderr));
}

/// userland/wasix-libc/wasix-libc-test.c, built against the real wasix-libc, runs each
/// scenario in a forked child: fork+exec+waitpid, vfork+exec, posix_spawn with
/// open/dup2/close file actions and posix_spawnp, popen (read and write), system(), a
/// pipe+dup2 pipeline of two exec'd children, waitpid(WNOHANG) before and after a child
/// ends, kill() of a child whose SIGUSR1 handler calls write() and SIGKILL reported as
/// WIFSIGNALED, signals a program never handled taking their default action (CHLD and
/// WINCH ignored, TERM and VTALRM fatal; every wait there is a plain waitpid that the
/// children's SIGCHLD must not interrupt), proc_spawn3/proc_exec4 with char** argv and
/// envp (an empty argument, one holding a newline, a null envp inheriting), eventfd
/// (counts, semaphore, poll, a blocking read), epoll (level-triggered over a pipe and an
/// eventfd, ONESHOT, the ctl errors, a blocking wait, a timeout, HUP/ERR), setjmp/longjmp
/// (out of nested calls too), and getcwd/chdir with the changed directory surviving exec.
#[test]
fn wasix_libc_programs_fork_exec_spawn_popen_pipe_signal_longjmp_and_cwd() {
    let r = run_program("wasix-libc-test", &["all", "/bin/wasix-libc-test"], 256);
    let expected: &[(&str, &str)] = &[
        (
            "fork-exec",
            "argc 2\narg [one two]\narg [three]\nargs-exit 0\nchild-exit 7\n",
        ),
        (
            "vfork-exec",
            "from-vfork-child\nvfork-child-exit 0\nparent-resumed\n",
        ),
        (
            "posix-spawn",
            "spawned-exit 0\nfile-holds stdin-bytes 12\nfd5-open 0\nfd5-exit 0\nargc 1\n\
             arg [via-path]\nspawnp-exit 0\nmissing-enoent 1\n",
        ),
        (
            "popen",
            "got popen-read-line\npclose-r 0\nWRITTEN TO POPEN\npclose-w 0\n",
        ),
        (
            "system",
            "from-system\nsystem-exit 0\nsystem-exit 3\nsystem-null 1\n",
        ),
        (
            "pipeline",
            "DOWN THE PIPELINE\nreader-exit 0\nwriter-exit 0\n",
        ),
        (
            "wnohang",
            "while-running 0\nafter-end-is-pid 1\nafter-end-exit 9\nreaped-echild 1\n",
        ),
        (
            "kill",
            "kill-usr1 0\nhandler SIGUSR1 1\nchild-saw-usr1\nkill-kill 0\n\
             killed-waited 1 signaled 1 termsig 9 exited 0\nhandler SIGUSR1 1\nraised 1\n",
        ),
        (
            "default-signals",
            "kill-chld 0\nkill-winch 0\nchild-survived-chld-winch\nkill-term 0\n\
             term-waited 1 signaled 1 termsig 15 exited 0\nkill-vtalrm 0\n\
             vtalrm-waited 1 signaled 1 termsig 26\n",
        ),
        (
            "char-lists",
            "argc 2\narg []\narg [two\nlines]\nspawn3-exit 0\nenv [K=v]\nenv [EMPTY=]\n\
             spawn3-env-exit 0\nenv [K=v]\nenv [EMPTY=]\nspawn3-inherit-exit 0\n\
             exec4-inherit-exit 0\nargc 2\narg [a b]\narg []\nexec4-exit 0\n\
             exec4-missing-enoent 1\n",
        ),
        (
            "eventfd",
            "read 8 value 3\neventfd_read 0 value 7\nshort-read-einval 1\nmax-write-einval 1\n\
             poll-empty 1 revents 2\nsem-read 8 value 1 eagain 0\nsem-read 8 value 1 eagain 0\n\
             sem-read -1 value 0 eagain 1\npoll-woken 1 revents 1\nblocking-read 0 value 42\n\
             writer-exit 0\n",
        ),
        (
            "epoll",
            "fds ep 4 pipe 5 6 efd 7\nadd 0 0\nadd-again 0\nmod-unwatched-enoent 1\n\
             del-unwatched-enoent 1\nbad-fd-ebadf 1\nnot-epoll-einval 1\nnothing 0\n\
             pipe 1 [fd 5 IN]\nboth 2 [fd 5 IN] [fd 7 IN]\nstill-both 2 [fd 5 IN] [fd 7 IN]\n\
             drained 0\nadd-out 0\nwritable 1 [fd 6 OUT]\ndel 0\nmod-oneshot 0\n\
             oneshot 1 [fd 5 IN]\noneshot-quiet 0\nrearm 0\nrearmed 1 [fd 5 IN]\n\
             woken 1 [fd 7 IN]\nwriter-exit 0\ntimeout 0\nwaited-30ms 1\n\
             widowed 1 [fd 5 IN HUP]\nno-reader 2 [fd 5 IN HUP] [fd 8 ERR]\n",
        ),
        (
            "setjmp",
            "setjmp 0\nsetjmp 1\nsetjmp 2\nout-of-nested 50 depth 5\nlongjmp-zero-gives 1\n",
        ),
        (
            "cwd",
            "cwd /tmp/wlt-dir\ncwd /tmp\nrelative-open 1\nvisible-absolute 1\nenoent 1\n\
             exec-cwd /tmp/wlt-dir\nexec-exit 0\n",
        ),
    ];
    let want: String = expected
        .iter()
        .map(|(name, out)| format!("== {name}\n{out}rc 0\n"))
        .collect();
    assert_eq!(String::from_utf8_lossy(&r.stdout), want);
    assert_eq!(r.code, 0, "{}", String::from_utf8_lossy(&r.stderr));
}

/// What the atomics scenario prints: each read-modify-write gives the old value, narrow
/// ones wrap at their width, a failed compare-exchange reports what it saw, a wait on an
/// unchanged value times out (2) and on a changed one returns "not equal" (1), a notify
/// wakes nobody (0), and `futex_wait` times out with `woken` false.
const ATOMICS: &str = "fetch_add 5\nfetch_sub 8\nfetch_and 7\nfetch_or 6\nfetch_xor 15\n\
exchange 12\ncas-fail 0\ncas-fail-saw 77\ncas-ok 1\nw32 5\nadd8-wraps 4\nadd16-wraps 1\n\
cas64 1\nw64-high 1\nwait-not-equal 1\nwait-timed-out 2\nwait64-timed-out 2\nnotify 0\n\
futex-wait 0\nfutex-woken 0\nfutex-wake 0\n";

#[test]
fn a_fork_bomb_stops_at_the_limits_with_again() {
    let r = wasix_proc(&["bomb"], 128);
    let out = String::from_utf8_lossy(&r.stdout);
    assert_eq!(
        out,
        "bomb-stopped-errno 6\nbomb-forks-positive 1\nbomb-all-killed 1\n"
    );
    assert_eq!(r.code, 0);
}

/// The bench's WASIX figures can be produced: the two builds of our CoreMark-style C
/// benchmark (userland/cmark: wasix-libc with its shared memory and atomics lowered at
/// load, and wasi-libc) both run a fixed amount of work and validate every iteration's CRC
/// against the chained reference, and wasix-libc-test's `bench` times posix_spawn+wait.
#[test]
fn bench_programs_cmark_builds_and_posix_spawn_timing_run() {
    for build in ["cmark-wasix", "cmark-wasi"] {
        let r = run_program(build, &["--reps", "1", "32"], 64);
        let out = String::from_utf8_lossy(&r.stdout);
        assert_eq!(r.code, 0, "{build}: {out}");
        assert!(out.contains("bench: cmark.valid 1 bool"), "{build}: {out}");
        assert!(out.contains("bench: cmark "), "{build}: {out}");
    }
    let r = run_program(
        "wasix-libc-test",
        &["bench", "/bin/wasix-libc-test", "1"],
        256,
    );
    let out = String::from_utf8_lossy(&r.stdout);
    assert_eq!(r.code, 0, "{out}");
    for key in [
        "posix_spawn.wait ",
        "posix_spawn.wait.min ",
        "posix_spawn.wait.max ",
    ] {
        assert!(out.contains(&format!("bench: {key}")), "{key}: {out}");
    }
}
