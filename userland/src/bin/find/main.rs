//! `find [-H|-L|-P] [PATH]... [EXPRESSION]`: walks each PATH (default `.`) and evaluates
//! EXPRESSION for every file, like GNU findutils. Directory entries are visited in name
//! order (GNU's order is the directory's own, which tests sort anyway).
//!
//! - Options: `-maxdepth N`, `-mindepth N`, `-depth`; `-L` follows symbolic links.
//! - Tests: `-name`/`-iname`/`-path`/`-ipath`/`-wholename` GLOB, `-type f|d|l|c` (`b`, `p`, `s`
//!   match nothing),
//!   `-newer FILE`, `-empty`, `-size [+-]N[ckMG]`, `-true`, `-false`.
//! - Actions: `-print`, `-print0`, `-exec CMD {} ;`, `-exec CMD {} +`, `-delete`,
//!   `-prune`, `-quit`; without one, `-print` is implied.
//! - Operators: `( )`, `!`/`-not`, `-a`/`-and` (or nothing), `-o`/`-or`.
//!
//! Exit status 1 if a path could not be read, a `-exec … +` command failed or a
//! `-delete` failed, else 0.

use std::fs::Metadata;
use std::io::Write;
use std::process::{ExitCode, exit};
use std::time::SystemTime;

use userland::command::{self, Outcome};
use userland::{cli, fnmatch};

const PROG: &str = "find";

enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Name(String, bool),
    Path(String, bool),
    Type(char),
    Newer(SystemTime),
    Empty,
    Size(std::cmp::Ordering, u64, u64),
    Const(bool),
    Print(u8),
    Exec(usize),
    Delete,
    Prune,
    Quit,
}

/// One `-exec`: the command with `{}` where the path goes, and for `+` the paths waiting.
struct Exec {
    argv: Vec<String>,
    batch: Option<Vec<String>>,
}

struct Parser {
    args: Vec<String>,
    pos: usize,
    execs: Vec<Exec>,
    has_action: bool,
    maxdepth: Option<usize>,
    mindepth: usize,
    depth_first: bool,
}

fn fail(msg: &str) -> ! {
    eprintln!("{PROG}: {msg}");
    exit(1)
}

impl Parser {
    fn peek(&self) -> Option<&str> {
        self.args.get(self.pos).map(String::as_str)
    }

    fn value(&mut self, pred: &str) -> String {
        self.pos += 1;
        match self.args.get(self.pos) {
            Some(v) => {
                self.pos += 1;
                v.clone()
            }
            None => fail(&format!("missing argument to `{pred}'")),
        }
    }

    fn or(&mut self) -> Expr {
        let mut left = self.and();
        while matches!(self.peek(), Some("-o" | "-or")) {
            self.pos += 1;
            if matches!(self.peek(), None | Some(")")) {
                fail(
                    "invalid expression; you have used a binary operator '-o' with nothing after it.",
                );
            }
            left = Expr::Or(Box::new(left), Box::new(self.and()));
        }
        left
    }

    fn and(&mut self) -> Expr {
        let mut left = self.not();
        loop {
            match self.peek() {
                None | Some(")" | "-o" | "-or") => return left,
                Some("-a" | "-and") => {
                    self.pos += 1;
                    if matches!(self.peek(), None | Some(")")) {
                        fail(
                            "invalid expression; you have used a binary operator '-a' with nothing after it.",
                        );
                    }
                }
                _ => {}
            }
            left = Expr::And(Box::new(left), Box::new(self.not()));
        }
    }

    fn not(&mut self) -> Expr {
        if matches!(self.peek(), Some("!" | "-not")) {
            self.pos += 1;
            if self.peek().is_none() {
                fail(
                    "invalid expression; you have used a unary operator '!' with nothing after it.",
                );
            }
            return Expr::Not(Box::new(self.not()));
        }
        self.primary()
    }

