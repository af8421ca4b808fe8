//! The guest ABI: WASI preview1 / WASIX errno values, constants, and the `#[repr(C)]`
//! structures read from and written to guest memory, each declared once as a field list
//! ([`layout`]) with compile-time size and offset assertions against `WASIX-ABI.md`.
//! Plain data only, so it builds and tests on the host (and for wasm32 guests).
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

pub mod errno;
pub mod layout;
pub mod wasix;

pub use errno::Errno;
