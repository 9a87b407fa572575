// The PC board: wires memory, buses, the CPU and the legacy devices together. Only this file
// knows port numbers and IRQ numbers (the devices model registers only).
import { PhysicalMemory } from '../memory/physical-memory.js';
import { PortBus } from '../bus/port-bus.js';
import { Clock, type TimeSource } from '../bus/clock.js';
import { Pic8259Pair } from '../devices/pic8259.js';
import { Pit8254 } from '../devices/pit8254.js';
import { CmosRtc } from '../devices/cmos-rtc.js';
import { Uart16550 } from '../devices/uart16550.js';
import { I8042 } from '../devices/i8042.js';
import { SystemControlPort } from '../devices/system-control-port.js';
import { PostCodePort } from '../devices/post-code-port.js';
import { DebugConsolePort } from '../devices/debug-console-port.js';
import { Cpu, CpuExit } from '../cpu/cpu.js';
import type { Device, DeviceState } from '../bus/device.js';

/** Legacy ISA port and IRQ assignments of the PC/AT. */
export const PC_PORTS = {
  picMaster: 0x20,
  picSlave: 0xa0,
  elcr: 0x4d0,
  pit: 0x40,
  portB: 0x61,
  i8042Data: 0x60,
  i8042Command: 0x64,
  rtc: 0x70,
  com1: 0x3f8,
  systemControlA: 0x92,
  post: 0x80,
  debugcon: 0xe9,
} as const;

export const PC_IRQS = { pit: 0, keyboard: 1, com1: 4, rtc: 8, mouse: 12 } as const;

export type TripleFaultAction = 'reset' | 'stop';

export interface PcOptions {
  /** Guest RAM in bytes (multiple of 4 KiB). */
  memoryBytes: number;
  /** BIOS ROM image (64 KiB to 256 KiB, multiple of 64 KiB): mapped to end at 1 MiB and at 4 GiB. */
  bios?: Uint8Array;
  /** Bytes the guest writes to COM1. */
  serialSink?: (byte: number) => void;
  /** Bytes written to port 0xE9. */
  debugconSink?: (byte: number) => void;
  /** Each byte written to port 0x80. */
  postListener?: (code: number) => void;
  /** Host time source for interactive use; omitted = deterministic virtual time. */
  hostTime?: TimeSource;
  /** Virtual nanoseconds per guest instruction in deterministic mode (default 10 = 100 MIPS). */
  nsPerInstruction?: number;
  /** RTC start time (epoch ms); defaults to a fixed date so deterministic runs repeat. */
  rtcTime?: number;
  tripleFault?: TripleFaultAction;
}

/** Why run() returned. */
export type PcStop =
  | { kind: 'running' } // budget spent, call again
  | { kind: 'halted-cli' } // HLT with interrupts disabled: nothing can wake the CPU
  | { kind: 'idle'; untilNs: number } // HLT waiting for an interrupt; host mode should sleep
  | { kind: 'triple-fault' } // shutdown and tripleFault === 'stop'
  | { kind: 'poweroff' };

export class PcError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PcError';
  }
}

const DEFAULT_RTC_TIME = Date.UTC(2026, 0, 1, 0, 0, 0);

export class Pc {
  readonly memory: PhysicalMemory;
  readonly ports = new PortBus();
  readonly clock: Clock;
  readonly pic: Pic8259Pair;
  readonly pit: Pit8254;
  readonly rtc: CmosRtc;
  readonly com1: Uart16550;
  readonly i8042: I8042;
  readonly systemControl: SystemControlPort;
  readonly post: PostCodePort;
  readonly debugcon: DebugConsolePort;
  readonly cpu: Cpu;
  readonly devices: Device[];
  private readonly nsPerInstruction: number;
  private resetRequested = false;
  private poweredOff = false;
  /** Machine resets so far (triple faults and reset requests). */
  resets = 0;
  /** Why the last reset happened, for logs and the hypervisor. */
  lastResetReason = '';
  private readonly tripleFault: TripleFaultAction;

