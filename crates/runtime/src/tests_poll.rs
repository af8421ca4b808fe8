//! Tests of `poll_oneoff` (clocks, descriptor readiness, console input, argument checks)
//! and of the `wasi_unstable` compatibility module. Each program ends by writing the first
//! KiB of its memory to stdout, where the test reads back the events and results it stored.

use alloc::format;
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};

use vfs::{Fs, Limits as FsLimits};

use crate::files::{FdEntry, FdTable, Object, OpenFile, Stream};
use crate::sched::Kernel;
use crate::spawn::SpawnSpec;
use crate::sys::Platform;
use crate::testing::{EPOCH_NS, Opts, kernel_with};
use crate::types::ExitStatus;
use crate::types::Limits;

/// Where the programs keep things: subscriptions, events, nevents, the monotonic time
/// before and after the poll, and the errno of the poll.
const SUBS: u32 = 0;
const EVENTS: u32 = 256;
const NEVENTS: u32 = 400;
const T0: u32 = 408;
const T1: u32 = 416;
const ERRNO: u32 = 424;
/// Bytes of memory dumped at the end.
const DUMP: usize = 1024;

const MS: u64 = 1_000_000;
const MONOTONIC: u32 = 1;
const REALTIME: u32 = 0;
const FD_READ: u8 = 1;
const FD_WRITE: u8 = 2;
/// Errnos.
const BADF: u16 = 8;
const FAULT: u32 = 21;
const INVAL: u32 = 28;

