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

#[test]
fn no_arguments_boots_the_main_image() {
    let out = boot(&[], b"");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("wasmkernel 0.1.0 booting"), "{stdout}");
    assert!(stdout.contains("boot phase ready"), "{stdout}");
    assert!(stdout.contains("Hello, world!"), "{stdout}");
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
