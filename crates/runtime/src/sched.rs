//! Processes and the scheduler. Each process is a wasmi store running `_start` as a
//! resumable call in slices, round robin. A slice ends when the process runs out of time —
//! out of fuel, or, under an [`Executor`] that preempts (the kernel's timer), suspended
//! mid-computation on a stack of its own — or when a host call would block: that parks the
//! process with its wait condition and the call itself, which is retried when the
//! condition may have changed (time passed, an event such as console input). When nothing
//! is runnable the platform idles until the next deadline or interrupt.

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::format;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use abi::Errno;
use vfs::{Fs, Ino};
use wasmi::{
    Config, Engine, Instance, Linker, Module, Store, StoreLimitsBuilder, TypedFunc,
    TypedResumableCall, TypedResumableCallHostTrap, Val,
};

use crate::files::FdTable;
use crate::linker::{Blocked, ExecMarker, Fault, Killed, with_cx};
use crate::stack_state::RestoreMarker;
use crate::sys::Registry;

mod unwind;
use crate::sys::{
    CachedModule, ExecRequest, Home, Platform, Proc, ProcData, ProcInfo, Program, State, Sys,
    System, Task,
};
use crate::types::Event;
use crate::types::ExitStatus;
use crate::types::Limits;
use crate::types::Pid;
use crate::types::Wait;
use abi::wasix::signal;

/// A slice's work: runs the process's WebAssembly until it finishes, traps, makes a host
/// call that stops it, or (without preemption) runs out of fuel.
pub type SliceWork = Box<dyn FnOnce() -> Box<Slice>>;

/// A finished slice: the process and how its call came back.
pub struct Slice {
    task: Task,
    outcome: Result<TypedResumableCall<()>, wasmi::Error>,
}

impl Slice {
    /// Ended by running out of fuel: it was still computing.
    pub fn out_of_fuel(&self) -> bool {
        matches!(self.outcome, Ok(TypedResumableCall::OutOfFuel(_)))
    }
}

/// How a slice handed to an [`Executor`] came back.
pub enum Run {
    Done(Box<Slice>),
    /// Suspended by the timer; `resume` it later with this id.
    Preempted(u64),
}

/// Runs slices. The plain one ([`Direct`]) calls the work on the caller's stack and relies
/// on fuel to end it; the kernel's runs each slice on a stack of its own and suspends it
/// from the timer interrupt, so WebAssembly runs without fuel metering.
pub trait Executor {
    /// True when slices are suspended by a timer: WebAssembly then runs without fuel.
    fn preempts(&self) -> bool;
    /// Starts `work`.
    fn start(&mut self, work: SliceWork) -> Run;
    /// Continues a preempted slice; with `kill`, makes its WebAssembly trap as soon as it
    /// safely can (the process is being killed), so everything it holds is released.
    fn resume(&mut self, fiber: u64, kill: bool) -> Run;
}

/// The trap a preempting executor plants to end WebAssembly early (a kill, or a start
/// section or signal handler that runs too long where it cannot be preempted): the one
/// running out of fuel gives, which is what such code met under fuel.
pub const RUNAWAY_TRAP: u8 = wasmi_core::TrapCode::OutOfFuel as u8;

/// Runs each slice to its end on the caller's stack (fuel bounds it).
pub struct Direct;

impl Executor for Direct {
    fn preempts(&self) -> bool {
        false
    }

    fn start(&mut self, work: SliceWork) -> Run {
        Run::Done(work())
    }

    fn resume(&mut self, _fiber: u64, _kill: bool) -> Run {
        unreachable!("a direct slice is never preempted")
    }
}

/// A process suspended in the middle of a slice.
struct Preempted {
    fiber: u64,
    /// The process's CPU time before this slice, and what the slice has used so far.
    cpu_base: u64,
    cpu_slice: u64,
    /// Being killed by this signal.
    kill: Option<u8>,
}

/// A request to start a process.
pub struct SpawnSpec {
    pub ppid: Pid,
    /// Shown in the process table and messages.
    pub name: String,
    pub module: Program,
    pub args: Vec<Vec<u8>>,
    pub env: Vec<Vec<u8>>,
    pub fds: FdTable,
    /// The directory the process sees as `/`.
    pub root: Ino,
    /// Its working directory (absolute, inside `root`).
    pub cwd: String,
    /// Signals the child ignores (bit n = signal n).
    pub ignored: u64,
}

/// Why a program could not be started: the errno for the guest, a message for humans.
#[derive(Debug, Clone)]
pub struct SpawnError {
    pub errno: Errno,
    pub message: String,
}

impl SpawnError {
    fn new(errno: Errno, message: String) -> Self {
        Self { errno, message }
    }
}

/// Kernel memory kept free beyond a new process's initial linear memory.
pub(crate) const SPAWN_HEADROOM: usize = 8 << 20;

/// Most programs the module cache keeps, and most WebAssembly bytes they may total.
const MODULE_CACHE_ENTRIES: usize = 64;
const MODULE_CACHE_BYTES: u64 = 16 << 20;

/// Kernel heap a module may take while it is compiled, per byte of WebAssembly (an upper
/// estimate: the kernel logs the real figure at debug level; ~3-4x measured).
const COMPILE_FACTOR: usize = 8;

/// A ready-to-run program: its store, instance and `_start`.
type Instantiated = (Store<Proc>, Instance, TypedFunc<(), ()>);

