; Behaviour the SDM defines where QEMU 7.2 (TCG) is known to differ, so Ringmaster is
; compared with tests/asm/sdm_divergent.expected (written from the SDM) instead of
; QEMU. Each line names the rule; QEMU's own output differs on the marked lines:
;  - segment limit, type and null-selector checks on data accesses (Vol. 3 5.3, 5.4):
;    QEMU never checks them (real-mode offset FFFFh, expand-down, G bit, read-only)
;  - CS accessed bit set by a far JMP (Vol. 3 3.4.5.1): QEMU leaves it clear
;  - EXT=1 in the error code of a fault during delivery of an exception (6.13)
;  - #PF for reserved bits has P=1 and RSVD=1 (4.7): QEMU 7.2 leaves P clear
;  - a PAE PDPTE is not written by page walks (bit 5 is reserved, Table 4-8): QEMU
;    7.2 sets it as an accessed bit
;  - MOV CR0 with PG=1 PE=0 or NW=1 CD=0 → #GP(0) (Vol. 2 MOV CR): not checked
;  - DR7.GD general detect → #DB with DR6.BD (17.2.4): not implemented
;  - RF=1 in the EFLAGS image of a fault and of a data-breakpoint trap inside a REP
;    string (17.3.1.1): QEMU 7.2 pushes 0; single step and a data breakpoint in one
;    instruction are one #DB with BS and Bn (17.2.3): QEMU delivers two, misordered
;  - I/O breakpoints (DR7 R/W = 10 with CR4.DE, 17.2.4): QEMU 7.2 has none; the TSS
;    T bit (#DB with DR6.BT, 17.3.1.5): QEMU 7.2 ignores it
;  - CALL far beyond the CS limit → #GP(0) (QEMU: the selector); a call gate to a
;    conforming segment keeps CPL, CS.RPL = CPL (Vol. 2 CALL): QEMU gives CPL 0
;  - CALL through a call gate to an inner ring whose TSS stack segment is not
;    present → #SS(selector) (Vol. 2 CALL): QEMU raises #TS
;  - IRET to an outer ring whose SS is not present → #SS(selector) (Vol. 2 IRET):
;    QEMU raises #NP
;  - alignment check: CR0.AM=1, EFLAGS.AC=1, CPL 3, misaligned access → #AC(0) (6.15,
;    "Interrupt 17"): QEMU does not implement #AC
;  - RDMSR of an unimplemented MSR and WRMSR of a reserved PAT type → #GP(0)
;  - LOCK on MOV or BT (not lockable) → #UD (Vol. 2 LOCK): QEMU executes them
;  - x87: DE for denormal operands, C1 = round-up, stack overflow/underflow with
;    IE+SF, #MF at the next waiting instruction (Vol. 1 8.1.3.1, 8.5, 8.7), FSTENV
;    masking all exceptions after storing (Vol. 2 FSTENV), FST ST(i) setting the
;    destination's tag, FPREM1 quotient bits in C0/C3/C1 (Vol. 2 FPREM1), precision
;    control applied only to add/sub/mul/div/sqrt (Vol. 1 8.1.5.2: QEMU also rounds
;    FRNDINT/FPREM/FPREM1) and m64 operands loaded exactly at 24-bit precision
; difftest: expected
%include "lib/rom.inc"
%include "lib/fpu.inc"

main:
        PUTS "sdm_divergent", 10
        XTRY "real mode word at ffff", {mov ax, [0xFFFF]}     ; #GP (vector 13), SDM 20.1.1
        XTRY "lock mov [mem],ax", {db 0xF0, 0x89, 0x06, SCRATCH & 0xFF, SCRATCH >> 8}
        XTRY "lock bt [mem],ax", {db 0xF0, 0x0F, 0xA3, 0x06, SCRATCH & 0xFF, SCRATCH >> 8}
        ; ---- x87
        fninit
        fld tword [cs:denorm]
        fld1
        fadd st0, st1
        fnstsw ax
        SHOW16 "x87 denormal operand sw=", ax         ; DE|PE: 0x3022
        fninit
        fld tword [cs:x3ulp4]           ; 0.75 ulp of 1.0
        fld1
        fadd st0, st1                   ; 1 + 0.75 ulp rounds up to 1 + ulp
        fnstsw ax
        SHOW16 "x87 round up sw=", ax                 ; C1|PE: 0x3220
        NL
        fninit
