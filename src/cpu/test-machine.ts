// A bare machine for CPU unit tests and benchmarks: RAM, an empty port bus, a scriptable
// interrupt controller, and code loaded at 0000:1000 in real mode. Every IVT vector v points
// at 0000:(3000h + v*2), which holds HLT, so a test can see which vector was taken.
import { PhysicalMemory } from '../memory/physical-memory.js';
import { PortBus } from '../bus/port-bus.js';
import type { InterruptController } from '../bus/irq.js';
import { Cpu, CpuExit } from './cpu.js';
import { Seg } from './state.js';
import { setSegmentRealMode } from './segments.js';

export const CODE_BASE = 0x1000;
export const HANDLER_BASE = 0x3000;

/** An interrupt controller driven by the test: `pending` vectors are acknowledged in order. */
export class ScriptedInterrupts implements InterruptController {
  pending: number[] = [];
  /** Called on every hasPending() (lets a test raise a request after N boundaries). */
  onPoll: (() => void) | null = null;
  polls = 0;
  hasPending(): boolean {
    this.polls++;
    if (this.onPoll) this.onPoll();
    return this.pending.length > 0;
  }
  acknowledge(): number {
    return this.pending.shift() ?? 0xff;
  }
}

export interface TestMachine {
  cpu: Cpu;
  memory: PhysicalMemory;
  ports: PortBus;
  interrupts: ScriptedInterrupts;
  /** Runs until HLT (or the budget); returns the exit reason. */
  run(budget?: number): CpuExit;
  /** The vector whose HLT stub the CPU stopped at, or -1. */
  stoppedInHandler(): number;
}

export function makeMachine(code: number[], ramSize = 1 << 20): TestMachine {
  const memory = new PhysicalMemory(ramSize);
  const ports = new PortBus();
  const interrupts = new ScriptedInterrupts();
  const cpu = new Cpu({ memory, ports, interrupts });
  for (let v = 0; v < 256; v++) {
    const off = HANDLER_BASE + v * 2;
    memory.write16(v * 4, off);
    memory.write16(v * 4 + 2, 0);
    memory.write8(off, 0xf4); // HLT
  }
  memory.writeBytes(CODE_BASE, Uint8Array.from(code));
  setSegmentRealMode(cpu, Seg.CS, 0);
  cpu.eip = CODE_BASE;
  cpu.regs[4] = 0x8000; // SP
  return {
    cpu,
    memory,
    ports,
    interrupts,
    run: (budget = 100000) => cpu.run(budget),
    stoppedInHandler: () => {
      const at = cpu.segBase[Seg.CS] + cpu.eip - 1;
      return at >= HANDLER_BASE && at < HANDLER_BASE + 512 && (at - HANDLER_BASE) % 2 === 0 ? (at - HANDLER_BASE) / 2 : -1;
    },
  };
}

/** Writes a flat descriptor at `at`: data (access 92h) or code (9Ah), base `base`, 4 GiB limit (G, D/B set). */
export function flatDescriptor(m: TestMachine, at: number, access: number, base = 0): void {
  m.memory.write32(at, ((base & 0xffff) << 16) | 0xffff);
  m.memory.write32(at + 4, (base & 0xff000000) | 0x00cf0000 | (access << 8) | ((base >>> 16) & 0xff));
}
