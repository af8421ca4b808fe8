//! The 8254 programmable interval timer: channel 0 drives the periodic tick (IRQ 0) and
//! channel 2, gated through port 0x61, serves as a one-shot reference for calibrating the TSC.

use kcore::time::{PIT_HZ, pit_divisor};
use x86_64::instructions::port::Port;

const CHANNEL0: u16 = 0x40;
const CHANNEL2: u16 = 0x42;
const COMMAND: u16 = 0x43;
const GATE: u16 = 0x61;

/// Starts channel 0 as a rate generator at (about) `hz`; returns the divisor used.
pub fn start_periodic(hz: u32) -> u16 {
    let divisor = pit_divisor(hz);
    // SAFETY: the PIT's command and channel-0 ports; mode 2 (rate generator), lobyte/hibyte.
    unsafe {
        Port::<u8>::new(COMMAND).write(0x34);
        let mut ch0 = Port::<u8>::new(CHANNEL0);
        ch0.write(divisor as u8);
        ch0.write((divisor >> 8) as u8);
    }
    divisor
}

/// Busy-waits for `micros` microseconds (at most ~54 ms) using channel 2 in one-shot mode,
/// calling `sample` right after the count starts and right after it ends. Used to
/// calibrate the TSC; interrupts may stay enabled.
pub fn one_shot_wait(micros: u32, mut sample: impl FnMut()) {
    let count = (u64::from(micros) * PIT_HZ / 1_000_000).clamp(1, 0xffff) as u16;
    let mut gate = Port::<u8>::new(GATE);
    // SAFETY: ports 0x61 (speaker/gate control) and the PIT's channel 2; the speaker output
    // bit is cleared so nothing sounds, and no other code uses channel 2.
    unsafe {
        let g = gate.read();
        gate.write((g & !0x02) & !0x01);
        Port::<u8>::new(COMMAND).write(0xb0); // channel 2, lobyte/hibyte, mode 0
        let mut ch2 = Port::<u8>::new(CHANNEL2);
        ch2.write(count as u8);
        ch2.write((count >> 8) as u8);
        let g = gate.read();
        gate.write(g | 0x01); // gate high: counting starts
        sample();
        while gate.read() & 0x20 == 0 {
            core::hint::spin_loop();
        }
        sample();
        let g = gate.read();
        gate.write(g & !0x01);
    }
}
