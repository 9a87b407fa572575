// Bochs VBE DISPI interface (index port 0x1CE, data port 0x1CF, alias 0x1D0) and the linear
// framebuffer. Behaviour as Bochs defines it and QEMU's stdvga implements it, which is what
// SeaBIOS's vgabios-stdvga.bin (vgasrc/bochsvga.c) relies on: it writes ID0 and reads it back to
// detect the interface, reads VIDEO_MEMORY_64K, reads the maxima with ENABLE.GETCAPS set, finds
// the framebuffer in PCI BAR0, then sets modes with BPP, XRES, YRES, BANK, ENABLE.

import type { MmioHandler } from '../../memory/physical-memory.js';
import * as C from './constants.js';
import type { VgaMemory } from './memory.js';
import type { VgaRegisters } from './registers.js';

export class VbeDispi {
  index = 0;
  readonly regs = new Uint16Array(C.VBE_REG_COUNT);
  /** Bytes per scanline and first displayed byte in vram while enabled (after fix-up). */
  lineBytes = 0;
  startByte = 0;

  constructor(
    private readonly vga: VgaRegisters,
    private readonly memory: VgaMemory,
  ) {
    this.reset();
  }

  reset(): void {
    this.index = 0;
    this.regs.fill(0);
    this.regs[C.VBE_INDEX_ID] = C.VBE_ID5;
    this.lineBytes = this.startByte = 0;
    this.memory.bankOffset = 0;
    this.memory.vbeEnabled = false;
  }

  get enabled(): boolean {
    return (this.regs[C.VBE_INDEX_ENABLE] & C.VBE_ENABLED) !== 0;
  }

  get bpp(): number {
    return this.regs[C.VBE_INDEX_BPP];
  }

  get width(): number {
    return this.regs[C.VBE_INDEX_XRES];
  }

  get height(): number {
    return this.regs[C.VBE_INDEX_YRES];
  }

  readData(): number {
    const i = this.index;
    if (i < C.VBE_REG_COUNT) {
      if (this.regs[C.VBE_INDEX_ENABLE] & C.VBE_GETCAPS) {
        if (i === C.VBE_INDEX_XRES) return C.VBE_MAX_XRES;
        if (i === C.VBE_INDEX_YRES) return C.VBE_MAX_YRES;
        if (i === C.VBE_INDEX_BPP) return C.VBE_MAX_BPP;
      }
      return this.regs[i];
    }
    if (i === C.VBE_INDEX_VIDEO_MEMORY_64K) return this.memory.size >>> 16;
    return 0;
  }

  writeData(value: number): void {
    value &= 0xffff;
    const r = this.regs;
    switch (this.index) {
      case C.VBE_INDEX_ID:
        if (value >= C.VBE_ID0 && value <= C.VBE_ID5) r[C.VBE_INDEX_ID] = value;
        return;
      case C.VBE_INDEX_XRES:
      case C.VBE_INDEX_YRES:
      case C.VBE_INDEX_BPP:
      case C.VBE_INDEX_VIRT_WIDTH:
      case C.VBE_INDEX_X_OFFSET:
      case C.VBE_INDEX_Y_OFFSET:
        r[this.index] = value;
        this.fixup();
        this.vga.generation++;
        return;
      case C.VBE_INDEX_BANK: {
        // Banks are 64 KiB of vram; in 4-bpp (planar) modes they count plane addresses.
        let mask = (this.memory.size >>> 16) - 1;
        if (r[C.VBE_INDEX_BPP] === 4) mask >>>= 2;
        r[C.VBE_INDEX_BANK] = value & mask;
        this.memory.bankOffset = (value & mask) << 16;
        return;
      }
      case C.VBE_INDEX_ENABLE:
        this.writeEnable(value);
        return;
      default:
        return; // VIRT_HEIGHT and VIDEO_MEMORY_64K are read-only
    }
  }

  private writeEnable(value: number): void {
    const r = this.regs;
    const wasEnabled = this.enabled;
    if (value & C.VBE_ENABLED && !wasEnabled) {
      r[C.VBE_INDEX_VIRT_WIDTH] = 0;
      r[C.VBE_INDEX_X_OFFSET] = 0;
      r[C.VBE_INDEX_Y_OFFSET] = 0;
      r[C.VBE_INDEX_ENABLE] = value;
      this.fixup();
      if (!(value & C.VBE_NOCLEARMEM)) {
        const n = Math.min(this.memory.size, r[C.VBE_INDEX_YRES] * this.lineBytes);
        this.memory.vram.fill(0, 0, n);
        if (n > 0) this.memory.touch(0, n);
      }
      this.setVgaCompat();
    } else if (!(value & C.VBE_ENABLED)) {
      this.memory.bankOffset = 0;
    }
    r[C.VBE_INDEX_ENABLE] = value;
    this.vga.dac8bit = (value & C.VBE_8BIT_DAC) !== 0;
    this.memory.vbeEnabled = (value & C.VBE_ENABLED) !== 0;
    this.vga.refresh();
  }

