; Triple fault (SDM Vol. 3 6.15, "Interrupt 8"): with an empty IDT, INT3 → #GP →
; #DF → shutdown, which resets a PC. The program marks RAM first; after the reset it
; runs again from the reset vector, sees the mark (RAM survives a reset), checks the
; CPU is back in real mode with reset CR0, and ends.
; The harness runs QEMU without -no-reboot for this program.
; difftest: reset
%include "lib/rom.inc"

%define MAGIC 0x50495254                ; "TRIP"
main:
        cmp dword [WARM_MAGIC], MAGIC
        je after_reset
        mov dword [WARM_MAGIC], MAGIC
        PUTS "triple_fault", 10
        ENTER_PM
        PUTS "in protected mode, loading an empty IDT", 10
        lidt [cs:empty_idt]
        int3
        PUTS "not reached", 10
        EXIT
empty_idt: dw 0
           dd 0
        bits 16
after_reset:
        mov dword [WARM_MAGIC], 0
        PUTS "after reset: "
        mov eax, cr0
        SHOW32 "cr0=", eax
        mov ax, cs
        SHOW16 "cs=", ax
        sidt [SCRATCH]
        SHOW16 "idt limit=", [SCRATCH]
        SHOW32 "base=", [SCRATCH+2]
        NL
        EXIT
%include "lib/end.inc"
