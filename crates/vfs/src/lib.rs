//! The kernel's in-RAM filesystem: a hardware-independent tree of directories, sparse
//! regular files and symlinks, with POSIX-like semantics and WASI-style capability-confined
//! path resolution. [`Fs`] owns every inode (numbered by [`Ino`]); the kernel's WASI layer
//! calls it for every `path_*` / `fd_*` filesystem call (setting the clock with
//! [`Fs::set_time`] first and pinning open inodes with [`Fs::retain`] / [`Fs::release`]),
//! and the ramdisk unpacker fills it at boot through [`Fs::create_path_all`] and
//! [`Fs::write_file`]. Paths are always resolved relative to a directory inode (a
//! preopen), never from a global root: absolute paths and any `..` or symlink that would
//! climb above that directory fail with [`Errno::NotCapable`]. File data lives in 4 KiB
//! pages in a sparse map; all RAM use is charged against a [`Limits`] quota
//! ([`Fs::usage`] reports it). Every input (names, paths, offsets, lengths) is treated as
//! untrusted guest data: every failure is a `Result<_, Errno>`, nothing panics.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

mod dir;
mod file;
mod ops;
mod path;
#[cfg(test)]
mod tests;

use abi::wasix::filetype;
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::String;

pub use abi::Errno;
pub use dir::{DirEntry, ReadDir};

/// An inode number. Numbers are never reused within one [`Fs`], so a stale number fails
/// with [`Errno::BadF`] instead of aliasing a newer file.
pub type Ino = u64;

/// Size of one data page of a regular file.
pub const PAGE_SIZE: usize = 4096;
/// Longest accepted path component, in bytes.
pub const NAME_MAX: usize = 255;
/// Longest accepted path (and symlink target), in bytes.
pub const PATH_MAX: usize = 4096;
/// Most symlink expansions in one path resolution before [`Errno::Loop`].
pub const SYMLOOP_MAX: u32 = 40;
/// Quota charge, in bytes, for every live inode (metadata).
pub const INODE_COST: u64 = 128;
/// Quota charge, in bytes, for every directory entry, on top of its name length.
pub const DIRENT_COST: u64 = 32;
/// The device number reported in every [`Stat`].
pub const DEV: u64 = 1;

const PAGE: u64 = PAGE_SIZE as u64;

/// Resource limits of one [`Fs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// RAM quota for file data pages plus per-inode, per-entry and symlink-target charges.
    pub max_bytes: u64,
    /// Most live inodes (the root included).
    pub max_inodes: u64,
    /// Largest size a regular file may reach (writes, truncates, allocations).
    pub max_file_size: u64,
}

impl Default for Limits {
    /// 64 MiB of RAM, 65536 inodes, 1 GiB files (sparse, so larger than the quota).
    fn default() -> Self {
        Limits {
            max_bytes: 64 << 20,
            max_inodes: 65536,
            max_file_size: 1 << 30,
        }
    }
}

/// The kind of an inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileType {
    /// A directory.
    Directory,
    /// A regular file.
    RegularFile,
    /// A symbolic link.
    SymbolicLink,
}

impl FileType {
    /// The WASI `filetype` number.
    pub const fn wasi(self) -> u8 {
        match self {
            FileType::Directory => filetype::DIRECTORY,
            FileType::RegularFile => filetype::REGULAR_FILE,
            FileType::SymbolicLink => filetype::SYMBOLIC_LINK,
        }
    }
}

/// Metadata of one inode (`filestat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    /// Always [`DEV`].
    pub dev: u64,
    /// The inode number.
    pub ino: Ino,
    /// The inode kind.
    pub kind: FileType,
    /// Hard links; a directory has 2 + its number of subdirectories (0 once removed).
    pub nlink: u64,
    /// Regular file: its length. Directory: its number of entries (`.` and `..` not
    /// counted). Symlink: the length of its target.
    pub size: u64,
    /// Last access, nanoseconds.
    pub atim: u64,
    /// Last data modification, nanoseconds.
    pub mtim: u64,
    /// Last status change, nanoseconds.
    pub ctim: u64,
}

/// Current RAM and inode use, as charged against [`Limits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    /// Charged bytes (pages, inode and entry charges, symlink targets).
    pub bytes: u64,
    /// Live inodes, the root included.
    pub inodes: u64,
}

