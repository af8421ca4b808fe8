//! Unpacking archives written by the `tar` crate (as the boot tool writes them), and
//! rejecting truncated or garbage bytes.

use alloc::vec::Vec;

use vfs::{FileType, Fs, Limits};

use crate::{Archive, KERNEL_PREFIX, Unpacked, unpack};

enum E<'a> {
    File(&'a str, &'a [u8]),
    Dir(&'a str),
    Symlink(&'a str, &'a str),
}

/// A ustar archive of `entries`, written like the boot tool's `image::append`.
fn archive(entries: &[E<'_>]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let mut h = tar::Header::new_ustar();
        let (path, data): (&str, &[u8]) = match e {
            E::File(p, d) => {
                h.set_entry_type(tar::EntryType::Regular);
                (p, d)
            }
            E::Dir(p) => {
                h.set_entry_type(tar::EntryType::Directory);
                (p, &[])
            }
            E::Symlink(p, t) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_link_name(t).expect("link name");
                (p, &[])
            }
        };
        h.set_path(path).expect("path");
        h.set_mode(0o644);
        h.set_size(data.len() as u64);
        h.set_cksum();
        b.append(&h, data).expect("append");
    }
    b.into_inner().expect("finish")
}

fn read_all(fs: &mut Fs, path: &str) -> Vec<u8> {
    let ino = fs.lookup(fs.root(), path, true).expect(path);
    let mut buf = alloc::vec![0u8; fs.stat(ino).expect("stat").size as usize];
    let n = fs.read(ino, 0, &mut buf).expect("read");
    buf.truncate(n);
    buf
}

#[test]
fn unpacks_dirs_files_and_symlinks() {
    let long_dir = "d".repeat(120);
    let long_file = alloc::format!("{long_dir}/f");
    let bytes = archive(&[
        E::File(".kernel/cmdline", b"console=cooked"),
        E::File(".kernel/argv", b"/bin/init\0"),
        E::Dir("bin"),
        E::File("bin/init", b"\0asm"),
        E::File("./etc/motd", b"hello\n"),
        E::Dir("tmp/"),
        E::Dir("a/b/c"),
        E::Symlink("bin/sh", "init"),
        E::Symlink("deep/link", "../etc/motd"),
        E::File(&long_file, b"long"),
        E::File("empty", b""),
    ]);
    let archive = Archive::new(&bytes).expect("valid");
    assert_eq!(archive.kernel_file("cmdline"), Some(&b"console=cooked"[..]));
    assert_eq!(archive.kernel_file("argv"), Some(&b"/bin/init\0"[..]));
    assert_eq!(archive.kernel_file("stdin"), None);
    assert_eq!(archive.kernel_file(""), None);

    let mut fs = Fs::new(Limits::default());
    let u = archive.unpack(&mut fs);
    assert_eq!(
        u,
        Unpacked {
            files: 4,
            dirs: 3,
            symlinks: 2,
            bytes: 4 + 6 + 4,
            skipped: 0
        }
    );
    fs.check_consistency().expect("consistent");
    let root = fs.root();
    assert_eq!(read_all(&mut fs, "bin/init"), b"\0asm");
    assert_eq!(read_all(&mut fs, "bin/sh"), b"\0asm");
    assert_eq!(read_all(&mut fs, "etc/motd"), b"hello\n");
    assert_eq!(read_all(&mut fs, "deep/link"), b"hello\n");
    assert_eq!(read_all(&mut fs, &long_file), b"long");
    assert_eq!(read_all(&mut fs, "empty"), b"");
    assert_eq!(fs.readlink(root, "bin/sh").expect("symlink"), "init");
    for dir in ["tmp", "a/b/c", "deep"] {
        let ino = fs.lookup(root, dir, false).expect(dir);
        assert_eq!(fs.kind(ino), Ok(FileType::Directory), "{dir}");
    }
    // Kernel-private entries stay out of the root filesystem.
    let kernel_dir = KERNEL_PREFIX.trim_end_matches('/');
    assert!(fs.lookup(root, kernel_dir, false).is_err());
    // The free function does the same from bytes.
    let mut fs2 = Fs::new(Limits::default());
    assert_eq!(unpack(&bytes, &mut fs2), Ok(u));
    assert_eq!(fs2.usage(), fs.usage());
}

#[test]
fn entries_that_cannot_be_created_are_skipped() {
    let bytes = archive(&[
        E::File("f", b"data"),
        E::File("f/under-a-file", b"x"),
        E::Dir("f/dir"),
        E::Symlink("f", "elsewhere"),
        E::Symlink("abs", "/etc/passwd"),
        E::Symlink("up", "../../outside"),
    ]);
    let mut fs = Fs::new(Limits::default());
    let u = unpack(&bytes, &mut fs).expect("valid");
    assert_eq!((u.files, u.dirs, u.symlinks, u.skipped), (1, 0, 2, 3));
    fs.check_consistency().expect("consistent");
    let root = fs.root();
    // Dangling or absolute symlinks are stored but never resolve outside the root.
    assert!(fs.lookup(root, "abs", true).is_err());
    assert!(fs.lookup(root, "up", true).is_err());
}

#[test]
fn the_quota_is_respected() {
    let big = alloc::vec![7u8; 64 << 10];
    let bytes = archive(&[E::File("a", &big), E::File("b", &big), E::Dir("c")]);
    let mut fs = Fs::new(Limits {
        max_bytes: 80 << 10,
        ..Limits::default()
    });
    let u = unpack(&bytes, &mut fs).expect("valid");
    assert_eq!(u.files, 1);
    assert!(u.skipped >= 1, "{u:?}");
    fs.check_consistency().expect("consistent");
}

#[test]
fn truncated_archives_are_rejected() {
    let bytes = archive(&[E::File("bin/init", &[1u8; 1500]), E::Dir("tmp")]);
    let mut fs = Fs::new(Limits::default());
    for cut in [1, 511, 512, 1024, bytes.len() - 1024, bytes.len() - 512] {
        let r = unpack(&bytes[..cut], &mut fs);
        assert!(r.is_err(), "cut at {cut}: {r:?}");
    }
    assert_eq!(fs.usage().inodes, 1);
}

#[test]
fn garbage_is_rejected() {
    let mut fs = Fs::new(Limits::default());
    assert!(unpack(&[], &mut fs).is_err());
    let mut x = 0x2545_f491_4f6c_dd1du64;
    for len in [1usize, 100, 512, 1024, 4096, 10240] {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        assert!(unpack(&bytes, &mut fs).is_err(), "{len} random bytes");
    }
    // A header whose checksum is wrong.
    let mut bytes = archive(&[E::File("a", b"x")]);
    bytes[0] = b'b';
    let err = unpack(&bytes, &mut fs).expect_err("bad checksum");
    assert!(alloc::format!("{err}").contains("checksum"), "{err}");
    assert_eq!(fs.usage().inodes, 1);
    fs.check_consistency().expect("consistent");
}
