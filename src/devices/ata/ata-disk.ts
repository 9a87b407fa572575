// An ATA hard disk (ATA/ATAPI-6, T13/1410D): IDENTIFY DEVICE, PIO and DMA reads and writes in
// CHS, LBA28 and LBA48 addressing, multiple mode, and the housekeeping commands a BIOS and Linux
// issue. Sectors come from a BlockStore; a backend error becomes an ATA error status, never a
// host exception.

import { checkVersion, type DeviceState } from '../../bus/device.js';
import { type BlockStore, DISK_SECTOR_SIZE, ReadOnlyStoreError } from '../block/block-store.js';
import {
  CMD,
  DEV_LBA,
  ERR_ABRT,
  ERR_IDNF,
  ERR_UNC,
  IDENTIFY_WORDS,
  identifyBytes,
  putAtaString,
  ST_DRDY,
  ST_DSC,
} from './ata-defs.js';
import { IdeDrive } from './ide-drive.js';

const SECTOR = DISK_SECTOR_SIZE;
/** Largest READ/WRITE MULTIPLE block we offer (IDENTIFY word 47). */
export const MAX_MULTIPLE_SECTORS = 16;
const LBA28_LIMIT = 0x0fffffff;

export interface ChsGeometry {
  cylinders: number;
  heads: number;
  sectors: number;
}

export interface AtaDiskOptions {
  store: BlockStore;
  /** IDENTIFY words 27-46 (40 characters). */
  model?: string;
  serial?: string;
  firmware?: string;
  /** Default CHS geometry (IDENTIFY words 1, 3, 6); computed from the size when absent. */
  geometry?: ChsGeometry;
}

/** The usual translation for a disk of `sectors`: 16 heads, 63 sectors per track, at most 16383 cylinders. */
export function defaultGeometry(sectors: number): ChsGeometry {
  const cylinders = Math.min(16383, Math.max(1, Math.floor(sectors / (16 * 63))));
  return { cylinders, heads: 16, sectors: 63 };
}

/** What the current PIO phase belongs to. */
const enum Pio {
  None = 0,
  Identify = 1,
  Read = 2,
  Write = 3,
}

export class AtaDisk extends IdeDrive {
  readonly kind = 'ata' as const;
  readonly store: BlockStore;
  readonly totalSectors: number;
  readonly geometry: ChsGeometry;
  private readonly model: string;
  private readonly serial: string;
  private readonly firmware: string;

  // Settings (kept across SRST: ATA-6 software reset protocol).
  /** Current CHS translation from INITIALIZE DEVICE PARAMETERS. */
  curHeads = 0;
  curSectors = 0;
  /** Sectors per DRQ block of READ/WRITE MULTIPLE; 0 while multiple mode is off. */
  multSectors = 0;
  writeCache = true;
  pioMode = 4;
  mwdmaMode = -1;
  udmaMode = 5;
  standby = false;

  // The command in progress.
  private pio = Pio.None;
  private lba48 = false;
  private chs = false;
  private xferLba = 0;
  private xferLeft = 0;
  private blockSectors = 1;
  private curBlock = 0;
  private dmaByte = 0;
  private dmaLeft = 0;

  constructor(unit: 0 | 1, options: AtaDiskOptions) {
    super(unit);
    this.store = options.store;
    this.totalSectors = Math.floor(options.store.size / SECTOR);
    this.geometry = options.geometry ?? defaultGeometry(this.totalSectors);
    this.model = options.model ?? 'Ringmaster HARDDISK';
    this.serial = options.serial ?? `RM000${unit}`;
    this.firmware = options.firmware ?? '1.0';
    this.reset();
  }

  override reset(): void {
    this.curHeads = this.geometry.heads;
    this.curSectors = this.geometry.sectors;
    this.multSectors = 0;
    this.writeCache = true;
    this.pioMode = 4;
    this.mwdmaMode = -1;
    this.udmaMode = 5;
    this.standby = false;
    super.reset();
  }

  protected setSignature(): void {
    this.placeSignature(0x00, 0x00);
    this.pio = Pio.None;
    this.status = ST_DRDY | ST_DSC;
  }

  /** Cylinders of the current translation (IDENTIFY word 54). */
  get curCylinders(): number {
    if (this.curHeads === 0 || this.curSectors === 0) return 0;
    return Math.min(65535, Math.floor(Math.min(this.totalSectors, 16514064) / (this.curHeads * this.curSectors)));
  }

