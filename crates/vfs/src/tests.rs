//! Host unit tests for every operation and its error cases, plus randomized runs.

use super::*;
use alloc::string::ToString;
use alloc::vec;
use alloc::vec::Vec;

const P: usize = PAGE_SIZE;

fn fs() -> Fs {
    Fs::new(Limits::default())
}

fn check(fs: &Fs) {
    if let Err(e) = fs.check_consistency() {
        panic!("inconsistent fs: {e}");
    }
}

const CREATE: OpenOptions = OpenOptions {
    create: true,
    exclusive: false,
    truncate: false,
    directory: false,
    follow: true,
};

fn create(fs: &mut Fs, dir: Ino, path: &str) -> Ino {
    fs.open(dir, path, CREATE).expect("create")
}

fn read_all(fs: &mut Fs, ino: Ino) -> Vec<u8> {
    let size = fs.stat(ino).unwrap().size as usize;
    let mut buf = vec![0xEEu8; size];
    assert_eq!(fs.read(ino, 0, &mut buf).unwrap(), size);
    buf
}

fn names(fs: &Fs, dir: Ino, cookie: u64) -> Vec<String> {
    fs.readdir(dir, cookie)
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect()
}

fn baseline() -> Usage {
    Usage {
        bytes: INODE_COST,
        inodes: 1,
    }
}

/// Bytes charged for a new empty file or symlink named `name` (without target).
fn node_cost(name: &str) -> u64 {
    INODE_COST + DIRENT_COST + name.len() as u64
}

// ----- basics -----

#[test]
fn file_type_wasi_numbers() {
    assert_eq!(FileType::Directory.wasi(), 3);
    assert_eq!(FileType::RegularFile.wasi(), 4);
    assert_eq!(FileType::SymbolicLink.wasi(), 7);
}

#[test]
fn default_limits_are_sane() {
    let l = Limits::default();
    assert_eq!(l.max_bytes, 64 << 20);
    assert_eq!(l.max_inodes, 65536);
    assert_eq!(l.max_file_size, 1 << 30);
    assert_eq!(fs().limits(), l);
}

#[test]
fn new_fs_has_only_root() {
    let fs = fs();
    let root = fs.root();
    let st = fs.stat(root).unwrap();
    assert_eq!(st.kind, FileType::Directory);
    assert_eq!(st.nlink, 2);
    assert_eq!(st.size, 0);
    assert_eq!(st.dev, DEV);
    assert_eq!(st.ino, root);
    assert_eq!(fs.usage(), baseline());
    let ents = fs.readdir(root, 0).unwrap();
    assert_eq!(ents.len(), 2);
    assert_eq!(ents[0].name, ".");
    assert_eq!(ents[0].ino, root);
    assert_eq!(ents[0].next, 1);
    assert_eq!(ents[1].name, "..");
    assert_eq!(ents[1].ino, root, ".. of the root is the root");
    assert_eq!(ents[1].next, 2);
    assert!(fs.exists(root));
    assert!(!fs.exists(root + 1000));
    check(&fs);
    let dbg = alloc::format!("{fs:?}");
    assert!(dbg.contains("Fs"));
}

#[test]
fn unknown_inode_is_badf_everywhere() {
    let mut fs = fs();
    let bad = 999;
    let mut buf = [0u8; 4];
    assert_eq!(fs.stat(bad), Err(Errno::BadF));
    assert_eq!(fs.kind(bad), Err(Errno::BadF));
    assert_eq!(fs.read(bad, 0, &mut buf), Err(Errno::BadF));
    assert_eq!(fs.write(bad, 0, b"x"), Err(Errno::BadF));
    assert_eq!(fs.write(bad, 0, b""), Err(Errno::BadF));
    assert_eq!(fs.set_size(bad, 0), Err(Errno::BadF));
    assert_eq!(fs.set_size(bad, u64::MAX), Err(Errno::BadF));
    assert_eq!(fs.allocate(bad, 0, 1), Err(Errno::BadF));
    assert_eq!(fs.set_times(bad, Some(1), None), Err(Errno::BadF));
    assert_eq!(fs.retain(bad), Err(Errno::BadF));
    assert_eq!(fs.release(bad), Err(Errno::BadF));
    assert_eq!(fs.readdir(bad, 0).err(), Some(Errno::BadF));
    assert_eq!(fs.lookup(bad, "a", true), Err(Errno::BadF));
    assert_eq!(fs.mkdir(bad, "a"), Err(Errno::BadF));
    assert_eq!(fs.readlink_ino(bad), Err(Errno::BadF));
    check(&fs);
}

#[test]
fn non_directory_start_is_notdir() {
    let mut fs = fs();
    let root = fs.root();
    let f = create(&mut fs, root, "f");
    assert_eq!(fs.lookup(f, "x", true), Err(Errno::NotDir));
    assert_eq!(fs.open(f, "x", CREATE), Err(Errno::NotDir));
    assert_eq!(fs.mkdir(f, "x"), Err(Errno::NotDir));
    assert_eq!(fs.readdir(f, 0).err(), Some(Errno::NotDir));
    check(&fs);
}

// ----- regular file data -----

#[test]
fn write_read_roundtrip_and_partial_reads() {
    let mut fs = fs();
    let root = fs.root();
    let f = create(&mut fs, root, "f");
    assert_eq!(fs.write(f, 0, b"hello world").unwrap(), 11);
    assert_eq!(fs.stat(f).unwrap().size, 11);
    let mut buf = [0u8; 5];
    assert_eq!(fs.read(f, 6, &mut buf).unwrap(), 5);
    assert_eq!(&buf, b"world");
    assert_eq!(fs.read(f, 9, &mut buf).unwrap(), 2);
    assert_eq!(&buf[..2], b"ld");
    assert_eq!(fs.read(f, 11, &mut buf).unwrap(), 0);
    assert_eq!(fs.read(f, 1000, &mut buf).unwrap(), 0);
    assert_eq!(fs.read(f, u64::MAX, &mut buf).unwrap(), 0);
    assert_eq!(fs.read(f, 0, &mut []).unwrap(), 0);
    // Overwrite in the middle does not change the size.
    assert_eq!(fs.write(f, 0, b"J").unwrap(), 1);
    assert_eq!(read_all(&mut fs, f), b"Jello world");
    // Empty write changes nothing.
    assert_eq!(fs.write(f, 1 << 40, b"").unwrap(), 0);
    assert_eq!(fs.stat(f).unwrap().size, 11);
    check(&fs);
}

#[test]
fn write_across_page_boundaries() {
    let mut fs = fs();
    let root = fs.root();
    let f = create(&mut fs, root, "f");
    let data: Vec<u8> = (0..3 * P + 123).map(|i| (i % 251) as u8).collect();
    assert_eq!(fs.write(f, 100, &data).unwrap(), data.len());
    let all = read_all(&mut fs, f);
    assert_eq!(all.len(), 100 + data.len());
    assert!(all[..100].iter().all(|&b| b == 0));
    assert_eq!(&all[100..], &data[..]);
    // 100 + 3*4096 + 123 bytes span 4 pages.
    assert_eq!(
        fs.usage().bytes,
        baseline().bytes + node_cost("f") + 4 * P as u64
    );
    check(&fs);
}

#[test]
fn sparse_write_leaves_zero_holes_without_quota() {
    let mut fs = fs();
    let root = fs.root();
    let f = create(&mut fs, root, "f");
    let before = fs.usage().bytes;
    assert_eq!(fs.write(f, 10 * P as u64 + 5, b"abc").unwrap(), 3);
    assert_eq!(fs.stat(f).unwrap().size, 10 * P as u64 + 8);
    assert_eq!(
        fs.usage().bytes,
        before + P as u64,
        "only the touched page is charged"
    );
    let all = read_all(&mut fs, f);
    assert!(all[..10 * P + 5].iter().all(|&b| b == 0));
    assert_eq!(&all[10 * P + 5..], b"abc");
    // A far sparse write near the size limit costs one page.
    let max = fs.limits().max_file_size;
    assert_eq!(fs.write(f, max - 1, b"z").unwrap(), 1);
    assert_eq!(fs.stat(f).unwrap().size, max);
    assert_eq!(fs.usage().bytes, before + 2 * P as u64);
    let mut buf = [1u8; 16];
    assert_eq!(fs.read(f, max / 2, &mut buf).unwrap(), 16);
    assert_eq!(buf, [0u8; 16]);
    check(&fs);
}

#[test]
fn write_limits_fbig_and_short() {
    let mut fs = Fs::new(Limits {
        max_file_size: 10,
        ..Limits::default()
    });
    let root = fs.root();
    let f = create(&mut fs, root, "f");
    assert_eq!(fs.write(f, 10, b"x"), Err(Errno::FBig));
    assert_eq!(fs.write(f, u64::MAX, b"x"), Err(Errno::FBig));
    assert_eq!(fs.write(f, u64::MAX - 1, b"xyz"), Err(Errno::FBig));
    assert_eq!(
        fs.write(f, 8, b"abcd").unwrap(),
        2,
        "short write up to the limit"
    );
    assert_eq!(fs.stat(f).unwrap().size, 10);
    assert_eq!(fs.write(f, 10, b"x"), Err(Errno::FBig));
    assert_eq!(fs.set_size(f, 11), Err(Errno::FBig));
    assert_eq!(fs.set_size(f, u64::MAX), Err(Errno::FBig));
    assert_eq!(fs.allocate(f, 5, 6), Err(Errno::FBig));
    assert_eq!(fs.allocate(f, u64::MAX, 2), Err(Errno::FBig));
    assert_eq!(fs.write_file(root, "g", &[0u8; 11]), Err(Errno::FBig));
    check(&fs);
}

