//! `poll_oneoff`: wait for the first of several clock deadlines and descriptor readiness
//! conditions. One pass over the subscriptions writes an event for each that is ready now
//! — a due clock, a descriptor whose read or write would not block, or a subscription that
//! fails (a bad descriptor gives an event with error BADF, as POSIX `POLLNVAL` expects) —
//! and if none is, the call blocks on the earliest clock deadline, on the console for
//! console input, and on each pipe whose end is not ready (a [`Wait::Pipe`], woken when the
//! pipe changes). The layout of a subscription differs between preview1 and the legacy
//! `wasi_unstable` module ([`Layout`]: [`Subscription`] or [`SubscriptionUnstable`]);
//! events are the same in both.
//!
//! A blocked call is retried with the same arguments; relative timeouts count from the
//! call's first attempt ([`Cx::call_start`]), so a retry does not restart them.
//!
//! Console input (a console stdin, or `/dev/tty`) is ready when the line discipline holds
//! bytes (a finished line in canonical mode) or an end-of-file (`nbytes` 1); otherwise the
//! call waits for a console event. `/dev/null` reads are ready at end of file; `/dev/zero`
//! and the random devices are always ready, `nbytes` being the most one read gives.
//!
//! Pipes are inspected exactly: a read end is ready when data is buffered (`nbytes` = the
//! bytes buffered) or every write end is closed (HANGUP; `nbytes` 0 at end of file); a
//! write end is ready when at least `PIPE_BUF` bytes are free (`nbytes` = the free space)
//! or every read end is closed (HANGUP, `nbytes` 0: the write would fail, as wasmtime
//! reports a closed output stream).

pub mod epoll;

use alloc::vec::Vec;

use abi::Errno;
use abi::wasix::clockid::{MONOTONIC, REALTIME};
use abi::wasix::{
    Subscription, SubscriptionClock, SubscriptionContent, SubscriptionUnstable, eventrwflags,
    eventtype, subclockflags,
};
use pipe::PipeId;

use crate::files::{FileId, Object, OpenFile};
use crate::mem::GuestMem;
use crate::sys::{Cx, Sys, SysResult, System};
use crate::types::Wait;

use super::clock;

/// Size of an event (both ABIs).
const EVENT_SIZE: u32 = abi::wasix::Event::SIZE as u32;

/// How a call's subscriptions are laid out.
#[derive(Debug, Clone, Copy)]
pub enum Layout {
    /// `wasi_snapshot_preview1`: [`Subscription`], 48 bytes.
    Preview1,
    /// `wasi_unstable` (snapshot 0): [`SubscriptionUnstable`], 56 bytes (the clock member
    /// starts with an `identifier`).
    Snapshot0,
}

impl Layout {
    /// Size of one subscription.
    fn size(self) -> u32 {
        (match self {
            Layout::Preview1 => Subscription::SIZE,
            Layout::Snapshot0 => SubscriptionUnstable::SIZE,
        }) as u32
    }

    /// The subscription at `at`, in preview1 form; an unknown tag is INVAL.
    fn read(self, mem: &GuestMem<'_>, at: u32) -> Result<Subscription, Errno> {
        match self {
            Layout::Preview1 => mem.read_struct(at),
            Layout::Snapshot0 => mem
                .read_struct::<SubscriptionUnstable>(at)
                .map(|s| s.to_preview1()),
        }
    }
}

/// Most subscriptions one call takes (more is INVAL, as `poll(2)` refuses more descriptors
/// than a process may have open): a call is never preempted, and every retry of a
/// blocked one goes over all of them again, so millions (what 256 MiB of memory holds)
/// would hold every other process off for seconds per pass.
pub const MAX_SUBSCRIPTIONS: u32 = 4096;

/// Preview1 `poll_oneoff(in, out, nsubscriptions, nevents)`.
pub fn poll_oneoff(cx: &mut Cx<'_>, subs: i32, events: i32, count: i32, out: i32) -> SysResult {
    poll(
        cx,
        Layout::Preview1,
        subs as u32,
        events as u32,
        count as u32,
        out as u32,
    )
}

