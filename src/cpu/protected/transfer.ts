// Protected-mode control transfers: far JMP/CALL to code segments, far RET and IRET to the same
// or an outer privilege level, and interrupt/exception delivery through IDT interrupt and trap
// gates to the same or an inner privilege level (stack from the TSS).
// SDM Vol. 2A "JMP", "CALL", Vol. 2B "RET", "IRET", Vol. 3A §6.12 (exception and interrupt
// handling), §7.2.1 (TSS stack fields).
// V86 entry/exit: v86.ts; task switches (TSS descriptors, task gates, nested IRET): task.ts.
import type { Cpu } from '../cpu.js';
import { Attr, Flag, Reg, Seg, Vec, EFLAGS_WRITABLE } from '../state.js';
import { getFlags } from '../flags.js';
import { sysRead16, sysRead32, push16, push32, stackRead16, stackRead32, setSp } from '../mmu.js';
import { raise } from '../interrupts.js';
import { iretInV86, iretToV86, nullDataSegmentsAfterV86 } from './v86.js';
import { taskSwitch, TaskSource } from './task.js';
import { debugFlagsChanged } from '../debug.js';
import { fetchDescriptor, setAccessed, loadCacheFromDescriptor, descLimit, nullifyInaccessibleSegments, SysType } from './descriptors.js';

const isCode = (hi: number) => (hi & 0x1800) === 0x1800;
const isData = (hi: number) => (hi & 0x1800) === 0x1000;
const dplOf = (hi: number) => (hi >>> 13) & 3;
const present = (hi: number) => (hi & 0x8000) !== 0;
const conforming = (hi: number) => (hi & 0x400) !== 0;

/** Loads CS from the descriptor in c.descLo/descHi with RPL = cpl and switches CPL and sizes. */
function loadCS(c: Cpu, sel: number, cpl: number): void {
  setAccessed(c);
  loadCacheFromDescriptor(c, Seg.CS, (sel & 0xfffc) | cpl);
  c.cpl = cpl;
  c.updateSizes();
  c.flushFetch();
}

/** Checks for a code segment reached by JMP/CALL far (SDM Vol. 2A JMP "Protected Mode Exceptions"). */
function checkDirectCode(c: Cpu, sel: number, off: number): void {
  const hi = c.descHi;
  if (conforming(hi)) {
    if (dplOf(hi) > c.cpl) raise(c, Vec.GP, sel & 0xfffc);
  } else if ((sel & 3) > c.cpl || dplOf(hi) !== c.cpl) raise(c, Vec.GP, sel & 0xfffc);
  if (!present(hi)) raise(c, Vec.NP, sel & 0xfffc);
  if (off > descLimit(c.descLo, hi)) raise(c, Vec.GP, 0);
}

/** JMP ptr16:16/32 or m16:16/32 in protected mode. */
export function farJumpProtected(c: Cpu, sel: number, off: number): void {
  if ((sel & 0xfffc) === 0) raise(c, Vec.GP, 0);
  fetchDescriptor(c, sel);
  if (!isCode(c.descHi)) {
    callGate(c, sel, false);
    return;
  }
  checkDirectCode(c, sel, off);
  loadCS(c, sel, c.cpl);
  c.eip = off;
}

/** CALL ptr16:16/32 or m16:16/32 in protected mode: same privilege only (gates are issue 8). */
export function farCallProtected(c: Cpu, sel: number, off: number): void {
  if ((sel & 0xfffc) === 0) raise(c, Vec.GP, 0);
  fetchDescriptor(c, sel);
  if (!isCode(c.descHi)) {
    callGate(c, sel, true);
    return;
  }
  checkDirectCode(c, sel, off);
  const lo = c.descLo;
  const hi = c.descHi;
  const addr = c.descAddr;
  if (c.o32) {
    push32(c, c.segSel[Seg.CS]);
    push32(c, c.eip);
  } else {
    push16(c, c.segSel[Seg.CS]);
    push16(c, c.eip);
  }
  c.descLo = lo;
  c.descHi = hi;
  c.descAddr = addr;
  loadCS(c, sel, c.cpl);
  c.eip = off;
}

