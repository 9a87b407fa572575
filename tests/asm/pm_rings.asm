; Privilege levels (SDM Vol. 3 5.8-5.9, 6.12): ring 0 → 3 by IRET and RETF (data
; segment registers with DPL < CPL are nulled), ring 3 → 0 through a call gate with
; 3 dword parameters copied to the new stack (TSS SS0:ESP0) and RETF n back, a 16-bit
; call gate, interrupt/trap gates with DPL 3 and the stack switch, INT n to a DPL 0
; gate (#GP(n*8+2)), a conforming segment (CPL unchanged), rings 1 and 2 (TSS
; SS1/SS2 stacks), and privileged instructions at CPL > 0.
%include "lib/rom.inc"

%define CG3P   0x68     ; 32-bit call gate, DPL 3, 3 params → CODE0:cg_params
%define CG16   0x70     ; 16-bit call gate, DPL 3, 2 params → CODE0:cg16
%define CG0    0x78     ; call gate DPL 0 → CODE0:cg_params
%define CONF0  0x80     ; conforming readable code, DPL 0
%define CG_R1  0x88     ; call gate DPL 3, 1 param → CODE1:r1_entry
%define CG_R0  0x90     ; call gate DPL 3 → CODE0:back_to0 (returns to caller)

; Shows the current selectors and ESP: "cs= ss= ds= es= fs= gs= esp="
%macro SEGS 0
        call show_segs
%endmacro

main:
        PUTS "pm_rings", 10
        ENTER_PM
        SETGATE GDT_BASE + CG3P, cg_params, CODE0, 0x03EC
        SETGATE GDT_BASE + CG16, cg16, CODE0, 0x02E4
        SETGATE GDT_BASE + CG0, cg_params, CODE0, 0x038C
        SETDESC CONF0, 0xF0000, 0xFFFFF, 0x9F, 0xC
        SETGATE GDT_BASE + CG_R1, r1_entry, CODE1, 0x01EC
        SETIDT 0x50, h_r0, 0xEE          ; interrupt gate DPL 3
        SETIDT 0x51, h_r0, 0xEF          ; trap gate DPL 3
        SETIDT 0x52, h_r0, 0x8E          ; interrupt gate DPL 0

        PUTS "-- iret to ring 3 (ds/es/fs/gs DPL 0 -> null)", 10
        mov ax, DATA0
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov ax, DATA3
        mov gs, ax
        mov [RING0_ESP], esp
        mov dword [RING0_CONT], .b1
        push dword DATA3
        push dword STACK3
        push dword 0x0002
        push dword CODE3
        push dword .r1
        iretd
.r1:    SEGS
        mov ax, DATA3
        mov ds, ax
        ; call gate with parameter copying
        push dword 0x11111111
        push dword 0x22222222
        push dword 0x33333333
        call CG3P:0
        PUTS "back in ring 3 "
        SEGS
        ; 16-bit call gate: 16-bit return address and word parameters
        push word 0xAAAA
        push word 0xBBBB
        call CG16:0
        PUTS "back from 16-bit gate "
        SEGS                    ; a 16-bit RETF loads only SP: ESP upper half is 0
        mov esp, STACK3
        ; INT n through DPL 3 interrupt and trap gates
        mov dword [SCRATCH], 0
        int 0x50
        int 0x51
        PUTS "after int "
        SEGS
        ; conforming code: CPL stays 3
        call CONF0:in_conf
        call GATE_R0:0
.b1:    PUTS "ring 0 again ", 10

        PUTS "-- faults from ring 3", 10
%macro TRY3 2-*
        RING3_BEGIN 0
        PUTS %1, ": "
        RESUME_AT %%n
%rep %0 - 1
%rotate 1
        %1
%endrep
        PUTS "ok", 10
%%n:
        RING3_END
