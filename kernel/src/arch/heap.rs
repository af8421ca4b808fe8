//! The global allocator: a `talc` heap over the memory `memory::init` hands over. Talc
//! keeps free chunks in size-class bins, so allocating and freeing stay O(1) however
//! fragmented the heap gets — with thousands of processes a first-fit list walk made every
//! spawn slower than the last. Allocation failure reaches Rust's default handler, which
//! panics with the failed size; the panic handler prints it and exits with the failure
//! code.

use talc::TalcLock;
use talc::source::Manual;

#[global_allocator]
static HEAP: TalcLock<spin::mutex::SpinMutex<()>, Manual> = TalcLock::new(Manual);

/// Gives the heap the `size` bytes at virtual address `start` (more than once: each call
/// adds a region).
pub fn init_heap(start: u64, size: u64) {
    // SAFETY: `memory::init` passes a range of usable RAM, mapped through the bootloader's
    // physical-memory window, that it removed from the frame allocator; nothing else uses
    // it, and it is handed over once.
    let claimed = unsafe { HEAP.lock().claim(start as *mut u8, size as usize) };
    if claimed.is_none() {
        log::warn!("heap: region of {size} bytes at {start:#x} too small to use");
    }
}

/// Bytes in use and heap size.
pub fn heap_usage() -> (usize, usize) {
    super::cpu::without_interrupts(|| {
        let heap = HEAP.lock();
        let c = heap.counters();
        (c.allocated_bytes, c.claimed_bytes)
    })
}
