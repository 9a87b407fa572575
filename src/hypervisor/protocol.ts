// Messages between the supervisor (main thread) and a VM worker. Plain data only: they cross
// the thread boundary by structured clone (byte arrays are transferred, not copied).
import type { MachineConfig } from '../machine/config.js';
import type { MachineImages } from './machine-factory.js';

export interface WorkerInit {
  name: string;
  config: MachineConfig;
  cpuShare: number;
  images: MachineImages;
  /** A verified snapshot file to restore from instead of booting. */
  snapshot: Uint8Array | null;
  /** Test hooks (debug faults) are honoured only when the daemon enables them. */
  testHooks: boolean;
}

export type FaultKind = 'throw' | 'hang' | 'exit';

export type ToWorker =
  /** Run for up to `ms` of busy time and `budget` guest instructions, then wait for the next grant. */
  | { t: 'grant'; ms: number; budget: number }
  | { t: 'pause' }
  | { t: 'resume' }
  /** Ends the VM at the next slice boundary with this reason. */
  | { t: 'stop'; reason: string }
  /** Presses the ACPI power button (a graceful shutdown request the guest may honour). */
  | { t: 'power-button' }
  | { t: 'input'; bytes: Uint8Array }
  | { t: 'snapshot'; id: number }
  | { t: 'fault'; kind: FaultKind };

export interface Counters {
  instructions: number;
  /** Thread CPU time (Linux /proc/thread-self/schedstat or stat), or busy time where that is unavailable. */
  cpuMs: number;
  /** Wall time spent inside Pc.run. */
  busyMs: number;
  resets: number;
}

export type FromWorker =
  | { t: 'ready'; counters: Counters }
  | { t: 'serial'; bytes: Uint8Array }
  | { t: 'report'; counters: Counters; idle: boolean }
  | { t: 'paused'; counters: Counters }
  | { t: 'reset'; reason: string; counters: Counters }
  | { t: 'progress'; op: 'snapshot' | 'restore'; id: number; done: number; total: number }
  | { t: 'snapshot-data'; id: number; bytes: Uint8Array }
  | { t: 'snapshot-error'; id: number; message: string }
  /** The VM ended; the worker exits right after. */
  | { t: 'ended'; state: 'stopped' | 'crashed'; reason: string; counters: Counters };
