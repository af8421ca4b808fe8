//! The executor: runs parsed programs with the WASIX process calls (wasm32 only).
//!
//! - Redirections are made in the shell's own descriptor table (the old descriptor is
//!   saved above 20, close-on-exec, and put back afterwards), so builtins, functions and
//!   compound commands write where they should and programs simply inherit descriptors.
//! - External commands: `proc_spawn2` with the exported variables as the environment,
//!   a bare name searched on `$PATH` (default `/bin:/usr/bin`).
//! - There is no `fork` for our guests, so everything that POSIX runs in a subshell —
//!   `( … )`, `$(…)` and backquotes, a pipeline stage that is not a program, a background
//!   list — runs in a child `sh` that gets the command's text and a copy of the shell's
//!   state (variables, functions, positional parameters, options, `$$`, `$?`, ignored
//!   traps) in the `__WASMKERNEL_SH_STATE` environment entry. A child process is what
//!   gives dash's semantics for free: nothing it changes (variables, `cd`, traps, `exit`)
//!   reaches the parent, its stages run concurrently, and a dead pipe reader kills it,
//!   not us. A `$(…)`'s output comes back through a pipe — unless it only runs output
//!   builtins, which run here ([`Shell::inline_capture`]).
//! - Pipelines: every stage is spawned (stages that are programs directly), then the
//!   shell joins them in order; the status is the last one's.
//! - `cmd &`: spawned without waiting (a job).
//! - Traps: `EXIT` when the shell ends; a signal the shell sends itself runs its trap at
//!   once; signals from others arrive through the `__wasm_signal` callback and their
//!   traps run between commands. `builtins.rs` holds the builtins.

use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use userland::wasix_sys::SignalDisposition;
use userland::wasix_sys::{self as w, Errno, Fd, JOIN_NON_BLOCKING, Pid, Status, errno};

use super::expand::{self, Env};
use super::lexer::{Error, Part, RedirOp, Word};
use super::parser::{self, AndOr, Command, Compound, Connector, Item, Pipeline, Program, Redir};
use super::text;

mod builtins;

/// Where the shell's helper children (`sh`) are looked up.
const SYSTEM_PATH: &str = "/bin:/usr/bin";
const STATE_VAR: &str = "__WASMKERNEL_SH_STATE";
const SIGINT: u8 = w::sig::INT;
const SIGQUIT: u8 = w::sig::QUIT;
/// SIGCONT as this program speaks to the kernel's `proc_signal` (in Linux's numbering,
/// since it exports `__wasm_signal`; `w::sig` holds the WASIX numbers, which spawn
/// dispositions take).
const SIGCONT: u8 = 18;
/// Saved descriptors live at or above this number.
const SAVE_MIN: Fd = 20;
/// A here-document up to this size is written into its pipe at once (a pipe holds 64 KiB).
const HEREDOC_INLINE: usize = 32 * 1024;
const HEREDOC_VAR: &str = "__WASMKERNEL_SH_HEREDOC";

const SPECIAL: [&str; 15] = [
    ".", ":", "break", "continue", "eval", "exec", "exit", "export", "readonly", "return", "set",
    "shift", "times", "trap", "unset",
];
const REGULAR: [&str; 21] = [
    "[", "cd", "command", "echo", "false", "getopts", "jobs", "kill", "local", "printf", "pwd",
    "read", "test", "true", "type", "umask", "wait", "time", "alias", "fg", "bg",
];
const KEYWORDS: [&str; 16] = [
    "!", "{", "}", "case", "do", "done", "elif", "else", "esac", "fi", "for", "if", "in", "then",
    "until", "while",
];
const SIGNALS: [&str; 31] = [
    "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
    "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
    "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
];

#[derive(Clone)]
struct Var {
    value: Option<String>,
    exported: bool,
    readonly: bool,
}

struct Job {
    id: u32,
    pids: Vec<Pid>,
    /// The status of each pid once reaped.
    done: Vec<Option<i32>>,
    text: String,
    /// Its process group (job control; else unused).
    pgid: Pid,
    /// Stopped (^Z, or a background read of the console) and not continued since.
    stopped: bool,
}

impl Job {
    /// The job's status (its last process's) once every process has ended.
    fn status(&self) -> Option<i32> {
        if self.done.iter().all(Option::is_some) {
            self.done.last().copied().flatten().or(Some(0))
        } else {
            None
        }
    }
}

/// A break in the normal flow, unwinding to the loop, function or top level.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flow {
    Break(usize),
    Continue(usize),
    Return,
    Exit,
    /// A foreground job died of SIGINT (^C) at the prompt: back to the prompt, as
    /// dash, which gets the signal too.
    Interrupt,
}

#[derive(Clone, Copy, Default)]
struct Opts {
    errexit: bool,
    nounset: bool,
    xtrace: bool,
    noglob: bool,
}

/// A descriptor replaced by a redirection: where its old self was saved.
struct Saved {
    fd: Fd,
    backup: Option<Fd>,
}

pub struct Shell {
    vars: BTreeMap<String, Var>,
    funcs: BTreeMap<String, (Rc<Command>, String)>,
    arg0: String,
    positional: Vec<String>,
    status: i32,
    pid: Pid,
    last_bg: Option<Pid>,
    jobs: Vec<Job>,
    interactive: bool,
    /// Job control is on (an interactive shell on the console): every job gets a process
    /// group of its own, the foreground one gets the console, ^Z stops it.
    job_control: bool,
    opts: Opts,
    /// Trap actions by signal number (0 is EXIT).
    traps: BTreeMap<u8, String>,
    flow: Option<Flow>,
    loops: usize,
    /// Function frames: variables to put back when the function returns.
    locals: Vec<Vec<(String, Option<Var>)>>,
    /// Above 0 while running a condition (`if`, `while`, `&&`, `!`): `set -e` is off.
    errexit_off: usize,
    line: usize,
    /// The status of the last command substitution (an assignment-only command's).
    subst_status: Option<i32>,
    /// `getopts`' position inside the current argument, and the OPTIND it belongs to.
    optpos: (usize, String),
    /// A child shell's command, from its state.
    child_command: Option<String>,
    /// Children writing large here-documents, reaped once they end (they end when
    /// written, or when their reader is gone).
    writers: Vec<Pid>,
    /// The output of a `$(…)` run in this process ([`Shell::inline_capture`]).
    captured: Option<Vec<u8>>,
}

fn write_fd(fd: Fd, bytes: &[u8]) {
    let _ = w::write_all(fd, bytes);
}

/// A C-library style message for an errno.
fn strerror(e: Errno) -> String {
    let text = match e {
        2 => "Permission denied",
        6 => "Resource temporarily unavailable",
        8 => "Bad file descriptor",
        20 => "File exists",
        28 => "Invalid argument",
        31 => "Is a directory",
        44 => "No such file or directory",
        45 => "Exec format error",
        48 => "Out of memory",
        54 => "Not a directory",
        63 => "Operation not permitted",
        69 => "Read-only file system",
        76 => "Capabilities insufficient",
        _ => return w::show(e),
    };
    text.to_owned()
}

fn exit_status(status: Status) -> Option<i32> {
    match status {
        Status::Exit(code) => Some(i32::from(code)),
        Status::Signal { sig, .. } | Status::Stopped(sig) => Some(128 + i32::from(sig)),
        Status::Nothing | Status::Unknown(_) => None,
    }
}

/// Blocks until `pid` ends: its shell status.
fn join(pid: Pid) -> i32 {
    join_sig(pid).0
}

/// [`join`], and the signal that killed it.
fn join_sig(pid: Pid) -> (i32, Option<u8>) {
    loop {
        match w::join(Some(pid), 0) {
            Ok((_, Status::Signal { sig, .. })) => return (128 + i32::from(sig), Some(sig)),
            Ok((_, status)) => match exit_status(status) {
                Some(s) => return (s, None),
                None => {
                    let _ = w::sleep_ms(5);
                }
            },
            Err(errno::AGAIN) | Err(errno::INTR) => {}
            Err(_) => return (127, None),
        }
    }
}

