// Response data of the SCSI/MMC commands an ATAPI CD-ROM answers, built from the drive's state.
// References: SPC-3 (INQUIRY, REQUEST SENSE, sense keys), MMC-3 (T10/1363-D): GET CONFIGURATION
// and its features, GET EVENT STATUS NOTIFICATION, MODE SENSE pages (CD/DVD Capabilities and
// Mechanical Status page 2Ah), READ CAPACITY, READ DISC INFORMATION, READ TOC/PMA/ATIP (formats
// 0000b, 0001b, 0010b), MECHANISM STATUS; SFF-8020i for the older placement of fields.

import { CD_SECTOR_SIZE } from '../block/block-store.js';

// Sense keys (SPC-3 sense key table) and additional sense codes used by the drive.
export const SENSE_NONE = 0x00;
export const SENSE_NOT_READY = 0x02;
export const SENSE_MEDIUM_ERROR = 0x03;
export const SENSE_ILLEGAL_REQUEST = 0x05;
export const SENSE_UNIT_ATTENTION = 0x06;
export const ASC_UNRECOVERED_READ_ERROR = 0x11;
export const ASC_INVALID_OPCODE = 0x20;
export const ASC_LBA_OUT_OF_RANGE = 0x21;
export const ASC_INVALID_FIELD_IN_CDB = 0x24;
export const ASC_MEDIUM_MAY_HAVE_CHANGED = 0x28;
export const ASC_SAVING_NOT_SUPPORTED = 0x39;
export const ASC_MEDIUM_NOT_PRESENT = 0x3a;
export const ASC_MEDIUM_REMOVAL_PREVENTED = 0x53;

// Media event codes (MMC-3 GET EVENT STATUS NOTIFICATION, media events).
export const MEDIA_EVENT_NONE = 0;
export const MEDIA_EVENT_NEW = 2;
export const MEDIA_EVENT_REMOVAL = 3;

/** Profiles (MMC-3 profile list). */
export const PROFILE_CD_ROM = 0x0008;
export const PROFILE_DVD_ROM = 0x0010;
/** A disc bigger than a CD (about 800 MB) is presented as a DVD. */
const CD_MAX_SECTORS = 400_000;

/** What the response builders need to know about the drive. */
export interface MediumState {
  /** Sectors of 2048 bytes on the disc, 0 without a disc. */
  sectors: number;
  present: boolean;
  trayOpen: boolean;
  locked: boolean;
}

/** An error response: CHECK CONDITION with this sense data. */
export interface SenseCode {
  key: number;
  asc: number;
  ascq: number;
}

export function invalidField(): SenseCode {
  return { key: SENSE_ILLEGAL_REQUEST, asc: ASC_INVALID_FIELD_IN_CDB, ascq: 0 };
}

export function be16(cdb: Uint8Array, at: number): number {
  return (cdb[at] << 8) | cdb[at + 1];
}

export function be32(cdb: Uint8Array, at: number): number {
  return ((cdb[at] << 24) | (cdb[at + 1] << 16) | (cdb[at + 2] << 8) | cdb[at + 3]) >>> 0;
}

function put16(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 8) & 0xff;
  b[at + 1] = v & 0xff;
}

function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 24) & 0xff;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

function putAscii(b: Uint8Array, at: number, length: number, text: string): void {
  const t = text.padEnd(length, ' ');
  for (let i = 0; i < length; i++) b[at + i] = t.charCodeAt(i) & 0x7f;
}

/** Logical block address to minutes/seconds/frames, with the 2-second (150-frame) lead-in offset. */
export function lbaToMsf(lba: number): [number, number, number] {
  const frames = lba + 150;
  return [Math.floor(frames / (75 * 60)), Math.floor(frames / 75) % 60, frames % 75];
}

/** A TOC address field: 4 bytes, LBA or 0/M/S/F (MMC-3 READ TOC, address field). */
function putAddress(b: Uint8Array, at: number, lba: number, msf: boolean): void {
  if (!msf) return put32(b, at, lba);
  const [m, s, f] = lbaToMsf(lba);
  b[at] = 0;
  b[at + 1] = m;
  b[at + 2] = s;
  b[at + 3] = f;
}

