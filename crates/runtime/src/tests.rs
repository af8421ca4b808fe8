//! End-to-end runtime tests: small programs in WebAssembly text run through the real
//! scheduler and host calls on a fake platform.

use crate::testing::{Opts, run_wat, run_with};
use crate::types::ExitStatus;

/// A module header with memory and the imports most tests need.
pub const PRELUDE: &str = r#"
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
"#;

fn program(body: &str, data: &str) -> alloc::string::String {
    alloc::format!("(module {PRELUDE} {data} (func (export \"_start\") {body}))")
}

#[test]
fn hello_world_and_exit_code() {
    let wat = program(
        r#"(i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 6))
           (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
           (call $proc_exit (i32.const 7))"#,
        r#"(data (i32.const 16) "hello\n")"#,
    );
    let r = run_wat(&wat);
    assert_eq!(r.stdout, "hello\n");
    assert_eq!(r.status, Some(ExitStatus::Code(7)));
}

#[test]
fn returning_from_start_is_exit_zero() {
    let r = run_wat(&program("", ""));
    assert_eq!(r.status, Some(ExitStatus::Code(0)));
}

#[test]
fn trap_is_reported_on_stderr_as_a_signal_death() {
    let r = run_wat(&program("unreachable", ""));
    assert_eq!(r.status, Some(ExitStatus::Signal(6)));
    assert_eq!(r.stderr, "trap: wasm `unreachable` instruction executed\n");
    let r = run_wat(&program("(drop (i32.load (i32.const 70000)))", ""));
    assert_eq!(r.stderr, "trap: out of bounds memory access\n");
}

#[test]
fn bad_pointer_is_fault_not_a_crash() {
    // iovec array far outside memory → fd_write returns FAULT (21), which becomes the exit code.
    let wat = program(
        "(call $proc_exit (call $fd_write (i32.const 1) (i32.const 65530) (i32.const 1) (i32.const 8)))",
        "",
    );
    assert_eq!(run_wat(&wat).status, Some(ExitStatus::Code(21)));
    // Bad descriptor → BADF (8).
    let wat = program(
        "(call $proc_exit (call $fd_write (i32.const 99) (i32.const 0) (i32.const 0) (i32.const 8)))",
        "",
    );
    assert_eq!(run_wat(&wat).status, Some(ExitStatus::Code(8)));
}

#[test]
fn endless_loop_is_sliced_not_stuck() {
    // Two processes are not needed: an endless loop must at least run out of fuel
    // repeatedly; cap the run by making the loop finite but long.
    let wat = program(
        r#"(local $i i32) (local.set $i (i32.const 3000000))
           (loop $l (local.set $i (i32.sub (local.get $i) (i32.const 1))) (br_if $l (local.get $i)))"#,
        "",
    );
    assert_eq!(run_wat(&wat).status, Some(ExitStatus::Code(0)));
}

#[test]
fn args_and_environment() {
    let wat = r#"(module
      (import "wasi_snapshot_preview1" "args_sizes_get" (func $asz (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "args_get" (func $ag (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "environ_sizes_get" (func $esz (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "environ_get" (func $eg (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (drop (call $asz (i32.const 0) (i32.const 4)))
        (drop (call $ag (i32.const 100) (i32.const 200)))
        ;; print the argv buffer (NULs included) as is
        (i32.store (i32.const 8) (i32.const 200))
        (i32.store (i32.const 12) (i32.load (i32.const 4)))
        (drop (call $fd_write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 16)))
        ;; then the environment buffer; its count goes to stderr as one byte '0' + count
        (drop (call $esz (i32.const 20) (i32.const 24)))
        (drop (call $eg (i32.const 300) (i32.const 400)))
        (i32.store (i32.const 8) (i32.const 400))
        (i32.store (i32.const 12) (i32.load (i32.const 24)))
        (drop (call $fd_write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 16)))
        (i32.store8 (i32.const 40) (i32.add (i32.const 48) (i32.load (i32.const 20))))
        (i32.store (i32.const 8) (i32.const 40))
        (i32.store (i32.const 12) (i32.const 1))
        (drop (call $fd_write (i32.const 2) (i32.const 8) (i32.const 1) (i32.const 16)))))"#;
    let r = run_with(
        wat,
        Opts {
            args: alloc::vec!["a", "bc"],
            env: alloc::vec!["HOME=/", "X="],
            ..Opts::default()
        },
    );
    assert_eq!(r.stdout, "prog\0a\0bc\0HOME=/\0X=\0");
    assert_eq!(r.stderr, "2");
}

#[test]
fn unknown_import_is_refused_with_its_name() {
    let wasm = wat::parse_str(
        r#"(module (import "wasi_snapshot_preview1" "no_such_call" (func)) (func (export "_start")))"#,
    )
    .unwrap();
    let (mut k, _, _) = crate::testing::kernel_with(
        &wat::parse_str("(module (func (export \"_start\")))").unwrap(),
        &Opts::default(),
    );
    let sys = k.sys();
    sys.fs.write_file(sys.fs.root(), "p.wasm", &wasm).unwrap();
    let root = sys.fs.root();
    let err = sys.load_module(root, "p.wasm").expect_err("refused");
    assert_eq!(err.errno, abi::Errno::NoExec);
    assert!(
        err.message.contains("wasi_snapshot_preview1::no_such_call"),
        "{}",
        err.message
    );
    sys.fs
        .write_file(root, "bad.wasm", b"\0asm garbage")
        .unwrap();
    let err = sys.load_module(root, "bad.wasm").expect_err("refused");
    assert_eq!(err.errno, abi::Errno::NoExec);
    assert!(
        err.message.contains("invalid WebAssembly module"),
        "{}",
        err.message
    );
}

#[test]
fn stdin_bytes_then_eof() {
    let wat = r#"(module
      (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (i32.store (i32.const 0) (i32.const 100)) (i32.store (i32.const 4) (i32.const 3))
        (block $done (loop $l
          (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
          (br_if $done (i32.eqz (i32.load (i32.const 8))))
          (i32.store (i32.const 16) (i32.const 100)) (i32.store (i32.const 20) (i32.load (i32.const 8)))
          (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))
          (br $l)))))"#;
    let r = run_with(
        wat,
        Opts {
            stdin: Some(b"hello, stdin".to_vec()),
            ..Opts::default()
        },
    );
    assert_eq!(r.stdout, "hello, stdin");
}

#[test]
fn many_host_calls_across_fuel_slices() {
    let wat = r#"(module
      (import "wasi_snapshot_preview1" "clock_time_get" (func $ct (param i32 i64 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_start") (local $i i32)
        (local.set $i (i32.const 200000))
        (loop $l
          (drop (call $ct (i32.const 1) (i64.const 0) (i32.const 0)))
          (local.set $i (i32.sub (local.get $i) (i32.const 1)))
          (br_if $l (local.get $i)))))"#;
    let r = run_wat(wat);
    assert_eq!(r.stderr, "");
    assert_eq!(r.status, Some(ExitStatus::Code(0)));
}

#[test]
fn big_memory_operations_do_not_exhaust_a_slice() {
    let wat = r#"(module
      (memory (export "memory") 1)
      (func (export "_start")
        (drop (memory.grow (i32.const 1000)))
        (memory.fill (i32.const 0) (i32.const 7) (i32.const 60000000))
        (memory.copy (i32.const 0) (i32.const 30000000) (i32.const 30000000))))"#;
    let r = run_wat(wat);
    assert_eq!(r.stderr, "");
    assert_eq!(r.status, Some(ExitStatus::Code(0)));
}

#[test]
fn a_write_of_gibs_through_iovecs_is_short_not_a_kernel_allocation_failure() {
    // Regression (found by `hostile bigwrite` in the VM): 1024 iovecs each covering all
    // of a 4 MiB memory ask for 4 GiB in one fd_write; the kernel gathered all of it into
    // one buffer first, and its heap allocation failure was a kernel panic. Now one call
    // moves at most 16 MiB (a short write; to the console, 64 KiB) and reports how much.
    let wat = r#"(module
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
      (memory (export "memory") 64)
      (func (export "_start") (local $i i32)
        (loop $l
          (i32.store (i32.add (i32.const 4096) (i32.mul (local.get $i) (i32.const 8))) (i32.const 0))
          (i32.store (i32.add (i32.const 4100) (i32.mul (local.get $i) (i32.const 8))) (i32.const 4194304))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (i32.const 1024))))
        (if (call $fd_write (i32.const 1) (i32.const 4096) (i32.const 1024) (i32.const 0))
          (then (call $proc_exit (i32.const 1))))
        (call $proc_exit (i32.load (i32.const 0)))))"#;
    let r = run_wat(wat);
    let max = crate::io::MAX_CONSOLE_WRITE;
    assert_eq!(r.status, Some(ExitStatus::Code(max as u32)));
    assert_eq!(r.stdout.len(), max);
}

#[test]
fn tty_settings_come_back_in_order_whichever_setter_exits_first() {
    use crate::types::Tty;
    let (mut kernel, _, _) = crate::testing::kernel_with(
        &wat::parse_str(program("", "")).expect("valid wat"),
        &Opts::default(),
    );
    let sys = kernel.sys();
    let start = sys.tty;
    let a = Tty::cooked();
    let b = Tty { cols: 132, ..a };
    // Pid 10 changed `start` to `a`, then pid 11 changed `a` to `b`.
    sys.tty_saved = alloc::vec![(10, start), (11, a)];
    sys.tty = b;
    // 10 exits first: 11's change stays, and 11 now owes what 10 found.
    sys.release_tty(10);
    assert_eq!((sys.tty, sys.tty_saved.as_slice()), (b, &[(11, start)][..]));
    sys.release_tty(11);
    assert_eq!((sys.tty, sys.tty_saved.len()), (start, 0));
    // A process that never set anything changes nothing.
    sys.release_tty(12);
    assert_eq!(sys.tty, start);
}

/// A program of several functions that prints "hi" from the one `_start` calls.
const LAZY_WAT: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hi")
  (func $never (result i32) (i32.add (i32.const 1) (i32.const 2)))
  (func $say
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 2))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start") (call $say)))"#;

#[test]
fn lazy_translation_sets_the_code_aside_while_the_program_lives() {
    let wasm = wat::parse_str(LAZY_WAT).unwrap();
    let free = 64 << 20;
    let (mut k, console, pid) = crate::testing::kernel_with(
        &wasm,
        &Opts {
            unmetered: true,
            heap_free: Some(free),
            ..Opts::default()
        },
    );
    let reserve = crate::loadcost::code_reserve(&wasm);
    assert!(reserve > 0);
    let sys = k.sys();
    assert!(sys.lazy_translation);
    assert_eq!(
        sys.code_reserved
            .load(core::sync::atomic::Ordering::Relaxed),
        reserve
    );
    assert_eq!(sys.memory_available(), Some(free - reserve));
    k.run();
    assert_eq!(k.status(pid), Some(ExitStatus::Code(0)));
    assert_eq!(console.borrow().stdout, b"hi");
    // The cache still holds the program; once it lets go, the reserve is returned.
    let sys = k.sys();
    assert_eq!(
        sys.code_reserved
            .load(core::sync::atomic::Ordering::Relaxed),
        reserve
    );
    assert_eq!(sys.evict_idle_programs(), 1);
    assert_eq!(
        sys.code_reserved
            .load(core::sync::atomic::Ordering::Relaxed),
        0
    );
    assert_eq!(sys.memory_available(), Some(free));
}

#[test]
fn eager_translation_sets_nothing_aside() {
    let wasm = wat::parse_str(LAZY_WAT).unwrap();
    let (mut k, console, pid) = crate::testing::kernel_with(&wasm, &Opts::default());
    assert!(!k.sys().lazy_translation);
    assert_eq!(
        k.sys()
            .code_reserved
            .load(core::sync::atomic::Ordering::Relaxed),
        0
    );
    k.run();
    assert_eq!(k.status(pid), Some(ExitStatus::Code(0)));
    assert_eq!(console.borrow().stdout, b"hi");
}

#[test]
fn lazy_translation_still_refuses_an_invalid_body_at_load() {
    let (mut k, _, _) = crate::testing::kernel_with(
        &wat::parse_str(LAZY_WAT).unwrap(),
        &Opts {
            unmetered: true,
            ..Opts::default()
        },
    );
    // A function never called whose body does not type-check: refused at load, not on a
    // first call that never comes.
    let mut wasm =
        wat::parse_str(r#"(module (func $f (result i32) (i32.const 1)) (func (export "_start")))"#)
            .unwrap();
    // i32.const 1 (0x41 0x01) -> i64.const 1 (0x42 0x01): still well-formed, now ill-typed.
    let at = wasm
        .windows(3)
        .position(|w| w == [0x41, 0x01, 0x0b])
        .unwrap();
    wasm[at] = 0x42;
    let sys = k.sys();
    let root = sys.fs.root();
    sys.fs.write_file(root, "bad.wasm", &wasm).unwrap();
    let err = sys.load_module(root, "bad.wasm").expect_err("refused");
    assert_eq!(err.errno, abi::Errno::NoExec);
    assert!(
        err.message.contains("invalid WebAssembly module"),
        "{}",
        err.message
    );
}

#[test]
fn a_load_short_of_memory_lets_idle_cached_programs_go_first() {
    // ~600 KB of code never run: ~4.8 MB set aside while the program is cached.
    let body = "(drop (i32.const 1000000))".repeat(100_000);
    let wasm = wat::parse_str(LAZY_WAT.replace(
        "(func $never (result i32)",
        &alloc::format!("(func $big {body}) (func $never (result i32)"),
    ))
    .unwrap();
    let estimate = crate::loadcost::estimate(&wasm, false);
    let reserve = crate::loadcost::code_reserve(&wasm);
    // Room to spawn it beside its reserve, but not to load a second program beside it.
    let free = reserve + crate::spawn::SPAWN_HEADROOM + 65536 + 1024;
    assert!(free - reserve < estimate + crate::sys::GROW_HEADROOM);
    assert!(free >= estimate + crate::sys::GROW_HEADROOM);
    let (mut k, console, pid) = crate::testing::kernel_with(
        &wasm,
        &Opts {
            unmetered: true,
            heap_free: Some(free),
            ..Opts::default()
        },
    );
    k.run();
    assert_eq!(k.status(pid), Some(ExitStatus::Code(0)));
    assert_eq!(console.borrow().stdout, b"hi");
    let sys = k.sys();
    let root = sys.fs.root();
    sys.fs.write_file(root, "other.wasm", &wasm).unwrap();
    // prog.wasm's idle entry is let go, and other.wasm loads.
    sys.load_module(root, "other.wasm")
        .map_err(|e| e.message)
        .expect("loads after eviction");
    assert_eq!(sys.modules.len(), 1);
    assert_eq!(
        sys.code_reserved
            .load(core::sync::atomic::Ordering::Relaxed),
        reserve
    );
}
