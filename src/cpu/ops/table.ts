// The handler half of the opcode table: HANDLERS[op] executes opcode `op` (0x000-0x0FF, and
// 0x100-0x1FF for 0F xx) after the interpreter decoded prefixes and ModRM (decoder.ts).
import type { Cpu } from '../cpu.js';
import { OPCODE_INFO, Op } from '../decoder.js';
import { Vec } from '../state.js';
import { raise } from '../interrupts.js';
import { getRM8, getRMv } from '../operands.js';
import { fetch8, fetchImmOp } from '../fetch.js';
import { setResult } from '../flags.js';
import { aluModrm, aluRMRegV, aluRegRMV, aluAccImm, group1, incDecReg, incDecRM, testModrm, testAccImm, notNeg, cmpxchg, xadd, cmpxchg8b } from './alu.js';
import { mul, imul1, div, idiv, imulForms, daa, das, aaaAas, aam, aad, salc, cbw, cwd } from './muldiv.js';
import { group2, shiftDouble, bitTest, bitScan } from './shift.js';
import {
  movModrm, movRMReg, movRegRM, movFromSeg, movToSeg, movMoffs, movRegImm, movRMImm, xchgModrm, xchgAcc, lea, loadFarPointer,
  movExtend, xlat, cmov, setcc, bswap, lahf, sahf,
} from './move.js';
import { pushReg, popReg, pushImm, pushSeg, popSeg, popRM, pushRM, pusha, popa, pushf, popf, enter, leave } from './stack.js';
import { jccShort, jccNear, jmpRel, callRel, farImm, retNear, retFar, iret, loop, groupFFControl, int, bound } from './control.js';
import { stringOp } from './string.js';
import { fxGroup } from './x87-bridge.js';
import { rdmsr, wrmsr, rdpmc, sysenter, sysexit } from './msr.js';
import {
  undefinedOp, nop, flagOp, arplOp, hlt, inOut, cpuid, rdtsc, movCr, movDr, clts, cacheOp, group6, group7, larLsl, wait, esc,
} from './system.js';

export type Handler = (c: Cpu) => void;

/** F6/F7: TEST imm, NOT, NEG, MUL, IMUL, DIV, IDIV. */
function group3(c: Cpu): void {
  const bits = c.op === 0xf6 ? 8 : c.o32 ? 32 : 16;
  switch (c.reg) {
    case 0:
    case 1: // /1 is an undocumented alias of TEST
      if (bits === 8) {
        const v = getRM8(c);
        setResult(c, v & fetch8(c), 8, 0);
      } else {
        const v = getRMv(c);
        setResult(c, (v & fetchImmOp(c)) >>> 0, bits, 0);
      }
      return;
    case 2: notNeg(c, bits, false); return;
    case 3: notNeg(c, bits, true); return;
    case 4: mul(c, bits); return;
    case 5: imul1(c, bits); return;
    case 6: div(c, bits); return;
    default: idiv(c, bits);
  }
}

/** FE: INC/DEC r/m8; other reg values are #UD. */
function groupFE(c: Cpu): void {
  if (c.reg > 1) raise(c, Vec.UD);
  incDecRM(c, 8, c.reg === 1);
}

/** FF: INC, DEC, CALL, CALLF, JMP, JMPF, PUSH; /7 is #UD. */
function groupFF(c: Cpu): void {
  switch (c.reg) {
    case 0:
    case 1: incDecRM(c, c.o32 ? 32 : 16, c.reg === 1); return;
    case 6: pushRM(c); return;
    case 7: raise(c, Vec.UD); return;
    default: groupFFControl(c);
  }
}

/** 0F BA: BT/BTS/BTR/BTC r/m, ib (/0-/3 are #UD). */
function group8(c: Cpu): void {
  bitTest(c);
}

/** 0F C7: /1 CMPXCHG8B. */
function group9(c: Cpu): void {
  cmpxchg8b(c);
}

/** 90: NOP (XCHG eAX,eAX; with F3 it is PAUSE). */
function nop90(_c: Cpu): void {}

