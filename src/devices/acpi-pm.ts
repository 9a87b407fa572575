// The ACPI fixed-hardware registers of a PIIX4-style power-management function (Intel 82371AB
// datasheet, 11.7 "Power Management I/O Space"; ACPI 6.x 4.8.3): PM1 status/enable (+0/+2),
// PM1 control (+4) and the 24-bit 3.579545 MHz PM timer (+8), plus the APM control/status
// ports (0xB2/0xB3) through which the OS asks for ACPI mode. Writing SLP_EN with the soft-off
// sleep type powers the machine off through a callback. The board maps the ports (PMBA).

import type { Clock, Timer } from '../bus/clock.js';
import type { IrqLine } from '../bus/irq.js';
import { type Device, type DeviceState, checkVersion } from '../bus/device.js';

// PM1 status/enable bits (ACPI 6.x tables 4.16/4.17).
export const PM1_TMR = 1 << 0;
export const PM1_GBL = 1 << 5;
export const PM1_PWRBTN = 1 << 8;
export const PM1_RTC = 1 << 10;
export const PM1_WAK = 1 << 15;
const PM1_EN_MASK = PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_RTC;
// PM1 control bits (table 4.18).
export const PM1_SCI_EN = 1 << 0;
const SLP_TYP_SHIFT = 10;
export const PM1_SLP_EN = 1 << 13;

/** The PM timer runs at 3.579545 MHz (ACPI 4.8.3.3). */
export const PM_TIMER_HZ = 3579545;
const NS_PER_S = 1e9;

export interface AcpiPmOptions {
  /** SLP_TYP that means soft-off (S5): 0 for QEMU/PIIX4-compatible DSDTs. */
  softOffType?: number;
  /** Values written to the SMI command port that enter/leave ACPI mode (SeaBIOS: 0xF1/0xF0). */
  acpiEnable?: number;
  acpiDisable?: number;
  /** Power on with SCI_EN set: for tables that declare no SMI command port. */
  sciEnabledAtReset?: boolean;
  onPowerOff?: () => void;
  /** Any other sleep request (S1-S4): the board decides (usually: ignore or reset). */
  onSleep?: (slpTyp: number) => void;
}

export class AcpiPm implements Device {
  readonly name = 'acpi-pm';
  private pm1Status = 0;
  private pm1Enable = 0;
  private pm1Control = 0;
  private apmControl = 0;
  private apmStatus = 0;
  private sciLevel = false;
  private readonly overflowTimer: Timer;
  readonly stats = { powerOffRequests: 0, sleepRequests: 0 };

  constructor(
    private readonly clock: Clock,
    private readonly sci: IrqLine,
    private readonly options: AcpiPmOptions = {},
  ) {
    this.overflowTimer = clock.createTimer('acpi-pm-timer', () => this.timerOverflow());
    this.reset();
  }

  // ---- registers (offsets from PMBA) ----

  read16(offset: number): number {
    switch (offset) {
      case 0x00:
        return this.pm1Status;
      case 0x02:
        return this.pm1Enable;
      case 0x04:
        return this.pm1Control;
      case 0x08:
        return this.timerValue() & 0xffff;
      case 0x0a:
        return this.timerValue() >>> 16;
      default:
        return 0;
    }
  }

  write16(offset: number, value: number): void {
    switch (offset) {
      case 0x00:
        // Write-one-to-clear (ACPI 4.8.3.1.1); the timer status tracks the live counter bit 23.
        this.pm1Status &= ~value;
        this.updateSci();
        break;
      case 0x02:
        this.pm1Enable = value & PM1_EN_MASK;
        this.armOverflow();
        this.updateSci();
        break;
      case 0x04:
        this.writeControl(value);
        break;
    }
  }

  read32(offset: number): number {
    if (offset === 0x08) return this.timerValue();
    return (this.read16(offset) | (this.read16(offset + 2) << 16)) >>> 0;
  }

  write32(offset: number, value: number): void {
    if (offset === 0x08) return; // the timer is read-only
    this.write16(offset, value & 0xffff);
    this.write16(offset + 2, value >>> 16);
  }

  read8(offset: number): number {
    const word = offset >= 0x08 && offset < 0x0c ? this.read32(0x08) >>> ((offset - 8) * 8) : this.read16(offset & ~1) >>> ((offset & 1) * 8);
    return word & 0xff;
  }

