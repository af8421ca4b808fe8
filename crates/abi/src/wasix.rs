//! WASIX and WASI preview1 structures as they lie in guest memory (wasm32: little-endian,
//! 4-byte pointers and lengths).
//!
//! Each type is a `#[repr(C)]` plain-data struct whose size, alignment and every field
//! offset are asserted at compile time against the numbers in the wasix-libc headers
//! (`wasi/api.h` and `wasi/api_wasix.h`, whose `_Static_assert(sizeof / _Alignof /
//! offsetof ...)` lines are generated from the witx definitions). Where a header type is a
//! tagged union the struct spells out one member in full and documents how the others
//! overlay it (see [`JoinStatus`] and [`Subscription`]), since reading a Rust `union` needs
//! `unsafe`.
//!
//! `to_bytes` / `from_bytes` encode and decode one value field by field, little-endian,
//! at the asserted offsets; padding is written as zero and ignored when read. `from_bytes`
//! returns `None` when a tag, enum or boolean byte holds a value the ABI does not define.

use core::mem::{align_of, offset_of, size_of};

/// Asserts, at compile time, a type's size, alignment and field offsets.
macro_rules! assert_layout {
    ($ty:ty, size $size:literal, align $align:literal { $($field:ident $(. $sub:ident)* : $off:literal),* $(,)? }) => {
        const _: () = assert!(size_of::<$ty>() == $size);
        const _: () = assert!(align_of::<$ty>() == $align);
        $(const _: () = assert!(offset_of!($ty, $field $(. $sub)*) == $off);)*
    };
}

/// Writes `bytes` at `at` in `buf`.
fn put<const N: usize>(buf: &mut [u8], at: usize, bytes: [u8; N]) {
    buf[at..at + N].copy_from_slice(&bytes);
}

/// The `N` bytes at `at` in `buf`.
fn get<const N: usize>(buf: &[u8], at: usize) -> [u8; N] {
    let mut out = [0; N];
    out.copy_from_slice(&buf[at..at + N]);
    out
}

/// A WASI boolean byte: 0 or 1.
fn flag(b: u8) -> Option<bool> {
    match b {
        0 => Some(false),
        1 => Some(true),
        _ => None,
    }
}

/// The import module of the WASIX calls.
pub const WASIX_MODULE: &str = "wasix_32v1";

/// Highest WASI/WASIX signal number (`sys`, 30); 0 is "no signal".
pub const SIGNAL_MAX: u8 = signal::MAX;

/// Signal numbers (WASIX numbering) and their default actions.
pub mod signal {
    pub const INT: u8 = 2;
    pub const QUIT: u8 = 3;
    pub const ABRT: u8 = 6;
    pub const KILL: u8 = 9;
    pub const USR1: u8 = 10;
    pub const USR2: u8 = 12;
    pub const PIPE: u8 = 13;
    pub const ALRM: u8 = 14;
    pub const TERM: u8 = 15;
    pub const CHLD: u8 = 16;
    /// Highest signal number.
    pub const MAX: u8 = 30;

    /// The Linux (musl) number of signal `sig`: wasix-libc numbers signals as musl does
    /// on Linux, where STKFLT is 16 and CHLD 17, while the WASIX ABI's enum has no STKFLT
    /// (CHLD is 16). Below 16 the two agree.
    pub fn to_linux(sig: u8) -> u8 {
        if sig >= 16 { sig + 1 } else { sig }
    }

    /// The WASIX number of Linux signal `sig`; None for STKFLT (16) and beyond 31.
    pub fn from_linux(sig: u8) -> Option<u8> {
        match sig {
            0..=15 => Some(sig),
            17..=31 => Some(sig - 1),
            _ => None,
        }
    }

    /// True when the default action is to do nothing (CHLD, CONT, URG, WINCH; the stop
    /// signals too, since processes are not stopped here).
    pub fn ignored_by_default(sig: u8) -> bool {
        matches!(sig, 16..=22 | 27)
    }
}

/// preview1 `rights`: the ones the runtime enforces (FD_READ and FD_WRITE on transfers,
/// and the `PATH_*` rights of a base directory on the `path_*` calls) or names. The others
/// are stored and reported only, as in wasmtime.
pub mod rights {
    pub const FD_READ: u64 = 1 << 1;
    pub const FD_SEEK: u64 = 1 << 2;
    pub const FD_TELL: u64 = 1 << 5;
    pub const FD_WRITE: u64 = 1 << 6;
    pub const PATH_CREATE_DIRECTORY: u64 = 1 << 9;
    pub const PATH_CREATE_FILE: u64 = 1 << 10;
    pub const PATH_LINK_SOURCE: u64 = 1 << 11;
    pub const PATH_LINK_TARGET: u64 = 1 << 12;
    pub const PATH_OPEN: u64 = 1 << 13;
    pub const FD_READDIR: u64 = 1 << 14;
    pub const PATH_READLINK: u64 = 1 << 15;
    pub const PATH_RENAME_SOURCE: u64 = 1 << 16;
    pub const PATH_RENAME_TARGET: u64 = 1 << 17;
    pub const PATH_FILESTAT_GET: u64 = 1 << 18;
    pub const PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
    pub const PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
    pub const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
    pub const PATH_SYMLINK: u64 = 1 << 24;
    pub const PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
    pub const PATH_UNLINK_FILE: u64 = 1 << 26;
    /// Every right (bits 0..=28).
    pub const ALL: u64 = (1 << 29) - 1;
    /// Rights that only mean something for a byte stream or regular file: a directory
    /// opened with any of them gets them dropped (not ISDIR), as wasmer does, so that a
    /// program passing its preopen's own rights (all of them here) can open a directory.
    pub const FILE_ONLY: u64 = FD_SEEK | FD_WRITE | FD_FILESTAT_SET_SIZE;
}

/// preview1 `fdflags`: an open file's status flags.
pub mod fdflags {
    pub const APPEND: u16 = 1;
    pub const DSYNC: u16 = 2;
    pub const NONBLOCK: u16 = 4;
    pub const RSYNC: u16 = 8;
    pub const SYNC: u16 = 16;
    pub const ALL: u16 = 31;
}

/// Highest preview1 `filetype` value (`symbolic_link`, 7).
pub const FILETYPE_MAX: u8 = 7;

/// `option_tag` (the tag byte of [`OptionFd`] and [`OptionPid`]).
pub mod option_tag {
    pub const NONE: u8 = 0;
    pub const SOME: u8 = 1;
}

/// `stdio_mode`: what `proc_spawn` gives the child for each of stdin, stdout and stderr.
pub mod stdio_mode {
    /// A new pipe; the parent's end is returned in [`super::ProcessHandles`].
    pub const PIPED: u8 = 0;
    /// The parent's descriptor of the same number.
    pub const INHERIT: u8 = 1;
    /// Reads give end-of-file, writes are discarded.
    pub const NULL: u8 = 2;
    /// Output goes to the log.
    pub const LOG: u8 = 3;
}