function build(): Handler[] {
  const h: Handler[] = new Array<Handler>(512).fill(undefinedOp);
  const on = (ops: number[], f: Handler) => { for (const o of ops) h[o] = f; };
  const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
  for (let base = 0; base < 0x40; base += 8) {
    on([base, base + 2], aluModrm);
    on([base + 1], aluRMRegV);
    on([base + 3], aluRegRMV);
    on([base + 4, base + 5], aluAccImm);
  }
  on([0x06, 0x0e, 0x16, 0x1e, 0x1a0, 0x1a8], pushSeg);
  on([0x07, 0x17, 0x1f, 0x1a1, 0x1a9], popSeg);
  on([0x27], daa);
  on([0x2f], das);
  on([0x37, 0x3f], aaaAas);
  on(range(0x40, 0x4f), incDecReg);
  on(range(0x50, 0x57), pushReg);
  on(range(0x58, 0x5f), popReg);
  on([0x60], pusha);
  on([0x61], popa);
  on([0x62], bound);
  on([0x63], arplOp);
  on([0x68, 0x6a], pushImm);
  on([0x69, 0x6b, 0x1af], imulForms);
  on([0x6c, 0x6d, 0x6e, 0x6f, 0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf], stringOp);
  on(range(0x70, 0x7f), jccShort);
  on([0x80, 0x81, 0x82, 0x83], group1);
  on([0x84, 0x85], testModrm);
  on([0x86, 0x87], xchgModrm);
  on([0x88, 0x8a], movModrm);
  on([0x89], movRMReg);
  on([0x8b], movRegRM);
  on([0x8c], movFromSeg);
  on([0x8d], lea);
  on([0x8e], movToSeg);
  on([0x8f], popRM);
  on([0x90], nop90);
  on(range(0x91, 0x97), xchgAcc);
  on([0x98], cbw);
  on([0x99], cwd);
  on([0x9a, 0xea], farImm);
  on([0x9b], wait);
  on([0x9c], pushf);
  on([0x9d], popf);
  on([0x9e], sahf);
  on([0x9f], lahf);
  on([0xa0, 0xa1, 0xa2, 0xa3], movMoffs);
  on([0xa8, 0xa9], testAccImm);
  on(range(0xb0, 0xbf), movRegImm);
  on([0xc0, 0xc1, 0xd0, 0xd1, 0xd2, 0xd3], group2);
  on([0xc2, 0xc3], retNear);
  on([0xc4, 0xc5, 0x1b2, 0x1b4, 0x1b5], loadFarPointer);
  on([0xc6, 0xc7], movRMImm);
  on([0xc8], enter);
  on([0xc9], leave);
  on([0xca, 0xcb], retFar);
  on([0xcc, 0xcd, 0xce, 0xf1], int);
  on([0xcf], iret);
  on([0xd4], aam);
  on([0xd5], aad);
  on([0xd6], salc);
  on([0xd7], xlat);
  on(range(0xd8, 0xdf), esc);
  on(range(0xe0, 0xe3), loop);
  on([0xe4, 0xe5, 0xe6, 0xe7, 0xec, 0xed, 0xee, 0xef], inOut);
  on([0xe8], callRel);
  on([0xe9, 0xeb], jmpRel);
  on([0xf4], hlt);
  on([0xf5, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd], flagOp);
  on([0xf6, 0xf7], group3);
  on([0xfe], groupFE);
  on([0xff], groupFF);
  // 0F xx
  on([0x100], group6);
  on([0x101], group7);
  on([0x102, 0x103], larLsl);
  on([0x106], clts);
  on([0x108, 0x109], cacheOp);
  on(range(0x118, 0x11f), nop);
  on([0x120, 0x122], movCr);
  on([0x121, 0x123], movDr);
  on([0x131], rdtsc);
  on([0x130], wrmsr);
  on([0x132], rdmsr);
  on([0x133], rdpmc);
  on([0x134], sysenter);
  on([0x135], sysexit);
  on(range(0x140, 0x14f), cmov);
  on(range(0x180, 0x18f), jccNear);
  on(range(0x190, 0x19f), setcc);
  on([0x1a2], cpuid);
  on([0x1ae], fxGroup);
  on([0x1a3, 0x1ab, 0x1b3, 0x1bb], bitTest);
  on([0x1a4, 0x1a5, 0x1ac, 0x1ad], shiftDouble);
  on([0x1b0, 0x1b1], cmpxchg);
  on([0x1b6, 0x1b7, 0x1be, 0x1bf], movExtend);
  on([0x1ba], group8);
  on([0x1bc, 0x1bd], bitScan);
  on([0x1c0, 0x1c1], xadd);
  on([0x1c7], group9);
  on(range(0x1c8, 0x1cf), bswap);
  // Whatever the decoder table calls invalid must be #UD, whatever a handler exists for.
  for (let i = 0; i < 512; i++) if ((OPCODE_INFO[i] & Op.INVALID) !== 0) h[i] = undefinedOp;
  return h;
}

/** Handlers indexed like OPCODE_INFO. */
export const HANDLERS: readonly Handler[] = build();

