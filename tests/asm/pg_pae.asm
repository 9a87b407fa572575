; PAE paging with NX (SDM Vol. 3 4.4, 4.7): PDPT + 64-bit PD/PT entries, 4 KiB and
; 2 MiB pages, accessed/dirty bits in 64-bit entries, EFER.NXE (MSR C0000080h bit 11)
; and execute-disable on PTEs and PDEs (#PF with I/D=1), U/S and R/W in PAE entries.
; QEMU needs NX switched on for the P6 model: -cpu pentium3,+nx.
; difftest: cpu=pentium3,+nx
%include "lib/rom.inc"

%define PDPT 0x34000
%define PD0  0x35000
%define PT0  0x36000            ; 0-2 MiB, 4 KiB pages
%define PT2  0x37000            ; 4-6 MiB, 4 KiB pages
%define PTE2(lin) (PT2 + (((lin) - 0x400000) >> 12) * 8)

main:
        PUTS "pg_pae", 10
        ENTER_PM
        mov eax, 0x80000001
        cpuid
        and edx, 1 << 20
        SHOW32 "cpuid nx=", edx
        NL
        cld
        mov edi, PDPT
        xor eax, eax
        mov ecx, (0x38000 - PDPT) / 4
        rep stosd
        mov dword [PDPT], PD0 | 1
        mov dword [PD0], PT0 | 7
        mov dword [PD0 + 8], 0x200000 | 0x87        ; 2-4 MiB: one 2 MiB page
        mov dword [PD0 + 16], PT2 | 7
        mov edi, PT0
        mov eax, 7
.f:     mov [edi], eax
        add eax, 0x1000
        add edi, 8
        cmp edi, PT0 + 4096
        jb .f
        mov eax, cr4
        or eax, 0x20                    ; PAE
        mov cr4, eax
        mov eax, PDPT
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        mov eax, cr4
        SHOW32 "cr4=", eax
        mov eax, [PDPT]
        and eax, ~0x20                  ; QEMU 7.2 sets bit 5 (reserved in a PAE PDPTE,
        SHOW32 "pdpte0=", eax           ; Vol. 3 Table 4-8): see sdm_divergent
        NL

        PUTS "-- 4 KiB and 2 MiB pages, A/D", 10
        mov dword [0x100000], 0x11111111
        mov dword [0x300000], 0x33333333
        mov dword [0x120000], 0x12121212
        mov dword [PTE2(0x400000)], 0x100003
        mov dword [PTE2(0x400000) + 4], 0
        SHOW32 "via pt=", [0x400000]
        SHOW32 "2m=", [0x300000]
        mov dword [0x400008], 1
        SHOW32 "pte=", [PTE2(0x400000)]
        SHOW32 "pde2m=", [PD0 + 8]
        SHOW32 "pde=", [PD0 + 16]
        mov eax, [PDPT]
        and eax, ~0x20
        SHOW32 "pdpte=", eax
        NL

        PUTS "-- NX", 10
        mov dword [0x101000], 0xC3C3C3C3
        mov dword [PTE2(0x401000)], 0x101003
        mov dword [PTE2(0x401000) + 4], 0x80000000  ; XD
        ; (with NXE=0 bit 63 is reserved: #PF with P=1 RSVD=1; QEMU 7.2 leaves P
        ; clear on reserved-bit faults, so those are checked in sdm_divergent)
        mov ecx, 0xC0000080
        rdmsr
        SHOW32 "efer=", eax
        or eax, 1 << 11
        wrmsr
        rdmsr
        SHOW32 "efer=", eax
        NL
        TRY "read xd page", {mov eax, [0x401000]}, {HEX32 eax}, {SPACE}
        TRY "fetch xd page", {call 0x401000 - 0xF0000}
        TRY "fetch not-present page", {call 0x402000 - 0xF0000}
        TRY "write not-present page", {mov dword [0x402000], 1}
        mov dword [PTE2(0x401000) + 4], 0
        invlpg [0x401000]
        TRY "fetch after clearing xd", {call 0x401000 - 0xF0000}
        ; XD on the PDE covering 2-4 MiB
        mov dword [0x200000], 0xC3C3C3C3
        mov dword [PD0 + 12], 0x80000000
        invlpg [0x200000]
        TRY "fetch, xd in 2 MiB pde", {call 0x200000 - 0xF0000}
        TRY "read, xd in 2 MiB pde", {mov eax, [0x200000]}, {HEX32 eax}, {SPACE}
        mov dword [PD0 + 12], 0
        invlpg [0x200000]
        mov dword [PTE2(0x404000)], 0x104005        ; user read-only
        TRY "kernel write user ro, wp=0", {mov dword [0x404000], 1}
        TRYU 0, "user write user ro", {mov dword [0x404000], 1}
        TRYU 0, "user read kernel 2 MiB page", {mov dword [PD0 + 8], 0x200000 | 0x83}, {mov eax, [0x200000]}
        SHOW32 "exceptions=", [EXC_COUNT]
        NL
        EXIT
%include "lib/end.inc"
