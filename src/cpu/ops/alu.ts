// Integer arithmetic and logic: ADD..CMP, INC/DEC, TEST, NOT/NEG, CMPXCHG, XADD
// (SDM Vol. 2A/2B per instruction; flags per Appendix A of Vol. 1).
import type { Cpu } from '../cpu.js';
import { Flag, Reg } from '../state.js';
import { LazyOp, setArith, setIncDec, setResult, getCF } from '../flags.js';
import {
  getReg8, setReg8, getRM8, setRM8, getRM16, setRM16, getRM32, setRM32, getRMv, setRMv, getRegv, setRegv, probeRM,
} from '../operands.js';
import { fetch8, fetch16, fetch32, fetchS8, fetchImmOp } from '../fetch.js';
import { rd32, wr32, checkWrite } from '../mmu.js';
import { alignOperand } from '../debug.js';
import { raise } from '../interrupts.js';
import { Vec } from '../state.js';

export const enum Alu {
  ADD = 0,
  OR = 1,
  ADC = 2,
  SBB = 3,
  AND = 4,
  SUB = 5,
  XOR = 6,
  CMP = 7,
}

export function maskOf(bits: number): number {
  return bits === 32 ? -1 : (1 << bits) - 1;
}

/** One ALU operation on `bits`-wide operands; sets the flags and returns the masked result. */
export function alu(c: Cpu, kind: number, a: number, b: number, bits: number): number {
  const r = aluValue(c, kind, a, b, bits);
  aluFlags(c, kind, a, b, r, bits);
  return r;
}

/** The masked result of an ALU operation (ADC/SBB read CF), flags untouched. */
export function aluValue(c: Cpu, kind: number, a: number, b: number, bits: number): number {
  const m = maskOf(bits);
  switch (kind) {
    case Alu.ADD: return ((a + b) & m) >>> 0;
    case Alu.OR: return ((a | b) & m) >>> 0;
    case Alu.ADC: return ((a + b + getCF(c)) & m) >>> 0;
    case Alu.SBB: return ((a - b - getCF(c)) & m) >>> 0;
    case Alu.AND: return ((a & b) & m) >>> 0;
    case Alu.XOR: return ((a ^ b) & m) >>> 0;
    default: return ((a - b) & m) >>> 0; // SUB, CMP
  }
}

/** The flags of ALU operation `kind` that turned a, b into r (ADC/SBB: r includes the carry). */
export function aluFlags(c: Cpu, kind: number, a: number, b: number, r: number, bits: number): void {
  switch (kind) {
    case Alu.ADD: case Alu.ADC: setArith(c, LazyOp.ADD, a, b, r, bits); return;
    case Alu.SBB: case Alu.SUB: case Alu.CMP: setArith(c, LazyOp.SUB, a, b, r, bits); return;
    default: setResult(c, r, bits, 0); // OR, AND, XOR
  }
}

// A read-modify-write whose store faults must leave the flags as they were (SDM Vol. 3A §6.5:
// faults are restartable; a restarted ADC/SBB would otherwise take the new carry in): memory
// destinations store first and set the flags after (tests/asm/pg_rmw.asm).

/** 00-3B: ALU r/m,reg and reg,r/m in 8 and operand-size forms. */
export function aluModrm(c: Cpu): void {
  const kind = (c.op >> 3) & 7;
  switch (c.op & 7) {
    case 0: {
      const a = getRM8(c);
      const b = getReg8(c, c.reg);
      const r = aluValue(c, kind, a, b, 8);
      if (kind !== Alu.CMP) setRM8(c, r);
      aluFlags(c, kind, a, b, r, 8);
      return;
    }
    case 1: {
      const bits = c.o32 ? 32 : 16;
      const a = getRMv(c);
      const b = getRegv(c, c.reg);
      const r = aluValue(c, kind, a, b, bits);
      if (kind !== Alu.CMP) setRMv(c, r);
      aluFlags(c, kind, a, b, r, bits);
      return;
    }
    case 2: {
      const r = alu(c, kind, getReg8(c, c.reg), getRM8(c), 8);
      if (kind !== Alu.CMP) setReg8(c, c.reg, r);
      return;
    }
    default: {
      const bits = c.o32 ? 32 : 16;
      const r = alu(c, kind, getRegv(c, c.reg), getRMv(c), bits);
      if (kind !== Alu.CMP) setRegv(c, c.reg, r);
    }
  }
}

