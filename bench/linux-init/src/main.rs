//! `linux-init`: the reference Linux guest for the benchmarks. One static binary with two
//! faces:
//!
//! - `linux-init run MODULE.wasm ARGS...` is a hosted WASI preview1 runtime on wasmi 2.0 (the
//!   kernel's interpreter, same version and features) — see [`runtime`].
//! - As PID 1 of a minimal Linux VM (`/init` in the initramfs `bench::refvm` writes) it mounts
//!   `/proc`, `/sys` and `/dev`, reports the time from kernel start to `/init`, runs the
//!   benchmark list on the modules in `/bench`, and powers the VM off — see [`init`] and
//!   [`suite`].
//! - `linux-init suite DIR [--reps N] [--pipe-mib N]` runs the same list as an ordinary
//!   process (useful on the host for comparison and for testing).
//!
//! Every line meant for the host starts with `ref: `; figures are `ref: bench: KEY VALUE UNIT`.

mod init;
mod runtime;
mod suite;

use std::process::ExitCode;

const USAGE: &str = "usage: linux-init run MODULE.wasm [ARGS...]\n       \
                     linux-init suite DIR [--reps N] [--pipe-mib N]\n       \
                     (as PID 1: mount, run the benchmarks in /bench, power off)";

fn main() -> ExitCode {
    if std::process::id() == 1 {
        init::main();
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.split_first() {
        Some((cmd, rest)) if cmd == "run" => match rest.split_first() {
            Some((module, guest_args)) => runtime::run_cli(module.as_ref(), guest_args),
            None => usage(),
        },
        Some((cmd, rest)) if cmd == "suite" => match suite::Options::parse(rest) {
            Ok(opts) => match suite::run(&opts) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("linux-init: suite: {e:#}");
                    1
                }
            },
            Err(e) => {
                eprintln!("linux-init: {e:#}\n{USAGE}");
                2
            }
        },
        _ => usage(),
    };
    ExitCode::from(u8::try_from(code & 0xff).unwrap_or(1))
}

fn usage() -> i32 {
    eprintln!("{USAGE}");
    2
}