/// How [`Fs::open`] resolves and possibly creates its target. `Default` is all `false`:
/// open an existing inode, not following a final symlink.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenOptions {
    /// Create a regular file if the final component does not exist (`O_CREAT`).
    pub create: bool,
    /// With `create`: fail with [`Errno::Exist`] if it exists; symlinks are then never
    /// followed (`O_EXCL`).
    pub exclusive: bool,
    /// Truncate an existing regular file to 0 (`O_TRUNC`).
    pub truncate: bool,
    /// The result must be a directory (`O_DIRECTORY`).
    pub directory: bool,
    /// Follow a final symlink (WASI `lookupflags.symlink_follow`).
    pub follow: bool,
}

pub(crate) struct Inode {
    pub(crate) node: Node,
    pub(crate) nlink: u64,
    pub(crate) handles: u64,
    pub(crate) atim: u64,
    pub(crate) mtim: u64,
    pub(crate) ctim: u64,
    /// Guest operations may not change this inode (nor, for a directory, its entries).
    pub(crate) read_only: bool,
}

pub(crate) enum Node {
    Dir(dir::Dir),
    File(file::FileData),
    Symlink(String),
}

impl Node {
    pub(crate) fn kind(&self) -> FileType {
        match self {
            Node::Dir(_) => FileType::Directory,
            Node::File(_) => FileType::RegularFile,
            Node::Symlink(_) => FileType::SymbolicLink,
        }
    }
}

/// The filesystem: every inode, the clock used for timestamps, the quota and its usage.
pub struct Fs {
    limits: Limits,
    now: u64,
    inodes: BTreeMap<Ino, Inode>,
    next_ino: Ino,
    root: Ino,
    bytes: u64,
    /// Set while [`Fs::privileged`] runs: read-only marks are not enforced.
    privileged: bool,
}

impl core::fmt::Debug for Fs {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Fs")
            .field("limits", &self.limits)
            .field("now", &self.now)
            .field("usage", &self.usage())
            .finish_non_exhaustive()
    }
}

/// Quota charge for one directory entry named `name`.
pub(crate) fn dirent_cost(name: &str) -> u64 {
    DIRENT_COST.saturating_add(name.len() as u64)
}

impl Fs {
    /// An empty filesystem holding only its root directory (which is charged even if the
    /// limits are smaller than one inode).
    pub fn new(limits: Limits) -> Fs {
        let root: Ino = 1;
        let mut inodes = BTreeMap::new();
        inodes.insert(
            root,
            Inode {
                node: Node::Dir(dir::Dir::new(root)),
                nlink: 2,
                handles: 0,
                atim: 0,
                mtim: 0,
                ctim: 0,
                read_only: false,
            },
        );
        Fs {
            limits,
            now: 0,
            inodes,
            next_ino: root + 1,
            root,
            bytes: INODE_COST,
            privileged: false,
        }
    }

    /// The root directory; it can never be removed.
    pub fn root(&self) -> Ino {
        self.root
    }

    /// The limits this filesystem was created with.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Sets the clock (nanoseconds) used for every timestamp update from now on.
    pub fn set_time(&mut self, ns: u64) {
        self.now = ns;
    }

    /// The clock last set with [`Fs::set_time`].
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Charged bytes and live inodes.
    pub fn usage(&self) -> Usage {
        Usage {
            bytes: self.bytes,
            inodes: self.inodes.len() as u64,
        }
    }

    /// Whether `ino` names a live inode.
    pub fn exists(&self, ino: Ino) -> bool {
        self.inodes.contains_key(&ino)
    }

    /// The kind of `ino` ([`Errno::BadF`] if it is not live).
    pub fn kind(&self, ino: Ino) -> Result<FileType, Errno> {
        Ok(self.inode(ino)?.node.kind())
    }

    /// Metadata of `ino`.
    pub fn stat(&self, ino: Ino) -> Result<Stat, Errno> {
        let i = self.inode(ino)?;
        let size = match &i.node {
            Node::Dir(d) => d.len() as u64,
            Node::File(f) => f.size,
            Node::Symlink(t) => t.len() as u64,
        };
        Ok(Stat {
            dev: DEV,
            ino,
            kind: i.node.kind(),
            nlink: i.nlink,
            size,
            atim: i.atim,
            mtim: i.mtim,
            ctim: i.ctim,
        })
    }

