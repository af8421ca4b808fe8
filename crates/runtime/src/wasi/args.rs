//! `args_*` and `environ_*`: the argument and environment vectors, written as a pointer
//! array plus NUL-terminated strings in one buffer.

use alloc::vec::Vec;

use abi::Errno;

use crate::mem::GuestMem;
use crate::sys::{Cx, SysResult};

fn sizes(mem: &mut GuestMem<'_>, list: &[Vec<u8>], count_ptr: i32, size_ptr: i32) -> SysResult {
    let count = u32::try_from(list.len()).map_err(|_| Errno::Overflow)?;
    let size = list.iter().try_fold(0u32, |acc, s| {
        u32::try_from(s.len())
            .ok()
            .and_then(|l| acc.checked_add(l)?.checked_add(1))
    });
    let size = size.ok_or(Errno::Overflow)?;
    mem.write_u32(count_ptr as u32, count)?;
    mem.write_u32(size_ptr as u32, size)?;
    Ok(())
}

fn fill(mem: &mut GuestMem<'_>, list: &[Vec<u8>], ptrs: i32, buf: i32) -> SysResult {
    let (mut ptr, mut at) = (ptrs as u32, buf as u32);
    for s in list {
        mem.write_u32(ptr, at)?;
        mem.write(at, s)?;
        let len = u32::try_from(s.len()).map_err(|_| Errno::Overflow)?;
        let end = at.checked_add(len).ok_or(Errno::Fault)?;
        mem.write_u8(end, 0)?;
        at = end.checked_add(1).ok_or(Errno::Fault)?;
        ptr = ptr.checked_add(4).ok_or(Errno::Fault)?;
    }
    Ok(())
}

pub fn args_sizes_get(cx: &mut Cx<'_>, argc: i32, size: i32) -> SysResult {
    sizes(&mut cx.mem, &cx.proc.args, argc, size)
}

pub fn args_get(cx: &mut Cx<'_>, argv: i32, buf: i32) -> SysResult {
    fill(&mut cx.mem, &cx.proc.args, argv, buf)
}

pub fn environ_sizes_get(cx: &mut Cx<'_>, count: i32, size: i32) -> SysResult {
    sizes(&mut cx.mem, &cx.proc.env, count, size)
}

pub fn environ_get(cx: &mut Cx<'_>, env: i32, buf: i32) -> SysResult {
    fill(&mut cx.mem, &cx.proc.env, env, buf)
}
