//! The state host calls work on. [`System`] is everything shared between processes (the
//! platform, filesystem, open files, process table); [`ProcData`] is one process's own state
//! (arguments, environment, descriptors); [`Cx`] is what a host call handler receives: both,
//! plus the caller's linear memory through the checked accessor. Handlers return
//! `Result<(), Sys>`: an errno, or a request to block, exit or die by a signal, which the
//! glue in `linker` turns into the guest-visible result.

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::rc::Rc;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::cell::Cell;
use core::sync::atomic::{AtomicUsize, Ordering};

use abi::Errno;
use vfs::Fs;
use wasmi::{
    Engine, Instance, Linker, Memory, Module, Store, StoreLimits, TypedFunc,
    TypedResumableCallHostTrap, TypedResumableCallOutOfFuel,
};

use crate::files::{FdTable, OpenFiles, Stream};
use crate::mem::GuestMem;
use crate::types::{Event, ExitStatus, Limits, Pid, Tty, Wait};
use abi::wasix::signal;

/// What the runtime needs from the machine. The kernel implements it over the TSC, RTC,
/// RDRAND and serial ports; tests implement it with fakes.
pub trait Platform {
    /// Nanoseconds since boot; never decreases.
    fn monotonic_ns(&self) -> u64;
    /// Nanoseconds since the Unix epoch.
    fn realtime_ns(&self) -> u64;
    /// Fills `buf` with cryptographically strong random bytes.
    fn random(&mut self, buf: &mut [u8]);
    /// Writes to a console stream.
    fn write(&mut self, stream: Stream, data: &[u8]);
    /// Takes waiting console input, without blocking; 0 when there is none.
    fn read_console(&mut self, buf: &mut [u8]) -> usize;
    /// Idles (halting the CPU) until something may have happened — an interrupt — or
    /// `deadline` (monotonic ns) passes.
    fn idle(&mut self, deadline: Option<u64>);
    /// Bytes of kernel memory still free for new processes, when the platform knows.
    fn memory_available(&self) -> Option<usize> {
        None
    }
    /// Bytes of kernel memory in all (the heap), when the platform knows.
    fn memory_total(&self) -> Option<usize> {
        None
    }
    /// Told when a host call starts (`true`) and ends (`false`): a preempting platform must
    /// not suspend a process inside one (WebAssembly a host call runs, such as a start
    /// section during a spawn, is not the process's own code). A call that ends the slice
    /// (blocks, yields, exits) is not ended: the slice's end ends it.
    fn host_call(&mut self, _active: bool) {}
    /// Told when WebAssembly that cannot be preempted starts and ends: the guest's
    /// asyncify control exports, called between slices or from inside `proc_fork` and the
    /// stack calls to unwind or rewind its stack (host calls are never preempted). A
    /// preempting platform must bound it some other way. (Signal handlers and start
    /// sections run in slices of their own, preempted like the rest.)
    fn nested_run(&mut self, _active: bool) {}
    /// True when the running slice has had its time (a preempting platform's timer): a
    /// host call that succeeds then ends the slice, so a process that spends its time in
    /// host calls — where it is never suspended — still takes turns.
    fn slice_over(&self) -> bool {
        false
    }
}

