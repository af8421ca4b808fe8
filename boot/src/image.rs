//! Disk images. The ramdisk is a ustar archive: `.kernel/cmdline` carries the kernel command
//! line and `.kernel/*` other kernel-private inputs; every other entry is a file, directory
//! or symlink of the root filesystem. A BIOS (MBR) image carries our own loader
//! ([`crate::bios`]); the `bootloader` crate makes the UEFI (GPT) image.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use bootloader::{BootConfig, DiskImageBuilder};

use crate::work_dir;

/// Which firmware boots the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Firmware {
    Bios,
    Uefi,
    /// No disk image and no bootloader: QEMU loads the kernel ELF itself (`-kernel`, through
    /// its PVH entry note) and the ramdisk as `-initrd`, as one would boot a Linux kernel.
    Direct,
}

impl Firmware {
    /// "bios", "uefi" or "direct".
    pub fn name(self) -> &'static str {
        match self {
            Firmware::Bios => "bios",
            Firmware::Uefi => "uefi",
            Firmware::Direct => "direct",
        }
    }

    /// BIOS unless one of the flags asks otherwise.
    pub fn from_flags(uefi: bool, direct: bool) -> Self {
        match (uefi, direct) {
            (true, _) => Firmware::Uefi,
            (false, true) => Firmware::Direct,
            (false, false) => Firmware::Bios,
        }
    }
}

/// Where the kernel is linked: its physical load address + this (`kernel/src/arch/pvh.rs`).
pub const KERNEL_VMA: u64 = 0xffff_ffff_8000_0000;

/// Writes to `out` a copy of the kernel ELF `elf` for QEMU's `-kernel` (PVH): the same
/// bytes, with each loadable segment's physical address set to its virtual address minus
/// [`KERNEL_VMA`], since QEMU loads segments at their physical addresses and the linker
/// makes those equal to the (top-2-GiB) virtual ones.
pub fn pvh_kernel(elf: &Path, out: &Path) -> Result<()> {
    let mut bytes = std::fs::read(elf).with_context(|| format!("reading {}", elf.display()))?;
    let moved = set_load_addresses(&mut bytes)?;
    if moved == 0 {
        anyhow::bail!("{}: no segment linked at the kernel's base", elf.display());
    }
    std::fs::write(out, &bytes).with_context(|| format!("writing {}", out.display()))
}

/// Sets `p_paddr = p_vaddr - KERNEL_VMA` for every PT_LOAD segment linked above
/// [`KERNEL_VMA`] in a little-endian ELF64 image; returns how many it changed.
fn set_load_addresses(elf: &mut [u8]) -> Result<usize> {
    let field = crate::elf::le;
    if elf.get(..6) != Some(&[0x7f, b'E', b'L', b'F', 2, 1][..]) {
        anyhow::bail!("not a little-endian ELF64 file");
    }
    let phoff = field(elf, 0x20, 8)? as usize;
    let phentsize = field(elf, 0x36, 2)? as usize;
    let phnum = field(elf, 0x38, 2)? as usize;
    let mut moved = 0;
    for i in 0..phnum {
        let ph = phoff + i * phentsize;
        const PT_LOAD: u64 = 1;
        let vaddr = field(elf, ph + 0x10, 8)?;
        if field(elf, ph, 4)? == PT_LOAD && vaddr >= KERNEL_VMA {
            let paddr = (vaddr - KERNEL_VMA).to_le_bytes();
            elf.get_mut(ph + 0x18..ph + 0x20)
                .context("ELF file too short")?
                .copy_from_slice(&paddr);
            moved += 1;
        }
    }
    Ok(moved)
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
    /// Empty directories of the root filesystem (guest paths).
    pub empty_dirs: Vec<String>,
    /// Symlinks of the root filesystem: (guest path, target).
    pub symlinks: Vec<(String, String)>,
}

impl Ramdisk {
    /// A ramdisk with just a command line.
    pub fn with_cmdline(cmdline: impl Into<String>) -> Self {
        Self {
            cmdline: cmdline.into(),
            ..Self::default()
        }
    }

