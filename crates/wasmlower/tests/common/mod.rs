//! Helpers shared by the integration tests: lowering with checks, a wasmi instance of a
//! lowered module with the `wasmkernel` helpers implemented, and a model of the threads
//! proposal's read-modify-write semantics (written from the proposal's tables) to compare
//! against.
#![allow(dead_code)] // each test binary uses a different part

use wasmi::{Caller, Engine, Extern, Instance, Linker, Module, Store};
use wasmlower::{AtomicsMode, HOST_FUNCS, HOST_MODULE, Lowered, Options};

/// Page size of the test memories.
pub const PAGE: usize = 65536;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    And,
    Or,
    Xor,
    Xchg,
    Cmpxchg,
}

pub const OPS: [Op; 7] = [
    Op::Add,
    Op::Sub,
    Op::And,
    Op::Or,
    Op::Xor,
    Op::Xchg,
    Op::Cmpxchg,
];

impl Op {
    pub fn name(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Sub => "sub",
            Op::And => "and",
            Op::Or => "or",
            Op::Xor => "xor",
            Op::Xchg => "xchg",
            Op::Cmpxchg => "cmpxchg",
        }
    }
}

/// An operand type and access width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub wide: bool,
    pub bits: u32,
}

pub const SHAPES: [Shape; 7] = [
    Shape {
        wide: false,
        bits: 32,
    },
    Shape {
        wide: true,
        bits: 64,
    },
    Shape {
        wide: false,
        bits: 8,
    },
    Shape {
        wide: false,
        bits: 16,
    },
    Shape {
        wide: true,
        bits: 8,
    },
    Shape {
        wide: true,
        bits: 16,
    },
    Shape {
        wide: true,
        bits: 32,
    },
];

impl Shape {
    pub fn ty(self) -> &'static str {
        if self.wide { "i64" } else { "i32" }
    }
    pub fn full(self) -> bool {
        self.bits == if self.wide { 64 } else { 32 }
    }
    pub fn bytes(self) -> u64 {
        u64::from(self.bits / 8)
    }
    pub fn mask(self) -> u64 {
        if self.bits == 64 {
            u64::MAX
        } else {
            (1 << self.bits) - 1
        }
    }
    /// A short name for export names: `i64_16`.
    pub fn tag(self) -> String {
        format!("{}_{}", self.ty(), self.bits)
    }
    /// The text-format instruction of a read-modify-write.
    pub fn rmw(self, op: Op) -> String {
        if self.full() {
            format!("{}.atomic.rmw.{}", self.ty(), op.name())
        } else {
            format!("{}.atomic.rmw{}.{}_u", self.ty(), self.bits, op.name())
        }
    }
    pub fn load(self) -> String {
        if self.full() {
            format!("{}.atomic.load", self.ty())
        } else {
            format!("{}.atomic.load{}_u", self.ty(), self.bits)
        }
    }
    pub fn store(self) -> String {
        if self.full() {
            format!("{}.atomic.store", self.ty())
        } else {
            format!("{}.atomic.store{}", self.ty(), self.bits)
        }
    }
    /// The helper import a read-modify-write becomes in `HostCalls` mode.
    pub fn helper(self, op: Op) -> String {
        if self.full() {
            format!("{}_rmw_{}", self.ty(), op.name())
        } else {
            format!("{}_rmw{}_{}_u", self.ty(), self.bits, op.name())
        }
    }
}

/// The effective address of an access, or `None` if the threads proposal traps on it
/// (out of bounds or misaligned).
pub fn effective(mem_len: usize, addr: u32, offset: u32, bytes: u64) -> Option<usize> {
    let ea = u64::from(addr) + u64::from(offset);
    if ea + bytes > mem_len as u64 || ea % bytes != 0 {
        return None;
    }
    usize::try_from(ea).ok()
}

pub fn read_le(mem: &[u8], at: usize, bytes: u64) -> u64 {
    let mut v = 0u64;
    for i in (0..bytes as usize).rev() {
        v = (v << 8) | u64::from(mem[at + i]);
    }
    v
}

