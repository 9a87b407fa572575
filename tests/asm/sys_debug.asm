; Debug registers (SDM Vol. 3 17.2-17.3): DR6/DR7 reset values, an instruction
; breakpoint (#DB fault before the instruction, resumed with RF=1), data write and
; read/write breakpoints (#DB trap after the access, DR6.Bn), disabled breakpoints,
; accesses overlapping a breakpoint's range, a data breakpoint inside REP MOVSD (trap
; after the iteration, EIP at the instruction, the rest resumes), and DR4/DR5 with
; CR4.DE=1 (#UD), DR7 L0-L3 cleared by a task switch (17.2.4). QEMU 7.2 differs on RF in the images of faults and REP traps and on
; single step combined with a data breakpoint: those are in sdm_divergent.
%include "lib/rom.inc"

%define VAR  0x8000
%define RAMCODE 0x9000
%define FLATCODE FREE_SEL
main:
        PUTS "sys_debug", 10
        ENTER_PM
        SETIDT 1, h_db, 0x8E
        mov eax, dr6
        SHOW32 "dr6=", eax
        mov eax, dr7
        SHOW32 "dr7=", eax
        NL

        PUTS "-- instruction breakpoint", 10
        ; the code runs from RAM through a flat code segment (QEMU 7.2 crashes on
        ; instruction breakpoints in ROM)
        SETDESC FLATCODE, 0, 0xFFFFF, 0x9B, 0xC
        mov esi, ram_code
        mov edi, RAMCODE
        mov ecx, ram_code_end - ram_code
        cs rep movsb
        mov eax, RAMCODE + (ram_bp - ram_code)
        mov dr0, eax
        mov eax, 0x00000001             ; L0, RW0=00 (execute), LEN0=00
        mov dr7, eax
        mov ebx, 1
        call FLATCODE:RAMCODE           ; #DB before ram_bp, then it runs once (RF)
        SHOW32 "ebx=", ebx
        NL
        xor eax, eax
        mov dr7, eax
        call FLATCODE:RAMCODE           ; the same address again, now disabled
        SHOW32 "disabled: no #db, ebx=", ebx
        NL

        PUTS "-- data breakpoints", 10
        mov eax, VAR
        mov dr1, eax
        mov eax, 0x00D00004             ; L1, RW1=01 (write), LEN1=11 (4 bytes)
        mov dr7, eax
        mov eax, [VAR]                  ; read: no #DB
        mov dword [VAR], 5              ; write: #DB after it
        mov byte [VAR + 3], 1           ; a byte inside the range
        mov dword [VAR + 4], 1          ; outside
        mov word [VAR - 1], 0           ; overlaps the first byte
        mov eax, 0x00F00004             ; RW1=11 (read or write)
        mov dr7, eax
        mov eax, [VAR + 2]              ; read inside
        add dword [VAR], 1              ; read-modify-write: one #DB
        PUTS "after data", 10
        xor eax, eax                    ; (a disabled breakpoint that matches may
        mov dr0, eax                    ; also set its Bn: keep DR0/DR1 elsewhere)
        mov eax, 0x7000
        mov dr1, eax
        mov eax, RAMCODE + (ram_bp - ram_code)
        mov dr2, eax
        mov eax, VAR + 0x10
        mov dr3, eax
        mov eax, 0x50000070             ; L2+G2 exec, L3 write 2 bytes (LEN3=01, RW3=01)
        mov dr7, eax
        call FLATCODE:RAMCODE
        mov word [VAR + 0x10], 7
        mov byte [VAR + 0x12], 7        ; outside the 2-byte range
        xor eax, eax
        mov dr7, eax

        PUTS "-- rep movsd", 10
        cld
        mov eax, VAR + 8
        mov dr0, eax
        mov eax, 0x000D0001             ; L0 write, 4 bytes
        mov dr7, eax
        mov esi, VAR + 0x40
        mov edi, VAR
        mov ecx, 4
        rep movsd                       ; #DB after the third dword, EIP at the REP
        SHOW32 "rep done: ecx=", ecx
        SHOW32 "edi=", edi
        SHOW32 "trap ecx=", [SCRATCH + 8]
        NL
        xor eax, eax
        mov dr7, eax

        PUTS "-- task switch clears l0-l3", 10
        TASK_TSS 0x5100, task_a, 0
        SETDESC FREE_SEL + 8, 0x5100, 0x67, 0x89, 0x0
        mov eax, 0x7000
        mov dr0, eax
        mov eax, 0x000100FF             ; L0-L3 G0-G3, DR0 write 1 byte at 7000h
        mov dr7, eax
        jmp FREE_SEL + 8:0              ; the new task keeps only G0-G3
back_from_task:
        xor eax, eax
        mov dr7, eax

        ; (general detect, DR7.GD, is not implemented by QEMU 7.2: see sdm_divergent)
        PUTS "-- dr4/dr5", 10
        mov eax, cr4
        or eax, 8                       ; DE
        mov cr4, eax
        TRY "mov dr4 with cr4.de=1", {mov eax, dr4}
        TRY "mov dr5 with cr4.de=1", {mov dr5, eax}
        mov eax, cr4
        and eax, ~8
        mov cr4, eax
        TRY "mov dr4 with cr4.de=0 (= dr6)", {mov eax, dr4}, {HEX32 eax}, {SPACE}
        SHOW32 "db count=", [SCRATCH]
        NL
        EXIT

task_a: mov eax, dr7
        SHOW32 "dr7 in the new task=", eax
        NL
        jmp CODE0:back_from_task        ; (stays in this task: TR is the new TSS)

ram_code:
        nop
ram_bp: inc ebx
        retf
ram_code_end:

; #DB: prints EIP, DR6 (B0-B3, BD, BS) and DR7; clears DR6; sets RF for faults; keeps
; ECX at SCRATCH+8
h_db:   push eax
        inc dword [SCRATCH]
        mov [SCRATCH + 8], ecx
        PUTS "#db eip="
        mov eax, [esp+4]
        call hex32_32
        mov eax, dr6
        SHOW32 " dr6=", eax
        mov eax, dr7
        SHOW32 "dr7=", eax
        NL
        mov eax, 0xFFFF0FF0
        mov dr6, eax
        or dword [esp+12], 0x10000      ; RF: do not re-break on an instruction breakpoint
        pop eax
        iretd
%include "lib/end.inc"
