//! WASIX and WASI preview1 structures as they lie in guest memory (wasm32: little-endian,
//! 4-byte pointers and lengths).
//!
//! Each type is declared once, as a field list with offsets ([`guest_struct!`](crate::layout)), which
//! generates a `#[repr(C)]` plain-data struct whose size, alignment and every field
//! offset are asserted at compile time against the numbers in the wasix-libc headers
//! (`wasi/api.h` and `wasi/api_wasix.h`, whose `_Static_assert(sizeof / _Alignof /
//! offsetof ...)` lines are generated from the witx definitions). Where a header type is a
//! tagged union the struct spells out one member in full and documents how the others
//! overlay it (see [`JoinStatus`] and [`Subscription`]), since reading a Rust `union` needs
//! `unsafe`.
//!
//! The generated `to_bytes` / `write_to` / `from_bytes` encode and decode one value field
//! by field, little-endian, at those offsets; padding is written as zero and ignored when read. `from_bytes`
//! returns `None` when a tag, enum or boolean byte holds a value the ABI does not define.

use crate::layout::guest_struct;

/// The import module of the WASIX calls.
pub const WASIX_MODULE: &str = "wasix_32v1";

/// Highest WASI/WASIX signal number (`sys`, 30); 0 is "no signal".
pub const SIGNAL_MAX: u8 = signal::MAX;

/// Signal numbers (WASIX numbering) and their default actions.
pub mod signal {
    pub const HUP: u8 = 1;
    pub const INT: u8 = 2;
    pub const QUIT: u8 = 3;
    pub const ILL: u8 = 4;
    pub const TRAP: u8 = 5;
    pub const ABRT: u8 = 6;
    pub const BUS: u8 = 7;
    pub const FPE: u8 = 8;
    pub const KILL: u8 = 9;
    pub const USR1: u8 = 10;
    pub const SEGV: u8 = 11;
    pub const USR2: u8 = 12;
    pub const PIPE: u8 = 13;
    pub const ALRM: u8 = 14;
    pub const TERM: u8 = 15;
    pub const CHLD: u8 = 16;
    pub const CONT: u8 = 17;
    pub const STOP: u8 = 18;
    pub const TSTP: u8 = 19;
    pub const TTIN: u8 = 20;
    pub const TTOU: u8 = 21;
    pub const URG: u8 = 22;
    pub const XCPU: u8 = 23;
    pub const XFSZ: u8 = 24;
    pub const VTALRM: u8 = 25;
    pub const PROF: u8 = 26;
    pub const WINCH: u8 = 27;
    pub const POLL: u8 = 28;
    pub const PWR: u8 = 29;
    pub const SYS: u8 = 30;
    /// Highest signal number.
    pub const MAX: u8 = SYS;

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

    /// True when the default action is to do nothing (CHLD, CONT, URG, WINCH). CONT
    /// also continues a stopped process, whatever its disposition.
    pub fn ignored_by_default(sig: u8) -> bool {
        matches!(sig, CHLD | CONT | URG | WINCH)
    }

    /// True when the default action is to stop the process (STOP, TSTP, TTIN, TTOU).
    pub fn stops_by_default(sig: u8) -> bool {
        matches!(sig, STOP..=TTOU)
    }

    /// True when the default action is to end the process: neither ignored nor stopping.
    pub fn terminates_by_default(sig: u8) -> bool {
        sig != 0 && !ignored_by_default(sig) && !stops_by_default(sig)
    }

    /// The stop signals as a set (bit n = signal n).
    pub const STOPS: u64 = 1 << STOP | 1 << TSTP | 1 << TTIN | 1 << TTOU;
}

/// The import module of this kernel's own job-control extension (process groups and the
/// console's foreground group), which WASIX lacks: see docs/WASIX.md, "Job control".
pub const JOBS_MODULE: &str = "wasmkernel_jobs_v1";

