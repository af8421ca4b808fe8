//! The kernel binary. `kmain` brings the machine up in phases — console, CPU tables, heap,
//! interrupts and clocks — timing each, prints the banner, then runs what the boot command
//! line asks for (the self-tests, a deliberate fault for the harness, or the normal job).
//!
//! Layout: `arch` (GDT/TSS, IDT, exception reports, CPU helpers — the only place with
//! `unsafe` besides `drivers`), `console` (serial ports and the `log` backend), `memory`
//! (frames and heap), `time` (PIT tick, TSC clock, RTC), `bootargs` (the command line and
//! files the boot tool packs into the ramdisk), `selftest` (in-kernel test cases).
#![no_std]
#![no_main]
#![feature(abi_x86_interrupt)]

extern crate alloc;

mod arch;
mod bootargs;
mod console;
mod entropy;
mod init;
mod memory;
mod platform;
mod power;
mod selftest;
mod time;

use arch::{Boot, KERNEL_STACK_SIZE, MAX_BOOT_REGIONS};
use bootloader_api::config::{BootloaderConfig, Mapping};
use bootloader_api::{BootInfo, entry_point};
use drivers::exit::{ExitCode, exit_qemu};

/// What the bootloader must set up for us: all physical memory mapped at an offset of its
/// choosing (the heap and frame allocator use it) and a large kernel stack.
pub static BOOTLOADER_CONFIG: BootloaderConfig = {
    let mut config = BootloaderConfig::new_default();
    config.mappings.physical_memory = Some(Mapping::Dynamic);
    config.kernel_stack_size = KERNEL_STACK_SIZE;
    config
};

entry_point!(bootloader_main, config = &BOOTLOADER_CONFIG);

/// Entry from bootloader 0.11 (disk images): it already mapped the kernel, the ramdisk,
/// a stack and all physical memory, and reports only free RAM as usable.
fn bootloader_main(boot_info: &'static mut BootInfo) -> ! {
    arch::enable_sse();
    let t_entry = arch::rdtsc();
    let Some(phys_offset) = boot_info.physical_memory_offset.into_option() else {
        panic!("bootloader did not map physical memory");
    };
    let mut usable = [(0, 0); MAX_BOOT_REGIONS];
    let mut n = 0;
    let phys_limit = boot_info
        .memory_regions
        .iter()
        .map(|r| r.end)
        .max()
        .unwrap_or(0);
    for r in boot_info.memory_regions.iter() {
        if r.kind == bootloader_api::info::MemoryRegionKind::Usable && n < usable.len() {
            usable[n] = (r.start, r.end);
            n += 1;
        }
    }
    kstart(&Boot {
        loader: "bootloader",
        t_entry,
        stack_bottom: boot_info.kernel_stack_bottom,
        stack_len: boot_info.kernel_stack_len,
        ramdisk: arch::ramdisk(boot_info),
        phys_offset,
        phys_limit,
        rsdp: boot_info.rsdp_addr.into_option(),
        usable: &usable[..n],
        reserved: &[],
    })
}

// The PVH entry (arch/pvh.rs) starts the kernel through this.
kernel_entry!(kstart);

/// The kernel proper, after either entry.
pub fn kstart(boot: &Boot<'_>) -> ! {
    let t_entry = boot.t_entry;
    console::init();
    arch::set_hooks(arch::Hooks {
        emergency: console::emergency,
        serial_receive: console::on_receive_interrupt,
    });
    arch::init_cpu_tables(boot.stack_bottom, boot.stack_len);
    let args = bootargs::BootArgs::from_ramdisk(boot.ramdisk);
    console::init_logger(args.cmdline().get("log"));
    if args.cmdline().get("logport") == Some("com3") {
        console::route_log_to_com3();
        // COM1 is the guest's stdout in this mode; firmware (OVMF) may have written to it
        // already, so mark where the kernel's stream starts. The boot tool drops all before.
        console::write(console::Stream::Console, console::STDOUT_START_MARKER);
    }

    // `mem=MIB` (`image --memory`): the heap the image's programs get at most, the same on
    // any VM with that much RAM or more.
    let mem_cap = args
        .cmdline()
        .get("mem")
        .and_then(|v| v.parse::<u64>().ok())
        .map(|mib| mib << 20);
    let mem = memory::init(boot, mem_cap);
    if let Some(cap) = mem_cap
        && mem.heap_bytes + (32 << 20) < cap
    {
        log::warn!(
            "memory: this image asks for {} MiB (mem=), the VM gives {} MiB: give the VM more RAM",
            cap >> 20,
            mem.usable_bytes >> 20
        );
    }
    power::init(boot);
    let t_heap = arch::rdtsc();

    arch::init_interrupts();
    let hz = args
        .cmdline()
        .get_u64("hz")
        .map_or(time::DEFAULT_HZ, |v| v.clamp(19, 10_000) as u32);
    time::init(hz, t_entry);
    let t_irq = arch::rdtsc();
    let t_ready = arch::rdtsc();

    let phases = [
        ("heap", t_entry, t_heap),
        ("interrupts", t_heap, t_irq),
        ("ready", t_irq, t_ready),
    ];
    console::banner(boot.loader, &mem, &phases);

    if let Some(name) = args.cmdline().get("test").filter(|t| !t.is_empty()) {
        selftest::run(name, &args);
    }
    match init::run(&args) {
        Ok(Some(init::Ended {
            status,
            request: Some(request),
        })) => {
            let what = match request {
                init::PowerRequest::Reboot => "rebooting",
                init::PowerRequest::PowerOff => "powering off",
            };
            log::info!("init ended by {status:?}: {what}, as asked");
            match request {
                init::PowerRequest::Reboot => power::reboot(),
                init::PowerRequest::PowerOff => {
                    console::write_log(b"exit-status 0\n");
                    power::off(ExitCode::Success)
                }
            }
        }
        Ok(Some(init::Ended { status, .. })) => {
            let code = status.shell_code();
            log::info!("first process ended: {status:?}; powering off");
            // The boot tool's `run` command reads this line to exit with the guest's status.
            console::write_log(alloc::format!("exit-status {code}\n").as_bytes());
            power::off(ExitCode::Success)
        }
        Ok(None) => {
            log::info!("boot complete, nothing to run: powering off");
            power::off(ExitCode::Success)
        }
        Err(init::StartError(message)) => {
            console::write(
                console::Stream::Error,
                alloc::format!("error: {message}\n").as_bytes(),
            );
            console::write_log(b"exit-status 126\n");
            power::off(ExitCode::Success)
        }
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    arch::interrupts_off();
    console::emergency(format_args!("KERNEL PANIC: {}\n", info));
    exit_qemu(ExitCode::Failure)
}
