//! `badcalls`: a bad-input table run inside the VM against the real kernel. Every
//! implemented WASI preview1 call (imported twice: from `wasi_snapshot_preview1` and from
//! `wasix_32v1`, which re-exports it) and every WASIX call is made with one argument at a
//! time replaced by something hostile — a pointer outside memory or straddling its end, a
//! length that overflows (`ptr = memory_size - 2, len = u32::MAX`), a closed or
//! never-opened descriptor, a descriptor of the wrong kind (a directory where a file is
//! expected, a pipe where a directory is), an invalid enum or flag value, a huge count —
//! while every other argument is valid, so the answer must be that argument's errno
//! (FAULT 21, BADF 8, INVAL 28, NOTDIR 54, SPIPE 70, …). Calls that only read state are
//! also made valid and with misaligned (but in-bounds) pointers, which must succeed.
//!
//! The cases are generated from per-call argument descriptions, not written one by one.
//! Prints `FAIL module.call what: got E, want [..]` per mismatch and
//! `badcalls: N cases, M failed`; exits 0 only when none failed. Needs `/` preopened and
//! a writable `/tmp`; cleans up what it creates.

use std::process::ExitCode;

use abi::wasix::{
    Event, Fdstat, Iovec, OptionPid, ProcSpawnFdOp, ProcessHandles, Subscription,
    SubscriptionClock, Tty, fd_op, rights,
};
use userland::wasix_sys::errno as e;

/// An argument: a fixed value, or an offset from the end of linear memory (resolved just
/// before the call, since memory may grow while the table runs).
#[derive(Clone, Copy, Debug)]
enum A {
    V(i64),
    End(i64),
}

impl A {
    fn resolve(self) -> i64 {
        match self {
            A::V(v) => v,
            A::End(off) => mem_size() as i64 + off,
        }
    }
}

fn mem_size() -> u64 {
    core::arch::wasm32::memory_size(0) as u64 * 65536
}

/// The preview1 imports of module `$w`; `$sock_accept` is `#[cfg(all())]` to import
/// `sock_accept` or `#[cfg(any())]` to leave it out (`wasi_unstable` has none).
macro_rules! preview1 {
    ($m:ident, $w:literal, #[$sock_accept:meta]) => {
        mod $m {
            #[link(wasm_import_module = $w)]
            unsafe extern "C" {
                fn args_get(a: i32, b: i32) -> i32;
                fn args_sizes_get(a: i32, b: i32) -> i32;
                fn environ_get(a: i32, b: i32) -> i32;
                fn environ_sizes_get(a: i32, b: i32) -> i32;
                fn clock_res_get(a: i32, b: i32) -> i32;
                fn clock_time_get(a: i32, b: i64, c: i32) -> i32;
                fn fd_advise(a: i32, b: i64, c: i64, d: i32) -> i32;
                fn fd_allocate(a: i32, b: i64, c: i64) -> i32;
                fn fd_close(a: i32) -> i32;
                fn fd_datasync(a: i32) -> i32;
                fn fd_fdstat_get(a: i32, b: i32) -> i32;
                fn fd_fdstat_set_flags(a: i32, b: i32) -> i32;
                fn fd_fdstat_set_rights(a: i32, b: i64, c: i64) -> i32;
                fn fd_filestat_get(a: i32, b: i32) -> i32;
                fn fd_filestat_set_size(a: i32, b: i64) -> i32;
                fn fd_filestat_set_times(a: i32, b: i64, c: i64, d: i32) -> i32;
                fn fd_pread(a: i32, b: i32, c: i32, d: i64, e: i32) -> i32;
                fn fd_prestat_get(a: i32, b: i32) -> i32;
                fn fd_prestat_dir_name(a: i32, b: i32, c: i32) -> i32;
                fn fd_pwrite(a: i32, b: i32, c: i32, d: i64, e: i32) -> i32;
                fn fd_read(a: i32, b: i32, c: i32, d: i32) -> i32;
                fn fd_readdir(a: i32, b: i32, c: i32, d: i64, e: i32) -> i32;
                fn fd_renumber(a: i32, b: i32) -> i32;
                fn fd_seek(a: i32, b: i64, c: i32, d: i32) -> i32;
                fn fd_sync(a: i32) -> i32;
                fn fd_tell(a: i32, b: i32) -> i32;
                fn fd_write(a: i32, b: i32, c: i32, d: i32) -> i32;
                fn path_create_directory(a: i32, b: i32, c: i32) -> i32;
                fn path_filestat_get(a: i32, b: i32, c: i32, d: i32, e: i32) -> i32;
                fn path_filestat_set_times(
                    a: i32,
                    b: i32,
                    c: i32,
                    d: i32,
                    e: i64,
                    f: i64,
                    g: i32,
                ) -> i32;
                fn path_link(a: i32, b: i32, c: i32, d: i32, e: i32, f: i32, g: i32) -> i32;
                fn path_open(
                    a: i32,
                    b: i32,
                    c: i32,
                    d: i32,
                    e: i32,
                    f: i64,
                    g: i64,
                    h: i32,
                    i: i32,
                ) -> i32;
                fn path_readlink(a: i32, b: i32, c: i32, d: i32, e: i32, f: i32) -> i32;
                fn path_remove_directory(a: i32, b: i32, c: i32) -> i32;
                fn path_rename(a: i32, b: i32, c: i32, d: i32, e: i32, f: i32) -> i32;
                fn path_symlink(a: i32, b: i32, c: i32, d: i32, e: i32) -> i32;
                fn path_unlink_file(a: i32, b: i32, c: i32) -> i32;
                fn poll_oneoff(a: i32, b: i32, c: i32, d: i32) -> i32;
                fn proc_raise(a: i32) -> i32;
                fn random_get(a: i32, b: i32) -> i32;
                #[$sock_accept]
                fn sock_accept(a: i32, b: i32, c: i32) -> i32;
                fn sock_recv(a: i32, b: i32, c: i32, d: i32, e: i32, f: i32) -> i32;
                fn sock_send(a: i32, b: i32, c: i32, d: i32, e: i32) -> i32;
                fn sock_shutdown(a: i32, b: i32) -> i32;
            }

            /// Calls `name` with `a` (i32 parameters take the low 32 bits).
            pub fn call(name: &str, a: &[i64]) -> Option<i32> {
                let x = |i: usize| a.get(i).copied().unwrap_or(0) as i32;
                let l = |i: usize| a.get(i).copied().unwrap_or(0);
                // SAFETY: the kernel must validate every argument; we dereference nothing.
                Some(unsafe {
                    match name {
                        "args_get" => args_get(x(0), x(1)),
                        "args_sizes_get" => args_sizes_get(x(0), x(1)),
                        "environ_get" => environ_get(x(0), x(1)),
                        "environ_sizes_get" => environ_sizes_get(x(0), x(1)),
                        "clock_res_get" => clock_res_get(x(0), x(1)),
                        "clock_time_get" => clock_time_get(x(0), l(1), x(2)),
                        "fd_advise" => fd_advise(x(0), l(1), l(2), x(3)),
                        "fd_allocate" => fd_allocate(x(0), l(1), l(2)),
                        "fd_close" => fd_close(x(0)),
                        "fd_datasync" => fd_datasync(x(0)),
                        "fd_fdstat_get" => fd_fdstat_get(x(0), x(1)),
                        "fd_fdstat_set_flags" => fd_fdstat_set_flags(x(0), x(1)),
                        "fd_fdstat_set_rights" => fd_fdstat_set_rights(x(0), l(1), l(2)),
                        "fd_filestat_get" => fd_filestat_get(x(0), x(1)),
                        "fd_filestat_set_size" => fd_filestat_set_size(x(0), l(1)),
                        "fd_filestat_set_times" => fd_filestat_set_times(x(0), l(1), l(2), x(3)),
                        "fd_pread" => fd_pread(x(0), x(1), x(2), l(3), x(4)),
                        "fd_prestat_get" => fd_prestat_get(x(0), x(1)),
                        "fd_prestat_dir_name" => fd_prestat_dir_name(x(0), x(1), x(2)),
                        "fd_pwrite" => fd_pwrite(x(0), x(1), x(2), l(3), x(4)),
                        "fd_read" => fd_read(x(0), x(1), x(2), x(3)),
                        "fd_readdir" => fd_readdir(x(0), x(1), x(2), l(3), x(4)),
                        "fd_renumber" => fd_renumber(x(0), x(1)),
                        "fd_seek" => fd_seek(x(0), l(1), x(2), x(3)),
                        "fd_sync" => fd_sync(x(0)),
                        "fd_tell" => fd_tell(x(0), x(1)),
                        "fd_write" => fd_write(x(0), x(1), x(2), x(3)),
                        "path_create_directory" => path_create_directory(x(0), x(1), x(2)),
                        "path_filestat_get" => path_filestat_get(x(0), x(1), x(2), x(3), x(4)),
                        "path_filestat_set_times" => {
                            path_filestat_set_times(x(0), x(1), x(2), x(3), l(4), l(5), x(6))
                        }
                        "path_link" => path_link(x(0), x(1), x(2), x(3), x(4), x(5), x(6)),
                        "path_open" => {
                            path_open(x(0), x(1), x(2), x(3), x(4), l(5), l(6), x(7), x(8))
                        }
                        "path_readlink" => path_readlink(x(0), x(1), x(2), x(3), x(4), x(5)),
                        "path_remove_directory" => path_remove_directory(x(0), x(1), x(2)),
                        "path_rename" => path_rename(x(0), x(1), x(2), x(3), x(4), x(5)),
                        "path_symlink" => path_symlink(x(0), x(1), x(2), x(3), x(4)),
                        "path_unlink_file" => path_unlink_file(x(0), x(1), x(2)),
                        "poll_oneoff" => poll_oneoff(x(0), x(1), x(2), x(3)),
                        "proc_raise" => proc_raise(x(0)),
                        "random_get" => random_get(x(0), x(1)),
                        #[$sock_accept]
                        "sock_accept" => sock_accept(x(0), x(1), x(2)),
                        "sock_recv" => sock_recv(x(0), x(1), x(2), x(3), x(4), x(5)),
                        "sock_send" => sock_send(x(0), x(1), x(2), x(3), x(4)),
                        "sock_shutdown" => sock_shutdown(x(0), x(1)),
                        _ => return None,
                    }
                })
            }
        }
    };
}

