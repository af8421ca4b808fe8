//! Open files and descriptor tables, in the POSIX shape: a process's [`FdTable`] maps
//! descriptor numbers to [`OpenFile`] ids (plus the per-descriptor CLOEXEC flag and preopen
//! name); [`OpenFiles`] holds the open file descriptions themselves — what they refer to
//! ([`Object`]), the shared offset, status flags and rights — reference-counted so that
//! inherited and duplicated descriptors share one offset, as they do on Unix.
//!
//! [`OpenFiles`] also owns every kernel pipe ([`OpenFiles::pipes`]). Each open file whose
//! object is a pipe end ([`Object::PipeRead`] / [`Object::PipeWrite`]) holds exactly one of
//! that pipe's end counts: [`OpenFiles::create_pipe`] makes a pipe and its two open files,
//! duplicated and inherited descriptors share the open file (its reference count grows, the
//! pipe's end counts do not), and when the last reference goes the end is closed. A pipe
//! therefore reports end of file only once every descriptor of every write end, in every
//! process, is closed. Pipe state changes queue wake-up events in the pipe table;
//! [`OpenFiles::drain_events`] moves them to the scheduler's event list.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use abi::Errno;
use abi::wasix::{filetype, rights};
use pipe::{PipeEvent, PipeId, PipeTable};
use vfs::{Fs, Ino};

use crate::types::Event;

/// Open-file-description id.
pub type FileId = u64;

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
    /// Reads give end-of-file, writes are discarded (`/dev/null`).
    Null,
    /// Reads give zero bytes, writes are discarded (`/dev/zero`).
    Zero,
    /// Reads give random bytes from the platform, writes are discarded (`/dev/urandom`,
    /// `/dev/random`).
    Random,
    /// The console as a whole (`/dev/tty`): reads its input like [`Object::ConsoleIn`],
    /// writes go to its stdout stream like `ConsoleOut(Stream::Stdout)`.
    Tty,
    /// A regular file (or symlink opened without following).
    File(Ino),
    /// A directory.
    Dir(Ino),
    /// The read end of a kernel pipe.
    PipeRead(PipeId),
    /// The write end of a kernel pipe.
    PipeWrite(PipeId),
    /// One end of a bidirectional pipe (the 2022 WASIX ABI's `fd_pipe`, as wasmer made
    /// it): reads come from one kernel pipe, writes go to the other, whose read end is
    /// the other end's.
    PipeDuplex { read: PipeId, write: PipeId },
    /// An event counter (`fd_event`); the open file holds it, so duplicates and forked
    /// descriptors share it.
    Event(crate::eventfd::Counter),
    /// An epoll instance; its interest list is [`OpenFiles::epolls`]'s entry for this
    /// open file.
    Epoll,
}

impl Object {
    /// WASI [`filetype`] number for fdstat / filestat. WASI has no pipe type: pipes are
    /// UNKNOWN, as wasmer reports FIFOs (and wasmtime non-terminal stdio streams).
    pub fn filetype(&self) -> u8 {
        match self {
            Object::ConsoleIn
            | Object::ConsoleOut(_)
            | Object::Null
            | Object::Zero
            | Object::Random
            | Object::Tty => filetype::CHARACTER_DEVICE,
            Object::Bytes(_) => filetype::REGULAR_FILE,
            Object::File(_) => filetype::REGULAR_FILE,
            Object::Dir(_) => filetype::DIRECTORY,
            Object::PipeRead(_)
            | Object::PipeWrite(_)
            | Object::PipeDuplex { .. }
            | Object::Event(_)
            | Object::Epoll => filetype::UNKNOWN,
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
            rights_base: rights::ALL,
            rights_inheriting: rights::ALL,
            refs: 0,
        }
    }
}

/// All open file descriptions in the system, and the pipes they refer to.
#[derive(Debug, Default)]
pub struct OpenFiles {
    files: BTreeMap<FileId, OpenFile>,
    next: FileId,
    /// Every pipe; its ends are held by the open files of [`Object::PipeRead`] /
    /// [`Object::PipeWrite`] objects.
    pub pipes: PipeTable,
    /// The interest list of each [`Object::Epoll`] open file, by its id (dropped with it).
    pub epolls: BTreeMap<FileId, crate::epoll::InterestList>,
    /// Scratch buffer for [`OpenFiles::drain_events`] (kept to avoid allocating).
    scratch: Vec<PipeEvent>,
}

