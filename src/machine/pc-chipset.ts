// The PCI side of the PC board, laid out as QEMU's "pc" (i440FX + PIIX3) machine:
//   00.0 i440FX host bridge (PAM shadow RAM, SMRAM)      01.0 PIIX3 ISA bridge (PIRQ routing)
//   01.1 PIIX3 IDE (legacy ports, BAR4 bus master)       01.3 PIIX4 power management (ACPI)
//   02.0 VGA 1234:1111 (BAR0 LFB, BAR2 MMIO registers, expansion ROM = the VGA BIOS)
// plus the ports these parts own: PCI configuration (0xCF8/0xCFC), reset control (0xCF9),
// fw_cfg (0x510/0x511/0x514), VGA (0x3B0-0x3DF, VBE 0x1CE-0x1D0), IDE (0x1F0/0x3F6 IRQ14,
// 0x170/0x376 IRQ15), APM (0xB2/0xB3), and whatever I/O and memory BARs the guest programs.
//
// Memory map: RAM is one block from 0 (at most 3 GiB, so all of it sits below the PCI hole,
// which starts at the top of RAM as in QEMU's pc machine for small RAM sizes); the VGA window
// covers 0xA0000-0xBFFFF; 0xC0000-0xFFFFF is shadow RAM under PAM control; BARs may decode
// anywhere from the top of RAM to below the BIOS at the top of 4 GiB.

import type { PhysicalMemory, MmioHandler } from '../memory/physical-memory.js';
import { PortConflictError, type PortBus, type PortHandlers } from '../bus/port-bus.js';
import type { Clock } from '../bus/clock.js';
import type { IrqLine } from '../bus/irq.js';
import type { Device } from '../bus/device.js';
import { PciBus } from '../devices/pci/pci-bus.js';
import { PciFunction } from '../devices/pci/pci-function.js';
import { I440fxHostBridge } from '../devices/pci/i440fx.js';
import { Piix3IsaBridge } from '../devices/pci/piix3.js';
import { PiixIde, PIIX_IDE_BMIBA_BAR, PIIX_IDE_BM_SIZE } from '../devices/pci/piix-ide.js';
import { Piix4Pm, PIIX4_PM_IO_SIZE } from '../devices/pci/piix4-pm.js';
import { AcpiPm, type AcpiPmOptions } from '../devices/acpi-pm.js';
import type { FwCfg } from '../devices/fw-cfg.js';
import type { Vga } from '../devices/vga/vga.js';
import { registerIdeChannel, type IdeChannelPorts } from '../devices/ata/ide-ports.js';
import * as V from '../devices/vga/constants.js';

/** Where each function sits (device, function), as in QEMU's pc machine. */
export const PC_PCI_SLOTS = {
  hostBridge: [0, 0],
  isaBridge: [1, 0],
  ide: [1, 1],
  pm: [1, 3],
  vga: [2, 0],
} as const;

export const PC_CHIPSET_PORTS = {
  pciAddress: 0xcf8,
  resetControl: 0xcf9,
  pciData: 0xcfc,
  fwCfgSelector: 0x510,
  fwCfgData: 0x511,
  fwCfgDma: 0x514,
  apmControl: 0xb2,
  apmStatus: 0xb3,
  idePrimary: 0x1f0,
  idePrimaryControl: 0x3f6,
  ideSecondary: 0x170,
  ideSecondaryControl: 0x376,
} as const;

/** ISA IRQs of the chipset's fixed functions (the ACPI SCI is hard-wired to 9 as in QEMU). */
export const PC_CHIPSET_IRQS = { idePrimary: 14, ideSecondary: 15, sci: 9 } as const;

/** The registers of one IDE channel as the ATA model offers them (devices/ata/ide-channel.ts). */
export type IdeChannelRegisters = IdeChannelPorts;

/** The 16-byte bus-master register block (devices/ata/bus-master.ts), offsets 0-15: the same shape as an MMIO region. */
export type BusMasterRegisters = MmioHandler;

export interface PcIdeParts {
  primary?: IdeChannelRegisters | null;
  secondary?: IdeChannelRegisters | null;
  busMaster?: BusMasterRegisters | null;
}

/** The parts of the VGA the board wires (devices/vga/vga.ts). */
export type PcChipsetVga = Pick<Vga, 'memory' | 'lfb' | 'mmioBar' | 'vramSize' | 'portHandlers'>;

