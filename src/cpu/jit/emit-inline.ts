// Inline emitters for the hot instructions: each produces what the interpreter's handler does
// (same operand reads, same order of flag update and store, same helpers from flags.ts and
// mmu.ts), with the decode done once at translation time. Semantics: SDM Vol. 2 per
// instruction; the handler each mirrors is named in its comment.
// Return: 0 = no emitter (use the fallback), 1 = emitted, block goes on, 2 = emitted, block ends.
import type { Emitter } from './emit.js';
import { ARITH_FLAGS, Flag, Seg } from '../state.js';
import type { Insn } from './decode.js';

const MASK: Record<number, number> = { 8: 0xff, 16: 0xffff, 32: -1 };

// flags.ts setArith / setIncDec / setResult / getCF written out (the same field stores in the
// same order): a call V8 does not inline costs more than the stores, and big functions (hot
// regions) exhaust V8's inlining budget.

/** flags.ts setArith(c, op, dst, src, res, bits). */
function arithFlags(op: number, dst: string, src: string, res: string, bits: number): string {
  return `c.fOp=${op};c.fDst=${dst}|0;c.fSrc=${src}|0;c.fRes=${res}|0;c.fBits=${bits};c.fLazy=${ARITH_FLAGS};`;
}

/** flags.ts setIncDec(c, op, dst, res, bits): CF is made eager first, as INC/DEC keep it. */
function incDecFlags(op: number, dst: string, res: string, bits: number): string {
  return `if((c.fLazy&${Flag.CF})!==0)c.eflags=(c.eflags&${~Flag.CF})|getCF(c);` +
    `c.fOp=${op};c.fDst=${dst}|0;c.fSrc=1;c.fRes=${res}|0;c.fBits=${bits};c.fLazy=${ARITH_FLAGS & ~Flag.CF};`;
}

/** flags.ts setResult(c, res, bits, cfOfAf); `res` first, as it may read memory (and fault). */
function resultFlags(res: string, bits: number, cfOfAf: string): string {
  const keep = ~(Flag.CF | Flag.OF | Flag.AF);
  const eflags = cfOfAf === '0' ? `c.eflags&=${keep};` : `c.eflags=(c.eflags&${keep})|(${cfOfAf});`;
  return `c.fRes=(${res})|0;${eflags}c.fBits=${bits};c.fLazy=${Flag.PF | Flag.ZF | Flag.SF};`;
}

/** flags.ts getCF(c) as an expression: the eager bit unless CF is lazy. */
const CARRY = `((c.fLazy&${Flag.CF})===0?c.eflags&${Flag.CF}:getCF(c))`;

/**
 * ALU kind (ADD OR ADC SBB AND SUB XOR CMP) on locals x, y into local v (ops/alu.ts alu()).
 * `flags` false: the flags are dead (Emitter.flagsDead) and are not stored.
 */
function aluCode(kind: number, bits: number, flags = true): string {
  return aluValueCode(kind, bits) + (flags ? aluFlagsCode(kind, bits) : '');
}

/** `const v=` the result of ALU kind on x, y (ops/alu.ts aluValue; ADC/SBB read CF). */
function aluValueCode(kind: number, bits: number): string {
  const m = MASK[bits];
  switch (kind) {
    case 0: return `const v=((x+y)&${m})>>>0;`;
    case 1: return `const v=((x|y)&${m})>>>0;`;
    case 2: return `const v=((x+y+${CARRY})&${m})>>>0;`;
    case 3: return `const v=((x-y-${CARRY})&${m})>>>0;`;
    case 4: return `const v=((x&y)&${m})>>>0;`;
    case 6: return `const v=((x^y)&${m})>>>0;`;
    default: return `const v=((x-y)&${m})>>>0;`;
  }
}

/** The flags of ALU kind from x, y, v (ops/alu.ts aluFlags). */
function aluFlagsCode(kind: number, bits: number): string {
  if (kind === 0 || kind === 2) return arithFlags(0, 'x', 'y', 'v', bits);
  if (kind === 1 || kind === 4 || kind === 6) return resultFlags('v', bits, '0');
  return arithFlags(1, 'x', 'y', 'v', bits);
}

/**
 * ALU into the r/m operand: a memory destination is stored before the flags are set, so a
 * store that faults leaves them as they were (ops/alu.ts; tests/asm/pg_rmw.asm).
 */