/// A handler's non-success outcome.
#[derive(Debug)]
pub enum Sys {
    /// Return this errno to the guest.
    Err(Errno),
    /// Park the process until `Wait` may be satisfied, then run the call again.
    Block(Wait),
    /// End the process with this exit code (`proc_exit`).
    Exit(u32),
    /// End the process as killed by this signal.
    Signal(u8),
    /// Replace the process's program (`proc_exec*`), keeping pid and descriptors.
    Exec(alloc::boxed::Box<ExecRequest>),
    /// Return this raw value: for the few imports whose result is not an errno (the
    /// `memory.atomic.wait` helpers of lowered modules, whose results are 0/1/2).
    Ret(i32),
    /// Trap, as the instruction the call stands for would (a misaligned or out-of-bounds
    /// atomic access in a lowered module); the process dies with this message.
    Trap(&'static str),
    /// End the running signal handler, called for this signal, and carry out the
    /// signal's default action instead: the program has no handler for it.
    DefaultAction(u8),
}

/// A compiled program: its module and the linker of the wasmi engine it was compiled in.
///
/// wasmi 2.0 never frees compiled code while its engine lives (an engine's code map only
/// grows), so every program is compiled in an engine of its own. The engine, and with it
/// the code, is freed when the last clone of the program goes: the module cache let it
/// go (file rewritten, entry evicted) and its last process ended, or it was refused
/// before ever running. A single shared engine kept the code of every module ever
/// compiled, refused ones included, until the heap was gone.
///
/// Under a preempting executor the engine translates each function on its first call
/// (wasmi's lazy translation: a spawn then costs validation, not translation of code it
/// may never run). Translation allocates infallibly, so the heap it may take is set aside
/// when the program is loaded ([`CodeReserve`]) and held until the engine goes.
#[derive(Clone)]
pub struct Program {
    pub module: Module,
    /// The module had a start section, now exported as [`crate::startsec::START_EXPORT`]:
    /// a new process calls it first, in its own slices.
    pub start_section: bool,
    /// Host calls for this module's engine: the full set, or the 2022 WASIX ABI's for a
    /// module importing it (`wasix::register_legacy`).
    pub linker: Arc<Linker<Proc>>,
    /// The heap set aside for the translations still to come (none when compiled eagerly).
    pub reserve: Arc<CodeReserve>,
    /// The module used shared memory (the threads proposal), lowered at load
    /// (`wasmlower`): every wasix-libc and Rust WASIX build does.
    pub lowered: bool,
}

impl Program {
    /// Whether the WASIX toolchain built it (wasix-libc, the Rust WASIX target): it used
    /// shared memory and imports WASIX calls. wasmer gives such programs a root directory.
    pub fn built_for_wasix(&self) -> bool {
        self.lowered && self.module.imports().any(|i| i.module() == "wasix_32v1")
    }
}

/// Kernel heap set aside for a program's lazily translated code, for as long as any clone
/// of the program (the module cache's, a process's) lives; [`System::memory_available`]
/// leaves the total of all reserves out of what it reports free.
#[derive(Debug)]
pub struct CodeReserve {
    bytes: usize,
    total: Arc<AtomicUsize>,
}

impl CodeReserve {
    /// Adds `bytes` to `total` until the reserve is dropped.
    pub fn new(total: &Arc<AtomicUsize>, bytes: usize) -> Self {
        total.fetch_add(bytes, Ordering::Relaxed);
        Self {
            bytes,
            total: Arc::clone(total),
        }
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

impl Drop for CodeReserve {
    fn drop(&mut self) {
        self.total.fetch_sub(self.bytes, Ordering::Relaxed);
    }
}

impl core::fmt::Debug for Program {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Program").finish_non_exhaustive()
    }
}

/// What `proc_exec*` asks the scheduler to do.
pub struct ExecRequest {
    pub module: Program,
    pub name: String,
    pub args: Vec<Vec<u8>>,
    pub env: Vec<Vec<u8>>,
}

impl core::fmt::Debug for ExecRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ExecRequest")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl From<Errno> for Sys {
    fn from(e: Errno) -> Self {
        Sys::Err(e)
    }
}

/// Result type of every host-call handler.
pub type SysResult<T = ()> = Result<T, Sys>;

/// A program loaded and validated once, reused by later spawns while the file is unchanged.
#[derive(Clone)]
pub struct CachedModule {
    pub ino: vfs::Ino,
    pub mtime: u64,
    pub size: u64,
    pub module: Program,
    /// When it was last loaded (a counter): the least recently used entry goes first.
    pub used: u64,
}

/// Process-table entry (what outlives the process's store: parent, status).
#[derive(Debug, Clone)]
pub struct ProcInfo {
    pub ppid: Pid,
    /// The command line, for process listings.
    pub name: String,
    /// `Some` once the process has ended (a zombie until its parent joins it).
    pub status: Option<ExitStatus>,
    /// Signals raised and not yet acted on (bit n = signal n).
    pub pending: u64,
    /// Signals whose disposition is IGNORE (bit n = signal n); inherited by children.
    pub ignored: u64,
    /// A timer signal from `proc_raise_interval`: (deadline, interval, repeat, signal).
    pub alarm: Option<(u64, u64, bool, u8)>,
    /// argv, each argument NUL-terminated (`/proc/<pid>/cmdline`).
    pub cmdline: Vec<u8>,
    /// Linear memory size in bytes, as of the end of its last slice.
    pub memory: u64,
    /// All the kernel memory charged to it then ([`Charges::total`]).
    pub charged: u64,
    /// CPU time consumed (ns), as of the end of its last slice.
    pub cpu_ns: u64,
    /// Blocked in a host call (waiting for input, a child, a timer...).
    pub sleeping: bool,
    /// Has a signal handler (`callback_signal`); mirrors the store's, which the scheduler
    /// cannot read while a slice is suspended.
    pub handler: bool,
    /// Has signals blocked ([`ProcData::signals_blocked`]); mirrored likewise.
    pub blocked: bool,
    /// Its process group: its parent's at spawn and fork, kept across exec, changed by
    /// the job-control extension's `proc_setpgid` (`wasix::jobs`).
    pub pgid: Pid,
    /// Stopped by this signal (STOP, TSTP, TTIN, TTOU): not scheduled, its blocked call
    /// left blocked, until CONT or KILL.
    pub stopped: Option<u8>,
    /// The stop is still to be reported to a `proc_join` with WAKE_STOPPED (once per stop).
    pub stop_unreported: bool,
    /// Signals a person's repeated console key (^C, ^\\) asked to take their default
    /// action although the process has a handler: the first key's signal was still
    /// waiting for it ([`KEY_REPEAT_NS`] or more), and a handler runs only when the
    /// process calls the system, which a loop of pure computation never does.
    pub forced: u64,
    /// When the console key signal now pending was raised (monotonic ns; 0: none is).
    pub key_at: u64,
    /// Since when a pending signal that terminates by default has waited for the
    /// handler (monotonic ns; 0: none waits). See [`HANDLER_GRACE_NS`].
    pub handler_wait_at: u64,
}

/// How long a signal whose default action terminates may wait for the process's handler
/// while the process computes without calling the system (a handler runs only at a
/// call) before it takes its default action instead: a WASIX program spinning in
/// `while :; do :; done` could otherwise not be ended by anything but KILL, since
/// wasix-libc names its dispatcher for every signal whatever the program's disposition.
pub const HANDLER_GRACE_NS: u64 = 1_000_000_000;

/// How long a console key's signal must have waited for the process's handler before the
/// same key, pressed again, ends the process by the signal's default action.
pub const KEY_REPEAT_NS: u64 = 1_000_000_000;

impl ProcInfo {
    /// A live process with default dispositions except `ignored`.
    pub fn new(ppid: Pid, name: String, ignored: u64) -> Self {
        Self {
            ppid,
            name,
            status: None,
            pending: 0,
            ignored,
            alarm: None,
            cmdline: Vec::new(),
            memory: 0,
            charged: 0,
            cpu_ns: 0,
            sleeping: false,
            handler: false,
            blocked: false,
            pgid: ppid,
            stopped: None,
            stop_unreported: false,
            forced: 0,
            key_at: 0,
            handler_wait_at: 0,
        }
    }

