// The WebAssembly emitter's state and building blocks for emit-wasm.ts and wasm-insn.ts: the
// module's locals, encoding helpers, exits (to the run loop or a member block), registers, the
// RAM fast path with its bail-outs, and the lazy flags as locals (flags.ts, the same fields).
import { ARITH_FLAGS, Flag, Seg } from '../state.js';
import { Tlb, tlbNeed } from '../paging.js';
import type { Insn } from './decode.js';
import { Producer } from './emit-inline.js';
import { Bytes, W, VOID, sleb, uleb } from './wasm-asm.js';
import type { HotSpec } from './emit.js';

/** Absolute byte offsets in the WebAssembly memory. */
export interface WasmLayout {
  regs: number;
  /** Int32 words: fOp fDst fSrc fRes fBits fLazy eflags, exit EIP, exit kind, segment bases (ExchangeWord). */
  exchange: number;
  tlbFast: number;
  pageKind: number;
  codePages: number;
  dirtyPages: number;
}

export const enum ExchangeWord {
  F_OP = 0, F_DST = 1, F_SRC = 2, F_RES = 3, F_BITS = 4, F_LAZY = 5, EFLAGS = 6, EIP = 7, KIND = 8,
  /** Segment bases (ES..GS) of the segments in WasmCode.basedUsed, written at entry. */
  SEG_BASE = 9,
  /** Instructions the dispatcher's earlier calls retired since the entry (written before each call): RDTSC counts from it. */
  RETIRED = 15,
  /**
   * 1 when the interrupt controller has an interrupt pending: written at the entry from
   * JavaScript and after each instruction the interpreter runs for the dispatcher
   * (interpretCall). Nothing else run in between changes it: devices raise interrupts only
   * between the CPU's slices or in instructions the interpreter runs, and the dispatcher stops
   * after one that left an interrupt pending with IF set. STI reads it.
   */
  PENDING = 16,
}

/** What a module needs from the CPU at entry beyond its segments (WasmCode.needs, a bit set). */
export const enum Need {
  /** It computes RDTSC: the TscWord values must be written. */
  TSC = 1,
  /** It runs CLI or RDTSC as CPL 0 may: CPL must be 0 (user is false at CPL 1 and 2 as well). */
  CPL0 = 2,
}

/** Float64 words after the int32 exchange words (byte offset TSC_WORDS from the exchange). */
export const enum TscWord {
  /** tsc.ts tscLine: ticks = floor(BASE + count × SLOPE). */
  BASE = 0, SLOPE = 1,
  /** Cpu.instructions at the dispatcher's entry (ExchangeWord.RETIRED counts on from it), and Cpu.tscOffset. */
  COUNT = 2, OFFSET = 3,
}
export const TSC_WORDS = 128;

/** The function's result kinds (in ExchangeWord.KIND), as jit.ts block functions return them. */
export const enum WasmExit {
  /** Left at a branch: the next block may follow. */
  NEXT = 0,
  /** Bailed out: interpret the instruction at EIP (it left the RAM fast path). */
  BAIL = 2,
  /** Stopped before an instruction without a WebAssembly form: interpret it. */
  INTERPRET = 3,
  /**
   * The interpreter ran an instruction for the dispatcher (wasm-tier.ts interpretCall) that was
   * not plain or faulted: back to the run loop, at a boundary, EIP as the instruction left it.
   */
  STOP = 4,
}

/** One member block of a region: its instructions as emit.ts decoded them. */
export interface WasmBlock {
  eip: number;
  insns: Insn[];
  /** emit.ts deadFlagWrites (1: this instruction's flag writes are dead). */
  dead: Uint8Array;
  /** EIP after its last instruction (where a block that does not end at a branch falls through). */
  end: number;
}

/** The state a region is translated for. */
export interface WasmSpec extends HotSpec {
  /** Segments with any base but 4 GiB read and write limits (FS/GS of per-CPU and thread data). */
  based: number;
  /** The TSC is a line in the instruction count (tsc.ts tscLine): RDTSC can be computed. */
  tscLine: boolean;
  /** CPL is 0 (user is false also at CPL 1 and 2). */
  cpl0: boolean;
}

