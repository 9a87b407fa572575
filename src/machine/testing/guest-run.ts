// Test support: a whole PC whose serial output is kept as text, run in deterministic mode and
// bounded by a guest-instruction budget (never by wall time), with helpers that run until
// something shows on the serial console or the VGA text screen.
import { Pc, type PcOptions, type PcStop } from '../pc.js';

export class GuestTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GuestTimeoutError';
  }
}

export class GuestRun {
  serial = '';
  readonly pc: Pc;
  stop: PcStop = { kind: 'running' };

  constructor(options: Omit<PcOptions, 'serialSink' | 'hostTime'>) {
    this.pc = new Pc({ ...options, serialSink: (b) => (this.serial += String.fromCharCode(b)) });
  }

  /** Runs until `done()` holds or the machine stops; throws after `budget` guest instructions. */
  runUntil(what: string, done: () => boolean, budget: number): void {
    const limit = this.pc.instructions + budget;
    while (!done()) {
      if (this.pc.instructions >= limit) {
        throw new GuestTimeoutError(
          `no ${what} within ${budget / 1e6}M instructions; serial tail:\n${this.serial.slice(-800)}\nscreen:\n${this.pc.vga.textScreenString()}`,
        );
      }
      this.stop = this.pc.run(5_000_000);
      if (this.stop.kind !== 'running' && this.stop.kind !== 'idle') break;
    }
  }

  /** Types a line on COM1 and waits for `expect` in the output that follows; returns that output. */
  command(line: string, expect: RegExp, budget: number): string {
    const from = this.serial.length;
    this.type(`${line}\n`);
    this.runUntil(`answer to '${line}'`, () => expect.test(this.serial.slice(from)), budget);
    return this.serial.slice(from);
  }

  /** Types ASCII text on COM1 (the core has no TextEncoder without DOM types). */
  type(text: string): void {
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
    this.pc.com1.receive(bytes);
  }
}
