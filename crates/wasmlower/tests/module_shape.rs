//! What the rewrite does to a module's structure: the memory (imported shared becomes
//! defined and exported, defined shared becomes unshared), data segments, sections it
//! must insert, function indices shifted by helper imports (calls, tail calls, element
//! segments, `ref.func`, globals, exports, start, the `name` section), modules left alone,
//! and the shapes it refuses.

mod common;

use common::*;
use wasmi::Linker;
use wasmlower::{AtomicsMode, Error, Options};
use wasmparser::{ExternalKind, KnownCustom, Name, Parser, Payload, TypeRef};

fn parse(wat: &str) -> Vec<u8> {
    wat::parse_str(wat).expect("test module parses")
}

fn lower_err(wat: &str) -> Error {
    match wasmlower::lower(&parse(wat), &Options::default()) {
        Ok(_) => panic!("lowering should have failed"),
        Err(e) => e,
    }
}

/// A memory: whether imported, and its type.
type Memory = (bool, wasmparser::MemoryType);
/// An export: name, kind, index.
type Export = (String, ExternalKind, u32);

/// Memories (imported ones first) and exports of `wasm`.
fn memories_and_exports(wasm: &[u8]) -> (Vec<Memory>, Vec<Export>) {
    let (mut memories, mut exports) = (Vec::new(), Vec::new());
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.unwrap() {
            Payload::ImportSection(r) => {
                for i in r.into_imports() {
                    if let TypeRef::Memory(m) = i.unwrap().ty {
                        memories.push((true, m));
                    }
                }
            }
            Payload::MemorySection(r) => {
                memories.extend(r.into_iter().map(|m| (false, m.unwrap())))
            }
            Payload::ExportSection(r) => exports.extend(
                r.into_iter()
                    .map(|e| e.unwrap())
                    .map(|e| (e.name.to_string(), e.kind, e.index)),
            ),
            _ => {}
        }
    }
    (memories, exports)
}

#[test]
fn modules_without_threads_come_back_unchanged() {
    let wasm = parse(
        r#"(module (memory (export "memory") 1 2)
            (func $f (export "f") (param i32) (result i32) local.get 0 i32.load)
            (data (i32.const 8) "hello"))"#,
    );
    assert!(!wasmlower::needs_lowering(&wasm));
    for mode in [AtomicsMode::Inline, AtomicsMode::HostCalls] {
        let lowered = wasmlower::lower(&wasm, &Options { atomics: mode }).unwrap();
        assert_eq!(lowered.wasm, wasm);
        assert_eq!(lowered.stats.atomic_ops, 0);
        assert_eq!(
            (lowered.stats.initial_pages, lowered.stats.maximum_pages),
            (1, Some(2))
        );
    }
}

#[test]
fn an_imported_shared_memory_becomes_a_defined_exported_one() {
    let wasm = parse(
        r#"(module (import "env" "memory" (memory 3 65536 shared))
            (func (export "_start")))"#,
    );
    assert!(wasmlower::needs_lowering(&wasm));
    let lowered = lower_checked(&wasm, AtomicsMode::Inline);
    let (memories, exports) = memories_and_exports(&lowered.wasm);
    assert_eq!(memories.len(), 1);
    let (imported, m) = memories[0];
    assert!(!imported && !m.shared && !m.memory64);
    assert_eq!((m.initial, m.maximum), (3, Some(65536)));
    assert!(exports.contains(&("memory".into(), ExternalKind::Memory, 0)));
    let s = lowered.stats;
    assert_eq!(s.imported_memory, Some(("env".into(), "memory".into())));
    assert_eq!(
        (s.initial_pages, s.maximum_pages, s.atomic_ops),
        (3, Some(65536), 0)
    );
    instantiate(&lowered.wasm, |_| {});
}

#[test]
fn a_memory_already_exported_or_a_taken_name_is_left_alone() {
    let cases = [
        r#"(module (import "env" "memory" (memory 1 1 shared)) (export "mem" (memory 0)))"#,
        r#"(module (import "env" "memory" (memory 1 1 shared)) (func (export "memory")))"#,
    ];
    for wat in cases {
        let lowered = lower_checked(&parse(wat), AtomicsMode::Inline);
        let (_, exports) = memories_and_exports(&lowered.wasm);
        assert_eq!(exports.len(), 1, "no export added: {exports:?}");
    }
}