  /**
   * On enabling, put the VGA into a graphics mode whose window reaches the framebuffer:
   * graphics, A0000 64 KiB map; for packed-pixel depths chain-4 with all planes writable.
   */
  private setVgaCompat(): void {
    const { gc, seq, crtc } = this.vga;
    gc[C.GR_MISC] = (gc[C.GR_MISC] & ~0x0c) | 0x04 | C.GR06_GRAPHICS;
    crtc[C.CR_MODE_CONTROL] |= C.CR17_CMS | C.CR17_SRS;
    crtc[C.CR_MAX_SCAN_LINE] &= ~0x9f;
    if (this.bpp === 4) {
      gc[C.GR_MODE] &= ~0x60;
    } else {
      seq[C.SR_MEMORY_MODE] |= C.SR04_CHAIN4;
      seq[C.SR_MAP_MASK] |= 0x0f;
      gc[C.GR_MODE] = (gc[C.GR_MODE] & ~0x60) | C.GR05_SHIFT_256;
    }
  }

  /** Clamps the registers to a displayable mode, as the DISPI interface does (no error path exists). */
  private fixup(): void {
    const r = this.regs;
    if (!this.enabled) return;
    let bits: number;
    switch (r[C.VBE_INDEX_BPP]) {
      case 4:
      case 8:
      case 16:
      case 24:
      case 32:
        bits = r[C.VBE_INDEX_BPP];
        break;
      case 15:
        bits = 16;
        break;
      default:
        bits = r[C.VBE_INDEX_BPP] = 8;
    }
    r[C.VBE_INDEX_XRES] = Math.min(C.VBE_MAX_XRES, r[C.VBE_INDEX_XRES] & ~7 || 8);
    r[C.VBE_INDEX_VIRT_WIDTH] = Math.max(r[C.VBE_INDEX_XRES], Math.min(C.VBE_MAX_XRES, r[C.VBE_INDEX_VIRT_WIDTH] & ~7));
    const line = (r[C.VBE_INDEX_VIRT_WIDTH] * bits) >>> 3;
    const maxY = Math.floor(this.memory.size / line);
    r[C.VBE_INDEX_YRES] = Math.min(maxY, C.VBE_MAX_YRES, r[C.VBE_INDEX_YRES] || 1);
    r[C.VBE_INDEX_X_OFFSET] = Math.min(r[C.VBE_INDEX_X_OFFSET], C.VBE_MAX_XRES);
    r[C.VBE_INDEX_Y_OFFSET] = Math.min(r[C.VBE_INDEX_Y_OFFSET], C.VBE_MAX_YRES);
    let start = ((r[C.VBE_INDEX_X_OFFSET] * bits) >>> 3) + r[C.VBE_INDEX_Y_OFFSET] * line;
    if (start + r[C.VBE_INDEX_YRES] * line > this.memory.size) {
      r[C.VBE_INDEX_Y_OFFSET] = 0;
      start = (r[C.VBE_INDEX_X_OFFSET] * bits) >>> 3;
      if (start + r[C.VBE_INDEX_YRES] * line > this.memory.size) {
        r[C.VBE_INDEX_X_OFFSET] = 0;
        start = 0;
      }
    }
    r[C.VBE_INDEX_VIRT_HEIGHT] = Math.min(maxY, 0xffff);
    this.lineBytes = line;
    this.startByte = start;
  }

  /** Recomputes derived values after loadState. */
  refresh(): void {
    this.fixup();
    this.memory.vbeEnabled = this.enabled;
    this.memory.bankOffset = this.enabled ? this.regs[C.VBE_INDEX_BANK] << 16 : 0;
    this.vga.dac8bit = (this.regs[C.VBE_INDEX_ENABLE] & C.VBE_8BIT_DAC) !== 0;
  }
}

/** The linear framebuffer at PCI BAR0: vram byte for byte, any access size. */
export class LinearFramebuffer implements MmioHandler {
  constructor(private readonly memory: VgaMemory) {}

  read8(offset: number): number {
    return offset < this.memory.size ? this.memory.vram[offset] : 0xff;
  }

  write8(offset: number, value: number): void {
    if (offset >= this.memory.size) return;
    this.memory.vram[offset] = value;
    this.memory.touch(offset);
  }

  read16(offset: number): number {
    const v = this.memory.vram;
    if (offset + 1 >= this.memory.size) return this.read8(offset) | (this.read8(offset + 1) << 8);
    return v[offset] | (v[offset + 1] << 8);
  }

  write16(offset: number, value: number): void {
    if (offset + 1 >= this.memory.size) {
      this.write8(offset, value & 0xff);
      this.write8(offset + 1, (value >>> 8) & 0xff);
      return;
    }
    const v = this.memory.vram;
    v[offset] = value;
    v[offset + 1] = value >>> 8;
    this.memory.touch(offset, 2);
  }

  read32(offset: number): number {
    if (offset + 3 >= this.memory.size) return (this.read16(offset) | (this.read16(offset + 2) << 16)) >>> 0;
    const v = this.memory.vram;
    return (v[offset] | (v[offset + 1] << 8) | (v[offset + 2] << 16) | (v[offset + 3] << 24)) >>> 0;
  }

  write32(offset: number, value: number): void {
    if (offset + 3 >= this.memory.size) {
      this.write16(offset, value & 0xffff);
      this.write16(offset + 2, (value >>> 16) & 0xffff);
      return;
    }
    const v = this.memory.vram;
    v[offset] = value;
    v[offset + 1] = value >>> 8;
    v[offset + 2] = value >>> 16;
    v[offset + 3] = value >>> 24;
    this.memory.touch(offset, 4);
  }
}
