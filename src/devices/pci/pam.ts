// The i440FX Programmable Attribute Map (Intel 82441FX datasheet 3.2.18, PAM0-PAM6 at 0x59-0x5F):
// thirteen segments of 0xC0000-0xFFFFF, each with a Read Enable and a Write Enable bit. Reads
// with RE=1 and writes with WE=1 go to DRAM (shadow RAM); the others go to PCI, which here is
// the BIOS ROM (0xE0000-0xFFFFF, as the board maps it below 1 MiB) or nothing (reads 0xFF).
// SeaBIOS (src/fw/shadow.c) copies itself into RAM with PAM "write only/read-write" and then
// write-protects the F segment with "read only"; QEMU models the same four modes.

import { PAGE_SHIFT, type MmioHandler, type PhysicalMemory } from '../../memory/physical-memory.js';

export const PAM_RE = 0x1;
export const PAM_WE = 0x2;

export interface PamSegment {
  base: number;
  size: number;
  /** Configuration register holding its two bits, and their position (0 or 4). */
  register: number;
  shift: number;
}

/** Segment 0 is the 64 KiB BIOS area (PAM0 bits 5:4); then C0000-EFFFF in 16 KiB steps. */
export const PAM_SEGMENTS: readonly PamSegment[] = [
  { base: 0xf0000, size: 0x10000, register: 0x59, shift: 4 },
  ...Array.from({ length: 12 }, (_, i) => ({
    base: 0xc0000 + i * 0x4000,
    size: 0x4000,
    register: 0x5a + (i >> 1),
    shift: (i & 1) * 4,
  })),
];

/** Reads from the PCI side (ROM or open bus), writes into shadow RAM: the "write only" mode. */
class WriteOnlyShadow implements MmioHandler {
  constructor(
    private readonly memory: PhysicalMemory,
    private readonly base: number,
    private readonly rom: Uint8Array | null,
  ) {}

  read8(offset: number): number {
    return this.rom ? this.rom[offset] : 0xff;
  }

  write8(offset: number, value: number): void {
    const m = this.memory;
    const a = this.base + offset;
    m.ram[a] = value;
    const page = a >>> PAGE_SHIFT;
    m.dirtyPages[page] = 1;
    if (m.codePages[page]) {
      m.codePages[page] = 0;
      m.onCodeWrite?.(page);
    }
  }
}

/** No device answers on PCI: reads float high, writes vanish. */
const OPEN_BUS: MmioHandler = {
  read8: () => 0xff,
  write8: () => {},
};

interface SegmentMaps {
  seg: PamSegment;
  /** The BIOS bytes the segment shows while RE=0, if the ROM covers it. */
  rom: Uint8Array | null;
  /** Whether DRAM lies behind the segment (else every access goes to PCI). */
  inRam: boolean;
  writeOnly: MmioHandler;
}

export class PamShadow {
  private readonly segments: SegmentMaps[];
  /** Attribute each segment is mapped with now; -1 before the first apply. */
  private readonly current = new Int8Array(PAM_SEGMENTS.length).fill(-1);
  readonly stats = { remaps: 0 };

  /**
   * @param bios the image the board maps under 1 MiB: its last 128 KiB (at most) end at 0x100000
   */
  constructor(
    private readonly memory: PhysicalMemory,
    bios: Uint8Array | null,
  ) {
    const low = bios ? (bios.length > 0x20000 ? bios.subarray(bios.length - 0x20000) : bios) : null;
    const lowBase = low ? 0x100000 - low.length : 0x100000;
    this.segments = PAM_SEGMENTS.map((seg) => {
      const rom = low && seg.base >= lowBase ? low.subarray(seg.base - lowBase, seg.base - lowBase + seg.size) : null;
      return {
        seg,
        rom,
        inRam: seg.base + seg.size <= memory.ramSize,
        writeOnly: new WriteOnlyShadow(memory, seg.base, rom),
      };
    });
  }

  /** The attribute bits (PAM_RE | PAM_WE) of segment `index` in `config`. */
  static attribute(config: Uint8Array, index: number): number {
    const s = PAM_SEGMENTS[index];
    return (config[s.register] >> s.shift) & 3;
  }

  /** Maps every segment as the PAM registers in `config` say (only segments that changed). */
  apply(config: Uint8Array): void {
    for (let i = 0; i < this.segments.length; i++) {
      const attr = PamShadow.attribute(config, i);
      if (attr === this.current[i]) continue;
      this.current[i] = attr;
      this.map(this.segments[i], attr);
    }
  }

  /** Forgets what is mapped, so the next apply() maps every segment again. */
  invalidate(): void {
    this.current.fill(-1);
  }

  private map(s: SegmentMaps, attr: number): void {
    const m = this.memory;
    const { base, size } = s.seg;
    this.stats.remaps++;
    this.dropCode(base, size);
    if (!s.inRam) {
      // No DRAM behind the segment: every access goes to PCI.
      if (s.rom) m.mapRom(base, s.rom, 'bios-low');
      else m.mapMmio(base, size, OPEN_BUS, 'pci-open-bus');
      return;
    }
    switch (attr) {
      case PAM_RE | PAM_WE:
        m.unmap(base, size); // plain RAM
        break;
      case PAM_RE:
        // RAM contents, writes dropped; reads take the CPU's RAM paths, not the ROM's.
        m.mapRamReadOnly(base, size);
        break;
      case PAM_WE:
        m.mapMmio(base, size, s.writeOnly, 'shadow-wo');
        break;
      default:
        if (s.rom) m.mapRom(base, s.rom, 'bios-low');
        else m.mapMmio(base, size, OPEN_BUS, 'pci-open-bus');
    }
  }

  /** What backs the pages changed: the CPU must not keep code it decoded from them. */
  private dropCode(base: number, size: number): void {
    const m = this.memory;
    for (let p = base >>> PAGE_SHIFT, end = (base + size) >>> PAGE_SHIFT; p < end && p < m.codePages.length; p++) {
      if (!m.codePages[p]) continue;
      m.codePages[p] = 0;
      m.onCodeWrite?.(p);
    }
  }
}