/// The extension's calls (each returns an errno):
/// - `proc_setpgid(pid: u32, pgid: u32)`: moves `pid` (0: the caller; else the caller
///   or one of its live children) into group `pgid` (0: a new group numbered `pid`).
///   The group must be `pid` itself or an existing group (PERM otherwise); SRCH for
///   no such process.
/// - `proc_getpgid(pid: u32, ret: *mut u32)`: the group of `pid` (0: the caller).
/// - `tty_setpgrp(pgid: u32)`: makes `pgid` (a group with a live member) the console's
///   foreground group; the caller needs the console on fd 0, 1 or 2 (NOTTY).
/// - `tty_getpgrp(ret: *mut u32)`: the foreground group, 0 when none was ever set.
pub mod jobs {
    pub const PROC_SETPGID: &str = "proc_setpgid";
    pub const PROC_GETPGID: &str = "proc_getpgid";
    pub const TTY_SETPGRP: &str = "tty_setpgrp";
    pub const TTY_GETPGRP: &str = "tty_getpgrp";
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
    pub const FD_FILESTAT_GET: u64 = 1 << 21;
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
pub const FILETYPE_MAX: u8 = filetype::SYMBOLIC_LINK;

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
    /// Every known bit.
    pub const ALL: u16 = CREAT | DIRECTORY | EXCL | TRUNC;
}

/// preview1 `fstflags` (`fd_filestat_set_times`, `path_filestat_set_times`).
pub mod fstflags {
    pub const ATIM: u16 = 1;
    pub const ATIM_NOW: u16 = 2;
    pub const MTIM: u16 = 4;
    pub const MTIM_NOW: u16 = 8;
    /// Every known bit.
    pub const ALL: u16 = ATIM | ATIM_NOW | MTIM | MTIM_NOW;
}

/// preview1 `preopentype`: the tag of a [`Prestat`].
pub mod preopentype {
    pub const DIR: u8 = 0;
}

/// preview1 `filetype`.
pub mod filetype {
    pub const UNKNOWN: u8 = 0;
    pub const BLOCK_DEVICE: u8 = 1;
    pub const CHARACTER_DEVICE: u8 = 2;
    pub const DIRECTORY: u8 = 3;
    pub const REGULAR_FILE: u8 = 4;
    pub const SOCKET_DGRAM: u8 = 5;
    pub const SOCKET_STREAM: u8 = 6;
    pub const SYMBOLIC_LINK: u8 = 7;
}

/// preview1 `clockid` (an i32 argument of the clock calls and in a
/// [`SubscriptionClock`]).
pub mod clockid {
    pub const REALTIME: i32 = 0;
    pub const MONOTONIC: i32 = 1;
    pub const PROCESS_CPUTIME_ID: i32 = 2;
    pub const THREAD_CPUTIME_ID: i32 = 3;
}

/// preview1 `whence` (`fd_seek`).
pub mod whence {
    pub const SET: i32 = 0;
    pub const CUR: i32 = 1;
    pub const END: i32 = 2;

    /// The `wasi_unstable` (snapshot 0) numbering, ordered differently.
    pub mod snapshot0 {
        pub const CUR: i32 = 0;
        pub const END: i32 = 1;
        pub const SET: i32 = 2;
    }
}

guest_struct! {
    /// `option_fd` (8 bytes, align 4): a descriptor or nothing.
    pub struct OptionFd: size 8, align 4 {
        /// [`option_tag`].
        @0 pub tag: u8 where 0..=option_tag::SOME,
        /// Meaningful only when `tag` is SOME (kept as stored either way).
        @4 pub fd: u32,
    }
}