  constructor(private readonly options: PcOptions) {
    this.memory = new PhysicalMemory(options.memoryBytes);
    this.clock = new Clock(options.hostTime ?? null);
    this.nsPerInstruction = options.nsPerInstruction ?? 10;
    this.tripleFault = options.tripleFault ?? 'reset';
    if (options.bios) this.mapBios(options.bios);

    this.pic = new Pic8259Pair();
    this.pit = new Pit8254({ clock: this.clock, irq0: this.pic.irqLine(PC_IRQS.pit) });
    this.rtc = new CmosRtc({ clock: this.clock, irq: this.pic.irqLine(PC_IRQS.rtc), initialTime: options.rtcTime ?? DEFAULT_RTC_TIME });
    this.com1 = new Uart16550({ clock: this.clock, irq: this.pic.irqLine(PC_IRQS.com1), sink: options.serialSink ?? (() => {}), name: 'com1' });
    const setA20 = (on: boolean) => this.memory.setA20(on);
    const requestReset = () => this.requestReset('reset requested by the guest');
    this.i8042 = new I8042({
      clock: this.clock,
      irq1: this.pic.irqLine(PC_IRQS.keyboard),
      irq12: this.pic.irqLine(PC_IRQS.mouse),
      setA20,
      requestReset,
    });
    this.systemControl = new SystemControlPort({ setA20, requestReset, a20State: () => this.memory.a20Enabled });
    this.post = new PostCodePort();
    if (options.postListener) this.post.listener = options.postListener;
    this.debugcon = new DebugConsolePort(options.debugconSink ?? (() => {}));
    this.cpu = new Cpu({ memory: this.memory, ports: this.ports, interrupts: this.pic });
    this.devices = [this.pic, this.pit, this.rtc, this.com1, this.i8042, this.systemControl, this.post, this.debugcon];
    this.mapPorts();
  }

  private mapBios(bios: Uint8Array): void {
    if (bios.length < 0x10000 || bios.length > 0x40000 || bios.length % 0x10000 !== 0) {
      throw new PcError(`BIOS image is ${bios.length} bytes; it must be 64, 128, 192 or 256 KiB`);
    }
    // The whole image sits below 4 GiB; its last 128 KiB (at most) also ends at 1 MiB.
    this.memory.mapRom(2 ** 32 - bios.length, bios, 'bios-high');
    const low = bios.length > 0x20000 ? bios.subarray(bios.length - 0x20000) : bios;
    this.memory.mapRom(0x100000 - low.length, low, 'bios-low');
  }

  private mapPorts(): void {
    const p = this.ports;
    const pic = this.pic;
    p.register(PC_PORTS.picMaster, 2, 'pic', {
      read8: (port) => pic.readMaster(port & 1),
      write8: (port, v) => pic.writeMaster(port & 1, v),
    });
    p.register(PC_PORTS.picSlave, 2, 'pic', {
      read8: (port) => pic.readSlave(port & 1),
      write8: (port, v) => pic.writeSlave(port & 1, v),
    });
    p.register(PC_PORTS.elcr, 2, 'pic', {
      read8: (port) => pic.readElcr(port & 1),
      write8: (port, v) => pic.writeElcr(port & 1, v),
    });
    const pit = this.pit;
    p.register(PC_PORTS.pit, 4, 'pit', { read8: (port) => pit.read(port & 3), write8: (port, v) => pit.write(port & 3, v) });
    p.register(PC_PORTS.portB, 1, 'pit', { read8: () => pit.readPortB(), write8: (_port, v) => pit.writePortB(v) });
    const kbc = this.i8042;
    p.register(PC_PORTS.i8042Data, 1, 'i8042', { read8: () => kbc.readData(), write8: (_port, v) => kbc.writeData(v) });
    p.register(PC_PORTS.i8042Command, 1, 'i8042', { read8: () => kbc.readStatus(), write8: (_port, v) => kbc.writeCommand(v) });
    const rtc = this.rtc;
    p.register(PC_PORTS.rtc, 2, 'rtc', {
      read8: (port) => ((port & 1) === 0 ? 0xff : rtc.readData()),
      write8: (port, v) => ((port & 1) === 0 ? rtc.writeIndex(v) : rtc.writeData(v)),
    });
    const com1 = this.com1;
    p.register(PC_PORTS.com1, 8, 'com1', { read8: (port) => com1.read(port & 7), write8: (port, v) => com1.write(port & 7, v) });
    const scp = this.systemControl;
    p.register(PC_PORTS.systemControlA, 1, 'port92', { read8: () => scp.read(), write8: (_port, v) => scp.write(v) });
    const post = this.post;
    p.register(PC_PORTS.post, 1, 'post', { read8: () => post.read(), write8: (_port, v) => post.write(v) });
    const dbg = this.debugcon;
    p.register(PC_PORTS.debugcon, 1, 'debugcon', { read8: () => dbg.read(), write8: (_port, v) => dbg.write(v) });
  }

