//! The read-only `/proc` view the kernel serves when it is mounted ([`mount`]):
//!
//! ```text
//! /proc/meminfo         kernel heap: MemTotal, MemFree, MemAvailable, Cached/Shmem (RAM files)
//! /proc/uptime          seconds since boot and seconds spent idle, like Linux
//! /proc/fsinfo          the RAM filesystem: its quota, what is used, what a write can
//!                       still get, and inodes (WASI has no statfs: `df` reads this)
//! /proc/<pid>/status    Name, State, Pid, PPid, VmSize (all charged), VmRSS (linear
//!                       memory), Pgid, CPU time, signals
//! /proc/<pid>/cmdline   argv, each argument NUL-terminated
//! /proc/self            a symlink to the calling process's `<pid>`
//! ```
//!
//! The tree lives in the ordinary filesystem with every inode marked read-only, so
//! lookups, `readdir` and `stat` need nothing special and every change a guest attempts is
//! ROFS. Its files are empty placeholders (size 0, as on Linux); opening one hands the
//! process a private snapshot of the current contents ([`vfs::Fs::create_snapshot`]),
//! freed when its last descriptor closes — so a reader sees one consistent text, and
//! nothing stays allocated. The `<pid>` directories follow the process table: [`sync`]
//! adds and removes them before any path lookup, cheaply (it compares the table's size and
//! next pid with what it saw last).

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use abi::Errno;
use vfs::{Fs, Ino};

use crate::sys::{ProcInfo, System};
use crate::types::Pid;

/// What a placeholder file shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Node {
    Meminfo,
    Uptime,
    Fsinfo,
    Status(Pid),
    Cmdline(Pid),
}

/// The mounted `/proc`: its directory and which inode shows what.
#[derive(Debug)]
pub struct ProcFs {
    dir: Ino,
    pids: BTreeMap<Pid, Ino>,
    nodes: BTreeMap<Ino, Node>,
    /// (next pid, table size) when the pid directories were last brought up to date.
    synced: Option<(Pid, usize)>,
    /// The pid `self` points at now.
    self_pid: Option<Pid>,
}

/// Creates `/proc` under directory `parent` (the root, normally) and mounts the view.
/// EXIST if the name is taken.
pub fn mount(sys: &mut System, parent: Ino) -> Result<(), Errno> {
    let fs = &mut sys.fs;
    let dir = fs.mkdir(parent, "proc")?;
    let mut nodes = BTreeMap::new();
    for (name, node) in [
        ("meminfo", Node::Meminfo),
        ("uptime", Node::Uptime),
        ("fsinfo", Node::Fsinfo),
    ] {
        let ino = fs.write_file(dir, name, b"")?;
        fs.set_read_only(ino, true)?;
        nodes.insert(ino, node);
    }
    fs.set_read_only(dir, true)?;
    sys.procfs = Some(ProcFs {
        dir,
        pids: BTreeMap::new(),
        nodes,
        synced: None,
        self_pid: None,
    });
    sync(sys);
    Ok(())
}

/// [`sync`], for a path lookup or listing by process `caller`: `/proc/self` is pointed at
/// the caller's directory first, as Linux's magic link is (the host call runs without
/// interruption, so no other process's lookup can come between). Rewritten only when the
/// caller changes; with no room in the filesystem, `self` is missing until there is.
pub fn sync_for(sys: &mut System, caller: Pid) {
    sync(sys);
    let System { procfs, fs, .. } = sys;
    let Some(pfs) = procfs.as_mut() else {
        return;
    };
    if pfs.self_pid == Some(caller) {
        return;
    }
    let dir = pfs.dir;
    let linked = fs.privileged(|fs| {
        let _ = fs.unlink(dir, "self");
        fs.symlink(&format!("{caller}"), dir, "self")
            .and_then(|ino| fs.set_read_only(ino, true))
    });
    pfs.self_pid = linked.is_ok().then_some(caller);
}