#[test]
fn read_write_on_wrong_kinds() {
    let mut fs = fs();
    let root = fs.root();
    let d = fs.mkdir(root, "d").unwrap();
    let l = fs.symlink("d", root, "l").unwrap();
    let mut buf = [0u8; 4];
    assert_eq!(fs.read(d, 0, &mut buf), Err(Errno::IsDir));
    assert_eq!(fs.write(d, 0, b"x"), Err(Errno::IsDir));
    assert_eq!(fs.write(d, 0, b""), Err(Errno::IsDir));
    assert_eq!(fs.set_size(d, 0), Err(Errno::IsDir));
    assert_eq!(fs.set_size(d, u64::MAX), Err(Errno::IsDir));
    assert_eq!(fs.allocate(d, 0, 1), Err(Errno::IsDir));
    assert_eq!(fs.read(l, 0, &mut buf), Err(Errno::Inval));
    assert_eq!(fs.write(l, 0, b"x"), Err(Errno::Inval));
    assert_eq!(fs.set_size(l, 0), Err(Errno::Inval));
    assert_eq!(fs.allocate(l, 0, 1), Err(Errno::Inval));
    check(&fs);
}

#[test]
fn truncate_shrink_and_grow() {
    let mut fs = fs();
    let root = fs.root();
    let f = create(&mut fs, root, "f");
    let base = fs.usage().bytes;
    fs.write(f, 0, &vec![0xAA; 3 * P]).unwrap();
    assert_eq!(fs.usage().bytes, base + 3 * P as u64);
    fs.set_size(f, P as u64 + 10).unwrap();
    assert_eq!(fs.usage().bytes, base + 2 * P as u64, "third page freed");
    assert_eq!(fs.stat(f).unwrap().size, P as u64 + 10);
    // Grow again: the old tail must read as zeros, no quota for the hole.
    fs.set_size(f, 3 * P as u64).unwrap();
    assert_eq!(fs.usage().bytes, base + 2 * P as u64);
    let all = read_all(&mut fs, f);
    assert!(all[..P + 10].iter().all(|&b| b == 0xAA));
    assert!(all[P + 10..].iter().all(|&b| b == 0));
    // Shrink to an exact page boundary.
    fs.set_size(f, P as u64).unwrap();
    assert_eq!(fs.usage().bytes, base + P as u64);
    fs.set_size(f, 0).unwrap();
    assert_eq!(fs.usage().bytes, base);
    assert_eq!(fs.stat(f).unwrap().size, 0);
    // Writing past a shrunk partial page shows zeros in between.
    fs.write(f, 0, &[7u8; 100]).unwrap();
    fs.set_size(f, 10).unwrap();
    fs.write(f, 50, b"x").unwrap();
    let all = read_all(&mut fs, f);
    assert_eq!(all.len(), 51);
    assert!(all[..10].iter().all(|&b| b == 7));
    assert!(all[10..50].iter().all(|&b| b == 0));
    // Same size: no change.
    fs.set_size(f, 51).unwrap();
    check(&fs);
}

#[test]
fn allocate_reserves_pages() {
    let mut fs = fs();
    let root = fs.root();
    let f = create(&mut fs, root, "f");
    let base = fs.usage().bytes;
    assert_eq!(fs.allocate(f, 0, 0), Err(Errno::Inval));
    fs.allocate(f, 100, 2 * P as u64).unwrap();
    assert_eq!(fs.stat(f).unwrap().size, 100 + 2 * P as u64);
    assert_eq!(fs.usage().bytes, base + 3 * P as u64);
    // Allocating inside the file does not shrink it nor re-charge.
    fs.allocate(f, 0, 10).unwrap();
    assert_eq!(fs.stat(f).unwrap().size, 100 + 2 * P as u64);
    assert_eq!(fs.usage().bytes, base + 3 * P as u64);
    assert!(read_all(&mut fs, f).iter().all(|&b| b == 0));
    check(&fs);

    // All or nothing against the quota.
    let mut fs = Fs::new(Limits {
        max_bytes: INODE_COST + node_cost("f") + 2 * P as u64,
        ..Limits::default()
    });
    let root = fs.root();
    let f = create(&mut fs, root, "f");
    assert_eq!(fs.allocate(f, 0, 3 * P as u64), Err(Errno::NoSpc));
    assert_eq!(fs.stat(f).unwrap().size, 0);
    assert_eq!(fs.usage().bytes, INODE_COST + node_cost("f"));
    fs.allocate(f, 0, 2 * P as u64).unwrap();
    // The reserved pages make later writes succeed even though the quota is full.
    assert_eq!(fs.write(f, 0, &vec![1u8; 2 * P]).unwrap(), 2 * P);
    assert_eq!(fs.write(f, 2 * P as u64, b"x"), Err(Errno::NoSpc));
    check(&fs);
}

#[test]
fn quota_short_write_then_nospc_keeps_content() {
    let quota = INODE_COST + node_cost("f") + 3 * P as u64;
    let mut fs = Fs::new(Limits {
        max_bytes: quota,
        ..Limits::default()
    });
    let root = fs.root();
    let f = create(&mut fs, root, "f");
    let data: Vec<u8> = (0..5 * P).map(|i| (i * 7 % 256) as u8).collect();
    assert_eq!(
        fs.write(f, 0, &data).unwrap(),
        3 * P,
        "short write of what fits"
    );
    assert_eq!(fs.usage().bytes, quota);
    assert_eq!(fs.write(f, 3 * P as u64, &data[3 * P..]), Err(Errno::NoSpc));
    assert_eq!(fs.write(f, 100 * P as u64, b"x"), Err(Errno::NoSpc));
    assert_eq!(fs.stat(f).unwrap().size, 3 * P as u64);
    assert_eq!(read_all(&mut fs, f), &data[..3 * P]);
    // Overwriting allocated pages still works at a full quota.
    assert_eq!(fs.write(f, 10, b"zz").unwrap(), 2);
    // No new names either.
    assert_eq!(fs.open(root, "g", CREATE), Err(Errno::NoSpc));
    assert_eq!(fs.mkdir(root, "d"), Err(Errno::NoSpc));
    assert_eq!(fs.symlink("f", root, "l"), Err(Errno::NoSpc));
    assert_eq!(fs.link(root, "f", false, root, "h"), Err(Errno::NoSpc));
    assert_eq!(fs.lookup(root, "g", false), Err(Errno::NoEnt));
    check(&fs);
    // Freeing space makes room again.
    fs.set_size(f, P as u64).unwrap();
    fs.symlink("f", root, "l").unwrap();
    fs.unlink(root, "l").unwrap();
    fs.unlink(root, "f").unwrap();
    assert_eq!(fs.usage(), baseline());
    check(&fs);
}

#[test]
fn max_inodes_enforced() {
    let mut fs = Fs::new(Limits {
        max_inodes: 3,
        ..Limits::default()
    });
    let root = fs.root();
    create(&mut fs, root, "a");
    fs.mkdir(root, "d").unwrap();
    assert_eq!(fs.open(root, "b", CREATE), Err(Errno::NoSpc));
    assert_eq!(fs.mkdir(root, "e"), Err(Errno::NoSpc));
    assert_eq!(fs.symlink("a", root, "l"), Err(Errno::NoSpc));
    // Hard links need no inode.
    fs.link(root, "a", false, root, "a2").unwrap();
    assert_eq!(fs.usage().inodes, 3);
    fs.unlink(root, "a").unwrap();
    fs.unlink(root, "a2").unwrap();
    create(&mut fs, root, "b");
    check(&fs);
}

// ----- open -----

#[test]
fn open_flags() {
    let mut fs = fs();
    let root = fs.root();
    let f = create(&mut fs, root, "f");
    fs.write(f, 0, b"data").unwrap();
    let d = fs.mkdir(root, "d").unwrap();
    let excl = OpenOptions {
        exclusive: true,
        ..CREATE
    };
    assert_eq!(fs.open(root, "f", excl), Err(Errno::Exist));
    assert_eq!(fs.open(root, "d", excl), Err(Errno::Exist));
    assert_eq!(fs.open(root, ".", excl), Err(Errno::Exist));
    assert_eq!(
        fs.open(root, "f", CREATE),
        Ok(f),
        "create without excl opens"
    );
    assert_eq!(fs.stat(f).unwrap().size, 4);
    let plain = OpenOptions::default();
    assert_eq!(fs.open(root, "missing", plain), Err(Errno::NoEnt));
    assert_eq!(fs.open(root, "nodir/x", CREATE), Err(Errno::NoEnt));
    let dirflag = OpenOptions {
        directory: true,
        ..plain
    };
    assert_eq!(fs.open(root, "f", dirflag), Err(Errno::NotDir));
    assert_eq!(fs.open(root, "d", dirflag), Ok(d));
    assert_eq!(fs.open(root, ".", dirflag), Ok(root));
    assert_eq!(fs.open(root, "d", plain), Ok(d));
    assert_eq!(
        fs.open(
            root,
            "new",
            OpenOptions {
                directory: true,
                ..CREATE
            }
        ),
        Err(Errno::Inval)
    );
    assert_eq!(fs.open(root, "new/", CREATE), Err(Errno::IsDir));
    assert_eq!(fs.open(root, "f/", plain), Err(Errno::NotDir));
    assert_eq!(fs.open(root, "d/", plain), Ok(d));
    let trunc = OpenOptions {
        truncate: true,
        ..plain
    };
    assert_eq!(fs.open(root, "d", trunc), Err(Errno::IsDir));
    assert_eq!(fs.open(root, ".", trunc), Err(Errno::IsDir));
    assert_eq!(fs.open(root, "d", CREATE), Err(Errno::IsDir));
    assert_eq!(fs.open(root, "f", trunc), Ok(f));
    assert_eq!(fs.stat(f).unwrap().size, 0);
    let n = fs.open(root, "n", excl).unwrap();
    assert_eq!(fs.kind(n), Ok(FileType::RegularFile));
    assert_eq!(fs.stat(n).unwrap().nlink, 1);
    assert_eq!(fs.open(root, "", plain), Err(Errno::NoEnt));
    check(&fs);
}

