//! Starting processes: loading a program from the filesystem (with a cache of compiled
//! modules), checking and compiling it ([`System::compile`]: the memory check, the threads
//! lowering, the import check, the engine each program gets), and instantiating it into a
//! new [`Task`] that the scheduler adopts ([`System::spawn`]).
//!
//! Below the handlers (`proc_spawn`, `proc_exec*` and `proc_fork` call in here) and above
//! `sys`. The host calls a program is linked with come from the registration lists above
//! both, through [`System::program_linker`], which the scheduler sets.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use abi::Errno;
use vfs::Ino;
use wasmi::{Engine, Instance, Module, Store, StoreLimitsBuilder, TypedFunc};

use crate::files::FdTable;
use crate::sys::{
    CachedModule, CodeReserve, Proc, ProcData, ProcInfo, Program, Registry, State, System, Task,
};
use crate::types::Pid;

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
    pub(crate) fn new(errno: Errno, message: String) -> Self {
        Self { errno, message }
    }
}

/// Kernel memory kept free beyond a new process's initial linear memory.
pub(crate) const SPAWN_HEADROOM: usize = 8 << 20;

/// Most programs the module cache keeps, and most WebAssembly bytes they may total.
const MODULE_CACHE_ENTRIES: usize = 64;
const MODULE_CACHE_BYTES: u64 = 16 << 20;

/// A ready-to-run program: its store, instance and what it runs.
pub(crate) type Instantiated = (Store<Proc>, Instance, Entry);

/// What a new program runs: its start function (from a start section, see `startsec`),
/// if it has one, then `_start`.
pub(crate) struct Entry {
    pub(crate) init: Option<TypedFunc<(), ()>>,
    pub(crate) start: TypedFunc<(), ()>,
}

impl Entry {
    /// The first call the process makes.
    pub(crate) fn first(&self) -> TypedFunc<(), ()> {
        self.init.unwrap_or(self.start)
    }

