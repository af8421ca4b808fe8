//! Any bytes give `Ok` or an `Err`, never a panic: every truncation and many byte flips
//! and random overwrites of a module that uses every part of the rewrite, plus garbage.
//! Whenever the damaged input is still a valid module (threads on), the output must be
//! valid with threads off.

mod common;

use common::no_threads;
use wasmlower::{AtomicsMode, Options};

/// A module touching every section the rewrite reads or changes.
const RICH: &str = r#"(module
  (import "env" "memory" (memory 2 100 shared))
  (import "env" "f" (func $f (param i32) (result i32)))
  (type $t (func (param i32) (result i32)))
  (table 4 funcref)
  (elem (i32.const 0) $a $b)
  (elem declare func $b)
  (global $g (mut i32) (i32.const 7))
  (global $r funcref (ref.func $a))
  (export "a" (func $a))
  (start $s)
  (func $s i32.const 0 i32.const 1 i32.atomic.rmw.add drop atomic.fence)
  (func $a (param i32) (result i32) (local i64)
    local.get 0 i32.atomic.load offset=8
    local.get 0 i64.const 3 i64.atomic.rmw16.xor_u offset=2 local.set 1
    local.get 0 i32.const 1 i32.const 2 i32.atomic.rmw8.cmpxchg_u
    i32.add call $f)
  (func $b (param i32) (result i32)
    local.get 0 i64.const 5 i64.const -1 memory.atomic.wait64
    local.get 0 i32.const 1 memory.atomic.notify offset=4 i32.add
    local.get 0 i32.const 9 i32.atomic.store8
    ref.func $b drop
    return_call $a)
  (func (param i32 i64) (result i64)
    local.get 0 local.get 1 i64.const 7 i64.atomic.rmw32.cmpxchg_u
    local.get 0 local.get 1 i64.atomic.rmw.sub i64.add)
  (data (i32.const 16) "active")
  (data "passive"))"#;

fn lower_both(wasm: &[u8]) {
    let _ = wasmlower::needs_lowering(wasm);
    let in_scope =
        wasmparser::WasmFeatures::all() & !wasmparser::WasmFeatures::SHARED_EVERYTHING_THREADS;
    let valid = wasmparser::Validator::new_with_features(in_scope)
        .validate_all(wasm)
        .is_ok();
    for mode in [AtomicsMode::Inline, AtomicsMode::HostCalls] {
        if let Ok(lowered) = wasmlower::lower(wasm, &Options { atomics: mode })
            && valid
        {
            let out =
                wasmparser::Validator::new_with_features(no_threads()).validate_all(&lowered.wasm);
            if let Err(e) = out {
                panic!("{mode:?}: valid input, invalid output: {e}\ninput: {wasm:02x?}");
            }
        }
    }
}

/// A small deterministic generator (xorshift64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn the_rich_module_lowers_and_runs() {
    let wasm = wat::parse_str(RICH).unwrap();
    for mode in [AtomicsMode::Inline, AtomicsMode::HostCalls] {
        let lowered = common::lower_checked(&wasm, mode);
        assert_eq!(lowered.stats.atomic_ops, 10);
        let (mut store, instance) = common::instantiate(&lowered.wasm, |l| {
            l.func_wrap("env", "f", |x: i32| x * 2).unwrap();
        });
        let a = instance.get_typed_func::<i32, i32>(&store, "a").unwrap();
        // load(8) = 0, rmw8 cmpxchg at 0 (1 after the start function's add) -> 1: (0 + 1) * 2
        assert_eq!(a.call(&mut store, 0).unwrap(), 2, "{mode:?}");
    }
}

#[test]
fn every_truncation_and_byte_flip() {
    let wasm = wat::parse_str(RICH).unwrap();
    for len in 0..wasm.len() {
        lower_both(&wasm[..len]);
    }
    let mut damaged = wasm.clone();
    for at in 0..wasm.len() {
        for flip in [0x01, 0x40, 0x80, 0xff] {
            damaged[at] ^= flip;
            lower_both(&damaged);
            damaged[at] ^= flip;
        }
    }
}

#[test]
fn random_overwrites_and_garbage() {
    let wasm = wat::parse_str(RICH).unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..3000 {
        let mut damaged = wasm.clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(damaged.len());
            damaged[at] = rng.next() as u8;
        }
        lower_both(&damaged);
    }
    for _ in 0..2000 {
        let len = rng.below(200);
        let mut garbage: Vec<u8> = b"\0asm\x01\0\0\0".to_vec();
        garbage.extend((0..len).map(|_| rng.next() as u8));
        lower_both(&garbage);
        lower_both(&garbage[8..]);
    }
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let huge = vec![0u8; wasmlower::MAX_INPUT + 1];
    let e = wasmlower::lower(&huge, &Options::default()).unwrap_err();
    assert!(matches!(e, wasmlower::Error::Limit), "{e:?}");
}
