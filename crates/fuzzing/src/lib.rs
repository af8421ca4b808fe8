//! Fuzz targets for everything a guest (or a ramdisk) controls. Each target takes arbitrary
//! bytes and panics only when an invariant is broken — a real bug:
//!
//! - [`vfs_ops`]: a decoded sequence of filesystem operations on a [`vfs::Fs`] from several
//!   preopen-like directories; the filesystem stays consistent after every operation and no
//!   path ever resolves outside its start directory's subtree.
//! - [`rootfs`]: arbitrary bytes, or bytes spliced into a valid ustar archive, through the
//!   ramdisk unpacker ([`rootfs::unpack`]); the filesystem stays consistent.
//! - [`module_load`]: arbitrary bytes, a mutated valid module, or a generated valid module
//!   through the runtime's compile, spawn and a bounded run.
//! - [`wasi_call`]: a generated module calling one to four WASI preview1 / WASIX host calls
//!   with edge-biased arguments over fuzz-filled memory, run as process 1; the kernel never
//!   panics, the process ends cleanly, nothing leaks.
//! - [`lower`]: arbitrary bytes, a generated threads-proposal module, or a mutated one
//!   through `wasmlower` in both modes; valid inputs give outputs valid without threads.
//! - [`spawn_args`] and [`fd_actions`]: `proc_spawn*`/`proc_exec*` argument lists, names
//!   and `proc_spawn2` file actions decoded from arbitrary guest memory; every outcome
//!   matches a model of the rules and what is copied is bounded (`ARG_MAX`, `PATH_MAX`,
//!   exact allocations).
//!
//! `fuzz/` (cargo-fuzz) drives these functions with libFuzzer; the unit tests replay
//! `regressions/<target>/` and a few thousand seeded pseudo-random inputs, so plain
//! `cargo test` keeps every crash ever found fixed. [`Input`] decodes the fuzz bytes;
//! `harness` runs a module on the runtime's fake platform.
#![forbid(unsafe_code)]

mod archive;
mod calls;
mod fsops;
mod harness;
mod lower;
mod module;
mod spawnargs;
#[cfg(test)]
mod tests;
mod wasi;

pub use archive::rootfs;
pub use fsops::vfs_ops;
pub use lower::lower;
pub use module::module_load;
pub use spawnargs::{fd_actions, spawn_args};
pub use wasi::wasi_call;

/// The names of the targets, as used for `fuzz/fuzz_targets/*.rs` and `regressions/*`.
pub const TARGETS: [&str; 7] = [
    "vfs_ops",
    "rootfs",
    "module_load",
    "wasi_call",
    "lower",
    "spawn_args",
    "fd_actions",
];

/// Runs target `name` on `data`; `false` for an unknown name.
pub fn run_target(name: &str, data: &[u8]) -> bool {
    match name {
        "vfs_ops" => vfs_ops(data),
        "rootfs" => rootfs(data),
        "module_load" => module_load(data),
        "wasi_call" => wasi_call(data),
        "lower" => lower(data),
        "spawn_args" => spawn_args(data),
        "fd_actions" => fd_actions(data),
        _ => return false,
    }
    true
}

/// A cursor over fuzz bytes: every read succeeds, yielding zeros once the bytes run out,
/// so any input decodes to something.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Input<'a> {
    /// A cursor at the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    /// True once every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// The next byte (0 past the end).
    pub fn byte(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos = self.pos.saturating_add(1);
        b
    }

    /// The next byte reduced modulo `n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        usize::from(self.byte()) % n.max(1)
    }

    /// True with probability `1/n`.
    pub fn one_in(&mut self, n: u8) -> bool {
        self.byte().is_multiple_of(n.max(1))
    }

    /// Little-endian u16.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    /// Little-endian u32.
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }

    /// Little-endian u64.
    pub fn u64(&mut self) -> u64 {
        u64::from(self.u32()) | (u64::from(self.u32()) << 32)
    }

    /// Up to `n` of the next bytes (fewer at the end).
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let start = self.pos.min(self.data.len());
        let end = start.saturating_add(n).min(self.data.len());
        self.pos = self.pos.saturating_add(n);
        self.data.get(start..end).unwrap_or(&[])
    }

    /// Every byte not read yet.
    pub fn rest(&mut self) -> &'a [u8] {
        self.bytes(self.data.len())
    }

    /// An offset or size biased toward edges: 0, page and block boundaries ± 1, the
    /// limits of the integer types, or raw bytes.
    pub fn edgy_u64(&mut self, scale: u64) -> u64 {
        let small = u64::from(self.byte() % 8);
        match self.byte() % 12 {
            0 => 0,
            1 => small,
            2 => 4096u64.wrapping_add(small).wrapping_sub(4),
            3 => scale.wrapping_add(small).wrapping_sub(4),
            4 => u64::MAX - small,
            5 => i64::MAX as u64 - small,
            6 => u64::from(u32::MAX) - small,
            7 => 1u64 << (self.byte() % 64),
            8 => u64::from(self.u16()),
            9 => (1 << 30) + small - 4,
            _ => self.u64() % scale.max(1).saturating_mul(4),
        }
    }
}
