//! The `path_*` calls: opening, creating, inspecting, linking, renaming and removing names
//! relative to a directory descriptor. Paths are resolved by the filesystem inside that
//! directory (absolute paths and `..` escapes are NOTCAPABLE); errors are its errnos.
//! Behaviour follows wasmtime's preview1 except where noted on the call. The `/dev`
//! placeholders open as their devices and stat as character devices ([`crate::devfs`]).

use alloc::borrow::Cow;

use abi::Errno;
use vfs::{FileType, Ino, OpenOptions};

use crate::devfs::Opened;
use crate::files::{FdEntry, Object, OpenFile};
use crate::io::{rights_of, sync_clock};
use crate::sys::{Cx, SysResult, System};
use crate::wasi::fd::{filestat, set_times_args};
use abi::wasix::fdflags;
use abi::wasix::lookupflags::SYMLINK_FOLLOW;
use abi::wasix::{oflags, rights};

/// The directory inode behind base descriptor `fd`, which must hold every right in
/// `needed`: BADF for a closed descriptor or any other kind (wasmtime's answer for every
/// call but `path_open`), then NOTCAPABLE for a missing right, as WASI specifies.
fn dir_of(cx: &mut Cx<'_>, fd: i32, needed: u64) -> Result<Ino, Errno> {
    crate::procfs::sync_for(cx.sys, cx.proc.pid);
    let (id, base, _) = rights_of(cx, fd)?;
    let Object::Dir(ino) = cx.sys.files.get(id)?.object else {
        return Err(Errno::BadF);
    };
    if base & needed != needed {
        return Err(Errno::NotCapable);
    }
    Ok(ino)
}

/// `path` as the filesystem should see it relative to `dir`. wasix-libc — the 2022 builds
/// of dash and bash and current builds alike (`__wasilibc_find_abspath`: "don't remove
/// leading '/' for root parent fd") — opens an absolute path relative to the root preopen
/// without removing the leading `/` (wasmer accepts that); for such a process (legacy
/// ABI, or one exporting `__wasm_signal`), and only relative to its own root, leading
/// slashes are dropped. The 2022 wasix-libc also keeps no working directory of its own:
/// after `chdir` it still opens a relative path (`opendir(".")`) relative to the root
/// preopen, and wasmer resolves a WASIX process's relative paths from its working
/// directory; so for a legacy-ABI process a relative path relative to its root is taken
/// from its working directory (the filesystem still resolves `..` and symlinks in it).
/// Anything else stays as given (absolute paths are NOTCAPABLE, as in wasmtime).
fn rooted<'a>(cx: &Cx<'_>, dir: Ino, path: &'a str) -> Result<Cow<'a, str>, Errno> {
    let wasix_libc = cx.proc.legacy_abi || cx.proc.linux_signals;
    if !wasix_libc || dir != cx.proc.root {
        return Ok(Cow::Borrowed(path));
    }
    if path.starts_with('/') {
        return Ok(Cow::Borrowed(match path.trim_start_matches('/') {
            "" => ".",
            rest => rest,
        }));
    }
    let cwd = cx.proc.cwd.trim_start_matches('/');
    if !cx.proc.legacy_abi || cwd.is_empty() {
        return Ok(Cow::Borrowed(path));
    }
    // Bounded before it is built: the working directory is at most PATH_MAX + 1 bytes.
    if path.len() > vfs::PATH_MAX {
        return Err(Errno::NameTooLong);
    }
    Ok(Cow::Owned(alloc::format!("{cwd}/{path}")))
}

/// Whether lookup flags ask to follow a final symlink; unknown bits are INVAL.
fn follow(flags: i32) -> Result<bool, Errno> {
    if flags & !SYMLINK_FOLLOW != 0 {
        return Err(Errno::Inval);
    }
    Ok(flags & SYMLINK_FOLLOW != 0)
}

/// `path_create_directory`: creates directory `path` (EXIST if the name exists).
pub fn path_create_directory(cx: &mut Cx<'_>, fd: i32, path: i32, len: i32) -> SysResult {
    let dir = dir_of(cx, fd, rights::PATH_CREATE_DIRECTORY)?;
    let path = cx.mem.str(path as u32, len as u32)?;
    let path = rooted(cx, dir, path)?;
    let path = path.as_ref();
    sync_clock(cx.sys);
    cx.sys.fs.mkdir(dir, path)?;
    Ok(())
}

