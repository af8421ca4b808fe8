//! `uname [-asnrvmpio]`: prints system information. WASI has no `uname` call, so the
//! values are this kernel's: `wasmkernel`, the node name from /etc/hostname (or
//! `localhost`), release `0.1.0`, version `#1`, machine `wasm32`, OS `WASIX`.
//! Without options it prints the kernel name, like `-s`.

use std::process::ExitCode;
use userland::cli;

const PROG: &str = "uname";

pub fn main() -> ExitCode {
    userland::inherit_cwd();
    let args = cli::parse(PROG, std::env::args().skip(1), "asnrvmpio", "", false);
    if let Some(extra) = args.operands.first() {
        cli::usage_error(PROG, &format!("extra operand '{extra}'"));
    }
    let mut want: Vec<char> = args.opts.iter().map(|(c, _)| *c).collect();
    if want.contains(&'a') {
        want = vec!['s', 'n', 'r', 'v', 'm', 'o'];
    }
    if want.is_empty() {
        want.push('s');
    }
    let node = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".to_owned());
    let fields: Vec<&str> = ['s', 'n', 'r', 'v', 'm', 'p', 'i', 'o']
        .iter()
        .filter(|c| want.contains(c))
        .map(|c| match c {
            's' => "wasmkernel",
            'n' => node.as_str(),
            'r' => "0.1.0",
            'v' => "#1",
            'm' | 'p' | 'i' => "wasm32",
            _ => "WASIX",
        })
        .collect();
    println!("{}", fields.join(" "));
    ExitCode::SUCCESS
}
