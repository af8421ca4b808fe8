//! Word expansion (plain Rust, host-testable): parameters and their `${…}` operators,
//! command substitution and arithmetic (through [`Env`]), `~`, field splitting on `$IFS`
//! of unquoted expansions, and pathname expansion (`*`, `?`, `[…]`) with [`matches`], the
//! pattern matcher `case` and the `#`/`%` trims share.

use super::arith;
use super::lexer::{ParamOp, Part, Word};

/// Where expansions look values up (the shell, or a test's table).
pub trait Env {
    /// `NAME`, or a special parameter (`?`, `$`, `!`, `#`, `0`, `1`, `-`...); `None` if unset.
    fn get(&self, name: &str) -> Option<String>;
    /// `$1`, `$2`, ... (for `$@` and `$*`).
    fn positional(&self) -> Vec<String>;
    fn set(&mut self, name: &str, value: String) -> Result<()>;
    /// The output of a command substitution, trailing newlines removed.
    fn command(&mut self, prog: &Part) -> String;
    /// `set -u`.
    fn nounset(&self) -> bool;
    /// `set -f`: no pathname expansion.
    fn noglob(&self) -> bool {
        false
    }
    /// The names in directory `dir` (`""` is the working directory), or none.
    fn read_dir(&self, dir: &str) -> Vec<String>;
}

struct ArithEnv<'a>(&'a mut dyn Env);

impl arith::ArithVars for ArithEnv<'_> {
    fn get(&self, name: &str) -> Option<String> {
        self.0.get(name)
    }
    fn set(&mut self, name: &str, value: String) -> std::result::Result<(), String> {
        self.0.set(name, value)
    }
}

/// A field being built: its text and the same text as a pattern (quoted pattern
/// characters escaped with `\`).
#[derive(Default)]
struct Fields {
    out: Vec<(String, String, bool)>,
    text: String,
    pat: String,
    /// `text` is a field even if empty (it had quoted or literal text).
    valid: bool,
    /// An unquoted `*`, `?` or `[` is in the field.
    glob: bool,
    ifs: String,
}

impl Fields {
    fn push(&mut self, s: &str, quoted: bool) {
        self.text.push_str(s);
        for c in s.chars() {
            if quoted && matches!(c, '*' | '?' | '[' | ']' | '\\') {
                self.pat.push('\\');
            } else if !quoted && matches!(c, '*' | '?' | '[') {
                self.glob = true;
            }
            self.pat.push(c);
        }
        self.valid = true;
    }

    fn end(&mut self, force: bool) {
        if self.valid || force {
            self.out.push((
                std::mem::take(&mut self.text),
                std::mem::take(&mut self.pat),
                self.glob,
            ));
        }
        self.valid = false;
        self.glob = false;
    }

    /// An unquoted expansion: split on `$IFS`.
    fn push_split(&mut self, value: &str) {
        if self.ifs.is_empty() {
            if !value.is_empty() {
                self.push(value, false);
            }
            return;
        }
        let ifs = self.ifs.clone();
        let is_ws = |c: char| ifs.contains(c) && matches!(c, ' ' | '\t' | '\n');
        let chars: Vec<char> = value.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            if !ifs.contains(chars[i]) {
                let start = i;
                while i < chars.len() && !ifs.contains(chars[i]) {
                    i += 1;
                }
                let s: String = chars[start..i].iter().collect();
                self.push(&s, false);
                continue;
            }
            while i < chars.len() && is_ws(chars[i]) {
                i += 1;
            }
            let mut hard = false;
            if i < chars.len() && ifs.contains(chars[i]) && !is_ws(chars[i]) {
                hard = true;
                i += 1;
                while i < chars.len() && is_ws(chars[i]) {
                    i += 1;
                }
            }
            self.end(hard);
        }
    }
}

/// Expansion failed: the message (the caller prefixes it and the status is 2).
pub type Result<T> = std::result::Result<T, String>;

fn ifs_of(env: &dyn Env) -> String {
    env.get("IFS").unwrap_or_else(|| " \t\n".to_owned())
}

/// The value of a parameter, `None` when unset.
fn param(name: &str, env: &dyn Env) -> Option<String> {
    match name {
        "@" | "*" => {
            let sep = match env.get("IFS") {
                None => " ".to_owned(),
                Some(i) => i.chars().next().map(String::from).unwrap_or_default(),
            };
            Some(env.positional().join(&sep))
        }
        _ => env.get(name),
    }
}

