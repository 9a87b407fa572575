// Model-specific registers a P6 kernel uses (RDMSR/WRMSR: TSC, SYSENTER_CS/ESP/EIP, PAT, MTRRs,
// microcode signature) and SYSENTER/SYSEXIT (SDM Vol. 2B RDMSR/WRMSR/SYSENTER/SYSEXIT, Vol. 4
// Table 2-2 for MSR numbers, Vol. 3A §11.11 MTRRs, §11.12 PAT). Unknown MSRs raise #GP(0).
import type { Cpu } from '../cpu.js';
import { Attr, Flag, Reg, Seg, Vec } from '../state.js';
import { raise } from '../interrupts.js';
import { refreshSegAccess } from '../segments.js';
import { EFER_NXE } from '../paging.js';
import { readTsc, writeTsc } from '../tsc.js';

export const enum Msr {
  TSC = 0x10,
  PLATFORM_ID = 0x17,
  EBL_CR_POWERON = 0x2a,
  BIOS_SIGN_ID = 0x8b,
  MTRRCAP = 0xfe,
  SYSENTER_CS = 0x174,
  SYSENTER_ESP = 0x175,
  SYSENTER_EIP = 0x176,
  PAT = 0x277,
  MTRR_DEF_TYPE = 0x2ff,
  EFER = 0xc0000080,
}

/** MTRRcap: 8 variable ranges, fixed ranges and write-combining supported (as QEMU's P6 models). */
const MTRRCAP_VALUE = 0x508;
const PAT_RESET_LO = 0x00070406;
const PAT_RESET_HI = 0x00070406;

/** Slot in Cpu.msrLo/msrHi for the stored MSRs, or -1. */
function slot(n: number): number {
  if (n >= 0x200 && n <= 0x20f) return n - 0x200; // variable-range PHYSBASE/PHYSMASK 0-7
  switch (n) {
    case 0x250: return 16; // fixed 64K_00000
    case 0x258: return 17; // fixed 16K_80000
    case 0x259: return 18; // fixed 16K_A0000
    case Msr.MTRR_DEF_TYPE: return 19;
    case Msr.PAT: return 20;
    case Msr.SYSENTER_CS: return 21;
    case Msr.SYSENTER_ESP: return 22;
    case Msr.SYSENTER_EIP: return 23;
  }
  if (n >= 0x268 && n <= 0x26f) return 24 + (n - 0x268); // fixed 4K ranges
  return -1;
}
export const MSR_SLOTS = 32;

/** Power-on MSR values (SDM Vol. 3A §9.1.1: PAT at its reset value, MTRRs disabled). */
export function resetMsrs(c: Cpu): void {
  c.msrLo.fill(0);
  c.msrHi.fill(0);
  c.msrLo[20] = PAT_RESET_LO;
  c.msrHi[20] = PAT_RESET_HI;
}

function checkPrivileged(c: Cpu): void {
  if (c.protectedMode && (c.cpl !== 0 || (c.eflags & Flag.VM) !== 0)) raise(c, Vec.GP, 0);
}

/** 0F 32 RDMSR: EDX:EAX = MSR[ECX]. */
export function rdmsr(c: Cpu): void {
  checkPrivileged(c);
  const n = c.regs[Reg.ECX];
  let lo = 0;
  let hi = 0;
  switch (n) {
    case Msr.TSC: {
      const t = readTsc(c);
      lo = t % 4294967296;
      hi = Math.floor(t / 4294967296);
      break;
    }
    case Msr.PLATFORM_ID:
    case Msr.EBL_CR_POWERON:
    case Msr.BIOS_SIGN_ID:
      break;
    case Msr.MTRRCAP:
      lo = MTRRCAP_VALUE;
      break;
    case Msr.EFER:
      lo = c.efer;
      break;
    default: {
      const s = slot(n);
      if (s < 0) raise(c, Vec.GP, 0);
      lo = c.msrLo[s];
      hi = c.msrHi[s];
    }
  }
  c.regs[Reg.EAX] = lo;
  c.regs[Reg.EDX] = hi;
}

/** A memory type valid in PAT/MTRRs: UC 0, WC 1, WT 4, WP 5, WB 6 (PAT also UC- 7). */
function validType(t: number, pat: boolean): boolean {
  return t === 0 || t === 1 || t === 4 || t === 5 || t === 6 || (pat && t === 7);
}