/// `join_flags` of `proc_join`.
pub mod join_flags {
    /// Return NOTHING instead of waiting when no child has ended.
    pub const NON_BLOCKING: u32 = 1;
    /// Also report children that stopped.
    pub const WAKE_STOPPED: u32 = 2;
}

/// `join_status_type`: the tag of [`JoinStatus`].
pub mod join_status_type {
    pub const NOTHING: u8 = 0;
    pub const EXIT_NORMAL: u8 = 1;
    pub const EXIT_SIGNAL: u8 = 2;
    pub const STOPPED: u8 = 3;
}

/// `disposition` of a [`SignalDisposition`].
pub mod disposition {
    pub const DEFAULT: u8 = 0;
    pub const IGNORE: u8 = 1;
}

/// `proc_spawn_fd_op_name`: the command of a [`ProcSpawnFdOp`].
pub mod fd_op {
    pub const CLOSE: u8 = 0;
    pub const DUP2: u8 = 1;
    pub const OPEN: u8 = 2;
    pub const CHDIR: u8 = 3;
    pub const FCHDIR: u8 = 4;
}

/// `eventfdflags`: the flags of `fd_event`.
pub mod eventfdflags {
    /// Reads take 1 from the count instead of all of it.
    pub const SEMAPHORE: u16 = 1;
}

/// `fdflagsext`: per-descriptor flags (`fd_fdflags_get` / `fd_fdflags_set`).
pub mod fdflagsext {
    /// Close the descriptor when the process execs.
    pub const CLOEXEC: u16 = 1;
    /// Every known bit.
    pub const ALL: u16 = CLOEXEC;
}

/// preview1 `eventtype`: the tag of a [`Subscription`] and the type of an [`Event`].
pub mod eventtype {
    pub const CLOCK: u8 = 0;
    pub const FD_READ: u8 = 1;
    pub const FD_WRITE: u8 = 2;
}

/// preview1 `subclockflags`: a clock subscription's flags.
pub mod subclockflags {
    /// The timeout is an absolute time of the clock.
    pub const ABSTIME: u16 = 1;
}

/// preview1 `eventrwflags`: an fd event's flags.
pub mod eventrwflags {
    /// The peer hung up / end of file.
    pub const FD_READWRITE_HANGUP: u16 = 1;
}

/// preview1 `lookupflags`.
pub mod lookupflags {
    /// Follow a final symlink.
    pub const SYMLINK_FOLLOW: i32 = 1;
}

/// preview1 `oflags` (`path_open`).
pub mod oflags {
    pub const CREAT: u16 = 1;
    pub const DIRECTORY: u16 = 2;
    pub const EXCL: u16 = 4;
    pub const TRUNC: u16 = 8;
}

/// preview1 `fstflags` (`fd_filestat_set_times`, `path_filestat_set_times`).
pub mod fstflags {
    pub const ATIM: u16 = 1;
    pub const ATIM_NOW: u16 = 2;
    pub const MTIM: u16 = 4;
    pub const MTIM_NOW: u16 = 8;
}

/// preview1 `preopentype`: the tag of a [`Prestat`].
pub mod preopentype {
    pub const DIR: u8 = 0;
}

/// `option_fd` (8 bytes, align 4): a descriptor or nothing.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OptionFd {
    /// [`option_tag`].
    pub tag: u8,
    /// Meaningful only when `tag` is SOME.
    pub fd: u32,
}

assert_layout!(OptionFd, size 8, align 4 { tag: 0, fd: 4 });

impl OptionFd {
    pub const SIZE: usize = size_of::<Self>();
    /// No descriptor (the fd field is 0).
    pub const NONE: Self = Self {
        tag: option_tag::NONE,
        fd: 0,
    };

    pub const fn some(fd: u32) -> Self {
        Self {
            tag: option_tag::SOME,
            fd,
        }
    }

    /// The descriptor, if the tag is SOME.
    pub const fn get(&self) -> Option<u32> {
        if self.tag == option_tag::SOME {
            Some(self.fd)
        } else {
            None
        }
    }

    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut b = [0; Self::SIZE];
        put(&mut b, offset_of!(Self, tag), [self.tag]);
        put(&mut b, offset_of!(Self, fd), self.fd.to_le_bytes());
        b
    }

    /// `None` for a tag other than NONE or SOME. The fd field is kept as stored either way.
    pub fn from_bytes(b: &[u8; Self::SIZE]) -> Option<Self> {
        let tag = b[offset_of!(Self, tag)];
        (tag <= option_tag::SOME).then(|| Self {
            tag,
            fd: u32::from_le_bytes(get(b, offset_of!(Self, fd))),
        })
    }
}

/// `epoll_type`: the event bits of an [`EpollEvent`].
pub mod epoll_type {
    pub const IN: u32 = 1;
    pub const OUT: u32 = 2;
    pub const RDHUP: u32 = 4;
    pub const PRI: u32 = 8;
    pub const ERR: u32 = 16;
    pub const HUP: u32 = 32;
    /// Edge-triggered.
    pub const ET: u32 = 64;
    /// Reported once, then disabled until modified.
    pub const ONESHOT: u32 = 128;
    /// Every known bit.
    pub const ALL: u32 = 255;
}

/// `epoll_ctl`: the operations of `epoll_ctl`, as the header numbers them (ADD 0, MOD 1,
/// DEL 2) — and as wasix-libc's `epoll_ctl` passes them, unconverted from musl's Linux
/// numbers (ADD 1, DEL 2, MOD 3): [`LINUX_ADD`](epoll_ctl::LINUX_ADD) is the header's MOD.
pub mod epoll_ctl {
    pub const ADD: u32 = 0;
    pub const MOD: u32 = 1;
    pub const DEL: u32 = 2;
    /// musl's `EPOLL_CTL_ADD`, what wasix-libc passes (the header's MOD).
    pub const LINUX_ADD: u32 = 1;
    /// musl's `EPOLL_CTL_MOD`, what wasix-libc passes (no header value).
    pub const LINUX_MOD: u32 = 3;
}

/// `epoll_event` (32 bytes, align 8): event bits and the caller's `epoll_data` (24
/// bytes: `ptr` u32 @0, `fd` u32 @4, `data1` u32 @8, `data2` u64 @16), which the kernel
/// keeps and hands back untouched.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EpollEvent {
    /// [`epoll_type`] bits.
    pub events: u32,
    /// The `epoll_data` as stored.
    pub data: [u64; 3],
}

assert_layout!(EpollEvent, size 32, align 8 { events: 0, data: 8 });

