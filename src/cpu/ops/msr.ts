// Model-specific registers a P6 kernel uses (RDMSR/WRMSR: TSC, SYSENTER_CS/ESP/EIP, PAT, MTRRs,
// microcode signature, the two performance-monitoring counters) and SYSENTER/SYSEXIT (SDM Vol. 2B
// RDMSR/WRMSR/SYSENTER/SYSEXIT, Vol. 4 Table 2-2 and the P6-family MSR table for MSR numbers,
// Vol. 3A §11.11 MTRRs, §11.12 PAT, Vol. 3B "Performance Monitoring (P6 Family Processor)").
// Unknown MSRs raise #GP(0).
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
  PERFCTR0 = 0xc1,
  PERFCTR1 = 0xc2,
  MTRRCAP = 0xfe,
  SYSENTER_CS = 0x174,
  SYSENTER_ESP = 0x175,
  SYSENTER_EIP = 0x176,
  PERFEVTSEL0 = 0x186,
  PERFEVTSEL1 = 0x187,
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
/**
 * Performance-monitoring state, also in msrLo/msrHi so that save/restore carries it: PerfEvtSel0/1
 * (32 bits), each counter's 40-bit value at its last sync point, and the instruction count at
 * that point (see readPmc).
 */
const PMC_SEL = 32;
const PMC_VALUE = 34;
const PMC_MARK = 36;
export const MSR_SLOTS = 38;

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
    case Msr.PERFCTR0:
    case Msr.PERFCTR1: {
      const v = readPmc(c, n - Msr.PERFCTR0);
      lo = v % TWO32;
      hi = Math.floor(v / TWO32);
      break;
    }
    case Msr.PERFEVTSEL0:
    case Msr.PERFEVTSEL1:
      lo = c.msrLo[PMC_SEL + n - Msr.PERFEVTSEL0];
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
    case Msr.PERFCTR0:
    case Msr.PERFCTR1:
      // Only the low 32 bits can be written; bits 39:32 become copies of bit 31 (EDX is ignored).
      setPmc(c, n - Msr.PERFCTR0, lo >= 0x80000000 ? lo + SIGN_EXTENSION : lo);
      return;
    case Msr.PERFEVTSEL0:
    case Msr.PERFEVTSEL1:
      writeEvtSel(c, n - Msr.PERFEVTSEL0, lo, hi);
      return;
    default:
      if (slot(n) < 0) raise(c, Vec.GP, 0);
      // Physical addresses are 36 bits wide (P6): higher bits of base/mask are reserved.
      if (n >= 0x200 && n <= 0x20f && (hi & ~0xf) !== 0) raise(c, Vec.GP, 0);
  }
  const s = slot(n);
  c.msrLo[s] = lo;
  c.msrHi[s] = hi;
}

// ---- Performance-monitoring counters (SDM Vol. 3B "Performance Monitoring (P6 Family Processor)":
// "PerfEvtSel0 and PerfEvtSel1 MSRs", "PerfCtr0 and PerfCtr1 MSRs", "Starting and Stopping the
// Performance-Monitoring Counters"; Vol. 4, MSRs in the P6 family: C1H/C2H, 186H/187H) ----
//
// Two 40-bit counters, each with an event select register. EN (bit 22) exists only in
// PerfEvtSel0 and starts or stops both counters; USR (bit 16) counts at CPL 1-3, OS (bit 17) at
// CPL 0. WRMSR writes a counter's low 32 bits and sign-extends bit 31 into bits 39:32, so a
// kernel can load -period and take the overflow; reads return all 40 bits.
//
// Counting is real for INST_RETIRED (C0H) and CPU_CLK_UNHALTED (79H), both derived lazily from
// Cpu.instructions so the run loop does nothing per instruction: a sync point (WRMSR to a
// counter or an event select) stores the counter's value and the instruction count, and a read
// adds the instructions retired since. The clock of CPU_CLK_UNHALTED is the instruction count
// (one cycle per instruction, nothing while halted: HLT stops the instruction count as it
// stops the unhalted clock), not the TSC, which keeps running across HLT.
// Approximations, chosen because they cost nothing on the hot path:
// - USR and OS: a counter with neither set counts nothing; with either or both set it counts at
//   every CPL, since the CPU keeps no per-ring instruction count (USR-only or OS-only overcount).
// - UMASK, E, INV and CMASK are stored but do not change what the two events count.
// - Instructions that fault count as retired, and a REP string instruction counts once per
//   restart (every 1024 iterations), as Cpu.instructions does.
// - Overflow raises no interrupt (INT, bit 20): there is no local APIC. PC (bit 19) drives no pin.
// Every other event code: the counter keeps the value last written (its event never occurs here).