#[test]
fn open_final_symlink() {
    let mut fs = fs();
    let root = fs.root();
    let f = create(&mut fs, root, "f");
    let l = fs.symlink("f", root, "l").unwrap();
    let dl = fs.symlink("gone", root, "dl").unwrap();
    let nofollow = OpenOptions::default();
    let follow = OpenOptions {
        follow: true,
        ..nofollow
    };
    assert_eq!(fs.open(root, "l", nofollow), Ok(l));
    assert_eq!(fs.open(root, "l", follow), Ok(f));
    assert_eq!(fs.open(root, "dl", follow), Err(Errno::NoEnt));
    assert_eq!(fs.open(root, "dl", nofollow), Ok(dl));
    assert_eq!(
        fs.open(
            root,
            "l",
            OpenOptions {
                directory: true,
                ..nofollow
            }
        ),
        // ELOOP, as Linux's O_DIRECTORY | O_NOFOLLOW and wasmtime.
        Err(Errno::Loop)
    );
    let create_nofollow = OpenOptions {
        follow: false,
        ..CREATE
    };
    assert_eq!(fs.open(root, "l", create_nofollow), Err(Errno::Loop));
    assert_eq!(
        fs.open(
            root,
            "l",
            OpenOptions {
                truncate: true,
                ..nofollow
            }
        ),
        Err(Errno::Loop)
    );
    // create + excl never follows, even when asked to.
    assert_eq!(
        fs.open(
            root,
            "dl",
            OpenOptions {
                exclusive: true,
                ..CREATE
            }
        ),
        Err(Errno::Exist)
    );
    // create + follow through a dangling link creates its target.
    let g = fs.open(root, "dl", CREATE).unwrap();
    assert_eq!(fs.lookup(root, "gone", false), Ok(g));
    assert_eq!(fs.kind(g), Ok(FileType::RegularFile));
    check(&fs);
}

// ----- path resolution -----

#[test]
fn confinement() {
    let mut fs = fs();
    let root = fs.root();
    let a = fs.mkdir(root, "a").unwrap();
    let b = fs.mkdir(root, "a/b").unwrap();
    let f = create(&mut fs, root, "a/b/f");
    assert_eq!(fs.lookup(root, "/", true), Err(Errno::NotCapable));
    assert_eq!(fs.lookup(root, "/a", true), Err(Errno::NotCapable));
    assert_eq!(fs.lookup(root, "..", true), Err(Errno::NotCapable));
    assert_eq!(fs.lookup(root, "a/../..", true), Err(Errno::NotCapable));
    assert_eq!(fs.lookup(root, "a/../../a", true), Err(Errno::NotCapable));
    assert_eq!(fs.lookup(root, "a/..", true), Ok(root));
    assert_eq!(fs.lookup(root, "a/b/..", true), Ok(a));
    assert_eq!(fs.lookup(root, "a//b///f", true), Ok(f));
    assert_eq!(fs.lookup(root, "./a/./b/./f", true), Ok(f));
    assert_eq!(fs.lookup(root, "a/b/../b/f", true), Ok(f));
    assert_eq!(fs.lookup(root, ".", true), Ok(root));
    assert_eq!(fs.lookup(root, "a/", true), Ok(a));
    assert_eq!(fs.lookup(root, "", true), Err(Errno::NoEnt));
    // Confinement is relative to the starting directory, not the fs root.
    assert_eq!(fs.lookup(b, "..", true), Err(Errno::NotCapable));
    assert_eq!(fs.lookup(b, "f/..", true), Err(Errno::NotDir));
    assert_eq!(fs.lookup(b, "../b/f", true), Err(Errno::NotCapable));
    assert_eq!(fs.lookup(a, "b/../b/f", true), Ok(f));
    assert_eq!(fs.mkdir(b, "../x"), Err(Errno::NotCapable));
    assert_eq!(fs.open(b, "../x", CREATE), Err(Errno::NotCapable));
    assert_eq!(fs.unlink(b, "../b/f"), Err(Errno::NotCapable));
    check(&fs);
}

#[test]
fn name_and_path_length_limits() {
    let mut fs = fs();
    let root = fs.root();
    let ok = "n".repeat(NAME_MAX);
    let long = "n".repeat(NAME_MAX + 1);
    create(&mut fs, root, &ok);
    assert!(fs.lookup(root, &ok, true).is_ok());
    assert_eq!(fs.open(root, &long, CREATE), Err(Errno::NameTooLong));
    assert_eq!(fs.lookup(root, &long, true), Err(Errno::NameTooLong));
    assert_eq!(fs.mkdir(root, &long), Err(Errno::NameTooLong));
    assert_eq!(fs.symlink("x", root, &long), Err(Errno::NameTooLong));
    let longpath = "a/".repeat(PATH_MAX / 2 + 1);
    assert_eq!(fs.lookup(root, &longpath, true), Err(Errno::NameTooLong));
    assert_eq!(fs.mkdir(root, &longpath), Err(Errno::NameTooLong));
    assert_eq!(fs.create_path_all(root, &longpath), Err(Errno::NameTooLong));
    assert_eq!(
        fs.symlink(&"a/".repeat(PATH_MAX), root, "l"),
        Err(Errno::NameTooLong)
    );
    // Exactly PATH_MAX is accepted (it is merely missing).
    let maxpath = "x".repeat(PATH_MAX);
    assert_eq!(
        fs.lookup(root, &maxpath, true),
        Err(Errno::NameTooLong),
        "component too long"
    );
    let maxpath = "x/".repeat(PATH_MAX / 2);
    assert_eq!(maxpath.len(), PATH_MAX);
    assert_eq!(fs.lookup(root, &maxpath, true), Err(Errno::NoEnt));
    // NUL is not allowed in names.
    assert_eq!(fs.open(root, "a\0b", CREATE), Err(Errno::Inval));
    assert_eq!(fs.symlink("a\0", root, "l"), Err(Errno::Inval));
    check(&fs);
}

#[test]
fn notdir_in_the_middle_and_trailing_slash() {
    let mut fs = fs();
    let root = fs.root();
    create(&mut fs, root, "f");
    fs.symlink("f", root, "lf").unwrap();
    assert_eq!(fs.lookup(root, "f/x", true), Err(Errno::NotDir));
    assert_eq!(fs.lookup(root, "f/", true), Err(Errno::NotDir));
    assert_eq!(fs.lookup(root, "f/.", true), Err(Errno::NotDir));
    assert_eq!(fs.lookup(root, "f/..", true), Err(Errno::NotDir));
    assert_eq!(fs.lookup(root, "lf/", false), Err(Errno::NotDir));
    assert_eq!(fs.lookup(root, "lf/x", false), Err(Errno::NotDir));
    assert_eq!(fs.open(root, "f/x", CREATE), Err(Errno::NotDir));
    assert_eq!(fs.mkdir(root, "f/x"), Err(Errno::NotDir));
    assert_eq!(fs.unlink(root, "f/"), Err(Errno::NotDir));
    assert_eq!(fs.unlink(root, "lf/"), Err(Errno::NotDir));
    assert_eq!(fs.rmdir(root, "f/"), Err(Errno::NotDir));
    assert_eq!(fs.lookup(root, "missing/x", true), Err(Errno::NoEnt));
    check(&fs);
}

