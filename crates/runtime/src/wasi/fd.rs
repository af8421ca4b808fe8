//! The `fd_*` calls: reading and writing through a descriptor's open file (console, boot
//! stdin bytes, the `/dev` devices, regular file, pipe end), seeking, status and metadata,
//! directory listing, preopens, and descriptor table changes. Behaviour follows wasmtime's preview1
//! except where noted on the call (it refuses `fd_allocate` and `fd_fdstat_set_rights`,
//! which are honoured here).
//!
//! Pipes move bytes straight between guest memory and the pipe's ring: reads fill the
//! iovecs in order and stop at the first short one; writes of at most `PIPE_BUF` bytes are
//! atomic, larger ones write what fits (a partial count, which wasi-libc and Rust's std
//! loop on). An empty pipe with a writer, or a full one with a reader, blocks the call on
//! [`crate::types::Wait::Pipe`] — or fails AGAIN under NONBLOCK. Writing with no reader left kills the
//! process with SIGPIPE, or fails PIPE if it ignores that signal. Every path that changes
//! a pipe (reads, writes, closing a descriptor) ends by moving the pipe's wake-up events
//! to the scheduler (the service in [`crate::io`]).
//!
//! The devices that make bytes up (`/dev/zero`, `/dev/urandom`) are read straight into
//! guest memory, and writes to the discarding ones (`/dev/null` and those two) copy
//! nothing; both are bounded per call like every transfer ([`crate::devfs`]).

use abi::Errno;
use abi::wasix::rights;
use abi::wasix::{Dirent, Filestat, fstflags, whence};
use vfs::Stat;

use crate::files::{FileId, Object};
use crate::io::{
    file_ino, file_of, flush_pipe_events, object_of, read_iovs, require_fd, rights_of, sync_clock,
    write_iovs,
};
use crate::sys::{Cx, SysResult, System};
use abi::wasix::fdflags;

/// `fd_write`: writes the iovecs at the descriptor's offset (or end, in append mode).
pub fn fd_write(cx: &mut Cx<'_>, fd: i32, iovs: i32, iovs_len: i32, out: i32) -> SysResult {
    cx.mem.slice(out as u32, 4)?;
    let n = write_iovs(cx, fd, iovs, iovs_len, None)?;
    cx.mem.write_u32(out as u32, n as u32)?;
    Ok(())
}

/// `fd_read`: reads into the iovecs from the descriptor's offset.
pub fn fd_read(cx: &mut Cx<'_>, fd: i32, iovs: i32, iovs_len: i32, out: i32) -> SysResult {
    cx.mem.slice(out as u32, 4)?;
    let n = read_iovs(cx, fd, iovs, iovs_len, None)?;
    cx.mem.write_u32(out as u32, n as u32)?;
    Ok(())
}

/// `fd_pwrite`: writes at `offset` without moving the descriptor's offset.
pub fn fd_pwrite(
    cx: &mut Cx<'_>,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    offset: i64,
    out: i32,
) -> SysResult {
    cx.mem.slice(out as u32, 4)?;
    seekable(cx, fd)?;
    let n = write_iovs(cx, fd, iovs, iovs_len, Some(offset as u64))?;
    cx.mem.write_u32(out as u32, n as u32)?;
    Ok(())
}

/// `fd_pread`: reads at `offset` without moving the descriptor's offset.
pub fn fd_pread(
    cx: &mut Cx<'_>,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    offset: i64,
    out: i32,
) -> SysResult {
    cx.mem.slice(out as u32, 4)?;
    seekable(cx, fd)?;
    let n = read_iovs(cx, fd, iovs, iovs_len, Some(offset as u64))?;
    cx.mem.write_u32(out as u32, n as u32)?;
    Ok(())
}

/// The open file behind a descriptor with a file position: SPIPE for streams, BADF for
/// directories (as wasmtime). `/dev/null`, `/dev/zero` and the random devices count as
/// seekable, their position staying 0, as on Linux.
fn seekable(cx: &Cx<'_>, fd: i32) -> Result<FileId, Errno> {
    let id = file_of(cx, fd)?;
    match cx.sys.files.get(id)?.object {
        Object::File(_) | Object::Bytes(_) => Ok(id),
        Object::Null | Object::Zero | Object::Random => Ok(id),
        Object::Dir(_) => Err(Errno::BadF),
        _ => Err(Errno::SPipe),
    }
}

/// `fd_close`: removes the descriptor; the open file closes with its last descriptor.
pub fn fd_close(cx: &mut Cx<'_>, fd: i32) -> SysResult {
    let System { fs, files, .. } = &mut *cx.sys;
    cx.proc.fds.close(fs, files, fd as u32)?;
    flush_pipe_events(cx.sys);
    Ok(())
}

