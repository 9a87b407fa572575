// x87 environment and state images: FSTENV/FLDENV and FSAVE/FRSTOR in the four formats of
// Intel SDM vol.1 §8.1.10 (figures 8-9 to 8-12: 32-bit protected, 32-bit real, 16-bit
// protected, 16-bit real), and the x87 part of the FXSAVE/FXRSTOR image (SDM vol.2 FXSAVE,
// table 3-53). Reserved high halves of 32-bit fields are stored as ones, as P6 processors do.
// Loads read the whole image before changing any state, so a faulting read leaves the unit intact.
import { F80 } from './softfloat-types.js';
import type { X87 } from './x87.js';
import type { X87Memory } from './x87-defs.js';
import { readF80, writeF80 } from './x87-mem.js';

const SW_ES = 0x80;

/** Bytes of the environment image. */
export function envSize(is32: boolean): number {
  return is32 ? 28 : 14;
}

export function fstenv(f: X87, mem: X87Memory, a: number, is32: boolean, realMode: boolean): void {
  const cw = f.cw;
  const sw = f.statusWord;
  const tw = f.tagWord();
  const fop = f.fop & 0x7ff;
  if (is32) {
    mem.write32(a, 0xffff0000 | cw);
    mem.write32(a + 4, 0xffff0000 | sw);
    mem.write32(a + 8, 0xffff0000 | tw);
    if (realMode) {
      const ip = (f.fcs * 16 + f.fip) >>> 0;
      const dp = (f.fds * 16 + f.fdp) >>> 0;
      mem.write32(a + 12, 0xffff0000 | (ip & 0xffff));
      mem.write32(a + 16, ((ip >>> 16) << 12) | fop);
      mem.write32(a + 20, 0xffff0000 | (dp & 0xffff));
      mem.write32(a + 24, (dp >>> 16) << 12);
    } else {
      mem.write32(a + 12, f.fip);
      mem.write32(a + 16, (fop << 16) | (f.fcs & 0xffff));
      mem.write32(a + 20, f.fdp);
      mem.write32(a + 24, 0xffff0000 | (f.fds & 0xffff));
    }
  } else {
    mem.write16(a, cw);
    mem.write16(a + 2, sw);
    mem.write16(a + 4, tw);
    if (realMode) {
      const ip = (f.fcs * 16 + f.fip) >>> 0;
      const dp = (f.fds * 16 + f.fdp) >>> 0;
      mem.write16(a + 6, ip & 0xffff);
      mem.write16(a + 8, (((ip >>> 16) & 0xf) << 12) | fop);
      mem.write16(a + 10, dp & 0xffff);
      mem.write16(a + 12, ((dp >>> 16) & 0xf) << 12);
    } else {
      mem.write16(a + 6, f.fip & 0xffff);
      mem.write16(a + 8, f.fcs & 0xffff);
      mem.write16(a + 10, f.fdp & 0xffff);
      mem.write16(a + 12, f.fds & 0xffff);
    }
  }
}

interface EnvImage {
  cw: number;
  sw: number;
  tw: number;
  fip: number;
  fcs: number;
  fdp: number;
  fds: number;
  fop: number;
}

function readEnv(mem: X87Memory, a: number, is32: boolean, realMode: boolean): EnvImage {
  if (is32) {
    const w = [0, 4, 8, 12, 16, 20, 24].map((o) => mem.read32(a + o) >>> 0);
    if (realMode) {
      return {
        cw: w[0] & 0xffff,
        sw: w[1] & 0xffff,
        tw: w[2] & 0xffff,
        fip: ((w[3] & 0xffff) | ((w[4] >>> 12) << 16)) >>> 0,
        fcs: 0,
        fop: w[4] & 0x7ff,
        fdp: ((w[5] & 0xffff) | ((w[6] >>> 12) << 16)) >>> 0,
        fds: 0,
      };
    }
    return {
      cw: w[0] & 0xffff,
      sw: w[1] & 0xffff,
      tw: w[2] & 0xffff,
      fip: w[3],
      fcs: w[4] & 0xffff,
      fop: (w[4] >>> 16) & 0x7ff,
      fdp: w[5],
      fds: w[6] & 0xffff,
    };
  }
  const h = [0, 2, 4, 6, 8, 10, 12].map((o) => mem.read16(a + o) & 0xffff);
  if (realMode) {
    return {
      cw: h[0],
      sw: h[1],
      tw: h[2],
      fip: h[3] | ((h[4] >>> 12) << 16),
      fcs: 0,
      fop: h[4] & 0x7ff,
      fdp: h[5] | ((h[6] >>> 12) << 16),
      fds: 0,
    };
  }
  // The 16-bit protected-mode image has no opcode field.
  return { cw: h[0], sw: h[1], tw: h[2], fip: h[3], fcs: h[4], fop: 0, fdp: h[5], fds: h[6] };
}