impl OptionFd {
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

guest_struct! {
    /// `epoll_event` (32 bytes, align 8): event bits and the caller's `epoll_data` (24
    /// bytes: `ptr` u32 @0, `fd` u32 @4, `data1` u32 @8, `data2` u64 @16), which the
    /// kernel keeps and hands back untouched. Every bit pattern is a value (unknown event
    /// bits are the caller's to refuse).
    pub struct EpollEvent: size 32, align 8 {
        /// [`epoll_type`] bits.
        @0 pub events: u32,
        /// The `epoll_data` as stored.
        @8 pub data: [u64; 3],
    }
}

guest_struct! {
    /// `option_pid` (8 bytes, align 4): a process id or nothing (`proc_join`'s in/out pid).
    pub struct OptionPid: size 8, align 4 {
        /// [`option_tag`].
        @0 pub tag: u8 where 0..=option_tag::SOME,
        /// Meaningful only when `tag` is SOME (kept as stored either way).
        @4 pub pid: u32,
    }
}

impl OptionPid {
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
}

guest_struct! {
    /// `option_timestamp` (16 bytes, align 8): a duration or deadline in nanoseconds, or
    /// nothing (`futex_wait`'s timeout).
    pub struct OptionTimestamp: size 16, align 8 {
        /// [`option_tag`].
        @0 pub tag: u8 where 0..=option_tag::SOME,
        /// Meaningful only when `tag` is SOME.
        @8 pub ns: u64,
    }
}

impl OptionTimestamp {
    pub const fn some(ns: u64) -> Self {
        Self {
            tag: option_tag::SOME,
            ns,
        }
    }

