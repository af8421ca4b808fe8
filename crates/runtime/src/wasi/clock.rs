//! `clock_res_get` and `clock_time_get`: realtime (RTC-anchored), monotonic, and the
//! process / thread CPU-time clocks (time this process spent running slices).

use abi::Errno;
use abi::wasix::clockid::{MONOTONIC, PROCESS_CPUTIME_ID, REALTIME, THREAD_CPUTIME_ID};

use crate::sys::{Cx, SysResult};

/// The value of clock `id` in nanoseconds.
pub fn now(cx: &Cx<'_>, id: i32) -> Result<u64, Errno> {
    match id {
        REALTIME => Ok(cx.sys.platform.realtime_ns()),
        MONOTONIC => Ok(cx.sys.platform.monotonic_ns()),
        PROCESS_CPUTIME_ID | THREAD_CPUTIME_ID => Ok(cx.proc.cpu_ns),
        _ => Err(Errno::Inval),
    }
}

pub fn clock_res_get(cx: &mut Cx<'_>, id: i32, out: i32) -> SysResult {
    let res = match id {
        REALTIME | MONOTONIC | PROCESS_CPUTIME_ID | THREAD_CPUTIME_ID => 1u64,
        _ => return Err(Errno::Inval.into()),
    };
    cx.mem.write_u64(out as u32, res)?;
    Ok(())
}

pub fn clock_time_get(cx: &mut Cx<'_>, id: i32, _precision: i64, out: i32) -> SysResult {
    let t = now(cx, id)?;
    cx.mem.write_u64(out as u32, t)?;
    Ok(())
}