function aluToRM(e: Emitter, kind: number, bits: number): string {
  const flags = e.flagsDead ? '' : aluFlagsCode(kind, bits);
  if (kind === 7) return aluValueCode(kind, bits) + flags;
  return `${aluValueCode(kind, bits)}${rmWrite(e, bits, 'v')}${flags}${afterStore(e)}`;
}

/**
 * Flag effect of an instruction for the block's liveness pass (emit.ts translate): `-1` when it
 * may read any flag, fault or leave the block (memory operands, branches, anything without an
 * emitter below that honours Emitter.flagsDead); else (flags read << 16) | flags written, for
 * register-only instructions whose emitters here write exactly those flags.
 */
export function flagEffect(d: Insn): number {
  if (d.lock || (d.hasModrm && !d.isReg && d.op !== 0x8d)) return -1;
  const op = d.op;
  if (op < 0x40 && (op & 7) < 6) {
    const kind = (op >> 3) & 7;
    return ((kind === 2 || kind === 3 ? Flag.CF : 0) << 16) | ARITH_FLAGS;
  }
  switch (op) {
    case 0x80: case 0x81: case 0x83:
      return ((d.reg === 2 || d.reg === 3 ? Flag.CF : 0) << 16) | ARITH_FLAGS;
    case 0x84: case 0x85: case 0xa8: case 0xa9:
      return ARITH_FLAGS;
    case 0x8d:
      return d.isReg ? -1 : 0; // LEA with a register operand: #UD
    case 0x86: case 0x87: case 0x88: case 0x89: case 0x8a: case 0x8b: case 0x90:
    case 0x91: case 0x92: case 0x93: case 0x94: case 0x95: case 0x96: case 0x97:
    case 0x1b6: case 0x1b7: case 0x1be: case 0x1bf:
      return 0;
    case 0xc0: case 0xc1: case 0xd0: case 0xd1: {
      const count = (op <= 0xc1 ? d.imm : 1) & 31;
      if (count === 0) return 0;
      if (d.reg <= 1) return Flag.CF | Flag.OF;
      return shiftCode(d.reg, count, (op & 1) === 0 ? 8 : d.o32 ? 32 : 16) !== null ? ARITH_FLAGS : -1;
    }
    case 0xf6: case 0xf7:
      return d.reg === 2 ? 0 : -1; // NOT
    case 0x69: case 0x6b: case 0x1af:
      return ARITH_FLAGS; // IMUL: CF/OF, and SF/ZF/PF from the result, AF 0 as ops/muldiv.ts leaves them
  }
  if (op >= 0x40 && op <= 0x4f) return ARITH_FLAGS & ~Flag.CF; // INC/DEC keep CF
  if (op >= 0xb0 && op <= 0xbf) return 0;
  return -1;
}

/** What the last flag-setting instruction of the block left in the lazy-flag fields (see cond()). */
export const enum Producer {
  NONE = 0,
  /** SUB/CMP: setArith(SUB) without borrow-in: fDst, fSrc, fRes valid, all six flags lazy. */
  SUB = 1,
  /** AND/OR/XOR/TEST: CF=OF=0, ZF/SF/PF from fRes. */
  LOGIC = 2,
  /** ADD, INC, DEC: ZF and SF from fRes. */
  ZS = 3,
}

export function producerOf(kind: number): number {
  if (kind === 5 || kind === 7) return Producer.SUB;
  if (kind === 1 || kind === 4 || kind === 6) return Producer.LOGIC;
  if (kind === 0) return Producer.ZS;
  return Producer.NONE;
}

/**
 * The condition cc (SDM Vol. 1 Appendix B) as an expression: straight from the fields of a known
 * producer in this block (no call), else testCC(). Same value as testCC by the flag definitions.
 */
