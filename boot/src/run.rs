//! `run`: boot a VM whose first process is one WebAssembly program, like `wasmtime run`.
//! The program, its arguments, environment, preopened directories and (when it is not a
//! terminal) stdin travel in kernel-private ramdisk files. COM1 carries the guest's stdout,
//! COM2 its stderr and COM3 the kernel log, so the streams stay separate and byte-exact; the
//! kernel's last log line `exit-status N` gives the exit code.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::image::{Firmware, Ramdisk, disk_image};
use crate::qemu::{self, Ending, SerialSink, VmConfig};

/// What the kernel writes to COM1 before guest output in `run` mode (see its `console`).
pub const STDOUT_START_MARKER: &[u8] = b"\x1b]wasmkernel;stdout\x07";

/// Exit code for a kernel panic or a VM that died.
pub const EXIT_KERNEL_FAILURE: i32 = 70;
/// Exit code when `--timeout` stopped the VM.
pub const EXIT_TIMEOUT: i32 = 124;

/// Where the guest's stdin comes from.
#[derive(Debug, Clone)]
pub enum Stdin {
    /// These bytes, then end-of-file.
    Bytes(Vec<u8>),
    /// The VM's serial console (interactive).
    Console,
}

/// Everything `run` needs.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub program: PathBuf,
    pub args: Vec<String>,
    /// `NAME=VALUE` pairs, exactly the guest's environment.
    pub env: Vec<String>,
    /// (host directory, guest path) pairs, copied in and preopened.
    pub dirs: Vec<(PathBuf, String)>,
    /// Guest paths among `dirs` that are read-only in the VM (ROFS) and never written back.
    pub read_only: Vec<String>,
    /// Write the other `dirs` back to the host when the program has ended (`run` does;
    /// tests that copy whole roots in do not).
    pub write_back: bool,
    pub memory_mib: u32,
    pub firmware: Firmware,
    pub timeout: Duration,
    pub verbose: bool,
    pub stdin: Stdin,
    /// Stream stdout/stderr to this process's own as they arrive (else only capture).
    pub pass_through: bool,
    /// Extra kernel command-line words (tests use `test=panic` to check panic reporting).
    pub kernel_args: String,
    /// QEMU's accelerator.
    pub accel: qemu::Accel,
}

impl RunOptions {
    /// Defaults for running `program` with `args`: 256 MiB, BIOS, 300 s, empty stdin.
    pub fn new(program: impl Into<PathBuf>, args: &[&str]) -> Self {
        Self {
            program: program.into(),
            args: args.iter().map(|s| s.to_string()).collect(),
            env: Vec::new(),
            dirs: Vec::new(),
            read_only: Vec::new(),
            write_back: false,
            memory_mib: 256,
            firmware: Firmware::Bios,
            timeout: Duration::from_secs(300),
            verbose: false,
            stdin: Stdin::Bytes(Vec::new()),
            pass_through: false,
            kernel_args: String::new(),
            accel: qemu::Accel::Auto,
        }
    }

    /// The stdin `run` uses by default: the host's stdin bytes when it is a file or pipe,
    /// the console when it is a terminal.
    pub fn host_stdin() -> Result<Stdin> {
        let mut stdin = std::io::stdin();
        if stdin.is_terminal() {
            return Ok(Stdin::Console);
        }
        let mut bytes = Vec::new();
        stdin.read_to_end(&mut bytes).context("reading stdin")?;
        Ok(Stdin::Bytes(bytes))
    }
}

/// A `--dir` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirSpec {
    pub host: PathBuf,
    pub guest: String,
    pub read_only: bool,
}

/// Parses `HOST[::GUEST][:ro]`; the guest path defaults to the host directory's name.
pub fn parse_dir(spec: &str) -> Result<DirSpec> {
    let (rest, read_only) = match spec.strip_suffix(":ro") {
        Some(rest) => (rest, true),
        None => (spec, false),
    };
    let (host, guest) = parse_dir_pair(rest)?;
    Ok(DirSpec {
        host,
        guest,
        read_only,
    })
}

