; Prints "bye" and halts with interrupts disabled: nothing can wake the CPU (SDM Vol. 2 HLT).
%include "hv.inc"
        ROM_START
        mov si, msg
        call puts
        cli
        hlt
msg:    db "bye", 13, 10, 0
        ROM_END
