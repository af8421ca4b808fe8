//! Namespace operations: open/create, mkdir, rmdir, unlink, symlink, readlink, link,
//! rename, and the ramdisk unpacker's conveniences.

use alloc::string::String;

use crate::dir::Dir;
use crate::file::FileData;
use crate::path::Walk;
use crate::{Errno, FileType, Fs, Ino, Node, OpenOptions, PATH_MAX, dirent_cost};

impl Fs {
    /// Opens (and with `opts.create` creates) `path` relative to directory `dir`,
    /// returning its inode. It does not pin the inode: the caller [`Fs::retain`]s it when
    /// it installs a handle.
    ///
    /// Errors: [`Errno::Exist`] for `create + exclusive` on an existing name (a symlink
    /// included, which is then not followed); [`Errno::NotDir`] for `directory` (or a
    /// trailing slash) on a non-directory; [`Errno::IsDir`] for `truncate` or `create` on a
    /// directory, or `create` with a trailing slash (first, whatever the name); [`Errno::Inval`] for
    /// `create + directory` on a missing name; [`Errno::NoEnt`] for a missing name without
    /// `create` or a missing/removed parent; [`Errno::Loop`] for `create` or `truncate` on
    /// a final symlink that is not followed, and for `directory` on one. A final symlink with `follow == false` and
    /// neither of those flags opens the symlink itself. With `create` and `follow`, a
    /// dangling symlink creates its target (inside the confinement).
    pub fn open(&mut self, dir: Ino, path: &str, opts: OpenOptions) -> Result<Ino, Errno> {
        if opts.create && path.ends_with('/') {
            // As Linux's open(2) and wasmtime: once the parent resolves, before the name
            // itself is looked at (or followed).
            self.walk(dir, path, false)?;
            return Err(Errno::IsDir);
        }
        let excl = opts.create && opts.exclusive;
        let follow = (opts.follow && !excl) || path.ends_with('/');
        match self.walk(dir, path, follow)? {
            Walk::Dir(d) => {
                if excl {
                    return Err(Errno::Exist);
                }
                if opts.truncate || opts.create {
                    return Err(Errno::IsDir);
                }
                Ok(d)
            }
            Walk::Entry {
                ino: Some(ino),
                must_dir,
                ..
            } => {
                if excl {
                    return Err(Errno::Exist);
                }
                match self.kind(ino)? {
                    FileType::Directory => {
                        if opts.truncate || opts.create {
                            return Err(Errno::IsDir);
                        }
                    }
                    FileType::RegularFile => {
                        if opts.directory || must_dir {
                            return Err(Errno::NotDir);
                        }
                        if opts.truncate {
                            self.set_size(ino, 0)?;
                        }
                    }
                    FileType::SymbolicLink => {
                        if must_dir {
                            return Err(Errno::NotDir);
                        }
                        // O_DIRECTORY | O_NOFOLLOW on a symlink is ELOOP in Linux and
                        // wasmtime, as creating or truncating through one is.
                        if opts.directory || opts.create || opts.truncate {
                            return Err(Errno::Loop);
                        }
                    }
                }
                Ok(ino)
            }
            Walk::Entry {
                parent,
                name,
                ino: None,
                must_dir,
            } => {
                if !opts.create {
                    return Err(Errno::NoEnt);
                }
                if must_dir {
                    return Err(Errno::IsDir);
                }
                if opts.directory {
                    return Err(Errno::Inval);
                }
                self.create_node(parent, &name, Node::File(FileData::default()))
            }
        }
    }

    /// Creates directory `path` relative to `dir`. [`Errno::Exist`] if the name exists
    /// (a symlink included, never followed), [`Errno::NoEnt`] if the parent is missing or
    /// removed, [`Errno::NoSpc`] past the quota or inode limit.
    pub fn mkdir(&mut self, dir: Ino, path: &str) -> Result<Ino, Errno> {
        match self.walk(dir, path, false)? {
            Walk::Dir(_) | Walk::Entry { ino: Some(_), .. } => Err(Errno::Exist),
            Walk::Entry {
                parent,
                name,
                ino: None,
                ..
            } => self.create_node(parent, &name, Node::Dir(Dir::new(parent))),
        }
    }