preview1!(p1, "wasi_snapshot_preview1", #[cfg(all())]);
preview1!(x1, "wasix_32v1", #[cfg(all())]);
preview1!(u0, "wasi_unstable", #[cfg(any())]);

/// The WASIX-only calls.
mod wx {
    #[link(wasm_import_module = "wasix_32v1")]
    unsafe extern "C" {
        fn fd_pipe(a: i32, b: i32) -> i32;
        fn fd_dup(a: i32, b: i32) -> i32;
        fn fd_dup2(a: i32, b: i32, c: i32, d: i32) -> i32;
        fn fd_fdflags_get(a: i32, b: i32) -> i32;
        fn fd_fdflags_set(a: i32, b: i32) -> i32;
        fn getcwd(a: i32, b: i32) -> i32;
        fn chdir(a: i32, b: i32) -> i32;
        fn thread_sleep(a: i64) -> i32;
        fn tty_get(a: i32) -> i32;
        fn tty_set(a: i32) -> i32;
        fn proc_id(a: i32) -> i32;
        fn proc_parent(a: i32, b: i32) -> i32;
        fn proc_spawn(
            a: i32,
            b: i32,
            c: i32,
            d: i32,
            e: i32,
            f: i32,
            g: i32,
            h: i32,
            i: i32,
            j: i32,
            k: i32,
            l: i32,
            m: i32,
        ) -> i32;
        fn proc_spawn2(
            a: i32,
            b: i32,
            c: i32,
            d: i32,
            e: i32,
            f: i32,
            g: i32,
            h: i32,
            i: i32,
            j: i32,
            k: i32,
            l: i32,
            m: i32,
            n: i32,
        ) -> i32;
        fn proc_join(a: i32, b: i32, c: i32) -> i32;
        fn proc_exec3(
            a: i32,
            b: i32,
            c: i32,
            d: i32,
            e: i32,
            f: i32,
            g: i32,
            h: i32,
            i: i32,
        ) -> i32;
        fn proc_signal(a: i32, b: i32) -> i32;
        fn proc_signals_sizes_get(a: i32) -> i32;
        fn proc_signals_get(a: i32) -> i32;
        fn proc_raise_interval(a: i32, b: i64, c: i32) -> i32;
        fn callback_signal(a: i32, b: i32);
    }

    /// Calls `name` with `a`; `callback_signal` (no result) gives 0 when it returns.
    pub fn call(name: &str, a: &[i64]) -> Option<i32> {
        let x = |i: usize| a.get(i).copied().unwrap_or(0) as i32;
        let l = |i: usize| a.get(i).copied().unwrap_or(0);
        // SAFETY: the kernel must validate every argument; we dereference nothing.
        Some(unsafe {
            match name {
                "fd_pipe" => fd_pipe(x(0), x(1)),
                "fd_dup" => fd_dup(x(0), x(1)),
                "fd_dup2" => fd_dup2(x(0), x(1), x(2), x(3)),
                "fd_fdflags_get" => fd_fdflags_get(x(0), x(1)),
                "fd_fdflags_set" => fd_fdflags_set(x(0), x(1)),
                "getcwd" => getcwd(x(0), x(1)),
                "chdir" => chdir(x(0), x(1)),
                "thread_sleep" => thread_sleep(l(0)),
                "tty_get" => tty_get(x(0)),
                "tty_set" => tty_set(x(0)),
                "proc_id" => proc_id(x(0)),
                "proc_parent" => proc_parent(x(0), x(1)),
                "proc_spawn" => proc_spawn(
                    x(0),
                    x(1),
                    x(2),
                    x(3),
                    x(4),
                    x(5),
                    x(6),
                    x(7),
                    x(8),
                    x(9),
                    x(10),
                    x(11),
                    x(12),
                ),
                "proc_spawn2" => proc_spawn2(
                    x(0),
                    x(1),
                    x(2),
                    x(3),
                    x(4),
                    x(5),
                    x(6),
                    x(7),
                    x(8),
                    x(9),
                    x(10),
                    x(11),
                    x(12),
                    x(13),
                ),
                "proc_join" => proc_join(x(0), x(1), x(2)),
                "proc_exec3" => proc_exec3(x(0), x(1), x(2), x(3), x(4), x(5), x(6), x(7), x(8)),
                "proc_signal" => proc_signal(x(0), x(1)),
                "proc_signals_sizes_get" => proc_signals_sizes_get(x(0)),
                "proc_signals_get" => proc_signals_get(x(0)),
                "proc_raise_interval" => proc_raise_interval(x(0), l(1), x(2)),
                "callback_signal" => {
                    callback_signal(x(0), x(1));
                    0
                }
                _ => return None,
            }
        })
    }
}

// ---- errnos ----------------------------------------------------------------------------

const OK: &[u16] = &[e::SUCCESS];
const BADF: &[u16] = &[e::BADF];
const FAULT: &[u16] = &[e::FAULT];
const INVAL: &[u16] = &[e::INVAL];
const NOENT: &[u16] = &[e::NOENT];
const NOTDIR: &[u16] = &[e::NOTDIR];
const NOTSOCK: &[u16] = &[e::NOTSOCK];
const SRCH: &[u16] = &[e::SRCH];
const CHILD: &[u16] = &[e::CHILD];
const NOTCAPABLE: &[u16] = &[e::NOTCAPABLE];
/// A bad path's bytes: ILSEQ (the kernel's choice) or INVAL.
const BADUTF8: &[u16] = &[e::ILSEQ, e::INVAL];
/// A directory descriptor where a file is wanted: BADF (the kernel's and wasmtime's
/// choice) or ISDIR.
const DIR_AS_FILE: &[u16] = &[e::BADF, e::ISDIR];
/// A non-directory where a directory is wanted: BADF or NOTDIR.
const NOT_A_DIR: &[u16] = &[e::BADF, e::NOTDIR];
/// A pipe where a seekable file is wanted: SPIPE, or BADF.
const PIPE_AS_FILE: &[u16] = &[e::SPIPE, e::BADF];

// ---- the table -------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Module {
    P1,
    X1,
    /// Snapshot 0, `wasi_unstable`: preview1's calls, but for a 56-byte filestat, seek's
    /// whence order and poll_oneoff's subscription layout (not tabled here).
    U0,
    Wasix,
}

impl Module {
    fn name(self) -> &'static str {
        match self {
            Module::P1 => "wasi_snapshot_preview1",
            Module::X1 => "wasix_32v1",
            Module::U0 => "wasi_unstable",
            Module::Wasix => "wasix_32v1",
        }
    }

    fn call(self, name: &str, a: &[i64]) -> Option<i32> {
        match self {
            Module::P1 => p1::call(name, a),
            Module::X1 => x1::call(name, a),
            Module::U0 => u0::call(name, a),
            Module::Wasix => wx::call(name, a),
        }
    }
}

struct Case {
    module: Module,
    call: &'static str,
    what: String,
    args: Vec<A>,
    want: &'static [u16],
}

/// The objects the cases use: descriptors of each kind, scratch memory, strings.
struct Fx {
    root: i64,
    dir: i64,
    file: i64,
    file_ro: i64,
    pr: i64,
    pw: i64,
    closed: i64,
    /// Scratch memory (64 KiB) for valid outputs.
    s: i64,
    /// Strings: pointer of each (length is its `.1`).
    f: (i64, i64),
    nothing: (i64, i64),
    newname: (i64, i64),
    lnk: (i64, i64),
    utf8_bad: (i64, i64),
    tmp: (i64, i64),
    tmp_f: (i64, i64),
    sub: (i64, i64),
    true_prog: (i64, i64),
    /// `proc_spawn_fd_op` records: cmd 9; DUP2 from the closed descriptor.
    op_bad: i64,
    op_closed: i64,
    /// A valid one-entry iovec table (16 bytes in scratch) and bad tables.
    iov: i64,
    iov_huge: i64,
    iov_wrap: i64,
    iov_second_bad: i64,
    argv_sizes: (i64, i64),
    env_sizes: (i64, i64),
}

/// The never-valid descriptors, with labels.
fn bad_fds(fx: &Fx) -> Vec<(String, i64)> {
    vec![
        (format!("closed fd {}", fx.closed), fx.closed),
        ("never-opened fd 9999".into(), 9999),
        ("fd 1024 (the limit)".into(), 1024),
        ("fd u32::MAX".into(), u32::MAX as i64),
        ("fd 2^31".into(), 1 << 31),
    ]
}

/// A call's description: its arguments with their valid values, and how to break each.
struct Spec<'a> {
    fx: &'a Fx,
    module: Module,
    call: &'static str,
    base: Vec<A>,
    cases: Vec<Case>,
}

