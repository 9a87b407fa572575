// Motorola MC146818A real-time clock with its 114 bytes of battery-backed RAM, as the PC/AT uses it
// (index port 0x70 with the NMI mask in bit 7, data port 0x71: the board maps them).
// Time is never ticked: the calendar is a number of seconds valid at a virtual instant, and every
// register read derives the current value from Clock.now(). Timers only mark the instants an
// interrupt flag can rise (once-per-second update, periodic rate).

import type { IrqLine } from '../bus/irq.js';
import type { Clock, Timer } from '../bus/clock.js';
import { checkVersion, type Device, type DeviceState } from '../bus/device.js';

// Register map (MC146818A datasheet, "Address Map").
export const RTC_SECONDS = 0x00;
export const RTC_SECONDS_ALARM = 0x01;
export const RTC_MINUTES = 0x02;
export const RTC_MINUTES_ALARM = 0x03;
export const RTC_HOURS = 0x04;
export const RTC_HOURS_ALARM = 0x05;
export const RTC_DAY_OF_WEEK = 0x06;
export const RTC_DAY_OF_MONTH = 0x07;
export const RTC_MONTH = 0x08;
export const RTC_YEAR = 0x09;
export const RTC_REG_A = 0x0a;
export const RTC_REG_B = 0x0b;
export const RTC_REG_C = 0x0c;
export const RTC_REG_D = 0x0d;
/** PC/AT convention (IBM AT technical reference): century byte, kept with the calendar. */
export const RTC_CENTURY = 0x32;

// Register A.
export const REG_A_UIP = 0x80;
export const REG_A_DV_MASK = 0x70;
export const REG_A_RS_MASK = 0x0f;
/** DV2-0 = 010: 32.768 kHz time base, the only one a PC crystal makes meaningful. */
const DV_32768 = 0x20;
// Register B.
export const REG_B_SET = 0x80;
export const REG_B_PIE = 0x40;
export const REG_B_AIE = 0x20;
export const REG_B_UIE = 0x10;
export const REG_B_SQWE = 0x08;
export const REG_B_DM = 0x04;
export const REG_B_24H = 0x02;
export const REG_B_DSE = 0x01;
// Register C.
export const REG_C_IRQF = 0x80;
export const REG_C_PF = 0x40;
export const REG_C_AF = 0x20;
export const REG_C_UF = 0x10;
// Register D.
export const REG_D_VRT = 0x80;

const NS_PER_SEC = 1e9;
/** One period of the 32.768 kHz time base, in ns (exact in binary floating point). */
const TICK_NS = NS_PER_SEC / 32768;
/** UIP rises 244 µs (8 time-base periods) before each update (datasheet "Update Cycle", tBUC). */
export const UIP_WINDOW_NS = 8 * TICK_NS;
/** Datasheet "Divider Control": the first update comes 500 ms after DV leaves reset. */
const FIRST_UPDATE_DELAY_NS = 500_000_000;
const SECONDS_PER_DAY = 86400;
/** 2000-01-01T00:00:00Z: the fixed default so that runs without an explicit time reproduce. */
const DEFAULT_EPOCH_MS = 946_684_800_000;

/**
 * Periodic interrupt period in 32.768 kHz time-base periods for RS3-0 (datasheet "Periodic Interrupt Rate and Square-Wave Output Frequency" table):
 * RS=1,2 give 256 Hz and 128 Hz; RS=3..15 give 8192 Hz down to 2 Hz; RS=0 is off.
 */
export function periodicTicks(rs: number): number {
  if (rs === 0) return 0;
  if (rs <= 2) return 1 << (rs + 6);
  return 1 << (rs - 1);
}

export interface CmosRtcOptions {
  clock: Clock;
  /** IRQ8 on a PC. Asserted while register C's IRQF is set. */
  irq: IrqLine;
  /** Time shown at construction: a Date or epoch milliseconds, read as UTC fields. */
  initialTime?: Date | number;
  /** Unique per machine: it names this device's clock timers in snapshots. */
  name?: string;
}

export class CmosRtc implements Device {
  readonly name: string;
  /** The 128 bytes: clock registers 0x00-0x0D and general-purpose RAM 0x0E-0x7F. */
  private readonly cmos = new Uint8Array(128);
  private index = 0;
  /** Bit 7 of the last index write (port 0x70): 1 masks NMI on the PC. */
  nmiMasked = false;

