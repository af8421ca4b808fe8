//! The `vfs_ops` target: filesystem operations decoded from the input, applied to a
//! [`Fs`] from several directories that act as preopens (each pinned as an open handle
//! is). After every operation the filesystem must pass [`Fs::check_consistency`], stay
//! within its quota, and every inode a path resolved to must lie in the subtree of the
//! directory the path started from (capability confinement). Simple semantic checks
//! ride along: data written reads back, sizes set are reported, directory listings are
//! well formed. At the end every handle is released and no inode may be left over.

use std::collections::BTreeSet;

use vfs::{Errno, FileType, Fs, Ino, Limits, OpenOptions};

use crate::Input;
use crate::harness::subtree;

/// Most operations decoded from one input.
const MAX_OPS: usize = 96;
/// Most open handles at once.
const MAX_HANDLES: usize = 16;

/// Path components the paths are built from: names that exist in the initial tree,
/// symlinks, dot entries, empty components, names at and over the length limit, bad bytes.
const COMPONENTS: [&str; 16] = [
    "a", "b", "c", "f", "l1", "l2", "..", ".", "", "d", "up", "loop", "\u{e9}", "n\0ul", "LONG",
    "TOOLONG",
];

fn component(inp: &mut Input<'_>) -> String {
    match COMPONENTS[inp.below(COMPONENTS.len())] {
        "LONG" => "x".repeat(vfs::NAME_MAX),
        "TOOLONG" => "y".repeat(vfs::NAME_MAX + 1),
        c => c.to_string(),
    }
}

/// A path of one to four components, sometimes absolute, sometimes with a trailing slash,
/// rarely longer than `PATH_MAX`.
fn path(inp: &mut Input<'_>) -> String {
    let flags = inp.byte();
    let n = 1 + usize::from(flags & 3);
    let mut p = String::new();
    if flags & 0x10 != 0 && flags & 0x20 != 0 {
        p.push('/');
    }
    for i in 0..n {
        if i > 0 {
            p.push('/');
        }
        p.push_str(&component(inp));
    }
    if flags & 0x40 != 0 && flags & 0x80 != 0 {
        p.push('/');
    }
    if flags == 0xff {
        p = "a/".repeat(vfs::PATH_MAX / 2 + 1);
    }
    p
}

struct State {
    fs: Fs,
    limits: Limits,
    /// Directories paths start from; each is pinned.
    starts: Vec<Ino>,
    /// Pinned inodes (opened files, directories, symlinks).
    handles: Vec<Ino>,
}

impl State {
    fn new(inp: &mut Input<'_>) -> Self {
        let limits = match inp.byte() % 4 {
            0 => Limits::default(),
            1 => Limits {
                max_bytes: 16 << 10,
                max_inodes: 12,
                max_file_size: 64 << 10,
            },
            2 => Limits {
                max_bytes: 256 << 10,
                max_inodes: 64,
                max_file_size: 10_000,
            },
            _ => Limits {
                max_bytes: 1 << 20,
                max_inodes: 1000,
                max_file_size: 1 << 40,
            },
        };
        let mut fs = Fs::new(limits);
        let root = fs.root();
        // The initial tree: best effort, since the smallest limits do not hold all of it.
        let _ = fs.create_path_all(root, "a/b");
        let _ = fs.create_path_all(root, "c");
        let _ = fs.write_file(root, "a/f", b"hello, world");
        let _ = fs.symlink("../a", root, "c/up");
        let _ = fs.symlink("loop", root, "a/b/loop");
        let _ = fs.symlink("b/../f", root, "a/l1");
        let mut starts = vec![root];
        for dir in ["a", "a/b", "c"] {
            if let Ok(ino) = fs.lookup(root, dir, false) {
                starts.push(ino);
            }
        }
        for &s in &starts {
            fs.retain(s).expect("pin a live directory");
        }
        fs.check_consistency().expect("initial tree");
        Self {
            fs,
            limits,
            starts,
            handles: Vec::new(),
        }
    }

    fn start(&self, inp: &mut Input<'_>) -> Ino {
        self.starts[inp.below(self.starts.len())]
    }

    /// A path resolved from `start` to `ino`: it must lie in `start`'s subtree.
    fn confined(&self, start: Ino, path: &str, ino: Ino) {
        assert!(
            subtree(&self.fs, start).contains(&ino),
            "{path:?} from directory {start} resolved to inode {ino}, outside its subtree"
        );
    }

    fn pin(&mut self, ino: Ino) {
        if self.handles.len() < MAX_HANDLES && self.fs.retain(ino).is_ok() {
            self.handles.push(ino);
        }
    }

