// Control transfer: Jcc, JMP, CALL, RET (near and far), LOOP/JCXZ, INT n/INT3/INTO/INT1, IRET,
// BOUND (SDM Vol. 2A/2B per instruction). Far transfers here are the real-mode/V86 forms;
// protected mode dispatches to protected/transfer.ts.
import type { Cpu } from '../cpu.js';
import { Flag, Reg, Seg, Vec, EFLAGS_WRITABLE } from '../state.js';
import { testCC, getOF, getZF, getFlags } from '../flags.js';
import { getRM16, getRM32, eaPlus } from '../operands.js';
import { fetch8, fetch16, fetch32, fetchS8, fetchImmOp } from '../fetch.js';
import { push16, push32, pushOp, setSp, rd16, rd32, stackRead16, stackRead32 } from '../mmu.js';
import { raise, softwareInterrupt, deliver } from '../interrupts.js';
import { loadSegment } from '../segments.js';
import { setFlagsChecked } from './stack.js';
import { debugFlagsChanged } from '../debug.js';
import { farJumpProtected, farCallProtected, retFarProtected, iretProtected } from '../protected/transfer.js';

/** Sets EIP to a near target of the operand size; #GP(0) beyond the CS limit. */
export function jumpNear(c: Cpu, target: number): void {
  const t = c.o32 ? target >>> 0 : target & 0xffff;
  if (t > c.segLimit[Seg.CS]) raise(c, Vec.GP, 0);
  c.eip = t;
}

/** Far transfer to sel:off (real mode/V86 form). */
function jumpFar(c: Cpu, sel: number, off: number): void {
  if (c.protectedMode && (c.eflags & Flag.VM) === 0) {
    farJumpProtected(c, sel, off);
    return;
  }
  if (off > c.segLimit[Seg.CS]) raise(c, Vec.GP, 0);
  loadSegment(c, Seg.CS, sel);
  c.eip = off;
}

/** 70-7F: Jcc rel8. */
export function jccShort(c: Cpu): void {
  const d = fetchS8(c);
  if (testCC(c, c.op & 0xf)) jumpNear(c, c.eip + d);
}

/** 0F 80-8F: Jcc rel16/32. */
export function jccNear(c: Cpu): void {
  const d = c.o32 ? fetch32(c) | 0 : (fetch16(c) << 16) >> 16;
  if (testCC(c, c.op & 0xf)) jumpNear(c, c.eip + d);
}

/** EB: JMP rel8; E9: JMP rel16/32. */
export function jmpRel(c: Cpu): void {
  const d = c.op === 0xeb ? fetchS8(c) : c.o32 ? fetch32(c) | 0 : (fetch16(c) << 16) >> 16;
  jumpNear(c, c.eip + d);
}

/** E8: CALL rel16/32. */
export function callRel(c: Cpu): void {
  const d = c.o32 ? fetch32(c) | 0 : (fetch16(c) << 16) >> 16;
  const ret = c.eip;
  const t = c.o32 ? (ret + d) >>> 0 : (ret + d) & 0xffff;
  if (t > c.segLimit[Seg.CS]) raise(c, Vec.GP, 0);
  pushOp(c, ret);
  c.eip = t;
}

/** EA: JMP ptr16:16/32. 9A: CALL ptr16:16/32. */
export function farImm(c: Cpu): void {
  const off = fetchImmOp(c);
  const sel = fetch16(c);
  if (c.op === 0x9a) farCall(c, sel, off);
  else jumpFar(c, sel, off);
}

function farCall(c: Cpu, sel: number, off: number): void {
  if (c.protectedMode && (c.eflags & Flag.VM) === 0) {
    farCallProtected(c, sel, off);
    return;
  }
  if (off > c.segLimit[Seg.CS]) raise(c, Vec.GP, 0);
  if (c.o32) {
    push32(c, c.segSel[Seg.CS]);
    push32(c, c.eip);
  } else {
    push16(c, c.segSel[Seg.CS]);
    push16(c, c.eip);
  }
  loadSegment(c, Seg.CS, sel);
  c.eip = off;
}

/** C3 RET, C2 RET imm16. */
export function retNear(c: Cpu): void {
  const imm = c.op === 0xc2 ? fetch16(c) : 0;
  const ip = c.o32 ? stackRead32(c, 0) : stackRead16(c, 0);
  jumpNear(c, ip);
  setSp(c, ((c.regs[Reg.ESP] + (c.o32 ? 4 : 2) + imm) & c.stackMask) >>> 0);
}

/** CB RETF, CA RETF imm16 (real mode/V86). */
export function retFar(c: Cpu): void {
  const imm = c.op === 0xca ? fetch16(c) : 0;
  if (c.protectedMode && (c.eflags & Flag.VM) === 0) {
    retFarProtected(c, imm);
    return;
  }
  const size = c.o32 ? 4 : 2;
  const ip = c.o32 ? stackRead32(c, 0) : stackRead16(c, 0);
  const cs = c.o32 ? stackRead32(c, 4) & 0xffff : stackRead16(c, 2);
  if (ip > c.segLimit[Seg.CS]) raise(c, Vec.GP, 0);
  loadSegment(c, Seg.CS, cs);
  c.eip = ip;
  setSp(c, ((c.regs[Reg.ESP] + 2 * size + imm) & c.stackMask) >>> 0);
}

