//! Helpers shared by the guest programs in this package.
//!
//! Every program reports I/O failures in the same runtime-neutral form so that the
//! kernel's output can be compared byte-for-byte with a reference runtime: the
//! `io::ErrorKind` debug name plus, when present, the raw WASI errno (on `wasm32-wasip1`
//! `raw_os_error()` returns WASI errno numbers, e.g. 44 for `noent`).
//!
//! [`wasix_sys`] wraps the WASIX process, pipe and descriptor calls for `wasix-test`.

use std::io;

pub mod cli;
// Only for the wasm32 guests: the ABI asserts need 32-bit pointers (the shell's parser
// tests build this crate for the host).
#[cfg(target_arch = "wasm32")]
pub mod wasix_sys;

/// `NotFound (44)`, or just the kind name when the error carries no errno.
pub fn describe(err: &io::Error) -> String {
    match err.raw_os_error() {
        Some(errno) => format!("{:?} ({errno})", err.kind()),
        None => format!("{:?}", err.kind()),
    }
}

/// The C library's message for an error, e.g. `No such file or directory`, without the
/// ` (os error N)` suffix std appends.
pub fn message(err: &io::Error) -> String {
    let text = err.to_string();
    match text.rfind(" (os error ") {
        Some(cut) if text.ends_with(')') => text[..cut].to_owned(),
        _ => text,
    }
}

/// 32-bit FNV-1a, a tiny deterministic checksum for comparing byte streams.
pub fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |hash, &b| {
        (hash ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}
