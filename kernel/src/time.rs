//! Kernel time: the PIT drives a periodic tick; the TSC, calibrated against the PIT at boot,
//! gives a monotonic nanosecond clock whose zero is kernel entry; the CMOS RTC, read once,
//! anchors wall-clock (realtime) time.

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use kcore::time::{DateTime, TscClock, pit_rate_mhz};
use spin::Once;

use crate::arch;

/// Timer interrupt rate unless the command line sets `hz=`.
pub const DEFAULT_HZ: u32 = 100;
const CALIBRATION_US: u32 = 20_000;
const CALIBRATION_ROUNDS: usize = 3;

static CLOCK: Once<TscClock> = Once::new();
static TICK_MHZ: AtomicU32 = AtomicU32::new(0);
static BOOT_DT: Once<DateTime> = Once::new();
static RTC_UNIX_S: AtomicU64 = AtomicU64::new(0);
static RTC_READ_AT_NS: AtomicU64 = AtomicU64::new(0);

/// Starts the periodic tick at `hz`, calibrates the TSC (zero = `t_entry`) and reads the RTC.
pub fn init(hz: u32, t_entry: u64) {
    let divisor = drivers::pit::start_periodic(hz);
    TICK_MHZ.store(pit_rate_mhz(divisor) as u32, Ordering::Relaxed);
    arch::set_tick_hz(tick_hz());

    // The median of a few PIT one-shots, so a slow emulator step does not skew the rate.
    let mut rates = [0u64; CALIBRATION_ROUNDS];
    for rate in &mut rates {
        let mut samples = [0u64; 2];
        let mut i = 0;
        drivers::pit::one_shot_wait(CALIBRATION_US, || {
            samples[i.min(1)] = arch::rdtsc();
            i += 1;
        });
        let delta = samples[1].saturating_sub(samples[0]);
        *rate = TscClock::calibrate(0, delta, u64::from(CALIBRATION_US) * 1000).hz();
    }
    rates.sort_unstable();
    CLOCK.call_once(|| TscClock::new(t_entry, rates[CALIBRATION_ROUNDS / 2]));

    let dt = drivers::rtc::read();
    RTC_READ_AT_NS.store(monotonic_ns(), Ordering::Relaxed);
    RTC_UNIX_S.store(dt.unix_seconds().unwrap_or(0), Ordering::Relaxed);
    BOOT_DT.call_once(|| dt);
}

/// The calibrated TSC clock (an uncalibrated 1 GHz guess before `init`).
pub fn tsc() -> TscClock {
    CLOCK
        .get()
        .copied()
        .unwrap_or(TscClock::new(0, 1_000_000_000))
}

/// Nanoseconds since kernel entry; never decreases.
pub fn monotonic_ns() -> u64 {
    match CLOCK.get() {
        Some(c) => c.ns(arch::rdtsc()),
        None => 0,
    }
}

/// Nanoseconds since the Unix epoch, anchored on the RTC reading at boot.
pub fn realtime_ns() -> u64 {
    let since_read = monotonic_ns().saturating_sub(RTC_READ_AT_NS.load(Ordering::Relaxed));
    RTC_UNIX_S
        .load(Ordering::Relaxed)
        .saturating_mul(1_000_000_000)
        .saturating_add(since_read)
}

/// The timer interrupt rate actually programmed, in whole Hz.
pub fn tick_hz() -> u32 {
    TICK_MHZ.load(Ordering::Relaxed) / 1000
}

/// The wall-clock time the RTC reported at boot.
pub fn boot_datetime() -> DateTime {
    BOOT_DT.get().copied().unwrap_or(DateTime {
        year: 1970,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
    })
}

/// The RTC's boot reading as Unix seconds.
pub fn boot_unix_seconds() -> u64 {
    RTC_UNIX_S.load(Ordering::Relaxed)
}

/// Halts (interrupts on) until `ns` nanoseconds of monotonic time have passed.
pub fn sleep_ns(ns: u64) {
    let deadline = monotonic_ns().saturating_add(ns);
    while monotonic_ns() < deadline {
        arch::wait_for_interrupt();
    }
}
