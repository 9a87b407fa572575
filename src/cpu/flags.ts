// Lazy arithmetic flags. An ALU operation stores its operands, result and width instead of
// computing six flags; a flag is computed only when something reads it (Jcc, PUSHF, ADC...).
// Flag definitions: SDM Vol. 1 §3.4.3.1 and Appendix A (EFLAGS cross-reference).
import type { Cpu } from './cpu.js';
import { Flag } from './state.js';

/** How CF/AF/OF of the lazily held result are derived. */
export const enum LazyOp {
  ADD = 0, // ADD, ADC, INC: dst + src (+ carry) = res
  SUB = 1, // SUB, SBB, CMP, DEC, NEG: dst - src (- borrow) = res
}

/** PF: set when the low byte of the result has an even number of 1 bits. */
export const PARITY: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let n = 0;
    for (let b = i; b !== 0; b >>= 1) n += b & 1;
    t[i] = (n & 1) === 0 ? Flag.PF : 0;
  }
  return t;
})();

/** All six status flags become lazy: an ADD/ADC/SUB/SBB/CMP/NEG result. `res` is masked to `bits`. */
export function setArith(c: Cpu, op: LazyOp, dst: number, src: number, res: number, bits: number): void {
  c.fOp = op;
  c.fDst = dst | 0;
  c.fSrc = src | 0;
  c.fRes = res | 0;
  c.fBits = bits;
  c.fLazy = Flag.CF | Flag.PF | Flag.AF | Flag.ZF | Flag.SF | Flag.OF;
}

/** INC/DEC: like ADD/SUB with src=1 but CF keeps its value (SDM Vol. 2A, INC/DEC "Flags Affected"). */
export function setIncDec(c: Cpu, op: LazyOp, dst: number, res: number, bits: number): void {
  if ((c.fLazy & Flag.CF) !== 0) c.eflags = (c.eflags & ~Flag.CF) | getCF(c);
  c.fOp = op;
  c.fDst = dst | 0;
  c.fSrc = 1;
  c.fRes = res | 0;
  c.fBits = bits;
  c.fLazy = Flag.PF | Flag.AF | Flag.ZF | Flag.SF | Flag.OF;
}

/**
 * A result whose SF/ZF/PF follow from its value and whose CF/OF/AF the caller sets eagerly
 * in `eflagsBits` (logic ops, shifts, multiplies). `res` is masked to `bits`.
 */
export function setResult(c: Cpu, res: number, bits: number, cfOfAf: number): void {
  c.eflags = (c.eflags & ~(Flag.CF | Flag.OF | Flag.AF)) | cfOfAf;
  c.fRes = res | 0;
  c.fBits = bits;
  c.fLazy = Flag.PF | Flag.ZF | Flag.SF;
}

export function getCF(c: Cpu): number {
  if ((c.fLazy & Flag.CF) === 0) return c.eflags & Flag.CF;
  const d = c.fDst;
  const s = c.fSrc;
  const r = c.fRes;
  // Carry out of the top bit, from the operands and the result (valid with a carry/borrow in).
  const x = c.fOp === LazyOp.ADD ? (d & s) | ((d | s) & ~r) : (~d & s) | (~(d ^ s) & r);
  return (x >>> (c.fBits - 1)) & 1;
}

export function getOF(c: Cpu): number {
  if ((c.fLazy & Flag.OF) === 0) return c.eflags & Flag.OF;
  const d = c.fDst;
  const s = c.fSrc;
  const r = c.fRes;
  const x = c.fOp === LazyOp.ADD ? (d ^ r) & (s ^ r) : (d ^ s) & (d ^ r);
  return ((x >>> (c.fBits - 1)) & 1) << 11;
}

export function getAF(c: Cpu): number {
  if ((c.fLazy & Flag.AF) === 0) return c.eflags & Flag.AF;
  return (c.fDst ^ c.fSrc ^ c.fRes) & Flag.AF;
}

export function getZF(c: Cpu): number {
  if ((c.fLazy & Flag.ZF) === 0) return c.eflags & Flag.ZF;
  return c.fRes === 0 ? Flag.ZF : 0;
}

export function getSF(c: Cpu): number {
  if ((c.fLazy & Flag.SF) === 0) return c.eflags & Flag.SF;
  return ((c.fRes >>> (c.fBits - 1)) & 1) << 7;
}

export function getPF(c: Cpu): number {
  if ((c.fLazy & Flag.PF) === 0) return c.eflags & Flag.PF;
  return PARITY[c.fRes & 0xff];
}

/** The full EFLAGS value with every lazy flag evaluated. */
export function getFlags(c: Cpu): number {
  if (c.fLazy === 0) return c.eflags;
  const lazy = c.fLazy;
  let f = c.eflags & ~lazy;
  if (lazy & Flag.CF) f |= getCF(c);
  if (lazy & Flag.PF) f |= getPF(c);
  if (lazy & Flag.AF) f |= getAF(c);
  if (lazy & Flag.ZF) f |= getZF(c);
  if (lazy & Flag.SF) f |= getSF(c);
  if (lazy & Flag.OF) f |= getOF(c);
  return f >>> 0;
}

/** Materialises all flags into c.eflags (before code that edits eflags bits directly). */
export function flushFlags(c: Cpu): void {
  if (c.fLazy !== 0) {
    c.eflags = getFlags(c);
    c.fLazy = 0;
  }
}

/** Evaluates condition code cc (0-15) as in Jcc/SETcc/CMOVcc (SDM Vol. 1 Appendix B). */
export function testCC(c: Cpu, cc: number): boolean {
  let r: boolean;
  switch (cc >> 1) {
    case 0: r = getOF(c) !== 0; break; // O
    case 1: r = getCF(c) !== 0; break; // B/C
    case 2: r = getZF(c) !== 0; break; // E/Z
    case 3: r = getCF(c) !== 0 || getZF(c) !== 0; break; // BE
    case 4: r = getSF(c) !== 0; break; // S
    case 5: r = getPF(c) !== 0; break; // P
    case 6: r = (getSF(c) !== 0) !== (getOF(c) !== 0); break; // L
    default: r = getZF(c) !== 0 || (getSF(c) !== 0) !== (getOF(c) !== 0); break; // LE
  }
  return (cc & 1) !== 0 ? !r : r;
}
