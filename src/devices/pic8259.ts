// The PC's pair of Intel 8259A programmable interrupt controllers (master at IRQ0-7, slave at
// IRQ8-15 cascaded into master input 2), plus the PIIX edge/level control registers (ELCR).
// Section names below refer to the Intel 8259A datasheet (order no. 231468).
// The board maps the ports; this file knows only register offsets (A0 = 0 or 1).

import { BaseIrqLine, type InterruptController, type IrqLine } from '../bus/irq.js';
import { checkVersion, type Device, type DeviceState } from '../bus/device.js';

/** Master input the slave's INT output is wired to on a PC/AT. */
const CASCADE_INPUT = 2;
/** PIIX ELCR bits that are reserved (IRQ0, 1, 2, 8, 13 are always edge): writable masks. */
const ELCR_WRITABLE = [0xf8, 0xde] as const;

/** One 8259A. Bit n of every mask is input IRn. */
class Chip8259 {
  irr = 0; // interrupt request register
  isr = 0; // in-service register
  imr = 0; // interrupt mask register (OCW1)
  levels = 0; // current level of each input wire
  edgeSeen = 0; // edge-sense latch: inputs seen high since they were last low (or since ICW1)
  elcr = 0; // PIIX edge/level control: 1 = level triggered
  ltim = false; // ICW1 LTIM: every input level triggered
  vectorBase = 0; // ICW2 T7-T3
  icw3 = 0; // master: inputs with a slave; slave: its ID
  single = false; // ICW1 SNGL
  icw4Needed = false; // ICW1 IC4
  microprocessor8086 = false; // ICW4 uPM
  autoEoi = false; // ICW4 AEOI
  buffered = 0; // ICW4 BUF and M/S bits, kept for read-back only
  specialFullyNested = false; // ICW4 SFNM
  initStep = 0; // 0: ready; 2, 3, 4: expecting that ICW next
  readIsr = false; // OCW3 RIS: offset 0 reads ISR instead of IRR
  poll = false; // OCW3 P: next read is a poll
  specialMask = false; // OCW3 SMM
  rotateOnAutoEoi = false; // OCW2 R=1 SL=0 EOI=0
  lowestPriority = 7; // IR with the lowest priority (rotation state)

  constructor(readonly isMaster: boolean) {}

  reset(): void {
    // The input wires keep their levels: they belong to the devices, not to the chip.
    this.irr = this.isr = this.imr = this.elcr = 0;
    this.edgeSeen = this.levels;
    this.ltim = this.single = this.icw4Needed = this.autoEoi = this.specialFullyNested = false;
    this.readIsr = this.poll = this.specialMask = this.rotateOnAutoEoi = false;
    // The datasheet leaves the power-on state undefined; use what a PC BIOS programs
    // (vectors 08h/70h, cascade on IR2, 8086 mode) so a guest started without a BIOS works.
    this.vectorBase = this.isMaster ? 0x08 : 0x70;
    this.icw3 = this.isMaster ? 1 << CASCADE_INPUT : CASCADE_INPUT;
    this.microprocessor8086 = true;
    this.buffered = 0;
    this.initStep = 0;
    this.lowestPriority = 7;
  }

  isLevel(irq: number): boolean {
    return this.ltim || (this.elcr & (1 << irq)) !== 0;
  }

  /** Drives input `irq` to `level` ("Edge and Level Triggered Modes"). */
  setInput(irq: number, level: boolean): void {
    const bit = 1 << irq;
    if (level) {
      this.levels |= bit;
      if (this.isLevel(irq)) this.irr |= bit;
      else if (!(this.edgeSeen & bit)) this.irr |= bit; // rising edge latches the request
      this.edgeSeen |= bit;
    } else {
      this.levels &= ~bit;
      this.edgeSeen &= ~bit;
      // A level-triggered request disappears with its line. An edge-triggered one stays latched
      // (as in QEMU and Bochs) so devices that pulse() their line are not lost.
      if (this.isLevel(irq)) this.irr &= ~bit;
    }
  }

  /** Priority rank of `irq`: 0 highest .. 7 lowest ("Priority Resolver", rotation). */
  rank(irq: number): number {
    return (irq - this.lowestPriority + 7) & 7;
  }

