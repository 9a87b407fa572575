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
import type { JitOptions } from '../cpu/jit/jit.js';
import type { Device, DeviceState } from '../bus/device.js';
import { loadKernel, type KernelPlan } from '../boot/detect.js';
import { Vga } from '../devices/vga/vga.js';
import { FwCfg, configurePcFwCfg } from '../devices/fw-cfg.js';
import { IdeChannel } from '../devices/ata/ide-channel.js';
import { AtaDisk } from '../devices/ata/ata-disk.js';
import { AtapiCdrom } from '../devices/ata/atapi-cdrom.js';
import { BusMaster } from '../devices/ata/bus-master.js';
import type { IdeDrive } from '../devices/ata/ide-drive.js';
import type { BlockStore } from '../devices/block/block-store.js';
import { fillBiosCmos } from '../devices/cmos-rtc.js';
import { initPciLikeFirmware } from '../devices/pci/firmware-init.js';
import { installAcpiTables } from '../devices/acpi-tables.js';
import { createPcChipset, type PcChipset } from './pc-chipset.js';
import { applyEntryState } from './cpu-entry.js';

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
  fpuError: 0xf0,
} as const;

export const PC_IRQS = { pit: 0, keyboard: 1, com1: 4, rtc: 8, mouse: 12, fpu: 13 } as const;

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
  /** VGA option ROM (vgabios-stdvga.bin), served from the VGA's PCI ROM BAR. */
  vgaBios?: Uint8Array;
  /** Hard disks in IDE order: primary master, primary slave, secondary slave (the CD takes secondary master). */
  disks?: BlockStore[];
  /** CD-ROM on the secondary master (QEMU's default position). */
  cdrom?: BlockStore | null;
  /** BIOS boot order. */
  boot?: ('cdrom' | 'disk')[];
  /** Dynamic translation (cpu/jit): options, or null for the interpreter only; default PC_DEFAULT_JIT. */
  jit?: JitOptions | null;
}

/** On: exact (guest-jit.test.ts) and faster on the Linux boot (src/cpu/README.md "Translation"). */
export const PC_DEFAULT_JIT: JitOptions | null = {};

/** The board's own state beside the devices' (Pc.saveState().board). */
export interface PcBoardState {
  resets: number;
  lastResetReason: string;
  resetRequested: boolean;
  poweredOff: boolean;
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
  readonly vga: Vga;
  readonly fwCfg: FwCfg;
  readonly ide: [IdeChannel, IdeChannel];
  readonly busMaster: BusMaster;
  readonly chipset: PcChipset;
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
    this.cpu = new Cpu({
      memory: this.memory, ports: this.ports, interrupts: this.pic, timeNs: () => this.clock.now(),
      timeLineBase: () => this.clock.lineBase(), timeLineSlope: this.nsPerInstruction,
    });
    const jit = options.jit === undefined ? PC_DEFAULT_JIT : options.jit;
    if (jit !== null) this.cpu.setJit(jit);
    if (this.clock.deterministic) this.clock.attachInstructionCounter(() => this.cpu.instructions, this.nsPerInstruction);
    // x87 errors with CR0.NE=0 go out on FERR# to IRQ13; a write to port 0xF0 clears them (PC/AT).
    this.cpu.ferr = this.pic.irqLine(PC_IRQS.fpu);
    this.devices = [this.pic, this.pit, this.rtc, this.com1, this.i8042, this.systemControl, this.post, this.debugcon];
    this.mapPorts();

