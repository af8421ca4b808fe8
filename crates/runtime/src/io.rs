//! The I/O service under the `fd_*`, `poll_oneoff` and process calls: a descriptor's open
//! file and rights, reading and writing through it (console, boot stdin bytes, the `/dev`
//! devices, regular files, pipe ends), pipe blocking and SIGPIPE, and moving pipe wake-up
//! events to the scheduler (`flush_pipe_events`). The handler families call it; it
//! calls none of them.
//!
//! Pipes move bytes straight between guest memory and the pipe's ring: reads fill the
//! iovecs in order and stop at the first short one; writes of at most `PIPE_BUF` bytes are
//! atomic, larger ones write what fits (a partial count, which wasi-libc and Rust's std
//! loop on). An empty pipe with a writer, or a full one with a reader, blocks the call on
//! [`Wait::Pipe`] — or fails AGAIN under NONBLOCK. Writing with no reader left kills the
//! process with SIGPIPE, or fails PIPE if it ignores that signal.

use alloc::vec::Vec;

use abi::Errno;
use abi::wasix::rights;
use vfs::Ino;

use pipe::{PIPE_BUF, PipeId, ReadResult, WriteResult};

use crate::eventfd;
use crate::files::{FileId, Object, Stream};
use crate::mem::{GuestMem, IoVec};
use crate::sys::{Cx, ProcData, Sys, SysResult, System};
use crate::types::{Event, Wait};
use abi::wasix::fdflags;
use abi::wasix::signal;

/// The open-file id behind `fd` with the rights (base, inheriting) the descriptor holds:
/// its open file's, within the descriptor's own mask ([`crate::files::FdEntry::rights`]).
pub(crate) fn rights_of(cx: &Cx<'_>, fd: i32) -> Result<(FileId, u64, u64), Errno> {
    let entry = cx.proc.fds.get(fd as u32)?;
    let file = cx.sys.files.get(entry.file)?;
    Ok((
        entry.file,
        file.rights_base & entry.rights.base,
        file.rights_inheriting & entry.rights.inheriting,
    ))
}

/// BADF unless descriptor `fd` holds every right in `wanted`; its open-file id.
pub(crate) fn require_fd(cx: &Cx<'_>, fd: i32, wanted: u64) -> Result<FileId, Errno> {
    match rights_of(cx, fd)? {
        (id, base, _) if base & wanted == wanted => Ok(id),
        _ => Err(Errno::BadF),
    }
}

/// The open-file id behind `fd`.
pub fn file_of(cx: &Cx<'_>, fd: i32) -> Result<FileId, Errno> {
    Ok(cx.proc.fds.get(fd as u32)?.file)
}

/// The open-file id and object behind `fd`.
pub(crate) fn object_of(cx: &Cx<'_>, fd: i32) -> Result<(FileId, Object), Errno> {
    let id = file_of(cx, fd)?;
    Ok((id, cx.sys.files.get(id)?.object.clone()))
}

/// The inode behind a regular-file descriptor; BADF for any other descriptor.
pub(crate) fn file_ino(cx: &Cx<'_>, fd: i32) -> Result<(FileId, Ino), Errno> {
    match object_of(cx, fd)? {
        (id, Object::File(ino)) => Ok((id, ino)),
        _ => Err(Errno::BadF),
    }
}

/// BADF unless open file `id` holds every right in `wanted`.
pub(crate) fn require(sys: &System, id: FileId, wanted: u64) -> Result<(), Errno> {
    if sys.files.get(id)?.rights_base & wanted == wanted {
        Ok(())
    } else {
        Err(Errno::BadF)
    }
}

/// Sets the filesystem clock to the wall clock before a call that changes timestamps.
pub(crate) fn sync_clock(sys: &mut System) {
    let now = sys.platform.realtime_ns();
    sys.fs.set_time(now);
}

/// Moves the wake-up events of pipes changed by a call to the scheduler's event list, so
/// processes parked on [`Wait::Pipe`] are retried.
pub(crate) fn flush_pipe_events(sys: &mut System) {
    sys.files.drain_events(&mut sys.events);
}

