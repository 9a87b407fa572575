// Shifts and rotates (C0/C1/D0-D3), SHLD/SHRD, BT/BTS/BTR/BTC, BSF/BSR
// (SDM Vol. 2B "SAL/SAR/SHL/SHR", "RCL/RCR/ROL/ROR", "SHLD", "SHRD", "BT", "BSF", "BSR").
// The count is masked to 5 bits; a masked count of 0 changes nothing, not even flags.
import type { Cpu } from '../cpu.js';
import { Flag, Vec } from '../state.js';
import { raise } from '../interrupts.js';
import { setResult, getCF, flushFlags } from '../flags.js';
import { getRM8, setRM8, getRM16, getRM32, getRegv, setRegv, getRMv, setRMv, probeRM } from '../operands.js';
import { fetch8 } from '../fetch.js';
import { rd8, wr8 } from '../mmu.js';
import { maskOf } from './alu.js';

/** Applies rotate/shift `kind` (ModRM reg: ROL ROR RCL RCR SHL SHR SAL SAR) and sets flags. */
export function shift(c: Cpu, kind: number, a: number, count: number, bits: number): number {
  const m = maskOf(bits);
  const top = bits - 1;
  let r: number;
  let cf: number;
  let of: number;
  switch (kind) {
    case 0: { // ROL
      const n = count & top;
      r = n === 0 ? a : (((a << n) | (a >>> (bits - n))) & m) >>> 0;
      cf = r & 1;
      of = ((r >>> top) ^ cf) & 1;
      return setRot(c, r, cf, of);
    }
    case 1: { // ROR
      const n = count & top;
      r = n === 0 ? a : (((a >>> n) | (a << (bits - n))) & m) >>> 0;
      cf = (r >>> top) & 1;
      of = ((r >>> top) ^ (r >>> (top - 1))) & 1;
      return setRot(c, r, cf, of);
    }
    case 2: { // RCL through CF, over bits+1 positions
      const n = bits === 32 ? count : count % (bits + 1);
      cf = getCF(c);
      r = a;
      for (let i = 0; i < n; i++) {
        const out = (r >>> top) & 1;
        r = (((r << 1) | cf) & m) >>> 0;
        cf = out;
      }
      of = ((r >>> top) ^ cf) & 1;
      return setRot(c, r, cf, of);
    }
    case 3: { // RCR
      const n = bits === 32 ? count : count % (bits + 1);
      cf = getCF(c);
      r = a;
      for (let i = 0; i < n; i++) {
        const out = r & 1;
        r = ((r >>> 1) | (cf << top)) >>> 0;
        cf = out;
      }
      of = ((r >>> top) ^ (r >>> (top - 1))) & 1;
      return setRot(c, r, cf, of);
    }
    case 4:
    case 6: // SHL/SAL
      if (count > bits) {
        r = 0;
        cf = 0;
      } else {
        r = count === 32 ? 0 : ((a << count) & m) >>> 0;
        cf = (a >>> (bits - count)) & 1;
      }
      of = ((r >>> top) ^ cf) & 1;
      break;
    case 5: // SHR
      if (count > bits) {
        r = 0;
        cf = 0;
      } else {
        r = count === 32 ? 0 : a >>> count;
        cf = (a >>> (count - 1)) & 1;
      }
      of = ((r ^ (r << 1)) >>> top) & 1; // = MSB of the original for count 1
      break;
    default: { // SAR
      const s = bits === 32 ? a | 0 : bits === 16 ? (a << 16) >> 16 : (a << 24) >> 24;
      const n = count > top ? top : count;
      r = ((s >> n) & m) >>> 0;
      cf = count > top ? (s >>> 31) & 1 : (s >> (count - 1)) & 1;
      of = 0;
      break;
    }
  }
  setResult(c, r, bits, cf | (of << 11));
  return r;
}

/** Rotates change only CF and OF: those become eager, the others stay as they are (lazy or not). */
function setRot(c: Cpu, r: number, cf: number, of: number): number {
  c.eflags = (c.eflags & ~(Flag.CF | Flag.OF)) | cf | (of << 11);
  c.fLazy &= ~(Flag.CF | Flag.OF);
  return r;
}

/** C0/C1 (count ib), D0/D1 (count 1), D2/D3 (count CL). */
export function group2(c: Cpu): void {
  const op = c.op;
  const bits = (op & 1) === 0 ? 8 : c.o32 ? 32 : 16;
  let count: number;
  if (op <= 0xc1) count = fetch8(c);
  else if (op <= 0xd1) count = 1;
  else count = c.r8[4]; // CL
  count &= 0x1f;
  // shift() sets the flags: a memory destination is probed first (operands.ts probeRM).
  if (bits === 8) {
    const a = getRM8(c);
    if (count === 0) return;
    probeRM(c, 1);
    setRM8(c, shift(c, c.reg, a, count, 8));
  } else {
    const a = getRMv(c);
    if (count === 0) return;
    probeRM(c, bits >> 3);
    setRMv(c, shift(c, c.reg, a, count, bits));
  }
}

