//! `random_get`: bytes from the platform's CSPRNG, straight into guest memory.
//!
//! A big request is filled in pieces of [`PIECE`] bytes, one per turn of the process in
//! the ready queue ([`Wait::Continue`]): a host call is never preempted, and 256 MiB from
//! the generator takes seconds under emulation, which would stop every other process.

use crate::sys::{Cx, Sys, SysResult};
use crate::types::Wait;

/// Bytes filled per turn.
pub const PIECE: usize = 1 << 20;

pub fn random_get(cx: &mut Cx<'_>, buf: i32, len: i32) -> SysResult {
    let out = cx.mem.slice_mut(buf as u32, len as u32)?;
    let done = if cx.proc.retrying {
        cx.proc.progress.min(out.len())
    } else {
        0
    };
    // A signal handler cannot wait for its next turn (its call would fail): all at once.
    let piece = if cx.proc.in_handler {
        usize::MAX
    } else {
        PIECE
    };
    let end = out.len().min(done.saturating_add(piece));
    cx.sys.platform.random(&mut out[done..end]);
    if end < out.len() {
        cx.proc.progress = end;
        return Err(Sys::Block(Wait::Continue));
    }
    Ok(())
}
