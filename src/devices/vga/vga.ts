// The VGA adapter as the board sees it: QEMU-"stdvga"-compatible (standard VGA + Bochs VBE,
// PCI 1234:1111). The board registers the port ranges (VGA_PORT_FIRST/COUNT, VBE ports) and
// forwards them here, maps `memory` at 0xA0000 (128 KiB), `lfb` at the BAR0 address and
// `mmioBar` at BAR2. Time comes only from the Clock (input status 1 retrace bits, blinking).
//
//   const vga = new Vga({ clock });
//   ports.register(VGA_PORT_FIRST, VGA_PORT_COUNT, 'vga', vga.portHandlers());
//   ports.register(VBE_PORT_INDEX, 3, 'vga', vga.portHandlers());
//   memory.mapMmio(VGA_WINDOW_BASE, VGA_WINDOW_SIZE, vga.memory, 'vga-window');
//   pciFn = new PciFunction('vga', vgaPciIdentity(vga.vramSize, romSize));
//   pciFn.onBarChange = vgaBarMapper(vga, memory, romHandler);  // or map vga.lfb at 0xE0000000

import type { Clock } from '../../bus/clock.js';
import { checkVersion, type Device, type DeviceState } from '../../bus/device.js';
import type { PortHandlers } from '../../bus/port-bus.js';
import type { MmioHandler } from '../../memory/physical-memory.js';
import * as C from './constants.js';
import { VgaMemory } from './memory.js';
import { loadEgaPalette, loadModeRegisters, MODE_03H } from './mode-tables.js';
import { VgaRegisters } from './registers.js';
import { displayInfo, VgaFrameRenderer, type DisplayInfo, type RenderResult, type VgaDisplaySource } from './renderer.js';
import { snapshotText, textLines, type TextScreen } from './text.js';
import { LinearFramebuffer, VbeDispi } from './vbe.js';

export interface VgaOptions {
  clock: Clock;
  /** Video memory in bytes (power of two, at least 256 KiB); 16 MiB by default. */
  vramSize?: number;
  /** Power on in mode 03h (80x25 text) rather than all registers zero. Default true. */
  startInTextMode?: boolean;
}

const STATE_VERSION = 1;

export class Vga implements Device, VgaDisplaySource {
  readonly name = 'vga';
  readonly regs: VgaRegisters;
  /** The legacy window; map at 0xA0000 with size 0x20000 (offsets are relative to 0xA0000). */
  readonly memory: VgaMemory;
  readonly vbe: VbeDispi;
  /** BAR0: the linear framebuffer, vramSize bytes. */
  readonly lfb: MmioHandler;
  /** BAR2: QEMU's MMIO register window (VGA ports, DISPI registers, byte-order extension). */
  readonly mmioBar: MmioHandler;
  private readonly clock: Clock;
  private readonly startInTextMode: boolean;
  private readonly frameRenderer: VgaFrameRenderer;

  constructor(options: VgaOptions) {
    this.clock = options.clock;
    this.startInTextMode = options.startInTextMode ?? true;
    this.regs = new VgaRegisters(options.clock);
    this.memory = new VgaMemory(this.regs, options.vramSize ?? C.DEFAULT_VRAM_SIZE);
    this.vbe = new VbeDispi(this.regs, this.memory);
    this.regs.onMemoryModeChange = () => this.memory.update();
    this.lfb = new LinearFramebuffer(this.memory);
    this.mmioBar = new VgaMmioRegisters(this);
    this.frameRenderer = new VgaFrameRenderer(this);
    this.reset();
  }

  get vramSize(): number {
    return this.memory.size;
  }

  now(): number {
    return this.clock.now();
  }

  // ---- ports ----

  /** 8-bit read of an absolute port in 0x3B0-0x3DF or the VBE ports 0x1CE/0x1CF/0x1D0. */
  readPort(port: number): number {
    if (port >= C.VBE_PORT_INDEX && port <= C.VBE_PORT_DATA_ALIAS) return this.readPort16(port) & 0xff;
    return this.regs.read(port);
  }

  writePort(port: number, value: number): void {
    if (port >= C.VBE_PORT_INDEX && port <= C.VBE_PORT_DATA_ALIAS) this.writePort16(port, value & 0xff);
    else this.regs.write(port, value);
  }

  /** 16-bit access: the VBE index/data registers, or an index/data pair of VGA ports. */
  readPort16(port: number): number {
    if (port === C.VBE_PORT_INDEX) return this.vbe.index;
    if (port === C.VBE_PORT_DATA || port === C.VBE_PORT_DATA_ALIAS) return this.vbe.readData();
    return this.regs.read(port) | (this.regs.read(port + 1) << 8);
  }

  writePort16(port: number, value: number): void {
    if (port === C.VBE_PORT_INDEX) this.vbe.index = value & 0xffff;
    else if (port === C.VBE_PORT_DATA || port === C.VBE_PORT_DATA_ALIAS) this.vbe.writeData(value);
    else {
      this.regs.write(port, value & 0xff);
      this.regs.write(port + 1, (value >>> 8) & 0xff);
    }
  }