    /// Signals that need acting on.
    pub fn deliverable(&self) -> u64 {
        self.pending & !(self.ignored & !(1 << signal::KILL))
    }
}

/// Builds the linker for programs compiled in an engine ([`System::program_linker`]).
pub type ProgramLinker =
    fn(&Engine, crate::types::LegacyAbi, Registry) -> Result<Linker<Proc>, wasmi::Error>;

/// State shared by all processes.
pub struct System {
    pub platform: Box<dyn Platform>,
    pub fs: Fs,
    pub files: OpenFiles,
    pub limits: Limits,
    /// Holds the configuration every program's own engine is made with, and validates
    /// modules (which compiles nothing); no program is compiled in it ([`Program`]).
    pub engine: Engine,
    /// Whether programs' engines translate functions on their first call (under a
    /// preempting executor) rather than at load ([`Program`]).
    pub lazy_translation: bool,
    pub registry: Arc<Registry>,
    /// Makes the linker a program compiled in an engine is instantiated with (every host
    /// call, or with `legacy` the 2022 WASIX ABI's versions); set by the scheduler, which
    /// sits above the registration lists.
    pub program_linker: ProgramLinker,
    pub procs: BTreeMap<Pid, ProcInfo>,
    /// Loaded programs by the inode of their file (inode numbers are never reused): a
    /// program reached by another path or link is the same entry.
    pub modules: BTreeMap<vfs::Ino, CachedModule>,
    /// Heap set aside for code still to be translated, all programs together
    /// ([`CodeReserve`]).
    pub code_reserved: Arc<AtomicUsize>,
    pub events: Vec<Event>,
    /// The console's terminal settings (`tty_get` / `tty_set`).
    pub tty: Tty,
    /// The live processes that changed `tty`, oldest first, each with the settings it
    /// found: what its exit puts back ([`System::release_tty`]).
    pub tty_saved: Vec<(Pid, Tty)>,
    /// The console's line discipline buffers.
    pub terminal: crate::terminal::Terminal,
    /// Pid 1 is the system's init: the console's signal keys reach it only when it
    /// handles them (Linux's rule for init). Off when pid 1 is a program `run` started,
    /// which ^C ends like any foreground program.
    pub init_shielded: bool,
    /// Processes that got a signal since the scheduler last looked.
    pub signalled: Vec<Pid>,
    /// Stopped processes continued (CONT) since the scheduler last looked: it queues them
    /// again and retries their blocked calls.
    pub continued: Vec<Pid>,
    /// The console's foreground process group (job control, `wasix::jobs`): ^C, ^\ and
    /// ^Z signal it, and other groups reading the console or changing its settings are
    /// stopped. `None` until a program sets one: then every process is treated as
    /// being in the foreground, as before job control.
    pub foreground: Option<Pid>,
    /// Processes spawned during a slice, adopted by the scheduler afterwards.
    pub new_tasks: Vec<Task>,
    pub next_pid: Pid,
    /// The read-only `/proc` view, when mounted ([`crate::procfs`]).
    pub procfs: Option<crate::procfs::ProcFs>,
    /// The `/dev` devices, when mounted ([`crate::devfs`]).
    pub devfs: Option<crate::devfs::DevFs>,
    /// Time spent idle (ns), waiting for an interrupt with nothing to run.
    pub idle_ns: u64,
}

/// A call to retry when the process wakes.
pub type Retry = Box<dyn FnMut(&mut Cx<'_>) -> SysResult>;

/// One process's own state.
pub struct ProcData {
    pub pid: Pid,
    pub args: Vec<Vec<u8>>,
    pub env: Vec<Vec<u8>>,
    pub fds: FdTable,
    pub memory: Option<Memory>,
    /// CPU time consumed (ns), for the CPU-time clocks.
    pub cpu_ns: u64,
    /// The directory this process sees as `/` (the filesystem root unless chrooted).
    pub root: vfs::Ino,
    /// Working directory: an absolute path inside `root`.
    pub cwd: String,
    /// When the current host call was first attempted (set on demand; kept across the
    /// retries of a blocked call so relative timeouts do not restart).
    pub call_start: Option<u64>,
    /// True while a blocked call is being retried.
    pub retrying: bool,
    /// How far a call done in pieces ([`crate::types::Wait::Continue`]) has got: its
    /// handler's own count, meaningful only while `retrying`.
    pub progress: usize,
    /// The export `callback_signal` named as the signal handler.
    pub signal_handler: Option<String>,
    /// The signal handler is running (its calls must not stop for another signal).
    pub in_handler: bool,
    /// The signal the running handler was called for, while it has made no call yet.
    /// wasix-libc's `__wasm_signal`, for a signal the program left at its default
    /// disposition, blocks signals (`callback_signal` naming
    /// [`crate::types::SIGNALS_BLOCKED`]) before anything else: the kernel then carries
    /// out the default action itself ([`Sys::DefaultAction`]).
    pub handler_fresh: Option<u8>,
    /// What the blocked call returns when a handled signal interrupts it, when not INTR
    /// (a `memory.atomic.wait` reports a spurious wake-up instead); and the errno of a
    /// failed call that yields so a pending handler runs first. Reset by every call.
    pub interrupt_value: Option<i32>,
    /// The program numbers signals as Linux does (a wasix-libc program: it exports
    /// `__wasm_signal`); the runtime converts at the boundary ([`signal::to_linux`]).
    pub linux_signals: bool,
    /// The program was built for the 2022 WASIX ABI (`spawn::is_legacy`).
    pub legacy_abi: bool,
    /// Stack switching through the guest's asyncify exports (fork, setjmp/longjmp).
    pub stack: crate::stack_state::StackState,
    /// The 2022 ABI's thread-local keys and their values (at most 1024); a fork copies
    /// them, an exec starts empty.
    pub thread_locals: BTreeMap<u32, u64>,
}

impl ProcData {
    /// True while wasix-libc has signals blocked: it names the handler
    /// [`crate::types::SIGNALS_BLOCKED`] around critical sections (fork, its own locks)
    /// and back afterwards. Signals raised meanwhile stay pending (KILL still kills).
    pub fn signals_blocked(&self) -> bool {
        self.signal_handler.as_deref() == Some(crate::types::SIGNALS_BLOCKED)
    }

    /// A handler will take signals now (one is named and signals are not blocked).
    pub fn takes_signals(&self) -> bool {
        self.signal_handler.is_some() && !self.signals_blocked()
    }
}

/// The slot the shared [`System`] sits in while processes run: the scheduler puts it there
/// for a slice and takes it back afterwards; a host call (or the memory limiter) takes it
/// out for its own duration. Every process's store holds a handle to the one slot, so a
/// slice suspended by the timer — which never happens inside a host call — holds no
/// borrow of the system, and the scheduler and other processes can use it meanwhile.
pub type Home = Rc<Cell<Option<Box<System>>>>;

/// The data of a process's wasmi store.
pub struct Proc {
    /// Where the shared system waits while processes run (see [`Home`]).
    pub home: Home,
    pub data: ProcData,
    pub limits: StoreLimits,
    /// Set by a blocking host call: what it waits for and how to retry it.
    pub pending: Option<(Wait, Retry)>,
    /// Set by `proc_exec*`: the program to switch to.
    pub exec: Option<alloc::boxed::Box<ExecRequest>>,
    /// While the process is being instantiated (the system is not lent to it then): the
    /// kernel heap it may still take — what was free when instantiation began, less the
    /// headroom and what its memories and tables have taken since. `None` otherwise.
    pub instantiating: Option<usize>,
    /// The kernel memory charged to it, against its cap.
    pub charges: Charges,
}

/// What a process's WebAssembly takes of the kernel heap, charged against its cap
/// (`Limits::max_memory`): its linear memory, its tables, and wasmi's value stack at its
/// bound ([`VALUE_STACK_BYTES`], charged from the start: wasmi grows it fallibly but does
/// not tell how far it has grown).
#[derive(Clone, Copy, Debug)]
pub struct Charges {
    pub cap: usize,
    pub memory: usize,
    /// Elements of all its tables together (at most [`TABLE_ELEMENTS_PER_PROCESS`]).
    pub table_elements: usize,
}

impl Charges {
    pub fn new(cap: usize) -> Self {
        Charges {
            cap,
            memory: 0,
            table_elements: 0,
        }
    }

    /// Bytes charged in all.
    pub fn total(&self) -> usize {
        Self::sum(self.memory, self.table_elements)
    }

    fn sum(memory: usize, table_elements: usize) -> usize {
        memory
            .saturating_add(table_elements.saturating_mul(TABLE_ELEMENT_BYTES))
            .saturating_add(VALUE_STACK_BYTES)
    }

    /// Whether a memory or tables changed to these sizes stay within the bounds.
    pub(crate) fn fits(&self, memory: usize, table_elements: usize) -> bool {
        table_elements <= TABLE_ELEMENTS_PER_PROCESS
            && Self::sum(memory, table_elements) <= self.cap
    }
}

/// The bound of wasmi's value stack per process (the engine's `max_stack_height`), bytes:
/// 110 frames of 1000 `i64` locals fit in it.
pub const VALUE_STACK_BYTES: usize = 1_000_000;

/// Kernel heap one table element takes (wasmi keeps a 64-bit reference per element).
pub const TABLE_ELEMENT_BYTES: usize = 8;

/// Table elements a process may have in all its tables together (8 MiB of kernel heap):
/// each table is bounded by wasmi's store limits, but a module may declare thousands.
/// Real programs have one table of a few thousand functions.
pub const TABLE_ELEMENTS_PER_PROCESS: usize = 1 << 20;

impl Proc {
    /// Whether the kernel heap can give a memory or table growing from `current` to
    /// `desired` bytes: twice the new size plus [`GROW_HEADROOM`] must be free (a growing
    /// buffer may be copied while the old one is held; a new one, `current == 0`, needs
    /// its size once). While instantiating, against the budget taken when it began,
    /// which the grant is charged to: a start section's `memory.grow`, a module's many
    /// tables and memories are all bounded by what was free.
    fn heap_allows(&mut self, current: usize, desired: usize) -> bool {
        let size = if current == 0 {
            desired
        } else {
            desired.saturating_mul(2)
        };
        let needed = size.saturating_add(GROW_HEADROOM);
        let sys = self.home.take();
        let allowed = match &sys {
            Some(s) => s.memory_available().is_none_or(|free| free >= needed),
            None => match &mut self.instantiating {
                Some(budget) if *budget >= needed => {
                    *budget -= desired.saturating_sub(current);
                    true
                }
                Some(_) => false,
                None => true,
            },
        };
        self.home.set(sys);
        allowed
    }
}

/// Kernel heap kept free when a guest grows its memory, for the kernel's own allocations
/// (which cannot fail gracefully).
pub const GROW_HEADROOM: usize = 4 << 20;

/// Memory growth is bounded twice: by the per-process cap (`Limits::max_memory`, which
/// [`Charges`] applies to memory, tables and value stack together) and by what the
/// kernel heap can give without running dry. wasmi grows a
/// memory's buffer with `Vec::try_reserve`, which may allocate up to twice the new size
/// while the old buffer is still held, so a grow is refused (`memory.grow` returns -1)
/// unless twice the desired size plus [`GROW_HEADROOM`] is free. Tables likewise, per
/// element ([`TABLE_ELEMENT_BYTES`]), and all of a process's tables together hold at most
/// [`TABLE_ELEMENTS_PER_PROCESS`] elements. While the process is being instantiated the system
/// is not lent to it: a budget taken when instantiation began stands in
/// (`Proc::heap_allows`).
impl wasmi::ResourceLimiter for Proc {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool, wasmi_core::LimiterError> {
        if !self.limits.memory_growing(current, desired, maximum)? {
            return Ok(false);
        }
        let memory = self
            .charges
            .memory
            .saturating_add(desired.saturating_sub(current));
        if !self.charges.fits(memory, self.charges.table_elements) {
            return Ok(false);
        }
        let allowed = self.heap_allows(current, desired);
        if allowed {
            self.charges.memory = memory;
        }
        Ok(allowed)
    }

    fn memory_grow_failed(
        &mut self,
        error: &wasmi::errors::MemoryError,
    ) -> Result<(), wasmi_core::LimiterError> {
        self.limits.memory_grow_failed(error)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool, wasmi_core::LimiterError> {
        if !self.limits.table_growing(current, desired, maximum)? {
            return Ok(false);
        }
        let elements = self
            .charges
            .table_elements
            .saturating_add(desired.saturating_sub(current));
        if !self.charges.fits(self.charges.memory, elements) {
            return Ok(false);
        }
        let allowed = self.heap_allows(
            current.saturating_mul(TABLE_ELEMENT_BYTES),
            desired.saturating_mul(TABLE_ELEMENT_BYTES),
        );
        if allowed {
            self.charges.table_elements = elements;
        }
        Ok(allowed)
    }

    fn table_grow_failed(
        &mut self,
        error: &wasmi::errors::TableError,
    ) -> Result<(), wasmi_core::LimiterError> {
        self.limits.table_grow_failed(error)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
    }
}

/// What a handler works with.
pub struct Cx<'a> {
    pub mem: GuestMem<'a>,
    pub proc: &'a mut ProcData,
    pub sys: &'a mut System,
}

impl Cx<'_> {
    /// Monotonic nanoseconds.
    pub fn now(&self) -> u64 {
        self.sys.platform.monotonic_ns()
    }

    /// When this call was first attempted: `now` on the first attempt, and the same value
    /// on every retry of a blocked call.
    pub fn call_start(&mut self, now: u64) -> u64 {
        *self.proc.call_start.get_or_insert(now)
    }

    /// True when this is a retry of a call that blocked.
    pub fn is_retry(&self) -> bool {
        self.proc.retrying
    }
}

impl System {
    /// Bytes of kernel heap free for new allocations, when the platform knows: what it
    /// reports free less what is set aside for code still to be translated. Every check
    /// before a guest-driven allocation asks this, not the platform; each call is one
    /// check allocation-failure injection may fail ([`crate::failpoint`]).
    pub fn memory_available(&self) -> Option<usize> {
        crate::failpoint::available(self.memory_unreserved())
    }

