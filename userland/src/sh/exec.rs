//! The executor: runs parsed programs with the WASIX process calls (wasm32 only).
//!
//! - External commands: `proc_spawn2` with the exported variables as the environment, a
//!   bare name searched on `$PATH` (default `/bin:/usr/bin`), and the descriptor setup as
//!   ordered fd actions: pipeline ends first (DUP2 of the pipe ends to 0/1, then CLOSE of
//!   every pipe descriptor of the pipeline), then the redirections in source order
//!   (`<`, `>`, `>>`, `<>` → OPEN; `n>&m`, `n<&m` → DUP2; `n>&-` → CLOSE). The kernel
//!   opens redirection files relative to the child's (= our) working directory.
//! - Pipelines: all pipes are made first, every stage is spawned, then the shell closes its
//!   copies of the pipe ends and joins the stages in order; the status is the last one's.
//! - Builtins run in the shell. Their output goes straight to fds 1/2 — or, when they
//!   are redirected or in a pipeline, through a `cat` child that gets the same fd actions
//!   and reads the output from a fresh pipe (the shell never opens files itself).
//!   In a pipeline or in the background, builtins do not change the shell's state.
//! - `cmd &`: a pipeline is spawned without waiting (a job); a longer and-or list in the
//!   background runs as `sh -c 'LIST'`.

use std::collections::BTreeMap;

use userland::wasix_sys::{
    self as w, Errno, FD_CLOEXEC, Fd, JOIN_NON_BLOCKING, Pid, Status, errno,
};
use wasix::{ProcSpawnFdOp, SignalDisposition};

use super::expand::{self, Vars};
use super::lexer::{Error, RedirOp};
use super::parser::{self, AndOr, Command, Connector, Item, Pipeline, Redir};

/// Where the shell's helper children (`true`, `cat`, `sh`) are looked up.
const SYSTEM_PATH: &str = "/bin:/usr/bin";
const SIGINT: u8 = 2;
const SIGQUIT: u8 = 3;

// proc_spawn2 OPEN flags.
const O_CREAT: u16 = 1;
const O_TRUNC: u16 = 8;
const FD_APPEND: u16 = 1;

struct Var {
    value: Option<String>,
    exported: bool,
}

struct Job {
    id: u32,
    pids: Vec<Pid>,
    /// The status of each pid once reaped.
    done: Vec<Option<i32>>,
    text: String,
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

/// One redirection, expanded.
#[derive(Clone)]
enum Rd {
    Open {
        fd: u32,
        path: String,
        oflags: u16,
        fdflags: u16,
    },
    Dup {
        fd: u32,
        src: u32,
    },
    Close {
        fd: u32,
    },
}

impl Rd {
    fn fd(&self) -> u32 {
        match *self {
            Rd::Open { fd, .. } | Rd::Dup { fd, .. } | Rd::Close { fd } => fd,
        }
    }