/// `poll_oneoff` for subscriptions laid out as `layout`.
pub fn poll(
    cx: &mut Cx<'_>,
    layout: Layout,
    subs: u32,
    events: u32,
    count: u32,
    out: u32,
) -> SysResult {
    Call::new(cx, layout, subs, events, count, out)?.run(cx)
}

/// One call's arguments, checked: both arrays and `out` lie in memory, so offsets inside
/// them cannot overflow.
struct Call {
    layout: Layout,
    subs: u32,
    events: u32,
    count: u32,
    out: u32,
}

/// What a pass over the subscriptions found.
struct Pass {
    /// Events written for subscriptions ready now.
    written: u32,
    /// The earliest deadline of the clocks not yet due.
    deadline: Option<u64>,
    /// Some subscription waits for console input.
    console: bool,
    /// Pipes and event counters some subscription waits on (each once).
    on: Vec<Wait>,
}

impl Pass {
    /// What to block on when nothing is ready: the earliest deadline, the console, the
    /// pipes and counters — one condition, or any of several.
    fn wait(&self) -> Option<Wait> {
        let mut all: Vec<Wait> = self.deadline.map(Wait::Until).into_iter().collect();
        if self.console {
            all.push(Wait::Console);
        }
        all.extend(self.on.iter().cloned());
        match all.len() {
            0 | 1 => all.pop(),
            _ => Some(Wait::Any(all)),
        }
    }
}

/// The state of one subscription.
enum Status {
    Ready(Event),
    Until(u64),
    Console,
    /// Not ready until this pipe or counter changes.
    On(Wait),
}

/// An event to report.
struct Event {
    error: Errno,
    kind: u8,
    nbytes: u64,
    hangup: bool,
}

impl Event {
    fn clock() -> Self {
        Self {
            error: Errno::Success,
            kind: eventtype::CLOCK,
            nbytes: 0,
            hangup: false,
        }
    }
}

impl Call {
    /// Checks the arguments: no subscriptions is INVAL, as in wasmtime; arrays or `out`
    /// outside memory are FAULT; then more than [`MAX_SUBSCRIPTIONS`] is INVAL.
    fn new(
        cx: &Cx<'_>,
        layout: Layout,
        subs: u32,
        events: u32,
        count: u32,
        out: u32,
    ) -> Result<Self, Errno> {
        if count == 0 {
            return Err(Errno::Inval);
        }
        let subs_len = count.checked_mul(layout.size()).ok_or(Errno::Fault)?;
        let events_len = count.checked_mul(EVENT_SIZE).ok_or(Errno::Fault)?;
        cx.mem.slice(subs, subs_len)?;
        cx.mem.slice(events, events_len)?;
        cx.mem.slice(out, 4)?;
        if count > MAX_SUBSCRIPTIONS {
            return Err(Errno::Inval);
        }
        Ok(Self {
            layout,
            subs,
            events,
            count,
            out,
        })
    }

    /// Reports the subscriptions ready now, or blocks until one may be.
    fn run(&self, cx: &mut Cx<'_>) -> SysResult {
        let now = cx.now();
        let started = cx.call_start(now);
        let pass = self.scan(cx, started, now)?;
        let written = pass.written;
        match pass.wait() {
            Some(wait) if written == 0 => Err(Sys::Block(wait)),
            _ => Ok(cx.mem.write_u32(self.out, written)?),
        }
    }

    /// Address of subscription `i` (in memory: checked by [`poll`]).
    fn sub(&self, i: u32) -> u32 {
        self.subs + i * self.layout.size()
    }

    /// Writes an event for every subscription ready at `now`; relative clocks count from
    /// `start`. Fails (before anything can block) on an invalid subscription.
    fn scan(&self, cx: &mut Cx<'_>, start: u64, now: u64) -> SysResult<Pass> {
        let mut pass = Pass {
            written: 0,
            deadline: None,
            console: false,
            on: Vec::new(),
        };
        for i in 0..self.count {
            let sub = self.layout.read(&cx.mem, self.sub(i))?;
            match self.status(cx, &sub, start, now)? {
                Status::Ready(event) => {
                    self.write_event(cx, pass.written, &sub, &event)?;
                    pass.written += 1;
                }
                Status::Until(d) => pass.deadline = Some(pass.deadline.map_or(d, |e| e.min(d))),
                Status::Console => pass.console = true,
                Status::On(wait) => {
                    if !pass.on.contains(&wait) {
                        pass.on.push(wait);
                    }
                }
            }
        }
        Ok(pass)
    }

