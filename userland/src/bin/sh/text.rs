//! The text-only parts of builtins (plain Rust, host-tested): `printf`'s formatting,
//! `echo`'s backslash escapes (dash's echo always interprets them), and `test`'s
//! expression grammar (file tests through a callback).

use super::arith::parse_number;

/// Result of processing backslash escapes: the bytes and whether `\c` stopped output.
pub fn escapes(s: &str, out: &mut Vec<u8>, octal_needs_zero: bool) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 >= b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        i += 1;
        let c = b[i];
        i += 1;
        match c {
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'c' => return true,
            b'e' => out.push(27),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'\\' => out.push(b'\\'),
            b'0'..=b'7' if !octal_needs_zero || c == b'0' => {
                let mut v: u32 = if octal_needs_zero {
                    0
                } else {
                    u32::from(c - b'0')
                };
                let max = 3;
                let mut n = 0;
                while n < max && i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                    v = v * 8 + u32::from(b[i] - b'0');
                    i += 1;
                    n += 1;
                }
                out.push(v as u8);
            }
            _ => {
                out.push(b'\\');
                out.push(c);
            }
        }
    }
    false
}

/// `echo ARGS`: dash's echo (`-n` first, escapes always).
pub fn echo(args: &[String]) -> Vec<u8> {
    let (newline, args) = match args.first() {
        Some(a) if a == "-n" => (false, &args[1..]),
        _ => (true, args),
    };
    let mut out = Vec::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        if escapes(a, &mut out, true) {
            return out;
        }
    }
    if newline {
        out.push(b'\n');
    }
    out
}

/// A numeric printf argument: a number, or `'c` / `"c` for a character's code.
fn num_arg(a: &str, errs: &mut Vec<String>) -> i64 {
    if let Some(rest) = a.strip_prefix(['\'', '"']) {
        return rest.chars().next().map_or(0, |c| c as i64);
    }
    if a.is_empty() {
        return 0;
    }
    match parse_number(a) {
        Some(v) => v,
        None => {
            // The leading number, as strtol, and an error.
            errs.push(format!("{a}: not completely converted"));
            let t = a.trim_start();
            let digits: String = t
                .chars()
                .enumerate()
                .take_while(|(i, c)| c.is_ascii_digit() || (*i == 0 && (*c == '-' || *c == '+')))
                .map(|(_, c)| c)
                .collect();
            digits.parse().unwrap_or(0)
        }
    }
}

fn pad(s: &str, width: usize, left: bool, zero: bool) -> String {
    let len = s.chars().count();
    if len >= width {
        return s.to_owned();
    }
    let fill = width - len;
    if left {
        format!("{s}{}", " ".repeat(fill))
    } else if zero {
        let (sign, digits) = match s.strip_prefix(['-', '+', ' ']) {
            Some(d) => (&s[..1], d),
            None => ("", s),
        };
        format!("{sign}{}{digits}", "0".repeat(fill))
    } else {
        format!("{}{s}", " ".repeat(fill))
    }
}

/// A decimal number as digits and the position of the point: 0.d1d2… × 10^point.
struct Decimal {
    digits: Vec<u8>,
    point: i32,
}

impl Decimal {
    /// The exact decimal value of the double nearest to `s` (what C's printf formats),
    /// and its sign; `None` for infinities and NaN.
    fn parse(s: &str) -> (bool, Option<Decimal>) {
        let v: f64 = s.trim().parse().unwrap_or(0.0);
        let bits = v.to_bits();
        let neg = bits >> 63 == 1;
        let exp = ((bits >> 52) & 0x7ff) as i32;
        let frac = bits & ((1 << 52) - 1);
        if exp == 0x7ff {
            return (neg && frac == 0, None);
        }
        let (m, mut e) = if exp == 0 {
            (frac, -1074)
        } else {
            (frac | 1 << 52, exp - 1075)
        };
        let mut digits: Vec<u8> = m.to_string().bytes().map(|b| b - b'0').collect();
        let mut point = digits.len() as i32;
        while e > 0 {
            // × 2
            let mut carry = 0;
            for d in digits.iter_mut().rev() {
                let x = *d * 2 + carry;
                *d = x % 10;
                carry = x / 10;
            }
            if carry > 0 {
                digits.insert(0, carry);
                point += 1;
            }
            e -= 1;
        }
        while e < 0 {
            // ÷ 2: exact, one more digit when odd
            let mut rem = 0;
            for d in digits.iter_mut() {
                let x = rem * 10 + *d;
                *d = x / 2;
                rem = x % 2;
            }
            if rem > 0 {
                digits.push(5);
            }
            if digits.first() == Some(&0) {
                digits.remove(0);
                point -= 1;
            }
            e += 1;
        }
        (neg, Some(Decimal { digits, point }))
    }

