// Data movement: MOV (all forms), XCHG, LEA, LDS/LES/LFS/LGS/LSS, MOVZX/MOVSX, XLAT, CMOVcc,
// SETcc, BSWAP, LAHF/SAHF (SDM Vol. 2A/2B per instruction).
import type { Cpu } from '../cpu.js';
import { Flag, Reg, Seg, Vec } from '../state.js';
import { testCC, getFlags } from '../flags.js';
import {
  getReg8, setReg8, getRM8, setRM8, getRM16, setRM16, getRM32, getRMv, setRMv, getRegv, setRegv, eaPlus,
} from '../operands.js';
import { fetch8, fetch16, fetch32, fetchImmOp } from '../fetch.js';
import { rd8, rd16, rd32, rd32s, wr8, wr16, wr32 } from '../mmu.js';
import { raise } from '../interrupts.js';
import { loadSegment } from '../segments.js';

/** 88-8B: MOV r/m,reg and reg,r/m. */
export function movModrm(c: Cpu): void {
  switch (c.op) {
    case 0x88: setRM8(c, getReg8(c, c.reg)); return;
    case 0x89: setRMv(c, getRegv(c, c.reg)); return;
    case 0x8a: setReg8(c, c.reg, getRM8(c)); return;
    default: setRegv(c, c.reg, getRMv(c));
  }
}

/** 89: MOV r/m, reg — split from movModrm so the hottest form skips the opcode switch. */
export function movRMReg(c: Cpu): void {
  if (c.o32) {
    if (c.isReg) c.regs[c.rm] = c.regs[c.reg];
    else wr32(c, c.eaSeg, c.eaOff, c.regs[c.reg]);
  } else {
    setRMv(c, getRegv(c, c.reg));
  }
}

/** 8B: MOV reg, r/m. */
export function movRegRM(c: Cpu): void {
  if (c.o32) c.regs[c.reg] = c.isReg ? c.regs[c.rm] : rd32s(c, c.eaSeg, c.eaOff);
  else setRegv(c, c.reg, getRMv(c));
}

/** 8C: MOV r/m, Sreg. A register destination with a 32-bit operand gets the selector zero-extended (P6). */
export function movFromSeg(c: Cpu): void {
  if (c.reg > 5) raise(c, Vec.UD);
  const v = c.segSel[c.reg];
  if (c.isReg && c.o32) c.regs[c.rm] = v;
  else setRM16(c, v);
}

/** 8E: MOV Sreg, r/m. CS is not a valid destination (#UD). */
export function movToSeg(c: Cpu): void {
  if (c.reg > 5 || c.reg === Seg.CS) raise(c, Vec.UD);
  loadSegment(c, c.reg, getRM16(c));
}

/** A0-A3: MOV AL/eAX <-> moffs. */
export function movMoffs(c: Cpu): void {
  const off = c.a32 ? fetch32(c) : fetch16(c);
  const seg = c.segOvr >= 0 ? c.segOvr : Seg.DS;
  switch (c.op) {
    case 0xa0: c.r8[0] = rd8(c, seg, off); return;
    case 0xa1: if (c.o32) c.regs[0] = rd32(c, seg, off); else c.r16[0] = rd16(c, seg, off); return;
    case 0xa2: wr8(c, seg, off, c.r8[0]); return;
    default: if (c.o32) wr32(c, seg, off, c.regs[0]); else wr16(c, seg, off, c.r16[0]);
  }
}

/** B0-B7: MOV reg8, ib. B8-BF: MOV reg, iz. */
export function movRegImm(c: Cpu): void {
  if (c.op < 0xb8) setReg8(c, c.op & 7, fetch8(c));
  else setRegv(c, c.op & 7, fetchImmOp(c));
}

/** C6 /0: MOV r/m8, ib; C7 /0: MOV r/m, iz. Other reg values are undefined (#UD). */
export function movRMImm(c: Cpu): void {
  if (c.reg !== 0) raise(c, Vec.UD);
  if (c.op === 0xc6) setRM8(c, fetch8(c));
  else setRMv(c, fetchImmOp(c));
}

