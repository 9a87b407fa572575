// Wiring helper for the board: puts an IDE channel's registers on a PortBus at the addresses the
// board chooses (primary 0x1F0-0x1F7 + 0x3F6, secondary 0x170-0x177 + 0x376 in compatibility
// mode). The Data register (offset 0) takes 16- and 32-bit accesses; the other registers are
// 8-bit, so the bus splits wider accesses to them (ATA-6: only Data is wider than a byte).
//
// For the board's PCI side (82371SB PIIX3 datasheet, IDE function; QEMU hw/ide/piix.c): device
// 8086:7010 at function 1 of the ISA bridge, class 01h/01h with programming interface 80h
// (both channels in compatibility mode at the legacy ports and IRQ14/15, bus master capable),
// BAR4 a 16-byte I/O block for registerBusMaster, which the BIOS assigns (PCI command bit 2
// enables bus mastering). Linux's ata_piix and SeaBIOS look for exactly this.

import type { PortBus } from '../../bus/port-bus.js';
import type { BusMaster } from './bus-master.js';
import type { IdeChannel } from './ide-channel.js';

/** The registers of one channel as the bus sees them (an IdeChannel, or a stand-in in tests). */
export type IdeChannelPorts = Pick<
  IdeChannel,
  'readCommandBlock' | 'writeCommandBlock' | 'readData16' | 'writeData16' | 'readData32' | 'writeData32' | 'readControl' | 'writeControl'
>;

/** `owner` names the ports on the bus (the channel's name, unique per machine). */
export function registerIdeChannel(bus: PortBus, channel: IdeChannelPorts, commandBase: number, controlPort: number, owner: string): void {
  bus.register(commandBase, 8, owner, {
    read8: (port) => channel.readCommandBlock(port - commandBase),
    write8: (port, value) => channel.writeCommandBlock(port - commandBase, value),
  });
  bus.register(commandBase, 1, owner, {
    read16: () => channel.readData16(),
    write16: (_port, value) => channel.writeData16(value),
    read32: () => channel.readData32(),
    write32: (_port, value) => channel.writeData32(value),
  });
  // Only the Device Control / Alternate Status byte: the next port (0x3F7) belongs to the floppy.
  bus.register(controlPort, 1, owner, {
    read8: () => channel.readControl(),
    write8: (_port, value) => channel.writeControl(value),
  });
}

/** Maps the 16-byte bus-master block (BAR4 of the PIIX IDE function) at `base`. */
export function registerBusMaster(bus: PortBus, busMaster: BusMaster, base: number): void {
  bus.register(base, 16, busMaster.name, {
    read8: (port) => busMaster.read8(port - base),
    write8: (port, value) => busMaster.write8(port - base, value),
    read16: (port) => busMaster.read16(port - base),
    write16: (port, value) => busMaster.write16(port - base, value),
    read32: (port) => busMaster.read32(port - base),
    write32: (port, value) => busMaster.write32(port - base, value),
  });
}