impl OpenFiles {
    /// Registers `file` (with no references yet) and pins what it refers to: an inode in
    /// `fs`, or one more end of a pipe (like a second, independent open of the same pipe
    /// end). A new pipe is made with [`OpenFiles::create_pipe`] instead.
    pub fn insert(&mut self, fs: &mut Fs, file: OpenFile) -> FileId {
        match file.object {
            Object::File(ino) | Object::Dir(ino) => {
                let _ = fs.retain(ino);
            }
            // An end of a pipe that is gone (or has no such end left) stays dangling:
            // operations on it fail BADF, and closing it is a no-op.
            Object::PipeRead(id) => {
                let _ = self.pipes.add_reader(id);
            }
            Object::PipeWrite(id) => {
                let _ = self.pipes.add_writer(id);
            }
            Object::PipeDuplex { read, write } => {
                let _ = self.pipes.add_reader(read);
                let _ = self.pipes.add_writer(write);
            }
            _ => {}
        }
        self.insert_raw(file)
    }

    /// Registers `file` without pinning anything.
    fn insert_raw(&mut self, file: OpenFile) -> FileId {
        self.next += 1;
        self.files.insert(self.next, file);
        self.next
    }

    /// Creates a pipe and one open file (with no references yet) for each end, with status
    /// flags `flags`: returns (read end, write end). The read end lacks the FD_WRITE right
    /// and the write end the FD_READ right.
    pub fn create_pipe(&mut self, flags: u16) -> (FileId, FileId) {
        let id = self.pipes.create();
        let mut read = OpenFile::new(Object::PipeRead(id), flags);
        read.rights_base &= !rights::FD_WRITE;
        let mut write = OpenFile::new(Object::PipeWrite(id), flags);
        write.rights_base &= !rights::FD_READ;
        (self.insert_raw(read), self.insert_raw(write))
    }

    /// Creates two pipes and the two ends of a bidirectional pipe over them (open files
    /// with no references yet, status flags `flags`, every right): what one end writes
    /// the other reads.
    pub fn create_duplex_pipe(&mut self, flags: u16) -> (FileId, FileId) {
        let (a_to_b, b_to_a) = (self.pipes.create(), self.pipes.create());
        let a = OpenFile::new(
            Object::PipeDuplex {
                read: b_to_a,
                write: a_to_b,
            },
            flags,
        );
        let b = OpenFile::new(
            Object::PipeDuplex {
                read: a_to_b,
                write: b_to_a,
            },
            flags,
        );
        (self.insert_raw(a), self.insert_raw(b))
    }

    /// Moves the pipe wake-up events queued since the last call into `events` (as
    /// [`Event::Pipe`], each at most once). The scheduler calls this after every slice and
    /// every retry; the pipe host calls also call it before they return.
    pub fn drain_events(&mut self, events: &mut Vec<Event>) {
        self.pipes.take_events_into(&mut self.scratch);
        for ev in self.scratch.drain(..) {
            let (PipeEvent::Readable(id) | PipeEvent::Writable(id)) = ev;
            let ev = Event::Pipe(id);
            if !events.contains(&ev) {
                events.push(ev);
            }
        }
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

    /// Drops a reference; the last one closes the description and releases what it held
    /// (an inode pin, or a pipe end: the pipe queues its wake-up events, see
    /// [`OpenFiles::drain_events`]).
    pub fn drop_ref(&mut self, fs: &mut Fs, id: FileId) {
        let Some(f) = self.files.get_mut(&id) else {
            return;
        };
        f.refs = f.refs.saturating_sub(1);
        if f.refs > 0 {
            return;
        }
        let Some(f) = self.files.remove(&id) else {
            return;
        };
        match f.object {
            Object::File(ino) | Object::Dir(ino) => {
                let _ = fs.release(ino);
            }
            Object::PipeRead(pipe) => {
                let _ = self.pipes.close_reader(pipe);
            }
            Object::PipeWrite(pipe) => {
                let _ = self.pipes.close_writer(pipe);
            }
            Object::PipeDuplex { read, write } => {
                let _ = self.pipes.close_reader(read);
                let _ = self.pipes.close_writer(write);
            }
            Object::Epoll => {
                self.epolls.remove(&id);
            }
            _ => {}
        }
    }

    /// References held on open file `id` (0 for an unknown id).
    pub fn refs(&self, id: FileId) -> usize {
        self.files.get(&id).map_or(0, |f| f.refs)
    }

    /// Live descriptions (for leak checks).
    pub fn count(&self) -> usize {
        self.files.len()
    }
}

/// A mask of WASI rights, base and inheriting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rights {
    pub base: u64,
    pub inheriting: u64,
}

