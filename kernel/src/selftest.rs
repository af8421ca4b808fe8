//! In-kernel test cases, chosen with `test=NAME` on the command line. `selftest` runs many
//! checks in one boot (each QEMU boot costs seconds under emulation) and exits with the pass
//! or fail code; the other names make the kernel fail on purpose (panic, page fault, stack
//! overflow, out of memory) or exercise the clock and the serial receive path, so the host
//! harness can check how each is reported.

use alloc::boxed::Box;
use alloc::vec::Vec;

use drivers::exit::{ExitCode, exit_qemu};

use crate::bootargs::BootArgs;
use crate::console::{self, Stream};
use crate::{arch, memory, time};

fn say(args: core::fmt::Arguments<'_>) {
    console::write(Stream::Console, alloc::format!("{args}\n").as_bytes());
}

/// Runs the named test mode; never returns.
pub fn run(name: &str, _args: &BootArgs) -> ! {
    match name {
        "selftest" => selftest(),
        "panic" => panic!("deliberate panic requested by test=panic"),
        "pagefault" => {
            let v = arch::touch(0x7ead_0000_0000);
            say(format_args!("read {v} from an unmapped page?!"));
            exit_qemu(ExitCode::Failure)
        }
        "stackoverflow" => {
            let depth = recurse(0);
            say(format_args!("recursion returned {depth}?!"));
            exit_qemu(ExitCode::Failure)
        }
        "oom" => {
            let (_, size) = memory::heap_usage();
            // black_box: an allocation nothing reads may be elided by the optimiser (it
            // was, once console.rs changed), and then nothing fails.
            let v: Vec<u8> = core::hint::black_box(Vec::with_capacity(size * 2));
            say(format_args!("allocated {} bytes?!", v.capacity()));
            exit_qemu(ExitCode::Failure)
        }
        "sleep" => {
            let ticks = arch::ticks();
            say(format_args!("sleep-start"));
            time::sleep_ns(2_000_000_000);
            say(format_args!("sleep-end ticks={}", arch::ticks() - ticks));
            exit_qemu(ExitCode::Success)
        }
        "echo" => echo(),
        "triplefault" => arch::triple_fault(),
        "hang" => loop {
            arch::wait_for_interrupt();
        },
        other => {
            log::error!("unknown test mode {other:?}");
            exit_qemu(ExitCode::Failure)
        }
    }
}

#[inline(never)]
fn recurse(depth: u64) -> u64 {
    let frame = [depth; 512];
    if core::hint::black_box(depth) == u64::MAX {
        return 0;
    }
    let next = recurse(core::hint::black_box(depth + 1));
    core::hint::black_box(&frame);
    next + frame[(depth % 512) as usize]
}

/// Echoes received lines back as `echo: LINE` until a line `quit`.
fn echo() -> ! {
    say(format_args!("echo-ready"));
    let mut line = Vec::new();
    loop {
        let mut buf = [0u8; 64];
        let n = console::read_received(&mut buf);
        if n == 0 {
            arch::wait_for_interrupt();
            continue;
        }
        for &b in &buf[..n] {
            if b == b'\n' || b == b'\r' {
                if line == b"quit" {
                    say(format_args!("echo-done"));
                    exit_qemu(ExitCode::Success);
                }
                if !line.is_empty() {
                    say(format_args!(
                        "echo: {}",
                        core::str::from_utf8(&line).unwrap_or("<bad utf-8>")
                    ));
                }
                line.clear();
            } else {
                line.push(b);
            }
        }
    }
}

type Case = (&'static str, fn() -> Result<(), &'static str>);

const CASES: &[Case] = &[
    ("heap: boxes and vectors round-trip", heap_roundtrip),
    (
        "heap: large allocation and free returns usage to baseline",
        heap_large,
    ),
    (
        "frames: allocation gives distinct aligned frames",
        frames_distinct,
    ),
    ("interrupts: breakpoint handler returns", breakpoint_returns),
    (
        "interrupts: timer ticks while the kernel works",
        timer_ticks,
    ),
    ("clock: monotonic never goes backwards", monotonic),
    ("clock: sleep of 50 ms lasts at least 50 ms", short_sleep),
    ("clock: RTC gives a plausible date", rtc_plausible),
];

fn selftest() -> ! {
    let mut failed = 0;
    for (name, case) in CASES {
        match case() {
            Ok(()) => say(format_args!("test {name} ... ok")),
            Err(why) => {
                failed += 1;
                say(format_args!("test {name} ... FAILED: {why}"));
            }
        }
    }
    say(format_args!(
        "selftest: {} passed, {failed} failed",
        CASES.len() - failed
    ));
    exit_qemu(if failed == 0 {
        ExitCode::Success
    } else {
        ExitCode::Failure
    })
}

fn check(cond: bool, why: &'static str) -> Result<(), &'static str> {
    if cond { Ok(()) } else { Err(why) }
}

fn heap_roundtrip() -> Result<(), &'static str> {
    let b = Box::new(0x1234_5678u64);
    let v: Vec<u32> = (0..10_000).collect();
    check(
        *b == 0x1234_5678 && v.iter().map(|&x| u64::from(x)).sum::<u64>() == 49_995_000,
        "wrong contents",
    )
}

fn heap_large() -> Result<(), &'static str> {
    let (before, size) = memory::heap_usage();
    let len = size / 4;
    let mut v = alloc::vec![0u8; len];
    v[len - 1] = 7;
    let peak = memory::heap_usage().0;
    check(peak >= before + len, "usage did not grow")?;
    drop(v);
    check(
        memory::heap_usage().0 == before,
        "usage not back to baseline",
    )
}

fn frames_distinct() -> Result<(), &'static str> {
    let a = memory::alloc_frame().ok_or("no frame")?;
    let b = memory::alloc_frame().ok_or("no frame")?;
    check(
        a != b && a % 4096 == 0 && b % 4096 == 0,
        "frames overlap or are unaligned",
    )
}

fn breakpoint_returns() -> Result<(), &'static str> {
    let before = arch::breakpoints();
    arch::breakpoint();
    check(
        arch::breakpoints() == before + 1,
        "handler did not run once",
    )
}

fn timer_ticks() -> Result<(), &'static str> {
    let start = arch::ticks();
    let t0 = time::monotonic_ns();
    // Busy work, no halting: ticks must still arrive.
    let mut x = 0u64;
    while time::monotonic_ns() - t0 < 100_000_000 {
        x = core::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
    }
    check(arch::ticks() > start + 2, "fewer than 3 ticks in 100 ms")
}

fn monotonic() -> Result<(), &'static str> {
    let mut last = time::monotonic_ns();
    for _ in 0..10_000 {
        let now = time::monotonic_ns();
        if now < last {
            return Err("time went backwards");
        }
        last = now;
    }
    Ok(())
}

fn short_sleep() -> Result<(), &'static str> {
    let t0 = time::monotonic_ns();
    time::sleep_ns(50_000_000);
    let dt = time::monotonic_ns() - t0;
    check(
        (50_000_000..2_000_000_000).contains(&dt),
        "sleep too short or far too long",
    )
}

fn rtc_plausible() -> Result<(), &'static str> {
    let year = time::boot_datetime().year;
    check(
        (2020..2100).contains(&year) && time::realtime_ns() > 1_577_836_800_000_000_000,
        "RTC year out of range",
    )
}
