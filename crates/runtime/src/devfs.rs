//! The `/dev` the kernel serves when it is mounted ([`mount`]):
//!
//! ```text
//! /dev/null                 reads end of file; writes are discarded
//! /dev/zero                 reads zero bytes; writes are discarded
//! /dev/urandom, /dev/random reads random bytes (the platform's CSPRNG); writes discarded
//! /dev/tty                  the console: its input, and its stdout stream
//! /dev/stdin, stdout, stderr  the opener's descriptor 0, 1, 2 once more
//! /dev/fd/0 … /dev/fd/63    the opener's descriptor N once more (bash's process
//!                           substitution hands `<(cmd)` over as /dev/fd/63, 62, …)
//! ```
//!
//! Like [`crate::procfs`], the tree lives in the ordinary filesystem with every inode
//! marked read-only, so lookups and `readdir` need nothing special and creating, removing
//! or renaming anything in it is ROFS. The files are empty placeholders; [`device`] tells
//! which inode is which device, and opening one ([`open`]) gives a handle on an
//! [`Object`] of its own rather than on the placeholder: `path_open` and the spawn file
//! actions (`proc_spawn2` OPEN) both go through [`open_path`] and [`open`]. Stat reports
//! the placeholders as character devices ([`filetype`]).
//!
//! Opening a device for writing is allowed although its inode is read-only, and `O_TRUNC`
//! / `O_CREAT` on one are accepted and ignored, as on Linux (`> /dev/null`). `O_EXCL`
//! with `O_CREAT` is EXIST and `O_DIRECTORY` NOTDIR, as for any existing file.
//!
//! Where Linux differs:
//! - `/dev/stdin`, `/dev/stdout` and `/dev/stderr` give a new descriptor on the very open
//!   file description at the opener's descriptor 0, 1, 2 (a `dup`, sharing its offset,
//!   status flags and rights, as BSD's `/dev/fd` does). Linux re-opens the underlying file
//!   through `/proc/self/fd/N` instead (a new offset; `O_TRUNC` truncates a regular file
//!   there). With that descriptor closed, Linux's lookup finds no `/proc/self/fd/N`:
//!   NOENT, here too. `/dev/fd/N` is the same for descriptor N; `/dev/fd` lists all of
//!   0 to [`FD_NODES`]` - 1`, open or not (Linux lists the open ones), and has nothing
//!   above.
//! - Reads are bounded per call like every read: at most [`ZERO_READ_MAX`] bytes of
//!   zeros and [`RANDOM_READ_MAX`] of random ones (a short read, which callers loop on);
//!   both go straight into guest memory, with no kernel buffer. Writes to the discarding
//!   devices take at most the same transfer bound as `wasi::fd` per call.
//! - `/dev/null`, `/dev/zero` and the random devices can be "seeked": the offset stays 0
//!   and `fd_seek` / `fd_tell` report 0, as Linux's `lseek` does on them. `/dev/tty`
//!   is SPIPE, and its handles lack the FD_SEEK and FD_TELL rights, so wasi-libc's
//!   `isatty` (a character device without those rights) says yes.
//! - Timestamps of the placeholders cannot be changed (ROFS); Linux lets root `touch`
//!   them.

use alloc::vec::Vec;

use abi::Errno;
use vfs::{Ino, OpenOptions};

use crate::files::{FdEntry, FdTable, Object, OpenFile};
use crate::sys::System;
use abi::wasix::filetype::CHARACTER_DEVICE;
use abi::wasix::rights;

/// Most bytes one read of `/dev/zero` gives (the runtime's per-call transfer bound).
pub const ZERO_READ_MAX: usize = 1 << 24;

/// Most bytes one read of `/dev/urandom` or `/dev/random` gives: generating them takes
/// time the kernel spends in one host call (Linux once capped such reads at 32 MiB).
pub const RANDOM_READ_MAX: usize = 1 << 20;

/// The rights a `/dev/tty` handle lacks.
const SEEK_RIGHTS: u64 = rights::FD_SEEK | rights::FD_TELL;

/// What a placeholder stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    Null,
    Zero,
    Random,
    Tty,
    /// The opener's descriptor N (`/dev/stdin` and its kin, `/dev/fd/N`).
    Stdio(u32),
}

/// Every device, by name.
const DEVICES: [(&str, Device); 8] = [
    ("null", Device::Null),
    ("zero", Device::Zero),
    ("urandom", Device::Random),
    ("random", Device::Random),
    ("tty", Device::Tty),
    ("stdin", Device::Stdio(0)),
    ("stdout", Device::Stdio(1)),
    ("stderr", Device::Stdio(2)),
];

/// How many descriptors `/dev/fd` names (0 to 63: bash's process substitution counts
/// down from 63).
pub const FD_NODES: u32 = 64;