/// What an open file that is a pipe end needs for a transfer.
pub(crate) struct PipeEnd {
    pipe: PipeId,
    nonblock: bool,
}

/// The pipe behind open file `id` if it is the end asked for (`read`: the read end, else
/// the write end) and holds `right`; `None` when the open file is not a pipe end at all;
/// BADF for the other end or a missing right.
pub(crate) fn pipe_end(
    sys: &System,
    id: FileId,
    read: bool,
    right: u64,
) -> Result<Option<PipeEnd>, Errno> {
    let file = sys.files.get(id)?;
    let pipe = match (&file.object, read) {
        (Object::PipeRead(p), true)
        | (Object::PipeWrite(p), false)
        | (Object::PipeDuplex { read: p, .. }, true)
        | (Object::PipeDuplex { write: p, .. }, false) => *p,
        (Object::PipeRead(_) | Object::PipeWrite(_), _) => return Err(Errno::BadF),
        _ => return Ok(None),
    };
    if file.rights_base & right == 0 {
        return Err(Errno::BadF);
    }
    Ok(Some(PipeEnd {
        pipe,
        nonblock: file.flags & fdflags::NONBLOCK != 0,
    }))
}

/// The result of a transfer that could not move a byte: AGAIN under NONBLOCK, else park
/// until the pipe changes.
pub(crate) fn pipe_would_block(end: &PipeEnd) -> Sys {
    if end.nonblock {
        Errno::Again.into()
    } else {
        Sys::Block(Wait::Pipe(end.pipe))
    }
}

/// One read from a pipe into `buf`, for a transfer that has already read `done` bytes:
/// the bytes read, 0 at end of file or (when `done` > 0) if the pipe ran dry. Blocks (or
/// AGAIN) only when the transfer has read nothing.
pub(crate) fn pipe_read_once(
    sys: &mut System,
    end: &PipeEnd,
    buf: &mut [u8],
    done: usize,
) -> SysResult<usize> {
    match sys.files.pipes.read(end.pipe, buf)? {
        ReadResult::Data(n) => Ok(n),
        ReadResult::Eof => Ok(0),
        ReadResult::WouldBlock if done > 0 => Ok(0),
        ReadResult::WouldBlock => Err(pipe_would_block(end)),
    }
}

/// Reads from a pipe straight into each iovec in turn, stopping at the first short read:
/// 0 at end of file or when every iovec is empty.
pub(crate) fn pipe_read(
    mem: &mut GuestMem<'_>,
    sys: &mut System,
    end: &PipeEnd,
    iovs: &[IoVec],
) -> SysResult<usize> {
    let mut total = 0usize;
    for &(ptr, len) in iovs.iter().filter(|&&(_, len)| len > 0) {
        let n = pipe_read_once(sys, end, mem.slice_mut(ptr, len)?, total)?;
        total += n;
        if n < len as usize {
            break;
        }
    }
    Ok(total)
}

/// Writes `data` to a pipe: all of it (≤ `PIPE_BUF` bytes, atomically) or as much as fits
/// (larger writes, `large`). PIPE when no reader is left.
pub(crate) fn pipe_write_chunk(
    sys: &mut System,
    end: &PipeEnd,
    data: &[u8],
    large: bool,
) -> SysResult<usize> {
    let data = if large {
        let room = sys.files.pipes.free_space(end.pipe)?;
        // Leave a full pipe to `write` (WouldBlock, or BrokenPipe without readers).
        data.get(..room.max(1)).unwrap_or(data)
    } else {
        data
    };
    // The first write allocates the pipe's buffer: refuse it (NOMEM) rather than leave the
    // kernel heap too low for its own allocations.
    if sys.files.pipes.needs_buffer(end.pipe)?
        && sys
            .memory_available()
            .is_some_and(|free| free < pipe::PIPE_CAPACITY + crate::sys::GROW_HEADROOM)
    {
        return Err(Errno::NoMem.into());
    }
    match sys.files.pipes.write(end.pipe, data)? {
        WriteResult::Written(n) => Ok(n),
        WriteResult::WouldBlock => Err(pipe_would_block(end)),
        WriteResult::BrokenPipe => Err(Errno::Pipe.into()),
    }
}