  /** IDENTIFY DEVICE data (ATA-6 IDENTIFY DEVICE data). */
  identify(): Uint16Array {
    const w = new Uint16Array(IDENTIFY_WORDS);
    const g = this.geometry;
    w[0] = 0x0040; // ATA device, fixed
    w[1] = g.cylinders;
    w[3] = g.heads;
    w[4] = SECTOR * g.sectors; // obsolete, as older drives report
    w[5] = SECTOR;
    w[6] = g.sectors;
    putAtaString(w, 10, 10, this.serial);
    w[20] = 3; // obsolete buffer type
    w[21] = 512; // obsolete buffer size
    w[22] = 4; // obsolete ECC bytes
    putAtaString(w, 23, 4, this.firmware);
    putAtaString(w, 27, 20, this.model);
    w[47] = 0x8000 | MAX_MULTIPLE_SECTORS;
    w[48] = 1; // dword I/O (reserved in ATA-6, read by older hosts)
    w[49] = (1 << 11) | (1 << 9) | (1 << 8); // IORDY, LBA, DMA
    w[50] = 0x4000;
    w[51] = 0x200; // obsolete PIO timing mode 2
    w[52] = 0x200;
    w[53] = 0x0007; // words 54-58, 64-70 and 88 valid
    const cyl = this.curCylinders;
    if (cyl > 0) {
      w[54] = cyl;
      w[55] = this.curHeads;
      w[56] = this.curSectors;
      const chsCapacity = cyl * this.curHeads * this.curSectors;
      w[57] = chsCapacity & 0xffff;
      w[58] = chsCapacity >>> 16;
    } else {
      w[53] = 0x0006;
    }
    if (this.multSectors) w[59] = 0x100 | this.multSectors;
    const lba28 = Math.min(this.totalSectors, LBA28_LIMIT);
    w[60] = lba28 & 0xffff;
    w[61] = lba28 >>> 16;
    w[63] = 0x0007 | (this.mwdmaMode >= 0 ? 0x100 << this.mwdmaMode : 0); // MWDMA 0-2
    w[64] = 0x0003; // PIO 3 and 4
    w[65] = 120; // minimum multiword DMA cycle time (ns)
    w[66] = 120;
    w[67] = 120;
    w[68] = 120;
    w[80] = 0x007e; // ATA-1 .. ATA-6
    w[81] = 0;
    w[82] = (1 << 14) | (1 << 6) | (1 << 5); // NOP, look-ahead, write cache
    w[83] = (1 << 14) | (1 << 13) | (1 << 12) | (1 << 10); // FLUSH CACHE EXT, FLUSH CACHE, 48-bit
    w[84] = 1 << 14;
    w[85] = (1 << 14) | (1 << 6) | (this.writeCache ? 1 << 5 : 0);
    w[86] = (1 << 13) | (1 << 12) | (1 << 10);
    w[87] = 1 << 14;
    w[88] = 0x003f | (this.udmaMode >= 0 ? 0x100 << this.udmaMode : 0); // UDMA 0-5
    w[93] = (1 << 14) | (1 << 13) | 1; // 80-conductor cable detected, device 0 passed
    const total = BigInt(this.totalSectors);
    for (let i = 0; i < 4; i++) w[100 + i] = Number((total >> BigInt(16 * i)) & 0xffffn);
    return w;
  }

