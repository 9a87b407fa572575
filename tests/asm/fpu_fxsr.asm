; x87 inside the CPU and FXSAVE/FXRSTOR (SDM Vol. 2A FXSAVE/FXRSTOR, Table 3-53; Vol. 3A
; 2.5, 6.15): CPUID FPU and FXSR bits, x87 memory operands through FS/GS overrides and
; 32-bit addressing, FNSTSW AX, the FXSAVE image (FCW, FSW, abridged tags, registers;
; MXCSR and XMM only with CR4.OSFXSR), FXRSTOR with an edited tag byte, #GP for a
; misaligned operand, #NM with CR0.TS, and an unmasked exception restored by FXRSTOR
; reported at FWAIT as #MF (CR0.NE=1). Not compared: FOP/FIP/FDP (see README) and
; MXCSR_MASK (QEMU models SSE, Ringmaster has none). Real mode.
%include "lib/rom.inc"
%include "lib/fpu.inc"

%define IMG 0x0000              ; FXSAVE image at FS:0 = 0x30000 (16-byte aligned)

main:
        PUTS "fpu_fxsr", 10
        mov eax, 1
        cpuid
        mov eax, edx
        and eax, 0x01000001
        SHOW32 "cpuid fpu|fxsr=", eax
        NL
        mov ax, 0x3000
        mov fs, ax
        mov ax, 0x3100
        mov gs, ax

        PUTS "-- segment overrides", 10
        fninit
        mov dword [gs:0x10], 0x3FC00000         ; 1.5
        mov dword [fs:0x220], 0
        mov dword [fs:0x224], 0x40020000        ; 2.25
        fld dword [gs:0x10]
        fadd qword [fs:0x220]
        fstp qword [gs:0x20]
        SHOW32 "gs:20=", [gs:0x24]
        HEX32 [gs:0x20]
        mov ebx, 0x10
        a32 fld dword [gs:ebx]
        fnstsw ax
        SHOW16 " sw=", ax
        call pst0
        NL

        PUTS "-- fxsave without osfxsr", 10
        call fill
        fninit
        fld1
        fldpi
        fxsave [fs:IMG]
        call image
        SHOW32 "mxcsr area=", [fs:IMG+24]
        SHOW32 "xmm0=", [fs:IMG+160]
        NL

        PUTS "-- fxsave with osfxsr", 10
        mov eax, cr4
        or eax, 0x200
        mov cr4, eax
        call fill
        fninit
        mov word [SCRATCH], 0x0B7F              ; RC=up, PC=64, all masked
        fldcw [SCRATCH]
        fld1
        fldz
        fldpi
        fchs
        fxsave [fs:IMG]
        call image
        SHOW32 "mxcsr=", [fs:IMG+24]
        xor eax, eax
        mov si, 160
.x:     or eax, [fs:si]
        add si, 4
        cmp si, 288
        jb .x
        SHOW32 "xmm or=", eax
        NL

        PUTS "-- fxrstor", 10
        fninit
        fxrstor [fs:IMG]
        fnstcw [SCRATCH]
        fnstsw ax
        o32 fnstenv [SCRATCH+0x10]
        SHOW16 "cw=", [SCRATCH]
        SHOW16 "sw=", ax
        SHOW16 "tw=", [SCRATCH+0x18]
        call pst0
        NL
        mov byte [fs:IMG+4], 0xA0               ; only physical registers 5 and 7 in use
        fxrstor [fs:IMG]
        o32 fnstenv [SCRATCH+0x10]
        SHOW16 "edited tags: tw=", [SCRATCH+0x18]
        call pst0
        NL

        PUTS "-- faults", 10
        XTRY "fxsave misaligned", {fxsave [fs:IMG+8]}
        XTRY "fxrstor misaligned", {fxrstor [fs:IMG+0x18]}
        mov eax, cr0
        or eax, 8                               ; TS
        mov cr0, eax
        XTRY "fxsave with ts", {fxsave [fs:IMG]}
        clts

        PUTS "-- pending exception through fxrstor", 10
        mov eax, cr0
        or eax, 0x20                            ; NE
        mov cr0, eax
        fninit
        mov word [SCRATCH], 0x037B              ; ZE unmasked
        fldcw [SCRATCH]
        fld1
        fldz
        fdiv st1, st0                           ; ZE, ES pending
        fxsave [fs:IMG]
        fninit
        fxrstor [fs:IMG]
        fnstsw ax
        SHOW16 "sw=", ax
        NL
        XTRY "fwait", {fwait}
        fninit
        mov eax, cr0
        and eax, ~0x20
        mov cr0, eax
        SHOW32 "exceptions=", [EXC_COUNT]
        NL
        EXIT

; 512 bytes of 0xEE at FS:IMG
fill:   push di
        push es
        push cx
        mov ax, fs
        mov es, ax
        mov di, IMG
        mov cx, 256
        mov ax, 0xEEEE
        rep stosw
        pop cx
        pop es
        pop di
        ret

; prints FCW FSW abridged-FTW and the registers ST0..ST2 of the image
image:  SHOW16 "fcw=", [fs:IMG]
        SHOW16 "fsw=", [fs:IMG+2]
        SHOW8 "ftw=", [fs:IMG+4]
        mov si, IMG+32
        mov cx, 3
.r:     HEX16 [fs:si+8]
        PUTS ":"
        HEX32 [fs:si+4]
        HEX32 [fs:si]
        SPACE
        add si, 16
        loop .r
        ret
%include "lib/end.inc"