#[test]
fn a_defined_shared_memory_loses_the_flag_and_sections_are_inserted() {
    // No import or export section: the notify helper needs an import section inserted.
    let wat = r#"(module (memory 1 1 shared)
        (func $main (result i32) i32.const 0 i32.const 1 memory.atomic.notify)
        (start $main2)
        (func $main2 call $main drop))"#;
    let wasm = parse(wat);
    assert!(wasmlower::needs_lowering(&wasm));
    for mode in [AtomicsMode::Inline, AtomicsMode::HostCalls] {
        let lowered = lower_checked(&wasm, mode);
        let (memories, exports) = memories_and_exports(&lowered.wasm);
        assert_eq!(memories.len(), 1);
        assert!(!memories[0].0 && !memories[0].1.shared);
        assert!(exports.is_empty(), "a defined memory is not exported");
        assert_eq!(lowered.stats.imported_memory, None);
        let (store, _) = instantiate(&lowered.wasm, |_| {});
        assert_eq!(
            store.data(),
            &vec![("atomic_notify", vec![0, 1, 0])],
            "the start function ran"
        );
    }
}

#[test]
fn atomics_on_an_unshared_memory_are_lowered_too() {
    // Valid under the threads proposal, though `needs_lowering` does not look for it.
    let wasm = parse(
        r#"(module (memory 1)
            (func (export "f") (result i32) i32.const 0 i32.const 9 i32.atomic.rmw.xchg))"#,
    );
    assert!(!wasmlower::needs_lowering(&wasm));
    let lowered = lower_checked(&wasm, AtomicsMode::Inline);
    assert_eq!(lowered.stats.rmw_ops, 1);
}

#[test]
fn passive_data_initialises_memory_as_wasix_libc_does() {
    // The shape of wasix-libc's `__wasm_init_memory`: claim a flag with a compare-exchange,
    // `memory.init` the passive segments, `data.drop` them, publish and notify.
    let wat = r#"(module (import "env" "memory" (memory 1 1 shared))
        (data $d "WASIX!")
        (func $init
          block
            block
              i32.const 16 i32.const 0 i32.const 1 i32.atomic.rmw.cmpxchg
              br_table 0 1
            end
            i32.const 100 i32.const 0 i32.const 6 memory.init $d
            i32.const 16 i32.const 2 i32.atomic.store
            i32.const 16 i32.const -1 memory.atomic.notify drop
            data.drop $d
            return
          end
          i32.const 16 i32.const 1 i64.const -1 memory.atomic.wait32 drop)
        (start $init)
        (func (export "flag") (result i32) i32.const 16 i32.atomic.load)
        (func (export "word") (result i64) i32.const 100 i64.load))"#;
    for (mode, mut store, instance) in both_modes(wat) {
        let flag = instance.get_typed_func::<(), i32>(&store, "flag").unwrap();
        let word = instance.get_typed_func::<(), i64>(&store, "word").unwrap();
        assert_eq!(flag.call(&mut store, ()).unwrap(), 2, "{mode:?}");
        assert_eq!(
            word.call(&mut store, ()).unwrap().to_le_bytes()[..6],
            *b"WASIX!"
        );
        assert_eq!(store.data(), &vec![("atomic_notify", vec![16, -1, 0])]);
    }
}

