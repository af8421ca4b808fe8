//! Clock maths: turning TSC ticks into nanoseconds after calibrating against the PIT, PIT
//! divisors, and the CMOS RTC's calendar (often BCD-encoded) into Unix time.

/// The PIT's input clock in Hz.
pub const PIT_HZ: u64 = 1_193_182;

/// The PIT reload value for an interrupt rate of `hz`, clamped to what the 16-bit counter
/// can express (about 19 Hz to 1.19 MHz).
pub fn pit_divisor(hz: u32) -> u16 {
    let hz = u64::from(hz.max(1));
    let div = (PIT_HZ + hz / 2) / hz;
    div.clamp(1, u64::from(u16::MAX)) as u16
}

/// The rate the PIT really runs at with `divisor`, in millihertz.
pub fn pit_rate_mhz(divisor: u16) -> u64 {
    PIT_HZ * 1000 / u64::from(divisor.max(1))
}

/// A calibrated time-stamp counter: converts raw TSC readings into nanoseconds since boot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TscClock {
    base: u64,
    hz: u64,
}

impl TscClock {
    /// A clock whose zero is the TSC value `base`, ticking at `hz` (clamped to >= 1).
    pub const fn new(base: u64, hz: u64) -> Self {
        Self {
            base,
            hz: if hz == 0 { 1 } else { hz },
        }
    }

    /// Calibrates from a measurement: the TSC advanced `tsc_delta` while `ns` nanoseconds of
    /// reference time passed.
    pub fn calibrate(base: u64, tsc_delta: u64, ns: u64) -> Self {
        let hz = (u128::from(tsc_delta) * 1_000_000_000 / u128::from(ns.max(1))) as u64;
        Self::new(base, hz)
    }

    /// Ticks per second.
    pub fn hz(&self) -> u64 {
        self.hz
    }

    /// Nanoseconds between the base and the reading `tsc` (0 if `tsc` is earlier).
    pub fn ns(&self, tsc: u64) -> u64 {
        let ticks = tsc.saturating_sub(self.base);
        (u128::from(ticks) * 1_000_000_000 / u128::from(self.hz)) as u64
    }
}

/// A calendar time as the RTC reports it (already decoded from BCD, 24-hour).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    pub year: u32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

/// Decodes one BCD byte (0x59 → 59).
pub fn bcd_to_bin(v: u8) -> u8 {
    (v & 0x0f) + (v >> 4) * 10
}

/// Converts a 12-hour RTC hour byte (bit 7 = PM) to 0..=23.
pub fn hour_from_12h(raw: u8) -> u8 {
    let pm = raw & 0x80 != 0;
    let h = raw & 0x7f;
    match (pm, h) {
        (false, 12) => 0,
        (true, 12) => 12,
        (true, h) => h + 12,
        (false, h) => h,
    }
}

impl DateTime {
    /// Seconds since 1970-01-01T00:00:00Z, or `None` for an impossible date.
    pub fn unix_seconds(&self) -> Option<u64> {
        if !(1..=12).contains(&self.month)
            || !(1..=31).contains(&self.day)
            || self.hour > 23
            || self.minute > 59
            || self.second > 60
            || self.year < 1970
        {
            return None;
        }
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let mp = if m > 2 { m - 3 } else { m + 9 };
        let doy = (153 * mp + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        let secs = days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second);
        u64::try_from(secs).ok()
    }
}

impl core::fmt::Display for DateTime {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pit_divisor_rounds_and_clamps() {
        assert_eq!(pit_divisor(1000), 1193);
        assert_eq!(pit_divisor(100), 11932);
        assert_eq!(pit_divisor(1), u16::MAX);
        assert_eq!(pit_divisor(u32::MAX), 1);
        assert_eq!(pit_rate_mhz(1193), 1_000_152);
    }

    #[test]
    fn tsc_calibration_and_conversion() {
        let c = TscClock::calibrate(1000, 30_000_000, 10_000_000); // 3 GHz
        assert_eq!(c.hz(), 3_000_000_000);
        assert_eq!(c.ns(1000 + 3_000_000_000), 1_000_000_000);
        assert_eq!(c.ns(0), 0);
        // No overflow after a century of uptime at 5 GHz.
        let c = TscClock::new(0, 5_000_000_000);
        assert_eq!(
            c.ns(5_000_000_000 * 3_153_600_000),
            3_153_600_000 * 1_000_000_000
        );
    }

    #[test]
    fn rtc_decoding() {
        assert_eq!(bcd_to_bin(0x59), 59);
        assert_eq!(hour_from_12h(0x80 | 12), 12);
        assert_eq!(hour_from_12h(12), 0);
        assert_eq!(hour_from_12h(0x80 | 3), 15);
        let t = DateTime {
            year: 2026,
            month: 11,
            day: 28,
            hour: 3,
            minute: 44,
            second: 20,
        };
        assert_eq!(t.unix_seconds(), Some(1_795_837_460));
        let epoch = DateTime {
            year: 1970,
            month: 1,
            day: 1,
            hour: 0,
            minute: 0,
            second: 0,
        };
        assert_eq!(epoch.unix_seconds(), Some(0));
        let leap = DateTime {
            year: 2024,
            month: 2,
            day: 29,
            hour: 12,
            minute: 0,
            second: 0,
        };
        assert_eq!(leap.unix_seconds(), Some(1_709_208_000));
        let bad = DateTime { month: 13, ..epoch };
        assert_eq!(bad.unix_seconds(), None);
    }
}
