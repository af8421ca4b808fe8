//! The interactive image as a person uses it: boot to the shell and type at it through the
//! serial port — pipelines, `$?`, the utilities in /bin, ^C on an endless pipeline, and the
//! shell's exit status becoming the VM's — and sort | uniq -c over 1 MiB compared with the
//! host's.
//!
//! The console echoes every typed line, so an assertion must match text only the command's
//! output can contain: a value computed from `$?`, words split by quotes in the typed
//! command (`echo sur'vived'` prints `survived`), a line no typed line ends with. (Output
//! may follow the `$ ` prompt on the same line, so `\n` cannot mark its start.)

use std::time::Duration;

use boot::image::{Firmware, MOTD, disk_image, main_ramdisk};
use boot::qemu::{Ending, Outcome, VmConfig, run};

/// Boots the main image and types `first` at the prompt, then each (marker, keys) step.
fn session(name: &str, first: &str, then: &[(&str, &str)]) -> Outcome {
    session_on(Firmware::Bios, name, first, then)
}

/// [`session`], booted by `firmware`.
fn session_on(firmware: Firmware, name: &str, first: &str, then: &[(&str, &str)]) -> Outcome {
    session_with(firmware, name, first, then, &[])
}

/// [`session_on`] with `files` (guest path, host file) added to the image, as `--add` does.
fn session_with(
    firmware: Firmware,
    name: &str,
    first: &str,
    then: &[(&str, &str)],
    files: &[(&str, &std::path::Path)],
) -> Outcome {
    let kernel = boot::build::kernel_once().expect("kernel builds");
    let userland = boot::build::userland_once().expect("userland builds");
    let mut ramdisk = main_ramdisk(&userland, "").expect("ramdisk");
    for (guest, host) in files {
        ramdisk
            .files
            .push((guest.to_string(), std::fs::read(host).expect("file to add")));
    }
    let image = disk_image(&kernel, &ramdisk, firmware, name).expect("image");
    let mut cfg = VmConfig::new(image, firmware);
    cfg.kernel = Some(kernel);
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

/// Keys piped into QEMU before the kernel runs reach the shell intact (the UART's own
/// set-up used to reset its FIFO and drop what was waiting).
#[test]
fn input_typed_before_boot_is_kept() {
    let kernel = boot::build::kernel_once().expect("kernel builds");
    let userland = boot::build::userland_once().expect("userland builds");
    let ramdisk = main_ramdisk(&userland, "").expect("ramdisk");
    for firmware in [Firmware::Bios, Firmware::Direct] {
        let name = format!("shell-typeahead-{}", firmware.name());
        let image = disk_image(&kernel, &ramdisk, firmware, &name).expect("image");
        let mut cfg = VmConfig::new(image, firmware);
        cfg.kernel = Some(kernel.clone());
        cfg.timeout = Duration::from_secs(120);
        cfg.input = Some(b"echo typed early | cat\nexit 3\n".to_vec());
        let o = run(&cfg).expect("qemu runs");
        let out = o.console();
        assert_eq!(o.ending, Ending::KernelSuccess, "{out}");
        assert!(
            out.contains("typed early\r\n"),
            "{}: {out}",
            firmware.name()
        );
        assert_eq!(boot::run::exit_status(&out), Some(3), "{out}");
    }
}

#[test]
fn cp_and_mv_files_trees_and_operand_errors() {
    let o = session_on(
        Firmware::Direct,
        "shell-cp-mv",
        "mkdir /t /t/d\necho one > /t/a\necho two > /t/b\ncp /t/a /t/b /t/d\n\
         cat /t/d/a /t/d/b\ncp -r /t/d /t/e\ncat /t/e/b\nmv /t/a /t/c\ncat /t/c\n\
         mv /t/c /t/b /t/d2; echo status=$?\ncp /t/a\ncp /t/d /t/f; echo status=$?\n\
         mv -v /t/c /t/d\nls /t/d\nexit\n",
        &[],
    );
    let out = o.console();
    for want in [
        "one\r\ntwo\r\n",
        "mv: target '/t/d2': No such file or directory\r\nstatus=1",
        "cp: missing destination file operand after '/t/a'",
        "cp: -r not specified; omitting directory '/t/d'\r\nstatus=1",
        "renamed '/t/c' -> '/t/d/c'",
        "a\r\nb\r\nc\r\n",
    ] {
        assert!(out.contains(want), "missing {want:?} in {out}");
    }
}

#[test]
fn pipelines_status_and_utilities() {
    let o = session(
        "shell-basics",
        "seq 1 100000 | grep 7 | wc -l\nsh -c 'exit 3'; echo status=$?\nnosuchcmd; echo nf=$?\nls /bin\n\
         ls -l /bin/cat\nbox nosuch; echo bx=$?\nbox echo via' box'\nexit\n",
        &[],
    );
    let out = o.console();
    // Numbers in 1..=100000 with a 7: of the 9^5 five-digit strings without one, 00000 is
    // not in the range, and 100000 has none: 99999 - (9^5 - 1).
    assert!(out.contains("40951\r\n"), "{out}");
    assert!(out.contains("status=3\r\n"), "{out}");
    assert!(
        out.contains("sh: nosuchcmd: not found\r\nnf=127\r\n"),
        "{out}"
    );
    // The utilities are links to /bin/box, which runs the one its name says (or the
    // one named by its first argument).
    assert!(out.contains("/bin/cat -> box\r\n"), "{out}");
    assert!(
        out.contains("box: nosuch: applet not found\r\nbx=127\r\n"),
        "{out}"
    );
    assert!(out.contains("via box\r\n"), "{out}");
    for util in [
        "cat", "grep", "sort", "uniq", "wc", "sh", "init", "yes", "seq", "box",
    ] {
        assert!(
            out.contains(&format!("\n{util}\r\n")),
            "ls /bin lacks {util}: {out}"
        );
    }
}

#[test]
fn ctrl_c_stops_an_endless_pipeline_and_the_shell_survives() {
    // Booted directly (QEMU `-kernel`): the console's receive interrupt and signals work
    // the same without the bootloader.
    let o = session_on(
        Firmware::Direct,
        "shell-ctrl-c",
        "yes | cat\n",
        &[("y\r\ny\r\ny", "\x03"), ("^C", "echo sur'vived'\nexit 4\n")],
    );
    let out = o.console();
    assert!(out.contains("survived\r\n"), "{out}");
    assert!(boot::run::exit_status(&out) == Some(4), "{out}");
}

#[test]
fn line_editing_backspace_kill_and_eof() {
    let o = session(
        "shell-editing",
        "echo helo\x7flo\necho junk\x15echo cl''ean\n\x04",
        &[],
    );
    let out = o.console();
    // The echo of the typed keys holds `helo` + an erase + `lo`, and `cl''ean`; a ^U
    // that erased nothing would run `echo junkecho cl''ean`.
    assert!(out.contains("hello\r\n"), "{out}");
    assert!(
        out.contains("clean\r\n") && !out.contains("junkecho"),
        "{out}"
    );
    assert_eq!(boot::run::exit_status(&out), Some(0), "{out}");
}

#[test]
fn sort_and_uniq_over_a_mebibyte_match_the_host() {
    use std::process::{Command, Stdio};
    // 1 MiB of lines drawn from a small vocabulary, so uniq -c has work to do.
    let mut text = String::new();
    let mut x: u32 = 12345;
    while text.len() < 1 << 20 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        text.push_str(&format!("word{}\n", (x >> 16) % 997));
    }
    let root = tempfile::tempdir().unwrap();
    let userland = boot::build::userland_once().expect("userland builds");
    boot::image::install_bin(&userland, &root.path().join("bin")).expect("programs");
    std::fs::write(root.path().join("words.txt"), &text).unwrap();
    let mut opts = boot::run::RunOptions::new(
        userland.join("sh.wasm"),
        &["-c", "sort /words.txt | uniq -c"],
    );
    opts.dirs.push((root.path().to_path_buf(), "/".into()));
    opts.timeout = Duration::from_secs(600);
    let r = boot::run::run(&boot::build::kernel_once().expect("kernel"), &opts).expect("run");
    assert_eq!(r.code, 0, "{}", String::from_utf8_lossy(&r.stderr));
    let host = Command::new("sh")
        .args(["-c", "LC_ALL=C sort | uniq -c"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().expect("stdin").write_all(text.as_bytes())?;
            c.wait_with_output()
        })
        .expect("host sort");
    assert_eq!(
        String::from_utf8_lossy(&r.stdout),
        String::from_utf8_lossy(&host.stdout)
    );
}