/// `fd_fdstat_get`: filetype, status flags and rights.
pub fn fd_fdstat_get(cx: &mut Cx<'_>, fd: i32, out: i32) -> SysResult {
    let (id, held, inheriting) = rights_of(cx, fd)?;
    let f = cx.sys.files.get(id)?;
    // A terminal cannot seek: without FD_SEEK and FD_TELL (and as a character device)
    // the console is a tty to wasi-libc's `isatty`, so a C program line-buffers its
    // output there, as on a real terminal (wasmtime reports its terminal stdio so).
    let rights_base = match f.object {
        Object::ConsoleIn | Object::ConsoleOut(_) | Object::Tty => {
            held & !(rights::FD_SEEK | rights::FD_TELL)
        }
        _ => held,
    };
    let stat = abi::wasix::Fdstat {
        filetype: f.object.filetype(),
        flags: f.flags,
        rights_base,
        rights_inheriting: inheriting,
    };
    cx.mem.write_struct(out as u32, &stat)?;
    Ok(())
}

/// `fd_prestat_get`: the preopen's kind (directory) and name length; BADF otherwise.
pub fn fd_prestat_get(cx: &mut Cx<'_>, fd: i32, out: i32) -> SysResult {
    let entry = cx.proc.fds.get(fd as u32)?;
    let name = entry.preopen.as_ref().ok_or(Errno::BadF)?;
    let prestat = abi::wasix::Prestat::dir(name.len() as u32);
    cx.mem.write_struct(out as u32, &prestat)?;
    Ok(())
}

/// `fd_prestat_dir_name`: the preopen's name (no NUL).
pub fn fd_prestat_dir_name(cx: &mut Cx<'_>, fd: i32, path: i32, len: i32) -> SysResult {
    let entry = cx.proc.fds.get(fd as u32)?;
    let name = entry.preopen.as_ref().ok_or(Errno::BadF)?;
    if (len as u32 as usize) < name.len() {
        return Err(Errno::NameTooLong.into());
    }
    let name = name.clone();
    cx.mem.write(path as u32, name.as_bytes())?;
    Ok(())
}

/// `fd_advise`: advice 0..=5 (else INVAL) on a regular file (else BADF); a no-op.
pub fn fd_advise(cx: &mut Cx<'_>, fd: i32, _offset: i64, _len: i64, advice: i32) -> SysResult {
    if !(0..=5).contains(&advice) {
        return Err(Errno::Inval.into());
    }
    file_ino(cx, fd)?;
    Ok(())
}

/// `fd_allocate`: reserves `[offset, offset + len)` of a regular file opened for writing,
/// growing it (BADF for other descriptors, INVAL for a negative offset or a length ≤ 0).
/// wasmtime answers NOTSUP for every file; this one works as `posix_fallocate`.
pub fn fd_allocate(cx: &mut Cx<'_>, fd: i32, offset: i64, len: i64) -> SysResult {
    let (_, ino) = file_ino(cx, fd)?;
    require_fd(cx, fd, rights::FD_WRITE)?;
    if offset < 0 || len <= 0 {
        return Err(Errno::Inval.into());
    }
    sync_clock(cx.sys);
    if cx
        .sys
        .file_room()
        .is_some_and(|room| room as u64 <= len as u64)
    {
        return Err(Errno::NoSpc.into());
    }
    cx.sys.fs.allocate(ino, offset as u64, len as u64)?;
    Ok(())
}

/// The shared part of `fd_sync` and `fd_datasync`: the RAM filesystem is always in sync,
/// so this only checks the descriptor. Regular files succeed and streams are BADF, as in
/// wasmtime; directories succeed too (wasmtime says BADF, POSIX `fsync` allows them).
fn sync(cx: &Cx<'_>, fd: i32) -> SysResult {
    match object_of(cx, fd)?.1 {
        Object::File(_) | Object::Dir(_) => Ok(()),
        _ => Err(Errno::BadF.into()),
    }
}

/// `fd_datasync`: see [`fd_sync`].
pub fn fd_datasync(cx: &mut Cx<'_>, fd: i32) -> SysResult {
    sync(cx, fd)
}

/// `fd_sync`: success for files and directories (nothing to flush), BADF for streams.
pub fn fd_sync(cx: &mut Cx<'_>, fd: i32) -> SysResult {
    sync(cx, fd)
}

/// `fd_fdstat_set_flags`: replaces the open file's status flags (APPEND, NONBLOCK, and the
/// sync flags, trivially honoured in RAM); unknown bits are INVAL, directories BADF.
/// wasmtime also refuses console streams (BADF) and the sync flags (INVAL); here NONBLOCK
/// on the console is meaningful (reads then give AGAIN instead of blocking).
pub fn fd_fdstat_set_flags(cx: &mut Cx<'_>, fd: i32, flags: i32) -> SysResult {
    let flags = u16::try_from(flags)
        .ok()
        .filter(|f| f & !fdflags::ALL == 0)
        .ok_or(Errno::Inval)?;
    let (id, object) = object_of(cx, fd)?;
    if let Object::Dir(_) = object {
        return Err(Errno::BadF.into());
    }
    cx.sys.files.get_mut(id)?.flags = flags;
    Ok(())
}