    /// [`System::memory_available`] as it is, never failed by injection: for reports.
    pub fn memory_unreserved(&self) -> Option<usize> {
        self.platform
            .memory_available()
            .map(|free| free.saturating_sub(self.code_reserved.load(Ordering::Relaxed)))
    }

    /// Bytes of file data the kernel heap can still take (`None`: unknown): what is free
    /// less [`GROW_HEADROOM`] and two pages a write may start and end in. The filesystem's
    /// quota (half the heap) does not know what else uses the heap; this keeps the RAM
    /// filesystem out of the room the kernel's own allocations rely on.
    pub fn file_room(&self) -> Option<usize> {
        self.memory_available()
            .map(|free| free.saturating_sub(GROW_HEADROOM + 2 * vfs::PAGE_SIZE))
    }

    /// Undoes what process `pid` did to the console settings, as it ends: if no process
    /// changed them since, they go back to what `pid` found; otherwise the next setter
    /// will put back what `pid` found, when it ends in turn.
    pub fn release_tty(&mut self, pid: Pid) {
        let Some(i) = self.tty_saved.iter().position(|&(p, _)| p == pid) else {
            return;
        };
        let (_, found) = self.tty_saved.remove(i);
        match self.tty_saved.get_mut(i) {
            Some((_, next_found)) => *next_found = found,
            None => self.tty = found,
        }
    }