/// Blocks until `pid` ends or stops: its shell status and killing signal, or the
/// signal that stopped it.
fn join_job(pid: Pid) -> Result<(i32, Option<u8>), u8> {
    loop {
        match w::join(Some(pid), w::JOIN_WAKE_STOPPED) {
            Ok((_, Status::Stopped(sig))) => return Err(sig),
            Ok((_, Status::Signal { sig, .. })) => return Ok((128 + i32::from(sig), Some(sig))),
            Ok((_, status)) => match exit_status(status) {
                Some(s) => return Ok((s, None)),
                None => {
                    let _ = w::sleep_ms(5);
                }
            },
            Err(errno::AGAIN) | Err(errno::INTR) => {}
            Err(_) => return Ok((127, None)),
        }
    }
}

// Signals from other processes: while a trap names a signal, the kernel hands every
// signal to `__wasm_signal` (between slices, so it only records it); the shell runs
// the traps between commands.
static TRAPPED: AtomicU64 = AtomicU64::new(0);
static PENDING: AtomicU64 = AtomicU64::new(0);

/// Signals whose default action is to do nothing.
fn ignored_by_default(sig: i32) -> bool {
    matches!(sig, 17 | 18 | 23 | 28)
}

/// The kernel's signal callback (registered by `callback_signal`).
#[unsafe(no_mangle)]
pub extern "C" fn __wasm_signal(sig: i32) {
    let bit = 1u64.checked_shl(sig as u32).unwrap_or(0);
    if TRAPPED.load(Ordering::Relaxed) & bit != 0 {
        PENDING.fetch_or(bit, Ordering::Relaxed);
    } else if !ignored_by_default(sig) {
        // Untrapped: its default action, by raising it again with no callback.
        w::callback_signal("");
        if let (Ok(me), Ok(sig)) = (w::proc_id(), u8::try_from(sig)) {
            let _ = w::signal(me, sig);
        }
    }
}

/// Like dash, says which signal killed a waited-for process (not SIGINT or SIGPIPE).
fn report_signal(sig: Option<u8>) -> Option<()> {
    let text = match sig? {
        1 => "Hangup",
        3 => "Quit",
        4 => "Illegal instruction",
        6 => "Aborted",
        8 => "Floating point exception",
        9 => "Killed",
        10 => "User defined signal 1",
        11 => "Segmentation fault",
        12 => "User defined signal 2",
        14 => "Alarm clock",
        15 => "Terminated",
        _ => return None,
    };
    write_fd(2, format!("{text}\n").as_bytes());
    Some(())
}

/// `fd_pipe`, both ends close-on-exec and above stdio.
fn new_pipe() -> Result<(Fd, Fd), Errno> {
    let (r, wr) = w::pipe()?;
    let high = |fd: Fd| -> Result<Fd, Errno> {
        let d = w::dup2(fd, 10, true)?;
        let _ = w::close(fd);
        Ok(d)
    };
    Ok((high(r)?, high(wr)?))
}

/// Moves `src` (a fresh descriptor) to `fd`: `fd_renumber` is `dup2` for a WASIX program
/// (as in wasmer), so the source is closed after it.
fn move_fd(src: Fd, fd: Fd) -> Result<(), Errno> {
    if src == fd {
        return Ok(());
    }
    w::renumber(src, fd)?;
    let _ = w::close(src);
    Ok(())
}

fn signal_number(name: &str) -> Option<u8> {
    if let Ok(n) = name.parse::<u8>() {
        return (n <= 64).then_some(n);
    }
    let up = name.to_ascii_uppercase();
    let up = up.strip_prefix("SIG").unwrap_or(&up);
    if up == "EXIT" {
        return Some(0);
    }
    SIGNALS.iter().position(|s| *s == up).map(|i| i as u8 + 1)
}

fn signal_name(n: u8) -> String {
    if n == 0 {
        "EXIT".into()
    } else {
        SIGNALS
            .get(usize::from(n) - 1)
            .map_or_else(|| n.to_string(), |s| (*s).to_owned())
    }
}

/// `'text'` quoting for output the shell can read back.
fn quote(s: &str) -> String {
    // dash's style: runs of quotes go in double quotes (`'it'"'"'s'`).
    if s.is_empty() {
        return "''".to_owned();
    }
    let mut out = String::new();
    let mut rest = s;
    while !rest.is_empty() {
        let n = rest.find('\'').unwrap_or(rest.len());
        if n > 0 {
            out.push('\'');
            out.push_str(&rest[..n]);
            out.push('\'');
            rest = &rest[n..];
        }
        let q = rest.len() - rest.trim_start_matches('\'').len();
        if q > 0 {
            out.push('"');
            out.push_str(&rest[..q]);
            out.push('"');
            rest = &rest[q..];
        }
    }
    out
}

// ---- the state a child shell inherits ----------------------------------------------

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\c"),
            '\x1e' => o.push_str("\\r"),
            '\x1f' => o.push_str("\\u"),
            '\0' => o.push_str("\\0"),
            _ => o.push(c),
        }
    }
    o
}

fn unesc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            o.push(c);
            continue;
        }
        match it.next() {
            Some('n') => o.push('\n'),
            Some('c') => o.push('\r'),
            Some('r') => o.push('\x1e'),
            Some('u') => o.push('\x1f'),
            Some('0') => o.push('\0'),
            Some(c) => o.push(c),
            None => {}
        }
    }
    o
}

impl Env for Shell {
    fn get(&self, name: &str) -> Option<String> {
        match name {
            "?" => Some(self.status.to_string()),
            "$" => Some(self.pid.to_string()),
            "!" => self.last_bg.map(|p| p.to_string()),
            "#" => Some(self.positional.len().to_string()),
            "0" => Some(self.arg0.clone()),
            "-" => Some(self.option_letters()),
            _ if name.bytes().all(|b| b.is_ascii_digit()) => name
                .parse::<usize>()
                .ok()
                .and_then(|n| self.positional.get(n.wrapping_sub(1)))
                .cloned(),
            _ => self.vars.get(name).and_then(|v| v.value.clone()),
        }
    }

    fn positional(&self) -> Vec<String> {
        self.positional.clone()
    }

    fn set(&mut self, name: &str, value: String) -> Result<(), String> {
        self.set_var(name, value)
    }

    fn command(&mut self, part: &Part) -> String {
        let Part::Cmd { text, prog, .. } = part else {
            return String::new();
        };
        let (out, status) = match self.inline_capture(prog) {
            Some(r) => r,
            None => self.capture(text),
        };
        self.subst_status = Some(status);
        let mut s = String::from_utf8_lossy(&out).into_owned();
        while s.ends_with('\n') {
            s.pop();
        }
        s
    }

    fn nounset(&self) -> bool {
        self.opts.nounset
    }

    fn noglob(&self) -> bool {
        self.opts.noglob
    }

