//! The runtime's leaf types, which import nothing else of the runtime: process ids, exit
//! statuses, limits, what a blocked call waits for and the events that wake it, the
//! console's terminal settings. (The ABI's own numbers — signals, rights, fdflags — are in
//! `abi::wasix`.)

use alloc::vec::Vec;

/// Process id.
pub type Pid = u32;

/// Tunable limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most processes alive at once (spawn beyond it: AGAIN).
    pub max_procs: usize,
    /// Descriptors per process (beyond: MFILE).
    pub max_fds: u32,
    /// Linear memory per process, bytes (memory.grow fails beyond it).
    pub max_memory: usize,
    /// Fuel per scheduling slice.
    pub slice_fuel: u64,
    /// Translate every function when a program is loaded even under a preempting executor
    /// (which otherwise translates each on its first call): the kernel's `translate=eager`,
    /// to measure what full translation takes against what lazy translation sets aside.
    pub eager_translation: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_procs: 4096,
            max_fds: 1024,
            max_memory: 256 << 20,
            slice_fuel: 200_000,
            eager_translation: false,
        }
    }
}

/// How a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// `proc_exit(code)` or returning from `_start` (0).
    Code(u32),
    /// Killed by a signal (a trap counts as SIGABRT).
    Signal(u8),
}

impl ExitStatus {
    /// The shell-style status: the code, or 128 + signal.
    pub fn shell_code(self) -> u32 {
        match self {
            ExitStatus::Code(c) => c,
            ExitStatus::Signal(s) => 128 + u32::from(s),
        }
    }
}

/// What a blocked call waits for. The scheduler retries the call when one of these may
/// have changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wait {
    /// Give up the CPU and run again soon.
    Yield,
    /// A long call done in pieces (a big `random_get`): the call is retried, to do its
    /// next piece, at the process's next turn in the ready queue, so other processes run
    /// in between. Signals do not interrupt it.
    Continue,
    /// Monotonic time reaches this deadline.
    Until(u64),
    /// Console input arrives.
    Console,
    /// A pipe's state changes (data, room, or an end closed).
    Pipe(pipe::PipeId),
    /// A child of this process ends (the pid is the waiting parent's).
    Child(Pid),
    /// An event counter (the open file holding it, by id) changes.
    Counter(u64),
    /// Any of several conditions (poll_oneoff).
    Any(Vec<Wait>),
}

/// Something that happened and may unblock waiters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Console,
    /// A pipe changed state.
    Pipe(pipe::PipeId),
    /// A child of this parent ended (or was re-parented to it as a zombie).
    ChildOf(Pid),
    /// An event counter (the open file holding it, by id) was read or written.
    Counter(u64),
}

impl Wait {
    /// The earliest deadline in this condition.
    pub fn deadline(&self) -> Option<u64> {
        match self {
            Wait::Until(t) => Some(*t),
            Wait::Any(all) => all.iter().filter_map(Wait::deadline).min(),
            _ => None,
        }
    }

    /// True when a retry may succeed at time `now` given `events`.
    pub fn may_be_ready(&self, now: u64, events: &[Event]) -> bool {
        match self {
            Wait::Yield | Wait::Continue => true,
            Wait::Until(t) => now >= *t,
            Wait::Console => events.contains(&Event::Console),
            Wait::Pipe(id) => events.contains(&Event::Pipe(*id)),
            Wait::Child(parent) => events.contains(&Event::ChildOf(*parent)),
            Wait::Counter(id) => events.contains(&Event::Counter(*id)),
            Wait::Any(all) => all.iter().any(|w| w.may_be_ready(now, events)),
        }
    }
}

/// Terminal settings of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tty {
    pub cols: u32,
    pub rows: u32,
    pub width: u32,
    pub height: u32,
    pub echo: bool,
    pub line_buffered: bool,
    pub line_feeds: bool,
}

impl Default for Tty {
    /// A raw console: bytes pass through both ways untouched (what `run` needs for
    /// byte-exact streams). [`Tty::cooked`] is the interactive setting.
    fn default() -> Self {
        Self {
            cols: 80,
            rows: 25,
            width: 800,
            height: 600,
            echo: false,
            line_buffered: false,
            line_feeds: false,
        }
    }
}

impl Tty {
    /// An interactive terminal: echo, line editing and signal keys, `\n` → `\r\n`.
    pub fn cooked() -> Self {
        Self {
            echo: true,
            line_buffered: true,
            line_feeds: true,
            ..Self::default()
        }
    }
}
/// The handler name wasix-libc gives `callback_signal` while it has every signal
/// blocked (`__block_all_sigs`); it names `__wasm_signal` again to unblock. No module
/// exports it: while it is set, signals are held pending, not given their defaults.
pub const SIGNALS_BLOCKED: &str = "__wasm_signal_blocked";

/// Which WASIX variants of calls a program's linker serves (`spawn::legacy_abi` reads it
/// from the module's imports; `wasix::register_legacy`, `wasix::register_duplex_pipe` and
/// `wasix::register_renumber_dup2` register them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LegacyAbi {
    /// The two-argument `proc_join` of the 2022 ABI.
    pub proc_join: bool,
    /// A bidirectional `fd_pipe`: a 2022 build (classic calls imported from `wasix_32v1`,
    /// nothing from preview1).
    pub duplex_pipes: bool,
    /// `fd_renumber` as POSIX `dup2` (the source stays open) under both namespaces, as
    /// wasmer serves it to every program: any WASIX program (one importing from
    /// `wasix_32v1`), 2022 or current, since wasix-libc's `dup2` is that call. Programs
    /// importing only preview1 keep preview1's move.
    pub renumber_dup2: bool,
}
