//! Lowers the WebAssembly threads proposal to plain WebAssembly at load time, so that an
//! interpreter without it (wasmi 2.0) can run WASIX binaries: wasix-libc and Rust's WASIX
//! target always import a shared `env.memory` and use atomic instructions, even in a
//! program that never starts a thread. [`lower`] takes module bytes and returns
//! [`Lowered`] bytes that validate with the threads feature off; [`needs_lowering`] is
//! the cheap test that lets a loader skip it. The runtime (`crates/runtime`) calls these
//! before compiling a module and links the helper imports listed below; this crate knows
//! nothing of the runtime. Inside, `scan` reads the module once to learn what must change,
//! `rewrite` re-encodes it through `wasm_encoder::reencode`, and `ops` sorts the
//! instructions and names the helpers.
//!
//! # What changes
//!
//! - **Shared memory.** An imported shared memory (wasix-libc: `env.memory`) becomes a
//!   defined memory with the same initial and maximum size, still memory 0, exported as
//!   `memory` unless memory 0 is already exported (or another export already has that
//!   name). A defined shared memory just loses the `shared` flag. Data segments are
//!   untouched, so passive segments and `memory.init` (wasix-libc's `__wasm_init_memory`)
//!   keep working. More than one memory when any is shared or any atomic names another
//!   memory, and 64-bit memories, are refused ([`Error`]).
//! - **Atomic loads and stores** become the plain load or store of the same width and
//!   extension with the same offset.
//! - **Read-modify-writes and compare-exchanges**, per [`AtomicsMode`]: either an
//!   equivalent plain sequence over scratch locals added to the function (`Inline`), or a
//!   call to a helper import (`HostCalls`).
//! - **`memory.atomic.wait32`, `memory.atomic.wait64`, `memory.atomic.notify`** always
//!   become calls to helper imports (a futex, for the kernel).
//! - **`atomic.fence`** is removed: nothing is reordered in an interpreter running one
//!   thread of the module at a time.
//!
//! A module with no shared memory and no atomic instruction comes back byte for byte.
//!
//! # Deviation: misaligned atomics do not trap
//!
//! The threads proposal traps on an atomic access whose effective address is not a
//! multiple of its width; a plain access does not. The lowered loads and stores (in both
//! modes) and inline read-modify-writes do not check: a misaligned one reads and writes
//! the bytes instead of trapping. Compilers never emit one (it is undefined behaviour in
//! C and Rust), and a check (`local.tee`, `i32.and`, `if unreachable end` on the address)
//! costs 9 to 11 bytes per access and, measured in release-built wasmi on a loop of aligned accesses,
//! doubles the time of a lowered `i32.atomic.rmw.add` (2.8 to 5.6 ns) and makes a lowered
//! `i32.atomic.load` five times dearer (0.7 to 3.6 ns): a price on every lock and
//! reference count for behaviour no correct program observes. Out-of-bounds accesses trap
//! exactly as before, at the same addresses. The helpers (`HostCalls`, wait, notify)
//! receive everything they need to trap on misalignment themselves.
//!
//! # Helper imports
//!
//! The rewrite imports, from module [`HOST_MODULE`] (`"wasmkernel"`), only the helpers a
//! module uses, after all of its own imports; [`HOST_FUNCS`] lists every one with its
//! signature. Each takes the original operands followed by the instruction's memarg
//! offset as an `i32` to be read as a `u32`; the effective address is
//! `addr as u32 as u64 + offset as u32 as u64` and must be bounds- (and alignment-)
//! checked by the host, trapping as the instruction would.
//!
//! | name | parameters | result | replaces |
//! | --- | --- | --- | --- |
//! | `atomic_wait32` | `addr i32, expected i32, timeout_ns i64, offset i32` | `i32` | `memory.atomic.wait32` |
//! | `atomic_wait64` | `addr i32, expected i64, timeout_ns i64, offset i32` | `i32` | `memory.atomic.wait64` |
//! | `atomic_notify` | `addr i32, count i32, offset i32` | `i32` | `memory.atomic.notify` |
//! | `i32_rmw_add` … | `addr i32, value i32, offset i32` | `i32` | `i32.atomic.rmw.add` … (`HostCalls` only) |
//! | `i64_rmw16_cmpxchg_u` … | `addr i32, expected i64, replacement i64, offset i32` | `i64` | `i64.atomic.rmw16.cmpxchg_u` … (`HostCalls` only) |
//!
//! Wait returns 0 (woken), 1 (the value was not `expected`) or 2 (timed out); a negative
//! timeout waits forever. Notify wakes up to `count` waiters (`count` read as a `u32`, so
//! -1 means all) and returns how many it woke. Read-modify-write helpers are named after the instruction with dots
//! as underscores and `atomic` left out (`i32_rmw8_add_u`, `i64_rmw_xchg`, …), return the
//! old value zero-extended, and for a narrow compare-exchange compare the loaded value
//! with `expected` wrapped to the width.
//!
//! Adding function imports shifts every defined function's index; the rewrite remaps
//! calls, `ref.func`, element segments, exports, the start function and the `name`
//! section (dropped if it does not parse); other custom sections are copied as they are
//! (DWARF's code offsets go stale). In `Inline` mode only wait and notify add imports.
//!
//! # Cost
//!
//! Linear in the module: a first pass looks only into the function bodies holding a
//! `0xfe` byte (every threads opcode starts with one); the second copies unchanged
//! operators' bytes and re-encodes only those that change. Bodies without atomics are
//! walked by a small decoder of their own (`skip.rs`: only the immediates' lengths, and
//! the function indices of calls, which move when helper imports are added), falling back
//! to wasmparser for any operator it does not know; only bodies with atomics go through
//! wasmparser. Lowering a 1.9 MB WASIX bash takes 5.3 ms on the host (Inline; 21.9 ms when
//! every body went through wasmparser), about a third of the time validating it takes.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

