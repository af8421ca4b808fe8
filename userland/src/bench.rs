//! Shared by the benchmark programs (`bench-cpu`, `bench-pipe`, `bench-proc`): argument
//! handling for `--reps N`, repetition with a warm-up and self-calibrating iteration counts, the `bench: KEY VALUE UNIT` report lines, the
//! in-guest copy/fill bandwidth kernels, and the deterministic byte stream the pipe
//! benchmarks send and check.
//!
//! Only WASI preview1 (through std) is used here, so `bench-cpu` and `bench-pipe` stay
//! portable to any WASI runtime.

use std::hint::black_box;
use std::time::{Duration, Instant};

use crate::wasix_sys as sys;

/// Default number of measured repetitions (after one warm-up).
pub const DEFAULT_REPS: usize = 5;

/// Removes `--reps N` (or `--reps=N`) from `args`; returns N (default [`DEFAULT_REPS`]).
pub fn take_reps(prog: &str, args: &mut Vec<String>) -> usize {
    let mut reps = DEFAULT_REPS;
    let mut i = 0;
    while i < args.len() {
        let value = if args[i] == "--reps" {
            if i + 1 >= args.len() {
                usage(prog, "--reps needs a value");
            }
            let v = args.remove(i + 1);
            args.remove(i);
            v
        } else if let Some(v) = args[i].strip_prefix("--reps=") {
            let v = v.to_owned();
            args.remove(i);
            v
        } else {
            i += 1;
            continue;
        };
        reps = match value.parse() {
            Ok(n) if n > 0 => n,
            _ => usage(prog, &format!("bad --reps value '{value}'")),
        };
    }
    reps
}

/// Prints `PROG: MSG` and exits 2.
pub fn usage(prog: &str, msg: &str) -> ! {
    eprintln!("{prog}: {msg}");
    std::process::exit(2)
}

/// Parses a positive count operand such as `1048576`, `64K` or `4M`.
pub fn count(prog: &str, s: &str) -> u64 {
    let (digits, mult) = match s.as_bytes().last() {
        Some(b'K' | b'k') => (&s[..s.len() - 1], 1 << 10),
        Some(b'M' | b'm') => (&s[..s.len() - 1], 1 << 20),
        _ => (s, 1),
    };
    match digits.parse::<u64>() {
        Ok(n) => n * mult,
        Err(_) => usage(prog, &format!("bad number '{s}'")),
    }
}

/// A value with about four significant digits: `41.72`, `1534.1`, `0.0123`.
pub fn fmt(v: f64) -> String {
    let a = v.abs();
    if a >= 1000.0 {
        format!("{v:.1}")
    } else if a >= 100.0 {
        format!("{v:.2}")
    } else if a >= 1.0 {
        format!("{v:.3}")
    } else {
        format!("{v:.4}")
    }
}

/// Prints one `bench:` line.
pub fn line(key: &str, value: &str, unit: &str) {
    println!("bench: {key} {value} {unit}");
}

/// Prints `KEY median`, `KEY.min`, `KEY.max` for the samples (which must not be empty).
pub fn report(key: &str, samples: &[f64], unit: &str) {
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    let median = if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    };
    line(key, &fmt(median), unit);
    line(&format!("{key}.min"), &fmt(s[0]), unit);
    line(&format!("{key}.max"), &fmt(s[n - 1]), unit);
}

/// Seconds as f64.
pub fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// How long one measured repetition of a self-calibrated benchmark aims to take.
pub const TARGET: Duration = Duration::from_millis(250);

/// Runs `work(n)` (which does `n` iterations) once to warm up while calibrating `n` so
/// one call takes about [`TARGET`], then `reps` times more; returns the rates in
/// iterations per second, one per measured repetition.
pub fn rates(reps: usize, mut work: impl FnMut(u64)) -> Vec<f64> {
    // BENCH_ITERS=N fixes the work per repetition instead of calibrating it to a duration,
    // so a profiler or instruction counter sees the same work in every build compared.
    let fixed = std::env::var("BENCH_ITERS")
        .ok()
        .and_then(|v| v.parse().ok());
    let mut n: u64 = fixed.unwrap_or(1);
    while fixed.is_none() {
        let t = Instant::now();
        work(n);
        let e = t.elapsed();
        if e >= TARGET / 8 || n >= 1 << 40 {
            let scaled = (n as f64 * secs(TARGET) / secs(e).max(1e-9)).round();
            n = (scaled as u64).max(1);
            break;
        }
        n *= 4;
    }
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            work(n);
            n as f64 / secs(t.elapsed()).max(1e-9)
        })
        .collect()
}

