// Checks that what the recipe packs is what it claims to be, before it lands in the cache.
import { createHash } from 'node:crypto';

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** ELF machine numbers (System V ABI, e_machine). */
export const EM_386 = 3;
export const EM_X86_64 = 62;

export interface ElfId {
  bits: 32 | 64;
  machine: number;
}

/** Identifies an ELF file: EI_CLASS at byte 4 (1 = 32-bit, 2 = 64-bit), e_machine at byte 18 (LE). */
export function elfId(b: Uint8Array): ElfId | undefined {
  if (b.length < 20 || b[0] !== 0x7f || b[1] !== 0x45 || b[2] !== 0x4c || b[3] !== 0x46) return undefined;
  const bits = b[4] === 1 ? 32 : b[4] === 2 ? 64 : undefined;
  if (!bits || b[5] !== 1 /* little-endian */) return undefined;
  return { bits, machine: b[18]! | (b[19]! << 8) };
}

export function expectElf(what: string, b: Uint8Array, bits: 32 | 64, machine: number): string {
  const id = elfId(b);
  const name = (m: number): string => (m === EM_386 ? 'i386' : m === EM_X86_64 ? 'x86-64' : `machine ${m}`);
  if (!id) throw new Error(`${what} is not an ELF executable`);
  if (id.bits !== bits || id.machine !== machine) {
    throw new Error(`${what} is ELF${id.bits} ${name(id.machine)}, expected ELF${bits} ${name(machine)}`);
  }
  return `ELF${bits} ${name(machine)}`;
}

/**
 * Checks a bzImage (Linux boot protocol, Documentation/arch/x86/boot.rst): "HdrS" at 0x202,
 * protocol version at 0x206, and returns the kernel version string that kernel_version
 * (0x20E, an offset from 0x200) points to.
 */
export function bzImageInfo(b: Uint8Array): { protocol: string; version: string } {
  const hdrs = String.fromCharCode(b[0x202] ?? 0, b[0x203] ?? 0, b[0x204] ?? 0, b[0x205] ?? 0);
  if (b.length < 0x264 || hdrs !== 'HdrS' || b[0x1fe] !== 0x55 || b[0x1ff] !== 0xaa) {
    throw new Error('not a bzImage (no HdrS boot-protocol header)');
  }
  const proto = b[0x206]! | (b[0x207]! << 8);
  const protocol = `${proto >> 8}.${(proto & 0xff).toString().padStart(2, '0')}`;
  const ptr = b[0x20e]! | (b[0x20f]! << 8);
  let version = '';
  if (ptr) {
    const start = ptr + 0x200;
    let end = start;
    while (end < b.length && end < start + 256 && b[end] !== 0) end++;
    version = new TextDecoder().decode(b.subarray(start, end));
  }
  return { protocol, version };
}

/** "6.1.0-50-686 (debian-kernel@...) #1 SMP ..." → "6.1.0-50-686". */
export const kernelRelease = (version: string): string => version.split(' ')[0] ?? '';

export function formatSize(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(0)} KiB`;
  return `${n} B`;
}
