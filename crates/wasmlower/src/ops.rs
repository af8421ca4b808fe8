//! The threads proposal's instructions as this crate sees them: [`classify`] sorts a
//! `wasmparser` operator into an [`Atomic`] (width, type, read-modify-write operation),
//! and [`HOST_FUNCS`] is the one table of helper imports the rewrite may add, indexed by
//! [`Atomic::helper`]. The scan (`scan.rs`) counts with these; the rewrite (`rewrite.rs`)
//! emits the plain sequences and calls.

use wasmparser::{MemArg, Operator};

/// A value type in a helper import's signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostType {
    /// `i32`
    I32,
    /// `i64`
    I64,
}

/// One helper function the rewrite may import from [`HOST_MODULE`](crate::HOST_MODULE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostFunc {
    /// The import's field name.
    pub name: &'static str,
    /// Parameter types, in order.
    pub params: &'static [HostType],
    /// Result types.
    pub results: &'static [HostType],
}

use HostType::{I32, I64};

/// Builds the seven entries of one read-modify-write operation, in the order of
/// [`Shape`]: the plain op's signature is `(addr i32, value T, offset i32) -> T`, the
/// compare-exchange's `(addr i32, expected T, replacement T, offset i32) -> T`.
macro_rules! rmw_row {
    ($op:literal, $p32:expr, $p64:expr) => {
        [
            HostFunc {
                name: concat!("i32_rmw_", $op),
                params: $p32,
                results: &[I32],
            },
            HostFunc {
                name: concat!("i64_rmw_", $op),
                params: $p64,
                results: &[I64],
            },
            HostFunc {
                name: concat!("i32_rmw8_", $op, "_u"),
                params: $p32,
                results: &[I32],
            },
            HostFunc {
                name: concat!("i32_rmw16_", $op, "_u"),
                params: $p32,
                results: &[I32],
            },
            HostFunc {
                name: concat!("i64_rmw8_", $op, "_u"),
                params: $p64,
                results: &[I64],
            },
            HostFunc {
                name: concat!("i64_rmw16_", $op, "_u"),
                params: $p64,
                results: &[I64],
            },
            HostFunc {
                name: concat!("i64_rmw32_", $op, "_u"),
                params: $p64,
                results: &[I64],
            },
        ]
    };
}

const RMW32: &[HostType] = &[I32, I32, I32];
const RMW64: &[HostType] = &[I32, I64, I32];
const CMPXCHG32: &[HostType] = &[I32, I32, I32, I32];
const CMPXCHG64: &[HostType] = &[I32, I64, I64, I32];

/// The number of [`Shape`]s, a row of [`HOST_FUNCS`].
const SHAPES: usize = 7;

/// Every helper import the rewrite can add: seven rows of seven read-modify-writes (add,
/// sub, and, or, xor, xchg, cmpxchg; each row `i32`, `i64`, `i32` 8- and 16-bit, `i64` 8-,
/// 16- and 32-bit), then `atomic_wait32`, `atomic_wait64` and `atomic_notify`. Each takes
/// the instruction's operands followed by the memarg offset as an `i32` (to be read as
/// `u32`). A lowered module imports those it uses, in this order, from
/// [`HOST_MODULE`](crate::HOST_MODULE).
pub const HOST_FUNCS: &[HostFunc] = &{
    let rows = [
        rmw_row!("add", RMW32, RMW64),
        rmw_row!("sub", RMW32, RMW64),
        rmw_row!("and", RMW32, RMW64),
        rmw_row!("or", RMW32, RMW64),
        rmw_row!("xor", RMW32, RMW64),
        rmw_row!("xchg", RMW32, RMW64),
        rmw_row!("cmpxchg", CMPXCHG32, CMPXCHG64),
    ];
    let wait32 = HostFunc {
        name: "atomic_wait32",
        params: &[I32, I32, I64, I32],
        results: &[I32],
    };
    let wait64 = HostFunc {
        name: "atomic_wait64",
        params: &[I32, I64, I64, I32],
        results: &[I32],
    };
    let notify = HostFunc {
        name: "atomic_notify",
        params: &[I32, I32, I32],
        results: &[I32],
    };
    let mut all = [notify; HELPERS];
    let mut i = 0;
    while i < RMW_HELPERS {
        all[i] = rows[i / SHAPES][i % SHAPES];
        i += 1;
    }
    all[WAIT32] = wait32;
    all[WAIT64] = wait64;
    all
};

