// One guest instruction as WebAssembly (emit-wasm.ts): each form does what its emit-inline.ts
// emitter (and the interpreter's handler named in its comment) does, on the emitter's locals.
import { Flag, Seg, EFLAGS_WRITABLE } from '../state.js';
import { KEEPS_FLAGS, Producer, producerOf } from './emit-inline.js';
import { W } from './wasm-asm.js';
import {
  WasmEmitter, MASK, Need, TSC_WORDS, TscWord, WasmExit, ExchangeWord,
  ROOM, R0, F_LAZY, EFL, J, X, Y, V, A, Q, S, T,
} from './wasm-emitter.js';
import { aluValue, aluFlags, vbits } from './wasm-alu.js';
import { stringStore, stringCompareRep, stringOnce } from './wasm-string.js';
import { lockValid } from '../ops/lock.js';

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

/**
 * 0F B0/B1 CMPXCHG r/m, reg (ops/alu.ts cmpxchg): flags of CMP accumulator, destination; the
 * destination is written either way (the source if equal, else its own value), then the
 * accumulator gets the old destination if they differed. The store comes before any
 * register or flag changes, so a bail-out there leaves the instruction undone.
 */
function compareExchange(e: WasmEmitter): number {
  const d = e.d;
  const bits = d.op === 0x1b0 ? 8 : vbits(e);
  // X: the accumulator, Y: the destination, as CMP (aluOp kind 7) has them.
  e.memPrologue(true); e.rmRead(bits); e.set(Y);
  e.reg(bits, 0); e.set(X);
  e.reg(bits, d.reg); e.get(Y); e.get(X); e.get(Y); e.op(W.I32_EQ); e.op(W.SELECT); e.set(T);
  e.rmWrite(bits, T);
  e.setProducer(producerOf(7), bits);
  if (!e.flagsDead) { aluValue(e, 7, bits); e.set(V); aluFlags(e, 7, bits); }
  e.get(X); e.get(Y); e.op(W.I32_NE); e.open(W.IF); e.get(Y); e.setReg(bits, 0); e.close();
  return 1;
}

/** 0F C0/C1 XADD r/m, reg (ops/alu.ts xadd): the sum to the destination, its flags, the old destination to the register. */
function exchangeAdd(e: WasmEmitter): number {
  const d = e.d;
  const bits = d.op === 0x1c0 ? 8 : vbits(e);
  e.memPrologue(true); e.rmRead(bits); e.set(X);
  e.reg(bits, d.reg); e.set(Y);
  e.setProducer(producerOf(0), bits);
  aluValue(e, 0, bits); e.set(V);
  e.rmWrite(bits, V);
  if (!e.flagsDead) aluFlags(e, 0, bits);
  e.get(X); e.setReg(bits, d.reg);
  return 1;
}

/**
 * F6/F7 /4 MUL, /5 IMUL (ops/muldiv.ts mul, imul1): the product of the accumulator and r/m into
 * AX, DX:AX or EDX:EAX; CF=OF when the upper half is needed, SF/ZF/PF from the low half.
 */
