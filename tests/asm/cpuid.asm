; CPUID and CPU identification (SDM Vol. 2 CPUID, Vol. 1 3.4.3): EFLAGS.ID and AC can
; be toggled, leaf 0 reports at least leaf 1, leaf 1 gives family 6 (P6), and the
; feature bits Ringmaster promises for issue 8 are compared: FPU VME DE PSE TSC MSR PAE
; CX8 SEP MTRR PGE CMOV PAT (CPUID_EDX_BASE and FPU in src/cpu/ops/system.ts; VME
; must stay 0 until it works). Vendor, model, stepping and the features Ringmaster
; does not have (MCE, APIC, PSE36, MMX, FXSR/SSE, ...) differ by design and are
; not printed. Also CMPXCHG8B and the RDTSC/RDMSR-free parts of real mode.
%include "lib/rom.inc"

%define PROMISED 0x0001B97F

main:
        PUTS "cpuid", 10
        pushfd
        pop eax
        mov ebx, eax
        xor eax, 0x240000               ; ID (21) and AC (18)
        push eax
        popfd
        pushfd
        pop eax
        xor eax, ebx
        SHOW32 "toggled id/ac=", eax
        push ebx
        popfd
        xor eax, eax
        cpuid
        cmp eax, 1
        setae al
        SHOW8 "max leaf>=1:", al
        mov eax, 1
        cpuid
        mov ebx, eax
        shr ebx, 8
        and ebx, 0xF
        SHOW8 "family=", bl
        mov ebx, eax
        shr ebx, 20
        and ebx, 0xFF
        SHOW8 "ext family=", bl
        and edx, PROMISED
        SHOW32 "features&promised=", edx
        NL
        ; CMPXCHG8B: equal (stores ECX:EBX, ZF=1) and not equal (loads EDX:EAX, ZF=0)
        mov dword [SCRATCH], 0x11112222
        mov dword [SCRATCH+4], 0x33334444
        mov eax, 0x11112222
        mov edx, 0x33334444
        mov ebx, 0x55556666
        mov ecx, 0x77778888
        cmpxchg8b [SCRATCH]
        setz al
        SHOW8 "cx8 equal zf=", al
        SHOW32 "mem=", [SCRATCH+4]
        SHOW32 "", [SCRATCH]
        NL
        mov eax, 0
        mov edx, 0
        cmpxchg8b [SCRATCH]
        setz bl
        SHOW8 "cx8 differ zf=", bl
        SHOW32 "edx:eax=", edx
        SHOW32 "", eax
        NL
        EXIT
%include "lib/end.inc"
