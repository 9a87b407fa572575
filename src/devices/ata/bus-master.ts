// PCI IDE bus-master DMA (Intel 82371AB PIIX4 datasheet, IDE controller / SFF-8038i
// "Bus Master Programming Interface for IDE ATA Controllers"): per channel a Command register
// (offset 0), a Status register (offset 2) and a Descriptor Table Pointer (offsets 4-7); the
// primary channel at 0-7, the secondary at 8-15 of the I/O block the board maps at the PIIX IDE
// function's BAR4. The engine walks a table of Physical Region Descriptors (8 bytes: physical
// base address, byte count with 0 meaning 64 KiB, EOT in bit 31 of the second dword) and moves
// the data through PhysicalMemory, so DMA writes mark pages dirty and drop cached code.

import { PAGE_SIZE, PageKind, type PhysicalMemory } from '../../memory/physical-memory.js';
import { checkVersion, type Device, type DeviceState } from '../../bus/device.js';
import type { DmaEngine, IdeChannel } from './ide-channel.js';

// Command register bits.
export const BM_CMD_START = 0x01;
export const BM_CMD_WRITE = 0x08; // 1: bus master writes memory (a device read)
// Status register bits.
export const BM_ST_ACTIVE = 0x01;
export const BM_ST_ERROR = 0x02;
export const BM_ST_INTERRUPT = 0x04;
export const BM_ST_DRIVE0_DMA = 0x20;
export const BM_ST_DRIVE1_DMA = 0x40;
const PRD_EOT = 0x80000000;
/** A PRD table lies in one 64 KiB region: at most 8192 entries (SFF-8038i, Physical Region Descriptor). */
const MAX_PRD_ENTRIES = 8192;

class BmChannel implements DmaEngine {
  command = 0;
  status = 0;
  prdAddress = 0;

  constructor(
    private readonly owner: BusMaster,
    readonly ide: IdeChannel | null,
  ) {}

  kick(): void {
    if (this.command & BM_CMD_START) this.owner.run(this);
  }

  interrupt(): void {
    this.status |= BM_ST_INTERRUPT;
  }
}

export interface BusMasterOptions {
  memory: PhysicalMemory;
  primary: IdeChannel | null;
  secondary: IdeChannel | null;
  name?: string;
}

export interface BusMasterStats {
  /** PRD tables that ended before the device's data did. */
  shortTables: number;
  bytes: number;
}

export class BusMaster implements Device {
  readonly name: string;
  readonly stats: BusMasterStats = { shortTables: 0, bytes: 0 };
  private readonly memory: PhysicalMemory;
  private readonly channels: [BmChannel, BmChannel];

  constructor(options: BusMasterOptions) {
    this.name = options.name ?? 'ide-bm';
    this.memory = options.memory;
    this.channels = [new BmChannel(this, options.primary), new BmChannel(this, options.secondary)];
    for (const c of this.channels) c.ide?.attachDma(c);
    this.reset();
  }

  // ---- registers: offset 0-15 in the BAR4 block ----

  read8(offset: number): number {
    const c = this.channels[(offset >> 3) & 1];
    switch (offset & 7) {
      case 0:
        return c.command;
      case 2:
        return c.status;
      case 4:
      case 5:
      case 6:
      case 7:
        return (c.prdAddress >>> (8 * ((offset & 7) - 4))) & 0xff;
      default:
        return 0; // device-specific bytes 1 and 3: reserved on the PIIX
    }
  }

  write8(offset: number, value: number): void {
    const c = this.channels[(offset >> 3) & 1];
    value &= 0xff;
    switch (offset & 7) {
      case 0:
        this.writeCommand(c, value);
        return;
      case 2:
        // Error and Interrupt are write-1-to-clear; the drive DMA-capable bits are plain R/W.
        c.status = (c.status & ~(value & (BM_ST_ERROR | BM_ST_INTERRUPT)) & ~(BM_ST_DRIVE0_DMA | BM_ST_DRIVE1_DMA)) |
          (value & (BM_ST_DRIVE0_DMA | BM_ST_DRIVE1_DMA));
        return;
      case 4:
      case 5:
      case 6:
      case 7: {
        const shift = 8 * ((offset & 7) - 4);
        const v = ((c.prdAddress & ~(0xff << shift)) | (value << shift)) >>> 0;
        c.prdAddress = (v & 0xfffffffc) >>> 0; // dword aligned: bits 1-0 read as 0
        return;
      }
    }
  }

  read16(offset: number): number {
    return this.read8(offset) | (this.read8(offset + 1) << 8);
  }

  write16(offset: number, value: number): void {
    this.write8(offset, value & 0xff);
    this.write8(offset + 1, value >>> 8);
  }

  read32(offset: number): number {
    return (this.read16(offset) | (this.read16(offset + 2) << 16)) >>> 0;
  }