mod ops;
mod rewrite;
mod scan;
mod skip;
mod visit;

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

pub use ops::{HOST_FUNCS, HostFunc, HostType};

/// Appends `v` as an unsigned LEB128 (for the module rewriters here and in the runtime).
pub fn write_leb_u32(out: &mut Vec<u8>, mut v: u32) {
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

/// The import module of the helper functions the rewrite adds.
pub const HOST_MODULE: &str = "wasmkernel";

/// How read-modify-write and compare-exchange instructions are lowered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AtomicsMode {
    /// A plain load, compute, store sequence in the function itself: fast, and indivisible
    /// as long as one thread of the module runs at a time.
    #[default]
    Inline,
    /// A call to a helper import per instruction, so that a runtime with real threads can
    /// make each one indivisible (host calls are never preempted) without a second rewrite.
    /// Atomic loads and stores stay plain accesses in both modes.
    HostCalls,
}

/// Options of [`lower`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    /// How read-modify-writes are lowered.
    pub atomics: AtomicsMode,
}

/// The result of [`lower`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lowered {
    /// The lowered module.
    pub wasm: Vec<u8>,
    /// What was found and changed.
    pub stats: Stats,
}

/// What [`lower`] found and changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// `(module, name)` of memory 0 if the input imported it.
    pub imported_memory: Option<(String, String)>,
    /// Memory 0's initial size in pages (0 without a memory).
    pub initial_pages: u64,
    /// Memory 0's maximum size in pages.
    pub maximum_pages: Option<u64>,
    /// Threads-proposal instructions rewritten, of every kind (the sum of loads, stores,
    /// `rmw_ops`, `waits`, `notifies` and `fences`).
    pub atomic_ops: u32,
    /// Read-modify-writes and compare-exchanges.
    pub rmw_ops: u32,
    /// `memory.atomic.wait32` and `wait64`.
    pub waits: u32,
    /// `memory.atomic.notify`.
    pub notifies: u32,
    /// `atomic.fence`.
    pub fences: u32,
    /// Function bodies that held at least one threads-proposal instruction.
    pub functions_touched: u32,
}

