; Read-modify-write instructions whose store faults (SDM Vol. 3A §6.5: a fault is reported
; with the state before the faulting instruction, so it can be restarted): a supervisor
; write to a read-only page with CR0.WP=1 raises #PF after the read, and the EFLAGS image in
; the #PF frame must hold the flags from before the instruction (ALU and ADC/SBB carry-in,
; group 1, INC/DEC, NEG, shifts and rotates through CF, SHLD, BTS/BTR/BTC, XADD, CMPXCHG);
; the destination and the registers stay as they were. A restarted ADC/SBB/RCL would
; otherwise take the wrong carry in (a copy-on-write fault in a guest is exactly this case).
; Not here: RCL/RCR, whose OF QEMU 7.2 updates before the faulting store (silicon and
; Ringmaster keep the old flags).
%include "lib/rom.inc"
%include "lib/paging.inc"

%define RO 0x403000

; RMW "label", flags-in, {instruction}: EBX, ECX, EAX set, flags loaded (after TRY's label
; is printed), the instruction faults; then the arithmetic flags of the frame, [RO] and the
; registers it might change.
%macro RMW 3
        mov dword [0x103000], 0x80000001        ; [RO] through the identity map of its frame
        mov ebx, 0x7fffffff
        mov ecx, 5
        mov eax, 0x11
        TRY %1, {push dword %2}, {popfd}, {%3}
        mov eax, [EXC_EFL]
        and eax, 0x8d5
        SHOW32 "  efl=", eax
        SHOW32 " [ro]=", [RO]
        SHOW32 " eax=", [EXC_REGS + 28]
        SHOW32 " ebx=", [EXC_REGS + 16]
        NL
%endmacro

main:
        PUTS "pg_rmw", 10
        ENTER_PM
        call pg_setup
        mov dword [PTE1(RO)], 0x103001          ; supervisor, read-only
        mov eax, cr0
        or eax, 0x10000                         ; WP: supervisor writes obey R/W
        mov cr0, eax

        RMW "add", 0x002, {add [RO], ebx}
        RMW "adc cf=1", 0x003, {adc [RO], ebx}
        RMW "sbb cf=1", 0x003, {sbb [RO], ebx}
        RMW "or imm32", 0x8c3, {or dword [RO], 0x80}
        RMW "and imm8 byte", 0x002, {and byte [RO], 0}
        RMW "sub imm8 word", 0x040, {sub word [RO], 1}
        RMW "xor byte reg", 0x002, {xor [RO], bl}
        RMW "adc word reg", 0x003, {adc [RO], bx}
        RMW "inc", 0x001, {inc dword [RO]}
        RMW "dec byte", 0x044, {dec byte [RO]}
        RMW "neg", 0x002, {neg dword [RO]}
        RMW "not (no flags)", 0x8d5, {not dword [RO]}
        RMW "shl 1", 0x002, {shl dword [RO], 1}
        RMW "ror cl", 0x002, {ror dword [RO], cl}
        RMW "sar imm", 0x002, {sar dword [RO], 3}
        RMW "shld", 0x002, {shld [RO], ebx, 4}
        RMW "bts", 0x002, {bts dword [RO], 0}
        RMW "btr", 0x002, {btr dword [RO], 31}
        RMW "xadd", 0x002, {xadd [RO], ebx}
        RMW "cmpxchg (not equal)", 0x002, {cmpxchg [RO], ebx}

        SHOW32 "exceptions=", [EXC_COUNT]
        NL
        EXIT
%include "lib/end.inc"
