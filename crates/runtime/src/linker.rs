//! The boundary between wasmi and the handlers. [`dispatch`] lends a handler a [`Cx`] built
//! from the caller, then turns its `SysResult` into what the guest sees: 0 or the errno (the
//! one place errnos are encoded), a wasmi exit for `proc_exit`, or — for a call that would
//! block — the `Blocked` host trap that makes `call_resumable` return to the scheduler, with
//! the call itself saved so it can be retried when the process wakes.

use core::fmt;

use wasmi::{Caller, Error};

use crate::mem::GuestMem;
use crate::sys::{Cx, Proc, Sys, SysResult};

/// Host trap: the process blocked (its retry is in `Proc::pending`).
#[derive(Debug)]
pub struct Blocked;

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("process blocked")
    }
}

impl wasmi::errors::HostError for Blocked {}

/// Host trap: the process is to die by this signal.
#[derive(Debug)]
pub struct Killed(pub u8);

impl fmt::Display for Killed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "killed by signal {}", self.0)
    }
}

impl wasmi::errors::HostError for Killed {}

/// Host trap: the running signal handler ends here, and the kernel carries out the
/// default action of this signal instead ([`Sys::DefaultAction`]).
#[derive(Debug)]
pub struct DefaultAction(pub u8);

impl fmt::Display for DefaultAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "default action of signal {}", self.0)
    }
}

impl wasmi::errors::HostError for DefaultAction {}

/// Host trap: the process did what the instruction or call it stands for traps on (a
/// misaligned atomic in a lowered module, a longjmp to a checkpoint it does not have); it
/// dies with SIGABRT and this message, as for any trap.
#[derive(Debug)]
pub struct Fault(pub &'static str);

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl wasmi::errors::HostError for Fault {}

/// Host trap: the process asked to exec (the request is in `Proc::exec`).
#[derive(Debug)]
pub struct ExecMarker;

impl fmt::Display for ExecMarker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("process exec")
    }
}

impl wasmi::errors::HostError for ExecMarker {}

