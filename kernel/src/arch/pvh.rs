//! Direct boot with QEMU `-kernel kernel -initrd ramdisk`, through the x86/HVM direct boot
//! ABI ("PVH"): QEMU reads the `XEN_ELFNOTE_PHYS32_ENTRY` note below, copies the kernel's
//! segments to their physical addresses and the initrd to the top of low RAM over fw_cfg
//! DMA, and its `pvh.bin` option ROM jumps to that entry in 32-bit protected mode, paging
//! off, with `ebx` pointing at an `hvm_start_info`. This skips the BIOS bootloader, which
//! reads the disk image at ~1 MB/s under emulation.
//!
//! The kernel is a static executable linked in the top 2 GiB, at [`KERNEL_VMA`] + 16 MiB:
//! bootloader 0.11 maps it there, where none of its identity mappings (GDT frame, its own
//! code) can collide with it. For this path the boot tool hands QEMU a copy of the ELF
//! whose segments' physical addresses are 16 MiB up (`boot::image::pvh_kernel`).
//!
//! The 32-bit stub (running at physical addresses) identity-maps the first [`MAPPED_GIB`]
//! GiB with 2 MiB pages and maps physical 0..1 GiB at [`KERNEL_VMA`] too, enables PAE, SSE,
//! long mode and paging, far-returns into 64-bit code, jumps up to the kernel's linked
//! addresses, switches to the kernel stack and calls [`pvh_main`]. That unmaps a guard page under the stack (so an
//! overflow is reported, as with the bootloader's stack), turns the start info into a
//! [`Boot`] and starts the kernel through `kernel_entry`, the symbol the kernel's root
//! defines with [`kernel_entry!`](crate::kernel_entry) (so `arch` names nothing above it).

use super::boot::{Boot, KERNEL_STACK_SIZE, MAX_BOOT_REGIONS};

