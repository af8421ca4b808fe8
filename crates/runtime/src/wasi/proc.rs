//! `proc_exit`, `proc_raise` and `sched_yield`.

use abi::Errno;

use crate::sys::{Cx, Sys, SysResult, Wait};

pub fn proc_exit(_cx: &mut Cx<'_>, code: i32) -> SysResult {
    Err(Sys::Exit(code as u32))
}

/// Raises `sig` in the caller. Every signal's default action here is to terminate, except
/// the ones whose default is to ignore (CHLD, CONT, URG, WINCH) and 0 (a no-op).
pub fn proc_raise(_cx: &mut Cx<'_>, sig: i32) -> SysResult {
    match sig {
        0 | 16 | 17 | 22 | 27 => Ok(()),
        1..=30 => Err(Sys::Signal(sig as u8)),
        _ => Err(Errno::Inval.into()),
    }
}

pub fn sched_yield(_cx: &mut Cx<'_>) -> SysResult {
    Err(Sys::Block(Wait::Yield))
}
