// extF80 remainder, round-to-integral and comparison.
// - f80Rem: IEEE 754 remainder (the x87 FPREM1 when complete), exact.
// - f80PartialRem: the x87 FPREM/FPREM1 step, which reduces the exponent by at most 63 per
//   execution (Intel SDM vol.2 FPREM/FPREM1 "Operation"): when the exponent difference is 64 or
//   more, a partial remainder is produced and C2 reports it.
// - f80RoundToInt: FRNDINT (rounding control, never precision control).
// - f80Compare: FCOM/FUCOM relation with quiet or signalling NaN handling.
import { roundPackF80 } from './softfloat-round.js';
import {
  C_DENORMAL,
  C_INF,
  C_SNAN,
  C_UNSUPPORTED,
  C_ZERO,
  F80,
  FLAG_DENORMAL,
  FLAG_INEXACT,
  FLAG_INVALID,
  FloatEnv,
  RC_DOWN,
  RC_NEAREST,
  RC_UP,
  classify,
  defaultNaN,
  isNaNClass,
  lsbExponent,
  propagateNaN1,
  propagateNaN2,
} from './softfloat-types.js';

/** Outcome of a partial remainder step: the value plus the x87 condition bits. */
export interface PartialRem {
  value: F80;
  /** Low three quotient bits (Q2..Q0) when complete. */
  quotient: number;
  /** true when the reduction is incomplete (x87 C2 = 1). */
  incomplete: boolean;
}

function remSpecial(env: FloatEnv, a: F80, ca: number, b: F80, cb: number): F80 | null {
  if (isNaNClass(ca) || isNaNClass(cb) || ca === C_UNSUPPORTED || cb === C_UNSUPPORTED) {
    return propagateNaN2(env, a, ca, b, cb);
  }
  if (ca === C_INF || cb === C_ZERO) {
    env.flags |= FLAG_INVALID;
    return defaultNaN();
  }
  if (ca === C_DENORMAL || cb === C_DENORMAL) env.flags |= FLAG_DENORMAL;
  if (ca === C_ZERO) return a;
  if (cb === C_INF) return roundPackF80(env, a.se >> 15, a.sig, lsbExponent(a.se), 64); // canonical a
  return null;
}

/**
 * Remainder of a by b. `nearest` selects FPREM1/IEEE (quotient rounded to nearest even) or
 * FPREM (quotient truncated). `partial` applies the x87 limit of 63 exponent steps.
 */
export function f80Remainder(env: FloatEnv, a: F80, b: F80, nearest: boolean, partial: boolean): PartialRem {
  const ca = classify(a.se, a.sig);
  const cb = classify(b.se, b.sig);
  const sp = remSpecial(env, a, ca, b, cb);
  if (sp) return { value: sp, quotient: 0, incomplete: false };
  const sa = a.se >> 15;
  const ea = lsbExponent(a.se);
  const eb = lsbExponent(b.se);
  // x87 exponent difference uses the true (normalised) exponents of the operands.
  const expDiff = ea + a.sig.toString(2).length - (eb + b.sig.toString(2).length);
  if (partial && expDiff >= 64) {
    // Reduce by the quotient's top bits only: QQ = trunc((a/b) / 2^(D−N)), N in 32..63
    // (the reduction QEMU and Bochs document; the exact N is implementation specific).
    const N = 32 + ((expDiff - 64) % 32);
    const shift = expDiff - N;
    const E = Math.min(ea, eb + shift);
    const A = a.sig << BigInt(ea - E);
    const B = b.sig << BigInt(eb + shift - E);
    const qq = A / B;
    const r = A - qq * B;
    const value = r === 0n ? { se: sa << 15, sig: 0n } : roundPackF80(env, sa, r, E, 64);
    return { value, quotient: 0, incomplete: true };
  }
  const E = Math.min(ea, eb);
  const A = a.sig << BigInt(ea - E);
  const B = b.sig << BigInt(eb - E);
  let q = A / B;
  let r = A - q * B;
  let sign = sa;
  if (nearest) {
    const twice = r << 1n;
    if (twice > B || (twice === B && (q & 1n) === 1n)) {
      r = B - r;
      q += 1n;
      sign ^= 1;
    }
  }
  const value = r === 0n ? { se: sa << 15, sig: 0n } : roundPackF80(env, sign, r, E, 64);
  return { value, quotient: Number(q & 7n), incomplete: false };
}