  /** The IR of highest priority among the bits of `mask`, or -1. */
  highest(mask: number): number {
    if (mask === 0) return -1;
    for (let r = 0; r < 8; r++) {
      const irq = (this.lowestPriority + 1 + r) & 7;
      if (mask & (1 << irq)) return irq;
    }
    return -1;
  }

  /**
   * The request the priority resolver would present on INT, or -1: the highest unmasked IRR
   * bit that outranks every in-service level. In special mask mode masked ISR bits do not
   * block ("Special Mask Mode"); in special fully nested mode the master lets a slave input
   * through while that input is itself in service ("Special Fully Nested Mode").
   */
  resolve(cascadeInputs: number): number {
    const req = this.highest(this.irr & ~this.imr);
    if (req < 0) return -1;
    let blocking = this.isr;
    if (this.specialMask) blocking &= ~this.imr;
    const cur = this.highest(blocking);
    if (cur < 0) return req;
    const rq = this.rank(req);
    const rc = this.rank(cur);
    if (rq < rc) return req;
    if (rq === rc && this.specialFullyNested && (cascadeInputs & (1 << req)) !== 0) return req;
    return -1;
  }

  /** First and second INTA pulses for `irq`: IRR → ISR, AEOI and its rotation. */
  acknowledge(irq: number): void {
    const bit = 1 << irq;
    if (!this.isLevel(irq)) this.irr &= ~bit;
    if (this.autoEoi) {
      if (this.rotateOnAutoEoi) this.lowestPriority = irq;
    } else {
      this.isr |= bit;
    }
  }

  /** ICW1 ("Initialization Command Words"): steps a) to f) of the datasheet. */
  writeIcw1(v: number): void {
    this.icw4Needed = (v & 0x01) !== 0;
    this.single = (v & 0x02) !== 0;
    this.ltim = (v & 0x08) !== 0;
    this.edgeSeen = this.levels; // a) an input must go low then high again to request
    this.irr = this.levels & (this.ltim ? 0xff : this.elcr); // only level requests survive
    this.imr = 0; // b)
    this.isr = 0;
    this.lowestPriority = 7; // c)
    this.specialMask = false; // e)
    this.readIsr = false;
    this.poll = false;
    this.rotateOnAutoEoi = false;
    if (!this.icw4Needed) {
      // f) ICW4 functions cleared
      this.microprocessor8086 = false;
      this.autoEoi = false;
      this.buffered = 0;
      this.specialFullyNested = false;
    }
    this.initStep = 2;
  }

  /** A write with A0 = 1: ICW2/3/4 during initialization, else OCW1. */
  writeData(v: number): void {
    switch (this.initStep) {
      case 2:
        this.vectorBase = v & 0xf8;
        this.initStep = this.single ? (this.icw4Needed ? 4 : 0) : 3;
        return;
      case 3:
        this.icw3 = v;
        this.initStep = this.icw4Needed ? 4 : 0;
        return;
      case 4:
        this.microprocessor8086 = (v & 0x01) !== 0;
        this.autoEoi = (v & 0x02) !== 0;
        this.buffered = v & 0x0c;
        this.specialFullyNested = (v & 0x10) !== 0;
        this.initStep = 0;
        return;
      default:
        this.imr = v;
    }
  }

  /** A write with A0 = 0 and D4 = 0: OCW2 (D3 = 0) or OCW3 (D3 = 1). */
  writeCommand(v: number): void {
    if (v & 0x08) {
      // OCW3: ESMM/SMM, P, RR/RIS
      if (v & 0x40) this.specialMask = (v & 0x20) !== 0;
      if (v & 0x02) this.readIsr = (v & 0x01) !== 0;
      this.poll = (v & 0x04) !== 0;
      return;
    }
    const level = v & 7;
    switch (v >> 5) {
      case 0b001: // non-specific EOI
      case 0b101: {
        // rotate on non-specific EOI
        const irq = this.highest(this.isr);
        if (irq < 0) return;
        this.isr &= ~(1 << irq);
        if (v & 0x80) this.lowestPriority = irq;
        return;
      }
      case 0b011: // specific EOI
        this.isr &= ~(1 << level);
        return;
      case 0b111: // rotate on specific EOI
        this.isr &= ~(1 << level);
        this.lowestPriority = level;
        return;
      case 0b110: // set priority: L becomes the lowest
        this.lowestPriority = level;
        return;
      case 0b100: // rotate in automatic EOI mode (set)
        this.rotateOnAutoEoi = true;
        return;
      case 0b000: // rotate in automatic EOI mode (clear)
        this.rotateOnAutoEoi = false;
        return;
      default: // 0b010: no operation
    }
  }

