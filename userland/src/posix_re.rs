//! POSIX regular expressions (basic, and extended with `-E`) translated into the `regex`
//! crate's syntax, for `grep` and `sed`. Matching is byte-oriented like GNU tools
//! in the C locale: `.` is any byte, classes are ASCII. Not supported: back-references
//! inside a pattern (`\(a\)\1`), which the `regex` crate cannot express; and where POSIX
//! wants the leftmost-longest match among alternatives, the crate takes the leftmost-first.

use regex::bytes::{Regex, RegexBuilder};

/// Copies a bracket expression starting at `chars[i] == '['` into regex-crate syntax;
/// returns the index after it.
fn bracket(chars: &[char], mut i: usize, out: &mut String) -> usize {
    let start = i;
    out.push('[');
    i += 1;
    if chars.get(i) == Some(&'^') {
        out.push('^');
        i += 1;
    }
    let mut first = true;
    while i < chars.len() {
        let c = chars[i];
        if c == ']' && !first {
            out.push(']');
            return i + 1;
        }
        first = false;
        if c == '[' && matches!(chars.get(i + 1), Some(':' | '=' | '.')) {
            let kind = chars[i + 1];
            // Find the closing `:]`.
            let mut j = i + 2;
            while j + 1 < chars.len() && !(chars[j] == kind && chars[j + 1] == ']') {
                j += 1;
            }
            if j + 1 < chars.len() {
                let inner: String = chars[i + 2..j].iter().collect();
                if kind == ':' {
                    out.push_str(&format!("[:{inner}:]"));
                } else {
                    for ch in inner.chars() {
                        push_lit(out, ch);
                    }
                }
                i = j + 2;
                continue;
            }
        }
        match c {
            '\\' | '[' | '&' | '~' | ']' => {
                out.push('\\');
                out.push(c);
            }
            '-' => out.push('-'),
            _ => out.push(c),
        }
        i += 1;
    }
    // Unterminated: let the regex parser report it.
    let _ = start;
    i
}

fn push_lit(out: &mut String, c: char) {
    if c.is_ascii_punctuation() {
        out.push('\\');
    }
    out.push(c);
}

/// Translates a POSIX BRE (`extended == false`) or ERE into regex-crate syntax.
pub fn translate(pat: &str, extended: bool) -> String {
    let chars: Vec<char> = pat.chars().collect();
    let mut out = String::new();
    // True where a `*` would be literal / a `^` an anchor: at the start of the pattern or
    // a group or alternative.
    let mut at_start = true;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let was_start = at_start;
        at_start = false;
        match c {
            '[' => {
                i = bracket(&chars, i, &mut out);
                continue;
            }
            '\\' if i + 1 < chars.len() => {
                let n = chars[i + 1];
                i += 2;
                match n {
                    '(' | ')' | '{' | '}' | '|' | '+' | '?' if !extended => {
                        out.push(n);
                        at_start = n == '(' || n == '|';
                    }
                    '<' | '>' => out.push_str("\\b"),
                    'w' | 'W' | 's' | 'S' | 'b' | 'B' => {
                        out.push('\\');
                        out.push(n);
                    }
                    '`' => out.push_str("\\A"),
                    '\'' => out.push_str("\\z"),
                    _ => push_lit(&mut out, n),
                }
                continue;
            }
            '*' if was_start => out.push_str("\\*"),
            '^' if was_start || extended => out.push('^'),
            '^' => out.push_str("\\^"),
            '$' => {
                let rest: String = chars[i + 1..].iter().collect();
                let anchor = extended
                    || rest.is_empty()
                    || rest.starts_with("\\)")
                    || rest.starts_with("\\|");
                out.push_str(if anchor { "$" } else { "\\$" });
            }
            '(' | ')' | '{' | '}' | '|' | '+' | '?' if !extended => push_lit(&mut out, c),
            '{' if extended && was_start => out.push_str("\\{"),
            '(' | '|' if extended => {
                out.push(c);
                at_start = true;
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// Compiles a BRE (`extended == false`) or ERE; the error is the regex crate's last line.
pub fn compile(pat: &str, extended: bool, icase: bool) -> Result<Regex, String> {
    RegexBuilder::new(&translate(pat, extended))
        .unicode(false)
        .case_insensitive(icase)
        .multi_line(false)
        .build()
        .map_err(|e| {
            let text = e.to_string();
            text.lines()
                .last()
                .unwrap_or("invalid pattern")
                .trim()
                .to_owned()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_and_extended_syntax() {
        assert_eq!(translate(r"a\(b\)*c", false), "a(b)*c");
        assert_eq!(translate("a(b)+", false), r"a\(b\)\+");
        assert_eq!(translate("a(b)+", true), "a(b)+");
        assert_eq!(translate("*a", false), r"\*a");
        assert_eq!(translate("a$b$", false), r"a\$b$");
        assert_eq!(translate("[]a-]", false), r"[\]a-]");
        let re = compile(r"^\([a-z]*\) \{1,\}[[:digit:]]\{2\}$", false, false).unwrap();
        assert!(re.is_match(b"abc  42"));
        assert!(!re.is_match(b"abc 4"));
        let re = compile("x|Y", true, true).unwrap();
        assert!(re.is_match(b"y"));
    }
}