impl<'a> Spec<'a> {
    fn new(fx: &'a Fx, module: Module, call: &'static str, base: &[A]) -> Self {
        Self {
            fx,
            module,
            call,
            base: base.to_vec(),
            cases: Vec::new(),
        }
    }

    fn with(
        &mut self,
        what: impl Into<String>,
        changes: &[(usize, A)],
        want: &'static [u16],
    ) -> &mut Self {
        let mut args = self.base.clone();
        for &(i, v) in changes {
            args[i] = v;
        }
        self.cases.push(Case {
            module: self.module,
            call: self.call,
            what: what.into(),
            args,
            want,
        });
        self
    }

    /// The valid call itself must succeed (only for calls without lasting effects).
    fn valid(&mut self) -> &mut Self {
        self.with("valid arguments", &[], OK)
    }

    /// Never-valid descriptors at `i`: BADF.
    fn fd(&mut self, i: usize) -> &mut Self {
        for (what, v) in bad_fds(self.fx) {
            self.with(format!("arg {i}: {what}"), &[(i, A::V(v))], BADF);
        }
        self
    }

    /// A descriptor of the wrong kind at `i`.
    fn kind(&mut self, i: usize, fd: i64, what: &str, want: &'static [u16]) -> &mut Self {
        self.with(format!("arg {i}: {what}"), &[(i, A::V(fd))], want);
        self
    }

    /// An output of `size` bytes at `i`: past the end, straddling it, wrapping: FAULT.
    /// With `pure`, also a misaligned in-bounds pointer, which must work.
    fn out(&mut self, i: usize, size: i64, pure: bool) -> &mut Self {
        let cases = [
            ("at the end of memory", A::End(0)),
            ("straddling the end", A::End(1 - size)),
            ("u32::MAX", A::V(u32::MAX as i64)),
            ("wrapping past 4 GiB", A::V(u32::MAX as i64 - size + 2)),
            ("beyond 4 GiB as i32 -1 + 1", A::End(size)),
        ];
        for (what, v) in cases {
            if size == 1 && what == "straddling the end" {
                continue;
            }
            self.with(format!("arg {i}: output ptr {what}"), &[(i, v)], FAULT);
        }
        if pure && let A::V(p) = self.base[i] {
            self.with(
                format!("arg {i}: misaligned output ptr"),
                &[(i, A::V(p + 1))],
                OK,
            );
        }
        self
    }

