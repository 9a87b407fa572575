// One VM as the supervisor sees it: its worker thread, state, serial log, counters and the
// listeners (consoles, log followers) attached to its output. Runs on the daemon's main thread.
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { MachineConfig } from '../machine/config.js';
import { ByteRing } from './ring-buffer.js';
import type { Counters, FaultKind, FromWorker, ToWorker, WorkerInit } from './protocol.js';

export type VmState = 'starting' | 'running' | 'paused' | 'stopped' | 'crashed';

export interface VmInfo {
  name: string;
  state: VmState;
  reason: string | null;
  memoryBytes: number;
  cpuShare: number;
  cpuPercent: number;
  cpuMs: number;
  instructions: number;
  resets: number;
  uptimeSeconds: number;
  serialBytes: number;
  createdAt: string;
  deterministic: boolean;
  restoredFrom: string | null;
}

export interface VmEvents {
  state(vm: Vm): void;
  reset(vm: Vm, reason: string): void;
  progress(vm: Vm, op: 'snapshot' | 'restore', done: number, total: number): void;
  /** The worker thread has exited and the VM's image files are closed. */
  released(vm: Vm): void;
}

const ZERO: Counters = { instructions: 0, cpuMs: 0, busyMs: 0, resets: 0 };

export class Vm {
  state: VmState = 'starting';
  reason: string | null = null;
  counters: Counters = ZERO;
  cpuPercent = 0;
  /** Guest instructions per busy millisecond (for instruction budgets). */
  rate = 10_000;
  lastSeen = Date.now();
  /** Host CPUs this VM used lately (EMA of thread CPU time per wall time). */
  cpuRate = 0;
  /** Scheduler feedback: multiplies this VM's time grants so its CPU use meets its share. */
  gain = 1;
  private cpuRateSample = { at: performance.now(), cpuMs: 0 };
  readonly log: ByteRing;
  readonly serialListeners = new Set<(bytes: Uint8Array) => void>();
  private readonly createdMs = Date.now();
  private startedMs: number | null = null;
  private endedMs: number | null = null;
  private sample = { at: Date.now(), cpuMs: 0 };
  private rateSample = { instructions: 0, busyMs: 0 };
  private readonly worker: Worker;
  private killedReason: string | null = null;
  private snapshotId = 0;
  private readonly snapshots = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>();
  private pauseWaiters: Array<() => void> = [];
  private readyWaiters: Array<() => void> = [];
  /** True until the worker thread has exited (and the image files are closed). */
  holdsResources = true;

  constructor(
    readonly name: string,
    readonly config: MachineConfig,
    readonly cpuShare: number,
    init: WorkerInit,
    logBytes: number,
    private readonly events: VmEvents,
    readonly restoredFrom: string | null,
  ) {
    this.log = new ByteRing(logBytes);
    const transfer = init.snapshot ? [init.snapshot.buffer as ArrayBuffer] : [];
    this.worker = new Worker(new URL('./vm-worker.js', import.meta.url), {
      workerData: init,
      transferList: transfer,
      // The guest RAM is an ArrayBuffer outside the JS heap; the heap itself stays small, and a
      // runaway heap ends this worker only (ERR_WORKER_OUT_OF_MEMORY).
      resourceLimits: { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 32 },
      // Image files opened in the worker close with it, whether it ends or is terminated.
      trackUnmanagedFds: true,
    });
    this.worker.on('message', (m: FromWorker) => this.onMessage(m));
    this.worker.on('error', (e) => this.finish('crashed', `worker error: ${e.message}`));
    this.worker.on('exit', (code) => {
      if (this.killedReason) this.finish('stopped', this.killedReason);
      else this.finish('crashed', `worker thread exited with code ${code}`);
      this.releaseDrives();
    });
  }

  get memoryBytes(): number {
    return this.config.memoryBytes;
  }

  get live(): boolean {
    return this.state === 'starting' || this.state === 'running' || this.state === 'paused';
  }

  info(): VmInfo {
    const end = this.endedMs ?? Date.now();
    return {
      name: this.name,
      state: this.state,
      reason: this.reason,
      memoryBytes: this.config.memoryBytes,
      cpuShare: this.cpuShare,
      cpuPercent: Math.round(this.cpuPercent * 10) / 10,
      cpuMs: Math.round(this.counters.cpuMs),
      instructions: this.counters.instructions,
      resets: this.counters.resets,
      uptimeSeconds: this.startedMs === null ? 0 : Math.round((end - this.startedMs) / 100) / 10,
      serialBytes: this.log.total,
      createdAt: new Date(this.createdMs).toISOString(),
      deterministic: this.config.deterministic,
      restoredFrom: this.restoredFrom,
    };
  }

  private send(m: ToWorker, transfer?: ArrayBuffer[]): void {
    if (!this.live) return;
    try {
      this.worker.postMessage(m, transfer);
    } catch {
      /* the worker is gone; its exit event reports why */
    }
  }

  private setState(s: VmState, reason: string | null = this.reason): void {
    if (this.state === s && this.reason === reason) return;
    this.state = s;
    this.reason = reason;
    this.events.state(this);
  }

  private updateCounters(c: Counters): void {
    this.counters = c;
    const now = Date.now();
    if (now - this.sample.at >= 1000) {
      this.cpuPercent = ((c.cpuMs - this.sample.cpuMs) / (now - this.sample.at)) * 100;
      this.sample = { at: now, cpuMs: c.cpuMs };
    }
    const t = performance.now();
    if (t - this.cpuRateSample.at >= 100) {
      const r = (c.cpuMs - this.cpuRateSample.cpuMs) / (t - this.cpuRateSample.at);
      this.cpuRate = this.cpuRate * 0.6 + r * 0.4;
      this.cpuRateSample = { at: t, cpuMs: c.cpuMs };
    }
    const dBusy = c.busyMs - this.rateSample.busyMs;
    if (dBusy >= 20) {
      const r = (c.instructions - this.rateSample.instructions) / dBusy;
      if (r > 0) this.rate = this.rate * 0.5 + r * 0.5;
      this.rateSample = { instructions: c.instructions, busyMs: c.busyMs };
    }
  }

