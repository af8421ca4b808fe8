//! Thin wrappers over the WASIX process, pipe and descriptor calls, for the test programs.
//!
//! The raw imports (`wasix_32v1`, plus a few `wasi_snapshot_preview1` descriptor calls)
//! and the `repr(C)` structures come from the `wasix` crate; the layouts it generates are
//! asserted below against the ABI the kernel implements. Every wrapper returns the raw
//! WASI errno on failure, so a test can compare it with an exact expected value and print
//! it as `NOENT (44)` ([`show`]).
//!
//! Only calls the kernel registers are used: a module importing an unknown function would
//! not even start.

use core::mem::{MaybeUninit, offset_of, size_of};

use wasix::wasi::wasi_snapshot_preview1 as p1;
use wasix::wasix_32v1 as x;
use wasix::{
    JoinStatus, OptionFd, OptionPid, OptionPidU, ProcSpawnFdOp, ProcSpawnFdOpName, ProcessHandles,
    SignalDisposition, Tty,
};

pub type Errno = u16;
pub type Fd = u32;
pub type Pid = u32;

// The ABI, checked against the crate's generated structures.
const _: () = {
    assert!(size_of::<ProcessHandles>() == 28);
    assert!(offset_of!(ProcessHandles, stdin) == 4);
    assert!(offset_of!(ProcessHandles, stdout) == 12);
    assert!(offset_of!(ProcessHandles, stderr) == 20);
    assert!(size_of::<OptionFd>() == 8 && offset_of!(OptionFd, u) == 4);
    assert!(size_of::<OptionPid>() == 8 && offset_of!(OptionPid, u) == 4);
    assert!(size_of::<JoinStatus>() == 6 && offset_of!(JoinStatus, u) == 2);
    assert!(size_of::<ProcSpawnFdOp>() == 56);
    assert!(offset_of!(ProcSpawnFdOp, fd) == 4);
    assert!(offset_of!(ProcSpawnFdOp, src_fd) == 8);
    assert!(offset_of!(ProcSpawnFdOp, path) == 12);
    assert!(offset_of!(ProcSpawnFdOp, path_len) == 16);
    assert!(offset_of!(ProcSpawnFdOp, dirflags) == 20);
    assert!(offset_of!(ProcSpawnFdOp, oflags) == 24);
    assert!(offset_of!(ProcSpawnFdOp, fs_rights_base) == 32);
    assert!(offset_of!(ProcSpawnFdOp, fs_rights_inheriting) == 40);
    assert!(offset_of!(ProcSpawnFdOp, fdflags) == 48);
    assert!(offset_of!(ProcSpawnFdOp, fdflagsext) == 50);
    assert!(size_of::<SignalDisposition>() == 2);
    assert!(size_of::<Tty>() == 24 && offset_of!(Tty, line_feeds) == 21);
};

/// WASI errno values used by the tests.
pub mod errno {
    use super::Errno;
    pub const TOOBIG: Errno = 1;
    pub const AGAIN: Errno = 6;
    pub const BADF: Errno = 8;
    pub const CHILD: Errno = 12;
    pub const FAULT: Errno = 21;
    pub const INVAL: Errno = 28;
    pub const MFILE: Errno = 33;
    pub const NAMETOOLONG: Errno = 37;
    pub const NOENT: Errno = 44;
    pub const NOEXEC: Errno = 45;
    pub const NOTDIR: Errno = 54;
    pub const PIPE: Errno = 64;
    pub const NOTCAPABLE: Errno = 76;
}

/// Signal numbers.
pub mod sig {
    pub const HUP: u8 = 1;
    pub const INT: u8 = 2;
    pub const ABRT: u8 = 6;
    pub const KILL: u8 = 9;
    pub const USR1: u8 = 10;
    pub const USR2: u8 = 12;
    pub const PIPE: u8 = 13;
    pub const TERM: u8 = 15;
}

/// `proc_spawn` stdio modes.
pub mod stdio {
    pub const PIPED: u8 = 0;
    pub const INHERIT: u8 = 1;
    pub const NULL: u8 = 2;
    pub const LOG: u8 = 3;
}