export function cond(e: Emitter, cc: number): string {
  const p = e.producer;
  const b = e.producerBits;
  const neg = (cc & 1) !== 0;
  const sx = (v: string) => (b === 32 ? `(${v}|0)` : `((${v}<<${32 - b})>>${32 - b})`);
  const zf = 'c.fRes===0';
  const sf = `((c.fRes>>>${b - 1})&1)!==0`;
  let x: string | null = null;
  switch (cc >> 1) {
    case 1: x = p === Producer.SUB ? '(c.fDst>>>0)<(c.fSrc>>>0)' : p === Producer.LOGIC ? 'false' : null; break;
    case 2: x = p !== Producer.NONE ? zf : null; break;
    case 3: x = p === Producer.SUB ? '(c.fDst>>>0)<=(c.fSrc>>>0)' : p === Producer.LOGIC ? zf : null; break;
    case 4: x = p !== Producer.NONE ? sf : null; break;
    case 6: x = p === Producer.SUB ? `${sx('c.fDst')}<${sx('c.fSrc')}` : p === Producer.LOGIC ? sf : null; break;
    case 7: x = p === Producer.SUB ? `${sx('c.fDst')}<=${sx('c.fSrc')}` : p === Producer.LOGIC ? `(${zf}||${sf})` : null; break;
  }
  if (x === null) return `testCC(c,${cc})`;
  return neg ? `!(${x})` : `(${x})`;
}

/** Operand size of the instruction's "v" operands. */
function vbits(e: Emitter): number {
  return e.d.o32 ? 32 : 16;
}

/** Reads the r/m operand; memory forms use local `a` (declared by the caller via memPrologue). */
function rmRead(e: Emitter, bits: number, signed32 = false): string {
  const d = e.d;
  if (d.isReg) return e.reg(bits, d.rm);
  return e.read(bits, d.eaSeg, 'a', !signed32);
}

function rmWrite(e: Emitter, bits: number, v: string): string {
  const d = e.d;
  if (d.isReg) return e.setReg(bits, d.rm, v);
  return e.write(bits, d.eaSeg, 'a', v);
}

/** For memory operands: `const a = EA` as an int32 (jit/mem.ts stores what the fault path needs). */
function memPrologue(e: Emitter): string {
  if (e.d.isReg) return '';
  return `const a=${e.eaInt()};`;
}

/** After a memory store: self-modifying code check. */
function afterStore(e: Emitter): string {
  return e.d.isReg ? '' : e.smcCheck();
}

function block(e: Emitter, s: string): void {
  e.emit(`{${s}}\n`);
}

/** Conditional jump/branch target of a relative displacement (ops/control.ts jumpNear masking). */
function relTarget(e: Emitter, disp: number): number {
  const t = e.next + disp;
  return e.d.o32 ? t >>> 0 : t & 0xffff;
}

/** Inline ops that leave the arithmetic flags alone (the known producer stays valid). */
export const KEEPS_FLAGS = new Uint8Array(512);
(() => {
  const on = (a: number, b: number) => { for (let o = a; o <= b; o++) KEEPS_FLAGS[o] = 1; };
  on(0x50, 0x5f); on(0x68, 0x68); on(0x6a, 0x6a); on(0x86, 0x8b); on(0x8d, 0x8d); on(0x90, 0x97); on(0xa0, 0xa3);
  on(0xb0, 0xbf); on(0xc6, 0xc7); on(0x140, 0x14f); on(0x190, 0x19f); on(0x1b6, 0x1b7); on(0x1be, 0x1bf);
})();

export function emitInline(e: Emitter): number {
  // cond() reads the producer left by the previous instructions; this one may replace it.
  e.producerSet = false;
  const r = emitInlineOp(e);
  if (r !== 0 && ((!e.producerSet && KEEPS_FLAGS[e.d.op] === 0) || e.flagsDead)) e.producer = Producer.NONE;
  return r;
}

function setProducer(e: Emitter, p: number, bits: number): void {
  e.producer = p;
  e.producerBits = bits;
  e.producerSet = true;
}

