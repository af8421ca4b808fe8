//! The reference Linux VM for the benchmarks: the same WebAssembly guests, the same wasmi
//! 2.0, the same QEMU — but under Debian's Linux kernel instead of ours, so our figures can
//! be compared with a conventional kernel in the same run.
//!
//! [`run_reference`] does everything:
//!
//! 1. copies the guest modules (`bench-cpu.wasm`, `bench-pipe.wasm`, `true.wasm`) under
//!    their canonical names into `target/boot/refvm/bench/`;
//! 2. builds `bench/linux-init` (a static `x86_64-unknown-linux-musl` binary: a hosted WASI
//!    runtime that is also the VM's `/init`) with a nested cargo — [`build_linux_init`];
//! 3. fetches Debian's kernel image without installing it: `apt-get download` of the package
//!    `linux-image-amd64` depends on, `vmlinuz-*` pulled out with `dpkg-deb`, cached in
//!    `target/boot/refvm/kernel/<package>/` — [`kernel_image`];
//! 4. writes an uncompressed `newc` initramfs with `/init`, `/dev/console` and `/bench/*` —
//!    [`write_initramfs`];
//! 5. boots it under `qemu-system-x86_64` with the flags [`crate::qemu`] uses plus
//!    `-kernel/-initrd/-append`; `/init` prints `ref: boot-to-init …`, runs the benchmark
//!    list and powers off. Every `ref: bench: KEY VALUE UNIT` line becomes a [`Figure`];
//! 6. runs the same runtime on the host natively (`linux-init suite`: CPU, spawn and pipe)
//!    and under `qemu-x86_64` user-mode emulation (`linux-init run bench-cpu.wasm all`; only
//!    the CPU part, since processes it spawned would escape the emulator).
//!
//! ```no_run
//! let report = bench::refvm::run_reference(&bench::refvm::RefOptions::default())?;
//! for (place, m) in report.measurements() {
//!     for f in &m.figures {
//!         println!("{place:10} {:24} {:>12.2} {}", f.key, f.value, f.unit);
//!     }
//! }
//! # anyhow::Ok(())
//! ```

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use boot::build::{cargo, clean_command, run_quietly};
use boot::image::Firmware;
use boot::{work_dir, workspace_root};

/// The target linux-init is built for (static, runs on any x86_64 Linux).
pub const MUSL_TARGET: &str = "x86_64-unknown-linux-musl";
/// Debian's meta-package whose dependency names the current kernel image package.
pub const KERNEL_META_PACKAGE: &str = "linux-image-amd64";
/// The guest module names `linux-init` looks for in its module directory.
pub const CPU_MODULE: &str = "bench-cpu.wasm";
pub const PIPE_MODULE: &str = "bench-pipe.wasm";
pub const TRUE_MODULE: &str = "true.wasm";

/// Marker of the line `/init` prints first: `ref: boot-to-init <ms> ms (uptime <ms> ms)`.
const BOOT_MARKER: &str = "ref: boot-to-init ";
/// The last line of the benchmark list.
const DONE_MARKER: &str = "ref: done";

