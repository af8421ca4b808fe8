//! The one checked accessor for guest linear memory. Every host call reads and writes guest
//! memory through [`GuestMem`]; pointers and lengths are guest-controlled `u32`s, so every
//! access is bounds-checked with overflow-safe arithmetic and a bad one is `Errno::Fault`
//! (never a panic, never a partial write).

use abi::Errno;
use abi::layout::Wire;
use abi::wasix::Iovec;
use alloc::vec::Vec;

/// A guest's linear memory for the duration of one host call.
pub struct GuestMem<'a> {
    bytes: &'a mut [u8],
}

/// One `iovec`/`ciovec` from guest memory: (pointer, length).
pub type IoVec = (u32, u32);

impl<'a> GuestMem<'a> {
    /// Wraps the memory slice (empty when the module exports no memory).
    pub fn new(bytes: &'a mut [u8]) -> Self {
        Self { bytes }
    }

    /// Size in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// True for a module without memory.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn range(&self, ptr: u32, len: u32) -> Result<core::ops::Range<usize>, Errno> {
        let start = ptr as usize;
        let end = start.checked_add(len as usize).ok_or(Errno::Fault)?;
        if end > self.bytes.len() {
            return Err(Errno::Fault);
        }
        Ok(start..end)
    }

    /// The `len` bytes at `ptr`.
    pub fn slice(&self, ptr: u32, len: u32) -> Result<&[u8], Errno> {
        let r = self.range(ptr, len)?;
        Ok(&self.bytes[r])
    }

    /// The `len` bytes at `ptr`, writable.
    pub fn slice_mut(&mut self, ptr: u32, len: u32) -> Result<&mut [u8], Errno> {
        let r = self.range(ptr, len)?;
        Ok(&mut self.bytes[r])
    }

    /// Copies `data` to `ptr`.
    pub fn write(&mut self, ptr: u32, data: &[u8]) -> Result<(), Errno> {
        let len = u32::try_from(data.len()).map_err(|_| Errno::Fault)?;
        self.slice_mut(ptr, len)?.copy_from_slice(data);
        Ok(())
    }

    /// Reads a little-endian `N`-byte array.
    pub fn read_array<const N: usize>(&self, ptr: u32) -> Result<[u8; N], Errno> {
        let s = self.slice(ptr, N as u32)?;
        let mut out = [0u8; N];
        out.copy_from_slice(s);
        Ok(out)
    }

    /// Reads an ABI structure (or any [`Wire`] value) at `ptr`: FAULT outside memory,
    /// INVAL when a field holds a value the ABI does not define.
    pub fn read_struct<T: Wire>(&self, ptr: u32) -> Result<T, Errno> {
        T::take(self.slice(ptr, T::SIZE as u32)?).ok_or(Errno::Inval)
    }

    /// Writes an ABI structure at `ptr` (padding as zero); FAULT outside memory.
    pub fn write_struct<T: Wire>(&mut self, ptr: u32, v: &T) -> Result<(), Errno> {
        v.put(self.slice_mut(ptr, T::SIZE as u32)?);
        Ok(())
    }

    pub fn read_u8(&self, ptr: u32) -> Result<u8, Errno> {
        Ok(self.read_array::<1>(ptr)?[0])
    }

    pub fn read_u16(&self, ptr: u32) -> Result<u16, Errno> {
        Ok(u16::from_le_bytes(self.read_array(ptr)?))
    }

    pub fn read_u32(&self, ptr: u32) -> Result<u32, Errno> {
        Ok(u32::from_le_bytes(self.read_array(ptr)?))
    }

    pub fn read_u64(&self, ptr: u32) -> Result<u64, Errno> {
        Ok(u64::from_le_bytes(self.read_array(ptr)?))
    }

    pub fn write_u8(&mut self, ptr: u32, v: u8) -> Result<(), Errno> {
        self.write(ptr, &[v])
    }

    pub fn write_u16(&mut self, ptr: u32, v: u16) -> Result<(), Errno> {
        self.write(ptr, &v.to_le_bytes())
    }

    pub fn write_u32(&mut self, ptr: u32, v: u32) -> Result<(), Errno> {
        self.write(ptr, &v.to_le_bytes())
    }

    pub fn write_u64(&mut self, ptr: u32, v: u64) -> Result<(), Errno> {
        self.write(ptr, &v.to_le_bytes())
    }

    /// A UTF-8 string (paths, names); invalid UTF-8 is `Errno::IlSeq`.
    pub fn str(&self, ptr: u32, len: u32) -> Result<&str, Errno> {
        core::str::from_utf8(self.slice(ptr, len)?).map_err(|_| Errno::IlSeq)
    }

    /// Reads `count` [`Iovec`]s at `ptr`, checking each buffer lies inside memory. More
    /// than 1024 entries (IOV_MAX) is `Errno::Inval`.
    pub fn iovecs(&self, ptr: u32, count: u32) -> Result<Vec<IoVec>, Errno> {
        if count > 1024 {
            return Err(Errno::Inval);
        }
        let size = count.checked_mul(Iovec::SIZE as u32).ok_or(Errno::Fault)?;
        let table = self.slice(ptr, size)?;
        let mut out = Vec::with_capacity(count as usize);
        for entry in table.as_chunks::<{ Iovec::SIZE }>().0 {
            let Iovec { buf, buf_len } = Iovec::from_bytes(entry).ok_or(Errno::Inval)?;
            self.range(buf, buf_len)?;
            out.push((buf, buf_len));
        }
        Ok(out)
    }

    /// Total length of `iovs`, saturating.
    pub fn iov_total(iovs: &[IoVec]) -> usize {
        iovs.iter()
            .fold(0usize, |acc, &(_, len)| acc.saturating_add(len as usize))
    }

    /// Concatenates the bytes of `iovs` (for writes).
    pub fn gather(&self, iovs: &[IoVec]) -> Result<Vec<u8>, Errno> {
        self.gather_at_most(iovs, usize::MAX)
    }

    /// Concatenates the bytes of `iovs`, stopping after `max` bytes (a write may be
    /// short). The iovecs are guest-controlled: 1024 of them may each cover all of memory,
    /// GiBs in all, so the copy is bounded and its buffer allocated fallibly (NOMEM).
    pub fn gather_at_most(&self, iovs: &[IoVec], max: usize) -> Result<Vec<u8>, Errno> {
        let mut out = Vec::new();
        crate::failpoint::reserve(&mut out, Self::iov_total(iovs).min(max))?;
        for &(buf, len) in iovs {
            let part = self.slice(buf, len)?;
            let room = max - out.len();
            out.extend_from_slice(part.get(..room).unwrap_or(part));
            if out.len() == max {
                break;
            }
        }
        Ok(out)
    }

    /// The part of `iovs` that covers bytes `skip..skip + max` of their concatenation (a
    /// transfer done in pieces). At most one entry per iovec. An iovec whose window would
    /// start past 4 GiB keeps an address that faults.
    pub fn iov_window(iovs: &[IoVec], mut skip: usize, mut max: usize) -> Vec<IoVec> {
        let mut out = Vec::new();
        for &(ptr, len) in iovs {
            if max == 0 {
                break;
            }
            let len = len as usize;
            if skip >= len {
                skip -= len;
                continue;
            }
            let take = (len - skip).min(max);
            let start = u32::try_from(skip)
                .ok()
                .and_then(|s| ptr.checked_add(s))
                .unwrap_or(u32::MAX);
            out.push((start, take as u32));
            max -= take;
            skip = 0;
        }
        out
    }

    /// Spreads `data` over `iovs` in order (for reads); returns bytes placed.
    pub fn scatter(&mut self, iovs: &[IoVec], mut data: &[u8]) -> Result<usize, Errno> {
        let mut done = 0;
        for &(buf, len) in iovs {
            if data.is_empty() {
                break;
            }
            let n = data.len().min(len as usize);
            self.slice_mut(buf, n as u32)?.copy_from_slice(&data[..n]);
            data = &data[n..];
            done += n;
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_checked_without_overflow() {
        let mut backing = [0u8; 64];
        let mut m = GuestMem::new(&mut backing);
        assert!(m.write_u32(60, 7).is_ok());
        assert_eq!(m.write_u32(61, 7), Err(Errno::Fault));
        assert_eq!(m.slice(u32::MAX, 2).err(), Some(Errno::Fault));
        assert_eq!(m.slice(0, u32::MAX).err(), Some(Errno::Fault));
        assert_eq!(m.read_u32(60), Ok(7));
        assert!(m.slice(64, 0).is_ok());
        assert_eq!(m.slice(65, 0).err(), Some(Errno::Fault));
    }

    #[test]
    fn iov_window_covers_the_asked_bytes() {
        let iovs = [(10, 4), (20, 0), (30, 6), (50, 2)];
        assert_eq!(
            GuestMem::iov_window(&iovs, 0, 100),
            [(10, 4), (30, 6), (50, 2)]
        );
        assert_eq!(GuestMem::iov_window(&iovs, 0, 3), [(10, 3)]);
        assert_eq!(GuestMem::iov_window(&iovs, 3, 3), [(13, 1), (30, 2)]);
        assert_eq!(GuestMem::iov_window(&iovs, 4, 6), [(30, 6)]);
        assert_eq!(GuestMem::iov_window(&iovs, 9, 100), [(35, 1), (50, 2)]);
        assert_eq!(GuestMem::iov_window(&iovs, 12, 5), []);
        assert_eq!(GuestMem::iov_window(&iovs, 2, 0), []);
        // Past 4 GiB: an address that faults, never one that wraps around.
        assert_eq!(
            GuestMem::iov_window(&[(u32::MAX - 1, u32::MAX)], 4, 1),
            [(u32::MAX, 1)]
        );
        // Windows laid end to end give back the whole.
        let mut whole = Vec::new();
        for start in (0..12).step_by(5) {
            whole.extend(GuestMem::iov_window(&iovs, start, 5));
        }
        assert_eq!(whole, [(10, 4), (30, 1), (31, 5), (50, 2)]);
    }

    #[test]
    fn iovecs_gather_and_scatter() {
        let mut backing = [0u8; 64];
        let mut m = GuestMem::new(&mut backing);
        m.write(32, b"hello world").unwrap();
        // iov[0] = (32, 5), iov[1] = (37, 6)
        m.write_u32(0, 32).unwrap();
        m.write_u32(4, 5).unwrap();
        m.write_u32(8, 37).unwrap();
        m.write_u32(12, 6).unwrap();
        let iovs = m.iovecs(0, 2).unwrap();
        assert_eq!(m.gather(&iovs).unwrap(), b"hello world");
        assert_eq!(m.gather_at_most(&iovs, 7).unwrap(), b"hello w");
        assert_eq!(m.gather_at_most(&iovs, 5).unwrap(), b"hello");
        assert_eq!(m.scatter(&iovs, b"HELLO").unwrap(), 5);
        assert_eq!(m.slice(32, 11).unwrap(), b"HELLO world");
        m.write_u32(12, 60).unwrap(); // second buffer runs past the end
        assert_eq!(m.iovecs(0, 2).err(), Some(Errno::Fault));
        assert_eq!(m.iovecs(0, 5000).err(), Some(Errno::Inval));
        assert_eq!(m.str(32, 2).unwrap(), "HE");
        m.write(40, &[0xff]).unwrap();
        assert_eq!(m.str(40, 1).err(), Some(Errno::IlSeq));
    }
}
