//! Physical memory: the frame allocator over the loader's usable regions, and the kernel
//! heap carved out of the largest region plus every other large one — sized from the RAM
//! this VM has, not a fixed array.
//! Guest linear memories and every kernel object live on that heap.

use kcore::frames::FrameAllocator;
use spin::Mutex;

use crate::arch;

/// Memory kept back from the heap for page frames (page tables, IST stacks, DMA later).
const FRAME_RESERVE: u64 = 4 << 20;
const HEAP_ALIGN: u64 = 2 << 20;
/// Smallest further RAM region worth adding to the heap.
const EXTRA_REGION_MIN: u64 = 1 << 20;
const PAGE: u64 = 4096;

static FRAMES: Mutex<Option<FrameAllocator>> = Mutex::new(None);

/// What `init` set up, for the banner and the memory statistics.
#[derive(Debug, Clone, Copy)]
pub struct MemoryReport {
    pub usable_bytes: u64,
    pub heap_start: u64,
    pub heap_bytes: u64,
    pub free_frame_bytes: u64,
}

/// Builds the frame allocator and the heap from what the loader reported. Stops the machine
/// with a message when there is too little RAM for a heap.
/// `cap`: at most this many bytes of heap (the kernel command line's `mem=MIB`, which
/// `image --memory` sets), whatever RAM the VM has.
pub fn init(boot: &arch::Boot<'_>, cap: Option<u64>) -> MemoryReport {
    let cap = cap.unwrap_or(u64::MAX);
    let phys_offset = boot.phys_offset;
    let mut frames = FrameAllocator::new(boot.usable.iter().copied());
    for &(start, end) in boot.reserved {
        frames.reserve(start, end);
    }
    let usable_bytes = frames.total_bytes();
    let run = frames.largest_run();
    let heap_bytes = run
        .saturating_sub(FRAME_RESERVE.min(run / 4))
        .saturating_sub(HEAP_ALIGN)
        .min(cap)
        & !(HEAP_ALIGN - 1);
    let Some(heap_phys) = frames.alloc_contiguous(heap_bytes, HEAP_ALIGN) else {
        panic!("no room for a kernel heap: largest free run is {run} bytes");
    };
    let heap_start = phys_offset + heap_phys;
    arch::init_heap(heap_start, heap_bytes);
    // UEFI firmware splits RAM into many regions: every further run of at least
    // EXTRA_REGION_MIN joins the heap as a region of its own, keeping FRAME_RESERVE free.
    let mut total_heap = heap_bytes;
    loop {
        let spare = frames.free_bytes().saturating_sub(FRAME_RESERVE);
        let size = frames
            .largest_run()
            .min(spare)
            .min(cap.saturating_sub(total_heap))
            & !(PAGE - 1);
        if size < EXTRA_REGION_MIN {
            break;
        }
        let Some(phys) = frames.alloc_contiguous(size, PAGE) else {
            break;
        };
        arch::init_heap(phys_offset + phys, size);
        total_heap += size;
    }
    let report = MemoryReport {
        usable_bytes,
        heap_start,
        heap_bytes: total_heap,
        free_frame_bytes: frames.free_bytes(),
    };
    *FRAMES.lock() = Some(frames);
    report
}

/// One physical frame, if any is left.
pub fn alloc_frame() -> Option<u64> {
    FRAMES.lock().as_mut()?.alloc()
}

/// Heap bytes in use and in total.
pub fn heap_usage() -> (usize, usize) {
    arch::heap_usage()
}
