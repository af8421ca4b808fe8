//! `sed [-n] [-E|-r] [-s] [-i[SUFFIX]] [-e SCRIPT]... [-f FILE]... [SCRIPT] [FILE]...`:
//! the stream editor, like GNU sed for the forms scripts use.
//!
//! - Addresses: `N`, `$`, `/RE/` (or `\cREc`, `I` for case-insensitive), `A,B` ranges
//!   (`B` may be `+N`; `0,/RE/`), `!` negation, `{ … }` blocks.
//! - Commands: `s/RE/REPL/FLAGS` (`g`, `p`, `N`, `I`; `&`, `\1`…`\9`, `\n` in REPL; any
//!   delimiter), `y/SRC/DST/`, `d`, `D`, `p`, `P`, `n`, `N`, `q [CODE]`, `Q [CODE]`, `=`,
//!   `a`/`i`/`c TEXT` (one-line and `a\` forms), `h H g G x`, `b`/`t`/`T LABEL`, `:LABEL`,
//!   `r FILE`, `w FILE`, `#` comments.
//! - Regular expressions are POSIX basic ones (extended with `-E`) via
//!   [`userland::posix_re`], over bytes; back-references inside a pattern are not
//!   supported.
//!
//! Exit status: 0; 1 for a bad script or option; 2 if an input file could not be read;
//! 4 for an I/O error; `q`/`Q`'s code.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, Write};
use std::process::{ExitCode, exit};

use regex::bytes::{Regex, RegexBuilder};
use userland::{cli, posix_re};

const PROG: &str = "sed";

fn die(msg: &str, status: i32) -> ! {
    let _ = cli::stdout().flush();
    eprintln!("{PROG}: {msg}");
    exit(status)
}

#[derive(Clone)]
enum Addr {
    Line(u64),
    Last,
    /// `None` is the empty regex: the last one used.
    Re(Option<Regex>),
    /// `+N` as the end of a range.
    Plus(u64),
}

enum Cmd {
    Block(usize),
    EndBlock,
    Subst(Box<Subst>),
    Trans(Vec<(u8, u8)>),
    Delete,
    DeleteFirst,
    Print,
    PrintFirst,
    Next,
    Append,
    Quit(i32, bool),
    LineNo,
    Text(u8, Vec<u8>),
    Hold(u8),
    Branch(u8, String),
    Label,
    ReadFile(String),
    WriteFile(usize),
}

struct Subst {
    re: Option<Regex>,
    repl: Vec<Repl>,
    global: bool,
    nth: usize,
    print: bool,
    write: Option<usize>,
}

enum Repl {
    Lit(Vec<u8>),
    Group(usize),
}

struct Command {
    a1: Option<Addr>,
    a2: Option<Addr>,
    negate: bool,
    cmd: Cmd,
    /// For ranges: whether the range is open, and (for `+N`) the line it ends at.
    active: bool,
    end_line: u64,
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    extended: bool,
    /// Where each `-e` piece starts in the joined script, for error positions.
    pieces: &'a [usize],
    wfiles: &'a mut Vec<String>,
}

