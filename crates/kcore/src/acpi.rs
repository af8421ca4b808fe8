//! The little of ACPI a VM needs to switch itself off and restart: find the RSDP, walk the
//! RSDT/XSDT to the FADT, read the PM1 control blocks and the reset register from it, and
//! the S5 (soft-off) sleep type from the DSDT's `\_S5` package. No AML interpreter: `_S5`
//! is a plain named package of integers in every firmware we target (QEMU's i440fx and q35
//! tables under SeaBIOS and OVMF, and the usual hypervisors), so it is found by its name.
//!
//! Pure logic over a [`PhysMem`] view of physical memory: the kernel gives the real one,
//! tests give tables built in a vector. Every table is checked (signature, length,
//! checksum) before a field of it is believed.

/// A read-only view of physical memory.
pub trait PhysMem {
    /// `len` bytes at physical `addr`, or None when that range is not mapped.
    fn bytes(&self, addr: u64, len: usize) -> Option<&[u8]>;
}

/// A register in the Generic Address Structure's sense, reduced to what we write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Register {
    /// An I/O port.
    Io(u16),
    /// A memory-mapped byte at this physical address.
    Memory(u64),
}

/// What powering off and resetting need, from the FADT and DSDT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Power {
    /// PM1a control block (I/O port); SLP_TYP and SLP_EN are written here.
    pub pm1a_cnt: u16,
    /// PM1b control block, when the chipset has one.
    pub pm1b_cnt: Option<u16>,
    /// The S5 sleep types for PM1a and PM1b (the `\_S5` package's first two values).
    pub s5: (u8, u8),
    /// SMI command port and the value that switches the firmware into ACPI mode (both 0
    /// when the system is always in ACPI mode).
    pub smi_cmd: u16,
    pub acpi_enable: u8,
    /// The reset register and value, when the FADT offers one.
    pub reset: Option<(Register, u8)>,
}

/// PM1 control: SCI_EN (ACPI mode is on).
pub const PM1_SCI_EN: u16 = 1;
/// PM1 control: SLP_EN (enter the sleep state in SLP_TYP).
pub const PM1_SLP_EN: u16 = 1 << 13;

impl Power {
    /// The value to write to a PM1 control register for soft-off, given its sleep type.
    pub fn pm1_sleep_value(slp_typ: u8) -> u16 {
        (u16::from(slp_typ & 7) << 10) | PM1_SLP_EN
    }
}

/// Most bytes of AML searched for `_S5_` (QEMU's DSDTs are ~8 KiB).
const MAX_DSDT: usize = 1 << 20;
/// Most entries read from an RSDT/XSDT.
const MAX_TABLES: usize = 256;

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

fn checksum_ok(b: &[u8]) -> bool {
    b.iter().fold(0u8, |a, &x| a.wrapping_add(x)) == 0
}

/// A valid RSDP at `addr`: signature and the ACPI 1.0 checksum.
fn rsdp_at(mem: &impl PhysMem, addr: u64) -> bool {
    mem.bytes(addr, 20)
        .is_some_and(|b| b.starts_with(b"RSD PTR ") && checksum_ok(b))
}

/// The RSDP: at `hint` (what the loader reported) when valid, else searched for where the
/// BIOS leaves it — the first KiB of the EBDA and 0xE0000..0xFFFFF, on 16-byte boundaries.
pub fn find_rsdp(mem: &impl PhysMem, hint: Option<u64>) -> Option<u64> {
    if let Some(h) = hint.filter(|&h| h != 0 && rsdp_at(mem, h)) {
        return Some(h);
    }
    let ebda = mem
        .bytes(0x40e, 2)
        .and_then(|b| u16_at(b, 0))
        .map(|seg| u64::from(seg) << 4)
        .filter(|e| (0x80000..0xa0000).contains(e));
    let areas = ebda
        .map(|e| (e, e + 1024))
        .into_iter()
        .chain([(0xe0000, 0x100000)]);
    for (start, end) in areas {
        let mut at = start;
        while at + 20 <= end {
            if rsdp_at(mem, at) {
                return Some(at);
            }
            at += 16;
        }
    }
    None
}

/// The whole table at `addr` once its header, length and checksum check out.
fn table<'m>(mem: &'m impl PhysMem, addr: u64, sig: Option<&[u8; 4]>) -> Option<&'m [u8]> {
    let header = mem.bytes(addr, 36)?;
    if sig.is_some_and(|s| &header[..4] != s) {
        return None;
    }
    let len = u32_at(header, 4)? as usize;
    if !(36..=MAX_DSDT + 36).contains(&len) {
        return None;
    }
    let t = mem.bytes(addr, len)?;
    checksum_ok(t).then_some(t)
}

