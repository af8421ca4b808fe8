//! The second pass: re-encodes the module through `wasm_encoder::reencode`, with [`Lower`]
//! overriding the hooks that change something — the type and import sections (helper
//! signatures and imports appended, the shared memory import dropped), memory types (no
//! longer shared), the export section (the memory exported), function indices (shifted
//! past the helper imports), function bodies (atomics lowered, see [`Lower::atomic`]) and
//! the `name` section (remapped). Sections the input lacks but the output needs are
//! inserted in their place by the section hook. Everything it must know up front comes
//! from the scan (`scan.rs`).

use alloc::string::ToString;
use alloc::vec::Vec;

use wasm_encoder::reencode::{self, Reencode, utils};
use wasm_encoder::{
    BlockType, CodeSection, EntityType, ExportKind, ExportSection, Function, ImportSection,
    InstructionSink, MemArg, MemArgTarget, MemorySection, Module, SectionId, TypeSection, ValType,
};

use crate::ops::{self, Atomic, HELPERS, HOST_FUNCS, HostFunc, HostType, Rmw, Shape, Ty};
use crate::scan::{Facts, body};
use crate::visit::Changing;
use crate::{AtomicsMode, Error, HOST_MODULE};

type RError = reencode::Error<Error>;

impl From<Error> for RError {
    fn from(e: Error) -> Self {
        reencode::Error::UserError(e)
    }
}

/// Re-encodes `wasm` as described by `facts` (which must need a rewrite and pass
/// [`Facts::check`]).
/// With `fast`, bodies without atomics are walked by `skip.rs` instead of wasmparser
/// where it can.
pub(crate) fn rewrite(
    wasm: &[u8],
    facts: &Facts<'_>,
    mode: AtomicsMode,
    fast: bool,
) -> Result<Vec<u8>, Error> {
    let mut lower = Lower::new(facts, mode)?;
    lower.fast = fast;
    let mut module = Module::new();
    lower
        .parse_core_module(&mut module, wasmparser::Parser::new(0), wasm)
        .map_err(|e| match e {
            reencode::Error::UserError(e) => e,
            reencode::Error::ParseError(e) => e.into(),
            other => Error::Encode(other.to_string()),
        })?;
    Ok(module.finish())
}

/// Sections the input lacks but the output needs, as bits of [`Lower::pending`].
mod pending {
    pub const TYPES: u8 = 1;
    pub const IMPORTS: u8 = 2;
    pub const MEMORY: u8 = 4;
    pub const EXPORTS: u8 = 8;
}

/// Scratch locals of one function body (indices), for inline read-modify-writes.
#[derive(Debug, Clone, Copy, Default)]
struct Scratch {
    /// The address operand.
    addr: u32,
    /// Three `i32` locals: value (or expected), replacement, old value.
    i32: u32,
    /// Three `i64` locals, likewise.
    i64: u32,
}

impl Scratch {
    fn for_ty(self, ty: Ty) -> (u32, u32, u32) {
        let base = match ty {
            Ty::I32 => self.i32,
            Ty::I64 => self.i64,
        };
        (base, base.wrapping_add(1), base.wrapping_add(2))
    }
}

struct Lower<'f, 'a> {
    facts: &'f Facts<'a>,
    host_rmw: bool,
    /// Helper imports added: every defined function's index grows by this.
    added: u32,
    /// Per [`HOST_FUNCS`] entry: its function index, if used.
    helper_func: [u32; HELPERS],
    /// Per [`HOST_FUNCS`] entry: its type index, if used.
    helper_type: [u32; HELPERS],
    /// Distinct helper signatures, appended to the type section in this order.
    new_types: Vec<&'static HostFunc>,
    pending: u8,
    export_memory: bool,
    /// The code-section entry being re-encoded.
    body: usize,
    /// Bodies without atomics are remapped by the fast walk where it can.
    fast: bool,
}

