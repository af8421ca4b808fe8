//! GNU bash 5.2.15, built by us against wasix-libc (tests/fixtures/bash/: the binary, its
//! build script and where its source is), runs the bash corpus (tests/bash-corpus/*.sh,
//! ours) in the VM; the host's bash (Debian 12's 5.2.15, the same version) runs the same
//! scripts as the oracle. Each script's stdout, stderr and exit status must match byte for
//! byte. One VM boot: our bash runs a driver that runs every script under `bash` from
//! `/bin`, as the host's bash runs the same driver with its own.

use std::path::{Path, PathBuf};
use std::time::Duration;

use boot::image::Firmware;
use boot::run::RunOptions;

fn bash_wasm() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bash/bash.wasm")
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bash-corpus")
}

/// Runs every script by its bare name from the corpus directory (so `$0` and bash's
/// `NAME: line N:` message prefix are the same on both sides), marking each on stdout and
/// on stderr, and printing its exit status after it.
const DRIVER: &str = r#"cd "$1" || exit 9
for f in *.sh; do
    echo "== $f"; echo "== $f" >&2
    bash "$f" < /dev/null
    echo "rc $?"
done"#;

/// Splits a driver's output into (script name, section) pairs at the `== NAME` lines.
fn sections(out: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = Vec::new();
    for line in out.split_inclusive('\n') {
        if let Some(name) = line.strip_prefix("== ") {
            v.push((name.trim_end().to_string(), String::new()));
        } else if let Some((_, text)) = v.last_mut() {
            text.push_str(line);
        } else {
            v.push((String::new(), line.to_string()));
        }
    }
    v
}

#[test]
fn bash_runs_the_corpus_like_the_hosts_bash() {
    let scripts = corpus_dir();
    let mut names: Vec<String> = std::fs::read_dir(&scripts)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sh"))
        .collect();
    names.sort();
    assert!(names.len() >= 20, "the corpus has {} scripts", names.len());

    // The oracle: the host's bash over the same scripts, with a scratch HOME (the scripts
    // write their files under $HOME).
    let home = tempfile::tempdir().unwrap();
    let host = std::process::Command::new("bash")
        .args(["-c", DRIVER, "driver"])
        .arg(&scripts)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home.path())
        .env("LC_ALL", "C")
        .current_dir("/")
        .output()
        .expect("the host has bash");
    let bash_version = std::process::Command::new("bash")
        .args(["-c", "echo $BASH_VERSION"])
        .output()
        .expect("bash --version");
    assert!(
        String::from_utf8_lossy(&bash_version.stdout).starts_with("5.2."),
        "the oracle must be bash 5.2: {:?}",
        String::from_utf8_lossy(&bash_version.stdout)
    );

    let userland = boot::build::userland_once().expect("userland builds");
    let kernel = boot::build::kernel_once().expect("kernel builds");
    let root = tempfile::tempdir().unwrap();
    for dir in ["tmp", "scripts"] {
        std::fs::create_dir(root.path().join(dir)).unwrap();
    }
    // /bin as the image has it (the utilities are links to /bin/box).
    boot::image::install_bin(&userland, &root.path().join("bin")).expect("programs");
    std::fs::copy(bash_wasm(), root.path().join("bin/bash")).unwrap();
    for name in &names {
        std::fs::copy(scripts.join(name), root.path().join("scripts").join(name)).unwrap();
    }
    let mut opts = RunOptions::new(bash_wasm(), &["-c", DRIVER, "driver", "/scripts"]);
    opts.dirs.push((root.path().to_path_buf(), "/".into()));
    opts.env.push("PATH=/bin".into());
    opts.env.push("HOME=/tmp".into());
    opts.env.push("LC_ALL=C".into());
    opts.firmware = Firmware::Direct;
    opts.timeout = Duration::from_secs(600);
    let r = boot::run::run(&kernel, &opts).expect("run");
    println!(
        "exit {} in {:?}\n{}\n{}\n{}",
        r.code,
        r.elapsed,
        String::from_utf8_lossy(&r.stdout),
        String::from_utf8_lossy(&r.stderr),
        r.log
    );

    // Both outputs are kept for a real diff.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bash-corpus");
    std::fs::create_dir_all(&dir).unwrap();
    for (file, data) in [
        ("vm.stdout", &r.stdout),
        ("vm.stderr", &r.stderr),
        ("host.stdout", &host.stdout),
        ("host.stderr", &host.stderr),
    ] {
        std::fs::write(dir.join(file), data).unwrap();
    }
    let mut differ = Vec::new();
    for (stream, got, want) in [
        ("stdout", &r.stdout, &host.stdout),
        ("stderr", &r.stderr, &host.stderr),
    ] {
        let (got, want) = (String::from_utf8_lossy(got), String::from_utf8_lossy(want));
        let g = sections(&got);
        for (name, b) in sections(&want) {
            let a = g.iter().find(|x| x.0 == name).map(|x| x.1.as_str());
            if a != Some(b.as_str()) {
                let a = a.unwrap_or("(no section)\n");
                differ.push(format!("{name} {stream}\n--- vm:\n{a}--- host:\n{b}"));
            }
        }
    }
    assert!(
        differ.is_empty(),
        "{} of {} scripts differ from the host's bash (outputs in {}):\n{}",
        differ.len(),
        names.len(),
        dir.display(),
        differ.join("\n")
    );
    assert_eq!(r.code, 0, "the driver's status");
    if let Err(e) = boot::run::leak_check(&r.log) {
        panic!("{e}");
    }
}
