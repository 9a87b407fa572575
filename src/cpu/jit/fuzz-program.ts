// Random instructions for the translator's differential tests (jit-fuzz.test.ts in 16-bit
// real mode, jit-fuzz32.test.ts in 32-bit protected mode): the forms both use, written through
// a context that supplies the mode's memory operand, operand-size prefix and immediates; and
// the seeded start state and compared end state of one run.
import type { TestMachine } from '../test-machine.js';
import { Reg } from '../state.js';
import { xorshift32 as rng } from '../../bus/xorshift.js';

export interface FuzzContext {
  r: () => number;
  pick<T>(a: T[]): T;
  /** The operand-size prefix of this instruction (0x66) or nothing. */
  p66: number[];
  /** The ModRM (and displacement) of a register or memory operand, chosen once per instruction. */
  rm(reg: number, rmReg: number): number[];
  /** A word/dword register that is neither SP nor SI (SI points at the data area); any byte register. */
  wreg(): number;
  breg(): number;
  /** An immediate of the operand size. */
  immV(): number[];
  /** A segment-override prefix for the memory operand, or nothing. */
  seg(): number[];
}

/** How many forms sharedForm() knows (kinds 0 .. SHARED_FORMS - 1). */
export const SHARED_FORMS = 12;

/** The bytes of one instruction (or a short sequence) of shared form `kind`. */
export function sharedForm(kind: number, x: FuzzContext): number[] {
  const { r, p66, rm, wreg, breg } = x;
  switch (kind) {
    case 0: { // ALU r/m,reg / reg,r/m in 8 bits or the operand size
      const alu = r() % 8;
      const form = r() % 4;
      const byte = (form & 1) === 0;
      return [...x.seg(), ...(byte ? [] : p66), alu * 8 + form, ...rm(byte ? breg() : wreg(), byte ? breg() : wreg())];
    }
    case 1: { // group 1 with imm
      const op = x.pick([0x80, 0x81, 0x83]);
      const byte = op === 0x80;
      return [...(byte ? [] : p66), op, ...rm(r() % 8, byte ? breg() : wreg()), ...(op === 0x81 ? x.immV() : [r() & 0xff])];
    }
    case 2: // INC/DEC reg or r/m
      if (r() % 2 === 0) return [...p66, 0x40 + wreg() + (r() % 2) * 8];
      return [...(r() % 2 ? [0xfe] : [...p66, 0xff]), ...rm(r() % 2, wreg())];
    case 3: // TEST r/m, reg or acc, imm
      if (r() % 2) return [...(r() % 2 ? [0x84] : [...p66, 0x85]), ...rm(wreg(), wreg())];
      return [...p66, 0xa9, ...x.immV()];
    case 4: // SETcc r/m8
      return [0x0f, 0x90 + (r() % 16), ...rm(0, breg())];
    case 5: // CMOVcc reg, r/m
      return [...p66, 0x0f, 0x40 + (r() % 16), ...rm(wreg(), wreg())];
    case 6: // Jcc over a one-byte INC
      return [0x70 + (r() % 16), 1, 0x40 + wreg()];
    case 7: // MOVZX/MOVSX
      return [...p66, 0x0f, x.pick([0xb6, 0xb7, 0xbe, 0xbf]), ...rm(wreg(), wreg())];
    case 8: { // IMUL reg, r/m (0F AF); IMUL reg, r/m, imm (69) / imm8 (6B)
      const op = x.pick([0x1af, 0x69, 0x6b]);
      const imm = op === 0x69 ? x.immV() : op === 0x6b ? [r() & 0xff] : [];
      return [...p66, ...(op === 0x1af ? [0x0f, 0xaf] : [op]), ...rm(wreg(), wreg()), ...imm];
    }
    case 9: // PUSHF; POP reg (a fallback between inline code; every flag becomes visible)
      return [0x9c, 0x58 + wreg()];
    case 10: // MOV r/m, reg and reg, r/m
      return [...x.seg(), ...p66, x.pick([0x88, 0x89, 0x8a, 0x8b]), ...rm(wreg(), wreg())];
    default: // ALU acc, imm
      return [...p66, (r() % 8) * 8 + 5, ...x.immV()];
  }
}

/**
 * Starts `m` from state seeded by `seed` (general registers, ESI = `data`, the arithmetic flags,
 * 128 bytes at `data`), runs it to HLT, and returns what a differential test compares:
 * registers, EIP, flags, the instruction count, `compareBytes` at `data` and the stack page's
 * top 256 bytes (the programs keep ESP near 8000h).
 */
export function runSeeded(m: TestMachine, seed: number, data: number, compareBytes: number) {
  const r = rng(seed ^ 0x5a5a5a5a);
  for (const i of [0, 1, 2, 3, 5, 7]) m.cpu.regs[i] = r();
  m.cpu.regs[Reg.ESI] = data;
  m.cpu.setEflags(r() & 0x8d5);
  for (let a = data; a < data + 0x80; a++) m.memory.write8(a, r());
  m.run(10000);
  return {
    regs: Array.from(m.cpu.regs), eip: m.cpu.eip, flags: m.cpu.getEflags(), n: m.cpu.instructions,
    data: Array.from(m.memory.ram.subarray(data, data + compareBytes)), stack: Array.from(m.memory.ram.subarray(0x7f00, 0x8000)),
  };
}
