//! The `wasi_call` target: a module that imports one to three host calls (any WASI
//! preview1 or WASIX call, see [`calls`]) and whose `_start` makes up to eight calls to them
//! in a row, with arguments biased toward edge values (0, -1, the memory size ± a little,
//! `i32::MAX`, misaligned pointers, huge lengths, descriptors 0..10, pointers into a
//! dictionary of useful strings and structures). Its one or two pages of memory hold the
//! fuzz bytes, then that dictionary. It runs as process 1 (see `harness` for its
//! descriptors: stdio, preopens, a pipe, an open file); the kernel must not panic, the
//! process must end cleanly, and nothing may leak.

use wasm_encoder::{
    CodeSection, ConstExpr, DataSection, EntityType, ExportKind, ExportSection, Function,
    FunctionSection, ImportSection, MemorySection, MemoryType, Module, TypeSection, ValType,
};

use crate::Input;
use crate::calls::{self, Call};
use crate::harness::{self, Outcome};
use crate::module::edgy_i32;

/// Where the dictionary starts in memory (the last 4 KiB of the first page).
const DICT: u32 = 0xF000;

/// The dictionary: (offset from [`DICT`], bytes).
const DICTIONARY: &[(u32, &[u8])] = &[
    (0x00, b"dir/file\0"),
    (0x10, b"dir\0"),
    (0x20, b"prog.wasm\0"),
    (0x30, b"..\0"),
    (0x40, b"dir/link\0"),
    (0x50, b"dir/sub/up/dir\0"),
    (0x60, b"/abs\0"),
    (0x70, b"new\0"),
    // iovecs: two small buffers, then one running past the end of memory.
    (
        0x80,
        &[
            0x00, 0xF4, 0, 0, 16, 0, 0, 0, 0x00, 0xF5, 0, 0, 0x2c, 1, 0, 0,
        ],
    ),
    (0x90, &[0xF0, 0xFF, 0, 0, 0xff, 0xff, 0xff, 0x7f]),
    // poll_oneoff subscriptions: a 1 µs monotonic clock, then fd 5 readable.
    (
        0xA0,
        &[
            1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xe8, 3, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ],
    ),
    (
        0xD0,
        &[2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0],
    ),
    (0x100, b"prog\narg\n"),
    (0x110, b"/bin:/usr/bin\0"),
    (0x120, b"callback\0"),
];

/// The calls worth telling apart: every preview1 and WASIX call once, plus the four
/// `wasi_unstable` calls that have their own adapters (the rest of `wasi_unstable` and
/// `wasix_32v1`'s preview1 re-exports reach the same handlers).
fn distinct() -> Vec<Call> {
    const UNSTABLE_ADAPTERS: [&str; 4] = [
        "fd_seek",
        "fd_filestat_get",
        "path_filestat_get",
        "poll_oneoff",
    ];
    let preview1: Vec<&str> = calls::all()
        .iter()
        .filter(|c| c.module == "wasi_snapshot_preview1")
        .map(|c| c.name)
        .collect();
    calls::all()
        .into_iter()
        .filter(|c| match c.module {
            "wasi_snapshot_preview1" => true,
            "wasi_unstable" => UNSTABLE_ADAPTERS.contains(&c.name),
            _ => !preview1.contains(&c.name),
        })
        .collect()
}

/// An i32 argument: an edge value, a descriptor, or a dictionary pointer.
fn i32_arg(inp: &mut Input<'_>, mem: i64) -> i32 {
    match inp.byte() % 8 {
        0 | 1 => inp.below(11) as i32,
        2 => (DICT + 16 * inp.below(19) as u32) as i32,
        3 => inp.below(17) as i32,
        _ => edgy_i32(inp, mem),
    }
}

fn i64_arg(inp: &mut Input<'_>) -> i64 {
    let small = i64::from(inp.byte() % 16);
    match inp.byte() % 10 {
        0 => 0,
        1 => -1,
        2 => small,
        3 => i64::MAX - small,
        4 => i64::MIN + small,
        5 => i64::from(u32::MAX) + small - 8,
        6 => (1 << 30) + small - 8,
        7 => 1_000_000_000 * small,
        _ => inp.u64() as i64,
    }
}

fn val_type(c: char) -> ValType {
    if c == 'I' { ValType::I64 } else { ValType::I32 }
}

/// The module for one case, decoded from `inp`; also returns the calls it imports.
/// `forced` replaces the decoded choice of imports.
fn build(inp: &mut Input<'_>, forced: Option<Call>) -> (Vec<u8>, Vec<Call>) {
    let table = distinct();
    let pages = 1 + u64::from(inp.byte() % 2);
    let mem = pages as i64 * 65536;
    let chosen: Vec<Call> = match forced {
        Some(call) => vec![call],
        None => (0..1 + inp.below(3))
            .map(|_| table[usize::from(inp.u16()) % table.len()])
            .collect(),
    };

    let mut types = TypeSection::new();
    let mut imports = ImportSection::new();
    for (i, c) in chosen.iter().enumerate() {
        let results: &[ValType] = if c.returns { &[ValType::I32] } else { &[] };
        types.ty().function(
            c.params.chars().map(val_type).collect::<Vec<_>>(),
            results.iter().copied(),
        );
        imports.import(c.module, c.name, EntityType::Function(i as u32));
    }
    let start_type = chosen.len() as u32;
    types.ty().function([], []);

    let mut functions = FunctionSection::new();
    functions.function(start_type);
    let mut memories = MemorySection::new();
    memories.memory(MemoryType {
        minimum: pages,
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    let mut exports = ExportSection::new();
    exports.export("_start", ExportKind::Func, chosen.len() as u32);
    exports.export("memory", ExportKind::Memory, 0);

    let mut start = Function::new([]);
    {
        let mut sink = start.instructions();
        for _ in 0..1 + inp.below(8) {
            let which = inp.below(chosen.len());
            let c = chosen[which];
            for p in c.params.chars() {
                if p == 'I' {
                    sink.i64_const(i64_arg(inp));
                } else {
                    sink.i32_const(i32_arg(inp, mem));
                }
            }
            sink.call(which as u32);
            if c.returns {
                sink.drop();
            }
        }
        sink.end();
    }
    let mut code = CodeSection::new();
    code.function(&start);

    let mut data = DataSection::new();
    let fill = inp.rest();
    let fill = &fill[..fill.len().min(DICT as usize)];
    data.active(0, &ConstExpr::i32_const(0), fill.iter().copied());
    for &(off, bytes) in DICTIONARY {
        let at = (DICT + off) as i32;
        data.active(0, &ConstExpr::i32_const(at), bytes.iter().copied());
    }

    let mut module = Module::new();
    module.section(&types);
    module.section(&imports);
    module.section(&functions);
    module.section(&memories);
    module.section(&exports);
    module.section(&code);
    module.section(&data);
    (module.finish(), chosen)
}

/// The `wasi_call` target.
pub fn wasi_call(data: &[u8]) {
    let mut inp = Input::new(data);
    let n = inp.below(64);
    let stdin: Vec<u8> = inp.bytes(n).to_vec();
    let (wasm, chosen) = build(&mut inp, None);
    let outcome = harness::run(&wasm, &stdin);
    assert!(
        matches!(outcome, Outcome::Ended { .. }),
        "a generated module importing {chosen:?} did not start: {outcome:?}"
    );
}

/// A module calling `call` once, with arguments decoded from `data` (for tests).
#[cfg(test)]
pub(crate) fn module_calling(call: Call, data: &[u8]) -> Vec<u8> {
    build(&mut Input::new(data), Some(call)).0
}
