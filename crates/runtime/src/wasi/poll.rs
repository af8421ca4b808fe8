//! `poll_oneoff` (to be completed).

use abi::Errno;

use crate::sys::{Cx, SysResult};

pub fn poll_oneoff(
    _cx: &mut Cx<'_>,
    _subs: i32,
    _events: i32,
    _count: i32,
    _out: i32,
) -> SysResult {
    Err(Errno::NoSys.into())
}
