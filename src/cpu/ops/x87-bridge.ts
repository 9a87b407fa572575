// The CPU side of the x87 unit (fpu/x87.ts): operand addressing through the segment checks and
// paging, the FPU instruction/data pointers, #UD for undefined escapes, deferred error
// reporting (#MF with CR0.NE=1, FERR#/IGNNE# with CR0.NE=0), FCOMI/FCMOVcc EFLAGS, FNSTSW AX,
// FXSAVE/FXRSTOR and save/restore. CR0.EM/TS (#NM) are checked by the callers (ops/system.ts).
import type { Cpu, FpuHook } from '../cpu.js';
import { CpuExit } from '../cpu.js';
import { ARITH_FLAGS, Cr0, Flag, Seg, Vec } from '../state.js';
import { flushFlags, getFlags } from '../flags.js';
import { checkRead, probeWrite, rd8, rd16, rd32, wr8, wr16, wr32 } from '../mmu.js';
import { raise } from '../interrupts.js';
import { X87, X87State, X87Memory, X87_AX, X87_EFLAGS, X87_UD, EF_CF, EF_PF, EF_ZF } from '../fpu/x87.js';
import { fxrstorX87, fxsaveX87 } from '../fpu/x87-env.js';
import { alignX87 } from '../debug.js';

/**
 * The x87 unit reads and writes through this adapter. Addresses it is given are offsets in
 * `seg` (the unit only adds small displacements to them), so every access goes through the
 * CPU's limit/type checks and then paging, and a fault unwinds the instruction.
 */
class SegmentMemory implements X87Memory {
  c: Cpu;
  seg = 0;
  constructor(c: Cpu) {
    this.c = c;
  }
  read8(a: number): number {
    return rd8(this.c, this.seg, a);
  }
  read16(a: number): number {
    return rd16(this.c, this.seg, a);
  }
  read32(a: number): number {
    return rd32(this.c, this.seg, a);
  }
  write8(a: number, v: number): void {
    wr8(this.c, this.seg, a, v);
  }
  write16(a: number, v: number): void {
    wr16(this.c, this.seg, a, v);
  }
  write32(a: number, v: number): void {
    wr32(this.c, this.seg, a, v);
  }
}

/** Undefined x87 encodings (SDM Vol. 2 opcode map, Appendix A.5): #UD before any error check. */
export function escUndefined(op: number, m: number): boolean {
  const reg = (m >> 3) & 7;
  if (m < 0xc0) {
    // DB /1, DD /1 and DF /1 are FISTTP (SSE3): not on a P6.
    if (op === 0xd9) return reg === 1;
    if (op === 0xdb) return reg === 1 || reg === 4 || reg === 6;
    if (op === 0xdd) return reg === 1 || reg === 5;
    if (op === 0xdf) return reg === 1;
    return false;
  }
  switch (op) {
    case 0xd9: return (m >= 0xd1 && m <= 0xd7) || m === 0xe2 || m === 0xe3 || m === 0xe6 || m === 0xe7 || m === 0xef;
    case 0xda: return reg > 3 && m !== 0xe9;
    case 0xdb: return (reg === 4 && m > 0xe4) || reg === 7;
    case 0xdd: return reg >= 6;
    case 0xde: return reg === 3 && m !== 0xd9;
    case 0xdf: return (reg === 4 && m !== 0xe0) || reg === 7;
    default: return false;
  }
}

/**
 * Bytes written by a storing memory form (0: not a store), so the whole destination is checked
 * (segment limit and page) before the first byte changes: a faulting FSTP leaves memory and
 * the unit as they were. FNSTENV/FNSAVE sizes are the 16-bit ones; the caller doubles by o32.
 */
function storeSize(op: number, reg: number, o32: boolean): number {
  switch (op) {
    case 0xd9: return reg === 2 || reg === 3 ? 4 : reg === 6 ? (o32 ? 28 : 14) : reg === 7 ? 2 : 0;
    case 0xdb: return reg === 2 || reg === 3 ? 4 : reg === 7 ? 10 : 0;
    case 0xdd: return reg === 2 || reg === 3 ? 8 : reg === 6 ? (o32 ? 108 : 94) : reg === 7 ? 2 : 0;
    case 0xdf: return reg === 2 || reg === 3 ? 2 : reg === 6 ? 10 : reg === 7 ? 8 : 0;
    default: return 0;
  }
}

export interface X87BridgeState {
  version: number;
  x87: X87State;
  ferr: boolean;
  ignne: boolean;
}