#[test]
fn symlink_resolution() {
    let mut fs = fs();
    let root = fs.root();
    let a = fs.mkdir(root, "a").unwrap();
    let b = fs.mkdir(root, "b").unwrap();
    let f = create(&mut fs, root, "b/f");
    // Relative to the symlink's own directory.
    let l1 = fs.symlink("../b/f", a, "l1").unwrap();
    assert_eq!(fs.lookup(root, "a/l1", true), Ok(f));
    assert_eq!(fs.lookup(root, "a/l1", false), Ok(l1));
    // Chained: a/l2 -> l1 -> ../b/f
    fs.symlink("l1", a, "l2").unwrap();
    assert_eq!(fs.lookup(root, "a/l2", true), Ok(f));
    // Symlink to a directory, used in the middle and with a trailing slash.
    fs.symlink("b", root, "lb").unwrap();
    assert_eq!(fs.lookup(root, "lb/f", false), Ok(f));
    assert_eq!(fs.lookup(root, "lb/", false), Ok(b));
    assert_eq!(fs.lookup(root, "lb/..", false), Ok(root));
    // Target with a trailing slash requires a directory.
    fs.symlink("b/f/", root, "lfs").unwrap();
    assert_eq!(fs.lookup(root, "lfs", true), Err(Errno::NotDir));
    fs.symlink("b/", root, "lbs").unwrap();
    assert_eq!(fs.lookup(root, "lbs", true), Ok(b));
    // `.` target.
    fs.symlink(".", a, "dot").unwrap();
    assert_eq!(fs.lookup(root, "a/dot", true), Ok(a));
    assert_eq!(fs.lookup(root, "a/dot/dot/l1", true), Ok(f));
    // Dangling.
    fs.symlink("nothing", root, "dangling").unwrap();
    assert_eq!(fs.lookup(root, "dangling", true), Err(Errno::NoEnt));
    assert!(fs.lookup(root, "dangling", false).is_ok());
    // Loops.
    fs.symlink("loop2", root, "loop1").unwrap();
    fs.symlink("loop1", root, "loop2").unwrap();
    fs.symlink("self", root, "self").unwrap();
    assert_eq!(fs.lookup(root, "loop1", true), Err(Errno::Loop));
    assert_eq!(fs.lookup(root, "self", true), Err(Errno::Loop));
    assert_eq!(fs.lookup(root, "self/x", false), Err(Errno::Loop));
    fs.symlink("dir2/x", root, "dir1").unwrap();
    // Absolute targets and escapes.
    fs.symlink("/etc/passwd", root, "abs").unwrap();
    assert_eq!(fs.lookup(root, "abs", true), Err(Errno::NotCapable));
    assert!(fs.lookup(root, "abs", false).is_ok());
    fs.symlink("../..", a, "esc").unwrap();
    assert_eq!(fs.lookup(root, "a/esc", true), Err(Errno::NotCapable));
    fs.symlink("..", a, "up").unwrap();
    assert_eq!(fs.lookup(root, "a/up", true), Ok(root));
    assert_eq!(
        fs.lookup(a, "up", true),
        Err(Errno::NotCapable),
        "escape from a"
    );
    assert_eq!(
        fs.lookup(a, "l1", true),
        Err(Errno::NotCapable),
        "target leaves a"
    );
    assert_eq!(fs.lookup(b, "f", true), Ok(f));
    check(&fs);
}

#[test]
fn symlink_expansion_limit() {
    let mut fs = fs();
    let root = fs.root();
    let f = create(&mut fs, root, "f");
    // s0 -> f, s(i) -> s(i-1): resolving s(n) takes n+1 expansions.
    fs.symlink("f", root, "s0").unwrap();
    for i in 1..=SYMLOOP_MAX {
        fs.symlink(&alloc::format!("s{}", i - 1), root, &alloc::format!("s{i}"))
            .unwrap();
    }
    assert_eq!(
        fs.lookup(root, &alloc::format!("s{}", SYMLOOP_MAX - 1), true),
        Ok(f)
    );
    assert_eq!(
        fs.lookup(root, &alloc::format!("s{SYMLOOP_MAX}"), true),
        Err(Errno::Loop)
    );
    check(&fs);
}

#[test]
fn readlink_cases() {
    let mut fs = fs();
    let root = fs.root();
    create(&mut fs, root, "f");
    fs.mkdir(root, "d").unwrap();
    let l = fs.symlink("some/where", root, "d/l").unwrap();
    fs.symlink("d", root, "ld").unwrap();
    assert_eq!(fs.readlink(root, "d/l").unwrap(), "some/where");
    assert_eq!(fs.readlink(root, "ld/l").unwrap(), "some/where");
    assert_eq!(fs.readlink(root, "ld").unwrap(), "d");
    assert_eq!(fs.readlink_ino(l).unwrap(), "some/where");
    assert_eq!(fs.readlink(root, "f"), Err(Errno::Inval));
    assert_eq!(fs.readlink(root, "d"), Err(Errno::Inval));
    assert_eq!(fs.readlink(root, "."), Err(Errno::Inval));
    assert_eq!(fs.readlink(root, "nope"), Err(Errno::NoEnt));
    assert_eq!(fs.readlink(root, "/abs"), Err(Errno::NotCapable));
    assert_eq!(fs.stat(l).unwrap().size, 10);
    assert_eq!(fs.stat(l).unwrap().kind, FileType::SymbolicLink);
    assert_eq!(fs.symlink("", root, "empty"), Err(Errno::NoEnt));
    assert_eq!(fs.symlink("x", root, "f"), Err(Errno::Exist));
    assert_eq!(fs.symlink("x", root, "."), Err(Errno::Exist));
    assert_eq!(fs.symlink("x", root, "nodir/l"), Err(Errno::NoEnt));
    assert_eq!(fs.symlink("x", root, "new/"), Err(Errno::NoEnt));
    check(&fs);
}

// ----- directories -----

#[test]
fn mkdir_and_nlink() {
    let mut fs = fs();
    let root = fs.root();
    let a = fs.mkdir(root, "a").unwrap();
    assert_eq!(fs.stat(root).unwrap().nlink, 3);
    assert_eq!(fs.stat(a).unwrap().nlink, 2);
    let b = fs.mkdir(root, "a/b/").unwrap();
    assert_eq!(fs.stat(a).unwrap().nlink, 3);
    assert_eq!(fs.stat(b).unwrap().nlink, 2);
    create(&mut fs, root, "a/f");
    assert_eq!(fs.stat(a).unwrap().nlink, 3, "files do not count");
    assert_eq!(fs.stat(a).unwrap().size, 2, "directory size = entry count");
    assert_eq!(fs.mkdir(root, "a"), Err(Errno::Exist));
    assert_eq!(fs.mkdir(root, "a/f"), Err(Errno::Exist));
    assert_eq!(fs.mkdir(root, "."), Err(Errno::Exist));
    assert_eq!(fs.mkdir(root, "a/.."), Err(Errno::Exist));
    assert_eq!(fs.mkdir(root, "x/y"), Err(Errno::NoEnt));
    fs.symlink("a", root, "la").unwrap();
    assert_eq!(fs.mkdir(root, "la"), Err(Errno::Exist));
    assert_eq!(
        fs.mkdir(root, "la/c").map(|c| fs.stat(c).unwrap().kind),
        Ok(FileType::Directory)
    );
    assert_eq!(fs.stat(a).unwrap().nlink, 4);
    check(&fs);
}

#[test]
fn rmdir_cases() {
    let mut fs = fs();
    let root = fs.root();
    let a = fs.mkdir(root, "a").unwrap();
    fs.mkdir(root, "a/b").unwrap();
    create(&mut fs, root, "f");
    fs.symlink("a", root, "la").unwrap();
    assert_eq!(fs.rmdir(root, "a"), Err(Errno::NotEmpty));
    assert_eq!(fs.rmdir(root, "f"), Err(Errno::NotDir));
    assert_eq!(fs.rmdir(root, "la"), Err(Errno::NotDir));
    assert_eq!(fs.rmdir(root, "la/"), Err(Errno::NotDir));
    assert_eq!(fs.rmdir(root, "."), Err(Errno::Inval));
    assert_eq!(fs.rmdir(root, "a/b/."), Err(Errno::Inval));
    assert_eq!(fs.rmdir(root, "a/b/.."), Err(Errno::Inval));
    assert_eq!(fs.rmdir(root, "nope"), Err(Errno::NoEnt));
    assert_eq!(fs.rmdir(a, "."), Err(Errno::Inval));
    assert_eq!(fs.stat(a).unwrap().nlink, 3);
    fs.rmdir(root, "a/b/").unwrap();
    assert_eq!(fs.stat(a).unwrap().nlink, 2);
    assert_eq!(fs.lookup(root, "a/b", true), Err(Errno::NoEnt));
    fs.rmdir(root, "la/../a").unwrap();
    assert_eq!(fs.stat(root).unwrap().nlink, 2);
    assert_eq!(fs.stat(a), Err(Errno::BadF), "freed");
    fs.unlink(root, "la").unwrap();
    fs.unlink(root, "f").unwrap();
    assert_eq!(fs.usage(), baseline());
    check(&fs);
}

#[test]
fn removed_directory_while_retained() {
    let mut fs = fs();
    let root = fs.root();
    let d = fs.mkdir(root, "d").unwrap();
    fs.retain(d).unwrap();
    fs.rmdir(root, "d").unwrap();
    assert!(fs.exists(d));
    assert_eq!(fs.stat(d).unwrap().nlink, 0);
    assert_eq!(names(&fs, d, 0), [".", ".."]);
    assert_eq!(fs.open(d, "x", CREATE), Err(Errno::NoEnt));
    assert_eq!(fs.mkdir(d, "x"), Err(Errno::NoEnt));
    assert_eq!(fs.symlink("t", d, "x"), Err(Errno::NoEnt));
    assert_eq!(fs.lookup(d, "..", true), Err(Errno::NotCapable));
    assert_eq!(fs.lookup(d, ".", true), Ok(d));
    check(&fs);
    fs.release(d).unwrap();
    assert!(!fs.exists(d));
    assert_eq!(fs.usage(), baseline());
    check(&fs);
}

#[test]
fn root_cannot_be_removed() {
    let mut fs = fs();
    let root = fs.root();
    assert_eq!(fs.rmdir(root, "."), Err(Errno::Inval));
    assert_eq!(fs.unlink(root, "."), Err(Errno::IsDir));
    assert_eq!(fs.rename(root, ".", root, "x"), Err(Errno::Busy));
    fs.retain(root).unwrap();
    fs.release(root).unwrap();
    assert!(fs.exists(root));
}

