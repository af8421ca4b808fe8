//! Processes and the scheduler. Each process is a wasmi store running `_start` as a
//! resumable call in fuel-bounded slices, all on one kernel stack: out of fuel means "next
//! process, please" (round robin); a host call that would block parks the process with its
//! wait condition and the call itself, which is retried when the condition may have changed
//! (time passed, an event such as console input). When nothing is runnable the platform
//! idles until the next deadline or interrupt.

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use abi::Errno;
use vfs::{Fs, Ino};
use wasmi::{
    Config, Engine, Linker, Module, Store, StoreLimitsBuilder, TypedFunc, TypedResumableCall,
    TypedResumableCallHostTrap, TypedResumableCallOutOfFuel, Val,
};

use crate::files::FdTable;
use crate::linker::{Blocked, Killed, Registry, with_cx};
use crate::sys::{
    CachedModule, ExitStatus, Limits, Pid, Platform, Proc, ProcData, ProcInfo, Retry, Sys, System,
    Wait, signal,
};

/// A request to start a process.
pub struct SpawnSpec {
    pub ppid: Pid,
    /// Shown in the process table and messages.
    pub name: String,
    pub module: Module,
    pub args: Vec<Vec<u8>>,
    pub env: Vec<Vec<u8>>,
    pub fds: FdTable,
    /// The directory the process sees as `/`.
    pub root: Ino,
    /// Its working directory (absolute, inside `root`).
    pub cwd: String,
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

enum State {
    New(TypedFunc<(), ()>),
    Fuel(TypedResumableCallOutOfFuel<()>),
    Return(TypedResumableCallHostTrap<()>, i32),
    Blocked(TypedResumableCallHostTrap<()>, Wait, Retry),
}

/// A process's store and where its execution stands.
pub struct Task {
    pid: Pid,
    store: Store<Proc>,
    state: Option<State>,
}

impl System {
    /// Loads, validates and caches the program at `path` (relative to directory `dir`).
    /// A later load of the same unchanged file reuses the parsed module.
    pub fn load_module(&mut self, dir: Ino, path: &str) -> Result<Module, SpawnError> {
        let fail = |e: Errno| SpawnError::new(e, format!("{path}: {}", e.name()));
        let ino = self.fs.lookup(dir, path, true).map_err(fail)?;
        let stat = self.fs.stat(ino).map_err(fail)?;
        if stat.kind != vfs::FileType::RegularFile {
            return Err(SpawnError::new(
                Errno::Acces,
                format!("{path}: not a regular file"),
            ));
        }
        let key = format!("{dir}:{path}");
        if let Some(c) = self.modules.get(&key)
            && c.ino == ino
            && c.mtime == stat.mtim
            && c.size == stat.size
        {
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
        self.modules.insert(
            key,
            CachedModule {
                ino,
                mtime: stat.mtim,
                size: stat.size,
                module: module.clone(),
            },
        );
        Ok(module)
    }

    /// Validates `bytes` as a module named `name` and checks that every import is a
    /// function this kernel provides.
    pub fn compile(&self, name: &str, bytes: &[u8]) -> Result<Module, SpawnError> {
        let module = Module::new(&self.engine, bytes).map_err(|e| {
            SpawnError::new(
                Errno::NoExec,
                format!("{name}: invalid WebAssembly module: {e}"),
            )
        })?;
        for import in module.imports() {
            let what = if matches!(import.ty(), wasmi::ExternType::Func(_)) {
                ""
            } else {
                "non-function "
            };
            if !what.is_empty() || !self.registry.has(import.module(), import.name()) {
                return Err(SpawnError::new(
                    Errno::NoExec,
                    format!(
                        "{name}: imports {what}{}::{}, which this kernel does not provide",
                        import.module(),
                        import.name()
                    ),
                ));
            }
        }
        Ok(module)
    }

    /// Creates a process from `spec`; it starts running at the next scheduling round.
    pub fn spawn(&mut self, spec: SpawnSpec) -> Result<Pid, SpawnError> {
        let alive =
            self.procs.values().filter(|p| p.status.is_none()).count() + self.new_tasks.len();
        if alive >= self.limits.max_procs {
            return Err(SpawnError::new(
                Errno::Again,
                format!("{}: process limit reached", spec.name),
            ));
        }
        let pid = self.next_pid;
        let limits = StoreLimitsBuilder::new()
            .memory_size(self.limits.max_memory)
            .build();
        let data = ProcData {
            pid,
            args: spec.args,
            env: spec.env,
            fds: spec.fds,
            memory: None,
            cpu_ns: 0,
            call_start: None,
            retrying: false,
            root: spec.root,
            cwd: spec.cwd,
        };
        let mut store = Store::new(
            &self.engine,
            Proc {
                sys: None,
                data,
                limits,
                pending: None,
            },
        );
        store.limiter(|p| &mut p.limits);
        // A start function gets a bounded budget; it cannot stall the system.
        let _ = store.set_fuel(self.limits.slice_fuel.saturating_mul(50));
        let linker = Arc::clone(&self.linker);
        let instance = match linker.instantiate_and_start(&mut store, &spec.module) {
            Ok(i) => i,
            Err(e) => {
                let mut fds = core::mem::replace(&mut store.data_mut().data.fds, FdTable::new(0));
                fds.close_all(&mut self.fs, &mut self.files);
                return Err(SpawnError::new(
                    Errno::NoExec,
                    format!("{}: cannot instantiate: {e}", spec.name),
                ));
            }
        };
        store.data_mut().data.memory = instance.get_memory(&store, "memory");
        let Ok(start) = instance.get_typed_func::<(), ()>(&store, "_start") else {
            let mut fds = core::mem::replace(&mut store.data_mut().data.fds, FdTable::new(0));
            fds.close_all(&mut self.fs, &mut self.files);
            return Err(SpawnError::new(
                Errno::NoExec,
                format!("{}: no `_start` function exported", spec.name),
            ));
        };
        self.next_pid += 1;
        self.procs.insert(
            pid,
            ProcInfo {
                ppid: spec.ppid,
                name: spec.name,
                status: None,
            },
        );
        self.new_tasks.push(Task {
            pid,
            store,
            state: Some(State::New(start)),
        });
        log::debug!("spawned pid {pid}");
        Ok(pid)
    }
}

/// The process runtime: owns the system and every task, and schedules them.
pub struct Kernel {
    sys: Option<Box<System>>,
    tasks: BTreeMap<Pid, Task>,
    ready: VecDeque<Pid>,
    blocked: BTreeSet<Pid>,
}

impl Kernel {
    /// A runtime over `fs`, with every host call registered.
    pub fn new(platform: Box<dyn Platform>, fs: Fs, limits: Limits) -> Result<Self, wasmi::Error> {
        let mut config = Config::default();
        config.consume_fuel(true);
        // Lazy translation charges fuel for compiling a function on its first call and
        // reports running out there as a (non-resumable) trap; translate at load instead,
        // which the module cache makes a one-time cost per program.
        config.compilation_mode(wasmi::CompilationMode::Eager);
        let engine = Engine::new(&config);
        let mut linker = Linker::<Proc>::new(&engine);
        let mut registry = Registry::default();
        crate::wasi::register(&mut linker, &mut registry)?;
        let sys = System {
            platform,
            fs,
            files: Default::default(),
            limits,
            engine,
            linker: Arc::new(linker),
            registry: Arc::new(registry),
            procs: BTreeMap::new(),
            modules: BTreeMap::new(),
            events: Vec::new(),
            tty: Default::default(),
            new_tasks: Vec::new(),
            next_pid: 1,
        };
        Ok(Self {
            sys: Some(Box::new(sys)),
            tasks: BTreeMap::new(),
            ready: VecDeque::new(),
            blocked: BTreeSet::new(),
        })
    }

