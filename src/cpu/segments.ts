// Segment register loads. Every write of a segment register goes through loadSegment(), which
// picks the real-mode/V86 path (base = selector << 4) or the protected-mode descriptor load
// (TODO(issue 8): descriptor checks in a separate file, called from here).
import type { Cpu } from './cpu.js';
import { Attr, Flag, Seg, SegAccess } from './state.js';
import { loadSegmentProtected } from './protected/descriptors.js';
import { debugSegmentRefreshed } from './debug.js';

/** Loads segment register `seg` with `sel` the way the current mode requires. */
export function loadSegment(c: Cpu, seg: number, sel: number): void {
  sel &= 0xffff;
  if (!c.protectedMode || (c.eflags & Flag.VM) !== 0) {
    setSegmentRealMode(c, seg, sel);
    if ((c.eflags & Flag.VM) !== 0) {
      // V86: every segment is a 64 KiB read/write segment at DPL 3 (SDM Vol. 3A §20.1.1).
      c.segLimit[seg] = 0xffff;
      c.segAttr[seg] = Attr.P | Attr.S | Attr.RW | Attr.ACCESSED | (3 << Attr.DPL_SHIFT) | (seg === Seg.CS ? Attr.CODE : 0);
      refreshSegAccess(c, seg);
    }
    if (seg === Seg.SS) c.inhibit = true; // MOV SS/POP SS shadow (SDM Vol. 3A §6.8.3)
    return;
  }
  loadSegmentProtected(c, seg, sel);
}

/**
 * Real-address mode: base = selector * 16; the limit and attributes in the cache are left as
 * they are (SDM Vol. 3A §20.1.1; this is what lets "unreal mode" keep 4 GiB limits).
 */
export function setSegmentRealMode(c: Cpu, seg: number, sel: number): void {
  c.segSel[seg] = sel;
  c.segBase[seg] = sel << 4;
  if (seg === Seg.CS) c.flushFetch();
}

/**
 * Derives the per-access offset bounds from the cached limit and attributes: reads are allowed
 * at [segMin, segRMax], writes at [segMin, segWMax]; -1 forbids the access (the fault path then
 * tells #GP from #SS). Expand-down data segments span (limit, 0xFFFF or 0xFFFFFFFF]
 * (SDM Vol. 3A §5.3).
 */
export function refreshSegAccess(c: Cpu, seg: number): void {
  const attr = c.segAttr[seg];
  const limit = c.segLimit[seg];
  let min = 0;
  let max = limit;
  if ((attr & (Attr.S | Attr.CODE | Attr.DC)) === (Attr.S | Attr.DC)) {
    min = limit + 1;
    max = (attr & Attr.DB) !== 0 ? 0xffffffff : 0xffff;
  }
  let access = 0;
  if ((attr & Attr.P) !== 0 && (attr & Attr.S) !== 0) {
    if ((attr & Attr.CODE) !== 0) access = (attr & Attr.RW) !== 0 ? SegAccess.READ : 0;
    else access = SegAccess.READ | ((attr & Attr.RW) !== 0 ? SegAccess.WRITE : 0);
  }
  // Real mode and V86 ignore the type: every segment can be read and written.
  if (!c.protectedMode || (c.eflags & Flag.VM) !== 0) access = SegAccess.READ | SegAccess.WRITE;
  // A null selector loaded in protected mode has attributes 0 (not present): no access. The
  // caches of real mode stay usable after entering protected mode until reloaded.
  c.segMin[seg] = min;
  c.segRMax[seg] = (access & SegAccess.READ) !== 0 ? max : -1;
  c.segWMax[seg] = (access & SegAccess.WRITE) !== 0 ? max : -1;
  if (c.slowChecks) debugSegmentRefreshed(c, seg);
}
