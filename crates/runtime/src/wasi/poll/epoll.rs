//! `epoll_create`, `epoll_ctl` and `epoll_wait` (WASIX; wasix-libc's `epoll_*` call them
//! with Linux's semantics), level-triggered on the readiness checks of `poll_oneoff`:
//! pipes, the console, regular files and devices (always ready), and event counters.
//! There are no sockets to watch. An instance is an open file whose interest list
//! ([`crate::epoll::InterestList`], at most [`MAX_INTEREST`] entries) the open files keep;
//! duplicates and forked descriptors share it, and it goes with the last of them.
//!
//! `epoll_wait` reports, in interest-list order, up to `maxevents` (at most
//! [`MAX_INTEREST`]) entries whose descriptor still names the open file it named when
//! added and is ready for what was asked: IN (and HUP for a pipe whose writers are gone),
//! OUT (ERR instead for a pipe whose readers are gone). Edge-triggered entries are
//! reported level-triggered (a superset: a program that drains until EAGAIN, as it must
//! under EPOLLET, sees nothing more); ONESHOT entries go quiet after reporting until
//! `EPOLL_CTL_MOD`. With nothing ready it blocks on what `poll_oneoff` would (the pipes,
//! counters, console) and the timeout (ns; `u64::MAX` is none, 0 returns at once).
//! Nesting an instance in another is NOTSUP; a directory is PERM, as on Linux.
//!
//! Operations: wasix-libc's `epoll_ctl` passes musl's numbers (ADD 1, DEL 2, MOD 3)
//! where the header defines ADD 0, MOD 1, DEL 2. So 0 adds (EXIST if watched), 1 adds
//! or modifies (both readings), 2 deletes (NOENT if not watched), 3 modifies (NOENT if
//! not watched). (That libc's `epoll_ctl` also returns the errno itself, not -1.)

use alloc::vec::Vec;

use abi::Errno;
use abi::wasix::{EpollEvent, epoll_ctl, epoll_type};

use super::{Readiness, read_readiness, write_readiness};
use crate::epoll::MAX_INTEREST;
use crate::files::{FdEntry, FileId, Object, OpenFile};
use crate::sys::{Cx, Sys, SysResult, System};
use crate::types::Wait;

/// The open file of epoll instance `epfd`: BADF for no descriptor, INVAL for another kind.
fn instance(cx: &Cx<'_>, epfd: i32) -> Result<FileId, Errno> {
    let id = cx.proc.fds.get(epfd as u32)?.file;
    match cx.sys.files.get(id)?.object {
        Object::Epoll => Ok(id),
        _ => Err(Errno::Inval),
    }
}

pub fn epoll_create(cx: &mut Cx<'_>, out: i32) -> SysResult {
    cx.mem.slice(out as u32, 4)?;
    let fd = cx.proc.fds.lowest_free(0)?;
    let System { fs, files, .. } = &mut *cx.sys;
    let id = files.insert(fs, OpenFile::new(Object::Epoll, 0));
    files.epolls.insert(id, Default::default());
    let installed = cx.proc.fds.install_at(fs, files, fd, FdEntry::new(id));
    if installed.is_err() {
        files.drop_ref(fs, id);
    }
    installed?;
    cx.mem.write_u32(out as u32, fd)?;
    Ok(())
}

pub fn epoll_ctl(cx: &mut Cx<'_>, epfd: i32, op: i32, fd: i32, event: i32) -> SysResult {
    let epoll = instance(cx, epfd)?;
    let target = cx.proc.fds.get(fd as u32)?.file;
    if target == epoll {
        return Err(Errno::Inval.into());
    }
    match cx.sys.files.get(target)?.object {
        Object::Epoll => return Err(Errno::NotSup.into()),
        Object::Dir(_) => return Err(Errno::Perm.into()),
        _ => {}
    }
    let op = op as u32;
    // DEL ignores the event (it may be null).
    let ev = if op == epoll_ctl::DEL {
        EpollEvent::default()
    } else {
        cx.mem.read_struct::<EpollEvent>(event as u32)?
    };
    let list = cx.sys.files.epolls.get_mut(&epoll).ok_or(Errno::BadF)?;
    let fd = fd as u32;
    // 1 is wasix-libc's ADD and the header's MOD: it watches either way.
    match op {
        epoll_ctl::ADD => list.add(fd, target, ev.events, ev.data)?,
        epoll_ctl::LINUX_ADD => list.watch(fd, target, ev.events, ev.data)?,
        epoll_ctl::LINUX_MOD => list.modify(fd, target, ev.events, ev.data)?,
        epoll_ctl::DEL => list.remove(fd, target)?,
        _ => return Err(Errno::Inval.into()),
    }
    Ok(())
}

