//! A process's stack-switching state (fork, `setjmp`/`longjmp` through the guest's asyncify
//! exports): what `sys::ProcData` keeps between the calls of `wasix::stack`
//! and the scheduler's half in `sched::unwind`. Data only; the protocol is described in
//! `wasix::stack`.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use abi::Errno;

/// An operation waiting for the guest's stack to unwind out of `_start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unwound {
    /// `proc_fork`: make the child from the unwound stack.
    Fork,
    /// `stack_checkpoint` on the `jmp_buf` at this address.
    Checkpoint(u32),
}

/// What the interrupted call returns when the rewind reaches it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resume {
    pub errno: Errno,
    pub value: u64,
}

/// A checkpoint: the frames from `_start` down to `stack_checkpoint`, and the stack
/// pointer then.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub frames: Vec<u8>,
    pub stack_pointer: u32,
    /// The `jmp_buf` it was made in (a copy of that `jmp_buf` elsewhere names it too).
    pub jmp_buf: u32,
    /// When it was made (a counter): the oldest goes first when the table is full.
    pub made: u64,
}

/// A process's stack-switching state.
#[derive(Debug, Clone, Default)]
pub struct StackState {
    /// Set by a call that started an unwind: what to do once `_start` has returned.
    pub unwound: Option<Unwound>,
    /// Where the asyncify data structure sits during the operation.
    pub data_ptr: u32,
    /// Set for the rewind: the interrupted call's result.
    pub resume: Option<Resume>,
    /// `stack_restore` asked to switch to this snapshot (by tag) with this value.
    pub restore: Option<(u64, u64)>,
    /// Checkpoints by tag: the number each wrote into its `jmp_buf`, so that a `jmp_buf`
    /// copied elsewhere and back (bash saves `top_level` in a local and restores it) still
    /// names its checkpoint after a newer `setjmp` on the same buffer.
    pub snapshots: BTreeMap<u64, Snapshot>,
    /// Counter for `Snapshot::made` and tags.
    pub counter: u64,
}

/// Host trap: `stack_restore` abandons the current call stack (the switch is in
/// [`StackState::restore`]).
#[derive(Debug)]
pub struct RestoreMarker;

impl core::fmt::Display for RestoreMarker {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("stack restore")
    }
}

impl wasmi::errors::HostError for RestoreMarker {}
