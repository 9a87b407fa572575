// Intel 8254/82C54 programmable interval timer: three counters clocked at 1.193182 MHz, plus
// the PC/AT "port B" bits the board exposes at port 61h (gate 2, speaker, OUT2, refresh).
// Section names cite the Intel 82C54 datasheet (231244). Counters are not ticked: their
// state is a function of the virtual time (elapsed PIT clock pulses); a Clock timer is armed
// only for the next rising edge of OUT0, which drives IRQ0.

import type { Clock, Timer } from '../bus/clock.js';
import type { IrqLine } from '../bus/irq.js';
import { checkVersion, type Device, type DeviceState } from '../bus/device.js';

/** The PC's PIT input clock in Hz (14.31818 MHz / 12). */
export const PIT_HZ = 1_193_182;
const NS_PER_S = 1_000_000_000;

/** Number of PIT clock pulses that have occurred at virtual time `ns` (exact integer math). */
export function pitTicksAt(ns: number): number {
  const s = Math.floor(ns / NS_PER_S);
  return s * PIT_HZ + Math.floor(((ns - s * NS_PER_S) * PIT_HZ) / NS_PER_S);
}

/** The earliest virtual time (ns) at which pulse `tick` has occurred. */
export function nsAtPitTick(tick: number): number {
  const s = Math.floor(tick / PIT_HZ);
  return s * NS_PER_S + Math.ceil(((tick - s * PIT_HZ) * NS_PER_S) / PIT_HZ);
}

/** Port 61h bit 4 toggles with each DRAM refresh request: every 18 PIT clocks (15.085 µs). */
const REFRESH_TICKS = 18;
const STATE_VERSION = 1;

const NEVER = Infinity;
const half = (n: number): number => (n + 1) >> 1;

/** Mode 3 CE contents d pulses into a segment ("Mode 3", odd counts: -1, then -2; -3 after reload). */
function mode3Value(n: number, d: number, startLow: boolean): number {
  const h = half(n);
  const q = (d + (startLow ? h : 0)) % n;
  const odd = n & 1;
  if (q < h) return q === 0 ? n : n - 2 * q + odd;
  const j = q - h;
  return j === 0 ? n : n - 2 * j - odd;
}

/** First rising edge of OUT strictly after pulse t for a segment loaded with n at `start`. */
function riseAfter(mode: number, start: number, n: number, startLow: boolean, tcDone: boolean, t: number): number {
  if (start === NEVER) return NEVER;
  const d0 = Math.max(t - start, 0);
  let r: number;
  switch (mode) {
    case 0:
    case 1:
      r = tcDone ? NEVER : n;
      break;
    case 4:
    case 5:
      r = tcDone ? NEVER : n + 1;
      break;
    case 2:
      r = n < 2 ? NEVER : (Math.floor(d0 / n) + 1) * n;
      break;
    default: {
      if (n < 2) return NEVER;
      const off = startLow ? half(n) : 0;
      r = (Math.floor((d0 + off) / n) + 1) * n - off;
    }
  }
  return start + r > t ? start + r : NEVER;
}

export type PitCounterState = Record<string, number | boolean | null>;

/**
 * One counter ("Functional Description"): control bits, count register (CR), output latch
 * (OL), status latch and counting element (CE). Times are absolute PIT clock pulse numbers.
 * The CE holds `frozen` (OUT `frozenOut`) before pulse `segStart`; from `segStart` on it counts
 * down from `segN` following its mode. Modes 2/3 may have a new count waiting (`switchAt`).
 */
