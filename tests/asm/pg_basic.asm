; Two-level paging (SDM Vol. 3 4.3, 4.7, 4.8, 4.10): identity map with 4 KiB pages,
; accessed/dirty bits written into PDE/PTE, #PF error codes (P, W/R, U/S) and CR2,
; U/S combined from PDE and PTE, CR0.WP, 4 MiB pages with CR4.PSE (and the PS bit
; ignored without it), INVLPG and CR3 reload making PTE changes visible, a
; recursive PD mapping, CR4.PGE, and a REP MOVSB stopped by #PF with its registers.
%include "lib/rom.inc"
%include "lib/paging.inc"

main:
        PUTS "pg_basic", 10
        ENTER_PM
        mov dword [0x100000], 0x11111111
        mov dword [0x105000], 0x55555555
        mov dword [0x106000], 0x66666666
        call pg_setup
        mov eax, cr0
        SHOW32 "cr0=", eax
        mov eax, cr3
        SHOW32 "cr3=", eax
        SHOW32 "pde0=", [PG_PD]
        NL

        PUTS "-- accessed and dirty", 10
        mov dword [PTE1(0x400000)], 0x100003
        and dword [PG_PD + 4], ~0x60
        mov eax, [0x400000]
        SHOW32 "read:", eax
        SHOW32 "pte=", [PTE1(0x400000)]
        SHOW32 "pde=", [PG_PD + 4]
        mov dword [0x400004], 0x22222222
        SHOW32 "write: pte=", [PTE1(0x400000)]
        SHOW32 "pde=", [PG_PD + 4]
        NL
        ; a fresh PTE (not in the TLB) written first: A and D together
        mov dword [PTE1(0x404000)], 0x104003
        mov dword [0x404000], 0x44444444
        SHOW32 "write first: pte=", [PTE1(0x404000)]
        NL

        PUTS "-- page faults", 10
        TRY "read not present", {mov eax, [0x401000]}
        TRY "write not present", {mov dword [0x401008], 1}
        TRY "read pde not present", {mov eax, [0x800010]}
        mov dword [PTE1(0x402000)], 0x102003          ; supervisor, writable
        mov dword [PTE1(0x403000)], 0x103005          ; user, read-only
        TRYU 0, "user read supervisor page", {mov eax, [0x402000]}
        TRYU 0, "user write read-only page", {mov dword [0x403000], 1}
        TRYU 0, "user read read-only page", {mov eax, [0x403000]}
        TRYU 0, "user write supervisor page", {mov dword [0x402004], 1}
        mov dword [0x402000], 0xC3C3C3C3                ; RET
        TRYU 0, "user fetch supervisor page", {call 0x402000 - 0xF0000}
        TRY "kernel fetch supervisor page", {call 0x402000 - 0xF0000}
        TRY "kernel write read-only, wp=0", {mov dword [0x403000], 3}
        mov eax, cr0
        or eax, 0x10000                 ; WP
        mov cr0, eax
        TRY "kernel write read-only, wp=1", {mov dword [0x403004], 3}
        TRY "kernel write read-only, wp=1 (pte a/d)", {mov eax, [PTE1(0x403000)]}, {HEX32 eax}, {SPACE}
        mov eax, cr0
        and eax, ~0x10000
        mov cr0, eax
        ; PDE supervisor + PTE user → supervisor
        mov dword [PG_PD + 8], PG_PT2 | 3
        mov dword [PG_PT2], 0x107007
        TRYU 0, "user read, pde u=0 pte u=1", {mov eax, [0x800000]}
        mov dword [PG_PD + 8], PG_PT2 | 7
        mov dword [PG_PT2 + 4], 0x108005
        mov eax, cr3
        mov cr3, eax
        TRYU 0, "user write, pde rw pte ro", {mov dword [0x801000], 1}
        mov dword [PG_PD + 8], PG_PT2 | 5
        mov dword [PG_PT2 + 8], 0x109007
        TRYU 0, "user write, pde ro pte rw", {mov dword [0x802000], 1}
        SHOW32 "exc cr2 ok, pt2[2]=", [PG_PT2 + 8]
        NL

        PUTS "-- 4 MiB pages", 10
        mov eax, cr4
        or eax, 0x10                    ; PSE
        mov cr4, eax
        mov dword [PG_PD + 12], 0x400000 | 0x87     ; 0xC00000 → 0x400000, user
        mov dword [PG_PD + 16], 0x400000 | 0x83     ; 0x1000000 → 0x400000
        mov dword [0xC00010], 0xABCDEF01
        SHOW32 "via alias=", [0x1000010]
        SHOW32 "pde3=", [PG_PD + 12]
        SHOW32 "pde4=", [PG_PD + 16]
        mov eax, [0xFFC00000 + 3*4096 + 4]          ; PS=1 PDE seen as a PT: phys 0x400004
        SHOW32 "recursive=", eax
        NL
        mov dword [PG_PD + 20], 0x400000 | 0x83     ; 0x1400000, never touched before
        mov eax, cr4
        and eax, ~0x10
        mov cr4, eax
        TRY "ps bit with cr4.pse=0 (pde is a pt)", {mov eax, [0x1400000]}
        TRY "ps bit with cr4.pse=0, pte 3", {mov eax, [0x1403000]}

        PUTS "-- invlpg and cr3", 10
        SHOW32 "old=", [0x400000]
        mov dword [PTE1(0x400000)], 0x105003
        invlpg [0x400000]
        SHOW32 "after invlpg=", [0x400000]
        mov dword [PTE1(0x400000)], 0x100003
        mov eax, cr3
        mov cr3, eax
        SHOW32 "after cr3=", [0x400000]
        ; a PTE written through the recursive mapping
        mov dword [0xFFC00000 + 1*4096 + 5*4], 0x106003
        invlpg [0x405000]
        SHOW32 "recursive write=", [0x405000]
        SHOW32 "pt1[5]=", [PTE1(0x405000)]
        NL
        mov eax, cr4
        or eax, 0x80                    ; PGE
        mov cr4, eax
        or dword [PTE1(0x400000)], 0x100
        mov eax, cr4
        SHOW32 "cr4=", eax
        SHOW32 "global pte=", [PTE1(0x400000)]
        SHOW32 "read=", [0x400000]
        ; toggling CR4.PGE flushes global entries too (SDM 4.10.4.1)
        mov dword [PTE1(0x400000)], 0x105103
        mov eax, cr4
        and eax, ~0x80
        mov cr4, eax
        or eax, 0x80
        mov cr4, eax
        SHOW32 "after pge toggle=", [0x400000]
        mov dword [PTE1(0x400000)], 0x100103
        invlpg [0x400000]
        SHOW32 "after invlpg=", [0x400000]
        NL

        PUTS "-- code patched through another linear alias", 10
        mov byte [0x107000], 0xB8               ; MOV EAX, imm32
        mov dword [0x107001], 0x11111111
        mov byte [0x107005], 0xC3               ; RET
        mov dword [PTE1(0x407000)], 0x107003
        call 0x407000 - 0xF0000
        SHOW32 "first=", eax
        mov dword [0x107001], 0x22222222        ; via the identity mapping
        call 0x407000 - 0xF0000
        SHOW32 "after patch=", eax
        NL

        PUTS "-- rep movsb into a missing page", 10
        mov esi, 0x100000
        mov edi, 0x400FF8
        mov ecx, 0x10
        TRY "rep movsb", {rep movsb}
        SHOW32 "esi=", [EXC_REGS + 4]
        SHOW32 "edi=", [EXC_REGS]
        SHOW32 "ecx=", [EXC_REGS + 24]
        NL
        ; paging off again: linear = physical
        mov eax, cr0
        and eax, 0x7FFFFFFF
        mov cr0, eax
        SHOW32 "paging off, [0x400000]=", [0x400000]
        NL
        SHOW32 "exceptions=", [EXC_COUNT]
        NL
        EXIT
%include "lib/end.inc"