  // Calendar model: `calSec` seconds (days*86400 + time of day, proleptic Gregorian) were shown
  // at instant `calNs`; every divider boundary after it adds one second while updates run.
  private calSec = 0;
  private calNs = 0;
  /** Divider origin: update boundaries fall at phaseNs + k·1 s, periodic ticks divide that. */
  private phaseNs = 0;
  /** Update boundaries and periodic ticks up to these instants are already reflected in reg C. */
  private updSyncNs = 0;
  private pfSyncNs = 0;

  private readonly clock: Clock;
  private readonly irq: IrqLine;
  private readonly updateTimer: Timer;
  private readonly periodicTimer: Timer;

  constructor(opts: CmosRtcOptions) {
    this.name = opts.name ?? 'rtc';
    this.clock = opts.clock;
    this.irq = opts.irq;
    this.updateTimer = this.clock.createTimer(`${this.name}.update`, (at) => this.onTimer(at));
    this.periodicTimer = this.clock.createTimer(`${this.name}.periodic`, (at) => this.onTimer(at));
    // Power-on values a PC BIOS programs (and QEMU starts with): 32.768 kHz divider, 1024 Hz
    // periodic rate, BCD, 24-hour mode; VRT set because the battery is good.
    this.cmos[RTC_REG_A] = DV_32768 | 0x06;
    this.cmos[RTC_REG_B] = REG_B_24H;
    this.cmos[RTC_REG_D] = REG_D_VRT;
    const now = this.clock.now();
    this.phaseNs = now;
    this.updSyncNs = now;
    this.pfSyncNs = now;
    this.setTime(opts.initialTime ?? DEFAULT_EPOCH_MS);
    this.rearm(now);
  }

  // ---- port interface (the board maps writeIndex to 0x70 and data to 0x71) ----

  /** Port 0x70: bits 6-0 select the register, bit 7 masks NMI (PC/AT). */
  writeIndex(v: number): void {
    this.index = v & 0x7f;
    this.nmiMasked = (v & 0x80) !== 0;
  }

  /** The selected register number (port 0x70 is write-only on the AT; kept for debuggers). */
  get selectedIndex(): number {
    return this.index;
  }

  readData(): number {
    const idx = this.index;
    const now = this.clock.now();
    switch (idx) {
      case RTC_REG_A:
        return (this.cmos[RTC_REG_A] & 0x7f) | (this.updateInProgress(now) ? REG_A_UIP : 0);
      case RTC_REG_C: {
        // Datasheet "Register C": all flags clear when read, releasing IRQ.
        this.sync(now);
        const v = this.cmos[RTC_REG_C];
        this.cmos[RTC_REG_C] = 0;
        this.irq.lower();
        return v;
      }
      case RTC_REG_D:
        return REG_D_VRT;
      default:
        if (isCalendarRegister(idx) && this.running()) this.formatCalendar(this.secondsAt(now));
        return this.cmos[idx];
    }
  }

  writeData(v: number): void {
    v &= 0xff;
    const idx = this.index;
    const now = this.clock.now();
    switch (idx) {
      case RTC_REG_A:
        this.writeRegA(v, now);
        return;
      case RTC_REG_B:
        this.writeRegB(v, now);
        return;
      case RTC_REG_C:
      case RTC_REG_D:
        return; // read-only (datasheet "Register C", "Register D")
      default:
        if (isCalendarRegister(idx) && this.running()) {
          // A write while the clock runs sets the time at once; the divider phase is kept.
          this.sync(now);
          this.formatCalendar(this.secondsAt(now));
          this.cmos[idx] = v;
          this.calSec = this.parseCalendar();
          this.calNs = now;
        } else {
          this.cmos[idx] = v;
        }
    }
  }

  // ---- board / firmware-side helpers ----

  /** Sets the clock (a Date or epoch ms, read as UTC calendar fields) at the current instant. */
  setTime(t: Date | number): void {
    const ms = typeof t === 'number' ? t : t.getTime();
    const now = this.clock.now();
    this.sync(now);
    this.calSec = Math.floor(ms / 1000);
    this.calNs = now;
    this.formatCalendar(this.calSec);
  }

