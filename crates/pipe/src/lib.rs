//! Kernel pipe objects: bounded, byte-oriented ring buffers with POSIX pipe semantics,
//! written for a cooperative, single-threaded scheduler. [`PipeTable`] owns every pipe,
//! each named by a never-reused [`PipeId`] and holding at most [`PIPE_CAPACITY`] bytes
//! plus a count of open read and write ends. The kernel's WASI fd layer owns the pipe
//! *ends* in its descriptor tables: it calls [`PipeTable::create`] for `fd_pipe`,
//! [`PipeTable::add_reader`] / [`PipeTable::add_writer`] when a descriptor is duplicated or
//! inherited, [`PipeTable::close_reader`] / [`PipeTable::close_writer`] when one is closed
//! (the pipe is freed once both counts reach zero), and [`PipeTable::read`] /
//! [`PipeTable::write`] with guest-memory slices directly. Nothing here blocks or locks: a
//! call that cannot proceed returns [`ReadResult::WouldBlock`] / [`WriteResult::WouldBlock`],
//! the scheduler parks the process, and [`PipeTable::take_events`] later reports which pipe
//! ids became readable or writable so it can wake the right processes and retry. Writes of
//! at most [`PIPE_BUF`] bytes are atomic; [`PipeTable::readable`] /
//! [`PipeTable::writable`] give `poll` readiness. Every failure is a `Result<_, Errno>`
//! (unknown ids are [`Errno::BadF`]); nothing panics on caller input.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;

pub use abi::Errno;

/// Identifies one pipe in a [`PipeTable`]. Ids start at 1 and are never reused.
pub type PipeId = u64;

/// Bytes a pipe can buffer before writers see [`WriteResult::WouldBlock`].
pub const PIPE_CAPACITY: usize = 65536;

/// Writes of at most this many bytes are atomic (all-or-nothing); `poll` reports a pipe
/// writable only when at least this much room is free.
pub const PIPE_BUF: usize = 4096;

/// Outcome of [`PipeTable::read`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadResult {
    /// This many bytes were copied into the caller's buffer: at least 1 unless the buffer
    /// was empty (short reads are normal).
    Data(usize),
    /// The pipe is empty and every write end is closed.
    Eof,
    /// The pipe is empty but a write end is still open: park and retry after a
    /// [`PipeEvent::Readable`] for this id (or return `Errno::Again` if non-blocking).
    WouldBlock,
}

/// Outcome of [`PipeTable::write`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteResult {
    /// This many bytes were queued: all of them for writes of at most [`PIPE_BUF`] bytes,
    /// possibly fewer (but at least 1) for larger writes.
    Written(usize),
    /// Not enough room (for an atomic write) or no room at all: park and retry after a
    /// [`PipeEvent::Writable`] for this id (or return `Errno::Again` if non-blocking).
    WouldBlock,
    /// Every read end is closed: the caller returns `Errno::Pipe` and raises `SIGPIPE`.
    BrokenPipe,
}

/// A state change the scheduler may want to wake parked processes for. Spurious events
/// are possible (the woken process simply retries and may park again); missed ones are not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PipeEvent {
    /// Data was written or the last writer closed: blocked readers may proceed.
    Readable(PipeId),
    /// Data was read or the last reader closed: blocked writers may proceed.
    Writable(PipeId),
}

/// One pipe: a ring buffer plus open-end counts.
#[derive(Debug)]
struct Pipe {
    /// Ring storage: empty until the first write, then exactly [`PIPE_CAPACITY`] bytes.
    /// Released again when the last reader closes (nobody can read the data any more).
    buf: Box<[u8]>,
    /// Index of the oldest buffered byte.
    head: usize,
    /// Number of buffered bytes.
    len: usize,
    readers: usize,
    writers: usize,
    /// A `Readable` event for this pipe is queued and not yet taken.
    readable_pending: bool,
    /// A `Writable` event for this pipe is queued and not yet taken.
    writable_pending: bool,
}