    /// Keeps `n` leading digits (n ≥ 0), rounding half to even.
    fn round(&mut self, n: i32) {
        let n = n.max(0) as usize;
        if self.digits.len() <= n {
            self.digits.resize(n, 0);
            return;
        }
        let rest = &self.digits[n..];
        let up = rest[0] > 5
            || (rest[0] == 5
                && (rest[1..].iter().any(|&d| d != 0) || n > 0 && self.digits[n - 1] % 2 == 1));
        self.digits.truncate(n);
        if up {
            let mut i = n;
            loop {
                if i == 0 {
                    self.digits.insert(0, 1);
                    self.point += 1;
                    self.digits.pop();
                    if n == 0 {
                        self.digits.push(1);
                    }
                    break;
                }
                i -= 1;
                if self.digits[i] == 9 {
                    self.digits[i] = 0;
                } else {
                    self.digits[i] += 1;
                    break;
                }
            }
        }
    }

    /// The exponent of the first significant digit (`None` for zero), leading zeros
    /// dropped.
    fn normalize(&mut self) -> Option<i32> {
        let k = self.digits.iter().position(|&d| d != 0)?;
        self.digits.drain(..k);
        self.point -= k as i32;
        Some(self.point - 1)
    }

    /// `%.{prec}f`
    fn fixed(mut self, prec: usize) -> String {
        self.round(self.point + prec as i32);
        let digit = |i: i32| -> char {
            if i < 0 {
                '0'
            } else {
                char::from(b'0' + self.digits.get(i as usize).copied().unwrap_or(0))
            }
        };
        let mut s = String::new();
        if self.point <= 0 {
            s.push('0');
        } else {
            for i in 0..self.point {
                s.push(digit(i));
            }
        }
        if prec > 0 {
            s.push('.');
            for i in 0..prec as i32 {
                s.push(digit(self.point + i));
            }
        }
        s
    }

    /// `%.{prec}e`
    fn sci(mut self, prec: usize) -> String {
        let Some(_) = self.normalize() else {
            let zeros = "0".repeat(prec);
            return if prec > 0 {
                format!("0.{zeros}e+00")
            } else {
                "0e+00".into()
            };
        };
        self.round(1 + prec as i32);
        let e = self.point - 1;
        let mut s = String::new();
        s.push(char::from(b'0' + self.digits[0]));
        if prec > 0 {
            s.push('.');
            for d in &self.digits[1..=prec] {
                s.push(char::from(b'0' + d));
            }
        }
        let sign = if e < 0 { '-' } else { '+' };
        format!("{s}e{sign}{:02}", e.abs())
    }
}