function multiply(e: WasmEmitter, bits: number, signed: boolean): number {
  e.memPrologue(); e.rmRead(bits); e.set(X);
  const ext = (l: number) => {
    e.get(l);
    if (bits === 32) { e.op(signed ? W.I64_EXTEND_I32_S : W.I64_EXTEND_I32_U); return; }
    if (signed) { e.c32(32 - bits); e.op(W.I32_SHL); e.c32(32 - bits); e.op(W.I32_SHR_S); } else if (l === R0) { e.c32(MASK[bits]); e.op(W.I32_AND); }
  };
  if (bits === 32) {
    ext(R0); ext(X); e.op(W.I64_MUL); e.tee(e.l64); e.op(W.I32_WRAP_I64); e.set(V);
    e.get(e.l64); e.op(W.I64_CONST); e.op(32); e.op(W.I64_SHR_U); e.op(W.I32_WRAP_I64); e.set(R0 + 2);
    e.get(V); e.set(R0);
    e.resultFlags(V, 32, () => {
      e.c32(CF_OF); e.c32(0);
      if (signed) { e.get(e.l64); e.get(V); e.op(W.I64_EXTEND_I32_S); e.op(W.I64_NE); } else { e.get(R0 + 2); }
      e.op(W.SELECT);
    });
    return 1;
  }
  // T: the whole product (it fits an int32).
  ext(R0); ext(X); e.op(W.I32_MUL); e.set(T);
  e.get(T); e.setReg(16, 0);
  if (bits === 16) { e.get(T); e.c32(16); e.op(W.I32_SHR_U); e.setReg(16, 2); }
  e.get(T); e.c32(MASK[bits]); e.op(W.I32_AND); e.set(V);
  e.resultFlags(V, bits, () => {
    e.c32(CF_OF); e.c32(0);
    if (signed) { e.get(T); e.get(T); e.c32(32 - bits); e.op(W.I32_SHL); e.c32(32 - bits); e.op(W.I32_SHR_S); e.op(W.I32_NE); } else { e.get(T); e.c32(MASK[bits]); e.op(W.I32_GT_U); }
    e.op(W.SELECT);
  });
  return 1;
}

/**
 * F6/F7 /6 DIV (ops/muldiv.ts div): quotient and remainder of the accumulator pair by r/m; flags
 * unchanged. A zero divisor or a quotient too wide stops before the instruction: the interpreter
 * raises #DE.
 */
function divide(e: WasmEmitter, bits: number): number {
  e.memPrologue(); e.rmRead(bits); e.set(X);
  e.get(X); e.op(W.I32_EQZ); e.bailIf(WasmExit.INTERPRET);
  if (bits === 32) {
    e.get(R0 + 2); e.get(X); e.op(W.I32_GE_U); e.bailIf(WasmExit.INTERPRET);
    e.get(R0 + 2); e.op(W.I64_EXTEND_I32_U); e.op(W.I64_CONST); e.op(32); e.op(W.I64_SHL);
    e.get(R0); e.op(W.I64_EXTEND_I32_U); e.op(W.I64_OR); e.set(e.l64);
    e.get(e.l64); e.get(X); e.op(W.I64_EXTEND_I32_U); e.op(W.I64_REM_U); e.op(W.I32_WRAP_I64); e.set(V);
    e.get(e.l64); e.get(X); e.op(W.I64_EXTEND_I32_U); e.op(W.I64_DIV_U); e.op(W.I32_WRAP_I64); e.set(R0);
    e.get(V); e.set(R0 + 2);
    return 1;
  }
  // T: the dividend (AX, or DX:AX); V: the quotient.
  if (bits === 16) { e.reg(16, 2); e.c32(16); e.op(W.I32_SHL); e.reg(16, 0); e.op(W.I32_OR); } else { e.reg(16, 0); }
  e.set(T);
  e.get(T); e.get(X); e.op(W.I32_DIV_U); e.tee(V); e.c32(MASK[bits]); e.op(W.I32_GT_U); e.bailIf(WasmExit.INTERPRET);
  if (bits === 16) {
    e.get(V); e.setReg(16, 0);
    e.get(T); e.get(X); e.op(W.I32_REM_U); e.setReg(16, 2);
  } else {
    e.get(T); e.get(X); e.op(W.I32_REM_U); e.c32(8); e.op(W.I32_SHL); e.get(V); e.op(W.I32_OR); e.setReg(16, 0);
  }
  return 1;
}

/**
 * 0F A4/A5 SHLD, 0F AC/AD SHRD with a 32-bit operand (ops/shift.ts shiftDouble): the count
 * (ib or CL) modulo 32; a count of 0 reads the operand and changes nothing.
 */
