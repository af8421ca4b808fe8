//! Reading physical memory through the mapping the loader set up (all of it at an offset
//! under the bootloader, the low GiBs identity-mapped under PVH), for firmware tables.

use kcore::acpi::PhysMem;

/// Physical addresses `0..limit` mapped at `offset`.
pub struct PhysView {
    offset: u64,
    limit: u64,
}

impl PhysView {
    /// The view the loader's mapping gives: `boot.phys_offset` and `boot.phys_limit`.
    pub fn new(boot: &super::boot::Boot<'_>) -> Self {
        Self {
            offset: boot.phys_offset,
            limit: boot.phys_limit,
        }
    }
}

impl PhysMem for PhysView {
    fn bytes(&self, addr: u64, len: usize) -> Option<&[u8]> {
        let end = addr.checked_add(u64::try_from(len).ok()?)?;
        if end > self.limit {
            return None;
        }
        let virt = self.offset.checked_add(addr)?;
        // SAFETY: `addr..end` lies below `limit`. Both entry paths fill `Boot` from what
        // their loader mapped: the bootloader maps all physical memory up to the end of its
        // memory map at `phys_offset`, the PVH stub identity-maps the first 16 GiB
        // (`phys_limit` is at most that). Firmware tables are not written while we read
        // them, and the slice is only read.
        Some(unsafe { core::slice::from_raw_parts(virt as *const u8, len) })
    }
}
