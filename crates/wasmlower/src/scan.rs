//! The first pass: reads a module once, without changing it, and gathers what the rewrite
//! (`rewrite.rs`) must know before it writes its first section — the memories, the
//! function imports (helper imports shift every defined function), which helpers are used,
//! and per function whether its body must be re-encoded and which scratch locals it needs.
//! It also refuses the shapes this crate does not lower ([`Facts::check`]).

use alloc::vec::Vec;

use wasmparser::{ExternalKind, MemArg, MemArgTarget, MemoryType, Parser, Payload, TypeRef};

use crate::ops::{self, Atomic, Ty};
use crate::visit::Changing;
use crate::{AtomicsMode, Error, Stats};

/// Flags of one function body, from [`Facts::bodies`].
pub(crate) mod body {
    /// Holds a threads-proposal instruction.
    pub const ATOMIC: u8 = 1;
    /// Needs the address scratch local (an inline read-modify-write).
    pub const ADDR: u8 = 2;
    /// Needs the three `i32` scratch locals.
    pub const I32: u8 = 4;
    /// Needs the three `i64` scratch locals.
    pub const I64: u8 = 8;
    /// Names a function index (`call`, `return_call`, `ref.func`).
    pub const FUNC_REF: u8 = 16;
}

/// A memory of the module, in index order (imports first).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Memory<'a> {
    pub ty: MemoryType,
    /// `(module, name)` if imported.
    pub import: Option<(&'a str, &'a str)>,
}

/// What the scan learnt.
#[derive(Debug, Default)]
pub(crate) struct Facts<'a> {
    /// Per type index: the parameter count of a function type, `None` for other types.
    pub types: Vec<Option<u32>>,
    pub has_types: bool,
    pub has_imports: bool,
    pub has_exports: bool,
    /// Imported functions; defined functions start at this index.
    pub imported_funcs: u32,
    pub memories: Vec<Memory<'a>>,
    /// Per defined function: its type index.
    pub func_types: Vec<u32>,
    /// Memory 0 is exported (under any name).
    pub memory_exported: bool,
    /// Some export is already called `memory`.
    pub memory_name_taken: bool,
    /// Per code-section entry: [`body`] flags.
    pub bodies: Vec<u8>,
    /// Bit `i` set: [`ops::HOST_FUNCS`]`[i]` is used.
    pub helpers: u64,
    /// An atomic instruction's memarg names something other than memory 0.
    pub atomics_elsewhere: bool,
    pub stats: Stats,
}

impl Facts<'_> {
    /// Any memory is shared.
    pub(crate) fn shared(&self) -> bool {
        self.memories.iter().any(|m| m.ty.shared)
    }

    /// The module needs rewriting at all.
    pub(crate) fn needs_rewrite(&self) -> bool {
        self.shared() || self.stats.atomic_ops > 0
    }

    /// Refuses what this crate does not lower; call only if [`Facts::needs_rewrite`].
    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.memories.len() > 1 && (self.shared() || self.atomics_elsewhere) {
            return Err(Error::MultipleMemories);
        }
        if self.atomics_elsewhere {
            return Err(Error::AtomicsOnOtherMemory);
        }
        if self.memories.iter().any(|m| m.ty.memory64) {
            return Err(Error::Memory64);
        }
        Ok(())
    }

    /// The number of helper imports the rewrite adds.
    pub(crate) fn added_funcs(&self) -> u32 {
        self.helpers.count_ones()
    }

    /// The shared memory import the rewrite turns into a definition.
    pub(crate) fn dropped_import(&self) -> Option<&Memory<'_>> {
        self.memories
            .first()
            .filter(|m| m.ty.shared && m.import.is_some())
    }
}

