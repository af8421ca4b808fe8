//! The `lower` target: bytes through `wasmlower`, the load-time rewrite of the threads
//! proposal, in both of its modes. Three shapes of input, chosen by the first byte: raw
//! bytes; a generated module ([`generate`]: a shared memory, imported or defined, or an
//! unshared one, a function import, a table whose element segment names every function,
//! a start function, and bodies mixing calls with atomic instructions of every kind at
//! edge-biased addresses and offsets); and that module with a few byte-level mutations.
//! Lowering never panics, a generated module always lowers, and whenever the input is a
//! valid module (threads on) the output is one with threads off, as wasmi 2.0 needs, and
//! the same bytes as without the fast walk over bodies without atomics.

use wasm_encoder::{
    CodeSection, ConstExpr, ElementSection, Elements, EntityType, ExportKind, ExportSection,
    FunctionSection, ImportSection, MemoryType, Module, RefType, StartSection, TableSection,
    TableType, TypeSection, ValType,
};
use wasmlower::{AtomicsMode, Options};
use wasmparser::{Validator, WasmFeatures};

use crate::Input;
use crate::module::{edgy_i32, mutate};

const PAGE: i64 = 65536;

/// Appends an unsigned LEB128.
fn leb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Appends one stack-balanced threads-proposal instruction with its operands (and a
/// `drop` of its result). Opcodes are the proposal's `0xfe` table: 0x00 notify, 0x01 and
/// 0x02 wait, 0x03 fence, 0x10..=0x16 loads, 0x17..=0x1d stores, then seven rows of seven
/// read-modify-writes (the last row compare-exchange), columns in the order of `SHAPES`.
fn atomic(inp: &mut Input<'_>, body: &mut Vec<u8>, mem: i64) {
    /// Per column: is the operand i64, and the natural alignment (log2).
    const SHAPES: [(bool, u64); 7] = [
        (false, 2),
        (true, 3),
        (false, 0),
        (false, 1),
        (true, 0),
        (true, 1),
        (true, 2),
    ];
    let operand = |inp: &mut Input<'_>, body: &mut Vec<u8>, wide: bool| {
        if wide {
            body.push(0x42); // i64.const
            let v = inp.u64() as i64;
            sleb(body, v);
        } else {
            body.push(0x41); // i32.const
            sleb(body, i64::from(edgy_i32(inp, mem)));
        }
    };
    let code = match inp.byte() % 8 {
        0 => inp.below(4) as u8,
        1 => 0x10 + inp.below(14) as u8,
        _ => 0x1e + inp.below(49) as u8,
    };
    if code == 0x03 {
        body.extend([0xfe, 0x03, 0x00]);
        return;
    }
    operand(inp, body, false); // the address
    let (align, results) = match code {
        0x00 => {
            operand(inp, body, false);
            (2, true)
        }
        0x01 | 0x02 => {
            operand(inp, body, code == 0x02);
            operand(inp, body, true);
            (code + 1, true)
        }
        0x10..=0x16 => (SHAPES[usize::from(code - 0x10)].1 as u8, true),
        0x17..=0x1d => {
            let (wide, align) = SHAPES[usize::from(code - 0x17)];
            operand(inp, body, wide);
            (align as u8, false)
        }
        _ => {
            let (wide, align) = SHAPES[usize::from(code - 0x1e) % 7];
            operand(inp, body, wide);
            if code >= 0x48 {
                operand(inp, body, wide);
            }
            (align as u8, true)
        }
    };
    body.extend([0xfe, code, align]);
    let offset = match inp.byte() % 4 {
        0 | 1 => 0,
        2 => u64::from(inp.byte()),
        _ => u64::from(inp.u32()),
    };
    leb(body, offset);
    if results {
        body.push(0x1a); // drop
    }
}

/// Appends a signed LEB128.
fn sleb(out: &mut Vec<u8>, mut v: i64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        let done = (v == 0 && byte & 0x40 == 0) || (v == -1 && byte & 0x40 != 0);
        out.push(if done { byte } else { byte | 0x80 });
        if done {
            return;
        }
    }
}

