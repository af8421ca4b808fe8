//! The `boot` command line as a user runs it: `cargo run` (no arguments) boots the main
//! image, and `run` passes stdin in, keeps stdout and stderr apart and exits with the
//! guest's code.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn boot(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_boot"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("boot starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("write stdin");
    child.wait_with_output().expect("boot finishes")
}

fn wasm(name: &str) -> String {
    let dir = boot::build::userland_once().expect("userland builds");
    dir.join(format!("{name}.wasm")).display().to_string()
}

/// Starts `cmd` with piped stdio, types `keys` once the greeting (`/etc/motd`) is on its
/// stdout, and returns its exit status and everything it printed.
fn type_after_greeting(mut cmd: Command, keys: &[u8]) -> (Option<i32>, String) {
    use std::io::Read;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = child.stdout.take().expect("stdout");
    let (mut seen, mut typed, mut buf) = (Vec::new(), false, [0u8; 4096]);
    loop {
        let n = stdout.read(&mut buf).unwrap_or(0);
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&buf[..n]);
        if !typed && String::from_utf8_lossy(&seen).contains(boot::image::MOTD.trim_end()) {
            stdin.write_all(keys).expect("type");
            typed = true;
        }
    }
    drop(stdin);
    (
        child.wait().expect("finishes").code(),
        String::from_utf8_lossy(&seen).into_owned(),
    )
}

/// Starts `boot` with no arguments (what `cargo run` does) and types `input` at the shell.
fn boot_interactive(input: &[u8]) -> (Option<i32>, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_boot"));
    cmd.stderr(Stdio::inherit());
    type_after_greeting(cmd, input)
}

#[test]
fn no_arguments_boots_to_a_shell_whose_status_is_ours() {
    let (code, out) = boot_interactive(b"echo hello from the shell\nexit 3\n");
    assert!(out.contains("wasmkernel 0.1.0 booting"), "{out}");
    assert!(out.contains("boot phase ready"), "{out}");
    assert!(out.contains("hello from the shell"), "{out}");
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
        .args(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"])
        .stderr(Stdio::null());
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
    let (code, console) = plain_qemu(&raw, "raw", b"echo plain qemu\nexit 5\n");
    assert_eq!(code, Some(33), "{console}");
    assert!(
        console.contains("plain qemu") && console.contains("exit-status 5"),
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
        console.contains("started by init") && console.contains("exit-status 0"),
        "{console}"
    );
}
