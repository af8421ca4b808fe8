//! Test support: a fake [`Platform`] with a settable clock and captured console, and
//! [`run_wat`] to run a program (WebAssembly text) as process 1 and collect what it did.

use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};

use vfs::{Fs, Limits as FsLimits};

use crate::files::{FdEntry, FdTable, Object, OpenFile, Stream};
use crate::sched::Kernel;
use crate::spawn::SpawnSpec;
use crate::sys::Platform;
use crate::types::ExitStatus;
use crate::types::Limits;

/// What the fake console saw.
#[derive(Debug, Default)]
pub struct Console {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub log: Vec<u8>,
    pub input: Vec<u8>,
}

/// A deterministic platform: time advances 1 µs per query and jumps to deadlines when idle.
pub struct FakePlatform {
    pub now: Rc<RefCell<u64>>,
    pub console: Rc<RefCell<Console>>,
    rng: u64,
    /// What `memory_available` reports (`None`: unknown, so unchecked).
    pub heap_free: Option<usize>,
}

impl FakePlatform {
    /// A platform at monotonic time 0 writing to `console`.
    pub fn new(console: Rc<RefCell<Console>>) -> Self {
        Self {
            now: Rc::new(RefCell::new(0)),
            console,
            rng: 0x9e37_79b9_7f4a_7c15,
            heap_free: None,
        }
    }
}

/// Realtime at monotonic 0: 2026-01-01T00:00:00Z.
pub const EPOCH_NS: u64 = 1_767_225_600_000_000_000;

impl Platform for FakePlatform {
    fn monotonic_ns(&self) -> u64 {
        let mut t = self.now.borrow_mut();
        // Saturating: idling until a deadline of "never" (u64::MAX) jumps right there.
        *t = t.saturating_add(1000);
        *t
    }
    fn realtime_ns(&self) -> u64 {
        EPOCH_NS.saturating_add(self.monotonic_ns())
    }
    fn random(&mut self, buf: &mut [u8]) {
        for b in buf {
            self.rng ^= self.rng << 13;
            self.rng ^= self.rng >> 7;
            self.rng ^= self.rng << 17;
            *b = self.rng as u8;
        }
    }
    fn write(&mut self, stream: Stream, data: &[u8]) {
        let mut c = self.console.borrow_mut();
        match stream {
            Stream::Stdout => c.stdout.extend_from_slice(data),
            Stream::Stderr => c.stderr.extend_from_slice(data),
            Stream::Log => c.log.extend_from_slice(data),
        }
    }
    fn read_console(&mut self, buf: &mut [u8]) -> usize {
        let mut c = self.console.borrow_mut();
        let n = buf.len().min(c.input.len());
        buf[..n].copy_from_slice(&c.input[..n]);
        c.input.drain(..n);
        n
    }
    fn memory_available(&self) -> Option<usize> {
        self.heap_free
    }
    fn idle(&mut self, deadline: Option<u64>) {
        let mut t = self.now.borrow_mut();
        match deadline {
            Some(d) if d > *t => *t = d,
            _ => *t = t.saturating_add(1_000_000),
        }
    }
}

/// The result of [`run_wat`].
pub struct Ran {
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
    #[allow(dead_code)] // Kept for tests that inspect the system afterwards.
    pub kernel: Kernel,
}

/// Options for [`run_with`].
#[derive(Default)]
pub struct Opts {
    pub args: Vec<&'static str>,
    pub env: Vec<&'static str>,
    pub stdin: Option<Vec<u8>>,
    /// Files to create before starting: (path under /, contents).
    pub files: Vec<(&'static str, &'static [u8])>,
    /// Preopen the filesystem root as this name (fd 3).
    pub preopen: Option<&'static str>,
    /// Run slices on [`Deferred`], so every slice is seen as preempted first.
    pub deferred: bool,
    /// With `deferred`: fresh slices refused while another is parked (see
    /// [`Deferred::refuse`]), and where the count of refusals goes.
    pub refuse: u32,
    pub refused: Rc<Cell<u32>>,
    /// Run slices on [`Unmetered`]: no fuel, so programs translate lazily as under the
    /// kernel's timer (the program must end by itself).
    pub unmetered: bool,
    /// Mount `/dev` ([`crate::devfs`]) at the root.
    pub dev: bool,
    /// Free kernel heap the platform reports, fixed (`None`: unknown).
    pub heap_free: Option<usize>,
}

/// An executor that reports every slice that ran out of fuel — one that was still
/// computing — as preempted once before handing over its end: slices still run whole
/// (under fuel) when started, but the scheduler goes through its preempted-process paths
/// — resuming, killing, signalling, accounting — as it does under the kernel's timer.
#[derive(Default)]
pub struct Deferred {
    parked: alloc::collections::BTreeMap<u64, Box<crate::sched::Slice>>,
    next: u64,
    /// Fresh starts still to refuse while some slice is parked (as the kernel's executor
    /// does with the heap low and every stack held), and how many were refused.
    pub refuse: Rc<Cell<u32>>,
    pub refused: Rc<Cell<u32>>,
}