impl System {
    /// Loads, validates and caches the program at `path` (relative to directory `dir`).
    /// A later load of the same unchanged file reuses the parsed module.
    pub fn load_module(&mut self, dir: Ino, path: &str) -> Result<Program, SpawnError> {
        let fail = |e: Errno| SpawnError::new(e, format!("{path}: {}", e.name()));
        let ino = self.fs.lookup(dir, path, true).map_err(fail)?;
        let stat = self.fs.stat(ino).map_err(fail)?;
        if stat.kind != vfs::FileType::RegularFile {
            return Err(SpawnError::new(
                Errno::Acces,
                format!("{path}: not a regular file"),
            ));
        }
        // Entries whose file is gone (unlinked, not open) can never be used again: let
        // their programs go (and their code, once no process runs them).
        let fs = &self.fs;
        self.modules
            .retain(|_, c| fs.stat(c.ino).is_ok_and(|st| st.nlink > 0));
        let key = format!("{dir}:{path}");
        let now = self.modules.values().map(|c| c.used).max().unwrap_or(0) + 1;
        if let Some(c) = self.modules.get_mut(&key)
            && c.ino == ino
            && c.mtime == stat.mtim
            && c.size == stat.size
        {
            c.used = now;
            return Ok(c.module.clone());
        }
        let len = usize::try_from(stat.size).map_err(|_| fail(Errno::FBig))?;
        let mut bytes = Vec::new();
        bytes
            .try_reserve_exact(len)
            .map_err(|_| fail(Errno::NoMem))?;
        bytes.resize(len, 0);
        let n = self.fs.read(ino, 0, &mut bytes).map_err(fail)?;
        bytes.truncate(n);
        let module = self.compile(path, &bytes)?;
        // Bounded: a guest that writes and spawns many programs must not pin their
        // translations for ever. The least recently used entries make room.
        self.modules.remove(&key);
        let cached = |m: &BTreeMap<String, CachedModule>| m.values().map(|c| c.size).sum::<u64>();
        while !self.modules.is_empty()
            && (self.modules.len() >= MODULE_CACHE_ENTRIES
                || cached(&self.modules).saturating_add(stat.size) > MODULE_CACHE_BYTES)
        {
            let oldest = self
                .modules
                .iter()
                .min_by_key(|(_, c)| c.used)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                self.modules.remove(&k);
            }
        }
        self.modules.insert(
            key,
            CachedModule {
                ino,
                mtime: stat.mtim,
                size: stat.size,
                module: module.clone(),
                used: now,
            },
        );
        Ok(module)
    }

    /// Validates `bytes` as a module named `name`, checks that every import is a function
    /// this kernel provides, and compiles it in an engine of its own ([`Program`]).
    pub fn compile(&self, name: &str, bytes: &[u8]) -> Result<Program, SpawnError> {
        // Compilation allocates infallibly: refuse a module whose translation might not fit
        // with the kernel's headroom left, instead of letting it exhaust the heap.
        let free = self.platform.memory_available();
        let needed = bytes
            .len()
            .saturating_mul(COMPILE_FACTOR)
            .saturating_add(crate::sys::GROW_HEADROOM);
        if free.is_some_and(|free| free < needed) {
            return Err(SpawnError::new(
                Errno::NoMem,
                format!("{name}: not enough kernel memory to load it"),
            ));
        }
        let invalid = |e: wasmi::Error| {
            SpawnError::new(
                Errno::NoExec,
                format!("{name}: invalid WebAssembly module: {e}"),
            )
        };
        // WASIX programs use the threads proposal (shared memory, atomics), which wasmi
        // does not run: lower it to plain WebAssembly first (crates/wasmlower). A process
        // has one thread, so nothing is lost.
        let lowered;
        let bytes = if wasmlower::needs_lowering(bytes) {
            lowered = wasmlower::lower(bytes, &wasmlower::Options::default()).map_err(|e| {
                SpawnError::new(
                    Errno::NoExec,
                    format!("{name}: cannot lower the threads proposal: {e}"),
                )
            })?;
            log::debug!("lowered {name}: {:?}", lowered.stats);
            &lowered.wasm[..]
        } else {
            bytes
        };
        // Validate the whole module before wasmi translates it: wasmi 2.0.0's translator,
        // which validates as it goes, panics on a body with an operator after its final
        // `end` (found by the module_load fuzz target) before its validator rejects it.
        Module::validate(&self.engine, bytes).map_err(invalid)?;
        // Imports and `_start` next, still before anything is compiled: a refused program
        // costs no translation at all.
        self.check_interface(name, bytes)?;
        let engine = Engine::new(self.engine.config());
        let module = Module::new(&engine, bytes).map_err(invalid)?;
        let linker = program_linker(&engine, crate::wasix::is_legacy(&module))
            .map_err(|e| SpawnError::new(Errno::NoExec, format!("{name}: cannot link: {e}")))?;
        if let (Some(before), Some(after)) = (free, self.platform.memory_available()) {
            log::debug!(
                "compiled {name}: {} KiB of wasm took {} KiB of kernel heap",
                bytes.len() >> 10,
                before.saturating_sub(after) >> 10
            );
        }
        Ok(Program {
            module,
            linker: Arc::new(linker),
        })
    }

    /// Refuses a module importing anything but functions this kernel provides, or
    /// exporting no `_start` function. Reads only the sections before the code of a module
    /// already validated.
    fn check_interface(&self, name: &str, bytes: &[u8]) -> Result<(), SpawnError> {
        use wasmparser::{ExternalKind, Payload, TypeRef};
        let mut start = false;
        let refuse = |message: String| Err(SpawnError::new(Errno::NoExec, message));
        for payload in wasmparser::Parser::new(0).parse_all(bytes) {
            let reader = match payload {
                Ok(Payload::ImportSection(reader)) => reader,
                Ok(Payload::ExportSection(reader)) => {
                    start = reader.into_iter().any(|e| {
                        e.is_ok_and(|e| e.name == "_start" && e.kind == ExternalKind::Func)
                    });
                    continue;
                }
                Ok(Payload::CodeSectionStart { .. }) => break,
                Ok(_) => continue,
                Err(e) => return refuse(format!("{name}: invalid WebAssembly module: {e}")),
            };
            for import in reader.into_imports() {
                let import = import.map_err(|e| {
                    SpawnError::new(
                        Errno::NoExec,
                        format!("{name}: invalid WebAssembly module: {e}"),
                    )
                })?;
                if import.module == "wasix_64v1" {
                    return refuse(format!(
                        "{name}: imports wasix_64v1::{}: 64-bit WASIX (wasm64) is not \
                         supported, build for wasm32 (wasix_32v1)",
                        import.name
                    ));
                }
                let what = if matches!(import.ty, TypeRef::Func(_) | TypeRef::FuncExact(_)) {
                    ""
                } else {
                    "non-function "
                };
                if !what.is_empty() || !self.registry.has(import.module, import.name) {
                    return refuse(format!(
                        "{name}: imports {what}{}::{}, which this kernel does not provide",
                        import.module, import.name
                    ));
                }
            }
        }
        if !start {
            return refuse(format!("{name}: no `_start` function exported"));
        }
        Ok(())
    }

    /// Creates a process from `spec`; it starts running at the next scheduling round. On
    /// failure the descriptors in `spec` are closed.
    pub fn spawn(&mut self, spec: SpawnSpec) -> Result<Pid, SpawnError> {
        let SpawnSpec {
            ppid,
            name,
            module,
            args,
            env,
            fds,
            root,
            cwd,
            ignored,
        } = spec;
        let pid = self.next_pid;
        let data = ProcData {
            pid,
            args,
            env,
            fds,
            memory: None,
            cpu_ns: 0,
            call_start: None,
            retrying: false,
            root,
            cwd,
            signal_handler: None,
            in_handler: false,
            interrupt_value: None,
            linux_signals: false,
            legacy_abi: false,
            stack: Default::default(),
        };
        // Spawned-but-not-yet-adopted processes are already in `procs` (and so among the
        // counted ones): count them once.
        if self.counted_processes() >= self.limits.max_procs {
            self.discard(data);
            return Err(SpawnError::new(
                Errno::Again,
                format!("{name}: process limit reached"),
            ));
        }
        // Refuse (AGAIN, as fork does) rather than let the kernel heap run dry: the new
        // process needs its initial linear memory plus headroom for the kernel itself.
        let initial: usize = module
            .module
            .exports()
            .filter_map(|e| match e.ty() {
                wasmi::ExternType::Memory(m) => usize::try_from(m.minimum()).ok(),
                _ => None,
            })
            .map(|pages| pages.saturating_mul(65536))
            .sum();
        let needed = initial.saturating_add(SPAWN_HEADROOM);
        if self
            .platform
            .memory_available()
            .is_some_and(|free| free < needed)
        {
            self.discard(data);
            return Err(SpawnError::new(
                Errno::Again,
                format!("{name}: not enough memory for a new process"),
            ));
        }
        let cmdline = crate::procfs::cmdline(&data.args);
        let (store, instance, start) = self.instantiate(&name, &module, data)?;
        self.next_pid += 1;
        let mut info = ProcInfo::new(ppid, name, ignored);
        info.cmdline = cmdline;
        self.procs.insert(pid, info);
        self.new_tasks.push(Task {
            pid,
            store,
            instance,
            module,
            state: Some(State::New(start)),
        });
        log::debug!("spawned pid {pid}");
        Ok(pid)
    }

    /// Closes the descriptors of a process that will not run.
    fn discard(&mut self, mut data: ProcData) {
        // Its start section may have changed the console settings.
        self.release_tty(data.pid);
        data.fds.close_all(&mut self.fs, &mut self.files);
        self.files.drain_events(&mut self.events);
    }

    /// A store for `data` running `module`, its instance and `_start`. The start section
    /// runs here with a bounded budget, so it cannot stall the system.
    fn instantiate(
        &mut self,
        name: &str,
        program: &Program,
        data: ProcData,
    ) -> Result<Instantiated, SpawnError> {
        let limits = StoreLimitsBuilder::new()
            .memory_size(self.limits.max_memory)
            // A table element costs the kernel 8-16 bytes: 1M elements at most.
            .table_elements(1 << 20)
            .build();
        let proc = Proc {
            // The scheduler points this at its home once the process is adopted; a start
            // section running here finds the system away, so its host calls fail.
            home: Rc::default(),
            data,
            limits,
            pending: None,
            exec: None,
            // What the module's memory, tables and start section take is bounded by the
            // heap free now, with the same headroom as `memory.grow` (a spawn checked
            // the initial memory first; an exec or fork relies on this alone).
            instantiating: self.platform.memory_available(),
        };
        let module = &program.module;
        let mut store = Store::new(module.engine(), proc);
        store.limiter(|p| p);
        let _ = store.set_fuel(self.limits.slice_fuel.saturating_mul(50));
        let linker = Arc::clone(&program.linker);
        self.platform.nested_run(true);
        let instantiated = linker.instantiate_and_start(&mut store, module);
        self.platform.nested_run(false);
        store.data_mut().instantiating = None;
        let instance = match instantiated {
            Ok(i) => i,
            Err(e) => {
                self.discard(store.into_data().data);
                return Err(SpawnError::new(
                    Errno::NoExec,
                    format!("{name}: cannot instantiate: {e}"),
                ));
            }
        };
        store.data_mut().data.memory = instance.get_memory(&store, "memory");
        store.data_mut().data.linux_signals = instance.get_func(&store, "__wasm_signal").is_some();
        store.data_mut().data.legacy_abi = crate::wasix::is_legacy(module);
        match instance.get_typed_func::<(), ()>(&store, "_start") {
            Ok(start) => Ok((store, instance, start)),
            Err(_) => {
                self.discard(store.into_data().data);
                Err(SpawnError::new(
                    Errno::NoExec,
                    format!("{name}: no `_start` function exported"),
                ))
            }
        }
    }
}

