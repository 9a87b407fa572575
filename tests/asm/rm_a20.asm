; Real-mode addressing above 1 MiB and the A20 gate (SDM Vol. 3 21.29.1; port 0x92 bit 1
; is the PS/2 "fast A20" gate): FFFF:0010 reaches linear 0x100000 (the HMA) with A20 on
; and wraps to 0 with A20 off; 16-bit offsets wrap within the segment; 32-bit
; addressing in real mode reaches beyond 64 KiB when the limit allows (4 GiB only in
; big real mode, so here offsets stay below 0x10000).
%include "lib/rom.inc"

main:
        PUTS "rm_a20", 10
        mov dword [0x000000 + 0x10], 0x0000CAFE
        mov ax, 0xFFFF
        mov es, ax
        mov dword [es:0x10], 0x00100000     ; linear 0x100000 with A20 on
        mov dword [es:0x20], 0x00100010
        in al, 0x92
        and al, 2
        SHOW8 "port92 a20=", al
        SHOW32 "[0]=", [0]
        SHOW32 "[ffff:0]=", [es:0]
        SHOW32 "[ffff:10]=", [es:0x10]
        NL
        in al, 0x92
        and al, 0xFC                        ; A20 off (bit 0 is the reset line: keep 0)
        out 0x92, al
        in al, 0x92
        and al, 2
        SHOW8 "port92 a20=", al
        SHOW32 "[ffff:10]=", [es:0x10]
        SHOW32 "[ffff:20]=", [es:0x20]
        mov dword [es:0x30], 0x5A5A5A5A     ; writes linear 0x000020
        SHOW32 "[20]=", [0x20]
        NL
        in al, 0x92
        or al, 2
        out 0x92, al
        SHOW32 "a20 on again [ffff:30]=", [es:0x30]
        SHOW32 "[20]=", [0x20]
        NL
        ; 16-bit effective addresses wrap within the segment
        mov word [0x0000], 0x1111
        mov bx, 0xFFF0
        mov si, 0x0010
        mov ax, [bx+si]                     ; offset 0x10000 → 0x0000
        SHOW16 "[bx+si] wrap=", ax
        mov di, 0xFFFF
        mov byte [di], 0x77
        inc di                              ; DI wraps to 0
        mov al, [di]
        SHOW8 "[di+1]=", al
        NL
        EXIT
%include "lib/end.inc"
