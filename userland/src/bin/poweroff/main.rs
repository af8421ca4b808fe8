//! `poweroff`: asks process 1 to switch the machine off (SIGUSR2, as busybox's init reads
//! it; see [`userland::ask_init`]).

pub fn main() -> std::process::ExitCode {
    userland::ask_init("poweroff", 12)
}