impl Parser<'_> {
    fn fail(&self, msg: &str) -> ! {
        let k = self.pieces.iter().rposition(|&p| p <= self.i).unwrap_or(0);
        // Each piece ends with the newline joining it to the next, which GNU does not
        // count.
        let end = self.pieces.get(k + 1).copied().unwrap_or(self.s.len()) - 1;
        let at = self.i.min(end) - self.pieces[k];
        die(&format!("-e expression #{}, char {at}: {msg}", k + 1), 1)
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }

    fn number(&mut self) -> u64 {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        std::str::from_utf8(&self.s[start..self.i])
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0)
    }

    /// Reads up to the unescaped `delim`; `\delim` becomes the delimiter itself (made
    /// literal in a regex), `\n` a newline; other escapes are kept for the caller.
    fn delimited(&mut self, delim: u8, is_regex: bool, what: &str) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            self.i += 1;
            let Some(c) = self.peek() else {
                self.fail(&format!("unterminated {what}"))
            };
            if c == delim {
                self.i += 1;
                return out;
            }
            if c == b'\n' && is_regex {
                self.fail(&format!("unterminated {what}"));
            }
            if c == b'\\' {
                self.i += 1;
                let Some(n) = self.peek() else {
                    self.fail(&format!("unterminated {what}"))
                };
                if n == delim {
                    if is_regex && b".[]*^$\\+?(){}|".contains(&n) {
                        out.extend_from_slice(&[b'[', n, b']']);
                        if n == b']' || n == b'^' || n == b'\\' {
                            out.truncate(out.len() - 3);
                            out.extend_from_slice(&[b'\\', n]);
                        }
                    } else {
                        out.push(n);
                    }
                } else if n == b'n' || n == b'\n' && !is_regex {
                    out.push(b'\n');
                } else if n == b't' && is_regex {
                    out.push(b'\t');
                } else {
                    out.push(b'\\');
                    out.push(n);
                }
                continue;
            }
            if c == b'[' && is_regex {
                // A bracket expression runs to its `]`, delimiters included.
                let start = self.i;
                let mut j = self.i + 1;
                if self.s.get(j) == Some(&b'^') {
                    j += 1;
                }
                if self.s.get(j) == Some(&b']') {
                    j += 1;
                }
                while j < self.s.len() && self.s[j] != b']' && self.s[j] != b'\n' {
                    if self.s[j] == b'[' && matches!(self.s.get(j + 1), Some(b':' | b'.' | b'=')) {
                        let kind = self.s[j + 1];
                        if let Some(end) = self.s[j + 2..]
                            .windows(2)
                            .position(|w| w[0] == kind && w[1] == b']')
                        {
                            j += end + 4;
                            continue;
                        }
                    }
                    j += 1;
                }
                if j < self.s.len() && self.s[j] == b']' {
                    out.extend_from_slice(&self.s[start..=j]);
                    self.i = j;
                    continue;
                }
            }
            out.push(c);
        }
    }

    fn regex(&self, pat: &[u8], icase: bool) -> Option<Regex> {
        if pat.is_empty() {
            return None;
        }
        let text = String::from_utf8_lossy(pat);
        let translated = posix_re::translate(&text, self.extended);
        match RegexBuilder::new(&translated)
            .unicode(false)
            .case_insensitive(icase)
            .dot_matches_new_line(true)
            .build()
        {
            Ok(re) => Some(re),
            Err(e) => {
                let text = e.to_string();
                self.fail(text.lines().last().unwrap_or("invalid regex").trim())
            }
        }
    }

    fn address(&mut self) -> Option<Addr> {
        match self.peek()? {
            b'0'..=b'9' => Some(Addr::Line(self.number())),
            b'$' => {
                self.i += 1;
                Some(Addr::Last)
            }
            b'+' => {
                self.i += 1;
                Some(Addr::Plus(self.number()))
            }
            c @ (b'/' | b'\\') => {
                let delim = if c == b'\\' {
                    self.i += 1;
                    self.peek()
                        .unwrap_or_else(|| self.fail("unexpected end of expression"))
                } else {
                    c
                };
                let pat = self.delimited(delim, true, "address regex");
                self.i -= 1;
                let mut icase = false;
                while matches!(self.s.get(self.i + 1), Some(b'I')) {
                    icase = true;
                    self.i += 1;
                }
                self.i += 1;
                Some(Addr::Re(self.regex(&pat, icase)))
            }
            _ => None,
        }
    }

    /// The rest of the line (for labels and file names), trimmed.
    fn word(&mut self, stop_at_semicolon: bool) -> String {
        self.skip_blanks();
        let start = self.i;
        while let Some(c) = self.peek() {
            if c == b'\n' || stop_at_semicolon && c == b';' {
                break;
            }
            self.i += 1;
        }
        String::from_utf8_lossy(&self.s[start..self.i])
            .trim_end()
            .to_owned()
    }

    /// The text of `a`, `i`, `c`: `a\` NEWLINE TEXT (lines ending in `\` continue) or
    /// GNU's one-line `a TEXT`.
    fn text(&mut self) -> Vec<u8> {
        self.skip_blanks();
        if self.peek() == Some(b'\\') {
            self.i += 1;
            if self.peek() == Some(b'\n') {
                self.i += 1;
            }
        }
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                b'\\' => match self.peek() {
                    Some(n) => {
                        self.i += 1;
                        out.push(n);
                    }
                    None => break,
                },
                b'\n' => break,
                _ => out.push(c),
            }
        }
        if out.is_empty() {
            self.fail("expected \\ after `a', `c' or `i'");
        }
        out.push(b'\n');
        out
    }

    fn replacement(&self, raw: &[u8]) -> Vec<Repl> {
        let mut out = Vec::new();
        let mut lit = Vec::new();
        let mut i = 0;
        while i < raw.len() {
            let c = raw[i];
            match c {
                b'&' => {
                    out.push(Repl::Lit(std::mem::take(&mut lit)));
                    out.push(Repl::Group(0));
                }
                b'\\' if i + 1 < raw.len() => {
                    i += 1;
                    match raw[i] {
                        d @ b'0'..=b'9' => {
                            out.push(Repl::Lit(std::mem::take(&mut lit)));
                            out.push(Repl::Group((d - b'0') as usize));
                        }
                        b't' => lit.push(b'\t'),
                        b'n' => lit.push(b'\n'),
                        other => lit.push(other),
                    }
                }
                _ => lit.push(c),
            }
            i += 1;
        }
        out.push(Repl::Lit(lit));
        out
    }

    fn wfile(&mut self, name: String) -> usize {
        if name.is_empty() {
            self.fail("missing filename in r/R/w/W commands");
        }
        if let Some(k) = self.wfiles.iter().position(|n| *n == name) {
            return k;
        }
        self.wfiles.push(name);
        self.wfiles.len() - 1
    }

    fn parse(&mut self) -> Vec<Command> {
        let mut cmds: Vec<Command> = Vec::new();
        let mut open: Vec<usize> = Vec::new();
        loop {
            while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b';')) {
                self.i += 1;
            }
            let Some(c) = self.peek() else { break };
            if c == b'#' {
                while self.peek().is_some_and(|c| c != b'\n') {
                    self.i += 1;
                }
                continue;
            }
            let a1 = self.address();
            let mut a2 = None;
            if a1.is_some() && self.peek() == Some(b',') {
                self.i += 1;
                a2 = self.address();
                if a2.is_none() {
                    self.fail("unexpected `,'");
                }
            }
            if matches!(a1, Some(Addr::Plus(_))) {
                self.fail("unexpected `,'");
            }
            if matches!(a1, Some(Addr::Line(0))) && !matches!(a2, Some(Addr::Re(_))) {
                self.fail("invalid usage of line address 0");
            }
            self.skip_blanks();
            let mut negate = false;
            while self.peek() == Some(b'!') {
                negate = true;
                self.i += 1;
                self.skip_blanks();
            }
            let Some(c) = self.peek() else {
                self.fail("missing command")
            };
            self.i += 1;
            let cmd = match c {
                b'{' => {
                    open.push(cmds.len());
                    Cmd::Block(0)
                }
                b'}' => {
                    if a1.is_some() {
                        self.fail("} doesn't want any addresses");
                    }
                    let Some(start) = open.pop() else {
                        self.fail("unexpected `}'")
                    };
                    let here = cmds.len();
                    cmds[start].cmd = Cmd::Block(here + 1);
                    Cmd::EndBlock
                }
                b's' => {
                    let Some(delim) = self.peek().filter(|&d| d != b'\n' && d != b'\\') else {
                        self.fail("unterminated `s' command")
                    };
                    let pat = self.delimited(delim, true, "`s' command");
                    self.i -= 1;
                    let raw = self.delimited(delim, false, "`s' command");
                    let repl = self.replacement(&raw);
                    let (mut global, mut nth, mut print, mut icase, mut write) =
                        (false, 1, false, false, None);
                    loop {
                        match self.peek() {
                            Some(b'g') => global = true,
                            Some(b'p') => print = true,
                            Some(b'I' | b'i') => icase = true,
                            Some(b'0'..=b'9') => {
                                let n = self.number();
                                if n == 0 {
                                    self.fail("number option to `s' command may not be zero");
                                }
                                nth = n as usize;
                                continue;
                            }
                            Some(b'w') => {
                                self.i += 1;
                                let name = self.word(false);
                                write = Some(self.wfile(name));
                                break;
                            }
                            Some(b' ' | b'\t' | b'\n' | b';' | b'}' | b'#') | None => break,
                            Some(_) => self.fail("unknown option to `s'"),
                        }
                        self.i += 1;
                    }
                    Cmd::Subst(Box::new(Subst {
                        re: self.regex(&pat, icase),
                        repl,
                        global,
                        nth,
                        print,
                        write,
                    }))
                }
                b'y' => {
                    let Some(delim) = self.peek() else {
                        self.fail("unterminated `y' command")
                    };
                    let src = self.delimited(delim, false, "`y' command");
                    self.i -= 1;
                    let dst = self.delimited(delim, false, "`y' command");
                    let unescape = |v: Vec<u8>| -> Vec<u8> {
                        let mut out = Vec::new();
                        let mut it = v.into_iter();
                        while let Some(c) = it.next() {
                            if c == b'\\' {
                                match it.next() {
                                    Some(b'\\') => out.push(b'\\'),
                                    Some(b't') => out.push(b'\t'),
                                    Some(o) => out.push(o),
                                    None => out.push(c),
                                }
                            } else {
                                out.push(c);
                            }
                        }
                        out
                    };
                    let (src, dst) = (unescape(src), unescape(dst));
                    if src.len() != dst.len() {
                        self.fail("strings for `y' command are different lengths");
                    }
                    Cmd::Trans(src.into_iter().zip(dst).collect())
                }
                b'd' => Cmd::Delete,
                b'D' => Cmd::DeleteFirst,
                b'p' => Cmd::Print,
                b'P' => Cmd::PrintFirst,
                b'n' => Cmd::Next,
                b'N' => Cmd::Append,
                b'=' => Cmd::LineNo,
                b'q' | b'Q' => {
                    self.skip_blanks();
                    let code = self.number() as i32;
                    Cmd::Quit(code, c == b'q')
                }
                b'a' | b'i' | b'c' => Cmd::Text(c, self.text()),
                b'h' | b'H' | b'g' | b'G' | b'x' => Cmd::Hold(c),
                b'b' | b't' | b'T' => Cmd::Branch(c, self.word(true)),
                b':' => {
                    if a1.is_some() {
                        self.fail(": doesn't want any addresses");
                    }
                    let label = self.word(true);
                    if label.is_empty() {
                        self.fail("\":\" lacks a label");
                    }
                    cmds.push(Command {
                        a1: None,
                        a2: None,
                        negate: false,
                        cmd: Cmd::Label,
                        active: false,
                        end_line: 0,
                    });
                    self.labels_push(label, cmds.len() - 1);
                    continue;
                }
                b'r' => Cmd::ReadFile(self.word(false)),
                b'w' => {
                    let name = self.word(false);
                    Cmd::WriteFile(self.wfile(name))
                }
                _ => self.fail(&format!("unknown command: `{}'", c as char)),
            };
            cmds.push(Command {
                a1,
                a2,
                negate,
                cmd,
                active: false,
                end_line: 0,
            });
            if matches!(cmds.last().map(|c| &c.cmd), Some(Cmd::Block(_))) {
                continue;
            }
            // After a command: blanks, then `;`, a newline, `}` or `#`.
            self.skip_blanks();
            match self.peek() {
                None | Some(b';' | b'\n' | b'}' | b'#') => {}
                Some(_) => self.fail("extra characters after command"),
            }
        }
        if !open.is_empty() {
            // GNU sed reports this one at the start of the script.
            die("-e expression #1, char 0: unmatched `{'", 1);
        }
        cmds
    }

    fn labels_push(&mut self, label: String, at: usize) {
        LABELS.with(|l| l.borrow_mut().insert(label, at));
    }
}

