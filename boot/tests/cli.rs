//! The `boot` command line as a user runs it: `cargo run` (no arguments) boots the main
//! image, and `run` passes stdin in, keeps stdout and stderr apart and exits with the
//! guest's code.

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long any one command here may take before the test fails: a boot with a fresh
/// kernel build is well under a minute; a hang must fail, not wait forever.
const DEADLINE: Duration = Duration::from_secs(300);

/// Starts `cmd` with piped stdio in a process group of its own, so that a timeout can stop
/// it together with the QEMU it started.
fn start(cmd: &mut Command) -> Child {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("starts")
}

/// Kills `child`'s whole process group (see [`start`]).
fn kill_group(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .status();
    let _ = child.kill();
    let _ = child.wait();
}

/// Reads `from` to its end on a thread, sending each chunk.
fn pump(mut from: impl Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = from.read(&mut buf) {
            if tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    rx
}

/// Runs `cmd` with `typed` fed once `after` shows on its stdout (at once if `after` is
/// empty), then its stdin closed; returns its status and output. Fails the test if it has
/// not finished within [`DEADLINE`].
fn drive(mut cmd: Command, after: &str, typed: &[u8]) -> Output {
    let mut child = start(&mut cmd);
    let mut stdin = Some(child.stdin.take().expect("stdin"));
    let out_rx = pump(child.stdout.take().expect("stdout"));
    let err_rx = pump(child.stderr.take().expect("stderr"));
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let start = Instant::now();
    let type_keys = |stdin: &mut Option<std::process::ChildStdin>| {
        if let Some(mut s) = stdin.take() {
            s.write_all(typed).expect("type");
        }
    };
    if after.is_empty() {
        type_keys(&mut stdin);
    }
    loop {
        match out_rx.recv_timeout(Duration::from_millis(100)) {
            Ok(chunk) => {
                stdout.extend_from_slice(&chunk);
                if stdin.is_some() && String::from_utf8_lossy(&stdout).contains(after) {
                    type_keys(&mut stdin);
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        stderr.extend(err_rx.try_iter().flatten());
        if start.elapsed() > DEADLINE {
            kill_group(&mut child);
            panic!(
                "{cmd:?} still running after {DEADLINE:?}\n--- stdout\n{}\n--- stderr\n{}",
                String::from_utf8_lossy(&stdout),
                String::from_utf8_lossy(&stderr)
            );
        }
    }
    drop(stdin);
    let status = child.wait().expect("finishes");
    // The process has ended: its stderr is at its end too.
    stderr.extend(err_rx.iter().flatten());
    Output {
        status,
        stdout,
        stderr,
    }
}

/// Runs the `boot` tool with `args`, feeding it `stdin`.
fn boot(args: &[&str], stdin: &[u8]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_boot"));
    cmd.args(args);
    drive(cmd, "", stdin)
}

fn wasm(name: &str) -> String {
    let dir = boot::build::userland_once().expect("userland builds");
    dir.join(format!("{name}.wasm")).display().to_string()
}

/// Starts `cmd`, types `keys` once the greeting (`/etc/motd`) is on its stdout, and
/// returns its exit status and everything it printed.
fn type_after_greeting(cmd: Command, keys: &[u8]) -> (Option<i32>, String) {
    let out = drive(cmd, boot::image::MOTD.trim_end(), keys);
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Starts `boot` with no arguments (what `cargo run` does) and types `input` at the shell.
fn boot_interactive(input: &[u8]) -> (Option<i32>, String) {
    type_after_greeting(Command::new(env!("CARGO_BIN_EXE_boot")), input)
}

#[test]
fn no_arguments_boots_to_a_shell_whose_status_is_ours() {
    // The quotes keep the console's echo of the typed line from matching the output.
    let (code, out) = boot_interactive(b"echo hello from the 'shell'\nexit 3\n");
    assert!(out.contains("wasmkernel 0.1.0 booting"), "{out}");
    assert!(out.contains("boot phase ready"), "{out}");
    assert!(out.contains("hello from the shell\r\n"), "{out}");
    assert_eq!(code, Some(3), "{out}");
}

#[test]
fn run_passes_stdin_and_exit_code_and_separates_streams() {
    let out = boot(&["run", &wasm("cat")], b"line one\nline two\n");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout, b"line one\nline two\n");
    assert_eq!(out.stderr, b"");

    let out = boot(&["run", &wasm("cat"), "/nope"], b"");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(out.stdout, b"");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cat: /nope"),
        "{:?}",
        out.stderr
    );

    let out = boot(&["run", &wasm("wasi-test"), "exit", "42"], b"");
    assert_eq!(out.status.code(), Some(42));
}

#[test]
fn run_copies_and_preopens_dirs_with_env() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("note.txt"), "from the host\n").unwrap();
    let spec = format!("{}::/mnt", tmp.path().display());
    let out = boot(&["run", "--dir", &spec, &wasm("cat"), "/mnt/note.txt"], b"");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "from the host\n");
    let out = boot(
        &[
            "run",
            "--env",
            "X=1",
            "--env",
            "Y=two",
            &wasm("wasi-test"),
            "env",
        ],
        b"",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("X=1") && stdout.contains("Y=two"),
        "{stdout}"
    );
    assert_eq!(out.status.code(), Some(0));
}

