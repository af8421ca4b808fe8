//! `diff [-u|-U N] [-q] [-L LABEL]... FILE1 FILE2`: compares two files line by line, like
//! GNU diffutils: the normal format by default, unified with `-u`/`-U N` (`-L` sets the
//! names in its header, otherwise `NAME\tMTIME`), only whether they differ with `-q`.
//! `-` is stdin; a directory operand stands for the file of the other's name in it.
//! Files with a NUL byte are `Binary files A and B differ`. Exit status 0 if the
//! files are the same, 1 if they differ, 2 on trouble. (Not implemented: directory
//! comparison, the context format.)

use std::io::{Read, Write};
use std::process::{ExitCode, exit};

use userland::cli;
use userland::diff;

const PROG: &str = "diff";

fn trouble(msg: &str) -> ! {
    let _ = cli::stdout().flush();
    eprintln!("{PROG}: {msg}");
    exit(2)
}

/// `2024-01-31 12:00:00.000000000 +0000`, GNU diff's header time (in UTC).
fn stamp(t: Option<std::time::SystemTime>) -> String {
    let t = t.unwrap_or_else(std::time::SystemTime::now);
    let (secs, nanos) = cli::epoch(t);
    let tm = cli::utc(secs);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{nanos:09} +0000",
        tm.year, tm.month, tm.day, tm.hour, tm.min, tm.sec
    )
}

fn read(name: &str) -> (Vec<u8>, Option<std::time::SystemTime>) {
    let mtime = if name == "-" {
        None
    } else {
        std::fs::metadata(name).ok().and_then(|m| m.modified().ok())
    };
    let mut bytes = Vec::new();
    if let Err(e) = cli::open_raw(name).and_then(|mut r| r.read_to_end(&mut bytes)) {
        trouble(&format!("{name}: {}", cli::msg(&e)));
    }
    (bytes, mtime)
}

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let argv = std::env::args().skip(1).flat_map(|a| {
        if let Some(v) = a.strip_prefix("--label=") {
            vec!["-L".to_owned(), v.to_owned()]
        } else if a == "--label" {
            vec!["-L".to_owned()]
        } else if a == "--unified" {
            vec!["-u".to_owned()]
        } else if a == "--brief" {
            vec!["-q".to_owned()]
        } else {
            vec![a]
        }
    });
    let args = cli::parse(PROG, argv, "uq", "UL", false);
    let (mut context, mut brief, mut labels) = (None, false, Vec::new());
    for (c, v) in args.opts {
        match c {
            'u' => context = Some(context.unwrap_or(3)),
            'U' => {
                let v = v.unwrap_or_default();
                context = Some(
                    v.parse()
                        .unwrap_or_else(|_| trouble(&format!("invalid context length '{v}'"))),
                );
            }
            'q' => brief = true,
            'L' => labels.extend(v),
            _ => unreachable!(),
        }
    }
    let mut names = args.operands;
    if names.len() < 2 {
        let after = names.last().map_or(PROG.to_owned(), Clone::clone);
        let _ = cli::stdout().flush();
        eprintln!(
            "{PROG}: missing operand after '{after}'\n{PROG}: Try '{PROG} --help' for more information."
        );
        exit(2);
    }
    if names.len() > 2 {
        eprintln!(
            "{PROG}: extra operand '{}'\n{PROG}: Try '{PROG} --help' for more information.",
            names[2]
        );
        exit(2);
    }
    let is_dir = |n: &str| n != "-" && std::fs::metadata(n).is_ok_and(|m| m.is_dir());
    match (is_dir(&names[0]), is_dir(&names[1])) {
        (true, true) => trouble("comparing directories is not supported"),
        (true, false) => names[0] = cli::join(&names[0], cli::basename(&names[1])),
        (false, true) => names[1] = cli::join(&names[1], cli::basename(&names[0])),
        _ => {}
    }
    let (a, ta) = read(&names[0]);
    let (b, tb) = read(&names[1]);
    if a == b {
        return ExitCode::SUCCESS;
    }
    let mut out = cli::stdout();
    let binary = |t: &[u8]| t[..t.len().min(64 * 1024)].contains(&0);
    if brief || binary(&a) || binary(&b) {
        let kind = if brief { "Files" } else { "Binary files" };
        let line = format!("{kind} {} and {} differ\n", names[0], names[1]);
        if let Err(e) = out.write_all(line.as_bytes()) {
            cli::write_failed(PROG, &e);
        }
        return cli::finish(PROG, &mut out, ExitCode::from(1));
    }
    let (la, lb) = (diff::lines(&a), diff::lines(&b));
    let changes = diff::changes(&diff::edits(&la, &lb));
    let text = match context {
        Some(n) => {
            let header = |i: usize, mark: &str, name: &str, t| match labels.get(i) {
                Some(l) => format!("{mark} {l}\n"),
                None => format!("{mark} {name}\t{}\n", stamp(t)),
            };
            let mut text = header(0, "---", &names[0], ta).into_bytes();
            text.extend(header(1, "+++", &names[1], tb).into_bytes());
            text.extend(diff::unified(&la, &lb, &changes, n));
            text
        }
        None => diff::normal(&la, &lb, &changes),
    };
    if let Err(e) = out.write_all(&text) {
        cli::write_failed(PROG, &e);
    }
    cli::finish(PROG, &mut out, ExitCode::from(1))
}