/// `proc_join` flags.
pub const JOIN_NON_BLOCKING: u32 = 1;
/// `fdflagsext` bit.
pub const FD_CLOEXEC: u16 = 1;
/// Signal dispositions for `proc_spawn2`.
pub const DISP_DEFAULT: u8 = 0;
pub const DISP_IGNORE: u8 = 1;

/// The WASI name of an errno, e.g. `NOENT`.
pub fn errno_name(e: Errno) -> &'static str {
    const NAMES: [&str; 77] = [
        "SUCCESS",
        "2BIG",
        "ACCES",
        "ADDRINUSE",
        "ADDRNOTAVAIL",
        "AFNOSUPPORT",
        "AGAIN",
        "ALREADY",
        "BADF",
        "BADMSG",
        "BUSY",
        "CANCELED",
        "CHILD",
        "CONNABORTED",
        "CONNREFUSED",
        "CONNRESET",
        "DEADLK",
        "DESTADDRREQ",
        "DOM",
        "DQUOT",
        "EXIST",
        "FAULT",
        "FBIG",
        "HOSTUNREACH",
        "IDRM",
        "ILSEQ",
        "INPROGRESS",
        "INTR",
        "INVAL",
        "IO",
        "ISCONN",
        "ISDIR",
        "LOOP",
        "MFILE",
        "MLINK",
        "MSGSIZE",
        "MULTIHOP",
        "NAMETOOLONG",
        "NETDOWN",
        "NETRESET",
        "NETUNREACH",
        "NFILE",
        "NOBUFS",
        "NODEV",
        "NOENT",
        "NOEXEC",
        "NOLCK",
        "NOLINK",
        "NOMEM",
        "NOMSG",
        "NOPROTOOPT",
        "NOSPC",
        "NOSYS",
        "NOTCONN",
        "NOTDIR",
        "NOTEMPTY",
        "NOTRECOVERABLE",
        "NOTSOCK",
        "NOTSUP",
        "NOTTY",
        "NXIO",
        "OVERFLOW",
        "OWNERDEAD",
        "PERM",
        "PIPE",
        "PROTO",
        "PROTONOSUPPORT",
        "PROTOTYPE",
        "RANGE",
        "ROFS",
        "SPIPE",
        "SRCH",
        "STALE",
        "TIMEDOUT",
        "TXTBSY",
        "XDEV",
        "NOTCAPABLE",
    ];
    NAMES.get(usize::from(e)).copied().unwrap_or("?")
}

/// `NOENT (44)`.
pub fn show(e: Errno) -> String {
    format!("{} ({e})", errno_name(e))
}

fn check(ret: i32) -> Result<(), Errno> {
    if ret == 0 { Ok(()) } else { Err(ret as Errno) }
}

fn ptr<T>(p: *const T) -> i32 {
    p as usize as i32
}

/// `["ls", "-l"]` → `"ls\n-l\n"`, the list format of `proc_spawn` and `proc_exec3`.
pub fn lines(items: &[&str]) -> String {
    items.iter().map(|s| format!("{s}\n")).collect()
}

/// The handles `proc_spawn` returns: the child's pid and our ends of its PIPED stdio.
#[derive(Clone, Copy, Debug)]
pub struct Handles {
    pub pid: Pid,
    pub stdin: Option<Fd>,
    pub stdout: Option<Fd>,
    pub stderr: Option<Fd>,
}

fn option_fd(o: OptionFd) -> Option<Fd> {
    // SAFETY: `some` is a plain u32 the kernel wrote (or zero from our initialisation).
    (o.tag == 1).then_some(unsafe { o.u.some })
}

/// How `proc_spawn` should set up the child.
pub struct Spawn<'a> {
    pub name: &'a str,
    pub args: &'a [&'a str],
    pub chroot: bool,
    pub preopens: &'a [&'a str],
    pub stdin: u8,
    pub stdout: u8,
    pub stderr: u8,
    pub working_dir: &'a str,
}

