//! Allocation-failure injection (issue 14): the kernel command line's `failalloc=` makes
//! the kernel's *fallible* memory paths fail on demand, so the error paths behind them —
//! NOMEM, AGAIN, a refused spawn — run in CI instead of only on a machine out of memory.
//!
//! What can be failed, and why only that: the global allocator cannot be told to fail the
//! Nth allocation, because most kernel allocations are infallible by construction
//! (`Vec::push`, `Box::new`, wasmi's own internals) and a null from the allocator there
//! aborts the kernel — a test of that would only prove that infallible code is infallible.
//! Failing only the allocations made inside a fallible helper through the global allocator
//! is not safe either: an interrupt handler or a logger that allocates in that window
//! would be failed too. So the injection targets the two kinds of *decision* the kernel
//! makes before it allocates on a guest's behalf, which is exactly where a real shortage
//! is met:
//!
//! - every guest-driven `try_reserve` goes through [`reserve`] (or [`reserve_str`]), which
//!   can answer NOMEM without asking the allocator;
//! - every check of the free heap against a need (`memory.grow`, table growth, spawn,
//!   fork, module compilation, pipe buffers, file data) goes through [`available`], which
//!   can report the heap as exhausted (0 bytes free).
//!
//! Each of those calls is one *check*, numbered from 1 in the order they happen. The mode
//! decides which checks fail: `nth:A,B,…` fails exactly the checks numbered A, B, …
//! (at most [`MAX_NTH`]); `random:SEED[:ONE_IN]` fails each check with probability
//! 1/ONE_IN (default 64), from a xorshift generator seeded with SEED, so a run can be
//! repeated. [`stats`] counts checks and failures; the kernel logs them at the end of a
//! run, so a test can assert that failures were really injected.
//!
//! The state is global (atomics: the kernel runs on one core, and the runtime's host
//! tests never arm it — [`Injector`] itself is tested as a local value).

use core::panic::Location;
use core::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use abi::Errno;
use alloc::string::String;
use alloc::vec::Vec;

/// Most check numbers `nth:` takes.
pub const MAX_NTH: usize = 8;
/// Failures logged one by one (with the code location that asked); later ones are only
/// counted.
const LOGGED: u64 = 32;

/// Which checks fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Nothing is injected (the default).
    Off,
    /// Exactly the checks with these numbers (unused slots are 0, which no check has).
    Nth([u64; MAX_NTH]),
    /// Each check with probability 1/`one_in`, from a generator seeded with `seed`.
    Random { seed: u64, one_in: u64 },
}

impl Mode {
    /// Parses a `failalloc=` value: `nth:A[,B…]` or `random:SEED[:ONE_IN]`; `None` when
    /// it is neither (numbers are decimal; 0 is not a check number, ONE_IN is at least 1).
    pub fn parse(s: &str) -> Option<Mode> {
        if let Some(list) = s.strip_prefix("nth:") {
            let mut nth = [0u64; MAX_NTH];
            for (i, part) in list.split(',').enumerate() {
                *nth.get_mut(i)? = part.parse().ok().filter(|&n| n > 0)?;
            }
            return Some(Mode::Nth(nth));
        }
        let rest = s.strip_prefix("random:")?;
        let (seed, one_in) = match rest.split_once(':') {
            Some((seed, one_in)) => (seed, one_in.parse().ok().filter(|&n| n > 0)?),
            None => (rest, 64),
        };
        Some(Mode::Random {
            seed: seed.parse().ok()?,
            one_in,
        })
    }
}

/// Checks made and failures injected so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    pub checks: u64,
    pub injected: u64,
}

const OFF: u8 = 0;
const NTH: u8 = 1;
const RANDOM: u8 = 2;

/// The injection state: a mode, a check counter and a failure counter.
pub struct Injector {
    mode: AtomicU8,
    nth: [AtomicU64; MAX_NTH],
    /// The generator's state (random mode) and its 1-in rate.
    rng: AtomicU64,
    one_in: AtomicU64,
    checks: AtomicU64,
    injected: AtomicU64,
}

impl Injector {
    /// Off.
    pub const fn new() -> Self {
        Self {
            mode: AtomicU8::new(OFF),
            nth: [const { AtomicU64::new(0) }; MAX_NTH],
            rng: AtomicU64::new(0),
            one_in: AtomicU64::new(1),
            checks: AtomicU64::new(0),
            injected: AtomicU64::new(0),
        }
    }

    /// Sets the mode and starts counting from zero.
    pub fn arm(&self, mode: Mode) {
        self.mode.store(OFF, Ordering::SeqCst);
        self.checks.store(0, Ordering::SeqCst);
        self.injected.store(0, Ordering::SeqCst);
        match mode {
            Mode::Off => {}
            Mode::Nth(list) => {
                for (slot, n) in self.nth.iter().zip(list) {
                    slot.store(n, Ordering::SeqCst);
                }
                self.mode.store(NTH, Ordering::SeqCst);
            }
            Mode::Random { seed, one_in } => {
                // xorshift needs a non-zero state; spread the seed so 1, 2, 3 differ.
                let state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
                self.rng.store(state, Ordering::SeqCst);
                self.one_in.store(one_in.max(1), Ordering::SeqCst);
                self.mode.store(RANDOM, Ordering::SeqCst);
            }
        }
    }