    /// An input buffer (pointer at `i`, length at `i + 1`) that is read whole: FAULT for
    /// each way of leaving memory.
    fn input(&mut self, i: usize) -> &mut Self {
        let len = match self.base[i + 1] {
            A::V(l) => l.max(1),
            A::End(_) => 1,
        };
        let cases = [
            ("ptr at the end", A::End(0), A::V(len)),
            (
                "ptr = mem - 2, len = u32::MAX",
                A::End(-2),
                A::V(u32::MAX as i64),
            ),
            ("len = u32::MAX", self.base[i], A::V(u32::MAX as i64)),
            ("ptr = u32::MAX", A::V(u32::MAX as i64), A::V(len)),
            ("ptr past the end, len 0", A::End(1), A::V(0)),
            ("straddling the end", A::End(-1), A::V(len + 1)),
        ];
        for (what, p, l) in cases {
            self.with(format!("arg {i}: {what}"), &[(i, p), (i + 1, l)], FAULT);
        }
        self
    }

    /// A path (pointer at `i`, length at `i + 1`): [`input`](Self::input), plus bytes
    /// that are not UTF-8.
    fn path(&mut self, i: usize) -> &mut Self {
        self.input(i);
        let (p, l) = self.fx.utf8_bad;
        self.with(
            format!("arg {i}: path not UTF-8"),
            &[(i, A::V(p)), (i + 1, A::V(l))],
            BADUTF8,
        );
        self
    }

    /// An iovec table (pointer at `i`, count at `i + 1`).
    fn iovs(&mut self, i: usize) -> &mut Self {
        let fx = self.fx;
        for (what, n) in [
            ("1025 iovecs", 1025),
            ("u32::MAX iovecs", u32::MAX as i64),
            ("2^31 iovecs", 1 << 31),
        ] {
            self.with(format!("arg {}: {what}", i + 1), &[(i + 1, A::V(n))], INVAL);
        }
        let faults = [
            ("table past the end", A::End(-4), 1),
            ("table at u32::MAX", A::V(u32::MAX as i64), 1),
            ("1024 entries running past the end", A::End(-8 * 1023), 1024),
            ("buffer (0, u32::MAX)", A::V(fx.iov_huge), 1),
            ("buffer (u32::MAX - 1, 2)", A::V(fx.iov_wrap), 1),
            ("second buffer bad", A::V(fx.iov_second_bad), 2),
        ];
        for (what, p, n) in faults {
            self.with(
                format!("arg {i}: {what}"),
                &[(i, p), (i + 1, A::V(n))],
                FAULT,
            );
        }
        self
    }

    /// Invalid values of an enum or flags argument: INVAL (or `want`).
    fn bad(&mut self, i: usize, values: &[i64], want: &'static [u16]) -> &mut Self {
        for &v in values {
            self.with(format!("arg {i}: value {v:#x}"), &[(i, A::V(v))], want);
        }
        self
    }

    fn done(&mut self, out: &mut Vec<Case>) {
        out.append(&mut self.cases);
    }
}

fn v(x: i64) -> A {
    A::V(x)
}