impl EpollEvent {
    pub const SIZE: usize = size_of::<Self>();

    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut b = [0; Self::SIZE];
        put(&mut b, offset_of!(Self, events), self.events.to_le_bytes());
        for (i, d) in self.data.iter().enumerate() {
            put(&mut b, offset_of!(Self, data) + 8 * i, d.to_le_bytes());
        }
        b
    }

    /// Every bit pattern is a value (unknown event bits are the caller's to refuse).
    pub fn from_bytes(b: &[u8; Self::SIZE]) -> Self {
        let data = |i: usize| u64::from_le_bytes(get(b, offset_of!(Self, data) + 8 * i));
        Self {
            events: u32::from_le_bytes(get(b, offset_of!(Self, events))),
            data: [data(0), data(1), data(2)],
        }
    }
}

/// `option_pid` (8 bytes, align 4): a process id or nothing (`proc_join`'s in/out pid).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OptionPid {
    /// [`option_tag`].
    pub tag: u8,
    /// Meaningful only when `tag` is SOME.
    pub pid: u32,
}

assert_layout!(OptionPid, size 8, align 4 { tag: 0, pid: 4 });

impl OptionPid {
    pub const SIZE: usize = size_of::<Self>();
    /// No process (the pid field is 0).
    pub const NONE: Self = Self {
        tag: option_tag::NONE,
        pid: 0,
    };

    pub const fn some(pid: u32) -> Self {
        Self {
            tag: option_tag::SOME,
            pid,
        }
    }

    /// The pid, if the tag is SOME.
    pub const fn get(&self) -> Option<u32> {
        if self.tag == option_tag::SOME {
            Some(self.pid)
        } else {
            None
        }
    }

    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut b = [0; Self::SIZE];
        put(&mut b, offset_of!(Self, tag), [self.tag]);
        put(&mut b, offset_of!(Self, pid), self.pid.to_le_bytes());
        b
    }

    /// `None` for a tag other than NONE or SOME. The pid field is kept as stored either way.
    pub fn from_bytes(b: &[u8; Self::SIZE]) -> Option<Self> {
        let tag = b[offset_of!(Self, tag)];
        (tag <= option_tag::SOME).then(|| Self {
            tag,
            pid: u32::from_le_bytes(get(b, offset_of!(Self, pid))),
        })
    }
}

/// `process_handles` (28 bytes, align 4): what `proc_spawn` returns — the child's pid and
/// the parent's ends of the PIPED stdio streams.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProcessHandles {
    pub pid: u32,
    pub stdin: OptionFd,
    pub stdout: OptionFd,
    pub stderr: OptionFd,
}

assert_layout!(ProcessHandles, size 28, align 4 {
    pid: 0,
    stdin: 4,
    stdin.tag: 4,
    stdin.fd: 8,
    stdout: 12,
    stdout.fd: 16,
    stderr: 20,
    stderr.fd: 24,
});

impl ProcessHandles {
    pub const SIZE: usize = size_of::<Self>();

    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut b = [0; Self::SIZE];
        put(&mut b, offset_of!(Self, pid), self.pid.to_le_bytes());
        put(&mut b, offset_of!(Self, stdin), self.stdin.to_bytes());
        put(&mut b, offset_of!(Self, stdout), self.stdout.to_bytes());
        put(&mut b, offset_of!(Self, stderr), self.stderr.to_bytes());
        b
    }

    /// `None` if any of the three option tags is invalid.
    pub fn from_bytes(b: &[u8; Self::SIZE]) -> Option<Self> {
        Some(Self {
            pid: u32::from_le_bytes(get(b, offset_of!(Self, pid))),
            stdin: OptionFd::from_bytes(&get(b, offset_of!(Self, stdin)))?,
            stdout: OptionFd::from_bytes(&get(b, offset_of!(Self, stdout)))?,
            stderr: OptionFd::from_bytes(&get(b, offset_of!(Self, stderr)))?,
        })
    }
}

/// `join_status` (6 bytes, align 2): what `proc_join` reports.
///
/// In the header this is `{ tag: u8, u: union { nothing: u8, exit_normal: errno (u16),
/// exit_signal: { exit_code: errno (u16), signal: u8 }, stopped: signal (u8) } }` with the
/// union at offset 2. This struct spells out the largest member: `code` is
/// `exit_normal` / `exit_signal.exit_code`, `signal` is `exit_signal.signal`. The STOPPED
/// member's signal overlays the low byte of `code` (byte 2), which is what
/// [`JoinStatus::stopped`] and [`JoinStatus::stop_signal`] use.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JoinStatus {
    /// [`join_status_type`].
    pub tag: u8,
    _pad: u8,
    /// The exit code (EXIT_NORMAL, EXIT_SIGNAL), truncated to 16 bits.
    pub code: u16,
    /// The terminating signal (EXIT_SIGNAL).
    pub signal: u8,
    _pad2: u8,
}

assert_layout!(JoinStatus, size 6, align 2 { tag: 0, _pad: 1, code: 2, signal: 4, _pad2: 5 });

impl JoinStatus {
    pub const SIZE: usize = size_of::<Self>();

    const fn new(tag: u8, code: u16, signal: u8) -> Self {
        Self {
            tag,
            _pad: 0,
            code,
            signal,
            _pad2: 0,
        }
    }

    /// NOTHING: no child has ended (a non-blocking join).
    pub const fn nothing() -> Self {
        Self::new(join_status_type::NOTHING, 0, 0)
    }

    /// EXIT_NORMAL with exit code `code`.
    pub const fn exit_normal(code: u16) -> Self {
        Self::new(join_status_type::EXIT_NORMAL, code, 0)
    }

    /// EXIT_SIGNAL: killed by `signal`, reported with exit code `code`.
    pub const fn exit_signal(code: u16, signal: u8) -> Self {
        Self::new(join_status_type::EXIT_SIGNAL, code, signal)
    }

    /// STOPPED by `signal` (stored in byte 2, the union's first byte).
    pub const fn stopped(signal: u8) -> Self {
        Self::new(join_status_type::STOPPED, signal as u16, 0)
    }

    /// The stopping signal of a STOPPED status.
    pub const fn stop_signal(&self) -> Option<u8> {
        if self.tag == join_status_type::STOPPED {
            Some(self.code.to_le_bytes()[0])
        } else {
            None
        }
    }

    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut b = [0; Self::SIZE];
        put(&mut b, offset_of!(Self, tag), [self.tag]);
        put(&mut b, offset_of!(Self, code), self.code.to_le_bytes());
        put(&mut b, offset_of!(Self, signal), [self.signal]);
        b
    }

    /// `None` for an unknown tag. Padding bytes are ignored.
    pub fn from_bytes(b: &[u8; Self::SIZE]) -> Option<Self> {
        let tag = b[offset_of!(Self, tag)];
        (tag <= join_status_type::STOPPED).then(|| {
            Self::new(
                tag,
                u16::from_le_bytes(get(b, offset_of!(Self, code))),
                b[offset_of!(Self, signal)],
            )
        })
    }
}

/// `signal_disposition` (2 bytes, align 1): one entry of `proc_spawn2`'s signal list and of
/// `proc_signals_get`'s output.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SignalDisposition {
    pub sig: u8,
    /// [`disposition`].
    pub disp: u8,
}

