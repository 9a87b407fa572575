// One IDE channel (ATA/ATAPI-6 interface and register descriptions): a master and a slave position sharing the
// command block registers (offsets 0-7) and the control block register (Device Control on write,
// Alternate Status on read). The board maps the ports (primary 0x1F0-0x1F7 and 0x3F6 on IRQ14,
// secondary 0x170-0x177 and 0x376 on IRQ15) and, for bus-master DMA, attaches the PCI IDE
// function's bus-master engine. Registers only: no port numbers here.
//
// Timing: commands execute when the Command register is written and their data is ready at once
// (DRQ), but INTRQ is delivered by a Clock timer a few microseconds later, so a driver never sees
// the interrupt before its OUT to the Command register has returned (as with QEMU's asynchronous
// block layer). A Status read clears a delivered interrupt (ATA-6 INTRQ), not one still due.

import type { Clock, Timer } from '../../bus/clock.js';
import type { IrqLine } from '../../bus/irq.js';
import { checkVersion, type Device, type DeviceState } from '../../bus/device.js';
import { CMD, CTL_HOB, CTL_NIEN, CTL_SRST, DEV_DEV, REG_COMMAND, REG_DATA, REG_DEVICE, REG_STATUS, ST_BSY, ST_DRQ } from './ata-defs.js';
import { type DriveHost, EmptySlot, type IdeDrive } from './ide-drive.js';

/** Delay from a drive's interrupt request to INTRQ on the wire. */
export const DEFAULT_IRQ_DELAY_NS = 2000;

/** The bus-master side of a channel (see bus-master.ts). */
export interface DmaEngine {
  /** A drive on the channel has a DMA transfer ready: run it if the engine is started. */
  kick(): void;
  /** INTRQ was asserted: sets the engine's Interrupt status bit. */
  interrupt(): void;
}

export interface IdeChannelOptions {
  irq: IrqLine;
  clock: Clock;
  master?: IdeDrive | null;
  slave?: IdeDrive | null;
  /** Unique per machine: names the timer and the saved state. */
  name?: string;
  irqDelayNs?: number;
  log?: (message: string) => void;
}

export interface IdeChannelStats {
  /** Writes to the Command register of an absent or busy device, ignored. */
  ignoredCommands: number;
}

export class IdeChannel implements Device, DriveHost {
  readonly name: string;
  readonly drives: [IdeDrive, IdeDrive];
  readonly stats: IdeChannelStats = { ignoredCommands: 0 };
  private readonly irq: IrqLine;
  private readonly timer: Timer;
  private readonly irqDelayNs: number;
  private readonly logSink: ((message: string) => void) | null;
  /** Device Control register (nIEN, SRST, HOB). */
  private control = 0;
  private selected = 0;
  private dma: DmaEngine | null = null;
  private lineLevel = false;

  constructor(options: IdeChannelOptions) {
    this.name = options.name ?? 'ide';
    this.irq = options.irq;
    this.irqDelayNs = options.irqDelayNs ?? DEFAULT_IRQ_DELAY_NS;
    this.logSink = options.log ?? null;
    this.drives = [options.master ?? new EmptySlot(0), options.slave ?? new EmptySlot(1)];
    for (const d of this.drives) d.host = this;
    this.timer = options.clock.createTimer(`${this.name}.irq`, () => this.deliverIrqs());
    this.reset();
  }

  get hob(): boolean {
    return (this.control & CTL_HOB) !== 0;
  }

  /** True when any position holds a device. */
  get populated(): boolean {
    return this.drives[0].kind !== 'none' || this.drives[1].kind !== 'none';
  }

  get selectedDrive(): IdeDrive {
    return this.drives[this.selected];
  }

  attachDma(engine: DmaEngine): void {
    this.dma = engine;
  }

  /** The drive waiting for a DMA transfer, if any (the selected one first). */
  dmaDrive(): IdeDrive | null {
    const sel = this.drives[this.selected];
    if (sel.dmaPending) return sel;
    const other = this.drives[this.selected ^ 1];
    return other.dmaPending ? other : null;
  }

  // ---- DriveHost ----

  requestIrq(drive: IdeDrive): void {
    drive.irqRequested = true;
    if (!this.timer.armed) this.timer.armIn(this.irqDelayNs);
  }

  dmaReady(): void {
    this.dma?.kick();
  }

  log(message: string): void {
    this.logSink?.(`${this.name}: ${message}`);
  }

  private deliverIrqs(): void {
    let raised = false;
    for (const d of this.drives) {
      if (!d.irqRequested) continue;
      d.irqRequested = false;
      d.intrq = true;
      raised = true;
    }
    if (raised) this.updateLine();
  }

  /** INTRQ follows the selected device's pending interrupt unless nIEN masks it (ATA-6 Device Control). */
  private updateLine(): void {
    const level = (this.control & CTL_NIEN) === 0 && this.drives[this.selected].intrq;
    if (level && !this.lineLevel) this.dma?.interrupt();
    this.lineLevel = level;
    this.irq.set(level);
  }

