//! `xargs [-0] [-d DELIM] [-n MAX] [-I REPLACE] [-L MAX] [-r] [-t] [COMMAND [ARG]...]`:
//! runs COMMAND (default `echo`) with the words read from stdin appended, as many per run
//! as fit, like GNU findutils. Words are separated by blanks and newlines, with `'…'`,
//! `"…"` and `\` quoting; `-0` splits on NUL and `-d` on DELIM instead, without quoting.
//! `-n` caps the words per run, `-L` the input lines per run; `-I R` runs the command
//! once per input line with R in its arguments replaced by the line; `-r` runs nothing
//! for empty input; `-t` prints each command on stderr first. Commands run through the
//! same WASIX spawn as the shell's, with stdin from /dev/null.
//!
//! Exit status: 0; 123 if a command exited 1-125; 124 if one exited 255 (xargs stops);
//! 125 if one was killed; 126/127 if the command could not run / was not found; 1 on a
//! usage or input error.

use std::io::{Read, Write};
use std::process::{ExitCode, exit};

use userland::cli;
use userland::command::{self, Outcome};

const PROG: &str = "xargs";
/// The most bytes of arguments one command gets (GNU's default is about 128 KiB).
const MAX_CHARS: usize = 128 * 1024;

fn fail(msg: &str) -> ! {
    let _ = cli::stdout().flush();
    eprintln!("{PROG}: {msg}");
    exit(1)
}

/// Parses the argument of `-d`: one character, or a C escape like `\n`, `\t`, `\0`, `\x41`.
fn delimiter(s: &str) -> u8 {
    let b = s.as_bytes();
    if b.len() == 1 {
        return b[0];
    }
    if b.first() == Some(&b'\\') {
        let simple = match &s[1..] {
            "n" => Some(b'\n'),
            "t" => Some(b'\t'),
            "r" => Some(b'\r'),
            "a" => Some(7),
            "b" => Some(8),
            "f" => Some(12),
            "v" => Some(11),
            "\\" => Some(b'\\'),
            _ => None,
        };
        if let Some(c) = simple {
            return c;
        }
        if let Some(hex) = s[1..].strip_prefix('x')
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            return v;
        }
        if let Ok(v) = u8::from_str_radix(&s[1..], 8) {
            return v;
        }
    }
    cli::try_help(
        PROG,
        &format!(
            "invalid input delimiter specification {s}: the delimiter must be either a single character or an escape sequence starting with \\."
        ),
        1,
    )
}

/// One input item and whether it ended its input line (for `-L`).
type Item = (String, bool);

/// Splits the default way: blanks and newlines separate, quotes and backslashes group.
fn split_quoted(input: &[u8]) -> Vec<Item> {
    let mut items = Vec::new();
    let mut word = Vec::new();
    let mut in_word = false;
    let mut i = 0;
    while i < input.len() {
        let c = input[i];
        match c {
            b' ' | b'\t' | b'\n' => {
                if in_word {
                    items.push((String::from_utf8_lossy(&word).into_owned(), c == b'\n'));
                    word.clear();
                    in_word = false;
                } else if c == b'\n'
                    && let Some(last) = items.last_mut()
                {
                    last.1 = true;
                }
            }
            b'\'' | b'"' => {
                in_word = true;
                match input[i + 1..].iter().position(|&b| b == c || b == b'\n') {
                    Some(n) if input[i + 1 + n] == c => {
                        word.extend_from_slice(&input[i + 1..i + 1 + n]);
                        i += n + 1;
                    }
                    _ => {
                        let which = if c == b'\'' { "single" } else { "double" };
                        fail(&format!(
                            "unmatched {which} quote; by default quotes are special to xargs unless you use the -0 option"
                        ));
                    }
                }
            }
            b'\\' if i + 1 < input.len() => {
                in_word = true;
                word.push(input[i + 1]);
                i += 1;
            }
            _ => {
                in_word = true;
                word.push(c);
            }
        }
        i += 1;
    }
    if in_word {
        items.push((String::from_utf8_lossy(&word).into_owned(), true));
    }
    items
}

struct Runner {
    trace: bool,
    status: u8,
}

impl Runner {
    /// Runs one command; false if xargs must stop.
    fn run(&mut self, argv: &[String]) -> bool {
        let mut out = cli::stdout();
        if let Err(e) = out.flush() {
            cli::write_failed(PROG, &e);
        }
        if self.trace {
            eprintln!("{}", argv.join(" "));
        }
        let args: Vec<&str> = argv.iter().map(String::as_str).collect();
        match command::run(&args, true) {
            Outcome::Exited(0) => true,
            Outcome::Exited(255) => {
                eprintln!("{PROG}: {}: exited with status 255; aborting", argv[0]);
                self.status = 124;
                false
            }
            Outcome::Exited(_) => {
                self.status = self.status.max(123);
                true
            }
            Outcome::Signaled(sig) => {
                eprintln!("{PROG}: {}: terminated by signal {sig}", argv[0]);
                self.status = 125;
                false
            }
            Outcome::NotStarted(e) => {
                let err = std::io::Error::from_raw_os_error(e.into());
                eprintln!("{PROG}: {}: {}", argv[0], cli::msg(&err));
                self.status = if e == 44 { 127 } else { 126 };
                false
            }
        }
    }
}

