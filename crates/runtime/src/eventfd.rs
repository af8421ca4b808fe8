//! The counter behind an event descriptor (`fd_event`, libc's `eventfd`), with Linux's
//! semantics: a write adds its 8-byte value, a read takes the whole count (or, as a
//! semaphore, 1) and blocks while the count is 0; the count never exceeds
//! [`MAX`], and a write that would pass it blocks until a read makes room.

use abi::Errno;

/// The largest count (`0xffff_ffff_ffff_fffe`): a write of `u64::MAX` is INVAL.
pub const MAX: u64 = u64::MAX - 1;

/// Bytes one read or write moves: the count as a little-endian u64.
pub const SIZE: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    value: u64,
    semaphore: bool,
}

impl Counter {
    /// A counter holding `initial`; INVAL past [`MAX`].
    pub fn new(initial: u64, semaphore: bool) -> Result<Self, Errno> {
        if initial > MAX {
            return Err(Errno::Inval);
        }
        Ok(Self {
            value: initial,
            semaphore,
        })
    }

    /// A read would not block.
    pub fn readable(&self) -> bool {
        self.value > 0
    }

    /// A write of 1 would not block.
    pub fn writable(&self) -> bool {
        self.value < MAX
    }

    /// What a read gets: the count (reset to 0), or 1 for a semaphore (the count goes
    /// down by 1); None while the count is 0 (the read blocks).
    pub fn take(&mut self) -> Option<u64> {
        if self.value == 0 {
            return None;
        }
        let got = if self.semaphore { 1 } else { self.value };
        self.value -= got;
        Some(got)
    }

    /// Adds `n`: false (nothing changed) when the count would pass [`MAX`], where the
    /// write blocks; INVAL for `u64::MAX`, which no count can take.
    pub fn add(&mut self, n: u64) -> Result<bool, Errno> {
        if n == u64::MAX {
            return Err(Errno::Inval);
        }
        match self.value.checked_add(n).filter(|&v| v <= MAX) {
            Some(v) => {
                self.value = v;
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_takes_the_whole_count_and_then_blocks() {
        let mut c = Counter::new(3, false).unwrap();
        assert!(c.readable());
        assert_eq!(c.add(5), Ok(true));
        assert_eq!(c.take(), Some(8));
        assert!(!c.readable());
        assert_eq!(c.take(), None);
        assert!(c.writable());
    }

    #[test]
    fn a_semaphore_counts_down_by_one() {
        let mut c = Counter::new(2, true).unwrap();
        assert_eq!(c.take(), Some(1));
        assert_eq!(c.take(), Some(1));
        assert_eq!(c.take(), None);
        assert_eq!(c.add(1), Ok(true));
        assert_eq!(c.take(), Some(1));
    }

    #[test]
    fn the_count_stops_at_max_and_u64_max_is_invalid() {
        assert_eq!(Counter::new(u64::MAX, false), Err(Errno::Inval));
        let mut c = Counter::new(MAX - 1, false).unwrap();
        assert!(c.writable());
        assert_eq!(c.add(1), Ok(true));
        assert!(!c.writable());
        // Past MAX: the write blocks and changes nothing.
        assert_eq!(c.add(1), Ok(false));
        assert_eq!(c.add(u64::MAX), Err(Errno::Inval));
        assert_eq!(c.take(), Some(MAX));
        assert_eq!(c.add(0), Ok(true));
        assert!(!c.readable());
    }
}
