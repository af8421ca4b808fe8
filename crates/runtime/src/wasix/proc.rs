//! Processes: `proc_spawn` (the seed's call: stdio modes, chroot, preopens, working
//! directory), `proc_spawn2` (posix_spawn: ordered fd actions, signal dispositions, PATH
//! search), `proc_join` (wait), `proc_exec*`, `proc_exit2`, `proc_id`, `proc_parent`.
//!
//! Program names: one containing `/` is a path relative to the caller's working directory;
//! a bare name is looked up in `/bin` then `/usr/bin` (or the given PATH), as `NAME` or
//! `NAME.wasm`. Argument and preopen lists are one string each, every entry ended by `\n`.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use abi::Errno;
use abi::wasix::{
    JoinStatus, OptionFd, OptionPid, ProcSpawnFdOp, ProcessHandles, SignalDisposition, disposition,
    fd_op, join_flags, stdio_mode,
};
use vfs::{FileType, Ino, OpenOptions};

use crate::failpoint;
use crate::files::{FdEntry, FdTable, FileId, Object, OpenFile, Stream};
use crate::mem::GuestMem;
use crate::spawn::SpawnError;
use crate::spawn::SpawnSpec;
use crate::sys::{Cx, ExecRequest, Program, Sys, SysResult, System};
use crate::types::ExitStatus;
use crate::types::Pid;
use crate::types::Wait;
use crate::wasix::cwd::absolute;
use abi::wasix::{fdflags, lookupflags, oflags};

const LOG: u8 = stdio_mode::LOG;
const NON_BLOCKING: u32 = join_flags::NON_BLOCKING;
const WAKE_STOPPED: u32 = join_flags::WAKE_STOPPED;
const FD_OP_SIZE: u32 = ProcSpawnFdOp::SIZE as u32;

fn boolean(v: i32) -> Result<bool, Errno> {
    match v {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(Errno::Inval),
    }
}

/// Most kernel memory the argument and environment lists of one spawn or exec may cost
/// (ARG_MAX): their bytes plus [`ENTRY_COST`] per entry, which is what an entry's own
/// allocation and its slot in the list take. More is `2BIG`, decided before anything is
/// copied: a list of one-byte entries costs the kernel ~30x its size.
pub const ARG_MAX: usize = 1 << 20;
/// What one list entry costs beyond its bytes (a `Vec` slot and an allocation's overhead).
pub const ENTRY_COST: usize = 32;
/// Most bytes the paths of one `proc_spawn2`'s file actions may total (each at most
/// `PATH_MAX`); more is `2BIG`.
pub const FD_OPS_PATH_BYTES: usize = 256 << 10;

/// What the entries of a `\n`-terminated list would cost (see [`ARG_MAX`]), counted
/// without allocating; `2BIG` past `ARG_MAX`.
fn list_cost(list: &[u8]) -> Result<usize, Errno> {
    if list.len() > ARG_MAX {
        return Err(Errno::TooBig);
    }
    let cost = list
        .split(|b| matches!(b, b'\n' | b'\r'))
        .filter(|s| !s.is_empty())
        .map(|s| s.len() + ENTRY_COST)
        .sum::<usize>();
    if cost > ARG_MAX {
        return Err(Errno::TooBig);
    }
    Ok(cost)
}

/// What an already copied list costs.
pub fn copied_cost(list: &[Vec<u8>]) -> usize {
    list.iter().map(|e| e.len() + ENTRY_COST).sum()
}

/// A fallible copy of one string: NOMEM instead of a kernel panic.
fn try_copy(bytes: &[u8]) -> Result<Vec<u8>, Errno> {
    let mut v = Vec::new();
    failpoint::reserve(&mut v, bytes.len())?;
    v.extend_from_slice(bytes);
    Ok(v)
}

/// A fallible copy of a list (an inherited environment).
fn try_clone_list(list: &[Vec<u8>]) -> Result<Vec<Vec<u8>>, Errno> {
    let mut out = Vec::new();
    failpoint::reserve(&mut out, list.len())?;
    for e in list {
        out.push(try_copy(e)?);
    }
    Ok(out)
}

/// The entries of a `\n`-terminated list (empty entries dropped, as wasmer does), bounded
/// by [`ARG_MAX`] (`2BIG`) before anything is copied and copied fallibly (NOMEM).
fn entries(list: &str) -> Result<Vec<Vec<u8>>, Errno> {
    list_cost(list.as_bytes())?;
    let parts = || list.split(['\n', '\r']).filter(|s| !s.is_empty());
    let mut out = Vec::new();
    failpoint::reserve(&mut out, parts().count())?;
    for s in parts() {
        out.push(try_copy(s.as_bytes())?);
    }
    Ok(out)
}

/// Most entries one `char**` list of `proc_exec4` / `proc_spawn3` may have: what
/// [`ARG_MAX`] allows at [`ENTRY_COST`] each.
const MAX_ENTRIES: u32 = (ARG_MAX / ENTRY_COST) as u32;

