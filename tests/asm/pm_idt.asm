; IDT gates and exceptions in protected mode (SDM Vol. 3 6.10-6.15): interrupt vs
; trap gates (IF), 16-bit gates (16-bit frame), the saved EIP of faults vs traps
; (#BP/#OF/INT n point after the instruction, #UD/#DE/#BR at it), error codes for
; gate problems (vector*8+2: beyond the IDT limit, not present, wrong type), an
; exception during delivery of another (#DF), and TF/IF handling.
%include "lib/rom.inc"

main:
        PUTS "pm_idt", 10
        ENTER_PM
        SETIDT 0x40, h_int, 0x8E          ; 32-bit interrupt gate
        SETIDT 0x41, h_int, 0x8F          ; 32-bit trap gate
        SETIDT 0x42, h_int16, 0x86        ; 16-bit interrupt gate
        SETIDT 0x43, h_int, 0x0E          ; not present
        SETGATE IDT_BASE + 0x44*8, h_int, DATA0, 0x8E     ; selector is data
        SETIDT 0x45, h_int, 0x85          ; task gate type with a bad TSS selector (CODE0)
        SETIDT 0x46, h_int, 0x8C          ; call-gate type: not allowed in the IDT
        SETGATE IDT_BASE + 0x47*8, h_int, 0, 0x8E         ; null selector
        SETIDT 0x03, h_int, 0x8F          ; #BP → h_int as a trap gate
        SETIDT 0x04, h_int, 0x8F          ; #OF
        SETIDT 0x01, h_db, 0x8E           ; #DB

        PUTS "-- int n through gates", 10
        sti
        mov [SCRATCH], esp
        int 0x40
        mov [SCRATCH], esp
        int 0x41
        mov [SCRATCH], esp
        int 0x42
        cli
        mov [SCRATCH], esp
        int3
        mov [SCRATCH], esp
        int 3
        mov [SCRATCH], esp
        mov al, 0x7F
        add al, 1               ; OF=1
        into
        mov al, 0
        add al, 1               ; OF=0: INTO does nothing
        into
        PUTS "into OF=0 no trap", 10

        PUTS "-- faults", 10
        TRY "ud2", {ud2}
        TRY "lock nop", {db 0xF0, 0x90}
        TRY "bound out", {mov eax, 10}, {bound eax, [cs:bounds]}
        TRY "bound in", {mov eax, 5}, {bound eax, [cs:bounds]}
        TRY "div 0", {xor ecx, ecx}, {div ecx}
        TRY "int 43 not present", {int 0x43}
        TRY "int 44 data selector", {int 0x44}
        TRY "int 45 task gate to code seg", {int 0x45}
        TRY "int 46 call gate type", {int 0x46}
        TRY "int 47 null selector", {int 0x47}
        TRY "int 99 empty", {int 0x99}
        TRY "mov cr1", {mov eax, cr1}
        TRY "mov dr4 (cr4.de=0)", {mov eax, dr4}
        TRY "lidt limit 0x1ff, int 40", {lidt [cs:idt_small]}, {int 0x40}
        lidt [cs:idt_full]
        TRY "int 40 restored", {int 0x40}

        PUTS "-- double fault", 10
        ; #GP's gate not present: delivering #GP raises #NP → #DF (both contributory)
        and byte [IDT_BASE + 13*8 + 5], 0x7F
        TRY "#gp with #gp gate np", {mov ax, 0x800}, {mov ds, ax}
        or byte [IDT_BASE + 13*8 + 5], 0x80
        ; (#UD with its gate not present gives #NP(6*8+2+EXT): EXT=1 is checked in
        ; sdm_divergent, QEMU leaves EXT clear.)

        PUTS "-- single step", 10
        mov dword [SCRATCH+8], 0
        pushfd
        or dword [esp], 0x100   ; TF
        popfd
        nop                     ; #DB after this instruction
        inc eax
        pushfd
        and dword [esp], ~0x100
        popfd
        SHOW32 "db count=", [SCRATCH+8]
        NL
        SHOW32 "exceptions=", [EXC_COUNT]
        NL
        EXIT

; 32-bit handler: prints the frame and the handler's own IF, then IRETD.
h_int:  push eax
        PUTS "h32 eip="
        mov eax, [esp+4]
        call hex32_32
        PUTS " cs="
        mov eax, [esp+8]
        call hex16_32
        PUTS " fl="
        mov eax, [esp+12]
        and eax, 0x3E7FD5       ; arithmetic/control flags, IOPL, NT, VM, AC, ID (not RF)
        call hex32_32
        PUTS " if="
        pushfd
        pop eax
        shr eax, 9
        and al, 1
        call hex4_32
        PUTS " frame="
        mov eax, [SCRATCH]
        sub eax, esp
        call hex8_32
        NL
        pop eax
        iretd
; 16-bit gate: a 16-bit frame (IP, CS, FLAGS), returned with IRET (o16)
h_int16:
        push eax
        PUTS "h16 ip="
        mov ax, [esp+4]
        call hex16_32
        PUTS " cs="
        mov ax, [esp+6]
        call hex16_32
        PUTS " fl="
        mov ax, [esp+8]
        call hex16_32
        PUTS " frame="
        mov eax, [SCRATCH]
        sub eax, esp
        call hex8_32
        NL
        pop eax
        o16 iret
; #DB from single-step: count, print DR6 BS bit, clear TF in the frame after 3
h_db:   push eax
        inc dword [SCRATCH+8]
        PUTS "#db eip="
        mov eax, [esp+4]
        call hex32_32
        PUTS " dr6&4000="
        mov eax, dr6
        and eax, 0x4000
        call hex32_32
        NL
        xor eax, eax
        mov dr6, eax
        cmp dword [SCRATCH+8], 3
        jb .k
        and dword [esp+12], ~0x100
.k:     pop eax
        iretd

bounds:    dd 0, 7
idt_small: dw 0x1FF
           dd IDT_BASE
idt_full:  dw 0x7FF
           dd IDT_BASE
%include "lib/end.inc"