    fn handle(&self, inp: &mut Input<'_>) -> Option<Ino> {
        if self.handles.is_empty() {
            inp.byte();
            return None;
        }
        Some(self.handles[inp.below(self.handles.len())])
    }

    fn invariants(&self, op: &str) {
        if let Err(e) = self.fs.check_consistency() {
            panic!("after {op}: {e}");
        }
        let usage = self.fs.usage();
        assert!(
            usage.bytes <= self.limits.max_bytes.max(vfs::INODE_COST),
            "after {op}: {usage:?} over {:?}",
            self.limits
        );
        assert!(
            usage.inodes <= self.limits.max_inodes.max(1),
            "after {op}: {usage:?} over {:?}",
            self.limits
        );
    }

    fn step(&mut self, inp: &mut Input<'_>) -> &'static str {
        match inp.byte() % 18 {
            0 => {
                let start = self.start(inp);
                let p = path(inp);
                let f = inp.byte();
                let opts = OpenOptions {
                    create: f & 1 != 0,
                    exclusive: f & 2 != 0,
                    truncate: f & 4 != 0,
                    directory: f & 8 != 0,
                    follow: f & 16 != 0,
                };
                if let Ok(ino) = self.fs.open(start, &p, opts) {
                    self.confined(start, &p, ino);
                    if opts.directory {
                        assert_eq!(self.fs.kind(ino), Ok(FileType::Directory), "open {p:?}");
                    }
                    if opts.truncate && self.fs.kind(ino) == Ok(FileType::RegularFile) {
                        assert_eq!(self.fs.stat(ino).map(|s| s.size), Ok(0), "open {p:?}");
                    }
                    self.pin(ino);
                }
                "open"
            }
            1 => {
                let start = self.start(inp);
                let p = path(inp);
                if let Ok(ino) = self.fs.mkdir(start, &p) {
                    self.confined(start, &p, ino);
                    assert_eq!(self.fs.lookup(start, &p, false), Ok(ino), "mkdir {p:?}");
                }
                "mkdir"
            }
            2 => {
                let start = self.start(inp);
                let p = path(inp);
                if self.fs.rmdir(start, &p).is_ok() {
                    assert!(self.fs.lookup(start, &p, false).is_err(), "rmdir {p:?}");
                }
                "rmdir"
            }
            3 => {
                let start = self.start(inp);
                let p = path(inp);
                if self.fs.unlink(start, &p).is_ok() {
                    assert!(self.fs.lookup(start, &p, false).is_err(), "unlink {p:?}");
                }
                "unlink"
            }
            4 => {
                let start = self.start(inp);
                let target = path(inp);
                let p = path(inp);
                if let Ok(ino) = self.fs.symlink(&target, start, &p) {
                    self.confined(start, &p, ino);
                    assert_eq!(self.fs.readlink_ino(ino).as_deref(), Ok(target.as_str()));
                }
                "symlink"
            }
            5 => {
                let (s1, p1, follow) = (self.start(inp), path(inp), inp.one_in(2));
                let (s2, p2) = (self.start(inp), path(inp));
                if self.fs.link(s1, &p1, follow, s2, &p2).is_ok() {
                    let a = self.fs.lookup(s1, &p1, follow).expect("linked source");
                    let b = self.fs.lookup(s2, &p2, false).expect("new link");
                    assert_eq!(a, b, "link {p1:?} {p2:?}");
                    self.confined(s2, &p2, b);
                }
                "link"
            }
            6 => {
                let (s1, p1) = (self.start(inp), path(inp));
                let (s2, p2) = (self.start(inp), path(inp));
                if self.fs.rename(s1, &p1, s2, &p2).is_ok()
                    && let Ok(ino) = self.fs.lookup(s2, &p2, false)
                {
                    self.confined(s2, &p2, ino);
                }
                "rename"
            }
            7 => {
                let h = self.handle(inp);
                let off = inp.edgy_u64(self.limits.max_file_size);
                let len = inp.below(4) * 1500 + inp.below(64);
                let data: Vec<u8> = (0..len).map(|i| i as u8 ^ 0x5a).collect();
                if let Some(ino) = h
                    && let Ok(n) = self.fs.write(ino, off, &data)
                {
                    assert!(n <= data.len(), "write returned {n} > {}", data.len());
                    let mut back = vec![0u8; n];
                    let m = self.fs.read(ino, off, &mut back).expect("read back");
                    assert_eq!(m, n, "read back after write at {off}");
                    assert_eq!(&back[..], &data[..n], "read back after write at {off}");
                }
                "write"
            }
            8 => {
                let h = self.handle(inp);
                let off = inp.edgy_u64(self.limits.max_file_size);
                let mut buf = vec![0u8; inp.below(3) * 5000];
                if let Some(ino) = h
                    && let Ok(n) = self.fs.read(ino, off, &mut buf)
                {
                    let size = self.fs.stat(ino).expect("stat").size;
                    let want = size.saturating_sub(off).min(buf.len() as u64);
                    assert_eq!(n as u64, want, "read at {off} of a {size}-byte file");
                }
                "read"
            }
            9 => {
                let h = self.handle(inp);
                let size = inp.edgy_u64(self.limits.max_file_size);
                if let Some(ino) = h
                    && self.fs.set_size(ino, size).is_ok()
                {
                    assert_eq!(self.fs.stat(ino).map(|s| s.size), Ok(size), "truncate");
                }
                "truncate"
            }
            10 => {
                let dir = if inp.one_in(2) {
                    Some(self.start(inp))
                } else {
                    self.handle(inp)
                };
                let cookie = inp.edgy_u64(8);
                if let Some(d) = dir
                    && let Ok(entries) = self.fs.readdir(d, cookie)
                {
                    let mut names = BTreeSet::new();
                    for e in &entries {
                        assert!(names.insert(e.name.clone()), "duplicate entry {:?}", e.name);
                        assert!(e.next > cookie, "entry {e:?} from cookie {cookie}");
                        if e.name != "." && e.name != ".." {
                            assert!(!e.name.is_empty() && !e.name.contains('/'), "{e:?}");
                            assert_eq!(self.fs.kind(e.ino), Ok(e.kind), "entry {e:?}");
                        }
                    }
                }
                "readdir"
            }
            11 => {
                let start = self.start(inp);
                let p = path(inp);
                let follow = inp.one_in(2);
                if let Ok(ino) = self.fs.lookup(start, &p, follow) {
                    self.confined(start, &p, ino);
                    let st = self.fs.stat(ino).expect("stat of a resolved inode");
                    assert_eq!(st.ino, ino);
                }
                "stat"
            }
            12 => {
                if !self.handles.is_empty() {
                    let i = inp.below(self.handles.len());
                    let ino = self.handles.swap_remove(i);
                    self.fs.release(ino).expect("release a pinned inode");
                }
                "close"
            }
            13 => {
                let start = self.start(inp);
                let p = path(inp);
                let _ = self.fs.readlink(start, &p);
                "readlink"
            }
            14 => {
                let start = self.start(inp);
                let p = path(inp);
                let n = inp.below(4) * 3000;
                let data = inp.bytes(n);
                if let Ok(ino) = self.fs.write_file(start, &p, data) {
                    self.confined(start, &p, ino);
                    assert_eq!(self.fs.stat(ino).map(|s| s.size), Ok(data.len() as u64));
                }
                "write_file"
            }
            15 => {
                let start = self.start(inp);
                let p = path(inp);
                if let Ok(ino) = self.fs.create_path_all(start, &p) {
                    self.confined(start, &p, ino);
                    assert_eq!(self.fs.kind(ino), Ok(FileType::Directory));
                }
                "create_path_all"
            }
            16 => {
                let h = self.handle(inp);
                let off = inp.edgy_u64(self.limits.max_file_size);
                let len = inp.edgy_u64(self.limits.max_file_size);
                if let Some(ino) = h
                    && self.fs.allocate(ino, off, len).is_ok()
                {
                    let size = self.fs.stat(ino).expect("stat").size;
                    assert!(size >= off.saturating_add(len), "allocate: size {size}");
                }
                "allocate"
            }
            _ => {
                let h = self.handle(inp);
                let (a, m) = (inp.u64(), inp.u64());
                self.fs.set_time(inp.u64());
                if let Some(ino) = h {
                    let _ = self.fs.set_times(ino, Some(a), Some(m));
                }
                "set_times"
            }
        }
    }

    /// Releases every pin: afterwards every live inode must be reachable from the root.
    fn finish(mut self) {
        for ino in self.handles.drain(..).chain(self.starts.drain(..)) {
            self.fs.release(ino).expect("release a pinned inode");
        }
        self.invariants("releasing every handle");
        let reachable = subtree(&self.fs, self.fs.root()).len() as u64;
        assert_eq!(
            reachable,
            self.fs.usage().inodes,
            "inodes alive but unreachable once nothing is open"
        );
        assert_eq!(self.fs.release(self.fs.root()), Err(Errno::Inval));
    }
}

/// The `vfs_ops` target.
pub fn vfs_ops(data: &[u8]) {
    let mut inp = Input::new(data);
    let mut state = State::new(&mut inp);
    for _ in 0..MAX_OPS {
        if inp.is_empty() {
            break;
        }
        let op = state.step(&mut inp);
        state.invariants(op);
    }
    state.finish();
}
