//! What `arch` calls back into the kernel for, handed over once at start so that `arch`
//! imports nothing above it: the emergency console (exception and stack-overflow reports)
//! and the serial port's receive handler (COM1's interrupt).

use core::fmt;

use spin::Once;

/// The kernel's callbacks.
pub struct Hooks {
    /// Writes a report without locks or allocation (the fault may be inside either).
    pub emergency: fn(fmt::Arguments<'_>),
    /// Drains the serial port's receive register (from COM1's interrupt).
    pub serial_receive: fn(),
}

static HOOKS: Once<Hooks> = Once::new();

/// Hands `arch` the kernel's callbacks; the first call wins.
pub fn set_hooks(hooks: Hooks) {
    HOOKS.call_once(|| hooks);
}

/// Reports through the kernel's emergency console (nothing before [`set_hooks`]).
pub(super) fn emergency(args: fmt::Arguments<'_>) {
    if let Some(h) = HOOKS.get() {
        (h.emergency)(args);
    }
}

/// Runs the kernel's serial receive handler.
pub(super) fn serial_receive() {
    if let Some(h) = HOOKS.get() {
        (h.serial_receive)();
    }
}
