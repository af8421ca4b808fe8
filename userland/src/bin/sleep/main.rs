//! `sleep NUMBER[SUFFIX]...`: pauses for the sum of the given times. NUMBER may be
//! fractional; SUFFIX is `s` (default), `m`, `h` or `d`.

use std::process::ExitCode;
use std::time::Duration;
use userland::cli;

const PROG: &str = "sleep";

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        cli::usage_error(PROG, "missing operand");
    }
    let mut total = 0f64;
    for a in &args {
        let (num, mult) = match a.char_indices().last() {
            Some((i, 's')) => (&a[..i], 1.0),
            Some((i, 'm')) => (&a[..i], 60.0),
            Some((i, 'h')) => (&a[..i], 3600.0),
            Some((i, 'd')) => (&a[..i], 86400.0),
            _ => (a.as_str(), 1.0),
        };
        match num.parse::<f64>() {
            Ok(n) if n >= 0.0 && !num.contains(['e', 'E', 'n', 'N', 'i', 'I']) => {
                total += n * mult;
            }
            _ => cli::usage_error(PROG, &format!("invalid time interval '{a}'")),
        }
    }
    if total > 0.0 {
        std::thread::sleep(Duration::from_secs_f64(total.min(1e10)));
    }
    ExitCode::SUCCESS
}
