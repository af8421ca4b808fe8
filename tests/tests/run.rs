//! `run` end to end: real guest programs (Rust std and C with wasi-libc) booted as the
//! VM's first process, checked against the same program under wasmtime (the PyPI
//! `wasmtime` package, through `userland/tools/wasmtime_run.py`) for identical stdout,
//! stderr and exit code — files, directories, symlinks, args, env, clocks, random, sleeps,
//! stdin to end-of-file, exit codes and each kind of trap — plus the failures only we can
//! have: bad modules, unknown imports, runaway guests.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use boot::run::{RunOptions, RunResult, Stdin};

fn userland() -> PathBuf {
    boot::build::userland_once().expect("userland builds")
}

fn kernel() -> PathBuf {
    boot::build::kernel_once().expect("kernel builds")
}

fn wasm(name: &str) -> PathBuf {
    userland().join(format!("{name}.wasm"))
}

/// A fresh host directory with a few files, for `--dir`.
fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("hello.txt"), "hello from the host\n").unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/inner.txt"), "inner\n").unwrap();
    dir
}

struct Case {
    program: PathBuf,
    args: Vec<String>,
    env: Vec<String>,
    stdin: Vec<u8>,
    dir: Option<String>,
}

impl Case {
    fn new(program: &str, args: &[&str]) -> Self {
        Self {
            program: wasm(program),
            args: args.iter().map(|s| s.to_string()).collect(),
            env: Vec::new(),
            stdin: Vec::new(),
            dir: None,
        }
    }

    fn env(mut self, e: &[&str]) -> Self {
        self.env = e.iter().map(|s| s.to_string()).collect();
        self
    }

    fn stdin(mut self, bytes: &[u8]) -> Self {
        self.stdin = bytes.to_vec();
        self
    }

    /// Preopens a fresh copy of the fixture as `guest`.
    fn dir(mut self, guest: &str) -> Self {
        self.dir = Some(guest.to_string());
        self
    }

    fn ours(&self) -> RunResult {
        let fx = fixture();
        let mut opts = RunOptions::new(&self.program, &[]);
        opts.args = self.args.clone();
        opts.env = self.env.clone();
        opts.stdin = Stdin::Bytes(self.stdin.clone());
        opts.timeout = Duration::from_secs(120);
        if let Some(g) = &self.dir {
            opts.dirs.push((fx.path().to_path_buf(), g.clone()));
        }
        boot::run::run(&kernel(), &opts).expect("run")
    }

    fn wasmtime(&self) -> (i32, Vec<u8>, Vec<u8>) {
        let fx = fixture();
        let script = boot::workspace_root().join("userland/tools/wasmtime_run.py");
        let mut cmd = Command::new("python3");
        cmd.arg(script);
        if let Some(g) = &self.dir {
            cmd.arg("--dir")
                .arg(format!("{}::{g}", fx.path().display()));
        }
        for e in &self.env {
            cmd.arg("--env").arg(e);
        }
        cmd.arg(&self.program).args(&self.args);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("python3 runs");
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().expect("stdin");
            stdin.write_all(&self.stdin).expect("feed stdin");
        }
        let out = child.wait_with_output().expect("wasmtime finishes");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("No module named 'wasmtime'"),
            "the reference runtime is missing: pip install wasmtime (.ci/run does)"
        );
        (out.status.code().unwrap_or(-1), out.stdout, out.stderr)
    }

    /// Runs under both and asserts identical stdout, stderr and exit code.
    fn same_as_wasmtime(&self) -> RunResult {
        let ours = self.ours();
        let (code, stdout, stderr) = self.wasmtime();
        let show = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        assert_eq!(
            show(&ours.stdout),
            show(&stdout),
            "stdout differs for {:?} {:?}\nkernel log:\n{}",
            self.program,
            self.args,
            ours.log
        );
        assert_eq!(
            show(&ours.stderr),
            show(&stderr),
            "stderr differs for {:?} {:?}",
            self.program,
            self.args
        );
        assert_eq!(
            ours.code, code,
            "exit code differs for {:?} {:?}",
            self.program, self.args
        );
        ours
    }
}

#[test]
fn hello_world() {
    let r = Case::new("hello", &[]).same_as_wasmtime();
    assert_eq!(r.stdout, b"Hello, world!\n");
    assert_eq!(r.code, 0);
}

#[test]
fn args_and_env_match_wasmtime() {
    Case::new("wasi-test", &["args", "one", "two words", "-x"]).same_as_wasmtime();
    Case::new("wasi-test", &["env"])
        .env(&["B=2", "A=1", "EMPTY="])
        .same_as_wasmtime();
}

