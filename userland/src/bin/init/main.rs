//! `/bin/init`: process 1 of the interactive image. It shows `/etc/motd`, starts the shell
//! (`/bin/sh`, or the program named by its arguments) on the console with SIGINT,
//! SIGQUIT and the terminal stop signals (TSTP, TTIN, TTOU) ignored — so ^C and ^Z
//! stop the foreground job, not the shell — reaps every orphan
//! the kernel hands it, and exits with the shell's status, which powers the VM off.

use std::process::exit;

use userland::wasix_sys::{self as w, DISP_IGNORE, Status};

fn main() {
    userland::inherit_cwd();
    if let Ok(motd) = std::fs::read_to_string("/etc/motd") {
        print!("{motd}");
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let argv: Vec<&str> = if args.is_empty() {
        vec!["/bin/sh"]
    } else {
        args.iter().map(String::as_str).collect()
    };
    let ignore = [
        w::disposition(w::sig::INT, DISP_IGNORE),
        w::disposition(w::sig::QUIT, DISP_IGNORE),
        w::disposition(w::sig::TSTP, DISP_IGNORE),
        w::disposition(w::sig::TTIN, DISP_IGNORE),
        w::disposition(w::sig::TTOU, DISP_IGNORE),
    ];
    let shell = match w::spawn2(argv[0], &argv, &[], &ignore, false, "") {
        Ok(pid) => pid,
        Err(e) => {
            eprintln!("init: cannot start {}: {}", argv[0], w::show(e));
            exit(127);
        }
    };
    loop {
        match w::join(None, 0) {
            Ok((Some(pid), status)) if pid == shell => {
                exit(match status {
                    Status::Exit(code) => i32::from(code),
                    Status::Signal { sig, .. } => 128 + i32::from(sig),
                    _ => 1,
                });
            }
            // An orphan (or another child) reaped: keep waiting for the shell.
            Ok(_) => {}
            Err(e) => {
                eprintln!("init: join failed: {}", w::show(e));
                exit(1);
            }
        }
    }
}