impl<'a> Spawn<'a> {
    /// `name` with `args` (argv[0] included), all stdio inherited, no chroot, no
    /// preopens, working directory `.` (the caller's).
    pub fn new(name: &'a str, args: &'a [&'a str]) -> Self {
        Self {
            name,
            args,
            chroot: false,
            preopens: &[],
            stdin: stdio::INHERIT,
            stdout: stdio::INHERIT,
            stderr: stdio::INHERIT,
            working_dir: ".",
        }
    }

    pub fn stdio(mut self, stdin: u8, stdout: u8, stderr: u8) -> Self {
        (self.stdin, self.stdout, self.stderr) = (stdin, stdout, stderr);
        self
    }

    pub fn run(&self) -> Result<Handles, Errno> {
        let args = lines(self.args);
        let preopens = lines(self.preopens);
        let mut out = MaybeUninit::<ProcessHandles>::zeroed();
        // SAFETY: every pointer/length pair describes a live buffer; `out` is writable.
        let ret = unsafe {
            x::proc_spawn(
                ptr(self.name.as_ptr()),
                self.name.len() as i32,
                i32::from(self.chroot),
                ptr(args.as_ptr()),
                args.len() as i32,
                ptr(preopens.as_ptr()),
                preopens.len() as i32,
                i32::from(self.stdin),
                i32::from(self.stdout),
                i32::from(self.stderr),
                ptr(self.working_dir.as_ptr()),
                self.working_dir.len() as i32,
                ptr(out.as_mut_ptr()),
            )
        };
        check(ret)?;
        // SAFETY: zero-initialised, then (on success) filled in by the kernel.
        let h = unsafe { out.assume_init() };
        Ok(Handles {
            pid: h.pid,
            stdin: option_fd(h.stdin),
            stdout: option_fd(h.stdout),
            stderr: option_fd(h.stderr),
        })
    }
}

/// `proc_spawn` with every argument raw, for feeding it bad pointers and modes.
#[allow(clippy::too_many_arguments)]
pub fn spawn_raw(
    name: i32,
    name_len: i32,
    args: i32,
    args_len: i32,
    stdin: i32,
    stdout: i32,
    stderr: i32,
    ret: i32,
) -> Result<(), Errno> {
    let wd = ".";
    // SAFETY: the kernel must validate every pointer; nothing here is dereferenced by us.
    check(unsafe {
        x::proc_spawn(
            name,
            name_len,
            0,
            args,
            args_len,
            0,
            0,
            stdin,
            stdout,
            stderr,
            ptr(wd.as_ptr()),
            wd.len() as i32,
            ret,
        )
    })
}

/// A `proc_spawn2` descriptor action.
pub fn fd_op_dup2(src_fd: Fd, fd: Fd) -> ProcSpawnFdOp {
    fd_op(1, fd, src_fd)
}

/// A `proc_spawn2` descriptor action.
pub fn fd_op_close(fd: Fd) -> ProcSpawnFdOp {
    fd_op(0, fd, 0)
}

/// A `proc_spawn2` OPEN action: `path` (relative to the child's working directory) opened
/// at `fd` with `oflags` (CREAT=1, DIRECTORY=2, EXCL=4, TRUNC=8) and `fdflags` (APPEND=1),
/// following symlinks. The record points into `path`, which must outlive the spawn call.
pub fn fd_op_open(fd: Fd, path: &str, oflags: u16, fdflags: u16) -> ProcSpawnFdOp {
    ProcSpawnFdOp {
        path: path.as_ptr().cast_mut(),
        path_len: path.len(),
        dirflags: 1,
        oflags,
        fdflags,
        ..fd_op(2, fd, 0)
    }
}

/// A `proc_spawn2` CHDIR action: the child starts in `path`. The record points into
/// `path`, which must outlive the spawn call.
pub fn fd_op_chdir(path: &[u8]) -> ProcSpawnFdOp {
    ProcSpawnFdOp {
        path: path.as_ptr().cast_mut(),
        path_len: path.len(),
        ..fd_op(3, 0, 0)
    }
}

fn fd_op(cmd: u8, fd: Fd, src_fd: Fd) -> ProcSpawnFdOp {
    ProcSpawnFdOp {
        cmd: ProcSpawnFdOpName::from(cmd),
        fd,
        src_fd,
        path: core::ptr::null_mut(),
        path_len: 0,
        dirflags: 0,
        oflags: 0,
        fs_rights_base: 0,
        fs_rights_inheriting: 0,
        fdflags: 0,
        fdflagsext: 0,
    }
}

/// A `proc_spawn2` signal disposition.
pub fn disposition(signal: u8, disp: u8) -> SignalDisposition {
    SignalDisposition {
        sig: signal.into(),
        disp: disp.into(),
    }
}

/// `proc_spawn2(name, args, envs = inherited (null), fd_ops, sigdisp, search_path, path)`.
/// `path` is the `PATH`-style search list (only read when `search_path`).
pub fn spawn2(
    name: &str,
    args: &[&str],
    fd_ops: &[ProcSpawnFdOp],
    sigdisp: &[SignalDisposition],
    search_path: bool,
    path: &str,
) -> Result<Pid, Errno> {
    let args = lines(args);
    let mut pid: Pid = 0;
    // SAFETY: every pointer/length pair describes a live buffer (envs is null: inherit).
    check(unsafe {
        x::proc_spawn2(
            ptr(name.as_ptr()),
            name.len() as i32,
            ptr(args.as_ptr()),
            args.len() as i32,
            0,
            0,
            ptr(fd_ops.as_ptr()),
            fd_ops.len() as i32,
            ptr(sigdisp.as_ptr()),
            sigdisp.len() as i32,
            i32::from(search_path),
            ptr(path.as_ptr()),
            path.len() as i32,
            ptr(&raw mut pid),
        )
    })?;
    Ok(pid)
}

/// `proc_spawn2` with an explicit environment: `envs` is the `\n`-terminated `K=V` list
/// (`None` passes a null list; the kernel then starts the child with no variables).
pub fn spawn2_env(
    name: &str,
    args: &[&str],
    envs: Option<&str>,
    fd_ops: &[ProcSpawnFdOp],
    sigdisp: &[SignalDisposition],
    search_path: bool,
    path: &str,
) -> Result<Pid, Errno> {
    let args = lines(args);
    let (env_ptr, env_len) = envs.map_or((0, 0), |e| (ptr(e.as_ptr()), e.len() as i32));
    let mut pid: Pid = 0;
    // SAFETY: every pointer/length pair describes a live buffer (OPEN actions point into
    // strings the caller keeps alive).
    check(unsafe {
        x::proc_spawn2(
            ptr(name.as_ptr()),
            name.len() as i32,
            ptr(args.as_ptr()),
            args.len() as i32,
            env_ptr,
            env_len,
            ptr(fd_ops.as_ptr()),
            fd_ops.len() as i32,
            ptr(sigdisp.as_ptr()),
            sigdisp.len() as i32,
            i32::from(search_path),
            ptr(path.as_ptr()),
            path.len() as i32,
            ptr(&raw mut pid),
        )
    })?;
    Ok(pid)
}

/// `proc_exec3`: returns only on failure (envs null: inherited).
pub fn exec3(name: &str, args: &[&str], search_path: bool, path: &str) -> Errno {
    let args = lines(args);
    // SAFETY: every pointer/length pair describes a live buffer.
    unsafe {
        x::proc_exec3(
            ptr(name.as_ptr()),
            name.len() as i32,
            ptr(args.as_ptr()),
            args.len() as i32,
            0,
            0,
            i32::from(search_path),
            ptr(path.as_ptr()),
            path.len() as i32,
        ) as Errno
    }
}

/// `proc_exec3` with the argument list already in its `\n`-terminated form (envs null:
/// inherited); returns only on failure.
pub fn exec3_list(name: &str, args: &[u8]) -> Errno {
    // SAFETY: every pointer/length pair describes a live buffer.
    unsafe {
        x::proc_exec3(
            ptr(name.as_ptr()),
            name.len() as i32,
            ptr(args.as_ptr()),
            args.len() as i32,
            0,
            0,
            0,
            0,
            0,
        ) as Errno
    }
}

/// `proc_exec3` with an environment (the `\n`-terminated `K=V` list `spawn2_env` takes):
/// returns only on failure.
pub fn exec3_env(name: &str, args: &[&str], env: &str, search_path: bool, path: &str) -> Errno {
    let args = lines(args);
    // SAFETY: every pointer/length pair describes a live buffer.
    unsafe {
        x::proc_exec3(
            ptr(name.as_ptr()),
            name.len() as i32,
            ptr(args.as_ptr()),
            args.len() as i32,
            ptr(env.as_ptr()),
            env.len() as i32,
            i32::from(search_path),
            ptr(path.as_ptr()),
            path.len() as i32,
        ) as Errno
    }
}

/// `proc_exec` with the argument list already in its `\n`-terminated form. Never
/// returns: a failure ends the process with the errno as its exit code.
pub fn exec1_list(name: &str, args: &[u8]) -> ! {
    // SAFETY: every pointer/length pair describes a live buffer.
    unsafe {
        x::proc_exec(
            ptr(name.as_ptr()),
            name.len() as i32,
            ptr(args.as_ptr()),
            args.len() as i32,
        )
    }
}

/// `proc_exec`: replaces this process with `name` (a path) run with `args`, keeping the
/// environment. Never returns: a failure ends the process with the errno as exit code.
pub fn exec1(name: &str, args: &[&str]) -> ! {
    let args = lines(args);
    // SAFETY: every pointer/length pair describes a live buffer.
    unsafe {
        x::proc_exec(
            ptr(name.as_ptr()),
            name.len() as i32,
            ptr(args.as_ptr()),
            args.len() as i32,
        )
    }
}

/// `proc_exec2`: [`exec1`] with the environment replaced by `env` (`NAME=value` items).
pub fn exec2(name: &str, args: &[&str], env: &[&str]) -> ! {
    let args = lines(args);
    let env = lines(env);
    // SAFETY: every pointer/length pair describes a live buffer.
    unsafe {
        x::proc_exec2(
            ptr(name.as_ptr()),
            name.len() as i32,
            ptr(args.as_ptr()),
            args.len() as i32,
            ptr(env.as_ptr()),
            env.len() as i32,
        )
    }
}

/// What `proc_join` reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Nothing,
    Exit(u16),
    Signal { sig: u8, code: u16 },
    Stopped(u8),
    Unknown(u8),
}

