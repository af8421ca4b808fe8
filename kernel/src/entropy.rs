//! Kernel randomness for `random_get`: RDRAND when the CPU has it, otherwise a ChaCha20
//! generator seeded from TSC jitter (timings of port I/O and of the PIT, which vary from
//! boot to boot under both hardware and emulation) mixed with the RTC time.

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

use crate::arch;

/// The kernel's random source.
pub struct Entropy {
    hardware: bool,
    rng: ChaCha20Rng,
}

impl Entropy {
    /// Seeds the generator; probes for RDRAND.
    pub fn new() -> Self {
        let hardware = arch::rdrand().is_some();
        let mut seed = [0u8; 32];
        let mut acc = crate::time::realtime_ns() ^ 0x6a09_e667_f3bc_c908;
        for (i, chunk) in seed.chunks_mut(8).enumerate() {
            for _ in 0..64 {
                let t0 = arch::rdtsc();
                let _ = crate::time::monotonic_ns();
                let jitter = arch::rdtsc().wrapping_sub(t0);
                acc = (acc ^ jitter)
                    .rotate_left(17)
                    .wrapping_mul(0x9e37_79b9_7f4a_7c15);
            }
            let hw = arch::rdrand().unwrap_or(0);
            chunk.copy_from_slice(&(acc ^ hw ^ i as u64).to_le_bytes());
        }
        Self {
            hardware,
            rng: ChaCha20Rng::from_seed(seed),
        }
    }

    /// Whether RDRAND is in use.
    pub fn hardware(&self) -> bool {
        self.hardware
    }

    /// Fills `buf` with random bytes.
    pub fn fill(&mut self, buf: &mut [u8]) {
        if self.hardware {
            for chunk in buf.chunks_mut(8) {
                match arch::rdrand() {
                    Some(v) => chunk.copy_from_slice(&v.to_le_bytes()[..chunk.len()]),
                    None => self.rng.fill_bytes(chunk),
                }
            }
        } else {
            self.rng.fill_bytes(buf);
        }
    }
}