    /// The state of subscription `sub`.
    fn status(&self, cx: &Cx<'_>, sub: &Subscription, start: u64, now: u64) -> SysResult<Status> {
        match sub.content() {
            SubscriptionContent::Clock(clock) => {
                let deadline = self.deadline(cx, &clock, start, now)?;
                Ok(if deadline <= now {
                    Status::Ready(Event::clock())
                } else {
                    Status::Until(deadline)
                })
            }
            SubscriptionContent::Fd { kind, fd } => Ok(fd_status(cx, fd, kind)),
        }
    }

    /// The monotonic deadline of clock subscription `clock`. Relative timeouts count
    /// from `start` on either clock; an absolute realtime one is converted at the current
    /// offset between the clocks (`now` being the monotonic one). Other clocks are INVAL,
    /// as in wasmtime.
    fn deadline(
        &self,
        cx: &Cx<'_>,
        clock: &SubscriptionClock,
        start: u64,
        now: u64,
    ) -> Result<u64, Errno> {
        let timeout = clock.timeout;
        let absolute = clock.flags & subclockflags::ABSTIME != 0;
        match (clock.id as i32, absolute) {
            (REALTIME | MONOTONIC, false) => Ok(start.saturating_add(timeout)),
            (MONOTONIC, true) => Ok(timeout),
            (REALTIME, true) => {
                let left = timeout.saturating_sub(clock::now(cx, REALTIME)?);
                Ok(now.saturating_add(left))
            }
            _ => Err(Errno::Inval),
        }
    }

    /// Writes `event` for subscription `sub` into event slot `slot`.
    fn write_event(
        &self,
        cx: &mut Cx<'_>,
        slot: u32,
        sub: &Subscription,
        event: &Event,
    ) -> SysResult {
        let flags = if event.hangup {
            eventrwflags::FD_READWRITE_HANGUP
        } else {
            0
        };
        let event = abi::wasix::Event {
            userdata: sub.userdata,
            error: event.error.raw(),
            type_: event.kind,
            nbytes: event.nbytes,
            flags,
        };
        cx.mem
            .write_struct(self.events + slot * EVENT_SIZE, &event)?;
        Ok(())
    }
}

/// What a descriptor's readiness check found.
enum Readiness {
    /// An operation would not block: `nbytes` as reported in the event, and whether the
    /// peer hung up / the file is at its end.
    Ready { nbytes: u64, hangup: bool },
    /// Only waiting tells (console input).
    Console,
    /// Not ready until this pipe changes.
    Pipe(PipeId),
    /// Not ready until this event counter (its open file) changes.
    Counter(FileId),
}

impl Readiness {
    /// Ready with `nbytes`; at end of file (0) with HANGUP, as wasmtime reports it.
    fn bytes(nbytes: u64) -> Self {
        Readiness::Ready {
            nbytes,
            hangup: nbytes == 0,
        }
    }
}

/// The state of a read (`kind` FD_READ) or write subscription on descriptor `fd`.
fn fd_status(cx: &Cx<'_>, fd: u32, kind: u8) -> Status {
    let readiness = cx.proc.fds.get(fd).and_then(|entry| {
        let id = entry.file;
        let file = cx.sys.files.get(id)?;
        if kind == eventtype::FD_READ {
            read_readiness(cx.sys, id, file)
        } else {
            write_readiness(cx.sys, id, file)
        }
    });
    match readiness {
        Ok(Readiness::Ready { nbytes, hangup }) => Status::Ready(Event {
            error: Errno::Success,
            kind,
            nbytes,
            hangup,
        }),
        Ok(Readiness::Console) => Status::Console,
        Ok(Readiness::Pipe(p)) => Status::On(Wait::Pipe(p)),
        Ok(Readiness::Counter(id)) => Status::On(Wait::Counter(id)),
        Err(error) => Status::Ready(Event {
            error,
            kind,
            nbytes: 0,
            hangup: false,
        }),
    }
}

