//! PID 1 of the reference VM: mounts `/proc`, `/sys` and `/dev`, prints
//! `ref: boot-to-init <ms> ms` (CLOCK_BOOTTIME, i.e. time since the kernel's clocks started)
//! with `/proc/uptime` beside it, runs [`crate::suite`] on `/bench`, then syncs and powers
//! off. Never returns: PID 1 exiting would panic the kernel.

use std::path::PathBuf;

use nix::mount::{MsFlags, mount};
use nix::sys::reboot::{RebootMode, reboot};
use nix::time::{ClockId, clock_gettime};

use crate::suite::{self, say};

pub fn main() -> ! {
    // The boot time first, before any other work.
    let boottime_ms = clock_gettime(ClockId::CLOCK_BOOTTIME)
        .map(|t| t.tv_sec() as f64 * 1e3 + t.tv_nsec() as f64 / 1e6)
        .unwrap_or(f64::NAN);
    mount_all();
    let uptime_ms = std::fs::read_to_string("/proc/uptime")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |s| s * 1e3);
    say(&format!(
        "boot-to-init {boottime_ms:.1} ms (uptime {uptime_ms:.0} ms)"
    ));
    say(&format!("bench: boot.to_init {boottime_ms:.1} ms"));
    say(&format!("kernel {}", kernel_release()));

    let mut opts = suite::Options::new(PathBuf::from("/bench"));
    opts.exe = PathBuf::from("/init");
    if let Ok(cmdline) = std::fs::read_to_string("/proc/cmdline") {
        opts.apply_cmdline(&cmdline);
    }
    if let Err(e) = suite::run(&opts) {
        say(&format!("suite failed: {e:#}"));
    }
    power_off()
}

fn mount_all() {
    let none: Option<&str> = None;
    for (fstype, target) in [("proc", "/proc"), ("sysfs", "/sys"), ("devtmpfs", "/dev")] {
        let _ = std::fs::create_dir_all(target);
        if let Err(e) = mount(Some(fstype), target, Some(fstype), MsFlags::empty(), none) {
            say(&format!("mount {target}: {e}"));
        }
    }
}

fn kernel_release() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

fn power_off() -> ! {
    nix::unistd::sync();
    let err = reboot(RebootMode::RB_POWER_OFF);
    say(&format!("power off failed: {err:?}"));
    loop {
        std::thread::sleep(std::time::Duration::from_secs(3600));
    }
}