    fn read_dir(&self, dir: &str) -> Vec<String> {
        let d = if dir.is_empty() { "." } else { dir };
        match std::fs::read_dir(d) {
            Ok(rd) => rd
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

impl text::Files for Shell {
    fn check(&self, op: &str, path: &str) -> bool {
        if path.is_empty() {
            return false;
        }
        let meta = if matches!(op, "-L" | "-h") {
            std::fs::symlink_metadata(path)
        } else {
            std::fs::metadata(path)
        };
        let Ok(m) = meta else { return false };
        match op {
            "-e" => true,
            "-f" => m.is_file(),
            "-d" => m.is_dir(),
            "-L" | "-h" => m.file_type().is_symlink(),
            "-s" => m.len() > 0,
            "-r" | "-x" => true,
            "-w" => !m.permissions().readonly(),
            "-p" | "-S" | "-b" => false,
            "-c" => !m.is_file() && !m.is_dir(),
            _ => false,
        }
    }

    fn isatty(&self, fd: i64) -> bool {
        fd == 0 && w::tty_get().is_ok_and(|t| t.stdin_tty)
    }
}

impl Shell {
    fn new() -> Self {
        let mut vars = BTreeMap::new();
        let mut state = None;
        for (k, v) in std::env::vars_os() {
            let (k, v) = (k.to_string_lossy(), v.to_string_lossy().into_owned());
            if k == STATE_VAR {
                state = Some(v);
                continue;
            }
            vars.insert(
                k.into_owned(),
                Var {
                    value: Some(v),
                    exported: true,
                    readonly: false,
                },
            );
        }
        let mut sh = Shell {
            vars,
            funcs: BTreeMap::new(),
            arg0: "sh".to_owned(),
            positional: Vec::new(),
            status: 0,
            pid: w::proc_id().unwrap_or(0),
            last_bg: None,
            jobs: Vec::new(),
            interactive: false,
            job_control: false,
            opts: Opts::default(),
            traps: BTreeMap::new(),
            flow: None,
            loops: 0,
            locals: Vec::new(),
            errexit_off: 0,
            line: 1,
            subst_status: None,
            optpos: (1, String::new()),
            child_command: None,
            writers: Vec::new(),
            captured: None,
        };
        if let Some(st) = state {
            sh.restore_state(&st);
        } else {
            if let Ok(cwd) = w::getcwd() {
                let _ = std::env::set_current_dir(&cwd);
                sh.set_var_exported("PWD", cwd);
            }
            if sh.get("IFS").is_none() {
                let _ = sh.set_var("IFS", " \t\n".into());
            }
            let _ = sh.set_var("OPTIND", "1".into());
        }
        sh
    }

    /// The state record a child shell starts from (see the module comment).
    fn state(&self, text: &str, line: usize) -> String {
        let mut out = String::new();
        let mut rec = |fields: &[&str]| {
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    out.push('\x1f');
                }
                out.push_str(&esc(f));
            }
            out.push('\x1e');
        };
        let pid = self.pid.to_string();
        let status = self.status.to_string();
        let bg = self.last_bg.map(|p| p.to_string()).unwrap_or_default();
        let line = line.to_string();
        let opts = self.option_letters();
        rec(&["H", &pid, &status, &bg, &self.arg0, &line, &opts]);
        for a in &self.positional {
            rec(&["A", a]);
        }
        for (k, v) in &self.vars {
            let flags = format!(
                "{}{}{}",
                if v.exported { "x" } else { "" },
                if v.readonly { "r" } else { "" },
                if v.value.is_none() { "u" } else { "" }
            );
            rec(&["V", k, v.value.as_deref().unwrap_or(""), &flags]);
        }
        for (_, text) in self.funcs.values() {
            rec(&["F", text]);
        }
        for (sig, action) in &self.traps {
            if action.is_empty() {
                rec(&["T", &sig.to_string()]);
            }
        }
        rec(&["C", text]);
        out
    }

    fn restore_state(&mut self, st: &str) {
        self.vars.clear();
        let mut command = String::new();
        let mut funcs = Vec::new();
        for r in st.split('\x1e').filter(|r| !r.is_empty()) {
            let f: Vec<String> = r.split('\x1f').map(unesc).collect();
            match (f[0].as_str(), f.len()) {
                ("H", 7) => {
                    self.pid = f[1].parse().unwrap_or(self.pid);
                    self.status = f[2].parse().unwrap_or(0);
                    self.last_bg = f[3].parse().ok();
                    self.arg0 = f[4].clone();
                    self.line = f[5].parse().unwrap_or(1);
                    for c in f[6].chars() {
                        self.set_option(c, true);
                    }
                }
                ("A", 2) => self.positional.push(f[1].clone()),
                ("V", 4) => {
                    self.vars.insert(
                        f[1].clone(),
                        Var {
                            value: (!f[3].contains('u')).then(|| f[2].clone()),
                            exported: f[3].contains('x'),
                            readonly: f[3].contains('r'),
                        },
                    );
                }
                ("F", 2) => funcs.push(f[1].clone()),
                ("T", 2) => {
                    if let Ok(n) = f[1].parse() {
                        self.traps.insert(n, String::new());
                    }
                }
                ("C", 2) => command = f[1].clone(),
                _ => {}
            }
        }
        if let Ok(cwd) = w::getcwd() {
            let _ = std::env::set_current_dir(cwd);
        }
        if !self.traps.is_empty() {
            self.catch_trapped_signals();
        }
        for f in funcs {
            if let Ok(p) = parser::parse(&f) {
                self.run_list(&p);
            }
        }
        self.status = self.get("?").and_then(|s| s.parse().ok()).unwrap_or(0);
        self.child_command = Some(command);
    }

    fn option_letters(&self) -> String {
        let mut s = String::new();
        if self.opts.errexit {
            s.push('e');
        }
        if self.opts.noglob {
            s.push('f');
        }
        if self.opts.nounset {
            s.push('u');
        }
        if self.opts.xtrace {
            s.push('x');
        }
        s
    }

    fn set_option(&mut self, c: char, on: bool) -> bool {
        match c {
            'e' => self.opts.errexit = on,
            'u' => self.opts.nounset = on,
            'x' => self.opts.xtrace = on,
            'f' => self.opts.noglob = on,
            _ => return false,
        }
        true
    }

    /// The `NAME: LINE: ` prefix of dash's messages (`sh: ` at the prompt).
    fn prefix(&self) -> String {
        if self.interactive {
            format!("{}: ", self.arg0)
        } else {
            format!("{}: {}: ", self.arg0, self.line)
        }
    }

    fn error(&self, msg: &str) {
        write_fd(2, format!("{}{msg}\n", self.prefix()).as_bytes());
    }

    /// An error that ends a non-interactive shell (as dash's): prints and sets the status.
    fn fatal(&mut self, msg: &str, status: i32) -> i32 {
        self.error(msg);
        self.status = status;
        if !self.interactive {
            self.flow = Some(Flow::Exit);
        }
        status
    }

    fn set_var(&mut self, name: &str, value: String) -> Result<(), String> {
        match self.vars.get_mut(name) {
            Some(v) if v.readonly => return Err(format!("{name}: is read only")),
            Some(v) => v.value = Some(value),
            None => {
                self.vars.insert(
                    name.to_owned(),
                    Var {
                        value: Some(value),
                        exported: false,
                        readonly: false,
                    },
                );
            }
        }
        if name == "OPTIND" {
            self.optpos = (1, String::new());
        }
        Ok(())
    }

    fn set_var_exported(&mut self, name: &str, value: String) {
        let _ = self.set_var(name, value);
        if let Some(v) = self.vars.get_mut(name) {
            v.exported = true;
        }
    }

    /// The `K=V\n` environment list: exported variables plus `extra`.
    fn env_string(&self, extra: &[(String, String)]) -> String {
        let mut map: BTreeMap<&str, &str> = self
            .vars
            .iter()
            .filter(|(_, v)| v.exported)
            .filter_map(|(k, v)| Some((k.as_str(), v.value.as_deref()?)))
            .collect();
        for (k, v) in extra {
            map.insert(k, v);
        }
        let mut out = String::new();
        for (k, v) in map {
            if !v.contains(['\n', '\r']) {
                out.push_str(k);
                out.push('=');
                out.push_str(v);
                out.push('\n');
            }
        }
        out
    }

    fn search_path(&self) -> String {
        self.get("PATH")
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| SYSTEM_PATH.to_owned())
    }

    /// The file `name` would run (searched on `$PATH`), if any.
    fn find_program(&self, name: &str) -> Option<String> {
        if name.contains('/') {
            return std::fs::metadata(name).is_ok().then(|| name.to_owned());
        }
        for dir in self.search_path().split(':') {
            let dir = if dir.is_empty() { "." } else { dir };
            let p = format!("{}/{name}", dir.trim_end_matches('/'));
            if std::fs::metadata(&p).is_ok_and(|m| m.is_file()) {
                return Some(p);
            }
        }
        None
    }

    // ---- input ---------------------------------------------------------------------

    fn run_input(&mut self, mut input: Input) {
        if let Input::Text { text, .. } = &mut input {
            let text = std::mem::take(text);
            let line = self.line;
            self.run_script(&text, line, true);
            return;
        }
        let mut buf = String::new();
        let mut line = self.line;
        let mut start_line = line;
        loop {
            if self.interactive {
                if buf.is_empty() {
                    self.notify_jobs();
                }
                write_fd(2, if buf.is_empty() { b"$ " } else { b"> " });
            }
            let Some(text) = input.next_line() else {
                if !buf.trim().is_empty() {
                    self.line = line;
                    let msg = parser::eof_message(&buf);
                    self.fatal(&format!("Syntax error: {msg}"), 2);
                }
                if self.interactive {
                    write_fd(2, b"exit\n");
                }
                return;
            };
            if buf.is_empty() {
                start_line = line;
            }
            line += 1;
            buf.push_str(&text);
            match parser::parse_at(&buf, start_line) {
                Err(Error::Incomplete) => continue,
                Err(Error::Syntax(msg)) => {
                    self.line = line - 1;
                    buf.clear();
                    self.fatal(&format!("Syntax error: {msg}"), 2);
                    if self.flow.is_some() {
                        return;
                    }
                }
                Ok(program) => {
                    buf.clear();
                    self.run_list(&program);
                    if self.flow == Some(Flow::Exit) {
                        return;
                    }
                    // `break`/`return` outside a loop or function end nothing further.
                    self.flow = None;
                }
            }
        }
    }

