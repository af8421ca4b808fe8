//! A fixed-capacity byte ring buffer: the serial receive queue (filled from the interrupt
//! handler, drained by readers). Pushing into a full buffer drops the new byte and counts it,
//! so an interrupt handler never blocks.

/// Fixed-size FIFO of bytes with `N` slots.
#[derive(Debug)]
pub struct RingBuffer<const N: usize> {
    buf: [u8; N],
    head: usize,
    len: usize,
    dropped: u64,
}

impl<const N: usize> Default for RingBuffer<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> RingBuffer<N> {
    /// An empty buffer.
    pub const fn new() -> Self {
        Self {
            buf: [0; N],
            head: 0,
            len: 0,
            dropped: 0,
        }
    }

    /// Appends `byte`; returns false (and counts a drop) when full.
    pub fn push(&mut self, byte: u8) -> bool {
        if self.len == N {
            self.dropped = self.dropped.saturating_add(1);
            return false;
        }
        let tail = (self.head + self.len) % N;
        self.buf[tail] = byte;
        self.len += 1;
        true
    }

    /// Removes and returns the oldest byte.
    pub fn pop(&mut self) -> Option<u8> {
        if self.len == 0 {
            return None;
        }
        let byte = self.buf[self.head];
        self.head = (self.head + 1) % N;
        self.len -= 1;
        Some(byte)
    }

    /// Moves up to `out.len()` bytes into `out`, oldest first; returns how many.
    pub fn pop_into(&mut self, out: &mut [u8]) -> usize {
        let mut n = 0;
        while n < out.len() {
            match self.pop() {
                Some(b) => {
                    out[n] = b;
                    n += 1;
                }
                None => break,
            }
        }
        n
    }

    /// Bytes waiting.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True when a push would be refused.
    pub fn is_full(&self) -> bool {
        self.len == N
    }

    /// Bytes refused because the buffer was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::RingBuffer;

    #[test]
    fn fifo_order_and_wraparound() {
        let mut r = RingBuffer::<4>::new();
        for round in 0..10u8 {
            assert!(r.push(round));
            assert!(r.push(round.wrapping_add(100)));
            assert_eq!(r.pop(), Some(round));
            assert_eq!(r.pop(), Some(round.wrapping_add(100)));
        }
        assert!(r.is_empty());
        assert_eq!(r.pop(), None);
    }

    #[test]
    fn full_buffer_drops_new_bytes_and_counts_them() {
        let mut r = RingBuffer::<3>::new();
        assert!(r.push(1) && r.push(2) && r.push(3));
        assert!(!r.push(4));
        assert_eq!(r.dropped(), 1);
        let mut out = [0u8; 8];
        assert_eq!(r.pop_into(&mut out), 3);
        assert_eq!(&out[..3], &[1, 2, 3]);
    }
}