/**
 * JMP/CALL through a call gate (SDM Vol. 2A CALL "CALL-GATE", Vol. 3A §5.8.3-5.8.5): CALL to a
 * more privileged non-conforming segment switches to the TSS stack of that level and copies the
 * gate's parameter count of words/dwords from the caller's stack. JMP never changes CPL.
 */
function callGate(c: Cpu, gateSel: number, call: boolean): void {
  const ghi = c.descHi;
  const glo = c.descLo;
  const type = (ghi >>> 8) & 0x1f;
  if (type === SysType.TASK_GATE || type === SysType.TSS16_AVAIL || type === SysType.TSS32_AVAIL) {
    // JMP/CALL to a task: gate or TSS DPL >= max(CPL, RPL) (SDM Vol. 3A §7.3).
    if (dplOf(ghi) < c.cpl || dplOf(ghi) < (gateSel & 3)) raise(c, Vec.GP, gateSel & 0xfffc);
    if (!present(ghi)) raise(c, Vec.NP, gateSel & 0xfffc);
    const tss = type === SysType.TASK_GATE ? glo >>> 16 : gateSel;
    taskSwitch(c, tss, call ? TaskSource.CALL : TaskSource.JMP, c.eip);
    if (c.eip > c.segLimit[Seg.CS]) raise(c, Vec.GP, 0);
    return;
  }
  if (type !== SysType.CALL_GATE16 && type !== SysType.CALL_GATE32) raise(c, Vec.GP, gateSel & 0xfffc);
  if (dplOf(ghi) < c.cpl || dplOf(ghi) < (gateSel & 3)) raise(c, Vec.GP, gateSel & 0xfffc);
  if (!present(ghi)) raise(c, Vec.NP, gateSel & 0xfffc);
  const gate32 = type === SysType.CALL_GATE32;
  const sel = glo >>> 16;
  const off = gate32 ? ((glo & 0xffff) | (ghi & 0xffff0000)) >>> 0 : glo & 0xffff;
  const params = ghi & 0x1f;
  if ((sel & 0xfffc) === 0) raise(c, Vec.GP, 0);
  fetchDescriptor(c, sel);
  const hi = c.descHi;
  if (!isCode(hi) || dplOf(hi) > c.cpl) raise(c, Vec.GP, sel & 0xfffc);
  if (!present(hi)) raise(c, Vec.NP, sel & 0xfffc);
  if (off > descLimit(c.descLo, hi)) raise(c, Vec.GP, 0);
  const dpl = conforming(hi) ? c.cpl : dplOf(hi);
  if (!call) {
    if (dpl !== c.cpl) raise(c, Vec.GP, sel & 0xfffc);
    loadCS(c, sel, c.cpl);
    c.eip = off;
    return;
  }
  const csLo = c.descLo;
  const csAddr = c.descAddr;
  const oldCs = c.segSel[Seg.CS];
  const retEip = c.eip;
  if (dpl < c.cpl) {
    const { ss, esp } = tssStack(c, dpl, 0);
    if ((ss & 0xfffc) === 0) raise(c, Vec.TS, 0);
    fetchDescriptor(c, ss, Vec.TS);
    const shi = c.descHi;
    if ((ss & 3) !== dpl || dplOf(shi) !== dpl || !isData(shi) || (shi & 0x200) === 0) raise(c, Vec.TS, ss & 0xfffc);
    if (!present(shi)) raise(c, Vec.SS, ss & 0xfffc);
    // Parameters come from the caller's stack, read before the switch.
    const oldSs = c.segSel[Seg.SS];
    const oldEsp = c.regs[Reg.ESP];
    const p = c.scratch;
    for (let i = 0; i < params; i++) p[i] = gate32 ? stackRead32(c, i * 4) : stackRead16(c, i * 2);
    setAccessed(c);
    loadCacheFromDescriptor(c, Seg.SS, ss);
    c.cpl = dpl;
    c.updateSizes();
    c.regs[Reg.ESP] = esp;
    pushV(c, gate32, oldSs);
    pushV(c, gate32, oldEsp);
    for (let i = params - 1; i >= 0; i--) pushV(c, gate32, p[i]);
  }
  pushV(c, gate32, oldCs);
  pushV(c, gate32, retEip);
  c.descLo = csLo;
  c.descHi = hi;
  c.descAddr = csAddr;
  loadCS(c, sel, dpl);
  c.eip = off;
}