    /// A whole text (`sh FILE`, `sh -c TEXT`, `.`, `eval`, a child shell's command):
    /// parsed one command at a time from where the previous one ended, and run, as dash
    /// does (an error further on stops nothing before it, and a long compound command is
    /// parsed once). At the top level a `break` or `return` outside its loop or function
    /// just ends its command; elsewhere it unwinds to the caller. Returns the status.
    fn run_script(&mut self, text: &str, mut line: usize, top: bool) -> i32 {
        let mut pos = 0;
        while pos < text.len() {
            match parser::parse_command(&text[pos..], line) {
                Ok((program, used, next_line)) => {
                    pos += used.max(1);
                    line = next_line;
                    self.run_list(&program);
                    match self.flow {
                        Some(Flow::Exit) => break,
                        Some(_) if top => self.flow = None,
                        Some(_) => break,
                        None => {}
                    }
                }
                Err((e, at)) => {
                    self.line = at;
                    let msg = match e {
                        Error::Incomplete => parser::eof_message(&text[pos..]),
                        Error::Syntax(msg) => msg,
                    };
                    return self.fatal(&format!("Syntax error: {msg}"), 2);
                }
            }
        }
        self.status
    }

    /// Parses and runs `src` in this shell (see [`Shell::run_script`]).
    fn run_text(&mut self, src: &str, line: usize) -> i32 {
        self.run_script(src, line, false)
    }

    // ---- lists ---------------------------------------------------------------------

    fn run_list(&mut self, list: &Program) -> i32 {
        self.writers.retain(|&pid| {
            matches!(
                w::join(Some(pid), JOIN_NON_BLOCKING),
                Ok((_, Status::Nothing)) | Err(errno::AGAIN)
            )
        });
        for item in list {
            if item.background {
                self.run_background(item);
            } else {
                self.run_and_or(&item.and_or);
            }
            self.run_pending_traps();
            if self.flow.is_some() {
                break;
            }
        }
        self.status
    }

    fn run_and_or(&mut self, ao: &AndOr) {
        // `set -e` ignores every pipeline of an and-or list but the last.
        let n = ao.rest.len();
        let mut exempt = n > 0;
        if exempt {
            self.errexit_off += 1;
        }
        self.status = self.run_pipeline(&ao.first);
        for (i, (conn, p)) in ao.rest.iter().enumerate() {
            if self.flow.is_some() {
                break;
            }
            let run = match conn {
                Connector::And => self.status == 0,
                Connector::Or => self.status != 0,
            };
            if i + 1 == n {
                self.errexit_off -= 1;
                exempt = false;
            }
            if run {
                self.status = self.run_pipeline(p);
            }
        }
        if exempt {
            self.errexit_off -= 1;
        }
    }

    fn run_pipeline(&mut self, p: &Pipeline) -> i32 {
        if p.negate {
            self.errexit_off += 1;
        }
        let st = if p.cmds.len() == 1 {
            self.run_command(&p.cmds[0])
        } else {
            self.run_stages(p)
        };
        if p.negate {
            self.errexit_off -= 1;
            self.status = i32::from(st == 0);
            return self.status;
        }
        self.status = st;
        if st != 0 && self.opts.errexit && self.errexit_off == 0 && self.flow.is_none() {
            self.flow = Some(Flow::Exit);
        }
        st
    }

    /// A pipeline of several stages: each a process, joined in order.
    fn run_stages(&mut self, p: &Pipeline) -> i32 {
        let n = p.cmds.len();
        let mut pids: Vec<Option<Pid>> = Vec::new();
        let mut statuses = Vec::new();
        let mut prev_read: Option<Fd> = None;
        let mut pgid = None;
        for (i, cmd) in p.cmds.iter().enumerate() {
            let pipe = if i + 1 < n {
                match new_pipe() {
                    Ok(pair) => Some(pair),
                    Err(e) => {
                        self.error(&format!("pipe: {}", strerror(e)));
                        None
                    }
                }
            } else {
                None
            };
            let res = match pipe {
                Some((_, wr)) if i == 0 && inline_command(cmd) => {
                    Err(self.inline_first_stage(cmd, wr))
                }
                _ => {
                    let mut saved = Vec::new();
                    if let Some(r) = prev_read {
                        self.dup_onto(r, 0, &mut saved);
                    }
                    if let Some((_, wr)) = pipe {
                        self.dup_onto(wr, 1, &mut saved);
                    }
                    let res = self.spawn_stage(cmd, &p.texts[i]);
                    self.restore(saved);
                    if let Ok(pid) = res {
                        self.place(pid, &mut pgid);
                    }
                    res
                }
            };
            if let Some(r) = prev_read.take() {
                let _ = w::close(r);
            }
            if let Some((r, wr)) = pipe {
                let _ = w::close(wr);
                prev_read = Some(r);
            }
            match res {
                Ok(pid) => {
                    pids.push(Some(pid));
                    statuses.push(0);
                }
                Err(st) => {
                    pids.push(None);
                    statuses.push(st);
                }
            }
        }
        if let Some(r) = prev_read {
            let _ = w::close(r);
        }
        let spawned: Vec<Pid> = pids.iter().flatten().copied().collect();
        let (st, _) = self.wait_foreground(spawned, p.texts.join(" | "));
        match (pids.last(), statuses.last()) {
            (Some(None), Some(&failed)) => failed,
            _ => st,
        }
    }

    /// Saves `fd` (once) and makes it a copy of `src`.
    fn dup_onto(&mut self, src: Fd, fd: Fd, saved: &mut Vec<Saved>) {
        self.save(fd, saved);
        if let Ok(d) = w::dup(src) {
            let _ = move_fd(d, fd);
        }
    }

    /// One pipeline stage as a process: a program directly, anything else in a child
    /// shell.
    fn spawn_stage(&mut self, cmd: &Command, text: &str) -> Result<Pid, i32> {
        if let Command::Simple(s) = cmd
            && s.assigns.is_empty()
            && let Some(first) = s.words.first()
            && let Some(name) = literal(first)
            && !self.is_builtin_or_function(&name)
        {
            let argv = match expand::fields(&s.words, self) {
                Ok(a) => a,
                Err(msg) => return Err(self.fatal(&msg, 2)),
            };
            let mut saved = Vec::new();
            if let Err(st) = self.redirect(&s.redirs, &mut saved) {
                self.restore(saved);
                return Err(st);
            }
            let env = self.env_string(&[]);
            let res = self.spawn_program(&argv, &env, false);
            self.restore(saved);
            return res;
        }
        let line = match cmd {
            Command::Simple(s) => s.line,
            Command::Compound(_, _, line) => *line,
            Command::Func(..) => self.line,
        };
        self.spawn_shell(text, line, false)
    }

    fn is_builtin_or_function(&self, name: &str) -> bool {
        SPECIAL.contains(&name)
            || REGULAR.contains(&name)
            || KEYWORDS.contains(&name)
            || self.funcs.contains_key(name)
    }

    /// A child `sh` running `text` with a copy of this shell's state.
    fn spawn_shell(&mut self, text: &str, line: usize, background: bool) -> Result<Pid, i32> {
        let state = self.state(text, line);
        let env = self.env_string(&[(STATE_VAR.to_owned(), state)]);
        let argv = ["sh".to_owned()];
        let args: Vec<&str> = argv.iter().map(String::as_str).collect();
        let sigdisp = self.sigdisp(background);
        match w::spawn2_env("sh", &args, Some(&env), &[], &sigdisp, true, SYSTEM_PATH) {
            Ok(pid) => Ok(pid),
            Err(e) => {
                self.error(&format!("sh: cannot start: {}", strerror(e)));
                Err(2)
            }
        }
    }