/// `path_filestat_get`: the metadata of `path` (following a final symlink if flags bit 0);
/// a `/dev` device is a character device.
pub fn path_filestat_get(
    cx: &mut Cx<'_>,
    fd: i32,
    flags: i32,
    path: i32,
    len: i32,
    out: i32,
) -> SysResult {
    let follow = follow(flags)?;
    cx.mem
        .slice(out as u32, abi::wasix::Filestat::SIZE as u32)?;
    let dir = dir_of(cx, fd, rights::PATH_FILESTAT_GET)?;
    let path = cx.mem.str(path as u32, len as u32)?;
    let path = rooted(cx, dir, path)?;
    let path = path.as_ref();
    let ino = cx.sys.fs.lookup(dir, path, follow)?;
    let mut stat = filestat(&cx.sys.fs.stat(ino)?);
    stat.filetype = crate::devfs::filetype(cx.sys, ino, stat.filetype);
    cx.mem.write_struct(out as u32, &stat)?;
    Ok(())
}

/// `path_filestat_set_times`: sets the access/modification times of `path` (see
/// `fd_filestat_set_times` for the flags).
pub fn path_filestat_set_times(
    cx: &mut Cx<'_>,
    fd: i32,
    flags: i32,
    path: i32,
    len: i32,
    atim: i64,
    mtim: i64,
    fst: i32,
) -> SysResult {
    let follow = follow(flags)?;
    let (atim, mtim) = set_times_args(cx.sys, atim, mtim, fst)?;
    let dir = dir_of(cx, fd, rights::PATH_FILESTAT_SET_TIMES)?;
    let path = cx.mem.str(path as u32, len as u32)?;
    let path = rooted(cx, dir, path)?;
    let path = path.as_ref();
    let ino = cx.sys.fs.lookup(dir, path, follow)?;
    cx.sys.fs.set_times(ino, atim, mtim)?;
    Ok(())
}

/// `path_link`: creates hard link `new_path` to `old_path` (PERM for a directory, EXIST if
/// the new name exists). Following a final symlink of `old_path` (flags bit 0) is
/// allowed, as by `linkat(AT_SYMLINK_FOLLOW)`.
pub fn path_link(
    cx: &mut Cx<'_>,
    old_fd: i32,
    old_flags: i32,
    old_path: i32,
    old_len: i32,
    new_fd: i32,
    new_path: i32,
    new_len: i32,
) -> SysResult {
    let follow = follow(old_flags)?;
    let old_dir = dir_of(cx, old_fd, rights::PATH_LINK_SOURCE)?;
    let new_dir = dir_of(cx, new_fd, rights::PATH_LINK_TARGET)?;
    let old_path = cx.mem.str(old_path as u32, old_len as u32)?;
    let old_path = rooted(cx, old_dir, old_path)?;
    let old_path = old_path.as_ref();
    let new_path = cx.mem.str(new_path as u32, new_len as u32)?;
    let new_path = rooted(cx, new_dir, new_path)?;
    let new_path = new_path.as_ref();
    sync_clock(cx.sys);
    cx.sys
        .fs
        .link(old_dir, old_path, follow, new_dir, new_path)?;
    Ok(())
}