    /// Resolves the final entry of `path` without following it, for removal-like
    /// operations: returns (parent, name, inode). `.`/`..` endings give `on_dot`; a
    /// trailing slash on a non-directory gives [`Errno::NotDir`].
    fn walk_entry(&self, dir: Ino, path: &str, on_dot: Errno) -> Result<(Ino, String, Ino), Errno> {
        match self.walk(dir, path, false)? {
            Walk::Dir(_) => Err(on_dot),
            Walk::Entry { ino: None, .. } => Err(Errno::NoEnt),
            Walk::Entry {
                parent,
                name,
                ino: Some(ino),
                must_dir,
            } => {
                if must_dir && self.kind(ino)? != FileType::Directory {
                    return Err(Errno::NotDir);
                }
                Ok((parent, name, ino))
            }
        }
    }

    /// Removes entry `name` of `parent` (which must exist) and updates the link counts:
    /// the target loses a link (a directory loses all of them, and `parent` its `..`).
    /// The target is freed if nothing else holds it.
    fn detach(&mut self, parent: Ino, name: &str) -> Result<Ino, Errno> {
        let ino = self.dir_mut(parent)?.remove(name).ok_or(Errno::NoEnt)?;
        self.uncharge(dirent_cost(name));
        let is_dir = self.kind(ino)? == FileType::Directory;
        if is_dir && let Ok(p) = self.inode_mut(parent) {
            p.nlink = p.nlink.saturating_sub(1);
        }
        if let Ok(i) = self.inode_mut(ino) {
            i.nlink = if is_dir { 0 } else { i.nlink.saturating_sub(1) };
        }
        self.touch_mc(parent);
        self.touch_c(ino);
        self.maybe_free(ino);
        Ok(ino)
    }

    /// Removes empty directory `path` relative to `dir`. [`Errno::Inval`] for a path ending
    /// in `.` or `..`, [`Errno::NotDir`] for a non-directory, [`Errno::NotEmpty`] if it has
    /// entries. A removed directory that is still retained stays readable but empty, and
    /// nothing can be created in it.
    pub fn rmdir(&mut self, dir: Ino, path: &str) -> Result<(), Errno> {
        if path.ends_with('/') {
            // The errors of following the name come first (an escaping symlink); a
            // symlink, even to a directory, is then NOTDIR, as in Linux's rmdir(2).
            // (wasmtime 50 answers INVAL for any trailing slash: docs/WASI.md.)
            self.lookup(dir, path, true)?;
        }
        let (parent, name, ino) = self.walk_entry(dir, path, Errno::Inval)?;
        match &self.inode(ino)?.node {
            Node::Dir(d) => {
                if !d.is_empty() {
                    return Err(Errno::NotEmpty);
                }
            }
            _ => return Err(Errno::NotDir),
        }
        if ino == self.root() {
            return Err(Errno::Busy);
        }
        self.detach(parent, &name)?;
        Ok(())
    }

    /// Removes the non-directory entry `path` relative to `dir` (a final symlink is removed,
    /// not followed). [`Errno::IsDir`] for a directory. The inode's data survives while it
    /// has other links or is retained.
    pub fn unlink(&mut self, dir: Ino, path: &str) -> Result<(), Errno> {
        if path.ends_with('/') {
            // A trailing slash follows the final symlink and wants a directory, as in
            // Linux's unlink(2) and wasmtime: escapes, NOENT, NOTDIR, then ISDIR.
            self.lookup(dir, path, true)?;
            return Err(Errno::IsDir);
        }
        let (parent, name, ino) = self.walk_entry(dir, path, Errno::IsDir)?;
        if self.kind(ino)? == FileType::Directory {
            return Err(Errno::IsDir);
        }
        self.detach(parent, &name)?;
        Ok(())
    }

