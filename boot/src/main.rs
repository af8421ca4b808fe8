//! `boot`: the project's command-line tool.
//!
//! - no arguments (`cargo run`): build the kernel and userland and boot the main image with
//!   the serial console on this terminal;
//! - `run [OPTIONS] PROGRAM.wasm [ARGS]...`: boot a VM whose first process is PROGRAM, with
//!   its stdout/stderr on ours and its exit code as ours (like `wasmtime run`);
//! - `image --out FILE`: write the bootable main image.
//!
//! The benchmarks are a crate of their own (`cargo run -p bench`).

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use boot::image::{Firmware, disk_image};
use boot::qemu::{self, Ending, SerialSink, VmConfig};
use boot::run::{EXIT_KERNEL_FAILURE, RunOptions, parse_dir};
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
    /// Boot the main image (the default).
    Boot(BootArgs),
    /// Run one WebAssembly program as the VM's first process.
    Run(RunArgs),
    /// Write the bootable disk image (shell and utilities) to a file, for any VM.
    Image(ImageArgs),
}

#[derive(clap::Args)]
struct ImageArgs {
    /// Where to write the image.
    #[arg(long)]
    out: std::path::PathBuf,
    /// A UEFI (GPT) image instead of BIOS (MBR).
    #[arg(long)]
    uefi: bool,
    /// raw, or qcow2 (converted with qemu-img).
    #[arg(long, default_value = "raw")]
    format: String,
    /// The RAM the image's kernel uses at most, in MiB, whatever the VM has (the VM's RAM
    /// itself is the hypervisor's setting); a VM with less gets a warning at boot.
    #[arg(long, value_name = "MIB")]
    memory: Option<u32>,
    #[command(flatten)]
    content: ContentArgs,
}

/// What goes into the main image besides our userland (`image` and `boot`).
#[derive(clap::Args, Default)]
struct ContentArgs {
    /// The first process instead of the shell: 'PROGRAM ARGS' (run by /bin/init).
    #[arg(long)]
    init: Option<String>,
    /// Copy HOST_DIR into the image's filesystem at GUEST_PATH (default: its name).
    #[arg(long = "dir", value_name = "HOST_DIR[::GUEST_PATH]")]
    dirs: Vec<String>,
    /// Add FILE at GUEST_PATH (default: /bin/NAME for NAME.wasm, else /NAME).
    #[arg(long = "add", value_name = "FILE[::GUEST_PATH]")]
    adds: Vec<String>,
}

#[derive(clap::Args)]
struct BootArgs {
    /// Boot through UEFI firmware (OVMF) instead of BIOS.
    #[arg(long, conflicts_with = "direct")]
    uefi: bool,
    /// Boot without a disk image: QEMU loads the kernel (`-kernel`, PVH) and the ramdisk
    /// (`-initrd`) itself. Fastest.
    #[arg(long)]
    direct: bool,
    /// Guest RAM in MiB.
    #[arg(long, default_value_t = 256)]
    memory: u32,
    /// Stop the VM after this many seconds.
    #[arg(long, default_value_t = 600)]
    timeout: u64,
    /// Extra kernel command-line words (e.g. `log=debug`).
    #[arg(long, default_value = "")]
    cmdline: String,
    #[command(flatten)]
    content: ContentArgs,
    /// Accelerator: kvm when /dev/kvm is usable, else tcg (emulation); or force one.
    #[arg(long, default_value = "auto", value_parser = qemu::Accel::parse)]
    accel: qemu::Accel,
}

impl Default for BootArgs {
    fn default() -> Self {
        Self {
            uefi: false,
            direct: false,
            memory: 256,
            timeout: 600,
            cmdline: String::new(),
            content: ContentArgs::default(),
            accel: qemu::Accel::Auto,
        }
    }
}

