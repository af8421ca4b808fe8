//! `sort [-nrufbs] [-t SEP] [-k F1[.C1][,F2[.C2]][nrfb]]... [-o FILE] [FILE]...`: sorts
//! lines in byte order (like GNU sort with LC_ALL=C). `-n` compares leading numbers,
//! `-r` reverses, `-f` folds lower case to upper, `-b` skips leading blanks, `-u` keeps
//! only the first of equal lines, `-s` is stable (no last-resort whole-line comparison),
//! `-t`/`-k` pick key fields, `-o` writes to FILE (which may be an input).

use std::cmp::Ordering;
use std::io::{self, Read, Write};
use std::process::ExitCode;
use userland::cli;

const PROG: &str = "sort";

#[derive(Clone, Copy, Default)]
struct Flags {
    numeric: bool,
    reverse: bool,
    fold: bool,
    blanks: bool,
}

#[derive(Clone, Copy)]
struct Key {
    sfield: usize,
    schar: usize,
    efield: usize, // 0: end of line
    echar: usize,  // 0: end of field
    flags: Flags,
    end_blanks: bool,
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Start offset of field `n` (1-based) in `line`, or the line length if it has fewer.
fn field_start(line: &[u8], n: usize, sep: Option<u8>) -> usize {
    let mut pos = 0;
    for _ in 1..n {
        match sep {
            Some(s) => match line[pos..].iter().position(|&b| b == s) {
                Some(i) => pos += i + 1,
                None => return line.len(),
            },
            None => {
                while pos < line.len() && is_blank(line[pos]) {
                    pos += 1;
                }
                while pos < line.len() && !is_blank(line[pos]) {
                    pos += 1;
                }
            }
        }
    }
    pos
}

fn field_end(line: &[u8], start: usize, sep: Option<u8>) -> usize {
    let mut pos = start;
    match sep {
        Some(s) => line[pos..]
            .iter()
            .position(|&b| b == s)
            .map_or(line.len(), |i| pos + i),
        None => {
            while pos < line.len() && is_blank(line[pos]) {
                pos += 1;
            }
            while pos < line.len() && !is_blank(line[pos]) {
                pos += 1;
            }
            pos
        }
    }
}

fn key_slice<'a>(line: &'a [u8], k: &Key, sep: Option<u8>) -> &'a [u8] {
    let mut start = field_start(line, k.sfield, sep);
    if k.flags.blanks {
        while start < line.len() && is_blank(line[start]) {
            start += 1;
        }
    }
    start = (start + k.schar.saturating_sub(1)).min(line.len());
    let end = if k.efield == 0 {
        line.len()
    } else {
        let fs = field_start(line, k.efield, sep);
        if k.echar == 0 {
            field_end(line, fs, sep)
        } else {
            let mut p = fs;
            if k.end_blanks {
                while p < line.len() && is_blank(line[p]) {
                    p += 1;
                }
            }
            (p + k.echar).min(line.len())
        }
    };
    if end <= start {
        &line[start..start]
    } else {
        &line[start..end]
    }
}

/// Splits a number into (negative, integer digits without leading zeros, fraction digits
/// without trailing zeros).
fn parse_num(s: &[u8]) -> (bool, &[u8], &[u8]) {
    let mut i = 0;
    while i < s.len() && is_blank(s[i]) {
        i += 1;
    }
    let neg = s.get(i) == Some(&b'-');
    if neg {
        i += 1;
    }
    while s.get(i) == Some(&b'0') {
        i += 1;
    }
    let is = i;
    while i < s.len() && s[i].is_ascii_digit() {
        i += 1;
    }
    let int = &s[is..i];
    let mut frac: &[u8] = &[];
    if s.get(i) == Some(&b'.') {
        let fs = i + 1;
        let mut j = fs;
        while j < s.len() && s[j].is_ascii_digit() {
            j += 1;
        }
        frac = &s[fs..j];
        while let [rest @ .., b'0'] = frac {
            frac = rest;
        }
    }
    (neg, int, frac)
}

fn numcmp(a: &[u8], b: &[u8]) -> Ordering {
    let (an, ai, af) = parse_num(a);
    let (bn, bi, bf) = parse_num(b);
    let az = ai.is_empty() && af.is_empty();
    let bz = bi.is_empty() && bf.is_empty();
    let an = an && !az;
    let bn = bn && !bz;
    if an != bn {
        return if an {
            Ordering::Less
        } else {
            Ordering::Greater
        };
    }
    let mag = ai
        .len()
        .cmp(&bi.len())
        .then_with(|| ai.cmp(bi))
        .then_with(|| af.cmp(bf));
    if an { mag.reverse() } else { mag }
}

fn compare_key(a: &[u8], b: &[u8], f: Flags) -> Ordering {
    let ord = if f.numeric {
        numcmp(a, b)
    } else if f.fold {
        a.iter()
            .map(u8::to_ascii_uppercase)
            .cmp(b.iter().map(u8::to_ascii_uppercase))
    } else {
        a.cmp(b)
    };
    if f.reverse { ord.reverse() } else { ord }
}

