; Real-mode shifts and rotates: SHL/SHR/SAR/ROL/ROR/RCL/RCR/SHLD/SHRD in 8/16/32
; bits with counts 0..31, plus BT/BTS/BTR/BTC and BSF/BSR. Only flags the SDM defines
; for the given count are compared (Vol. 2: OF only for 1-bit shifts, AF never,
; counts >= operand size leave CF undefined for SHL/SHR so they are not used there).
%include "lib/rom.inc"
%include "lib/alu.inc"

%define ALL  0x08D5
%define SH1  0x08C5     ; CF OF SF ZF PF
%define SHN  0x00C5     ; CF SF ZF PF
%define ROT1 0x08D5     ; rotate by 1: CF OF + unaffected flags
%define ROTN 0x00D5     ; rotate by n>1: OF undefined

main:
        PUTS "rm_shift", 10
%macro SHIFTS 1         ; mnemonic
        OP %str(%1 8 c1),   SH1, c1, {%1 al, cl}
        OP %str(%1 8 c7),   SHN, c7, {%1 al, cl}
        OP %str(%1 16 c1),  SH1, c1, {%1 ax, cl}
        OP %str(%1 16 c7),  SHN, c7, {%1 ax, cl}
        OP %str(%1 16 c15), SHN, c15, {%1 ax, cl}
        OP %str(%1 32 c1),  SH1, c1, {%1 eax, cl}
        OP %str(%1 32 c31), SHN, c31, {%1 eax, cl}
        OP %str(%1 32 c0),  ALL, c0, {%1 eax, cl}
        OP %str(%1 8 c0),   ALL, c0, {%1 al, cl}
        OP %str(%1 imm1),   SH1, c1, {%1 eax, 1}
        OP %str(%1 imm5),   SHN, c1, {%1 dx, 5}
%endmacro
        SHIFTS shl
        SHIFTS shr
        SHIFTS sar
%macro ROTS 1
        OP %str(%1 8 c1),   ROT1, c1, {%1 al, cl}
        OP %str(%1 8 c7),   ROTN, c7, {%1 al, cl}
        OP %str(%1 16 c1),  ROT1, c1, {%1 ax, cl}
        OP %str(%1 16 c15), ROTN, c15, {%1 ax, cl}
        OP %str(%1 32 c1),  ROT1, c1, {%1 eax, cl}
        OP %str(%1 32 c31), ROTN, c31, {%1 eax, cl}
        OP %str(%1 32 c0),  ALL, c0, {%1 eax, cl}
%endmacro
        ROTS rol
        ROTS ror
        ROTS rcl
        ROTS rcr
        OP "shld32 c1", SH1, c1, {shld eax, edx, cl}
        OP "shld32 c31", SHN, c31, {shld eax, edx, cl}
        OP "shrd32 c1", SH1, c1, {shrd eax, edx, cl}
        OP "shrd32 c31", SHN, c31, {shrd eax, edx, cl}
        OP "shld16 c15", SHN, c15, {shld ax, dx, cl}
        OP "shrd16 c15", SHN, c15, {shrd ax, dx, cl}
        OP "shld32 c0", ALL, c0, {shld eax, edx, cl}
        OP "shrd16 imm", SHN, c1, {shrd ax, dx, 4}
        OP "bt32", 0x41, vals, {bt eax, ecx}
        OP "bts32", 0x41, vals, {bts eax, ecx}
        OP "btr16", 0x41, vals, {btr ax, cx}
        OP "btc32", 0x41, vals, {btc eax, ecx}
        OP "bt imm", 0x41, vals, {bt eax, 31}
        OP "btc imm16", 0x41, vals, {btc ax, 17}
        OP "bsf32", 0x40, vals, {bsf ecx, eax}
        OP "bsr32", 0x40, vals, {bsr ecx, eax}
        OP "bsf16", 0x40, vals, {bsf cx, ax}
        OP "bsr16", 0x40, vals, {bsr cx, ax}
        EXIT

; (value, count) tables; the entry marker 0xDEADBEEF ends a table.
%macro CNTS 1-*
%rep %0
        dd 0x81828384, %1
        dd 0x7F00FF01, %1
        dd 0x00000001, %1
        dd 0xC0000003, %1
%rotate 1
%endrep
        dd 0xDEADBEEF
%endmacro
c0:     CNTS 0, 32, 64, 0xE0
c1:     CNTS 1, 0x21
c7:     CNTS 2, 3, 4, 7
c15:    CNTS 8, 9, 12, 15
c31:    CNTS 2, 7, 8, 15, 16, 17, 24, 31
vals:
        dd 0, 0
        dd 1, 1
        dd 0x80, 7
        dd 0x8000, 15
        dd 0x80000000, 31
        dd 0x12345678, 0x9ABCDEF0
        dd 0x8000007F, 0x7FFF8081
        dd 0x55AA33CC, 0xAA55CC33
        dd 0x00010000, 0xFFFFFFFF
        dd 0xDEADBEEF
%include "lib/end.inc"
