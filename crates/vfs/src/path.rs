//! Capability-confined path resolution.
//!
//! A path is walked component by component from a starting directory, keeping the stack of
//! directories walked so far: `..` pops it, and popping the starting directory itself is
//! an escape ([`Errno::NotCapable`]), as is an absolute path or absolute symlink target.
//! Relative symlink targets are spliced into the remaining components and resolved from
//! the symlink's directory (the top of the stack), under the same confinement.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use crate::{Errno, Fs, Ino, NAME_MAX, Node, PATH_MAX, SYMLOOP_MAX};

/// Where a path walk ended.
#[derive(Debug)]
pub(crate) enum Walk {
    /// The path ended in `.` or `..` (or a symlink to them): a directory, with no name in
    /// a parent that the caller could create or remove.
    Dir(Ino),
    /// The path ended in a name inside directory `parent`; `ino` is `None` if that name is
    /// absent. `must_dir` is set by a trailing slash (on the path or on a final symlink's
    /// target).
    Entry {
        parent: Ino,
        name: String,
        ino: Option<Ino>,
        must_dir: bool,
    },
}

/// Validates one path component or entry name.
pub(crate) fn check_name(name: &str) -> Result<(), Errno> {
    if name.len() > NAME_MAX {
        return Err(Errno::NameTooLong);
    }
    if name.is_empty() || name == "." || name == ".." || name.contains('/') {
        return Err(Errno::Inval);
    }
    if name.contains('\0') {
        return Err(Errno::Inval);
    }
    Ok(())
}

impl Fs {
    /// Resolves `path` from directory `dir`. A final symlink is followed only if `follow`;
    /// symlinks in the middle always are.
    pub(crate) fn walk(&self, dir: Ino, path: &str, follow: bool) -> Result<Walk, Errno> {
        if path.len() > PATH_MAX {
            return Err(Errno::NameTooLong);
        }
        if path.is_empty() {
            return Err(Errno::NoEnt);
        }
        if path.starts_with('/') {
            return Err(Errno::NotCapable);
        }
        self.dir(dir)?;
        let mut stack: Vec<Ino> = vec![dir];
        let mut pending: Vec<&str> = path.split('/').rev().filter(|c| !c.is_empty()).collect();
        let mut must_dir = path.ends_with('/');
        let mut expansions: u32 = 0;
        loop {
            let top = *stack.last().ok_or(Errno::NotCapable)?;
            let Some(comp) = pending.pop() else {
                return Ok(Walk::Dir(top));
            };
            let is_last = pending.is_empty();
            match comp {
                "." => continue,
                ".." => {
                    stack.pop();
                    if stack.is_empty() {
                        return Err(Errno::NotCapable);
                    }
                    continue;
                }
                name => {
                    check_name(name)?;
                    let Some(child) = self.dir(top)?.get(name) else {
                        if is_last {
                            return Ok(Walk::Entry {
                                parent: top,
                                name: String::from(name),
                                ino: None,
                                must_dir,
                            });
                        }
                        return Err(Errno::NoEnt);
                    };
                    let entry = Walk::Entry {
                        parent: top,
                        name: String::from(name),
                        ino: Some(child),
                        must_dir,
                    };
                    match &self.inode(child)?.node {
                        Node::Dir(_) => {
                            if is_last {
                                return Ok(entry);
                            }
                            stack.push(child);
                        }
                        Node::File(_) => {
                            if is_last {
                                return Ok(entry);
                            }
                            return Err(Errno::NotDir);
                        }
                        Node::Symlink(target) => {
                            if is_last && !follow {
                                return Ok(entry);
                            }
                            expansions += 1;
                            if expansions > SYMLOOP_MAX {
                                return Err(Errno::Loop);
                            }
                            if target.starts_with('/') {
                                return Err(Errno::NotCapable);
                            }
                            if target.is_empty() {
                                return Err(Errno::NoEnt);
                            }
                            if is_last && target.ends_with('/') {
                                must_dir = true;
                            }
                            pending.extend(target.split('/').rev().filter(|c| !c.is_empty()));
                        }
                    }
                }
            }
        }
    }

    /// Resolves `path` from directory `dir` to an inode. `follow` follows a final symlink
    /// (a trailing slash always does, and then requires a directory).
    pub fn lookup(&self, dir: Ino, path: &str, follow: bool) -> Result<Ino, Errno> {
        let walk = self.walk(dir, path, follow || path.ends_with('/'))?;
        self.walked_to(walk)
    }

    /// The inode a walk (made as [`Fs::lookup`] makes it) ended at: NOENT if absent,
    /// NOTDIR if a trailing slash wants a directory and it is none.
    pub(crate) fn walked_to(&self, walk: Walk) -> Result<Ino, Errno> {
        match walk {
            Walk::Dir(d) => Ok(d),
            Walk::Entry { ino: None, .. } => Err(Errno::NoEnt),
            Walk::Entry {
                ino: Some(ino),
                must_dir,
                ..
            } => {
                if must_dir && self.dir(ino).is_err() {
                    return Err(Errno::NotDir);
                }
                Ok(ino)
            }
        }
    }
}