  /** The calendar now, as epoch ms (UTC fields), e.g. for a host-side status display. */
  currentTimeMs(): number {
    return this.secondsAt(this.clock.now()) * 1000;
  }

  /** Raw CMOS byte (no side effects); for firmware setup and inspection, not for guests. */
  getByte(offset: number): number {
    return this.cmos[offset & 0x7f];
  }

  /** Raw CMOS write of a RAM byte (0x0E-0x7F); clock registers go through writeData. */
  setByte(offset: number, v: number): void {
    offset &= 0x7f;
    if (offset < 0x0e || offset === RTC_CENTURY) throw new RangeError(`cmos: 0x${offset.toString(16)} is a clock register`);
    this.cmos[offset] = v & 0xff;
  }

  get irqAsserted(): boolean {
    return (this.cmos[RTC_REG_C] & REG_C_IRQF) !== 0;
  }

  // ---- Device ----

  /**
   * The RESET pin (datasheet "RESET"): clears PIE, AIE, UIE, SQWE and all of register C and
   * releases IRQ. Time, register A, the data mode and the RAM are battery-backed and survive.
   */
  reset(): void {
    const now = this.clock.now();
    this.sync(now);
    this.cmos[RTC_REG_B] &= ~(REG_B_PIE | REG_B_AIE | REG_B_UIE | REG_B_SQWE);
    this.cmos[RTC_REG_C] = 0;
    this.irq.lower();
    this.index = 0;
    this.nmiMasked = false;
    this.rearm(now);
  }

  saveState(): DeviceState {
    return {
      version: 1,
      cmos: this.cmos.slice(),
      index: this.index,
      nmiMasked: this.nmiMasked,
      calSec: this.calSec,
      calNs: this.calNs,
      phaseNs: this.phaseNs,
      updSyncNs: this.updSyncNs,
      pfSyncNs: this.pfSyncNs,
      updateDeadline: deadlineOf(this.updateTimer),
      periodicDeadline: deadlineOf(this.periodicTimer),
    };
  }

  loadState(s: DeviceState): void {
    checkVersion(this.name, s, 1);
    this.cmos.set(s.cmos as Uint8Array);
    this.index = (s.index as number) & 0x7f;
    this.nmiMasked = s.nmiMasked as boolean;
    this.calSec = s.calSec as number;
    this.calNs = s.calNs as number;
    this.phaseNs = s.phaseNs as number;
    this.updSyncNs = s.updSyncNs as number;
    this.pfSyncNs = s.pfSyncNs as number;
    restoreDeadline(this.updateTimer, s.updateDeadline as number);
    restoreDeadline(this.periodicTimer, s.periodicDeadline as number);
    this.irq.set(this.irqAsserted);
  }

  // ---- internals ----

  private dividerRunning(): boolean {
    return (this.cmos[RTC_REG_A] & REG_A_DV_MASK) === DV_32768;
  }

  /** Updates happen once a second while the divider runs and SET is clear (datasheet "SET"). */
  private running(): boolean {
    return this.dividerRunning() && (this.cmos[RTC_REG_B] & REG_B_SET) === 0;
  }

  private boundariesUpTo(t: number): number {
    return Math.floor((t - this.phaseNs) / NS_PER_SEC);
  }

  private secondsAt(t: number): number {
    if (!this.running()) return this.calSec;
    return this.calSec + Math.max(0, this.boundariesUpTo(t) - this.boundariesUpTo(this.calNs));
  }

  private updateInProgress(t: number): boolean {
    if (!this.running()) return false;
    const inSecond = (((t - this.phaseNs) % NS_PER_SEC) + NS_PER_SEC) % NS_PER_SEC;
    return inSecond >= NS_PER_SEC - UIP_WINDOW_NS;
  }

  private periodNs(): number {
    return periodicTicks(this.cmos[RTC_REG_A] & REG_A_RS_MASK) * TICK_NS;
  }

