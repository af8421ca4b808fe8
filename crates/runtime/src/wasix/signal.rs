//! Signals (to be completed).

use abi::Errno;

use crate::sys::{Cx, SysResult};

pub fn proc_signal(_cx: &mut Cx<'_>, _pid: i32, _sig: i32) -> SysResult {
    Err(Errno::NoSys.into())
}
pub fn proc_signals_sizes_get(_cx: &mut Cx<'_>, _out: i32) -> SysResult {
    Err(Errno::NoSys.into())
}
pub fn proc_signals_get(_cx: &mut Cx<'_>, _buf: i32) -> SysResult {
    Err(Errno::NoSys.into())
}
pub fn proc_raise_interval(_cx: &mut Cx<'_>, _sig: i32, _interval: i64, _repeat: i32) -> SysResult {
    Err(Errno::NoSys.into())
}
pub fn callback_signal(_cx: &mut Cx<'_>, _name: i32, _len: i32) -> SysResult {
    Err(Errno::NoSys.into())
}