/// The FADT found from the RSDP (through the XSDT when the RSDP has one, else the RSDT).
fn fadt(mem: &impl PhysMem, rsdp: u64) -> Result<&[u8], &'static str> {
    let r = mem.bytes(rsdp, 20).ok_or("RSDP not mapped")?;
    let revision = r[15];
    let xsdt = if revision >= 2 {
        mem.bytes(rsdp, 36)
            .filter(|b| checksum_ok(b))
            .and_then(|b| u64_at(b, 24))
            .filter(|&a| a != 0)
    } else {
        None
    };
    let (root, entry) = match xsdt {
        Some(x) => (table(mem, x, Some(b"XSDT")).ok_or("bad XSDT")?, 8),
        None => {
            let rsdt = u32_at(r, 16).ok_or("short RSDP")?;
            (
                table(mem, u64::from(rsdt), Some(b"RSDT")).ok_or("bad RSDT")?,
                4,
            )
        }
    };
    for i in 0..((root.len() - 36) / entry).min(MAX_TABLES) {
        let at = 36 + i * entry;
        let addr = if entry == 8 {
            u64_at(root, at)
        } else {
            u32_at(root, at).map(u64::from)
        };
        if let Some(t) = addr.and_then(|a| table(mem, a, Some(b"FACP"))) {
            return Ok(t);
        }
    }
    Err("no FADT")
}

/// Reads one AML integer (ZeroOp, OneOp, OnesOp or a Byte/Word/DWord prefix) at `at`;
/// returns it and the bytes it took.
fn aml_integer(aml: &[u8], at: usize) -> Option<(u64, usize)> {
    match *aml.get(at)? {
        0x00 => Some((0, 1)),
        0x01 => Some((1, 1)),
        0xff => Some((u64::MAX, 1)),
        0x0a => Some((u64::from(*aml.get(at + 1)?), 2)),
        0x0b => Some((u64::from(u16_at(aml, at + 1)?), 3)),
        0x0c => Some((u64::from(u32_at(aml, at + 1)?), 5)),
        _ => None,
    }
}

/// The `\_S5` package's first two values: `NameOp "_S5_" PackageOp PkgLength NumElements
/// a b …`.
fn s5(aml: &[u8]) -> Option<(u8, u8)> {
    let mut from = 0;
    while let Some(pos) = aml
        .get(from..)?
        .windows(4)
        .position(|w| w == b"_S5_")
        .map(|p| p + from)
    {
        from = pos + 4;
        // Preceded by NameOp, directly or through a root prefix.
        let named = pos >= 1
            && (aml[pos - 1] == 0x08
                || (pos >= 2 && aml[pos - 1] == b'\\' && aml[pos - 2] == 0x08));
        if !named || aml.get(pos + 4) != Some(&0x12) {
            continue;
        }
        let lead = *aml.get(pos + 5)?;
        let mut at = pos + 5 + 1 + usize::from(lead >> 6);
        at += 1; // NumElements
        let (a, n) = aml_integer(aml, at)?;
        at += n;
        let b = aml_integer(aml, at).map_or(0, |(b, _)| b);
        return Some(((a & 7) as u8, (b & 7) as u8));
    }
    None
}

