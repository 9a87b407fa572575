// What SeaBIOS's PCI setup (src/fw/pciinit.c) leaves behind on a QEMU pc machine, done through
// configuration cycles for boots without a BIOS (direct Linux or multiboot kernels): PIRQ
// routing to IRQs 10/10/11/11 (level-triggered in the ELCR), interrupt line registers by the
// PIIX barber pole, IDE decode enables, the PM block at 0xB000 (SMBus at 0xB100), BARs sized and
// placed (I/O upward from 0xC000, memory top-down below 0xFEC00000, largest alignment first)
// and I/O and memory decoding turned on. The result says where things went, so the board can
// build matching ACPI tables (FADT PM base, _PRT IRQs).

import type { PciBus } from './pci-bus.js';
import {
  CMD_IO,
  CMD_MEMORY,
  CMD_SERR,
  PCI_BAR0,
  PCI_COMMAND,
  PCI_INTERRUPT_LINE,
  PCI_INTERRUPT_PIN,
  PCI_ROM_ADDRESS,
  ROM_BAR,
  type PciFunction,
} from './pci-function.js';
import { PIIX_PIRQRC } from './piix3.js';
import { PIIX_IDETIM_PRIMARY, PIIX_IDETIM_SECONDARY, IDETIM_IDE_ENABLE } from './piix-ide.js';
import { PIIX4_PMBA, PIIX4_PMREGMISC, PIIX4_SMBBA, PIIX4_SMBHSTCFG } from './piix4-pm.js';

/** SeaBIOS's pci_irqs: the ISA IRQ behind PIRQA-D. */
export const FIRMWARE_PIRQ_IRQS: readonly [number, number, number, number] = [10, 10, 11, 11];
/** SeaBIOS PORT_ACPI_PM_BASE and PORT_SMB_BASE (src/hw/ioport.h); its log: "Using pmtimer, ioport 0xb008". */
export const FIRMWARE_PM_BASE = 0xb000;
export const FIRMWARE_SMB_BASE = 0xb100;
/** The ACPI SCI is wired to IRQ9 on the PIIX4 (QEMU piix4_pm_init). */
export const FIRMWARE_SCI_IRQ = 9;
const IO_START = 0xc000;
const IO_END = 0x10000;
const MEM_END = 0xfec00000; // below the I/O APIC
/** Memory BARs are given at least a page (SeaBIOS PCI_DEVICE_MEM_MIN). */
const MEM_MIN = 0x1000;

export interface FirmwareInitOptions {
  /** Lowest address memory BARs may use: the top of RAM. */
  memoryStart: number;
  /** Writes the PIC's ELCR (ports 0x4D0/0x4D1): bit n = IRQ n level-triggered. */
  setElcr?: (mask: number) => void;
}

export interface FirmwareBar {
  device: number;
  fn: number;
  bar: number;
  address: number;
  size: number;
}

export interface FirmwareInitResult {
  pirq: readonly [number, number, number, number];
  pmBase: number;
  sciIrq: number;
  bars: FirmwareBar[];
  /** BARs that did not fit in their window (left unassigned). */
  unplaced: FirmwareBar[];
}

interface Entry {
  device: number;
  fn: number;
  f: PciFunction;
  bar: number;
  size: number;
}

const INTEL = 0x8086;

function barOffset(bar: number): number {
  return bar === ROM_BAR ? PCI_ROM_ADDRESS : PCI_BAR0 + 4 * bar;
}

/** Size probe as firmware does it: write all ones, read the mask back, restore (6.2.5.1). */
function probe(f: PciFunction, bar: number): { kind: 'io' | 'mem' | 'pref'; size: number } | null {
  const offset = barOffset(bar);
  const old = f.readConfig(offset, 4);
  f.writeConfig(offset, bar === ROM_BAR ? 0xfffff800 : 0xffffffff, 4);
  const mask = f.readConfig(offset, 4);
  f.writeConfig(offset, old, 4);
  if (bar !== ROM_BAR && old & 1) {
    const bits = mask & 0xfffffffc & 0xffff;
    return bits ? { kind: 'io', size: (~bits & 0xffff) + 1 } : null;
  }
  const bits = (mask & (bar === ROM_BAR ? 0xfffff800 : 0xfffffff0)) >>> 0;
  if (!bits) return null;
  const size = Math.max(MEM_MIN, (~bits >>> 0) + 1);
  return { kind: bar !== ROM_BAR && old & 8 ? 'pref' : 'mem', size };
}

/** Largest alignment (= size) first, as SeaBIOS's pci_region_create_entry sorts. */
function bySize(a: Entry, b: Entry): number {
  return b.size - a.size;
}