  executeCommand(command: number): void {
    this.pio = Pio.None;
    this.standby = this.standby && !isMediaCommand(command);
    switch (command) {
      case CMD.IDENTIFY_DEVICE:
        this.buf.set(identifyBytes(this.identify()));
        this.pio = Pio.Identify;
        this.startPio(SECTOR, false);
        this.raiseIrq();
        return;
      case CMD.READ_SECTORS:
      case CMD.READ_SECTORS_NORETRY:
        return this.startTransfer(false, false, 1, false);
      case CMD.READ_SECTORS_EXT:
        return this.startTransfer(true, false, 1, false);
      case CMD.READ_MULTIPLE:
      case CMD.READ_MULTIPLE_EXT:
        if (this.multSectors === 0) return this.abortCommand();
        return this.startTransfer(command === CMD.READ_MULTIPLE_EXT, false, this.multSectors, false);
      case CMD.WRITE_SECTORS:
      case CMD.WRITE_SECTORS_NORETRY:
        return this.startTransfer(false, true, 1, false);
      case CMD.WRITE_SECTORS_EXT:
        return this.startTransfer(true, true, 1, false);
      case CMD.WRITE_MULTIPLE:
      case CMD.WRITE_MULTIPLE_EXT:
        if (this.multSectors === 0) return this.abortCommand();
        return this.startTransfer(command === CMD.WRITE_MULTIPLE_EXT, true, this.multSectors, false);
      case CMD.READ_DMA:
      case CMD.READ_DMA_NORETRY:
        return this.startTransfer(false, false, 0, true);
      case CMD.READ_DMA_EXT:
        return this.startTransfer(true, false, 0, true);
      case CMD.WRITE_DMA:
      case CMD.WRITE_DMA_NORETRY:
        return this.startTransfer(false, true, 0, true);
      case CMD.WRITE_DMA_EXT:
        return this.startTransfer(true, true, 0, true);
      case CMD.READ_VERIFY:
      case CMD.READ_VERIFY_NORETRY:
      case CMD.READ_VERIFY_EXT:
        return this.readVerify(command === CMD.READ_VERIFY_EXT);
      case CMD.SET_MULTIPLE_MODE: {
        // ATA-6 SET MULTIPLE MODE: a power of two up to word 47's maximum; 0 turns multiple mode off.
        const n = this.nsector;
        if (n > MAX_MULTIPLE_SECTORS || (n & (n - 1)) !== 0) return this.abortCommand();
        this.multSectors = n;
        return this.completeCommand();
      }
      case CMD.SET_FEATURES:
        return this.setFeatures() ? this.completeCommand() : this.abortCommand();
      case CMD.INITIALIZE_DEVICE_PARAMETERS:
        // ATA-6 INITIALIZE DEVICE PARAMETERS: heads from the Device register, sectors per track from Sector Count.
        this.curHeads = (this.select & 0x0f) + 1;
        this.curSectors = this.nsector;
        return this.completeCommand();
      case CMD.FLUSH_CACHE:
      case CMD.FLUSH_CACHE_EXT:
        try {
          this.store.flush();
        } catch (e) {
          this.backendError('flush', e);
          return this.abortCommand();
        }
        return this.completeCommand();
      case CMD.CHECK_POWER_MODE:
      case CMD.CHECK_POWER_MODE_OLD:
        this.completeCommand();
        this.nsector = this.standby ? 0x00 : 0xff; // ATA-6 CHECK POWER MODE: FFh active or idle
        return;
      case CMD.STANDBY:
      case CMD.STANDBY_IMMEDIATE:
      case CMD.STANDBY_OLD:
      case CMD.STANDBY_IMMEDIATE_OLD:
      case CMD.SLEEP:
      case CMD.SLEEP_OLD:
        this.standby = true;
        return this.completeCommand();
      case CMD.IDLE:
      case CMD.IDLE_IMMEDIATE:
      case CMD.IDLE_OLD:
      case CMD.IDLE_IMMEDIATE_OLD:
        this.standby = false;
        return this.completeCommand();
      case CMD.EXECUTE_DEVICE_DIAGNOSTIC:
        this.softReset();
        this.raiseIrq();
        return;
      case CMD.SEEK:
        return this.completeCommand();
      default:
        if (command >= CMD.RECALIBRATE && command <= 0x1f) return this.completeCommand(); // obsolete, harmless
        // DEVICE RESET, PACKET and IDENTIFY PACKET DEVICE are for packet devices: a disk aborts them (ATA-6).
        if (command !== CMD.DEVICE_RESET && command !== CMD.PACKET && command !== CMD.IDENTIFY_PACKET_DEVICE && command !== CMD.NOP) {
          this.stats.unknownCommands++;
          this.log(`unknown command 0x${command.toString(16)}`);
        }
        return this.abortCommand();
    }
  }

  /** SET FEATURES (ATA-6); false when the subcommand is not supported. */
  private setFeatures(): boolean {
    switch (this.feature) {
      case 0x02:
        this.writeCache = true;
        return true;
      case 0x82:
        this.writeCache = false;
        return true;
      case 0x55: // read look-ahead off / on: no effect on an image
      case 0xaa:
      case 0x66: // keep / revert to power-on defaults after SRST
      case 0xcc:
        return true;
      case 0x03: {
        const v = this.nsector;
        const mode = v & 0x07;
        switch (v >> 3) {
          case 0: // PIO default mode
            if (mode > 1) return false;
            this.pioMode = 4;
            return true;
          case 1:
            if (mode > 4) return false;
            this.pioMode = mode;
            return true;
          case 4:
            if (mode > 2) return false;
            this.mwdmaMode = mode;
            this.udmaMode = -1;
            return true;
          case 8:
            if (mode > 5) return false;
            this.udmaMode = mode;
            this.mwdmaMode = -1;
            return true;
          default:
            return false; // single-word DMA is obsolete
        }
      }
      default:
        return false;
    }
  }

