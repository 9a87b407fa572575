// Exceptions and interrupts. raise() records the vector and throws a preallocated signal that
// unwinds the current instruction; the run loop catches it and calls deliverFault(), which
// restarts the instruction (fault semantics, SDM Vol. 3A §6.5) and delivers the vector.
// Real mode dispatches through the IVT at IDTR.base (SDM Vol. 3A §20.1.4).
import type { Cpu } from './cpu.js';
import { deliverProtected } from './protected/transfer.js';
import { Flag, Reg, Seg, Vec } from './state.js';
import { getFlags, flushFlags } from './flags.js';
import { linRead16, push16 } from './mmu.js';
import { setSegmentRealMode } from './segments.js';
import { debugFaultTaken } from './debug.js';

/** Thrown (one instance per Cpu) to unwind a faulting instruction. Not an Error: no stack capture. */
export class FaultSignal {
  readonly name = 'CpuFault';
}

/** Raises exception `vector` (with `code`, or -1 for none) as a fault of the current instruction. */
export function raise(c: Cpu, vector: number, code = -1): never {
  c.faultVector = vector;
  c.faultCode = code;
  throw c.fault;
}

/** A segment limit/access violation: #SS(0) for the stack segment, #GP(0) otherwise (SDM Vol. 3A §6.15). */
export function segFault(c: Cpu, seg: number): never {
  return raise(c, seg === Seg.SS ? Vec.SS : Vec.GP, 0);
}

/** Contributory exceptions (SDM Vol. 3A §6.15, Table 6-4): two in a row make a #DF. */
function contributory(v: number): boolean {
  return v === Vec.DE || (v >= Vec.TS && v <= Vec.GP);
}

/**
 * Delivers the fault recorded by raise(): the instruction restarts (EIP and ESP as they were at
 * its start). A fault while delivering becomes #DF; one while delivering #DF shuts the CPU down
 * (triple fault). Returns false on shutdown.
 */
export function deliverFault(c: Cpu): boolean {
  let vector = c.faultVector;
  let code = c.faultCode;
  if (c.slowChecks) debugFaultTaken(c);
  const rf = c.eflags & Flag.RF;
  for (;;) {
    c.eip = c.instStart;
    c.regs[Reg.ESP] = c.startEsp;
    // The EFLAGS image of a fault has RF=1, so the restarted instruction does not hit its own
    // instruction breakpoint again; not for #DB (instruction breakpoints) or #DF, an abort
    // (SDM Vol. 3A §17.3.1.1). deliver() clears RF again.
    c.eflags = ((c.eflags & ~Flag.RF) | (vector === Vec.DB || vector === Vec.DF ? rf : Flag.RF)) >>> 0;
    try {
      deliver(c, vector, code, c.instStart);
      return true;
    } catch (e) {
      if (e !== c.fault) throw e;
      if (vector === Vec.DF) return false;
      const next = c.faultVector;
      if ((contributory(vector) && contributory(next)) || (vector === Vec.PF && (next === Vec.PF || contributory(next)))) {
        vector = Vec.DF;
        code = 0;
      } else {
        vector = next;
        code = c.faultCode;
      }
    }
  }
}

/** INT n, INT3, INTO, BOUND's #BR as a trap: the return address is the next instruction. */
export function softwareInterrupt(c: Cpu, vector: number): void {
  deliver(c, vector, -1, c.eip, true);
}

/** Takes one external interrupt from the controller at an instruction boundary. */
export function takeExternalInterrupt(c: Cpu): void {
  c.instStart = c.eip;
  c.startEsp = c.regs[Reg.ESP] | 0;
  const vector = c.host.interrupts.acknowledge() & 0xff;
  deliver(c, vector, -1, c.eip);
}

/** The single-step trap after an instruction executed with TF=1 (SDM Vol. 3A §17.3.1.4). */
export function singleStepTrap(c: Cpu): void {
  c.dr[6] |= 1 << 14; // DR6.BS
  c.dr[7] &= ~(1 << 13); // GD is cleared on entry to the #DB handler (§17.2.4)
  c.instStart = c.eip;
  c.startEsp = c.regs[Reg.ESP] | 0;
  deliver(c, Vec.DB, -1, c.eip);
}

/**
 * Delivers `vector` with the given return EIP; `code` is the error code (-1: none), pushed only
 * in protected mode. `software`: INT n/INT3/INTO (gate DPL checked against CPL).
 */
export function deliver(c: Cpu, vector: number, code: number, returnEip: number, software = false): void {
  c.lastVector = vector;
  if (c.protectedMode) {
    deliverProtected(c, vector, code, returnEip, software);
    return;
  }
  const off = vector << 2;
  if (off + 3 > c.idtrLimit) raise(c, Vec.GP, (vector << 3) | 2);
  flushFlags(c);
  const flags = getFlags(c);
  push16(c, flags);
  push16(c, c.segSel[Seg.CS]);
  push16(c, returnEip);
  const ip = linRead16(c, (c.idtrBase + off) | 0);
  const cs = linRead16(c, (c.idtrBase + off + 2) | 0);
  c.eflags &= ~(Flag.IF | Flag.TF | Flag.AC | Flag.RF);
  setSegmentRealMode(c, Seg.CS, cs);
  c.eip = ip;
  c.halted = false;
}
