; IOPL and the TSS I/O permission bitmap, and the "sensitive but unprivileged"
; instructions that made the x86 hard to virtualise (SDM Vol. 1 18.5, Vol. 3 2.8,
; POPF/IRET in Vol. 2): at CPL 3 with IOPL 0, IN/OUT are checked against the bitmap
; (every byte of a multi-byte port), CLI/STI fault, POPF/IRET silently keep IF and
; IOPL; with IOPL 3 everything is allowed; SGDT/SIDT/SLDT/STR/SMSW/PUSHF do not trap.
%include "lib/rom.inc"

%define IOMAP (TSS_BASE + 0x68)

%macro TRY3 3-*         ; iopl, "label", {insn}...
        RING3_BEGIN %1
        PUTS %2, ": "
        RESUME_AT %%n
%rotate 2
%rep %0 - 2
        %1
%rotate 1
%endrep
        PUTS "ok", 10
%%n:
        RING3_END
%endmacro

main:
        PUTS "pm_iopl", 10
        ENTER_PM
        PUTS "-- I/O bitmap at CPL 3, IOPL 0 (only 0xE9 allowed)", 10
        TRY3 0, "out 80", {out 0x80, al}
        TRY3 0, "in 80", {in al, 0x80}
        TRY3 0, "out dx=80", {mov dx, 0x80}, {out dx, al}
        and byte [IOMAP + (0x80 >> 3)], ~1 & 0xFF      ; allow port 0x80
        TRY3 0, "out 80 allowed", {out 0x80, al}
        TRY3 0, "out 80 word (81 denied)", {out 0x80, ax}
        and byte [IOMAP + (0x81 >> 3)], ~2 & 0xFF
        TRY3 0, "out 80 word allowed", {out 0x80, ax}
        TRY3 0, "out 80 dword (82,83 denied)", {out 0x80, eax}
        TRY3 0, "in e8 word (e8 denied)", {in ax, 0xE8}
        TRY3 0, "insb 80", {mov edi, SCRATCH}, {mov dx, 0x80}, {insb}
        TRY3 0, "outsb e9", {mov esi, SCRATCH+0x10}, {mov byte [SCRATCH+0x10], '*'}, {mov dx, 0xE9}, {outsb}
        ; the bitmap ends at the TSS limit: with the limit covering ports 0..0xFF
        ; only, port 0x100 is denied even though its bit would be clear
        and byte [IOMAP + (0x100 >> 3)], ~1 & 0xFF
        and byte [IOMAP + (0xF8 >> 3)], ~1 & 0xFF
        mov word [GDT_BASE + TSS_SEL], 0x68 + 0x20
        and byte [GDT_BASE + TSS_SEL + 5], ~2 & 0xFF   ; clear busy, reload TR
        mov ax, TSS_SEL
        ltr ax
        TRY3 0, "out 100 beyond tss limit", {mov dx, 0x100}, {out dx, al}
        TRY3 0, "out f8 within limit", {mov dx, 0xF8}, {out dx, al}
        mov word [GDT_BASE + TSS_SEL], 0x68 + TSS_IOMAP_SIZE
        and byte [GDT_BASE + TSS_SEL + 5], ~2 & 0xFF
        mov ax, TSS_SEL
        ltr ax
        TRY3 0, "out 100 allowed", {mov dx, 0x100}, {out dx, al}
        ; I/O map base beyond the limit: no bitmap, every port denied (ring 3 cannot
        ; print here, so the result is printed by the ring-0 exception handler)
        mov word [TSS_BASE + 0x66], 0x3000
        PUTS "out e9 with no bitmap: "
        RING3_BEGIN 0
        RESUME_AT .nb
        mov al, '!'
        out 0xE9, al
        RING3_END
