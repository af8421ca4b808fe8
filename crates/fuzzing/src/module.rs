//! The `module_load` target: bytes as a WebAssembly module through the runtime's compile
//! (validation and the import check), spawn (instantiation, data and element segments,
//! the start function) and a bounded run. Three shapes of input, chosen by the first byte:
//! raw bytes; a generated valid module ([`generate`]: memory, table, globals, segments, a
//! start function and a `_start` made of stack-balanced snippets that store, load, grow,
//! copy and fill memory, call host functions, loop, recurse, divide, call indirectly and
//! trap); and that valid module with a few byte-level mutations. The generated shapes get
//! past validation often, so the fuzzer reaches instantiation and the run itself.

use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, DataSection, ElementSection, Elements, EntityType,
    ExportKind, ExportSection, Function, FunctionSection, GlobalSection, GlobalType, Ieee64,
    ImportSection, InstructionSink, MemArg, MemArgTarget, MemorySection, MemoryType, Module,
    RefType, StartSection, TableSection, TableType, TypeSection, ValType,
};

use crate::Input;
use crate::harness;

const PAGE: i64 = 65536;

/// An i32 biased toward the edges of a memory of `mem` bytes.
pub(crate) fn edgy_i32(inp: &mut Input<'_>, mem: i64) -> i32 {
    let small = i64::from(inp.byte() % 16);
    let v: i64 = match inp.byte() % 14 {
        0 => 0,
        1 => -1,
        2 => small,
        3 => mem - small,
        4 => mem + small,
        5 => i64::from(i32::MAX) - small,
        6 => i64::from(i32::MIN) + small,
        7 => small * 4 + 1,
        8 => PAGE,
        9 => 4096 + small - 8,
        10 => mem / 2 + small,
        11 => i64::from(inp.u16()),
        _ => i64::from(inp.u32() as i32),
    };
    v as i32
}

fn memarg(inp: &mut Input<'_>, align: u32) -> MemArg {
    let offset = match inp.byte() % 4 {
        0 | 1 => 0,
        2 => u64::from(inp.byte()),
        _ => u64::from(inp.u32()),
    };
    MemArg {
        offset,
        align,
        target: MemArgTarget::Memory(0),
        ordering: None,
    }
}

/// Function indices in the generated module.
mod idx {
    pub const FD_WRITE: u32 = 0;
    pub const PROC_EXIT: u32 = 1;
    pub const RANDOM_GET: u32 = 2;
    pub const SCHED_YIELD: u32 = 3;
    pub const START: u32 = 4;
    pub const SPIN: u32 = 5;
    pub const RECURSE: u32 = 6;
    pub const GROW: u32 = 7;
}