    /// Writes the archive to `out`. The root filesystem travels as `.kernel/rootfs.deflate`,
    /// a raw-deflate-compressed ustar archive of its own: the BIOS stage reads the ramdisk
    /// at about 1 MiB/s under emulation, and WebAssembly compresses about threefold.
    pub fn write(&self, out: &Path) -> Result<()> {
        self.write_packed(out, true)
    }

    /// [`Ramdisk::write`] with the root filesystem's entries stored as they are, in the
    /// archive itself: for direct boot, where QEMU copies the initrd into RAM at memory
    /// speed and inflating (~30 ms per MiB under emulation) would cost more than it saves.
    pub fn write_uncompressed(&self, out: &Path) -> Result<()> {
        self.write_packed(out, false)
    }

    fn write_packed(&self, out: &Path, deflate: bool) -> Result<()> {
        let file =
            std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
        let mut tar = tar::Builder::new(std::io::BufWriter::new(file));
        append(
            &mut tar,
            ".kernel/cmdline",
            Entry::File(self.cmdline.as_bytes()),
        )?;
        for (name, data) in &self.kernel_files {
            append(&mut tar, &format!(".kernel/{name}"), Entry::File(data))?;
        }
        if deflate {
            let rootfs = self.rootfs_archive()?;
            if !rootfs.is_empty() {
                let packed = miniz_oxide::deflate::compress_to_vec(&rootfs, 6);
                append(&mut tar, ".kernel/rootfs.deflate", Entry::File(&packed))?;
            }
        } else {
            self.append_rootfs(&mut tar)?;
        }
        tar.into_inner()?
            .into_inner()
            .map_err(|e| e.into_error())?
            .sync_all()?;
        Ok(())
    }

    /// The root filesystem as an uncompressed ustar archive (empty when there is none).
    pub fn rootfs_archive(&self) -> Result<Vec<u8>> {
        if self.dirs.is_empty()
            && self.files.is_empty()
            && self.empty_dirs.is_empty()
            && self.symlinks.is_empty()
        {
            return Ok(Vec::new());
        }
        let mut tar = tar::Builder::new(Vec::new());
        self.append_rootfs(&mut tar)?;
        Ok(tar.into_inner()?)
    }

    /// Appends the root filesystem's entries to `tar`.
    fn append_rootfs<W: std::io::Write>(&self, tar: &mut tar::Builder<W>) -> Result<()> {
        for (host, guest) in &self.dirs {
            let guest = guest.trim_matches('/');
            if !guest.is_empty() {
                append(tar, guest, Entry::Dir)?;
            }
            add_tree(tar, host, guest)
                .with_context(|| format!("packing {} as /{guest}", host.display()))?;
        }
        for dir in &self.empty_dirs {
            append(tar, dir.trim_matches('/'), Entry::Dir)?;
        }
        for (guest, data) in &self.files {
            append(tar, guest.trim_start_matches('/'), Entry::File(data))?;
        }
        for (guest, target) in &self.symlinks {
            append(
                tar,
                guest.trim_start_matches('/'),
                Entry::Symlink(Path::new(target)),
            )?;
        }
        Ok(())
    }
}