/// `%f`, `%e`, `%g` (and upper case) of a decimal argument, computed in decimal: the
/// sign and the text.
fn float(arg: &str, conv: char, prec: Option<usize>, alt: bool) -> (bool, String) {
    let (neg, d) = Decimal::parse(arg);
    let Some(d) = d else {
        let s = if arg.to_ascii_lowercase().contains("nan") {
            "nan"
        } else {
            "inf"
        };
        let s = if conv.is_ascii_uppercase() {
            s.to_ascii_uppercase()
        } else {
            s.to_owned()
        };
        return (neg, s);
    };
    let p = prec.unwrap_or(6);
    let s = match conv.to_ascii_lowercase() {
        'f' => d.fixed(p),
        'e' => d.sci(p),
        _ => {
            let p = p.max(1);
            let mut probe = Decimal {
                digits: d.digits.clone(),
                point: d.point,
            };
            let x = match probe.normalize() {
                Some(_) => {
                    probe.round(p as i32);
                    probe.point - 1
                }
                None => 0,
            };
            let mut s = if x < -4 || x >= p as i32 {
                d.sci(p - 1)
            } else {
                d.fixed((p as i32 - 1 - x) as usize)
            };
            if !alt {
                let (m, e) = match s.find('e') {
                    Some(i) => (s[..i].to_owned(), s[i..].to_owned()),
                    None => (s.clone(), String::new()),
                };
                let m = if m.contains('.') {
                    m.trim_end_matches('0').trim_end_matches('.').to_owned()
                } else {
                    m
                };
                s = m + &e;
            }
            s
        }
    };
    let s = if conv.is_ascii_uppercase() {
        s.to_ascii_uppercase()
    } else {
        s
    };
    let zero = !s.bytes().any(|b| (b'1'..=b'9').contains(&b));
    (neg && !zero, s)
}

/// `printf FORMAT ARGS`: the output and the error messages (status 1 if any).
pub fn printf(format: &str, args: &[String]) -> (Vec<u8>, Vec<String>) {
    let mut out = Vec::new();
    let mut errs = Vec::new();
    let mut ai = 0;
    let f: Vec<char> = format.chars().collect();
    loop {
        let mut i = 0;
        let start_ai = ai;
        while i < f.len() {
            let c = f[i];
            if c == '\\' {
                let mut s = String::from('\\');
                i += 1;
                if i < f.len() {
                    s.push(f[i]);
                    i += 1;
                    // Octal escapes: up to three digits.
                    if s.ends_with(|c: char| ('0'..='7').contains(&c)) {
                        let mut n = 1;
                        while n < 3 && i < f.len() && ('0'..='7').contains(&f[i]) {
                            s.push(f[i]);
                            i += 1;
                            n += 1;
                        }
                    }
                }
                if escapes(&s, &mut out, false) {
                    return (out, errs);
                }
                continue;
            }
            if c != '%' {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                i += 1;
                continue;
            }
            i += 1;
            if f.get(i) == Some(&'%') {
                out.push(b'%');
                i += 1;
                continue;
            }
            let mut flags = String::new();
            while let Some(&c) = f.get(i).filter(|c| "-+ 0#".contains(**c)) {
                flags.push(c);
                i += 1;
            }
            let mut next_arg = || {
                let a = args.get(ai).cloned();
                if a.is_some() {
                    ai += 1;
                }
                a
            };
            let mut width = String::new();
            if f.get(i) == Some(&'*') {
                width = next_arg().unwrap_or_default();
                i += 1;
            } else {
                while let Some(&c) = f.get(i).filter(|c| c.is_ascii_digit()) {
                    width.push(c);
                    i += 1;
                }
            }
            let mut prec: Option<usize> = None;
            if f.get(i) == Some(&'.') {
                i += 1;
                let mut p = String::new();
                if f.get(i) == Some(&'*') {
                    p = next_arg().unwrap_or_default();
                    i += 1;
                } else {
                    while let Some(&c) = f.get(i).filter(|c| c.is_ascii_digit()) {
                        p.push(c);
                        i += 1;
                    }
                }
                prec = Some(p.parse().unwrap_or(0));
            }
            let (left, width) = match width.strip_prefix('-') {
                Some(w) => (true, w.parse::<usize>().unwrap_or(0)),
                None => (flags.contains('-'), width.parse::<usize>().unwrap_or(0)),
            };
            let zero = flags.contains('0') && !left;
            let Some(&conv) = f.get(i) else {
                errs.push(format!("%{flags}: invalid directive"));
                break;
            };
            i += 1;
            let arg = next_arg();
            let s = match conv {
                's' => {
                    let mut s = arg.unwrap_or_default();
                    if let Some(p) = prec {
                        s = s.chars().take(p).collect();
                    }
                    pad(&s, width, left, false)
                }
                'b' => {
                    let mut b = Vec::new();
                    let stop = escapes(&arg.unwrap_or_default(), &mut b, true);
                    let mut s = String::from_utf8_lossy(&b).into_owned();
                    if let Some(p) = prec {
                        s = s.chars().take(p).collect();
                    }
                    out.extend_from_slice(pad(&s, width, left, false).as_bytes());
                    if stop {
                        return (out, errs);
                    }
                    continue;
                }
                'c' => {
                    let s: String = arg.unwrap_or_default().chars().take(1).collect();
                    pad(&s, width, left, false)
                }
                'd' | 'i' | 'u' | 'o' | 'x' | 'X' => {
                    let v = num_arg(&arg.unwrap_or_default(), &mut errs);
                    let mut digits = match conv {
                        'o' => format!("{:o}", v),
                        'x' => format!("{:x}", v),
                        'X' => format!("{:X}", v),
                        'u' => format!("{}", v as u64),
                        _ => v.unsigned_abs().to_string(),
                    };
                    if let Some(p) = prec
                        && digits.len() < p
                    {
                        digits = format!("{}{digits}", "0".repeat(p - digits.len()));
                    }
                    if flags.contains('#') && v != 0 {
                        match conv {
                            'o' => digits.insert(0, '0'),
                            'x' => digits.insert_str(0, "0x"),
                            'X' => digits.insert_str(0, "0X"),
                            _ => {}
                        }
                    }
                    let sign = if matches!(conv, 'd' | 'i') {
                        if v < 0 {
                            "-"
                        } else if flags.contains('+') {
                            "+"
                        } else if flags.contains(' ') {
                            " "
                        } else {
                            ""
                        }
                    } else {
                        ""
                    };
                    pad(
                        &format!("{sign}{digits}"),
                        width,
                        left,
                        zero && prec.is_none(),
                    )
                }
                'f' | 'e' | 'g' | 'F' | 'E' | 'G' => {
                    let (neg, s) = float(&arg.unwrap_or_default(), conv, prec, flags.contains('#'));
                    let sign = if neg {
                        "-"
                    } else if flags.contains('+') {
                        "+"
                    } else if flags.contains(' ') {
                        " "
                    } else {
                        ""
                    };
                    pad(&format!("{sign}{s}"), width, left, zero)
                }
                other => {
                    errs.push(format!("%{other}: invalid directive"));
                    return (out, errs);
                }
            };
            out.extend_from_slice(s.as_bytes());
        }
        // The format is reused while arguments remain (and consumed some).
        if ai >= args.len() || ai == start_ai {
            break;
        }
    }
    (out, errs)
}

