// D9 E0–FF: the x87 instructions without operands other than the stack — sign and class
// (FCHS, FABS, FTST, FXAM), constants, FSQRT, FSCALE, FXTRACT, FPREM/FPREM1, FRNDINT,
// FINCSTP/FDECSTP and the transcendentals (Intel SDM vol.2, one page each).
import { roundPackF80 } from './softfloat-round.js';
import { intToF80 } from './softfloat-convert.js';
import { f80Compare, f80Remainder, REL_EQUAL, REL_LESS, REL_UNORDERED } from './softfloat-rem.js';
import {
  BIAS,
  C_DENORMAL,
  C_INF,
  C_NORMAL,
  C_QNAN,
  C_SNAN,
  C_UNSUPPORTED,
  C_ZERO,
  F80,
  FLAG_DENORMAL,
  FLAG_DIVBYZERO,
  FLAG_INEXACT,
  FLAG_INVALID,
  FLAG_UNDERFLOW,
  classify,
  defaultNaN,
  infF80,
  isNaNClass,
  lsbExponent,
  propagateNaN1,
  propagateNaN2,
  zeroF80,
} from './softfloat-types.js';
import {
  BF,
  BF_L2E,
  BF_L2T,
  BF_LG2,
  BF_LN2,
  BF_PI,
  bf2xm1,
  bfAtan2,
  bfDiv,
  bfFromF80,
  bfLog2,
  bfLog2p1,
  bfMul,
  bfSinCos,
  bfToF80,
  constantF80,
} from './x87-math.js';
import type { X87 } from './x87.js';

const ONE: F80 = { se: 0x3fff, sig: 0x8000000000000000n };
const CONSTANTS: Array<BF | null> = [
  null, // E8 FLD1 (exact)
  BF_L2T,
  BF_L2E,
  BF_PI,
  BF_LG2,
  BF_LN2,
  null, // EE FLDZ
];

/** Execute D9 E0–FF; false for an undefined encoding (#UD). */
export function execD9Special(f: X87, modrm: number): boolean {
  switch (modrm) {
    case 0xe0: // FCHS
    case 0xe1: // FABS
      if (f.isEmpty(0)) {
        if (f.underflow()) f.setSt(0, defaultNaN());
        return true;
      }
      {
        const v = f.st(0);
        f.setSt(0, { se: modrm === 0xe0 ? v.se ^ 0x8000 : v.se & 0x7fff, sig: v.sig });
        f.setCC(cc(f, 3), cc(f, 2), 0, cc(f, 0));
      }
      return true;
    case 0xe4: // FTST
      ftst(f);
      return true;
    case 0xe5: // FXAM
      fxam(f);
      return true;
    case 0xe8:
    case 0xe9:
    case 0xea:
    case 0xeb:
    case 0xec:
    case 0xed:
    case 0xee: {
      if (!f.isEmpty(7)) {
        f.overflowPush();
        return true;
      }
      const c = CONSTANTS[modrm - 0xe8];
      const v = c ? constantF80(c, (f.cw >> 10) & 3) : modrm === 0xe8 ? ONE : zeroF80(0);
      f.sw &= ~0x200;
      f.push(v);
      return true;
    }
    case 0xf0: // F2XM1
      unary(f, (v) => transcendental1(f, v, 'f2xm1'));
      return true;
    case 0xf1: // FYL2X
      binaryPop(f, (y, x) => fyl2x(f, y, x, false));
      return true;
    case 0xf2: // FPTAN
      trig(f, 'tan');
      return true;
    case 0xf3: // FPATAN
      binaryPop(f, (y, x) => fpatan(f, y, x));
      return true;
    case 0xf4: // FXTRACT
      fxtract(f);
      return true;
    case 0xf5: // FPREM1
      fprem(f, true);
      return true;
    case 0xf6: // FDECSTP
      f.top = (f.top - 1) & 7;
      f.sw &= ~0x200;
      return true;
    case 0xf7: // FINCSTP
      f.top = (f.top + 1) & 7;
      f.sw &= ~0x200;
      return true;
    case 0xf8: // FPREM
      fprem(f, false);
      return true;
    case 0xf9: // FYL2XP1
      binaryPop(f, (y, x) => fyl2x(f, y, x, true));
      return true;
    case 0xfa: // FSQRT
      unary(f, (v) => f.sqrt(v));
      return true;
    case 0xfb: // FSINCOS
      trig(f, 'sincos');
      return true;
    case 0xfc: // FRNDINT
      unary(f, (v) => f.roundToInt(v));
      return true;
    case 0xfd: // FSCALE
      fscale(f);
      return true;
    case 0xfe: // FSIN
      trig(f, 'sin');
      return true;
    case 0xff: // FCOS
      trig(f, 'cos');
      return true;
  }
  return false;
}

