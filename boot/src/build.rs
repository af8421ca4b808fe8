//! Builds the kernel with a nested `cargo build`, in a target directory of its own (so it
//! never waits on the outer cargo's lock), stripped of symbols, and checks that it was linked
//! for timer preemption (`elf::check_preemption_ranges`).
//!
//! The target is `kernel/x86_64-wasmkernel.json`: Rust's `x86_64-unknown-none` with SSE2
//! instead of soft floating point (the kernel enables SSE at entry), built with
//! `-Zbuild-std`. Under emulation it runs CoreMark in wasmi ~1.6x and floating-point code
//! ~6x faster than the soft-float target.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use anyhow::{Context, Result, bail};

use crate::{work_dir, workspace_root};

/// The kernel's target: a JSON spec in `kernel/`, named after its file.
pub const KERNEL_TARGET: &str = "x86_64-wasmkernel";

/// `program` with the settings of an outer cargo (e.g. `cargo test`'s) removed, so they
/// do not leak into the nested kernel and userland builds.
pub fn clean_command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(workspace_root());
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

pub fn cargo() -> Command {
    clean_command(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Runs `build` at most once per process (tests call the builders from many threads).
fn once(
    cell: &'static OnceLock<Result<PathBuf, String>>,
    build: fn() -> Result<PathBuf>,
) -> Result<PathBuf> {
    cell.get_or_init(|| build().map_err(|e| format!("{e:#}")))
        .clone()
        .map_err(anyhow::Error::msg)
}

/// Runs a build step. On a terminal its progress shows; otherwise (tests, `run` with
/// redirected output) its output is kept back and shown only if it fails, so the guest's
/// stderr is not mixed with build chatter.
pub fn run_quietly(cmd: &mut Command, what: &str) -> Result<()> {
    use std::io::IsTerminal;
    if std::io::stderr().is_terminal() {
        let status = cmd
            .status()
            .with_context(|| format!("starting the {what}"))?;
        if !status.success() {
            bail!("{what} failed ({status})");
        }
        return Ok(());
    }
    let output = cmd
        .output()
        .with_context(|| format!("starting the {what}"))?;
    if !output.status.success() {
        bail!(
            "{what} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

/// Builds the release kernel and returns the path of its ELF file.
pub fn kernel() -> Result<PathBuf> {
    let target_dir = work_dir().join("kernel-target");
    let mut cmd = cargo();
    cmd.args(["build", "--release", "-p", "kernel", "--target"])
        .arg(
            workspace_root()
                .join("kernel")
                .join(format!("{KERNEL_TARGET}.json")),
        )
        .args([
            "-Zjson-target-spec",
            "-Zbuild-std=core,alloc,compiler_builtins",
            "-Zbuild-std-features=compiler-builtins-mem",
        ])
        .arg("--target-dir")
        .arg(&target_dir)
        // No symbols (3.0 MB → 1.9 MB): OVMF's loader reads the whole file (our BIOS
        // loader reads only the loadable segments). Fat LTO with one codegen unit would save another
        // 0.1 MB but runs the interpreter ~7 % slower under TCG (interleaved CoreMark runs,
        // docs/PERFORMANCE.md), so the release profile's code generation stays as it is.
        .env("CARGO_PROFILE_RELEASE_STRIP", "symbols");
    run_quietly(&mut cmd, "kernel build")?;
    let elf = target_dir
        .join(KERNEL_TARGET)
        .join("release")
        .join("kernel");
    if !elf.is_file() {
        bail!("kernel build produced no {}", elf.display());
    }
    let bytes = std::fs::read(&elf).with_context(|| format!("reading {}", elf.display()))?;
    crate::elf::check_preemption_ranges(&bytes)
        .with_context(|| format!("{} is not linked for timer preemption", elf.display()))?;
    Ok(elf)
}

/// [`kernel`], built at most once per process (tests call this from many threads).
pub fn kernel_once() -> Result<PathBuf> {
    static KERNEL: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    once(&KERNEL, kernel)
}

/// Builds the guest programs (`userland/build.sh`) and returns the directory holding the
/// `.wasm` files.
pub fn userland() -> Result<PathBuf> {
    let out = work_dir().join("userland");
    std::fs::create_dir_all(&out)?;
    let mut cmd = clean_command("bash");
    cmd.arg(workspace_root().join("userland").join("build.sh"))
        .arg(&out);
    run_quietly(&mut cmd, "userland build")?;
    Ok(out)
}

/// [`userland`], built at most once per process.
pub fn userland_once() -> Result<PathBuf> {
    static USERLAND: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    once(&USERLAND, userland)
}
