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
/// handled signal runs its handler before the process's next slice.
pub fn raise_self(cx: &mut Cx<'_>, sig: u8) -> SysResult {
    let me = cx.proc.pid;
    cx.sys.raise(me, sig)?;
    let deliverable = cx.sys.procs.get(&me).map_or(0, |p| p.deliverable());
    if deliverable & (1 << sig) == 0 {
        return Ok(());
    }
    if cx.proc.signals_blocked() && sig != signal::KILL {
        return Ok(());
    }
    if cx.proc.signal_handler.is_some() && sig != signal::KILL {
        return Err(Sys::Block(Wait::Yield));
    }
    if sig == signal::KILL || !signal::ignored_by_default(sig) {
        return Err(Sys::Signal(sig));
    }
    if let Some(p) = cx.sys.procs.get_mut(&me) {
        p.pending &= !(1 << sig);
    }
    Ok(())
}