/// What [`run_reference`] runs. `Default` takes the modules from `userland/out/` or
/// `target/boot/userland/` (whichever has them) and runs all three measurements.
#[derive(Debug, Clone)]
pub struct RefOptions {
    /// `bench-cpu.wasm` (`all --reps N`, prints `bench: KEY VALUE UNIT`); None: skipped.
    pub bench_cpu: Option<PathBuf>,
    /// `bench-pipe.wasm` (`write BYTES CHUNK` / `read`); None: pipe part skipped.
    pub bench_pipe: Option<PathBuf>,
    /// `true.wasm`, spawned for the process-creation figure; None: skipped.
    pub true_wasm: Option<PathBuf>,
    /// `--reps` passed to bench-cpu.
    pub cpu_reps: u32,
    /// Timed spawns of `true.wasm` (after one warm-up).
    pub spawn_reps: u32,
    /// MiB sent through the pipe per measurement (64 KiB and 4 KiB writes).
    pub pipe_mib: u32,
    /// Guest RAM (`-m`), as for our kernel's benchmarks.
    pub memory_mib: u32,
    /// Extra QEMU arguments (e.g. `-cpu ...`), to match whatever our kernel's run uses.
    pub qemu_args: Vec<String>,
    /// Limit for the whole VM run.
    pub vm_timeout: Duration,
    /// Limit for each host-side run (native, user-mode).
    pub host_timeout: Duration,
    /// Boot the reference VM.
    pub vm: bool,
    /// Run the suite natively on the host.
    pub hosted: bool,
    /// Run bench-cpu under `qemu-x86_64` user-mode emulation.
    pub user_mode: bool,
    /// Copy the VM's console and the host runs' output to stderr as they arrive.
    pub echo: bool,
    /// Only this bench-cpu benchmark in the VM (`refvm.only=`), no spawn or pipe part.
    pub only: Option<String>,
}

impl Default for RefOptions {
    fn default() -> Self {
        let root = workspace_root();
        let dirs = [
            root.join("userland").join("out"),
            work_dir().join("userland"),
        ];
        let find = |name: &str| dirs.iter().map(|d| d.join(name)).find(|p| p.is_file());
        Self {
            bench_cpu: find(CPU_MODULE),
            bench_pipe: find(PIPE_MODULE),
            true_wasm: find(TRUE_MODULE),
            cpu_reps: 5,
            spawn_reps: 10,
            pipe_mib: 32,
            memory_mib: 256,
            qemu_args: Vec::new(),
            vm_timeout: Duration::from_secs(900),
            host_timeout: Duration::from_secs(900),
            vm: true,
            hosted: true,
            user_mode: true,
            echo: false,
            only: None,
        }
    }
}

impl RefOptions {
    /// Defaults, but with the three modules taken from `dir` (missing ones are skipped).
    pub fn from_dir(dir: &Path) -> Self {
        let find = |name: &str| Some(dir.join(name)).filter(|p| p.is_file());
        Self {
            bench_cpu: find(CPU_MODULE),
            bench_pipe: find(PIPE_MODULE),
            true_wasm: find(TRUE_MODULE),
            ..Self::default()
        }
    }
}

/// One `bench: KEY VALUE UNIT` line.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub key: String,
    pub value: f64,
    pub unit: String,
}

/// The figures of one run (VM, native or user-mode) and what it printed.
#[derive(Debug, Clone, Default)]
pub struct Measurement {
    /// Every figure, in output order.
    pub figures: Vec<Figure>,
    /// `ref: error PART: ...` lines (a part of the list that failed; the rest still ran).
    pub errors: Vec<String>,
    /// Wall time of the run (for the VM: QEMU start to exit).
    pub elapsed: Duration,
    /// Everything it printed on stdout (the VM's serial console).
    pub output: String,
}

impl Measurement {
    /// The value of `key`, if it was reported.
    pub fn get(&self, key: &str) -> Option<f64> {
        self.figures.iter().find(|f| f.key == key).map(|f| f.value)
    }
}

/// Debian's kernel image, extracted from its package.
#[derive(Debug, Clone)]
pub struct KernelImage {
    /// The bzImage (`boot/vmlinuz-*` from the package).
    pub vmlinuz: PathBuf,
    /// The package, e.g. `linux-image-6.1.0-56-amd64`.
    pub package: String,
    /// The package version, e.g. `6.1.158-1`.
    pub version: String,
    /// False when it came from the cache.
    pub downloaded: bool,
}

