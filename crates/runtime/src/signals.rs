//! The signal service under the handler families: reading a guest's signal number (in
//! the numbering the program uses) and raising a signal on the calling process. Both
//! `proc_raise` (preview1) and the WASIX signal and thread calls use it.

use abi::Errno;

use crate::sys::{Cx, Sys, SysResult};
use crate::types::Wait;
use abi::wasix::signal;

/// A signal number from the caller, in its numbering (Linux's for wasix-libc programs,
/// see [`crate::sys::ProcData::linux_signals`]), as the kernel's; INVAL if out of range.
pub fn signal_number(cx: &Cx<'_>, sig: i32) -> Result<u8, Errno> {
    let sig = u8::try_from(sig).map_err(|_| Errno::Inval)?;
    let sig = if cx.proc.linux_signals {
        signal::from_linux(sig).ok_or(Errno::Inval)?
    } else {
        sig
    };
    if sig > signal::MAX {
        return Err(Errno::Inval);
    }
    Ok(sig)
}

/// Raises `sig` in the calling process and acts on it at once when it is fatal; a
/// handled signal runs its handler before the process's next slice; a stop signal's
/// default action stops the process when its slice ends, which this call ends.
pub fn raise_self(cx: &mut Cx<'_>, sig: u8) -> SysResult {
    let me = cx.proc.pid;
    cx.sys.raise(me, sig)?;
    let deliverable = cx.sys.procs.get(&me).map_or(0, |p| p.deliverable());
    if deliverable & (1 << sig) == 0 {
        return Ok(());
    }
    let uncatchable = sig == signal::KILL || sig == signal::STOP;
    if cx.proc.signals_blocked() && !uncatchable {
        return Ok(());
    }
    if cx.proc.signal_handler.is_some() && !uncatchable {
        return Err(Sys::Block(Wait::Yield));
    }
    if sig == signal::KILL || signal::terminates_by_default(sig) {
        return Err(Sys::Signal(sig));
    }
    if signal::stops_by_default(sig) {
        // The scheduler stops it once the slice ends (here: at once; in a handler, when
        // the handler has returned, since a handler cannot be suspended).
        return if cx.proc.in_handler {
            Ok(())
        } else {
            Err(Sys::Block(Wait::Yield))
        };
    }
    if let Some(p) = cx.sys.procs.get_mut(&me) {
        p.pending &= !(1 << sig);
    }
    Ok(())
}

/// A console read (`sig` = TTIN) or settings change (TTOU) by the caller: allowed in the
/// foreground (or with no foreground group). From the background, as on Linux: a caller
/// ignoring the signal gets EIO for a read and goes ahead with a change; otherwise its
/// whole group gets the signal and the call waits (the group stops; continued, the call
/// is tried again).
pub fn background_access(cx: &mut Cx<'_>, sig: u8) -> SysResult {
    let me = cx.proc.pid;
    if !cx.sys.in_background(me) {
        return Ok(());
    }
    let Some(info) = cx.sys.procs.get(&me) else {
        return Ok(());
    };
    if info.ignored & (1 << sig) != 0 {
        return if sig == signal::TTIN {
            Err(Errno::Io.into())
        } else {
            Ok(())
        };
    }
    let pgid = info.pgid;
    cx.sys.raise_group(pgid, sig);
    // Woken only by being continued (the scheduler retries a continued process's call).
    Err(Sys::Block(Wait::Any(alloc::vec::Vec::new())))
}