/// `path_open`: opens (and with CREAT creates) `path` and writes the new descriptor to
/// `out`. The base directory needs PATH_OPEN, and PATH_CREATE_FILE for CREAT and
/// PATH_FILESTAT_SET_SIZE for TRUNC (NOTCAPABLE, before anything changes). The handle gets
/// the requested rights narrowed to the base directory's inheriting rights; FD_READ /
/// FD_WRITE among them decide whether it reads and writes. A directory drops the
/// file-only rights ([`rights::FILE_ONLY`]; wasmtime says ISDIR when FD_WRITE is among
/// them); DIRECTORY with CREAT, EXCL or TRUNC is INVAL; a
/// final symlink not followed is LOOP; a full descriptor table is MFILE (checked before
/// anything is created). A regular-file base descriptor is NOTDIR, any other BADF. A
/// `/dev` device opens as [`crate::devfs`] describes (for writing too, TRUNC and CREAT
/// ignored).
pub fn path_open(
    cx: &mut Cx<'_>,
    fd: i32,
    dirflags: i32,
    path: i32,
    len: i32,
    oflags: i32,
    base: i64,
    inheriting: i64,
    fdflags: i32,
    out: i32,
) -> SysResult {
    let follow = follow(dirflags)?;
    let oflags = u16::try_from(oflags)
        .ok()
        .filter(|o| o & !oflags::ALL == 0)
        .ok_or(Errno::Inval)?;
    let flags = u16::try_from(fdflags)
        .ok()
        .filter(|f| f & !fdflags::ALL == 0)
        .ok_or(Errno::Inval)?;
    cx.mem.slice(out as u32, 4)?;
    let (parent, held, allowed) = rights_of(cx, fd)?;
    let dir = match cx.sys.files.get(parent)?.object {
        Object::Dir(ino) => ino,
        Object::File(_) => return Err(Errno::NotDir.into()),
        _ => return Err(Errno::BadF.into()),
    };
    let has = |bit: u16| oflags & bit != 0;
    if has(oflags::DIRECTORY) && (has(oflags::CREAT) || has(oflags::EXCL) || has(oflags::TRUNC)) {
        return Err(Errno::Inval.into());
    }
    // Every right the call may use is checked before anything is created or truncated.
    let mut needed = rights::PATH_OPEN;
    for (flag, right) in [
        (oflags::CREAT, rights::PATH_CREATE_FILE),
        (oflags::TRUNC, rights::PATH_FILESTAT_SET_SIZE),
    ] {
        if has(flag) {
            needed |= right;
        }
    }
    if held & needed != needed {
        return Err(Errno::NotCapable.into());
    }
    cx.proc.fds.lowest_free(0)?;
    let opts = OpenOptions {
        create: has(oflags::CREAT),
        exclusive: has(oflags::EXCL),
        truncate: has(oflags::TRUNC),
        directory: has(oflags::DIRECTORY),
        follow,
    };
    let path = cx.mem.str(path as u32, len as u32)?;
    let path = rooted(cx, dir, path)?;
    let path = path.as_ref();
    sync_clock(cx.sys);
    crate::procfs::sync_for(cx.sys, cx.proc.pid);
    let ino = crate::devfs::open_path(cx.sys, dir, path, opts)?;
    let rights_base = base as u64 & allowed & rights::ALL;
    let rights_inheriting = inheriting as u64 & allowed & rights::ALL;
    if let Some(dev) = crate::devfs::device(cx.sys, ino) {
        let file = match crate::devfs::open(dev, &cx.proc.fds, flags)? {
            Opened::Shared(entry) => return install(cx, entry, out),
            Opened::New(mut file) => {
                file.rights_base &= rights_base;
                file.rights_inheriting &= rights_inheriting;
                file
            }
        };
        return install_new(cx, file, out);
    }
    if rights_base & rights::FD_WRITE != 0
        && cx.sys.fs.is_read_only(ino)
        && cx.sys.fs.kind(ino)? != FileType::Directory
    {
        // A read-only file (the kernel's `/proc` view) cannot be opened for writing.
        return Err(Errno::RoFs.into());
    }
    // Last fallible step before the handle exists: a `/proc` file becomes its snapshot.
    let ino = crate::procfs::open(cx.sys, ino)?;
    let (object, rights_base) = match cx.sys.fs.kind(ino)? {
        // A directory drops the rights only files use instead of failing ISDIR.
        FileType::Directory => (Object::Dir(ino), rights_base & !rights::FILE_ONLY),
        FileType::RegularFile => (Object::File(ino), rights_base),
        FileType::SymbolicLink => return Err(Errno::Loop.into()),
    };
    // A directory keeps no fdflags (APPEND and the rest mean nothing for it), as in
    // wasmtime, whose fd_fdstat_get then reports 0.
    let flags = if matches!(object, Object::Dir(_)) {
        0
    } else {
        flags
    };
    let mut file = OpenFile::new(object, flags);
    file.rights_base = rights_base;
    file.rights_inheriting = rights_inheriting;
    install_new(cx, file, out)
}

/// Registers a new open file and gives it the lowest free descriptor, written to `out`
/// (checked beforehand); without a free descriptor the file is closed again.
fn install_new(cx: &mut Cx<'_>, file: OpenFile, out: i32) -> SysResult {
    let System { fs, files, .. } = &mut *cx.sys;
    let id = files.insert(fs, file);
    let result = install(cx, FdEntry::new(id), out);
    let System { fs, files, .. } = &mut *cx.sys;
    if result.is_err() && files.refs(id) == 0 {
        files.drop_ref(fs, id);
    }
    result
}

/// Installs `entry` at the lowest free descriptor, written to `out`.
fn install(cx: &mut Cx<'_>, entry: FdEntry, out: i32) -> SysResult {
    let new_fd = cx.proc.fds.install(&mut cx.sys.files, entry, 0)?;
    cx.mem.write_u32(out as u32, new_fd)?;
    Ok(())
}

/// `path_readlink`: copies the target of symlink `path` into `buf` (no NUL), cut to
/// `buf_len` bytes, and writes the count copied to `out`; as in wasmtime only the bytes
/// copied must lie in memory. INVAL if `path` is not a symlink.
pub fn path_readlink(
    cx: &mut Cx<'_>,
    fd: i32,
    path: i32,
    len: i32,
    buf: i32,
    buf_len: i32,
    out: i32,
) -> SysResult {
    cx.mem.slice(out as u32, 4)?;
    let dir = dir_of(cx, fd, rights::PATH_READLINK)?;
    let path = cx.mem.str(path as u32, len as u32)?;
    let path = rooted(cx, dir, path)?;
    let path = path.as_ref();
    let target = cx.sys.fs.readlink(dir, path)?;
    let bytes = target.as_bytes();
    let n = bytes.len().min(buf_len as u32 as usize);
    cx.mem.write(buf as u32, bytes.get(..n).unwrap_or(bytes))?;
    cx.mem.write_u32(out as u32, n as u32)?;
    Ok(())
}

