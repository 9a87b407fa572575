; A guest that never yields: interrupts off, a tight loop (the CPU-share test's hog).
%include "hv.inc"
        ROM_START
        mov si, msg
        call puts
.spin:  inc ax
        jmp .spin
msg:    db "spin", 13, 10, 0
        ROM_END