class PitCounter {
  modeBits = 0; // M2-M0 as written (read back in the status byte)
  mode = 0; // effective mode 0-5 (6 and 7 are modes 2 and 3)
  rw = 3; // RW1-RW0: 1 LSB only, 2 MSB only, 3 LSB then MSB
  bcd = false;
  gate = true;
  cr = 0x10000; // last complete count, 1..modulus (a written 0 is the maximum)
  crValid = false; // a complete count has been written since the control word
  writeMsbNext = false; // write flip-flop
  crLow = 0;
  readMsbNext = false; // read flip-flop
  latchState = 0; // Counter Latch: 0 none, 1 whole value (or LSB) next, 2 MSB next
  latchValue = 0;
  statusLatched = false;
  statusValue = 0;
  nullUntil = NEVER; // pulse at which the CR is (was) loaded into the CE
  segStart = NEVER;
  segN = 1;
  frozen = 0;
  frozenOut = false;
  held = false; // loaded at segStart but GATE is low: the CE does not count
  loaded = false; // the CE has been (or is being) loaded since the control word
  tcDone = false; // modes 0, 1, 4, 5: terminal count already reached in this count
  phaseLow = false; // mode 3: segment starts with the low half-cycle
  switchAt = NEVER;
  switchN = 1;
  switchLow = false;

  get modulus(): number {
    return this.bcd ? 10000 : 0x10000;
  }

  /** Power-on: as after a mode 0, LSB-then-MSB, binary control word with no count. */
  reset(): void {
    this.modeBits = this.mode = 0;
    this.rw = 3;
    this.bcd = this.crValid = this.writeMsbNext = this.readMsbNext = this.statusLatched = false;
    this.cr = 0x10000;
    this.crLow = this.latchState = this.latchValue = this.statusValue = this.frozen = 0;
    this.nullUntil = this.segStart = this.switchAt = NEVER;
    this.segN = this.switchN = 1;
    this.frozenOut = this.tcDone = this.phaseLow = this.switchLow = this.held = this.loaded = false;
  }

  /** Applies a pending mode 2/3 reload that has happened by pulse t. */
  sync(t: number): void {
    if (this.switchAt <= t) {
      this.segStart = this.switchAt;
      this.segN = this.switchN;
      this.phaseLow = this.switchLow;
      this.tcDone = false;
      this.switchAt = NEVER;
    }
  }

  /** CE contents at pulse t (binary value 0..modulus-1). */
  ceAt(t: number): number {
    if (t < this.segStart) return this.frozen;
    const d = this.held ? 0 : t - this.segStart;
    const n = this.segN;
    const m = this.modulus;
    switch (this.mode) {
      case 2:
        return n < 2 ? n % m : (n - (d % n)) % m;
      case 3:
        return mode3Value(n, d, this.phaseLow) % m;
      default:
        return (((n - d) % m) + m) % m; // modes 0, 1, 4, 5 wrap around and keep counting
    }
  }

  outAt(t: number): boolean {
    if (t < this.segStart) return this.frozenOut;
    const d = this.held ? 0 : t - this.segStart;
    const n = this.segN;
    switch (this.mode) {
      case 0:
      case 1:
        return this.tcDone || d >= n;
      case 4:
      case 5:
        return this.tcDone || d !== n;
      case 2:
        return n < 2 || d % n !== n - 1; // a count of 1 is illegal in mode 2: OUT stays high
      default:
        return n < 2 || (d + (this.phaseLow ? half(n) : 0)) % n < half(n);
    }
  }

  nextRise(t: number): number {
    // A load can end a strobe (modes 4/5 reloaded during their low pulse): OUT rises with it.
    if (t < this.segStart && this.segStart !== NEVER && !this.frozenOut && this.outAt(this.segStart)) {
      return this.segStart;
    }
    if (this.held) return NEVER;
    const r = riseAfter(this.mode, this.segStart, this.segN, this.phaseLow, this.tcDone, t);
    if (r <= this.switchAt) return r;
    return riseAfter(this.mode, this.switchAt, this.switchN, this.switchLow, false, Math.max(t, this.switchAt));
  }

  private encode(v: number): number {
    if (!this.bcd) return v & 0xffff;
    v %= 10000;
    return ((v / 1000) | 0) * 0x1000 + (((v / 100) | 0) % 10) * 0x100 + (((v / 10) | 0) % 10) * 0x10 + (v % 10);
  }