const BRIDGE_STATE_VERSION = 1;
const FXSAVE_SIZE = 512;
/** MXCSR after reset (SDM Vol. 1 §10.2.3); there is no SSE unit, so FXSAVE stores this value. */
const MXCSR_DEFAULT = 0x1f80;
const CR4_OSFXSR = 1 << 9;

/** The x87 unit installed in a Cpu (c.fpu). */
export class X87Bridge implements FpuHook {
  readonly unit = new X87();
  /** FERR# output: asserted while an unmasked exception is pending with CR0.NE=0. */
  ferrAsserted = false;
  /** IGNNE# input, asserted by the chipset after a write to port 0xF0 while FERR# is asserted. */
  ignne = false;
  private mem: SegmentMemory | null = null;

  constructor() {
    this.reset();
  }

  /**
   * Power-up/RESET state (SDM Vol. 3A §9.1.1, Table 9-1): control word 0040H, status word 0,
   * tag word 5555H (every register +0.0), pointers 0. Software runs FNINIT before use.
   */
  reset(): void {
    const f = this.unit;
    f.fninit();
    f.cw = 0x0040;
    f.empty.fill(0);
    f.se.fill(0);
    f.sig.fill(0n);
    this.ferrAsserted = false;
    this.ignne = false;
  }

  private memFor(c: Cpu, seg: number): SegmentMemory {
    let m = this.mem;
    if (m === null || m.c !== c) m = this.mem = new SegmentMemory(c);
    m.seg = seg;
    return m;
  }

  /** D8-DF after the #NM check (ops/system.ts esc). */
  execute(c: Cpu, opcode: number): void {
    const modrm = c.modrm;
    // Undefined escapes raise #UD without looking at pending errors (SDM Vol. 3A, Architecture
    // Compatibility, "FPU Instruction Opcodes").
    if (escUndefined(opcode, modrm)) raise(c, Vec.UD);
    const f = this.unit;
    if (f.isWaiting(opcode, modrm) && f.pendingException() && !this.errorCheck(c)) return;
    // FIP/FCS: the first byte of the instruction, prefixes included (SDM Vol. 3A, Architecture
    // Compatibility, "CS and EIP For FPU Exceptions").
    f.instrCs = c.segSel[Seg.CS];
    f.instrIp = c.instStart;
    const isReg = c.isReg;
    let seg = 0;
    if (!isReg) {
      seg = c.eaSeg;
      f.dataSel = c.segSel[seg];
      f.dataOff = c.eaOff;
      if (c.slowChecks) alignX87(c, opcode, c.reg, seg, c.eaOff); // #AC (SDM Vol. 3A Table 6-7)
      const size = storeSize(opcode, c.reg, c.o32);
      if (size !== 0) probeWrite(c, seg, c.eaOff, size);
    }
    if (f.readsEflags(opcode, modrm)) f.eflags = getFlags(c);
    const realOrV86 = !c.protectedMode || (c.eflags & Flag.VM) !== 0;
    let r: number;
    if (isReg) {
      r = f.execute(opcode, modrm, 0, this.memFor(c, seg), c.o32, realOrV86);
    } else {
      // The unit records FIP/FDP/FOP before reading its operand: a faulting access must leave
      // the pointers of the last completed instruction, so the restarted one sees no change.
      const fip = f.fip;
      const fcs = f.fcs;
      const fdp = f.fdp;
      const fds = f.fds;
      const fop = f.fop;
      try {
        r = f.execute(opcode, modrm, c.eaOff, this.memFor(c, seg), c.o32, realOrV86);
      } catch (e) {
        f.fip = fip;
        f.fcs = fcs;
        f.fdp = fdp;
        f.fds = fds;
        f.fop = fop;
        throw e;
      }
    }
    if (r === X87_AX) {
      c.r16[0] = f.ax;
    } else if (r === X87_EFLAGS) {
      // FCOMI/FUCOMI[P]: ZF, PF, CF from the comparison; OF, SF, AF cleared (SDM Vol. 2A FCOMI).
      flushFlags(c);
      c.eflags = (c.eflags & ~ARITH_FLAGS) | (f.eflags & (EF_CF | EF_PF | EF_ZF));
    } else if (r === X87_UD) {
      raise(c, Vec.UD);
    }
    this.updateFerr(c);
  }

  /** 9B WAIT/FWAIT after its #NM check: a pending unmasked exception is reported here. */
  wait(c: Cpu): void {
    if (this.unit.pendingException()) this.errorCheck(c);
  }