/// The host calls, for modules compiled in `engine`: every call, or with `legacy` the 2022
/// WASIX ABI's versions of the calls it changed.
fn program_linker(engine: &Engine, legacy: bool) -> Result<Linker<Proc>, wasmi::Error> {
    let mut linker = Linker::<Proc>::new(engine);
    // The names were recorded once, when the kernel started.
    let mut names = Registry::default();
    crate::wasi::register(&mut linker, &mut names)?;
    if legacy {
        crate::wasix::register_legacy(&mut linker, &mut names)?;
    }
    Ok(linker)
}

/// The process runtime: owns the system and every task, and schedules them.
pub struct Kernel {
    sys: Option<Box<System>>,
    /// Where `sys` is lent while a slice runs.
    home: Home,
    executor: Box<dyn Executor>,
    tasks: BTreeMap<Pid, Task>,
    preempted: BTreeMap<Pid, Preempted>,
    ready: VecDeque<Pid>,
    blocked: BTreeSet<Pid>,
}

impl Drop for Kernel {
    /// Ends processes still suspended mid-slice (a bounded `run_rounds` leaves them), so
    /// their stores and descriptors are released like any other process's.
    fn drop(&mut self) {
        let pids: Vec<Pid> = self.preempted.keys().copied().collect();
        for pid in pids {
            if let Some(p) = self.preempted.get_mut(&pid) {
                p.kill = Some(signal::KILL);
            }
            // Each resume plants the trap where it safely can; it lands within a few.
            for _ in 0..1000 {
                if !self.preempted.contains_key(&pid) || self.sys.is_none() {
                    break;
                }
                self.run_slice(pid);
            }
        }
    }
}