export function initPciLikeFirmware(bus: PciBus, options: FirmwareInitOptions): FirmwareInitResult {
  const pirq = FIRMWARE_PIRQ_IRQS;
  const io: Entry[] = [];
  const mem: Entry[] = [];
  const pref: Entry[] = [];
  const functions = bus.list();

  for (const { device, fn, f } of functions) {
    for (let bar = 0; bar <= ROM_BAR; bar++) {
      const p = probe(f, bar);
      if (!p) continue;
      const entry = { device, fn, f, bar, size: p.size };
      (p.kind === 'io' ? io : p.kind === 'pref' ? pref : mem).push(entry);
    }
  }
  const bars: FirmwareBar[] = [];
  const unplaced: FirmwareBar[] = [];
  const place = (e: Entry, address: number): void => {
    const rec = { device: e.device, fn: e.fn, bar: e.bar, address, size: e.size };
    e.f.writeConfig(barOffset(e.bar), address, 4);
    bars.push(rec);
  };
  const skip = (e: Entry): void => void unplaced.push({ device: e.device, fn: e.fn, bar: e.bar, address: 0, size: e.size });

  // I/O: one window upward from 0xC000, each BAR aligned to its size.
  let ioNext = IO_START;
  for (const e of io.sort(bySize)) {
    const a = Math.ceil(ioNext / e.size) * e.size;
    if (a + e.size > IO_END) skip(e);
    else {
      place(e, a);
      ioNext = a + e.size;
    }
  }

  // Memory: prefetchable BARs end at MEM_END unless plain memory needs a smaller alignment, then
  // that goes on top (pci_bios_init_root_regions_mem); inside a window BARs go upward, largest
  // first. QEMU pc with stdvga: ROM 0xFEBE0000, MMIO 0xFEBF0000, LFB 0xFD000000.
  const sum = (list: Entry[]): number => list.reduce((s, e) => s + e.size, 0);
  const align = (list: Entry[]): number => (list.length ? Math.max(...list.map((e) => e.size)) : 1);
  let top = [...pref].sort(bySize);
  let low = [...mem].sort(bySize);
  if (align(low) < align(top)) [top, low] = [low, top];
  const topBase = Math.floor((MEM_END - sum(top)) / align(top)) * align(top);
  const lowBase = Math.floor((topBase - sum(low)) / align(low)) * align(low);
  for (const [list, base] of [
    [top, topBase],
    [low, lowBase],
  ] as const) {
    let next = base;
    for (const e of list) {
      if (next < options.memoryStart) skip(e);
      else place(e, next);
      next += e.size;
    }
  }

  // Per-function setup (pci_bios_init_device and the pci_device_tbl handlers).
  let pmBase = 0;
  for (const { device, f } of functions) {
    const pin = f.readConfig(PCI_INTERRUPT_PIN, 1);
    if (pin >= 1 && pin <= 4) f.writeConfig(PCI_INTERRUPT_LINE, pirq[(pin - 1 + device - 1) & 3], 1);
    const vendor = f.readConfig(0, 2);
    const id = f.readConfig(2, 2);
    if (vendor === INTEL && (id === 0x7000 || id === 0x7110)) {
      for (let i = 0; i < 4; i++) f.writeConfig(PIIX_PIRQRC + i, pirq[i], 1);
      let elcr = 0;
      for (const irq of pirq) elcr |= 1 << irq;
      options.setElcr?.(elcr);
    } else if (vendor === INTEL && (id === 0x7010 || id === 0x7111)) {
      f.writeConfig(PIIX_IDETIM_PRIMARY, IDETIM_IDE_ENABLE, 2);
      f.writeConfig(PIIX_IDETIM_SECONDARY, IDETIM_IDE_ENABLE, 2);
    } else if (vendor === INTEL && id === 0x7113) {
      f.writeConfig(PCI_INTERRUPT_LINE, FIRMWARE_SCI_IRQ, 1);
      f.writeConfig(PIIX4_PMBA, FIRMWARE_PM_BASE | 1, 4);
      f.writeConfig(PIIX4_PMREGMISC, 0x01, 1);
      f.writeConfig(PIIX4_SMBBA, FIRMWARE_SMB_BASE | 1, 4);
      f.writeConfig(PIIX4_SMBHSTCFG, 0x09, 1);
      pmBase = FIRMWARE_PM_BASE;
    }
    const command = f.readConfig(PCI_COMMAND, 2);
    f.writeConfig(PCI_COMMAND, command | CMD_IO | CMD_MEMORY | CMD_SERR, 2);
  }
  return { pirq, pmBase, sciIrq: FIRMWARE_SCI_IRQ, bars, unplaced };
}
