//! Processes, pipes and signals end to end: `wasix-test` (userland/src/bin/wasix-test/main.rs)
//! runs as the first process over a root filesystem holding every userland program in
//! /bin, and exercises proc_spawn/proc_spawn2/proc_join/exec, kernel pipes, descriptor
//! duplication, chroot, preopens and signals from inside the VM; each case prints `ok`
//! lines and exits non-zero on the first failure. After every run the kernel reports that
//! its heap is back where it was before the first process started (nothing leaked).

use std::path::PathBuf;
use std::time::Duration;

use boot::run::{RunOptions, RunResult};

/// A root filesystem: /bin with every program (no `.wasm` suffix), /tmp, /data, /etc/motd.
fn rootfs() -> tempfile::TempDir {
    let userland = boot::build::userland_once().expect("userland builds");
    let root = tempfile::tempdir().expect("tempdir");
    let bin = root.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    for (name, data) in boot::image::bin_files(&userland).expect("programs") {
        std::fs::write(root.path().join(name), data).unwrap();
    }
    for dir in ["tmp", "data", "etc", "jail"] {
        std::fs::create_dir(root.path().join(dir)).unwrap();
    }
    std::fs::write(root.path().join("data/file.txt"), "data\n").unwrap();
    std::fs::write(root.path().join("etc/motd"), "welcome\n").unwrap();
    root
}

fn wasix_test(args: &[&str]) -> RunResult {
    wasix_test_env(args, &[])
}

/// [`wasix_test`] with the environment `env` (`NAME=value` pairs).
fn wasix_test_env(args: &[&str], env: &[&str]) -> RunResult {
    wasix_test_with(args, env, "", Duration::from_secs(600))
}

/// [`wasix_test`] with an environment, kernel command-line words and a timeout.
fn wasix_test_with(args: &[&str], env: &[&str], kernel_args: &str, timeout: Duration) -> RunResult {
    let userland = boot::build::userland_once().expect("userland builds");
    let kernel = boot::build::kernel_once().expect("kernel builds");
    let root = rootfs();
    let mut opts = RunOptions::new(PathBuf::from(&userland).join("wasix-test.wasm"), args);
    opts.dirs.push((root.path().to_path_buf(), "/".into()));
    opts.timeout = timeout;
    opts.env = env.iter().map(|e| e.to_string()).collect();
    opts.kernel_args = kernel_args.to_string();
    let r = boot::run::run(&kernel, &opts).expect("run");
    let stdout = String::from_utf8_lossy(&r.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&r.stderr).into_owned();
    println!(
        "--- wasix-test {args:?}: exit {} in {:?}\n{stdout}\n{stderr}\n{}",
        r.code, r.elapsed, r.log
    );
    assert_eq!(
        r.code, 0,
        "wasix-test {args:?} failed:\n{stdout}\n{stderr}\n{}",
        r.log
    );
    assert!(!stdout.contains("FAIL"), "{stdout}");
    assert_no_leaks(&r);
    r
}

/// The kernel's `heap-check` line: heap use after the runtime is gone equals heap use
/// before it started, and no process, open file or pipe is left.
fn assert_no_leaks(r: &RunResult) {
    if let Err(e) = boot::run::leak_check(&r.log) {
        panic!("{e}");
    }
}

fn stdout(r: &RunResult) -> String {
    String::from_utf8_lossy(&r.stdout).into_owned()
}

#[test]
fn spawn_with_every_stdio_mode() {
    let out = stdout(&wasix_test(&["spawn-modes"]));
    assert!(out.contains("spawn piped stdout: ok"));
    assert!(out.contains("inherited\n"));
    assert!(out.contains("proc_spawn2 search_path + DUP2 stdout: ok"));
}

#[test]
fn errors_are_errnos() {
    wasix_test(&["errors"]);
}

#[test]
fn join_any_specific_and_nonblocking() {
    wasix_test(&["join"]);
}

#[test]
fn kill_and_trap_are_signal_deaths() {
    let out = stdout(&wasix_test(&["kill"]));
    assert!(out.contains("KILL a spinning child -> EXIT_SIGNAL 9: ok"));
    assert!(out.contains("trapping child -> EXIT_SIGNAL 6 (SIGABRT): ok"));
}

#[test]
fn pipes_eof_and_sigpipe() {
    wasix_test(&["pipe"]);
}

#[test]
fn dup_and_cloexec() {
    wasix_test(&["dup"]);
}

#[test]
fn working_directory() {
    wasix_test(&["cwd"]);
}

#[test]
fn chroot_cannot_be_escaped() {
    let out = stdout(&wasix_test(&["chroot", "/jail"]));
    assert!(out.contains("chroot: cat /inside.txt reads the file: ok"));
    for path in ["/../secret.txt", "../secret.txt", "/escape", "/escape-abs"] {
        assert!(
            out.contains(&format!("chroot: cat {path} fails: ok")),
            "{path}: {out}"
        );
    }
}

#[test]
fn preopens_appear_under_their_names() {
    wasix_test(&["preopen", "/data", "/tmp"]);
}

#[test]
fn exec_replaces_the_program() {
    let out = stdout(&wasix_test(&["exec"]));
    assert!(out.ends_with("\nexec worked\n"), "{out}");
    let out = stdout(&wasix_test(&["exec-path"]));
    assert!(out.ends_with("\nexec via PATH worked\n"), "{out}");
}

#[test]
fn proc_exec_keeps_and_proc_exec2_replaces_the_environment() {
    // The older exec calls (no result) replace us with `sh -c 'echo …'`.
    let out = stdout(&wasix_test_env(&["exec1"], &["KEPT=yes"]));
    assert!(out.ends_with("\nproc_exec: argv and KEPT=yes\n"), "{out}");
    let out = stdout(&wasix_test_env(&["exec2"], &["KEPT=yes"]));
    assert!(out.ends_with("\nproc_exec2: KEPT=[] NEW=given\n"), "{out}");
}

#[test]
fn ids_signals_and_tty() {
    wasix_test(&["ids"]);
    wasix_test(&["sigdisp"]);
    wasix_test(&["tty"]);
}

#[test]
fn sched_yield_runs_the_other_process() {
    let out = stdout(&wasix_test(&["yield"]));
    assert!(
        out.contains("sched_yield ran the child within 10 yields: ok"),
        "{out}"
    );
}

/// Regression test for the lost wake-up fixed in d92d0d9: a timer tick landing while a
/// blocking pipe read unwound to the scheduler suspended the reader before it was parked,
/// and the writer's wake-up came and went. At 5000 Hz the ticks land in that window often
/// over 20,000 blocking reads; a lost wake-up leaves both processes asleep and the run
/// ends by the timeout (20,000 round trips take ~8 s here).
#[test]
fn twenty_thousand_pipe_wakeups_at_5000_hz_lose_none() {
    let r = wasix_test_with(
        &["pingpong", "20000"],
        &[],
        "hz=5000",
        Duration::from_secs(180),
    );
    let out = stdout(&r);
    assert!(out.contains("pingpong: 20000 round trips: ok"), "{out}");
}

#[test]
fn two_hundred_sequential_and_fifty_concurrent_children() {
    wasix_test(&["spawn-many", "200"]);
    wasix_test(&["spawn-concurrent", "50"]);
}

#[test]
fn spawn_bomb_meets_again_and_the_system_survives() {
    wasix_test(&["bomb"]);
}

#[test]
fn sixteen_mib_through_a_three_stage_pipeline() {
    let out = stdout(&wasix_test(&["pipeline", "16777216"]));
    assert!(
        out.contains("pipeline: stream | cat | sum checksum: ok"),
        "{out}"
    );
}
