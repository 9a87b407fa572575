// Guesses what a dropped or picked file is, from its first bytes (and its name as a tie-break),
// so drag and drop can put it in the right slot. Pure: used by the page and by tests.

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
