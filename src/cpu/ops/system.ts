// Flag instructions, HLT, IN/OUT, CPUID, RDTSC, control/debug register moves, descriptor-table
// register loads/stores (0F 01), CLTS, cache control, WAIT and the x87 escape hook
// (SDM Vol. 2 per instruction).
import type { Cpu } from '../cpu.js';
import { CpuExit, CPU_SIGNATURE } from '../cpu.js';
import { Cr0, Flag, Reg, Seg, Vec } from '../state.js';
import { flushFlags } from '../flags.js';
import { getRM16, setRM16, eaPlus } from '../operands.js';
import { fetch8 } from '../fetch.js';
import { rd16, rd32, wr16, wr32, checkRead, sysRead16 } from '../mmu.js';
import { readTsc } from '../tsc.js';
import { raise } from '../interrupts.js';
import { CR4_PAE, CR4_PGE, loadPdptes } from '../paging.js';
import { group6Protected, larLslProtected, arpl } from '../protected/descriptors.js';
import { alignOperand, generalDetect, ioBreakpoints, updateSlowChecks, writeDr } from '../debug.js';

/** Undefined opcode (SDM Vol. 3A §6.15 "Interrupt 6"). */
export function undefinedOp(c: Cpu): void {
  raise(c, Vec.UD);
}

export function nop(_c: Cpu): void {}

/** F8 CLC, F9 STC, F5 CMC, FC CLD, FD STD, FA CLI, FB STI. */
export function flagOp(c: Cpu): void {
  switch (c.op) {
    case 0xf5: flushFlags(c); c.eflags ^= Flag.CF; return;
    case 0xf8: flushFlags(c); c.eflags &= ~Flag.CF; return;
    case 0xf9: flushFlags(c); c.eflags |= Flag.CF; return;
    case 0xfc: c.eflags &= ~Flag.DF; return;
    case 0xfd: c.eflags |= Flag.DF; return;
    case 0xfa:
      checkIopl(c);
      c.eflags &= ~Flag.IF;
      return;
    default:
      checkIopl(c);
      // STI: interrupts stay off until after the next instruction (SDM Vol. 2B STI).
      if ((c.eflags & Flag.IF) === 0) c.inhibit = true;
      c.eflags |= Flag.IF;
  }
}

/** CLI/STI need CPL <= IOPL in protected mode and IOPL = 3 in V86 (TODO(issue 8): VME/PVI). */
function checkIopl(c: Cpu): void {
  if (c.protectedMode && c.cpl > (c.eflags & Flag.IOPL) >> 12) raise(c, Vec.GP, 0);
}

/** Privileged instructions need CPL 0 (and are #GP(0) in V86 mode). */
export function checkCpl0(c: Cpu): void {
  if (c.protectedMode && (c.cpl !== 0 || (c.eflags & Flag.VM) !== 0)) raise(c, Vec.GP, 0);
}

/** F4 HLT: the CPU stops until an interrupt (returns Halted to the board). */
export function hlt(c: Cpu): void {
  checkCpl0(c);
  c.halted = true;
  c.stop(CpuExit.Halted);
}

/**
 * I/O permission: in protected mode with CPL > IOPL, or in V86 mode, every bit of the access in
 * the 32-bit TSS's I/O permission bitmap must be 0 (SDM Vol. 1 §19.5.2); otherwise #GP(0).
 */
export function checkIoPermission(c: Cpu, port: number, size: number): void {
  if (!c.protectedMode || (c.cpl <= (c.eflags & Flag.IOPL) >> 12 && (c.eflags & Flag.VM) === 0)) return;
  const type = c.segAttr[Seg.TR] & 0x1f;
  const limit = c.segLimit[Seg.TR];
  if ((type !== 9 && type !== 11) || limit < 0x67) raise(c, Vec.GP, 0);
  const base = c.segBase[Seg.TR];
  const at = sysRead16(c, (base + 0x66) | 0) + (port >>> 3);
  if (at + 1 > limit) raise(c, Vec.GP, 0);
  const bits = sysRead16(c, (base + at) | 0);
  if ((bits & (((1 << size) - 1) << (port & 7))) !== 0) raise(c, Vec.GP, 0);
}

