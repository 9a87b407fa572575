// Protected-mode descriptors: fetching from the GDT/LDT, loading data and stack segment
// registers with every check of SDM Vol. 2B "MOV" / "POP" (Protected Mode Exceptions) and
// Vol. 3A §5.5-5.7 (privilege checks for data access), the accessed bit (§3.4.5.1), and the
// descriptor-table instructions LLDT/LTR/SLDT/STR/VERR/VERW/LAR/LSL/ARPL.
import type { Cpu } from '../cpu.js';
import { Attr, Flag, Seg, Vec } from '../state.js';
import { sysRead32, sysWrite8 } from '../mmu.js';
import { raise } from '../interrupts.js';
import { refreshSegAccess } from '../segments.js';
import { flushFlags } from '../flags.js';

/** System descriptor types (S = 0), SDM Vol. 3A §3.5 Table 3-2. */
export const enum SysType {
  TSS16_AVAIL = 1,
  LDT = 2,
  TSS16_BUSY = 3,
  CALL_GATE16 = 4,
  TASK_GATE = 5,
  INT_GATE16 = 6,
  TRAP_GATE16 = 7,
  TSS32_AVAIL = 9,
  TSS32_BUSY = 11,
  CALL_GATE32 = 12,
  INT_GATE32 = 14,
  TRAP_GATE32 = 15,
}

/** Base address from a descriptor's two dwords. */
export function descBase(lo: number, hi: number): number {
  return ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
}

/** Limit in bytes (granularity applied). */
export function descLimit(lo: number, hi: number): number {
  const raw = (lo & 0xffff) | (hi & 0xf0000);
  return (hi & (1 << 23)) !== 0 ? ((raw << 12) | 0xfff) >>> 0 : raw;
}

/** Attribute word as kept in segAttr: access byte and the flags nibble (see Attr). */
export function descAttr(hi: number): number {
  return (hi >>> 8) & 0xf0ff;
}

/**
 * Reads the descriptor for `sel` into c.descLo/c.descHi (and its address into c.descAddr).
 * Returns false when the selector's index lies outside the GDT/LDT limit (or the LDT is
 * unusable); the caller raises the exception its instruction specifies.
 */
export function readDescriptor(c: Cpu, sel: number): boolean {
  const index = sel & 0xfff8;
  let base: number;
  let limit: number;
  if ((sel & 4) !== 0) {
    if ((c.segSel[Seg.LDTR] & 0xfffc) === 0 || (c.segAttr[Seg.LDTR] & Attr.P) === 0) return false;
    base = c.segBase[Seg.LDTR];
    limit = c.segLimit[Seg.LDTR];
  } else {
    base = c.gdtrBase;
    limit = c.gdtrLimit;
  }
  if (index + 7 > limit) return false;
  c.descAddr = (base + index) | 0;
  c.descLo = sysRead32(c, c.descAddr);
  c.descHi = sysRead32(c, (c.descAddr + 4) | 0);
  return true;
}

/** Like readDescriptor, raising `vector`(selector) when outside the table. */
export function fetchDescriptor(c: Cpu, sel: number, vector: number = Vec.GP, ext = 0): void {
  if (!readDescriptor(c, sel)) raise(c, vector, (sel & 0xfffc) | ext);
}

/** Sets the accessed bit in the descriptor just read, if clear (SDM Vol. 3A §3.4.5.1). */
export function setAccessed(c: Cpu): void {
  if ((c.descHi & 0x100) === 0) {
    c.descHi |= 0x100;
    sysWrite8(c, (c.descAddr + 5) | 0, (c.descHi >>> 8) & 0xff);
  }
}

/** Loads segment register `seg` from the descriptor in c.descLo/c.descHi. */
export function loadCacheFromDescriptor(c: Cpu, seg: number, sel: number): void {
  c.segSel[seg] = sel;
  c.segBase[seg] = descBase(c.descLo, c.descHi) | 0;
  c.segLimit[seg] = descLimit(c.descLo, c.descHi);
  c.segAttr[seg] = descAttr(c.descHi);
  refreshSegAccess(c, seg);
}

/** A null selector in DS/ES/FS/GS: loads, but every access through it faults (#GP(0)). */
function loadNull(c: Cpu, seg: number, sel: number): void {
  c.segSel[seg] = sel;
  c.segBase[seg] = 0;
  c.segLimit[seg] = 0;
  c.segAttr[seg] = 0;
  refreshSegAccess(c, seg);
}