    /// A `$(…)` of only output builtins (`echo`, `printf`, `test`, …), assignments and
    /// compound commands runs here, its output collected in memory, its variable
    /// changes undone afterwards: what a child shell would give, without the spawn.
    /// `None` when it might do anything else (run a program, redirect, call a function).
    fn inline_capture(&mut self, prog: &Program) -> Option<(Vec<u8>, i32)> {
        if !inline_list(prog) {
            return None;
        }
        Some(self.in_memory(|sh| {
            sh.run_list(prog);
        }))
    }

    /// Runs `f` with builtin output collected in memory and the variables, `$?` and the
    /// flow put back afterwards (a subshell's effects): the output and the status.
    fn in_memory(&mut self, f: impl FnOnce(&mut Self)) -> (Vec<u8>, i32) {
        let vars = self.vars.clone();
        let (status, flow, line) = (self.status, self.flow.take(), self.line);
        let outer = self.captured.replace(Vec::new());
        f(self);
        let out = std::mem::replace(&mut self.captured, outer).unwrap_or_default();
        let st = self.status;
        self.vars = vars;
        self.optpos = (1, String::new());
        (self.status, self.flow, self.line) = (status, flow, line);
        (out, st)
    }

    /// The first stage of a pipeline when it only runs output builtins (`echo "$x" |
    /// grep y`): run here, its output put in the stage's pipe (by a writer child when it
    /// is more than a pipe holds) instead of starting a child shell.
    fn inline_first_stage(&mut self, cmd: &Command, wr: Fd) -> i32 {
        let (out, st) = self.in_memory(|sh| {
            sh.run_command(cmd);
        });
        self.fill_pipe(wr, out);
        st
    }