    /// The timestamp, if the tag is SOME.
    pub const fn get(&self) -> Option<u64> {
        if self.tag == option_tag::SOME {
            Some(self.ns)
        } else {
            None
        }
    }
}

guest_struct! {
    /// `process_handles` (28 bytes, align 4): what `proc_spawn` returns — the child's pid
    /// and the parent's ends of the PIPED stdio streams.
    pub struct ProcessHandles: size 28, align 4 {
        @0 pub pid: u32,
        @4 pub stdin: OptionFd,
        @12 pub stdout: OptionFd,
        @20 pub stderr: OptionFd,
    }
}

guest_struct! {
    /// `join_status` (6 bytes, align 2): what `proc_join` reports.
    ///
    /// In the header this is `{ tag: u8, u: union { nothing: u8, exit_normal: errno (u16),
    /// exit_signal: { exit_code: errno (u16), signal: u8 }, stopped: signal (u8) } }` with
    /// the union at offset 2. This struct spells out the largest member: `code` is
    /// `exit_normal` / `exit_signal.exit_code`, `signal` is `exit_signal.signal`. The
    /// STOPPED member's signal overlays the low byte of `code` (byte 2), which is what
    /// [`JoinStatus::stopped`] and [`JoinStatus::stop_signal`] use.
    pub struct JoinStatus: size 6, align 2 {
        /// [`join_status_type`].
        @0 pub tag: u8 where 0..=join_status_type::STOPPED,
        /// The exit code (EXIT_NORMAL, EXIT_SIGNAL), truncated to 16 bits.
        @2 pub code: u16,
        /// The terminating signal (EXIT_SIGNAL).
        @4 pub signal: u8,
    }
}

impl JoinStatus {
    const fn new(tag: u8, code: u16, signal: u8) -> Self {
        Self { tag, code, signal }
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
}

guest_struct! {
    /// `signal_disposition` (2 bytes, align 1): one entry of `proc_spawn2`'s signal list
    /// and of `proc_signals_get`'s output.
    pub struct SignalDisposition: size 2, align 1 {
        /// At most [`SIGNAL_MAX`].
        @0 pub sig: u8 where 0..=SIGNAL_MAX,
        /// [`disposition`].
        @1 pub disp: u8 where 0..=disposition::IGNORE,
    }
}

guest_struct! {
    /// `proc_spawn_fd_op` (56 bytes, align 8): one posix_spawn file action of
    /// `proc_spawn2`. Which fields matter depends on `cmd`: CLOSE uses `fd`; DUP2 `src_fd`
    /// → `fd`; OPEN `fd`, the guest string `path`/`path_len`, `dirflags`, `oflags`, the
    /// rights and `fdflags`; CHDIR the path; FCHDIR `fd`. Flag fields are decoded as
    /// stored (not checked).
    pub struct ProcSpawnFdOp: size 56, align 8 {
        /// [`fd_op`].
        @0 pub cmd: u8 where 0..=fd_op::FCHDIR,
        @4 pub fd: u32,
        @8 pub src_fd: u32,
        /// Guest address of the path.
        @12 pub path: u32,
        @16 pub path_len: u32,
        /// preview1 `lookupflags`.
        @20 pub dirflags: u32,
        /// preview1 `oflags`.
        @24 pub oflags: u16,
        @32 pub rights_base: u64,
        @40 pub rights_inheriting: u64,
        /// preview1 `fdflags`.
        @48 pub fdflags: u16,
        /// [`fdflagsext`].
        @50 pub fdflagsext: u16,
    }
}

guest_struct! {
    /// `tty` (24 bytes, align 4): the terminal description of `tty_get` / `tty_set`.
    pub struct Tty: size 24, align 4 {
        @0 pub cols: u32,
        @4 pub rows: u32,
        @8 pub width: u32,
        @12 pub height: u32,
        @16 pub stdin_tty: bool,
        @17 pub stdout_tty: bool,
        @18 pub stderr_tty: bool,
        @19 pub echo: bool,
        @20 pub line_buffered: bool,
        @21 pub line_feeds: bool,
    }
}

guest_struct! {
    /// preview1 `filestat` (64 bytes, align 8): `fd_filestat_get`, `path_filestat_get`.
    pub struct Filestat: size 64, align 8 {
        @0 pub dev: u64,
        @8 pub ino: u64,
        /// preview1 [`filetype`] (0..=[`FILETYPE_MAX`]).
        @16 pub filetype: u8 where 0..=FILETYPE_MAX,
        @24 pub nlink: u64,
        @32 pub size: u64,
        /// Timestamps in nanoseconds since the epoch.
        @40 pub atim: u64,
        @48 pub mtim: u64,
        @56 pub ctim: u64,
    }
}

guest_struct! {
    /// `wasi_unstable` (snapshot 0) `filestat`: the preview1 fields with a 32-bit `nlink`
    /// (so 56 bytes, not 64).
    pub struct FilestatUnstable: size 56, align 8 {
        @0 pub dev: u64,
        @8 pub ino: u64,
        @16 pub filetype: u8 where 0..=FILETYPE_MAX,
        @20 pub nlink: u32,
        @24 pub size: u64,
        @32 pub atim: u64,
        @40 pub mtim: u64,
        @48 pub ctim: u64,
    }
}

impl FilestatUnstable {
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
}

guest_struct! {
    /// preview1 `fdstat` (24 bytes, align 8): `fd_fdstat_get`.
    pub struct Fdstat: size 24, align 8 {
        /// preview1 [`filetype`] (0..=[`FILETYPE_MAX`]).
        @0 pub filetype: u8 where 0..=FILETYPE_MAX,
        /// preview1 [`fdflags`].
        @2 pub flags: u16,
        @8 pub rights_base: u64,
        @16 pub rights_inheriting: u64,
    }
}

guest_struct! {
    /// preview1 `prestat` (8 bytes, align 4): `fd_prestat_get`. Its only member is
    /// `prestat_dir { pr_name_len }`, at offset 4.
    pub struct Prestat: size 8, align 4 {
        /// [`preopentype`] (only DIR exists).
        @0 pub tag: u8 where preopentype::DIR,
        /// Length of the preopen's name, without a NUL.
        @4 pub name_len: u32,
    }
}

impl Prestat {
    /// A directory preopen whose name is `name_len` bytes long.
    pub const fn dir(name_len: u32) -> Self {
        Self {
            tag: preopentype::DIR,
            name_len,
        }
    }
}

guest_struct! {
    /// preview1 `dirent` (24 bytes, align 8): the header before each name in
    /// `fd_readdir`'s buffer.
    pub struct Dirent: size 24, align 8 {
        /// Cookie of the next entry.
        @0 pub d_next: u64,
        @8 pub d_ino: u64,
        /// Length of the name that follows.
        @16 pub d_namlen: u32,
        /// preview1 [`filetype`] (0..=[`FILETYPE_MAX`]).
        @20 pub d_type: u8 where 0..=FILETYPE_MAX,
    }
}

guest_struct! {
    /// preview1 `iovec` / `ciovec` (8 bytes, align 4): one buffer of a vectored read or
    /// write.
    pub struct Iovec: size 8, align 4 {
        /// Guest address of the buffer.
        @0 pub buf: u32,
        @4 pub buf_len: u32,
    }
}

guest_struct! {
    /// preview1 `event` (32 bytes, align 8): one result of `poll_oneoff` (the same in
    /// `wasi_unstable`). `nbytes` and `flags` are the `event_fd_readwrite` member (bytes
    /// available or free; `flags` bit 0 is `fd_readwrite_hangup`), zero for clock events.
    pub struct Event: size 32, align 8 {
        @0 pub userdata: u64,
        /// An errno value.
        @8 pub error: u16,
        /// [`eventtype`] (`type` in the header).
        @10 pub type_: u8 where 0..=eventtype::FD_WRITE,
        @16 pub nbytes: u64,
        /// preview1 [`eventrwflags`].
        @24 pub flags: u16,
    }
}

guest_struct! {
    /// preview1 `subscription_clock` (32 bytes, align 8): the CLOCK member of a
    /// [`Subscription`]'s union.
    pub struct SubscriptionClock: size 32, align 8 {
        /// preview1 [`clockid`].
        @0 pub id: u32,
        /// Nanoseconds: relative, or absolute with [`subclockflags::ABSTIME`].
        @8 pub timeout: u64,
        @16 pub precision: u64,
        /// preview1 [`subclockflags`].
        @24 pub flags: u16,
    }
}

guest_struct! {
    /// preview1 `subscription` (48 bytes, align 8): one input of `poll_oneoff`.
    ///
    /// The header's `u` is a union at offset 16 of `subscription_clock` (the CLOCK tag)
    /// and `subscription_fd_readwrite { fd: u32 }` (FD_READ, FD_WRITE). This struct holds
    /// the larger, clock member, decoded as stored whatever the tag; the fd member
    /// overlays its `id` (byte 16). Read the union through [`Subscription::content`].
    pub struct Subscription: size 48, align 8 {
        @0 pub userdata: u64,
        /// [`eventtype`].
        @8 pub tag: u8 where 0..=eventtype::FD_WRITE,
        /// The union; for FD_READ / FD_WRITE only `u.id` (the fd) is meaningful.
        @16 pub u: SubscriptionClock,
    }
}

/// The member of a [`Subscription`]'s union that its tag selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionContent {
    Clock(SubscriptionClock),
    /// FD_READ or FD_WRITE ([`eventtype`]) on the descriptor.
    Fd {
        kind: u8,
        fd: u32,
    },
}

impl Subscription {
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