/// `/dev` as scripts use it: stderr thrown away, an empty file, random and zero bytes
/// through pipes, the terminal and the shell's own stdout by name.
#[test]
fn dev_null_zero_urandom_tty_and_stdout_in_scripts() {
    let o = session_on(
        Firmware::Direct,
        "shell-dev",
        "ls /nope 2>/dev/null; echo status=$?\ncat /dev/null; echo empty=$?\n\
         cat /dev/urandom | head -c 16 | wc -c\nhead -c 5 /dev/zero | wc -c\n\
         echo to-tty > /dev/tty\necho to-stdout > /dev/stdout\necho x > /dev/null; echo null=$?\n\
         ls /dev\nexit\n",
        &[],
    );
    let out = o.console();
    assert!(
        out.contains("status=") && !out.contains("status=0"),
        "{out}"
    );
    assert!(!out.contains("No such file"), "{out}");
    for want in [
        "empty=0\r\n",
        "16\r\n",
        "5\r\n",
        "to-tty\r\n",
        "to-stdout\r\n",
        "null=0\r\n",
        "urandom",
        "stderr",
    ] {
        assert!(out.contains(want), "{want:?} in {out}");
    }
}

#[test]
fn proc_view_feeds_ps_free_and_uptime() {
    let o = session(
        "shell-proc",
        "sleep 30 &\nps\nfree\nuptime\ncat /proc/1/status\nhead -1 /proc/self/status\necho x > /proc/uptime; echo w=$?\nkill $!; wait $!; echo killed=$?\n\
         df\ndf -i\nprintf x > /tmp/one; du /tmp/one; du -b /tmp/one\nexit\n",
        &[],
    );
    let out = o.console();
    // ps: init (pid 1), the shell (2), the background sleep and ps itself, from
    // /proc/<pid>/{status,cmdline}.
    assert!(out.contains("  PID  PPID S CMD"), "{out}");
    assert!(out.contains("    1     0 S /bin/init"), "{out}");
    assert!(out.contains("    2     1 S /bin/sh"), "{out}");
    // The background sleep is asleep, or — preempted on its way there — still running.
    assert!(
        out.contains(" S sleep 30\r\n") || out.contains(" R sleep 30\r\n"),
        "{out}"
    );
    assert!(out.contains(" R ps\r\n"), "{out}");
    // free: the kernel heap from /proc/meminfo, in KiB.
    let mem = out
        .lines()
        .find_map(|l| l.strip_prefix("Mem:"))
        .unwrap_or_else(|| panic!("no Mem: line in {out}"));
    let kib: Vec<u64> = mem.split_whitespace().map(|v| v.parse().unwrap()).collect();
    assert!(
        kib[0] > 100 << 10 && kib[0] < 256 << 10 && kib[2] < kib[0],
        "{mem}"
    );
    assert!(out.contains(" up ") && out.contains(" min"), "{out}");
    assert!(
        out.contains("Name:\tinit\r\nState:\tS (sleeping)\r\nPid:\t1\r\nPPid:\t0"),
        "{out}"
    );
    // /proc/self is the reader's own directory: `head`'s.
    assert!(out.contains("Name:\thead\r\n"), "{out}");
    assert!(
        out.contains("cannot create /proc/uptime: Read-only file system") && out.contains("w=2"),
        "{out}"
    );
    // kill's default SIGTERM ended the sleep: wait reports 128 + 15 (an unkilled sleep
    // would give 0, after 30 s).
    assert!(out.contains("killed=143\r\n"), "{out}");
    // df: the RAM filesystem from /proc/fsinfo, in GNU's layout — a quota, something
    // used (the image's /bin), the rest available; then its inodes.
    assert!(
        out.contains("Filesystem     1K-blocks  Used Available Use% Mounted on\r\n"),
        "{out}"
    );
    assert!(
        out.contains("Filesystem     Inodes IUsed IFree IUse% Mounted on\r\n"),
        "{out}"
    );
    let rows: Vec<Vec<&str>> = out
        .lines()
        .filter(|l| l.starts_with("ramfs "))
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 2, "{out}");
    let num = |s: &str| s.parse::<u64>().unwrap_or_else(|_| panic!("{s} in {out}"));
    let (total, used, avail) = (num(rows[0][1]), num(rows[0][2]), num(rows[0][3]));
    assert!(
        total >= 32 << 10 && used > 1000 && used + avail <= total && rows[0][5] == "/",
        "{out}"
    );
    assert_eq!(num(rows[1][1]), 65536, "{out}");
    assert!(num(rows[1][2]) > 40, "{out}");
    // du: a one-byte file takes one 4 KiB page of the RAM filesystem; its size is 1.
    assert!(out.contains("4\t/tmp/one\r\n1\t/tmp/one\r\n"), "{out}");
}