/// Every preview1 case, for `module` (preview1, its WASIX re-export, or snapshot 0).
fn preview1_cases(fx: &Fx, m: Module, out: &mut Vec<Case>) {
    // Snapshot 0's filestat: nlink is a u32, so 56 bytes instead of 64.
    let filestat = if m == Module::U0 { 56 } else { 64 };
    let s = fx.s;
    let o = |k: i64| v(s + k);
    let (f, flen) = fx.f;
    let dir = v(fx.dir);
    let file = v(fx.file);
    let spec = |call, base: &[A]| Spec::new(fx, m, call, base);

    spec("args_sizes_get", &[o(0), o(8)])
        .valid()
        .out(0, 4, true)
        .out(1, 4, true)
        .done(out);
    let (argc, argsz) = fx.argv_sizes;
    spec("args_get", &[o(0), o(1024)])
        .valid()
        .out(0, 4 * argc, true)
        .out(1, argsz, true)
        .done(out);
    spec("environ_sizes_get", &[o(0), o(8)])
        .valid()
        .out(0, 4, true)
        .out(1, 4, true)
        .done(out);
    // main() fails the run when the environment is empty (these cases would test nothing).
    let (envc, envsz) = fx.env_sizes;
    spec("environ_get", &[o(0), o(1024)])
        .valid()
        .out(0, 4 * envc, true)
        .out(1, envsz, true)
        .done(out);
    for id in 0..4 {
        spec("clock_res_get", &[v(id), o(0)])
            .valid()
            .out(1, 8, true)
            .done(out);
        spec("clock_time_get", &[v(id), v(1), o(0)])
            .valid()
            .out(2, 8, true)
            .done(out);
    }
    let bad_clocks = [4, 5, 99, -1, i32::MAX as i64, 1 << 31];
    spec("clock_res_get", &[v(0), o(0)])
        .bad(0, &bad_clocks, INVAL)
        .done(out);
    spec("clock_time_get", &[v(0), v(1), o(0)])
        .bad(0, &bad_clocks, INVAL)
        .done(out);

    spec("fd_advise", &[file, v(0), v(0), v(0)])
        .valid()
        .fd(0)
        .kind(0, fx.dir, "directory", DIR_AS_FILE)
        .kind(0, fx.pr, "pipe", &[e::BADF, e::SPIPE])
        .bad(3, &[6, 255, -1, 1 << 16], INVAL)
        .done(out);
    spec("fd_allocate", &[file, v(0), v(1)])
        .fd(0)
        .kind(0, fx.dir, "directory", DIR_AS_FILE)
        .kind(0, fx.pr, "pipe", &[e::BADF, e::SPIPE])
        .kind(0, fx.file_ro, "read-only file", &[e::BADF, e::INVAL])
        .bad(1, &[-1, i64::MIN], INVAL)
        .bad(2, &[0, -1, i64::MIN], INVAL)
        .done(out);
    spec("fd_close", &[file]).fd(0).done(out);
    for call in ["fd_datasync", "fd_sync"] {
        spec(call, &[file])
            .valid()
            .fd(0)
            .kind(0, fx.pr, "pipe read end", &[e::BADF, e::INVAL])
            .kind(0, fx.pw, "pipe write end", &[e::BADF, e::INVAL])
            .done(out);
    }
    spec("fd_fdstat_get", &[file, o(0)])
        .valid()
        .fd(0)
        .out(1, Fdstat::SIZE as i64, true)
        .done(out);
    spec("fd_fdstat_set_flags", &[file, v(0)])
        .valid()
        .fd(0)
        .kind(0, fx.dir, "directory", &[e::BADF, e::ISDIR])
        .bad(1, &[32, 0x100, 0x8000, 0xffff, 0x10000, -1], INVAL)
        .done(out);
    spec(
        "fd_fdstat_set_rights",
        &[file, v((1 << 29) - 1), v((1 << 29) - 1)],
    )
    .fd(0)
    .kind(0, fx.file_ro, "widening a read-only file", NOTCAPABLE)
    .bad(1, &[1 << 40, -1], NOTCAPABLE)
    .done(out);
    spec("fd_filestat_get", &[file, o(0)])
        .valid()
        .fd(0)
        .out(1, filestat, true)
        .done(out);
    spec("fd_filestat_set_size", &[file, v(5)])
        .valid()
        .fd(0)
        .kind(0, fx.dir, "directory", DIR_AS_FILE)
        .kind(0, fx.pr, "pipe", &[e::BADF, e::INVAL, e::SPIPE])
        .kind(0, fx.file_ro, "read-only file", &[e::BADF, e::INVAL])
        .bad(1, &[-1, i64::MIN], INVAL)
        .done(out);
    spec("fd_filestat_set_times", &[file, v(0), v(0), v(0)])
        .valid()
        .fd(0)
        .kind(0, fx.pr, "pipe", &[e::BADF, e::INVAL])
        .bad(3, &[16, 0x3, 0xc, 0xf, 0x100, 0x10000, -1], INVAL)
        .done(out);
    spec("fd_pread", &[file, v(fx.iov), v(1), v(0), o(64)])
        .valid()
        .fd(0)
        .kind(0, fx.dir, "directory", DIR_AS_FILE)
        .kind(0, fx.pr, "pipe", PIPE_AS_FILE)
        .kind(0, 1, "stdout", &[e::SPIPE, e::BADF])
        .iovs(1)
        .out(4, 4, true)
        .done(out);
    spec("fd_pwrite", &[file, v(fx.iov), v(1), v(0), o(64)])
        .fd(0)
        .kind(0, fx.dir, "directory", DIR_AS_FILE)
        .kind(0, fx.pw, "pipe", PIPE_AS_FILE)
        .kind(0, fx.file_ro, "read-only file", BADF)
        .iovs(1)
        .out(4, 4, false)
        .done(out);
    spec("fd_prestat_get", &[v(fx.root), o(0)])
        .valid()
        .fd(0)
        .kind(0, fx.file, "file", BADF)
        .kind(0, fx.dir, "opened (not preopened) directory", BADF)
        .kind(0, fx.pr, "pipe", BADF)
        .out(1, 8, true)
        .done(out);
    let mut name = spec("fd_prestat_dir_name", &[v(fx.root), o(0), v(64)]);
    name.valid()
        .fd(0)
        .kind(0, fx.file, "file", BADF)
        .kind(0, fx.dir, "opened (not preopened) directory", BADF)
        .with("buffer at the end", &[(1, A::End(0))], FAULT);
    name.with("buffer at u32::MAX", &[(1, v(u32::MAX as i64))], FAULT);
    name.with(
        "buffer at the end, len u32::MAX",
        &[(1, A::End(0)), (2, v(u32::MAX as i64))],
        FAULT,
    );
    name.with(
        "len 0 (too short)",
        &[(2, v(0))],
        &[e::NAMETOOLONG, e::INVAL],
    );
    name.done(out);
    spec("fd_read", &[file, v(fx.iov), v(1), o(64)])
        .fd(0)
        .kind(0, fx.dir, "directory", DIR_AS_FILE)
        .kind(0, fx.pw, "pipe write end", BADF)
        .kind(0, 1, "stdout", BADF)
        .iovs(1)
        .out(3, 4, false)
        .done(out);
    let mut rd = spec("fd_readdir", &[dir, o(1024), v(256), v(0), o(64)]);
    rd.valid()
        .fd(0)
        .kind(0, fx.file, "file", NOT_A_DIR)
        .kind(0, fx.pr, "pipe", NOT_A_DIR)
        .out(4, 4, true)
        .with("buffer at the end", &[(1, A::End(0))], FAULT);
    rd.with(
        "buffer = mem - 2, len u32::MAX",
        &[(1, A::End(-2)), (2, v(u32::MAX as i64))],
        FAULT,
    );
    rd.with("buffer at u32::MAX", &[(1, v(u32::MAX as i64))], FAULT);
    // A cookie past the last entry is the end of the directory: success with nothing
    // read (the kernel's answer and wasmtime's), not INVAL.
    rd.with("cookie past the end", &[(3, v(1 << 40))], OK);
    rd.with("cookie -1", &[(3, v(-1))], OK);
    rd.done(out);
    spec("fd_renumber", &[file, v(fx.closed)])
        .fd(0)
        .kind(1, 1 << 31, "target fd 2^31", BADF)
        .kind(1, u32::MAX as i64, "target fd u32::MAX", BADF)
        .kind(1, 1024, "target fd 1024 (the limit)", BADF)
        .done(out);
    spec("fd_seek", &[file, v(0), v(0), o(0)])
        .valid()
        .fd(0)
        .kind(0, fx.dir, "directory", DIR_AS_FILE)
        .kind(0, fx.pr, "pipe", PIPE_AS_FILE)
        .kind(0, 1, "stdout", PIPE_AS_FILE)
        .bad(2, &[3, 255, -1, 1 << 16], INVAL)
        .bad(1, &[-1, i64::MIN], INVAL)
        .out(3, 8, true)
        .done(out);
    spec("fd_tell", &[file, o(0)])
        .valid()
        .fd(0)
        .kind(0, fx.dir, "directory", DIR_AS_FILE)
        .kind(0, fx.pw, "pipe", PIPE_AS_FILE)
        .out(1, 8, true)
        .done(out);
    spec("fd_write", &[file, v(fx.iov), v(1), o(64)])
        .fd(0)
        .kind(0, fx.dir, "directory", DIR_AS_FILE)
        .kind(0, fx.pr, "pipe read end", BADF)
        .kind(0, fx.file_ro, "read-only file", BADF)
        .kind(0, 0, "stdin", BADF)
        .iovs(1)
        .out(3, 4, false)
        .done(out);

    let (n, nlen) = fx.newname;
    let (nothing, nothing_len) = fx.nothing;
    spec("path_create_directory", &[dir, v(n), v(nlen)])
        .fd(0)
        .kind(0, fx.file, "file", NOT_A_DIR)
        .kind(0, fx.pr, "pipe", NOT_A_DIR)
        .path(1)
        .done(out);
    spec("path_filestat_get", &[dir, v(0), v(f), v(flen), o(0)])
        .valid()
        .fd(0)
        .kind(0, fx.file, "file", NOT_A_DIR)
        .kind(0, fx.pw, "pipe", NOT_A_DIR)
        // Snapshot 0's adapter looks only at bit 0 of the lookup flags (docs/WASI.md).
        .bad(1, &[2, 0x100, -1], if m == Module::U0 { OK } else { INVAL })
        .path(2)
        .out(4, filestat, true)
        .with(
            "missing file",
            &[(2, v(nothing)), (3, v(nothing_len))],
            NOENT,
        )
        .done(out);
    spec(
        "path_filestat_set_times",
        &[dir, v(0), v(f), v(flen), v(0), v(0), v(0)],
    )
    .valid()
    .fd(0)
    .kind(0, fx.file, "file", NOT_A_DIR)
    .bad(1, &[2, -1], INVAL)
    .path(2)
    .bad(6, &[16, 0x3, 0xc, 0x10000, -1], INVAL)
    .done(out);
    spec("path_link", &[dir, v(0), v(f), v(flen), dir, v(n), v(nlen)])
        .fd(0)
        .fd(4)
        .kind(0, fx.file, "file", NOT_A_DIR)
        .kind(4, fx.pr, "pipe", NOT_A_DIR)
        .bad(1, &[2, -1], INVAL)
        .path(2)
        .path(5)
        .done(out);
    let all = (1i64 << 29) - 1;
    spec(
        "path_open",
        &[dir, v(0), v(f), v(flen), v(0), v(all), v(all), v(0), o(0)],
    )
    .fd(0)
    .kind(0, fx.file, "file", NOT_A_DIR)
    .kind(0, fx.pr, "pipe", NOT_A_DIR)
    .bad(1, &[2, 0x100, -1], INVAL)
    .path(2)
    .bad(4, &[16, 0x3, 0x6, 0xa, 0xffff, -1], INVAL)
    .bad(7, &[32, 0x100, 0xffff, -1], INVAL)
    .out(8, 4, false)
    .with(
        "missing file",
        &[(2, v(nothing)), (3, v(nothing_len))],
        NOENT,
    )
    .with("DIRECTORY on a regular file", &[(4, v(2))], NOTDIR)
    .done(out);
    let (lnk, lnklen) = fx.lnk;
    let mut rl = spec(
        "path_readlink",
        &[dir, v(lnk), v(lnklen), o(0), v(64), o(128)],
    );
    rl.valid()
        .fd(0)
        .kind(0, fx.file, "file", NOT_A_DIR)
        .path(1)
        .out(5, 4, true)
        .with("buffer at the end", &[(3, A::End(0))], FAULT);
    rl.with("buffer at u32::MAX", &[(3, v(u32::MAX as i64))], FAULT);
    rl.with(
        "not a symlink",
        &[(1, v(f)), (2, v(flen))],
        &[e::INVAL, e::NOENT],
    );
    rl.done(out);
    spec("path_remove_directory", &[dir, v(nothing), v(nothing_len)])
        .fd(0)
        .kind(0, fx.file, "file", NOT_A_DIR)
        .path(1)
        .with("a file", &[(1, v(f)), (2, v(flen))], NOTDIR)
        .done(out);
    spec("path_rename", &[dir, v(f), v(flen), dir, v(n), v(nlen)])
        .fd(0)
        .fd(3)
        .kind(0, fx.file, "file", NOT_A_DIR)
        .kind(3, fx.pw, "pipe", NOT_A_DIR)
        .path(1)
        .path(4)
        .done(out);
    spec("path_symlink", &[v(f), v(flen), dir, v(n), v(nlen)])
        .fd(2)
        .kind(2, fx.file, "file", NOT_A_DIR)
        .input(0)
        .path(3)
        .done(out);
    spec("path_unlink_file", &[dir, v(nothing), v(nothing_len)])
        .fd(0)
        .kind(0, fx.pr, "pipe", NOT_A_DIR)
        .path(1)
        .with(
            "a directory",
            &[(1, v(fx.sub.0)), (2, v(fx.sub.1))],
            &[e::ISDIR, e::PERM, e::ACCES],
        )
        .done(out);

    // poll_oneoff: subscriptions at s+2048 (written by setup), events at s+4096. Snapshot
    // 0's subscriptions are laid out differently: its table would need its own setup.
    let subs = s + 2048;
    let (sub, event) = (Subscription::SIZE as i64, Event::SIZE as i64);
    let mut poll = Vec::new();
    spec("poll_oneoff", &[v(subs), o(4096), v(1), o(0)])
        .valid()
        .bad(2, &[0], INVAL)
        .bad(2, &[u32::MAX as i64, 1 << 31, 0x1000_0000], FAULT)
        .with("subscriptions at the end", &[(0, A::End(1 - sub))], FAULT)
        .with(
            "subscriptions at u32::MAX",
            &[(0, v(u32::MAX as i64))],
            FAULT,
        )
        .with("events at the end", &[(1, A::End(1 - event))], FAULT)
        .out(3, 4, true)
        .with("unknown event tag 3", &[(0, v(subs + sub))], INVAL)
        .with(
            "clock id 2 in a subscription",
            &[(0, v(subs + 2 * sub))],
            INVAL,
        )
        .with(
            "clock id 99 in a subscription",
            &[(0, v(subs + 3 * sub))],
            INVAL,
        )
        .done(&mut poll);
    if m != Module::U0 {
        out.append(&mut poll);
    }

    spec("proc_raise", &[v(0)])
        .bad(0, &[31, 64, 255, 256, -1, 1 << 31], INVAL)
        .done(out);
    spec("random_get", &[o(0), v(64)])
        .valid()
        .input(0)
        .with("len 0 at the end", &[(0, A::End(0)), (1, v(0))], OK)
        .done(out);
    let sock_accept = (m != Module::U0).then(|| ("sock_accept", vec![file, v(0), o(0)]));
    for (call, base) in sock_accept.into_iter().chain([
        ("sock_recv", vec![file, v(fx.iov), v(1), v(0), o(0), o(8)]),
        ("sock_send", vec![file, v(fx.iov), v(1), v(0), o(0)]),
        ("sock_shutdown", vec![file, v(0)]),
    ]) {
        spec(call, &base)
            .fd(0)
            .kind(0, fx.file, "file", NOTSOCK)
            .kind(0, fx.pr, "pipe", NOTSOCK)
            .kind(0, fx.dir, "directory", NOTSOCK)
            .done(out);
    }
}

