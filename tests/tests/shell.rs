//! The interactive image as a person uses it: boot to the shell and type at it through the
//! serial port — pipelines, `$?`, the utilities in /bin, ^C on an endless pipeline, and the
//! shell's exit status becoming the VM's.

use std::time::Duration;

use boot::image::{Firmware, MOTD, disk_image, main_ramdisk};
use boot::qemu::{Ending, Outcome, VmConfig, run};

/// Boots the main image and types `first` at the prompt, then each (marker, keys) step.
fn session(name: &str, first: &str, then: &[(&str, &str)]) -> Outcome {
    let kernel = boot::build::kernel_once().expect("kernel builds");
    let userland = boot::build::userland_once().expect("userland builds");
    let ramdisk = main_ramdisk(&userland, "").expect("ramdisk");
    let image = disk_image(&kernel, &ramdisk, Firmware::Bios, name).expect("image");
    let mut cfg = VmConfig::new(image, Firmware::Bios);
    cfg.timeout = Duration::from_secs(180);
    cfg.input = Some(first.as_bytes().to_vec());
    cfg.input_after = Some(MOTD.trim_end().to_string());
    cfg.then_type = then
        .iter()
        .map(|(m, k)| (m.to_string(), k.as_bytes().to_vec()))
        .collect();
    let o = run(&cfg).expect("qemu runs");
    println!("--- {name}: {}\n{}", o.ending.describe(), o.console());
    assert_eq!(o.ending, Ending::KernelSuccess, "{}", o.console());
    o
}

#[test]
fn pipelines_status_and_utilities() {
    let o = session(
        "shell-basics",
        "seq 1 100000 | grep 7 | wc -l\nsh -c 'exit 3'; echo status=$?\nnosuchcmd; echo $?\nls /bin\nexit\n",
        &[],
    );
    let out = o.console();
    assert!(out.contains("40951"), "{out}");
    assert!(out.contains("status=3"), "{out}");
    assert!(
        out.contains("sh: nosuchcmd: not found") && out.contains("127"),
        "{out}"
    );
    for util in [
        "cat", "grep", "sort", "uniq", "wc", "sh", "init", "yes", "seq",
    ] {
        assert!(
            out.contains(&format!("{util}\r\n")),
            "ls /bin lacks {util}: {out}"
        );
    }
}

#[test]
fn ctrl_c_stops_an_endless_pipeline_and_the_shell_survives() {
    let o = session(
        "shell-ctrl-c",
        "yes | cat\n",
        &[("y\r\ny\r\ny", "\x03"), ("^C", "echo survived\nexit 4\n")],
    );
    let out = o.console();
    assert!(out.contains("survived"), "{out}");
    assert!(boot::run::exit_status(&out) == Some(4), "{out}");
}

#[test]
fn line_editing_backspace_kill_and_eof() {
    let o = session(
        "shell-editing",
        "echo helo\x7flo\necho junk\x15echo clean\n\x04",
        &[],
    );
    let out = o.console();
    assert!(out.contains("hello\r\n"), "{out}");
    assert!(
        out.contains("clean\r\n") && !out.contains("junkecho"),
        "{out}"
    );
    assert_eq!(boot::run::exit_status(&out), Some(0), "{out}");
}
