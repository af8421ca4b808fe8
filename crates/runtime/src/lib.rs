//! The process runtime: WebAssembly programs as processes. It hosts each program in a wasmi
//! store, gives it the WASI preview1 (and, growing, WASIX) calls over the in-RAM filesystem
//! and the console, and schedules all processes in slices: fuel-bounded on the caller's
//! stack ([`sched::Direct`]), or on an [`sched::Executor`] that preempts them (the
//! kernel's timer-driven fibers).
//!
//! The modules form a stack; each imports only from the layers below it (docs/ARCHITECTURE.md,
//! checked by `tests/module_graph.rs`):
//!
//! - [`types`] (Pid, ExitStatus, Limits, Wait, Event, Tty), with the ABI's numbers in
//!   `abi::wasix`; [`mem`]: the checked guest memory accessor.
//! - [`files`]: descriptor tables and open file descriptions; [`terminal`]: the console's
//!   line discipline; [`stack_state`]: a process's stack-switching data.
//! - [`sys`]: the shared [`System`] (process table, tasks, the host-call [`sys::Registry`]),
//!   per-process state, the [`Platform`] trait through which the kernel supplies clocks,
//!   randomness and the console (tests supply fakes); [`procfs`] and [`devfs`] beside it.
//! - Services: [`io`] (reads, writes, pipes), [`signals`], [`spawn`] (loading, compiling
//!   and instantiating programs); [`linker`]: the wasmi boundary — errno encoding,
//!   blocking, exits.
//! - [`wasi`] and [`wasix`]: one module per call family, registered in one list per ABI;
//!   no family imports another's handlers.
//! - [`sched`]: [`Kernel`] (tasks, round robin, blocking and wake-up) on top.
//!
//! Hardware-free, so everything here builds and is tested on the host; the kernel binary
//! only implements [`Platform`] and calls [`Kernel::run`].
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod devfs;
pub mod epoll;
pub mod eventfd;
pub mod failpoint;
pub mod files;
pub mod io;
pub mod linker;
pub mod loadcost;
pub mod mem;
pub mod procfs;
pub mod sched;
pub mod signals;
pub mod spawn;
pub mod stack_state;
pub mod startsec;
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
mod tests_jobs;
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