  /** Handlers for PortBus.register over VGA_PORT_FIRST..+VGA_PORT_COUNT and VBE_PORT_INDEX..+3. */
  portHandlers(): PortHandlers {
    return {
      read8: (p) => this.readPort(p),
      write8: (p, v) => this.writePort(p, v),
      read16: (p) => this.readPort16(p),
      write16: (p, v) => this.writePort16(p, v),
    };
  }

  // ---- display ----

  displayInfo(): DisplayInfo {
    return displayInfo(this);
  }

  snapshotText(): TextScreen {
    return snapshotText(this.regs, this.memory);
  }

  /** The text screen as lines of Unicode characters (code page 437), trailing blanks kept. */
  textLines(): string[] {
    return textLines(this.snapshotText());
  }

  /**
   * The text screen as one string: lines joined by "\n", trailing blanks and trailing empty
   * lines removed (row n is still line n); "" in graphics modes.
   */
  textScreenString(): string {
    if (displayInfo(this).kind === 'graphics') return '';
    const lines = this.textLines().map((l) => l.replace(/\s+$/u, ''));
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines.join('\n');
  }

  /** Draws the current picture into `target` (RGBA); see VgaFrameRenderer.render. */
  renderGraphics(target: Uint8ClampedArray, width: number, height: number): RenderResult {
    return this.frameRenderer.render(target, width, height);
  }

  /**
   * Writes glyphs into plane 2 as the VGA BIOS does (character map `map`, 32 bytes per glyph):
   * `glyphs` holds `height` bytes per character, consecutive characters from `first`. For a
   * machine that runs no VGA BIOS (direct Linux boot) but is shown on a pixel display.
   */
  loadFont(glyphs: Uint8Array, height: number, first = 0, map = 0): void {
    if (!Number.isInteger(height) || height < 1 || height > 32) throw new RangeError(`font height ${height} is not 1-32`);
    const base = [0x0000, 0x4000, 0x8000, 0xc000, 0x2000, 0x6000, 0xa000, 0xe000][map & 7]!;
    const count = Math.min(256 - first, Math.floor(glyphs.length / height));
    for (let c = 0; c < count; c++) {
      for (let y = 0; y < 32; y++) {
        const pa = base + (first + c) * 32 + y;
        this.memory.vram[(pa << 2) | 2] = y < height ? glyphs[c * height + y]! : 0;
      }
    }
    this.memory.touch(0, 4 * C.VGA_PLANE_SIZE);
    this.memory.fontGen++;
  }

  // ---- Device ----

  reset(): void {
    this.regs.clear();
    this.memory.clear();
    this.vbe.reset();
    if (this.startInTextMode) {
      loadModeRegisters(this.regs, MODE_03H);
      loadEgaPalette(this.regs);
    }
    this.regs.refresh();
    this.frameRenderer.invalidate();
  }

  saveState(): DeviceState {
    const r = this.regs;
    return {
      version: STATE_VERSION,
      misc: r.misc,
      featureControl: r.featureControl,
      videoEnable: r.videoEnable,
      seqIndex: r.seqIndex,
      seq: r.seq.slice(),
      gcIndex: r.gcIndex,
      gc: r.gc.slice(),
      crtcIndex: r.crtcIndex,
      crtc: r.crtc.slice(),
      attrIndex: r.attrIndex,
      attrFlipFlop: r.attrFlipFlop,
      attr: r.attr.slice(),
      dac: r.dac.slice(),
      dacLatch: r.dacLatch.slice(),
      dacReadIndex: r.dacReadIndex,
      dacWriteIndex: r.dacWriteIndex,
      dacComponent: r.dacComponent,
      dacState: r.dacState,
      pelMask: r.pelMask,
      latch: this.memory.latch,
      vramSize: this.memory.size,
      // Only up to the last non-zero 64 KiB: a text-mode guest saves 256 KiB, not 16 MiB.
      vram: this.memory.vram.slice(0, usedVram(this.memory.vram)),
      vbeIndex: this.vbe.index,
      vbeRegs: this.vbe.regs.slice(),
    };
  }

  loadState(s: DeviceState): void {
    checkVersion(this.name, s, STATE_VERSION);
    const vram = s.vram as Uint8Array;
    if (!(vram instanceof Uint8Array) || s.vramSize !== this.memory.size || vram.length > this.memory.size) {
      throw new RangeError(`vga: saved video memory is ${String(s.vramSize)} bytes, this adapter has ${this.memory.size}`);
    }
    const r = this.regs;
    r.misc = s.misc as number;
    r.featureControl = s.featureControl as number;
    r.videoEnable = s.videoEnable as number;
    r.seqIndex = s.seqIndex as number;
    r.seq.set(s.seq as Uint8Array);
    r.gcIndex = s.gcIndex as number;
    r.gc.set(s.gc as Uint8Array);
    r.crtcIndex = s.crtcIndex as number;
    r.crtc.set(s.crtc as Uint8Array);
    r.attrIndex = s.attrIndex as number;
    r.attrFlipFlop = s.attrFlipFlop as boolean;
    r.attr.set(s.attr as Uint8Array);
    r.dac.set(s.dac as Uint8Array);
    r.dacLatch.set(s.dacLatch as Uint8Array);
    r.dacReadIndex = s.dacReadIndex as number;
    r.dacWriteIndex = s.dacWriteIndex as number;
    r.dacComponent = s.dacComponent as number;
    r.dacState = s.dacState as number;
    r.pelMask = s.pelMask as number;
    this.memory.vram.set(vram);
    this.memory.vram.fill(0, vram.length);
    this.memory.touch(0, this.memory.size);
    this.memory.fontGen++;
    this.memory.latch = s.latch as number;
    this.vbe.index = s.vbeIndex as number;
    this.vbe.regs.set(s.vbeRegs as Uint16Array);
    this.vbe.refresh();
    r.refresh();
    this.frameRenderer.invalidate();
  }
}