    /// The shared system (between slices).
    pub fn sys(&mut self) -> &mut System {
        self.sys
            .as_mut()
            .expect("the system is home between slices")
    }

    /// Exit status of `pid` once it has ended.
    pub fn status(&self, pid: Pid) -> Option<ExitStatus> {
        self.sys.as_ref()?.procs.get(&pid)?.status
    }

    /// Live tasks.
    pub fn live_tasks(&self) -> usize {
        self.tasks.len()
    }

    /// Runs until every process has ended.
    pub fn run(&mut self) {
        loop {
            self.adopt_new_tasks();
            if let Some(pid) = self.ready.pop_front() {
                self.run_slice(pid);
                self.wake(false);
                continue;
            }
            if self.tasks.is_empty() {
                return;
            }
            let deadline = self
                .blocked
                .iter()
                .filter_map(
                    |pid| match self.tasks.get(pid).and_then(|t| t.state.as_ref()) {
                        Some(State::Blocked(_, wait, _)) => wait.deadline(),
                        _ => None,
                    },
                )
                .min();
            let sys = self.sys();
            sys.platform.idle(deadline);
            sys.events.push(crate::sys::Event::Console);
            self.wake(true);
        }
    }

    fn adopt_new_tasks(&mut self) {
        let new = core::mem::take(&mut self.sys().new_tasks);
        for task in new {
            self.ready.push_back(task.pid);
            self.tasks.insert(task.pid, task);
        }
    }

