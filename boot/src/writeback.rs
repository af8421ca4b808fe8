//! `run --dir` writing through: when the program has ended, the kernel sends each
//! writable `--dir` back (the stream of `rootfs::export`, on COM4), and this module makes
//! the host directory match it — new and changed files written, files the program removed
//! removed. Only what was copied in can be removed (the [`manifest`] taken before boot),
//! so a file that was never in the VM is never touched. Nothing follows a symlink on the
//! host: a symlink where the VM has a directory or file is replaced, not written through.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, bail};
use rootfs::export::{Entry, Exported};

/// The relative paths of every directory, file and symlink under `host`, as they are
/// copied into the VM (other kinds of file are not copied).
pub fn manifest(host: &Path) -> Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    let mut stack = vec![(host.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = stack.pop() {
        for e in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
            let e = e?;
            let Ok(name) = e.file_name().into_string() else {
                continue;
            };
            let rel = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            let meta = std::fs::symlink_metadata(e.path())?;
            if meta.is_dir() {
                stack.push((e.path(), rel.clone()));
            } else if !(meta.is_file() || meta.is_symlink()) {
                continue;
            }
            out.insert(rel);
        }
    }
    Ok(out)
}

/// What [`apply`] changed, and what it could not.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Applied {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
    /// One line per entry left as it was on the host, and why.
    pub errors: Vec<String>,
}

/// A relative path from the stream, refused unless every component is a plain name.
fn checked(host: &Path, rel: &str) -> Result<PathBuf> {
    let p = Path::new(rel);
    if rel.is_empty() || !p.components().all(|c| matches!(c, Component::Normal(_))) {
        bail!("refusing path {rel:?} from the VM");
    }
    Ok(host.join(p))
}

/// The kinds an entry can have on the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Dir,
    File,
    Symlink,
}

fn kind_at(path: &Path) -> Option<Kind> {
    let m = std::fs::symlink_metadata(path).ok()?;
    Some(if m.is_dir() {
        Kind::Dir
    } else if m.is_symlink() {
        Kind::Symlink
    } else if m.is_file() {
        Kind::File
    } else {
        // A FIFO, socket or device: never copied in, never touched.
        return None;
    })
}

/// Removes what was copied in at `rel` (a file or symlink, or a directory once empty).
/// Ok(false) when a directory still holds something that was not copied in.
fn remove_ours(path: &Path) -> std::io::Result<bool> {
    match kind_at(path) {
        None => Ok(true),
        Some(Kind::Dir) => match std::fs::remove_dir(path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::DirectoryNotEmpty => Ok(false),
            Err(e) => Err(e),
        },
        Some(_) => std::fs::remove_file(path).map(|()| true),
    }
}

/// Makes room for an entry of `want` kind at `path`: what is there already of another
/// kind goes only if it was copied in (`ours`).
fn make_room(path: &Path, want: Kind, ours: bool) -> Result<()> {
    match kind_at(path) {
        None => {
            if std::fs::symlink_metadata(path).is_ok() {
                bail!("{}: a special file is there on the host", path.display());
            }
            Ok(())
        }
        Some(k) if k == want && k != Kind::Symlink => Ok(()),
        Some(_) if !ours => bail!("{}: appeared on the host during the run", path.display()),
        Some(_) => match remove_ours(path)? {
            true => Ok(()),
            false => bail!("{}: holds files the VM never had", path.display()),
        },
    }
}

/// Writes `data` to `path` through a temporary file in the same directory renamed over it,
/// so a crash never leaves it half written and a hard link elsewhere is not written through.
fn write_file(path: &Path, data: &[u8]) -> Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = path.with_file_name(format!(".{name}.wasmkernel-{}", std::process::id()));
    std::fs::write(&tmp, data).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
}

/// Makes `host` match `exported`, removing only paths in `before` (its [`manifest`]).
/// Every entry is tried; what fails is listed in [`Applied::errors`] and left as it was.
pub fn apply(host: &Path, before: &BTreeSet<String>, exported: &Exported) -> Applied {
    let mut done = Applied::default();
    let listed: BTreeSet<&str> = exported.entries.iter().map(entry_path).collect();
    // Removals first, children before their parents; a directory that still holds
    // something that was never copied in stays.
    for rel in before.iter().rev() {
        if listed.contains(rel.as_str()) {
            continue;
        }
        let Ok(path) = checked(host, rel) else {
            continue;
        };
        match remove_ours(&path) {
            Ok(true) => done.removed += 1,
            Ok(false) => {}
            Err(e) => done
                .errors
                .push(format!("removing {}: {e}", path.display())),
        }
    }
    // Then the entries, parents first (the stream's order); an entry whose parent is not
    // a directory written here is refused, so nothing is written through a host symlink.
    let mut dirs: BTreeSet<String> = BTreeSet::new();
    for entry in &exported.entries {
        let rel = entry_path(entry);
        let result = (|| -> Result<bool> {
            let path = checked(host, rel)?;
            if let Some((parent, _)) = rel.rsplit_once('/')
                && !dirs.contains(parent)
            {
                bail!("{}: its directory was not written back", path.display());
            }
            let ours = before.contains(rel);
            match entry {
                Entry::Dir(_) => {
                    make_room(&path, Kind::Dir, ours)?;
                    if kind_at(&path) != Some(Kind::Dir) {
                        std::fs::create_dir(&path)
                            .with_context(|| format!("creating {}", path.display()))?;
                    }
                    dirs.insert(rel.to_string());
                    Ok(false)
                }
                Entry::Unchanged(_) => Ok(false),
                Entry::File(_, data) => {
                    if kind_at(&path) == Some(Kind::File)
                        && std::fs::read(&path).is_ok_and(|old| old == *data)
                    {
                        return Ok(false);
                    }
                    make_room(&path, Kind::File, ours)?;
                    write_file(&path, data)?;
                    Ok(true)
                }
                Entry::Symlink(_, target) => {
                    if std::fs::read_link(&path).is_ok_and(|t| t == Path::new(target)) {
                        return Ok(false);
                    }
                    make_room(&path, Kind::Symlink, ours)?;
                    std::os::unix::fs::symlink(target, &path)
                        .with_context(|| format!("linking {}", path.display()))?;
                    Ok(true)
                }
            }
        })();
        match result {
            Ok(true) => done.written += 1,
            Ok(false) if !matches!(entry, Entry::Dir(_)) => done.unchanged += 1,
            Ok(false) => {}
            Err(e) => done.errors.push(format!("{e:#}")),
        }
    }
    done
}

