//! `seq [-s SEP] [-w] [FIRST [INCREMENT]] LAST`: prints numbers from FIRST (default 1) to
//! LAST by INCREMENT (default 1). Integers are exact; with a fractional argument the
//! output has as many decimals as FIRST or INCREMENT. `-w` pads with leading zeros.

use std::io::Write;
use std::process::ExitCode;
use userland::cli;

const PROG: &str = "seq";

fn decimals(s: &str) -> usize {
    s.split_once('.').map_or(0, |(_, f)| f.len())
}

fn is_int(s: &str) -> bool {
    s.parse::<i64>().is_ok()
}

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let args = cli::parse(PROG, std::env::args().skip(1), "w", "sf", true);
    let mut sep = "\n".to_owned();
    let mut width = false;
    for (c, v) in args.opts {
        match c {
            's' => sep = v.unwrap(),
            'w' => width = true,
            _ => cli::usage_error(PROG, "-f is not supported"),
        }
    }
    let ops = args.operands;
    if ops.is_empty() {
        cli::usage_error(PROG, "missing operand");
    }
    if ops.len() > 3 {
        cli::usage_error(PROG, &format!("extra operand '{}'", ops[3]));
    }
    for o in &ops {
        let ok = o.parse::<f64>().is_ok_and(f64::is_finite)
            && !o.contains(['e', 'E', 'x', 'X', 'n', 'N', 'i', 'I']);
        if !ok {
            cli::usage_error(PROG, &format!("invalid floating point argument: '{o}'"));
        }
    }
    let (first, inc, last) = match ops.len() {
        1 => ("1", "1", ops[0].as_str()),
        2 => (ops[0].as_str(), "1", ops[1].as_str()),
        _ => (ops[0].as_str(), ops[1].as_str(), ops[2].as_str()),
    };
    let mut out = cli::stdout();
    let mut emit = |text: &str, first_item: bool| {
        let r = if first_item {
            out.write_all(text.as_bytes())
        } else {
            out.write_all(sep.as_bytes())
                .and_then(|()| out.write_all(text.as_bytes()))
        };
        if let Err(e) = r {
            cli::write_failed(PROG, &e);
        }
    };
    let mut any = false;
    if is_int(first) && is_int(inc) && is_int(last) {
        let (a, d, z): (i64, i64, i64) = (
            first.parse().unwrap(),
            inc.parse().unwrap(),
            last.parse().unwrap(),
        );
        if d == 0 {
            cli::usage_error(PROG, &format!("invalid Zero increment value: '{inc}'"));
        }
        let w = if width {
            a.to_string().len().max(z.to_string().len())
        } else {
            0
        };
        let mut x = a;
        while (d > 0 && x <= z) || (d < 0 && x >= z) {
            let text = if x < 0 {
                format!("-{:0>w$}", -i128::from(x), w = w.saturating_sub(1))
            } else {
                format!("{x:0>w$}")
            };
            emit(&text, !any);
            any = true;
            match x.checked_add(d) {
                Some(n) => x = n,
                None => break,
            }
        }
    } else {
        let prec = decimals(first).max(decimals(inc));
        let (a, d, z): (f64, f64, f64) = (
            first.parse().unwrap(),
            inc.parse().unwrap(),
            last.parse().unwrap(),
        );
        if d == 0.0 {
            cli::usage_error(PROG, &format!("invalid Zero increment value: '{inc}'"));
        }
        let fmt = |v: f64| format!("{v:.prec$}");
        let w = if width {
            fmt(a).len().max(fmt(z).len())
        } else {
            0
        };
        let pad = |s: String| {
            if s.len() >= w {
                s
            } else if let Some(digits) = s.strip_prefix('-') {
                format!("-{digits:0>w$}", w = w - 1)
            } else {
                format!("{s:0>w$}")
            }
        };
        let mut i = 0u64;
        loop {
            let x = a + i as f64 * d;
            if (d > 0.0 && x > z) || (d < 0.0 && x < z) {
                // Rounding may put the last step just past LAST: print it if it looks equal.
                if fmt(x) == fmt(z) {
                    emit(&pad(fmt(x)), !any);
                    any = true;
                }
                break;
            }
            emit(&pad(fmt(x)), !any);
            any = true;
            i += 1;
        }
    }
    if any {
        emit("\n", true);
    }
    cli::finish(PROG, &mut out, ExitCode::SUCCESS)
}