/// Brings the `<pid>` directories in line with the process table (zombies included).
pub fn sync(sys: &mut System) {
    let System {
        procfs,
        fs,
        procs,
        next_pid,
        ..
    } = sys;
    let Some(pfs) = procfs.as_mut() else {
        return;
    };
    // Every insertion takes a new pid and every removal shrinks the table, so an unchanged
    // pair means an unchanged set of pids.
    let key = (*next_pid, procs.len());
    if pfs.synced == Some(key) {
        return;
    }
    let gone: Vec<Pid> = pfs
        .pids
        .keys()
        .filter(|p| !procs.contains_key(p))
        .copied()
        .collect();
    for pid in gone {
        pfs.remove(fs, pid);
    }
    let mut complete = true;
    for &pid in procs.keys() {
        if !pfs.pids.contains_key(&pid) && pfs.add(fs, pid).is_err() {
            // Out of filesystem space: the directory is missing from listings until a
            // later lookup finds room.
            complete = false;
        }
    }
    pfs.synced = complete.then_some(key);
}

impl ProcFs {
    fn add(&mut self, fs: &mut Fs, pid: Pid) -> Result<(), Errno> {
        let name = format!("{pid}");
        let dir = self.dir;
        let made = fs.privileged(|fs| -> Result<(Ino, Ino, Ino), Errno> {
            let d = fs.mkdir(dir, &name)?;
            let status = fs.write_file(d, "status", b"");
            let cmdline = fs.write_file(d, "cmdline", b"");
            match (status, cmdline) {
                (Ok(s), Ok(c)) => Ok((d, s, c)),
                (s, c) => {
                    let _ = fs.unlink(d, "status");
                    let _ = fs.unlink(d, "cmdline");
                    let _ = fs.rmdir(dir, &name);
                    Err(s.and(c).err().unwrap_or(Errno::NoSpc))
                }
            }
        })?;
        let (d, status, cmdline) = made;
        for ino in [d, status, cmdline] {
            fs.set_read_only(ino, true)?;
        }
        self.nodes.insert(status, Node::Status(pid));
        self.nodes.insert(cmdline, Node::Cmdline(pid));
        self.pids.insert(pid, d);
        Ok(())
    }

    fn remove(&mut self, fs: &mut Fs, pid: Pid) {
        let Some(d) = self.pids.remove(&pid) else {
            return;
        };
        self.nodes
            .retain(|_, n| !matches!(n, Node::Status(p) | Node::Cmdline(p) if *p == pid));
        let dir = self.dir;
        fs.privileged(|fs| {
            let _ = fs.unlink(d, "status");
            let _ = fs.unlink(d, "cmdline");
            let _ = fs.rmdir(dir, &format!("{pid}"));
        });
    }
}

/// If `ino` is one of the view's files, a fresh read-only snapshot of its contents for one
/// open handle (the caller pins it at once); any other inode is returned unchanged.
pub fn open(sys: &mut System, ino: Ino) -> Result<Ino, Errno> {
    let Some(node) = sys.procfs.as_ref().and_then(|p| p.nodes.get(&ino).copied()) else {
        return Ok(ino);
    };
    let text = match node {
        Node::Meminfo => meminfo(sys),
        Node::Uptime => uptime(sys),
        Node::Fsinfo => fsinfo(sys),
        Node::Status(pid) => status(pid, sys.procs.get(&pid).ok_or(Errno::NoEnt)?),
        Node::Cmdline(pid) => sys.procs.get(&pid).ok_or(Errno::NoEnt)?.cmdline.clone(),
    };
    sys.fs.create_snapshot(&text)
}

fn kib(bytes: u64) -> u64 {
    bytes / 1024
}