    // The PCI side: i440FX + PIIX3 as QEMU's pc machine, with VGA, IDE and fw_cfg.
    this.vga = new Vga({ clock: this.clock });
    this.fwCfg = new FwCfg(this.memory);
    configurePcFwCfg(this.fwCfg, { ramSize: options.memoryBytes, bootOrder: this.bootOrderPaths() });
    fillBiosCmos(this.rtc, { ramBelow4G: options.memoryBytes });
    const drives = this.makeDrives();
    let ide: [IdeChannel, IdeChannel] | null = null;
    let busMaster: BusMaster | null = null;
    this.chipset = createPcChipset({
      memory: this.memory,
      ports: this.ports,
      clock: this.clock,
      isaIrq: (n) => this.pic.irqLine(n),
      bios: options.bios ?? null,
      requestReset: () => this.requestReset('reset control register 0xCF9'),
      vga: { device: this.vga, bios: options.vgaBios ?? null },
      ide: (irqs) => {
        const primary = new IdeChannel({ irq: irqs.primary, clock: this.clock, master: drives[0], slave: drives[1], name: 'ide0' });
        const secondary = new IdeChannel({ irq: irqs.secondary, clock: this.clock, master: drives[2], slave: drives[3], name: 'ide1' });
        ide = [primary, secondary];
        busMaster = new BusMaster({ memory: this.memory, primary, secondary });
        return { primary, secondary, busMaster };
      },
      fwCfg: this.fwCfg,
      acpi: { onPowerOff: () => this.requestPowerOff() },
    });
    if (!ide || !busMaster) throw new PcError('internal: the chipset did not build the IDE controller');
    this.ide = ide;
    this.busMaster = busMaster;
    this.devices.push(this.vga, this.fwCfg, ...this.ide, this.busMaster, ...this.chipset.devices);
  }

  /** IDE positions: disks fill primary master, primary slave, then secondary slave; the CD is secondary master. */
  private makeDrives(): (IdeDrive | null)[] {
    const disks = this.options.disks ?? [];
    if (disks.length > 3) throw new PcError(`at most 3 hard disks fit beside the CD-ROM (got ${disks.length})`);
    const slots: (IdeDrive | null)[] = [null, null, null, null];
    const diskSlots = [0, 1, 3];
    disks.forEach((store, i) => {
      const slot = diskSlots[i];
      slots[slot] = new AtaDisk((slot & 1) as 0 | 1, { store, serial: `RM000${slot}` });
    });
    if (this.options.cdrom !== undefined) slots[2] = new AtapiCdrom(0, { store: this.options.cdrom });
    return slots;
  }

  /** SeaBIOS "bootorder" (OpenFirmware paths of QEMU's pc machine) from the boot option. */
  private bootOrderPaths(): string[] {
    const order = this.options.boot ?? (this.options.cdrom ? ['cdrom', 'disk'] : ['disk', 'cdrom']);
    const out: string[] = [];
    for (const dev of order) {
      if (dev === 'cdrom' && this.options.cdrom) out.push('/pci@i0cf8/ide@1,1/drive@1/disk@0');
      if (dev === 'disk' && this.options.disks?.length) out.push('/pci@i0cf8/ide@1,1/drive@0/disk@0');
    }
    return out;
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
    p.register(PC_PORTS.fpuError, 1, 'fpu', { write8: () => this.cpu.fpu?.clearError(this.cpu) });
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
      clock.runDue(); // deterministic time already moved with the instruction counter
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

  /**
   * Direct kernel boot (no BIOS): loads a bzImage or Multiboot kernel, its initrd and command
   * line into RAM and starts the CPU at the kernel's 32-bit entry. Throws BootError on bad input.
   */
  bootKernel(kernel: Uint8Array, initrd: Uint8Array | null, cmdline: string): KernelPlan {
    this.reset();
    // Without firmware, leave the PCI bus and ACPI tables as SeaBIOS would have.
    const fw = initPciLikeFirmware(this.chipset.bus, {
      memoryStart: this.memory.ramSize,
      setElcr: (mask) => {
        this.pic.writeElcr(0, mask & 0xff);
        this.pic.writeElcr(1, mask >>> 8);
      },
    });
    installAcpiTables(this.memory, {
      pmBase: fw.pmBase,
      sciIrq: fw.sciIrq,
      pci: { pirq: fw.pirq, memWindow: { base: this.memory.ramSize, limit: 0xfebfffff } },
    });
    const plan = loadKernel(this.memory, kernel, { cmdline, initrd: initrd ?? undefined });
    applyEntryState(this.cpu, plan.cpu);
    return plan;
  }

  /** Total guest instructions executed. */
  get instructions(): number {
    return this.cpu.instructions;
  }

  saveState(): { version: 1; cpu: unknown; memory: unknown; clock: unknown; devices: Record<string, DeviceState>; board: PcBoardState } {
    const devices: Record<string, DeviceState> = {};
    for (const d of this.devices) devices[d.name] = d.saveState();
    // The board's own latches: a reset or power-off requested by the guest but not yet acted on
    // (they are acted on at the top of the next run()) must survive a snapshot taken in between.
    const board: PcBoardState = {
      resets: this.resets,
      lastResetReason: this.lastResetReason,
      resetRequested: this.resetRequested,
      poweredOff: this.poweredOff,
    };
    return { version: 1, cpu: this.cpu.saveState(), memory: this.memory.saveState(), clock: this.clock.saveState(), devices, board };
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
    /** Absent in states saved before the board latches were recorded: then nothing is pending. */
    board?: PcBoardState;
  }): void {
    if (!s || s.version !== 1) throw new PcError(`machine state version ${String(s?.version)} is not supported (expected 1)`);
    for (const d of this.devices) if (!s.devices?.[d.name]) throw new PcError(`machine state has nothing for device '${d.name}'`);
    const clock = s.clock as Parameters<Clock['loadState']>[0];
    this.clock.loadState(clock);
    this.memory.loadState(s.memory as Parameters<PhysicalMemory['loadState']>[0]);
    this.cpu.loadState(s.cpu as Parameters<Cpu['loadState']>[0]);
    for (const d of this.devices) d.loadState(s.devices[d.name]!);
    this.clock.loadState(clock);
    this.resetRequested = s.board?.resetRequested === true;
    this.poweredOff = s.board?.poweredOff === true;
    this.resets = s.board?.resets ?? 0;
    this.lastResetReason = s.board?.lastResetReason ?? '';
  }
}
