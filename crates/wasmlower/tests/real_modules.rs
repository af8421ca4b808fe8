//! The acceptance test on real WASIX binaries, which this repository does not ship: each
//! path in `WASMLOWER_MODULES` (colon-separated; default `/tmp/bash.wasm:/tmp/dash.wasm`)
//! is lowered in both modes, validated with threads off, compiled by wasmi 2.0, and cut at
//! a hundred places to check truncations fail cleanly. Ignored by default; run with
//! `cargo test -p wasmlower --test real_modules -- --ignored --nocapture`. For timings use
//! the `measure` example in a release build.

mod common;

use wasmlower::AtomicsMode;

#[test]
#[ignore = "needs real WASIX binaries, see the module docs"]
fn real_wasix_binaries_lower_and_compile_in_wasmi() {
    let paths = std::env::var("WASMLOWER_MODULES")
        .unwrap_or_else(|_| "/tmp/bash.wasm:/tmp/dash.wasm".into());
    let mut seen = 0;
    for path in paths.split(':').filter(|p| !p.is_empty()) {
        let Ok(wasm) = std::fs::read(path) else {
            eprintln!("{path}: not found, skipped");
            continue;
        };
        seen += 1;
        eprintln!(
            "{path}: needs_lowering {}",
            wasmlower::needs_lowering(&wasm)
        );
        for mode in [AtomicsMode::Inline, AtomicsMode::HostCalls] {
            let lowered = common::lower_checked(&wasm, mode);
            eprintln!(
                "{path} {mode:?}: {} -> {} bytes, {:?}",
                wasm.len(),
                lowered.wasm.len(),
                lowered.stats
            );
            let engine = wasmi::Engine::default();
            if let Err(e) = wasmi::Module::new(&engine, &lowered.wasm[..]) {
                panic!("{path} {mode:?}: wasmi refuses the lowered module: {e}");
            }
        }
        for cut in 0..100 {
            let len = wasm.len() * cut / 100;
            let _ = wasmlower::lower(&wasm[..len], &Default::default());
        }
    }
    assert!(seen > 0, "no module found in {paths}");
}