impl core::fmt::Display for Status {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Status::Nothing => write!(f, "NOTHING"),
            Status::Exit(code) => write!(f, "EXIT_NORMAL {code}"),
            Status::Signal { sig, code } => write!(f, "EXIT_SIGNAL signal {sig} (code {code})"),
            Status::Stopped(sig) => write!(f, "STOPPED signal {sig}"),
            Status::Unknown(tag) => write!(f, "unknown join_status tag {tag}"),
        }
    }
}

/// `proc_join(pid or any child, flags)`: the pid the kernel wrote back (if tagged Some)
/// and the status.
pub fn join(pid: Option<Pid>, flags: u32) -> Result<(Option<Pid>, Status), Errno> {
    let mut opt = OptionPid {
        tag: u8::from(pid.is_some()),
        u: OptionPidU {
            some: pid.unwrap_or(0),
        },
    };
    let mut out = MaybeUninit::<JoinStatus>::zeroed();
    // SAFETY: both pointers are live and writable.
    check(unsafe { x::proc_join(ptr(&raw mut opt), flags as i32, ptr(out.as_mut_ptr())) })?;
    // SAFETY: zero-initialised, then filled in by the kernel; the union members are
    // plain integers, so reading any of them is defined.
    let (st, got) = unsafe { (out.assume_init(), opt.u.some) };
    // SAFETY: `tag` says which union member the kernel wrote; each is plain integers.
    let status = unsafe {
        match st.tag {
            0 => Status::Nothing,
            1 => Status::Exit(st.u.exit_normal.raw()),
            2 => Status::Signal {
                sig: st.u.exit_signal.signal.raw(),
                code: st.u.exit_signal.exit_code.raw(),
            },
            3 => Status::Stopped(st.u.stopped.raw()),
            t => Status::Unknown(t),
        }
    };
    Ok(((opt.tag == 1).then_some(got), status))
}