%rep 8
        fld1
%endrep
        fldpi
        fnstsw ax
        SHOW16 "x87 stack overflow sw=", ax           ; C1 SF IE TOP=7: 0x3a41
        call pst0
        fninit
        fadd st0, st1
        fnstsw ax
        SHOW16 " underflow sw=", ax                   ; SF IE: 0x0041
        call pst0
        NL
%macro REM1 3          ; "label", dividend, divisor (m32 constants)
        fninit
        fld dword [cs:%3]
        fld dword [cs:%2]
        fprem1
        fnstsw ax
        SHOW16 %1, ax
        call pst0
        NL
%endmacro
        REM1 "x87 fprem1 10,-3 sw=", c_10, c_m3
        REM1 "x87 fprem1 2,0.5 sw=", c_2, c_half
        REM1 "x87 fprem1 7,2 sw=", c_7, c_2
        REM1 "x87 fprem1 5.5,-2 sw=", c_55, c_m2
; precision control rounds only add/sub/mul/div/sqrt results (Vol. 1 8.1.5.2), and an
; m64 operand converts to extended exactly (8.2): QEMU 7.2 rounds all of these
%macro PCOP 5          ; "label", control word, ST0, ST1 (tword constants), {insn}
        fninit
        mov word [FCW], %2
        fldcw [FCW]
        fld tword [cs:%4]
        fld tword [cs:%3]
        %5
        fnstsw ax
        SHOW16 %1, ax
        call pst0
        NL
