//! `od [-A o|d|x|n] [-t TYPE]... [-bcdosx] [-j SKIP] [-N COUNT] [-v] [FILE]...`: dumps
//! its input (the FILEs one after another, or stdin) like GNU coreutils' od: 16 bytes a
//! line after the offset, in each TYPE — `c` (characters and escapes), `o`, `x`, `d`,
//! `u` with a size `1`, `2`, `4`, `8` or `C`, `S`, `I`, `L` (default: octal 2-byte
//! words, `-t o2`), little-endian. Columns of several types line up as GNU's do; a run of
//! identical lines is shown as `*` unless `-v`. `-b` is `-t o1`, `-c` `-t c`, `-d`
//! `-t u2`, `-o` `-t o2`, `-s` `-t d2`, `-x` `-t x2`.

use std::io::{Read, Write};
use std::process::{ExitCode, exit};

use userland::cli;

const PROG: &str = "od";
const LINE: usize = 16;

#[derive(Clone, Copy)]
struct Spec {
    kind: u8,
    size: usize,
    width: usize,
    /// `z`: the line's bytes follow as text between `>` and `<`.
    dump: bool,
}

fn spec(kind: u8, size: usize) -> Spec {
    let width = match (kind, size) {
        (b'c', _) => 3,
        (b'o', s) => [3, 6, 11, 22][s.trailing_zeros() as usize],
        (b'x', s) => 2 * s,
        (b'd', s) => [4, 6, 11, 20][s.trailing_zeros() as usize],
        (_, s) => [3, 5, 10, 20][s.trailing_zeros() as usize],
    };
    Spec {
        kind,
        size,
        width,
        dump: false,
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("{PROG}: {msg}");
    exit(1)
}

/// Parses a `-t` argument (several types may follow one another: `x1c`).
fn parse_types(t: &str, out: &mut Vec<Spec>) {
    let b = t.as_bytes();
    let mut i = 0;
    if b.is_empty() {
        fail(&format!("invalid type string '{t}'"));
    }
    while i < b.len() {
        let kind = b[i];
        i += 1;
        match kind {
            b'c' => out.push(spec(b'c', 1)),
            b'o' | b'x' | b'd' | b'u' => {
                let mut size = 4;
                if let Some(&c) = b.get(i) {
                    match c {
                        b'C' => (size, i) = (1, i + 1),
                        b'S' => (size, i) = (2, i + 1),
                        b'I' => (size, i) = (4, i + 1),
                        b'L' => (size, i) = (8, i + 1),
                        b'0'..=b'9' => {
                            let end = b[i..]
                                .iter()
                                .position(|c| !c.is_ascii_digit())
                                .map_or(b.len(), |p| p + i);
                            size = t[i..end].parse().unwrap_or(0);
                            i = end;
                            if ![1, 2, 4, 8].contains(&size) {
                                fail(&format!(
                                    "invalid type string '{t}';\nthis system doesn't provide a {size}-byte integral type"
                                ));
                            }
                        }
                        _ => {}
                    }
                }
                out.push(spec(kind, size));
            }
            b'z' if i > 1 => {
                if let Some(last) = out.last_mut() {
                    last.dump = true;
                }
            }
            c => fail(&format!(
                "invalid character '{}' in type string '{t}'",
                c as char
            )),
        }
    }
}

fn field(s: &Spec, bytes: &[u8]) -> String {
    if s.kind == b'c' {
        let c = bytes[0];
        return match c {
            0 => "\\0".into(),
            7 => "\\a".into(),
            8 => "\\b".into(),
            12 => "\\f".into(),
            b'\n' => "\\n".into(),
            b'\r' => "\\r".into(),
            b'\t' => "\\t".into(),
            11 => "\\v".into(),
            0x20..=0x7e => (c as char).to_string(),
            _ => format!("{c:03o}"),
        };
    }
    let mut v = [0u8; 8];
    v[..s.size].copy_from_slice(bytes);
    let u = u64::from_le_bytes(v);
    match s.kind {
        b'o' => format!("{u:0w$o}", w = s.width),
        b'x' => format!("{u:0w$x}", w = s.width),
        b'u' => u.to_string(),
        _ => {
            let shift = 64 - 8 * s.size as u32;
            (((u << shift) as i64) >> shift).to_string()
        }
    }
}

fn number(opt: char, v: &str) -> u64 {
    let (digits, radix) = if let Some(h) = v.strip_prefix("0x").or(v.strip_prefix("0X")) {
        (h, 16)
    } else if v.len() > 1 && v.starts_with('0') {
        (&v[1..], 8)
    } else {
        (v, 10)
    };
    u64::from_str_radix(digits, radix)
        .ok()
        .or_else(|| cli::parse_count(v))
        .unwrap_or_else(|| {
            let what = if opt == 'j' { "skip" } else { "count" };
            let _ = what;
            cli::try_help(PROG, &format!("invalid -{opt} argument '{v}'"), 1)
        })
}

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let args = cli::parse_gnu(PROG, std::env::args().skip(1), "bcdosxv", "AtjN", 1);
    let mut specs = Vec::new();
    let (mut radix, mut skip, mut limit, mut verbose) = (b'o', 0u64, None, false);
    for (c, v) in args.opts {
        let v = v.unwrap_or_default();
        match c {
            'A' => {
                radix = match v.as_str() {
                    "o" | "d" | "x" | "n" => v.as_bytes()[0],
                    _ => cli::try_help(
                        PROG,
                        &format!(
                            "invalid output address radix '{v}'; it must be one character from [doxn]"
                        ),
                        1,
                    ),
                }
            }
            't' => parse_types(&v, &mut specs),
            'b' => specs.push(spec(b'o', 1)),
            'c' => specs.push(spec(b'c', 1)),
            'd' => specs.push(spec(b'u', 2)),
            'o' => specs.push(spec(b'o', 2)),
            's' => specs.push(spec(b'd', 2)),
            'x' => specs.push(spec(b'x', 2)),
            'v' => verbose = true,
            'j' => skip = number('j', &v),
            'N' => limit = Some(number('N', &v)),
            _ => unreachable!(),
        }
    }
    if specs.is_empty() {
        specs.push(spec(b'o', 2));
    }
    let mut data = Vec::new();
    let mut failed = false;
    let mut read_any = 0;
    for name in cli::files_or_stdin(args.operands) {
        match cli::open_raw(&name).and_then(|mut r| r.read_to_end(&mut data)) {
            Ok(_) => read_any += 1,
            Err(e) => {
                let _ = cli::stdout().flush();
                eprintln!("{PROG}: {name}: {}", cli::msg(&e));
                failed = true;
            }
        }
    }
    if skip > data.len() as u64 {
        let _ = cli::stdout().flush();
        eprintln!("{PROG}: cannot skip past end of combined input");
        exit(1);
    }
    let start = skip as usize;
    let end = limit.map_or(data.len(), |n| (start + n as usize).min(data.len()));
    let data = &data[start..end];

    // GNU's layout: every type's line is as wide as the widest; each type's spare room is
    // spread over its fields.
    let line_width = specs
        .iter()
        .map(|s| (s.width + 1) * (LINE / s.size))
        .max()
        .unwrap_or(0);
    let offset = |off: usize| match radix {
        b'o' => format!("{off:07o}"),
        b'd' => format!("{off:07}"),
        b'x' => format!("{off:06x}"),
        _ => String::new(),
    };
    let indent = " ".repeat(offset(0).len());
    let mut out = cli::stdout();
    let mut text = String::new();
    let mut prev: Option<&[u8]> = None;
    let mut starred = false;
    for (k, chunk) in data.chunks(LINE).enumerate() {
        if !verbose && chunk.len() == LINE && prev == Some(chunk) {
            if !starred {
                text.push_str("*\n");
                starred = true;
            }
            continue;
        }
        starred = false;
        prev = Some(chunk);
        for (n, s) in specs.iter().enumerate() {
            let lead = if n == 0 {
                offset(start + k * LINE)
            } else {
                indent.clone()
            };
            text.push_str(&lead);
            let fields = LINE / s.size;
            let pad = line_width - s.width * fields;
            let mut pad_left = pad;
            let mut used = 0;
            let mut padded = chunk.to_vec();
            padded.resize(chunk.len().div_ceil(s.size) * s.size, 0);
            for (i, bytes) in padded.chunks(s.size).enumerate() {
                let next_pad = pad * (fields - i - 1) / fields;
                let w = s.width + pad_left - next_pad;
                pad_left = next_pad;
                text.push_str(&format!("{:>w$}", field(s, bytes)));
                used += w;
            }
            if s.dump {
                text.push_str(&" ".repeat(line_width - used));
                text.push_str("  >");
                for &b in chunk {
                    text.push(if (0x20..0x7f).contains(&b) {
                        b as char
                    } else {
                        '.'
                    });
                }
                text.push('<');
            }
            text.push('\n');
        }
        if text.len() > 16 * 1024 {
            if let Err(e) = out.write_all(text.as_bytes()) {
                cli::write_failed(PROG, &e);
            }
            text.clear();
        }
    }
    if radix != b'n' && !(failed && read_any == 0) {
        text.push_str(&offset(start + data.len()));
        text.push('\n');
    }
    if let Err(e) = out.write_all(text.as_bytes()) {
        cli::write_failed(PROG, &e);
    }
    let status = if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    };
    cli::finish(PROG, &mut out, status)
}
