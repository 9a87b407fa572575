// The supervisor: owns every VM of the daemon, enforces the quotas (memory, VM count, CPU
// shares), watches for hung workers and publishes events. Runs on the daemon's main thread and
// never runs guest code itself.
import { availableParallelism } from 'node:os';
import type { MachineConfig } from '../machine/config.js';
import { allocateCpu } from './scheduler.js';
import { Vm, type VmInfo } from './vm.js';
import type { DrivePaths, MachineImages } from './machine-factory.js';
import { DriveLocks, driveUses } from './drive-locks.js';

export interface SupervisorOptions {
  /** Guest RAM of all live VMs together. */
  maxMemoryBytes: number;
  maxVms: number;
  /** Host CPUs the guests may use together (default: all). */
  cpus?: number;
  /** Scheduling period. */
  periodMs?: number;
  /** A running VM whose worker sends nothing for this long is ended as hung. */
  watchdogMs?: number;
  /** How long `stop` waits for the guest to power off after the ACPI power button (default 10 s). */
  stopTimeoutMs?: number;
  /** Serial output kept per VM for `logs`. */
  logBytes?: number;
  testHooks?: boolean;
}

export type HvEvent = { time: string; vm: string } & (
  | { type: 'created' }
  | { type: 'state'; state: string; reason: string | null }
  | { type: 'reset'; reason: string }
  | { type: 'progress'; op: 'snapshot' | 'restore'; done: number; total: number }
  | { type: 'removed' }
);

export class HvError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HvError';
  }
}

export interface CreateRequest {
  name: string;
  config: MachineConfig;
  cpuShare: number;
  images: MachineImages;
  snapshot?: Uint8Array;
  restoredFrom?: string;
}

function mib(n: number): string {
  return `${Math.round(n / 1048576)} MiB`;
}

export class Supervisor {
  readonly vms = new Map<string, Vm>();
  private readonly listeners = new Set<(e: HvEvent) => void>();
  private readonly timer: NodeJS.Timeout;
  readonly cpus: number;
  readonly periodMs: number;
  private readonly watchdogMs: number;
  /** Disk and CD images held by VMs whose workers have not yet exited. */
  private readonly driveLocks = new DriveLocks();

  constructor(readonly options: SupervisorOptions) {
    // By default the guests may use 90% of the host: the rest keeps the daemon and starting
    // workers responsive when every VM is busy.
    this.cpus = options.cpus ?? availableParallelism() * 0.9;
    this.periodMs = options.periodMs ?? 50;
    this.watchdogMs = options.watchdogMs ?? 10_000;
    this.timer = setInterval(() => this.tick(), this.periodMs);
  }

  get usedMemory(): number {
    let n = 0;
    for (const vm of this.vms.values()) if (vm.live) n += vm.memoryBytes;
    return n;
  }

  onEvent(l: (e: HvEvent) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private emit(vm: string, e: Record<string, unknown> & { type: HvEvent['type'] }): void {
    const ev = { time: new Date().toISOString(), vm, ...e } as HvEvent;
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch {
        /* a broken listener must not stop the others */
      }
    }
  }

  get(name: string): Vm {
    const vm = this.vms.get(name);
    if (!vm) throw new HvError(404, 'not_found', `no VM named '${name}'`);
    return vm;
  }

  list(): VmInfo[] {
    return [...this.vms.values()].map((v) => v.info());
  }

  /** Quota, name and image-lock checks; run before reading files and again (synchronously) at creation. */
  admit(name: string, memoryBytes: number, drives: DrivePaths = { disks: [], cdrom: null }): void {
    if (this.vms.has(name)) throw new HvError(409, 'exists', `a VM named '${name}' already exists`);
    if (this.vms.size >= this.options.maxVms) {
      throw new HvError(409, 'quota_exceeded', `the daemon holds ${this.vms.size} VMs, its maximum (--max-vms); remove one first`);
    }
    const used = this.usedMemory;
    if (used + memoryBytes > this.options.maxMemoryBytes) {
      throw new HvError(
        409,
        'quota_exceeded',
        `${mib(memoryBytes)} of guest RAM does not fit: ${mib(used)} of ${mib(this.options.maxMemoryBytes)} in use (--max-memory)`,
      );
    }
    this.driveLocks.check(name, driveUses(drives));
  }

