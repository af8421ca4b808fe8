//! What the boot tool hands the kernel: a ustar archive loaded as the ramdisk (bootloader)
//! or initrd (QEMU `-kernel`),
//! read by the host-tested `rootfs` crate. Entries under `.kernel/` are for the kernel
//! itself — `.kernel/cmdline` holds the command line — and everything else is the root
//! filesystem, which `init` unpacks with [`rootfs::Archive::unpack`].

use kcore::cmdline::Cmdline;
use rootfs::Archive;

/// The parsed ramdisk.
pub struct BootArgs {
    archive: Option<Archive<'static>>,
    cmdline: &'static str,
}

impl BootArgs {
    /// Reads the ramdisk; a missing or corrupt archive gives an empty command line (and a
    /// logged warning once the logger is up).
    pub fn from_ramdisk(bytes: &'static [u8]) -> Self {
        let archive = if bytes.is_empty() {
            None
        } else {
            Archive::new(bytes).ok()
        };
        let mut me = Self {
            archive,
            cmdline: "",
        };
        if let Some(text) = me
            .kernel_file("cmdline")
            .and_then(|b| core::str::from_utf8(b).ok())
        {
            me.cmdline = text.trim();
        }
        me
    }

    /// The archive, when the ramdisk held a valid one.
    pub fn archive(&self) -> Option<&Archive<'static>> {
        self.archive.as_ref()
    }

    /// The kernel command line.
    pub fn cmdline(&self) -> Cmdline<'static> {
        Cmdline::new(self.cmdline)
    }

    /// The kernel-private file `.kernel/NAME`. Allocates nothing: it runs before the heap.
    pub fn kernel_file(&self, name: &str) -> Option<&'static [u8]> {
        self.archive.as_ref()?.kernel_file(name)
    }
}