const TWO32 = 4294967296;
const COUNTER_RANGE = 2 ** 40;
/** Added to a written value with bit 31 set: bits 39:32 all ones. */
const SIGN_EXTENSION = 0xff * TWO32;
const EVTSEL_USR = 1 << 16;
const EVTSEL_OS = 1 << 17;
const EVTSEL_EN = 1 << 22;
const EVENT_INST_RETIRED = 0xc0;
const EVENT_CPU_CLK_UNHALTED = 0x79;

/** Whether counter `i` advances with retired instructions under the current event selects. */
function pmcCounts(c: Cpu, i: number): boolean {
  if ((c.msrLo[PMC_SEL] & EVTSEL_EN) === 0) return false;
  const sel = c.msrLo[PMC_SEL + i];
  const event = sel & 0xff;
  return (event === EVENT_INST_RETIRED || event === EVENT_CPU_CLK_UNHALTED) && (sel & (EVTSEL_USR | EVTSEL_OS)) !== 0;
}

/** Counter `i` (0 or 1) now: its value at the last sync plus what it counted since, modulo 2^40. */
export function readPmc(c: Cpu, i: number): number {
  const value = c.msrHi[PMC_VALUE + i] * TWO32 + c.msrLo[PMC_VALUE + i];
  if (!pmcCounts(c, i)) return value;
  const since = c.instructions - (c.msrHi[PMC_MARK + i] * TWO32 + c.msrLo[PMC_MARK + i]);
  return since > 0 ? (value + since) % COUNTER_RANGE : value;
}

/**
 * Sync point: counter `i` holds `value` (0 <= value < 2^40) and counts from the next instruction
 * on ("the counters begin counting following the execution of a WRMSR instruction that sets the
 * enable counter flag"). Runs inside WRMSR, before Cpu.instructions counts the WRMSR itself.
 */
function setPmc(c: Cpu, i: number, value: number): void {
  c.msrLo[PMC_VALUE + i] = value % TWO32;
  c.msrHi[PMC_VALUE + i] = Math.floor(value / TWO32);
  const mark = c.instructions + 1;
  c.msrLo[PMC_MARK + i] = mark % TWO32;
  c.msrHi[PMC_MARK + i] = Math.floor(mark / TWO32);
}

/** WRMSR 186H/187H: bits 63:32 are reserved (#GP(0)); both counters are synced first, since EN in PerfEvtSel0 gates both. */
function writeEvtSel(c: Cpu, i: number, lo: number, hi: number): void {
  if (hi !== 0) raise(c, Vec.GP, 0);
  const v0 = readPmc(c, 0);
  const v1 = readPmc(c, 1);
  c.msrLo[PMC_SEL + i] = lo;
  setPmc(c, 0, v0);
  setPmc(c, 1, v1);
}

/**
 * 0F 33 RDPMC: EDX:EAX = PerfCtr[ECX] (40 bits, EDX[31:8] zero). At CPL > 0 (including
 * virtual-8086 mode) only with CR4.PCE set; ECX other than 0 or 1 is #GP(0) (SDM Vol. 2B RDPMC).
 */
export function rdpmc(c: Cpu): void {
  const i = c.regs[Reg.ECX];
  const pce = (c.cr[4] & (1 << 8)) !== 0;
  if (i > 1 || (!pce && c.protectedMode && (c.cpl !== 0 || (c.eflags & Flag.VM) !== 0))) raise(c, Vec.GP, 0);
  const v = readPmc(c, i);
  c.regs[Reg.EAX] = v % TWO32;
  c.regs[Reg.EDX] = Math.floor(v / TWO32);
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
