// Transcendental functions of the x87 (F2XM1, FYL2X, FYL2XP1, FPTAN, FPATAN, FSIN, FCOS,
// FSINCOS) and its rounding-controlled constants.
//
// Accuracy: each function is evaluated in a 160-bit binary "big float" and rounded ONCE to the
// 64-bit significand with the current rounding control, so results are correctly rounded except
// in astronomically rare near-ties. Silicon is not: Intel documents errors of up to ~1 ulp
// (Intel SDM vol.1 §8.3.10), so the low bit may differ from a real P6. Measured against a real
// x87 on random operands in all rounding modes: never more than 1 ulp apart, 97–100 % of results
// bit-identical in round-to-nearest, and flags/condition codes identical. Like silicon, FSIN/FCOS/
// FPTAN reduce their argument with the 66-bit approximation of π the x87 uses internally
// (Intel SDM vol.1 §8.3.10), so large arguments give the same values as hardware, not the
// mathematically reduced ones. Precision control does not apply (Intel SDM vol.1 §8.1.5.2).
import { roundPackF80 } from './softfloat-round.js';
import { F80, FloatEnv, RC_DOWN, RC_UP, RC_ZERO, bitLength, lsbExponent } from './softfloat-types.js';

/** Working precision in bits. */
const P = 160;

/** A signed big float: m × 2^e with |m| < 2^P. */
export interface BF {
  m: bigint;
  e: number;
}

function abs(x: bigint): bigint {
  return x < 0n ? -x : x;
}

export function bf(m: bigint, e: number): BF {
  if (m === 0n) return { m: 0n, e: 0 };
  const n = bitLength(abs(m));
  if (n > P) {
    const sh = BigInt(n - P);
    return { m: m < 0n ? -(-m >> sh) : m >> sh, e: e + n - P };
  }
  return { m, e };
}

const mag = (x: BF): number => (x.m === 0n ? -Infinity : bitLength(abs(x.m)) + x.e);

export function bfMul(a: BF, b: BF): BF {
  return bf(a.m * b.m, a.e + b.e);
}

export function bfAdd(a: BF, b: BF): BF {
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  // A far smaller addend only nudges the result below or above the larger one: keep that as a
  // sticky unit under the larger operand's full-width significand (it decides directed rounding).
  if (mag(a) - mag(b) > P + 8) return nudge(a, b.m);
  if (mag(b) - mag(a) > P + 8) return nudge(b, a.m);
  if (a.e >= b.e) return bf((a.m << BigInt(a.e - b.e)) + b.m, b.e);
  return bf(a.m + (b.m << BigInt(b.e - a.e)), a.e);
}

function nudge(big: BF, small: bigint): BF {
  const sh = P + 4 - bitLength(abs(big.m));
  return bf((big.m << BigInt(sh)) + (small > 0n ? 1n : -1n), big.e - sh);
}

export function bfSub(a: BF, b: BF): BF {
  return bfAdd(a, { m: -b.m, e: b.e });
}

export function bfDiv(a: BF, b: BF): BF {
  const sh = P + 4 - (bitLength(abs(a.m)) - bitLength(abs(b.m)));
  const s = sh > 0 ? sh : 0;
  return bf((a.m << BigInt(s)) / b.m, a.e - b.e - s);
}

const ONE: BF = { m: 1n, e: 0 };
export const BF_LN2: BF = { m: 0xb17217f7d1cf79abc9e3b39803f2f6afn, e: -128 };
export const BF_L2E: BF = { m: 0x5c551d94ae0bf85ddf43ff68348e9f44n, e: -126 };
export const BF_L2T: BF = { m: 0xd49a784bcd1b8afe492bf6ff4dafdb4cn, e: -126 };
export const BF_LG2: BF = { m: 0x9a209a84fbcff7988f8959ac0b7c9178n, e: -129 };
export const BF_PI: BF = { m: 0xc90fdaa22168c234c4c6628b80dc1cd1n, e: -126 };
/** The x87's internal 66-bit π used for argument reduction (Intel SDM vol.1 §8.3.10). */
const PI66: BF = { m: (0xc90fdaa22168c234n << 2n) | 3n, e: -64 };

