//! Running an image under QEMU. The kernel leaves QEMU through the isa-debug-exit device,
//! which makes QEMU exit with `(v << 1) | 1`: 33 means the kernel finished, 35 that it
//! failed. Every other status — notably 0, which is what a triple fault under `-no-reboot`
//! gives — and a timeout are failures. COM1 is QEMU's stdio; COM2 and COM3, when asked for,
//! go to files that are streamed out while QEMU runs.

use std::io::{IsTerminal, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::image::Firmware;
use crate::work_dir;

/// QEMU status for `ExitCode::Success` (0x10) written to the exit device.
pub const QEMU_KERNEL_SUCCESS: i32 = (0x10 << 1) | 1;
/// QEMU status for `ExitCode::Failure` (0x11).
pub const QEMU_KERNEL_FAILURE: i32 = (0x11 << 1) | 1;

const OVMF_CODE: &str = "/usr/share/OVMF/OVMF_CODE_4M.fd";
const OVMF_VARS: &str = "/usr/share/OVMF/OVMF_VARS_4M.fd";

/// How a VM run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The kernel wrote the success code.
    KernelSuccess,
    /// The kernel wrote the failure code (panic, exception, failed test).
    KernelFailure,
    /// QEMU exited some other way (0 = triple fault under `-no-reboot`).
    QemuExit(Option<i32>),
    /// The timeout passed and QEMU was killed.
    Timeout,
}

impl Ending {
    /// True only for the kernel's explicit success code.
    pub fn is_success(self) -> bool {
        self == Ending::KernelSuccess
    }

    /// A short human description.
    pub fn describe(self) -> String {
        match self {
            Ending::KernelSuccess => "kernel exited with the success code".into(),
            Ending::KernelFailure => "kernel exited with the failure code".into(),
            Ending::QemuExit(Some(0)) => {
                "QEMU exited with status 0 without the exit device (triple fault?)".into()
            }
            Ending::QemuExit(Some(c)) => format!("QEMU exited with unexpected status {c}"),
            Ending::QemuExit(None) => "QEMU was killed by a signal".into(),
            Ending::Timeout => "timed out".into(),
        }
    }
}

/// Where a serial port's bytes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SerialSink {
    /// Not attached.
    None,
    /// Captured into the [`Outcome`].
    Capture,
    /// Copied to this process's stdout / stderr as it arrives (and captured).
    Stdout,
    Stderr,
}

/// What to run.
#[derive(Debug, Clone)]
pub struct VmConfig {
    /// The disk image, or for [`Firmware::Direct`] the initrd.
    pub image: PathBuf,
    pub firmware: Firmware,
    /// The kernel ELF, for [`Firmware::Direct`].
    pub kernel: Option<PathBuf>,
    pub memory_mib: u32,
    pub timeout: Duration,
    /// COM1 (the console): captured, or passed through to stdout.
    pub com1: SerialSink,
    pub com2: SerialSink,
    pub com3: SerialSink,
    /// COM4: `run --dir` write-back (captured or not attached).
    pub com4: SerialSink,
    /// Bytes typed into COM1 (None: QEMU's stdin is closed).
    pub input: Option<Vec<u8>>,
    /// Type `input` only once COM1 output contains this text (else right after start).
    pub input_after: Option<String>,
    /// Further typing, in order: each (marker, bytes) waits until COM1 output after the
    /// previous step contains its marker.
    pub then_type: Vec<(String, Vec<u8>)>,
    /// Pass this process's own stdin to COM1 (interactive use). When it is a terminal,
    /// QEMU puts it in raw mode with signal keys off, so ^C, ^\\ and ^Z reach the guest;
    /// Ctrl-A x quits QEMU (its serial multiplexer's escape), Ctrl-A Ctrl-A types Ctrl-A.
    /// Otherwise (a pipe or file) its bytes are typed in as they come and its end becomes
    /// ^D (the kernel, told `console=piped`, makes that end final).
    pub inherit_stdin: bool,
    /// With `inherit_stdin` on a terminal: leave the terminal as it is (its own line
    /// editing and echo, ^D for the end) and type each line in as it is entered, then ^D
    /// at its end; ^C and ^\\ on it are typed in as keys (QEMU runs in a process group of
    /// its own, so the terminal's signals do not reach it). What `run` wants: a program
    /// reading its stdin in a terminal gets lines and end-of-file as under wasmtime.
    pub line_input: bool,
    /// Drop COM1 output up to and including this marker (firmware noise before the kernel).
    pub com1_start_marker: Option<Vec<u8>>,
    /// Which accelerator QEMU uses.
    pub accel: Accel,
    /// A guest reset restarts the VM (`reboot` at the shell), as on any hypervisor.
    /// Otherwise (`-no-reboot`, for tests and `run`) QEMU exits, so a triple fault ends
    /// the run as a failure instead of looping.
    pub allow_reboot: bool,
}

