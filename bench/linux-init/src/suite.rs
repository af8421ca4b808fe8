//! The benchmark list, run by `/init` in the VM (and by `linux-init suite` anywhere):
//!
//! 1. `bench-cpu.wasm all --reps N` in this process; its `bench: ...` lines are forwarded as
//!    `ref: bench: ...`.
//! 2. Spawn: `EXE run true.wasm`, one warm-up then `spawn_reps` timed runs (spawn to exit);
//!    `spawn.warm.{median,min,max}` in µs and `spawn.warm.rate` in spawns/s.
//! 3. Pipe: `EXE run bench-pipe.wasm write BYTES CHUNK | EXE run bench-pipe.wasm read`, timed
//!    from the first spawn to both exits, for 64 KiB and 4 KiB writes: `pipe.64k` / `pipe.4k`
//!    in MiB/s, and `pipe.64k.reader` / `pipe.4k.reader`: the rate the reader measured itself
//!    (first byte to end of file, no process start-up). The guests' own lines are forwarded
//!    as `ref: guest: ...`.
//!
//! A missing module is reported (`ref: skip ...`) and its part skipped.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use wasmi_wasi::wasi_common::pipe::WritePipe;

use crate::runtime;

/// Prefix of every line meant for the host.
pub const PREFIX: &str = "ref: ";

/// What to run and how often.
#[derive(Debug, Clone)]
pub struct Options {
    /// Directory holding `bench-cpu.wasm`, `bench-pipe.wasm`, `true.wasm`.
    pub dir: PathBuf,
    /// The runtime binary to spawn (`/init` in the VM, this executable otherwise).
    pub exe: PathBuf,
    /// `--reps` for bench-cpu.
    pub cpu_reps: u32,
    /// Timed spawns after the warm-up.
    pub spawn_reps: u32,
    /// Bytes sent through the pipe per measurement.
    pub pipe_bytes: u64,
    /// Only this bench-cpu benchmark (e.g. `coremark`), no spawn or pipe part: the host
    /// interleaves such short runs with our kernel's for paired ratios.
    pub only: Option<String>,
}

impl Options {
    /// Defaults for `dir`: 5 CPU reps, 10 spawns, 32 MiB through the pipe.
    pub fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            exe: std::env::current_exe().unwrap_or_else(|_| PathBuf::from("/init")),
            cpu_reps: 5,
            spawn_reps: 10,
            pipe_bytes: 32 << 20,
            only: None,
        }
    }

    /// `DIR [--reps N] [--spawns N] [--pipe-mib N]`.
    pub fn parse(args: &[String]) -> Result<Self> {
        let (dir, mut rest) = args.split_first().context("missing DIR")?;
        let mut opts = Self::new(PathBuf::from(dir));
        while let Some((flag, tail)) = rest.split_first() {
            let (value, tail) = tail
                .split_first()
                .with_context(|| format!("{flag}: missing value"))?;
            let n: u64 = value.parse().with_context(|| format!("{flag} {value}"))?;
            match flag.as_str() {
                "--reps" => opts.cpu_reps = u32::try_from(n)?,
                "--spawns" => opts.spawn_reps = u32::try_from(n)?.max(1),
                "--pipe-mib" => opts.pipe_bytes = n << 20,
                _ => bail!("unknown option {flag}"),
            }
            rest = tail;
        }
        Ok(opts)
    }

    /// Overrides from the kernel command line: `refvm.reps=N refvm.spawns=N refvm.pipe_mib=N
    /// refvm.only=NAME`.
    pub fn apply_cmdline(&mut self, cmdline: &str) {
        for word in cmdline.split_whitespace() {
            let Some((key, value)) = word.split_once('=') else {
                continue;
            };
            if key == "refvm.only" {
                self.only = Some(value.to_string());
                continue;
            }
            let Ok(n) = value.parse::<u64>() else {
                continue;
            };
            match key {
                "refvm.reps" => self.cpu_reps = u32::try_from(n).unwrap_or(self.cpu_reps),
                "refvm.spawns" => self.spawn_reps = u32::try_from(n).unwrap_or(10).max(1),
                "refvm.pipe_mib" => self.pipe_bytes = n << 20,
                _ => {}
            }
        }
    }
}

/// One part of the list.
type Part = fn(&Options) -> Result<()>;

/// Runs the whole list; a failing part is reported and the rest still runs.
pub fn run(opts: &Options) -> Result<()> {
    let mut failed = Vec::new();
    let parts: [(&str, Part); 3] = [("cpu", cpu), ("spawn", spawn), ("pipe", pipe)];
    let parts = if opts.only.is_some() { &parts[..1] } else { &parts[..] };
    for &(name, part) in parts {
        if let Err(e) = part(opts) {
            say(&format!("error {name}: {e:#}"));
            failed.push(name);
        }
    }
    say("done");
    if failed.is_empty() {
        Ok(())
    } else {
        bail!("failed: {}", failed.join(", "))
    }
}

/// Prints one `ref: ` line and flushes (the console is the only channel to the host).
pub fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{PREFIX}{line}");
    let _ = out.flush();
}