fn parse_key(spec: &str, global: Flags) -> Option<Key> {
    let (start, end) = match spec.split_once(',') {
        Some((s, e)) => (s, Some(e)),
        None => (spec, None),
    };
    // N[.C][flags]
    fn pos(s: &str) -> Option<(usize, usize, Flags, bool)> {
        let cut = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
        let (num, opts) = s.split_at(cut);
        let (f, c) = match num.split_once('.') {
            Some((f, c)) => (f.parse().ok()?, c.parse().ok()?),
            None => (num.parse().ok()?, 0),
        };
        let mut flags = Flags::default();
        for o in opts.chars() {
            match o {
                'n' => flags.numeric = true,
                'r' => flags.reverse = true,
                'f' => flags.fold = true,
                'b' => flags.blanks = true,
                _ => return None,
            }
        }
        Some((f, c, flags, !opts.is_empty()))
    }
    let (sfield, schar, mut flags, mut own) = pos(start)?;
    if sfield == 0 {
        return None;
    }
    let (mut efield, mut echar, mut end_blanks) = (0, 0, false);
    if let Some(e) = end {
        let (f, c, ef, eo) = pos(e)?;
        if f == 0 {
            return None;
        }
        (efield, echar, end_blanks) = (f, c, ef.blanks);
        if eo {
            own = true;
            flags.numeric |= ef.numeric;
            flags.reverse |= ef.reverse;
            flags.fold |= ef.fold;
        }
    }
    if !own {
        flags = global;
        end_blanks = global.blanks;
    }
    Some(Key {
        sfield,
        schar: schar.max(1),
        efield,
        echar,
        flags,
        end_blanks,
    })
}

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let args = cli::parse(PROG, std::env::args().skip(1), "nrufbsgVcz", "tko", false);
    let mut global = Flags::default();
    let (mut unique, mut stable) = (false, false);
    let mut sep = None;
    let mut key_specs = Vec::new();
    let mut output = None;
    for (c, v) in args.opts {
        match c {
            'n' | 'g' => global.numeric = true,
            'r' => global.reverse = true,
            'f' => global.fold = true,
            'b' => global.blanks = true,
            'u' => unique = true,
            's' => stable = true,
            't' => {
                let v = v.unwrap();
                if v.len() != 1 {
                    cli::usage_error(PROG, "the delimiter must be a single character");
                }
                sep = Some(v.as_bytes()[0]);
            }
            'k' => key_specs.push(v.unwrap()),
            'o' => output = v,
            _ => cli::usage_error(PROG, &format!("option -{c} is not supported")),
        }
    }
    let mut keys = Vec::new();
    for spec in &key_specs {
        match parse_key(spec, global) {
            Some(k) => keys.push(k),
            None => cli::usage_error(PROG, &format!("invalid key specification '{spec}'")),
        }
    }
    let whole_line = keys.is_empty();
    if whole_line {
        keys.push(Key {
            sfield: 1,
            schar: 1,
            efield: 0,
            echar: 0,
            flags: global,
            end_blanks: false,
        });
    }

    let mut data = Vec::new();
    let mut status = ExitCode::SUCCESS;
    for f in cli::files_or_stdin(args.operands) {
        let result = cli::open_raw(&f).and_then(|mut r| r.read_to_end(&mut data));
        match result {
            Ok(_) => {
                if !data.is_empty() && !data.ends_with(b"\n") {
                    data.push(b'\n');
                }
            }
            Err(e) => {
                // GNU sort's wording and status.
                eprintln!("{PROG}: cannot read: {f}: {}", cli::msg(&e));
                status = ExitCode::from(2);
            }
        }
    }
    if status != ExitCode::SUCCESS {
        return status;
    }
    let mut lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    lines.pop(); // after the final newline

    let key_cmp = |a: &[u8], b: &[u8]| -> Ordering {
        for k in &keys {
            let (ka, kb) = if whole_line && !k.flags.blanks {
                (a, b)
            } else {
                (key_slice(a, k, sep), key_slice(b, k, sep))
            };
            let ord = compare_key(ka, kb, k.flags);
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    };
    let plain = whole_line && !global.numeric && !global.fold && !global.blanks;
    if plain {
        lines.sort();
        if global.reverse {
            lines.reverse();
        }
    } else {
        lines.sort_by(|a, b| {
            let ord = key_cmp(a, b);
            if ord != Ordering::Equal || unique || stable {
                return ord;
            }
            let last = a.cmp(b);
            if global.reverse { last.reverse() } else { last }
        });
    }
    if unique {
        lines.dedup_by(|b, a| key_cmp(a, b) == Ordering::Equal);
    }

    let result = (|| -> io::Result<()> {
        let mut out: Box<dyn Write> = match &output {
            Some(name) if name != "-" => Box::new(io::BufWriter::with_capacity(
                64 * 1024,
                std::fs::File::create(name)?,
            )),
            _ => Box::new(cli::stdout()),
        };
        for l in &lines {
            out.write_all(l)?;
            out.write_all(b"\n")?;
        }
        out.flush()
    })();
    if let Err(e) = result {
        match &output {
            Some(name) if name != "-" => cli::die(PROG, &format!("{name}: {}", cli::msg(&e))),
            _ => cli::write_failed(PROG, &e),
        }
    }
    ExitCode::SUCCESS
}
