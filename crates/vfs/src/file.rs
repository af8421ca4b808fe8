//! Regular file data: a sparse map of 4 KiB pages plus a byte size.
//!
//! Invariants: every page index is below `ceil(size / PAGE_SIZE)`, and the bytes of the
//! last page past `size` are zero (so growing a file exposes zeros). Missing pages are
//! holes that read as zeros and cost no quota.

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, btree_map};

use crate::{Errno, Fs, Ino, Node, PAGE, PAGE_SIZE, new_page};

#[derive(Default)]
pub(crate) struct FileData {
    pub(crate) size: u64,
    pub(crate) pages: BTreeMap<u64, Box<[u8; PAGE_SIZE]>>,
}

/// Splits a byte position into (page index, offset in page).
fn split(pos: u64) -> (u64, usize) {
    (pos / PAGE, (pos % PAGE) as usize)
}

impl FileData {
    /// Copies bytes from `offset` into `buf`, returning the count (0 at or past the end).
    fn read(&self, offset: u64, buf: &mut [u8]) -> usize {
        let Some(avail) = self.size.checked_sub(offset) else {
            return 0;
        };
        let n = usize::try_from(avail).map_or(buf.len(), |a| a.min(buf.len()));
        let mut done = 0usize;
        while done < n {
            let pos = offset.saturating_add(done as u64);
            let (idx, off) = split(pos);
            let chunk = (PAGE_SIZE - off).min(n - done);
            let Some(dst) = buf.get_mut(done..done + chunk) else {
                break;
            };
            match self.pages.get(&idx).and_then(|p| p.get(off..off + chunk)) {
                Some(src) => dst.copy_from_slice(src),
                None => dst.fill(0),
            }
            done += chunk;
        }
        done
    }

    /// Shrinks or grows to `size`; returns the number of pages freed.
    fn resize(&mut self, size: u64) -> u64 {
        let mut freed = 0;
        if size < self.size {
            let keep = size.div_ceil(PAGE);
            let dropped = self.pages.split_off(&keep);
            freed = dropped.len() as u64;
            let (idx, off) = split(size);
            if off != 0
                && let Some(tail) = self.pages.get_mut(&idx).and_then(|p| p.get_mut(off..))
            {
                tail.fill(0);
            }
        }
        self.size = size;
        freed
    }

    pub(crate) fn check(&self) -> Result<(), &'static str> {
        let npages = self.size.div_ceil(PAGE);
        if let Some((&last, _)) = self.pages.last_key_value()
            && last >= npages
        {
            return Err("page beyond the end of the file");
        }
        let (idx, off) = split(self.size);
        if off != 0
            && let Some(p) = self.pages.get(&idx)
            && p.get(off..).is_some_and(|t| t.iter().any(|&b| b != 0))
        {
            return Err("non-zero bytes past the end of the file");
        }
        Ok(())
    }
}

impl Fs {
    fn file_mut(&mut self, ino: Ino) -> Result<&mut FileData, Errno> {
        self.check_writable(ino)?;
        match &mut self.inode_mut(ino)?.node {
            Node::File(f) => Ok(f),
            Node::Dir(_) => Err(Errno::IsDir),
            Node::Symlink(_) => Err(Errno::Inval),
        }
    }

    /// Reads from regular file `ino` at `offset` into `buf`; returns the count, 0 at or
    /// past the end. Holes read as zeros. Updates the access time.
    /// [`Errno::IsDir`] for a directory, [`Errno::Inval`] for a symlink.
    pub fn read(&mut self, ino: Ino, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        let now = self.now;
        let i = self.inode_mut(ino)?;
        let n = match &i.node {
            Node::File(f) => f.read(offset, buf),
            Node::Dir(_) => return Err(Errno::IsDir),
            Node::Symlink(_) => return Err(Errno::Inval),
        };
        i.atim = now;
        Ok(n)
    }

