//! Lowers each module named on the command line in both modes and prints the time taken,
//! the sizes and the [`wasmlower::Stats`], then checks that wasmparser (threads off) and
//! wasmi 2.0 accept the output, timing both. Build it optimised, as the kernel is:
//! `cargo run --release -p wasmlower --example measure -- a.wasm b.wasm`. With
//! `WASMLOWER_WRITE=dir` set, each output is also written to `dir/<name>.<mode>.wasm`.

use std::time::Instant;

use wasmlower::{AtomicsMode, Options};

fn main() {
    for path in std::env::args().skip(1) {
        let wasm = match std::fs::read(&path) {
            Ok(wasm) => wasm,
            Err(e) => {
                eprintln!("{path}: {e}");
                continue;
            }
        };
        let t = Instant::now();
        let needs = wasmlower::needs_lowering(&wasm);
        println!(
            "{path}: {} bytes, needs_lowering {needs} ({:?})",
            wasm.len(),
            t.elapsed()
        );
        for mode in [AtomicsMode::Inline, AtomicsMode::HostCalls] {
            // The best of five runs: the first pays for page faults, others for a busy host.
            let mut took = std::time::Duration::MAX;
            let mut result = None;
            for _ in 0..5 {
                let t = Instant::now();
                let r = wasmlower::lower(&wasm, &Options { atomics: mode });
                took = took.min(t.elapsed());
                result = Some(r);
            }
            let lowered = match result {
                Some(Ok(l)) => l,
                Some(Err(e)) => {
                    println!("  {mode:?}: {e}");
                    continue;
                }
                None => continue,
            };
            println!(
                "  {mode:?}: {:.1} ms, {} bytes out ({:+.2} %)",
                took.as_secs_f64() * 1e3,
                lowered.wasm.len(),
                (lowered.wasm.len() as f64 / wasm.len() as f64 - 1.0) * 100.0
            );
            println!("    {:?}", lowered.stats);
            if let Ok(dir) = std::env::var("WASMLOWER_WRITE") {
                let name = std::path::Path::new(&path)
                    .file_stem()
                    .unwrap_or_default()
                    .to_string_lossy();
                let out = std::path::Path::new(&dir).join(format!("{name}.{mode:?}.wasm"));
                if let Err(e) = std::fs::write(&out, &lowered.wasm) {
                    eprintln!("{}: {e}", out.display());
                }
            }
            let t = Instant::now();
            let features = wasmparser::WasmFeatures::all()
                & !wasmparser::WasmFeatures::THREADS
                & !wasmparser::WasmFeatures::SHARED_EVERYTHING_THREADS;
            let valid =
                wasmparser::Validator::new_with_features(features).validate_all(&lowered.wasm);
            println!(
                "    wasmparser (no threads): {:?} in {:?}",
                valid.map(|_| ()),
                t.elapsed()
            );
            let t = Instant::now();
            let engine = wasmi::Engine::default();
            let module = wasmi::Module::new(&engine, &lowered.wasm[..]);
            println!(
                "    wasmi::Module::new: {:?} in {:?}",
                module.map(|_| ()),
                t.elapsed()
            );
        }
        let t = Instant::now();
        let valid = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
            .validate_all(&wasm);
        println!(
            "  (validating the input, threads on: {:?} in {:?})",
            valid.map(|_| ()),
            t.elapsed()
        );
    }
}