/**
 * RETF (imm) and IRET in protected mode. `frame` is the size of EIP+CS(+EFLAGS) on the stack;
 * `flags` the popped EFLAGS for IRET, or -1 for RETF.
 */
function farReturn(c: Cpu, eip: number, cs: number, frame: number, imm: number, flags: number): void {
  if ((cs & 0xfffc) === 0) raise(c, Vec.GP, 0);
  fetchDescriptor(c, cs);
  const rpl = cs & 3;
  const hi = c.descHi;
  if (rpl < c.cpl || !isCode(hi)) raise(c, Vec.GP, cs & 0xfffc);
  if (conforming(hi) ? dplOf(hi) > rpl : dplOf(hi) !== rpl) raise(c, Vec.GP, cs & 0xfffc);
  if (!present(hi)) raise(c, Vec.NP, cs & 0xfffc);
  if (eip > descLimit(c.descLo, hi)) raise(c, Vec.GP, 0);
  if (rpl === c.cpl) {
    loadCS(c, cs, rpl);
    setSp(c, ((c.regs[Reg.ESP] + frame + imm) & c.stackMask) >>> 0);
    if (flags >= 0) applyIretFlags(c, flags, c.cpl);
    c.eip = eip;
    return;
  }
  // Return to an outer level: SS:ESP follow the frame (and the RETF immediate).
  const o32 = c.o32;
  const newEsp = o32 ? stackRead32(c, frame + imm) : stackRead16(c, frame + imm);
  const newSs = (o32 ? stackRead32(c, frame + imm + 4) : stackRead16(c, frame + imm + 2)) & 0xffff;
  const csLo = c.descLo;
  const csHi = c.descHi;
  const csAddr = c.descAddr;
  if ((newSs & 0xfffc) === 0) raise(c, Vec.GP, 0);
  fetchDescriptor(c, newSs);
  const shi = c.descHi;
  if ((newSs & 3) !== rpl || !isData(shi) || (shi & 0x200) === 0 || dplOf(shi) !== rpl) raise(c, Vec.GP, newSs & 0xfffc);
  if (!present(shi)) raise(c, Vec.SS, newSs & 0xfffc);
  const oldCpl = c.cpl;
  setAccessed(c);
  loadCacheFromDescriptor(c, Seg.SS, newSs);
  c.descLo = csLo;
  c.descHi = csHi;
  c.descAddr = csAddr;
  loadCS(c, cs, rpl);
  c.regs[Reg.ESP] = 0;
  setSp(c, (newEsp + (flags >= 0 ? 0 : imm)) >>> 0);
  if (flags >= 0) applyIretFlags(c, flags, oldCpl);
  nullifyInaccessibleSegments(c);
  c.eip = eip;
}

/** EFLAGS from an IRET: IF only if CPL <= IOPL, IOPL/VIF/VIP only at CPL 0 (SDM Vol. 2A IRET). */
function applyIretFlags(c: Cpu, v: number, cpl: number): void {
  const old = getFlags(c);
  let m = c.o32 ? EFLAGS_WRITABLE & ~Flag.VM : 0xffff & EFLAGS_WRITABLE;
  if (cpl > 0) m &= ~(Flag.IOPL | Flag.VIF | Flag.VIP);
  if (cpl > (old & Flag.IOPL) >> 12) m &= ~Flag.IF;
  c.eflags = (((old & ~m) | (v & m) | Flag.FIXED1) & ~Flag.VM) >>> 0;
  c.fLazy = 0;
  debugFlagsChanged(c); // RF and AC come from the stack (SDM Vol. 3A §17.3.1.1)
}

/** RETF / RETF imm16 in protected mode. */
export function retFarProtected(c: Cpu, imm: number): void {
  const size = c.o32 ? 4 : 2;
  const eip = c.o32 ? stackRead32(c, 0) : stackRead16(c, 0);
  const cs = (c.o32 ? stackRead32(c, 4) : stackRead16(c, 2)) & 0xffff;
  farReturn(c, eip, cs, 2 * size, imm, -1);
}

