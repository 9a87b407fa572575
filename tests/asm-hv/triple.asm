; Prints "boot", then triple-faults: with an IDT limit of 0 the INT3 exception cannot be
; delivered, nor the #DF that follows, so the CPU shuts down (SDM Vol. 3A 6.15, interrupt 8:
; a fault while delivering #DF causes shutdown; 20.1.4 real-mode IDT limit checks).
%include "hv.inc"
        ROM_START
        mov si, msg
        call puts
        lidt [cs:idt0]
        int3
        hlt
msg:    db "boot", 13, 10, 0
idt0:   dw 0
        dd 0
        ROM_END
