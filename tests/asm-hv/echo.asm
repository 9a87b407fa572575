; Console test: prints "ready", then echoes each byte received on COM1 in upper case
; (16550: LSR bit 0 = data ready, RBR at +0 with DLAB=0).
%include "hv.inc"
        ROM_START
        mov si, msg
        call puts
.poll:  mov dx, COM1 + 5
        in al, dx
        test al, 1
        jz .poll
        mov dx, COM1
        in al, dx
        cmp al, 'a'
        jb .send
        cmp al, 'z'
        ja .send
        sub al, 0x20
.send:  call putc
        jmp .poll
msg:    db "ready", 13, 10, 0
        ROM_END
