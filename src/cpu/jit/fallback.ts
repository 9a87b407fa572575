// Instructions without an inline emitter run through the interpreter's handler: the decode
// fields the handler reads (Cpu "per-instruction decode state") are set from a record made at
// translation time, the memory operand's offset computed by the block from live registers.
import type { Cpu } from '../cpu.js';
import type { Handler } from '../ops/table.js';
import { HANDLERS } from '../ops/table.js';
import { checkLock } from '../ops/lock.js';
import type { Insn } from './decode.js';

/** The decode of one fallback instruction. */
export interface FallbackRecord {
  readonly op: number;
  readonly info: number;
  readonly o32: boolean;
  readonly a32: boolean;
  readonly segOvr: number;
  readonly rep: number;
  readonly lock: boolean;
  readonly hasModrm: boolean;
  readonly modrm: number;
  readonly reg: number;
  readonly rm: number;
  readonly isReg: boolean;
  readonly eaSeg: number;
  readonly eaEspBase: boolean;
  /** EIP after ModRM/SIB/displacement: handlers fetch their immediates from there. */
  readonly after: number;
  readonly handler: Handler;
}

export function fallbackRecord(d: Insn): FallbackRecord {
  return {
    op: d.op, info: d.info, o32: d.o32, a32: d.a32, segOvr: d.segOvr, rep: d.rep, lock: d.lock, hasModrm: d.hasModrm,
    modrm: d.modrm, reg: d.reg, rm: d.rm, isReg: d.isReg, eaSeg: d.eaSeg, eaEspBase: d.eaEspBase, after: d.afterModrm,
    handler: HANDLERS[d.op],
  };
}

/** What the interpreter's loop does between decoding and calling the handler (cpu.ts run()). */
export function runFallback(c: Cpu, d: FallbackRecord, eaOff: number): void {
  c.op = d.op;
  c.o32 = d.o32;
  c.a32 = d.a32;
  c.segOvr = d.segOvr;
  c.rep = d.rep;
  c.lock = d.lock;
  c.decodeDirty = true; // the interpreter restores its defaults before its next instruction
  if (d.hasModrm) {
    c.modrm = d.modrm;
    c.reg = d.reg;
    c.rm = d.rm;
    c.isReg = d.isReg;
    if (!d.isReg) {
      c.eaSeg = d.eaSeg;
      c.eaOff = eaOff;
      c.eaEspBase = d.eaEspBase;
    }
  }
  c.eip = d.after;
  if (d.lock) checkLock(c, d.info);
  d.handler(c);
}