  /**
   * Brings register C up to instant t: UF (and AF on a matching time) for each update boundary
   * passed, PF for each periodic tick passed. The flags rise whatever the enables (datasheet
   * "Register C"); IRQF follows PF·PIE + AF·AIE + UF·UIE.
   */
  private sync(t: number): void {
    if (t > this.updSyncNs) {
      if (this.running()) {
        const from = this.boundariesUpTo(this.updSyncNs);
        const to = this.boundariesUpTo(t);
        if (to > from) {
          this.cmos[RTC_REG_C] |= REG_C_UF;
          // Any time of day recurs within a day, so the last day of boundaries decides AF.
          const base = this.secondsAt(t) - (to - from);
          for (let k = Math.max(1, to - from - SECONDS_PER_DAY + 1); k <= to - from; k++) {
            if (this.alarmMatches(base + k)) {
              this.cmos[RTC_REG_C] |= REG_C_AF;
              break;
            }
          }
        }
      }
      this.updSyncNs = t;
    }
    if (t > this.pfSyncNs) {
      const period = this.periodNs();
      if (this.dividerRunning() && period > 0) {
        const from = Math.floor((this.pfSyncNs - this.phaseNs) / period);
        const to = Math.floor((t - this.phaseNs) / period);
        if (to > from) this.cmos[RTC_REG_C] |= REG_C_PF;
      }
      this.pfSyncNs = t;
    }
    this.updateIrq();
  }

  private updateIrq(): void {
    const c = this.cmos[RTC_REG_C];
    const active = (c & this.cmos[RTC_REG_B] & (REG_C_PF | REG_C_AF | REG_C_UF)) !== 0;
    this.cmos[RTC_REG_C] = active ? c | REG_C_IRQF : c & ~REG_C_IRQF;
    this.irq.set(active);
  }

  private onTimer(at: number): void {
    this.sync(at);
    this.rearm(at);
  }

  /** Arms the update timer while the clock runs and the periodic timer while PIE is set. */
  private rearm(t: number): void {
    if (this.running()) {
      this.updateTimer.armAt(this.phaseNs + (this.boundariesUpTo(Math.max(t, this.updSyncNs)) + 1) * NS_PER_SEC);
    } else {
      this.updateTimer.cancel();
    }
    const period = this.periodNs();
    if (this.dividerRunning() && period > 0 && (this.cmos[RTC_REG_B] & REG_B_PIE) !== 0) {
      const k = Math.floor((Math.max(t, this.pfSyncNs) - this.phaseNs) / period) + 1;
      this.periodicTimer.armAt(Math.ceil(this.phaseNs + k * period));
    } else {
      this.periodicTimer.cancel();
    }
  }

  private writeRegA(v: number, now: number): void {
    this.sync(now);
    const wasRunning = this.running();
    const wasDivider = this.dividerRunning();
    const sec = this.secondsAt(now);
    this.cmos[RTC_REG_A] = v & 0x7f; // UIP is read-only
    if (wasRunning && !this.running()) {
      this.calSec = sec;
      this.calNs = now;
      this.formatCalendar(sec);
    }
    if (!wasDivider && this.dividerRunning()) {
      // Leaving divider reset: the chain restarts and the first update is 500 ms away.
      this.phaseNs = now + FIRST_UPDATE_DELAY_NS - NS_PER_SEC;
      this.pfSyncNs = now;
      this.updSyncNs = now;
      if (this.running()) {
        this.calSec = this.parseCalendar();
        this.calNs = now;
      }
    }
    this.rearm(now);
  }

  private writeRegB(v: number, now: number): void {
    this.sync(now);
    const wasRunning = this.running();
    const sec = this.secondsAt(now);
    // Datasheet "UIE": cleared when SET is written to one.
    if (v & REG_B_SET) v &= ~REG_B_UIE;
    this.cmos[RTC_REG_B] = v;
    if (wasRunning && !this.running()) {
      this.calSec = sec;
      this.calNs = now;
      this.formatCalendar(sec);
    } else if (!wasRunning && this.running()) {
      // Leaving SET: the registers the program wrote become the time (datasheet "SET").
      this.calSec = this.parseCalendar();
      this.calNs = now;
      this.updSyncNs = now;
    }
    this.updateIrq();
    this.rearm(now);
  }

  private binary(): boolean {
    return (this.cmos[RTC_REG_B] & REG_B_DM) !== 0;
  }

