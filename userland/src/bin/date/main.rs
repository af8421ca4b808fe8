//! `date [-u] [-d @SECONDS] [+FORMAT]`: prints the time in UTC, by default as
//! `Sat Nov 28 05:24:33 UTC 2026`. FORMAT understands `%a %A %b %B %c %C %d %D %e %F %H
//! %I %j %k %l %m %M %n %N %p %r %R %s %S %t %T %u %w %y %Y %z %Z %%` and `%h`.

use std::io::Write;
use std::process::ExitCode;
use std::time::SystemTime;
use userland::cli;

const PROG: &str = "date";

const LONG_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const LONG_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn render(fmt: &str, secs: i64, nanos: u32) -> String {
    let t = cli::utc(secs);
    let mut out = String::new();
    let mut chars = fmt.chars();
    let h12 = if t.hour % 12 == 0 { 12 } else { t.hour % 12 };
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let s = match chars.next() {
            Some('a') => cli::WEEKDAYS[t.wday as usize].to_owned(),
            Some('A') => LONG_DAYS[t.wday as usize].to_owned(),
            Some('b' | 'h') => cli::MONTHS[t.month as usize - 1].to_owned(),
            Some('B') => LONG_MONTHS[t.month as usize - 1].to_owned(),
            Some('c') => render("%a %b %e %H:%M:%S %Y", secs, nanos),
            Some('C') => format!("{:02}", t.year.div_euclid(100)),
            Some('d') => format!("{:02}", t.day),
            Some('D') => render("%m/%d/%y", secs, nanos),
            Some('e') => format!("{:>2}", t.day),
            Some('F') => render("%Y-%m-%d", secs, nanos),
            Some('H') => format!("{:02}", t.hour),
            Some('I') => format!("{h12:02}"),
            Some('j') => format!("{:03}", t.yday + 1),
            Some('k') => format!("{:>2}", t.hour),
            Some('l') => format!("{h12:>2}"),
            Some('m') => format!("{:02}", t.month),
            Some('M') => format!("{:02}", t.min),
            Some('n') => "\n".to_owned(),
            Some('N') => format!("{nanos:09}"),
            Some('p') => (if t.hour < 12 { "AM" } else { "PM" }).to_owned(),
            Some('r') => render("%I:%M:%S %p", secs, nanos),
            Some('R') => render("%H:%M", secs, nanos),
            Some('s') => secs.to_string(),
            Some('S') => format!("{:02}", t.sec),
            Some('t') => "\t".to_owned(),
            Some('T') => render("%H:%M:%S", secs, nanos),
            Some('u') => (if t.wday == 0 { 7 } else { t.wday }).to_string(),
            Some('w') => t.wday.to_string(),
            Some('y') => format!("{:02}", t.year.rem_euclid(100)),
            Some('Y') => t.year.to_string(),
            Some('z') => "+0000".to_owned(),
            Some('Z') => "UTC".to_owned(),
            Some('%') => "%".to_owned(),
            Some(o) => format!("%{o}"),
            None => "%".to_owned(),
        };
        out.push_str(&s);
    }
    out
}

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let args = cli::parse(PROG, std::env::args().skip(1), "uR", "d", false);
    let (mut secs, mut nanos) = cli::epoch(SystemTime::now());
    let mut fmt = "%a %b %e %H:%M:%S %Z %Y".to_owned();
    for (c, v) in args.opts {
        match c {
            'd' => {
                let v = v.unwrap();
                match v.strip_prefix('@').and_then(|s| s.parse::<i64>().ok()) {
                    Some(s) => (secs, nanos) = (s, 0),
                    None => cli::die(PROG, &format!("invalid date '{v}' (only @SECONDS)")),
                }
            }
            'R' => fmt = "%a, %d %b %Y %H:%M:%S %z".to_owned(),
            _ => {}
        }
    }
    for op in args.operands {
        match op.strip_prefix('+') {
            Some(f) => fmt = f.to_owned(),
            None => cli::die(
                PROG,
                &format!("invalid date '{op}' (setting the time is not supported)"),
            ),
        }
    }
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{}", render(&fmt, secs, nanos)).and_then(|()| out.flush()) {
        cli::write_failed(PROG, &e);
    }
    ExitCode::SUCCESS
}
