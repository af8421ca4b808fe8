//! A data-heavy test program, generated: a few hundred bytes of code and one large data
//! segment of pseudo-random bytes, like programs that carry their assets inside the module
//! (flite's voices, fonts, dictionaries). Its `_start` folds the segment into a 64-bit
//! checksum (`sum = sum * 31 + word`, over little-endian 64-bit words) and prints it as 16
//! hex digits and a newline, so a run proves every byte arrived. The loading tests and
//! `bench` (kernel memory per MB of data) use it.

use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, DataSection, EntityType, ExportKind, ExportSection,
    Function, FunctionSection, ImportSection, Instruction as I, MemArg, MemArgTarget,
    MemorySection, MemoryType, Module, TypeSection, ValType,
};

/// Where the data segment starts in linear memory; its length is stored at [`LEN_AT`].
const DATA_AT: i32 = 1024;
const LEN_AT: i32 = 64;

/// The module and the line it prints. `len` is rounded down to a multiple of 8.
pub fn data_heavy(len: usize, seed: u64) -> (Vec<u8>, String) {
    let len = len / 8 * 8;
    let data = pseudo_random(len, seed);
    let sum = data
        .as_chunks::<8>()
        .0
        .iter()
        .map(|w| u64::from_le_bytes(*w))
        .fold(0u64, |s, w| s.wrapping_mul(31).wrapping_add(w));
    (module(&data), format!("{sum:016x}\n"))
}

/// xorshift64*: incompressible enough that the ramdisk's deflate cannot shrink it.
fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out.extend_from_slice(&x.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
    }
    out.truncate(len);
    out
}

fn mem(offset: u64, align: u32) -> MemArg {
    MemArg {
        offset,
        align,
        target: MemArgTarget::Memory(0),
        ordering: None,
    }
}

fn module(data: &[u8]) -> Vec<u8> {
    let mut types = TypeSection::new();
    types.ty().function([ValType::I32; 4], [ValType::I32]);
    types.ty().function([], []);
    let mut imports = ImportSection::new();
    imports.import(
        "wasi_snapshot_preview1",
        "fd_write",
        EntityType::Function(0),
    );
    let mut funcs = FunctionSection::new();
    funcs.function(1);
    let pages = (DATA_AT as u64 + data.len() as u64).div_ceil(65536) + 1;
    let mut memories = MemorySection::new();
    memories.memory(MemoryType {
        minimum: pages,
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    let mut exports = ExportSection::new();
    exports.export("memory", ExportKind::Memory, 0);
    exports.export("_start", ExportKind::Func, 1);

    // Locals: 0 i (address), 1 end, 2 sum (i64), 3 k (digit), 4 n (nibble).
    let mut f = Function::new([(2, ValType::I32), (1, ValType::I64), (2, ValType::I32)]);
    for ins in [
        I::I32Const(DATA_AT),
        I::LocalSet(0),
        I::I32Const(DATA_AT),
        I::I32Const(LEN_AT),
        I::I32Load(mem(0, 2)),
        I::I32Add,
        I::LocalSet(1),
        // while i < end: sum = sum * 31 + load64(i); i += 8
        I::Block(BlockType::Empty),
        I::Loop(BlockType::Empty),
        I::LocalGet(0),
        I::LocalGet(1),
        I::I32GeU,
        I::BrIf(1),
        I::LocalGet(2),
        I::I64Const(31),
        I::I64Mul,
        I::LocalGet(0),
        I::I64Load(mem(0, 3)),
        I::I64Add,
        I::LocalSet(2),
        I::LocalGet(0),
        I::I32Const(8),
        I::I32Add,
        I::LocalSet(0),
        I::Br(0),
        I::End,
        I::End,
        // for k in 0..16: mem[k] = hex digit of sum >> (60 - 4k)
        I::Block(BlockType::Empty),
        I::Loop(BlockType::Empty),
        I::LocalGet(3),
        I::I32Const(16),
        I::I32GeU,
        I::BrIf(1),
        I::LocalGet(2),
        I::I32Const(60),
        I::LocalGet(3),
        I::I32Const(4),
        I::I32Mul,
        I::I32Sub,
        I::I64ExtendI32U,
        I::I64ShrU,
        I::I64Const(15),
        I::I64And,
        I::I32WrapI64,
        I::LocalSet(4),
        I::LocalGet(3),
        I::LocalGet(4),
        I::I32Const(48),
        I::I32Const(87),
        I::LocalGet(4),
        I::I32Const(10),
        I::I32LtU,
        I::Select,
        I::I32Add,
        I::I32Store8(mem(0, 0)),
        I::LocalGet(3),
        I::I32Const(1),
        I::I32Add,
        I::LocalSet(3),
        I::Br(0),
        I::End,
        I::End,
        // mem[16] = '\n'; iovec at 32 = (0, 17); fd_write(1, 32, 1, 48)
        I::I32Const(16),
        I::I32Const(10),
        I::I32Store8(mem(0, 0)),
        I::I32Const(32),
        I::I32Const(0),
        I::I32Store(mem(0, 2)),
        I::I32Const(36),
        I::I32Const(17),
        I::I32Store(mem(0, 2)),
        I::I32Const(1),
        I::I32Const(32),
        I::I32Const(1),
        I::I32Const(48),
        I::Call(0),
        I::Drop,
        I::End,
    ] {
        f.instruction(&ins);
    }
    let mut code = CodeSection::new();
    code.function(&f);

    let mut datas = DataSection::new();
    let len = u32::try_from(data.len()).expect("data under 4 GiB");
    datas.active(0, &ConstExpr::i32_const(LEN_AT), len.to_le_bytes());
    datas.active(0, &ConstExpr::i32_const(DATA_AT), data.iter().copied());

    let mut m = Module::new();
    m.section(&types)
        .section(&imports)
        .section(&funcs)
        .section(&memories)
        .section(&exports)
        .section(&code)
        .section(&datas);
    m.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_module_holds_the_data_and_the_expected_line_is_its_checksum() {
        let (m, line) = data_heavy(100, 7);
        assert_eq!(&m[..8], b"\0asm\x01\0\0\0");
        let data = pseudo_random(96, 7);
        assert!(
            m.windows(96).any(|w| w == data),
            "the segment is in the module"
        );
        assert_eq!(line.len(), 17);
        let (m2, line2) = data_heavy(100, 8);
        assert_ne!((m.clone(), line.clone()), (m2, line2));
        assert_eq!(data_heavy(100, 7), (m, line), "deterministic");
    }
}
