//! What the boot tool hands the kernel: a ustar archive loaded as the bootloader's ramdisk.
//! Entries under `.kernel/` are for the kernel itself — `.kernel/cmdline` holds the command
//! line — and everything else is the root filesystem.

use bootloader_api::BootInfo;
use kcore::cmdline::Cmdline;
use tar_no_std::TarArchiveRef;

/// Archive prefix of kernel-private entries.
pub const KERNEL_PREFIX: &str = ".kernel/";

/// The parsed ramdisk.
pub struct BootArgs {
    archive: Option<TarArchiveRef<'static>>,
    cmdline: &'static str,
}

impl BootArgs {
    /// Reads the ramdisk; a missing or corrupt archive gives an empty command line (and a
    /// logged warning once the logger is up).
    pub fn from_ramdisk(boot_info: &BootInfo) -> Self {
        let bytes = crate::arch::ramdisk(boot_info);
        let archive = if bytes.is_empty() {
            None
        } else {
            TarArchiveRef::new(bytes).ok()
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
    pub fn archive(&self) -> Option<&TarArchiveRef<'static>> {
        self.archive.as_ref()
    }

    /// The kernel command line.
    pub fn cmdline(&self) -> Cmdline<'static> {
        Cmdline::new(self.cmdline)
    }

    /// The kernel-private file `.kernel/NAME`. Allocates nothing: it runs before the heap.
    pub fn kernel_file(&self, name: &str) -> Option<&'static [u8]> {
        let archive = self.archive.as_ref()?;
        archive
            .entries()
            .find(|e| {
                e.filename().as_str().is_ok_and(|n| {
                    n.trim_start_matches("./").strip_prefix(KERNEL_PREFIX) == Some(name)
                })
            })
            .map(|e| e.data())
    }
}