/// Size of the copy/fill buffers.
pub const MIB: usize = 1 << 20;

/// `copy_from_slice` (wasm `memory.copy`) bandwidth over 1 MiB, MiB/s per repetition.
pub fn copy_rates(reps: usize) -> Vec<f64> {
    let src = source();
    let mut dst = vec![0u8; MIB];
    let r = rates(reps, |n| {
        for _ in 0..n {
            dst.copy_from_slice(black_box(&src));
            black_box(&mut dst);
        }
    });
    check(same(&dst, &src), "memcpy: copy mismatch");
    r
}

/// Copy bandwidth of a byte loop the compiler cannot turn into `memory.copy`, MiB/s.
pub fn copy_loop_rates(reps: usize) -> Vec<f64> {
    let src = source();
    let mut dst = vec![0u8; MIB];
    // XOR with a key the optimiser cannot see is zero keeps this a byte loop.
    let key = black_box(0u8);
    let r = rates(reps, |n| {
        for _ in 0..n {
            for (d, s) in dst.iter_mut().zip(black_box(&src)) {
                *d = *s ^ key;
            }
            black_box(&mut dst);
        }
    });
    check(same(&dst, &src), "memcpy: loop copy mismatch");
    r
}

/// `fill(0)` (wasm `memory.fill`) bandwidth over `len` bytes, in fills per second.
pub fn fill_rates(reps: usize, len: usize) -> Vec<f64> {
    let mut dst = vec![1u8; len];
    let r = rates(reps, |n| {
        for _ in 0..n {
            black_box(&mut dst).fill(0);
        }
    });
    check(
        dst.iter().step_by(61).all(|&b| b == 0) && dst.last() == Some(&0),
        "memfill: buffer not zero",
    );
    r
}

/// The copy source: 1 MiB of a byte pattern, built by doubling (a byte loop over the
/// whole buffer would take longer than the measurement under an interpreter).
fn source() -> Vec<u8> {
    let mut v: Vec<u8> = (0..=255u8).map(|i| i.wrapping_mul(7) ^ 0x5a).collect();
    v.reserve(MIB - v.len());
    while v.len() < MIB {
        let n = v.len().min(MIB - v.len());
        v.extend_from_within(..n);
    }
    v
}

/// Whether `a` and `b` agree at every 61st byte and at the last (a sampled check, for
/// the same reason as in [`source`]; a copy that went wrong shows at once).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).step_by(61).all(|(x, y)| x == y) && a.last() == b.last()
}

fn check(ok: bool, what: &str) {
    if !ok {
        eprintln!("{what}");
        std::process::exit(1);
    }
}

/// Period of the pipe benchmarks' byte pattern (a prime, so it never lines up with a
/// power-of-two chunk size).
pub const PATTERN_PERIOD: usize = 251;

/// The pattern byte at stream offset `i`.
pub fn pattern_byte(i: u64) -> u8 {
    let p = (i % PATTERN_PERIOD as u64) as u8;
    p.wrapping_mul(97).wrapping_add(13)
}

/// A buffer holding `len + PATTERN_PERIOD` pattern bytes from offset 0: the stream from
/// offset `o` for up to `len` bytes is `buf[o % PATTERN_PERIOD..][..len]`.
pub fn pattern_buffer(len: usize) -> Vec<u8> {
    (0..(len + PATTERN_PERIOD) as u64)
        .map(pattern_byte)
        .collect()
}

/// Block size of [`StreamHash`].
pub const HASH_BLOCK: usize = 64 * 1024;

/// Distance between the 8-byte words [`StreamHash`] samples.
pub const HASH_STRIDE: usize = 512;