  private enc(x: number): number {
    return this.binary() ? x & 0xff : (((Math.floor(x / 10) % 10) << 4) | x % 10) & 0xff;
  }

  private dec(x: number): number {
    return this.binary() ? x : (x >> 4) * 10 + (x & 0x0f);
  }

  /** Hours register encoding; 12-hour mode puts PM in bit 7 (datasheet "Time, Calendar and Alarm Data Modes" table). */
  private encHours(h: number): number {
    if (this.cmos[RTC_REG_B] & REG_B_24H) return this.enc(h);
    return this.enc(h % 12 === 0 ? 12 : h % 12) | (h >= 12 ? 0x80 : 0);
  }

  private formatCalendar(s: number): void {
    const days = Math.floor(s / SECONDS_PER_DAY);
    const tod = s - days * SECONDS_PER_DAY;
    const { y, m, d } = civilFromDays(days);
    const c = this.cmos;
    c[RTC_SECONDS] = this.enc(tod % 60);
    c[RTC_MINUTES] = this.enc(Math.floor(tod / 60) % 60);
    c[RTC_HOURS] = this.encHours(Math.floor(tod / 3600));
    c[RTC_DAY_OF_WEEK] = this.enc((((days + 4) % 7) + 7) % 7 + 1); // 1970-01-01 was a Thursday; Sunday = 1
    c[RTC_DAY_OF_MONTH] = this.enc(d);
    c[RTC_MONTH] = this.enc(m);
    c[RTC_YEAR] = this.enc(((y % 100) + 100) % 100);
    c[RTC_CENTURY] = this.enc(Math.floor(y / 100));
  }

  private parseCalendar(): number {
    const c = this.cmos;
    const sec = this.dec(c[RTC_SECONDS]);
    const min = this.dec(c[RTC_MINUTES]);
    let hour: number;
    if (c[RTC_REG_B] & REG_B_24H) hour = this.dec(c[RTC_HOURS]);
    else hour = (this.dec(c[RTC_HOURS] & 0x7f) % 12) + (c[RTC_HOURS] & 0x80 ? 12 : 0);
    const year = this.dec(c[RTC_CENTURY]) * 100 + this.dec(c[RTC_YEAR]);
    const month0 = this.dec(c[RTC_MONTH]) - 1;
    const y = year + Math.floor(month0 / 12);
    const m = (((month0 % 12) + 12) % 12) + 1;
    const days = daysFromCivil(y, m, 1) + this.dec(c[RTC_DAY_OF_MONTH]) - 1;
    return days * SECONDS_PER_DAY + hour * 3600 + min * 60 + sec;
  }

  /** Datasheet "Alarm": each alarm byte matches its time byte, or anything when 0xC0-0xFF. */
  private alarmMatches(s: number): boolean {
    const tod = ((s % SECONDS_PER_DAY) + SECONDS_PER_DAY) % SECONDS_PER_DAY;
    const c = this.cmos;
    const hit = (alarm: number, value: number) => (alarm & 0xc0) === 0xc0 || alarm === value;
    return (
      hit(c[RTC_SECONDS_ALARM], this.enc(tod % 60)) &&
      hit(c[RTC_MINUTES_ALARM], this.enc(Math.floor(tod / 60) % 60)) &&
      hit(c[RTC_HOURS_ALARM], this.encHours(Math.floor(tod / 3600)))
    );
  }
}

function isCalendarRegister(idx: number): boolean {
  return (idx <= RTC_YEAR && idx !== RTC_SECONDS_ALARM && idx !== RTC_MINUTES_ALARM && idx !== RTC_HOURS_ALARM) || idx === RTC_CENTURY;
}

function deadlineOf(t: Timer): number {
  return t.armed ? t.deadline : -1;
}