    /// The union member the tag selects: CLOCK's, or (for FD_READ / FD_WRITE, the only
    /// other tags `from_bytes` accepts) the fd member.
    pub const fn content(&self) -> SubscriptionContent {
        if self.tag == eventtype::CLOCK {
            SubscriptionContent::Clock(self.u)
        } else {
            SubscriptionContent::Fd {
                kind: self.tag,
                fd: self.u.id,
            }
        }
    }

    /// The descriptor of an FD_READ / FD_WRITE subscription.
    pub const fn fd(&self) -> Option<u32> {
        match self.content() {
            SubscriptionContent::Fd { fd, .. } => Some(fd),
            SubscriptionContent::Clock(_) => None,
        }
    }
}

guest_struct! {
    /// `wasi_unstable` (snapshot 0) `subscription_clock` (40 bytes, align 8): the preview1
    /// one with an `identifier` first.
    pub struct SubscriptionClockUnstable: size 40, align 8 {
        @0 pub identifier: u64,
        /// preview1 [`clockid`].
        @8 pub id: u32,
        @16 pub timeout: u64,
        @24 pub precision: u64,
        /// preview1 [`subclockflags`].
        @32 pub flags: u16,
    }
}

guest_struct! {
    /// `wasi_unstable` (snapshot 0) `subscription` (56 bytes, align 8). The fd member of
    /// the union (`file_descriptor: u32` at byte 16) overlays the low half of the clock
    /// member's `identifier`.
    pub struct SubscriptionUnstable: size 56, align 8 {
        @0 pub userdata: u64,
        /// [`eventtype`].
        @8 pub tag: u8 where 0..=eventtype::FD_WRITE,
        @16 pub u: SubscriptionClockUnstable,
    }
}

impl SubscriptionUnstable {
    /// The same subscription in the preview1 layout (the identifier is dropped; an fd
    /// member keeps its descriptor).
    pub const fn to_preview1(&self) -> Subscription {
        if self.tag == eventtype::CLOCK {
            Subscription::clock(
                self.userdata,
                SubscriptionClock {
                    id: self.u.id,
                    timeout: self.u.timeout,
                    precision: self.u.precision,
                    flags: self.u.flags,
                },
            )
        } else {
            Subscription::on_fd(self.userdata, self.tag, self.u.identifier as u32)
        }
    }
}

guest_struct! {
    /// WASIX `stack_snapshot` (24 bytes, align 8): the `jmp_buf` of `stack_checkpoint` /
    /// `stack_restore`. The runtime fills `hash` (a u128 in the header) with its own
    /// identity of the checkpoint.
    pub struct StackSnapshot: size 24, align 8 {
        @0 pub user: u64,
        /// Low and high halves of the header's u128.
        @8 pub hash: [u64; 2],
    }
}

guest_struct! {
    /// binaryen asyncify's data structure (8 bytes, align 4), which the guest's
    /// `asyncify_start_unwind` / `asyncify_start_rewind` take: the current position in
    /// the saved-frames buffer that follows it and the buffer's end.
    pub struct AsyncifyData: size 8, align 4 {
        @0 pub current: u32,
        @4 pub end: u32,
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
        assert_eq!(
            read.content(),
            SubscriptionContent::Fd {
                kind: eventtype::FD_READ,
                fd: 0x0302
            }
        );
        // Bytes past the fd member are kept as stored but are not part of its content.
        image[8] = 2;
        image[24..48].fill(0xcc);
        let write = Subscription::from_bytes(&image).unwrap();
        assert_eq!(write.content(), Subscription::fd_write(7, 0x0302).content());
        assert_eq!(write.u.timeout, 0xcccc_cccc_cccc_cccc);
        image[8] = 3;
        assert_eq!(Subscription::from_bytes(&image), None);
    }

    #[test]
    fn subscription_unstable() {
        let mut image = [0u8; 56];
        image[0] = 42;
        image[16] = 0x77; // identifier
        image[24] = 1; // clock id
        image[32..36].copy_from_slice(&1_000_000u32.to_le_bytes());
        image[40] = 5;
        image[48] = 1;
        let clock = SubscriptionUnstable {
            userdata: 42,
            tag: eventtype::CLOCK,
            u: SubscriptionClockUnstable {
                identifier: 0x77,
                id: 1,
                timeout: 1_000_000,
                precision: 5,
                flags: subclockflags::ABSTIME,
            },
        };
        check!(SubscriptionUnstable, clock, image);
        assert_eq!(
            clock.to_preview1(),
            Subscription::clock(
                42,
                SubscriptionClock {
                    id: 1,
                    timeout: 1_000_000,
                    precision: 5,
                    flags: 1
                }
            )
        );
        // The fd member overlays the identifier's low half.
        let mut image = [0u8; 56];
        image[0] = 9;
        image[8] = eventtype::FD_READ;
        image[16..20].copy_from_slice(&[4, 3, 2, 1]);
        let sub = SubscriptionUnstable::from_bytes(&image).unwrap();
        assert_eq!(sub.to_preview1(), Subscription::fd_read(9, 0x0102_0304));
        image[8] = 3;
        assert_eq!(SubscriptionUnstable::from_bytes(&image), None);
    }

    #[test]
    fn option_timestamp() {
        let mut image = [0u8; 16];
        image[0] = 1;
        image[8..16].copy_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
        check!(
            OptionTimestamp,
            OptionTimestamp::some(0x0807_0605_0403_0201),
            image
        );
        assert_eq!(
            OptionTimestamp::from_bytes(&image).unwrap().get(),
            Some(0x0807_0605_0403_0201)
        );
        check!(OptionTimestamp, OptionTimestamp::default(), [0; 16]);
        assert_eq!(OptionTimestamp::default().get(), None);
        image[0] = 2;
        assert_eq!(OptionTimestamp::from_bytes(&image), None);
    }

    #[test]
    fn iovec_snapshot_asyncify() {
        check!(
            Iovec,
            Iovec {
                buf: 0x1000,
                buf_len: 5
            },
            [0, 0x10, 0, 0, 5, 0, 0, 0]
        );
        let mut image = [0u8; 24];
        image[0] = 0xaa;
        image[8] = 7;
        image[16..20].copy_from_slice(&[0, 0x20, 0, 0]);
        check!(
            StackSnapshot,
            StackSnapshot {
                user: 0xaa,
                hash: [7, 0x2000]
            },
            image
        );
        check!(
            AsyncifyData,
            AsyncifyData {
                current: 0x108,
                end: 0x2000
            },
            [8, 1, 0, 0, 0, 0x20, 0, 0]
        );
    }

    #[test]
    fn constants() {
        assert_eq!(
            [signal::HUP, signal::KILL, signal::TERM, signal::CHLD],
            [1, 9, 15, 16]
        );
        assert_eq!(
            [signal::CONT, signal::WINCH, signal::SYS, SIGNAL_MAX],
            [17, 27, 30, 30]
        );
        assert!(signal::ignored_by_default(signal::CHLD) && signal::ignored_by_default(27));
        assert!(!signal::ignored_by_default(signal::XCPU) && !signal::ignored_by_default(15));
        assert!(!signal::ignored_by_default(signal::TSTP) && signal::stops_by_default(20));
        assert!(signal::terminates_by_default(15) && !signal::terminates_by_default(18));
        assert_eq!(signal::STOPS, 0xf << 18);
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
        assert_eq!(
            [
                filetype::UNKNOWN,
                filetype::CHARACTER_DEVICE,
                filetype::DIRECTORY
            ],
            [0, 2, 3]
        );
        assert_eq!(
            [
                filetype::REGULAR_FILE,
                filetype::SYMBOLIC_LINK,
                FILETYPE_MAX
            ],
            [4, 7, 7]
        );
        assert_eq!(
            [
                clockid::REALTIME,
                clockid::MONOTONIC,
                clockid::PROCESS_CPUTIME_ID,
                clockid::THREAD_CPUTIME_ID
            ],
            [0, 1, 2, 3]
        );
        assert_eq!([whence::SET, whence::CUR, whence::END], [0, 1, 2]);
        assert_eq!(
            [
                whence::snapshot0::CUR,
                whence::snapshot0::END,
                whence::snapshot0::SET
            ],
            [0, 1, 2]
        );
        assert_eq!([disposition::DEFAULT, disposition::IGNORE], [0, 1]);
    }
}
