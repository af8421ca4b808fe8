//! Shell-style wildcard matching (`fnmatch` without flags), for `find -name`/`-iname`/
//! `-path`: `*` any run of bytes (a leading `.` and `/` included), `?` one byte, `[...]`
//! a set with ranges, `[!...]`/`[^...]` its complement and `[:class:]` ASCII classes,
//! `\c` the byte `c`. A `[` without its `]` is an ordinary byte.

/// Whether `name` matches `pattern`; `fold` compares ASCII letters without case.
pub fn matches(pattern: &[u8], name: &[u8], fold: bool) -> bool {
    let (mut p, mut n) = (0, 0);
    // Where to resume after the last `*`: (pattern index after it, name index).
    let mut star: Option<(usize, usize)> = None;
    loop {
        if p < pattern.len() {
            match pattern[p] {
                b'*' => {
                    star = Some((p + 1, n));
                    p += 1;
                    continue;
                }
                b'?' if n < name.len() => {
                    p += 1;
                    n += 1;
                    continue;
                }
                b'[' if n < name.len() => {
                    if let Some((hit, next)) = set(pattern, p, name[n], fold) {
                        if hit {
                            p = next;
                            n += 1;
                            continue;
                        }
                    } else if eq(b'[', name[n], fold) {
                        p += 1;
                        n += 1;
                        continue;
                    }
                }
                c => {
                    let (c, step) = if c == b'\\' && p + 1 < pattern.len() {
                        (pattern[p + 1], 2)
                    } else {
                        (c, 1)
                    };
                    if (c != b'?' && c != b'[' || step == 2)
                        && n < name.len()
                        && eq(c, name[n], fold)
                    {
                        p += step;
                        n += 1;
                        continue;
                    }
                }
            }
        } else if n == name.len() {
            return true;
        }
        // Mismatch: let the last `*` swallow one more byte.
        match star {
            Some((sp, sn)) if sn < name.len() => {
                star = Some((sp, sn + 1));
                p = sp;
                n = sn + 1;
            }
            _ => return false,
        }
    }
}

fn eq(a: u8, b: u8, fold: bool) -> bool {
    a == b || fold && a.eq_ignore_ascii_case(&b)
}

/// Matches `c` against the set at `pattern[start] == b'['`: `Some((matched, index after
/// the set))`, or `None` if the set is not closed.
fn set(pattern: &[u8], start: usize, c: u8, fold: bool) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negate = matches!(pattern.get(i), Some(b'!' | b'^'));
    if negate {
        i += 1;
    }
    let mut hit = false;
    let mut first = true;
    loop {
        let &b = pattern.get(i)?;
        if b == b']' && !first {
            return Some((hit != negate, i + 1));
        }
        first = false;
        if b == b'[' && pattern.get(i + 1) == Some(&b':') {
            let rest = &pattern[i + 2..];
            if let Some(end) = rest.windows(2).position(|w| w == b":]") {
                hit |= class(&rest[..end], c);
                i += end + 4;
                continue;
            }
        }
        let (lo, step) = if b == b'\\' && i + 1 < pattern.len() {
            (pattern[i + 1], 2)
        } else {
            (b, 1)
        };
        i += step;
        if pattern.get(i) == Some(&b'-') && pattern.get(i + 1).is_some_and(|&h| h != b']') {
            let mut hi = pattern[i + 1];
            i += 2;
            if hi == b'\\' && i < pattern.len() {
                hi = pattern[i];
                i += 1;
            }
            let within = |x: u8| lo <= x && x <= hi;
            hit |= within(c)
                || fold && (within(c.to_ascii_lowercase()) || within(c.to_ascii_uppercase()));
        } else {
            hit |= eq(lo, c, fold);
        }
    }
}

fn class(name: &[u8], c: u8) -> bool {
    match name {
        b"alpha" => c.is_ascii_alphabetic(),
        b"digit" => c.is_ascii_digit(),
        b"alnum" => c.is_ascii_alphanumeric(),
        b"upper" => c.is_ascii_uppercase(),
        b"lower" => c.is_ascii_lowercase(),
        b"space" => matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c),
        b"blank" => c == b' ' || c == b'\t',
        b"punct" => c.is_ascii_punctuation(),
        b"print" => (0x20..0x7f).contains(&c),
        b"graph" => c.is_ascii_graphic(),
        b"cntrl" => c.is_ascii_control(),
        b"xdigit" => c.is_ascii_hexdigit(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn wildcards_sets_and_escapes() {
        let m = |p: &str, n: &str| matches(p.as_bytes(), n.as_bytes(), false);
        assert!(m("*.txt", "a.txt") && m("*.txt", ".txt") && !m("*.txt", "a.txt~"));
        assert!(m("a*b*c", "aXbYbc") && !m("a*b*c", "aXbY"));
        assert!(m("?", "x") && !m("?", "") && !m("?", "xy"));
        assert!(m("[a-c]x", "bx") && !m("[!a-c]x", "bx") && m("[^a-c]x", "dx"));
        assert!(m("[]]", "]") && m("[[:digit:]]*", "7up") && !m("[[:digit:]]*", "up"));
        assert!(m("\\*", "*") && !m("\\*", "a") && m("[", "[") && m("*", ""));
        assert!(matches(b"*.TXT", b"a.txt", true) && matches(b"[A-C]", b"b", true));
    }
}
