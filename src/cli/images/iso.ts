// Bootable ISOLINUX CD images, made with xorriso (Debian package xorriso).
// Layout: /isolinux/{isolinux.bin,ldlinux.c32,isolinux.cfg,boot.cat}, /boot/<payload>.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Bump when the CD layout or xorriso options change. */
export const ISO_LAYOUT = 2;

export interface IsoSpec {
  volume: string;
  isolinuxBin: Uint8Array;
  ldlinux: Uint8Array;
  /** isohdpfx.bin: an MBR so the same image also boots as a hard disk (isohybrid). */
  hybridMbr: Uint8Array;
  cfg: string;
  /** [name under /boot, contents] */
  files: Array<[string, Uint8Array]>;
}

/** Fixed timestamps make the ISO reproducible (xorriso honours SOURCE_DATE_EPOCH). */
const EPOCH = 946684800; // 2000-01-01T00:00:00Z

export function buildIsolinuxIso(spec: IsoSpec): Uint8Array {
  const tmp = mkdtempSync(join(tmpdir(), 'ringmaster-iso-'));
  try {
    const root = join(tmp, 'root');
    const put = (rel: string, data: Uint8Array | string): void => {
      const p = join(root, rel);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, data);
      utimesSync(p, EPOCH, EPOCH);
    };
    put('isolinux/isolinux.bin', spec.isolinuxBin);
    put('isolinux/ldlinux.c32', spec.ldlinux);
    put('isolinux/isolinux.cfg', spec.cfg);
    for (const [name, data] of spec.files) put(`boot/${name}`, data);
    for (const d of ['isolinux', 'boot', '.']) utimesSync(join(root, d), EPOCH, EPOCH);
    writeFileSync(join(tmp, 'isohdpfx.bin'), spec.hybridMbr);
    const out = join(tmp, 'out.iso');
    const args = [
      '-as', 'mkisofs', '-quiet', '-o', out, '-V', spec.volume, '-J', '-R',
      '-isohybrid-mbr', join(tmp, 'isohdpfx.bin'),
      // El Torito no-emulation boot of isolinux.bin: 4 sectors loaded, boot info table patched
      // in (isolinux needs it to find itself on the CD; syslinux doc/isolinux.txt).
      '-b', 'isolinux/isolinux.bin', '-c', 'isolinux/boot.cat',
      '-no-emul-boot', '-boot-load-size', '4', '-boot-info-table',
      root,
    ];
    try {
      execFileSync('xorriso', args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, SOURCE_DATE_EPOCH: String(EPOCH) },
      });
    } catch (e) {
      const x = e as { code?: string; stderr?: Buffer };
      if (x.code === 'ENOENT') throw new Error('xorriso not found — install the Debian package xorriso (make setup does)');
      throw new Error(`xorriso failed: ${x.stderr?.toString().trim().split('\n').pop() ?? String(e)}`);
    }
    const iso = readFileSync(out);
    checkElTorito(iso);
    return iso;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * ISO 9660 (ECMA-119 8.1): volume descriptors from sector 16, each "\x??CD001"; the El Torito
 * boot record (El Torito spec 2.0) is a type-0 descriptor naming "EL TORITO SPECIFICATION".
 */
export function checkElTorito(iso: Uint8Array): void {
  const text = (off: number, len: number): string => String.fromCharCode(...iso.subarray(off, off + len));
  if (text(16 * 2048 + 1, 5) !== 'CD001') throw new Error('ISO check: no ISO 9660 primary volume descriptor');
  for (let s = 17; s < 32; s++) {
    const off = s * 2048;
    if (text(off + 1, 5) !== 'CD001') break;
    if (iso[off] === 0 && text(off + 7, 23) === 'EL TORITO SPECIFICATION') return;
    if (iso[off] === 255) break;
  }
  throw new Error('ISO check: no El Torito boot record');
}