/// Counts for leak checks: what the system holds right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub tasks: usize,
    pub procs: usize,
    pub open_files: usize,
    pub pipes: usize,
}

impl Kernel {
    /// A runtime over `fs`, with every host call registered.
    pub fn new(platform: Box<dyn Platform>, fs: Fs, limits: Limits) -> Result<Self, wasmi::Error> {
        Self::with_executor(platform, Box::new(Direct), fs, limits)
    }

    /// A runtime whose slices run on `executor`; when it preempts, without fuel metering
    /// (wasmi's per-block fuel checks cost ~25 % of interpreter speed under emulation).
    pub fn with_executor(
        platform: Box<dyn Platform>,
        executor: Box<dyn Executor>,
        fs: Fs,
        limits: Limits,
    ) -> Result<Self, wasmi::Error> {
        let mut config = Config::default();
        config.consume_fuel(!executor.preempts());
        // Lazy translation charges fuel for compiling a function on its first call and
        // reports running out there as a (non-resumable) trap; translate at load instead,
        // which the module cache makes a one-time cost per program.
        config.compilation_mode(wasmi::CompilationMode::Eager);
        // Each program's engine is made with this configuration ([`Program`]). It keeps no
        // spare execution stacks: kept per program, a process's deep recursion could leave
        // megabytes behind in every engine of the cache.
        config.set_max_cached_stacks(0);
        // One linear memory per process, so the per-process memory cap (a per-memory
        // limit in wasmi) caps the process; no WASI or WASIX toolchain emits more.
        config.wasm_multi_memory(false);
        let engine = Engine::new(&config);
        // The names of every host call, for the import check at load time.
        let mut registry = Registry::default();
        let mut linker = Linker::<Proc>::new(&engine);
        crate::wasi::register(&mut linker, &mut registry)?;
        crate::wasix::register_legacy(&mut linker, &mut registry)?;
        drop(linker);
        let sys = System {
            platform,
            fs,
            files: Default::default(),
            limits,
            engine,
            registry: Arc::new(registry),
            procs: BTreeMap::new(),
            modules: BTreeMap::new(),
            events: Vec::new(),
            tty: Default::default(),
            tty_saved: Vec::new(),
            terminal: Default::default(),
            signalled: Vec::new(),
            new_tasks: Vec::new(),
            next_pid: 1,
            procfs: None,
            devfs: None,
            idle_ns: 0,
        };
        Ok(Self {
            sys: Some(Box::new(sys)),
            home: Rc::default(),
            executor,
            tasks: BTreeMap::new(),
            preempted: BTreeMap::new(),
            ready: VecDeque::new(),
            blocked: BTreeSet::new(),
        })
    }

    fn home(&mut self) -> &mut System {
        // Invariant: `sys` is lent to a store only for the duration of one slice or retry.
        self.sys
            .as_mut()
            .expect("the system is home between slices")
    }

    /// The shared system (between slices).
    pub fn sys(&mut self) -> &mut System {
        self.home()
    }

    /// Exit status of `pid` once it has ended.
    pub fn status(&self, pid: Pid) -> Option<ExitStatus> {
        self.sys.as_ref()?.procs.get(&pid)?.status
    }

    /// What is alive and open right now.
    pub fn stats(&self) -> Stats {
        let (procs, open_files, pipes) = self.sys.as_ref().map_or((0, 0, 0), |s| {
            (s.live_processes(), s.files.count(), s.files.pipes.count())
        });
        Stats {
            tasks: self.tasks.len() + self.preempted.len(),
            procs,
            open_files,
            pipes,
        }
    }