function emitInlineOp(e: Emitter): number {
  const d = e.d;
  const op = d.op;
  if (op < 0x40 && (op & 7) < 6) return alu(e);
  if (op >= 0x100) return emit0F(e);
  switch (op) {
    case 0x40: case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46: case 0x47:
    case 0x48: case 0x49: case 0x4a: case 0x4b: case 0x4c: case 0x4d: case 0x4e: case 0x4f: {
      // ops/alu.ts incDecReg
      const i = op & 7;
      const dec = (op & 8) !== 0;
      const bits = vbits(e);
      const m = MASK[bits];
      block(e, `const x=${e.reg(bits, i)};const v=((x${dec ? '-' : '+'}1)&${m})>>>0;${e.setReg(bits, i, 'v')}${e.flagsDead ? '' : incDecFlags(dec ? 1 : 0, 'x', 'v', bits)}`);
      setProducer(e, Producer.ZS, bits);
      return 1;
    }
    case 0x50: case 0x51: case 0x52: case 0x53: case 0x54: case 0x55: case 0x56: case 0x57: {
      // ops/stack.ts pushReg (PUSH ESP pushes the old value: read before the push)
      const i = op & 7;
      block(e, `${e.push(d.o32, d.o32 ? `r[${i}]` : `r16[${i << 1}]`)}${e.smcCheck()}`);
      e.espDirty = true;
      return 1;
    }
    case 0x58: case 0x59: case 0x5a: case 0x5b: case 0x5c: case 0x5d: case 0x5e: case 0x5f: {
      // ops/stack.ts popReg
      const i = op & 7;
      block(e, `const v=${e.pop(d.o32)};${d.o32 ? `r[${i}]=v;` : `r16[${i << 1}]=v;`}`);
      e.espDirty = true;
      return 1;
    }
    case 0x69: case 0x6b:
      return imul(e);
    case 0x68: case 0x6a: {
      // ops/stack.ts pushImm
      let v: number;
      if (op === 0x68) v = d.imm;
      else v = (d.imm << 24) >> 24;
      block(e, `${e.push(d.o32, d.o32 ? String(v | 0) : String(v & 0xffff))}${e.smcCheck()}`);
      e.espDirty = true;
      return 1;
    }
    case 0x70: case 0x71: case 0x72: case 0x73: case 0x74: case 0x75: case 0x76: case 0x77:
    case 0x78: case 0x79: case 0x7a: case 0x7b: case 0x7c: case 0x7d: case 0x7e: case 0x7f:
      return jcc(e, op & 15, (d.imm << 24) >> 24);
    case 0x80: case 0x81: case 0x82: case 0x83:
      return group1(e);
    case 0x84: case 0x85: {
      // ops/alu.ts testModrm
      const bits = op === 0x84 ? 8 : vbits(e);
      const res = bits === 32 ? `(${rmRead(e, 32)}&r[${d.reg}])>>>0` : `${rmRead(e, bits)}&${e.reg(bits, d.reg)}`;
      if (!e.flagsDead) block(e, `${memPrologue(e)}${resultFlags(res, bits, '0')}`);
      setProducer(e, Producer.LOGIC, bits);
      return 1;
    }
    case 0x86: case 0x87: {
      // ops/move.ts xchgModrm
      const bits = op === 0x86 ? 8 : vbits(e);
      block(e, `${memPrologue(e)}const x=${rmRead(e, bits)};${rmWrite(e, bits, e.reg(bits, d.reg))}${e.setReg(bits, d.reg, 'x')}${afterStore(e)}`);
      return 1;
    }
    case 0x88: case 0x89: {
      // ops/move.ts movModrm / movRMReg
      const bits = op === 0x88 ? 8 : vbits(e);
      block(e, `${memPrologue(e)}${rmWrite(e, bits, e.reg(bits, d.reg))}${afterStore(e)}`);
      return 1;
    }
    case 0x8a: case 0x8b: {
      // ops/move.ts movModrm / movRegRM
      const bits = op === 0x8a ? 8 : vbits(e);
      block(e, `${memPrologue(e)}${e.setReg(bits, d.reg, rmRead(e, bits, true))}`);
      return 1;
    }
    case 0x8d: {
      // ops/move.ts lea (register operand: #UD through the handler)
      if (d.isReg) return 0;
      block(e, e.setReg(vbits(e), d.reg, e.ea()));
      return 1;
    }
    case 0x90:
      return 1; // NOP / PAUSE
    case 0x91: case 0x92: case 0x93: case 0x94: case 0x95: case 0x96: case 0x97: {
      // ops/move.ts xchgAcc
      const bits = vbits(e);
      const i = op & 7;
      block(e, `const t=${e.reg(bits, 0)};${e.setReg(bits, 0, e.reg(bits, i))}${e.setReg(bits, i, 't')}`);
      return 1;
    }
    case 0xa0: case 0xa1: case 0xa2: case 0xa3: {
      // ops/move.ts movMoffs
      const seg = d.segOvr >= 0 ? d.segOvr : Seg.DS;
      const bits = (op & 1) === 0 ? 8 : vbits(e);
      const off = d.imm >>> 0;
      if (op <= 0xa1) block(e, e.setReg(bits, 0, e.read(bits, seg, String(off | 0))));
      else block(e, `${e.write(bits, seg, String(off | 0), e.reg(bits, 0))}${e.smcCheck()}`);
      return 1;
    }
    case 0xa4: case 0xa5: case 0xa6: case 0xa7: case 0xaa: case 0xab: case 0xac: case 0xad: case 0xae: case 0xaf:
      return d.rep === 0 ? stringOnce(e) : 0; // REP forms restart themselves: the handler
    case 0xa8: case 0xa9: {
      // ops/alu.ts testAccImm
      const bits = op === 0xa8 ? 8 : vbits(e);
      const res = bits === 32 ? `(r[0]&${d.imm >>> 0})>>>0` : `${e.reg(bits, 0)}&${d.imm}`;
      if (!e.flagsDead) block(e, `${resultFlags(res, bits, '0')}`);
      setProducer(e, Producer.LOGIC, bits);
      return 1;
    }
    case 0xb0: case 0xb1: case 0xb2: case 0xb3: case 0xb4: case 0xb5: case 0xb6: case 0xb7:
      block(e, e.setReg(8, op & 7, String(d.imm)));
      return 1;
    case 0xb8: case 0xb9: case 0xba: case 0xbb: case 0xbc: case 0xbd: case 0xbe: case 0xbf:
      block(e, e.setReg(vbits(e), op & 7, String(d.imm >>> 0)));
      return 1;
    case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3:
      return group2(e);
    case 0xc2: case 0xc3: {
      // ops/control.ts retNear: read, jump (limit check), then release the stack
      const size = d.o32 ? 4 : 2;
      const imm = op === 0xc2 ? d.imm : 0;
      const read = e.stackRead(d.o32, 0);
      const mask = d.o32 ? '>>>0' : '&65535';
      block(e, `const t=(${read})${mask};${e.limitCheck('t')}` +
        `setSp(c,((r[4]+${size + imm})&c.stackMask)>>>0);${e.gotoDynamic('t', e.k + 1)}`);
      return 2;
    }
    case 0xc6: case 0xc7: {
      // ops/move.ts movRMImm (other reg values: #UD through the handler)
      if (d.reg !== 0) return 0;
      const bits = op === 0xc6 ? 8 : vbits(e);
      block(e, `${memPrologue(e)}${rmWrite(e, bits, String(d.imm >>> 0))}${afterStore(e)}`);
      return 1;
    }
    case 0xe8: {
      // ops/control.ts callRel: target check, push the return address, jump
      const disp = d.o32 ? d.imm | 0 : (d.imm << 16) >> 16;
      const t = relTarget(e, disp);
      block(e, `${e.limitCheck(String(t))}${e.push(d.o32, String(e.next | 0))}${e.goto(t, e.k + 1)}`);
      e.targets.push(e.next); // where its RET comes back to: a region may take it in
      return 2;
    }
    case 0xe9: case 0xeb: {
      // ops/control.ts jmpRel
      const disp = op === 0xeb ? (d.imm << 24) >> 24 : d.o32 ? d.imm | 0 : (d.imm << 16) >> 16;
      const t = relTarget(e, disp);
      block(e, `${e.limitCheck(String(t))}${e.goto(t, e.k + 1)}`);
      return 2;
    }
    case 0xf6: case 0xf7: {
      if (d.reg === 2 || d.reg === 3) return notNeg(e);
      // group 3 /0 /1: TEST r/m, imm (table.ts group3)
      if (d.reg > 1) return 0;
      const bits = op === 0xf6 ? 8 : vbits(e);
      const res = bits === 8 ? `${rmRead(e, 8)}&${d.imm}` : `(${rmRead(e, bits)}&${d.imm >>> 0})>>>0`;
      block(e, `${memPrologue(e)}${resultFlags(res, bits, '0')}`);
      setProducer(e, Producer.LOGIC, bits);
      return 1;
    }
    case 0xfe: case 0xff: {
      if (op === 0xff && d.reg === 6) {
        // PUSH r/m (table.ts groupFF: the operand is read, with ESP as it was, then pushed)
        block(e, `${memPrologue(e)}${e.push(d.o32, rmRead(e, vbits(e)))}${e.smcCheck()}`);
        e.espDirty = true;
        return 1;
      }
      // INC/DEC r/m (ops/alu.ts incDecRM)
      if (d.reg > 1) return 0;
      const bits = op === 0xfe ? 8 : vbits(e);
      const dec = d.reg === 1;
      const m = MASK[bits];
      block(e, `${memPrologue(e)}const x=${rmRead(e, bits)};const v=((x${dec ? '-' : '+'}1)&${m})>>>0;${rmWrite(e, bits, 'v')}` +
        `${incDecFlags(dec ? 1 : 0, 'x', 'v', bits)}${afterStore(e)}`);
      setProducer(e, Producer.ZS, bits);
      return 1;
    }
  }
  return 0;
}