export function currentProfile(m: MediumState): number {
  if (!m.present) return 0;
  return m.sectors > CD_MAX_SECTORS ? PROFILE_DVD_ROM : PROFILE_CD_ROM;
}

/** Standard INQUIRY data (SPC-3 standard INQUIRY data): 36 bytes. */
export function inquiry(vendor: string, product: string, revision: string): Uint8Array {
  const b = new Uint8Array(36);
  b[0] = 0x05; // peripheral device type: CD/DVD
  b[1] = 0x80; // removable
  b[2] = 0x00; // version: no claim (as ATAPI drives report)
  b[3] = 0x21; // ATAPI transport version 2, response data format 1
  b[4] = 36 - 5; // additional length
  putAscii(b, 8, 8, vendor);
  putAscii(b, 16, 16, product);
  putAscii(b, 32, 4, revision);
  return b;
}

/** Fixed-format sense data (SPC-3 fixed format sense data): 18 bytes. */
export function senseData(sense: SenseCode): Uint8Array {
  const b = new Uint8Array(18);
  b[0] = 0x70; // current error, fixed format
  b[2] = sense.key;
  b[7] = 10; // additional sense length
  b[12] = sense.asc;
  b[13] = sense.ascq;
  return b;
}

/** READ CAPACITY data: last LBA and block length. */
export function readCapacity(m: MediumState): Uint8Array {
  const b = new Uint8Array(8);
  put32(b, 0, m.sectors - 1);
  put32(b, 4, CD_SECTOR_SIZE);
  return b;
}

/** READ TOC/PMA/ATIP for a single-session disc with one data track. */
export function readToc(cdb: Uint8Array, m: MediumState): Uint8Array | SenseCode {
  const msf = (cdb[1] & 0x02) !== 0;
  let format = cdb[2] & 0x0f;
  if (format === 0) format = cdb[9] >> 6; // SFF-8020i put the format in the control byte
  const start = cdb[6];
  switch (format) {
    case 0: {
      // Formatted TOC: track 1 and the lead-out (track AAh).
      if (start > 1 && start !== 0xaa) return invalidField();
      const withTrack1 = start <= 1;
      const b = new Uint8Array(4 + 8 * (withTrack1 ? 2 : 1));
      put16(b, 0, b.length - 2);
      b[2] = 1; // first track
      b[3] = 1; // last track
      let at = 4;
      if (withTrack1) {
        b[at + 1] = 0x14; // ADR 1 (Q mode 1), control 4 (data track)
        b[at + 2] = 1;
        putAddress(b, at + 4, 0, msf);
        at += 8;
      }
      b[at + 1] = 0x14;
      b[at + 2] = 0xaa;
      putAddress(b, at + 4, m.sectors, msf);
      return b;
    }
    case 1: {
      // Session information: first and last session 1, first track of the last session.
      const b = new Uint8Array(12);
      put16(b, 0, 10);
      b[2] = 1;
      b[3] = 1;
      b[5] = 0x14;
      b[6] = 1;
      putAddress(b, 8, 0, msf);
      return b;
    }
    case 2: {
      // Raw TOC: points A0h (first track), A1h (last track), A2h (lead-out) and track 1; always MSF.
      const points: [number, number, number, number][] = [
        [0xa0, 1, 0, 0], // PMIN = first track, PSEC = disc type 00h (CD-DA or CD-ROM)
        [0xa1, 1, 0, 0],
        [0xa2, ...lbaToMsf(m.sectors)],
        [0x01, ...lbaToMsf(0)],
      ];
      const b = new Uint8Array(4 + 11 * points.length);
      put16(b, 0, b.length - 2);
      b[2] = 1;
      b[3] = 1;
      points.forEach(([point, pm, ps, pf], i) => {
        const at = 4 + 11 * i;
        b[at] = 1; // session
        b[at + 1] = 0x14;
        b[at + 3] = point;
        b[at + 8] = pm;
        b[at + 9] = ps;
        b[at + 10] = pf;
      });
      return b;
    }
    default:
      return invalidField();
  }
}

