//! The physical frame allocator over the bootloader's memory map. It needs no heap (it runs
//! before there is one): usable regions live in a fixed array, frames are handed out by
//! bumping through each region, freed frames go onto a bounded stack for reuse, and
//! [`FrameAllocator::alloc_contiguous`] carves the kernel heap out of the largest region.

/// Size of one physical frame.
pub const FRAME_SIZE: u64 = 4096;
const MAX_REGIONS: usize = 64;
const FREE_STACK: usize = 512;

#[derive(Debug, Clone, Copy, Default)]
struct Region {
    next: u64,
    end: u64,
}

/// Hands out 4 KiB physical frames from usable memory only.
#[derive(Debug)]
pub struct FrameAllocator {
    regions: [Region; MAX_REGIONS],
    count: usize,
    free: [u64; FREE_STACK],
    free_len: usize,
    total: u64,
    ignored_regions: usize,
}

impl FrameAllocator {
    /// Builds the allocator from `(start, end)` byte ranges of usable RAM. Ranges are shrunk
    /// to whole frames; frame 0 is never handed out; ranges beyond the table are ignored
    /// (and counted in [`FrameAllocator::ignored_regions`]).
    pub fn new(usable: impl IntoIterator<Item = (u64, u64)>) -> Self {
        let mut me = Self {
            regions: [Region::default(); MAX_REGIONS],
            count: 0,
            free: [0; FREE_STACK],
            free_len: 0,
            total: 0,
            ignored_regions: 0,
        };
        for (start, end) in usable {
            let start = align_up(start.max(FRAME_SIZE), FRAME_SIZE);
            let end = end & !(FRAME_SIZE - 1);
            if start >= end {
                continue;
            }
            if me.count == MAX_REGIONS {
                me.ignored_regions += 1;
                continue;
            }
            me.regions[me.count] = Region { next: start, end };
            me.count += 1;
            me.total += end - start;
        }
        me
    }

    /// Bytes of usable RAM the allocator manages (handed out or not).
    pub fn total_bytes(&self) -> u64 {
        self.total
    }

    /// Bytes not yet handed out.
    pub fn free_bytes(&self) -> u64 {
        self.regions[..self.count]
            .iter()
            .map(|r| r.end - r.next)
            .sum::<u64>()
            + self.free_len as u64 * FRAME_SIZE
    }

    /// Usable regions that did not fit the table.
    pub fn ignored_regions(&self) -> usize {
        self.ignored_regions
    }

    /// One frame's physical address.
    pub fn alloc(&mut self) -> Option<u64> {
        if self.free_len > 0 {
            self.free_len -= 1;
            return Some(self.free[self.free_len]);
        }
        self.regions[..self.count]
            .iter_mut()
            .find(|r| r.next < r.end)
            .map(|r| {
                let frame = r.next;
                r.next += FRAME_SIZE;
                frame
            })
    }

    /// Returns a frame for reuse. Returns false (the frame is leaked, not corrupted) when the
    /// reuse stack is full or the address is not frame-aligned.
    pub fn free(&mut self, frame: u64) -> bool {
        if !frame.is_multiple_of(FRAME_SIZE) || self.free_len == FREE_STACK {
            return false;
        }
        self.free[self.free_len] = frame;
        self.free_len += 1;
        true
    }

    /// The largest run of untouched contiguous memory still available, in bytes.
    pub fn largest_run(&self) -> u64 {
        self.regions[..self.count]
            .iter()
            .map(|r| r.end - r.next)
            .max()
            .unwrap_or(0)
    }

    /// `bytes` (rounded up to frames) of physically contiguous memory aligned to `align`
    /// (a power of two ≥ 4096), taken from the region with the most room.
    pub fn alloc_contiguous(&mut self, bytes: u64, align: u64) -> Option<u64> {
        if !align.is_power_of_two() || align < FRAME_SIZE {
            return None;
        }
        let bytes = align_up(bytes.max(1), FRAME_SIZE);
        let region = self.regions[..self.count]
            .iter_mut()
            .filter(|r| {
                let start = align_up(r.next, align);
                start.checked_add(bytes).is_some_and(|end| end <= r.end)
            })
            .max_by_key(|r| r.end - r.next)?;
        let start = align_up(region.next, align);
        // The alignment gap before `start` is given back as single frames where possible.
        let gap_start = region.next;
        region.next = start + bytes;
        let mut f = gap_start;
        while f < start {
            self.free(f);
            f += FRAME_SIZE;
        }
        Some(start)
    }
}

fn align_up(v: u64, align: u64) -> u64 {
    v.checked_add(align - 1)
        .map_or(!(align - 1), |x| x & !(align - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hands_out_only_usable_whole_frames() {
        let mut fa = FrameAllocator::new([(0, 0x3000), (0x10_0100, 0x10_2fff)]);
        // Frame 0 is skipped; the second region shrinks to [0x101000, 0x102000).
        assert_eq!(fa.total_bytes(), 0x2000 + 0x1000);
        assert_eq!(fa.alloc(), Some(0x1000));
        assert_eq!(fa.alloc(), Some(0x2000));
        assert_eq!(fa.alloc(), Some(0x10_1000));
        assert_eq!(fa.alloc(), None);
        assert!(fa.free(0x2000));
        assert!(!fa.free(0x2001));
        assert_eq!(fa.alloc(), Some(0x2000));
        assert_eq!(fa.free_bytes(), 0);
    }

    #[test]
    fn contiguous_comes_from_the_largest_region_aligned() {
        let mut fa = FrameAllocator::new([(0x1000, 0x9000), (0x10_1000, 0x90_0000)]);
        let start = fa.alloc_contiguous(0x40_0000, 0x20_0000).expect("fits");
        assert_eq!(start, 0x20_0000);
        assert_eq!(start % 0x20_0000, 0);
        // The alignment gap went to the reuse stack and is handed out first.
        assert_eq!(fa.alloc(), Some(0x1f_f000));
        assert!(fa.alloc_contiguous(0x100_0000, FRAME_SIZE).is_none());
        assert!(fa.alloc_contiguous(FRAME_SIZE, 3).is_none());
        let before = fa.free_bytes();
        assert!(fa.alloc_contiguous(1, FRAME_SIZE).is_some());
        assert_eq!(fa.free_bytes(), before - FRAME_SIZE);
    }

    #[test]
    fn too_many_regions_are_counted_not_lost_silently() {
        let regions = (1..=70u64).map(|i| (i * 0x10_0000, i * 0x10_0000 + 0x1000));
        let fa = FrameAllocator::new(regions);
        assert_eq!(fa.ignored_regions(), 6);
        assert_eq!(fa.total_bytes(), 64 * 0x1000);
    }
}
