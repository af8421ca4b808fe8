//! The shell's lexer: source text → tokens (words, operators, redirections), each with
//! its byte span and line. Plain Rust, no WASI calls, so its tests run on the host.
//!
//! It is a set of methods on [`Parser`], which pulls tokens one at a time: a `$(…)` or a
//! backquoted command inside a word is parsed right there by the same parser, and the
//! bodies of here-documents are read when the newline that ends their command is lexed.
//!
//! Quoting: `'...'` is literal; `"..."` keeps `$…`, `${…}`, `$(…)`, `` `…` `` and `$((…))`
//! and lets `\` escape only `$ ` " \` and newline; an unquoted `\` escapes the next
//! character and `\<newline>` joins lines. `#` at the start of a word starts a comment. A
//! word of digits right before `<` or `>` is the redirection's descriptor (`2>`, `2>&1`).

use std::cell::RefCell;
use std::rc::Rc;

use super::parser::{Parser, Program};

/// One piece of a word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// Unquoted literal text.
    Lit(String),
    /// Quoted (or backslash-escaped) literal text; may be empty (`""`).
    Quoted(String),
    /// `$NAME`, `${NAME}`, `$?`, `$1`, `$@`, ...; `quoted` inside double quotes (no field
    /// splitting).
    Var { name: String, quoted: bool },
    /// `${NAME<op>word}` and `${#NAME}`.
    Param {
        name: String,
        op: ParamOp,
        arg: Word,
        quoted: bool,
    },
    /// `$(…)` or `` `…` ``: the parsed program and its text (for a child shell).
    Cmd {
        prog: Program,
        text: String,
        quoted: bool,
    },
    /// `$((…))`: the expression, itself expanded before it is evaluated.
    Arith { expr: Word, quoted: bool },
    /// A leading unquoted `~` (followed by `/` or the end of the word): `$HOME`.
    Tilde,
}

/// The operator of a `${…}` expansion; `bool` is the `:` form (null counts as unset) or,
/// for the trims, the longest match (`##`, `%%`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamOp {
    Length,
    Default(bool),
    Assign(bool),
    Error(bool),
    Alt(bool),
    TrimPrefix(bool),
    TrimSuffix(bool),
}

pub type Word = Vec<Part>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedirOp {
    /// `<`
    In,
    /// `>` and `>|`
    Out,
    /// `>>`
    Append,
    /// `<>`
    ReadWrite,
    /// `<&`
    DupIn,
    /// `>&`
    DupOut,
    /// `<<` (`strip`: `<<-`, leading tabs removed)
    HereDoc { strip: bool },
}

