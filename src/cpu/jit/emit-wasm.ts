// Translations as WebAssembly (jit.ts compile, for blocks and hot regions): the same blocks,
// instructions and semantics as emit.ts/emit-inline.ts give them as JavaScript, with the eight
// registers and the lazy-flag fields in WebAssembly locals. V8 compiles a module straight to
// machine code (Liftoff, then TurboFan for hot functions) with no inline-cache tier, and memory
// accesses are plain loads from the guest's WebAssembly.Memory (memory/physical-memory.ts).
//
// The code covers a subset: 32-bit code and addressing, segments with 4 GiB limits, a 32-bit
// stack, A20 on (wasm-tier.ts checks these at entry, else the JavaScript runs) and the
// instructions below. Whatever leaves the RAM fast path (a TLB miss, a permission the TLB entry
// lacks, misalignment, a non-RAM page, a store into a page holding translations) "bails out":
// the function writes the state back as of the start of that instruction, which has changed
// nothing yet, and the run loop interprets it (which faults, walks or invalidates exactly as
// the interpreter does). So exceptions are precise and self-modifying code is seen before the
// store. An instruction without a WebAssembly form stops the code the same way.
import { ARITH_FLAGS, Flag, Seg } from '../state.js';
import { Tlb, tlbNeed } from '../paging.js';
import type { Insn } from './decode.js';
import { KEEPS_FLAGS, Producer, producerOf } from './emit-inline.js';
import { Bytes, W, VOID, moduleBytes, sleb, uleb } from './wasm-asm.js';
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
}

