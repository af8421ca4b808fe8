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

    /// Takes the byte range `[start, end)` out of the usable regions before anything is
    /// handed out (for a loader that reports the memory holding the kernel image or the
    /// ramdisk as usable RAM). A region split in two needs a free table slot; without one
    /// its upper part is dropped and counted in [`FrameAllocator::ignored_regions`].
    pub fn reserve(&mut self, start: u64, end: u64) {
        let start = start & !(FRAME_SIZE - 1);
        let end = align_up(end, FRAME_SIZE);
        if start >= end {
            return;
        }
        let mut i = 0;
        while i < self.count {
            let r = self.regions[i];
            if r.end <= start || end <= r.next {
                i += 1;
                continue;
            }
            let below = (r.next < start).then_some(Region {
                next: r.next,
                end: start,
            });
            let above = (end < r.end).then_some(Region {
                next: end,
                end: r.end,
            });
            self.total -= r.end.min(end) - r.next.max(start);
            match (below, above) {
                (Some(b), Some(a)) => {
                    self.regions[i] = b;
                    if self.count < MAX_REGIONS {
                        self.regions[self.count] = a;
                        self.count += 1;
                    } else {
                        self.total -= a.end - a.next;
                        self.ignored_regions += 1;
                    }
                }
                (Some(part), None) | (None, Some(part)) => self.regions[i] = part,
                (None, None) => {
                    self.regions.copy_within(i + 1..self.count, i);
                    self.count -= 1;
                    continue;
                }
            }
            i += 1;
        }
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
    fn reserved_ranges_leave_the_regions_whole_frames() {
        let mut fa = FrameAllocator::new([(0x1000, 0x10_0000), (0x20_0000, 0x40_0000)]);
        // Splits the first region, trims the second's start, and rounds outwards.
        fa.reserve(0x8_0800, 0x9_0001);
        fa.reserve(0x1f_0000, 0x21_0000);
        assert_eq!(
            fa.total_bytes(),
            (0x8_0000 - 0x1000) + (0x10_0000 - 0x9_1000) + 0x1f_0000
        );
        // A range covering a whole region removes it; one outside every region is a no-op.
        fa.reserve(0x9_1000, 0x10_0000);
        fa.reserve(0x50_0000, 0x60_0000);
        fa.reserve(0x7000, 0x7000);
        assert_eq!(fa.total_bytes(), (0x8_0000 - 0x1000) + 0x1f_0000);
        assert_eq!(fa.free_bytes(), fa.total_bytes());
        let mut seen = 0;
        while let Some(f) = fa.alloc() {
            assert!((0x1000..0x8_0000).contains(&f) || (0x21_0000..0x40_0000).contains(&f));
            seen += FRAME_SIZE;
        }
        assert_eq!(seen, fa.total_bytes());
    }

    #[test]
    fn a_split_without_a_free_slot_drops_the_upper_part() {
        let regions = (1..=64u64).map(|i| (i * 0x10_0000, i * 0x10_0000 + 0x4000));
        let mut fa = FrameAllocator::new(regions);
        fa.reserve(0x10_1000, 0x10_2000);
        assert_eq!(fa.ignored_regions(), 1);
        assert_eq!(fa.total_bytes(), 64 * 0x4000 - 0x3000);
    }

    #[test]
    fn too_many_regions_are_counted_not_lost_silently() {
        let regions = (1..=70u64).map(|i| (i * 0x10_0000, i * 0x10_0000 + 0x1000));
        let fa = FrameAllocator::new(regions);
        assert_eq!(fa.ignored_regions(), 6);
        assert_eq!(fa.total_bytes(), 64 * 0x1000);
    }
}
