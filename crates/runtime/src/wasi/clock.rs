//! `clock_res_get` and `clock_time_get`: realtime (RTC-anchored), monotonic, and the
//! process / thread CPU-time clocks (time this process spent running slices).

use abi::Errno;

use crate::sys::{Cx, SysResult};

/// WASI clock ids.
pub const REALTIME: i32 = 0;
pub const MONOTONIC: i32 = 1;
pub const PROCESS_CPUTIME: i32 = 2;
pub const THREAD_CPUTIME: i32 = 3;

/// The value of clock `id` in nanoseconds.
pub fn now(cx: &Cx<'_>, id: i32) -> Result<u64, Errno> {
    match id {
        REALTIME => Ok(cx.sys.platform.realtime_ns()),
        MONOTONIC => Ok(cx.sys.platform.monotonic_ns()),
        PROCESS_CPUTIME | THREAD_CPUTIME => Ok(cx.proc.cpu_ns),
        _ => Err(Errno::Inval),
    }
}

pub fn clock_res_get(cx: &mut Cx<'_>, id: i32, out: i32) -> SysResult {
    let res = match id {
        REALTIME | MONOTONIC | PROCESS_CPUTIME | THREAD_CPUTIME => 1u64,
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