assert_layout!(SignalDisposition, size 2, align 1 { sig: 0, disp: 1 });

impl SignalDisposition {
    pub const SIZE: usize = size_of::<Self>();

    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut b = [0; Self::SIZE];
        put(&mut b, offset_of!(Self, sig), [self.sig]);
        put(&mut b, offset_of!(Self, disp), [self.disp]);
        b
    }

    /// `None` for a signal above [`SIGNAL_MAX`] or an unknown disposition.
    pub fn from_bytes(b: &[u8; Self::SIZE]) -> Option<Self> {
        let (sig, disp) = (b[offset_of!(Self, sig)], b[offset_of!(Self, disp)]);
        (sig <= SIGNAL_MAX && disp <= disposition::IGNORE).then_some(Self { sig, disp })
    }
}

/// `proc_spawn_fd_op` (56 bytes, align 8): one posix_spawn file action of `proc_spawn2`.
/// Which fields matter depends on `cmd`: CLOSE uses `fd`; DUP2 `src_fd` → `fd`; OPEN `fd`,
/// the guest string `path`/`path_len`, `dirflags`, `oflags`, the rights and `fdflags`;
/// CHDIR the path; FCHDIR `fd`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProcSpawnFdOp {
    /// [`fd_op`].
    pub cmd: u8,
    pub fd: u32,
    pub src_fd: u32,
    /// Guest address of the path.
    pub path: u32,
    pub path_len: u32,
    /// preview1 `lookupflags`.
    pub dirflags: u32,
    /// preview1 `oflags`.
    pub oflags: u16,
    pub rights_base: u64,
    pub rights_inheriting: u64,
    /// preview1 `fdflags`.
    pub fdflags: u16,
    /// [`fdflagsext`].
    pub fdflagsext: u16,
}

assert_layout!(ProcSpawnFdOp, size 56, align 8 {
    cmd: 0,
    fd: 4,
    src_fd: 8,
    path: 12,
    path_len: 16,
    dirflags: 20,
    oflags: 24,
    rights_base: 32,
    rights_inheriting: 40,
    fdflags: 48,
    fdflagsext: 50,
});

impl ProcSpawnFdOp {
    pub const SIZE: usize = size_of::<Self>();

    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut b = [0; Self::SIZE];
        put(&mut b, offset_of!(Self, cmd), [self.cmd]);
        put(&mut b, offset_of!(Self, fd), self.fd.to_le_bytes());
        put(&mut b, offset_of!(Self, src_fd), self.src_fd.to_le_bytes());
        put(&mut b, offset_of!(Self, path), self.path.to_le_bytes());
        put(
            &mut b,
            offset_of!(Self, path_len),
            self.path_len.to_le_bytes(),
        );
        put(
            &mut b,
            offset_of!(Self, dirflags),
            self.dirflags.to_le_bytes(),
        );
        put(&mut b, offset_of!(Self, oflags), self.oflags.to_le_bytes());
        put(
            &mut b,
            offset_of!(Self, rights_base),
            self.rights_base.to_le_bytes(),
        );
        put(
            &mut b,
            offset_of!(Self, rights_inheriting),
            self.rights_inheriting.to_le_bytes(),
        );
        put(
            &mut b,
            offset_of!(Self, fdflags),
            self.fdflags.to_le_bytes(),
        );
        put(
            &mut b,
            offset_of!(Self, fdflagsext),
            self.fdflagsext.to_le_bytes(),
        );
        b
    }

    /// `None` for an unknown command. Flag fields are decoded as stored (not checked).
    pub fn from_bytes(b: &[u8; Self::SIZE]) -> Option<Self> {
        let cmd = b[offset_of!(Self, cmd)];
        (cmd <= fd_op::FCHDIR).then(|| Self {
            cmd,
            fd: u32::from_le_bytes(get(b, offset_of!(Self, fd))),
            src_fd: u32::from_le_bytes(get(b, offset_of!(Self, src_fd))),
            path: u32::from_le_bytes(get(b, offset_of!(Self, path))),
            path_len: u32::from_le_bytes(get(b, offset_of!(Self, path_len))),
            dirflags: u32::from_le_bytes(get(b, offset_of!(Self, dirflags))),
            oflags: u16::from_le_bytes(get(b, offset_of!(Self, oflags))),
            rights_base: u64::from_le_bytes(get(b, offset_of!(Self, rights_base))),
            rights_inheriting: u64::from_le_bytes(get(b, offset_of!(Self, rights_inheriting))),
            fdflags: u16::from_le_bytes(get(b, offset_of!(Self, fdflags))),
            fdflagsext: u16::from_le_bytes(get(b, offset_of!(Self, fdflagsext))),
        })
    }
}

/// `tty` (24 bytes, align 4): the terminal description of `tty_get` / `tty_set`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tty {
    pub cols: u32,
    pub rows: u32,
    pub width: u32,
    pub height: u32,
    pub stdin_tty: bool,
    pub stdout_tty: bool,
    pub stderr_tty: bool,
    pub echo: bool,
    pub line_buffered: bool,
    pub line_feeds: bool,
}

assert_layout!(Tty, size 24, align 4 {
    cols: 0,
    rows: 4,
    width: 8,
    height: 12,
    stdin_tty: 16,
    stdout_tty: 17,
    stderr_tty: 18,
    echo: 19,
    line_buffered: 20,
    line_feeds: 21,
});

impl Tty {
    pub const SIZE: usize = size_of::<Self>();

    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut b = [0; Self::SIZE];
        put(&mut b, offset_of!(Self, cols), self.cols.to_le_bytes());
        put(&mut b, offset_of!(Self, rows), self.rows.to_le_bytes());
        put(&mut b, offset_of!(Self, width), self.width.to_le_bytes());
        put(&mut b, offset_of!(Self, height), self.height.to_le_bytes());
        put(
            &mut b,
            offset_of!(Self, stdin_tty),
            [u8::from(self.stdin_tty)],
        );
        put(
            &mut b,
            offset_of!(Self, stdout_tty),
            [u8::from(self.stdout_tty)],
        );
        put(
            &mut b,
            offset_of!(Self, stderr_tty),
            [u8::from(self.stderr_tty)],
        );
        put(&mut b, offset_of!(Self, echo), [u8::from(self.echo)]);
        put(
            &mut b,
            offset_of!(Self, line_buffered),
            [u8::from(self.line_buffered)],
        );
        put(
            &mut b,
            offset_of!(Self, line_feeds),
            [u8::from(self.line_feeds)],
        );
        b
    }

    /// `None` if any boolean byte is neither 0 nor 1.
    pub fn from_bytes(b: &[u8; Self::SIZE]) -> Option<Self> {
        Some(Self {
            cols: u32::from_le_bytes(get(b, offset_of!(Self, cols))),
            rows: u32::from_le_bytes(get(b, offset_of!(Self, rows))),
            width: u32::from_le_bytes(get(b, offset_of!(Self, width))),
            height: u32::from_le_bytes(get(b, offset_of!(Self, height))),
            stdin_tty: flag(b[offset_of!(Self, stdin_tty)])?,
            stdout_tty: flag(b[offset_of!(Self, stdout_tty)])?,
            stderr_tty: flag(b[offset_of!(Self, stderr_tty)])?,
            echo: flag(b[offset_of!(Self, echo)])?,
            line_buffered: flag(b[offset_of!(Self, line_buffered)])?,
            line_feeds: flag(b[offset_of!(Self, line_feeds)])?,
        })
    }
}