/// `fd_fdstat_set_rights`: narrows the rights of this descriptor (and of the copies later
/// made of it), not of the open file it shares with other descriptors or processes;
/// asking for a right it does not hold is NOTCAPABLE. wasmtime answers NOTSUP for every
/// descriptor.
pub fn fd_fdstat_set_rights(cx: &mut Cx<'_>, fd: i32, base: i64, inheriting: i64) -> SysResult {
    let (base, inheriting) = (base as u64, inheriting as u64);
    let (_, held, held_inheriting) = rights_of(cx, fd)?;
    if base & !held != 0 || inheriting & !held_inheriting != 0 {
        return Err(Errno::NotCapable.into());
    }
    cx.proc.fds.get_mut(fd as u32)?.rights = crate::files::Rights { base, inheriting };
    Ok(())
}

/// The WASI `filestat` of `st`.
pub fn filestat(st: &Stat) -> Filestat {
    Filestat {
        dev: st.dev,
        ino: st.ino,
        filetype: st.kind.wasi(),
        nlink: st.nlink,
        size: st.size,
        atim: st.atim,
        mtim: st.mtim,
        ctim: st.ctim,
    }
}

/// `fd_filestat_get`: the metadata of a file or directory; streams report only their
/// filetype (everything else 0), as in wasmtime.
pub fn fd_filestat_get(cx: &mut Cx<'_>, fd: i32, out: i32) -> SysResult {
    cx.mem.slice(out as u32, Filestat::SIZE as u32)?;
    let stat = match object_of(cx, fd)?.1 {
        Object::File(ino) | Object::Dir(ino) => filestat(&cx.sys.fs.stat(ino)?),
        other => Filestat {
            filetype: other.filetype(),
            ..Filestat::default()
        },
    };
    cx.mem.write_struct(out as u32, &stat)?;
    Ok(())
}

/// `fd_filestat_set_size`: truncates or extends a regular file (BADF for other
/// descriptors). A handle without FD_WRITE or a negative size is INVAL (as wasmtime, from
/// Linux `ftruncate`); beyond the file size limit, FBIG.
pub fn fd_filestat_set_size(cx: &mut Cx<'_>, fd: i32, size: i64) -> SysResult {
    let (_, ino) = file_ino(cx, fd)?;
    if require_fd(cx, fd, rights::FD_WRITE).is_err() || size < 0 {
        return Err(Errno::Inval.into());
    }
    sync_clock(cx.sys);
    cx.sys.fs.set_size(ino, size as u64)?;
    Ok(())
}

/// Decodes `fstflags` into the new (atime, mtime), each `None` to leave it; the `*_NOW`
/// flags use the current wall clock, to which the filesystem clock is also set. A time
/// given both explicitly and as now, or an unknown bit, is INVAL.
pub(crate) fn set_times_args(
    sys: &mut System,
    atim: i64,
    mtim: i64,
    flags: i32,
) -> Result<(Option<u64>, Option<u64>), Errno> {
    let flags = u16::try_from(flags)
        .ok()
        .filter(|f| f & !fstflags::ALL == 0)
        .ok_or(Errno::Inval)?;
    sync_clock(sys);
    let now = sys.fs.now();
    let pick = |given: u16, now_flag: u16, value: i64| match (flags & given, flags & now_flag) {
        (0, 0) => Ok(None),
        (_, 0) => Ok(Some(value as u64)),
        (0, _) => Ok(Some(now)),
        _ => Err(Errno::Inval),
    };
    Ok((
        pick(fstflags::ATIM, fstflags::ATIM_NOW, atim)?,
        pick(fstflags::MTIM, fstflags::MTIM_NOW, mtim)?,
    ))
}

/// `fd_filestat_set_times`: sets the access/modification times of a file or directory
/// (BADF for streams).
pub fn fd_filestat_set_times(
    cx: &mut Cx<'_>,
    fd: i32,
    atim: i64,
    mtim: i64,
    flags: i32,
) -> SysResult {
    let (atim, mtim) = set_times_args(cx.sys, atim, mtim, flags)?;
    match object_of(cx, fd)?.1 {
        Object::File(ino) | Object::Dir(ino) => Ok(cx.sys.fs.set_times(ino, atim, mtim)?),
        _ => Err(Errno::BadF.into()),
    }
}

/// Size of a `dirent` header: d_next u64 @0, d_ino u64 @8, d_namlen u32 @16, d_type u8 @20.
const DIRENT_SIZE: usize = Dirent::SIZE;

