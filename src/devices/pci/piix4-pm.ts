// The PIIX4 power-management function, PCI 01.3 (Intel 82371AB datasheet 3.5 "Power Management
// Configuration"; QEMU hw/acpi/piix4.c): identity 8086:7113 rev 03, class 06/80, INTA#. PMBA
// (0x40, bits 15:6; bit 0 reads 1 = I/O space) places the 64-byte ACPI register block (PM1
// status/enable/control, PM timer at +8) and PMREGMISC bit 0 (0x80) enables it; SMBBA (0x90)
// and SMBHSTCFG (0xD2) do the same for SMBus, which has no devices here. The registers
// themselves live in devices/acpi-pm.ts; this function only says where they decode.

import { PciFunction, STS_DEVSEL_MEDIUM, STS_FAST_BACK } from './pci-function.js';

export const PIIX4_PM_DEVICE = 0x7113;
export const PIIX4_PMBA = 0x40;
export const PIIX4_DEVACTB = 0x58;
export const PIIX4_PMREGMISC = 0x80;
export const PIIX4_SMBBA = 0x90;
export const PIIX4_SMBHSTCFG = 0xd2;
export const PIIX4_PM_IO_SIZE = 64;
/** DEVACTB bit 25 (byte 0x5B bit 1): APMC_EN, SMI on writes to the APM control port. */
export const DEVACTB_APMC_EN_BYTE = 0x5b;
export const DEVACTB_APMC_EN_BIT = 0x02;

export interface Piix4PmOptions {
  /** The PM I/O block moved: its new base, or null when PMIOSE is off. */
  onPmIoChange?: (base: number | null) => void;
  /**
   * The CPU models no SMM: show DEVACTB.APMC_EN already set, as QEMU does without SMM, so
   * SeaBIOS skips its SMM relocation handshake (src/fw/smm.c piix4_apmc_smm_setup). Default true.
   */
  noSmm?: boolean;
}

export class Piix4Pm extends PciFunction {
  private readonly onPmIoChange: ((base: number | null) => void) | null;
  private pmBase: number | null = null;

  constructor(options: Piix4PmOptions = {}) {
    super('piix4-pm', {
      vendor: 0x8086,
      device: PIIX4_PM_DEVICE,
      revision: 0x03,
      classCode: 0x068000,
      interruptPin: 1,
      status: STS_DEVSEL_MEDIUM | STS_FAST_BACK,
    });
    this.onPmIoChange = options.onPmIoChange ?? null;
    // PMBA: bit 0 hardwired to 1, bits 15:6 the base, the rest zero.
    this.config[PIIX4_PMBA] = 0x01;
    this.writeMask.fill(0, PIIX4_PMBA, PIIX4_PMBA + 4);
    this.writeMask[PIIX4_PMBA] = 0xc0;
    this.writeMask[PIIX4_PMBA + 1] = 0xff;
    // SMBBA: bit 0 hardwired to 1, bits 15:4 the base.
    this.config[PIIX4_SMBBA] = 0x01;
    this.writeMask.fill(0, PIIX4_SMBBA, PIIX4_SMBBA + 4);
    this.writeMask[PIIX4_SMBBA] = 0xf0;
    this.writeMask[PIIX4_SMBBA + 1] = 0xff;
    if (options.noSmm ?? true) this.config[DEVACTB_APMC_EN_BYTE] = DEVACTB_APMC_EN_BIT;
    this.commitDefaults();
  }

  /** Where the PM registers decode now, or null. */
  get pmIoBase(): number | null {
    return this.pmBase;
  }

  protected override configWritten(offset: number, size: number): void {
    const end = offset + size;
    if ((offset < PIIX4_PMBA + 4 && PIIX4_PMBA < end) || (offset <= PIIX4_PMREGMISC && PIIX4_PMREGMISC < end)) {
      this.updatePmIo();
    }
  }

  protected override applyConfig(): void {
    this.updatePmIo();
  }

  private updatePmIo(): void {
    const enabled = (this.config[PIIX4_PMREGMISC] & 1) !== 0;
    const base = this.get32(PIIX4_PMBA) & 0xffc0;
    const next = enabled && base !== 0 ? base : null;
    if (next === this.pmBase) return;
    this.pmBase = next;
    this.onPmIoChange?.(next);
  }
}
