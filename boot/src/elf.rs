//! Just enough ELF64 reading for the boot tool: program headers (to place the kernel),
//! notes and named sections (to check how it was linked).

use anyhow::{Context, Result, bail};

/// One ELF64 program header.
pub struct Segment {
    pub kind: u32,
    pub offset: u64,
    pub vaddr: u64,
    pub file_len: u64,
    pub mem_len: u64,
}

pub const PT_LOAD: u32 = 1;
pub const PT_NOTE: u32 = 4;

/// The little-endian integer of `len` bytes at `at`.
pub fn le(b: &[u8], at: usize, len: usize) -> Result<u64> {
    let s = at
        .checked_add(len)
        .and_then(|end| b.get(at..end))
        .context("ELF file too short")?;
    Ok(s.iter().rev().fold(0u64, |v, &x| (v << 8) | u64::from(x)))
}

/// The program headers of a little-endian ELF64 file.
pub fn segments(elf: &[u8]) -> Result<Vec<Segment>> {
    if elf.get(..6) != Some(&[0x7f, b'E', b'L', b'F', 2, 1][..]) {
        bail!("not a little-endian ELF64 file");
    }
    let phoff = le(elf, 0x20, 8)? as usize;
    let phentsize = le(elf, 0x36, 2)? as usize;
    let phnum = le(elf, 0x38, 2)? as usize;
    (0..phnum)
        .map(|i| {
            let ph = phoff + i * phentsize;
            Ok(Segment {
                kind: le(elf, ph, 4)? as u32,
                offset: le(elf, ph + 0x08, 8)?,
                vaddr: le(elf, ph + 0x10, 8)?,
                file_len: le(elf, ph + 0x20, 8)?,
                mem_len: le(elf, ph + 0x28, 8)?,
            })
        })
        .collect()
}

/// The contents of the section named `name`, if the file has one.
pub fn section<'a>(elf: &'a [u8], name: &str) -> Result<Option<&'a [u8]>> {
    let shoff = le(elf, 0x28, 8)? as usize;
    let shentsize = le(elf, 0x3a, 2)? as usize;
    let shnum = le(elf, 0x3c, 2)? as usize;
    let shstrndx = le(elf, 0x3e, 2)? as usize;
    let header = |i: usize| shoff + i * shentsize;
    let bytes_of = |i: usize| -> Result<&'a [u8]> {
        let h = header(i);
        let (at, len) = (
            le(elf, h + 0x18, 8)? as usize,
            le(elf, h + 0x20, 8)? as usize,
        );
        at.checked_add(len)
            .and_then(|end| elf.get(at..end))
            .context("ELF section outside the file")
    };
    if shnum == 0 {
        return Ok(None);
    }
    let names = bytes_of(shstrndx)?;
    for i in 0..shnum {
        let at = le(elf, header(i), 4)? as usize;
        let found = names
            .get(at..)
            .and_then(|n| n.split(|&b| b == 0).next())
            .context("ELF section name outside the string table")?;
        if found == name.as_bytes() {
            return bytes_of(i).map(Some);
        }
    }
    Ok(None)
}

/// Checks that the kernel was linked with wasmi's instruction handlers and its dispatcher
/// in the section timer preemption relies on (`kernel/link.ld`, `kernel/src/arch/fiber.rs`):
/// the `.wasmkernel.preempt` section holds both ranges, and neither may be empty. A wasmi
/// upgrade that renames them would otherwise fall back to fuel-metered slices unseen.
pub fn check_preemption_ranges(elf: &[u8]) -> Result<()> {
    let Some(ranges) = section(elf, ".wasmkernel.preempt")? else {
        bail!("the kernel has no .wasmkernel.preempt section (kernel/link.ld not applied?)");
    };
    let word = |i: usize| le(ranges, 8 * i, 8);
    let (exec, entry) = ((word(0)?, word(1)?), (word(2)?, word(3)?));
    if exec.0 >= exec.1 {
        bail!(
            "no wasmi instruction handlers in .text.wasm: kernel/link.ld's patterns match \
             nothing in this wasmi (see the upgrade checklist in kernel/src/arch/fiber.rs)"
        );
    }
    if entry.0 >= entry.1 {
        bail!(
            "wasmi's dispatcher (execute_until_done) is not in .text.wasm: kernel/link.ld's \
             pattern matches nothing in this wasmi (see kernel/src/arch/fiber.rs)"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ELF64 file with section headers only: a string table and `.wasmkernel.preempt`
    /// holding `ranges`.
    fn elf_with(ranges: Option<[u64; 4]>) -> Vec<u8> {
        let mut b = vec![0u8; 64];
        b[..6].copy_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1]);
        let names = b"\0.shstrtab\0.wasmkernel.preempt\0";
        let names_at = b.len();
        b.extend_from_slice(names);
        let data_at = b.len();
        if let Some(r) = ranges {
            for v in r {
                b.extend(v.to_le_bytes());
            }
        }
        let shoff = b.len();
        let sh = |name: u32, at: usize, len: usize| {
            let mut h = vec![0u8; 64];
            h[..4].copy_from_slice(&name.to_le_bytes());
            h[0x18..0x20].copy_from_slice(&(at as u64).to_le_bytes());
            h[0x20..0x28].copy_from_slice(&(len as u64).to_le_bytes());
            h
        };
        let mut headers = sh(0, 0, 0);
        headers.extend(sh(1, names_at, names.len()));
        let n = if ranges.is_some() {
            headers.extend(sh(11, data_at, 32));
            3u16
        } else {
            2
        };
        b.extend(headers);
        b[0x28..0x30].copy_from_slice(&(shoff as u64).to_le_bytes());
        b[0x3a..0x3c].copy_from_slice(&64u16.to_le_bytes());
        b[0x3c..0x3e].copy_from_slice(&n.to_le_bytes());
        b[0x3e..0x40].copy_from_slice(&1u16.to_le_bytes());
        b
    }

    #[test]
    fn a_kernel_without_handler_or_dispatcher_ranges_is_refused() {
        assert!(check_preemption_ranges(&elf_with(Some([0x10, 0x20, 0x20, 0x28]))).is_ok());
        let no_handlers = check_preemption_ranges(&elf_with(Some([0x10, 0x10, 0x20, 0x28])));
        assert!(format!("{:#}", no_handlers.unwrap_err()).contains("instruction handlers"));
        let no_entry = check_preemption_ranges(&elf_with(Some([0x10, 0x20, 0x28, 0x28])));
        assert!(format!("{:#}", no_entry.unwrap_err()).contains("execute_until_done"));
        let none = check_preemption_ranges(&elf_with(None));
        assert!(format!("{:#}", none.unwrap_err()).contains("no .wasmkernel.preempt"));
    }
}
