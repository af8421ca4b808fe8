//! Open files and descriptor tables, in the POSIX shape: a process's [`FdTable`] maps
//! descriptor numbers to [`OpenFile`] ids (plus the per-descriptor CLOEXEC flag and preopen
//! name); [`OpenFiles`] holds the open file descriptions themselves — what they refer to
//! ([`Object`]), the shared offset, status flags and rights — reference-counted so that
//! inherited and duplicated descriptors share one offset, as they do on Unix.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use abi::Errno;
use vfs::{Fs, Ino};

/// Open-file-description id.
pub type FileId = u64;

/// WASI `fdflags`.
pub mod fdflags {
    pub const APPEND: u16 = 1;
    pub const DSYNC: u16 = 2;
    pub const NONBLOCK: u16 = 4;
    pub const RSYNC: u16 = 8;
    pub const SYNC: u16 = 16;
    pub const ALL: u16 = 31;
}

/// Every WASI right (bits 0..=28).
pub const RIGHTS_ALL: u64 = (1 << 29) - 1;

/// Console output streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
    /// The kernel log (stdio mode LOG).
    Log,
}

/// What an open file description refers to.
#[derive(Debug, Clone)]
pub enum Object {
    /// The console's input queue.
    ConsoleIn,
    /// A console output stream.
    ConsoleOut(Stream),
    /// Fixed bytes, then end-of-file (stdin given at boot).
    Bytes(Arc<[u8]>),
    /// Reads give end-of-file, writes are discarded.
    Null,
    /// A regular file (or symlink opened without following).
    File(Ino),
    /// A directory.
    Dir(Ino),
}

impl Object {
    /// WASI filetype number for fdstat / filestat.
    pub fn filetype(&self) -> u8 {
        match self {
            Object::ConsoleIn | Object::ConsoleOut(_) | Object::Null => 2, // character device
            Object::Bytes(_) => 4,
            Object::File(_) => 4,
            Object::Dir(_) => 3,
        }
    }
}

/// An open file description.
#[derive(Debug, Clone)]
pub struct OpenFile {
    pub object: Object,
    pub offset: u64,
    pub flags: u16,
    pub rights_base: u64,
    pub rights_inheriting: u64,
    refs: usize,
}

impl OpenFile {
    /// A description with all rights and the given status flags.
    pub fn new(object: Object, flags: u16) -> Self {
        Self {
            object,
            offset: 0,
            flags,
            rights_base: RIGHTS_ALL,
            rights_inheriting: RIGHTS_ALL,
            refs: 0,
        }
    }
}

/// All open file descriptions in the system.
#[derive(Debug, Default)]
pub struct OpenFiles {
    files: BTreeMap<FileId, OpenFile>,
    next: FileId,
}

impl OpenFiles {
    /// Registers `file` (with no references yet) and pins its inode in `fs`.
    pub fn insert(&mut self, fs: &mut Fs, file: OpenFile) -> FileId {
        if let Object::File(ino) | Object::Dir(ino) = file.object {
            let _ = fs.retain(ino);
        }
        self.next += 1;
        self.files.insert(self.next, file);
        self.next
    }

    pub fn get(&self, id: FileId) -> Result<&OpenFile, Errno> {
        self.files.get(&id).ok_or(Errno::BadF)
    }

    pub fn get_mut(&mut self, id: FileId) -> Result<&mut OpenFile, Errno> {
        self.files.get_mut(&id).ok_or(Errno::BadF)
    }

    /// Adds a reference (a descriptor now points at `id`).
    pub fn add_ref(&mut self, id: FileId) {
        if let Some(f) = self.files.get_mut(&id) {
            f.refs += 1;
        }
    }

    /// Drops a reference; the last one closes the description and releases what it held.
    pub fn drop_ref(&mut self, fs: &mut Fs, id: FileId) {
        let Some(f) = self.files.get_mut(&id) else {
            return;
        };
        f.refs = f.refs.saturating_sub(1);
        if f.refs == 0
            && let Some(f) = self.files.remove(&id)
            && let Object::File(ino) | Object::Dir(ino) = f.object
        {
            let _ = fs.release(ino);
        }
    }

    /// Live descriptions (for leak checks).
    pub fn count(&self) -> usize {
        self.files.len()
    }
}

/// One descriptor-table slot.
#[derive(Debug, Clone)]
pub struct FdEntry {
    pub file: FileId,
    pub cloexec: bool,
    /// For preopened directories: the name the guest sees (`fd_prestat_dir_name`).
    pub preopen: Option<String>,
}

