//! Signals: `proc_signal` (kill), the inherited IGNORE dispositions
//! (`proc_signals_sizes_get` / `proc_signals_get`), `callback_signal` (the guest export that
//! handles signals, called by the scheduler between slices) and `proc_raise_interval`
//! (timer signals). Default actions: terminate, except the signals ignored by default.

use alloc::string::ToString;

use abi::Errno;

use crate::signals::{raise_self, signal_number};
use crate::sys::{Cx, Sys, SysResult};
use crate::types::SIGNALS_BLOCKED;
use abi::wasix::{SignalDisposition, disposition, signal};

pub fn proc_signal(cx: &mut Cx<'_>, pid: i32, sig: i32) -> SysResult {
    let sig = signal_number(cx, sig)?;
    let pid = pid as u32;
    if pid == cx.proc.pid {
        return raise_self(cx, sig);
    }
    if cx.sys.procs.contains_key(&pid) && !may_signal(cx, pid) {
        return Err(Errno::Perm.into());
    }
    cx.sys.raise(pid, sig)?;
    Ok(())
}

/// Whether the caller may signal process `target`: any process, unless the caller is
/// confined to a directory (spawned with chroot); then only its own descendants, never
/// upward or sideways out of its confinement (its parent, pid 1).
fn may_signal(cx: &Cx<'_>, target: crate::types::Pid) -> bool {
    if cx.proc.root == cx.sys.fs.root() {
        return true;
    }
    let mut p = target;
    // Each step goes one parent up; a chain never has more links than the table.
    for _ in 0..cx.sys.procs.len() {
        match cx.sys.procs.get(&p).map(|info| info.ppid) {
            Some(parent) if parent == cx.proc.pid => return true,
            Some(parent) if parent != 0 && parent != p => p = parent,
            _ => return false,
        }
    }
    false
}

fn ignored(cx: &Cx<'_>) -> u64 {
    cx.sys.procs.get(&cx.proc.pid).map_or(0, |p| p.ignored)
}

pub fn proc_signals_sizes_get(cx: &mut Cx<'_>, out: i32) -> SysResult {
    cx.mem.write_u32(out as u32, ignored(cx).count_ones())?;
    Ok(())
}

/// Writes one [`SignalDisposition`] (IGNORE) per ignored signal.
pub fn proc_signals_get(cx: &mut Cx<'_>, buf: i32) -> SysResult {
    let ignored = ignored(cx);
    let linux = cx.proc.linux_signals;
    let list: alloc::vec::Vec<u8> = (1..=signal::MAX)
        .filter(|s| ignored & (1 << s) != 0)
        .flat_map(|s| {
            SignalDisposition {
                sig: if linux { signal::to_linux(s) } else { s },
                disp: disposition::IGNORE,
            }
            .to_bytes()
        })
        .collect();
    cx.mem.write(buf as u32, &list)?;
    Ok(())
}

/// Names the guest export that handles signals (empty: none). wasix-libc registers its
/// dispatcher `__wasm_signal` at start-up whether or not the program installs handlers,
/// and for a signal the program left at SIG_DFL that dispatcher blocks signals first
/// (this call, naming [`SIGNALS_BLOCKED`]) and then calls libc's default-action routine
/// — a null pointer until the program's first `sigaction`, so a plain fork/wait program
/// trapped on its first SIGCHLD. Made as the handler's first call, the block therefore
/// means "no handler": the handler ends here and the kernel carries out the default
/// action (CHLD, CONT, URG, WINCH and the stop signals ignored, the others fatal).
pub fn callback_signal(cx: &mut Cx<'_>, name: i32, len: i32) -> SysResult {
    let name = cx.mem.str(name as u32, len as u32)?;
    if name == SIGNALS_BLOCKED
        && let Some(sig) = cx.proc.handler_fresh
    {
        return Err(Sys::DefaultAction(sig));
    }
    cx.proc.signal_handler = (!name.is_empty()).then(|| name.to_string());
    let handled = cx.proc.signal_handler.is_some();
    let blocked = cx.proc.signals_blocked();
    if let Some(info) = cx.sys.procs.get_mut(&cx.proc.pid) {
        info.handler = handled;
        info.blocked = blocked;
    }
    Ok(())
}

pub fn proc_raise_interval(cx: &mut Cx<'_>, sig: i32, interval: i64, repeat: i32) -> SysResult {
    let sig = signal_number(cx, sig)?;
    let interval = u64::try_from(interval).map_err(|_| Errno::Inval)?;
    let repeat = match repeat {
        0 => false,
        1 => true,
        _ => return Err(Errno::Inval.into()),
    };
    let now = cx.now();
    let me = cx.proc.pid;
    let info = cx.sys.procs.get_mut(&me).ok_or(Errno::Srch)?;
    info.alarm =
        (interval > 0 && sig > 0).then(|| (now.saturating_add(interval), interval, repeat, sig));
    Ok(())
}