/** IRET/IRETD in protected mode (not V86, not a nested-task return). */
export function iretProtected(c: Cpu): void {
  if ((c.eflags & Flag.VM) !== 0) {
    iretInV86(c);
    return;
  }
  if ((c.eflags & Flag.NT) !== 0) {
    // Return from a nested task to the TSS named by the back-link (SDM Vol. 3A §7.3).
    taskSwitch(c, sysRead16(c, c.segBase[Seg.TR]), TaskSource.IRET, c.eip);
    if (c.eip > c.segLimit[Seg.CS]) raise(c, Vec.GP, 0);
    return;
  }
  const size = c.o32 ? 4 : 2;
  const eip = c.o32 ? stackRead32(c, 0) : stackRead16(c, 0);
  const cs = (c.o32 ? stackRead32(c, 4) : stackRead16(c, 2)) & 0xffff;
  const fl = c.o32 ? stackRead32(c, 8) : stackRead16(c, 4);
  if (c.o32 && (fl & Flag.VM) !== 0 && c.cpl === 0) {
    iretToV86(c);
    return;
  }
  farReturn(c, eip, cs, 3 * size, 0, fl);
}

/**
 * Delivers `vector` through the IDT (interrupt and trap gates). `code` is the error code or -1;
 * `software` marks INT n/INT3/INTO, which check the gate's DPL against CPL.
 */