enum Entry<'a> {
    File(&'a [u8]),
    Dir,
    Symlink(&'a Path),
}

/// Appends one plain ustar entry. Paths must fit ustar's name/prefix fields (255 bytes);
/// the kernel's archive reader takes no GNU or PAX extensions.
fn append<W: std::io::Write>(
    tar: &mut tar::Builder<W>,
    path: &str,
    entry: Entry<'_>,
) -> Result<()> {
    let mut header = tar::Header::new_ustar();
    header
        .set_path(path)
        .with_context(|| format!("{path}: path too long for the root filesystem archive"))?;
    header.set_mtime(0);
    header.set_uid(0);
    header.set_gid(0);
    let data: &[u8] = match entry {
        Entry::File(data) => {
            header.set_entry_type(tar::EntryType::Regular);
            header.set_mode(0o644);
            data
        }
        Entry::Dir => {
            header.set_entry_type(tar::EntryType::Directory);
            header.set_mode(0o755);
            &[]
        }
        Entry::Symlink(target) => {
            header.set_entry_type(tar::EntryType::Symlink);
            header.set_mode(0o777);
            header
                .set_link_name(target)
                .with_context(|| format!("{path}: symlink target too long"))?;
            &[]
        }
    };
    header.set_size(data.len() as u64);
    header.set_cksum();
    tar.append(&header, data)
        .with_context(|| format!("packing {path}"))?;
    Ok(())
}

/// Packs the tree under `host` as `guest` (sorted, so archives are reproducible).
fn add_tree<W: std::io::Write>(tar: &mut tar::Builder<W>, host: &Path, guest: &str) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(host)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e
            .file_name()
            .into_string()
            .map_err(|n| anyhow::anyhow!("{n:?}: not UTF-8"))?;
        let path = if guest.is_empty() {
            name
        } else {
            format!("{guest}/{name}")
        };
        let meta = std::fs::symlink_metadata(e.path())?;
        if meta.is_dir() {
            append(tar, &path, Entry::Dir)?;
            add_tree(tar, &e.path(), &path)?;
        } else if meta.is_symlink() {
            append(tar, &path, Entry::Symlink(&std::fs::read_link(e.path())?))?;
        } else if meta.is_file() {
            append(tar, &path, Entry::File(&std::fs::read(e.path())?))?;
        }
    }
    Ok(())
}

/// The one line of help the interactive image greets with (`/etc/motd`).
pub const MOTD: &str = "wasmkernel: WebAssembly processes on bare metal. Try: ls /bin, echo hi | cat, exit (powers off).\n";

/// The main image's ramdisk: every userland program in `/bin` — the utilities as
/// symlinks to `/bin/box`, which holds them all ([`box_applets`]) — `/etc/motd`, an empty
/// `/tmp`, and `/bin/init` (which starts `/bin/sh`) as the first process on a cooked
/// console with `/` preopened. `extra_cmdline` adds kernel command-line words.
pub fn main_ramdisk(userland: &Path, extra_cmdline: &str) -> Result<Ramdisk> {
    let mut ramdisk = Ramdisk::with_cmdline(format!("console=cooked proc=on {extra_cmdline}"));
    let (programs, links) = bin_layout(userland)?;
    ramdisk.files = programs;
    ramdisk.symlinks = links;
    ramdisk
        .files
        .push(("etc/motd".into(), MOTD.as_bytes().to_vec()));
    ramdisk.empty_dirs.push("tmp".into());
    ramdisk
        .kernel_files
        .push(("argv".into(), b"/bin/init\0".to_vec()));
    ramdisk
        .kernel_files
        .push(("preopens".into(), b"/\0".to_vec()));
    Ok(ramdisk)
}

impl Ramdisk {
    /// Makes `/bin/init` start `init` (program and arguments) instead of the shell; an
    /// empty `init` keeps the shell.
    pub fn set_init(&mut self, init: &[&str]) {
        if init.is_empty() {
            return;
        }
        let mut argv = b"/bin/init\0".to_vec();
        for a in init {
            argv.extend_from_slice(a.as_bytes());
            argv.push(0);
        }
        self.kernel_files.retain(|(n, _)| n != "argv");
        self.kernel_files.push(("argv".into(), argv));
    }
}

/// The user's own programs and files for the main image (`image`/`boot` `--dir`, `--add`).
#[derive(Debug, Default, Clone)]
pub struct UserContent {
    /// (host directory, guest path): copied in whole.
    pub dirs: Vec<(PathBuf, String)>,
    /// (host file, guest path).
    pub files: Vec<(PathBuf, String)>,
}

impl UserContent {
    /// Parses `FILE[::GUEST_PATH]`. Without a guest path a `.wasm` file becomes a command,
    /// `/bin/NAME` (extension dropped, like the userland's), any other file `/NAME`.
    pub fn parse_add(spec: &str) -> Result<(PathBuf, String)> {
        let (host, guest) = match spec.split_once("::") {
            Some((h, g)) => (PathBuf::from(h), g.to_string()),
            None => {
                let host = PathBuf::from(spec);
                let name = host
                    .file_name()
                    .and_then(|n| n.to_str())
                    .with_context(|| format!("--add {spec}: no file name; use FILE::GUEST"))?;
                let guest = match name.strip_suffix(".wasm") {
                    Some(stem) if !stem.is_empty() => format!("/bin/{stem}"),
                    _ => format!("/{name}"),
                };
                (host, guest)
            }
        };
        if !host.is_file() {
            anyhow::bail!("--add {spec}: {} is not a file", host.display());
        }
        let rel = guest.trim_start_matches('/');
        if rel.is_empty() || rel.ends_with('/') || rel.split('/').any(|c| c == ".." || c.is_empty())
        {
            anyhow::bail!("--add {spec}: bad guest path {guest:?}");
        }
        Ok((host, guest))
    }