const isCode = (hi: number) => (hi & 0x1800) === 0x1800; // S=1, type bit 3
const isData = (hi: number) => (hi & 0x1800) === 0x1000;
const dplOf = (hi: number) => (hi >>> 13) & 3;
const present = (hi: number) => (hi & 0x8000) !== 0;

/** MOV/POP/LDS... to DS, ES, FS, GS, SS in protected mode (SDM Vol. 2B MOV "Operation"). */
export function loadSegmentProtected(c: Cpu, seg: number, sel: number): void {
  const rpl = sel & 3;
  if (seg === Seg.SS) {
    if ((sel & 0xfffc) === 0) raise(c, Vec.GP, 0);
    fetchDescriptor(c, sel);
    const hi = c.descHi;
    // Writable data segment with RPL = DPL = CPL.
    if (rpl !== c.cpl || !isData(hi) || (hi & 0x200) === 0 || dplOf(hi) !== c.cpl) raise(c, Vec.GP, sel & 0xfffc);
    if (!present(hi)) raise(c, Vec.SS, sel & 0xfffc);
    setAccessed(c);
    loadCacheFromDescriptor(c, seg, sel);
    c.updateSizes();
    c.inhibit = true; // interrupt shadow after a load of SS (SDM Vol. 3A §6.8.3)
    return;
  }
  if (seg === Seg.CS) raise(c, Vec.UD); // CS changes only through far transfers (control.ts)
  if ((sel & 0xfffc) === 0) {
    loadNull(c, seg, sel);
    return;
  }
  fetchDescriptor(c, sel);
  const hi = c.descHi;
  // A data segment or readable code segment; unless conforming code, DPL >= max(CPL, RPL).
  const readableCode = isCode(hi) && (hi & 0x200) !== 0;
  if (!isData(hi) && !readableCode) raise(c, Vec.GP, sel & 0xfffc);
  const conforming = isCode(hi) && (hi & 0x400) !== 0;
  if (!conforming && (rpl > dplOf(hi) || c.cpl > dplOf(hi))) raise(c, Vec.GP, sel & 0xfffc);
  if (!present(hi)) raise(c, Vec.NP, sel & 0xfffc);
  setAccessed(c);
  loadCacheFromDescriptor(c, seg, sel);
}

/**
 * After a privilege level change to an outer ring: DS, ES, FS, GS that hold data or
 * non-conforming code segments more privileged than the new CPL become null
 * (SDM Vol. 2B RET/IRET "RETURN-TO-OUTER-PRIVILEGE-LEVEL").
 */
export function nullifyInaccessibleSegments(c: Cpu): void {
  for (const seg of [Seg.ES, Seg.DS, Seg.FS, Seg.GS]) {
    const attr = c.segAttr[seg];
    const dpl = (attr >> Attr.DPL_SHIFT) & 3;
    const conformingCode = (attr & (Attr.CODE | Attr.DC)) === (Attr.CODE | Attr.DC);
    if ((c.segSel[seg] & 0xfffc) !== 0 && !conformingCode && dpl < c.cpl) loadNull(c, seg, 0);
  }
}

/** Sets ZF as given (VERR, VERW, LAR, LSL, ARPL report through ZF only). */
function setZF(c: Cpu, on: boolean): void {
  flushFlags(c);
  c.eflags = on ? c.eflags | Flag.ZF : c.eflags & ~Flag.ZF;
}

/** Protected mode, not V86: the descriptor-table instructions are available. */
function requireProtected(c: Cpu): void {
  if (!c.protectedMode || (c.eflags & Flag.VM) !== 0) raise(c, Vec.UD);
}