const INDICES: &str = r#"(module
  (import "env" "memory" (memory 1 1 shared))
  (import "test" "imported" (func $imported (param i32) (result i32)))
  (type $t (func (param i32) (result i32)))
  (table 5 funcref)
  (elem (i32.const 0) $double $triple)
  (elem (table 0) (i32.const 2) funcref (ref.func $inc) (ref.func $imported))
  (elem declare func $triple)
  (global $fr funcref (ref.func $triple))
  (start $start)
  (func $start i32.const 0 i32.const 5 i32.atomic.rmw.add drop)
  (func $double (param i32) (result i32) local.get 0 i32.const 2 i32.mul)
  (func $triple (param i32) (result i32) local.get 0 i32.const 3 i32.mul)
  (func $inc (param i32) (result i32) local.get 0 i32.const 1 i32.add)
  (func (export "direct") (param i32) (result i32) local.get 0 call $double call $imported)
  (func (export "indirect") (param i32 i32) (result i32)
    local.get 0 local.get 1 call_indirect (type $t))
  (func (export "tail") (param i32) (result i32) local.get 0 return_call $triple)
  (func (export "by_ref") (param i32) (result i32)
    i32.const 4 ref.func $triple table.set 0
    local.get 0 i32.const 4 call_indirect (type $t))
  (func (export "by_global") (param i32) (result i32)
    i32.const 4 global.get $fr table.set 0
    local.get 0 i32.const 4 call_indirect (type $t))
  (func (export "bump") (result i32)
    i32.const 0 i32.const 1 i32.atomic.rmw.add
    i32.const 0 i32.const 1 memory.atomic.notify drop)
  (export "double" (func $double)))"#;

/// A function index and its name (in the `name` section, or an export's).
type Named = (u32, String);

/// Function names of the `name` section, and exported functions.
fn names_and_func_exports(wasm: &[u8]) -> (Vec<Named>, Vec<Named>) {
    let (mut names, mut exports) = (Vec::new(), Vec::new());
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.unwrap() {
            Payload::CustomSection(c) => {
                if let KnownCustom::Name(r) = c.as_known() {
                    for sub in r {
                        if let Name::Function(map) = sub.unwrap() {
                            names.extend(
                                map.into_iter()
                                    .map(|n| n.unwrap())
                                    .map(|n| (n.index, n.name.to_string())),
                            );
                        }
                    }
                }
            }
            Payload::ExportSection(r) => {
                for e in r {
                    let e = e.unwrap();
                    if e.kind == ExternalKind::Func {
                        exports.push((e.index, e.name.to_string()));
                    }
                }
            }
            _ => {}
        }
    }
    (names, exports)
}

#[test]
fn function_indices_follow_the_added_imports() {
    let wasm = parse(INDICES);
    for mode in [AtomicsMode::Inline, AtomicsMode::HostCalls] {
        let lowered = lower_checked(&wasm, mode);
        // Inline adds atomic_notify; HostCalls also i32_rmw_add.
        let added = if mode == AtomicsMode::Inline { 1 } else { 2 };
        let (names, exports) = names_and_func_exports(&lowered.wasm);
        let index_of = |name: &str| names.iter().find(|(_, n)| n == name).map(|(i, _)| *i);
        assert_eq!(index_of("imported"), Some(0), "imports keep their index");
        assert_eq!(
            index_of("start"),
            Some(1 + added),
            "{mode:?}: defined functions move by {added}"
        );
        assert_eq!(index_of("double"), Some(2 + added));
        let double = exports.iter().find(|(_, n)| n == "double").map(|(i, _)| *i);
        assert_eq!(double, index_of("double"), "the export and the name agree");

        let (mut store, instance) = instantiate(&lowered.wasm, |l: &mut Linker<Calls>| {
            l.func_wrap("test", "imported", |x: i32| x + 1000).unwrap();
        });
        let f1 = |name: &str| instance.get_typed_func::<i32, i32>(&store, name).unwrap();
        let (direct, tail, by_ref, by_global, double) = (
            f1("direct"),
            f1("tail"),
            f1("by_ref"),
            f1("by_global"),
            f1("double"),
        );
        let indirect = instance
            .get_typed_func::<(i32, i32), i32>(&store, "indirect")
            .unwrap();
        let bump = instance.get_typed_func::<(), i32>(&store, "bump").unwrap();
        assert_eq!(direct.call(&mut store, 5).unwrap(), 1010, "{mode:?}");
        assert_eq!(double.call(&mut store, 5).unwrap(), 10);
        let slots: Vec<i32> = (0..4)
            .map(|i| indirect.call(&mut store, (7, i)).unwrap())
            .collect();
        assert_eq!(slots, [14, 21, 8, 1007], "{mode:?}: element segments");
        assert_eq!(tail.call(&mut store, 4).unwrap(), 12);
        assert_eq!(by_ref.call(&mut store, 6).unwrap(), 18);
        assert_eq!(by_global.call(&mut store, 2).unwrap(), 6);
        assert_eq!(
            bump.call(&mut store, ()).unwrap(),
            5,
            "{mode:?}: the start function ran"
        );
        assert_eq!(bump.call(&mut store, ()).unwrap(), 6);
        let s = &lowered.stats;
        assert_eq!(
            (s.atomic_ops, s.rmw_ops, s.notifies, s.functions_touched),
            (3, 2, 1, 2)
        );
    }
}