/// What a watched open file is ready for, of `wanted`, and what to wait on otherwise.
fn ready_bits(
    sys: &System,
    id: FileId,
    file: &OpenFile,
    wanted: u32,
    waits: &mut Vec<Wait>,
) -> u32 {
    let mut bits = 0;
    let classify = |r: Result<Readiness, Errno>, waits: &mut Vec<Wait>| match r {
        Ok(Readiness::Ready { hangup, .. }) => Some(hangup),
        Ok(Readiness::Console) => {
            waits.push(Wait::Console);
            None
        }
        Ok(Readiness::Pipe(p)) => {
            waits.push(Wait::Pipe(p));
            None
        }
        Ok(Readiness::Counter(c)) => {
            waits.push(Wait::Counter(c));
            None
        }
        // Not readable (or writable) at all: never ready for it.
        Err(_) => None,
    };
    let pipe_read = matches!(file.object, Object::PipeRead(_) | Object::PipeDuplex { .. });
    let pipe_write = matches!(
        file.object,
        Object::PipeWrite(_) | Object::PipeDuplex { .. }
    );
    if wanted & epoll_type::IN != 0
        && let Some(hangup) = classify(read_readiness(sys, id, file), waits)
    {
        bits |= epoll_type::IN;
        if hangup && pipe_read {
            bits |= epoll_type::HUP | (wanted & epoll_type::RDHUP);
        }
    }
    if wanted & epoll_type::OUT != 0
        && let Some(hangup) = classify(write_readiness(sys, id, file), waits)
    {
        bits |= if hangup && pipe_write {
            epoll_type::ERR
        } else {
            epoll_type::OUT
        };
    }
    bits
}

pub fn epoll_wait(
    cx: &mut Cx<'_>,
    epfd: i32,
    events: i32,
    maxevents: i32,
    timeout: i64,
    out: i32,
) -> SysResult {
    let epoll = instance(cx, epfd)?;
    let max = u32::try_from(maxevents)
        .ok()
        .filter(|&m| m > 0)
        .ok_or(Errno::Inval)?
        .min(MAX_INTEREST as u32);
    let (events, out) = (events as u32, out as u32);
    cx.mem.slice(events, max * EpollEvent::SIZE as u32)?;
    cx.mem.slice(out, 4)?;
    let now = cx.now();
    let started = cx.call_start(now);
    let timeout = timeout as u64;
    let deadline = (timeout != u64::MAX).then(|| started.saturating_add(timeout));

    let Cx { mem, proc, sys } = cx;
    let list = sys.files.epolls.get(&epoll).ok_or(Errno::BadF)?;
    let mut written = 0u32;
    let mut reported = Vec::new();
    let mut waits = Vec::new();
    for (i, interest) in list.entries().iter().enumerate() {
        if written == max {
            break;
        }
        if interest.disabled {
            continue;
        }
        // An entry whose descriptor was closed (or now names another file) is silent.
        let Ok(entry) = proc.fds.get(interest.fd) else {
            continue;
        };
        if entry.file != interest.file {
            continue;
        }
        let Ok(file) = sys.files.get(interest.file) else {
            continue;
        };
        let bits = ready_bits(sys, interest.file, file, interest.events, &mut waits);
        if bits == 0 {
            continue;
        }
        let ev = EpollEvent {
            events: bits,
            data: interest.data,
        };
        mem.write_struct(events + written * EpollEvent::SIZE as u32, &ev)?;
        written += 1;
        reported.try_reserve(1).map_err(|_| Errno::NoMem)?;
        reported.push(i);
    }
    if written == 0 && deadline.is_none_or(|d| now < d) {
        waits.extend(deadline.map(Wait::Until));
        let wait = if waits.len() == 1 {
            waits.remove(0)
        } else {
            Wait::Any(waits)
        };
        return Err(Sys::Block(wait));
    }
    if let Some(list) = sys.files.epolls.get_mut(&epoll) {
        for i in reported {
            list.reported(i);
        }
    }
    mem.write_u32(out, written)?;
    Ok(())
}
