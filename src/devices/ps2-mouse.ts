// A minimal PS/2 mouse behind the 8042's auxiliary port: the commands BIOSes and Linux's
// psmouse driver send while probing, stream-mode packets, and IntelliMouse detection.
// Sources: IBM PS/2 Technical Reference, "Pointing Device" (commands E6-FF, status bytes,
// 3-byte data packet); Brouwer "Keyboard scancodes" §12 (mouse commands, ID 00/03/04).
import type { DeviceState } from '../bus/device.js';
import { checkVersion } from '../bus/device.js';

export const AUX_ACK = 0xfa;
export const AUX_RESEND = 0xfe;

const STATUS_REMOTE = 0x40;
const STATUS_ENABLED = 0x20;
const STATUS_SCALE21 = 0x10;

const BUFFER_BYTES = 256;

export class Ps2Mouse {
  readonly name = 'ps2-mouse';
  private out: number[] = [];
  private lastSent = 0xaa;
  private pending = -1;
  private status = 0;
  private resolution = 2;
  private sampleRate = 100;
  private wrap = false;
  private id = 0;
  /** Last three sample rates written, for the IntelliMouse knock (200,100,80 → ID 3; 200,200,80 → ID 4). */
  private rates: number[] = [];
  private buttons = 0;
  readonly stats = { unknownCommands: 0, droppedPackets: 0 };

  constructor(private readonly onData: () => void) {}

  hasData(): boolean {
    return this.out.length > 0;
  }

  take(): number {
    const v = this.out.shift();
    if (v === undefined) return this.lastSent;
    this.lastSent = v;
    return v;
  }

  /** A byte the system sent to the mouse through 8042 command D4. */
  write(v: number): void {
    v &= 0xff;
    if (this.pending !== -1) {
      const cmd = this.pending;
      this.pending = -1;
      if (cmd === 0xf3) {
        this.sampleRate = v;
        this.knock(v);
      } else this.resolution = v & 3;
      this.reply(AUX_ACK);
      return;
    }
    // Wrap (echo) mode returns every byte except EC (leave wrap) and FF (reset).
    if (this.wrap && v !== 0xec && v !== 0xff) {
      this.reply(v);
      return;
    }
    switch (v) {
      case 0xe6: // scaling 1:1
        this.status &= ~STATUS_SCALE21;
        this.reply(AUX_ACK);
        return;
      case 0xe7: // scaling 2:1
        this.status |= STATUS_SCALE21;
        this.reply(AUX_ACK);
        return;
      case 0xe8: // set resolution (argument follows)
      case 0xf3: // set sample rate (argument follows)
        this.pending = v;
        this.reply(AUX_ACK);
        return;
      case 0xe9: // status request: ACK, status, resolution, sample rate
        this.reply(AUX_ACK, this.status | (this.buttons & 7), this.resolution, this.sampleRate);
        return;
      case 0xea: // stream mode
        this.status &= ~STATUS_REMOTE;
        this.reply(AUX_ACK);
        return;
      case 0xeb: // read data: ACK and one packet
        this.reply(AUX_ACK);
        this.packet(0, 0, 0);
        return;
      case 0xec: // reset wrap mode
        this.wrap = false;
        this.reply(AUX_ACK);
        return;
      case 0xee: // wrap mode
        this.wrap = true;
        this.reply(AUX_ACK);
        return;
      case 0xf0: // remote mode
        this.status |= STATUS_REMOTE;
        this.reply(AUX_ACK);
        return;
      case 0xf2: // read device type
        this.reply(AUX_ACK, this.id);
        return;
      case 0xf4: // enable data reporting
        this.status |= STATUS_ENABLED;
        this.reply(AUX_ACK);
        return;
      case 0xf5: // disable data reporting
        this.status &= ~STATUS_ENABLED;
        this.reply(AUX_ACK);
        return;
      case 0xf6: // set defaults
        this.setDefaults();
        this.reply(AUX_ACK);
        return;
      case 0xfe: // resend
        this.reply(this.lastSent);
        return;
      case 0xff: // reset: ACK, self-test passed (AA), device ID 00
        this.setDefaults();
        this.wrap = false;
        this.id = 0;
        this.out = [];
        this.reply(AUX_ACK, 0xaa, 0x00);
        return;
      default:
        this.stats.unknownCommands++;
        this.reply(AUX_RESEND);
    }
  }

  private knock(rate: number): void {
    this.rates.push(rate);
    if (this.rates.length > 3) this.rates.shift();
    const [a, b, c] = this.rates;
    if (a === 200 && b === 100 && c === 80 && this.id === 0) this.id = 3;
    else if (a === 200 && b === 200 && c === 80 && this.id === 3) this.id = 4;
  }

  private setDefaults(): void {
    this.status = 0;
    this.resolution = 2;
    this.sampleRate = 100;
    this.pending = -1;
    this.rates = [];
  }

  private reply(...bytes: number[]): void {
    for (const b of bytes) this.out.push(b & 0xff);
    this.onData();
  }

  /** Host movement: dx right, dy up (PS/2 convention), dz wheel, buttons bit 0 left, 1 right, 2 middle. */
  move(dx: number, dy: number, dz: number, buttons: number): void {
    this.buttons = buttons & 7;
    if (!(this.status & STATUS_ENABLED) || this.status & STATUS_REMOTE) return;
    this.packet(dx, dy, dz);
    this.onData();
  }

  private packet(dx: number, dy: number, dz: number): void {
    const size = this.id === 0 ? 3 : 4;
    if (this.out.length + size > BUFFER_BYTES) {
      this.stats.droppedPackets++;
      return;
    }
    const x = Math.max(-255, Math.min(255, Math.trunc(dx)));
    const y = Math.max(-255, Math.min(255, Math.trunc(dy)));
    // Byte 0: Y/X sign bits 5/4, bit 3 always 1, buttons bits 2-0 (IBM "Data Report").
    this.out.push(0x08 | (y < 0 ? 0x20 : 0) | (x < 0 ? 0x10 : 0) | this.buttons, x & 0xff, y & 0xff);
    if (this.id === 3) this.out.push(Math.max(-8, Math.min(7, Math.trunc(dz))) & 0xff);
    else if (this.id === 4) this.out.push(Math.max(-8, Math.min(7, Math.trunc(dz))) & 0x0f);
  }

  get deviceId(): number {
    return this.id;
  }
  get reporting(): boolean {
    return (this.status & STATUS_ENABLED) !== 0;
  }

  reset(): void {
    this.setDefaults();
    this.out = [];
    this.wrap = false;
    this.id = 0;
    this.buttons = 0;
    this.lastSent = 0xaa;
  }

  saveState(): DeviceState {
    return {
      version: 1,
      out: [...this.out],
      lastSent: this.lastSent,
      pending: this.pending,
      status: this.status,
      resolution: this.resolution,
      sampleRate: this.sampleRate,
      wrap: this.wrap,
      id: this.id,
      rates: [...this.rates],
      buttons: this.buttons,
    };
  }

  loadState(s: DeviceState): void {
    checkVersion(this.name, s, 1);
    this.out = [...(s.out as number[])];
    this.lastSent = s.lastSent as number;
    this.pending = s.pending as number;
    this.status = s.status as number;
    this.resolution = s.resolution as number;
    this.sampleRate = s.sampleRate as number;
    this.wrap = s.wrap as boolean;
    this.id = s.id as number;
    this.rates = [...(s.rates as number[])];
    this.buttons = s.buttons as number;
  }
}