    /// Sets the access and/or modification time of `ino` (the kernel resolves the WASI
    /// `*_NOW` flags to [`Fs::now`] itself); the change time becomes now.
    pub fn set_times(
        &mut self,
        ino: Ino,
        atim: Option<u64>,
        mtim: Option<u64>,
    ) -> Result<(), Errno> {
        self.check_writable(ino)?;
        let now = self.now;
        let i = self.inode_mut(ino)?;
        if let Some(a) = atim {
            i.atim = a;
        }
        if let Some(m) = mtim {
            i.mtim = m;
        }
        i.ctim = now;
        Ok(())
    }

    /// Pins `ino` for an open handle: while pinned it survives losing its last link.
    pub fn retain(&mut self, ino: Ino) -> Result<(), Errno> {
        let i = self.inode_mut(ino)?;
        i.handles = i.handles.checked_add(1).ok_or(Errno::NFile)?;
        Ok(())
    }

    /// Drops one pin taken with [`Fs::retain`]; an unlinked inode is freed with its last
    /// pin. [`Errno::Inval`] if `ino` is not pinned.
    pub fn release(&mut self, ino: Ino) -> Result<(), Errno> {
        let i = self.inode_mut(ino)?;
        i.handles = i.handles.checked_sub(1).ok_or(Errno::Inval)?;
        self.maybe_free(ino);
        Ok(())
    }

    /// Marks `ino` read-only (or writable again): from now on every change to it through
    /// the ordinary operations — writing, truncating or timestamping a file; creating,
    /// removing, linking or renaming entries of a directory; linking or moving the inode
    /// itself — fails with [`Errno::RoFs`]. The kernel's own views (such as `/proc`)
    /// change such inodes inside [`Fs::privileged`].
    pub fn set_read_only(&mut self, ino: Ino, read_only: bool) -> Result<(), Errno> {
        self.inode_mut(ino)?.read_only = read_only;
        Ok(())
    }

    /// Marks `dir` and everything beneath it read-only (see [`Fs::set_read_only`]): a
    /// read-only mount of that subtree. Symlinks are marked, not followed.
    pub fn set_read_only_tree(&mut self, dir: Ino) -> Result<(), Errno> {
        let mut stack = alloc::vec![dir];
        while let Some(ino) = stack.pop() {
            self.set_read_only(ino, true)?;
            if let Ok(Node::Dir(d)) = self.inode(ino).map(|i| &i.node) {
                stack.extend(d.entries().map(|e| e.ino));
            }
        }
        Ok(())
    }

    /// Whether `ino` is marked read-only (false for a dead inode).
    pub fn is_read_only(&self, ino: Ino) -> bool {
        self.inodes.get(&ino).is_some_and(|i| i.read_only)
    }

    /// Runs `f` with read-only marks ignored: how the kernel fills and prunes the
    /// read-only trees it serves.
    pub fn privileged<R>(&mut self, f: impl FnOnce(&mut Fs) -> R) -> R {
        let was = core::mem::replace(&mut self.privileged, true);
        let r = f(self);
        self.privileged = was;
        r
    }

    /// A new read-only regular file holding `data` that no directory names: a snapshot
    /// the kernel hands to one open handle. The caller pins it with [`Fs::retain`] at
    /// once; it is freed (its quota returned) when that pin is released.
    pub fn create_snapshot(&mut self, data: &[u8]) -> Result<Ino, Errno> {
        if self.inodes.len() as u64 >= self.limits.max_inodes {
            return Err(Errno::NoSpc);
        }
        let pages = (data.len() as u64).div_ceil(PAGE);
        self.check_bytes(INODE_COST.saturating_add(pages.saturating_mul(PAGE)))?;
        let ino = self.fresh_ino()?;
        let now = self.now;
        self.inodes.insert(
            ino,
            Inode {
                node: Node::File(file::FileData::default()),
                nlink: 0,
                handles: 0,
                atim: now,
                mtim: now,
                ctim: now,
                read_only: true,
            },
        );
        self.charge(INODE_COST);
        if !data.is_empty()
            && let Err(e) = self.privileged(|fs| fs.write(ino, 0, data))
        {
            self.inodes.remove(&ino);
            self.uncharge(INODE_COST);
            return Err(e);
        }
        Ok(ino)
    }

