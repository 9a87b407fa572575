// An ATAPI CD-ROM drive: the PACKET command and its protocol in ATA/ATAPI-6 (the host writes a
// 12-byte command packet through the Data register, the device answers in DRQ chunks no larger
// than the byte count limit, with the interrupt reason (CoD, IO) in the Sector Count register),
// IDENTIFY PACKET DEVICE, and the MMC commands SeaBIOS and Linux's sr/libata issue. Discs are ISO
// images (2048-byte sectors) in a BlockStore.

import { checkVersion, type DeviceState } from '../../bus/device.js';
import { type BlockStore, CD_SECTOR_SIZE } from '../block/block-store.js';
import {
  CMD,
  IDENTIFY_WORDS,
  identifyBytes,
  IR_COD,
  IR_IO,
  putAtaString,
  ST_DRDY,
  ST_DSC,
  ST_ERR,
} from './ata-defs.js';
import { IdeDrive, PIO_BUFFER_SIZE } from './ide-drive.js';
import * as mmc from './mmc.js';

const PACKET_SIZE = 12;

export interface AtapiCdromOptions {
  /** The disc, or null for an empty drive. */
  store: BlockStore | null;
  model?: string;
  serial?: string;
  firmware?: string;
  /** INQUIRY vendor (8 characters) and product (16). */
  vendor?: string;
  product?: string;
}

const enum Phase {
  None = 0,
  Identify = 1,
  Packet = 2, // receiving the command packet
  DataIn = 3, // sending response data
}

/** Commands that report a pending unit attention only to other commands (SPC-3 unit attention; MMC-3 lists GET CONFIGURATION and GESN too). */
const ALLOW_UNIT_ATTENTION: ReadonlySet<number> = new Set([0x03, 0x12, 0x46, 0x4a]);
/** Commands that need a disc in the drive. */
const NEEDS_MEDIUM: ReadonlySet<number> = new Set([0x00, 0x25, 0x28, 0x2b, 0x43, 0x51, 0x52, 0xa8, 0xbe]);

export class AtapiCdrom extends IdeDrive {
  readonly kind = 'atapi' as const;
  private disc: BlockStore | null;
  trayOpen = false;
  locked = false;
  /** Set by insertion: the next command (other than INQUIRY & co.) fails with UNIT ATTENTION. */
  unitAttention = false;
  mediaEvent = mmc.MEDIA_EVENT_NONE;
  sense: mmc.SenseCode = { key: 0, asc: 0, ascq: 0 };
  private readonly model: string;
  private readonly serial: string;
  private readonly firmware: string;
  private readonly vendor: string;
  private readonly product: string;

  private phase = Phase.None;
  /** The last command packet. */
  readonly cdb = new Uint8Array(PACKET_SIZE);
  private useDma = false;
  // Response source: a small buffer, or sectors read straight from the disc.
  private response: Uint8Array = new Uint8Array(0);
  private fromDisc = false;
  private srcPos = 0;
  private srcLeft = 0;

  constructor(unit: 0 | 1, options: AtapiCdromOptions) {
    super(unit);
    this.disc = options.store;
    this.model = options.model ?? 'Ringmaster DVD-ROM';
    this.serial = options.serial ?? `RMCD0${unit}`;
    this.firmware = options.firmware ?? '1.0';
    this.vendor = options.vendor ?? 'RINGMSTR';
    this.product = options.product ?? 'Virtual DVD-ROM';
    this.reset();
  }

  get store(): BlockStore | null {
    return this.disc;
  }

  get mediumPresent(): boolean {
    return this.disc !== null && !this.trayOpen;
  }

  private get medium(): mmc.MediumState {
    const present = this.mediumPresent;
    return {
      sectors: present ? Math.floor(this.disc!.size / CD_SECTOR_SIZE) : 0,
      present,
      trayOpen: this.trayOpen,
      locked: this.locked,
    };
  }