impl Pipe {
    fn new() -> Self {
        Pipe {
            buf: Box::default(),
            head: 0,
            len: 0,
            readers: 1,
            writers: 1,
            readable_pending: false,
            writable_pending: false,
        }
    }

    fn free(&self) -> usize {
        PIPE_CAPACITY - self.len
    }

    /// Copies up to `out.len()` buffered bytes into `out` (at most two slice copies).
    fn pop_into(&mut self, out: &mut [u8]) -> usize {
        let n = out.len().min(self.len);
        if n == 0 {
            return 0;
        }
        let first = n.min(PIPE_CAPACITY - self.head);
        out[..first].copy_from_slice(&self.buf[self.head..self.head + first]);
        out[first..n].copy_from_slice(&self.buf[..n - first]);
        self.len -= n;
        // Rewind when drained so later transfers are more likely to be contiguous.
        self.head = if self.len == 0 {
            0
        } else {
            (self.head + n) % PIPE_CAPACITY
        };
        n
    }

    /// Appends `data` (which must fit) to the ring (at most two slice copies).
    /// Allocates the ring buffer if it is not there yet; NOMEM when the allocation fails.
    fn ensure_buffer(&mut self) -> Result<(), Errno> {
        if self.buf.is_empty() {
            let mut v = Vec::new();
            v.try_reserve_exact(PIPE_CAPACITY)
                .map_err(|_| Errno::NoMem)?;
            v.resize(PIPE_CAPACITY, 0u8);
            self.buf = v.into_boxed_slice();
        }
        Ok(())
    }

    fn push_from(&mut self, data: &[u8]) {
        let n = data.len();
        debug_assert!(n <= self.free() && self.buf.len() == PIPE_CAPACITY);
        if n == 0 {
            return;
        }
        let tail = (self.head + self.len) % PIPE_CAPACITY;
        let first = n.min(PIPE_CAPACITY - tail);
        self.buf[tail..tail + first].copy_from_slice(&data[..first]);
        self.buf[..n - first].copy_from_slice(&data[first..]);
        self.len += n;
    }
}

/// Every pipe in the system, plus the queue of pending wake-up events.
#[derive(Debug)]
pub struct PipeTable {
    pipes: BTreeMap<PipeId, Pipe>,
    next_id: PipeId,
    events: Vec<PipeEvent>,
    buffered: usize,
}

impl Default for PipeTable {
    fn default() -> Self {
        Self::new()
    }
}

impl PipeTable {
    /// An empty table.
    pub const fn new() -> Self {
        PipeTable {
            pipes: BTreeMap::new(),
            next_id: 1,
            events: Vec::new(),
            buffered: 0,
        }
    }

    /// Creates a pipe with one open read end and one open write end. No buffer memory is
    /// allocated until the first non-empty write.
    pub fn create(&mut self) -> PipeId {
        let id = self.next_id;
        self.next_id += 1;
        self.pipes.insert(id, Pipe::new());
        id
    }

    fn get(&self, id: PipeId) -> Result<&Pipe, Errno> {
        self.pipes.get(&id).ok_or(Errno::BadF)
    }

    fn get_mut(&mut self, id: PipeId) -> Result<&mut Pipe, Errno> {
        self.pipes.get_mut(&id).ok_or(Errno::BadF)
    }

    fn emit(events: &mut Vec<PipeEvent>, pipe: &mut Pipe, ev: PipeEvent) {
        let flag = match ev {
            PipeEvent::Readable(_) => &mut pipe.readable_pending,
            PipeEvent::Writable(_) => &mut pipe.writable_pending,
        };
        if !*flag {
            *flag = true;
            events.push(ev);
        }
    }

    /// Registers one more open read end (descriptor dup or inheritance). Fails with
    /// `BadF` for an unknown id or if no read end is open (there is nothing to duplicate).
    pub fn add_reader(&mut self, id: PipeId) -> Result<(), Errno> {
        let p = self.get_mut(id)?;
        if p.readers == 0 {
            return Err(Errno::BadF);
        }
        p.readers = p.readers.checked_add(1).ok_or(Errno::Overflow)?;
        Ok(())
    }