// Locals: 0 is the parameter (instructions the budget leaves), then these.
export const ROOM = 0;
export const R0 = 1; // R0..R7: EAX..EDI
export const F_OP = 9, F_DST = 10, F_SRC = 11, F_RES = 12, F_BITS = 13, F_LAZY = 14, EFL = 15;
export const J = 16, P = 17, X_EIP = 18, X_RET = 19, X_KIND = 20;
export const X = 21, Y = 22, V = 23, A = 24, Q = 25, E = 26, S = 27, T = 28, U = 29, LIN = 30;
export const BASE0 = 31; // BASE0..BASE0+5: segment bases ES..GS
/** PAGE0..PAGE0+7: per base register, the RAM address of the last access through it (WasmEmitter.ramAddress). */
export const PAGE0 = 37;
export const I32_LOCALS = PAGE0 + 7;

/** An instruction or operand without a WebAssembly form (the code stops before it). */
export class Unsupported extends Error {}

export const MASK: Record<number, number> = { 8: 0xff, 16: 0xffff, 32: -1 };

/** The code buffer every emitter writes into (one translation at a time; functionBody copies it out). */
const scratch = new Bytes();

export class WasmEmitter {
  readonly o = scratch.reset();
  /** Case index of the block being emitted, the number of cases, and nesting inside the case. */
  ci = 0;
  cases = 0;
  nest = 0;
  d: Insn = null as unknown as Insn;
  k = 0;
  next = 0;
  flagsDead = false;
  producer = 0;
  producerBits = 32;
  producerSet = false;
  flatUsed = 0;
  /**
   * Whether code of this function may run again in the same call (several member blocks, or one
   * that jumps to itself). False: `looped` records a jump back to the only block (emit-wasm.ts
   * then emits the function again as looping).
   */
  loops = true;
  looped = false;
  /**
   * The last jump to a member emitted outside any nesting: its case and where its `P = case; br
   * $L` starts and ends in the code. At the end of a case, a jump to the case after it that
   * nothing follows is cut: the code falls into that case (no br_table, no loop back-edge).
   */
  tailCase = -1;
  tailFrom = -1;
  tailEnd = -1;
  /**
   * The register and lazy-flag locals (bit l for local l, up to EFL) the code uses, and those it
   * assigns: the function loads only the first from memory at entry and stores only the second.
   */
  touched = 0;
  written = 0;
  /** The i64 local, declared after the i32 locals. */
  readonly l64 = I32_LOCALS + 1;
  basedUsed = 0;
  needs = 0;
  /**
   * Accesses through a base register (ramAddress): per register, how often the code assigned it
   * so far, and the access that last passed the full check through it: its displacement, the
   * register's count then (-1: none), whether it was a write, and the nesting it was made at.
   */
  private readonly regGen = new Int32Array(8);
  private readonly memoDisp = new Int32Array(8);
  private readonly memoGen = new Int32Array(8).fill(-1);
  private readonly memoWrite = new Uint8Array(8);
  private readonly memoSize = new Uint8Array(8);
  private readonly memoNest = new Int32Array(8);
  /** The base register (-1: none) and displacement of the memory operand memPrologue() computed, and the register's count then. */
  private viaReg = -1;
  private viaDisp = 0;
  private viaGen = 0;
  /** memPrologue(true): the instruction stores to the operand after reading it (rmRead checks for the store). */
  private viaStore = false;

  constructor(readonly layout: WasmLayout, readonly spec: WasmSpec, readonly members: Map<number, number>) {}