/// Writes the iovecs `iovs` (checked to lie in `mem`) to a pipe. Up to `PIPE_BUF` bytes in
/// all go in one atomic write (gathered on the stack if split); more are
/// written buffer by buffer, straight from guest memory, stopping at the first short
/// write. Blocks (or AGAIN) only when nothing was written; a broken pipe after a partial
/// write reports the partial count (the next write fails).
pub(crate) fn pipe_write(
    mem: &GuestMem<'_>,
    sys: &mut System,
    end: &PipeEnd,
    iovs: &[IoVec],
) -> SysResult<usize> {
    let total = GuestMem::iov_total(iovs);
    let mut parts = iovs.iter().filter(|&&(_, len)| len > 0);
    if total <= PIPE_BUF {
        let (first, second) = (parts.next(), parts.next());
        return match (first, second) {
            (None, _) => Ok(0),
            (Some(&(ptr, len)), None) => pipe_write_chunk(sys, end, mem.slice(ptr, len)?, false),
            (Some(_), Some(_)) => {
                let mut buf = [0u8; PIPE_BUF];
                let mut at = 0;
                for &(ptr, len) in iovs {
                    let src = mem.slice(ptr, len)?;
                    let dst = buf.get_mut(at..at + src.len()).ok_or(Errno::Fault)?;
                    dst.copy_from_slice(src);
                    at += src.len();
                }
                pipe_write_chunk(sys, end, buf.get(..at).ok_or(Errno::Fault)?, false)
            }
        };
    }
    let mut written = 0usize;
    for &(ptr, len) in parts {
        let src = mem.slice(ptr, len)?;
        match pipe_write_chunk(sys, end, src, true) {
            Ok(n) => {
                written += n;
                if n < src.len() {
                    break;
                }
            }
            Err(_) if written > 0 => break,
            Err(e) => return Err(e),
        }
    }
    Ok(written)
}

/// True when the calling process ignores SIGPIPE (then a write to a broken pipe fails
/// PIPE instead of killing it).
pub(crate) fn sigpipe_ignored(cx: &Cx<'_>) -> bool {
    cx.sys
        .procs
        .get(&cx.proc.pid)
        .is_some_and(|p| p.ignored & (1 << signal::PIPE) != 0)
}

/// A write's failure as the process sees it: a broken pipe raises SIGPIPE unless ignored.
/// With a signal handler installed the signal is queued for it and the write fails PIPE
/// (as on Unix when SIGPIPE is caught); otherwise the default action kills the writer.
pub(crate) fn broken_pipe(cx: &mut Cx<'_>, e: Sys) -> Sys {
    match e {
        Sys::Err(Errno::Pipe) if !sigpipe_ignored(cx) => {
            if cx.proc.signal_handler.is_some() {
                let _ = cx.sys.raise(cx.proc.pid, signal::PIPE);
                Sys::Err(Errno::Pipe)
            } else {
                Sys::Signal(signal::PIPE)
            }
        }
        e => e,
    }
}

