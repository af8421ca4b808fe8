//! The builtins (wasm32 only; their text-only parts are in `text.rs`). Each takes the
//! expanded words and returns the status; output goes to descriptors 1 and 2 as the
//! redirections left them.

use userland::wasix_sys::{self as w, Errno, errno};

use super::super::expand::Env;
use super::super::{lexer, text};
use super::{
    Flow, Job, KEYWORDS, REGULAR, SIGCONT, SPECIAL, Shell, Var, join, quote, report_signal,
    signal_name, signal_number, strerror, write_fd,
};

fn out(s: &str) {
    write_fd(1, s.as_bytes());
}

/// Sends `sig` to every process of `job` that has not ended.
fn signal_job(job: &Job, sig: u8) -> Result<(), Errno> {
    let mut res = Ok(());
    for (pid, done) in job.pids.iter().zip(&job.done) {
        if done.is_none()
            && let Err(e) = w::signal(*pid, sig)
        {
            res = Err(e);
        }
    }
    res
}

impl Shell {
    pub(super) fn builtin(&mut self, argv: &[String]) -> i32 {
        let args = &argv[1..];
        match argv[0].as_str() {
            ":" | "true" => 0,
            "false" => 1,
            "echo" => i32::from(!self.stdout(&text::echo(args))),
            "printf" => self.printf(args),
            "test" => self.test("test", args),
            "[" => match args.last() {
                Some(l) if l == "]" => self.test("[", &args[..args.len() - 1]),
                _ => {
                    self.error("[: missing ]");
                    2
                }
            },
            "pwd" => match w::getcwd() {
                Ok(cwd) => {
                    out(&format!("{cwd}\n"));
                    0
                }
                Err(e) => {
                    self.error(&format!("pwd: {}", strerror(e)));
                    1
                }
            },
            "cd" => self.cd(args),
            "exit" => {
                let code = match args.first() {
                    None => self.status,
                    Some(a) => match a.parse::<i64>() {
                        Ok(n) if n >= 0 => (n & 0xff) as i32,
                        _ => return self.fatal(&format!("exit: Illegal number: {a}"), 2),
                    },
                };
                self.status = code;
                self.flow = Some(Flow::Exit);
                code
            }
            "return" => {
                let code = match args.first() {
                    None => self.status,
                    // dash keeps the whole number: `return 256` makes `$?` 256.
                    Some(a) => match a.parse::<i32>() {
                        Ok(n) if n >= 0 => n,
                        _ => return self.fatal(&format!("return: Illegal number: {a}"), 2),
                    },
                };
                self.status = code;
                self.flow = Some(Flow::Return);
                code
            }
            "break" | "continue" => {
                let n = match args.first().map(|a| a.parse::<usize>()) {
                    None => 1,
                    Some(Ok(n)) if n > 0 => n,
                    _ => {
                        return self.fatal(&format!("{}: Illegal number: {}", argv[0], args[0]), 2);
                    }
                };
                if self.loops == 0 {
                    return 0;
                }
                let n = n.min(self.loops);
                self.flow = Some(if argv[0] == "break" {
                    Flow::Break(n)
                } else {
                    Flow::Continue(n)
                });
                0
            }
            "export" | "readonly" => self.export(argv),
            "local" => self.local(args),
            "unset" => self.unset(args),
            "set" => self.set_builtin(args),
            "shift" => {
                let n = match args.first().map(|a| a.parse::<usize>()) {
                    None => 1,
                    Some(Ok(n)) => n,
                    Some(Err(_)) => {
                        return self.fatal(&format!("shift: Illegal number: {}", args[0]), 2);
                    }
                };
                if n > self.positional.len() {
                    return self.fatal("shift: can't shift that many", 2);
                }
                self.positional.drain(..n);
                0
            }
            "eval" => {
                let src = args.join(" ");
                let line = self.line;
                self.status = 0;
                self.run_text(&src, line)
            }
            "." => self.dot(args),
            "exec" => {
                // The program replaces this process (pid, descriptors as redirected; the
                // saved copies are close-on-exec); the EXIT trap runs only if that fails.
                let env = self.env_string(&[]);
                let a: Vec<&str> = args.iter().map(String::as_str).collect();
                let path = self.search_path();
                let e = w::exec3_env(&args[0], &a, &env, !args[0].contains('/'), &path);
                let (msg, st) = match e {
                    errno::NOENT => (format!("exec: {}: not found", args[0]), 127),
                    e => (format!("exec: {}: {}", args[0], strerror(e)), 126),
                };
                self.fatal(&msg, st)
            }
            "trap" => {
                let st = self.trap(args);
                self.catch_trapped_signals();
                st
            }
            "times" => {
                out("0m0.000000s 0m0.000000s\n0m0.000000s 0m0.000000s\n");
                0
            }
            "jobs" => {
                self.poll_jobs();
                let mut s = String::new();
                let n = self.jobs.len();
                for (i, job) in self.jobs.iter().enumerate() {
                    // `+` marks the current job (what `fg` and `bg` take), `-` the one before.
                    let mark = match n - i {
                        1 => '+',
                        2 => '-',
                        _ => ' ',
                    };
                    s.push_str(&format!(
                        "[{}]{mark}  {}  {}\n",
                        job.id,
                        super::state(job.status(), job.stopped),
                        job.text
                    ));
                }
                out(&s);
                self.jobs.retain(|j| j.status().is_none());
                0
            }
            "fg" => self.fg(args),
            "bg" => self.bg(args),
            "wait" => self.wait(args),
            "kill" => self.kill(args),
            "read" => self.read(args),
            "type" => self.type_builtin(args),
            "command" => self.command_builtin(args),
            "getopts" => self.getopts(args),
            "umask" => {
                if args.is_empty() {
                    out("0022\n");
                }
                0
            }
            "alias" => 0,
            "time" => {
                let start = std::time::Instant::now();
                let st = if args.is_empty() {
                    0
                } else {
                    let src: Vec<String> = args.iter().map(|a| quote(a)).collect();
                    let line = self.line;
                    self.run_text(&src.join(" "), line)
                };
                let ms = start.elapsed().as_millis();
                write_fd(
                    2,
                    format!(
                        "\nreal\t{}m{}.{:03}s\nuser\t0m0.000s\nsys\t0m0.000s\n",
                        ms / 60_000,
                        ms / 1000 % 60,
                        ms % 1000
                    )
                    .as_bytes(),
                );
                st
            }
            _ => 127,
        }
    }

