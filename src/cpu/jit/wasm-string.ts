// String instructions as WebAssembly (wasm-insn.ts emitInsn): MOVS/STOS with or without REP,
// REPE/REPNE CMPS and SCAS, and each string instruction once without REP; the interpreter's
// ops/string.ts stringOp is the reference for all of them.
import { Flag, Seg } from '../state.js';
import { Producer } from './emit-inline.js';
import { W } from './wasm-asm.js';
import { WasmEmitter, WasmExit, ROOM, R0, EFL, J, X, Y, V, A, Q, S, T, U } from './wasm-emitter.js';
import { aluValue, aluFlags, vbits } from './wasm-alu.js';

/** Most iterations one execution of a REP string instruction runs (ops/string.ts REP_CHUNK). */
const REP_CHUNK = 1024;

/**
 * Sets local `n` to the iterations one execution of a REP instruction runs at most:
 * min(ECX, REP_CHUNK, the budget left, which is at least 1). Uses Y.
 */
function repElements(e: WasmEmitter, n: number): void {
  const ecx = R0 + 1;
  e.get(ecx); e.c32(REP_CHUNK); e.get(ecx); e.c32(REP_CHUNK); e.op(W.I32_LE_U); e.op(W.SELECT); e.set(n);
  e.get(ROOM); e.get(J); e.op(W.I32_SUB); e.c32(e.k); e.op(W.I32_SUB); e.set(Y);
  e.get(n); e.get(Y); e.get(n); e.get(Y); e.op(W.I32_LE_U); e.op(W.SELECT); e.set(n);
}

/**
 * MOVS and STOS upwards with 32-bit addressing, with or without REP (ops/string.ts stringOp):
 * one execution runs N = min(ECX, REP_CHUNK, budget left) iterations as the interpreter does
 * (N = 1 without REP), here as one memory.copy or fill when all N lie in one page of each
 * operand on the RAM fast path. Else (DF set, a page end inside the run, a copy onto its own
 * source from above) the interpreter runs the instruction; a TLB miss or a store into a page
 * with translations bails out. Unfinished (ECX not 0), the instruction retires and the code
 * leaves at its own EIP, where the interpreter would execute it again.
 */
export function stringStore(e: WasmEmitter): number {
  const d = e.d;
  const movs = d.op <= 0xa5;
  const size = (d.op & 1) === 0 ? 1 : d.o32 ? 4 : 2;
  const ecx = R0 + 1;
  const rep = d.rep !== 0;
  if (rep) { e.get(ecx); e.open(W.IF); }
  e.get(EFL); e.c32(Flag.DF); e.op(W.I32_AND); e.bailIf(WasmExit.INTERPRET);
  // N in X, its bytes in U.
  if (rep) {
    repElements(e, X);
    e.get(X); e.c32(size === 4 ? 2 : size === 2 ? 1 : 0); e.op(W.I32_SHL); e.set(U);
  } else {
    e.c32(size); e.set(U);
  }
  const inOnePage = () => {
    e.get(Q); e.c32(0xfff); e.op(W.I32_AND); e.get(U); e.op(W.I32_ADD); e.c32(0x1000); e.op(W.I32_GT_U);
    e.bailIf(WasmExit.INTERPRET);
  };
  if (movs) {
    e.ramAddress(d.segOvr >= 0 ? d.segOvr : Seg.DS, R0 + 6, 1, false);
    inOnePage();
    e.get(Q); e.set(S);
  }
  e.ramAddress(Seg.ES, R0 + 7, 1, true);
  inOnePage();
  if (movs) {
    // Forward element by element equals memmove unless the destination starts inside the source.
    e.get(Q); e.get(S); e.op(W.I32_GT_U); e.get(Q); e.get(S); e.get(U); e.op(W.I32_ADD); e.op(W.I32_LT_U); e.op(W.I32_AND);
    e.bailIf(WasmExit.INTERPRET);
    e.get(Q); e.get(S); e.get(U); e.memoryCopy();
    e.get(R0 + 6); e.get(U); e.op(W.I32_ADD); e.set(R0 + 6);
  } else if (size === 1) {
    e.get(Q); e.reg(8, 0); e.get(U); e.memoryFill();
  } else {
    // T: the byte offset of the next element.
    e.c32(0); e.set(T);
    e.open(W.BLOCK); e.open(W.LOOP);
    e.get(T); e.get(U); e.op(W.I32_GE_U); e.op2(W.BR_IF, 1);
    e.get(Q); e.get(T); e.op(W.I32_ADD); e.get(R0);
    if (size === 4) e.mem(W.I32_STORE, 0, 0); else e.mem(W.I32_STORE16, 0, 0);
    e.get(T); e.c32(size); e.op(W.I32_ADD); e.set(T);
    e.br(0);
    e.close(); e.close();
  }
  e.get(R0 + 7); e.get(U); e.op(W.I32_ADD); e.set(R0 + 7);
  if (rep) {
    e.get(ecx); e.get(X); e.op(W.I32_SUB); e.tee(ecx);
    e.open(W.IF); e.exit(d.eip, e.k + 1, WasmExit.NEXT); e.close();
    e.close();
  }
  return 1;
}