  write32(offset: number, value: number): void {
    if ((offset & 7) === 4) {
      this.channels[(offset >> 3) & 1].prdAddress = (value & 0xfffffffc) >>> 0;
      return;
    }
    this.write16(offset, value & 0xffff);
    this.write16(offset + 2, value >>> 16);
  }

  private writeCommand(c: BmChannel, value: number): void {
    const wasStarted = (c.command & BM_CMD_START) !== 0;
    c.command = value & (BM_CMD_START | BM_CMD_WRITE);
    if (!(value & BM_CMD_START)) {
      // Stop: the transfer is abandoned (the device stays in its DMA command until reset).
      c.status &= ~BM_ST_ACTIVE;
      return;
    }
    if (!wasStarted) {
      c.status |= BM_ST_ACTIVE;
      this.run(c);
    }
  }

  /** Moves a waiting drive's data through the PRD table. Runs to completion at once. */
  run(c: BmChannel): void {
    if (!(c.status & BM_ST_ACTIVE) || !c.ide) return;
    const drive = c.ide.dmaDrive();
    if (!drive) return;
    const mem = this.memory;
    const toMemory = drive.dmaToMemory;
    let prd = c.prdAddress;
    for (let entry = 0; entry < MAX_PRD_ENTRIES; entry++) {
      const base = mem.read32(prd) & 0xfffffffe;
      const control = mem.read32(prd + 4);
      let count = control & 0xfffe;
      if (count === 0) count = 0x10000;
      let address = base;
      while (count > 0 && drive.dmaRemaining() > 0) {
        const n = Math.min(count, drive.dmaRemaining());
        if (toMemory) {
          const data = drive.dmaRead(n);
          if (!data) return this.deviceFailed(c);
          this.toMemory(address, data);
        } else if (!drive.dmaWrite(this.fromMemory(address, n))) {
          return this.deviceFailed(c);
        }
        this.stats.bytes += n;
        address = (address + n) >>> 0;
        count -= n;
      }
      const eot = (control & PRD_EOT) !== 0;
      if (drive.dmaRemaining() === 0) {
        // PIIX Table "Interrupt/Active bits": Active stays 1 when the table was larger than the data.
        if (eot && count === 0) c.status &= ~BM_ST_ACTIVE;
        drive.dmaComplete();
        return;
      }
      if (eot) break;
      prd = (prd + 8) >>> 0;
    }
    // The table ended first: Active clears; the device aborts its command so the guest does not hang.
    this.stats.shortTables++;
    c.status &= ~BM_ST_ACTIVE;
    drive.dmaShort();
  }

  /**
   * Copies into guest memory a page at a time: RAM pages by a block copy (marking them dirty; a
   * first byte through write8 lets PhysicalMemory drop cached code), anything else byte by byte.
   */
  private toMemory(address: number, data: Uint8Array): void {
    const mem = this.memory;
    for (let done = 0; done < data.length; ) {
      const a = ((address + done) & mem.a20Mask) >>> 0;
      const n = Math.min(data.length - done, PAGE_SIZE - (a & (PAGE_SIZE - 1)));
      const page = a >>> 12;
      if (mem.pageKind[page] === PageKind.Ram) {
        if (mem.codePages[page]) mem.write8(a, data[done]);
        mem.ram.set(data.subarray(done, done + n), a);
        mem.dirtyPages[page] = 1;
      } else {
        mem.writeBytes(a, data.subarray(done, done + n));
      }
      done += n;
    }
  }

  private fromMemory(address: number, length: number): Uint8Array {
    const mem = this.memory;
    const out = new Uint8Array(length);
    for (let done = 0; done < length; ) {
      const a = ((address + done) & mem.a20Mask) >>> 0;
      const n = Math.min(length - done, PAGE_SIZE - (a & (PAGE_SIZE - 1)));
      if (mem.pageKind[a >>> 12] === PageKind.Ram) out.set(mem.ram.subarray(a, a + n), done);
      else out.set(mem.readBytes(a, n), done);
      done += n;
    }
    return out;
  }

  private deviceFailed(c: BmChannel): void {
    c.status &= ~BM_ST_ACTIVE;
  }

  // ---- Device ----

  reset(): void {
    for (const c of this.channels) {
      c.command = 0;
      c.status = 0;
      c.prdAddress = 0;
    }
  }

  saveState(): DeviceState {
    return {
      version: 1,
      channels: this.channels.map((c) => ({ command: c.command, status: c.status, prdAddress: c.prdAddress })),
    };
  }

  loadState(s: DeviceState): void {
    checkVersion(this.name, s, 1);
    const saved = s.channels as { command: number; status: number; prdAddress: number }[];
    saved.forEach((v, i) => {
      this.channels[i].command = v.command;
      this.channels[i].status = v.status;
      this.channels[i].prdAddress = v.prdAddress;
    });
  }
}
