// Memory access: logical (segment:offset) → linear → physical. Every data access of the CPU
// goes through these functions, so the segment checks and (issue 8) the paging TLB sit in one
// place. Segment checks: SDM Vol. 3A §5.3 (limit checking); real mode raises #GP(0), or #SS(0)
// for the stack segment, when any byte of the access lies beyond the limit (SDM Vol. 3A §20.1.2).
import type { Cpu } from './cpu.js';
import { PageKind } from '../memory/physical-memory.js';
import { Reg, Seg } from './state.js';
import { translate, tlbNeed } from './paging.js';
import { slowRead, slowWrite, slowCheck } from './debug.js';


// ---- linear → physical: paging (paging.ts, through the TLB) when on, then the A20 mask ----

/** Physical address of `lin` for a read (no paging: lin itself), A20 applied. */
function physR(c: Cpu, lin: number): number {
  return ((c.paging ? translate(c, lin, false, c.user) : lin) & c.a20Mask) >>> 0;
}

/** Physical address of `lin` for a write. */
function physW(c: Cpu, lin: number): number {
  return ((c.paging ? translate(c, lin, true, c.user) : lin) & c.a20Mask) >>> 0;
}

/**
 * Physical address of linear `lin` when the TLB already permits the access (`need`: Tlb bits),
 * or without paging; -1 when paging.ts translate would walk (miss, A/D update, fault) or the
 * address lies at 2 GiB or above. Side-effect free: for fast paths that fall back to the above.
 */
export function physFast(c: Cpu, lin: number, need: number): number {
  if (!c.paging) return lin & c.a20Mask;
  const page = lin >>> 12;
  if ((c.tlb.flags[page] & need) === 0) return -1;
  return (c.tlb.phys[page] | (lin & 0xfff)) & c.a20Mask;
}

/**
 * Physical RAM address of `bytes` bytes at seg:off whose linear address is aligned to `align`,
 * when they need no check beyond this one: inside the segment, in one page the TLB already maps
 * with the permission (physFast), RAM, and for a write a page holding no translated code.
 * -1: take the checked path. The caller keeps the bytes within one page.
 */
export function ramFast(c: Cpu, seg: number, off: number, bytes: number, align: number, write: boolean): number {
  if (off < c.segMin[seg] || off + bytes - 1 > (write ? c.segWMax[seg] : c.segRMax[seg])) return -1;
  const lin = (c.segBase[seg] + off) | 0;
  if ((lin & (align - 1)) !== 0) return -1;
  const q = physFast(c, lin, tlbNeed(c.user, write));
  if (q < 0 || c.pageKind[q >>> 12] !== PageKind.Ram || (write && c.codePages[q >>> 12] !== 0)) return -1;
  return q;
}

export function linRead8(c: Cpu, lin: number): number {
  const a = physR(c, lin);
  if (c.pageKind[a >>> 12] === PageKind.Ram) return c.ram[a];
  return c.mem.read8(a);
}

export function linRead16(c: Cpu, lin: number): number {
  if ((lin & 0xfff) === 0xfff) return linRead8(c, lin) | (linRead8(c, (lin + 1) | 0) << 8);
  const a = physR(c, lin);
  if (c.pageKind[a >>> 12] === PageKind.Ram) return c.ram[a] | (c.ram[a + 1] << 8);
  return c.mem.read16(a);
}

export function linRead32(c: Cpu, lin: number): number {
  if ((lin & 0xfff) > 0xffc) return (linRead16(c, lin) | (linRead16(c, (lin + 2) | 0) << 16)) >>> 0;
  const a = physR(c, lin);
  if (c.pageKind[a >>> 12] === PageKind.Ram) {
    if ((a & 3) === 0) return c.ram32[a >>> 2] >>> 0;
    const r = c.ram;
    return (r[a] | (r[a + 1] << 8) | (r[a + 2] << 16) | (r[a + 3] << 24)) >>> 0;
  }
  return c.mem.read32(a);
}

/**
 * linRead32 as a signed int32: for values that go straight into a register or memory, so a
 * dword with bit 31 set (kernel pointers) is not boxed as a heap double between calls.
 */
export function linRead32s(c: Cpu, lin: number): number {
  if ((lin & 0xfff) > 0xffc) return linRead16(c, lin) | (linRead16(c, (lin + 2) | 0) << 16);
  const a = physR(c, lin);
  if (c.pageKind[a >>> 12] === PageKind.Ram) {
    if ((a & 3) === 0) return c.ram32[a >>> 2];
    const r = c.ram;
    return r[a] | (r[a + 1] << 8) | (r[a + 2] << 16) | (r[a + 3] << 24);
  }
  return c.mem.read32(a) | 0;
}