  /** Creates the VM and waits until its worker runs or has failed (a failed VM is removed). */
  async create(req: CreateRequest): Promise<Vm> {
    this.admit(req.name, req.config.memoryBytes, req.images.drives);
    const owner = {};
    this.driveLocks.acquire(owner, req.name, driveUses(req.images.drives));
    const events = {
      state: (vm: Vm) => this.emit(vm.name, { type: 'state', state: vm.state, reason: vm.reason }),
      reset: (vm: Vm, reason: string) => this.emit(vm.name, { type: 'reset', reason }),
      progress: (vm: Vm, op: 'snapshot' | 'restore', done: number, total: number) => this.emit(vm.name, { type: 'progress', op, done, total }),
      // The worker is gone and its image files are closed: another VM may open them now.
      released: () => this.driveLocks.release(owner),
    };
    const vm = new Vm(
      req.name,
      req.config,
      req.cpuShare,
      {
        name: req.name,
        config: req.config,
        cpuShare: req.cpuShare,
        images: req.images,
        snapshot: req.snapshot ?? null,
        testHooks: this.options.testHooks ?? false,
      },
      this.options.logBytes ?? 256 * 1024,
      events,
      req.restoredFrom ?? null,
    );
    this.vms.set(req.name, vm);
    this.emit(req.name, { type: 'created' });
    await vm.whenStarted();
    if (vm.state !== 'running') {
      this.vms.delete(req.name);
      this.emit(req.name, { type: 'removed' });
      throw new HvError(400, 'start_failed', `VM '${req.name}' did not start: ${vm.reason ?? 'unknown reason'}`);
    }
    return vm;
  }

  async remove(name: string, force: boolean): Promise<void> {
    const vm = this.get(name);
    if (vm.live && !force) throw new HvError(409, 'conflict', `VM '${name}' is ${vm.state}; stop or kill it first (or remove with force)`);
    if (vm.live) {
      vm.kill('killed (removed with force)');
      const end = Date.now() + 5000;
      while (vm.live && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    }
    if (this.vms.get(name) !== vm) return; // removed meanwhile by another request
    this.vms.delete(name);
    this.emit(name, { type: 'removed' });
  }

  /** One scheduling period: CPU grants by share, and the watchdog. */
  private tick(): void {
    const now = Date.now();
    const running: Vm[] = [];
    for (const vm of this.vms.values()) {
      if (vm.state !== 'running') continue;
      if (now - vm.lastSeen > this.watchdogMs) {
        vm.crash(`the worker did not answer for ${Math.round((now - vm.lastSeen) / 1000)} s (hung in host code); terminated`);
        continue;
      }
      running.push(vm);
    }
    const alloc = allocateCpu(
      running.map((v) => v.cpuShare),
      this.cpus,
    );
    // Feedback: time grants are wall time, but a host busy with other work gives threads
    // unequal CPU for equal wall time. Nudge each VM's gain so its measured CPU use tracks its
    // share of what the VMs got together (an integral controller, bounded).
    const used = running.reduce((a, v) => a + v.cpuRate, 0);
    const total = alloc.reduce((a, x) => a + x, 0);
    if (used > 0.02 && total > 0) {
      running.forEach((vm, i) => {
        const target = alloc[i]! / total;
        const actual = Math.max(vm.cpuRate / used, 1e-3);
        vm.gain = Math.min(4, Math.max(0.25, vm.gain * Math.pow(target / actual, 0.05)));
      });
    }
    running.forEach((vm, i) => {
      const ms = alloc[i]! * this.periodMs * vm.gain;
      // The instruction budget follows the measured speed, with headroom; the time grant binds.
      vm.grant(ms, Math.max(10_000, Math.ceil(ms * vm.rate * 1.5)));
    });
  }

  /**
   * Ends every VM as `stop` does without asking the guest (so workers write unflushed disk
   * changes to their images); a worker that does not answer within 2 s is terminated.
   */
  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.vms.values()].map((vm) => vm.stop(0, 'daemon shut down')));
    await new Promise((r) => setTimeout(r, 20));
  }
}
