// The VGA's register file and its port decoding: sequencer, graphics controller, attribute
// controller (index/data flip-flop), CRT controller, DAC, miscellaneous output, feature control,
// input status 0/1. Section references: IBM VGA Technical Reference ("Registers"); FreeVGA
// (osdever.net/FreeVGA/vga/*.htm). Memory access and rendering live elsewhere and read this state.

import type { Clock } from '../../bus/clock.js';
import * as C from './constants.js';
import { RetraceTiming } from './timing.js';

/** Bits a register keeps on write (reserved bits read back as 0). */
const SR_WRITE_MASK = [0x03, 0x3d, 0x0f, 0x3f, 0x0e] as const;
const GR_WRITE_MASK = [0x0f, 0x0f, 0x0f, 0x1f, 0x03, 0x7b, 0x0f, 0x0f, 0xff] as const;

export interface VgaRegisterStats {
  /** Accesses to ports this adapter does not decode (or the inactive mono/colour range). */
  ignored: number;
}

export class VgaRegisters {
  misc = 0;
  featureControl = 0;
  videoEnable = 1;
  seqIndex = 0;
  readonly seq = new Uint8Array(C.SR_COUNT);
  gcIndex = 0;
  readonly gc = new Uint8Array(C.GR_COUNT);
  crtcIndex = 0;
  readonly crtc = new Uint8Array(C.CR_COUNT);
  /** Attribute index including bit 5 (PAS). */
  attrIndex = 0;
  /** false: next 0x3C0 write is an index; true: it is data. Reset by reading input status 1. */
  attrFlipFlop = false;
  readonly attr = new Uint8Array(C.AR_COUNT);
  /** 256 entries of red, green, blue; 6 bits each unless the VBE 8-bit DAC is on. */
  readonly dac = new Uint8Array(768);
  readonly dacLatch = new Uint8Array(3);
  dacReadIndex = 0;
  dacWriteIndex = 0;
  dacComponent = 0;
  /** 0 = last index written was the write index, 3 = the read index (port 0x3C7 read). */
  dacState = 0;
  pelMask = 0xff;
  dac8bit = false;
  /** Increments whenever something that changes the picture is written (registers or DAC). */
  generation = 1;
  readonly stats: VgaRegisterStats = { ignored: 0 };
  /** Called after any write that may change how the memory window decodes accesses. */
  onMemoryModeChange: () => void = () => {};
  private readonly timing: RetraceTiming;

  constructor(clock: Clock) {
    this.timing = new RetraceTiming(clock);
  }

  get colorIo(): boolean {
    return (this.misc & C.MISC_COLOR_IO) !== 0;
  }

  /** True when `port` is a CRTC/status port of the range not selected by misc output bit 0. */
  private inactive(port: number): boolean {
    return this.colorIo ? port >= 0x3b0 && port <= 0x3bf : port >= 0x3d0 && port <= 0x3df;
  }

  read(port: number): number {
    if (this.inactive(port)) {
      this.stats.ignored++;
      return 0xff;
    }
    switch (port) {
      case C.PORT_ATTR_INDEX:
        return this.attrIndex;
      case C.PORT_ATTR_DATA_READ: {
        const i = this.attrIndex & 0x1f;
        return i < C.AR_COUNT ? this.attr[i] : 0;
      }
      case C.PORT_MISC_WRITE:
        return 0; // input status 0: no CRT interrupt pending, switch sense 0
      case C.PORT_VIDEO_ENABLE:
        return this.videoEnable;
      case C.PORT_SEQ_INDEX:
        return this.seqIndex;
      case C.PORT_SEQ_DATA:
        return this.seqIndex < C.SR_COUNT ? this.seq[this.seqIndex] : 0;
      case C.PORT_DAC_PEL_MASK:
        return this.pelMask;
      case C.PORT_DAC_READ_INDEX:
        return this.dacState;
      case C.PORT_DAC_WRITE_INDEX:
        return this.dacWriteIndex;
      case C.PORT_DAC_DATA: {
        const v = this.dac[this.dacReadIndex * 3 + this.dacComponent];
        if (++this.dacComponent === 3) {
          this.dacComponent = 0;
          this.dacReadIndex = (this.dacReadIndex + 1) & 0xff;
        }
        return v;
      }
      case C.PORT_FEATURE_READ:
        return this.featureControl;
      case C.PORT_MISC_READ:
        return this.misc;
      case C.PORT_GC_INDEX:
        return this.gcIndex;
      case C.PORT_GC_DATA:
        return this.gcIndex < C.GR_COUNT ? this.gc[this.gcIndex] : 0;
      case C.PORT_CRTC_INDEX_MONO:
      case C.PORT_CRTC_INDEX_COLOR:
        return this.crtcIndex;
      case C.PORT_CRTC_DATA_MONO:
      case C.PORT_CRTC_DATA_COLOR:
        return this.crtcIndex < C.CR_COUNT ? this.crtc[this.crtcIndex] : 0;
      case C.PORT_STATUS1_MONO:
      case C.PORT_STATUS1_COLOR:
        // Reading input status 1 resets the attribute flip-flop to "index" (FreeVGA attrreg.htm).
        this.attrFlipFlop = false;
        return this.timing.status(this.crtc, this.seq, this.misc);
      default:
        this.stats.ignored++;
        return 0xff;
    }
  }

