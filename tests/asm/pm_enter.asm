; Entering protected mode and leaving it: CR0 at reset, LGDT/LIDT/LTR, the far jump,
; SGDT/SIDT/STR/SLDT/SMSW values, the accessed bit written on a segment load,
; segment descriptor caches surviving the return to real mode (SDM Vol. 3 9.9 and
; 3.4.3: a segment register keeps its hidden base/limit until reloaded), and "big
; real mode" (FS with a 4 GiB limit used with 32-bit addresses in real mode).
%include "lib/rom.inc"

main:
        PUTS "pm_enter", 10
        mov eax, cr0
        SHOW32 "reset cr0=", eax
        smsw ax
        SHOW16 "msw=", ax
        NL
        ENTER_PM
        mov eax, cr0
        SHOW32 "pm cr0=", eax
        mov eax, 0xFFFFFFFF
        smsw eax                ; SMSW r32: bits 31-16 undefined (SDM SMSW)
        SHOW16 "smsw32 low=", ax
        mov ax, cs
        SHOW16 "cs=", ax
        mov ax, ss
        SHOW16 "ss=", ax
        str ax
        SHOW16 "tr=", ax
        sldt ax
        SHOW16 "ldtr=", ax
        NL
        sgdt [SCRATCH]
        SHOW16 "gdt limit=", [SCRATCH]
        SHOW32 "base=", [SCRATCH+2]
        sidt [SCRATCH]
        SHOW16 "idt limit=", [SCRATCH]
        SHOW32 "base=", [SCRATCH+2]
        NL
        ; LGDT with a 16-bit operand size loads only 24 bits of the base (SDM LGDT)
        mov word [SCRATCH], 0x07FF
        mov dword [SCRATCH+2], 0xAB000000 | GDT_BASE
        o16 lgdt [SCRATCH]
        sgdt [SCRATCH+8]
        SHOW32 "o16 lgdt base=", [SCRATCH+10]
        NL
        ; TSS descriptor became busy (type 9 → 0xB) on LTR
        SHOW8 "tss access=", [GDT_BASE + TSS_SEL + 5]
        ; data segment based at 1 MiB: accessed bit set by the load (type 2 → 3)
        SETDESC FREE_SEL, 0x100000, 0xFFFFF, 0x92, 0xC
        SHOW8 "before load=", [GDT_BASE + FREE_SEL + 5]
        mov ax, FREE_SEL
        mov fs, ax
        SHOW8 "after load=", [GDT_BASE + FREE_SEL + 5]
        mov dword [fs:0x10], 0xA1B2C3D4
        SHOW32 "via fs=", [0x100010]
        NL
        ; (the accessed bit of CS is checked in pm_accessed: QEMU does not set it)
        ; a 16-bit data segment with limit 0xFFFF for GS, flat 4 GiB for ES
        mov ax, DATA16
        mov gs, ax
        NL
        ; back to real mode through a 16-bit code segment
        jmp CODE16:pm16
        bits 16
pm16:   mov ax, DATA16
        mov ds, ax
        mov ss, ax
        mov eax, cr0
        and eax, 0x7FFFFFFE
        mov cr0, eax
        jmp 0xF000:rm
rm:     xor ax, ax
        mov ds, ax
        mov ss, ax
        mov sp, 0x7C00
        mov eax, cr0
        SHOW32 "real cr0=", eax
        mov ax, fs
        SHOW16 "fs=", ax
        ; FS still has base 1 MiB and a 4 GiB limit (cached descriptor)
        SHOW32 "[fs:10]=", [fs:0x10]
        mov dword [0x400], 0x12345678
        mov ebx, 0x100000
        mov dword [fs:ebx], 0x5A5A1234          ; linear 0x200000, above 64 KiB offset
        mov eax, [es:0x400]                    ; ES still flat (base 0) from PM
        SHOW32 "es:400=", eax
        NL
        ; read back 0x200000 through big real mode ES (flat, 4 GiB limit from PM)
        mov ebx, 0x200000
        mov eax, [es:ebx]
        SHOW32 "es:[200000]=", eax
        ; reloading FS in real mode gives base = selector * 16
        mov dword [0x500 + 0x3F0], 0x600DCAFE
        mov ax, 0x50
        mov fs, ax
        SHOW32 "fs=50 [fs:3f0]=", [fs:0x3F0]
        NL
        ; and a second entry into protected mode works the same
        ENTER_PM
        mov eax, [0x200000]
        SHOW32 "again pm [200000]=", eax
        mov eax, cr0
        SHOW32 "cr0=", eax
        NL
        EXIT
%include "lib/end.inc"
