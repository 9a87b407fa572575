; Real-mode control transfers: all 16 Jcc conditions in short (7x) and near (0F 8x)
; forms after CMP on a table of operands (taken mask in ECX/EDX), JCXZ/JECXZ, LOOP with
; CX and ECX (A32), near CALL/JMP through registers and memory, RET n, and the
; CPU-identification behaviour of FLAGS bits 12-15 in real mode (SDM Vol. 1 3.4.3,
; 386+: bit 15 reads 0, IOPL and NT are writable by POPF in real mode).
%include "lib/rom.inc"
%include "lib/alu.inc"

main:
        PUTS "rm_branch", 10
        OP "jcc after cmp eax,ebx", 0, vals, {call jcc_all}
        OP "jcc after add al,bl", 0, vals, {call jcc_add8}
        PUTS "-- jcxz/loop", 10
        mov ecx, 0x10000
        xor ax, ax
        jcxz .z1
        mov ax, 1
.z1:    SHOW16 "jcxz cx=0 ecx=10000 taken(0)=", ax
        xor ax, ax
        jecxz .z2               ; A32 form: tests ECX
        mov ax, 1
.z2:    SHOW16 "jecxz not taken(1)=", ax
        mov ecx, 0x00010002
        xor ax, ax
.l1:    inc ax
        loop .l1                ; CX only: 2 iterations
        SHOW16 "loop cx iterations=", ax
        SHOW32 "ecx=", ecx
        NL
        PUTS "-- indirect", 10
        mov bx, .t1
        call bx
        mov word [SCRATCH+0x40], .t2
        call [SCRATCH+0x40]
        mov word [SCRATCH+0x40], .t3
        jmp [SCRATCH+0x40]
.back3: mov ax, sp
        SHOW16 "sp=", ax
        push word 0x1111
        push word 0x2222
        call .retn
        mov ax, sp
        SHOW16 "after ret 4 sp=", ax
        NL
        PUTS "-- flags bits 12-15", 10
        pushf
        pop ax
        or ax, 0xF000
        push ax
        popf
        pushf
        pop ax
        and ax, 0xF000
        SHOW16 "set=", ax
        pushf
        pop ax
        and ax, 0x0FFF
        push ax
        popf
        pushf
        pop ax
        and ax, 0xF000
        SHOW16 "cleared=", ax
        NL
        EXIT
.t1:    PUTS "call bx ok", 10
        ret
.t2:    PUTS "call [mem] ok", 10
        ret
.t3:    PUTS "jmp [mem] ok", 10
        jmp .back3
.retn:  ret 4

; ECX bit n = Jcc short taken, EDX bit n = Jcc near taken, for condition n
jcc_all:
        cmp eax, ebx
        jmp jcc_flags
jcc_add8:
        add al, bl
jcc_flags:
        pushf
        xor ecx, ecx
        xor edx, edx
        popf
        pushf
        jo short .s0
        jmp short .s0n
.s0:   or ecx, 1
.s0n:  popf
        pushf
        jo near .n0
        jmp near .n0n
.n0:   or edx, 1
.n0n:
        popf
        pushf
        jno short .s1
        jmp short .s1n
.s1:   or ecx, 2
.s1n:  popf
        pushf
        jno near .n1
        jmp near .n1n
.n1:   or edx, 2
.n1n:
        popf
        pushf
        jb short .s2
        jmp short .s2n
.s2:   or ecx, 4
.s2n:  popf
        pushf
        jb near .n2
        jmp near .n2n
.n2:   or edx, 4
.n2n:
        popf
        pushf
        jnb short .s3
        jmp short .s3n
.s3:   or ecx, 8
.s3n:  popf
        pushf
        jnb near .n3
        jmp near .n3n
.n3:   or edx, 8
.n3n:
        popf
        pushf
        jz short .s4
        jmp short .s4n
.s4:   or ecx, 16
.s4n:  popf
        pushf
        jz near .n4
        jmp near .n4n
.n4:   or edx, 16
.n4n:
        popf
        pushf
        jnz short .s5
        jmp short .s5n
.s5:   or ecx, 32
.s5n:  popf
        pushf
        jnz near .n5
        jmp near .n5n
.n5:   or edx, 32
.n5n:
        popf
        pushf
        jbe short .s6
        jmp short .s6n
.s6:   or ecx, 64
.s6n:  popf
        pushf
        jbe near .n6
        jmp near .n6n
.n6:   or edx, 64
.n6n:
        popf
        pushf
        jnbe short .s7
        jmp short .s7n
.s7:   or ecx, 128
.s7n:  popf
        pushf
        jnbe near .n7
        jmp near .n7n
.n7:   or edx, 128
.n7n:
        popf
        pushf
        js short .s8
        jmp short .s8n
.s8:   or ecx, 256
.s8n:  popf
        pushf
        js near .n8
        jmp near .n8n
.n8:   or edx, 256
.n8n:
        popf
        pushf
        jns short .s9
        jmp short .s9n
.s9:   or ecx, 512
.s9n:  popf
        pushf
        jns near .n9
        jmp near .n9n
.n9:   or edx, 512
.n9n:
        popf
        pushf
        jp short .s10
        jmp short .s10n
.s10:   or ecx, 1024
.s10n:  popf
        pushf
        jp near .n10
        jmp near .n10n
.n10:   or edx, 1024
.n10n:
        popf
        pushf
        jnp short .s11
        jmp short .s11n
.s11:   or ecx, 2048
.s11n:  popf
        pushf
        jnp near .n11
        jmp near .n11n
.n11:   or edx, 2048
.n11n:
        popf
        pushf
        jl short .s12
        jmp short .s12n
.s12:   or ecx, 4096
.s12n:  popf
        pushf
        jl near .n12
        jmp near .n12n
.n12:   or edx, 4096
.n12n:
        popf
        pushf
        jnl short .s13
        jmp short .s13n
.s13:   or ecx, 8192
.s13n:  popf
        pushf
        jnl near .n13
        jmp near .n13n
.n13:   or edx, 8192
.n13n:
        popf
        pushf
        jle short .s14
        jmp short .s14n
.s14:   or ecx, 16384
.s14n:  popf
        pushf
        jle near .n14
        jmp near .n14n
.n14:   or edx, 16384
.n14n:
        popf
        pushf
        jnle short .s15
        jmp short .s15n
.s15:   or ecx, 32768
.s15n:  popf
        pushf
        jnle near .n15
        jmp near .n15n
.n15:   or edx, 32768
.n15n:
        popf
        ret

vals:
        dd 0, 0
        dd 1, 2
        dd 2, 1
        dd 0x7FFFFFFF, 0xFFFFFFFF
        dd 0x80000000, 1
        dd 0xFFFFFFFF, 0x7FFFFFFF
        dd 0x7F, 0x01
        dd 0x80, 0x80
        dd 0x12345678, 0x12345678
        dd 0x0F, 0xF1
        dd 0xDEADBEEF
%include "lib/end.inc"