    // ----- internal helpers -----

    /// Fails with [`Errno::RoFs`] if `ino` is read-only (outside [`Fs::privileged`]).
    pub(crate) fn check_writable(&self, ino: Ino) -> Result<(), Errno> {
        if self.inode(ino)?.read_only && !self.privileged {
            return Err(Errno::RoFs);
        }
        Ok(())
    }

    pub(crate) fn inode(&self, ino: Ino) -> Result<&Inode, Errno> {
        self.inodes.get(&ino).ok_or(Errno::BadF)
    }

    pub(crate) fn inode_mut(&mut self, ino: Ino) -> Result<&mut Inode, Errno> {
        self.inodes.get_mut(&ino).ok_or(Errno::BadF)
    }

    pub(crate) fn dir(&self, ino: Ino) -> Result<&dir::Dir, Errno> {
        match &self.inode(ino)?.node {
            Node::Dir(d) => Ok(d),
            _ => Err(Errno::NotDir),
        }
    }

    pub(crate) fn dir_mut(&mut self, ino: Ino) -> Result<&mut dir::Dir, Errno> {
        self.check_writable(ino)?;
        match &mut self.inode_mut(ino)?.node {
            Node::Dir(d) => Ok(d),
            _ => Err(Errno::NotDir),
        }
    }

    /// Fails with [`Errno::NoSpc`] unless `extra` more bytes fit in the quota.
    pub(crate) fn check_bytes(&self, extra: u64) -> Result<(), Errno> {
        match self.bytes.checked_add(extra) {
            Some(total) if total <= self.limits.max_bytes => Ok(()),
            _ => Err(Errno::NoSpc),
        }
    }

    /// Adds `extra` bytes to the usage; callers check [`Fs::check_bytes`] first.
    pub(crate) fn charge(&mut self, extra: u64) {
        self.bytes = self.bytes.saturating_add(extra);
    }

    pub(crate) fn uncharge(&mut self, amount: u64) {
        self.bytes = self.bytes.saturating_sub(amount);
    }

    /// Marks `ino`'s data as modified now.
    pub(crate) fn touch_mc(&mut self, ino: Ino) {
        let now = self.now;
        if let Some(i) = self.inodes.get_mut(&ino) {
            i.mtim = now;
            i.ctim = now;
        }
    }

    /// Marks `ino`'s metadata as changed now.
    pub(crate) fn touch_c(&mut self, ino: Ino) {
        let now = self.now;
        if let Some(i) = self.inodes.get_mut(&ino) {
            i.ctim = now;
        }
    }

    /// Frees `ino` if it has neither links nor handles, returning its charges.
    pub(crate) fn maybe_free(&mut self, ino: Ino) {
        if ino == self.root {
            return;
        }
        let dead = matches!(self.inodes.get(&ino), Some(i) if i.nlink == 0 && i.handles == 0);
        if !dead {
            return;
        }
        if let Some(i) = self.inodes.remove(&ino) {
            let data = match &i.node {
                Node::File(f) => (f.pages.len() as u64).saturating_mul(PAGE),
                Node::Symlink(t) => t.len() as u64,
                Node::Dir(d) => d.entry_bytes(),
            };
            self.uncharge(INODE_COST.saturating_add(data));
        }
    }

    /// Allocates a fresh inode number.
    fn fresh_ino(&mut self) -> Result<Ino, Errno> {
        let ino = self.next_ino;
        self.next_ino = ino.checked_add(1).ok_or(Errno::NoSpc)?;
        Ok(ino)
    }

