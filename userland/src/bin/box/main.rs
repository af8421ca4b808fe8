//! `box`: the utilities of `/bin` in one program, the way busybox ships them. The image's
//! `/bin/NAME` for each applet below is a symlink to `/bin/box`, which runs the applet its
//! `argv[0]` names (`box NAME ARGS…` too). One program instead of ~45 keeps the image
//! small (each utility carried its own copy of std), and the kernel's module cache, keyed
//! by the file a path resolves to, compiles it once for all of them: after the first
//! utility a script starts, every other one starts warm. Each applet stays a program of
//! its own too (`src/bin/NAME/main.rs`, built as `NAME.wasm`), for `run`.
//!
//! `true` and `false` stay programs of their own in `/bin`: the process-creation benchmark
//! (`bench-proc`) compiles and spawns `/bin/true` like for like against the reference
//! Linux VM's runtime, which runs the small `true.wasm`.
//!
//! `userland/build.sh` writes the applet names (the quoted names below, one per line) to
//! `box.applets` beside the `.wasm` files, for the boot tool that links them.
// `stat` needs it; as a module here its own `#![feature]` is only a crate attribute
// in the wrong place, which this crate root makes true.
#![feature(wasi_ext)]
#![allow(unused_attributes)]

use std::process::{ExitCode, Termination};

macro_rules! applets {
    ($($name:literal: $path:literal => $module:ident),* $(,)?) => {
        $(
            #[path = $path]
            mod $module;
        )*

        /// Runs applet `name` with the process's arguments; None when there is none.
        fn run(name: &str) -> Option<ExitCode> {
            match name {
                $($name => Some($module::main().report()),)*
                _ => None,
            }
        }
    };
}

applets! {
    "basename": "../basename/main.rs" => basename,
    "cat": "../cat/main.rs" => cat,
    "cksum": "../cksum/main.rs" => cksum,
    "clear": "../clear/main.rs" => clear,
    "cp": "../cp/main.rs" => cp,
    "cut": "../cut/main.rs" => cut,
    "date": "../date/main.rs" => date,
    "df": "../df/main.rs" => df,
    "diff": "../diff/main.rs" => diff,
    "dirname": "../dirname/main.rs" => dirname,
    "du": "../du/main.rs" => du,
    "echo": "../echo/main.rs" => echo,
    "env": "../env/main.rs" => env,
    "find": "../find/main.rs" => find,
    "free": "../free/main.rs" => free,
    "grep": "../grep/main.rs" => grep,
    "head": "../head/main.rs" => head,
    "kill": "../kill/main.rs" => kill,
    "ln": "../ln/main.rs" => ln,
    "ls": "../ls/main.rs" => ls,
    "mkdir": "../mkdir/main.rs" => mkdir,
    "mv": "../mv/main.rs" => mv,
    "od": "../od/main.rs" => od,
    "poweroff": "../poweroff/main.rs" => poweroff,
    "ps": "../ps/main.rs" => ps,
    "reboot": "../reboot/main.rs" => reboot,
    "rm": "../rm/main.rs" => rm,
    "rmdir": "../rmdir/main.rs" => rmdir,
    "sed": "../sed/main.rs" => sed,
    "seq": "../seq/main.rs" => seq,
    "sha256sum": "../sha256sum/main.rs" => sha256sum,
    "sleep": "../sleep/main.rs" => sleep,
    "sort": "../sort/main.rs" => sort,
    "stat": "../stat/main.rs" => stat,
    "tail": "../tail/main.rs" => tail,
    "tee": "../tee/main.rs" => tee,
    "touch": "../touch/main.rs" => touch,
    "tr": "../tr/main.rs" => tr,
    "uname": "../uname/main.rs" => uname,
    "uniq": "../uniq/main.rs" => uniq,
    "uptime": "../uptime/main.rs" => uptime,
    "wc": "../wc/main.rs" => wc,
    "xargs": "../xargs/main.rs" => xargs,
    "yes": "../yes/main.rs" => yes,
}

fn main() -> ExitCode {
    let mut args = std::env::args();
    let argv0 = args.next().unwrap_or_default();
    let name = argv0.rsplit('/').next().unwrap_or_default();
    if let Some(code) = run(name) {
        return code;
    }
    // `box NAME ARGS…`: the applet's own argv[0] is still `box` (std::env::args cannot be
    // shifted), so its messages say `box`; links are the way to run them.
    match args.next() {
        Some(applet) => run(&applet).unwrap_or_else(|| {
            eprintln!("box: {applet}: applet not found");
            ExitCode::from(127)
        }),
        None => {
            eprintln!("usage: box APPLET [ARGS]... (or run it through a link named APPLET)");
            ExitCode::from(2)
        }
    }
}