/// What power-off and reset need, from the tables under the RSDP at `rsdp`.
pub fn power(mem: &impl PhysMem, rsdp: u64) -> Result<Power, &'static str> {
    let f = fadt(mem, rsdp)?;
    let field32 = |at| u32_at(f, at).unwrap_or(0);
    let port = |v: u32| u16::try_from(v).ok().filter(|&p| p != 0);
    let pm1a_cnt = port(field32(64)).ok_or("the FADT has no PM1a control block")?;
    let pm1b_cnt = port(field32(68));
    let dsdt = u64_at(f, 140)
        .filter(|&a| a != 0 && f.len() >= 148)
        .unwrap_or(u64::from(field32(40)));
    let dsdt = table(mem, dsdt, Some(b"DSDT")).ok_or("bad DSDT")?;
    let s5 = s5(&dsdt[36..]).ok_or("the DSDT has no \\_S5 package")?;
    // RESET_REG_SUP (flags bit 10) and the register (a GAS at 116, value at 128).
    let reset = if field32(112) & (1 << 10) != 0 && f.len() >= 129 {
        let addr = u64_at(f, 120).unwrap_or(0);
        let reg = match f[116] {
            0 if addr != 0 => Some(Register::Memory(addr)),
            1 => u16::try_from(addr)
                .ok()
                .filter(|&p| p != 0)
                .map(Register::Io),
            _ => None,
        };
        reg.map(|r| (r, f[128]))
    } else {
        None
    };
    Ok(Power {
        pm1a_cnt,
        pm1b_cnt,
        s5,
        smi_cmd: port(field32(48)).unwrap_or(0),
        acpi_enable: f.get(52).copied().unwrap_or(0),
        reset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Physical memory as one vector from address 0.
    struct Ram(Vec<u8>);

    impl PhysMem for Ram {
        fn bytes(&self, addr: u64, len: usize) -> Option<&[u8]> {
            let a = usize::try_from(addr).ok()?;
            self.0.get(a..a.checked_add(len)?)
        }
    }

    impl Ram {
        fn put(&mut self, at: usize, bytes: &[u8]) {
            self.0[at..at + bytes.len()].copy_from_slice(bytes);
        }
    }

    /// A table: header with `sig`, then `body`, checksum fixed.
    fn sdt(sig: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut t = vec![0u8; 36];
        t[..4].copy_from_slice(sig);
        t.extend_from_slice(body);
        let len = t.len() as u32;
        t[4..8].copy_from_slice(&len.to_le_bytes());
        fix(&mut t, 9);
        t
    }

    fn fix(t: &mut [u8], at: usize) {
        t[at] = 0;
        let sum = t.iter().fold(0u8, |a, &x| a.wrapping_add(x));
        t[at] = sum.wrapping_neg();
    }

    /// QEMU-like tables: RSDP at 0xf0000 (revision 0, RSDT), FADT, DSDT with `\_S5`.
    fn machine(s5_aml: &[u8], reset: bool) -> Ram {
        let mut ram = Ram(vec![0; 0x200000]);
        let mut aml = b"\x10\x05\\_SB_".to_vec();
        aml.extend_from_slice(s5_aml);
        ram.put(0x100000, &sdt(b"DSDT", &aml));
        let mut fadt = vec![0u8; 244 - 36];
        let f = |o: usize| o - 36;
        fadt[f(40)..f(44)].copy_from_slice(&0x100000u32.to_le_bytes());
        fadt[f(48)..f(52)].copy_from_slice(&0xb2u32.to_le_bytes());
        fadt[f(52)] = 0xf1;
        fadt[f(64)..f(68)].copy_from_slice(&0x604u32.to_le_bytes());
        if reset {
            fadt[f(112)..f(116)].copy_from_slice(&(1u32 << 10).to_le_bytes());
            fadt[f(116)] = 1;
            fadt[f(120)..f(128)].copy_from_slice(&0xcf9u64.to_le_bytes());
            fadt[f(128)] = 6;
        }
        ram.put(0x101000, &sdt(b"FACP", &fadt));
        let mut entries = 0x9999u32.to_le_bytes().to_vec(); // a bad pointer first
        entries.extend_from_slice(&0x101000u32.to_le_bytes());
        ram.put(0x102000, &sdt(b"RSDT", &entries));
        let mut rsdp = b"RSD PTR \0QEMU  \0".to_vec();
        rsdp.extend_from_slice(&0x102000u32.to_le_bytes());
        fix(&mut rsdp, 8);
        ram.put(0xf0010, &rsdp);
        ram
    }

    #[test]
    fn qemu_like_tables_give_pm1a_s5_and_reset() {
        // Name (\_S5, Package (4) { Zero, Zero, Zero, Zero })
        let ram = machine(b"\x08\\_S5_\x12\x06\x04\x00\x00\x00\x00", true);
        let rsdp = find_rsdp(&ram, None).expect("found by scanning");
        assert_eq!(rsdp, 0xf0010);
        let p = power(&ram, rsdp).expect("parsed");
        assert_eq!(p.pm1a_cnt, 0x604);
        assert_eq!(p.pm1b_cnt, None);
        assert_eq!(p.s5, (0, 0));
        assert_eq!((p.smi_cmd, p.acpi_enable), (0xb2, 0xf1));
        assert_eq!(p.reset, Some((Register::Io(0xcf9), 6)));
        assert_eq!(Power::pm1_sleep_value(0), 0x2000);
        assert_eq!(Power::pm1_sleep_value(7), 0x3c00);
    }

    #[test]
    fn byte_prefixed_sleep_types_and_no_reset() {
        // Name (_S5, Package (2) { 0x07, 0x05 })
        let ram = machine(b"\x08_S5_\x12\x06\x02\x0a\x07\x0a\x05", false);
        let p = power(&ram, find_rsdp(&ram, Some(0xf0010)).unwrap()).unwrap();
        assert_eq!(p.s5, (7, 5));
        assert_eq!(p.reset, None);
    }

    #[test]
    fn corrupt_tables_are_refused() {
        let mut ram = machine(b"\x08_S5_\x12\x06\x02\x00\x00", true);
        assert_eq!(find_rsdp(&ram, Some(0x1234)), Some(0xf0010), "bad hint");
        ram.0[0x101000 + 70] ^= 1; // FADT checksum broken
        assert_eq!(power(&ram, 0xf0010), Err("no FADT"));
        let ram = machine(b"\x08_S6_\x12\x06\x02\x00\x00", true);
        assert_eq!(power(&ram, 0xf0010), Err("the DSDT has no \\_S5 package"));
        let mut ram = machine(b"", true);
        ram.0[0xf0010] = b'X';
        assert_eq!(find_rsdp(&ram, None), None);
    }

    #[test]
    fn truncated_aml_is_no_panic() {
        for cut in 0..12 {
            let aml = &b"\x08_S5_\x12\x06\x02\x0b\x07\x00\x0a\x05"[..cut];
            let _ = s5(aml);
        }
        assert_eq!(
            s5(b"\x08_S5_\x12\x06\x02\x0b\x07\x00\x0a\x05"),
            Some((7, 5))
        );
    }
}
