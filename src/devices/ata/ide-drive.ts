// What every device on an IDE channel shares: its copy of the task file registers (writes go
// to both devices on a channel, ATA/ATAPI-6 register addressing), status and error, the PIO data buffer, the
// interrupt pending state and the hooks the bus-master DMA engine calls. The ATA disk and the
// ATAPI CD-ROM extend it with their command sets.

import {
  DEV_DEV,
  DEV_OBSOLETE,
  ERR_ABRT,
  ERR_AMNF,
  REG_DEVICE,
  REG_FEATURES,
  REG_LBA_HIGH,
  REG_LBA_LOW,
  REG_LBA_MID,
  REG_SECTOR_COUNT,
  ST_DRDY,
  ST_DRQ,
  ST_DSC,
  ST_ERR,
} from './ata-defs.js';
import type { DeviceState } from '../../bus/device.js';

/** Largest PIO block: a 0xFFFE-byte ATAPI chunk or a READ MULTIPLE block of 128 sectors. */
export const PIO_BUFFER_SIZE = 0x10000;

/** What a drive asks of its channel. */
export interface DriveHost {
  /** Asserts INTRQ a moment later (so it never arrives before the register write returns). */
  requestIrq(drive: IdeDrive): void;
  /** The drive has a DMA transfer waiting for the bus master. */
  dmaReady(drive: IdeDrive): void;
  /** The channel's log (unknown commands, backend errors). */
  log(message: string): void;
}

/** Counters for accesses the drive did not understand (never thrown into the host). */
export interface DriveStats {
  unknownCommands: number;
  backendErrors: number;
}

export abstract class IdeDrive {
  // Task file, "current" and "previous" (HOB) halves of the 48-bit FIFO registers (ATA-6 48-bit Address feature set).
  feature = 0;
  hobFeature = 0;
  nsector = 0;
  hobNsector = 0;
  lbaLow = 0;
  hobLbaLow = 0;
  lbaMid = 0;
  hobLbaMid = 0;
  lbaHigh = 0;
  hobLbaHigh = 0;
  select = DEV_OBSOLETE;
  status = 0;
  error = 0;
  /** INTRQ pending: asserted on the wire while selected and nIEN is 0; a Status read clears it. */
  intrq = false;
  /** An interrupt requested but not yet delivered (the channel's timer delivers it). */
  irqRequested = false;

  /** PIO data: bytes [dataPos, dataEnd) of buf are the current DRQ block. */
  readonly buf = new Uint8Array(PIO_BUFFER_SIZE);
  dataPos = 0;
  dataEnd = 0;
  /** Direction of the current PIO block: true when the host writes the data register. */
  dataOut = false;

  /** A DMA transfer waits for (or is being run by) the bus master. */
  dmaPending = false;
  /** DMA direction: true for device-to-memory (a read command). */
  dmaToMemory = false;

  readonly stats: DriveStats = { unknownCommands: 0, backendErrors: 0 };
  host: DriveHost | null = null;

  constructor(readonly unit: 0 | 1) {}

  /** 'none' for an empty position (registers latch writes, Status reads 0). */
  abstract readonly kind: 'ata' | 'atapi' | 'none';

  /** Executes a command written to the Command register. */
  abstract executeCommand(command: number): void;
  /** The PIO block in buf was fully read (data-in) or written (data-out). */
  protected abstract pioBlockDone(): void;
  /** Places the reset signature (ATA-6 signatures) and the post-reset status. */
  protected abstract setSignature(): void;

  // ---- DMA, called by the bus master while dmaPending ----
  /** Bytes the command still has to move. */
  abstract dmaRemaining(): number;
  /** Device to memory: the next `length` bytes, or null after a device error (already reported). */
  abstract dmaRead(length: number): Uint8Array | null;
  /** Memory to device; false after a device error (already reported). */
  abstract dmaWrite(data: Uint8Array): boolean;
  /** Every byte moved: the device ends the command. */
  abstract dmaComplete(): void;