/// Read-modify-write helpers: seven operations times seven shapes.
const RMW_HELPERS: usize = 49;
const WAIT32: usize = RMW_HELPERS;
const WAIT64: usize = RMW_HELPERS + 1;
const NOTIFY: usize = RMW_HELPERS + 2;
/// The length of [`HOST_FUNCS`]; a `u64` bit set covers it.
pub(crate) const HELPERS: usize = RMW_HELPERS + 3;
const _: () = assert!(HELPERS <= 64, "the scan keeps the used helpers in a u64");

/// The integer type an atomic instruction works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    I32,
    I64,
}

/// The operation of a read-modify-write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rmw {
    Add,
    Sub,
    And,
    Or,
    Xor,
    Xchg,
    Cmpxchg,
}

/// The value type and access width of a load, store or read-modify-write, in
/// [`HOST_FUNCS`] column order: `I64_16` is an `i64` operand with a 16-bit access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)] // the names spell the instruction names' `i64.…16` parts
pub(crate) enum Shape {
    I32,
    I64,
    I32_8,
    I32_16,
    I64_8,
    I64_16,
    I64_32,
}

impl Shape {
    /// The operand type.
    pub(crate) fn ty(self) -> Ty {
        match self {
            Shape::I32 | Shape::I32_8 | Shape::I32_16 => Ty::I32,
            _ => Ty::I64,
        }
    }

    /// The bytes accessed.
    pub(crate) fn bytes(self) -> u8 {
        match self {
            Shape::I32_8 | Shape::I64_8 => 1,
            Shape::I32_16 | Shape::I64_16 => 2,
            Shape::I32 | Shape::I64_32 => 4,
            Shape::I64 => 8,
        }
    }
}

/// A threads-proposal instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Atomic {
    Load(Shape),
    Store(Shape),
    Rmw(Rmw, Shape),
    Wait32,
    Wait64,
    Notify,
    Fence,
}

impl Atomic {
    /// The number of bytes accessed (0 for a fence), which is also the required alignment.
    pub(crate) fn bytes(self) -> u8 {
        match self {
            Atomic::Load(s) | Atomic::Store(s) | Atomic::Rmw(_, s) => s.bytes(),
            Atomic::Wait32 | Atomic::Notify => 4,
            Atomic::Wait64 => 8,
            Atomic::Fence => 0,
        }
    }

    /// The index in [`HOST_FUNCS`] of the helper this instruction becomes a call to
    /// (read-modify-writes only if `host_rmw`), if it becomes a call.
    pub(crate) fn helper(self, host_rmw: bool) -> Option<usize> {
        match self {
            Atomic::Rmw(op, shape) if host_rmw => Some(op as usize * SHAPES + shape as usize),
            Atomic::Wait32 => Some(WAIT32),
            Atomic::Wait64 => Some(WAIT64),
            Atomic::Notify => Some(NOTIFY),
            _ => None,
        }
    }
}

