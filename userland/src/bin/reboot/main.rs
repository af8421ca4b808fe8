//! `reboot`: asks process 1 to restart the machine (SIGTERM, as busybox's init reads it;
//! see [`userland::ask_init`]).

pub fn main() -> std::process::ExitCode {
    userland::ask_init("reboot", 15)
}