  write8(offset: number, value: number): void {
    if (offset >= 0x08 && offset < 0x0c) return;
    const base = offset & ~1;
    if (base === 0x00) {
      this.write16(0, (value & 0xff) << ((offset & 1) * 8));
      return;
    }
    const old = this.read16(base);
    const shift = (offset & 1) * 8;
    this.write16(base, (old & ~(0xff << shift)) | ((value & 0xff) << shift));
  }

  /** APM control port (0xB2): the FADT's SMI_CMD; ACPI enable/disable values flip SCI_EN. */
  apmControlWrite(value: number): void {
    this.apmControl = value & 0xff;
    if (value === (this.options.acpiEnable ?? 0xf1)) this.pm1Control |= PM1_SCI_EN;
    else if (value === (this.options.acpiDisable ?? 0xf0)) this.pm1Control &= ~PM1_SCI_EN;
    this.updateSci();
  }

  apmControlRead(): number {
    return this.apmControl;
  }

  /** APM status port (0xB3): a scratch byte for the BIOS. */
  apmStatusWrite(value: number): void {
    this.apmStatus = value & 0xff;
  }

  apmStatusRead(): number {
    return this.apmStatus;
  }

  // ---- events from the board ----

  /** A press of the (fixed-feature) power button: PWRBTN_STS, and an SCI if enabled. */
  pressPowerButton(): void {
    this.pm1Status |= PM1_PWRBTN;
    this.updateSci();
  }

  /** The RTC alarm (wired to RTC_STS). */
  rtcAlarm(): void {
    this.pm1Status |= PM1_RTC;
    this.updateSci();
  }

  // ---- internals ----

  private writeControl(value: number): void {
    // SLP_EN is write-only and reads 0 (ACPI 4.8.3.2.1).
    this.pm1Control = value & ~PM1_SLP_EN & 0xffff;
    if (value & PM1_SLP_EN) {
      const type = (value >> SLP_TYP_SHIFT) & 7;
      if (type === (this.options.softOffType ?? 0)) {
        this.stats.powerOffRequests++;
        this.options.onPowerOff?.();
      } else {
        this.stats.sleepRequests++;
        this.options.onSleep?.(type);
      }
    }
    this.updateSci();
  }

  /** 24-bit count of 3.579545 MHz ticks since power-on. */
  private timerValue(): number {
    return this.ticks() % 0x1000000;
  }

  /** Ticks since power-on, exact in doubles: whole seconds and the sub-second part apart. */
  private ticks(): number {
    const ns = Math.floor(this.clock.now());
    const s = Math.floor(ns / NS_PER_S);
    return s * PM_TIMER_HZ + Math.floor(((ns - s * NS_PER_S) * PM_TIMER_HZ) / NS_PER_S);
  }

  /** TMR_STS is set each time bit 23 of the counter changes (ACPI 4.8.3.3). */
  private armOverflow(): void {
    this.overflowTimer.cancel();
    if (!(this.pm1Enable & PM1_TMR)) return;
    const ticks = this.ticks();
    const next = (Math.floor(ticks / 0x800000) + 1) * 0x800000;
    this.overflowTimer.armAt(Math.ceil((next * NS_PER_S) / PM_TIMER_HZ));
  }

  private timerOverflow(): void {
    this.pm1Status |= PM1_TMR;
    this.updateSci();
    this.armOverflow();
  }

  private updateSci(force = false): void {
    const level = (this.pm1Control & PM1_SCI_EN) !== 0 && (this.pm1Status & this.pm1Enable & PM1_EN_MASK) !== 0;
    if (force || level !== this.sciLevel) {
      this.sciLevel = level;
      this.sci.set(level);
    }
  }

  reset(): void {
    this.pm1Status = 0;
    this.pm1Enable = 0;
    this.pm1Control = this.options.sciEnabledAtReset ? PM1_SCI_EN : 0;
    this.apmControl = 0;
    this.apmStatus = 0;
    this.overflowTimer.cancel();
    this.updateSci(true);
  }

  saveState(): DeviceState {
    return {
      version: 1,
      pm1Status: this.pm1Status,
      pm1Enable: this.pm1Enable,
      pm1Control: this.pm1Control,
      apmControl: this.apmControl,
      apmStatus: this.apmStatus,
    };
  }

  loadState(state: DeviceState): void {
    checkVersion(this.name, state, 1);
    this.pm1Status = state.pm1Status as number;
    this.pm1Enable = state.pm1Enable as number;
    this.pm1Control = state.pm1Control as number;
    this.apmControl = state.apmControl as number;
    this.apmStatus = state.apmStatus as number;
    this.armOverflow();
    this.updateSci(true); // restoring re-drives the SCI line from the registers
  }
}