/// A checksum of a byte stream that does not depend on how the stream was split into
/// reads: bytes are gathered into 64 KiB blocks (read straight into place) and one 8-byte
/// word per [`HASH_STRIDE`] bytes is hashed, with the stream length. Sampling keeps the
/// check from limiting the pipe figures (an interpreter hashing every byte runs slower
/// than the pipe), while a lost, repeated or reordered piece still changes the sum (the
/// pattern's period, 251, is prime to the stride).
pub struct StreamHash {
    block: Vec<u8>,
    fill: usize,
    hash: u64,
    pub len: u64,
}

impl Default for StreamHash {
    fn default() -> Self {
        Self {
            block: vec![0; HASH_BLOCK],
            fill: 0,
            hash: 0xcbf2_9ce4_8422_2325,
            len: 0,
        }
    }
}

impl StreamHash {
    /// Where the next bytes should be read to (call [`StreamHash::advance`] after).
    pub fn space(&mut self) -> &mut [u8] {
        &mut self.block[self.fill..]
    }

    /// Accounts for `n` bytes written into [`StreamHash::space`].
    pub fn advance(&mut self, n: usize) {
        self.fill += n;
        self.len += n as u64;
        if self.fill == HASH_BLOCK {
            self.flush();
        }
    }

    /// Adds `bytes` to the stream.
    pub fn update(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let space = self.space();
            let n = space.len().min(bytes.len());
            space[..n].copy_from_slice(&bytes[..n]);
            self.advance(n);
            bytes = &bytes[n..];
        }
    }

    fn flush(&mut self) {
        let mut h = self.hash;
        for w in self.block[..self.fill].chunks(HASH_STRIDE) {
            let mut word = [0u8; 8];
            let n = w.len().min(8);
            word[..n].copy_from_slice(&w[..n]);
            h = (h ^ u64::from_le_bytes(word))
                .wrapping_mul(0x0000_0100_0000_01b3)
                .rotate_left(29);
        }
        self.hash = h;
        self.fill = 0;
    }

    /// The checksum of everything added so far.
    pub fn finish(mut self) -> u64 {
        self.flush();
        self.hash ^ self.len
    }
}

/// The checksum of the first `len` bytes of the pattern stream.
pub fn pattern_hash(len: u64) -> u64 {
    let buf = pattern_buffer(HASH_BLOCK);
    let mut h = StreamHash::default();
    let mut off = 0u64;
    while off < len {
        let n = (len - off).min(HASH_BLOCK as u64) as usize;
        let start = (off % PATTERN_PERIOD as u64) as usize;
        h.update(&buf[start..start + n]);
        off += n as u64;
    }
    h.finish()
}

/// Writes the first `bytes` bytes of the pattern stream to `fd`, one `fd_write` of
/// `chunk` bytes at a time; `buf` is [`pattern_buffer`]`(chunk)`.
pub fn write_pattern(fd: sys::Fd, bytes: u64, chunk: usize, buf: &[u8]) -> Result<(), sys::Errno> {
    let mut off = 0u64;
    while off < bytes {
        let n = (bytes - off).min(chunk as u64) as usize;
        let start = (off % PATTERN_PERIOD as u64) as usize;
        sys::write_all(fd, &buf[start..start + n])?;
        off += n as u64;
    }
    Ok(())
}

/// What [`read_stream`] saw.
pub struct Received {
    pub len: u64,
    pub hash: u64,
    /// From the first byte to end of file.
    pub secs: f64,
}

/// Reads `fd` to end of file, checksumming the stream.
pub fn read_stream(fd: sys::Fd) -> Result<Received, sys::Errno> {
    let mut h = StreamHash::default();
    let mut start = None;
    loop {
        match sys::read(fd, h.space())? {
            0 => break,
            n => {
                start.get_or_insert_with(Instant::now);
                h.advance(n);
            }
        }
    }
    let secs = start.map_or(0.0, |t| secs(t.elapsed()));
    let len = h.len;
    Ok(Received {
        len,
        hash: h.finish(),
        secs,
    })
}

/// Prints the `pipe.read`, `pipe.checksum` and `pipe.read.rate` lines for `r`.
pub fn print_received(r: &Received) {
    line("pipe.read", &r.len.to_string(), "bytes");
    line("pipe.checksum", &format!("0x{:016x}", r.hash), "hash");
    line(
        "pipe.read.rate",
        &fmt(r.len as f64 / MIB as f64 / r.secs.max(1e-9)),
        "MiB/s",
    );
}