/** E4-E7 (port ib), EC-EF (port DX): IN/OUT. */
export function inOut(c: Cpu): void {
  const op = c.op;
  const port = op < 0xe8 ? fetch8(c) : c.r16[Reg.EDX << 1];
  const size = (op & 1) === 0 ? 1 : c.o32 ? 4 : 2;
  checkIoPermission(c, port, size);
  if (c.slowChecks) ioBreakpoints(c, port, size);
  const p = c.host.ports;
  if ((op & 2) === 0) {
    if (size === 1) c.r8[0] = p.in8(port);
    else if (size === 2) c.r16[0] = p.in16(port);
    else c.regs[0] = p.in32(port);
  } else {
    if (size === 1) p.out8(port, c.r8[0]);
    else if (size === 2) p.out16(port, c.r16[0]);
    else p.out32(port, c.regs[0]);
    // The write may have toggled A20 or remapped memory: drop the fetch cache.
    c.flushFetch();
  }
}

/** CPUID feature bits we implement (SDM Vol. 2A CPUID, Table 3-11). */
export const CPUID_EDX_TSC = 1 << 4;
export const CPUID_EDX_CX8 = 1 << 8;
export const CPUID_EDX_CMOV = 1 << 15;
/** 4 MiB pages (CR4.PSE) and global pages (CR4.PGE: their translations survive CR3 loads). */
export const CPUID_EDX_PSE = 1 << 3;
export const CPUID_EDX_PGE = 1 << 13;
/** Set only while an x87 unit is installed (c.fpu); the FPU is issue 8. */
export const CPUID_EDX_FPU = 1 << 0;
/** FXSAVE/FXRSTOR and CR4.OSFXSR (ops/x87-bridge.ts), with the x87 unit. No SSE. */
export const CPUID_EDX_FXSR = 1 << 24;
/** RDMSR/WRMSR, SYSENTER/SYSEXIT, MTRRs and PAT (ops/msr.ts). */
export const CPUID_EDX_MSR = 1 << 5;
export const CPUID_EDX_SEP = 1 << 11;
export const CPUID_EDX_MTRR = 1 << 12;
export const CPUID_EDX_PAT = 1 << 16;
/** Debugging extensions: CR4.DE, I/O breakpoints and DR4/DR5 #UD (debug.ts). */
export const CPUID_EDX_DE = 1 << 2;
/** PAE paging (CR4.PAE) and, in leaf 80000001h, execute-disable (EFER.NXE). */
export const CPUID_EDX_PAE = 1 << 6;
export const CPUID_EXT_EDX_NX = 1 << 20;
/** Not advertised until issue 8 implements them: VME, MCE, APIC, MCA, MMX... */
export const CPUID_EDX_BASE =
  CPUID_EDX_DE | CPUID_EDX_PSE | CPUID_EDX_TSC | CPUID_EDX_MSR | CPUID_EDX_PAE | CPUID_EDX_CX8 | CPUID_EDX_SEP | CPUID_EDX_MTRR | CPUID_EDX_PGE |
  CPUID_EDX_CMOV | CPUID_EDX_PAT;

/** 0F A2 CPUID: vendor GenuineIntel, family 6 (P6); only implemented features. */
export function cpuid(c: Cpu): void {
  const leaf = c.regs[Reg.EAX];
  const r = c.regs;
  if (leaf === 0) {
    r[Reg.EAX] = 1;
    r[Reg.EBX] = 0x756e6547; // "Genu"
    r[Reg.EDX] = 0x49656e69; // "ineI"
    r[Reg.ECX] = 0x6c65746e; // "ntel"
    return;
  }
  if (leaf === 0x80000000) {
    r[Reg.EAX] = 0x80000001;
    r[Reg.EBX] = 0;
    r[Reg.ECX] = 0;
    r[Reg.EDX] = 0;
    return;
  }
  if (leaf === 0x80000001) {
    r[Reg.EAX] = 0;
    r[Reg.EBX] = 0;
    r[Reg.ECX] = 0;
    r[Reg.EDX] = CPUID_EXT_EDX_NX;
    return;
  }
  // Leaves above the maximum return the highest basic leaf (SDM Vol. 2A CPUID).
  r[Reg.EAX] = CPU_SIGNATURE;
  r[Reg.EBX] = 0;
  r[Reg.ECX] = 0;
  r[Reg.EDX] = CPUID_EDX_BASE | (c.fpu !== null ? CPUID_EDX_FPU | CPUID_EDX_FXSR : 0);
}

/** 0F 31 RDTSC (tsc.ts). */
export function rdtsc(c: Cpu): void {
  if ((c.cr[4] & 4) !== 0 && c.protectedMode && c.cpl !== 0) raise(c, Vec.GP, 0); // CR4.TSD
  const t = readTsc(c);
  c.regs[Reg.EAX] = t % 4294967296;
  c.regs[Reg.EDX] = Math.floor(t / 4294967296);
}

