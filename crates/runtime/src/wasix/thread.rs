//! `thread_sleep`: block for a duration (counted from the call's first attempt, so a
//! retry after a wake-up does not restart it).

use abi::Errno;

use crate::sys::{Cx, Sys, SysResult};
use crate::types::Wait;

pub fn thread_sleep(cx: &mut Cx<'_>, ns: i64) -> SysResult {
    let ns = u64::try_from(ns).map_err(|_| Errno::Inval)?;
    let now = cx.now();
    let deadline = cx.call_start(now).saturating_add(ns);
    if now >= deadline {
        Ok(())
    } else {
        Err(Sys::Block(Wait::Until(deadline)))
    }
}

/// `thread_id(ret_tid)`: a process has one thread, whose id is the pid (as a Linux main
/// thread's tid is).
pub fn thread_id(cx: &mut Cx<'_>, out: i32) -> SysResult {
    let pid = cx.proc.pid;
    cx.mem.write_u32(out as u32, pid)?;
    Ok(())
}

/// `thread_signal(tid, sig)`: signals the caller's only thread, i.e. raises in the
/// process (musl's `raise` is `thread_signal(gettid(), sig)`); any other tid is SRCH.
pub fn thread_signal(cx: &mut Cx<'_>, tid: i32, sig: i32) -> SysResult {
    if tid as u32 != cx.proc.pid {
        return Err(Errno::Srch.into());
    }
    let sig = crate::signals::signal_number(cx, sig)?;
    crate::signals::raise_self(cx, sig)
}

/// `thread_parallelism(ret_size)`: threads that could run at once: 1.
pub fn thread_parallelism(cx: &mut Cx<'_>, out: i32) -> SysResult {
    cx.mem.write_u32(out as u32, 1)?;
    Ok(())
}

/// `thread_exit(code)`: the only thread ending ends the process, with `code`.
pub fn thread_exit(_cx: &mut Cx<'_>, code: i32) -> SysResult {
    Err(Sys::Exit(code as u32))
}