fn unset_error(name: &str) -> String {
    format!("{name}: parameter not set")
}

fn expand_parts(parts: &[Part], f: &mut Fields, env: &mut dyn Env) -> Result<()> {
    expand_in(parts, f, env, false)
}

/// `split_lit`: inside `${…}` an unquoted word's text is an expansion's result, split.
fn expand_in(parts: &[Part], f: &mut Fields, env: &mut dyn Env, split_lit: bool) -> Result<()> {
    for part in parts {
        match part {
            Part::Lit(s) if split_lit => f.push_split(s),
            Part::Lit(s) => f.push(s, false),
            Part::Quoted(s) => f.push(s, true),
            Part::Tilde => {
                let home = env.get("HOME").unwrap_or_else(|| "/".to_owned());
                f.push(&home, true);
            }
            Part::Var { name, quoted } if name == "@" || (name == "*" && !quoted) => {
                let args = env.positional();
                for (i, arg) in args.iter().enumerate() {
                    if *quoted {
                        if i > 0 {
                            f.end(true);
                        }
                        f.push(arg, true);
                    } else {
                        if i > 0 {
                            f.end(false);
                        }
                        f.push_split(arg);
                    }
                }
            }
            Part::Var { name, quoted } => {
                let value = match param(name, env) {
                    Some(v) => v,
                    None if env.nounset() && name != "!" => return Err(unset_error(name)),
                    None => String::new(),
                };
                if *quoted {
                    f.push(&value, true);
                } else {
                    f.push_split(&value);
                }
            }
            Part::Param {
                name,
                op,
                arg,
                quoted,
            } => {
                let value = param(name, env);
                let is_set = |colon: bool| match &value {
                    None => false,
                    Some(v) => !(colon && v.is_empty()),
                };
                let emit = |f: &mut Fields, v: &str| {
                    if *quoted {
                        f.push(v, true);
                    } else {
                        f.push_split(v);
                    }
                };
                match *op {
                    ParamOp::Length => {
                        let v = match value {
                            Some(v) => v,
                            None if env.nounset() => return Err(unset_error(name)),
                            None => String::new(),
                        };
                        emit(f, &v.chars().count().to_string());
                    }
                    ParamOp::Default(c) => {
                        if is_set(c) {
                            emit(f, value.as_deref().unwrap_or(""));
                        } else {
                            expand_in(arg, f, env, true)?;
                        }
                    }
                    ParamOp::Alt(c) => {
                        if is_set(c) {
                            expand_in(arg, f, env, true)?;
                        }
                    }
                    ParamOp::Assign(c) => {
                        if is_set(c) {
                            emit(f, value.as_deref().unwrap_or(""));
                        } else {
                            let v = string(arg, env)?;
                            env.set(name, v.clone())?;
                            emit(f, &v);
                        }
                    }
                    ParamOp::Error(c) => {
                        if is_set(c) {
                            emit(f, value.as_deref().unwrap_or(""));
                        } else {
                            let msg = string(arg, env)?;
                            return Err(if msg.is_empty() && c {
                                format!("{name}: parameter not set or null")
                            } else if msg.is_empty() {
                                unset_error(name)
                            } else {
                                format!("{name}: {msg}")
                            });
                        }
                    }
                    ParamOp::TrimPrefix(long) | ParamOp::TrimSuffix(long) => {
                        let v = match value {
                            Some(v) => v,
                            None if env.nounset() => return Err(unset_error(name)),
                            None => String::new(),
                        };
                        let pat = pattern(arg, env)?;
                        let prefix = matches!(op, ParamOp::TrimPrefix(_));
                        emit(f, &trim(&v, &pat, prefix, long));
                    }
                }
            }
            Part::Cmd { quoted, .. } => {
                let out = env.command(part);
                if *quoted {
                    f.push(&out, true);
                } else {
                    f.push_split(&out);
                }
            }
            Part::Arith { expr, quoted } => {
                let text = string(expr, env)?;
                let v = arith::eval(&text, &mut ArithEnv(env))?;
                if *quoted {
                    f.push(&v.to_string(), true);
                } else {
                    f.push_split(&v.to_string());
                }
            }
        }
    }
    Ok(())
}

