//! Start sections run in the process's own slices. wasmi runs a module's start function
//! inside instantiation, which happens in the parent's `proc_spawn` (or an exec) where the
//! timer cannot preempt it: a start section that loops would hold the whole system. So a
//! module with a start section is rewritten at load time: the start section is dropped
//! and its function exported as [`START_EXPORT`]; the scheduler then calls that export as
//! the process's first resumable call, before `_start`, like any other code.
//!
//! The rewrite splices bytes: only the export section changes (one entry appended) and the
//! start section goes, so it costs a copy of the module and nothing else. A module with no
//! start section is not touched (the loader learns that from the header parse it does
//! anyway).

use alloc::vec::Vec;
use wasmlower::write_leb_u32 as write_u32;

/// The export the start function gets. Not a name a toolchain emits; a module that
/// exports it itself *and* has a start section ends up with a duplicate export, which the
/// validator refuses. A module without a start section that exports it is not affected:
/// the loader looks the export up only for modules it rewrote.
pub const START_EXPORT: &str = "\u{0}wasmkernel:start";

const SECTION_EXPORT: u8 = 7;
const SECTION_START: u8 = 8;
const HEADER: usize = 8;

/// Reads an unsigned LEB128 `u32` at `*pos`.
fn read_u32(bytes: &[u8], pos: &mut usize) -> Option<u32> {
    let mut value: u64 = 0;
    for i in 0..5 {
        let byte = *bytes.get(*pos)?;
        *pos += 1;
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return u32::try_from(value).ok();
        }
    }
    None
}

/// `wasm` without its start section and with function `func` exported as
/// [`START_EXPORT`]; `None` when the section layout does not parse (or there is no export
/// section), which the caller treats as an invalid module. `func` is the start section's
/// function index (the header parse found it); its type is not checked here — the loader
/// refuses the program when the export is not a `[] -> []` function.
pub fn hoist(wasm: &[u8], func: u32) -> Option<Vec<u8>> {
    if wasm.len() < HEADER {
        return None;
    }
    let mut out = Vec::new();
    out.try_reserve_exact(wasm.len().checked_add(32)?).ok()?;
    out.extend_from_slice(&wasm[..HEADER]);
    let mut pos = HEADER;
    let (mut exported, mut dropped) = (false, false);
    while pos < wasm.len() {
        let start = pos;
        let id = wasm[pos];
        pos += 1;
        let size = usize::try_from(read_u32(wasm, &mut pos)?).ok()?;
        let content = pos;
        let end = content.checked_add(size).filter(|&e| e <= wasm.len())?;
        pos = end;
        match id {
            SECTION_START if !dropped => dropped = true,
            SECTION_EXPORT if !exported => {
                exported = true;
                let mut at = content;
                let count = read_u32(&wasm[..end], &mut at)?;
                let mut body = Vec::new();
                body.try_reserve_exact(size + START_EXPORT.len() + 16)
                    .ok()?;
                write_u32(&mut body, count.checked_add(1)?);
                body.extend_from_slice(&wasm[at..end]);
                write_u32(&mut body, START_EXPORT.len() as u32);
                body.extend_from_slice(START_EXPORT.as_bytes());
                body.push(0); // a function
                write_u32(&mut body, func);
                out.push(SECTION_EXPORT);
                write_u32(&mut out, u32::try_from(body.len()).ok()?);
                out.extend_from_slice(&body);
            }
            _ => out.extend_from_slice(&wasm[start..end]),
        }
    }
    (exported && dropped).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exports(wasm: &[u8]) -> Vec<(alloc::string::String, u32)> {
        let mut v = Vec::new();
        let mut start = false;
        for p in wasmparser::Parser::new(0).parse_all(wasm) {
            match p.unwrap() {
                wasmparser::Payload::ExportSection(r) => {
                    for e in r {
                        let e = e.unwrap();
                        v.push((e.name.into(), e.index));
                    }
                }
                wasmparser::Payload::StartSection { .. } => start = true,
                _ => {}
            }
        }
        assert!(!start, "start section left in");
        v
    }

    #[test]
    fn the_start_function_becomes_an_export_and_the_section_goes() {
        let wasm = wat::parse_str(
            r#"(module (import "m" "f" (func))
                 (func $s) (func (export "_start")) (start $s))"#,
        )
        .unwrap();
        let out = hoist(&wasm, 1).unwrap();
        wasmi::Module::new(&wasmi::Engine::default(), &out[..]).unwrap();
        assert_eq!(
            exports(&out),
            [("_start".into(), 2), (START_EXPORT.into(), 1)]
        );
    }

    #[test]
    fn malformed_layouts_are_refused_not_panicked_on() {
        let wasm =
            wat::parse_str(r#"(module (func $s) (func (export "_start")) (start $s))"#).unwrap();
        for cut in 0..wasm.len() {
            let _ = hoist(&wasm[..cut], 0);
        }
        // No export section: nothing to add the export to.
        let wasm = wat::parse_str(r#"(module (func $s) (start $s))"#).unwrap();
        assert!(hoist(&wasm, 0).is_none());
        // A module of big sizes does not overflow.
        let mut big = wasm[..8].to_vec();
        big.extend_from_slice(&[7, 0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert!(hoist(&big, 0).is_none());
    }
}