    /// Runs until every process has ended.
    pub fn run(&mut self) {
        self.run_rounds(u64::MAX);
    }

    /// Runs at most `rounds` scheduling rounds (each runs one slice, or retries blocked
    /// calls, or idles once); true once every process has ended. Fuzzers and tests use it
    /// to bound a run whose processes may never end.
    pub fn run_rounds(&mut self, mut rounds: u64) -> bool {
        loop {
            if rounds == 0 {
                return self.no_tasks() && self.home().new_tasks.is_empty();
            }
            rounds -= 1;
            self.adopt_new_tasks();
            self.home().pump_console();
            self.fire_alarms();
            self.handle_signals();
            if let Some(pid) = self.ready.pop_front() {
                self.run_slice(pid);
                self.wake();
                continue;
            }
            if self.no_tasks() {
                return true;
            }
            if !self.home().events.is_empty() {
                self.wake();
                if !self.ready.is_empty() {
                    continue;
                }
            }
            let deadline = self.next_deadline();
            let sys = self.home();
            let idle_from = sys.platform.monotonic_ns();
            sys.platform.idle(deadline);
            let idled = sys.platform.monotonic_ns().saturating_sub(idle_from);
            sys.idle_ns = sys.idle_ns.saturating_add(idled);
            sys.pump_console();
            self.wake();
        }
    }

    fn no_tasks(&self) -> bool {
        self.tasks.is_empty() && self.preempted.is_empty()
    }

    /// Lends the system to the slot host calls take it from, for one slice or retry.
    fn lend(&mut self) {
        self.home.set(self.sys.take());
    }

    fn take_home(&mut self) {
        self.sys = self.home.take();
    }

    fn next_deadline(&self) -> Option<u64> {
        let waits = self.blocked.iter().filter_map(|pid| {
            match self.tasks.get(pid).and_then(|t| t.state.as_ref()) {
                Some(State::Blocked(_, wait, _)) => wait.deadline(),
                _ => None,
            }
        });
        let alarms = self
            .sys
            .as_ref()
            .into_iter()
            .flat_map(|s| s.procs.values().filter_map(|p| p.alarm.map(|a| a.0)));
        waits.chain(alarms).min()
    }

    fn adopt_new_tasks(&mut self) {
        let new = core::mem::take(&mut self.home().new_tasks);
        for mut task in new {
            task.store.data_mut().home = Rc::clone(&self.home);
            self.ready.push_back(task.pid);
            self.tasks.insert(task.pid, task);
        }
    }

    /// Raises due `proc_raise_interval` signals.
    fn fire_alarms(&mut self) {
        let sys = self.home();
        let now = sys.platform.monotonic_ns();
        let mut due = Vec::new();
        for (&pid, info) in sys.procs.iter_mut() {
            if let Some((deadline, interval, repeat, sig)) = info.alarm
                && now >= deadline
            {
                info.alarm =
                    repeat.then(|| (now.saturating_add(interval.max(1)), interval, repeat, sig));
                due.push((pid, sig));
            }
        }
        for (pid, sig) in due {
            let _ = sys.raise(pid, sig);
        }
    }

    /// Acts on signals raised since the last look: a process with a fatal signal pending
    /// ends now, wherever it is; a blocked process with a handled signal has its call
    /// interrupted (INTR) so the handler can run before its next slice.
    fn handle_signals(&mut self) {
        let signalled = core::mem::take(&mut self.home().signalled);
        for pid in signalled {
            let Some((deliverable, has_handler, blocked)) = self
                .sys
                .as_ref()
                .and_then(|s| s.procs.get(&pid))
                .map(|p| (p.deliverable(), p.handler || p.blocked, p.blocked))
            else {
                continue;
            };
            if deliverable == 0 {
                continue;
            }
            if let Some(sig) = fatal_signal(deliverable, has_handler) {
                if let Some(task) = self.tasks.remove(&pid) {
                    self.finish(task, ExitStatus::Signal(sig));
                } else if let Some(p) = self.preempted.get_mut(&pid) {
                    // Its stack holds the store: it ends when its next slice unwinds.
                    p.kill = Some(sig);
                    self.ready.retain(|q| *q != pid);
                    self.ready.push_front(pid);
                }
                continue;
            }
            if blocked {
                // Held pending until the program unblocks signals.
                continue;
            }
            if !self.tasks.contains_key(&pid) {
                // Suspended mid-computation: the handler runs when the process next calls
                // the system and its slice ends, or at its next fresh slice.
                continue;
            }
            if has_handler
                && self.blocked.contains(&pid)
                && let Some(mut task) = self.tasks.remove(&pid)
                && let Some(State::Blocked(inv, _, _)) = task.state.take()
            {
                let value = task.store.data().data.interrupt_value;
                self.make_ready(
                    pid,
                    task,
                    inv,
                    value.unwrap_or(i32::from(Errno::Intr.raw())),
                );
            } else if !has_handler {
                // Only default-ignored signals are left: drop them.
                if let Some(info) = self.home().procs.get_mut(&pid) {
                    info.pending = 0;
                }
            }
        }
    }