    /// Counts one check and decides whether it fails. Off: always `false`, not counted.
    pub fn check(&self) -> bool {
        let mode = self.mode.load(Ordering::Relaxed);
        if mode == OFF {
            return false;
        }
        let n = self.checks.fetch_add(1, Ordering::Relaxed) + 1;
        let fail = match mode {
            NTH => self.nth.iter().any(|s| s.load(Ordering::Relaxed) == n),
            _ => {
                let mut x = self.rng.load(Ordering::Relaxed);
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                self.rng.store(x, Ordering::Relaxed);
                x.is_multiple_of(self.one_in.load(Ordering::Relaxed))
            }
        };
        if fail {
            self.injected.fetch_add(1, Ordering::Relaxed);
        }
        fail
    }

    /// Checks and failures so far.
    pub fn stats(&self) -> Stats {
        Stats {
            checks: self.checks.load(Ordering::Relaxed),
            injected: self.injected.load(Ordering::Relaxed),
        }
    }
}

impl Default for Injector {
    fn default() -> Self {
        Self::new()
    }
}

/// The kernel's injector, armed from the command line.
static INJECTOR: Injector = Injector::new();

/// Arms the kernel-wide injector (the kernel, from `failalloc=`).
pub fn arm(mode: Mode) {
    INJECTOR.arm(mode);
}

/// Checks made and failures injected by the kernel-wide injector.
pub fn stats() -> Stats {
    INJECTOR.stats()
}

/// One check of the kernel-wide injector: `true` when this one is to fail. Logs the
/// failure with where it was asked for.
#[track_caller]
pub fn fail() -> bool {
    let failed = INJECTOR.check();
    if failed {
        let s = INJECTOR.stats();
        let at = Location::caller();
        if s.injected <= LOGGED {
            log::info!(
                "failalloc: check {} fails at {}:{}",
                s.checks,
                at.file(),
                at.line()
            );
        } else {
            log::debug!(
                "failalloc: check {} fails at {}:{}",
                s.checks,
                at.file(),
                at.line()
            );
        }
    }
    failed
}

/// The free heap a headroom check sees: `free`, or 0 when this check is to fail. Unknown
/// (`None`, a platform that does not tell) stays unknown and is not a check.
#[track_caller]
pub fn available(free: Option<usize>) -> Option<usize> {
    let free = free?;
    Some(if fail() { 0 } else { free })
}

/// `v.try_reserve_exact(additional)`, NOMEM when it fails or this check is to fail.
#[track_caller]
pub fn reserve<T>(v: &mut Vec<T>, additional: usize) -> Result<(), Errno> {
    if fail() {
        return Err(Errno::NoMem);
    }
    v.try_reserve_exact(additional).map_err(|_| Errno::NoMem)
}

/// [`reserve`] for a `String`.
#[track_caller]
pub fn reserve_str(s: &mut String, additional: usize) -> Result<(), Errno> {
    if fail() {
        return Err(Errno::NoMem);
    }
    s.try_reserve_exact(additional).map_err(|_| Errno::NoMem)
}

#[cfg(test)]
mod tests {
    use super::{Injector, MAX_NTH, Mode, Stats};

    #[test]
    fn parses_the_command_line_values() {
        let mut nth = [0; MAX_NTH];
        nth[..3].copy_from_slice(&[5, 50, 500]);
        assert_eq!(Mode::parse("nth:5,50,500"), Some(Mode::Nth(nth)));
        assert_eq!(
            Mode::parse("random:7"),
            Some(Mode::Random {
                seed: 7,
                one_in: 64
            })
        );
        assert_eq!(
            Mode::parse("random:7:10"),
            Some(Mode::Random {
                seed: 7,
                one_in: 10
            })
        );
        for bad in [
            "",
            "nth:",
            "nth:0",
            "nth:1,,2",
            "nth:1,2,3,4,5,6,7,8,9",
            "random:",
            "random:x",
            "random:1:0",
            "every:3",
        ] {
            assert_eq!(Mode::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn nth_fails_exactly_the_listed_checks() {
        let inj = Injector::new();
        assert!(!(0..100).any(|_| inj.check()), "off fails nothing");
        assert_eq!(inj.stats(), Stats::default(), "off counts nothing");
        inj.arm(Mode::parse("nth:3,10").unwrap());
        let failed: Vec<u64> = (1..=20).filter(|_| inj.check()).collect();
        assert_eq!(failed, [3, 10]);
        assert_eq!(
            inj.stats(),
            Stats {
                checks: 20,
                injected: 2
            }
        );
    }

    #[test]
    fn random_fails_about_one_in_n_and_repeats_with_its_seed() {
        let run = |seed| {
            let inj = Injector::new();
            inj.arm(Mode::Random { seed, one_in: 16 });
            let failed: Vec<bool> = (0..16_000).map(|_| inj.check()).collect();
            (failed, inj.stats())
        };
        let (a, stats) = run(42);
        assert_eq!(run(42).0, a, "same seed, same failures");
        assert_ne!(run(43).0, a, "another seed, other failures");
        assert_eq!(stats.checks, 16_000);
        assert!(
            (700..1300).contains(&stats.injected),
            "{} failures for 1 in 16 of 16000",
            stats.injected
        );
    }
}