%endmacro
        PCOP "x87 pc=24 frndint 123456789 sw=", 0x007F, t_big, t_one, {frndint}
        PCOP "x87 pc=24 fprem 0.1,0.7 sw=", 0x007F, t_tenth, t_07, {fprem}
        PCOP "x87 pc=53 fprem1 1e300,-1e-300 sw=", 0x027F, t_1e300, t_m1em300, {fprem1}
        PCOP "x87 pc=24 fadd m64 -1+1/3 sw=", 0x007F, t_m1, t_one, {fadd qword [cs:d_third]}
        PCOP "x87 pc=24 fadd m64 inf+1/3 sw=", 0x007F, t_inf, t_one, {fadd qword [cs:d_third]}
        fninit
        fld1
        fldz                            ; ST0=0 ST1=1, ST2.. empty
        fst st2                         ; FST into an empty register tags it valid
        o32 fnstenv [0xB00]
        SHOW16 "x87 fst st(2) to empty: tw=", [0xB08]
        NL
        fninit
        mov word [FCW], 0x0F40
        fldcw [FCW]
        o32 fnstenv [0xB00]
        fnstcw [SCRATCH]
        SHOW16 "x87 cw after fstenv=", [SCRATCH]
        NL
        mov eax, cr0
        or eax, 0x20
        mov cr0, eax
        fninit
        mov word [FCW], 0x037B
        fldcw [FCW]
        fld1
        fldz
        fdivp st1, st0                  ; ZE unmasked: ES set, no #MF yet
        XTRY "x87 #MF at next waiting insn", {fld1}           ; #MF (vector 16)
        fninit
        mov eax, cr0
        and eax, ~0x20
        mov cr0, eax

        ENTER_PM
        ; ---- segment checks on data accesses
        SETDESC 0x68, 0x100000, 0x00FFF, 0x93, 0x4      ; limit 0xFFF
        SETDESC 0x70, 0x100000, 0x00FFF, 0x97, 0x4      ; expand-down, limit 0xFFF
        SETDESC 0x78, 0x100000, 0x00000, 0x93, 0xC      ; limit 0 with G=1 → 0xFFF
        SETDESC 0x80, 0x100000, 0xFFFFF, 0x91, 0xC      ; read-only
        SETDESC 0x88, 0xF0000, 0xFFFFF, 0x99, 0xC       ; execute-only code, A=1
        SETDESC 0x90, 0xF0000, 0xFFFFF, 0x9A, 0xC       ; readable code, A=0
        mov ax, 0x68
        mov fs, ax
        TRY "read at limit", {mov al, [fs:0xFFF]}
        XTRY "dword read across limit", {mov eax, [fs:0xFFE]}
        mov ax, 0x68                    ; the exception handler left a flat FS
        mov fs, ax
        XTRY "read beyond limit", {mov al, [fs:0x1000]}
        mov ax, 0x70
        mov fs, ax
        XTRY "expand-down read at 0x800", {mov al, [fs:0x800]}
        mov ax, 0x70
        mov fs, ax
        TRY "expand-down read at 0x1000", {mov al, [fs:0x1000]}
        TRY "expand-down read at 0xffffffff", {mov al, [fs:0xFFFFFFFF]}
        mov ax, 0x78
        mov fs, ax
        TRY "g=1 limit 0: read 0xfff", {mov al, [fs:0xFFF]}
        XTRY "g=1 limit 0: read 0x1000", {mov al, [fs:0x1000]}
        mov ax, 0x80
        mov fs, ax
        TRY "read-only: read", {mov al, [fs:0]}
        XTRY "read-only: write", {mov byte [fs:0], 1}
        xor ax, ax
        mov fs, ax
        XTRY "null fs: read", {mov al, [fs:0]}
        PUTS "execute-only cs: read via cs: "
        RESUME_AT .xo_done
        mov dword [EXPECT_EIP], .xo
        jmp 0x88:.xo
.xo:    mov al, [cs:0]                  ; #GP(0): not readable
        jmp CODE0:.xo1
.xo1:   PUTS "ok", 10
.xo_done:
        jmp CODE0:.xo2
.xo2:
        ; ---- CS accessed bit
        jmp 0x90:.acc
