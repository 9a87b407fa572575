; Real-mode string instructions (REP/REPE/REPNE, DF=1, 16- and 32-bit addressing,
; segment overrides), BCD adjust (DAA/DAS/AAA/AAS/AAM/AAD, #DE on AAM 0), 32-bit
; operand/address-size prefixes, SIB addressing, PUSHA/POPA, ENTER/LEAVE, LOOPcc,
; XLAT, far CALL/RET, INT/IRET through the IVT and 16-bit offset wrap-around.
%include "lib/rom.inc"
%include "lib/alu.inc"

%define BUF  0x2000     ; scratch buffers (segment 0 / segment 0x200)

main:
        PUTS "rm_misc", 10
        ; ---- BCD (SDM Vol. 2: DAA/DAS OF undefined; AAA/AAS only AF,CF; AAM/AAD SF,ZF,PF)
        OP "daa", 0x0D5, bcd, {daa}
        OP "das", 0x0D5, bcd, {das}
        OP "aaa", 0x011, bcd, {aaa}
        OP "aas", 0x011, bcd, {aas}
        OP "aam", 0x0C4, bcd, {aam}
        OP "aam 16", 0x0C4, bcd, {aam 16}
        OP "aad", 0x0C4, bcd, {aad}
        OP "aad 7", 0x0C4, bcd, {aad 7}
        RESUME_AT .a0
        mov ax, 0x1234
.aam0:  aam 0
        PUTS "no fault", 10
.a0:
        ; ---- string ops
        call fill
        PUTS "rep movsb", 10
        mov si, BUF
        mov di, BUF + 0x100
        mov cx, 37
        rep movsb
        call regs
        call dump
        PUTS "std rep movsw", 10
        call fill
        std
        mov si, BUF + 0x20
        mov di, BUF + 0x28
        mov cx, 9
        rep movsw
        cld
        call regs
        call dump
        PUTS "a32 rep stosd", 10
        call fill
        mov edi, BUF + 0x10
        mov eax, 0xA5A55A5A
        mov ecx, 5
        a32 rep stosd
        call regs
        call dump
        PUTS "repe cmpsb", 10
        call fill
        mov byte [BUF + 0x107], 0
        mov si, BUF
        mov di, BUF + 0x100
        mov cx, 0x40
        push word 0
        popf
        repe cmpsb
        pushf
        call regs
        pop ax
        and ax, 0x8D5
        HEX16 ax
        NL
        PUTS "repne scasb", 10
        mov di, BUF
        mov al, 0x13
        mov cx, 0x80
        repne scasb
        pushf
        call regs
        pop ax
        and ax, 0x8D5
        HEX16 ax
        NL
        PUTS "repne scasw not found", 10
        mov di, BUF
        mov ax, 0xFFFF
        mov cx, 0x10
        repne scasw
        pushf
        call regs
        pop ax
        and ax, 0x8D5
        HEX16 ax
        NL
        PUTS "lodsd es: override movs", 10
        mov si, BUF + 4
        lodsd
        HEX32 eax
        SPACE
        mov ax, 0x200           ; ES = 0x200 → linear 0x2000 = BUF
        mov es, ax
        mov si, 8
        mov di, 0x100
        mov cx, 4
        es rep movsb            ; source ES:8 = BUF+8; dest ES:0x100 = BUF+0x100
        xor ax, ax
        mov es, ax
        HEX32 [BUF+0x100]
        NL
        PUTS "rep outsb to port e9: "
        mov si, outs_text
        mov dx, 0xE9
        mov cx, outs_text_end - outs_text
        cs rep outsb
        call regs
        PUTS "rep stosb across di=ffff (16-bit wrap)", 10
        mov ax, 0x1000
        mov es, ax
        mov dword [es:0xFFFC], 0
        mov dword [es:0x0000], 0
        mov di, 0xFFFE
        mov cx, 4
        mov al, 0xAB
        rep stosb
        SHOW32 "es:fffc=", [es:0xFFFC]
        SHOW32 "es:0=", [es:0]
        HEX16 di
        NL
        xor ax, ax
        mov es, ax
        PUTS "rep with cx=0", 10
        mov cx, 0
        mov si, BUF
        mov di, BUF + 0x100
        rep movsb
        call regs
        ; ---- 32-bit prefixes and SIB addressing in real mode
        PUTS "prefixes", 10
        mov dword [BUF], 0x11223344
        mov dword [BUF + 0x40], 0x55667788
        mov eax, BUF
        mov ebx, 0x10
        mov ecx, [eax + ebx*4]
        HEX32 ecx
        SPACE
        lea edx, [eax + ebx*8 + 0x12345]
        HEX32 edx
        SPACE
        lea dx, [bx + si - 0x10]
        HEX32 edx
        SPACE
        mov bx, 0xFFFF
        mov si, 2
        mov ax, [BUF+0x10]      ; [bx+si+disp] wraps modulo 64 KiB
        mov word [BUF + 1], 0xBEEF
        mov ax, [bx + si + BUF]
        HEX16 ax
        SPACE
        push dword 0xCAFEF00D
        pop ax
        pop bx
        HEX16 ax
        HEX16 bx
        SPACE
        push dword -2            ; 32-bit push of a sign-extended imm8
        pop ecx
        HEX32 ecx
        SPACE
        mov ecx, 0x80000001
        movzx eax, cx
        HEX32 eax
        SPACE
        mov eax, 0x12345678
        xchg ax, cx
        HEX32 eax
        HEX32 ecx
        NL
        ; ---- PUSHA/POPA, ENTER/LEAVE
        PUTS "pusha/enter", 10
        mov eax, 0x11111111
        mov ecx, 0x22222222
        mov edx, 0x33333333
        mov ebx, 0x44444444
        mov ebp, 0x66666666
        mov esi, 0x77777777
        mov edi, 0x88888888
        mov [SCRATCH+0x40], sp
        pushad
        mov ax, sp
        HEX16 ax
        SPACE
        mov ecx, [esp+12]       ; saved ESP
        HEX32 ecx
        SPACE
        popad
        pusha
        mov bp, sp
        HEX16 [bp+6]            ; saved SP (16-bit)
        SPACE
        popa
        mov bp, 0x1234
        enter 8, 2
        HEX16 bp
        SPACE
        HEX16 sp
        SPACE
        HEX16 [bp-2]
        SPACE
        HEX16 [bp-4]
        SPACE
        leave
        HEX16 bp
        SPACE
        HEX16 sp
        NL
        ; ---- PUSH SP (286+: the value before the push) and SP wrap-around
        PUTS "push sp / sp wrap", 10
        mov bx, sp
        push sp
        pop ax
        sub ax, bx
        SHOW16 "push sp - sp=", ax
        mov bx, ss
        mov dx, sp
        mov ax, 0x3000
        mov ss, ax
        xor sp, sp
        push word 0x1234                ; SP 0000 → FFFE: linear 0x3FFFE
        mov ax, sp
        pop cx
        mov ss, bx
        mov sp, dx
        SHOW16 "sp after push at 0=", ax
        SHOW16 "[3000:fffe]=", cx
        NL
        ; ---- LOOPcc / JCXZ / XLAT
        PUTS "loops", 10
        mov cx, 5
        xor ax, ax
.l1:    inc ax
        loop .l1
        HEX16 ax
        SPACE
        mov cx, 10
        xor ax, ax
.l2:    inc ax
        cmp ax, 3
        loope .l2               ; stops when ZF=0 (ax=1 != 3 → exits at once)
        HEX16 ax
        HEX16 cx
        SPACE
        mov cx, 10
        xor ax, ax
.l3:    inc ax
        cmp ax, 4
        loopne .l3
        HEX16 ax
        HEX16 cx
        SPACE
        xor cx, cx
        mov ax, 1
        jcxz .z
        mov ax, 2
.z:     HEX16 ax
        SPACE
        mov ecx, 0x10000        ; a32 loop uses ECX
        a32 loop .n
.n:     HEX32 ecx
        SPACE
        mov bx, xlat_tab
        mov al, 3
        cs xlatb
        HEX8 al
        NL
        ; ---- far call/ret, INT n / IRET through the IVT
        PUTS "far/int", 10
        mov word [0x80*4], int80
        mov word [0x80*4+2], 0xF000
        mov ax, sp
        HEX16 ax
        SPACE
        call 0xF000:farproc
        HEX16 ax
        SPACE
        mov ax, sp
        HEX16 ax
        SPACE
        push word 0x08D5         ; OF SF ZF AF PF CF
        popf
        int 0x80
        pushf
        pop ax
        HEX16 ax
        SPACE
        HEX16 bx
        NL
        EXIT

farproc:
        mov bp, sp
        mov ax, [bp+2]          ; caller CS
        retf

int80:  mov bp, sp
        mov bx, [bp+4]          ; pushed FLAGS
        iret

xlat_tab: db 0x10, 0x20, 0x30, 0x40
outs_text: db "string out", 10
outs_text_end:

; BUF[i] = i*7 + 3 for 0x200 bytes
fill:   pushad
        xor bx, bx
.f:     mov al, bl
        mov ah, 7
        mul ah
        add al, 3
        mov [BUF+bx], al
        inc bx
        cmp bx, 0x200
        jb .f
        popad
        ret
; prints ESI EDI ECX
regs:   HEX32 esi
        SPACE
        HEX32 edi
        SPACE
        HEX32 ecx
        NL
        ret
; dumps BUF+0 .. +0x30 and BUF+0x100.. +0x130
dump:   pushad
        mov si, BUF
        call .row
        mov si, BUF + 0x100
        call .row
        popad
        ret
.row:   mov cx, 0x30
.r:     HEX8 [si]
        inc si
        loop .r
        NL
        ret

bcd:    dd 0x0000, 0
        dd 0x0009, 0
        dd 0x000A, 0
        dd 0x000F, 0
        dd 0x0019, 0
        dd 0x001F, 0
        dd 0x004A, 0
        dd 0x0099, 0
        dd 0x009A, 0
        dd 0x00A0, 0
        dd 0x00F9, 0
        dd 0x00FF, 0
        dd 0x0766, 0
        dd 0x12FA, 0
        dd 0x0905, 0
        dd 0xFF80, 0
        dd 0xDEADBEEF
%include "lib/end.inc"