/// Every corpus script (tests/dash-corpus, ours) under our `/bin/sh` inside the VM and
/// under the host's dash (the oracle): merged stdout and stderr and the exit status of
/// each must match byte for byte.
#[test]
fn posix_shell_runs_the_corpus_like_the_hosts_dash() {
    let userland = boot::build::userland_once().expect("userland builds");
    corpus_runs_like_the_hosts_dash(&userland.join("sh.wasm"), "sh");
}

/// The same corpus under dash 0.5.12 itself, built by us against wasix-libc
/// (tests/fixtures/dash/: the binary, its build script and where its source is): a real
/// WASIX program that forks, execs, waits, pipes, traps signals and longjmps.
#[test]
fn wasix_libc_dash_runs_the_corpus_like_the_hosts_dash() {
    let dash = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/dash/dash.wasm");
    corpus_runs_like_the_hosts_dash(&dash, "dash");
}

/// dash started from our shell's prompt on the console: an interactive dash reads its
/// own lines (a console read gives one line, as a tty in canonical mode does, so dash
/// does not swallow the lines meant for our shell after it), runs substitutions,
/// pipelines, functions, background jobs, traps and redirections, and its exit status
/// comes back to our shell.
#[test]
fn wasix_libc_dash_runs_at_our_shells_prompt() {
    let dash = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/dash/dash.wasm");
    let o = session_with(
        Firmware::Direct,
        "shell-dash",
        "dash\necho $((6*7)) $(echo sub)\nfor i in 1 2; do echo n$i; done | cat\n\
         f() { return 3; }; f; echo f$?\nsleep 0 & wait; echo waited\n\
         trap 'echo trapped' USR1; kill -USR1 $$\ncd /tmp && echo hi > x && cat x 2>/dev/null\n\
         exit 4\necho rc $?\nexit\n",
        &[],
        &[("bin/dash", &dash)],
    );
    let out = o.console();
    for want in [
        "# 42 sub\r\n",
        "n1\r\nn2\r\n",
        "f3\r\n",
        "waited\r\n",
        "trapped\r\n",
        "# hi\r\n",
        "rc 4\r\n",
    ] {
        assert!(out.contains(want), "{want:?} in {out}");
    }
}