unsafe extern "Rust" {
    /// The kernel's start, defined by [`kernel_entry!`](crate::kernel_entry) in its root.
    safe fn kernel_entry(boot: &Boot<'_>) -> !;
}

/// Names the kernel's start for the PVH entry: `kernel_entry!(kstart)` in the kernel's
/// root, where `kstart: fn(&Boot<'_>) -> !`. (The bootloader's entry is its own
/// `entry_point!` in the root, so only PVH needs this.)
#[macro_export]
macro_rules! kernel_entry {
    ($kstart:path) => {
        // SAFETY: the one definition of `kernel_entry`, whose signature matches the
        // declaration in arch/pvh.rs.
        #[unsafe(export_name = "kernel_entry")]
        fn kernel_entry(boot: &$crate::arch::Boot<'_>) -> ! {
            $kstart(boot)
        }
    };
}

/// Physical memory mapped by the boot page tables (and so usable by the kernel).
const MAPPED_GIB: usize = 16;
/// Where the kernel's image is linked: physical address + this (the top 2 GiB, so no
/// loader's identity mappings can collide with it). The asm below spells it out; the boot
/// tool's `image::KERNEL_VMA` must agree.
const KERNEL_VMA: u64 = 0xffff_ffff_8000_0000;
const PAGE: usize = 4096;
/// Page-table entry flags.
const PRESENT_WRITABLE: u64 = 0b11;
/// `hvm_start_info.magic`.
const START_MAGIC: u32 = 0x336e_c578;
/// `hvm_memmap_table_entry.type` of usable RAM (the E820 code).
const MEMMAP_RAM: u32 = 1;
/// Below this, real-mode and firmware data live (IVT, BDA, EBDA, option ROMs).
const LOW_MEMORY: u64 = 1 << 20;

#[repr(C, align(4096))]
struct Table<const N: usize>([u64; N]);

#[repr(C, align(4096))]
struct Stack([u8; PAGE + KERNEL_STACK_SIZE as usize]);

// The boot page tables and stack, in .bss: QEMU's ELF loader zero-fills memory beyond each
// segment's file size. Written by the 32-bit stub before anything else runs, and by
// `guard_stack` once; the CPU reads them through CR3.
static mut PML4: Table<512> = Table([0; 512]);
static mut PDPT: Table<512> = Table([0; 512]);
static mut PDPT_HIGH: Table<512> = Table([0; 512]);
static mut PD: Table<{ MAPPED_GIB * 512 }> = Table([0; MAPPED_GIB * 512]);
static mut GUARD_PT: Table<512> = Table([0; 512]);
static mut STACK: Stack = Stack([0; PAGE + KERNEL_STACK_SIZE as usize]);

core::arch::global_asm!(
    // The note QEMU looks for: name "Xen", type 18 (PHYS32_ENTRY). QEMU reads the
    // descriptor of a 64-bit ELF as a 64-bit value, so it is a .quad.
    ".pushsection .note.wasmkernel.pvh, \"a\", @note",
    ".balign 4",
    ".long 4, 8, 18",
    ".asciz \"Xen\"",
    ".balign 4",
    ".quad wasmkernel_pvh_start32 - 0xffffffff80000000",
    ".popsection",
    // A GDT with a 64-bit code segment (0x08) and a data segment (0x10); the kernel loads
    // its own GDT with a TSS right after.
    ".pushsection .rodata.wasmkernel.pvh, \"a\"",
    ".balign 16",
    "wasmkernel_pvh_gdt:",
    ".quad 0",
    ".quad 0x00af9a000000ffff",
    ".quad 0x00cf92000000ffff",
    "wasmkernel_pvh_gdtr:",
    ".word 23",
    ".quad wasmkernel_pvh_gdt - 0xffffffff80000000",
    ".popsection",
    ".pushsection .text.wasmkernel.pvh, \"ax\"",
    ".code32",
    ".global wasmkernel_pvh_start32",
    "wasmkernel_pvh_start32:",
    "cli",
    "cld",
    "mov $({stack} + {stack_size} - 0xffffffff80000000), %esp",
    // PD: entry i maps 2 MiB page i (present, writable, PS).
    "mov $({pd} - 0xffffffff80000000), %edi",
    "xor %ecx, %ecx",
    "1:",
    "mov %ecx, %eax",
    "shl $21, %eax",
    "or $0x83, %eax",
    "mov %eax, (%edi,%ecx,8)",
    "mov %ecx, %eax",
    "shr $11, %eax",
    "mov %eax, 4(%edi,%ecx,8)",
    "inc %ecx",
    "cmp ${pd_entries}, %ecx",
    "jb 1b",
    // PDPT: entry j points at the j-th 4 KiB table of PD.
    "mov $({pdpt} - 0xffffffff80000000), %edi",
    "mov $({pd} - 0xffffffff80000000), %eax",
    "or $3, %eax",
    "xor %ecx, %ecx",
    "2:",
    "mov %eax, (%edi,%ecx,8)",
    "add $4096, %eax",
    "inc %ecx",
    "cmp ${gib}, %ecx",
    "jb 2b",
    // PML4[0] = PDPT (identity); PML4[511] = PDPT_HIGH, whose entry 510 maps the top
    // 2 GiB's first GiB with PD's first table: physical 0..1 GiB at KERNEL_VMA.
    "mov $({pdpt} - 0xffffffff80000000), %eax",
    "or $3, %eax",
    "mov $({pml4} - 0xffffffff80000000), %edi",
    "mov %eax, (%edi)",
    "mov $({pdpt_high} - 0xffffffff80000000), %eax",
    "or $3, %eax",
    "mov %eax, 4088(%edi)",
    "mov $({pd} - 0xffffffff80000000), %eax",
    "or $3, %eax",
    "mov $({pdpt_high} - 0xffffffff80000000), %esi",
    "mov %eax, 4080(%esi)",
    "mov %edi, %cr3",
    // CR4: PAE, OSFXSR, OSXMMEXCPT (the kernel is compiled for SSE2).
    "mov %cr4, %eax",
    "or $0x620, %eax",
    "mov %eax, %cr4",
    // EFER.LME.
    "mov $0xc0000080, %ecx",
    "rdmsr",
    "or $0x100, %eax",
    "wrmsr",
    // CR0: paging, write protect, monitor coprocessor, protected mode; no x87 emulation.
    "mov %cr0, %eax",
    "and $0xfffffffb, %eax",
    "or $0x80010003, %eax",
    "mov %eax, %cr0",
    "lgdt (wasmkernel_pvh_gdtr - 0xffffffff80000000)",
    "push $0x08",
    "push $(wasmkernel_pvh_start64 - 0xffffffff80000000)",
    "lret",
    ".code64",
    // Still at the physical (identity-mapped) address: jump up to the kernel's own.
    "wasmkernel_pvh_start64:",
    "movabs $wasmkernel_pvh_high64, %rax",
    "jmp *%rax",
    "wasmkernel_pvh_high64:",
    "mov $0x10, %ax",
    "mov %ax, %ds",
    "mov %ax, %es",
    "mov %ax, %ss",
    "xor %eax, %eax",
    "mov %ax, %fs",
    "mov %ax, %gs",
    "mov $({stack} + {stack_size}), %rsp",
    "xor %ebp, %ebp",
    "mov %ebx, %edi",
    "call {main}",
    "ud2",
    ".popsection",
    stack = sym STACK,
    stack_size = const PAGE + KERNEL_STACK_SIZE as usize,
    pd = sym PD,
    pdpt = sym PDPT,
    pdpt_high = sym PDPT_HIGH,
    pml4 = sym PML4,
    pd_entries = const MAPPED_GIB * 512,
    gib = const MAPPED_GIB,
    main = sym pvh_main,
    options(att_syntax)
);

unsafe extern "C" {
    /// The ELF header, first byte of the loaded image (defined by the linker).
    static __ehdr_start: u8;
    /// One past the image's last byte, .bss included (defined by the linker).
    static _end: u8;
}

/// `hvm_start_info`, version 1 (xen/include/public/arch-x86/hvm/start_info.h).
#[repr(C)]
#[derive(Clone, Copy)]
struct StartInfo {
    magic: u32,
    version: u32,
    flags: u32,
    nr_modules: u32,
    modlist_paddr: u64,
    cmdline_paddr: u64,
    rsdp_paddr: u64,
    memmap_paddr: u64,
    memmap_entries: u32,
    reserved: u32,
}

/// `hvm_modlist_entry`.
#[repr(C)]
#[derive(Clone, Copy)]
struct Module {
    paddr: u64,
    size: u64,
    cmdline_paddr: u64,
    reserved: u64,
}

/// `hvm_memmap_table_entry`.
#[repr(C)]
#[derive(Clone, Copy)]
struct MemmapEntry {
    addr: u64,
    size: u64,
    kind: u32,
    reserved: u32,
}

/// Reads a `T` the loader left at physical address `addr`.
///
/// # Safety
/// `addr..addr + size_of::<T>()` must be identity-mapped memory holding a `T`.
unsafe fn read_phys<T: Copy>(addr: u64) -> T {
    // SAFETY: the caller vouches for the mapping and contents; the loader's structures are
    // 8-byte aligned by the ABI but read unaligned anyway, which costs nothing here.
    unsafe { core::ptr::read_unaligned(addr as *const T) }
}

/// The 64-bit entry from the stub: `start_info` is `ebx` as the loader set it.
extern "C" fn pvh_main(start_info: u64) -> ! {
    let t_entry = super::cpu::rdtsc();
    let stack_base = (&raw const STACK) as u64;
    guard_stack(stack_base);
    let mapped = (MAPPED_GIB as u64) << 30;
    // SAFETY: ebx points at the loader's start info in low memory, identity-mapped.
    let info: StartInfo = unsafe { read_phys(start_info) };
    if info.magic != START_MAGIC {
        panic!("PVH entry without a start info (ebx={start_info:#x})");
    }
    if info.version < 1 || info.memmap_paddr == 0 || info.memmap_entries == 0 {
        panic!(
            "PVH loader gave no memory map (start info version {})",
            info.version
        );
    }
    let mut usable = [(0, 0); MAX_BOOT_REGIONS];
    let mut n = 0;
    for i in 0..info.memmap_entries as u64 {
        let at = info.memmap_paddr + i * core::mem::size_of::<MemmapEntry>() as u64;
        // SAFETY: the start info says `memmap_entries` entries start at `memmap_paddr`.
        let e: MemmapEntry = unsafe { read_phys(at) };
        let end = e.addr.saturating_add(e.size).min(mapped);
        if e.kind == MEMMAP_RAM && e.addr < end && n < usable.len() {
            usable[n] = (e.addr, end);
            n += 1;
        }
    }
    let ramdisk: &'static [u8] = if info.nr_modules > 0 && info.modlist_paddr != 0 {
        // SAFETY: `nr_modules` > 0 entries start at `modlist_paddr`.
        let m: Module = unsafe { read_phys(info.modlist_paddr) };
        if m.paddr.saturating_add(m.size) <= mapped && m.size > 0 {
            // SAFETY: the loader copied the initrd to `paddr..paddr + size` (identity
            // mapped, checked above) and it is reserved below, so it stays untouched for
            // the kernel's lifetime; it is only read.
            unsafe { core::slice::from_raw_parts(m.paddr as *const u8, m.size as usize) }
        } else {
            &[]
        }
    } else {
        &[]
    };
    let image = (
        (&raw const __ehdr_start) as u64 - KERNEL_VMA,
        (&raw const _end) as u64 - KERNEL_VMA,
    );
    let reserved = [
        (0, LOW_MEMORY),
        image,
        (
            ramdisk.as_ptr() as u64,
            ramdisk.as_ptr() as u64 + ramdisk.len() as u64,
        ),
    ];
    kernel_entry(&Boot {
        loader: loader_name(info.cmdline_paddr),
        t_entry,
        stack_bottom: stack_base + PAGE as u64,
        stack_len: KERNEL_STACK_SIZE,
        ramdisk,
        phys_offset: 0,
        phys_limit: mapped,
        rsdp: Some(info.rsdp_paddr).filter(|&a| a != 0),
        usable: &usable[..n],
        reserved: &reserved,
    })
}