function shiftDouble(e: WasmEmitter): number {
  const d = e.d;
  const right = d.op >= 0x1ac;
  e.memPrologue(); e.rmRead(32); e.set(X);
  if ((d.op & 1) === 0) {
    const n = d.imm & 31;
    if (n === 0) return 1;
    e.c32(n);
  } else {
    e.reg(8, 1); e.c32(31); e.op(W.I32_AND);
  }
  e.tee(T);
  const dynamic = (d.op & 1) !== 0;
  if (dynamic) e.open(W.IF);
  else e.op(W.DROP);
  const by = (count: boolean) => { if (count) { e.get(T); } else { e.c32(32); e.get(T); e.op(W.I32_SUB); } };
  e.get(X); by(true); e.op(right ? W.I32_SHR_U : W.I32_SHL);
  e.reg(32, d.reg); by(false); e.op(right ? W.I32_SHL : W.I32_SHR_U);
  e.op(W.I32_OR); e.set(V);
  e.rmWrite(32, V);
  e.resultFlags(V, 32, () => {
    if (right) { e.get(X); e.get(T); e.c32(1); e.op(W.I32_SUB); e.op(W.I32_SHR_U); } else { e.get(X); by(false); e.op(W.I32_SHR_U); }
    e.c32(1); e.op(W.I32_AND);
    e.get(V); e.get(X); e.op(W.I32_XOR); e.c32(31); e.op(W.I32_SHR_U); e.c32(11); e.op(W.I32_SHL); e.op(W.I32_OR);
  });
  if (dynamic) e.close();
  return 1;
}

/**
 * 0F A3/AB/B3/BB BT/BTS/BTR/BTC r/m, reg and 0F BA /4-/7 with ib (ops/shift.ts bitTest): CF is
 * the bit; with a register offset and a memory operand the offset is a signed bit string
 * index from the operand's address (one byte accessed).
 */
function bitTest(e: WasmEmitter): number {
  const d = e.d;
  const imm = d.op === 0x1ba;
  const kind = imm ? d.reg - 4 : (d.op >> 3) & 3;
  const bits = vbits(e);
  e.memPrologue();
  let size = bits;
  if (imm) {
    e.c32(d.imm & (bits - 1)); e.set(T);
  } else if (d.isReg) {
    e.reg(bits, d.reg); e.c32(bits - 1); e.op(W.I32_AND); e.set(T);
  } else {
    // A byte at offset + (index >> 3) (arithmetic: the index is signed), bit index & 7.
    size = 8;
    e.reg(bits, d.reg);
    if (bits === 16) { e.c32(16); e.op(W.I32_SHL); e.c32(16); e.op(W.I32_SHR_S); }
    e.tee(T); e.c32(3); e.op(W.I32_SHR_S); e.get(A); e.op(W.I32_ADD); e.set(A);
    e.get(T); e.c32(7); e.op(W.I32_AND); e.set(T);
  }
  e.rmRead(size); e.set(X);
  if (kind !== 0) {
    e.c32(1); e.get(T); e.op(W.I32_SHL);
    if (kind === 2) { e.c32(-1); e.op(W.I32_XOR); e.get(X); e.op(W.I32_AND); } else { e.get(X); e.op(kind === 1 ? W.I32_OR : W.I32_XOR); }
    e.set(V);
    e.rmWrite(size, V);
  }
  e.flushFlags();
  e.get(EFL); e.c32(~Flag.CF); e.op(W.I32_AND);
  e.get(X); e.get(T); e.op(W.I32_SHR_U); e.c32(1); e.op(W.I32_AND); e.op(W.I32_OR);
  e.set(EFL);
  return 1;
}

/**
 * 0F C7 /1 CMPXCHG8B m64 (ops/alu.ts cmpxchg8b): EDX:EAX against the quadword; equal: ECX:EBX
 * stored and ZF set; else the quadword written back and loaded into EDX:EAX, ZF clear.
 */
