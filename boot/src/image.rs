//! Disk images. The ramdisk is a ustar archive: `.kernel/cmdline` carries the kernel command
//! line and `.kernel/*` other kernel-private inputs; every other entry is a file, directory
//! or symlink of the root filesystem. The `bootloader` crate turns kernel + ramdisk into a
//! BIOS (MBR) or UEFI (GPT) image.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use bootloader::{BootConfig, DiskImageBuilder};

use crate::work_dir;

/// Which firmware boots the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Firmware {
    Bios,
    Uefi,
}

impl Firmware {
    /// "bios" or "uefi".
    pub fn name(self) -> &'static str {
        match self {
            Firmware::Bios => "bios",
            Firmware::Uefi => "uefi",
        }
    }
}

/// Contents of the ramdisk archive.
#[derive(Debug, Default, Clone)]
pub struct Ramdisk {
    /// The kernel command line.
    pub cmdline: String,
    /// Extra kernel-private files, stored as `.kernel/NAME`.
    pub kernel_files: Vec<(String, Vec<u8>)>,
    /// Host directories copied into the root filesystem: (host path, guest path).
    pub dirs: Vec<(PathBuf, String)>,
    /// Single files of the root filesystem: (guest path, contents).
    pub files: Vec<(String, Vec<u8>)>,
}

impl Ramdisk {
    /// A ramdisk with just a command line.
    pub fn with_cmdline(cmdline: impl Into<String>) -> Self {
        Self {
            cmdline: cmdline.into(),
            ..Self::default()
        }
    }

    /// Writes the archive to `out`.
    pub fn write(&self, out: &Path) -> Result<()> {
        let file =
            std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
        let mut tar = tar::Builder::new(std::io::BufWriter::new(file));
        tar.mode(tar::HeaderMode::Deterministic);
        tar.follow_symlinks(false);
        append_bytes(&mut tar, ".kernel/cmdline", self.cmdline.as_bytes())?;
        for (name, data) in &self.kernel_files {
            append_bytes(&mut tar, &format!(".kernel/{name}"), data)?;
        }
        for (host, guest) in &self.dirs {
            let guest = guest.trim_matches('/');
            let guest = if guest.is_empty() { "." } else { guest };
            tar.append_dir_all(guest, host)
                .with_context(|| format!("packing {} as {guest}", host.display()))?;
        }
        for (guest, data) in &self.files {
            append_bytes(&mut tar, guest.trim_start_matches('/'), data)?;
        }
        tar.into_inner()?
            .into_inner()
            .map_err(|e| e.into_error())?
            .sync_all()?;
        Ok(())
    }
}

fn append_bytes<W: std::io::Write>(
    tar: &mut tar::Builder<W>,
    path: &str,
    data: &[u8],
) -> Result<()> {
    let mut header = tar::Header::new_ustar();
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    tar.append_data(&mut header, path, data)
        .with_context(|| format!("packing {path}"))?;
    Ok(())
}

/// Builds a disk image for `kernel` + `ramdisk` named `name` under the work directory and
/// returns its path.
pub fn disk_image(
    kernel: &Path,
    ramdisk: &Ramdisk,
    firmware: Firmware,
    name: &str,
) -> Result<PathBuf> {
    let dir = work_dir().join("images");
    std::fs::create_dir_all(&dir)?;
    let ramdisk_path = dir.join(format!("{name}.tar"));
    ramdisk.write(&ramdisk_path)?;
    let image = dir.join(format!("{name}-{}.img", firmware.name()));
    let mut builder = DiskImageBuilder::new(kernel.to_path_buf());
    builder.set_ramdisk(ramdisk_path);
    let mut config = BootConfig::default();
    // The serial port belongs to the kernel: the bootloader's own log lines would mix into
    // guest output.
    config.serial_logging = false;
    config.frame_buffer_logging = false;
    builder.set_boot_config(&config);
    match firmware {
        Firmware::Bios => builder.create_bios_image(&image),
        Firmware::Uefi => builder.create_uefi_image(&image),
    }
    .with_context(|| format!("creating {}", image.display()))?;
    Ok(image)
}