.acc:   jmp CODE0:.acc2
.acc2:  SHOW8 "cs accessed bit after far jmp: access=", [GDT_BASE + 0x90 + 5]  ; 9b
        NL
        ; ---- far calls
        XTRY "call far beyond cs limit", {call dword CODE16:0x10000}
        SETDESC 0x98, 0xF0000, 0xFFFFF, 0x9F, 0xC       ; conforming, DPL 0
        SETGATE GDT_BASE + 0xA0, in_conf, 0x98, 0x00EC  ; call gate DPL 3
        RING3_BEGIN 0
        call 0xA3:0                     ; stays at CPL 3 (CS.RPL = 3)
        RING3_END
        ; ---- not-present inner stack on a call gate
        SETDESC 0xA8, 0, 0xFFFFF, 0x33, 0xC             ; data DPL 1, not present
        SETGATE GDT_BASE + 0xB0, in_conf, CODE1, 0x00EC ; call gate DPL 3 → ring 1
        mov word [TSS_BASE + 16], 0xA9
        RING3_BEGIN 0
        XTRY "call gate, ss1 not present", {call 0xB3:0}
        RING3_END
        mov word [TSS_BASE + 16], DATA1
        SETDESC 0xB8, 0, 0xFFFFF, 0x73, 0xC             ; data DPL 3, not present
        XTRY "iret to ring 3, ss not present", {push dword 0xBB}, {push dword STACK3}, {push dword 2}, {push dword CODE3}, {push dword 0}, {iretd}
        ; ---- alignment check
        mov eax, cr0
        or eax, 0x40000                 ; AM
        mov cr0, eax
        RING3_BEGIN 0
        pushfd
        or dword [esp], 0x40000         ; AC
        popfd
        XTRY "ring 3 misaligned dword with am and ac", {mov eax, [SCRATCH + 1]}
        RING3_END
        mov eax, cr0
        and eax, ~0x40000
        mov cr0, eax
        ; ---- EXT bit
        and byte [IDT_BASE + 6*8 + 5], 0x7F
        XTRY "#ud with its gate not present", {ud2}      ; #NP(6*8+2+1) = 0x33
        or byte [IDT_BASE + 6*8 + 5], 0x80
        ; ---- control registers, MSRs, DR7.GD
        XTRY "cr0 pg=1 pe=0", {mov eax, cr0}, {and eax, ~1}, {or eax, 0x80000000}, {mov cr0, eax}
        XTRY "cr0 nw=1 cd=0", {mov eax, cr0}, {and eax, ~0x40000000}, {or eax, 0x20000000}, {mov cr0, eax}
        XTRY "rdmsr 0x12345", {mov ecx, 0x12345}, {rdmsr}
        XTRY "wrmsr pat type 2", {mov ecx, 0x277}, {mov eax, 2}, {xor edx, edx}, {wrmsr}
        ; CR1 is reserved (#UD); LOCK MOV CR0 is AMD's 32-bit alias of CR8, #UD on P6
        XTRY "mov eax,cr1 (reserved)", {db 0x0F, 0x20, 0xC8}
        XTRY "lock mov eax,cr0 (cr8 alias)", {db 0xF0, 0x0F, 0x20, 0xC0}
        SETIDT 1, h_db, 0x8E
        mov eax, 0x2000                 ; GD
        mov dr7, eax
        PUTS "general detect: "
.gd_mov: mov eax, dr0                    ; #DB (fault) before this MOV, GD cleared
        mov eax, dr7
        SHOW32 "general detect: dr7 after=", eax        ; 00000400
        NL
        ; ---- RF and single step with data breakpoints (17.3.1.1, 17.3.1.4); EIPs are
        ; printed relative to .ss_mov
        SETIDT 1, h_db2, 0x8E
        mov eax, SCRATCH + 0x20
        mov dr1, eax
        mov eax, 0x00D00004             ; L1, write, 4 bytes
        mov dr7, eax
        pushfd
        pushfd
        or dword [esp], 0x100
        popfd                           ; TF from here
.ss_mov: mov [SCRATCH + 0x20], eax      ; one #DB after it: BS and B1 (QEMU: two, misordered)
        popfd                           ; BS only, TF off
        mov eax, SCRATCH + 0x28
        mov dr0, eax
        mov eax, 0x000D0001             ; L0, write, 4 bytes
        mov dr7, eax
        cld
        mov esi, SCRATCH + 0x40
        mov edi, SCRATCH + 0x20
        mov ecx, 4
        rep movsd                       ; trap after the 3rd dword: EIP at the REP, RF=1, ECX=1
        xor eax, eax
        mov dr7, eax
        SETIDT 6, h_ud2, 0x8E
        ud2                             ; a fault's EFLAGS image has RF=1 (QEMU 7.2: 0)
        SETIDT 6, exc_stub6, 0x8E
        mov eax, cr4
        or eax, 8                       ; DE: R/W = 10 is an I/O breakpoint (17.2.4)
        mov cr4, eax
        mov eax, 0x80
        mov dr2, eax
        mov eax, 0x02000010             ; L2, I/O, 1 byte (QEMU 7.2 has no I/O breakpoints)
        mov dr7, eax
        mov al, 0x55
        out 0x80, al                    ; #DB trap after it, B2
        in al, 0x81                     ; another port: nothing
        xor eax, eax
        mov dr7, eax
        mov eax, cr4
        and eax, ~8
        mov cr4, eax
        ; the T bit of a TSS: #DB with DR6.BT before the task's first instruction
        ; (7.2.1, 17.3.1.5; QEMU 7.2 ignores it)
        TASK_TSS 0x5100, t_task, 1      ; T: #DB (BT) before its first instruction
        SETDESC 0xC0, 0x5100, 0x67, 0x89, 0x0
        jmp 0xC0:0
t_back:
        SETIDT 1, exc_stub1, 0x8E
        ; ---- reserved-bit page fault (PAE, NXE=0, bit 63 set)
        cld
        mov edi, 0x34000
        xor eax, eax
        mov ecx, 0x3000 / 4
        rep stosd
        mov dword [0x34000], 0x35001                    ; PDPTE0 → PD
        mov dword [0x35000], 0x000083                   ; 0-2 MiB, 2 MiB page
        mov dword [0x35008], 0x36007                    ; 2-4 MiB → PT
        mov dword [0x36000], 0x200003
        mov dword [0x36004], 0x80000000                 ; XD with NXE=0: reserved
        mov eax, cr4
        or eax, 0x20
        mov cr4, eax
        mov eax, 0x34000
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        XTRY "pae read, bit 63 reserved", {mov eax, [0x200000]}    ; err 0009
        XTRY "pae write, bit 63 reserved", {mov dword [0x200000], 1}  ; err 000b
        SHOW32 "pae pdpte0 after walks=", [0x34000]     ; no A bit: 5 is reserved
        NL
        SHOW32 "exceptions=", [EXC_COUNT]
        NL
        EXIT

in_conf:
        mov ax, cs
        SHOW16 "conforming via gate: cs=", ax
        mov ax, ss
        SHOW16 "ss=", ax
        mov eax, esp
        SHOW32 "esp=", eax
        NL
        retf

; #DB for general detect: EIP, DR6 (BD = bit 13)
h_db:   push eax
        PUTS "#db eip="
        mov eax, [esp+4]
        cmp eax, main.gd_mov
        jne .raw
        PUTS "at the mov"
        jmp .d
.raw:   call hex32_32
.d:
        mov eax, dr6
        PUTS " dr6="
        call hex32_32
        NL
        mov eax, 0xFFFF0FF0
        mov dr6, eax
        pop eax
        iretd

t_task: PUTS "task with t=1 runs", 10
        jmp CODE0:t_back                ; (stays in this task: TR is the new TSS)

; #DB: EIP relative to .ss_mov, DR6, the image's RF and ECX; clears DR6
h_db2:  push eax
        PUTS "#db at +"
        mov eax, [esp+4]
        sub eax, main.ss_mov
        call hex32_32
        mov eax, dr6
        PUTS " dr6="
        call hex32_32
        mov eax, [esp+12]
        and eax, 0x10000
        PUTS " rf="
        call hex32_32
        SHOW32 " ecx=", ecx
        NL
        mov eax, 0xFFFF0FF0
        mov dr6, eax
        pop eax
        iretd

; #UD: prints the RF bit of the EFLAGS image and skips the UD2
h_ud2:  push eax
        mov eax, [esp+12]
        and eax, 0x10000
        SHOW32 "ud2 eflags image rf=", eax
        NL
        add dword [esp+4], 2
        pop eax
        iretd

t_big:  dt 123456789.0
t_one:  dt 1.0
t_m1:   dt -1.0
t_tenth: dt 0.1
t_07:   dt 0.7
t_1e300: dt 1e300
t_m1em300: dt -1e-300
t_inf:  dt __?Infinity?__
d_third: dq 0.333333333333333333
c_10:   dd 10.0
c_m3:   dd -3.0
c_2:    dd 2.0
c_half: dd 0.5
c_7:    dd 7.0
c_55:   dd 5.5
c_m2:   dd -2.0
denorm: dd 0x2, 0x00000001
        dw 0
x3ulp4: dd 0, 0xC0000000
        dw 0x3FFF - 64
%include "lib/end.inc"
