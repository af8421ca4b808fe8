//! Futexes: WASIX `futex_wait` / `futex_wake` / `futex_wake_all`, and the
//! `memory.atomic.wait32/64` / `memory.atomic.notify` instructions of modules whose threads
//! proposal was lowered at load (the `wasmkernel` helper imports, see `crates/wasmlower`).
//!
//! A process has one thread and its memory is its own, so nothing but the process itself
//! changes the word a wait looks at: a wait whose value matches sleeps until its timeout
//! (or, without one, until a signal interrupts it), and a wake or notify finds nobody to
//! wake. The threads issue replaces this with real wait queues keyed by address.

use alloc::vec::Vec;

use abi::Errno;
use abi::wasix::OptionTimestamp;

use crate::sys::{Cx, Sys, SysResult};
use crate::types::Wait;

/// `memory.atomic.wait` results.
const WAIT_OK: i32 = 0;
const WAIT_NOT_EQUAL: i32 = 1;
const WAIT_TIMED_OUT: i32 = 2;

/// The effective address of a `size`-byte atomic access, trapping as the instruction
/// would: out of bounds (the address plus offset is computed without wrapping), or not
/// naturally aligned.
fn effective(cx: &Cx<'_>, addr: i32, offset: i32, size: u32) -> Result<u32, Sys> {
    const OOB: Sys = Sys::Trap("out of bounds memory access");
    let ea = u64::from(addr as u32) + u64::from(offset as u32);
    let ea = u32::try_from(ea).map_err(|_| OOB)?;
    cx.mem.slice(ea, size).map_err(|_| OOB)?;
    if ea % size != 0 {
        return Err(Sys::Trap("unaligned atomic"));
    }
    Ok(ea)
}

/// Sleeps a wait whose value matched: until `timeout` ns from the call's first attempt
/// (then `timed_out`), or for ever when it is negative. A handled signal ends the sleep
/// early with `interrupted` (the caller sees a spurious wake-up and looks again).
fn sleep(cx: &mut Cx<'_>, timeout: Option<u64>, timed_out: Sys, interrupted: i32) -> SysResult {
    cx.proc.interrupt_value = Some(interrupted);
    let Some(timeout) = timeout else {
        return Err(Sys::Block(Wait::Any(Vec::new())));
    };
    let now = cx.now();
    let deadline = cx.call_start(now).saturating_add(timeout);
    if now >= deadline {
        Err(timed_out)
    } else {
        Err(Sys::Block(Wait::Until(deadline)))
    }
}

/// The lowered module's helpers run in start sections too (wasm-ld's memory initialiser
/// notifies after it has copied the data in), where no system is lent to host calls: the
/// checks and the non-blocking answers work on the caller's exported memory alone, and
/// only a wait that must sleep goes through the dispatcher.
fn memory_word(
    caller: &wasmi::Caller<'_, crate::sys::Proc>,
    addr: i32,
    offset: i32,
    size: u32,
) -> Result<u64, wasmi::Error> {
    let Some(wasmi::Extern::Memory(m)) = caller.get_export("memory") else {
        return Err(wasmi::Error::host(crate::linker::Fault(
            "atomic access without a memory",
        )));
    };
    let ea = u64::from(addr as u32) + u64::from(offset as u32);
    let bytes = m.data(caller);
    let start = usize::try_from(ea).unwrap_or(usize::MAX);
    let word = bytes
        .get(start..start.saturating_add(size as usize))
        .ok_or_else(|| wasmi::Error::from(wasmi_core::TrapCode::MemoryOutOfBounds))?;
    if ea % u64::from(size) != 0 {
        return Err(wasmi::Error::host(crate::linker::Fault("unaligned atomic")));
    }
    let mut buf = [0u8; 8];
    buf[..word.len()].copy_from_slice(word);
    Ok(u64::from_le_bytes(buf))
}