fn figure(key: &str, value: f64, unit: &str) {
    say(&format!("bench: {key} {value:.3} {unit}"));
}

/// The module's path, or None (reported) when it is missing.
fn module(opts: &Options, name: &str) -> Option<PathBuf> {
    let path = opts.dir.join(name);
    if path.is_file() {
        Some(path)
    } else {
        say(&format!(
            "skip {name} (not found in {})",
            opts.dir.display()
        ));
        None
    }
}

fn cpu(opts: &Options) -> Result<()> {
    let Some(wasm) = module(opts, "bench-cpu.wasm") else {
        return Ok(());
    };
    let args = [
        opts.only.clone().unwrap_or_else(|| "all".into()),
        "--reps".into(),
        opts.cpu_reps.to_string(),
    ];
    let start = Instant::now();
    let status = runtime::run_module(
        &wasm,
        &args,
        Some(Box::new(WritePipe::new(Prefixer::default()))),
    )?;
    figure("cpu.wall", start.elapsed().as_secs_f64() * 1e3, "ms");
    if status != 0 {
        bail!("bench-cpu exited with {status}");
    }
    Ok(())
}

fn spawn(opts: &Options) -> Result<()> {
    let Some(wasm) = module(opts, "true.wasm") else {
        return Ok(());
    };
    let once = || -> Result<Duration> {
        let start = Instant::now();
        let status = Command::new(&opts.exe)
            .arg("run")
            .arg(&wasm)
            .stdin(Stdio::null())
            .status()
            .context("spawning the runtime")?;
        let took = start.elapsed();
        if !status.success() {
            bail!("`run true.wasm` exited with {status}");
        }
        Ok(took)
    };
    once()?; // warm-up: page cache, first exec
    let mut times: Vec<f64> = (0..opts.spawn_reps)
        .map(|_| once().map(|d| d.as_secs_f64() * 1e6))
        .collect::<Result<_>>()?;
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    figure("spawn.warm.median", median, "us");
    figure("spawn.warm.min", times[0], "us");
    figure("spawn.warm.max", times[times.len() - 1], "us");
    figure("spawn.warm.rate", 1e6 / median, "spawns/s");
    Ok(())
}

fn pipe(opts: &Options) -> Result<()> {
    let Some(wasm) = module(opts, "bench-pipe.wasm") else {
        return Ok(());
    };
    for chunk in [65536u64, 4096] {
        let (secs, reader_rate) = pipe_once(opts, &wasm, chunk)?;
        let mib = opts.pipe_bytes as f64 / f64::from(1u32 << 20);
        let key = format!("pipe.{}k", chunk / 1024);
        figure(&key, mib / secs, "MiB/s");
        if let Some(rate) = reader_rate {
            figure(&format!("{key}.reader"), rate, "MiB/s");
        }
    }
    Ok(())
}

/// One `write | read` pipeline: seconds from the first spawn to both exits, and the rate
/// the reader itself measured (`bench: pipe.read.rate R MiB/s`, first byte to end of file).
fn pipe_once(opts: &Options, wasm: &Path, chunk: u64) -> Result<(f64, Option<f64>)> {
    let start = Instant::now();
    let mut writer = Command::new(&opts.exe)
        .arg("run")
        .arg(wasm)
        .args(["write", &opts.pipe_bytes.to_string(), &chunk.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .context("spawning the writer")?;
    let pipe_out = writer.stdout.take().context("writer stdout")?;
    let mut reader = Command::new(&opts.exe)
        .arg("run")
        .arg(wasm)
        .arg("read")
        .stdin(Stdio::from(pipe_out))
        .stdout(Stdio::piped())
        .spawn()
        .context("spawning the reader")?;
    // The reader's own report goes to the console marked as guest output, not as a figure.
    let report = reader.stdout.take().map(|out| {
        std::thread::spawn(move || {
            let mut rate = None;
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                say(&format!("guest: {line}"));
                if let Some(rest) = line.strip_prefix("bench: pipe.read.rate ") {
                    rate = rest.split_whitespace().next().and_then(|v| v.parse().ok());
                }
            }
            rate
        })
    });
    let w = writer.wait()?;
    let r = reader.wait()?;
    let secs = start.elapsed().as_secs_f64();
    let reader_rate = report.and_then(|t| t.join().ok().flatten());
    if !w.success() || !r.success() {
        bail!("pipe {chunk}: writer {w}, reader {r}");
    }
    Ok((secs, reader_rate))
}

/// A writer that forwards whole lines to stdout with [`PREFIX`] in front (the in-process
/// guest's stdout).
#[derive(Default)]
struct Prefixer {
    partial: Vec<u8>,
}

impl Write for Prefixer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.partial.extend_from_slice(buf);
        while let Some(at) = self.partial.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=at).collect();
            let mut out = std::io::stdout().lock();
            out.write_all(PREFIX.as_bytes())?;
            out.write_all(&line)?;
            out.flush()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Prefixer {
    fn drop(&mut self) {
        if !self.partial.is_empty() {
            self.partial.push(b'\n');
            let _ = self.write(&[]);
        }
    }
}