/** Bytes of vram worth saving: up to the end of the last 64 KiB block holding a non-zero byte. */
function usedVram(vram: Uint8Array): number {
  const block = 0x10000;
  const words = new Uint32Array(vram.buffer, vram.byteOffset, vram.length >>> 2);
  for (let end = vram.length; end > 4 * C.VGA_PLANE_SIZE; end -= block) {
    for (let i = (end - block) >>> 2; i < end >>> 2; i++) if (words[i] !== 0) return end;
  }
  return 4 * C.VGA_PLANE_SIZE;
}

/**
 * QEMU's BAR2 register window (hw/display/vga-pci.c): VGA ports 0x3C0-0x3DF at 0x400, DISPI
 * register i as a 16-bit value at 0x500 + 2i, and the "qext" size/byte-order registers at 0x600.
 * Linux's bochs DRM driver uses it when present.
 */
class VgaMmioRegisters implements MmioHandler {
  constructor(private readonly vga: Vga) {}

  read8(offset: number): number {
    if (offset >= C.VGA_MMIO_PORTS_OFFSET && offset < C.VGA_MMIO_PORTS_OFFSET + 0x20) {
      return this.vga.readPort(0x3c0 + offset - C.VGA_MMIO_PORTS_OFFSET);
    }
    const w = this.read16(offset & ~1);
    return offset & 1 ? w >>> 8 : w & 0xff;
  }

  write8(offset: number, value: number): void {
    if (offset >= C.VGA_MMIO_PORTS_OFFSET && offset < C.VGA_MMIO_PORTS_OFFSET + 0x20) {
      this.vga.writePort(0x3c0 + offset - C.VGA_MMIO_PORTS_OFFSET, value);
    }
    // Byte writes to the 16-bit DISPI registers are not supported by the device either.
  }

  read16(offset: number): number {
    if (offset >= C.VGA_MMIO_PORTS_OFFSET && offset < C.VGA_MMIO_PORTS_OFFSET + 0x20) {
      return this.read8(offset) | (this.read8(offset + 1) << 8);
    }
    if (offset >= C.VGA_MMIO_DISPI_OFFSET && offset < C.VGA_MMIO_DISPI_OFFSET + 0x16) {
      const vbe = this.vga.vbe;
      const saved = vbe.index;
      vbe.index = (offset - C.VGA_MMIO_DISPI_OFFSET) >> 1;
      const v = vbe.readData();
      vbe.index = saved;
      return v;
    }
    if (offset >= C.VGA_MMIO_QEXT_OFFSET && offset < C.VGA_MMIO_QEXT_OFFSET + C.QEXT_SIZE) {
      const dword = this.read32(offset & ~3);
      return offset & 2 ? dword >>> 16 : dword & 0xffff;
    }
    return 0xffff;
  }

  write16(offset: number, value: number): void {
    if (offset >= C.VGA_MMIO_PORTS_OFFSET && offset < C.VGA_MMIO_PORTS_OFFSET + 0x20) {
      this.write8(offset, value & 0xff);
      this.write8(offset + 1, (value >>> 8) & 0xff);
    } else if (offset >= C.VGA_MMIO_DISPI_OFFSET && offset < C.VGA_MMIO_DISPI_OFFSET + 0x16) {
      const vbe = this.vga.vbe;
      const saved = vbe.index;
      vbe.index = (offset - C.VGA_MMIO_DISPI_OFFSET) >> 1;
      vbe.writeData(value);
      vbe.index = saved;
    }
  }

  read32(offset: number): number {
    if (offset === C.VGA_MMIO_QEXT_OFFSET) return C.QEXT_SIZE;
    if (offset === C.VGA_MMIO_QEXT_OFFSET + 4) return C.QEXT_LITTLE_ENDIAN;
    if (offset >= C.VGA_MMIO_QEXT_OFFSET && offset < C.VGA_MMIO_QEXT_OFFSET + C.QEXT_SIZE) return 0;
    return (this.read16(offset) | (this.read16(offset + 2) << 16)) >>> 0;
  }

  write32(offset: number, value: number): void {
    // The framebuffer is always little-endian here; the byte-order register ignores writes.
    if (offset >= C.VGA_MMIO_QEXT_OFFSET) return;
    this.write16(offset, value & 0xffff);
    this.write16(offset + 2, value >>> 16);
  }
}