/** IEEE remainder (TestFloat extF80_rem). */
export function f80Rem(env: FloatEnv, a: F80, b: F80): F80 {
  return f80Remainder(env, a, b, true, false).value;
}

/** Round to an integral value with the rounding mode; `exact` raises inexact (x87 FRNDINT). */
export function f80RoundToInt(env: FloatEnv, a: F80, exact: boolean, rc = env.rc): F80 {
  const ca = classify(a.se, a.sig);
  if (isNaNClass(ca) || ca === C_UNSUPPORTED) return propagateNaN1(env, a, ca);
  if (ca === C_ZERO || ca === C_INF) return a;
  if (ca === C_DENORMAL) env.flags |= FLAG_DENORMAL;
  const sign = a.se >> 15;
  const E = lsbExponent(a.se);
  if (E >= 0) return a;
  const sh = BigInt(-E);
  let q = sh >= 66n ? 0n : a.sig >> sh;
  const rem = sh >= 66n ? a.sig : a.sig & ((1n << sh) - 1n);
  let up = false;
  if (rem !== 0n) {
    if (exact) env.flags |= FLAG_INEXACT;
    if (rc === RC_NEAREST) {
      const half = 1n << (sh - 1n);
      up = sh < 66n && (rem > half || (rem === half && (q & 1n) === 1n));
    } else if (rc === RC_DOWN) up = sign === 1;
    else if (rc === RC_UP) up = sign === 0;
    if (up) q += 1n;
  }
  const r = q === 0n ? { se: sign << 15, sig: 0n } : roundPackF80(env, sign, q, 0, 64);
  env.roundedUp = up; // the x87 reports it in C1
  return r;
}

export const REL_LESS = 0;
export const REL_EQUAL = 1;
export const REL_GREATER = 2;
export const REL_UNORDERED = 3;

/**
 * Compare a with b. `signalling`: any NaN raises invalid (FCOM, TestFloat lt/le); otherwise
 * only SNaNs do (FUCOM, TestFloat eq). Unsupported encodings always raise invalid.
 */
export function f80Compare(env: FloatEnv, a: F80, b: F80, signalling: boolean): number {
  const ca = classify(a.se, a.sig);
  const cb = classify(b.se, b.sig);
  if (isNaNClass(ca) || isNaNClass(cb) || ca === C_UNSUPPORTED || cb === C_UNSUPPORTED) {
    if (signalling || ca === C_SNAN || cb === C_SNAN || ca === C_UNSUPPORTED || cb === C_UNSUPPORTED) {
      env.flags |= FLAG_INVALID;
    }
    return REL_UNORDERED;
  }
  if (ca === C_DENORMAL || cb === C_DENORMAL) env.flags |= FLAG_DENORMAL;
  const sa = a.se >> 15;
  const sb = b.se >> 15;
  if (ca === C_ZERO && cb === C_ZERO) return REL_EQUAL;
  const ma = magnitudeKey(a, ca);
  const mb = magnitudeKey(b, cb);
  const va = sa ? -ma : ma;
  const vb = sb ? -mb : mb;
  return va < vb ? REL_LESS : va > vb ? REL_GREATER : REL_EQUAL;
}

/** Order-preserving magnitude key (pseudo-denormals compare equal to their normal twins). */
function magnitudeKey(v: F80, c: number): bigint {
  if (c === C_ZERO) return 0n;
  if (c === C_DENORMAL) return v.sig; // exponent 1 scale, integer bit included
  const e = v.se & 0x7fff;
  return (BigInt(e - 1) << 63n) + v.sig;
}

export function f80Eq(env: FloatEnv, a: F80, b: F80, signalling = false): boolean {
  return f80Compare(env, a, b, signalling) === REL_EQUAL;
}
export function f80Lt(env: FloatEnv, a: F80, b: F80, signalling = true): boolean {
  return f80Compare(env, a, b, signalling) === REL_LESS;
}
export function f80Le(env: FloatEnv, a: F80, b: F80, signalling = true): boolean {
  const r = f80Compare(env, a, b, signalling);
  return r === REL_LESS || r === REL_EQUAL;
}
