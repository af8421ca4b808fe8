//! The calls about the process's one thread: `thread_sleep` (blocks for a duration,
//! counted from the call's first attempt, so a retry after a wake-up does not restart
//! it), its id, signal, parallelism and exit, and the 2022 ABI's thread-local keys
//! (`thread_local_*`, which Rust's std for that target uses for every thread local).

use abi::Errno;

use crate::sys::{Cx, Sys, SysResult};
use crate::types::Wait;

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

/// `thread_id(ret_tid)`: a process has one thread, whose id is the pid (as a Linux main
/// thread's tid is).
pub fn thread_id(cx: &mut Cx<'_>, out: i32) -> SysResult {
    let pid = cx.proc.pid;
    cx.mem.write_u32(out as u32, pid)?;
    Ok(())
}

/// `thread_signal(tid, sig)`: signals the caller's only thread, i.e. raises in the
/// process (musl's `raise` is `thread_signal(gettid(), sig)`); any other tid is SRCH.
pub fn thread_signal(cx: &mut Cx<'_>, tid: i32, sig: i32) -> SysResult {
    if tid as u32 != cx.proc.pid {
        return Err(Errno::Srch.into());
    }
    let sig = crate::signals::signal_number(cx, sig)?;
    crate::signals::raise_self(cx, sig)
}

/// `thread_parallelism(ret_size)`: threads that could run at once: 1.
pub fn thread_parallelism(cx: &mut Cx<'_>, out: i32) -> SysResult {
    cx.mem.write_u32(out as u32, 1)?;
    Ok(())
}

/// `thread_exit(code)`: the only thread ending ends the process, with `code`.
pub fn thread_exit(_cx: &mut Cx<'_>, code: i32) -> SysResult {
    Err(Sys::Exit(code as u32))
}

/// Most thread-local keys a process may hold at once (Linux's `PTHREAD_KEYS_MAX`).
pub const MAX_THREAD_LOCALS: usize = 1024;

/// `thread_local_create(user_data, ret_key)`: a new key, its value 0, at the lowest free
/// number from 1. AGAIN when the process holds [`MAX_THREAD_LOCALS`] (as
/// `pthread_key_create`). `user_data` is for a destructor run when a thread ends; the
/// only thread ends with its process, and no destructor runs then (as for `exit`).
pub fn thread_local_create(cx: &mut Cx<'_>, _user_data: i64, out: i32) -> SysResult {
    cx.mem.slice(out as u32, 4)?;
    let keys = &mut cx.proc.thread_locals;
    if keys.len() >= MAX_THREAD_LOCALS {
        return Err(Errno::Again.into());
    }
    // Keys are kept in order, so the first gap is where the numbering skips.
    let key = keys
        .keys()
        .zip(1u32..)
        .find(|&(&have, want)| have != want)
        .map_or(keys.len() as u32 + 1, |(_, want)| want);
    keys.insert(key, 0);
    cx.mem.write_u32(out as u32, key)?;
    Ok(())
}

/// `thread_local_destroy(key)`: forgets `key` (INVAL if it was never created).
pub fn thread_local_destroy(cx: &mut Cx<'_>, key: i32) -> SysResult {
    cx.proc
        .thread_locals
        .remove(&(key as u32))
        .ok_or(Errno::Inval)?;
    Ok(())
}

/// `thread_local_set(key, value)`: INVAL for a key not created.
pub fn thread_local_set(cx: &mut Cx<'_>, key: i32, value: i64) -> SysResult {
    let slot = cx
        .proc
        .thread_locals
        .get_mut(&(key as u32))
        .ok_or(Errno::Inval)?;
    *slot = value as u64;
    Ok(())
}

/// `thread_local_get(key, ret_value)`: INVAL for a key not created.
pub fn thread_local_get(cx: &mut Cx<'_>, key: i32, out: i32) -> SysResult {
    let value = *cx
        .proc
        .thread_locals
        .get(&(key as u32))
        .ok_or(Errno::Inval)?;
    cx.mem.write_u64(out as u32, value)?;
    Ok(())
}
