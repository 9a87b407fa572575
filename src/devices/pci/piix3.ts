// The PIIX3 PCI-to-ISA bridge, PCI function 01.0 (Intel 82371SB datasheet 2.2; QEMU
// hw/isa/piix.c): identity 8086:7000, class 06/01, multi-function. Its PIRQ Route Control
// registers (PIRQRC[A:D], 0x60-0x63: bit 7 disables, bits 3:0 the ISA IRQ) steer the four PCI
// interrupt wires onto ISA IRQ inputs of the 8259s; PCI interrupts are level-triggered and
// shared, so every ISA input this bridge drives is the OR of its sources (PIRQs and, e.g., the
// ACPI SCI). The Reset Control register (port 0xCF9, 82371SB 4.1.4) resets the machine.

import { BaseIrqLine, type IrqLine } from '../../bus/irq.js';
import { PciFunction, STS_DEVSEL_MEDIUM, CMD_IO, CMD_MEMORY, CMD_MASTER, HEADER_MULTI_FUNCTION } from './pci-function.js';
import type { PciBus } from './pci-bus.js';

export const PIIX3_VENDOR = 0x8086;
export const PIIX3_DEVICE = 0x7000;
export const PIIX_PIRQRC = 0x60;
export const PIRQ_DISABLE = 0x80;
/** RCR bits: SRST type (1 = hard), RCPU (reset on a 0-to-1 write). */
export const RCR_SYS_RST = 0x02;
export const RCR_RST_CPU = 0x04;

/** IRQ numbers a PIRQRC may select (82371SB 2.2.13: 0-2, 8 and 13 are reserved). */
export function isRoutableIrq(irq: number): boolean {
  return irq >= 3 && irq <= 15 && irq !== 8 && irq !== 13;
}

/** Power-on values of the registers QEMU's piix_reset sets (82371SB table 2). */
const RESET_VALUES: readonly [number, number][] = [
  [0x4c, 0x4d], [0x4e, 0x03], [0x60, 0x80], [0x61, 0x80], [0x62, 0x80], [0x63, 0x80],
  [0x69, 0x02], [0x70, 0x80], [0x76, 0x0c], [0x77, 0x0c], [0x78, 0x02], [0xa0, 0x08], [0xa8, 0x0f],
];

export interface Piix3Options {
  bus: PciBus;
  /** ISA IRQ input `irq` of the interrupt controller. */
  isaIrq: (irq: number) => IrqLine;
  /** The guest asked for a reset through port 0xCF9. */
  requestReset?: () => void;
}

/** One source on a shared ISA input. */
class SharedSource extends BaseIrqLine {
  constructor(
    private readonly owner: Piix3IsaBridge,
    private readonly irq: number,
    private readonly bit: number,
  ) {
    super();
  }
  set(level: boolean): void {
    this.owner.setSource(this.irq, this.bit, level);
  }
}

export class Piix3IsaBridge extends PciFunction {
  private readonly bus: PciBus;
  private readonly isaIrq: (irq: number) => IrqLine;
  private readonly requestReset: (() => void) | null;
  private readonly lines = new Map<number, IrqLine>();
  /** Per ISA IRQ: bitmask of asserted non-PCI sources (bit per isaLine() call). */
  private readonly sourceLevels = new Uint32Array(16);
  private readonly sourceCount = new Uint8Array(16);
  /** Level last driven on each ISA input (only inputs this bridge ever drove are in the map). */
  private readonly driven = new Map<number, boolean>();
  private rcr = 0;
  readonly stats = { resetRequests: 0 };

  constructor(options: Piix3Options) {
    super('piix3', {
      vendor: PIIX3_VENDOR,
      device: PIIX3_DEVICE,
      classCode: 0x060100,
      headerType: HEADER_MULTI_FUNCTION,
      command: CMD_IO | CMD_MEMORY | CMD_MASTER,
      status: STS_DEVSEL_MEDIUM,
    });
    this.bus = options.bus;
    this.isaIrq = options.isaIrq;
    this.requestReset = options.requestReset ?? null;
    for (const [offset, value] of RESET_VALUES) this.config[offset] = value;
    this.commitDefaults();
    this.bus.onPirqChange = () => this.route();
  }

  /**
   * A new source on ISA IRQ `irq`, ORed with the others and with PCI interrupts routed there
   * (a device sharing an input with PCI must not overwrite their level).
   */
  isaLine(irq: number): IrqLine {
    const bit = this.sourceCount[irq]++;
    if (bit >= 32) throw new RangeError(`too many shared sources on IRQ ${irq}`);
    return new SharedSource(this, irq, bit);
  }

  /** @internal called by SharedSource */
  setSource(irq: number, bit: number, level: boolean): void {
    if (level) this.sourceLevels[irq] |= 1 << bit;
    else this.sourceLevels[irq] &= ~(1 << bit);
    this.drive(irq, this.levelOf(irq));
  }

  /** The ISA IRQ PIRQ `pirq` (0-3) is routed to, or -1 when routing is off or reserved. */
  routeOf(pirq: number): number {
    const v = this.config[PIIX_PIRQRC + pirq];
    if (v & PIRQ_DISABLE) return -1;
    const irq = v & 0x0f;
    return isRoutableIrq(irq) ? irq : -1;
  }

  private levelOf(irq: number): boolean {
    if (this.sourceLevels[irq] !== 0) return true;
    for (let p = 0; p < 4; p++) {
      if (this.routeOf(p) === irq && this.bus.isPirqAsserted(p)) return true;
    }
    return false;
  }

  private drive(irq: number, level: boolean): void {
    const was = this.driven.get(irq);
    if (was === level || (was === undefined && !level)) return;
    this.driven.set(irq, level);
    let line = this.lines.get(irq);
    if (!line) {
      line = this.isaIrq(irq);
      this.lines.set(irq, line);
    }
    line.set(level);
  }

  /** Re-evaluates every ISA input this bridge drives or could now drive. */
  private route(): void {
    const irqs = new Set<number>(this.driven.keys());
    for (let p = 0; p < 4; p++) {
      const irq = this.routeOf(p);
      if (irq >= 0) irqs.add(irq);
    }
    for (let irq = 0; irq < 16; irq++) if (this.sourceLevels[irq]) irqs.add(irq);
    for (const irq of irqs) this.drive(irq, this.levelOf(irq));
  }

  protected override configWritten(offset: number, size: number): void {
    if (offset < PIIX_PIRQRC + 4 && PIIX_PIRQRC < offset + size) this.route();
  }

  protected override applyConfig(): void {
    this.route();
  }

  // ---- Reset Control register (port 0xCF9) ----

  readResetControl(): number {
    return this.rcr;
  }

  writeResetControl(value: number): void {
    // RCPU: a reset of the kind SRST selects; the board's reset is the same for both.
    if (value & RCR_RST_CPU) {
      this.stats.resetRequests++;
      this.requestReset?.();
      return;
    }
    this.rcr = value & RCR_SYS_RST;
  }

  override reset(): void {
    this.rcr = 0;
    super.reset();
  }
}