export function deliverProtected(c: Cpu, vector: number, code: number, returnEip: number, software: boolean): void {
  const ext = software ? 0 : 1;
  const gateErr = vector * 8 + 2 + ext;
  const fromV86 = (c.eflags & Flag.VM) !== 0;
  if (vector * 8 + 7 > c.idtrLimit) raise(c, Vec.GP, gateErr);
  const lo = sysRead32(c, (c.idtrBase + vector * 8) | 0);
  const hi = sysRead32(c, (c.idtrBase + vector * 8 + 4) | 0);
  const type = (hi >>> 8) & 0x1f;
  if (type !== SysType.INT_GATE16 && type !== SysType.TRAP_GATE16 && type !== SysType.INT_GATE32 && type !== SysType.TRAP_GATE32 && type !== SysType.TASK_GATE) {
    raise(c, Vec.GP, gateErr);
  }
  if (software && dplOf(hi) < c.cpl) raise(c, Vec.GP, vector * 8 + 2);
  if (!present(hi)) raise(c, Vec.NP, gateErr);
  if (type === SysType.TASK_GATE) {
    // Through a task gate: the handler is a task; an error code goes on its stack (§7.3, §6.12.2).
    taskSwitch(c, lo >>> 16, TaskSource.INT, returnEip);
    if (code >= 0) {
      if ((c.segAttr[Seg.TR] & 8) !== 0) push32(c, code);
      else push16(c, code);
    }
    if (c.eip > c.segLimit[Seg.CS]) raise(c, Vec.GP, 0);
    c.halted = false;
    return;
  }
  const gate32 = (type & 8) !== 0;
  const sel = lo >>> 16;
  const target = gate32 ? ((lo & 0xffff) | (hi & 0xffff0000)) >>> 0 : lo & 0xffff;
  if ((sel & 0xfffc) === 0) raise(c, Vec.GP, ext);
  fetchDescriptor(c, sel, Vec.GP, ext);
  const dhi = c.descHi;
  if (!isCode(dhi) || dplOf(dhi) > c.cpl) raise(c, Vec.GP, (sel & 0xfffc) | ext);
  if (!present(dhi)) raise(c, Vec.NP, (sel & 0xfffc) | ext);
  if (target > descLimit(c.descLo, dhi)) raise(c, Vec.GP, ext);
  const flags = getFlags(c);
  const oldCs = c.segSel[Seg.CS];
  const dpl = conforming(dhi) ? c.cpl : dplOf(dhi);
  // From V86 mode only a ring-0 non-conforming handler is allowed (SDM Vol. 3A §20.3.1.1).
  if (fromV86 && (conforming(dhi) || dpl !== 0)) raise(c, Vec.GP, (sel & 0xfffc) | ext);
  const words = (code >= 0 ? 4 : 3) + (dpl < c.cpl ? 2 : 0) + (fromV86 ? 4 : 0);
  if (dpl < c.cpl) {
    const csLo = c.descLo;
    const csAddr = c.descAddr;
    const oldSs = c.segSel[Seg.SS];
    const oldEsp = c.regs[Reg.ESP];
    const { ss, esp } = tssStack(c, dpl, ext);
    if ((ss & 0xfffc) === 0) raise(c, Vec.TS, ext);
    fetchDescriptor(c, ss, Vec.TS, ext);
    const shi = c.descHi;
    if ((ss & 3) !== dpl || dplOf(shi) !== dpl || !isData(shi) || (shi & 0x200) === 0) raise(c, Vec.TS, (ss & 0xfffc) | ext);
    if (!present(shi)) raise(c, Vec.SS, (ss & 0xfffc) | ext);
    // The whole frame must fit below the new ESP before anything changes.
    const bytes = words * (gate32 ? 4 : 2);
    const big = (shi & (1 << 22)) !== 0;
    const limit = descLimit(c.descLo, shi);
    const expandDown = (shi & 0x400) !== 0;
    const low = ((big ? esp : esp & 0xffff) - bytes) >>> 0;
    const bad = expandDown ? low <= limit : low + bytes - 1 > limit || low > (big ? esp : esp & 0xffff);
    if (bad) raise(c, Vec.SS, (ss & 0xfffc) | ext);
    const gs = c.segSel[Seg.GS];
    const fs = c.segSel[Seg.FS];
    const ds = c.segSel[Seg.DS];
    const es = c.segSel[Seg.ES];
    setAccessed(c);
    loadCacheFromDescriptor(c, Seg.SS, ss);
    c.cpl = dpl;
    c.eflags &= ~Flag.VM;
    c.updateSizes();
    c.regs[Reg.ESP] = esp;
    if (fromV86) {
      pushV(c, gate32, gs);
      pushV(c, gate32, fs);
      pushV(c, gate32, ds);
      pushV(c, gate32, es);
      nullDataSegmentsAfterV86(c);
    }
    pushV(c, gate32, oldSs);
    pushV(c, gate32, oldEsp);
    c.descLo = csLo;
    c.descHi = dhi;
    c.descAddr = csAddr;
  }
  pushV(c, gate32, flags);
  pushV(c, gate32, oldCs);
  pushV(c, gate32, returnEip);
  if (code >= 0) pushV(c, gate32, code);
  loadCS(c, sel, dpl);
  c.eip = target;
  c.eflags &= ~(Flag.TF | Flag.NT | Flag.VM | Flag.RF);
  if ((type & 1) === 0) c.eflags &= ~Flag.IF; // interrupt gates clear IF, trap gates do not
  c.halted = false;
}

function pushV(c: Cpu, big: boolean, v: number): void {
  if (big) push32(c, v >>> 0);
  else push16(c, v & 0xffff);
}

/** SS:ESP for privilege level `dpl` from the current TSS (SDM Vol. 3A §7.2.1, §7.6 for 16-bit TSSs). */
function tssStack(c: Cpu, dpl: number, ext: number): { ss: number; esp: number } {
  const tss32 = (c.segAttr[Seg.TR] & 8) !== 0;
  const off = tss32 ? 4 + dpl * 8 : 2 + dpl * 4;
  const need = tss32 ? off + 5 : off + 3;
  if ((c.segAttr[Seg.TR] & Attr.P) === 0 || need > c.segLimit[Seg.TR]) raise(c, Vec.TS, (c.segSel[Seg.TR] & 0xfffc) | ext);
  const base = c.segBase[Seg.TR];
  if (tss32) return { esp: sysRead32(c, (base + off) | 0), ss: sysRead16(c, (base + off + 4) | 0) };
  return { esp: sysRead16(c, (base + off) | 0), ss: sysRead16(c, (base + off + 2) | 0) };
}
