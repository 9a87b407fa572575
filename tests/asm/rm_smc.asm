; Self-modifying code (SDM Vol. 3 11.6: a write to a code location that is about to be
; executed is seen by the processor, also when the instruction was already fetched or
; decoded): code copied to RAM and patched between calls, a store into the very next
; instruction (no jump in between), REP STOSB overwriting the code that follows it,
; and a patch through a different segment:offset alias of the same bytes.
; Real mode; the code runs at 0900:0000 (linear 0x9000).
%include "lib/rom.inc"

%define RAMSEG 0x0900

main:
        PUTS "rm_smc", 10
        mov ax, RAMSEG
        mov es, ax
        xor di, di
        mov si, blob
        mov cx, blob_end - blob
        cs rep movsb
        mov ds, ax                      ; DS = ES = code segment in RAM

        call RAMSEG:0                   ; f1: returns AX = 0x1111
        SHOW16 "call 1 ax=", ax
        mov word [b_imm - blob + 1], 0x2222   ; patch MOV AX, imm16
        call RAMSEG:0
        SHOW16 "patched ax=", ax
        NL
        call RAMSEG:(b_next - blob)     ; stores into the next instruction
        SHOW16 "next-insn patch ax=", ax
        call RAMSEG:(b_next - blob)     ; a second run sees the patched code too
        SHOW16 "again ax=", ax
        NL
        call RAMSEG:(b_stos - blob)     ; REP STOSB turns what follows into NOPs
        SHOW16 "stos over code ax=", ax
        NL
        ; alias: 0800:1000+x is the same byte as 0900:0000+x
        mov ax, 0x0800
        mov es, ax
        mov word [es:0x1000 + (b_imm - blob) + 1], 0x3333
        call RAMSEG:0
        SHOW16 "patched via alias ax=", ax
        NL
        xor ax, ax
        mov ds, ax
        mov es, ax
        EXIT

; position-independent code, copied to RAM (labels used as offsets from blob)
blob:
b_imm:  mov ax, 0x1111
        retf
b_next: mov byte [cs:(b_p - blob) + 1], 0x77   ; immediate of the next MOV
b_p:    mov al, 0x00
        mov ah, 0x55
        retf
b_stos: push es
        push cs
        pop es
        mov di, b_tail - blob
        mov cx, b_tail_end - b_tail
        mov al, 0x90                    ; NOP
        mov bx, 0xAAAA
        rep stosb
b_tail: mov bx, 0xBAD0                  ; replaced by NOPs before it runs
        mov bx, 0xBAD1
b_tail_end:
        pop es
        mov ax, bx
        retf
blob_end:
%include "lib/end.inc"