.nb:    mov word [TSS_BASE + 0x66], 0x68

        PUTS "-- IOPL 3 at CPL 3", 10
        or byte [IOMAP + (0x80 >> 3)], 3                ; deny 0x80/0x81 again
        TRY3 3, "out 80 iopl3", {out 0x80, al}
        TRY3 3, "cli iopl3", {cli}, {sti}, {pushfd}, {pop eax}, {cli}, {and eax, 0x3200}, {HEX32 eax}, {SPACE}
        TRY3 0, "cli iopl0", {cli}
        TRY3 0, "sti iopl0", {sti}

        PUTS "-- POPF/IRET at CPL 3 IOPL 0: IF and IOPL silently unchanged", 10
        TRY3 0, "popf", {pushfd}, {or dword [esp], 0x3200 | 0x8D5 | 0x40000}, {popfd}, {pushfd}, {pop eax}, {and eax, 0x7FFFFF}, {HEX32 eax}, {SPACE}
        TRY3 0, "popf16", {pushf}, {or word [esp], 0x3200}, {popf}, {pushfd}, {pop eax}, {HEX32 eax}, {SPACE}
        PUTS "iret same ring: "
        RING3_BEGIN 0
        pushfd
        or dword [esp], 0x3200 | 0x1
        push cs
        push dword .ir1
        iretd
.ir1:   pushfd
        pop eax
        HEX32 eax
        NL
        RING3_END
        ; POPF at CPL 0 may set IOPL; at CPL 3 with IOPL 3 it may set IF
        pushfd
        or dword [esp], 0x3000
        popfd
        pushfd
        pop eax
        SHOW32 "cpl0 popf iopl3:", eax
        pushfd
        and dword [esp], ~0x3000
        popfd
        NL
        TRY3 3, "popf iopl3", {pushfd}, {or dword [esp], 0x200}, {popfd}, {pushfd}, {pop eax}, {HEX32 eax}, {SPACE}, {cli}

        PUTS "-- sensitive instructions at CPL 3 (no trap)", 10
        RING3_BEGIN 0
        sgdt [SCRATCH]
        SHOW16 "sgdt", [SCRATCH]
        SHOW32 "", [SCRATCH+2]
        sidt [SCRATCH]
        SHOW16 "sidt", [SCRATCH]
        SHOW32 "", [SCRATCH+2]
        sldt ax
        SHOW16 "sldt", ax
        str ax
        SHOW16 "str", ax
        smsw eax                ; (bits 31-16 undefined)
        SHOW16 "smsw", ax
        mov ax, cs
        SHOW16 "cs", ax
        push dword 0            ; PUSH CS may write only 16 bits (SDM PUSH): zero the slot
        pop eax
        push cs
        pop eax
        SHOW32 "push cs", eax
        mov eax, 0xFFFFFFFF
        mov ax, ss
        SHOW32 "mov ax,ss", eax
        mov eax, 0xFFFFFFFF
        mov eax, ss             ; P6: upper half zeroed (SDM MOV)
        SHOW32 "mov eax,ss", eax
        pushfd
        pop eax
        SHOW32 "pushf", eax
        NL
        ; AC (bit 18) and ID (bit 21) are writable at any CPL
        pushfd
        xor dword [esp], 0x240000
        popfd
        pushfd
        pop eax
        and eax, 0x240000
        SHOW32 "ac/id toggled", eax
        pushfd
        and dword [esp], ~0x240000
        popfd
        NL
        RING3_END

        PUTS "-- ring 1 with IOPL 1", 10
        mov [RING0_ESP], esp
        mov dword [RING0_CONT], .b1
        push dword DATA1
        push dword STACK1
        push dword 0x1002
        push dword CODE1
        push dword .r1
        iretd
.r1:    mov ax, DATA1
        mov ds, ax
        TRY "r1 cli", {cli}
        TRY "r1 out 80", {out 0x80, al}
        TRY "r1 popf iopl3", {pushfd}, {or dword [esp], 0x3000}, {popfd}, {pushfd}, {pop eax}, {HEX32 eax}, {SPACE}
        call GATE_R0:0
.b1:    SHOW32 "exceptions=", [EXC_COUNT]
        NL
        EXIT
%include "lib/end.inc"