/// preview1 `filestat` (64 bytes, align 8): `fd_filestat_get`, `path_filestat_get`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Filestat {
    pub dev: u64,
    pub ino: u64,
    /// preview1 `filetype` (0..=[`FILETYPE_MAX`]).
    pub filetype: u8,
    pub nlink: u64,
    pub size: u64,
    /// Timestamps in nanoseconds since the epoch.
    pub atim: u64,
    pub mtim: u64,
    pub ctim: u64,
}

assert_layout!(Filestat, size 64, align 8 {
    dev: 0,
    ino: 8,
    filetype: 16,
    nlink: 24,
    size: 32,
    atim: 40,
    mtim: 48,
    ctim: 56,
});

impl Filestat {
    pub const SIZE: usize = size_of::<Self>();

    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut b = [0; Self::SIZE];
        put(&mut b, offset_of!(Self, dev), self.dev.to_le_bytes());
        put(&mut b, offset_of!(Self, ino), self.ino.to_le_bytes());
        put(&mut b, offset_of!(Self, filetype), [self.filetype]);
        put(&mut b, offset_of!(Self, nlink), self.nlink.to_le_bytes());
        put(&mut b, offset_of!(Self, size), self.size.to_le_bytes());
        put(&mut b, offset_of!(Self, atim), self.atim.to_le_bytes());
        put(&mut b, offset_of!(Self, mtim), self.mtim.to_le_bytes());
        put(&mut b, offset_of!(Self, ctim), self.ctim.to_le_bytes());
        b
    }

    /// `None` for an unknown filetype.
    pub fn from_bytes(b: &[u8; Self::SIZE]) -> Option<Self> {
        let filetype = b[offset_of!(Self, filetype)];
        (filetype <= FILETYPE_MAX).then(|| Self {
            dev: u64::from_le_bytes(get(b, offset_of!(Self, dev))),
            ino: u64::from_le_bytes(get(b, offset_of!(Self, ino))),
            filetype,
            nlink: u64::from_le_bytes(get(b, offset_of!(Self, nlink))),
            size: u64::from_le_bytes(get(b, offset_of!(Self, size))),
            atim: u64::from_le_bytes(get(b, offset_of!(Self, atim))),
            mtim: u64::from_le_bytes(get(b, offset_of!(Self, mtim))),
            ctim: u64::from_le_bytes(get(b, offset_of!(Self, ctim))),
        })
    }
}

/// `wasi_unstable` (snapshot 0) `filestat`: the preview1 fields with a 32-bit `nlink`
/// (so 56 bytes, not 64).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FilestatUnstable {
    pub dev: u64,
    pub ino: u64,
    pub filetype: u8,
    pub nlink: u32,
    pub size: u64,
    pub atim: u64,
    pub mtim: u64,
    pub ctim: u64,
}

assert_layout!(FilestatUnstable, size 56, align 8 {
    dev: 0,
    ino: 8,
    filetype: 16,
    nlink: 20,
    size: 24,
    atim: 32,
    mtim: 40,
    ctim: 48,
});

impl FilestatUnstable {
    pub const SIZE: usize = size_of::<Self>();

    /// The snapshot-0 form of a preview1 filestat; `None` when the link count does not
    /// fit in 32 bits.
    pub fn from_preview1(s: &Filestat) -> Option<Self> {
        Some(Self {
            dev: s.dev,
            ino: s.ino,
            filetype: s.filetype,
            nlink: u32::try_from(s.nlink).ok()?,
            size: s.size,
            atim: s.atim,
            mtim: s.mtim,
            ctim: s.ctim,
        })
    }

    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut b = [0; Self::SIZE];
        put(&mut b, offset_of!(Self, dev), self.dev.to_le_bytes());
        put(&mut b, offset_of!(Self, ino), self.ino.to_le_bytes());
        put(&mut b, offset_of!(Self, filetype), [self.filetype]);
        put(&mut b, offset_of!(Self, nlink), self.nlink.to_le_bytes());
        put(&mut b, offset_of!(Self, size), self.size.to_le_bytes());
        put(&mut b, offset_of!(Self, atim), self.atim.to_le_bytes());
        put(&mut b, offset_of!(Self, mtim), self.mtim.to_le_bytes());
        put(&mut b, offset_of!(Self, ctim), self.ctim.to_le_bytes());
        b
    }

    pub fn from_bytes(b: &[u8; Self::SIZE]) -> Option<Self> {
        Some(Self {
            dev: u64::from_le_bytes(get(b, offset_of!(Self, dev))),
            ino: u64::from_le_bytes(get(b, offset_of!(Self, ino))),
            filetype: (b[offset_of!(Self, filetype)] <= FILETYPE_MAX)
                .then_some(b[offset_of!(Self, filetype)])?,
            nlink: u32::from_le_bytes(get(b, offset_of!(Self, nlink))),
            size: u64::from_le_bytes(get(b, offset_of!(Self, size))),
            atim: u64::from_le_bytes(get(b, offset_of!(Self, atim))),
            mtim: u64::from_le_bytes(get(b, offset_of!(Self, mtim))),
            ctim: u64::from_le_bytes(get(b, offset_of!(Self, ctim))),
        })
    }
}

/// preview1 `fdstat` (24 bytes, align 8): `fd_fdstat_get`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Fdstat {
    /// preview1 `filetype` (0..=[`FILETYPE_MAX`]).
    pub filetype: u8,
    /// preview1 `fdflags`.
    pub flags: u16,
    pub rights_base: u64,
    pub rights_inheriting: u64,
}

assert_layout!(Fdstat, size 24, align 8 {
    filetype: 0,
    flags: 2,
    rights_base: 8,
    rights_inheriting: 16,
});

impl Fdstat {
    pub const SIZE: usize = size_of::<Self>();

    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut b = [0; Self::SIZE];
        put(&mut b, offset_of!(Self, filetype), [self.filetype]);
        put(&mut b, offset_of!(Self, flags), self.flags.to_le_bytes());
        put(
            &mut b,
            offset_of!(Self, rights_base),
            self.rights_base.to_le_bytes(),
        );
        put(
            &mut b,
            offset_of!(Self, rights_inheriting),
            self.rights_inheriting.to_le_bytes(),
        );
        b
    }

    /// `None` for an unknown filetype.
    pub fn from_bytes(b: &[u8; Self::SIZE]) -> Option<Self> {
        let filetype = b[offset_of!(Self, filetype)];
        (filetype <= FILETYPE_MAX).then(|| Self {
            filetype,
            flags: u16::from_le_bytes(get(b, offset_of!(Self, flags))),
            rights_base: u64::from_le_bytes(get(b, offset_of!(Self, rights_base))),
            rights_inheriting: u64::from_le_bytes(get(b, offset_of!(Self, rights_inheriting))),
        })
    }
}