/// A `char**` list (`count` pointers to NUL-terminated strings, as `proc_exec4` and
/// `proc_spawn3` take argv and envp): entries kept as they are, empty or holding a
/// newline. Bounded by [`ARG_MAX`] (`2BIG`) as it is read — a string is looked for its
/// NUL only as far as the budget left — and copied fallibly (NOMEM); a pointer or a
/// string running outside memory is FAULT.
pub fn string_array(mem: &GuestMem<'_>, ptr: i32, count: i32) -> Result<Vec<Vec<u8>>, Errno> {
    let count = u32::try_from(count).map_err(|_| Errno::Inval)?;
    if count > MAX_ENTRIES {
        return Err(Errno::TooBig);
    }
    let table = mem.slice(ptr as u32, count * 4)?;
    let mut out = Vec::new();
    failpoint::reserve(&mut out, count as usize)?;
    let mut budget = ARG_MAX;
    for at in table.as_chunks::<4>().0 {
        let start = u32::from_le_bytes(*at);
        let room = mem.len().saturating_sub(start as usize);
        if room == 0 {
            return Err(Errno::Fault);
        }
        let cost_left = budget.checked_sub(ENTRY_COST).ok_or(Errno::TooBig)?;
        let window = mem.slice(start, room.min(cost_left + 1) as u32)?;
        let len = match window.iter().position(|&b| b == 0) {
            Some(len) => len,
            None if window.len() == room => return Err(Errno::Fault),
            None => return Err(Errno::TooBig),
        };
        budget = cost_left - len;
        out.push(try_copy(&window[..len])?);
    }
    Ok(out)
}

/// A program name, directory or search path from guest memory: at most `PATH_MAX` bytes
/// (NAMETOOLONG), copied fallibly.
pub fn path_arg(mem: &GuestMem<'_>, ptr: i32, len: i32) -> Result<String, Errno> {
    // A bad pointer is FAULT whatever its length, as before the bound.
    mem.slice(ptr as u32, len as u32)?;
    if len as u32 as usize > vfs::PATH_MAX {
        return Err(Errno::NameTooLong);
    }
    let s = mem.str(ptr as u32, len as u32)?;
    let mut out = String::new();
    failpoint::reserve_str(&mut out, s.len())?;
    out.push_str(s);
    Ok(out)
}

/// A `\n`-terminated list (argv, environment, preopens) at `ptr`/`len` in guest memory,
/// decoded as [`entries`]: FAULT for a bad range, INVAL for bad UTF-8, `2BIG` past
/// [`ARG_MAX`] before anything is copied, NOMEM when a copy cannot be allocated. The result
/// costs the kernel at most `ARG_MAX` ([`copied_cost`]).
pub fn decode_list(mem: &GuestMem<'_>, ptr: i32, len: i32) -> Result<Vec<Vec<u8>>, Errno> {
    entries(mem.str(ptr as u32, len as u32)?)
}

/// Checks that argv and environment together stay within [`ARG_MAX`] (`2BIG`).
pub fn check_arg_total(args: &[Vec<u8>], env: &[Vec<u8>]) -> Result<(), Errno> {
    if copied_cost(args).saturating_add(copied_cost(env)) > ARG_MAX {
        return Err(Errno::TooBig);
    }
    Ok(())
}

fn spawn_errno(e: SpawnError) -> Sys {
    log::info!("spawn: {}", e.message);
    Sys::Err(e.errno)
}

/// Finds and loads the program `name` for the caller (see the module docs); `path` is a
/// `:`-separated search list replacing `/bin:/usr/bin`.
fn resolve_program(
    cx: &mut Cx<'_>,
    name: &str,
    path: Option<&str>,
) -> Result<(Program, String), Sys> {
    if name.is_empty() {
        return Err(Errno::NoEnt.into());
    }
    let root = cx.proc.root;
    if name.contains('/') {
        let abs = absolute(&cx.proc.cwd, name)?;
        let module = cx
            .sys
            .load_module(root, abs.trim_start_matches('/'))
            .map_err(spawn_errno)?;
        return Ok((module, abs));
    }
    let dirs: Vec<&str> = path.map_or_else(
        || alloc::vec!["/bin", "/usr/bin"],
        |p| p.split(':').filter(|d| !d.is_empty()).collect(),
    );
    for dir in dirs {
        for candidate in [name.to_string(), alloc::format!("{name}.wasm")] {
            let abs = absolute(&absolute(&cx.proc.cwd, dir)?, &candidate)?;
            let rel = abs.trim_start_matches('/');
            if cx.sys.fs.lookup(root, rel, true).is_ok() {
                let module = cx.sys.load_module(root, rel).map_err(spawn_errno)?;
                return Ok((module, abs));
            }
        }
    }
    Err(Errno::NoEnt.into())
}

/// A directory inode for `path` (absolute or relative to `cwd`) inside `root`.
fn directory(sys: &System, root: Ino, cwd: &str, path: &str) -> Result<(Ino, String), Errno> {
    let abs = absolute(cwd, path)?;
    let ino = crate::wasix::cwd::lookup_abs(&sys.fs, root, &abs)?;
    if sys.fs.kind(ino)? != FileType::Directory {
        return Err(Errno::NotDir);
    }
    Ok((ino, abs))
}

/// Installs a fresh open file for `object` at exactly `fd` of `fds`.
fn put(
    sys: &mut System,
    fds: &mut FdTable,
    fd: u32,
    object: Object,
    preopen: Option<String>,
) -> Result<(), Errno> {
    let System { fs, files, .. } = sys;
    let id = files.insert(fs, OpenFile::new(object, 0));
    let installed = fds.install_at(
        fs,
        files,
        fd,
        FdEntry {
            preopen,
            ..FdEntry::new(id)
        },
    );
    if installed.is_err() {
        // Never referenced: dropping the (absent) reference frees it.
        files.drop_ref(fs, id);
    }
    installed
}

/// A pipe as two open files (read end, write end), neither referenced by a descriptor yet.
fn pipe_pair(sys: &mut System) -> Result<(FileId, FileId), Errno> {
    Ok(sys.files.create_pipe(0))
}