/// QEMU's accelerator: KVM runs guest code natively, TCG emulates it (10–30× slower).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Accel {
    /// KVM when `/dev/kvm` can be opened, else TCG.
    #[default]
    Auto,
    Tcg,
    Kvm,
}

impl Accel {
    /// Parses `auto`, `tcg` or `kvm`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(Self::Auto),
            "tcg" => Ok(Self::Tcg),
            "kvm" => Ok(Self::Kvm),
            _ => bail!("--accel {s}: expected tcg, kvm or auto"),
        }
    }

    /// Whether this host can run KVM guests: `/dev/kvm` opens for reading and writing, it
    /// is not PVM's, and QEMU boots a one-instruction guest on it (a probe of ~0.1 s, once
    /// per process). Sandboxes offer `/dev/kvm`s that fail each other way: one on which
    /// QEMU aborts while resetting the vCPU's MSRs, and PVM ("pagetable-based virtual
    /// machine", the `kvm_pvm` module), which boots a boot sector (slowly) but runs only
    /// guests built for it: this kernel hangs on it without a line of output.
    pub fn kvm_usable() -> bool {
        static USABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *USABLE.get_or_init(|| {
            let opens = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open("/dev/kvm")
                .is_ok();
            let pvm = Path::new("/sys/module/kvm_pvm").exists();
            opens && !pvm && qemu_boots_with(Self::Kvm.args())
        })
    }

    /// The accelerator a run uses, given whether KVM is usable here; forcing KVM where it
    /// is not is an error.
    pub fn resolve(self, kvm_usable: bool) -> Result<Self> {
        match (self, kvm_usable) {
            (Self::Kvm, false) => bail!("--accel kvm: /dev/kvm is missing or not accessible"),
            (Self::Auto, true) | (Self::Kvm, true) => Ok(Self::Kvm),
            (Self::Auto, false) | (Self::Tcg, _) => Ok(Self::Tcg),
        }
    }

    /// QEMU's arguments for a resolved accelerator. KVM gets the host's CPU model (the
    /// kernel needs nothing beyond x86_64 with SSE2, and calibrates its clocks at boot).
    pub fn args(self) -> &'static [&'static str] {
        match self {
            Self::Kvm => &["-accel", "kvm", "-cpu", "host"],
            Self::Tcg | Self::Auto => &["-accel", "tcg"],
        }
    }

    /// `kvm` or `tcg`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Kvm => "kvm",
            Self::Tcg | Self::Auto => "tcg",
        }
    }

    /// The accelerator [`run`] would use for `self` on this host.
    pub fn effective(self) -> Result<Self> {
        self.resolve(Self::kvm_usable())
    }
}

impl VmConfig {
    /// Defaults for a test boot: 256 MiB, 60 s, COM1 captured.
    pub fn new(image: PathBuf, firmware: Firmware) -> Self {
        Self {
            image,
            firmware,
            kernel: None,
            memory_mib: 256,
            timeout: Duration::from_secs(60),
            com1: SerialSink::Capture,
            com2: SerialSink::None,
            com3: SerialSink::None,
            com4: SerialSink::None,
            input: None,
            input_after: None,
            then_type: Vec::new(),
            inherit_stdin: false,
            line_input: false,
            com1_start_marker: None,
            accel: Accel::Auto,
            allow_reboot: false,
        }
    }
}

