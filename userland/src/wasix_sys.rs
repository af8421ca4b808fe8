//! Thin wrappers over the WASIX process, pipe and descriptor calls, for the test programs.
//!
//! The raw imports (`wasix_32v1`, plus a few `wasi_snapshot_preview1` descriptor calls)
//! come from the `wasix` crate; the structures and constants are the kernel's own, from
//! the `abi` crate (`crates/abi`): records are passed as their `to_bytes` images and
//! results decoded with `from_bytes`. Every wrapper returns the raw WASI errno on failure,
//! so a test can compare it with an exact expected value and print it as `NOENT (44)`
//! ([`show`]).
//!
//! Only calls the kernel registers are used: a module importing an unknown function would
//! not even start.

use abi::wasix::{JoinStatus, OptionPid, ProcessHandles, fd_op, join_status_type, lookupflags};
pub use abi::wasix::{ProcSpawnFdOp, SignalDisposition, Tty};
use wasix::wasi::wasi_snapshot_preview1 as p1;
use wasix::wasix_32v1 as x;

pub type Errno = u16;
pub type Fd = u32;
pub type Pid = u32;

/// WASI errno values (`errno::NOENT`).
pub use abi::errno::raw as errno;
/// Signal numbers (WASIX numbering).
pub use abi::wasix::signal as sig;
/// `proc_spawn` stdio modes.
pub use abi::wasix::stdio_mode as stdio;

/// Signal dispositions for `proc_spawn2`.
pub use abi::wasix::disposition::{DEFAULT as DISP_DEFAULT, IGNORE as DISP_IGNORE};
/// `fdflagsext` bit.
pub use abi::wasix::fdflagsext::CLOEXEC as FD_CLOEXEC;
/// `proc_join` flags.
pub use abi::wasix::join_flags::{
    NON_BLOCKING as JOIN_NON_BLOCKING, WAKE_STOPPED as JOIN_WAKE_STOPPED,
};