  /** Puts a disc in (closing the tray): the guest sees UNIT ATTENTION and a new-media event. */
  insertMedia(store: BlockStore): void {
    this.disc = store;
    this.trayOpen = false;
    this.unitAttention = true;
    this.mediaEvent = mmc.MEDIA_EVENT_NEW;
  }

  /** Takes the disc out (the host's eject; ignores the guest's lock). */
  ejectMedia(): void {
    this.disc = null;
    this.mediaEvent = mmc.MEDIA_EVENT_REMOVAL;
  }

  override reset(): void {
    this.trayOpen = false;
    this.locked = false;
    this.unitAttention = false;
    this.mediaEvent = mmc.MEDIA_EVENT_NONE;
    this.sense = { key: 0, asc: 0, ascq: 0 };
    super.reset();
  }

  protected setSignature(): void {
    this.placeSignature(0x14, 0xeb); // ATA-6 signature of packet devices
    this.phase = Phase.None;
    this.status = 0; // DRDY stays 0 until a command (ATA-6 reset protocols)
  }

  /** IDENTIFY PACKET DEVICE data (ATA-6 IDENTIFY PACKET DEVICE data). */
  identify(): Uint16Array {
    const w = new Uint16Array(IDENTIFY_WORDS);
    // ATAPI (10b), CD-ROM device type 05h, removable, DRQ within 50 us, 12-byte packets.
    w[0] = (2 << 14) | (0x05 << 8) | (1 << 7) | (2 << 5);
    putAtaString(w, 10, 10, this.serial);
    putAtaString(w, 23, 4, this.firmware);
    putAtaString(w, 27, 20, this.model);
    w[49] = (1 << 11) | (1 << 9) | (1 << 8); // IORDY, LBA, DMA
    w[53] = 0x0006; // words 64-70 and 88 valid
    w[63] = 0x0007; // multiword DMA 0-2 supported
    w[64] = 0x0003; // PIO 3 and 4
    w[65] = 0xb4;
    w[66] = 0xb4;
    w[67] = 0x12c;
    w[68] = 0xb4;
    w[71] = 30; // typical release times (ns)
    w[72] = 30;
    w[80] = 0x007e; // ATA/ATAPI-1 .. -6
    w[82] = (1 << 14) | (1 << 9) | (1 << 4); // NOP, DEVICE RESET, PACKET feature set
    w[83] = 1 << 14;
    w[84] = 1 << 14;
    w[85] = (1 << 14) | (1 << 9) | (1 << 4);
    w[86] = 0;
    w[87] = 1 << 14;
    w[88] = 0x003f | (1 << 13); // UDMA 0-5 supported, mode 5 selected
    w[93] = (1 << 14) | (1 << 13) | 1;
    return w;
  }

  executeCommand(command: number): void {
    switch (command) {
      case CMD.PACKET:
        return this.startPacket();
      case CMD.IDENTIFY_PACKET_DEVICE:
        this.buf.set(identifyBytes(this.identify()));
        this.phase = Phase.Identify;
        this.startPio(512, false);
        this.raiseIrq();
        return;
      case CMD.IDENTIFY_DEVICE:
        // ATA-6 IDENTIFY DEVICE: a packet device aborts it and leaves its signature for the host to see.
        this.abortCommand();
        this.placeSignature(0x14, 0xeb);
        return;
      case CMD.DEVICE_RESET:
        // ATA-6 DEVICE RESET: no interrupt; the signature tells the host it is done.
        this.softReset();
        return;
      case CMD.EXECUTE_DEVICE_DIAGNOSTIC:
        this.softReset();
        this.raiseIrq();
        return;
      case CMD.SET_FEATURES:
      case CMD.CHECK_POWER_MODE:
      case CMD.IDLE_IMMEDIATE:
      case CMD.STANDBY_IMMEDIATE:
      case CMD.SLEEP:
        this.completeCommand();
        if (command === CMD.CHECK_POWER_MODE) this.nsector = 0xff;
        return;
      default:
        if (command !== CMD.NOP) {
          this.stats.unknownCommands++;
          this.log(`unknown command 0x${command.toString(16)}`);
        }
        this.abortCommand();
    }
  }