/** 00-3D: ALU r/m,reg / reg,r/m / acc,imm (ops/alu.ts aluModrm, aluRMRegV, aluRegRMV, aluAccImm). */
function alu(e: Emitter): number {
  const d = e.d;
  const op = d.op;
  const kind = (op >> 3) & 7;
  const form = op & 7;
  const bits = (form & 1) === 0 ? 8 : vbits(e);
  const cmp = kind === 7;
  setProducer(e, producerOf(kind), bits);
  if (form >= 4) {
    const acc = e.reg(bits, 0);
    block(e, `const x=${acc},y=${d.imm >>> 0};${aluCode(kind, bits, !e.flagsDead)}${cmp ? '' : e.setReg(bits, 0, 'v')}`);
    return 1;
  }
  if (form < 2) {
    block(e, `${memPrologue(e)}const x=${rmRead(e, bits)},y=${e.reg(bits, d.reg)};${aluToRM(e, kind, bits)}`);
  } else {
    block(e, `${memPrologue(e)}const x=${e.reg(bits, d.reg)},y=${rmRead(e, bits)};${aluCode(kind, bits, !e.flagsDead)}${cmp ? '' : e.setReg(bits, d.reg, 'v')}`);
  }
  return 1;
}

/** 80-83: ALU r/m, imm (ops/alu.ts group1). */
function group1(e: Emitter): number {
  const d = e.d;
  const op = d.op;
  const kind = d.reg;
  const bits = op === 0x80 || op === 0x82 ? 8 : vbits(e);
  let imm: number;
  if (op === 0x83) imm = (((d.imm << 24) >> 24) & MASK[bits]) >>> 0;
  else imm = d.imm >>> 0;
  block(e, `${memPrologue(e)}const x=${rmRead(e, bits)},y=${imm};${aluToRM(e, kind, bits)}`);
  setProducer(e, producerOf(kind), bits);
  return 1;
}

