; Real-mode integer ALU: results and defined flags of ADD/ADC/SUB/SBB/CMP/AND/OR/
; XOR/TEST/NEG/NOT/INC/DEC in 8/16/32-bit widths, on edge values, with all
; arithmetic flags initially clear and initially set (SDM Vol. 2, each instruction's
; "Flags Affected"; AF is undefined after logic ops, so masked out).
%include "lib/rom.inc"
%include "lib/alu.inc"

%define ALL 0x08D5      ; OF SF ZF AF PF CF
%define LOG 0x08C5      ; logic ops: AF undefined

main:
        PUTS "rm_alu", 10
        OP "add8",  ALL, vals, {add al, bl}
        OP "add16", ALL, vals, {add ax, bx}
        OP "add32", ALL, vals, {add eax, ebx}
        OP "adc8",  ALL, vals, {adc al, bl}
        OP "adc16", ALL, vals, {adc ax, bx}
        OP "adc32", ALL, vals, {adc eax, ebx}
        OP "sub8",  ALL, vals, {sub al, bl}
        OP "sub16", ALL, vals, {sub ax, bx}
        OP "sub32", ALL, vals, {sub eax, ebx}
        OP "sbb8",  ALL, vals, {sbb al, bl}
        OP "sbb16", ALL, vals, {sbb ax, bx}
        OP "sbb32", ALL, vals, {sbb eax, ebx}
        OP "cmp8",  ALL, vals, {cmp al, bl}
        OP "cmp16", ALL, vals, {cmp ax, bx}
        OP "cmp32", ALL, vals, {cmp eax, ebx}
        OP "and8",  LOG, vals, {and al, bl}
        OP "and16", LOG, vals, {and ax, bx}
        OP "and32", LOG, vals, {and eax, ebx}
        OP "or8",   LOG, vals, {or al, bl}
        OP "or16",  LOG, vals, {or ax, bx}
        OP "or32",  LOG, vals, {or eax, ebx}
        OP "xor8",  LOG, vals, {xor al, bl}
        OP "xor16", LOG, vals, {xor ax, bx}
        OP "xor32", LOG, vals, {xor eax, ebx}
        OP "test8", LOG, vals, {test al, bl}
        OP "test16", LOG, vals, {test ax, bx}
        OP "test32", LOG, vals, {test eax, ebx}
        OP "neg8",  ALL, vals, {neg al}
        OP "neg16", ALL, vals, {neg ax}
        OP "neg32", ALL, vals, {neg eax}
        OP "not8",  ALL, vals, {not al}
        OP "not32", ALL, vals, {not eax}
        OP "inc8",  ALL, vals, {inc al}
        OP "inc16", ALL, vals, {inc ax}
        OP "inc32", ALL, vals, {inc eax}
        OP "dec8",  ALL, vals, {dec al}
        OP "dec16", ALL, vals, {dec ax}
        OP "dec32", ALL, vals, {dec eax}
        OP "add8imm", ALL, vals, {add al, 0x80}
        OP "sub16imm8", ALL, vals, {sub ax, byte -1}
        OP "adc32imm", ALL, vals, {adc eax, 0x7FFFFFFF}
        OP "cmp8 ah", ALL, vals, {cmp ah, bh}
        OP "xadd16", ALL, vals, {xadd cx, ax}
        OP "cmpxchg32", ALL, vals, {cmpxchg ecx, edx}
        OP "cmpxchg8", ALL, vals, {cmpxchg cl, dl}
        OP "setcc", 0, vals, {call setcc_all}
        OP "cmovcc", 0, vals, {call cmov_all}
        OP "lahf", ALL, vals, {lahf}
        OP "sahf", ALL, vals, {sahf}
        OP "cbw/cwde/cdq", 0, vals, {call ext_all}
        OP "movsx/movzx", 0, vals, {call movx_all}
        OP "bswap", 0, vals, {bswap eax}
        ; memory-operand forms (ModRM mod != 3): the result is read back into EAX
        OP "add m32,r", ALL, vals, {call m_add}
        OP "sbb m16,r", ALL, vals, {call m_sbb}
        OP "xor m8,imm", LOG, vals, {call m_xor}
        OP "neg m32", ALL, vals, {call m_neg}
        OP "inc m16", ALL, vals, {call m_inc}
        OP "cmp r,m32", ALL, vals, {call m_cmp}
        OP "xchg m32,r", 0, vals, {call m_xchg}
        OP "xadd m32,r", ALL, vals, {call m_xadd}
        OP "cmpxchg m32,r", ALL, vals, {call m_cmpxchg}
        OP "bts m32,r (bit offset beyond the dword)", 0x01, bitoffs, {call m_bts}
        OP "btr m16,r (negative bit offset)", 0x01, bitoffs, {call m_btr}
        OP "bt m32,imm", 0x01, vals, {call m_bt}
        EXIT