/// Which loader entered through PVH: our BIOS disk loader (`boot/bios/loader.S`) passes
/// the command line `wasmkernel.loader=bios`; QEMU's `-kernel` passes `-append`'s.
fn loader_name(cmdline_paddr: u64) -> &'static str {
    const BIOS: &[u8] = b"wasmkernel.loader=bios\0";
    if cmdline_paddr == 0 || cmdline_paddr >= LOW_MEMORY {
        return "pvh";
    }
    // SAFETY: a loader-provided string below 1 MiB, which the boot page tables identity-map
    // and which no one has reused yet; only BIOS.len() bytes are read.
    let given = unsafe { core::slice::from_raw_parts(cmdline_paddr as *const u8, BIOS.len()) };
    if given == BIOS { "bios-loader" } else { "pvh" }
}

/// Maps the 2 MiB page holding the stack's lowest page with 4 KiB pages, leaving that
/// lowest page (the guard) unmapped: an overflow page-faults instead of overwriting .bss.
fn guard_stack(guard: u64) {
    let guard = guard - KERNEL_VMA;
    let big = (guard >> 21) as usize;
    let base = (big as u64) << 21;
    let pt: *mut Table<512> = &raw mut GUARD_PT;
    let pd: *mut Table<{ MAPPED_GIB * 512 }> = &raw mut PD;
    // SAFETY: the tables are only touched here and by the stub, which has finished. The new
    // 4 KiB table maps the same frames as the 2 MiB page it replaces, except the guard
    // page, which is part of `STACK` and not yet in use; the TLB is flushed afterwards.
    unsafe {
        for j in 0..512 {
            let addr = base + (j * PAGE) as u64;
            (*pt).0[j] = if addr == guard {
                0
            } else {
                addr | PRESENT_WRITABLE
            };
        }
        (*pd).0[big] = (pt as u64 - KERNEL_VMA) | PRESENT_WRITABLE;
    }
    x86_64::instructions::tlb::flush_all();
}