/**
 * C0/C1/D0-D3: shifts and rotates (ops/shift.ts group2). A memory destination is stored before
 * the flags change (the handler probes the store first; same effect); forms that need shift()
 * itself, which sets the flags, go through the handler when the destination is memory.
 */
function group2(e: Emitter): number {
  const d = e.d;
  const op = d.op;
  const bits = (op & 1) === 0 ? 8 : vbits(e);
  const pro = memPrologue(e);
  if (op >= 0xd2) {
    if (!d.isReg) return 0;
    block(e, `const x=${rmRead(e, bits)};const k=r8[4]&31;if(k!==0){const v=shift(c,${d.reg},x,k,${bits});${rmWrite(e, bits, 'v')}}`);
    return 1;
  }
  const count = (op <= 0xc1 ? d.imm : 1) & 31;
  if (count === 0) {
    block(e, `${pro}${rmRead(e, bits)};`);
    return 1;
  }
  const inline = shiftCode(d.reg, count, bits, !e.flagsDead);
  if (inline !== null) {
    block(e, `${pro}const x=${rmRead(e, bits)};${inline.value}${rmWrite(e, bits, 'v')}${inline.flags}${afterStore(e)}`);
    return 1;
  }
  if (!d.isReg) return 0;
  block(e, `const v=shift(c,${d.reg},${rmRead(e, bits)},${count},${bits});${rmWrite(e, bits, 'v')}`);
  return 1;
}

/** Jcc: taken → target (limit check), not taken → next; the block ends either way. */
function jcc(e: Emitter, cc: number, disp: number): number {
  const t = relTarget(e, disp);
  const k = e.k + 1;
  e.emit(`if(${cond(e, cc)}){${e.limitCheck(String(t))}${e.goto(t, k)}}${e.goto(e.next, k)}\n`);
  return 2;
}