  // ---- encoding ----
  op(b: number): void { this.o.push(b); }
  /** Pushes opcode `op` with a one-byte operand. */
  op2(op: number, x: number): void { this.o.push(op); this.o.push(x); }
  get(l: number): void { if (l <= EFL) this.touched |= 1 << l; this.op2(W.LOCAL_GET, l); }
  set(l: number): void { if (l <= EFL || l === A) this.assigned(l); this.op2(W.LOCAL_SET, l); }
  tee(l: number): void { if (l <= EFL || l === A) this.assigned(l); this.op2(W.LOCAL_TEE, l); }
  private assigned(l: number): void {
    // A moved off the operand memPrologue computed (BT's bit string): no longer [base + disp].
    if (l === A) { this.viaReg = -1; return; }
    this.touched |= 1 << l;
    this.written |= 1 << l;
    if (l >= R0 && l < R0 + 8) this.regGen[l - R0]++;
  }
  c32(v: number): void { this.o.push(W.I32_CONST); sleb(this.o, v); }
  /** A load/store with alignment hint `align` (log2) at constant offset `off`. */
  mem(opcode: number, align: number, off: number): void { this.op2(opcode, align); uleb(this.o, off); }
  open(kind: number): void { this.op2(kind, VOID); this.nest++; }
  close(): void {
    this.o.push(W.END);
    this.nest--;
    // A check made inside the construct just closed did not happen on every path past it.
    for (let r = 0; r < 8; r++) if (this.memoNest[r] > this.nest) this.memoGen[r] = -1;
  }
  /** `else` of the innermost `if`: a check made in its first arm did not happen in this one. */
  elseArm(): void {
    this.o.push(W.ELSE);
    for (let r = 0; r < 8; r++) if (this.memoNest[r] >= this.nest) this.memoGen[r] = -1;
  }
  /** Forgets every access check (at a block's start, and when an instruction's code is dropped). */
  resetMemos(): void { this.memoGen.fill(-1); }
  br(depth: number): void { this.o.push(W.BR); uleb(this.o, depth); }
  brIf(depth: number): void { this.o.push(W.BR_IF); uleb(this.o, depth); }
  /** memory.copy (dst, src, n on the stack) and memory.fill (dst, byte, n): bulk memory (Core spec 2.0 §5.4.6). */
  memoryCopy(): void { this.op(W.PREFIX_FC); this.op(10); this.op(0); this.op(0); }
  memoryFill(): void { this.op(W.PREFIX_FC); this.op(11); this.op(0); }
  /** Depth of the label after the loop ($out) and of the loop ($L) from the current position. */
  outDepth(): number { return this.cases - 1 - this.ci + 2 + this.nest; }
  loopDepth(): number { return this.cases - 1 - this.ci + 1 + this.nest; }

  // ---- leaving ----
  /** Leaves with EIP `eip` once `count` instructions of this block retired. */
  exit(eip: number, count: number, kind: number): void {
    this.c32(eip); this.set(X_EIP);
    this.get(J); if (count !== 0) { this.c32(count); this.op(W.I32_ADD); } this.set(X_RET);
    this.c32(kind); this.set(X_KIND);
    this.br(this.outDepth());
  }
  /** Bails out before the current instruction (it has changed nothing). */
  bail(kind: number = WasmExit.BAIL): void { this.exit(this.d.eip, this.k, kind); }
  /** Pops a condition: non-zero bails out (or, with WasmExit.INTERPRET, stops for the interpreter). */
  bailIf(kind: number = WasmExit.BAIL): void { this.open(W.IF); this.bail(kind); this.close(); }
  /** Continues at constant EIP t (count instructions of this block retired): in the region, or out. */
  goto(t: number, count: number): void {
    const m = this.members.get(t);
    if (m === undefined) { this.exit(t, count, WasmExit.NEXT); return; }
    if (!this.loops) this.looped = true;
    this.get(J); this.c32(count); this.op(W.I32_ADD); this.set(J);
    const at = this.o.length;
    this.toCase(m);
    if (this.nest === 0) { this.tailCase = m; this.tailFrom = at; this.tailEnd = this.o.length; }
  }
  /**
   * Branches to case m. A later case is the end of its block, which encloses this one: one br
   * out to it. An earlier one (a loop) goes round through the loop header and br_table.
   */
  private toCase(m: number): void {
    if (m > this.ci) { this.br(m - this.ci - 1 + this.nest); return; }
    this.c32(m); this.set(P);
    this.br(this.loopDepth());
  }
  /** Continues at the EIP in local `l`: a member block, or out. */
  gotoDynamic(l: number, count: number): void {
    // A single block that returns or jumps to itself through a register leaves and is entered again.
    if (this.loops) for (const [eip, m] of this.members) {
      this.get(l); this.c32(eip); this.op(W.I32_EQ);
      this.open(W.IF);
      this.get(J); this.c32(count); this.op(W.I32_ADD); this.set(J);
      this.toCase(m);
      this.close();
    }
    this.get(l); this.set(X_EIP);
    this.get(J); this.c32(count); this.op(W.I32_ADD); this.set(X_RET);
    this.c32(WasmExit.NEXT); this.set(X_KIND);
    this.br(this.outDepth());
  }

