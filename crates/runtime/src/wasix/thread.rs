//! `thread_sleep`: block for a duration (counted from the call's first attempt, so a
//! retry after a wake-up does not restart it).

use abi::Errno;

use crate::sys::{Cx, Sys, SysResult, Wait};

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