  private decode(raw: number): number {
    if (!this.bcd) return raw || 0x10000;
    const v = ((raw >> 12) & 15) * 1000 + ((raw >> 8) & 15) * 100 + ((raw >> 4) & 15) * 10 + (raw & 15);
    return v % 10000 || 10000;
  }

  /** Stops the CE at pulse t, keeping its value and OUT (gate low in modes 0, 2, 3, 4). */
  private pause(t: number): void {
    if (this.segStart === NEVER) return;
    if (t < this.segStart) {
      this.held = true; // the pending load still happens on the next pulse
      return;
    }
    const d = this.held ? 0 : t - this.segStart;
    this.frozen = this.ceAt(t);
    this.frozenOut = this.outAt(t);
    if (this.mode === 0 || this.mode === 4) this.tcDone ||= d >= this.segN;
    this.segStart = this.switchAt = NEVER;
    this.held = false;
  }

  /** GATE high again in modes 0/4: the next pulse decrements (a load pulse never does). */
  private resume(t: number): void {
    if (!this.crValid || (this.mode === 0 && this.writeMsbNext)) return;
    if (this.held) {
      this.segStart = Math.max(t, this.segStart);
      this.held = false;
    } else if (this.segStart === NEVER) {
      if (this.mode === 4 && !this.frozenOut) {
        // Stopped during the strobe: OUT goes high on the next pulse, no second strobe.
        this.segStart = t - this.modulus;
        this.segN = this.modulus;
        this.tcDone = false;
      } else {
        this.segStart = t;
        this.segN = this.frozen || this.modulus;
      }
    }
  }

  /** Loads `n` into the CE on the next CLK pulse after t (which does not decrement it). */
  private loadNext(t: number, n: number): void {
    this.frozen = this.ceAt(t);
    this.frozenOut = this.outAt(t);
    this.segStart = t + 1;
    this.segN = n;
    this.tcDone = this.phaseLow = this.held = false;
    this.loaded = true;
    this.switchAt = NEVER;
  }

  /** A trigger (GATE rising edge) in modes 1, 2, 3, 5 loads the CR on the next CLK pulse. */
  private trigger(t: number): void {
    this.loadNext(t, this.cr);
    if (this.mode === 2 || this.mode === 3) this.frozenOut = true;
    this.nullUntil = Math.min(this.nullUntil, t + 1);
  }

  writeControl(t: number, v: number): void {
    this.sync(t);
    // "Control Word Format": all control logic is reset and OUT goes to its initial state.
    this.frozen = this.ceAt(t);
    this.segStart = this.switchAt = NEVER;
    this.modeBits = (v >> 1) & 7;
    this.mode = this.modeBits > 5 ? this.modeBits - 4 : this.modeBits;
    this.rw = (v >> 4) & 3;
    this.bcd = (v & 1) !== 0;
    this.frozenOut = this.mode !== 0;
    this.tcDone = this.phaseLow = this.held = this.loaded = false;
    this.crValid = this.writeMsbNext = this.readMsbNext = this.statusLatched = false;
    this.latchState = 0;
    this.nullUntil = NEVER;
  }