impl crate::sched::Executor for Deferred {
    fn preempts(&self) -> bool {
        false
    }

    fn start(&mut self, work: crate::sched::SliceWork) -> crate::sched::Run {
        let slice = work();
        if !slice.out_of_fuel() {
            return crate::sched::Run::Done(slice);
        }
        self.next += 1;
        self.parked.insert(self.next, slice);
        crate::sched::Run::Preempted(self.next)
    }

    fn resume(&mut self, fiber: u64, _kill: bool) -> crate::sched::Run {
        crate::sched::Run::Done(self.parked.remove(&fiber).expect("a parked slice"))
    }

    fn ready_to_start(&mut self) -> bool {
        if self.parked.is_empty() || self.refuse.get() == 0 {
            return true;
        }
        self.refuse.set(self.refuse.get() - 1);
        self.refused.set(self.refused.get() + 1);
        false
    }
}

/// An executor that claims to preempt, so the runtime runs WebAssembly without fuel and
/// translates it lazily, as under the kernel's timer, but runs every slice whole: only for
/// programs that end or block by themselves.
pub struct Unmetered;

impl crate::sched::Executor for Unmetered {
    fn preempts(&self) -> bool {
        true
    }

    fn start(&mut self, work: crate::sched::SliceWork) -> crate::sched::Run {
        crate::sched::Run::Done(work())
    }

    fn resume(&mut self, _fiber: u64, _kill: bool) -> crate::sched::Run {
        unreachable!("an unmetered slice is never suspended")
    }
}

/// Builds a kernel with a fake platform and an fs holding `/prog.wasm` = `wasm`.
pub fn kernel_with(wasm: &[u8], opts: &Opts) -> (Kernel, Rc<RefCell<Console>>, crate::Pid) {
    let console = Rc::new(RefCell::new(Console::default()));
    let mut platform = FakePlatform::new(Rc::clone(&console));
    platform.heap_free = opts.heap_free;
    let mut fs = Fs::new(FsLimits::default());
    let root = fs.root();
    fs.write_file(root, "prog.wasm", wasm)
        .expect("write program");
    for (path, data) in &opts.files {
        fs.write_file(root, path, data).expect("write file");
    }
    let executor: Box<dyn crate::sched::Executor> = if opts.deferred {
        Box::new(Deferred {
            refuse: Rc::new(Cell::new(opts.refuse)),
            refused: Rc::clone(&opts.refused),
            ..Deferred::default()
        })
    } else if opts.unmetered {
        Box::new(Unmetered)
    } else {
        Box::new(crate::sched::Direct)
    };
    let mut kernel =
        Kernel::with_executor(Box::new(platform), executor, fs, Limits::default()).expect("kernel");
    let sys = kernel.sys();
    if opts.dev {
        crate::devfs::mount(sys, root).expect("mount /dev");
    }
    let module = sys
        .load_module(root, "prog.wasm")
        .map_err(|e| e.message)
        .expect("load");
    let mut fds = FdTable::new(sys.limits.max_fds);
    let stdin = match &opts.stdin {
        Some(bytes) => Object::Bytes(Arc::from(bytes.as_slice())),
        None => Object::Null,
    };
    for (fd, obj) in [
        stdin,
        Object::ConsoleOut(Stream::Stdout),
        Object::ConsoleOut(Stream::Stderr),
    ]
    .into_iter()
    .enumerate()
    {
        let id = sys.files.insert(&mut sys.fs, OpenFile::new(obj, 0));
        fds.install_at(&mut sys.fs, &mut sys.files, fd as u32, FdEntry::new(id))
            .expect("stdio");
    }
    if let Some(name) = opts.preopen {
        let id = sys
            .files
            .insert(&mut sys.fs, OpenFile::new(Object::Dir(root), 0));
        fds.install(
            &mut sys.files,
            FdEntry {
                preopen: Some(name.to_string()),
                ..FdEntry::new(id)
            },
            3,
        )
        .expect("preopen");
    }
    let mut args = alloc::vec![b"prog".to_vec()];
    args.extend(opts.args.iter().map(|a| a.as_bytes().to_vec()));
    let env = opts.env.iter().map(|e| e.as_bytes().to_vec()).collect();
    let pid = sys
        .spawn(SpawnSpec {
            ppid: 0,
            name: "prog".to_string(),
            module,
            args,
            env,
            fds,
            root,
            cwd: "/".into(),
            ignored: 0,
        })
        .map_err(|e| e.message)
        .expect("spawn");
    (kernel, console, pid)
}

/// Runs `wat` to completion with `opts`.
pub fn run_with(wat: &str, opts: Opts) -> Ran {
    let wasm = wat::parse_str(wat).expect("valid wat");
    let (mut kernel, console, pid) = kernel_with(&wasm, &opts);
    kernel.run();
    let c = console.borrow();
    Ran {
        status: kernel.status(pid),
        stdout: String::from_utf8_lossy(&c.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&c.stderr).into_owned(),
        kernel,
    }
}

/// Runs `wat` with no arguments.
pub fn run_wat(wat: &str) -> Ran {
    run_with(wat, Opts::default())
}
