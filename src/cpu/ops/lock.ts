// The LOCK prefix is allowed only on the read-modify-write instructions listed under LOCK in
// SDM Vol. 2A, and only with a memory destination; anywhere else it raises #UD.
import type { Cpu } from '../cpu.js';
import { Op } from '../decoder.js';
import { Vec } from '../state.js';
import { raise } from '../interrupts.js';

export function checkLock(c: Cpu, info: number): void {
  if ((info & Op.LOCKABLE) === 0 || c.isReg) raise(c, Vec.UD);
  const r = c.reg;
  switch (c.op) {
    case 0x80: case 0x81: case 0x82: case 0x83: if (r === 7) raise(c, Vec.UD); return; // not CMP
    case 0xf6: case 0xf7: if (r !== 2 && r !== 3) raise(c, Vec.UD); return; // NOT, NEG
    case 0xfe: case 0xff: if (r > 1) raise(c, Vec.UD); return; // INC, DEC
    case 0x1ba: if (r < 5) raise(c, Vec.UD); return; // BTS, BTR, BTC
    case 0x1c7: if (r !== 1) raise(c, Vec.UD); return; // CMPXCHG8B
  }
}