    /// Retries blocked calls whose conditions may now hold.
    fn wake(&mut self) {
        if self.blocked.is_empty() {
            self.home().events.clear();
            return;
        }
        let sys = self.sys.as_mut().expect("system home");
        let now = sys.platform.monotonic_ns();
        let events = core::mem::take(&mut sys.events);
        let candidates: Vec<Pid> = self
            .blocked
            .iter()
            .copied()
            .filter(
                |pid| match self.tasks.get(pid).and_then(|t| t.state.as_ref()) {
                    Some(State::Blocked(_, wait, _)) => wait.may_be_ready(now, &events),
                    _ => false,
                },
            )
            .collect();
        for pid in candidates {
            let Some(mut task) = self.tasks.remove(&pid) else {
                continue;
            };
            let Some(State::Blocked(inv, wait, mut retry)) = task.state.take() else {
                continue;
            };
            self.lend();
            task.store.data_mut().data.retrying = true;
            let memory = task.store.data().data.memory;
            let outcome = match memory {
                Some(m) => {
                    let (bytes, proc) = m.data_and_store_mut(&mut task.store);
                    with_cx(bytes, proc, |cx| retry(cx))
                }
                None => with_cx(&mut [], task.store.data_mut(), |cx| retry(cx)),
            };
            self.take_home();
            match outcome {
                Some(Ok(())) => self.make_ready(pid, task, inv, 0),
                Some(Err(Sys::Err(e))) => self.make_ready(pid, task, inv, i32::from(e.raw())),
                Some(Err(Sys::Ret(v))) => self.make_ready(pid, task, inv, v),
                Some(Err(Sys::Trap(msg))) => {
                    self.report(&mut task, &format!("trap: {msg}\n"));
                    self.finish(task, ExitStatus::Signal(signal::ABRT));
                }
                Some(Err(Sys::Block(w))) => {
                    let w = if w == Wait::Yield { wait } else { w };
                    task.state = Some(State::Blocked(inv, w, retry));
                    self.tasks.insert(pid, task);
                }
                Some(Err(Sys::Exit(code))) => self.finish(task, ExitStatus::Code(code)),
                Some(Err(Sys::Signal(sig))) => self.finish(task, ExitStatus::Signal(sig)),
                Some(Err(Sys::Exec(req))) => self.exec(task, *req),
                None => self.finish(task, ExitStatus::Signal(signal::ABRT)),
            }
        }
        // Events raised by the retries themselves (a pipe drained, a child reaped) are
        // looked at on the next round.
    }

    fn make_ready(
        &mut self,
        pid: Pid,
        mut task: Task,
        inv: TypedResumableCallHostTrap<()>,
        value: i32,
    ) {
        self.blocked.remove(&pid);
        task.state = Some(State::Return(inv, value));
        self.tasks.insert(pid, task);
        self.ready.push_back(pid);
    }

    /// Runs the guest's signal handler for each handled pending signal; returns the signal
    /// that kills the process instead, if any.
    fn deliver(&mut self, task: &mut Task) -> Option<ExitStatus> {
        let pid = task.pid;
        let info = self.home().procs.get_mut(&pid)?;
        let deliverable = info.deliverable();
        if deliverable == 0 {
            return None;
        }
        if task.store.data().data.signals_blocked() && deliverable & (1 << signal::KILL) == 0 {
            // Held until the program unblocks them.
            return None;
        }
        info.pending &= !deliverable;
        let func = task.signal_handler();
        if let Some(sig) = fatal_signal(deliverable, func.is_some()) {
            return Some(ExitStatus::Signal(sig));
        }
        let func = func?;
        for sig in 1..=signal::MAX {
            if deliverable & (1 << sig) == 0 {
                continue;
            }
            let slice = self.home().limits.slice_fuel;
            let _ = task.store.set_fuel(slice.saturating_mul(10));
            self.home().platform.nested_run(true);
            task.store.data_mut().data.in_handler = true;
            self.lend();
            let number = if task.store.data().data.linux_signals {
                signal::to_linux(sig)
            } else {
                sig
            };
            let result = func.call(&mut task.store, i32::from(number));
            self.take_home();
            task.store.data_mut().data.in_handler = false;
            self.home().platform.nested_run(false);
            if let Err(e) = result {
                // The handler longjmp'd out (siglongjmp): the slice switches stacks.
                if e.downcast_ref::<RestoreMarker>().is_some() {
                    return None;
                }
                // The handler may end the process itself: proc_exit, or a fatal signal.
                if let Some(code) = e.i32_exit_status() {
                    return Some(ExitStatus::Code(code as u32));
                }
                if let Some(Killed(sig)) = e.downcast_ref::<Killed>() {
                    return Some(ExitStatus::Signal(*sig));
                }
                let msg = format!("signal handler for {sig} failed: {e}\n");
                self.report(task, &msg);
                return Some(ExitStatus::Signal(signal::ABRT));
            }
        }
        None
    }