/// Runs every corpus script under `shell` (installed as `/bin/NAME`) inside the VM and
/// under the host's dash. One VM runs them all from a driver script, itself run by
/// `shell`; the scripts sit in `/scripts`, run by a relative name, so dash's `NAME: LINE:`
/// message prefix is the same on both sides.
fn corpus_runs_like_the_hosts_dash(shell: &std::path::Path, name: &str) {
    const DRIVER: &str =
        r#"cd "$1" || exit 9; for f in *.sh; do echo "== $f"; $2 "$f" 2>&1; echo "rc $?"; done"#;
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("dash-corpus");
    let scripts: Vec<std::path::PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sh"))
        .collect();
    assert!(
        scripts.len() >= 60,
        "the corpus has {} scripts",
        scripts.len()
    );

    // The oracle, with the same small environment the VM gets, and every signal at its
    // default disposition as in the VM: a `cargo test` started in the background of a
    // non-interactive shell inherits SIGINT and SIGQUIT ignored (under nohup SIGHUP too),
    // and a shell cannot trap a signal ignored on entry (the trap scripts' traps would
    // silently not run on the host).
    let host = std::process::Command::new("env")
        .args(["--default-signal", "dash", "-c", DRIVER, "driver"])
        .arg(&corpus)
        .arg("dash")
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", "/tmp")
        .current_dir("/")
        .output()
        .expect("the host has dash (apt-get install dash)");
    let want = String::from_utf8_lossy(&host.stdout).into_owned();
    assert!(host.status.success(), "host driver: {want}");

    let userland = boot::build::userland_once().expect("userland builds");
    let kernel = boot::build::kernel_once().expect("kernel builds");
    let root = tempfile::tempdir().unwrap();
    for dir in ["tmp", "scripts"] {
        std::fs::create_dir(root.path().join(dir)).unwrap();
    }
    // /bin as the image has it: the utilities are links to /bin/box.
    let bin = root.path().join("bin");
    boot::image::install_bin(&userland, &bin).expect("programs");
    if !bin.join(name).exists() {
        std::fs::copy(shell, bin.join(name)).unwrap();
    }
    for p in &scripts {
        std::fs::copy(p, root.path().join("scripts").join(p.file_name().unwrap())).unwrap();
    }
    let mut opts = boot::run::RunOptions::new(shell, &["-c", DRIVER, "driver", "/scripts", name]);
    opts.dirs.push((root.path().to_path_buf(), "/".into()));
    opts.env.push("PATH=/bin".into());
    opts.env.push("HOME=/tmp".into());
    opts.firmware = Firmware::Direct;
    opts.timeout = Duration::from_secs(600);
    let r = boot::run::run(&kernel, &opts).expect("run");
    let got = String::from_utf8_lossy(&r.stdout).into_owned();
    println!(
        "{} s for {} scripts\n{got}\n{}",
        r.elapsed.as_secs_f64(),
        scripts.len(),
        String::from_utf8_lossy(&r.stderr)
    );
    if got != want {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/dash-corpus");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}-vm.txt")), &got).unwrap();
        std::fs::write(dir.join(format!("{name}-host.txt")), &want).unwrap();
        let sections = |s: &str| -> Vec<String> {
            s.split("== ")
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect()
        };
        let (g, w) = (sections(&got), sections(&want));
        let differing: Vec<&str> = g
            .iter()
            .zip(&w)
            .filter(|(a, b)| a != b)
            .map(|(a, _)| a.lines().next().unwrap_or(""))
            .collect();
        let first = g.iter().zip(&w).find(|(a, b)| a != b);
        panic!(
            "{name} differs from the host's dash in {} of {} scripts {differing:?} (outputs in {}):\n{}",
            differing.len(),
            w.len(),
            dir.display(),
            first.map_or(
                String::from("(one output is a prefix of the other)"),
                |(a, b)| format!("--- vm:\n{a}--- host:\n{b}")
            )
        );
    }
    assert_eq!(r.code, 0, "{}", r.log);
    if let Err(e) = boot::run::leak_check(&r.log) {
        panic!("{e}");
    }
}