/// Appends one stack-balanced snippet to `f`.
fn snippet(inp: &mut Input<'_>, f: &mut InstructionSink<'_>, mem: i64) {
    match inp.byte() % 18 {
        0 => {
            let (addr, val) = (edgy_i32(inp, mem), edgy_i32(inp, mem));
            let align = u32::from(inp.byte() % 3);
            let m = memarg(inp, align);
            f.i32_const(addr).i32_const(val).i32_store(m);
        }
        1 => {
            let addr = edgy_i32(inp, mem);
            let m = memarg(inp, 0);
            f.i32_const(addr).i32_load8_u(m).drop();
        }
        2 => {
            let pages = match inp.byte() % 4 {
                0 => 1,
                1 => 0,
                2 => -1,
                _ => i32::from(inp.byte()),
            };
            f.i32_const(pages).memory_grow(0).drop();
        }
        3 => {
            let args = [0, 0, 0, 0].map(|_: i32| edgy_i32(inp, mem));
            let fd = inp.below(9) as i32;
            f.i32_const(fd)
                .i32_const(args[1])
                .i32_const(args[2] & 0xff)
                .i32_const(args[3])
                .call(idx::FD_WRITE)
                .drop();
        }
        4 => {
            f.i32_const(edgy_i32(inp, mem)).call(idx::PROC_EXIT);
        }
        5 => {
            f.call(idx::SPIN);
        }
        6 => {
            f.call(idx::RECURSE);
        }
        7 => {
            let (a, b) = (edgy_i32(inp, mem), edgy_i32(inp, mem));
            f.i32_const(a).i32_const(b).i32_div_s().drop();
        }
        8 => {
            f.i32_const(inp.below(6) as i32).call_indirect(0, 0);
        }
        9 => {
            f.unreachable();
        }
        10 => {
            let (d, s, n) = (edgy_i32(inp, mem), edgy_i32(inp, mem), edgy_i32(inp, mem));
            f.i32_const(d).i32_const(s).i32_const(n).memory_copy(0, 0);
        }
        11 => {
            let (d, v, n) = (edgy_i32(inp, mem), edgy_i32(inp, mem), edgy_i32(inp, mem));
            f.i32_const(d).i32_const(v).i32_const(n).memory_fill(0);
        }
        12 => {
            let (p, n) = (edgy_i32(inp, mem), edgy_i32(inp, mem));
            f.i32_const(p).i32_const(n).call(idx::RANDOM_GET).drop();
        }
        13 => {
            f.global_get(0).i32_const(1).i32_add().global_set(0);
        }
        14 => {
            let n = i32::from(inp.u16()) * i32::from(inp.byte() % 4);
            f.i32_const(n)
                .local_set(0)
                .loop_(BlockType::Empty)
                .local_get(0)
                .i32_const(1)
                .i32_sub()
                .local_tee(0)
                .br_if(0)
                .end();
        }
        15 => {
            f.call(idx::SCHED_YIELD).drop();
        }
        16 => {
            let x = [0.0, -0.0, f64::NAN, f64::INFINITY, 3e9, -2.5e9, 42.7][inp.below(7)];
            f.f64_const(Ieee64::from(x)).i32_trunc_f64_s().drop();
        }
        _ => {
            f.memory_size(0).drop();
        }
    }
}

