; Stack switching checks on an inter-privilege CALL through a call gate (SDM Vol. 2
; CALL, Vol. 3 5.8.5, 7.2.1): the new SS:ESP comes from the TSS for the target ring;
; a null SS gives #TS(0), an SS whose RPL or DPL differs from the new CPL, a
; read-only data or code segment, or a selector beyond the GDT give #TS(selector);
; the fault is raised at the caller's CPL
; (frame from ring 3). Also parameter copying of 0 and 31 dwords and ESP in the TSS,
; and the checks of IRET/RETF returning to ring 3 (#GP with the CS or SS selector,
; #NP for a not-present CS).
%include "lib/rom.inc"

%define CG_R1  0x68     ; call gate DPL 3 → CODE1:r1_entry, 0 params
%define CG_R1P 0x70     ; call gate DPL 3 → CODE1:r1_params, 31 params
%define D1RO   0x90     ; read-only data, DPL 1
%define SS1F   (TSS_BASE + 16)

%macro CALLR1 2         ; "label", SS1 selector
        mov word [SS1F], %2
        TRYU 0, %1, {call CG_R1:0}
%endmacro

main:
        PUTS "pm_stack", 10
        ENTER_PM
        SETGATE GDT_BASE + CG_R1, r1_entry, CODE1, 0x00EC
        SETGATE GDT_BASE + CG_R1P, r1_params, CODE1, 0x1FEC
        SETDESC D1RO, 0, 0xFFFFF, 0xB1, 0xC
        SETDESC 0x78, 0, 0xFFFFF, 0xF1, 0xC             ; read-only data, DPL 3

        CALLR1 "ss1 valid", DATA1
        CALLR1 "ss1 null", 0
        CALLR1 "ss1 rpl 0", DATA1 & ~3
        CALLR1 "ss1 dpl 2", DATA2 & ~3 | 1
        CALLR1 "ss1 read-only", D1RO | 1
        CALLR1 "ss1 code", CODE1
        ; (a not-present SS gives #SS(selector); QEMU 7.2 raises #TS: sdm_divergent)
        CALLR1 "ss1 beyond gdt", 0x801
        CALLR1 "ss1 ldt, no ldtr", 0x45
        mov word [SS1F], DATA1
        mov dword [TSS_BASE + 12], STACK1 - 0x100
        CALLR1 "esp1 from the tss", DATA1

        PUTS "-- 31 parameters", 10
        mov dword [TSS_BASE + 12], STACK1
        RING3_BEGIN 0
        mov ecx, 31
.p:     push ecx                        ; params 1..31 (31 pushed first)
        loop .p
        call CG_R1P:0
        mov eax, esp
        SHOW32 "back in ring 3, esp=", eax
        NL
        RING3_END
        PUTS "-- return checks (IRET/RETF from ring 0 to ring 3)", 10
        SETDESC 0x80, 0, 0xFFFFF, 0x73, 0xC             ; data DPL 3, not present
        SETDESC 0x88, 0xF0000, 0xFFFFF, 0x7B, 0xC       ; code DPL 3, not present
%macro IRET3 3          ; "label", cs, ss
        TRY %1, {push dword %3}, {push dword STACK3}, {push dword 2}, {push dword %2}, {push dword 0}, {iretd}
%endmacro
        IRET3 "iret cs null", 0, DATA3
        IRET3 "iret cs rpl 3, dpl 0", CODE0 | 3, DATA3
        IRET3 "iret cs is data", DATA3, DATA3
        IRET3 "iret cs not present", 0x8B, DATA3
        IRET3 "iret ss null", CODE3, 0
        IRET3 "iret ss rpl 0", CODE3, DATA3 & ~3
        IRET3 "iret ss dpl 0", CODE3, DATA0 | 3
        IRET3 "iret ss read-only", CODE3, 0x78 | 3
        TRY "retf cs rpl 3 dpl 0", {push dword DATA3}, {push dword STACK3}, {push dword CODE0 | 3}, {push dword 0}, {retf}
        TRY "retf ss is code", {push dword CODE3}, {push dword STACK3}, {push dword CODE3}, {push dword 0}, {retf}
        SHOW32 "exceptions=", [EXC_COUNT]
        NL
        EXIT

r1_entry:
        mov ax, ss
        SHOW16 "ring 1: ss=", ax
        mov eax, esp
        SHOW32 "esp=", eax
        mov eax, [esp+12]
        mov ebx, [esp+8]
        SHOW16 "old ss:esp=", ax
        SHOW32 "", ebx
        retf
r1_params:
        push ebp
        mov ebp, esp
        PUTS "ring 1 params:"
        mov ecx, 0
.q:     mov eax, [ebp + 12 + ecx*4]
        SPACE
        HEX8 al
        inc ecx
        cmp ecx, 31
        jb .q
        SHOW32 " old esp=", [ebp + 12 + 31*4]
        SHOW16 "old ss=", [ebp + 16 + 31*4]
        mov eax, esp
        SHOW32 "esp=", eax
        NL
        pop ebp
        retf 31*4
%include "lib/end.inc"