pub fn proc_id() -> Result<Pid, Errno> {
    let mut pid: Pid = 0;
    // SAFETY: `pid` is writable.
    check(unsafe { x::proc_id(ptr(&raw mut pid)) })?;
    Ok(pid)
}

pub fn proc_parent(pid: Pid) -> Result<Pid, Errno> {
    let mut parent: Pid = 0;
    // SAFETY: `parent` is writable.
    check(unsafe { x::proc_parent(pid as i32, ptr(&raw mut parent)) })?;
    Ok(parent)
}

pub fn signal(pid: Pid, sig: u8) -> Result<(), Errno> {
    // SAFETY: no pointers.
    check(unsafe { x::proc_signal(pid as i32, i32::from(sig)) })
}

/// `callback_signal`: the kernel calls the export `name(sig)` between slices for every
/// signal (but SIGKILL) instead of its default action; `""` undoes that.
pub fn callback_signal(name: &str) {
    // SAFETY: the pointer/length pair describes a live buffer.
    unsafe { x::callback_signal(ptr(name.as_ptr()), name.len() as i32) }
}

/// `proc_signals_sizes_get` + `proc_signals_get`: the (signal, disposition) overrides.
pub fn signal_dispositions() -> Result<Vec<(u8, u8)>, Errno> {
    let mut count: usize = 0;
    // SAFETY: `count` is writable.
    check(unsafe { x::proc_signals_sizes_get(ptr(&raw mut count)) })?;
    let mut buf = vec![0u8; count * 2];
    // SAFETY: room for `count` two-byte records.
    check(unsafe { x::proc_signals_get(ptr(buf.as_mut_ptr())) })?;
    Ok(buf.chunks(2).map(|c| (c[0], c[1])).collect())
}

