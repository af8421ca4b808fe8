//! Small helpers shared by the core utilities (`wc`, `head`, `grep`, `sort`, ...):
//! a getopt-style argument splitter, input opening, and the error conventions
//! (`NAME: message` on stderr; exit 1 for failures, 2 for usage errors; a broken pipe on
//! stdout ends the program quietly).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::process::{ExitCode, exit};

/// Status for a usage error.
pub const USAGE: u8 = 2;

/// A parsed command line: the options in order (with their value, if they take one) and
/// the operands.
#[derive(Default, Debug)]
pub struct Args {
    pub opts: Vec<(char, Option<String>)>,
    pub operands: Vec<String>,
}

/// Splits `args` (without argv[0]) getopt-style: bundled flags (`-ab`), option values
/// attached or separate (`-n5`, `-n 5`), `--` ending the options, `-` as an operand.
/// `with_value` lists the option letters that take a value, `flags` those that don't.
/// Options may follow operands (GNU permutation). `numeric_operands` makes arguments
/// like `-5` or `-1.5` operands (for `seq`). On an unknown option or a missing value it
/// prints the error and exits with status 2.
pub fn parse(
    prog: &str,
    args: impl IntoIterator<Item = String>,
    flags: &str,
    with_value: &str,
    numeric_operands: bool,
) -> Args {
    parse_with(args, flags, with_value, numeric_operands, &|msg| {
        usage_error(prog, msg)
    })
}

/// [`parse`] with GNU's wording on an error: `PROG: MSG`, then `Try 'PROG --help' for more
/// information.`, exiting with `status`.
pub fn parse_gnu(
    prog: &str,
    args: impl IntoIterator<Item = String>,
    flags: &str,
    with_value: &str,
    status: i32,
) -> Args {
    parse_with(args, flags, with_value, false, &|msg| {
        try_help(prog, msg, status)
    })
}

fn parse_with(
    args: impl IntoIterator<Item = String>,
    flags: &str,
    with_value: &str,
    numeric_operands: bool,
    fail: &dyn Fn(&str) -> !,
) -> Args {
    let mut out = Args::default();
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        if arg == "--" {
            out.operands.extend(it);
            break;
        }
        if arg.len() < 2 || !arg.starts_with('-') || arg.starts_with("--") && arg.len() > 2 {
            if arg.starts_with("--") && arg.len() > 2 {
                fail(&format!("unrecognized option '{arg}'"));
            }
            out.operands.push(arg);
            continue;
        }
        if numeric_operands && arg[1..].starts_with(|c: char| c.is_ascii_digit() || c == '.') {
            out.operands.push(arg);
            continue;
        }
        let body = &arg[1..];
        for (i, c) in body.char_indices() {
            if with_value.contains(c) {
                let rest = &body[i + c.len_utf8()..];
                let value = if !rest.is_empty() {
                    rest.to_owned()
                } else {
                    match it.next() {
                        Some(v) => v,
                        None => fail(&format!("option requires an argument -- '{c}'")),
                    }
                };
                out.opts.push((c, Some(value)));
                break;
            } else if flags.contains(c) {
                out.opts.push((c, None));
            } else {
                fail(&format!("invalid option -- '{c}'"));
            }
        }
    }
    out
}

/// Prints `PROG: MSG` and exits with status 2.
pub fn usage_error(prog: &str, msg: &str) -> ! {
    eprintln!("{prog}: {msg}");
    exit(USAGE.into())
}

/// Prints `PROG: MSG` and exits with status 1.
pub fn die(prog: &str, msg: &str) -> ! {
    let _ = io::stdout().flush();
    eprintln!("{prog}: {msg}");
    exit(1)
}

/// The message for an I/O error, e.g. `No such file or directory`.
pub fn msg(err: &io::Error) -> String {
    crate::message(err)
}

/// Handles a failed write to stdout: quiet exit on a broken pipe, otherwise
/// `PROG: write error: MSG`; status 1 either way.
pub fn write_failed(prog: &str, err: &io::Error) -> ! {
    if err.kind() != io::ErrorKind::BrokenPipe {
        eprintln!("{prog}: write error: {}", msg(err));
    }
    exit(1)
}