/** 0F 20/22: MOV r32, CRn / MOV CRn, r32 (the ModRM mod field is ignored: always a register). */
export function movCr(c: Cpu): void {
  checkCpl0(c);
  const n = c.reg;
  if (n === 1 || n > 4) raise(c, Vec.UD);
  if (c.op === 0x120) {
    c.regs[c.rm] = c.cr[n];
    return;
  }
  const v = c.regs[c.rm];
  if (n === 0) {
    // PG without PE, or NW without CD, is #GP(0) (SDM Vol. 3A §2.5).
    if ((v & Cr0.PG) !== 0 && (v & Cr0.PE) === 0) raise(c, Vec.GP, 0);
    if ((v & Cr0.NW) !== 0 && (v & Cr0.CD) === 0) raise(c, Vec.GP, 0);
    const old = c.cr[0];
    // Turning on PAE paging loads the PDPTEs (a bad one is #GP(0) with CR0 unchanged).
    if ((v & Cr0.PG) !== 0 && (old & Cr0.PG) === 0 && (c.cr[4] & CR4_PAE) !== 0) loadPdptes(c);
    c.cr[0] = (v | Cr0.ET) >>> 0;
    if (((old ^ v) & (Cr0.PG | Cr0.WP | Cr0.PE)) !== 0) c.tlb.flush();
    c.modeChanged();
  } else if (n === 4) {
    // Only the CR4 features implemented may be set (SDM Vol. 3A §2.5: reserved bits → #GP(0)).
    if ((v & ~CR4_SUPPORTED) !== 0) raise(c, Vec.GP, 0);
    const old = c.cr[4];
    c.cr[4] = v;
    if (c.paging && (v & CR4_PAE) !== 0 && (old & CR4_PAE) === 0) {
      try {
        loadPdptes(c);
      } catch (e) {
        c.cr[4] = old;
        throw e;
      }
    }
    c.tlb.flush();
    c.flushFetch();
    updateSlowChecks(c); // DE decides whether R/W = 10 is an I/O breakpoint
  } else {
    const old = c.cr[n];
    c.cr[n] = v;
    if (n === 3) {
      if (c.paging && (c.cr[4] & CR4_PAE) !== 0) {
        try {
          loadPdptes(c);
        } catch (e) {
          c.cr[3] = old;
          throw e;
        }
      }
      c.tlb.flushNonGlobal();
    }
    c.flushFetch();
  }
}

/** CR4 bits accepted: TSD, DE, PSE, PAE, PGE, PCE, OSFXSR (no VME/PVI/MCE yet). */
export const CR4_SUPPORTED = (1 << 2) | (1 << 3) | (1 << 4) | CR4_PAE | CR4_PGE | (1 << 8) | (1 << 9);

/**
 * 0F 21/23: MOV r32, DRn / MOV DRn, r32. DR4/DR5 alias DR6/DR7 while CR4.DE is clear (#UD with
 * it); DR7.GD turns any access into a #DB fault (SDM Vol. 2B MOV DR, Vol. 3A §17.2.2, §17.2.4).
 */
export function movDr(c: Cpu): void {
  checkCpl0(c);
  let n = c.reg;
  if (n === 4 || n === 5) {
    if ((c.cr[4] & 8) !== 0) raise(c, Vec.UD);
    n += 2;
  }
  generalDetect(c);
  if (c.op === 0x121) c.regs[c.rm] = c.dr[n];
  else writeDr(c, n, c.regs[c.rm]);
}

/** 0F 06 CLTS. */
export function clts(c: Cpu): void {
  checkCpl0(c);
  c.cr[0] &= ~Cr0.TS;
}

/** 0F 08 INVD, 0F 09 WBINVD: no caches to manage. */
export function cacheOp(c: Cpu): void {
  checkCpl0(c);
}

/** 0F 00: SLDT/STR/LLDT/LTR/VERR/VERW (#UD in real and V86 mode). */
export function group6(c: Cpu): void {
  group6Protected(c, getRM16, setRM16);
}

/** 0F 02 LAR, 0F 03 LSL (#UD in real and V86 mode). */
export function larLsl(c: Cpu): void {
  if (!c.protectedMode || (c.eflags & Flag.VM) !== 0) raise(c, Vec.UD);
  larLslProtected(c, getRM16(c));
}

/** 63 ARPL (#UD in real and V86 mode). */
export function arplOp(c: Cpu): void {
  arpl(c, getRM16, setRM16);
}

