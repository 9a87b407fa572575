// REP STOS/MOVS with 32-bit addressing, upwards and downwards, run whole page-sized stretches
// straight on RAM (string.ts repInRam). They must be indistinguishable from the one-iteration-at-a-time loop
// (SDM Vol. 2B "REP/REPE/REPZ/REPNE/REPNZ"; the loop is what SingleStepTests and the difftest
// programs check): the same memory, registers and instruction count after every run(budget),
// including the 1024-iteration restarts and budget boundaries. The reference machine marks the
// destination pages as holding code, which keeps every store on the one-by-one path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeMachine, type TestMachine } from '../test-machine.js';
import { CpuExit } from '../cpu.js';

const imm32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const PROGRAM = [
  0x66, 0xb8, ...imm32(0x11223344), // mov eax, 11223344h
  0x66, 0xbf, ...imm32(0x4000), // mov edi, 4000h
  0x66, 0xb9, ...imm32(0x2100), // mov ecx, 2100h (33 KiB: nine pages)
  0xf3, 0x67, 0x66, 0xab, // rep stosd (a32)
  0xb0, 0x5a, 0x66, 0xbf, ...imm32(0xc401), 0x66, 0xb9, ...imm32(0x123), 0xf3, 0x67, 0xaa, // al=5Ah; rep stosb from C401h
  0x66, 0xbe, ...imm32(0x4010), 0x66, 0xbf, ...imm32(0xc800), 0x66, 0xb9, ...imm32(0x300), 0xf3, 0x67, 0x66, 0xa5, // rep movsd
  0x66, 0xbe, ...imm32(0x4000), 0x66, 0xbf, ...imm32(0x4003), 0x66, 0xb9, ...imm32(0x40), 0xf3, 0x67, 0xa4, // overlapping rep movsb
  // Downwards (DF=1): memmove's backward copy, a run that crosses page ends, the overlap that
  // repeats a pattern, and STOSD.
  0xfd, // std
  0x66, 0xbe, ...imm32(0x1000 + 0x7f), 0x66, 0xbf, ...imm32(0x8010), 0x66, 0xb9, ...imm32(0x80), 0xf3, 0x67, 0xa4, // rep movsb: this code to 7F91h-8010h
  0x66, 0xbe, ...imm32(0x800c), 0x66, 0xbf, ...imm32(0x8014), 0x66, 0xb9, ...imm32(0x20), 0xf3, 0x67, 0x66, 0xa5, // rep movsd 7F90h-800Fh up by 8
  0x66, 0xbe, ...imm32(0x7fa8), 0x66, 0xbf, ...imm32(0x7fa0), 0x66, 0xb9, ...imm32(0x8), 0xf3, 0x67, 0x66, 0xa5, // rep movsd down by 8: a pattern
  0x66, 0xb8, ...imm32(0x55667788), 0x66, 0xbf, ...imm32(0x9ffc), 0x66, 0xb9, ...imm32(0x403), 0xf3, 0x67, 0x66, 0xab, // rep stosd 8FF4h-9FFFh
  0xfc, // cld
  0xf4,
];

function machine(oneByOne: boolean): TestMachine {
  const m = makeMachine(PROGRAM);
  if (oneByOne) {
    for (let p = 4; p < 0x10; p++) m.memory.codePages[p] = 1;
    m.memory.onCodeWrite = (p) => {
      m.memory.codePages[p] = 1; // stays a "code" page: no fast path
    };
  }
  return m;
}

function state(m: TestMachine) {
  return { regs: Array.from(m.cpu.regs), eip: m.cpu.eip, n: m.cpu.instructions, mem: Buffer.from(m.memory.ram.subarray(0x4000, 0x10000)).toString('hex') };
}

test('REP STOS/MOVS straight on RAM equal the one-by-one loop after every run(budget), restarts included', () => {
  for (const budget of [1, 2, 7, 100, 1023, 1024, 1025, 5000, 100000]) {
    const fast = machine(false);
    const slow = machine(true);
    for (let i = 0; i < 40000; i++) {
      const a = fast.run(budget);
      const b = slow.run(budget);
      assert.equal(a, b);
      assert.deepEqual(state(fast), state(slow), `budget ${budget}, slice ${i}`);
      if (a === CpuExit.Halted) break;
    }
    assert.equal(fast.cpu.eip, PROGRAM.length + 0x1000, `budget ${budget}: ran to the HLT`);
  }
  // What the program leaves (SDM semantics, independently of either path).
  const m = machine(false);
  m.run();
  assert.equal(m.memory.read32(0x4000 + 4 * 0x20ff), 0x11223344);
  assert.equal(m.memory.read8(0xc401 + 0x122), 0x5a);
  assert.equal(m.memory.read32(0xc800), 0x11223344);
  // The overlapping byte copy repeats the first three bytes: 44 33 22 | 44 33 22 | ...
  assert.deepEqual(Array.from(m.memory.ram.subarray(0x4000, 0x4009)), [0x44, 0x33, 0x22, 0x44, 0x33, 0x22, 0x44, 0x33, 0x22]);
  assert.equal(m.cpu.regs[1], 0); // ECX
  assert.equal(m.cpu.regs[7], 0x8ff0); // EDI after the STOSD downwards
  assert.equal(m.cpu.regs[6], 0x7f88); // ESI after the last MOVSD downwards
  // Downwards: the code bytes 1000h-107Fh went to 7F91h-8010h and then up by 8 to 7F99h-8018h
  // (memmove: the copy starts at the top, so no byte is read after it was overwritten); the
  // copy down by 8 then repeated the eight bytes at 7FA4h five times from 7F84h (each dword
  // read after it was written).
  const code = Array.from(m.memory.ram.subarray(0x1000, 0x1080));
  assert.deepEqual(Array.from(m.memory.ram.subarray(0x7fac, 0x8018)), code.slice(0x13, 0x7f));
  const eight = code.slice(0x0b, 0x13);
  assert.deepEqual(Array.from(m.memory.ram.subarray(0x7f84, 0x7fac)), [...eight, ...eight, ...eight, ...eight, ...eight]);
  for (let a = 0x8ff4; a < 0xa000; a += 4) assert.equal(m.memory.read32(a), 0x55667788, `STOSD downwards at ${a.toString(16)}`);
  assert.equal(m.memory.read32(0x8ff0), 0x11223344); // below it: the first STOSD's
});
