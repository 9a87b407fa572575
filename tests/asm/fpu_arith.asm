; x87 arithmetic, bit-exact (SDM Vol. 1 ch. 8, Vol. 2 each instruction): FADD/FSUB/
; FSUBR/FMUL/FDIV/FDIVR/FSQRT/FRNDINT/FSCALE/FPREM/FPREM1/FXTRACT on a table of
; extended-precision operands (exact, inexact, zeros, infinities, NaNs, denormals,
; huge and tiny values) under all four rounding modes at 64-bit precision and with
; 24- and 53-bit precision control, exceptions masked. Printed: ST(0), ST(1) and the
; status word bits the SDM defines after these instructions (TOP, ES, SF and the
; exception flags except DE; C0/C1/C3 as FPREM's quotient bits, C2 for FPREM/FPREM1;
; QEMU 7.2 does not set FPREM1's quotient bits), saved right after the instruction.
; Where QEMU 7.2 differs from the SDM the cases live in sdm_divergent instead:
; FRNDINT/FPREM/FPREM1 run only at 64-bit precision (QEMU applies precision control
; to them; Vol. 1 8.1.5.2 limits PC to add/sub/mul/div/sqrt) and m64 operands are not
; used at 24-bit precision (QEMU rounds the operand itself to 24 bits).
%include "lib/rom.inc"
%include "lib/fpu.inc"

%define FSWSAVE 0x0A18        ; status word saved right after the instruction under test
%define SWMASK 0x38FD          ; DE and C1 (round-up) left out: QEMU 7.2 never sets them (see sdm_divergent)

; FOP "name", {insn} — runs insn with ST0=A ST1=B for every pair and control word
%macro FOP 2-3 SWMASK
        jmp %%go
%%code: %2
        ret
%%go:   PUTS %1, 10
        mov di, %%code
        mov bx, %3
        call frun
%endmacro

main:
        PUTS "fpu_arith", 10
        mov si, cws
.cw:    mov ax, [cs:si]
        test ax, ax
        jz .done
        mov [FCW], ax
        PUTS "== fcw="
        HEX16 ax
        NL
        push si
        FOP "fadd", {fadd st0, st1}
        FOP "fsub", {fsub st0, st1}
        FOP "fsubr", {fsubr st0, st1}
        FOP "fmul", {fmul st0, st1}
        FOP "fdiv", {fdiv st0, st1}
        FOP "fdivr", {fdivr st0, st1}
        FOP "fsqrt", {fsqrt}
        mov ax, [FCW]
        and ax, 0x0300
        cmp ax, 0x0300
        jne .pc_only                    ; QEMU applies PC to FRNDINT/FPREM/FPREM1: sdm_divergent
        FOP "frndint", {frndint}
        FOP "fprem", {fprem}, 0x7FFD       ; C1 = quotient bit here
        FOP "fprem1", {fprem1}, 0x3CFD      ; quotient bits: sdm_divergent
.pc_only:
        FOP "fscale", {fscale}
        FOP "fxtract", {fxtract}
        test word [FCW], 0x0300
        jz .no_m64a                     ; QEMU rounds m64 operands to 24 bits: sdm_divergent
        FOP "fadd m64", {fadd qword [cs:d_third]}
.no_m64a:
        FOP "fimul m32", {fimul dword [cs:i_seven]}
        FOP "fisubr m16", {fisubr word [cs:i_seven]}
        FOP "fidiv m32", {fidiv dword [cs:i_seven]}
        FOP "fdivr m32", {fdivr dword [cs:f_tenth]}
        test word [FCW], 0x0300
        jz .no_m64b
        FOP "fsub m64", {fsub qword [cs:d_third]}
.no_m64b:
        FOP "faddp", {faddp st1, st0}
        FOP "fsubrp", {fsubrp st1, st0}
        FOP "fdivp", {fdivp st1, st0}
        FOP "fmul st1,st0", {fmul st1, st0}
        FOP "fabs/fchs", {fabs}, 0x38FD
        FOP "fchs", {fchs}
        pop si
        add si, 2
        jmp .cw
.done:  EXIT

; for each pair: FNINIT, FLDCW, ST2=1, ST1=B, ST0=A, run [DI], print ST0 ST1 SW&BX
frun:   mov si, pairs
.p:     cmp si, pairs_end
        jae .e
        fninit
        fldcw [FCW]
        fld1                    ; a third register, so ST(1) is never empty after a pop
        fld tword [cs:si+10]
        fld tword [cs:si]
        call di
        fnstsw [FSWSAVE]        ; now: the printing below (FLD, FXCH) changes C1
        call pst0
        SPACE
        fxch
        call pst0
        fxch
        SPACE
        mov ax, [FSWSAVE]
        and ax, bx
        HEX16 ax
        NL
        add si, 20
        jmp .p
.e:     ret

cws:    dw 0x037F, 0x077F, 0x0B7F, 0x0F7F, 0x007F, 0x027F, 0
d_third: dq 0.333333333333333333
i_seven: dd 7
f_tenth: dd 0.1
%macro X80 3    ; sign|exponent, mantissa hi, mantissa lo
        dd %3, %2
        dw %1
%endmacro
pairs:
        dt 1.5
        dt 3.0
        dt 1.0
        dt 3.0
        dt -1.0
        dt 3.0
        dt 2.0
        dt 0.5
        dt 10.0
        dt -3.0
        dt 123456789.0
        dt 1000.0
        dt 0.1
        dt 0.7
        dt 0.0
        dt -0.0
        dt 1.0
        dt 0.0
        dt 0.0
        dt 0.0
        dt __?Infinity?__
        dt __?Infinity?__
        dt -__?Infinity?__
        dt 2.0
        dt __?QNaN?__
        dt 1.0
        X80 0x7FFF, 0xA0000000, 0     ; SNaN
        dt 1.0
        X80 0x0000, 0x00000001, 0x2   ; denormal
        dt 4.0
        X80 0x7FFE, 0xF0000000, 0     ; huge
        dt 8.0
        X80 0x0001, 0x80000000, 0     ; smallest normal
        dt 0.25
        X80 0x3FFF, 0xFFFFFFFF, 0xFFFFFFFF  ; 2 - ulp
        dt 1.0
        dt 5.5
        dt -2.0
        dt 1e300
        dt -1e-300
pairs_end:
%include "lib/end.inc"
