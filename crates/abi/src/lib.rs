//! The guest ABI: WASI preview1 / WASIX errno values and (as the syscall layers grow) the
//! `#[repr(C)]` structures written to guest memory, each with compile-time size and offset
//! assertions against `WASIX-ABI.md`. Plain data only, so it builds and tests on the host.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

pub mod errno;
pub mod wasix;

pub use errno::Errno;
