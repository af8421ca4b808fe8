//! The CMOS real-time clock: read once at boot for the wall-clock time.

use kcore::time::{DateTime, bcd_to_bin, hour_from_12h};
use x86_64::instructions::port::Port;

fn read_reg(reg: u8) -> u8 {
    // SAFETY: ports 0x70/0x71 are the CMOS index/data pair; bit 7 of the index is kept set
    // so NMIs stay disabled while we read, as firmware leaves them.
    unsafe {
        Port::<u8>::new(0x70).write(0x80 | reg);
        Port::<u8>::new(0x71).read()
    }
}

fn update_in_progress() -> bool {
    read_reg(0x0a) & 0x80 != 0
}

fn raw_snapshot() -> [u8; 7] {
    while update_in_progress() {
        core::hint::spin_loop();
    }
    [
        read_reg(0x00),
        read_reg(0x02),
        read_reg(0x04),
        read_reg(0x07),
        read_reg(0x08),
        read_reg(0x09),
        read_reg(0x32),
    ]
}

/// The current date and time (UTC, as QEMU presents it), read until two snapshots agree.
pub fn read() -> DateTime {
    let mut last = raw_snapshot();
    for _ in 0..8 {
        let next = raw_snapshot();
        if next == last {
            break;
        }
        last = next;
    }
    let status_b = read_reg(0x0b);
    let binary = status_b & 0x04 != 0;
    let h24 = status_b & 0x02 != 0;
    let dec = |v: u8| if binary { v } else { bcd_to_bin(v) };
    let [sec, min, hour, day, month, year, century] = last;
    let hour = if h24 {
        dec(hour)
    } else {
        let pm = hour & 0x80;
        hour_from_12h(dec(hour & 0x7f) | pm)
    };
    let century = match dec(century) {
        c @ 19..=30 => u32::from(c),
        _ => 20,
    };
    DateTime {
        year: century * 100 + u32::from(dec(year)),
        month: u32::from(dec(month)),
        day: u32::from(dec(day)),
        hour: u32::from(hour),
        minute: u32::from(dec(min)),
        second: u32::from(dec(sec)),
    }
}
