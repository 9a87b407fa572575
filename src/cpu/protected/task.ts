// Hardware task switching (SDM Vol. 3A §7.3): JMP/CALL to a TSS or task gate, interrupts and
// exceptions through task gates, IRET with NT=1. 32-bit and 16-bit TSS layouts (§7.2.1, §7.6).
import type { Cpu } from '../cpu.js';
import { Cr0, Flag, Seg, Vec } from '../state.js';
import { getFlags } from '../flags.js';
import { sysRead16, sysRead32, sysWrite8, linWrite16, linWrite32 } from '../mmu.js';
import { raise } from '../interrupts.js';
import { refreshSegAccess } from '../segments.js';
import { readDescriptor, loadCacheFromDescriptor, loadSegmentProtected, descLimit, SysType } from './descriptors.js';
import { debugTaskSwitch } from '../debug.js';

export const enum TaskSource {
  JMP = 0,
  CALL = 1,
  INT = 2,
  IRET = 3,
}

const SEG_ORDER_32 = [Seg.ES, Seg.CS, Seg.SS, Seg.DS, Seg.FS, Seg.GS];

function sys16(c: Cpu, lin: number, v: number): void {
  const u = c.user;
  c.user = false;
  try {
    linWrite16(c, lin, v);
  } finally {
    c.user = u;
  }
}

function sys32(c: Cpu, lin: number, v: number): void {
  const u = c.user;
  c.user = false;
  try {
    linWrite32(c, lin, v);
  } finally {
    c.user = u;
  }
}

/**
 * Switches to the task whose TSS selector is `sel`. `nextEip` is the EIP saved in the old task.
 * Returns with the new task's state loaded (EIP, registers, segments, CR3, TR, CPL).
 */
export function taskSwitch(c: Cpu, sel: number, source: TaskSource, nextEip: number): void {
  if ((sel & 4) !== 0 || !readDescriptor(c, sel)) raise(c, Vec.GP, sel & 0xfffc);
  const newLo = c.descLo;
  const newHi = c.descHi;
  const newAddr = c.descAddr;
  const type = (newHi >>> 8) & 0x1f;
  const busy = type === SysType.TSS16_BUSY || type === SysType.TSS32_BUSY;
  const isTss = type === SysType.TSS16_AVAIL || type === SysType.TSS32_AVAIL || busy;
  if (!isTss || (source === TaskSource.IRET) !== busy) raise(c, source === TaskSource.IRET ? Vec.TS : Vec.GP, sel & 0xfffc);
  if ((newHi & 0x8000) === 0) raise(c, Vec.NP, sel & 0xfffc);
  const new32 = (type & 8) !== 0;
  const newLimit = descLimit(newLo, newHi);
  if (newLimit < (new32 ? 0x67 : 0x2b)) raise(c, Vec.TS, sel & 0xfffc);
  const newBase = ((newLo >>> 16) | ((newHi & 0xff) << 16) | (newHi & 0xff000000)) >>> 0;

  // Save the outgoing task's state into its TSS.
  const oldSel = c.segSel[Seg.TR];
  const oldBase = c.segBase[Seg.TR];
  const old32 = (c.segAttr[Seg.TR] & 8) !== 0;
  let flags = getFlags(c);
  if (source === TaskSource.IRET) flags &= ~Flag.NT;
  const r = c.regs;
  if (old32) {
    sys32(c, oldBase + 0x20, nextEip);
    sys32(c, oldBase + 0x24, flags);
    for (let i = 0; i < 8; i++) sys32(c, oldBase + 0x28 + i * 4, r[i]);
    for (let i = 0; i < 6; i++) sys16(c, oldBase + 0x48 + i * 4, c.segSel[SEG_ORDER_32[i]]);
  } else {
    sys16(c, oldBase + 0x0e, nextEip);
    sys16(c, oldBase + 0x10, flags);
    for (let i = 0; i < 8; i++) sys16(c, oldBase + 0x12 + i * 2, r[i]);
    for (let i = 0; i < 4; i++) sys16(c, oldBase + 0x22 + i * 2, c.segSel[SEG_ORDER_32[i]]);
  }
  // Busy bits: the old task stays busy only when nested (CALL/INT); the new one becomes busy.
  if (source === TaskSource.JMP || source === TaskSource.IRET) clearBusy(c, oldSel);
  if (source !== TaskSource.IRET) sysWrite8(c, (newAddr + 5) | 0, ((newHi >>> 8) & 0xff) | 2);

  // Read the incoming task's state.
  const b = newBase;
  let eip: number;
  let nflags: number;
  const sels = [0, 0, 0, 0, 0, 0];
  let ldt: number;
  let cr3 = -1;
  let tBit = false;
  if (new32) {
    tBit = newLimit >= 0x65 && (sysRead16(c, b + 0x64) & 1) !== 0; // debug trap flag (§7.2.1)
    cr3 = sysRead32(c, b + 0x1c);
    eip = sysRead32(c, b + 0x20);
    nflags = sysRead32(c, b + 0x24);
    for (let i = 0; i < 8; i++) r[i] = sysRead32(c, b + 0x28 + i * 4);
    for (let i = 0; i < 6; i++) sels[i] = sysRead16(c, b + 0x48 + i * 4);
    ldt = sysRead16(c, b + 0x60);
  } else {
    eip = sysRead16(c, b + 0x0e);
    nflags = sysRead16(c, b + 0x10) | (flags & 0xffff0000 & ~Flag.VM);
    for (let i = 0; i < 8; i++) r[i] = (r[i] & 0xffff0000) | sysRead16(c, b + 0x12 + i * 2);
    for (let i = 0; i < 4; i++) sels[i] = sysRead16(c, b + 0x22 + i * 2);
    ldt = sysRead16(c, b + 0x2a);
  }
  if (source === TaskSource.CALL || source === TaskSource.INT) {
    sys16(c, b, oldSel); // back-link
    nflags |= Flag.NT;
  }

  // Commit: TR, CR0.TS, CR3, EFLAGS, EIP, then the segment registers (faults now belong to the new task).
  c.descLo = newLo;
  c.descHi = newHi | (source !== TaskSource.IRET ? 0x200 : 0);
  loadCacheFromDescriptor(c, Seg.TR, sel);
  c.cr[0] |= Cr0.TS;
  if (cr3 >= 0 && c.paging) {
    c.cr[3] = cr3;
    c.tlb.flushNonGlobal();
  }
  c.eflags = ((nflags & 0x3f7fd5) | Flag.FIXED1) >>> 0;
  c.fLazy = 0;
  c.eip = eip;
  debugTaskSwitch(c, tBit);
  loadTaskSegments(c, sels, ldt, new32);
}

