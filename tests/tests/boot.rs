//! Boot foundation tests: real BIOS and UEFI images under QEMU. Each boot costs seconds
//! under emulation, so `test=selftest` runs many in-kernel cases per boot; the other boots
//! make the kernel fail on purpose and check the harness reports it as a failure with a
//! readable diagnostic (exception name, RIP), never as a pass.

use std::time::Duration;

use boot::image::{Firmware, Ramdisk, disk_image};
use boot::qemu::{Ending, Outcome, VmConfig, run};

fn boot_with(
    name: &str,
    cmdline: &str,
    firmware: Firmware,
    tweak: impl FnOnce(&mut VmConfig),
) -> Outcome {
    let kernel = boot::build::kernel_once().expect("kernel builds");
    let image =
        disk_image(&kernel, &Ramdisk::with_cmdline(cmdline), firmware, name).expect("image builds");
    let mut cfg = VmConfig::new(image, firmware);
    cfg.kernel = Some(kernel);
    cfg.timeout = Duration::from_secs(120);
    tweak(&mut cfg);
    let outcome = run(&cfg).expect("qemu runs");
    println!(
        "--- {name} ({}): {} in {:?}\n{}",
        firmware.name(),
        outcome.ending.describe(),
        outcome.elapsed,
        outcome.console()
    );
    outcome
}

fn boot(name: &str, cmdline: &str, firmware: Firmware) -> Outcome {
    boot_with(name, cmdline, firmware, |_| {})
}

fn assert_selftest_passes(o: &Outcome) {
    let out = o.console();
    assert_eq!(o.ending, Ending::KernelSuccess, "{out}");
    assert!(out.contains("selftest: 8 passed, 0 failed"), "{out}");
    assert!(!out.contains("FAILED"), "{out}");
    for phase in [
        "boot phase heap:",
        "boot phase interrupts:",
        "boot phase ready:",
    ] {
        assert!(out.contains(phase), "banner lacks {phase:?}: {out}");
    }
    assert!(out.contains("wasmkernel 0.1.0 booting"), "{out}");
    assert!(out.contains("MiB usable, heap"), "{out}");
}

#[test]
fn selftest_passes_under_bios() {
    let o = boot("selftest", "test=selftest", Firmware::Bios);
    assert_selftest_passes(&o);
    // Our own loader (boot/bios/loader.S), not bootloader 0.11's BIOS stages.
    assert!(
        o.console().contains("(loaded by bios-loader)"),
        "{}",
        o.console()
    );
}

#[test]
fn selftest_passes_under_uefi() {
    assert_selftest_passes(&boot("selftest", "test=selftest", Firmware::Uefi));
}

#[test]
fn selftest_passes_under_direct_boot_with_ram_from_the_pvh_memory_map() {
    let o = boot_with("selftest-direct", "test=selftest", Firmware::Direct, |c| {
        c.memory_mib = 512
    });
    assert_selftest_passes(&o);
    let out = o.console();
    assert!(out.contains("(loaded by pvh)"), "{out}");
    // The kernel image, the initrd and the first MiB are kept out; the rest is heap.
    assert!(
        (384..512).contains(&heap_mib(&o)),
        "512 MiB VM heap {} MiB",
        heap_mib(&o)
    );
}

#[test]
fn stack_overflow_is_caught_under_direct_boot() {
    let o = boot(
        "stackoverflow-direct",
        "test=stackoverflow",
        Firmware::Direct,
    );
    let out = o.console();
    assert_eq!(o.ending, Ending::KernelFailure, "{out}");
    assert!(
        out.contains("EXCEPTION: page fault (#PF) (kernel stack overflow)"),
        "{out}"
    );
}

/// The heap size the banner reports, in MiB.
fn heap_mib(o: &Outcome) -> u64 {
    let out = o.console();
    let line = out
        .lines()
        .find(|l| l.contains("MiB usable, heap"))
        .expect("memory line");
    let after = line.split("heap ").nth(1).expect("heap figure");
    after
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("number")
}

#[test]
fn heap_is_sized_from_vm_ram() {
    let small = boot_with("mem-128", "test=selftest", Firmware::Bios, |c| {
        c.memory_mib = 128
    });
    let large = boot_with("mem-512", "test=selftest", Firmware::Bios, |c| {
        c.memory_mib = 512
    });
    assert!(small.ending.is_success() && large.ending.is_success());
    let (s, l) = (heap_mib(&small), heap_mib(&large));
    assert!((64..128).contains(&s), "128 MiB VM heap {s} MiB");
    assert!((384..512).contains(&l), "512 MiB VM heap {l} MiB");
}