/// The reference VM's run.
#[derive(Debug, Clone)]
pub struct VmReport {
    /// Host time from starting QEMU to the `ref: boot-to-init` line arriving.
    pub boot_to_init_host: Option<Duration>,
    /// CLOCK_BOOTTIME in `/init` (time since the kernel's clocks started), ms.
    pub boot_to_init_kernel_ms: Option<f64>,
    /// `/proc/uptime` in `/init`, ms (10 ms resolution).
    pub uptime_ms: Option<f64>,
    /// `uname -r` of the booted kernel.
    pub kernel_release: Option<String>,
    /// Figures (`boot.to_init`, bench-cpu's, `spawn.warm.*`, `pipe.*`, `cpu.wall`).
    pub run: Measurement,
}

/// Everything [`run_reference`] measured.
#[derive(Debug, Clone)]
pub struct RefReport {
    /// The kernel package used (None when the VM was not run).
    pub kernel: Option<KernelImage>,
    pub vm: Option<VmReport>,
    /// The suite run natively on the host.
    pub hosted: Option<Measurement>,
    /// bench-cpu under `qemu-x86_64` user-mode emulation.
    pub user_mode: Option<Measurement>,
    /// Building linux-init, fetching the kernel, writing the initramfs.
    pub setup: Duration,
    /// The whole of [`run_reference`].
    pub wall: Duration,
}

impl RefReport {
    /// The runs that happened, labelled `linux-vm`, `hosted`, `qemu-user`.
    pub fn measurements(&self) -> Vec<(&'static str, &Measurement)> {
        let mut out = Vec::new();
        if let Some(vm) = &self.vm {
            out.push(("linux-vm", &vm.run));
        }
        if let Some(m) = &self.hosted {
            out.push(("hosted", m));
        }
        if let Some(m) = &self.user_mode {
            out.push(("qemu-user", m));
        }
        out
    }
}

/// Builds, fetches and runs everything `opts` asks for (see the module documentation).
pub fn run_reference(opts: &RefOptions) -> Result<RefReport> {
    let start = Instant::now();
    let refvm = work_dir().join("refvm");
    std::fs::create_dir_all(&refvm)?;
    let modules = stage_modules(opts, &refvm.join("bench"))?;
    progress(opts, "building bench/linux-init for musl");
    let init = build_linux_init()?;
    let kernel = if opts.vm {
        progress(opts, "getting Debian's kernel image");
        Some(kernel_image()?)
    } else {
        None
    };
    let initramfs = refvm.join("initramfs.cpio");
    if opts.vm {
        write_initramfs(&initramfs, &init, &modules)?;
    }
    let setup = start.elapsed();

    let vm = match &kernel {
        Some(k) => {
            progress(
                opts,
                &format!("booting {} under qemu-system-x86_64", k.package),
            );
            Some(run_vm(opts, &k.vmlinuz, &initramfs)?)
        }
        None => None,
    };
    let hosted = if opts.hosted {
        progress(opts, "running the suite natively");
        let mut cmd = Command::new(&init);
        cmd.arg("suite")
            .arg(&modules)
            .args(["--reps", &opts.cpu_reps.to_string()])
            .args(["--spawns", &opts.spawn_reps.to_string()])
            .args(["--pipe-mib", &opts.pipe_mib.to_string()]);
        Some(host_run(opts, &mut cmd, "ref: ")?)
    } else {
        None
    };
    let cpu = modules.join(CPU_MODULE);
    let user_mode = if opts.user_mode && cpu.is_file() {
        progress(opts, "running bench-cpu under qemu-x86_64");
        ensure_package("qemu-x86_64", "qemu-user")?;
        let mut cmd = Command::new("qemu-x86_64");
        cmd.arg(&init)
            .arg("run")
            .arg(&cpu)
            .args(["all", "--reps", &opts.cpu_reps.to_string()]);
        Some(host_run(opts, &mut cmd, "")?)
    } else {
        None
    };
    Ok(RefReport {
        kernel,
        vm,
        hosted,
        user_mode,
        setup,
        wall: start.elapsed(),
    })
}

