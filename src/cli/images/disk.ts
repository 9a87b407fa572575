// Bootable hard-disk images: an MBR-partitioned disk whose one active FAT16 partition holds
// SYSLINUX, made with the syslinux installer and mtools (Debian packages syslinux, mtools).
// Boot chain as on a PC: BIOS → MBR code (syslinux mbr.bin) → partition boot record →
// ldlinux.sys → the configured kernel.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Bump when the disk layout or tool options change. */
export const DISK_LAYOUT = 1;

const SECTOR = 512;
/** The partition starts at 1 MiB, as fdisk aligns it. */
const PART_START_LBA = 2048;
const PART_OFFSET = PART_START_LBA * SECTOR;
/** File times inside the image (mcopy -m keeps the source's). */
const EPOCH = 946684800; // 2000-01-01T00:00:00Z

export interface DiskSpec {
  sizeMiB: number;
  label: string;
  /** syslinux mbr.bin (the first 440 bytes become the MBR's code). */
  mbrCode: Uint8Array;
  cfg: string;
  /** [name in the partition's root, contents] */
  files: Array<[string, Uint8Array]>;
}

function run(tool: string, args: string[], pkg: string): void {
  try {
    execFileSync(tool, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } });
  } catch (e) {
    const x = e as { code?: string; stderr?: Buffer };
    if (x.code === 'ENOENT') throw new Error(`${tool} not found — install the Debian package ${pkg} (make setup does)`);
    throw new Error(`${tool} failed: ${x.stderr?.toString().trim().split('\n').pop() ?? String(e)}`);
  }
}

/**
 * The MBR: boot code, then partition entry 1 (active, type 06h FAT16, LBA start and length;
 * CHS fields FE FF FF mean "use LBA"), then the 55 AA signature (the BIOS boot sector rule).
 */
export function writeMbr(disk: Uint8Array, code: Uint8Array, startLba: number, sectors: number): void {
  disk.set(code.subarray(0, 440), 0);
  const e = 446;
  disk.set([0x80, 0xfe, 0xff, 0xff, 0x06, 0xfe, 0xff, 0xff], e);
  const v = new DataView(disk.buffer, disk.byteOffset);
  v.setUint32(e + 8, startLba, true);
  v.setUint32(e + 12, sectors, true);
  disk[510] = 0x55;
  disk[511] = 0xaa;
}

export function buildSyslinuxDisk(spec: DiskSpec): Uint8Array {
  const tmp = mkdtempSync(join(tmpdir(), 'ringmaster-disk-'));
  try {
    const img = join(tmp, 'disk.img');
    const total = (spec.sizeMiB << 20) / SECTOR;
    const disk = new Uint8Array(spec.sizeMiB << 20);
    writeMbr(disk, spec.mbrCode, PART_START_LBA, total - PART_START_LBA);
    writeFileSync(img, disk);
    const part = `${img}@@${PART_OFFSET}`;
    // FAT16 with a fixed serial number and geometry so the image is reproducible.
    run('mformat', ['-i', part, '-T', String(total - PART_START_LBA), '-h', '16', '-s', '63', '-H', String(PART_START_LBA), '-N', '52494e47', '-v', spec.label, '::'], 'mtools');
    run('syslinux', ['--offset', String(PART_OFFSET), '--install', img], 'syslinux');
    const put = (name: string, data: Uint8Array | string): void => {
      const f = join(tmp, 'file');
      writeFileSync(f, data);
      utimesSync(f, EPOCH, EPOCH);
      run('mcopy', ['-m', '-o', '-i', part, f, `::/${name}`], 'mtools');
    };
    put('syslinux.cfg', spec.cfg);
    for (const [name, data] of spec.files) put(name, data);
    const out = new Uint8Array(readFileSync(img));
    if (out[510] !== 0x55 || out[511] !== 0xaa || out[PART_OFFSET + 510] !== 0x55) throw new Error('disk check: boot signatures missing');
    return out;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
