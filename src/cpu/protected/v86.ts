// Virtual-8086 mode: entry by IRET from CPL 0, IRET inside V86 (IOPL 3 only), and interrupts
// or exceptions out of V86 to a ring-0 handler (SDM Vol. 3A §20.2-20.3, Vol. 2A IRET
// "RETURN-TO-VIRTUAL-8086-MODE"). The IOPL-sensitive CLI/STI/PUSHF/POPF/INT n checks live with
// those instructions. TODO(issue 8): VME (virtual interrupt flags, redirection bitmap).
import type { Cpu } from '../cpu.js';
import { Attr, Flag, Reg, Seg, Vec } from '../state.js';
import { getFlags } from '../flags.js';
import { stackRead16, stackRead32, setSp } from '../mmu.js';
import { raise } from '../interrupts.js';
import { refreshSegAccess } from '../segments.js';
import { debugFlagsChanged } from '../debug.js';

const V86_ATTR = Attr.P | Attr.S | Attr.RW | Attr.ACCESSED | (3 << Attr.DPL_SHIFT);

/** A V86 segment: base = selector * 16, 64 KiB, DPL 3 (SDM Vol. 3A §20.1.1). */
function v86Segment(c: Cpu, seg: number, sel: number): void {
  c.segSel[seg] = sel & 0xffff;
  c.segBase[seg] = (sel & 0xffff) << 4;
  c.segLimit[seg] = 0xffff;
  c.segAttr[seg] = V86_ATTR | (seg === Seg.CS ? Attr.CODE : 0);
  refreshSegAccess(c, seg);
}

/**
 * IRETD at CPL 0 with VM set in the popped EFLAGS: pops EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS
 * (dwords) and continues in V86 mode at CPL 3.
 */
export function iretToV86(c: Cpu): void {
  const eip = stackRead32(c, 0);
  const cs = stackRead32(c, 4);
  const fl = stackRead32(c, 8);
  const esp = stackRead32(c, 12);
  const ss = stackRead32(c, 16);
  const es = stackRead32(c, 20);
  const ds = stackRead32(c, 24);
  const fs = stackRead32(c, 28);
  const gs = stackRead32(c, 32);
  c.eflags = ((fl & 0x257fd5) | Flag.FIXED1 | Flag.VM) >>> 0;
  c.fLazy = 0;
  c.cpl = 3;
  v86Segment(c, Seg.CS, cs);
  v86Segment(c, Seg.SS, ss);
  v86Segment(c, Seg.ES, es);
  v86Segment(c, Seg.DS, ds);
  v86Segment(c, Seg.FS, fs);
  v86Segment(c, Seg.GS, gs);
  c.updateSizes();
  c.flushFetch();
  c.regs[Reg.ESP] = esp;
  c.eip = eip & 0xffff;
}

/** IRET inside V86 mode: real-mode style with IOPL = 3, #GP(0) otherwise; IOPL itself is kept. */
export function iretInV86(c: Cpu): void {
  if ((c.eflags & Flag.IOPL) !== Flag.IOPL) raise(c, Vec.GP, 0);
  let ip: number;
  let cs: number;
  let fl: number;
  let mask: number;
  if (c.o32) {
    ip = stackRead32(c, 0);
    cs = stackRead32(c, 4) & 0xffff;
    fl = stackRead32(c, 8);
    if (ip > 0xffff) raise(c, Vec.GP, 0);
    setSp(c, ((c.regs[Reg.ESP] + 12) & 0xffff) >>> 0);
    mask = 0x257fd5 & ~(Flag.IOPL | Flag.VM | Flag.VIP | Flag.VIF);
  } else {
    ip = stackRead16(c, 0);
    cs = stackRead16(c, 2);
    fl = stackRead16(c, 4);
    setSp(c, ((c.regs[Reg.ESP] + 6) & 0xffff) >>> 0);
    mask = 0xffff & ~Flag.IOPL;
  }
  v86Segment(c, Seg.CS, cs);
  c.flushFetch();
  c.eip = ip;
  const old = getFlags(c);
  c.eflags = ((old & ~mask) | (fl & mask) | Flag.FIXED1) >>> 0;
  c.fLazy = 0;
  debugFlagsChanged(c);
}

/** After entering ring 0 from V86: DS, ES, FS, GS hold null selectors (SDM Vol. 3A §20.3.1.1). */
export function nullDataSegmentsAfterV86(c: Cpu): void {
  for (const seg of [Seg.GS, Seg.FS, Seg.DS, Seg.ES]) {
    c.segSel[seg] = 0;
    c.segBase[seg] = 0;
    c.segLimit[seg] = 0;
    c.segAttr[seg] = 0;
    refreshSegAccess(c, seg);
  }
}