    /// Raises `sig` in `pid`: SRCH for no such live process, INVAL for a bad number; 0
    /// only checks the process exists. Ignored signals (not KILL) are dropped.
    pub fn raise(&mut self, pid: Pid, sig: u8) -> Result<(), Errno> {
        if sig > signal::MAX {
            return Err(Errno::Inval);
        }
        let info = self
            .procs
            .get_mut(&pid)
            .filter(|p| p.status.is_none())
            .ok_or(Errno::Srch)?;
        if sig == signal::CONT {
            // Continues a stopped process whatever its disposition, and cancels stops
            // not yet acted on.
            info.pending &= !signal::STOPS;
            if info.stopped.take().is_some() {
                info.stop_unreported = false;
                self.continued.push(pid);
            }
        } else if signal::stops_by_default(sig) {
            // A stop cancels a continue not yet acted on.
            info.pending &= !(1 << signal::CONT);
        } else if sig == signal::KILL {
            // Kills a stopped process too: it is no longer held.
            info.stopped = None;
        }
        let unignorable = sig == signal::KILL || sig == signal::STOP;
        if sig == 0 || (!unignorable && info.ignored & (1 << sig) != 0) {
            return Ok(());
        }
        info.pending |= 1 << sig;
        if info.handler_wait_at == 0 && signal::terminates_by_default(sig) {
            info.handler_wait_at = self.platform.monotonic_ns().max(1);
        }
        self.signalled.push(pid);
        Ok(())
    }