    /// Adds the content to `ramdisk` (after its own files, so the user's win).
    pub fn add_to(&self, ramdisk: &mut Ramdisk) -> Result<()> {
        ramdisk.dirs.extend(self.dirs.iter().cloned());
        for (host, guest) in &self.files {
            let data =
                std::fs::read(host).with_context(|| format!("reading {}", host.display()))?;
            ramdisk
                .files
                .push((guest.trim_start_matches('/').to_string(), data));
        }
        Ok(())
    }
}

/// Writes the main image to `out` for use on any VM: `format` is `raw` or `qcow2`
/// (converted with `qemu-img`); a non-empty `init` (program and arguments) is what
/// `/bin/init` starts instead of the shell; `extra_cmdline` adds kernel command-line words
/// (`mem=MIB` for `image --memory`).
pub fn write_main_image(
    kernel: &Path,
    userland: &Path,
    firmware: Firmware,
    init: &[&str],
    user: &UserContent,
    extra_cmdline: &str,
    format: &str,
    out: &Path,
) -> Result<()> {
    if format != "raw" && format != "qcow2" {
        anyhow::bail!("--format {format}: expected raw or qcow2");
    }
    if firmware == Firmware::Direct {
        anyhow::bail!("direct boot uses no disk image: export a bios or uefi image");
    }
    let mut ramdisk = main_ramdisk(userland, extra_cmdline)?;
    ramdisk.set_init(init);
    user.add_to(&mut ramdisk)?;
    let image = disk_image(kernel, &ramdisk, firmware, "export")?;
    if format == "raw" {
        std::fs::copy(&image, out).with_context(|| format!("writing {}", out.display()))?;
    } else {
        let status = std::process::Command::new("qemu-img")
            .args(["convert", "-f", "raw", "-O", "qcow2"])
            .arg(&image)
            .arg(out)
            .status()
            .context("running qemu-img (package qemu-utils)")?;
        if !status.success() {
            anyhow::bail!("qemu-img convert failed ({status})");
        }
    }
    Ok(())
}

/// Writes `/bin` as the main image has it into host directory `bin`: the programs of
/// `userland`, the box applets as symlinks to `box` (for tests that run the shell and
/// its utilities from a `--dir`, as a user's image runs them).
pub fn install_bin(userland: &Path, bin: &Path) -> Result<()> {
    std::fs::create_dir_all(bin)?;
    let (programs, links) = bin_layout(userland)?;
    for (name, data) in programs {
        std::fs::write(bin.join(name.trim_start_matches("bin/")), data)?;
    }
    for (name, target) in links {
        std::os::unix::fs::symlink(target, bin.join(name.trim_start_matches("bin/")))?;
    }
    Ok(())
}

/// `/bin` of the main image: the programs of `userland` that are not box applets, as
/// (`bin/NAME`, contents), and each applet as a symlink (`bin/NAME`, `box`).
type BinLayout = (Vec<(String, Vec<u8>)>, Vec<(String, String)>);

fn bin_layout(userland: &Path) -> Result<BinLayout> {
    let applets = box_applets(userland)?;
    let programs = bin_files(userland)?
        .into_iter()
        .filter(|(name, _)| !applets.iter().any(|a| name.strip_prefix("bin/") == Some(a)))
        .collect();
    let links = applets
        .into_iter()
        .map(|a| (format!("bin/{a}"), "box".to_string()))
        .collect();
    Ok((programs, links))
}

