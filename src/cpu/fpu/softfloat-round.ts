// Rounding of an exact intermediate result (sign, bigint magnitude × 2^E) to a binary format
// with p significand bits and normal exponent range [emin, emax]: the single place where
// rounding, tininess, overflow and the inexact/underflow/overflow flags are decided.
//
// x87 facts applied here (Intel SDM vol.1 §4.9.1.5, §4.9.1.4, §8.1.5.2):
// - tininess is detected AFTER rounding (result rounded with unbounded exponent < 2^emin);
// - masked underflow is flagged only when the result is tiny AND inexact;
// - precision control rounds the significand to 24/53 bits but keeps the extended exponent
//   range, so a denormal extF80 result keeps p bits counted from the top of the 64-bit field;
// - masked overflow yields ∞ or the largest finite value (with p bits) by rounding direction.
import {
  BIAS,
  EMAX,
  EMIN,
  F80,
  FLAG_INEXACT,
  FLAG_OVERFLOW,
  FLAG_UNDERFLOW,
  FloatEnv,
  RC_DOWN,
  RC_NEAREST,
  RC_UP,
  bitLength,
} from './softfloat-types.js';

/** Result of roundCore: the value is sign × q × 2^lsb, or ∞ when `inf` is set. */
export class Rounded {
  q = 0n;
  lsb = 0;
  inf = false;
}

function roundUpNeeded(rc: number, sign: number, q: bigint, rem: bigint, half: bigint): boolean {
  if (rem === 0n) return false;
  switch (rc) {
    case RC_NEAREST:
      return rem > half || (rem === half && (q & 1n) === 1n);
    case RC_DOWN:
      return sign !== 0;
    case RC_UP:
      return sign === 0;
    default:
      return false;
  }
}

/** Round `sig` × 2^`shift`-discarded bits; returns rounded q and whether bits were lost. */
function roundAt(rc: number, sign: number, sig: bigint, sh: number): { q: bigint; inexact: boolean; up: boolean } {
  if (sh <= 0) return { q: sig << BigInt(-sh), inexact: false, up: false };
  const bsh = BigInt(sh);
  let q = sig >> bsh;
  const rem = sig & ((1n << bsh) - 1n);
  const up = roundUpNeeded(rc, sign, q, rem, 1n << (bsh - 1n));
  if (up) q += 1n;
  return { q, inexact: rem !== 0n, up };
}

/**
 * Round sign × sig × 2^E (sig > 0) to p bits within [emin, emax]; sets flags in env.
 * `wrap` is the x87 exponent bias adjustment for unmasked over/underflow (24576 for extF80,
 * 0 for memory formats, whose unmasked case the x87 unit handles by not storing).
 */
