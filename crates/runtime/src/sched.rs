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
use vfs::Fs;
use wasmi::{
    Config, Engine, Linker, TypedFunc, TypedResumableCall, TypedResumableCallHostTrap, Val,
};

use crate::linker::{Blocked, DefaultAction, ExecMarker, Fault, Killed, with_cx};
use crate::stack_state::RestoreMarker;
use crate::sys::{Registry, Retry};

mod unwind;
use crate::sys::{ExecRequest, Home, Platform, Proc, ProcData, ProcInfo, State, Sys, System, Task};
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
    outcome: Outcome,
}

/// What a slice ran: the process's own call, or one of its signal handlers.
enum Outcome {
    Main(Result<TypedResumableCall<()>, wasmi::Error>),
    /// The handler for `sig`, called (not resumably: it cannot block) on a slice of its
    /// own, so the timer preempts it like any other WebAssembly. `sp` is the shadow stack
    /// pointer before the call, put back when the handler is cut short by a default action
    /// that ignores the signal.
    Handler {
        sig: u8,
        sp: Option<(wasmi::Global, Val)>,
        result: Result<(), wasmi::Error>,
    },
}

impl Slice {
    /// Ended by running out of fuel: it was still computing.
    pub fn out_of_fuel(&self) -> bool {
        matches!(
            self.outcome,
            Outcome::Main(Ok(TypedResumableCall::OutOfFuel(_)))
        )
    }
}

