; Virtual-8086 mode (SDM Vol. 3 ch. 20): entering with IRET (VM=1), real-mode style
; segments, IOPL-sensitive instructions (INT n, PUSHF/POPF, CLI/STI, IRET) trapping
; with #GP to a ring-0 monitor when IOPL < 3, INT3 going straight through the IDT,
; IN/OUT checked against the TSS I/O bitmap, INT n with IOPL 3 through a DPL-3 gate
; (the 9-dword frame with the V86 segments, data segments zeroed in the handler),
; instructions that are #UD/#GP in V86 (LAR, MOV CR0), leaving V86 from a handler, and
; entering V86 by a task switch to a TSS whose EFLAGS has VM=1.
%include "lib/rom.inc"

%define V86_SS 0x3000
%define V86_SP 0x1000
%define VM 0x20000

; V86_RUN label, eflags — run V86 code at F000:label; it ends with INT 30h
; (handled by the IDT gate or by the #GP monitor) or with an exception.
%macro V86_RUN 2
        mov [RING0_ESP], esp
        mov dword [RING0_CONT], %%back
        RESUME_AT %%back
        push dword 0x0000               ; GS
        push dword 0x0000               ; FS
        push dword 0x5000               ; DS
        push dword 0x0000               ; ES
        push dword V86_SS
        push dword V86_SP
        push dword VM | (%2)
        push dword 0xF000
        push dword %1
        iretd
%%back:
        mov ax, DATA0
        mov ds, ax
        mov es, ax
%endmacro

main:
        PUTS "pm_v86", 10
        ENTER_PM
        SETIDT 13, v86_gp, 0x8E
        SETIDT 0x30, v86_exit, 0xEE         ; DPL 3: reachable from V86 with IOPL 3
        SETIDT 0x31, v86_int, 0xEE
        SETIDT 0x03, v86_int, 0xEE          ; INT3
        SETIDT 0x32, v86_int, 0x8E          ; DPL 0: INT 32h from V86 → #GP(0x32*8+2)
        mov dword [0x50000], 0x44332211     ; DS=5000 in V86 sees this at 0
        mov dword [0x50010], 0x88776655

        PUTS "-- IOPL 0", 10
        V86_RUN v_basic, 0x0002
        PUTS "-- IOPL 3", 10
        V86_RUN v_iopl3, 0x3002
        PUTS "-- #UD and #GP in V86 (end the session)", 10
        V86_RUN v_lar, 0x3002
        V86_RUN v_cr0, 0x3002
        V86_RUN v_div, 0x3002
        V86_RUN v_gate0, 0x3002
        PUTS "-- entering V86 by a task switch", 10
        ; a TSS whose EFLAGS has VM=1: CS:EIP and the segment fields are real-mode
        ; values; the task leaves through INT 33h (DPL 3 gate) whose handler, running
        ; in the V86 task at ring 0, jumps back to the main task
        SETIDT 0x33, v86_task_exit, 0xEE
        mov edi, 0x5100
        xor eax, eax
        mov ecx, 0x68 / 4
        rep stosd
        mov dword [0x5100 + 0x04], 0x2D000      ; ESP0
        mov dword [0x5100 + 0x08], DATA0        ; SS0
        mov dword [0x5100 + 0x20], v_task       ; EIP
        mov dword [0x5100 + 0x24], VM | 0x3002  ; EFLAGS: VM, IOPL 3
        mov dword [0x5100 + 0x28], 0x0000ABCD   ; EAX
        mov dword [0x5100 + 0x38], 0x0800       ; ESP
        mov dword [0x5100 + 0x48], 0x5001       ; ES
        mov dword [0x5100 + 0x4C], 0xF000       ; CS
        mov dword [0x5100 + 0x50], 0x3000       ; SS
        mov dword [0x5100 + 0x54], 0x5000       ; DS
        mov word [0x5100 + 0x66], 0x68          ; I/O bitmap for ports 0-0xFF only:
        mov edi, 0x5100 + 0x68                  ; V86 I/O ignores IOPL and uses the map
        mov al, 0xFF
        mov ecx, 0x21
        rep stosb
        and byte [0x5100 + 0x68 + (0xE9 >> 3)], ~(1 << (0xE9 & 7)) & 0xFF
        SETDESC 0x68, 0x5100, 0x68 + 0x20, 0x89, 0x0
        jmp 0x68:0
        PUTS "back in the main task: "
        str ax
        SHOW16 "tr=", ax
        SHOW32 "v86 task saved eflags=", [0x5100 + 0x24]
        SHOW16 "cs=", [0x5100 + 0x4C]
        NL
        SHOW32 "exceptions=", [EXC_COUNT]
        NL
        EXIT

v86_task_exit:
        mov ax, DATA0
        mov ds, ax
        PUTS "int 33 in the v86 task: "
        str ax
        SHOW16 "tr=", ax
        mov eax, [esp+8]
        SHOW32 "frame eflags=", eax
        NL
        jmp TSS_SEL:0

        bits 16
v_basic:
        PUTS "v86: "
        mov ax, cs
        SHOW16 "cs=", ax
        mov ax, ss
        SHOW16 "ss=", ax
        mov ax, ds
        SHOW16 "ds=", ax
        mov ax, sp
        SHOW16 "sp=", ax
        SHOW32 "[ds:0]=", [0]
        mov ax, 0x5001
        mov es, ax
        SHOW32 "[5001:0]=", [es:0]
        smsw ax
        SHOW16 "msw=", ax
        NL
        pushf                   ; IOPL 0: #GP, the monitor skips it
        cli
        sti
        popf
        int 0x21                ; IOPL-sensitive: #GP to the monitor
        out 0x80, al            ; port 0x80 denied in the bitmap: #GP
        mov al, '+'
        out 0xE9, al            ; allowed by the bitmap
        mov dx, 0xE9
        mov al, '+'
        out dx, al
        mov al, 10
        out 0xE9, al
        int3                    ; not IOPL-sensitive: IDT gate 3 (DPL 3)
        PUTS "back from int3", 10
        iret                    ; IOPL-sensitive
        int 0x30                ; leave
v_iopl3:
        pushf                   ; IOPL 3: no trap
        pop ax
        SHOW16 "pushf=", ax
        pushfd
        pop eax
        SHOW32 "pushfd=", eax   ; VM and RF read as 0 in the image (SDM PUSHF)
        sti
        pushf
        pop ax
        SHOW16 "after sti=", ax
        push word 0x0002        ; POPF may not change IOPL in V86
        popf
        pushf
        pop ax
        SHOW16 "after popf=", ax
        NL
        mov ax, 0x1234
        mov bx, 0x5678
        int 0x31                ; through the IDT to ring 0 and back
        SHOW16 "after int31 ax=", ax
        SHOW16 "sp=", sp
        NL
        mov ax, ds
        SHOW16 "ds=", ax
        NL
        int 0x30
v_task: PUTS "v86 task: "
        SHOW16 "ax=", ax                ; from the TSS
        mov ax, cs
        SHOW16 "cs=", ax
        mov ax, ss
        SHOW16 "ss=", ax
        mov ax, sp
        SHOW16 "sp=", ax
        SHOW32 "[es:0]=", [es:0]
        pushfd
        pop eax
        SHOW32 "pushfd=", eax
        NL
        int 0x33
v_lar:  PUTS "lar: "
        lar ax, bx
        int 0x30
v_cr0:  PUTS "mov eax,cr0: "
        mov eax, cr0
        int 0x30
v_div:  PUTS "div 0: "
        xor bl, bl
        div bl
        int 0x30
v_gate0:
        PUTS "int 32 (dpl 0 gate): "
        int 0x32
        int 0x30
        bits 32

; INT 30h from V86 (IOPL 3 only): print and leave V86
v_exit_common:
        mov ax, DATA0
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov esp, [RING0_ESP]
        mov dword [RESUME_EIP], 0
        jmp [RING0_CONT]
v86_exit:
        PUTS "int30 via idt: leaving v86", 10
        jmp v_exit_common

; INT 31h / INT3 from V86: frame EIP CS EFLAGS ESP SS ES DS FS GS; DS..GS are 0 here
v86_int:
        push ebp
        mov ebp, esp
        push eax
        PUTS "ring0 int: "
        mov ax, ds
        SHOW16 "ds=", ax
        mov ax, fs
        SHOW16 "fs=", ax
        PUTS "frame:"
%assign k 4
%rep 9
        SPACE
        HEX32 [ebp+k]
%assign k k+4
%endrep
        NL
        pop eax
        add ax, 1
        pop ebp
        iretd

; #GP monitor: frame err EIP CS EFLAGS ESP SS ES DS FS GS
v86_gp: push ebp
        mov ebp, esp
        pushad
        mov ax, DATA0
        mov ds, ax
        test dword [ebp+16], VM
        jnz .vm
        popad
        pop ebp
        push byte 13
        jmp exc_common
.vm:    movzx esi, word [ebp+12]
        shl esi, 4
        movzx eax, word [ebp+8]
        add esi, eax                    ; linear address of the instruction
        PUTS "#GP v86 err="
        HEX16 [ebp+4]
        PUTS " at "
        HEX16 [ebp+12]
        PUTS ":"
        HEX16 [ebp+8]
        PUTS " op="
        HEX8 [esi]
        mov al, [esi]
        mov ecx, 1
        cmp al, 0xCD
        jne .n1
        SPACE
        HEX8 [esi+1]
        mov ecx, 2
        cmp byte [esi+1], 0x30
        jne .skip
        PUTS " leaving v86", 10
        jmp v_exit_common
.n1:    cmp al, 0x0F                    ; a privileged 0F xx instruction: give up
        jne .n2
        PUTS " leaving v86", 10
        jmp v_exit_common
.n2:    cmp al, 0xE6
        je .two
        cmp al, 0xE4
        je .two
        cmp al, 0x66
        jne .skip
.two:   mov ecx, 2
.skip:  NL
        add [ebp+8], cx
        popad
        pop ebp
        add esp, 4
        iretd
%include "lib/end.inc"