    fn run_slice(&mut self, pid: Pid) {
        let started = self.home().platform.monotonic_ns();
        let (run, mut suspended) = if let Some(p) = self.preempted.remove(&pid) {
            self.lend();
            let run = self.executor.resume(p.fiber, p.kill.is_some());
            self.take_home();
            (run, p)
        } else {
            let Some(mut task) = self.tasks.remove(&pid) else {
                return;
            };
            // Not while a stack operation rewinds (asyncify is mid-rewind until the call
            // that started it returns): a handler run now would consume the saved frames.
            let rewinding = task.store.data().data.stack.resume.is_some();
            if !rewinding && let Some(status) = self.deliver(&mut task) {
                self.finish(task, status);
                return;
            }
            if task.store.data().data.stack.restore.is_some() {
                self.restore(task);
                return;
            }
            // While the slice runs the scheduler cannot look into the store: note whether
            // the handler (if any) really is an export it can call.
            let handles = task.signal_handler().is_some();
            let blocked = task.store.data().data.signals_blocked();
            if let Some(info) = self.home().procs.get_mut(&pid) {
                info.handler = handles;
                info.blocked = blocked;
            }
            let Some(state) = task.state.take() else {
                return;
            };
            if let State::Blocked(..) = state {
                // Not reachable: blocked tasks are never queued. Put it back untouched.
                task.state = Some(state);
                self.tasks.insert(pid, task);
                return;
            }
            let slice = self.home().limits.slice_fuel;
            // A single instruction may need more than a slice (memory.fill of many MiB):
            // give it what it asks for, or the process would never make progress.
            let fuel = match &state {
                State::Fuel(inv) => slice.max(inv.required_fuel()),
                _ => slice,
            };
            let cpu_base = task.store.data().data.cpu_ns;
            // Fails (and is not needed) when the executor preempts: there is no fuel.
            let _ = task.store.set_fuel(fuel);
            self.lend();
            let run = self.executor.start(Box::new(move || {
                let outcome = match state {
                    State::New(start) => start.call_resumable(&mut task.store, ()),
                    State::Fuel(inv) => inv.resume(&mut task.store),
                    State::Return(inv, v) => inv.resume(&mut task.store, &[Val::I32(v)]),
                    State::Blocked(..) => unreachable!("checked before the slice"),
                };
                Box::new(Slice { task, outcome })
            }));
            self.take_home();
            let fresh = Preempted {
                fiber: 0,
                cpu_base,
                cpu_slice: 0,
                kill: None,
            };
            (run, fresh)
        };
        let elapsed = self.home().platform.monotonic_ns().saturating_sub(started);
        suspended.cpu_slice += elapsed;
        let cpu_ns = suspended.cpu_base + suspended.cpu_slice;
        let Slice { mut task, outcome } = match run {
            Run::Done(slice) => *slice,
            Run::Preempted(fiber) => {
                if let Some(info) = self.home().procs.get_mut(&pid) {
                    info.cpu_ns = cpu_ns;
                    info.sleeping = false;
                }
                suspended.fiber = fiber;
                self.preempted.insert(pid, suspended);
                self.ready.push_back(pid);
                return;
            }
        };
        task.store.data_mut().data.cpu_ns = cpu_ns;
        let memory = task
            .store
            .data()
            .data
            .memory
            .map_or(0, |m| m.data_size(&task.store) as u64);
        if let Some(info) = self.home().procs.get_mut(&pid) {
            info.memory = memory;
            info.cpu_ns = cpu_ns;
            info.sleeping = false;
        }
        if let Some(sig) = suspended.kill {
            // However the slice ended — usually the trap the kill planted — it dies.
            self.finish(task, ExitStatus::Signal(sig));
            return;
        }
        match outcome {
            Ok(TypedResumableCall::Finished(())) => {
                match task.store.data_mut().data.stack.unwound.take() {
                    // `_start` returned because a stack operation unwound it.
                    Some(op) => self.complete_unwind(task, op),
                    None => self.finish(task, ExitStatus::Code(0)),
                }
            }
            Ok(TypedResumableCall::OutOfFuel(inv)) => {
                task.state = Some(State::Fuel(inv));
                self.tasks.insert(pid, task);
                self.ready.push_back(pid);
            }
            Ok(TypedResumableCall::HostTrap(inv)) => self.host_trap(task, inv),
            Err(e) => {
                if let Some(code) = e.i32_exit_status() {
                    self.finish(task, ExitStatus::Code(code as u32));
                } else {
                    let msg = match (e.as_trap_code(), e.downcast_ref::<Fault>()) {
                        (Some(trap), _) => format!("trap: {trap}\n"),
                        (None, Some(Fault(fault))) => format!("trap: {fault}\n"),
                        (None, None) => format!("error: {e}\n"),
                    };
                    self.report(&mut task, &msg);
                    self.finish(task, ExitStatus::Signal(signal::ABRT));
                }
            }
        }
    }

    /// A host call stopped the slice: it blocked, exited, was killed or asked for exec.
    fn host_trap(&mut self, mut task: Task, inv: TypedResumableCallHostTrap<()>) {
        let pid = task.pid;
        let err = inv.host_error();
        if err.downcast_ref::<Blocked>().is_some() {
            match task.store.data_mut().pending.take() {
                Some((Wait::Yield, _)) => {
                    task.state = Some(State::Return(inv, 0));
                    self.tasks.insert(pid, task);
                    self.ready.push_back(pid);
                }
                Some((wait, retry)) => {
                    if let Some(info) = self.home().procs.get_mut(&pid) {
                        info.sleeping = true;
                    }
                    task.state = Some(State::Blocked(inv, wait, retry));
                    self.tasks.insert(pid, task);
                    self.blocked.insert(pid);
                }
                None => self.finish(task, ExitStatus::Signal(signal::ABRT)),
            }
        } else if let Some(code) = err.i32_exit_status() {
            self.finish(task, ExitStatus::Code(code as u32));
        } else if let Some(Killed(sig)) = err.downcast_ref::<Killed>() {
            let sig = *sig;
            self.finish(task, ExitStatus::Signal(sig));
        } else if err.downcast_ref::<RestoreMarker>().is_some() {
            self.restore(task);
        } else if err.downcast_ref::<ExecMarker>().is_some() {
            match task.store.data_mut().exec.take() {
                Some(req) => self.exec(task, *req),
                None => self.finish(task, ExitStatus::Signal(signal::ABRT)),
            }
        } else {
            let msg = match (err.as_trap_code(), err.downcast_ref::<Fault>()) {
                (Some(trap), _) => format!("trap: {trap}\n"),
                (None, Some(Fault(fault))) => format!("trap: {fault}\n"),
                (None, None) => format!("error: {err}\n"),
            };
            self.report(&mut task, &msg);
            self.finish(task, ExitStatus::Signal(signal::ABRT));
        }
    }