/// The WASIX-only calls.
fn wasix_cases(fx: &Fx, out: &mut Vec<Case>) {
    let s = fx.s;
    let o = |k: i64| v(s + k);
    let file = v(fx.file);
    let spec = |call, base: &[A]| Spec::new(fx, Module::Wasix, call, base);
    let (f, flen) = fx.f;
    let (nothing, nothing_len) = fx.nothing;

    spec("fd_pipe", &[o(0), o(8)])
        .out(0, 4, false)
        .out(1, 4, false)
        .done(out);
    spec("fd_dup", &[file, o(0)])
        .fd(0)
        .out(1, 4, false)
        .done(out);
    spec("fd_dup2", &[file, v(600), v(0), o(0)])
        .fd(0)
        .bad(1, &[1024, 4096, u32::MAX as i64, 1 << 31], INVAL)
        .bad(2, &[2, 255, 256, -1], INVAL)
        .out(3, 4, false)
        .done(out);
    spec("fd_fdflags_get", &[file, o(0)])
        .valid()
        .fd(0)
        .out(1, 2, true)
        .done(out);
    spec("fd_fdflags_set", &[file, v(0)])
        .valid()
        .fd(0)
        .bad(1, &[2, 4, 0xffff, 0x10000, -1], INVAL)
        .done(out);
    // getcwd: the capacity (512) lives at s+8256.
    // The valid call comes last: it writes the length back over the capacity.
    spec("getcwd", &[o(8320), o(8256)])
        .out(1, 4, false)
        .with("buffer at the end", &[(0, A::End(0))], FAULT)
        .with("buffer straddling the end", &[(0, A::End(-1))], FAULT)
        .with("buffer at u32::MAX", &[(0, v(u32::MAX as i64))], FAULT)
        .valid()
        .done(out);
    spec("chdir", &[v(f), v(flen)])
        .path(0)
        .with("missing", &[(0, v(nothing)), (1, v(nothing_len))], NOENT)
        .with("empty path", &[(1, v(0))], NOENT)
        .with("a file", &[(0, v(fx.tmp_f.0)), (1, v(fx.tmp_f.1))], NOTDIR)
        .done(out);
    spec("thread_sleep", &[v(0)])
        .valid()
        .bad(0, &[-1, i64::MIN], INVAL)
        .done(out);
    spec("tty_get", &[o(0)])
        .valid()
        .out(0, Tty::SIZE as i64, true)
        .done(out);
    spec("tty_set", &[o(256)])
        .out(0, Tty::SIZE as i64, false)
        .with("a flag byte of 2", &[(0, o(512))], INVAL)
        .done(out);
    spec("proc_id", &[o(0)]).valid().out(0, 4, true).done(out);
    spec("proc_parent", &[v(1), o(0)])
        .bad(0, &[9999, -1, 0x7fff_ffff], SRCH)
        .out(1, 4, false)
        .done(out);
    spec("proc_signal", &[v(9999), v(0)])
        .with("pid never used", &[], SRCH)
        .bad(1, &[31, 64, 255, 256, -1], INVAL)
        .done(out);
    spec("proc_signals_sizes_get", &[o(0)])
        .valid()
        .out(0, 4, true)
        .done(out);
    spec("proc_raise_interval", &[v(0), v(0), v(0)])
        .valid()
        .bad(0, &[31, 255, -1], INVAL)
        .bad(1, &[-1, i64::MIN], INVAL)
        .bad(2, &[2, 255, -1], INVAL)
        .done(out);
    // proc_join: an option_pid at s+8192 (None), a second at s+8200 (Some(9999)).
    spec("proc_join", &[o(8192), v(0), o(8208)])
        .with("no children", &[], CHILD)
        .with("a pid that is no child", &[(0, o(8200))], CHILD)
        .bad(1, &[4, 8, 0xff, -1], INVAL)
        .with("pid at the end", &[(0, A::End(-7))], FAULT)
        .with("pid at u32::MAX", &[(0, v(u32::MAX as i64))], FAULT)
        .with("status at the end", &[(2, A::End(-5))], FAULT)
        .with("status at u32::MAX", &[(2, v(u32::MAX as i64))], FAULT)
        .done(out);
    let none = [v(0), v(0)];
    let (prog, prog_len) = fx.true_prog;
    let mut base = vec![v(prog), v(prog_len), v(0)];
    base.extend(none);
    base.extend(none);
    base.extend([v(2), v(2), v(2)]);
    base.extend([v(fx.tmp.0), v(fx.tmp.1), o(0)]);
    spec("proc_spawn", &base)
        .path(0)
        .with(
            "missing program",
            &[(0, v(nothing)), (1, v(nothing_len))],
            NOENT,
        )
        .with(
            "a text file",
            &[(0, v(fx.tmp_f.0)), (1, v(fx.tmp_f.1))],
            &[e::NOEXEC],
        )
        .bad(2, &[2, 255, -1], INVAL)
        .input(3)
        .input(5)
        .bad(7, &[4, 255, -1], INVAL)
        .bad(8, &[4, 255, -1], INVAL)
        .bad(9, &[4, 255, -1], INVAL)
        .path(10)
        .out(12, ProcessHandles::SIZE as i64, false)
        .done(out);
    let mut base = vec![v(prog), v(prog_len)];
    base.extend(none); // args
    base.extend(none); // envs
    base.extend([v(s + 1024 + 512), v(0)]); // fd ops
    base.extend([v(s + 1024 + 768), v(0)]); // signal dispositions
    base.extend([v(0), v(0), v(0), o(0)]); // search, path, ret
    spec("proc_spawn2", &base)
        .path(0)
        .with(
            "missing program",
            &[(0, v(nothing)), (1, v(nothing_len))],
            NOENT,
        )
        .input(2)
        .input(4)
        .bad(7, &[u32::MAX as i64, 1 << 31], &[e::INVAL, e::FAULT])
        .with("fd ops at the end", &[(6, A::End(-55)), (7, v(1))], FAULT)
        .with(
            "an fd op with cmd 9",
            &[(6, v(fx.op_bad)), (7, v(1))],
            INVAL,
        )
        .with(
            "DUP2 from a closed fd",
            &[(6, v(fx.op_closed)), (7, v(1))],
            BADF,
        )
        // A count that is negative as an i32: INVAL (the kernel's choice) or FAULT.
        .bad(9, &[u32::MAX as i64, 1 << 31], &[e::INVAL, e::FAULT])
        .with(
            "dispositions at the end",
            &[(8, A::End(-1)), (9, v(1))],
            FAULT,
        )
        .bad(10, &[2, 255, -1], INVAL)
        .out(13, 4, false)
        .done(out);
    let mut base = vec![v(prog), v(prog_len)];
    base.extend(none);
    base.extend(none);
    base.extend([v(0), v(0), v(0)]);
    spec("proc_exec3", &base)
        .path(0)
        .with(
            "missing program",
            &[(0, v(nothing)), (1, v(nothing_len))],
            NOENT,
        )
        .input(2)
        .input(4)
        .bad(6, &[2, 255, -1], INVAL)
        .done(out);
    // No result: it must simply return (the process keeps running).
    spec("callback_signal", &[v(0), v(0)])
        .with("name at the end", &[(0, A::End(0)), (1, v(8))], OK)
        .with(
            "name = mem - 2, len u32::MAX",
            &[(0, A::End(-2)), (1, v(u32::MAX as i64))],
            OK,
        )
        .done(out);
}

