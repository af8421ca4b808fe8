//! Every target over its saved regression inputs and over seeded pseudo-random inputs, plus
//! checks that the generators produce what the targets rely on.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::rc::Rc;

use runtime::testing::{Console, FakePlatform};
use runtime::{Kernel, Limits};

use crate::harness::{self, Outcome};
use crate::{Input, TARGETS, calls, lower, module, run_target, wasi};

/// xorshift64: deterministic inputs without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn bytes(&mut self, max_len: usize) -> Vec<u8> {
        let len = (self.next() % (max_len as u64 + 1)) as usize;
        (0..len).map(|_| self.next() as u8).collect()
    }
}

fn random_inputs(target: &str, seed: u64, count: usize, max_len: usize) {
    let mut rng = Rng(seed);
    for i in 0..count {
        let data = rng.bytes(max_len);
        match std::panic::catch_unwind(|| run_target(target, &data)) {
            Ok(true) => {}
            Ok(false) => panic!("{target}: no such fuzz target"),
            Err(_) => panic!("{target}: random input #{i} (seed {seed:#x}) failed: {data:02x?}"),
        }
    }
}

#[test]
fn regressions() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("regressions");
    // Every directory there must be a target's, or its inputs would never be replayed.
    for entry in std::fs::read_dir(&dir).expect("regressions/") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            assert!(
                TARGETS.contains(&name),
                "{}: no such target",
                path.display()
            );
        }
    }
    let mut count = 0;
    for target in TARGETS {
        let Ok(entries) = std::fs::read_dir(dir.join(target)) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let data = std::fs::read(&path).expect("read a regression input");
            eprintln!("{target}: {}", path.display());
            assert!(run_target(target, &data));
            count += 1;
        }
    }
    eprintln!("{count} regression inputs passed");
    // module_load and wasi_call each hold one today: a replay of nothing proves nothing.
    assert!(
        count >= 2,
        "only {count} regression inputs found in {}",
        dir.display()
    );
}

#[test]
fn random_vfs_ops() {
    random_inputs("vfs_ops", 0x5eed_0001, 3000, 400);
}

#[test]
fn random_rootfs() {
    random_inputs("rootfs", 0x5eed_0002, 3000, 1200);
}

#[test]
fn random_module_load() {
    random_inputs("module_load", 0x5eed_0003, 1000, 400);
}

#[test]
fn random_wasi_call() {
    random_inputs("wasi_call", 0x5eed_0004, 1500, 300);
}

#[test]
fn random_lower() {
    random_inputs("lower", 0x5eed_0006, 3000, 300);
}

#[test]
fn random_spawn_args() {
    random_inputs("spawn_args", 0x5eed_0007, 300, 400);
}

#[test]
fn random_fd_actions() {
    random_inputs("fd_actions", 0x5eed_0008, 1000, 2000);
}

/// Seeded inputs reach every outcome of the argument and file-action decoders — success
/// and each errno, the attacks' 2BIG and NAMETOOLONG among them — so the targets explore
/// past the first bounds check.
#[test]
fn spawn_decoders_reach_every_outcome() {
    use abi::Errno;
    let mut rng = Rng(0x5eed_0009);
    let mut args = BTreeSet::new();
    let mut actions = BTreeSet::new();
    for _ in 0..400 {
        let data = rng.bytes(400);
        args.extend(
            crate::spawnargs::spawn_args_outcomes(&data)
                .iter()
                .map(|o| format!("{o:?}")),
        );
        let data = rng.bytes(2000);
        actions.insert(format!("{:?}", crate::spawnargs::fd_actions_outcome(&data)));
    }
    let want = |list: &[Result<(), Errno>]| -> BTreeSet<String> {
        list.iter().map(|o| format!("{o:?}")).collect()
    };
    let missing: Vec<_> = want(&[
        Ok(()),
        Err(Errno::Fault),
        Err(Errno::IlSeq),
        Err(Errno::TooBig),
        Err(Errno::NameTooLong),
    ])
    .difference(&args)
    .cloned()
    .collect();
    assert!(
        missing.is_empty(),
        "spawn_args never gave {missing:?} (got {args:?})"
    );
    let missing: Vec<_> = want(&[
        Ok(()),
        Err(Errno::Inval),
        Err(Errno::Fault),
        Err(Errno::IlSeq),
        Err(Errno::TooBig),
        Err(Errno::NameTooLong),
    ])
    .difference(&actions)
    .cloned()
    .collect();
    assert!(
        missing.is_empty(),
        "fd_actions never gave {missing:?} (got {actions:?})"
    );
}

