// PCI bus 0 behind a host bridge using configuration mechanism #1 (PCI Local Bus Specification
// 3.0, 3.2.2.3.2): CONFIG_ADDRESS at 0xCF8 (32-bit only: enable bit 31, bus 23:16, device 15:11,
// function 10:8, dword register 7:2) and CONFIG_DATA at 0xCFC-0xCFF, where byte, word and dword
// accesses reach the register bytes (address & 0xFC) + (port & 3). With the enable bit clear or
// no function at the address, reads return all ones and writes are dropped. The bus also ORs
// the INTx# outputs onto the four PIRQ wires with the PIIX "barber pole" (device d, pin p
// 0=INTA: PIRQ[(d + p - 1) & 3], as QEMU pci_slot_get_pirq and the ACPI _PRT do).

import { checkVersion, type Device, type DeviceState } from '../../bus/device.js';
import type { PortHandlers } from '../../bus/port-bus.js';
import { PCI_INTERRUPT_PIN, PciConfigError, type PciFunction } from './pci-function.js';

export const CONFIG_ENABLE = 0x80000000;
/** Writable bits of CONFIG_ADDRESS: enable, bus, device, function, register (bits 1:0 read 0). */
const ADDRESS_MASK = 0x80fffffc;

export function devfn(device: number, fn: number): number {
  return ((device & 0x1f) << 3) | (fn & 7);
}

export interface PciBusStats {
  /** Configuration reads that found no function (probes). */
  emptyReads: number;
  emptyWrites: number;
}

export class PciBus implements Device {
  readonly name = 'pci-bus';
  readonly stats: PciBusStats = { emptyReads: 0, emptyWrites: 0 };
  private address = 0;
  private readonly functions: (PciFunction | undefined)[] = new Array(256);
  private readonly pirqLevel = [false, false, false, false];
  /** Called when one of PIRQA-D changes level (the ISA bridge routes it). */
  onPirqChange: ((pirq: number, level: boolean) => void) | null = null;

  /** Places `f` at device `device`, function `fn` of bus 0 and wires its INTx# pin. */
  attach(device: number, fn: number, f: PciFunction): void {
    const df = devfn(device, fn);
    if (device < 0 || device > 31 || fn < 0 || fn > 7) throw new PciConfigError(`PCI address ${device}.${fn} is outside bus 0`);
    if (this.functions[df]) throw new PciConfigError(`PCI slot ${device}.${fn} already holds ${this.functions[df]!.name}`);
    this.functions[df] = f;
    f.intxSink = () => this.updatePirqs();
  }

  get(device: number, fn: number): PciFunction | undefined {
    return this.functions[devfn(device, fn)];
  }

  /** Every attached function with its device and function number. */
  list(): { device: number; fn: number; f: PciFunction }[] {
    const out: { device: number; fn: number; f: PciFunction }[] = [];
    this.functions.forEach((f, i) => {
      if (f) out.push({ device: i >> 3, fn: i & 7, f });
    });
    return out;
  }

  /** The PIRQ wire (0-3 = A-D) that device `device`'s pin `pin` (1-4) drives. */
  static pirqOf(device: number, pin: number): number {
    return (device + pin - 2) & 3;
  }

  isPirqAsserted(pirq: number): boolean {
    return this.pirqLevel[pirq & 3];
  }

  private updatePirqs(): void {
    const levels = [false, false, false, false];
    this.functions.forEach((f, i) => {
      if (!f || !f.intxLevel) return;
      const pin = f.config[PCI_INTERRUPT_PIN];
      if (pin >= 1 && pin <= 4) levels[PciBus.pirqOf(i >> 3, pin)] = true;
    });
    for (let p = 0; p < 4; p++) {
      if (levels[p] === this.pirqLevel[p]) continue;
      this.pirqLevel[p] = levels[p];
      this.onPirqChange?.(p, levels[p]);
    }
  }

  // ---- mechanism #1 registers ----

  readAddress(): number {
    return this.address;
  }

  writeAddress(value: number): void {
    this.address = (value & ADDRESS_MASK) >>> 0;
  }

  private target(): PciFunction | undefined {
    const a = this.address;
    if (!(a & CONFIG_ENABLE)) return undefined;
    if (((a >>> 16) & 0xff) !== 0) return undefined; // only bus 0 exists
    return this.functions[(a >>> 8) & 0xff];
  }

  /** CONFIG_DATA read of `size` bytes at port offset `offset` (0-3). */
  readData(offset: number, size: number): number {
    const f = this.target();
    if (!f) {
      this.stats.emptyReads++;
      return size === 4 ? 0xffffffff : (1 << (8 * size)) - 1;
    }
    return f.readConfig((this.address & 0xfc) + (offset & 3), size);
  }

  writeData(offset: number, value: number, size: number): void {
    const f = this.target();
    if (!f) {
      this.stats.emptyWrites++;
      return;
    }
    f.writeConfig((this.address & 0xfc) + (offset & 3), value, size);
  }

  /** Handlers for CONFIG_ADDRESS: the board registers them at 0xCF8 alone (dword accesses only). */
  addressPortHandlers(): PortHandlers {
    return { read32: () => this.readAddress(), write32: (_p, v) => this.writeAddress(v) };
  }

  /** Handlers for CONFIG_DATA, registered over 0xCFC-0xCFF. */
  dataPortHandlers(): PortHandlers {
    return {
      read8: (p) => this.readData(p & 3, 1),
      write8: (p, v) => this.writeData(p & 3, v, 1),
      read16: (p) => this.readData(p & 3, 2),
      write16: (p, v) => this.writeData(p & 3, v, 2),
      read32: (p) => this.readData(p & 3, 4),
      write32: (p, v) => this.writeData(p & 3, v, 4),
    };
  }

  // ---- Device ----

  reset(): void {
    this.address = 0;
    for (const f of this.functions) f?.reset();
  }

  saveState(): DeviceState {
    const functions: Record<string, { config: Uint8Array; intx: boolean }> = {};
    this.functions.forEach((f, i) => {
      if (f) functions[`${i >> 3}.${i & 7}`] = { config: f.saveConfig(), intx: f.intxRequested };
    });
    return { version: 1, address: this.address, functions };
  }

  loadState(s: DeviceState): void {
    checkVersion(this.name, s, 1);
    this.address = (s.address as number) >>> 0;
    const saved = s.functions as Record<string, { config: Uint8Array; intx: boolean }>;
    this.functions.forEach((f, i) => {
      const entry = saved[`${i >> 3}.${i & 7}`];
      if (!f) return;
      if (!entry) throw new PciConfigError(`snapshot has no state for PCI function ${i >> 3}.${i & 7} (${f.name})`);
      f.loadConfig(entry.config, entry.intx);
    });
  }
}
