// ALU helpers the WebAssembly instruction forms share (wasm-insn.ts, wasm-string.ts).
import { W } from './wasm-asm.js';
import { WasmEmitter, MASK, X, Y, V } from './wasm-emitter.js';

/** Pushes the value of ALU kind on locals X, Y (ops/alu.ts aluValue; ADC/SBB read CF), masked to bits. */
export function aluValue(e: WasmEmitter, kind: number, bits: number): void {
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
export function aluFlags(e: WasmEmitter, kind: number, bits: number): void {
  if (kind === 0 || kind === 2) e.arithFlags(0, X, Y, V, bits);
  else if (kind === 1 || kind === 4 || kind === 6) e.resultFlags(V, bits, null);
  else e.arithFlags(1, X, Y, V, bits);
}

/** Operand size of a word/dword instruction. */
export function vbits(e: WasmEmitter): number {
  return e.d.o32 ? 32 : 16;
}
