// Display timing for input status 1 (port 0x3DA/0x3BA): where the beam is, derived from the
// machine's Clock and the CRTC timing registers, so that BIOS and driver loops polling for
// vertical retrace or display-enable terminate as virtual time advances. Nothing toggles per
// access. Register meanings: IBM VGA Technical Reference, CRT controller registers 00-12h.

import type { Clock } from '../../bus/clock.js';
import * as C from './constants.js';

/** Dot clocks selected by miscellaneous output bits 3-2 (25.175 MHz / 28.322 MHz). */
const DOT_CLOCK_HZ = [25_175_000, 28_322_000, 25_175_000, 25_175_000] as const;

interface Timing {
  lineNs: number;
  totalLines: number;
  displayLines: number;
  /** Fraction of a line that shows pixels (the rest is horizontal blanking). */
  displayFraction: number;
  retraceStart: number;
  retraceEnd: number;
}

/** 640x400 at 70 Hz, used while the CRTC holds nonsense (before the BIOS programs it). */
const FALLBACK: Timing = {
  lineNs: 31_778,
  totalLines: 449,
  displayLines: 400,
  displayFraction: 0.8,
  retraceStart: 412,
  retraceEnd: 414,
};

export class RetraceTiming {
  private cached: Timing | null = null;

  constructor(private readonly clock: Clock) {}

  /** Called when CRTC, sequencer clocking or misc output change. */
  invalidate(): void {
    this.cached = null;
  }

  /** Bits 0 (display disabled) and 3 (vertical retrace) of input status 1. */
  status(crtc: Uint8Array, seq: Uint8Array, misc: number): number {
    const t = this.cached ?? (this.cached = computeTiming(crtc, seq, misc));
    const lines = this.clock.now() / t.lineNs;
    const whole = Math.floor(lines);
    const line = whole % t.totalLines;
    let v = 0;
    if (line >= t.displayLines || lines - whole >= t.displayFraction) v |= C.ST1_DISPLAY_DISABLED;
    if (line >= t.retraceStart && line < t.retraceEnd) v |= C.ST1_VRETRACE | C.ST1_DISPLAY_DISABLED;
    return v;
  }
}

function computeTiming(cr: Uint8Array, seq: Uint8Array, misc: number): Timing {
  const ovf = cr[C.CR_OVERFLOW]!;
  const hTotal = cr[C.CR_H_TOTAL]! + 5; // character clocks, CR00 + 5
  const hDisp = cr[C.CR_H_DISP_END]! + 1;
  const dots = seq[C.SR_CLOCKING]! & C.SR01_DOTS8 ? 8 : 9;
  const div = seq[C.SR_CLOCKING]! & C.SR01_DOT_CLOCK_DIV2 ? 2 : 1;
  const hz = DOT_CLOCK_HZ[(misc >> 2) & 3]! / div;
  const vTotal = (cr[C.CR_V_TOTAL]! | ((ovf & 0x01) << 8) | ((ovf & 0x20) << 4)) + 2;
  const vDisp = (cr[C.CR_V_DISP_END]! | ((ovf & 0x02) << 7) | ((ovf & 0x40) << 3)) + 1;
  const vrStart = cr[C.CR_V_RETRACE_START]! | ((ovf & 0x04) << 6) | ((ovf & 0x80) << 2);
  // CR11 bits 3-0 hold the low four bits of the line where retrace ends.
  const vrLength = ((cr[C.CR_V_RETRACE_END]! & 0x0f) - (vrStart & 0x0f)) & 0x0f || 16;
  const lineNs = (hTotal * dots * 1e9) / hz;
  if (hTotal < 10 || hDisp >= hTotal || vTotal < 10 || vDisp >= vTotal || vrStart >= vTotal) return FALLBACK;
  return {
    lineNs,
    totalLines: vTotal,
    displayLines: vDisp,
    displayFraction: hDisp / hTotal,
    retraceStart: vrStart,
    retraceEnd: Math.min(vrStart + vrLength, vTotal),
  };
}