/// Why [`lower`] refused a module.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The bytes do not parse as a WebAssembly module.
    Parse {
        /// The parser's message.
        message: String,
        /// The byte offset it stopped at.
        offset: u64,
    },
    /// A component or other non-module binary.
    NotAModule,
    /// More than one memory, and some is shared or some atomic names memory 1 or above.
    MultipleMemories,
    /// An atomic instruction names a memory that does not exist (or a GC array).
    AtomicsOnOtherMemory,
    /// A 64-bit memory (memory64) with threads to lower.
    Memory64,
    /// An atomic instruction's alignment is not its natural one (invalid in the threads
    /// proposal; lowering must not make it valid).
    Alignment {
        /// The alignment immediate, as a power of two.
        align: u32,
        /// The natural alignment, as a power of two.
        natural: u32,
    },
    /// The function and code sections disagree, or a function names a missing type.
    FunctionCount,
    /// An index, count, offset or size would leave its range (or the module is larger
    /// than [`MAX_INPUT`]).
    Limit,
    /// The re-encoder refused the module.
    Encode(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("lowering: ")?;
        match self {
            Error::Parse { message, offset } => {
                write!(f, "malformed module: {message} (at byte {offset:#x})")
            }
            Error::NotAModule => f.write_str("not a core WebAssembly module"),
            Error::MultipleMemories => {
                f.write_str("multiple memories with shared memory or atomics are not supported")
            }
            Error::AtomicsOnOtherMemory => {
                f.write_str("an atomic instruction names a memory other than memory 0")
            }
            Error::Memory64 => f.write_str("wasm64 memory (memory64) is not supported"),
            Error::Alignment { align, natural } => write!(
                f,
                "atomic instruction with alignment 2^{align}, its natural alignment is 2^{natural}"
            ),
            Error::FunctionCount => {
                f.write_str("function and code sections disagree, or a function type is missing")
            }
            Error::Limit => f.write_str("an index, count, offset or size exceeds its limit"),
            Error::Encode(why) => write!(f, "cannot re-encode the module: {why}"),
        }
    }
}

impl core::error::Error for Error {}

impl From<wasmparser::BinaryReaderError> for Error {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        Error::Parse {
            message: e.message().into(),
            offset: e.offset(),
        }
    }
}

/// The largest module [`lower`] takes. An inline compare-exchange is about a dozen times
/// the size of the instruction it replaces, and the encoder's sizes are `u32`: this keeps
/// every output below 4 GiB whatever the input holds.
pub const MAX_INPUT: usize = 256 << 20;

/// True iff some memory of `wasm`, imported or defined, is shared. Reads only the import
/// and memory sections (no function body), so it is cheap; malformed bytes give `false`
/// (leave the error to whoever parses them next). A module with atomics on a non-shared
/// memory — valid, but rare — also needs [`lower`] and is not detected here.
pub fn needs_lowering(wasm: &[u8]) -> bool {
    use wasmparser::{Payload, TypeRef};
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload {
            Ok(Payload::ImportSection(reader)) => {
                for import in reader.into_imports() {
                    match import {
                        Ok(i) if matches!(i.ty, TypeRef::Memory(m) if m.shared) => return true,
                        Ok(_) => {}
                        Err(_) => return false,
                    }
                }
            }
            Ok(Payload::MemorySection(reader)) => {
                for memory in reader {
                    match memory {
                        Ok(m) if m.shared => return true,
                        Ok(_) => {}
                        Err(_) => return false,
                    }
                }
            }
            // Memories are declared before any function body.
            Ok(Payload::CodeSectionStart { .. }) | Err(_) => return false,
            Ok(_) => {}
        }
    }
    false
}

/// Lowers the threads proposal in `wasm` (see the crate documentation). The input need
/// not have been validated: any bytes give `Ok` or an [`Error`], never a panic, with work
/// and memory linear in the input's size. The output is valid whenever the input is valid
/// under the threads proposal (short of a function already at the validator's limit of
/// locals, to which an inline read-modify-write adds up to seven).
pub fn lower(wasm: &[u8], opts: &Options) -> Result<Lowered, Error> {
    lower_with(wasm, opts, true)
}

/// [`lower`] with every function body decoded by wasmparser, never by the fast walk
/// (`skip.rs`): the reference the tests and the fuzzer compare [`lower`]'s output with.
#[doc(hidden)]
pub fn lower_decoding_every_body(wasm: &[u8], opts: &Options) -> Result<Lowered, Error> {
    lower_with(wasm, opts, false)
}

fn lower_with(wasm: &[u8], opts: &Options, fast: bool) -> Result<Lowered, Error> {
    if wasm.len() > MAX_INPUT {
        return Err(Error::Limit);
    }
    let facts = scan::scan(wasm, opts.atomics, fast)?;
    let stats = facts.stats.clone();
    if !facts.needs_rewrite() {
        return Ok(Lowered {
            wasm: wasm.to_vec(),
            stats,
        });
    }
    facts.check()?;
    let wasm = rewrite::rewrite(wasm, &facts, opts.atomics, fast)?;
    Ok(Lowered { wasm, stats })
}