function applyEnv(f: X87, e: EnvImage): void {
  f.cw = (e.cw & 0x1f7f) | 0x40;
  f.statusWord = e.sw;
  // ES (and B) follow the loaded flags and masks: an unmasked pending exception stays pending.
  if (f.sw & ~f.cw & 0x3f) f.sw |= SW_ES;
  else f.sw &= ~SW_ES;
  f.setTagWord(e.tw);
  f.fip = e.fip;
  f.fcs = e.fcs;
  f.fdp = e.fdp;
  f.fds = e.fds;
  f.fop = e.fop;
}

export function fldenv(f: X87, mem: X87Memory, a: number, is32: boolean, realMode: boolean): void {
  applyEnv(f, readEnv(mem, a, is32, realMode));
}

/** FSAVE image: environment, then ST(0)..ST(7) as 10-byte values. The caller then reinitialises. */
export function fsave(f: X87, mem: X87Memory, a: number, is32: boolean, realMode: boolean): void {
  fstenv(f, mem, a, is32, realMode);
  const base = a + envSize(is32);
  for (let i = 0; i < 8; i++) writeF80(mem, base + 10 * i, f.st(i));
}

export function frstor(f: X87, mem: X87Memory, a: number, is32: boolean, realMode: boolean): void {
  const env = readEnv(mem, a, is32, realMode);
  const base = a + envSize(is32);
  const regs: F80[] = [];
  for (let i = 0; i < 8; i++) regs.push(readF80(mem, base + 10 * i));
  applyEnv(f, env);
  const empty = f.empty.slice();
  for (let i = 0; i < 8; i++) {
    const p = f.phys(i);
    f.se[p] = regs[i].se;
    f.sig[p] = regs[i].sig;
  }
  f.empty.set(empty); // setSt-free writes: the tag word decides emptiness
}

/**
 * x87 part of the 512-byte FXSAVE image (bytes 0–23 and the eight 16-byte register slots at
 * 32–159); MXCSR and the XMM registers belong to the CPU's SSE state.
 */
export function fxsaveX87(f: X87, mem: X87Memory, a: number): void {
  let abridged = 0;
  for (let i = 0; i < 8; i++) if (!f.empty[i]) abridged |= 1 << i;
  mem.write16(a, f.cw);
  mem.write16(a + 2, f.statusWord);
  mem.write8(a + 4, abridged);
  mem.write8(a + 5, 0);
  mem.write16(a + 6, f.fop & 0x7ff);
  mem.write32(a + 8, f.fip);
  mem.write16(a + 12, f.fcs & 0xffff);
  mem.write16(a + 14, 0);
  mem.write32(a + 16, f.fdp);
  mem.write16(a + 20, f.fds & 0xffff);
  mem.write16(a + 22, 0);
  for (let i = 0; i < 8; i++) {
    const slot = a + 32 + 16 * i;
    writeF80(mem, slot, f.st(i));
    mem.write16(slot + 10, 0);
    mem.write32(slot + 12, 0);
  }
}

export function fxrstorX87(f: X87, mem: X87Memory, a: number): void {
  const cw = mem.read16(a);
  const sw = mem.read16(a + 2);
  const abridged = mem.read8(a + 4);
  const fop = mem.read16(a + 6) & 0x7ff;
  const fip = mem.read32(a + 8) >>> 0;
  const fcs = mem.read16(a + 12);
  const fdp = mem.read32(a + 16) >>> 0;
  const fds = mem.read16(a + 20);
  const regs: F80[] = [];
  for (let i = 0; i < 8; i++) regs.push(readF80(mem, a + 32 + 16 * i));
  let tw = 0;
  for (let i = 0; i < 8; i++) if (!(abridged & (1 << i))) tw |= 3 << (2 * i);
  applyEnv(f, { cw, sw, tw, fip, fcs, fdp, fds, fop });
  f.fop = fop;
  for (let i = 0; i < 8; i++) {
    const p = f.phys(i);
    f.se[p] = regs[i].se;
    f.sig[p] = regs[i].sig;
  }
}