impl<'f, 'a> Lower<'f, 'a> {
    fn new(facts: &'f Facts<'a>, mode: AtomicsMode) -> Result<Self, Error> {
        let types = u32::try_from(facts.types.len()).map_err(|_| Error::Limit)?;
        let mut lower = Lower {
            facts,
            host_rmw: mode == AtomicsMode::HostCalls,
            added: facts.added_funcs(),
            helper_func: [0; HELPERS],
            helper_type: [0; HELPERS],
            new_types: Vec::new(),
            pending: 0,
            export_memory: false,
            body: 0,
            fast: true,
        };
        let mut next_func = facts.imported_funcs;
        for (h, func) in HOST_FUNCS.iter().enumerate() {
            if facts.helpers & (1 << h) == 0 {
                continue;
            }
            lower.helper_func[h] = next_func;
            next_func = next_func.checked_add(1).ok_or(Error::Limit)?;
            let same = |t: &&HostFunc| t.params == func.params && t.results == func.results;
            let slot = match lower.new_types.iter().position(same) {
                Some(slot) => slot,
                None => {
                    lower.new_types.push(func);
                    lower.new_types.len() - 1
                }
            };
            let slot = u32::try_from(slot).map_err(|_| Error::Limit)?;
            lower.helper_type[h] = types.checked_add(slot).ok_or(Error::Limit)?;
        }
        let dropped = facts.dropped_import().is_some();
        lower.export_memory = dropped && !facts.memory_exported && !facts.memory_name_taken;
        if lower.added > 0 && !facts.has_types {
            lower.pending |= pending::TYPES;
        }
        if lower.added > 0 && !facts.has_imports {
            lower.pending |= pending::IMPORTS;
        }
        if dropped {
            lower.pending |= pending::MEMORY;
        }
        if lower.export_memory && !facts.has_exports {
            lower.pending |= pending::EXPORTS;
        }
        Ok(lower)
    }

    fn emit_types(&self, types: &mut TypeSection) {
        let val = |t: &HostType| match t {
            HostType::I32 => ValType::I32,
            HostType::I64 => ValType::I64,
        };
        for func in &self.new_types {
            types
                .ty()
                .function(func.params.iter().map(val), func.results.iter().map(val));
        }
    }

    fn emit_imports(&self, imports: &mut ImportSection) {
        for (h, func) in HOST_FUNCS.iter().enumerate() {
            if self.facts.helpers & (1 << h) != 0 {
                imports.import(
                    HOST_MODULE,
                    func.name,
                    EntityType::Function(self.helper_type[h]),
                );
            }
        }
    }

    /// The dropped memory import as a definition, no longer shared.
    fn emit_memory(&mut self, memories: &mut MemorySection) -> Result<(), RError> {
        if let Some(m) = self.facts.dropped_import() {
            let ty = m.ty;
            memories.memory(self.memory_type(ty)?);
        }
        Ok(())
    }

    fn emit_export(&self, exports: &mut ExportSection) {
        if self.export_memory {
            exports.export("memory", ExportKind::Memory, 0);
        }
    }

    /// Rewrites one function body that holds atomics or may name a function index.
    ///
    /// Only the operators that change are re-encoded (atomics, and `call`, `return_call`
    /// and `ref.func`, whose function index moves); the bytes of every other operator,
    /// delimited by the parser, are copied as they are. Re-encoding whole bodies would
    /// triple the time of the rewrite for no difference in the output.
    fn function_body(
        &mut self,
        code: &mut CodeSection,
        func: &wasmparser::FunctionBody<'_>,
        flags: u8,
    ) -> Result<(), RError> {
        let ty = *self
            .facts
            .func_types
            .get(self.body)
            .ok_or(Error::FunctionCount)?;
        let params = self
            .facts
            .types
            .get(ty as usize)
            .copied()
            .flatten()
            .ok_or(Error::FunctionCount)?;
        let mut locals = Vec::new();
        let mut next = params;
        for pair in func.get_locals_reader()? {
            let (count, ty) = pair?;
            next = next.checked_add(count).ok_or(Error::Limit)?;
            locals.push((count, self.val_type(ty)?));
        }
        let mut scratch = Scratch::default();
        let mut take = |count: u32, ty: ValType, locals: &mut Vec<_>| {
            let first = next;
            next = next.checked_add(count).ok_or(Error::Limit)?;
            locals.push((count, ty));
            Ok::<_, Error>(first)
        };
        if flags & body::ADDR != 0 {
            scratch.addr = take(1, ValType::I32, &mut locals)?;
        }
        if flags & body::I32 != 0 {
            scratch.i32 = take(3, ValType::I32, &mut locals)?;
        }
        if flags & body::I64 != 0 {
            scratch.i64 = take(3, ValType::I64, &mut locals)?;
        }
        let mut f = Function::new(locals);

        let bytes = func.as_bytes();
        let start = func.range().start;
        let at = |pos: u64| {
            pos.checked_sub(start)
                .and_then(|rel| usize::try_from(rel).ok())
                .filter(|&rel| rel <= bytes.len())
                .ok_or(Error::Limit)
        };
        let mut reader = func.get_operators_reader()?;
        let mut copied = at(reader.original_position())?;
        while !reader.eof() {
            let op_start = at(reader.original_position())?;
            let Some(op) = reader.visit_operator(&mut Changing)? else {
                continue;
            };
            let atomic = ops::classify(&op);
            let unchanged = bytes.get(copied..op_start).ok_or(Error::Limit)?;
            f.raw(unchanged.iter().copied());
            match atomic {
                Some((atomic, memarg)) => {
                    let offset = memarg.map_or(0, |m| m.offset);
                    self.atomic(&mut f.instructions(), atomic, offset, scratch)?;
                }
                None => {
                    f.instruction(&self.instruction(op)?);
                }
            }
            copied = at(reader.original_position())?;
        }
        f.raw(bytes.get(copied..).ok_or(Error::Limit)?.iter().copied());
        code.function(&f);
        Ok(())
    }

