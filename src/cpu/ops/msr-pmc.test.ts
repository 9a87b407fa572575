// P6 performance-monitoring counters through RDMSR/WRMSR (and RDPMC's handler): SDM Vol. 3B
// "Performance Monitoring (P6 Family Processor)" (PerfEvtSel0/1, PerfCtr0/1, starting and stopping
// the counters), Vol. 4 (MSRs in the P6 family: C1H, C2H, 186H, 187H), Vol. 2B RDMSR/WRMSR/RDPMC.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeMachine, ScriptedInterrupts, CODE_BASE } from '../test-machine.js';
import { PhysicalMemory } from '../../memory/physical-memory.js';
import { PortBus } from '../../bus/port-bus.js';
import { Cpu, CpuExit } from '../cpu.js';
import { Reg, Seg } from '../state.js';
import { setSegmentRealMode } from '../segments.js';
import { rdmsr, wrmsr, rdpmc } from './msr.js';

const PERFCTR0 = 0xc1;
const PERFCTR1 = 0xc2;
const PERFEVTSEL0 = 0x186;
const PERFEVTSEL1 = 0x187;
const USR = 1 << 16;
const OS = 1 << 17;
const EN = 1 << 22;
const INST_RETIRED = 0xc0;
const CPU_CLK_UNHALTED = 0x79;
/** L2_RQSTS with no MESI unit mask: counts nothing (what Linux's P6 driver parks a counter on). */
const NOP_EVENT = 0x2e;

// Real-mode encodings (66h: 32-bit operands).
const imm32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const movEcx = (v: number) => [0x66, 0xb9, ...imm32(v)];
const movEax = (v: number) => [0x66, 0xb8, ...imm32(v)];
const movEdx = (v: number) => [0x66, 0xba, ...imm32(v)];
const WRMSR = [0x0f, 0x30];
const RDMSR = [0x0f, 0x32];
const NOP = 0x90;
const HLT = 0xf4;
/** mov esi,eax; mov edi,edx: keeps one RDMSR result while the next is read. */
const SAVE = [0x66, 0x89, 0xc6, 0x66, 0x89, 0xd7];
/** ECX = msr; EDX:EAX = hi:lo; WRMSR (4 instructions). */
const wr = (msr: number, lo: number, hi = 0) => [...movEcx(msr), ...movEax(lo), ...movEdx(hi), ...WRMSR];
/** ECX = msr; RDMSR (2 instructions). */
const rd = (msr: number) => [...movEcx(msr), ...RDMSR];
const nops = (n: number) => new Array<number>(n).fill(NOP);

function run(code: number[], jit = false) {
  const m = makeMachine([...code, HLT]);
  if (jit) m.cpu.setJit({ threshold: 0 });
  assert.equal(m.run(), CpuExit.Halted);
  return m;
}

const edxEax = (c: Cpu) => [c.regs[Reg.EDX], c.regs[Reg.EAX]];

test('WRMSR to PerfCtr0/1 writes the low 32 bits sign-extended to 40; EDX is ignored; RDMSR returns 40 bits', () => {
  let m = run([...wr(PERFCTR0, 0x80000001, 0x12345678), ...rd(PERFCTR0)]);
  assert.deepEqual(edxEax(m.cpu), [0xff, 0x80000001]);
  m = run([...wr(PERFCTR1, 0x7fffffff, 0xffffffff), ...rd(PERFCTR1)]);
  assert.deepEqual(edxEax(m.cpu), [0, 0x7fffffff]);
  // The two counters are separate registers.
  m = run([...wr(PERFCTR0, 0xabcd), ...wr(PERFCTR1, 0xfffffff0), ...rd(PERFCTR0), ...SAVE, ...rd(PERFCTR1)]);
  assert.deepEqual([m.cpu.regs[Reg.EDI], m.cpu.regs[Reg.ESI]], [0, 0xabcd]);
  assert.deepEqual(edxEax(m.cpu), [0xff, 0xfffffff0]);
});