/** 0F 01: SGDT, SIDT, LGDT, LIDT, SMSW, LMSW, INVLPG (SDM Vol. 2B). */
export function group7(c: Cpu): void {
  const r = c.reg;
  if (r === 5) raise(c, Vec.UD);
  if (r === 4) { // SMSW: a register gets all of CR0 on P6, memory gets 16 bits
    if (c.isReg && c.o32) c.regs[c.rm] = c.cr[0];
    else setRM16(c, c.cr[0] & 0xffff);
    return;
  }
  if (r === 6) { // LMSW: PE can be set but not cleared; MP, EM, TS
    checkCpl0(c);
    const v = getRM16(c);
    const cr0 = c.cr[0];
    c.cr[0] = ((cr0 & ~0xe) | (v & 0xf) | (cr0 & Cr0.PE)) >>> 0;
    c.modeChanged();
    return;
  }
  if (c.isReg) raise(c, Vec.UD);
  if (r === 7) { // INVLPG: drop the translation of the operand's linear address
    checkCpl0(c);
    c.tlb.invalidate(((c.segBase[c.eaSeg] + c.eaOff) >>> 12) & 0xfffff);
    c.flushFetch();
    return;
  }
  const seg = c.eaSeg;
  if (r < 2) { // SGDT/SIDT: 16-bit operand size stores a 24-bit base with the top byte 0
    const limit = r === 0 ? c.gdtrLimit : c.idtrLimit;
    const base = r === 0 ? c.gdtrBase : c.idtrBase;
    checkRead(c, seg, c.eaOff, 6);
    if (c.slowChecks) alignOperand(c, seg, c.eaOff, 4); // GDTR/IDTR image: 4 (SDM Vol. 3A Table 6-7)
    wr16(c, seg, c.eaOff, limit);
    wr32(c, seg, eaPlus(c, 2), c.o32 ? base : base & 0xffffff);
    return;
  }
  checkCpl0(c);
  const limit = rd16(c, seg, c.eaOff);
  let base = rd32(c, seg, eaPlus(c, 2));
  if (!c.o32) base &= 0xffffff;
  if (r === 2) {
    c.gdtrLimit = limit;
    c.gdtrBase = base >>> 0;
  } else {
    c.idtrLimit = limit;
    c.idtrBase = base >>> 0;
  }
}

/** 9B WAIT/FWAIT: #NM when CR0.MP and CR0.TS are both set (SDM Vol. 3A §2.5). */
export function wait(c: Cpu): void {
  if ((c.cr[0] & (Cr0.MP | Cr0.TS)) === (Cr0.MP | Cr0.TS)) raise(c, Vec.NM);
  if (c.fpu !== null) c.fpu.wait(c); // pending unmasked x87 exception: #MF or FERR#
}

/**
 * Memory operand size of each x87 ESC form with a memory operand, by opcode D8-DF and ModRM reg
 * (SDM Vol. 2, x87 instruction pages), so an FPU-less CPU still checks the operand's segment limit.
 * 0 = no memory access (reserved forms); environment/state sizes are the 16-bit-operand ones.
 */
const ESC_MEM_SIZE: readonly number[][] = [
  [4, 4, 4, 4, 4, 4, 4, 4], // D8: m32fp
  [4, 0, 4, 4, 14, 2, 14, 2], // D9: FLD/FST/FSTP m32, FLDENV, FLDCW, FSTENV, FSTCW
  [4, 4, 4, 4, 4, 4, 4, 4], // DA: m32int
  [4, 4, 4, 4, 0, 10, 0, 10], // DB: m32int, FLD/FSTP m80
  [8, 8, 8, 8, 8, 8, 8, 8], // DC: m64fp
  [8, 8, 8, 8, 94, 0, 94, 2], // DD: m64, FRSTOR, FSAVE, FSTSW
  [2, 2, 2, 2, 2, 2, 2, 2], // DE: m16int
  [2, 2, 2, 2, 10, 8, 10, 8], // DF: m16int, FBLD, FILD m64, FBSTP, FISTP m64
];

/**
 * D8-DF: x87 escape. CR0.EM or CR0.TS → #NM (SDM Vol. 3A §2.5, Table 2-2). With an FPU installed
 * the instruction goes to it; without one (TODO(issue 8): the x87 unit), the CPU behaves as one
 * whose coprocessor does not answer: the memory operand is checked, nothing else happens.
 */
export function esc(c: Cpu): void {
  if ((c.cr[0] & (Cr0.EM | Cr0.TS)) !== 0) raise(c, Vec.NM);
  if (c.fpu !== null) {
    c.fpu.execute(c, c.op);
    return;
  }
  if (!c.isReg) {
    const size = ESC_MEM_SIZE[c.op - 0xd8][c.reg];
    if (size !== 0) checkRead(c, c.eaSeg, c.eaOff, size);
  }
}
