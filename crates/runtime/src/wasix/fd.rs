//! Pipes, event counters and descriptor duplication: `fd_pipe`, `fd_event`, `fd_dup`,
//! `fd_dup2` and the per-descriptor flags (`fd_fdflags_get` / `fd_fdflags_set`, whose only
//! flag is CLOEXEC).
//!
//! Every call returns an errno and checks all of its arguments before it changes anything:
//! an unknown flag or a bad boolean is INVAL, a result pointer outside memory FAULT, an
//! unknown descriptor BADF, and a full descriptor table MFILE.
//!
//! Duplicates share the open file description (offset, status flags such as NONBLOCK, and
//! for a pipe its end: the end closes with the last descriptor of it, in any process).
//! A duplicate never inherits CLOEXEC (`fd_dup2` sets it as asked) and is never a preopen,
//! so `fd_prestat_get` does not report a directory twice. Nothing here closes a
//! descriptor, so no pipe wake-up events arise (creating a pipe wakes nobody).

use abi::Errno;
use abi::wasix::{eventfdflags, fdflags, fdflagsext};

use crate::eventfd::Counter;
use crate::files::{FdEntry, FileId, Object, OpenFile, OpenFiles};
use crate::sys::{Cx, SysResult, System};

/// FAULT unless a `u32` result can be written at `ptr`.
fn check_out(cx: &Cx<'_>, ptr: i32) -> Result<(), Errno> {
    cx.mem.slice(ptr as u32, 4)?;
    Ok(())
}

/// `fd_pipe(ret_fd1, ret_fd2)`: creates a pipe; its read end goes to the lowest free
/// descriptor (stored at `ro`), its write end to the next one (stored at `wo`). Both ends
/// are blocking and not CLOEXEC. MFILE, before anything is created, unless the table has
/// room for both.
pub fn fd_pipe(cx: &mut Cx<'_>, ro: i32, wo: i32) -> SysResult {
    pipe_pair(cx, ro, wo, |files| files.create_pipe(0))
}

/// Installs the two open files `make` creates at the two lowest free descriptors, written
/// to `out1` and `out2` (checked, like the room for both, before anything is created).
fn pipe_pair(
    cx: &mut Cx<'_>,
    out1: i32,
    out2: i32,
    make: impl FnOnce(&mut OpenFiles) -> (FileId, FileId),
) -> SysResult {
    check_out(cx, out1)?;
    check_out(cx, out2)?;
    let first = cx.proc.fds.lowest_free(0)?;
    let second = cx
        .proc
        .fds
        .lowest_free(first.checked_add(1).ok_or(Errno::MFile)?)?;
    let System { fs, files, .. } = &mut *cx.sys;
    let (a, b) = make(files);
    // Cannot fail: both descriptors were just found free.
    for (fd, file) in [(first, a), (second, b)] {
        cx.proc.fds.install_at(fs, files, fd, FdEntry::new(file))?;
    }
    cx.mem.write_u32(out1 as u32, first)?;
    cx.mem.write_u32(out2 as u32, second)?;
    Ok(())
}

/// The 2022 ABI's `fd_pipe(ret_fd1, ret_fd2)`: two ends of a bidirectional pipe, each
/// reading what the other writes (wasmer's pipes were so, and the 2022 examples rely on
/// it); in the usual use — read one end, write the other — it is a plain pipe.
pub fn fd_pipe_duplex(cx: &mut Cx<'_>, fd1: i32, fd2: i32) -> SysResult {
    pipe_pair(cx, fd1, fd2, |files| files.create_duplex_pipe(0))
}

/// `fd_event(initial, flags, ret_fd)`: a new descriptor on an event counter holding
/// `initial` (libc's `eventfd`). `flags`: SEMAPHORE (1), and NONBLOCK (4, the fdflags bit:
/// what wasix-libc's `EFD_NONBLOCK` is); its `EFD_CLOEXEC` does not fit the 16-bit
/// argument and arrives as 0. Other bits, or `initial` past the counter's maximum, are
/// INVAL.
pub fn fd_event(cx: &mut Cx<'_>, initial: i64, flags: i32, out: i32) -> SysResult {
    check_out(cx, out)?;
    let flags = u16::try_from(flags).map_err(|_| Errno::Inval)?;
    if flags & !(eventfdflags::SEMAPHORE | fdflags::NONBLOCK) != 0 {
        return Err(Errno::Inval.into());
    }
    let counter = Counter::new(initial as u64, flags & eventfdflags::SEMAPHORE != 0)?;
    let fd = cx.proc.fds.lowest_free(0)?;
    let System { fs, files, .. } = &mut *cx.sys;
    let id = files.insert(
        fs,
        OpenFile::new(Object::Event(counter), flags & fdflags::NONBLOCK),
    );
    let installed = cx.proc.fds.install_at(fs, files, fd, FdEntry::new(id));
    if installed.is_err() {
        files.drop_ref(fs, id);
    }
    installed?;
    cx.mem.write_u32(out as u32, fd)?;
    Ok(())
}