    /// Creates symlink `path` (relative to `dir`) pointing at `target`, stored verbatim.
    /// [`Errno::NoEnt`] for an empty target, [`Errno::NameTooLong`] for a target longer
    /// than [`PATH_MAX`], [`Errno::Exist`] if the name exists. Absolute targets may be
    /// created (the unpacker may need them) but always fail to resolve with
    /// [`Errno::NotCapable`]; the WASI layer may reject them up front.
    pub fn symlink(&mut self, target: &str, dir: Ino, path: &str) -> Result<Ino, Errno> {
        if target.len() > PATH_MAX {
            return Err(Errno::NameTooLong);
        }
        if target.is_empty() {
            return Err(Errno::NoEnt);
        }
        if target.contains('\0') {
            return Err(Errno::Inval);
        }
        if path.ends_with('/') {
            // The name, followed, must be a directory (NOTDIR, NOENT), which exists.
            self.lookup(dir, path, true)?;
            return Err(Errno::Exist);
        }
        match self.walk(dir, path, false)? {
            Walk::Dir(_) | Walk::Entry { ino: Some(_), .. } => Err(Errno::Exist),
            Walk::Entry { must_dir: true, .. } => Err(Errno::NoEnt),
            Walk::Entry { parent, name, .. } => {
                self.create_node(parent, &name, Node::Symlink(String::from(target)))
            }
        }
    }

    /// The target of symlink `path` relative to `dir` (the final component is not
    /// followed). [`Errno::Inval`] if it is not a symlink.
    pub fn readlink(&self, dir: Ino, path: &str) -> Result<String, Errno> {
        if path.ends_with('/') {
            // A trailing slash follows the final symlink and wants a directory (NOTDIR,
            // NOENT), which is not a symlink: as Linux's readlink(2) and wasmtime.
            self.lookup(dir, path, true)?;
            return Err(Errno::Inval);
        }
        let ino = match self.walk(dir, path, false)? {
            Walk::Dir(_) => return Err(Errno::Inval),
            Walk::Entry { ino: None, .. } => return Err(Errno::NoEnt),
            Walk::Entry { ino: Some(ino), .. } => ino,
        };
        self.readlink_ino(ino)
    }

    /// The target of symlink inode `ino`. [`Errno::Inval`] if it is not a symlink.
    pub fn readlink_ino(&self, ino: Ino) -> Result<String, Errno> {
        match &self.inode(ino)?.node {
            Node::Symlink(t) => Ok(t.clone()),
            _ => Err(Errno::Inval),
        }
    }

    /// Creates hard link `new_path` (relative to `new_dir`) to the inode named by
    /// `old_path` (relative to `old_dir`; `follow` follows a final symlink, else the
    /// symlink itself is linked). [`Errno::Perm`] for a directory, [`Errno::Exist`] if the
    /// new name exists, [`Errno::NoEnt`] if the new parent is missing or removed.
    pub fn link(
        &mut self,
        old_dir: Ino,
        old_path: &str,
        follow: bool,
        new_dir: Ino,
        new_path: &str,
    ) -> Result<(), Errno> {
        // Both paths are walked (escapes, missing parents) before the old name is looked
        // at, and the new name before the old one's kind, as in wasmtime (and Linux's
        // linkat(2)): `link(missing, ../x)` is an escape, `link(dir, existing)` EXIST.
        if old_path.ends_with('/') {
            // A trailing slash makes the old name resolve in full first (NOENT, NOTDIR).
            self.lookup(old_dir, old_path, true)?;
        }
        let old = self.walk(old_dir, old_path, follow || old_path.ends_with('/'))?;
        if new_path.ends_with('/') {
            // Resolves (NOENT, NOTDIR) or names a directory, which exists — once the old
            // name is known to exist.
            self.lookup(new_dir, new_path, true)?;
            self.walked_to(old)?;
            return Err(Errno::Exist);
        }
        let new = self.walk(new_dir, new_path, false)?;
        let ino = self.walked_to(old)?;
        let (parent, name) = match new {
            Walk::Dir(_) | Walk::Entry { ino: Some(_), .. } => return Err(Errno::Exist),
            Walk::Entry { must_dir: true, .. } => return Err(Errno::NoEnt),
            Walk::Entry { parent, name, .. } => (parent, name),
        };
        let kind = self.kind(ino)?;
        if kind == FileType::Directory {
            return Err(Errno::Perm);
        }
        self.check_writable(ino)?;
        if self.inode(parent)?.nlink == 0 {
            return Err(Errno::NoEnt);
        }
        let nlink = self.inode(ino)?.nlink.checked_add(1).ok_or(Errno::MLink)?;
        let cost = dirent_cost(&name);
        self.check_bytes(cost)?;
        self.dir_mut(parent)?.insert(&name, ino, kind)?;
        self.charge(cost);
        self.inode_mut(ino)?.nlink = nlink;
        self.touch_c(ino);
        self.touch_mc(parent);
        Ok(())
    }