  writeCount(t: number, byte: number): void {
    this.sync(t);
    let raw: number;
    if (this.rw === 1) raw = byte;
    else if (this.rw === 2) raw = byte << 8;
    else if (!this.writeMsbNext) {
      this.crLow = byte;
      this.writeMsbNext = true;
      if (this.mode === 0) {
        // "Mode 0": writing the first byte stops counting and sets OUT low at once.
        this.pause(t);
        this.frozenOut = false;
      }
      return;
    } else {
      raw = this.crLow | (byte << 8);
      this.writeMsbNext = false;
    }
    const n = this.decode(raw);
    this.cr = n;
    this.crValid = true;
    switch (this.mode) {
      case 0:
      case 4: {
        const out = this.mode === 0 ? false : this.outAt(t);
        this.loadNext(t, n); // loaded on the next pulse even while GATE is low
        this.held = !this.gate;
        this.frozenOut = out;
        this.nullUntil = t + 1;
        return;
      }
      case 1:
      case 5:
        if (this.segStart !== NEVER && t < this.segStart) {
          this.segN = n; // a trigger's load is pending: it takes the CR as it is at that pulse
          this.nullUntil = this.segStart;
        } else {
          this.nullUntil = NEVER; // loaded by the next trigger
        }
        return;
      default: // modes 2, 3
        if (this.segStart !== NEVER && t < this.segStart) {
          this.segN = n;
          this.nullUntil = this.segStart;
        } else if (!this.loaded) {
          this.loadNext(t, n);
          this.held = !this.gate;
          this.frozenOut = true;
          this.nullUntil = t + 1;
        } else if (!this.gate || this.held) {
          this.nullUntil = NEVER; // counting is suspended: the next trigger loads it
        } else {
          this.scheduleReload(t, n);
        }
    }
  }

  /** Modes 2/3: a new count takes effect at the end of the current period / half-cycle. */
  private scheduleReload(t: number, n: number): void {
    const old = this.segN;
    const d = t - this.segStart;
    let at: number;
    let low = false;
    if (old < 2) {
      at = t + 1; // (illegal) count 1: every pulse ends a period
    } else if (this.mode === 2) {
      at = this.segStart + (Math.floor(d / old) + 1) * old;
    } else {
      const h = half(old);
      const off = this.phaseLow ? h : 0;
      const x = d + off;
      const q = x % old;
      low = q < h;
      at = this.segStart + x - q + (low ? h : old) - off;
    }
    this.switchAt = at;
    this.switchN = n;
    this.switchLow = low;
    this.nullUntil = at;
  }

  setGate(t: number, level: boolean): void {
    this.sync(t);
    if (level === this.gate) return;
    this.gate = level;
    switch (this.mode) {
      case 0:
      case 4:
        if (!level) this.pause(t);
        else this.resume(t);
        return;
      case 1:
      case 5:
        if (level && this.crValid) this.trigger(t);
        return;
      default:
        if (level) {
          if (this.crValid) this.trigger(t);
        } else {
          const reloadPending = this.switchAt !== NEVER;
          this.pause(t);
          this.frozenOut = true; // "Mode 2"/"Mode 3": GATE low sets OUT high immediately
          if (reloadPending) this.nullUntil = NEVER; // the new count now waits for a trigger
        }
    }
  }

  latchCount(t: number): void {
    this.sync(t);
    if (this.latchState !== 0) return; // a second latch before the read is ignored
    this.latchValue = this.encode(this.ceAt(t));
    this.latchState = 1;
  }

  /** "Read-Back Command" status byte: OUT, NULL COUNT, RW1-RW0, M2-M0, BCD. */
  latchStatus(t: number): void {
    this.sync(t);
    if (this.statusLatched) return;
    this.statusValue =
      (this.outAt(t) ? 0x80 : 0) | (t < this.nullUntil ? 0x40 : 0) | (this.rw << 4) | (this.modeBits << 1) | (this.bcd ? 1 : 0);
    this.statusLatched = true;
  }

  read(t: number): number {
    if (this.statusLatched) {
      this.statusLatched = false;
      return this.statusValue;
    }
    let v: number;
    let msb: boolean;
    if (this.latchState !== 0) {
      v = this.latchValue;
      msb = this.rw === 2 || (this.rw === 3 && this.latchState === 2);
      this.latchState = this.rw === 3 && this.latchState === 1 ? 2 : 0;
    } else {
      this.sync(t);
      v = this.encode(this.ceAt(t));
      msb = this.rw === 2 || (this.rw === 3 && this.readMsbNext);
      if (this.rw === 3) this.readMsbNext = !this.readMsbNext;
    }
    return msb ? (v >> 8) & 0xff : v & 0xff;
  }