/** Features we report, each as its full descriptor; bit 0 of byte 2 is "current". */
function features(m: MediumState): Uint8Array[] {
  const profile = currentProfile(m);
  const profiles = new Uint8Array(4 + 8);
  put16(profiles, 0, 0x0000);
  profiles[2] = 0x03; // persistent, current
  profiles[3] = 8;
  put16(profiles, 4, PROFILE_DVD_ROM);
  profiles[6] = profile === PROFILE_DVD_ROM ? 1 : 0;
  put16(profiles, 8, PROFILE_CD_ROM);
  profiles[10] = profile === PROFILE_CD_ROM ? 1 : 0;

  const core = new Uint8Array(8);
  put16(core, 0, 0x0001);
  core[2] = 0x03;
  core[3] = 4;
  put32(core, 4, 2); // physical interface: ATAPI

  const removable = new Uint8Array(8);
  put16(removable, 0, 0x0003);
  removable[2] = 0x03;
  removable[3] = 4;
  removable[4] = 0x20 | 0x08 | 0x01 | (m.locked ? 0x04 : 0); // tray, eject, lock (and locked)

  const randomReadable = new Uint8Array(12);
  put16(randomReadable, 0, 0x0010);
  randomReadable[2] = m.present ? 0x01 : 0x00;
  randomReadable[3] = 8;
  put32(randomReadable, 4, CD_SECTOR_SIZE);
  put16(randomReadable, 8, profile === PROFILE_DVD_ROM ? 16 : 1);

  const cdRead = new Uint8Array(8);
  put16(cdRead, 0, 0x001e);
  cdRead[2] = profile === PROFILE_CD_ROM ? 0x01 : 0x00;
  cdRead[3] = 4;

  const dvdRead = new Uint8Array(4);
  put16(dvdRead, 0, 0x001f);
  dvdRead[2] = profile === PROFILE_DVD_ROM ? 0x01 : 0x00;
  return [profiles, core, removable, randomReadable, cdRead, dvdRead];
}

/** GET CONFIGURATION: RT 0 all features from the starting number, 1 current ones, 2 just that one. */
export function getConfiguration(cdb: Uint8Array, m: MediumState): Uint8Array | SenseCode {
  const rt = cdb[1] & 0x03;
  if (rt === 3) return invalidField();
  const first = be16(cdb, 2);
  const chosen = features(m).filter((f) => {
    const n = be16(f, 0);
    if (rt === 2) return n === first;
    return n >= first && (rt === 0 || (f[2] & 1) !== 0);
  });
  const length = 8 + chosen.reduce((s, f) => s + f.length, 0);
  const b = new Uint8Array(length);
  put32(b, 0, length - 4);
  put16(b, 6, currentProfile(m));
  let at = 8;
  for (const f of chosen) {
    b.set(f, at);
    at += f.length;
  }
  return b;
}

/** GET EVENT STATUS NOTIFICATION, polled, media class only. `event` is the pending media event code. */
export function eventStatus(cdb: Uint8Array, m: MediumState, event: number): Uint8Array | SenseCode {
  if ((cdb[1] & 0x01) === 0) return invalidField(); // asynchronous notification is not supported
  const MEDIA_CLASS = 1 << 4;
  if ((cdb[4] & MEDIA_CLASS) === 0) {
    const b = new Uint8Array(4);
    put16(b, 0, 2);
    b[2] = 0x80; // NEA: no event of a requested class
    b[3] = MEDIA_CLASS;
    return b;
  }
  const b = new Uint8Array(8);
  put16(b, 0, 6);
  b[2] = 0x04; // notification class: media
  b[3] = MEDIA_CLASS;
  b[4] = event;
  b[5] = (m.present ? 0x02 : 0) | (m.trayOpen ? 0x01 : 0);
  return b;
}