%endmacro
        TRY3 "r3 int 52 (dpl 0 gate)", {int 0x52}
        TRY3 "r3 call dpl0 gate", {call CG0:0}
        TRY3 "r3 call ring-0 code directly", {call CODE0:0}
        TRY3 "r3 jmp through call gate to ring 0", {jmp CG3P:0}
        TRY3 "r3 mov ds,dpl0", {mov ax, DATA0}, {mov ds, ax}
        TRY3 "r3 mov ss,dpl0", {mov ax, DATA0}, {mov ss, ax}
        TRY3 "r3 mov ss,data3 rpl0", {mov ax, DATA3 & ~3}, {mov ss, ax}
        TRY3 "r3 cli", {cli}
        TRY3 "r3 hlt", {hlt}
        TRY3 "r3 mov cr0", {mov eax, cr0}
        TRY3 "r3 mov dr7", {mov eax, dr7}
        TRY3 "r3 lgdt", {lgdt [0]}
        TRY3 "r3 lidt", {lidt [0]}
        TRY3 "r3 ltr", {ltr ax}
        TRY3 "r3 lldt", {lldt ax}
        TRY3 "r3 lmsw", {lmsw ax}
        TRY3 "r3 clts", {clts}
        TRY3 "r3 invd", {invd}
        TRY3 "r3 wbinvd", {wbinvd}
        TRY3 "r3 invlpg", {invlpg [0]}
        TRY3 "r3 rdmsr", {xor ecx, ecx}, {rdmsr}
        TRY3 "r3 retf to ring 0", {push dword CODE0}, {push dword 0}, {retf}
        TRY3 "r3 iret to ring 0", {pushfd}, {push dword CODE0}, {push dword 0}, {iretd}
        TRY3 "r3 read kernel-only? (flat DPL3: ok)", {mov eax, [0x1000]}

        PUTS "-- retf from ring 0 to ring 3", 10
        mov [RING0_ESP], esp
        mov dword [RING0_CONT], .b2
        push dword DATA3
        push dword STACK3 - 0x100
        push dword CODE3
        push dword .r2
        retf
.r2:    SEGS
        call GATE_R0:0
.b2:
        PUTS "-- ring 1 and ring 2", 10
        mov [RING0_ESP], esp
        mov dword [RING0_CONT], .b3
        mov ax, DATA0
        mov ds, ax
        push dword DATA1
        push dword STACK1 - 0x40
        push dword 0x0002
        push dword CODE1
        push dword .ring1
        iretd
.ring1: SEGS
        mov ax, DATA1
        mov ds, ax
        TRY "r1 mov ss,data2", {mov ax, DATA2}, {mov ss, ax}
        RESUME_AT .b3x
        ; RETF from ring 1 to ring 2 (outer): allowed
        push dword DATA2
        push dword STACK2 - 0x80
        push dword CODE2
        push dword .ring2
        retf
.ring2: SEGS
        mov ax, DATA2
        mov ds, ax
        ; ring 2 → ring 1 through a call gate (stack from TSS SS1:ESP1), 1 param
        push dword 0x12121212
        call CG_R1:0
        PUTS "ring 2 again "
        SEGS
        TRY "r2 mov ds,data1", {mov ax, DATA1}, {mov ds, ax}
        mov dword [RING0_CONT], .b3
        call GATE_R0:0
.b3x:   PUTS "unexpected", 10
.b3:    PUTS "ring 0 again", 10
        SHOW32 "exceptions=", [EXC_COUNT]
        NL
        EXIT

show_segs:
        push eax
        mov ax, cs
        SHOW16 "cs=", ax
        mov ax, ss
        SHOW16 "ss=", ax
        mov ax, ds
        SHOW16 "ds=", ax
        mov ax, es
        SHOW16 "es=", ax
        mov ax, fs
        SHOW16 "fs=", ax
        mov ax, gs
        SHOW16 "gs=", ax
        lea eax, [esp+8]
        SHOW32 "esp=", eax
        NL
        pop eax
        ret

; Ring-0 side of CG3P: the new stack holds EIP, CS, 3 params, ESP, SS (outer).
cg_params:
        push ebp
        mov ebp, esp
        PUTS "gate: "
        call show_segs
        PUTS "  frame:"
%assign k 4
%rep 7
        SPACE
        HEX32 [ebp+k]
%assign k k+4
%endrep
        NL
        pop ebp
        retf 12

; 16-bit gate: IP, CS, 2 word params, SP, SS (all 16-bit)
cg16:   push ebp
        mov ebp, esp
        PUTS "gate16: "
        call show_segs
        PUTS "  frame:"
%assign k 4
%rep 6
        SPACE
        HEX16 [ebp+k]
%assign k k+2
%endrep
        NL
        pop ebp
        o16 retf 4

; DPL 3 interrupt/trap gate handler: frame EIP, CS, EFLAGS, ESP, SS
h_r0:   push ebp
        mov ebp, esp
        PUTS "int: "
        call show_segs
        PUTS "  frame:"
        HEX32 [ebp+4]
        SPACE
        HEX16 [ebp+8]
        SPACE
        mov eax, [ebp+12]
        and eax, 0x3E7FD5
        HEX32 eax
        SPACE
        HEX32 [ebp+16]
        SPACE
        HEX16 [ebp+20]
        NL
        pop ebp
        iretd

in_conf:
        PUTS "conforming: "
        call show_segs
        retf

; ring-1 side of CG_R1 (from ring 2): frame EIP CS param ESP SS
r1_entry:
        push ebp
        mov ebp, esp
        PUTS "ring1 gate: "
        call show_segs
        PUTS "  frame:"
%assign k 4
%rep 5
        SPACE
        HEX32 [ebp+k]
%assign k k+4
%endrep
        NL
        pop ebp
        retf 4
%include "lib/end.inc"