/// One short boot of the reference VM running only `bench-cpu NAME` (after
/// [`run_reference`] has built its initramfs); returns that benchmark's median figure.
/// The benchmark command interleaves these with our kernel's runs of the same guest.
pub fn vm_single(opts: &RefOptions, name: &str) -> Result<f64> {
    let kernel = kernel_image()?;
    let initramfs = work_dir().join("refvm").join("initramfs.cpio");
    if !initramfs.is_file() {
        bail!("no reference initramfs yet: run the reference suite first");
    }
    let mut opts = opts.clone();
    opts.only = Some(name.to_string());
    let vm = run_vm(&opts, &kernel.vmlinuz, &initramfs)?;
    vm.run
        .figures
        .iter()
        .find(|f| f.key == name)
        .map(|f| f.value)
        .with_context(|| format!("the reference VM printed no `{name}` figure"))
}

fn progress(opts: &RefOptions, what: &str) {
    if opts.echo {
        eprintln!("refvm: {what}");
    }
}

/// Copies the modules into `dir` under their canonical names (and removes stale ones).
fn stage_modules(opts: &RefOptions, dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    for (name, src) in [
        (CPU_MODULE, &opts.bench_cpu),
        (PIPE_MODULE, &opts.bench_pipe),
        (TRUE_MODULE, &opts.true_wasm),
    ] {
        let dst = dir.join(name);
        match src {
            Some(src) => {
                std::fs::copy(src, &dst)
                    .with_context(|| format!("copying {} to {}", src.display(), dst.display()))?;
            }
            None => {
                let _ = std::fs::remove_file(&dst);
            }
        }
    }
    Ok(dir.to_path_buf())
}

/// Builds `bench/linux-init` for [`MUSL_TARGET`] (release) in `target/boot/refvm/` and
/// returns the binary. Installs the musl target with rustup if the toolchain lacks it.
pub fn build_linux_init() -> Result<PathBuf> {
    let libdir = clean_command("rustc")
        .args(["--print", "target-libdir", "--target", MUSL_TARGET])
        .output()
        .context("running rustc")?;
    let libdir = PathBuf::from(String::from_utf8_lossy(&libdir.stdout).trim());
    if !libdir.is_dir() {
        let mut add = clean_command("rustup");
        add.args(["target", "add", MUSL_TARGET]);
        run_quietly(&mut add, "rustup target add")?;
    }
    let target_dir = work_dir().join("refvm").join("linux-init-target");
    let manifest = workspace_root()
        .join("bench")
        .join("linux-init")
        .join("Cargo.toml");
    let mut cmd = cargo();
    cmd.args([
        "build",
        "--release",
        "--target",
        MUSL_TARGET,
        "--manifest-path",
    ])
    .arg(&manifest)
    .arg("--target-dir")
    .arg(&target_dir);
    run_quietly(&mut cmd, "linux-init build")?;
    Ok(target_dir
        .join(MUSL_TARGET)
        .join("release")
        .join("linux-init"))
}

