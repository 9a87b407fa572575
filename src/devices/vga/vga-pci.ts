// The VGA's PCI face, as QEMU's "VGA" device presents it and vgabios-stdvga.bin looks for it:
// 1234:1111, class 030000, BAR0 = the linear framebuffer (prefetchable memory, vram size),
// BAR2 = 4 KiB of MMIO registers; the VGA BIOS itself may sit in the expansion ROM BAR.
// The PCI configuration space is PciFunction's; this file only describes the VGA and maps its
// BARs where the guest puts them.

import type { PhysicalMemory } from '../../memory/physical-memory.js';
import type { PciIdentity } from '../pci/pci-function.js';
import * as C from './constants.js';
import type { Vga } from './vga.js';

/** Identity and BARs for a PciFunction; `romSize` (power of two ≥ 2 KiB) when the VGA BIOS is its ROM. */
export function vgaPciIdentity(vramSize: number, romSize = 0): PciIdentity {
  return {
    vendor: C.VGA_PCI_VENDOR,
    device: C.VGA_PCI_DEVICE,
    revision: C.VGA_PCI_REVISION,
    classCode: C.VGA_PCI_CLASS,
    subsystemVendor: C.VGA_PCI_SUBSYSTEM_VENDOR,
    subsystem: C.VGA_PCI_SUBSYSTEM,
    bars: [{ kind: 'mem', size: vramSize, prefetchable: true }, null, { kind: 'mem', size: C.VGA_MMIO_BAR_SIZE }],
    romSize,
  };
}

/**
 * Returns an onBarChange callback that (re)maps BAR0 (framebuffer) and BAR2 (registers) in
 * `memory` wherever the guest places them, and unmaps them when decoding is turned off.
 * Other BARs (the ROM) are passed to `other`.
 */
export function vgaBarMapper(
  vga: Vga,
  memory: PhysicalMemory,
  other: ((bar: number, address: number | null) => void) | null = null,
): (bar: number, address: number | null) => void {
  const placed: (number | null)[] = [null, null, null];
  return (bar, address) => {
    if (bar !== 0 && bar !== 2) {
      other?.(bar, address);
      return;
    }
    const size = bar === 0 ? vga.vramSize : C.VGA_MMIO_BAR_SIZE;
    const old = placed[bar];
    if (old !== null && old !== undefined) memory.unmap(old, size);
    placed[bar] = address;
    if (address !== null) memory.mapMmio(address, size, bar === 0 ? vga.lfb : vga.mmioBar, bar === 0 ? 'vga-lfb' : 'vga-mmio');
  };
}
