//! The boot ramdisk: a ustar archive that the boot tool builds and the bootloader loads.
//! Entries under `.kernel/` are for the kernel itself (command line, first program, its
//! arguments); everything else is the root filesystem. [`Archive`] validates the bytes
//! (through the `tar-no-std` crate, which never allocates), finds kernel-private files with
//! [`Archive::kernel_file`] — usable before the heap exists — and copies the root
//! filesystem into a [`vfs::Fs`] with [`Archive::unpack`] (or [`unpack`] straight from
//! bytes). The archive is untrusted input as far as the filesystem is concerned: entries
//! that cannot be created are counted as skipped and logged, nothing panics, and the
//! filesystem stays consistent whatever the bytes. The kernel's `bootargs` and `init`
//! modules are the callers; the `fuzzing` crate feeds it arbitrary bytes. [`export`] is
//! the way back out: the stream in which `run --dir` directories return to the host.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod export;
#[cfg(test)]
mod tests;

use alloc::string::String;
use core::fmt;

use tar_no_std::{PosixHeader, TarArchiveRef, TypeFlag};
use vfs::Fs;

/// Archive prefix of kernel-private entries.
pub const KERNEL_PREFIX: &str = ".kernel/";

/// Why bytes are not a usable archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error(tar_no_std::CorruptDataError);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "corrupt ramdisk archive: {}", self.0)
    }
}

impl core::error::Error for Error {}

/// What [`Archive::unpack`] created.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Unpacked {
    /// Regular files written.
    pub files: usize,
    /// Directory entries created (or found existing).
    pub dirs: usize,
    /// Symlinks created.
    pub symlinks: usize,
    /// Bytes of regular-file data written.
    pub bytes: u64,
    /// Entries that could not be created (each logged as a warning).
    pub skipped: usize,
}

/// A validated ramdisk archive.
#[derive(Debug, Clone)]
pub struct Archive<'a> {
    tar: TarArchiveRef<'a>,
}

impl<'a> Archive<'a> {
    /// Validates `bytes` as a ustar archive (block layout, checksums, type flags, payload
    /// sizes, terminator).
    pub fn new(bytes: &'a [u8]) -> Result<Self, Error> {
        TarArchiveRef::new(bytes)
            .map(|tar| Self { tar })
            .map_err(Error)
    }

    /// The kernel-private file `.kernel/NAME`. Allocates nothing: it runs before the heap.
    pub fn kernel_file(&self, name: &str) -> Option<&'a [u8]> {
        self.tar
            .entries()
            .find(|e| {
                e.filename().as_str().is_ok_and(|n| {
                    n.trim_start_matches("./").strip_prefix(KERNEL_PREFIX) == Some(name)
                })
            })
            .map(|e| e.data())
    }

    /// Copies the root-filesystem entries (everything outside `.kernel/`) into `fs` under
    /// its root: regular files first (creating their parent directories), then directories
    /// and symlinks. Entries that cannot be created are reported and skipped.
    pub fn unpack(&self, fs: &mut Fs) -> Unpacked {
        let root = fs.root();
        let mut stats = Unpacked::default();
        for entry in self.tar.entries() {
            let filename = entry.filename();
            let Ok(name) = filename.as_str() else {
                continue;
            };
            let name = name.trim_start_matches("./");
            if name.is_empty() || name.starts_with(KERNEL_PREFIX) {
                continue;
            }
            match fs.write_file(root, name, entry.data()) {
                Ok(_) => {
                    stats.files += 1;
                    stats.bytes += entry.data().len() as u64;
                }
                Err(e) => {
                    log::warn!("rootfs: cannot create /{name}: {e}");
                    stats.skipped += 1;
                }
            }
        }
        let kernel_dir = KERNEL_PREFIX.trim_end_matches('/');
        for (_, header) in self.tar.headers() {
            let Ok(flag) = header.typeflag.try_to_type_flag() else {
                continue;
            };
            let Some(full) = full_name(header) else {
                continue;
            };
            let name = full.trim_start_matches("./").trim_end_matches('/');
            if name.is_empty() || name == "." || name.starts_with(kernel_dir) {
                continue;
            }
            let result = match flag {
                TypeFlag::DIRTYPE => fs.create_path_all(root, name).map(|_| stats.dirs += 1),
                TypeFlag::SYMTYPE => {
                    let target = header.linkname.as_str().unwrap_or("");
                    let (parent, _) = name.rsplit_once('/').unwrap_or(("", name));
                    let made = if parent.is_empty() {
                        Ok(root)
                    } else {
                        fs.create_path_all(root, parent)
                    };
                    made.and_then(|_| fs.symlink(target, root, name))
                        .map(|_| stats.symlinks += 1)
                }
                _ => Ok(()),
            };
            if let Err(e) = result {
                log::warn!("rootfs: cannot create /{name}: {e}");
                stats.skipped += 1;
            }
        }
        stats
    }
}

/// Validates `archive_bytes` and unpacks its root filesystem into `fs`
/// ([`Archive::new`] + [`Archive::unpack`]).
pub fn unpack(archive_bytes: &[u8], fs: &mut Fs) -> Result<Unpacked, Error> {
    Ok(Archive::new(archive_bytes)?.unpack(fs))
}

/// The entry's path: the ustar `prefix` (when present) joined with `name`.
fn full_name(header: &PosixHeader) -> Option<String> {
    let name = header.name.as_str().ok()?;
    let prefix = header.prefix.as_str().unwrap_or("");
    if prefix.is_empty() {
        Some(String::from(name))
    } else {
        Some(alloc::format!("{prefix}/{name}"))
    }
}

/// Inflates a raw-deflate stream (the boot tool packs the root filesystem as
/// `.kernel/rootfs.deflate`) into at most `limit` bytes; `None` if it is corrupt or larger.
pub fn inflate(packed: &[u8], limit: usize) -> Option<alloc::vec::Vec<u8>> {
    miniz_oxide::inflate::decompress_to_vec_with_limit(packed, limit).ok()
}