function emit0F(e: Emitter): number {
  const d = e.d;
  const op = d.op;
  if (op >= 0x180 && op <= 0x18f) return jcc(e, op & 15, d.o32 ? d.imm | 0 : (d.imm << 16) >> 16);
  if (op >= 0x190 && op <= 0x19f) {
    // ops/move.ts setcc
    block(e, `${memPrologue(e)}${rmWrite(e, 8, `${cond(e, op & 15)}?1:0`)}${afterStore(e)}`);
    return 1;
  }
  if (op >= 0x140 && op <= 0x14f) {
    // ops/move.ts cmov: the source is read whatever the condition
    const bits = vbits(e);
    block(e, `${memPrologue(e)}const x=${rmRead(e, bits)};if(${cond(e, op & 15)}){${e.setReg(bits, d.reg, 'x')}}`);
    return 1;
  }
  switch (op) {
    case 0x1af:
      return imul(e);
    case 0x1b6: case 0x1b7: case 0x1be: case 0x1bf: {
      // ops/move.ts movExtend
      const src = op === 0x1b6 || op === 0x1be ? 8 : 16;
      let v = rmRead(e, src);
      if (op === 0x1be) v = `((${v}<<24)>>24)>>>0`;
      else if (op === 0x1bf) v = `((${v}<<16)>>16)>>>0`;
      block(e, `${memPrologue(e)}${e.setReg(vbits(e), d.reg, v)}`);
      return 1;
    }
  }
  return 0;
}

/** A constant shift: `value` declares v (and s) from x; `flags` then sets the flags from them. */
interface ShiftCode {
  value: string;
  flags: string;
}

/**
 * SHL/SHR/SAR of local x by a constant count 1..bits into local v, flags as ops/shift.ts
 * shift() sets them (the same formulas, folded for the count); null for rotates and counts
 * beyond the width (8/16-bit operands), which go through shift().
 */
function shiftCode(kind: number, n: number, bits: number, flags = true): ShiftCode | null {
  if (kind <= 1) return rotateCode(kind, n, bits, flags);
  if (n > bits || n === 32) return null;
  const m = MASK[bits];
  const top = bits - 1;
  let v: string;
  let cf: string;
  let of: string;
  switch (kind) {
    case 4: case 6: // SHL/SAL
      v = `((x<<${n})&${m})>>>0`;
      cf = `((x>>>${bits - n})&1)`;
      of = `(((v>>>${top})^${cf})&1)`;
      break;
    case 5: // SHR
      v = `x>>>${n}`;
      cf = `((x>>>${n - 1})&1)`;
      of = `(((v^(v<<1))>>>${top})&1)`;
      break;
    case 7: { // SAR (n <= top here, since n < 32 and for 8/16 bits n == bits is folded below)
      if (n > top) return null;
      const s = bits === 32 ? 'x|0' : bits === 16 ? '(x<<16)>>16' : '(x<<24)>>24';
      return { value: `const s=${s};const v=((s>>${n})&${m})>>>0;`, flags: flags ? resultFlags('v', bits, `(s>>${n - 1})&1`) : '' };
    }
    default:
      return null;
  }
  return { value: `const v=${v};`, flags: flags ? resultFlags('v', bits, `${cf}|(${of}<<11)`) : '' };
}

/**
 * ROL/ROR of local x by a constant count 1..31 into local v (ops/shift.ts shift() cases 0/1):
 * the count is taken modulo the width; CF and OF change (made eager, as setRot does), the other
 * flags keep their values, also when the rotation itself is a no-op.
 */
function rotateCode(kind: number, count: number, bits: number, flags: boolean): ShiftCode {
  const m = MASK[bits];
  const top = bits - 1;
  const n = count & top;
  let v: string;
  let cf: string;
  let of: string;
  if (kind === 0) { // ROL
    v = n === 0 ? 'x' : `(((x<<${n})|(x>>>${bits - n}))&${m})>>>0`;
    cf = '(v&1)';
    of = `(((v>>>${top})^v)&1)`;
  } else { // ROR
    v = n === 0 ? 'x' : `(((x>>>${n})|(x<<${bits - n}))&${m})>>>0`;
    cf = `((v>>>${top})&1)`;
    of = `(((v>>>${top})^(v>>>${top - 1}))&1)`;
  }
  return { value: `const v=${v};`, flags: flags ? `c.eflags=(c.eflags&~2049)|${cf}|(${of}<<11);c.fLazy&=~2049;` : '' };
}