#[derive(clap::Args)]
struct RunArgs {
    /// Copy HOST_DIR into the VM at GUEST_PATH (default: its name) and preopen it there;
    /// what the program leaves in it is written back when it ends (`:ro`: read-only).
    #[arg(long = "dir", value_name = "HOST_DIR[::GUEST_PATH][:ro]")]
    dirs: Vec<String>,
    /// Set an environment variable for the program (only these are set).
    #[arg(long = "env", value_name = "NAME=VALUE")]
    env: Vec<String>,
    /// Guest RAM in MiB.
    #[arg(long, default_value_t = 256)]
    memory: u32,
    /// Boot through UEFI instead of BIOS.
    #[arg(long, conflicts_with = "direct")]
    uefi: bool,
    /// Boot without a disk image (QEMU `-kernel`/`-initrd`, PVH): fastest.
    #[arg(long)]
    direct: bool,
    /// Stop the VM after this many seconds (exit 124).
    #[arg(long, default_value_t = 300)]
    timeout: u64,
    /// Show the kernel log on stderr.
    #[arg(long)]
    verbose: bool,
    /// Extra kernel command-line words (e.g. `log=debug`, `preempt=off`).
    #[arg(long, default_value = "")]
    cmdline: String,
    /// Accelerator: kvm when /dev/kvm is usable, else tcg (emulation); or force one.
    #[arg(long, default_value = "auto", value_parser = qemu::Accel::parse)]
    accel: qemu::Accel,
    /// The WebAssembly program.
    program: std::path::PathBuf,
    /// Its arguments.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

fn boot(args: &BootArgs) -> Result<ExitCode> {
    let firmware = Firmware::from_flags(args.uefi, args.direct);
    let kernel = boot::build::kernel()?;
    let userland = boot::build::userland()?;
    // A script piped in is typed at the console without echo, and its end is final.
    let piped = !std::io::stdin().is_terminal();
    let cmdline = if piped {
        format!("console=piped {}", args.cmdline)
    } else {
        args.cmdline.clone()
    };
    let mut ramdisk = boot::image::main_ramdisk(&userland, &cmdline)?;
    ramdisk.set_init(&init_words(args.content.init.as_deref()));
    user_content(&args.content.dirs, &args.content.adds)?.add_to(&mut ramdisk)?;
    // A name of this process's own: two `boot`s at once (a user's two terminals, the CLI
    // tests) each rewrote one shared file, and a VM could start from the other's half-written
    // initrd ("nothing to run").
    let name = format!("boot-{}", std::process::id());
    let image = disk_image(&kernel, &ramdisk, firmware, &name)?;
    let outcome = boot_vm(args, firmware, kernel, image.clone());
    let _ = std::fs::remove_file(image.with_file_name(format!("{name}.tar")));
    let _ = std::fs::remove_file(&image);
    outcome
}

/// Runs the VM of `boot` on `image` and turns its ending into `boot`'s exit status.
fn boot_vm(
    args: &BootArgs,
    firmware: Firmware,
    kernel: std::path::PathBuf,
    image: std::path::PathBuf,
) -> Result<ExitCode> {
    let accel = args.accel.effective()?;
    if accel == qemu::Accel::Tcg && args.accel == qemu::Accel::Auto {
        eprintln!("boot: /dev/kvm is not usable here: emulating the CPU (TCG), 10-30x slower");
    }
    let mut cfg = VmConfig::new(image, firmware);
    cfg.accel = accel;
    cfg.kernel = Some(kernel);
    cfg.memory_mib = args.memory;
    cfg.timeout = Duration::from_secs(args.timeout);
    cfg.com1 = SerialSink::Stdout;
    cfg.inherit_stdin = true;
    cfg.allow_reboot = true;
    let outcome = qemu::run(&cfg)?;
    Ok(match outcome.ending {
        // The first process's status (the shell's, through init) becomes ours.
        Ending::KernelSuccess => boot::run::exit_status(&outcome.console())
            .map_or(ExitCode::SUCCESS, |c| ExitCode::from((c & 0xff) as u8)),
        Ending::QemuExit(Some(0)) if outcome.console().contains(qemu::QUIT_BY_ESCAPE) => {
            eprintln!("boot: quit with Ctrl-A x");
            ExitCode::from(130)
        }
        other => {
            eprintln!("boot: {}", other.describe());
            ExitCode::FAILURE
        }
    })
}

fn image(args: &ImageArgs) -> Result<ExitCode> {
    let firmware = if args.uefi {
        Firmware::Uefi
    } else {
        Firmware::Bios
    };
    let kernel = boot::build::kernel()?;
    let userland = boot::build::userland()?;
    let init = init_words(args.content.init.as_deref());
    let user = user_content(&args.content.dirs, &args.content.adds)?;
    let cmdline = args.memory.map(|m| format!("mem={m}")).unwrap_or_default();
    boot::image::write_main_image(
        &kernel,
        &userland,
        firmware,
        &init,
        &user,
        &cmdline,
        &args.format,
        &args.out,
    )?;
    eprintln!(
        "boot: wrote {} ({} {})",
        args.out.display(),
        firmware.name(),
        args.format
    );
    Ok(ExitCode::SUCCESS)
}

/// `--init 'PROGRAM ARGS'` as words (none: the shell).
fn init_words(init: Option<&str>) -> Vec<&str> {
    init.map(|s| s.split_whitespace().collect())
        .unwrap_or_default()
}

/// The `--dir` and `--add` arguments of `image` and `boot`.
fn user_content(dirs: &[String], adds: &[String]) -> Result<boot::image::UserContent> {
    let mut user = boot::image::UserContent::default();
    for spec in dirs {
        let d = parse_dir(spec)?;
        if d.read_only {
            anyhow::bail!("--dir {spec}: an image's files are the VM's own; :ro is for `run`");
        }
        user.dirs.push((d.host, d.guest));
    }
    for spec in adds {
        user.files.push(boot::image::UserContent::parse_add(spec)?);
    }
    Ok(user)
}

fn run(args: RunArgs) -> Result<ExitCode> {
    // Our own programs (the README's examples name them) are built on first use.
    let ours = boot::work_dir().join("userland");
    let absolute = std::env::current_dir()?.join(&args.program);
    if !args.program.exists() && absolute.starts_with(&ours) {
        boot::build::userland()?;
    }
    let mut opts = RunOptions::new(&args.program, &[]);
    opts.args = args.args;
    opts.env = args.env;
    for spec in &args.dirs {
        let dir = parse_dir(spec)?;
        if dir.read_only {
            opts.read_only.push(dir.guest.clone());
        }
        opts.dirs.push((dir.host, dir.guest));
    }
    opts.write_back = true;
    for e in &opts.env {
        if !e.contains('=') {
            anyhow::bail!("--env {e}: expected NAME=VALUE");
        }
    }
    opts.memory_mib = args.memory;
    opts.firmware = Firmware::from_flags(args.uefi, args.direct);
    opts.timeout = Duration::from_secs(args.timeout);
    opts.verbose = args.verbose;
    opts.kernel_args = args.cmdline;
    opts.accel = args.accel.effective()?;
    if opts.verbose {
        eprintln!("run: accelerator {}", opts.accel.name());
    }
    opts.stdin = RunOptions::host_stdin()?;
    opts.pass_through = true;
    let kernel = boot::build::kernel()?;
    let result = boot::run::run(&kernel, &opts)?;
    match result.ending {
        Ending::KernelSuccess => {}
        Ending::Timeout => eprintln!("run: timed out after {} s", args.timeout),
        other => {
            eprintln!("run: {}", other.describe());
            if !args.verbose {
                eprint!("{}", result.log);
            }
        }
    }
    for e in &result.write_back_errors {
        eprintln!("run: {e}");
    }
    Ok(ExitCode::from(
        u8::try_from(result.code).unwrap_or(EXIT_KERNEL_FAILURE as u8),
    ))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => boot(&BootArgs::default()),
        Some(Cmd::Boot(args)) => boot(&args),
        Some(Cmd::Run(args)) => run(args),
        Some(Cmd::Image(args)) => image(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("boot: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