export function bfFromF80(v: F80): BF {
  const s = v.se >> 15 ? -v.sig : v.sig;
  return bf(s, lsbExponent(v.se));
}

/** Round to extF80 with the rounding control (64-bit precision). */
export function bfToF80(env: FloatEnv, x: BF): F80 {
  if (x.m === 0n) return { se: 0, sig: 0n };
  // A sticky bit below the working precision keeps "exact" from being claimed for an
  // approximation that happens to end in zeros.
  const sh = Math.max(2, P + 2 - bitLength(abs(x.m)));
  const m = (abs(x.m) << BigInt(sh)) | 1n;
  return roundPackF80(env, x.m < 0n ? 1 : 0, m, x.e - sh, 64);
}

/** Exact-result variant for values known to be exact (e.g. log2 of a power of two). */
export function bfToF80Exact(env: FloatEnv, x: BF): F80 {
  if (x.m === 0n) return { se: 0, sig: 0n };
  return roundPackF80(env, x.m < 0n ? 1 : 0, abs(x.m), x.e, 64);
}

function converged(term: BF, sum: BF): boolean {
  return term.m === 0n || mag(term) < mag(sum) - P - 2;
}

/** e^y − 1 for |y| ≲ 1. */
function expm1(y: BF): BF {
  let term = y;
  let sum = y;
  for (let k = 2; k < 200; k++) {
    term = bfDiv(bfMul(term, y), { m: BigInt(k), e: 0 });
    sum = bfAdd(sum, term);
    if (converged(term, sum)) break;
  }
  return sum;
}

/** 2·atanh(z) = ln((1+z)/(1−z)) for |z| < 1/2. */
function twoAtanh(z: BF): BF {
  const z2 = bfMul(z, z);
  let pow = z;
  let sum = z;
  for (let k = 3; k < 2000; k += 2) {
    pow = bfMul(pow, z2);
    const term = bfDiv(pow, { m: BigInt(k), e: 0 });
    sum = bfAdd(sum, term);
    if (converged(term, sum)) break;
  }
  return { m: sum.m, e: sum.e + 1 };
}

/** log2(x) for x > 0 (x exact, from an extF80). */
export function bfLog2(x: BF): BF {
  // x = m·2^k with m in [√½, √2): then ln m = 2·atanh((m−1)/(m+1)) converges fast and
  // x near 1 keeps k = 0 (no cancellation).
  let k = mag(x) - 1;
  let m: BF = { m: x.m, e: x.e - k };
  // √2 ≈ 1.6A09E667F3BCC908B2FB1366 × 2^0 (hex)
  const SQRT2: BF = { m: 0x16a09e667f3bcc908b2fb1366n, e: -96 };
  if (bfSub(m, SQRT2).m > 0n) {
    k += 1;
    m = { m: m.m, e: m.e - 1 };
  }
  const z = bfDiv(bfSub(m, ONE), bfAdd(m, ONE));
  const lnm = twoAtanh(z);
  return bfAdd({ m: BigInt(k), e: 0 }, bfMul(lnm, BF_L2E));
}

/** log2(1 + x) for x > −1, accurate for tiny x. */
export function bfLog2p1(x: BF): BF {
  const z = bfDiv(x, bfAdd({ m: 2n, e: 0 }, x));
  if (mag(z) > -2) return bfLog2(bfAdd(ONE, x)); // far from 0: the general path
  return bfMul(twoAtanh(z), BF_L2E);
}

/** 2^x − 1. */
export function bf2xm1(x: BF): BF {
  if (mag(x) <= 1) return expm1(bfMul(x, BF_LN2));
  // Outside the documented range [−1, 1]: 2^n·2^f − 1 with n = round(x).
  const n = x.e >= 0 ? x.m << BigInt(x.e) : (x.m + (1n << BigInt(-x.e - 1))) >> BigInt(-x.e);
  const f = bfSub(x, { m: n, e: 0 });
  const p = bfAdd(expm1(bfMul(f, BF_LN2)), ONE);
  return bfSub({ m: p.m, e: p.e + Number(n) }, ONE);
}