/// Programs started from the shell resolve relative paths against the shell's working
/// directory (wasi-libc's own starts at `/`; they adopt the `PWD` the shell exports), and
/// the shell's own redirections and globs do too; `./s.sh`, not WebAssembly, runs as a
/// shell script.
#[test]
fn programs_resolve_relative_paths_against_the_shells_directory() {
    let o = session_on(
        Firmware::Direct,
        "shell-cwd",
        "cd /tmp\necho hi > rel.txt\ncat rel.txt | tr h H\nmkdir d; cd d; echo there > y\n\
         cat ../rel.txt y | tr a-z A-Z\nls .. | tr a-z A-Z\necho ../*.tx? | tr a-z A-Z\n\
         printf 'echo scr\"\"ipt $1\\n' > s.sh\n./s.sh ran\n\
         mkdir ct; ctest dirs ct > /dev/null; echo c't'=$?\n\
         cd /; cat rel.txt; echo st=$?\nexit\n",
        &[],
    );
    let out = o.console();
    for want in [
        "Hi\r\n",
        "HI\r\nTHERE\r\n",
        "D\r\nREL.TXT\r\n",
        "../REL.TXT\r\n",
        "script ran\r\n",
        // A C program (wasi-libc) follows the shell's directory too.
        "ct=0\r\n",
        "cat: rel.txt: No such file or directory\r\nst=1\r\n",
    ] {
        assert!(out.contains(want), "missing {want:?} in {out}");
    }
}

