//! `$((…))`: integer arithmetic on `i64` with C's operators and precedence (no `++`/`--`,
//! as dash), variables by name (unset or empty is 0), assignments (`=`, `+=`, …), `?:`,
//! decimal, octal (`010`) and hexadecimal (`0x10`) constants. Plain Rust, host-tested.

/// Variable access for the evaluator.
pub trait ArithVars {
    fn get(&self, name: &str) -> Option<String>;
    fn set(&mut self, name: &str, value: String) -> Result<(), String>;
}

struct Ev<'a> {
    s: &'a [u8],
    i: usize,
    vars: &'a mut dyn ArithVars,
}

const ASSIGN_OPS: [&str; 11] = [
    "<<=", ">>=", "*=", "/=", "%=", "+=", "-=", "&=", "^=", "|=", "=",
];

/// Parses a constant as dash does: `0x…` hex, a leading `0` octal, else decimal.
pub fn parse_number(t: &str) -> Option<i64> {
    let t = t.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let v = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()? as i64
    } else if t.len() > 1 && t.starts_with('0') {
        u64::from_str_radix(&t[1..], 8).ok()? as i64
    } else {
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        t.parse::<u64>().ok()? as i64
    };
    Some(if neg { v.wrapping_neg() } else { v })
}

impl Ev<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn peek_op(&mut self, op: &str) -> bool {
        self.ws();
        self.s[self.i..].starts_with(op.as_bytes())
    }

    fn eat(&mut self, op: &str) -> bool {
        if self.peek_op(op) {
            self.i += op.len();
            true
        } else {
            false
        }
    }

    fn var(&self, name: &str) -> Result<i64, String> {
        match self.vars.get(name) {
            None => Ok(0),
            Some(v) if v.is_empty() => Ok(0),
            Some(v) => parse_number(&v).ok_or_else(|| format!("Illegal number: {v}")),
        }
    }

    fn assign(&mut self, run: bool) -> Result<i64, String> {
        self.ws();
        let start = self.i;
        let len = self.s[start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count();
        if len > 0 && !self.s[start].is_ascii_digit() {
            let name = std::str::from_utf8(&self.s[start..start + len])
                .unwrap_or("")
                .to_owned();
            self.i = start + len;
            self.ws();
            for op in ASSIGN_OPS {
                if self.s[self.i..].starts_with(op.as_bytes())
                    && !(op == "=" && self.s[self.i..].starts_with(b"=="))
                {
                    self.i += op.len();
                    let rhs = self.assign(run)?;
                    if !run {
                        return Ok(0);
                    }
                    let v = if op == "=" {
                        rhs
                    } else {
                        binary(&op[..op.len() - 1], self.var(&name)?, rhs)?
                    };
                    self.vars.set(&name, v.to_string())?;
                    return Ok(v);
                }
            }
            self.i = start;
        }
        self.ternary(run)
    }

    fn ternary(&mut self, run: bool) -> Result<i64, String> {
        let c = self.binary_level(0, run)?;
        if self.eat("?") {
            let a = self.assign(run && c != 0)?;
            if !self.eat(":") {
                return Err("expecting ':'".into());
            }
            let b = self.ternary(run && c == 0)?;
            return Ok(if c != 0 { a } else { b });
        }
        Ok(c)
    }

    fn binary_level(&mut self, level: usize, run: bool) -> Result<i64, String> {
        const LEVELS: [&[&str]; 10] = [
            &["||"],
            &["&&"],
            &["|"],
            &["^"],
            &["&"],
            &["==", "!="],
            &["<=", ">=", "<", ">"],
            &["<<", ">>"],
            &["+", "-"],
            &["*", "/", "%"],
        ];
        if level == LEVELS.len() {
            return self.unary(run);
        }
        let mut lhs = self.binary_level(level + 1, run)?;
        'outer: loop {
            for &op in LEVELS[level] {
                if !self.peek_op(op) {
                    continue;
                }
                // `|` is not `||`, `&` not `&&`, `<` not `<<` or `<=`, and no operator is
                // the start of an assignment (`+=`).
                let rest = &self.s[self.i + op.len()..];
                let longer = match op {
                    "|" => rest.starts_with(b"|"),
                    "&" => rest.starts_with(b"&"),
                    "<" => rest.starts_with(b"<") || rest.starts_with(b"="),
                    ">" => rest.starts_with(b">") || rest.starts_with(b"="),
                    _ => false,
                } || (op != "=="
                    && op != "!="
                    && op != "<="
                    && op != ">="
                    && rest.starts_with(b"=")
                    && !rest.starts_with(b"=="));
                if longer {
                    continue;
                }
                self.i += op.len();
                lhs = match op {
                    "||" => {
                        let rhs = self.binary_level(level + 1, run && lhs == 0)?;
                        i64::from(lhs != 0 || rhs != 0)
                    }
                    "&&" => {
                        let rhs = self.binary_level(level + 1, run && lhs != 0)?;
                        i64::from(lhs != 0 && rhs != 0)
                    }
                    _ => {
                        let rhs = self.binary_level(level + 1, run)?;
                        if run { binary(op, lhs, rhs)? } else { 0 }
                    }
                };
                continue 'outer;
            }
            return Ok(lhs);
        }
    }

    fn unary(&mut self, run: bool) -> Result<i64, String> {
        self.ws();
        match self.s.get(self.i) {
            Some(b'-') => {
                self.i += 1;
                Ok(self.unary(run)?.wrapping_neg())
            }
            Some(b'+') => {
                self.i += 1;
                self.unary(run)
            }
            Some(b'!') => {
                self.i += 1;
                Ok(i64::from(self.unary(run)? == 0))
            }
            Some(b'~') => {
                self.i += 1;
                Ok(!self.unary(run)?)
            }
            Some(b'(') => {
                self.i += 1;
                let v = self.assign(run)?;
                if !self.eat(")") {
                    return Err("missing ')'".into());
                }
                Ok(v)
            }
            Some(c) if c.is_ascii_digit() => {
                let len = self.s[self.i..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric())
                    .count();
                let t = std::str::from_utf8(&self.s[self.i..self.i + len]).unwrap_or("");
                self.i += len;
                parse_number(t).ok_or_else(|| format!("Illegal number: {t}"))
            }
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
                let len = self.s[self.i..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                    .count();
                let name = std::str::from_utf8(&self.s[self.i..self.i + len])
                    .unwrap_or("")
                    .to_owned();
                self.i += len;
                self.var(&name)
            }
            _ => Err("syntax error".into()),
        }
    }
}