/// A process's descriptor table.
#[derive(Debug, Clone)]
pub struct FdTable {
    fds: BTreeMap<u32, FdEntry>,
    max: u32,
}

impl FdTable {
    /// An empty table allowing descriptors `0..max`.
    pub fn new(max: u32) -> Self {
        Self {
            fds: BTreeMap::new(),
            max,
        }
    }

    pub fn get(&self, fd: u32) -> Result<&FdEntry, Errno> {
        self.fds.get(&fd).ok_or(Errno::BadF)
    }

    pub fn get_mut(&mut self, fd: u32) -> Result<&mut FdEntry, Errno> {
        self.fds.get_mut(&fd).ok_or(Errno::BadF)
    }

    /// The lowest free descriptor ≥ `min`, or `MFile`.
    pub fn lowest_free(&self, min: u32) -> Result<u32, Errno> {
        let mut fd = min;
        for (&used, _) in self.fds.range(min..) {
            if used != fd {
                break;
            }
            fd = fd.checked_add(1).ok_or(Errno::MFile)?;
        }
        if fd >= self.max {
            Err(Errno::MFile)
        } else {
            Ok(fd)
        }
    }

    /// Installs `entry` at the lowest free descriptor ≥ `min`, taking a reference on it.
    pub fn install(
        &mut self,
        files: &mut OpenFiles,
        entry: FdEntry,
        min: u32,
    ) -> Result<u32, Errno> {
        let fd = self.lowest_free(min)?;
        files.add_ref(entry.file);
        self.fds.insert(fd, entry);
        Ok(fd)
    }

    /// Installs `entry` exactly at `fd`, closing what was there.
    pub fn install_at(
        &mut self,
        fs: &mut Fs,
        files: &mut OpenFiles,
        fd: u32,
        entry: FdEntry,
    ) -> Result<(), Errno> {
        if fd >= self.max {
            return Err(Errno::BadF);
        }
        files.add_ref(entry.file);
        if let Some(old) = self.fds.insert(fd, entry) {
            files.drop_ref(fs, old.file);
        }
        Ok(())
    }

    /// Removes `fd` and drops its reference.
    pub fn close(&mut self, fs: &mut Fs, files: &mut OpenFiles, fd: u32) -> Result<(), Errno> {
        let entry = self.fds.remove(&fd).ok_or(Errno::BadF)?;
        files.drop_ref(fs, entry.file);
        Ok(())
    }

    /// Moves `from` onto `to` (WASI `fd_renumber`): `to` is closed first if open.
    pub fn renumber(
        &mut self,
        fs: &mut Fs,
        files: &mut OpenFiles,
        from: u32,
        to: u32,
    ) -> Result<(), Errno> {
        if !self.fds.contains_key(&from) || to >= self.max {
            return Err(Errno::BadF);
        }
        if from == to {
            return Ok(());
        }
        let entry = self.fds.remove(&from).ok_or(Errno::BadF)?;
        if let Some(old) = self.fds.insert(to, entry) {
            files.drop_ref(fs, old.file);
        }
        Ok(())
    }

    /// Closes every descriptor (process exit).
    pub fn close_all(&mut self, fs: &mut Fs, files: &mut OpenFiles) {
        for (_, entry) in core::mem::take(&mut self.fds) {
            files.drop_ref(fs, entry.file);
        }
    }

    /// A copy of this table for a child, every description gaining a reference; CLOEXEC
    /// descriptors are left out when `exec` is true.
    pub fn inherit(&self, files: &mut OpenFiles, exec: bool) -> Self {
        let mut fds = BTreeMap::new();
        for (&fd, entry) in &self.fds {
            if exec && entry.cloexec {
                continue;
            }
            files.add_ref(entry.file);
            fds.insert(fd, entry.clone());
        }
        Self { fds, max: self.max }
    }

    /// Open descriptors, ascending.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &FdEntry)> {
        self.fds.iter().map(|(&fd, e)| (fd, e))
    }

    /// Number of open descriptors.
    pub fn len(&self) -> usize {
        self.fds.len()
    }

    /// True when no descriptor is open.
    pub fn is_empty(&self) -> bool {
        self.fds.is_empty()
    }

    /// Preopened directories in descriptor order.
    pub fn preopens(&self) -> Vec<(u32, String)> {
        self.fds
            .iter()
            .filter_map(|(&fd, e)| e.preopen.clone().map(|p| (fd, p)))
            .collect()
    }
}