/// What `test` needs to know about a path.
pub trait Files {
    /// `-e -f -d -r -w -x -s -L -h -p -S -b -c` on `path`.
    fn check(&self, op: &str, path: &str) -> bool;
    /// `-t FD`.
    fn isatty(&self, fd: i64) -> bool;
}

const UNARY: [&str; 18] = [
    "-e", "-f", "-d", "-r", "-w", "-x", "-s", "-L", "-h", "-p", "-S", "-b", "-c", "-n", "-z", "-t",
    "-g", "-u",
];
const BINARY: [&str; 12] = [
    "=", "!=", "<", ">", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-nt", "-ot",
];

struct Test<'a> {
    args: &'a [String],
    i: usize,
    files: &'a dyn Files,
}

impl Test<'_> {
    fn peek(&self, k: usize) -> Option<&str> {
        self.args.get(self.i + k).map(String::as_str)
    }

    fn or(&mut self) -> Result<bool, String> {
        let mut v = self.and()?;
        while self.peek(0) == Some("-o") {
            self.i += 1;
            let r = self.and()?;
            v = v || r;
        }
        Ok(v)
    }

    fn and(&mut self) -> Result<bool, String> {
        let mut v = self.not()?;
        while self.peek(0) == Some("-a") {
            self.i += 1;
            let r = self.not()?;
            v = v && r;
        }
        Ok(v)
    }

    fn not(&mut self) -> Result<bool, String> {
        if self.peek(0) == Some("!") && self.peek(1).is_some() {
            self.i += 1;
            return Ok(!self.not()?);
        }
        self.primary()
    }

    fn int(s: &str) -> Result<i64, String> {
        let t = s.trim();
        let ok = !t.is_empty()
            && t.strip_prefix(['-', '+'])
                .unwrap_or(t)
                .bytes()
                .all(|b| b.is_ascii_digit())
            && !t.strip_prefix(['-', '+']).unwrap_or(t).is_empty();
        if !ok {
            return Err(format!("Illegal number: {s}"));
        }
        t.parse::<i64>().map_err(|_| format!("Illegal number: {s}"))
    }

    fn primary(&mut self) -> Result<bool, String> {
        let Some(a) = self.peek(0) else {
            return Err("argument expected".into());
        };
        if a == "(" && self.peek(2) != Some(")")
            || (a == "(" && self.peek(1).is_some() && self.args.len() - self.i > 3)
        {
            self.i += 1;
            let v = self.or()?;
            if self.peek(0) != Some(")") {
                return Err("closing paren expected".into());
            }
            self.i += 1;
            return Ok(v);
        }
        if let (Some(op), Some(b)) = (self.peek(1), self.peek(2))
            && BINARY.contains(&op)
        {
            let (a, op, b) = (a.to_owned(), op.to_owned(), b.to_owned());
            self.i += 3;
            return Ok(match op.as_str() {
                "=" => a == b,
                "!=" => a != b,
                "<" => a < b,
                ">" => a > b,
                "-nt" | "-ot" => false,
                _ => {
                    let (x, y) = (Self::int(&a)?, Self::int(&b)?);
                    match op.as_str() {
                        "-eq" => x == y,
                        "-ne" => x != y,
                        "-lt" => x < y,
                        "-le" => x <= y,
                        "-gt" => x > y,
                        _ => x >= y,
                    }
                }
            });
        }
        if let (Some(op), None) = (self.peek(1), self.peek(2))
            && BINARY.contains(&op)
        {
            return Err(format!("{op}: argument expected"));
        }
        if UNARY.contains(&a)
            && let Some(b) = self.peek(1)
        {
            let (op, b) = (a.to_owned(), b.to_owned());
            self.i += 2;
            return Ok(match op.as_str() {
                "-n" => !b.is_empty(),
                "-z" => b.is_empty(),
                "-t" => self.files.isatty(Self::int(&b)?),
                _ => self.files.check(&op, &b),
            });
        }
        let v = !a.is_empty();
        self.i += 1;
        Ok(v)
    }
}