test("Linux's check_hw_exists probe passes: event selects read with EN clear, 0xABCD written to PerfCtr0 reads back", () => {
  const m = run([...rd(PERFEVTSEL0), ...SAVE, ...rd(PERFEVTSEL1), 0x66, 0x09, 0xc6, ...wr(PERFCTR0, 0xabcd), ...rd(PERFCTR0)]); // or esi,eax
  assert.equal(m.cpu.regs[Reg.ESI] & EN, 0);
  assert.deepEqual(edxEax(m.cpu), [0, 0xabcd]);
});

test('INST_RETIRED with EN set counts the instructions after the enabling WRMSR and wraps at 2^40', () => {
  // PerfCtr0 = -3 (0xFF_FFFFFFFD); enable; 5 NOPs and MOV ECX retire before the RDMSR: -3 + 6 = 3.
  // The same with every block translated (threshold 0): translated code keeps the instruction count exact.
  for (const jit of [false, true]) {
    const m = run([...wr(PERFCTR0, -3 >>> 0), ...wr(PERFEVTSEL0, EN | OS | USR | INST_RETIRED), ...nops(5), ...rd(PERFCTR0)], jit);
    assert.deepEqual(edxEax(m.cpu), [0, 3]);
  }
});

test('with EN clear nothing counts; clearing EN stops the counter at its value', () => {
  let m = run([...wr(PERFCTR0, -3 >>> 0), ...wr(PERFEVTSEL0, OS | USR | INST_RETIRED), ...nops(5), ...rd(PERFCTR0)]);
  assert.deepEqual(edxEax(m.cpu), [0xff, 0xfffffffd]);
  // Counting from 100 for MOV ECX/EAX/EDX (3), then the WRMSR that clears EN; 7 NOPs later still 103.
  m = run([
    ...wr(PERFCTR0, 100), ...wr(PERFEVTSEL0, EN | OS | USR | INST_RETIRED),
    ...wr(PERFEVTSEL0, OS | USR | INST_RETIRED), ...nops(7), ...rd(PERFCTR0),
  ]);
  assert.deepEqual(edxEax(m.cpu), [0, 103]);
});

test('EN exists only in PerfEvtSel0 and enables both counters; PerfEvtSel1 bit 22 alone enables nothing', () => {
  // Linux's P6 driver: counter 1 programmed with INST_RETIRED, EN set in PerfEvtSel0 (parked on a no-op event).
  let m = run([
    ...wr(PERFCTR0, 50), ...wr(PERFCTR1, 0),
    ...wr(PERFEVTSEL1, OS | USR | INST_RETIRED), ...wr(PERFEVTSEL0, EN | NOP_EVENT),
    ...nops(10), ...rd(PERFCTR0), ...SAVE, ...rd(PERFCTR1),
  ]);
  assert.deepEqual([m.cpu.regs[Reg.EDI], m.cpu.regs[Reg.ESI]], [0, 50]); // event 2EH: keeps its value
  // Counter 1 saw 10 NOPs, MOV ECX and RDMSR of PerfCtr0, SAVE's two moves and MOV ECX: 15.
  assert.deepEqual(edxEax(m.cpu), [0, 15]);
  m = run([...wr(PERFCTR1, 0), ...wr(PERFEVTSEL1, EN | OS | USR | INST_RETIRED), ...nops(10), ...rd(PERFCTR1)]);
  assert.deepEqual(edxEax(m.cpu), [0, 0]);
});

test('USR and OS both clear: the counter does not count even with EN set', () => {
  const m = run([...wr(PERFCTR0, 7), ...wr(PERFEVTSEL0, EN | INST_RETIRED), ...nops(9), ...rd(PERFCTR0)]);
  assert.deepEqual(edxEax(m.cpu), [0, 7]);
});

