//! The `path_*` calls (to be completed).

use abi::Errno;

use crate::sys::{Cx, SysResult};

pub fn path_create_directory(_cx: &mut Cx<'_>, _fd: i32, _path: i32, _len: i32) -> SysResult {
    Err(Errno::NoSys.into())
}

pub fn path_filestat_get(
    _cx: &mut Cx<'_>,
    _fd: i32,
    _flags: i32,
    _path: i32,
    _len: i32,
    _out: i32,
) -> SysResult {
    Err(Errno::NoSys.into())
}

pub fn path_filestat_set_times(
    _cx: &mut Cx<'_>,
    _fd: i32,
    _flags: i32,
    _path: i32,
    _len: i32,
    _atim: i64,
    _mtim: i64,
    _fst: i32,
) -> SysResult {
    Err(Errno::NoSys.into())
}

pub fn path_link(
    _cx: &mut Cx<'_>,
    _old_fd: i32,
    _old_flags: i32,
    _old_path: i32,
    _old_len: i32,
    _new_fd: i32,
    _new_path: i32,
    _new_len: i32,
) -> SysResult {
    Err(Errno::NoSys.into())
}

pub fn path_open(
    _cx: &mut Cx<'_>,
    _fd: i32,
    _dirflags: i32,
    _path: i32,
    _len: i32,
    _oflags: i32,
    _base: i64,
    _inheriting: i64,
    _fdflags: i32,
    _out: i32,
) -> SysResult {
    Err(Errno::NoSys.into())
}

pub fn path_readlink(
    _cx: &mut Cx<'_>,
    _fd: i32,
    _path: i32,
    _len: i32,
    _buf: i32,
    _buf_len: i32,
    _out: i32,
) -> SysResult {
    Err(Errno::NoSys.into())
}

pub fn path_remove_directory(_cx: &mut Cx<'_>, _fd: i32, _path: i32, _len: i32) -> SysResult {
    Err(Errno::NoSys.into())
}

pub fn path_rename(
    _cx: &mut Cx<'_>,
    _fd: i32,
    _old_path: i32,
    _old_len: i32,
    _new_fd: i32,
    _new_path: i32,
    _new_len: i32,
) -> SysResult {
    Err(Errno::NoSys.into())
}

pub fn path_symlink(
    _cx: &mut Cx<'_>,
    _old_path: i32,
    _old_len: i32,
    _fd: i32,
    _new_path: i32,
    _new_len: i32,
) -> SysResult {
    Err(Errno::NoSys.into())
}

pub fn path_unlink_file(_cx: &mut Cx<'_>, _fd: i32, _path: i32, _len: i32) -> SysResult {
    Err(Errno::NoSys.into())
}