%define MEM SCRATCH+0x100
m_add:  mov [MEM], eax
        add [MEM], ebx
        mov eax, [MEM]
        ret
m_sbb:  mov [MEM], eax
        sbb [MEM], bx
        mov eax, [MEM]
        ret
m_xor:  mov [MEM], eax
        xor byte [MEM], 0x5A
        mov eax, [MEM]
        ret
m_neg:  mov [MEM], eax
        neg dword [MEM]
        mov eax, [MEM]
        ret
m_inc:  mov [MEM], eax
        inc word [MEM]
        mov eax, [MEM]
        ret
m_cmp:  mov [MEM], ebx
        cmp eax, [MEM]
        ret
m_xchg: mov [MEM], eax
        xchg [MEM], ebx
        mov eax, [MEM]
        mov ecx, ebx
        ret
m_xadd: mov [MEM], eax
        xadd [MEM], ebx
        mov eax, [MEM]
        mov ecx, ebx
        ret
m_cmpxchg:
        mov [MEM], ebx
        mov edx, 0x55555555
        cmpxchg [MEM], edx
        mov ecx, [MEM]
        ret
; a bit string at MEM-0x20 .. MEM+0x20; EBX = bit offset (signed); ECX = dword at
; the addressed place afterwards, EAX = the byte offset it lands at
m_bts:  call bitclear
        bts [MEM], ebx
        jmp bitfind
m_btr:  call bitset
        btr [MEM], bx
        jmp bitfind
bitclear:
        pushf
        push di
        push cx
        mov di, MEM - 0x20
        xor eax, eax
        mov cx, 0x10
        rep stosd
        pop cx
        pop di
        popf
        ret
bitset: pushf
        push di
        push cx
        mov di, MEM - 0x20
        mov eax, 0xFFFFFFFF
        mov cx, 0x10
        rep stosd
        pop cx
        pop di
        popf
        ret