fn count(prog_opt: char, v: &str) -> usize {
    match v.parse::<usize>() {
        Ok(0) => cli::try_help(
            PROG,
            &format!("value 0 for -{prog_opt} option should be >= 1"),
            1,
        ),
        Ok(n) => n,
        Err(_) => cli::try_help(
            PROG,
            &format!("invalid number \"{v}\" for -{prog_opt} option"),
            1,
        ),
    }
}

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    // Options stop at the command: everything from the first operand on is its.
    let mut argv: Vec<String> = std::env::args().skip(1).collect();
    let mut opts_end = 0;
    while opts_end < argv.len() {
        let a = &argv[opts_end];
        if a == "--" {
            argv.remove(opts_end);
            break;
        }
        if !a.starts_with('-') || a.len() < 2 {
            break;
        }
        // The option's value may be the next argument.
        let takes_value = a[1..]
            .char_indices()
            .find(|&(_, c)| "dnILsE".contains(c))
            .is_some_and(|(i, _)| i + 2 == a.len());
        opts_end += if takes_value { 2 } else { 1 };
    }
    let opts_end = opts_end.min(argv.len());
    let command: Vec<String> = argv.split_off(opts_end);
    let args = cli::parse_gnu(PROG, argv, "0rtx", "dnILsE", 1);
    let (mut delim, mut max_args, mut max_lines) = (None, None, None);
    let (mut replace, mut no_empty, mut trace) = (None, false, false);
    for (c, v) in args.opts {
        let v = v.unwrap_or_default();
        match c {
            '0' => delim = Some(0),
            'd' => delim = Some(delimiter(&v)),
            'n' => max_args = Some(count('n', &v)),
            'L' => max_lines = Some(count('L', &v)),
            'I' => replace = Some(v),
            'r' => no_empty = true,
            't' => trace = true,
            'x' | 's' | 'E' => {}
            _ => unreachable!(),
        }
    }
    let command = if command.is_empty() {
        vec!["echo".to_owned()]
    } else {
        command
    };
    let mut input = Vec::new();
    if let Err(e) = cli::StdinReader.read_to_end(&mut input) {
        fail(&format!("read error: {}", cli::msg(&e)));
    }
    let mut runner = Runner { trace, status: 0 };

    if let Some(r) = &replace {
        // One command per input line, leading blanks dropped.
        let sep = delim.unwrap_or(b'\n');
        for piece in input.split(|&b| b == sep) {
            let line = String::from_utf8_lossy(piece);
            let line = if delim.is_none() {
                line.trim_start_matches([' ', '\t']).to_owned()
            } else {
                line.into_owned()
            };
            if line.is_empty() {
                continue;
            }
            let argv: Vec<String> = command
                .iter()
                .map(|a| a.replace(r.as_str(), &line))
                .collect();
            if !runner.run(&argv) {
                break;
            }
        }
        return ExitCode::from(runner.status);
    }

    let items: Vec<Item> = match delim {
        Some(d) => {
            let mut v: Vec<Item> = input
                .split(|&b| b == d)
                .map(|p| (String::from_utf8_lossy(p).into_owned(), true))
                .collect();
            // The input's final delimiter ends the last item instead of starting one.
            if input.last() == Some(&d) || input.is_empty() {
                v.pop();
            }
            v
        }
        None => split_quoted(&input),
    };
    if items.is_empty() {
        if !no_empty {
            runner.run(&command);
        }
        return ExitCode::from(runner.status);
    }
    let base: usize = command.iter().map(|a| a.len() + 1).sum();
    let mut i = 0;
    while i < items.len() {
        let mut argv = command.clone();
        let (mut size, mut lines) = (base, 0);
        while i < items.len() {
            let (word, ends_line) = &items[i];
            if max_args.is_some_and(|n| argv.len() - command.len() >= n)
                || argv.len() > command.len() && size + word.len() + 1 > MAX_CHARS
            {
                break;
            }
            argv.push(word.clone());
            size += word.len() + 1;
            i += 1;
            if *ends_line {
                lines += 1;
                if max_lines.is_some_and(|n| lines >= n) {
                    break;
                }
            }
        }
        if !runner.run(&argv) {
            break;
        }
    }
    ExitCode::from(runner.status)
}
