//! What loading a module costs the kernel heap, estimated from its section sizes before
//! anything is allocated (the spawn path refuses a module whose estimate does not fit).
//!
//! Loading follows code, not data: wasmi translates each function body into its own
//! register bytecode, several times the body's size, while a data segment is kept once, as
//! it is. Measured under the kernel (`compiled … took … KiB` at debug level): per byte of
//! code section 4.6× (sh), 5.3× (bench-cpu, wasi-test), 5.7× (ls); per byte of data 1.0×
//! (a 21 MB segment took 21.05 MB); ~50 KiB per module besides. The factors below keep a
//! margin over those. A module lowered from the threads proposal (`wasmlower`) is
//! rewritten once more first.

/// Heap per byte of the code section (measured at most 5.7×).
pub const CODE_FACTOR: usize = 8;
/// Heap per byte of data segments (measured 1.0×).
pub const DATA_FACTOR: usize = 2;
/// Heap per byte of every other section (types, imports, names, custom sections).
pub const OTHER_FACTOR: usize = 2;
/// Heap per module besides its sections (engine, linker, tables; measured ~50 KiB).
pub const PER_MODULE: usize = 256 << 10;

/// Bytes of a module by what they hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sections {
    pub code: usize,
    pub data: usize,
    pub other: usize,
}

/// Sorts a module's bytes into code, data and the rest, reading only section headers.
/// `None` when the headers do not parse (the module is then refused by validation anyway).
pub fn sections(bytes: &[u8]) -> Option<Sections> {
    use wasmparser::{Parser, Payload};
    let mut s = Sections::default();
    let mut parser = Parser::new(0);
    let mut at = 0;
    loop {
        let (consumed, payload) = match parser.parse(bytes.get(at..)?, true).ok()? {
            wasmparser::Chunk::Parsed { consumed, payload } => (consumed, payload),
            wasmparser::Chunk::NeedMoreData(_) => return None,
        };
        at += consumed;
        match payload {
            Payload::End(_) => break,
            Payload::CodeSectionStart { size, .. } => {
                // The header now, the bodies skipped: only their total matters here.
                s.code += consumed + size as usize;
                parser.skip_section();
                at += size as usize;
            }
            Payload::DataSection(_) => s.data += consumed,
            _ => s.other += consumed,
        }
    }
    Some(s)
}

/// The heap loading `bytes` may take: by section, or, when the headers do not parse, as if
/// everything were code.
pub fn estimate(bytes: &[u8], lowering: bool) -> usize {
    let s = sections(bytes).unwrap_or(Sections {
        code: bytes.len(),
        ..Sections::default()
    });
    let mut total = s
        .code
        .saturating_mul(CODE_FACTOR)
        .saturating_add(s.data.saturating_mul(DATA_FACTOR))
        .saturating_add(s.other.saturating_mul(OTHER_FACTOR))
        .saturating_add(PER_MODULE);
    if lowering {
        // The rewritten module beside the original while it is compiled.
        total = total.saturating_add(bytes.len().saturating_mul(2));
    }
    total
}

/// The heap a module's functions may take when translated one by one after loading
/// (lazy translation): the code's part of [`estimate`], set aside until the program goes.
pub fn code_reserve(bytes: &[u8]) -> usize {
    let code = sections(bytes).map_or(bytes.len(), |s| s.code);
    code.saturating_mul(CODE_FACTOR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_and_data_are_told_apart() {
        let data = "x".repeat(100_000);
        let wasm = wat::parse_str(format!(
            r#"(module (memory 2) (data (i32.const 0) "{data}")
                 (func (export "_start") (local i32)
                   (local.set 0 (i32.add (local.get 0) (i32.const 1)))
                   (local.set 0 (i32.add (local.get 0) (i32.const 1)))))"#
        ))
        .unwrap();
        let s = sections(&wasm).unwrap();
        assert!((100_000..100_020).contains(&s.data), "{s:?}");
        assert!((10..60).contains(&s.code), "{s:?}");
        assert_eq!(
            s.code + s.data + s.other,
            wasm.len(),
            "every byte counted once"
        );
        // Data-heavy: about twice its size, not eight times.
        let e = estimate(&wasm, false);
        assert!(e < 2 * wasm.len() + PER_MODULE + 1000, "{e}");
        assert!(estimate(&wasm, true) > e);
    }

    #[test]
    fn unparsable_headers_count_as_code() {
        let junk = b"\0asm\x01\0\0\0\x0a\xff\xff\xff\xff\x0f";
        assert_eq!(sections(junk), None);
        assert_eq!(estimate(junk, false), junk.len() * CODE_FACTOR + PER_MODULE);
        assert_eq!(sections(b"not wasm"), None);
    }
}