/// A valid module decoded from `inp` (see the module docs).
pub(crate) fn generate(inp: &mut Input<'_>) -> Vec<u8> {
    let flags = inp.byte();
    // Rare shapes that cannot start: (wrong name, no `_start`, spinning start function).
    let rare = inp.byte();
    let min_pages = u64::from(inp.byte() % 3);
    let max_pages = (flags & 1 != 0).then(|| min_pages + u64::from(inp.byte() % 4));
    let mem = min_pages as i64 * PAGE;

    let mut types = TypeSection::new();
    types.ty().function([], []);
    types.ty().function(
        [ValType::I32, ValType::I32, ValType::I32, ValType::I32],
        [ValType::I32],
    );
    types.ty().function([ValType::I32], []);
    types
        .ty()
        .function([ValType::I32, ValType::I32], [ValType::I32]);
    types.ty().function([], [ValType::I32]);

    let wasi = if flags & 2 != 0 {
        "wasix_32v1"
    } else {
        "wasi_snapshot_preview1"
    };
    let mut imports = ImportSection::new();
    imports.import(wasi, "fd_write", EntityType::Function(1));
    imports.import(wasi, "proc_exit", EntityType::Function(2));
    imports.import(wasi, "random_get", EntityType::Function(3));
    imports.import(wasi, "sched_yield", EntityType::Function(4));

    let mut functions = FunctionSection::new();
    for _ in [idx::START, idx::SPIN, idx::RECURSE, idx::GROW] {
        functions.function(0);
    }

    // Mostly a table the element segment fits in; sometimes one entry short.
    let elem_offset = inp.below(3) as u64;
    let mut tables = TableSection::new();
    tables.table(TableType {
        element_type: RefType::FUNCREF,
        table64: false,
        minimum: 4 + elem_offset - u64::from(inp.one_in(8)),
        maximum: None,
        shared: false,
    });

    let mut memories = MemorySection::new();
    memories.memory(MemoryType {
        minimum: min_pages,
        maximum: max_pages,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });

    let mut globals = GlobalSection::new();
    globals.global(
        GlobalType {
            val_type: ValType::I32,
            mutable: true,
            shared: false,
        },
        &ConstExpr::i32_const(0),
    );

    let mut exports = ExportSection::new();
    let start_name = if rare % 16 == 1 { "start" } else { "_start" };
    if rare % 16 != 2 {
        exports.export(start_name, ExportKind::Func, idx::START);
    }
    if flags & 8 == 0 {
        exports.export("memory", ExportKind::Memory, 0);
    }

    let mut elements = ElementSection::new();
    let funcs = [idx::SPIN, idx::RECURSE, idx::GROW, idx::FD_WRITE];
    elements.active(
        None,
        &ConstExpr::i32_const(elem_offset as i32),
        Elements::Functions(funcs[..].into()),
    );

    let mut code = CodeSection::new();
    let mut start = Function::new([(1, ValType::I32)]);
    {
        let mut sink = start.instructions();
        for _ in 0..inp.below(24) {
            snippet(inp, &mut sink, mem);
        }
        sink.end();
    }
    code.function(&start);
    let mut spin = Function::new([]);
    spin.instructions()
        .loop_(BlockType::Empty)
        .br(0)
        .end()
        .end();
    code.function(&spin);
    let mut recurse = Function::new([]);
    recurse.instructions().call(idx::RECURSE).end();
    code.function(&recurse);
    let mut grow = Function::new([]);
    let pages = i32::from(inp.byte() % 3);
    grow.instructions()
        .i32_const(pages)
        .memory_grow(0)
        .drop()
        .end();
    code.function(&grow);

    let mut data = DataSection::new();
    let offset = if flags & 0x80 != 0 {
        edgy_i32(inp, mem)
    } else {
        0
    };
    // Mostly a segment that fits; an out-of-bounds one when the offset is decoded.
    let len = if min_pages == 0 && flags & 0x80 == 0 {
        0
    } else {
        inp.below(64)
    };
    data.active(
        0,
        &ConstExpr::i32_const(offset),
        inp.bytes(len).iter().copied(),
    );

    let mut module = Module::new();
    module.section(&types);
    module.section(&imports);
    module.section(&functions);
    module.section(&tables);
    module.section(&memories);
    module.section(&globals);
    module.section(&exports);
    if flags & 0x30 == 0x10 {
        let function_index = if rare % 16 == 3 { idx::SPIN } else { idx::GROW };
        module.section(&StartSection { function_index });
    }
    module.section(&elements);
    module.section(&code);
    module.section(&data);
    module.finish()
}

/// Applies a few byte-level mutations (overwrite, insert, delete, bit flip) to `wasm`.
pub(crate) fn mutate(inp: &mut Input<'_>, wasm: &mut Vec<u8>) {
    for _ in 0..1 + inp.below(4) {
        if wasm.is_empty() {
            return;
        }
        let at = usize::from(inp.u16()) % wasm.len();
        match inp.byte() % 4 {
            0 => wasm[at] = inp.byte(),
            1 => wasm.insert(at, inp.byte()),
            2 => {
                wasm.remove(at);
            }
            _ => wasm[at] ^= 1 << (inp.byte() % 8),
        }
    }
}

/// The `module_load` target.
pub fn module_load(data: &[u8]) {
    let mut inp = Input::new(data);
    let wasm = match inp.byte() % 4 {
        0 | 1 => inp.rest().to_vec(),
        2 => generate(&mut inp),
        _ => {
            let mut wasm = generate(&mut inp);
            mutate(&mut inp, &mut wasm);
            wasm
        }
    };
    let stdin = inp.rest();
    harness::run(&wasm, stdin);
}