/** Float64 words after the int32 exchange words (byte offset TSC_WORDS from the exchange). */
export const enum TscWord {
  /** tsc.ts tscLine: ticks = floor(BASE + count × SLOPE). */
  BASE = 0, SLOPE = 1,
  /** Cpu.instructions at entry, and Cpu.tscOffset. */
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

// Locals: 0 is the parameter (instructions the budget leaves), then these.
const ROOM = 0;
const R0 = 1; // R0..R7: EAX..EDI
const F_OP = 9, F_DST = 10, F_SRC = 11, F_RES = 12, F_BITS = 13, F_LAZY = 14, EFL = 15;
const J = 16, P = 17, X_EIP = 18, X_RET = 19, X_KIND = 20;
const X = 21, Y = 22, V = 23, A = 24, Q = 25, E = 26, S = 27, T = 28, U = 29, LIN = 30;
const BASE0 = 31; // BASE0..BASE0+5: segment bases ES..GS
const I32_LOCALS = 36;
const L64 = 37;

/** An instruction or operand without a WebAssembly form (the code stops before it). */
class Unsupported extends Error {}

const MASK: Record<number, number> = { 8: 0xff, 16: 0xffff, 32: -1 };

class WasmEmitter {
  readonly o = new Bytes();
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
  basedUsed = 0;
  usesTsc = false;

  constructor(readonly layout: WasmLayout, readonly spec: WasmSpec, readonly members: Map<number, number>) {}

  // ---- encoding ----
  op(b: number): void { this.o.push(b); }
  /** Pushes opcode `op` with a one-byte operand. */
  op2(op: number, x: number): void { this.o.push(op); this.o.push(x); }
  get(l: number): void { this.op2(W.LOCAL_GET, l); }
  set(l: number): void { this.op2(W.LOCAL_SET, l); }
  tee(l: number): void { this.op2(W.LOCAL_TEE, l); }
  c32(v: number): void { this.o.push(W.I32_CONST); sleb(this.o, v); }
  /** A load/store with alignment hint `align` (log2) at constant offset `off`. */
  mem(opcode: number, align: number, off: number): void { this.op2(opcode, align); uleb(this.o, off); }
  open(kind: number): void { this.op2(kind, VOID); this.nest++; }
  close(): void { this.o.push(W.END); this.nest--; }
  br(depth: number): void { this.o.push(W.BR); uleb(this.o, depth); }
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
  /** Pops a condition: non-zero bails out. */
  bailIf(): void { this.open(W.IF); this.bail(); this.close(); }
  /** Continues at constant EIP t (count instructions of this block retired): in the region, or out. */
  goto(t: number, count: number): void {
    const m = this.members.get(t);
    if (m === undefined) { this.exit(t, count, WasmExit.NEXT); return; }
    this.get(J); this.c32(count); this.op(W.I32_ADD); this.set(J);
    this.c32(m); this.set(P);
    this.br(this.loopDepth());
  }
  /** Continues at the EIP in local `l`: a member block, or out. */
  gotoDynamic(l: number, count: number): void {
    for (const [eip, m] of this.members) {
      this.get(l); this.c32(eip); this.op(W.I32_EQ);
      this.open(W.IF);
      this.get(J); this.c32(count); this.op(W.I32_ADD); this.set(J);
      this.c32(m); this.set(P);
      this.br(this.loopDepth());
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

  /** Sets Q to the RAM address of an aligned `size`-byte access at the offset in local `a`, or bails out. */
  ramAddress(seg: number, off: number, size: number, write: boolean): void {
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
    if (this.spec.paging) {
      const need = tlbNeed(this.spec.user, write) | Tlb.RAM;
      this.get(a); this.c32(12); this.op(W.I32_SHR_U); this.c32(2); this.op(W.I32_SHL);
      this.mem(W.I32_LOAD, 2, L.tlbFast); this.tee(E);
      this.c32(need); this.op(W.I32_AND); this.c32(need); this.op(W.I32_NE);
    } else {
      this.get(a); this.c32(12); this.op(W.I32_SHR_U);
      this.mem(W.I32_LOAD8_U, 0, L.pageKind); this.c32(1); this.op(W.I32_NE);
    }
    if (size > 1) { this.get(a); this.c32(size - 1); this.op(W.I32_AND); this.op(W.I32_OR); }
    this.bailIf();
    if (this.spec.paging) {
      this.get(E); this.c32(-4096); this.op(W.I32_AND); this.get(a); this.c32(4095); this.op(W.I32_AND); this.op(W.I32_OR);
    } else {
      this.get(a);
    }
    this.set(Q);
    if (write) {
      this.get(Q); this.c32(12); this.op(W.I32_SHR_U); this.mem(W.I32_LOAD8_U, 0, L.codePages);
      this.bailIf();
    }
  }

  /** Pushes a `bits` read at seg:[local a] (dwords as int32). */
  read(bits: number, seg: number, a: number): void {
    this.ramAddress(seg, a, bits >> 3, false);
    this.get(Q);
    if (bits === 32) this.mem(W.I32_LOAD, 2, 0);
    else if (bits === 16) this.mem(W.I32_LOAD16_U, 1, 0);
    else this.mem(W.I32_LOAD8_U, 0, 0);
  }

  /** Stores local `v` (its low `bits`) at seg:[local a], marking the page dirty. */
  write(bits: number, seg: number, a: number, v: number): void {
    this.ramAddress(seg, a, bits >> 3, true);
    this.get(Q); this.get(v);
    if (bits === 32) this.mem(W.I32_STORE, 2, 0);
    else if (bits === 16) this.mem(W.I32_STORE16, 1, 0);
    else this.mem(W.I32_STORE8, 0, 0);
    this.get(Q); this.c32(12); this.op(W.I32_SHR_U); this.c32(1); this.mem(W.I32_STORE8, 0, this.layout.dirtyPages);
  }

  /** Sets A to the memory operand's offset (memory forms). */
  memPrologue(): void {
    if (!this.d.isReg) { this.ea(); this.set(A); }
  }
  /** Pushes the r/m operand. */
  rmRead(bits: number): void {
    if (this.d.isReg) this.reg(bits, this.d.rm);
    else this.read(bits, this.d.eaSeg, A);
  }
  /** Writes local v to the r/m operand. */
  rmWrite(bits: number, v: number): void {
    if (this.d.isReg) { this.get(v); this.setReg(bits, this.d.rm); }
    else this.write(bits, this.d.eaSeg, A, v);
  }

  /** PUSH local v: the store at ESP - size, then ESP (32-bit stack). */
  push(o32: boolean, v: number): void {
    this.get(R0 + 4); this.c32(o32 ? 4 : 2); this.op(W.I32_SUB); this.set(S);
    this.write(o32 ? 32 : 16, Seg.SS, S, v);
    this.get(S); this.set(R0 + 4);
  }
  /** POP into local v: the read, then ESP. */
  pop(o32: boolean, v: number): void {
    this.get(R0 + 4); this.set(S);
    this.read(o32 ? 32 : 16, Seg.SS, S); this.set(v);
    this.get(S); this.c32(o32 ? 4 : 2); this.op(W.I32_ADD); this.set(R0 + 4);
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


/** Pushes the value of ALU kind on locals X, Y (ops/alu.ts aluValue; ADC/SBB read CF), masked to bits. */
function aluValue(e: WasmEmitter, kind: number, bits: number): void {
  e.get(X); e.get(Y);
  switch (kind) {
    case 0: e.op(W.I32_ADD); break;
    case 1: e.op(W.I32_OR); break;
    case 2: e.op(W.I32_ADD); e.getCF(); e.op(W.I32_ADD); break;
    case 3: e.op(W.I32_SUB); e.getCF(); e.op(W.I32_SUB); break;
    case 4: e.op(W.I32_AND); break;
    case 6: e.op(W.I32_XOR); break;
    default: e.op(W.I32_SUB); break;
  }
  if (bits !== 32) { e.c32(MASK[bits]); e.op(W.I32_AND); }
}

/** The flags of ALU kind from X, Y, V (ops/alu.ts aluFlags). */
function aluFlags(e: WasmEmitter, kind: number, bits: number): void {
  if (kind === 0 || kind === 2) e.arithFlags(0, X, Y, V, bits);
  else if (kind === 1 || kind === 4 || kind === 6) e.resultFlags(V, bits, null);
  else e.arithFlags(1, X, Y, V, bits);
}

function vbits(e: WasmEmitter): number {
  return e.d.o32 ? 32 : 16;
}

function relTarget(e: WasmEmitter, disp: number): number {
  const t = e.next + disp;
  return e.d.o32 ? t >>> 0 : t & 0xffff;
}

/**
 * 00-3D, 80-83: X = destination, Y = source; the result V stored (not CMP) into the r/m operand
 * (`dest` -1) or register `dest`, the flags after a memory store.
 */
function aluOp(e: WasmEmitter, kind: number, bits: number, dest: number): void {
  e.setProducer(producerOf(kind), bits);
  aluValue(e, kind, bits); e.set(V);
  if (kind !== 7) {
    if (dest < 0) e.rmWrite(bits, V);
    else { e.get(V); e.setReg(bits, dest); }
  }
  if (!e.flagsDead) aluFlags(e, kind, bits);
}

/** One instruction: 0 when it has no WebAssembly form, 1 when emitted, 2 when emitted and it ends the block. */
function emitInsn(e: WasmEmitter): number {
  const d = e.d;
  const op = d.op;
  if (op === 0x90 && d.rep === 0xf3 && !d.lock) return 1; // PAUSE
  if (op >= 0x118 && op <= 0x11f && !d.lock && (d.isReg || d.a32)) return 1; // hint NOPs (0F 1F: padding; no memory access)
  if (d.lock || d.rep !== 0) return 0;
  if (d.hasModrm && !d.isReg && !d.a32) return 0;
  if (op < 0x40 && (op & 7) < 6) {
    const kind = (op >> 3) & 7;
    const form = op & 7;
    const bits = (form & 1) === 0 ? 8 : vbits(e);
    if (form >= 4) {
      e.reg(bits, 0); e.set(X); e.c32(d.imm | 0); e.set(Y);
      aluOp(e, kind, bits, 0);
    } else if (form < 2) {
      e.memPrologue(); e.rmRead(bits); e.set(X); e.reg(bits, d.reg); e.set(Y);
      aluOp(e, kind, bits, -1);
    } else {
      e.memPrologue(); e.reg(bits, d.reg); e.set(X); e.rmRead(bits); e.set(Y);
      aluOp(e, kind, bits, d.reg);
    }
    return 1;
  }
  if (op >= 0x40 && op <= 0x4f) {
    const i = op & 7;
    const dec = (op & 8) !== 0;
    const bits = vbits(e);
    e.reg(bits, i); e.set(X);
    e.get(X); e.c32(1); e.op(dec ? W.I32_SUB : W.I32_ADD); if (bits !== 32) { e.c32(MASK[bits]); e.op(W.I32_AND); } e.set(V);
    e.get(V); e.setReg(bits, i);
    if (!e.flagsDead) e.incDecFlags(dec ? 1 : 0, X, V, bits);
    e.setProducer(Producer.ZS, bits);
    return 1;
  }
  if (op >= 0x50 && op <= 0x57) {
    e.reg(vbits(e), op & 7); e.set(V);
    e.push(d.o32, V);
    return 1;
  }
  if (op >= 0x58 && op <= 0x5f) {
    e.pop(d.o32, V);
    e.get(V); e.setReg(vbits(e), op & 7);
    return 1;
  }
  if ((op >= 0x70 && op <= 0x7f) || (op >= 0x180 && op <= 0x18f)) {
    const disp = op < 0x100 ? (d.imm << 24) >> 24 : d.o32 ? d.imm | 0 : (d.imm << 16) >> 16;
    const t = relTarget(e, disp);
    e.cond(op & 15);
    e.open(W.IF); e.goto(t, e.k + 1); e.close();
    e.goto(e.next, e.k + 1);
    return 2;
  }
  if (op >= 0x90 && op <= 0x97) {
    if (op === 0x90) return 1;
    const bits = vbits(e);
    const i = op & 7;
    e.reg(bits, 0); e.set(T);
    e.reg(bits, i); e.setReg(bits, 0);
    e.get(T); e.setReg(bits, i);
    return 1;
  }
  if (op >= 0xb0 && op <= 0xb7) { e.c32(d.imm); e.setReg(8, op & 7); return 1; }
  if (op >= 0xb8 && op <= 0xbf) { e.c32(d.imm | 0); e.setReg(vbits(e), op & 7); return 1; }
  if (op >= 0x140 && op <= 0x14f) {
    const bits = vbits(e);
    e.memPrologue(); e.rmRead(bits); e.set(X);
    e.cond(op & 15); e.open(W.IF); e.get(X); e.setReg(bits, d.reg); e.close();
    return 1;
  }
  if (op >= 0x190 && op <= 0x19f) {
    e.memPrologue(); e.cond(op & 15); e.set(V); e.rmWrite(8, V);
    return 1;
  }
  switch (op) {
    case 0x1c8: case 0x1c9: case 0x1ca: case 0x1cb: case 0x1cc: case 0x1cd: case 0x1ce: case 0x1cf: {
      // ops/move.ts bswap (16-bit operand: the register becomes 0)
      const r = R0 + (op & 7);
      if (!d.o32) { e.c32(0); e.setReg(16, op & 7); return 1; }
      e.get(r); e.c32(0xff00ff00 | 0); e.op(W.I32_AND); e.c32(8); e.op(W.I32_ROTL);
      e.get(r); e.c32(0x00ff00ff); e.op(W.I32_AND); e.c32(8); e.op(W.I32_ROTR);
      e.op(W.I32_OR); e.set(r);
      return 1;
    }
    case 0x98: // ops/muldiv.ts cbw: CWDE / CBW
      if (d.o32) { e.get(R0); e.c32(16); e.op(W.I32_SHL); e.c32(16); e.op(W.I32_SHR_S); e.set(R0); } else { e.reg(8, 0); e.c32(24); e.op(W.I32_SHL); e.c32(24); e.op(W.I32_SHR_S); e.setReg(16, 0); }
      return 1;
    case 0x99: // ops/muldiv.ts cwd: CDQ / CWD
      if (d.o32) { e.get(R0); e.c32(31); e.op(W.I32_SHR_S); e.set(R0 + 2); } else { e.get(R0); e.c32(16); e.op(W.I32_SHL); e.c32(31); e.op(W.I32_SHR_S); e.setReg(16, 2); }
      return 1;
    case 0xc9: // ops/stack.ts leave (32-bit stack): the read at EBP, then ESP, then EBP
      e.get(R0 + 5); e.set(S);
      e.read(d.o32 ? 32 : 16, Seg.SS, S); e.set(V);
      e.get(S); e.c32(d.o32 ? 4 : 2); e.op(W.I32_ADD); e.set(R0 + 4);
      e.get(V); e.setReg(d.o32 ? 32 : 16, 5);
      return 1;
    case 0xd3:
      return shiftByCl(e);
    case 0x131: { // ops/system.ts rdtsc at CPL 0 (no CR4.TSD #GP): tsc.ts readTsc, the same double arithmetic
      if (e.spec.user || !e.spec.tscLine) return 0;
      e.usesTsc = true;
      const f = (w: number) => { e.c32(0); e.mem(W.F64_LOAD, 3, e.layout.exchange + TSC_WORDS + 8 * w); };
      f(TscWord.BASE);
      f(TscWord.COUNT); e.get(J); e.c32(e.k); e.op(W.I32_ADD); e.op(W.F64_CONVERT_I32_U); e.op(W.F64_ADD);
      f(TscWord.SLOPE); e.op(W.F64_MUL); e.op(W.F64_ADD); e.op(W.F64_FLOOR);
      f(TscWord.OFFSET); e.op(W.F64_ADD);
      e.op(W.I64_TRUNC_F64_S); e.tee(L64); e.op(W.I32_WRAP_I64); e.set(R0);
      e.get(L64); e.op(W.I64_CONST); e.op(32); e.op(W.I64_SHR_U); e.op(W.I32_WRAP_I64); e.set(R0 + 2);
      return 1;
    }
    case 0x9c: // ops/stack.ts pushf (no V86 here)
      e.flags(); e.c32(d.o32 ? 0x00fcffff : 0xffff); e.op(W.I32_AND); e.set(V);
      e.push(d.o32, V);
      return 1;
    case 0xf5: case 0xf8: case 0xf9: // ops/system.ts flagOp: CMC, CLC, STC
      e.flushFlags();
      e.get(EFL);
      if (op === 0xf5) { e.c32(Flag.CF); e.op(W.I32_XOR); } else if (op === 0xf8) { e.c32(~Flag.CF); e.op(W.I32_AND); } else { e.c32(Flag.CF); e.op(W.I32_OR); }
      e.set(EFL);
      return 1;
    case 0xfc: case 0xfd: // CLD, STD
      e.get(EFL);
      if (op === 0xfc) { e.c32(~Flag.DF); e.op(W.I32_AND); } else { e.c32(Flag.DF); e.op(W.I32_OR); }
      e.set(EFL);
      return 1;
    case 0x68: case 0x6a: {
      const v = op === 0x68 ? d.imm : (d.imm << 24) >> 24;
      e.c32(d.o32 ? v | 0 : v & 0xffff); e.set(V);
      e.push(d.o32, V);
      return 1;
    }
    case 0x69: case 0x6b: case 0x1af:
      return imul(e);
    case 0x80: case 0x81: case 0x82: case 0x83: {
      const bits = op === 0x80 || op === 0x82 ? 8 : vbits(e);
      const imm = op === 0x83 ? ((d.imm << 24) >> 24) & MASK[bits] : d.imm;
      e.memPrologue(); e.rmRead(bits); e.set(X); e.c32(imm | 0); e.set(Y);
      aluOp(e, d.reg, bits, -1);
      return 1;
    }
    case 0x84: case 0x85: case 0xa8: case 0xa9: {
      const bits = (op & 1) === 0 ? 8 : vbits(e);
      if (op <= 0x85) { e.memPrologue(); e.rmRead(bits); e.reg(bits, d.reg); } else { e.reg(bits, 0); e.c32(d.imm | 0); }
      e.op(W.I32_AND); e.set(V);
      if (!e.flagsDead) e.resultFlags(V, bits, null);
      e.setProducer(Producer.LOGIC, bits);
      return 1;
    }
    case 0x86: case 0x87: {
      const bits = op === 0x86 ? 8 : vbits(e);
      e.memPrologue(); e.rmRead(bits); e.set(X);
      e.reg(bits, d.reg); e.set(V); e.rmWrite(bits, V);
      e.get(X); e.setReg(bits, d.reg);
      return 1;
    }
    case 0x88: case 0x89: {
      const bits = op === 0x88 ? 8 : vbits(e);
      e.memPrologue(); e.reg(bits, d.reg); e.set(V); e.rmWrite(bits, V);
      return 1;
    }
    case 0x8a: case 0x8b: {
      const bits = op === 0x8a ? 8 : vbits(e);
      e.memPrologue(); e.rmRead(bits); e.setReg(bits, d.reg);
      return 1;
    }
    case 0x8d:
      if (d.isReg) return 0;
      e.ea(); e.setReg(vbits(e), d.reg);
      return 1;
    case 0xa0: case 0xa1: case 0xa2: case 0xa3: {
      const seg = d.segOvr >= 0 ? d.segOvr : Seg.DS;
      const bits = (op & 1) === 0 ? 8 : vbits(e);
      if (!d.a32) return 0;
      e.c32(d.imm | 0); e.set(A);
      if (op <= 0xa1) { e.read(bits, seg, A); e.setReg(bits, 0); } else { e.reg(bits, 0); e.set(V); e.write(bits, seg, A, V); }
      return 1;
    }
    case 0xa4: case 0xa5: case 0xa6: case 0xa7: case 0xaa: case 0xab: case 0xac: case 0xad: case 0xae: case 0xaf:
      return stringOnce(e);
    case 0xc0: case 0xc1: case 0xd0: case 0xd1:
      return group2(e);
    case 0xc2: case 0xc3: {
      const size = d.o32 ? 4 : 2;
      const imm = op === 0xc2 ? d.imm : 0;
      e.get(R0 + 4); e.set(S);
      e.read(d.o32 ? 32 : 16, Seg.SS, S); e.set(T);
      e.get(R0 + 4); e.c32(size + imm); e.op(W.I32_ADD); e.set(R0 + 4);
      e.gotoDynamic(T, e.k + 1);
      return 2;
    }
    case 0xc6: case 0xc7: {
      if (d.reg !== 0) return 0;
      const bits = op === 0xc6 ? 8 : vbits(e);
      e.memPrologue(); e.c32(d.imm | 0); e.set(V); e.rmWrite(bits, V);
      return 1;
    }
    case 0xe8: {
      const disp = d.o32 ? d.imm | 0 : (d.imm << 16) >> 16;
      const t = relTarget(e, disp);
      e.c32(e.next | 0); e.set(V);
      e.push(d.o32, V);
      e.goto(t, e.k + 1);
      return 2;
    }
    case 0xe9: case 0xeb: {
      const disp = op === 0xeb ? (d.imm << 24) >> 24 : d.o32 ? d.imm | 0 : (d.imm << 16) >> 16;
      e.goto(relTarget(e, disp), e.k + 1);
      return 2;
    }
    case 0xf6: case 0xf7: {
      const bits = op === 0xf6 ? 8 : vbits(e);
      if (d.reg === 2 || d.reg === 3) {
        const neg = d.reg === 3;
        e.memPrologue(); e.rmRead(bits); e.set(X);
        if (neg) { e.c32(0); e.get(X); e.op(W.I32_SUB); } else { e.get(X); e.c32(-1); e.op(W.I32_XOR); }
        if (bits !== 32) { e.c32(MASK[bits]); e.op(W.I32_AND); }
        e.set(V); e.rmWrite(bits, V);
        if (neg) { e.arithFlags(1, null, X, V, bits); e.setProducer(Producer.SUB, bits); }
        return 1;
      }
      if (d.reg > 1) return 0;
      e.memPrologue(); e.rmRead(bits); e.c32(d.imm | 0); e.op(W.I32_AND); e.set(V);
      e.resultFlags(V, bits, null);
      e.setProducer(Producer.LOGIC, bits);
      return 1;
    }
    case 0xfe: case 0xff: {
      if (op === 0xff && (d.reg === 2 || d.reg === 4)) {
        // ops/control.ts groupFFControl: CALL/JMP r/m near (the target read first; CS is flat)
        e.memPrologue(); e.rmRead(d.o32 ? 32 : 16); e.set(T);
        if (d.reg === 2) { e.c32(e.next | 0); e.set(V); e.push(d.o32, V); }
        e.gotoDynamic(T, e.k + 1);
        return 2;
      }
      if (op === 0xff && d.reg === 6) {
        e.memPrologue(); e.rmRead(vbits(e)); e.set(V);
        e.push(d.o32, V);
        return 1;
      }
      if (d.reg > 1) return 0;
      const bits = op === 0xfe ? 8 : vbits(e);
      const dec = d.reg === 1;
      e.memPrologue(); e.rmRead(bits); e.set(X);
      e.get(X); e.c32(1); e.op(dec ? W.I32_SUB : W.I32_ADD); if (bits !== 32) { e.c32(MASK[bits]); e.op(W.I32_AND); } e.set(V);
      e.rmWrite(bits, V);
      e.incDecFlags(dec ? 1 : 0, X, V, bits);
      e.setProducer(Producer.ZS, bits);
      return 1;
    }
    case 0x1b6: case 0x1b7: case 0x1be: case 0x1bf: {
      const src = op === 0x1b6 || op === 0x1be ? 8 : 16;
      e.memPrologue(); e.rmRead(src);
      if (op === 0x1be || op === 0x1bf) { e.c32(32 - src); e.op(W.I32_SHL); e.c32(32 - src); e.op(W.I32_SHR_S); }
      e.setReg(vbits(e), d.reg);
      return 1;
    }
  }
  return 0;
}

/** IMUL r, r/m (, imm) (ops/muldiv.ts imulForms): CF=OF=1 when the product does not fit. */
function imul(e: WasmEmitter): number {
  const d = e.d;
  const o32 = d.o32;
  e.memPrologue();
  e.rmRead(o32 ? 32 : 16); e.set(X);
  if (d.op === 0x1af) e.reg(o32 ? 32 : 16, d.reg); else e.c32(d.op === 0x6b ? (d.imm << 24) >> 24 : d.imm | 0);
  e.set(Y);
  const overflow = CF_OF;
  if (o32) {
    e.get(X); e.op(W.I64_EXTEND_I32_S); e.get(Y); e.op(W.I64_EXTEND_I32_S); e.op(W.I64_MUL); e.tee(L64);
    e.op(W.I32_WRAP_I64); e.tee(V); e.setReg(32, d.reg);
    e.resultFlags(V, 32, () => {
      e.c32(overflow); e.c32(0);
      e.get(L64); e.get(V); e.op(W.I64_EXTEND_I32_S); e.op(W.I64_NE);
      e.op(W.SELECT);
    });
  } else {
    const sx16 = (l: number) => { e.get(l); e.c32(16); e.op(W.I32_SHL); e.c32(16); e.op(W.I32_SHR_S); };
    sx16(X); sx16(Y); e.op(W.I32_MUL); e.set(T);
    e.get(T); e.c32(0xffff); e.op(W.I32_AND); e.tee(V); e.setReg(16, d.reg);
    e.resultFlags(V, 16, () => {
      e.c32(overflow); e.c32(0);
      e.get(T); sx16(T); e.op(W.I32_NE);
      e.op(W.SELECT);
    });
  }
  return 1;
}
const CF_OF = Flag.CF | Flag.OF;

/** C0/C1/D0/D1 with a constant count (emit-inline.ts shiftCode/rotateCode). */
function group2(e: WasmEmitter): number {
  const d = e.d;
  const op = d.op;
  const bits = (op & 1) === 0 ? 8 : vbits(e);
  const count = (op <= 0xc1 ? d.imm : 1) & 31;
  const kind = d.reg;
  const m = MASK[bits];
  const top = bits - 1;
  e.memPrologue();
  if (count === 0) { e.rmRead(bits); e.op(W.DROP); return 1; }
  const and1 = () => { e.c32(1); e.op(W.I32_AND); };
  const shr = (l: number, n: number) => { e.get(l); if (n !== 0) { e.c32(n); e.op(W.I32_SHR_U); } };
  if (kind <= 1) {
    const n = count & top;
    e.rmRead(bits); e.set(X);
    if (n === 0) e.get(X);
    else if (bits === 32) { e.get(X); e.c32(n); e.op(kind === 0 ? W.I32_ROTL : W.I32_ROTR); }
    else {
      e.get(X); e.c32(kind === 0 ? n : bits - n); e.op(W.I32_SHL);
      e.get(X); e.c32(kind === 0 ? bits - n : n); e.op(W.I32_SHR_U);
      e.op(W.I32_OR); e.c32(m); e.op(W.I32_AND);
    }
    e.set(V);
    e.rmWrite(bits, V);
    if (!e.flagsDead) {
      // c.eflags=(c.eflags&~2049)|cf|(of<<11); c.fLazy&=~2049
      e.get(EFL); e.c32(~0x801); e.op(W.I32_AND);
      if (kind === 0) { e.get(V); and1(); shr(V, top); e.get(V); e.op(W.I32_XOR); and1(); }
      else { shr(V, top); and1(); shr(V, top); shr(V, top - 1); e.op(W.I32_XOR); and1(); }
      e.c32(11); e.op(W.I32_SHL); e.op(W.I32_OR); e.op(W.I32_OR); e.set(EFL);
      e.get(F_LAZY); e.c32(~0x801); e.op(W.I32_AND); e.set(F_LAZY);
    }
    return 1;
  }
  if (count > bits || count === 32) return 0;
  const n = count;
  switch (kind) {
    case 4: case 6: // SHL
      e.rmRead(bits); e.set(X);
      e.get(X); e.c32(n); e.op(W.I32_SHL); if (bits !== 32) { e.c32(m); e.op(W.I32_AND); } e.set(V);
      e.rmWrite(bits, V);
      if (!e.flagsDead) e.resultFlags(V, bits, () => {
        shr(X, bits - n); and1(); e.set(T); // cf
        e.get(T); shr(V, top); e.get(T); e.op(W.I32_XOR); and1(); e.c32(11); e.op(W.I32_SHL); e.op(W.I32_OR);
      });
      return 1;
    case 5: // SHR
      e.rmRead(bits); e.set(X);
      shr(X, n); e.set(V);
      e.rmWrite(bits, V);
      if (!e.flagsDead) e.resultFlags(V, bits, () => {
        shr(X, n - 1); and1();
        e.get(V); e.get(V); e.c32(1); e.op(W.I32_SHL); e.op(W.I32_XOR); e.c32(top); e.op(W.I32_SHR_U); and1();
        e.c32(11); e.op(W.I32_SHL); e.op(W.I32_OR);
      });
      return 1;
    case 7: { // SAR
      if (n > top) return 0;
      e.rmRead(bits);
      if (bits !== 32) { e.c32(32 - bits); e.op(W.I32_SHL); e.c32(32 - bits); e.op(W.I32_SHR_S); }
      e.set(S);
      e.get(S); e.c32(n); e.op(W.I32_SHR_S); if (bits !== 32) { e.c32(m); e.op(W.I32_AND); } e.set(V);
      e.rmWrite(bits, V);
      if (!e.flagsDead) e.resultFlags(V, bits, () => { e.get(S); e.c32(n - 1); e.op(W.I32_SHR_S); and1(); });
      return 1;
    }
  }
  return 0;
}

/**
 * D3 with a 32-bit register operand: ROL, ROR, SHL, SHR, SAR by CL (ops/shift.ts group2 and
 * shift(); counts are taken modulo 32, a zero count changes nothing). Other forms: the handler.
 */
function shiftByCl(e: WasmEmitter): number {
  const d = e.d;
  const kind = d.reg;
  if (!d.isReg || !d.o32 || kind === 2 || kind === 3) return 0;
  const r = R0 + d.rm;
  const and1 = () => { e.c32(1); e.op(W.I32_AND); };
  e.get(R0 + 1); e.c32(31); e.op(W.I32_AND); e.tee(Y);
  e.open(W.IF);
  e.get(r); e.set(X);
  switch (kind) {
    case 0: case 1: // ROL/ROR: CF and OF made eager, the others keep their state
      e.get(X); e.get(Y); e.op(kind === 0 ? W.I32_ROTL : W.I32_ROTR); e.tee(V); e.set(r);
      e.get(EFL); e.c32(~0x801); e.op(W.I32_AND);
      if (kind === 0) { e.get(V); and1(); e.get(V); e.c32(31); e.op(W.I32_SHR_U); e.get(V); e.op(W.I32_XOR); and1(); }
      else { e.get(V); e.c32(31); e.op(W.I32_SHR_U); e.get(V); e.c32(31); e.op(W.I32_SHR_U); e.get(V); e.c32(30); e.op(W.I32_SHR_U); e.op(W.I32_XOR); and1(); }
      e.c32(11); e.op(W.I32_SHL); e.op(W.I32_OR); e.op(W.I32_OR); e.set(EFL);
      e.get(F_LAZY); e.c32(~0x801); e.op(W.I32_AND); e.set(F_LAZY);
      break;
    case 4: case 6: // SHL: cf = x >>> (32 - k) & 1, of = MSB(r) ^ cf
      e.get(X); e.get(Y); e.op(W.I32_SHL); e.tee(V); e.set(r);
      e.resultFlags(V, 32, () => {
        e.get(X); e.c32(32); e.get(Y); e.op(W.I32_SUB); e.op(W.I32_SHR_U); and1(); e.tee(T);
        e.get(V); e.c32(31); e.op(W.I32_SHR_U); e.get(T); e.op(W.I32_XOR); and1(); e.c32(11); e.op(W.I32_SHL); e.op(W.I32_OR);
      });
      break;
    case 5: // SHR: cf = x >>> (k - 1) & 1, of = MSB(r ^ (r << 1))
      e.get(X); e.get(Y); e.op(W.I32_SHR_U); e.tee(V); e.set(r);
      e.resultFlags(V, 32, () => {
        e.get(X); e.get(Y); e.c32(1); e.op(W.I32_SUB); e.op(W.I32_SHR_U); and1();
        e.get(V); e.get(V); e.c32(1); e.op(W.I32_SHL); e.op(W.I32_XOR); e.c32(31); e.op(W.I32_SHR_U); e.c32(11); e.op(W.I32_SHL); e.op(W.I32_OR);
      });
      break;
    default: // SAR: cf = x >> (k - 1) & 1, OF = 0
      e.get(X); e.get(Y); e.op(W.I32_SHR_S); e.tee(V); e.set(r);
      e.resultFlags(V, 32, () => { e.get(X); e.get(Y); e.c32(1); e.op(W.I32_SUB); e.op(W.I32_SHR_S); and1(); });
  }
  e.close();
  return 1;
}

/** MOVS/CMPS/STOS/LODS/SCAS without REP (emit-inline.ts stringOnce). */
function stringOnce(e: WasmEmitter): number {
  const d = e.d;
  if (!d.a32) return 0;
  const op = d.op;
  const bits = (op & 1) === 0 ? 8 : vbits(e);
  const size = bits >> 3;
  const src = d.segOvr >= 0 ? d.segOvr : Seg.DS;
  const SI = R0 + 6, DI = R0 + 7;
  // T = the step: -size when DF, else size
  e.c32(-size); e.c32(size); e.get(EFL); e.c32(Flag.DF); e.op(W.I32_AND); e.op(W.SELECT); e.set(T);
  const step = (r: number) => { e.get(r); e.get(T); e.op(W.I32_ADD); e.set(r); };
  switch (op & ~1) {
    case 0xa4:
      e.read(bits, src, SI); e.set(V); e.write(bits, Seg.ES, DI, V); step(SI); step(DI);
      break;
    case 0xa6:
      e.read(bits, src, SI); e.set(X); e.read(bits, Seg.ES, DI); e.set(Y);
      aluValue(e, 7, bits); e.set(V); aluFlags(e, 7, bits); step(SI); step(DI);
      e.setProducer(Producer.SUB, bits);
      break;
    case 0xaa:
      e.reg(bits, 0); e.set(V); e.write(bits, Seg.ES, DI, V); step(DI);
      break;
    case 0xac:
      e.read(bits, src, SI); e.setReg(bits, 0); step(SI);
      break;
    default:
      e.reg(bits, 0); e.set(X); e.read(bits, Seg.ES, DI); e.set(Y);
      aluValue(e, 7, bits); e.set(V); aluFlags(e, 7, bits); step(DI);
      e.setProducer(Producer.SUB, bits);
  }
  return 1;
}

/** emit-inline.ts emitInline's producer bookkeeping around one instruction. */
function emitOne(e: WasmEmitter): number {
  e.producerSet = false;
  const r = emitInsn(e);
  if (r !== 0 && ((!e.producerSet && KEEPS_FLAGS[e.d.op] === 0) || e.flagsDead)) e.producer = Producer.NONE;
  return r;
}

export interface WasmCode {
  bytes: Uint8Array<ArrayBuffer>;
  /** Segments whose flatness the code relies on (the entry check must test them). */
  flatUsed: number;
  /** Segments whose 4 GiB limits it relies on, with their bases in ExchangeWord.SEG_BASE + seg. */
  basedUsed: number;
  /** It reads the TSC: the entry must write the TscWord values. */
  usesTsc: boolean;
}

/** The state a region is translated for. */
export interface WasmSpec extends HotSpec {
  /** Segments with any base but 4 GiB read and write limits (FS/GS of per-CPU and thread data). */
  based: number;
  /** The TSC is a line in the instruction count (tsc.ts tscLine): RDTSC can be computed. */
  tscLine: boolean;
}

/**
 * The region whose blocks are `blocks` (the first is the entry) as a WebAssembly module, or null
 * when the entry block starts with an instruction without a WebAssembly form. Other blocks that
 * do are left out (jumps to them leave the function); a block with one further on stops before
 * it, and the run loop interprets it (a bail-out). Each block keeps its own boundary (the
 * budget check before it), as emit.ts translateRegion does.
 */
export function translateWasm(blocks: WasmBlock[], spec: WasmSpec, layout: WasmLayout): WasmCode | null {
  let members = blocks;
  for (;;) {
    const r = emitRegion(members, spec, layout);
    if (typeof r !== 'number') return r;
    if (r === 0) return null;
    members = members.filter((_, i) => i !== r);
  }
}

/** The module for exactly these member blocks, or the index of a block that has no WebAssembly form. */
function emitRegion(blocks: WasmBlock[], spec: WasmSpec, layout: WasmLayout): WasmCode | number {
  const members = new Map<number, number>();
  blocks.forEach((b, i) => members.set(b.eip, i));
  const e = new WasmEmitter(layout, spec, members);
  const o = e.o;
  const K = blocks.length;
  e.cases = K;
  // Prologue: registers and flags into locals.
  for (let i = 0; i < 8; i++) { e.c32(0); e.mem(W.I32_LOAD, 2, layout.regs + 4 * i); e.set(R0 + i); }
  FLAG_LOCALS.forEach((l, i) => { e.c32(0); e.mem(W.I32_LOAD, 2, layout.exchange + 4 * i); e.set(l); });
  for (let s = 0; s < 6; s++) {
    if (((spec.based >> s) & 1) !== 0) { e.c32(0); e.mem(W.I32_LOAD, 2, layout.exchange + 4 * (ExchangeWord.SEG_BASE + s)); e.set(BASE0 + s); }
  }
  e.op2(W.BLOCK, VOID); e.op2(W.LOOP, VOID); e.op2(W.BLOCK, VOID);
  for (let i = 0; i < K; i++) e.op2(W.BLOCK, VOID);
  e.get(P);
  o.push(W.BR_TABLE);
  uleb(o, K);
  for (let i = 0; i < K; i++) uleb(o, i);
  uleb(o, K);
  for (let i = 0; i < K; i++) {
    o.push(W.END);
    const b = blocks[i];
    e.ci = i;
    e.nest = 0;
    e.producer = Producer.NONE;
    // Budget: this block must fit, or leave before it.
    e.get(J); e.c32(b.insns.length); e.op(W.I32_ADD); e.get(ROOM); e.op(W.I32_GT_S);
    e.open(W.IF); e.exit(b.eip, 0, WasmExit.NEXT); e.close();
    let ended = false;
    for (e.k = 0; e.k < b.insns.length; e.k++) {
      const d = (e.d = b.insns[e.k]);
      e.next = d.eip + d.len;
      e.flagsDead = b.dead[e.k] === 1;
      const mark = o.length;
      const used = [e.flatUsed, e.basedUsed, e.usesTsc ? 1 : 0];
      let r: number;
      try {
        r = emitOne(e);
      } catch (err) {
        if (!(err instanceof Unsupported)) throw err;
        r = 0;
      }
      if (r === 0) {
        // No WebAssembly form: a block that starts with it is left out; else the code stops
        // before it and the interpreter runs it.
        if (e.k === 0) return i;
        o.length = mark;
        e.nest = 0;
        [e.flatUsed, e.basedUsed] = used;
        e.usesTsc = used[2] === 1;
        e.bail(WasmExit.INTERPRET);
        ended = true;
        break;
      }
      if (r === 2) { ended = true; break; }
    }
    if (!ended) e.goto(b.end, b.insns.length);
    o.push(W.UNREACHABLE);
  }
  e.op(W.END); e.op(W.UNREACHABLE); e.op(W.END); e.op(W.END); // $default, loop, $out
  // Epilogue: the state back to memory.
  for (let i = 0; i < 8; i++) { e.c32(0); e.get(R0 + i); e.mem(W.I32_STORE, 2, layout.regs + 4 * i); }
  FLAG_LOCALS.forEach((l, i) => { e.c32(0); e.get(l); e.mem(W.I32_STORE, 2, layout.exchange + 4 * i); });
  e.c32(0); e.get(X_EIP); e.mem(W.I32_STORE, 2, layout.exchange + 4 * ExchangeWord.EIP);
  e.c32(0); e.get(X_KIND); e.mem(W.I32_STORE, 2, layout.exchange + 4 * ExchangeWord.KIND);
  e.get(X_RET);
  return { bytes: moduleBytes(o, I32_LOCALS, 1), flatUsed: e.flatUsed, basedUsed: e.basedUsed, usesTsc: e.usesTsc };
}

/** The lazy-flag locals in ExchangeWord order. */
const FLAG_LOCALS = [F_OP, F_DST, F_SRC, F_RES, F_BITS, F_LAZY, EFL];
