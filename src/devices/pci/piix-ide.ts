// The PIIX3 IDE controller, PCI function 01.1 (Intel 82371SB datasheet 2.3; QEMU hw/ide/piix.c):
// identity 8086:7010, class 01/01 with programming interface 0x80 (both channels in legacy
// "compatibility" mode at 0x1F0/0x3F6 on IRQ14 and 0x170/0x376 on IRQ15, bus-master capable),
// and BAR4 (BMIBA, 0x20) a 16-byte I/O block of bus-master DMA registers. IDETIM (0x40 and 0x42)
// holds the per-channel decode enable (bit 15) that SeaBIOS sets and Linux's ata_piix checks;
// as in QEMU the legacy ports decode regardless, so a BIOS-less boot still sees its disks.

import { CMD_MASTER, PciFunction, STS_DEVSEL_MEDIUM, STS_FAST_BACK } from './pci-function.js';

export const PIIX3_IDE_DEVICE = 0x7010;
export const PIIX_IDE_BMIBA_BAR = 4;
export const PIIX_IDE_BM_SIZE = 16;
export const PIIX_IDETIM_PRIMARY = 0x40;
export const PIIX_IDETIM_SECONDARY = 0x42;
export const IDETIM_IDE_ENABLE = 0x8000;

export class PiixIde extends PciFunction {
  constructor(device = PIIX3_IDE_DEVICE) {
    super('piix-ide', {
      vendor: 0x8086,
      device,
      classCode: 0x010180,
      status: STS_DEVSEL_MEDIUM | STS_FAST_BACK,
      bars: [null, null, null, null, { kind: 'io', size: PIIX_IDE_BM_SIZE }],
    });
    this.commitDefaults();
  }

  /** Command bit 2: the controller may master the bus (DMA is allowed). */
  get busMasterEnabled(): boolean {
    return (this.get16(0x04) & CMD_MASTER) !== 0;
  }

  /** IDETIM bit 15 of channel `channel` (0 primary, 1 secondary). */
  decodeEnabled(channel: number): boolean {
    return (this.get16(channel ? PIIX_IDETIM_SECONDARY : PIIX_IDETIM_PRIMARY) & IDETIM_IDE_ENABLE) !== 0;
  }
}
