; x87 data movement, comparisons and exceptions (SDM Vol. 1 ch. 8, Vol. 2):
; FINIT state, constants (FLDPI... under each rounding mode), FLD/FST of m32/m64/m80
; with rounding and overflow, FILD/FIST/FISTP m16/m32/m64 (rounding, integer
; indefinite), FBLD/FBSTP, FCOM/FUCOM/FTST/FXAM condition codes, FCOMI/FUCOMI EFLAGS,
; FCMOVcc, FSAVE/FRSTOR and FSTENV images
; (control, status, tag words and registers; FLDENV;
; the instruction/operand pointers are
; not compared), and an unmasked exception raising #MF (vector 16) at the next
; waiting instruction with CR0.NE=1. Real mode. C1 is not compared where it would
; report rounding up (QEMU 7.2 does not set it).
%include "lib/rom.inc"
%include "lib/fpu.inc"

%define IMG 0x0B00              ; FSAVE image (108 bytes)

%macro SW 1                     ; prints " sw=xxxx" masked
        push bx
        mov bx, %1
        PUTS " sw="
        call psw
        pop bx
%endmacro
%macro ST0 0
        SPACE
        call pst0
%endmacro

main:
        PUTS "fpu_misc", 10
        fninit
        fnstcw [SCRATCH]
        fnstsw [SCRATCH+2]
        o32 fnstenv [IMG]
        SHOW16 "finit cw=", [SCRATCH]
        SHOW16 "sw=", [SCRATCH+2]
        SHOW16 "env tw=", [IMG+8]
        NL

        PUTS "-- constants by rounding mode", 10
        mov si, cws
.c:     mov ax, [cs:si]
        test ax, ax
        jz .cd
        mov [FCW], ax
        fninit
        fldcw [FCW]
        HEX16 ax
        fldpi
        ST0
        fldl2e
        ST0
        fldl2t
        ST0
        fldlg2
        ST0
        fldln2
        ST0
        fld1
        ST0
        fldz
        ST0
        NL
        add si, 2
        jmp .c
.cd:
        PUTS "-- stores with rounding", 10
        mov si, cws
.s:     mov ax, [cs:si]
        test ax, ax
        jz .sd
        mov [FCW], ax
        HEX16 ax
        mov di, vals
.sv:    cmp di, vals_end
        jae .sn
        fninit
        fldcw [FCW]
        fld tword [cs:di]
        fst dword [SCRATCH]
        SW 0x38FD
        SHOW32 "", [SCRATCH]
        fst qword [SCRATCH]
        SHOW32 "", [SCRATCH+4]
        SHOW32 "", [SCRATCH]
        fist word [SCRATCH]
        SHOW16 "", [SCRATCH]
        fist dword [SCRATCH]
        SHOW32 "", [SCRATCH]
        fld st0
        fistp qword [SCRATCH]
        SHOW32 "", [SCRATCH+4]
        SHOW32 "", [SCRATCH]
        SW 0x38FD
        NL
        add di, 10
        jmp .sv
.sn:    add si, 2
        jmp .s
.sd:
        PUTS "-- loads", 10
        fninit
        fld dword [cs:f32s]
        ST0
        fld dword [cs:f32s+4]           ; single denormal → normal extended
        ST0
        fld dword [cs:f32s+8]           ; single SNaN → QNaN, IE
        ST0
        SW 0x38FD
        NL
        fninit
        fld qword [cs:f64s]
        ST0
        fld qword [cs:f64s+8]
        ST0
        fild word [cs:ints]
        ST0
        fild dword [cs:ints+2]
        ST0
        fild qword [cs:ints+6]
        ST0
        SW 0x38FD
        NL
        fninit
        fbld [cs:bcd]
        ST0
        fbstp [SCRATCH]
        SPACE
        SHOW16 "", [SCRATCH+8]
        SHOW32 "", [SCRATCH+4]
        SHOW32 "", [SCRATCH]
        fld tword [cs:vals]             ; 2.5: FBSTP rounds per RC
        fbstp [SCRATCH]
        SHOW32 "", [SCRATCH]
        SW 0x38FD
        NL

        PUTS "-- compares (C3 C2 C0 / ZF PF CF)", 10
        mov di, cmps
.k:     cmp di, cmps_end
        jae .kd
        fninit
        fld tword [cs:di+10]
        fld tword [cs:di]
        fcom st1
        SW 0x4500
        fucom st1
        SW 0x4501
        ftst
        SW 0x4500
        fxam
        SW 0x4700
        fcomi st0, st1
        call eflags
        fucomi st0, st1
        call eflags
        SW 0x0001
        NL
        add di, 20
        jmp .k
