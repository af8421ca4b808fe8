//! The host side of the project: everything between `cargo run` / `cargo test` and a booted
//! VM. [`build`] compiles the kernel (and userland) with nested cargo invocations,
//! [`image`] packs the ramdisk archive (kernel command line + root filesystem) and makes
//! BIOS disk images with our own loader ([`bios`]) or UEFI ones with the `bootloader` crate, and [`qemu`] runs an image under
//! QEMU with the exit device, a timeout and the serial streams captured or passed through;
//! [`writeback`] brings `run --dir` directories back.
//! The `boot` binary is the command-line front end; the `tests` crate drives the same API.

pub mod bios;
pub mod build;
pub mod elf;
pub mod image;
pub mod qemu;
pub mod run;
pub mod writeback;

use std::path::PathBuf;

/// The repository root (this crate's parent directory).
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// Where the tool keeps its build products (kernel target dir, images).
pub fn work_dir() -> PathBuf {
    workspace_root().join("target").join("boot")
}