/// `thread_sleep` for `ms` milliseconds.
pub fn sleep_ms(ms: u64) -> Result<(), Errno> {
    // SAFETY: no pointers.
    check(unsafe { x::thread_sleep((ms * 1_000_000) as i64) })
}

/// `fd_pipe`: (read end, write end).
pub fn pipe() -> Result<(Fd, Fd), Errno> {
    let (mut r, mut w): (Fd, Fd) = (0, 0);
    // SAFETY: both are writable.
    check(unsafe { x::fd_pipe(ptr(&raw mut r), ptr(&raw mut w)) })?;
    Ok((r, w))
}

pub fn dup(fd: Fd) -> Result<Fd, Errno> {
    let mut out: Fd = 0;
    // SAFETY: `out` is writable.
    check(unsafe { x::fd_dup(fd as i32, ptr(&raw mut out)) })?;
    Ok(out)
}

pub fn dup2(fd: Fd, min_result_fd: Fd, cloexec: bool) -> Result<Fd, Errno> {
    let mut out: Fd = 0;
    // SAFETY: `out` is writable.
    check(unsafe {
        x::fd_dup2(
            fd as i32,
            min_result_fd as i32,
            i32::from(cloexec),
            ptr(&raw mut out),
        )
    })?;
    Ok(out)
}

pub fn fdflags_get(fd: Fd) -> Result<u16, Errno> {
    let mut out: u16 = 0;
    // SAFETY: `out` is writable.
    check(unsafe { x::fd_fdflags_get(fd as i32, ptr(&raw mut out)) })?;
    Ok(out)
}

pub fn fdflags_set(fd: Fd, flags: u16) -> Result<(), Errno> {
    // SAFETY: no pointers.
    check(unsafe { x::fd_fdflags_set(fd as i32, i32::from(flags)) })
}