/** 01, 09, ... 39: ALU r/m,reg (operand size); the 32-bit form without the generic accessors. */
export function aluRMRegV(c: Cpu): void {
  if (!c.o32) {
    aluModrm(c);
    return;
  }
  const kind = (c.op >> 3) & 7;
  if (c.isReg) {
    const r = alu(c, kind, c.regs[c.rm], c.regs[c.reg], 32);
    if (kind !== Alu.CMP) c.regs[c.rm] = r;
  } else {
    const a = rd32(c, c.eaSeg, c.eaOff);
    const b = c.regs[c.reg];
    const r = aluValue(c, kind, a, b, 32);
    if (kind !== Alu.CMP) wr32(c, c.eaSeg, c.eaOff, r);
    aluFlags(c, kind, a, b, r, 32);
  }
}

/** 03, 0B, ... 3B: ALU reg,r/m (operand size). */
export function aluRegRMV(c: Cpu): void {
  if (!c.o32) {
    aluModrm(c);
    return;
  }
  const kind = (c.op >> 3) & 7;
  const r = alu(c, kind, c.regs[c.reg], c.isReg ? c.regs[c.rm] : rd32(c, c.eaSeg, c.eaOff), 32);
  if (kind !== Alu.CMP) c.regs[c.reg] = r;
}

/** 04/05, 0C/0D, ...: ALU AL,ib and eAX,iz. */
export function aluAccImm(c: Cpu): void {
  const kind = (c.op >> 3) & 7;
  if ((c.op & 1) === 0) {
    const r = alu(c, kind, c.r8[0], fetch8(c), 8);
    if (kind !== Alu.CMP) c.r8[0] = r;
  } else if (c.o32) {
    const r = alu(c, kind, c.regs[0], fetch32(c), 32);
    if (kind !== Alu.CMP) c.regs[0] = r;
  } else {
    const r = alu(c, kind, c.r16[0], fetch16(c), 16);
    if (kind !== Alu.CMP) c.r16[0] = r;
  }
}

/** 80/82 (r/m8, ib), 81 (r/m, iz), 83 (r/m, sign-extended ib). */
export function group1(c: Cpu): void {
  const kind = c.reg;
  if (c.op === 0x80 || c.op === 0x82) {
    const a = getRM8(c);
    const b = fetch8(c);
    const r = aluValue(c, kind, a, b, 8);
    if (kind !== Alu.CMP) setRM8(c, r);
    aluFlags(c, kind, a, b, r, 8);
    return;
  }
  // Immediate bytes follow the displacement, so fetch before touching memory.
  if (c.o32) {
    // 32-bit form without the generic accessors (ADD/SUB/CMP reg, imm8 is very common).
    const imm = c.op === 0x81 ? fetch32(c) : fetchS8(c) >>> 0;
    if (c.isReg) {
      const r = alu(c, kind, c.regs[c.rm], imm, 32);
      if (kind !== Alu.CMP) c.regs[c.rm] = r;
    } else {
      const a = rd32(c, c.eaSeg, c.eaOff);
      const r = aluValue(c, kind, a, imm, 32);
      if (kind !== Alu.CMP) wr32(c, c.eaSeg, c.eaOff, r);
      aluFlags(c, kind, a, imm, r, 32);
    }
    return;
  }
  const bits = c.o32 ? 32 : 16;
  const imm = c.op === 0x81 ? fetchImmOp(c) : (fetchS8(c) & maskOf(bits)) >>> 0;
  const a = getRMv(c);
  const r = aluValue(c, kind, a, imm, bits);
  if (kind !== Alu.CMP) setRMv(c, r);
  aluFlags(c, kind, a, imm, r, bits);
}

/** 40-4F: INC/DEC reg16/32. */
export function incDecReg(c: Cpu): void {
  const r = c.op & 7;
  const dec = (c.op & 8) !== 0;
  if (c.o32) {
    const a = c.regs[r];
    const v = (dec ? a - 1 : a + 1) >>> 0;
    c.regs[r] = v;
    setIncDec(c, dec ? LazyOp.SUB : LazyOp.ADD, a, v, 32);
  } else {
    const a = c.r16[r << 1];
    const v = (dec ? a - 1 : a + 1) & 0xffff;
    c.r16[r << 1] = v;
    setIncDec(c, dec ? LazyOp.SUB : LazyOp.ADD, a, v, 16);
  }
}

/** INC/DEC r/m (FE /0 /1, FF /0 /1). */
export function incDecRM(c: Cpu, bits: number, dec: boolean): void {
  const m = maskOf(bits);
  const a = bits === 8 ? getRM8(c) : bits === 16 ? getRM16(c) : getRM32(c);
  const v = ((dec ? a - 1 : a + 1) & m) >>> 0;
  if (bits === 8) setRM8(c, v);
  else if (bits === 16) setRM16(c, v);
  else setRM32(c, v);
  setIncDec(c, dec ? LazyOp.SUB : LazyOp.ADD, a, v, bits);
}

