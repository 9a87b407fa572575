// VGA memory: the four planes (and, above them, the VBE framebuffer) and the legacy window
// 0xA0000-0xBFFFF with the graphics controller's read and write logic.
//
// Layout: plane p of plane address a is vram[a * 4 + p] ("interleaved"), as QEMU and Bochs store
// it. With that layout a chain-4 host byte address is also its vram index, mode 13h and mode X
// render from the same bytes, and the VBE linear framebuffer is simply vram.
//
// Logic references: IBM VGA Technical Reference, "Graphics controller registers" and "Sequencer
// memory mode"; FreeVGA vgamem.htm (write modes 0-3, read modes 0-1, latches, chain-4, odd/even).

import type { MmioHandler } from '../../memory/physical-memory.js';
import * as C from './constants.js';
import type { VgaRegisters } from './registers.js';

const PAGE_SHIFT = 12;

/** Bit p of n set → byte p all ones: turns a 4-bit plane set into a 32-bit latch mask. */
function planeMask32(n: number): number {
  return ((n & 1 ? 0xff : 0) | (n & 2 ? 0xff00 : 0) | (n & 4 ? 0xff0000 : 0) | (n & 8 ? 0xff000000 : 0)) >>> 0;
}

const enum Access {
  Planar = 0,
  Chain4 = 1,
  OddEven = 2,
}

export class VgaMemory implements MmioHandler {
  readonly vram: Uint8Array;
  /** The same bytes seen as one 32-bit word per plane address (byte p = plane p; little-endian host). */
  private readonly vram32: Uint32Array;
  readonly size: number;
  /** The four 8-bit latches, plane p in byte p. Loaded by every read through the window. */
  latch = 0;
  /** Per 4 KiB page of vram: the write sequence number of its last write (renderers compare). */
  readonly pageGen: Float64Array;
  /** Sequence number of the last write. */
  writeSeq = 0;
  /** Incremented when plane 2 (the font plane) may have changed. */
  fontGen = 0;
  /** Banked window offset (VBE BANK << 16), applied only while VBE is enabled. */
  bankOffset = 0;
  vbeEnabled = false;

  // Decoded from the registers by update(): the window's place and the access path.
  private windowStart = 0;
  private windowSize = C.VGA_WINDOW_SIZE;
  private access = Access.Planar;
  private readOddEven = false;
  private planeAddressMask = C.VGA_PLANE_SIZE - 1;

  constructor(private readonly regs: VgaRegisters, size: number) {
    if (!Number.isInteger(Math.log2(size)) || size < 4 * C.VGA_PLANE_SIZE) {
      throw new RangeError(`VGA memory must be a power of two of at least 256 KiB, got ${size}`);
    }
    this.size = size;
    this.vram = new Uint8Array(size);
    this.vram32 = new Uint32Array(this.vram.buffer, 0, size >>> 2);
    this.pageGen = new Float64Array(size >>> PAGE_SHIFT);
  }

  /** Re-decodes the memory map (GR06 bits 3-2), chain-4 and odd/even after a register write. */
  update(): void {
    const gc = this.regs.gc;
    switch ((gc[C.GR_MISC] >> 2) & 3) {
      case 0: // A0000-BFFFF, 128 KiB
        this.windowStart = 0;
        this.windowSize = 0x20000;
        break;
      case 1: // A0000-AFFFF, 64 KiB
        this.windowStart = 0;
        this.windowSize = 0x10000;
        break;
      case 2: // B0000-B7FFF
        this.windowStart = 0x10000;
        this.windowSize = 0x8000;
        break;
      default: // B8000-BFFFF
        this.windowStart = 0x18000;
        this.windowSize = 0x8000;
    }
    const mode = this.regs.seq[C.SR_MEMORY_MODE];
    if (mode & C.SR04_CHAIN4) this.access = Access.Chain4;
    else if (!(mode & C.SR04_ODD_EVEN_DISABLE)) this.access = Access.OddEven;
    else this.access = Access.Planar;
    this.readOddEven = (gc[C.GR_MODE] & C.GR05_HOST_ODD_EVEN) !== 0 && this.access !== Access.Chain4;
    // Standard VGA planes are 64 KiB; in VBE modes the planes span all of vram.
    this.planeAddressMask = this.vbeEnabled ? (this.size >>> 2) - 1 : C.VGA_PLANE_SIZE - 1;
  }

  /** Marks vram bytes [index, index+length) written. */
  touch(index: number, length = 1): void {
    const seq = ++this.writeSeq;
    const last = (index + length - 1) >>> PAGE_SHIFT;
    for (let p = index >>> PAGE_SHIFT; p <= last; p++) this.pageGen[p] = seq;
  }

  /** Converts a window offset (0..0x1FFFF from 0xA0000) to a memory address, or -1 outside the map. */
  private address(offset: number): number {
    const a = offset - this.windowStart;
    if (a < 0 || a >= this.windowSize) return -1;
    return this.vbeEnabled ? a + this.bankOffset : a;
  }

