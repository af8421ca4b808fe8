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

/// What [`apply`] changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Applied {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// A relative path from the stream, refused unless every component is a plain name.
fn checked(host: &Path, rel: &str) -> Result<PathBuf> {
    let p = Path::new(rel);
    if rel.is_empty() || !p.components().all(|c| matches!(c, Component::Normal(_))) {
        bail!("refusing path {rel:?} from the VM");
    }
    Ok(host.join(p))
}

/// Removes whatever is at `path` (not following a symlink), if anything.
fn clear(path: &Path) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path)?,
        Ok(_) => std::fs::remove_file(path)?,
        Err(_) => {}
    }
    Ok(())
}

/// Makes `host` match `exported`, removing only paths in `before` (its [`manifest`]).
pub fn apply(host: &Path, before: &BTreeSet<String>, exported: &Exported) -> Result<Applied> {
    let mut done = Applied::default();
    let mut present = BTreeSet::new();
    for entry in &exported.entries {
        match entry {
            Entry::Dir(rel) => {
                let path = checked(host, rel)?;
                if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
                    clear(&path)?;
                    std::fs::create_dir(&path)
                        .with_context(|| format!("creating {}", path.display()))?;
                }
                present.insert(rel.clone());
            }
            Entry::Unchanged(rel) => {
                checked(host, rel)?;
                done.unchanged += 1;
                present.insert(rel.clone());
            }
            Entry::File(rel, data) => {
                let path = checked(host, rel)?;
                let same = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file())
                    && std::fs::read(&path).is_ok_and(|old| old == *data);
                if same {
                    done.unchanged += 1;
                } else {
                    if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                        clear(&path)?;
                    }
                    std::fs::write(&path, data)
                        .with_context(|| format!("writing {}", path.display()))?;
                    done.written += 1;
                }
                present.insert(rel.clone());
            }
            Entry::Symlink(rel, target) => {
                let path = checked(host, rel)?;
                let same = std::fs::read_link(&path).is_ok_and(|t| t == Path::new(target));
                if same {
                    done.unchanged += 1;
                } else {
                    clear(&path)?;
                    std::os::unix::fs::symlink(target, &path)
                        .with_context(|| format!("linking {}", path.display()))?;
                    done.written += 1;
                }
                present.insert(rel.clone());
            }
        }
    }
    // Children before their parents.
    for rel in before.iter().rev() {
        if present.contains(rel) {
            continue;
        }
        let path = checked(host, rel)?;
        if std::fs::symlink_metadata(&path).is_ok() {
            clear(&path).with_context(|| format!("removing {}", path.display()))?;
            done.removed += 1;
        }
    }
    Ok(done)
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
        let done = apply(host, &before, &exported).unwrap();
        assert_eq!(
            done,
            Applied {
                written: 3,
                unchanged: 1,
                removed: 3
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
        apply(host, &before, &exported).unwrap();
        assert!(host.join("evil").is_dir() && !host.join("evil").is_symlink());
        assert!(
            !outside.path().join("x").exists(),
            "wrote through a host symlink"
        );
        let bad = Exported {
            guest: "/d".into(),
            entries: vec![Entry::File("../escape".into(), vec![])],
        };
        assert!(apply(host, &before, &bad).is_err());
    }
}