thread_local! {
    static LABELS: std::cell::RefCell<HashMap<String, usize>> = Default::default();
}

/// The input: every file in turn as one stream (or one file, for `-s`/`-i`), read a
/// line ahead so that `$` is known.
struct Input {
    files: Vec<String>,
    next_file: usize,
    cur: Option<Box<dyn BufRead>>,
    ahead: Option<Vec<u8>>,
    status: i32,
}

impl Input {
    fn new(files: Vec<String>) -> Self {
        let mut input = Self {
            files,
            next_file: 0,
            cur: None,
            ahead: None,
            status: 0,
        };
        input.ahead = input.fetch();
        input
    }

    fn fetch(&mut self) -> Option<Vec<u8>> {
        loop {
            if self.cur.is_none() {
                let name = self.files.get(self.next_file)?.clone();
                self.next_file += 1;
                match cli::open(&name) {
                    Ok(r) => self.cur = Some(r),
                    Err(e) => {
                        let _ = cli::stdout().flush();
                        let what = if e.raw_os_error() == Some(31) {
                            format!("couldn't edit {name}: not a regular file")
                        } else {
                            format!("can't read {name}: {}", cli::msg(&e))
                        };
                        eprintln!("{PROG}: {what}");
                        self.status = 2;
                        continue;
                    }
                }
            }
            let mut line = Vec::new();
            let reader = self.cur.as_mut()?;
            match cli::read_line(&mut **reader, &mut line) {
                Ok(true) => return Some(line),
                Ok(false) => self.cur = None,
                Err(e) => {
                    let _ = cli::stdout().flush();
                    eprintln!("{PROG}: read error: {}", cli::msg(&e));
                    self.status = 2;
                    self.cur = None;
                }
            }
        }
    }