/// `v` without its shortest or longest prefix or suffix matching `pat`.
fn trim(v: &str, pat: &str, prefix: bool, long: bool) -> String {
    let bounds: Vec<usize> = v
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(v.len()))
        .collect();
    let order: Box<dyn Iterator<Item = &usize>> = match (prefix, long) {
        (true, false) | (false, true) => Box::new(bounds.iter()),
        _ => Box::new(bounds.iter().rev()),
    };
    for &b in order {
        if prefix && matches(pat, &v[..b]) {
            return v[b..].to_owned();
        }
        if !prefix && matches(pat, &v[b..]) {
            return v[..b].to_owned();
        }
    }
    v.to_owned()
}

/// The fields of command words: expanded, split, and pathname-expanded.
pub fn fields(words: &[Word], env: &mut dyn Env) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for word in words {
        let mut f = Fields {
            ifs: ifs_of(env),
            ..Fields::default()
        };
        expand_parts(word, &mut f, env)?;
        f.end(false);
        for (text, pat, glob) in f.out {
            if glob && !env.noglob() {
                let found = glob_paths(&pat, env);
                if !found.is_empty() {
                    out.extend(found);
                    continue;
                }
            }
            out.push(text);
        }
    }
    Ok(out)
}

/// A word expanded to one string without field splitting or pathname expansion
/// (assignment values, redirection targets, `case` words, here-documents).
pub fn string(word: &Word, env: &mut dyn Env) -> Result<String> {
    let mut f = Fields::default();
    expand_parts(word, &mut f, env)?;
    Ok(f.text)
}

/// A word expanded as a pattern: quoted pattern characters escaped with `\`.
pub fn pattern(word: &Word, env: &mut dyn Env) -> Result<String> {
    let mut f = Fields::default();
    expand_parts(word, &mut f, env)?;
    Ok(f.pat)
}

fn has_glob(pat: &str) -> bool {
    let mut esc = false;
    for c in pat.chars() {
        if esc {
            esc = false;
        } else if c == '\\' {
            esc = true;
        } else if matches!(c, '*' | '?' | '[') {
            return true;
        }
    }
    false
}

fn unescape(pat: &str) -> String {
    let mut out = String::new();
    let mut esc = false;
    for c in pat.chars() {
        if !esc && c == '\\' {
            esc = true;
            continue;
        }
        esc = false;
        out.push(c);
    }
    out
}

/// The sorted paths matching `pat`, or none.
fn glob_paths(pat: &str, env: &dyn Env) -> Vec<String> {
    let absolute = pat.starts_with('/');
    let comps: Vec<&str> = pat.split('/').filter(|c| !c.is_empty()).collect();
    let mut paths = vec![if absolute {
        "/".to_owned()
    } else {
        String::new()
    }];
    for comp in &comps {
        let mut next = Vec::new();
        for base in &paths {
            let join = |name: &str| {
                if base.is_empty() || base.ends_with('/') {
                    format!("{base}{name}")
                } else {
                    format!("{base}/{name}")
                }
            };
            if !has_glob(comp) {
                let name = unescape(comp);
                // Listings hold neither `.` nor `..`.
                if name == "." || name == ".." || env.read_dir(base).contains(&name) {
                    next.push(join(&name));
                }
                continue;
            }
            let mut names = env.read_dir(base);
            names.sort();
            for name in names {
                if name.starts_with('.') && !comp.starts_with('.') {
                    continue;
                }
                if matches(comp, &name) {
                    next.push(join(&name));
                }
            }
        }
        paths = next;
    }
    if comps.iter().all(|c| !has_glob(c)) {
        return Vec::new();
    }
    if pat.ends_with('/') {
        for p in &mut paths {
            p.push('/');
        }
    }
    paths
}

/// Whether `text` matches the shell pattern `pat` (`*`, `?`, `[…]` with `!`/`^`,
/// ranges and `[:class:]`; `\` escapes).
pub fn matches(pat: &str, text: &str) -> bool {
    let p: Vec<char> = pat.chars().collect();
    let t: Vec<char> = text.chars().collect();
    match_from(&p, &t)
}

