//! The global allocator: a `linked_list_allocator` heap over memory handed over by
//! `memory::init`. Allocation failure reaches Rust's default handler, which panics with the
//! failed size; the panic handler prints it and exits with the failure code.

use linked_list_allocator::LockedHeap;

#[global_allocator]
static HEAP: LockedHeap = LockedHeap::empty();

/// Gives the heap the `size` bytes at virtual address `start`.
pub fn init_heap(start: u64, size: u64) {
    // SAFETY: `memory::init` passes a range of usable RAM, mapped through the bootloader's
    // physical-memory window, that it removed from the frame allocator; nothing else uses
    // it, and this runs once before the first allocation.
    unsafe { HEAP.lock().init(start as *mut u8, size as usize) };
}

/// Bytes in use and heap size.
pub fn heap_usage() -> (usize, usize) {
    crate::arch::without_interrupts(|| {
        let heap = HEAP.lock();
        (heap.used(), heap.size())
    })
}