    fn primary(&mut self) -> Expr {
        let Some(tok) = self.peek().map(str::to_owned) else {
            fail("invalid expression");
        };
        match tok.as_str() {
            "(" => {
                self.pos += 1;
                if self.peek() == Some(")") {
                    fail("invalid expression; empty parentheses are not allowed.");
                }
                let e = self.or();
                if self.peek() != Some(")") {
                    fail(
                        "invalid expression; I was expecting to find a ')' somewhere but did not see one.",
                    );
                }
                self.pos += 1;
                e
            }
            ")" => fail("invalid expression; you have too many ')'"),
            "-name" | "-iname" => Expr::Name(self.value(&tok), tok == "-iname"),
            "-path" | "-wholename" | "-ipath" | "-iwholename" => {
                let fold = tok.starts_with("-i");
                Expr::Path(self.value(&tok), fold)
            }
            "-type" => {
                let v = self.value(&tok);
                match v.as_str() {
                    "f" | "d" | "l" | "p" | "s" | "b" | "c" => {
                        Expr::Type(v.chars().next().unwrap_or('f'))
                    }
                    _ => fail(&format!("Unknown argument to -type: {v}")),
                }
            }
            "-newer" => {
                let v = self.value(&tok);
                match std::fs::metadata(&v).and_then(|m| m.modified()) {
                    Ok(t) => Expr::Newer(t),
                    Err(e) => fail(&format!("'{v}': {}", cli::msg(&e))),
                }
            }
            "-empty" => {
                self.pos += 1;
                Expr::Empty
            }
            "-size" => {
                let v = self.value(&tok);
                size(&v).unwrap_or_else(|| fail(&format!("invalid -size type `{v}'")))
            }
            "-true" | "-false" => {
                self.pos += 1;
                Expr::Const(tok == "-true")
            }
            "-print" | "-print0" => {
                self.pos += 1;
                self.has_action = true;
                Expr::Print(if tok == "-print" { b'\n' } else { 0 })
            }
            "-delete" => {
                self.pos += 1;
                self.has_action = true;
                self.depth_first = true;
                Expr::Delete
            }
            "-prune" => {
                self.pos += 1;
                Expr::Prune
            }
            "-quit" => {
                self.pos += 1;
                Expr::Quit
            }
            "-exec" => {
                self.pos += 1;
                self.has_action = true;
                let mut argv = Vec::new();
                loop {
                    let Some(a) = self.args.get(self.pos).cloned() else {
                        fail("missing argument to `-exec'");
                    };
                    self.pos += 1;
                    if a == ";" {
                        break;
                    }
                    if a == "+" && argv.last().is_some_and(|l| l == "{}") {
                        argv.pop();
                        self.execs.push(Exec {
                            argv,
                            batch: Some(Vec::new()),
                        });
                        return Expr::Exec(self.execs.len() - 1);
                    }
                    argv.push(a);
                }
                if argv.is_empty() {
                    fail("missing argument to `-exec'");
                }
                self.execs.push(Exec { argv, batch: None });
                Expr::Exec(self.execs.len() - 1)
            }
            "-maxdepth" | "-mindepth" => {
                let v = self.value(&tok);
                let n: usize = v.parse().unwrap_or_else(|_| {
                    fail(&format!(
                        "Expected a positive decimal integer argument to {tok}, but got '{v}'"
                    ))
                });
                if tok == "-maxdepth" {
                    self.maxdepth = Some(n);
                } else {
                    self.mindepth = n;
                }
                Expr::Const(true)
            }
            "-depth" | "-d" | "-xdev" | "-mount" | "-noleaf" => {
                self.pos += 1;
                if tok.starts_with("-d") {
                    self.depth_first = true;
                }
                Expr::Const(true)
            }
            _ if tok.starts_with('-') => fail(&format!("unknown predicate `{tok}'")),
            _ => fail(&format!("paths must precede expression: `{tok}'")),
        }
    }
}

/// `-size [+-]N[bckwMG]`: the comparison, N and the unit (blocks of 512 by default,
/// rounded up as GNU does).
fn size(v: &str) -> Option<Expr> {
    let (ord, rest) = match v.as_bytes().first()? {
        b'+' => (std::cmp::Ordering::Greater, &v[1..]),
        b'-' => (std::cmp::Ordering::Less, &v[1..]),
        _ => (std::cmp::Ordering::Equal, v),
    };
    let (digits, unit) = match rest.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let unit = match unit {
        "" | "b" => 512,
        "c" => 1,
        "w" => 2,
        "k" => 1024,
        "M" => 1 << 20,
        "G" => 1 << 30,
        _ => return None,
    };
    Some(Expr::Size(ord, digits.parse().ok()?, unit))
}