pub fn proc_spawn(
    cx: &mut Cx<'_>,
    name: i32,
    name_len: i32,
    chroot: i32,
    args: i32,
    args_len: i32,
    preopen: i32,
    preopen_len: i32,
    stdin: i32,
    stdout: i32,
    stderr: i32,
    wd: i32,
    wd_len: i32,
    out: i32,
) -> SysResult {
    cx.mem.slice(out as u32, 28)?;
    let name = path_arg(&cx.mem, name, name_len)?;
    let args = decode_list(&cx.mem, args, args_len)?;
    check_arg_total(&args, &cx.proc.env)?;
    let preopens: Vec<String> = decode_list(&cx.mem, preopen, preopen_len)?
        .into_iter()
        .map(|p| String::from_utf8(p).unwrap_or_default())
        .collect();
    let wd = path_arg(&cx.mem, wd, wd_len)?;
    let chroot = boolean(chroot)?;
    let mut modes = [0u8; 3];
    for (m, v) in modes.iter_mut().zip([stdin, stdout, stderr]) {
        *m = u8::try_from(v)
            .ok()
            .filter(|&m| m <= LOG)
            .ok_or(Errno::Inval)?;
    }
    let (module, path) = resolve_program(cx, &name, None)?;
    let wd = if wd.is_empty() { "." } else { wd.as_str() };
    let (wd_ino, wd_abs) = directory(cx.sys, cx.proc.root, &cx.proc.cwd, wd)?;
    let (root, cwd) = if chroot {
        (wd_ino, String::from("/"))
    } else {
        (cx.proc.root, wd_abs)
    };

    let mut fds = FdTable::new(cx.sys.limits.max_fds);
    let mut handles = [None::<u32>; 3];
    let inherited: Vec<(u32, FdEntry)> = cx
        .proc
        .fds
        .iter()
        .filter(|(fd, e)| *fd >= 3 && !e.cloexec)
        .map(|(fd, e)| (fd, e.clone()))
        .collect();
    let result = (|| -> Result<(), Errno> {
        for (fd, &mode) in modes.iter().enumerate() {
            let fd = fd as u32;
            match mode {
                stdio_mode::PIPED => {
                    let (read, write) = pipe_pair(cx.sys)?;
                    let (child_end, parent_end) = if fd == 0 {
                        (read, write)
                    } else {
                        (write, read)
                    };
                    let System { fs, files, .. } = &mut *cx.sys;
                    let entry = FdEntry::new;
                    // An end no descriptor took is unreferenced: drop it, or it (and the
                    // pipe) would stay open forever.
                    if let Err(e) = fds.install_at(fs, files, fd, entry(child_end)) {
                        files.drop_ref(fs, child_end);
                        files.drop_ref(fs, parent_end);
                        return Err(e);
                    }
                    let mine = match cx.proc.fds.install(files, entry(parent_end), 0) {
                        Ok(mine) => mine,
                        Err(e) => {
                            files.drop_ref(fs, parent_end);
                            return Err(e);
                        }
                    };
                    handles[fd as usize] = Some(mine);
                }
                stdio_mode::INHERIT => {
                    if let Ok(entry) = cx.proc.fds.get(fd) {
                        let entry = FdEntry {
                            cloexec: false,
                            ..entry.clone()
                        };
                        let System { fs, files, .. } = &mut *cx.sys;
                        fds.install_at(fs, files, fd, entry)?;
                    }
                }
                stdio_mode::NULL => put(cx.sys, &mut fds, fd, Object::Null, None)?,
                _ => {
                    let object = if fd == 0 {
                        Object::Null
                    } else {
                        Object::ConsoleOut(Stream::Log)
                    };
                    put(cx.sys, &mut fds, fd, object, None)?;
                }
            }
        }
        if chroot {
            put(
                cx.sys,
                &mut fds,
                3,
                Object::Dir(root),
                Some(String::from("/")),
            )?;
        } else {
            // Everything else the parent had open (before this call made its pipe ends)
            // and not marked close-on-exec.
            for (fd, entry) in inherited.iter().cloned() {
                let System { fs, files, .. } = &mut *cx.sys;
                fds.install_at(fs, files, fd, entry)?;
            }
        }
        for p in &preopens {
            if chroot && p == "/" {
                continue; // already preopened as the new root
            }
            let (ino, _) = directory(cx.sys, root, &cwd, p)?;
            let fd = fds.lowest_free(3)?;
            put(cx.sys, &mut fds, fd, Object::Dir(ino), Some(p.clone()))?;
        }
        Ok(())
    })();
    let undo = |cx: &mut Cx<'_>, handles: &[Option<u32>; 3]| {
        for fd in handles.iter().flatten() {
            let System { fs, files, .. } = &mut *cx.sys;
            let _ = cx.proc.fds.close(fs, files, *fd);
        }
    };
    if let Err(e) = result {
        let System { fs, files, .. } = &mut *cx.sys;
        fds.close_all(fs, files);
        undo(cx, &handles);
        crate::io::flush_pipe_events(cx.sys);
        return Err(e.into());
    }
    let args = if args.is_empty() {
        alloc::vec![name.into_bytes()]
    } else {
        args
    };
    let ignored = cx.sys.procs.get(&cx.proc.pid).map_or(0, |p| p.ignored);
    let spec = SpawnSpec {
        ppid: cx.proc.pid,
        name: command_line(&path, &args),
        module,
        args,
        env: match try_clone_list(&cx.proc.env) {
            Ok(env) => env,
            Err(e) => {
                let System { fs, files, .. } = &mut *cx.sys;
                fds.close_all(fs, files);
                undo(cx, &handles);
                crate::io::flush_pipe_events(cx.sys);
                return Err(e.into());
            }
        },
        fds,
        root,
        cwd,
        ignored,
    };
    let pid = match cx.sys.spawn(spec) {
        Ok(pid) => pid,
        Err(e) => {
            undo(cx, &handles);
            crate::io::flush_pipe_events(cx.sys);
            return Err(spawn_errno(e));
        }
    };
    let fd_of = |h: Option<u32>| h.map_or(OptionFd::NONE, OptionFd::some);
    let ret = ProcessHandles {
        pid,
        stdin: fd_of(handles[0]),
        stdout: fd_of(handles[1]),
        stderr: fd_of(handles[2]),
    };
    cx.mem.write_struct(out as u32, &ret)?;
    crate::io::flush_pipe_events(cx.sys);
    Ok(())
}