function clearBusy(c: Cpu, sel: number): void {
  if (!readDescriptor(c, sel)) return;
  sysWrite8(c, (c.descAddr + 5) | 0, ((c.descHi >>> 8) & 0xff) & ~2);
}

/** Loads LDTR and the segment registers of the new task; descriptor errors are #TS(selector). */
function loadTaskSegments(c: Cpu, sels: number[], ldt: number, new32: boolean): void {
  // LDTR first: the other selectors may refer to it.
  if ((ldt & 0xfffc) === 0) {
    c.segSel[Seg.LDTR] = ldt;
    c.segAttr[Seg.LDTR] = 0;
  } else {
    if ((ldt & 4) !== 0 || !readDescriptor(c, ldt) || ((c.descHi >>> 8) & 0x1f) !== SysType.LDT) raise(c, Vec.TS, ldt & 0xfffc);
    if ((c.descHi & 0x8000) === 0) raise(c, Vec.TS, ldt & 0xfffc);
    loadCacheFromDescriptor(c, Seg.LDTR, ldt);
  }
  if ((c.eflags & Flag.VM) !== 0) {
    c.cpl = 3;
    for (let i = 0; i < 6; i++) {
      const seg = SEG_ORDER_32[i];
      c.segSel[seg] = sels[i];
      c.segBase[seg] = sels[i] << 4;
      c.segLimit[seg] = 0xffff;
      c.segAttr[seg] = 0xf3 | (seg === Seg.CS ? 8 : 0);
      refreshSegAccess(c, seg);
    }
    c.updateSizes();
    c.flushFetch();
    return;
  }
  // CS decides the new CPL (its RPL); it must be a present code segment.
  const cs = sels[1];
  if ((cs & 0xfffc) === 0 || !readDescriptor(c, cs) || (c.descHi & 0x1800) !== 0x1800) raise(c, Vec.TS, cs & 0xfffc);
  if ((c.descHi & 0x8000) === 0) raise(c, Vec.NP, cs & 0xfffc);
  c.cpl = cs & 3;
  loadCacheFromDescriptor(c, Seg.CS, cs);
  c.updateSizes();
  c.flushFetch();
  for (const i of [2, 0, 3, 4, 5]) {
    if (!new32 && i > 3) continue;
    const seg = SEG_ORDER_32[i];
    try {
      loadSegmentProtected(c, seg, sels[i]);
    } catch (e) {
      // Segment errors while loading a task are #TS(selector), except not-present (#NP/#SS).
      if (e === c.fault && c.faultVector === Vec.GP) c.faultVector = Vec.TS;
      if (e === c.fault && c.faultVector === Vec.TS && c.faultCode === 0) c.faultCode = sels[i] & 0xfffc;
      throw e;
    }
  }
}
