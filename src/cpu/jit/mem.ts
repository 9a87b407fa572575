// Memory access for translated code: mmu.ts rd*/wr*/push/pop with the fault-path stores moved
// into the slow path. A block used to store c.instStart and c.instructions before every access
// that might fault; here the block passes the instruction's EIP and index instead, and only an
// access that leaves the fast path (segment bound, TLB miss or a permission the TLB lacks,
// misalignment, a non-RAM page, a store into a page with translations) stores them, then calls
// mmu.ts, which repeats every check and raises or walks exactly as for the interpreter.
// Arguments are int32 (offsets `|0`, EIP `|0`) so calls that V8 does not inline pass small
// integers rather than boxed doubles (kernel addresses lie above 2^31).
import type { Cpu } from '../cpu.js';
import { Reg, Seg } from '../state.js';
import { rd8, rd16, rd32s, wr8, wr16, wr32, ramFast, setSp } from '../mmu.js';


/** What deliverFault needs, for the instruction at `eip` (index `k` in the block). */
function faultState(c: Cpu, eip: number, k: number): void {
  c.instStart = eip >>> 0;
  c.instructions = c.blockBase + k;
  // No inline emitter moves ESP before its memory accesses (pushes and pops move it after).
  c.startEsp = c.regs[Reg.ESP] | 0;
}

/** Physical RAM address for a read of `size` bytes (aligned) at seg:off, or -1. */
function readable(c: Cpu, seg: number, off: number, size: number): number {
  return ramFast(c, seg, off, size, size, false);
}

/** Physical RAM address for a write of `size` bytes (aligned) at seg:off, or -1; marks the page dirty. */
function writable(c: Cpu, seg: number, off: number, size: number): number {
  const q = ramFast(c, seg, off, size, size, true);
  if (q >= 0) c.dirtyPages[q >>> 12] = 1;
  return q;
}

export function jr8(c: Cpu, seg: number, off: number, eip: number, k: number): number {
  const o = off >>> 0;
  const q = readable(c, seg, o, 1);
  if (q >= 0) return c.ram[q];
  faultState(c, eip, k);
  return rd8(c, seg, o);
}

export function jr16(c: Cpu, seg: number, off: number, eip: number, k: number): number {
  const o = off >>> 0;
  const q = readable(c, seg, o, 2);
  if (q >= 0) return c.ram[q] | (c.ram[q + 1] << 8);
  faultState(c, eip, k);
  return rd16(c, seg, o);
}

/** A dword as a signed int32 (callers that need it unsigned add >>> 0). */
export function jr32(c: Cpu, seg: number, off: number, eip: number, k: number): number {
  const o = off >>> 0;
  const q = readable(c, seg, o, 4);
  if (q >= 0) return c.ram32[q >>> 2];
  faultState(c, eip, k);
  return rd32s(c, seg, o);
}

export function jw8(c: Cpu, seg: number, off: number, v: number, eip: number, k: number): void {
  const o = off >>> 0;
  const q = writable(c, seg, o, 1);
  if (q >= 0) {
    c.ram[q] = v;
    return;
  }
  faultState(c, eip, k);
  wr8(c, seg, o, v);
}

export function jw16(c: Cpu, seg: number, off: number, v: number, eip: number, k: number): void {
  const o = off >>> 0;
  const q = writable(c, seg, o, 2);
  if (q >= 0) {
    c.ram[q] = v;
    c.ram[q + 1] = v >>> 8;
    return;
  }
  faultState(c, eip, k);
  wr16(c, seg, o, v);
}

export function jw32(c: Cpu, seg: number, off: number, v: number, eip: number, k: number): void {
  const o = off >>> 0;
  const q = writable(c, seg, o, 4);
  if (q >= 0) {
    c.ram32[q >>> 2] = v;
    return;
  }
  faultState(c, eip, k);
  wr32(c, seg, o, v);
}

/** PUSH (mmu.ts push16/push32: the store, then SP). */
export function jpush(c: Cpu, size: number, v: number, eip: number, k: number): void {
  const sp = ((c.regs[Reg.ESP] - size) & c.stackMask) >>> 0;
  if (size === 4) jw32(c, Seg.SS, sp, v, eip, k);
  else jw16(c, Seg.SS, sp, v, eip, k);
  setSp(c, sp);
}

/** POP, signed for dwords (mmu.ts pop16/pop32s: the read, then SP). */
export function jpop(c: Cpu, size: number, eip: number, k: number): number {
  const sp = (c.regs[Reg.ESP] & c.stackMask) >>> 0;
  const v = size === 4 ? jr32(c, Seg.SS, sp, eip, k) : jr16(c, Seg.SS, sp, eip, k);
  setSp(c, sp + size);
  return v;
}

/** The stack at SP + delta without moving SP (mmu.ts stackRead16/32), unsigned. */
export function jstack(c: Cpu, size: number, delta: number, eip: number, k: number): number {
  const sp = ((c.regs[Reg.ESP] + delta) & c.stackMask) >>> 0;
  return size === 4 ? jr32(c, Seg.SS, sp, eip, k) >>> 0 : jr16(c, Seg.SS, sp, eip, k);
}