#[test]
fn unlink_cases() {
    let mut fs = fs();
    let root = fs.root();
    let f = create(&mut fs, root, "f");
    fs.mkdir(root, "d").unwrap();
    fs.symlink("f", root, "l").unwrap();
    fs.symlink("d", root, "ld").unwrap();
    assert_eq!(fs.unlink(root, "d"), Err(Errno::IsDir));
    assert_eq!(fs.unlink(root, "d/"), Err(Errno::IsDir));
    // A trailing slash follows the symlink to a directory: ISDIR, as wasmtime says.
    assert_eq!(fs.unlink(root, "ld/"), Err(Errno::IsDir));
    assert_eq!(fs.unlink(root, "nope"), Err(Errno::NoEnt));
    assert_eq!(fs.unlink(root, "."), Err(Errno::IsDir));
    // Unlinking a symlink removes the link, not its target.
    fs.unlink(root, "l").unwrap();
    assert_eq!(fs.lookup(root, "f", false), Ok(f));
    fs.unlink(root, "ld").unwrap();
    assert!(fs.lookup(root, "d", false).is_ok());
    fs.unlink(root, "f").unwrap();
    assert_eq!(fs.lookup(root, "f", false), Err(Errno::NoEnt));
    assert!(!fs.exists(f));
    fs.rmdir(root, "d").unwrap();
    assert_eq!(fs.usage(), baseline());
    check(&fs);
}

#[test]
fn hard_links_share_inode() {
    let mut fs = fs();
    let root = fs.root();
    let f = create(&mut fs, root, "f");
    fs.mkdir(root, "d").unwrap();
    fs.write(f, 0, b"shared").unwrap();
    fs.link(root, "f", false, root, "d/g").unwrap();
    assert_eq!(fs.lookup(root, "d/g", false), Ok(f));
    assert_eq!(fs.stat(f).unwrap().nlink, 2);
    fs.write(f, 0, b"S").unwrap();
    let g = fs.lookup(root, "d/g", false).unwrap();
    assert_eq!(read_all(&mut fs, g), b"Shared");
    assert_eq!(fs.link(root, "f", false, root, "d/g"), Err(Errno::Exist));
    assert_eq!(fs.link(root, "f", false, root, "."), Err(Errno::Exist));
    assert_eq!(fs.link(root, "d", false, root, "d2"), Err(Errno::Perm));
    assert_eq!(fs.link(root, ".", false, root, "d2"), Err(Errno::Perm));
    assert_eq!(fs.link(root, "nope", false, root, "x"), Err(Errno::NoEnt));
    assert_eq!(
        fs.link(root, "f", false, root, "nodir/x"),
        Err(Errno::NoEnt)
    );
    assert_eq!(fs.link(root, "f", false, root, "x/"), Err(Errno::NoEnt));
    // Links to symlinks: follow or not.
    let l = fs.symlink("f", root, "l").unwrap();
    fs.link(root, "l", false, root, "l2").unwrap();
    assert_eq!(fs.lookup(root, "l2", false), Ok(l));
    fs.link(root, "l", true, root, "f3").unwrap();
    assert_eq!(fs.lookup(root, "f3", false), Ok(f));
    assert_eq!(fs.stat(f).unwrap().nlink, 3);
    assert_eq!(fs.stat(l).unwrap().nlink, 2);
    check(&fs);
    fs.unlink(root, "f").unwrap();
    assert_eq!(fs.stat(f).unwrap().nlink, 2);
    assert_eq!(read_all(&mut fs, f), b"Shared");
    fs.unlink(root, "d/g").unwrap();
    fs.unlink(root, "f3").unwrap();
    assert!(!fs.exists(f));
    fs.unlink(root, "l").unwrap();
    fs.unlink(root, "l2").unwrap();
    fs.rmdir(root, "d").unwrap();
    assert_eq!(fs.usage(), baseline());
    check(&fs);
}

#[test]
fn unlink_while_open_keeps_data() {
    let mut fs = fs();
    let root = fs.root();
    let f = create(&mut fs, root, "f");
    fs.write(f, 0, &vec![3u8; 2 * P]).unwrap();
    fs.retain(f).unwrap();
    fs.retain(f).unwrap();
    fs.unlink(root, "f").unwrap();
    assert_eq!(fs.lookup(root, "f", false), Err(Errno::NoEnt));
    assert_eq!(fs.stat(f).unwrap().nlink, 0);
    assert_eq!(read_all(&mut fs, f), vec![3u8; 2 * P]);
    fs.write(f, 2 * P as u64, b"more").unwrap();
    assert!(fs.usage().bytes > baseline().bytes + 2 * P as u64);
    check(&fs);
    fs.release(f).unwrap();
    assert!(fs.exists(f));
    fs.release(f).unwrap();
    assert!(!fs.exists(f));
    assert_eq!(fs.usage(), baseline());
    assert_eq!(fs.release(f), Err(Errno::BadF));
    let g = create(&mut fs, root, "g");
    assert_eq!(fs.release(g), Err(Errno::Inval), "not retained");
    assert!(fs.exists(g));
    // Retain/release of a linked file does not free it.
    fs.retain(g).unwrap();
    fs.release(g).unwrap();
    assert!(fs.exists(g));
    check(&fs);
}

// ----- rename -----

#[test]
fn rename_file_basic_and_replace() {
    let mut fs = fs();
    let root = fs.root();
    let f = create(&mut fs, root, "f");
    fs.write(f, 0, b"one").unwrap();
    let d = fs.mkdir(root, "d").unwrap();
    fs.rename(root, "f", root, "d/g").unwrap();
    assert_eq!(fs.lookup(root, "f", false), Err(Errno::NoEnt));
    assert_eq!(fs.lookup(root, "d/g", false), Ok(f));
    // Replace an existing file: the old one is freed.
    let h = create(&mut fs, root, "h");
    fs.write(h, 0, &vec![1u8; 3 * P]).unwrap();
    assert_eq!(fs.rename(root, "d/g", d, "../h"), Err(Errno::NotCapable));
    fs.rename(root, "d/g", root, "h").unwrap();
    assert!(!fs.exists(h));
    assert_eq!(fs.lookup(root, "h", false), Ok(f));
    assert_eq!(read_all(&mut fs, f), b"one");
    assert_eq!(fs.stat(f).unwrap().nlink, 1);
    // Replacing a retained file keeps it alive until released.
    let k = create(&mut fs, root, "k");
    fs.retain(k).unwrap();
    fs.rename(root, "h", root, "k").unwrap();
    assert!(fs.exists(k));
    assert_eq!(fs.stat(k).unwrap().nlink, 0);
    fs.release(k).unwrap();
    assert!(!fs.exists(k));
    // Missing source.
    assert_eq!(fs.rename(root, "nope", root, "x"), Err(Errno::NoEnt));
    assert_eq!(fs.rename(root, "k", root, "nodir/x"), Err(Errno::NoEnt));
    assert_eq!(fs.rename(root, "/k", root, "x"), Err(Errno::NotCapable));
    assert_eq!(fs.rename(root, "k", root, "/x"), Err(Errno::NotCapable));
    assert_eq!(fs.rename(root, ".", root, "x"), Err(Errno::Busy));
    assert_eq!(fs.rename(root, "k", root, "."), Err(Errno::Busy));
    assert_eq!(fs.rename(root, "k", root, "x/"), Err(Errno::NotDir));
    assert_eq!(fs.rename(root, "k/", root, "x"), Err(Errno::NotDir));
    fs.unlink(root, "k").unwrap();
    fs.rmdir(root, "d").unwrap();
    assert_eq!(fs.usage(), baseline());
    check(&fs);
}

#[test]
fn rename_directories() {
    let mut fs = fs();
    let root = fs.root();
    let a = fs.mkdir(root, "a").unwrap();
    let b = fs.mkdir(root, "a/b").unwrap();
    let e = fs.mkdir(root, "e").unwrap();
    create(&mut fs, root, "f");
    // Directory over an empty directory.
    fs.rename(root, "a/b", root, "e").unwrap();
    assert!(!fs.exists(e));
    assert_eq!(fs.lookup(root, "e", false), Ok(b));
    assert_eq!(fs.stat(a).unwrap().nlink, 2);
    assert_eq!(fs.stat(root).unwrap().nlink, 4, "root: a, e(=b)");
    assert_eq!(
        fs.readdir(b, 1).unwrap()[0].ino,
        root,
        ".. follows the move"
    );
    check(&fs);
    // Directory over a non-empty directory.
    create(&mut fs, root, "a/x");
    assert_eq!(fs.rename(root, "e", root, "a"), Err(Errno::NotEmpty));
    // File over directory and directory over file.
    assert_eq!(fs.rename(root, "f", root, "e"), Err(Errno::IsDir));
    assert_eq!(fs.rename(root, "e", root, "f"), Err(Errno::NotDir));
    // Into itself or a descendant.
    fs.mkdir(root, "e/sub").unwrap();
    assert_eq!(fs.rename(root, "e", root, "e/x"), Err(Errno::Inval));
    assert_eq!(fs.rename(root, "e", root, "e/sub/x"), Err(Errno::Inval));
    assert_eq!(fs.rename(root, "e", root, "e/sub"), Err(Errno::Inval));
    // An ancestor over its descendant's path is NotEmpty (it contains the source).
    assert_eq!(fs.rename(root, "e/sub", root, "e"), Err(Errno::NotEmpty));
    // Move a directory with a trailing slash on both sides.
    fs.rename(root, "e/", root, "a/e2/").unwrap();
    assert_eq!(fs.stat(a).unwrap().nlink, 3);
    assert_eq!(fs.stat(root).unwrap().nlink, 3);
    assert_eq!(fs.lookup(root, "a/e2/sub/..", false), Ok(b));
    check(&fs);
    // Rename onto itself is a no-op.
    fs.rename(root, "a", root, "a").unwrap();
    fs.rename(root, "a/e2", root, "a/./e2").unwrap();
    assert_eq!(fs.lookup(root, "a/e2", false), Ok(b));
    check(&fs);
}