/// Writes `data` to the open file `id`; returns bytes written. Regular files need the
/// FD_WRITE right; in append mode every write (positional ones too, as on Linux and in
/// wasmtime) goes to the end. A pipe write end takes the data as `pipe_write` describes
/// (a broken pipe is PIPE here: the caller decides about SIGPIPE).
pub fn write_file(sys: &mut System, id: FileId, data: &[u8], at: Option<u64>) -> SysResult<usize> {
    if let Some(end) = pipe_end(sys, id, false, rights::FD_WRITE)? {
        let r = pipe_write_chunk(sys, &end, data, data.len() > PIPE_BUF);
        flush_pipe_events(sys);
        return r;
    }
    let file = sys.files.get_mut(id)?;
    match file.object.clone() {
        Object::ConsoleOut(stream) => Ok(console_write(sys, stream, data)),
        Object::Tty => {
            require(sys, id, rights::FD_WRITE)?;
            Ok(console_write(sys, Stream::Stdout, data))
        }
        Object::Null | Object::Zero | Object::Random => {
            require(sys, id, rights::FD_WRITE)?;
            Ok(data.len())
        }
        Object::ConsoleIn
        | Object::Bytes(_)
        | Object::Dir(_)
        | Object::PipeRead(_)
        | Object::PipeWrite(_)
        | Object::PipeDuplex { .. } => Err(Errno::BadF.into()),
        // As on Linux: an epoll instance is neither read nor written.
        Object::Epoll => Err(Errno::Inval.into()),
        Object::Event(_) => event_write(sys, id, data),
        Object::File(ino) => {
            if file.rights_base & rights::FD_WRITE == 0 {
                return Err(Errno::BadF.into());
            }
            let offset = match at {
                _ if file.flags & fdflags::APPEND != 0 => sys.fs.stat(ino)?.size,
                Some(off) => off,
                None => file.offset,
            };
            sync_clock(sys);
            // Short, or NOSPC, when the heap cannot take it all (see `System::file_room`).
            let data = match sys.file_room() {
                Some(0) if !data.is_empty() => return Err(Errno::NoSpc.into()),
                Some(room) => &data[..data.len().min(room)],
                None => data,
            };
            let n = if data.is_empty() {
                0
            } else {
                sys.fs.write(ino, offset, data)?
            };
            if at.is_none() {
                sys.files.get_mut(id)?.offset = offset.saturating_add(n as u64);
            }
            Ok(n)
        }
    }
}

/// Writes `data` to a console stream, with the terminal's line-feed translation; returns
/// its length.
pub(crate) fn console_write(sys: &mut System, stream: Stream, data: &[u8]) -> usize {
    let System { tty, platform, .. } = sys;
    crate::terminal::translate(tty, data, |piece| platform.write(stream, piece));
    data.len()
}

/// Reads into `buf` from the open file `id`; returns bytes read (0 = end of file).
/// Regular files, devices and pipes need the FD_READ right.
pub fn read_file(
    sys: &mut System,
    id: FileId,
    buf: &mut [u8],
    at: Option<u64>,
) -> SysResult<usize> {
    if let Some(end) = pipe_end(sys, id, true, rights::FD_READ)? {
        let r = pipe_read_once(sys, &end, buf, 0);
        flush_pipe_events(sys);
        return r;
    }
    let file = sys.files.get_mut(id)?;
    let nonblock = file.flags & fdflags::NONBLOCK != 0;
    let device = matches!(
        file.object,
        Object::Null | Object::Zero | Object::Random | Object::Tty
    );
    if device && file.rights_base & rights::FD_READ == 0 {
        return Err(Errno::BadF.into());
    }
    match &file.object {
        Object::ConsoleIn | Object::Tty => {
            if buf.is_empty() {
                return Ok(0);
            }
            sys.pump_console();
            match sys.terminal.read(buf) {
                Some(n) => Ok(n),
                None if nonblock => Err(Errno::Again.into()),
                None => Err(Sys::Block(Wait::Console)),
            }
        }
        Object::Bytes(data) => {
            let start = at.unwrap_or(file.offset);
            let avail = data
                .get(usize::try_from(start).unwrap_or(usize::MAX)..)
                .unwrap_or(&[]);
            let n = avail.len().min(buf.len());
            buf[..n].copy_from_slice(&avail[..n]);
            if at.is_none() {
                file.offset = start.saturating_add(n as u64);
            }
            Ok(n)
        }
        Object::Null => Ok(0),
        object @ (Object::Zero | Object::Random) => {
            let object = object.clone();
            let max = crate::devfs::read_max(&object).unwrap_or(0);
            let n = buf.len().min(max);
            crate::devfs::fill(sys, &object, &mut buf[..n]);
            Ok(n)
        }
        Object::ConsoleOut(_)
        | Object::Dir(_)
        | Object::PipeRead(_)
        | Object::PipeWrite(_)
        | Object::PipeDuplex { .. } => Err(Errno::BadF.into()),
        Object::Event(_) => event_read(sys, id, buf),
        Object::Epoll => Err(Errno::Inval.into()),
        &Object::File(ino) => {
            if file.rights_base & rights::FD_READ == 0 {
                return Err(Errno::BadF.into());
            }
            let offset = at.unwrap_or(file.offset);
            sync_clock(sys);
            let n = sys.fs.read(ino, offset, buf)?;
            if at.is_none() {
                sys.files.get_mut(id)?.offset = offset.saturating_add(n as u64);
            }
            Ok(n)
        }
    }
}