function restoreDeadline(t: Timer, d: number): void {
  if (d >= 0) t.armAt(d);
  else t.cancel();
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Inverse of daysFromCivil. */
export function civilFromDays(z: number): { y: number; m: number; d: number } {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

// ---- CMOS contents a PC BIOS expects (IBM AT layout as QEMU's pc_cmos_init fills it and
// SeaBIOS reads it: src/fw/paravirt.c qemu_preinit, src/boot.c, src/hw/ata.c) ----

export type FloppyType = 'none' | '360K' | '1.2M' | '720K' | '1.44M' | '2.88M';
const FLOPPY_CODES: Record<FloppyType, number> = { none: 0, '360K': 1, '1.2M': 2, '720K': 3, '1.44M': 4, '2.88M': 5 };

export interface DiskGeometry {
  cylinders: number;
  heads: number;
  sectors: number;
  /** BIOS CHS translation recorded at 0x39 (SeaBIOS CMOS_BIOS_DISKTRANSFLAG). Default 'lba'. */
  translation?: 'none' | 'lba' | 'large' | 'rechs';
}

export interface BiosCmosConfig {
  /** Bytes of RAM below 4 GiB (including the first MiB). */
  ramBelow4G: number;
  /** Bytes of RAM relocated above 4 GiB. */
  ramAbove4G?: number;
  /** Drive A: and B: (default none). */
  floppies?: FloppyType[];
  /** ATA disks by position: primary master, primary slave, secondary master, secondary slave. */
  disks?: (DiskGeometry | null)[];
  /** Up to three of a/b (floppy), c (disk), d (CD-ROM), n (network), as QEMU's -boot order. */
  bootOrder?: string;
  /** SeaBIOS checks the floppy boot signature unless this is false (0x38 bit 0). */
  floppySignatureCheck?: boolean;
  fpu?: boolean;
  ps2Mouse?: boolean;
  cpus?: number;
}

export class CmosConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CmosConfigError';
  }
}

const BOOT_NIBBLES: Record<string, number> = { a: 1, b: 1, c: 2, d: 3, n: 4 };
const TRANSLATION_CODES = { none: 0, lba: 1, large: 2, rechs: 3 } as const;