fn match_from(p: &[char], t: &[char]) -> bool {
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    star = Some((pi, ti));
                    pi += 1;
                    continue;
                }
                '?' => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                '[' => {
                    if let Some((ok, len)) = bracket(&p[pi..], t[ti])
                        && ok
                    {
                        pi += len;
                        ti += 1;
                        continue;
                    } else if bracket(&p[pi..], t[ti]).is_none() && t[ti] == '[' {
                        pi += 1;
                        ti += 1;
                        continue;
                    }
                }
                '\\' if pi + 1 < p.len() => {
                    if p[pi + 1] == t[ti] {
                        pi += 2;
                        ti += 1;
                        continue;
                    }
                }
                c => {
                    if c == t[ti] {
                        pi += 1;
                        ti += 1;
                        continue;
                    }
                }
            }
        }
        match star {
            Some((sp, st)) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// A bracket expression at the start of `p`: whether `c` matches and its length, or
/// `None` when it is not closed (then `[` is literal).
fn bracket(p: &[char], c: char) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(p.get(i), Some('!' | '^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let ch = *p.get(i)?;
        if ch == ']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if ch == '[' && p.get(i + 1) == Some(&':') {
            let rest: String = p[i + 2..].iter().collect();
            if let Some(end) = rest.find(":]") {
                let class = &rest[..end];
                matched |= match class {
                    "alpha" => c.is_alphabetic(),
                    "digit" => c.is_ascii_digit(),
                    "alnum" => c.is_alphanumeric(),
                    "upper" => c.is_uppercase(),
                    "lower" => c.is_lowercase(),
                    "space" => c.is_whitespace(),
                    "blank" => c == ' ' || c == '\t',
                    "punct" => c.is_ascii_punctuation(),
                    "xdigit" => c.is_ascii_hexdigit(),
                    _ => false,
                };
                i += 2 + class.chars().count() + 2;
                continue;
            }
        }
        let lo = if ch == '\\' {
            i += 1;
            *p.get(i)?
        } else {
            ch
        };
        if p.get(i + 1) == Some(&'-') && p.get(i + 2).is_some_and(|&e| e != ']') {
            let mut hi = p[i + 2];
            let mut skip = 3;
            if hi == '\\' {
                hi = *p.get(i + 3)?;
                skip = 4;
            }
            matched |= lo <= c && c <= hi;
            i += skip;
        } else {
            matched |= lo == c;
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::lexer::{Tok, tokenize};
    use super::*;
    use std::collections::HashMap;

    struct TestEnv(HashMap<String, String>, Vec<String>, bool);

    impl Env for TestEnv {
        fn get(&self, name: &str) -> Option<String> {
            self.0.get(name).cloned()
        }
        fn positional(&self) -> Vec<String> {
            self.1.clone()
        }
        fn set(&mut self, name: &str, value: String) -> Result<()> {
            self.0.insert(name.to_owned(), value);
            Ok(())
        }
        fn command(&mut self, p: &Part) -> String {
            match p {
                Part::Cmd { text, .. } => format!("<{text}>"),
                _ => String::new(),
            }
        }
        fn nounset(&self) -> bool {
            self.2
        }
        fn read_dir(&self, dir: &str) -> Vec<String> {
            match dir {
                "" | "." => ["a1", "a2", "b1", ".hid", "d"].map(String::from).to_vec(),
                "d" | "d/" | "../d" => ["x.c", "y.h"].map(String::from).to_vec(),
                ".." => ["d"].map(String::from).to_vec(),
                _ => Vec::new(),
            }
        }
    }

    fn env() -> TestEnv {
        let vars = [
            ("A", "1"),
            ("S", " x  y "),
            ("E", ""),
            ("HOME", "/home/u"),
            ("?", "3"),
            ("P", "/usr/local/lib.tar.gz"),
        ];
        TestEnv(
            vars.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            vec!["p 1".into(), "p2".into()],
            false,
        )
    }

    fn expand_in(e: &mut TestEnv, src: &str) -> Vec<String> {
        let words: Vec<Word> = tokenize(src)
            .unwrap()
            .into_iter()
            .filter_map(|t| match t.tok {
                Tok::Word(w) => Some(w),
                _ => None,
            })
            .collect();
        fields(&words, e).unwrap()
    }

    fn expand(src: &str) -> Vec<String> {
        expand_in(&mut env(), src)
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
        let mut e = env();
        e.1.clear();
        assert_eq!(expand_in(&mut e, "\"$@\""), Vec::<String>::new());
        assert_eq!(expand_in(&mut e, "\"$*\""), [""]);
    }

    #[test]
    fn ifs_splitting() {
        let mut e = env();
        e.0.insert("IFS".into(), ":".into());
        e.0.insert("V".into(), "a::b:".into());
        assert_eq!(expand_in(&mut e, "$V"), ["a", "", "b"]);
        e.0.insert("IFS".into(), " :".into());
        e.0.insert("V".into(), " a : b  c".into());
        assert_eq!(expand_in(&mut e, "$V"), ["a", "b", "c"]);
        e.0.insert("IFS".into(), "".into());
        assert_eq!(expand_in(&mut e, "$V"), [" a : b  c"]);
    }

    #[test]
    fn parameter_operators() {
        assert_eq!(
            expand("${P#*/} ${P##*/} ${P%.*} ${P%%.*} ${#P}"),
            [
                "usr/local/lib.tar.gz",
                "lib.tar.gz",
                "/usr/local/lib.tar",
                "/usr/local/lib",
                "21"
            ]
        );
        assert_eq!(
            expand("${NOPE:-a b} \"${NOPE:-a b}\" ${E-x} ${E:-y}"),
            ["a", "b", "a b", "y"]
        );
        assert_eq!(expand("${A:+set} ${NOPE+set} ${E+empty}"), ["set", "empty"]);
        let mut e = env();
        assert_eq!(expand_in(&mut e, "${N:=v} $N"), ["v", "v"]);
        assert_eq!(expand("${P#'/usr'}"), ["/local/lib.tar.gz"]);
        let t = tokenize("${NOPE?gone}").unwrap();
        let Tok::Word(w) = &t[0].tok else { panic!() };
        assert_eq!(
            fields(std::slice::from_ref(w), &mut env()),
            Err("NOPE: gone".into())
        );
    }

    #[test]
    fn nounset() {
        let mut e = env();
        e.2 = true;
        let t = tokenize("$NOPE").unwrap();
        let Tok::Word(w) = &t[0].tok else { panic!() };
        assert_eq!(
            fields(std::slice::from_ref(w), &mut e),
            Err("NOPE: parameter not set".into())
        );
        assert_eq!(expand_in(&mut e, "${NOPE:-ok}"), ["ok"]);
    }

    #[test]
    fn substitutions_and_arithmetic() {
        assert_eq!(expand("x$(a b)y"), ["x<a", "b>y"]);
        assert_eq!(expand("\"$(a b)\""), ["<a b>"]);
        assert_eq!(expand("$((A + 2 * 3)) \"$((A<<3))\""), ["7", "8"]);
        let mut e = env();
        assert_eq!(expand_in(&mut e, "$((n = 4)) $n"), ["4", "4"]);
    }

    #[test]
    fn tilde() {
        assert_eq!(expand("~ ~/d '~'"), ["/home/u", "/home/u/d", "~"]);
    }

    #[test]
    fn globbing() {
        assert_eq!(expand("a*"), ["a1", "a2"]);
        assert_eq!(expand("?1"), ["a1", "b1"]);
        assert_eq!(expand("[ab]2 [!a]*"), ["a2", "b1", "d"]);
        assert_eq!(expand("nomatch* 'a*' \"?1\""), ["nomatch*", "a*", "?1"]);
        assert_eq!(expand("d/*.c */y.h"), ["d/x.c", "d/y.h"]);
        assert_eq!(expand(".h*"), [".hid"]);
        assert_eq!(expand("./a? ../d/*.h"), ["./a1", "./a2", "../d/y.h"]);
    }

    #[test]
    fn patterns() {
        assert!(matches("*.txt", "a.txt"));
        assert!(!matches("*.txt", "a.txtx"));
        assert!(matches("[A-Z]*", "README"));
        assert!(matches("[!a-c]?", "dx"));
        assert!(!matches("[!a-c]?", "bx"));
        assert!(matches("a\\*", "a*"));
        assert!(!matches("a\\*", "ab"));
        assert!(matches("[[:digit:]]x", "7x"));
        assert!(matches("*a*b*", "xxaybz"));
        assert!(matches("[", "["));
        assert!(matches("", ""));
    }
}
