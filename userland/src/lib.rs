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
#[cfg(target_arch = "wasm32")]
pub mod command;
pub mod diff;
pub mod fnmatch;
pub mod posix_re;
pub mod sums;
// Only for the wasm32 guests: the ABI asserts need 32-bit pointers (the shell's parser
// tests build this crate for the host).
#[cfg(target_arch = "wasm32")]
pub mod wasix_sys;
// The benchmark programs' shared part (wasm32 only: it reports through `wasix_sys`).
#[cfg(target_arch = "wasm32")]
pub mod bench;

/// Makes relative paths resolve against the directory the program was started in.
///
/// wasi-libc (under Rust's std) keeps its own working directory, which starts at `/`
/// whatever the kernel's `getcwd` says, and resolves every relative path against it. The
/// shell exports `PWD` (as dash does), so a program started from it adopts that
/// directory. `PWD` rather than the WASIX `getcwd` call: these programs stay plain WASI
/// preview1 (several are compared with wasmtime), which has no such call. A `PWD` that is
/// not an absolute, existing directory is ignored, as is a missing one (`/` stays).
pub fn inherit_cwd() {
    if let Some(pwd) = std::env::var_os("PWD")
        && pwd.to_string_lossy().starts_with('/')
        && pwd != "/"
    {
        let _ = std::env::set_current_dir(pwd);
    }
}

/// `poweroff` and `reboot`: sends `sig` to process 1, the way busybox asks its init —
/// SIGUSR2 switches off, SIGTERM restarts. The kernel reads the system init's end by those
/// signals as the request (kernel/src/init.rs): every process ends, then the machine
/// powers off (ACPI S5) or resets. No arguments are taken.
#[cfg(target_arch = "wasm32")]
pub fn ask_init(name: &str, sig: u8) -> std::process::ExitCode {
    if std::env::args().len() > 1 {
        eprintln!("usage: {name}");
        return std::process::ExitCode::from(2);
    }
    match wasix_sys::signal(1, sig) {
        // The end of every process, this one included, follows at once; waiting for it
        // keeps a script from running on meanwhile (`poweroff; echo` prints nothing).
        Ok(()) => {
            std::thread::sleep(std::time::Duration::from_secs(10));
            eprintln!("{name}: init did not act on the request");
            std::process::ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("{name}: cannot signal init: {}", wasix_sys::show(e));
            std::process::ExitCode::FAILURE
        }
    }
}

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