struct Walker {
    expr: Expr,
    execs: Vec<Exec>,
    maxdepth: Option<usize>,
    mindepth: usize,
    depth_first: bool,
    follow: bool,
    out: cli::Out,
    failed: bool,
    quit: bool,
    prune: bool,
}

/// A visited file: its path as printed, its name for `-name`, its metadata.
struct Entry<'a> {
    path: &'a str,
    name: &'a str,
    meta: &'a Metadata,
}

impl Walker {
    fn eval(&mut self, e: &Expr, f: &Entry) -> bool {
        match e {
            Expr::And(a, b) => self.eval(a, f) && !self.quit && self.eval(b, f),
            Expr::Or(a, b) => self.eval(a, f) || !self.quit && self.eval(b, f),
            Expr::Not(a) => !self.eval(a, f),
            Expr::Name(p, fold) => fnmatch::matches(p.as_bytes(), f.name.as_bytes(), *fold),
            Expr::Path(p, fold) => fnmatch::matches(p.as_bytes(), f.path.as_bytes(), *fold),
            Expr::Type(t) => {
                let ft = f.meta.file_type();
                match t {
                    'f' => ft.is_file(),
                    'd' => ft.is_dir(),
                    'l' => ft.is_symlink(),
                    // std's WASI file types beyond these three are unstable: any
                    // other file (here, /dev's devices) counts as a character device.
                    'c' => !(ft.is_file() || ft.is_dir() || ft.is_symlink()),
                    _ => false,
                }
            }
            Expr::Newer(t) => f.meta.modified().is_ok_and(|m| m > *t),
            Expr::Empty => {
                if f.meta.is_dir() {
                    std::fs::read_dir(f.path).is_ok_and(|mut d| d.next().is_none())
                } else {
                    f.meta.is_file() && f.meta.len() == 0
                }
            }
            Expr::Size(ord, n, unit) => f.meta.len().div_ceil(*unit).cmp(n) == *ord,
            Expr::Const(b) => *b,
            Expr::Print(end) => {
                let r = self
                    .out
                    .write_all(f.path.as_bytes())
                    .and_then(|()| self.out.write_all(&[*end]));
                if let Err(e) = r {
                    cli::write_failed(PROG, &e);
                }
                true
            }
            Expr::Prune => {
                self.prune = true;
                true
            }
            Expr::Quit => {
                self.quit = true;
                true
            }
            Expr::Delete => {
                let r = if f.meta.is_dir() {
                    std::fs::remove_dir(f.path)
                } else {
                    std::fs::remove_file(f.path)
                };
                match r {
                    Ok(()) => true,
                    Err(e) => {
                        self.error(&format!("cannot delete '{}': {}", f.path, cli::msg(&e)));
                        false
                    }
                }
            }
            Expr::Exec(i) => {
                let i = *i;
                if let Some(batch) = &mut self.execs[i].batch {
                    batch.push(f.path.to_owned());
                    let size: usize = batch.iter().map(|p| p.len() + 1).sum();
                    if batch.len() >= 1000 || size >= 64 * 1024 {
                        self.flush_batch(i);
                    }
                    return true;
                }
                let argv: Vec<String> = self.execs[i]
                    .argv
                    .iter()
                    .map(|a| a.replace("{}", f.path))
                    .collect();
                self.spawn(&argv) == Some(0)
            }
        }
    }

    fn error(&mut self, msg: &str) {
        let _ = self.out.flush();
        eprintln!("{PROG}: {msg}");
        self.failed = true;
    }

    /// Runs a command; its exit status, or None if it did not run or was killed.
    fn spawn(&mut self, argv: &[String]) -> Option<u16> {
        if let Err(e) = self.out.flush() {
            cli::write_failed(PROG, &e);
        }
        let args: Vec<&str> = argv.iter().map(String::as_str).collect();
        match command::run(&args, false) {
            Outcome::Exited(code) => Some(code),
            Outcome::Signaled(_) => None,
            Outcome::NotStarted(e) => {
                // Like GNU find: said, but not a failure of find itself (`-exec … +`
                // makes it one in flush_batch).
                let err = std::io::Error::from_raw_os_error(e.into());
                let _ = self.out.flush();
                eprintln!("{PROG}: '{}': {}", argv[0], cli::msg(&err));
                None
            }
        }
    }

