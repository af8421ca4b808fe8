# The BIOS disk image's loader: a boot sector and two more sectors that read the kernel and
# the ramdisk with the BIOS's extended disk reads, copy them above 1 MiB with the BIOS block
# move, ask the BIOS for the memory map, and enter the kernel through its PVH entry (the same
# 32-bit entry QEMU's `-kernel` uses), in 32-bit protected mode with `ebx` pointing at an
# `hvm_start_info`.
#
# Why not bootloader 0.11's BIOS stages: they copy the kernel byte by byte in 16-bit code and
# draw text into a 1280x720 framebuffer, ~1.5 us per byte under emulation (4 s to boot).
#
# The boot tool (`boot/src/bios.rs`) fills in the parameter block below. Build:
# `boot/bios/build.sh` (GNU as + ld), which writes `loader.bin`; the boot tool embeds it.
#
# Memory while loading: 0x0500-0x7bff stack, 0x7c00-0x81ff this code, 0x1000 the start
# info, 0x1040 the module list, 0x1100 the memory map, 0x10000-0x17fff the disk buffer.

    .intel_syntax noprefix
    .code16
    .section .text
    .global _start

    .set BUFFER_SEG, 0x1000   # disk buffer 0x10000
    .set CHUNK_SECTORS, 64   # 32 KiB per read and per block move
    .set START_INFO, 0x1000
    .set MODLIST, 0x1040
    .set MEMMAP, 0x1100
    .set MEMMAP_MAX, 64
    .set COM1, 0x3f8

_start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7c00
    ljmp 0, offset start0   # CS:IP = 0:0x7c..
start0:
    sti
    cld
    mov [drive], dl

   # The extended disk services (AH=42h) are required.
    mov ah, 0x41
    mov bx, 0x55aa
    int 0x13
    jc no_edd
    cmp bx, 0xaa55
    jne no_edd

   # The second sector of this loader.
    mov dword ptr [dap_lba], 1
    mov dword ptr [dap_lba + 4], 0
    mov word ptr [dap_count], 2
    mov word ptr [dap_off], 0x7e00
    mov word ptr [dap_seg], 0
    call read_dap
    jmp stage2

no_edd:
    mov si, offset msg_edd
    jmp fail

# Reads [dap_count] sectors from [dap_lba] into [dap_seg]:[dap_off]; fails on error.
read_dap:
    mov si, offset dap
    mov ah, 0x42
    mov dl, [drive]
    int 0x13
    jc 1f
    ret
1:  mov si, offset msg_read
   # fall through
# Prints the NUL-terminated message at si on the screen and COM1, then halts.
fail:
    lodsb
    test al, al
    jz 2f
    mov bl, al
    mov dx, COM1
    out dx, al
    mov ah, 0x0e
    mov bh, 0
    int 0x10
    jmp fail
2:  cli
    hlt
    jmp 2b

msg_edd:  .asciz "loader: no extended disk reads\r\n"
msg_read: .asciz "loader: disk read error\r\n"

drive: .byte 0
    .balign 4
dap:       .byte 16, 0
dap_count: .word 0
dap_off:   .word 0
dap_seg:   .word 0
dap_lba:   .long 0, 0

   # The parameter block, at a fixed offset (0x190) that the boot tool writes.
    .org 0x190
params:
    .ascii "WKL1"
kernel_lba:    .long 0   # first sector of the kernel's flat image
kernel_bytes:  .long 0   # its length on disk
kernel_paddr:  .long 0   # where it is loaded
kernel_mem:    .long 0   # bytes from kernel_paddr it occupies (the rest zeroed)
kernel_entry:  .long 0   # its PVH 32-bit entry (physical)
ramdisk_lba:   .long 0
ramdisk_bytes: .long 0
ramdisk_paddr: .long 0
    .org 0x1be   # partition table (left empty)
    .org 0x1fe
    .byte 0x55, 0xaa

# ---- sectors 1 and 2 ----
stage2:
   # A20 on (the "fast" gate at port 0x92, then the BIOS call; either suffices).
    in al, 0x92
    or al, 2
    and al, 0xfe
    out 0x92, al
    mov ax, 0x2401
    int 0x15

    call memory_map
   # The whole load must fit in one RAM region above 1 MiB (checked on the map).
    mov eax, [ramdisk_paddr]
    add eax, [ramdisk_bytes]
    add eax, 511
    call check_ram

   # The kernel, then its zeroed tail (.bss), then the ramdisk.
    mov eax, [kernel_lba]
    mov ecx, [kernel_bytes]
    mov edi, [kernel_paddr]
    call load
    call zero_tail
    mov eax, [ramdisk_lba]
    mov ecx, [ramdisk_bytes]
    mov edi, [ramdisk_paddr]
    call load

   # The start info (hvm_start_info, version 1) and its module list.
    mov di, START_INFO
    xor ax, ax
    mov cx, 0x100 / 2
    rep stosw
    mov dword ptr [START_INFO], 0x336ec578   # magic
    mov dword ptr [START_INFO + 4], 1   # version
    mov dword ptr [START_INFO + 12], 1   # nr_modules
    mov dword ptr [START_INFO + 16], MODLIST   # modlist_paddr
    mov dword ptr [START_INFO + 24], offset cmdline   # cmdline_paddr
    mov dword ptr [START_INFO + 40], MEMMAP   # memmap_paddr
    mov ax, [memmap_count]
    mov [START_INFO + 48], ax   # memmap_entries
    mov eax, [ramdisk_paddr]
    mov [MODLIST], eax   # paddr
    mov eax, [ramdisk_bytes]
    mov [MODLIST + 8], eax   # size

   # 32-bit protected mode, flat segments, paging off; jump to the PVH entry.
    cli
    lgdt [gdtr]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    ljmp 0x08, offset pm32

