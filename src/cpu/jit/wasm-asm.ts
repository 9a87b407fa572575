// A minimal WebAssembly binary writer for jit/emit-wasm.ts: modules importing the guest's
// memory and exporting translations' functions, and the dispatcher that enters those (jit/wasm-tier.ts). Encodings from the WebAssembly Core Specification 2.0,
// §5 (binary format): LEB128 integers (§5.2.2), instructions (§5.4), sections (§5.5).

/** Opcodes used by the translator (Core spec §5.4). */
export const enum W {
  UNREACHABLE = 0x00, BLOCK = 0x02, LOOP = 0x03, IF = 0x04, ELSE = 0x05, END = 0x0b, BR = 0x0c,
  BR_IF = 0x0d, BR_TABLE = 0x0e, RETURN = 0x0f, CALL = 0x10, CALL_INDIRECT = 0x11, DROP = 0x1a, SELECT = 0x1b,
  LOCAL_GET = 0x20, LOCAL_SET = 0x21, LOCAL_TEE = 0x22,
  I32_LOAD = 0x28, I32_LOAD8_U = 0x2d, I32_LOAD16_U = 0x2f, I32_STORE = 0x36, I32_STORE8 = 0x3a, I32_STORE16 = 0x3b,
  I32_CONST = 0x41,
  I32_EQZ = 0x45, I32_EQ = 0x46, I32_NE = 0x47, I32_LT_S = 0x48, I32_LT_U = 0x49, I32_GT_S = 0x4a, I32_GT_U = 0x4b,
  I32_LE_S = 0x4c, I32_LE_U = 0x4d, I32_GE_S = 0x4e, I32_GE_U = 0x4f,
  I64_NE = 0x52,
  I32_CLZ = 0x67, I32_CTZ = 0x68, I32_POPCNT = 0x69, I32_ADD = 0x6a, I32_SUB = 0x6b, I32_MUL = 0x6c, I32_AND = 0x71, I32_OR = 0x72, I32_XOR = 0x73,
  I32_SHL = 0x74, I32_SHR_S = 0x75, I32_SHR_U = 0x76, I32_ROTL = 0x77, I32_ROTR = 0x78,
  I32_DIV_U = 0x6e, I32_REM_U = 0x70,
  I64_MUL = 0x7e, I64_DIV_U = 0x80, I64_REM_U = 0x82, I64_OR = 0x84, I64_SHL = 0x86,
  I32_WRAP_I64 = 0xa7, I64_EXTEND_I32_S = 0xac, I64_EXTEND_I32_U = 0xad,
  F64_LOAD = 0x2b, I64_SHR_U = 0x88, F64_FLOOR = 0x9c, F64_ADD = 0xa0, F64_MUL = 0xa2, I64_TRUNC_F64_S = 0xb0,
  F64_CONVERT_I32_U = 0xb8, I64_CONST = 0x42,
  /** Prefix of the bulk-memory instructions (memory.copy 0xFC 10, memory.fill 0xFC 11). */
  PREFIX_FC = 0xfc,
}

/** Block type "no result" (§5.4.1). */
export const VOID = 0x40;
const I32 = 0x7f;
const I64 = 0x7e;

/** A growable byte buffer (the code of one function as it is emitted). */
export class Bytes {
  private buf = new Uint8Array(4096);
  length = 0;

  push(b: number): void {
    if (this.length === this.buf.length) {
      const grown = new Uint8Array(this.buf.length * 2);
      grown.set(this.buf);
      this.buf = grown;
    }
    this.buf[this.length++] = b;
  }

  /** Empties the buffer (keeping its memory) and returns it. */
  reset(): this {
    this.length = 0;
    return this;
  }

  /** The bytes so far (a view, valid until the next push). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

interface Sink {
  push(b: number): void;
}

/** Appends the unsigned LEB128 encoding of v (0 <= v < 2^32). */
export function uleb(out: Sink, v: number): void {
  v >>>= 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
}

/** Appends the signed LEB128 encoding of the int32 v. */
export function sleb(out: Sink, v: number): void {
  v |= 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

function section(out: number[], id: number, body: number[]): void {
  out.push(id);
  uleb(out, body.length);
  for (const b of body) out.push(b);
}

function name(out: number[], s: string): void {
  uleb(out, s.length);
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i));
}

