//! Directories: entries indexed by name and by insertion sequence number, and `readdir`.
//!
//! Cookies: 0 is `.`, 1 is `..`, and every entry gets a sequence number (from 2 up, never
//! reused within its directory) that is its cookie. Reading from cookie `c` returns the
//! entries whose cookie is `>= c`, so a cookie stays meaningful while other entries come
//! and go, and an entry renamed within its directory moves to the end.

use alloc::collections::BTreeMap;
use alloc::collections::btree_map;
use alloc::string::String;
use alloc::vec::Vec;

use crate::{Errno, FileType, Fs, Ino, dirent_cost};

/// First cookie used for real entries.
const FIRST_SEQ: u64 = 2;

/// One directory entry as returned by [`Fs::readdir`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// Cookie to pass to continue reading after this entry (WASI `d_next`).
    pub next: u64,
    /// The entry's inode.
    pub ino: Ino,
    /// The entry's kind.
    pub kind: FileType,
    /// The entry's name.
    pub name: String,
}

pub(crate) struct Entry {
    pub(crate) name: String,
    pub(crate) ino: Ino,
    pub(crate) kind: FileType,
}

pub(crate) struct Dir {
    /// The directory holding this one (itself for the root). Stale once removed.
    pub(crate) parent: Ino,
    by_name: BTreeMap<String, u64>,
    by_seq: BTreeMap<u64, Entry>,
    next_seq: u64,
    /// Sum of [`dirent_cost`] over the entries.
    bytes: u64,
}

impl Dir {
    pub(crate) fn new(parent: Ino) -> Dir {
        Dir {
            parent,
            by_name: BTreeMap::new(),
            by_seq: BTreeMap::new(),
            next_seq: FIRST_SEQ,
            bytes: 0,
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<Ino> {
        let seq = self.by_name.get(name)?;
        self.by_seq.get(seq).map(|e| e.ino)
    }

    pub(crate) fn len(&self) -> usize {
        self.by_name.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    pub(crate) fn entry_bytes(&self) -> u64 {
        self.bytes
    }

    pub(crate) fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.by_seq.values()
    }

    /// Adds an entry; the caller has checked that `name` is absent and charged nothing yet
    /// (the caller charges [`dirent_cost`]). Fails only when sequence numbers run out.
    pub(crate) fn insert(&mut self, name: &str, ino: Ino, kind: FileType) -> Result<(), Errno> {
        if self.by_name.contains_key(name) {
            return Err(Errno::Exist);
        }
        let seq = self.next_seq;
        self.next_seq = seq.checked_add(1).ok_or(Errno::NoSpc)?;
        self.by_name.insert(String::from(name), seq);
        self.by_seq.insert(
            seq,
            Entry {
                name: String::from(name),
                ino,
                kind,
            },
        );
        self.bytes = self.bytes.saturating_add(dirent_cost(name));
        Ok(())
    }

    /// Removes entry `name`, returning its inode (the caller uncharges [`dirent_cost`]).
    pub(crate) fn remove(&mut self, name: &str) -> Option<Ino> {
        let seq = self.by_name.remove(name)?;
        let e = self.by_seq.remove(&seq)?;
        self.bytes = self.bytes.saturating_sub(dirent_cost(name));
        Some(e.ino)
    }

    /// Whether one more insertion is possible (sequence numbers left).
    pub(crate) fn can_insert(&self) -> bool {
        self.next_seq < u64::MAX
    }

    pub(crate) fn check(&self) -> Result<(), &'static str> {
        if self.by_name.len() != self.by_seq.len() {
            return Err("directory indexes differ in size");
        }
        let mut bytes = 0u64;
        for (name, seq) in &self.by_name {
            let e = self
                .by_seq
                .get(seq)
                .ok_or("name index points at a missing entry")?;
            if &e.name != name {
                return Err("name index disagrees with entry name");
            }
            if *seq >= self.next_seq || *seq < FIRST_SEQ {
                return Err("sequence number out of range");
            }
            bytes = bytes.saturating_add(dirent_cost(name));
        }
        if bytes != self.bytes {
            return Err("directory entry bytes are wrong");
        }
        Ok(())
    }
}

/// Iterator over a directory's entries from a cookie on; see [`Fs::readdir_iter`].
pub struct ReadDir<'a> {
    dot: Option<DirEntry>,
    dotdot: Option<DirEntry>,
    rest: btree_map::Range<'a, u64, Entry>,
}

impl core::fmt::Debug for ReadDir<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ReadDir").finish_non_exhaustive()
    }
}

impl Iterator for ReadDir<'_> {
    type Item = DirEntry;

    fn next(&mut self) -> Option<DirEntry> {
        if let Some(d) = self.dot.take() {
            return Some(d);
        }
        if let Some(d) = self.dotdot.take() {
            return Some(d);
        }
        let (&seq, e) = self.rest.next()?;
        Some(DirEntry {
            next: seq.saturating_add(1),
            ino: e.ino,
            kind: e.kind,
            name: e.name.clone(),
        })
    }
}

impl Fs {
    /// Lazily iterates the entries of directory `dir_ino` starting at `cookie` (0 = `.`,
    /// 1 = `..`, then entries in insertion order), so the caller can stop once its buffer
    /// is full. `..` of the root (and of a removed directory) is the directory itself.
    /// Does not update the access time.
    pub fn readdir_iter(&self, dir_ino: Ino, cookie: u64) -> Result<ReadDir<'_>, Errno> {
        let d = self.dir(dir_ino)?;
        let parent = if self.dir(d.parent).is_ok() {
            d.parent
        } else {
            dir_ino
        };
        let dot = (cookie == 0).then(|| DirEntry {
            next: 1,
            ino: dir_ino,
            kind: FileType::Directory,
            name: String::from("."),
        });
        let dotdot = (cookie <= 1).then(|| DirEntry {
            next: FIRST_SEQ,
            ino: parent,
            kind: FileType::Directory,
            name: String::from(".."),
        });
        Ok(ReadDir {
            dot,
            dotdot,
            rest: d.by_seq.range(cookie.max(FIRST_SEQ)..),
        })
    }

    /// All entries of directory `dir_ino` from `cookie` on (see [`Fs::readdir_iter`]).
    pub fn readdir(&self, dir_ino: Ino, cookie: u64) -> Result<Vec<DirEntry>, Errno> {
        Ok(self.readdir_iter(dir_ino, cookie)?.collect())
    }

    /// At most `max` entries of directory `dir_ino` from `cookie` on.
    pub fn readdir_max(
        &self,
        dir_ino: Ino,
        cookie: u64,
        max: usize,
    ) -> Result<Vec<DirEntry>, Errno> {
        Ok(self.readdir_iter(dir_ino, cookie)?.take(max).collect())
    }
}