    /// The call that follows the first, when the first is the start function.
    pub(crate) fn then(&self) -> Option<TypedFunc<(), ()>> {
        self.init.map(|_| self.start)
    }
}

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
        let key = ino;
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
        crate::failpoint::reserve(&mut bytes, len).map_err(fail)?;
        bytes.resize(len, 0);
        let n = self.fs.read(ino, 0, &mut bytes).map_err(fail)?;
        bytes.truncate(n);
        let module = match self.compile(path, &bytes) {
            // Programs the cache alone keeps hold heap (their code, or what is set aside
            // for it): let them go and try once more before refusing.
            Err(e) if e.errno == Errno::NoMem && self.evict_idle_programs() > 0 => {
                self.compile(path, &bytes)?
            }
            other => other?,
        };
        // Bounded: a guest that writes and spawns many programs must not pin their
        // translations for ever. The least recently used entries make room.
        self.modules.remove(&key);
        let cached = |m: &BTreeMap<Ino, CachedModule>| m.values().map(|c| c.size).sum::<u64>();
        while !self.modules.is_empty()
            && (self.modules.len() >= MODULE_CACHE_ENTRIES
                || cached(&self.modules).saturating_add(stat.size) > MODULE_CACHE_BYTES)
        {
            let oldest = self
                .modules
                .iter()
                .min_by_key(|(_, c)| c.used)
                .map(|(&k, _)| k);
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

    /// Drops the module cache's entries whose program no process runs; returns how many.
    pub fn evict_idle_programs(&mut self) -> usize {
        let before = self.modules.len();
        self.modules
            .retain(|_, c| Arc::strong_count(&c.module.reserve) > 1);
        before - self.modules.len()
    }

    /// Validates `bytes` as a module named `name`, checks that every import is a function
    /// this kernel provides, and compiles it in an engine of its own ([`Program`]).
    pub fn compile(&self, name: &str, bytes: &[u8]) -> Result<Program, SpawnError> {
        // Compilation allocates infallibly: refuse a module whose translation might not fit
        // with the kernel's headroom left, instead of letting it exhaust the heap. (With
        // lazy translation the code's part of the estimate is set aside below, for the
        // translations to come.)
        let free = self.memory_available();
        let estimate = crate::loadcost::estimate(bytes, wasmlower::needs_lowering(bytes));
        let needed = estimate.saturating_add(crate::sys::GROW_HEADROOM);
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
        let needs_lowering = wasmlower::needs_lowering(bytes);
        let bytes = if needs_lowering {
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
        // Translating eagerly, validate the whole module before wasmi translates it:
        // wasmi 2.0.0's translator, which validates as it goes, panics on a body with an
        // operator after its final `end` (found by the module_load fuzz target) before its
        // validator rejects it. Lazily, `Module::new` validates every body first and
        // translates none: validation happens once.
        if !self.lazy_translation {
            Module::validate(&self.engine, bytes).map_err(invalid)?;
        }
        // Imports and `_start` next, still before anything is compiled: a refused program
        // costs no translation at all.
        let start_func = self.check_interface(name, bytes)?;
        // A start section would run inside instantiation, unpreemptibly: make it an export
        // the process's first slice calls instead (see `startsec`).
        let hoisted;
        let bytes = match start_func {
            Some(func) => {
                hoisted = crate::startsec::hoist(bytes, func).ok_or_else(|| {
                    SpawnError::new(
                        Errno::NoExec,
                        format!("{name}: invalid WebAssembly module: malformed sections"),
                    )
                })?;
                &hoisted[..]
            }
            None => bytes,
        };
        let engine = Engine::new(self.engine.config());
        let module = Module::new(&engine, bytes).map_err(invalid)?;
        let reserve = if self.lazy_translation {
            crate::loadcost::code_reserve(bytes)
        } else {
            0
        };
        let imports = Registry::only(
            module
                .imports()
                .map(|i| (String::from(i.module()), String::from(i.name()))),
        );
        let linker = (self.program_linker)(&engine, legacy_abi(&module), imports)
            .map_err(|e| SpawnError::new(Errno::NoExec, format!("{name}: cannot link: {e}")))?;
        if let (Some(before), Some(after)) = (free, self.memory_unreserved()) {
            log::debug!(
                "compiled {name}: {} KiB of wasm took {} KiB of kernel heap (estimated {} KiB, \
                 {} KiB of it set aside for translation)",
                bytes.len() >> 10,
                before.saturating_sub(after) >> 10,
                estimate >> 10,
                reserve >> 10
            );
        }
        Ok(Program {
            module,
            start_section: start_func.is_some(),
            linker: Arc::new(linker),
            reserve: Arc::new(CodeReserve::new(&self.code_reserved, reserve)),
            lowered: needs_lowering,
        })
    }

    /// Refuses a module importing anything but functions this kernel provides, or
    /// exporting no `_start` function; returns the start section's function, if any.
    /// Reads only the sections before the code; a module whose headers do not parse is
    /// refused as invalid here (under lazy translation this runs before `Module::new`
    /// validates the rest).
    fn check_interface(&self, name: &str, bytes: &[u8]) -> Result<Option<u32>, SpawnError> {
        use wasmparser::{ExternalKind, Payload, TypeRef};
        let mut start = false;
        let mut start_func = None;
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
                Ok(Payload::StartSection { func, .. }) => {
                    start_func = Some(func);
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
        Ok(start_func)
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
            progress: 0,
            root,
            cwd,
            signal_handler: None,
            in_handler: false,
            handler_fresh: None,
            interrupt_value: None,
            linux_signals: false,
            legacy_abi: false,
            stack: Default::default(),
            thread_locals: BTreeMap::new(),
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
        if self.memory_available().is_some_and(|free| free < needed) {
            self.discard(data);
            return Err(SpawnError::new(
                Errno::Again,
                format!("{name}: not enough memory for a new process"),
            ));
        }
        let cmdline = crate::procfs::cmdline(&data.args);
        let (store, instance, entry) = self.instantiate(&name, &module, data)?;
        self.next_pid += 1;
        let mut info = ProcInfo::new(ppid, name, ignored);
        info.cmdline = cmdline;
        // The parent's process group; the first process (no parent) leads its own.
        info.pgid = self.procs.get(&ppid).map_or(pid, |p| p.pgid);
        self.procs.insert(pid, info);
        self.new_tasks.push(Task {
            pid,
            store,
            instance,
            module,
            state: Some(State::New(entry.first())),
            then_start: entry.then(),
        });
        log::debug!("spawned pid {pid}");
        Ok(pid)
    }

    /// Closes the descriptors of a process that will not run.
    pub(crate) fn discard(&mut self, mut data: ProcData) {
        self.release_tty(data.pid);
        data.fds.close_all(&mut self.fs, &mut self.files);
        self.files.drain_events(&mut self.events);
    }

    /// A store for `data` running `module`, its instance and what it runs. No guest code
    /// runs here: a start section was made the process's first call at load time.
    pub(crate) fn instantiate(
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
            // The scheduler points this at its home once the process is adopted.
            home: Rc::default(),
            data,
            limits,
            pending: None,
            exec: None,
            // What the module's memory and tables take is bounded by the heap free now,
            // with the same headroom as `memory.grow` (a spawn checked the initial
            // memory first; an exec or fork relies on this alone).
            instantiating: self.memory_available(),
            charges: crate::sys::Charges::new(self.limits.max_memory),
        };
        let module = &program.module;
        let mut store = Store::new(module.engine(), proc);
        store.limiter(|p| p);
        let linker = Arc::clone(&program.linker);
        // Starts nothing: the module has no start section left (`startsec`).
        let instantiated = linker.instantiate_and_start(&mut store, module);
        store.data_mut().instantiating = None;
        let instance = match instantiated {
            Ok(i) => i,
            Err(e) => {
                self.discard(store.into_data().data);
                // Its memory or tables were refused (the per-process bounds or the free
                // heap): NOMEM, as exec says when there is not memory enough.
                use wasmi::errors::{ErrorKind, InstantiationError as Inst};
                let errno = match e.kind() {
                    ErrorKind::Instantiation(
                        Inst::FailedToInstantiateMemory(_) | Inst::FailedToInstantiateTable(_),
                    )
                    | ErrorKind::Memory(_)
                    | ErrorKind::Table(_) => Errno::NoMem,
                    _ => Errno::NoExec,
                };
                return Err(SpawnError::new(
                    errno,
                    format!("{name}: cannot instantiate: {e}"),
                ));
            }
        };
        store.data_mut().data.memory = instance.get_memory(&store, "memory");
        store.data_mut().data.linux_signals = instance.get_func(&store, "__wasm_signal").is_some();
        store.data_mut().data.legacy_abi = is_legacy(module);
        let init = if program.start_section {
            match instance.get_typed_func::<(), ()>(&store, crate::startsec::START_EXPORT) {
                Ok(f) => Some(f),
                // The validator no longer sees the start section: its type is checked here.
                Err(_) => {
                    self.discard(store.into_data().data);
                    return Err(SpawnError::new(
                        Errno::NoExec,
                        format!("{name}: the start function's type is not [] -> []"),
                    ));
                }
            }
        } else {
            None
        };
        match instance.get_typed_func::<(), ()>(&store, "_start") {
            Ok(start) => Ok((store, instance, Entry { init, start })),
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

/// What of the 2022 WASIX ABI `module` needs: the two-parameter `proc_join` ([`is_legacy`]),
/// `fd_renumber` as `dup2` for any WASIX program (one importing from `wasix_32v1`),
/// and bidirectional pipes when it imports `fd_pipe` and the classic calls (`fd_write`)
/// from `wasix_32v1` and nothing from the preview1 modules, as 2022 wasix-libc builds did
/// (current builds import the classic calls from `wasi_snapshot_preview1`; a program that
/// imports from both — our `badcalls` — is not a 2022 build).
pub fn legacy_abi(module: &wasmi::Module) -> crate::types::LegacyAbi {
    let from_wasix = |name: &str| {
        module
            .imports()
            .any(|i| i.module() == abi::wasix::WASIX_MODULE && i.name() == name)
    };
    let preview1 = module
        .imports()
        .any(|i| matches!(i.module(), "wasi_snapshot_preview1" | "wasi_unstable"));
    crate::types::LegacyAbi {
        proc_join: is_legacy(module),
        duplex_pipes: from_wasix("fd_pipe") && from_wasix("fd_write") && !preview1,
        renumber_dup2: module
            .imports()
            .any(|i| i.module() == abi::wasix::WASIX_MODULE),
    }
}

/// True for a module built against the 2022 WASIX ABI (see `wasix::register_legacy`): it
/// imports the two-parameter `proc_join`.
pub fn is_legacy(module: &wasmi::Module) -> bool {
    module.imports().any(|i| {
        i.module() == abi::wasix::WASIX_MODULE
            && i.name() == "proc_join"
            && matches!(i.ty(), wasmi::ExternType::Func(f) if f.params().len() == 2)
    })
}