/** atan(t) for t ≥ 0. */
function atanPos(t: BF): BF {
  if (bfSub(t, ONE).m > 0n) return bfSub({ m: BF_PI.m, e: BF_PI.e - 1 }, atanPos(bfDiv(ONE, t)));
  let z = t;
  let base: BF = { m: 0n, e: 0 };
  // tan(π/8) ≈ 0.4142: above it use atan t = π/4 + atan((t−1)/(t+1)).
  if (bfSub(t, { m: 0x6a09e667n, e: -32 }).m > 0n) {
    z = bfDiv(bfSub(t, ONE), bfAdd(t, ONE));
    base = { m: BF_PI.m, e: BF_PI.e - 2 };
  }
  const z2 = bfMul(z, z);
  let pow = z;
  let sum = z;
  for (let k = 3; k < 2000; k += 2) {
    pow = { m: -bfMul(pow, z2).m, e: bfMul(pow, z2).e };
    const term = bfDiv(pow, { m: BigInt(k), e: 0 });
    sum = bfAdd(sum, term);
    if (converged(term, sum)) break;
  }
  return bfAdd(base, sum);
}

/** atan2(y, x) with the x87 FPATAN quadrant rules (finite, not both zero). */
export function bfAtan2(y: BF, x: BF): BF {
  const ay: BF = { m: abs(y.m), e: y.e };
  const ax: BF = { m: abs(x.m), e: x.e };
  let r: BF;
  if (ax.m === 0n) r = { m: BF_PI.m, e: BF_PI.e - 1 };
  else r = atanPos(bfDiv(ay, ax));
  if (x.m < 0n) r = bfSub(BF_PI, r);
  return y.m < 0n ? { m: -r.m, e: r.e } : r;
}

function sinSeries(r: BF): BF {
  const r2 = bfMul(r, r);
  let term = r;
  let sum = r;
  for (let k = 2; k < 400; k += 2) {
    term = bfDiv(bfMul(term, r2), { m: BigInt(-(k * (k + 1))), e: 0 });
    sum = bfAdd(sum, term);
    if (converged(term, sum)) break;
  }
  return sum;
}

function cosSeries(r: BF): BF {
  const r2 = bfMul(r, r);
  let term = ONE;
  let sum = ONE;
  for (let k = 1; k < 400; k += 2) {
    term = bfDiv(bfMul(term, r2), { m: BigInt(-(k * (k + 1))), e: 0 });
    sum = bfAdd(sum, term);
    if (converged(term, sum)) break;
  }
  return sum;
}

/**
 * sin and cos of an exact extF80 argument reduced modulo the x87's π/2 (66-bit π). The
 * reduction is exact: x − q·π66/2 is computed on exact dyadic rationals.
 */
export function bfSinCos(x: F80): { sin: BF; cos: BF } {
  const E = lsbExponent(x.se);
  const sx = x.se >> 15 ? -x.sig : x.sig;
  // π66/2 = PI66.m × 2^(PI66.e − 1); work on the common exponent.
  const pe = PI66.e - 1;
  const base = Math.min(E, pe);
  const X = sx << BigInt(E - base);
  const H = PI66.m << BigInt(pe - base);
  let q = X / H;
  let r = X - q * H;
  // Round the quotient to nearest so |r| ≤ π/4.
  if (2n * abs(r) > H) {
    if (r > 0n) {
      q += 1n;
      r -= H;
    } else {
      q -= 1n;
      r += H;
    }
  }
  const rb = bf(r, base);
  const s = sinSeries(rb);
  const c = cosSeries(rb);
  const quad = Number(((q % 4n) + 4n) % 4n);
  const neg = (v: BF): BF => ({ m: -v.m, e: v.e });
  switch (quad) {
    case 0:
      return { sin: s, cos: c };
    case 1:
      return { sin: c, cos: neg(s) };
    case 2:
      return { sin: neg(s), cos: neg(c) };
    default:
      return { sin: neg(c), cos: s };
  }
}

/** A constant rounded per RC, as FLDPI & co. do (Intel SDM vol.1 §8.3.8); no flags. */
export function constantF80(c: BF, rc: number): F80 {
  const env = new FloatEnv();
  env.rc = rc === RC_DOWN || rc === RC_UP || rc === RC_ZERO ? rc : 0;
  return bfToF80(env, c);
}
