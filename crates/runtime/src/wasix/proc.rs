//! Processes (to be completed).

use abi::Errno;

use crate::sys::{Cx, Sys, SysResult};

pub fn proc_id(cx: &mut Cx<'_>, out: i32) -> SysResult {
    cx.mem.write_u32(out as u32, cx.proc.pid)?;
    Ok(())
}
pub fn proc_parent(_cx: &mut Cx<'_>, _pid: i32, _out: i32) -> SysResult {
    Err(Errno::NoSys.into())
}
pub fn proc_exit2(_cx: &mut Cx<'_>, code: i32) -> SysResult {
    Err(Sys::Exit(code as u32))
}
pub fn proc_spawn(
    _cx: &mut Cx<'_>,
    _name: i32,
    _name_len: i32,
    _chroot: i32,
    _args: i32,
    _args_len: i32,
    _preopen: i32,
    _preopen_len: i32,
    _stdin: i32,
    _stdout: i32,
    _stderr: i32,
    _wd: i32,
    _wd_len: i32,
    _out: i32,
) -> SysResult {
    Err(Errno::NoSys.into())
}
pub fn proc_spawn2(
    _cx: &mut Cx<'_>,
    _name: i32,
    _name_len: i32,
    _args: i32,
    _args_len: i32,
    _envs: i32,
    _envs_len: i32,
    _ops: i32,
    _ops_len: i32,
    _sigs: i32,
    _sigs_len: i32,
    _search: i32,
    _path: i32,
    _path_len: i32,
    _out: i32,
) -> SysResult {
    Err(Errno::NoSys.into())
}
pub fn proc_join(_cx: &mut Cx<'_>, _pid: i32, _flags: i32, _out: i32) -> SysResult {
    Err(Errno::NoSys.into())
}
pub fn proc_exec3(
    _cx: &mut Cx<'_>,
    _name: i32,
    _name_len: i32,
    _args: i32,
    _args_len: i32,
    _envs: i32,
    _envs_len: i32,
    _search: i32,
    _path: i32,
    _path_len: i32,
) -> SysResult {
    Err(Errno::NoSys.into())
}
pub fn proc_exec2(
    _cx: &mut Cx<'_>,
    _name: i32,
    _name_len: i32,
    _args: i32,
    _args_len: i32,
    _envs: i32,
    _envs_len: i32,
) -> SysResult {
    Err(Errno::NoSys.into())
}
pub fn proc_exec(
    _cx: &mut Cx<'_>,
    _name: i32,
    _name_len: i32,
    _args: i32,
    _args_len: i32,
) -> SysResult {
    Err(Errno::NoSys.into())
}
