; x87 availability controls (SDM Vol. 3 2.5, 6.15 "Interrupt 7", 9.2.1 Table 9-2):
; CR0.EM=1 → #NM for x87 instructions (WAIT unaffected); CR0.TS=1 → #NM for x87
; instructions, and for WAIT only when MP=1; CLTS clears TS; FNSTSW/FNINIT/FNCLEX
; also fault when TS=1. Real mode (vector 7 through the IVT).
%include "lib/rom.inc"

%macro CR0SET 1         ; MP(2) EM(4) TS(8) bits
        mov eax, cr0
        and eax, ~0xE
        or eax, %1
        mov cr0, eax
%endmacro

main:
        PUTS "fpu_nm", 10
        fninit
        PUTS "-- em=1", 10
        CR0SET 4
        XTRY "fld1", {fld1}
        XTRY "fnstsw ax", {fnstsw ax}
        TRY16 "wait", {wait}
        PUTS "-- ts=1 mp=0", 10
        CR0SET 8
        XTRY "fld1", {fld1}
        XTRY "fninit", {fninit}
        TRY16 "wait", {wait}
        PUTS "-- ts=1 mp=1", 10
        CR0SET 0xA
        XTRY "fadd", {fadd st0, st0}
        XTRY "wait", {wait}
        XTRY "fnclex", {fnclex}
        clts
        mov eax, cr0
        and eax, 0xE
        SHOW8 "after clts cr0&e=", al
        NL
        TRY16 "fld1 after clts", {fld1}, {fwait}
        PUTS "-- em=1 ts=1 mp=1", 10
        CR0SET 0xE
        XTRY "fld1", {fld1}
        XTRY "wait", {wait}
        CR0SET 2
        TRY16 "mp=1 only: fld1 + wait", {fld1}, {wait}
        fnstsw ax
        SHOW16 "sw=", ax
        NL
        SHOW32 "exceptions=", [EXC_COUNT]
        NL
        EXIT
%include "lib/end.inc"