/// preview1 `prestat` (8 bytes, align 4): `fd_prestat_get`. Its only member is
/// `prestat_dir { pr_name_len }`, at offset 4.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Prestat {
    /// [`preopentype`] (only DIR exists).
    pub tag: u8,
    /// Length of the preopen's name, without a NUL.
    pub name_len: u32,
}

assert_layout!(Prestat, size 8, align 4 { tag: 0, name_len: 4 });

impl Prestat {
    pub const SIZE: usize = size_of::<Self>();

    /// A directory preopen whose name is `name_len` bytes long.
    pub const fn dir(name_len: u32) -> Self {
        Self {
            tag: preopentype::DIR,
            name_len,
        }
    }

    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut b = [0; Self::SIZE];
        put(&mut b, offset_of!(Self, tag), [self.tag]);
        put(
            &mut b,
            offset_of!(Self, name_len),
            self.name_len.to_le_bytes(),
        );
        b
    }

    /// `None` for a tag other than DIR.
    pub fn from_bytes(b: &[u8; Self::SIZE]) -> Option<Self> {
        let tag = b[offset_of!(Self, tag)];
        (tag == preopentype::DIR).then(|| Self {
            tag,
            name_len: u32::from_le_bytes(get(b, offset_of!(Self, name_len))),
        })
    }
}

/// preview1 `dirent` (24 bytes, align 8): the header before each name in `fd_readdir`'s
/// buffer.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Dirent {
    /// Cookie of the next entry.
    pub d_next: u64,
    pub d_ino: u64,
    /// Length of the name that follows.
    pub d_namlen: u32,
    /// preview1 `filetype` (0..=[`FILETYPE_MAX`]).
    pub d_type: u8,
}

assert_layout!(Dirent, size 24, align 8 { d_next: 0, d_ino: 8, d_namlen: 16, d_type: 20 });

impl Dirent {
    pub const SIZE: usize = size_of::<Self>();

    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut b = [0; Self::SIZE];
        put(&mut b, offset_of!(Self, d_next), self.d_next.to_le_bytes());
        put(&mut b, offset_of!(Self, d_ino), self.d_ino.to_le_bytes());
        put(
            &mut b,
            offset_of!(Self, d_namlen),
            self.d_namlen.to_le_bytes(),
        );
        put(&mut b, offset_of!(Self, d_type), [self.d_type]);
        b
    }

    /// `None` for an unknown filetype.
    pub fn from_bytes(b: &[u8; Self::SIZE]) -> Option<Self> {
        let d_type = b[offset_of!(Self, d_type)];
        (d_type <= FILETYPE_MAX).then(|| Self {
            d_next: u64::from_le_bytes(get(b, offset_of!(Self, d_next))),
            d_ino: u64::from_le_bytes(get(b, offset_of!(Self, d_ino))),
            d_namlen: u32::from_le_bytes(get(b, offset_of!(Self, d_namlen))),
            d_type,
        })
    }
}

/// preview1 `event` (32 bytes, align 8): one result of `poll_oneoff`. `nbytes` and
/// `flags` are the `event_fd_readwrite` member (bytes available or free; `flags` bit 0 is
/// `fd_readwrite_hangup`), zero for clock events.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Event {
    pub userdata: u64,
    /// An errno value.
    pub error: u16,
    /// [`eventtype`] (`type` in the header).
    pub type_: u8,
    pub nbytes: u64,
    /// preview1 `eventrwflags`.
    pub flags: u16,
}

assert_layout!(Event, size 32, align 8 {
    userdata: 0,
    error: 8,
    type_: 10,
    nbytes: 16,
    flags: 24,
});

impl Event {
    pub const SIZE: usize = size_of::<Self>();

    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut b = [0; Self::SIZE];
        put(
            &mut b,
            offset_of!(Self, userdata),
            self.userdata.to_le_bytes(),
        );
        put(&mut b, offset_of!(Self, error), self.error.to_le_bytes());
        put(&mut b, offset_of!(Self, type_), [self.type_]);
        put(&mut b, offset_of!(Self, nbytes), self.nbytes.to_le_bytes());
        put(&mut b, offset_of!(Self, flags), self.flags.to_le_bytes());
        b
    }

    /// `None` for an unknown event type.
    pub fn from_bytes(b: &[u8; Self::SIZE]) -> Option<Self> {
        let type_ = b[offset_of!(Self, type_)];
        (type_ <= eventtype::FD_WRITE).then(|| Self {
            userdata: u64::from_le_bytes(get(b, offset_of!(Self, userdata))),
            error: u16::from_le_bytes(get(b, offset_of!(Self, error))),
            type_,
            nbytes: u64::from_le_bytes(get(b, offset_of!(Self, nbytes))),
            flags: u16::from_le_bytes(get(b, offset_of!(Self, flags))),
        })
    }
}

/// preview1 `subscription_clock` (32 bytes, align 8): the CLOCK member of a
/// [`Subscription`]'s union.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SubscriptionClock {
    /// preview1 `clockid`.
    pub id: u32,
    /// Nanoseconds: relative, or absolute with `flags` bit 0 (`subscription_clock_abstime`).
    pub timeout: u64,
    pub precision: u64,
    /// preview1 `subclockflags`.
    pub flags: u16,
}

assert_layout!(SubscriptionClock, size 32, align 8 { id: 0, timeout: 8, precision: 16, flags: 24 });

/// preview1 `subscription` (48 bytes, align 8): one input of `poll_oneoff`.
///
/// The header's `u` is a union at offset 16 of `subscription_clock` (the CLOCK tag) and
/// `subscription_fd_readwrite { fd: u32 }` (FD_READ, FD_WRITE). This struct holds the
/// larger, clock member; the fd member overlays its `id` (byte 16), which is what
/// [`Subscription::fd_read`], [`Subscription::fd_write`] and [`Subscription::fd`] use.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Subscription {
    pub userdata: u64,
    /// [`eventtype`].
    pub tag: u8,
    /// The union; for FD_READ / FD_WRITE only `u.id` (the fd) is meaningful.
    pub u: SubscriptionClock,
}

assert_layout!(Subscription, size 48, align 8 {
    userdata: 0,
    tag: 8,
    u: 16,
    u.id: 16,
    u.timeout: 24,
    u.precision: 32,
    u.flags: 40,
});

impl Subscription {
    pub const SIZE: usize = size_of::<Self>();