  // ---- registers ----
  reg(bits: number, i: number): void {
    if (bits === 32) { this.get(R0 + i); return; }
    if (bits === 16) { this.get(R0 + i); this.c32(0xffff); this.op(W.I32_AND); return; }
    this.get(R0 + (i & 3));
    if (i >= 4) { this.c32(8); this.op(W.I32_SHR_U); }
    this.c32(0xff); this.op(W.I32_AND);
  }
  /** Pops a value into a register (the low `bits` of it). */
  setReg(bits: number, i: number): void {
    if (bits === 32) { this.set(R0 + i); return; }
    this.set(U);
    const r = R0 + (bits === 8 ? i & 3 : i);
    const shift = bits === 8 && i >= 4 ? 8 : 0;
    const m = MASK[bits] << shift;
    this.get(r); this.c32(~m); this.op(W.I32_AND);
    this.get(U); if (shift !== 0) { this.c32(shift); this.op(W.I32_SHL); }
    this.c32(m); this.op(W.I32_AND); this.op(W.I32_OR);
    this.set(r);
  }

  // ---- memory ----
  /** Pushes the effective address (32-bit addressing only). */
  ea(): void {
    const d = this.d;
    if (!d.a32) throw new Unsupported();
    let n = 0;
    if (d.base >= 0) { this.get(R0 + d.base); n++; }
    if (d.index >= 0) {
      this.get(R0 + d.index);
      if (d.scale !== 0) { this.c32(d.scale); this.op(W.I32_SHL); }
      if (n++ > 0) this.op(W.I32_ADD);
    }
    if (d.disp !== 0 || n === 0) { this.c32(d.disp | 0); if (n > 0) this.op(W.I32_ADD); }
  }

  /**
   * Sets Q to the RAM address of a `size`-byte access within one page at the offset in local
   * `a`, or bails out. A write also marks the page dirty (memory.dirtyPages).
   *
   * The full check reads the TLB fast table or page kinds (one load that stays in L1); only an
   * access through a base register an earlier access in the same block already checked skips
   * it (`via`, below). Earlier versions remembered the last page per segment kind for the whole
   * call instead: those locals were live around every loop, TurboFan spilled them and the
   * guest registers, and the XZ decompressor's regions ran 11 % slower.
   */
  ramAddress(seg: number, off: number, size: number, write: boolean, via = -1, disp = 0, gen = 0): void {
    const flat = ((this.spec.flat >> seg) & 1) !== 0;
    // The same base register, unchanged since an access through it passed the full check
    // (the same page, readable, and for a write writable, RAM and without translated code,
    // none of which changes within a call): the offset from that access tells whether this
    // one is in its page, and then its RAM address (push/pop sequences, a stack frame, a struct).
    const memo = via >= 0 && flat && gen === this.regGen[via];
    const checked = memo && this.memoGen[via] === gen && (!write || this.memoWrite[via] === 1);
    if (checked && disp === this.memoDisp[via] && size <= this.memoSize[via]) {
      // The very bytes (or some of them) checked before: Q is still their address.
      this.get(PAGE0 + via); this.set(Q);
      return;
    }
    if (checked) {
      const delta = (disp - this.memoDisp[via]) | 0;
      this.open(W.BLOCK); // done
      this.open(W.BLOCK); // full check
      this.get(PAGE0 + via); this.c32(0xfff); this.op(W.I32_AND);
      if (delta !== 0) { this.c32(delta); this.op(W.I32_ADD); }
      this.c32(0x1000 - size); this.op(W.I32_GT_U); this.brIf(0);
      this.get(PAGE0 + via); if (delta !== 0) { this.c32(delta); this.op(W.I32_ADD); } this.set(Q);
      this.br(1);
      this.close();
      this.fullCheck(seg, off, size, write);
      this.close();
    } else {
      this.fullCheck(seg, off, size, write);
    }
    if (memo) {
      this.get(Q); this.set(PAGE0 + via);
      this.memoDisp[via] = disp;
      this.memoGen[via] = gen;
      this.memoWrite[via] = write ? 1 : 0;
      this.memoSize[via] = size;
      this.memoNest[via] = this.nest;
    }
  }