  /** The PRD table ended before the command's data did (ATA-6 does not define it; abort). */
  dmaShort(): void {
    this.dmaPending = false;
    this.abortCommand();
  }

  // ---- register access from the channel ----

  /** A write to a command block register other than Data and Command, latched by both devices. */
  writeRegister(offset: number, value: number): void {
    switch (offset) {
      case REG_FEATURES:
        this.hobFeature = this.feature;
        this.feature = value;
        break;
      case REG_SECTOR_COUNT:
        this.hobNsector = this.nsector;
        this.nsector = value;
        break;
      case REG_LBA_LOW:
        this.hobLbaLow = this.lbaLow;
        this.lbaLow = value;
        break;
      case REG_LBA_MID:
        this.hobLbaMid = this.lbaMid;
        this.lbaMid = value;
        break;
      case REG_LBA_HIGH:
        this.hobLbaHigh = this.lbaHigh;
        this.lbaHigh = value;
        break;
      case REG_DEVICE:
        this.select = (value & ~DEV_DEV) | DEV_OBSOLETE | (this.unit ? DEV_DEV : 0);
        break;
    }
  }

  /** Reads a task file register (not Data or Status); HOB selects the previous contents. */
  readRegister(offset: number, hob: boolean): number {
    switch (offset) {
      case 1:
        return hob ? this.hobFeature : this.error;
      case REG_SECTOR_COUNT:
        return hob ? this.hobNsector : this.nsector;
      case REG_LBA_LOW:
        return hob ? this.hobLbaLow : this.lbaLow;
      case REG_LBA_MID:
        return hob ? this.hobLbaMid : this.lbaMid;
      case REG_LBA_HIGH:
        return hob ? this.hobLbaHigh : this.lbaHigh;
      case REG_DEVICE:
        return this.select;
      default:
        return 0;
    }
  }

  /** 16-bit Data register read (PIO data-in). */
  readData16(): number {
    if (this.dataOut || this.dataPos >= this.dataEnd || (this.status & ST_DRQ) === 0) return 0xffff;
    const p = this.dataPos;
    const v = this.buf[p] | (this.buf[p + 1] << 8);
    this.dataPos = p + 2;
    if (this.dataPos >= this.dataEnd) this.endBlock();
    return v;
  }

  /** 16-bit Data register write (PIO data-out). */
  writeData16(value: number): void {
    if (!this.dataOut || this.dataPos >= this.dataEnd || (this.status & ST_DRQ) === 0) return;
    const p = this.dataPos;
    this.buf[p] = value;
    this.buf[p + 1] = value >>> 8;
    this.dataPos = p + 2;
    if (this.dataPos >= this.dataEnd) this.endBlock();
  }

  private endBlock(): void {
    this.status &= ~ST_DRQ;
    this.pioBlockDone();
  }

  // ---- helpers for the command sets ----

  /** Offers `length` bytes of buf to the host (data-in) or asks for them (data-out). */
  protected startPio(length: number, out: boolean): void {
    this.dataPos = 0;
    this.dataEnd = length;
    this.dataOut = out;
    this.status = ST_DRDY | ST_DSC | ST_DRQ;
  }

  protected stopPio(): void {
    this.dataPos = this.dataEnd = 0;
    this.status &= ~ST_DRQ;
  }

  /** Normal completion of a command, with an interrupt (ATA-6 non-data command protocol). */
  protected completeCommand(irq = true): void {
    this.stopPio();
    this.status = ST_DRDY | ST_DSC;
    this.error = 0;
    if (irq) this.raiseIrq();
  }

  /** Aborts the current command: ERR with ABRT (or `error`), and an interrupt. */
  protected abortCommand(error = ERR_ABRT): void {
    this.stopPio();
    this.dmaPending = false;
    this.error = error;
    this.status = ST_DRDY | ST_DSC | ST_ERR;
    this.raiseIrq();
  }