    /// The next line without its newline, and whether it had one.
    fn next(&mut self) -> Option<(Vec<u8>, bool)> {
        let mut line = self.ahead.take()?;
        self.ahead = self.fetch();
        let nl = line.last() == Some(&b'\n');
        if nl {
            line.pop();
        }
        Some((line, nl))
    }

    fn is_last(&self) -> bool {
        self.ahead.is_none()
    }
}

struct Editor {
    cmds: Vec<Command>,
    quiet: bool,
    last_re: Option<Regex>,
    wfiles: Vec<File>,
    out: Box<dyn Write>,
    pending_nl: bool,
}

enum End {
    Continue,
    Quit(i32),
}

impl Editor {
    fn re<'a>(&'a self, re: &'a Option<Regex>) -> &'a Regex {
        match re.as_ref().or(self.last_re.as_ref()) {
            Some(r) => r,
            None => die("no previous regular expression", 1),
        }
    }

    /// Writes the pattern space and its newline — none for a last input line that had
    /// none (until more output follows it, as GNU sed does).
    fn emit_ps(&mut self, ps: &[u8], nl: bool) {
        self.emit(ps, nl);
        self.pending_nl = !nl;
    }

    fn emit(&mut self, bytes: &[u8], nl: bool) {
        if bytes.is_empty() && !nl {
            return;
        }
        if std::mem::take(&mut self.pending_nl) {
            self.emit(b"\n", false);
        }
        let r = self.out.write_all(bytes).and_then(|()| {
            if nl {
                self.out.write_all(b"\n")
            } else {
                Ok(())
            }
        });
        if let Err(e) = r {
            if e.kind() == io::ErrorKind::BrokenPipe {
                exit(4);
            }
            die(&format!("couldn't write: {}", cli::msg(&e)), 4);
        }
    }