/// The event counter of open file `id` and whether it is non-blocking.
fn counter_of(sys: &mut System, id: FileId) -> Result<(&mut eventfd::Counter, bool), Errno> {
    let file = sys.files.get_mut(id)?;
    let nonblock = file.flags & fdflags::NONBLOCK != 0;
    match &mut file.object {
        Object::Event(counter) => Ok((counter, nonblock)),
        _ => Err(Errno::BadF),
    }
}

/// A read of an event counter: its count (or 1, as a semaphore) as 8 little-endian
/// bytes; INVAL for a smaller buffer; blocks (AGAIN under NONBLOCK) while it is 0.
fn event_read(sys: &mut System, id: FileId, buf: &mut [u8]) -> SysResult<usize> {
    require(sys, id, rights::FD_READ)?;
    let out = buf.get_mut(..eventfd::SIZE).ok_or(Errno::Inval)?;
    let (counter, nonblock) = counter_of(sys, id)?;
    match counter.take() {
        Some(v) => {
            out.copy_from_slice(&v.to_le_bytes());
            // A writer waiting for room may go on.
            sys.events.push(Event::Counter(id));
            Ok(eventfd::SIZE)
        }
        None if nonblock => Err(Errno::Again.into()),
        None => Err(Sys::Block(Wait::Counter(id))),
    }
}

/// A write to an event counter: adds the first 8 bytes (little-endian); INVAL for fewer
/// or for `u64::MAX`; blocks (AGAIN under NONBLOCK) while the sum would pass the maximum.
fn event_write(sys: &mut System, id: FileId, data: &[u8]) -> SysResult<usize> {
    require(sys, id, rights::FD_WRITE)?;
    let bytes = data
        .first_chunk::<{ eventfd::SIZE }>()
        .ok_or(Errno::Inval)?;
    let (counter, nonblock) = counter_of(sys, id)?;
    if counter.add(u64::from_le_bytes(*bytes))? {
        sys.events.push(Event::Counter(id));
        Ok(eventfd::SIZE)
    } else if nonblock {
        Err(Errno::Again.into())
    } else {
        Err(Sys::Block(Wait::Counter(id)))
    }
}

/// Most bytes one `fd_read`/`fd_write` (and positional twin) moves through a kernel
/// buffer; more is a short transfer, which callers loop on.
pub(crate) const MAX_TRANSFER: usize = 1 << 24;

/// Most bytes a regular file's read or write moves per turn of its process in the ready
/// queue: a bigger transfer (up to [`MAX_TRANSFER`]) is done in pieces, one per turn
/// ([`Wait::Continue`]), since a host call is never preempted and copying 16 MiB through
/// the filesystem's pages held every other process off under emulation.
pub const FILE_PIECE: usize = 1 << 20;