  /** ramAddress's check of the TLB fast table or page kind (and for a write, codePages). */
  private fullCheck(seg: number, off: number, size: number, write: boolean): void {
    let a = off;
    if (((this.spec.flat >> seg) & 1) !== 0) {
      this.flatUsed |= 1 << seg;
    } else if (((this.spec.based >> seg) & 1) !== 0) {
      // 4 GiB limits: no limit test; the linear address is base + offset.
      this.basedUsed |= 1 << seg;
      this.get(off); this.get(BASE0 + seg); this.op(W.I32_ADD); this.set(LIN);
      a = LIN;
    } else {
      throw new Unsupported();
    }
    const L = this.layout;
    const paging = this.spec.paging;
    // Two conditional branches to one bail-out: TurboFan compiles each to a compare and a jump
    // (an `or` of the two conditions made it materialize both as 0/1 values).
    this.open(W.BLOCK); // ok
    this.open(W.BLOCK); // bail
    if (paging) {
      const need = tlbNeed(this.spec.user, write) | Tlb.RAM;
      this.get(a); this.c32(12); this.op(W.I32_SHR_U); this.c32(2); this.op(W.I32_SHL);
      this.mem(W.I32_LOAD, 2, L.tlbFast); this.tee(E);
      this.c32(need); this.op(W.I32_AND); this.c32(need); this.op(W.I32_NE);
    } else {
      this.get(a); this.c32(12); this.op(W.I32_SHR_U);
      this.mem(W.I32_LOAD8_U, 0, L.pageKind); this.c32(1); this.op(W.I32_NE);
    }
    this.brIf(0);
    // Unaligned is fine (WebAssembly loads and stores are byte-addressed); crossing into the next page is not.
    if (size > 1) { this.get(a); this.c32(0xfff); this.op(W.I32_AND); this.c32(0x1000 - size); this.op(W.I32_GT_U); this.brIf(0); }
    this.br(1);
    this.close();
    this.bail();
    this.close();
    if (paging) {
      this.get(E); this.c32(-4096); this.op(W.I32_AND);
      this.get(a); this.c32(4095); this.op(W.I32_AND); this.op(W.I32_OR);
    } else {
      this.get(a);
    }
    this.set(Q);
    if (write) {
      this.get(Q); this.c32(12); this.op(W.I32_SHR_U); this.mem(W.I32_LOAD8_U, 0, L.codePages);
      this.bailIf();
      this.markDirty();
    }
  }

  /** Pushes a `bits` read at seg:[local a] (dwords as int32); `via`: a = that register + disp (ramAddress). */
  read(bits: number, seg: number, a: number, via = -1, disp = 0, gen = 0): void {
    this.ramAddress(seg, a, bits >> 3, false, via, disp, gen);
    this.load(bits);
  }
  /** Pushes the `bits` at RAM address Q. */
  private load(bits: number): void {
    this.get(Q);
    if (bits === 32) this.mem(W.I32_LOAD, 2, 0);
    else if (bits === 16) this.mem(W.I32_LOAD16_U, 1, 0);
    else this.mem(W.I32_LOAD8_U, 0, 0);
  }