/// Installs a duplicate of `fd` at the lowest free descriptor ≥ `min`, with `cloexec`;
/// stores it at `out` (checked by the caller).
fn dup(cx: &mut Cx<'_>, fd: i32, min: u32, cloexec: bool, out: i32) -> SysResult {
    // The copy keeps the rights the original holds (a narrowed descriptor stays narrow).
    let entry = FdEntry {
        cloexec,
        preopen: None,
        ..cx.proc.fds.get(fd as u32)?.clone()
    };
    let new = cx.proc.fds.install(&mut cx.sys.files, entry, min)?;
    cx.mem.write_u32(out as u32, new)?;
    Ok(())
}

/// `fd_dup(fd, ret_fd)`: duplicates `fd` at the lowest free descriptor (POSIX `dup`); the
/// copy is not CLOEXEC.
pub fn fd_dup(cx: &mut Cx<'_>, fd: i32, out: i32) -> SysResult {
    check_out(cx, out)?;
    dup(cx, fd, 0, false, out)
}

/// `fd_dup2(fd, min_result_fd, cloexec, ret_fd)`: duplicates `fd` at the lowest free
/// descriptor ≥ `min` (POSIX `fcntl(F_DUPFD / F_DUPFD_CLOEXEC)`), with CLOEXEC as given.
/// `cloexec` must be 0 or 1 and `min` below the descriptor limit (as `F_DUPFD`): INVAL
/// otherwise.
pub fn fd_dup2(cx: &mut Cx<'_>, fd: i32, min: i32, cloexec: i32, out: i32) -> SysResult {
    let cloexec = match cloexec {
        0 => false,
        1 => true,
        _ => return Err(Errno::Inval.into()),
    };
    let min = min as u32;
    if min >= cx.proc.fds.max() {
        return Err(Errno::Inval.into());
    }
    check_out(cx, out)?;
    dup(cx, fd, min, cloexec, out)
}

/// `fd_fdflags_get(fd, ret_flags)`: the descriptor's flags (`fdflagsext`, a u16).
pub fn fd_fdflags_get(cx: &mut Cx<'_>, fd: i32, out: i32) -> SysResult {
    cx.mem.slice(out as u32, 2)?;
    let entry = cx.proc.fds.get(fd as u32)?;
    let flags = if entry.cloexec {
        fdflagsext::CLOEXEC
    } else {
        0
    };
    cx.mem.write_u16(out as u32, flags)?;
    Ok(())
}

/// `fd_fdflags_set(fd, flags)`: replaces the descriptor's flags; bits other than
/// `fdflagsext::ALL` are INVAL. (The open file's status flags are `fd_fdstat_set_flags`'
/// business: see [`abi::wasix::fdflags`].)
pub fn fd_fdflags_set(cx: &mut Cx<'_>, fd: i32, flags: i32) -> SysResult {
    let flags = u16::try_from(flags)
        .ok()
        .filter(|f| f & !fdflagsext::ALL == 0)
        .ok_or(Errno::Inval)?;
    cx.proc.fds.get_mut(fd as u32)?.cloexec = flags & fdflagsext::CLOEXEC != 0;
    Ok(())
}

/// `fd_renumber(fd, to)` of WASIX programs (wasix-libc's `dup2`, then and now; wasmer's
/// `fd_renumber`): POSIX `dup2` — `to` becomes a copy of `fd` sharing its open file (not
/// CLOEXEC), and `fd` stays open. Equal descriptors: nothing happens; a preopen as `to`
/// is NOTSUP.
pub fn fd_renumber_dup2(cx: &mut Cx<'_>, fd: i32, to: i32) -> SysResult {
    let (fd, to) = (fd as u32, to as u32);
    let from = cx.proc.fds.get(fd)?.clone();
    if fd == to {
        return Ok(());
    }
    // As wasmer does: a preopen is never replaced (wasi-libc resolves every absolute path
    // through it; `exec 3>file` in a shell would silently cut the process off from `/`).
    if cx.proc.fds.get(to).is_ok_and(|e| e.preopen.is_some()) {
        return Err(Errno::NotSup.into());
    }
    let entry = FdEntry {
        cloexec: false,
        preopen: None,
        ..from
    };
    let System { fs, files, .. } = &mut *cx.sys;
    cx.proc.fds.install_at(fs, files, to, entry)?;
    crate::io::flush_pipe_events(cx.sys);
    Ok(())
}