/// One received chunk of COM1 output and when it arrived (relative to QEMU start).
#[derive(Debug, Clone)]
pub struct Chunk {
    pub at: Duration,
    pub bytes: Vec<u8>,
}

/// What happened.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub ending: Ending,
    pub com1: Vec<u8>,
    pub com1_chunks: Vec<Chunk>,
    pub com2: Vec<u8>,
    pub com3: Vec<u8>,
    pub com4: Vec<u8>,
    pub elapsed: Duration,
    /// When `input` and then each `then_type` step was written to COM1 (from QEMU start).
    pub typed: Vec<Duration>,
}

impl Outcome {
    /// COM1 output as (lossy) text.
    pub fn console(&self) -> String {
        String::from_utf8_lossy(&self.com1).into_owned()
    }

    /// COM3 (kernel log in `run` mode) as text.
    pub fn log(&self) -> String {
        String::from_utf8_lossy(&self.com3).into_owned()
    }

    /// When the first COM1 line containing `needle` finished arriving.
    pub fn time_of(&self, needle: &str) -> Option<Duration> {
        let mut seen = Vec::new();
        for chunk in &self.com1_chunks {
            seen.extend_from_slice(&chunk.bytes);
            if String::from_utf8_lossy(&seen).contains(needle) {
                return Some(chunk.at);
            }
        }
        None
    }
}

/// Makes sure `qemu-system-x86_64` exists: installs it with apt-get when running as root on
/// Debian/Ubuntu, otherwise explains which package to install.
pub fn ensure_qemu(firmware: Firmware) -> Result<()> {
    let have_qemu = Command::new("qemu-system-x86_64")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let have_ovmf = Path::new(OVMF_CODE).is_file();
    if have_qemu && (firmware != Firmware::Uefi || have_ovmf) {
        return Ok(());
    }
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let is_debian = Path::new("/etc/debian_version").exists();
    if is_root && is_debian {
        eprintln!("boot: installing qemu-system-x86 and ovmf with apt-get");
        let ok = Command::new("apt-get")
            .arg("update")
            .status()
            .is_ok_and(|s| s.success())
            && Command::new("apt-get")
                .args(["install", "-y", "qemu-system-x86", "ovmf"])
                .env("DEBIAN_FRONTEND", "noninteractive")
                .status()
                .is_ok_and(|s| s.success());
        if ok {
            // apt removes a newer qemu-utils (from backports, say) that conflicts with the
            // distribution's QEMU; `image --format qcow2` needs its qemu-img.
            let have_img = Command::new("qemu-img")
                .arg("--version")
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !have_img {
                let _ = Command::new("apt-get")
                    .args(["install", "-y", "qemu-utils"])
                    .env("DEBIAN_FRONTEND", "noninteractive")
                    .status();
            }
            return Ok(());
        }
    }
    bail!(
        "qemu-system-x86_64{} not found: install the Debian/Ubuntu packages `qemu-system-x86` and `ovmf` \
         (apt-get install qemu-system-x86 ovmf)",
        if have_qemu { " UEFI firmware" } else { "" }
    )
}

fn serial_arg(cmd: &mut Command, sink: SerialSink, path: &Path) {
    cmd.arg("-serial");
    if sink == SerialSink::None {
        cmd.arg("null");
    } else {
        cmd.arg(format!("file:{}", path.display()));
    }
}

/// Streams a file that QEMU appends to, copying new bytes to `forward` as they appear.
struct Tail {
    path: PathBuf,
    pos: u64,
    data: Vec<u8>,
    sink: SerialSink,
}

impl Tail {
    fn poll(&mut self) {
        let Ok(mut f) = std::fs::File::open(&self.path) else {
            return;
        };
        use std::io::Seek;
        if f.seek(std::io::SeekFrom::Start(self.pos)).is_err() {
            return;
        }
        let mut buf = Vec::new();
        if f.read_to_end(&mut buf).is_ok() && !buf.is_empty() {
            self.pos += buf.len() as u64;
            match self.sink {
                SerialSink::Stdout => {
                    let _ = std::io::stdout().write_all(&buf);
                    let _ = std::io::stdout().flush();
                }
                SerialSink::Stderr => {
                    let _ = std::io::stderr().write_all(&buf);
                }
                _ => {}
            }
            self.data.extend_from_slice(&buf);
        }
    }
}