  /** Stores local `v` (its low `bits`) at seg:[local a], marking the page dirty. */
  write(bits: number, seg: number, a: number, v: number, via = -1, disp = 0, gen = 0): void {
    this.ramAddress(seg, a, bits >> 3, true, via, disp, gen);
    this.get(Q); this.get(v);
    if (bits === 32) this.mem(W.I32_STORE, 2, 0);
    else if (bits === 16) this.mem(W.I32_STORE16, 1, 0);
    else this.mem(W.I32_STORE8, 0, 0);
  }

  /** Marks the RAM page at local Q written (memory.dirtyPages). */
  markDirty(): void {
    this.get(Q); this.c32(12); this.op(W.I32_SHR_U); this.c32(1); this.mem(W.I32_STORE8, 0, this.layout.dirtyPages);
  }

  /** Sets A to the memory operand's offset (memory forms). */
  memPrologue(rmw = false): void {
    if (this.d.isReg) return;
    this.ea(); this.set(A);
    const d = this.d;
    this.viaStore = rmw;
    // [base + disp]: what ramAddress can compare with an earlier access through the same register.
    this.viaReg = d.index < 0 ? d.base : -1;
    this.viaDisp = d.disp | 0;
    this.viaGen = this.viaReg >= 0 ? this.regGen[this.viaReg] : 0;
  }
  /** Pushes the r/m operand. */
  rmRead(bits: number): void {
    if (this.d.isReg) { this.reg(bits, this.d.rm); return; }
    // A read-modify-write checks for its store here (the same page, so its store needs no check
    // of its own); a store it cannot make bails out before anything changed, as the store would.
    const via = this.viaReg;
    this.ramAddress(this.d.eaSeg, A, bits >> 3, this.viaStore && via >= 0, via, this.viaDisp, this.viaGen);
    this.load(bits);
  }
  /** Writes local v to the r/m operand. */
  rmWrite(bits: number, v: number): void {
    if (this.d.isReg) { this.get(v); this.setReg(bits, this.d.rm); }
    else this.write(bits, this.d.eaSeg, A, v, this.viaReg, this.viaDisp, this.viaGen);
  }

  /** PUSH local v: the store at ESP - size, then ESP (32-bit stack). */
  push(o32: boolean, v: number): void {
    const size = o32 ? 4 : 2;
    const gen = this.regGen[4];
    this.get(R0 + 4); this.c32(size); this.op(W.I32_SUB); this.set(S);
    this.write(o32 ? 32 : 16, Seg.SS, S, v, 4, -size, gen);
    this.get(S); this.set(R0 + 4);
    this.espMoved(gen, -size);
  }
  /** POP into local v: the read, then ESP. */
  pop(o32: boolean, v: number): void {
    const size = o32 ? 4 : 2;
    const gen = this.regGen[4];
    this.get(R0 + 4); this.set(S);
    this.read(o32 ? 32 : 16, Seg.SS, S, 4, 0, gen); this.set(v);
    this.get(S); this.c32(size); this.op(W.I32_ADD); this.set(R0 + 4);
    if (v !== R0 + 4) this.espMoved(gen, size);
  }
  /** ESP, as of count `gen`, moved by `delta` (push, pop): its access memo follows it. */
  private espMoved(gen: number, delta: number): void {
    if (this.memoGen[4] !== gen || this.regGen[4] !== gen + 1) return;
    this.memoDisp[4] = (this.memoDisp[4] - delta) | 0;
    this.memoGen[4] = gen + 1;
  }