  /** PACKET (ATA-6): features bit 0 asks for DMA; LBA Mid/High hold the byte count limit. */
  private startPacket(): void {
    this.useDma = (this.feature & 0x01) !== 0;
    this.phase = Phase.Packet;
    this.startPio(PACKET_SIZE, true);
    this.nsector = IR_COD; // the device wants the command packet; no interrupt (DRQ type 10b)
  }

  protected pioBlockDone(): void {
    switch (this.phase) {
      case Phase.Identify:
        this.phase = Phase.None;
        this.completeCommand(false);
        return;
      case Phase.Packet:
        this.cdb.set(this.buf.subarray(0, PACKET_SIZE));
        this.phase = Phase.None;
        this.runPacket();
        return;
      case Phase.DataIn:
        if (this.srcLeft > 0) this.nextChunk();
        else this.packetDone();
        return;
      default:
        this.stopPio();
    }
  }

  /** Executes the command packet in cdb. */
  private runPacket(): void {
    const cdb = this.cdb;
    const op = cdb[0];
    if (this.unitAttention && !ALLOW_UNIT_ATTENTION.has(op)) {
      this.unitAttention = false;
      return this.fail({ key: mmc.SENSE_UNIT_ATTENTION, asc: mmc.ASC_MEDIUM_MAY_HAVE_CHANGED, ascq: 0 });
    }
    if (NEEDS_MEDIUM.has(op) && !this.mediumPresent) {
      return this.fail({ key: mmc.SENSE_NOT_READY, asc: mmc.ASC_MEDIUM_NOT_PRESENT, ascq: this.trayOpen ? 2 : 1 });
    }
    const m = this.medium;
    switch (op) {
      case 0x00: // TEST UNIT READY
      case 0x35: // SYNCHRONIZE CACHE
      case 0xbb: // SET CD SPEED
        return this.packetDone();
      case 0x03: {
        // REQUEST SENSE: the sense of the last command (or a pending unit attention), then cleared.
        let sense = this.sense;
        if (this.unitAttention && sense.key === mmc.SENSE_NONE) {
          this.unitAttention = false;
          sense = { key: mmc.SENSE_UNIT_ATTENTION, asc: mmc.ASC_MEDIUM_MAY_HAVE_CHANGED, ascq: 0 };
        }
        return this.reply(mmc.senseData(sense), cdb[4]);
      }
      case 0x12: // INQUIRY
        if (cdb[1] & 0x01) return this.fail(mmc.invalidField()); // no vital product data pages
        return this.reply(mmc.inquiry(this.vendor, this.product, this.firmware), mmc.be16(cdb, 3));
      case 0x1b: // START STOP UNIT
        return this.startStop(cdb[4]);
      case 0x1e: // PREVENT ALLOW MEDIUM REMOVAL
        this.locked = (cdb[4] & 0x01) !== 0;
        return this.packetDone();
      case 0x25: // READ CAPACITY
        return this.reply(mmc.readCapacity(m), 8);
      case 0x28: // READ(10)
        return this.read(mmc.be32(cdb, 2), mmc.be16(cdb, 7), m.sectors);
      case 0xa8: // READ(12)
        return this.read(mmc.be32(cdb, 2), mmc.be32(cdb, 6), m.sectors);
      case 0xbe: {
        // READ CD: user data only (flags 10h), or nothing (00h).
        const count = (cdb[6] << 16) | (cdb[7] << 8) | cdb[8];
        if (cdb[9] === 0x00) return this.read(mmc.be32(cdb, 2), 0, m.sectors);
        if (cdb[9] !== 0x10) return this.fail(mmc.invalidField());
        return this.read(mmc.be32(cdb, 2), count, m.sectors);
      }
      case 0x2b: // SEEK(10)
        if (mmc.be32(cdb, 2) >= m.sectors) return this.fail(outOfRange());
        return this.packetDone();
      case 0x43: // READ TOC/PMA/ATIP
        return this.replyOrFail(mmc.readToc(cdb, m), mmc.be16(cdb, 7));
      case 0x46: // GET CONFIGURATION
        return this.replyOrFail(mmc.getConfiguration(cdb, m), mmc.be16(cdb, 7));
      case 0x4a: {
        // GET EVENT STATUS NOTIFICATION: a media event is reported once.
        const r = mmc.eventStatus(cdb, m, this.mediaEvent);
        if (r instanceof Uint8Array && (cdb[4] & 0x10)) this.mediaEvent = mmc.MEDIA_EVENT_NONE;
        return this.replyOrFail(r, mmc.be16(cdb, 7));
      }
      case 0x51: // READ DISC INFORMATION
        return this.replyOrFail(mmc.discInformation(cdb), mmc.be16(cdb, 7));
      case 0x52: // READ TRACK INFORMATION
        return this.replyOrFail(mmc.trackInformation(cdb, m), mmc.be16(cdb, 7));
      case 0x5a: // MODE SENSE(10)
        return this.replyOrFail(mmc.modeSense10(cdb, m), mmc.be16(cdb, 7));
      case 0xbd: // MECHANISM STATUS
        return this.reply(mmc.mechanismStatus(m), mmc.be16(cdb, 8));
      default:
        this.stats.unknownCommands++;
        this.log(`unsupported packet command 0x${op.toString(16)}`);
        return this.fail({ key: mmc.SENSE_ILLEGAL_REQUEST, asc: mmc.ASC_INVALID_OPCODE, ascq: 0 });
    }
  }