fn parse_dir_pair(spec: &str) -> Result<(PathBuf, String)> {
    let (host, guest) = match spec.split_once("::") {
        Some((h, g)) => (h.to_string(), g.to_string()),
        None => {
            let name = Path::new(spec)
                .file_name()
                .and_then(|n| n.to_str())
                .with_context(|| {
                    format!("--dir {spec}: cannot name the guest directory; use HOST::GUEST")
                })?;
            (spec.to_string(), name.to_string())
        }
    };
    let host = PathBuf::from(host);
    if !host.is_dir() {
        bail!("--dir {spec}: {} is not a directory", host.display());
    }
    if guest.is_empty() || guest.split('/').any(|c| c == "..") {
        bail!("--dir {spec}: bad guest path {guest:?}");
    }
    Ok((host, guest))
}

/// What happened to the program.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// The exit code `run` exits with.
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub log: String,
    pub ending: Ending,
    pub elapsed: Duration,
    /// Why a writable `--dir` was not written back (empty when all were, or none asked).
    pub write_back_errors: Vec<String>,
}

fn nul_join<'a>(items: impl IntoIterator<Item = &'a str>) -> Vec<u8> {
    let mut out = Vec::new();
    for item in items {
        out.extend_from_slice(item.as_bytes());
        out.push(0);
    }
    out
}

/// Builds the image for `opts`, boots it and collects the outcome.
pub fn run(kernel: &Path, opts: &RunOptions) -> Result<RunResult> {
    let wasm = std::fs::read(&opts.program)
        .with_context(|| format!("reading {}", opts.program.display()))?;
    let name = opts
        .program
        .file_name()
        .and_then(|n| n.to_str())
        .context("program path has no UTF-8 file name")?
        .to_string();
    for (i, s) in opts.args.iter().chain(&opts.env).enumerate() {
        if s.contains('\0') {
            bail!("argument or environment entry {i} contains a NUL byte");
        }
    }
    let level = if opts.verbose { "info" } else { "warn" };
    // Typed at the console (our stdin is a terminal): lines, as the terminal's own line
    // discipline delivers them, ^D at the end (`VmConfig::line_input`).
    let console = if matches!(opts.stdin, Stdin::Console) {
        "console=lines "
    } else {
        ""
    };
    let mut ramdisk = Ramdisk::with_cmdline(format!(
        "logport=com3 log={level} {console}{}",
        opts.kernel_args
    ));
    ramdisk.kernel_files.push(("program".into(), wasm));
    ramdisk.kernel_files.push((
        "argv".into(),
        nul_join(std::iter::once(name.as_str()).chain(opts.args.iter().map(String::as_str))),
    ));
    ramdisk
        .kernel_files
        .push(("env".into(), nul_join(opts.env.iter().map(String::as_str))));
    ramdisk.kernel_files.push((
        "preopens".into(),
        nul_join(opts.dirs.iter().map(|(_, g)| g.as_str())),
    ));
    if let Stdin::Bytes(bytes) = &opts.stdin {
        ramdisk.kernel_files.push(("stdin".into(), bytes.clone()));
    }
    ramdisk.dirs = opts.dirs.clone();
    ramdisk.kernel_files.push((
        "readonly".into(),
        nul_join(opts.read_only.iter().map(String::as_str)),
    ));
    // The writable dirs, each with what was copied in (all that write-back may remove).
    let mut writable = Vec::new();
    if opts.write_back {
        overlapping_dirs(&opts.dirs)?;
        for (host, guest) in &opts.dirs {
            if !opts.read_only.contains(guest) {
                writable.push((
                    host.clone(),
                    guest.clone(),
                    crate::writeback::manifest(host)?,
                ));
            }
        }
        ramdisk.kernel_files.push((
            "writeback".into(),
            nul_join(writable.iter().map(|(_, g, _)| g.as_str())),
        ));
    }

    let image_name = format!("run-{}-{}", std::process::id(), unique());
    let image = disk_image(kernel, &ramdisk, opts.firmware, &image_name)?;
    let mut cfg = VmConfig::new(image.clone(), opts.firmware);
    cfg.kernel = Some(kernel.to_path_buf());
    cfg.memory_mib = opts.memory_mib;
    cfg.accel = opts.accel;
    cfg.timeout = opts.timeout;
    cfg.com1 = if opts.pass_through {
        SerialSink::Stdout
    } else {
        SerialSink::Capture
    };
    cfg.com2 = if opts.pass_through {
        SerialSink::Stderr
    } else {
        SerialSink::Capture
    };
    cfg.com3 = if opts.verbose && opts.pass_through {
        SerialSink::Stderr
    } else {
        SerialSink::Capture
    };
    if !writable.is_empty() {
        cfg.com4 = SerialSink::Capture;
    }
    cfg.inherit_stdin = matches!(opts.stdin, Stdin::Console);
    cfg.line_input = true;
    cfg.com1_start_marker = Some(STDOUT_START_MARKER.to_vec());
    let outcome = qemu::run(&cfg);
    let _ = std::fs::remove_file(&image);
    let _ = std::fs::remove_file(image.with_file_name(format!("{image_name}.tar")));
    let outcome = outcome?;
    let log = outcome.log();
    let code = match outcome.ending {
        Ending::KernelSuccess => {
            exit_status(&log).map_or(EXIT_KERNEL_FAILURE, |c| (c & 0xff) as i32)
        }
        Ending::Timeout => EXIT_TIMEOUT,
        Ending::KernelFailure | Ending::QemuExit(_) => EXIT_KERNEL_FAILURE,
    };
    let write_back_errors = if writable.is_empty() {
        Vec::new()
    } else if outcome.ending == Ending::KernelSuccess && outcome.com4.is_empty() && code == 126 {
        // The program never started (the kernel said why on stderr: not WebAssembly, an
        // import it lacks…), so nothing in the directories changed and none is sent back.
        Vec::new()
    } else if outcome.ending != Ending::KernelSuccess {
        vec![format!(
            "the VM did not end cleanly ({}): --dir directories were not written back",
            outcome.ending.describe()
        )]
    } else {
        write_back(&writable, &outcome.com4, &log)
    };
    Ok(RunResult {
        write_back_errors,
        code,
        stdout: outcome.com1,
        stderr: outcome.com2,
        log,
        ending: outcome.ending,
        elapsed: outcome.elapsed,
    })
}

