// Stack instructions: PUSH/POP (registers, segment registers, r/m, immediates), PUSHA/POPA,
// PUSHF/POPF, ENTER, LEAVE (SDM Vol. 2B per instruction).
import type { Cpu } from '../cpu.js';
import { Flag, Reg, Seg, Vec, EFLAGS_WRITABLE } from '../state.js';
import { getFlags } from '../flags.js';
import { getRMv, setRMv } from '../operands.js';
import { fetch8, fetch16, fetchS8, fetchImmOp } from '../fetch.js';
import { push16, push32, pop16, pop32, pop32s, pushOp, popOp, setSp, rd16, rd32, stackRead16, stackRead32 } from '../mmu.js';
import { raise } from '../interrupts.js';
import { loadSegment } from '../segments.js';
import { debugFlagsChanged } from '../debug.js';

/** 50-57: PUSH reg. PUSH SP pushes the value SP had before the instruction (286 and later). */
export function pushReg(c: Cpu): void {
  const r = c.op & 7;
  if (c.o32) push32(c, c.regs[r]);
  else push16(c, c.r16[r << 1]);
}

/** 58-5F: POP reg. POP SP loads the popped value (the increment is overwritten). */
export function popReg(c: Cpu): void {
  const r = c.op & 7;
  if (c.o32) {
    const v = pop32s(c);
    c.regs[r] = v;
  } else {
    const v = pop16(c);
    c.r16[r << 1] = v;
  }
}

/** 68 PUSH iz, 6A PUSH sign-extended ib. */
export function pushImm(c: Cpu): void {
  const v = c.op === 0x68 ? fetchImmOp(c) : fetchS8(c);
  if (c.o32) push32(c, v >>> 0);
  else push16(c, v & 0xffff);
}

const SEG_OF_PUSH: Record<number, number> = {
  0x06: Seg.ES, 0x07: Seg.ES, 0x0e: Seg.CS, 0x16: Seg.SS, 0x17: Seg.SS, 0x1e: Seg.DS, 0x1f: Seg.DS,
  0x1a0: Seg.FS, 0x1a1: Seg.FS, 0x1a8: Seg.GS, 0x1a9: Seg.GS,
};

/** PUSH Sreg (06, 0E, 16, 1E, 0F A0, 0F A8): a 32-bit push stores the selector zero-extended. */
export function pushSeg(c: Cpu): void {
  const v = c.segSel[SEG_OF_PUSH[c.op]];
  if (c.o32) push32(c, v);
  else push16(c, v);
}

/** POP Sreg (07, 17, 1F, 0F A1, 0F A9). POP SS inhibits interrupts for one instruction. */
export function popSeg(c: Cpu): void {
  const seg = SEG_OF_PUSH[c.op];
  // Read first, load the segment, then commit SP: a failing load leaves SP unchanged.
  const v = c.o32 ? stackRead32(c, 0) & 0xffff : stackRead16(c, 0);
  loadSegment(c, seg, v);
  setSp(c, ((c.regs[Reg.ESP] + (c.o32 ? 4 : 2)) & c.stackMask) >>> 0);
}

/** 8F /0: POP r/m. An ESP-based address is computed after the increment (SDM Vol. 2B POP). */
export function popRM(c: Cpu): void {
  if (c.reg !== 0) raise(c, Vec.UD);
  const size = c.o32 ? 4 : 2;
  const v = c.o32 ? stackRead32(c, 0) : stackRead16(c, 0);
  const oldSp = c.regs[Reg.ESP];
  setSp(c, ((oldSp + size) & c.stackMask) >>> 0);
  if (c.eaEspBase && !c.isReg) c.eaOff = (c.eaOff + size) >>> 0;
  setRMv(c, v);
}

/** FF /6: PUSH r/m. */
export function pushRM(c: Cpu): void {
  pushOp(c, getRMv(c));
}

/** 60 PUSHA/PUSHAD: AX CX DX BX (original SP) BP SI DI. */
export function pusha(c: Cpu): void {
  const sp = c.regs[Reg.ESP];
  for (let r = 0; r < 8; r++) {
    if (c.o32) push32(c, r === Reg.ESP ? sp : c.regs[r]);
    else push16(c, r === Reg.ESP ? sp & 0xffff : c.r16[r << 1]);
  }
}

