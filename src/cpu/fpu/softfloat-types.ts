// 80-bit extended precision (extF80) values, classification, flags and NaN rules shared by
// the software floating-point core (softfloat-*.ts) and the x87 unit.
//
// Representation: an extF80 value is `se` (16-bit sign+biased exponent, a plain number) plus
// `sig` (64-bit significand with explicit integer bit, a bigint). BigInt keeps the core simple
// and exact (every operation computes the exact result, then rounds once); the x87 stores its
// registers in a Uint16Array + BigUint64Array, so no object lives longer than one operation.
// Only one small result object and a few bigints are allocated per operation.

/** Exception flag bits, in Berkeley TestFloat order (README of the vectors). */
export const FLAG_INEXACT = 0x01;
export const FLAG_UNDERFLOW = 0x02;
export const FLAG_OVERFLOW = 0x04;
export const FLAG_DIVBYZERO = 0x08;
export const FLAG_INVALID = 0x10;
/** x87 denormal-operand exception (not an IEEE flag; TestFloat ignores it). */
export const FLAG_DENORMAL = 0x20;

/** x87 rounding control (control word bits 11:10), Intel SDM vol.1 §8.1.5.3 table 4-8. */
export const RC_NEAREST = 0;
export const RC_DOWN = 1;
export const RC_UP = 2;
export const RC_ZERO = 3;

/** x87 precision control (control word bits 9:8), Intel SDM vol.1 §8.1.5.2. */
export const PC_24 = 0;
export const PC_53 = 2;
export const PC_64 = 3;

export interface F80 {
  se: number;
  sig: bigint;
}

/** Rounding/precision settings and the sticky flags an operation accumulates. */
export class FloatEnv {
  rc = RC_NEAREST;
  /** Significand bits results of add/sub/mul/div/sqrt are rounded to: 24, 53 or 64. */
  precision = 64;
  flags = 0;
  /** Whether the last rounding increased the magnitude (the x87 reports it in C1). */
  roundedUp = false;
  /**
   * x87 unmasked underflow/overflow: the result is delivered with its exponent wrapped by
   * ±24576 (Intel SDM vol.1 §8.5.3/§8.5.4) and underflow is flagged even when exact.
   */
  underflowUnmasked = false;
  overflowUnmasked = false;

  setPrecisionControl(pc: number): void {
    this.precision = pc === PC_24 ? 24 : pc === PC_53 ? 53 : 64;
  }
}

export const MASK64 = 0xffffffffffffffffn;
export const INT_BIT = 0x8000000000000000n;
export const QUIET_BIT = 0x4000000000000000n;
export const BIAS = 16383;
/** Smallest normal unbiased exponent of extF80. */
export const EMIN = 1 - BIAS;
export const EMAX = 0x7ffe - BIAS;

/** Operand classes, x87 view (Intel SDM vol.1 §8.2.2 table 8-3). */
export const C_ZERO = 0;
export const C_NORMAL = 1;
export const C_DENORMAL = 2; // exponent 0, non-zero significand (incl. pseudo-denormals)
export const C_INF = 3;
export const C_QNAN = 4;
export const C_SNAN = 5;
/** Pseudo-NaN, pseudo-infinity and unnormal: unsupported since the 387 → invalid. */
export const C_UNSUPPORTED = 6;

export function classify(se: number, sig: bigint): number {
  const e = se & 0x7fff;
  if (e === 0) return sig === 0n ? C_ZERO : C_DENORMAL;
  if ((sig & INT_BIT) === 0n) return C_UNSUPPORTED;
  if (e === 0x7fff) {
    if ((sig & ~INT_BIT) === 0n) return C_INF;
    return (sig & QUIET_BIT) !== 0n ? C_QNAN : C_SNAN;
  }
  return C_NORMAL;
}

export function isNaNClass(c: number): boolean {
  return c === C_QNAN || c === C_SNAN;
}

export function f80(se: number, sig: bigint): F80 {
  return { se, sig };
}

/** The x87 "real indefinite" QNaN (Intel SDM vol.1 §4.8.3.7). */
export function defaultNaN(): F80 {
  return { se: 0xffff, sig: 0xc000000000000000n };
}

export function zeroF80(sign: number): F80 {
  return { se: sign << 15, sig: 0n };
}

export function infF80(sign: number): F80 {
  return { se: (sign << 15) | 0x7fff, sig: INT_BIT };
}

/** Unbiased exponent of the significand's least significant bit (value = sig * 2^E). */
export function lsbExponent(se: number): number {
  const e = se & 0x7fff;
  return (e === 0 ? 1 : e) - BIAS - 63;
}

/** Number of significant bits of a non-negative bigint. */
export function bitLength(x: bigint): number {
  let n = 0;
  while (x > MASK64) {
    x >>= 64n;
    n += 64;
  }
  const hi = Number(x >> 32n);
  if (hi !== 0) return n + 64 - Math.clz32(hi);
  const lo = Number(x);
  return lo === 0 ? n : n + 32 - Math.clz32(lo);
}

/**
 * NaN result of a two-operand operation, x87 rules (Intel SDM vol.1 §4.8.3.5 table 4-7):
 * an SNaN is quieted; a QNaN beats an SNaN; of two NaNs of the same kind the one with the
 * larger significand wins. Invalid is raised for an SNaN or an unsupported encoding.
 */
export function propagateNaN2(env: FloatEnv, a: F80, ca: number, b: F80, cb: number): F80 {
  if (ca === C_UNSUPPORTED || cb === C_UNSUPPORTED) {
    env.flags |= FLAG_INVALID;
    return defaultNaN();
  }
  const aNaN = isNaNClass(ca);
  const bNaN = isNaNClass(cb);
  if (ca === C_SNAN || cb === C_SNAN) env.flags |= FLAG_INVALID;
  let pick: F80;
  if (aNaN && bNaN) {
    if (ca === C_SNAN && cb === C_QNAN) pick = b;
    else if (cb === C_SNAN && ca === C_QNAN) pick = a;
    else if (a.sig !== b.sig) pick = a.sig > b.sig ? a : b;
    else pick = a.se <= b.se ? a : b; // equal significands: the positive one
  } else {
    pick = aNaN ? a : b;
  }
  return { se: pick.se, sig: pick.sig | QUIET_BIT };
}

export function propagateNaN1(env: FloatEnv, a: F80, ca: number): F80 {
  if (ca === C_UNSUPPORTED || ca === C_SNAN) env.flags |= FLAG_INVALID;
  if (ca === C_UNSUPPORTED) return defaultNaN();
  return { se: a.se, sig: a.sig | QUIET_BIT };
}

export function parseF80(hex: string): F80 {
  return { se: parseInt(hex.slice(0, 4), 16), sig: BigInt('0x' + hex.slice(4, 20)) };
}

export function formatF80(v: F80): string {
  return v.se.toString(16).toUpperCase().padStart(4, '0') + v.sig.toString(16).toUpperCase().padStart(16, '0');
}
