//! Socket calls. There is no network: no descriptor is ever a socket, so each call answers
//! as WASI runtimes do for a non-socket descriptor — BADF for a closed one, NOTSOCK for any
//! other.

use abi::Errno;

use crate::sys::{Cx, SysResult};

fn not_a_socket(cx: &Cx<'_>, fd: i32) -> SysResult {
    cx.proc.fds.get(fd as u32)?;
    Err(Errno::NotSock.into())
}

pub fn sock_accept(cx: &mut Cx<'_>, fd: i32, _flags: i32, _out: i32) -> SysResult {
    not_a_socket(cx, fd)
}

pub fn sock_recv(
    cx: &mut Cx<'_>,
    fd: i32,
    _iovs: i32,
    _len: i32,
    _flags: i32,
    _out: i32,
    _oflags: i32,
) -> SysResult {
    not_a_socket(cx, fd)
}

pub fn sock_send(
    cx: &mut Cx<'_>,
    fd: i32,
    _iovs: i32,
    _len: i32,
    _flags: i32,
    _out: i32,
) -> SysResult {
    not_a_socket(cx, fd)
}

pub fn sock_shutdown(cx: &mut Cx<'_>, fd: i32, _how: i32) -> SysResult {
    not_a_socket(cx, fd)
}