  /** START STOP UNIT (MMC-3): LoEj with Start loads the tray, without it ejects. */
  private startStop(flags: number): void {
    const start = (flags & 0x01) !== 0;
    const loadEject = (flags & 0x02) !== 0;
    if (loadEject) {
      if (!start) {
        if (this.locked) {
          return this.fail({ key: mmc.SENSE_ILLEGAL_REQUEST, asc: mmc.ASC_MEDIUM_REMOVAL_PREVENTED, ascq: 2 });
        }
        if (!this.trayOpen) {
          this.trayOpen = true;
          this.mediaEvent = mmc.MEDIA_EVENT_REMOVAL;
        }
      } else if (this.trayOpen) {
        this.trayOpen = false;
        if (this.disc) this.mediaEvent = mmc.MEDIA_EVENT_NEW;
      }
    }
    this.packetDone();
  }

  private read(lba: number, count: number, sectors: number): void {
    if (lba + count > sectors || lba >= sectors) return this.fail(outOfRange());
    if (count === 0) return this.packetDone();
    this.fromDisc = true;
    this.srcPos = lba * CD_SECTOR_SIZE;
    this.srcLeft = count * CD_SECTOR_SIZE;
    this.beginDataIn();
  }

  private replyOrFail(r: Uint8Array | mmc.SenseCode, allocation: number): void {
    if (r instanceof Uint8Array) this.reply(r, allocation);
    else this.fail(r);
  }

  /** Sends `data`, cut to the command's allocation length. */
  private reply(data: Uint8Array, allocation: number): void {
    this.response = data.subarray(0, Math.min(data.length, allocation));
    if (this.response.length === 0) return this.packetDone();
    this.fromDisc = false;
    this.srcPos = 0;
    this.srcLeft = this.response.length;
    this.beginDataIn();
  }

  private beginDataIn(): void {
    if (this.useDma) {
      this.requestDma(true);
      this.nsector = IR_IO;
      return;
    }
    this.nextChunk();
  }

  /** Next PIO chunk (ATA-6 PACKET command protocol): at most the byte count limit, even unless it is the last. */
  private nextChunk(): void {
    let limit = (this.lbaHigh << 8) | this.lbaMid;
    if (limit === 0 || limit === 0xffff) limit = 0xfffe;
    limit = Math.min(limit, PIO_BUFFER_SIZE);
    let n = this.srcLeft;
    if (n > limit) n = Math.max(2, limit & ~1); // a limit of 1 still moves a word
    const data = this.produce(n);
    if (!data) return;
    this.buf.set(data);
    this.phase = Phase.DataIn;
    this.startPio(n, false);
    this.lbaMid = n & 0xff;
    this.lbaHigh = n >>> 8;
    this.nsector = IR_IO;
    this.raiseIrq();
  }