  private onMessage(m: FromWorker): void {
    this.lastSeen = Date.now();
    switch (m.t) {
      case 'ready':
        this.updateCounters(m.counters);
        this.sample = { at: Date.now(), cpuMs: m.counters.cpuMs };
        this.rateSample = { instructions: m.counters.instructions, busyMs: m.counters.busyMs };
        this.cpuRateSample = { at: performance.now(), cpuMs: m.counters.cpuMs };
        this.startedMs = Date.now();
        this.setState('running', null);
        for (const w of this.readyWaiters.splice(0)) w();
        break;
      case 'serial':
        this.log.write(m.bytes);
        for (const l of this.serialListeners) l(m.bytes);
        break;
      case 'report':
        this.updateCounters(m.counters);
        break;
      case 'paused':
        this.updateCounters(m.counters);
        for (const w of this.pauseWaiters.splice(0)) w();
        break;
      case 'reset':
        this.updateCounters(m.counters);
        this.events.reset(this, m.reason);
        break;
      case 'progress':
        this.events.progress(this, m.op, m.done, m.total);
        break;
      case 'snapshot-data':
        this.snapshots.get(m.id)?.resolve(m.bytes);
        this.snapshots.delete(m.id);
        break;
      case 'snapshot-error':
        this.snapshots.get(m.id)?.reject(new Error(m.message));
        this.snapshots.delete(m.id);
        break;
      case 'ended':
        this.updateCounters(m.counters);
        this.finish(m.state, m.reason);
        void this.worker.terminate();
        break;
    }
  }

  /** Ends the VM's life (idempotent: the first reason recorded wins). */
  private finish(state: 'stopped' | 'crashed', reason: string): void {
    if (!this.live) return;
    this.endedMs = Date.now();
    this.cpuPercent = 0;
    for (const s of this.snapshots.values()) s.reject(new Error(`the VM ended: ${reason}`));
    this.snapshots.clear();
    for (const w of this.pauseWaiters.splice(0)) w();
    for (const w of this.readyWaiters.splice(0)) w();
    this.setState(state, reason);
  }

  /**
   * The worker's image files are closed by Node when its thread exits, however it ended
   * (Worker option trackUnmanagedFds, on by default: descriptors from fs.openSync in a worker are
   * closed with it), so the images are free once 'exit' has fired. The worker never closes them
   * itself. Unflushed guest writes of a killed VM are lost; the image stays as of its last flush.
   */
  private releaseDrives(): void {
    if (!this.holdsResources) return;
    this.holdsResources = false;
    this.events.released(this);
  }

  /** Resolves once the worker is running or has failed to start. */
  whenStarted(): Promise<void> {
    if (this.state !== 'starting') return Promise.resolve();
    return new Promise((r) => this.readyWaiters.push(r));
  }

  grant(ms: number, budget: number): void {
    this.send({ t: 'grant', ms, budget });
  }

  input(bytes: Uint8Array): void {
    if (this.state === 'running' || this.state === 'paused') this.send({ t: 'input', bytes });
  }

  async pause(): Promise<void> {
    if (this.state !== 'running') return;
    const done = new Promise<void>((r) => this.pauseWaiters.push(r));
    this.send({ t: 'pause' });
    await done;
    if (this.state === 'running') this.setState('paused', null);
  }

  resume(): void {
    if (this.state !== 'paused') return;
    // The watchdog counts silence only while running: a long pause is not a hang.
    this.lastSeen = Date.now();
    this.send({ t: 'resume' });
    this.setState('running', null);
  }

  private async waitEnded(ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    while (this.live && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    return !this.live;
  }

  /**
   * Graceful stop: presses the ACPI power button and waits up to `graceMs` for the guest to
   * power off; then stops it at the next slice boundary; a worker that does not answer is
   * terminated. `graceMs` 0 skips the request to the guest.
   */
  async stop(graceMs: number, reason = 'stopped by request'): Promise<void> {
    if (!this.live) return;
    if (graceMs > 0) {
      this.send({ t: 'power-button' });
      if (await this.waitEnded(graceMs)) return;
    }
    const why = graceMs > 0 ? `stopped (the guest did not power off within ${graceMs / 1000} s)` : reason;
    this.send({ t: 'stop', reason: why });
    if (await this.waitEnded(2000)) return;
    this.kill(`${why}; the worker did not answer and was terminated`);
    await this.waitEnded(2000);
  }

  kill(reason = 'killed'): void {
    if (!this.live) return;
    this.killedReason = reason;
    void this.worker.terminate();
  }

  /** Terminates the worker as a crash would (watchdog, tests). */
  crash(reason: string): void {
    if (!this.live) return;
    this.finish('crashed', reason);
    void this.worker.terminate();
  }

  /** Test hook: a fault inside the worker. */
  fault(kind: FaultKind): void {
    this.send({ t: 'fault', kind });
  }

  /** The worker's own terminate(), as the OS or an embedder might end the thread. */
  terminateWorker(): Promise<number> {
    return this.worker.terminate();
  }

  snapshot(): Promise<Uint8Array> {
    if (this.state !== 'running' && this.state !== 'paused') return Promise.reject(new Error(`VM '${this.name}' is ${this.state}`));
    const id = ++this.snapshotId;
    return new Promise((resolve, reject) => {
      this.snapshots.set(id, { resolve, reject });
      this.send({ t: 'snapshot', id });
    });
  }
}
