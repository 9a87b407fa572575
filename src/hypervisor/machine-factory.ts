// The one place where the hypervisor turns a validated MachineConfig into a running Pc: images
// read by the daemon, drives opened in the VM's worker (file block stores, as `ringmaster run`).
import { performance } from 'node:perf_hooks';
import type { MachineConfig } from '../machine/config.js';
import { Pc } from '../machine/pc.js';
import { FileBlockStore } from '../cli/block-file.js';

/** Why a config cannot run in the daemon, or null when it can (checked before creating a VM). */
export function unsupportedReason(config: MachineConfig): string | null {
  if (!config.bios && !config.kernel && !config.disks.length && !config.cdrom) {
    return 'give a kernel (--kernel FILE), a BIOS image (--bios FILE), a disk (--disk FILE) or a CD (--cdrom FILE)';
  }
  if (config.serial.kind === 'file' || config.debugcon.kind === 'file' || config.post.kind === 'file') {
    return 'the daemon keeps COM1 output itself (logs, console); file outputs are not accepted';
  }
  if (config.display !== 'none') return 'the daemon has no display; use --display none';
  return null;
}

/** Image files a VM opens as drives, by real path (checked and locked by the daemon first). */
export interface DrivePaths {
  disks: string[];
  cdrom: string | null;
}

/** Images read by the daemon (main thread) and handed to the worker. */
export interface MachineImages {
  bios: Uint8Array | null;
  vgaBios: Uint8Array | null;
  kernel: Uint8Array | null;
  initrd: Uint8Array | null;
  drives: DrivePaths;
}

/** The drives of one VM, opened in its worker. */
export interface OpenDrives {
  disks: FileBlockStore[];
  cdrom: FileBlockStore | null;
  /** Every store, for flushes. */
  all: FileBlockStore[];
}

/** Opens the drive images (disks writable through the journaled store, the CD read-only). */
export function openDrives(paths: DrivePaths): OpenDrives {
  const all: FileBlockStore[] = [];
  try {
    const disks = paths.disks.map((p) => {
      const s = FileBlockStore.open(p, { kind: 'disk', option: 'disk' });
      all.push(s);
      return s;
    });
    const cdrom = paths.cdrom ? FileBlockStore.open(paths.cdrom, { kind: 'cdrom', readOnly: true, option: 'cdrom' }) : null;
    if (cdrom) all.push(cdrom);
    return { disks, cdrom, all };
  } catch (e) {
    for (const s of all) s.abandon();
    throw e;
  }
}

/** Builds the board; `boot` false when a snapshot is loaded into it instead. */
export function buildPc(config: MachineConfig, images: MachineImages, drives: OpenDrives, serialSink: (byte: number) => void, boot: boolean): Pc {
  const why = unsupportedReason(config);
  if (why) throw new Error(why);
  const pc = new Pc({
    memoryBytes: config.memoryBytes,
    bios: images.bios ?? undefined,
    vgaBios: images.vgaBios ?? undefined,
    disks: drives.disks,
    cdrom: drives.cdrom ?? undefined,
    boot: config.boot,
    serialSink,
    hostTime: config.deterministic ? undefined : () => performance.now(),
    tripleFault: config.tripleFault,
  });
  pc.reset();
  if (boot && images.kernel) pc.bootKernel(images.kernel, images.initrd, config.append);
  return pc;
}