function cc(f: X87, n: number): number {
  const bit = n === 3 ? 0x4000 : 0x100 << n;
  return f.sw & bit ? 1 : 0;
}

/** ST(0) ← fn(ST(0)). */
function unary(f: X87, fn: (v: F80) => F80): void {
  if (f.isEmpty(0)) {
    if (f.underflow()) f.setSt(0, defaultNaN());
    return;
  }
  const r = fn(f.st(0));
  if (!f.commit()) return;
  f.setSt(0, r);
}

/** ST(1) ← fn(ST(1), ST(0)); pop. */
function binaryPop(f: X87, fn: (st1: F80, st0: F80) => F80): void {
  if (f.isEmpty(0) || f.isEmpty(1)) {
    if (f.underflow()) {
      f.setSt(1, defaultNaN());
      f.pop();
    }
    return;
  }
  const r = fn(f.st(1), f.st(0));
  if (!f.commit()) return;
  f.setSt(1, r);
  f.pop();
}

function ftst(f: X87): void {
  if (f.isEmpty(0)) {
    f.underflow();
    f.setCC(1, 1, 0, 1);
    return;
  }
  const rel = f80Compare(f.env, f.st(0), zeroF80(0), true);
  f.commit(); // condition codes are set even for an unmasked #IA/#D (measured on silicon)
  if (rel === REL_UNORDERED) f.setCC(1, 1, 0, 1);
  else f.setCC(rel === REL_EQUAL ? 1 : 0, 0, 0, rel === REL_LESS ? 1 : 0);
}

/** FXAM class codes C3 C2 C0 (Intel SDM vol.2 FXAM table); C1 = sign. */
function fxam(f: X87): void {
  const v = f.st(0);
  const sign = v.se >> 15;
  if (f.isEmpty(0)) {
    f.setCC(1, 0, sign, 1);
    return;
  }
  switch (classify(v.se, v.sig)) {
    case C_UNSUPPORTED:
      f.setCC(0, 0, sign, 0);
      break;
    case C_QNAN:
    case C_SNAN:
      f.setCC(0, 0, sign, 1);
      break;
    case C_NORMAL:
      f.setCC(0, 1, sign, 0);
      break;
    case C_INF:
      f.setCC(0, 1, sign, 1);
      break;
    case C_ZERO:
      f.setCC(1, 0, sign, 0);
      break;
    default:
      f.setCC(1, 1, sign, 0); // denormal
  }
}

function fxtract(f: X87): void {
  if (f.isEmpty(0)) {
    if (!f.underflow()) return;
    f.setSt(0, defaultNaN());
    if (!f.isEmpty(7)) f.overflowPush();
    else f.push(defaultNaN());
    return;
  }
  if (!f.isEmpty(7)) {
    f.overflowPush();
    return;
  }
  const v = f.st(0);
  const c = classify(v.se, v.sig);
  const env = f.env;
  let exp: F80;
  let sig: F80;
  if (isNaNClass(c) || c === C_UNSUPPORTED) {
    exp = sig = propagateNaN1(env, v, c);
  } else if (c === C_ZERO) {
    env.flags |= FLAG_DIVBYZERO; // Intel SDM vol.2 FXTRACT: #Z for ±0
    exp = infF80(1);
    sig = v;
  } else if (c === C_INF) {
    exp = infF80(0);
    sig = v;
  } else {
    if (c === C_DENORMAL) env.flags |= FLAG_DENORMAL;
    const E = lsbExponent(v.se);
    const n = v.sig.toString(2).length;
    const trueExp = E + n - 1;
    exp = roundPackF80(env, trueExp < 0 ? 1 : 0, BigInt(Math.abs(trueExp)), 0, 64);
    if (trueExp === 0) exp = zeroF80(0);
    sig = { se: (v.se & 0x8000) | BIAS, sig: v.sig << BigInt(64 - n) };
  }
  if (!f.commit()) return;
  f.setSt(0, exp);
  f.push(sig);
}

