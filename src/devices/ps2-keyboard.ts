// The PS/2 (MF2) keyboard behind the 8042's first port: its command set, scan code sets 1-3,
// typematic repeat, LEDs and its own output buffer. Sources: IBM PS/2 Keyboard and Auxiliary
// Device Controller / Keyboard Technical Reference ("Commands from the system"), Brouwer
// "Keyboard scancodes" §11 (keyboard commands) and §9 (scan code sets).
import type { Clock, Timer } from '../bus/clock.js';
import type { DeviceState } from '../bus/device.js';
import { checkVersion } from '../bus/device.js';
import { breakCodes, keyInfo, makeCodes, SET3_DEFAULT_BREAK_KEYS, type KeyInfo } from './ps2-scancodes.js';

export const KBD_ACK = 0xfa;
export const KBD_RESEND = 0xfe;
export const KBD_BAT_OK = 0xaa;
export const KBD_ECHO = 0xee;

/** Default typematic byte after reset: 500 ms delay, 10.9 characters/s (Brouwer §11, F3). */
export const TYPEMATIC_DEFAULT = 0x2b;

/**
 * The keyboard's own buffer. The MF2 keyboard has 16 bytes; host input (a paste) arrives far
 * faster than a typist, so this model keeps more, and still reports an overrun when full.
 */
const SCAN_BUFFER_BYTES = 256;

// Set 3 per-key attributes (Brouwer §11, F7-FD).
const ATTR_TYPEMATIC = 1;
const ATTR_BREAK = 2;

/** Commands that end an FB/FC/FD key list (Brouwer §11: ed, ee, f0, f2-ff). */
function isCommandCode(v: number): boolean {
  return v === 0xed || v === 0xee || v === 0xf0 || v >= 0xf2;
}

/** Time between repeats in ns: (2^B)(D+8)/240 s, B = bits 4-3, D = bits 2-0 (Brouwer §11, F3). */
export function typematicPeriodNs(typematic: number): number {
  const d = typematic & 7;
  const b = (typematic >> 3) & 3;
  return Math.round(((1 << b) * (d + 8) * 1e9) / 240);
}

/** Delay before the first repeat in ns: 250 ms × (1 + bits 6-5). */
export function typematicDelayNs(typematic: number): number {
  return (((typematic >> 5) & 3) + 1) * 250e6;
}

export class Ps2Keyboard {
  readonly name = 'ps2-keyboard';
  /**
   * Bytes the keyboard has to send. Command replies go ahead of buffered scan codes, but never
   * into the middle of one key's sequence (a reply between a swallowed F0 and its code would
   * turn a translated break into a make): `seqLens` holds each queued sequence's length and
   * `inSeq` the bytes still owed of the one being sent.
   */
  private replies: number[] = [];
  private scan: number[] = [];
  private seqLens: number[] = [];
  private inSeq = 0;
  private lastSent = KBD_BAT_OK;
  /** A command waiting for its argument byte (ED, F0, F3) or a set-3 key list (FB-FD), or -1. */
  private pending = -1;
  private scanning = true;
  private set = 2;
  private leds = 0;
  private typematic = TYPEMATIC_DEFAULT;
  private readonly set3Attrs = new Uint8Array(256);
  private readonly held = new Set<string>();
  private repeatKey: KeyInfo | null = null;
  private readonly timer: Timer;
  /** Host key events dropped while the buffer was full, and unknown key names. */
  readonly stats = { overruns: 0, unknownKeys: 0, unknownCommands: 0 };
  /** Called when the LEDs change (bit 0 Scroll, 1 Num, 2 Caps), for a front end. */
  onLeds: ((leds: number) => void) | null = null;

  /** `onData` tells the controller that a byte became available. */
  constructor(
    clock: Clock,
    private readonly onData: () => void,
    timerName = 'i8042.kbd.typematic',
  ) {
    this.timer = clock.createTimer(timerName, (at) => this.repeat(at));
    this.setDefaults();
  }

  // ---- controller side -------------------------------------------------------------------

  hasData(): boolean {
    return this.replies.length > 0 || this.scan.length > 0;
  }

  /** Takes the next byte the keyboard transmits (the controller calls this when it has room). */
  take(): number {
    let v: number | undefined;
    if (this.inSeq > 0) {
      this.inSeq--;
      v = this.scan.shift();
    } else if (this.replies.length > 0) v = this.replies.shift();
    else if (this.scan.length > 0) {
      this.inSeq = (this.seqLens.shift() ?? 1) - 1;
      v = this.scan.shift();
    }
    if (v === undefined) return this.lastSent;
    this.lastSent = v;
    return v;
  }