    /// Retries blocked calls whose conditions may now hold.
    fn wake(&mut self, idle: bool) {
        let sys = self.sys.as_mut().expect("system home");
        if sys.events.is_empty() && !idle && self.blocked.is_empty() {
            return;
        }
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
            task.store.data_mut().sys = self.sys.take();
            task.store.data_mut().data.retrying = true;
            let memory = task.store.data().data.memory;
            let outcome = match memory {
                Some(m) => {
                    let (bytes, proc) = m.data_and_store_mut(&mut task.store);
                    with_cx(bytes, proc, |cx| retry(cx))
                }
                None => with_cx(&mut [], task.store.data_mut(), |cx| retry(cx)),
            };
            self.sys = task.store.data_mut().sys.take();
            match outcome {
                Some(Ok(())) => self.make_ready(pid, task, inv, 0),
                Some(Err(Sys::Err(e))) => self.make_ready(pid, task, inv, i32::from(e.raw())),
                Some(Err(Sys::Block(w))) => {
                    let w = if w == Wait::Yield { wait } else { w };
                    task.state = Some(State::Blocked(inv, w, retry));
                    self.tasks.insert(pid, task);
                }
                Some(Err(Sys::Exit(code))) => self.finish(task, ExitStatus::Code(code)),
                Some(Err(Sys::Signal(sig))) => self.finish(task, ExitStatus::Signal(sig)),
                None => self.finish(task, ExitStatus::Signal(signal::ABRT)),
            }
        }
        let sys = self.sys.as_mut().expect("system home");
        sys.events.clear();
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

    fn run_slice(&mut self, pid: Pid) {
        let Some(mut task) = self.tasks.remove(&pid) else {
            return;
        };
        let Some(state) = task.state.take() else {
            return;
        };
        let slice = self.sys().limits.slice_fuel;
        let started = self.sys().platform.monotonic_ns();
        task.store.data_mut().sys = self.sys.take();
        // A single instruction may need more than a slice (memory.fill of many MiB): give it
        // what it asks for, or the process would never make progress.
        let fuel = match &state {
            State::Fuel(inv) => slice.max(inv.required_fuel()),
            _ => slice,
        };
        let _ = task.store.set_fuel(fuel);
        let result = match state {
            State::New(start) => start.call_resumable(&mut task.store, ()),
            State::Fuel(inv) => inv.resume(&mut task.store),
            State::Return(inv, v) => inv.resume(&mut task.store, &[Val::I32(v)]),
            State::Blocked(..) => unreachable!("blocked tasks are not in the ready queue"),
        };
        self.sys = task.store.data_mut().sys.take();
        let elapsed = self.sys().platform.monotonic_ns().saturating_sub(started);
        task.store.data_mut().data.cpu_ns += elapsed;
        match result {
            Ok(TypedResumableCall::Finished(())) => self.finish(task, ExitStatus::Code(0)),
            Ok(TypedResumableCall::OutOfFuel(inv)) => {
                task.state = Some(State::Fuel(inv));
                self.tasks.insert(pid, task);
                self.ready.push_back(pid);
            }
            Ok(TypedResumableCall::HostTrap(inv)) => {
                if inv.host_error().downcast_ref::<Blocked>().is_some() {
                    match task.store.data_mut().pending.take() {
                        Some((Wait::Yield, _)) => {
                            task.state = Some(State::Return(inv, 0));
                            self.tasks.insert(pid, task);
                            self.ready.push_back(pid);
                        }
                        Some((wait, retry)) => {
                            task.state = Some(State::Blocked(inv, wait, retry));
                            self.tasks.insert(pid, task);
                            self.blocked.insert(pid);
                        }
                        None => self.finish(task, ExitStatus::Signal(signal::ABRT)),
                    }
                } else if let Some(code) = inv.host_error().i32_exit_status() {
                    self.finish(task, ExitStatus::Code(code as u32));
                } else if let Some(Killed(sig)) = inv.host_error().downcast_ref::<Killed>() {
                    let sig = *sig;
                    self.finish(task, ExitStatus::Signal(sig));
                } else {
                    let msg = format!("error: {}\n", inv.host_error());
                    self.report(&mut task, &msg);
                    self.finish(task, ExitStatus::Signal(signal::ABRT));
                }
            }
            Err(e) => {
                if let Some(code) = e.i32_exit_status() {
                    self.finish(task, ExitStatus::Code(code as u32));
                } else if let Some(trap) = e.as_trap_code() {
                    let msg = format!("trap: {trap}\n");
                    self.report(&mut task, &msg);
                    self.finish(task, ExitStatus::Signal(signal::ABRT));
                } else {
                    let msg = format!("error: {e}\n");
                    self.report(&mut task, &msg);
                    self.finish(task, ExitStatus::Signal(signal::ABRT));
                }
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
        let System { fs, files, .. } = &mut **sys;
        task.store.data_mut().data.fds.close_all(fs, files);
        if let Some(info) = sys.procs.get_mut(&pid) {
            info.status = Some(status);
        }
        log::debug!("pid {pid} ended: {status:?}");
    }
}