/** 0F 00 /0 SLDT, /1 STR, /2 LLDT, /3 LTR, /4 VERR, /5 VERW (SDM Vol. 2B). */
export function group6Protected(c: Cpu, getRM16: (c: Cpu) => number, setRM16: (c: Cpu, v: number) => void): void {
  requireProtected(c);
  switch (c.reg) {
    case 0:
    case 1: {
      const v = c.segSel[c.reg === 0 ? Seg.LDTR : Seg.TR];
      if (c.isReg && c.o32) c.regs[c.rm] = v;
      else setRM16(c, v);
      return;
    }
    case 2: {
      if (c.cpl !== 0) raise(c, Vec.GP, 0);
      const sel = getRM16(c);
      if ((sel & 0xfffc) === 0) {
        c.segSel[Seg.LDTR] = sel;
        c.segAttr[Seg.LDTR] = 0;
        c.segBase[Seg.LDTR] = 0;
        c.segLimit[Seg.LDTR] = 0;
        return;
      }
      if ((sel & 4) !== 0) raise(c, Vec.GP, sel & 0xfffc);
      fetchDescriptor(c, sel);
      if (((c.descHi >>> 8) & 0x1f) !== SysType.LDT) raise(c, Vec.GP, sel & 0xfffc);
      if (!present(c.descHi)) raise(c, Vec.NP, sel & 0xfffc);
      loadCacheFromDescriptor(c, Seg.LDTR, sel);
      return;
    }
    case 3: {
      if (c.cpl !== 0) raise(c, Vec.GP, 0);
      const sel = getRM16(c);
      if ((sel & 0xfffc) === 0) raise(c, Vec.GP, 0);
      if ((sel & 4) !== 0) raise(c, Vec.GP, sel & 0xfffc);
      fetchDescriptor(c, sel);
      const type = (c.descHi >>> 8) & 0x1f;
      if (type !== SysType.TSS16_AVAIL && type !== SysType.TSS32_AVAIL) raise(c, Vec.GP, sel & 0xfffc);
      if (!present(c.descHi)) raise(c, Vec.NP, sel & 0xfffc);
      // Mark the TSS busy (type 1→3, 9→11).
      c.descHi |= 0x200;
      sysWrite8(c, (c.descAddr + 5) | 0, (c.descHi >>> 8) & 0xff);
      loadCacheFromDescriptor(c, Seg.TR, sel);
      return;
    }
    case 4:
    case 5: {
      const sel = getRM16(c);
      let ok = (sel & 0xfffc) !== 0 && readDescriptor(c, sel);
      if (ok) {
        const hi = c.descHi;
        const conforming = isCode(hi) && (hi & 0x400) !== 0;
        if (c.reg === 4) ok = isData(hi) || (isCode(hi) && (hi & 0x200) !== 0);
        else ok = isData(hi) && (hi & 0x200) !== 0;
        if (ok && !conforming && (dplOf(hi) < c.cpl || dplOf(hi) < (sel & 3))) ok = false;
      }
      setZF(c, ok);
      return;
    }
    default:
      raise(c, Vec.UD);
  }
}

/** LAR accepts these system types, LSL those with a limit (SDM Vol. 2A LAR/LSL). */
const LAR_SYSTEM = [1, 2, 3, 4, 5, 9, 11, 12];
const LSL_SYSTEM = [1, 2, 3, 9, 11];

/** 0F 02 LAR, 0F 03 LSL: ZF=1 and the access rights/limit when the descriptor is visible. */
export function larLslProtected(c: Cpu, src: number): void {
  requireProtected(c);
  const sel = src & 0xffff;
  let ok = (sel & 0xfffc) !== 0 && readDescriptor(c, sel);
  const lsl = c.op === 0x103;
  if (ok) {
    const hi = c.descHi;
    if ((hi & 0x1000) === 0) ok = (lsl ? LSL_SYSTEM : LAR_SYSTEM).includes((hi >>> 8) & 0xf);
    const conformingCode = isCode(hi) && (hi & 0x400) !== 0;
    if (ok && !conformingCode && (dplOf(hi) < c.cpl || dplOf(hi) < (sel & 3))) ok = false;
  }
  if (ok) {
    // LAR: the second dword masked by 00FxFF00h, x (limit 19:16) undefined; read as 0 like QEMU/Bochs.
    const v = lsl ? descLimit(c.descLo, c.descHi) : c.descHi & 0x00f0ff00;
    if (c.o32) c.regs[c.reg] = v;
    else c.r16[c.reg << 1] = v;
  }
  setZF(c, ok);
}

/** 63 ARPL r/m16, r16: raises the RPL of the destination to the source's (#UD outside protected mode). */
export function arpl(c: Cpu, getRM16: (c: Cpu) => number, setRM16: (c: Cpu, v: number) => void): void {
  requireProtected(c);
  const d = getRM16(c);
  const s = c.r16[c.reg << 1];
  if ((d & 3) < (s & 3)) {
    setRM16(c, (d & ~3) | (s & 3));
    setZF(c, true);
  } else setZF(c, false);
}