/// A module importing the calls the tests use from `module`, running `body` then dumping
/// memory; `data` adds data segments.
fn program(module: &str, body: &str, data: &str) -> String {
    format!(
        r#"(module
      (import "{module}" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
      (import "{module}" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
      (import "{module}" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
      (import "{module}" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (import "{module}" "fd_seek" (func $fd_seek (param i32 i64 i32 i32) (result i32)))
      (import "{module}" "fd_filestat_get" (func $fd_filestat_get (param i32 i32) (result i32)))
      (import "{module}" "path_filestat_get" (func $path_filestat_get (param i32 i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      {data}
      (func (export "_start")
        {body}
        (i32.store (i32.const 2048) (i32.const 0))
        (i32.store (i32.const 2052) (i32.const {DUMP}))
        (drop (call $fd_write (i32.const 1) (i32.const 2048) (i32.const 1) (i32.const 2056)))))"#
    )
}

/// Stores of `v` at `at`, `bytes` wide.
fn store(at: u32, v: u64, bytes: u32) -> String {
    match bytes {
        8 => format!("(i64.store (i32.const {at}) (i64.const {}))", v as i64),
        4 => format!(
            "(i32.store (i32.const {at}) (i32.const {}))",
            v as u32 as i32
        ),
        2 => format!("(i32.store16 (i32.const {at}) (i32.const {v}))"),
        _ => format!("(i32.store8 (i32.const {at}) (i32.const {v}))"),
    }
}

/// A preview1 clock subscription (48 bytes) at slot `i`.
fn clock_sub(i: u32, userdata: u64, id: u32, timeout: u64, abstime: bool) -> String {
    let at = SUBS + i * 48;
    [
        store(at, userdata, 8),
        store(at + 8, 0, 1),
        store(at + 16, u64::from(id), 4),
        store(at + 24, timeout, 8),
        store(at + 32, 0, 8),
        store(at + 40, u64::from(abstime), 2),
    ]
    .concat()
}

/// A read (`tag` 1) or write (2) subscription on `fd` at slot `i`, for a `size`-byte layout.
fn fd_sub(i: u32, size: u32, userdata: u64, tag: u8, fd: u32) -> String {
    let at = SUBS + i * size;
    [
        store(at, userdata, 8),
        store(at + 8, u64::from(tag), 1),
        store(at + 16, u64::from(fd), 4),
    ]
    .concat()
}

/// Reads the monotonic clock into T0, polls `count` subscriptions into EVENTS (result in
/// ERRNO), reads the clock into T1.
fn timed_poll(count: u32) -> String {
    format!(
        "(drop (call $clock (i32.const 1) (i64.const 0) (i32.const {T0})))
         (i32.store (i32.const {ERRNO}) (call $poll (i32.const {SUBS}) (i32.const {EVENTS}) (i32.const {count}) (i32.const {NEVENTS})))
         (drop (call $clock (i32.const 1) (i64.const 0) (i32.const {T1})))"
    )
}

/// A program's memory dump (the end of its stdout) and what it wrote before it.
struct Dump {
    status: Option<ExitStatus>,
    text: Vec<u8>,
    mem: Vec<u8>,
}

impl Dump {
    fn new(status: Option<ExitStatus>, stdout: &[u8]) -> Self {
        let split = stdout.len().saturating_sub(DUMP);
        Self {
            status,
            text: stdout[..split].to_vec(),
            mem: stdout[split..].to_vec(),
        }
    }

    fn bytes<const N: usize>(&self, at: u32) -> [u8; N] {
        let at = at as usize;
        self.mem[at..at + N].try_into().expect("in the dump")
    }

    fn u16(&self, at: u32) -> u16 {
        u16::from_le_bytes(self.bytes(at))
    }

    fn u32(&self, at: u32) -> u32 {
        u32::from_le_bytes(self.bytes(at))
    }

    fn u64(&self, at: u32) -> u64 {
        u64::from_le_bytes(self.bytes(at))
    }

    /// The poll's errno.
    fn errno(&self) -> u32 {
        self.u32(ERRNO)
    }

    /// Monotonic time the poll took (plus two clock reads).
    fn elapsed(&self) -> u64 {
        self.u64(T1) - self.u64(T0)
    }

    /// Events reported: (userdata, error, type, nbytes, flags).
    fn events(&self) -> Vec<(u64, u16, u8, u64, u16)> {
        (0..self.u32(NEVENTS))
            .map(|i| {
                let at = EVENTS + i * 32;
                let kind = self.bytes::<1>(at + 10)[0];
                let (nbytes, flags) = (self.u64(at + 16), self.u16(at + 24));
                (self.u64(at), self.u16(at + 8), kind, nbytes, flags)
            })
            .collect()
    }
}

/// Runs a program and returns its dump.
fn run(wat: &str, opts: Opts) -> Dump {
    let wasm = wat::parse_str(wat).expect("valid wat");
    let (mut kernel, console, pid) = kernel_with(&wasm, &opts);
    kernel.run();
    let stdout = console.borrow().stdout.clone();
    Dump::new(kernel.status(pid), &stdout)
}

fn run_preview1(body: &str) -> Dump {
    run(
        &program("wasi_snapshot_preview1", body, ""),
        Opts::default(),
    )
}

#[test]
fn relative_sleep_waits_on_either_clock() {
    for id in [MONOTONIC, REALTIME] {
        let d = run_preview1(&(clock_sub(0, 0x1234, id, 50 * MS, false) + &timed_poll(1)));
        assert_eq!(d.status, Some(ExitStatus::Code(0)));
        assert_eq!(d.errno(), 0);
        assert_eq!(d.events(), [(0x1234, 0, 0, 0, 0)]);
        assert!(d.elapsed() >= 50 * MS, "slept {} ns", d.elapsed());
        assert!(d.elapsed() < 51 * MS, "slept {} ns", d.elapsed());
    }
}

#[test]
fn zero_timeout_and_past_deadlines_return_at_once() {
    let past = [
        clock_sub(0, 1, MONOTONIC, 0, false),
        clock_sub(0, 1, MONOTONIC, 1, true),
        clock_sub(0, 1, REALTIME, EPOCH_NS - 1000 * MS, true),
    ];
    for sub in past {
        let d = run_preview1(&(sub + &timed_poll(1)));
        assert_eq!((d.errno(), d.events()), (0, alloc::vec![(1, 0, 0, 0, 0)]));
        assert!(d.elapsed() < MS, "took {} ns", d.elapsed());
    }
}

#[test]
fn absolute_deadlines_on_either_clock() {
    let future = [
        clock_sub(0, 5, MONOTONIC, 30 * MS, true),
        clock_sub(0, 5, REALTIME, EPOCH_NS + 30 * MS, true),
    ];
    for sub in future {
        let d = run_preview1(&(sub + &timed_poll(1)));
        assert_eq!((d.errno(), d.events()), (0, alloc::vec![(5, 0, 0, 0, 0)]));
        assert!(
            d.u64(T1) >= 30 * MS && d.u64(T1) < 31 * MS,
            "woke at {}",
            d.u64(T1)
        );
    }
}

#[test]
fn the_earlier_of_two_clocks_fires() {
    let body = clock_sub(0, 100, MONOTONIC, 100 * MS, false)
        + &clock_sub(1, 20, MONOTONIC, 20 * MS, false)
        + &timed_poll(2);
    let d = run_preview1(&body);
    assert_eq!((d.errno(), d.events()), (0, alloc::vec![(20, 0, 0, 0, 0)]));
    assert!(d.elapsed() >= 20 * MS && d.elapsed() < 21 * MS);
}

#[test]
fn descriptors_ready_now_are_reported_without_waiting_for_clocks() {
    let body = clock_sub(0, 1, MONOTONIC, 1000 * MS, false)
        + &fd_sub(1, 48, 2, FD_READ, 0)
        + &fd_sub(2, 48, 3, FD_WRITE, 1)
        + &timed_poll(3);
    let d = run(
        &program("wasi_snapshot_preview1", &body, ""),
        Opts {
            stdin: Some(b"hello".to_vec()),
            ..Opts::default()
        },
    );
    assert_eq!(d.errno(), 0);
    assert_eq!(d.events(), [(2, 0, FD_READ, 5, 0), (3, 0, FD_WRITE, 1, 0)]);
    assert!(d.elapsed() < MS);
    // Null stdin is at end of file: ready, 0 bytes, HANGUP.
    let d = run_preview1(&(fd_sub(0, 48, 9, FD_READ, 0) + &timed_poll(1)));
    assert_eq!(d.events(), [(9, 0, FD_READ, 0, 1)]);
}

#[test]
fn bad_or_unusable_descriptors_give_badf_events() {
    let body = fd_sub(0, 48, 1, FD_READ, 99)
        + &fd_sub(1, 48, 2, FD_WRITE, 42)
        + &fd_sub(2, 48, 3, FD_WRITE, 0) // stdin cannot be written
        + &fd_sub(3, 48, 4, FD_READ, 1) // stdout cannot be read
        + &timed_poll(4);
    let opts = Opts {
        stdin: Some(b"in".to_vec()),
        ..Opts::default()
    };
    let d = run(&program("wasi_snapshot_preview1", &body, ""), opts);
    assert_eq!(d.errno(), 0);
    assert_eq!(
        d.events(),
        [
            (1, BADF, FD_READ, 0, 0),
            (2, BADF, FD_WRITE, 0, 0),
            (3, BADF, FD_WRITE, 0, 0),
            (4, BADF, FD_READ, 0, 0),
        ]
    );
}

#[test]
fn invalid_subscriptions_are_inval() {
    let poll = |subs: u32, events: u32, count: u32, out: u32| {
        format!(
            "(i32.store (i32.const {ERRNO}) (call $poll (i32.const {subs}) (i32.const {events}) (i32.const {count}) (i32.const {out})))"
        )
    };
    let cases = [
        // No subscriptions.
        poll(SUBS, EVENTS, 0, NEVENTS),
        // More than a call takes (each pass over them runs unpreempted), in memory.
        String::from("(drop (memory.grow (i32.const 8)))")
            + &poll(
                SUBS,
                EVENTS,
                crate::wasi::poll::MAX_SUBSCRIPTIONS + 1,
                NEVENTS,
            ),
        // Unknown clock (the CPU-time clocks cannot be waited on either).
        clock_sub(0, 1, 7, 0, false) + &poll(SUBS, EVENTS, 1, NEVENTS),
        clock_sub(0, 1, 2, 10 * MS, false) + &poll(SUBS, EVENTS, 1, NEVENTS),
        // Unknown tag, after a ready subscription.
        fd_sub(0, 48, 1, FD_WRITE, 1) + &fd_sub(1, 48, 1, 3, 1) + &poll(SUBS, EVENTS, 2, NEVENTS),
    ];
    for body in cases {
        assert_eq!(run_preview1(&body).errno(), INVAL, "{body}");
    }
    // The most it takes are all looked at: zeroed subscriptions are realtime clocks due
    // at once, one event each.
    let max = crate::wasi::poll::MAX_SUBSCRIPTIONS;
    let most =
        String::from("(drop (memory.grow (i32.const 8)))") + &poll(SUBS, 200_000, max, NEVENTS);
    let d = run_preview1(&most);
    assert_eq!((d.errno(), d.u32(NEVENTS)), (0, max));
}

#[test]
fn bad_pointers_are_fault_before_blocking() {
    let sleep = clock_sub(0, 1, MONOTONIC, 50 * MS, false);
    let cases = [
        (65530, EVENTS, 1, NEVENTS),
        (SUBS, 65530, 1, NEVENTS),
        (SUBS, EVENTS, 1, 65533),
        (SUBS, EVENTS, 2000, NEVENTS),
        (SUBS, EVENTS, 0x1000_0000, NEVENTS),
        (u32::MAX, EVENTS, u32::MAX, NEVENTS),
    ];
    for (subs, events, count, out) in cases {
        let body = format!(
            "{sleep} (drop (call $clock (i32.const 1) (i64.const 0) (i32.const {T0})))
             (i32.store (i32.const {ERRNO}) (call $poll (i32.const {subs}) (i32.const {events}) (i32.const {count}) (i32.const {out})))
             (drop (call $clock (i32.const 1) (i64.const 0) (i32.const {T1})))",
            subs = subs as i32,
            count = count as i32,
        );
        let d = run_preview1(&body);
        assert_eq!(d.status, Some(ExitStatus::Code(0)));
        assert_eq!(d.errno(), FAULT, "{subs} {events} {count} {out}");
        assert!(d.elapsed() < MS);
    }
}

#[test]
fn a_poll_reusing_its_arrays_sleeps_again() {
    // The same subscription and event arrays twice: the second call must not take the
    // first one's leftovers for its own start time.
    let body = clock_sub(0, 1, MONOTONIC, 10 * MS, false)
        + &timed_poll(1)
        + &format!(
            "(drop (call $poll (i32.const {SUBS}) (i32.const {EVENTS}) (i32.const 1) (i32.const {NEVENTS})))
             (drop (call $clock (i32.const 1) (i64.const 0) (i32.const 600)))"
        );
    let d = run_preview1(&body);
    assert_eq!(d.events(), [(1, 0, 0, 0, 0)]);
    let second = d.u64(600) - d.u64(T1);
    assert!((10 * MS..11 * MS).contains(&second), "{second}");
}

#[test]
fn wasi_unstable_programs_run() {
    let sub0 = [
        store(SUBS, 0xabc, 8),
        store(SUBS + 8, 0, 1),
        store(SUBS + 16, u64::MAX, 8), // identifier: must be ignored
        store(SUBS + 24, u64::from(MONOTONIC), 4),
        store(SUBS + 32, 10 * MS, 8),
        store(SUBS + 40, 0, 8),
        store(SUBS + 48, 0, 2),
    ]
    .concat();
    let seek = |offset: i64, whence: u32, out: u32, err: u32| {
        format!(
            "(i32.store (i32.const {err}) (call $fd_seek (i32.const 0) (i64.const {offset}) (i32.const {whence}) (i32.const {out})))"
        )
    };
    let body = [
        // "hello\n" at 720, iovec at 600.
        store(600, 720, 4),
        store(604, 6, 4),
        "(i32.store (i32.const 928) (call $fd_write (i32.const 1) (i32.const 600) (i32.const 1) (i32.const 608)))".to_string(),
        // Read two bytes of stdin, then seek: CUR = 0, END = 1, SET = 2 here.
        store(600, 800, 4),
        store(604, 2, 4),
        "(drop (call $fd_read (i32.const 0) (i32.const 600) (i32.const 1) (i32.const 608)))"
            .to_string(),
        seek(0, 0, 432, 904),
        seek(-1, 1, 440, 908),
        seek(3, 2, 448, 912),
        seek(0, 3, 456, 916),
        // 56-byte filestats: a.txt through the preopen, and stdin.
        "(i32.store (i32.const 920) (call $path_filestat_get (i32.const 3) (i32.const 0) (i32.const 700) (i32.const 5) (i32.const 464)))".to_string(),
        "(i32.store (i32.const 924) (call $fd_filestat_get (i32.const 0) (i32.const 528)))"
            .to_string(),
        sub0,
        timed_poll(1),
    ]
    .concat();
    let data = r#"(data (i32.const 700) "a.txt") (data (i32.const 720) "hello\n")"#;
    let d = run(
        &program("wasi_unstable", &body, data),
        Opts {
            stdin: Some(b"hello world".to_vec()),
            files: alloc::vec![("a.txt", b"abcdef")],
            preopen: Some("."),
            ..Opts::default()
        },
    );
    assert_eq!(d.status, Some(ExitStatus::Code(0)));
    assert_eq!(d.text, b"hello\n");
    assert_eq!(d.u32(928), 0);
    let seeks = [(d.u32(904), d.u64(432)), (d.u32(908), d.u64(440))];
    assert_eq!(seeks, [(0, 2), (0, 10)]);
    assert_eq!((d.u32(912), d.u64(448)), (0, 3));
    assert_eq!(d.u32(916), INVAL);
    // a.txt: ino @8, filetype @16, nlink u32 @20, size @24.
    assert_eq!(d.u32(920), 0);
    assert_ne!(d.u64(464 + 8), 0);
    assert_eq!((d.bytes::<1>(464 + 16)[0], d.u32(464 + 20)), (4, 1));
    assert_eq!(d.u64(464 + 24), 6);
    assert_eq!((d.u32(924), d.bytes::<1>(528 + 16)[0]), (0, 4));
    // poll_oneoff with the 56-byte clock subscription.
    assert_eq!(
        (d.errno(), d.events()),
        (0, alloc::vec![(0xabc, 0, 0, 0, 0)])
    );
    assert!(d.elapsed() >= 10 * MS && d.elapsed() < 11 * MS);
}

#[test]
fn wasi_unstable_descriptor_subscriptions_use_the_56_byte_stride() {
    let body = fd_sub(0, 56, 1, FD_WRITE, 1) + &fd_sub(1, 56, 2, FD_READ, 99) + &timed_poll(2);
    let d = run(&program("wasi_unstable", &body, ""), Opts::default());
    assert_eq!(
        d.events(),
        [(1, 0, FD_WRITE, 1, 0), (2, BADF, FD_READ, 0, 0)]
    );
}

/// A platform with console input that arrives at `input_at` and an idle that advances at
/// most `idle_step` (jumping to the deadline when that is sooner).
struct Tty {
    now: Cell<u64>,
    input_at: u64,
    input: Vec<u8>,
    idle_step: u64,
    stdout: Rc<RefCell<Vec<u8>>>,
}

impl Platform for Tty {
    fn monotonic_ns(&self) -> u64 {
        self.now.set(self.now.get() + 1000);
        self.now.get()
    }
    fn realtime_ns(&self) -> u64 {
        EPOCH_NS + self.monotonic_ns()
    }
    fn random(&mut self, buf: &mut [u8]) {
        buf.fill(4);
    }
    fn write(&mut self, _stream: Stream, data: &[u8]) {
        self.stdout.borrow_mut().extend_from_slice(data);
    }
    fn read_console(&mut self, buf: &mut [u8]) -> usize {
        if self.now.get() < self.input_at {
            return 0;
        }
        let n = buf.len().min(self.input.len());
        buf[..n].copy_from_slice(&self.input[..n]);
        self.input.drain(..n);
        n
    }
    fn idle(&mut self, deadline: Option<u64>) {
        let now = self.now.get();
        let step = now.saturating_add(self.idle_step);
        self.now
            .set(deadline.filter(|&d| d > now).map_or(step, |d| d.min(step)));
    }
}

/// Runs a preview1 program with the console as stdin and stdout.
fn run_on_tty(body: &str, input_at: u64, idle_step: u64) -> Dump {
    let stdout = Rc::new(RefCell::new(Vec::new()));
    let tty = Tty {
        now: Cell::new(0),
        input_at,
        input: b"x".to_vec(),
        idle_step,
        stdout: Rc::clone(&stdout),
    };
    let mut fs = Fs::new(FsLimits::default());
    let root = fs.root();
    let wasm = wat::parse_str(program("wasi_snapshot_preview1", body, "")).expect("valid wat");
    fs.write_file(root, "prog.wasm", &wasm).expect("write");
    let mut kernel = Kernel::new(Box::new(tty), fs, Limits::default()).expect("kernel");
    let sys = kernel.sys();
    let module = sys.load_module(root, "prog.wasm").expect("load");
    let mut fds = FdTable::new(16);
    for (fd, object) in [Object::ConsoleIn, Object::ConsoleOut(Stream::Stdout)]
        .into_iter()
        .enumerate()
    {
        let file = sys.files.insert(&mut sys.fs, OpenFile::new(object, 0));
        let entry = FdEntry::new(file);
        fds.install_at(&mut sys.fs, &mut sys.files, fd as u32, entry)
            .expect("stdio");
    }
    let spec = SpawnSpec {
        ppid: 0,
        name: "prog".to_string(),
        module,
        args: alloc::vec![b"prog".to_vec()],
        env: Vec::new(),
        fds,
        root: sys.fs.root(),
        cwd: "/".into(),
        ignored: 0,
    };
    let pid = sys.spawn(spec).expect("spawn");
    kernel.run();
    let out = stdout.borrow().clone();
    Dump::new(kernel.status(pid), &out)
}

#[test]
fn console_input_wakes_a_poll_and_a_clock_can_win() {
    // Woken by the console before the 1 s timeout: stdin is reported once the input has
    // arrived (at 5 ms) and passed the line discipline, and the read then gets it.
    let body = clock_sub(0, 8, MONOTONIC, 1000 * MS, false)
        + &fd_sub(1, 48, 7, FD_READ, 0)
        + &timed_poll(2)
        + &store(600, 800, 4)
        + &store(604, 4, 4)
        + "(i32.store (i32.const 612) (call $fd_read (i32.const 0) (i32.const 600) (i32.const 1) (i32.const 608)))";
    let d = run_on_tty(&body, 5 * MS, MS);
    assert_eq!(
        (d.errno(), d.events()),
        (0, alloc::vec![(7, 0, FD_READ, 1, 0)])
    );
    assert!(
        (5 * MS..1000 * MS).contains(&d.elapsed()),
        "{}",
        d.elapsed()
    );
    assert_eq!((d.u32(612), d.u32(608), d.bytes::<1>(800)), (0, 1, *b"x"));
    // When the clock is due at the wake-up, only the clock is reported.
    let body = clock_sub(0, 8, MONOTONIC, 3 * MS, false) + &fd_sub(1, 48, 7, FD_READ, 0);
    let d = run_on_tty(&(body + &timed_poll(2)), u64::MAX, u64::MAX);
    assert_eq!((d.errno(), d.events()), (0, alloc::vec![(8, 0, 0, 0, 0)]));
    assert!(d.elapsed() >= 3 * MS);
}