    /// Remaps the function indices of a body without atomics with the fast walk
    /// (`skip.rs`): the local declarations and every other operator are copied as they
    /// are. `Ok(false)` (nothing written) when the walk gives up.
    fn remap_fast(
        &mut self,
        code: &mut CodeSection,
        func: &wasmparser::FunctionBody<'_>,
    ) -> Result<bool, RError> {
        let bytes = func.as_bytes();
        let ops_at = func
            .get_operators_reader()?
            .original_position()
            .checked_sub(func.range().start)
            .and_then(|rel| usize::try_from(rel).ok())
            .filter(|&rel| rel <= bytes.len())
            .ok_or(Error::Limit)?;
        let (locals, ops) = bytes.split_at(ops_at);
        // A remapped index is at most 5 bytes, as is the original: the same size unless an
        // index crosses a power of 128.
        let mut out = Vec::with_capacity(bytes.len() + 8);
        out.extend_from_slice(locals);
        let mut copied = 0;
        let mut failed = None;
        let walk = crate::skip::walk(ops, |start, end, index| {
            out.extend_from_slice(&ops[copied..start]);
            out.push(ops[start]);
            match self.function_index(index) {
                Ok(new) => crate::write_leb_u32(&mut out, new),
                Err(e) => failed = Some(e),
            }
            copied = end;
        });
        if let Some(e) = failed {
            return Err(e);
        }
        if walk != crate::skip::Walk::Done {
            return Ok(false);
        }
        out.extend_from_slice(&ops[copied..]);
        code.raw(&out);
        Ok(true)
    }