/** CMOS offsets and values for `cfg`, checksum included. Throws CmosConfigError on bad input. */
export function biosCmosBytes(cfg: BiosCmosConfig): Map<number, number> {
  const out = new Map<number, number>();
  const put16 = (lo: number, v: number) => {
    out.set(lo, v & 0xff);
    out.set(lo + 1, (v >> 8) & 0xff);
  };
  const below = cfg.ramBelow4G;
  const above = cfg.ramAbove4G ?? 0;
  if (!(below >= 0) || !(above >= 0)) throw new CmosConfigError('cmos: memory sizes must be non-negative numbers of bytes');
  const KiB = 1024;
  const MiB = 1024 * KiB;
  // 0x15/0x16 base memory in KiB; 0x17/0x18 and 0x30/0x31 KiB above 1 MiB (capped at 0xFFFF);
  // 0x34/0x35 64 KiB blocks above 16 MiB; 0x5B-0x5D 64 KiB blocks above 4 GiB.
  put16(0x15, Math.min(Math.floor(below / KiB), 640));
  const ext = Math.min(below > MiB ? Math.floor((below - MiB) / KiB) : 0, 0xffff);
  put16(0x17, ext);
  put16(0x30, ext);
  put16(0x34, Math.min(below > 16 * MiB ? Math.floor((below - 16 * MiB) / (64 * KiB)) : 0, 0xffff));
  const high = Math.floor(above / (64 * KiB));
  if (high > 0xffffff) throw new CmosConfigError('cmos: memory above 4 GiB exceeds the 24-bit CMOS field (1 TiB)');
  out.set(0x5b, high & 0xff);
  out.set(0x5c, (high >> 8) & 0xff);
  out.set(0x5d, (high >> 16) & 0xff);

  const floppies = cfg.floppies ?? [];
  if (floppies.length > 2) throw new CmosConfigError('cmos: at most two floppy drives (A: and B:)');
  const codes = floppies.map((f) => {
    const c = FLOPPY_CODES[f];
    if (c === undefined) throw new CmosConfigError(`cmos: unknown floppy type '${f}' (use ${Object.keys(FLOPPY_CODES).join(', ')})`);
    return c;
  });
  out.set(0x10, ((codes[0] ?? 0) << 4) | (codes[1] ?? 0));
  const nFloppies = codes.filter((c) => c !== 0).length;
  // Equipment byte (IBM AT): bit 0 floppy present, bits 7-6 drives-1, bit 1 FPU, bit 2 PS/2 mouse
  // (QEMU), bits 5-4 = 00 primary display EGA/VGA.
  let equip = 0;
  if (nFloppies > 0) equip |= 0x01 | ((nFloppies - 1) << 6);
  if (cfg.fpu ?? true) equip |= 0x02;
  if (cfg.ps2Mouse ?? true) equip |= 0x04;
  out.set(0x14, equip);

  const disks = cfg.disks ?? [];
  if (disks.length > 4) throw new CmosConfigError('cmos: at most four ATA disks');
  // 0x12: high nibble disk 0, low nibble disk 1; 0xF means "extended type at 0x19/0x1A", where
  // type 47 is user-defined with its geometry at 0x1B (disk 0) / 0x24 (disk 1).
  let types = 0;
  let trans = 0;
  disks.forEach((g, i) => {
    if (!g) return;
    if (!(g.cylinders >= 1 && g.cylinders <= 65535 && g.heads >= 1 && g.heads <= 255 && g.sectors >= 1 && g.sectors <= 255)) {
      throw new CmosConfigError(`cmos: disk ${i} geometry ${g.cylinders}/${g.heads}/${g.sectors} is out of range`);
    }
    const t = TRANSLATION_CODES[g.translation ?? 'lba'];
    if (t === undefined) throw new CmosConfigError(`cmos: disk ${i} translation '${String(g.translation)}' is unknown`);
    trans |= t << (i * 2);
    if (i > 1) return;
    types |= i === 0 ? 0xf0 : 0x0f;
    out.set(0x19 + i, 47);
    const base = i === 0 ? 0x1b : 0x24;
    put16(base, g.cylinders);
    out.set(base + 2, g.heads);
    put16(base + 3, 0xffff); // write precompensation: none
    out.set(base + 5, 0xc0 | (g.heads > 8 ? 0x08 : 0));
    put16(base + 6, g.cylinders); // landing zone
    out.set(base + 8, g.sectors);
  });
  out.set(0x12, types);
  out.set(0x39, trans);

  // Boot order (QEMU set_boot_dev, SeaBIOS boot.c): first two devices in 0x3D, third in 0x38
  // bits 7-4, 0x38 bit 0 set to skip the floppy boot-signature check.
  const order = (cfg.bootOrder ?? 'cd').toLowerCase();
  if (order.length > 3) throw new CmosConfigError(`cmos: boot order '${order}' names more than three devices`);
  const nib = [...order].map((ch) => {
    const n = BOOT_NIBBLES[ch];
    if (n === undefined) throw new CmosConfigError(`cmos: boot device '${ch}' is not one of a, b, c, d, n`);
    return n;
  });
  out.set(0x3d, ((nib[1] ?? 0) << 4) | (nib[0] ?? 0));
  out.set(0x38, ((nib[2] ?? 0) << 4) | (cfg.floppySignatureCheck ?? true ? 0 : 1));

  const cpus = cfg.cpus ?? 1;
  if (!(Number.isInteger(cpus) && cpus >= 1 && cpus <= 256)) throw new CmosConfigError(`cmos: cpu count ${cpus} is not 1..256`);
  out.set(0x5f, cpus - 1); // SeaBIOS CMOS_BIOS_SMP_COUNT

  // IBM AT checksum: 16-bit sum of 0x10-0x2D, big-endian at 0x2E (high) / 0x2F (low).
  let sum = 0;
  for (let i = 0x10; i <= 0x2d; i++) sum += out.get(i) ?? 0;
  out.set(0x2e, (sum >> 8) & 0xff);
  out.set(0x2f, sum & 0xff);
  return out;
}

/** Writes the BIOS fields of `cfg` into the RTC's CMOS RAM (0x10-0x2D cleared first). */
export function fillBiosCmos(rtc: CmosRtc, cfg: BiosCmosConfig): void {
  const bytes = biosCmosBytes(cfg);
  for (let i = 0x10; i <= 0x2d; i++) rtc.setByte(i, 0);
  for (const [off, v] of bytes) rtc.setByte(off, v);
}

/** The IBM AT checksum over 0x10-0x2D, as a BIOS verifies it. */
export function cmosChecksum(read: (offset: number) => number): number {
  let sum = 0;
  for (let i = 0x10; i <= 0x2d; i++) sum += read(i);
  return sum & 0xffff;
}