#[test]
fn rename_noop_on_hard_links_and_symlinks() {
    let mut fs = fs();
    let root = fs.root();
    let f = create(&mut fs, root, "f");
    fs.link(root, "f", false, root, "g").unwrap();
    fs.rename(root, "f", root, "g").unwrap();
    assert_eq!(
        fs.lookup(root, "f", false),
        Ok(f),
        "POSIX: both names remain"
    );
    assert_eq!(fs.lookup(root, "g", false), Ok(f));
    assert_eq!(fs.stat(f).unwrap().nlink, 2);
    // Renaming a symlink moves the link itself (its target text is unchanged).
    fs.mkdir(root, "d").unwrap();
    let l = fs.symlink("f", root, "l").unwrap();
    fs.rename(root, "l", root, "d/l").unwrap();
    assert_eq!(fs.lookup(root, "d/l", false), Ok(l));
    assert_eq!(fs.readlink(root, "d/l").unwrap(), "f");
    assert_eq!(fs.lookup(root, "d/l", true), Err(Errno::NoEnt));
    // A symlink to a directory can replace a file, not a directory.
    fs.symlink("d", root, "ld").unwrap();
    fs.rename(root, "ld", root, "g").unwrap();
    assert_eq!(fs.stat(f).unwrap().nlink, 1);
    fs.symlink("d", root, "ld").unwrap();
    fs.mkdir(root, "e").unwrap();
    assert_eq!(fs.rename(root, "ld", root, "e"), Err(Errno::IsDir));
    check(&fs);
}

#[test]
fn rename_quota() {
    // Renaming to a longer name needs quota for the longer entry.
    let quota = INODE_COST + node_cost("f");
    let mut fs = Fs::new(Limits {
        max_bytes: quota,
        ..Limits::default()
    });
    let root = fs.root();
    create(&mut fs, root, "f");
    assert_eq!(fs.rename(root, "f", root, "longer"), Err(Errno::NoSpc));
    fs.rename(root, "f", root, "g").unwrap();
    assert_eq!(fs.usage().bytes, quota);
    check(&fs);
}

// ----- readdir -----

#[test]
fn readdir_cookies_are_stable() {
    let mut fs = fs();
    let root = fs.root();
    let d = fs.mkdir(root, "d").unwrap();
    for n in ["a", "b", "c", "e"] {
        create(&mut fs, d, n);
    }
    fs.mkdir(d, "sub").unwrap();
    let all = fs.readdir(d, 0).unwrap();
    let got: Vec<&str> = all.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(got, [".", "..", "a", "b", "c", "e", "sub"]);
    assert_eq!(all[1].ino, root);
    assert_eq!(all[6].kind, FileType::Directory);
    assert_eq!(all[2].kind, FileType::RegularFile);
    // Cookies strictly increase.
    assert!(all.windows(2).all(|w| w[0].next < w[1].next));
    // Resume after "b" while "a" and "c" are removed and "z" added.
    let after_b = all[3].next;
    fs.unlink(d, "a").unwrap();
    fs.unlink(d, "c").unwrap();
    create(&mut fs, d, "z");
    assert_eq!(names(&fs, d, after_b), ["e", "sub", "z"]);
    // Resume exactly at "c"'s (now removed) position.
    assert_eq!(names(&fs, d, all[4].next - 1), ["e", "sub", "z"]);
    assert_eq!(names(&fs, d, 1), ["..", "b", "e", "sub", "z"]);
    assert_eq!(names(&fs, d, 2), ["b", "e", "sub", "z"]);
    assert_eq!(names(&fs, d, u64::MAX), Vec::<String>::new());
    // Bounded reads.
    let first = fs.readdir_max(d, 0, 3).unwrap();
    assert_eq!(first.len(), 3);
    let rest = fs.readdir_max(d, first[2].next, 100).unwrap();
    let mut joined: Vec<String> = first.into_iter().chain(rest).map(|e| e.name).collect();
    joined.sort();
    assert_eq!(joined, [".", "..", "b", "e", "sub", "z"]);
    assert_eq!(fs.readdir_max(d, 0, 0).unwrap(), []);
    let mut it = fs.readdir_iter(d, 3).unwrap();
    assert_eq!(it.next().map(|e| e.name), Some("b".to_string()));
    // Renaming within a directory moves the entry to the end.
    fs.rename(d, "b", d, "b2").unwrap();
    assert_eq!(names(&fs, d, 2), ["e", "sub", "z", "b2"]);
    assert_eq!(fs.stat(d).unwrap().size, 4);
    check(&fs);
}

// ----- timestamps -----

#[test]
fn timestamps_follow_posix() {
    let mut fs = fs();
    let root = fs.root();
    fs.set_time(100);
    assert_eq!(fs.now(), 100);
    let d = fs.mkdir(root, "d").unwrap();
    let st = fs.stat(d).unwrap();
    assert_eq!((st.atim, st.mtim, st.ctim), (100, 100, 100));
    assert_eq!(fs.stat(root).unwrap().mtim, 100, "parent modified");
    fs.set_time(200);
    let f = create(&mut fs, d, "f");
    let st = fs.stat(f).unwrap();
    assert_eq!((st.atim, st.mtim, st.ctim), (200, 200, 200));
    assert_eq!(fs.stat(d).unwrap().mtim, 200);
    assert_eq!(fs.stat(root).unwrap().mtim, 100, "grandparent untouched");
    fs.set_time(300);
    fs.write(f, 0, b"abc").unwrap();
    let st = fs.stat(f).unwrap();
    assert_eq!((st.atim, st.mtim, st.ctim), (200, 300, 300));
    fs.set_time(400);
    let mut buf = [0u8; 3];
    fs.read(f, 0, &mut buf).unwrap();
    let st = fs.stat(f).unwrap();
    assert_eq!((st.atim, st.mtim, st.ctim), (400, 300, 300));
    fs.set_time(500);
    fs.set_size(f, 1).unwrap();
    assert_eq!(fs.stat(f).unwrap().mtim, 500);
    fs.set_time(600);
    fs.set_times(f, Some(7), None).unwrap();
    let st = fs.stat(f).unwrap();
    assert_eq!((st.atim, st.mtim, st.ctim), (7, 500, 600));
    fs.set_times(f, None, Some(9)).unwrap();
    assert_eq!(fs.stat(f).unwrap().mtim, 9);
    fs.set_time(700);
    fs.link(d, "f", false, root, "g").unwrap();
    assert_eq!(fs.stat(f).unwrap().ctim, 700);
    assert_eq!(fs.stat(root).unwrap().mtim, 700);
    fs.set_time(800);
    fs.unlink(d, "f").unwrap();
    assert_eq!(fs.stat(f).unwrap().ctim, 800);
    assert_eq!(fs.stat(d).unwrap().mtim, 800);
    fs.set_time(900);
    fs.rename(root, "g", d, "h").unwrap();
    assert_eq!(fs.stat(root).unwrap().mtim, 900);
    assert_eq!(fs.stat(d).unwrap().mtim, 900);
    assert_eq!(fs.stat(f).unwrap().ctim, 900);
    assert_eq!(fs.stat(f).unwrap().mtim, 9, "rename does not modify data");
    fs.set_time(1000);
    fs.open(d, "h", OpenOptions::default()).unwrap();
    assert_eq!(fs.stat(f).unwrap().mtim, 9, "plain open changes nothing");
    fs.allocate(f, 0, 100).unwrap();
    assert_eq!(fs.stat(f).unwrap().mtim, 1000);
    check(&fs);
}

// ----- unpacker conveniences -----

#[test]
fn create_path_all_and_write_file() {
    let mut fs = fs();
    let root = fs.root();
    let c = fs.create_path_all(root, "a/b/c").unwrap();
    assert_eq!(fs.lookup(root, "a/b/c", false), Ok(c));
    assert_eq!(fs.create_path_all(root, "a/b/c/"), Ok(c), "idempotent");
    assert_eq!(fs.create_path_all(root, "./a//b/./c"), Ok(c));
    let d = fs.create_path_all(root, "a/b/../d").unwrap();
    assert_eq!(fs.lookup(root, "a/d", false), Ok(d));
    assert_eq!(fs.create_path_all(root, "."), Ok(root));
    assert_eq!(fs.create_path_all(root, "/x"), Err(Errno::NotCapable));
    assert_eq!(fs.create_path_all(root, "../x"), Err(Errno::NotCapable));
    let f = fs.write_file(root, "a/b/file.txt", b"contents").unwrap();
    assert_eq!(read_all(&mut fs, f), b"contents");
    assert_eq!(
        fs.create_path_all(root, "a/b/file.txt/x"),
        Err(Errno::NotDir)
    );
    // Parents are created as needed; existing files are truncated.
    let g = fs
        .write_file(root, "p/q/r.bin", &vec![9u8; 10_000])
        .unwrap();
    assert_eq!(fs.stat(g).unwrap().size, 10_000);
    let g2 = fs.write_file(root, "p/q/r.bin", b"short").unwrap();
    assert_eq!(g, g2);
    assert_eq!(read_all(&mut fs, g), b"short");
    assert_eq!(fs.write_file(root, "a", b"x"), Err(Errno::IsDir));
    let e = fs.write_file(root, "empty", b"").unwrap();
    assert_eq!(fs.stat(e).unwrap().size, 0);
    // Through a symlinked directory.
    fs.symlink("a/b", root, "lb").unwrap();
    let h = fs.write_file(root, "lb/new", b"n").unwrap();
    assert_eq!(fs.lookup(root, "a/b/new", false), Ok(h));
    assert_eq!(fs.create_path_all(root, "lb/deep/er").map(|_| ()), Ok(()));
    check(&fs);
}