  save(): Record<string, number | boolean> {
    return {
      irr: this.irr, isr: this.isr, imr: this.imr, levels: this.levels, edgeSeen: this.edgeSeen,
      elcr: this.elcr, ltim: this.ltim, vectorBase: this.vectorBase, icw3: this.icw3,
      single: this.single, icw4Needed: this.icw4Needed, microprocessor8086: this.microprocessor8086,
      autoEoi: this.autoEoi, buffered: this.buffered, specialFullyNested: this.specialFullyNested,
      initStep: this.initStep, readIsr: this.readIsr, poll: this.poll, specialMask: this.specialMask,
      rotateOnAutoEoi: this.rotateOnAutoEoi, lowestPriority: this.lowestPriority,
    };
  }

  load(s: Record<string, unknown>): void {
    const n = (k: string): number => (Number(s[k]) | 0) & 0xff;
    const b = (k: string): boolean => s[k] === true;
    this.irr = n('irr'); this.isr = n('isr'); this.imr = n('imr');
    this.levels = n('levels'); this.edgeSeen = n('edgeSeen'); this.elcr = n('elcr');
    this.ltim = b('ltim'); this.vectorBase = n('vectorBase') & 0xf8; this.icw3 = n('icw3');
    this.single = b('single'); this.icw4Needed = b('icw4Needed');
    this.microprocessor8086 = b('microprocessor8086'); this.autoEoi = b('autoEoi');
    this.buffered = n('buffered') & 0x0c; this.specialFullyNested = b('specialFullyNested');
    const step = n('initStep');
    this.initStep = step >= 2 && step <= 4 ? step : 0;
    this.readIsr = b('readIsr'); this.poll = b('poll'); this.specialMask = b('specialMask');
    this.rotateOnAutoEoi = b('rotateOnAutoEoi'); this.lowestPriority = n('lowestPriority') & 7;
  }
}

/** The IrqLine a device drives for one PIC input. */
class PicInput extends BaseIrqLine {
  constructor(private readonly pic: Pic8259Pair, private readonly irq: number) {
    super();
  }
  set(level: boolean): void {
    this.pic.setIrq(this.irq, level);
  }
}

export interface Pic8259Options {
  /** Optional: mirrors the master's INT output (the CPU's INTR pin). */
  intr?: IrqLine;
}

const STATE_VERSION = 1;

/** The master/slave 8259A pair of a PC with PIIX ELCR registers. */
export class Pic8259Pair implements Device, InterruptController {
  readonly name = 'pic';
  private readonly master = new Chip8259(true);
  private readonly slave = new Chip8259(false);
  private readonly inputs: PicInput[] = [];
  private readonly intr: IrqLine | null;
  /** Cached master INT output, so hasPending() is O(1) on the CPU's per-instruction path. */
  private pending = false;

  constructor(options: Pic8259Options = {}) {
    this.intr = options.intr ?? null;
    for (let i = 0; i < 16; i++) this.inputs.push(new PicInput(this, i));
    this.reset();
  }

  reset(): void {
    this.master.reset();
    this.slave.reset();
    this.update();
  }

  /** The line for ISA IRQ `n` (0-15). IRQ2 is the cascade and cannot be driven. */
  irqLine(n: number): IrqLine {
    if (!Number.isInteger(n) || n < 0 || n > 15 || n === CASCADE_INPUT) {
      throw new RangeError(`pic: IRQ ${n} is not a PIC input (0-15, IRQ2 is the cascade)`);
    }
    return this.inputs[n]!;
  }

  /** Drives IRQ `n` directly (what irqLine(n) does). */
  setIrq(n: number, level: boolean): void {
    if (!(n >= 0 && n < 16)) return;
    n |= 0;
    if (n < 8) {
      if (n === CASCADE_INPUT) return;
      this.master.setInput(n, level);
    } else {
      this.slave.setInput(n - 8, level);
    }
    this.update();
  }