/// Refuses `--dir`s that nest, on the host or in the guest: one tree's write-back would
/// undo the other's (a read-only tree inside a writable one would look deleted).
fn overlapping_dirs(dirs: &[(PathBuf, String)]) -> Result<()> {
    let nested = |a: &Path, b: &Path| a.starts_with(b) || b.starts_with(a);
    for (i, (ha, ga)) in dirs.iter().enumerate() {
        for (hb, gb) in &dirs[i + 1..] {
            let (ca, cb) = (ha.canonicalize()?, hb.canonicalize()?);
            let (pa, pb) = (Path::new("/").join(ga), Path::new("/").join(gb));
            if nested(&ca, &cb) || nested(&pa, &pb) {
                bail!(
                    "--dir {} and --dir {} overlap; their write-back would conflict",
                    ha.display(),
                    hb.display()
                );
            }
        }
    }
    Ok(())
}

/// Applies the kernel's write-back stream to the host directories; the errors, if any.
fn write_back(
    writable: &[(PathBuf, String, std::collections::BTreeSet<String>)],
    stream: &[u8],
    log: &str,
) -> Vec<String> {
    let exported = match rootfs::export::parse(stream) {
        Ok(e) => e,
        Err(e) => {
            let why = log
                .lines()
                .find(|l| l.contains("write-back refused"))
                .map_or_else(|| format!("{e:?}"), |l| l.trim().to_string());
            return vec![format!("--dir directories were not written back: {why}")];
        }
    };
    let mut errors = Vec::new();
    for (host, guest, before) in writable {
        match exported.iter().find(|x| x.guest == *guest) {
            Some(x) => {
                let done = crate::writeback::apply(host, before, x);
                for e in done.errors {
                    errors.push(format!("--dir {}: left as it was: {e}", host.display()));
                }
            }
            None => errors.push(format!(
                "--dir {}: not in the VM's write-back",
                host.display()
            )),
        }
    }
    errors
}

