// Random straight-line programs of the instructions the translator emits inline (ALU in all
// widths and forms, INC/DEC, TEST, shifts and rotates, SETcc, CMOVcc, Jcc over one instruction,
// MOVZX/MOVSX, XCHG, LEA, PUSH/POP, IMUL, NOT/NEG, string instructions, PUSHF to expose every flag) run on the interpreter and
// translated (threshold 0); registers, flags, count and the data area must be identical.
// The reference semantics are the interpreter's (checked against silicon by SingleStepTests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeMachine } from '../test-machine.js';
import { xorshift32 as rng } from '../../bus/xorshift.js';
import { SHARED_FORMS, sharedForm, runSeeded } from './fuzz-program.js';


const DATA = 0x2000;

function program(seed: number): number[] {
  const r = rng(seed);
  const pick = <T>(a: T[]): T => a[r() % a.length];
  // 16/32-bit register operands avoid SP and SI (SI points at the data area).
  const wreg = () => pick([0, 1, 2, 3, 5, 7]);
  const breg = () => r() % 8;
  const out: number[] = [];
  for (let i = 0; i < 40; i++) {
    const wide = r() % 2 === 0;
    const p66 = wide ? [0x66] : [];
    const mem = r() % 3 === 0;
    // r/m operand: register form, or [SI+disp8] inside the data area
    const rm = (reg: number, rmReg: number) => (mem ? [0x44 | (reg << 3), r() % 0x78] : [0xc0 | (reg << 3) | rmReg]);
    const immV = () => [r() & 0xff, r() & 0xff, ...(wide ? [r() & 0xff, r() & 0xff] : [])];
    const kind = r() % (SHARED_FORMS + 6);
    if (kind < SHARED_FORMS) {
      out.push(...sharedForm(kind, { r, pick, p66, rm, wreg, breg, immV, seg: () => [] }));
      continue;
    }
    switch (kind - SHARED_FORMS) {
      case 0: { // shifts/rotates by imm, 1 or CL
        const op = pick([0xc0, 0xc1, 0xd0, 0xd1, 0xd2, 0xd3]);
        out.push(...((op & 1) === 1 ? p66 : []), op, ...rm(r() % 8, wreg()));
        if (op <= 0xc1) out.push(r() % 40);
        break;
      }
      case 1: // XCHG
        out.push(...p66, 0x87, ...rm(wreg(), wreg()));
        break;
      case 2: // LEA reg, [SI+disp8] / [BX+DI+disp8]
        out.push(...p66, 0x8d, pick([0x44, 0x41]) | (wreg() << 3), r() & 0xff);
        break;
      case 3: // PUSH reg or r/m; POP reg
        if (r() % 2) out.push(...p66, 0x50 + wreg(), ...p66, 0x58 + wreg());
        else out.push(...p66, 0xff, ...rm(6, wreg()), ...p66, 0x58 + wreg());
        break;
      case 4: // NOT/NEG r/m in 8 or operand size
        out.push(...(r() % 2 ? [0xf6] : [...p66, 0xf7]), ...rm(2 + (r() % 2), wreg()));
        break;
      default: { // CLD/STD; DI and SI into the data area; one MOVS/CMPS/STOS/LODS/SCAS (no REP)
        const at = (v: number) => [(DATA + v) & 0xff, (DATA + v) >> 8];
        out.push(r() % 2 ? 0xfc : 0xfd, 0xbf, ...at(4 + (r() % 0x70)), 0xbe, ...at(4 + (r() % 0x70)));
        out.push(...(r() % 2 ? p66 : []), pick([0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf]));
        out.push(0xbe, ...at(0), 0xfc); // SI back to the data area, DF clear
      }
    }
  }
  out.push(0x9c, 0xf4); // PUSHF; HLT
  return out;
}

/** jit: undefined = interpreter; hotRuns 0 = memory fast path inline, Infinity = jit/mem.ts only. */
function runOnce(code: number[], seed: number, jit: { hotRuns: number } | undefined) {
  const m = makeMachine(code);
  if (jit) m.cpu.setJit({ threshold: 0, hotRuns: jit.hotRuns });
  return {
    ...runSeeded(m, seed, DATA, 0x80),
    executed: m.cpu.jit?.stats.executed ?? 0,
  };
}

test('random programs of inline-translated instructions: translated == interpreted (400 programs)', () => {
  for (let seed = 1; seed <= 400; seed++) {
    const code = program(seed);
    const a = runOnce(code, seed, undefined);
    for (const hotRuns of [0, Infinity]) {
      const b = runOnce(code, seed, { hotRuns });
      assert.ok(b.executed > 0);
      b.executed = 0;
      assert.deepEqual(b, a, `seed ${seed}, hotRuns ${hotRuns}: ${code.map((x) => x.toString(16).padStart(2, '0')).join(' ')}`);
    }
  }
});