    fn matches(&mut self, a: &Addr, ps: &[u8], line: u64, last: bool) -> bool {
        match a {
            Addr::Line(n) => line == *n,
            Addr::Last => last,
            Addr::Plus(_) => false,
            Addr::Re(re) => {
                let hit = self.re(re).is_match(ps);
                if re.is_some() {
                    self.last_re.clone_from(re);
                }
                hit
            }
        }
    }

    fn selected(&mut self, k: usize, ps: &[u8], line: u64, last: bool) -> bool {
        let (a1, a2) = (self.cmds[k].a1.clone(), self.cmds[k].a2.clone());
        let hit = match (a1, a2) {
            (None, _) => true,
            (Some(a1), None) => self.matches(&a1, ps, line, last),
            (Some(a1), Some(a2)) => {
                if self.cmds[k].active {
                    // An open range takes every line up to and including its end.
                    let end = match &a2 {
                        Addr::Line(n) => line >= *n,
                        Addr::Plus(_) => line >= self.cmds[k].end_line,
                        other => self.matches(other, ps, line, last),
                    };
                    self.cmds[k].active = !end;
                    true
                } else {
                    let start = match &a1 {
                        // `0,/re/`: open before the first line, so the first line may
                        // already end it.
                        Addr::Line(0) if line == 1 => {
                            let end = self.matches(&a2, ps, line, last);
                            self.cmds[k].active = !end;
                            return !self.cmds[k].negate;
                        }
                        other => self.matches(other, ps, line, last),
                    };
                    if start {
                        // A line-number end at or before the start makes a one-line range.
                        self.cmds[k].active = match &a2 {
                            Addr::Line(n) => *n > line,
                            Addr::Plus(n) => {
                                self.cmds[k].end_line = line + n;
                                *n > 0
                            }
                            Addr::Last => !last,
                            Addr::Re(_) => true,
                        };
                    }
                    start
                }
            }
        };
        hit != self.cmds[k].negate
    }