  protected raiseIrq(): void {
    this.host?.requestIrq(this);
  }

  protected requestDma(toMemory: boolean): void {
    this.dmaPending = true;
    this.dmaToMemory = toMemory;
    this.status = ST_DRDY | ST_DSC | ST_DRQ;
    this.host?.dmaReady(this);
  }

  protected log(message: string): void {
    this.host?.log(`ide${this.unit}: ${message}`);
  }

  // ---- resets ----

  /** Software reset (SRST) or EXECUTE DEVICE DIAGNOSTIC: signature, no transfer in progress. */
  softReset(): void {
    this.stopPio();
    this.dmaPending = false;
    this.irqRequested = false;
    this.intrq = false;
    this.select = DEV_OBSOLETE | (this.unit ? DEV_DEV : 0);
    this.feature = this.hobFeature = 0;
    this.hobNsector = this.hobLbaLow = this.hobLbaMid = this.hobLbaHigh = 0;
    this.error = ERR_AMNF; // diagnostic code 01h: device 0 passed / device 1 passed (ATA-6 diagnostic codes)
    this.setSignature();
  }

  /** Power-on reset: everything, including settings made by SET FEATURES and the like. */
  reset(): void {
    this.softReset();
  }

  /** The signature registers common to both kinds (sector count and LBA low 01h). */
  protected placeSignature(mid: number, high: number): void {
    this.nsector = 1;
    this.lbaLow = 1;
    this.lbaMid = mid;
    this.lbaHigh = high;
  }

  // ---- save/restore (named fields; subclasses add theirs) ----

  protected saveBase(): DeviceState {
    return {
      version: 1,
      regs: [
        this.feature, this.hobFeature, this.nsector, this.hobNsector, this.lbaLow, this.hobLbaLow,
        this.lbaMid, this.hobLbaMid, this.lbaHigh, this.hobLbaHigh, this.select, this.status, this.error,
      ],
      intrq: this.intrq,
      irqRequested: this.irqRequested,
      data: this.buf.slice(0, this.dataEnd),
      dataPos: this.dataPos,
      dataOut: this.dataOut,
      dmaPending: this.dmaPending,
      dmaToMemory: this.dmaToMemory,
    };
  }

  protected loadBase(s: DeviceState): void {
    const r = s.regs as number[];
    [
      this.feature, this.hobFeature, this.nsector, this.hobNsector, this.lbaLow, this.hobLbaLow,
      this.lbaMid, this.hobLbaMid, this.lbaHigh, this.hobLbaHigh, this.select, this.status, this.error,
    ] = r;
    this.intrq = s.intrq as boolean;
    this.irqRequested = s.irqRequested as boolean;
    const data = s.data as Uint8Array;
    this.buf.set(data);
    this.dataEnd = data.length;
    this.dataPos = s.dataPos as number;
    this.dataOut = s.dataOut as boolean;
    this.dmaPending = s.dmaPending as boolean;
    this.dmaToMemory = s.dmaToMemory as boolean;
  }

  abstract saveState(): DeviceState;
  abstract loadState(s: DeviceState): void;
}

/** An empty position on a channel: latches register writes (so probes read them back) and reads Status 0. */
export class EmptySlot extends IdeDrive {
  readonly kind = 'none' as const;
  executeCommand(): void {}
  protected pioBlockDone(): void {}
  protected setSignature(): void {
    // As QEMU: the empty position shows a disk signature with Status 0, which hosts read as "no device".
    this.placeSignature(0x00, 0x00);
    this.status = 0;
    this.error = 0;
  }
  dmaRemaining(): number {
    return 0;
  }
  dmaRead(): Uint8Array | null {
    return null;
  }
  dmaWrite(): boolean {
    return false;
  }
  dmaComplete(): void {}
  saveState(): DeviceState {
    return this.saveBase();
  }
  loadState(s: DeviceState): void {
    this.loadBase(s);
  }
}