  // ---- lazy flags (flags.ts; the same fields, as locals) ----
  arithFlags(op: number, dst: number | null, src: number, res: number, bits: number): void {
    this.c32(op); this.set(F_OP);
    if (dst === null) this.c32(0); else this.get(dst);
    this.set(F_DST);
    this.get(src); this.set(F_SRC);
    this.get(res); this.set(F_RES);
    this.c32(bits); this.set(F_BITS);
    this.c32(ARITH_FLAGS); this.set(F_LAZY);
  }
  incDecFlags(op: number, dst: number, res: number, bits: number): void {
    // CF made eager first (INC/DEC keep it).
    this.get(EFL); this.c32(~Flag.CF); this.op(W.I32_AND); this.getCF(); this.op(W.I32_OR); this.set(EFL);
    this.c32(op); this.set(F_OP);
    this.get(dst); this.set(F_DST);
    this.c32(1); this.set(F_SRC);
    this.get(res); this.set(F_RES);
    this.c32(bits); this.set(F_BITS);
    this.c32(ARITH_FLAGS & ~Flag.CF); this.set(F_LAZY);
  }
  /** setResult with CF/OF/AF from `cfOfAf` (pushes them; null: 0). */
  resultFlags(res: number, bits: number, cfOfAf: (() => void) | null): void {
    this.get(res); this.set(F_RES);
    this.get(EFL); this.c32(~(Flag.CF | Flag.OF | Flag.AF)); this.op(W.I32_AND);
    if (cfOfAf !== null) { cfOfAf(); this.op(W.I32_OR); }
    this.set(EFL);
    this.c32(bits); this.set(F_BITS);
    this.c32(Flag.PF | Flag.ZF | Flag.SF); this.set(F_LAZY);
  }
  /** Pushes (value if fLazy has `bit`, else eager) where both are already pushed. */
  lazySelect(bit: number): void {
    this.get(F_LAZY); this.c32(bit); this.op(W.I32_AND); this.op(W.SELECT);
  }
  /** Pushes `x >>> (fBits - 1) & 1` for x on the stack. */
  topBit(): void {
    this.get(F_BITS); this.c32(1); this.op(W.I32_SUB); this.op(W.I32_SHR_U); this.c32(1); this.op(W.I32_AND);
  }
  /** Pushes CF as 0/1 (flags.ts getCF). */
  getCF(): void {
    // ADD: (d&s)|((d|s)&~r); SUB: (~d&s)|(~(d^s)&r)
    this.get(F_DST); this.get(F_SRC); this.op(W.I32_AND);
    this.get(F_DST); this.get(F_SRC); this.op(W.I32_OR); this.get(F_RES); this.c32(-1); this.op(W.I32_XOR); this.op(W.I32_AND);
    this.op(W.I32_OR);
    this.get(F_DST); this.c32(-1); this.op(W.I32_XOR); this.get(F_SRC); this.op(W.I32_AND);
    this.get(F_DST); this.get(F_SRC); this.op(W.I32_XOR); this.c32(-1); this.op(W.I32_XOR); this.get(F_RES); this.op(W.I32_AND);
    this.op(W.I32_OR);
    this.get(F_OP); this.op(W.I32_EQZ); this.op(W.SELECT);
    this.topBit();
    this.get(EFL); this.c32(Flag.CF); this.op(W.I32_AND);
    this.lazySelect(Flag.CF);
  }
  /** Pushes OF as 0/1 (flags.ts getOF). */
  getOF(): void {
    // ADD: (d^r)&(s^r); SUB: (d^s)&(d^r)
    this.get(F_DST); this.get(F_RES); this.op(W.I32_XOR); this.get(F_SRC); this.get(F_RES); this.op(W.I32_XOR); this.op(W.I32_AND);
    this.get(F_DST); this.get(F_SRC); this.op(W.I32_XOR); this.get(F_DST); this.get(F_RES); this.op(W.I32_XOR); this.op(W.I32_AND);
    this.get(F_OP); this.op(W.I32_EQZ); this.op(W.SELECT);
    this.topBit();
    this.get(EFL); this.c32(11); this.op(W.I32_SHR_U); this.c32(1); this.op(W.I32_AND);
    this.lazySelect(Flag.OF);
  }
  getZF(): void {
    this.get(F_RES); this.op(W.I32_EQZ);
    this.get(EFL); this.c32(6); this.op(W.I32_SHR_U); this.c32(1); this.op(W.I32_AND);
    this.lazySelect(Flag.ZF);
  }
  getSF(): void {
    this.get(F_RES); this.topBit();
    this.get(EFL); this.c32(7); this.op(W.I32_SHR_U); this.c32(1); this.op(W.I32_AND);
    this.lazySelect(Flag.SF);
  }
  getAF(): void {
    this.get(F_DST); this.get(F_SRC); this.op(W.I32_XOR); this.get(F_RES); this.op(W.I32_XOR); this.c32(4); this.op(W.I32_SHR_U); this.c32(1); this.op(W.I32_AND);
    this.get(EFL); this.c32(4); this.op(W.I32_SHR_U); this.c32(1); this.op(W.I32_AND);
    this.lazySelect(Flag.AF);
  }
  /** Pushes EFLAGS with every lazy flag evaluated (flags.ts getFlags). */
  flags(): void {
    this.get(EFL); this.c32(~ARITH_FLAGS); this.op(W.I32_AND);
    const bits: [() => void, number][] = [[() => this.getCF(), 0], [() => this.getPF(), 2], [() => this.getAF(), 4],
      [() => this.getZF(), 6], [() => this.getSF(), 7], [() => this.getOF(), 11]];
    for (const [get, at] of bits) {
      get();
      if (at !== 0) { this.c32(at); this.op(W.I32_SHL); }
      this.op(W.I32_OR);
    }
  }
  /** flags.ts flushFlags: every flag eager. */
  flushFlags(): void {
    this.flags(); this.set(EFL);
    this.c32(0); this.set(F_LAZY);
  }
  getPF(): void {
    this.get(F_RES); this.c32(0xff); this.op(W.I32_AND); this.op(W.I32_POPCNT); this.c32(1); this.op(W.I32_AND); this.op(W.I32_EQZ);
    this.get(EFL); this.c32(2); this.op(W.I32_SHR_U); this.c32(1); this.op(W.I32_AND);
    this.lazySelect(Flag.PF);
  }