impl RedirOp {
    /// The descriptor it applies to without an explicit number.
    pub fn default_fd(self) -> u32 {
        match self {
            RedirOp::In | RedirOp::ReadWrite | RedirOp::DupIn | RedirOp::HereDoc { .. } => 0,
            RedirOp::Out | RedirOp::Append | RedirOp::DupOut => 1,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    Word(Word),
    Redir(Option<u32>, RedirOp),
    /// `|`
    Pipe,
    /// `||`
    OrIf,
    /// `&`
    Amp,
    /// `&&`
    AndIf,
    /// `;`
    Semi,
    /// `;;`
    DSemi,
    /// `(`
    LParen,
    /// `)`
    RParen,
    Newline,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
    pub line: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The input ends inside a quote, after `\`, in `${`, or before a here-document's
    /// end: more lines are needed.
    Incomplete,
    Syntax(String),
}

/// A here-document whose body is still to be read.
pub(super) struct Pending {
    pub delim: String,
    pub strip: bool,
    pub expand: bool,
    pub body: Rc<RefCell<Word>>,
}

fn is_meta(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | ';' | '&' | '|' | '<' | '>' | '(' | ')'
    )
}

pub fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// Collects the parts of one word, merging adjacent literal text of the same kind.
#[derive(Default)]
struct WordBuilder {
    parts: Word,
}

impl WordBuilder {
    fn push_str(&mut self, s: &str, quoted: bool) {
        match (self.parts.last_mut(), quoted) {
            (Some(Part::Lit(t)), false) | (Some(Part::Quoted(t)), true) => t.push_str(s),
            _ if quoted => self.parts.push(Part::Quoted(s.to_owned())),
            _ if !s.is_empty() => self.parts.push(Part::Lit(s.to_owned())),
            _ => {}
        }
    }

    fn push_char(&mut self, c: char, quoted: bool) {
        self.push_str(c.encode_utf8(&mut [0; 4]), quoted);
    }
}

/// How [`Parser::loose_word`] treats its text.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Loose {
    /// A here-document body: `\` escapes `$`, `` ` ``, `\` and newline.
    HereDoc,
    /// A `$((…))` expression: the same, and `"` is a quote that is dropped.
    Arith,
}

impl Parser<'_> {
    pub(super) fn peek_char(&self) -> Option<char> {
        self.s[self.i..].chars().next()
    }

    fn peek_char2(&self) -> Option<char> {
        let mut it = self.s[self.i..].chars();
        it.next();
        it.next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek_char()?;
        self.i += c.len_utf8();
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek_char() == Some(c) {
            self.bump();
            true
        } else {
            false
        }
    }

    /// The next token, or `None` at the end of the text.
    pub(super) fn lex(&mut self) -> Result<Option<Token>, Error> {
        loop {
            match self.peek_char() {
                Some(' ' | '\t') => {
                    self.bump();
                }
                Some('\\') if self.peek_char2() == Some('\n') => {
                    self.bump();
                    self.bump();
                    if self.i == self.s.len() {
                        return Err(Error::Incomplete);
                    }
                }
                Some('#') => {
                    let rest = &self.s[self.i..];
                    self.i += rest.find('\n').unwrap_or(rest.len());
                }
                _ => break,
            }
        }
        let start = self.i;
        let line = self.line;
        let Some(c) = self.peek_char() else {
            if !self.pending.is_empty() {
                return Err(Error::Incomplete);
            }
            return Ok(None);
        };
        let tok = match c {
            '\n' => {
                self.bump();
                self.read_heredocs()?;
                Tok::Newline
            }
            ';' => {
                self.bump();
                if self.eat(';') { Tok::DSemi } else { Tok::Semi }
            }
            '&' => {
                self.bump();
                if self.eat('&') { Tok::AndIf } else { Tok::Amp }
            }
            '|' => {
                self.bump();
                if self.eat('|') { Tok::OrIf } else { Tok::Pipe }
            }
            '(' => {
                self.bump();
                Tok::LParen
            }
            ')' => {
                self.bump();
                Tok::RParen
            }
            '<' | '>' => self.redir(None),
            _ => {
                let rest = &self.s[self.i..];
                let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
                let io_number = (digits > 0
                    && matches!(rest[digits..].chars().next(), Some('<' | '>')))
                .then(|| rest[..digits].parse::<u32>().ok())
                .flatten();
                if let Some(fd) = io_number {
                    self.i += digits;
                    self.redir(Some(fd))
                } else {
                    Tok::Word(self.word()?)
                }
            }
        };
        Ok(Some(Token {
            tok,
            start,
            end: self.i,
            line,
        }))
    }

    fn redir(&mut self, fd: Option<u32>) -> Tok {
        let op = if self.eat('<') {
            if self.eat('<') {
                RedirOp::HereDoc {
                    strip: self.eat('-'),
                }
            } else if self.eat('&') {
                RedirOp::DupIn
            } else if self.eat('>') {
                RedirOp::ReadWrite
            } else {
                RedirOp::In
            }
        } else {
            self.bump(); // '>'
            if self.eat('>') {
                RedirOp::Append
            } else if self.eat('&') {
                RedirOp::DupOut
            } else {
                self.eat('|');
                RedirOp::Out
            }
        };
        Tok::Redir(fd, op)
    }

    /// Reads the bodies of the here-documents whose commands ended at this newline.
    fn read_heredocs(&mut self) -> Result<(), Error> {
        for p in std::mem::take(&mut self.pending) {
            let mut text = String::new();
            loop {
                if self.i >= self.s.len() {
                    return Err(Error::Incomplete);
                }
                let rest = &self.s[self.i..];
                let len = rest.find('\n').map_or(rest.len(), |n| n + 1);
                let raw = &rest[..len];
                let has_newline = raw.ends_with('\n');
                self.i += len;
                if has_newline {
                    self.line += 1;
                }
                let mut line = raw.strip_suffix('\n').unwrap_or(raw);
                if p.strip {
                    line = line.trim_start_matches('\t');
                }
                if line == p.delim {
                    break;
                }
                if !has_newline {
                    // The last line of the input is not the delimiter: more is needed.
                    return Err(Error::Incomplete);
                }
                text.push_str(line);
                text.push('\n');
            }
            let word = if p.expand {
                let mut sub = Parser::new(&text, self.line);
                sub.loose_word(Loose::HereDoc)?
            } else {
                vec![Part::Quoted(text)]
            };
            *p.body.borrow_mut() = word;
        }
        Ok(())
    }

    fn word(&mut self) -> Result<Word, Error> {
        let mut w = WordBuilder::default();
        if self.peek_char() == Some('~') && self.peek_char2().is_none_or(|c| c == '/' || is_meta(c))
        {
            self.bump();
            w.parts.push(Part::Tilde);
        }
        while let Some(c) = self.peek_char() {
            if is_meta(c) {
                break;
            }
            self.bump();
            match c {
                '\\' => match self.bump() {
                    None => return Err(Error::Incomplete),
                    Some('\n') if self.i == self.s.len() => return Err(Error::Incomplete),
                    Some('\n') => {}
                    Some(e) => w.push_char(e, true),
                },
                '\'' => self.single_quote(&mut w)?,
                '"' => self.double_quote(&mut w)?,
                '$' => self.dollar(&mut w, false)?,
                '`' => self.backquote(&mut w, false)?,
                _ => w.push_char(c, false),
            }
        }
        Ok(w.parts)
    }

    fn single_quote(&mut self, w: &mut WordBuilder) -> Result<(), Error> {
        let rest = &self.s[self.i..];
        let Some(end) = rest.find('\'') else {
            self.expecting.get_or_insert_with(|| "'".into());
            return Err(Error::Incomplete);
        };
        let text = &rest[..end];
        self.line += text.matches('\n').count();
        w.push_str(text, true);
        self.i += end + 1;
        Ok(())
    }

    /// After `"` (consumed): the quoted text up to the closing `"`.
    fn double_quote(&mut self, w: &mut WordBuilder) -> Result<(), Error> {
        let before = w.parts.len();
        loop {
            match self.bump() {
                None => {
                    self.expecting.get_or_insert_with(|| "\"".into());
                    return Err(Error::Incomplete);
                }
                Some('"') => break,
                Some('\\') => match self.bump() {
                    None => return Err(Error::Incomplete),
                    Some('\n') => {}
                    Some(e @ ('$' | '`' | '"' | '\\')) => w.push_char(e, true),
                    Some(e) => {
                        w.push_char('\\', true);
                        w.push_char(e, true);
                    }
                },
                Some('$') => self.dollar(w, true)?,
                Some('`') => self.backquote(w, true)?,
                Some(e) => w.push_char(e, true),
            }
        }
        // `""` is an (empty) field; `"$@"` alone is not.
        if w.parts.len() == before && !matches!(w.parts.last(), Some(Part::Quoted(_))) {
            w.push_str("", true);
        }
        Ok(())
    }

    /// After `$` (consumed): a parameter, a substitution, or a literal `$`.
    fn dollar(&mut self, w: &mut WordBuilder, quoted: bool) -> Result<(), Error> {
        let name = match self.peek_char() {
            Some('{') => {
                self.bump();
                let part = self.braced(quoted)?;
                w.parts.push(part);
                return Ok(());
            }
            Some('(') if self.peek_char2() == Some('(') => {
                self.bump();
                self.bump();
                let text = self.arith_text()?;
                let mut sub = Parser::new(&text, self.line);
                let expr = sub.loose_word(Loose::Arith)?;
                w.parts.push(Part::Arith { expr, quoted });
                return Ok(());
            }
            Some('(') => {
                self.bump();
                let start = self.i;
                let prog = self.subst_program()?;
                let text = self.s[start..self.i - 1].to_owned();
                w.parts.push(Part::Cmd { prog, text, quoted });
                return Ok(());
            }
            Some(c) if c == '_' || c.is_ascii_alphabetic() => {
                let rest = &self.s[self.i..];
                let end = rest
                    .find(|c: char| !(c == '_' || c.is_ascii_alphanumeric()))
                    .unwrap_or(rest.len());
                self.i += end;
                rest[..end].to_owned()
            }
            Some(c) if c.is_ascii_digit() || "?$!#@*-".contains(c) => {
                self.bump();
                c.to_string()
            }
            _ => {
                w.push_char('$', quoted);
                return Ok(());
            }
        };
        w.parts.push(Part::Var { name, quoted });
        Ok(())
    }

    /// The text of `$((…))` up to the matching `))` (both consumed).
    fn arith_text(&mut self) -> Result<String, Error> {
        let start = self.i;
        let mut depth = 0usize;
        loop {
            match self.bump() {
                None => return Err(Error::Incomplete),
                Some('(') => depth += 1,
                Some(')') if depth > 0 => depth -= 1,
                Some(')') => {
                    if self.eat(')') {
                        return Ok(self.s[start..self.i - 2].to_owned());
                    }
                    return Err(Error::Syntax("missing '))'".into()));
                }
                Some('\\') => {
                    self.bump();
                }
                _ => {}
            }
        }
    }

    /// After `${` (consumed).
    fn braced(&mut self, quoted: bool) -> Result<Part, Error> {
        let bad = |s: &Self| Error::Syntax(format!("{}: bad substitution", &s.s[s.i..]));
        let mut length = false;
        if self.peek_char() == Some('#') && !matches!(self.peek_char2(), Some('}') | None) {
            self.bump();
            length = true;
        }
        let rest = &self.s[self.i..];
        let name = match rest.chars().next() {
            None => return Err(Error::Incomplete),
            Some(c) if c == '_' || c.is_ascii_alphabetic() => {
                let end = rest
                    .find(|c: char| !(c == '_' || c.is_ascii_alphanumeric()))
                    .unwrap_or(rest.len());
                rest[..end].to_owned()
            }
            Some(c) if c.is_ascii_digit() => {
                let end = rest
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(rest.len());
                rest[..end].to_owned()
            }
            Some(c) if "?$!#@*-".contains(c) => c.to_string(),
            Some(_) => return Err(bad(self)),
        };
        self.i += name.len();
        if length {
            if !self.eat('}') {
                return Err(if self.i >= self.s.len() {
                    Error::Incomplete
                } else {
                    bad(self)
                });
            }
            return Ok(Part::Param {
                name,
                op: ParamOp::Length,
                arg: Vec::new(),
                quoted,
            });
        }
        if self.eat('}') {
            return Ok(Part::Var { name, quoted });
        }
        let colon = self.eat(':');
        let op = match self.bump() {
            None => return Err(Error::Incomplete),
            Some('-') => ParamOp::Default(colon),
            Some('=') => ParamOp::Assign(colon),
            Some('?') => ParamOp::Error(colon),
            Some('+') => ParamOp::Alt(colon),
            Some('#') if !colon => ParamOp::TrimPrefix(self.eat('#')),
            Some('%') if !colon => ParamOp::TrimSuffix(self.eat('%')),
            Some(_) => return Err(bad(self)),
        };
        // A pattern's single quotes quote even inside double quotes.
        let pattern = matches!(op, ParamOp::TrimPrefix(_) | ParamOp::TrimSuffix(_));
        let arg = self.brace_arg(quoted, pattern)?;
        Ok(Part::Param {
            name,
            op,
            arg,
            quoted,
        })
    }

    /// The word of `${NAME<op>word}` up to the closing `}` (consumed).
    fn brace_arg(&mut self, quoted: bool, pattern: bool) -> Result<Word, Error> {
        let mut w = WordBuilder::default();
        let mut depth = 0usize;
        // A pattern (`${x%pat}`, `${x#pat}`) has its own quoting: the double quotes around
        // the whole expansion do not quote it, so `"${f%/*}"` trims (as dash does); quotes
        // inside it do.
        let quoted = quoted && !pattern;
        loop {
            let Some(c) = self.bump() else {
                return Err(Error::Incomplete);
            };
            match c {
                '}' if depth == 0 => break,
                '}' => {
                    depth -= 1;
                    w.push_char(c, quoted);
                }
                '{' => {
                    depth += 1;
                    w.push_char(c, quoted);
                }
                '\\' => match self.bump() {
                    None => return Err(Error::Incomplete),
                    Some('\n') => {}
                    Some(e) if quoted && !matches!(e, '$' | '`' | '"' | '\\' | '}') => {
                        w.push_char('\\', true);
                        w.push_char(e, true);
                    }
                    Some(e) => w.push_char(e, true),
                },
                '\'' if !quoted => self.single_quote(&mut w)?,
                '"' => self.double_quote(&mut w)?,
                '$' => self.dollar(&mut w, quoted)?,
                '`' => self.backquote(&mut w, quoted)?,
                _ => w.push_char(c, quoted),
            }
        }
        Ok(w.parts)
    }

    /// After `` ` `` (consumed): the command up to the closing backquote.
    fn backquote(&mut self, w: &mut WordBuilder, quoted: bool) -> Result<(), Error> {
        let mut text = String::new();
        let line = self.line;
        loop {
            match self.bump() {
                None => return Err(Error::Incomplete),
                Some('`') => break,
                Some('\\') => match self.bump() {
                    None => return Err(Error::Incomplete),
                    Some(e @ ('$' | '`' | '\\')) => text.push(e),
                    Some('"') if quoted => text.push('"'),
                    Some(e) => {
                        text.push('\\');
                        text.push(e);
                    }
                },
                Some(c) => text.push(c),
            }
        }
        let mut sub = Parser::new(&text, line);
        let prog = match sub.program() {
            Ok(p) => p,
            Err(Error::Incomplete) => {
                return Err(Error::Syntax("unterminated command in backquotes".into()));
            }
            Err(e) => return Err(e),
        };
        w.parts.push(Part::Cmd { prog, text, quoted });
        Ok(())
    }

    /// The whole text as one word of quoted text and expansions (a here-document body, an
    /// arithmetic expression).
    fn loose_word(&mut self, mode: Loose) -> Result<Word, Error> {
        let mut w = WordBuilder::default();
        while let Some(c) = self.bump() {
            match c {
                '\\' => match self.bump() {
                    None => w.push_char('\\', true),
                    Some('\n') => {}
                    Some(e @ ('$' | '`' | '\\')) => w.push_char(e, true),
                    Some(e) => {
                        w.push_char('\\', true);
                        w.push_char(e, true);
                    }
                },
                '"' if mode == Loose::Arith => {}
                '$' => self.dollar(&mut w, true)?,
                '`' => self.backquote(&mut w, true)?,
                _ => w.push_char(c, true),
            }
        }
        if w.parts.is_empty() {
            w.push_str("", true);
        }
        Ok(w.parts)
    }
}

/// Registers a here-document whose body the lexer reads after the next newline.
pub(super) fn pending(delim: String, strip: bool, expand: bool) -> (Pending, Rc<RefCell<Word>>) {
    let body = Rc::new(RefCell::new(Vec::new()));
    (
        Pending {
            delim,
            strip,
            expand,
            body: body.clone(),
        },
        body,
    )
}

/// Splits `src` into tokens (for tests: no here-documents).
#[cfg(test)]
pub fn tokenize(src: &str) -> Result<Vec<Token>, Error> {
    let mut p = Parser::new(src, 1);
    let mut out = Vec::new();
    while let Some(t) = p.lex()? {
        out.push(t);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Part {
        Part::Lit(s.into())
    }
    fn q(s: &str) -> Part {
        Part::Quoted(s.into())
    }
    fn var(n: &str, quoted: bool) -> Part {
        Part::Var {
            name: n.into(),
            quoted,
        }
    }
    fn toks(src: &str) -> Vec<Tok> {
        tokenize(src).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn words_and_operators() {
        assert_eq!(
            toks("a b|c||d&&e&f;g\n"),
            vec![
                Tok::Word(vec![lit("a")]),
                Tok::Word(vec![lit("b")]),
                Tok::Pipe,
                Tok::Word(vec![lit("c")]),
                Tok::OrIf,
                Tok::Word(vec![lit("d")]),
                Tok::AndIf,
                Tok::Word(vec![lit("e")]),
                Tok::Amp,
                Tok::Word(vec![lit("f")]),
                Tok::Semi,
                Tok::Word(vec![lit("g")]),
                Tok::Newline,
            ]
        );
        assert_eq!(
            toks("(a);;)"),
            vec![
                Tok::LParen,
                Tok::Word(vec![lit("a")]),
                Tok::RParen,
                Tok::DSemi,
                Tok::RParen
            ]
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(toks("'a b'"), vec![Tok::Word(vec![q("a b")])]);
        assert_eq!(toks("\"\""), vec![Tok::Word(vec![q("")])]);
        assert_eq!(toks("''"), vec![Tok::Word(vec![q("")])]);
        assert_eq!(
            toks(r"a\ b"),
            vec![Tok::Word(vec![lit("a"), q(" "), lit("b")])]
        );
        assert_eq!(
            toks(r#""a\"b\$c\d""#),
            vec![Tok::Word(vec![q(r#"a"b$c\d"#)])]
        );
        assert_eq!(toks("'$HOME'"), vec![Tok::Word(vec![q("$HOME")])]);
        assert_eq!(
            toks("x'y'\"z\"w"),
            vec![Tok::Word(vec![lit("x"), q("yz"), lit("w")])]
        );
        assert_eq!(toks("a\\\nb"), vec![Tok::Word(vec![lit("ab")])]);
        assert_eq!(toks("'it''s'"), vec![Tok::Word(vec![q("its")])]);
        assert_eq!(toks("'a|b;c'"), vec![Tok::Word(vec![q("a|b;c")])]);
    }

    #[test]
    fn variables() {
        assert_eq!(
            toks("$A ${B}c \"$?x\" $ a$"),
            vec![
                Tok::Word(vec![var("A", false)]),
                Tok::Word(vec![var("B", false), lit("c")]),
                Tok::Word(vec![var("?", true), q("x")]),
                Tok::Word(vec![lit("$")]),
                Tok::Word(vec![lit("a$")]),
            ]
        );
        assert_eq!(
            toks("$12 ${12} $@ \"$@\""),
            vec![
                Tok::Word(vec![var("1", false), lit("2")]),
                Tok::Word(vec![var("12", false)]),
                Tok::Word(vec![var("@", false)]),
                Tok::Word(vec![var("@", true)]),
            ]
        );
        assert!(matches!(tokenize("${a b}"), Err(Error::Syntax(_))));
    }

    #[test]
    fn parameter_operators() {
        let p = |src: &str| match &toks(src)[0] {
            Tok::Word(w) => w[0].clone(),
            t => panic!("{t:?}"),
        };
        assert_eq!(
            p("${x:-a b}"),
            Part::Param {
                name: "x".into(),
                op: ParamOp::Default(true),
                arg: vec![lit("a b")],
                quoted: false
            }
        );
        // Inside double quotes a pattern stays a pattern (its own quoting), as in dash.
        assert_eq!(
            p("\"${x%%.*}\""),
            Part::Param {
                name: "x".into(),
                op: ParamOp::TrimSuffix(true),
                arg: vec![lit(".*")],
                quoted: true
            }
        );
        assert_eq!(
            p("${#x}"),
            Part::Param {
                name: "x".into(),
                op: ParamOp::Length,
                arg: vec![],
                quoted: false
            }
        );
        assert_eq!(p("${#}"), var("#", false));
        assert!(matches!(
            p("${x=$y}"),
            Part::Param { op: ParamOp::Assign(false), ref arg, .. } if arg == &vec![var("y", false)]
        ));
        assert!(
            matches!(p("${x#'*'}"), Part::Param { op: ParamOp::TrimPrefix(false), ref arg, .. } if arg == &vec![q("*")])
        );
    }

    #[test]
    fn substitutions() {
        let w = match &toks("a$(echo x; echo y)b")[0] {
            Tok::Word(w) => w.clone(),
            t => panic!("{t:?}"),
        };
        assert_eq!(w.len(), 3);
        assert!(
            matches!(&w[1], Part::Cmd { prog, text, quoted: false } if prog.len() == 2 && text == "echo x; echo y")
        );
        let w = match &toks("\"`echo \\`x\\``\"")[0] {
            Tok::Word(w) => w.clone(),
            t => panic!("{t:?}"),
        };
        assert!(matches!(&w[0], Part::Cmd { text, quoted: true, .. } if text == "echo `x`"));
        let w = match &toks("$((1 + $x))")[0] {
            Tok::Word(w) => w.clone(),
            t => panic!("{t:?}"),
        };
        assert_eq!(
            w,
            vec![Part::Arith {
                expr: vec![q("1 + "), var("x", true)],
                quoted: false
            }]
        );
        // A `)` inside a case pattern does not end the substitution.
        assert_eq!(
            toks("$(case a in a) echo y;; esac)").len(),
            1,
            "case inside $(...)"
        );
    }

    #[test]
    fn redirections() {
        assert_eq!(
            toks("a >f 2>&1 <g >>h 2>e 3<>x >&- 12x"),
            vec![
                Tok::Word(vec![lit("a")]),
                Tok::Redir(None, RedirOp::Out),
                Tok::Word(vec![lit("f")]),
                Tok::Redir(Some(2), RedirOp::DupOut),
                Tok::Word(vec![lit("1")]),
                Tok::Redir(None, RedirOp::In),
                Tok::Word(vec![lit("g")]),
                Tok::Redir(None, RedirOp::Append),
                Tok::Word(vec![lit("h")]),
                Tok::Redir(Some(2), RedirOp::Out),
                Tok::Word(vec![lit("e")]),
                Tok::Redir(Some(3), RedirOp::ReadWrite),
                Tok::Word(vec![lit("x")]),
                Tok::Redir(None, RedirOp::DupOut),
                Tok::Word(vec![lit("-")]),
                Tok::Word(vec![lit("12x")]),
            ]
        );
        // A quoted or separated number is an argument.
        assert_eq!(
            toks("echo 2 >x"),
            vec![
                Tok::Word(vec![lit("echo")]),
                Tok::Word(vec![lit("2")]),
                Tok::Redir(None, RedirOp::Out),
                Tok::Word(vec![lit("x")]),
            ]
        );
        assert_eq!(
            toks("cat <<-EOF")[1],
            Tok::Redir(None, RedirOp::HereDoc { strip: true })
        );
    }

    #[test]
    fn comments_and_tilde() {
        assert_eq!(
            toks("a # b c\nd#e"),
            vec![
                Tok::Word(vec![lit("a")]),
                Tok::Newline,
                Tok::Word(vec![lit("d#e")]),
            ]
        );
        assert_eq!(
            toks("~ ~/x a~ '~' ~b"),
            vec![
                Tok::Word(vec![Part::Tilde]),
                Tok::Word(vec![Part::Tilde, lit("/x")]),
                Tok::Word(vec![lit("a~")]),
                Tok::Word(vec![q("~")]),
                Tok::Word(vec![lit("~b")]),
            ]
        );
    }

    #[test]
    fn incomplete_input() {
        for src in [
            "'abc", "\"abc", "abc\\", "${A", "\"a\\", "a \\\n", "a\\\n", "$(echo", "`ls", "$((1+",
        ] {
            assert_eq!(tokenize(src), Err(Error::Incomplete), "{src:?}");
        }
    }

    #[test]
    fn spans_and_lines() {
        let t = tokenize("  ab  'c d' &\nx").unwrap();
        assert_eq!((t[0].start, t[0].end), (2, 4));
        assert_eq!((t[1].start, t[1].end), (6, 11));
        assert_eq!((t[2].start, t[2].end), (12, 13));
        assert_eq!((t[0].line, t[4].line), (1, 2));
    }
}