export interface PcChipsetParts {
  memory: PhysicalMemory;
  ports: PortBus;
  clock: Clock;
  /** ISA IRQ input `irq` of the interrupt controller (Pic8259Pair.irqLine). */
  isaIrq: (irq: number) => IrqLine;
  /** The BIOS image, as the board maps it below 1 MiB and 4 GiB (what unshadowed PAM segments show). */
  bios?: Uint8Array | null;
  /** The guest asked for a reset through the PIIX3 reset control port 0xCF9. */
  requestReset: () => void;
  /** The VGA adapter at 02.0 and its BIOS (served from its expansion ROM BAR, as QEMU's stdvga). */
  vga?: { device: PcChipsetVga; bios?: Uint8Array | null } | null;
  /**
   * IDE channels and the bus-master block decoded at BAR4 of 01.1; absent channels leave their
   * ports unassigned. Either the parts (their IRQs must then be isaIrq(14) and isaIrq(15), see
   * PC_CHIPSET_IRQS) or a factory that receives those two lines.
   */
  ide?: PcIdeParts | ((irqs: { primary: IrqLine; secondary: IrqLine }) => PcIdeParts) | null;
  fwCfg?: FwCfg | null;
  /** The ACPI PM registers behind 01.3 (omit for defaults; null leaves out 01.3 and APM ports). */
  acpi?: AcpiPmOptions | null;
  /** Accesses the chipset refused (a BAR over RAM or over other ports), for logs. */
  log?: (message: string) => void;
}

export interface PcChipsetStats {
  /** BAR placements refused because they overlap RAM, the BIOS or other ports. */
  refusedBars: number;
}

export interface PcChipset {
  bus: PciBus;
  hostBridge: I440fxHostBridge;
  isaBridge: Piix3IsaBridge;
  ide: PiixIde;
  pm: Piix4Pm | null;
  vga: PciFunction | null;
  /** The ACPI fixed-hardware registers (PM1, PM timer) when 01.3 is present. */
  acpiPm: AcpiPm | null;
  /** The devices the chipset created: the board resets and saves them with its own. */
  devices: Device[];
  /** A further source on ISA IRQ `irq`, wired-ORed with PCI interrupts routed there. */
  isaLine(irq: number): IrqLine;
  stats: PcChipsetStats;
}

const FOUR_GIB = 2 ** 32;

function roundUpPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Handlers taking register offsets, registered at a base port: absolute port minus base. */
function atBase(base: number, h: BusMasterRegisters): PortHandlers {
  const out: PortHandlers = { read8: (p) => h.read8(p - base), write8: (p, v) => h.write8(p - base, v) };
  if (h.read16) out.read16 = (p) => h.read16!(p - base);
  if (h.write16) out.write16 = (p, v) => h.write16!(p - base, v);
  if (h.read32) out.read32 = (p) => h.read32!(p - base);
  if (h.write32) out.write32 = (p, v) => h.write32!(p - base, v);
  return out;
}

/**
 * Builds the PCI bus and its functions, registers the chipset's ports and memory regions, and
 * puts everything in its power-on state. The board (machine/pc.ts) adds `devices` to its own
 * list so reset() and saveState() reach them; the VGA, IDE and fw_cfg devices stay the board's.
 *
 *   const chipset = createPcChipset({ memory, ports, clock, isaIrq: (n) => pic.irqLine(n), bios,
 *     requestReset: () => this.requestReset('reset control'), vga: { device: vga, bios: vgaBios },
 *     ide: ({ primary, secondary }) => ({ primary: ch0, secondary: ch1, busMaster }),
 *     fwCfg, acpi: { onPowerOff: () => this.requestPowerOff() } });
 *   this.devices.push(...chipset.devices);
 *
 * Without a BIOS (direct kernel boot) call devices/pci/firmware-init.ts initPciLikeFirmware()
 * after reset to leave the bus as SeaBIOS would; its result gives the PM base and PIRQ IRQs for
 * the ACPI tables.
 */
