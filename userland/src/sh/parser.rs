//! The shell's parser: tokens → a program (plain Rust, host-testable).
//!
//! ```text
//! program  := sep* (and_or (';' | '&' | '\n') sep*)* [and_or]
//! and_or   := pipeline (('&&' | '||') '\n'* pipeline)*
//! pipeline := ['!'] command ('|' '\n'* command)*
//! command  := (NAME=value)* (word | redirection)+        (or only assignments/redirections)
//! ```

use super::lexer::{self, Error, Part, RedirOp, Tok, Token, Word};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redir {
    pub fd: u32,
    pub op: RedirOp,
    pub target: Word,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Command {
    /// Leading `NAME=value` words.
    pub assigns: Vec<(String, Word)>,
    pub words: Vec<Word>,
    pub redirs: Vec<Redir>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pipeline {
    pub negate: bool,
    pub cmds: Vec<Command>,
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
    /// Byte range of the and-or list in the source (for `sh -c` of a background list).
    pub start: usize,
    pub end: usize,
}

pub type Program = Vec<Item>;

struct Parser {
    toks: Vec<Token>,
    i: usize,
}

fn describe(t: &Tok) -> &'static str {
    match t {
        Tok::Word(_) => "word",
        Tok::Redir(..) => "redirection",
        Tok::Pipe => "'|'",
        Tok::OrIf => "'||'",
        Tok::Amp => "'&'",
        Tok::AndIf => "'&&'",
        Tok::Semi => "';'",
        Tok::Newline => "newline",
    }
}

fn unexpected(t: &Tok) -> Error {
    Error::Syntax(format!("unexpected {}", describe(t)))
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

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|t| &t.tok)
    }

    fn skip_newlines(&mut self) {
        while self.peek() == Some(&Tok::Newline) {
            self.i += 1;
        }
    }

    fn program(&mut self) -> Result<Program, Error> {
        let mut items = Vec::new();
        loop {
            self.skip_newlines();
            let Some(t) = self.peek() else { break };
            if !matches!(t, Tok::Word(_) | Tok::Redir(..)) {
                return Err(unexpected(t));
            }
            let start = self.toks[self.i].start;
            let and_or = self.and_or()?;
            let end = self.toks[self.i - 1].end;
            let background = match self.peek() {
                None | Some(Tok::Newline) => false,
                Some(Tok::Semi) => {
                    self.i += 1;
                    false
                }
                Some(Tok::Amp) => {
                    self.i += 1;
                    true
                }
                Some(t) => return Err(unexpected(t)),
            };
            items.push(Item {
                and_or,
                background,
                start,
                end,
            });
        }
        Ok(items)
    }

    fn and_or(&mut self) -> Result<AndOr, Error> {
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            let conn = match self.peek() {
                Some(Tok::AndIf) => Connector::And,
                Some(Tok::OrIf) => Connector::Or,
                _ => break,
            };
            self.i += 1;
            self.skip_newlines();
            rest.push((conn, self.pipeline()?));
        }
        Ok(AndOr { first, rest })
    }

    fn pipeline(&mut self) -> Result<Pipeline, Error> {
        let mut negate = false;
        if let Some(Tok::Word(w)) = self.peek()
            && w.as_slice() == [Part::Lit("!".into())]
        {
            negate = true;
            self.i += 1;
        }
        let mut cmds = vec![self.command()?];
        while self.peek() == Some(&Tok::Pipe) {
            self.i += 1;
            self.skip_newlines();
            cmds.push(self.command()?);
        }
        Ok(Pipeline { negate, cmds })
    }

    fn command(&mut self) -> Result<Command, Error> {
        let mut cmd = Command::default();
        loop {
            match self.peek() {
                Some(Tok::Word(w)) => {
                    let w = w.clone();
                    self.i += 1;
                    match assignment(&w).filter(|_| cmd.words.is_empty()) {
                        Some(a) => cmd.assigns.push(a),
                        None => cmd.words.push(w),
                    }
                }
                Some(&Tok::Redir(fd, op)) => {
                    self.i += 1;
                    let target = match self.peek() {
                        Some(Tok::Word(w)) => w.clone(),
                        Some(t) => return Err(unexpected(t)),
                        None => {
                            return Err(Error::Syntax(
                                "unexpected end of file (redirection without a target)".into(),
                            ));
                        }
                    };
                    self.i += 1;
                    cmd.redirs.push(Redir {
                        fd: fd.unwrap_or(op.default_fd()),
                        op,
                        target,
                    });
                }
                _ => break,
            }
        }
        if cmd.assigns.is_empty() && cmd.words.is_empty() && cmd.redirs.is_empty() {
            // After `|`, `&&`, `||` or `!`: a command must follow, maybe on the next line.
            return Err(match self.peek() {
                None => Error::Incomplete,
                Some(t) => unexpected(t),
            });
        }
        Ok(cmd)
    }
}

