//! `bench-pipe write BYTES CHUNK` | `bench-pipe read`: the two ends of a pipe throughput
//! measurement between two runtime processes (e.g. `wasmtime bench-pipe.wasm write 64M
//! 65536 | wasmtime bench-pipe.wasm read` on Linux). Pure WASI preview1.
//!
//! - `write` sends BYTES bytes of a deterministic pattern (period 251) to stdout, one
//!   `fd_write` of CHUNK bytes at a time (raw writes: std's line-buffered stdout would
//!   split them at newlines), closes stdout, then reports on stderr `bench: pipe.write SECS s`,
//!   `bench: pipe.write.rate MIB/S MiB/s` and the stream's checksum.
//! - `read` reads stdin to end of file and prints on stdout `bench: pipe.read BYTES bytes`,
//!   `bench: pipe.checksum 0xHEX hash` (equal to the writer's for the same BYTES; a sampled
//!   checksum, see `StreamHash` in the library's `bench` module), and
//!   `bench: pipe.read.rate MIB/S MiB/s` (first byte to end of file).
//!
//! BYTES and CHUNK accept K/M suffixes (KiB, MiB). `--reps N` is accepted and ignored
//! (one transfer is one sample; the caller repeats it).

use std::process::ExitCode;
use std::time::Instant;

use userland::wasix_sys as sys;

use userland::bench as common;

use common::fmt;

const PROG: &str = "bench-pipe";
const USAGE: &str = "usage: bench-pipe write BYTES CHUNK | bench-pipe read";

fn main() -> ExitCode {
    userland::inherit_cwd();
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    // Accepted for uniformity with the other benchmarks; one transfer is one sample.
    let _ = common::take_reps(PROG, &mut args);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["write", bytes, chunk] => {
            let bytes = common::count(PROG, bytes);
            let chunk = common::count(PROG, chunk) as usize;
            if chunk == 0 {
                common::usage(PROG, "CHUNK must be positive");
            }
            write(bytes, chunk)
        }
        ["read"] => read(),
        _ => common::usage(PROG, USAGE),
    }
}

fn write(bytes: u64, chunk: usize) -> ExitCode {
    let buf = common::pattern_buffer(chunk);
    let t = Instant::now();
    if let Err(e) = common::write_pattern(1, bytes, chunk, &buf) {
        eprintln!("{PROG}: write: {}", sys::show(e));
        return ExitCode::FAILURE;
    }
    let secs = common::secs(t.elapsed());
    // End of file for the reader now, not after the checksum below.
    let _ = sys::close(1);
    eprintln!("bench: pipe.write {} s", fmt(secs));
    eprintln!(
        "bench: pipe.write.rate {} MiB/s",
        fmt(bytes as f64 / common::MIB as f64 / secs.max(1e-9))
    );
    eprintln!(
        "bench: pipe.checksum 0x{:016x} hash",
        common::pattern_hash(bytes)
    );
    ExitCode::SUCCESS
}

fn read() -> ExitCode {
    match common::read_stream(0) {
        Ok(r) => {
            common::print_received(&r);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{PROG}: read: {}", sys::show(e));
            ExitCode::FAILURE
        }
    }
}