export function linWrite8(c: Cpu, lin: number, v: number): void {
  const a = physW(c, lin);
  const p = a >>> 12;
  if (c.pageKind[p] === PageKind.Ram && c.codePages[p] === 0) {
    c.ram[a] = v;
    c.dirtyPages[p] = 1;
  } else {
    c.mem.write8(a, v & 0xff);
  }
}

export function linWrite16(c: Cpu, lin: number, v: number): void {
  if ((lin & 0xfff) === 0xfff) {
    if (c.paging) physW(c, (lin + 1) | 0); // both pages writable before either byte changes
    linWrite8(c, lin, v);
    linWrite8(c, (lin + 1) | 0, v >>> 8);
    return;
  }
  const a = physW(c, lin);
  const p = a >>> 12;
  if (c.pageKind[p] === PageKind.Ram && c.codePages[p] === 0) {
    c.ram[a] = v;
    c.ram[a + 1] = v >>> 8;
    c.dirtyPages[p] = 1;
  } else {
    c.mem.write16(a, v & 0xffff);
  }
}

export function linWrite32(c: Cpu, lin: number, v: number): void {
  if ((lin & 0xfff) > 0xffc) {
    if (c.paging) physW(c, (lin + 3) | 0);
    linWrite16(c, lin, v);
    linWrite16(c, (lin + 2) | 0, v >>> 16);
    return;
  }
  const a = physW(c, lin);
  const p = a >>> 12;
  if (c.pageKind[p] === PageKind.Ram && c.codePages[p] === 0) {
    c.dirtyPages[p] = 1;
    if ((a & 3) === 0) {
      c.ram32[a >>> 2] = v;
      return;
    }
    const r = c.ram;
    r[a] = v;
    r[a + 1] = v >>> 8;
    r[a + 2] = v >>> 16;
    r[a + 3] = v >>> 24;
  } else {
    c.mem.write32(a, v >>> 0);
  }
}

// ---- implicit supervisor accesses (descriptor tables, IDT, TSS): never user-mode checks ----

export function sysRead16(c: Cpu, lin: number): number {
  const u = c.user;
  c.user = false;
  try {
    return linRead16(c, lin);
  } finally {
    c.user = u;
  }
}

export function sysRead32(c: Cpu, lin: number): number {
  const u = c.user;
  c.user = false;
  try {
    return linRead32(c, lin);
  } finally {
    c.user = u;
  }
}

export function sysWrite8(c: Cpu, lin: number, v: number): void {
  const u = c.user;
  c.user = false;
  try {
    linWrite8(c, lin, v);
  } finally {
    c.user = u;
  }
}

// ---- logical (segment + offset) with limit and access checks ----
// A failed bound test goes to debug.ts: a real limit fault, or (Cpu.slowChecks, when segMin is
// +Infinity) the checked access with #AC and data breakpoints. The fast path is unchanged.

export function rd8(c: Cpu, seg: number, off: number): number {
  if (off < c.segMin[seg] || off > c.segRMax[seg]) return slowRead(c, seg, off, 1);
  return linRead8(c, (c.segBase[seg] + off) | 0);
}

export function rd16(c: Cpu, seg: number, off: number): number {
  if (off < c.segMin[seg] || off + 1 > c.segRMax[seg]) return slowRead(c, seg, off, 2);
  return linRead16(c, (c.segBase[seg] + off) | 0);
}

export function rd32(c: Cpu, seg: number, off: number): number {
  if (off < c.segMin[seg] || off + 3 > c.segRMax[seg]) return slowRead(c, seg, off, 4);
  return linRead32(c, (c.segBase[seg] + off) | 0);
}

/** rd32 as a signed int32 (see linRead32s). */
export function rd32s(c: Cpu, seg: number, off: number): number {
  if (off < c.segMin[seg] || off + 3 > c.segRMax[seg]) return slowRead(c, seg, off, 4) | 0;
  return linRead32s(c, (c.segBase[seg] + off) | 0);
}

export function wr8(c: Cpu, seg: number, off: number, v: number): void {
  if (off < c.segMin[seg] || off > c.segWMax[seg]) return slowWrite(c, seg, off, 1, v);
  linWrite8(c, (c.segBase[seg] + off) | 0, v);
}