/// Reads `wasm` once; `mode` decides which atomics become helper calls.
/// With `fast`, a body holding a `0xfe` byte is first walked by `skip.rs`, and decoded
/// by wasmparser only if that walk meets a threads operator or gives up.
pub(crate) fn scan(wasm: &[u8], mode: AtomicsMode, fast: bool) -> Result<Facts<'_>, Error> {
    let mut f = Facts::default();
    let host_rmw = mode == AtomicsMode::HostCalls;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::Version { encoding, .. } => {
                if encoding != wasmparser::Encoding::Module {
                    return Err(Error::NotAModule);
                }
            }
            Payload::TypeSection(reader) => {
                f.has_types = true;
                for group in reader {
                    for sub in group?.into_types() {
                        let params = match &sub.composite_type.inner {
                            wasmparser::CompositeInnerType::Func(ft) => {
                                u32::try_from(ft.params().len()).ok()
                            }
                            _ => None,
                        };
                        f.types.push(params);
                    }
                }
            }
            Payload::ImportSection(reader) => {
                f.has_imports = true;
                for import in reader.into_imports() {
                    let import = import?;
                    match import.ty {
                        TypeRef::Func(_) | TypeRef::FuncExact(_) => {
                            f.imported_funcs =
                                f.imported_funcs.checked_add(1).ok_or(Error::Limit)?;
                        }
                        TypeRef::Memory(ty) => f.memories.push(Memory {
                            ty,
                            import: Some((import.module, import.name)),
                        }),
                        _ => {}
                    }
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    f.func_types.push(ty?);
                }
            }
            Payload::MemorySection(reader) => {
                for ty in reader {
                    f.memories.push(Memory {
                        ty: ty?,
                        import: None,
                    });
                }
            }
            Payload::ExportSection(reader) => {
                f.has_exports = true;
                for export in reader {
                    let export = export?;
                    if export.kind == ExternalKind::Memory && export.index == 0 {
                        f.memory_exported = true;
                    }
                    if export.name == "memory" {
                        f.memory_name_taken = true;
                    }
                }
            }
            Payload::CodeSectionEntry(func) => {
                // Every threads-proposal opcode starts with the byte 0xfe: a body without
                // one has no atomics and need not be decoded (it may still call).
                // Most such bytes are immediates (a LEB128, a float): the fast walk tells.
                let flags =
                    if func.as_bytes().contains(&0xfe) && !(fast && no_threads_operator(&func)?) {
                        scan_body(&func, host_rmw, &mut f)?
                    } else {
                        body::FUNC_REF
                    };
                f.bodies.push(flags);
            }
            _ => {}
        }
    }
    if let Some(m) = f.memories.first() {
        f.stats.imported_memory = m.import.map(|(module, name)| (module.into(), name.into()));
        f.stats.initial_pages = m.ty.initial;
        f.stats.maximum_pages = m.ty.maximum;
    }
    Ok(f)
}

/// The fast walk (`skip.rs`) went through the whole body and met no threads operator.
fn no_threads_operator(func: &wasmparser::FunctionBody<'_>) -> Result<bool, Error> {
    let ops = func.get_operators_reader()?.original_position();
    let at = ops
        .checked_sub(func.range().start)
        .and_then(|rel| usize::try_from(rel).ok())
        .and_then(|rel| func.as_bytes().get(rel..))
        .ok_or(Error::Limit)?;
    Ok(crate::skip::walk(at, |_, _, _| {}) == crate::skip::Walk::Done)
}

/// Scans one function body, counting its atomics into `f`; returns its [`body`] flags.
fn scan_body(
    func: &wasmparser::FunctionBody<'_>,
    host_rmw: bool,
    f: &mut Facts<'_>,
) -> Result<u8, Error> {
    let mut flags = 0;
    let mut reader = func.get_operators_reader()?;
    while !reader.eof() {
        let Some(op) = reader.visit_operator(&mut Changing)? else {
            continue;
        };
        let Some((atomic, memarg)) = ops::classify(&op) else {
            flags |= body::FUNC_REF;
            continue;
        };
        flags |= body::ATOMIC;
        if let Some(memarg) = memarg {
            check_memarg(&memarg, atomic, f)?;
        }
        let s = &mut f.stats;
        s.atomic_ops = s.atomic_ops.saturating_add(1);
        match atomic {
            Atomic::Load(..) | Atomic::Store(..) => {}
            Atomic::Rmw(_, shape) => {
                s.rmw_ops = s.rmw_ops.saturating_add(1);
                if !host_rmw {
                    flags |= body::ADDR;
                    flags |= if shape.ty() == Ty::I32 {
                        body::I32
                    } else {
                        body::I64
                    };
                }
            }
            Atomic::Wait32 | Atomic::Wait64 => s.waits = s.waits.saturating_add(1),
            Atomic::Notify => s.notifies = s.notifies.saturating_add(1),
            Atomic::Fence => s.fences = s.fences.saturating_add(1),
        }
        if let Some(h) = atomic.helper(host_rmw) {
            f.helpers |= 1 << h;
        }
    }
    if flags & body::ATOMIC != 0 {
        f.stats.functions_touched = f.stats.functions_touched.saturating_add(1);
    }
    Ok(flags)
}

/// Atomics must name memory 0 with their natural alignment (the threads proposal makes
/// any other alignment a validation error; a plain access would accept a smaller one, so
/// the rewrite must not turn an invalid module valid).
fn check_memarg(memarg: &MemArg, atomic: Atomic, f: &mut Facts<'_>) -> Result<(), Error> {
    if memarg.target != MemArgTarget::Memory(0) {
        f.atomics_elsewhere = true;
    }
    let natural = atomic.bytes().trailing_zeros();
    if u32::from(memarg.align) != natural {
        return Err(Error::Alignment {
            align: memarg.align.into(),
            natural,
        });
    }
    Ok(())
}
