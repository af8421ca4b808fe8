//! Taking directories back out of the VM: the byte stream in which the kernel sends a
//! `run --dir` directory's final contents to the boot tool when the first process has
//! ended, and the boot tool's reader for it. Both ends are ours, so the format is the
//! simplest that can be checked whole before anything on the host is touched:
//!
//! ```text
//! "WKEXPORT1\n"
//! per directory:  'r' u16 len, guest path                (the --dir's guest path)
//! per entry:      kind u8 ('d' directory, 'f' file, 'l' symlink),
//!                 u16 len, path relative to the directory ('/'-separated),
//!                 u64 len, data (file contents, symlink target; nothing for a directory)
//! end:            'e' u64 entries, u32 FNV-1a of every byte before the 'e'
//! ```
//!
//! A file still as it was copied in — same inode at the same path, change time untouched
//! since the [`Baseline`] was taken at boot — goes as `'u'` with its path and no data: the
//! host has those bytes already, and the serial line back is slow (~0.5 MB/s emulated).
//!
//! All integers little-endian. Inodes marked read-only (the kernel's `/dev` and `/proc`
//! placeholders, `:ro` directories) are left out: they are not the guest's.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use vfs::{FileType, Fs, Ino};

/// What the stream starts with.
pub const MAGIC: &[u8] = b"WKEXPORT1\n";

/// Most bytes read from the filesystem per read while exporting.
const CHUNK: usize = 4096;

/// FNV-1a, 32-bit, continued over a stream.
#[derive(Debug, Clone, Copy)]
pub struct Fnv(u32);

impl Default for Fnv {
    fn default() -> Self {
        Self(0x811c_9dc5)
    }
}

impl Fnv {
    /// Adds `bytes`.
    pub fn update(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u32::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0193);
        }
    }

    /// The hash so far.
    pub fn value(self) -> u32 {
        self.0
    }
}

/// The regular files under a directory as it was copied in: inode → (path relative to
/// the directory, change time).
#[derive(Debug, Default, Clone)]
pub struct Baseline(BTreeMap<Ino, (String, u64)>);

impl Baseline {
    /// Records every regular file under `dir` (not following symlinks).
    pub fn take(fs: &Fs, dir: Ino) -> Self {
        let mut files = BTreeMap::new();
        let mut stack = alloc::vec![(dir, String::new())];
        while let Some((ino, prefix)) = stack.pop() {
            let Ok(entries) = fs.readdir(ino, 0) else {
                continue;
            };
            for e in entries {
                if e.name == "." || e.name == ".." {
                    continue;
                }
                let path = join(&prefix, &e.name);
                match e.kind {
                    FileType::Directory => stack.push((e.ino, path)),
                    FileType::RegularFile => {
                        if let Ok(st) = fs.stat(e.ino) {
                            files.insert(e.ino, (path, st.ctim));
                        }
                    }
                    FileType::SymbolicLink => {}
                }
            }
        }
        Self(files)
    }

    /// Whether `ino` at `path` is still the file copied in there, untouched.
    fn unchanged(&self, fs: &Fs, ino: Ino, path: &str) -> bool {
        self.0
            .get(&ino)
            .is_some_and(|(p, ctim)| p == path && fs.stat(ino).is_ok_and(|st| st.ctim == *ctim))
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        String::from(name)
    } else {
        alloc::format!("{prefix}/{name}")
    }
}

/// Writes the stream to `out`, hashing as it goes.
pub struct Writer<F: FnMut(&[u8])> {
    out: F,
    hash: Fnv,
    entries: u64,
}

impl<F: FnMut(&[u8])> Writer<F> {
    /// Starts a stream (writes the magic).
    pub fn new(out: F) -> Self {
        let mut w = Self {
            out,
            hash: Fnv::default(),
            entries: 0,
        };
        w.put(MAGIC);
        w
    }

    fn put(&mut self, bytes: &[u8]) {
        self.hash.update(bytes);
        (self.out)(bytes);
    }

    fn name(&mut self, kind: u8, path: &str) {
        // Paths longer than u16 cannot occur: the vfs bounds them far lower.
        let len = u16::try_from(path.len()).unwrap_or(u16::MAX);
        self.put(&[kind]);
        self.put(&len.to_le_bytes());
        self.put(&path.as_bytes()[..usize::from(len)]);
    }