  /** The next `n` response bytes, or null after reporting a read error. */
  private produce(n: number): Uint8Array | null {
    let data: Uint8Array;
    if (this.fromDisc) {
      try {
        data = this.disc!.read(this.srcPos, n);
      } catch (e) {
        this.stats.backendErrors++;
        this.log(`read failed: ${e instanceof Error ? e.message : String(e)}`);
        this.fail({ key: mmc.SENSE_MEDIUM_ERROR, asc: mmc.ASC_UNRECOVERED_READ_ERROR, ascq: 0 });
        return null;
      }
    } else {
      data = this.response.subarray(this.srcPos, this.srcPos + n);
    }
    this.srcPos += n;
    this.srcLeft -= n;
    return data;
  }

  /** Command completed: status with IO and CoD set (ATA-6 PACKET command protocol, completion). */
  private packetDone(): void {
    this.phase = Phase.None;
    this.sense = { key: 0, asc: 0, ascq: 0 };
    this.completeCommand();
    this.nsector = IR_IO | IR_COD;
  }

  /** CHECK CONDITION: sense key in Error bits 7-4, CHK in Status, then an interrupt. */
  private fail(sense: mmc.SenseCode): void {
    this.phase = Phase.None;
    this.sense = sense;
    this.stopPio();
    this.dmaPending = false;
    this.error = sense.key << 4;
    this.status = ST_DRDY | ST_DSC | ST_ERR;
    this.nsector = IR_IO | IR_COD;
    this.raiseIrq();
  }

  // ---- DMA ----

  dmaRemaining(): number {
    return this.dmaPending ? this.srcLeft : 0;
  }

  dmaRead(length: number): Uint8Array | null {
    return this.produce(length);
  }

  dmaWrite(): boolean {
    this.fail(mmc.invalidField()); // no data-out commands on a read-only drive
    return false;
  }

  dmaComplete(): void {
    this.dmaPending = false;
    this.packetDone();
  }

  override dmaShort(): void {
    this.dmaPending = false;
    this.fail(mmc.invalidField());
  }

  // ---- save/restore ----

  saveState(): DeviceState {
    return {
      ...this.saveBase(),
      trayOpen: this.trayOpen,
      locked: this.locked,
      unitAttention: this.unitAttention,
      mediaEvent: this.mediaEvent,
      sense: [this.sense.key, this.sense.asc, this.sense.ascq],
      phase: this.phase,
      cdb: this.cdb.slice(),
      useDma: this.useDma,
      response: this.response.slice(),
      fromDisc: this.fromDisc,
      srcPos: this.srcPos,
      srcLeft: this.srcLeft,
    };
  }

  loadState(s: DeviceState): void {
    checkVersion('atapi-cdrom', s, 1);
    this.loadBase(s);
    this.trayOpen = s.trayOpen as boolean;
    this.locked = s.locked as boolean;
    this.unitAttention = s.unitAttention as boolean;
    this.mediaEvent = s.mediaEvent as number;
    const [key, asc, ascq] = s.sense as number[];
    this.sense = { key, asc, ascq };
    this.phase = s.phase as Phase;
    this.cdb.set(s.cdb as Uint8Array);
    this.useDma = s.useDma as boolean;
    this.response = (s.response as Uint8Array).slice();
    this.fromDisc = s.fromDisc as boolean;
    this.srcPos = s.srcPos as number;
    this.srcLeft = s.srcLeft as number;
  }
}

function outOfRange(): mmc.SenseCode {
  return { key: mmc.SENSE_ILLEGAL_REQUEST, asc: mmc.ASC_LBA_OUT_OF_RANGE, ascq: 0 };
}