pub fn write_le(mem: &mut [u8], at: usize, bytes: u64, v: u64) {
    for i in 0..bytes as usize {
        mem[at + i] = (v >> (8 * i)) as u8;
    }
}

/// The threads proposal's read-modify-write on `mem`: `a` is the value (or `expected`),
/// `b` the replacement. Returns the old value zero-extended, or `None` for a trap.
pub fn model_rmw(
    mem: &mut [u8],
    shape: Shape,
    op: Op,
    addr: u32,
    offset: u32,
    a: u64,
    b: u64,
) -> Option<u64> {
    let n = shape.bytes();
    let at = effective(mem.len(), addr, offset, n)?;
    let old = read_le(mem, at, n);
    let new = match op {
        Op::Add => old.wrapping_add(a),
        Op::Sub => old.wrapping_sub(a),
        Op::And => old & a,
        Op::Or => old | a,
        Op::Xor => old ^ a,
        Op::Xchg => a,
        // A narrow compare-exchange compares with `expected` wrapped to the width.
        Op::Cmpxchg if old == a & shape.mask() => b,
        Op::Cmpxchg => old,
    };
    write_le(mem, at, n, new & shape.mask());
    Some(old)
}

/// The features wasmi 2.0 implements, that is, everything but the threads proposals.
pub fn no_threads() -> wasmparser::WasmFeatures {
    use wasmparser::WasmFeatures as F;
    F::all() & !F::THREADS & !F::SHARED_EVERYTHING_THREADS
}

/// Lowers `wasm` in `mode`, checking the output validates without threads and is byte
/// for byte what lowering gives when wasmparser decodes every body (no fast walk).
pub fn lower_checked(wasm: &[u8], mode: AtomicsMode) -> Lowered {
    let lowered = wasmlower::lower(wasm, &Options { atomics: mode })
        .unwrap_or_else(|e| panic!("lowering failed: {e}"));
    let reference = wasmlower::lower_decoding_every_body(wasm, &Options { atomics: mode })
        .unwrap_or_else(|e| panic!("lowering without the fast walk failed: {e}"));
    assert!(
        lowered == reference,
        "{mode:?}: the fast walk's output differs from wasmparser's"
    );
    if let Err(e) =
        wasmparser::Validator::new_with_features(no_threads()).validate_all(&lowered.wasm)
    {
        panic!("lowered output does not validate without threads: {e}");
    }
    lowered
}