  write(port: number, value: number): void {
    value &= 0xff;
    if (this.inactive(port)) {
      this.stats.ignored++;
      return;
    }
    switch (port) {
      case C.PORT_ATTR_INDEX:
        if (!this.attrFlipFlop) this.attrIndex = value & 0x3f;
        else this.writeAttr(this.attrIndex & 0x1f, value);
        this.attrFlipFlop = !this.attrFlipFlop;
        this.generation++;
        return;
      case C.PORT_MISC_WRITE:
        this.misc = value;
        this.changed(true);
        return;
      case C.PORT_VIDEO_ENABLE:
        this.videoEnable = value & 1;
        return;
      case C.PORT_SEQ_INDEX:
        this.seqIndex = value & 0x07;
        return;
      case C.PORT_SEQ_DATA:
        if (this.seqIndex < C.SR_COUNT) {
          this.seq[this.seqIndex] = value & SR_WRITE_MASK[this.seqIndex]!;
          this.changed(this.seqIndex === C.SR_CLOCKING);
        } else this.stats.ignored++;
        return;
      case C.PORT_DAC_PEL_MASK:
        this.pelMask = value;
        this.generation++;
        return;
      case C.PORT_DAC_READ_INDEX:
        this.dacReadIndex = value;
        this.dacComponent = 0;
        this.dacState = 3;
        return;
      case C.PORT_DAC_WRITE_INDEX:
        this.dacWriteIndex = value;
        this.dacComponent = 0;
        this.dacState = 0;
        return;
      case C.PORT_DAC_DATA:
        // The three components are latched and written together after blue (FreeVGA colorreg.htm).
        this.dacLatch[this.dacComponent] = this.dac8bit ? value : value & 0x3f;
        if (++this.dacComponent === 3) {
          this.dac.set(this.dacLatch, this.dacWriteIndex * 3);
          this.dacComponent = 0;
          this.dacWriteIndex = (this.dacWriteIndex + 1) & 0xff;
          this.generation++;
        }
        return;
      case C.PORT_GC_INDEX:
        this.gcIndex = value & 0x0f;
        return;
      case C.PORT_GC_DATA:
        if (this.gcIndex < C.GR_COUNT) {
          this.gc[this.gcIndex] = value & GR_WRITE_MASK[this.gcIndex]!;
          this.changed(false);
        } else this.stats.ignored++;
        return;
      case C.PORT_CRTC_INDEX_MONO:
      case C.PORT_CRTC_INDEX_COLOR:
        this.crtcIndex = value;
        return;
      case C.PORT_CRTC_DATA_MONO:
      case C.PORT_CRTC_DATA_COLOR:
        this.writeCrtc(this.crtcIndex, value);
        return;
      case C.PORT_STATUS1_MONO:
      case C.PORT_STATUS1_COLOR:
        this.featureControl = value & 0x0b;
        return;
      default:
        this.stats.ignored++;
    }
  }

  private writeAttr(index: number, value: number): void {
    if (index < 0x10) this.attr[index] = value & 0x3f;
    else if (index === C.AR_MODE || index === C.AR_OVERSCAN) this.attr[index] = value;
    else if (index === C.AR_PLANE_ENABLE) this.attr[index] = value & 0x3f;
    else if (index === C.AR_PEL_PANNING || index === C.AR_COLOR_SELECT) this.attr[index] = value & 0x0f;
    else this.stats.ignored++;
  }

  /** CR11 bit 7 protects CR00-CR07, except the line-compare bit 8 in CR07 bit 4 (FreeVGA crtcreg.htm#11). */
  writeCrtc(index: number, value: number): void {
    if (index >= C.CR_COUNT) {
      this.stats.ignored++;
      return;
    }
    if (index <= C.CR_OVERFLOW && this.crtc[C.CR_V_RETRACE_END] & C.CR11_PROTECT) {
      if (index === C.CR_OVERFLOW) this.crtc[index] = (this.crtc[index] & ~0x10) | (value & 0x10);
      this.generation++;
      return;
    }
    this.crtc[index] = value;
    this.changed(true);
  }

  private changed(timing: boolean): void {
    this.generation++;
    if (timing) this.timing.invalidate();
    this.onMemoryModeChange();
  }

  /** Recomputes derived state after a bulk change (reset, loadState, VBE mode set). */
  refresh(): void {
    this.changed(true);
  }

  // ---- derived values used by memory access and rendering ----

  /** CRTC start address (CR0C:CR0D), in plane addresses. */
  get startAddress(): number {
    return (this.crtc[C.CR_START_HI] << 8) | this.crtc[C.CR_START_LO];
  }

  get cursorAddress(): number {
    return (this.crtc[C.CR_CURSOR_HI] << 8) | this.crtc[C.CR_CURSOR_LO];
  }

  /** Vertical display end + 1 (CR12 with overflow bits 8 and 9 from CR07 bits 1 and 6). */
  get displayLines(): number {
    const ovf = this.crtc[C.CR_OVERFLOW];
    return (this.crtc[C.CR_V_DISP_END] | ((ovf & 0x02) << 7) | ((ovf & 0x40) << 3)) + 1;
  }

  /** Line compare (CR18, bit 8 from CR07 bit 4, bit 9 from CR09 bit 6). */
  get lineCompare(): number {
    return this.crtc[C.CR_LINE_COMPARE] | ((this.crtc[C.CR_OVERFLOW] & 0x10) << 4) | ((this.crtc[C.CR_MAX_SCAN_LINE] & 0x40) << 3);
  }

  /** Resets the registers to zero (the board or BIOS programs a mode afterwards). */
  clear(): void {
    this.misc = 0;
    this.featureControl = 0;
    this.videoEnable = 1;
    this.seqIndex = this.gcIndex = this.crtcIndex = this.attrIndex = 0;
    this.attrFlipFlop = false;
    this.seq.fill(0);
    this.gc.fill(0);
    this.crtc.fill(0);
    this.attr.fill(0);
    this.dac.fill(0);
    this.dacLatch.fill(0);
    this.dacReadIndex = this.dacWriteIndex = this.dacComponent = this.dacState = 0;
    this.pelMask = 0xff;
    this.dac8bit = false;
  }
}