function fscale(f: X87): void {
  if (f.isEmpty(0) || f.isEmpty(1)) {
    if (f.underflow()) f.setSt(0, defaultNaN());
    return;
  }
  const a = f.st(0);
  const b = f.st(1);
  const env = f.env;
  const ca = classify(a.se, a.sig);
  const cb = classify(b.se, b.sig);
  let r: F80;
  if (isNaNClass(ca) || isNaNClass(cb) || ca === C_UNSUPPORTED || cb === C_UNSUPPORTED) {
    r = propagateNaN2(env, a, ca, b, cb);
  } else {
    if (ca === C_DENORMAL || cb === C_DENORMAL) env.flags |= FLAG_DENORMAL;
    const sa = a.se >> 15;
    if (cb === C_INF) {
      // ST(1) = ±∞: x·2^+∞ = ±∞ (0 → invalid); x·2^−∞ = ±0 (∞ → invalid).
      if (b.se >> 15) {
        if (ca === C_INF) {
          env.flags |= FLAG_INVALID;
          r = defaultNaN();
        } else r = zeroF80(sa);
      } else if (ca === C_ZERO) {
        env.flags |= FLAG_INVALID;
        r = defaultNaN();
      } else r = infF80(sa);
    } else if (ca === C_ZERO || ca === C_INF) {
      r = a;
    } else {
      // Scale by trunc(ST(1)); beyond ±2^17 every result over/underflows anyway.
      const eb = lsbExponent(b.se);
      let n = eb >= 0 ? 1 << 20 : Number(b.sig >> BigInt(Math.min(-eb, 64)));
      if (n > 1 << 20) n = 1 << 20;
      if (b.se >> 15) n = -n;
      r = roundPackF80(env, sa, a.sig, lsbExponent(a.se) + n, 64);
    }
  }
  if (!f.commit()) return;
  f.setSt(0, r);
}

/** FPREM/FPREM1: C2 = incomplete; C0, C3, C1 = quotient bits Q2, Q1, Q0. */
function fprem(f: X87, nearest: boolean): void {
  if (f.isEmpty(0) || f.isEmpty(1)) {
    if (f.underflow()) f.setSt(0, defaultNaN());
    return;
  }
  const r = f80Remainder(f.env, f.st(0), f.st(1), nearest, true);
  if (!f.commit()) return;
  f.setSt(0, r.value);
  const q = r.quotient;
  if (r.incomplete) f.setCC(0, 1, 0, 0);
  else f.setCC((q >> 1) & 1, 0, q & 1, (q >> 2) & 1);
}

function transcendental1(f: X87, v: F80, kind: 'f2xm1'): F80 {
  const env = f.env;
  const c = classify(v.se, v.sig);
  if (isNaNClass(c) || c === C_UNSUPPORTED) return propagateNaN1(env, v, c);
  if (c === C_ZERO) return v;
  if (c === C_INF) return v.se >> 15 ? { se: 0xbfff, sig: 0x8000000000000000n } : v;
  if (c === C_DENORMAL) env.flags |= FLAG_DENORMAL;
  void kind;
  if ((v.se & 0x7fff) >= BIAS) {
    // |x| ≥ 1 is outside the documented range. Measured on silicon: ±1 give 1 and −0.5 with
    // #P (C1 = 1 for +1); larger operands are returned unchanged with #P.
    env.flags |= FLAG_INEXACT;
    if ((v.se & 0x7fff) === BIAS && v.sig === 0x8000000000000000n) {
      if (v.se >> 15) return { se: 0xbffe, sig: v.sig };
      return bfToF80(env, { m: (1n << 200n) - 1n, e: -200 }); // rounds as 1 − tiny
    }
    return v;
  }
  return bfToF80(env, bf2xm1(bfFromF80(v)));
}