/// Runs `f` with a `Cx` over `proc`'s state and memory `bytes`.
pub fn with_cx<R>(
    bytes: &mut [u8],
    proc: &mut Proc,
    f: impl FnOnce(&mut Cx<'_>) -> R,
) -> Option<R> {
    let Proc { home, data, .. } = proc;
    let mut sys = home.take()?;
    let mut cx = Cx {
        mem: GuestMem::new(bytes),
        proc: data,
        sys: &mut sys,
    };
    let result = f(&mut cx);
    home.set(Some(sys));
    Some(result)
}

/// Runs a handler for a host call and encodes its outcome.
pub fn dispatch<F>(caller: &mut Caller<'_, Proc>, call: F) -> Result<i32, Error>
where
    F: FnMut(&mut Cx<'_>) -> SysResult + Copy + 'static,
{
    dispatch_as(caller, call, true)
}

/// [`dispatch`] for imports without a result: they never end the slice on success
/// (resuming one with a value would not type-check).
pub fn dispatch_noreturn<F>(caller: &mut Caller<'_, Proc>, call: F) -> Result<i32, Error>
where
    F: FnMut(&mut Cx<'_>) -> SysResult + Copy + 'static,
{
    dispatch_as(caller, call, false)
}

fn dispatch_as<F>(caller: &mut Caller<'_, Proc>, call: F, may_yield: bool) -> Result<i32, Error>
where
    F: FnMut(&mut Cx<'_>) -> SysResult + Copy + 'static,
{
    let data = &mut caller.data_mut().data;
    data.call_start = None;
    data.retrying = false;
    data.interrupt_value = None;
    let memory = data.memory;
    let mut run = call;
    let checked = move |cx: &mut Cx<'_>| {
        cx.sys.platform.host_call(true);
        let mut result = run(cx);
        // A signal handler that has made a call is past wasix-libc's default-disposition
        // test (see `ProcData::handler_fresh`).
        cx.proc.handler_fresh = None;
        if may_yield {
            result = slice_point(cx, result);
        }
        // A call that stops the slice (blocks, yields, exits, dies, execs) stays "in a
        // host call" for the platform until the slice has ended: suspending the process
        // while wasmi unwinds to the scheduler would let a wake-up meant for its wait
        // come and go before the scheduler knows it waits.
        if matches!(result, Ok(()) | Err(Sys::Err(_) | Sys::Ret(_))) {
            cx.sys.platform.host_call(false);
        }
        result
    };
    let result = match memory {
        Some(m) => {
            let (bytes, proc) = m.data_and_store_mut(&mut *caller);
            with_cx(bytes, proc, checked)
        }
        None => with_cx(&mut [], caller.data_mut(), checked),
    };
    match result {
        None => Err(Error::new("host call outside a scheduled slice")),
        Some(Ok(())) => Ok(0),
        Some(Err(sys)) => encode(caller, sys, call),
    }
}

/// A call that succeeded ends the slice (returning 0) when the slice has had its time —
/// a preempting platform's timer never suspends a process inside a host call, so one that
/// spends its time in them is preempted here — or when a handled signal is pending, so
/// the handler runs before the process's next instruction (under fuel a process is never
/// signalled in mid-slice by anyone else; a suspended one can be, and may never start a
/// fresh slice on its own). Never inside a signal handler, which cannot be suspended.
///
/// A call that failed with an errno also ends the slice when a handled signal is pending,
/// returning its errno after the handler: Linux runs handlers on the way out of any
/// system call, so a write that broke a pipe (PIPE, SIGPIPE raised) kills a shell taking
/// the default action before it prints "write error" — here it printed the message's
/// first piece (`script: `) and died at that next write.
fn slice_point(cx: &mut Cx<'_>, result: SysResult) -> SysResult {
    if cx.proc.in_handler {
        return result;
    }
    let signalled = |cx: &mut Cx<'_>| {
        cx.proc.takes_signals()
            && cx
                .sys
                .procs
                .get(&cx.proc.pid)
                .is_some_and(|p| p.deliverable() != 0)
    };
    match result {
        Ok(()) if cx.sys.platform.slice_over() || signalled(cx) => {
            Err(Sys::Block(crate::types::Wait::Yield))
        }
        Err(Sys::Err(e)) if signalled(cx) => {
            cx.proc.interrupt_value = Some(i32::from(e.raw()));
            Err(Sys::Block(crate::types::Wait::Yield))
        }
        other => other,
    }
}

fn encode<F>(caller: &mut Caller<'_, Proc>, sys: Sys, call: F) -> Result<i32, Error>
where
    F: FnMut(&mut Cx<'_>) -> SysResult + 'static,
{
    match sys {
        Sys::Err(e) => Ok(i32::from(e.raw())),
        Sys::Ret(v) => Ok(v),
        Sys::Trap(msg) => Err(Error::host(Fault(msg))),
        Sys::Block(wait) => {
            caller.data_mut().pending = Some((wait, alloc::boxed::Box::new(call)));
            Err(Error::host(Blocked))
        }
        Sys::Exit(code) => Err(Error::i32_exit(code as i32)),
        Sys::Signal(sig) => Err(Error::host(Killed(sig))),
        Sys::DefaultAction(sig) => Err(Error::host(DefaultAction(sig))),
        Sys::Exec(req) => {
            caller.data_mut().exec = Some(req);
            Err(Error::host(ExecMarker))
        }
    }
}

/// Registers handlers: `calls!(linker, registry, module; name => path(arg: ty, ...), ...)`.
/// Each handler is `fn(&mut Cx, args...) -> SysResult` and the import returns an errno.
#[macro_export]
macro_rules! calls {
    ($linker:expr, $reg:expr, $module:expr; $($name:ident => $hm:ident :: $hf:ident ( $($arg:ident : $ty:ty),* ) ),* $(,)?) => {$(
        $reg.define($linker, $module, stringify!($name),
            |mut caller: wasmi::Caller<'_, $crate::sys::Proc>, $($arg: $ty),*| -> Result<i32, wasmi::Error> {
                $crate::linker::dispatch(&mut caller, move |cx: &mut $crate::sys::Cx<'_>| $hm::$hf(cx, $($arg),*))
            })?;
    )*};
}

/// Like [`calls!`] for imports with no result (`proc_exit`, `proc_exit2`): the handler's
/// errno, if any, is dropped.
#[macro_export]
macro_rules! calls_noreturn {
    ($linker:expr, $reg:expr, $module:expr; $($name:ident => $hm:ident :: $hf:ident ( $($arg:ident : $ty:ty),* ) ),* $(,)?) => {$(
        $reg.define($linker, $module, stringify!($name),
            |mut caller: wasmi::Caller<'_, $crate::sys::Proc>, $($arg: $ty),*| -> Result<(), wasmi::Error> {
                $crate::linker::dispatch_noreturn(&mut caller, move |cx: &mut $crate::sys::Cx<'_>| $hm::$hf(cx, $($arg),*)).map(|_| ())
            })?;
    )*};
}
