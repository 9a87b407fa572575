; Descriptor loading checks (SDM Vol. 3 5.4-5.8, Vol. 2 MOV/POP Sreg, LLDT, LTR, JMP):
; null/non-present/wrong-type/privilege-mismatched selectors in DS/SS/CS give #GP,
; #NP or #SS with the selector as error code; GDT limit and LDT selectors; then
; LAR/LSL/VERR/VERW/ARPL on a set of descriptors (granularity, expand-down,
; conforming, system types), and accessed bits set by data-segment loads.
%include "lib/rom.inc"

%define S_NP     0x68   ; data RW, not present
%define S_RO     0x70   ; data read-only
%define S_XO     0x78   ; code execute-only
%define S_CONF3  0x80   ; code readable conforming, DPL 3
%define S_D0     0x88   ; data RW DPL 0
%define S_EXPD   0x90   ; data RW expand-down, limit 0xFFF, B=1
%define S_GRAN   0x98   ; data RW, limit 0x12345, G=1
%define S_LDT    0xA0   ; LDT at LDT_BASE, 4 entries
%define S_CNP    0xA8   ; code, not present
%define S_TSS2   0xB0   ; available 32-bit TSS
%define S_CGATE  0xB8   ; call gate DPL 3
%define S_D3     0xC0   ; data RW DPL 3
%define S_EXPD16 0xC8   ; expand-down, B=0, limit 0x7FFF
%define S_CODE0R 0xD0   ; code readable DPL 0, non-conforming
%define S_CONF0X 0xD8   ; code execute-only conforming DPL 0
%define S_D2     0xE0   ; data RW DPL 2
%define S_TSS16  0xE8   ; available 16-bit TSS
%define S_INTG   0xF0   ; (interrupt gate type in the GDT: invalid for segments)

main:
        PUTS "pm_seg", 10
        ENTER_PM
        SETDESC S_NP,    0, 0xFFFFF, 0x12, 0xC
        SETDESC S_RO,    0, 0xFFFFF, 0x90, 0xC
        SETDESC S_XO,    0xF0000, 0xFFFFF, 0x98, 0xC
        SETDESC S_CONF3, 0xF0000, 0xFFFFF, 0xFF, 0xC
        SETDESC S_D0,    0, 0xFFFFF, 0x92, 0xC
        SETDESC S_EXPD,  0x100000, 0x00FFF, 0x96, 0x4
        SETDESC S_GRAN,  0, 0x12345, 0x92, 0xC
        SETDESC S_LDT,   LDT_BASE, 0x1F, 0x82, 0x0
        SETDESC S_CNP,   0xF0000, 0xFFFFF, 0x1A, 0xC
        SETDESC S_TSS2,  0x5100, 0x67, 0x89, 0x0
        SETGATE GDT_BASE + S_CGATE, ring0_back, CODE0, 0x03EC
        SETDESC S_D3,    0, 0xFFFFF, 0xF2, 0xC
        SETDESC S_EXPD16, 0x100000, 0x7FFF, 0x96, 0x0
        SETDESC S_CODE0R, 0xF0000, 0xFFFFF, 0x9A, 0xC
        SETDESC S_CONF0X, 0xF0000, 0xFFFFF, 0x9D, 0xC
        SETDESC S_D2,    0, 0xFFFFF, 0xD2, 0xC
        SETDESC S_TSS16, 0x5200, 0x2B, 0x81, 0x0
        SETGATE GDT_BASE + S_INTG, 0x1234, CODE0, 0x008E
        SETDESC 0x04, 0x300000, 0xFFFFF, 0x92, 0xC      ; LDT entry 0: data
        SETDESC 0x0C, 0x300000, 0xFFFFF, 0x12, 0xC      ; LDT entry 1: not present
        SETDESC 0x14, 0xF0000, 0xFFFFF, 0x9B, 0xC       ; LDT entry 2: code (A preset)

        PUTS "-- segment register loads at CPL 0", 10
        xor ebx, ebx
        TRY "ss<-null", {mov ss, bx}
        ; DS back at once: the next TRY writes RESUME_EIP through DS, and a data
        ; access through a null DS is #GP(0) (Vol. 3 5.4.1; QEMU 7.2 does not check)
        TRY "ds<-null", {mov ds, bx}, {mov ax, DATA0}, {mov ds, ax}
        TRY "es<-3 (null, rpl 3)", {mov bx, 3}, {mov es, bx}
        mov ax, DATA0
        mov ds, ax
        mov es, ax
        TRY "ds<-not present", {mov bx, S_NP}, {mov ds, bx}
        TRY "ss<-not present", {mov bx, S_NP}, {mov ss, bx}
        TRY "ss<-read-only", {mov bx, S_RO}, {mov ss, bx}
        TRY "ss<-code", {mov bx, S_CODE0R}, {mov ss, bx}
        TRY "ds<-exec-only code", {mov bx, S_XO}, {mov fs, bx}
        TRY "ds<-readable code", {mov bx, S_CODE0R}, {mov fs, bx}
        TRY "ds<-conforming dpl3", {mov bx, S_CONF3}, {mov fs, bx}
        TRY "ds<-tss", {mov bx, TSS_SEL}, {mov fs, bx}
        TRY "ds<-ldt desc", {mov bx, S_LDT}, {mov fs, bx}
        TRY "ds<-gate", {mov bx, S_INTG}, {mov fs, bx}
        TRY "ss<-dpl3 data", {mov bx, S_D3 | 3}, {mov ss, bx}
        TRY "ss<-dpl0 rpl3", {mov bx, S_D0 | 3}, {mov ss, bx}
        TRY "ds<-dpl0 rpl3", {mov bx, S_D0 | 3}, {mov gs, bx}
        TRY "ds<-dpl2 rpl1", {mov bx, S_D2 | 1}, {mov gs, bx}
        TRY "ds<-dpl3 rpl3", {mov bx, S_D3 | 3}, {mov gs, bx}
        TRY "ss<-expand-down", {mov bx, S_EXPD}, {mov ss, bx}
        mov ax, DATA0
        mov ss, ax
        TRY "ds<-beyond gdt limit", {mov bx, 0x800}, {mov gs, bx}
        TRY "ds<-ldt sel, ldtr null", {mov bx, 0x04}, {mov gs, bx}
        TRY "lldt tss", {mov bx, TSS_SEL}, {lldt bx}
        TRY "lldt ldt", {mov bx, S_LDT}, {lldt bx}
        TRY "ds<-ldt 0", {mov bx, 0x04}, {mov gs, bx}
        mov eax, [gs:0]
        TRY "ds<-ldt 1 np", {mov bx, 0x0C}, {mov gs, bx}
        TRY "ds<-ldt beyond", {mov bx, 0x24}, {mov gs, bx}
        TRY "pop ss null", {push dword 0}, {pop ss}
        TRY "pop ds np", {push dword S_NP}, {pop ds}
        mov ax, DATA0
        mov ds, ax
        TRY "ltr busy", {mov bx, TSS_SEL}, {ltr bx}
        TRY "ltr data", {mov bx, DATA0}, {ltr bx}
        TRY "jmp far np code", {jmp S_CNP:0}
        TRY "jmp far data", {jmp S_D0:0}
        TRY "jmp far null", {jmp 0:0}
        TRY "jmp far ldt code", {jmp 0x14:.j1}
