// Instruction fetch and ModRM/SIB effective-address decoding (SDM Vol. 2A §2.1, Tables 2-1..2-3).
import type { Cpu } from './cpu.js';
import { PageKind } from '../memory/physical-memory.js';
import { Reg, Seg, Vec } from './state.js';
import { raise } from './interrupts.js';
import { translateFetch } from './paging.js';


/** Longest legal instruction (SDM Vol. 2A §2.3.11): a 16th byte raises #GP(0). */
export const MAX_INSTRUCTION_LENGTH = 15;

export function fetch8(c: Cpu): number {
  const eip = c.eip;
  if ((eip - c.fetchMin) >>> 0 > c.fetchSpan) return fetchSlow(c, eip);
  c.eip = eip + 1;
  return c.fetchBuf[eip + c.fetchDelta];
}

/**
 * Outside the fetch window: checks the CS limit and the 15-byte limit (both #GP(0)), then opens
 * a window over the RAM or ROM page holding the byte (MMIO is read byte by byte). Mappings
 * change only through port writes or between run() calls, both of which drop the window.
 */
function fetchSlow(c: Cpu, eip: number): number {
  const limit = c.segLimit[Seg.CS];
  if (eip > limit || eip - c.instStart >= MAX_INSTRUCTION_LENGTH) raise(c, Vec.GP, 0);
  c.eip = eip + 1;
  const lin = (c.segBase[Seg.CS] + eip) | 0;
  const a = ((c.paging ? translateFetch(c, lin, c.user) : lin) & c.a20Mask) >>> 0;
  if (!setFetchWindow(c, eip, lin, a, limit)) return c.mem.read8(a); // MMIO or unmapped: no window
  // The 15-byte cap matters only for prefixed instructions (decodeDirty; see Cpu.run).
  const max = c.instStart + MAX_INSTRUCTION_LENGTH - 1;
  c.fetchSpan = (c.decodeDirty && max < c.fetchEnd ? max : c.fetchEnd) - c.fetchMin;
  return c.fetchBuf[eip + c.fetchDelta];
}

/**
 * Points the fetch window (all but fetchSpan, which the caller caps) at the RAM or ROM page
 * holding physical address `a` = linear `lin` = CS:`eip`, bounded by the page end and the CS
 * limit. False for MMIO or unmapped memory (no window).
 */
export function setFetchWindow(c: Cpu, eip: number, lin: number, a: number, limit: number): boolean {
  const page = a >>> 12;
  const bytes = c.pageKind[page] === PageKind.Ram ? c.ram : c.mem.pageBytes(page);
  if (bytes === null) return false;
  const index = a - (bytes === c.ram ? 0 : c.mem.pageBytesBase(page));
  const pageEnd = eip + (0xfff - (lin & 0xfff));
  c.fetchEnd = pageEnd < limit ? pageEnd : limit;
  c.fetchMin = eip - (lin & 0xfff);
  c.fetchBuf = bytes;
  c.fetchDelta = index - eip;
  return true;
}

export function fetch16(c: Cpu): number {
  const eip = c.eip;
  // Both bytes inside the window: read them directly (the common case).
  if ((eip + 1 - c.fetchMin) >>> 0 <= c.fetchSpan && eip >= c.fetchMin) {
    const i = eip + c.fetchDelta;
    const b = c.fetchBuf;
    c.eip = eip + 2;
    return b[i] | (b[i + 1] << 8);
  }
  const lo = fetch8(c);
  return lo | (fetch8(c) << 8);
}

export function fetch32(c: Cpu): number {
  const eip = c.eip;
  if ((eip + 3 - c.fetchMin) >>> 0 <= c.fetchSpan && eip >= c.fetchMin) {
    const i = eip + c.fetchDelta;
    const b = c.fetchBuf;
    c.eip = eip + 4;
    return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
  }
  const lo = fetch8(c);
  const b1 = fetch8(c);
  const b2 = fetch8(c);
  return (lo | (b1 << 8) | (b2 << 16) | (fetch8(c) << 24)) >>> 0;
}

/** Immediate of the operand size: 16 or 32 bits. */
export function fetchImmOp(c: Cpu): number {
  return c.o32 ? fetch32(c) : fetch16(c);
}

/** Sign-extended 8-bit immediate/displacement. */
export function fetchS8(c: Cpu): number {
  return (fetch8(c) << 24) >> 24;
}

/**
 * Reads ModRM (and SIB/displacement), filling c.reg, c.rm, c.isReg and for memory operands
 * c.eaSeg/c.eaOff (offset already wrapped to the address size).
 */
export function decodeModRM(c: Cpu): void {
  const m = fetch8(c);
  c.modrm = m;
  c.reg = (m >> 3) & 7;
  c.rm = m & 7;
  const mod = m >> 6;
  if (mod === 3) {
    c.isReg = true;
    return;
  }
  c.isReg = false;
  c.eaEspBase = false;
  if (!c.a32) decode16(c, mod, m & 7);
  else decode32(c, mod, m & 7);
}

function decode16(c: Cpu, mod: number, rm: number): void {
  const r = c.r16;
  let off: number;
  let seg: number = Seg.DS;
  switch (rm) {
    case 0: off = r[Reg.EBX << 1] + r[Reg.ESI << 1]; break;
    case 1: off = r[Reg.EBX << 1] + r[Reg.EDI << 1]; break;
    case 2: off = r[Reg.EBP << 1] + r[Reg.ESI << 1]; seg = Seg.SS; break;
    case 3: off = r[Reg.EBP << 1] + r[Reg.EDI << 1]; seg = Seg.SS; break;
    case 4: off = r[Reg.ESI << 1]; break;
    case 5: off = r[Reg.EDI << 1]; break;
    case 6:
      if (mod === 0) {
        off = fetch16(c);
      } else {
        off = r[Reg.EBP << 1];
        seg = Seg.SS;
      }
      break;
    default: off = r[Reg.EBX << 1]; break;
  }
  if (mod === 1) off += fetchS8(c);
  else if (mod === 2) off += fetch16(c);
  c.eaOff = off & 0xffff;
  c.eaSeg = c.segOvr >= 0 ? c.segOvr : seg;
}

function decode32(c: Cpu, mod: number, rm: number): void {
  const r = c.regs;
  let off: number;
  let seg: number = Seg.DS;
  if (rm === 4) {
    const sib = fetch8(c);
    const base = sib & 7;
    const index = (sib >> 3) & 7;
    if (base === 5 && mod === 0) {
      off = fetch32(c);
    } else {
      off = r[base];
      if (base === Reg.ESP || base === Reg.EBP) seg = Seg.SS;
      if (base === Reg.ESP) c.eaEspBase = true;
    }
    if (index !== 4) off += r[index] << (sib >> 6);
  } else if (rm === 5 && mod === 0) {
    off = fetch32(c);
  } else {
    off = r[rm];
    if (rm === Reg.EBP) seg = Seg.SS;
  }
  if (mod === 1) off += fetchS8(c);
  else if (mod === 2) off += fetch32(c) | 0;
  c.eaOff = off >>> 0;
  c.eaSeg = c.segOvr >= 0 ? c.segOvr : seg;
}
