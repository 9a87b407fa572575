// MUL, IMUL (all forms), DIV, IDIV with #DE, the BCD adjustments and the sign extensions
// (SDM Vol. 2A/2B per instruction).
import type { Cpu } from '../cpu.js';
import { Flag, Reg, Vec } from '../state.js';
import { setResult, getCF, getAF, flushFlags, PARITY } from '../flags.js';
import { getRM8, getRM16, getRM32, getRMv, setRegv } from '../operands.js';
import { fetch8, fetchS8, fetchImmOp } from '../fetch.js';
import { raise } from '../interrupts.js';

const CF_OF = Flag.CF | Flag.OF;

/** Unsigned 32x32 → 64 multiply; returns the low half, leaves the high half in c.mulHi. */
function mulU32(c: Cpu, a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl;
  const lh = al * bh;
  const hl = ah * bl;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  c.mulHi = (ah * bh + (lh >>> 16) + (hl >>> 16) + Math.floor(mid / 65536)) >>> 0;
  return (((mid & 0xffff) << 16) | (ll & 0xffff)) >>> 0;
}

/** Signed 32x32 → 64 multiply; low half returned, high half (as uint32) in c.mulHi. */
function mulS32(c: Cpu, a: number, b: number): number {
  const lo = mulU32(c, a >>> 0, b >>> 0);
  let hi = c.mulHi;
  if ((a | 0) < 0) hi -= b >>> 0;
  if ((b | 0) < 0) hi -= a >>> 0;
  c.mulHi = hi >>> 0;
  return lo;
}

/** F6/F7 /4 MUL: CF=OF=1 when the upper half is non-zero. SF/ZF/AF/PF undefined (from the low half here). */
export function mul(c: Cpu, bits: number): void {
  if (bits === 8) {
    const r = c.r8[0] * getRM8(c);
    c.r16[0] = r;
    setResult(c, r & 0xff, 8, r > 0xff ? CF_OF : 0);
  } else if (bits === 16) {
    const r = c.r16[0] * getRM16(c);
    c.r16[0] = r;
    c.r16[Reg.EDX << 1] = r >>> 16;
    setResult(c, r & 0xffff, 16, r > 0xffff ? CF_OF : 0);
  } else {
    const lo = mulU32(c, c.regs[0], getRM32(c));
    c.regs[0] = lo;
    c.regs[Reg.EDX] = c.mulHi;
    setResult(c, lo, 32, c.mulHi !== 0 ? CF_OF : 0);
  }
}

/** F6/F7 /5 one-operand IMUL: CF=OF=1 when the result does not fit the low half sign-extended. */
export function imul1(c: Cpu, bits: number): void {
  if (bits === 8) {
    const r = ((c.r8[0] << 24) >> 24) * ((getRM8(c) << 24) >> 24);
    c.r16[0] = r;
    setResult(c, r & 0xff, 8, r !== (r << 24) >> 24 ? CF_OF : 0);
  } else if (bits === 16) {
    const r = ((c.r16[0] << 16) >> 16) * ((getRM16(c) << 16) >> 16);
    c.r16[0] = r;
    c.r16[Reg.EDX << 1] = r >> 16;
    setResult(c, r & 0xffff, 16, r !== (r << 16) >> 16 ? CF_OF : 0);
  } else {
    const lo = mulS32(c, c.regs[0], getRM32(c));
    c.regs[0] = lo;
    c.regs[Reg.EDX] = c.mulHi;
    setResult(c, lo, 32, c.mulHi !== ((lo | 0) < 0 ? 0xffffffff : 0) ? CF_OF : 0);
  }
}

