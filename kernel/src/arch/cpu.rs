//! Small CPU helpers: the time-stamp counter, interrupt masking, RDRAND, deliberate
//! faults for the harness. A leaf: the rest of `arch` builds on it.

/// Lets the CPU run SSE instructions: clears CR0.EM (no x87 emulation trap), sets CR0.MP
/// and CR4.OSFXSR / CR4.OSXMMEXCPT. The kernel is compiled for SSE2 (wasmi's copies and
/// floating point use it), so this runs first thing at entry. Processes never switch in
/// the middle of kernel code: a slice is suspended only from the timer interrupt, whose
/// handler (`x86-interrupt`) saves every XMM register it or what it calls may clobber —
/// the switch included — on the suspended slice's own stack.
#[inline(always)]
pub fn enable_sse() {
    use x86_64::registers::control::{Cr0, Cr0Flags, Cr4, Cr4Flags};
    let mut cr0 = Cr0::read();
    cr0.remove(Cr0Flags::EMULATE_COPROCESSOR);
    cr0.insert(Cr0Flags::MONITOR_COPROCESSOR);
    let mut cr4 = Cr4::read();
    cr4.insert(Cr4Flags::OSFXSR | Cr4Flags::OSXMMEXCPT_ENABLE);
    // SAFETY: only the FPU/SSE enable bits change; SSE2 is architectural on x86_64 and
    // nothing has used an SSE register yet.
    unsafe {
        Cr0::write(cr0);
        Cr4::write(cr4);
    }
}

/// The time-stamp counter.
pub fn rdtsc() -> u64 {
    // SAFETY: RDTSC has no side effects and is available on every x86_64 CPU.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Disables maskable interrupts.
pub fn interrupts_off() {
    x86_64::instructions::interrupts::disable();
}

/// Enables interrupts and halts until the next one arrives, atomically (no lost wake-up).
pub fn wait_for_interrupt() {
    x86_64::instructions::interrupts::enable_and_hlt();
}

/// Runs `f` with interrupts disabled, restoring the previous state afterwards.
pub fn without_interrupts<R>(f: impl FnOnce() -> R) -> R {
    x86_64::instructions::interrupts::without_interrupts(f)
}

/// Raises a breakpoint exception (the self-test checks the handler returns).
pub fn breakpoint() {
    x86_64::instructions::interrupts::int3();
}

/// Reads the byte at `addr` — used only by the `pagefault` test to fault on purpose.
pub fn touch(addr: u64) -> u8 {
    // SAFETY: deliberately unsound when `addr` is unmapped: the page-fault handler reports
    // the access and stops the machine, which is the behaviour under test.
    unsafe { core::ptr::read_volatile(addr as *const u8) }
}

/// The ramdisk the bootloader loaded, or an empty slice.
pub fn ramdisk(boot_info: &bootloader_api::BootInfo) -> &'static [u8] {
    match boot_info.ramdisk_addr.into_option() {
        Some(addr) if boot_info.ramdisk_len > 0 => {
            // SAFETY: the bootloader mapped the ramdisk at `addr` for `ramdisk_len` bytes,
            // read-only use, for the kernel's whole lifetime, and marked its frames as used.
            unsafe {
                core::slice::from_raw_parts(addr as *const u8, boot_info.ramdisk_len as usize)
            }
        }
        _ => &[],
    }
}

/// Loads an empty IDT and raises an exception: the CPU triple-faults and QEMU (with
/// `-no-reboot`) exits with status 0. Used only by the harness test that checks such an
/// exit is never taken for success.
pub fn triple_fault() -> ! {
    use x86_64::structures::DescriptorTablePointer;
    let empty = DescriptorTablePointer {
        limit: 0,
        base: x86_64::VirtAddr::new(0),
    };
    // SAFETY: deliberately breaks exception delivery; the next exception resets the machine,
    // which is the behaviour under test. Nothing runs after it.
    unsafe { x86_64::instructions::tables::lidt(&empty) };
    breakpoint();
    loop {
        x86_64::instructions::hlt();
    }
}

/// A hardware random number from RDRAND, or `None` when the CPU lacks it or it fails.
pub fn rdrand() -> Option<u64> {
    // CPUID leaf 1, ECX bit 30 = RDRAND.
    let leaf1 = core::arch::x86_64::__cpuid(1);
    if leaf1.ecx & (1 << 30) == 0 {
        return None;
    }
    for _ in 0..10 {
        let mut v = 0u64;
        // SAFETY: CPUID just reported RDRAND support, which is all the intrinsic requires.
        if unsafe { rdrand_step(&mut v) } == 1 {
            return Some(v);
        }
    }
    None
}

/// One RDRAND attempt; callable only where the CPU supports RDRAND.
#[target_feature(enable = "rdrand")]
fn rdrand_step(v: &mut u64) -> i32 {
    core::arch::x86_64::_rdrand64_step(v)
}