    /// Registers one more open write end (descriptor dup or inheritance). Fails with
    /// `BadF` for an unknown id or if no write end is open (there is nothing to duplicate).
    pub fn add_writer(&mut self, id: PipeId) -> Result<(), Errno> {
        let p = self.get_mut(id)?;
        if p.writers == 0 {
            return Err(Errno::BadF);
        }
        p.writers = p.writers.checked_add(1).ok_or(Errno::Overflow)?;
        Ok(())
    }

    /// Closes one read end. When the last one closes, buffered data is discarded (nobody can
    /// read it), writers get [`PipeEvent::Writable`] (their next write reports
    /// [`WriteResult::BrokenPipe`]), and the pipe is freed if no writer is open either.
    /// `BadF` for an unknown id or when no read end is open.
    pub fn close_reader(&mut self, id: PipeId) -> Result<(), Errno> {
        let p = self.pipes.get_mut(&id).ok_or(Errno::BadF)?;
        if p.readers == 0 {
            return Err(Errno::BadF);
        }
        p.readers -= 1;
        if p.readers == 0 {
            self.buffered -= p.len;
            p.len = 0;
            p.head = 0;
            p.buf = Box::default();
            if p.writers == 0 {
                self.pipes.remove(&id);
            } else {
                Self::emit(&mut self.events, p, PipeEvent::Writable(id));
            }
        }
        Ok(())
    }

    /// Closes one write end. When the last one closes, readers get
    /// [`PipeEvent::Readable`] (they drain what is left, then see [`ReadResult::Eof`]), and
    /// the pipe is freed if no reader is open either. `BadF` for an unknown id or when no
    /// write end is open.
    pub fn close_writer(&mut self, id: PipeId) -> Result<(), Errno> {
        let p = self.pipes.get_mut(&id).ok_or(Errno::BadF)?;
        if p.writers == 0 {
            return Err(Errno::BadF);
        }
        p.writers -= 1;
        if p.writers == 0 {
            if p.readers == 0 {
                self.buffered -= p.len;
                self.pipes.remove(&id);
            } else {
                Self::emit(&mut self.events, p, PipeEvent::Readable(id));
            }
        }
        Ok(())
    }

    /// Reads up to `buf.len()` bytes straight into `buf` (e.g. a guest-memory slice).
    /// An empty `buf` returns `Data(0)` immediately. Emits [`PipeEvent::Writable`] when
    /// bytes were consumed.
    pub fn read(&mut self, id: PipeId, buf: &mut [u8]) -> Result<ReadResult, Errno> {
        let p = self.pipes.get_mut(&id).ok_or(Errno::BadF)?;
        if buf.is_empty() {
            return Ok(ReadResult::Data(0));
        }
        if p.len == 0 {
            return Ok(if p.writers == 0 {
                ReadResult::Eof
            } else {
                ReadResult::WouldBlock
            });
        }
        let n = p.pop_into(buf);
        self.buffered -= n;
        Self::emit(&mut self.events, p, PipeEvent::Writable(id));
        Ok(ReadResult::Data(n))
    }

