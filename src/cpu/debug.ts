// Debug registers and alignment checking: DR0-DR3 breakpoints enabled by DR7 (instruction
// breakpoints as faults before the instruction, data and I/O breakpoints as traps after it),
// DR6 status, EFLAGS.RF, DR7.GD general detect, the TSS T bit (SDM Vol. 3A §17.2-17.3), and
// #AC for misaligned data accesses at CPL 3 with CR0.AM and EFLAGS.AC (§6.15 "Interrupt 17").
//
// Cost when unused: nothing on the hot path. Cpu.slowChecks is true only while a breakpoint is
// armed, alignment checking is active, RF is set or a debug trap is pending; then the run loop
// calls debugBeforeInstruction/debugAfterInstruction, and every segment's lower bound
// (c.segMin) is replaced by +Infinity so the limit test in mmu.ts rd*/wr* sends each data
// access to the slow functions below (the true bound is kept in DebugState.segMin).
import type { Cpu } from './cpu.js';
import { Cr0, Flag, Reg, Seg, Vec } from './state.js';
import { deliver, raise, segFault } from './interrupts.js';
import { linRead8, linRead16, linRead32, linWrite8, linWrite16, linWrite32 } from './mmu.js';

/** DR6 bits (SDM Vol. 3A §17.2.3, Figure 17-1). */
export const DR6_BD = 1 << 13;
export const DR6_BS = 1 << 14;
export const DR6_BT = 1 << 15;
/** DR6 bits 4-11 and 16-31 read as 1 on a P6; bit 12 reads as 0. */
export const DR6_FIXED = 0xffff0ff0;
/** DR7: GD (bit 13); bit 10 reads as 1; bits 11, 12, 14, 15 are reserved (read 0). */
export const DR7_GD = 1 << 13;
const DR7_FIXED = 0x400;
const DR7_RESERVED = 0xd800;
/** DR7 L0-L3: cleared on every task switch (§17.2.4; LE is not supported on P6 and kept). */
const DR7_LOCAL = 0x55;
const CR4_DE = 1 << 3;

/** R/Wn encodings (§17.2.4). */
const RW_EXEC = 0;
const RW_WRITE = 1;
const RW_IO = 2;
/** LENn → bytes: 00 1, 01 2, 10 8 (undefined on P6; 8 as on later processors), 11 4. */
const LEN_BYTES = [1, 2, 8, 4];

/** Per-CPU state of the debug unit (no module-level state: many CPUs per process). */
export class DebugState {
  /** True segment lower bounds while c.segMin holds +Infinity (slowChecks). */
  readonly segMin = new Float64Array(8);
  /** Enabled breakpoints (bit n: DRn has L or G set and a usable R/W type). */
  armed = 0;
  /** Enabled instruction breakpoints (subset of armed). */
  armedExec = 0;
  /** Alignment checking: CR0.AM, EFLAGS.AC and CPL 3 (c.user). */
  ac = false;
  /** DR6 B0-B3 and BT matched by the current instruction: delivered as one #DB trap after it. */
  hits = 0;
  /** Hits held over the MOV SS/POP SS shadow, reported after the next instruction (§6.8.3). */
  held = 0;
  /** The current REP string instruction stopped before its last iteration (RF=1 in its trap). */
  repUnfinished = false;
  /** The current instruction checked its operand's alignment itself (multi-part operands). */
  acDone = false;

  reset(): void {
    this.armed = 0;
    this.armedExec = 0;
    this.ac = false;
    this.hits = 0;
    this.held = 0;
    this.repUnfinished = false;
    this.acDone = false;
  }
}

/** Recomputes what the debug unit watches and Cpu.slowChecks (MOV DR7/CR0/CR4, EFLAGS.AC/RF, CPL). */
export function updateSlowChecks(c: Cpu): void {
  const d = c.dbg;
  const dr7 = c.dr[7];
  let armed = 0;
  let exec = 0;
  for (let i = 0; i < 4; i++) {
    if (((dr7 >>> (i * 2)) & 3) === 0) continue;
    const rw = (dr7 >>> (16 + i * 4)) & 3;
    // R/W = 10 means I/O only with CR4.DE; without it the encoding is undefined (ignored).
    if (rw === RW_IO && (c.cr[4] & CR4_DE) === 0) continue;
    armed |= 1 << i;
    if (rw === RW_EXEC) exec |= 1 << i;
  }
  d.armed = armed;
  d.armedExec = exec;
  d.ac = (c.cr[0] & Cr0.AM) !== 0 && (c.eflags & Flag.AC) !== 0 && c.user;
  setSlow(c, armed !== 0 || d.ac || (c.eflags & Flag.RF) !== 0 || d.hits !== 0 || d.held !== 0);
}