    fn substitute(&mut self, k: usize, ps: &mut Vec<u8>) -> bool {
        let Cmd::Subst(s) = &self.cmds[k].cmd else {
            return false;
        };
        let re = self.re(&s.re).clone();
        if s.re.is_some() {
            self.last_re.clone_from(&s.re);
        }
        let Cmd::Subst(s) = &self.cmds[k].cmd else {
            return false;
        };
        let mut out = Vec::with_capacity(ps.len());
        let (mut pos, mut copied, mut count) = (0, 0, 0);
        let mut prev_end: Option<usize> = None;
        let mut replaced = false;
        while pos <= ps.len() {
            let Some(caps) = re.captures_at(ps, pos) else {
                break;
            };
            let m = caps.get(0).expect("group 0");
            if m.is_empty() && prev_end == Some(m.start()) {
                // No empty match right after a match.
                pos = m.start() + 1;
                continue;
            }
            count += 1;
            if count >= s.nth {
                out.extend_from_slice(&ps[copied..m.start()]);
                for part in &s.repl {
                    match part {
                        Repl::Lit(b) => out.extend_from_slice(b),
                        Repl::Group(g) => {
                            if let Some(g) = caps.get(*g) {
                                out.extend_from_slice(g.as_bytes());
                            }
                        }
                    }
                }
                copied = m.end();
                replaced = true;
                if !s.global {
                    break;
                }
            }
            prev_end = Some(m.end());
            pos = if m.is_empty() { m.end() + 1 } else { m.end() };
        }
        if !replaced {
            return false;
        }
        out.extend_from_slice(&ps[copied..]);
        *ps = out;
        true
    }

