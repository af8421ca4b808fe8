//! Runs one module as process 1 on the runtime's fake platform, bounded, and checks what
//! must hold afterwards: every process ended (by itself, or by SIGKILL once the round
//! budget ran out), no runtime error other than a clean trap, no open file, pipe or pinned
//! inode left behind, and a consistent filesystem.
//!
//! The process starts with stdin = fuzz bytes (fd 0), stdout/stderr on the fake console
//! (1, 2), preopens `/` (3) and `/dir` (4), both ends of a pipe (5 read, 6 write) and
//! `/dir/file` open for reading and writing (7). The filesystem also holds the module
//! itself as `/prog.wasm` and `/bin/prog.wasm`, so spawn and exec calls find a program.

use std::cell::RefCell;
use std::collections::{BTreeSet, VecDeque};
use std::rc::Rc;
use std::sync::{Arc, Once};

use runtime::files::{FdEntry, FdTable, Object, OpenFile, Stream};
use runtime::testing::{Console, FakePlatform};
use runtime::{ExitStatus, Kernel, Limits, SpawnSpec};
use vfs::{FileType, Fs, Ino};

/// Scheduling rounds before the processes still alive are killed: with [`LIMITS`], at most
/// a million wasm instructions or so per case.
const ROUNDS: u64 = 200;

/// Runtime limits: small enough that a fuzz case stays fast, large enough for two pages.
const LIMITS: Limits = Limits {
    max_procs: 6,
    max_fds: 32,
    max_memory: 8 << 20,
    slice_fuel: 5_000,
    eager_translation: false,
};

/// Every inode reachable from `dir` through directory entries (symlinks not followed),
/// `dir` included.
pub(crate) fn subtree(fs: &Fs, dir: Ino) -> BTreeSet<Ino> {
    let mut seen = BTreeSet::from([dir]);
    let mut queue = VecDeque::from([dir]);
    while let Some(d) = queue.pop_front() {
        let Ok(entries) = fs.readdir(d, 2) else {
            continue;
        };
        for e in entries {
            if seen.insert(e.ino) && e.kind == FileType::Directory {
                queue.push_back(e.ino);
            }
        }
    }
    seen
}

/// Collects the runtime's log lines on the current thread while a case runs.
struct Capture;

thread_local! {
    static LOG: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Info
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        LOG.with(|l| {
            if let Some(lines) = l.borrow_mut().as_mut()
                && lines.len() < 256
            {
                lines.push(record.args().to_string());
            }
        });
    }

    fn flush(&self) {}
}

static CAPTURE: Capture = Capture;

fn capture_log() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // Another logger (a test binary's) may be installed already: then nothing is
        // captured and the log check is skipped.
        if log::set_logger(&CAPTURE).is_ok() {
            log::set_max_level(log::LevelFilter::Info);
        }
    });
    LOG.with(|l| *l.borrow_mut() = Some(Vec::new()));
}

fn take_log() -> Vec<String> {
    LOG.with(|l| l.borrow_mut().take()).unwrap_or_default()
}

/// What a run came to (for tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The module did not compile.
    Rejected,
    /// It compiled but could not be spawned (instantiation failed, no `_start`, ...).
    NotSpawned,
    /// Process 1 ended with this status; `killed` if the round budget ran out first.
    Ended { status: ExitStatus, killed: bool },
}

fn filesystem(wasm: &[u8]) -> Fs {
    let mut fs = Fs::new(vfs::Limits {
        max_bytes: 8 << 20,
        max_inodes: 256,
        max_file_size: 4 << 20,
    });
    let root = fs.root();
    fs.write_file(root, "dir/file", b"0123456789abcdef")
        .expect("setup");
    fs.create_path_all(root, "dir/sub").expect("setup");
    fs.symlink("file", root, "dir/link").expect("setup");
    fs.symlink("../..", root, "dir/sub/up").expect("setup");
    fs.write_file(root, "prog.wasm", wasm).expect("setup");
    fs.create_path_all(root, "bin").expect("setup");
    fs.link(root, "prog.wasm", false, root, "bin/prog.wasm")
        .expect("setup");
    fs
}

