//! `proc_exit`, `proc_raise` and `sched_yield`.

use crate::sys::{Cx, Sys, SysResult};
use crate::types::Wait;

pub fn proc_exit(_cx: &mut Cx<'_>, code: i32) -> SysResult {
    Err(Sys::Exit(code as u32))
}

/// Raises `sig` in the caller, with the same dispositions and handlers as `proc_signal`.
pub fn proc_raise(cx: &mut Cx<'_>, sig: i32) -> SysResult {
    let sig = crate::signals::signal_number(cx, sig)?;
    crate::signals::raise_self(cx, sig)
}

pub fn sched_yield(_cx: &mut Cx<'_>) -> SysResult {
    Err(Sys::Block(Wait::Yield))
}
