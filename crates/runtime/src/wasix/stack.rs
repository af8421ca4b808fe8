//! Stack switching for WASIX programs built with asyncify (what wasix-libc's `fork`,
//! `vfork` and `setjmp`/`longjmp` rest on): `proc_fork`, `stack_checkpoint`,
//! `stack_restore`.
//!
//! wasmi cannot capture a WebAssembly call stack, so these calls use the guest's own
//! asyncify instrumentation (Binaryen's pass; the module exports `asyncify_start_unwind`,
//! `asyncify_stop_unwind`, `asyncify_start_rewind`, `asyncify_stop_rewind`):
//!
//! 1. The call's first entry checks its arguments, points an asyncify data structure
//!    (`{cur, end}` then the buffer) at free stack below the guest's `__stack_pointer`,
//!    starts unwinding and returns; the guest saves its locals frame by frame and returns
//!    all the way out of `_start`.
//! 2. The scheduler (`sched`) sees `_start` return with an [`Unwound`] operation
//!    pending, stops the unwind and completes it: a fork creates the child (a copy of the
//!    memory, mutable globals, descriptors, dispositions); a checkpoint copies the saved
//!    frames into kernel memory. It then starts a rewind and calls `_start` again.
//! 3. The rewind re-enters every frame and re-executes the interrupted call, which finds
//!    its [`Resume`] value, stops the rewind and returns it: 0 in a fork's child and the
//!    child's pid in the parent; 0 from a checkpoint, or `longjmp`'s value after a restore.
//!
//! `stack_restore` needs no unwind: it abandons the current call stack (a host trap),
//! writes the checkpoint's saved frames back below the checkpoint's stack pointer and
//! rewinds into them.
//!
//! Limits: at most [`MAX_SNAPSHOTS`] snapshots of at most [`MAX_UNWIND`] bytes each per
//! process. Each is named by the tag it writes into its `jmp_buf`, so a copy of a
//! `jmp_buf` restores as well as the original, and a newer checkpoint on the same buffer
//! does not drop the older one. When the table is full, the newest snapshot that a later
//! one on its buffer has superseded goes first (in a `setjmp` loop, the previous round's),
//! else the oldest; restoring a dropped one kills the process with a message. A module without the asyncify exports or
//! an exported `__stack_pointer` gets NOTSUP, as does a call from a signal handler.

use abi::Errno;
use abi::wasix::{AsyncifyData, StackSnapshot};
use wasmi::{Caller, Error, Extern, Val};

use crate::linker::with_cx;
use crate::stack_state::{RestoreMarker, Resume, Unwound};
use crate::sys::Proc;

/// Largest unwound stack a call may save (bytes of asyncify data).
pub const MAX_UNWIND: u32 = 1 << 20;
/// Snapshots kept per process.
pub const MAX_SNAPSHOTS: usize = 64;
/// Bytes left untouched just below the stack pointer (a red zone, for safety).
const RED_ZONE: u32 = 256;
/// The asyncify data structure before the saved frames.
pub const HEADER: u32 = AsyncifyData::SIZE as u32;
/// Smallest buffer worth unwinding into.
const MIN_UNWIND: u32 = 4096;

/// The asyncify exports a module must have.
const ASYNCIFY: [&str; 4] = [
    "asyncify_start_unwind",
    "asyncify_stop_unwind",
    "asyncify_start_rewind",
    "asyncify_stop_rewind",
];

/// Calls the guest export `name` (an asyncify control function) with `args`.
pub fn call_export(
    caller: &mut impl wasmi::AsContextMut<Data = Proc>,
    instance: &wasmi::Instance,
    name: &str,
    args: &[Val],
) -> Result<(), Error> {
    let func = instance
        .get_func(&*caller, name)
        .ok_or_else(|| Error::new("asyncify export missing"))?;
    func.call(caller, args, &mut [])
}

/// The `__stack_pointer` global's value, when the module exports it as a mutable i32.
fn stack_pointer(caller: &Caller<'_, Proc>) -> Option<u32> {
    match caller.get_export("__stack_pointer")? {
        Extern::Global(g) => match g.get(caller) {
            Val::I32(v) => Some(v as u32),
            _ => None,
        },
        _ => None,
    }
}

/// The lowest address the unwind buffer may use below `sp`: the end of the data when
/// the module exports `__data_end` below the stack (the default layout), else 1 KiB.
fn stack_floor(caller: &Caller<'_, Proc>, sp: u32) -> u32 {
    let data_end = match caller.get_export("__data_end") {
        Some(Extern::Global(g)) => match g.get(caller) {
            Val::I32(v) => Some(v as u32),
            _ => None,
        },
        _ => None,
    };
    match data_end {
        Some(end) if end < sp => end,
        _ => 1024,
    }
}