  /** A byte the system sent to the keyboard (a command or a command's argument). */
  write(v: number): void {
    v &= 0xff;
    const pending = this.pending;
    if (pending !== -1) {
      this.pending = -1;
      if (pending >= 0xfb) {
        if (!isCommandCode(v)) {
          this.setAttr(v, pending);
          this.pending = pending;
          this.reply(KBD_ACK);
          return;
        }
      } else if (!(v & 0x80 && isCommandCode(v))) {
        this.argument(pending, v);
        return;
      }
      // A command byte where an argument was expected: that command is done instead (§11, ED).
    }
    this.command(v);
  }

  private command(v: number): void {
    switch (v) {
      case 0xed: // set LEDs
      case 0xf0: // get/set scan code set
      case 0xf3: // set typematic rate/delay
        this.pending = v;
        this.reply(KBD_ACK);
        return;
      case 0xee: // echo: answered with EE, no ACK
        this.reply(KBD_ECHO);
        return;
      case 0xf2: // identify: MF2 keyboard AB 83
        this.reply(KBD_ACK, 0xab, 0x83);
        return;
      case 0xf4: // enable scanning; clears the buffer
        this.clearScan();
        this.scanning = true;
        this.reply(KBD_ACK);
        return;
      case 0xf5: // defaults and disable scanning
        this.setDefaults();
        this.scanning = false;
        this.reply(KBD_ACK);
        return;
      case 0xf6: // defaults, scanning continues
        this.setDefaults();
        this.scanning = true;
        this.reply(KBD_ACK);
        return;
      case 0xf7: // set 3: all keys typematic
      case 0xf8: // all make/break
      case 0xf9: // all make only
      case 0xfa: // all typematic and make/break
        this.setAllAttrs(v);
        this.reply(KBD_ACK);
        return;
      case 0xfb: // set 3: listed keys typematic
      case 0xfc: // listed keys make/break
      case 0xfd: // listed keys make only
        this.pending = v;
        this.reply(KBD_ACK);
        return;
      case 0xfe: // resend the last byte transmitted
        this.reply(this.lastSent);
        return;
      case 0xff: // reset: ACK, then the basic assurance test result
        this.setDefaults();
        this.scanning = true;
        this.replies = [];
        this.reply(KBD_ACK, KBD_BAT_OK);
        return;
      default:
        this.stats.unknownCommands++;
        this.reply(KBD_RESEND);
    }
  }

  private argument(cmd: number, v: number): void {
    switch (cmd) {
      case 0xed:
        this.setLeds(v & 7);
        this.reply(KBD_ACK);
        return;
      case 0xf3:
        this.typematic = v & 0x7f;
        this.reply(KBD_ACK);
        return;
      case 0xf0:
        if (v === 0) this.reply(KBD_ACK, this.set);
        else if (v >= 1 && v <= 3) {
          this.set = v;
          this.clearScan();
          this.reply(KBD_ACK);
        } else this.reply(KBD_RESEND);
        return;
    }
  }

  private setAttr(code: number, cmd: number): void {
    const a = this.set3Attrs[code]!;
    if (cmd === 0xfb) this.set3Attrs[code] = a | ATTR_TYPEMATIC;
    else if (cmd === 0xfc) this.set3Attrs[code] = a | ATTR_BREAK;
    else this.set3Attrs[code] = a & ~ATTR_BREAK;
  }

  private setAllAttrs(cmd: number): void {
    for (let i = 0; i < 256; i++) {
      const a = this.set3Attrs[i]!;
      if (cmd === 0xf7) this.set3Attrs[i] = a | ATTR_TYPEMATIC;
      else if (cmd === 0xf8) this.set3Attrs[i] = a | ATTR_BREAK;
      else if (cmd === 0xf9) this.set3Attrs[i] = a & ~ATTR_BREAK;
      else this.set3Attrs[i] = ATTR_TYPEMATIC | ATTR_BREAK;
    }
  }

  /** Power-on defaults (F5/F6/FF): set 2, LEDs off, typematic 0x2B, set-3 key types, empty buffer. */
  private setDefaults(): void {
    this.set = 2;
    this.typematic = TYPEMATIC_DEFAULT;
    this.clearScan();
    this.pending = -1;
    this.setLeds(0);
    this.stopRepeat();
    // Set 3 defaults: modifiers make/break, the others make-only and typematic (Brouwer §9.2).
    this.set3Attrs.fill(ATTR_TYPEMATIC);
    for (const n of SET3_DEFAULT_BREAK_KEYS) this.set3Attrs[keyInfo(n)!.set3] = ATTR_BREAK;
  }

  private clearScan(): void {
    this.scan = [];
    this.seqLens = [];
    this.inSeq = 0;
  }

  private setLeds(leds: number): void {
    const changed = leds !== this.leds;
    this.leds = leds;
    if (changed && this.onLeds) this.onLeds(leds);
  }

  private reply(...bytes: number[]): void {
    for (const b of bytes) this.replies.push(b & 0xff);
    this.onData();
  }