#[test]
fn panic_is_reported_as_failure_with_location() {
    let o = boot("panic", "test=panic", Firmware::Bios);
    let out = o.console();
    assert_eq!(o.ending, Ending::KernelFailure, "{out}");
    assert!(out.contains("KERNEL PANIC"), "{out}");
    assert!(
        out.contains("deliberate panic requested by test=panic"),
        "{out}"
    );
    assert!(
        out.contains("selftest.rs:"),
        "panic location missing: {out}"
    );
}

#[test]
fn page_fault_is_reported_with_rip_and_cr2() {
    let o = boot("pagefault", "test=pagefault", Firmware::Bios);
    let out = o.console();
    assert_eq!(o.ending, Ending::KernelFailure, "{out}");
    assert!(out.contains("EXCEPTION: page fault (#PF)"), "{out}");
    assert!(out.contains("RIP: 0x"), "{out}");
    assert!(out.contains("CR2: 0x7ead00000000"), "{out}");
}

#[test]
fn stack_overflow_is_caught_on_its_own_stack() {
    let o = boot("stackoverflow", "test=stackoverflow", Firmware::Bios);
    let out = o.console();
    assert_eq!(o.ending, Ending::KernelFailure, "{out}");
    assert!(
        out.contains("EXCEPTION: page fault (#PF) (kernel stack overflow)"),
        "{out}"
    );
    assert!(out.contains("RIP: 0x"), "{out}");
}

#[test]
fn allocation_failure_names_the_size() {
    let o = boot("oom", "test=oom", Firmware::Bios);
    let out = o.console();
    assert_eq!(o.ending, Ending::KernelFailure, "{out}");
    assert!(out.contains("KERNEL PANIC"), "{out}");
    assert!(
        out.contains("memory allocation of") && out.contains("bytes failed"),
        "{out}"
    );
}

#[test]
fn triple_fault_is_never_a_pass() {
    let o = boot("triplefault", "test=triplefault", Firmware::Bios);
    assert_eq!(o.ending, Ending::QemuExit(Some(0)), "{}", o.console());
    assert!(!o.ending.is_success());
}

#[test]
fn unknown_test_mode_fails() {
    let o = boot("unknown", "test=no-such-mode", Firmware::Bios);
    assert_eq!(o.ending, Ending::KernelFailure, "{}", o.console());
    assert!(o.console().contains("unknown test mode"), "{}", o.console());
}

#[test]
fn hung_kernel_times_out() {
    let o = boot_with("hang", "test=hang", Firmware::Bios, |c| {
        c.timeout = Duration::from_secs(8)
    });
    assert_eq!(o.ending, Ending::Timeout);
}

#[test]
fn monotonic_clock_agrees_with_host_over_two_seconds() {
    let o = boot("sleep", "test=sleep", Firmware::Bios);
    let out = o.console();
    assert_eq!(o.ending, Ending::KernelSuccess, "{out}");
    let start = o.time_of("sleep-start").expect("start marker");
    let end = o.time_of("sleep-end").expect("end marker");
    let host = (end - start).as_secs_f64();
    assert!(
        (1.9..=2.1).contains(&host),
        "kernel slept 2 s by its clock, host saw {host:.3} s"
    );
    let ticks: u64 = out
        .split("ticks=")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("tick count");
    assert!(
        (150..=250).contains(&ticks),
        "expected ~200 timer ticks at 100 Hz, got {ticks}"
    );
}

#[test]
fn serial_input_arrives_through_the_receive_interrupt() {
    let o = boot_with("echo", "test=echo", Firmware::Bios, |c| {
        c.input = Some(b"hello kernel\nsecond line\nquit\n".to_vec());
        c.input_after = Some("echo-ready".into());
    });
    let out = o.console();
    assert_eq!(o.ending, Ending::KernelSuccess, "{out}");
    assert!(out.contains("echo: hello kernel"), "{out}");
    assert!(out.contains("echo: second line"), "{out}");
    assert!(out.contains("echo-done"), "{out}");
}