    fn printf(&mut self, args: &[String]) -> i32 {
        let Some(format) = args.first() else {
            self.error("printf: usage: printf format [arg ...]");
            return 2;
        };
        let (bytes, errs) = text::printf(format, &args[1..]);
        self.stdout(&bytes);
        for e in &errs {
            self.error(&format!("printf: {e}"));
        }
        i32::from(!errs.is_empty())
    }

    fn test(&mut self, name: &str, args: &[String]) -> i32 {
        match text::test(args, self) {
            Ok(v) => i32::from(!v),
            Err(msg) => {
                self.error(&format!("{name}: {msg}"));
                2
            }
        }
    }

    fn cd(&mut self, args: &[String]) -> i32 {
        let args: Vec<&String> = args
            .iter()
            .filter(|a| !matches!(a.as_str(), "-L" | "-P"))
            .collect();
        let mut print = false;
        let dir = match args.first().map(|s| s.as_str()) {
            None => match self.get("HOME").filter(|h| !h.is_empty()) {
                Some(h) => h,
                None => return 0,
            },
            Some("-") => match self.get("OLDPWD") {
                Some(d) => {
                    print = true;
                    d
                }
                None => {
                    self.error("cd: OLDPWD not set");
                    return 2;
                }
            },
            Some(d) => d.to_owned(),
        };
        let old = w::getcwd().unwrap_or_default();
        if w::chdir(&dir).is_err() {
            // dash gives no reason.
            self.error(&format!("cd: can't cd to {dir}"));
            return 2;
        }
        let new = w::getcwd().unwrap_or_else(|_| dir.clone());
        // wasi-libc resolves our own relative paths against its copy of the directory.
        let _ = std::env::set_current_dir(&new);
        if print {
            out(&format!("{new}\n"));
        }
        self.set_var_exported("OLDPWD", old);
        self.set_var_exported("PWD", new);
        0
    }