#[test]
fn files_dirs_symlinks_match_wasmtime() {
    Case::new("wasi-test", &["files", "/data"])
        .dir("/data")
        .same_as_wasmtime();
    Case::new("wasi-test", &["dirs", "/data"])
        .dir("/data")
        .same_as_wasmtime();
    Case::new("wasi-test", &["symlinks", "/data"])
        .dir("/data")
        .same_as_wasmtime();
}

#[test]
fn coreutils_match_wasmtime() {
    Case::new("cat", &["/data/hello.txt", "/data/sub/inner.txt"])
        .dir("/data")
        .same_as_wasmtime();
    Case::new("cat", &["/data/missing"])
        .dir("/data")
        .same_as_wasmtime();
    Case::new("ls", &["-l", "/data"])
        .dir("/data")
        .same_as_wasmtime();
    Case::new("echo", &["-n", "no", "newline"]).same_as_wasmtime();
}

#[test]
fn clocks_random_and_sleep_match_wasmtime() {
    Case::new("wasi-test", &["clock"]).same_as_wasmtime();
    Case::new("wasi-test", &["random"]).same_as_wasmtime();
    Case::new("wasi-test", &["sleep"]).same_as_wasmtime();
}

#[test]
fn stdin_is_read_to_end_of_file() {
    let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
    Case::new("wasi-test", &["stdin"])
        .stdin(&data)
        .same_as_wasmtime();
    Case::new("cat", &[])
        .stdin(b"piped through cat\n")
        .same_as_wasmtime();
}

#[test]
fn exit_codes_and_traps_match_wasmtime() {
    let r = Case::new("wasi-test", &["exit", "3"]).same_as_wasmtime();
    assert_eq!(r.code, 3);
    for kind in ["unreachable", "oob", "stack", "panic"] {
        let r = Case::new("wasi-test", &["trap", kind]).same_as_wasmtime();
        assert_eq!(r.code, 134, "trap {kind}");
        assert!(
            String::from_utf8_lossy(&r.stderr).contains("trap: "),
            "trap {kind}"
        );
    }
}

#[test]
fn c_guests_match_wasmtime() {
    Case::new("hello_c", &["5"])
        .env(&["GREETING=hi"])
        .same_as_wasmtime();
    Case::new("ctest", &["files", "/data"])
        .dir("/data")
        .same_as_wasmtime();
    Case::new("ctest", &["dirs", "/data"])
        .dir("/data")
        .same_as_wasmtime();
    Case::new("ctest", &["stdin"])
        .stdin(b"some bytes for C\n")
        .same_as_wasmtime();
    Case::new("ctest", &["clock"]).same_as_wasmtime();
    let r = Case::new("ctest", &["div0"]).same_as_wasmtime();
    assert!(String::from_utf8_lossy(&r.stderr).contains("trap: integer divide by zero"));
    Case::new("ctest", &["oob"]).same_as_wasmtime();
}

fn write_wat(dir: &Path, name: &str, wat: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, wat::parse_str(wat).expect("valid wat")).unwrap();
    path
}

fn run_file(path: &Path, timeout: u64) -> RunResult {
    let mut opts = RunOptions::new(path, &[]);
    opts.timeout = Duration::from_secs(timeout);
    boot::run::run(&kernel(), &opts).expect("run")
}

/// Runs `path` (within 60 s) and checks it fails with exit `code` and `message` on stderr.
fn expect_failure(path: &Path, message: &str, code: i32) {
    let r = run_file(path, 60);
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains(message), "{err}");
    assert_eq!(r.code, code);
}

#[test]
fn unknown_import_and_bad_module_fail_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let p = write_wat(
        tmp.path(),
        "imports.wasm",
        r#"(module (import "wasi_snapshot_preview1" "not_a_call" (func)) (func (export "_start")))"#,
    );
    expect_failure(&p, "wasi_snapshot_preview1::not_a_call", 126);

    let bad = tmp.path().join("bad.wasm");
    std::fs::write(&bad, b"\0asm\x01\0\0\0 definitely not a module").unwrap();
    expect_failure(&bad, "invalid WebAssembly module", 126);
}

#[test]
fn runaway_guest_is_stopped_by_the_timeout() {
    let tmp = tempfile::tempdir().unwrap();
    let p = write_wat(
        tmp.path(),
        "loop.wasm",
        r#"(module (func (export "_start") (loop $l (br $l))))"#,
    );
    let r = run_file(&p, 8);
    assert_eq!(r.code, boot::run::EXIT_TIMEOUT);
}

