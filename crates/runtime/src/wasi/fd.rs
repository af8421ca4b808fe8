//! The `fd_*` calls: reading and writing through a descriptor's open file (console, boot
//! stdin bytes, null, regular file), seeking, descriptor status, preopens, and descriptor
//! table changes.

use abi::Errno;

use crate::files::{FileId, Object, fdflags};
use crate::mem::GuestMem;
use crate::sys::{Cx, ProcData, Sys, SysResult, System, Wait};

/// The open-file id behind `fd`.
pub fn file_of(cx: &Cx<'_>, fd: i32) -> Result<FileId, Errno> {
    Ok(cx.proc.fds.get(fd as u32)?.file)
}

/// Writes `data` to the open file `id`; returns bytes written.
pub fn write_file(sys: &mut System, id: FileId, data: &[u8], at: Option<u64>) -> SysResult<usize> {
    let file = sys.files.get_mut(id)?;
    match file.object.clone() {
        Object::ConsoleOut(stream) => {
            sys.platform.write(stream, data);
            Ok(data.len())
        }
        Object::Null => Ok(data.len()),
        Object::ConsoleIn | Object::Bytes(_) | Object::Dir(_) => Err(Errno::BadF.into()),
        Object::File(ino) => {
            let append = file.flags & fdflags::APPEND != 0;
            let offset = match at {
                Some(off) => off,
                None if append => sys.fs.stat(ino)?.size,
                None => file.offset,
            };
            let now = sys.platform.realtime_ns();
            sys.fs.set_time(now);
            let n = if data.is_empty() {
                0
            } else {
                sys.fs.write(ino, offset, data)?
            };
            if at.is_none() {
                sys.files.get_mut(id)?.offset = offset + n as u64;
            }
            Ok(n)
        }
    }
}

/// Reads into `buf` from the open file `id`; returns bytes read (0 = end of file).
pub fn read_file(
    sys: &mut System,
    id: FileId,
    buf: &mut [u8],
    at: Option<u64>,
) -> SysResult<usize> {
    let file = sys.files.get_mut(id)?;
    let nonblock = file.flags & fdflags::NONBLOCK != 0;
    match &file.object {
        Object::ConsoleIn => {
            if buf.is_empty() {
                return Ok(0);
            }
            let n = sys.platform.read_console(buf);
            if n > 0 {
                Ok(n)
            } else if nonblock {
                Err(Errno::Again.into())
            } else {
                Err(Sys::Block(Wait::Console))
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
                file.offset = start + n as u64;
            }
            Ok(n)
        }
        Object::Null => Ok(0),
        Object::ConsoleOut(_) | Object::Dir(_) => Err(Errno::BadF.into()),
        &Object::File(ino) => {
            let offset = at.unwrap_or(file.offset);
            let now = sys.platform.realtime_ns();
            sys.fs.set_time(now);
            let n = sys.fs.read(ino, offset, buf)?;
            if at.is_none() {
                sys.files.get_mut(id)?.offset = offset + n as u64;
            }
            Ok(n)
        }
    }
}

/// Gathers the iovecs and writes them in one piece.
fn write_iovs(
    cx: &mut Cx<'_>,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    at: Option<u64>,
) -> SysResult<usize> {
    let id = file_of(cx, fd)?;
    let iovs = cx.mem.iovecs(iovs as u32, iovs_len as u32)?;
    let data = cx.mem.gather(&iovs)?;
    write_file(cx.sys, id, &data, at)
}

/// Reads into the iovecs in order; stops at a short read.
fn read_iovs(
    cx: &mut Cx<'_>,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    at: Option<u64>,
) -> SysResult<usize> {
    let id = file_of(cx, fd)?;
    let iovs = cx.mem.iovecs(iovs as u32, iovs_len as u32)?;
    let total = GuestMem::iov_total(&iovs).min(1 << 24);
    let mut buf = alloc::vec![0u8; total];
    let n = read_file(cx.sys, id, &mut buf, at)?;
    Ok(cx.mem.scatter(&iovs, &buf[..n])?)
}

pub fn fd_write(cx: &mut Cx<'_>, fd: i32, iovs: i32, iovs_len: i32, out: i32) -> SysResult {
    cx.mem.slice(out as u32, 4)?;
    let n = write_iovs(cx, fd, iovs, iovs_len, None)?;
    cx.mem.write_u32(out as u32, n as u32)?;
    Ok(())
}

pub fn fd_read(cx: &mut Cx<'_>, fd: i32, iovs: i32, iovs_len: i32, out: i32) -> SysResult {
    cx.mem.slice(out as u32, 4)?;
    let n = read_iovs(cx, fd, iovs, iovs_len, None)?;
    cx.mem.write_u32(out as u32, n as u32)?;
    Ok(())
}

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