/** MODE SENSE(10) with pages 01h (read error recovery) and 2Ah (capabilities), or 3Fh for both. */
export function modeSense10(cdb: Uint8Array, m: MediumState): Uint8Array | SenseCode {
  const control = cdb[2] >> 6;
  const page = cdb[2] & 0x3f;
  if (control === 3) return { key: SENSE_ILLEGAL_REQUEST, asc: ASC_SAVING_NOT_SUPPORTED, ascq: 0 };
  const changeable = control === 1; // a mask of changeable bits: none
  const pages: Uint8Array[] = [];
  if (page === 0x01 || page === 0x3f) {
    const p = new Uint8Array(8);
    p[0] = 0x01;
    p[1] = 6;
    if (!changeable) p[3] = 5; // read retry count
    pages.push(p);
  }
  if (page === 0x2a || page === 0x3f) {
    const p = new Uint8Array(22);
    p[0] = 0x2a;
    p[1] = 20;
    if (!changeable) {
      p[2] = 0x3b; // reads CD-R, CD-RW, DVD-ROM, DVD-R, DVD-RAM
      p[4] = 0x71; // audio play, mode 2 form 1 and 2, multisession
      p[6] = 0x29 | (m.locked ? 0x02 : 0); // tray loading, eject, lock supported, lock state
      put16(p, 8, 176 * 24); // maximum read speed (kB/s)
      put16(p, 10, 256); // volume levels
      put16(p, 12, 512); // buffer size (KiB)
      put16(p, 14, 176 * 24); // current read speed
    }
    pages.push(p);
  }
  if (pages.length === 0) return invalidField();
  const length = 8 + pages.reduce((s, p) => s + p.length, 0);
  const b = new Uint8Array(length);
  put16(b, 0, length - 2);
  b[2] = m.present ? 0x00 : 0x70; // medium type: 70h "door closed, no disc" (SFF-8020i)
  let at = 8;
  for (const p of pages) {
    b.set(p, at);
    at += p.length;
  }
  return b;
}

/** READ DISC INFORMATION, data type 000b: a finalised single-session disc. */
export function discInformation(cdb: Uint8Array): Uint8Array | SenseCode {
  if ((cdb[1] & 0x07) !== 0) return invalidField();
  const b = new Uint8Array(34);
  put16(b, 0, 32);
  b[2] = 0x0e; // last session complete, disc finalised
  b[3] = 1; // first track
  b[4] = 1; // sessions
  b[5] = 1; // first track in last session
  b[6] = 1; // last track in last session
  b[7] = 0x20; // URU: unrestricted use
  b[8] = 0x00; // disc type: CD-DA or CD-ROM
  for (let i = 16; i < 24; i++) b[i] = 0xff; // lead-in / lead-out of the last session: not given
  return b;
}

/**
 * READ TRACK INFORMATION (MMC-3) for the one data track: address type 00b (an LBA inside it),
 * 01b (track number 1, or FFh for the invisible track: none on a finalised disc) or 10b (session 1).
 */
export function trackInformation(cdb: Uint8Array, m: MediumState): Uint8Array | SenseCode {
  const type = cdb[1] & 0x03;
  const n = be32(cdb, 2);
  const ok = (type === 0 && n < m.sectors) || (type === 1 && n === 1) || (type === 2 && n === 1);
  if (!ok) return invalidField();
  const b = new Uint8Array(36);
  put16(b, 0, 34);
  b[2] = 1; // track number (LSB)
  b[3] = 1; // session number (LSB)
  b[5] = 0x04; // track mode: data, recorded uninterrupted
  b[6] = 0x01; // data mode 1
  put32(b, 8, 0); // track start address
  put32(b, 24, m.sectors); // track size
  return b;
}

/** MECHANISM STATUS header (no changer). */
export function mechanismStatus(m: MediumState): Uint8Array {
  const b = new Uint8Array(8);
  b[1] = m.trayOpen ? 0x10 : 0x00; // mechanism idle; door open bit
  return b;
}