/// Boots `image` with plain `qemu-system-x86_64` (no project tool in between), types
/// `keys` once the greeting shows, and returns QEMU's status and the console output.
fn plain_qemu(image: &std::path::Path, format: &str, keys: &[u8]) -> (Option<i32>, String) {
    let mut cmd = Command::new("qemu-system-x86_64");
    cmd.arg("-drive")
        .arg(format!("format={format},file={}", image.display()))
        .args([
            "-serial",
            "stdio",
            "-display",
            "none",
            "-no-reboot",
            "-nic",
            "none",
            "-m",
            "256M",
        ])
        .args(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]);
    type_after_greeting(cmd, keys)
}

#[test]
fn image_boots_in_plain_qemu_raw_and_qcow2() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("wasmkernel.img");
    let out = boot(&["image", "--out", raw.to_str().unwrap()], b"");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The quotes keep the console's echo of the typed line from matching the output.
    let (code, console) = plain_qemu(&raw, "raw", b"echo plain' qemu'\nexit 5\n");
    assert_eq!(code, Some(33), "{console}");
    assert!(
        console.contains("plain qemu\r\n") && console.contains("exit-status 5"),
        "{console}"
    );

    let qcow = tmp.path().join("wasmkernel.qcow2");
    let out = boot(
        &[
            "image",
            "--format",
            "qcow2",
            "--init",
            "echo started by init",
            "--out",
            qcow.to_str().unwrap(),
        ],
        b"",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, console) = plain_qemu(&qcow, "qcow2", b"");
    assert_eq!(code, Some(33), "{console}");
    assert!(
        console.contains("started by init\r\n") && console.contains("exit-status 0"),
        "{console}"
    );
}

/// A script piped into `cargo run` is typed at the console and its end is final: the
/// shell stops there with its own status, and nothing of a long input is lost.
#[test]
fn piped_stdin_runs_as_a_script_and_ends_at_eof() {
    // No newline at the end: the end of input still ends the last line, then the shell.
    let out = boot(&["boot", "--direct"], b"echo piped' in'\nexit 4");
    let console = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(4), "{console}");
    // `poweroff` ends the VM at once with status 0: the rest of the script never runs.
    let out = boot(
        &["boot", "--direct"],
        b"echo first' line'\npoweroff\necho never' run'\nexit 3\n",
    );
    let console = String::from_utf8_lossy(&out.stdout);
    assert!(console.contains("first line\r\n"), "{console}");
    assert!(!console.contains("never run"), "{console}");
    assert_eq!(out.status.code(), Some(0), "{console}");
    let out = boot(&["boot", "--direct"], b"echo piped' in'\n");
    let console = String::from_utf8_lossy(&out.stdout);
    assert!(console.contains("piped in\r\n"), "{console}");
    assert!(
        !console.contains("echo piped"),
        "no echo of a script: {console}"
    );
    assert_eq!(out.status.code(), Some(0), "{console}");

    // 200 000 bytes: more than the console's queues hold, so only backpressure keeps them.
    let mut input = b"wc -c\n".to_vec();
    for _ in 0..2000 {
        input.extend_from_slice(&[b'x'; 99]);
        input.push(b'\n');
    }
    let out = boot(&["boot", "--direct"], &input);
    let console = String::from_utf8_lossy(&out.stdout);
    assert!(console.contains("$ 200000\r\n"), "{console}");
    assert_eq!(out.status.code(), Some(0));
}