/// The upper-case WASI name of an errno, e.g. `NOENT`; `?` outside the table.
pub fn errno_name(e: Errno) -> String {
    abi::Errno::from_raw(e).map_or_else(|| "?".into(), |e| e.name().to_ascii_uppercase())
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
        let mut out = [0u8; ProcessHandles::SIZE];
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
        // An option tag other than NONE or SOME would be the kernel's bug.
        let h = ProcessHandles::from_bytes(&out).ok_or(errno::INVAL)?;
        Ok(Handles {
            pid: h.pid,
            stdin: h.stdin.get(),
            stdout: h.stdout.get(),
            stderr: h.stderr.get(),
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
    fd_op(fd_op::DUP2, fd, src_fd)
}

/// A `proc_spawn2` descriptor action.
pub fn fd_op_close(fd: Fd) -> ProcSpawnFdOp {
    fd_op(fd_op::CLOSE, fd, 0)
}

/// A `proc_spawn2` OPEN action: `path` (relative to the child's working directory) opened
/// at `fd` with `oflags` (CREAT=1, DIRECTORY=2, EXCL=4, TRUNC=8) and `fdflags` (APPEND=1),
/// following symlinks. The record points into `path`, which must outlive the spawn call.
pub fn fd_op_open(fd: Fd, path: &str, oflags: u16, fdflags: u16) -> ProcSpawnFdOp {
    ProcSpawnFdOp {
        path: ptr(path.as_ptr()) as u32,
        path_len: path.len() as u32,
        dirflags: lookupflags::SYMLINK_FOLLOW as u32,
        oflags,
        fdflags,
        ..fd_op(fd_op::OPEN, fd, 0)
    }
}

/// A `proc_spawn2` CHDIR action: the child starts in `path`. The record points into
/// `path`, which must outlive the spawn call.
pub fn fd_op_chdir(path: &[u8]) -> ProcSpawnFdOp {
    ProcSpawnFdOp {
        path: ptr(path.as_ptr()) as u32,
        path_len: path.len() as u32,
        ..fd_op(fd_op::CHDIR, 0, 0)
    }
}

fn fd_op(cmd: u8, fd: Fd, src_fd: Fd) -> ProcSpawnFdOp {
    ProcSpawnFdOp {
        cmd,
        fd,
        src_fd,
        ..ProcSpawnFdOp::default()
    }
}

/// A `proc_spawn2` signal disposition.
pub fn disposition(signal: u8, disp: u8) -> SignalDisposition {
    SignalDisposition { sig: signal, disp }
}

/// The guest-memory images of `records`, one after another (what the kernel reads).
fn images<const N: usize>(records: impl IntoIterator<Item = [u8; N]>) -> Vec<u8> {
    records.into_iter().flatten().collect()
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
    let ops = images(fd_ops.iter().map(|o| o.to_bytes()));
    let sigs = images(sigdisp.iter().map(|d| d.to_bytes()));
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
            ptr(ops.as_ptr()),
            fd_ops.len() as i32,
            ptr(sigs.as_ptr()),
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
    let ops = images(fd_ops.iter().map(|o| o.to_bytes()));
    let sigs = images(sigdisp.iter().map(|d| d.to_bytes()));
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
            ptr(ops.as_ptr()),
            fd_ops.len() as i32,
            ptr(sigs.as_ptr()),
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
    let mut opt = pid.map_or(OptionPid::NONE, OptionPid::some).to_bytes();
    let mut out = [0u8; JoinStatus::SIZE];
    // SAFETY: both pointers are live and writable for their records.
    check(unsafe { x::proc_join(ptr(opt.as_mut_ptr()), flags as i32, ptr(out.as_mut_ptr())) })?;
    let got = OptionPid::from_bytes(&opt).and_then(|o| o.get());
    let status = match JoinStatus::from_bytes(&out) {
        None => Status::Unknown(out[0]),
        Some(st) => match st.tag {
            join_status_type::NOTHING => Status::Nothing,
            join_status_type::EXIT_NORMAL => Status::Exit(st.code),
            join_status_type::EXIT_SIGNAL => Status::Signal {
                sig: st.signal,
                code: st.code,
            },
            _ => Status::Stopped(st.stop_signal().unwrap_or(0)),
        },
    };
    Ok((got, status))
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
    let mut buf = vec![0u8; count * SignalDisposition::SIZE];
    // SAFETY: room for `count` records.
    check(unsafe { x::proc_signals_get(ptr(buf.as_mut_ptr())) })?;
    buf.as_chunks::<{ SignalDisposition::SIZE }>()
        .0
        .iter()
        .map(|c| {
            SignalDisposition::from_bytes(c)
                .map(|d| (d.sig, d.disp))
                .ok_or(errno::INVAL)
        })
        .collect()
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

/// `tty_get`; a boolean byte other than 0 or 1 (the kernel's bug) is INVAL.
pub fn tty_get() -> Result<Tty, Errno> {
    let mut tty = [0u8; Tty::SIZE];
    // SAFETY: `tty` is writable for the record.
    check(unsafe { x::tty_get(ptr(tty.as_mut_ptr())) })?;
    Tty::from_bytes(&tty).ok_or(errno::INVAL)
}

pub fn tty_set(tty: &Tty) -> Result<(), Errno> {
    let image = tty.to_bytes();
    // SAFETY: `image` is readable for the record.
    check(unsafe { x::tty_set(ptr(image.as_ptr())) })
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

// The kernel's job-control extension (`abi::wasix::JOBS_MODULE`, docs/WASIX.md "Job
// control"): WASIX has process groups and a foreground group but no calls to set them.
#[link(wasm_import_module = "wasmkernel_jobs_v1")]
unsafe extern "C" {
    #[link_name = "proc_setpgid"]
    fn jobs_proc_setpgid(pid: i32, pgid: i32) -> i32;
    #[link_name = "proc_getpgid"]
    fn jobs_proc_getpgid(pid: i32, out: i32) -> i32;
    #[link_name = "tty_setpgrp"]
    fn jobs_tty_setpgrp(pgid: i32) -> i32;
    #[link_name = "tty_getpgrp"]
    fn jobs_tty_getpgrp(out: i32) -> i32;
}

/// `setpgid(pid, pgid)`: `pid` 0 is the caller, `pgid` 0 a new group numbered `pid`.
pub fn setpgid(pid: Pid, pgid: Pid) -> Result<(), Errno> {
    // SAFETY: no pointers.
    check(unsafe { jobs_proc_setpgid(pid as i32, pgid as i32) })
}

/// `getpgid(pid)` (0: the caller).
pub fn getpgid(pid: Pid) -> Result<Pid, Errno> {
    let mut pgid: Pid = 0;
    // SAFETY: `pgid` is writable.
    check(unsafe { jobs_proc_getpgid(pid as i32, ptr(&raw mut pgid)) })?;
    Ok(pgid)
}

/// `tcsetpgrp` on the console: makes `pgid` the foreground group.
pub fn tty_setpgrp(pgid: Pid) -> Result<(), Errno> {
    // SAFETY: no pointers.
    check(unsafe { jobs_tty_setpgrp(pgid as i32) })
}

/// `tcgetpgrp` on the console: the foreground group, 0 when none is set.
pub fn tty_getpgrp() -> Result<Pid, Errno> {
    let mut pgid: Pid = 0;
    // SAFETY: `pgid` is writable.
    check(unsafe { jobs_tty_getpgrp(ptr(&raw mut pgid)) })?;
    Ok(pgid)
}