  read8(offset: number): number {
    const a = this.address(offset);
    if (a < 0) return 0xff;
    const gc = this.regs.gc;
    if (this.access === Access.Chain4) return this.vram[a & (this.size - 1)];
    if (this.readOddEven) {
      // Host A0 selects plane 0/1 (or 2/3 with GR04 bit 1); the plane address is A >> 1.
      const pa = (a >>> 1) & this.planeAddressMask;
      this.latch = this.vram32[pa];
      return this.vram[(pa << 2) | (gc[C.GR_READ_MAP] & 2) | (a & 1)];
    }
    const pa = a & this.planeAddressMask;
    const latch = (this.latch = this.vram32[pa]);
    if (!(gc[C.GR_MODE] & C.GR05_READ_MODE1)) return (latch >>> ((gc[C.GR_READ_MAP] & 3) << 3)) & 0xff;
    // Read mode 1: a bit is 1 where every plane selected by Color Don't Care matches Color Compare.
    let diff = (latch ^ planeMask32(gc[C.GR_COLOR_COMPARE])) & planeMask32(gc[C.GR_COLOR_DONT_CARE]);
    diff |= diff >>> 16;
    diff |= diff >>> 8;
    return ~diff & 0xff;
  }

  write8(offset: number, value: number): void {
    const a = this.address(offset);
    if (a < 0) return;
    value &= 0xff;
    const mapMask = this.regs.seq[C.SR_MAP_MASK] & 0x0f;
    if (this.access === Access.Chain4) {
      // Chain-4: host A1-A0 select the plane; the byte lands at vram[A] (plane A&3, address A>>2).
      if (mapMask & (1 << (a & 3))) {
        const i = a & (this.size - 1);
        this.vram[i] = value;
        this.pageGen[i >>> PAGE_SHIFT] = ++this.writeSeq;
        if ((a & 3) === 2) this.fontGen++;
      }
      return;
    }
    if (this.access === Access.OddEven) {
      // Odd/even: even addresses go to planes 0 and 2, odd to 1 and 3, at plane address A >> 1.
      const planes = mapMask & (a & 1 ? 0b1010 : 0b0101);
      if (!planes) return;
      const base = ((a >>> 1) & this.planeAddressMask) << 2;
      if (planes & 1) this.vram[base] = value;
      if (planes & 2) this.vram[base | 1] = value;
      if (planes & 4) {
        this.vram[base | 2] = value;
        this.fontGen++;
      }
      if (planes & 8) this.vram[base | 3] = value;
      this.pageGen[base >>> PAGE_SHIFT] = ++this.writeSeq;
      return;
    }
    this.writePlanar(a & this.planeAddressMask, value, mapMask);
  }

  /** The graphics controller's write path (write modes 0-3, rotate, function, bit mask). */
  private writePlanar(pa: number, value: number, mapMask: number): void {
    const gc = this.regs.gc;
    const latch = this.latch;
    const rotate = gc[C.GR_DATA_ROTATE] & 7;
    let data: number;
    let bitMask = gc[C.GR_BIT_MASK];
    switch (gc[C.GR_MODE] & 3) {
      case 0: {
        const rotated = ((value >>> rotate) | (value << (8 - rotate))) & 0xff;
        const enable = planeMask32(gc[C.GR_ENABLE_SET_RESET]);
        data = ((rotated * 0x01010101) & ~enable) | (planeMask32(gc[C.GR_SET_RESET]) & enable);
        break;
      }
      case 1: // latches written unchanged; bit mask and function do not apply
        this.store(pa, latch, mapMask);
        return;
      case 2: // host bits 3-0 fill each plane
        data = planeMask32(value);
        break;
      default: {
        // Write mode 3: rotated host data ANDed with the bit mask; colour from set/reset.
        const rotated = ((value >>> rotate) | (value << (8 - rotate))) & 0xff;
        bitMask &= rotated;
        data = planeMask32(gc[C.GR_SET_RESET]);
      }
    }
    switch ((gc[C.GR_DATA_ROTATE] >> 3) & 3) {
      case 1:
        data &= latch;
        break;
      case 2:
        data |= latch;
        break;
      case 3:
        data ^= latch;
        break;
    }
    const bits = bitMask * 0x01010101;
    this.store(pa, (data & bits) | (latch & ~bits), mapMask);
  }

  private store(pa: number, data: number, mapMask: number): void {
    const keep = planeMask32(mapMask);
    this.vram32[pa] = (this.vram32[pa] & ~keep) | (data & keep);
    if (mapMask & 4) this.fontGen++;
    this.pageGen[pa >>> (PAGE_SHIFT - 2)] = ++this.writeSeq;
  }

  /** Byte of plane `plane` at plane address `pa` (renderers and tests). */
  plane(plane: number, pa: number): number {
    return this.vram[((pa & ((this.size >>> 2) - 1)) << 2) | (plane & 3)];
  }

  clear(): void {
    this.vram.fill(0);
    this.latch = 0;
    this.bankOffset = 0;
    this.vbeEnabled = false;
    this.touch(0, this.size);
    this.fontGen++;
  }
}