/// Runs `boot ARGS` on a pseudo-terminal of its own (boot/tests/pty_session.py), driven by
/// `steps`; returns its exit status and what it printed.
fn on_a_terminal(args: &[&str], steps: &str) -> (Option<i32>, String) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pty_session.py");
    let mut cmd = Command::new("python3");
    cmd.arg(script)
        .arg(steps)
        .arg(DEADLINE.as_secs().to_string())
        .arg(env!("CARGO_BIN_EXE_boot"))
        .args(args);
    let out = drive(cmd, "", b"");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn ctrl_c_in_a_real_terminal_stops_the_foreground_job_not_the_vm() {
    // ^C while `sleep 100` runs: the job ends, the shell and the VM go on; `reboot`
    // restarts the VM (a second welcome, a fresh shell); then `exit 7`.
    let steps = r#"[["wait", "(powers off)."], ["send", "sleep 100\r"], ["sleep", "2"],
        ["send", "\u0003"], ["wait", "$ "], ["send", "echo still' here'\r"],
        ["wait", "still here\r"], ["send", "reboot\r"], ["wait", "(powers off)."],
        ["wait", "$ "], ["send", "exit 7\r"]]"#;
    let (code, out) = on_a_terminal(&["boot", "--direct"], steps);
    assert!(out.contains("^C"), "{out}");
    // A terminal adds its own \r before each \n (QEMU leaves output processing on).
    assert!(out.contains("still here\r"), "{out}");
    assert_eq!(
        out.matches("Try: ls /bin").count(),
        2,
        "rebooted once: {out}"
    );
    assert_eq!(code, Some(7), "{out}");

    // Ctrl-A x is the way out of a VM that will not exit.
    let steps = r#"[["wait", "(powers off)."], ["send", "\u0001x"]]"#;
    let (code, out) = on_a_terminal(&["boot", "--direct"], steps);
    assert_eq!(code, Some(130), "{out}");
    assert!(out.contains("quit with Ctrl-A x"), "{out}");
}

/// `run` in a terminal behaves as `wasmtime run` there: the terminal's own line editing
/// and echo, a program reading its stdin gets each line as it is entered (the Enter key
/// is a newline to it, not a carriage return) and end-of-file at ^D; ^C ends the program
/// (130), not QEMU. Until the boot tool typed lines in, the console was raw: Enter sent
/// `\r` and ^D a byte, so `cat` never saw a line end or its input's end.
#[test]
fn run_in_a_terminal_reads_lines_to_eof_and_ctrl_c_ends_the_program() {
    let cat = wasm("cat");
    // Typed at once: the terminal holds the line and the ^D in order until they are read.
    let steps = r#"[["send", "hello there\r"], ["send", "\u0004"]]"#;
    let (code, out) = on_a_terminal(&["run", "--direct", &cat], steps);
    assert_eq!(code, Some(0), "{out}");
    // The terminal's echo, then cat's copy.
    assert_eq!(out.matches("hello there\r\n").count(), 2, "{out}");

    let sleep = wasm("sleep");
    let steps = r#"[["sleep", "3"], ["send", "\u0003"]]"#;
    let (code, out) = on_a_terminal(&["run", "--direct", &sleep, "100"], steps);
    assert_eq!(code, Some(130), "{out}");
    assert!(!out.contains("QEMU"), "{out}");
}