fn meminfo(sys: &System) -> Vec<u8> {
    let free = sys.platform.memory_available().unwrap_or(0) as u64;
    let total = sys
        .platform
        .memory_total()
        .map_or(free, |t| t as u64)
        .max(free);
    // What a new allocation may take: free less the heap set aside for code still to be
    // translated (`System::memory_available`).
    let available = sys.memory_unreserved().unwrap_or(0) as u64;
    let files = sys.fs.usage().bytes;
    let mut s = String::new();
    let lines = [
        ("MemTotal", kib(total)),
        ("MemFree", kib(free)),
        ("MemAvailable", kib(available)),
        ("Buffers", 0),
        // The RAM filesystem's pages live in the heap, like tmpfs in Linux's page cache.
        ("Cached", kib(files)),
        ("Shmem", kib(files)),
        ("SwapTotal", 0),
        ("SwapFree", 0),
    ];
    for (key, value) in lines {
        let _ = writeln!(s, "{:<16}{value:>8} kB", format!("{key}:"));
    }
    let _ = writeln!(s, "{:<16}{:>8}", "Processes:", sys.procs.len());
    s.into_bytes()
}

/// The RAM filesystem in `/proc/meminfo`'s layout: `FsTotal` is its quota, `FsUsed` what
/// it charges now (data pages, inodes, entries), `FsAvailable` what a write can still get —
/// the rest of the quota, or less when the kernel heap has less room for file data
/// (`System::file_room`) — and the inode limit and count.
fn fsinfo(sys: &System) -> Vec<u8> {
    let limits = sys.fs.limits();
    let usage = sys.fs.usage();
    let mut avail = limits.max_bytes.saturating_sub(usage.bytes);
    if let Some(room) = sys.file_room() {
        avail = avail.min(room as u64);
    }
    let mut s = String::new();
    for (key, value) in [
        ("FsTotal", kib(limits.max_bytes)),
        ("FsUsed", kib(usage.bytes)),
        ("FsAvailable", kib(avail)),
    ] {
        let _ = writeln!(s, "{:<16}{value:>8} kB", format!("{key}:"));
    }
    let _ = writeln!(s, "{:<16}{:>8}", "InodesTotal:", limits.max_inodes);
    let _ = writeln!(s, "{:<16}{:>8}", "InodesUsed:", usage.inodes);
    s.into_bytes()
}

/// Seconds with two decimals, like Linux's `/proc/uptime`.
fn seconds(ns: u64) -> String {
    let cs = ns / 10_000_000;
    format!("{}.{:02}", cs / 100, cs % 100)
}

fn uptime(sys: &System) -> Vec<u8> {
    let now = sys.platform.monotonic_ns();
    format!("{} {}\n", seconds(now), seconds(sys.idle_ns.min(now))).into_bytes()
}

fn status(pid: Pid, info: &ProcInfo) -> Vec<u8> {
    let argv0 = info.cmdline.split(|&b| b == 0).next().unwrap_or_default();
    let argv0 = String::from_utf8_lossy(argv0);
    let name = argv0.rsplit('/').next().unwrap_or_default();
    let name = if name.is_empty() {
        info.name.as_str()
    } else {
        name
    };
    let state = match (info.status, info.sleeping) {
        (Some(_), _) => "Z (zombie)",
        (None, _) if info.stopped.is_some() => "T (stopped)",
        (None, true) => "S (sleeping)",
        (None, false) => "R (running)",
    };
    let mut s = String::new();
    let _ = writeln!(s, "Name:\t{name}");
    let _ = writeln!(s, "State:\t{state}");
    let _ = writeln!(s, "Pid:\t{pid}");
    let _ = writeln!(s, "PPid:\t{}", info.ppid);
    let _ = writeln!(s, "VmSize:\t{:>8} kB", kib(info.charged.max(info.memory)));
    let _ = writeln!(s, "VmRSS:\t{:>8} kB", kib(info.memory));
    let _ = writeln!(s, "Threads:\t1");
    let _ = writeln!(s, "Pgid:\t{}", info.pgid);
    let _ = writeln!(s, "CpuTimeMs:\t{}", info.cpu_ns / 1_000_000);
    let _ = writeln!(s, "SigPnd:\t{:016x}", info.pending);
    let _ = writeln!(s, "SigIgn:\t{:016x}", info.ignored);
    s.into_bytes()
}

/// argv as `/proc/<pid>/cmdline` shows it.
pub fn cmdline(args: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for a in args {
        out.extend_from_slice(a);
        out.push(0);
    }
    out
}
