//! The WASI preview1 calls, one module per family, registered in one list below under both
//! `wasi_snapshot_preview1` and `wasix_32v1` (which re-exports every preview1 call). A
//! module importing anything not in this list is refused at spawn time with a message
//! naming the import.

pub mod args;
pub mod clock;
pub mod fd;
pub mod path;
pub mod poll;
pub mod proc;
pub mod random;
pub mod sock;
pub mod unstable;

use wasmi::Linker;

use crate::sys::Proc;
use crate::sys::Registry;
use crate::{calls, calls_noreturn};

/// Registers every call.
pub fn register(linker: &mut Linker<Proc>, reg: &mut Registry) -> Result<(), wasmi::Error> {
    for module in ["wasi_snapshot_preview1", "wasix_32v1"] {
        calls!(linker, reg, module;
            args_get => args::args_get(argv: i32, buf: i32),
            args_sizes_get => args::args_sizes_get(argc: i32, size: i32),
            environ_get => args::environ_get(env: i32, buf: i32),
            environ_sizes_get => args::environ_sizes_get(count: i32, size: i32),
            clock_res_get => clock::clock_res_get(id: i32, out: i32),
            clock_time_get => clock::clock_time_get(id: i32, precision: i64, out: i32),
            fd_advise => fd::fd_advise(fd: i32, offset: i64, len: i64, advice: i32),
            fd_allocate => fd::fd_allocate(fd: i32, offset: i64, len: i64),
            fd_close => fd::fd_close(fd: i32),
            fd_datasync => fd::fd_datasync(fd: i32),
            fd_fdstat_get => fd::fd_fdstat_get(fd: i32, out: i32),
            fd_fdstat_set_flags => fd::fd_fdstat_set_flags(fd: i32, flags: i32),
            fd_fdstat_set_rights => fd::fd_fdstat_set_rights(fd: i32, base: i64, inheriting: i64),
            fd_filestat_get => fd::fd_filestat_get(fd: i32, out: i32),
            fd_filestat_set_size => fd::fd_filestat_set_size(fd: i32, size: i64),
            fd_filestat_set_times => fd::fd_filestat_set_times(fd: i32, atim: i64, mtim: i64, flags: i32),
            fd_pread => fd::fd_pread(fd: i32, iovs: i32, iovs_len: i32, offset: i64, out: i32),
            fd_prestat_get => fd::fd_prestat_get(fd: i32, out: i32),
            fd_prestat_dir_name => fd::fd_prestat_dir_name(fd: i32, path: i32, len: i32),
            fd_pwrite => fd::fd_pwrite(fd: i32, iovs: i32, iovs_len: i32, offset: i64, out: i32),
            fd_read => fd::fd_read(fd: i32, iovs: i32, iovs_len: i32, out: i32),
            fd_readdir => fd::fd_readdir(fd: i32, buf: i32, len: i32, cookie: i64, out: i32),
            fd_renumber => fd::fd_renumber(fd: i32, to: i32),
            fd_seek => fd::fd_seek(fd: i32, offset: i64, whence: i32, out: i32),
            fd_sync => fd::fd_sync(fd: i32),
            fd_tell => fd::fd_tell(fd: i32, out: i32),
            fd_write => fd::fd_write(fd: i32, iovs: i32, iovs_len: i32, out: i32),
            path_create_directory => path::path_create_directory(fd: i32, path: i32, len: i32),
            path_filestat_get => path::path_filestat_get(fd: i32, flags: i32, path: i32, len: i32, out: i32),
            path_filestat_set_times => path::path_filestat_set_times(fd: i32, flags: i32, path: i32, len: i32, atim: i64, mtim: i64, fst: i32),
            path_link => path::path_link(old_fd: i32, old_flags: i32, old_path: i32, old_len: i32, new_fd: i32, new_path: i32, new_len: i32),
            path_open => path::path_open(fd: i32, dirflags: i32, path: i32, len: i32, oflags: i32, base: i64, inheriting: i64, fdflags: i32, out: i32),
            path_readlink => path::path_readlink(fd: i32, path: i32, len: i32, buf: i32, buf_len: i32, out: i32),
            path_remove_directory => path::path_remove_directory(fd: i32, path: i32, len: i32),
            path_rename => path::path_rename(fd: i32, old_path: i32, old_len: i32, new_fd: i32, new_path: i32, new_len: i32),
            path_symlink => path::path_symlink(old_path: i32, old_len: i32, fd: i32, new_path: i32, new_len: i32),
            path_unlink_file => path::path_unlink_file(fd: i32, path: i32, len: i32),
            poll_oneoff => poll::poll_oneoff(subs: i32, events: i32, count: i32, out: i32),
            proc_raise => proc::proc_raise(sig: i32),
            sched_yield => proc::sched_yield(),
            random_get => random::random_get(buf: i32, len: i32),
            sock_accept => sock::sock_accept(fd: i32, flags: i32, out: i32),
            sock_recv => sock::sock_recv(fd: i32, iovs: i32, iovs_len: i32, flags: i32, out_len: i32, out_flags: i32),
            sock_send => sock::sock_send(fd: i32, iovs: i32, iovs_len: i32, flags: i32, out_len: i32),
            sock_shutdown => sock::sock_shutdown(fd: i32, how: i32),
        );
        calls_noreturn!(linker, reg, module;
            proc_exit => proc::proc_exit(code: i32),
        );
    }
    unstable::register(linker, reg)?;
    crate::wasix::register(linker, reg)?;
    Ok(())
}