/// Where a transfer done in pieces stands: bytes already moved by this call (0 on its
/// first try) and how many this piece moves. A signal handler cannot wait for a turn (a
/// handler's call that blocks ends the process), so it moves everything in one piece.
fn piece(cx: &Cx<'_>, total: usize) -> (usize, usize) {
    let done = if cx.proc.retrying {
        cx.proc.progress.min(total)
    } else {
        0
    };
    let most = if cx.proc.in_handler {
        usize::MAX
    } else {
        FILE_PIECE
    };
    (done, (total - done).min(most))
}

/// Ends one piece of a transfer: `moved` of the piece's `len` bytes went, after `done`.
/// A full piece with more to go comes back at the process's next turn; otherwise the
/// call returns the count so far. An error after earlier pieces moved bytes is a short
/// count instead, as a write that fails part way is on Linux.
fn after_piece(
    cx: &mut Cx<'_>,
    done: usize,
    len: usize,
    total: usize,
    moved: SysResult<usize>,
) -> SysResult<usize> {
    let n = match moved {
        Ok(n) => n,
        Err(Sys::Err(_)) if done > 0 => return Ok(done),
        Err(e) => return Err(e),
    };
    let done = done + n;
    if n == len && done < total {
        cx.proc.progress = done;
        return Err(Sys::Block(Wait::Continue));
    }
    Ok(done)
}

/// Most bytes one write to the console takes (more is a short write, as a terminal may
/// give): a host call is never preempted, and the serial port moves a byte per port
/// write, so 16 MiB held every other process off for seconds.
pub const MAX_CONSOLE_WRITE: usize = 64 << 10;

/// Gathers the iovecs and writes them in one piece (pipes: straight from guest memory,
/// see [`pipe_write`]). A broken pipe raises SIGPIPE unless the process ignores it.
pub(crate) fn write_iovs(
    cx: &mut Cx<'_>,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    at: Option<u64>,
) -> SysResult<usize> {
    let id = file_of(cx, fd)?;
    let iovs = cx.mem.iovecs(iovs as u32, iovs_len as u32)?;
    if rights_of(cx, fd)?.1 & rights::FD_WRITE == 0 {
        // Dropped from this descriptor by `fd_fdstat_set_rights` (or never held).
        return Err(Errno::BadF.into());
    }
    if let Some(end) = pipe_end(cx.sys, id, false, rights::FD_WRITE)? {
        let r = pipe_write(&cx.mem, cx.sys, &end, &iovs);
        flush_pipe_events(cx.sys);
        return r.map_err(|e| broken_pipe(cx, e));
    }
    let file = cx.sys.files.get(id)?;
    if matches!(file.object, Object::Null | Object::Zero | Object::Random) {
        // Discarded: nothing to copy (the iovecs were checked to lie in memory).
        require(cx.sys, id, rights::FD_WRITE)?;
        return Ok(GuestMem::iov_total(&iovs).min(MAX_TRANSFER));
    }
    // At most MAX_TRANSFER bytes per call (a short write), as for reads: a guest's
    // iovecs may add up to GiBs, more than the kernel heap holds. A regular file takes
    // them in pieces; the console less.
    if matches!(file.object, Object::File(_)) {
        let total = GuestMem::iov_total(&iovs).min(MAX_TRANSFER);
        let (done, len) = piece(cx, total);
        let moved = cx
            .mem
            .gather(&GuestMem::iov_window(&iovs, done, len))
            .map_err(Sys::from)
            .and_then(|data| {
                write_file(cx.sys, id, &data, at.map(|a| a.saturating_add(done as u64)))
            });
        return after_piece(cx, done, len, total, moved);
    }
    let max = if matches!(file.object, Object::ConsoleOut(_) | Object::Tty) {
        MAX_CONSOLE_WRITE
    } else {
        MAX_TRANSFER
    };
    let data = cx.mem.gather_at_most(&iovs, max)?;
    write_file(cx.sys, id, &data, at).map_err(|e| broken_pipe(cx, e))
}

