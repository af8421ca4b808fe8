//! `boot`: the project's command-line tool. With no arguments (`cargo run`) it builds the
//! kernel, makes a BIOS image and boots it with the serial console on this terminal.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use boot::image::{Firmware, Ramdisk, disk_image};
use boot::qemu::{self, Ending, SerialSink, VmConfig};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    version,
    about = "Build, image and boot the WebAssembly unikernel under QEMU"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Boot the kernel (the default).
    Boot(BootArgs),
}

#[derive(clap::Args, Default)]
struct BootArgs {
    /// Boot through UEFI firmware (OVMF) instead of BIOS.
    #[arg(long)]
    uefi: bool,
    /// Guest RAM in MiB.
    #[arg(long, default_value_t = 256)]
    memory: u32,
    /// Stop the VM after this many seconds.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
    /// Extra kernel command-line words (e.g. `log=debug`).
    #[arg(long, default_value = "")]
    cmdline: String,
}

fn boot(args: &BootArgs) -> Result<ExitCode> {
    let firmware = if args.uefi {
        Firmware::Uefi
    } else {
        Firmware::Bios
    };
    let kernel = boot::build::kernel()?;
    let image = disk_image(
        &kernel,
        &Ramdisk::with_cmdline(args.cmdline.clone()),
        firmware,
        "main",
    )?;
    let mut cfg = VmConfig::new(image, firmware);
    cfg.memory_mib = args.memory;
    cfg.timeout = Duration::from_secs(args.timeout);
    cfg.com1 = SerialSink::Stdout;
    cfg.inherit_stdin = true;
    let outcome = qemu::run(&cfg)?;
    Ok(match outcome.ending {
        Ending::KernelSuccess => ExitCode::SUCCESS,
        other => {
            eprintln!("boot: {}", other.describe());
            ExitCode::FAILURE
        }
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => boot(&BootArgs {
            memory: 256,
            timeout: 300,
            ..BootArgs::default()
        }),
        Some(Cmd::Boot(args)) => boot(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("boot: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