/// `path_remove_directory`: removes empty directory `path` (NOTEMPTY, NOTDIR, INVAL for
/// `.`).
pub fn path_remove_directory(cx: &mut Cx<'_>, fd: i32, path: i32, len: i32) -> SysResult {
    let dir = dir_of(cx, fd, rights::PATH_REMOVE_DIRECTORY)?;
    let path = cx.mem.str(path as u32, len as u32)?;
    let path = rooted(cx, dir, path)?;
    let path = path.as_ref();
    sync_clock(cx.sys);
    cx.sys.fs.rmdir(dir, path)?;
    Ok(())
}

/// `path_rename`: renames `old_path` to `new_path` with POSIX semantics (replacing a file
/// or an empty directory).
pub fn path_rename(
    cx: &mut Cx<'_>,
    fd: i32,
    old_path: i32,
    old_len: i32,
    new_fd: i32,
    new_path: i32,
    new_len: i32,
) -> SysResult {
    let old_dir = dir_of(cx, fd, rights::PATH_RENAME_SOURCE)?;
    let new_dir = dir_of(cx, new_fd, rights::PATH_RENAME_TARGET)?;
    let old_path = cx.mem.str(old_path as u32, old_len as u32)?;
    let old_path = rooted(cx, old_dir, old_path)?;
    let old_path = old_path.as_ref();
    let new_path = cx.mem.str(new_path as u32, new_len as u32)?;
    let new_path = rooted(cx, new_dir, new_path)?;
    let new_path = new_path.as_ref();
    sync_clock(cx.sys);
    cx.sys.fs.rename(old_dir, old_path, new_dir, new_path)?;
    Ok(())
}

/// `path_symlink`: creates symlink `new_path` pointing at `old_path`. An absolute target
/// is NOTCAPABLE up front, since it could never resolve inside the sandbox.
pub fn path_symlink(
    cx: &mut Cx<'_>,
    old_path: i32,
    old_len: i32,
    fd: i32,
    new_path: i32,
    new_len: i32,
) -> SysResult {
    let dir = dir_of(cx, fd, rights::PATH_SYMLINK)?;
    // An absolute target may be stored (a WASIX userland makes such links), but following
    // it from a preopen never leaves the preopen: resolution gives NOTCAPABLE.
    let target = cx.mem.str(old_path as u32, old_len as u32)?;
    let path = cx.mem.str(new_path as u32, new_len as u32)?;
    let path = rooted(cx, dir, path)?;
    let path = path.as_ref();
    sync_clock(cx.sys);
    cx.sys.fs.symlink(target, dir, path)?;
    Ok(())
}

/// `path_unlink_file`: removes the non-directory `path` (ISDIR for a directory; a final
/// symlink is removed, not followed).
pub fn path_unlink_file(cx: &mut Cx<'_>, fd: i32, path: i32, len: i32) -> SysResult {
    let dir = dir_of(cx, fd, rights::PATH_UNLINK_FILE)?;
    let path = cx.mem.str(path as u32, len as u32)?;
    let path = rooted(cx, dir, path)?;
    let path = path.as_ref();
    sync_clock(cx.sys);
    cx.sys.fs.unlink(dir, path)?;
    Ok(())
}

/// `path_open2(…, fdflags, fdflagsext, out)`: preview1's `path_open` plus the
/// per-descriptor flags (CLOEXEC), which current wasix-libc uses for every `open`/`openat`
/// (`O_CLOEXEC` becomes `fdflagsext`). An unknown `fdflagsext` bit is INVAL before
/// anything is opened. A WASIX import (`wasix_32v1`), kept beside `path_open` since it is
/// one (registered with the WASIX calls).
#[allow(clippy::too_many_arguments)]
pub fn path_open2(
    cx: &mut Cx<'_>,
    fd: i32,
    dirflags: i32,
    path: i32,
    len: i32,
    oflags: i32,
    base: i64,
    inheriting: i64,
    fdflags: i32,
    fdflagsext: i32,
    out: i32,
) -> SysResult {
    let ext = u16::try_from(fdflagsext)
        .ok()
        .filter(|f| f & !abi::wasix::fdflagsext::ALL == 0)
        .ok_or(Errno::Inval)?;
    path_open(
        cx, fd, dirflags, path, len, oflags, base, inheriting, fdflags, out,
    )?;
    let new = cx.mem.read_u32(out as u32)?;
    cx.proc.fds.get_mut(new)?.cloexec = ext & abi::wasix::fdflagsext::CLOEXEC != 0;
    Ok(())
}
