//! `cksum [FILE]...`: prints the POSIX CRC checksum and the byte count of each FILE (or
//! stdin, `-`), then its name (no name for stdin read without operands). Like GNU
//! coreutils' default algorithm; exit 1 if a file could not be read.

use std::io::{Read, Write};
use std::process::ExitCode;

use userland::{cli, sums::Crc};

const PROG: &str = "cksum";

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let args = cli::parse_gnu(PROG, std::env::args().skip(1), "", "", 1);
    let named = !args.operands.is_empty();
    let mut out = cli::stdout();
    let mut status = ExitCode::SUCCESS;
    for name in cli::files_or_stdin(args.operands) {
        let result = cli::open_raw(&name).and_then(|mut input| {
            let mut crc = Crc::default();
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = input.read(&mut buf)?;
                if n == 0 {
                    return Ok(crc.finish());
                }
                crc.update(&buf[..n]);
            }
        });
        let line = match result {
            Ok((sum, len)) if named => format!("{sum} {len} {name}\n"),
            Ok((sum, len)) => format!("{sum} {len}\n"),
            Err(e) => {
                let _ = out.flush();
                eprintln!("{PROG}: {name}: {}", cli::msg(&e));
                status = ExitCode::FAILURE;
                continue;
            }
        };
        if let Err(e) = out.write_all(line.as_bytes()) {
            cli::write_failed(PROG, &e);
        }
    }
    cli::finish(PROG, &mut out, status)
}