  // ---- register access ----

  readCommandBlock(offset: number): number {
    offset &= 7;
    if (!this.populated) return 0;
    const drive = this.drives[this.selected];
    switch (offset) {
      case REG_DATA:
        return drive.readData16() & 0xff; // 8-bit Data access: not used by hosts; consumes a word
      case REG_STATUS:
        if (drive.kind === 'none') return 0;
        drive.intrq = false;
        this.updateLine();
        return drive.status;
      case 1:
        return drive.kind === 'none' ? 0 : drive.readRegister(offset, this.hob);
      default:
        return drive.readRegister(offset, this.hob);
    }
  }

  writeCommandBlock(offset: number, value: number): void {
    offset &= 7;
    value &= 0xff;
    switch (offset) {
      case REG_DATA:
        this.writeData16(value);
        return;
      case REG_COMMAND:
        this.control &= ~CTL_HOB;
        this.command(value);
        return;
      default:
        // Every register write clears HOB and is latched by both devices (ATA-6 Device Control; register addressing).
        this.control &= ~CTL_HOB;
        this.drives[0].writeRegister(offset, value);
        this.drives[1].writeRegister(offset, value);
        if (offset === REG_DEVICE) {
          this.selected = value & DEV_DEV ? 1 : 0;
          this.updateLine();
        }
    }
  }

  private command(value: number): void {
    const drive = this.drives[this.selected];
    if (drive.kind === 'none' || (this.control & CTL_SRST) !== 0) {
      this.stats.ignoredCommands++;
      return;
    }
    // Only DEVICE RESET may interrupt a packet device that is busy or transferring (ATA-6 DEVICE RESET).
    if ((drive.status & (ST_BSY | ST_DRQ)) !== 0 && !(value === CMD.DEVICE_RESET && drive.kind === 'atapi')) {
      this.stats.ignoredCommands++;
      return;
    }
    // Writing the Command register clears a pending interrupt (ATA-6 INTRQ).
    drive.intrq = false;
    drive.irqRequested = false;
    this.updateLine();
    if (value === CMD.EXECUTE_DEVICE_DIAGNOSTIC) {
      // Addressed to both devices; device 0 reports and interrupts (ATA-6 EXECUTE DEVICE DIAGNOSTIC).
      for (const d of this.drives) if (d.kind !== 'none') d.softReset();
      this.selected = 0;
      const reporter = this.drives[0].kind !== 'none' ? this.drives[0] : drive;
      reporter.executeCommand(value);
      this.updateLine();
      return;
    }
    drive.executeCommand(value);
  }

  readData16(): number {
    return this.drives[this.selected].readData16();
  }

  writeData16(value: number): void {
    this.drives[this.selected].writeData16(value & 0xffff);
  }

  readData32(): number {
    const drive = this.drives[this.selected];
    const lo = drive.readData16();
    return (lo | (drive.readData16() << 16)) >>> 0;
  }

  writeData32(value: number): void {
    const drive = this.drives[this.selected];
    drive.writeData16(value & 0xffff);
    drive.writeData16(value >>> 16);
  }

  /** Alternate Status: the Status register without clearing the interrupt (ATA-6 Alternate Status). */
  readControl(): number {
    if (!this.populated) return 0;
    const drive = this.drives[this.selected];
    return drive.kind === 'none' ? 0 : drive.status;
  }

  /** Device Control (ATA-6): nIEN masks INTRQ; SRST held high resets both devices. */
  writeControl(value: number): void {
    const old = this.control;
    this.control = value & (CTL_HOB | CTL_SRST | CTL_NIEN);
    if ((value & CTL_SRST) && !(old & CTL_SRST)) {
      for (const d of this.drives) {
        d.softReset();
        if (d.kind !== 'none') d.status = ST_BSY;
      }
    } else if (!(value & CTL_SRST) && (old & CTL_SRST)) {
      // Reset ends: signatures in place, device 0 selected (ATA-6 software reset protocol).
      for (const d of this.drives) d.softReset();
      this.selected = 0;
    }
    this.updateLine();
  }

  // ---- Device ----

  reset(): void {
    this.control = 0;
    this.selected = 0;
    this.timer.cancel();
    for (const d of this.drives) d.reset();
    this.lineLevel = false;
    this.irq.set(false);
  }

  saveState(): DeviceState {
    return {
      version: 1,
      control: this.control,
      selected: this.selected,
      master: this.drives[0].saveState(),
      slave: this.drives[1].saveState(),
    };
  }

  loadState(s: DeviceState): void {
    checkVersion(this.name, s, 1);
    this.control = s.control as number;
    this.selected = s.selected as number;
    this.drives[0].loadState(s.master as DeviceState);
    this.drives[1].loadState(s.slave as DeviceState);
    // The timer's deadline comes back with the clock's state; re-drive the wire.
    this.lineLevel = (this.control & CTL_NIEN) === 0 && this.drives[this.selected].intrq;
    this.irq.set(this.lineLevel);
  }
}