/**
 * REPE/REPNE CMPS and SCAS upwards with 32-bit addressing (ops/string.ts stringOp): one
 * execution compares up to N = min(ECX, REP_CHUNK, budget left) elements and stops early at the
 * first that ends the repeat, as the interpreter does. The elements are compared in temporaries;
 * only when every element read lies in the page of the first (RAM fast path) are ESI, EDI, ECX
 * and the flags (of the last comparison) updated, else the interpreter runs the instruction with
 * nothing changed yet. Unfinished (no stop, ECX not 0), it retires and the code leaves at its
 * own EIP, as stringStore.
 */
export function stringCompareRep(e: WasmEmitter): number {
  const d = e.d;
  const cmps = (d.op & ~1) === 0xa6;
  const bits = (d.op & 1) === 0 ? 8 : vbits(e);
  const size = bits >> 3;
  const ecx = R0 + 1, SI = R0 + 6, DI = R0 + 7;
  const equal = d.rep === 0xf3 ? W.I32_EQ : W.I32_NE; // the repeat goes on while X, Y compare so
  const load = () => e.mem(size === 4 ? W.I32_LOAD : size === 2 ? W.I32_LOAD16_U : W.I32_LOAD8_U, 0, 0);
  e.get(ecx); e.open(W.IF);
  e.get(EFL); e.c32(Flag.DF); e.op(W.I32_AND); e.bailIf(WasmExit.INTERPRET);
  repElements(e, U); // the most elements this execution compares
  if (cmps) { e.ramAddress(d.segOvr >= 0 ? d.segOvr : Seg.DS, SI, 1, false); e.get(Q); e.set(S); }
  e.ramAddress(Seg.ES, DI, 1, false);
  if (!cmps) { e.reg(bits, 0); e.set(X); }
  // T: the byte offset of the element, A: elements compared.
  e.c32(0); e.set(T); e.c32(0); e.set(A);
  const pastPage = (base: number) => { e.get(base); e.c32(0xfff); e.op(W.I32_AND); e.get(T); e.op(W.I32_ADD); e.c32(0x1000 - size); e.op(W.I32_GT_U); };
  e.open(W.LOOP);
  pastPage(Q);
  if (cmps) { pastPage(S); e.op(W.I32_OR); }
  e.bailIf(WasmExit.INTERPRET);
  if (cmps) { e.get(S); e.get(T); e.op(W.I32_ADD); load(); e.set(X); }
  e.get(Q); e.get(T); e.op(W.I32_ADD); load(); e.set(Y);
  e.get(T); e.c32(size); e.op(W.I32_ADD); e.set(T);
  e.get(A); e.c32(1); e.op(W.I32_ADD); e.tee(A);
  e.get(U); e.op(W.I32_LT_U); e.get(X); e.get(Y); e.op(equal); e.op(W.I32_AND);
  e.op2(W.BR_IF, 0);
  e.close();
  // Commit: the flags of the last comparison, the pointers, the count.
  aluValue(e, 7, bits); e.set(V); aluFlags(e, 7, bits);
  if (cmps) { e.get(SI); e.get(T); e.op(W.I32_ADD); e.set(SI); }
  e.get(DI); e.get(T); e.op(W.I32_ADD); e.set(DI);
  e.get(ecx); e.get(A); e.op(W.I32_SUB); e.tee(ecx);
  e.c32(0); e.op(W.I32_NE); e.get(X); e.get(Y); e.op(equal); e.op(W.I32_AND);
  e.open(W.IF); e.exit(d.eip, e.k + 1, WasmExit.NEXT); e.close();
  e.close();
  return 1; // no known flag producer after it: with ECX 0 the flags stay as they were
}

/** MOVS/CMPS/STOS/LODS/SCAS without REP (emit-inline.ts stringOnce). */
export function stringOnce(e: WasmEmitter): number {
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