.j1:    mov ax, cs
        SHOW16 "  cs=", ax
        NL
        jmp CODE0:.j2
.j2:    TRY "jmp far conforming dpl0 exec", jmp S_CONF0X:.j3
.j3:    mov bx, cs              ; execute-only CS: no CS-relative reads here
        jmp CODE0:.j3b
.j3b:   SHOW16 "  cs=", bx
        NL
        jmp .j4
.j4:    TRY "jmp far conforming dpl3 from cpl0", jmp S_CONF3:.j5
.j5:    mov ax, cs
        SHOW16 "  cs=", ax
        NL
        jmp CODE0:.j6
.j6:    TRY "call far rpl3 to dpl0 code", call (CODE0|3):.j7
.j7:    mov ax, DATA0
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov esp, STACK0
        TRY "lgdt limit 0x5f then ds<-0x60", {lgdt [cs:gdt_small]}, {mov bx, 0x60}, {mov fs, bx}
        lgdt [cs:gdt_full]

        PUTS "-- accessed bits", 10
        SETDESC S_D0, 0, 0xFFFFF, 0x92, 0xC
        SETDESC S_D3, 0, 0xFFFFF, 0xF2, 0xC
        mov ax, S_D0
        mov fs, ax
        mov ax, S_D3 | 3
        lar ebx, eax
        SHOW8 "d0 after load=", [GDT_BASE + S_D0 + 5]
        SHOW8 "d3 after lar=", [GDT_BASE + S_D3 + 5]
        SHOW8 "ldt0=", [LDT_BASE + 5]
        NL

        PUTS "-- lar/lsl/verr/verw", 10
        mov esi, sels
.q:     movzx eax, word [cs:esi]
        cmp ax, 0xFFFF
        je .qd
        HEX16 ax
        mov ebx, 0x11111111
        lar ebx, eax
        call zf
        HEX32 ebx
        mov ebx, 0x22222222
        lsl ebx, eax
        call zf
        HEX32 ebx
        mov bx, 0x3333
        lsl bx, ax
        call zf
        HEX16 bx
        verr ax
        call zf
        verw ax
        call zf
        NL
        add esi, 2
        jmp .q
.qd:
        PUTS "-- arpl", 10
        mov esi, arpls
.a:     mov ax, [cs:esi]
        cmp ax, 0xFFFF
        je .ad
        mov bx, [cs:esi+2]
        arpl ax, bx
        call zf
        HEX16 ax
        NL
        add esi, 4
        jmp .a
.ad:    mov word [SCRATCH], 0x0010
        mov cx, 0x0003
        arpl [SCRATCH], cx
        call zf
        HEX16 [SCRATCH]
        NL
        SHOW32 "exceptions=", [EXC_COUNT]
        NL
        EXIT

; prints " z=Z " with the current ZF
zf:     pushfd
        push eax
        PUTS " z="
        mov eax, [esp+4]
        shr eax, 6
        and al, 1
        call hex4_32
        SPACE
        pop eax
        popfd
        ret

gdt_small: dw 0x5F
           dd GDT_BASE
gdt_full:  dw 0x7FF
           dd GDT_BASE

sels:   dw 0, 3, CODE0, DATA0, CODE16, DATA16, CODE3, DATA3, CODE1, CODE2, TSS_SEL
        dw S_NP, S_RO, S_XO, S_CONF3, S_D0, S_D0|3, S_EXPD, S_GRAN, S_LDT, S_CNP
        dw S_TSS2, S_CGATE, S_D3, S_D3|3, S_EXPD16, S_CODE0R, S_CONF0X, S_D2|2
        dw S_TSS16, S_INTG, 0x04, 0x0C, 0x14, 0x24, 0x7F8, 0x800, GATE_R0
        dw 0xFFFF
arpls:  dw 0x0010, 0x0003,  0x0013, 0x0001,  0x0012, 0x0012,  0xFFF0, 0x000B, 0x0001, 0x0002
        dw 0xFFFF
%include "lib/end.inc"
