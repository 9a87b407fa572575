// extF80 arithmetic: add, sub, mul, div, sqrt. Each computes the exact result (or an exact
// truncation plus a sticky bit) with bigints and rounds once (softfloat-round.ts), which is
// what IEEE 754 and the x87 require (Intel SDM vol.1 §4.8.4). Special operands follow the x87
// tables of Intel SDM vol.2 (FADD/FMUL/FDIV/FSQRT "Results" tables).
import { roundPackF80 } from './softfloat-round.js';
import {
  C_DENORMAL,
  C_INF,
  C_UNSUPPORTED,
  C_ZERO,
  F80,
  bitLength,
  FLAG_DENORMAL,
  FLAG_DIVBYZERO,
  FLAG_INVALID,
  FloatEnv,
  RC_DOWN,
  classify,
  defaultNaN,
  infF80,
  isNaNClass,
  lsbExponent,
  propagateNaN1,
  propagateNaN2,
  zeroF80,
} from './softfloat-types.js';

/** Beyond this exponent gap the smaller addend only matters as a sticky bit. */
const ADD_GAP = 160;

function specialPair(env: FloatEnv, a: F80, ca: number, b: F80, cb: number): F80 | null {
  if (isNaNClass(ca) || isNaNClass(cb) || ca === C_UNSUPPORTED || cb === C_UNSUPPORTED) {
    return propagateNaN2(env, a, ca, b, cb);
  }
  if (ca === C_DENORMAL || cb === C_DENORMAL) env.flags |= FLAG_DENORMAL;
  return null;
}

/** a + b (negB = 0) or a − b (negB = 1). */
export function f80Add(env: FloatEnv, a: F80, b: F80, negB = 0, precision = env.precision): F80 {
  const ca = classify(a.se, a.sig);
  const cb = classify(b.se, b.sig);
  const sp = specialPair(env, a, ca, b, cb);
  if (sp) return sp;
  const sa = a.se >> 15;
  const sb = (b.se >> 15) ^ negB;
  if (ca === C_INF || cb === C_INF) {
    if (ca === C_INF && cb === C_INF && sa !== sb) {
      env.flags |= FLAG_INVALID;
      return defaultNaN();
    }
    return infF80(ca === C_INF ? sa : sb);
  }
  let ea = lsbExponent(a.se);
  let eb = lsbExponent(b.se);
  let ma = a.sig;
  let mb = b.sig;
  if (ma === 0n && mb === 0n) {
    // IEEE 754 §6.3: exact zero sum is +0 except in round-down; x + x keeps its sign.
    return zeroF80(sa === sb ? sa : env.rc === RC_DOWN ? 1 : 0);
  }
  if (ma === 0n) ea = eb;
  if (mb === 0n) eb = ea;
  let E: number;
  if (ea - eb > ADD_GAP) {
    ma <<= BigInt(ADD_GAP);
    mb = 1n;
    E = ea - ADD_GAP;
  } else if (eb - ea > ADD_GAP) {
    mb <<= BigInt(ADD_GAP);
    ma = 1n;
    E = eb - ADD_GAP;
  } else if (ea >= eb) {
    ma <<= BigInt(ea - eb);
    E = eb;
  } else {
    mb <<= BigInt(eb - ea);
    E = ea;
  }
  const sum = (sa ? -ma : ma) + (sb ? -mb : mb);
  if (sum === 0n) return zeroF80(env.rc === RC_DOWN ? 1 : 0);
  return sum < 0n ? roundPackF80(env, 1, -sum, E, precision) : roundPackF80(env, 0, sum, E, precision);
}

export function f80Sub(env: FloatEnv, a: F80, b: F80, precision = env.precision): F80 {
  return f80Add(env, a, b, 1, precision);
}

export function f80Mul(env: FloatEnv, a: F80, b: F80, precision = env.precision): F80 {
  const ca = classify(a.se, a.sig);
  const cb = classify(b.se, b.sig);
  const sp = specialPair(env, a, ca, b, cb);
  if (sp) return sp;
  const sign = (a.se ^ b.se) >> 15;
  if (ca === C_INF || cb === C_INF) {
    if (ca === C_ZERO || cb === C_ZERO) {
      env.flags |= FLAG_INVALID;
      return defaultNaN();
    }
    return infF80(sign);
  }
  if (ca === C_ZERO || cb === C_ZERO) return zeroF80(sign);
  return roundPackF80(env, sign, a.sig * b.sig, lsbExponent(a.se) + lsbExponent(b.se), precision);
}

/** Extra quotient bits: enough for 64 result bits plus guard even for denormal operands. */
const DIV_SHIFT = 140;

export function f80Div(env: FloatEnv, a: F80, b: F80, precision = env.precision): F80 {
  const ca = classify(a.se, a.sig);
  const cb = classify(b.se, b.sig);
  const sp = specialPair(env, a, ca, b, cb);
  if (sp) return sp;
  const sign = (a.se ^ b.se) >> 15;
  if (ca === C_INF) {
    if (cb === C_INF) {
      env.flags |= FLAG_INVALID;
      return defaultNaN();
    }
    return infF80(sign);
  }
  if (cb === C_INF) return zeroF80(sign);
  if (cb === C_ZERO) {
    if (ca === C_ZERO) {
      env.flags |= FLAG_INVALID;
      return defaultNaN();
    }
    env.flags |= FLAG_DIVBYZERO;
    return infF80(sign);
  }
  if (ca === C_ZERO) return zeroF80(sign);
  const num = a.sig << BigInt(DIV_SHIFT);
  let q = num / b.sig;
  if (q * b.sig !== num) q |= 1n; // sticky: the dropped remainder is far below the rounding bit
  return roundPackF80(env, sign, q, lsbExponent(a.se) - lsbExponent(b.se) - DIV_SHIFT, precision);
}

/** Integer square root (floor) of a non-negative bigint, by Newton's iteration. */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  // Start just above the root from a double estimate of the top bits, so Newton's iteration
  // (decreasing from above) needs only two or three steps.
  const bits = bitLength(n);
  const shift = bits > 100 ? (bits - 100) & ~1 : 0;
  const est = Math.floor(Math.sqrt(Number(n >> BigInt(shift))));
  let x = (BigInt(est) + 2n) << BigInt(shift >> 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

const SQRT_SHIFT = 140;

export function f80Sqrt(env: FloatEnv, a: F80, precision = env.precision): F80 {
  const ca = classify(a.se, a.sig);
  if (isNaNClass(ca) || ca === C_UNSUPPORTED) return propagateNaN1(env, a, ca);
  const sign = a.se >> 15;
  if (ca === C_ZERO) return a;
  if (sign) {
    env.flags |= FLAG_INVALID;
    return defaultNaN();
  }
  if (ca === C_INF) return a;
  if (ca === C_DENORMAL) env.flags |= FLAG_DENORMAL;
  let E = lsbExponent(a.se);
  let m = a.sig;
  if (E & 1) {
    m <<= 1n;
    E -= 1;
  }
  const n = m << BigInt(SQRT_SHIFT);
  let r = isqrt(n);
  if (r * r !== n) r |= 1n;
  return roundPackF80(env, 0, r, (E - SQRT_SHIFT) / 2, precision);
}