    /// Renames `old_path` (relative to `old_dir`) to `new_path` (relative to `new_dir`),
    /// with POSIX semantics; neither final component is followed.
    ///
    /// An existing non-directory target is replaced by a non-directory; an existing empty
    /// directory by a directory. Errors: [`Errno::NotEmpty`] (directory over a non-empty
    /// directory), [`Errno::IsDir`] (non-directory over a directory), [`Errno::NotDir`]
    /// (directory over a non-directory, or a trailing slash on a non-directory),
    /// [`Errno::Inval`] (a directory into itself or a descendant), [`Errno::Busy`] (either
    /// path ends in `.` or `..`), [`Errno::NoEnt`] (source missing, or target parent
    /// removed). Renaming onto the same inode (the same entry or another hard link to it)
    /// does nothing. The moved entry gets a new readdir cookie.
    pub fn rename(
        &mut self,
        old_dir: Ino,
        old_path: &str,
        new_dir: Ino,
        new_path: &str,
    ) -> Result<(), Errno> {
        // Both paths are resolved (escapes, missing parents) before either name is looked
        // at, then `.`/`..` endings (BUSY), then the source: the order of Linux's
        // renameat(2) and wasmtime.
        let old = self.walk(old_dir, old_path, false)?;
        let new = self.walk(new_dir, new_path, false)?;
        if matches!(old, Walk::Dir(_)) || matches!(new, Walk::Dir(_)) {
            return Err(Errno::Busy);
        }
        let (old_parent, old_name, src) = match old {
            Walk::Dir(_) | Walk::Entry { ino: None, .. } => return Err(Errno::NoEnt),
            Walk::Entry {
                parent,
                name,
                ino: Some(ino),
                must_dir,
            } => {
                if must_dir && self.kind(ino)? != FileType::Directory {
                    return Err(Errno::NotDir);
                }
                (parent, name, ino)
            }
        };
        let (new_parent, new_name, dst) = match new {
            Walk::Dir(_) => return Err(Errno::Busy),
            Walk::Entry {
                parent,
                name,
                ino,
                must_dir,
            } => {
                if must_dir && self.kind(src)? != FileType::Directory {
                    return Err(Errno::NotDir);
                }
                (parent, name, ino)
            }
        };
        if dst == Some(src) {
            return Ok(());
        }
        // Both directories change: check them before the first change.
        self.check_writable(old_parent)?;
        self.check_writable(new_parent)?;
        self.check_writable(src)?;
        if self.inode(new_parent)?.nlink == 0 {
            return Err(Errno::NoEnt);
        }
        let src_is_dir = self.kind(src)? == FileType::Directory;
        if src_is_dir {
            // new_parent must not be src or one of its descendants.
            let mut cur = new_parent;
            let mut steps = 0usize;
            loop {
                if cur == src {
                    return Err(Errno::Inval);
                }
                let up = self.dir(cur)?.parent;
                if up == cur || steps > self.inodes.len() {
                    break;
                }
                cur = up;
                steps += 1;
            }
        }
        if let Some(d) = dst {
            // A target that is an ancestor of the source is NOTEMPTY (it holds the
            // source) before its kind is looked at, as in Linux's renameat(2) and
            // wasmtime: `rename(d/x, d)` is NOTEMPTY, not ISDIR.
            let mut cur = old_parent;
            let mut steps = 0usize;
            loop {
                if cur == d {
                    return Err(Errno::NotEmpty);
                }
                let up = self.dir(cur)?.parent;
                if up == cur || steps > self.inodes.len() {
                    break;
                }
                cur = up;
                steps += 1;
            }
            match (&self.inode(d)?.node, src_is_dir) {
                (Node::Dir(dd), true) => {
                    if !dd.is_empty() {
                        return Err(Errno::NotEmpty);
                    }
                }
                (Node::Dir(_), false) => return Err(Errno::IsDir),
                (_, true) => return Err(Errno::NotDir),
                (_, false) => {}
            }
        } else {
            let new_cost = dirent_cost(&new_name);
            let old_cost = dirent_cost(&old_name);
            if new_cost > old_cost {
                self.check_bytes(new_cost - old_cost)?;
            }
            if !self.dir(new_parent)?.can_insert() {
                return Err(Errno::NoSpc);
            }
        }
        if dst.is_some() && !self.dir(new_parent)?.can_insert() {
            return Err(Errno::NoSpc);
        }
        // All checks passed: no step below can fail.
        let kind = self.kind(src)?;
        if dst.is_some() {
            self.detach(new_parent, &new_name)?;
        }
        self.dir_mut(old_parent)?.remove(&old_name);
        self.uncharge(dirent_cost(&old_name));
        self.dir_mut(new_parent)?.insert(&new_name, src, kind)?;
        self.charge(dirent_cost(&new_name));
        if src_is_dir && old_parent != new_parent {
            if let Ok(p) = self.inode_mut(old_parent) {
                p.nlink = p.nlink.saturating_sub(1);
            }
            if let Ok(p) = self.inode_mut(new_parent) {
                p.nlink = p.nlink.saturating_add(1);
            }
            self.dir_mut(src)?.parent = new_parent;
        }
        self.touch_mc(old_parent);
        self.touch_mc(new_parent);
        self.touch_c(src);
        Ok(())
    }

