; Hardware interrupts meeting restartable instructions and V86 mode (SDM Vol. 3 6.6,
; 20.3.3): a long REP MOVSB with the PIT firing as a rate generator must finish with
; the right data and ECX=0 however often it is interrupted (the IRET returns to the
; REP instruction with its registers part-way); an IRQ arriving while the CPU runs
; V86 code enters the ring-0 handler with VM=1 in the frame and the V86 segments
; saved, and IRET goes back to V86. Printed results do not depend on timing.
; Without a BIOS the local APIC keeps LINT0 masked, so QEMU runs without an APIC.
; difftest: cpu=pentium3,-apic
%include "lib/rom.inc"

%define COUNT  SCRATCH+0x20
%define SAWVM  SCRATCH+0x24

main:
        PUTS "irq_more", 10
        mov al, 0x11            ; PICs: master 20h, slave 28h, only IRQ0 unmasked
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
        mov word [0x20*4], rm_tick
        mov word [0x20*4+2], 0xF000
        mov al, 0x34            ; PIT channel 0, mode 2 (rate generator), count 300
        out 0x43, al
        mov al, 300 & 0xFF
        out 0x40, al
        mov al, 300 >> 8
        out 0x40, al

        PUTS "-- real mode rep movsb under interrupts", 10
        ; source 0x10000..0x17FFF = pattern, destination 0x20000
        mov ax, 0x1000
        mov ds, ax
        xor si, si
        mov cx, 0x8000
.f:     mov ax, si
        xor al, ah
        mov [si], al
        inc si
        loop .f
        mov ax, 0x2000
        mov es, ax
        xor si, si
        xor di, di
        mov ecx, 0x8000
        sti
        rep movsb
        hlt                     ; at least one tick
        cli
        mov edx, ecx
        ; compare
        xor si, si
        mov cx, 0x8000
        mov bl, 1
.c:     mov al, [si]
        cmp al, [es:si]
        je .ok
        mov bl, 0
.ok:    inc si
        loop .c
        xor ax, ax
        mov ds, ax
        mov es, ax
        SHOW8 "copy ok=", bl
        SHOW32 "ecx=", edx
        SHOW16 "si=", si
        cmp word [COUNT], 0
        setne al
        SHOW8 "ticks>0=", al
        NL

        ENTER_PM
        SETIDT 0x20, pm_tick, 0x8E
        SETIDT 0x30, v86_done, 0xEE
        PUTS "-- protected mode rep movsd under interrupts", 10
        mov esi, 0x100000
        mov edi, 0x180000
        mov ecx, 0x20000
        mov eax, 0x01020304
.g:     mov [esi + ecx*4 - 4], eax
        rol eax, 3
        loop .g
        mov dword [COUNT], 0
        mov ecx, 0x20000
        sti
        rep movsd
        hlt
        cli
        mov edx, ecx
        mov esi, 0x100000
        mov edi, 0x180000
        mov ecx, 0x20000
        repe cmpsd
        sete bl
        SHOW8 "copy ok=", bl
        SHOW32 "ecx=", edx
        cmp dword [COUNT], 0
        setne al
        SHOW8 "ticks>0=", al
        NL

        PUTS "-- irq while in v86", 10
        mov dword [SAWVM], 0
        mov [RING0_ESP], esp
        push dword 0            ; GS
        push dword 0            ; FS
        push dword 0            ; DS
        push dword 0            ; ES
        push dword 0x3000       ; SS
        push dword 0x1000       ; SP
        push dword 0x20000 | 0x3000 | 0x200     ; VM, IOPL 3, IF
        push dword 0xF000
        push dword v86_spin
        iretd
after_v86:
        cli
        SHOW8 "handler saw vm=1:", [SAWVM]
        SHOW16 "v86 cs=", [SAWVM+2]
        NL
        EXIT

        bits 16
v86_spin:
        cmp byte [SAWVM], 0     ; DS=0: linear SAWVM
        je v86_spin
        int 0x30
        bits 32

v86_done:
        mov ax, DATA0
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov esp, [RING0_ESP]
        jmp after_v86

pm_tick:
        push eax
        push ds
        mov ax, DATA0
        mov ds, ax
        inc dword [COUNT]
        test dword [esp+16], 0x20000    ; EFLAGS in the frame (after 2 pushes)
        jz .n
        mov byte [SAWVM], 1
        mov ax, [esp+12]                ; CS of the V86 code
        mov [SAWVM+2], ax
.n:     mov al, 0x20
        out 0x20, al
        pop ds
        pop eax
        iretd

        bits 16
rm_tick:
        push ds
        push ax
        xor ax, ax
        mov ds, ax
        inc word [COUNT]
        mov al, 0x20
        out 0x20, al
        pop ax
        pop ds
        iret
        bits 32
%include "lib/end.inc"