export function createPcChipset(parts: PcChipsetParts): PcChipset {
  const { memory, ports } = parts;
  const log = parts.log ?? (() => {});
  const stats: PcChipsetStats = { refusedBars: 0 };
  const bus = new PciBus();
  const biosSize = parts.bios?.length ?? 0;

  const refuse = (what: string, address: number, why: string): void => {
    stats.refusedBars++;
    log(`${what}: BAR at 0x${address.toString(16)} not mapped (${why})`);
  };

  /** Can a memory BAR of `size` decode at `address`? Never over RAM or the high BIOS. */
  const memoryBarFits = (address: number, size: number): boolean =>
    address >= memory.ramSize && address + size <= FOUR_GIB - biosSize && address % 0x1000 === 0 && size % 0x1000 === 0;

  // ---- I/O ports that move with BARs ----
  const mapIoBar = (owner: string, oldBase: number | null, newBase: number | null, size: number, h: BusMasterRegisters): void => {
    if (oldBase !== null) ports.unregister(oldBase, size, owner);
    if (newBase === null) return;
    try {
      ports.register(newBase, size, owner, atBase(newBase, h));
    } catch (e) {
      if (!(e instanceof PortConflictError)) throw e;
      ports.unregister(newBase, size, owner);
      refuse(owner, newBase, e.message);
    }
  };

  // ---- 00.0 host bridge ----
  const vgaDevice = parts.vga?.device ?? null;
  const mapVgaWindow = (smramOpen: boolean): void => {
    if (!vgaDevice) return;
    if (smramOpen) memory.unmap(V.VGA_WINDOW_BASE, V.VGA_WINDOW_SIZE);
    else memory.mapMmio(V.VGA_WINDOW_BASE, V.VGA_WINDOW_SIZE, vgaDevice.memory, 'vga-window');
  };
  // Without a BIOS image nothing would answer at 0xC0000-0xFFFFF: start with shadow RAM there,
  // so loaders (direct Linux boot) can place tables such as the ACPI RSDP in the F segment.
  const hostBridge = new I440fxHostBridge({
    memory,
    bios: parts.bios ?? null,
    onSmramOpen: mapVgaWindow,
    shadowRamAtReset: !parts.bios,
  });
  bus.attach(PC_PCI_SLOTS.hostBridge[0], PC_PCI_SLOTS.hostBridge[1], hostBridge);

  // ---- 01.0 ISA bridge ----
  const isaBridge = new Piix3IsaBridge({ bus, isaIrq: parts.isaIrq, requestReset: parts.requestReset });
  bus.attach(PC_PCI_SLOTS.isaBridge[0], PC_PCI_SLOTS.isaBridge[1], isaBridge);
  ports.register(PC_CHIPSET_PORTS.resetControl, 1, 'piix3-rcr', {
    read8: () => isaBridge.readResetControl(),
    write8: (_p, v) => isaBridge.writeResetControl(v),
  });

  // ---- 01.1 IDE ----
  const ide = new PiixIde();
  bus.attach(PC_PCI_SLOTS.ide[0], PC_PCI_SLOTS.ide[1], ide);
  const channels =
    typeof parts.ide === 'function'
      ? parts.ide({ primary: parts.isaIrq(PC_CHIPSET_IRQS.idePrimary), secondary: parts.isaIrq(PC_CHIPSET_IRQS.ideSecondary) })
      : parts.ide;
  const registerChannel = (ch: IdeChannelRegisters | null | undefined, base: number, control: number, owner: string): void => {
    if (ch) registerIdeChannel(ports, ch, base, control, owner);
  };
  registerChannel(channels?.primary, PC_CHIPSET_PORTS.idePrimary, PC_CHIPSET_PORTS.idePrimaryControl, 'ide0');
  registerChannel(channels?.secondary, PC_CHIPSET_PORTS.ideSecondary, PC_CHIPSET_PORTS.ideSecondaryControl, 'ide1');
  let bmBase: number | null = null;
  ide.onBarChange = (bar, address) => {
    if (bar !== PIIX_IDE_BMIBA_BAR || !channels?.busMaster) return;
    mapIoBar('ide-bm', bmBase, address, PIIX_IDE_BM_SIZE, channels.busMaster);
    bmBase = address !== null && ports.ownerOf(address) === 'ide-bm' ? address : null;
  };

  // ---- 01.3 power management ----
  let pm: Piix4Pm | null = null;
  let acpiPm: AcpiPm | null = null;
  if (parts.acpi !== null) {
    const regs = new AcpiPm(parts.clock, isaBridge.isaLine(PC_CHIPSET_IRQS.sci), parts.acpi ?? {});
    acpiPm = regs;
    const pmHandlers: BusMasterRegisters = {
      read8: (o) => regs.read8(o),
      write8: (o, v) => regs.write8(o, v),
      read16: (o) => regs.read16(o),
      write16: (o, v) => regs.write16(o, v),
      read32: (o) => regs.read32(o),
      write32: (o, v) => regs.write32(o, v),
    };
    let pmBase: number | null = null;
    pm = new Piix4Pm({
      onPmIoChange: (base) => {
        mapIoBar('acpi-pm', pmBase, base, PIIX4_PM_IO_SIZE, pmHandlers);
        pmBase = base !== null && ports.ownerOf(base) === 'acpi-pm' ? base : null;
      },
    });
    bus.attach(PC_PCI_SLOTS.pm[0], PC_PCI_SLOTS.pm[1], pm);
    ports.register(PC_CHIPSET_PORTS.apmControl, 1, 'apm', {
      read8: () => regs.apmControlRead(),
      write8: (_p, v) => regs.apmControlWrite(v),
    });
    ports.register(PC_CHIPSET_PORTS.apmStatus, 1, 'apm', {
      read8: () => regs.apmStatusRead(),
      write8: (_p, v) => regs.apmStatusWrite(v),
    });
  }

  // ---- 02.0 VGA ----
  let vga: PciFunction | null = null;
  if (vgaDevice) {
    const rom = parts.vga?.bios ?? null;
    // The ROM BAR decodes whole pages here; pad the image with zeros to a power of two.
    const romImage = rom ? new Uint8Array(Math.max(0x1000, roundUpPow2(rom.length))) : null;
    if (rom && romImage) romImage.set(rom);
    const vgaFn = new PciFunction('vga', {
      vendor: V.VGA_PCI_VENDOR,
      device: V.VGA_PCI_DEVICE,
      revision: V.VGA_PCI_REVISION,
      classCode: V.VGA_PCI_CLASS,
      subsystemVendor: V.VGA_PCI_SUBSYSTEM_VENDOR,
      subsystem: V.VGA_PCI_SUBSYSTEM,
      bars: [{ kind: 'mem', size: vgaDevice.vramSize, prefetchable: true }, null, { kind: 'mem', size: V.VGA_MMIO_BAR_SIZE }],
      romSize: romImage?.length ?? 0,
    });
    vga = vgaFn;
    const placed: (number | null)[] = [null, null, null, null, null, null, null];
    const regions: (MmioHandler | Uint8Array | null)[] = [vgaDevice.lfb, null, vgaDevice.mmioBar, null, null, null, romImage];
    vgaFn.onBarChange = (bar, address) => {
      const what = regions[bar];
      const spec = vgaFn.bars[bar];
      if (!what || !spec) return;
      const old = placed[bar];
      if (old !== null) memory.unmap(old, spec.size);
      placed[bar] = null;
      if (address === null) return;
      if (!memoryBarFits(address, spec.size)) {
        refuse(`vga BAR${bar}`, address, 'outside the PCI hole');
        return;
      }
      if (what instanceof Uint8Array) memory.mapRom(address, what, 'vga-rom');
      else memory.mapMmio(address, spec.size, what, bar === 0 ? 'vga-lfb' : 'vga-mmio');
      placed[bar] = address;
    };
    bus.attach(PC_PCI_SLOTS.vga[0], PC_PCI_SLOTS.vga[1], vgaFn);
    const vh = vgaDevice.portHandlers();
    ports.register(V.VGA_PORT_FIRST, V.VGA_PORT_COUNT, 'vga', vh);
    ports.register(V.VBE_PORT_INDEX, V.VBE_PORT_DATA_ALIAS - V.VBE_PORT_INDEX + 1, 'vga', vh);
    mapVgaWindow(false);
  }

  // ---- PCI configuration ports ----
  ports.register(PC_CHIPSET_PORTS.pciAddress, 1, 'pci', bus.addressPortHandlers());
  ports.register(PC_CHIPSET_PORTS.pciData, 4, 'pci', bus.dataPortHandlers());

  // ---- fw_cfg (QEMU docs/specs/fw_cfg.rst "x86": selector 0x510, data 0x511, DMA 0x514) ----
  const fw = parts.fwCfg;
  if (fw) {
    ports.register(PC_CHIPSET_PORTS.fwCfgSelector, 1, 'fw-cfg', {
      write8: (_p, v) => fw.selectorWrite(v),
      write16: (_p, v) => fw.selectorWrite(v),
    });
    ports.register(PC_CHIPSET_PORTS.fwCfgData, 1, 'fw-cfg', { read8: () => fw.dataRead(), write8: (_p, v) => fw.dataWrite(v) });
    const dma = PC_CHIPSET_PORTS.fwCfgDma;
    ports.register(dma, 8, 'fw-cfg', {
      read8: (p) => fw.dmaRead8(p - dma),
      write8: (p, v) => fw.dmaWrite8(p - dma, v),
      read32: (p) => fw.dmaRead32(p - dma),
      write32: (p, v) => fw.dmaWrite32(p - dma, v),
    });
  }

  bus.reset();
  const devices: Device[] = [bus];
  if (acpiPm) devices.push(acpiPm);
  return {
    bus,
    hostBridge,
    isaBridge,
    ide,
    pm,
    vga,
    acpiPm,
    devices,
    isaLine: (irq) => isaBridge.isaLine(irq),
    stats,
  };
}
