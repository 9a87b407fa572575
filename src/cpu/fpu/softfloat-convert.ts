// Conversions between extF80 and the formats the x87 loads and stores (Intel SDM vol.1 §4.2,
// §8.2 and vol.2 FLD/FST/FILD/FIST/FBLD/FBSTP): binary32/binary64 (bits as numbers/bigints),
// two's-complement integers of 16/32/64 bits, and 18-digit packed BCD.
import { BIN32, BIN64, BinFormat, Rounded, packBin, roundCore, roundPackF80 } from './softfloat-round.js';
import { f80RoundToInt } from './softfloat-rem.js';
import {
  C_INF,
  C_UNSUPPORTED,
  C_ZERO,
  F80,
  FLAG_DENORMAL,
  FLAG_INEXACT,
  FLAG_INVALID,
  FloatEnv,
  QUIET_BIT,
  classify,
  isNaNClass,
  lsbExponent,
} from './softfloat-types.js';

function binToF80(env: FloatEnv, fmt: BinFormat, bits: bigint, keepSignaling = false): F80 {
  const fracBits = BigInt(fmt.p - 1);
  const expBits = BigInt(fmt.expBits);
  const sign = Number(bits >> (fracBits + expBits)) & 1;
  const exp = Number((bits >> fracBits) & ((1n << expBits) - 1n));
  const frac = bits & ((1n << fracBits) - 1n);
  const s = sign << 15;
  const expAll = (1 << fmt.expBits) - 1;
  if (exp === expAll) {
    if (frac === 0n) return { se: s | 0x7fff, sig: 1n << 63n };
    // NaN: payload moves to the top of the significand; an SNaN is quieted (invalid).
    const quiet = 1n << (fracBits - 1n);
    const sig = (1n << 63n) | (frac << (63n - fracBits));
    // An arithmetic instruction's memory operand stays signalling so that the NaN rules of the
    // operation pick the right operand (Intel SDM vol.1 table 4-7); FLD quiets it here.
    if (keepSignaling) return { se: s | 0x7fff, sig };
    if ((frac & quiet) === 0n) env.flags |= FLAG_INVALID;
    return { se: s | 0x7fff, sig: sig | QUIET_BIT };
  }
  if (exp === 0) {
    if (frac === 0n) return { se: s, sig: 0n };
    env.flags |= FLAG_DENORMAL;
    return roundPackF80(env, sign, frac, fmt.emin - (fmt.p - 1), 64); // exact
  }
  return { se: s | (exp - fmt.emax + 16383), sig: ((1n << fracBits) | frac) << (64n - BigInt(fmt.p)) };
}

export function f32ToF80(env: FloatEnv, bits: number, keepSignaling = false): F80 {
  return binToF80(env, BIN32, BigInt(bits >>> 0), keepSignaling);
}
export function f64ToF80(env: FloatEnv, bits: bigint, keepSignaling = false): F80 {
  return binToF80(env, BIN64, bits, keepSignaling);
}

function f80ToBin(env: FloatEnv, fmt: BinFormat, a: F80): bigint {
  const c = classify(a.se, a.sig);
  const sign = a.se >> 15;
  const fracBits = BigInt(fmt.p - 1);
  const top = BigInt(sign) << (fracBits + BigInt(fmt.expBits));
  const expAll = BigInt((1 << fmt.expBits) - 1) << fracBits;
  if (c === C_UNSUPPORTED) {
    env.flags |= FLAG_INVALID;
    return (1n << (fracBits + BigInt(fmt.expBits))) | expAll | (1n << (fracBits - 1n));
  }
  if (isNaNClass(c)) {
    if ((a.sig & QUIET_BIT) === 0n) env.flags |= FLAG_INVALID;
    // Quiet the NaN and keep the top fraction bits (truncation).
    const frac = ((a.sig << 1n) & 0xffffffffffffffffn) >> (64n - fracBits);
    return top | expAll | (1n << (fracBits - 1n)) | frac;
  }
  if (c === C_INF) return top | expAll;
  if (c === C_ZERO) return top;
  // Stores never signal the denormal-operand exception (Intel SDM vol.2 FST: #U/#O/#P/#IA only).
  const r = new Rounded();
  roundCore(env, r, sign, a.sig, lsbExponent(a.se), fmt.p, fmt.emin, fmt.emax, 0);
  return packBin(fmt, sign, r);
}

