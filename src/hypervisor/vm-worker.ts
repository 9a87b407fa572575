// One VM's thread: builds its own Pc from the validated config (its guest RAM lives here),
// runs it in the slices the supervisor grants, and posts serial output, state changes and
// counters back. Anything that goes wrong here ends this thread only.
import { parentPort, workerData } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Pc } from '../machine/pc.js';
import { buildPc, openDrives, type OpenDrives } from './machine-factory.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot-file.js';
import type { Counters, FromWorker, ToWorker, WorkerInit } from './protocol.js';

/** Longest stretch of guest execution before the worker looks at its messages again. */
const MAX_RUN_MS = 8;
const REPORT_MS = 100;
const SERIAL_FLUSH_BYTES = 16 * 1024;
/**
 * Deterministic VMs always run in calls of this many instructions: the board advances device
 * time between calls, so a guest reading a timer sees values that depend on where the calls
 * split; a fixed quantum keeps the output the same whatever the host's speed or slicing.
 */
const DETERMINISTIC_QUANTUM = 20_000;

/**
 * This thread's CPU time in ms: /proc/thread-self/schedstat (first field: ns on the CPU), else
 * /proc/thread-self/stat (utime + stime in 10 ms ticks), else null (then busy time is used).
 */
function threadCpuMs(): number | null {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]) / 1e6;
  } catch {
    /* no schedstat: fall back to the tick counts */
  }
  try {
    const s = readFileSync('/proc/thread-self/stat', 'latin1');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return null;
  }
}

class VmRunner {
  private readonly pc: Pc;
  private readonly drives: OpenDrives;
  private paused = false;
  private ended = false;
  private idle = false;
  private scheduled = false;
  private wakeTimer: NodeJS.Timeout | null = null;
  private creditMs = 0;
  private creditBudget = 0;
  private chargedAt = 0;
  private chunk = 20_000;
  private busyMs = 0;
  private readonly cpuStart = threadCpuMs();
  private lastReport = 0;
  private lastResets = 0;
  private lastResetPost = -Infinity;
  private readonly startedWall = performance.now();
  private serial = new Uint8Array(SERIAL_FLUSH_BYTES * 2);
  private serialLen = 0;

  constructor(
    private readonly init: WorkerInit,
    private readonly port: NonNullable<typeof parentPort>,
  ) {
    const sink = (b: number) => {
      if (this.serialLen === this.serial.length) this.flushSerial();
      this.serial[this.serialLen++] = b;
    };
    // Decode first: a bad snapshot fails before any image file is opened.
    const snap = init.snapshot
      ? decodeSnapshot(init.snapshot, (done, total) => {
          if (done === total || done % 8 === 0) this.post({ t: 'progress', op: 'restore', id: 0, done, total });
        })
      : null;
    // Closed by Node when this thread exits, however it ends (trackUnmanagedFds; see vm.ts).
    this.drives = openDrives(init.images.drives);
    if (snap) {
      this.pc = buildPc(init.config, { ...init.images, bios: snap.bios }, this.drives, sink, false);
      this.pc.loadState(snap.state as unknown as Parameters<Pc['loadState']>[0]);
    } else {
      this.pc = buildPc(init.config, init.images, this.drives, sink, true);
    }
    this.lastResets = this.pc.resets;
    port.on('message', (m: ToWorker) => this.onMessage(m));
    this.post({ t: 'ready', counters: this.counters() });
  }

  private post(m: FromWorker, transfer?: ArrayBuffer[]): void {
    this.port.postMessage(m, transfer);
  }

  counters(): Counters {
    const cpu = threadCpuMs();
    const cpuMs = cpu !== null && this.cpuStart !== null ? cpu - this.cpuStart : this.busyMs;
    return { instructions: this.pc.instructions, cpuMs, busyMs: this.busyMs, resets: this.pc.resets };
  }

  private flushSerial(): void {
    if (this.serialLen === 0) return;
    const bytes = this.serial.slice(0, this.serialLen);
    this.serialLen = 0;
    this.post({ t: 'serial', bytes }, [bytes.buffer]);
  }

  private onMessage(m: ToWorker): void {
    if (this.ended) return;
    switch (m.t) {
      case 'grant':
        // Overspending is paid back from the next grant; time not spent (the thread woke late on
        // a busy host) carries over, up to three grants, so a VM is not shortchanged by latency.
        this.creditMs = Math.min(this.creditMs + m.ms, 3 * m.ms);
        this.creditBudget = m.budget;
        this.schedule();
        // An idle or paused VM still answers, so the watchdog can tell it from a hung thread.
        if (this.idle || this.paused) this.post({ t: 'report', counters: this.counters(), idle: this.idle });
        break;
      case 'pause':
        this.paused = true;
        this.flushSerial();
        this.post({ t: 'paused', counters: this.counters() });
        break;
      case 'resume':
        this.paused = false;
        this.schedule();
        break;
      case 'stop':
        this.end('stopped', m.reason);
        break;
      case 'power-button':
        this.pc.chipset.acpiPm?.pressPowerButton();
        this.idle = false;
        this.schedule();
        break;
      case 'input':
        this.pc.com1.receive(m.bytes);
        this.idle = false;
        this.schedule();
        break;
      case 'snapshot':
        this.snapshot(m.id);
        break;
      case 'fault':
        if (!this.init.testHooks) break;
        if (m.kind === 'throw') {
          setImmediate(() => {
            throw new Error('test hook: exception inside the VM worker');
          });
        } else if (m.kind === 'hang') {
          for (;;) {
            /* a worker stuck in host code: only the watchdog can end it */
          }
        } else process.exit(3);
        break;
    }
  }