    /// Runs the script over the input; returns the exit code if a `q`/`Q` ended it.
    fn run(&mut self, input: &mut Input) -> End {
        let mut line_no = 0u64;
        let mut hold: Vec<u8> = Vec::new();
        let mut ps: Vec<u8> = Vec::new();
        let mut nl = true;
        let mut restart_without_read = false;
        loop {
            if !restart_without_read {
                let Some((l, n)) = input.next() else {
                    return End::Continue;
                };
                ps = l;
                nl = n;
                line_no += 1;
            }
            restart_without_read = false;
            let mut appended: Vec<u8> = Vec::new();
            let mut tflag = false;
            let mut autoprint = !self.quiet;
            let mut pc = 0;
            let mut quit = None;
            while pc < self.cmds.len() {
                let last = input.is_last();
                if !self.selected(pc, &ps, line_no, last) {
                    pc = match self.cmds[pc].cmd {
                        Cmd::Block(after) => after,
                        _ => pc + 1,
                    };
                    continue;
                }
                let mut next = pc + 1;
                match &self.cmds[pc].cmd {
                    Cmd::Block(_) | Cmd::EndBlock | Cmd::Label => {}
                    Cmd::Subst(_) => {
                        if self.substitute(pc, &mut ps) {
                            tflag = true;
                            let Cmd::Subst(s) = &self.cmds[pc].cmd else {
                                unreachable!()
                            };
                            let (print, write) = (s.print, s.write);
                            if print {
                                let p = ps.clone();
                                self.emit_ps(&p, nl || !input.is_last());
                            }
                            if let Some(w) = write {
                                let _ = self.wfiles[w]
                                    .write_all(&ps)
                                    .and_then(|()| self.wfiles[w].write_all(b"\n"));
                            }
                        }
                    }
                    Cmd::Trans(map) => {
                        for b in ps.iter_mut() {
                            if let Some((_, to)) = map.iter().find(|(from, _)| from == b) {
                                *b = *to;
                            }
                        }
                    }
                    Cmd::Delete => {
                        autoprint = false;
                        next = usize::MAX;
                    }
                    Cmd::DeleteFirst => match ps.iter().position(|&b| b == b'\n') {
                        Some(i) => {
                            ps.drain(..=i);
                            autoprint = false;
                            restart_without_read = true;
                            next = usize::MAX;
                        }
                        None => {
                            autoprint = false;
                            next = usize::MAX;
                        }
                    },
                    Cmd::Print => {
                        let p = ps.clone();
                        self.emit_ps(&p, nl || !input.is_last());
                    }
                    Cmd::PrintFirst => {
                        let end = ps.iter().position(|&b| b == b'\n').unwrap_or(ps.len());
                        let p = ps[..end].to_vec();
                        self.emit(&p, true);
                    }
                    Cmd::Next => {
                        if input.is_last() {
                            // No next line: GNU prints and ends (unless -n).
                            next = usize::MAX;
                            quit = Some(0);
                        } else {
                            if autoprint {
                                let p = ps.clone();
                                self.emit_ps(&p, true);
                            }
                            self.emit(&std::mem::take(&mut appended), false);
                            let (l, n) = input.next().expect("a line ahead");
                            ps = l;
                            nl = n;
                            line_no += 1;
                        }
                    }
                    Cmd::Append => {
                        if input.is_last() {
                            next = usize::MAX;
                            quit = Some(0);
                        } else {
                            self.emit(&std::mem::take(&mut appended), false);
                            let (l, n) = input.next().expect("a line ahead");
                            ps.push(b'\n');
                            ps.extend_from_slice(&l);
                            nl = n;
                            line_no += 1;
                        }
                    }
                    Cmd::Quit(code, print) => {
                        quit = Some(*code);
                        autoprint &= *print;
                        next = usize::MAX;
                    }
                    Cmd::LineNo => {
                        let t = format!("{line_no}\n");
                        self.emit(t.as_bytes(), false);
                    }
                    Cmd::Text(kind, text) => match kind {
                        b'a' => appended.extend_from_slice(text),
                        b'i' => {
                            let t = text.clone();
                            self.emit(&t, false);
                        }
                        _ => {
                            // `c`: at the end of a range (or on every selected line).
                            let t = text.clone();
                            let c = &self.cmds[pc];
                            if c.a2.is_none() || c.negate || !c.active {
                                self.emit(&t, false);
                            }
                            autoprint = false;
                            next = usize::MAX;
                        }
                    },
                    Cmd::Hold(h) => match h {
                        b'h' => hold.clone_from(&ps),
                        b'H' => {
                            hold.push(b'\n');
                            hold.extend_from_slice(&ps);
                        }
                        b'g' => ps.clone_from(&hold),
                        b'G' => {
                            ps.push(b'\n');
                            ps.extend_from_slice(&hold);
                        }
                        _ => std::mem::swap(&mut ps, &mut hold),
                    },
                    Cmd::Branch(kind, label) => {
                        let jump = match kind {
                            b'b' => true,
                            b't' => std::mem::take(&mut tflag),
                            _ => !std::mem::take(&mut tflag),
                        };
                        if jump {
                            next = if label.is_empty() {
                                usize::MAX
                            } else {
                                LABELS
                                    .with(|l| l.borrow().get(label).copied())
                                    .unwrap_or(usize::MAX)
                            };
                        }
                    }
                    Cmd::ReadFile(name) => {
                        if let Ok(bytes) = std::fs::read(name) {
                            appended.extend_from_slice(&bytes);
                        }
                    }
                    Cmd::WriteFile(w) => {
                        let w = *w;
                        let _ = self.wfiles[w]
                            .write_all(&ps)
                            .and_then(|()| self.wfiles[w].write_all(b"\n"));
                    }
                }
                pc = next;
            }
            if autoprint {
                let p = std::mem::take(&mut ps);
                self.emit_ps(&p, nl || !input.is_last());
                ps = p;
            }
            self.emit(&appended, false);
            if let Some(code) = quit {
                return End::Quit(code);
            }
        }
    }
}

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let mut scripts: Vec<String> = Vec::new();
    let (mut quiet, mut extended, mut separate) = (false, false, false);
    let mut in_place: Option<String> = None;
    let mut operands = Vec::new();
    let mut args = std::env::args().skip(1);
    let mut only_operands = false;
    while let Some(a) = args.next() {
        if only_operands || a == "-" || !a.starts_with('-') {
            operands.push(a);
            continue;
        }
        match a.as_str() {
            "--" => only_operands = true,
            "--quiet" | "--silent" => quiet = true,
            "--regexp-extended" => extended = true,
            "--separate" => separate = true,
            "--posix" | "--unbuffered" => {}
            _ if a.starts_with("--in-place") => {
                in_place = Some(a.strip_prefix("--in-place=").unwrap_or("").to_owned())
            }
            _ if a.starts_with("--expression=") => scripts.push(a[13..].to_owned()),
            _ if a.starts_with("--") => {
                cli::try_help(PROG, &format!("unrecognized option '{a}'"), 1)
            }
            _ => {
                let body = &a[1..];
                for (i, c) in body.char_indices() {
                    match c {
                        'n' => quiet = true,
                        'E' | 'r' => extended = true,
                        's' => separate = true,
                        'u' => {}
                        'i' => {
                            in_place = Some(body[i + 1..].to_owned());
                            break;
                        }
                        'e' | 'f' => {
                            let rest = &body[i + 1..];
                            let v = if rest.is_empty() {
                                args.next().unwrap_or_else(|| {
                                    cli::try_help(
                                        PROG,
                                        &format!("option requires an argument -- '{c}'"),
                                        1,
                                    )
                                })
                            } else {
                                rest.to_owned()
                            };
                            if c == 'e' {
                                scripts.push(v);
                            } else {
                                match std::fs::read_to_string(&v) {
                                    Ok(mut t) => {
                                        if t.ends_with('\n') {
                                            t.pop();
                                        }
                                        scripts.push(t)
                                    }
                                    Err(e) => {
                                        die(&format!("couldn't open file {v}: {}", cli::msg(&e)), 1)
                                    }
                                }
                            }
                            break;
                        }
                        _ => cli::try_help(PROG, &format!("invalid option -- '{c}'"), 1),
                    }
                }
            }
        }
    }
    if scripts.is_empty() {
        if operands.is_empty() {
            eprintln!(
                "Usage: {PROG} [OPTION]... {{script-only-if-no-other-script}} [input-file]..."
            );
            exit(1);
        }
        scripts.push(operands.remove(0));
    }
    let mut joined = Vec::new();
    let mut pieces = Vec::new();
    for s in &scripts {
        pieces.push(joined.len());
        joined.extend_from_slice(s.as_bytes());
        joined.push(b'\n');
    }
    let mut wnames = Vec::new();
    let cmds = Parser {
        s: &joined,
        i: 0,
        extended,
        pieces: &pieces,
        wfiles: &mut wnames,
    }
    .parse();
    for c in &cmds {
        if let Cmd::Branch(_, label) = &c.cmd
            && !label.is_empty()
            && LABELS.with(|l| !l.borrow().contains_key(label))
        {
            die(
                &format!("-e expression #1, char 0: can't find label for jump to `{label}'"),
                1,
            );
        }
    }
    let wfiles = wnames
        .iter()
        .map(|n| {
            File::create(n)
                .unwrap_or_else(|e| die(&format!("couldn't open file {n}: {}", cli::msg(&e)), 4))
        })
        .collect();
    let mut ed = Editor {
        cmds,
        quiet,
        last_re: None,
        wfiles,
        out: Box::new(cli::stdout()),
        pending_nl: false,
    };
    let mut status = 0;
    if let Some(suffix) = in_place {
        if operands.is_empty() {
            die("no input files", 1);
        }
        for name in operands {
            match std::fs::metadata(&name) {
                Ok(m) if m.is_file() => {}
                Ok(_) => {
                    eprintln!("{PROG}: couldn't edit {name}: not a regular file");
                    status = 4;
                    continue;
                }
                Err(e) => {
                    eprintln!("{PROG}: can't read {name}: {}", cli::msg(&e));
                    status = 2;
                    continue;
                }
            }
            let tmp = format!("{}/.sed{}", cli::dirname(&name), cli::basename(&name));
            let file = File::create(&tmp).unwrap_or_else(|e| {
                die(
                    &format!("couldn't open temporary file {tmp}: {}", cli::msg(&e)),
                    4,
                )
            });
            ed.out = Box::new(io::BufWriter::new(file));
            ed.pending_nl = false;
            for c in &mut ed.cmds {
                c.active = false;
            }
            let mut input = Input::new(vec![name.clone()]);
            let end = ed.run(&mut input);
            if let Err(e) = ed.out.flush() {
                die(&format!("couldn't write {tmp}: {}", cli::msg(&e)), 4);
            }
            ed.out = Box::new(io::sink());
            if !suffix.is_empty() {
                let backup = if suffix.contains('*') {
                    suffix.replace('*', cli::basename(&name))
                } else {
                    format!("{name}{suffix}")
                };
                let _ = std::fs::rename(&name, backup);
            }
            if let Err(e) = std::fs::rename(&tmp, &name) {
                die(&format!("cannot rename {tmp}: {}", cli::msg(&e)), 4);
            }
            if let End::Quit(code) = end {
                return ExitCode::from(code as u8);
            }
        }
        return ExitCode::from(status as u8);
    }
    let files = cli::files_or_stdin(operands);
    let groups: Vec<Vec<String>> = if separate {
        files.into_iter().map(|f| vec![f]).collect()
    } else {
        vec![files]
    };
    for group in groups {
        for c in &mut ed.cmds {
            c.active = false;
        }
        let mut input = Input::new(group);
        let end = ed.run(&mut input);
        status = status.max(input.status);
        if let End::Quit(code) = end {
            status = code;
            break;
        }
    }
    if let Err(e) = ed.out.flush() {
        die(&format!("couldn't flush stdout: {}", cli::msg(&e)), 4);
    }
    ExitCode::from(status as u8)
}