fn entry_path(e: &Entry) -> &str {
    match e {
        Entry::Dir(p) | Entry::Unchanged(p) | Entry::File(p, _) | Entry::Symlink(p, _) => p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_changed_and_removed_files_reach_the_host() {
        let tmp = tempfile::tempdir().unwrap();
        let host = tmp.path();
        std::fs::write(host.join("keep.txt"), "same").unwrap();
        std::fs::write(host.join("edit.txt"), "old").unwrap();
        std::fs::write(host.join("gone.txt"), "bye").unwrap();
        std::fs::create_dir(host.join("olddir")).unwrap();
        std::fs::write(host.join("olddir/f"), "x").unwrap();
        let before = manifest(host).unwrap();
        // Appeared on the host during the run: not ours to remove.
        std::fs::write(host.join("host-only.txt"), "mine").unwrap();
        let exported = Exported {
            guest: "/data".into(),
            entries: vec![
                Entry::Unchanged("keep.txt".into()),
                Entry::File("edit.txt".into(), b"new".to_vec()),
                Entry::Dir("sub".into()),
                Entry::File("sub/made.txt".into(), b"made".to_vec()),
                Entry::Symlink("ln".into(), "keep.txt".into()),
            ],
        };
        let done = apply(host, &before, &exported);
        assert_eq!(
            done,
            Applied {
                written: 3,
                unchanged: 1,
                removed: 3,
                errors: Vec::new(),
            }
        );
        assert_eq!(
            std::fs::read_to_string(host.join("edit.txt")).unwrap(),
            "new"
        );
        assert_eq!(
            std::fs::read_to_string(host.join("sub/made.txt")).unwrap(),
            "made"
        );
        assert_eq!(
            std::fs::read_link(host.join("ln")).unwrap(),
            Path::new("keep.txt")
        );
        assert!(!host.join("gone.txt").exists() && !host.join("olddir").exists());
        assert!(host.join("host-only.txt").exists());
    }

    #[test]
    fn host_symlinks_are_replaced_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let host = tmp.path();
        std::os::unix::fs::symlink(outside.path(), host.join("evil")).unwrap();
        let before = manifest(host).unwrap();
        let exported = Exported {
            guest: "/d".into(),
            entries: vec![
                Entry::Dir("evil".into()),
                Entry::File("evil/x".into(), b"x".to_vec()),
            ],
        };
        let done = apply(host, &before, &exported);
        assert!(done.errors.is_empty(), "{:?}", done.errors);
        assert!(host.join("evil").is_dir() && !host.join("evil").is_symlink());
        assert!(
            !outside.path().join("x").exists(),
            "wrote through a host symlink"
        );
        let bad = Exported {
            guest: "/d".into(),
            entries: vec![Entry::File("../escape".into(), vec![])],
        };
        assert_eq!(apply(host, &before, &bad).errors.len(), 1);
        // A file whose directory was not in the stream is not written (the host may have
        // put a symlink there).
        let orphan = Exported {
            guest: "/d".into(),
            entries: vec![Entry::File("nodir/x".into(), vec![])],
        };
        std::os::unix::fs::symlink(outside.path(), host.join("nodir")).unwrap();
        assert_eq!(apply(host, &before, &orphan).errors.len(), 1);
        assert!(!outside.path().join("x").exists());
    }

    #[test]
    fn what_appeared_on_the_host_meanwhile_is_left_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let host = tmp.path();
        std::fs::create_dir(host.join("d")).unwrap();
        std::fs::write(host.join("d/old"), "x").unwrap();
        let before = manifest(host).unwrap();
        std::fs::write(host.join("d/new-on-host"), "mine").unwrap();
        std::fs::write(host.join("clash"), "mine").unwrap();
        // The VM removed d (and d/old) and made a directory `clash`.
        let exported = Exported {
            guest: "/x".into(),
            entries: vec![Entry::Dir("clash".into())],
        };
        let done = apply(host, &before, &exported);
        assert!(!host.join("d/old").exists(), "removed in the VM");
        assert!(host.join("d/new-on-host").exists(), "never in the VM");
        assert_eq!(std::fs::read_to_string(host.join("clash")).unwrap(), "mine");
        assert_eq!(done.errors.len(), 1, "{:?}", done.errors);
    }
}