    fn op(&self) -> ProcSpawnFdOp {
        match self {
            Rd::Open {
                fd,
                path,
                oflags,
                fdflags,
            } => w::fd_op_open(*fd, path, *oflags, *fdflags),
            Rd::Dup { fd, src } => w::fd_op_dup2(*src, *fd),
            Rd::Close { fd } => w::fd_op_close(*fd),
        }
    }
}

/// How a command runs.
#[derive(Clone, Copy)]
struct Ctx {
    /// In a pipeline or in the background: builtins leave the shell's state alone.
    subshell: bool,
    background: bool,
}

/// The processes of one pipeline stage, and its status when not theirs (a builtin).
#[derive(Default)]
struct Stage {
    pids: Vec<Pid>,
    status: Option<i32>,
}

impl Stage {
    fn done(status: i32) -> Self {
        Stage {
            pids: Vec::new(),
            status: Some(status),
        }
    }
}

#[derive(Default)]
struct Output {
    out: Vec<u8>,
    err: Vec<u8>,
}

impl Output {
    fn out(&mut self, s: &str) {
        self.out.extend_from_slice(s.as_bytes());
    }
    fn err(&mut self, s: &str) {
        self.err.extend_from_slice(s.as_bytes());
    }
}

/// Data to write into a `cat` child's stdin pipe once the whole pipeline is running.
type Feeds = Vec<(Fd, Vec<u8>)>;

pub struct Shell {
    vars: BTreeMap<String, Var>,
    arg0: String,
    positional: Vec<String>,
    status: i32,
    pid: Pid,
    last_bg: Option<Pid>,
    jobs: Vec<Job>,
    interactive: bool,
    exit_req: Option<i32>,
}

impl Vars for Shell {
    fn get(&self, name: &str) -> Option<String> {
        match name {
            "?" => Some(self.status.to_string()),
            "$" => Some(self.pid.to_string()),
            "!" => self.last_bg.map(|p| p.to_string()),
            "#" => Some(self.positional.len().to_string()),
            "0" => Some(self.arg0.clone()),
            _ if name.bytes().all(|b| b.is_ascii_digit()) => name
                .parse::<usize>()
                .ok()
                .and_then(|n| self.positional.get(n.wrapping_sub(1)))
                .cloned(),
            _ => self.vars.get(name).and_then(|v| v.value.clone()),
        }
    }

    fn positional(&self) -> &[String] {
        &self.positional
    }
}

fn write_fd(fd: Fd, bytes: &[u8]) {
    let _ = w::write_all(fd, bytes);
}

fn eprint(msg: &str) {
    write_fd(2, msg.as_bytes());
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
        76 => "Capabilities insufficient",
        _ => return w::show(e),
    };
    text.to_owned()
}

fn is_builtin(name: &str) -> bool {
    matches!(
        name,
        "cd" | "pwd"
            | "exit"
            | "export"
            | "unset"
            | "jobs"
            | "wait"
            | "true"
            | "false"
            | ":"
            | "shift"
    )
}

/// `fd_pipe`, with both ends moved to descriptors ≥ 3 (stdio may be closed).
fn new_pipe() -> Result<(Fd, Fd), Errno> {
    let (r, wr) = w::pipe()?;
    let high = |fd: Fd| -> Result<Fd, Errno> {
        if fd >= 3 {
            return Ok(fd);
        }
        let d = w::dup2(fd, 10, false)?;
        let _ = w::close(fd);
        Ok(d)
    };
    Ok((high(r)?, high(wr)?))
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
    loop {
        match w::join(Some(pid), 0) {
            Ok((_, status)) => match exit_status(status) {
                Some(s) => return s,
                None => {
                    let _ = w::sleep_ms(5);
                }
            },
            Err(errno::AGAIN) | Err(27 /* INTR */) => {}
            Err(_) => return 127,
        }
    }
}

/// `dir` + `path` unless `path` is absolute.
fn absolute(path: &str) -> String {
    if path.starts_with('/') {
        return path.to_owned();
    }
    let cwd = w::getcwd().unwrap_or_else(|_| "/".to_owned());
    format!("{}/{path}", cwd.trim_end_matches('/'))
}

impl Shell {
    fn new() -> Self {
        let mut vars = BTreeMap::new();
        for (k, v) in std::env::vars_os() {
            let (k, v) = (k.to_string_lossy(), v.to_string_lossy().into_owned());
            vars.insert(
                k.into_owned(),
                Var {
                    value: Some(v),
                    exported: true,
                },
            );
        }
        let mut sh = Shell {
            vars,
            arg0: "sh".to_owned(),
            positional: Vec::new(),
            status: 0,
            pid: w::proc_id().unwrap_or(0),
            last_bg: None,
            jobs: Vec::new(),
            interactive: false,
            exit_req: None,
        };
        if let Ok(cwd) = w::getcwd() {
            sh.set_var("PWD", cwd);
        }
        sh
    }