  requestReset(reason: string): void {
    this.resetRequested = true;
    this.lastResetReason = reason;
  }

  requestPowerOff(): void {
    this.poweredOff = true;
  }

  /** Power-on: every device and the CPU to their reset state. RAM keeps its contents. */
  reset(): void {
    for (const d of this.devices) d.reset();
    this.memory.setA20(true);
    this.cpu.reset();
    this.resetRequested = false;
  }

  /** Executes up to `budget` guest instructions, firing device timers on time. */
  run(budget: number): PcStop {
    const cpu = this.cpu;
    const clock = this.clock;
    let left = budget;
    while (left > 0) {
      if (this.poweredOff) return { kind: 'poweroff' };
      if (this.resetRequested) this.warmReset();
      // Run no further than the next timer deadline so device interrupts arrive on time.
      const untilTimer = clock.untilNextDeadline();
      let slice = left;
      if (clock.deterministic && untilTimer !== Infinity) {
        slice = Math.max(1, Math.min(left, Math.ceil(untilTimer / this.nsPerInstruction)));
      } else if (!clock.deterministic) {
        slice = Math.min(left, 20000);
      }
      const before = cpu.instructions;
      const exit = cpu.run(slice);
      const executed = cpu.instructions - before;
      left -= Math.max(executed, 1);
      if (clock.deterministic) clock.advance(executed * this.nsPerInstruction);
      else clock.runDue();
      if (exit === CpuExit.Shutdown) {
        if (this.tripleFault === 'stop') return { kind: 'triple-fault' };
        this.requestReset('triple fault');
        continue;
      }
      if (exit === CpuExit.Halted) {
        if ((cpu.eflags & 0x200) === 0) return { kind: 'halted-cli' };
        if (this.pic.hasPending()) continue;
        const wait = clock.untilNextDeadline();
        if (wait === Infinity) return { kind: 'idle', untilNs: Infinity };
        // Deterministic: skip idle time straight to the next timer. Host: let the caller sleep.
        if (clock.deterministic) clock.advance(wait);
        else return { kind: 'idle', untilNs: wait };
      }
    }
    return { kind: 'running' };
  }

  private warmReset(): void {
    this.resets++;
    this.reset();
  }

  /** Total guest instructions executed. */
  get instructions(): number {
    return this.cpu.instructions;
  }

  saveState(): { version: 1; cpu: unknown; memory: unknown; clock: unknown; devices: Record<string, DeviceState> } {
    const devices: Record<string, DeviceState> = {};
    for (const d of this.devices) devices[d.name] = d.saveState();
    return { version: 1, cpu: this.cpu.saveState(), memory: this.memory.saveState(), clock: this.clock.saveState(), devices };
  }

  /**
   * Restores a saveState() result into a board built with the same memory size and ROMs. The
   * clock goes first so devices re-arming timers see the saved time, and again last so every
   * timer ends with exactly its saved deadline. Callers restore into a fresh Pc and discard it
   * if this throws (a failed load may leave it partly loaded).
   */
  loadState(s: {
    version: number;
    cpu: unknown;
    memory: unknown;
    clock: unknown;
    devices: Record<string, DeviceState>;
  }): void {
    if (!s || s.version !== 1) throw new PcError(`machine state version ${String(s?.version)} is not supported (expected 1)`);
    for (const d of this.devices) if (!s.devices?.[d.name]) throw new PcError(`machine state has nothing for device '${d.name}'`);
    const clock = s.clock as Parameters<Clock['loadState']>[0];
    this.clock.loadState(clock);
    this.memory.loadState(s.memory as Parameters<PhysicalMemory['loadState']>[0]);
    this.cpu.loadState(s.cpu as Parameters<Cpu['loadState']>[0]);
    for (const d of this.devices) d.loadState(s.devices[d.name]!);
    this.clock.loadState(clock);
    this.resetRequested = false;
    this.poweredOff = false;
  }
}