/** 0F A4/A5 SHLD, 0F AC/AD SHRD: shift r/m, filling from reg. Counts above the width leave undefined results. */
export function shiftDouble(c: Cpu): void {
  const right = c.op >= 0x1ac;
  const count = ((c.op & 1) === 0 ? fetch8(c) : c.r8[4]) & 0x1f; // ib or CL
  const bits = c.o32 ? 32 : 16;
  const a = getRMv(c);
  if (count === 0) return;
  const b = getRegv(c, c.reg);
  let r: number;
  let cf: number;
  if (bits === 32) {
    if (!right) {
      r = ((a << count) | (b >>> (32 - count))) >>> 0;
      cf = (a >>> (32 - count)) & 1;
    } else {
      r = ((a >>> count) | (b << (32 - count))) >>> 0;
      cf = (a >>> (count - 1)) & 1;
    }
  } else {
    // 16-bit: shift the 32-bit concatenation (counts 17-31 are undefined; this matches P6 practice).
    if (!right) {
      const v = ((a << 16) | b) >>> 0;
      const w = count < 32 ? (v << count) | (count > 16 ? a << (count - 16) : 0) : 0;
      r = (w >>> 16) & 0xffff;
      cf = count <= 16 ? (a >>> (16 - count)) & 1 : (b >>> (32 - count)) & 1;
    } else {
      const v = ((b << 16) | a) >>> 0;
      const w = (v >>> count) | (count > 16 ? b << (32 - count) : 0);
      r = w & 0xffff;
      cf = (v >>> (count - 1)) & 1;
    }
  }
  const top = bits - 1;
  const of = ((r ^ a) >>> top) & 1; // sign change (defined for count 1)
  setRMv(c, r);
  setResult(c, r, bits, cf | (of << 11));
}

/** BT/BTS/BTR/BTC with a register bit offset (0F A3/AB/B3/BB) or ib (0F BA /4-7). */
export function bitTest(c: Cpu): void {
  let kind: number; // 0 BT, 1 BTS, 2 BTR, 3 BTC
  let offset: number;
  const imm = c.op === 0x1ba;
  if (imm) {
    kind = c.reg - 4;
    if (kind < 0) raise(c, Vec.UD);
    offset = fetch8(c);
  } else {
    kind = (c.op >> 3) & 3; // A3→0, AB→1, B3→2, BB→3
    offset = getRegv(c, c.reg);
  }
  const bits = c.o32 ? 32 : 16;
  let cf: number;
  if (c.isReg || imm) {
    // The offset is taken modulo the operand width (SDM Vol. 2A BT, Table 3-2).
    const n = offset & (bits - 1);
    const v = getRMv(c);
    cf = (v >>> n) & 1;
    if (kind === 1) setRMv(c, (v | (1 << n)) >>> 0);
    else if (kind === 2) setRMv(c, (v & ~(1 << n)) >>> 0);
    else if (kind === 3) setRMv(c, (v ^ (1 << n)) >>> 0);
  } else {
    // Register offset with a memory operand: a signed bit string offset, addressed bytewise here.
    const s = bits === 32 ? offset | 0 : (offset << 16) >> 16;
    const byteOff = Math.floor(s / 8);
    const addr = c.a32 ? (c.eaOff + byteOff) >>> 0 : (c.eaOff + byteOff) & 0xffff;
    const n = s & 7;
    const v = rd8(c, c.eaSeg, addr);
    cf = (v >>> n) & 1;
    if (kind === 1) wr8(c, c.eaSeg, addr, v | (1 << n));
    else if (kind === 2) wr8(c, c.eaSeg, addr, v & ~(1 << n));
    else if (kind === 3) wr8(c, c.eaSeg, addr, v ^ (1 << n));
  }
  flushFlags(c);
  c.eflags = (c.eflags & ~Flag.CF) | cf;
}

/** 0F BC BSF / 0F BD BSR: ZF=1 and destination unchanged when the source is 0. */
export function bitScan(c: Cpu): void {
  const v = c.o32 ? getRM32(c) : getRM16(c);
  flushFlags(c);
  if (v === 0) {
    c.eflags |= Flag.ZF;
    return;
  }
  const idx = c.op === 0x1bc ? 31 - Math.clz32(v & -v) : 31 - Math.clz32(v);
  setRegv(c, c.reg, idx);
  c.eflags &= ~Flag.ZF;
}