/// Discards a byte stream up to and including a marker, then passes everything through.
struct MarkerSkip {
    marker: Vec<u8>,
    held: Vec<u8>,
    found: bool,
}

impl MarkerSkip {
    fn new(marker: Vec<u8>) -> Self {
        Self {
            marker,
            held: Vec::new(),
            found: false,
        }
    }

    /// The part of `input` that follows the marker (all of it once the marker was seen).
    fn feed(&mut self, input: &[u8]) -> Vec<u8> {
        if self.found {
            return input.to_vec();
        }
        self.held.extend_from_slice(input);
        match self
            .held
            .windows(self.marker.len())
            .position(|w| w == self.marker)
        {
            Some(at) => {
                self.found = true;
                let rest = self.held.split_off(at + self.marker.len());
                self.held.clear();
                rest
            }
            None => {
                // Keep only what could be the start of a marker split across reads.
                let keep = self.marker.len().saturating_sub(1).min(self.held.len());
                self.held.drain(..self.held.len() - keep);
                Vec::new()
            }
        }
    }
}

/// Whether COM1 output from byte `from` on contains `marker`.
fn seen(chunks: &Mutex<Vec<Chunk>>, marker: &str, from: usize) -> bool {
    chunks.lock().is_ok_and(|c| {
        let all: Vec<u8> = c.iter().flat_map(|c| c.bytes.iter().copied()).collect();
        String::from_utf8_lossy(all.get(from..).unwrap_or(&[])).contains(marker)
    })
}

/// COM1 bytes received so far.
fn received(chunks: &Mutex<Vec<Chunk>>) -> usize {
    chunks
        .lock()
        .map_or(0, |c| c.iter().map(|c| c.bytes.len()).sum())
}

/// A boot sector that writes 0x2a to isa-debug-exit (QEMU then exits with 0x55) and halts.
fn probe_boot_sector() -> [u8; 512] {
    let mut b = [0u8; 512];
    // mov al, 0x2a; out 0xf4, al; hlt; jmp $-1 (back to hlt)
    b[..7].copy_from_slice(&[0xb0, 0x2a, 0xe6, 0xf4, 0xf4, 0xeb, 0xfd]);
    b[510] = 0x55;
    b[511] = 0xaa;
    b
}

/// Whether QEMU with `args` boots [`probe_boot_sector`] through the BIOS and leaves with its
/// exit code within 10 s.
fn qemu_boots_with(args: &[&str]) -> bool {
    let Ok(dir) = tempfile::tempdir() else {
        return false;
    };
    let disk = dir.path().join("probe.img");
    if std::fs::write(&disk, probe_boot_sector()).is_err() {
        return false;
    }
    let child = Command::new("qemu-system-x86_64")
        .args(args)
        .args([
            "-display",
            "none",
            "-nic",
            "none",
            "-m",
            "16M",
            "-no-reboot",
        ])
        .args(["-serial", "none", "-monitor", "none"])
        .arg("-drive")
        .arg(format!("format=raw,file={}", disk.display()))
        .args(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut child) = child else {
        return false;
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.code() == Some((0x2a << 1) | 1),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
        }
    }
}

/// QEMU arguments for COM1 on QEMU's stdio. Signal keys are never QEMU's: on a terminal,
/// ^C must reach the guest rather than kill QEMU. A terminal also gets QEMU's serial
/// multiplexer, whose escape (Ctrl-A x) is the way out of a guest that will not exit.
pub fn com1_args(terminal: bool) -> [String; 4] {
    let mux = if terminal { ",mux=on" } else { "" };
    [
        "-chardev".into(),
        format!("stdio,id=com1,signal=off{mux}"),
        "-serial".into(),
        "chardev:com1".into(),
    ]
}

