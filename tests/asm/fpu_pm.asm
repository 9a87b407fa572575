; x87 in 32-bit protected mode with paging (SDM Vol. 1 ch. 8, Vol. 3A 2.5, 4.7, 6.15):
; the 32-bit FNSTENV/FNSAVE images (low halves of CW/SW/TW; pointers not compared),
; FSTP m64 split across a present and a missing page (#PF with CR2 at the second page,
; nothing stored, x87 stack unchanged), FIST to a read-only user page at CPL 3,
; FCOMI and FCMOVcc at CPL 3, #NM with CR0.TS and #MF at FWAIT with CR0.NE=1 through
; IDT gates, FXSAVE to a missing page. Not compared: PE and C1 after the faulting FSTP
; (QEMU 7.2 records the conversion's PE before the store faults; Ringmaster leaves the
; status word as it was, the instruction not having completed) and C1 as round-up.
%include "lib/rom.inc"
%include "lib/paging.inc"

%define FTMP 0x0A00

%macro PST0 0                   ; prints ST(0) as eeee:mmmmmmmmmmmmmmmm (32-bit code)
        fld st0
        fstp tword [FTMP]
        HEX16 [FTMP+8]
        PUTS ":"
        HEX32 [FTMP+4]
        HEX32 [FTMP]
        SPACE
%endmacro

main:
        PUTS "fpu_pm", 10
        ENTER_PM
        call pg_setup
        mov dword [PTE1(0x400000)], 0x100003    ; supervisor, writable; 0x401000 missing
        mov dword [PTE1(0x402000)], 0x102005    ; user, read-only
        mov dword [PTE1(0x403000)], 0x103007    ; user, writable

        PUTS "-- 32-bit environment", 10
        fninit
        mov word [SCRATCH], 0x0A7F              ; RC=up, PC=53
        fldcw [SCRATCH]
        fld1
        fldpi
        fnstenv [SCRATCH+0x10]
        SHOW16 "cw=", [SCRATCH+0x10]
        SHOW16 "sw=", [SCRATCH+0x14]
        SHOW16 "tw=", [SCRATCH+0x18]
        NL
        fnsave [SCRATCH+0x40]
        SHOW16 "fnsave tw=", [SCRATCH+0x48]
        HEX16 [SCRATCH+0x40+28+8]
        HEX32 [SCRATCH+0x40+28+4]
        HEX32 [SCRATCH+0x40+28]
        fnstsw ax
        SHOW16 " after: sw=", ax
        frstor [SCRATCH+0x40]
        fnstsw ax
        SHOW16 "frstor: sw=", ax
        PST0
        NL

        PUTS "-- faulting stores", 10
        mov dword [0x400FF8], 0x5A5A5A5A
        mov dword [0x400FFC], 0xA5A5A5A5
        TRY "fstp m64 across into a missing page", {fstp qword [0x400FFC]}
        SHOW32 "memory=", [0x400FFC]
        fnstsw ax
        and ax, ~0x220                          ; PE, C1: see the header
        SHOW16 "sw=", ax
        PST0
        NL
        TRY "fst m32 at the end of the present page", {fst dword [0x400FFC]}
        SHOW32 "memory=", [0x400FFC]
        NL
        TRY "fxsave into a missing page", {fxsave [0x401000]}
        fnstsw ax
        and ax, ~0x220
        SHOW16 "sw=", ax
        NL

        PUTS "-- cpl 3", 10
        TRYU 0, "fist to a read-only user page", {fist dword [0x402000]}
        TRYU 0, "fist to a writable user page", {fist dword [0x403000]}
        SHOW32 "stored=", [0x103000]
        NL
        TRYU 0, "fcomi/fcmov at cpl 3", {fldz}, {fcomi st0, st1}, {pushfd}, {fcmovb st0, st1}, {fstp dword [0x403004]}, {pop eax}, {and eax, 0x8D5}, {HEX32 eax}, {SPACE}
        SHOW32 "fcmov result=", [0x103004]
        NL

        PUTS "-- #NM and #MF through the IDT", 10
        mov eax, cr0
        or eax, 8                               ; TS
        mov cr0, eax
        TRY "fld1 with ts", {fld1}
        TRY "fnstsw with ts", {fnstsw ax}
        clts
        mov eax, cr0
        or eax, 0x20                            ; NE
        mov cr0, eax
        fninit
        mov word [SCRATCH], 0x037B              ; ZE unmasked
        fldcw [SCRATCH]
        fld1
        fldz
        fdiv st1, st0
        fnstsw ax
        SHOW16 "after fdiv by 0: sw=", ax
        NL
        TRY "fwait", {fwait}
        fninit
        SHOW32 "exceptions=", [EXC_COUNT]
        NL
        EXIT
%include "lib/end.inc"
