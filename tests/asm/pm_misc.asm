; Protected-mode addressing and operand-size details (SDM Vol. 1 3.7, 6.2-6.3, Vol. 2
; PUSH/POP/LDS/CALL/RET/IRET, Vol. 3 5.3): LDS/LES/LFS/LGS/LSS, a 16-bit code segment
; (default operand size from D=0, O32 prefix), a 16-bit stack segment (B=0: only SP
; changes), SS as default segment for EBP/ESP addressing, PUSH ESP / POP ESP /
; POP [ESP], far CALL/RET and IRET with 16-bit operand size, a far jump beyond the CS
; limit (#GP(0)).
%include "lib/rom.inc"

%define SSX   0x68      ; data, base 0x100000, 4 GiB (as SS: EBP-relative lands there)

main:
        PUTS "pm_misc", 10
        ENTER_PM
        SETDESC SSX, 0x100000, 0xFFFFF, 0x93, 0xC

        PUTS "-- far pointer loads", 10
        mov dword [SCRATCH], 0x12345678
        mov word [SCRATCH+4], SSX
        lds eax, [SCRATCH]
        mov bx, ds
        mov cx, DATA0
        mov ds, cx
        SHOW32 "lds off=", eax
        SHOW16 "sel=", bx
        les ax, [SCRATCH+2]             ; 16-bit offset, selector at +4: SSX... see below
        mov bx, es
        SHOW16 "les16 off=", ax
        SHOW16 "sel=", bx
        NL
        mov word [SCRATCH+4], 0
        XTRY "lss with null selector", {lss esp, [SCRATCH]}
        XTRY "lfs with an empty descriptor", {mov word [SCRATCH+4], 0x80}, {lfs eax, [SCRATCH]}
        mov ax, DATA0
        mov es, ax

        PUTS "-- stack", 10
        mov eax, esp
        push esp
        pop ebx
        sub eax, ebx
        SHOW32 "push esp pushes old esp: delta=", eax
        mov [SCRATCH], esp
        push dword 0x22222222
        push dword 0x11111111
        pop dword [esp]                 ; ESP is incremented before [ESP] is computed
        pop eax
        SHOW32 "pop [esp]: slot above=", eax
        push dword 0xAAAA0000
        push esp
        pop esp                         ; ESP = value popped
        mov eax, [SCRATCH]
        sub eax, esp
        SHOW32 "pop esp: depth=", eax
        mov esp, [SCRATCH]
        NL
        ; SS as default segment: [ebp] and [esp] use SS (base 0x100000 here)
        mov dword [0x100000 + 0x2000], 0xBEEFBEEF
        mov ebx, esp
        mov ax, SSX
        mov ss, ax
        mov esp, 0x3000
        mov ebp, 0x2000
        mov eax, [ebp]
        SHOW32 "[ebp] via ss=", eax
        mov eax, [ds:ebp]
        SHOW32 "[ds:ebp]=", eax
        lea esi, [ebp + 0x10]
        mov eax, [esi - 0x10]           ; ESI base → DS
        SHOW32 "[esi-10]=", eax
        mov ax, DATA0
        mov ss, ax
        mov esp, ebx
        NL
        ; 16-bit stack segment (B=0): PUSH/POP use SP, ESP[31:16] unchanged
        mov ebx, esp
        mov ax, DATA16
        mov ss, ax
        mov esp, 0x00018000
        push dword 0x12345678
        mov eax, esp
        SHOW32 "b=0 push: esp=", eax
        movzx esi, sp
        SHOW32 "[sp]=", [esi]
        pop ecx
        mov ax, DATA0
        mov ss, ax
        mov esp, ebx
        NL

        PUTS "-- 16-bit code segment", 10
        jmp CODE16:code16
        bits 16
code16: mov ax, cs
        SHOW16 "cs=", ax
        mov ebx, esp
        push ax                         ; 2 bytes by default
        sub ebx, esp
        SHOW16 "push ax size=", bx
        pop ax
        mov ebx, esp
        push eax                        ; O32 prefix: 4 bytes
        sub ebx, esp
        SHOW16 "o32 push size=", bx
        pop eax
        call near .n16                  ; pushes a 2-byte IP
.n16r:  jmp dword CODE0:back32
.n16:   mov ebp, esp                    ; SS is 32-bit (B=1): the stack uses ESP
        mov ax, [ebp]
        cmp ax, .n16r
        sete al
        SHOW8 "ret ip ok=", al
        NL
        ret
        bits 32
back32: mov ax, cs
        SHOW16 "back in cs=", ax
        NL

        PUTS "-- 16-bit far call/iret in 32-bit code", 10
        mov ebx, esp
        call word CODE0:.far16          ; O16: pushes CS:IP as two words
        jmp .f2
.far16: mov eax, ebx
        sub eax, esp
        SHOW32 "o16 call far frame=", eax
        o16 retf
.f2:    mov eax, ebx
        sub eax, esp
        SHOW32 "after o16 retf delta=", eax
        pushfd
        pop eax
        o16 push ax                     ; FLAGS
        o16 push cs
        o16 push word .i2
        o16 iret
.i2:    mov eax, ebx
        sub eax, esp
        SHOW32 "after o16 iret delta=", eax
        NL

        PUTS "-- limits and conforming gate", 10
        XTRY "jmp far beyond cs limit", {jmp CODE16:0x12345}
        ; (CALL far beyond the limit must give #GP(0), and a call gate to a conforming
        ; segment keeps CPL: QEMU 7.2 gets both wrong, see sdm_divergent)
        SHOW32 "exceptions=", [EXC_COUNT]
        NL
        EXIT

%include "lib/end.inc"