    /// The live members of process group `pgid`.
    pub fn group_members(&self, pgid: Pid) -> Vec<Pid> {
        self.procs
            .iter()
            .filter(|(_, i)| i.pgid == pgid && i.status.is_none())
            .map(|(p, _)| *p)
            .collect()
    }

    /// Raises `sig` in every live member of group `pgid`.
    pub fn raise_group(&mut self, pgid: Pid, sig: u8) {
        for pid in self.group_members(pgid) {
            let _ = self.raise(pid, sig);
        }
    }

    /// The foreground group, when one is set and it still has a live member (a group
    /// that has gone leaves the console as if none had been set).
    pub fn live_foreground(&self) -> Option<Pid> {
        self.foreground.filter(|&g| {
            self.procs
                .values()
                .any(|i| i.pgid == g && i.status.is_none())
        })
    }

    /// Whether `pid` is in a background group: a foreground group is set, alive, and
    /// is not `pid`'s.
    pub fn in_background(&self, pid: Pid) -> bool {
        match (self.live_foreground(), self.procs.get(&pid)) {
            (Some(fg), Some(info)) => info.pgid != fg,
            _ => false,
        }
    }

    /// Processes counted toward `Limits::max_procs`: the live ones and the zombies not
    /// yet joined, since each holds a process-table entry (a parent that never joins
    /// must not fill the kernel with them).
    pub fn counted_processes(&self) -> usize {
        self.procs.len()
    }