/// Sorts `op` into an [`Atomic`] and its memarg (`None` for a fence); `None` for every
/// operator outside the threads proposal.
pub(crate) fn classify(op: &Operator<'_>) -> Option<(Atomic, Option<MemArg>)> {
    use Atomic::{Load, Store};
    use Operator as O;
    use Rmw::*;
    use Shape::{I32, I32_8, I32_16, I64, I64_8, I64_16, I64_32};
    let (atomic, memarg) = match *op {
        O::AtomicFence { .. } => return Some((Atomic::Fence, None)),
        O::MemoryAtomicNotify { memarg } => (Atomic::Notify, memarg),
        O::MemoryAtomicWait32 { memarg } => (Atomic::Wait32, memarg),
        O::MemoryAtomicWait64 { memarg } => (Atomic::Wait64, memarg),

        O::I32AtomicLoad { memarg } => (Load(I32), memarg),
        O::I64AtomicLoad { memarg } => (Load(I64), memarg),
        O::I32AtomicLoad8U { memarg } => (Load(I32_8), memarg),
        O::I32AtomicLoad16U { memarg } => (Load(I32_16), memarg),
        O::I64AtomicLoad8U { memarg } => (Load(I64_8), memarg),
        O::I64AtomicLoad16U { memarg } => (Load(I64_16), memarg),
        O::I64AtomicLoad32U { memarg } => (Load(I64_32), memarg),

        O::I32AtomicStore { memarg } => (Store(I32), memarg),
        O::I64AtomicStore { memarg } => (Store(I64), memarg),
        O::I32AtomicStore8 { memarg } => (Store(I32_8), memarg),
        O::I32AtomicStore16 { memarg } => (Store(I32_16), memarg),
        O::I64AtomicStore8 { memarg } => (Store(I64_8), memarg),
        O::I64AtomicStore16 { memarg } => (Store(I64_16), memarg),
        O::I64AtomicStore32 { memarg } => (Store(I64_32), memarg),

        O::I32AtomicRmwAdd { memarg } => (Atomic::Rmw(Add, I32), memarg),
        O::I64AtomicRmwAdd { memarg } => (Atomic::Rmw(Add, I64), memarg),
        O::I32AtomicRmw8AddU { memarg } => (Atomic::Rmw(Add, I32_8), memarg),
        O::I32AtomicRmw16AddU { memarg } => (Atomic::Rmw(Add, I32_16), memarg),
        O::I64AtomicRmw8AddU { memarg } => (Atomic::Rmw(Add, I64_8), memarg),
        O::I64AtomicRmw16AddU { memarg } => (Atomic::Rmw(Add, I64_16), memarg),
        O::I64AtomicRmw32AddU { memarg } => (Atomic::Rmw(Add, I64_32), memarg),

        O::I32AtomicRmwSub { memarg } => (Atomic::Rmw(Sub, I32), memarg),
        O::I64AtomicRmwSub { memarg } => (Atomic::Rmw(Sub, I64), memarg),
        O::I32AtomicRmw8SubU { memarg } => (Atomic::Rmw(Sub, I32_8), memarg),
        O::I32AtomicRmw16SubU { memarg } => (Atomic::Rmw(Sub, I32_16), memarg),
        O::I64AtomicRmw8SubU { memarg } => (Atomic::Rmw(Sub, I64_8), memarg),
        O::I64AtomicRmw16SubU { memarg } => (Atomic::Rmw(Sub, I64_16), memarg),
        O::I64AtomicRmw32SubU { memarg } => (Atomic::Rmw(Sub, I64_32), memarg),

        O::I32AtomicRmwAnd { memarg } => (Atomic::Rmw(And, I32), memarg),
        O::I64AtomicRmwAnd { memarg } => (Atomic::Rmw(And, I64), memarg),
        O::I32AtomicRmw8AndU { memarg } => (Atomic::Rmw(And, I32_8), memarg),
        O::I32AtomicRmw16AndU { memarg } => (Atomic::Rmw(And, I32_16), memarg),
        O::I64AtomicRmw8AndU { memarg } => (Atomic::Rmw(And, I64_8), memarg),
        O::I64AtomicRmw16AndU { memarg } => (Atomic::Rmw(And, I64_16), memarg),
        O::I64AtomicRmw32AndU { memarg } => (Atomic::Rmw(And, I64_32), memarg),

        O::I32AtomicRmwOr { memarg } => (Atomic::Rmw(Or, I32), memarg),
        O::I64AtomicRmwOr { memarg } => (Atomic::Rmw(Or, I64), memarg),
        O::I32AtomicRmw8OrU { memarg } => (Atomic::Rmw(Or, I32_8), memarg),
        O::I32AtomicRmw16OrU { memarg } => (Atomic::Rmw(Or, I32_16), memarg),
        O::I64AtomicRmw8OrU { memarg } => (Atomic::Rmw(Or, I64_8), memarg),
        O::I64AtomicRmw16OrU { memarg } => (Atomic::Rmw(Or, I64_16), memarg),
        O::I64AtomicRmw32OrU { memarg } => (Atomic::Rmw(Or, I64_32), memarg),

        O::I32AtomicRmwXor { memarg } => (Atomic::Rmw(Xor, I32), memarg),
        O::I64AtomicRmwXor { memarg } => (Atomic::Rmw(Xor, I64), memarg),
        O::I32AtomicRmw8XorU { memarg } => (Atomic::Rmw(Xor, I32_8), memarg),
        O::I32AtomicRmw16XorU { memarg } => (Atomic::Rmw(Xor, I32_16), memarg),
        O::I64AtomicRmw8XorU { memarg } => (Atomic::Rmw(Xor, I64_8), memarg),
        O::I64AtomicRmw16XorU { memarg } => (Atomic::Rmw(Xor, I64_16), memarg),
        O::I64AtomicRmw32XorU { memarg } => (Atomic::Rmw(Xor, I64_32), memarg),

        O::I32AtomicRmwXchg { memarg } => (Atomic::Rmw(Xchg, I32), memarg),
        O::I64AtomicRmwXchg { memarg } => (Atomic::Rmw(Xchg, I64), memarg),
        O::I32AtomicRmw8XchgU { memarg } => (Atomic::Rmw(Xchg, I32_8), memarg),
        O::I32AtomicRmw16XchgU { memarg } => (Atomic::Rmw(Xchg, I32_16), memarg),
        O::I64AtomicRmw8XchgU { memarg } => (Atomic::Rmw(Xchg, I64_8), memarg),
        O::I64AtomicRmw16XchgU { memarg } => (Atomic::Rmw(Xchg, I64_16), memarg),
        O::I64AtomicRmw32XchgU { memarg } => (Atomic::Rmw(Xchg, I64_32), memarg),

        O::I32AtomicRmwCmpxchg { memarg } => (Atomic::Rmw(Cmpxchg, I32), memarg),
        O::I64AtomicRmwCmpxchg { memarg } => (Atomic::Rmw(Cmpxchg, I64), memarg),
        O::I32AtomicRmw8CmpxchgU { memarg } => (Atomic::Rmw(Cmpxchg, I32_8), memarg),
        O::I32AtomicRmw16CmpxchgU { memarg } => (Atomic::Rmw(Cmpxchg, I32_16), memarg),
        O::I64AtomicRmw8CmpxchgU { memarg } => (Atomic::Rmw(Cmpxchg, I64_8), memarg),
        O::I64AtomicRmw16CmpxchgU { memarg } => (Atomic::Rmw(Cmpxchg, I64_16), memarg),
        O::I64AtomicRmw32CmpxchgU { memarg } => (Atomic::Rmw(Cmpxchg, I64_32), memarg),
        _ => return None,
    };
    Some((atomic, Some(memarg)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helper_table_is_indexed_as_documented() {
        assert_eq!(HOST_FUNCS.len(), HELPERS);
        let idx = |a: Atomic| HOST_FUNCS[a.helper(true).unwrap()].name;
        assert_eq!(idx(Atomic::Rmw(Rmw::Add, Shape::I32)), "i32_rmw_add");
        assert_eq!(idx(Atomic::Rmw(Rmw::Xor, Shape::I64)), "i64_rmw_xor");
        assert_eq!(
            idx(Atomic::Rmw(Rmw::Cmpxchg, Shape::I64_8)),
            "i64_rmw8_cmpxchg_u"
        );
        assert_eq!(
            idx(Atomic::Rmw(Rmw::Xchg, Shape::I32_16)),
            "i32_rmw16_xchg_u"
        );
        assert_eq!(idx(Atomic::Rmw(Rmw::Sub, Shape::I64_32)), "i64_rmw32_sub_u");
        assert_eq!(idx(Atomic::Wait32), "atomic_wait32");
        assert_eq!(idx(Atomic::Wait64), "atomic_wait64");
        assert_eq!(idx(Atomic::Notify), "atomic_notify");
        assert_eq!(Atomic::Rmw(Rmw::Add, Shape::I32).helper(false), None);
        assert_eq!(Atomic::Notify.helper(false), Some(NOTIFY));
        let mut names: alloc::vec::Vec<_> = HOST_FUNCS.iter().map(|h| h.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), HELPERS, "helper names are unique");
        let cx = &HOST_FUNCS[Atomic::Rmw(Rmw::Cmpxchg, Shape::I64_32)
            .helper(true)
            .unwrap()];
        assert_eq!((cx.params, cx.results), (CMPXCHG64, &[I64][..]));
    }
}