/** 61 POPA/POPAD: DI SI BP (SP skipped) BX DX CX AX. */
export function popa(c: Cpu): void {
  for (let r = 7; r >= 0; r--) {
    const v = popOp(c);
    if (r === Reg.ESP) continue;
    if (c.o32) c.regs[r] = v;
    else c.r16[r << 1] = v;
  }
}

/** 9C PUSHF/PUSHFD: the image has VM and RF clear (SDM Vol. 2B PUSHF). */
export function pushf(c: Cpu): void {
  if ((c.eflags & Flag.VM) !== 0 && (c.eflags & Flag.IOPL) !== Flag.IOPL) raise(c, Vec.GP, 0);
  const f = getFlags(c);
  if (c.o32) push32(c, f & 0x00fcffff);
  else push16(c, f & 0xffff);
}

/**
 * 9D POPF/POPFD. IOPL changes only at CPL 0 and IF only when CPL <= IOPL; VM, VIP, VIF keep
 * their values and RF is cleared (SDM Vol. 2B POPF "Operation").
 */
export function popf(c: Cpu): void {
  if ((c.eflags & Flag.VM) !== 0 && (c.eflags & Flag.IOPL) !== Flag.IOPL) raise(c, Vec.GP, 0);
  const v = c.o32 ? pop32(c) : pop16(c) | (getFlags(c) & 0xffff0000);
  setFlagsChecked(c, v, c.o32 ? EFLAGS_WRITABLE : 0xffff);
}

/** Writes the bits of `v` selected by `mask` (also limited by privilege) into EFLAGS. */
export function setFlagsChecked(c: Cpu, v: number, mask: number): void {
  let m = mask & EFLAGS_WRITABLE & ~(Flag.VM | Flag.VIP | Flag.VIF | Flag.RF);
  if (c.protectedMode) {
    if (c.cpl > 0) m &= ~Flag.IOPL;
    if (c.cpl > (c.eflags & Flag.IOPL) >> 12) m &= ~Flag.IF;
  }
  const old = getFlags(c);
  c.eflags = (((old & ~m) | (v & m) | Flag.FIXED1) & ~Flag.RF) >>> 0;
  c.fLazy = 0;
  debugFlagsChanged(c); // EFLAGS.AC: alignment checking
}

/** C8: ENTER imm16, imm8 (SDM Vol. 2A ENTER "Operation"; nesting level taken mod 32). */
export function enter(c: Cpu): void {
  const alloc = fetch16(c);
  const level = fetch8(c) & 31;
  const big = c.stackMask !== 0xffff;
  const size = c.o32 ? 4 : 2;
  pushOp(c, c.o32 ? c.regs[Reg.EBP] : c.r16[Reg.EBP << 1]);
  const frameTemp = c.regs[Reg.ESP] & c.stackMask;
  if (level > 0) {
    let bp = big ? c.regs[Reg.EBP] : c.r16[Reg.EBP << 1];
    for (let i = 1; i < level; i++) {
      bp = ((bp - size) & c.stackMask) >>> 0;
      const v = c.o32 ? rd32(c, Seg.SS, bp) : rd16(c, Seg.SS, bp);
      pushOp(c, v);
    }
    pushOp(c, frameTemp);
  }
  if (big) c.regs[Reg.EBP] = frameTemp;
  else c.r16[Reg.EBP << 1] = frameTemp;
  setSp(c, ((c.regs[Reg.ESP] - alloc) & c.stackMask) >>> 0);
}

/** C9: LEAVE: (E)SP = (E)BP, then POP (E)BP. */
export function leave(c: Cpu): void {
  const bp = c.regs[Reg.EBP] & c.stackMask;
  const v = c.o32 ? rd32(c, Seg.SS, bp >>> 0) : rd16(c, Seg.SS, bp >>> 0);
  setSp(c, ((bp >>> 0) + (c.o32 ? 4 : 2)) & c.stackMask);
  if (c.o32) c.regs[Reg.EBP] = v;
  else c.r16[Reg.EBP << 1] = v;
}