/// Registers the `wasmkernel` helpers of lowered modules.
pub fn register_lowered(
    linker: &mut wasmi::Linker<crate::sys::Proc>,
    reg: &mut crate::sys::Registry,
    module: &str,
) -> Result<(), wasmi::Error> {
    use crate::linker::dispatch;
    use wasmi::Caller;
    type C<'a> = Caller<'a, crate::sys::Proc>;
    reg.define(
        linker,
        module,
        "atomic_notify",
        |caller: C<'_>, addr: i32, _n: i32, off: i32| memory_word(&caller, addr, off, 4).map(|_| 0),
    )?;
    reg.define(
        linker,
        module,
        "atomic_wait32",
        |mut caller: C<'_>, addr: i32, expected: i32, timeout: i64, off: i32| {
            if memory_word(&caller, addr, off, 4)? != u64::from(expected as u32) {
                return Ok(WAIT_NOT_EQUAL);
            }
            dispatch(&mut caller, move |cx| {
                atomic_wait32(cx, addr, expected, timeout, off)
            })
        },
    )?;
    reg.define(
        linker,
        module,
        "atomic_wait64",
        |mut caller: C<'_>, addr: i32, expected: i64, timeout: i64, off: i32| {
            if memory_word(&caller, addr, off, 8)? != expected as u64 {
                return Ok(WAIT_NOT_EQUAL);
            }
            dispatch(&mut caller, move |cx| {
                atomic_wait64(cx, addr, expected, timeout, off)
            })
        },
    )?;
    Ok(())
}

/// `memory.atomic.wait32`: 0 woken, 1 the value differs, 2 timed out.
pub fn atomic_wait32(
    cx: &mut Cx<'_>,
    addr: i32,
    expected: i32,
    timeout: i64,
    offset: i32,
) -> SysResult {
    let ea = effective(cx, addr, offset, 4)?;
    if cx.mem.read_u32(ea)? != expected as u32 {
        return Err(Sys::Ret(WAIT_NOT_EQUAL));
    }
    sleep(
        cx,
        u64::try_from(timeout).ok(),
        Sys::Ret(WAIT_TIMED_OUT),
        WAIT_OK,
    )
}

/// `memory.atomic.wait64`.
pub fn atomic_wait64(
    cx: &mut Cx<'_>,
    addr: i32,
    expected: i64,
    timeout: i64,
    offset: i32,
) -> SysResult {
    let ea = effective(cx, addr, offset, 8)?;
    if cx.mem.read_u64(ea)? != expected as u64 {
        return Err(Sys::Ret(WAIT_NOT_EQUAL));
    }
    sleep(
        cx,
        u64::try_from(timeout).ok(),
        Sys::Ret(WAIT_TIMED_OUT),
        WAIT_OK,
    )
}

/// `futex_wait(futex, expected, timeout: *option<timestamp>, ret_woken: *bool)`: writes
/// false when the value differs or the timeout passes; a handled signal gives INTR.
pub fn futex_wait(cx: &mut Cx<'_>, futex: i32, expected: i32, timeout: i32, out: i32) -> SysResult {
    let (futex, out) = (futex as u32, out as u32);
    if futex % 4 != 0 {
        return Err(Errno::Inval.into());
    }
    let timeout = if timeout == 0 {
        None
    } else {
        // A tag other than NONE or SOME does not decode: INVAL.
        cx.mem.read_struct::<OptionTimestamp>(timeout as u32)?.get()
    };
    cx.mem.slice(out, 1)?;
    if cx.mem.read_u32(futex)? != expected as u32 {
        cx.mem.write_u8(out, 0)?;
        return Ok(());
    }
    match sleep(
        cx,
        timeout,
        Sys::Err(Errno::TimedOut),
        i32::from(Errno::Intr.raw()),
    ) {
        Err(Sys::Err(Errno::TimedOut)) => {
            cx.mem.write_u8(out, 0)?;
            Ok(())
        }
        other => other,
    }
}

/// `futex_wake(futex, ret_woken)` and `futex_wake_all`: nobody else waits, so false.
pub fn futex_wake(cx: &mut Cx<'_>, futex: i32, out: i32) -> SysResult {
    if futex as u32 % 4 != 0 {
        return Err(Errno::Inval.into());
    }
    cx.mem.slice(futex as u32, 4)?;
    cx.mem.write_u8(out as u32, 0)?;
    Ok(())
}
