// The i440FX host bridge, PCI function 00.0 (Intel 82441FX PMC datasheet 3.2; QEMU
// hw/pci-host/i440fx.c): identity 8086:1237 rev 02, class 06/00 (host bridge), the PAM
// registers 0x59-0x5F controlling shadow RAM at 0xC0000-0xFFFFF, and SMRAM control at 0x72
// whose D_OPEN bit shows DRAM instead of the VGA window at 0xA0000-0xBFFFF.

import type { PhysicalMemory } from '../../memory/physical-memory.js';
import { PciFunction, STS_DEVSEL_MEDIUM, STS_FAST_BACK, CMD_MEMORY, CMD_MASTER } from './pci-function.js';
import { PamShadow } from './pam.js';

export const I440FX_VENDOR = 0x8086;
export const I440FX_DEVICE = 0x1237;
export const I440FX_PAM0 = 0x59;
export const I440FX_PAM_COUNT = 7;
export const I440FX_SMRAM = 0x72;

// SMRAM control bits (82441FX 3.2.22).
export const SMRAM_D_OPEN = 0x40;
export const SMRAM_D_CLS = 0x20;
export const SMRAM_D_LCK = 0x10;
export const SMRAM_G_SMRAME = 0x08;
/** C_BASE_SEG = 010b: SMRAM at 0xA0000 (read-only). */
const SMRAM_C_BASE_SEG = 0x02;

export interface I440fxOptions {
  memory: PhysicalMemory;
  /** The BIOS image the board maps under 1 MiB (what non-shadowed segments show). */
  bios?: Uint8Array | null;
  /** D_OPEN changed: true = DRAM at 0xA0000-0xBFFFF, false = the VGA window. */
  onSmramOpen?: (open: boolean) => void;
  /**
   * Power on with all of 0xC0000-0xFFFFF as read-write shadow RAM (PAM = 0x30/0x33), as firmware
   * would leave it: for machines without a BIOS image, where the PCI side would show nothing.
   */
  shadowRamAtReset?: boolean;
}

export class I440fxHostBridge extends PciFunction {
  readonly pam: PamShadow;
  private readonly onSmramOpen: ((open: boolean) => void) | null;
  private smramOpen = false;

  constructor(options: I440fxOptions) {
    super('i440fx', {
      vendor: I440FX_VENDOR,
      device: I440FX_DEVICE,
      revision: 0x02,
      classCode: 0x060000,
      command: CMD_MEMORY | CMD_MASTER,
      status: STS_DEVSEL_MEDIUM | STS_FAST_BACK,
    });
    this.pam = new PamShadow(options.memory, options.bios ?? null);
    this.onSmramOpen = options.onSmramOpen ?? null;
    // PAM0 has only the BIOS-area field (bits 5:4); PAM1-6 two fields each (3.2.18).
    this.writeMask[I440FX_PAM0] = 0x33 & 0xf0;
    for (let r = I440FX_PAM0 + 1; r < I440FX_PAM0 + I440FX_PAM_COUNT; r++) this.writeMask[r] = 0x33;
    this.writeMask[I440FX_SMRAM] = SMRAM_D_OPEN | SMRAM_D_CLS | SMRAM_D_LCK | SMRAM_G_SMRAME;
    this.config[I440FX_SMRAM] = SMRAM_C_BASE_SEG;
    if (options.shadowRamAtReset) {
      for (let r = I440FX_PAM0; r < I440FX_PAM0 + I440FX_PAM_COUNT; r++) this.config[r] = this.writeMask[r];
    }
    this.commitDefaults();
  }

  /** True while D_OPEN maps DRAM over the VGA window. */
  get smramIsOpen(): boolean {
    return this.smramOpen;
  }

  protected override configWritten(offset: number, size: number): void {
    const end = offset + size;
    if (offset < I440FX_PAM0 + I440FX_PAM_COUNT && I440FX_PAM0 < end) this.pam.apply(this.config);
    if (offset <= I440FX_SMRAM && I440FX_SMRAM < end) this.smramWritten();
  }

  private smramWritten(): void {
    // D_LCK makes D_OPEN zero and the register read-only until reset (82441FX 3.2.22).
    if (this.config[I440FX_SMRAM] & SMRAM_D_LCK) {
      this.config[I440FX_SMRAM] &= ~SMRAM_D_OPEN;
      this.writeMask[I440FX_SMRAM] = 0;
    }
    this.updateSmram();
  }

  private updateSmram(): void {
    const open = (this.config[I440FX_SMRAM] & SMRAM_D_OPEN) !== 0;
    if (open === this.smramOpen) return;
    this.smramOpen = open;
    this.onSmramOpen?.(open);
  }

  protected override applyConfig(): void {
    this.writeMask[I440FX_SMRAM] =
      this.config[I440FX_SMRAM] & SMRAM_D_LCK ? 0 : SMRAM_D_OPEN | SMRAM_D_CLS | SMRAM_D_LCK | SMRAM_G_SMRAME;
    this.pam.invalidate();
    this.pam.apply(this.config);
    this.updateSmram();
  }
}
