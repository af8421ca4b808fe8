//! The `rootfs` target: bytes through the ramdisk reader ([`rootfs::Archive`]) and its
//! unpacker. Three shapes of input: raw bytes; a valid ustar archive of decoded entries
//! (names with `..`, absolute paths, `.kernel/`, long prefixes, symlinks to anything); and
//! that archive with fuzz bytes spliced into one header field and the checksum fixed up,
//! so the corruption gets past validation. Afterwards the filesystem must be consistent.

use vfs::{Fs, Limits};

use crate::Input;

const BLOCK: usize = 512;

/// Names the entries are made of.
const NAMES: [&str; 14] = [
    "bin",
    "bin/init",
    "./etc/motd",
    "a/b/c/",
    "../escape",
    "/abs",
    ".kernel/argv",
    ".kernel",
    "a//b",
    ".",
    "",
    "l",
    "l/x",
    "\u{e9}t\u{e9}",
];

/// One ustar header block for `name` (split into prefix/name when longer than 100 bytes).
fn header(name: &[u8], typeflag: u8, size: usize, link: &[u8]) -> [u8; BLOCK] {
    let mut h = [0u8; BLOCK];
    let (prefix, name) = if name.len() > 100 {
        let cut = name.len().saturating_sub(100).min(155);
        (&name[..cut], &name[cut..])
    } else {
        (&name[..0], name)
    };
    put(&mut h[0..100], name);
    put(&mut h[100..108], b"0000644\0");
    put(&mut h[108..116], b"0000000\0");
    put(&mut h[116..124], b"0000000\0");
    put(&mut h[124..136], format!("{size:011o}\0").as_bytes());
    put(&mut h[136..148], b"00000000000\0");
    h[156] = typeflag;
    put(&mut h[157..257], link);
    put(&mut h[257..263], b"ustar\0");
    put(&mut h[263..265], b"00");
    put(&mut h[345..500], prefix);
    fix_checksum(&mut h);
    h
}

fn put(field: &mut [u8], bytes: &[u8]) {
    let n = field.len().min(bytes.len());
    field[..n].copy_from_slice(&bytes[..n]);
}

/// Recomputes a header's checksum (the checksum field counts as spaces).
fn fix_checksum(h: &mut [u8]) {
    let sum: u32 = h
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(b)
            }
        })
        .sum();
    put(&mut h[148..156], format!("{sum:06o}\0 ").as_bytes());
}

/// A valid archive of up to eight decoded entries; returns it and its header offsets.
fn build(inp: &mut Input<'_>) -> (Vec<u8>, Vec<usize>) {
    let mut out = Vec::new();
    let mut headers = Vec::new();
    let n = 1 + inp.below(8);
    for _ in 0..n {
        let mut name = NAMES[inp.below(NAMES.len())].to_string();
        match inp.byte() % 8 {
            0 => name = format!("{}/{name}", "p".repeat(120)),
            1 => name.push_str(&"n".repeat(inp.below(120))),
            _ => {}
        }
        let link = NAMES[inp.below(NAMES.len())];
        let (flag, size) = match inp.byte() % 5 {
            0 | 1 => (b'0', inp.below(4) * 700 + inp.below(3)),
            2 => (b'5', 0),
            3 => (b'2', 0),
            _ => (b"1346x\0"[inp.below(6)], 0),
        };
        headers.push(out.len());
        out.extend_from_slice(&header(name.as_bytes(), flag, size, link.as_bytes()));
        let data: Vec<u8> = (0..size).map(|i| i as u8).collect();
        out.extend_from_slice(&data);
        out.resize(out.len().div_ceil(BLOCK) * BLOCK, 0);
    }
    out.resize(out.len() + 2 * BLOCK, 0);
    (out, headers)
}

/// Header fields worth corrupting: (offset, length).
const FIELDS: [(usize, usize); 9] = [
    (0, 100),   // name
    (100, 8),   // mode
    (124, 12),  // size
    (148, 8),   // checksum (left as spliced)
    (156, 1),   // typeflag
    (157, 100), // linkname
    (257, 8),   // magic + version
    (345, 155), // prefix
    (0, 512),   // anywhere
];

/// The `rootfs` target.
pub fn rootfs(data: &[u8]) {
    let mut inp = Input::new(data);
    let mode = inp.byte();
    let limits = if mode & 0x80 != 0 {
        Limits {
            max_bytes: 8 << 10,
            max_inodes: 8,
            max_file_size: 2000,
        }
    } else {
        Limits::default()
    };
    let bytes = match mode % 3 {
        0 => inp.rest().to_vec(),
        1 => build(&mut inp).0,
        _ => {
            let (mut bytes, headers) = build(&mut inp);
            let at = headers[inp.below(headers.len())];
            let (off, len) = FIELDS[inp.below(FIELDS.len())];
            let start = at + off + inp.below(len);
            let n = inp.below(len) + 1;
            let splice = inp.bytes(n);
            let end = (start + splice.len()).min(at + BLOCK);
            bytes[start..end].copy_from_slice(&splice[..end - start]);
            if off != 148 {
                fix_checksum(&mut bytes[at..at + BLOCK]);
            }
            bytes
        }
    };
    let mut fs = Fs::new(limits);
    if let Ok(archive) = rootfs::Archive::new(&bytes) {
        for name in ["cmdline", "argv", "", "../argv"] {
            let _ = archive.kernel_file(name);
        }
        let u = archive.unpack(&mut fs);
        let total = u.files + u.dirs + u.symlinks + u.skipped;
        assert!(
            total <= bytes.len() / BLOCK,
            "{u:?} from {} bytes",
            bytes.len()
        );
    }
    if let Err(e) = fs.check_consistency() {
        panic!("after unpacking: {e}");
    }
}