/// Flushes `out`, handling failure like [`write_failed`], and returns `status`.
pub fn finish(prog: &str, out: &mut impl Write, status: ExitCode) -> ExitCode {
    if let Err(err) = out.flush() {
        write_failed(prog, &err);
    }
    status
}

/// The process's buffered stdout (see [`stdout`]).
static OUT: std::sync::Mutex<Option<io::BufWriter<io::Stdout>>> = std::sync::Mutex::new(None);

/// A handle to a buffered stdout shared with [`StdinReader`], which flushes it before
/// each read from stdin: output appears as soon as a program would wait for more input
/// (interactive use), while large outputs are still written in big chunks.
pub struct Out;

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut guard = OUT.lock().unwrap_or_else(|e| e.into_inner());
        guard
            .get_or_insert_with(|| io::BufWriter::with_capacity(32 * 1024, io::stdout()))
            .write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        let mut guard = OUT.lock().unwrap_or_else(|e| e.into_inner());
        guard
            .get_or_insert_with(|| io::BufWriter::with_capacity(32 * 1024, io::stdout()))
            .write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut guard = OUT.lock().unwrap_or_else(|e| e.into_inner());
        match guard.as_mut() {
            Some(w) => w.flush(),
            None => Ok(()),
        }
    }
}

/// The buffered stdout.
pub fn stdout() -> Out {
    Out
}

/// Stdin that first flushes [`Out`] on every read (a read may block).
pub struct StdinReader;

impl Read for StdinReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Err(e) = Out.flush() {
            let argv0 = std::env::args().next().unwrap_or_default();
            let name = basename(&argv0);
            write_failed(name.strip_suffix(".wasm").unwrap_or(name), &e);
        }
        io::stdin().read(buf)
    }
}

/// Opens `name` for reading (`-` is stdin), buffered.
pub fn open(name: &str) -> io::Result<Box<dyn BufRead>> {
    if name == "-" {
        Ok(Box::new(BufReader::with_capacity(64 * 1024, StdinReader)))
    } else {
        let file = File::open(name)?;
        if file.metadata()?.is_dir() {
            return Err(io::Error::from_raw_os_error(31)); // WASI EISDIR
        }
        Ok(Box::new(BufReader::with_capacity(64 * 1024, file)))
    }
}

/// Opens `name` for reading, unbuffered (`-` is stdin).
pub fn open_raw(name: &str) -> io::Result<Box<dyn Read>> {
    if name == "-" {
        Ok(Box::new(StdinReader))
    } else {
        let file = File::open(name)?;
        if file.metadata()?.is_dir() {
            return Err(io::Error::from_raw_os_error(31));
        }
        Ok(Box::new(file))
    }
}

/// The operands, or `-` when there are none.
pub fn files_or_stdin(operands: Vec<String>) -> Vec<String> {
    if operands.is_empty() {
        vec!["-".to_owned()]
    } else {
        operands
    }
}

/// Parses a count like `10`, `+10`, `1K` (1024), `1k`/`1kB` (1000), `1M`, `1G`, `b` (512).
pub fn parse_count(s: &str) -> Option<u64> {
    let s = s.strip_prefix('+').unwrap_or(s);
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    if end == 0 {
        return None;
    }
    let n: u64 = s[..end].parse().ok()?;
    let mult: u64 = match &s[end..] {
        "" => 1,
        "b" => 512,
        "K" | "KiB" | "k" => 1024,
        "kB" | "KB" => 1000,
        "M" | "MiB" => 1 << 20,
        "MB" => 1_000_000,
        "G" | "GiB" => 1 << 30,
        "GB" => 1_000_000_000,
        _ => return None,
    };
    n.checked_mul(mult)
}

/// Reads one line (including its `\n`, if any) into `buf`, which is cleared first.
/// Returns false at end of input.
pub fn read_line(input: &mut dyn BufRead, buf: &mut Vec<u8>) -> io::Result<bool> {
    buf.clear();
    Ok(input.read_until(b'\n', buf)? > 0)
}

