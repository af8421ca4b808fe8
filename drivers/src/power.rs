//! Switching the machine off and restarting it, the ways a PC offers: ACPI soft-off (S5)
//! through the PM1 control registers, the ACPI reset register, the keyboard controller's
//! reset line, and last a triple fault. The register addresses come from the firmware's
//! tables, read by `kcore::acpi`.

use kcore::acpi::{PM1_SCI_EN, Power, Register};
use x86_64::instructions::port::Port;

/// Enters ACPI S5 (soft-off). Returns only if the machine is still running afterwards.
pub fn acpi_power_off(p: &Power) {
    let mut pm1a = Port::<u16>::new(p.pm1a_cnt);
    // SAFETY: the port is the PM1a control block the FADT names; reading it has no effect.
    let cnt = unsafe { pm1a.read() };
    if cnt & PM1_SCI_EN == 0 && p.smi_cmd != 0 && p.acpi_enable != 0 {
        // The firmware still owns power management: ask it to hand over (ACPI 4.8.2.1).
        // SAFETY: SMI_CMD and ACPI_ENABLE are the FADT's; this write is their purpose.
        unsafe { Port::<u8>::new(p.smi_cmd).write(p.acpi_enable) };
        for _ in 0..1_000_000 {
            // SAFETY: as above, a read of the PM1a control block.
            if unsafe { pm1a.read() } & PM1_SCI_EN != 0 {
                break;
            }
            core::hint::spin_loop();
        }
    }
    // SAFETY: SLP_TYP for S5 with SLP_EN, written to the FADT's PM1 control blocks, is
    // the ACPI way to switch off; the machine stops here when it works.
    unsafe {
        if let Some(b) = p.pm1b_cnt {
            Port::<u16>::new(b).write(Power::pm1_sleep_value(p.s5.1));
        }
        pm1a.write(Power::pm1_sleep_value(p.s5.0));
    }
}

/// Restarts the machine: the ACPI reset register when there is one (an I/O port; memory
/// ones are skipped), then the 8042 keyboard controller's reset pulse, then a triple fault.
pub fn reset(p: Option<&Power>) -> ! {
    x86_64::instructions::interrupts::disable();
    if let Some((Register::Io(port), value)) = p.and_then(|p| p.reset) {
        // SAFETY: the FADT names this port and value as the reset register.
        unsafe { Port::<u8>::new(port).write(value) };
    }
    // SAFETY: command 0xFE to the 8042's command port pulses the CPU reset line; a PC
    // without the controller ignores it.
    unsafe { Port::<u8>::new(0x64).write(0xfe) };
    // Last resort: an empty IDT makes the next exception a triple fault, which resets.
    let empty = x86_64::structures::DescriptorTablePointer {
        limit: 0,
        base: x86_64::VirtAddr::zero(),
    };
    // SAFETY: deliberately loading an unusable IDT and faulting; nothing runs after this.
    unsafe {
        x86_64::instructions::tables::lidt(&empty);
        core::arch::asm!("int3", options(nomem, nostack));
    }
    loop {
        x86_64::instructions::hlt();
    }
}