  // ---- host side -------------------------------------------------------------------------

  /** A host key press; false when the name is unknown. Repeats are generated here, not by the host. */
  keyDown(name: string): boolean {
    const key = keyInfo(name);
    if (!key) {
      this.stats.unknownKeys++;
      return false;
    }
    if (this.held.has(key.name)) return true;
    this.held.add(key.name);
    if (!this.scanning) return true;
    this.send(makeCodes(key, this.set, this.held.has('ControlLeft') || this.held.has('ControlRight')));
    if (this.repeats(key)) {
      this.repeatKey = key;
      this.timer.armIn(typematicDelayNs(this.typematic));
    } else this.stopRepeat();
    return true;
  }

  keyUp(name: string): boolean {
    const key = keyInfo(name);
    if (!key) {
      this.stats.unknownKeys++;
      return false;
    }
    if (!this.held.delete(key.name)) return true;
    // Only the last key pressed repeats; releasing it ends typematic (IBM Keyboard Tech. Ref.).
    if (this.repeatKey === key) this.stopRepeat();
    if (!this.scanning) return true;
    if (this.set === 3 && !(this.set3Attrs[key.set3]! & ATTR_BREAK)) return true;
    const codes = breakCodes(key, this.set);
    if (codes.length) this.send(codes);
    return true;
  }

  /** Releases every held key (e.g. when the front end loses focus). */
  releaseAll(): void {
    for (const k of [...this.held]) this.keyUp(k);
  }

  get scanCodeSet(): number {
    return this.set;
  }
  get ledState(): number {
    return this.leds;
  }
  get typematicByte(): number {
    return this.typematic;
  }
  get scanningEnabled(): boolean {
    return this.scanning;
  }

  private repeats(key: KeyInfo): boolean {
    if (this.set === 3) return (this.set3Attrs[key.set3]! & ATTR_TYPEMATIC) !== 0;
    return key.name !== 'Pause';
  }

  /** Timer callback; `at` is the deadline, so repeats keep their cadence however time is advanced. */
  private repeat(at: number): void {
    const key = this.repeatKey;
    if (!key || !this.scanning) return;
    this.send(makeCodes(key, this.set, this.held.has('ControlLeft') || this.held.has('ControlRight')));
    this.timer.armAt(at + typematicPeriodNs(this.typematic));
  }

  private stopRepeat(): void {
    this.repeatKey = null;
    if (this.timer.armed) this.timer.cancel();
  }

  /** Queues one key's sequence whole, or an overrun code (00 in sets 2/3, FF in set 1) if it does not fit. */
  private send(codes: number[]): void {
    const overrun = this.set === 1 ? 0xff : 0x00;
    if (this.scan.length + codes.length < SCAN_BUFFER_BYTES) {
      for (const c of codes) this.scan.push(c);
      this.seqLens.push(codes.length);
    } else {
      this.stats.overruns++;
      if (this.scan.length < SCAN_BUFFER_BYTES && this.scan[this.scan.length - 1] !== overrun) {
        this.scan.push(overrun);
        this.seqLens.push(1);
      }
    }
    this.onData();
  }

  // ---- device contract -------------------------------------------------------------------

  reset(): void {
    this.replies = [];
    this.held.clear();
    this.setDefaults();
    this.scanning = true;
    this.lastSent = KBD_BAT_OK;
  }

  saveState(): DeviceState {
    return {
      version: 1,
      replies: [...this.replies],
      scan: [...this.scan],
      seqLens: [...this.seqLens],
      inSeq: this.inSeq,
      lastSent: this.lastSent,
      pending: this.pending,
      scanning: this.scanning,
      set: this.set,
      leds: this.leds,
      typematic: this.typematic,
      set3Attrs: this.set3Attrs.slice(),
      held: [...this.held],
      repeatKey: this.repeatKey ? this.repeatKey.name : null,
    };
  }

  /** Restores state; the typematic timer's deadline is restored by the Clock (it is named). */
  loadState(s: DeviceState): void {
    checkVersion(this.name, s, 1);
    this.replies = [...(s.replies as number[])];
    this.scan = [...(s.scan as number[])];
    this.seqLens = [...(s.seqLens as number[])];
    this.inSeq = s.inSeq as number;
    this.lastSent = s.lastSent as number;
    this.pending = s.pending as number;
    this.scanning = s.scanning as boolean;
    this.set = s.set as number;
    this.leds = s.leds as number;
    this.typematic = s.typematic as number;
    this.set3Attrs.set(s.set3Attrs as Uint8Array);
    this.held.clear();
    for (const k of s.held as string[]) this.held.add(k);
    this.repeatKey = s.repeatKey ? (keyInfo(s.repeatKey as string) ?? null) : null;
  }
}