// ---- setup, run, report ----------------------------------------------------------------

/// A string kept alive for the whole run: (pointer, length).
fn text(bytes: &[u8]) -> (i64, i64) {
    let leaked: &'static [u8] = Box::leak(bytes.to_vec().into_boxed_slice());
    (leaked.as_ptr() as i64, leaked.len() as i64)
}

fn must(what: &str, r: Option<i32>) {
    if r != Some(0) {
        println!("badcalls: setup: {what} failed: {r:?}");
        std::process::exit(2);
    }
}

/// Scratch memory: 16 KiB, 8-aligned.
fn scratch() -> i64 {
    let b: &'static mut [u64; 2048] = Box::leak(Box::new([0u64; 2048]));
    b.as_mut_ptr() as i64
}

fn poke(addr: i64, bytes: &[u8]) {
    // SAFETY: `addr` lies inside the leaked scratch block with room for `bytes`.
    unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), addr as *mut u8, bytes.len()) };
}

fn peek_u32(addr: i64) -> u32 {
    // SAFETY: `addr` lies inside the leaked scratch block.
    unsafe { (addr as *const u32).read_unaligned() }
}

fn setup() -> Fx {
    let s = scratch();
    let p = |name: &str, a: &[i64]| p1::call(name, a);
    // The preopen named `/`.
    let mut root = -1;
    for fd in 3..64 {
        if p("fd_prestat_get", &[fd, s]) == Some(0)
            && peek_u32(s + 4) == 1
            && p("fd_prestat_dir_name", &[fd, s + 8, 1]) == Some(0)
            && peek_u32(s + 8) & 0xff == u32::from(b'/')
        {
            root = fd;
            break;
        }
    }
    if root < 0 {
        println!("badcalls: setup: no `/` preopen");
        std::process::exit(2);
    }
    let all = (1i64 << 29) - 1;
    let _ = std::fs::remove_dir_all("/tmp/badcalls");
    let d = text(b"tmp/badcalls");
    must("mkdir", p("path_create_directory", &[root, d.0, d.1]));
    // A directory may not hold FD_WRITE (ISDIR).
    let dir_rights = all & !(1 << 6);
    must(
        "open dir",
        p("path_open", &[root, 1, d.0, d.1, 2, dir_rights, all, 0, s]),
    );
    let dir = i64::from(peek_u32(s));
    let f = text(b"f");
    must(
        "create f",
        p("path_open", &[dir, 0, f.0, f.1, 9, all, all, 0, s]),
    );
    let file = i64::from(peek_u32(s));
    let ro = (rights::FD_READ | rights::FD_SEEK | rights::FD_TELL | rights::FD_FILESTAT_GET) as i64;
    must(
        "open f read-only",
        p("path_open", &[dir, 0, f.0, f.1, 0, ro, 0, 0, s]),
    );
    let file_ro = i64::from(peek_u32(s));
    let data = s + 5632;
    poke(data, b"hello, world....");
    let iov = Iovec {
        buf: data as u32,
        buf_len: 16,
    };
    poke(s + 5120, &iov.to_bytes());
    let w = |fd: i64| {
        must("write f", p("fd_write", &[fd, s + 5120, 1, s]));
    };
    w(file);
    let lnk = text(b"lnk");
    must("symlink", p("path_symlink", &[f.0, f.1, dir, lnk.0, lnk.1]));
    let sub = text(b"sub");
    must(
        "mkdir sub",
        p("path_create_directory", &[dir, sub.0, sub.1]),
    );
    must("fd_pipe", wx::call("fd_pipe", &[s, s + 4]));
    let (pr, pw) = (i64::from(peek_u32(s)), i64::from(peek_u32(s + 4)));
    must("fd_dup2", wx::call("fd_dup2", &[file, 500, 0, s]));
    let closed = i64::from(peek_u32(s));
    must("close", p("fd_close", &[closed]));

    // Iovec tables (the valid one at s+5120 is set above).
    let t = |at: i64, entries: &[(u32, u32)]| {
        let bytes: Vec<u8> = entries
            .iter()
            .flat_map(|&(buf, buf_len)| Iovec { buf, buf_len }.to_bytes())
            .collect();
        poke(at, &bytes);
        at
    };
    let iov_huge = t(s + 5136, &[(0, u32::MAX)]);
    let iov_wrap = t(s + 5152, &[(u32::MAX - 1, 2)]);
    let iov_second_bad = t(s + 5168, &[(data as u32, 4), (0, u32::MAX)]);
    // poll_oneoff subscriptions (48 bytes): a relative clock of 0 ns; tag 3; clock id 2;
    // clock id 99.
    let sub_at = |k: i64, tag: u8, id: u32| {
        let sub = Subscription {
            userdata: 7,
            tag,
            u: SubscriptionClock {
                id,
                ..SubscriptionClock::default()
            },
        };
        poke(s + 2048 + Subscription::SIZE as i64 * k, &sub.to_bytes());
    };
    sub_at(0, 0, 1);
    sub_at(1, 3, 1);
    sub_at(2, 0, 2);
    sub_at(3, 0, 99);
    // tty_set inputs: the current settings, and the same with a flag byte of 2.
    must("tty_get", wx::call("tty_get", &[s + 256]));
    must("tty_get", wx::call("tty_get", &[s + 512]));
    poke(s + 512 + 19, &[2]);
    // proc_join's option_pids: None, Some(9999).
    poke(s + 8192, &OptionPid::NONE.to_bytes());
    poke(s + 8200, &OptionPid::some(9999).to_bytes());
    // getcwd capacity.
    poke(s + 8256, &512u32.to_le_bytes());
    // proc_spawn_fd_op records: cmd 9; DUP2 fd 5 from the closed fd.
    let op_bad = s + 6144;
    let bad = ProcSpawnFdOp {
        cmd: 9,
        ..ProcSpawnFdOp::default()
    };
    poke(op_bad, &bad.to_bytes());
    let op_closed = s + 6208;
    let dup2 = ProcSpawnFdOp {
        cmd: fd_op::DUP2,
        fd: 5,
        src_fd: closed as u32,
        ..ProcSpawnFdOp::default()
    };
    poke(op_closed, &dup2.to_bytes());

    let sizes = |call: &str| {
        must(call, p(call, &[s, s + 4]));
        (i64::from(peek_u32(s)), i64::from(peek_u32(s + 4)))
    };
    Fx {
        root,
        dir,
        file,
        file_ro,
        pr,
        pw,
        closed,
        s,
        f,
        nothing: text(b"does-not-exist"),
        newname: text(b"new-name"),
        lnk,
        utf8_bad: text(b"\xff\xfe"),
        tmp: text(b"/tmp"),
        tmp_f: text(b"/tmp/badcalls/f"),
        sub,
        true_prog: text(b"/bin/true"),
        op_bad,
        op_closed,
        iov: s + 5120,
        iov_huge,
        iov_wrap,
        iov_second_bad,
        argv_sizes: sizes("args_sizes_get"),
        env_sizes: sizes("environ_sizes_get"),
    }
}

