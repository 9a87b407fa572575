// System Control Port A (port 0x92 on PS/2 and every later PC chipset): the "fast" A20 gate
// and a CPU reset that does not go through the 8042. Source: IBM PS/2 Hardware Interface
// Technical Reference, "System Control Port A" (bit 0 alternate hot reset, bit 1 alternate
// gate A20, bit 3 security lock latch, bits 6-7 fixed disk activity light).
import type { Device, DeviceState } from '../bus/device.js';
import { checkVersion } from '../bus/device.js';

export const SCPA_RESET = 0x01;
export const SCPA_A20 = 0x02;

export interface SystemControlPortOptions {
  /** Bit 1 changed. */
  setA20: (enabled: boolean) => void;
  /** Bit 0 went from 0 to 1. */
  requestReset: () => void;
  /**
   * The machine's A20 state, reported in bit 1 on reads. Without it the port reports its own
   * latch. (A board that ORs this latch with the 8042's output port passes the combined state.)
   */
  a20State?: () => boolean;
}

export class SystemControlPort implements Device {
  readonly name = 'system-control-port-a';
  private value = 0;

  constructor(private readonly opts: SystemControlPortOptions) {}

  read(): number {
    const a20 = this.opts.a20State ? this.opts.a20State() : (this.value & SCPA_A20) !== 0;
    return (this.value & ~SCPA_A20) | (a20 ? SCPA_A20 : 0);
  }

  write(v: number): void {
    v &= 0xff;
    const old = this.value;
    this.value = v;
    if ((old ^ v) & SCPA_A20) this.opts.setA20((v & SCPA_A20) !== 0);
    // The reset is edge-triggered: only a 0→1 transition of bit 0 resets the processor.
    if (v & SCPA_RESET && !(old & SCPA_RESET)) this.opts.requestReset();
  }

  /** Power-on: every bit 0 (A20 here off; the board decides the machine's A20 state). */
  reset(): void {
    this.value = 0;
  }

  saveState(): DeviceState {
    return { version: 1, value: this.value };
  }

  loadState(s: DeviceState): void {
    checkVersion(this.name, s, 1);
    this.value = (s.value as number) & 0xff;
  }
}