    /// Exports directory `dir` of `fs` under the name `guest` (depth first, iteratively);
    /// files unchanged since `baseline` go without their data.
    pub fn directory(&mut self, fs: &mut Fs, guest: &str, dir: Ino, baseline: &Baseline) {
        self.name(b'r', guest);
        let mut stack: Vec<(Ino, String)> = Vec::new();
        stack.push((dir, String::new()));
        while let Some((ino, prefix)) = stack.pop() {
            let Ok(entries) = fs.readdir(ino, 0) else {
                continue;
            };
            for e in entries {
                if e.name == "." || e.name == ".." || fs.is_read_only(e.ino) {
                    continue;
                }
                let path = join(&prefix, &e.name);
                match e.kind {
                    FileType::Directory => {
                        self.entry_header(b'd', &path, 0);
                        stack.push((e.ino, path));
                    }
                    FileType::SymbolicLink => {
                        let target = fs.readlink_ino(e.ino).unwrap_or_default();
                        self.entry_header(b'l', &path, target.len() as u64);
                        self.put(target.as_bytes());
                    }
                    FileType::RegularFile if baseline.unchanged(fs, e.ino, &path) => {
                        self.entry_header(b'u', &path, 0);
                    }
                    FileType::RegularFile => self.file(fs, e.ino, &path),
                }
            }
        }
    }

    /// Exports `guest` as an empty directory (it was removed or replaced by a file).
    pub fn directory_gone(&mut self, guest: &str) {
        self.name(b'r', guest);
    }

    fn entry_header(&mut self, kind: u8, path: &str, len: u64) {
        self.entries += 1;
        self.name(kind, path);
        self.put(&len.to_le_bytes());
    }

    fn file(&mut self, fs: &mut Fs, ino: Ino, path: &str) {
        let size = fs.stat(ino).map_or(0, |s| s.size);
        self.entry_header(b'f', path, size);
        let mut buf = [0u8; CHUNK];
        let mut at = 0u64;
        while at < size {
            let want = usize::try_from(size - at).map_or(CHUNK, |r| r.min(CHUNK));
            let n = fs.read(ino, at, &mut buf[..want]).unwrap_or(0);
            if n == 0 {
                // Cannot happen for a file of `size` bytes; keep the stream well-formed.
                buf[..want].fill(0);
                self.put(&buf[..want]);
                at += want as u64;
                continue;
            }
            self.put(&buf[..n]);
            at += n as u64;
        }
    }

    /// Ends the stream.
    pub fn finish(mut self) {
        let hash = self.hash.value();
        let entries = self.entries;
        (self.out)(b"e");
        (self.out)(&entries.to_le_bytes());
        (self.out)(&hash.to_le_bytes());
    }
}

/// One exported entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Dir(String),
    /// A file as it was copied in (its data stays where it is).
    Unchanged(String),
    File(String, Vec<u8>),
    Symlink(String, String),
}

/// One exported directory: its guest path and its entries (parents before children).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub guest: String,
    pub entries: Vec<Entry>,
}

/// Why a stream is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// No magic: nothing was exported (or something else was sent).
    NoStream,
    /// It stops before its end record: the VM died while sending.
    Truncated,
    /// Malformed, or the hash or entry count does not match.
    Corrupt,
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ParseError> {
        let end = self.at.checked_add(n).ok_or(ParseError::Corrupt)?;
        let s = self.bytes.get(self.at..end).ok_or(ParseError::Truncated)?;
        self.at = end;
        Ok(s)
    }

    fn u16(&mut self) -> Result<u16, ParseError> {
        Ok(u16::from_le_bytes(
            self.take(2)?.try_into().map_err(|_| ParseError::Corrupt)?,
        ))
    }

    fn u64(&mut self) -> Result<u64, ParseError> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().map_err(|_| ParseError::Corrupt)?,
        ))
    }

    fn text(&mut self, n: usize) -> Result<String, ParseError> {
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| ParseError::Corrupt)
    }
}