/// SPIPE for descriptors without a file position.
fn seekable(cx: &Cx<'_>, fd: i32) -> Result<FileId, Errno> {
    let id = file_of(cx, fd)?;
    match cx.sys.files.get(id)?.object {
        Object::File(_) | Object::Bytes(_) => Ok(id),
        Object::Dir(_) => Err(Errno::BadF),
        _ => Err(Errno::SPipe),
    }
}

pub fn fd_close(cx: &mut Cx<'_>, fd: i32) -> SysResult {
    let System { fs, files, .. } = &mut *cx.sys;
    cx.proc.fds.close(fs, files, fd as u32)?;
    Ok(())
}

pub fn fd_fdstat_get(cx: &mut Cx<'_>, fd: i32, out: i32) -> SysResult {
    let id = file_of(cx, fd)?;
    let f = cx.sys.files.get(id)?;
    // fdstat: filetype u8 @0, flags u16 @2, rights_base u64 @8, rights_inheriting u64 @16.
    let mut buf = [0u8; 24];
    buf[0] = f.object.filetype();
    buf[2..4].copy_from_slice(&f.flags.to_le_bytes());
    buf[8..16].copy_from_slice(&f.rights_base.to_le_bytes());
    buf[16..24].copy_from_slice(&f.rights_inheriting.to_le_bytes());
    cx.mem.write(out as u32, &buf)?;
    Ok(())
}

pub fn fd_prestat_get(cx: &mut Cx<'_>, fd: i32, out: i32) -> SysResult {
    let entry = cx.proc.fds.get(fd as u32)?;
    let name = entry.preopen.as_ref().ok_or(Errno::BadF)?;
    // prestat: tag u8 @0 (0 = dir), name length u32 @4.
    let mut buf = [0u8; 8];
    buf[4..8].copy_from_slice(&(name.len() as u32).to_le_bytes());
    cx.mem.write(out as u32, &buf)?;
    Ok(())
}

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

/// Writes `data` to `fd` of `proc` if that is something that cannot block (console, file,
/// null) — for runtime messages such as trap reports.
pub fn write_best_effort(sys: &mut System, proc: &ProcData, fd: u32, data: &[u8]) {
    if let Ok(entry) = proc.fds.get(fd) {
        let _ = write_file(sys, entry.file, data, None);
    }
}

pub fn fd_advise(_cx: &mut Cx<'_>, _fd: i32, _offset: i64, _len: i64, _advice: i32) -> SysResult {
    Err(Errno::NoSys.into())
}
pub fn fd_allocate(_cx: &mut Cx<'_>, _fd: i32, _offset: i64, _len: i64) -> SysResult {
    Err(Errno::NoSys.into())
}
pub fn fd_datasync(_cx: &mut Cx<'_>, _fd: i32) -> SysResult {
    Err(Errno::NoSys.into())
}
pub fn fd_fdstat_set_flags(_cx: &mut Cx<'_>, _fd: i32, _flags: i32) -> SysResult {
    Err(Errno::NoSys.into())
}
pub fn fd_fdstat_set_rights(_cx: &mut Cx<'_>, _fd: i32, _base: i64, _inheriting: i64) -> SysResult {
    Err(Errno::NoSys.into())
}
pub fn fd_filestat_get(_cx: &mut Cx<'_>, _fd: i32, _out: i32) -> SysResult {
    Err(Errno::NoSys.into())
}
pub fn fd_filestat_set_size(_cx: &mut Cx<'_>, _fd: i32, _size: i64) -> SysResult {
    Err(Errno::NoSys.into())
}
pub fn fd_filestat_set_times(
    _cx: &mut Cx<'_>,
    _fd: i32,
    _atim: i64,
    _mtim: i64,
    _flags: i32,
) -> SysResult {
    Err(Errno::NoSys.into())
}
pub fn fd_readdir(
    _cx: &mut Cx<'_>,
    _fd: i32,
    _buf: i32,
    _len: i32,
    _cookie: i64,
    _out: i32,
) -> SysResult {
    Err(Errno::NoSys.into())
}
pub fn fd_renumber(_cx: &mut Cx<'_>, _fd: i32, _to: i32) -> SysResult {
    Err(Errno::NoSys.into())
}
pub fn fd_seek(_cx: &mut Cx<'_>, _fd: i32, _offset: i64, _whence: i32, _out: i32) -> SysResult {
    Err(Errno::NoSys.into())
}
pub fn fd_sync(_cx: &mut Cx<'_>, _fd: i32) -> SysResult {
    Err(Errno::NoSys.into())
}
pub fn fd_tell(_cx: &mut Cx<'_>, _fd: i32, _out: i32) -> SysResult {
    Err(Errno::NoSys.into())
}
