; Disk test: writes one sector (LBA 1) of the primary master with ATA WRITE SECTORS (PIO) and
; no FLUSH CACHE, prints "written", then idles with interrupts on (HLT; nothing wakes it).
; Ports: primary channel command block 1F0h-1F7h, device control 3F6h (PC/AT compatibility
; mode). ATA/ATAPI-6 (T13/1410D) 8.62 WRITE SECTORS 30h; 7.9 Device/Head: bit 6 LBA, bits 7
; and 5 set (obsolete, 1); 7.15 Status: BSY bit 7, DRQ bit 3, ERR bit 0; 7.8 Device Control:
; nIEN bit 1 (no INTRQ: the ROM sets up no interrupt handlers; the PICs are masked too).
%include "hv.inc"
        ROM_START
        mov al, 0xFF            ; mask every 8259 input
        out 0x21, al
        out 0xA1, al
        mov dx, 0x3F6
        mov al, 0x02            ; nIEN
        out dx, al
        mov dx, 0x1F6
        mov al, 0xE0            ; LBA, master, LBA 27:24 = 0
        out dx, al
        mov dx, 0x1F2
        mov al, 1               ; one sector
        out dx, al
        mov dx, 0x1F3
        mov al, 1               ; LBA 7:0
        out dx, al
        mov dx, 0x1F4
        xor al, al
        out dx, al
        mov dx, 0x1F5
        out dx, al
        mov dx, 0x1F7
        mov al, 0x30            ; WRITE SECTORS
        out dx, al
.drq:   in al, dx
        test al, 0x80
        jnz .drq
        test al, 0x01
        jnz .fail
        test al, 0x08
        jz .drq
        mov si, sector
        mov cx, 256
        mov dx, 0x1F0
        cld
        rep outsw
        mov dx, 0x1F7
.busy:  in al, dx
        test al, 0x80
        jnz .busy
        test al, 0x01
        jnz .fail
        mov si, ok
        call puts
        sti
.idle:  hlt
        jmp .idle
.fail:  mov si, bad
        call puts
        cli
        hlt
ok:     db "written", 13, 10, 0
bad:    db "ata error", 13, 10, 0
sector: times 32 db "ringmaster disk!"
        ROM_END