/// Reads a whole stream; nothing is returned unless it is complete and intact.
pub fn parse(bytes: &[u8]) -> Result<Vec<Exported>, ParseError> {
    if !bytes.starts_with(MAGIC) {
        return Err(ParseError::NoStream);
    }
    let mut r = Reader {
        bytes,
        at: MAGIC.len(),
    };
    let mut out: Vec<Exported> = Vec::new();
    let mut count = 0u64;
    loop {
        let start = r.at;
        let kind = r.take(1)?[0];
        if kind == b'e' {
            let entries = r.u64()?;
            let hash = u32::from_le_bytes(r.take(4)?.try_into().map_err(|_| ParseError::Corrupt)?);
            let mut h = Fnv::default();
            h.update(&bytes[..start]);
            if entries != count || hash != h.value() {
                return Err(ParseError::Corrupt);
            }
            return Ok(out);
        }
        let len = usize::from(r.u16()?);
        let path = r.text(len)?;
        if kind == b'r' {
            out.push(Exported {
                guest: path,
                entries: Vec::new(),
            });
            continue;
        }
        let size = usize::try_from(r.u64()?).map_err(|_| ParseError::Corrupt)?;
        let data = r.take(size)?;
        let entry = match kind {
            b'd' => Entry::Dir(path),
            b'u' => Entry::Unchanged(path),
            b'f' => Entry::File(path, data.to_vec()),
            b'l' => Entry::Symlink(
                path,
                String::from_utf8(data.to_vec()).map_err(|_| ParseError::Corrupt)?,
            ),
            _ => return Err(ParseError::Corrupt),
        };
        out.last_mut()
            .ok_or(ParseError::Corrupt)?
            .entries
            .push(entry);
        count += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vfs::Limits;

    fn sample() -> (Fs, Ino) {
        let mut fs = Fs::new(Limits::default());
        let root = fs.root();
        let out = fs.mkdir(root, "out").unwrap();
        fs.write_file(out, "a.txt", b"hello\n").unwrap();
        fs.mkdir(out, "sub").unwrap();
        let big: Vec<u8> = (0..10_000u32).map(|i| i as u8).collect();
        fs.write_file(out, "sub/big.bin", &big).unwrap();
        fs.symlink("a.txt", out, "link").unwrap();
        let ro = fs.write_file(out, "placeholder", b"").unwrap();
        fs.set_read_only(ro, true).unwrap();
        (fs, out)
    }

    fn export(fs: &mut Fs, dir: Ino) -> Vec<u8> {
        export_since(fs, dir, &Baseline::default())
    }

    fn export_since(fs: &mut Fs, dir: Ino, baseline: &Baseline) -> Vec<u8> {
        let mut bytes = Vec::new();
        let mut w = Writer::new(|b: &[u8]| bytes.extend_from_slice(b));
        w.directory(fs, "/out", dir, baseline);
        w.finish();
        bytes
    }

    #[test]
    fn a_tree_goes_out_and_comes_back() {
        let (mut fs, out) = sample();
        let bytes = export(&mut fs, out);
        let got = parse(&bytes).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].guest, "/out");
        let e = &got[0].entries;
        assert!(e.contains(&Entry::File("a.txt".into(), b"hello\n".to_vec())));
        assert!(e.contains(&Entry::Dir("sub".into())));
        assert!(e.contains(&Entry::Symlink("link".into(), "a.txt".into())));
        let big = e
            .iter()
            .find_map(|x| match x {
                Entry::File(p, d) if p == "sub/big.bin" => Some(d.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(big.len(), 10_000);
        assert_eq!(big[9_999], (9_999u32) as u8);
        let dir_at = e.iter().position(|x| *x == Entry::Dir("sub".into()));
        let file_at = e
            .iter()
            .position(|x| matches!(x, Entry::File(p, _) if p == "sub/big.bin"));
        assert!(dir_at < file_at, "parents come first");
        assert!(
            !e.iter()
                .any(|x| matches!(x, Entry::File(p, _) if p == "placeholder")),
            "read-only inodes stay in"
        );
    }

    #[test]
    fn files_untouched_since_boot_go_without_their_data() {
        let (mut fs, out) = sample();
        fs.set_time(1_000);
        let baseline = Baseline::take(&fs, out);
        fs.set_time(2_000);
        let sub = fs.lookup(out, "sub", true).unwrap();
        fs.rename(sub, "big.bin", out, "moved.bin").unwrap();
        let e = parse(&export_since(&mut fs, out, &baseline))
            .unwrap()
            .remove(0)
            .entries;
        assert!(e.contains(&Entry::Unchanged("a.txt".into())), "{e:?}");
        assert!(
            e.iter()
                .any(|x| matches!(x, Entry::File(p, d) if p == "moved.bin" && d.len() == 10_000)),
            "a renamed file is sent whole"
        );
        let a = fs.lookup(out, "a.txt", true).unwrap();
        fs.write(a, 0, b"H").unwrap();
        let e = parse(&export_since(&mut fs, out, &baseline))
            .unwrap()
            .remove(0)
            .entries;
        assert!(
            e.contains(&Entry::File("a.txt".into(), b"Hello\n".to_vec())),
            "{e:?}"
        );
    }

    #[test]
    fn damaged_streams_are_refused_whole() {
        let (mut fs, out) = sample();
        let bytes = export(&mut fs, out);
        assert_eq!(parse(b""), Err(ParseError::NoStream));
        assert_eq!(parse(b"log text"), Err(ParseError::NoStream));
        for cut in [
            MAGIC.len(),
            MAGIC.len() + 5,
            bytes.len() / 2,
            bytes.len() - 1,
        ] {
            assert_eq!(
                parse(&bytes[..cut]),
                Err(ParseError::Truncated),
                "cut at {cut}"
            );
        }
        let mut flipped = bytes.clone();
        flipped[MAGIC.len() + 20] ^= 0x40;
        assert!(parse(&flipped).is_err());
    }
}