/// Broken-down UTC time.
#[derive(Clone, Copy, Debug)]
pub struct Tm {
    pub year: i64,
    pub month: u32, // 1..=12
    pub day: u32,   // 1..=31
    pub hour: u32,
    pub min: u32,
    pub sec: u32,
    pub wday: u32, // 0 = Sunday
    pub yday: u32, // 0-based
}

/// Converts seconds since the Unix epoch to UTC calendar fields.
pub fn utc(secs: i64) -> Tm {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400) as u32;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    const CUM: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let yday = CUM[(month - 1) as usize] + day - 1 + u32::from(leap && month > 2);
    Tm {
        year,
        month,
        day,
        hour: rem / 3600,
        min: rem / 60 % 60,
        sec: rem % 60,
        wday: (days + 4).rem_euclid(7) as u32,
        yday,
    }
}

pub const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
pub const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Seconds and nanoseconds since the epoch of a `SystemTime` (negative before it).
pub fn epoch(t: std::time::SystemTime) -> (i64, u32) {
    match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => (d.as_secs() as i64, d.subsec_nanos()),
        Err(e) => {
            let d = e.duration();
            if d.subsec_nanos() == 0 {
                (-(d.as_secs() as i64), 0)
            } else {
                (-(d.as_secs() as i64) - 1, 1_000_000_000 - d.subsec_nanos())
            }
        }
    }
}

/// The last component of a path, ignoring trailing slashes (`a/b/` → `b`).
pub fn basename(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.is_empty() { "" } else { "/" };
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

/// `dir/name`, without doubling a slash.
pub fn join(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// The `(source, target)` pairs of a `cp`/`mv`-style command line: `SOURCE DEST`, or
/// `SOURCE... DIRECTORY` (each source lands in DIRECTORY under its own name; with
/// `no_target_dir` (`-T`) DEST is never taken as a directory). Missing operands are usage
/// errors; several sources with a DEST that is not a directory end the program.
pub fn source_targets(
    prog: &str,
    mut operands: Vec<String>,
    no_target_dir: bool,
) -> Vec<(String, String)> {
    if operands.is_empty() {
        usage_error(prog, "missing file operand");
    }
    if operands.len() == 1 {
        usage_error(
            prog,
            &format!("missing destination file operand after '{}'", operands[0]),
        );
    }
    let dest = operands.pop().unwrap_or_default();
    let dest_is_dir = !no_target_dir && std::fs::metadata(&dest).is_ok_and(|m| m.is_dir());
    if operands.len() > 1 && !dest_is_dir {
        match std::fs::metadata(&dest) {
            Err(e) => die(prog, &format!("target '{dest}': {}", msg(&e))),
            Ok(_) => die(prog, &format!("target '{dest}' is not a directory")),
        }
    }
    operands
        .into_iter()
        .map(|src| {
            let target = if dest_is_dir {
                join(&dest, basename(&src))
            } else {
                dest.clone()
            };
            (src, target)
        })
        .collect()
}

/// Recursively copies `src` to `dst` (which must not exist as a non-directory when `src`
/// is a directory). Symlinks are recreated, not followed. Errors are reported as
/// `PROG: ...` on stderr; returns false if any happened.
pub fn copy_tree(prog: &str, src: &str, dst: &str) -> bool {
    let meta = match std::fs::symlink_metadata(src) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{prog}: cannot stat '{src}': {}", msg(&e));
            return false;
        }
    };
    let ft = meta.file_type();
    if ft.is_symlink() {
        let result = std::fs::read_link(src).and_then(|target| {
            if std::fs::symlink_metadata(dst).is_ok() {
                std::fs::remove_file(dst)?;
            }
            #[allow(deprecated)]
            std::fs::soft_link(target, dst)
        });
        if let Err(e) = result {
            eprintln!("{prog}: cannot create symbolic link '{dst}': {}", msg(&e));
            return false;
        }
        return true;
    }
    if ft.is_dir() {
        match std::fs::metadata(dst) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                eprintln!("{prog}: cannot overwrite non-directory '{dst}' with directory '{src}'");
                return false;
            }
            Err(_) => {
                if let Err(e) = std::fs::create_dir(dst) {
                    eprintln!("{prog}: cannot create directory '{dst}': {}", msg(&e));
                    return false;
                }
            }
        }
        let entries = match std::fs::read_dir(src) {
            Ok(rd) => rd,
            Err(e) => {
                eprintln!("{prog}: cannot access '{src}': {}", msg(&e));
                return false;
            }
        };
        let mut names: Vec<String> = Vec::new();
        for entry in entries {
            match entry {
                Ok(e) => names.push(e.file_name().to_string_lossy().into_owned()),
                Err(e) => {
                    eprintln!("{prog}: cannot access '{src}': {}", msg(&e));
                    return false;
                }
            }
        }
        names.sort();
        let mut ok = true;
        for name in names {
            ok &= copy_tree(prog, &join(src, &name), &join(dst, &name));
        }
        return ok;
    }
    if let Err(e) = copy_file(src, dst) {
        eprintln!("{prog}: cannot create regular file '{dst}': {}", msg(&e));
        return false;
    }
    true
}