/** F6/F7 /2 NOT, /3 NEG (ops/alu.ts notNeg: the store, then NEG's flags). */
function notNeg(e: Emitter): number {
  const d = e.d;
  const bits = d.op === 0xf6 ? 8 : vbits(e);
  const m = MASK[bits];
  const neg = d.reg === 3;
  block(e, `${memPrologue(e)}const x=${rmRead(e, bits)};const v=((${neg ? '-x' : '~x'})&${m})>>>0;${rmWrite(e, bits, 'v')}` +
    `${neg ? arithFlags(1, '0', 'x', 'v', bits) : ''}${afterStore(e)}`);
  if (neg) setProducer(e, Producer.SUB, bits);
  return 1;
}

/**
 * 0F AF IMUL r, r/m; 69 IMUL r, r/m, imm; 6B IMUL r, r/m, imm8 (ops/muldiv.ts imulForms):
 * the truncated product, CF=OF=1 when it differs from the full one. For dwords the double
 * product x*y is exact whenever the full product fits in 32 bits, so it differs from the
 * int32 product exactly when the full product does not fit.
 */
function imul(e: Emitter): number {
  const d = e.d;
  const o32 = d.o32;
  const other = d.op === 0x1af ? e.reg(o32 ? 32 : 16, d.reg) : d.op === 0x6b ? String((d.imm << 24) >> 24) : String(d.imm | 0);
  if (o32) {
    block(e, `${memPrologue(e)}const x=${rmRead(e, 32)}|0,y=(${other})|0;const lo=Math.imul(x,y);` +
      `${e.setReg(32, d.reg, 'lo')}${e.flagsDead ? '' : resultFlags('lo>>>0', 32, `x*y!==lo?${Flag.CF | Flag.OF}:0`)}`);
  } else {
    block(e, `${memPrologue(e)}const x=${rmRead(e, 16)},y=${other};const p=((x<<16)>>16)*((y<<16)>>16);` +
      `${e.setReg(16, d.reg, 'p&65535')}${e.flagsDead ? '' : resultFlags('p&65535', 16, `p!==((p<<16)>>16)?${Flag.CF | Flag.OF}:0`)}`);
  }
  return 1;
}

/**
 * MOVS, CMPS, STOS, LODS, SCAS without a REP prefix (ops/string.ts stringOp, one iteration):
 * source DS (overridable):(E)SI, destination ES:(E)DI, each index stepped by the element size,
 * down when EFLAGS.DF is set; reads, compare, store and steps in the handler's order.
 */
function stringOnce(e: Emitter): number {
  const d = e.d;
  const op = d.op;
  const bits = (op & 1) === 0 ? 8 : vbits(e);
  const size = bits >> 3;
  const src = d.segOvr >= 0 ? d.segOvr : Seg.DS;
  const si = d.a32 ? 'r[6]' : 'r16[12]';
  const di = d.a32 ? 'r[7]' : 'r16[14]';
  const off = (r: string) => (d.a32 ? `${r}|0` : r);
  const step = (r: string) => `${r}=${r}+st;`;
  const acc = e.reg(bits, 0);
  let s = `const st=(c.eflags&${Flag.DF})!==0?${-size}:${size};`;
  switch (op & ~1) {
    case 0xa4: // MOVS
      s += `const v=${e.read(bits, src, off(si), true)};${e.write(bits, Seg.ES, off(di), 'v')}${step(si)}${step(di)}${e.smcCheck()}`;
      break;
    case 0xa6: // CMPS
      s += `const x=${e.read(bits, src, off(si), true)},y=${e.read(bits, Seg.ES, off(di), true)};${aluCode(7, bits)}${step(si)}${step(di)}`;
      setProducer(e, Producer.SUB, bits);
      break;
    case 0xaa: // STOS
      s += `${e.write(bits, Seg.ES, off(di), acc)}${step(di)}${e.smcCheck()}`;
      break;
    case 0xac: // LODS
      s += `${e.setReg(bits, 0, e.read(bits, src, off(si), true))}${step(si)}`;
      break;
    default: // SCAS
      s += `const x=${acc},y=${e.read(bits, Seg.ES, off(di), true)};${aluCode(7, bits)}${step(di)}`;
      setProducer(e, Producer.SUB, bits);
  }
  block(e, s);
  return 1;
}