    pub const fn clock(userdata: u64, clock: SubscriptionClock) -> Self {
        Self {
            userdata,
            tag: eventtype::CLOCK,
            u: clock,
        }
    }

    pub const fn fd_read(userdata: u64, fd: u32) -> Self {
        Self::on_fd(userdata, eventtype::FD_READ, fd)
    }

    pub const fn fd_write(userdata: u64, fd: u32) -> Self {
        Self::on_fd(userdata, eventtype::FD_WRITE, fd)
    }

    const fn on_fd(userdata: u64, tag: u8, fd: u32) -> Self {
        Self {
            userdata,
            tag,
            u: SubscriptionClock {
                id: fd,
                timeout: 0,
                precision: 0,
                flags: 0,
            },
        }
    }

    /// The descriptor of an FD_READ / FD_WRITE subscription.
    pub const fn fd(&self) -> Option<u32> {
        match self.tag {
            eventtype::FD_READ | eventtype::FD_WRITE => Some(self.u.id),
            _ => None,
        }
    }

    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut b = [0; Self::SIZE];
        put(
            &mut b,
            offset_of!(Self, userdata),
            self.userdata.to_le_bytes(),
        );
        put(&mut b, offset_of!(Self, tag), [self.tag]);
        put(&mut b, offset_of!(Self, u.id), self.u.id.to_le_bytes());
        put(
            &mut b,
            offset_of!(Self, u.timeout),
            self.u.timeout.to_le_bytes(),
        );
        put(
            &mut b,
            offset_of!(Self, u.precision),
            self.u.precision.to_le_bytes(),
        );
        put(
            &mut b,
            offset_of!(Self, u.flags),
            self.u.flags.to_le_bytes(),
        );
        b
    }

    /// `None` for an unknown tag. Only the union member the tag selects is read; for
    /// FD_READ / FD_WRITE the clock fields come back as zero.
    pub fn from_bytes(b: &[u8; Self::SIZE]) -> Option<Self> {
        let userdata = u64::from_le_bytes(get(b, offset_of!(Self, userdata)));
        let id = u32::from_le_bytes(get(b, offset_of!(Self, u.id)));
        match b[offset_of!(Self, tag)] {
            eventtype::CLOCK => Some(Self::clock(
                userdata,
                SubscriptionClock {
                    id,
                    timeout: u64::from_le_bytes(get(b, offset_of!(Self, u.timeout))),
                    precision: u64::from_le_bytes(get(b, offset_of!(Self, u.precision))),
                    flags: u16::from_le_bytes(get(b, offset_of!(Self, u.flags))),
                },
            )),
            tag @ (eventtype::FD_READ | eventtype::FD_WRITE) => {
                Some(Self::on_fd(userdata, tag, id))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Encodes `$v`, checks the bytes against `$image`, and decodes them back to `$v`.
    macro_rules! check {
        ($ty:ident, $v:expr, $image:expr) => {{
            let v: $ty = $v;
            let image: [u8; $ty::SIZE] = $image;
            assert_eq!(v.to_bytes(), image, "{} encoding", stringify!($ty));
            assert_eq!(
                $ty::from_bytes(&image),
                Some(v),
                "{} decoding",
                stringify!($ty)
            );
        }};
    }

    #[test]
    fn option_fd_and_pid() {
        check!(
            OptionFd,
            OptionFd::some(0x0403_0201),
            [1, 0, 0, 0, 1, 2, 3, 4]
        );
        check!(OptionFd, OptionFd::NONE, [0; 8]);
        check!(OptionPid, OptionPid::some(7), [1, 0, 0, 0, 7, 0, 0, 0]);
        assert_eq!(OptionPid::some(7).get(), Some(7));
        assert_eq!(OptionFd::NONE.get(), None);
        // A None keeps whatever fd was stored (the runtime writes u32::MAX there).
        let none = OptionFd::from_bytes(&[0, 9, 9, 9, 0xff, 0xff, 0xff, 0xff]).unwrap();
        assert_eq!((none.get(), none.fd), (None, u32::MAX));
        assert_eq!(OptionFd::from_bytes(&[2, 0, 0, 0, 0, 0, 0, 0]), None);
        assert_eq!(OptionPid::from_bytes(&[0xff; 8]), None);
    }

    #[test]
    fn filestat_unstable() {
        let v = FilestatUnstable {
            dev: 1,
            ino: 2,
            filetype: 4,
            nlink: 3,
            size: 5,
            atim: 6,
            mtim: 7,
            ctim: 8,
        };
        let mut image = [0u8; 56];
        for (at, x) in [(0, 1u64), (8, 2), (24, 5), (32, 6), (40, 7), (48, 8)] {
            image[at..at + 8].copy_from_slice(&x.to_le_bytes());
        }
        image[16] = 4;
        image[20] = 3;
        check!(FilestatUnstable, v, image);
        let big = Filestat {
            nlink: 1 << 32,
            ..Filestat::default()
        };
        assert_eq!(FilestatUnstable::from_preview1(&big), None);
    }

    #[test]
    fn process_handles() {
        let h = ProcessHandles {
            pid: 0x11,
            stdin: OptionFd::some(3),
            stdout: OptionFd::NONE,
            stderr: OptionFd::some(0x0102),
        };
        let image = [
            0x11, 0, 0, 0, // pid
            1, 0, 0, 0, 3, 0, 0, 0, // stdin
            0, 0, 0, 0, 0, 0, 0, 0, // stdout
            1, 0, 0, 0, 2, 1, 0, 0, // stderr
        ];
        check!(ProcessHandles, h, image);
        let mut bad = image;
        bad[12] = 5;
        assert_eq!(ProcessHandles::from_bytes(&bad), None);
    }

    #[test]
    fn join_status() {
        check!(JoinStatus, JoinStatus::nothing(), [0; 6]);
        check!(
            JoinStatus,
            JoinStatus::exit_normal(0x0102),
            [1, 0, 2, 1, 0, 0]
        );
        check!(
            JoinStatus,
            JoinStatus::exit_signal(137, 9),
            [2, 0, 137, 0, 9, 0]
        );
        check!(JoinStatus, JoinStatus::stopped(18), [3, 0, 18, 0, 0, 0]);
        assert_eq!(JoinStatus::stopped(18).stop_signal(), Some(18));
        assert_eq!(JoinStatus::exit_signal(137, 9).stop_signal(), None);
        // Padding is ignored on input and written as zero.
        let padded = JoinStatus::from_bytes(&[1, 0xaa, 5, 0, 0, 0xbb]).unwrap();
        assert_eq!(padded, JoinStatus::exit_normal(5));
        assert_eq!(padded.to_bytes(), [1, 0, 5, 0, 0, 0]);
        assert_eq!(JoinStatus::from_bytes(&[4, 0, 0, 0, 0, 0]), None);
    }

    #[test]
    fn signal_disposition() {
        let d = SignalDisposition {
            sig: 13,
            disp: disposition::IGNORE,
        };
        check!(SignalDisposition, d, [13, 1]);
        check!(SignalDisposition, SignalDisposition::default(), [0, 0]);
        assert_eq!(SignalDisposition::from_bytes(&[13, 2]), None);
        assert_eq!(SignalDisposition::from_bytes(&[31, 0]), None);
    }

    #[test]
    fn proc_spawn_fd_op() {
        let op = ProcSpawnFdOp {
            cmd: fd_op::OPEN,
            fd: 1,
            src_fd: 2,
            path: 0x1000,
            path_len: 5,
            dirflags: 1,
            oflags: 0x9,
            rights_base: 0x0102_0304_0506_0708,
            rights_inheriting: 0xffff_ffff_ffff_ffff,
            fdflags: 4,
            fdflagsext: fdflagsext::CLOEXEC,
        };
        let mut image = [0u8; 56];
        image[0] = 2;
        image[4] = 1;
        image[8] = 2;
        image[12..16].copy_from_slice(&[0, 0x10, 0, 0]);
        image[16] = 5;
        image[20] = 1;
        image[24] = 9;
        image[32..40].copy_from_slice(&[8, 7, 6, 5, 4, 3, 2, 1]);
        image[40..48].copy_from_slice(&[0xff; 8]);
        image[48] = 4;
        image[50] = 1;
        check!(ProcSpawnFdOp, op, image);
        let close = ProcSpawnFdOp {
            cmd: fd_op::CLOSE,
            fd: 7,
            ..Default::default()
        };
        let mut close_image = [0u8; 56];
        close_image[4] = 7;
        check!(ProcSpawnFdOp, close, close_image);
        image[0] = 5;
        assert_eq!(ProcSpawnFdOp::from_bytes(&image), None);
    }

    #[test]
    fn tty() {
        let t = Tty {
            cols: 80,
            rows: 25,
            width: 800,
            height: 600,
            stdin_tty: true,
            stdout_tty: false,
            stderr_tty: true,
            echo: true,
            line_buffered: false,
            line_feeds: true,
        };
        let image = [
            80, 0, 0, 0, 25, 0, 0, 0, 0x20, 3, 0, 0, 0x58, 2, 0, 0, // sizes
            1, 0, 1, 1, 0, 1, 0, 0, // flags and tail padding
        ];
        check!(Tty, t, image);
        let mut bad = image;
        bad[19] = 2;
        assert_eq!(Tty::from_bytes(&bad), None);
    }

    #[test]
    fn filestat() {
        let s = Filestat {
            dev: 1,
            ino: 2,
            filetype: 4,
            nlink: 3,
            size: 0x0102,
            atim: 5,
            mtim: 6,
            ctim: 7,
        };
        let mut image = [0u8; 64];
        for (at, v) in [
            (0, 1),
            (8, 2),
            (16, 4),
            (24, 3),
            (32, 2),
            (33, 1),
            (40, 5),
            (48, 6),
            (56, 7),
        ] {
            image[at] = v;
        }
        check!(Filestat, s, image);
        image[16] = 8;
        assert_eq!(Filestat::from_bytes(&image), None);
    }

    #[test]
    fn fdstat() {
        let s = Fdstat {
            filetype: 3,
            flags: 0x0105,
            rights_base: 0x1fff_ffff,
            rights_inheriting: 2,
        };
        let mut image = [0u8; 24];
        image[0] = 3;
        image[2..4].copy_from_slice(&[5, 1]);
        image[8..12].copy_from_slice(&[0xff, 0xff, 0xff, 0x1f]);
        image[16] = 2;
        check!(Fdstat, s, image);
        image[0] = 0xff;
        assert_eq!(Fdstat::from_bytes(&image), None);
    }

    #[test]
    fn prestat() {
        check!(Prestat, Prestat::dir(0x0201), [0, 0, 0, 0, 1, 2, 0, 0]);
        assert_eq!(Prestat::from_bytes(&[1, 0, 0, 0, 1, 0, 0, 0]), None);
    }

    #[test]
    fn dirent() {
        let d = Dirent {
            d_next: 0x0102,
            d_ino: 9,
            d_namlen: 4,
            d_type: 7,
        };
        let mut image = [0u8; 24];
        image[0..2].copy_from_slice(&[2, 1]);
        image[8] = 9;
        image[16] = 4;
        image[20] = 7;
        check!(Dirent, d, image);
        image[20] = 8;
        assert_eq!(Dirent::from_bytes(&image), None);
    }

    #[test]
    fn event() {
        let e = Event {
            userdata: 0xdead_beef,
            error: 6,
            type_: eventtype::FD_READ,
            nbytes: 4096,
            flags: 1,
        };
        let mut image = [0u8; 32];
        image[0..4].copy_from_slice(&[0xef, 0xbe, 0xad, 0xde]);
        image[8] = 6;
        image[10] = 1;
        image[16..18].copy_from_slice(&[0, 0x10]);
        image[24] = 1;
        check!(Event, e, image);
        image[10] = 3;
        assert_eq!(Event::from_bytes(&image), None);
    }

    #[test]
    fn subscription() {
        let clock = Subscription::clock(
            42,
            SubscriptionClock {
                id: 1,
                timeout: 1_000_000,
                precision: 5,
                flags: 1,
            },
        );
        let mut image = [0u8; 48];
        image[0] = 42;
        image[8] = 0;
        image[16] = 1;
        image[24..28].copy_from_slice(&1_000_000u32.to_le_bytes());
        image[32] = 5;
        image[40] = 1;
        check!(Subscription, clock, image);
        assert_eq!(clock.fd(), None);

        let read = Subscription::fd_read(7, 0x0302);
        let mut image = [0u8; 48];
        image[0] = 7;
        image[8] = 1;
        image[16..18].copy_from_slice(&[2, 3]);
        check!(Subscription, read, image);
        assert_eq!(read.fd(), Some(0x0302));
        // Bytes past the fd member are not part of an fd subscription.
        image[8] = 2;
        image[24..48].fill(0xcc);
        assert_eq!(
            Subscription::from_bytes(&image),
            Some(Subscription::fd_write(7, 0x0302))
        );
        image[8] = 3;
        assert_eq!(Subscription::from_bytes(&image), None);
    }

    #[test]
    fn constants() {
        assert_eq!(
            [
                stdio_mode::PIPED,
                stdio_mode::INHERIT,
                stdio_mode::NULL,
                stdio_mode::LOG
            ],
            [0, 1, 2, 3]
        );
        assert_eq!([join_flags::NON_BLOCKING, join_flags::WAKE_STOPPED], [1, 2]);
        assert_eq!(
            [
                fd_op::CLOSE,
                fd_op::DUP2,
                fd_op::OPEN,
                fd_op::CHDIR,
                fd_op::FCHDIR
            ],
            [0, 1, 2, 3, 4]
        );
        assert_eq!(fdflagsext::CLOEXEC, 1);
        assert_eq!([disposition::DEFAULT, disposition::IGNORE], [0, 1]);
    }
}