#[test]
fn webassembly_that_cannot_be_preempted_is_trapped_when_it_runs_away() {
    // Processes are preempted by the timer, but a start section (run while the process is
    // created) and a signal handler (run between slices) are not: the kernel plants a
    // trap in them after ~2 s instead.
    let tmp = tempfile::tempdir().unwrap();
    let p = write_wat(
        tmp.path(),
        "startloop.wasm",
        r#"(module (func $s (loop $l (br $l))) (start $s) (func (export "_start")))"#,
    );
    expect_failure(&p, "cannot instantiate", 126);
    // The same with the time spent in the kernel's memset, outside the interpreter.
    let p = write_wat(
        tmp.path(),
        "startfill.wasm",
        r#"(module (memory 256)
             (func $s (loop $l
               (memory.fill (i32.const 0) (i32.const 7) (i32.const 16777216)) (br $l)))
             (start $s) (func (export "_start")))"#,
    );
    expect_failure(&p, "cannot instantiate", 126);

    let p = write_wat(
        tmp.path(),
        "handlerloop.wasm",
        r#"(module
             (import "wasix_32v1" "callback_signal" (func $cb (param i32 i32)))
             (import "wasi_snapshot_preview1" "proc_raise" (func $raise (param i32) (result i32)))
             (memory (export "memory") 1)
             (data (i32.const 16) "on_sig")
             (func (export "on_sig") (param i32) (loop $l (br $l)))
             (func (export "_start")
               (call $cb (i32.const 16) (i32.const 6))
               (drop (call $raise (i32.const 10)))))"#,
    );
    expect_failure(&p, "signal handler for 10 failed", 134);

    // Spawned by a running process (inside its host call): the spawn fails, the shell
    // goes on.
    let mut opts = RunOptions::new(wasm("sh"), &["-c", "/data/startloop.wasm; exit $?"]);
    opts.dirs.push((tmp.path().to_path_buf(), "/data".into()));
    opts.timeout = Duration::from_secs(60);
    let r = boot::run::run(&kernel(), &opts).expect("run");
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("startloop.wasm: cannot execute"), "{err}");
    assert_eq!(r.code, 126, "{err}");
}

#[test]
fn preempt_off_keeps_fuel_slices() {
    // `preempt=off` schedules by fuel on one stack: a computation longer than the runaway
    // bound (~2 s) must still run to its end.
    let mut opts = RunOptions::new(wasm("bench-cpu"), &["--reps", "1", "coremark"]);
    opts.env = vec!["BENCH_ITERS=300".into()];
    opts.kernel_args = "preempt=off log=info".into();
    opts.timeout = Duration::from_secs(120);
    let r = boot::run::run(&kernel(), &opts).expect("run");
    let out = String::from_utf8_lossy(&r.stdout);
    assert!(
        out.contains("coremark.valid 1"),
        "{out}{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert_eq!(r.code, 0);
    assert!(r.log.contains("fuel-metered slices"), "{}", r.log);
}

#[test]
fn runs_under_uefi_too() {
    let mut opts = RunOptions::new(wasm("hello"), &[]);
    opts.firmware = boot::image::Firmware::Uefi;
    opts.timeout = Duration::from_secs(120);
    let r = boot::run::run(&kernel(), &opts).expect("run");
    assert_eq!(String::from_utf8_lossy(&r.stdout), "Hello, world!\n");
    assert_eq!(r.code, 0);
}

#[test]
fn runs_with_direct_boot_too() {
    // The initrd carries the --dir tree uncompressed (no inflate step): stdin first, then
    // two files from it, one in a subdirectory.
    let host = fixture();
    let mut opts = RunOptions::new(
        wasm("cat"),
        &["-", "/data/hello.txt", "/data/sub/inner.txt"],
    );
    opts.firmware = boot::image::Firmware::Direct;
    opts.dirs.push((host.path().to_path_buf(), "/data".into()));
    opts.verbose = true;
    opts.stdin = boot::run::Stdin::Bytes(b"typed in\n".to_vec());
    opts.timeout = Duration::from_secs(60);
    let r = boot::run::run(&kernel(), &opts).expect("run");
    assert_eq!(
        String::from_utf8_lossy(&r.stdout),
        "typed in\nhello from the host\ninner\n",
        "{}",
        r.log
    );
    assert_eq!(r.code, 0);
    assert!(r.log.contains("(loaded by pvh)"), "{}", r.log);
    assert!(!r.log.contains("inflated"), "{}", r.log);
}

#[test]
fn kernel_panic_exits_70_with_the_message() {
    let mut opts = RunOptions::new(wasm("hello"), &[]);
    opts.kernel_args = "test=panic".into();
    opts.timeout = Duration::from_secs(60);
    let r = boot::run::run(&kernel(), &opts).expect("run");
    assert_eq!(r.code, boot::run::EXIT_KERNEL_FAILURE);
    assert!(r.log.contains("KERNEL PANIC: panicked at"), "{}", r.log);
    assert!(r.log.contains("deliberate panic"), "{}", r.log);
    assert!(r.stdout.is_empty());
}