/** 0F 30 WRMSR: MSR[ECX] = EDX:EAX; reserved bits or invalid memory types are #GP(0). */
export function wrmsr(c: Cpu): void {
  checkPrivileged(c);
  const n = c.regs[Reg.ECX];
  const lo = c.regs[Reg.EAX];
  const hi = c.regs[Reg.EDX];
  switch (n) {
    case Msr.TSC:
      writeTsc(c, hi * 4294967296 + lo);
      return;
    case Msr.BIOS_SIGN_ID:
      return; // loading microcode: nothing to load
    case Msr.EFER:
      // Only NXE exists here (no long mode, no SYSCALL): other bits are reserved → #GP(0).
      if ((lo & ~EFER_NXE) !== 0 || hi !== 0) raise(c, Vec.GP, 0);
      c.efer = lo;
      c.tlb.flush();
      c.flushFetch();
      return;
    case Msr.PAT:
      for (let i = 0; i < 4; i++) {
        if (!validType((lo >>> (i * 8)) & 0xff, true) || !validType((hi >>> (i * 8)) & 0xff, true)) raise(c, Vec.GP, 0);
      }
      break;
    case Msr.MTRR_DEF_TYPE:
      if ((lo & ~0xcff) !== 0 || hi !== 0 || !validType(lo & 0xff, false)) raise(c, Vec.GP, 0);
      break;
    case Msr.SYSENTER_CS:
    case Msr.SYSENTER_ESP:
    case Msr.SYSENTER_EIP:
      break;
    default:
      if (slot(n) < 0) raise(c, Vec.GP, 0);
      // Physical addresses are 36 bits wide (P6): higher bits of base/mask are reserved.
      if (n >= 0x200 && n <= 0x20f && (hi & ~0xf) !== 0) raise(c, Vec.GP, 0);
  }
  const s = slot(n);
  c.msrLo[s] = lo;
  c.msrHi[s] = hi;
}

/** Loads a flat 4 GiB segment cache directly (SYSENTER/SYSEXIT do not read descriptors). */
function flat(c: Cpu, seg: number, sel: number, code: boolean, dpl: number): void {
  c.segSel[seg] = sel;
  c.segBase[seg] = 0;
  c.segLimit[seg] = 0xffffffff;
  c.segAttr[seg] = Attr.P | Attr.S | Attr.RW | Attr.ACCESSED | Attr.DB | Attr.G | (dpl << Attr.DPL_SHIFT) | (code ? Attr.CODE : 0);
  refreshSegAccess(c, seg);
}

/** 0F 34 SYSENTER: to CPL 0 at SYSENTER_CS:SYSENTER_EIP with SS = CS + 8 and ESP = SYSENTER_ESP. */
export function sysenter(c: Cpu): void {
  const cs = c.msrLo[21] & 0xffff;
  if (!c.protectedMode || (cs & 0xfffc) === 0) raise(c, Vec.GP, 0);
  c.eflags &= ~(Flag.VM | Flag.IF | Flag.RF);
  c.cpl = 0;
  flat(c, Seg.CS, cs & 0xfffc, true, 0);
  flat(c, Seg.SS, (cs & 0xfffc) + 8, false, 0);
  c.regs[Reg.ESP] = c.msrLo[22];
  c.eip = c.msrLo[23];
  c.updateSizes();
  c.flushFetch();
}

/** 0F 35 SYSEXIT: to CPL 3 at (SYSENTER_CS+16)|3 : EDX with SS = (SYSENTER_CS+24)|3, ESP = ECX. */
export function sysexit(c: Cpu): void {
  const cs = c.msrLo[21] & 0xffff;
  if (!c.protectedMode || (c.eflags & Flag.VM) !== 0 || c.cpl !== 0 || (cs & 0xfffc) === 0) raise(c, Vec.GP, 0);
  c.cpl = 3;
  flat(c, Seg.CS, ((cs + 16) & 0xfffc) | 3, true, 3);
  flat(c, Seg.SS, ((cs + 24) & 0xfffc) | 3, false, 3);
  c.regs[Reg.ESP] = c.regs[Reg.ECX];
  c.eip = c.regs[Reg.EDX];
  c.updateSizes();
  c.flushFetch();
}