/** 86/87: XCHG r/m, reg. */
export function xchgModrm(c: Cpu): void {
  if (c.op === 0x86) {
    const a = getRM8(c);
    setRM8(c, getReg8(c, c.reg));
    setReg8(c, c.reg, a);
  } else {
    const a = getRMv(c);
    setRMv(c, getRegv(c, c.reg));
    setRegv(c, c.reg, a);
  }
}

/** 91-97: XCHG eAX, reg (90 is NOP). */
export function xchgAcc(c: Cpu): void {
  const r = c.op & 7;
  if (c.o32) {
    const t = c.regs[0];
    c.regs[0] = c.regs[r];
    c.regs[r] = t;
  } else {
    const t = c.r16[0];
    c.r16[0] = c.r16[r << 1];
    c.r16[r << 1] = t;
  }
}

/** 8D: LEA reg, m (a register operand is #UD). */
export function lea(c: Cpu): void {
  if (c.isReg) raise(c, Vec.UD);
  setRegv(c, c.reg, c.eaOff);
}

/** C4 LES, C5 LDS, 0F B2 LSS, 0F B4 LFS, 0F B5 LGS: reg = offset, Sreg = selector from m16:16/32. */
export function loadFarPointer(c: Cpu): void {
  if (c.isReg) raise(c, Vec.UD);
  const off = c.o32 ? rd32(c, c.eaSeg, c.eaOff) : rd16(c, c.eaSeg, c.eaOff);
  const sel = rd16(c, c.eaSeg, eaPlus(c, c.o32 ? 4 : 2));
  let seg: number;
  switch (c.op) {
    case 0xc4: seg = Seg.ES; break;
    case 0xc5: seg = Seg.DS; break;
    case 0x1b2: seg = Seg.SS; break;
    case 0x1b4: seg = Seg.FS; break;
    default: seg = Seg.GS; break;
  }
  loadSegment(c, seg, sel);
  setRegv(c, c.reg, off);
}

/** 0F B6/B7 MOVZX, 0F BE/BF MOVSX. */
export function movExtend(c: Cpu): void {
  let v: number;
  switch (c.op) {
    case 0x1b6: v = getRM8(c); break;
    case 0x1b7: v = getRM16(c); break;
    case 0x1be: v = (getRM8(c) << 24) >> 24; break;
    default: v = (getRM16(c) << 16) >> 16; break;
  }
  setRegv(c, c.reg, v >>> 0);
}

/** D7: XLAT: AL = [seg:(E)BX + AL]. */
export function xlat(c: Cpu): void {
  const seg = c.segOvr >= 0 ? c.segOvr : Seg.DS;
  const off = c.a32 ? (c.regs[Reg.EBX] + c.r8[0]) >>> 0 : (c.r16[Reg.EBX << 1] + c.r8[0]) & 0xffff;
  c.r8[0] = rd8(c, seg, off);
}

/** 0F 40-4F: CMOVcc reg, r/m. The source is read (and may fault) whatever the condition. */
export function cmov(c: Cpu): void {
  const v = c.o32 ? getRM32(c) : getRM16(c);
  if (testCC(c, c.op & 0xf)) setRegv(c, c.reg, v);
}

/** 0F 90-9F: SETcc r/m8. */
export function setcc(c: Cpu): void {
  setRM8(c, testCC(c, c.op & 0xf) ? 1 : 0);
}

/** 0F C8-CF: BSWAP reg32. With a 16-bit operand the result is undefined; P6 parts clear the register. */
export function bswap(c: Cpu): void {
  const r = c.op & 7;
  if (!c.o32) {
    c.r16[r << 1] = 0;
    return;
  }
  const v = c.regs[r];
  c.regs[r] = ((v << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}

/** 9F LAHF: AH = SF:ZF:0:AF:0:PF:1:CF. */
export function lahf(c: Cpu): void {
  c.r8[1] = (getFlags(c) & 0xd5) | Flag.FIXED1;
}

/** 9E SAHF: SF, ZF, AF, PF, CF from AH. */
export function sahf(c: Cpu): void {
  const f = getFlags(c);
  c.eflags = (f & ~0xd5) | (c.r8[1] & 0xd5) | Flag.FIXED1;
  c.fLazy = 0;
}