/** After a write of EFLAGS or a CPL/mode change: recompute only when AC/RF or the slow path are involved. */
export function debugFlagsChanged(c: Cpu): void {
  if (c.slowChecks || (c.eflags & (Flag.AC | Flag.RF)) !== 0) updateSlowChecks(c);
}

function setSlow(c: Cpu, slow: boolean): void {
  if (slow === c.slowChecks) return;
  c.slowChecks = slow;
  const min = c.dbg.segMin;
  for (let s = 0; s < 8; s++) {
    if (slow) {
      min[s] = c.segMin[s];
      c.segMin[s] = Infinity;
    } else {
      c.segMin[s] = min[s];
    }
  }
}

/** segments.ts refreshSegAccess computed a new lower bound: keep the slow path while it is on. */
export function debugSegmentRefreshed(c: Cpu, seg: number): void {
  c.dbg.segMin[seg] = c.segMin[seg];
  c.segMin[seg] = Infinity;
}

// ---- instruction boundaries ----

/**
 * Before an instruction (slowChecks only; after external interrupts are taken): a trap left
 * pending at this boundary (the T bit of a task entered through a gate) is delivered; then, if
 * RF is clear, an enabled instruction breakpoint at CS.base + EIP raises #DB as a fault (§17.3.1.1).
 * RF is cleared at the start of every instruction after that check.
 */
export function debugBeforeInstruction(c: Cpu): void {
  const d = c.dbg;
  d.acDone = false;
  d.repUnfinished = false;
  if (d.hits !== 0) {
    // Only a task switch's BT is reported here; breakpoint hits of the stack pushes of the
    // event delivered at this boundary are not (a #DB frame would re-trigger forever).
    const bits = d.hits & DR6_BT;
    d.hits = 0;
    if (bits !== 0) deliverDebugTrap(c, bits);
  }
  if ((c.eflags & Flag.RF) !== 0) {
    c.eflags &= ~Flag.RF;
  } else if (d.armedExec !== 0) {
    const lin = (c.segBase[Seg.CS] + c.eip) | 0;
    let m = 0;
    for (let i = 0; i < 4; i++) if ((d.armedExec & (1 << i)) !== 0 && (c.dr[i] | 0) === lin) m |= 1 << i;
    if (m !== 0) {
      c.dr[6] = ((c.dr[6] & ~0xf) | m) >>> 0;
      c.dr[7] &= ~DR7_GD;
      c.instStart = c.eip;
      c.startEsp = c.regs[Reg.ESP] | 0;
      raise(c, Vec.DB); // a fault: the pushed RF is the current one, 0 (interrupts.ts deliverFault)
    }
  }
  // AC or RF may have gone away without a hook (exception delivery clears RF).
  d.ac = (c.cr[0] & Cr0.AM) !== 0 && (c.eflags & Flag.AC) !== 0 && c.user;
  if (d.armed === 0 && !d.ac && d.hits === 0 && d.held === 0) setSlow(c, false);
}

/**
 * After an instruction completed (slowChecks only): data/I/O breakpoint hits and the single-step
 * trap (`tf`: TF was set when the instruction began) are reported together by one #DB trap
 * (§17.3.1.2-17.3.1.4); after MOV SS/POP SS they wait for the next instruction (§6.8.3).
 */
export function debugAfterInstruction(c: Cpu, tf: number): void {
  const d = c.dbg;
  let bits: number;
  if (c.inhibit) {
    // Breakpoint hits wait for the next instruction; a task switch's BT (the SS load of the new
    // task also sets the shadow) does not.
    d.held |= d.hits & 0xf;
    bits = d.hits & DR6_BT;
    d.hits = 0;
  } else {
    bits = d.hits | d.held;
    d.hits = 0;
    d.held = 0;
    if (tf !== 0) bits |= DR6_BS;
  }
  if (bits === 0) return;
  if (d.repUnfinished) c.eflags |= Flag.RF; // §17.3.1.1: a trap inside a REP string pushes RF=1
  deliverDebugTrap(c, bits);
  updateSlowChecks(c);
}