  save(): PitCounterState {
    const s: PitCounterState = {};
    for (const k of COUNTER_FIELDS) {
      const v = this[k];
      s[k] = v === NEVER ? null : v; // Infinity is not JSON; pulse numbers may be negative
    }
    return s;
  }

  load(s: PitCounterState): void {
    for (const k of COUNTER_FIELDS) {
      const v = s[k];
      if (typeof this[k] === 'boolean') (this as Record<typeof k, unknown>)[k] = v === true;
      else {
        const n = Number(v);
        const ok = v !== null && Number.isFinite(n);
        (this as Record<typeof k, unknown>)[k] = ok ? n : TIME_FIELDS.has(k) ? NEVER : 0;
      }
    }
    this.modeBits &= 7;
    this.mode = this.modeBits > 5 ? this.modeBits - 4 : this.modeBits;
    if (this.rw < 1 || this.rw > 3) this.rw = 3;
    if (!(this.cr >= 1 && this.cr <= this.modulus)) this.cr = this.modulus;
  }
}

const COUNTER_FIELDS = [
  'modeBits', 'rw', 'bcd', 'gate', 'cr', 'crValid', 'writeMsbNext', 'crLow', 'readMsbNext',
  'latchState', 'latchValue', 'statusLatched', 'statusValue', 'nullUntil', 'segStart', 'segN',
  'frozen', 'frozenOut', 'held', 'loaded', 'tcDone', 'phaseLow', 'switchAt', 'switchN', 'switchLow',
] as const;
const TIME_FIELDS: ReadonlySet<string> = new Set(['nullUntil', 'segStart', 'switchAt']);

export interface Pit8254Options {
  clock: Clock;
  /** Counter 0's OUT, wired to IRQ0. */
  irq0: IrqLine;
}

export class Pit8254 implements Device {
  readonly name = 'pit';
  private readonly clock: Clock;
  private readonly irq0: IrqLine;
  private readonly timer: Timer;
  private readonly counters = [new PitCounter(), new PitCounter(), new PitCounter()] as const;
  /** Port B bits 0-3 as last written (gate 2, speaker data, parity/IOCHK enables). */
  private portB = 0;
  /** Level we last drove on IRQ0. */
  private irqLevel = false;
  /** The OUT0 rising edge the timer is armed for (absolute pulse), or Infinity. */
  private armedRise = Infinity;
  /** Guest accesses with no meaning (reads of the control word register). */
  unhandled = 0;

  constructor(options: Pit8254Options) {
    this.clock = options.clock;
    this.irq0 = options.irq0;
    this.timer = this.clock.createTimer('pit.out0', (at) => this.syncOut0(pitTicksAt(at)));
    this.reset();
  }

  reset(): void {
    for (const c of this.counters) c.reset();
    this.counters[0].gate = true; // gates 0 and 1 are tied high on a PC
    this.counters[1].gate = true;
    this.counters[2].gate = false;
    this.portB = 0;
    this.armedRise = Infinity;
    this.timer.cancel();
    this.irqLevel = false;
    this.irq0.set(false);
  }

  private now(): number {
    return pitTicksAt(this.clock.now());
  }

  /** Read of offset 0-2 (counters) or 3 (control word register: not readable, "Read Operations"). */
  read(offset: number): number {
    const sel = offset & 3;
    if (sel === 3) {
      this.unhandled++;
      return 0xff;
    }
    return this.counters[sel]!.read(this.now());
  }