export function wr16(c: Cpu, seg: number, off: number, v: number): void {
  if (off < c.segMin[seg] || off + 1 > c.segWMax[seg]) return slowWrite(c, seg, off, 2, v);
  linWrite16(c, (c.segBase[seg] + off) | 0, v);
}

export function wr32(c: Cpu, seg: number, off: number, v: number): void {
  if (off < c.segMin[seg] || off + 3 > c.segWMax[seg]) return slowWrite(c, seg, off, 4, v);
  linWrite32(c, (c.segBase[seg] + off) | 0, v);
}

/** Checks that [off, off+len) may be written, without writing (multi-part stores, CMPXCHG8B). */
export function checkWrite(c: Cpu, seg: number, off: number, len: number): void {
  if (off < c.segMin[seg] || off + len - 1 > c.segWMax[seg]) slowCheck(c, seg, off, len, true);
}

/**
 * Checks that a store of `size` bytes at seg:off can complete — segment limit and type, then
 * paging for its first and last byte (at most two pages) — before any byte is written or any
 * flag changes (x87 stores, read-modify-writes whose flags come first).
 */
export function probeWrite(c: Cpu, seg: number, off: number, size: number): void {
  checkWrite(c, seg, off, size);
  if (!c.paging) return;
  const lin = (c.segBase[seg] + off) | 0;
  translate(c, lin, true, c.user);
  const last = (lin + size - 1) | 0;
  // The second page is checked at its first byte: that is the address a fault reports in CR2.
  if ((last ^ lin) >>> 12 !== 0) translate(c, last & ~0xfff, true, c.user);
}

/** Checks that [off, off+len) may be read. */
export function checkRead(c: Cpu, seg: number, off: number, len: number): void {
  if (off < c.segMin[seg] || off + len - 1 > c.segRMax[seg]) slowCheck(c, seg, off, len, false);
}

// ---- stack: SS with SP or ESP by the stack width (SS.B) ----

export function push16(c: Cpu, v: number): void {
  const sp = ((c.regs[Reg.ESP] - 2) & c.stackMask) >>> 0;
  wr16(c, Seg.SS, sp, v);
  setSp(c, sp);
}

export function push32(c: Cpu, v: number): void {
  const sp = ((c.regs[Reg.ESP] - 4) & c.stackMask) >>> 0;
  wr32(c, Seg.SS, sp, v);
  setSp(c, sp);
}

/** pop32 as a signed int32, for POP reg (see linRead32s). */
export function pop32s(c: Cpu): number {
  const sp = (c.regs[Reg.ESP] & c.stackMask) >>> 0;
  const v = rd32s(c, Seg.SS, sp);
  setSp(c, sp + 4);
  return v;
}

export function pop16(c: Cpu): number {
  const sp = (c.regs[Reg.ESP] & c.stackMask) >>> 0;
  const v = rd16(c, Seg.SS, sp);
  setSp(c, sp + 2);
  return v;
}

export function pop32(c: Cpu): number {
  const sp = (c.regs[Reg.ESP] & c.stackMask) >>> 0;
  const v = rd32(c, Seg.SS, sp);
  setSp(c, sp + 4);
  return v;
}

/** Pushes by operand size (o32). */
export function pushOp(c: Cpu, v: number): void {
  if (c.o32) push32(c, v);
  else push16(c, v);
}

export function popOp(c: Cpu): number {
  return c.o32 ? pop32(c) : pop16(c);
}

/** Reads the stack at SP + delta without moving SP (RET/IRET read before they commit). */
export function stackRead16(c: Cpu, delta: number): number {
  return rd16(c, Seg.SS, ((c.regs[Reg.ESP] + delta) & c.stackMask) >>> 0);
}

export function stackRead32(c: Cpu, delta: number): number {
  return rd32(c, Seg.SS, ((c.regs[Reg.ESP] + delta) & c.stackMask) >>> 0);
}

/** Writes SP (16-bit stack) or ESP (32-bit stack). */
export function setSp(c: Cpu, v: number): void {
  if (c.stackMask === 0xffff) c.r16[Reg.ESP << 1] = v;
  else c.regs[Reg.ESP] = v;
}

/** Adds to SP/ESP within the stack width. */
export function addSp(c: Cpu, delta: number): void {
  setSp(c, ((c.regs[Reg.ESP] + delta) & c.stackMask) >>> 0);
}