fn binary(op: &str, a: i64, b: i64) -> Result<i64, String> {
    Ok(match op {
        "+" => a.wrapping_add(b),
        "-" => a.wrapping_sub(b),
        "*" => a.wrapping_mul(b),
        "/" | "%" if b == 0 => return Err("division by zero".into()),
        "/" => a.wrapping_div(b),
        "%" => a.wrapping_rem(b),
        "<<" => a.wrapping_shl(b as u32),
        ">>" => a.wrapping_shr(b as u32),
        "&" => a & b,
        "|" => a | b,
        "^" => a ^ b,
        "==" => i64::from(a == b),
        "!=" => i64::from(a != b),
        "<" => i64::from(a < b),
        "<=" => i64::from(a <= b),
        ">" => i64::from(a > b),
        ">=" => i64::from(a >= b),
        _ => return Err(format!("unknown operator {op}")),
    })
}

/// Evaluates `expr`; errors are dash's message after `arithmetic expression: `.
pub fn eval(expr: &str, vars: &mut dyn ArithVars) -> Result<i64, String> {
    if expr.trim().is_empty() {
        return Ok(0);
    }
    let mut ev = Ev {
        s: expr.as_bytes(),
        i: 0,
        vars,
    };
    let v = ev.assign(true).map_err(|e| {
        if e.starts_with("Illegal number") {
            e
        } else {
            format!("arithmetic expression: {e}: \"{expr}\"")
        }
    })?;
    ev.ws();
    if ev.i != ev.s.len() {
        return Err(format!("arithmetic expression: syntax error: \"{expr}\""));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct V(HashMap<String, String>);
    impl ArithVars for V {
        fn get(&self, name: &str) -> Option<String> {
            self.0.get(name).cloned()
        }
        fn set(&mut self, name: &str, value: String) -> Result<(), String> {
            self.0.insert(name.into(), value);
            Ok(())
        }
    }

    fn ev(s: &str) -> i64 {
        let mut v = V(HashMap::from([("i".into(), "5".into())]));
        eval(s, &mut v).unwrap()
    }

    #[test]
    fn operators_and_precedence() {
        assert_eq!(ev("i * 3 + 1"), 16);
        assert_eq!(ev("(i << 2) | 1"), 21);
        assert_eq!(ev("0x10 + 010"), 24);
        assert_eq!(ev("-5 / 2"), -2);
        assert_eq!(ev("7 > 3"), 1);
        assert_eq!(ev("2 == 3"), 0);
        assert_eq!(ev("1 ? 10 : 20"), 10);
        assert_eq!(ev("0 || 0 && 1"), 0);
        assert_eq!(ev("!0 + ~0"), 0);
        assert_eq!(ev("1 < 2 && 3 >= 3"), 1);
        assert_eq!(ev("6 & 3 ^ 1"), 3);
        assert_eq!(ev(""), 0);
    }

    #[test]
    fn assignments_and_short_circuit() {
        let mut v = V(HashMap::new());
        assert_eq!(eval("x = 4", &mut v).unwrap(), 4);
        assert_eq!(eval("x += 10", &mut v).unwrap(), 14);
        assert_eq!(eval("x <<= 1", &mut v).unwrap(), 28);
        assert_eq!(eval("0 && (y = 1)", &mut v).unwrap(), 0);
        assert_eq!(eval("1 ? 2 : (y = 3)", &mut v).unwrap(), 2);
        assert!(!v.0.contains_key("y"));
        assert_eq!(eval("x == 28", &mut v).unwrap(), 1);
    }

    #[test]
    fn errors() {
        let mut v = V(HashMap::new());
        assert!(
            eval("1 / 0", &mut v)
                .unwrap_err()
                .contains("division by zero")
        );
        assert!(eval("1 +", &mut v).is_err());
        assert!(eval("(1", &mut v).is_err());
        assert!(eval("2 3", &mut v).is_err());
    }
}
