//! Word expansion (plain Rust, host-testable): parameters, `~`, and field splitting of
//! unquoted expansions on blanks (space, tab, newline). No globbing.

use super::lexer::{Part, Word};

/// Where expansions look values up.
pub trait Vars {
    /// `NAME`, or a special parameter (`?`, `$`, `!`, `#`, `0`, `1`, ...); `None` if unset.
    fn get(&self, name: &str) -> Option<String>;
    /// `$1`, `$2`, ... (for `$@` and `$*`).
    fn positional(&self) -> &[String];
}

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n')
}

struct Fields {
    out: Vec<String>,
    cur: String,
    /// `cur` is a field even if empty (it had quoted or literal text).
    valid: bool,
}

impl Fields {
    fn push(&mut self, s: &str) {
        self.cur.push_str(s);
        self.valid = true;
    }

    fn end_field(&mut self) {
        if self.valid {
            self.out.push(std::mem::take(&mut self.cur));
            self.valid = false;
        }
    }

    /// An unquoted expansion: split on blanks.
    fn push_split(&mut self, value: &str) {
        if value.starts_with(is_blank) {
            self.end_field();
        }
        for (i, piece) in value.split(is_blank).filter(|p| !p.is_empty()).enumerate() {
            if i > 0 {
                self.end_field();
            }
            self.push(piece);
        }
        if value.ends_with(is_blank) {
            self.end_field();
        }
    }
}

fn home(vars: &dyn Vars) -> String {
    vars.get("HOME").unwrap_or_else(|| "/".to_owned())
}

/// The fields of a command word.
pub fn fields(word: &Word, vars: &dyn Vars) -> Vec<String> {
    let mut f = Fields {
        out: Vec::new(),
        cur: String::new(),
        valid: false,
    };
    for part in word {
        match part {
            Part::Lit(s) | Part::Quoted(s) => f.push(s),
            Part::Tilde => f.push(&home(vars)),
            Part::Var { name, quoted: true } if name == "@" => {
                for (i, arg) in vars.positional().iter().enumerate() {
                    if i > 0 {
                        f.out.push(std::mem::take(&mut f.cur));
                    }
                    f.push(arg);
                }
            }
            Part::Var { name, quoted } => {
                let value = value(name, vars);
                if *quoted {
                    f.push(&value);
                } else {
                    f.push_split(&value);
                }
            }
        }
    }
    f.end_field();
    f.out
}

fn value(name: &str, vars: &dyn Vars) -> String {
    match name {
        "@" | "*" => vars.positional().join(" "),
        _ => vars.get(name).unwrap_or_default(),
    }
}

/// A word expanded to one string without field splitting (assignment values,
/// redirection targets).
pub fn string(word: &Word, vars: &dyn Vars) -> String {
    let mut out = String::new();
    for part in word {
        match part {
            Part::Lit(s) | Part::Quoted(s) => out.push_str(s),
            Part::Tilde => out.push_str(&home(vars)),
            Part::Var { name, .. } => out.push_str(&value(name, vars)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::lexer::{Tok, tokenize};
    use super::*;
    use std::collections::HashMap;

    struct Env(HashMap<&'static str, &'static str>, Vec<String>);

    impl Vars for Env {
        fn get(&self, name: &str) -> Option<String> {
            self.0.get(name).map(|s| s.to_string())
        }
        fn positional(&self) -> &[String] {
            &self.1
        }
    }

    fn env() -> Env {
        Env(
            HashMap::from([
                ("A", "1"),
                ("S", " x  y "),
                ("E", ""),
                ("HOME", "/home/u"),
                ("?", "3"),
            ]),
            vec!["p 1".into(), "p2".into()],
        )
    }

    fn expand(src: &str) -> Vec<String> {
        let e = env();
        let mut out = Vec::new();
        for t in tokenize(src).unwrap() {
            if let Tok::Word(w) = t.tok {
                out.extend(fields(&w, &e));
            }
        }
        out
    }

    #[test]
    fn plain_and_quoted() {
        assert_eq!(expand("a 'b c' \"d\"e"), ["a", "b c", "de"]);
        assert_eq!(expand("'' \"\" x"), ["", "", "x"]);
    }

    #[test]
    fn variables() {
        assert_eq!(expand("$A ${A}b \"$A\" $? $NOPE"), ["1", "1b", "1", "3"]);
        assert_eq!(expand("$S"), ["x", "y"]);
        assert_eq!(expand("\"$S\""), [" x  y "]);
        assert_eq!(expand("a$S"), ["a", "x", "y"]);
        assert_eq!(expand("${S}b"), ["x", "y", "b"]);
        assert_eq!(expand("$E"), Vec::<String>::new());
        assert_eq!(expand("\"$E\""), [""]);
        assert_eq!(expand("'$A'"), ["$A"]);
    }

    #[test]
    fn positional() {
        assert_eq!(expand("\"$@\""), ["p 1", "p2"]);
        assert_eq!(expand("$@"), ["p", "1", "p2"]);
        assert_eq!(expand("\"$*\""), ["p 1 p2"]);
        assert_eq!(expand("\"x$@y\""), ["xp 1", "p2y"]);
    }

    #[test]
    fn tilde() {
        assert_eq!(expand("~ ~/d '~'"), ["/home/u", "/home/u/d", "~"]);
    }

    #[test]
    fn no_splitting_in_strings() {
        let e = env();
        let t = tokenize("$S$A").unwrap();
        let Tok::Word(w) = &t[0].tok else { panic!() };
        assert_eq!(string(w, &e), " x  y 1");
    }
}
