//! `bench-cpu [--reps N] coremark|int|float|memcpy|all`: CPU benchmarks for one guest,
//! pure WASI preview1 (they run unchanged under any WASI runtime, so the kernel's figures
//! can be compared with wasmi or wasmtime on Linux).
//!
//! - `coremark`: a CoreMark-style mix written from scratch — linked-list find/reverse/
//!   merge sort, i16×i16→i32 matrix multiply-add, a number-token state machine scanning
//!   a byte string, CRC16 over every result. Each iteration's CRC is checked against the
//!   CRCs of a reference pass, whose chained CRC must equal a fixed value
//!   (`coremark.valid 1 bool`, or exit 1). Figure: `coremark` iter/s.
//! - `int`: sieve of Eratosthenes below 65536 plus a multiplicative hash of the primes
//!   (`int` iter/s, prime count and hash checked).
//! - `float`: a 64×48 Mandelbrot set in f64 (`float` iter/s, total escape count checked).
//! - `memcpy`: copy and fill bandwidth over 1 MiB (`memcpy`, `memcpy.loop`, `memfill`
//!   MiB/s).
//!
//! Every figure is the median of N measured repetitions after one warm-up (which also
//! calibrates the iteration count to ~0.25 s per repetition), with `.min`/`.max` lines.

use std::hint::black_box;

use userland::bench as common;

use common::{line, report};

const PROG: &str = "bench-cpu";
const USAGE: &str = "usage: bench-cpu [--reps N] coremark|int|float|memcpy|all";

fn main() {
    userland::inherit_cwd();
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let reps = common::take_reps(PROG, &mut args);
    let [cmd] = args.as_slice() else {
        common::usage(PROG, USAGE)
    };
    let benches: [(&str, Bench); 4] = [
        ("coremark", coremark::bench),
        ("int", int_bench),
        ("float", float_bench),
        ("memcpy", memcpy_bench),
    ];
    let mut ran = false;
    for (name, bench) in benches {
        if cmd == name || cmd == "all" {
            let t = std::time::Instant::now();
            bench(reps);
            // On stderr, so stdout holds only the figures.
            eprintln!("{PROG}: {name} took {:.2} s", t.elapsed().as_secs_f64());
            ran = true;
        }
    }
    if !ran {
        common::usage(PROG, USAGE);
    }
}

/// A benchmark: runs with the repetition count and prints its figures.
type Bench = fn(usize);

fn fail(what: &str) -> ! {
    eprintln!("{PROG}: {what}");
    std::process::exit(1)
}

/// The CoreMark-style workload.
mod coremark {
    use super::*;

    /// Distinct per-iteration inputs; iteration `k` uses seed `k % SEEDS`.
    const SEEDS: usize = 16;
    /// Chained CRC16 of the reference pass over the `SEEDS` inputs.
    const EXPECTED: u16 = 0x8aa6;

    const LIST_LEN: usize = 96;
    const NIL: u16 = u16::MAX;
    const N: usize = 16; // matrix order
    const TOKENS: usize = 48;