; finds the one dword that is not all 0 / all 1 (ignores flags)
bitfind:
        pushf
        push si                 ; (SI is the sampler's table pointer)
        mov si, MEM - 0x20
        mov edx, [si]           ; the background pattern (unchanged dwords)
.f:     mov ecx, [si]
        cmp ecx, edx
        jne .got
        add si, 4
        cmp si, MEM + 0x20
        jb .f
.got:   movzx eax, si
        sub eax, MEM
        pop si
        popf
        ret
m_bt:   mov [MEM], eax
        bt dword [MEM], 31
        ret

bitoffs:
        dd 0, 0
        dd 0, 31
        dd 0, 32
        dd 0, 100
        dd 0, -1
        dd 0, -33
        dd 0, 0x7F
        dd 0, -0x80
        dd 0xDEADBEEF

; SETcc of all 16 conditions (bit n = condition n in SDM order o,no,b,nb,...) after
; CMP EAX,EBX packed into ECX, and after CMP AL,BL packed into EDX.
setcc_all:
        cmp eax, ebx
        seto [SCRATCH+0x10+0]
        setno [SCRATCH+0x10+1]
        setb [SCRATCH+0x10+2]
        setnb [SCRATCH+0x10+3]
        setz [SCRATCH+0x10+4]
        setnz [SCRATCH+0x10+5]
        setbe [SCRATCH+0x10+6]
        setnbe [SCRATCH+0x10+7]
        sets [SCRATCH+0x10+8]
        setns [SCRATCH+0x10+9]
        setp [SCRATCH+0x10+10]
        setnp [SCRATCH+0x10+11]
        setl [SCRATCH+0x10+12]
        setnl [SCRATCH+0x10+13]
        setle [SCRATCH+0x10+14]
        setnle [SCRATCH+0x10+15]
        cmp al, bl
        seto [SCRATCH+0x20+0]
        setno [SCRATCH+0x20+1]
        setb [SCRATCH+0x20+2]
        setnb [SCRATCH+0x20+3]
        setz [SCRATCH+0x20+4]
        setnz [SCRATCH+0x20+5]
        setbe [SCRATCH+0x20+6]
        setnbe [SCRATCH+0x20+7]
        sets [SCRATCH+0x20+8]
        setns [SCRATCH+0x20+9]
        setp [SCRATCH+0x20+10]
        setnp [SCRATCH+0x20+11]
        setl [SCRATCH+0x20+12]
        setnl [SCRATCH+0x20+13]
        setle [SCRATCH+0x20+14]
        setnle [SCRATCH+0x20+15]
        push si
        mov si, SCRATCH+0x10
        call .pack
        mov ecx, edx
        call .pack
        pop si
        ret
.pack:  xor edx, edx
        mov bx, 15
.p:     shl edx, 1
        or dl, [si+bx]
        dec bx
        jns .p
        add si, 0x10
        ret

; CMOVcc of all 16 conditions after CMP EAX,EBX: bit n of EDX set if cc n moved.
cmov_all:
        xor edx, edx
        cmp eax, ebx
        lea ecx, [edx + 1]
        cmovo edx, ecx
        lea ecx, [edx + 2]
        cmovno edx, ecx
        lea ecx, [edx + 4]
        cmovb edx, ecx
        lea ecx, [edx + 8]
        cmovnb edx, ecx
        lea ecx, [edx + 16]
        cmovz edx, ecx
        lea ecx, [edx + 32]
        cmovnz edx, ecx
        lea ecx, [edx + 64]
        cmovbe edx, ecx
        lea ecx, [edx + 128]
        cmovnbe edx, ecx
        lea ecx, [edx + 256]
        cmovs edx, ecx
        lea ecx, [edx + 512]
        cmovns edx, ecx
        lea ecx, [edx + 1024]
        cmovp edx, ecx
        lea ecx, [edx + 2048]
        cmovnp edx, ecx
        lea ecx, [edx + 4096]
        cmovl edx, ecx
        lea ecx, [edx + 8192]
        cmovnl edx, ecx
        lea ecx, [edx + 16384]
        cmovle edx, ecx
        lea ecx, [edx + 32768]
        cmovnle edx, ecx
        mov ecx, edx
        cmp ax, bx
        mov edx, 0
        lea ebx, [edx + 1]
        cmovo dx, bx
        lea ebx, [edx + 2]
        cmovno dx, bx
        lea ebx, [edx + 4]
        cmovb dx, bx
        lea ebx, [edx + 8]
        cmovnb dx, bx
        lea ebx, [edx + 16]
        cmovz dx, bx
        lea ebx, [edx + 32]
        cmovnz dx, bx
        lea ebx, [edx + 64]
        cmovbe dx, bx
        lea ebx, [edx + 128]
        cmovnbe dx, bx
        lea ebx, [edx + 256]
        cmovs dx, bx
        lea ebx, [edx + 512]
        cmovns dx, bx
        lea ebx, [edx + 1024]
        cmovp dx, bx
        lea ebx, [edx + 2048]
        cmovnp dx, bx
        lea ebx, [edx + 4096]
        cmovl dx, bx
        lea ebx, [edx + 8192]
        cmovnl dx, bx
        lea ebx, [edx + 16384]
        cmovle dx, bx
        lea ebx, [edx + 32768]
        cmovnle dx, bx
        ret

; ECX = CBW(a), EAX = CWDE(a), EDX = CDQ(a) sign
ext_all:
        mov ebx, eax
        cbw
        mov ecx, eax
        mov eax, ebx
        cwde
        xchg eax, ebx
        cdq
        mov eax, ebx
        ret

movx_all:
        movsx ecx, al
        movzx edx, ah
        movsx eax, ax
        ret

vals:
        dd 0, 0
        dd 1, 1
        dd 0x7F, 1
        dd 0x80, 0x80
        dd 0xFF, 1
        dd 0x0F, 0x01
        dd 0x7FFF, 1
        dd 0x8000, 0xFFFF
        dd 0xFFFF, 0xFFFF
        dd 0x7FFFFFFF, 1
        dd 0x80000000, 0x80000000
        dd 0xFFFFFFFF, 1
        dd 0x12345678, 0x9ABCDEF0
        dd 0x8000007F, 0x7FFF8081
        dd 0x55AA33CC, 0xAA55CC33
        dd 0x00000001, 0xFFFFFFFF
        dd 0xDEADBEEF

%include "lib/end.inc"