/** FYL2X: y·log2(x); FYL2XP1: y·log2(x+1) (Intel SDM vol.2 tables for both). */
function fyl2x(f: X87, y: F80, x: F80, plusOne: boolean): F80 {
  const env = f.env;
  const cx = classify(x.se, x.sig);
  const cy = classify(y.se, y.sig);
  if (isNaNClass(cx) || isNaNClass(cy) || cx === C_UNSUPPORTED || cy === C_UNSUPPORTED) {
    return propagateNaN2(env, x, cx, y, cy);
  }
  if (cx === C_DENORMAL || cy === C_DENORMAL) env.flags |= FLAG_DENORMAL;
  const sx = x.se >> 15;
  const sy = y.se >> 15;
  const invalid = (): F80 => {
    env.flags |= FLAG_INVALID;
    return defaultNaN();
  };
  const bx = bfFromF80(x);
  // log2 of the argument as a class: -1 negative, 0 zero, 1 positive, with ±∞ cases.
  let logSign: number; // sign of the logarithm, or 2 when it is exactly 0
  let logInf = false;
  let log: BF | null = null;
  if (!plusOne) {
    if (sx && cx !== C_ZERO) return invalid();
    if (cx === C_ZERO) {
      logInf = true;
      logSign = 1;
      if (cy === C_ZERO) return invalid();
      if (cy !== C_INF) env.flags |= FLAG_DIVBYZERO;
    } else if (cx === C_INF) {
      logInf = true;
      logSign = 0;
    } else if (cx === C_NORMAL && x.sig === 0x8000000000000000n && cy !== C_INF) {
      // x = 2^k: log2 x = k exactly, so the result is one correctly rounded product.
      const k = (x.se & 0x7fff) - BIAS;
      if (k === 0 || cy === C_ZERO) return zeroF80(((k < 0 ? 1 : 0) ^ sy) & (k === 0 ? sy : 1));
      // Silicon still reports #P (and #U for a tiny result) here, as for any FYL2X.
      const r = f.mul(y, intToF80(BigInt(k)));
      env.flags |= FLAG_INEXACT;
      if ((r.se & 0x7fff) === 0 && r.sig !== 0n) env.flags |= FLAG_UNDERFLOW;
      return r;
    } else {
      log = bfLog2(bx);
      logSign = log.m === 0n ? 2 : log.m < 0n ? 1 : 0;
    }
  } else {
    if (cx === C_INF) {
      if (sx) return invalid();
      logInf = true;
      logSign = 0;
    } else if (cx === C_ZERO) {
      logSign = 2;
    } else {
      // x ≤ −1 is outside the domain (and outside the documented range).
      const cmp = f80Compare(env, x, { se: 0xbfff, sig: 0x8000000000000000n }, false);
      if (cmp === REL_LESS || cmp === REL_EQUAL) {
        // x ≤ −1 is outside the domain; measured on silicon: ST(0) is returned with #P.
        env.flags |= FLAG_INEXACT;
        return x;
      } else {
        log = bfLog2p1(bx);
        logSign = log.m === 0n ? 2 : log.m < 0n ? 1 : 0;
      }
    }
  }
  const rs = (logSign === 1 ? 1 : 0) ^ sy;
  if (logInf) return cy === C_ZERO ? invalid() : infF80(rs);
  if (cy === C_INF) return logSign === 2 ? invalid() : infF80(rs);
  if (logSign === 2 || cy === C_ZERO) {
    const zs = plusOne && cx === C_ZERO ? sx ^ sy : rs;
    return zeroF80(zs);
  }
  return bfToF80(env, bfMul(bfFromF80(y), log as BF));
}