/// Copies the contents of the file `src` over `dst` (created or truncated).
pub fn copy_file(src: &str, dst: &str) -> io::Result<u64> {
    let mut input = File::open(src)?;
    let mut output = File::create(dst)?;
    io::copy(&mut input, &mut output)
}

/// Removes `path` recursively (`rm -r`). Errors are reported as `PROG: cannot remove
/// 'PATH': MSG`; returns false if any happened.
pub fn remove_tree(prog: &str, path: &str) -> bool {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{prog}: cannot remove '{path}': {}", msg(&e));
            return false;
        }
    };
    if meta.is_dir() {
        // Collect the names first: removing entries while reading the directory could
        // make the reader skip some.
        let mut names = Vec::new();
        let listed = std::fs::read_dir(path).and_then(|rd| {
            for entry in rd {
                names.push(entry?.file_name().to_string_lossy().into_owned());
            }
            Ok(())
        });
        if let Err(e) = listed {
            eprintln!("{prog}: cannot remove '{path}': {}", msg(&e));
            return false;
        }
        let mut ok = true;
        for name in names {
            ok &= remove_tree(prog, &join(path, &name));
        }
        if !ok {
            return false;
        }
        if let Err(e) = std::fs::remove_dir(path) {
            eprintln!("{prog}: cannot remove '{path}': {}", msg(&e));
            return false;
        }
        true
    } else if let Err(e) = std::fs::remove_file(path) {
        eprintln!("{prog}: cannot remove '{path}': {}", msg(&e));
        false
    } else {
        true
    }
}

/// Lexically normalises `path` against the working directory: absolute, no `.`/`..`.
pub fn absolute(path: &str) -> String {
    let base = if path.starts_with('/') {
        String::new()
    } else {
        std::env::current_dir()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let mut parts: Vec<&str> = Vec::new();
    for comp in base.split('/').chain(path.split('/')) {
        match comp {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Prints `PROG: MSG` and GNU's `Try 'PROG --help' ...` line, and exits with `status`.
pub fn try_help(prog: &str, msg: &str, status: i32) -> ! {
    let _ = io::stdout().flush();
    eprintln!("{prog}: {msg}\nTry '{prog} --help' for more information.");
    exit(status)
}

/// The directory part of a path as `dirname` prints it: `a/b/` → `a`, `a` → `.`,
/// `/a` and `/` → `/`.
pub fn dirname(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.starts_with('/') { "/" } else { "." };
    }
    match trimmed.rfind('/') {
        None => ".",
        Some(cut) => {
            let dir = trimmed[..cut].trim_end_matches('/');
            if dir.is_empty() { "/" } else { dir }
        }
    }
}

/// GNU's `-h`: powers of 1024, rounded up, one decimal below 10.
pub fn human(bytes: u64) -> String {
    if bytes < 1024 {
        return bytes.to_string();
    }
    let mut x = bytes as f64;
    for unit in ["K", "M", "G", "T", "P", "E"] {
        x /= 1024.0;
        if x < 10.0 {
            let t = (x * 10.0).ceil() / 10.0;
            if t < 10.0 {
                return format!("{t:.1}{unit}");
            }
            return format!("10{unit}");
        }
        let c = x.ceil();
        if c < 1024.0 {
            return format!("{c}{unit}");
        }
    }
    format!("{}E", x.ceil())
}
