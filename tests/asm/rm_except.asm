; Real-mode interrupts and exceptions (SDM Vol. 3 20.1.4, 6.15): INT n / INT3 / INTO
; through the IVT (frame FLAGS/CS/IP, IF and TF cleared in the handler), #BR, #UD,
; #DE, LOCK on lockable and non-lockable instructions, single-step traps (TF) with the MOV SS / POP SS interrupt shadow, STI's
; one-instruction delay, LIDT moving the real-mode interrupt table, far CALL/JMP
; through memory and RETF n.
%include "lib/rom.inc"


main:
        PUTS "rm_except", 10
        mov word [3*4], h_show
        mov word [4*4], h_show
        mov word [0x40*4], h_show
        mov word [0x40*4+2], 0xF000
        mov word [0x41*4], h_show
        mov word [0x41*4+2], 0xF000
        mov word [1*4], h_step
        mov word [0x600], 0     ; step count

        PUTS "-- int n / int3 / into", 10
        push word 0x0AD7        ; OF IF SF ZF AF PF CF: the frame keeps them
        popf
        int 0x40
        mov ax, 0x08D7 | 0x200
        push ax
        popf
        int3
        int 3
        into                    ; OF=1
        cli
        push word 0x0002
        popf
        into                    ; OF=0: nothing
        PUTS "into with OF=0: no trap", 10

        PUTS "-- faults", 10
        XTRY "ud2", {ud2}
        XTRY "bound", {mov ax, 9}, {bound ax, [cs:limits]}
        XTRY "bound low", {mov ax, -1}, {bound ax, [cs:limits]}
        TRY16 "bound in range", {mov ax, 3}, {bound ax, [cs:limits]}
        XTRY "lock add reg", {db 0xF0, 0x01, 0xC0}
        TRY16 "lock add [mem],ax", {lock add [SCRATCH], ax}
        TRY16 "lock xchg [mem],ax", {lock xchg [SCRATCH], ax}
        TRY16 "lock bts [mem],ax", {lock bts word [SCRATCH], ax}
        TRY16 "lock cmpxchg8b", {lock cmpxchg8b [SCRATCH]}
        TRY16 "lock not/neg/inc/dec/xadd", {lock not word [SCRATCH]}, {lock neg byte [SCRATCH]}, {lock inc dword [SCRATCH]}, {lock dec word [SCRATCH]}, {lock xadd [SCRATCH], cx}
        XTRY "lock cmp [mem],ax", {db 0xF0, 0x39, 0x06, SCRATCH & 0xFF, SCRATCH >> 8}
        XTRY "lock nop", {db 0xF0, 0x90}
        XTRY "aam 0", {aam 0}
        XTRY "mov cs, ax", {db 0x8E, 0xC8}
        XTRY "lea with register", {db 0x8D, 0xC0}

        PUTS "-- single step", 10
        pushf
        or word [esp], 0x100
        popf
        nop                     ; #DB after this (trap: IP of the next one)
        mov ax, ss
        mov ss, ax              ; shadow: no #DB after MOV SS ...
        nop                     ; ... but after this one
        push ss
        pop ss                  ; same for POP SS
        nop
        inc cx
        pushf
        and word [esp], ~0x100
        popf
        SHOW16 "steps=", [0x600]
        NL

        PUTS "-- lidt", 10
        mov word [0x8000 + 0x40*4], h_other
        mov word [0x8000 + 0x40*4 + 2], 0xF000
        lidt [cs:ivt2]
        int 0x40
        lidt [cs:ivt0]
        int 0x40
        sidt [SCRATCH]
        SHOW16 "idtr limit=", [SCRATCH]
        SHOW32 "base=", [SCRATCH+2]
        NL

        PUTS "-- far transfers through memory", 10
        mov word [SCRATCH], farproc
        mov word [SCRATCH+2], 0xF000
        mov ax, sp
        SHOW16 "sp=", ax
        push word 0x1111
        push word 0x2222
        call far [SCRATCH]
        mov ax, sp
        SHOW16 "after retf 4 sp=", ax
        mov word [SCRATCH], .fj
        jmp far [SCRATCH]
        PUTS "not reached", 10
.fj:    PUTS "jmp far [mem] ok"
        NL
        SHOW32 "exceptions=", [EXC_COUNT]
        NL
        EXIT


farproc:
        mov bp, sp
        SHOW16 "far call frame ip=", [bp]
        SHOW16 "cs=", [bp+2]
        SHOW16 "args=", [bp+4]
        SHOW16 "", [bp+6]
        NL
        retf 4

; prints the IRET frame and the handler's FLAGS (IF, TF cleared)
h_show: push bp
        mov bp, sp
        push ax
        PUTS "int: ip="
        HEX16 [bp+2]
        SHOW16 " cs=", [bp+4]
        mov ax, [bp+6]
        and ax, 0x0FD7
        SHOW16 "fl=", ax
        pushf
        pop ax
        and ax, 0x0300
        SHOW16 "handler if/tf=", ax
        NL
        pop ax
        pop bp
        iret
h_other:
        PUTS "int 40 through the moved table", 10
        iret
; #DB: count and print the IP after the trapping instruction
h_step: push bp
        mov bp, sp
        inc word [0x600]
        PUTS "step ip="
        HEX16 [bp+2]
        NL
        pop bp
        iret

limits: dw 0, 5
ivt2:   dw 0x3FF
        dd 0x8000
ivt0:   dw 0x3FF
        dd 0
%include "lib/end.inc"