/// `getcwd` into a buffer of `cap` bytes.
pub fn getcwd_cap(cap: usize) -> Result<String, Errno> {
    let mut buf = vec![0u8; cap];
    let mut len: usize = cap;
    // SAFETY: `buf` holds `len` writable bytes; `len` is writable.
    check(unsafe { x::getcwd(ptr(buf.as_mut_ptr()), ptr(&raw mut len)) })?;
    buf.truncate(len.min(cap));
    // The kernel may or may not count a terminating NUL in `len`.
    while buf.last() == Some(&0) {
        buf.pop();
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

pub fn getcwd() -> Result<String, Errno> {
    getcwd_cap(4096)
}

pub fn chdir(path: &str) -> Result<(), Errno> {
    // SAFETY: the pointer/length pair describes a live buffer.
    check(unsafe { x::chdir(ptr(path.as_ptr()), path.len() as i32) })
}

pub fn tty_get() -> Result<Tty, Errno> {
    let mut tty = MaybeUninit::<Tty>::zeroed();
    // SAFETY: `tty` is writable; every field is an integer (or a u8 wrapper).
    check(unsafe { x::tty_get(ptr(tty.as_mut_ptr())) })?;
    // SAFETY: zero-initialised, then filled in by the kernel; all fields are integers.
    Ok(unsafe { tty.assume_init() })
}

pub fn tty_set(tty: &Tty) -> Result<(), Errno> {
    // SAFETY: `tty` is readable.
    check(unsafe { x::tty_set(ptr(tty)) })
}

// Preview1 descriptor calls, with raw errnos.

pub fn close(fd: Fd) -> Result<(), Errno> {
    // SAFETY: no pointers.
    check(unsafe { p1::fd_close(fd as i32) })
}

pub fn renumber(from: Fd, to: Fd) -> Result<(), Errno> {
    // SAFETY: no pointers.
    check(unsafe { p1::fd_renumber(from as i32, to as i32) })
}

/// One `fd_read`: 0 means end of file.
pub fn read(fd: Fd, buf: &mut [u8]) -> Result<usize, Errno> {
    let iov = [buf.as_mut_ptr() as usize, buf.len()];
    let mut n: usize = 0;
    // SAFETY: one iovec describing `buf`; `n` is writable.
    check(unsafe { p1::fd_read(fd as i32, ptr(iov.as_ptr()), 1, ptr(&raw mut n)) })?;
    Ok(n)
}

/// One `fd_write`.
pub fn write(fd: Fd, buf: &[u8]) -> Result<usize, Errno> {
    let iov = [buf.as_ptr() as usize, buf.len()];
    let mut n: usize = 0;
    // SAFETY: one ciovec describing `buf`; `n` is writable.
    check(unsafe { p1::fd_write(fd as i32, ptr(iov.as_ptr()), 1, ptr(&raw mut n)) })?;
    Ok(n)
}

pub fn write_all(fd: Fd, mut buf: &[u8]) -> Result<(), Errno> {
    while !buf.is_empty() {
        match write(fd, buf)? {
            0 => return Err(errno::PIPE),
            n => buf = &buf[n..],
        }
    }
    Ok(())
}

pub fn read_to_end(fd: Fd) -> Result<Vec<u8>, Errno> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match read(fd, &mut buf)? {
            0 => return Ok(out),
            n => out.extend_from_slice(&buf[..n]),
        }
    }
}

/// Whether `fd` is open (`fd_fdflags_get` does not fail with BADF).
pub fn is_open(fd: Fd) -> bool {
    fdflags_get(fd) != Err(errno::BADF)
}

/// Incremental 64-bit FNV-1a.
#[derive(Clone, Copy)]
pub struct Fnv64(pub u64);

impl Default for Fnv64 {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv64 {
    pub fn update(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// The deterministic pseudo-random byte stream of `wasix-test stream` (xorshift64*,
/// fixed seed), produced in chunks.
pub struct Stream {
    state: u64,
    left: u64,
}

impl Stream {
    pub fn new(len: u64) -> Self {
        Self {
            state: 0x9e37_79b9_7f4a_7c15,
            left: len,
        }
    }

    /// Fills the front of `buf` with the next bytes; returns how many (0 at the end).
    pub fn fill(&mut self, buf: &mut [u8]) -> usize {
        let n = (buf.len() as u64).min(self.left) as usize;
        for b in &mut buf[..n] {
            self.state ^= self.state >> 12;
            self.state ^= self.state << 25;
            self.state ^= self.state >> 27;
            *b = (self.state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8;
        }
        self.left -= n as u64;
        n
    }
}

/// `N bytes, fnv1a64 HEX`: the summary line of `wasix-test sum`.
pub fn summary(len: u64, hash: Fnv64) -> String {
    format!("{len} bytes, fnv1a64 {:016x}", hash.0)
}