/// `test ARGS` (without the `]` of `[`): true/false, or an error message (status 2).
pub fn test(args: &[String], files: &dyn Files) -> Result<bool, String> {
    let mut t = Test { args, i: 0, files };
    if args.is_empty() {
        return Ok(false);
    }
    // POSIX's rules by argument count come first (`[ ! = x ]`, `[ -n ]`).
    match args.len() {
        1 => return Ok(!args[0].is_empty()),
        2 if args[0] == "!" => return Ok(args[1].is_empty()),
        3 if BINARY.contains(&args[1].as_str()) => return t.primary(),
        _ => {}
    }
    let v = t.or()?;
    match t.peek(0) {
        None => Ok(v),
        Some(x) => Err(format!("{x}: unexpected operator")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn echo_escapes() {
        assert_eq!(echo(&s(&["a", "b"])), b"a b\n");
        assert_eq!(echo(&s(&["-n", "x"])), b"x");
        assert_eq!(echo(&s(&["a\\tb\\n"])), b"a\tb\n\n");
        assert_eq!(echo(&s(&["stop\\c", "more"])), b"stop");
        assert_eq!(echo(&s(&["\\0101"])), b"A\n");
        assert_eq!(echo(&s(&["\\q"])), b"\\q\n");
    }

    fn pf(f: &str, a: &[&str]) -> String {
        String::from_utf8(printf(f, &s(a)).0).unwrap()
    }

    #[test]
    fn printf_formats() {
        assert_eq!(pf("%s-%s\\n", &["a", "b"]), "a-b\n");
        assert_eq!(pf("%s\\n", &["a", "b", "c"]), "a\nb\nc\n");
        assert_eq!(
            pf("[%5s][%-5s][%.2s]", &["ab", "cd", "xyz"]),
            "[   ab][cd   ][xy]"
        );
        assert_eq!(
            pf("%d %i %05d %-4d| %+d", &["42", "-7", "-42", "3", "5"]),
            "42 -7 -0042 3   | +5"
        );
        assert_eq!(
            pf("%x %X %o %#x %u", &["255", "255", "8", "255", "7"]),
            "ff FF 10 0xff 7"
        );
        assert_eq!(pf("%c%c", &["hello", "w"]), "hw");
        assert_eq!(pf("%b|%%", &["a\\tb"]), "a\tb|%");
        assert_eq!(pf("%d", &["'A"]), "65");
        assert_eq!(pf("%s|%d|", &[]), "|0|");
        assert_eq!(pf("%.3f %e", &["3.14159", "150"]), "3.142 1.500000e+02");
        assert_eq!(
            pf("%f|%.0f|%.1f|%5.2f", &["1", "2.5", "-0.05", "9.999"]),
            "1.000000|2|-0.1|10.00"
        );
        assert_eq!(
            pf("%e|%.2E|%e", &["0", "-12345", "0.000123"]),
            "0.000000e+00|-1.23E+04|1.230000e-04"
        );
        assert_eq!(
            pf(
                "%g %g %g %g %G",
                &["100", "0.0001", "1234567", "2.50", "1e-5"]
            ),
            "100 0.0001 1.23457e+06 2.5 1E-05"
        );
        assert_eq!(pf("%+.1f %08.3f", &["3", "-3.14159"]), "+3.0 -003.142");
        assert_eq!(
            pf("%.1f %.1f %.2f %f", &["0.25", "0.35", "2.675", "inf"]),
            "0.2 0.3 2.67 inf"
        );
        assert_eq!(pf("\\101\\0", &[]), "A\0");
        let (_, errs) = printf("%d", &s(&["12abc"]));
        assert_eq!(errs.len(), 1);
    }

    struct NoFiles;
    impl Files for NoFiles {
        fn check(&self, op: &str, path: &str) -> bool {
            op == "-d" && path == "/tmp"
        }
        fn isatty(&self, _: i64) -> bool {
            false
        }
    }

    fn t(a: &[&str]) -> Result<bool, String> {
        test(&s(a), &NoFiles)
    }

    #[test]
    fn test_expressions() {
        assert_eq!(t(&[]), Ok(false));
        assert_eq!(t(&["x"]), Ok(true));
        assert_eq!(t(&[""]), Ok(false));
        assert_eq!(t(&["-n", ""]), Ok(false));
        assert_eq!(t(&["-z", ""]), Ok(true));
        assert_eq!(t(&["abc", "=", "abc"]), Ok(true));
        assert_eq!(t(&["a", "<", "b"]), Ok(true));
        assert_eq!(t(&["a", ">", "b"]), Ok(false));
        assert_eq!(t(&["3", "-gt", "2"]), Ok(true));
        assert_eq!(t(&["1", "-eq", "2"]), Ok(false));
        assert_eq!(t(&["!", "1", "-eq", "2"]), Ok(true));
        assert_eq!(t(&["-d", "/tmp", "-a", "-f", "/tmp"]), Ok(false));
        assert_eq!(t(&["-d", "/tmp", "-o", "-f", "/tmp"]), Ok(true));
        assert_eq!(t(&["(", "a", "=", "b", ")", "-o", "x"]), Ok(true));
        assert_eq!(t(&["!", "-n"]), Ok(false));
        assert_eq!(t(&["=", "=", "="]), Ok(true));
        assert!(
            t(&["a", "-eq", "1"])
                .unwrap_err()
                .contains("Illegal number: a")
        );
        assert!(t(&["a", "b"]).is_err());
        assert_eq!(t(&["1", "-eq"]), Err("-eq: argument expected".into()));
    }
}