test('CPU_CLK_UNHALTED counts one cycle per instruction and nothing while halted (the TSC keeps running)', () => {
  const memory = new PhysicalMemory(1 << 20);
  let idleNs = 0;
  const cpu: Cpu = new Cpu({ memory, ports: new PortBus(), interrupts: new ScriptedInterrupts(), timeNs: () => cpu.instructions * 10 + idleNs });
  const code = [...wr(PERFCTR0, 0), ...wr(PERFEVTSEL0, EN | OS | CPU_CLK_UNHALTED), NOP, HLT, NOP, ...rd(PERFCTR0), HLT];
  memory.writeBytes(CODE_BASE, Uint8Array.from(code));
  setSegmentRealMode(cpu, Seg.CS, 0);
  cpu.eip = CODE_BASE;
  assert.equal(cpu.run(1000), CpuExit.Halted);
  idleNs += 5_000_000; // 5 ms halted
  cpu.halted = false;
  assert.equal(cpu.run(1000), CpuExit.Halted);
  // NOP, HLT, NOP, MOV ECX: 4 unhalted cycles.
  assert.deepEqual(edxEax(cpu), [0, 4]);
});

test('the counters continue across saveState/loadState', () => {
  const m = makeMachine([...wr(PERFCTR0, 1000), ...wr(PERFEVTSEL0, EN | OS | USR | INST_RETIRED), ...nops(20), ...rd(PERFCTR0), HLT]);
  assert.equal(m.run(4 + 4 + 5), CpuExit.Budget); // the enabling WRMSR and 5 NOPs
  const saved = JSON.parse(JSON.stringify(m.cpu.saveState()));
  const copy = makeMachine([]);
  copy.memory.writeBytes(0, m.memory.readBytes(0, 0x10000));
  copy.cpu.loadState(saved);
  assert.equal(copy.run(), CpuExit.Halted);
  assert.deepEqual(edxEax(copy.cpu), [0, 1000 + 20 + 1]);
});

test('WRMSR PerfEvtSel with EDX bits set (reserved bits 63:32) is #GP(0) and changes nothing', () => {
  const m = run([...wr(PERFEVTSEL0, EN | OS | INST_RETIRED, 1)]);
  assert.equal(m.stoppedInHandler(), 13);
  m.cpu.regs[Reg.ECX] = PERFEVTSEL0;
  rdmsr(m.cpu);
  assert.deepEqual(edxEax(m.cpu), [0, 0]);
});

/** Expects `fn` to raise #GP(0) through cpu.fault. */
function assertGp(cpu: Cpu, fn: () => void): void {
  assert.throws(fn, (e) => e === cpu.fault && cpu.faultVector === 13 && cpu.faultCode === 0);
}

test('RDMSR/WRMSR of the counters at CPL 3 are #GP(0); RDPMC at CPL 3 needs CR4.PCE; RDPMC ECX > 1 is #GP(0)', () => {
  const m = makeMachine([]);
  const c = m.cpu;
  c.regs[Reg.ECX] = PERFCTR0;
  c.regs[Reg.EAX] = 0x1234;
  wrmsr(c); // real mode: allowed
  c.cr[0] |= 1; // PE
  c.modeChanged();
  c.cpl = 3;
  for (const msr of [PERFCTR0, PERFCTR1, PERFEVTSEL0, PERFEVTSEL1]) {
    c.regs[Reg.ECX] = msr;
    assertGp(c, () => rdmsr(c));
    assertGp(c, () => wrmsr(c));
  }
  c.regs[Reg.ECX] = 0;
  assertGp(c, () => rdpmc(c));
  c.cr[4] |= 1 << 8; // CR4.PCE: user-mode RDPMC allowed
  c.regs[Reg.EAX] = 0;
  rdpmc(c);
  assert.deepEqual(edxEax(c), [0, 0x1234]);
  c.regs[Reg.ECX] = 2; // P6 has counters 0 and 1 only
  assertGp(c, () => rdpmc(c));
  c.cpl = 0;
  c.cr[4] = 0;
  c.regs[Reg.ECX] = 1;
  rdpmc(c);
  assert.deepEqual(edxEax(c), [0, 0]);
});

test('0F 33 RDPMC decodes and reads PerfCtr[ECX] into EDX:EAX, interpreted and translated', () => {
  // PerfCtr1 = 0x80000005 (sign-extended: FF_80000005); ECX = 1; RDPMC.
  for (const jit of [false, true]) {
    const m = run([...wr(PERFCTR1, 0x80000005), ...movEcx(1), 0x0f, 0x33], jit);
    assert.deepEqual(edxEax(m.cpu), [0xff, 0x80000005]);
  }
});
