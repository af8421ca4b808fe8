//! Starting the first process. The boot tool describes it in kernel-private ramdisk files:
//! `.kernel/argv` (NUL-separated; argv[0] names the program, a path in the root filesystem
//! unless `.kernel/program` carries the module itself), `.kernel/env` (NUL-separated
//! `NAME=VALUE`), `.kernel/preopens` (NUL-separated guest directories, preopened from fd 3 on)
//! and `.kernel/stdin` (bytes the process reads before end-of-file; without it stdin is the
//! console). The root filesystem is unpacked, the process runs with everything it spawns,
//! and its exit status is returned.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;

use runtime::files::{FdEntry, FdTable, Object, OpenFile, Stream};
use runtime::{ExitStatus, Kernel, Limits, SpawnSpec};
use vfs::Fs;

use crate::bootargs::BootArgs;
use crate::platform::KernelPlatform;
use crate::{arch, memory};

fn split_nul(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes
        .split(|&b| b == 0)
        .filter(|s| !s.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

fn log_unpacked(what: &str, u: &rootfs::Unpacked) {
    log::info!(
        "{what}: {} files ({} KiB), {} directories, {} symlinks, {} skipped",
        u.files,
        u.bytes >> 10,
        u.dirs,
        u.symlinks,
        u.skipped
    );
}

/// Why the first process could not start.
pub struct StartError(pub String);

/// How the first process ended.
pub struct Ended {
    pub status: ExitStatus,
    /// Set when it was the system's init, ended by a power signal.
    pub request: Option<PowerRequest>,
}

/// What the end of the system's init asks of the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerRequest {
    PowerOff,
    Reboot,
}

/// The signals busybox's init reads as requests — TERM reboots, USR1 (halt) and USR2
/// (poweroff) switch off — so `reboot` and `poweroff` in /bin send them to process 1.
/// Only for the system's init (`/bin/init`); any other first process ending by a signal
/// is just a status.
fn power_request(status: ExitStatus) -> Option<PowerRequest> {
    match status {
        ExitStatus::Signal(abi::wasix::signal::TERM) => Some(PowerRequest::Reboot),
        ExitStatus::Signal(abi::wasix::signal::USR1 | abi::wasix::signal::USR2) => {
            Some(PowerRequest::PowerOff)
        }
        _ => None,
    }
}

/// How many scheduling rounds run between looks at whether init has ended: one, since a
/// round may idle until the next timer tick (the look is a map lookup).
const ROUNDS_BETWEEN_CHECKS: u64 = 1;

/// Kills every process still alive (their parent, init, is gone).
fn kill_remaining(kernel: &mut Kernel) {
    let sys = kernel.sys();
    let alive: Vec<_> = sys
        .procs
        .iter()
        .filter(|(_, p)| p.status.is_none())
        .map(|(&pid, _)| pid)
        .collect();
    log::info!("init ended: killing {} remaining processes", alive.len());
    for pid in alive {
        let _ = sys.raise(pid, abi::wasix::signal::KILL);
    }
}

/// Unpacks the root filesystem, starts the first process and runs until every process
/// has ended. `None` when the boot tool asked for no process.
pub fn run(args: &BootArgs) -> Result<Option<Ended>, StartError> {
    let (heap_before, heap) = memory::heap_usage();
    let Some(argv) = args
        .kernel_file("argv")
        .map(split_nul)
        .filter(|a| !a.is_empty())
    else {
        return Ok(None);
    };
    let mut fs = Fs::new(vfs::Limits {
        max_bytes: heap as u64 / 2,
        ..vfs::Limits::default()
    });
    fs.set_time(crate::time::realtime_ns());
    // Entries the filesystem could not take; write-back is refused then, since the host
    // would take what is missing for deleted.
    let mut skipped = 0;
    if let Some(archive) = args.archive() {
        let u = archive.unpack(&mut fs);
        skipped += u.skipped;
        if u != rootfs::Unpacked::default() {
            log_unpacked("rootfs", &u);
        }
        // The boot tool packs the root filesystem as a deflated archive of its own; it is
        // inflated into a temporary buffer, unpacked, and the buffer freed.
        if let Some(packed) = archive.kernel_file("rootfs.deflate") {
            let started = crate::time::monotonic_ns();
            let unpacked = rootfs::inflate(packed, heap / 4)
                .ok_or("corrupt or larger than a quarter of the heap")
                .and_then(|bytes| {
                    rootfs::unpack(&bytes, &mut fs).map_err(|_| "not a valid archive")
                });
            match unpacked {
                Ok(u) => {
                    skipped += u.skipped;
                    log_unpacked("rootfs", &u);
                    log::info!(
                        "rootfs: inflated {} KiB in {} ms",
                        packed.len() >> 10,
                        (crate::time::monotonic_ns() - started) / 1_000_000
                    );
                }
                Err(e) => log::warn!("rootfs.deflate: {e}; booting without a root filesystem"),
            }
        }
    }
    // Allocation-failure injection (runtime::failpoint), parsed now (a bad value stops the
    // boot) and armed once the first process exists: the guests are what is tested, not
    // whether the kernel can start its first process.
    let failalloc = match args.cmdline().get("failalloc") {
        Some(value) => Some(runtime::failpoint::Mode::parse(value).ok_or_else(|| {
            StartError(alloc::format!(
                "failalloc={value}: expected nth:N[,N...] or random:SEED[:ONE_IN]"
            ))
        })?),
        None => None,
    };
    let mut limits = Limits::default();
    if let Some(mib) = args.cmdline().get_u64("procmem") {
        limits.max_memory = usize::try_from(mib << 20).unwrap_or(usize::MAX);
    }
    limits.eager_translation = args.cmdline().get("translate") == Some("eager");
    let executor: Box<dyn runtime::sched::Executor> =
        if arch::preemption_available() && args.cmdline().get("preempt") != Some("off") {
            log::info!(
                "scheduler: timer-preempted slices ({} KiB of wasmi handlers)",
                arch::handler_bytes() >> 10
            );
            Box::new(arch::Fibers::new())
        } else {
            log::info!("scheduler: fuel-metered slices");
            Box::new(runtime::sched::Direct)
        };
    let mut kernel = Kernel::with_executor(Box::new(KernelPlatform::new()), executor, fs, limits)
        .map_err(|e| StartError(alloc::format!("cannot set up the runtime: {e}")))?;
    let sys = kernel.sys();
    match args.cmdline().get("console") {
        // The interactive image: echo, line editing, ^C/^\/^D, \n → \r\n.
        Some("cooked") => sys.tty = runtime::types::Tty::cooked(),
        // The same image fed a script (the boot tool's stdin was a pipe or file): no echo
        // of the typed lines, and the ^D the script ends with is final.
        Some("piped") => {
            sys.tty = runtime::types::Tty {
                echo: false,
                ..runtime::types::Tty::cooked()
            };
            sys.terminal.hang_up_on_eof();
        }
        // `run` on a terminal: the host's own line discipline edits and echoes each line
        // before the boot tool types it in, and types ^C / ^\ as keys; the program's
        // output goes out byte for byte. ^D at the end of the input is final.
        Some("lines") => {
            sys.tty = runtime::types::Tty {
                echo: false,
                line_feeds: false,
                ..runtime::types::Tty::cooked()
            };
            sys.terminal.hang_up_on_eof();
        }
        _ => {}
    }
    let root = sys.fs.root();
    if args.cmdline().get("proc") == Some("on") {
        runtime::procfs::mount(sys, root)
            .map_err(|e| StartError(alloc::format!("cannot mount /proc: {e}")))?;
    }
    // /dev always (scripts everywhere write `2>/dev/null`), unless the root filesystem
    // given to `run` has a `dev` of its own.
    match runtime::devfs::mount(sys, root) {
        Ok(()) => {}
        Err(abi::Errno::Exist) => log::info!("/dev: the root filesystem has its own; not mounted"),
        Err(e) => return Err(StartError(alloc::format!("cannot mount /dev: {e}"))),
    }
    let name = String::from_utf8_lossy(&argv[0]).into_owned();
    let system_init = args.kernel_file("program").is_none() && name == "/bin/init";
    sys.init_shielded = system_init;
    let module = match args.kernel_file("program") {
        Some(bytes) => sys.compile(&name, bytes),
        None => sys.load_module(root, name.trim_start_matches('/')),
    }
    .map_err(|e| StartError(e.message))?;

    let mut fds = FdTable::new(sys.limits.max_fds);
    let stdin = match args.kernel_file("stdin") {
        Some(bytes) => Object::Bytes(Arc::from(bytes)),
        None => Object::ConsoleIn,
    };
    let stdio = [
        stdin,
        Object::ConsoleOut(Stream::Stdout),
        Object::ConsoleOut(Stream::Stderr),
    ];
    for (fd, object) in stdio.into_iter().enumerate() {
        let id = sys.files.insert(&mut sys.fs, OpenFile::new(object, 0));
        let entry = FdEntry::new(id);
        fds.install_at(&mut sys.fs, &mut sys.files, fd as u32, entry)
            .map_err(|e| StartError(e.to_string()))?;
    }
    let mut preopens = args
        .kernel_file("preopens")
        .map(split_nul)
        .unwrap_or_default();
    // `run` of a program the WASIX toolchain built (wasix-libc or the Rust WASIX target:
    // WASIX imports and a shared memory): like wasmer, which always gives one a root
    // directory at `/`, preopen `/` after the `--dir`s when none of them is it, so that
    // `/dev/null`, `/tmp` and absolute paths resolve (wasix-libc finds every path through
    // a preopen). Any other program gets exactly its `--dir`s, as under wasmtime.
    let wasix = module.built_for_wasix();
    if args.kernel_file("program").is_some() && wasix && !preopens.iter().any(|d| d == b"/") {
        preopens.push(b"/".to_vec());
    }
    for dir in preopens {
        let guest = String::from_utf8_lossy(&dir).into_owned();
        let rel = guest.trim_start_matches('/');
        let ino = if rel.is_empty() {
            Ok(root)
        } else {
            sys.fs.lookup(root, rel, true)
        };
        let ino = ino.map_err(|e| StartError(alloc::format!("preopen {guest}: {e}")))?;
        let id = sys
            .files
            .insert(&mut sys.fs, OpenFile::new(Object::Dir(ino), 0));
        let entry = FdEntry {
            preopen: Some(guest.clone()),
            ..FdEntry::new(id)
        };
        fds.install(&mut sys.files, entry, 3)
            .map_err(|e| StartError(alloc::format!("preopen {guest}: {e}")))?;
    }
    // `run --dir HOST::GUEST:ro`: that tree is read-only to every process (ROFS).
    for dir in args
        .kernel_file("readonly")
        .map(split_nul)
        .unwrap_or_default()
    {
        let guest = String::from_utf8_lossy(&dir).into_owned();
        sys.fs
            .lookup(root, guest.trim_start_matches('/'), true)
            .and_then(|ino| sys.fs.set_read_only_tree(ino))
            .map_err(|e| StartError(alloc::format!("read-only {guest}: {e}")))?;
    }
    // What the write-back directories hold now, so unchanged files need not go back.
    let writeback = args
        .kernel_file("writeback")
        .map(split_nul)
        .unwrap_or_default();
    let baselines: Vec<rootfs::export::Baseline> = writeback
        .iter()
        .map(
            |guest| match lookup_dir(&sys.fs, &String::from_utf8_lossy(guest)) {
                Ok(ino) => rootfs::export::Baseline::take(&sys.fs, ino),
                Err(_) => rootfs::export::Baseline::default(),
            },
        )
        .collect();
    let env = args.kernel_file("env").map(split_nul).unwrap_or_default();
    let pid = sys
        .spawn(SpawnSpec {
            ppid: 0,
            name: name.clone(),
            module,
            args: argv,
            env,
            fds,
            root,
            ignored: 0,
            cwd: "/".into(),
        })
        .map_err(|e| StartError(e.message))?;
    log::info!("started {name} as pid {pid}");
    if let Some(mode) = failalloc {
        log::info!("failalloc: {mode:?}");
        runtime::failpoint::arm(mode);
    }
    // Its first instruction runs in the first slice, right now; the benchmark reads this.
    log::info!(
        "pid {pid} starts {} us after kernel entry",
        crate::time::monotonic_ns() / 1000
    );
    // The system's init (`/bin/init`) ended by a power signal takes every process with it:
    // the machine switches off or restarts (`power_request`), whatever it was running.
    loop {
        if kernel.run_rounds(ROUNDS_BETWEEN_CHECKS) {
            break;
        }
        if system_init
            && kernel
                .status(pid)
                .is_some_and(|s| power_request(s).is_some())
        {
            kill_remaining(&mut kernel);
            kernel.run();
            break;
        }
    }
    let status = kernel.status(pid);
    // `run --dir` directories go back to the host (over COM4) once the program is done,
    // whatever its status: what it wrote before a trap is written on the host too.
    if !writeback.is_empty() {
        if skipped == 0 {
            write_back(&mut kernel.sys().fs, &writeback, &baselines);
        } else {
            log::warn!("write-back refused: {skipped} entries were not copied in at boot");
        }
    }
    let stats = kernel.stats();
    drop(kernel);
    drop(name);
    drop(baselines);
    drop(writeback);
    // Everything the runtime allocated — stores, modules, pipes, files, the filesystem —
    // must be back: the boot tool's tests read this line as the kernel-wide leak check.
    let (heap_after, _) = memory::heap_usage();
    crate::console::write_log(
        alloc::format!(
            "heap-check before={heap_before} after={heap_after} tasks={} procs={} files={} pipes={}\n",
            stats.tasks, stats.procs, stats.open_files, stats.pipes
        )
        .as_bytes(),
    );
    if failalloc.is_some() {
        let s = runtime::failpoint::stats();
        runtime::failpoint::arm(runtime::failpoint::Mode::Off);
        crate::console::write_log(
            alloc::format!("failalloc: {} of {} checks failed\n", s.injected, s.checks).as_bytes(),
        );
    }
    Ok(status.map(|status| Ended {
        status,
        request: if system_init {
            power_request(status)
        } else {
            None
        },
    }))
}

/// Streams the directories named in `guests` (guest paths) to the host on COM4, in the
/// format of [`rootfs::export`]. A directory that no longer exists is sent empty, so the
/// host removes what it held.
fn write_back(fs: &mut vfs::Fs, guests: &[Vec<u8>], baselines: &[rootfs::export::Baseline]) {
    let started = crate::time::monotonic_ns();
    let mut bytes = 0u64;
    let mut w = rootfs::export::Writer::new(|b: &[u8]| {
        bytes += b.len() as u64;
        crate::console::write_export(b);
    });
    for (guest, baseline) in guests.iter().zip(baselines) {
        let guest = String::from_utf8_lossy(guest);
        match lookup_dir(fs, &guest) {
            Ok(ino) => w.directory(fs, &guest, ino, baseline),
            Err(_) => w.directory_gone(&guest),
        }
    }
    w.finish();
    log::info!(
        "write-back: {} KiB in {} ms",
        bytes >> 10,
        (crate::time::monotonic_ns() - started) / 1_000_000
    );
}

/// The inode at guest path `guest` (absolute; `/` is the root).
fn lookup_dir(fs: &vfs::Fs, guest: &str) -> Result<vfs::Ino, abi::Errno> {
    let rel = guest.trim_start_matches('/');
    if rel.is_empty() {
        Ok(fs.root())
    } else {
        fs.lookup(fs.root(), rel, true)
    }
}
