; External interrupts through the 8259 PIC from the 8254 PIT (SDM Vol. 3 6.3, 6.8.3,
; 6.12): a pending IRQ is held while IF=0 (IRR polled), taken one instruction after STI
; (the STI shadow), wakes HLT (return address after HLT), ISR bit set in the handler
; until EOI; then in protected mode through an interrupt gate (IF=0 in the handler),
; a trap gate (IF=1), and from ring 3 through a DPL-0 gate (DPL is not checked for
; hardware interrupts; the stack switches to TSS.SS0:ESP0).
; Without a BIOS the local APIC keeps LINT0 masked after reset (SDM Vol. 3 10.4.7.1),
; so the 8259's INTR would never reach the core: QEMU runs this one without an APIC.
; difftest: cpu=pentium3,-apic
%include "lib/rom.inc"

%define PIT_CNT 200

; program the PIT channel 0: mode 0, one shot, PIT_CNT ticks
%macro PIT_ONESHOT 0
        mov al, 0x30            ; channel 0, lobyte/hibyte, mode 0, binary
        out 0x43, al
        mov al, PIT_CNT & 0xFF
        out 0x40, al
        mov al, PIT_CNT >> 8
        out 0x40, al
%endmacro
; wait (IF=0) until IRR bit 0 of the master PIC is set
%macro WAIT_IRR 0
%%w:    mov al, 0x0A
        out 0x20, al
        in al, 0x20
        test al, 1
        jz %%w
%endmacro

main:
        PUTS "irq", 10
        ; PIC init: master vectors 20h-27h, slave 28h-2Fh, only IRQ0 unmasked
        mov al, 0x11
        out 0x20, al
        out 0xA0, al
        mov al, 0x20
        out 0x21, al
        mov al, 0x28
        out 0xA1, al
        mov al, 4
        out 0x21, al
        mov al, 2
        out 0xA1, al
        mov al, 1
        out 0x21, al
        out 0xA1, al
        mov al, 0xFE
        out 0x21, al
        mov al, 0xFF
        out 0xA1, al
        mov word [0x20*4], rm_irq0
        mov word [0x20*4+2], 0xF000

        PUTS "-- real mode", 10
        PIT_ONESHOT
        WAIT_IRR
        PUTS "irr set while if=0", 10
        sti
rm_after_sti:
        nop                     ; runs before the interrupt (STI shadow)
rm_after_nop:
        cli
        PIT_ONESHOT
        sti
        hlt
rm_after_hlt:
        cli
        PUTS "after hlt", 10

        ENTER_PM
        SETIDT 0x20, pm_irq0, 0x8E
        PUTS "-- protected mode, interrupt gate", 10
        PIT_ONESHOT
        WAIT_IRR
        sti
        nop
pm_after_nop:
        cli
        PUTS "-- trap gate", 10
        SETIDT 0x20, pm_irq0, 0x8F
        PIT_ONESHOT
        sti
        hlt
pm_after_hlt:
        cli
        PUTS "-- from ring 3 (gate DPL 0)", 10
        SETIDT 0x20, pm_irq0, 0x8E
        PIT_ONESHOT
        WAIT_IRR
        RING3_BEGIN 3           ; IOPL 3 so ring 3 may STI
        sti
        nop
r3_after_nop:
        cli
        RING3_END
        SHOW32 "irqs=", [SCRATCH]
        NL
        EXIT

        bits 16
rm_irq0:
        push bp
        mov bp, sp
        push ax
        inc word [SCRATCH]
        PUTS "rm irq0 ip="
        mov ax, [bp+2]
        cmp ax, rm_after_nop
        je .a
        cmp ax, rm_after_hlt
        je .b
        HEX16 ax
        jmp .p
.a:     PUTS "after the nop"
        jmp .p
.b:     PUTS "after hlt"
.p:     mov al, 0x0B            ; ISR
        out 0x20, al
        in al, 0x20
        SHOW8 " isr=", al
        mov al, 0x20            ; EOI
        out 0x20, al
        mov al, 0x0B
        out 0x20, al
        in al, 0x20
        SHOW8 "after eoi isr=", al
        NL
        pop ax
        pop bp
        iret
        bits 32
pm_irq0:
        push ebp
        mov ebp, esp
        push eax
        mov ax, DATA0
        mov ds, ax
        inc dword [SCRATCH]
        PUTS "pm irq0 eip="
        mov eax, [ebp+4]
        cmp eax, pm_after_nop
        je .a
        cmp eax, pm_after_hlt
        je .b
        cmp eax, r3_after_nop
        je .c
        call hex32_32
        jmp .p
.a:     PUTS "after the nop"
        jmp .p
.b:     PUTS "after hlt"
        jmp .p
.c:     PUTS "after the ring-3 nop"
.p:     SHOW16 " cs=", [ebp+8]
        mov eax, esp
        SHOW32 "esp=", eax
        pushfd
        pop eax
        shr eax, 9
        and al, 1
        SHOW8 "if=", al
        mov al, 0x20
        out 0x20, al
        NL
        pop eax
        pop ebp
        iretd
%include "lib/end.inc"