    fn set_var(&mut self, name: &str, value: String) {
        match self.vars.get_mut(name) {
            Some(v) => v.value = Some(value),
            None => {
                self.vars.insert(
                    name.to_owned(),
                    Var {
                        value: Some(value),
                        exported: false,
                    },
                );
            }
        }
    }

    /// The `K=V\n` environment list: exported variables (or all of them), plus `extra`.
    fn env_string(&self, extra: &[(String, String)], all: bool) -> String {
        let mut map: BTreeMap<&str, &str> = self
            .vars
            .iter()
            .filter(|(_, v)| all || v.exported)
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

    // ---- input ---------------------------------------------------------------------

    fn run_input(&mut self, mut input: Input) {
        let mut buf = String::new();
        loop {
            if self.interactive {
                if buf.is_empty() {
                    self.notify_jobs();
                }
                eprint(if buf.is_empty() { "$ " } else { "> " });
            }
            let Some(line) = input.next_line() else {
                if !buf.trim().is_empty() {
                    eprint("sh: syntax error: unexpected end of file\n");
                    self.status = 2;
                }
                if self.interactive {
                    eprint("exit\n");
                }
                return;
            };
            buf.push_str(&line);
            match parser::parse(&buf) {
                Err(Error::Incomplete) => continue,
                Err(Error::Syntax(msg)) => {
                    eprint(&format!("sh: syntax error: {msg}\n"));
                    self.status = 2;
                    buf.clear();
                    if !self.interactive {
                        self.exit_req = Some(2);
                        return;
                    }
                }
                Ok(program) => {
                    let src = std::mem::take(&mut buf);
                    for item in &program {
                        self.run_item(item, &src);
                        if self.exit_req.is_some() {
                            return;
                        }
                    }
                }
            }
        }
    }

    // ---- lists ---------------------------------------------------------------------

    fn run_item(&mut self, item: &Item, src: &str) {
        if item.background {
            self.run_background(item, src);
        } else {
            self.run_and_or(&item.and_or);
        }
    }

    fn run_and_or(&mut self, ao: &AndOr) {
        self.status = self.run_pipeline(&ao.first);
        for (conn, p) in &ao.rest {
            if self.exit_req.is_some() {
                return;
            }
            let run = match conn {
                Connector::And => self.status == 0,
                Connector::Or => self.status != 0,
            };
            if run {
                self.status = self.run_pipeline(p);
            }
        }
    }

    fn run_pipeline(&mut self, p: &Pipeline) -> i32 {
        let stages = self.spawn_pipeline(p, false);
        let mut last = 0;
        for stage in stages {
            let mut st = 0;
            for pid in stage.pids {
                st = join(pid);
            }
            last = stage.status.unwrap_or(st);
        }
        if p.negate { i32::from(last == 0) } else { last }
    }

    fn run_background(&mut self, item: &Item, src: &str) {
        let text = src[item.start..item.end].trim().to_owned();
        let ctx = Ctx {
            subshell: true,
            background: true,
        };
        let pids: Vec<Pid> = if item.and_or.rest.is_empty() && !item.and_or.first.negate {
            self.spawn_pipeline(&item.and_or.first, true)
                .into_iter()
                .flat_map(|s| s.pids)
                .collect()
        } else {
            // A whole and-or list: run it in a child shell (which also gets the
            // unexported variables, as its environment).
            let script = text.replace(['\n', '\r'], " ");
            let env = self.env_string(&[], true);
            let argv = ["sh".to_owned(), "-c".to_owned(), script];
            self.spawn_prog(&argv, &env, &[], &[], ctx, Some(SYSTEM_PATH))
                .into_iter()
                .collect()
        };
        self.status = 0;
        let Some(&last) = pids.last() else { return };
        self.last_bg = Some(last);
        let id = self.jobs.iter().map(|j| j.id).max().unwrap_or(0) + 1;
        if self.interactive {
            eprint(&format!("[{id}] {last}\n"));
        }
        self.jobs.push(Job {
            id,
            done: vec![None; pids.len()],
            pids,
            text,
        });
    }

    /// Spawns every stage of `p` (builtins run here): the stages, in order.
    fn spawn_pipeline(&mut self, p: &Pipeline, background: bool) -> Vec<Stage> {
        let n = p.cmds.len();
        let mut pipes: Vec<(Fd, Fd)> = Vec::new();
        for _ in 1..n {
            match new_pipe() {
                Ok(pair) => pipes.push(pair),
                Err(e) => {
                    eprint(&format!("sh: pipe: {}\n", strerror(e)));
                    for (r, wr) in pipes {
                        let _ = w::close(r);
                        let _ = w::close(wr);
                    }
                    return vec![Stage::done(1)];
                }
            }
        }
        let all: Vec<Fd> = pipes.iter().flat_map(|&(r, wr)| [r, wr]).collect();
        let ctx = Ctx {
            subshell: n > 1 || background,
            background,
        };
        let mut feeds = Feeds::new();
        let mut stages = Vec::new();
        for (i, cmd) in p.cmds.iter().enumerate() {
            let mut base = Vec::new();
            if i > 0 {
                base.push(w::fd_op_dup2(pipes[i - 1].0, 0));
            }
            if i + 1 < n {
                base.push(w::fd_op_dup2(pipes[i].1, 1));
            }
            base.extend(all.iter().map(|&fd| w::fd_op_close(fd)));
            stages.push(self.run_command(cmd, &base, ctx, &mut feeds));
            if self.exit_req.is_some() && !ctx.subshell {
                break;
            }
        }
        for fd in all {
            let _ = w::close(fd);
        }
        for (fd, bytes) in feeds {
            write_fd(fd, &bytes);
            let _ = w::close(fd);
        }
        stages
    }

    // ---- simple commands -----------------------------------------------------------

    fn expand_words(&self, cmd: &Command) -> Vec<String> {
        let mut argv = Vec::new();
        for (i, word) in cmd.words.iter().enumerate() {
            // `export NAME=$VALUE`: the value is not split.
            if i > 0
                && argv.first().is_some_and(|a: &String| a == "export")
                && let Some((name, value)) = parser::assignment(word)
            {
                argv.push(format!("{name}={}", expand::string(&value, self)));
                continue;
            }
            argv.extend(expand::fields(word, self));
        }
        argv
    }

    fn redirections(&self, redirs: &[Redir]) -> Result<Vec<Rd>, String> {
        let mut out = Vec::new();
        for r in redirs {
            let target = expand::string(&r.target, self);
            let fd = r.fd;
            let (oflags, fdflags) = match r.op {
                RedirOp::In => (0, 0),
                RedirOp::Out => (O_CREAT | O_TRUNC, 0),
                RedirOp::Append => (O_CREAT, FD_APPEND),
                RedirOp::ReadWrite => (O_CREAT, 0),
                RedirOp::DupIn | RedirOp::DupOut => {
                    if target == "-" {
                        out.push(Rd::Close { fd });
                    } else if let Ok(src) = target.parse::<u32>() {
                        out.push(Rd::Dup { fd, src });
                    } else {
                        return Err(format!("sh: {target}: bad file descriptor\n"));
                    }
                    continue;
                }
            };
            if target.is_empty() {
                return Err("sh: : No such file or directory\n".to_owned());
            }
            out.push(Rd::Open {
                fd,
                path: target,
                oflags,
                fdflags,
            });
        }
        Ok(out)
    }

    /// Runs one simple command as a pipeline stage with the pipe actions `base`.
    fn run_command(
        &mut self,
        cmd: &Command,
        base: &[ProcSpawnFdOp],
        ctx: Ctx,
        feeds: &mut Feeds,
    ) -> Stage {
        let argv = self.expand_words(cmd);
        let rds = match self.redirections(&cmd.redirs) {
            Ok(r) => r,
            Err(msg) => {
                eprint(&msg);
                return Stage::done(1);
            }
        };
        if argv.is_empty() {
            let values: Vec<(String, String)> = cmd
                .assigns
                .iter()
                .map(|(n, v)| (n.clone(), expand::string(v, self)))
                .collect();
            if !ctx.subshell {
                for (n, v) in values {
                    self.set_var(&n, v);
                }
            }
            if rds.is_empty() {
                return Stage::done(0);
            }
            // Redirections alone (`> file`): let `true` open them.
            let mut ops = base.to_vec();
            ops.extend(rds.iter().map(Rd::op));
            let argv = ["true".to_owned()];
            return self.stage(self.spawn_prog(&argv, "", &ops, &rds, ctx, Some(SYSTEM_PATH)));
        }
        if is_builtin(&argv[0]) {
            let mut o = Output::default();
            let status = self.builtin(&argv, ctx.subshell, &mut o);
            if base.is_empty() && rds.is_empty() {
                write_fd(1, &o.out);
                write_fd(2, &o.err);
                return Stage::done(status);
            }
            // Builtins read no input: input redirections are dropped (the `cat` children
            // read the output from their own pipe).
            let rds: Vec<Rd> = rds.into_iter().filter(|r| r.fd() != 0).collect();
            let mut stage = Stage::done(status);
            if !o.out.is_empty() || !rds.is_empty() {
                match self.feed_cat(o.out, base, &rds, false, ctx, feeds) {
                    Ok(pid) => stage.pids.push(pid),
                    Err(st) => return Stage::done(st),
                }
            }
            if !o.err.is_empty() {
                if rds.is_empty() {
                    write_fd(2, &o.err);
                } else if let Ok(pid) = self.feed_cat(o.err, base, &rds, true, ctx, feeds) {
                    stage.pids.push(pid);
                }
            }
            return stage;
        }
        let values: Vec<(String, String)> = cmd
            .assigns
            .iter()
            .map(|(n, v)| (n.clone(), expand::string(v, self)))
            .collect();
        let env = self.env_string(&values, false);
        let mut ops = base.to_vec();
        ops.extend(rds.iter().map(Rd::op));
        self.stage(self.spawn_prog(&argv, &env, &ops, &rds, ctx, None))
    }

    fn stage(&self, spawned: Result<Pid, i32>) -> Stage {
        match spawned {
            Ok(pid) => Stage {
                pids: vec![pid],
                status: None,
            },
            Err(status) => Stage::done(status),
        }
    }

    /// A `cat` child with the stage's actions that copies `bytes` (written later, from
    /// `feeds`) to its stdout, or to its fd 2 target when `to_stderr`.
    fn feed_cat(
        &self,
        bytes: Vec<u8>,
        base: &[ProcSpawnFdOp],
        rds: &[Rd],
        to_stderr: bool,
        ctx: Ctx,
        feeds: &mut Feeds,
    ) -> Result<Pid, i32> {
        let (r, wr) = new_pipe().map_err(|e| {
            eprint(&format!("sh: pipe: {}\n", strerror(e)));
            1
        })?;
        // The write end must reach no child.
        let _ = w::fdflags_set(wr, FD_CLOEXEC);
        let mut ops = base.to_vec();
        ops.push(w::fd_op_dup2(r, 0));
        ops.push(w::fd_op_close(r));
        ops.extend(rds.iter().map(Rd::op));
        if to_stderr {
            ops.push(w::fd_op_dup2(2, 1));
        }
        let argv = ["cat".to_owned()];
        let res = self.spawn_prog(&argv, "", &ops, rds, ctx, Some(SYSTEM_PATH));
        let _ = w::close(r);
        match res {
            Ok(pid) => {
                feeds.push((wr, bytes));
                Ok(pid)
            }
            Err(st) => {
                let _ = w::close(wr);
                Err(st)
            }
        }
    }

    /// `proc_spawn2` of `argv[0]`; on failure prints why and returns the status (127
    /// not found, 126 not executable, 1 for a failed redirection).
    fn spawn_prog(
        &self,
        argv: &[String],
        env: &str,
        ops: &[ProcSpawnFdOp],
        rds: &[Rd],
        ctx: Ctx,
        path: Option<&str>,
    ) -> Result<Pid, i32> {
        let name = argv[0].as_str();
        let args: Vec<&str> = argv.iter().map(String::as_str).collect();
        let sigdisp: Vec<SignalDisposition> = if ctx.background {
            vec![
                w::disposition(SIGINT, w::DISP_IGNORE),
                w::disposition(SIGQUIT, w::DISP_IGNORE),
            ]
        } else if self.interactive {
            vec![
                w::disposition(SIGINT, w::DISP_DEFAULT),
                w::disposition(SIGQUIT, w::DISP_DEFAULT),
            ]
        } else {
            Vec::new()
        };
        let search = !name.contains('/');
        let path = path.map_or_else(|| self.search_path(), str::to_owned);
        match w::spawn2_env(name, &args, Some(env), ops, &sigdisp, search, &path) {
            Ok(pid) => Ok(pid),
            Err(e) => {
                let (msg, status) = diagnose(name, e, rds);
                eprint(&msg);
                Err(status)
            }
        }
    }

    // ---- jobs ----------------------------------------------------------------------

    /// Reaps ended job processes without blocking.
    fn poll_jobs(&mut self) {
        for job in &mut self.jobs {
            for (pid, done) in job.pids.iter().zip(job.done.iter_mut()) {
                if done.is_none()
                    && let Ok((_, status)) = w::join(Some(*pid), JOIN_NON_BLOCKING)
                {
                    *done = exit_status(status);
                }
            }
        }
    }

    /// Interactive: reports (and forgets) the jobs that ended.
    fn notify_jobs(&mut self) {
        self.poll_jobs();
        let mut report = String::new();
        self.jobs.retain(|job| match job.status() {
            Some(st) => {
                report.push_str(&format!(
                    "[{}]  {}  {}\n",
                    job.id,
                    state(Some(st)),
                    job.text
                ));
                false
            }
            None => true,
        });
        eprint(&report);
    }

    /// Waits for every process of the job at `idx`; its status.
    fn wait_job(&mut self, idx: usize) -> i32 {
        let job = &mut self.jobs[idx];
        for (pid, done) in job.pids.iter().zip(job.done.iter_mut()) {
            if done.is_none() {
                *done = Some(join(*pid));
            }
        }
        job.status().unwrap_or(0)
    }

    // ---- builtins ------------------------------------------------------------------

    fn builtin(&mut self, argv: &[String], subshell: bool, o: &mut Output) -> i32 {
        let args = &argv[1..];
        match argv[0].as_str() {
            "true" | ":" => 0,
            "false" => 1,
            "pwd" => match w::getcwd() {
                Ok(cwd) => {
                    o.out(&format!("{cwd}\n"));
                    0
                }
                Err(e) => {
                    o.err(&format!("sh: pwd: {}\n", strerror(e)));
                    1
                }
            },
            "cd" => self.cd(args, subshell, o),
            "exit" => {
                let code = match args.first() {
                    None => self.status,
                    Some(a) => match a.parse::<i64>() {
                        Ok(n) => (n & 0xff) as i32,
                        Err(_) => {
                            o.err(&format!("sh: exit: {a}: numeric argument required\n"));
                            2
                        }
                    },
                };
                if !subshell {
                    self.exit_req = Some(code);
                }
                code
            }
            "export" => self.export(args, subshell, o),
            "unset" => {
                let mut st = 0;
                for a in args.iter().filter(|a| !a.starts_with('-')) {
                    if !super::lexer::is_name(a) {
                        o.err(&format!("sh: unset: {a}: not a valid identifier\n"));
                        st = 1;
                    } else if !subshell {
                        self.vars.remove(a.as_str());
                    }
                }
                st
            }
            "shift" => {
                let n = match args.first().map(|a| a.parse::<usize>()) {
                    None => 1,
                    Some(Ok(n)) => n,
                    Some(Err(_)) => {
                        o.err(&format!(
                            "sh: shift: {}: numeric argument required\n",
                            args[0]
                        ));
                        return 2;
                    }
                };
                if n > self.positional.len() {
                    o.err("sh: shift: shift count out of range\n");
                    return 1;
                }
                if !subshell {
                    self.positional.drain(..n);
                }
                0
            }
            "jobs" => {
                self.poll_jobs();
                for job in &self.jobs {
                    o.out(&format!(
                        "[{}]  {}  {}\n",
                        job.id,
                        state(job.status()),
                        job.text
                    ));
                }
                if !subshell {
                    self.jobs.retain(|j| j.status().is_none());
                }
                0
            }
            "wait" => {
                if subshell {
                    return 0;
                }
                self.wait(args, o)
            }
            _ => 127,
        }
    }

    fn cd(&mut self, args: &[String], subshell: bool, o: &mut Output) -> i32 {
        let mut print = false;
        let dir = match args.first().map(String::as_str) {
            None => self
                .get("HOME")
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| "/".into()),
            Some("-") => match self.get("OLDPWD") {
                Some(d) => {
                    print = true;
                    d
                }
                None => {
                    o.err("sh: cd: OLDPWD not set\n");
                    return 1;
                }
            },
            Some(d) => d.to_owned(),
        };
        let old = w::getcwd().unwrap_or_default();
        if let Err(e) = w::chdir(&dir) {
            o.err(&format!("sh: cd: {dir}: {}\n", strerror(e)));
            return 1;
        }
        let new = w::getcwd().unwrap_or_else(|_| dir.clone());
        if print {
            o.out(&format!("{new}\n"));
        }
        if subshell {
            let _ = w::chdir(&old);
        } else {
            self.set_var("OLDPWD", old);
            self.set_var("PWD", new);
        }
        0
    }