/// Runs `wasm` as process 1 with `stdin`; panics if an invariant breaks.
pub(crate) fn run(wasm: &[u8], stdin: &[u8]) -> Outcome {
    capture_log();
    let console = Rc::new(RefCell::new(Console::default()));
    let platform = FakePlatform::new(Rc::clone(&console));
    let mut kernel = Kernel::new(Box::new(platform), filesystem(wasm), LIMITS).expect("runtime");
    let outcome = start_and_run(&mut kernel, wasm, stdin);
    check_after(&mut kernel, &outcome);
    outcome
}

fn install(sys: &mut runtime::System, fds: &mut FdTable, fd: u32, object: Object, name: &str) {
    let id = sys.files.insert(&mut sys.fs, OpenFile::new(object, 0));
    let entry = FdEntry {
        preopen: (!name.is_empty()).then(|| name.to_string()),
        ..FdEntry::new(id)
    };
    fds.install_at(&mut sys.fs, &mut sys.files, fd, entry)
        .expect("install a descriptor");
}

fn start_and_run(kernel: &mut Kernel, wasm: &[u8], stdin: &[u8]) -> Outcome {
    let sys = kernel.sys();
    let Ok(module) = sys.compile("prog", wasm) else {
        return Outcome::Rejected;
    };
    let root = sys.fs.root();
    let dir = sys.fs.lookup(root, "dir", false).expect("setup");
    let file = sys.fs.lookup(root, "dir/file", false).expect("setup");
    let mut fds = FdTable::new(sys.limits.max_fds);
    install(sys, &mut fds, 0, Object::Bytes(Arc::from(stdin)), "");
    install(sys, &mut fds, 1, Object::ConsoleOut(Stream::Stdout), "");
    install(sys, &mut fds, 2, Object::ConsoleOut(Stream::Stderr), "");
    install(sys, &mut fds, 3, Object::Dir(root), "/");
    install(sys, &mut fds, 4, Object::Dir(dir), "/dir");
    let (read, write) = sys.files.create_pipe(0);
    for (fd, id) in [(5, read), (6, write)] {
        let entry = FdEntry::new(id);
        fds.install_at(&mut sys.fs, &mut sys.files, fd, entry)
            .expect("install a pipe end");
    }
    install(sys, &mut fds, 7, Object::File(file), "");
    let spec = SpawnSpec {
        ppid: 0,
        name: "prog".to_string(),
        module,
        args: vec![b"prog".to_vec(), b"arg".to_vec()],
        env: vec![b"HOME=/".to_vec()],
        fds,
        root,
        cwd: "/".to_string(),
        ignored: 0,
    };
    let Ok(pid) = sys.spawn(spec) else {
        return Outcome::NotSpawned;
    };
    assert_eq!(pid, 1, "the first process is pid 1");
    let mut killed = false;
    let mut ended = kernel.run_rounds(ROUNDS);
    for _ in 0..4 {
        if ended {
            break;
        }
        killed = true;
        let sys = kernel.sys();
        let live: Vec<u32> = sys
            .procs
            .iter()
            .filter(|(_, p)| p.status.is_none())
            .map(|(&pid, _)| pid)
            .collect();
        for pid in live {
            sys.raise(pid, abi::wasix::signal::KILL)
                .expect("a live process can be killed");
        }
        ended = kernel.run_rounds(50);
    }
    assert!(ended, "processes survive SIGKILL: {:?}", kernel.stats());
    let status = kernel
        .status(1)
        .expect("process 1 has a status once it ended");
    Outcome::Ended { status, killed }
}

fn check_after(kernel: &mut Kernel, outcome: &Outcome) {
    let log = take_log();
    for line in &log {
        // The runtime reports how a process failed as "pid N: <message>": a trap is
        // clean; any other error means the runtime mishandled something.
        if let Some((_, msg)) = line.split_once(": ")
            && line.starts_with("pid ")
            && msg.starts_with("error: ")
        {
            panic!("unclean end ({outcome:?}): {line}\nlog: {log:#?}");
        }
    }
    let stats = kernel.stats();
    assert_eq!(
        (stats.tasks, stats.procs, stats.open_files, stats.pipes),
        (0, 0, 0, 0),
        "left behind after every process ended ({outcome:?}): {stats:?}"
    );
    let fs = &kernel.sys().fs;
    if let Err(e) = fs.check_consistency() {
        panic!("filesystem inconsistent ({outcome:?}): {e}");
    }
    let reachable = subtree(fs, fs.root()).len() as u64;
    assert_eq!(
        reachable,
        fs.usage().inodes,
        "inodes pinned after every descriptor closed ({outcome:?})"
    );
}