export function f80ToF32(env: FloatEnv, a: F80): number {
  return Number(f80ToBin(env, BIN32, a));
}
export function f80ToF64(env: FloatEnv, a: F80): bigint {
  return f80ToBin(env, BIN64, a);
}

/** Exact conversion of any integer (|v| < 2^64) to extF80. */
export function intToF80(v: bigint): F80 {
  if (v === 0n) return { se: 0, sig: 0n };
  const sign = v < 0n ? 1 : 0;
  const m = sign ? -v : v;
  const env = new FloatEnv();
  return roundPackF80(env, sign, m, 0, 64);
}

/**
 * extF80 → signed integer of `bits` width, rounded with env.rc. Out of range, NaN, ∞ and
 * unsupported operands raise invalid and give the "integer indefinite" (only the sign bit set;
 * Intel SDM vol.1 §4.2.2, table 4-2). `exact` raises inexact when rounding lost bits (FIST);
 * Berkeley TestFloat's default conversions do not.
 */
export function f80ToInt(env: FloatEnv, a: F80, bits: number, exact: boolean): bigint {
  const indefinite = -(1n << BigInt(bits - 1));
  const c = classify(a.se, a.sig);
  if (isNaNClass(c) || c === C_INF || c === C_UNSUPPORTED) {
    env.flags |= FLAG_INVALID;
    return indefinite;
  }
  if (c === C_ZERO) return 0n;
  const before = env.flags;
  const r = f80RoundToInt(env, a, false);
  env.flags = (env.flags & ~FLAG_DENORMAL) | (before & FLAG_DENORMAL); // FIST: no #D

  const sign = r.se >> 15;
  const E = lsbExponent(r.se);
  let v = 0n;
  if (r.sig !== 0n) {
    if (E > 64) {
      env.flags |= FLAG_INVALID;
      return indefinite;
    }
    v = E >= 0 ? r.sig << BigInt(E) : r.sig >> BigInt(-E);
  }
  if (sign) v = -v;
  const max = (1n << BigInt(bits - 1)) - 1n;
  if (v > max || v < indefinite) {
    env.flags |= FLAG_INVALID;
    return indefinite;
  }
  if (exact && (r.se !== a.se || r.sig !== a.sig)) env.flags |= FLAG_INEXACT;
  return v;
}

/** Two's-complement bit pattern of v in `bits` bits (for storing). */
export function toUnsigned(v: bigint, bits: number): bigint {
  return BigInt.asUintN(bits, v);
}

/**
 * Packed BCD (10 bytes, little endian as a bigint: 18 digits in bytes 0–8, sign in byte 9
 * bit 7) → extF80. Invalid digits give an undefined result on silicon; they are read as binary
 * nibble values here.
 */
export function bcdToF80(bcd: bigint): F80 {
  let v = 0n;
  for (let i = 17; i >= 0; i--) v = v * 10n + ((bcd >> BigInt(i * 4)) & 0xfn);
  const neg = (bcd >> 79n) & 1n;
  if (v === 0n) return { se: Number(neg) << 15, sig: 0n };
  return intToF80(neg ? -v : v);
}

/** The packed BCD indefinite stored by a masked invalid FBSTP (Intel SDM vol.1 §4.7 table 4-4). */
export const BCD_INDEFINITE = 0xffffc000000000000000n;

/** extF80 → packed BCD, rounded with env.rc; |value| ≥ 10^18, NaN or ∞ → invalid + indefinite. */
export function f80ToBcd(env: FloatEnv, a: F80): bigint {
  const c = classify(a.se, a.sig);
  if (isNaNClass(c) || c === C_INF || c === C_UNSUPPORTED) {
    env.flags |= FLAG_INVALID;
    return BCD_INDEFINITE;
  }
  const sign = BigInt(a.se >> 15);
  if (c === C_ZERO) return sign << 79n;
  const trial = new FloatEnv();
  trial.rc = env.rc;
  const v = f80ToInt(trial, a, 66, true);
  const mag = v < 0n ? -v : v;
  if ((trial.flags & FLAG_INVALID) !== 0 || mag >= 1000000000000000000n) {
    env.flags |= FLAG_INVALID;
    return BCD_INDEFINITE;
  }
  env.flags |= trial.flags;
  env.roundedUp = trial.roundedUp;
  let out = 0n;
  let m = mag;
  for (let i = 0; i < 18; i++) {
    out |= (m % 10n) << BigInt(i * 4);
    m /= 10n;
  }
  return out | (sign << 79n);
}