    fn export(&mut self, args: &[String], subshell: bool, o: &mut Output) -> i32 {
        let names: Vec<&String> = args.iter().filter(|a| a.as_str() != "-p").collect();
        if names.is_empty() {
            for (k, v) in &self.vars {
                if let (true, Some(val)) = (v.exported, &v.value) {
                    let quoted = val
                        .replace('\\', "\\\\")
                        .replace('"', "\\\"")
                        .replace('$', "\\$");
                    o.out(&format!("export {k}=\"{quoted}\"\n"));
                }
            }
            return 0;
        }
        let mut st = 0;
        for a in names {
            let (name, value) = match a.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (a.as_str(), None),
            };
            if !super::lexer::is_name(name) {
                o.err(&format!("sh: export: {a}: not a valid identifier\n"));
                st = 1;
                continue;
            }
            if subshell {
                continue;
            }
            let var = self.vars.entry(name.to_owned()).or_insert(Var {
                value: None,
                exported: true,
            });
            var.exported = true;
            if value.is_some() {
                var.value = value;
            }
        }
        st
    }

    fn wait(&mut self, args: &[String], o: &mut Output) -> i32 {
        if args.is_empty() {
            for i in 0..self.jobs.len() {
                self.wait_job(i);
            }
            self.jobs.clear();
            return 0;
        }
        let mut st = 0;
        for a in args {
            let idx = if let Some(id) = a.strip_prefix('%') {
                self.jobs.iter().position(|j| j.id.to_string() == id)
            } else {
                self.jobs
                    .iter()
                    .position(|j| j.pids.iter().any(|p| p.to_string() == *a))
            };
            let Some(idx) = idx else {
                o.err(&format!("sh: wait: {a}: no such job\n"));
                st = 127;
                continue;
            };
            if a.starts_with('%') {
                st = self.wait_job(idx);
            } else {
                let job = &mut self.jobs[idx];
                let k = job
                    .pids
                    .iter()
                    .position(|p| p.to_string() == *a)
                    .unwrap_or(0);
                st = match job.done[k] {
                    Some(s) => s,
                    None => {
                        let s = join(job.pids[k]);
                        job.done[k] = Some(s);
                        s
                    }
                };
            }
            if self.jobs[idx].status().is_some() {
                self.jobs.remove(idx);
            }
        }
        st
    }
}