fn main() -> ExitCode {
    userland::inherit_cwd();
    let fx = setup();
    if fx.env_sizes.0 == 0 {
        println!("badcalls: setup: the environment is empty; environ_get needs a variable");
        return ExitCode::FAILURE;
    }
    let mut cases = Vec::new();
    preview1_cases(&fx, Module::P1, &mut cases);
    preview1_cases(&fx, Module::X1, &mut cases);
    preview1_cases(&fx, Module::U0, &mut cases);
    wasix_cases(&fx, &mut cases);
    let mut failed = 0;
    let mut calls = std::collections::BTreeSet::new();
    for case in &cases {
        let args: Vec<i64> = case.args.iter().map(|a| a.resolve()).collect();
        calls.insert((case.module.name(), case.call));
        let got = case.module.call(case.call, &args);
        let ok = got.is_some_and(|e| u16::try_from(e).is_ok_and(|e| case.want.contains(&e)));
        if !ok {
            failed += 1;
            println!(
                "FAIL {}.{} {}: got {got:?}, want {:?} (args {args:?})",
                case.module.name(),
                case.call,
                case.what,
                case.want
            );
        }
    }
    for fd in [fx.dir, fx.file, fx.file_ro, fx.pr, fx.pw] {
        let _ = p1::call("fd_close", &[fd]);
    }
    if let Err(e) = std::fs::remove_dir_all("/tmp/badcalls") {
        println!("FAIL cleanup: {e}");
        failed += 1;
    }
    println!(
        "badcalls: {} cases, {failed} failed ({} imports)",
        cases.len(),
        calls.len()
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