/** Sets DR6 and delivers #DB as a trap at the current EIP. B0-B3 are replaced, BS/BT/BD accumulate. */
function deliverDebugTrap(c: Cpu, bits: number): void {
  let dr6 = c.dr[6];
  if ((bits & 0xf) !== 0) dr6 = (dr6 & ~0xf) | (bits & 0xf);
  c.dr[6] = (dr6 | (bits & (DR6_BS | DR6_BT | DR6_BD))) >>> 0;
  c.dr[7] &= ~DR7_GD; // the handler may use the debug registers (§17.2.4)
  c.instStart = c.eip;
  c.startEsp = c.regs[Reg.ESP] | 0;
  deliver(c, Vec.DB, -1, c.eip);
  c.dbg.hits &= DR6_BT; // the #DB frame's own pushes are not breakpoint hits
}

/** A fault unwinds the instruction: its breakpoint hits are dropped (it will run again). */
export function debugFaultTaken(c: Cpu): void {
  c.dbg.hits = 0;
  c.dbg.repUnfinished = false;
}

// ---- data accesses (mmu.ts rd*/wr* send them here while slowChecks is set) ----

/** Alignment check and data breakpoints for an access of `size` bytes at linear `lin`. */
function checkAccess(c: Cpu, lin: number, size: number, write: boolean): void {
  const d = c.dbg;
  if (d.ac && size > 1 && (lin & (size - 1)) !== 0 && !d.acDone && c.user) raise(c, Vec.AC, 0);
  if (d.armed !== 0) dataBreakpoints(c, lin, size, write);
}

/** Marks DR6 Bn for every enabled data breakpoint whose range overlaps the access (§17.2.5). */
function dataBreakpoints(c: Cpu, lin: number, size: number, write: boolean): void {
  const d = c.dbg;
  const dr7 = c.dr[7];
  for (let i = 0; i < 4; i++) {
    if ((d.armed & (1 << i)) === 0) continue;
    const rw = (dr7 >>> (16 + i * 4)) & 3;
    if (rw === RW_EXEC || rw === RW_IO || (rw === RW_WRITE && !write)) continue;
    const len = LEN_BYTES[(dr7 >>> (18 + i * 4)) & 3];
    const base = c.dr[i] & ~(len - 1); // the low address bits are ignored (§17.2.5)
    if (((base - lin) >>> 0) < size || ((lin - base) >>> 0) < len) d.hits |= 1 << i;
  }
}

/** I/O breakpoints (R/W = 10 with CR4.DE): IN/OUT/INS/OUTS touching the port range (§17.2.4). */
export function ioBreakpoints(c: Cpu, port: number, size: number): void {
  const d = c.dbg;
  if (d.armed === 0) return;
  const dr7 = c.dr[7];
  for (let i = 0; i < 4; i++) {
    if ((d.armed & (1 << i)) === 0 || ((dr7 >>> (16 + i * 4)) & 3) !== RW_IO) continue;
    const len = LEN_BYTES[(dr7 >>> (18 + i * 4)) & 3];
    const base = c.dr[i] & 0xffff & ~(len - 1);
    if (((base - port) >>> 0) < size || ((port - base) >>> 0) < len) d.hits |= 1 << i;
  }
}

function boundsFault(c: Cpu, seg: number, off: number, size: number, max: number): void {
  if (!c.slowChecks || off < c.dbg.segMin[seg] || off + size - 1 > max) segFault(c, seg);
}

/** rd8/16/32 off the fast path: the segment check (true bounds), then #AC and breakpoints. */
export function slowRead(c: Cpu, seg: number, off: number, size: number): number {
  boundsFault(c, seg, off, size, c.segRMax[seg]);
  const lin = (c.segBase[seg] + off) | 0;
  checkAccess(c, lin, size, false);
  return size === 1 ? linRead8(c, lin) : size === 2 ? linRead16(c, lin) : linRead32(c, lin);
}

export function slowWrite(c: Cpu, seg: number, off: number, size: number, v: number): void {
  boundsFault(c, seg, off, size, c.segWMax[seg]);
  const lin = (c.segBase[seg] + off) | 0;
  checkAccess(c, lin, size, true);
  if (size === 1) linWrite8(c, lin, v);
  else if (size === 2) linWrite16(c, lin, v);
  else linWrite32(c, lin, v);
}

