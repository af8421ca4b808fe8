//! `tr [-c] [-d] [-s] SET1 [SET2]`: translates, deletes (`-d`) or squeezes (`-s`) bytes
//! from stdin to stdout. Sets understand ranges (`a-z`), escapes (`\n`, `\t`, `\\`,
//! `\NNN` octal), classes (`[:upper:]`, `[:lower:]`, `[:digit:]`, `[:alpha:]`,
//! `[:alnum:]`, `[:space:]`, `[:blank:]`, `[:punct:]`, `[:print:]`, `[:graph:]`,
//! `[:cntrl:]`, `[:xdigit:]`) and `[c*N]`/`[c*]` repeats in SET2. `-c` complements SET1.
//! SET2 is padded with its last byte when shorter than SET1.

use std::io::{self, BufRead, Write};
use std::process::ExitCode;
use userland::cli;

const PROG: &str = "tr";

fn class(name: &str) -> Option<Vec<u8>> {
    let pred: fn(&u8) -> bool = match name {
        "upper" => u8::is_ascii_uppercase,
        "lower" => u8::is_ascii_lowercase,
        "digit" => u8::is_ascii_digit,
        "alpha" => u8::is_ascii_alphabetic,
        "alnum" => u8::is_ascii_alphanumeric,
        "space" => |b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c),
        "blank" => |b| matches!(b, b' ' | b'\t'),
        "punct" => u8::is_ascii_punctuation,
        "print" => |b| (0x20..0x7f).contains(b),
        "graph" => u8::is_ascii_graphic,
        "cntrl" => u8::is_ascii_control,
        "xdigit" => u8::is_ascii_hexdigit,
        _ => return None,
    };
    Some((0..=255u8).filter(pred).collect())
}

/// One element of a set before range expansion: a byte, or an already-expanded run.
enum Item {
    Byte(u8),
    Run(Vec<u8>),
    /// `[c*N]` (N = 0: fill up to SET1's length).
    Repeat(u8, usize),
}

fn unescape(s: &[u8], i: &mut usize) -> u8 {
    // s[*i] == b'\\'
    *i += 1;
    let Some(&c) = s.get(*i) else {
        return b'\\';
    };
    *i += 1;
    match c {
        b'n' => b'\n',
        b't' => b'\t',
        b'r' => b'\r',
        b'a' => 7,
        b'b' => 8,
        b'f' => 12,
        b'v' => 11,
        b'0'..=b'7' => {
            let mut v = u32::from(c - b'0');
            for _ in 0..2 {
                match s.get(*i) {
                    Some(&d @ b'0'..=b'7') if v * 8 + u32::from(d - b'0') <= 255 => {
                        v = v * 8 + u32::from(d - b'0');
                        *i += 1;
                    }
                    _ => break,
                }
            }
            v as u8
        }
        other => other,
    }
}

fn parse_set(s: &str) -> Result<Vec<Item>, String> {
    let s = s.as_bytes();
    let mut items = Vec::new();
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'['
            && s.get(i + 1) == Some(&b':')
            && let Some(end) = s[i + 2..].windows(2).position(|w| w == b":]")
        {
            let name = String::from_utf8_lossy(&s[i + 2..i + 2 + end]).into_owned();
            let bytes = class(&name).ok_or(format!("invalid character class '{name}'"))?;
            items.push(Item::Run(bytes));
            i += end + 4;
            continue;
        }
        if s[i] == b'['
            && s.get(i + 2) == Some(&b'*')
            && let Some(end) = s[i + 3..].iter().position(|&b| b == b']')
        {
            let digits = std::str::from_utf8(&s[i + 3..i + 3 + end]).unwrap_or("x");
            let n = if digits.is_empty() {
                Some(0)
            } else if digits.starts_with('0') {
                usize::from_str_radix(digits, 8).ok()
            } else {
                digits.parse().ok()
            };
            if let Some(n) = n {
                items.push(Item::Repeat(s[i + 1], n));
                i += end + 4;
                continue;
            }
        }
        let c = if s[i] == b'\\' {
            unescape(s, &mut i)
        } else {
            i += 1;
            s[i - 1]
        };
        // A range `c-d`.
        if s.get(i) == Some(&b'-') && i + 1 < s.len() {
            let mut j = i + 1;
            let d = if s[j] == b'\\' {
                unescape(s, &mut j)
            } else {
                j += 1;
                s[j - 1]
            };
            if d < c {
                return Err(format!(
                    "range-endpoints of '{}-{}' are in reverse collating sequence order",
                    c as char, d as char
                ));
            }
            items.push(Item::Run((c..=d).collect()));
            i = j;
            continue;
        }
        items.push(Item::Byte(c));
    }
    Ok(items)
}