/** 84/85: TEST r/m, reg. A8/A9: TEST AL/eAX, imm. */
export function testModrm(c: Cpu): void {
  if (c.op === 0x84) setResult(c, getRM8(c) & getReg8(c, c.reg), 8, 0);
  else if (c.o32) setResult(c, (getRM32(c) & c.regs[c.reg]) >>> 0, 32, 0);
  else setResult(c, getRM16(c) & c.r16[c.reg << 1], 16, 0);
}

export function testAccImm(c: Cpu): void {
  if (c.op === 0xa8) setResult(c, c.r8[0] & fetch8(c), 8, 0);
  else if (c.o32) setResult(c, (c.regs[0] & fetch32(c)) >>> 0, 32, 0);
  else setResult(c, c.r16[0] & fetch16(c), 16, 0);
}

/** F6/F7 /2 NOT (no flags) and /3 NEG (flags as 0 - operand; CF = operand != 0). */
export function notNeg(c: Cpu, bits: number, neg: boolean): void {
  const m = maskOf(bits);
  const a = bits === 8 ? getRM8(c) : bits === 16 ? getRM16(c) : getRM32(c);
  const v = ((neg ? -a : ~a) & m) >>> 0;
  if (bits === 8) setRM8(c, v);
  else if (bits === 16) setRM16(c, v);
  else setRM32(c, v);
  if (neg) setArith(c, LazyOp.SUB, 0, a, v, bits);
}

/** 0F B0/B1: CMPXCHG r/m, reg (SDM Vol. 2A CMPXCHG; the destination is always written back). */
export function cmpxchg(c: Cpu): void {
  if (c.op === 0x1b0) {
    const d = getRM8(c);
    probeRM(c, 1);
    alu(c, Alu.CMP, c.r8[0], d, 8);
    if (c.r8[0] === d) setRM8(c, getReg8(c, c.reg));
    else {
      setRM8(c, d);
      c.r8[0] = d;
    }
  } else if (c.o32) {
    const d = getRM32(c);
    probeRM(c, 4);
    alu(c, Alu.CMP, c.regs[0], d, 32);
    if (c.regs[0] === d) setRM32(c, c.regs[c.reg]);
    else {
      setRM32(c, d);
      c.regs[0] = d;
    }
  } else {
    const d = getRM16(c);
    probeRM(c, 2);
    alu(c, Alu.CMP, c.r16[0], d, 16);
    if (c.r16[0] === d) setRM16(c, c.r16[c.reg << 1]);
    else {
      setRM16(c, d);
      c.r16[0] = d;
    }
  }
}

/** 0F C0/C1: XADD r/m, reg: TEMP = src + dst; src = dst; dst = TEMP. */
export function xadd(c: Cpu): void {
  if (c.op === 0x1c0) {
    const d = getRM8(c);
    const s = getReg8(c, c.reg);
    const r = aluValue(c, Alu.ADD, d, s, 8);
    setRM8(c, r);
    aluFlags(c, Alu.ADD, d, s, r, 8);
    setReg8(c, c.reg, d);
  } else {
    const bits = c.o32 ? 32 : 16;
    const d = getRMv(c);
    const s = getRegv(c, c.reg);
    const r = aluValue(c, Alu.ADD, d, s, bits);
    setRMv(c, r);
    aluFlags(c, Alu.ADD, d, s, r, bits);
    setRegv(c, c.reg, d);
  }
}

/** 0F C7 /1: CMPXCHG8B m64 (register operand: #UD). Only ZF changes. */
export function cmpxchg8b(c: Cpu): void {
  if (c.isReg || c.reg !== 1) raise(c, Vec.UD);
  const seg = c.eaSeg;
  const off = c.eaOff;
  if (c.slowChecks) alignOperand(c, seg, off, 8); // m64: 8 (SDM Vol. 3A Table 6-7)
  const lo = rd32(c, seg, off);
  const hi = rd32(c, seg, off + 4);
  checkWrite(c, seg, off, 8);
  let zf: number;
  if (lo === c.regs[Reg.EAX] && hi === c.regs[Reg.EDX]) {
    wr32(c, seg, off, c.regs[Reg.EBX]);
    wr32(c, seg, off + 4, c.regs[Reg.ECX]);
    zf = Flag.ZF;
  } else {
    // The processor writes the old value back (a locked read-modify-write).
    wr32(c, seg, off, lo);
    wr32(c, seg, off + 4, hi);
    c.regs[Reg.EAX] = lo;
    c.regs[Reg.EDX] = hi;
    zf = 0;
  }
  const flags = c.fLazy !== 0 ? c.getEflags() : c.eflags;
  c.eflags = (flags & ~Flag.ZF) | zf;
  c.fLazy = 0;
}
