//! The process runtime: WebAssembly programs as processes. It hosts each program in a wasmi
//! store, gives it the WASI preview1 (and, growing, WASIX) calls over the in-RAM filesystem
//! and the console, and schedules all processes in slices: fuel-bounded on the caller's
//! stack ([`sched::Direct`]), or on an [`sched::Executor`] that preempts them (the
//! kernel's timer-driven fibers).
//!
//! - [`sched`]: [`Kernel`] (tasks, round robin, blocking and wake-up) and spawning.
//! - [`sys`]: the shared [`System`], per-process state, the [`Platform`] trait through which
//!   the kernel supplies clocks, randomness and the console (tests supply fakes).
//! - [`linker`]: the wasmi boundary — errno encoding, blocking, exits.
//! - [`wasi`]: one module per call family (`args`, `clock`, `fd`, `path`, `poll`, `proc`,
//!   `random`, `sock`), registered in one list.
//! - [`files`]: descriptor tables and open file descriptions; [`mem`]: the checked guest
//!   memory accessor.
//!
//! Hardware-free, so everything here builds and is tested on the host; the kernel binary
//! only implements [`Platform`] and calls [`Kernel::run`].
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod devfs;
pub mod files;
pub mod io;
pub mod linker;
pub mod mem;
pub mod procfs;
pub mod sched;
pub mod signals;
pub mod spawn;
pub mod stack_state;
pub mod sys;
pub mod terminal;
pub mod types;
pub mod wasi;
pub mod wasix;

#[cfg(any(test, feature = "testing"))]
pub mod testing;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_dev;
#[cfg(test)]
mod tests_fs;
#[cfg(test)]
mod tests_pipe;
#[cfg(test)]
mod tests_poll;
#[cfg(test)]
mod tests_stack;
#[cfg(test)]
mod tests_wasix;

pub use sched::{Kernel, Stats};
pub use spawn::{SpawnError, SpawnSpec};
pub use sys::{Platform, System};
pub use types::{ExitStatus, Limits, Pid};