#[test]
fn write_file_out_of_space() {
    let mut fs = Fs::new(Limits {
        max_bytes: 8 * P as u64,
        ..Limits::default()
    });
    let root = fs.root();
    assert_eq!(
        fs.write_file(root, "big", &vec![1u8; 10 * P]),
        Err(Errno::NoSpc)
    );
    fs.unlink(root, "big").unwrap();
    assert_eq!(fs.usage(), baseline());
    check(&fs);
}

// ----- randomized -----

/// xorshift64* — deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

fn random_path(rng: &mut Rng) -> String {
    const COMPS: [&str; 8] = ["a", "b", "c", "d", "l", "..", ".", ""];
    let n = 1 + rng.below(3);
    let mut parts = Vec::new();
    for i in 0..n {
        // Mostly plain names, sometimes the special ones (never "" first, to stay relative).
        let c = if rng.below(6) == 0 && i > 0 {
            rng.pick(&COMPS)
        } else {
            rng.pick(&COMPS[..5])
        };
        parts.push(c);
    }
    let mut p = parts.join("/");
    if rng.below(10) == 0 {
        p.push('/');
    }
    if p.is_empty() {
        p.push('a');
    }
    p
}

fn rm_rf(fs: &mut Fs, dir: Ino) {
    for e in fs.readdir(dir, 2).unwrap() {
        if e.kind == FileType::Directory {
            rm_rf(fs, e.ino);
            fs.rmdir(dir, &e.name).unwrap();
        } else {
            fs.unlink(dir, &e.name).unwrap();
        }
    }
}

/// Runs `steps` random operations; returns how often each operation kind succeeded.
fn random_run(seed: u64, steps: usize) -> [u32; 15] {
    let mut rng = Rng(seed);
    let mut fs = Fs::new(Limits {
        max_bytes: 24 * P as u64,
        max_inodes: 24,
        max_file_size: 12 * P as u64,
    });
    let root = fs.root();
    let sub = fs.mkdir(root, "a").unwrap();
    // A second starting directory, pinned like a preopen so it outlives its removal.
    fs.retain(sub).unwrap();
    let starts = [root, sub];
    let mut held: Vec<Ino> = Vec::new();
    let mut ok = [0u32; 15];
    let mut buf = vec![0u8; 3 * P];
    for step in 0..steps {
        fs.set_time(step as u64);
        let dir = starts[rng.below(2) as usize];
        let path = random_path(&mut rng);
        let follow = rng.below(2) == 0;
        let op = rng.below(15) as usize;
        let done = match op {
            0 => {
                let opts = OpenOptions {
                    create: rng.below(3) != 0,
                    exclusive: rng.below(3) == 0,
                    truncate: rng.below(4) == 0,
                    directory: rng.below(8) == 0,
                    follow,
                };
                let r = fs.open(dir, &path, opts);
                if let Ok(ino) = r
                    && rng.below(3) == 0
                {
                    fs.retain(ino).unwrap();
                    held.push(ino);
                }
                r.is_ok()
            }
            1 | 2 => fs.lookup(dir, &path, follow).is_ok_and(|ino| {
                let off = rng.below(14 * P as u64);
                let len = rng.below(3 * P as u64) as usize;
                let data = vec![rng.next() as u8 | 1; len];
                fs.write(ino, off, &data).is_ok()
            }),
            3 => fs.lookup(dir, &path, follow).is_ok_and(|ino| {
                let off = rng.below(14 * P as u64);
                fs.read(ino, off, &mut buf).is_ok()
            }),
            4 => fs
                .lookup(dir, &path, follow)
                .is_ok_and(|ino| fs.set_size(ino, rng.below(14 * P as u64)).is_ok()),
            5 => fs.lookup(dir, &path, follow).is_ok_and(|ino| {
                let (off, len) = (rng.below(13 * P as u64), rng.below(3 * P as u64));
                fs.allocate(ino, off, len).is_ok()
            }),
            6 => fs.mkdir(dir, &path).is_ok(),
            7 => fs.rmdir(dir, &path).is_ok(),
            8 => fs.unlink(dir, &path).is_ok(),
            9 => {
                let target = random_path(&mut rng);
                fs.symlink(&target, dir, &path).is_ok()
            }
            10 => {
                let other = random_path(&mut rng);
                let d2 = starts[rng.below(2) as usize];
                fs.link(dir, &path, follow, d2, &other).is_ok()
            }
            11 | 12 => {
                let other = random_path(&mut rng);
                let d2 = starts[rng.below(2) as usize];
                fs.rename(dir, &path, d2, &other).is_ok()
            }
            13 => {
                if held.is_empty() {
                    false
                } else {
                    let i = rng.below(held.len() as u64) as usize;
                    let ino = held.swap_remove(i);
                    fs.release(ino).unwrap();
                    true
                }
            }
            _ => {
                let listed = fs.lookup(dir, &path, true).is_ok_and(|ino| {
                    let cookie = rng.below(12);
                    fs.stat(ino).is_ok() && fs.readdir_max(ino, cookie, 5).is_ok()
                });
                fs.readlink(dir, &path).is_ok() || listed
            }
        };
        if done {
            ok[op] += 1;
        }
        assert!(fs.usage().bytes <= fs.limits().max_bytes);
        assert!(fs.usage().inodes <= 24);
        if let Err(e) = fs.check_consistency() {
            panic!("seed {seed} step {step} op {op} path {path:?}: {e}");
        }
    }
    for ino in held.drain(..) {
        fs.release(ino).unwrap();
    }
    rm_rf(&mut fs, root);
    fs.release(sub).unwrap();
    check(&fs);
    assert_eq!(fs.usage(), baseline(), "seed {seed}");
    ok
}

#[test]
fn randomized_ops_keep_invariants() {
    let mut total = [0u32; 15];
    for seed in 1..=60u64 {
        let ok = random_run(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1, 800);
        for (t, o) in total.iter_mut().zip(ok) {
            *t += o;
        }
    }
    // Every operation kind must have succeeded now and then, or the test proves little.
    for (op, &n) in total.iter().enumerate() {
        assert!(n > 20, "operation {op} succeeded only {n} times: {total:?}");
    }
}

#[test]
fn randomized_file_data_matches_model() {
    let mut rng = Rng(0xDEAD_BEEF);
    let mut fs = fs();
    let root = fs.root();
    let f = create(&mut fs, root, "f");
    let mut model: Vec<u8> = Vec::new();
    let span = 20 * P as u64;
    for _ in 0..2000 {
        match rng.below(4) {
            0 | 1 => {
                let off = rng.below(span);
                let len = rng.below(2 * P as u64 + 3) as usize;
                let data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
                let n = fs.write(f, off, &data).unwrap();
                assert_eq!(n, len);
                if len > 0 {
                    let end = off as usize + len;
                    if model.len() < end {
                        model.resize(end, 0);
                    }
                    model[off as usize..end].copy_from_slice(&data);
                }
            }
            2 => {
                let size = rng.below(span);
                fs.set_size(f, size).unwrap();
                model.resize(size as usize, 0);
            }
            _ => {
                let off = rng.below(span + 10);
                let len = rng.below(3 * P as u64) as usize;
                let mut buf = vec![0xA5u8; len];
                let n = fs.read(f, off, &mut buf).unwrap();
                let expect: &[u8] = model
                    .get(off as usize..)
                    .map_or(&[], |s| &s[..len.min(s.len())]);
                assert_eq!(&buf[..n], expect);
            }
        }
        assert_eq!(fs.stat(f).unwrap().size, model.len() as u64);
    }
    assert_eq!(read_all(&mut fs, f), model);
    check(&fs);
    fs.unlink(root, "f").unwrap();
    assert_eq!(fs.usage(), baseline());
}

