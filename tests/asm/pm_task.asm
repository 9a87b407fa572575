; Hardware task switching (SDM Vol. 3 ch. 7): JMP and CALL to a TSS descriptor and
; to a task gate, INT n through an IDT task gate, an exception (#GP with its error
; code) delivered through a task gate, IRET with NT=1 back along the back-link,
; busy bits (B in the TSS type) and NT after each kind of switch, the state saved
; in the outgoing TSS, and the checks: switching to a busy task, a TSS whose limit
; is below 0x67 (#TS), a 16-bit TSS.
%include "lib/rom.inc"

%define TSSA_BASE 0x5100
%define TSSB_BASE 0x5200
%define TSSC_BASE 0x5300        ; 16-bit TSS
%define TSSA  0x68
%define TSSB  0x70
%define TGATE 0x78              ; task gate → TSSA
%define TSSC  0x80              ; 16-bit
%define TSSS  0x88              ; limit 0x60: too small

; Shows TR, NT, the busy bit of main/A/B and A's back-link.
%macro STATE 0
        call show_state
%endmacro

main:
        PUTS "pm_task", 10
        ENTER_PM
        mov eax, TSSA_BASE
        mov ebx, task_a
        mov ecx, 0x2F000
        call make_tss
        mov eax, TSSB_BASE
        mov ebx, task_b
        mov ecx, 0x2E000
        call make_tss
        SETDESC TSSA, TSSA_BASE, 0x67, 0x89, 0x0
        SETDESC TSSB, TSSB_BASE, 0x67, 0x89, 0x0
        SETGATE GDT_BASE + TGATE, 0, TSSA, 0x0085
        SETDESC TSSS, TSSB_BASE, 0x5F, 0x89, 0x0
        ; 16-bit TSS: IP, FLAGS, AX..DI, ES, CS, SS, DS, LDT
        mov edi, TSSC_BASE
        xor eax, eax
        mov ecx, 0x2C / 4
        rep stosd
        mov word [TSSC_BASE + 0x0E], task_c
        mov word [TSSC_BASE + 0x10], 0x0002
        mov word [TSSC_BASE + 0x12], 0x1616          ; AX
        mov word [TSSC_BASE + 0x1A], 0x2D00          ; SP
        mov word [TSSC_BASE + 0x22], DATA0           ; ES
        mov word [TSSC_BASE + 0x24], CODE0           ; CS (32-bit code is fine)
        mov word [TSSC_BASE + 0x26], DATA0           ; SS
        mov word [TSSC_BASE + 0x28], DATA0           ; DS
        SETDESC TSSC, TSSC_BASE, 0x2B, 0x81, 0x0
        SETGATE IDT_BASE + 0x60*8, 0, TSSB, 0x0085   ; task gate, DPL 0

        PUTS "-- jmp to tss", 10
        STATE
        mov eax, 0x12345678
        mov esi, 0x5E5E5E5E
        jmp TSSA:0
after_jmp:
        PUTS "main again: "
        STATE
        SHOW32 "main saved eip=", [TSS_BASE + 0x20]
        SHOW32 "eax=", [TSS_BASE + 0x28]
        SHOW32 "esi=", [TSS_BASE + 0x40]
        SHOW16 "cs=", [TSS_BASE + 0x4C]
        NL
        PUTS "-- call to tss", 10
        call TSSA:0
        PUTS "main after iret: "
        STATE
        PUTS "-- call through task gate", 10
        call TGATE:0
        PUTS "main after iret: "
        STATE
        PUTS "-- int 60 through idt task gate", 10
        int 0x60
        PUTS "main after iret: "
        STATE
        PUTS "-- #GP through a task gate (error code on the new stack)", 10
        SETGATE IDT_BASE + 13*8, 0, TSSB, 0x0085
        mov dword [SCRATCH+0x20], 1                   ; task_b: restore the #GP gate
        TRY "ds<-0x800", {mov ax, 0x800}, {mov ds, ax}
        STATE
        PUTS "-- checks", 10
        TRY "jmp to busy (current) tss", {jmp TSS_SEL:0}
        TRY "call to busy (current) tss", {call TSS_SEL:0}
        TRY "jmp to tss with limit 5f", {jmp TSSS:0}
        TRY "iret with NT=1, back-link 0", {pushfd}, {or dword [esp], 0x4000}, {popfd}, {iretd}
        pushfd
        and dword [esp], ~0x4000
        popfd
        SETDESC 0x90, LDT_BASE, 0x1F, 0x82, 0x0
        TRY "jmp to ldt descriptor", {jmp 0x90:0}
        TRY "call through task gate again", {call TGATE:0}, {PUTS "returned", 10}
        PUTS "-- 16-bit tss", 10
        mov ebx, 0xEEEEEEEE
        jmp TSSC:0
after_c:
        PUTS "main again: "
        STATE
        SHOW16 "16-bit task saved ip=", [TSSC_BASE + 0x0E]
        SHOW16 "ax=", [TSSC_BASE + 0x12]
        SHOW16 "bx=", [TSSC_BASE + 0x18]
        NL
        SHOW32 "exceptions=", [EXC_COUNT]
        NL
        EXIT

; Task A: shows its state and registers, then goes back by JMP (first entry) or IRET.
task_a:
        PUTS "task a: "
        STATE
        SHOW32 "eax=", eax
        SHOW32 "ecx=", ecx
        SHOW32 "esi=", esi
        SHOW16 "saved link=", [TSSA_BASE]
        mov eax, esp
        SHOW32 "esp=", eax
        pushfd
        pop eax
        SHOW32 "fl=", eax
        NL
        pushfd
        test dword [esp], 0x4000
        pop eax
        jnz .nested
        jmp TSS_SEL:0
        jmp task_a
.nested:
        iretd
        jmp task_a

; Task B: entered by INT 60 or by #GP through a task gate
task_b:
        PUTS "task b: "
        STATE
        cmp dword [SCRATCH+0x20], 0
        je .plain
        mov dword [SCRATCH+0x20], 0
        mov ebx, [esp]
        SHOW32 "error code=", ebx
        mov eax, esp
        SHOW32 "esp=", eax
        NL
        add esp, 4                      ; the error code is the task's to pop
        SETGATE IDT_BASE + 13*8, exc_stub13, CODE0, 0x008E
        SHOW16 "main saved eip=", [TSS_BASE + 0x20]
        NL
        iretd                           ; the faulting MOV runs again → ordinary #GP
        jmp task_b
.plain: SHOW16 "back-link=", [TSSB_BASE]
        NL
        iretd
        jmp task_b

task_c:
        PUTS "task c (16-bit tss): "
        STATE
        SHOW16 "ax=", ax
        mov ax, sp
        SHOW16 "sp=", ax
        NL
        mov bx, 0x7777
        jmp TSS_SEL:0

show_state:
        push eax
        str ax
        SHOW16 "tr=", ax
        pushfd
        pop eax
        shr eax, 14
        and al, 1
        PUTS "nt="
        call hex4_32
        SHOW8 " busy main/a/b/c:", [GDT_BASE + TSS_SEL + 5]
        SHOW8 "", [GDT_BASE + TSSA + 5]
        SHOW8 "", [GDT_BASE + TSSB + 5]
        SHOW8 "", [GDT_BASE + TSSC + 5]
        SHOW16 "a.link=", [TSSA_BASE]
        NL
        pop eax
        ret

; make_tss: EAX=base, EBX=EIP, ECX=ESP — a ring-0 32-bit TSS, registers tagged
make_tss:
        pushad
        mov edi, eax
        push eax
        push ecx
        xor eax, eax
        mov ecx, 0x68 / 4
        rep stosd
        pop ecx
        pop edi
        mov dword [edi + 0x04], STACK0_TSS
        mov dword [edi + 0x08], DATA0
        mov eax, cr3
        mov [edi + 0x1C], eax
        mov [edi + 0x20], ebx
        mov dword [edi + 0x24], 0x0002
        mov dword [edi + 0x28], 0xA0A0A0A0      ; EAX
        mov dword [edi + 0x2C], 0xC0C0C0C0      ; ECX
        mov dword [edi + 0x30], 0xD0D0D0D0
        mov dword [edi + 0x34], 0xB0B0B0B0
        mov [edi + 0x38], ecx                   ; ESP
        mov dword [edi + 0x3C], 0
        mov [edi + 0x40], edi                   ; ESI = TSS base
        mov dword [edi + 0x44], 0xD1D1D1D1
        mov dword [edi + 0x48], DATA0
        mov dword [edi + 0x4C], CODE0
        mov dword [edi + 0x50], DATA0
        mov dword [edi + 0x54], DATA0
        mov dword [edi + 0x58], DATA0
        mov dword [edi + 0x5C], DATA0
        mov word [edi + 0x66], 0x68
        popad
        ret
%include "lib/end.inc"