# Reads ecx bytes starting at sector eax into physical memory at edi, 32 KiB at a time:
# each chunk is read into the buffer below 1 MiB and block-moved up by the BIOS.
load:
    test ecx, ecx
    jz 9f
    mov [dap_lba], eax
    mov dword ptr [dap_lba + 4], 0
    mov word ptr [dap_off], 0
    mov word ptr [dap_seg], BUFFER_SEG
1:  mov ebx, ecx
    cmp ebx, CHUNK_SECTORS * 512
    jbe 2f
    mov ebx, CHUNK_SECTORS * 512
2:  push ecx
    push edi
    push ebx
    lea eax, [ebx + 511]
    shr eax, 9
    mov [dap_count], ax
    call read_dap
    pop ebx
    pop edi
    push edi
    push ebx
    mov eax, BUFFER_SEG * 16
    call block_move   # ebx bytes from eax to edi
    pop ebx
    pop edi
    pop ecx
    add edi, ebx
    movzx eax, word ptr [dap_count]
    add [dap_lba], eax
    sub ecx, ebx
    jnz 1b
9:  ret

# Zeroes the kernel's memory past its loaded bytes, 32 KiB at a time, from a zeroed buffer.
zero_tail:
    push es
    mov ax, BUFFER_SEG
    mov es, ax
    xor di, di
    xor ax, ax
    mov cx, CHUNK_SECTORS * 256
    rep stosw
    pop es
    mov edi, [kernel_paddr]
    add edi, [kernel_bytes]
    mov ecx, [kernel_mem]
    sub ecx, [kernel_bytes]
    jbe 9f
1:  mov ebx, ecx
    cmp ebx, CHUNK_SECTORS * 512
    jbe 2f
    mov ebx, CHUNK_SECTORS * 512
2:  push ecx
    push edi
    push ebx
    mov eax, BUFFER_SEG * 16
    call block_move
    pop ebx
    pop edi
    pop ecx
    add edi, ebx
    sub ecx, ebx
    jnz 1b
9:  ret

# Copies ebx bytes (rounded up to even, at most 64 KiB) from physical eax to physical edi
# with INT 15h AH=87h.
block_move:
    mov [bm_src + 2], ax
    shr eax, 16
    mov [bm_src + 4], al
    mov [bm_src + 7], ah
    mov eax, edi
    mov [bm_dst + 2], ax
    shr eax, 16
    mov [bm_dst + 4], al
    mov [bm_dst + 7], ah
    lea ecx, [ebx + 1]
    shr ecx, 1
    mov si, offset bm_gdt
    mov ah, 0x87
    int 0x15
    jc 1f
    ret
1:  mov si, offset msg_move
    jmp fail

# Fills MEMMAP with the BIOS's E820 map (24-byte entries, as hvm_memmap_table_entry).
memory_map:
    xor ebx, ebx
    mov di, MEMMAP
    mov word ptr [memmap_count], 0
1:  mov dword ptr [di + 20], 0
    mov eax, 0xe820
    mov edx, 0x534d4150   # "SMAP"
    mov ecx, 24
    int 0x15
    jc 8f
    cmp eax, 0x534d4150
    jne 8f
    mov dword ptr [di + 20], 0
    add di, 24
    inc word ptr [memmap_count]
    cmp word ptr [memmap_count], MEMMAP_MAX
    jae 9f
    test ebx, ebx
    jnz 1b
    jmp 9f
8:  cmp word ptr [memmap_count], 0
    jne 9f
    mov si, offset msg_map
    jmp fail
9:  ret

# Fails unless RAM (type 1) covers [1 MiB, eax) in one entry of the map.
check_ram:
    mov di, MEMMAP
    mov cx, [memmap_count]
1:  cmp dword ptr [di + 16], 1
    jne 2f
    cmp dword ptr [di + 4], 0   # entries starting at or above 4 GiB do not help
    jne 2f
    mov edx, [di]
    cmp edx, 0x100000
    ja 2f
    mov edx, [di]
    add edx, [di + 8]   # end (below 4 GiB for the regions that matter)
    jc 3f
    cmp dword ptr [di + 12], 0
    jne 3f
    cmp edx, eax
    jae 3f
2:  add di, 24
    loop 1b
    mov si, offset msg_ram
    jmp fail
3:  ret

    .code32
pm32:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, 0x7c00
    mov ebx, START_INFO
    mov eax, [kernel_entry]
    jmp eax
    .code16

# The PVH command line says which loader ran (the kernel logs it).
cmdline:  .asciz "wasmkernel.loader=bios"
msg_move: .asciz "loader: block move failed\r\n"
msg_map:  .asciz "loader: no memory map\r\n"
msg_ram:  .asciz "loader: not enough memory for the kernel and ramdisk\r\n"

memmap_count: .word 0

    .balign 8
gdt:
    .quad 0
    .quad 0x00cf9a000000ffff   # 0x08: 32-bit code, flat
    .quad 0x00cf92000000ffff   # 0x10: data, flat
gdtr:
    .word gdtr - gdt - 1
    .long gdt

# The INT 15h AH=87h descriptor table: two null entries, source, destination, two for the
# BIOS. Limits 64 KiB, byte granular, data read/write.
    .balign 8
bm_gdt:
    .quad 0, 0
bm_src:
    .word 0xffff, 0
    .byte 0, 0x93, 0, 0
bm_dst:
    .word 0xffff, 0
    .byte 0, 0x93, 0, 0
    .quad 0, 0

    .org 0x600
