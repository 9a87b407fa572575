// String instructions MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS with REP/REPE/REPNE
// (SDM Vol. 2B per instruction and "REP/REPE/REPZ/REPNE/REPNZ"). The source segment is DS
// (overridable), the destination always ES. A REP instruction runs at most REP_CHUNK iterations
// per execution and then restarts itself, so budgets and pending interrupts are honoured
// between iterations, as on hardware (SDM Vol. 1 §7.3.9.1 "interrupted and resumed").
import type { Cpu } from '../cpu.js';
import { Flag, Reg, Seg } from '../state.js';
import { rd8, rd16, rd32, wr8, wr16, wr32, checkWrite, ramFast } from '../mmu.js';
import { getZF } from '../flags.js';
import { alu, Alu } from './alu.js';
import { checkIoPermission } from './system.js';
import { ioBreakpoints } from '../debug.js';

const REP_CHUNK = 1024;

/** Reads element `size` at seg:off. */
function rdN(c: Cpu, size: number, seg: number, off: number): number {
  return size === 1 ? rd8(c, seg, off) : size === 2 ? rd16(c, seg, off) : rd32(c, seg, off);
}

function wrN(c: Cpu, size: number, seg: number, off: number, v: number): void {
  if (size === 1) wr8(c, seg, off, v);
  else if (size === 2) wr16(c, seg, off, v);
  else wr32(c, seg, off, v);
}

/** One handler for all string opcodes (A4-A7, AA-AF, 6C-6F). */
export function stringOp(c: Cpu): void {
  const op = c.op;
  const size = (op & 1) === 0 ? 1 : c.o32 ? 4 : 2;
  const step = (c.eflags & Flag.DF) !== 0 ? -size : size;
  const a32 = c.a32;
  const srcSeg = c.segOvr >= 0 ? c.segOvr : Seg.DS;
  const rep = c.rep;
  const regs = c.regs;
  const r16 = c.r16;
  if (op >= 0x6c && op <= 0x6f) {
    checkIoPermission(c, r16[Reg.EDX << 1], size);
    if (c.slowChecks) ioBreakpoints(c, r16[Reg.EDX << 1], size);
  }
  let n = 0;
  for (;;) {
    if (rep !== 0) {
      const count = a32 ? regs[Reg.ECX] : r16[Reg.ECX << 1];
      if (count === 0) return;
      if (a32 && (op === 0xaa || op === 0xab || op === 0xa4 || op === 0xa5) && !c.slowChecks) {
        // As many iterations as this execution would run (see the chunk check below), at once.
        const room = Math.min(count, REP_CHUNK - n, Math.max(1, c.stopAt - c.instructions - n));
        const k = room > 1 ? repInRam(c, op, size, srcSeg, room, step < 0) : 0;
        if (k > 0) {
          regs[Reg.ECX] = count - k;
          n += k;
          if (n >= REP_CHUNK || c.instructions + n >= c.stopAt) {
            if (regs[Reg.ECX] !== 0) c.eip = c.instStart;
            return;
          }
          continue;
        }
      }
    }
    const si = a32 ? regs[Reg.ESI] : r16[Reg.ESI << 1];
    const di = a32 ? regs[Reg.EDI] : r16[Reg.EDI << 1];
    let stop = false;
    switch (op) {
      case 0xa4:
      case 0xa5:
        wrN(c, size, Seg.ES, di, rdN(c, size, srcSeg, si));
        advance(c, Reg.ESI, step);
        advance(c, Reg.EDI, step);
        break;
      case 0xa6:
      case 0xa7: {
        const a = rdN(c, size, srcSeg, si);
        const b = rdN(c, size, Seg.ES, di);
        alu(c, Alu.CMP, a, b, size << 3);
        advance(c, Reg.ESI, step);
        advance(c, Reg.EDI, step);
        stop = rep !== 0 && (getZF(c) !== 0) !== (rep === 0xf3);
        break;
      }
      case 0xaa:
      case 0xab:
        wrN(c, size, Seg.ES, di, size === 1 ? c.r8[0] : size === 2 ? r16[0] : regs[0]);
        advance(c, Reg.EDI, step);
        break;
      case 0xac:
      case 0xad: {
        const v = rdN(c, size, srcSeg, si);
        if (size === 1) c.r8[0] = v;
        else if (size === 2) r16[0] = v;
        else regs[0] = v;
        advance(c, Reg.ESI, step);
        break;
      }
      case 0xae:
      case 0xaf: {
        const b = rdN(c, size, Seg.ES, di);
        alu(c, Alu.CMP, size === 1 ? c.r8[0] : size === 2 ? r16[0] : regs[0], b, size << 3);
        advance(c, Reg.EDI, step);
        stop = rep !== 0 && (getZF(c) !== 0) !== (rep === 0xf3);
        break;
      }
      case 0x6c:
      case 0x6d: {
        const port = r16[Reg.EDX << 1];
        // Check the destination before the port read, which may have side effects.
        checkWrite(c, Seg.ES, di, size);
        const p = c.host.ports;
        wrN(c, size, Seg.ES, di, size === 1 ? p.in8(port) : size === 2 ? p.in16(port) : p.in32(port));
        advance(c, Reg.EDI, step);
        break;
      }
      default: { // 6E/6F OUTS
        const port = r16[Reg.EDX << 1];
        const v = rdN(c, size, srcSeg, si);
        if (size === 1) c.host.ports.out8(port, v);
        else if (size === 2) c.host.ports.out16(port, v);
        else c.host.ports.out32(port, v);
        advance(c, Reg.ESI, step);
        break;
      }
    }
    if (rep === 0) return;
    if (a32) regs[Reg.ECX] = regs[Reg.ECX] - 1;
    else r16[Reg.ECX << 1] = r16[Reg.ECX << 1] - 1;
    if (stop) return;
    if (c.slowChecks && c.dbg.hits !== 0) {
      // A data or I/O breakpoint: the #DB trap follows this iteration, and the instruction then
      // resumes with the remaining count (SDM Vol. 3A §17.3.1.2).
      if ((a32 ? regs[Reg.ECX] : r16[Reg.ECX << 1]) !== 0) {
        c.eip = c.instStart;
        c.dbg.repUnfinished = true;
      }
      return;
    }
    if (++n >= REP_CHUNK || c.instructions + n >= c.stopAt) {
      // Not finished: execute this instruction again (after any pending interrupt). With RF set
      // its instruction breakpoint, already taken, does not fire again (SDM Vol. 3A §17.3.1.1).
      if ((a32 ? regs[Reg.ECX] : r16[Reg.ECX << 1]) !== 0) {
        c.eip = c.instStart;
        if (c.slowChecks) c.eflags |= Flag.RF;
      }
      return;
    }
  }
}

