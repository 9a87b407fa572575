; Real-mode MUL/IMUL (1-, 2- and 3-operand forms) and DIV/IDIV in 8/16/32 bits,
; and divide errors: #DE (vector 0) for a zero divisor and for quotient overflow
; pushes the address of the faulting DIV itself (SDM Vol. 3 6.15, "Interrupt 0").
; Only CF/OF are defined after multiplies; no flags after divides.
%include "lib/rom.inc"
%include "lib/alu.inc"

main:
        PUTS "rm_muldiv", 10
        OP "mul8", 0x801, vals, {mul bl}
        OP "mul16", 0x801, vals, {mul bx}
        OP "mul32", 0x801, vals, {mul ebx}
        OP "imul8", 0x801, vals, {imul bl}
        OP "imul16", 0x801, vals, {imul bx}
        OP "imul32", 0x801, vals, {imul ebx}
        OP "imul16 r,r", 0x801, vals, {imul ax, bx}
        OP "imul32 r,r", 0x801, vals, {imul eax, ebx}
        OP "imul32 r,r,imm8", 0x801, vals, {imul eax, ebx, -3}
        OP "imul16 r,r,imm16", 0x801, vals, {imul cx, bx, 0x7001}
        OP "div8", 0, divs, {div bl}
        OP "div16", 0, divs, {call div16}
        OP "div32", 0, divs, {call div32}
        OP "idiv8", 0, idivs8, {idiv bl}
        OP "idiv16", 0, divs, {call idiv16}
        OP "idiv32", 0, divs, {call idiv32}

        PUTS "divide errors", 10
        RESUME_AT .e1
        xor bl, bl
        mov ax, 5
.de1:    div bl
        PUTS "no fault", 10
.e1:    RESUME_AT .e2
        mov ax, 0x1000
        mov bl, 0x10            ; quotient 0x100 does not fit AL
.de2:    div bl
        PUTS "no fault", 10
.e2:    RESUME_AT .e3
        mov ax, 0x8000          ; -32768 / -1 = 32768 > 127... AL overflow
        mov bl, 0xFF
.de3:    idiv bl
        PUTS "no fault", 10
.e3:    RESUME_AT .e4
        mov edx, 1
        xor eax, eax
        mov ebx, 1              ; 2^32 / 1 overflows EAX
.de4:    div ebx
        PUTS "no fault", 10
.e4:    RESUME_AT .e5
        mov edx, 0xFFFFFFFF
        mov eax, 0x80000000     ; -2^31 / -1
        mov ebx, 0xFFFFFFFF
.de5:    idiv ebx
        PUTS "no fault", 10
.e5:    RESUME_AT .e6
        mov dx, 0x7FFF
        mov ax, 0xFFFF
        mov bx, 0x7FFF          ; 0x7FFFFFFF / 0x7FFF = 0x10002 overflows
.de6:    idiv bx
        PUTS "no fault", 10
.e6:    mov ax, 0xFF80          ; -128 / 1 does not overflow
        mov bl, 1
        idiv bl
        SHOW16 "idiv -128/1:", ax
        NL
        SHOW32 "exceptions:", [EXC_COUNT]
        NL
        EXIT

; Dividends built from a and b so no table entry overflows: DX:AX = a>>16 small.
div16:  mov edx, eax
        shr edx, 16
        and dx, 0x7       ; high half smaller than the divisor (divisor | 0x8000 below)
        or bx, 0x8000
        div bx
        ret
div32:  mov edx, eax
        shr edx, 28
        or ebx, 0x80000000
        div ebx
        ret
idiv16: cwd
        idiv bx
        ret
idiv32: cdq
        idiv ebx
        ret

vals:
        dd 0, 0
        dd 1, 1
        dd 0x7F, 2
        dd 0x80, 0x80
        dd 0xFF, 0xFF
        dd 0x7FFF, 0x7FFF
        dd 0x8000, 0xFFFF
        dd 0xFFFF, 0x8000
        dd 0x7FFFFFFF, 2
        dd 0x80000000, 0xFFFFFFFF
        dd 0xFFFFFFFF, 0xFFFFFFFF
        dd 0x12345678, 0x9ABCDEF0
        dd 0x00000100, 0xFFFFFFF0
        dd 0xDEADBEEF
divs:   ; no zero divisors and no overflow for any divide in this table (checked)
        dd 0x00000064, 0x07
        dd 0x000000FF, 0x03
        dd 0x00000F0F, 0x7F
        dd 0x12340102, 0xFD
        dd 0x87650321, 0x876543F1
        dd 0xFFFF00FF, 0x05
        dd 0x80000000, 0x12345678
        dd 0x00050000, 0x10003
        dd 0xDEADBEEF
idivs8: ; signed 16/8 without overflow
        dd 0x0000FF81, 0xFE      ; -127 / -2 = 63 r -1
        dd 0x00000081, 0xFE      ; 129 / -2 = -64 r 1
        dd 0x00003F80, 0x80      ; 16256 / -128 = -127 r 0
        dd 0x0000FF80, 0x01      ; -128 / 1
        dd 0x00000007, 0x02
        dd 0x0000FFF9, 0x02      ; -7 / 2 = -3 r -1 (truncates toward zero)
        dd 0xDEADBEEF
%include "lib/end.inc"