/// Longest process-table name: a zombie keeps its name until it is joined, so the name
/// must not be a second copy of a megabyte of arguments.
const NAME_MAX_BYTES: usize = 1024;

/// The process-table name: the program path and its arguments after argv[0], cut at
/// [`NAME_MAX_BYTES`].
fn command_line(path: &str, args: &[Vec<u8>]) -> String {
    let mut s = String::from(path);
    for a in args.iter().skip(1) {
        if s.len() >= NAME_MAX_BYTES {
            break;
        }
        s.push(' ');
        s.push_str(&String::from_utf8_lossy(&a[..a.len().min(NAME_MAX_BYTES)]));
    }
    if s.len() > NAME_MAX_BYTES {
        let mut cut = NAME_MAX_BYTES;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

/// One decoded `proc_spawn_fd_op`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FdOp {
    pub cmd: u8,
    pub fd: u32,
    pub src_fd: u32,
    /// The path of an OPEN or CHDIR action (at most `PATH_MAX` bytes); empty otherwise.
    pub path: String,
    pub dirflags: u32,
    pub oflags: u16,
    pub fdflags: u16,
}

/// Most file actions one `proc_spawn2` takes; more is INVAL.
pub const MAX_FD_OPS: u32 = 1024;

/// Decodes `count` `proc_spawn_fd_op`s at `ops` in guest memory: INVAL for a negative or
/// too large count ([`MAX_FD_OPS`]) or an unknown layout, FAULT for a bad range or path
/// pointer, NAMETOOLONG for a path over `PATH_MAX`, `2BIG` when the paths total more than
/// [`FD_OPS_PATH_BYTES`] — all before any path is copied; NOMEM when a copy cannot be
/// allocated. What the actions mean is checked when they are applied.
pub fn decode_fd_ops(mem: &GuestMem<'_>, ops: i32, count: i32) -> Result<Vec<FdOp>, Errno> {
    let count = u32::try_from(count).map_err(|_| Errno::Inval)?;
    if count > MAX_FD_OPS {
        return Err(Errno::Inval);
    }
    let table = mem.slice(
        ops as u32,
        count.checked_mul(FD_OP_SIZE).ok_or(Errno::Fault)?,
    )?;
    let raw_ops = table.as_chunks::<{ ProcSpawnFdOp::SIZE }>().0;
    // Bound the paths before copying any: each at most PATH_MAX, all together at most
    // FD_OPS_PATH_BYTES (1024 actions naming one huge path would otherwise make the
    // kernel copy it 1024 times).
    let mut path_bytes = 0usize;
    for raw in raw_ops {
        let op = ProcSpawnFdOp::from_bytes(raw).ok_or(Errno::Inval)?;
        if matches!(op.cmd, fd_op::OPEN | fd_op::CHDIR) {
            mem.slice(op.path, op.path_len)?;
            if op.path_len as usize > vfs::PATH_MAX {
                return Err(Errno::NameTooLong);
            }
            path_bytes += op.path_len as usize;
        }
    }
    if path_bytes > FD_OPS_PATH_BYTES {
        return Err(Errno::TooBig);
    }
    let mut out = Vec::new();
    failpoint::reserve(&mut out, raw_ops.len())?;
    for raw in raw_ops {
        let op = ProcSpawnFdOp::from_bytes(raw).ok_or(Errno::Inval)?;
        let path = match op.cmd {
            fd_op::OPEN | fd_op::CHDIR => {
                let s = mem.str(op.path, op.path_len)?;
                let mut path = String::new();
                failpoint::reserve_str(&mut path, s.len())?;
                path.push_str(s);
                path
            }
            _ => String::new(),
        };
        out.push(FdOp {
            cmd: op.cmd,
            fd: op.fd,
            src_fd: op.src_fd,
            path,
            dirflags: op.dirflags,
            oflags: op.oflags,
            fdflags: op.fdflags,
        });
    }
    Ok(out)
}

/// Applies posix_spawn file actions, in order, to the child's table and directory.
fn apply_fd_ops(
    sys: &mut System,
    root: Ino,
    fds: &mut FdTable,
    cwd: &mut String,
    ops: &[FdOp],
) -> Result<(), Errno> {
    for op in ops {
        match op.cmd {
            fd_op::CLOSE => {
                let System { fs, files, .. } = &mut *sys;
                fds.close(fs, files, op.fd)?;
            }
            fd_op::DUP2 => {
                let entry = FdEntry {
                    cloexec: false,
                    ..fds.get(op.src_fd)?.clone()
                };
                if op.src_fd != op.fd {
                    let System { fs, files, .. } = &mut *sys;
                    fds.install_at(fs, files, op.fd, entry)?;
                } else {
                    fds.get_mut(op.fd)?.cloexec = false;
                }
            }
            fd_op::OPEN => {
                if op.fdflags & !fdflags::ALL != 0 || op.oflags & !oflags::ALL != 0 {
                    return Err(Errno::Inval);
                }
                let has = |bit: u16| op.oflags & bit != 0;
                let opts = OpenOptions {
                    create: has(oflags::CREAT),
                    directory: has(oflags::DIRECTORY),
                    exclusive: has(oflags::EXCL),
                    truncate: has(oflags::TRUNC),
                    follow: op.dirflags & lookupflags::SYMLINK_FOLLOW as u32 != 0,
                };
                let abs = absolute(cwd, &op.path)?;
                let now = sys.platform.realtime_ns();
                sys.fs.set_time(now);
                let ino = crate::devfs::open_path(sys, root, abs.trim_start_matches('/'), opts)?;
                let file = match crate::devfs::device(sys, ino) {
                    // A `/dev` device (`2>/dev/null`); `/dev/stdout` and its kin share
                    // the child's descriptor as the earlier actions left it.
                    Some(dev) => match crate::devfs::open(dev, fds, op.fdflags)? {
                        crate::devfs::Opened::New(file) => file,
                        crate::devfs::Opened::Shared(entry) => {
                            let System { fs, files, .. } = &mut *sys;
                            fds.install_at(fs, files, op.fd, entry)?;
                            continue;
                        }
                    },
                    None => {
                        let object = match sys.fs.kind(ino)? {
                            FileType::Directory => Object::Dir(ino),
                            FileType::RegularFile => Object::File(ino),
                            FileType::SymbolicLink => return Err(Errno::Loop),
                        };
                        OpenFile::new(object, op.fdflags)
                    }
                };
                let System { fs, files, .. } = &mut *sys;
                let id = files.insert(fs, file);
                let installed = fds.install_at(fs, files, op.fd, FdEntry::new(id));
                if installed.is_err() {
                    files.drop_ref(fs, id);
                }
                installed?;
            }
            fd_op::CHDIR => {
                let (_, abs) = directory(sys, root, cwd, &op.path)?;
                *cwd = abs;
            }
            fd_op::FCHDIR => {
                // Only preopened directories know their path.
                let entry = fds.get(op.fd)?;
                let name = entry.preopen.clone().ok_or(Errno::NotSup)?;
                let (_, abs) = directory(sys, root, "/", &name)?;
                *cwd = abs;
            }
            _ => return Err(Errno::Inval),
        }
    }
    Ok(())
}

pub fn proc_spawn2(
    cx: &mut Cx<'_>,
    name: i32,
    name_len: i32,
    args: i32,
    args_len: i32,
    envs: i32,
    envs_len: i32,
    ops: i32,
    ops_len: i32,
    sigs: i32,
    sigs_len: i32,
    search: i32,
    path: i32,
    path_len: i32,
    out: i32,
) -> SysResult {
    cx.mem.slice(out as u32, 4)?;
    let name = path_arg(&cx.mem, name, name_len)?;
    let args = decode_list(&cx.mem, args, args_len)?;
    let env = env_list(cx, envs, envs_len)?;
    let spawn = Spawn {
        name,
        args,
        env,
        ops: decode_fd_ops(&cx.mem, ops, ops_len)?,
        sigs: read_dispositions(cx, sigs, sigs_len)?,
        search: boolean(search)?,
        path: Some(path_arg(&cx.mem, path, path_len)?),
    };
    spawn_program(cx, spawn, out)
}

/// `proc_spawn3`: `proc_spawn2` with argv and envp as `char**` lists (so an argument may
/// be empty or hold a newline) counted in entries; a null `envs` inherits the caller's
/// environment, null `ops` means no file actions, null `sigs` no disposition changes,
/// and a null `path` the default search list (as in wasmer).
pub fn proc_spawn3(
    cx: &mut Cx<'_>,
    name: i32,
    name_len: i32,
    args: i32,
    args_len: i32,
    envs: i32,
    envs_len: i32,
    ops: i32,
    ops_len: i32,
    sigs: i32,
    sigs_len: i32,
    search: i32,
    path: i32,
    path_len: i32,
    out: i32,
) -> SysResult {
    cx.mem.slice(out as u32, 4)?;
    let name = path_arg(&cx.mem, name, name_len)?;
    let args = string_array(&cx.mem, args, args_len)?;
    let env = env_array(cx, envs, envs_len)?;
    let spawn = Spawn {
        name,
        args,
        env,
        ops: if ops == 0 {
            Vec::new()
        } else {
            decode_fd_ops(&cx.mem, ops, ops_len)?
        },
        sigs: if sigs == 0 {
            Vec::new()
        } else {
            read_dispositions(cx, sigs, sigs_len)?
        },
        search: boolean(search)?,
        path: (path != 0)
            .then(|| path_arg(&cx.mem, path, path_len))
            .transpose()?,
    };
    spawn_program(cx, spawn, out)
}

/// What `proc_spawn2` and `proc_spawn3` ask for, read from guest memory.
struct Spawn {
    name: String,
    args: Vec<Vec<u8>>,
    env: Vec<Vec<u8>>,
    ops: Vec<FdOp>,
    /// `signal_disposition` records (sig, disp), two bytes each.
    sigs: Vec<u8>,
    search: bool,
    /// The search list (None: `/bin:/usr/bin`); used only with `search`.
    path: Option<String>,
}

/// The `signal_disposition` records of a spawn, as bytes.
fn read_dispositions(cx: &Cx<'_>, sigs: i32, count: i32) -> Result<Vec<u8>, Errno> {
    let count = u32::try_from(count).map_err(|_| Errno::Inval)?;
    let size = count
        .checked_mul(SignalDisposition::SIZE as u32)
        .ok_or(Errno::Fault)?;
    try_copy(cx.mem.slice(sigs as u32, size)?)
}

/// Starts the program of a `proc_spawn2` / `proc_spawn3` and writes its pid at `out`.
fn spawn_program(cx: &mut Cx<'_>, spawn: Spawn, out: i32) -> SysResult {
    let Spawn {
        name,
        args,
        env,
        ops,
        sigs,
        search,
        path,
    } = spawn;
    check_arg_total(&args, &env)?;
    let mut ignored = cx.sys.procs.get(&cx.proc.pid).map_or(0, |p| p.ignored);
    for d in sigs.as_chunks::<{ SignalDisposition::SIZE }>().0 {
        // A signal above the highest or an unknown disposition does not decode: INVAL.
        let SignalDisposition { sig, disp } =
            SignalDisposition::from_bytes(d).ok_or(Errno::Inval)?;
        if sig == 0 {
            return Err(Errno::Inval.into());
        }
        match disp {
            disposition::DEFAULT => ignored &= !(1u64 << sig),
            disposition::IGNORE => ignored |= 1u64 << sig,
            _ => return Err(Errno::Inval.into()),
        }
    }
    let search_path = path.as_deref().filter(|p| search && !p.is_empty());
    let (module, prog) = resolve_program(cx, &name, search_path)?;
    let System { files, .. } = &mut *cx.sys;
    // CLOEXEC descriptors close at the exec, i.e. after the file actions (POSIX): popen
    // dup2s its CLOEXEC pipe end onto the child's stdin or stdout.
    let mut fds = cx.proc.fds.inherit(files, false);
    let mut cwd = cx.proc.cwd.clone();
    if let Err(e) = apply_fd_ops(cx.sys, cx.proc.root, &mut fds, &mut cwd, &ops) {
        let System { fs, files, .. } = &mut *cx.sys;
        fds.close_all(fs, files);
        crate::io::flush_pipe_events(cx.sys);
        return Err(e.into());
    }
    let cloexec: Vec<u32> = fds
        .iter()
        .filter(|(_, e)| e.cloexec)
        .map(|(fd, _)| fd)
        .collect();
    let System { fs, files, .. } = &mut *cx.sys;
    for fd in cloexec {
        fds.close(fs, files, fd)?;
    }
    let args = if args.is_empty() {
        alloc::vec![name.into_bytes()]
    } else {
        args
    };
    let spec = SpawnSpec {
        ppid: cx.proc.pid,
        name: command_line(&prog, &args),
        module,
        args,
        env,
        fds,
        root: cx.proc.root,
        cwd,
        ignored,
    };
    let pid = cx.sys.spawn(spec).map_err(spawn_errno);
    crate::io::flush_pipe_events(cx.sys);
    cx.mem.write_u32(out as u32, pid?)?;
    Ok(())
}

/// The `join_status` for an ended process (or NOTHING), its signal in the caller's
/// numbering (`linux`: see [`crate::sys::ProcData::linux_signals`]).
///
/// A killed child reports exit code 0 beside its signal: wasix-libc's `waitpid` builds the
/// wait status as `W_EXITCODE(exit_code, signal)`, i.e. `exit_code << 8 | signal`, and
/// `WIFSIGNALED` holds only when the bits above the signal are 0 (a 128+N there made it
/// false and `WIFEXITED` true with exit status 128+N).
fn join_status(status: Option<ExitStatus>, linux: bool) -> JoinStatus {
    match status {
        None => JoinStatus::nothing(),
        Some(ExitStatus::Code(code)) => JoinStatus::exit_normal(code as u16),
        Some(ExitStatus::Signal(sig)) if linux => {
            JoinStatus::exit_signal(0, abi::wasix::signal::to_linux(sig))
        }
        Some(ExitStatus::Signal(sig)) => JoinStatus::exit_signal(0, sig),
    }
}

pub fn proc_join(cx: &mut Cx<'_>, pid: i32, flags: i32, out: i32) -> SysResult {
    let (pid_at, out) = (pid as u32, out as u32);
    cx.mem.slice(pid_at, OptionPid::SIZE as u32)?;
    cx.mem.slice(out, JoinStatus::SIZE as u32)?;
    let flags = flags as u32;
    if flags & !(NON_BLOCKING | WAKE_STOPPED) != 0 {
        return Err(Errno::Inval.into());
    }
    // A tag other than NONE or SOME does not decode: INVAL.
    let target = cx.mem.read_struct::<OptionPid>(pid_at)?.get();
    let me = cx.proc.pid;
    // With WAKE_STOPPED a child's stop counts too, reported once per stop.
    let wake_stopped = flags & WAKE_STOPPED != 0;
    let reportable = |i: &crate::sys::ProcInfo| {
        i.status.is_some() || (wake_stopped && i.stopped.is_some() && i.stop_unreported)
    };
    let ended: Option<Pid> = match target {
        Some(p) => {
            let info = cx
                .sys
                .procs
                .get(&p)
                .filter(|i| i.ppid == me && p != me)
                .ok_or(Errno::Child)?;
            reportable(info).then_some(p)
        }
        None => {
            let mut children = cx
                .sys
                .procs
                .iter()
                .filter(|(p, i)| i.ppid == me && **p != me)
                .peekable();
            if children.peek().is_none() {
                return Err(Errno::Child.into());
            }
            children.find(|(_, i)| reportable(i)).map(|(p, _)| *p)
        }
    };
    let stop = ended.and_then(|p| {
        let info = cx.sys.procs.get(&p)?;
        info.status.is_none().then_some(info.stopped).flatten()
    });
    if let (Some(p), Some(sig)) = (ended, stop) {
        cx.mem.write_struct(pid_at, &OptionPid::some(p))?;
        let sig = if cx.proc.linux_signals {
            abi::wasix::signal::to_linux(sig)
        } else {
            sig
        };
        cx.mem.write_struct(out, &JoinStatus::stopped(sig))?;
        if let Some(info) = cx.sys.procs.get_mut(&p) {
            info.stop_unreported = false;
        }
        return Ok(());
    }
    match ended {
        Some(p) => {
            let status = cx.sys.procs.remove(&p).and_then(|i| i.status);
            cx.mem.write_struct(pid_at, &OptionPid::some(p))?;
            let status = join_status(status, cx.proc.linux_signals);
            cx.mem.write_struct(out, &status)?;
            Ok(())
        }
        None if flags & NON_BLOCKING != 0 => {
            // As wasix-libc's waitpid expects: Some(0) with NOTHING.
            cx.mem.write_struct(pid_at, &OptionPid::some(0))?;
            cx.mem.write_struct(out, &join_status(None, false))?;
            Ok(())
        }
        None => Err(Sys::Block(Wait::Child(me))),
    }
}

fn exec_request(
    cx: &mut Cx<'_>,
    name: &str,
    args: Vec<Vec<u8>>,
    env: Vec<Vec<u8>>,
    path: Option<&str>,
) -> SysResult {
    let (module, prog) = resolve_program(cx, name, path)?;
    let args = if args.is_empty() {
        alloc::vec![name.as_bytes().to_vec()]
    } else {
        args
    };
    let name = command_line(&prog, &args);
    Err(Sys::Exec(Box::new(ExecRequest {
        module,
        name,
        args,
        env,
    })))
}

/// An environment argument: a null pointer with length 0 means "inherit the caller's"
/// (as in wasmer); anything else is the new environment, possibly empty.
fn env_list(cx: &Cx<'_>, envs: i32, envs_len: i32) -> Result<Vec<Vec<u8>>, Errno> {
    if envs == 0 && envs_len == 0 {
        return try_clone_list(&cx.proc.env);
    }
    decode_list(&cx.mem, envs, envs_len)
}

/// An environment as a `char**` list: a null pointer inherits the caller's (as in
/// wasmer, whatever the count).
fn env_array(cx: &Cx<'_>, envs: i32, count: i32) -> Result<Vec<Vec<u8>>, Errno> {
    if envs == 0 {
        return try_clone_list(&cx.proc.env);
    }
    string_array(&cx.mem, envs, count)
}

/// The name and argv list of an exec call.
fn exec_args(
    cx: &Cx<'_>,
    name: i32,
    name_len: i32,
    args: i32,
    args_len: i32,
) -> Result<(String, Vec<Vec<u8>>), Errno> {
    let name = path_arg(&cx.mem, name, name_len)?;
    let args = decode_list(&cx.mem, args, args_len)?;
    Ok((name, args))
}

pub fn proc_exec3(
    cx: &mut Cx<'_>,
    name: i32,
    name_len: i32,
    args: i32,
    args_len: i32,
    envs: i32,
    envs_len: i32,
    search: i32,
    path: i32,
    path_len: i32,
) -> SysResult {
    let (name, args) = exec_args(cx, name, name_len, args, args_len)?;
    let env = env_list(cx, envs, envs_len)?;
    let search = boolean(search)?;
    let path = path_arg(&cx.mem, path, path_len)?;
    exec_searching(cx, &name, args, env, search, Some(&path))
}

/// `proc_exec4`: `proc_exec3` with argv and envp as `char**` lists (see
/// [`proc_spawn3`]): a null `envs` inherits the caller's environment, a null `path`
/// searches the default list.
pub fn proc_exec4(
    cx: &mut Cx<'_>,
    name: i32,
    name_len: i32,
    args: i32,
    args_len: i32,
    envs: i32,
    envs_len: i32,
    search: i32,
    path: i32,
    path_len: i32,
) -> SysResult {
    let name = path_arg(&cx.mem, name, name_len)?;
    let args = string_array(&cx.mem, args, args_len)?;
    let env = env_array(cx, envs, envs_len)?;
    let search = boolean(search)?;
    let path = (path != 0)
        .then(|| path_arg(&cx.mem, path, path_len))
        .transpose()?;
    exec_searching(cx, &name, args, env, search, path.as_deref())
}

/// The exec of `proc_exec3` / `proc_exec4`: a bare `name` is searched in `path` (None or
/// empty: `/bin:/usr/bin`) when `search` is set.
fn exec_searching(
    cx: &mut Cx<'_>,
    name: &str,
    args: Vec<Vec<u8>>,
    env: Vec<Vec<u8>>,
    search: bool,
    path: Option<&str>,
) -> SysResult {
    check_arg_total(&args, &env)?;
    let search_path = path.filter(|p| search && !p.is_empty());
    exec_request(cx, name, args, env, search_path)
}

/// The older exec calls have no result (wasix-libc declares them `_Noreturn`): a failure
/// ends the process with the errno as its exit code, as wasmer does, rather than returning
/// into code that cannot cope.
fn exec_or_exit(result: SysResult) -> SysResult {
    match result {
        Err(Sys::Err(e)) => Err(Sys::Exit(u32::from(e.raw()))),
        other => other,
    }
}

pub fn proc_exec2(
    cx: &mut Cx<'_>,
    name: i32,
    name_len: i32,
    args: i32,
    args_len: i32,
    envs: i32,
    envs_len: i32,
) -> SysResult {
    exec_or_exit((|| {
        let (name, args) = exec_args(cx, name, name_len, args, args_len)?;
        let env = env_list(cx, envs, envs_len)?;
        check_arg_total(&args, &env)?;
        exec_request(cx, &name, args, env, None)
    })())
}

pub fn proc_exec(cx: &mut Cx<'_>, name: i32, name_len: i32, args: i32, args_len: i32) -> SysResult {
    exec_or_exit((|| {
        let (name, args) = exec_args(cx, name, name_len, args, args_len)?;
        let mut env = try_clone_list(&cx.proc.env)?;
        if cx.proc.legacy_abi {
            refresh_pwd(&mut env, &cx.proc.cwd)?;
        }
        check_arg_total(&args, &env)?;
        exec_request(cx, &name, args, env, None)
    })())
}

/// The 2022 WASIX `proc_exec` takes no environment, so the new program gets the one the
/// process started with, where a shell's `cd` never updated `PWD` (it lives in the
/// program's own `environ`): programs that take their directory from `PWD` (as ours do)
/// then work in the wrong one. The working directory the kernel tracks is the real one:
/// `PWD` is set to it (added if missing, as every POSIX shell exports it).
pub fn refresh_pwd(env: &mut Vec<Vec<u8>>, cwd: &str) -> Result<(), Errno> {
    let mut value = Vec::new();
    failpoint::reserve(&mut value, 4 + cwd.len())?;
    value.extend_from_slice(b"PWD=");
    value.extend_from_slice(cwd.as_bytes());
    match env.iter_mut().find(|e| e.starts_with(b"PWD=")) {
        Some(entry) => *entry = value,
        None => {
            failpoint::reserve(env, 1)?;
            env.push(value);
        }
    }
    Ok(())
}

pub fn proc_exit2(_cx: &mut Cx<'_>, code: i32) -> SysResult {
    Err(Sys::Exit(code as u32))
}

pub fn proc_id(cx: &mut Cx<'_>, out: i32) -> SysResult {
    cx.mem.write_u32(out as u32, cx.proc.pid)?;
    Ok(())
}

pub fn proc_parent(cx: &mut Cx<'_>, pid: i32, out: i32) -> SysResult {
    let pid = pid as u32;
    let ppid = cx
        .sys
        .procs
        .get(&pid)
        .filter(|p| p.status.is_none())
        .ok_or(Errno::Srch)?
        .ppid;
    cx.mem.write_u32(out as u32, ppid)?;
    Ok(())
}

/// `proc_join(pid, ret_exit_code)` of the 2022 WASIX ABI (what wasix-libc's `waitpid` of
/// that time calls; dash and bash builds still import it): `*pid` is the child to wait
/// for, or `u32::MAX` (-1) for any; it blocks until one has ended, writes its pid back to
/// `*pid` and its wait status (`WEXITSTATUS` / `WTERMSIG` decode it) to `*ret_exit_code`.
/// No children: CHILD.
pub fn proc_join_legacy(cx: &mut Cx<'_>, pid: i32, out: i32) -> SysResult {
    let (pid_at, out) = (pid as u32, out as u32);
    let target = cx.mem.read_u32(pid_at)?;
    cx.mem.slice(out, 4)?;
    let me = cx.proc.pid;
    let is_child = |p: Pid, i: &crate::sys::ProcInfo| i.ppid == me && p != me;
    let ended = if target == u32::MAX {
        let mut children = cx
            .sys
            .procs
            .iter()
            .filter(|(p, i)| is_child(**p, i))
            .peekable();
        if children.peek().is_none() {
            return Err(Errno::Child.into());
        }
        children.find(|(_, i)| i.status.is_some()).map(|(p, _)| *p)
    } else {
        let info = cx
            .sys
            .procs
            .get(&target)
            .filter(|i| is_child(target, i))
            .ok_or(Errno::Child)?;
        info.status.map(|_| target)
    };
    let Some(p) = ended else {
        return Err(Sys::Block(Wait::Child(me)));
    };
    let status = cx.sys.procs.remove(&p).and_then(|i| i.status);
    // A wait status, as that libc's waitpid passes it on untouched: the code in bits
    // 8-15, or the signal (in the caller's numbering) in the low bits.
    let code = match status {
        Some(ExitStatus::Code(c)) => (c & 0xff) << 8,
        Some(ExitStatus::Signal(sig)) if cx.proc.linux_signals => {
            u32::from(abi::wasix::signal::to_linux(sig))
        }
        Some(ExitStatus::Signal(sig)) => u32::from(sig),
        None => 0,
    };
    cx.mem.write_u32(pid_at, p)?;
    cx.mem.write_u32(out, code)?;
    Ok(())
}

#[cfg(test)]
mod pwd_tests {
    use super::refresh_pwd;
    use alloc::vec;

    #[test]
    fn a_2022_exec_passes_the_kernels_working_directory_as_pwd() {
        let mut env = vec![b"HOME=/".to_vec(), b"PWD=/".to_vec(), b"X=PWD=/".to_vec()];
        refresh_pwd(&mut env, "/scripts/sub").unwrap();
        assert_eq!(
            env,
            vec![
                b"HOME=/".to_vec(),
                b"PWD=/scripts/sub".to_vec(),
                b"X=PWD=/".to_vec()
            ]
        );
        // No PWD to begin with: it is added.
        let mut env = vec![b"HOME=/".to_vec()];
        refresh_pwd(&mut env, "/tmp").unwrap();
        assert_eq!(env, vec![b"HOME=/".to_vec(), b"PWD=/tmp".to_vec()]);
    }
}