/** Elements in the run found by ramRun (set with its result; no allocation per call). */
let runElements = 0;

/**
 * Physical RAM address of the lowest of up to `max` elements of `size` bytes from seg:off
 * upwards (or, `down`, from seg:off downwards) that need no check beyond what is known now:
 * aligned, inside the segment, in one page the TLB already maps with the permission, RAM, and
 * for writes not holding translated code. -1: none.
 */
function ramRun(c: Cpu, seg: number, off: number, size: number, max: number, write: boolean, down: boolean): number {
  const lin = (c.segBase[seg] + off) | 0;
  if ((lin & (size - 1)) !== 0) return -1;
  const k = Math.min(max, down ? (lin & 0xfff) / size + 1 : (0x1000 - (lin & 0xfff)) / size);
  const q = ramFast(c, seg, down ? off - (k - 1) * size : off, k * size, size, write);
  if (q < 0) return -1;
  runElements = k;
  return q;
}

/**
 * REP STOS/MOVS with 32-bit addressing, up to `max` iterations, straight on RAM: the
 * iterations that stay within one page of each operand, which cannot fault or reach a device
 * (ramRun). Returns how many ran (0: none, the caller iterates one by one). A copy whose
 * destination overlaps the source ahead of it (above it upwards, below it downwards, DF=1)
 * repeats a pattern, unlike memmove: left to the loop.
 */
function repInRam(c: Cpu, op: number, size: number, srcSeg: number, max: number, down: boolean): number {
  const regs = c.regs;
  let k = max;
  let src = 0;
  if (op <= 0xa5) {
    src = ramRun(c, srcSeg, regs[Reg.ESI], size, k, false, down);
    if (src < 0) return 0;
    k = runElements;
  }
  const dst = ramRun(c, Seg.ES, regs[Reg.EDI], size, k, true, down);
  if (dst < 0) return 0;
  if (down && op <= 0xa5 && runElements < k) {
    // The source run was longer: its lowest k - runElements elements are not copied now.
    src += (k - runElements) * size;
  }
  k = runElements;
  const bytes = k * size;
  if (op <= 0xa5) {
    if (down ? dst < src && dst + bytes > src : dst > src && dst < src + bytes) return 0;
    c.ram.copyWithin(dst, src, src + bytes);
    regs[Reg.ESI] = regs[Reg.ESI] + (down ? -bytes : bytes);
  } else if (size === 4) {
    c.ram32.fill(regs[0], dst >>> 2, (dst >>> 2) + k);
  } else if (size === 1) {
    c.ram.fill(c.r8[0], dst, dst + k);
  } else {
    const v = c.r16[0];
    for (let i = 0; i < bytes; i += 2) {
      c.ram[dst + i] = v;
      c.ram[dst + i + 1] = v >>> 8;
    }
  }
  c.dirtyPages[dst >>> 12] = 1;
  regs[Reg.EDI] = regs[Reg.EDI] + (down ? -bytes : bytes);
  return k;
}

/** SI/DI (or ESI/EDI with 32-bit addressing) += step. */
function advance(c: Cpu, r: number, step: number): void {
  if (c.a32) c.regs[r] = c.regs[r] + step;
  else c.r16[r << 1] = c.r16[r << 1] + step;
}