/// Parses a whole source text. `Err(Incomplete)` asks for more input (an open quote, a
/// trailing `|`, `&&`, `||` or `\`).
pub fn parse(src: &str) -> Result<Program, Error> {
    let toks = lexer::tokenize(src)?;
    Parser { toks, i: 0 }.program()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Word {
        vec![Part::Lit(s.into())]
    }

    fn simple(words: &[&str]) -> Command {
        Command {
            words: words.iter().map(|w| lit(w)).collect(),
            ..Command::default()
        }
    }

    #[test]
    fn list_and_pipeline() {
        let p = parse("echo a | cat; exit 3").unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(
            p[0].and_or.first.cmds,
            vec![simple(&["echo", "a"]), simple(&["cat"])]
        );
        assert!(!p[0].background);
        assert_eq!(p[1].and_or.first.cmds, vec![simple(&["exit", "3"])]);
    }

    #[test]
    fn and_or_chains() {
        let p = parse("a && b || c\n").unwrap();
        assert_eq!(p.len(), 1);
        let ao = &p[0].and_or;
        assert_eq!(ao.first.cmds, vec![simple(&["a"])]);
        assert_eq!(
            ao.rest,
            vec![
                (
                    Connector::And,
                    Pipeline {
                        negate: false,
                        cmds: vec![simple(&["b"])]
                    }
                ),
                (
                    Connector::Or,
                    Pipeline {
                        negate: false,
                        cmds: vec![simple(&["c"])]
                    }
                ),
            ]
        );
    }

    #[test]
    fn background_and_spans() {
        let src = "sleep 1 && echo x & jobs";
        let p = parse(src).unwrap();
        assert_eq!(p.len(), 2);
        assert!(p[0].background);
        assert_eq!(&src[p[0].start..p[0].end], "sleep 1 && echo x");
        assert!(!p[1].background);
        assert_eq!(&src[p[1].start..p[1].end], "jobs");
    }

    #[test]
    fn assignments_and_redirections() {
        let p = parse("A=1 B=\"x y\" cmd C=2 >out 2>&1 <in").unwrap();
        let c = &p[0].and_or.first.cmds[0];
        assert_eq!(
            c.assigns,
            vec![
                ("A".into(), lit("1")),
                ("B".into(), vec![Part::Quoted("x y".into())]),
            ]
        );
        assert_eq!(c.words, vec![lit("cmd"), lit("C=2")]);
        assert_eq!(
            c.redirs,
            vec![
                Redir {
                    fd: 1,
                    op: RedirOp::Out,
                    target: lit("out")
                },
                Redir {
                    fd: 2,
                    op: RedirOp::DupOut,
                    target: lit("1")
                },
                Redir {
                    fd: 0,
                    op: RedirOp::In,
                    target: lit("in")
                },
            ]
        );
        let p = parse("X=").unwrap();
        assert_eq!(
            p[0].and_or.first.cmds[0].assigns,
            vec![("X".into(), vec![])]
        );
        let p = parse("'X'=1 1A=2").unwrap();
        let c = &p[0].and_or.first.cmds[0];
        assert!(c.assigns.is_empty());
        assert_eq!(c.words.len(), 2);
        let p = parse(">f").unwrap();
        assert_eq!(p[0].and_or.first.cmds[0].redirs.len(), 1);
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
    fn continuation_is_incomplete() {
        for src in ["a |", "a &&", "a ||\n", "echo 'x", "a | \n", "!"] {
            assert_eq!(parse(src), Err(Error::Incomplete), "{src:?}");
        }
        let p = parse("a |\n b &&\n\n c").unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].and_or.rest.len(), 1);
    }

    #[test]
    fn syntax_errors() {
        for src in [
            ";",
            "a ;; b",
            "| a",
            "a | | b",
            "a && && b",
            "echo >",
            "a > | b",
            "&",
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
