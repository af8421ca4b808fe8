//! The WASIX calls of the `wasix_32v1` module (which also re-exports every preview1 call,
//! registered in `wasi`): processes ([`proc`]), signals ([`signal`]), pipes and descriptor
//! duplication ([`fd`]), the working directory ([`cwd`]), sleeping ([`thread`]) and the
//! terminal description ([`tty`]). Layouts follow the wasix-libc headers, asserted in
//! `abi::wasix`.

pub mod cwd;
pub mod fd;
pub mod futex;
pub mod jobs;
pub mod proc;
pub mod signal;
pub mod stack;
pub mod thread;
pub mod tty;
pub mod unsupported;

use wasmi::Linker;

use crate::sys::Proc;
use crate::sys::Registry;
use crate::wasi::path;
use crate::wasi::poll::epoll;
use crate::{calls, calls_noreturn};

/// The WASIX import module.
pub const MODULE: &str = abi::wasix::WASIX_MODULE;

/// The helper imports a lowered module calls for `memory.atomic.wait*` / `notify`.
pub const LOWERED: &str = wasmlower::HOST_MODULE;

/// Makes `linker` (a copy of the full one) serve the 2022 WASIX ABI, which the wasix-libc
/// builds of dash and bash still import: the two-argument `proc_join`. [`crate::sched`]
/// picks this linker for a module that imports that `proc_join`
/// ([`crate::spawn::is_legacy`]).
pub fn register_legacy(linker: &mut Linker<Proc>, reg: &mut Registry) -> Result<(), wasmi::Error> {
    linker.allow_shadowing(true);
    calls!(linker, reg, MODULE;
        proc_join => proc::proc_join_legacy(pid: i32, out: i32),
    );
    linker.allow_shadowing(false);
    Ok(())
}

/// Makes `linker` serve `fd_renumber` as POSIX `dup2` under both namespaces, as wasmer
/// does: wasix-libc's `dup2` is `fd_renumber`, and a shell's save-and-restore of a
/// redirected descriptor (`dup2(2, 1)`, later `dup2(10, 1)`) must leave the source open.
/// [`crate::sched`] picks it for every module importing from `wasix_32v1`
/// ([`crate::spawn::legacy_abi`]).
pub fn register_renumber_dup2(
    linker: &mut Linker<Proc>,
    reg: &mut Registry,
) -> Result<(), wasmi::Error> {
    linker.allow_shadowing(true);
    for module in ["wasi_snapshot_preview1", MODULE] {
        calls!(linker, reg, module;
            fd_renumber => fd::fd_renumber_dup2(fd: i32, to: i32),
        );
    }
    linker.allow_shadowing(false);
    Ok(())
}

/// Makes `linker` serve the bidirectional `fd_pipe` of 2022 builds (wasmer's pipes were
/// so, and its 2022 examples rely on it); [`crate::sched`] picks it for a module that
/// imports the classic calls from `wasix_32v1` ([`crate::spawn::legacy_abi`]).
pub fn register_duplex_pipe(
    linker: &mut Linker<Proc>,
    reg: &mut Registry,
) -> Result<(), wasmi::Error> {
    linker.allow_shadowing(true);
    calls!(linker, reg, MODULE;
        fd_pipe => fd::fd_pipe_duplex(fd1: i32, fd2: i32),
    );
    linker.allow_shadowing(false);
    Ok(())
}