/** Two/three-operand IMUL (0F AF, 69, 6B): reg = src1 * src2 truncated; CF=OF on overflow. */
export function imulForms(c: Cpu): void {
  const src = getRMv(c);
  const other = c.op === 0x1af ? (c.o32 ? c.regs[c.reg] : c.r16[c.reg << 1]) : c.op === 0x69 ? fetchImmOp(c) : fetchS8(c);
  if (c.o32) {
    const lo = mulS32(c, src, other);
    c.regs[c.reg] = lo;
    setResult(c, lo, 32, c.mulHi !== ((lo | 0) < 0 ? 0xffffffff : 0) ? CF_OF : 0);
  } else {
    const r = ((src << 16) >> 16) * ((other << 16) >> 16);
    setRegv(c, c.reg, r & 0xffff);
    setResult(c, r & 0xffff, 16, r !== (r << 16) >> 16 ? CF_OF : 0);
  }
}

/** F6/F7 /6 DIV: #DE on division by zero or a quotient that does not fit. Flags undefined (unchanged). */
export function div(c: Cpu, bits: number): void {
  if (bits === 8) {
    const d = getRM8(c);
    const n = c.r16[0];
    if (d === 0) raise(c, Vec.DE);
    const q = Math.floor(n / d);
    if (q > 0xff) raise(c, Vec.DE);
    c.r8[0] = q;
    c.r8[1] = n % d;
  } else if (bits === 16) {
    const d = getRM16(c);
    const n = ((c.r16[Reg.EDX << 1] << 16) | c.r16[0]) >>> 0;
    if (d === 0) raise(c, Vec.DE);
    const q = Math.floor(n / d);
    if (q > 0xffff) raise(c, Vec.DE);
    c.r16[0] = q;
    c.r16[Reg.EDX << 1] = n % d;
  } else {
    const d = getRM32(c);
    const hi = c.regs[Reg.EDX];
    if (d === 0 || hi >= d) raise(c, Vec.DE);
    divU64(c, hi, c.regs[0], d);
    c.regs[0] = c.divQ;
    c.regs[Reg.EDX] = c.divR;
  }
}

/** (hi:lo) / d with hi < d, by 16-bit long division in exact doubles; result in c.divQ/c.divR. */
function divU64(c: Cpu, hi: number, lo: number, d: number): void {
  let rem = hi;
  let cur = rem * 65536 + (lo >>> 16);
  const q1 = Math.floor(cur / d);
  rem = cur - q1 * d;
  cur = rem * 65536 + (lo & 0xffff);
  const q0 = Math.floor(cur / d);
  c.divR = cur - q0 * d;
  c.divQ = (q1 * 65536 + q0) >>> 0;
}

/** F6/F7 /7 IDIV: quotient truncated toward zero; #DE when it does not fit the signed half. */
export function idiv(c: Cpu, bits: number): void {
  if (bits === 8) {
    const d = (getRM8(c) << 24) >> 24;
    const n = (c.r16[0] << 16) >> 16;
    if (d === 0) raise(c, Vec.DE);
    const q = Math.trunc(n / d);
    if (q > 127 || q < -128) raise(c, Vec.DE);
    c.r8[0] = q;
    c.r8[1] = n % d;
  } else if (bits === 16) {
    const d = (getRM16(c) << 16) >> 16;
    const n = (c.r16[Reg.EDX << 1] << 16) | c.r16[0];
    if (d === 0) raise(c, Vec.DE);
    const q = Math.trunc(n / d);
    if (q > 32767 || q < -32768) raise(c, Vec.DE);
    c.r16[0] = q;
    c.r16[Reg.EDX << 1] = n % d;
  } else {
    const d = getRM32(c) | 0;
    if (d === 0) raise(c, Vec.DE);
    let hi = c.regs[Reg.EDX];
    let lo = c.regs[0];
    const negN = (hi | 0) < 0;
    if (negN) {
      lo = (~lo + 1) >>> 0;
      hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0;
    }
    const ad = Math.abs(d);
    // |dividend| / |divisor| must fit in 31 bits (or be exactly 2^31 when negative).
    if (hi >= ad) raise(c, Vec.DE);
    divU64(c, hi, lo, ad);
    const neg = negN !== d < 0;
    const q = neg ? -c.divQ : c.divQ;
    if (q > 0x7fffffff || q < -0x80000000) raise(c, Vec.DE);
    c.regs[0] = q;
    c.regs[Reg.EDX] = negN ? -c.divR : c.divR;
  }
}