    /// `mkdir -p`: creates every missing directory along `path` (relative to `dir`) and
    /// returns the last one. Existing directories (and symlinks to directories) are
    /// reused; a non-directory along the way gives [`Errno::NotDir`]. Not atomic: on error
    /// the directories created so far remain.
    pub fn create_path_all(&mut self, dir: Ino, path: &str) -> Result<Ino, Errno> {
        if path.len() > PATH_MAX {
            return Err(Errno::NameTooLong);
        }
        if path.starts_with('/') {
            return Err(Errno::NotCapable);
        }
        let mut cur = dir;
        self.dir(dir)?;
        let ends = path
            .match_indices('/')
            .map(|(i, _)| i)
            .chain(core::iter::once(path.len()));
        for end in ends {
            let prefix = path.get(..end).ok_or(Errno::Inval)?;
            let last = prefix.rsplit('/').next().unwrap_or("");
            if prefix.is_empty() || last.is_empty() || last == "." {
                continue;
            }
            cur = match self.lookup(dir, prefix, true) {
                Ok(ino) => {
                    if self.kind(ino)? != FileType::Directory {
                        return Err(Errno::NotDir);
                    }
                    ino
                }
                Err(Errno::NoEnt) => self.mkdir(dir, prefix)?,
                Err(e) => return Err(e),
            };
        }
        Ok(cur)
    }

    /// Creates (or truncates) regular file `path` relative to `dir` holding `data`,
    /// creating missing parent directories first, following symlinks. Returns its inode.
    /// [`Errno::NoSpc`] / [`Errno::FBig`] if the data does not fit; the file then remains
    /// with whatever part was written.
    pub fn write_file(&mut self, dir: Ino, path: &str, data: &[u8]) -> Result<Ino, Errno> {
        if (data.len() as u64) > self.limits.max_file_size {
            return Err(Errno::FBig);
        }
        if let Some((parent, _)) = path.rsplit_once('/')
            && !parent.is_empty()
        {
            self.create_path_all(dir, parent)?;
        }
        let ino = self.open(
            dir,
            path,
            OpenOptions {
                create: true,
                truncate: true,
                follow: true,
                ..OpenOptions::default()
            },
        )?;
        if self.kind(ino)? != FileType::RegularFile {
            return Err(Errno::IsDir);
        }
        let mut done = 0usize;
        while done < data.len() {
            let rest = data.get(done..).ok_or(Errno::Inval)?;
            let n = self.write(ino, done as u64, rest)?;
            if n == 0 {
                return Err(Errno::NoSpc);
            }
            done = done.saturating_add(n);
        }
        Ok(ino)
    }
}