    /// Writes from `data` (e.g. a guest-memory slice). An empty `data` returns
    /// `Written(0)`. With no read end open: `BrokenPipe`. Writes of at most [`PIPE_BUF`]
    /// bytes are all-or-nothing (`WouldBlock` unless all fit); larger ones write as much as
    /// fits (`WouldBlock` only when the pipe is full). Emits [`PipeEvent::Readable`] when
    /// bytes were queued. [`Errno::NoMem`] when the buffer, allocated on the first write,
    /// cannot be.
    pub fn write(&mut self, id: PipeId, data: &[u8]) -> Result<WriteResult, Errno> {
        let p = self.pipes.get_mut(&id).ok_or(Errno::BadF)?;
        if data.is_empty() {
            return Ok(WriteResult::Written(0));
        }
        if p.readers == 0 {
            return Ok(WriteResult::BrokenPipe);
        }
        let free = p.free();
        let n = if data.len() <= PIPE_BUF {
            if free < data.len() {
                return Ok(WriteResult::WouldBlock);
            }
            data.len()
        } else {
            if free == 0 {
                return Ok(WriteResult::WouldBlock);
            }
            data.len().min(free)
        };
        p.ensure_buffer()?;
        p.push_from(&data[..n]);
        self.buffered += n;
        Self::emit(&mut self.events, p, PipeEvent::Readable(id));
        Ok(WriteResult::Written(n))
    }

    /// `poll` readiness for a read end: data is buffered, or every writer is closed (the
    /// read reports EOF without blocking).
    pub fn readable(&self, id: PipeId) -> Result<bool, Errno> {
        let p = self.get(id)?;
        Ok(p.len > 0 || p.writers == 0)
    }

    /// `poll` readiness for a write end: at least [`PIPE_BUF`] bytes are free, or every
    /// reader is closed (the write reports the broken pipe without blocking).
    pub fn writable(&self, id: PipeId) -> Result<bool, Errno> {
        let p = self.get(id)?;
        Ok(p.free() >= PIPE_BUF || p.readers == 0)
    }

    /// Whether the next write must allocate the pipe's buffer ([`PIPE_CAPACITY`] bytes).
    pub fn needs_buffer(&self, id: PipeId) -> Result<bool, Errno> {
        Ok(self.get(id)?.buf.is_empty())
    }

    /// Bytes buffered in the pipe (what `FIONREAD` would report).
    pub fn bytes_available(&self, id: PipeId) -> Result<usize, Errno> {
        Ok(self.get(id)?.len)
    }

    /// Bytes that can be written right now without blocking.
    pub fn free_space(&self, id: PipeId) -> Result<usize, Errno> {
        Ok(self.get(id)?.free())
    }

    /// Open read ends of the pipe.
    pub fn readers(&self, id: PipeId) -> Result<usize, Errno> {
        Ok(self.get(id)?.readers)
    }

    /// Open write ends of the pipe.
    pub fn writers(&self, id: PipeId) -> Result<usize, Errno> {
        Ok(self.get(id)?.writers)
    }

    /// Whether `id` names a live pipe.
    pub fn contains(&self, id: PipeId) -> bool {
        self.pipes.contains_key(&id)
    }

    /// Whether any event is queued for [`PipeTable::take_events`].
    pub fn has_events(&self) -> bool {
        !self.events.is_empty()
    }

    /// Returns and clears the events queued since the last call, oldest first, with at most
    /// one `Readable` and one `Writable` per pipe. Events for pipes freed since are kept
    /// (harmless: nothing can be parked on them).
    pub fn take_events(&mut self) -> Vec<PipeEvent> {
        let mut out = Vec::new();
        self.take_events_into(&mut out);
        out
    }

    /// Like [`PipeTable::take_events`] but appends to `out`, so a scheduler can reuse one
    /// buffer and never allocate in steady state.
    pub fn take_events_into(&mut self, out: &mut Vec<PipeEvent>) {
        for ev in self.events.drain(..) {
            match ev {
                PipeEvent::Readable(id) => {
                    if let Some(p) = self.pipes.get_mut(&id) {
                        p.readable_pending = false;
                    }
                }
                PipeEvent::Writable(id) => {
                    if let Some(p) = self.pipes.get_mut(&id) {
                        p.writable_pending = false;
                    }
                }
            }
            out.push(ev);
        }
    }

    /// Live pipes (for leak tests).
    pub fn count(&self) -> usize {
        self.pipes.len()
    }

    /// Bytes buffered across all pipes (for leak tests).
    pub fn buffered_bytes(&self) -> usize {
        self.buffered
    }
}

#[cfg(test)]
mod tests;