/// Fills the iovecs in order, straight in guest memory, from a device that makes its bytes
/// up (zeros, random), stopping after `max` bytes.
pub(crate) fn device_read(
    mem: &mut GuestMem<'_>,
    sys: &mut System,
    object: &Object,
    iovs: &[IoVec],
    max: usize,
) -> Result<usize, Errno> {
    let mut total = 0usize;
    for &(ptr, len) in iovs {
        if total == max {
            break;
        }
        let n = (len as usize).min(max - total);
        crate::devfs::fill(sys, object, mem.slice_mut(ptr, n as u32)?);
        total += n;
    }
    Ok(total)
}

/// Reads into the iovecs in order; stops at a short read. Pipes are read straight into
/// guest memory.
pub(crate) fn read_iovs(
    cx: &mut Cx<'_>,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    at: Option<u64>,
) -> SysResult<usize> {
    let id = file_of(cx, fd)?;
    let iovs = cx.mem.iovecs(iovs as u32, iovs_len as u32)?;
    if rights_of(cx, fd)?.1 & rights::FD_READ == 0 {
        return Err(Errno::BadF.into());
    }
    if let Some(end) = pipe_end(cx.sys, id, true, rights::FD_READ)? {
        let r = pipe_read(&mut cx.mem, cx.sys, &end, &iovs);
        flush_pipe_events(cx.sys);
        return r;
    }
    let object = &cx.sys.files.get(id)?.object;
    if let Some(max) = crate::devfs::read_max(object) {
        let object = object.clone();
        require(cx.sys, id, rights::FD_READ)?;
        return Ok(device_read(&mut cx.mem, cx.sys, &object, &iovs, max)?);
    }
    let total = GuestMem::iov_total(&iovs).min(MAX_TRANSFER);
    if matches!(object, Object::File(_)) {
        // In pieces, as for writes.
        let (done, len) = piece(cx, total);
        let window = GuestMem::iov_window(&iovs, done, len);
        let moved = read_piece(
            cx,
            id,
            &window,
            len,
            at.map(|a| a.saturating_add(done as u64)),
        );
        return after_piece(cx, done, len, total, moved);
    }
    read_piece(cx, id, &iovs, total, at)
}

/// Reads at most `len` bytes from open file `id` (at `at`, else its offset) into `iovs`.
fn read_piece(
    cx: &mut Cx<'_>,
    id: FileId,
    iovs: &[IoVec],
    len: usize,
    at: Option<u64>,
) -> SysResult<usize> {
    if len > 0
        && matches!(
            cx.sys.files.get(id)?.object,
            Object::ConsoleIn | Object::Tty
        )
    {
        // A background job reading the console is stopped (TTIN).
        crate::signals::background_access(cx, abi::wasix::signal::TTIN)?;
    }
    let mut buf = Vec::new();
    crate::failpoint::reserve(&mut buf, len)?;
    buf.resize(len, 0);
    let n = read_file(cx.sys, id, &mut buf, at)?;
    Ok(cx.mem.scatter(iovs, &buf[..n])?)
}

/// Writes `data` to `fd` of `proc` if that is something that cannot block (console, file,
/// null; a pipe only if it has room and a reader) — for runtime messages such as trap
/// reports.
pub fn write_best_effort(sys: &mut System, proc: &ProcData, fd: u32, data: &[u8]) {
    if let Ok(entry) = proc.fds.get(fd) {
        let _ = write_file(sys, entry.file, data, None);
    }
}

/// Whether the caller has the console on fd 0, 1 or 2 (what changing the console's
/// settings or foreground group needs).
pub fn on_console(cx: &Cx<'_>) -> bool {
    (0..3).any(|fd| is_console(cx, fd))
}

/// Whether the caller's descriptor `fd` is the console (its input, an output stream, or
/// `/dev/tty`).
pub fn is_console(cx: &Cx<'_>, fd: u32) -> bool {
    cx.proc
        .fds
        .get(fd)
        .ok()
        .and_then(|e| cx.sys.files.get(e.file).ok())
        .is_some_and(|f| {
            matches!(
                f.object,
                Object::ConsoleIn | Object::ConsoleOut(_) | Object::Tty
            )
        })
}