    /// CRC-16 (reflected polynomial 0xA001) of one byte.
    pub fn crc8(crc: u16, byte: u8) -> u16 {
        let mut c = crc ^ u16::from(byte);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xa001
            } else {
                c >> 1
            };
        }
        c
    }

    pub fn crc16(crc: u16, v: u16) -> u16 {
        crc8(crc8(crc, v as u8), (v >> 8) as u8)
    }

    fn crc32(crc: u16, v: u32) -> u16 {
        crc16(crc16(crc, v as u16), (v >> 16) as u16)
    }

    /// A small linear congruential generator.
    struct Rng(u32);

    impl Rng {
        fn next(&mut self) -> u32 {
            self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            self.0 >> 8
        }
    }

    #[derive(Clone, Copy, Default)]
    struct Node {
        next: u16,
        data: i16,
        idx: i16,
    }

    /// Reused buffers: everything is reinitialised from the seed at each iteration.
    pub struct Work {
        nodes: Vec<Node>,
        a: [[i16; N]; N],
        b: [[i16; N]; N],
        c: [[i32; N]; N],
        text: Vec<u8>,
    }

    impl Work {
        pub fn new() -> Self {
            Self {
                nodes: vec![Node::default(); LIST_LEN],
                a: [[0; N]; N],
                b: [[0; N]; N],
                c: [[0; N]; N],
                text: Vec::with_capacity(TOKENS * 12),
            }
        }
    }

    /// One iteration on input `seed`; returns its CRC.
    pub fn iteration(w: &mut Work, seed: u32) -> u16 {
        let mut rng = Rng(0x5eed_0000 ^ seed.wrapping_mul(0x9e37_79b9));
        let crc = list(w, &mut rng, 0);
        let crc = matrix(w, &mut rng, crc);
        state(w, &mut rng, crc)
    }

    // ---- linked list -------------------------------------------------------------

    fn list(w: &mut Work, rng: &mut Rng, mut crc: u16) -> u16 {
        let nodes = &mut w.nodes;
        for (i, n) in nodes.iter_mut().enumerate() {
            *n = Node {
                next: if i + 1 < LIST_LEN { i as u16 + 1 } else { NIL },
                data: (rng.next() & 0x3ff) as i16 - 0x200,
                idx: i as i16,
            };
        }
        let mut head: u16 = 0;
        // Finds, moving each hit to the front (most recently used first).
        for _ in 0..24 {
            let want = (rng.next() & 0x3ff) as i16 - 0x200;
            let (mut prev, mut cur, mut steps) = (NIL, head, 0u16);
            while cur != NIL && nodes[cur as usize].data != want {
                prev = cur;
                cur = nodes[cur as usize].next;
                steps += 1;
            }
            if cur == NIL {
                crc = crc16(crc, steps ^ 0x8000);
            } else {
                crc = crc16(crc, nodes[cur as usize].idx as u16);
                if prev != NIL {
                    nodes[prev as usize].next = nodes[cur as usize].next;
                    nodes[cur as usize].next = head;
                    head = cur;
                }
            }
        }
        head = reverse(nodes, head);
        head = sort(nodes, head, |n| n.data);
        let mut last = i16::MIN;
        let mut cur = head;
        let mut count = 0;
        while cur != NIL {
            let n = nodes[cur as usize];
            if n.data < last {
                fail("coremark: list not sorted");
            }
            last = n.data;
            crc = crc16(crc, n.data as u16);
            cur = n.next;
            count += 1;
        }
        if count != LIST_LEN {
            fail("coremark: list lost nodes");
        }
        head = sort(nodes, head, |n| n.idx);
        let (mut cur, mut i) = (head, 0);
        while cur != NIL {
            if nodes[cur as usize].idx != i {
                fail("coremark: list not restored");
            }
            crc = crc16(crc, nodes[cur as usize].data as u16 ^ i as u16);
            cur = nodes[cur as usize].next;
            i += 1;
        }
        crc
    }

    fn reverse(nodes: &mut [Node], mut head: u16) -> u16 {
        let mut out = NIL;
        while head != NIL {
            let next = nodes[head as usize].next;
            nodes[head as usize].next = out;
            out = head;
            head = next;
        }
        out
    }

    /// Bottom-up merge sort of the list at `head` by `key` (stable).
    fn sort(nodes: &mut [Node], mut head: u16, key: fn(&Node) -> i16) -> u16 {
        let mut width = 1;
        loop {
            let (mut out_head, mut out_tail) = (NIL, NIL);
            let mut merges = 0;
            let mut p = head;
            while p != NIL {
                merges += 1;
                // Split off run `p` of up to `width` nodes, then run `q` after it.
                let mut q = p;
                let mut p_len = 0;
                while p_len < width && q != NIL {
                    q = nodes[q as usize].next;
                    p_len += 1;
                }
                let mut q_len = width;
                while p_len > 0 || (q_len > 0 && q != NIL) {
                    let take_p = if p_len == 0 {
                        false
                    } else if q_len == 0 || q == NIL {
                        true
                    } else {
                        key(&nodes[p as usize]) <= key(&nodes[q as usize])
                    };
                    let e = if take_p {
                        let e = p;
                        p = nodes[p as usize].next;
                        p_len -= 1;
                        e
                    } else {
                        let e = q;
                        q = nodes[q as usize].next;
                        q_len -= 1;
                        e
                    };
                    if out_tail == NIL {
                        out_head = e;
                    } else {
                        nodes[out_tail as usize].next = e;
                    }
                    out_tail = e;
                }
                p = q;
            }
            if out_tail != NIL {
                nodes[out_tail as usize].next = NIL;
            }
            head = out_head;
            if merges <= 1 {
                return head;
            }
            width *= 2;
        }
    }

    // ---- matrices ------------------------------------------------------------------

    fn matrix(w: &mut Work, rng: &mut Rng, mut crc: u16) -> u16 {
        for i in 0..N {
            for j in 0..N {
                w.a[i][j] = (rng.next() & 0xff) as i16 - 0x80;
                w.b[i][j] = (rng.next() & 0x1ff) as i16 - 0x100;
            }
        }
        // C = A × B.
        for i in 0..N {
            for j in 0..N {
                let mut s: i32 = 0;
                for k in 0..N {
                    s += i32::from(w.a[i][k]) * i32::from(w.b[k][j]);
                }
                w.c[i][j] = s;
            }
        }
        crc = crc32(crc, summarise(&w.c) as u32);
        // A += v (in i16, wrapping), then C += A × v element-wise, then C = A × Bᵀ + C.
        let v = (rng.next() & 0x3f) as i16 + 1;
        for i in 0..N {
            for j in 0..N {
                w.a[i][j] = w.a[i][j].wrapping_add(v);
                w.c[i][j] += i32::from(w.a[i][j]) * i32::from(v);
            }
        }
        crc = crc32(crc, summarise(&w.c) as u32);
        for i in 0..N {
            for j in 0..N {
                let mut s = w.c[i][j];
                for k in 0..N {
                    s += i32::from(w.a[i][k]) * i32::from(w.b[j][k]);
                }
                w.c[i][j] = s;
            }
        }
        crc = crc32(crc, summarise(&w.c) as u32);
        // Matrix × vector with bit extraction from the products.
        for i in 0..N {
            let mut s: i32 = 0;
            for j in 0..N {
                let x = w.c[i][j];
                s = s.wrapping_add(((x >> 3) & 0xf) * i32::from(w.b[i][j]) + (x & 0x7));
            }
            crc = crc32(crc, s as u32);
        }
        crc
    }

    /// A value depending on every element: a sum plus a count of large elements.
    fn summarise(c: &[[i32; N]; N]) -> i32 {
        let mut sum: i32 = 0;
        let mut big = 0;
        for row in c {
            for &x in row {
                sum = sum.wrapping_add(x);
                if x > 4096 {
                    big += 1;
                }
            }
        }
        sum ^ (big << 20)
    }

    // ---- state machine -----------------------------------------------------------

    #[derive(Clone, Copy, PartialEq, Eq)]
    enum St {
        Start,
        Sign,
        Int,
        Dot,
        Frac,
        Exp,
        ExpSign,
        ExpInt,
        Bad,
    }

    const FINALS: usize = 9;

    fn st_index(s: St) -> usize {
        s as usize
    }

    fn step(s: St, c: u8) -> St {
        use St::*;
        let digit = c.is_ascii_digit();
        match s {
            Start if digit => Int,
            Start if c == b'+' || c == b'-' => Sign,
            Start if c == b'.' => Dot,
            Sign if digit => Int,
            Sign if c == b'.' => Dot,
            Int if digit => Int,
            Int if c == b'.' => Frac,
            Int | Frac if c == b'e' || c == b'E' => Exp,
            Dot | Frac if digit => Frac,
            Exp if c == b'+' || c == b'-' => ExpSign,
            Exp | ExpSign | ExpInt if digit => ExpInt,
            _ => Bad,
        }
    }

    /// Classifies every comma-separated token; returns the CRC of the per-state counts
    /// and the number of state transitions.
    fn scan(text: &[u8], mut crc: u16) -> u16 {
        let mut counts = [0u16; FINALS];
        let mut transitions: u32 = 0;
        let mut s = St::Start;
        for &c in text {
            if c == b',' {
                counts[st_index(s)] += 1;
                s = St::Start;
                continue;
            }
            let t = step(s, c);
            if t != s {
                transitions += 1;
            }
            s = t;
        }
        counts[st_index(s)] += 1;
        for c in counts {
            crc = crc16(crc, c);
        }
        crc32(crc, transitions)
    }

    fn state(w: &mut Work, rng: &mut Rng, mut crc: u16) -> u16 {
        const DIGITS: &[u8] = b"0123456789";
        let text = &mut w.text;
        text.clear();
        for t in 0..TOKENS {
            if t > 0 {
                text.push(b',');
            }
            let r = rng.next();
            let digits = |text: &mut Vec<u8>, n: u32, r: u32| {
                for i in 0..n {
                    text.push(DIGITS[((r >> (i * 3)) % 10) as usize]);
                }
            };
            match r % 6 {
                0 => digits(text, 1 + (r >> 4) % 5, r >> 7),
                1 => {
                    text.push(b'-');
                    digits(text, 1 + (r >> 4) % 4, r >> 8);
                }
                2 => {
                    digits(text, 1 + (r >> 4) % 3, r >> 6);
                    text.push(b'.');
                    digits(text, 1 + (r >> 8) % 3, r >> 10);
                }
                3 => {
                    digits(text, 1, r >> 5);
                    text.push(b'.');
                    digits(text, 2, r >> 9);
                    text.push(b'e');
                    text.push(if r & 0x100 != 0 { b'-' } else { b'+' });
                    digits(text, 1 + (r >> 12) % 2, r >> 14);
                }
                4 => {
                    text.push(b'.');
                    digits(text, 1 + (r >> 4) % 4, r >> 7);
                }
                _ => {
                    digits(text, 2, r >> 4);
                    text.push(b"x$-"[(r >> 10) as usize % 3]);
                    digits(text, 1, r >> 12);
                }
            }
        }
        crc = scan(text, crc);
        // Corrupt every 7th byte (keeping the separators), then rescan.
        let key = (rng.next() & 0x7f) as u8;
        for (i, c) in text.iter_mut().enumerate() {
            if i % 7 == 3 && *c != b',' {
                let x = *c ^ key;
                *c = if x == b',' { b'.' } else { x };
            }
        }
        crc = scan(text, crc);
        for &c in text.iter() {
            crc = crc8(crc, c);
        }
        crc
    }

    /// Runs the reference pass, checks its chained CRC, and times the workload.
    pub fn bench(reps: usize) {
        let mut work = Work::new();
        let reference: Vec<u16> = (0..SEEDS as u32).map(|s| iteration(&mut work, s)).collect();
        let chained = reference.iter().fold(0u16, |c, &v| crc16(c, v));
        if std::env::var_os("BENCH_CPU_PRINT_CRC").is_some() {
            eprintln!("coremark: chained crc {chained:#06x}");
        }
        if chained != EXPECTED {
            fail(&format!(
                "coremark: CRC {chained:#06x}, expected {EXPECTED:#06x}"
            ));
        }
        let mut bad = false;
        let samples = common::rates(reps, |n| {
            for k in 0..n {
                let seed = (k % SEEDS as u64) as usize;
                bad |= black_box(iteration(&mut work, seed as u32)) != reference[seed];
            }
        });
        if bad {
            fail("coremark: an iteration's CRC differed from the reference pass");
        }
        report("coremark", &samples, "iter/s");
        line("coremark.valid", "1", "bool");
    }
}

