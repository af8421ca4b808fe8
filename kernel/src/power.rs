//! Switching the VM off when its work is done, on any VM: QEMU's isa-debug-exit first
//! (present in the boot tool's runs, where it carries pass/fail to the host), then ACPI
//! soft-off (S5) with the registers the firmware's tables name — what real hypervisors and
//! plain QEMU offer — and, should both be absent, a halt. The tables are read once at boot
//! ([`init`]), while nothing else is running.

use drivers::exit::{ExitCode, signal_qemu};
use kcore::acpi::{self, Power};
use spin::Once;

use crate::arch::Boot;
use crate::arch::PhysView;

static POWER: Once<Option<Power>> = Once::new();

/// Finds the power-off and reset registers in the ACPI tables.
pub fn init(boot: &Boot<'_>) {
    POWER.call_once(|| {
        let mem = PhysView::new(boot);
        let Some(rsdp) = acpi::find_rsdp(&mem, boot.rsdp) else {
            log::info!("acpi: no RSDP; power-off will halt");
            return None;
        };
        match acpi::power(&mem, rsdp) {
            Ok(p) => {
                log::info!(
                    "acpi: PM1a control {:#x}, S5 sleep type {}, reset {:?}",
                    p.pm1a_cnt,
                    p.s5.0,
                    p.reset
                );
                Some(p)
            }
            Err(e) => {
                log::info!("acpi: {e}; power-off will halt");
                None
            }
        }
    });
}

/// Restarts the machine (`reboot`): the ACPI reset register, the keyboard controller's
/// reset line, or a triple fault (`drivers::power::reset`). Under the boot tool's
/// `-no-reboot`, QEMU exits instead.
pub fn reboot() -> ! {
    crate::arch::interrupts_off();
    drivers::power::reset(POWER.get().and_then(Option::as_ref))
}

/// Ends the VM after a finished job: isa-debug-exit with `code` when present, else ACPI
/// soft-off, else halts. A failure (panic, exception) only halts when there is no exit
/// device, leaving its report on the screen, as Linux does.
pub fn off(code: ExitCode) -> ! {
    signal_qemu(code);
    if code == ExitCode::Success
        && let Some(Some(p)) = POWER.get()
    {
        drivers::power::acpi_power_off(p);
        log::warn!("acpi: soft-off did not take");
    }
    crate::arch::interrupts_off();
    loop {
        x86_64::instructions::hlt();
    }
}
