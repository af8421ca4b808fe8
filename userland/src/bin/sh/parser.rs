//! The shell's parser: source text → a program (plain Rust, host-testable). The POSIX
//! grammar, recursive descent over tokens pulled from the lexer one at a time:
//!
//! ```text
//! program   := linebreak (and_or sep linebreak)* [and_or]          sep := ';' | '&' | '\n'
//! and_or    := pipeline (('&&' | '||') linebreak pipeline)*
//! pipeline  := ['!'] command ('|' linebreak command)*
//! command   := simple | compound redir* | NAME '(' ')' linebreak command
//! compound  := '{' list '}' | '(' list ')' | if | while | until | for | case
//! simple    := (NAME=value | redir)* (word | redir)*
//! ```
//!
//! Reserved words are words that are a plain literal in command position. Each command
//! keeps its source text (a child shell runs it: a pipeline stage that is not a program,
//! `( … )`, a background list) and its line (for error messages).

use std::cell::RefCell;
use std::rc::Rc;

use super::lexer::{self, Error, Part, Pending, RedirOp, Tok, Token, Word};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redir {
    pub fd: u32,
    pub op: RedirOp,
    pub target: Word,
    /// A here-document's body (filled in when the lexer reaches it).
    pub body: Option<Rc<RefCell<Word>>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Simple {
    /// Leading `NAME=value` words.
    pub assigns: Vec<(String, Word)>,
    pub words: Vec<Word>,
    pub redirs: Vec<Redir>,
    pub line: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseArm {
    pub patterns: Vec<Word>,
    pub body: Program,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Compound {
    Brace(Program),
    /// `( … )` and the text between the parentheses.
    Subshell(Program, String),
    If {
        branches: Vec<(Program, Program)>,
        otherwise: Option<Program>,
    },
    Loop {
        until: bool,
        cond: Program,
        body: Program,
    },
    For {
        var: String,
        words: Option<Vec<Word>>,
        body: Program,
    },
    Case {
        word: Word,
        arms: Vec<CaseArm>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Simple(Simple),
    Compound(Compound, Vec<Redir>, usize),
    /// `NAME() body`, with the definition's source text.
    Func(String, Rc<Command>, String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pipeline {
    pub negate: bool,
    pub cmds: Vec<Command>,
    /// The source text of each command.
    pub texts: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connector {
    And,
    Or,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AndOr {
    pub first: Pipeline,
    pub rest: Vec<(Connector, Pipeline)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub and_or: AndOr,
    /// Ended by `&`.
    pub background: bool,
    /// The and-or list's source text (for a background list's child shell).
    pub text: String,
    pub line: usize,
}

pub type Program = Vec<Item>;

pub struct Parser<'a> {
    pub(super) s: &'a str,
    pub(super) i: usize,
    pub(super) line: usize,
    pub(super) pending: Vec<Pending>,
    peeked: Option<Token>,
    last_end: usize,
    /// What the text ended without: a closing reserved word, or `'` / `"` for a quote.
    pub(super) expecting: Option<String>,
}

const RESERVED_END: [&str; 8] = ["then", "elif", "else", "fi", "do", "done", "esac", "}"];

fn describe(t: &Tok) -> String {
    match t {
        Tok::Word(w) => match w.as_slice() {
            [Part::Lit(s)] => format!("\"{s}\""),
            _ => "word".into(),
        },
        Tok::Redir(..) => "redirection".into(),
        Tok::Pipe => "\"|\"".into(),
        Tok::OrIf => "\"||\"".into(),
        Tok::Amp => "\"&\"".into(),
        Tok::AndIf => "\"&&\"".into(),
        Tok::Semi => "\";\"".into(),
        Tok::DSemi => "\";;\"".into(),
        Tok::LParen => "\"(\"".into(),
        Tok::RParen => "\")\"".into(),
        Tok::Newline => "newline".into(),
    }
}

/// `NAME=rest` as an unquoted prefix of the word's first part.
pub fn assignment(w: &Word) -> Option<(String, Word)> {
    let Some(Part::Lit(first)) = w.first() else {
        return None;
    };
    let eq = first.find('=')?;
    let name = &first[..eq];
    if !lexer::is_name(name) {
        return None;
    }
    let mut value = Vec::new();
    if eq + 1 < first.len() {
        value.push(Part::Lit(first[eq + 1..].to_owned()));
    }
    value.extend(w[1..].iter().cloned());
    Some((name.to_owned(), value))
}

/// The word as plain text when it is one unquoted literal.
fn plain(t: &Tok) -> Option<&str> {
    match t {
        Tok::Word(w) => match w.as_slice() {
            [Part::Lit(s)] => Some(s),
            _ => None,
        },
        _ => None,
    }
}

impl<'a> Parser<'a> {
    pub fn new(s: &'a str, line: usize) -> Self {
        Parser {
            s,
            i: 0,
            line,
            pending: Vec::new(),
            peeked: None,
            last_end: 0,
            expecting: None,
        }
    }

    fn peek(&mut self) -> Result<Option<&Tok>, Error> {
        if self.peeked.is_none() {
            self.peeked = self.lex()?;
        }
        Ok(self.peeked.as_ref().map(|t| &t.tok))
    }

    fn peek_token(&mut self) -> Result<Option<&Token>, Error> {
        self.peek()?;
        Ok(self.peeked.as_ref())
    }

    fn next(&mut self) -> Result<Option<Token>, Error> {
        self.peek()?;
        let t = self.peeked.take();
        if let Some(t) = &t {
            self.last_end = t.end;
        }
        Ok(t)
    }

    fn unexpected(&mut self) -> Error {
        match self.peeked.as_ref() {
            None => Error::Incomplete,
            Some(t) => Error::Syntax(format!("{} unexpected", describe(&t.tok))),
        }
    }

    fn is_word(&mut self, word: &str) -> Result<bool, Error> {
        Ok(self.peek()?.and_then(plain) == Some(word))
    }

    fn expect_word(&mut self, word: &str) -> Result<(), Error> {
        if self.is_word(word)? {
            self.next()?;
            Ok(())
        } else {
            Err(match self.peek()? {
                None => {
                    self.expecting.get_or_insert_with(|| word.to_owned());
                    Error::Incomplete
                }
                Some(t) => {
                    Error::Syntax(format!("{} unexpected (expecting \"{word}\")", describe(t)))
                }
            })
        }
    }

    fn linebreak(&mut self) -> Result<(), Error> {
        while self.peek()? == Some(&Tok::Newline) {
            self.next()?;
        }
        Ok(())
    }

    /// A whole text.
    pub fn program(&mut self) -> Result<Program, Error> {
        let p = self.list()?;
        match self.peek()? {
            None => Ok(p),
            Some(_) => Err(self.unexpected()),
        }
    }

    /// and-or lists up to the first newline (consumed), as dash reads a script: one
    /// command at a time.
    fn complete_command(&mut self) -> Result<Program, Error> {
        while self.peek()? == Some(&Tok::Newline) {
            self.next()?;
        }
        let mut items = Vec::new();
        loop {
            match self.peek()? {
                None => break,
                Some(Tok::Newline) => {
                    self.next()?;
                    break;
                }
                _ => {}
            }
            let before = items.len();
            let rest = self.list_until_newline()?;
            items.extend(rest);
            if items.len() == before {
                return Err(self.unexpected());
            }
        }
        Ok(items)
    }

    /// The and-or lists of one line (without its newline).
    fn list_until_newline(&mut self) -> Result<Program, Error> {
        let mut items = Vec::new();
        while let Some(t) = self.peek()? {
            if *t == Tok::Newline
                || matches!(t, Tok::RParen | Tok::DSemi)
                || plain(t).is_some_and(|w| RESERVED_END.contains(&w))
            {
                break;
            }
            let (start, line) = {
                let t = self.peek_token()?.ok_or(Error::Incomplete)?;
                (t.start, t.line)
            };
            let and_or = self.and_or()?;
            let text = self.s[start..self.last_end].to_owned();
            let (background, separated) = match self.peek()? {
                Some(Tok::Semi) => {
                    self.next()?;
                    (false, true)
                }
                Some(Tok::Amp) => {
                    self.next()?;
                    (true, true)
                }
                _ => (false, false),
            };
            items.push(Item {
                and_or,
                background,
                text,
                line,
            });
            if !separated {
                match self.peek()? {
                    None | Some(Tok::Newline) => break,
                    Some(_) => return Err(self.unexpected()),
                }
            }
        }
        Ok(items)
    }

    /// `$( … )` after `$(`: the list and its `)`.
    pub(super) fn subst_program(&mut self) -> Result<Program, Error> {
        let p = self.list()?;
        match self.next()? {
            Some(Token {
                tok: Tok::RParen, ..
            }) => Ok(p),
            None => Err(Error::Incomplete),
            Some(t) => {
                self.peeked = Some(t);
                Err(self.unexpected())
            }
        }
    }

    /// and-or lists with separators, up to a token that cannot start a command (or a
    /// closing reserved word).
    fn list(&mut self) -> Result<Program, Error> {
        let mut items = Vec::new();
        loop {
            self.linebreak()?;
            let Some(t) = self.peek()? else { break };
            if matches!(t, Tok::RParen | Tok::DSemi)
                || plain(t).is_some_and(|w| RESERVED_END.contains(&w))
            {
                break;
            }
            let (start, line) = {
                let t = self.peek_token()?.ok_or(Error::Incomplete)?;
                (t.start, t.line)
            };
            let and_or = self.and_or()?;
            let text = self.s[start..self.last_end].to_owned();
            let (background, separated) = match self.peek()? {
                Some(Tok::Semi) => {
                    self.next()?;
                    (false, true)
                }
                Some(Tok::Amp) => {
                    self.next()?;
                    (true, true)
                }
                _ => (false, false),
            };
            items.push(Item {
                and_or,
                background,
                text,
                line,
            });
            if !separated {
                match self.peek()? {
                    None | Some(Tok::Newline) => {}
                    Some(t)
                        if matches!(t, Tok::RParen | Tok::DSemi)
                            || plain(t).is_some_and(|w| RESERVED_END.contains(&w)) =>
                    {
                        break;
                    }
                    Some(_) => return Err(self.unexpected()),
                }
            }
        }
        Ok(items)
    }

    fn and_or(&mut self) -> Result<AndOr, Error> {
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            let conn = match self.peek()? {
                Some(Tok::AndIf) => Connector::And,
                Some(Tok::OrIf) => Connector::Or,
                _ => break,
            };
            self.next()?;
            self.linebreak()?;
            rest.push((conn, self.pipeline()?));
        }
        Ok(AndOr { first, rest })
    }

    fn pipeline(&mut self) -> Result<Pipeline, Error> {
        let mut negate = false;
        if self.is_word("!")? {
            negate = true;
            self.next()?;
        }
        let mut cmds = Vec::new();
        let mut texts = Vec::new();
        loop {
            let start = match self.peek_token()? {
                Some(t) => t.start,
                None => return Err(Error::Incomplete),
            };
            cmds.push(self.command()?);
            texts.push(self.s[start..self.last_end].to_owned());
            if self.peek()? != Some(&Tok::Pipe) {
                break;
            }
            self.next()?;
            self.linebreak()?;
        }
        Ok(Pipeline {
            negate,
            cmds,
            texts,
        })
    }

    fn command(&mut self) -> Result<Command, Error> {
        let line = match self.peek_token()? {
            Some(t) => t.line,
            None => return Err(Error::Incomplete),
        };
        let compound = match self.peek()? {
            Some(Tok::LParen) => {
                self.next()?;
                let start = self.i;
                let body = self.list()?;
                let text = self.s[start..self.last_end].to_owned();
                self.expect(Tok::RParen)?;
                Some(Compound::Subshell(body, text))
            }
            Some(t) => match plain(t) {
                Some("{") => {
                    self.next()?;
                    let body = self.list()?;
                    self.expect_word("}")?;
                    Some(Compound::Brace(body))
                }
                Some("if") => Some(self.if_clause()?),
                Some(w @ ("while" | "until")) => {
                    let until = w == "until";
                    self.next()?;
                    let cond = self.list()?;
                    self.expect_word("do")?;
                    let body = self.list()?;
                    self.expect_word("done")?;
                    Some(Compound::Loop { until, cond, body })
                }
                Some("for") => Some(self.for_clause()?),
                Some("case") => Some(self.case_clause()?),
                _ => None,
            },
            None => return Err(Error::Incomplete),
        };
        if let Some(c) = compound {
            let mut redirs = Vec::new();
            while let Some(Tok::Redir(..)) = self.peek()? {
                redirs.push(self.redirection()?);
            }
            return Ok(Command::Compound(c, redirs, line));
        }
        self.simple(line)
    }

    fn expect(&mut self, want: Tok) -> Result<(), Error> {
        match self.peek()? {
            Some(t) if *t == want => {
                self.next()?;
                Ok(())
            }
            _ => Err(self.unexpected()),
        }
    }

    fn if_clause(&mut self) -> Result<Compound, Error> {
        self.next()?; // if
        let mut branches = Vec::new();
        let mut otherwise = None;
        loop {
            let cond = self.list()?;
            self.expect_word("then")?;
            let body = self.list()?;
            branches.push((cond, body));
            if self.is_word("elif")? {
                self.next()?;
                continue;
            }
            if self.is_word("else")? {
                self.next()?;
                otherwise = Some(self.list()?);
            }
            self.expect_word("fi")?;
            return Ok(Compound::If {
                branches,
                otherwise,
            });
        }
    }

    fn for_clause(&mut self) -> Result<Compound, Error> {
        self.next()?; // for
        let var = match self.next()? {
            Some(Token {
                tok: Tok::Word(w), ..
            }) => match w.as_slice() {
                [Part::Lit(s)] if lexer::is_name(s) => s.clone(),
                _ => return Err(Error::Syntax("Bad for loop variable".into())),
            },
            None => return Err(Error::Incomplete),
            Some(t) => {
                return Err(Error::Syntax(format!("{} unexpected", describe(&t.tok))));
            }
        };
        self.linebreak()?;
        let mut words = None;
        if self.is_word("in")? {
            self.next()?;
            let mut list = Vec::new();
            while let Some(Tok::Word(w)) = self.peek()? {
                list.push(w.clone());
                self.next()?;
            }
            words = Some(list);
            match self.peek()? {
                Some(Tok::Semi | Tok::Newline) => {
                    self.next()?;
                }
                _ => return Err(self.unexpected()),
            }
        } else if self.peek()? == Some(&Tok::Semi) {
            self.next()?;
        }
        self.linebreak()?;
        self.expect_word("do")?;
        let body = self.list()?;
        self.expect_word("done")?;
        Ok(Compound::For { var, words, body })
    }

    fn case_clause(&mut self) -> Result<Compound, Error> {
        self.next()?; // case
        let word = match self.next()? {
            Some(Token {
                tok: Tok::Word(w), ..
            }) => w,
            None => return Err(Error::Incomplete),
            Some(t) => {
                return Err(Error::Syntax(format!("{} unexpected", describe(&t.tok))));
            }
        };
        self.linebreak()?;
        self.expect_word("in")?;
        let mut arms = Vec::new();
        loop {
            self.linebreak()?;
            if self.is_word("esac")? {
                self.next()?;
                break;
            }
            if self.peek()? == Some(&Tok::LParen) {
                self.next()?;
            }
            let mut patterns = Vec::new();
            loop {
                match self.next()? {
                    Some(Token {
                        tok: Tok::Word(w), ..
                    }) => patterns.push(w),
                    None => return Err(Error::Incomplete),
                    Some(t) => {
                        self.peeked = Some(t);
                        return Err(self.unexpected());
                    }
                }
                match self.next()? {
                    Some(Token { tok: Tok::Pipe, .. }) => {}
                    Some(Token {
                        tok: Tok::RParen, ..
                    }) => break,
                    None => return Err(Error::Incomplete),
                    Some(t) => {
                        self.peeked = Some(t);
                        return Err(self.unexpected());
                    }
                }
            }
            let body = self.list()?;
            arms.push(CaseArm { patterns, body });
            match self.peek()? {
                Some(Tok::DSemi) => {
                    self.next()?;
                }
                _ => {
                    self.expect_word("esac")?;
                    break;
                }
            }
        }
        Ok(Compound::Case { word, arms })
    }

    fn redirection(&mut self) -> Result<Redir, Error> {
        let Some(Token {
            tok: Tok::Redir(fd, op),
            ..
        }) = self.next()?
        else {
            return Err(self.unexpected());
        };
        let (target, start, end) = match self.next()? {
            Some(Token {
                tok: Tok::Word(w),
                start,
                end,
                ..
            }) => (w, start, end),
            None => return Err(Error::Incomplete),
            Some(t) => {
                self.peeked = Some(t);
                return Err(self.unexpected());
            }
        };
        let mut body = None;
        if let RedirOp::HereDoc { strip } = op {
            let raw = &self.s[start..end];
            let quoted = raw.contains(['\'', '"', '\\']);
            let delim: String = raw
                .chars()
                .filter(|c| !matches!(c, '\'' | '"' | '\\'))
                .collect();
            let (p, b) = lexer::pending(delim, strip, !quoted);
            self.pending.push(p);
            body = Some(b);
        }
        Ok(Redir {
            fd: fd.unwrap_or(op.default_fd()),
            op,
            target,
            body,
        })
    }

    fn simple(&mut self, line: usize) -> Result<Command, Error> {
        let mut cmd = Simple {
            line,
            ..Simple::default()
        };
        loop {
            match self.peek()? {
                Some(Tok::Word(w)) => {
                    let w = w.clone();
                    let start = self.next()?.map_or(0, |t| t.start);
                    if cmd.words.is_empty()
                        && cmd.assigns.is_empty()
                        && cmd.redirs.is_empty()
                        && let [Part::Lit(name)] = w.as_slice()
                        && lexer::is_name(name)
                        && self.peek()? == Some(&Tok::LParen)
                    {
                        return self.function(name.clone(), start);
                    }
                    match assignment(&w).filter(|_| cmd.words.is_empty()) {
                        Some(a) => cmd.assigns.push(a),
                        None => cmd.words.push(w),
                    }
                }
                Some(Tok::Redir(..)) => {
                    let r = self.redirection()?;
                    cmd.redirs.push(r);
                }
                _ => break,
            }
        }
        if cmd.assigns.is_empty() && cmd.words.is_empty() && cmd.redirs.is_empty() {
            // After `|`, `&&`, `||` or `!`: a command must follow, maybe on the next line.
            return Err(self.unexpected());
        }
        Ok(Command::Simple(cmd))
    }

    /// After `NAME` (whose text starts at `start`), at `(`.
    fn function(&mut self, name: String, start: usize) -> Result<Command, Error> {
        self.next()?; // (
        self.expect(Tok::RParen)?;
        self.linebreak()?;
        let body = self.command()?;
        if matches!(body, Command::Simple(_) | Command::Func(..)) {
            return Err(Error::Syntax("Missing function body".into()));
        }
        let text = self.s[start..self.last_end].to_owned();
        Ok(Command::Func(name, Rc::new(body), text))
    }
}

/// Parses a whole source text. `Err(Incomplete)` asks for more input (an open quote or
/// compound command, a trailing `|`, `&&`, `||` or `\`, a here-document not yet ended).
pub fn parse(src: &str) -> Result<Program, Error> {
    parse_at(src, 1)
}

/// One complete command (up to its newline, here-documents included) from the start of
/// `src`, lines counted from `line`: the program (empty at the end of the text), the
/// bytes and the lines it took. On an error, also the line where it was found.
pub fn parse_command(src: &str, line: usize) -> Result<(Program, usize, usize), (Error, usize)> {
    let mut p = Parser::new(src, line);
    match p.complete_command() {
        Ok(prog) => Ok((prog, p.i, p.line)),
        Err(e) => Err((e, p.line)),
    }
}

/// dash's message for a text that ends too early (`Syntax error: …`).
pub fn eof_message(src: &str) -> String {
    let mut p = Parser::new(src, 1);
    let _ = p.program();
    match p.expecting.as_deref() {
        Some("'" | "\"") => "Unterminated quoted string".into(),
        Some(w) => format!("end of file unexpected (expecting \"{w}\")"),
        None => "end of file unexpected".into(),
    }
}

/// [`parse`], counting lines from `line`.
pub fn parse_at(src: &str, line: usize) -> Result<Program, Error> {
    Parser::new(src, line).program()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Word {
        vec![Part::Lit(s.into())]
    }

    fn simple(words: &[&str]) -> Command {
        Command::Simple(Simple {
            words: words.iter().map(|w| lit(w)).collect(),
            line: 1,
            ..Simple::default()
        })
    }

    fn first(p: &Program) -> &Command {
        &p[0].and_or.first.cmds[0]
    }

    #[test]
    fn list_and_pipeline() {
        let p = parse("echo a | cat; exit 3").unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(
            p[0].and_or.first.cmds,
            vec![simple(&["echo", "a"]), simple(&["cat"])]
        );
        assert_eq!(p[0].and_or.first.texts, vec!["echo a", "cat"]);
        assert!(!p[0].background);
        assert_eq!(p[1].and_or.first.cmds, vec![simple(&["exit", "3"])]);
    }

    #[test]
    fn and_or_chains() {
        let p = parse("a && b || c\n").unwrap();
        assert_eq!(p.len(), 1);
        let ao = &p[0].and_or;
        assert_eq!(ao.first.cmds, vec![simple(&["a"])]);
        assert_eq!(ao.rest.len(), 2);
        assert_eq!(ao.rest[0].0, Connector::And);
        assert_eq!(ao.rest[1].0, Connector::Or);
        assert_eq!(ao.rest[1].1.cmds, vec![simple(&["c"])]);
    }

    #[test]
    fn background_and_spans() {
        let src = "sleep 1 && echo x & jobs";
        let p = parse(src).unwrap();
        assert_eq!(p.len(), 2);
        assert!(p[0].background);
        assert_eq!(p[0].text, "sleep 1 && echo x");
        assert!(!p[1].background);
        assert_eq!(p[1].text, "jobs");
    }

    #[test]
    fn assignments_and_redirections() {
        let p = parse("A=1 B=\"x y\" cmd C=2 >out 2>&1 <in").unwrap();
        let Command::Simple(c) = first(&p) else {
            panic!()
        };
        assert_eq!(
            c.assigns,
            vec![
                ("A".into(), lit("1")),
                ("B".into(), vec![Part::Quoted("x y".into())]),
            ]
        );
        assert_eq!(c.words, vec![lit("cmd"), lit("C=2")]);
        let ops: Vec<(u32, RedirOp)> = c.redirs.iter().map(|r| (r.fd, r.op)).collect();
        assert_eq!(
            ops,
            vec![(1, RedirOp::Out), (2, RedirOp::DupOut), (0, RedirOp::In)]
        );
        let p = parse("'X'=1 1A=2").unwrap();
        let Command::Simple(c) = first(&p) else {
            panic!()
        };
        assert!(c.assigns.is_empty());
        assert_eq!(c.words.len(), 2);
    }

    #[test]
    fn negation() {
        let p = parse("! false").unwrap();
        assert!(p[0].and_or.first.negate);
        assert_eq!(p[0].and_or.first.cmds, vec![simple(&["false"])]);
        let p = parse("'!' x").unwrap();
        assert!(!p[0].and_or.first.negate);
    }

    #[test]
    fn compound_commands() {
        let p = parse("if a; then b; elif c; then d; else e; fi").unwrap();
        let Command::Compound(
            Compound::If {
                branches,
                otherwise,
            },
            ..,
        ) = first(&p)
        else {
            panic!()
        };
        assert_eq!(branches.len(), 2);
        assert!(otherwise.is_some());
        let p = parse("while a\ndo b; done; until c; do :; done").unwrap();
        assert_eq!(p.len(), 2);
        assert!(matches!(
            first(&p),
            Command::Compound(Compound::Loop { until: false, .. }, ..)
        ));
        let p = parse("for i in 1 2 3; do echo $i; done").unwrap();
        let Command::Compound(Compound::For { var, words, body }, ..) = first(&p) else {
            panic!()
        };
        assert_eq!(
            (var.as_str(), words.as_ref().unwrap().len(), body.len()),
            ("i", 3, 1)
        );
        let p = parse("for a\ndo :; done").unwrap();
        assert!(matches!(
            first(&p),
            Command::Compound(Compound::For { words: None, .. }, ..)
        ));
        let p = parse("{ a; b; } >f").unwrap();
        let Command::Compound(Compound::Brace(body), redirs, _) = first(&p) else {
            panic!()
        };
        assert_eq!((body.len(), redirs.len()), (2, 1));
        let p = parse("(a; b) | c").unwrap();
        let Command::Compound(Compound::Subshell(body, text), ..) = first(&p) else {
            panic!()
        };
        assert_eq!((body.len(), text.as_str()), (2, "a; b"));
    }

    #[test]
    fn case_and_functions() {
        let p = parse("case $x in\n a|b) echo ab;;\n (*.c) echo c\nesac").unwrap();
        let Command::Compound(Compound::Case { arms, .. }, ..) = first(&p) else {
            panic!()
        };
        assert_eq!(arms.len(), 2);
        assert_eq!(arms[0].patterns.len(), 2);
        let p = parse("case x in esac").unwrap();
        assert_eq!(p.len(), 1);
        let p = parse("f() { echo hi; }; f").unwrap();
        let Command::Func(name, body, text) = first(&p) else {
            panic!()
        };
        assert_eq!((name.as_str(), text.as_str()), ("f", "f() { echo hi; }"));
        assert!(matches!(**body, Command::Compound(Compound::Brace(_), ..)));
        assert_eq!(p.len(), 2);
    }

    #[test]
    fn heredocs() {
        let p = parse("cat <<E; echo x\nhello $y\n\tE\nE\ncat <<-'Q'\n\t$raw\n\tQ\n").unwrap();
        assert_eq!(p.len(), 3);
        let Command::Simple(c) = first(&p) else {
            panic!()
        };
        let body = c.redirs[0].body.as_ref().unwrap().borrow().clone();
        assert_eq!(
            body,
            vec![
                Part::Quoted("hello ".into()),
                Part::Var {
                    name: "y".into(),
                    quoted: true
                },
                Part::Quoted("\n\tE\n".into())
            ]
        );
        let Command::Simple(c) = &p[2].and_or.first.cmds[0] else {
            panic!()
        };
        let body = c.redirs[0].body.as_ref().unwrap().borrow().clone();
        assert_eq!(body, vec![Part::Quoted("$raw\n".into())]);
        assert_eq!(parse("cat <<E\nabc\n"), Err(Error::Incomplete));
    }

    #[test]
    fn lines() {
        let p = parse("a\n\nb; c\nif x\nthen y\nfi").unwrap();
        let lines: Vec<usize> = p.iter().map(|i| i.line).collect();
        assert_eq!(lines, vec![1, 3, 3, 4]);
    }

    #[test]
    fn continuation_is_incomplete() {
        for src in [
            "a |",
            "a &&",
            "a ||\n",
            "echo 'x",
            "a | \n",
            "!",
            "if a; then",
            "while :",
            "for i",
            "case x in",
            "f()",
            "{ a;",
            "(a",
            "echo $(a",
        ] {
            assert_eq!(parse(src), Err(Error::Incomplete), "{src:?}");
        }
        let p = parse("a |\n b &&\n\n c").unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].and_or.rest.len(), 1);
        assert_eq!(
            eof_message("if a; then\n b"),
            "end of file unexpected (expecting \"fi\")"
        );
        assert_eq!(eof_message("echo 'x"), "Unterminated quoted string");
        assert_eq!(eof_message("a |"), "end of file unexpected");
        // One command at a time, here-documents included.
        let src = "a; b\ncat <<E\nbody\nE\nif x\nthen y; fi\n)";
        let (p, used, line) = parse_command(src, 1).unwrap();
        assert_eq!((p.len(), &src[..used], line), (2, "a; b\n", 2));
        let (p, used2, line) = parse_command(&src[used..], 2).unwrap();
        assert_eq!((p.len(), line), (1, 5));
        let (p, used3, _) = parse_command(&src[used + used2..], 5).unwrap();
        assert_eq!(
            (p.len(), &src[used + used2..][..used3]),
            (1, "if x\nthen y; fi\n")
        );
        assert!(matches!(parse_command(")", 7), Err((Error::Syntax(_), 7))));
        assert_eq!(parse_command("\n\n", 1).unwrap().0.len(), 0);
    }

    #[test]
    fn syntax_errors() {
        for src in [
            ";",
            "a ;; b",
            "| a",
            "a | | b",
            "a && && b",
            "echo >;",
            "a > | b",
            "&",
            "fi",
            "if a; then b; done",
            ")",
            "a b)",
            "for 1 in x; do :; done",
        ] {
            assert!(matches!(parse(src), Err(Error::Syntax(_))), "{src:?}");
        }
    }

    #[test]
    fn empty_and_comments() {
        assert_eq!(parse("").unwrap(), vec![]);
        assert_eq!(parse("\n\n  # nothing\n").unwrap(), vec![]);
        assert_eq!(parse("a; b;").unwrap().len(), 2);
        assert_eq!(parse("a &\n").unwrap().len(), 1);
    }
}
