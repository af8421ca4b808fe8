//! A `wasmparser` operator visitor that decodes every operator but builds an [`Operator`]
//! only for the ones the rewrite may change: the threads proposal's, and `call`,
//! `return_call` and `ref.func` (whose function index moves when helper imports are
//! added). The scan (`scan.rs`) and the rewrite (`rewrite.rs`) walk function bodies with
//! it; decoding through it takes half the time of `OperatorsReader::read`, which builds
//! every operator.

use alloc::vec::Vec; // named by the types of some visit methods

use wasmparser::{Operator, VisitOperator, VisitSimdOperator};

/// The visitor; each visit yields `Some(operator)` for an operator that may change.
pub(crate) struct Changing;

/// `a == b`, usable in constant evaluation.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether the operator `op` of proposal group `proposal` (as named by wasmparser's
/// `for_each_visit_operator!`) may change.
const fn may_change(proposal: &str, op: &str) -> bool {
    same(proposal, "threads") || same(op, "Call") || same(op, "ReturnCall") || same(op, "RefFunc")
}

macro_rules! visit_changing {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
        $(
            #[inline]
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
                if const { may_change(stringify!($proposal), stringify!($op)) } {
                    Some(Operator::$op $({ $($arg),* })?)
                } else {
                    None
                }
            }
        )*
    };
}

macro_rules! visit_none {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
        $(
            #[inline]
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
                $($(let _ = $arg;)*)?
                None
            }
        )*
    };
}

impl<'a> VisitOperator<'a> for Changing {
    type Output = Option<Operator<'a>>;

    fn simd_visitor(&mut self) -> Option<&mut dyn VisitSimdOperator<'a, Output = Self::Output>> {
        Some(self)
    }

    wasmparser::for_each_visit_operator!(visit_changing);
}

/// No SIMD operator changes (but they must decode, or a SIMD body would be refused).
impl<'a> VisitSimdOperator<'a> for Changing {
    wasmparser::for_each_visit_simd_operator!(visit_none);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_threads_and_function_indices_change() {
        assert!(may_change("threads", "I32AtomicRmwAdd"));
        assert!(may_change("mvp", "Call"));
        assert!(may_change("tail_call", "ReturnCall"));
        assert!(may_change("reference_types", "RefFunc"));
        assert!(!may_change("mvp", "CallIndirect"));
        assert!(!may_change("shared_everything_threads", "GlobalAtomicGet"));
        assert!(!may_change("mvp", "Cal"));
    }
}
