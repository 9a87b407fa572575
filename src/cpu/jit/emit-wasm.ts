// Translations as WebAssembly (jit.ts compile, for blocks and hot regions): the same blocks,
// instructions and semantics as emit.ts/emit-inline.ts give them as JavaScript, with the eight
// registers and the lazy-flag fields in WebAssembly locals. V8 compiles a module straight to
// machine code (Liftoff, then TurboFan for hot functions) with no inline-cache tier, and memory
// accesses are plain loads from the guest's WebAssembly.Memory (memory/physical-memory.ts).
//
// The code covers a subset: 32-bit code and addressing, segments with 4 GiB limits, a 32-bit
// stack, A20 on (wasm-tier.ts checks these at entry, else the JavaScript runs) and the
// instructions below. Whatever leaves the RAM fast path (a TLB miss, a permission the TLB entry
// lacks, an access crossing a page end, a non-RAM page, a store into a page holding
// translations) "bails out": the function writes the state back as of the start of that
// instruction, which has changed nothing yet, and the run loop interprets it (which faults,
// walks or invalidates exactly as the interpreter does). So exceptions are precise and
// self-modifying code is seen before the store. An instruction without a WebAssembly form stops
// the code the same way.
import { W, VOID, functionBody, uleb } from './wasm-asm.js';
import { emitOne } from './wasm-insn.js';
import { Producer } from './emit-inline.js';
import { interpretedInDispatcher } from './classify.js';
import {
  WasmEmitter, Unsupported, ExchangeWord, WasmExit,
  ROOM, R0, F_OP, F_DST, F_SRC, F_RES, F_BITS, F_LAZY, EFL, J, P, X_RET, X_EIP, X_KIND, BASE0, I32_LOCALS,
  type WasmBlock, type WasmLayout, type WasmSpec,
} from './wasm-emitter.js';

export { ExchangeWord, Need, TscWord, TSC_WORDS, WasmExit, type WasmBlock, type WasmLayout, type WasmSpec } from './wasm-emitter.js';

export interface WasmCode {
  /** The function's body (wasm-asm.ts functionBody; moduleBytes makes modules of these). */
  body: Uint8Array<ArrayBuffer>;
  /** Segments whose flatness the code relies on (the entry check must test them). */
  flatUsed: number;
  /** Segments whose 4 GiB limits it relies on, with their bases in ExchangeWord.SEG_BASE + seg. */
  basedUsed: number;
  /** What else the entry must provide or check (Need bits). */
  needs: number;
}

/**
 * The region whose blocks are `blocks` (the first is the entry) as a WebAssembly function, or null
 * when the entry block starts with an instruction without a WebAssembly form. Other blocks that
 * do are left out (jumps to them leave the function); a block with one further on stops before
 * it, and the run loop interprets it (a bail-out). Each block keeps its own boundary (the
 * budget check before it), as emit.ts translateRegion does.
 */
export function translateWasm(blocks: WasmBlock[], spec: WasmSpec, layout: WasmLayout): WasmCode | null {
  let members = fallThroughOrder(blocks);
  for (;;) {
    const r = emitRegion(members, spec, layout, members.length > 1);
    if (typeof r !== 'number') return r;
    if (r === 0) return null;
    members = members.filter((_, i) => i !== r);
  }
}

/**
 * The blocks in case order: the entry first, then each block's fall-through successor (where a
 * block without a taken branch goes on) right after it where it can be, so that the code falls
 * from case to case instead of going round the loop through br_table.
 */
function fallThroughOrder(blocks: WasmBlock[]): WasmBlock[] {
  const byEip = new Map<number, WasmBlock>();
  for (const b of blocks) byEip.set(b.eip, b);
  const out: WasmBlock[] = [];
  const placed = new Set<number>();
  let i = 0;
  while (out.length < blocks.length) {
    let b = out.length === 0 ? undefined : byEip.get(out[out.length - 1].end);
    if (b === undefined || placed.has(b.eip)) {
      while (placed.has(blocks[i].eip)) i++;
      b = blocks[i];
    }
    out.push(b);
    placed.add(b.eip);
  }
  return out;
}

