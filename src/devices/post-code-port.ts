// Port 0x80, the POST diagnostic port: firmware writes a progress code to it at each step of
// the power-on self-test (a POST card shows it on two hex digits). Here every byte written is
// recorded (the last `capacity` of them) and handed to an optional listener; reads return the
// last value written, as on chipsets that latch it. Guests also write 0x80 just to delay.
import type { Device, DeviceState } from '../bus/device.js';
import { checkVersion } from '../bus/device.js';

export class PostCodePort implements Device {
  readonly name = 'post-code-port';
  /**
   * The last `kept` codes (at most `capacity`) as a ring, the newest at `(total - 1) % capacity`.
   * (Shifting an array of 1024 per write cost ~100 ns; Linux writes here as its I/O delay, 140 K
   * times in its PIT calibration loop.)
   */
  private readonly ring: Uint8Array;
  private kept = 0;
  private last = 0;
  /** Every write since power-on, including those that fell out of the bounded list. */
  total = 0;
  /** Called on every write, e.g. to print POST codes (`--post`). */
  listener: ((code: number) => void) | null = null;

  constructor(readonly capacity = 1024) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`post-code-port: capacity ${capacity} must be a positive integer`);
    this.ring = new Uint8Array(capacity);
  }

  write(v: number): void {
    v &= 0xff;
    this.last = v;
    this.ring[this.total % this.capacity] = v;
    this.total++;
    if (this.kept < this.capacity) this.kept++;
    if (this.listener) this.listener(v);
  }

  read(): number {
    return this.last;
  }

  /** The recorded codes, oldest first (at most `capacity`). */
  recorded(): number[] {
    const out: number[] = [];
    for (let i = this.total - this.kept; i < this.total; i++) out.push(this.ring[i % this.capacity]);
    return out;
  }

  get lastCode(): number {
    return this.last;
  }

  reset(): void {
    this.last = 0;
    this.total = 0;
    this.kept = 0;
  }

  saveState(): DeviceState {
    return { version: 1, codes: this.recorded(), last: this.last, total: this.total };
  }

  loadState(s: DeviceState): void {
    checkVersion(this.name, s, 1);
    const codes = (s.codes as number[]).slice(-this.capacity);
    // The ring holds them at the slots their indices in the whole sequence give.
    const saved = s.total as number;
    const total = Number.isSafeInteger(saved) && saved >= codes.length ? saved : codes.length;
    codes.forEach((c, i) => { this.ring[(total - codes.length + i) % this.capacity] = c & 0xff; });
    this.last = s.last as number;
    this.total = total;
    this.kept = codes.length;
  }
}
