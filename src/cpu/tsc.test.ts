// The TSC on a board with a clock (tsc.ts): it keeps counting while the CPU is halted
// (SDM Vol. 3B §18.17) and WRMSR 10h sets the value it continues from (SDM Vol. 4, IA32_TSC).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhysicalMemory } from '../memory/physical-memory.js';
import { PortBus } from '../bus/port-bus.js';
import { ScriptedInterrupts, CODE_BASE } from './test-machine.js';
import { Cpu, CpuExit } from './cpu.js';
import { Reg, Seg } from './state.js';
import { setSegmentRealMode } from './segments.js';

const RDTSC = [0x0f, 0x31];
const MOV_ESI_EAX = [0x66, 0x89, 0xc6];
const HLT = 0xf4;

/** A CPU whose board clock runs 10 ns per instruction plus `idleNs` skipped while halted. */
function boardCpu(code: number[]) {
  const memory = new PhysicalMemory(1 << 20);
  let idleNs = 0;
  const cpu: Cpu = new Cpu({ memory, ports: new PortBus(), interrupts: new ScriptedInterrupts(), timeNs: () => cpu.instructions * 10 + idleNs });
  memory.writeBytes(CODE_BASE, Uint8Array.from(code));
  setSegmentRealMode(cpu, Seg.CS, 0);
  cpu.eip = CODE_BASE;
  return { cpu, idle: (ns: number) => { idleNs += ns; } };
}

test('the TSC counts board time, including time spent halted', () => {
  const { cpu, idle } = boardCpu([...RDTSC, ...MOV_ESI_EAX, HLT, ...RDTSC, HLT]);
  assert.equal(cpu.run(100), CpuExit.Halted);
  idle(123_450); // the board skips to its next timer while the CPU waits
  cpu.halted = false; // as an interrupt would wake it
  assert.equal(cpu.run(100), CpuExit.Halted);
  // RDTSC, MOV, HLT retire between the two reads: 3 instructions of 10 ns, plus the idle time.
  assert.equal(cpu.regs[Reg.EAX] - cpu.regs[Reg.ESI], 30 + 123_450);
});

test('WRMSR IA32_TSC sets the value the counter continues from', () => {
  // mov ecx,10h; mov eax,1000h; xor edx,edx; wrmsr; rdtsc; hlt
  const { cpu } = boardCpu([0x66, 0xb9, 0x10, 0, 0, 0, 0x66, 0xb8, 0, 0x10, 0, 0, 0x66, 0x31, 0xd2, 0x0f, 0x30, ...RDTSC, HLT]);
  cpu.run(100);
  assert.equal(cpu.regs[Reg.EAX], 0x1000 + 10); // one instruction (WRMSR itself done) later
  assert.equal(cpu.regs[Reg.EDX], 0);
});