/// `fd_readdir`: fills `buf` with directory entries from `cookie` on (`.` and `..` first),
/// each a 24-byte header and the name; the last one is cut off where the buffer ends, and
/// a full buffer (`*out == len`) tells the caller to read again from the last whole entry's
/// `d_next` (wasi-libc does). BADF for anything but a directory, NOTCAPABLE without
/// FD_READDIR. Only the bytes written must lie in memory, as in wasmtime.
pub fn fd_readdir(
    cx: &mut Cx<'_>,
    fd: i32,
    buf: i32,
    len: i32,
    cookie: i64,
    out: i32,
) -> SysResult {
    let cap = len as u32 as usize;
    cx.mem.slice(out as u32, 4)?;
    let Object::Dir(ino) = object_of(cx, fd)?.1 else {
        return Err(Errno::BadF.into());
    };
    if rights_of(cx, fd)?.1 & rights::FD_READDIR == 0 {
        return Err(Errno::NotCapable.into());
    }
    crate::procfs::sync_for(cx.sys, cx.proc.pid);
    // Two passes over the directory, nothing copied into the kernel: the bytes the
    // listing fills (at most `cap`), checked against guest memory (FAULT, nothing
    // written), then the entries written straight into the buffer.
    let mut total = 0usize;
    for entry in cx.sys.fs.readdir_iter(ino, cookie as u64)? {
        if total >= cap {
            break;
        }
        total = total.saturating_add(DIRENT_SIZE + entry.name.len());
    }
    let total = total.min(cap);
    let dst = cx.mem.slice_mut(buf as u32, total as u32)?;
    let mut at = 0usize;
    for entry in cx.sys.fs.readdir_iter(ino, cookie as u64)? {
        if at >= total {
            break;
        }
        let head = Dirent {
            d_next: entry.next,
            d_ino: entry.ino,
            d_namlen: entry.name.len() as u32,
            d_type: crate::devfs::filetype(cx.sys, entry.ino, entry.kind.wasi()),
        }
        .to_bytes();
        for part in [&head[..], entry.name.as_bytes()] {
            let n = part.len().min(total - at);
            dst[at..at + n].copy_from_slice(&part[..n]);
            at += n;
        }
    }
    cx.mem.write_u32(out as u32, total as u32)?;
    Ok(())
}

/// `fd_renumber`: moves descriptor `fd` onto `to`, closing what `to` held. Both must be
/// open (BADF), as in wasmtime.
pub fn fd_renumber(cx: &mut Cx<'_>, fd: i32, to: i32) -> SysResult {
    // wasix-libc implements dup2() with this call, so (unlike wasmtime, which wants both
    // open) the target may be closed: it is simply taken.
    cx.proc.fds.get(fd as u32)?;
    let System { fs, files, .. } = &mut *cx.sys;
    cx.proc.fds.renumber(fs, files, fd as u32, to as u32)?;
    flush_pipe_events(cx.sys);
    Ok(())
}

/// `fd_seek`: moves the offset (whence SET, CUR or END, else INVAL) and returns
/// it; a result below 0 or past u64 is INVAL, streams are SPIPE, directories BADF. On
/// `/dev/null`, `/dev/zero` and the random devices it succeeds and reports 0, as Linux.
pub fn fd_seek(cx: &mut Cx<'_>, fd: i32, offset: i64, whence: i32, out: i32) -> SysResult {
    if !matches!(whence, whence::SET | whence::CUR | whence::END) {
        return Err(Errno::Inval.into());
    }
    cx.mem.slice(out as u32, 8)?;
    let id = seekable(cx, fd)?;
    let file = cx.sys.files.get(id)?;
    let base = match (whence, &file.object) {
        (_, Object::Null | Object::Zero | Object::Random) => {
            cx.mem.write_u64(out as u32, 0)?;
            return Ok(());
        }
        (whence::SET, _) => 0,
        (whence::CUR, _) => file.offset,
        (_, Object::File(ino)) => cx.sys.fs.stat(*ino)?.size,
        (_, Object::Bytes(data)) => data.len() as u64,
        _ => return Err(Errno::SPipe.into()),
    };
    let pos = base.checked_add_signed(offset).ok_or(Errno::Inval)?;
    cx.sys.files.get_mut(id)?.offset = pos;
    cx.mem.write_u64(out as u32, pos)?;
    Ok(())
}

/// `fd_tell`: the current offset (SPIPE for streams, BADF for directories).
pub fn fd_tell(cx: &mut Cx<'_>, fd: i32, out: i32) -> SysResult {
    cx.mem.slice(out as u32, 8)?;
    let id = seekable(cx, fd)?;
    let pos = cx.sys.files.get(id)?.offset;
    cx.mem.write_u64(out as u32, pos)?;
    Ok(())
}