    /// Live (not yet ended) processes.
    pub fn live_processes(&self) -> usize {
        self.procs.values().filter(|p| p.status.is_none()).count()
    }
}

impl System {
    /// Moves typed bytes from the platform through the line discipline: echo goes out,
    /// ^C / ^\ / ^Z signal the foreground group ([`System::foreground`]) when one is set,
    /// else (as before job control) ^C and ^\ signal every process and ^Z nobody.
    /// Processes ignoring them — the shell — stay, and so does pid 1 without a handler:
    /// as on Linux, init gets only the signals it handles, so the system's init stays and
    /// a program run as pid 1 (`run`) that handles them gets them (wasix-libc's
    /// dispatcher carries out the default action for one it left at the default).
    /// Readers blocked on the console are woken when input is ready.
    pub fn pump_console(&mut self) {
        let mut buf = [0u8; 256];
        let (mut echo, mut signals) = (Vec::new(), Vec::new());
        loop {
            // Only what the terminal can hold: the rest stays with the platform (holding a
            // piped sender back) instead of being dropped.
            let want = buf.len().min(self.terminal.room());
            let n = self.platform.read_console(&mut buf[..want]);
            if n == 0 {
                break;
            }
            self.terminal
                .feed(&self.tty, &buf[..n], &mut echo, &mut signals);
        }
        if !echo.is_empty() {
            self.platform.write(crate::files::Stream::Stdout, &echo);
        }
        let foreground = self.live_foreground();
        for sig in signals {
            if foreground.is_none() && sig == signal::TSTP {
                continue;
            }
            let targets: Vec<Pid> = self
                .procs
                .iter()
                .filter(|(p, i)| {
                    // (A handler with signals blocked is still a handler.)
                    (**p != 1 || i.handler || i.blocked || !self.init_shielded)
                        && i.status.is_none()
                })
                .filter(|(_, i)| foreground.is_none_or(|g| i.pgid == g))
                .map(|(p, _)| *p)
                .collect();
            let now = self.platform.monotonic_ns();
            for pid in targets {
                if let Some(info) = self.procs.get_mut(&pid) {
                    let bit = 1u64 << sig;
                    if info.pending & bit == 0 || info.key_at == 0 {
                        info.key_at = now;
                    } else if signal::terminates_by_default(sig)
                        && now.saturating_sub(info.key_at) >= KEY_REPEAT_NS
                    {
                        log::info!(
                            "pid {pid}: signal {sig} typed again, never handled: its default action"
                        );
                        info.forced |= bit;
                    }
                }
                let _ = self.raise(pid, sig);
            }
        }
        if self.terminal.readable() {
            self.events.push(Event::Console);
        }
    }
}

/// Names of every host function registered, for the import check at spawn time; or,
/// registering a program's own linker, the only names to define in it.
#[derive(Debug, Default)]
pub struct Registry {
    /// What registration defined, by module (recorded only without `only`).
    names: Names,
    /// When set, registration defines only these (the program's imports) and records
    /// nothing: a linker holding all ~250 host calls cost as much to build as
    /// validating a small program.
    only: Option<Names>,
}

/// Import names by module: looked up by `&str` without building a key (a program's linker
/// asks once per host call the kernel has, ~500 times per load).
type Names = BTreeMap<String, BTreeSet<String>>;

impl Registry {
    /// Every (module, name) registration defined.
    pub fn names(&self) -> impl Iterator<Item = (&str, &str)> {
        self.names
            .iter()
            .flat_map(|(m, names)| names.iter().map(move |n| (m.as_str(), n.as_str())))
    }

