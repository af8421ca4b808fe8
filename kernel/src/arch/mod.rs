//! The x86_64 layer: descriptor tables, interrupt entry, exception reports and small CPU
//! helpers. Together with `drivers` this is where all of the kernel's `unsafe` lives; the
//! rest of the kernel calls the safe functions re-exported here.
//!
//! `arch` depends on nothing above it: what it needs from the kernel (the emergency
//! console, the serial receive handler) is handed to it as [`Hooks`] at start, the tick
//! rate is told to it ([`set_tick_hz`]), and the PVH entry reaches the kernel's start
//! through the symbol the root defines with [`kernel_entry!`](crate::kernel_entry).

mod boot;
mod cpu;
mod fiber;
mod gdt;
mod heap;
mod hooks;
mod idt;
mod memcpy;
mod phys;
mod pvh;

pub use boot::{Boot, KERNEL_STACK_SIZE, MAX_BOOT_REGIONS};
pub use cpu::{
    breakpoint, enable_sse, interrupts_off, ramdisk, rdrand, rdtsc, touch, triple_fault,
    wait_for_interrupt, without_interrupts,
};
pub use hooks::{Hooks, set_hooks};

pub use fiber::{
    Fibers, available as preemption_available, handler_bytes, set_in_host, set_nested, slice_over,
};
pub use heap::{heap_usage, init_heap};
pub use idt::{breakpoints, init_interrupts, set_tick_hz, ticks};
pub use phys::PhysView;

/// Loads the GDT (with a TSS whose IST stacks catch double faults and page faults, so a
/// kernel stack overflow is reported instead of triple-faulting) and the IDT. `stack_bottom`
/// and `stack_len` describe the boot stack, so a fault in its guard page is named as an
/// overflow.
pub fn init_cpu_tables(stack_bottom: u64, stack_len: u64) {
    gdt::init();
    idt::init(stack_bottom, stack_len);
}
