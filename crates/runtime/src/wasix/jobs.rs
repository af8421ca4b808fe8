//! Job control: this kernel's extension to WASIX (import module
//! [`abi::wasix::JOBS_MODULE`]), which has process groups and the console's foreground
//! group but no calls to set them (wasix-libc's `setpgid` / `tcsetpgrp` only keep a
//! libc variable). Four calls, named after the POSIX ones a shell uses:
//! `proc_setpgid`, `proc_getpgid`, `tty_setpgrp`, `tty_getpgrp` (layouts in
//! `abi::wasix::jobs`). A program that never calls them keeps the behaviour from before
//! job control: no foreground group, so ^C and ^\ reach every process.
//!
//! The rules the groups drive live beside what they rule: the console keys in
//! `System::pump_console`, stopping and continuing in the scheduler, and
//! `signals::background_access` for a background group's console reads and setting changes.

use abi::Errno;
use abi::wasix::signal;

use crate::sys::{Cx, SysResult};
use crate::types::Pid;

/// `proc_setpgid(pid, pgid)`: see `abi::wasix::jobs`.
pub fn proc_setpgid(cx: &mut Cx<'_>, pid: i32, pgid: i32) -> SysResult {
    let me = cx.proc.pid;
    let pid = match pid as u32 {
        0 => me,
        p => p,
    };
    let pgid = match pgid as u32 {
        0 => pid,
        g => g,
    };
    let info = cx
        .sys
        .procs
        .get(&pid)
        .filter(|i| i.status.is_none())
        .ok_or(Errno::Srch)?;
    if pid != me && info.ppid != me {
        return Err(Errno::Srch.into());
    }
    if pgid != pid && cx.sys.group_members(pgid).is_empty() {
        return Err(Errno::Perm.into());
    }
    if let Some(info) = cx.sys.procs.get_mut(&pid) {
        info.pgid = pgid;
    }
    Ok(())
}

/// `proc_getpgid(pid, ret)`: the group of `pid` (0: the caller); SRCH for none.
pub fn proc_getpgid(cx: &mut Cx<'_>, pid: i32, out: i32) -> SysResult {
    let pid = match pid as u32 {
        0 => cx.proc.pid,
        p => p,
    };
    let pgid = cx
        .sys
        .procs
        .get(&pid)
        .filter(|i| i.status.is_none())
        .ok_or(Errno::Srch)?
        .pgid;
    cx.mem.write_u32(out as u32, pgid)?;
    Ok(())
}

/// `tty_setpgrp(pgid)`: makes `pgid` the console's foreground group. The caller needs
/// the console on a standard stream (NOTTY), the group a live member (PERM); a caller
/// in the background is stopped first (TTOU), as `tcsetpgrp` from a background job is.
pub fn tty_setpgrp(cx: &mut Cx<'_>, pgid: i32) -> SysResult {
    if !crate::io::on_console(cx) {
        return Err(Errno::NotTty.into());
    }
    let pgid = pgid as u32;
    if pgid == 0 || cx.sys.group_members(pgid).is_empty() {
        return Err(Errno::Perm.into());
    }
    crate::signals::background_access(cx, signal::TTOU)?;
    cx.sys.foreground = Some(pgid);
    Ok(())
}

/// `tty_getpgrp(ret)`: the foreground group, 0 while none is set (or it has gone).
pub fn tty_getpgrp(cx: &mut Cx<'_>, out: i32) -> SysResult {
    let fg: Pid = cx.sys.live_foreground().unwrap_or(0);
    cx.mem.write_u32(out as u32, fg)?;
    Ok(())
}