function compareExchange8(e: WasmEmitter): number {
  e.memPrologue();
  e.ramAddress(e.d.eaSeg, A, 8, true);
  e.get(Q); e.mem(W.I32_LOAD, 0, 0); e.set(X);
  e.get(Q); e.mem(W.I32_LOAD, 0, 4); e.set(Y);
  e.flushFlags();
  e.get(EFL); e.c32(~Flag.ZF); e.op(W.I32_AND); e.set(EFL);
  e.get(X); e.get(R0); e.op(W.I32_EQ); e.get(Y); e.get(R0 + 2); e.op(W.I32_EQ); e.op(W.I32_AND);
  e.open(W.IF);
  e.get(Q); e.get(R0 + 3); e.mem(W.I32_STORE, 0, 0);
  e.get(Q); e.get(R0 + 1); e.mem(W.I32_STORE, 0, 4);
  e.get(EFL); e.c32(Flag.ZF); e.op(W.I32_OR); e.set(EFL);
  e.elseArm();
  e.get(X); e.set(R0);
  e.get(Y); e.set(R0 + 2);
  e.close();
  return 1;
}

/** One instruction: 0 when it has no WebAssembly form, 1 when emitted, 2 when emitted and it ends the block. */
function emitInsn(e: WasmEmitter): number {
  const d = e.d;
  const op = d.op;
  if (op === 0x90 && d.rep === 0xf3 && !d.lock) return 1; // PAUSE
  if (op >= 0x118 && op <= 0x11f && !d.lock && (d.isReg || d.a32)) return 1; // hint NOPs (0F 1F: padding; no memory access)
  if ((op === 0xa4 || op === 0xa5 || op === 0xaa || op === 0xab) && !d.lock && d.a32) return stringStore(e);
  if (((op & ~1) === 0xa6 || (op & ~1) === 0xae) && d.rep !== 0 && !d.lock && d.a32) return stringCompareRep(e);
  // LOCK only with a memory operand (ops/lock.ts checkLock): one CPU, so the locked form is the plain one.
  if ((op === 0x1b0 || op === 0x1b1 || op === 0x1c0 || op === 0x1c1) && d.rep === 0 && !(d.lock && d.isReg)) {
    return op < 0x1c0 ? compareExchange(e) : exchangeAdd(e);
  }
  if (d.rep === 0 && d.a32 && !d.isReg) {
    // LOCK is valid on these with a memory operand (ops/lock.ts checkLock); one CPU: the plain form.
    if (op === 0x1c7 && d.reg === 1) return compareExchange8(e);
    if (op === 0x1ab || op === 0x1b3 || op === 0x1bb || (op === 0x1ba && d.reg >= 5)) return bitTest(e);
  }
  // LOCK where ops/lock.ts allows it (a memory destination): one CPU, so the plain form. Else
  // the interpreter raises #UD.
  if ((d.lock && !lockValid(op, d.info, d.reg, d.isReg)) || d.rep !== 0) return 0;
  if (d.hasModrm && !d.isReg && !d.a32) return 0;
  if (op === 0x1a3 || op === 0x1ab || op === 0x1b3 || op === 0x1bb || (op === 0x1ba && d.reg >= 4)) return bitTest(e);
  if ((op === 0x1a4 || op === 0x1a5 || op === 0x1ac || op === 0x1ad) && d.o32) return shiftDouble(e);
  if (op < 0x40 && (op & 7) < 6) {
    const kind = (op >> 3) & 7;
    const form = op & 7;
    const bits = (form & 1) === 0 ? 8 : vbits(e);
    if (form >= 4) {
      e.reg(bits, 0); e.set(X); e.c32(d.imm | 0); e.set(Y);
      aluOp(e, kind, bits, 0);
    } else if (form < 2) {
      e.memPrologue(kind !== 7); e.rmRead(bits); e.set(X); e.reg(bits, d.reg); e.set(Y);
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
      if (!e.spec.cpl0 || !e.spec.tscLine) return 0;
      e.needs |= Need.TSC | Need.CPL0;
      const f = (w: number) => { e.c32(0); e.mem(W.F64_LOAD, 3, e.layout.exchange + TSC_WORDS + 8 * w); };
      f(TscWord.BASE);
      f(TscWord.COUNT);
      e.c32(0); e.mem(W.I32_LOAD, 2, e.layout.exchange + 4 * ExchangeWord.RETIRED); e.get(J); e.op(W.I32_ADD); e.c32(e.k); e.op(W.I32_ADD);
      e.op(W.F64_CONVERT_I32_U); e.op(W.F64_ADD);
      f(TscWord.SLOPE); e.op(W.F64_MUL); e.op(W.F64_ADD); e.op(W.F64_FLOOR);
      f(TscWord.OFFSET); e.op(W.F64_ADD);
      e.op(W.I64_TRUNC_F64_S); e.tee(e.l64); e.op(W.I32_WRAP_I64); e.set(R0);
      e.get(e.l64); e.op(W.I64_CONST); e.op(32); e.op(W.I64_SHR_U); e.op(W.I32_WRAP_I64); e.set(R0 + 2);
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
    case 0xfa: // ops/system.ts flagOp: CLI at CPL 0 (never #GP; no VME/PVI below CPL 3)
      if (!e.spec.cpl0) return 0;
      e.needs |= Need.CPL0;
      e.get(EFL); e.c32(~Flag.IF); e.op(W.I32_AND); e.set(EFL);
      return 1;
    case 0xfb: // ops/system.ts flagOp: STI at CPL 0
      // Setting IF delays interrupts until after the next instruction (SDM Vol. 2B STI). With
      // none pending at the entry (ExchangeWord.PENDING), none can arrive before the code
      // returns to the run loop, so the shadow changes nothing if that next instruction runs
      // in this run() slice: STI ends its block (classify.ts), so the budget must hold one more
      // instruction. Else the interpreter runs the STI and keeps the shadow.
      if (!e.spec.cpl0) return 0;
      e.needs |= Need.CPL0;
      e.get(EFL); e.c32(Flag.IF); e.op(W.I32_AND); e.op(W.I32_EQZ);
      e.c32(0); e.mem(W.I32_LOAD, 2, e.layout.exchange + 4 * ExchangeWord.PENDING);
      e.get(J); e.c32(e.k + 2); e.op(W.I32_ADD); e.get(ROOM); e.op(W.I32_GT_S); e.op(W.I32_OR);
      e.op(W.I32_AND);
      e.bailIf(WasmExit.INTERPRET);
      e.get(EFL); e.c32(Flag.IF); e.op(W.I32_OR); e.set(EFL);
      return 1;
    case 0x9d: { // ops/stack.ts popf, POPFD at CPL 0 (real mode writes the same bits)
      if (!e.spec.cpl0 || !d.o32) return 0;
      e.needs |= Need.CPL0;
      const m = EFLAGS_WRITABLE & ~(Flag.VM | Flag.VIP | Flag.VIF | Flag.RF);
      e.get(R0 + 4); e.set(S);
      e.read(32, Seg.SS, S); e.set(V);
      // The interpreter's cases (nothing changed yet): TF or AC set (single-step, debug.ts slow
      // checks), or IF turned on with an interrupt pending (taken at the next boundary).
      e.get(V); e.c32(Flag.TF | Flag.AC); e.op(W.I32_AND);
      e.get(V); e.get(EFL); e.op(W.I32_XOR); e.get(V); e.op(W.I32_AND); e.c32(Flag.IF); e.op(W.I32_AND);
      e.c32(0); e.mem(W.I32_LOAD, 2, e.layout.exchange + 4 * ExchangeWord.PENDING); e.op(W.I32_MUL);
      e.op(W.I32_OR);
      e.bailIf(WasmExit.INTERPRET);
      e.get(S); e.c32(4); e.op(W.I32_ADD); e.set(R0 + 4);
      // Every arithmetic flag is in m: the lazy ones are all overwritten.
      e.get(EFL); e.c32(~(m | Flag.RF)); e.op(W.I32_AND); e.get(V); e.c32(m); e.op(W.I32_AND); e.op(W.I32_OR);
      e.c32(Flag.FIXED1); e.op(W.I32_OR); e.set(EFL);
      e.c32(0); e.set(F_LAZY);
      return 1;
    }
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
      e.memPrologue(d.reg !== 7); e.rmRead(bits); e.set(X); e.c32(imm | 0); e.set(Y);
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
        e.memPrologue(true); e.rmRead(bits); e.set(X);
        if (neg) { e.c32(0); e.get(X); e.op(W.I32_SUB); } else { e.get(X); e.c32(-1); e.op(W.I32_XOR); }
        if (bits !== 32) { e.c32(MASK[bits]); e.op(W.I32_AND); }
        e.set(V); e.rmWrite(bits, V);
        if (neg) { e.arithFlags(1, null, X, V, bits); e.setProducer(Producer.SUB, bits); }
        return 1;
      }
      if (d.reg === 4 || d.reg === 5) return multiply(e, bits, d.reg === 5);
      if (d.reg === 6) return divide(e, bits);
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
      e.memPrologue(true); e.rmRead(bits); e.set(X);
      e.get(X); e.c32(1); e.op(dec ? W.I32_SUB : W.I32_ADD); if (bits !== 32) { e.c32(MASK[bits]); e.op(W.I32_AND); } e.set(V);
      e.rmWrite(bits, V);
      e.incDecFlags(dec ? 1 : 0, X, V, bits);
      e.setProducer(Producer.ZS, bits);
      return 1;
    }
    case 0x1bc: case 0x1bd: { // ops/shift.ts bitScan: BSF, BSR (TZCNT, LZCNT with F3: the same here, CPUID has no BMI1/ABM)
      const bits = vbits(e);
      e.memPrologue(); e.rmRead(bits); e.set(V);
      e.flushFlags();
      e.get(V); e.op(W.I32_EQZ);
      e.open(W.IF); // a zero source sets ZF and leaves the destination
      e.get(EFL); e.c32(Flag.ZF); e.op(W.I32_OR); e.set(EFL);
      e.elseArm();
      if (op === 0x1bc) { e.get(V); e.op(W.I32_CTZ); } else { e.c32(31); e.get(V); e.op(W.I32_CLZ); e.op(W.I32_SUB); }
      e.setReg(bits, d.reg);
      e.get(EFL); e.c32(~Flag.ZF); e.op(W.I32_AND); e.set(EFL);
      e.close();
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
    e.get(X); e.op(W.I64_EXTEND_I32_S); e.get(Y); e.op(W.I64_EXTEND_I32_S); e.op(W.I64_MUL); e.tee(e.l64);
    e.op(W.I32_WRAP_I64); e.tee(V); e.setReg(32, d.reg);
    if (!e.flagsDead) e.resultFlags(V, 32, () => {
      e.c32(overflow); e.c32(0);
      e.get(e.l64); e.get(V); e.op(W.I64_EXTEND_I32_S); e.op(W.I64_NE);
      e.op(W.SELECT);
    });
  } else {
    const sx16 = (l: number) => { e.get(l); e.c32(16); e.op(W.I32_SHL); e.c32(16); e.op(W.I32_SHR_S); };
    sx16(X); sx16(Y); e.op(W.I32_MUL); e.set(T);
    e.get(T); e.c32(0xffff); e.op(W.I32_AND); e.tee(V); e.setReg(16, d.reg);
    if (!e.flagsDead) e.resultFlags(V, 16, () => {
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

/** emit-inline.ts emitInline's producer bookkeeping around one instruction. */
export function emitOne(e: WasmEmitter): number {
  e.producerSet = false;
  const r = emitInsn(e);
  if (r !== 0 && ((!e.producerSet && KEEPS_FLAGS[e.d.op] === 0) || e.flagsDead)) e.producer = Producer.NONE;
  return r;
}
