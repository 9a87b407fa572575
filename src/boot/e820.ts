// The BIOS E820 memory map (ACPI spec 6.x, "System Address Map Interfaces"; Linux
// arch/x86/include/uapi/asm/e820.h). The board passes its real map; defaultE820() is the
// classic PC layout used when it does not.

export const E820_RAM = 1;
export const E820_RESERVED = 2;
export const E820_ACPI = 3;
export const E820_NVS = 4;
export const E820_UNUSABLE = 5;

export interface E820Entry {
  /** Physical base address (may exceed 4 GiB: a plain number is exact up to 2^53). */
  base: number;
  length: number;
  type: number;
}

const MiB = 1 << 20;

/**
 * A PC with `ramSize` bytes of RAM and no PCI hole below it: conventional memory up to the
 * EBDA (639 KiB), the EBDA itself, the BIOS area 0xF0000-0xFFFFF, and extended memory.
 */
export function defaultE820(ramSize: number): E820Entry[] {
  const map: E820Entry[] = [
    { base: 0, length: 0x9fc00, type: E820_RAM },
    { base: 0x9fc00, length: 0x400, type: E820_RESERVED },
    { base: 0xf0000, length: 0x10000, type: E820_RESERVED },
  ];
  if (ramSize > MiB) map.push({ base: MiB, length: ramSize - MiB, type: E820_RAM });
  return map;
}

/** End of the usable RAM region that contains `address`, or `address` if none does. */
export function usableEnd(map: readonly E820Entry[], address: number): number {
  for (const e of map) {
    if (e.type === E820_RAM && address >= e.base && address < e.base + e.length) return e.base + e.length;
  }
  return address;
}

/** True when [start, end) lies entirely inside one usable RAM region. */
export function isUsable(map: readonly E820Entry[], start: number, end: number): boolean {
  return map.some((e) => e.type === E820_RAM && start >= e.base && end <= e.base + e.length);
}

/** Writes one 20-byte struct e820entry (u64 addr, u64 size, u32 type, little-endian). */
export function writeE820Entry(view: DataView, offset: number, e: E820Entry): void {
  view.setUint32(offset, e.base % 2 ** 32, true);
  view.setUint32(offset + 4, Math.floor(e.base / 2 ** 32), true);
  view.setUint32(offset + 8, e.length % 2 ** 32, true);
  view.setUint32(offset + 12, Math.floor(e.length / 2 ** 32), true);
  view.setUint32(offset + 16, e.type, true);
}
