; System registers and MSRs (SDM Vol. 3 2.5, 2.8, 5.8.7, Vol. 4): CR0 (ET reads as 1,
; LMSW cannot clear PE, CLTS, invalid PG/PE and NW/CD combinations), CR2/CR4 (a
; reserved CR4 bit faults), RDMSR/WRMSR of TSC, SYSENTER_CS/ESP/EIP, PAT, MTRR
; capability/default/variable range, APIC base, RDTSC and CR4.TSD, then SYSENTER/SYSEXIT (fixed
; flat CS/SS from SYSENTER_CS, ESP/EIP from the MSRs, IF cleared; SYSEXIT to ring 3
; with ECX/EDX) and their #GP cases. IA32_APIC_BASE exists only with a local APIC
; (CPUID.1:EDX.APIC, Vol. 3 10.4.4): Ringmaster has none, so QEMU runs without one.
; difftest: cpu=pentium3,-apic
%include "lib/rom.inc"

%macro MSR 2            ; label, msr → "label=hi:lo"
        mov ecx, %2
        rdmsr
        PUTS %1, "="
        HEX32 edx
        PUTS ":"
        HEX32 eax
        SPACE
%endmacro

main:
        PUTS "sys_msr", 10
        ENTER_PM
        PUTS "-- control registers", 10
        mov eax, cr0
        and eax, ~0x10          ; try to clear ET
        mov cr0, eax
        mov eax, cr0
        SHOW32 "cr0 et cleared:", eax
        lmsw [cs:msw_e]         ; sets MP/EM/TS (bits 1-3), tries to clear PE
        mov eax, cr0
        SHOW32 "after lmsw:", eax
        clts
        mov eax, cr0
        SHOW32 "after clts:", eax
        and eax, ~0xE
        mov cr0, eax
        mov eax, 0x12345678
        mov cr2, eax
        mov eax, cr2
        SHOW32 "cr2:", eax
        mov eax, cr4
        SHOW32 "cr4:", eax
        NL
        ; (CR0 PG=1 with PE=0 and NW=1 with CD=0 must #GP(0); QEMU 7.2 does not
        ; check them: see sdm_divergent)
        TRY "cr4 tsd|de|pse|pae|pge", {mov eax, 0xBC}, {mov cr4, eax}, {mov eax, cr4}, {HEX32 eax}, {SPACE}
        xor eax, eax
        mov cr4, eax
        TRY "invd/wbinvd", {invd}, {wbinvd}

        PUTS "-- msrs", 10
        MSR "sysenter_cs", 0x174
        MSR "esp", 0x175
        MSR "eip", 0x176
        NL
        MSR "pat", 0x277
        MSR "mtrrcap", 0xFE
        MSR "mtrr_def_type", 0x2FF
        NL
        mov eax, 1
        cpuid
        test edx, 1 << 9                ; APIC
        jnz .apic
        PUTS "no apic"
        jmp .apic_done
.apic:  MSR "apic_base", 0x1B
.apic_done:
        NL
        mov ecx, 0x277
        mov eax, 0x00070106
        mov edx, 0x00070406
        wrmsr
        MSR "pat written", 0x277
        mov ecx, 0x2FF
        mov eax, 0xC06
        xor edx, edx
        wrmsr
        MSR "def_type written", 0x2FF
        mov ecx, 0x200
        mov eax, 0x00100006
        mov edx, 0x0
        wrmsr
        mov ecx, 0x201
        mov eax, 0xFFF00800
        mov edx, 0xF
        wrmsr
        MSR "physbase0", 0x200
        MSR "physmask0", 0x201
        NL
        ; TSC: counts upwards (values themselves are not deterministic; QEMU TCG
        ; also ignores WRMSR to the TSC, so writes are not compared)
        rdtsc
        mov esi, eax
        mov edi, edx
        mov ecx, 100
.spin:  loop .spin
        rdtsc                   ; (QEMU TCG's RDMSR 10h does not read the counter)
        sub eax, esi
        sbb edx, edi
        SHOW32 "tsc delta hi=", edx
        test eax, eax
        setnz al
        SHOW8 "delta lo nonzero=", al
        NL

        ; CR4.TSD: RDTSC is privileged (#GP(0) at CPL > 0) only when TSD=1
        TRYU 0, "rdtsc at cpl 3, tsd=0", {rdtsc}
        mov eax, cr4
        or eax, 4
        mov cr4, eax
        TRYU 0, "rdtsc at cpl 3, tsd=1", {rdtsc}
        TRY "rdtsc at cpl 0, tsd=1", {rdtsc}
        mov eax, cr4
        and eax, ~4
        mov cr4, eax

        PUTS "-- sysenter/sysexit", 10
        TRY "sysenter with cs=0", {sysenter}
        mov ecx, 0x174
        xor edx, edx
        mov eax, CODE0
        wrmsr
        mov ecx, 0x175
        mov eax, 0x1E000
        wrmsr
        mov ecx, 0x176
        mov eax, 0xF0000 + sys_entry
        wrmsr
        TRY "sysexit at cpl 0 with ecx/edx", {mov ecx, 0x13000}, {mov edx, 0xF0000 + user_code}, {sti}, {sysexit}
        ; back here from sys_entry
        SHOW32 "ring3 saw cs/ss:", [SCRATCH]
        SHOW32 "esp:", [SCRATCH+4]
        SHOW32 "fl:", [SCRATCH+8]
        NL
        SHOW32 "ring0 saw cs/ss:", [SCRATCH+0x10]
        SHOW32 "esp:", [SCRATCH+0x14]
        SHOW32 "fl:", [SCRATCH+0x18]
        SHOW32 "ecx:", [SCRATCH+0x1C]
        NL
        TRYU 0, "sysexit at cpl 3", {sysexit}
        mov ecx, 0x174
        mov eax, 0
        xor edx, edx
        wrmsr
        TRY "sysexit with cs=0", {sysexit}
        SHOW32 "exceptions=", [EXC_COUNT]
        NL
        EXIT

msw_e:  dw 0x000E

; Ring 3 after SYSEXIT: CS=SYSENTER_CS+16|3, SS=+24|3, both flat — store through SS
; (CS-relative strings would be read at base 0 here), then SYSENTER back.
user_code:
        mov ax, cs
        mov [ss:SCRATCH], ax
        mov ax, ss
        mov [ss:SCRATCH+2], ax
        mov [ss:SCRATCH+4], esp
        pushfd
        pop eax
        and eax, 0x3200
        mov [ss:SCRATCH+8], eax
        mov ecx, 0xC0FFEE
        sysenter
; Ring 0 after SYSENTER: CS=SYSENTER_CS (flat, base 0), SS=CS+8
sys_entry:
        mov ax, cs
        mov [ss:SCRATCH+0x10], ax
        mov ax, ss
        mov [ss:SCRATCH+0x12], ax
        mov [ss:SCRATCH+0x14], esp
        pushfd
        pop eax
        and eax, 0x3200
        mov [ss:SCRATCH+0x18], eax
        mov [ss:SCRATCH+0x1C], ecx
        jmp CODE0:.cs_again     ; reload CS from the GDT (base F0000)
.cs_again:
        mov ax, DATA0
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov esp, [RESUME_ESP]
        mov eax, [RESUME_EIP]
        mov dword [RESUME_EIP], 0
        jmp eax
%include "lib/end.inc"