// ---- int -------------------------------------------------------------------------------

const SIEVE_LIMIT: usize = 65_536;
const PRIMES_BELOW_LIMIT: u32 = 6542;

/// Sieve below 65536, then hash the primes; returns (count, hash).
fn sieve_hash(sieve: &mut [bool]) -> (u32, u32) {
    sieve.fill(true);
    sieve[0] = false;
    sieve[1] = false;
    let mut i = 2;
    while i * i < sieve.len() {
        if sieve[i] {
            let mut j = i * i;
            while j < sieve.len() {
                sieve[j] = false;
                j += i;
            }
        }
        i += 1;
    }
    let (mut count, mut hash) = (0u32, 0x811c_9dc5u32);
    for (p, &is_prime) in sieve.iter().enumerate() {
        if is_prime {
            count += 1;
            hash = (hash ^ p as u32).wrapping_mul(0x0100_0193).rotate_left(5);
        }
    }
    (count, hash)
}

fn int_bench(reps: usize) {
    let mut sieve = vec![false; SIEVE_LIMIT];
    let (count, want_hash) = sieve_hash(&mut sieve);
    if count != PRIMES_BELOW_LIMIT {
        fail(&format!("int: {count} primes below 65536, expected 6542"));
    }
    let mut bad = false;
    let samples = common::rates(reps, |n| {
        for _ in 0..n {
            bad |= sieve_hash(black_box(&mut sieve)) != (PRIMES_BELOW_LIMIT, want_hash);
        }
    });
    if bad {
        fail("int: sieve result changed between iterations");
    }
    report("int", &samples, "iter/s");
}