/// Checks the kernel's `heap-check before=B after=A tasks=T procs=P files=F pipes=Q` line
/// (written once the runtime is gone): heap use back at its pre-runtime value and no task,
/// process, open file or pipe left. `Err` says what leaked, or that the line is missing.
pub fn leak_check(log: &str) -> Result<(), String> {
    let line = log
        .lines()
        .find_map(|l| l.find("heap-check").map(|i| &l[i..]))
        .ok_or("no heap-check line in the kernel log")?;
    let field = |k: &str| -> Result<u64, String> {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(&format!("{k}=")))
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("no {k}= in {line}"))
    };
    if field("before")? != field("after")? {
        return Err(format!("kernel heap not back at baseline: {line}"));
    }
    for k in ["tasks", "procs", "files", "pipes"] {
        if field(k)? != 0 {
            return Err(format!("{k} left over: {line}"));
        }
    }
    Ok(())
}

/// The first process's status from the kernel's last `exit-status N` line.
pub fn exit_status(log: &str) -> Option<u32> {
    log.lines().rev().find_map(|l| {
        l.trim_start_matches(['\r', '\n'])
            .strip_prefix("exit-status ")
            .and_then(|n| n.trim().parse().ok())
    })
}

/// What the kernel logged (at debug level) for compiling `name`: its line `compiled NAME:
/// W KiB of wasm took T KiB of kernel heap (estimated E KiB, A KiB of it set aside for
/// translation)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompileFigures {
    pub wasm_kib: u64,
    /// Heap the load itself took (the translated code too, when translated eagerly).
    pub took_kib: u64,
    pub estimated_kib: u64,
    /// Heap set aside for functions translated on their first calls (0: translated eagerly).
    pub aside_kib: u64,
}

/// The [`CompileFigures`] of `name` in a kernel log, if it has them.
pub fn compile_figures(log: &str, name: &str) -> Option<CompileFigures> {
    let line = log
        .lines()
        .find(|l| l.contains(&format!("compiled {name}:")))?;
    let num = |after: &str| -> Option<u64> {
        line.split(after)
            .nth(1)?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    };
    Some(CompileFigures {
        wasm_kib: num(&format!("{name}: "))?,
        took_kib: num("took ")?,
        estimated_kib: num("(estimated ")?,
        aside_kib: num("KiB, ")?,
    })
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::{compile_figures, leak_check};

    #[test]
    fn compile_figures_read_the_kernels_debug_line() {
        let log = "[ 1.0] DEBUG runtime::spawn: compiled data/big.wasm: 20996 KiB of wasm took \
                   21052 KiB of kernel heap (estimated 42250 KiB, 17 KiB of it set aside for \
                   translation)\n";
        let f = compile_figures(log, "data/big.wasm").unwrap();
        assert_eq!(
            (f.wasm_kib, f.took_kib, f.estimated_kib, f.aside_kib),
            (20996, 21052, 42250, 17)
        );
        assert_eq!(compile_figures(log, "sh.wasm"), None);
    }

    #[test]
    fn leak_check_reads_the_kernel_line() {
        let ok = "x\nheap-check before=10 after=10 tasks=0 procs=0 files=0 pipes=0\r\n";
        assert_eq!(leak_check(ok), Ok(()));
        let heap = "heap-check before=10 after=12 tasks=0 procs=0 files=0 pipes=0";
        assert!(leak_check(heap).unwrap_err().contains("baseline"));
        let pipe = "heap-check before=1 after=1 tasks=0 procs=0 files=0 pipes=2";
        assert!(leak_check(pipe).unwrap_err().starts_with("pipes left over"));
        assert!(leak_check("nothing").is_err());
    }
}