/** The function for exactly these member blocks, or the index of a block that has no WebAssembly form. */
function emitRegion(blocks: WasmBlock[], spec: WasmSpec, layout: WasmLayout, loops: boolean): WasmCode | number {
  const members = new Map<number, number>();
  blocks.forEach((b, i) => members.set(b.eip, i));
  const e = new WasmEmitter(layout, spec, members);
  e.loops = loops;
  const o = e.o;
  const K = blocks.length;
  e.cases = K;
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
    e.resetMemos();
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
      const { flatUsed, basedUsed, needs } = e;
      let r: number;
      try {
        r = emitOne(e);
      } catch (err) {
        if (!(err instanceof Unsupported)) throw err;
        r = 0;
      }
      if (r === 0) {
        // No WebAssembly form: a block that starts with it is left out; else the code stops
        // before it, for the block that starts there when the dispatcher can have the
        // interpreter run it and go on (classify.ts interpretedInDispatcher: jit.ts gives that
        // block a slot), else for the run loop's interpreter.
        if (e.k === 0) return i;
        o.length = mark;
        e.nest = 0;
        e.resetMemos();
        e.flatUsed = flatUsed;
        e.basedUsed = basedUsed;
        e.needs = needs;
        e.bail(interpretedInDispatcher(d.op, d.info, d.reg) ? WasmExit.NEXT : WasmExit.INTERPRET);
        ended = true;
        break;
      }
      if (r === 2) { ended = true; break; }
    }
    if (!ended) e.goto(b.end, b.insns.length);
    if (e.tailEnd === o.length && e.tailCase === i + 1) o.length = e.tailFrom; // falls into the next case
    else o.push(W.UNREACHABLE);
  }
  e.op(W.END); e.op(W.UNREACHABLE); e.op(W.END); e.op(W.END); // $default, loop, $out
  // Epilogue: what the code assigned back to memory; the prologue (stateLoads) loads what it uses.
  const { touched, written } = e;
  for (const [l, at] of stateSlots(layout)) if (((written >> l) & 1) !== 0) { e.c32(0); e.get(l); e.mem(W.I32_STORE, 2, at); }
  e.c32(0); e.get(X_EIP); e.mem(W.I32_STORE, 2, layout.exchange + 4 * ExchangeWord.EIP);
  e.c32(0); e.get(X_KIND); e.mem(W.I32_STORE, 2, layout.exchange + 4 * ExchangeWord.KIND);
  e.get(X_RET);
  if (e.looped) return emitRegion(blocks, spec, layout, true); // the block jumps to itself
  return { body: functionBody(o, I32_LOCALS, 1, stateLoads(touched, layout)), flatUsed: e.flatUsed, basedUsed: e.basedUsed, needs: e.needs };
}

/** The function's prologue: the registers and lazy-flag fields in `touched` (bit l: local l) into their locals. */
function stateLoads(touched: number, layout: WasmLayout): Uint8Array {
  const out: number[] = [];
  for (const [l, at] of stateSlots(layout)) {
    if (((touched >> l) & 1) === 0) continue;
    out.push(W.I32_CONST, 0, W.I32_LOAD, 2); uleb(out, at); out.push(W.LOCAL_SET, l);
  }
  return Uint8Array.from(out);
}

/** The lazy-flag locals in ExchangeWord order. */
const FLAG_LOCALS = [F_OP, F_DST, F_SRC, F_RES, F_BITS, F_LAZY, EFL];

/** Each register and lazy-flag local with its word in memory (Cpu.regs, then the ExchangeWord flag words). */
function stateSlots(layout: WasmLayout): [number, number][] {
  const slots: [number, number][] = [];
  for (let i = 0; i < 8; i++) slots.push([R0 + i, layout.regs + 4 * i]);
  FLAG_LOCALS.forEach((l, i) => slots.push([l, layout.exchange + 4 * i]));
  return slots;
}