  /**
   * A waiting instruction found an unmasked exception pending (ES=1). CR0.NE=1: #MF, a fault at
   * this instruction (SDM Vol. 3A §6.15 "Interrupt 16"). CR0.NE=0 (MS-DOS compatibility, SDM
   * Vol. 1 §8.7 and Appendix D.2.2): with IGNNE# asserted the error is ignored (returns true);
   * otherwise FERR# is asserted and the processor freezes before the instruction until an
   * external interrupt (IRQ13 on a PC) is taken; the instruction then starts over (returns false).
   */
  private errorCheck(c: Cpu): boolean {
    if ((c.cr[0] & Cr0.NE) !== 0) raise(c, Vec.MF);
    if (this.ignne) return true;
    this.assertFerr(c);
    c.eip = c.instStart;
    c.halted = true;
    c.stop(CpuExit.Halted);
    return false;
  }

  private assertFerr(c: Cpu): void {
    if (this.ferrAsserted) return;
    this.ferrAsserted = true;
    if (c.ferr !== null) c.ferr.raise();
  }

  /**
   * FERR# follows ES in MS-DOS compatibility mode: on P6 it is asserted when the instruction
   * that caused the exception completes (SDM Vol. 3A, Architecture Compatibility, "Assertion of
   * the FERR# Pin"); it and IGNNE# drop when ES is cleared (FNCLEX, FNINIT, FLDENV...).
   */
  private updateFerr(c: Cpu): void {
    if (this.unit.pendingException()) {
      if ((c.cr[0] & Cr0.NE) === 0) this.assertFerr(c);
    } else if (this.ferrAsserted) {
      this.ferrAsserted = false;
      this.ignne = false;
    }
  }

  /**
   * What the PC chipset does on a write to port 0xF0 (the board calls this): the IRQ13 latch is
   * cleared and IGNNE# is asserted while FERR# is, so the handler's own x87 code can run.
   */
  clearError(c: Cpu): void {
    if (c.ferr !== null) c.ferr.lower();
    if (this.ferrAsserted) this.ignne = true;
  }

  /** 0F AE /0 FXSAVE, /1 FXRSTOR (SDM Vol. 2A FXSAVE/FXRSTOR); other forms are #UD (no SSE). */
  fxsaveGroup(c: Cpu): void {
    const reg = c.reg;
    if (c.isReg || reg > 1) raise(c, Vec.UD);
    if ((c.cr[0] & (Cr0.EM | Cr0.TS)) !== 0) raise(c, Vec.NM);
    const seg = c.eaSeg;
    const off = c.eaOff;
    if (((c.segBase[seg] + off) & 15) !== 0) raise(c, Vec.GP, 0);
    const m = this.memFor(c, seg);
    if (reg === 0) {
      probeWrite(c, seg, off, FXSAVE_SIZE);
      fxsaveX87(this.unit, m, off);
      // MXCSR and XMM are saved only with CR4.OSFXSR (implementation-dependent otherwise, SDM
      // Vol. 2A FXSAVE; QEMU does the same). There is no SSE unit: reset values, MXCSR_MASK 0.
      if ((c.cr[4] & CR4_OSFXSR) !== 0) {
        m.write32(off + 24, MXCSR_DEFAULT);
        m.write32(off + 28, 0);
        for (let i = 160; i < 288; i += 4) m.write32(off + i, 0); // XMM0-7
      }
      return;
    }
    checkRead(c, seg, off, FXSAVE_SIZE);
    // MXCSR and XMM are not loaded: this CPU has no SSE state.
    fxrstorX87(this.unit, m, off);
    this.updateFerr(c);
  }

  saveState(): X87BridgeState {
    return { version: BRIDGE_STATE_VERSION, x87: this.unit.saveState(), ferr: this.ferrAsserted, ignne: this.ignne };
  }

  loadState(s: unknown): void {
    const st = s as X87BridgeState;
    if (st === null || typeof st !== 'object' || st.version !== BRIDGE_STATE_VERSION) {
      throw new Error(`x87 state version ${String((st as { version?: unknown } | null)?.version)} is not supported`);
    }
    this.unit.loadState(st.x87);
    this.ferrAsserted = st.ferr;
    this.ignne = st.ignne;
  }
}

/** 0F AE handler: FXSAVE/FXRSTOR need the x87 unit (CPUID.FXSR is reported with it). */
export function fxGroup(c: Cpu): void {
  if (c.fpu === null) raise(c, Vec.UD);
  c.fpu.fxsaveGroup(c);
}
