//! What either loader (bootloader 0.11 or PVH) leaves for the kernel, in one shape.

/// Kernel stack size: the interpreter recurses on it, so it is generous.
pub const KERNEL_STACK_SIZE: u64 = 1024 * 1024;

/// What the loader left for the kernel, whichever loader it was.
pub struct Boot<'a> {
    /// "bootloader" (disk image, BIOS or UEFI) or "pvh" (QEMU `-kernel`).
    pub loader: &'static str,
    /// TSC at entry, for the phase timings.
    pub t_entry: u64,
    pub stack_bottom: u64,
    pub stack_len: u64,
    /// The ramdisk (boot tool's archive), empty when there is none.
    pub ramdisk: &'static [u8],
    /// Where physical address 0 is mapped.
    pub phys_offset: u64,
    /// Physical addresses below this are mapped (at `phys_offset`).
    pub phys_limit: u64,
    /// The ACPI RSDP's physical address, when the loader found it.
    pub rsdp: Option<u64>,
    /// Usable RAM as `(start, end)` physical byte ranges.
    pub usable: &'a [(u64, u64)],
    /// Ranges inside `usable` that are taken (kernel image, ramdisk).
    pub reserved: &'a [(u64, u64)],
}

/// Most usable regions taken from a loader's memory map.
pub const MAX_BOOT_REGIONS: usize = 128;