fn state(status: Option<i32>) -> String {
    match status {
        None => "Running".to_owned(),
        Some(0) => "Done".to_owned(),
        Some(n) => format!("Exit {n}"),
    }
}

/// Why a spawn failed: the message and the status. A failing OPEN action is found by
/// trying each alone on `true`.
fn diagnose(name: &str, e: Errno, rds: &[Rd]) -> (String, i32) {
    for rd in rds {
        if let Rd::Open { path, .. } = rd {
            let op = [rd.op()];
            match w::spawn2_env("true", &["true"], Some(""), &op, &[], true, SYSTEM_PATH) {
                Ok(pid) => {
                    join(pid);
                }
                Err(e) => return (format!("sh: {path}: {}\n", strerror(e)), 1),
            }
        }
    }
    match e {
        errno::NOENT => (format!("sh: {name}: not found\n"), 127),
        errno::BADF
            if rds
                .iter()
                .any(|r| matches!(r, Rd::Dup { .. } | Rd::Close { .. })) =>
        {
            (format!("sh: {name}: {}\n", strerror(e)), 1)
        }
        _ => (
            format!("sh: {name}: cannot execute: {}\n", strerror(e)),
            126,
        ),
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
                        Err(errno::AGAIN) | Err(27) => {}
                        _ => break,
                    }
                }
                (!line.is_empty()).then(|| String::from_utf8_lossy(&line).into_owned())
            }
        }
    }
}

