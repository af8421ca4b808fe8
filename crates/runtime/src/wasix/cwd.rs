//! `getcwd` and `chdir`: each process has a working directory, an absolute path inside its
//! root (the real `/`, or the directory it was chrooted to).

use alloc::string::String;
use alloc::vec::Vec;

use abi::Errno;

use crate::sys::{Cx, SysResult};

/// The inode at absolute path `abs` inside `root` (`/` is `root` itself).
pub fn lookup_abs(fs: &vfs::Fs, root: vfs::Ino, abs: &str) -> Result<vfs::Ino, Errno> {
    let rel = abs.trim_start_matches('/');
    if rel.is_empty() {
        Ok(root)
    } else {
        fs.lookup(root, rel, true)
    }
}

/// Joins `path` onto `cwd` and removes `.`, `..` and empty components; `..` at the root
/// stays at the root (as on Unix, which is also what keeps a chroot closed). A path or
/// working directory longer than `PATH_MAX` is NAMETOOLONG, decided before anything is
/// built: the component list costs ~8 bytes per byte of path.
pub fn absolute(cwd: &str, path: &str) -> Result<String, Errno> {
    if path.len() > vfs::PATH_MAX || cwd.len() > vfs::PATH_MAX + 1 {
        return Err(Errno::NameTooLong);
    }
    let mut parts: Vec<&str> = Vec::new();
    let start = if path.starts_with('/') { "" } else { cwd };
    for c in start.split('/').chain(path.split('/')) {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    let mut out = String::from("/");
    out.push_str(&parts.join("/"));
    Ok(out)
}

pub fn getcwd(cx: &mut Cx<'_>, buf: i32, len: i32) -> SysResult {
    let cap = cx.mem.read_u32(len as u32)?;
    let cwd = cx.proc.cwd.as_bytes();
    let need = u32::try_from(cwd.len()).map_err(|_| Errno::NameTooLong)?;
    if need.saturating_add(1) > cap {
        cx.mem.write_u32(len as u32, need + 1)?;
        return Err(Errno::Range.into());
    }
    let mut with_nul = Vec::with_capacity(cwd.len() + 1);
    with_nul.extend_from_slice(cwd);
    with_nul.push(0);
    cx.mem.write(buf as u32, &with_nul)?;
    cx.mem.write_u32(len as u32, need)?;
    Ok(())
}

pub fn chdir(cx: &mut Cx<'_>, path: i32, len: i32) -> SysResult {
    let path = cx.mem.str(path as u32, len as u32)?;
    if path.is_empty() {
        return Err(Errno::NoEnt.into());
    }
    let target = absolute(&cx.proc.cwd, path)?;
    let ino = lookup_abs(&cx.sys.fs, cx.proc.root, &target)?;
    if cx.sys.fs.kind(ino)? != vfs::FileType::Directory {
        return Err(Errno::NotDir.into());
    }
    cx.proc.cwd = target;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::absolute;

    #[test]
    fn normalises_and_clamps_at_root() {
        assert_eq!(absolute("/", "tmp").unwrap(), "/tmp");
        assert_eq!(absolute("/a/b", "../c/./d/").unwrap(), "/a/c/d");
        assert_eq!(absolute("/a", "/x/../../..").unwrap(), "/");
        assert_eq!(absolute("/a/b", "").unwrap(), "/a/b");
    }

    #[test]
    fn refuses_a_path_longer_than_path_max_before_building_it() {
        let long = "a/".repeat(vfs::PATH_MAX / 2 + 1);
        assert_eq!(absolute("/", &long), Err(abi::Errno::NameTooLong));
        let ok = "a/".repeat(vfs::PATH_MAX / 2);
        assert_eq!(absolute("/", &ok).map(|p| p.len()), Ok(vfs::PATH_MAX));
    }
}
