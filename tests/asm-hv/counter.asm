; Prints "NNNN PPPP" lines on COM1 forever: a line counter and the PIT channel 0 count latched
; at that moment (8254 datasheet: counter latch command, mode 2 rate generator), so the output
; depends on virtual time as well as on the instruction stream.
%include "hv.inc"
        ROM_START
        mov al, 0x34            ; channel 0, lobyte/hibyte, mode 2, binary
        out 0x43, al
        mov al, 0x00            ; count 0x8000 (lobyte, hibyte)
        out 0x40, al
        mov al, 0x80
        out 0x40, al
        xor bx, bx
line:
        mov ax, bx
        call hex16
        mov al, ' '
        call putc
        mov al, 0x00            ; latch channel 0
        out 0x43, al
        in al, 0x40
        mov ah, al
        in al, 0x40
        xchg al, ah
        call hex16
        mov al, 13
        call putc
        mov al, 10
        call putc
        inc bx
        ; vary the work per line with the counter so line timing is not periodic
        mov cx, bx
        and cx, 0x3FF
        add cx, 500
.delay: loop .delay
        jmp line
        ROM_END