/** CF: IRET/IRETD in real mode (SDM Vol. 2A IRET "REAL-ADDRESS-MODE"). */
export function iret(c: Cpu): void {
  if (c.protectedMode) {
    iretProtected(c);
    return;
  }
  if (c.o32) {
    const ip = stackRead32(c, 0);
    const cs = stackRead32(c, 4) & 0xffff;
    const fl = stackRead32(c, 8);
    if (ip > c.segLimit[Seg.CS]) raise(c, Vec.GP, 0);
    loadSegment(c, Seg.CS, cs);
    c.eip = ip;
    setSp(c, ((c.regs[Reg.ESP] + 12) & c.stackMask) >>> 0);
    // EFLAGS ← (temp AND 257FD5H) OR (EFLAGS AND 1A0000H)
    const keep = getFlags(c) & 0x1a0000;
    c.eflags = ((fl & 0x257fd5 & EFLAGS_WRITABLE) | keep | Flag.FIXED1) >>> 0;
    c.fLazy = 0;
    debugFlagsChanged(c);
  } else {
    const ip = stackRead16(c, 0);
    const cs = stackRead16(c, 2);
    const fl = stackRead16(c, 4);
    loadSegment(c, Seg.CS, cs);
    c.eip = ip;
    setSp(c, ((c.regs[Reg.ESP] + 6) & c.stackMask) >>> 0);
    setFlagsChecked(c, fl, 0xffff);
  }
}

/** E0 LOOPNE, E1 LOOPE, E2 LOOP, E3 JCXZ/JECXZ: the count register follows the address size. */
export function loop(c: Cpu): void {
  const d = fetchS8(c);
  let count: number;
  if (c.op === 0xe3) {
    count = c.a32 ? c.regs[Reg.ECX] : c.r16[Reg.ECX << 1];
    if (count === 0) jumpNear(c, c.eip + d);
    return;
  }
  if (c.a32) count = c.regs[Reg.ECX] = c.regs[Reg.ECX] - 1;
  else count = c.r16[Reg.ECX << 1] = c.r16[Reg.ECX << 1] - 1;
  count = c.a32 ? c.regs[Reg.ECX] : c.r16[Reg.ECX << 1];
  let taken = count !== 0;
  if (c.op === 0xe0) taken = taken && getZF(c) === 0;
  else if (c.op === 0xe1) taken = taken && getZF(c) !== 0;
  if (taken) jumpNear(c, c.eip + d);
}

/** FF /2 CALL r/m, /3 CALL m16:16/32, /4 JMP r/m, /5 JMP m16:16/32. */
export function groupFFControl(c: Cpu): void {
  switch (c.reg) {
    case 2: {
      const t = c.o32 ? getRM32(c) : getRM16(c);
      if (t > c.segLimit[Seg.CS]) raise(c, Vec.GP, 0);
      pushOp(c, c.eip);
      c.eip = t;
      return;
    }
    case 4:
      jumpNear(c, c.o32 ? getRM32(c) : getRM16(c));
      return;
    default: {
      if (c.isReg) raise(c, Vec.UD);
      const off = c.o32 ? rd32(c, c.eaSeg, c.eaOff) : rd16(c, c.eaSeg, c.eaOff);
      const sel = rd16(c, c.eaSeg, eaPlus(c, c.o32 ? 4 : 2));
      if (c.reg === 3) farCall(c, sel, off);
      else jumpFar(c, sel, off);
    }
  }
}

/** CD INT n, CC INT3, CE INTO, F1 INT1 (ICEBP). */
export function int(c: Cpu): void {
  switch (c.op) {
    case 0xcd: {
      const v = fetch8(c);
      softIntChecked(c, v);
      return;
    }
    // INT3 and INTO are not IOPL-sensitive in V86 mode (SDM Vol. 3A §20.3.3): straight to the IDT.
    case 0xcc: softwareInterrupt(c, Vec.BP); return;
    case 0xce: if (getOF(c) !== 0) softwareInterrupt(c, Vec.OF); return;
    default: deliver(c, Vec.DB, -1, c.eip); // INT1 (ICEBP): a #DB trap without the gate DPL check
  }
}

/** INT n in V86 mode with IOPL < 3 is #GP(0) (SDM Vol. 3A §20.3.3); real mode goes straight to the IVT. */
function softIntChecked(c: Cpu, v: number): void {
  if ((c.eflags & Flag.VM) !== 0 && (c.eflags & Flag.IOPL) !== Flag.IOPL) raise(c, Vec.GP, 0);
  softwareInterrupt(c, v);
}

/** 62: BOUND reg, m16&16 / m32&32: #BR (a fault) when the index is outside [lower, upper]. */
export function bound(c: Cpu): void {
  if (c.isReg) raise(c, Vec.UD);
  let idx: number;
  let lo: number;
  let hi: number;
  if (c.o32) {
    idx = c.regs[c.reg] | 0;
    lo = rd32(c, c.eaSeg, c.eaOff) | 0;
    hi = rd32(c, c.eaSeg, eaPlus(c, 4)) | 0;
  } else {
    idx = (c.r16[c.reg << 1] << 16) >> 16;
    lo = (rd16(c, c.eaSeg, c.eaOff) << 16) >> 16;
    hi = (rd16(c, c.eaSeg, eaPlus(c, 2)) << 16) >> 16;
  }
  if (idx < lo || idx > hi) raise(c, Vec.BR);
}
