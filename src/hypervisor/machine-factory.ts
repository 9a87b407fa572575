// The one place where the hypervisor turns a validated MachineConfig into a running Pc. When the
// board learns drives (issue 8), only this file changes.
import { performance } from 'node:perf_hooks';
import type { MachineConfig } from '../machine/config.js';
import { Pc } from '../machine/pc.js';

/** Why a config cannot run in the daemon yet, or null when it can (checked before creating a VM). */
export function unsupportedReason(config: MachineConfig): string | null {
  if (config.disks.length || config.cdrom) return 'disk and CD-ROM boot are not wired into the board yet; use --bios or --kernel';
  if (!config.bios && !config.kernel) return 'give a BIOS image (--bios FILE) or a kernel (--kernel FILE)';
  if (config.serial.kind === 'file' || config.debugcon.kind === 'file' || config.post.kind === 'file') {
    return 'the daemon keeps COM1 output itself (logs, console); file outputs are not accepted';
  }
  if (config.display !== 'none') return 'the daemon has no display; use --display none';
  return null;
}

/** Images read by the daemon (main thread) and handed to the worker. */
export interface MachineImages {
  bios: Uint8Array | null;
  kernel: Uint8Array | null;
  initrd: Uint8Array | null;
}

/** Builds the board; `boot` false when a snapshot is loaded into it instead. */
export function buildPc(config: MachineConfig, images: MachineImages, serialSink: (byte: number) => void, boot: boolean): Pc {
  const why = unsupportedReason(config);
  if (why) throw new Error(why);
  const pc = new Pc({
    memoryBytes: config.memoryBytes,
    bios: images.bios ?? undefined,
    serialSink,
    hostTime: config.deterministic ? undefined : () => performance.now(),
    tripleFault: config.tripleFault,
  });
  pc.reset();
  if (boot && images.kernel) pc.bootKernel(images.kernel, images.initrd, config.append);
  return pc;
}