export function roundCore(
  env: FloatEnv,
  out: Rounded,
  sign: number,
  sig: bigint,
  E: number,
  p: number,
  emin: number,
  emax: number,
  wrap: number,
): void {
  const rc = env.rc;
  const n = bitLength(sig);
  const L = E + n - 1;
  let lsb = L - (p - 1);
  let tiny = false;
  if (L < emin) {
    if (L < emin - 1) tiny = true;
    else {
      const r = roundAt(rc, sign, sig, lsb - E);
      tiny = bitLength(r.q) <= p; // did not carry up to 2^emin
    }
    if (tiny && wrap !== 0 && env.underflowUnmasked) {
      // Unmasked underflow: deliver the normalised result scaled by 2^wrap, flag UE.
      const r = roundAt(rc, sign, sig, lsb - E);
      env.roundedUp = r.up;
      env.flags |= FLAG_UNDERFLOW;
      if (r.inexact) env.flags |= FLAG_INEXACT;
      setOut(out, r.q, lsb + wrap, p);
      if (out.lsb + bitLength(out.q) - 1 < emin) {
        // Still out of range after the bias adjustment (FSCALE): a signed zero.
        env.flags |= FLAG_INEXACT;
        env.roundedUp = false;
        out.q = 0n;
      }
      return;
    }
    lsb = emin - (p - 1);
  }
  const r = roundAt(rc, sign, sig, lsb - E);
  env.roundedUp = r.up;
  setOut(out, r.q, lsb, p);
  if (r.q !== 0n && out.lsb + bitLength(out.q) - 1 > emax) {
    env.flags |= FLAG_OVERFLOW;
    if (wrap !== 0 && env.overflowUnmasked) {
      if (r.inexact) env.flags |= FLAG_INEXACT;
      out.lsb -= wrap;
      if (out.lsb + bitLength(out.q) - 1 <= emax) return;
      // Still out of range after the bias adjustment (FSCALE; measured on silicon): ∞.
      env.flags |= FLAG_INEXACT;
      env.roundedUp = true;
      out.inf = true;
      return;
    }
    env.flags |= FLAG_INEXACT;
    if (rc === RC_NEAREST || (rc === RC_DOWN && sign !== 0) || (rc === RC_UP && sign === 0)) {
      out.inf = true;
      env.roundedUp = true;
    } else {
      env.roundedUp = false;
      out.q = (1n << BigInt(p)) - 1n;
      out.lsb = emax - (p - 1);
    }
    return;
  }
  if (r.inexact) {
    env.flags |= FLAG_INEXACT;
    if (tiny) env.flags |= FLAG_UNDERFLOW;
  }
}

function setOut(out: Rounded, q: bigint, lsb: number, p: number): void {
  out.inf = false;
  if (bitLength(q) > p) {
    q >>= 1n; // rounding carried to 2^p: the dropped bit is zero
    lsb += 1;
  }
  out.q = q;
  out.lsb = lsb;
}

/** Pack a rounded magnitude as extF80 (denormals when below 2^EMIN). */
export function packF80(sign: number, r: Rounded): F80 {
  const s = sign << 15;
  if (r.inf) return { se: s | 0x7fff, sig: 1n << 63n };
  if (r.q === 0n) return { se: s, sig: 0n };
  const n = bitLength(r.q);
  const L = r.lsb + n - 1;
  if (L >= EMIN) return { se: s | (L + BIAS), sig: r.q << BigInt(64 - n) };
  return { se: s, sig: r.q << BigInt(r.lsb - (EMIN - 63)) };
}

/** Round an exact value to extF80 with the environment's precision control. */
export function roundPackF80(env: FloatEnv, sign: number, sig: bigint, E: number, precision: number): F80 {
  if (sig === 0n) return { se: sign << 15, sig: 0n };
  const r = new Rounded();
  roundCore(env, r, sign, sig, E, precision, EMIN, EMAX, 24576);
  return packF80(sign, r);
}

/** IEEE binary interchange formats the x87 loads and stores (f32, f64). */
export interface BinFormat {
  p: number; // significand bits incl. hidden bit
  emin: number;
  emax: number;
  expBits: number;
}
export const BIN32: BinFormat = { p: 24, emin: -126, emax: 127, expBits: 8 };
export const BIN64: BinFormat = { p: 53, emin: -1022, emax: 1023, expBits: 11 };

/** Pack a rounded magnitude as IEEE bits (bigint, so one path serves f32 and f64). */
export function packBin(fmt: BinFormat, sign: number, r: Rounded): bigint {
  const fracBits = BigInt(fmt.p - 1);
  const bias = fmt.emax;
  const s = BigInt(sign) << (fracBits + BigInt(fmt.expBits));
  const expAll = (1n << BigInt(fmt.expBits)) - 1n;
  if (r.inf) return s | (expAll << fracBits);
  if (r.q === 0n) return s;
  const n = bitLength(r.q);
  const L = r.lsb + n - 1;
  if (L >= fmt.emin) {
    const frac = (r.q << BigInt(fmt.p - n)) & ((1n << fracBits) - 1n);
    return s | (BigInt(L + bias) << fracBits) | frac;
  }
  return s | (r.q << BigInt(r.lsb - (fmt.emin - (fmt.p - 1))));
}