/**
 * One function's body as the code section holds it (§5.5.13, without its size): `i32Locals`
 * i32 locals and `i64Locals` i64 locals after the parameter, then `prologue`, `code` and the final END.
 */
export function functionBody(code: Bytes, i32Locals: number, i64Locals: number, prologue: Uint8Array = new Uint8Array(0)): Uint8Array<ArrayBuffer> {
  const locals: number[] = [2];
  uleb(locals, i32Locals);
  locals.push(I32);
  uleb(locals, i64Locals);
  locals.push(I64);
  const out = new Uint8Array(locals.length + prologue.length + code.length + 1);
  out.set(locals);
  out.set(prologue, locals.length);
  out.set(code.view(), locals.length + prologue.length);
  out[out.length - 1] = W.END;
  return out;
}

/** "\0asm", version 1: how every module begins (Core spec §5.5.16). */
function moduleHeader(): number[] {
  return [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
}

/**
 * A module that imports memory "e"."m" and exports functions "0", "1", ... of type (i32) -> i32
 * with these bodies (functionBody), in order; with `names`, a name section gives function i the
 * name names[i] (Core spec §7.4.2.3: custom section "name", function-name subsection 1).
 */
export function moduleBytes(bodies: readonly Uint8Array[], names?: readonly string[]): Uint8Array<ArrayBuffer> {
  const n = bodies.length;
  const head = moduleHeader();
  section(head, 1, [1, 0x60, 1, I32, 1, I32]); // type 0: (i32) -> i32
  const imports: number[] = [1];
  name(imports, 'e');
  name(imports, 'm');
  imports.push(0x02, 0x00, 0x00); // memory, limits: min 0, no max
  section(head, 2, imports);
  const types: number[] = [];
  uleb(types, n);
  for (let i = 0; i < n; i++) types.push(0); // every function has type 0
  section(head, 3, types);
  const exports: number[] = [];
  uleb(exports, n);
  for (let i = 0; i < n; i++) {
    name(exports, String(i));
    exports.push(0x00);
    uleb(exports, i);
  }
  section(head, 7, exports);
  // The code section: the count, then each body after its size.
  const count: number[] = [];
  uleb(count, n);
  const prefixes = bodies.map((b) => { const p: number[] = []; uleb(p, b.length); return p; });
  let size = count.length;
  for (let i = 0; i < n; i++) size += prefixes[i].length + bodies[i].length;
  head.push(10);
  uleb(head, size);
  for (const b of count) head.push(b);
  const tail: number[] = [];
  if (names !== undefined) {
    const map: number[] = [];
    uleb(map, n);
    for (let i = 0; i < n; i++) { uleb(map, i); name(map, names[i]); }
    const custom: number[] = [];
    name(custom, 'name');
    custom.push(1);
    uleb(custom, map.length);
    for (const x of map) custom.push(x);
    section(tail, 0, custom);
  }
  const out = new Uint8Array(head.length + size - count.length + tail.length);
  out.set(head);
  let at = head.length;
  for (let i = 0; i < n; i++) {
    out.set(prefixes[i], at);
    at += prefixes[i].length;
    out.set(bodies[i], at);
    at += bodies[i].length;
  }
  out.set(tail, at);
  return out;
}

/** Where the dispatcher finds the CPU area (byte offsets in the guest's memory; see wasm-tier.ts). */
export interface DispatchLayout {
  /** Int32 words: exit EIP and kind as the translations leave them, and the dispatcher's LAST and CHAINED words. */
  eipWord: number;
  /** Int32 word: the Cap bits the code it goes on to may require (0: none), read before each lookup (an interpreted segment load updates it). */
  capsWord: number;
  kindWord: number;
  lastWord: number;
  chainedWord: number;
  tlbFast: number;
  pageKind: number;
  codePages: number;
  /** The chain table: `chainEntries` (a power of two) entries of four int32s: pa, eip, slot, requirements; two-way sets of entries 2k, 2k+1. */
  chain: number;
  chainEntries: number;
  /** Exchange word written with the instructions retired so far before each call (ExchangeWord.RETIRED). */
  retiredWord: number;
  /** Int32 per table slot: entries the dispatcher may still make into it (CHAIN_UNCOUNTED: no count). */
  left: number;
}

/** A `left` word the dispatcher does not count down (the block is hot already). */
export const CHAIN_UNCOUNTED = 0x7fffffff;

/**
 * The dispatcher: imports memory "e"."m" and table "e"."t" of functions of type (i32) -> i32
 * and exports "d" (slot, room, need) -> retired. It calls the function in `slot` with the
 * budget `room` (call_indirect, §5.4.1) and, while that leaves at a branch (exit kind 0) with
 * budget left, looks up the code at the exit EIP the way jit.ts find() would and calls that
 * too: the linear page through TlbState.fast with fetch permission `need` (0: paging off, the
 * page must be RAM), the chain table entry at the physical address's hash, whose EIP and
 * requirements (a subset of the caps word's) must match, a page still marked as code, and entries left
 * in its count. It returns the instructions retired by all of them and leaves the last slot in
 * LAST and the number of calls after the first in CHAINED.
 */
export function dispatchModule(L: DispatchLayout): Uint8Array<ArrayBuffer> {
  const out = moduleHeader();
  section(out, 1, [2, 0x60, 1, I32, 1, I32, 0x60, 3, I32, I32, I32, 1, I32]); // types 0: (i32) -> i32, 1: (i32 x3) -> i32
  const imports: number[] = [2];
  name(imports, 'e');
  name(imports, 'm');
  imports.push(0x02, 0x00, 0x00); // memory, limits: min 0, no max
  name(imports, 'e');
  name(imports, 't');
  imports.push(0x01, 0x70, 0x00, 0x00); // table of funcref, limits: min 0, no max
  section(out, 2, imports);
  section(out, 3, [1, 1]); // function 0 has type 1
  const exports: number[] = [1];
  name(exports, 'd');
  exports.push(0x00, 0x00);
  section(out, 7, exports);
  const SLOT = 0, ROOM = 1, NEED = 2, TOTAL = 3, R = 4, EIP = 5, PA = 6, H = 7, E = 8, NEXT = 9, CHAINS = 10;
  const b = new Bytes();
  const op = (...xs: number[]) => { for (const x of xs) b.push(x); };
  const get = (l: number) => op(W.LOCAL_GET, l);
  const set = (l: number) => op(W.LOCAL_SET, l);
  const tee = (l: number) => op(W.LOCAL_TEE, l);
  const c32 = (v: number) => { op(W.I32_CONST); sleb(b, v); };
  const mem = (o: number, align: number, offset: number) => { op(o, align); uleb(b, offset); };
  const load = (offset: number) => mem(W.I32_LOAD, 2, offset);
  /** Leaves the loop (depth: blocks opened inside it). */
  const out_ = (depth: number) => { op(W.BR_IF); uleb(b, depth + 1); };
  op(W.BLOCK, VOID, W.LOOP, VOID);
  c32(0); get(TOTAL); mem(W.I32_STORE, 2, L.retiredWord);
  get(ROOM); get(SLOT); op(W.CALL_INDIRECT, 0, 0); tee(R);
  get(TOTAL); op(W.I32_ADD); set(TOTAL);
  get(ROOM); get(R); op(W.I32_SUB); set(ROOM);
  c32(0); load(L.kindWord); out_(0); // not at a branch
  get(R); op(W.I32_EQZ); out_(0); // the function did not fit in the budget
  get(ROOM); c32(1); op(W.I32_LT_S); out_(0);
  c32(0); load(L.eipWord); set(EIP);
  get(NEED);
  op(W.IF, VOID);
  get(EIP); c32(12); op(W.I32_SHR_U); c32(2); op(W.I32_SHL); load(L.tlbFast); tee(E);
  get(NEED); c32(16 /* Tlb.NX */); op(W.I32_OR); op(W.I32_AND); get(NEED); op(W.I32_NE); out_(1);
  get(E); c32(-4096); op(W.I32_AND); get(EIP); c32(4095); op(W.I32_AND); op(W.I32_OR); set(PA);
  op(W.ELSE);
  get(EIP); c32(12); op(W.I32_SHR_U); mem(W.I32_LOAD8_U, 0, L.pageKind); c32(1 /* PageKind.Ram */); op(W.I32_NE); out_(1);
  get(EIP); set(PA);
  op(W.END);
  // Two ways per set (entries 2k, 2k+1: one 32-byte pair): the first, else the second.
  get(PA); get(PA); c32(14); op(W.I32_SHR_U); op(W.I32_XOR); c32(L.chainEntries - 2); op(W.I32_AND); c32(4); op(W.I32_SHL); tee(H);
  load(L.chain); get(PA); op(W.I32_EQ); get(H); load(L.chain + 4); get(EIP); op(W.I32_EQ); op(W.I32_AND);
  op(W.IF, VOID);
  op(W.ELSE);
  get(H); c32(16); op(W.I32_OR); tee(H); load(L.chain); get(PA); op(W.I32_NE); out_(1);
  get(H); load(L.chain + 4); get(EIP); op(W.I32_NE); out_(1);
  op(W.END);
  get(H); load(L.chain + 12); c32(0); load(L.capsWord); c32(-1); op(W.I32_XOR); op(W.I32_AND); out_(0);
  get(PA); c32(12); op(W.I32_SHR_U); mem(W.I32_LOAD8_U, 0, L.codePages); op(W.I32_EQZ); out_(0);
  get(H); load(L.chain + 8); tee(NEXT); c32(2); op(W.I32_SHL); load(L.left); tee(E); c32(1); op(W.I32_LT_S); out_(0);
  get(E); c32(CHAIN_UNCOUNTED); op(W.I32_NE);
  op(W.IF, VOID);
  get(NEXT); c32(2); op(W.I32_SHL); get(E); c32(1); op(W.I32_SUB); mem(W.I32_STORE, 2, L.left);
  op(W.END);
  get(CHAINS); c32(1); op(W.I32_ADD); set(CHAINS);
  get(NEXT); set(SLOT);
  op(W.BR, 0);
  op(W.END, W.END);
  c32(0); get(SLOT); mem(W.I32_STORE, 2, L.lastWord);
  c32(0); get(CHAINS); mem(W.I32_STORE, 2, L.chainedWord);
  get(TOTAL);
  op(W.END);
  const body: number[] = [1, 8, I32]; // locals: 8 i32 after the 3 parameters
  const code = b.view();
  for (let i = 0; i < code.length; i++) body.push(code[i]);
  const fn: number[] = [];
  uleb(fn, body.length);
  for (const x of body) fn.push(x);
  section(out, 10, [1, ...fn]);
  return Uint8Array.from(out);
}

/**
 * A module whose one export "f" (i32) -> i32 calls the imported JavaScript function "e"."i"
 * with its argument: a JavaScript function as a table entry the dispatcher can call.
 */
export function callOutModule(): Uint8Array<ArrayBuffer> {
  const out = moduleHeader();
  section(out, 1, [1, 0x60, 1, I32, 1, I32]); // type 0: (i32) -> i32
  const imports: number[] = [1];
  name(imports, 'e');
  name(imports, 'i');
  imports.push(0x00, 0x00); // function of type 0 (function index 0)
  section(out, 2, imports);
  section(out, 3, [1, 0]); // function 1 has type 0
  const exports: number[] = [1];
  name(exports, 'f');
  exports.push(0x00, 0x01);
  section(out, 7, exports);
  section(out, 10, [1, 6, 0, W.LOCAL_GET, 0, W.CALL, 0, W.END]); // no locals; call import 0
  return Uint8Array.from(out);
}