  /** Decodes the address of a media command, or -1 (CHS out of the translation). */
  private startLba(lba48: boolean): number {
    this.chs = false;
    if (lba48) {
      return (
        (this.hobLbaHigh * 2 ** 40) + (this.hobLbaMid * 2 ** 32) + (this.hobLbaLow * 2 ** 24) +
        ((this.lbaHigh << 16) | (this.lbaMid << 8) | this.lbaLow)
      );
    }
    if (this.select & DEV_LBA) {
      return ((this.select & 0x0f) * 2 ** 24) + ((this.lbaHigh << 16) | (this.lbaMid << 8) | this.lbaLow);
    }
    // CHS (ATA-6 CHS addressing): LBA = (cylinder * heads + head) * sectors per track + sector - 1.
    this.chs = true;
    const cyl = (this.lbaHigh << 8) | this.lbaMid;
    const head = this.select & 0x0f;
    const sector = this.lbaLow;
    if (this.curSectors === 0 || sector === 0 || sector > this.curSectors || head >= this.curHeads || cyl >= this.curCylinders) return -1;
    return (cyl * this.curHeads + head) * this.curSectors + sector - 1;
  }

  private sectorCount(lba48: boolean): number {
    if (lba48) return ((this.hobNsector << 8) | this.nsector) || 65536;
    return this.nsector || 256;
  }

  /** Starts a PIO (blockSectors > 0) or DMA transfer after checking the address range. */
  private startTransfer(lba48: boolean, write: boolean, blockSectors: number, dma: boolean): void {
    const lba = this.startLba(lba48);
    const count = this.sectorCount(lba48);
    this.lba48 = lba48;
    if (lba < 0 || lba + count > this.totalSectors) return this.abortCommand(ERR_IDNF | (lba < 0 ? ERR_ABRT : 0));
    if (write && this.store.readOnly) {
      this.log('write to a read-only disk refused');
      return this.abortCommand();
    }
    this.xferLba = lba;
    this.xferLeft = count;
    if (dma) {
      this.dmaByte = lba * SECTOR;
      this.dmaLeft = count * SECTOR;
      this.requestDma(!write);
      return;
    }
    this.blockSectors = blockSectors;
    if (write) {
      // ATA-6 PIO data-out protocol: DRQ for the first block at once, no interrupt before it.
      this.pio = Pio.Write;
      this.curBlock = Math.min(blockSectors, count);
      this.startPio(this.curBlock * SECTOR, true);
    } else {
      this.pio = Pio.Read;
      this.loadReadBlock();
    }
  }

  /** ATA-6 PIO data-in protocol: each DRQ block is announced by an interrupt. */
  private loadReadBlock(): void {
    const n = Math.min(this.blockSectors, this.xferLeft);
    try {
      this.buf.set(this.store.read(this.xferLba * SECTOR, n * SECTOR));
    } catch (e) {
      this.backendError('read', e);
      this.setPosition(this.xferLba, this.xferLeft);
      return this.abortCommand(ERR_UNC);
    }
    this.curBlock = n;
    this.startPio(n * SECTOR, false);
    this.raiseIrq();
  }

  protected pioBlockDone(): void {
    switch (this.pio) {
      case Pio.Identify:
        this.pio = Pio.None;
        this.completeCommand(false);
        return;
      case Pio.Read:
        this.xferLba += this.curBlock;
        this.xferLeft -= this.curBlock;
        this.setPosition(this.xferLba, this.xferLeft);
        if (this.xferLeft === 0) {
          this.pio = Pio.None;
          this.completeCommand(false); // no interrupt after the last block is read
        } else {
          this.loadReadBlock();
        }
        return;
      case Pio.Write: {
        try {
          this.store.write(this.xferLba * SECTOR, this.buf.subarray(0, this.curBlock * SECTOR));
        } catch (e) {
          this.backendError('write', e);
          this.pio = Pio.None;
          this.setPosition(this.xferLba, this.xferLeft);
          return this.abortCommand();
        }
        this.xferLba += this.curBlock;
        this.xferLeft -= this.curBlock;
        this.setPosition(this.xferLba, this.xferLeft);
        if (this.xferLeft === 0) {
          this.pio = Pio.None;
          this.completeCommand();
          return;
        }
        this.curBlock = Math.min(this.blockSectors, this.xferLeft);
        this.startPio(this.curBlock * SECTOR, true);
        this.raiseIrq();
        return;
      }
      default:
        this.stopPio();
    }
  }

