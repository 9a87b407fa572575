; Task switches with paging (SDM Vol. 3 7.2.1, 7.3, 6.15 "Interrupt 8"): a task with
; its own CR3 sees a different mapping of the same linear page; CR3 is a static TSS
; field (loaded, never saved); a double fault delivered through a task gate in the
; IDT (as Linux i386 does) runs on the double-fault task's stack with error code 0,
; a back-link to the faulting task, and returns by IRET after fixing the old task's
; saved EIP/ESP.
%include "lib/rom.inc"
%include "lib/paging.inc"

%define PD_B    0x38000
%define PT_B    0x39000
%define TSSB_BASE 0x5100
%define TSSD_BASE 0x5200
%define TSSB    0x68
%define TSSD    0x70

main:
        PUTS "pg_task", 10
        ENTER_PM
        mov dword [0x110000], 0xAAAAAAAA
        mov dword [0x120000], 0xBBBBBBBB
        call pg_setup
        mov dword [PTE1(0x400000)], 0x110003
        ; second address space: same PD except 4-8 MiB through PT_B
        mov esi, PG_PD
        mov edi, PD_B
        mov ecx, 1024
        rep movsd
        mov edi, PT_B
        xor eax, eax
        mov ecx, 1024
        rep stosd
        mov dword [PT_B], 0x120003
        mov dword [PD_B + 4], PT_B | 7
        mov dword [PD_B + 4092], PD_B | 3
        mov eax, cr3
        mov [TSS_BASE + 0x1C], eax      ; main task's CR3 field
        mov eax, TSSB_BASE
        mov ebx, task_b
        mov ecx, 0x2F000
        mov edx, PD_B
        call make_tss
        mov eax, TSSD_BASE
        mov ebx, task_df
        mov ecx, 0x2E000
        mov edx, PG_PD
        call make_tss
        SETDESC TSSB, TSSB_BASE, 0x67, 0x89, 0x0
        SETDESC TSSD, TSSD_BASE, 0x67, 0x89, 0x0

        PUTS "-- cr3 per task", 10
        SHOW32 "main [400000]=", [0x400000]
        NL
        jmp TSSB:0
back_main:
        mov eax, cr3
        SHOW32 "main again cr3=", eax
        SHOW32 "[400000]=", [0x400000]
        SHOW32 "tss.cr3=", [TSS_BASE + 0x1C]
        SHOW32 "b tss.cr3=", [TSSB_BASE + 0x1C]
        NL

        PUTS "-- #DF through a task gate", 10
        SETGATE IDT_BASE + 8*8, 0, TSSD, 0x0085
        and byte [IDT_BASE + 13*8 + 5], 0x7F            ; #GP gate not present
        mov [SCRATCH], esp
        mov dword [SCRATCH+4], after_df
        mov ax, 0x800
df_here:
        mov ds, ax                      ; #GP → #NP on its gate → #DF → task
        PUTS "not reached", 10
after_df:
        mov ax, DATA0
        mov ds, ax
        str ax
        SHOW16 "back in main, tr=", ax
        pushfd
        pop eax
        and eax, 0x4000
        SHOW32 "nt=", eax
        SHOW8 "df tss busy=", [GDT_BASE + TSSD + 5]
        NL
        SHOW32 "exceptions=", [EXC_COUNT]
        NL
        EXIT

task_b:
        mov eax, cr3
        SHOW32 "task b cr3=", eax
        SHOW32 "[400000]=", [0x400000]
        NL
        jmp TSS_SEL:0

task_df:
        str ax
        SHOW16 "df task tr=", ax
        pop eax
        SHOW32 "error code=", eax
        mov eax, esp
        SHOW32 "esp=", eax
        SHOW16 "link=", [TSSD_BASE]
        mov eax, [TSS_BASE + 0x20]
        cmp eax, df_here
        sete al
        SHOW8 "main eip at the faulting mov=", al
        NL
        or byte [IDT_BASE + 13*8 + 5], 0x80
        mov eax, [SCRATCH+4]
        mov [TSS_BASE + 0x20], eax
        mov eax, [SCRATCH]
        mov [TSS_BASE + 0x38], eax
        iretd

; make_tss: EAX=base, EBX=EIP, ECX=ESP, EDX=CR3 — ring-0 32-bit TSS
make_tss:
        pushad
        mov edi, eax
        push ecx
        push eax
        xor eax, eax
        mov ecx, 0x68 / 4
        rep stosd
        pop edi
        pop ecx
        mov [edi + 0x1C], edx
        mov [edi + 0x20], ebx
        mov dword [edi + 0x24], 0x0002
        mov [edi + 0x38], ecx
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