/// Whether a read of `file` would block: the bytes it would return now (0: end of file,
/// reported as HANGUP, as wasmtime does), an error if a read would fail, or what to wait
/// on. One arm per kind of object.
fn read_readiness(sys: &System, id: FileId, file: &OpenFile) -> Result<Readiness, Errno> {
    match &file.object {
        Object::File(ino) => Ok(Readiness::bytes(file_read(sys, *ino, file.offset)?)),
        Object::Bytes(data) => Ok(Readiness::bytes(
            (data.len() as u64).saturating_sub(file.offset),
        )),
        Object::Null => Ok(Readiness::bytes(0)),
        object @ (Object::Zero | Object::Random) => Ok(Readiness::Ready {
            nbytes: crate::devfs::read_max(object).unwrap_or(0) as u64,
            hangup: false,
        }),
        Object::ConsoleIn | Object::Tty if sys.terminal.readable() => Ok(Readiness::Ready {
            nbytes: 1,
            hangup: false,
        }),
        Object::ConsoleIn | Object::Tty => Ok(Readiness::Console),
        &Object::PipeRead(p) | &Object::PipeDuplex { read: p, .. } => {
            if !sys.files.pipes.readable(p)? {
                return Ok(Readiness::Pipe(p));
            }
            Ok(Readiness::Ready {
                nbytes: sys.files.pipes.bytes_available(p)? as u64,
                hangup: sys.files.pipes.writers(p)? == 0,
            })
        }
        Object::Event(counter) if counter.readable() => Ok(Readiness::Ready {
            nbytes: crate::eventfd::SIZE as u64,
            hangup: false,
        }),
        Object::Event(_) => Ok(Readiness::Counter(id)),
        // Polling an epoll instance (nesting) is not supported.
        Object::Epoll => Err(Errno::NotSup),
        Object::ConsoleOut(_) | Object::Dir(_) | Object::PipeWrite(_) => Err(Errno::BadF),
    }
}

/// Bytes left in regular file `ino` after `offset`.
fn file_read(sys: &System, ino: vfs::Ino, offset: u64) -> Result<u64, Errno> {
    Ok(sys.fs.stat(ino)?.size.saturating_sub(offset))
}

/// Whether a write to `file` would block. Only pipes can: `nbytes` is their free space (0
/// with HANGUP once no reader is left). Otherwise `nbytes` is 1 for console streams and 0
/// ("no limit known") for files, the values wasmtime reports (console streams and the
/// `/dev` devices alike); objects that cannot be written fail BADF.
fn write_readiness(sys: &System, id: FileId, file: &OpenFile) -> Result<Readiness, Errno> {
    let ready = |nbytes| Readiness::Ready {
        nbytes,
        hangup: false,
    };
    match &file.object {
        Object::ConsoleOut(_) | Object::Tty | Object::Null | Object::Zero | Object::Random => {
            Ok(ready(1))
        }
        Object::File(_) => Ok(ready(0)),
        Object::Event(counter) if counter.writable() => Ok(ready(crate::eventfd::SIZE as u64)),
        Object::Event(_) => Ok(Readiness::Counter(id)),
        &Object::PipeWrite(p) | &Object::PipeDuplex { write: p, .. } => {
            if sys.files.pipes.readers(p)? == 0 {
                Ok(Readiness::Ready {
                    nbytes: 0,
                    hangup: true,
                })
            } else if sys.files.pipes.writable(p)? {
                Ok(ready(sys.files.pipes.free_space(p)? as u64))
            } else {
                Ok(Readiness::Pipe(p))
            }
        }
        Object::ConsoleIn | Object::Bytes(_) | Object::Dir(_) | Object::PipeRead(_) => {
            Err(Errno::BadF)
        }
        Object::Epoll => Err(Errno::NotSup),
    }
}