  /** Pushes condition cc (0/1) as emit-inline.ts cond(): from a known producer, else flags.ts testCC. */
  cond(cc: number): void {
    const p = this.producer;
    const b = this.producerBits;
    const sx = (l: number) => {
      this.get(l);
      if (b !== 32) { this.c32(32 - b); this.op(W.I32_SHL); this.c32(32 - b); this.op(W.I32_SHR_S); }
    };
    const zf = () => { this.get(F_RES); this.op(W.I32_EQZ); };
    const sf = () => { this.get(F_RES); this.c32(b - 1); this.op(W.I32_SHR_U); this.c32(1); this.op(W.I32_AND); };
    let done = true;
    switch (cc >> 1) {
      case 1:
        if (p === Producer.SUB) { this.get(F_DST); this.get(F_SRC); this.op(W.I32_LT_U); } else if (p === Producer.LOGIC) this.c32(0); else done = false;
        break;
      case 2:
        if (p !== Producer.NONE) zf(); else done = false;
        break;
      case 3:
        if (p === Producer.SUB) { this.get(F_DST); this.get(F_SRC); this.op(W.I32_LE_U); } else if (p === Producer.LOGIC) zf(); else done = false;
        break;
      case 4:
        if (p !== Producer.NONE) sf(); else done = false;
        break;
      case 6:
        if (p === Producer.SUB) { sx(F_DST); sx(F_SRC); this.op(W.I32_LT_S); } else if (p === Producer.LOGIC) sf(); else done = false;
        break;
      case 7:
        if (p === Producer.SUB) { sx(F_DST); sx(F_SRC); this.op(W.I32_LE_S); } else if (p === Producer.LOGIC) { zf(); sf(); this.op(W.I32_OR); } else done = false;
        break;
      default:
        done = false;
    }
    if (!done) {
      switch (cc >> 1) {
        case 0: this.getOF(); break;
        case 1: this.getCF(); break;
        case 2: this.getZF(); break;
        case 3: this.getCF(); this.getZF(); this.op(W.I32_OR); break;
        case 4: this.getSF(); break;
        case 5: this.getPF(); break;
        case 6: this.getSF(); this.getOF(); this.op(W.I32_NE); break;
        default: this.getZF(); this.getSF(); this.getOF(); this.op(W.I32_NE); this.op(W.I32_OR); break;
      }
    }
    if ((cc & 1) !== 0) this.op(W.I32_EQZ);
  }

  setProducer(p: number, bits: number): void {
    this.producer = p;
    this.producerBits = bits;
    this.producerSet = true;
  }
}