#[test]
fn run_dir_writes_back_and_ro_stays_read_only() {
    let tmp = tempfile::tempdir().unwrap();
    let host = tmp.path();
    std::fs::write(host.join("keep.txt"), "kept\n").unwrap();
    std::fs::write(host.join("gone.txt"), "bye\n").unwrap();
    let spec = format!("{}::/data", host.display());
    let out = boot(
        &[
            "run",
            "--direct",
            "--dir",
            &spec,
            &wasm("cp"),
            "/data/keep.txt",
            "/data/copy.txt",
        ],
        b"",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(host.join("copy.txt")).unwrap(),
        "kept\n"
    );
    let out = boot(
        &[
            "run",
            "--direct",
            "--dir",
            &spec,
            &wasm("rm"),
            "/data/gone.txt",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(
        !host.join("gone.txt").exists(),
        "removed in the VM, so on the host"
    );
    let out = boot(
        &[
            "run",
            "--direct",
            "--dir",
            &spec,
            &wasm("mkdir"),
            "/data/made",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(host.join("made").is_dir());

    let ro = format!("{}::/data:ro", host.display());
    let out = boot(
        &[
            "run",
            "--direct",
            "--dir",
            &ro,
            &wasm("rm"),
            "/data/keep.txt",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Read-only file system"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(host.join("keep.txt").exists());

    // A program that cannot start (here: not WebAssembly) changed nothing: its load error
    // is all `run` says (it used to add that the directories were not written back).
    let bogus = host.join("bogus.wasm");
    std::fs::write(&bogus, "not wasm").unwrap();
    let out = boot(
        &["run", "--direct", "--dir", &spec, bogus.to_str().unwrap()],
        b"",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(126), "{err}");
    assert!(err.contains("bogus.wasm"), "{err}");
    assert!(!err.contains("written back"), "{err}");
    assert!(host.join("keep.txt").exists());
}

/// Boots `image` with plain QEMU — no isa-debug-exit, so only ACPI can switch it off — on
/// `machine`, with OVMF when `uefi`; returns QEMU's status and the console.
fn plain_qemu_acpi(image: &std::path::Path, machine: &str, uefi: bool) -> (Option<i32>, String) {
    let mut cmd = Command::new("qemu-system-x86_64");
    cmd.args(["-machine", machine, "-accel", "tcg"])
        .arg("-drive")
        .arg(format!("format=raw,file={}", image.display()))
        .args([
            "-serial", "stdio", "-display", "none", "-nic", "none", "-m", "256M",
        ]);
    if uefi {
        cmd.args([
            "-drive",
            "if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd",
        ]);
    }
    let out = drive(cmd, "", b"");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn an_image_of_a_users_program_powers_off_by_itself_on_plain_qemu() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("note.txt"), "baked in\n").unwrap();
    for (uefi, machines) in [(false, ["pc", "q35"]), (true, ["pc", "q35"])] {
        let img = tmp.path().join(format!("app-{uefi}.img"));
        let mut args = vec!["image", "--out", img.to_str().unwrap()];
        if uefi {
            args.push("--uefi");
        }
        let hello = wasm("hello");
        let add = format!("{hello}::/app/hello.wasm");
        let dir = format!("{}::/data", data.display());
        // BIOS: the added program as init; UEFI: a file of the added directory.
        let init = if uefi {
            "/bin/cat /data/note.txt"
        } else {
            "/app/hello.wasm"
        };
        args.extend(["--add", &add, "--dir", &dir, "--init", init]);
        let out = boot(&args, b"");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for machine in machines {
            // No exit device: QEMU ends only because the kernel switched the VM off (0).
            let (code, console) = plain_qemu_acpi(&img, machine, uefi);
            assert!(
                console.contains(if uefi {
                    "baked in\r\n"
                } else {
                    "Hello, world!\r\n"
                }),
                "{machine} uefi={uefi}: {console}"
            );
            assert!(console.contains("acpi: PM1a control"), "{console}");
            assert_eq!(code, Some(0), "{machine} uefi={uefi}: {console}");
        }
    }
}

/// `image --memory MIB`: the image's kernel uses at most that much RAM for its heap on any
/// VM (here a 256 MiB one), so its programs meet the same limits wherever it boots; asking
/// for more than the VM has boots anyway, with a warning.
#[test]
fn image_memory_caps_the_kernels_heap_on_any_vm() {
    let tmp = tempfile::tempdir().unwrap();
    for (mib, warned) in [(64u64, false), (512, true)] {
        let img = tmp.path().join(format!("mem-{mib}.img"));
        let mem = mib.to_string();
        let out = boot(
            &[
                "image",
                "--out",
                img.to_str().unwrap(),
                "--memory",
                &mem,
                "--init",
                "/bin/head -1 /proc/meminfo",
            ],
            b"",
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (code, console) = plain_qemu_acpi(&img, "pc", false);
        assert_eq!(code, Some(0), "{console}");
        let total_kib: u64 = console
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or_else(|| panic!("no MemTotal in {console}"));
        if warned {
            assert!(
                console.contains("this image asks for 512 MiB (mem=), the VM gives"),
                "{console}"
            );
            assert!(total_kib < 256 << 10, "{console}");
        } else {
            assert!(!console.contains("this image asks"), "{console}");
            assert!(
                total_kib <= mib << 10 && total_kib > (mib - 8) << 10,
                "{total_kib} KiB with --memory {mib}: {console}"
            );
        }
    }
}
