//! Pipes and descriptor duplication (to be completed).

use abi::Errno;

use crate::sys::{Cx, SysResult};

pub fn fd_pipe(_cx: &mut Cx<'_>, _ro: i32, _wo: i32) -> SysResult {
    Err(Errno::NoSys.into())
}
pub fn fd_dup(_cx: &mut Cx<'_>, _fd: i32, _out: i32) -> SysResult {
    Err(Errno::NoSys.into())
}
pub fn fd_dup2(_cx: &mut Cx<'_>, _fd: i32, _min: i32, _cloexec: i32, _out: i32) -> SysResult {
    Err(Errno::NoSys.into())
}
pub fn fd_fdflags_get(_cx: &mut Cx<'_>, _fd: i32, _out: i32) -> SysResult {
    Err(Errno::NoSys.into())
}
pub fn fd_fdflags_set(_cx: &mut Cx<'_>, _fd: i32, _flags: i32) -> SysResult {
    Err(Errno::NoSys.into())
}