    /// Replaces `task`'s program: same pid, parent, root, working directory and
    /// descriptors (minus CLOEXEC ones); handlers reset, ignored signals stay ignored.
    fn exec(&mut self, task: Task, req: ExecRequest) {
        let pid = task.pid;
        self.blocked.remove(&pid);
        let old = task.store.into_data().data;
        let sys = self.sys.as_mut().expect("system home");
        let System {
            fs, files, events, ..
        } = &mut **sys;
        let mut fds = old.fds;
        let kept = fds.inherit(files, true);
        fds.close_all(fs, files);
        files.drain_events(events);
        let cmdline = crate::procfs::cmdline(&req.args);
        let data = ProcData {
            pid,
            args: req.args,
            env: req.env,
            fds: kept,
            memory: None,
            cpu_ns: old.cpu_ns,
            call_start: None,
            retrying: false,
            root: old.root,
            cwd: old.cwd,
            signal_handler: None,
            in_handler: false,
            interrupt_value: None,
            linux_signals: false,
            legacy_abi: false,
            stack: Default::default(),
        };
        match sys.instantiate(&req.name, &req.module, data) {
            Ok((mut store, instance, start)) => {
                if let Some(info) = sys.procs.get_mut(&pid) {
                    info.name = req.name;
                    info.cmdline = cmdline;
                    info.handler = false;
                    info.blocked = false;
                }
                store.data_mut().home = Rc::clone(&self.home);
                self.tasks.insert(
                    pid,
                    Task {
                        pid,
                        store,
                        instance,
                        module: req.module,
                        state: Some(State::New(start)),
                    },
                );
                self.ready.push_back(pid);
            }
            Err(e) => {
                // The old program is gone; like a failed execve after the point of no
                // return, the process dies.
                log::info!("pid {pid}: exec failed: {}", e.message);
                // As in `finish`: the parent is woken (a join waits for this) and gets CHLD.
                self.mark_ended(pid, ExitStatus::Signal(signal::ABRT));
            }
        }
    }

    /// Writes a runtime message to the process's stderr (fd 2), best effort.
    fn report(&mut self, task: &mut Task, msg: &str) {
        let sys = self.sys.as_mut().expect("system home");
        crate::wasi::fd::write_best_effort(sys, &task.store.data().data, 2, msg.as_bytes());
        log::info!("pid {}: {}", task.pid, msg.trim_end());
    }

    fn finish(&mut self, mut task: Task, status: ExitStatus) {
        let pid = task.pid;
        self.blocked.remove(&pid);
        self.ready.retain(|p| *p != pid);
        let sys = self.sys.as_mut().expect("system home");
        let System {
            fs, files, events, ..
        } = &mut **sys;
        task.store.data_mut().data.fds.close_all(fs, files);
        files.drain_events(events);
        drop(task);
        self.mark_ended(pid, status);
        log::debug!("pid {pid} ended: {status:?}");
    }

    /// Records that `pid` ended: its status (a zombie until joined), the parent woken and
    /// sent CHLD, its children handed on. A process nobody can join (its parent is gone,
    /// and it is not the first process, whose status the kernel reads) is removed at once.
    fn mark_ended(&mut self, pid: Pid, status: ExitStatus) {
        let sys = self.sys.as_mut().expect("system home");
        sys.release_tty(pid);
        if let Some(info) = sys.procs.get_mut(&pid) {
            info.status = Some(status);
            info.alarm = None;
            // A zombie keeps argv[0] (its `/proc` name), not a copy of all its arguments.
            let argv0 = info
                .cmdline
                .iter()
                .position(|&b| b == 0)
                .map_or(0, |n| n + 1);
            info.cmdline.truncate(argv0);
            info.cmdline.shrink_to_fit();
            let ppid = info.ppid;
            if ppid == 0 && pid != 1 {
                sys.procs.remove(&pid);
            } else {
                sys.events.push(Event::ChildOf(ppid));
                let _ = sys.raise(ppid, signal::CHLD);
            }
        }
        self.reparent_children(pid);
    }

    /// Hands the children of `pid` to pid 1 (or, when pid 1 is gone or is `pid`, to
    /// nobody: their zombies are reaped at once).
    fn reparent_children(&mut self, pid: Pid) {
        let sys = self.sys.as_mut().expect("system home");
        let init_alive = pid != 1 && sys.procs.get(&1).is_some_and(|p| p.status.is_none());
        let new_parent = if init_alive { 1 } else { 0 };
        let mut orphan_zombies = Vec::new();
        for (&child, info) in sys.procs.iter_mut() {
            if info.ppid == pid && child != pid {
                info.ppid = new_parent;
                if info.status.is_some() {
                    orphan_zombies.push(child);
                }
            }
        }
        if new_parent == 0 {
            for z in orphan_zombies {
                sys.procs.remove(&z);
            }
        } else if !orphan_zombies.is_empty() {
            sys.events.push(Event::ChildOf(new_parent));
        }
    }
}

/// The signal that ends a process given its deliverable set: KILL always; any signal
/// whose default action is to terminate when there is no handler.
fn fatal_signal(deliverable: u64, has_handler: bool) -> Option<u8> {
    if deliverable & (1 << signal::KILL) != 0 {
        return Some(signal::KILL);
    }
    if has_handler {
        return None;
    }
    (1..=signal::MAX).find(|&s| deliverable & (1 << s) != 0 && !signal::ignored_by_default(s))
}
