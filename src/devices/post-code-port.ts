// Port 0x80, the POST diagnostic port: firmware writes a progress code to it at each step of
// the power-on self-test (a POST card shows it on two hex digits). Here every byte written is
// recorded (the last `capacity` of them) and handed to an optional listener; reads return the
// last value written, as on chipsets that latch it. Guests also write 0x80 just to delay.
import type { Device, DeviceState } from '../bus/device.js';
import { checkVersion } from '../bus/device.js';

export class PostCodePort implements Device {
  readonly name = 'post-code-port';
  private codes: number[] = [];
  private last = 0;
  /** Every write since power-on, including those that fell out of the bounded list. */
  total = 0;
  /** Called on every write, e.g. to print POST codes (`--post`). */
  listener: ((code: number) => void) | null = null;

  constructor(readonly capacity = 1024) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`post-code-port: capacity ${capacity} must be a positive integer`);
  }

  write(v: number): void {
    v &= 0xff;
    this.last = v;
    this.total++;
    this.codes.push(v);
    if (this.codes.length > this.capacity) this.codes.shift();
    if (this.listener) this.listener(v);
  }

  read(): number {
    return this.last;
  }

  /** The recorded codes, oldest first (at most `capacity`). */
  recorded(): number[] {
    return [...this.codes];
  }

  get lastCode(): number {
    return this.last;
  }

  reset(): void {
    this.codes = [];
    this.last = 0;
    this.total = 0;
  }

  saveState(): DeviceState {
    return { version: 1, codes: [...this.codes], last: this.last, total: this.total };
  }

  loadState(s: DeviceState): void {
    checkVersion(this.name, s, 1);
    this.codes = (s.codes as number[]).slice(-this.capacity);
    this.last = s.last as number;
    this.total = s.total as number;
  }
}