/// The mounted `/dev`: which placeholder inode is which device.
#[derive(Debug)]
pub struct DevFs {
    nodes: Vec<(Ino, Device)>,
}

/// Creates `/dev` under directory `parent` (the root, normally) and mounts the devices.
/// EXIST if the name is taken.
pub fn mount(sys: &mut System, parent: Ino) -> Result<(), Errno> {
    let fs = &mut sys.fs;
    let dir = fs.mkdir(parent, "dev")?;
    let mut nodes = Vec::new();
    nodes
        .try_reserve_exact(DEVICES.len() + FD_NODES as usize)
        .map_err(|_| Errno::NoMem)?;
    for (name, dev) in DEVICES {
        let ino = fs.write_file(dir, name, b"")?;
        fs.set_read_only(ino, true)?;
        nodes.push((ino, dev));
    }
    let fd_dir = fs.mkdir(dir, "fd")?;
    for n in 0..FD_NODES {
        let ino = fs.write_file(fd_dir, &alloc::format!("{n}"), b"")?;
        fs.set_read_only(ino, true)?;
        nodes.push((ino, Device::Stdio(n)));
    }
    fs.set_read_only(fd_dir, true)?;
    fs.set_read_only(dir, true)?;
    sys.devfs = Some(DevFs { nodes });
    Ok(())
}

/// The device `ino` stands for, if it is one of `/dev`'s placeholders.
pub fn device(sys: &System, ino: Ino) -> Option<Device> {
    let nodes = &sys.devfs.as_ref()?.nodes;
    nodes.iter().find(|(i, _)| *i == ino).map(|&(_, dev)| dev)
}

/// The WASI filetype to report for `ino`, whose filesystem type is `filetype`: character
/// device for a placeholder, else unchanged.
pub fn filetype(sys: &System, ino: Ino, filetype: u8) -> u8 {
    if device(sys, ino).is_some() {
        CHARACTER_DEVICE
    } else {
        filetype
    }
}

/// [`vfs::Fs::open`], except that `O_TRUNC` on a device is ignored (its placeholder is
/// read-only, so truncating it would be ROFS).
pub fn open_path(sys: &mut System, dir: Ino, path: &str, opts: OpenOptions) -> Result<Ino, Errno> {
    if opts.truncate && sys.devfs.is_some() && !(opts.create && opts.exclusive) {
        let follow = opts.follow || path.ends_with('/');
        if let Ok(ino) = sys.fs.lookup(dir, path, follow)
            && device(sys, ino).is_some()
        {
            let opts = OpenOptions {
                truncate: false,
                ..opts
            };
            return sys.fs.open(dir, path, opts);
        }
    }
    sys.fs.open(dir, path, opts)
}

/// What opening a device gives.
#[derive(Debug)]
pub enum Opened {
    /// A new open file description (not registered yet), with every right the device
    /// supports; the caller narrows them.
    New(OpenFile),
    /// A copy of the descriptor whose description the new one should share (its rights
    /// included, as a dup).
    Shared(FdEntry),
}

/// Opens device `dev` for a process whose descriptor table is `fds`, with status flags
/// `flags` (ignored for a shared description). NOENT for `/dev/stdin` and its kin (and
/// `/dev/fd/N`) when the descriptor is closed.
pub fn open(dev: Device, fds: &FdTable, flags: u16) -> Result<Opened, Errno> {
    let object = match dev {
        Device::Null => Object::Null,
        Device::Zero => Object::Zero,
        Device::Random => Object::Random,
        Device::Tty => Object::Tty,
        Device::Stdio(fd) => {
            let entry = fds.get(fd).map_err(|_| Errno::NoEnt)?;
            return Ok(Opened::Shared(FdEntry {
                cloexec: false,
                preopen: None,
                ..entry.clone()
            }));
        }
    };
    let mut file = OpenFile::new(object, flags);
    if dev == Device::Tty {
        file.rights_base &= !SEEK_RIGHTS;
        file.rights_inheriting &= !SEEK_RIGHTS;
    }
    Ok(Opened::New(file))
}

/// The most bytes one read of `object` gives, for the objects that make their bytes up
/// (zeros, random); `None` for every other object.
pub fn read_max(object: &Object) -> Option<usize> {
    match object {
        Object::Zero => Some(ZERO_READ_MAX),
        Object::Random => Some(RANDOM_READ_MAX),
        _ => None,
    }
}

/// Fills `buf` from `object`, one of those [`read_max`] knows (zeros for anything else).
pub fn fill(sys: &mut System, object: &Object, buf: &mut [u8]) {
    match object {
        Object::Random => sys.platform.random(buf),
        _ => buf.fill(0),
    }
}