/** FPATAN: atan(ST(1)/ST(0)) with the quadrant rules of Intel SDM vol.2 FPATAN table. */
function fpatan(f: X87, y: F80, x: F80): F80 {
  const env = f.env;
  const cx = classify(x.se, x.sig);
  const cy = classify(y.se, y.sig);
  if (isNaNClass(cx) || isNaNClass(cy) || cx === C_UNSUPPORTED || cy === C_UNSUPPORTED) {
    return propagateNaN2(env, x, cx, y, cy);
  }
  if (cx === C_DENORMAL || cy === C_DENORMAL) env.flags |= FLAG_DENORMAL;
  const sx = x.se >> 15;
  const sy = y.se >> 15;
  const pi = BF_PI;
  const scaled = (num: number, den: number): F80 => {
    const v = bfDiv(bfMul(pi, { m: BigInt(num), e: 0 }), { m: BigInt(den), e: 0 });
    return bfToF80(env, sy ? { m: -v.m, e: v.e } : v);
  };
  if (cy === C_ZERO) {
    if (sx) return scaled(1, 1); // ±π for x < 0 or x = −0
    return zeroF80(sy);
  }
  if (cy === C_INF) {
    if (cx === C_INF) return sx ? scaled(3, 4) : scaled(1, 4);
    return scaled(1, 2);
  }
  if (cx === C_INF) return sx ? scaled(1, 1) : zeroF80(sy);
  if (cx === C_ZERO) return scaled(1, 2);
  return bfToF80(env, bfAtan2(bfFromF80(y), bfFromF80(x)));
}

/** FSIN, FCOS, FSINCOS, FPTAN: |x| ≥ 2^63 → C2 = 1 and nothing else changes. */
function trig(f: X87, kind: 'sin' | 'cos' | 'sincos' | 'tan'): void {
  const pushes = kind === 'sincos' || kind === 'tan';
  if (f.isEmpty(0)) {
    if (!f.underflow()) return;
    f.setSt(0, defaultNaN());
    if (pushes) {
      if (f.isEmpty(7)) f.push(defaultNaN());
      else f.overflowPush();
    }
    return;
  }
  if (pushes && !f.isEmpty(7)) {
    f.overflowPush();
    return;
  }
  const v = f.st(0);
  const env = f.env;
  const c = classify(v.se, v.sig);
  let a: F80; // new ST(0) value (sin, cos or tan)
  let b: F80 | null = null; // pushed value (cos for FSINCOS, 1 for FPTAN)
  if (isNaNClass(c) || c === C_UNSUPPORTED) {
    a = propagateNaN1(env, v, c);
    if (pushes) b = a;
  } else if (c === C_INF) {
    env.flags |= FLAG_INVALID;
    a = defaultNaN();
    if (pushes) b = a;
  } else {
    if ((v.se & 0x7fff) >= BIAS + 63) {
      f.setCC(cc(f, 3), 1, cc(f, 1), cc(f, 0)); // out of range: C2 = 1, operand unchanged
      return;
    }
    if (c === C_DENORMAL) env.flags |= FLAG_DENORMAL;
    if (c === C_ZERO) {
      a = kind === 'cos' ? ONE : v;
      if (kind === 'sincos') b = ONE;
      if (kind === 'tan') b = ONE;
    } else {
      const sc = bfSinCos(v);
      if (kind === 'sin') a = bfToF80(env, sc.sin);
      else if (kind === 'cos') a = bfToF80(env, sc.cos);
      else if (kind === 'tan') {
        a = bfToF80(env, bfDiv(sc.sin, sc.cos));
        b = ONE;
      } else {
        a = bfToF80(env, sc.sin);
        const up = env.roundedUp;
        const flags = env.flags;
        b = bfToF80(env, sc.cos);
        env.flags |= flags;
        env.roundedUp = env.roundedUp || up;
      }
    }
  }
  if (!f.commit()) return;
  f.sw &= ~0x400; // C2 = 0: in range
  if (kind === 'sincos') {
    f.setSt(0, a);
    f.push(b as F80); // ST(0) = cos, ST(1) = sin
  } else {
    f.setSt(0, a);
    if (b) f.push(b);
  }
}