.kd:    fninit
        PUTS "fxam empty:"
        fxam
        SW 0x4700
        fld1
        fchs
        PUTS " fxam -1:"
        fxam
        SW 0x4700
        NL

        PUTS "-- fcmov", 10
        fninit
        fld1                    ; ST1 = 1
        fldz                    ; ST0 = 0
        mov ah, 0x41            ; ZF and CF set (SAHF), PF clear
        sahf                    ; (printing changes EFLAGS)
        fcmovb st0, st1         ; CF=1 → moves
        ST0
        fldz
        sahf                    ; (printing changes EFLAGS)
        fcmovnb st0, st2        ; not moved
        ST0
        sahf                    ; (printing changes EFLAGS)
        fcmove st0, st2         ; ZF=1 → moved
        ST0
        fldz
        sahf                    ; (printing changes EFLAGS)
        fcmovu st0, st3         ; PF=0 → not moved
        ST0
        sahf                    ; (printing changes EFLAGS)
        fcmovnbe st0, st3
        ST0
        NL

        ; (stack overflow/underflow, IE+SF with C1, is not modelled by QEMU 7.2:
        ; see sdm_divergent)
        PUTS "-- fsave/frstor image", 10
        fninit
        fldpi
        fld1
        fldz
        fld tword [cs:vals]
        mov word [FCW], 0x0E7F
        fldcw [FCW]
        fdiv st0, st2                   ; 2.5/1, exact... no: ST2 is 1
        fld1
        fdiv st0, st2                   ; 1/0: ZE (masked)
        o32 fnsave [IMG]
        SHOW16 "cw=", [IMG]
        SHOW16 "sw=", [IMG+4]
        SHOW16 "tw=", [IMG+8]
        NL
        mov si, IMG + 28
        mov cx, 8
.r:     HEX16 [si+8]
        PUTS ":"
        HEX32 [si+4]
        HEX32 [si]
        SPACE
        add si, 10
        loop .r
        NL
        fnstsw ax
        HEX16 ax                        ; FNSAVE reinitialises the FPU
        mov word [IMG+8], 0xFF3F        ; tags: ST6,ST7 empty... as a reload test
        o32 frstor [IMG]
        o32 fnstenv [SCRATCH]
        SHOW16 " after frstor cw=", [SCRATCH]
        SHOW16 "sw=", [SCRATCH+4]
        SHOW16 "tw=", [SCRATCH+8]
        ST0
        NL
        fninit
        fld1
        o16 fnsave [IMG]                ; 16-bit real-mode layout: words
        SHOW16 "fsave16 cw=", [IMG]
        SHOW16 "sw=", [IMG+2]
        SHOW16 "tw=", [IMG+4]
        HEX16 [IMG+14+8]
        NL

        PUTS "-- fxch/fincstp/fdecstp/ffree", 10
        fninit
        fld1
        fldz
        fldpi                           ; ST0=pi ST1=0 ST2=1
        fxch st2
        ST0                             ; 1
        fincstp                         ; (no printing here: PST0's FLD would hit
        SW 0x3800                       ; the valid register below TOP: overflow)
        fdecstp
        ffree st1
        o32 fnstenv [SCRATCH]
        SHOW16 " tw=", [SCRATCH+8]
        NL                              ; (FST ST(i) into an empty register: see
        fninit                          ; sdm_divergent, QEMU keeps the tag empty)

        PUTS "-- fstenv/fldenv", 10
        fninit
        mov word [FCW], 0x0F40          ; all exceptions unmasked, RC=chop, PC=24
        fldcw [FCW]
        fld1
        o32 fnstenv [IMG]               ; (then masks all exceptions: not compared,
        SHOW16 "image cw=", [IMG]       ; QEMU 7.2 does not; see sdm_divergent)
        mov word [IMG], 0x027F
        mov word [IMG+4], 0x4100        ; C3 C0 in the status word
        o32 fldenv [IMG]
        fnstcw [SCRATCH]
        fnstsw ax
        SHOW16 "after fldenv cw=", [SCRATCH]
        SHOW16 "sw=", ax
        NL
        fninit

        PUTS "-- unmasked exception and #MF", 10
        mov eax, cr0
        or eax, 0x20                    ; NE: native x87 error reporting
        mov cr0, eax
        fninit
        mov word [FCW], 0x037B          ; ZE unmasked
        fldcw [FCW]
        fld1
        fldz
        RESUME_AT .mf
        fdiv st1, st0                   ; sets ZE and ES; no #MF yet
        fnstsw ax
        HEX16 ax
        PUTS " no #MF yet", 10
        fwait                           ; #MF here
        PUTS "no #MF", 10
.mf:    fnstsw ax
        HEX16 ax
        fnclex
        fnstsw ax
        SHOW16 " after fnclex=", ax
        call pst0
        NL
        ; (QEMU 7.2 raises #MF only at FWAIT, not at the next waiting FP
        ; instruction: see sdm_divergent)
        fninit
        mov eax, cr0
        and eax, ~0x20
        mov cr0, eax
        SHOW32 "exceptions=", [EXC_COUNT]
        NL
        EXIT

eflags: pushf
        pop ax
        and ax, 0x45
        SPACE
        HEX8 al
        ret

cws:    dw 0x037F, 0x077F, 0x0B7F, 0x0F7F, 0x007F, 0x027F, 0
vals:   dt 2.5
        dt -2.5
        dt 3.5
        dt -0.5
        dt 1.0e10
        dt 65535.7
        dt -32768.4
        dt 1e20
        dt 0.1
        dt 3.4028235677973366e38   ; just above FLT_MAX: rounds to max or inf by RC
        dt 1e-40
        dt __?QNaN?__
vals_end:
f32s:   dd 1.5, 0x00000001, 0x7FA00000
f64s:   dq 1.0e-310, -123.456
ints:   dw -2
        dd 0x80000000
        dq 0x7FFFFFFFFFFFFFFF
bcd:    dq 0x0000000099999999
        dw 0x8000
cmps:   dt 1.0
        dt 2.0
        dt 2.0
        dt 1.0
        dt 1.0
        dt 1.0
        dt -0.0
        dt 0.0
        dt __?QNaN?__
        dt 1.0
        dt __?Infinity?__
        dt 1.0
        dt -3.0
        dt -__?Infinity?__
cmps_end:
%include "lib/end.inc"