    fn export(&mut self, argv: &[String]) -> i32 {
        let readonly = argv[0] == "readonly";
        let names: Vec<&String> = argv[1..].iter().filter(|a| a.as_str() != "-p").collect();
        if names.is_empty() {
            let mut s = String::new();
            for (k, v) in &self.vars {
                if (readonly && v.readonly) || (!readonly && v.exported) {
                    match &v.value {
                        Some(val) => s.push_str(&format!("{} {k}={}\n", argv[0], quote(val))),
                        None => s.push_str(&format!("{} {k}\n", argv[0])),
                    }
                }
            }
            out(&s);
            return 0;
        }
        for a in names {
            let (name, value) = match a.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (a.as_str(), None),
            };
            if !lexer::is_name(name) {
                return self.fatal(&format!("{}: {a}: bad variable name", argv[0]), 2);
            }
            if let Some(v) = value
                && let Err(msg) = self.set_var(name, v)
            {
                return self.fatal(&msg, 2);
            }
            let var = self.vars.entry(name.to_owned()).or_insert(Var {
                value: None,
                exported: false,
                readonly: false,
            });
            if readonly {
                var.readonly = true;
            } else {
                var.exported = true;
            }
        }
        0
    }

    fn local(&mut self, args: &[String]) -> i32 {
        if self.locals.is_empty() {
            return self.fatal("local: not in a function", 2);
        }
        for a in args {
            let (name, value) = match a.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (a.as_str(), None),
            };
            if !lexer::is_name(name) {
                self.error(&format!("local: {a}: bad variable name"));
                return 2;
            }
            let old = self.vars.get(name).cloned();
            if let Some(frame) = self.locals.last_mut()
                && !frame.iter().any(|(n, _)| n == name)
            {
                frame.push((name.to_owned(), old));
            }
            if let Some(v) = value {
                let _ = self.set_var(name, v);
            }
        }
        0
    }

    fn unset(&mut self, args: &[String]) -> i32 {
        let mut funcs = false;
        for a in args {
            match a.as_str() {
                "-f" => funcs = true,
                "-v" => funcs = false,
                _ if funcs => {
                    self.funcs.remove(a.as_str());
                }
                _ => {
                    if self.vars.get(a.as_str()).is_some_and(|v| v.readonly) {
                        return self.fatal(&format!("unset: {a}: is read only"), 2);
                    }
                    self.vars.remove(a.as_str());
                    if a == "OPTIND" {
                        self.optpos = (1, String::new());
                    }
                }
            }
        }
        0
    }

    fn set_builtin(&mut self, args: &[String]) -> i32 {
        if args.is_empty() {
            let mut s = String::new();
            for (k, v) in &self.vars {
                if let Some(val) = &v.value {
                    s.push_str(&format!("{k}={}\n", quote(val)));
                }
            }
            out(&s);
            return 0;
        }
        let mut i = 0;
        while let Some(a) = args.get(i) {
            if a == "--" {
                i += 1;
                self.positional = args[i..].to_vec();
                return 0;
            }
            let on = a.starts_with('-');
            if !(on || a.starts_with('+')) || a.len() < 2 {
                if a == "-" {
                    i += 1;
                }
                break;
            }
            if a[1..] == *"o" {
                let Some(name) = args.get(i + 1) else { break };
                let c = match name.as_str() {
                    "errexit" => 'e',
                    "nounset" => 'u',
                    "xtrace" => 'x',
                    "noglob" => 'f',
                    _ => ' ',
                };
                self.set_option(c, on);
                i += 2;
                continue;
            }
            for c in a[1..].chars() {
                if !self.set_option(c, on) && !"vCnbmh".contains(c) {
                    return self.fatal(&format!("set: Illegal option {}{c}", &a[..1]), 2);
                }
            }
            i += 1;
        }
        if i < args.len() {
            self.positional = args[i..].to_vec();
        }
        0
    }

    fn dot(&mut self, args: &[String]) -> i32 {
        let Some(name) = args.first() else {
            return 0;
        };
        let path = if name.contains('/') {
            Some(name.clone())
        } else {
            self.find_program(name)
                .or_else(|| std::fs::metadata(name).is_ok().then(|| name.clone()))
        };
        let bytes = path.and_then(|p| std::fs::read(p).ok());
        let Some(bytes) = bytes else {
            return self.fatal(&format!(".: cannot open {name}: No such file"), 2);
        };
        let src = String::from_utf8_lossy(&bytes).into_owned();
        let line = self.line;
        self.status = 0;
        let st = self.run_text(&src, 1);
        self.line = line;
        if self.flow == Some(Flow::Return) {
            self.flow = None;
        }
        st
    }

    fn trap(&mut self, args: &[String]) -> i32 {
        if args.is_empty() {
            let mut s = String::new();
            for (sig, action) in &self.traps {
                s.push_str(&format!(
                    "trap -- {} {}\n",
                    quote(action),
                    signal_name(*sig)
                ));
            }
            out(&s);
            return 0;
        }
        let (action, sigs) = if signal_number(&args[0]).is_some() && args.len() == 1 {
            (None, args)
        } else if args[0] == "-" {
            (None, &args[1..])
        } else {
            (Some(args[0].clone()), &args[1..])
        };
        let mut st = 0;
        for s in sigs {
            match signal_number(s) {
                Some(n) => {
                    match &action {
                        Some(a) => self.traps.insert(n, a.clone()),
                        None => self.traps.remove(&n),
                    };
                }
                None => {
                    self.error(&format!("trap: {s}: bad trap"));
                    st = 1;
                }
            }
        }
        st
    }

    fn wait(&mut self, args: &[String]) -> i32 {
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
                st = 127;
                continue;
            };
            st = self.wait_job(idx);
            self.jobs.remove(idx);
        }
        st
    }

    /// The job a `fg` / `bg` / `kill` operand names: `%N`, `%+` / `%%` / none (the
    /// current job: the last in the table), `%-` (the one before); its index.
    fn job_operand(&self, arg: Option<&String>) -> Option<usize> {
        let n = self.jobs.len();
        match arg.map(String::as_str) {
            None | Some("%+" | "%%" | "%") => n.checked_sub(1),
            Some("%-") => n.checked_sub(2),
            Some(a) => {
                let id = a.strip_prefix('%').unwrap_or(a);
                self.jobs.iter().position(|j| j.id.to_string() == id)
            }
        }
    }

    /// Sends `sig` to every process of job `idx` that has not ended.
    fn signal_job(&self, idx: usize, sig: u8) -> Result<(), Errno> {
        signal_job(&self.jobs[idx], sig)
    }

    /// `fg [%N]`: continues a job in the foreground and waits for it.
    fn fg(&mut self, args: &[String]) -> i32 {
        if !self.job_control {
            self.error("fg: no job control");
            return 1;
        }
        self.poll_jobs();
        let Some(idx) = self.job_operand(args.first()) else {
            let which = args.first().map_or("current", String::as_str);
            self.error(&format!("fg: {which}: no such job"));
            return 1;
        };
        let mut job = self.jobs.remove(idx);
        write_fd(2, format!("{}\n", job.text).as_bytes());
        // The console first, so that the job finds it its own when it goes on.
        let _ = w::tty_setpgrp(job.pgid);
        let _ = signal_job(&job, SIGCONT);
        job.stopped = false;
        let (st, sig) = self.run_in_foreground(job);
        report_signal(sig);
        st
    }

    /// `bg [%N]`: continues a stopped job in the background.
    fn bg(&mut self, args: &[String]) -> i32 {
        if !self.job_control {
            self.error("bg: no job control");
            return 1;
        }
        self.poll_jobs();
        let Some(idx) = self.job_operand(args.first()) else {
            let which = args.first().map_or("current", String::as_str);
            self.error(&format!("bg: {which}: no such job"));
            return 1;
        };
        let _ = self.signal_job(idx, SIGCONT);
        let job = &mut self.jobs[idx];
        job.stopped = false;
        write_fd(2, format!("[{}]+ {} &\n", job.id, job.text).as_bytes());
        0
    }

    fn kill(&mut self, args: &[String]) -> i32 {
        let mut sig = w::sig::TERM;
        let mut rest = args;
        match args.first().map(String::as_str) {
            Some("-l") => {
                let names: Vec<String> = (1..=31).map(signal_name).collect();
                out(&format!("{}\n", names.join("\n")));
                return 0;
            }
            Some("-s") => {
                let Some(n) = args.get(1).and_then(|s| signal_number(s)) else {
                    self.error("kill: invalid signal");
                    return 2;
                };
                sig = n;
                rest = &args[2..];
            }
            Some(a) if a.starts_with('-') && a.len() > 1 => {
                let Some(n) = signal_number(&a[1..]) else {
                    self.error(&format!("kill: invalid signal number or name: {}", &a[1..]));
                    return 2;
                };
                sig = n;
                rest = &args[1..];
            }
            _ => {}
        }
        if rest.is_empty() {
            self.error("kill: usage: kill [-s sigspec | -signum | -sigspec] [pid | job]... or\nkill -l [exitstatus]");
            return 2;
        }
        let mut st = 0;
        for t in rest {
            if t.starts_with('%') && self.job_control {
                // The whole job; a stopped one is continued too, so it acts on the signal
                // (as bash does).
                let Some(idx) = self.job_operand(Some(t)) else {
                    self.error(&format!("kill: {t}: no such job"));
                    st = 1;
                    continue;
                };
                let mut res = self.signal_job(idx, sig);
                if self.jobs[idx].stopped && sig != SIGCONT && sig != 0 {
                    res = res.and(self.signal_job(idx, SIGCONT));
                    self.jobs[idx].stopped = false;
                }
                if let Err(e) = res {
                    self.error(&format!("kill: {}", strerror(e)));
                    st = 1;
                }
                continue;
            }
            let pid = if let Some(id) = t.strip_prefix('%') {
                self.jobs
                    .iter()
                    .find(|j| j.id.to_string() == id)
                    .and_then(|j| j.pids.last().copied())
            } else {
                t.parse::<u32>().ok()
            };
            let Some(pid) = pid else {
                self.error(&format!("kill: Illegal number: {t}"));
                st = 2;
                continue;
            };
            if pid == self.pid && sig == 0 {
                continue;
            }
            if pid == self.pid {
                // Our own signal: run its trap here (a guest cannot catch it).
                match self.traps.get(&sig).cloned() {
                    Some(action) if action.is_empty() => {}
                    Some(action) => {
                        // The trap runs as if after `kill` returned: `$?` is 0.
                        self.status = 0;
                        let line = self.line;
                        self.run_text(&action, line);
                        self.status = 0;
                    }
                    None => {
                        if matches!(sig, 17 | 18 | 20 | 21 | 22 | 23 | 28) {
                            continue;
                        }
                        let _ = w::signal(pid, sig);
                    }
                }
                continue;
            }
            if let Err(e) = w::signal(pid, sig) {
                self.error(&format!("kill: {}", strerror(e)));
                st = 1;
            }
        }
        st
    }

    fn read(&mut self, args: &[String]) -> i32 {
        let mut raw = false;
        let mut names = Vec::new();
        for a in args {
            if a == "-r" {
                raw = true;
            } else {
                names.push(a.clone());
            }
        }
        if names.is_empty() {
            self.error("read: arg count");
            return 2;
        }
        // One byte at a time: what follows the line stays for the next reader.
        let mut line = Vec::new();
        // Which bytes were escaped by `\` (never split on).
        let mut escaped = Vec::new();
        let mut eof = false;
        let mut b = [0u8; 1];
        loop {
            match w::read(0, &mut b) {
                Ok(1) => {}
                Err(errno::AGAIN) | Err(errno::INTR) => continue,
                _ => {
                    eof = true;
                    break;
                }
            }
            match b[0] {
                b'\n' => break,
                b'\\' if !raw => match w::read(0, &mut b) {
                    Ok(1) if b[0] == b'\n' => {}
                    Ok(1) => {
                        line.push(b[0]);
                        escaped.push(true);
                    }
                    _ => {
                        eof = true;
                        break;
                    }
                },
                c => {
                    line.push(c);
                    escaped.push(false);
                }
            }
        }
        let s = String::from_utf8_lossy(&line).into_owned();
        let ifs = self.get("IFS").unwrap_or_else(|| " \t\n".into());
        let chars: Vec<(char, bool)> = {
            // Map escape flags from bytes to chars (ASCII is the common case).
            let mut v = Vec::new();
            let mut bi = 0;
            for c in s.chars() {
                v.push((c, escaped.get(bi).copied().unwrap_or(false)));
                bi += c.len_utf8();
            }
            v
        };
        let is_ifs = |c: (char, bool)| !c.1 && ifs.contains(c.0);
        let is_ws = |c: (char, bool)| is_ifs(c) && matches!(c.0, ' ' | '\t' | '\n');
        let mut i = 0;
        while i < chars.len() && is_ws(chars[i]) {
            i += 1;
        }
        for (k, name) in names.iter().enumerate() {
            let last = k + 1 == names.len();
            let mut field = String::new();
            if last {
                // The rest of the line, without trailing IFS whitespace.
                let mut end = chars.len();
                while end > i && is_ws(chars[end - 1]) {
                    end -= 1;
                }
                field = chars[i.min(end)..end].iter().map(|c| c.0).collect();
                i = chars.len();
            } else {
                while i < chars.len() && !is_ifs(chars[i]) {
                    field.push(chars[i].0);
                    i += 1;
                }
                // One delimiter: whitespace, at most one other IFS character, whitespace.
                while i < chars.len() && is_ws(chars[i]) {
                    i += 1;
                }
                if i < chars.len() && is_ifs(chars[i]) && !is_ws(chars[i]) {
                    i += 1;
                    while i < chars.len() && is_ws(chars[i]) {
                        i += 1;
                    }
                }
            }
            if let Err(msg) = self.set_var(name, field) {
                return self.fatal(&msg, 2);
            }
        }
        i32::from(eof)
    }

    fn describe(&self, name: &str, verbose: bool) -> Option<String> {
        if KEYWORDS.contains(&name) {
            return Some(if verbose {
                format!("{name} is a shell keyword")
            } else {
                name.to_owned()
            });
        }
        if self.funcs.contains_key(name) {
            return Some(if verbose {
                format!("{name} is a shell function")
            } else {
                name.to_owned()
            });
        }
        if SPECIAL.contains(&name) {
            return Some(if verbose {
                format!("{name} is a special shell builtin")
            } else {
                name.to_owned()
            });
        }
        if REGULAR.contains(&name) {
            return Some(if verbose {
                format!("{name} is a shell builtin")
            } else {
                name.to_owned()
            });
        }
        let p = self.find_program(name)?;
        Some(if verbose { format!("{name} is {p}") } else { p })
    }

    fn type_builtin(&mut self, args: &[String]) -> i32 {
        let mut st = 0;
        for a in args {
            match self.describe(a, true) {
                Some(s) => out(&format!("{s}\n")),
                None => {
                    out(&format!("{a}: not found\n"));
                    st = 127;
                }
            }
        }
        st
    }

    fn command_builtin(&mut self, args: &[String]) -> i32 {
        match args.first().map(String::as_str) {
            Some(v @ ("-v" | "-V")) => {
                let mut st = 0;
                for a in &args[1..] {
                    match self.describe(a, v == "-V") {
                        Some(s) => out(&format!("{s}\n")),
                        None => {
                            if v == "-V" {
                                out(&format!("{a}: not found\n"));
                            }
                            st = 127;
                        }
                    }
                }
                st
            }
            None => 0,
            Some(_) => {
                let name = args[0].as_str();
                if SPECIAL.contains(&name) || REGULAR.contains(&name) {
                    return self.builtin(args);
                }
                let env = self.env_string(&[]);
                match self.spawn_program(args, &env, false) {
                    Ok(pid) => join(pid),
                    Err(st) => st,
                }
            }
        }
    }

    fn getopts(&mut self, args: &[String]) -> i32 {
        if args.len() < 2 {
            self.error("getopts: usage: getopts optstring var [arg]");
            return 2;
        }
        let optstring = args[0].clone();
        let var = args[1].clone();
        let params: Vec<String> = if args.len() > 2 {
            args[2..].to_vec()
        } else {
            self.positional.clone()
        };
        let optind_s = self.get("OPTIND").unwrap_or_else(|| "1".into());
        let mut optind: usize = optind_s.parse().unwrap_or(1).max(1);
        if self.optpos.1 != optind_s {
            self.optpos = (1, optind_s.clone());
        }
        let mut pos = self.optpos.0;
        let silent = optstring.starts_with(':');
        let finish = |sh: &mut Shell, optind: usize, pos: usize| {
            let s = optind.to_string();
            let _ = sh.set_var("OPTIND", s.clone());
            sh.optpos = (pos, s);
        };
        let Some(arg) = params.get(optind - 1).cloned() else {
            let _ = self.set_var(&var, "?".into());
            finish(self, optind, 1);
            return 1;
        };
        if pos == 1 {
            if arg == "--" {
                let _ = self.set_var(&var, "?".into());
                finish(self, optind + 1, 1);
                return 1;
            }
            if !arg.starts_with('-') || arg == "-" {
                let _ = self.set_var(&var, "?".into());
                finish(self, optind, 1);
                return 1;
            }
        }
        let chars: Vec<char> = arg.chars().collect();
        if pos >= chars.len() {
            // The arguments changed under the same OPTIND: start this one afresh.
            pos = 1;
        }
        let Some(&c) = chars.get(pos) else {
            let _ = self.set_var(&var, "?".into());
            finish(self, optind, 1);
            return 1;
        };
        pos += 1;
        let at_end = pos >= chars.len();
        let spec = optstring.trim_start_matches(':');
        let idx = spec.find(c).filter(|_| c != ':');
        self.vars.remove("OPTARG");
        match idx {
            None => {
                if silent {
                    let _ = self.set_var("OPTARG", c.to_string());
                } else {
                    write_fd(2, format!("Illegal option -{c}\n").as_bytes());
                }
                let _ = self.set_var(&var, "?".into());
            }
            Some(i) if spec[i + 1..].starts_with(':') => {
                let optarg = if !at_end {
                    Some(chars[pos..].iter().collect::<String>())
                } else {
                    optind += 1;
                    params.get(optind - 1).cloned()
                };
                match optarg {
                    Some(a) => {
                        let _ = self.set_var("OPTARG", a);
                        let _ = self.set_var(&var, c.to_string());
                    }
                    None => {
                        if silent {
                            let _ = self.set_var("OPTARG", c.to_string());
                            let _ = self.set_var(&var, ":".into());
                        } else {
                            write_fd(2, format!("No arg for -{c} option\n").as_bytes());
                            let _ = self.set_var(&var, "?".into());
                        }
                    }
                }
                finish(self, optind + 1, 1);
                return 0;
            }
            Some(_) => {
                let _ = self.set_var(&var, c.to_string());
            }
        }
        if pos >= chars.len() {
            finish(self, optind + 1, 1);
        } else {
            finish(self, optind, pos);
        }
        0
    }
}