/// A valid threads-proposal module for `inp` (see the module documentation).
pub(crate) fn generate(inp: &mut Input<'_>) -> Vec<u8> {
    let memory_kind = inp.byte() % 3; // imported shared, defined shared, defined unshared
    let pages = 1 + inp.below(3) as u64;
    let import_f = inp.one_in(2);
    let funcs = 1 + inp.below(3) as u32;
    let imported = u32::from(import_f);
    let memory = MemoryType {
        minimum: pages,
        maximum: Some(pages + 1),
        memory64: false,
        shared: memory_kind < 2,
        page_size_log2: None,
    };

    let mut types = TypeSection::new();
    types.ty().function([], []);
    types.ty().function([ValType::I32], [ValType::I32]);
    let mut imports = ImportSection::new();
    if import_f {
        imports.import("env", "f", EntityType::Function(1));
    }
    if memory_kind == 0 {
        imports.import("env", "memory", memory);
    }
    let mut functions = FunctionSection::new();
    let mut code = CodeSection::new();
    for _ in 0..funcs {
        functions.function(0);
        let mut body = vec![0]; // no locals
        for _ in 0..inp.below(8) {
            if inp.one_in(4) {
                // A call: of the import, or of a defined function.
                if import_f && inp.one_in(2) {
                    body.extend([0x41, 0x07, 0x10, 0x00, 0x1a]); // i32.const 7 call 0 drop
                } else {
                    body.push(0x10);
                    leb(
                        &mut body,
                        u64::from(imported + inp.below(funcs as usize) as u32),
                    );
                }
            } else {
                atomic(inp, &mut body, pages as i64 * PAGE);
            }
        }
        body.push(0x0b); // end
        code.raw(&body);
    }
    let mut tables = TableSection::new();
    tables.table(TableType {
        element_type: RefType::FUNCREF,
        table64: false,
        minimum: u64::from(funcs),
        maximum: None,
        shared: false,
    });
    let mut exports = ExportSection::new();
    exports.export("_start", ExportKind::Func, imported);
    let mut elements = ElementSection::new();
    let indices: Vec<u32> = (imported..imported + funcs).collect();
    elements.active(
        None,
        &ConstExpr::i32_const(0),
        Elements::Functions(indices.into()),
    );

    let mut module = Module::new();
    module
        .section(&types)
        .section(&imports)
        .section(&functions)
        .section(&tables);
    if memory_kind > 0 {
        let mut memories = wasm_encoder::MemorySection::new();
        memories.memory(memory);
        module.section(&memories);
    }
    module.section(&exports);
    if inp.one_in(2) {
        module.section(&StartSection {
            function_index: imported + funcs - 1,
        });
    }
    module.section(&elements).section(&code);
    module.finish()
}

/// Lowers `wasm` in both modes and checks the invariants.
fn check(wasm: &[u8], generated: bool) {
    let _ = wasmlower::needs_lowering(wasm);
    let in_scope = WasmFeatures::all() & !WasmFeatures::SHARED_EVERYTHING_THREADS;
    let valid = Validator::new_with_features(in_scope)
        .validate_all(wasm)
        .is_ok();
    let no_threads = in_scope & !WasmFeatures::THREADS;
    for atomics in [AtomicsMode::Inline, AtomicsMode::HostCalls] {
        match wasmlower::lower(wasm, &Options { atomics }) {
            Ok(out) if valid => {
                if let Err(e) = Validator::new_with_features(no_threads).validate_all(&out.wasm) {
                    panic!("{atomics:?}: valid input, invalid output: {e}");
                }
                // The fast walk over bodies without atomics must change nothing.
                let reference = wasmlower::lower_decoding_every_body(wasm, &Options { atomics });
                if reference.as_ref() != Ok(&out) {
                    panic!("{atomics:?}: the fast walk's output differs from wasmparser's");
                }
            }
            Ok(_) => {}
            Err(e) if generated => panic!("{atomics:?}: a generated module was refused: {e}"),
            Err(_) => {}
        }
    }
}

/// The `lower` target.
pub fn lower(data: &[u8]) {
    let mut inp = Input::new(data);
    match inp.byte() % 4 {
        0 => check(inp.rest(), false),
        1 => check(&generate(&mut inp), true),
        _ => {
            let mut wasm = generate(&mut inp);
            mutate(&mut inp, &mut wasm);
            check(&wasm, false);
        }
    }
}
