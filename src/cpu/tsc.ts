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

/**
 * For translated code that computes the TSC itself: when the ticks are a line in the
 * instruction counter (no clock: the counter itself; a deterministic clock), writes its base
 * and slope to f[at] and f[at + 1] and returns true; then ticks = floor(base + count × slope),
 * the same double arithmetic as ticks().
 */
export function tscLine(c: Cpu, f: Float64Array, at: number): boolean {
  const h = c.host;
  if (h.timeNs === undefined) {
    f[at] = 0;
    f[at + 1] = 1;
    return true;
  }
  if (h.timeLineBase === undefined || h.timeLineSlope === undefined) return false;
  const base = h.timeLineBase();
  if (Number.isNaN(base)) return false;
  f[at] = base;
  f[at + 1] = h.timeLineSlope;
  return true;
}
