// The Bochs/QEMU debug console ("port E9 hack", port 0xE9 by default): every byte written
// goes straight to the host, with no UART to program, so firmware and test kernels can print
// from their first instruction. Reading returns 0xE9, which is how software detects that the
// hack is present (Bochs docs "Port E9 Hack"; QEMU hw/char/debugcon, "readback" 0xE9).
import type { Device, DeviceState } from '../bus/device.js';
import { checkVersion } from '../bus/device.js';

export const DEBUGCON_READBACK = 0xe9;

export class DebugConsolePort implements Device {
  readonly name = 'debug-console-port';
  /** Bytes written since power-on (for quotas and tests). */
  written = 0;

  /** `sink` receives each byte; the board connects it to stdout, a file or a buffer. */
  constructor(private readonly sink: (byte: number) => void) {}

  write(v: number): void {
    this.written++;
    this.sink(v & 0xff);
  }

  read(): number {
    return DEBUGCON_READBACK;
  }

  reset(): void {
    this.written = 0;
  }

  saveState(): DeviceState {
    return { version: 1, written: this.written };
  }

  loadState(s: DeviceState): void {
    checkVersion(this.name, s, 1);
    this.written = s.written as number;
  }
}