  write(offset: number, value: number): void {
    const sel = offset & 3;
    const t = this.now();
    value &= 0xff;
    if (sel !== 3) {
      this.access(sel, t, () => this.counters[sel]!.writeCount(t, value));
      return;
    }
    const sc = value >> 6;
    if (sc === 3) {
      // Read-Back Command: D5 = /COUNT, D4 = /STATUS, D3-D1 select counters 2-0.
      for (let i = 0; i < 3; i++) {
        if (!(value & (2 << i))) continue;
        const c = this.counters[i]!;
        c.sync(t);
        if (!(value & 0x10)) c.latchStatus(t);
        if (!(value & 0x20)) c.latchCount(t);
      }
      return;
    }
    const c = this.counters[sc]!;
    if ((value & 0x30) === 0) {
      c.sync(t);
      c.latchCount(t); // Counter Latch Command
      return;
    }
    this.access(sc, t, () => c.writeControl(t, value));
  }

  /** Port 61h read: bits 0-3 as written, 4 refresh toggle, 5 OUT2, 6-7 (parity/IOCHK) clear. */
  readPortB(): number {
    const t = this.now();
    const c2 = this.counters[2];
    c2.sync(t);
    return this.portB | ((Math.floor(t / REFRESH_TICKS) & 1) << 4) | (c2.outAt(t) ? 0x20 : 0);
  }

  /** Port 61h write: bit 0 gate of counter 2, bit 1 speaker data; bits 2-3 kept. */
  writePortB(value: number): void {
    this.portB = value & 0x0f;
    const t = this.now();
    const c2 = this.counters[2];
    c2.sync(t);
    c2.setGate(t, (value & 1) !== 0);
  }

  /** True while the speaker sounds: data enabled and OUT2 high. */
  speakerHigh(): boolean {
    const t = this.now();
    const c2 = this.counters[2];
    c2.sync(t);
    return (this.portB & 2) !== 0 && c2.outAt(t);
  }

  /** Runs a state change on counter `i`; for counter 0 keeps IRQ0 and the timer in step. */
  private access(i: number, t: number, op: () => void): void {
    const c = this.counters[i]!;
    if (i !== 0) {
      c.sync(t);
      op();
      return;
    }
    this.syncOut0(t); // the line shows OUT0 as it is before the change
    op();
    this.syncOut0(t);
  }

  /**
   * Brings IRQ0 up to pulse `t`: delivers the rising edge the timer was armed for (if due, even
   * when the host clock ran past it), drives the line to OUT0's level and arms the timer for
   * the next rising edge. In modes 2 and 3 the short low phase is not sent separately: at each
   * rising edge the line is lowered and raised, so a periodic tick costs one callback.
   */
  private syncOut0(t: number): void {
    const c = this.counters[0];
    c.sync(t);
    if (this.armedRise <= t) {
      if (this.irqLevel) this.irq0.set(false);
      this.irq0.set(true);
      this.irqLevel = true;
    }
    const out = c.outAt(t);
    if (out !== this.irqLevel) {
      this.irqLevel = out;
      this.irq0.set(out);
    }
    const next = c.nextRise(t);
    this.armedRise = next;
    if (next === Infinity) this.timer.cancel();
    else this.timer.armAt(nsAtPitTick(next));
  }

  saveState(): DeviceState {
    return {
      version: STATE_VERSION,
      counters: this.counters.map((c) => c.save()),
      portB: this.portB,
      irqLevel: this.irqLevel,
      armedRise: this.armedRise === Infinity ? null : this.armedRise,
      unhandled: this.unhandled,
    };
  }

  loadState(state: DeviceState): void {
    checkVersion(this.name, state, STATE_VERSION);
    const cs = Array.isArray(state.counters) ? (state.counters as PitCounterState[]) : [];
    this.counters.forEach((c, i) => c.load(cs[i] ?? ({} as PitCounterState)));
    this.portB = Number(state.portB) & 0x0f;
    this.unhandled = Number(state.unhandled) || 0;
    const rise = typeof state.armedRise === 'number' ? state.armedRise : NaN;
    this.armedRise = Number.isFinite(rise) ? rise : Infinity;
    if (this.armedRise === Infinity) this.timer.cancel();
    else this.timer.armAt(nsAtPitTick(this.armedRise));
    this.irqLevel = state.irqLevel === true;
    this.irq0.set(this.irqLevel);
  }
}