/// Generated threads modules are valid (threads on), hold atomics, and lower.
#[test]
fn generated_threads_modules_are_valid() {
    let mut rng = Rng(0x5eed_0007);
    let features = wasmparser::WasmFeatures::all();
    let mut atomics = 0;
    for _ in 0..300 {
        let data = rng.bytes(200);
        let wasm = lower::generate(&mut Input::new(&data));
        if let Err(e) = wasmparser::Validator::new_with_features(features).validate_all(&wasm) {
            panic!("generated module invalid: {e}: {data:02x?}");
        }
        let lowered =
            wasmlower::lower(&wasm, &Default::default()).expect("generated modules lower");
        atomics += lowered.stats.atomic_ops;
    }
    assert!(
        atomics > 600,
        "only {atomics} atomic instructions in 300 modules"
    );
}

#[test]
fn unknown_target_names_are_refused() {
    assert!(!run_target("nope", &[]));
    assert!(run_target("vfs_ops", &[]));
}

#[test]
fn input_reads_zeros_past_the_end() {
    let mut inp = Input::new(&[1, 2, 3]);
    assert_eq!(inp.u16(), 0x0201);
    assert_eq!(inp.bytes(5), &[3]);
    assert!(inp.is_empty());
    assert_eq!((inp.byte(), inp.u64(), inp.rest()), (0, 0, &[][..]));
}

/// The call table lists exactly what the runtime registers, with the right signatures:
/// a module importing any listed call instantiates and runs.
#[test]
fn the_call_table_matches_the_registry() {
    let console = Rc::new(RefCell::new(Console::default()));
    let mut kernel = Kernel::new(
        Box::new(FakePlatform::new(console)),
        vfs::Fs::new(vfs::Limits::default()),
        Limits::default(),
    )
    .expect("runtime");
    let registered: BTreeSet<(String, String)> = kernel
        .sys()
        .registry
        .names()
        .map(|(m, n)| (m.to_string(), n.to_string()))
        .collect();
    let listed: BTreeSet<(String, String)> = calls::all()
        .iter()
        .map(|c| (c.module.to_string(), c.name.to_string()))
        .collect();
    let missing: Vec<_> = registered.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&registered).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "crates/fuzzing/src/calls.rs is out of date: not listed {missing:?}, not registered {stale:?}"
    );
    for call in calls::all() {
        let wasm = wasi::module_calling(call, &[0; 64]);
        let outcome = harness::run(&wasm, b"");
        assert!(
            matches!(outcome, Outcome::Ended { .. }),
            "{call:?}: {outcome:?}"
        );
    }
}

/// Generated modules are valid (loaded unless they lack `_start`), and most of them start.
#[test]
fn generated_modules_are_valid() {
    let mut rng = Rng(0x5eed_0005);
    let mut started = 0;
    for _ in 0..300 {
        let data = rng.bytes(200);
        let wasm = module::generate(&mut Input::new(&data));
        // A module without `_start` (a rare shape) is refused at load, before it is
        // compiled; any other must load.
        let has_start = wasm.windows(7).any(|w| w == b"\x06_start");
        match harness::run(&wasm, b"") {
            Outcome::Rejected if has_start => panic!("generated module rejected: {data:02x?}"),
            Outcome::Rejected => {}
            Outcome::NotSpawned => {}
            Outcome::Ended { .. } => started += 1,
        }
    }
    assert!(
        started > 100,
        "only {started} of 300 generated modules started"
    );
}

/// The saved inputs for the two decoders are the attacks of issue 14, each once a kernel
/// panic, and still decode to them: 1024 file actions naming one path over PATH_MAX, or
/// one whose 1024 copies pass the total; lists of one-byte entries past ARG_MAX by their
/// cost, or by their length.
#[test]
fn saved_spawn_inputs_are_the_issue_14_attacks() {
    use crate::spawnargs::{fd_actions_outcome, spawn_args_outcomes};
    use abi::Errno;
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("regressions");
    let read = |name: &str| std::fs::read(dir.join(name)).expect(name);
    assert_eq!(
        fd_actions_outcome(&read(
            "fd_actions/issue14-1024-actions-one-path-over-path-max"
        )),
        Err(Errno::NameTooLong)
    );
    assert_eq!(
        fd_actions_outcome(&read("fd_actions/issue14-1024-actions-one-257-byte-path")),
        Err(Errno::TooBig)
    );
    for name in [
        "spawn_args/issue14-128k-of-one-byte-entries",
        "spawn_args/issue14-1536k-list-over-arg-max",
    ] {
        assert_eq!(
            spawn_args_outcomes(&read(name))[0],
            Err(Errno::TooBig),
            "{name}"
        );
    }
}