/// What QEMU's multiplexer prints when Ctrl-A x quits it (its status is then 0).
pub const QUIT_BY_ESCAPE: &str = "QEMU: Terminated";

/// QEMU's stdin, written by the typing thread and by [`forward_signal_keys`].
#[derive(Clone)]
struct Shared(Arc<Mutex<std::process::ChildStdin>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut w = self.0.lock().map_err(|_| std::io::ErrorKind::BrokenPipe)?;
        w.write_all(buf)?;
        w.flush()?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Types ^C or ^\\ into the console whenever this process gets SIGINT or SIGQUIT (the
/// terminal's keys, with QEMU out of their reach): the guest's console turns them into
/// its own signals. SIGHUP or SIGTERM (the terminal closed, a `kill`) end QEMU — which
/// its own process group keeps from getting them — and then this process.
fn forward_signal_keys(mut to: Shared, qemu: u32) {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGQUIT, SIGHUP, SIGTERM])
    else {
        return;
    };
    std::thread::spawn(move || {
        for sig in signals.forever() {
            if sig == SIGHUP || sig == SIGTERM {
                let _ = Command::new("kill")
                    .args(["-KILL", &qemu.to_string()])
                    .status();
                std::process::exit(128 + sig);
            }
            let key = if sig == SIGINT { 0x03 } else { 0x1c };
            if to.write_all(&[key]).is_err() {
                return;
            }
        }
    });
}

/// Types everything `from` holds into `to` (QEMU's stdin, the console), then ^D for its
/// end (twice), and keeps `to` open: QEMU's serial port takes a closed stdin for nothing.
fn type_until_eof(mut from: impl Read, mut to: impl Write) {
    let mut buf = [0u8; 4096];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).and_then(|()| to.flush()).is_err() {
                    return;
                }
            }
        }
    }
    // The first ^D ends a last line without a newline; the second (or the first, after a
    // newline) is the end of input, which the kernel makes final.
    let _ = to.write_all(b"\x04\x04").and_then(|()| to.flush());
    std::thread::sleep(Duration::from_secs(365 * 24 * 3600));
}