#[test]
fn unsupported_shapes_are_refused_with_a_clear_message() {
    type Case = (&'static str, fn(&Error) -> bool, &'static str);
    let cases: [Case; 5] = [
        (
            r#"(module (memory 1 1 shared) (memory 1))"#,
            |e| matches!(e, Error::MultipleMemories),
            "multiple memories",
        ),
        (
            r#"(module (memory 1) (memory 1)
                (func i32.const 0 i32.atomic.load 1 drop))"#,
            |e| matches!(e, Error::MultipleMemories),
            "multiple memories",
        ),
        (
            r#"(module (memory i64 1 1 shared))"#,
            |e| matches!(e, Error::Memory64),
            "wasm64",
        ),
        (
            r#"(module (memory 1 1 shared) (func i32.const 0 i32.atomic.load align=2 drop))"#,
            |e| {
                matches!(
                    e,
                    Error::Alignment {
                        align: 1,
                        natural: 2
                    }
                )
            },
            "alignment",
        ),
        (
            r#"(component)"#,
            |e| matches!(e, Error::NotAModule),
            "not a core",
        ),
    ];
    for (wat, is, words) in cases {
        let e = lower_err(wat);
        assert!(is(&e), "{wat}: {e:?}");
        let msg = e.to_string();
        assert!(
            msg.starts_with("lowering: ") && msg.contains(words),
            "{msg}"
        );
    }
    let e = wasmlower::lower(b"\0asm\x01\0\0\0\x05\x03\x01\x03", &Options::default()).unwrap_err();
    assert!(matches!(e, Error::Parse { .. }), "{e:?}");
    assert!(e.to_string().contains("at byte"), "{e}");
}

#[test]
fn multiple_unshared_memories_with_atomics_on_memory_0_are_fine() {
    let wasm = parse(
        r#"(module (memory 1) (memory 1)
            (func (export "f") (result i32) i32.const 0 i32.const 3 i32.atomic.rmw.add))"#,
    );
    let lowered = lower_checked(&wasm, AtomicsMode::Inline);
    let (mut store, instance) = instantiate(&lowered.wasm, |_| {});
    let f = instance.get_typed_func::<(), i32>(&store, "f").unwrap();
    assert_eq!(f.call(&mut store, ()).unwrap(), 0);
    assert_eq!(f.call(&mut store, ()).unwrap(), 3);
}

/// The WASIX programs this repository commits (built with wasix-libc, and by hand the way
/// wasix-libc builds them) lower to the same bytes with and without the fast walk over
/// bodies without atomics (`lower_checked` compares).
#[test]
fn committed_wasix_programs_lower_identically_through_the_fast_walk() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../userland");
    let mut seen = 0;
    for path in [
        "wasix-libc/bin/wasix-libc-test.wasm",
        "cmark/bin/cmark-wasix.wasm",
        "wasix-c/bin/wasix-proc.wasm",
    ] {
        let wasm = std::fs::read(format!("{root}/{path}")).expect(path);
        assert!(wasmlower::needs_lowering(&wasm), "{path}");
        for mode in [AtomicsMode::Inline, AtomicsMode::HostCalls] {
            let lowered = common::lower_checked(&wasm, mode);
            assert!(lowered.stats.atomic_ops > 0, "{path}");
        }
        seen += 1;
    }
    assert_eq!(seen, 3);
}