    /// Creates a new inode holding `node` as entry `name` of live directory `parent`.
    /// All checks (entry absent, parent live, quota, inode limit) happen before any change.
    pub(crate) fn create_node(
        &mut self,
        parent: Ino,
        name: &str,
        node: Node,
    ) -> Result<Ino, Errno> {
        path::check_name(name)?;
        self.check_writable(parent)?;
        let is_dir = matches!(node, Node::Dir(_));
        {
            let p = self.inode(parent)?;
            let Node::Dir(d) = &p.node else {
                return Err(Errno::NotDir);
            };
            if p.nlink == 0 {
                return Err(Errno::NoEnt);
            }
            if d.get(name).is_some() {
                return Err(Errno::Exist);
            }
            if is_dir && p.nlink == u64::MAX {
                return Err(Errno::MLink);
            }
        }
        if self.inodes.len() as u64 >= self.limits.max_inodes {
            return Err(Errno::NoSpc);
        }
        let extra = match &node {
            Node::Symlink(t) => t.len() as u64,
            _ => 0,
        };
        let cost = INODE_COST
            .checked_add(extra)
            .and_then(|c| c.checked_add(dirent_cost(name)))
            .ok_or(Errno::NoSpc)?;
        self.check_bytes(cost)?;
        let kind = node.kind();
        let ino = self.fresh_ino()?;
        self.dir_mut(parent)?.insert(name, ino, kind)?;
        let now = self.now;
        self.inodes.insert(
            ino,
            Inode {
                node,
                nlink: if is_dir { 2 } else { 1 },
                handles: 0,
                atim: now,
                mtim: now,
                ctim: now,
                read_only: false,
            },
        );
        self.charge(cost);
        if is_dir && let Ok(p) = self.inode_mut(parent) {
            p.nlink = p.nlink.saturating_add(1);
        }
        self.touch_mc(parent);
        Ok(ino)
    }

    /// Full consistency check (quota accounting, link counts, directory indexes, page
    /// bounds, zeroed page tails). Meant for tests and debug builds; `Err` names the first
    /// violated invariant.
    pub fn check_consistency(&self) -> Result<(), &'static str> {
        let mut bytes = 0u64;
        let mut links: BTreeMap<Ino, u64> = BTreeMap::new();
        let mut subdirs: BTreeMap<Ino, u64> = BTreeMap::new();
        for (&ino, i) in &self.inodes {
            bytes = bytes.saturating_add(INODE_COST);
            match &i.node {
                Node::File(f) => {
                    bytes = bytes.saturating_add((f.pages.len() as u64).saturating_mul(PAGE));
                    f.check()?;
                }
                Node::Symlink(t) => bytes = bytes.saturating_add(t.len() as u64),
                Node::Dir(d) => {
                    bytes = bytes.saturating_add(d.entry_bytes());
                    d.check()?;
                    if i.nlink == 0 && !d.is_empty() {
                        return Err("removed directory has entries");
                    }
                    for e in d.entries() {
                        let child = self
                            .inodes
                            .get(&e.ino)
                            .ok_or("entry points at a freed inode")?;
                        if child.node.kind() != e.kind {
                            return Err("entry kind differs from inode kind");
                        }
                        if let Node::Dir(cd) = &child.node {
                            if cd.parent != ino {
                                return Err("subdirectory parent pointer is wrong");
                            }
                            *subdirs.entry(ino).or_insert(0) += 1;
                            *links.entry(e.ino).or_insert(0) += 1;
                        } else {
                            *links.entry(e.ino).or_insert(0) += 1;
                        }
                    }
                }
            }
        }
        if bytes != self.bytes {
            return Err("charged bytes differ from the recomputed total");
        }
        for (&ino, i) in &self.inodes {
            let named = links.get(&ino).copied().unwrap_or(0);
            match &i.node {
                Node::Dir(_) => {
                    let want = if ino == self.root || named == 1 {
                        2 + subdirs.get(&ino).copied().unwrap_or(0)
                    } else if named == 0 {
                        0
                    } else {
                        return Err("directory has more than one name");
                    };
                    if i.nlink != want {
                        return Err("directory nlink is not 2 + subdirectories");
                    }
                }
                _ => {
                    if i.nlink != named {
                        return Err("nlink differs from the number of entries");
                    }
                }
            }
            if i.nlink == 0 && i.handles == 0 && ino != self.root {
                return Err("unreachable inode was not freed");
            }
        }
        Ok(())
    }
}

/// Allocates one zeroed page, fallibly: the quota bounds the filesystem, not what the
/// rest of the kernel has left, so running out of heap is NOMEM (a short write, or NOSPC
/// for a write that stored nothing), never a kernel panic.
pub(crate) fn new_page() -> Result<Box<[u8; PAGE_SIZE]>, Errno> {
    let mut page = alloc::vec::Vec::new();
    page.try_reserve_exact(PAGE_SIZE)
        .map_err(|_| Errno::NoMem)?;
    page.resize(PAGE_SIZE, 0u8);
    page.into_boxed_slice().try_into().map_err(|_| Errno::NoMem)
}