/// The script's bytes: through std (which needs a preopen covering the path), or else
/// from a `cat` child whose stdin the kernel opens (an OPEN action needs no preopen).
fn read_script(path: &str) -> Result<Vec<u8>, String> {
    let err = match std::fs::read(absolute(path)) {
        Ok(bytes) => return Ok(bytes),
        Err(e) => userland::message(&e),
    };
    let (r, wr) = new_pipe().map_err(|_| err.clone())?;
    let _ = w::fdflags_set(r, FD_CLOEXEC);
    let ops = [
        w::fd_op_open(0, path, 0, 0),
        w::fd_op_dup2(wr, 1),
        w::fd_op_close(wr),
    ];
    let spawned = w::spawn2_env("cat", &["cat"], Some(""), &ops, &[], true, SYSTEM_PATH);
    let _ = w::close(wr);
    let result = match spawned {
        Ok(pid) => {
            let bytes = w::read_to_end(r);
            match (join(pid), bytes) {
                (0, Ok(bytes)) => Ok(bytes),
                _ => Err(err),
            }
        }
        Err(e) => Err(strerror(e)),
    };
    let _ = w::close(r);
    result
}

const USAGE: &str = "usage: sh [-i] [-c COMMAND [NAME [ARG]...] | SCRIPT [ARG]...]\n";

/// `sh [-i] [-c CMD [NAME [ARGS]...] | SCRIPT [ARGS]...]`.
pub fn main() -> ! {
    let argv: Vec<String> = std::env::args().collect();
    let mut sh = Shell::new();
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
                eprint(&format!("sh: {a}: unknown option\n{USAGE}"));
                std::process::exit(2);
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
        match read_script(script) {
            Ok(bytes) => Input::Text {
                text: String::from_utf8_lossy(&bytes).into_owned(),
                pos: 0,
            },
            Err(msg) => {
                eprint(&format!("sh: {script}: {msg}\n"));
                std::process::exit(127);
            }
        }
    } else {
        sh.interactive = force_interactive || w::tty_get().is_ok_and(|t| t.stdin_tty.raw() != 0);
        Input::Stdin
    };
    sh.run_input(input);
    std::process::exit(sh.exit_req.unwrap_or(sh.status))
}