/// Registers every WASIX call.
pub fn register(linker: &mut Linker<Proc>, reg: &mut Registry) -> Result<(), wasmi::Error> {
    calls!(linker, reg, MODULE;
        fd_pipe => fd::fd_pipe(ro: i32, wo: i32),
        fd_event => fd::fd_event(initial: i64, flags: i32, out: i32),
        epoll_create => epoll::epoll_create(out: i32),
        epoll_ctl => epoll::epoll_ctl(epfd: i32, op: i32, fd: i32, event: i32),
        epoll_wait => epoll::epoll_wait(epfd: i32, events: i32, max: i32, timeout: i64, out: i32),
        fd_dup => fd::fd_dup(fd: i32, out: i32),
        fd_dup2 => fd::fd_dup2(fd: i32, min: i32, cloexec: i32, out: i32),
        fd_fdflags_get => fd::fd_fdflags_get(fd: i32, out: i32),
        fd_fdflags_set => fd::fd_fdflags_set(fd: i32, flags: i32),
        path_open2 => path::path_open2(fd: i32, dirflags: i32, path: i32, len: i32, oflags: i32, base: i64, inheriting: i64, fdflags: i32, fdflagsext: i32, out: i32),
        getcwd => cwd::getcwd(buf: i32, len: i32),
        chdir => cwd::chdir(path: i32, len: i32),
        thread_sleep => thread::thread_sleep(ns: i64),
        tty_get => tty::tty_get(out: i32),
        tty_set => tty::tty_set(tty: i32),
        proc_id => proc::proc_id(out: i32),
        proc_parent => proc::proc_parent(pid: i32, out: i32),
        proc_spawn => proc::proc_spawn(name: i32, name_len: i32, chroot: i32, args: i32, args_len: i32, preopen: i32, preopen_len: i32, stdin: i32, stdout: i32, stderr: i32, wd: i32, wd_len: i32, out: i32),
        proc_spawn2 => proc::proc_spawn2(name: i32, name_len: i32, args: i32, args_len: i32, envs: i32, envs_len: i32, ops: i32, ops_len: i32, sigs: i32, sigs_len: i32, search: i32, path: i32, path_len: i32, out: i32),
        proc_join => proc::proc_join(pid: i32, flags: i32, out: i32),
        proc_spawn3 => proc::proc_spawn3(name: i32, name_len: i32, args: i32, args_len: i32, envs: i32, envs_len: i32, ops: i32, ops_len: i32, sigs: i32, sigs_len: i32, search: i32, path: i32, path_len: i32, out: i32),
        proc_exec4 => proc::proc_exec4(name: i32, name_len: i32, args: i32, args_len: i32, envs: i32, envs_len: i32, search: i32, path: i32, path_len: i32),
        proc_exec3 => proc::proc_exec3(name: i32, name_len: i32, args: i32, args_len: i32, envs: i32, envs_len: i32, search: i32, path: i32, path_len: i32),
        proc_signal => signal::proc_signal(pid: i32, sig: i32),
        proc_signals_sizes_get => signal::proc_signals_sizes_get(out: i32),
        proc_signals_get => signal::proc_signals_get(buf: i32),
        proc_raise_interval => signal::proc_raise_interval(sig: i32, interval: i64, repeat: i32),
        futex_wait => futex::futex_wait(futex: i32, expected: i32, timeout: i32, out: i32),
        futex_wake => futex::futex_wake(futex: i32, out: i32),
        futex_wake_all => futex::futex_wake(futex: i32, out: i32),
        thread_id => thread::thread_id(out: i32),
        thread_local_create => thread::thread_local_create(user_data: i64, out: i32),
        thread_local_destroy => thread::thread_local_destroy(key: i32),
        thread_local_set => thread::thread_local_set(key: i32, value: i64),
        thread_local_get => thread::thread_local_get(key: i32, out: i32),
        thread_signal => thread::thread_signal(tid: i32, sig: i32),
        thread_parallelism => thread::thread_parallelism(out: i32),
    );
    // Stack switching drives the guest's asyncify exports, so it needs the caller itself.
    reg.define(linker, MODULE, "proc_fork", stack::proc_fork)?;
    reg.define(linker, MODULE, "stack_checkpoint", stack::stack_checkpoint)?;
    reg.define(linker, MODULE, "stack_restore", stack::stack_restore)?;
    futex::register_lowered(linker, reg, LOWERED)?;
    calls_noreturn!(linker, reg, MODULE;
        proc_exit2 => proc::proc_exit2(code: i32),
        proc_exec2 => proc::proc_exec2(name: i32, name_len: i32, args: i32, args_len: i32, envs: i32, envs_len: i32),
        proc_exec => proc::proc_exec(name: i32, name_len: i32, args: i32, args_len: i32),
        callback_signal => signal::callback_signal(name: i32, len: i32),
        thread_exit => thread::thread_exit(code: i32),
    );
    unsupported::register(linker, reg, MODULE)?;
    calls!(linker, reg, abi::wasix::JOBS_MODULE;
        proc_setpgid => jobs::proc_setpgid(pid: i32, pgid: i32),
        proc_getpgid => jobs::proc_getpgid(pid: i32, out: i32),
        tty_setpgrp => jobs::tty_setpgrp(pgid: i32),
        tty_getpgrp => jobs::tty_getpgrp(out: i32),
    );
    Ok(())
}
