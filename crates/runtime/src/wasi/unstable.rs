//! The legacy `wasi_unstable` module (WASI snapshot 0), still imported by programs built
//! with old toolchains. Most of its calls have exactly the preview1 ABI and are registered
//! with the preview1 handlers; the few whose types changed get small adapters here:
//! `fd_seek` (the `whence` values are ordered CUR, END, SET), `fd_filestat_get` and
//! `path_filestat_get` (a 56-byte filestat with a u32 link count) and `poll_oneoff` (a
//! clock subscription with an extra `identifier` field). Events, dirents, fdstat,
//! prestat, errno, rights and flags are unchanged. `sock_accept` did not exist yet.

use abi::Errno;
use abi::wasix::{Filestat, FilestatUnstable, whence};
use wasmi::Linker;

use super::{args, clock, fd, path, poll, proc, random, sock};
use crate::files::Object;
use crate::sys::Registry;
use crate::sys::{Cx, Proc, SysResult, System};
use crate::{calls, calls_noreturn};

/// The module name.
pub const MODULE: &str = "wasi_unstable";

/// Registers every `wasi_unstable` call.
pub fn register(linker: &mut Linker<Proc>, reg: &mut Registry) -> Result<(), wasmi::Error> {
    calls!(linker, reg, MODULE;
        args_get => args::args_get(argv: i32, buf: i32),
        args_sizes_get => args::args_sizes_get(argc: i32, size: i32),
        environ_get => args::environ_get(env: i32, buf: i32),
        environ_sizes_get => args::environ_sizes_get(count: i32, size: i32),
        clock_res_get => clock::clock_res_get(id: i32, out: i32),
        clock_time_get => clock::clock_time_get(id: i32, precision: i64, out: i32),
        fd_advise => fd::fd_advise(fd: i32, offset: i64, len: i64, advice: i32),
        fd_allocate => fd::fd_allocate(fd: i32, offset: i64, len: i64),
        fd_close => fd::fd_close(fd: i32),
        fd_datasync => fd::fd_datasync(fd: i32),
        fd_fdstat_get => fd::fd_fdstat_get(fd: i32, out: i32),
        fd_fdstat_set_flags => fd::fd_fdstat_set_flags(fd: i32, flags: i32),
        fd_fdstat_set_rights => fd::fd_fdstat_set_rights(fd: i32, base: i64, inheriting: i64),
        fd_filestat_get => self::fd_filestat_get(fd: i32, out: i32),
        fd_filestat_set_size => fd::fd_filestat_set_size(fd: i32, size: i64),
        fd_filestat_set_times => fd::fd_filestat_set_times(fd: i32, atim: i64, mtim: i64, flags: i32),
        fd_pread => fd::fd_pread(fd: i32, iovs: i32, iovs_len: i32, offset: i64, out: i32),
        fd_prestat_get => fd::fd_prestat_get(fd: i32, out: i32),
        fd_prestat_dir_name => fd::fd_prestat_dir_name(fd: i32, path: i32, len: i32),
        fd_pwrite => fd::fd_pwrite(fd: i32, iovs: i32, iovs_len: i32, offset: i64, out: i32),
        fd_read => fd::fd_read(fd: i32, iovs: i32, iovs_len: i32, out: i32),
        fd_readdir => fd::fd_readdir(fd: i32, buf: i32, len: i32, cookie: i64, out: i32),
        fd_renumber => fd::fd_renumber(fd: i32, to: i32),
        fd_seek => self::fd_seek(fd: i32, offset: i64, whence: i32, out: i32),
        fd_sync => fd::fd_sync(fd: i32),
        fd_tell => fd::fd_tell(fd: i32, out: i32),
        fd_write => fd::fd_write(fd: i32, iovs: i32, iovs_len: i32, out: i32),
        path_create_directory => path::path_create_directory(fd: i32, path: i32, len: i32),
        path_filestat_get => self::path_filestat_get(fd: i32, flags: i32, path: i32, len: i32, out: i32),
        path_filestat_set_times => path::path_filestat_set_times(fd: i32, flags: i32, path: i32, len: i32, atim: i64, mtim: i64, fst: i32),
        path_link => path::path_link(old_fd: i32, old_flags: i32, old_path: i32, old_len: i32, new_fd: i32, new_path: i32, new_len: i32),
        path_open => path::path_open(fd: i32, dirflags: i32, path: i32, len: i32, oflags: i32, base: i64, inheriting: i64, fdflags: i32, out: i32),
        path_readlink => path::path_readlink(fd: i32, path: i32, len: i32, buf: i32, buf_len: i32, out: i32),
        path_remove_directory => path::path_remove_directory(fd: i32, path: i32, len: i32),
        path_rename => path::path_rename(fd: i32, old_path: i32, old_len: i32, new_fd: i32, new_path: i32, new_len: i32),
        path_symlink => path::path_symlink(old_path: i32, old_len: i32, fd: i32, new_path: i32, new_len: i32),
        path_unlink_file => path::path_unlink_file(fd: i32, path: i32, len: i32),
        poll_oneoff => self::poll_oneoff(subs: i32, events: i32, count: i32, out: i32),
        proc_raise => proc::proc_raise(sig: i32),
        sched_yield => proc::sched_yield(),
        random_get => random::random_get(buf: i32, len: i32),
        sock_recv => sock::sock_recv(fd: i32, iovs: i32, iovs_len: i32, flags: i32, out_len: i32, out_flags: i32),
        sock_send => sock::sock_send(fd: i32, iovs: i32, iovs_len: i32, flags: i32, out_len: i32),
        sock_shutdown => sock::sock_shutdown(fd: i32, how: i32),
    );
    calls_noreturn!(linker, reg, MODULE;
        proc_exit => proc::proc_exit(code: i32),
    );
    Ok(())
}