impl Rights {
    /// Every right.
    pub const ALL: Self = Self {
        base: rights::ALL,
        inheriting: rights::ALL,
    };
}

/// One descriptor-table slot.
#[derive(Debug, Clone)]
pub struct FdEntry {
    pub file: FileId,
    pub cloexec: bool,
    /// For preopened directories: the name the guest sees (`fd_prestat_dir_name`).
    pub preopen: Option<String>,
    /// What `fd_fdstat_set_rights` left this descriptor: the rights it holds are its open
    /// file's (fixed when opened) within this mask. Narrowing is per descriptor, copied
    /// with it (dup, spawn, exec), so it never takes rights from another descriptor, or
    /// another process, that shares the open file.
    pub rights: Rights,
}

impl FdEntry {
    /// A descriptor for `file`: not CLOEXEC, not a preopen, every right of the file.
    pub fn new(file: FileId) -> Self {
        Self {
            file,
            cloexec: false,
            preopen: None,
            rights: Rights::ALL,
        }
    }
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

    /// One past the highest descriptor this table allows.
    pub fn max(&self) -> u32 {
        self.max
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

#[cfg(test)]
mod tests {
    use super::*;
    use vfs::Limits as FsLimits;

    fn entry(file: FileId, cloexec: bool) -> FdEntry {
        FdEntry {
            cloexec,
            ..FdEntry::new(file)
        }
    }

    /// A pipe installed at fds 0 (read) and 1 (write) of a fresh table.
    fn setup() -> (Fs, OpenFiles, FdTable, PipeId) {
        let fs = Fs::new(FsLimits::default());
        let mut files = OpenFiles::default();
        let mut fds = FdTable::new(16);
        let (r, w) = files.create_pipe(0);
        assert_eq!(fds.install(&mut files, entry(r, false), 0), Ok(0));
        assert_eq!(fds.install(&mut files, entry(w, false), 0), Ok(1));
        let Ok(&OpenFile {
            object: Object::PipeRead(id),
            ..
        }) = files.get(r)
        else {
            panic!("the first file is the read end");
        };
        (fs, files, fds, id)
    }

    #[test]
    fn create_pipe_makes_one_end_per_open_file() {
        let (_fs, files, fds, id) = setup();
        assert_eq!(files.pipes.count(), 1);
        assert_eq!(files.pipes.readers(id), Ok(1));
        assert_eq!(files.pipes.writers(id), Ok(1));
        let (r, w) = (fds.get(0).unwrap().file, fds.get(1).unwrap().file);
        assert_eq!((files.refs(r), files.refs(w)), (1, 1));
        assert_eq!(files.get(r).unwrap().object.filetype(), 0);
        assert_eq!(files.get(r).unwrap().rights_base & (1 << 6), 0);
        assert_eq!(files.get(w).unwrap().rights_base & (1 << 1), 0);
    }

    #[test]
    fn dup_shares_the_open_file_and_the_last_close_closes_the_end() {
        let (mut fs, mut files, mut fds, id) = setup();
        let w = fds.get(1).unwrap().file;
        let dup = fds.install(&mut files, entry(w, false), 0).unwrap();
        assert_eq!(dup, 2);
        assert_eq!(files.refs(w), 2);
        assert_eq!(files.pipes.writers(id), Ok(1), "dup shares the end");
        fds.close(&mut fs, &mut files, 1).unwrap();
        assert_eq!(files.pipes.writers(id), Ok(1));
        assert!(!files.pipes.has_events());
        let mut buf = [0u8; 4];
        assert_eq!(
            files.pipes.read(id, &mut buf),
            Ok(pipe::ReadResult::WouldBlock)
        );
        fds.close(&mut fs, &mut files, 2).unwrap();
        assert_eq!(files.pipes.writers(id), Ok(0));
        assert_eq!(files.pipes.read(id, &mut buf), Ok(pipe::ReadResult::Eof));
        let mut events = alloc::vec![Event::Console];
        files.drain_events(&mut events);
        assert_eq!(events, [Event::Console, Event::Pipe(id)]);
        fds.close(&mut fs, &mut files, 0).unwrap();
        assert_eq!(files.pipes.count(), 0);
        assert_eq!(files.count(), 0);
    }

    #[test]
    fn inherited_ends_keep_the_pipe_open_until_every_table_closes() {
        let (mut fs, mut files, mut parent, id) = setup();
        let w = parent.get(1).unwrap().file;
        parent.get_mut(1).unwrap().cloexec = false;
        let mut child = parent.inherit(&mut files, false);
        assert_eq!(files.refs(w), 2);
        parent.close(&mut fs, &mut files, 1).unwrap();
        assert_eq!(files.pipes.writers(id), Ok(1), "the child still writes");
        assert_eq!(
            files.pipes.write(id, b"hi"),
            Ok(pipe::WriteResult::Written(2))
        );
        child.close_all(&mut fs, &mut files);
        assert_eq!(files.pipes.writers(id), Ok(0));
        let mut buf = [0u8; 4];
        assert_eq!(
            files.pipes.read(id, &mut buf),
            Ok(pipe::ReadResult::Data(2))
        );
        assert_eq!(files.pipes.read(id, &mut buf), Ok(pipe::ReadResult::Eof));
        parent.close_all(&mut fs, &mut files);
        assert_eq!((files.pipes.count(), files.count()), (0, 0));
    }

    #[test]
    fn exec_drops_cloexec_pipe_ends() {
        let (mut fs, mut files, mut parent, id) = setup();
        parent.get_mut(1).unwrap().cloexec = true;
        let mut child = parent.inherit(&mut files, true);
        assert!(child.get(1).is_err());
        parent.close(&mut fs, &mut files, 1).unwrap();
        assert_eq!(
            files.pipes.writers(id),
            Ok(0),
            "only the CLOEXEC fd held it"
        );
        child.close_all(&mut fs, &mut files);
        parent.close_all(&mut fs, &mut files);
        assert_eq!((files.pipes.count(), files.count()), (0, 0));
    }

    #[test]
    fn renumber_and_install_at_close_replaced_ends() {
        let (mut fs, mut files, mut fds, id) = setup();
        let r = fds.get(0).unwrap().file;
        // dup2(read, write): the write end's only descriptor goes.
        fds.install_at(&mut fs, &mut files, 1, entry(r, false))
            .unwrap();
        assert_eq!(files.pipes.writers(id), Ok(0));
        assert_eq!(files.refs(r), 2);
        fds.renumber(&mut fs, &mut files, 1, 0).unwrap();
        assert_eq!(files.refs(r), 1);
        assert_eq!(files.pipes.readers(id), Ok(1));
        fds.close_all(&mut fs, &mut files);
        assert_eq!((files.pipes.count(), files.count()), (0, 0));
    }

    #[test]
    fn inserting_a_pipe_end_adds_an_end_and_dangling_ends_are_harmless() {
        let (mut fs, mut files, mut fds, id) = setup();
        let extra = files.insert(&mut fs, OpenFile::new(Object::PipeRead(id), 0));
        assert_eq!(files.pipes.readers(id), Ok(2));
        let fd = fds.install(&mut files, entry(extra, false), 0).unwrap();
        fds.close(&mut fs, &mut files, fd).unwrap();
        assert_eq!(files.pipes.readers(id), Ok(1));
        fds.close_all(&mut fs, &mut files);
        assert_eq!(files.pipes.count(), 0);
        let gone = files.insert(&mut fs, OpenFile::new(Object::PipeWrite(id), 0));
        files.add_ref(gone);
        files.drop_ref(&mut fs, gone);
        assert_eq!((files.pipes.count(), files.count()), (0, 0));
    }
}
