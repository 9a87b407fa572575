// The LOCK prefix is allowed only on the read-modify-write instructions listed under LOCK in
// SDM Vol. 2A, and only with a memory destination; anywhere else it raises #UD.
import type { Cpu } from '../cpu.js';
import { Op } from '../decoder.js';
import { Vec } from '../state.js';
import { raise } from '../interrupts.js';

export function checkLock(c: Cpu, info: number): void {
  if (!lockValid(c.op, info, c.reg, c.isReg)) raise(c, Vec.UD);
}

/** Whether LOCK is allowed on opcode `op` (0x1xx: 0F xx) with this OPCODE_INFO, ModRM reg field and operand kind. */
export function lockValid(op: number, info: number, reg: number, isReg: boolean): boolean {
  if ((info & Op.LOCKABLE) === 0 || isReg) return false;
  switch (op) {
    case 0x80: case 0x81: case 0x82: case 0x83: return reg !== 7; // not CMP
    case 0xf6: case 0xf7: return reg === 2 || reg === 3; // NOT, NEG
    case 0xfe: case 0xff: return reg <= 1; // INC, DEC
    case 0x1ba: return reg >= 5; // BTS, BTR, BTC
    case 0x1c7: return reg === 1; // CMPXCHG8B
  }
  return true;
}