/// Compound commands, here-documents and functions typed at the prompt over several
/// lines (the shell asks for more with `> `).
#[test]
fn multi_line_commands_at_the_prompt() {
    let o = session_on(
        Firmware::Direct,
        "shell-multiline",
        "for i in 1 2\ndo echo n$i\ndone\ncat <<E\nhere$((1+1))\nE\nf() {\necho fn$1\n}\nf 9\n\
         if false\nthen :\nelse echo e$((3*3))\nfi\nexit\n",
        &[],
    );
    let out = o.console();
    for want in ["n1\r\nn2\r\n", "here2\r\n", "fn9\r\n", "e9\r\n", "> "] {
        assert!(out.contains(want), "missing {want:?} in {out}");
    }
}

/// ^C while a loop at the prompt runs a program stops the program and the loop (dash
/// gets the signal too), not only the one program.
#[test]
fn ctrl_c_ends_a_loop_at_the_prompt() {
    let o = session_on(
        Firmware::Direct,
        "shell-ctrl-c-loop",
        // The tick comes from the foreground job itself, so the ^C typed when it shows
        // reaches a running job, not the shell between two commands (which, ignoring
        // SIGINT at the prompt, would lose it: a known gap of our sh).
        "while :; do sh -c 'echo t\"ick\"; sleep 2'; done\n",
        &[("tick\r\n", "\x03"), ("^C", "echo after'loop'\nexit 4\n")],
    );
    let out = o.console();
    assert!(out.contains("afterloop\r\n"), "{out}");
    assert_eq!(boot::run::exit_status(&out), Some(4), "{out}");
}

/// Job control at the prompt, in one boot, as a person types it: ^Z stops the foreground
/// `sleep 100` (the shell reports it and prompts again), `jobs` lists it Stopped beside a
/// Running background job, `bg` continues it in the background, `fg` brings it back and
/// ^C ends it, while the background `sleep 300` lives through that ^C; `kill %1` ends it;
/// `exit` with a stopped job still powers off.
#[test]
fn job_control_stops_continues_and_spares_background_jobs() {
    let o = session_on(
        Firmware::Direct,
        "shell-jobs",
        // The tick comes from a background job while `sleep 100` runs in the foreground,
        // so the ^Z typed when it shows finds the job's group holding the console.
        "sleep 300 &\nsh -c 'sleep 3; echo ti\"ck\"' & sleep 100\n",
        &[
            ("tick\r\n", "\x1a"),
            ("[3]+  Stopped  sleep 100", "jobs\n"),
            ("[3]+  Stopped  sleep 100", "bg\n"),
            ("[3]+ sleep 100 &", "jobs\n"),
            ("[3]+  Running  sleep 100", "fg\n"),
            ("fg\r\nsleep 100\r\n", "\x03"),
            ("^C", "jobs\n"),
            ("[1]+  Running  sleep 300", "kill %1; echo k$?\n"),
            ("k0", "wait; jobs; echo end$((1+1))\n"),
            // Exiting with a stopped job: the kernel sends the orphaned, stopped group
            // HUP and CONT, so the VM powers off now, not in 1000 s.
            ("end2", "sleep 1000 &\n"),
            ("[1] ", "kill -s STOP %1; sleep 1; jobs\n"),
            ("[1]+  Stopped  sleep 1000", "exit 5\n"),
        ],
    );
    let out = o.console();
    for want in [
        "[1] ",
        "^Z\r\n[3]+  Stopped  sleep 100\r\n",
        "[2]  Done  sh -c",
        "[1]-  Running  sleep 300\r\n[3]+  Stopped  sleep 100\r\n",
        "[3]+  Running  sleep 100\r\n",
        "[1]+  Running  sleep 300\r\n",
    ] {
        assert!(out.contains(want), "missing {want:?} in {out}");
    }
    assert_eq!(boot::run::exit_status(&out), Some(5), "{out}");
}