    /// Writes `data` to regular file `ino` at `offset`, growing it (leaving a hole) if
    /// `offset` is past the end. Returns the count written, which is short if the quota or
    /// `max_file_size` runs out part way; [`Errno::NoSpc`] / [`Errno::FBig`] if nothing
    /// fits. Bytes not written are left untouched. An empty `data` changes nothing.
    pub fn write(&mut self, ino: Ino, offset: u64, data: &[u8]) -> Result<usize, Errno> {
        self.file_mut(ino)?;
        if data.is_empty() {
            return Ok(0);
        }
        let max = self.limits.max_file_size;
        let room = max
            .checked_sub(offset)
            .filter(|&r| r > 0)
            .ok_or(Errno::FBig)?;
        let len = usize::try_from(room).map_or(data.len(), |r| r.min(data.len()));
        let quota = self.limits.max_bytes;
        let mut used = self.bytes;
        let f = self.file_mut(ino)?;
        let mut done = 0usize;
        while done < len {
            let pos = offset.saturating_add(done as u64);
            let (idx, off) = split(pos);
            let chunk = (PAGE_SIZE - off).min(len - done);
            if let btree_map::Entry::Vacant(v) = f.pages.entry(idx) {
                let (Some(u), Ok(page)) =
                    (used.checked_add(PAGE).filter(|&u| u <= quota), new_page())
                else {
                    break;
                };
                used = u;
                v.insert(page);
            }
            let src = data.get(done..done + chunk);
            let dst = f
                .pages
                .get_mut(&idx)
                .and_then(|p| p.get_mut(off..off + chunk));
            match (src, dst) {
                (Some(s), Some(d)) => d.copy_from_slice(s),
                _ => break,
            }
            done += chunk;
        }
        if done > 0 {
            let end = offset.saturating_add(done as u64);
            if end > f.size {
                f.size = end;
            }
        }
        self.bytes = used;
        if done == 0 {
            return Err(Errno::NoSpc);
        }
        self.touch_mc(ino);
        Ok(done)
    }

    /// Truncates or extends regular file `ino` to `size` bytes. Shrinking frees whole pages
    /// past the end (returning their quota) and zeroes the tail of the last one; growing
    /// only moves the size (the new range is a hole). [`Errno::FBig`] past
    /// `max_file_size`.
    pub fn set_size(&mut self, ino: Ino, size: u64) -> Result<(), Errno> {
        if size > self.limits.max_file_size {
            self.file_mut(ino)?;
            return Err(Errno::FBig);
        }
        let f = self.file_mut(ino)?;
        if f.size == size {
            return Ok(());
        }
        let freed = f.resize(size);
        self.uncharge(freed.saturating_mul(PAGE));
        self.touch_mc(ino);
        Ok(())
    }

    /// Reserves storage for `[offset, offset + len)` of regular file `ino`
    /// (`posix_fallocate`): allocates every missing page in the range and grows the size to
    /// cover it, so later writes there cannot fail with [`Errno::NoSpc`]. All or nothing:
    /// [`Errno::NoSpc`] if the pages do not fit. [`Errno::Inval`] for `len == 0`,
    /// [`Errno::FBig`] if the range ends past `max_file_size`.
    pub fn allocate(&mut self, ino: Ino, offset: u64, len: u64) -> Result<(), Errno> {
        self.file_mut(ino)?;
        if len == 0 {
            return Err(Errno::Inval);
        }
        let end = offset.checked_add(len).ok_or(Errno::FBig)?;
        if end > self.limits.max_file_size {
            return Err(Errno::FBig);
        }
        let first = offset / PAGE;
        let last = (end - 1) / PAGE;
        let total = last - first + 1;
        let existing = self.file_mut(ino)?.pages.range(first..=last).count() as u64;
        let missing = total.saturating_sub(existing);
        let need = missing.checked_mul(PAGE).ok_or(Errno::NoSpc)?;
        self.check_bytes(need)?;
        // Allocate first so running out of memory leaves the file unchanged.
        let mut fresh = alloc::vec::Vec::new();
        fresh
            .try_reserve_exact(usize::try_from(missing).map_err(|_| Errno::NoSpc)?)
            .map_err(|_| Errno::NoMem)?;
        for _ in 0..missing {
            fresh.push(new_page()?);
        }
        let f = self.file_mut(ino)?;
        let mut added = 0u64;
        for idx in first..=last {
            if fresh.is_empty() {
                break;
            }
            if let btree_map::Entry::Vacant(v) = f.pages.entry(idx)
                && let Some(p) = fresh.pop()
            {
                v.insert(p);
                added += 1;
            }
        }
        let grew = end > f.size;
        if grew {
            f.size = end;
        }
        self.charge(added.saturating_mul(PAGE));
        if grew {
            self.touch_mc(ino);
        }
        Ok(())
    }
}
