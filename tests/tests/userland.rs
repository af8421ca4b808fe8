//! The guest workspace's own unit tests (`userland/` is a cargo workspace of its own, so the
//! root `cargo test` does not see them): the shell's lexer, parser and expansion, built for
//! the host and run by a nested `cargo test`. Every `#[test]` under `userland/src` must be
//! among those that ran, so a test added to a program this command does not build fails
//! here instead of never running.

use std::path::Path;
use std::process::Command;

/// The host's target triple, from `rustc -vV` (userland's `.cargo/config.toml` makes
/// wasm32-wasip1 the default, so the host must be named).
fn host_triple() -> String {
    let out = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .arg("-vV")
        .output()
        .expect("rustc runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("host line")
        .to_string()
}

/// `#[test]` attributes in the `.rs` files under `dir`.
fn count_tests(dir: &Path) -> usize {
    let mut n = 0;
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            n += count_tests(&path);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("read source");
            n += text.lines().filter(|l| l.trim() == "#[test]").count();
        }
    }
    n
}

#[test]
fn userland_unit_tests_pass_on_the_host() {
    let userland = boot::workspace_root().join("userland");
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(&userland);
    // The outer `cargo test`'s settings must not leak into the nested build.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
    ] {
        cmd.env_remove(var);
    }
    // The library and the one program whose modules are plain Rust; the others call
    // WASIX imports and build only for wasm32.
    cmd.args(["test", "--target", &host_triple(), "--lib", "--bin", "sh"]);
    let out = cmd.output().expect("cargo runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}\n{stderr}");
    assert!(
        out.status.success(),
        "userland tests failed:\n{stdout}\n{stderr}"
    );
    let passed: usize = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("test result: ok. "))
        .map(|rest| {
            rest.split_whitespace()
                .next()
                .and_then(|n| n.parse::<usize>().ok())
                .expect("passed count")
        })
        .sum();
    let written = count_tests(&userland.join("src"));
    assert!(written > 0, "no #[test] found under userland/src");
    assert_eq!(
        passed, written,
        "{written} #[test]s under userland/src but {passed} ran: a test outside the \
         library and sh is never run"
    );
}