    /// Puts `text` into the pipe whose write end is `wr`: at once when it fits (a pipe
    /// holds 64 KiB), else through a writer child that runs while the reader reads.
    fn fill_pipe(&mut self, wr: Fd, bytes: Vec<u8>) {
        if bytes.len() <= HEREDOC_INLINE {
            write_fd(wr, &bytes);
            return;
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let mut saved = Vec::new();
        self.dup_onto(wr, 1, &mut saved);
        let _ = self.set_var(HEREDOC_VAR, text);
        let line = self.line;
        let writer = self.spawn_shell(&format!("printf %s \"${HEREDOC_VAR}\""), line, false);
        self.vars.remove(HEREDOC_VAR);
        self.restore(saved);
        if let Ok(pid) = writer {
            self.writers.push(pid);
        }
    }

    /// A builtin's standard output: fd 1, or the in-memory capture of a `$(…)`.
    /// Writes `bytes` to standard output (or the capture buffer); false if the write
    /// failed, which `echo` reports as its status, as dash's does.
    fn stdout(&mut self, bytes: &[u8]) -> bool {
        match &mut self.captured {
            Some(buf) => {
                buf.extend_from_slice(bytes);
                true
            }
            None => w::write_all(1, bytes).is_ok(),
        }
    }

    /// Runs `text` in a child shell with its stdout into a pipe: the output and status.
    fn capture(&mut self, text: &str) -> (Vec<u8>, i32) {
        let (r, wr) = match new_pipe() {
            Ok(p) => p,
            Err(e) => {
                self.error(&format!("pipe: {}", strerror(e)));
                return (Vec::new(), 2);
            }
        };
        let mut saved = Vec::new();
        self.dup_onto(wr, 1, &mut saved);
        let _ = w::close(wr);
        let line = self.line;
        let res = self.spawn_shell(text, line, false);
        self.restore(saved);
        let out = w::read_to_end(r).unwrap_or_default();
        let _ = w::close(r);
        let st = match res {
            Ok(pid) => join(pid),
            Err(st) => st,
        };
        (out, st)
    }

    fn sigdisp(&self, background: bool) -> Vec<SignalDisposition> {
        // With job control a background job is kept from the console's keys by its group,
        // not by ignoring them: brought to the foreground, ^C must reach it.
        if background && !self.job_control {
            vec![
                w::disposition(SIGINT, w::DISP_IGNORE),
                w::disposition(SIGQUIT, w::DISP_IGNORE),
            ]
        } else if self.interactive {
            // Undo what the shell got ignored (from init): the job's keys and stops.
            vec![
                w::disposition(SIGINT, w::DISP_DEFAULT),
                w::disposition(SIGQUIT, w::DISP_DEFAULT),
                w::disposition(w::sig::TSTP, w::DISP_DEFAULT),
                w::disposition(w::sig::TTIN, w::DISP_DEFAULT),
                w::disposition(w::sig::TTOU, w::DISP_DEFAULT),
            ]
        } else {
            Vec::new()
        }
    }

    fn run_background(&mut self, item: &Item) {
        let ao = &item.and_or;
        let pid = if ao.rest.is_empty() && !ao.first.negate && ao.first.cmds.len() == 1 {
            match &ao.first.cmds[0] {
                Command::Simple(s)
                    if s.assigns.is_empty()
                        && s.words
                            .first()
                            .and_then(literal)
                            .is_some_and(|n| !self.is_builtin_or_function(&n)) =>
                {
                    match expand::fields(&s.words, self) {
                        Ok(argv) => {
                            let mut saved = Vec::new();
                            let res = match self.redirect(&s.redirs, &mut saved) {
                                Ok(()) => {
                                    let env = self.env_string(&[]);
                                    self.spawn_program(&argv, &env, true)
                                }
                                Err(st) => Err(st),
                            };
                            self.restore(saved);
                            res
                        }
                        Err(msg) => Err(self.fatal(&msg, 2)),
                    }
                }
                _ => self.spawn_shell(&item.text, item.line, true),
            }
        } else {
            self.spawn_shell(&item.text, item.line, true)
        };
        self.status = 0;
        let Ok(pid) = pid else { return };
        // A group of its own, not the foreground: ^C and ^Z at the console are not for it.
        self.place(pid, &mut None);
        self.last_bg = Some(pid);
        let id = self.next_job_id();
        if self.interactive {
            write_fd(2, format!("[{id}] {pid}\n").as_bytes());
        }
        self.jobs.push(Job {
            id,
            done: vec![None],
            pids: vec![pid],
            text: item.text.trim_end_matches([' ', '&']).to_owned(),
            pgid: pid,
            stopped: false,
        });
    }

    /// Turns job control on: the shell leads a process group of its own, which gets the
    /// console (the kernel's job-control extension; a kernel without it leaves it off).
    fn take_console(&mut self) {
        self.job_control =
            w::setpgid(0, 0).is_ok() && w::getpgid(0).is_ok_and(|own| w::tty_setpgrp(own).is_ok());
    }

    fn next_job_id(&self) -> u32 {
        self.jobs.iter().map(|j| j.id).max().unwrap_or(0) + 1
    }

    /// With job control, puts a new child `pid` in the job's process group: the group
    /// `pgid` names, or (the job's first process) a new one, which `pgid` then names.
    fn place(&self, pid: Pid, pgid: &mut Option<Pid>) {
        if self.job_control {
            let group = *pgid.get_or_insert(pid);
            let _ = w::setpgid(pid, group);
        }
    }

    /// Waits for a new foreground job's processes, in order: the last one's status and
    /// killing signal. With job control the job is a [`Job`] whose group has the console
    /// meanwhile ([`Shell::run_in_foreground`]).
    fn wait_foreground(&mut self, pids: Vec<Pid>, text: String) -> (i32, Option<u8>) {
        if !self.job_control || pids.is_empty() {
            let mut last = (0, None);
            for pid in pids {
                last = join_sig(pid);
                self.interrupted(last.1);
            }
            return last;
        }
        let job = Job {
            id: 0,
            done: vec![None; pids.len()],
            pgid: pids[0],
            pids,
            text,
            stopped: false,
        };
        self.run_in_foreground(job)
    }

    /// Gives `job`'s group the console and waits for its processes; takes the console
    /// back after. A job that stops (^Z) goes to the job table (keeping its number, or
    /// getting one) and is reported; its status is then 128 + the stop signal, as bash's.
    fn run_in_foreground(&mut self, mut job: Job) -> (i32, Option<u8>) {
        let own = w::getpgid(0).unwrap_or(self.pid);
        let _ = w::tty_setpgrp(job.pgid);
        let mut last = (0, None);
        let mut stop = None;
        for (pid, done) in job.pids.iter().zip(job.done.iter_mut()) {
            if let Some(st) = *done {
                last = (st, None);
                continue;
            }
            match join_job(*pid) {
                Ok((st, sig)) => {
                    *done = Some(st);
                    last = (st, sig);
                    self.interrupted(sig);
                }
                Err(sig) => {
                    stop = Some(sig);
                    break;
                }
            }
        }
        let _ = w::tty_setpgrp(own);
        if let Some(sig) = stop {
            if job.id == 0 {
                job.id = self.next_job_id();
            }
            job.stopped = true;
            write_fd(
                2,
                format!("[{}]+  Stopped  {}\n", job.id, job.text).as_bytes(),
            );
            self.jobs.push(job);
            self.jobs.sort_by_key(|j| j.id);
            if self.interactive && self.flow.is_none() {
                // Like ^C, a stop ends the command line at the prompt.
                self.flow = Some(Flow::Interrupt);
            }
            return (128 + i32::from(sig), None);
        }
        last
    }

    // ---- commands ------------------------------------------------------------------

    fn run_command(&mut self, cmd: &Command) -> i32 {
        match cmd {
            Command::Simple(s) => {
                self.line = s.line;
                self.run_simple(s)
            }
            Command::Compound(c, redirs, line) => {
                self.line = *line;
                let mut saved = Vec::new();
                if let Err(st) = self.redirect(redirs, &mut saved) {
                    self.restore(saved);
                    self.status = st;
                    return st;
                }
                let st = self.run_compound(c);
                self.restore(saved);
                st
            }
            Command::Func(name, body, text) => {
                self.funcs
                    .insert(name.clone(), (body.clone(), text.clone()));
                0
            }
        }
    }

    fn run_compound(&mut self, c: &Compound) -> i32 {
        match c {
            Compound::Brace(list) => self.run_list(list),
            Compound::Subshell(_, text) => {
                let line = self.line;
                match self.spawn_shell(text, line, false) {
                    Ok(pid) => {
                        self.place(pid, &mut None);
                        self.wait_foreground(vec![pid], text.clone()).0
                    }
                    Err(st) => st,
                }
            }
            Compound::If {
                branches,
                otherwise,
            } => {
                for (cond, body) in branches {
                    self.errexit_off += 1;
                    let st = self.run_list(cond);
                    self.errexit_off -= 1;
                    if self.flow.is_some() {
                        return self.status;
                    }
                    if st == 0 {
                        return self.run_list(body);
                    }
                }
                match otherwise {
                    Some(list) => self.run_list(list),
                    None => {
                        self.status = 0;
                        0
                    }
                }
            }
            Compound::Loop { until, cond, body } => {
                let mut st = 0;
                self.loops += 1;
                loop {
                    self.errexit_off += 1;
                    let c = self.run_list(cond);
                    self.errexit_off -= 1;
                    if self.flow.is_some() || (c == 0) == *until {
                        if self.loop_flow() {
                            continue;
                        }
                        break;
                    }
                    st = self.run_list(body);
                    if self.flow.is_some() && !self.loop_flow() {
                        break;
                    }
                }
                self.loops -= 1;
                self.status = st;
                st
            }
            Compound::For { var, words, body } => {
                let items = match words {
                    Some(ws) => match expand::fields(ws, self) {
                        Ok(v) => v,
                        Err(msg) => return self.fatal(&msg, 2),
                    },
                    None => self.positional.clone(),
                };
                let mut st = 0;
                self.loops += 1;
                for it in items {
                    if let Err(msg) = self.set_var(var, it) {
                        st = self.fatal(&msg, 2);
                        break;
                    }
                    st = self.run_list(body);
                    if self.flow.is_some() && !self.loop_flow() {
                        break;
                    }
                }
                self.loops -= 1;
                self.status = st;
                st
            }
            Compound::Case { word, arms } => {
                let w = match expand::string(word, self) {
                    Ok(s) => s,
                    Err(msg) => return self.fatal(&msg, 2),
                };
                for arm in arms {
                    for pat in &arm.patterns {
                        let p = match expand::pattern(pat, self) {
                            Ok(p) => p,
                            Err(msg) => return self.fatal(&msg, 2),
                        };
                        if expand::matches(&p, &w) {
                            self.status = 0;
                            return self.run_list(&arm.body);
                        }
                    }
                }
                self.status = 0;
                0
            }
        }
    }

    /// After a loop body or condition left with `self.flow` set: whether the loop goes
    /// on (`continue` for this loop), else it ends.
    fn loop_flow(&mut self) -> bool {
        match self.flow {
            Some(Flow::Break(n)) => {
                self.flow = (n > 1).then_some(Flow::Break(n - 1));
                false
            }
            Some(Flow::Continue(n)) if n > 1 => {
                self.flow = Some(Flow::Continue(n - 1));
                false
            }
            Some(Flow::Continue(_)) => {
                self.flow = None;
                true
            }
            _ => false,
        }
    }

    fn run_simple(&mut self, s: &parser::Simple) -> i32 {
        self.subst_status = None;
        let argv = match expand::fields(&s.words, self) {
            Ok(a) => a,
            Err(msg) => return self.fatal(&msg, 2),
        };
        let mut assigns = Vec::new();
        for (name, value) in &s.assigns {
            match expand::string(value, self) {
                // Alone, each assignment is made before the next is expanded.
                Ok(v) if argv.is_empty() => {
                    if let Err(msg) = self.set_var(name, v.clone()) {
                        return self.fatal(&msg, 2);
                    }
                    assigns.push((name.clone(), v));
                }
                Ok(v) => assigns.push((name.clone(), v)),
                Err(msg) => return self.fatal(&msg, 2),
            }
        }
        if self.opts.xtrace {
            let mut line = String::from("+");
            for (n, v) in &assigns {
                line.push_str(&format!(" {n}={v}"));
            }
            for a in &argv {
                line.push(' ');
                line.push_str(a);
            }
            line.push('\n');
            write_fd(2, line.as_bytes());
        }
        if argv.is_empty() {
            // The assignments were made as they were expanded.
            let st = self.subst_status.unwrap_or(0);
            let mut saved = Vec::new();
            let r = self.redirect(&s.redirs, &mut saved);
            self.restore(saved);
            self.status = r.err().unwrap_or(st);
            return self.status;
        }
        let name = argv[0].as_str();
        // `exec` with only redirections keeps them.
        if name == "exec" && argv.len() == 1 {
            let mut saved = Vec::new();
            let r = self.redirect(&s.redirs, &mut saved);
            for sv in saved {
                if let Some(b) = sv.backup {
                    let _ = w::close(b);
                }
            }
            self.status = r.err().unwrap_or(0);
            return self.status;
        }
        let mut saved = Vec::new();
        if let Err(st) = self.redirect(&s.redirs, &mut saved) {
            self.restore(saved);
            self.status = st;
            return st;
        }
        let st = if SPECIAL.contains(&name) {
            for (n, v) in &assigns {
                if let Err(msg) = self.set_var(n, v.clone()) {
                    self.restore(saved);
                    return self.fatal(&msg, 2);
                }
            }
            self.builtin(&argv)
        } else if let Some((body, _)) = self.funcs.get(name).cloned() {
            let old = self.push_temp_vars(&assigns);
            let st = self.call_function(&body, &argv);
            self.pop_temp_vars(old);
            st
        } else if REGULAR.contains(&name) {
            let old = self.push_temp_vars(&assigns);
            let st = self.builtin(&argv);
            self.pop_temp_vars(old);
            st
        } else {
            let env = self.env_string(&assigns);
            match self.spawn_program(&argv, &env, false) {
                Ok(pid) => {
                    self.place(pid, &mut None);
                    let (st, sig) = self.wait_foreground(vec![pid], argv.join(" "));
                    report_signal(sig);
                    st
                }
                Err(st) => st,
            }
        };
        self.restore(saved);
        self.status = st;
        st
    }

    /// Asks the kernel for signals while a trap names one (`trap '' SIG` included).
    fn catch_trapped_signals(&self) {
        let mask = self
            .traps
            .keys()
            .filter(|&&s| s > 0 && s < 64)
            .fold(0u64, |m, &s| m | 1 << s);
        TRAPPED.store(mask, Ordering::Relaxed);
        w::callback_signal(if mask == 0 { "" } else { "__wasm_signal" });
    }

    /// Runs the traps of signals that arrived, `$?` kept.
    fn run_pending_traps(&mut self) {
        let pending = PENDING.swap(0, Ordering::Relaxed);
        if pending == 0 {
            return;
        }
        for sig in 1..64u8 {
            if pending & (1 << sig) == 0 {
                continue;
            }
            if let Some(action) = self.traps.get(&sig).cloned()
                && !action.is_empty()
            {
                let st = self.status;
                let line = self.line;
                self.run_text(&action, line);
                if self.flow != Some(Flow::Exit) {
                    self.status = st;
                }
            }
        }
    }

    /// At the prompt, a foreground job killed by ^C ends the whole command line.
    fn interrupted(&mut self, sig: Option<u8>) {
        if self.interactive && sig == Some(SIGINT) && self.flow.is_none() {
            self.flow = Some(Flow::Interrupt);
        }
    }

    /// `NAME=value cmd` for a function or regular builtin: set for the command only.
    fn push_temp_vars(&mut self, assigns: &[(String, String)]) -> Vec<(String, Option<Var>)> {
        let mut old = Vec::new();
        for (n, v) in assigns {
            old.push((n.clone(), self.vars.get(n).cloned()));
            let _ = self.set_var(n, v.clone());
            if let Some(var) = self.vars.get_mut(n) {
                var.exported = true;
            }
        }
        old
    }

    fn pop_temp_vars(&mut self, old: Vec<(String, Option<Var>)>) {
        for (n, v) in old.into_iter().rev() {
            match v {
                Some(v) => {
                    self.vars.insert(n, v);
                }
                None => {
                    self.vars.remove(&n);
                }
            }
        }
    }

    fn call_function(&mut self, body: &Command, argv: &[String]) -> i32 {
        let saved = std::mem::replace(&mut self.positional, argv[1..].to_vec());
        let loops = std::mem::replace(&mut self.loops, 0);
        self.locals.push(Vec::new());
        let st = self.run_command(body);
        let st = if self.flow == Some(Flow::Return) {
            self.flow = None;
            self.status
        } else {
            st
        };
        if let Some(frame) = self.locals.pop() {
            self.pop_temp_vars(frame);
        }
        self.loops = loops;
        self.positional = saved;
        self.status = st;
        st
    }

    /// `proc_spawn2` of `argv[0]`; on failure prints why and returns the status (127
    /// not found, 126 not executable).
    fn spawn_program(&self, argv: &[String], env: &str, background: bool) -> Result<Pid, i32> {
        let name = argv[0].as_str();
        let args: Vec<&str> = argv.iter().map(String::as_str).collect();
        let sigdisp = self.sigdisp(background);
        let search = !name.contains('/');
        let path = self.search_path();
        let mut result = w::spawn2_env(name, &args, Some(env), &[], &sigdisp, search, &path);
        if result == Err(errno::NOEXEC)
            && let Some(file) = self.find_program(name)
            && !is_webassembly(&file)
        {
            // Not WebAssembly: a shell script, run by a new shell (as POSIX says for
            // ENOEXEC), so `./script.sh` works with or without a `#!` line.
            let mut script: Vec<&str> = vec!["sh", &file];
            script.extend(&args[1..]);
            result = w::spawn2_env("sh", &script, Some(env), &[], &sigdisp, true, SYSTEM_PATH);
        }
        match result {
            Ok(pid) => Ok(pid),
            Err(errno::NOENT) => {
                self.error(&format!("{name}: not found"));
                Err(127)
            }
            Err(e) => {
                self.error(&format!("{name}: cannot execute: {}", strerror(e)));
                Err(126)
            }
        }
    }

    // ---- redirections --------------------------------------------------------------

    fn save(&self, fd: Fd, saved: &mut Vec<Saved>) {
        if saved.iter().any(|s| s.fd == fd) {
            return;
        }
        let backup = w::dup2(fd, SAVE_MIN, true).ok();
        saved.push(Saved { fd, backup });
    }

    /// Puts back the descriptors `redirect` replaced, last first.
    fn restore(&mut self, saved: Vec<Saved>) {
        for s in saved.into_iter().rev() {
            match s.backup {
                Some(b) => {
                    let _ = move_fd(b, s.fd);
                    // The copy is not CLOEXEC (wasmer's `dup2`); say so in any case.
                    let _ = w::fdflags_set(s.fd, 0);
                }
                None => {
                    let _ = w::close(s.fd);
                }
            }
        }
    }

    /// Makes `redirs` in this shell's table, recording what they replaced in `saved`.
    fn redirect(&mut self, redirs: &[Redir], saved: &mut Vec<Saved>) -> Result<(), i32> {
        for r in redirs {
            let fd = r.fd;
            if let Some(body) = &r.body {
                let word = body.borrow().clone();
                let text = match expand::string(&word, self) {
                    Ok(t) => t,
                    Err(msg) => return Err(self.fatal(&msg, 2)),
                };
                let (pr, pw) = new_pipe().map_err(|e| {
                    self.error(&format!("pipe: {}", strerror(e)));
                    2
                })?;
                self.fill_pipe(pw, text.into_bytes());
                let _ = w::close(pw);
                self.save(fd, saved);
                let _ = move_fd(pr, fd);
                let _ = w::fdflags_set(fd, 0);
                continue;
            }
            let target = match expand::string(&r.target, self) {
                Ok(t) => t,
                Err(msg) => return Err(self.fatal(&msg, 2)),
            };
            if matches!(r.op, RedirOp::DupIn | RedirOp::DupOut) {
                self.save(fd, saved);
                if target == "-" {
                    let _ = w::close(fd);
                    continue;
                }
                let Ok(src) = target.parse::<Fd>() else {
                    self.error("Syntax error: Bad fd number");
                    return Err(2);
                };
                if src == fd {
                    continue;
                }
                match w::dup(src) {
                    Ok(d) => {
                        let _ = move_fd(d, fd);
                    }
                    Err(_) => {
                        self.error(&format!("{target}: Bad file descriptor"));
                        return Err(2);
                    }
                }
                continue;
            }
            let mut o = std::fs::OpenOptions::new();
            let creating = match r.op {
                RedirOp::In => {
                    o.read(true);
                    false
                }
                RedirOp::Out => {
                    o.write(true).create(true).truncate(true);
                    true
                }
                RedirOp::Append => {
                    o.append(true).create(true);
                    true
                }
                _ => {
                    o.read(true).write(true).create(true);
                    true
                }
            };
            match o.open(&target) {
                Ok(f) => {
                    use std::os::fd::IntoRawFd;
                    let raw = f.into_raw_fd() as Fd;
                    self.save(fd, saved);
                    if raw != fd {
                        let _ = move_fd(raw, fd);
                    }
                    let _ = w::fdflags_set(fd, 0);
                }
                Err(e) => {
                    let why = match e.raw_os_error().map(|n| n as Errno) {
                        Some(errno::NOENT) if creating => "Directory nonexistent".to_owned(),
                        Some(errno::NOENT) | None => "No such file".to_owned(),
                        Some(n) => strerror(n),
                    };
                    let verb = if creating { "create" } else { "open" };
                    self.error(&format!("cannot {verb} {target}: {why}"));
                    return Err(2);
                }
            }
        }
        Ok(())
    }

    // ---- jobs ----------------------------------------------------------------------

    /// Reaps ended job processes without blocking; with job control also notes jobs that
    /// stopped (a background job reading the console), returning their numbers.
    fn poll_jobs(&mut self) -> Vec<u32> {
        let flags = JOIN_NON_BLOCKING
            | if self.job_control {
                w::JOIN_WAKE_STOPPED
            } else {
                0
            };
        let mut stopped = Vec::new();
        for job in &mut self.jobs {
            for (pid, done) in job.pids.iter().zip(job.done.iter_mut()) {
                if done.is_none()
                    && let Ok((_, status)) = w::join(Some(*pid), flags)
                {
                    if let Status::Stopped(_) = status {
                        if !job.stopped {
                            job.stopped = true;
                            stopped.push(job.id);
                        }
                        continue;
                    }
                    *done = exit_status(status);
                }
            }
        }
        stopped
    }

    /// Interactive: reports the jobs that stopped, and (forgetting them) those that ended.
    fn notify_jobs(&mut self) {
        let stopped = self.poll_jobs();
        let mut report = String::new();
        for job in self.jobs.iter().filter(|j| stopped.contains(&j.id)) {
            report.push_str(&format!("[{}]+  Stopped  {}\n", job.id, job.text));
        }
        self.jobs.retain(|job| match job.status() {
            Some(st) => {
                report.push_str(&format!(
                    "[{}]  {}  {}\n",
                    job.id,
                    state(Some(st), false),
                    job.text
                ));
                false
            }
            None => true,
        });
        write_fd(2, report.as_bytes());
    }

    /// Waits for every process of the job at `idx`; its status.
    fn wait_job(&mut self, idx: usize) -> i32 {
        let job = &mut self.jobs[idx];
        for (pid, done) in job.pids.iter().zip(job.done.iter_mut()) {
            if done.is_none() {
                let (st, sig) = join_sig(*pid);
                report_signal(sig);
                *done = Some(st);
            }
        }
        job.status().unwrap_or(0)
    }

    /// Runs the EXIT trap (once) and ends the process.
    fn exit(&mut self) -> ! {
        if let Some(action) = self.traps.remove(&0)
            && !action.is_empty()
        {
            let st = self.status;
            self.flow = None;
            self.run_text(&action, self.line);
            if self.flow != Some(Flow::Exit) {
                self.status = st;
            }
        }
        std::process::exit(self.status & 0xff)
    }
}

/// Builtins that only compute and print: a `$(…)` of these can run in-process.
const INLINE_BUILTINS: [&str; 7] = ["echo", "printf", "test", "[", "true", "false", ":"];

/// Whether a `$(…)` program can run in-process ([`Shell::inline_capture`]): no
/// programs, functions, redirections, background or pipelines, subshells.
fn inline_list(list: &Program) -> bool {
    list.iter().all(|item| {
        !item.background
            && [&item.and_or.first]
                .into_iter()
                .chain(item.and_or.rest.iter().map(|(_, p)| p))
                .all(|p| p.cmds.len() == 1 && inline_command(&p.cmds[0]))
    })
}

fn inline_command(cmd: &Command) -> bool {
    match cmd {
        Command::Simple(s) => {
            s.redirs.is_empty()
                && match s.words.first() {
                    None => true,
                    Some(w) => literal(w).is_some_and(|n| INLINE_BUILTINS.contains(&n.as_str())),
                }
        }
        Command::Compound(c, redirs, _) => {
            redirs.is_empty()
                && match c {
                    Compound::Brace(l) => inline_list(l),
                    Compound::Subshell(..) => false,
                    Compound::If {
                        branches,
                        otherwise,
                    } => {
                        branches
                            .iter()
                            .all(|(c, b)| inline_list(c) && inline_list(b))
                            && otherwise.as_ref().is_none_or(inline_list)
                    }
                    Compound::Loop { cond, body, .. } => inline_list(cond) && inline_list(body),
                    Compound::For { body, .. } => inline_list(body),
                    Compound::Case { arms, .. } => arms.iter().all(|a| inline_list(&a.body)),
                }
        }
        Command::Func(..) => false,
    }
}

/// The literal text of a word with no expansions.
fn literal(w: &Word) -> Option<String> {
    let mut s = String::new();
    for p in w {
        match p {
            Part::Lit(t) | Part::Quoted(t) => s.push_str(t),
            _ => return None,
        }
    }
    Some(s)
}

fn state(status: Option<i32>, stopped: bool) -> String {
    match status {
        None if stopped => "Stopped".to_owned(),
        None => "Running".to_owned(),
        Some(0) => "Done".to_owned(),
        Some(n) => format!("Exit {n}"),
    }
}

// ---- input sources -------------------------------------------------------------------

enum Input {
    Text { text: String, pos: usize },
    Stdin,
}

impl Input {
    /// The next line with its `\n` (the last one may lack it); `None` at the end.
    fn next_line(&mut self) -> Option<String> {
        match self {
            Input::Text { text, pos } => {
                if *pos >= text.len() {
                    return None;
                }
                let rest = &text[*pos..];
                let len = rest.find('\n').map_or(rest.len(), |i| i + 1);
                *pos += len;
                Some(rest[..len].to_owned())
            }
            Input::Stdin => {
                // One byte at a time, so that commands can read the rest of stdin.
                let mut line = Vec::new();
                let mut b = [0u8; 1];
                loop {
                    match w::read(0, &mut b) {
                        Ok(1) => {
                            line.push(b[0]);
                            if b[0] == b'\n' {
                                break;
                            }
                        }
                        Err(errno::AGAIN) | Err(errno::INTR) => {}
                        _ => break,
                    }
                }
                (!line.is_empty()).then(|| String::from_utf8_lossy(&line).into_owned())
            }
        }
    }
}

const USAGE: &str = "usage: sh [-eux] [-i] [-c COMMAND [NAME [ARG]...] | SCRIPT [ARG]...]\n";

/// `sh [-eux] [-i] [-c CMD [NAME [ARGS]...] | SCRIPT [ARGS]...]`.
pub fn main() -> ! {
    let argv: Vec<String> = std::env::args().collect();
    let mut sh = Shell::new();
    if let Some(cmd) = sh.child_command.take() {
        // A child shell: the parent's state is restored; run its command.
        let line = sh.line;
        sh.run_text(&cmd, line);
        sh.exit();
    }
    let mut i = 1;
    let (mut command, mut force_interactive) = (false, false);
    while let Some(a) = argv.get(i) {
        match a.as_str() {
            "-c" => command = true,
            "-i" => force_interactive = true,
            "-s" => {}
            "--" => {
                i += 1;
                break;
            }
            _ if a.starts_with('-') && a.len() > 1 => {
                for c in a[1..].chars() {
                    match c {
                        'c' => command = true,
                        'i' => force_interactive = true,
                        's' => {}
                        _ if sh.set_option(c, true) => {}
                        _ => {
                            write_fd(2, format!("sh: -{c}: unknown option\n{USAGE}").as_bytes());
                            std::process::exit(2);
                        }
                    }
                }
            }
            _ if a.starts_with('+') && a.len() > 1 => {
                for c in a[1..].chars() {
                    sh.set_option(c, false);
                }
            }
            _ => break,
        }
        i += 1;
    }
    let input = if command {
        // The kernel drops empty arguments: `sh -c ''` arrives as `sh -c`.
        let text = argv.get(i).cloned().unwrap_or_default();
        if let Some(name) = argv.get(i + 1) {
            sh.arg0 = name.clone();
            sh.positional = argv[i + 2..].to_vec();
        }
        Input::Text { text, pos: 0 }
    } else if let Some(script) = argv.get(i) {
        sh.arg0 = script.clone();
        sh.positional = argv[i + 1..].to_vec();
        match std::fs::read(script) {
            Ok(bytes) => Input::Text {
                text: String::from_utf8_lossy(&bytes).into_owned(),
                pos: 0,
            },
            Err(e) => {
                write_fd(
                    2,
                    format!("sh: 0: cannot open {script}: {}\n", open_error(&e)).as_bytes(),
                );
                std::process::exit(2);
            }
        }
    } else {
        let on_console = w::tty_get().is_ok_and(|t| t.stdin_tty);
        sh.interactive = force_interactive || on_console;
        if on_console {
            sh.take_console();
        }
        Input::Stdin
    };
    sh.run_input(input);
    sh.exit()
}

fn open_error(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::NotFound => "No such file",
        std::io::ErrorKind::PermissionDenied => "Permission denied",
        _ => "No such file",
    }
}

/// Whether `path` starts with WebAssembly's magic: such a file the kernel refused (a trap
/// in its start section, a bad import) is not a shell script to run instead.
fn is_webassembly(path: &str) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|()| magic == *b"\0asm")
}