    pub fn has(&self, module: &str, name: &str) -> bool {
        self.names.get(module).is_some_and(|n| n.contains(name))
    }

    /// A registry that defines only `imports` (module, name).
    pub fn only(imports: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut only = Names::new();
        for (module, name) in imports {
            only.entry(module).or_default().insert(name);
        }
        Self {
            names: Names::new(),
            only: Some(only),
        }
    }

    /// Whether registration should define `module::name` (and then [`Self::record`] it).
    pub fn wants(&self, module: &str, name: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.get(module).is_some_and(|n| n.contains(name)))
    }

    /// Defines `module::name` as `func` in `linker` if this registry wants it, and records
    /// it: how every host call is registered.
    pub fn define<Params, Results>(
        &mut self,
        linker: &mut Linker<Proc>,
        module: &str,
        name: &str,
        func: impl wasmi::IntoFunc<Proc, Params, Results>,
    ) -> Result<(), wasmi::Error> {
        if self.wants(module, name) {
            linker.func_wrap(module, name, func)?;
            self.record(module, name);
        }
        Ok(())
    }

    /// Notes that `module::name` is defined (for [`Self::has`]; a registry limited to a
    /// program's imports records nothing).
    pub fn record(&mut self, module: &str, name: &str) {
        if self.only.is_none() {
            self.names
                .entry(String::from(module))
                .or_default()
                .insert(String::from(name));
        }
    }
}

/// Where a process's execution stands between slices.
pub(crate) enum State {
    New(TypedFunc<(), ()>),
    Fuel(TypedResumableCallOutOfFuel<()>),
    Return(TypedResumableCallHostTrap<()>, i32),
    Blocked(TypedResumableCallHostTrap<()>, Wait, Retry),
}

/// A process's store and where its execution stands.
pub struct Task {
    pub(crate) pid: Pid,
    pub(crate) store: Store<Proc>,
    pub(crate) instance: Instance,
    /// The program (a fork instantiates it again for the child).
    pub(crate) module: Program,
    pub(crate) state: Option<State>,
    /// `_start`, while the start function (the first call) still runs.
    pub(crate) then_start: Option<TypedFunc<(), ()>>,
}

impl Task {
    /// The signal handler `callback_signal` named. A name that is no exported
    /// `(func (param i32))` is no handler: default actions apply.
    pub(crate) fn signal_handler(&self) -> Option<TypedFunc<i32, ()>> {
        let name = self.store.data().data.signal_handler.as_deref()?;
        self.instance
            .get_typed_func::<i32, ()>(&self.store, name)
            .ok()
    }
}