  hasPending(): boolean {
    return this.pending;
  }

  /**
   * The INTA sequence ("Interrupt Sequence"). A request that vanished before INTA yields the
   * chip's IR7 vector with no ISR bit set ("default IR7"); through the cascade the master
   * still marks IR2 in service and the slave answers with its IR7 vector (spurious IRQ15).
   */
  acknowledge(): number {
    const m = this.master;
    const irq = m.resolve(this.cascadeInputs());
    let vector: number;
    if (irq < 0) {
      vector = m.vectorBase | 7;
    } else if (this.isCascade(irq)) {
      m.acknowledge(irq);
      const s = this.slave;
      const sirq = s.resolve(0);
      if (sirq < 0) {
        vector = s.vectorBase | 7;
      } else {
        s.acknowledge(sirq);
        vector = s.vectorBase | sirq;
      }
      // The slave's INT falls during INTA; a request still pending there re-raises it.
      m.edgeSeen &= ~(1 << CASCADE_INPUT);
    } else {
      m.acknowledge(irq);
      vector = m.vectorBase | irq;
    }
    this.update();
    return vector;
  }

  readMaster(offset: number): number {
    return this.read(this.master, offset);
  }
  writeMaster(offset: number, value: number): void {
    this.write(this.master, offset, value);
  }
  readSlave(offset: number): number {
    return this.read(this.slave, offset);
  }
  writeSlave(offset: number, value: number): void {
    this.write(this.slave, offset, value);
  }

  /** PIIX ELCR1 (index 0, IRQ0-7) and ELCR2 (index 1, IRQ8-15). */
  readElcr(index: number): number {
    return (index & 1 ? this.slave : this.master).elcr;
  }
  writeElcr(index: number, value: number): void {
    const chip = index & 1 ? this.slave : this.master;
    chip.elcr = value & ELCR_WRITABLE[index & 1];
    // A level-triggered input requests exactly while its line is high.
    const level = chip.ltim ? 0xff : chip.elcr;
    chip.irr = (chip.irr & ~level) | (chip.levels & level);
    chip.edgeSeen = chip.levels;
    this.update();
  }

  private cascadeInputs(): number {
    return this.master.single ? 0 : this.master.icw3 & (1 << CASCADE_INPUT);
  }

  private isCascade(irq: number): boolean {
    return (this.cascadeInputs() & (1 << irq)) !== 0;
  }

  private read(chip: Chip8259, offset: number): number {
    if (chip.poll) {
      // Poll command ("The Poll Command"): the read is the INTA; I bit 7, W2-W0 the level.
      chip.poll = false;
      const irq = chip.resolve(chip.isMaster ? this.cascadeInputs() : 0);
      if (irq < 0) return 0;
      chip.acknowledge(irq);
      this.update();
      return 0x80 | irq;
    }
    if (offset & 1) return chip.imr;
    return chip.readIsr ? chip.isr : chip.irr;
  }

  private write(chip: Chip8259, offset: number, value: number): void {
    value &= 0xff;
    if (offset & 1) chip.writeData(value);
    else if (value & 0x10) chip.writeIcw1(value);
    else chip.writeCommand(value);
    this.update();
  }

  /** Recomputes the slave INT → master IR2 wire and the master INT output. */
  private update(): void {
    const slaveInt = this.slave.resolve(0) >= 0;
    const m = this.master;
    const bit = 1 << CASCADE_INPUT;
    if (slaveInt !== ((m.levels & bit) !== 0) || (slaveInt && !(m.edgeSeen & bit))) {
      m.setInput(CASCADE_INPUT, slaveInt);
    }
    const pending = m.resolve(this.cascadeInputs()) >= 0;
    if (pending !== this.pending) {
      this.pending = pending;
      this.intr?.set(pending);
    }
  }

  saveState(): DeviceState {
    return { version: STATE_VERSION, master: this.master.save(), slave: this.slave.save() };
  }

  loadState(state: DeviceState): void {
    checkVersion(this.name, state, STATE_VERSION);
    this.master.load((state.master ?? {}) as Record<string, unknown>);
    this.slave.load((state.slave ?? {}) as Record<string, unknown>);
    this.update();
    this.intr?.set(this.pending);
  }
}