/// Boots `cfg.image` and waits for QEMU to finish or the timeout.
pub fn run(cfg: &VmConfig) -> Result<Outcome> {
    ensure_qemu(cfg.firmware)?;
    let scratch = tempfile::Builder::new().prefix("vm-").tempdir_in({
        let d = work_dir().join("run");
        std::fs::create_dir_all(&d)?;
        d
    })?;
    let mut cmd = Command::new("qemu-system-x86_64");
    if cfg.firmware == Firmware::Direct {
        let kernel = cfg
            .kernel
            .as_ref()
            .context("direct boot needs the kernel ELF")?;
        let loadable = scratch.path().join("kernel.pvh");
        crate::image::pvh_kernel(kernel, &loadable)?;
        cmd.arg("-kernel")
            .arg(&loadable)
            .arg("-initrd")
            .arg(&cfg.image);
    } else if cfg.firmware == Firmware::Bios {
        // Virtio, so the BIOS reads the image by DMA: the loader's disk reads take 0.5 s
        // instead of 2 s through IDE's programmed I/O (`crate::bios`).
        cmd.arg("-drive")
            .arg(format!("format=raw,if=virtio,file={}", cfg.image.display()));
    } else {
        cmd.arg("-drive")
            .arg(format!("format=raw,file={}", cfg.image.display()));
    }
    cmd.args(cfg.accel.effective()?.args());
    if !cfg.allow_reboot {
        cmd.arg("-no-reboot");
    }
    cmd.args(["-display", "none", "-nic", "none"])
        .args(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"])
        .args(["-m", &format!("{}M", cfg.memory_mib)]);
    if cfg.firmware == Firmware::Uefi {
        let vars = scratch.path().join("OVMF_VARS.fd");
        std::fs::copy(OVMF_VARS, &vars).context("copying the OVMF variable store")?;
        cmd.arg("-drive")
            .arg(format!("if=pflash,format=raw,readonly=on,file={OVMF_CODE}"));
        cmd.arg("-drive")
            .arg(format!("if=pflash,format=raw,file={}", vars.display()));
    }
    let terminal = cfg.inherit_stdin && std::io::stdin().is_terminal();
    let line_input = terminal && cfg.line_input;
    let interactive = terminal && !line_input;
    let piped = cfg.inherit_stdin && !interactive;
    if line_input {
        cmd.process_group(0);
    }
    cmd.args(com1_args(interactive));
    let com2_path = scratch.path().join("com2");
    let com3_path = scratch.path().join("com3");
    let com4_path = scratch.path().join("com4");
    if cfg.com2 != SerialSink::None || cfg.com3 != SerialSink::None || cfg.com4 != SerialSink::None
    {
        serial_arg(&mut cmd, cfg.com2, &com2_path);
        serial_arg(&mut cmd, cfg.com3, &com3_path);
    }
    if cfg.com4 != SerialSink::None {
        serial_arg(&mut cmd, cfg.com4, &com4_path);
    }
    cmd.stdin(if interactive {
        Stdio::inherit()
    } else if cfg.input.is_some() || piped {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());

    let start = Instant::now();
    let mut child = cmd.spawn().context("starting qemu-system-x86_64")?;
    let chunks = Arc::new(Mutex::new(Vec::<Chunk>::new()));
    let typed = Arc::new(Mutex::new(Vec::<Duration>::new()));
    let mut qemu_stdin = child.stdin.take();
    if piped && let Some(stdin) = qemu_stdin.take() {
        let stdin = Shared(Arc::new(Mutex::new(stdin)));
        if line_input {
            forward_signal_keys(stdin.clone(), child.id());
        }
        std::thread::spawn(move || type_until_eof(std::io::stdin(), stdin));
    }
    if let (Some(input), Some(mut stdin)) = (cfg.input.clone(), qemu_stdin) {
        let marker = cfg.input_after.clone();
        let steps = cfg.then_type.clone();
        let chunks = Arc::clone(&chunks);
        let typed = Arc::clone(&typed);
        let mark_typed = move || {
            if let Ok(mut t) = typed.lock() {
                t.push(start.elapsed());
            }
        };
        std::thread::spawn(move || {
            if let Some(marker) = marker {
                while !seen(&chunks, &marker, 0) && start.elapsed() < Duration::from_secs(3600) {
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
            // Each step waits for its marker among the bytes received since the previous
            // write: counted before that write, since the echo can arrive before this
            // thread runs again (a loaded host then waited for ever for an echo that had
            // already come).
            let mut from = received(&chunks);
            let _ = stdin.write_all(&input);
            let _ = stdin.flush();
            mark_typed();
            for (marker, bytes) in steps {
                while !seen(&chunks, &marker, from) && start.elapsed() < Duration::from_secs(3600) {
                    std::thread::sleep(Duration::from_millis(20));
                }
                from = received(&chunks);
                let _ = stdin.write_all(&bytes);
                let _ = stdin.flush();
                mark_typed();
            }
            // Keep the pipe open until QEMU exits: EOF on a serial chardev means nothing.
            std::thread::sleep(Duration::from_secs(3600));
        });
    }
    let mut stdout = child.stdout.take().context("qemu stdout")?;
    let pass_through = cfg.com1 == SerialSink::Stdout;
    let mut skip = cfg.com1_start_marker.clone().map(MarkerSkip::new);
    let reader = {
        let chunks = Arc::clone(&chunks);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let bytes = match skip.as_mut() {
                    Some(s) => s.feed(&buf[..n]),
                    None => buf[..n].to_vec(),
                };
                if bytes.is_empty() {
                    continue;
                }
                if pass_through {
                    let _ = std::io::stdout().write_all(&bytes);
                    let _ = std::io::stdout().flush();
                }
                if let Ok(mut c) = chunks.lock() {
                    c.push(Chunk {
                        at: start.elapsed(),
                        bytes,
                    });
                }
            }
        })
    };
    let mut qemu_stderr = child.stderr.take().context("qemu stderr")?;
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = qemu_stderr.read_to_end(&mut s);
        s
    });
    let mut tails = [
        Tail {
            path: com2_path,
            pos: 0,
            data: Vec::new(),
            sink: cfg.com2,
        },
        Tail {
            path: com3_path,
            pos: 0,
            data: Vec::new(),
            sink: cfg.com3,
        },
        Tail {
            path: com4_path,
            pos: 0,
            data: Vec::new(),
            sink: cfg.com4,
        },
    ];
    let ending = loop {
        for t in &mut tails {
            t.poll();
        }
        if let Some(status) = child.try_wait()? {
            break match status.code() {
                Some(QEMU_KERNEL_SUCCESS) => Ending::KernelSuccess,
                Some(QEMU_KERNEL_FAILURE) => Ending::KernelFailure,
                other => Ending::QemuExit(other),
            };
        }
        if start.elapsed() > cfg.timeout {
            let _ = child.kill();
            let _ = child.wait();
            break Ending::Timeout;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = start.elapsed();
    let _ = reader.join();
    for t in &mut tails {
        t.poll();
    }
    let qemu_err = err_reader.join().unwrap_or_default();
    if !qemu_err.is_empty() && !matches!(ending, Ending::KernelSuccess | Ending::KernelFailure) {
        eprintln!("qemu: {}", String::from_utf8_lossy(&qemu_err).trim_end());
    }
    let com1_chunks = std::mem::take(&mut *chunks.lock().map_err(|_| anyhow::anyhow!("poisoned"))?);
    let com1 = com1_chunks
        .iter()
        .flat_map(|c| c.bytes.iter().copied())
        .collect();
    let [com2, com3, com4] = tails.map(|t| t.data);
    let typed = typed.lock().map(|t| t.clone()).unwrap_or_default();
    Ok(Outcome {
        typed,
        ending,
        com1,
        com1_chunks,
        com2,
        com3,
        com4,
        elapsed,
    })
}

#[cfg(test)]
mod tests {
    use super::{Accel, MarkerSkip, com1_args, qemu_boots_with};

    #[test]
    fn accelerator_follows_kvm_and_the_flag() {
        assert_eq!(Accel::Auto.resolve(true).unwrap(), Accel::Kvm);
        assert_eq!(Accel::Auto.resolve(false).unwrap(), Accel::Tcg);
        assert_eq!(Accel::Tcg.resolve(true).unwrap(), Accel::Tcg);
        assert_eq!(Accel::Kvm.resolve(true).unwrap(), Accel::Kvm);
        assert!(Accel::Kvm.resolve(false).is_err());
        assert_eq!(
            Accel::Kvm.args(),
            ["-accel", "kvm", "-cpu", "host"].as_slice()
        );
        assert_eq!(Accel::Tcg.args(), ["-accel", "tcg"].as_slice());
        assert_eq!(Accel::parse("kvm").unwrap(), Accel::Kvm);
        assert!(Accel::parse("hvf").is_err());
    }

    #[test]
    fn the_kvm_probe_guest_boots_and_exits_with_its_code_under_tcg() {
        // The probe's guest and its expected status, checked where it can always run.
        assert!(qemu_boots_with(Accel::Tcg.args()));
        assert!(!qemu_boots_with(&["-accel", "no-such-accelerator"]));
    }

    #[test]
    fn console_never_lets_qemu_take_signal_keys() {
        let plain = com1_args(false).join(" ");
        assert_eq!(
            plain,
            "-chardev stdio,id=com1,signal=off -serial chardev:com1"
        );
        let terminal = com1_args(true).join(" ");
        assert!(terminal.contains("signal=off,mux=on"), "{terminal}");
    }

    #[test]
    fn marker_split_across_reads_is_found_and_dropped() {
        let mut s = MarkerSkip::new(b"<start>".to_vec());
        assert_eq!(s.feed(b"firmware noise <st"), b"");
        assert_eq!(s.feed(b"art>hello"), b"hello");
        assert_eq!(s.feed(b" world <start>"), b" world <start>");
    }
}