// ---- float -----------------------------------------------------------------------------

const MANDEL_W: usize = 64;
const MANDEL_H: usize = 48;
const MANDEL_MAX: u32 = 64;
/// Total iteration count of one frame (computed once; IEEE f64 makes it exact).
const MANDEL_EXPECTED: u32 = 52_372;

/// One Mandelbrot frame over [-2.2, 1.0] × [-1.2, 1.2]; returns the total iterations.
fn mandelbrot(scale: f64) -> u32 {
    let mut total = 0;
    for y in 0..MANDEL_H {
        let ci = -1.2 + 2.4 * y as f64 / MANDEL_H as f64 * scale;
        for x in 0..MANDEL_W {
            let cr = -2.2 + 3.2 * x as f64 / MANDEL_W as f64 * scale;
            let (mut zr, mut zi) = (0.0f64, 0.0f64);
            let mut it = 0;
            while it < MANDEL_MAX && zr * zr + zi * zi <= 4.0 {
                let t = zr * zr - zi * zi + cr;
                zi = 2.0 * zr * zi + ci;
                zr = t;
                it += 1;
            }
            total += it;
        }
    }
    total
}

fn float_bench(reps: usize) {
    let got = mandelbrot(black_box(1.0));
    if std::env::var_os("BENCH_CPU_PRINT_CRC").is_some() {
        eprintln!("float: mandelbrot total {got}");
    }
    if got != MANDEL_EXPECTED {
        fail(&format!(
            "float: checksum {got}, expected {MANDEL_EXPECTED}"
        ));
    }
    let mut bad = false;
    let samples = common::rates(reps, |n| {
        for _ in 0..n {
            bad |= mandelbrot(black_box(1.0)) != MANDEL_EXPECTED;
        }
    });
    if bad {
        fail("float: checksum changed between iterations");
    }
    report("float", &samples, "iter/s");
}

// ---- memcpy ----------------------------------------------------------------------------

fn memcpy_bench(reps: usize) {
    report("memcpy", &common::copy_rates(reps), "MiB/s");
    report("memcpy.loop", &common::copy_loop_rates(reps), "MiB/s");
    report("memfill", &common::fill_rates(reps, common::MIB), "MiB/s");
}