/// Debian's current kernel image (`vmlinuz` of the package [`KERNEL_META_PACKAGE`] depends
/// on), downloaded with `apt-get download` into `target/boot/refvm/kernel/<package>/` the
/// first time and taken from there afterwards. Nothing is installed on the host. When apt
/// cannot resolve the package (offline, no lists), any cached image is used.
pub fn kernel_image() -> Result<KernelImage> {
    let cache = work_dir().join("refvm").join("kernel");
    std::fs::create_dir_all(&cache)?;
    let package = match resolve_kernel_package() {
        Ok(p) => p,
        Err(e) => {
            let cached = std::fs::read_dir(&cache)?
                .filter_map(|d| d.ok())
                .find_map(|d| cached_kernel(&d.path()));
            return cached.with_context(|| format!("{e:#} (and no cached kernel image)"));
        }
    };
    let dir = cache.join(&package);
    if let Some(k) = cached_kernel(&dir) {
        return Ok(k);
    }
    let scratch = tempfile::Builder::new()
        .prefix("download-")
        .tempdir_in(&cache)?;
    let out = Command::new("apt-get")
        .args(["download", &package])
        .current_dir(scratch.path())
        .output()
        .context("running apt-get download")?;
    if !out.status.success() {
        bail!(
            "apt-get download {package} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let deb = std::fs::read_dir(scratch.path())?
        .filter_map(|d| d.ok().map(|d| d.path()))
        .find(|p| p.extension().is_some_and(|e| e == "deb"))
        .context("apt-get download left no .deb")?;
    let version = Command::new("dpkg-deb")
        .args(["-f"])
        .arg(&deb)
        .arg("Version")
        .output()
        .context("running dpkg-deb -f")?;
    let version = String::from_utf8_lossy(&version.stdout).trim().to_string();
    // Only boot/vmlinuz-* is needed: stream the data tarball instead of `dpkg-deb -x`,
    // which would write the ~400 MB of modules too.
    let mut tarball = Command::new("dpkg-deb")
        .arg("--fsys-tarfile")
        .arg(&deb)
        .stdout(Stdio::piped())
        .spawn()
        .context("running dpkg-deb --fsys-tarfile")?;
    let stream = tarball.stdout.take().context("dpkg-deb stdout")?;
    let staged = scratch.path().join("vmlinuz");
    let mut found = false;
    for entry in tar::Archive::new(stream).entries()? {
        let mut entry = entry?;
        let path = entry.path()?.into_owned();
        let is_image = path
            .strip_prefix("./")
            .unwrap_or(&path)
            .to_str()
            .is_some_and(|p| p.starts_with("boot/vmlinuz-"));
        if is_image && entry.header().entry_type().is_file() {
            entry.unpack(&staged)?;
            found = true;
            break;
        }
    }
    let _ = tarball.kill();
    let _ = tarball.wait();
    if !found {
        bail!("{} has no boot/vmlinuz-*", deb.display());
    }
    std::fs::create_dir_all(&dir)?;
    std::fs::copy(&staged, dir.join("vmlinuz"))?;
    std::fs::write(dir.join("version"), &version)?;
    let mut k = cached_kernel(&dir).context("caching the kernel image")?;
    k.downloaded = true;
    Ok(k)
}

/// `linux-image-6.*-amd64`, from `apt-cache depends linux-image-amd64` (running
/// `apt-get update` once if the package lists are missing and we are root).
fn resolve_kernel_package() -> Result<String> {
    let query = || -> Option<String> {
        let out = Command::new("apt-cache")
            .args(["depends", KERNEL_META_PACKAGE])
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout).lines().find_map(|l| {
            let dep = l.trim().strip_prefix("Depends: ")?;
            dep.starts_with("linux-image-")
                .then(|| dep.trim().to_string())
        })
    };
    if let Some(p) = query() {
        return Ok(p);
    }
    if is_root() {
        let _ = Command::new("apt-get")
            .arg("update")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if let Some(p) = query() {
            return Ok(p);
        }
    }
    bail!(
        "apt-cache cannot resolve {KERNEL_META_PACKAGE} (run `apt-get update`; Debian/Ubuntu only)"
    )
}

fn cached_kernel(dir: &Path) -> Option<KernelImage> {
    let vmlinuz = dir.join("vmlinuz");
    let version = std::fs::read_to_string(dir.join("version")).ok()?;
    let package = dir.file_name()?.to_string_lossy().into_owned();
    vmlinuz.is_file().then(|| KernelImage {
        vmlinuz,
        package,
        version: version.trim().to_string(),
        downloaded: false,
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// Makes sure `program` exists, installing the Debian package `package` when root.
fn ensure_package(program: &str, package: &str) -> Result<()> {
    let have = || {
        Command::new(program)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if have() {
        return Ok(());
    }
    if is_root() && Path::new("/etc/debian_version").exists() {
        let _ = Command::new("apt-get")
            .args(["install", "-y", package])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status();
        if have() {
            return Ok(());
        }
    }
    bail!("{program} not found: install the Debian/Ubuntu package `{package}`")
}

/// Writes the initramfs: `/init` (the linux-init binary), `/dev/console` (so the kernel
/// can give `/init` its stdio before devtmpfs is mounted), empty `/proc` and `/sys`, and
/// every file of `modules` under `/bench/`. Uncompressed `newc` cpio (the Debian kernel
/// takes it as is; compressing would only cost boot time).
pub fn write_initramfs(out: &Path, init: &Path, modules: &Path) -> Result<()> {
    let mut cpio = Cpio::default();
    for dir in ["bench", "dev", "proc", "sys"] {
        cpio.entry(dir, 0o040_755, (0, 0), &[]);
    }
    cpio.entry("dev/console", 0o020_600, (5, 1), &[]);
    let init_bytes = std::fs::read(init).with_context(|| format!("reading {}", init.display()))?;
    cpio.entry("init", 0o100_755, (0, 0), &init_bytes);
    let mut names: Vec<PathBuf> = std::fs::read_dir(modules)?
        .filter_map(|d| d.ok().map(|d| d.path()))
        .filter(|p| p.is_file())
        .collect();
    names.sort();
    for path in names {
        let name = path.file_name().context("module name")?.to_string_lossy();
        cpio.entry(
            &format!("bench/{name}"),
            0o100_644,
            (0, 0),
            &std::fs::read(&path)?,
        );
    }
    std::fs::write(out, cpio.finish()).with_context(|| format!("writing {}", out.display()))
}

/// A `newc` ("070701") cpio archive in memory.
#[derive(Default)]
struct Cpio {
    buf: Vec<u8>,
    next_ino: u32,
}

impl Cpio {
    /// Appends one entry. `mode` includes the file type bits; `rdev` is (major, minor) for
    /// device nodes.
    fn entry(&mut self, name: &str, mode: u32, rdev: (u32, u32), data: &[u8]) {
        self.next_ino += 1;
        let is_dir = mode & 0o170_000 == 0o040_000;
        let fields = [
            self.next_ino,
            mode,
            0, // uid
            0, // gid
            if is_dir { 2 } else { 1 },
            0, // mtime
            u32::try_from(data.len()).unwrap_or(u32::MAX),
            0, // devmajor
            0, // devminor
            rdev.0,
            rdev.1,
            u32::try_from(name.len() + 1).unwrap_or(u32::MAX),
            0, // check
        ];
        self.buf.extend_from_slice(b"070701");
        for f in fields {
            self.buf.extend_from_slice(format!("{f:08X}").as_bytes());
        }
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.push(0);
        self.pad();
        self.buf.extend_from_slice(data);
        self.pad();
    }

    fn pad(&mut self) {
        while !self.buf.len().is_multiple_of(4) {
            self.buf.push(0);
        }
    }

    /// The archive with its trailer, padded to 512 bytes.
    fn finish(mut self) -> Vec<u8> {
        self.entry("TRAILER!!!", 0, (0, 0), &[]);
        while !self.buf.len().is_multiple_of(512) {
            self.buf.push(0);
        }
        self.buf
    }
}

/// Boots the reference VM and collects its figures.
fn run_vm(opts: &RefOptions, vmlinuz: &Path, initramfs: &Path) -> Result<VmReport> {
    boot::qemu::ensure_qemu(Firmware::Bios)?;
    let mut append = format!(
        "console=ttyS0 quiet panic=-1 refvm.reps={} refvm.spawns={} refvm.pipe_mib={}",
        opts.cpu_reps, opts.spawn_reps, opts.pipe_mib
    );
    if let Some(only) = &opts.only {
        append += &format!(" refvm.only={only}");
    }
    let mut cmd = Command::new("qemu-system-x86_64");
    // The flags of boot::qemu::run (our kernel's runs), minus the disk and exit device;
    // the same accelerator as our VMs get, so the ratios compare like with like.
    cmd.args(boot::qemu::Accel::Auto.effective()?.args())
        .args(["-display", "none", "-no-reboot", "-nic", "none"])
        .args(["-m", &format!("{}M", opts.memory_mib)])
        .args(["-serial", "stdio"])
        .args(&opts.qemu_args)
        .arg("-kernel")
        .arg(vmlinuz)
        .arg("-initrd")
        .arg(initramfs)
        .args(["-append", &append]);
    let cap = capture(&mut cmd, opts.vm_timeout, opts.echo, Some(BOOT_MARKER))?;
    let console = cap.stdout.replace('\r', "");
    if cap.timed_out {
        bail!(
            "the reference VM timed out after {:?}; console tail:\n{}",
            opts.vm_timeout,
            tail(&console)
        );
    }
    if !console.contains(DONE_MARKER) {
        bail!(
            "the reference VM stopped ({}) before finishing; console tail:\n{}{}",
            cap.status.map_or("killed".into(), |s| s.to_string()),
            tail(&console),
            cap.stderr
        );
    }
    let boot_line = console
        .lines()
        .find_map(|l| Some(&l[l.find(BOOT_MARKER)? + BOOT_MARKER.len()..]));
    let numbers: Vec<f64> = boot_line
        .unwrap_or("")
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter_map(|w| w.parse().ok())
        .collect();
    let kernel_release = console.lines().find_map(|l| {
        let rest = &l[l.find("ref: kernel ")? + "ref: kernel ".len()..];
        Some(rest.trim().to_string())
    });
    Ok(VmReport {
        boot_to_init_host: cap.marker_at,
        boot_to_init_kernel_ms: numbers.first().copied(),
        uptime_ms: numbers.get(1).copied(),
        kernel_release,
        run: Measurement {
            figures: parse_figures(&console, "ref: "),
            errors: parse_errors(&console),
            elapsed: cap.elapsed,
            output: console,
        },
    })
}

/// Runs linux-init on the host and parses figures behind `prefix`.
fn host_run(opts: &RefOptions, cmd: &mut Command, prefix: &str) -> Result<Measurement> {
    let cap = capture(cmd, opts.host_timeout, opts.echo, None)?;
    if cap.timed_out {
        bail!("{cmd:?} timed out after {:?}", opts.host_timeout);
    }
    // `linux-init suite` exits 1 when a part failed but still finishes the list: keep its
    // figures (the failure is in `errors`).
    let finished = !prefix.is_empty() && cap.stdout.contains(DONE_MARKER);
    if !cap.status.is_some_and(|s| s.success()) && !finished {
        bail!(
            "{cmd:?} failed ({}):\n{}{}",
            cap.status.map_or("killed".into(), |s| s.to_string()),
            tail(&cap.stdout),
            cap.stderr
        );
    }
    Ok(Measurement {
        figures: parse_figures(&cap.stdout, prefix),
        errors: parse_errors(&cap.stdout),
        elapsed: cap.elapsed,
        output: cap.stdout,
    })
}

/// Every `PREFIXbench: KEY VALUE UNIT` in `text` (the prefix may follow other text on the
/// line: kernel messages can share a console line).
pub fn parse_figures(text: &str, prefix: &str) -> Vec<Figure> {
    let marker = format!("{prefix}bench: ");
    text.lines()
        .filter_map(|line| {
            let at = if prefix.is_empty() {
                line.starts_with(&marker).then_some(0)?
            } else {
                line.find(&marker)?
            };
            let mut words = line[at + marker.len()..].split_whitespace();
            let key = words.next()?.to_string();
            let value = words.next()?.parse().ok()?;
            let unit = words.collect::<Vec<_>>().join(" ");
            Some(Figure { key, value, unit })
        })
        .collect()
}

fn parse_errors(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| Some(l[l.find("ref: error ")? + "ref: error ".len()..].to_string()))
        .collect()
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n") + "\n"
}

/// A finished (or killed) child process's output.
struct Captured {
    status: Option<ExitStatus>,
    timed_out: bool,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    /// When stdout first contained the marker (from spawn).
    marker_at: Option<Duration>,
}

/// Runs `cmd` with stdin closed and both outputs captured (stdout also echoed to stderr
/// when `echo`), killing it after `timeout`.
fn capture(
    cmd: &mut Command,
    timeout: Duration,
    echo: bool,
    marker: Option<&str>,
) -> Result<Captured> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("starting {:?}", cmd.get_program()))?;
    let shared = Arc::new(Mutex::new((Vec::<u8>::new(), None::<Duration>)));
    let mut stdout = child.stdout.take().context("child stdout")?;
    let marker = marker.map(|m| m.as_bytes().to_vec());
    let reader = {
        let shared = Arc::clone(&shared);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let at = start.elapsed();
                if echo {
                    let _ = std::io::stderr().write_all(&buf[..n]);
                }
                let Ok(mut s) = shared.lock() else { break };
                let (data, seen) = &mut *s;
                let from = data.len();
                data.extend_from_slice(&buf[..n]);
                if let (Some(m), None) = (&marker, *seen) {
                    let window = &data[from.saturating_sub(m.len())..];
                    if window.windows(m.len()).any(|w| w == m.as_slice()) {
                        *seen = Some(at);
                    }
                }
            }
        })
    };
    let mut stderr = child.stderr.take().context("child stderr")?;
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        s
    });
    let (status, timed_out) = loop {
        if let Some(status) = child.try_wait()? {
            break (Some(status), false);
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break (None, true);
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = start.elapsed();
    let _ = reader.join();
    let stderr = err_reader.join().unwrap_or_default();
    let (data, marker_at) = std::mem::take(
        &mut *shared
            .lock()
            .map_err(|_| anyhow::anyhow!("output lock poisoned"))?,
    );
    Ok(Captured {
        status,
        timed_out,
        stdout: String::from_utf8_lossy(&data).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        elapsed,
        marker_at,
    })
}

#[cfg(test)]
mod tests {
    use super::{Cpio, Figure, parse_figures};

    // The whole reference run (minutes: downloads a kernel, boots it under TCG) is not a
    // unit test: `bench --quick`, which CI runs, runs it reduced and fails if it fails.

    #[test]
    fn cpio_entries_are_newc_and_aligned() {
        let mut c = Cpio::default();
        c.entry("init", 0o100_755, (0, 0), b"abcde");
        c.entry("dev/console", 0o020_600, (5, 1), &[]);
        let bytes = c.finish();
        assert!(bytes.starts_with(b"070701"));
        assert_eq!(bytes.len() % 512, 0);
        // Header (110) + "init\0" (5) padded to 116; data at 116, 5 bytes padded to 124.
        assert_eq!(&bytes[110..115], b"init\0");
        assert_eq!(&bytes[116..121], b"abcde");
        assert_eq!(&bytes[124..130], b"070701");
        let header = std::str::from_utf8(&bytes[124..234]).unwrap();
        assert_eq!(&header[14..22], "00002180"); // mode: char device 0600
        assert_eq!(&header[78..86], "00000005"); // rdevmajor
        assert_eq!(&header[86..94], "00000001"); // rdevminor
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("TRAILER!!!\0"));
    }

    #[test]
    fn figures_are_parsed_behind_their_prefix() {
        let text = "ref: bench: coremark 123.5 iter/s\n\
                    [ 1.2] kernel noise ref: bench: pipe.64k 88 MiB/s\r\n\
                    ref: guest: bench: pipe.read 1 bytes\n\
                    bench: unprefixed 1 x\n";
        let figs = parse_figures(text, "ref: ");
        assert_eq!(
            figs,
            vec![
                Figure {
                    key: "coremark".into(),
                    value: 123.5,
                    unit: "iter/s".into()
                },
                Figure {
                    key: "pipe.64k".into(),
                    value: 88.0,
                    unit: "MiB/s".into()
                },
            ]
        );
        let hosted = parse_figures(text, "");
        assert_eq!(hosted.len(), 1);
        assert_eq!(hosted[0].key, "unprefixed");
    }
}