/// Snapshot-0 `whence` (CUR 0, END 1, SET 2) to preview1's (SET 0, CUR 1, END 2).
fn preview1_whence(w: i32) -> Result<i32, Errno> {
    match w {
        whence::snapshot0::CUR => Ok(whence::CUR),
        whence::snapshot0::END => Ok(whence::END),
        whence::snapshot0::SET => Ok(whence::SET),
        _ => Err(Errno::Inval),
    }
}

/// `fd_seek` with the snapshot-0 `whence` numbering.
pub fn fd_seek(cx: &mut Cx<'_>, fd: i32, offset: i64, whence: i32, out: i32) -> SysResult {
    fd::fd_seek(cx, fd, offset, preview1_whence(whence)?, out)
}

/// `poll_oneoff` with 56-byte subscriptions.
pub fn poll_oneoff(cx: &mut Cx<'_>, subs: i32, events: i32, count: i32, out: i32) -> SysResult {
    poll::poll(
        cx,
        poll::Layout::Snapshot0,
        subs as u32,
        events as u32,
        count as u32,
        out as u32,
    )
}

// The two filestat calls below repeat the preview1 lookups (descriptor → object → stat,
// directory descriptor + path → inode) to produce the older layout.

/// `fd_filestat_get` writing the 56-byte snapshot-0 filestat.
pub fn fd_filestat_get(cx: &mut Cx<'_>, fd: i32, out: i32) -> SysResult {
    let id = crate::io::file_of(cx, fd)?;
    let stat = object_stat(cx.sys, &cx.sys.files.get(id)?.object)?;
    write_filestat(cx, out as u32, &stat)
}

/// `path_filestat_get` writing the 56-byte snapshot-0 filestat; the directory
/// descriptor must be a directory (NOTDIR).
pub fn path_filestat_get(
    cx: &mut Cx<'_>,
    fd: i32,
    flags: i32,
    path: i32,
    len: i32,
    out: i32,
) -> SysResult {
    let (id, held, _) = crate::io::rights_of(cx, fd)?;
    let Object::Dir(dir) = cx.sys.files.get(id)?.object else {
        return Err(Errno::NotDir.into());
    };
    if held & abi::wasix::rights::PATH_FILESTAT_GET == 0 {
        return Err(Errno::NotCapable.into());
    }
    let path = cx.mem.str(path as u32, len as u32)?;
    let ino = cx.sys.fs.lookup(
        dir,
        path,
        flags & abi::wasix::lookupflags::SYMLINK_FOLLOW != 0,
    )?;
    let mut stat = fd::filestat(&cx.sys.fs.stat(ino)?);
    stat.filetype = crate::devfs::filetype(cx.sys, ino, stat.filetype);
    write_filestat(cx, out as u32, &stat)
}

/// The status of an open object: the inode's for files and directories; for the console,
/// boot stdin and null only the file type, as preview1 `fd_filestat_get` reports.
fn object_stat(sys: &System, object: &Object) -> Result<Filestat, Errno> {
    match object {
        Object::File(ino) | Object::Dir(ino) => Ok(fd::filestat(&sys.fs.stat(*ino)?)),
        other => Ok(Filestat {
            filetype: other.filetype(),
            ..Filestat::default()
        }),
    }
}

/// Writes `s` as a snapshot-0 filestat ([`FilestatUnstable`]). A link count beyond u32 is
/// OVERFLOW, as in wasmtime's snapshot-0 adapter.
fn write_filestat(cx: &mut Cx<'_>, out: u32, s: &Filestat) -> SysResult {
    let old = FilestatUnstable::from_preview1(s).ok_or(Errno::Overflow)?;
    cx.mem.write_struct(out, &old)?;
    Ok(())
}