/// The applets `box.wasm` in `dir` holds, from the `box.applets` list the userland build
/// writes beside it (one name per line); none when there is no box.
pub fn box_applets(dir: &Path) -> Result<Vec<String>> {
    if !dir.join("box.wasm").is_file() {
        return Ok(Vec::new());
    }
    let list = dir.join("box.applets");
    let text =
        std::fs::read_to_string(&list).with_context(|| format!("reading {}", list.display()))?;
    let applets: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    if let Some(bad) = applets
        .iter()
        .find(|a| a.contains('/') || a.as_str() == "box")
    {
        anyhow::bail!("{}: bad applet name {bad:?}", list.display());
    }
    Ok(applets)
}

/// The `.wasm` files in `dir` as `bin/NAME` entries (extension dropped, as on Unix).
pub fn bin_files(dir: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = e?.path();
        if path.extension().is_some_and(|x| x == "wasm")
            && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
        {
            out.push((format!("bin/{stem}"), std::fs::read(&path)?));
        }
    }
    out.sort();
    Ok(out)
}

/// Builds a disk image for `kernel` + `ramdisk` named `name` under the work directory and
/// returns its path; for [`Firmware::Direct`], only the ramdisk archive (the initrd).
pub fn disk_image(
    kernel: &Path,
    ramdisk: &Ramdisk,
    firmware: Firmware,
    name: &str,
) -> Result<PathBuf> {
    let dir = work_dir().join("images");
    std::fs::create_dir_all(&dir)?;
    let ramdisk_path = dir.join(format!("{name}.tar"));
    if firmware == Firmware::Direct {
        // QEMU takes the kernel ELF as it is and this archive as the initrd.
        ramdisk.write_uncompressed(&ramdisk_path)?;
        return Ok(ramdisk_path);
    }
    ramdisk.write(&ramdisk_path)?;
    let image = dir.join(format!("{name}-{}.img", firmware.name()));
    if firmware == Firmware::Bios {
        crate::bios::write_image(kernel, &ramdisk_path, &image)?;
        return Ok(image);
    }
    let mut builder = DiskImageBuilder::new(kernel.to_path_buf());
    builder.set_ramdisk(ramdisk_path);
    let mut config = BootConfig::default();
    // The serial port belongs to the kernel: the bootloader's own log lines would mix into
    // guest output.
    config.serial_logging = false;
    config.frame_buffer_logging = false;
    builder.set_boot_config(&config);
    builder
        .create_uefi_image(&image)
        .with_context(|| format!("creating {}", image.display()))?;
    Ok(image)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ELF64 header with `segments` (type, vaddr, paddr) as program headers.
    fn elf(segments: &[(u32, u64, u64)]) -> Vec<u8> {
        let mut b = vec![0u8; 64];
        b[..6].copy_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1]);
        b[0x20..0x28].copy_from_slice(&64u64.to_le_bytes());
        b[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
        b[0x38..0x3a].copy_from_slice(&(segments.len() as u16).to_le_bytes());
        for &(kind, vaddr, paddr) in segments {
            let mut ph = vec![0u8; 56];
            ph[..4].copy_from_slice(&kind.to_le_bytes());
            ph[0x10..0x18].copy_from_slice(&vaddr.to_le_bytes());
            ph[0x18..0x20].copy_from_slice(&paddr.to_le_bytes());
            b.extend(ph);
        }
        b
    }

    fn paddr(b: &[u8], i: usize) -> u64 {
        let at = 64 + i * 56 + 0x18;
        u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
    }

    #[test]
    fn pvh_copy_loads_high_half_segments_at_their_physical_addresses() {
        let high = KERNEL_VMA + 0x100_0000;
        let mut b = elf(&[
            (1, high, high),
            (4, high + 0x40, high + 0x40),
            (1, 0x5000, 0x5000),
        ]);
        assert_eq!(set_load_addresses(&mut b).unwrap(), 1);
        assert_eq!(paddr(&b, 0), 0x100_0000);
        // Only loadable segments above the base move: notes and low segments stay.
        assert_eq!(paddr(&b, 1), high + 0x40);
        assert_eq!(paddr(&b, 2), 0x5000);
        assert!(set_load_addresses(&mut b"not an elf".to_vec()).is_err());
        let mut short = elf(&[(1, high, high)]);
        short.truncate(80);
        assert!(set_load_addresses(&mut short).is_err());
    }
}
