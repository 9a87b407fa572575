// Guesses what a dropped or picked file is, from its first bytes (and its name as a tie-break),
// so drag and drop can put it in the right slot. Pure: used by the page and by tests.
import { CD_SECTOR_SIZE, ImageFormatError } from '../devices/block/block-store.js';

export type ImageSlot = 'kernel' | 'initrd' | 'cdrom' | 'disk' | 'snapshot';

/**
 * Linux boot protocol: "HdrS" at 0x202 (Documentation/arch/x86/boot.rst, "The real-mode kernel
 * header"); Multiboot: magic 0x1BADB002 aligned in the first 8 KiB (Multiboot spec 3.1.1); ISO
 * 9660: "CD001" at byte 1 of sector 16 (ECMA-119 8.1); MBR: 55 AA at 510; gzip 1F 8B (RFC 1952);
 * cpio newc "070701".
 */
export function guessImageSlot(name: string, head: Uint8Array): ImageSlot | null {
  const lower = name.toLowerCase();
  const at = (off: number, s: string) => head.length >= off + s.length && [...s].every((c, i) => head[off + i] === c.charCodeAt(0));
  if (lower.endsWith('.rmsnap') || at(0, 'RMWSNAP1')) return 'snapshot';
  if (at(0x202, 'HdrS')) return 'kernel';
  for (let off = 0; off + 4 <= Math.min(head.length, 8192); off += 4) {
    if (head[off] === 0x02 && head[off + 1] === 0xb0 && head[off + 2] === 0xad && head[off + 3] === 0x1b) return 'kernel';
  }
  if (at(0x8001, 'CD001') || lower.endsWith('.iso')) return 'cdrom';
  if (head[0] === 0x1f && head[1] === 0x8b) return lower.endsWith('.rmsnap') ? 'snapshot' : 'initrd';
  if (at(0, '070701') || lower.includes('initrd') || lower.endsWith('.cpio')) return 'initrd';
  if (lower.endsWith('.img') || lower.endsWith('.raw') || (head.length >= 512 && head[510] === 0x55 && head[511] === 0xaa)) return 'disk';
  if (lower.includes('vmlinuz') || lower.includes('bzimage')) return 'kernel';
  return null;
}

/** Bytes guessImageSlot needs to see (through the ISO 9660 signature). */
export const SNIFF_BYTES = 0x8010;

/**
 * A CD image cut short at a sector boundary passes the size and "CD001" checks but lacks the
 * end of its volume: the primary volume descriptor (sector 16) gives the volume's size as
 * Volume Space Size (ECMA-119 8.4.8, bytes 80-87) times Logical Block Size (8.4.12, bytes
 * 128-131), both "both-byte orders" fields (7.3.3, 7.2.3) read here from their little-endian
 * half. A download that broke off is said so instead of booting into read errors.
 */
export function checkIsoComplete(label: string, size: number, readAt: (offset: number, length: number) => Uint8Array): void {
  const pvd = readAt(16 * CD_SECTOR_SIZE, 136);
  // Type 1 = primary volume descriptor (8.4.1); other descriptors carry no volume size here.
  if (pvd[0] !== 1) return;
  const v = new DataView(pvd.buffer, pvd.byteOffset, pvd.byteLength);
  const blocks = v.getUint32(80, true);
  const blockSize = v.getUint16(128, true);
  const volumeBytes = blocks * blockSize;
  if (blockSize > 0 && volumeBytes > size) {
    throw new ImageFormatError(
      `ISO image ${label} is truncated: its volume descriptor says ${volumeBytes} bytes (${blocks} blocks of ${blockSize}), the file has ${size} (an interrupted download?)`,
    );
  }
}