/** checkRead/checkWrite off the fast path: only the segment check (no access is made). */
export function slowCheck(c: Cpu, seg: number, off: number, len: number, write: boolean): void {
  boundsFault(c, seg, off, len, write ? c.segWMax[seg] : c.segRMax[seg]);
}

/**
 * An operand made of several accesses whose alignment rule is not that of its parts (SDM Vol. 3A
 * §6.15, Table 6-7: m64/m80 x87 operands and CMPXCHG8B's m64 at 8, SGDT/SIDT at 4, FSAVE/FSTENV
 * areas at 4 or 2): checked once here; the parts are then not checked (slowChecks only).
 */
export function alignOperand(c: Cpu, seg: number, off: number, align: number): void {
  const d = c.dbg;
  if (d.ac && c.user && ((c.segBase[seg] + off) & (align - 1)) !== 0) raise(c, Vec.AC, 0);
  d.acDone = true;
}

/** Alignment of x87 memory operands by opcode D8-DF and ModRM reg (Table 6-7); o32 doubles env/state areas. */
const X87_ALIGN: readonly number[][] = [
  [4, 4, 4, 4, 4, 4, 4, 4], // D8 m32fp
  [4, 1, 4, 4, 2, 2, 2, 2], // D9 FLD/FST/FSTP m32, FLDENV, FLDCW, FSTENV, FSTCW
  [4, 4, 4, 4, 4, 4, 4, 4], // DA m32int
  [4, 1, 4, 4, 1, 8, 1, 8], // DB m32int, FLD/FSTP m80
  [8, 8, 8, 8, 8, 8, 8, 8], // DC m64fp
  [8, 1, 8, 8, 2, 1, 2, 2], // DD m64fp, FRSTOR, FSAVE, FSTSW
  [2, 2, 2, 2, 2, 2, 2, 2], // DE m16int
  [2, 1, 2, 2, 8, 8, 8, 8], // DF m16int, FBLD/FBSTP m80 (as extended real), FILD/FISTP m64
];

/** x87 memory operand alignment (ops/x87-bridge.ts, slowChecks only). */
export function alignX87(c: Cpu, opcode: number, reg: number, seg: number, off: number): void {
  let a = X87_ALIGN[opcode - 0xd8][reg];
  // FLDENV/FSTENV/FRSTOR/FSAVE: 4 with a 32-bit operand size, 2 with 16 (Table 6-7).
  if (c.o32 && ((opcode === 0xd9 && (reg === 4 || reg === 6)) || (opcode === 0xdd && (reg === 4 || reg === 6)))) a = 4;
  alignOperand(c, seg, off, a);
}

// ---- MOV DR, task switches ----

/**
 * MOV to or from DRn (after the CPL and DR4/DR5 checks of ops/system.ts): with DR7.GD set, a
 * #DB fault with DR6.BD instead, GD cleared so the handler can use the registers (§17.2.4).
 */
export function generalDetect(c: Cpu): void {
  if ((c.dr[7] & DR7_GD) === 0) return;
  c.dr[6] = (c.dr[6] | DR6_BD) >>> 0;
  c.dr[7] &= ~DR7_GD;
  // A fault-class #DB other than an instruction breakpoint pushes RF=1 (§17.3.1.1).
  c.eflags |= Flag.RF;
  raise(c, Vec.DB);
}

/** MOV DRn, r32: fixed and reserved bits of DR6/DR7 (Figure 17-1); DR7 re-arms the unit. */
export function writeDr(c: Cpu, n: number, v: number): void {
  if (n === 6) {
    c.dr[6] = ((v | DR6_FIXED) & ~0x1000) >>> 0;
  } else if (n === 7) {
    c.dr[7] = ((v & ~DR7_RESERVED) | DR7_FIXED) >>> 0;
    updateSlowChecks(c);
  } else {
    c.dr[n] = v;
  }
}

/**
 * After a task switch loaded the new task (protected/task.ts): DR7's local enables are cleared
 * (§17.2.4), and a 32-bit TSS with its T bit (offset 64h bit 0) set raises a #DB trap with
 * DR6.BT before the task's first instruction (§7.2.1, §17.3.1.5).
 */
export function debugTaskSwitch(c: Cpu, tBit: boolean): void {
  if ((c.dr[7] & DR7_LOCAL) !== 0) c.dr[7] &= ~DR7_LOCAL;
  if (tBit) c.dbg.hits |= DR6_BT;
  updateSlowChecks(c);
}