    fn flush_batch(&mut self, i: usize) {
        let Some(paths) = self.execs[i].batch.as_mut().map(std::mem::take) else {
            return;
        };
        if paths.is_empty() {
            return;
        }
        let mut argv = self.execs[i].argv.clone();
        argv.extend(paths);
        if self.spawn(&argv) != Some(0) {
            self.failed = true;
        }
    }

    fn visit(&mut self, path: &str, name: &str, depth: usize, meta: &Metadata) {
        let here = depth >= self.mindepth;
        self.prune = false;
        let entry = Entry { path, name, meta };
        if here && !self.depth_first {
            let expr = std::mem::replace(&mut self.expr, Expr::Const(true));
            self.eval(&expr, &entry);
            self.expr = expr;
        }
        let pruned = self.prune && !self.depth_first;
        if meta.is_dir() && !pruned && !self.quit && self.maxdepth.is_none_or(|m| depth < m) {
            self.descend(path, depth);
        }
        if here && self.depth_first && !self.quit {
            let expr = std::mem::replace(&mut self.expr, Expr::Const(true));
            self.eval(&expr, &entry);
            self.expr = expr;
        }
    }

    fn descend(&mut self, dir: &str, depth: usize) {
        let mut names: Vec<String> = match std::fs::read_dir(dir) {
            Ok(rd) => rd
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect(),
            Err(e) => {
                self.error(&format!("'{dir}': {}", cli::msg(&e)));
                return;
            }
        };
        names.sort();
        for name in names {
            if self.quit {
                return;
            }
            let path = if dir.ends_with('/') {
                format!("{dir}{name}")
            } else {
                format!("{dir}/{name}")
            };
            match self.stat(&path) {
                Ok(meta) => self.visit(&path, &name, depth + 1, &meta),
                Err(e) => self.error(&format!("'{path}': {}", cli::msg(&e))),
            }
        }
    }

    fn stat(&self, path: &str) -> std::io::Result<Metadata> {
        if self.follow {
            std::fs::metadata(path).or_else(|_| std::fs::symlink_metadata(path))
        } else {
            std::fs::symlink_metadata(path)
        }
    }
}

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut follow = false;
    let mut follow_args = false;
    while let Some(a) = args.first() {
        match a.as_str() {
            "-L" => follow = true,
            "-H" => follow_args = true,
            "-P" => follow = false,
            "--" => {
                args.remove(0);
                break;
            }
            _ => break,
        }
        args.remove(0);
    }
    let npaths = args
        .iter()
        .position(|a| a.starts_with('-') && a.len() > 1 || a == "(" || a == "!")
        .unwrap_or(args.len());
    let rest = args.split_off(npaths);
    let paths = if args.is_empty() {
        vec![".".to_owned()]
    } else {
        args
    };
    let mut p = Parser {
        args: rest,
        pos: 0,
        execs: Vec::new(),
        has_action: false,
        maxdepth: None,
        mindepth: 0,
        depth_first: false,
    };
    let mut expr = if p.args.is_empty() {
        Expr::Const(true)
    } else {
        p.or()
    };
    if p.pos < p.args.len() {
        fail("invalid expression; you have too many ')'");
    }
    if !p.has_action {
        expr = Expr::And(Box::new(expr), Box::new(Expr::Print(b'\n')));
    }
    let mut w = Walker {
        expr,
        execs: p.execs,
        maxdepth: p.maxdepth,
        mindepth: p.mindepth,
        depth_first: p.depth_first,
        follow,
        out: cli::stdout(),
        failed: false,
        quit: false,
        prune: false,
    };
    for path in &paths {
        if w.quit {
            break;
        }
        let meta = if follow || follow_args {
            std::fs::metadata(path).or_else(|_| std::fs::symlink_metadata(path))
        } else {
            std::fs::symlink_metadata(path)
        };
        match meta {
            Ok(meta) => {
                let trimmed = path.trim_end_matches('/');
                let name = if trimmed.is_empty() {
                    "/"
                } else {
                    cli::basename(trimmed)
                };
                w.visit(path, name, 0, &meta);
            }
            Err(e) => w.error(&format!("'{path}': {}", cli::msg(&e))),
        }
    }
    for i in 0..w.execs.len() {
        w.flush_batch(i);
    }
    let status = if w.failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    };
    cli::finish(PROG, &mut w.out, status)
}