/** Sets SF/ZF/PF from AL and CF/AF as given; OF is cleared (undefined for the BCD group). */
function bcdFlags(c: Cpu, al: number, cf: number, af: number): void {
  flushFlags(c);
  let f = c.eflags & ~(Flag.CF | Flag.PF | Flag.AF | Flag.ZF | Flag.SF | Flag.OF);
  f |= cf | af | PARITY[al] | (al === 0 ? Flag.ZF : 0) | (al & 0x80);
  c.eflags = f;
}

/** 27 DAA (SDM Vol. 2A DAA "Operation"). */
export function daa(c: Cpu): void {
  const old = c.r8[0];
  const oldCf = getCF(c);
  let al = old;
  let cf = 0;
  let af = 0;
  if ((al & 0xf) > 9 || getAF(c) !== 0) {
    al += 6;
    cf = oldCf | (al > 0xff ? 1 : 0);
    af = Flag.AF;
  }
  if (old > 0x99 || oldCf !== 0) {
    al += 0x60;
    cf = 1;
  } else cf = 0;
  c.r8[0] = al;
  bcdFlags(c, al & 0xff, cf, af);
}

/** 2F DAS. */
export function das(c: Cpu): void {
  const old = c.r8[0];
  const oldCf = getCF(c);
  let al = old;
  let cf = 0;
  let af = 0;
  if ((al & 0xf) > 9 || getAF(c) !== 0) {
    al -= 6;
    cf = oldCf | (al < 0 ? 1 : 0);
    af = Flag.AF;
  }
  if (old > 0x99 || oldCf !== 0) {
    al -= 0x60;
    cf = 1;
  }
  c.r8[0] = al;
  bcdFlags(c, al & 0xff, cf, af);
}

/** 37 AAA / 3F AAS: AX ± 106h when the low nibble overflowed (SDM Vol. 2A AAA/AAS). */
export function aaaAas(c: Cpu): void {
  const sub = c.op === 0x3f;
  let cf = 0;
  let af = 0;
  if ((c.r8[0] & 0xf) > 9 || getAF(c) !== 0) {
    if (sub) {
      c.r16[0] = c.r16[0] - 6;
      c.r8[1] = c.r8[1] - 1;
    } else {
      c.r16[0] = c.r16[0] + 0x106;
    }
    cf = 1;
    af = Flag.AF;
  }
  c.r8[0] &= 0xf;
  bcdFlags(c, c.r8[0], cf, af);
}

/** D4 AAM ib: AH = AL / imm, AL = AL mod imm; #DE when imm = 0. */
export function aam(c: Cpu): void {
  const imm = fetch8(c);
  if (imm === 0) raise(c, Vec.DE);
  const al = c.r8[0];
  c.r8[1] = Math.floor(al / imm);
  c.r8[0] = al % imm;
  setResult(c, c.r8[0], 8, 0);
}

/** D5 AAD ib: AL = (AL + AH * imm) & FFh, AH = 0. */
export function aad(c: Cpu): void {
  const imm = fetch8(c);
  const al = (c.r8[0] + c.r8[1] * imm) & 0xff;
  c.r16[0] = al;
  setResult(c, al, 8, 0);
}

/** D6 SALC (undocumented, present on P6): AL = CF ? FFh : 0. */
export function salc(c: Cpu): void {
  c.r8[0] = getCF(c) !== 0 ? 0xff : 0;
}

/** 98 CBW/CWDE, 99 CWD/CDQ. */
export function cbw(c: Cpu): void {
  if (c.o32) c.regs[0] = (c.r16[0] << 16) >> 16;
  else c.r16[0] = (c.r8[0] << 24) >> 24;
}
export function cwd(c: Cpu): void {
  if (c.o32) c.regs[Reg.EDX] = (c.regs[0] | 0) < 0 ? 0xffffffff : 0;
  else c.r16[Reg.EDX << 1] = c.r16[0] & 0x8000 ? 0xffff : 0;
}
