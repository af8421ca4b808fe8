//! The shell's lexer: source text → tokens (words, operators, redirections), each with
//! its byte span. Plain Rust, no WASI calls, so its tests run on the host.
//!
//! Quoting: `'...'` is literal; `"..."` keeps `$NAME`/`${NAME}` expansion and lets `\`
//! escape only `$ " \` and newline; an unquoted `\` escapes the next character and
//! `\<newline>` joins lines. `#` at the start of a word starts a comment. A word of
//! digits right before `<` or `>` is the redirection's descriptor (`2>`, `2>&1`).

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
    /// A leading unquoted `~` (followed by `/` or the end of the word): `$HOME`.
    Tilde,
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
}

impl RedirOp {
    /// The descriptor it applies to without an explicit number.
    pub fn default_fd(self) -> u32 {
        match self {
            RedirOp::In | RedirOp::ReadWrite | RedirOp::DupIn => 0,
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
    Newline,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The input ends inside a quote, after `\`, or in `${`: more lines are needed.
    Incomplete,
    Syntax(String),
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

struct Lexer<'a> {
    s: &'a str,
    i: usize,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.s[self.i..].chars().next()
    }

    fn peek2(&self) -> Option<char> {
        let mut it = self.s[self.i..].chars();
        it.next();
        it.next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.i += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.i += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn redir(&mut self, fd: Option<u32>) -> Result<Tok, Error> {
        let op = if self.eat('<') {
            if self.eat('<') {
                return Err(Error::Syntax(
                    "here-documents (<<) are not supported".into(),
                ));
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
        Ok(Tok::Redir(fd, op))
    }

    /// After `$` (consumed): a parameter, or a literal `$`.
    fn dollar(&mut self, w: &mut WordBuilder, quoted: bool) -> Result<(), Error> {
        let name = match self.peek() {
            Some('{') => {
                self.bump();
                let rest = &self.s[self.i..];
                let end = rest.find('}').ok_or(Error::Incomplete)?;
                let name = rest[..end].to_owned();
                self.i += end + 1;
                let ok = is_name(&name)
                    || (!name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()))
                    || matches!(name.as_str(), "?" | "$" | "!" | "#" | "@" | "*");
                if !ok {
                    return Err(Error::Syntax(format!("${{{name}}}: bad substitution")));
                }
                name
            }
            Some('(') => {
                return Err(Error::Syntax(
                    "command substitution $(...) is not supported".into(),
                ));
            }
            Some(c) if c == '_' || c.is_ascii_alphabetic() => {
                let rest = &self.s[self.i..];
                let end = rest
                    .find(|c: char| !(c == '_' || c.is_ascii_alphanumeric()))
                    .unwrap_or(rest.len());
                self.i += end;
                rest[..end].to_owned()
            }
            Some(c) if c.is_ascii_digit() || "?$!#@*".contains(c) => {
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

    fn word(&mut self) -> Result<Word, Error> {
        let mut w = WordBuilder::default();
        if self.peek() == Some('~') && self.peek2().is_none_or(|c| c == '/' || is_meta(c)) {
            self.bump();
            w.parts.push(Part::Tilde);
        }
        while let Some(c) = self.peek() {
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
                '\'' => {
                    let rest = &self.s[self.i..];
                    let end = rest.find('\'').ok_or(Error::Incomplete)?;
                    w.push_str(&rest[..end], true);
                    self.i += end + 1;
                }
                '"' => {
                    w.push_str("", true);
                    loop {
                        match self.bump() {
                            None => return Err(Error::Incomplete),
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
                            Some('$') => self.dollar(&mut w, true)?,
                            Some('`') => return Err(backquote()),
                            Some(e) => w.push_char(e, true),
                        }
                    }
                }
                '$' => self.dollar(&mut w, false)?,
                '`' => return Err(backquote()),
                _ => w.push_char(c, false),
            }
        }
        Ok(w.parts)
    }
}

fn backquote() -> Error {
    Error::Syntax("command substitution `...` is not supported".into())
}

/// Splits `src` into tokens.
pub fn tokenize(src: &str) -> Result<Vec<Token>, Error> {
    let mut lx = Lexer { s: src, i: 0 };
    let mut out = Vec::new();
    loop {
        // Blanks and line continuations between tokens.
        loop {
            match lx.peek() {
                Some(' ' | '\t') => {
                    lx.bump();
                }
                Some('\\') if lx.peek2() == Some('\n') => {
                    lx.i += 2;
                    if lx.i == src.len() {
                        return Err(Error::Incomplete);
                    }
                }
                _ => break,
            }
        }
        let start = lx.i;
        let Some(c) = lx.peek() else { break };
        let tok = match c {
            '#' => {
                let rest = &src[lx.i..];
                lx.i += rest.find('\n').unwrap_or(rest.len());
                continue;
            }
            '\n' => {
                lx.bump();
                Tok::Newline
            }
            ';' => {
                lx.bump();
                if lx.peek() == Some(';') {
                    return Err(Error::Syntax("unexpected ';;'".into()));
                }
                Tok::Semi
            }
            '&' => {
                lx.bump();
                if lx.eat('&') { Tok::AndIf } else { Tok::Amp }
            }
            '|' => {
                lx.bump();
                if lx.eat('|') { Tok::OrIf } else { Tok::Pipe }
            }
            '<' | '>' => lx.redir(None)?,
            '(' | ')' => {
                return Err(Error::Syntax(format!(
                    "unexpected '{c}' (subshells are not supported)"
                )));
            }
            _ => {
                let rest = &src[lx.i..];
                let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
                let io_number = (digits > 0
                    && matches!(rest[digits..].chars().next(), Some('<' | '>')))
                .then(|| rest[..digits].parse::<u32>().ok())
                .flatten();
                if let Some(fd) = io_number {
                    lx.i += digits;
                    lx.redir(Some(fd))?
                } else {
                    Tok::Word(lx.word()?)
                }
            }
        };
        out.push(Token {
            tok,
            start,
            end: lx.i,
        });
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
                Tok::Word(vec![q(""), var("?", true), q("x")]),
                Tok::Word(vec![lit("$")]),
                Tok::Word(vec![lit("a$")]),
            ]
        );
        assert_eq!(
            toks("$12 ${12} $@"),
            vec![
                Tok::Word(vec![var("1", false), lit("2")]),
                Tok::Word(vec![var("12", false)]),
                Tok::Word(vec![var("@", false)]),
            ]
        );
        assert!(matches!(tokenize("${a b}"), Err(Error::Syntax(_))));
        assert!(matches!(tokenize("$(ls)"), Err(Error::Syntax(_))));
        assert!(matches!(tokenize("`ls`"), Err(Error::Syntax(_))));
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
        assert!(matches!(tokenize("cat <<EOF"), Err(Error::Syntax(_))));
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
        for src in ["'abc", "\"abc", "abc\\", "${A", "\"a\\", "a \\\n", "a\\\n"] {
            assert_eq!(tokenize(src), Err(Error::Incomplete), "{src:?}");
        }
    }

    #[test]
    fn spans() {
        let t = tokenize("  ab  'c d' &").unwrap();
        assert_eq!((t[0].start, t[0].end), (2, 4));
        assert_eq!((t[1].start, t[1].end), (6, 11));
        assert_eq!((t[2].start, t[2].end), (12, 13));
    }
}