/// What the test helpers record of wait and notify calls.
pub type Calls = Vec<(&'static str, Vec<i64>)>;

/// The result the test's `atomic_wait32`, `atomic_wait64` and `atomic_notify` return.
pub const WAIT32_RESULT: i32 = 2;
pub const WAIT64_RESULT: i32 = 1;
pub const NOTIFY_RESULT: i32 = 5;

fn trap(what: &str) -> wasmi::Error {
    wasmi::Error::new(format!("test helper trapped: {what}"))
}

fn host_rmw(
    caller: &mut Caller<'_, Calls>,
    shape: Shape,
    op: Op,
    addr: i32,
    a: u64,
    b: u64,
    offset: i32,
) -> Result<u64, wasmi::Error> {
    let memory = caller
        .get_export("memory")
        .and_then(Extern::into_memory)
        .ok_or_else(|| trap("no memory export"))?;
    let data = memory.data_mut(&mut *caller);
    model_rmw(data, shape, op, addr as u32, offset as u32, a, b)
        .ok_or_else(|| trap("out of bounds or misaligned"))
}

/// A linker with every `wasmkernel` helper: read-modify-writes through [`model_rmw`] on
/// the caller's memory, wait and notify recording their arguments.
pub fn linker(engine: &Engine) -> Linker<Calls> {
    let mut linker = Linker::new(engine);
    for func in HOST_FUNCS {
        let name = func.name;
        let rmw = OPS
            .iter()
            .flat_map(|&op| SHAPES.iter().map(move |&s| (op, s)))
            .find(|&(op, s)| s.helper(op) == name);
        let res = match (rmw, name) {
            (Some((op, s)), _) => match (op == Op::Cmpxchg, s.wide) {
                (false, false) => linker.func_wrap(
                    HOST_MODULE,
                    name,
                    move |mut c: Caller<'_, Calls>, addr: i32, v: i32, off: i32| {
                        host_rmw(&mut c, s, op, addr, u64::from(v as u32), 0, off)
                            .map(|r| r as u32 as i32)
                    },
                ),
                (false, true) => linker.func_wrap(
                    HOST_MODULE,
                    name,
                    move |mut c: Caller<'_, Calls>, addr: i32, v: i64, off: i32| {
                        host_rmw(&mut c, s, op, addr, v as u64, 0, off).map(|r| r as i64)
                    },
                ),
                (true, false) => linker.func_wrap(
                    HOST_MODULE,
                    name,
                    move |mut c: Caller<'_, Calls>, addr: i32, e: i32, r: i32, off: i32| {
                        host_rmw(
                            &mut c,
                            s,
                            op,
                            addr,
                            u64::from(e as u32),
                            u64::from(r as u32),
                            off,
                        )
                        .map(|r| r as u32 as i32)
                    },
                ),
                (true, true) => linker.func_wrap(
                    HOST_MODULE,
                    name,
                    move |mut c: Caller<'_, Calls>, addr: i32, e: i64, r: i64, off: i32| {
                        host_rmw(&mut c, s, op, addr, e as u64, r as u64, off).map(|r| r as i64)
                    },
                ),
            },
            (None, "atomic_wait32") => linker.func_wrap(
                HOST_MODULE,
                name,
                |mut c: Caller<'_, Calls>, addr: i32, e: i32, t: i64, off: i32| {
                    c.data_mut()
                        .push(("atomic_wait32", vec![addr.into(), e.into(), t, off.into()]));
                    WAIT32_RESULT
                },
            ),
            (None, "atomic_wait64") => linker.func_wrap(
                HOST_MODULE,
                name,
                |mut c: Caller<'_, Calls>, addr: i32, e: i64, t: i64, off: i32| {
                    c.data_mut()
                        .push(("atomic_wait64", vec![addr.into(), e, t, off.into()]));
                    WAIT64_RESULT
                },
            ),
            (None, "atomic_notify") => linker.func_wrap(
                HOST_MODULE,
                name,
                |mut c: Caller<'_, Calls>, addr: i32, n: i32, off: i32| {
                    c.data_mut()
                        .push(("atomic_notify", vec![addr.into(), n.into(), off.into()]));
                    NOTIFY_RESULT
                },
            ),
            (None, other) => panic!("HOST_FUNCS has {other}, which the tests do not know"),
        };
        res.expect("helper defined once");
    }
    linker
}

/// Compiles `wasm` (already lowered) in wasmi and instantiates it with [`linker`] plus
/// `extra` definitions, running its start function.
pub fn instantiate(
    wasm: &[u8],
    extra: impl FnOnce(&mut Linker<Calls>),
) -> (Store<Calls>, Instance) {
    let engine = Engine::default();
    let module = Module::new(&engine, wasm).unwrap_or_else(|e| panic!("wasmi refused: {e}"));
    let mut linker = linker(&engine);
    extra(&mut linker);
    let mut store = Store::new(&engine, Calls::new());
    let instance = linker
        .instantiate_and_start(&mut store, &module)
        .unwrap_or_else(|e| panic!("instantiation failed: {e}"));
    (store, instance)
}

/// Lowers `wat` in both modes and instantiates each.
pub fn both_modes(wat: &str) -> [(AtomicsMode, Store<Calls>, Instance); 2] {
    let wasm = wat::parse_str(wat).expect("test module parses");
    [AtomicsMode::Inline, AtomicsMode::HostCalls].map(|mode| {
        let lowered = lower_checked(&wasm, mode);
        let (store, instance) = instantiate(&lowered.wasm, |_| {});
        (mode, store, instance)
    })
}