/// Where to put the asyncify data below stack pointer `sp`, above `floor`: (structure
/// address, buffer end), with room for between `least` and `most` bytes of frames; None
/// when there is not room for `least`.
pub fn buffer_below(sp: u32, floor: u32, least: u32, most: u32) -> Option<(u32, u32)> {
    let top = sp.checked_sub(RED_ZONE)? & !15;
    let room = top.checked_sub(floor)?;
    let size = room.min(most.saturating_add(HEADER + 15)) & !15;
    if size < least.saturating_add(HEADER) {
        return None;
    }
    Some((top - size, top))
}

/// Runs `f` over the caller's memory, process data and the system (a host call's view).
fn with_caller<R>(
    caller: &mut Caller<'_, Proc>,
    f: impl FnOnce(&mut crate::sys::Cx<'_>) -> R,
) -> Option<R> {
    match caller.data().data.memory {
        Some(m) => {
            let (bytes, proc) = m.data_and_store_mut(&mut *caller);
            with_cx(bytes, proc, f)
        }
        None => with_cx(&mut [], caller.data_mut(), f),
    }
}

fn has_asyncify(caller: &Caller<'_, Proc>) -> bool {
    ASYNCIFY
        .iter()
        .all(|n| matches!(caller.get_export(n), Some(Extern::Func(_))))
}

/// If this call is the rewind re-entering it: stops the rewind and gives its result.
fn resumed(caller: &mut Caller<'_, Proc>) -> Result<Option<Resume>, Error> {
    let Some(resume) = caller.data_mut().data.stack.resume.take() else {
        return Ok(None);
    };
    let func = caller
        .get_export("asyncify_stop_rewind")
        .and_then(Extern::into_func)
        .ok_or_else(|| Error::new("asyncify export missing"))?;
    guest_call(caller, &func, &[])?;
    Ok(Some(resume))
}

/// Calls one of the guest's asyncify exports from inside a host call, where the timer
/// does not preempt: bounded instead by the runaway trap (`Platform::nested_run`), or
/// an export that loops would hold the CPU for ever.
fn guest_call(
    caller: &mut Caller<'_, Proc>,
    func: &wasmi::Func,
    args: &[Val],
) -> Result<(), Error> {
    nested_run(caller, true);
    let result = func.call(&mut *caller, args, &mut []);
    nested_run(caller, false);
    result
}

fn nested_run(caller: &mut Caller<'_, Proc>, active: bool) {
    let home = &caller.data().home;
    if let Some(mut sys) = home.take() {
        sys.platform.nested_run(active);
        home.set(Some(sys));
    }
}

/// Starts unwinding the caller's stack for `op`, with the data structure below the
/// stack pointer. Errors are the call's errno.
fn start_unwind(caller: &mut Caller<'_, Proc>, op: Unwound) -> Result<(), Errno> {
    if caller.data().data.in_handler || !has_asyncify(caller) {
        log::info!(
            "pid {}: {op:?} needs a module built with asyncify, called outside a signal handler",
            caller.data().data.pid
        );
        return Err(Errno::NotSup);
    }
    let sp = stack_pointer(caller).ok_or(Errno::NotSup)?;
    let floor = stack_floor(caller, sp);
    let (data, end) = buffer_below(sp, floor, MIN_UNWIND, MAX_UNWIND).ok_or(Errno::NoMem)?;
    with_caller(caller, |cx| -> Result<(), Errno> {
        let header = AsyncifyData {
            current: data + HEADER,
            end,
        };
        cx.mem.write_struct(data, &header)
    })
    .ok_or(Errno::NotSup)??;
    let func = caller
        .get_export("asyncify_start_unwind")
        .and_then(Extern::into_func)
        .ok_or(Errno::NotSup)?;
    if guest_call(caller, &func, &[Val::I32(data as i32)]).is_err() {
        return Err(Errno::NotSup);
    }
    let stack = &mut caller.data_mut().data.stack;
    stack.unwound = Some(op);
    stack.data_ptr = data;
    Ok(())
}

/// Marks a host call's start and end for a preempting platform (see `Platform::host_call`).
fn host_call(caller: &mut Caller<'_, Proc>, active: bool) {
    let home = &caller.data().home;
    if let Some(mut sys) = home.take() {
        sys.platform.host_call(active);
        home.set(Some(sys));
    }
}

fn errno(e: Errno) -> i32 {
    i32::from(e.raw())
}

/// `proc_fork(copy_memory, ret_pid)`: both kinds copy the memory (a `vfork` child that
/// shared it would run on the parent's stack; POSIX lets vfork be a fork).
pub fn proc_fork(mut caller: Caller<'_, Proc>, copy: i32, out: i32) -> Result<i32, Error> {
    host_call(&mut caller, true);
    let result = fork(&mut caller, copy, out as u32);
    host_call(&mut caller, false);
    result
}

fn fork(caller: &mut Caller<'_, Proc>, copy: i32, out: u32) -> Result<i32, Error> {
    if let Some(resume) = resumed(caller)? {
        if resume.errno != Errno::Success {
            return Ok(errno(resume.errno));
        }
        let written = with_caller(caller, |cx| cx.mem.write_u32(out, resume.value as u32));
        return Ok(match written {
            Some(Ok(())) => 0,
            Some(Err(e)) => errno(e),
            None => errno(Errno::Fault),
        });
    }
    if !matches!(copy, 0 | 1) {
        return Ok(errno(Errno::Inval));
    }
    let checked = with_caller(caller, |cx| -> Result<(), Errno> {
        cx.mem.slice_mut(out, 4)?;
        if cx.sys.counted_processes() >= cx.sys.limits.max_procs {
            return Err(Errno::Again);
        }
        // The child needs a copy of the memory, with the spawn headroom kept free.
        let needed = cx.mem.len().saturating_add(crate::spawn::SPAWN_HEADROOM);
        if cx.sys.memory_available().is_some_and(|free| free < needed) {
            return Err(Errno::Again);
        }
        Ok(())
    });
    match checked {
        Some(Ok(())) => {}
        Some(Err(e)) => return Ok(errno(e)),
        None => return Ok(errno(Errno::Fault)),
    }
    Ok(match start_unwind(caller, Unwound::Fork) {
        Ok(()) => 0,
        Err(e) => errno(e),
    })
}

/// `stack_checkpoint(snapshot, ret_val)`: 0 and `*ret_val = 0` now; after a
/// `stack_restore` of this snapshot, 0 and `*ret_val` = the restore's value.
pub fn stack_checkpoint(
    mut caller: Caller<'_, Proc>,
    snapshot: i32,
    out: i32,
) -> Result<i32, Error> {
    host_call(&mut caller, true);
    let result = checkpoint(&mut caller, snapshot as u32, out as u32);
    host_call(&mut caller, false);
    result
}

fn checkpoint(caller: &mut Caller<'_, Proc>, snapshot: u32, out: u32) -> Result<i32, Error> {
    if let Some(resume) = resumed(caller)? {
        if resume.errno != Errno::Success {
            return Ok(errno(resume.errno));
        }
        let written = with_caller(caller, |cx| cx.mem.write_u64(out, resume.value));
        return Ok(match written {
            Some(Ok(())) => 0,
            Some(Err(e)) => errno(e),
            None => errno(Errno::Fault),
        });
    }
    let checked = with_caller(caller, |cx| -> Result<(), Errno> {
        cx.mem.slice_mut(snapshot, StackSnapshot::SIZE as u32)?;
        cx.mem.slice_mut(out, 8)?;
        Ok(())
    });
    match checked {
        Some(Ok(())) => {}
        Some(Err(e)) => return Ok(errno(e)),
        None => return Ok(errno(Errno::Fault)),
    }
    Ok(match start_unwind(caller, Unwound::Checkpoint(snapshot)) {
        Ok(()) => 0,
        Err(e) => errno(e),
    })
}

/// `stack_restore(snapshot, value)`: no result; a snapshot this process did not make (or
/// has dropped) ends it with a message.
pub fn stack_restore(mut caller: Caller<'_, Proc>, snapshot: i32, value: i64) -> Result<(), Error> {
    let snapshot = snapshot as u32;
    let tag = with_caller(&mut caller, |cx| {
        cx.mem
            .read_struct::<StackSnapshot>(snapshot)
            .ok()
            .map(|s| (s.hash[0], s.hash[1]))
    })
    .flatten();
    let data = &mut caller.data_mut().data;
    match tag.and_then(|t| data.stack.snapshots.get(&t.0).map(|s| (t, s))) {
        Some(((tag, made_in), s)) if u64::from(s.jmp_buf) == made_in => {
            let value = if value == 0 { 1 } else { value as u64 };
            data.stack.restore = Some((tag, value));
            Err(Error::host(RestoreMarker))
        }
        _ => Err(Error::host(crate::linker::Fault(
            "stack_restore: not a checkpoint of this process (longjmp to a stale jmp_buf?)",
        ))),
    }
}
