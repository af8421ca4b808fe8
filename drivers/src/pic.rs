//! The two chained 8259 PICs, remapped so IRQ 0–15 arrive as vectors 32–47 (clear of the
//! CPU exceptions).

use pic8259::ChainedPics;

/// Vector of IRQ 0.
pub const PIC1_OFFSET: u8 = 32;
/// Vector of IRQ 8.
pub const PIC2_OFFSET: u8 = PIC1_OFFSET + 8;

/// The remapped controller pair.
pub struct Pics(ChainedPics);

impl Pics {
    /// Describes the standard PC pair at their standard ports; touches no hardware.
    pub const fn new() -> Self {
        // SAFETY: these are the standard 8259 ports on every PC and QEMU machine, and the
        // offsets do not overlap CPU exception vectors.
        Self(unsafe { ChainedPics::new(PIC1_OFFSET, PIC2_OFFSET) })
    }

    /// Remaps both PICs and unmasks exactly the IRQ lines in `enabled` (bit n = IRQ n).
    pub fn init(&mut self, enabled: u16) {
        let mask = !enabled;
        // SAFETY: called once during boot with interrupts disabled; the IDT has handlers for
        // every vector the PICs can now raise.
        unsafe {
            self.0.initialize();
            self.0.write_masks(mask as u8, (mask >> 8) as u8);
        }
    }

    /// Acknowledges the interrupt on `vector`.
    pub fn end_of_interrupt(&mut self, vector: u8) {
        // SAFETY: only called from the handler of `vector`, which the PICs raised.
        unsafe { self.0.notify_end_of_interrupt(vector) };
    }
}

impl Default for Pics {
    fn default() -> Self {
        Self::new()
    }
}