    /// Emits the plain replacement of one atomic instruction whose memarg offset is
    /// `offset` (the scan checked its memory is 0 and its alignment natural).
    ///
    /// Inline read-modify-writes keep the memarg offset on the plain load and store
    /// instead of adding it to the address, so the effective address is formed exactly as
    /// the original formed it: no wrap-around, the same out-of-bounds trap. The load comes
    /// first; once it has not trapped, the store to the same bytes cannot.
    fn atomic(
        &self,
        sink: &mut InstructionSink<'_>,
        atomic: Atomic,
        offset: u64,
        s: Scratch,
    ) -> Result<(), RError> {
        if let Some(h) = atomic.helper(self.host_rmw) {
            let offset = u32::try_from(offset).map_err(|_| Error::Limit)?;
            // The helper reads the offset back as a u32.
            sink.i32_const(offset as i32).call(self.helper_func[h]);
            return Ok(());
        }
        let bytes = atomic.bytes();
        let m = MemArg {
            offset,
            align: bytes.trailing_zeros(),
            target: MemArgTarget::Memory(0),
            ordering: None,
        };
        match atomic {
            Atomic::Load(shape) => load(sink, shape, m),
            Atomic::Store(shape) => store(sink, shape, m),
            Atomic::Rmw(Rmw::Cmpxchg, shape) => {
                // [addr expected replacement] -> [old]
                let (expected, replacement, old) = s.for_ty(shape.ty());
                sink.local_set(replacement)
                    .local_set(expected)
                    .local_tee(s.addr);
                load(sink, shape, m);
                sink.local_tee(old).local_get(expected);
                // A narrow compare-exchange compares with `expected` wrapped to the width.
                match shape {
                    Shape::I32 | Shape::I64 => {}
                    Shape::I32_8 => _ = sink.i32_const(0xff).i32_and(),
                    Shape::I32_16 => _ = sink.i32_const(0xffff).i32_and(),
                    Shape::I64_8 => _ = sink.i64_const(0xff).i64_and(),
                    Shape::I64_16 => _ = sink.i64_const(0xffff).i64_and(),
                    Shape::I64_32 => _ = sink.i64_const(0xffff_ffff).i64_and(),
                }
                match shape.ty() {
                    Ty::I32 => sink.i32_eq(),
                    Ty::I64 => sink.i64_eq(),
                };
                sink.if_(BlockType::Empty)
                    .local_get(s.addr)
                    .local_get(replacement);
                store(sink, shape, m);
                sink.end().local_get(old);
            }
            Atomic::Rmw(Rmw::Xchg, shape) => {
                // [addr value] -> [old]
                let (value, _, old) = s.for_ty(shape.ty());
                sink.local_set(value).local_tee(s.addr).local_get(s.addr);
                load(sink, shape, m);
                sink.local_set(old).local_get(value);
                store(sink, shape, m);
                sink.local_get(old);
            }
            Atomic::Rmw(op, shape) => {
                // [addr value] -> [old]
                let (value, _, old) = s.for_ty(shape.ty());
                sink.local_set(value).local_tee(s.addr).local_get(s.addr);
                load(sink, shape, m);
                sink.local_tee(old).local_get(value);
                match (op, shape.ty()) {
                    (Rmw::Add, Ty::I32) => sink.i32_add(),
                    (Rmw::Sub, Ty::I32) => sink.i32_sub(),
                    (Rmw::And, Ty::I32) => sink.i32_and(),
                    (Rmw::Or, Ty::I32) => sink.i32_or(),
                    (Rmw::Xor, Ty::I32) => sink.i32_xor(),
                    (Rmw::Add, Ty::I64) => sink.i64_add(),
                    (Rmw::Sub, Ty::I64) => sink.i64_sub(),
                    (Rmw::And, Ty::I64) => sink.i64_and(),
                    (Rmw::Or, Ty::I64) => sink.i64_or(),
                    (Rmw::Xor, Ty::I64) => sink.i64_xor(),
                    (Rmw::Xchg | Rmw::Cmpxchg, _) => sink, // matched above
                };
                store(sink, shape, m);
                sink.local_get(old);
            }
            // Nothing is reordered in a single-threaded interpreter.
            Atomic::Fence => {}
            // Always helper calls, returned above.
            Atomic::Wait32 | Atomic::Wait64 | Atomic::Notify => {}
        }
        Ok(())
    }
}

/// The plain load of `shape` (narrow loads zero-extend, as atomic loads do).
fn load(sink: &mut InstructionSink<'_>, shape: Shape, m: MemArg) {
    match shape {
        Shape::I32 => sink.i32_load(m),
        Shape::I64 => sink.i64_load(m),
        Shape::I32_8 => sink.i32_load8_u(m),
        Shape::I32_16 => sink.i32_load16_u(m),
        Shape::I64_8 => sink.i64_load8_u(m),
        Shape::I64_16 => sink.i64_load16_u(m),
        Shape::I64_32 => sink.i64_load32_u(m),
    };
}

/// The plain store of `shape` (narrow stores wrap, as atomic stores do).
fn store(sink: &mut InstructionSink<'_>, shape: Shape, m: MemArg) {
    match shape {
        Shape::I32 => sink.i32_store(m),
        Shape::I64 => sink.i64_store(m),
        Shape::I32_8 => sink.i32_store8(m),
        Shape::I32_16 => sink.i32_store16(m),
        Shape::I64_8 => sink.i64_store8(m),
        Shape::I64_16 => sink.i64_store16(m),
        Shape::I64_32 => sink.i64_store32(m),
    };
}

/// Where a non-custom section goes among the others (the binary format's order).
fn rank(id: SectionId) -> u8 {
    match id {
        SectionId::Type => 1,
        SectionId::Import => 2,
        SectionId::Function => 3,
        SectionId::Table => 4,
        SectionId::Memory => 5,
        SectionId::Tag => 6,
        SectionId::Global => 7,
        SectionId::Export => 8,
        SectionId::Start => 9,
        SectionId::Element => 10,
        SectionId::DataCount => 11,
        SectionId::Code => 12,
        SectionId::Data => 13,
        _ => 0,
    }
}

