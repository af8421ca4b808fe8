//! Unpacks the ramdisk archive into the in-RAM filesystem: every entry outside `.kernel/`
//! becomes a directory, regular file or symlink under `/`. Entries that cannot be created
//! are reported and skipped; the boot continues.

use alloc::string::String;

use tar_no_std::TarArchiveRef;
use vfs::Fs;

use crate::bootargs::KERNEL_PREFIX;

/// What was unpacked.
#[derive(Debug, Default, Clone, Copy)]
pub struct Unpacked {
    pub files: usize,
    pub dirs: usize,
    pub symlinks: usize,
    pub bytes: u64,
    pub skipped: usize,
}

/// The entry's path: the ustar `prefix` (when present) joined with `name`.
fn full_name(header: &tar_no_std::PosixHeader) -> Option<String> {
    let name = header.name.as_str().ok()?;
    let prefix = header.prefix.as_str().unwrap_or("");
    if prefix.is_empty() {
        Some(String::from(name))
    } else {
        Some(alloc::format!("{prefix}/{name}"))
    }
}

/// Copies the archive's root-filesystem entries into `fs`.
pub fn unpack(archive: &TarArchiveRef<'_>, fs: &mut Fs) -> Unpacked {
    let root = fs.root();
    let mut stats = Unpacked::default();
    for entry in archive.entries() {
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
    for (_, header) in archive.headers() {
        let Ok(flag) = header.typeflag.try_to_type_flag() else {
            continue;
        };
        let Some(full) = full_name(header) else {
            continue;
        };
        let name = full.trim_start_matches("./").trim_end_matches('/');
        if name.is_empty() || name == "." || name.starts_with(KERNEL_PREFIX.trim_end_matches('/')) {
            continue;
        }
        let result = match flag {
            tar_no_std::TypeFlag::DIRTYPE => {
                fs.create_path_all(root, name).map(|_| stats.dirs += 1)
            }
            tar_no_std::TypeFlag::SYMTYPE => {
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