  private readVerify(lba48: boolean): void {
    const lba = this.startLba(lba48);
    const count = this.sectorCount(lba48);
    this.lba48 = lba48;
    if (lba < 0 || lba + count > this.totalSectors) return this.abortCommand(ERR_IDNF | (lba < 0 ? ERR_ABRT : 0));
    this.setPosition(lba + count - 1, 0);
    this.completeCommand();
  }

  /** Leaves the address of the next sector and the sectors left in the registers, as QEMU does. */
  private setPosition(lba: number, left: number): void {
    if (this.chs) {
      const perCyl = this.curHeads * this.curSectors;
      const cyl = Math.floor(lba / perCyl);
      const rem = lba % perCyl;
      this.lbaHigh = (cyl >>> 8) & 0xff;
      this.lbaMid = cyl & 0xff;
      this.select = (this.select & 0xf0) | Math.floor(rem / this.curSectors);
      this.lbaLow = (rem % this.curSectors) + 1;
    } else if (this.lba48) {
      this.lbaLow = lba & 0xff;
      this.lbaMid = (lba >>> 8) & 0xff;
      this.lbaHigh = (lba >>> 16) & 0xff;
      const hi = Math.floor(lba / 2 ** 24);
      this.hobLbaLow = hi & 0xff;
      this.hobLbaMid = (hi >>> 8) & 0xff;
      this.hobLbaHigh = (hi >>> 16) & 0xff;
      this.hobNsector = (left >>> 8) & 0xff;
    } else {
      this.lbaLow = lba & 0xff;
      this.lbaMid = (lba >>> 8) & 0xff;
      this.lbaHigh = (lba >>> 16) & 0xff;
      this.select = (this.select & 0xf0) | ((lba >>> 24) & 0x0f);
    }
    this.nsector = left & 0xff;
  }

  private backendError(what: string, e: unknown): void {
    this.stats.backendErrors++;
    if (!(e instanceof ReadOnlyStoreError)) this.log(`${what} failed: ${e instanceof Error ? e.message : String(e)}`);
  }

  // ---- DMA (bus master) ----

  dmaRemaining(): number {
    return this.dmaPending ? this.dmaLeft : 0;
  }

  dmaRead(length: number): Uint8Array | null {
    try {
      const data = this.store.read(this.dmaByte, length);
      this.advanceDma(length);
      return data;
    } catch (e) {
      this.backendError('read', e);
      this.dmaFailed(ERR_UNC);
      return null;
    }
  }

  dmaWrite(data: Uint8Array): boolean {
    try {
      this.store.write(this.dmaByte, data);
    } catch (e) {
      this.backendError('write', e);
      this.dmaFailed(ERR_ABRT);
      return false;
    }
    this.advanceDma(data.length);
    return true;
  }

  private advanceDma(length: number): void {
    this.dmaByte += length;
    this.dmaLeft -= length;
  }

  private dmaFailed(error: number): void {
    const done = Math.floor(this.dmaByte / SECTOR);
    this.setPosition(done, this.xferLeft - (done - this.xferLba));
    this.abortCommand(error);
  }

  dmaComplete(): void {
    this.dmaPending = false;
    this.setPosition(this.xferLba + this.xferLeft, 0);
    this.completeCommand();
  }

  // ---- save/restore ----

  saveState(): DeviceState {
    return {
      ...this.saveBase(),
      settings: [this.curHeads, this.curSectors, this.multSectors, this.pioMode, this.mwdmaMode, this.udmaMode],
      writeCache: this.writeCache,
      standby: this.standby,
      transfer: [this.pio, this.xferLba, this.xferLeft, this.blockSectors, this.curBlock, this.dmaByte, this.dmaLeft],
      lba48: this.lba48,
      chs: this.chs,
    };
  }

  loadState(s: DeviceState): void {
    checkVersion('ata-disk', s, 1);
    this.loadBase(s);
    [this.curHeads, this.curSectors, this.multSectors, this.pioMode, this.mwdmaMode, this.udmaMode] = s.settings as number[];
    this.writeCache = s.writeCache as boolean;
    this.standby = s.standby as boolean;
    [this.pio, this.xferLba, this.xferLeft, this.blockSectors, this.curBlock, this.dmaByte, this.dmaLeft] = s.transfer as number[];
    this.lba48 = s.lba48 as boolean;
    this.chs = s.chs as boolean;
  }
}

/** Commands that spin a standby disk up. */
function isMediaCommand(command: number): boolean {
  return (command >= 0x20 && command <= 0x42) || (command >= 0xc4 && command <= 0xcb);
}