/// What a process's pending signals ask for before its next slice.
enum Delivery {
    Nothing,
    /// It ends.
    Die(ExitStatus),
    /// Its handler runs for this signal first.
    Handle(u8, TypedFunc<i32, ()>),
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
    /// False when a fresh slice cannot be started on a stack of its own now (the heap is
    /// low and every stack is held by a suspended process): the scheduler then leaves the
    /// process queued for its next turn, rather than run it where it cannot be preempted.
    /// Only while some slice is suspended (which will give its stack back when it ends).
    fn ready_to_start(&mut self) -> bool {
        true
    }
    /// Continues a preempted slice; with `kill`, makes its WebAssembly trap as soon as it
    /// safely can (the process is being killed), so everything it holds is released.
    fn resume(&mut self, fiber: u64, kill: bool) -> Run;
    /// Told once, at start, the running total of heap the runtime has set aside for code
    /// still to be translated ([`crate::sys::CodeReserve`]): an executor that allocates
    /// (stacks) must not count it as free.
    fn set_aside(&mut self, _total: Arc<core::sync::atomic::AtomicUsize>) {}
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

impl Preempted {
    /// A slice about to start, for a process that had used `cpu_base` before it.
    fn fresh(cpu_base: u64) -> Self {
        Preempted {
            fiber: 0,
            cpu_base,
            cpu_slice: 0,
            kill: None,
        }
    }
}

/// The host calls a module compiled in `engine` imports (`only`, a registry that defines
/// just those): the current ones, or with `legacy` the 2022 WASIX ABI's versions of the
/// calls it changed and the WASIX versions of preview1 calls.
fn program_linker(
    engine: &Engine,
    legacy: crate::types::LegacyAbi,
    mut only: Registry,
) -> Result<Linker<Proc>, wasmi::Error> {
    let mut linker = Linker::<Proc>::new(engine);
    crate::wasi::register(&mut linker, &mut only)?;
    if legacy.proc_join {
        crate::wasix::register_legacy(&mut linker, &mut only)?;
    }
    if legacy.duplex_pipes {
        crate::wasix::register_duplex_pipe(&mut linker, &mut only)?;
    }
    if legacy.renumber_dup2 {
        crate::wasix::register_renumber_dup2(&mut linker, &mut only)?;
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
    /// Stopped processes taken off the ready queue, put back when continued.
    held: BTreeSet<Pid>,
    /// Blocked processes whose call is to be retried whatever it waits for (continued).
    kick: BTreeSet<Pid>,
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
            // A stopped one too: it is not held back from the slices that end it.
            if let Some(info) = self.sys.as_mut().and_then(|s| s.procs.get_mut(&pid)) {
                info.stopped = None;
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
        mut executor: Box<dyn Executor>,
        fs: Fs,
        limits: Limits,
    ) -> Result<Self, wasmi::Error> {
        let code_reserved = Arc::default();
        executor.set_aside(Arc::clone(&code_reserved));
        let mut config = Config::default();
        config.consume_fuel(!executor.preempts());
        // Under the timer, translate each function on its first call (validating the
        // whole module at load): a spawn then costs no translation of code the program
        // never runs (`/bin/true`: ~30x less). Under fuel, lazy translation charges fuel
        // for compiling a function and reports running out there as a (non-resumable)
        // trap; translate at load instead, which the module cache makes a one-time cost
        // per program.
        let lazy_translation = executor.preempts() && !limits.eager_translation;
        config.compilation_mode(if lazy_translation {
            wasmi::CompilationMode::LazyTranslation
        } else {
            wasmi::CompilationMode::Eager
        });
        // Each program's engine is made with this configuration ([`Program`]). It keeps no
        // spare execution stacks: kept per program, a process's deep recursion could leave
        // megabytes behind in every engine of the cache.
        config.set_max_cached_stacks(0);
        // Charged to every process at this bound (`sys::Charges`).
        config.set_max_stack_height(crate::sys::VALUE_STACK_BYTES);
        // One linear memory per process, so the per-process memory cap (a per-memory
        // limit in wasmi) caps the process; no WASI or WASIX toolchain emits more.
        config.wasm_multi_memory(false);
        let engine = Engine::new(&config);
        // The names of every host call, for the import check at load time.
        let mut registry = Registry::default();
        let mut linker = Linker::<Proc>::new(&engine);
        crate::wasi::register(&mut linker, &mut registry)?;
        crate::wasix::register_legacy(&mut linker, &mut registry)?;
        crate::wasix::register_duplex_pipe(&mut linker, &mut registry)?;
        crate::wasix::register_renumber_dup2(&mut linker, &mut registry)?;
        drop(linker);
        let sys = System {
            platform,
            fs,
            files: Default::default(),
            limits,
            engine,
            lazy_translation,
            registry: Arc::new(registry),
            program_linker,
            procs: BTreeMap::new(),
            modules: BTreeMap::new(),
            code_reserved: Arc::clone(&code_reserved),
            events: Vec::new(),
            tty: Default::default(),
            tty_saved: Vec::new(),
            terminal: Default::default(),
            init_shielded: true,
            signalled: Vec::new(),
            continued: Vec::new(),
            foreground: None,
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
            held: BTreeSet::new(),
            kick: BTreeSet::new(),
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
            if !self.home().events.is_empty() || !self.kick.is_empty() {
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
    /// ends now, wherever it is; one with a stop signal and no handler (or STOP) stops; a
    /// blocked process with a handled signal has its call interrupted (INTR) so the
    /// handler can run before its next slice. A stopped process acts on nothing but KILL
    /// (and CONT, which `System::raise` carries out) until it is continued.
    fn handle_signals(&mut self) {
        for pid in core::mem::take(&mut self.home().continued) {
            if self.held.remove(&pid) {
                self.ready.push_back(pid);
            }
            if self.blocked.contains(&pid) {
                // Its blocked call may have missed the events it waited for, or (TTIN,
                // TTOU) waits for nothing but this.
                self.kick.insert(pid);
            }
        }
        let signalled = core::mem::take(&mut self.home().signalled);
        for pid in signalled {
            let Some((deliverable, forced, has_handler, blocked, stopped)) =
                self.sys.as_ref().and_then(|s| s.procs.get(&pid)).map(|p| {
                    (
                        p.deliverable(),
                        p.forced,
                        p.handler || p.blocked,
                        p.blocked,
                        p.stopped.is_some(),
                    )
                })
            else {
                continue;
            };
            if deliverable == 0 || (stopped && deliverable & (1 << signal::KILL) == 0) {
                continue;
            }
            if fatal_signal(deliverable, forced, has_handler).is_none()
                && let Some(sig) = stop_signal(deliverable, has_handler)
            {
                self.stop(pid, sig);
                continue;
            }
            if let Some(sig) = fatal_signal(deliverable, forced, has_handler) {
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
            // A signal ignored by default does not interrupt a blocked call: the program
            // may have no handler for it (wasix-libc registers its dispatcher either way;
            // see `wasix::signal::callback_signal`), and a plain `waitpid` must not fail
            // with EINTR because the child it waits for sent CHLD. A handler for it runs
            // when the call is done (as SA_RESTART would have it).
            let interrupting = deliverable & !default_ignored() != 0;
            if has_handler
                && interrupting
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

    /// Stops `pid` by `sig`: it leaves the ready queue (a blocked call stays blocked) until
    /// CONT; its stop signals pending are spent; its parent is woken (a join with
    /// WAKE_STOPPED reports the stop) and sent CHLD, as Linux does.
    fn stop(&mut self, pid: Pid, sig: u8) {
        let sys = self.home();
        let Some(info) = sys.procs.get_mut(&pid) else {
            return;
        };
        info.pending &= !signal::STOPS;
        info.stopped = Some(sig);
        info.stop_unreported = true;
        let ppid = info.ppid;
        sys.events.push(Event::ChildOf(ppid));
        let _ = sys.raise(ppid, signal::CHLD);
        let queued = self.ready.len();
        self.ready.retain(|p| *p != pid);
        if self.ready.len() != queued {
            self.held.insert(pid);
        }
        log::debug!("pid {pid} stopped by signal {sig}");
    }

    /// True when `pid` is stopped.
    fn is_stopped(&self, pid: Pid) -> bool {
        self.sys
            .as_ref()
            .and_then(|s| s.procs.get(&pid))
            .is_some_and(|p| p.stopped.is_some())
    }

    /// Retries blocked calls whose conditions may now hold (never a stopped process's).
    fn wake(&mut self) {
        if self.blocked.is_empty() {
            self.home().events.clear();
            self.kick.clear();
            return;
        }
        let kick = core::mem::take(&mut self.kick);
        let sys = self.sys.as_mut().expect("system home");
        let now = sys.platform.monotonic_ns();
        let events = core::mem::take(&mut sys.events);
        let candidates: Vec<Pid> = self
            .blocked
            .iter()
            .copied()
            .filter(|pid| !self.is_stopped(*pid))
            .filter(
                |pid| match self.tasks.get(pid).and_then(|t| t.state.as_ref()) {
                    Some(State::Blocked(_, wait, _)) => {
                        kick.contains(pid) || wait.may_be_ready(now, &events)
                    }
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
            let outcome = self.retry_call(&mut task, &mut retry);
            match outcome {
                Some(Ok(())) => self.make_ready(pid, task, inv, 0),
                Some(Err(Sys::Err(e))) => self.make_ready(pid, task, inv, i32::from(e.raw())),
                Some(Err(Sys::Ret(v))) => self.make_ready(pid, task, inv, v),
                Some(Err(Sys::Trap(msg))) => {
                    self.report(&mut task, &format!("trap: {msg}\n"));
                    self.finish(task, ExitStatus::Signal(signal::ABRT));
                }
                Some(Err(Sys::Block(Wait::Continue))) => {
                    self.blocked.remove(&pid);
                    self.park(task, inv, Wait::Continue, retry);
                }
                Some(Err(Sys::Block(w))) => {
                    let w = if w == Wait::Yield { wait } else { w };
                    task.state = Some(State::Blocked(inv, w, retry));
                    self.tasks.insert(pid, task);
                }
                Some(Err(Sys::Exit(code))) => self.finish(task, ExitStatus::Code(code)),
                Some(Err(Sys::Signal(sig))) => self.finish(task, ExitStatus::Signal(sig)),
                Some(Err(Sys::Exec(req))) => self.exec(task, *req),
                // Only a signal handler's callback_signal ends a handler: no blocked call.
                Some(Err(Sys::DefaultAction(_))) | None => {
                    self.finish(task, ExitStatus::Signal(signal::ABRT))
                }
            }
        }
        // Events raised by the retries themselves (a pipe drained, a child reaped) are
        // looked at on the next round.
    }

    /// Parks `task` in its call until `wait` may hold; a call done in pieces goes to the
    /// back of the ready queue instead, to do its next piece at its next turn.
    fn park(
        &mut self,
        mut task: Task,
        inv: TypedResumableCallHostTrap<()>,
        wait: Wait,
        retry: Retry,
    ) {
        let pid = task.pid;
        let pieces = wait == Wait::Continue;
        if !pieces && let Some(info) = self.home().procs.get_mut(&pid) {
            info.sleeping = true;
        }
        task.state = Some(State::Blocked(inv, wait, retry));
        self.tasks.insert(pid, task);
        if pieces {
            self.ready.push_back(pid);
        } else {
            self.blocked.insert(pid);
        }
    }

    /// Runs a blocked (or piecewise) call of `task` again, with the system lent to it;
    /// `None` when it could not run (no system to lend).
    fn retry_call(&mut self, task: &mut Task, retry: &mut Retry) -> Option<crate::sys::SysResult> {
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
        outcome
    }

    /// Runs the next piece of a call done in pieces ([`Wait::Continue`]).
    fn continue_call(&mut self, mut task: Task) {
        let pid = task.pid;
        let Some(State::Blocked(inv, _, mut retry)) = task.state.take() else {
            return;
        };
        let outcome = self.retry_call(&mut task, &mut retry);
        match outcome {
            Some(Ok(())) => self.make_ready(pid, task, inv, 0),
            Some(Err(Sys::Err(e))) => self.make_ready(pid, task, inv, i32::from(e.raw())),
            Some(Err(Sys::Ret(v))) => self.make_ready(pid, task, inv, v),
            Some(Err(Sys::Block(w))) => self.park(task, inv, w, retry),
            Some(Err(Sys::Trap(msg))) => {
                self.report(&mut task, &format!("trap: {msg}\n"));
                self.finish(task, ExitStatus::Signal(signal::ABRT));
            }
            Some(Err(Sys::Exit(code))) => self.finish(task, ExitStatus::Code(code)),
            Some(Err(Sys::Signal(sig))) => self.finish(task, ExitStatus::Signal(sig)),
            Some(Err(Sys::Exec(req))) => self.exec(task, *req),
            Some(Err(Sys::DefaultAction(_))) | None => {
                self.finish(task, ExitStatus::Signal(signal::ABRT))
            }
        }
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

    /// A signal that ends `pid`, suspended in the middle of its WebAssembly, by its default
    /// action: one that terminates by default and has waited [`HANDLER_GRACE_NS`] for a
    /// handler the process does not get to run (it has not called the system since).
    /// Blocked signals wait as long as the program blocks them.
    ///
    /// [`HANDLER_GRACE_NS`]: crate::sys::HANDLER_GRACE_NS
    fn overdue_signal(&mut self, pid: Pid) -> Option<u8> {
        let now = self.home().platform.monotonic_ns();
        let info = self.home().procs.get(&pid)?;
        if !info.handler
            || info.blocked
            || info.handler_wait_at == 0
            || now.saturating_sub(info.handler_wait_at) < crate::sys::HANDLER_GRACE_NS
        {
            return None;
        }
        let sig = (1..=signal::MAX)
            .find(|&s| info.deliverable() & (1 << s) != 0 && signal::terminates_by_default(s))?;
        log::info!(
            "pid {pid}: signal {sig} waited a second for a handler it never ran: its default action"
        );
        Some(sig)
    }

    /// Looks at the pending signals before a fresh slice: the signal that kills the
    /// process, if any; else the lowest handled one, whose handler runs first (its bit
    /// stays pending until the handler starts). Signals nobody handles and that are
    /// ignored by default are dropped.
    fn next_delivery(&mut self, task: &Task) -> Delivery {
        let blocked = task.store.data().data.signals_blocked();
        let func = task.signal_handler();
        let now = self.home().platform.monotonic_ns().max(1);
        let Some(info) = self.home().procs.get_mut(&task.pid) else {
            return Delivery::Nothing;
        };
        let deliverable = info.deliverable();
        if deliverable == 0 {
            info.handler_wait_at = 0;
            return Delivery::Nothing;
        }
        if blocked && deliverable & (1 << signal::KILL) == 0 {
            // Held until the program unblocks them.
            return Delivery::Nothing;
        }
        if let Some(sig) = fatal_signal(deliverable, info.forced, func.is_some()) {
            info.pending &= !deliverable;
            return Delivery::Die(ExitStatus::Signal(sig));
        }
        let Some(func) = func else {
            info.pending &= !deliverable;
            info.handler_wait_at = 0;
            return Delivery::Nothing;
        };
        let sig = deliverable.trailing_zeros() as u8;
        // Its handler runs after all: a repeated key no longer forces the default.
        info.forced &= !(1 << sig);
        info.key_at = 0;
        // A terminating signal still pending after this one starts its wait for the
        // handler now.
        let rest = deliverable & !(1 << sig);
        info.handler_wait_at = if (1..=signal::MAX)
            .any(|s| rest & (1 << s) != 0 && signal::terminates_by_default(s))
        {
            now
        } else {
            0
        };
        Delivery::Handle(sig, func)
    }

    /// The slice that runs `func`, the handler for `sig` (already taken off the pending
    /// set). Under fuel it gets ten slices' worth; under the timer it is preempted like
    /// the process's own code, and killable while it runs.
    fn handler_work(&mut self, mut task: Task, sig: u8, func: TypedFunc<i32, ()>) -> SliceWork {
        let slice = self.home().limits.slice_fuel;
        let _ = task.store.set_fuel(slice.saturating_mul(10));
        let sp = task
            .instance
            .get_global(&task.store, "__stack_pointer")
            .map(|g| (g, g.get(&task.store)));
        let data = &mut task.store.data_mut().data;
        data.in_handler = true;
        data.handler_fresh = Some(sig);
        let number = if data.linux_signals {
            signal::to_linux(sig)
        } else {
            sig
        };
        Box::new(move || {
            let result = func.call(&mut task.store, i32::from(number));
            Box::new(Slice {
                task,
                outcome: Outcome::Handler { sig, sp, result },
            })
        })
    }

    /// A handler's slice ended: the process goes on (its next slice delivers the next
    /// pending signal or resumes its own call), or ends as the handler decided.
    fn after_handler(
        &mut self,
        mut task: Task,
        sig: u8,
        sp: Option<(wasmi::Global, Val)>,
        result: Result<(), wasmi::Error>,
    ) {
        let data = &mut task.store.data_mut().data;
        data.in_handler = false;
        data.handler_fresh = None;
        let Err(e) = result else {
            return self.requeue(task);
        };
        if let Some(DefaultAction(action)) = e.downcast_ref::<DefaultAction>() {
            let action = *action;
            if signal::terminates_by_default(action) {
                return self.finish(task, ExitStatus::Signal(action));
            }
            // Ignored, or a stop: the process goes on as if the handler had returned, its
            // shadow stack as before the call — once continued, for a stop.
            if let Some((global, value)) = sp
                && global.set(&mut task.store, value).is_err()
            {
                return self.finish(task, ExitStatus::Signal(signal::ABRT));
            }
            if signal::stops_by_default(action) {
                let pid = task.pid;
                self.stop(pid, action);
                self.tasks.insert(pid, task);
                self.held.insert(pid);
                return;
            }
            return self.requeue(task);
        }
        // The handler longjmp'd out (siglongjmp): the process switches stacks.
        if e.downcast_ref::<RestoreMarker>().is_some() {
            return self.restore(task);
        }
        // The handler may end the process itself: proc_exit, or a fatal signal.
        if let Some(code) = e.i32_exit_status() {
            return self.finish(task, ExitStatus::Code(code as u32));
        }
        if let Some(Killed(sig)) = e.downcast_ref::<Killed>() {
            return self.finish(task, ExitStatus::Signal(*sig));
        }
        let msg = format!("signal handler for {sig} failed: {e}\n");
        self.report(&mut task, &msg);
        self.finish(task, ExitStatus::Signal(signal::ABRT));
    }

    fn run_slice(&mut self, pid: Pid) {
        if self.is_stopped(pid) {
            // Stopped after it was queued: held until continued.
            self.ready.retain(|p| *p != pid);
            self.held.insert(pid);
            return;
        }
        let started = self.home().platform.monotonic_ns();
        let (run, suspended) = if let Some(mut p) = self.preempted.remove(&pid) {
            if p.kill.is_none() {
                p.kill = self.overdue_signal(pid);
            }
            self.lend();
            let run = self.executor.resume(p.fiber, p.kill.is_some());
            self.take_home();
            (run, p)
        } else {
            let Some(mut task) = self.tasks.remove(&pid) else {
                return;
            };
            if matches!(task.state, Some(State::Blocked(_, Wait::Continue, _))) {
                self.continue_call(task);
                return;
            }
            // Not while a stack operation rewinds (asyncify is mid-rewind until the call
            // that started it returns): a handler run now would consume the saved frames.
            let rewinding = task.store.data().data.stack.resume.is_some();
            let delivery = if rewinding {
                Delivery::Nothing
            } else {
                self.next_delivery(&task)
            };
            match delivery {
                Delivery::Nothing => {}
                Delivery::Die(status) => return self.finish(task, status),
                Delivery::Handle(sig, func) => {
                    if !self.executor.ready_to_start() {
                        // No stack to run it preemptibly: its next turn.
                        return self.requeue(task);
                    }
                    if let Some(info) = self.home().procs.get_mut(&pid) {
                        info.pending &= !(1 << sig);
                    }
                    let cpu_base = task.store.data().data.cpu_ns;
                    let work = self.handler_work(task, sig, func);
                    self.lend();
                    let run = self.executor.start(work);
                    self.take_home();
                    return self.slice_ended(pid, started, run, Preempted::fresh(cpu_base));
                }
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
            if !self.executor.ready_to_start() {
                // No stack to run it preemptibly: its next turn (suspended processes,
                // which hold the stacks, run meanwhile).
                self.tasks.insert(pid, task);
                self.ready.push_back(pid);
                return;
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
                Box::new(Slice {
                    task,
                    outcome: Outcome::Main(outcome),
                })
            }));
            self.take_home();
            (run, Preempted::fresh(cpu_base))
        };
        self.slice_ended(pid, started, run, suspended);
    }

    /// A slice (the process's own call or a handler) came back from the executor, done or
    /// suspended.
    fn slice_ended(&mut self, pid: Pid, started: u64, run: Run, mut suspended: Preempted) {
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
        let charged = task.store.data().charges.total() as u64;
        if let Some(info) = self.home().procs.get_mut(&pid) {
            info.memory = memory;
            info.charged = charged;
            info.cpu_ns = cpu_ns;
            info.sleeping = false;
        }
        if let Some(sig) = suspended.kill {
            // However the slice ended — usually the trap the kill planted — it dies.
            self.finish(task, ExitStatus::Signal(sig));
            return;
        }
        let outcome = match outcome {
            Outcome::Main(outcome) => outcome,
            Outcome::Handler { sig, sp, result } => {
                return self.after_handler(task, sig, sp, result);
            }
        };
        match outcome {
            Ok(TypedResumableCall::Finished(())) => {
                match task.store.data_mut().data.stack.unwound.take() {
                    // `_start` returned because a stack operation unwound it.
                    Some(op) => self.complete_unwind(task, op),
                    None => match task.then_start.take() {
                        // The start function (the module's start section) is done:
                        // `_start` next.
                        Some(start) => {
                            task.state = Some(State::New(start));
                            self.tasks.insert(pid, task);
                            self.ready.push_back(pid);
                        }
                        None => self.finish(task, ExitStatus::Code(0)),
                    },
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
                    // 0, or the errno of a failed call that yielded for a signal.
                    let value = task.store.data_mut().data.interrupt_value.take();
                    task.state = Some(State::Return(inv, value.unwrap_or(0)));
                    self.tasks.insert(pid, task);
                    self.ready.push_back(pid);
                }
                Some((wait, retry)) => self.park(task, inv, wait, retry),
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
            progress: 0,
            root: old.root,
            cwd: old.cwd,
            signal_handler: None,
            in_handler: false,
            handler_fresh: None,
            interrupt_value: None,
            linux_signals: false,
            legacy_abi: false,
            stack: Default::default(),
            thread_locals: BTreeMap::new(),
        };
        match sys.instantiate(&req.name, &req.module, data) {
            Ok((mut store, instance, entry)) => {
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
                        state: Some(State::New(entry.first())),
                        then_start: entry.then(),
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
        crate::io::write_best_effort(sys, &task.store.data().data, 2, msg.as_bytes());
        log::info!("pid {}: {}", task.pid, msg.trim_end());
    }

    fn finish(&mut self, mut task: Task, status: ExitStatus) {
        let pid = task.pid;
        self.blocked.remove(&pid);
        self.held.remove(&pid);
        self.kick.remove(&pid);
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
        let mut stopped_groups = Vec::new();
        for (&child, info) in sys.procs.iter_mut() {
            if info.ppid == pid && child != pid {
                info.ppid = new_parent;
                if info.status.is_some() {
                    orphan_zombies.push(child);
                } else if info.stopped.is_some() && !stopped_groups.contains(&info.pgid) {
                    stopped_groups.push(info.pgid);
                }
            }
        }
        // A stopped child whose parent ends would wait for ever for a CONT nobody will
        // send (a shell exiting with stopped jobs): as Linux does for a process group
        // orphaned with stopped members — no member's parent is alive in another group
        // (pid 1, like Linux's init in its own session, does not count) — the group gets
        // HUP, then CONT. Pid 1 without a handler is spared, as from the console's keys.
        for pgid in stopped_groups {
            let members: Vec<Pid> = sys.group_members(pgid);
            let orphaned = members.iter().all(|m| {
                let ppid = sys.procs.get(m).map_or(0, |i| i.ppid);
                ppid <= 1
                    || sys
                        .procs
                        .get(&ppid)
                        .is_none_or(|p| p.status.is_some() || p.pgid == pgid)
            });
            if !orphaned {
                continue;
            }
            for m in members {
                if m != 1 || sys.procs.get(&m).is_some_and(|i| i.handler) {
                    let _ = sys.raise(m, signal::HUP);
                    let _ = sys.raise(m, signal::CONT);
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

/// The signals whose default action is to do nothing, as a set.
fn default_ignored() -> u64 {
    (1..=signal::MAX)
        .filter(|&s| signal::ignored_by_default(s))
        .fold(0, |set, s| set | 1 << s)
}

/// The signal that ends a process given its deliverable set: KILL always; a `forced` one
/// whose default action is to terminate (a console key typed again, see
/// [`crate::sys::ProcInfo::forced`]); any such signal when there is no handler.
fn fatal_signal(deliverable: u64, forced: u64, has_handler: bool) -> Option<u8> {
    if deliverable & (1 << signal::KILL) != 0 {
        return Some(signal::KILL);
    }
    if let Some(s) = (1..=signal::MAX)
        .find(|&s| deliverable & forced & (1 << s) != 0 && signal::terminates_by_default(s))
    {
        return Some(s);
    }
    if has_handler {
        return None;
    }
    (1..=signal::MAX).find(|&s| deliverable & (1 << s) != 0 && signal::terminates_by_default(s))
}

/// The signal that stops a process given its deliverable set: STOP always; another stop
/// signal when there is no handler (a handler runs instead, and stops the process only
/// if it carries out the default action).
fn stop_signal(deliverable: u64, has_handler: bool) -> Option<u8> {
    if deliverable & (1 << signal::STOP) != 0 {
        return Some(signal::STOP);
    }
    if has_handler {
        return None;
    }
    (1..=signal::MAX).find(|&s| deliverable & (1 << s) != 0 && signal::stops_by_default(s))
}
