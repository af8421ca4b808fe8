//! QEMU's `isa-debug-exit` device at port 0xf4: writing `v` makes QEMU exit with status
//! `(v << 1) | 1`. The kernel uses two values so the host can tell pass from fail; any other
//! QEMU status (0 after a triple fault, a timeout) is a failure.

use x86_64::instructions::port::Port;

/// The I/O port the boot tool configures the device at.
pub const EXIT_PORT: u16 = 0xf4;

/// Exit codes written to the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum ExitCode {
    /// The kernel finished its job (QEMU exits 33).
    Success = 0x10,
    /// A panic, CPU exception or failed self-test (QEMU exits 35).
    Failure = 0x11,
}

/// Leaves QEMU with `code` when the device is there; returns when it is not.
pub fn signal_qemu(code: ExitCode) {
    let mut port = Port::<u32>::new(EXIT_PORT);
    // SAFETY: port 0xf4 is the isa-debug-exit device the boot tool attaches; on a machine
    // without it the write is ignored by the chipset.
    unsafe { port.write(code as u32) };
}

/// Leaves QEMU with `code`. On hardware without the device, halts forever.
pub fn exit_qemu(code: ExitCode) -> ! {
    signal_qemu(code);
    loop {
        x86_64::instructions::interrupts::disable();
        x86_64::instructions::hlt();
    }
}