impl Reencode for Lower<'_, '_> {
    type Error = Error;

    fn function_index(&mut self, func: u32) -> Result<u32, RError> {
        if func < self.facts.imported_funcs {
            return Ok(func);
        }
        Ok(func.checked_add(self.added).ok_or(Error::Limit)?)
    }

    fn memory_type(
        &mut self,
        ty: wasmparser::MemoryType,
    ) -> Result<wasm_encoder::MemoryType, RError> {
        let mut ty = utils::memory_type(self, ty);
        ty.shared = false;
        Ok(ty)
    }

    fn intersperse_section_hook(
        &mut self,
        module: &mut Module,
        after: Option<SectionId>,
        before: Option<SectionId>,
    ) -> Result<(), RError> {
        let lo = after.map_or(0, rank);
        let hi = before.map_or(u8::MAX, rank);
        let fits = |id| lo < rank(id) && rank(id) < hi;
        if self.pending & pending::TYPES != 0 && fits(SectionId::Type) {
            self.pending &= !pending::TYPES;
            let mut types = TypeSection::new();
            self.emit_types(&mut types);
            module.section(&types);
        }
        if self.pending & pending::IMPORTS != 0 && fits(SectionId::Import) {
            self.pending &= !pending::IMPORTS;
            let mut imports = ImportSection::new();
            self.emit_imports(&mut imports);
            module.section(&imports);
        }
        if self.pending & pending::MEMORY != 0 && fits(SectionId::Memory) {
            self.pending &= !pending::MEMORY;
            let mut memories = MemorySection::new();
            self.emit_memory(&mut memories)?;
            module.section(&memories);
        }
        if self.pending & pending::EXPORTS != 0 && fits(SectionId::Export) {
            self.pending &= !pending::EXPORTS;
            let mut exports = ExportSection::new();
            self.emit_export(&mut exports);
            module.section(&exports);
        }
        Ok(())
    }

    fn parse_type_section(
        &mut self,
        types: &mut TypeSection,
        section: wasmparser::TypeSectionReader<'_>,
    ) -> Result<(), RError> {
        utils::parse_type_section(self, types, section)?;
        self.emit_types(types);
        Ok(())
    }

    fn parse_import_section(
        &mut self,
        imports: &mut ImportSection,
        section: wasmparser::ImportSectionReader<'_>,
    ) -> Result<(), RError> {
        for import in section.into_imports() {
            let import = import?;
            if matches!(import.ty, wasmparser::TypeRef::Memory(ty) if ty.shared) {
                // Defined instead, in the memory section (the hook inserts it).
                continue;
            }
            imports.import(import.module, import.name, self.entity_type(import.ty)?);
        }
        self.emit_imports(imports);
        Ok(())
    }

    fn parse_export_section(
        &mut self,
        exports: &mut ExportSection,
        section: wasmparser::ExportSectionReader<'_>,
    ) -> Result<(), RError> {
        utils::parse_export_section(self, exports, section)?;
        self.emit_export(exports);
        Ok(())
    }

    fn parse_function_body(
        &mut self,
        code: &mut CodeSection,
        func: wasmparser::FunctionBody<'_>,
    ) -> Result<(), RError> {
        let flags = *self
            .facts
            .bodies
            .get(self.body)
            .ok_or(Error::FunctionCount)?;
        let remap = self.added > 0 && flags & body::FUNC_REF != 0;
        let atomic = flags & body::ATOMIC != 0;
        if remap && !atomic && self.fast && self.remap_fast(code, &func)? {
            // Done by the fast walk.
        } else if atomic || remap {
            self.function_body(code, &func, flags)?;
        } else {
            code.raw(func.as_bytes());
        }
        self.body += 1;
        Ok(())
    }

    /// The `name` section is remapped when function indices move; one that does not parse
    /// is dropped then (it is debugging information, and wasmi ignores custom sections).
    /// Other custom sections are copied unchanged: DWARF's code offsets go stale, which
    /// only a debugger would notice.
    fn parse_custom_section(
        &mut self,
        module: &mut Module,
        section: wasmparser::CustomSectionReader<'_>,
    ) -> Result<(), RError> {
        match section.as_known() {
            wasmparser::KnownCustom::Name(names) if self.added > 0 => {
                if let Ok(names) = self.custom_name_section(names) {
                    module.section(&names);
                }
            }
            _ => {
                module.section(&self.custom_section(section)?);
            }
        }
        Ok(())
    }
}