#[test]
fn read_only_inodes_refuse_every_change_but_privileged_ones() {
    let mut fs = fs();
    let root = fs.root();
    let ro = fs.mkdir(root, "proc").unwrap();
    let file = create(&mut fs, root, "proc/status");
    fs.write(file, 0, b"x").unwrap();
    let other = create(&mut fs, root, "plain");
    fs.set_read_only(ro, true).unwrap();
    fs.set_read_only(file, true).unwrap();
    assert!(fs.is_read_only(file) && !fs.is_read_only(other));
    let usage = fs.usage();

    assert_eq!(fs.write(file, 0, b"y"), Err(Errno::RoFs));
    assert_eq!(fs.set_size(file, 0), Err(Errno::RoFs));
    assert_eq!(fs.allocate(file, 0, 10), Err(Errno::RoFs));
    assert_eq!(fs.set_times(file, Some(1), None), Err(Errno::RoFs));
    let trunc = OpenOptions {
        truncate: true,
        ..OpenOptions::default()
    };
    assert_eq!(fs.open(root, "proc/status", trunc), Err(Errno::RoFs));
    assert_eq!(fs.open(root, "proc/new", CREATE), Err(Errno::RoFs));
    assert_eq!(fs.mkdir(root, "proc/d"), Err(Errno::RoFs));
    assert_eq!(fs.symlink("x", root, "proc/l"), Err(Errno::RoFs));
    assert_eq!(fs.unlink(root, "proc/status"), Err(Errno::RoFs));
    assert_eq!(fs.rmdir(root, "proc"), Err(Errno::NotEmpty));
    assert_eq!(
        fs.link(root, "proc/status", false, root, "l2"),
        Err(Errno::RoFs)
    );
    assert_eq!(
        fs.link(root, "plain", false, root, "proc/l3"),
        Err(Errno::RoFs)
    );
    assert_eq!(
        fs.rename(root, "proc/status", root, "moved"),
        Err(Errno::RoFs)
    );
    assert_eq!(
        fs.rename(root, "plain", root, "proc/plain"),
        Err(Errno::RoFs)
    );
    assert_eq!(
        fs.rename(root, "plain", root, "proc/status"),
        Err(Errno::RoFs)
    );
    // Reading and looking up still work; nothing changed.
    assert_eq!(read_all(&mut fs, file), b"x");
    assert_eq!(fs.lookup(root, "proc/status", false), Ok(file));
    assert!(fs.lookup(root, "plain", false).is_ok());
    assert_eq!(fs.usage(), usage);
    check(&fs);

    // The kernel fills and prunes its read-only trees.
    fs.privileged(|fs| {
        let d = fs.mkdir(root, "proc/1").unwrap();
        fs.write_file(d, "status", b"Pid: 1\n").unwrap();
        fs.unlink(root, "proc/1/status").unwrap();
        fs.rmdir(root, "proc/1").unwrap();
        fs.write(file, 0, b"z").unwrap();
    });
    assert_eq!(fs.write(file, 0, b"w"), Err(Errno::RoFs));
    assert_eq!(read_all(&mut fs, file), b"z");
    check(&fs);
}

#[test]
fn snapshots_are_read_only_unnamed_and_freed_with_their_last_pin() {
    let mut fs = fs();
    let usage = fs.usage();
    let data: Vec<u8> = (0..10_000u32).map(|i| i as u8).collect();
    let snap = fs.create_snapshot(&data).unwrap();
    fs.retain(snap).unwrap();
    assert_eq!(read_all(&mut fs, snap), data);
    assert_eq!(fs.stat(snap).unwrap().nlink, 0);
    assert_eq!(fs.write(snap, 0, b"no"), Err(Errno::RoFs));
    assert!(fs.usage().bytes > usage.bytes);
    check(&fs);
    fs.release(snap).unwrap();
    assert!(!fs.exists(snap));
    assert_eq!(fs.usage(), usage);
    let empty = fs.create_snapshot(b"").unwrap();
    fs.retain(empty).unwrap();
    assert_eq!(fs.stat(empty).unwrap().size, 0);
    fs.release(empty).unwrap();
    assert_eq!(fs.usage(), usage);

    // A snapshot past the quota is refused whole.
    let mut small = Fs::new(Limits {
        max_bytes: 3 * INODE_COST,
        ..Limits::default()
    });
    let before = small.usage();
    assert_eq!(small.create_snapshot(&data), Err(Errno::NoSpc));
    assert_eq!(small.usage(), before);
    check(&small);
}

/// The order in which errors are found when two apply, checked against wasmtime 50 (and
/// Linux) by the differential test (tests/tests/run.rs, wasi-diff): a trailing slash on a
/// name to create, on readlink's path and on link's new name; rename resolving both paths
/// before looking at either name; link resolving the new name before refusing a
/// directory.
#[test]
fn error_precedence_matches_linux_and_wasmtime() {
    let mut fs = Fs::new(Limits::default());
    let root = fs.root();
    fs.open(root, "a", CREATE).unwrap();
    fs.mkdir(root, "d").unwrap();
    fs.symlink("a", root, "la").unwrap();
    fs.symlink("d", root, "ld").unwrap();
    fs.symlink("../out", root, "lo").unwrap();
    // open: CREAT with a trailing slash is ISDIR whatever the name is.
    for p in ["nope/", "a/", "d/", "lo/"] {
        assert_eq!(fs.open(root, p, CREATE), Err(Errno::IsDir), "{p}");
    }
    // readlink: a trailing slash follows, then wants a directory, which is no symlink.
    assert_eq!(fs.readlink(root, "a/"), Err(Errno::NotDir));
    assert_eq!(fs.readlink(root, "la/"), Err(Errno::NotDir));
    assert_eq!(fs.readlink(root, "d/"), Err(Errno::Inval));
    assert_eq!(fs.readlink(root, "ld/"), Err(Errno::Inval));
    assert_eq!(fs.readlink(root, "nope/"), Err(Errno::NoEnt));
    assert_eq!(fs.readlink(root, "ld"), Ok("d".into()));
    // symlink and link onto a name with a trailing slash.
    assert_eq!(fs.symlink("t", root, "a/").map(|_| ()), Err(Errno::NotDir));
    assert_eq!(
        fs.symlink("t", root, "nope/").map(|_| ()),
        Err(Errno::NoEnt)
    );
    assert_eq!(fs.symlink("t", root, "ld/").map(|_| ()), Err(Errno::Exist));
    assert_eq!(fs.link(root, "a", false, root, "a/"), Err(Errno::NotDir));
    assert_eq!(fs.link(root, "a", false, root, "nope/"), Err(Errno::NoEnt));
    assert_eq!(fs.link(root, "a", false, root, "d/"), Err(Errno::Exist));
    // link: the new name before the directory check.
    assert_eq!(fs.link(root, "d", false, root, "a"), Err(Errno::Exist));
    assert_eq!(fs.link(root, "d", false, root, "x"), Err(Errno::Perm));
    // rename: escapes and missing parents, then `.`/`..`, then the source.
    assert_eq!(
        fs.rename(root, "nope", root, "../a"),
        Err(Errno::NotCapable)
    );
    assert_eq!(fs.rename(root, ".", root, "nope/x"), Err(Errno::NoEnt));
    assert_eq!(fs.rename(root, "nope", root, "."), Err(Errno::Busy));
    assert_eq!(fs.rename(root, ".", root, "nope"), Err(Errno::Busy));
    assert_eq!(fs.rename(root, "nope", root, "x"), Err(Errno::NoEnt));
    // rename onto an ancestor of the source: NOTEMPTY before ISDIR.
    fs.open(root, "d/x", CREATE).unwrap();
    fs.mkdir(root, "d/e").unwrap();
    assert_eq!(fs.rename(root, "d/x", root, "d"), Err(Errno::NotEmpty));
    assert_eq!(fs.rename(root, "d/e", root, "d"), Err(Errno::NotEmpty));
    assert_eq!(fs.rename(root, "a", root, "d"), Err(Errno::IsDir));
    fs.unlink(root, "d/x").unwrap();
    fs.rmdir(root, "d/e").unwrap();
    // CREAT with a trailing slash: the parent's errors first.
    assert_eq!(fs.open(root, "nope/e/", CREATE), Err(Errno::NoEnt));
    assert_eq!(fs.open(root, "a/e/", CREATE), Err(Errno::NotDir));
    // unlink and rmdir with a trailing slash follow the name first.
    assert_eq!(fs.unlink(root, "lo/"), Err(Errno::NotCapable));
    assert_eq!(fs.unlink(root, "la/"), Err(Errno::NotDir));
    assert_eq!(fs.unlink(root, "d/"), Err(Errno::IsDir));
    assert_eq!(fs.unlink(root, "nope/"), Err(Errno::NoEnt));
    assert_eq!(fs.rmdir(root, "lo/"), Err(Errno::NotCapable));
    assert_eq!(fs.rmdir(root, "a/"), Err(Errno::NotDir));
    assert_eq!(fs.rmdir(root, "ld/"), Err(Errno::NotDir));
    assert!(
        fs.lookup(root, "d", false).is_ok(),
        "a symlink's target is never removed"
    );
    // link: an old name with a trailing slash resolves in full first.
    assert_eq!(
        fs.link(root, "nope/", false, root, "../x"),
        Err(Errno::NoEnt)
    );
    assert_eq!(
        fs.link(root, "la/", false, root, "nope/x"),
        Err(Errno::NotDir)
    );
    // The old name's existence before the new name's.
    assert_eq!(fs.link(root, "nope", false, root, "d/"), Err(Errno::NoEnt));
    assert_eq!(fs.link(root, "nope", false, root, "d"), Err(Errno::NoEnt));
    // link: the new path's parent before the old name's existence.
    assert_eq!(
        fs.link(root, "nope", false, root, "../x"),
        Err(Errno::NotCapable)
    );
    assert_eq!(
        fs.link(root, "nope", false, root, "a/x"),
        Err(Errno::NotDir)
    );
    assert_eq!(fs.link(root, "nope", false, root, "x"), Err(Errno::NoEnt));
}
