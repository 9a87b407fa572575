// The time-stamp counter. P6-family and later TSCs count at a constant rate that does not depend
// on what the core executes, halted or not (SDM Vol. 3B §18.17, "Time-Stamp Counter"): a kernel
// that checks the TSC against the ACPI PM timer across HLT must see the two agree. So the TSC
// follows the board's clock (1 tick per virtual ns) when the host provides one, and the
// instruction counter only on a bare CPU without a clock (unit tests).
import type { Cpu } from './cpu.js';

function ticks(c: Cpu): number {
  const timeNs = c.host.timeNs;
  return timeNs !== undefined ? Math.floor(timeNs()) : c.instructions;
}

/** The 64-bit counter value (exact below 2^53). */
export function readTsc(c: Cpu): number {
  return ticks(c) + c.tscOffset;
}

/** WRMSR 10h: the counter continues from `value`. */
export function writeTsc(c: Cpu, value: number): void {
  c.tscOffset = value - ticks(c);
}