fn expand(items: &[Item], fill_to: usize) -> Vec<u8> {
    let fixed: usize = items
        .iter()
        .map(|it| match it {
            Item::Byte(_) => 1,
            Item::Run(v) => v.len(),
            Item::Repeat(_, n) => *n,
        })
        .sum();
    let mut out = Vec::new();
    for it in items {
        match it {
            Item::Byte(b) => out.push(*b),
            Item::Run(v) => out.extend_from_slice(v),
            Item::Repeat(b, 0) => {
                out.extend(std::iter::repeat_n(*b, fill_to.saturating_sub(fixed)))
            }
            Item::Repeat(b, n) => out.extend(std::iter::repeat_n(*b, *n)),
        }
    }
    out
}

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let args = cli::parse(PROG, std::env::args().skip(1), "cCdst", "", false);
    let (mut complement, mut delete, mut squeeze, mut truncate) = (false, false, false, false);
    for (c, _) in &args.opts {
        match c {
            'c' | 'C' => complement = true,
            'd' => delete = true,
            's' => squeeze = true,
            _ => truncate = true,
        }
    }
    let ops = args.operands;
    let want = if delete && squeeze {
        2
    } else if delete || (squeeze && ops.len() < 2) {
        1
    } else {
        2
    };
    if ops.is_empty() {
        cli::usage_error(PROG, "missing operand");
    }
    if ops.len() < want {
        cli::usage_error(
            PROG,
            &format!("missing operand after '{}'", ops[ops.len() - 1]),
        );
    }
    if ops.len() > want {
        cli::usage_error(PROG, &format!("extra operand '{}'", ops[want]));
    }
    let parse = |s: &str| parse_set(s).unwrap_or_else(|e| cli::die(PROG, &e));
    let mut set1 = expand(&parse(&ops[0]), 0);
    if complement {
        let mut member = [false; 256];
        for &b in &set1 {
            member[usize::from(b)] = true;
        }
        set1 = (0..=255u8).filter(|&b| !member[usize::from(b)]).collect();
    }
    let set2 = ops.get(1).map(|s| expand(&parse(s), set1.len()));

    let mut in1 = [false; 256];
    for &b in &set1 {
        in1[usize::from(b)] = true;
    }
    let mut map: [u8; 256] = std::array::from_fn(|i| i as u8);
    let mut squeeze_set = [false; 256];
    match (&set2, delete) {
        (Some(s2), false) => {
            if s2.is_empty() && !set1.is_empty() {
                cli::die(PROG, "when not truncating set1, string2 must be non-empty");
            }
            let mut s2 = s2.clone();
            if truncate {
                set1.truncate(s2.len());
            }
            while s2.len() < set1.len() {
                s2.push(*s2.last().unwrap());
            }
            for (i, &b) in set1.iter().enumerate() {
                map[usize::from(b)] = s2[i];
            }
            if squeeze {
                for &b in &s2 {
                    squeeze_set[usize::from(b)] = true;
                }
            }
        }
        (Some(s2), true) => {
            for &b in s2 {
                squeeze_set[usize::from(b)] = true;
            }
        }
        (None, _) => {
            if squeeze {
                squeeze_set = in1;
            }
        }
    }

    let mut input = cli::open("-").unwrap_or_else(|e| cli::die(PROG, &cli::msg(&e)));
    let mut out = cli::stdout();
    let mut last: Option<u8> = None;
    let mut buf = Vec::with_capacity(64 * 1024);
    loop {
        let chunk = match input.fill_buf() {
            Ok([]) => break,
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => cli::die(PROG, &format!("read error: {}", cli::msg(&e))),
        };
        buf.clear();
        for &b in chunk {
            if delete && in1[usize::from(b)] {
                continue;
            }
            let c = map[usize::from(b)];
            if squeeze && last == Some(c) && squeeze_set[usize::from(c)] {
                continue;
            }
            last = Some(c);
            buf.push(c);
        }
        let len = chunk.len();
        input.consume(len);
        if let Err(e) = out.write_all(&buf) {
            cli::write_failed(PROG, &e);
        }
    }
    cli::finish(PROG, &mut out, ExitCode::SUCCESS)
}