  /**
   * Makes every guest write durable in the image files (the guest's FLUSH CACHE does the same).
   * Throws with the image named when one cannot be written.
   */
  private flushDrives(): void {
    for (const d of this.drives.all) {
      if (d.readOnly) continue;
      try {
        d.flush();
      } catch (e) {
        throw new Error(`could not write the guest's changes to disk image '${d.path}': ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  private snapshot(id: number): void {
    this.flushSerial();
    try {
      // A snapshot holds RAM and device state, not disk contents: the images are flushed first
      // so that, at this instant, each file holds exactly the disk the saved guest sees.
      this.flushDrives();
      const state = this.pc.saveState();
      const bytes = encodeSnapshot(
        {
          source: { name: this.init.name, cpuShare: this.init.cpuShare },
          config: this.init.config as unknown as Record<string, unknown>,
          state: state as unknown as Parameters<typeof encodeSnapshot>[0]['state'],
          bios: this.init.images.bios,
          instructions: this.pc.instructions,
        },
        (done, total) => {
          if (done === total || done % 8 === 0) this.post({ t: 'progress', op: 'snapshot', id, done, total });
        },
      );
      const copy = bytes.slice();
      this.post({ t: 'snapshot-data', id, bytes: copy }, [copy.buffer]);
    } catch (e) {
      this.post({ t: 'snapshot-error', id, message: e instanceof Error ? e.message : String(e) });
    }
  }

  private schedule(): void {
    if (this.scheduled || this.paused || this.ended || this.idle) return;
    this.scheduled = true;
    setImmediate(() => this.pump());
  }

  private end(state: 'stopped' | 'crashed', reason: string): void {
    if (this.ended) return;
    this.ended = true;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.flushSerial();
    // A VM that stops keeps what its guest wrote; a crashed one is treated as a power cut (the
    // images stay as of the guest's last flush). The files close when this thread exits.
    if (state === 'stopped') {
      try {
        this.flushDrives();
      } catch (e) {
        reason = `${reason}; ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    this.post({ t: 'ended', state, reason, counters: this.counters() });
    this.port.close();
  }

  private pump(): void {
    this.scheduled = false;
    if (this.paused || this.ended) return;
    const pc = this.pc;
    const t0 = performance.now();
    this.chargedAt = t0;
    try {
      while (this.creditMs > 0 && this.creditBudget > 0) {
        const chunk = this.init.config.deterministic ? DETERMINISTIC_QUANTUM : Math.max(1, Math.min(this.creditBudget, this.chunk));
        const before = pc.instructions;
        const s0 = performance.now();
        const stop = pc.run(chunk);
        const now = performance.now();
        const dt = now - s0;
        const executed = pc.instructions - before;
        this.busyMs += dt;
        // Charge the whole stretch since the last charge, so the worker's own work for this VM
        // (serial output, reports) counts against its share too, not only guest execution.
        this.creditMs -= now - this.chargedAt;
        this.chargedAt = now;
        this.creditBudget -= stop.kind === 'running' ? chunk : executed;
        // Aim for ~2 ms per call so pause, input and grants are seen promptly.
        if (dt > 0.05 && executed > 0) this.chunk = Math.max(1000, Math.min(2_000_000, Math.round((executed / dt) * 2)));
        // A guest in a reset loop is reported at most twice a second (the count is in the counters).
        if (pc.resets !== this.lastResets && performance.now() - this.lastResetPost >= 500) {
          this.lastResets = pc.resets;
          this.lastResetPost = performance.now();
          this.post({ t: 'reset', reason: pc.lastResetReason || 'reset', counters: this.counters() });
        }
        if (this.timedOut()) return this.end('stopped', 'timeout reached (--timeout)');
        if (stop.kind === 'halted-cli') return this.end('stopped', 'the CPU halted with interrupts disabled');
        if (stop.kind === 'triple-fault') return this.end('stopped', 'triple fault (CPU shutdown) with --triple-fault stop');
        if (stop.kind === 'poweroff') return this.end('stopped', 'powered off by the guest');
        if (stop.kind === 'idle') {
          // HLT waiting for an interrupt: no CPU used until a timer or input wakes it.
          this.idle = true;
          if (stop.untilNs !== Infinity) {
            this.wakeTimer = setTimeout(() => {
              this.wakeTimer = null;
              this.idle = false;
              this.schedule();
            }, Math.max(1, Math.min(50, stop.untilNs / 1e6)));
          }
          break;
        }
        if (performance.now() - t0 > MAX_RUN_MS) {
          this.schedule();
          break;
        }
      }
    } catch (e) {
      const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      return this.end('crashed', `exception in the VM: ${msg}`);
    }
    if (this.serialLen >= 512 || this.creditMs <= 0 || this.creditBudget <= 0 || this.idle) this.flushSerial();
    const now = performance.now();
    if (now - this.lastReport > REPORT_MS || this.creditMs <= 0 || this.creditBudget <= 0 || this.idle) {
      this.lastReport = now;
      this.flushSerial();
      this.post({ t: 'report', counters: this.counters(), idle: this.idle });
    }
    this.creditMs -= performance.now() - this.chargedAt;
  }

  private timedOut(): boolean {
    const limit = this.init.config.timeoutSeconds;
    if (limit === null) return false;
    const ns = this.init.config.deterministic ? this.pc.clock.now() : (performance.now() - this.startedWall) * 1e6;
    return ns >= limit * 1e9;
  }
}

const port = parentPort;
if (!port) throw new Error('vm-worker.js runs only as a worker thread');
try {
  new VmRunner(workerData as WorkerInit, port);
} catch (e) {
  const msg = e instanceof Error ? e.message : String(e);
  port.postMessage({ t: 'ended', state: 'crashed', reason: `could not start: ${msg}`, counters: { instructions: 0, cpuMs: 0, busyMs: 0, resets: 0 } } satisfies FromWorker);
  port.close();
}
