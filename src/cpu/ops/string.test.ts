// REP STOS/MOVS upwards with 32-bit addressing run whole page-sized stretches straight on RAM
// (string.ts repInRam). They must be indistinguishable from the one-iteration-at-a-time loop
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
  assert.equal(m.cpu.regs[7], 0x4043); // EDI
});
