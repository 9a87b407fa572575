// PCI configuration mechanism #1 and the type-0 header, against the PCI Local Bus
// Specification 3.0 (3.2.2.3.2 configuration mechanism, 6.2 header registers, 6.2.5 BARs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PortBus } from '../../bus/port-bus.js';
import { PciBus } from './pci-bus.js';
import {
  CMD_INTX_DISABLE,
  CMD_IO,
  CMD_MEMORY,
  PCI_COMMAND,
  PCI_ROM_ADDRESS,
  PCI_STATUS,
  PciFunction,
  ROM_BAR,
  STS_INTERRUPT,
} from './pci-function.js';

function testFunction(): PciFunction {
  const f = new PciFunction('test', {
    vendor: 0x1234,
    device: 0x5678,
    revision: 0x07,
    classCode: 0x030001,
    interruptPin: 1,
    status: 0x0280,
    bars: [
      { kind: 'mem', size: 0x1000000, prefetchable: true },
      { kind: 'io', size: 16 },
      { kind: 'mem', size: 0x1000 },
    ],
    romSize: 0x10000,
  });
  f.reset();
  return f;
}

function setup(): { ports: PortBus; bus: PciBus; f: PciFunction } {
  const ports = new PortBus();
  const bus = new PciBus();
  const f = testFunction();
  bus.attach(3, 0, f);
  ports.register(0xcf8, 1, 'pci', bus.addressPortHandlers());
  ports.register(0xcfc, 4, 'pci', bus.dataPortHandlers());
  return { ports, bus, f };
}

const addr = (device: number, fn: number, reg: number): number => (0x80000000 | (device << 11) | (fn << 8) | (reg & 0xfc)) >>> 0;

test('mechanism #1: CONFIG_ADDRESS is a 32-bit register; bits 1:0 read as zero (3.2.2.3.2)', () => {
  const { ports } = setup();
  ports.out32(0xcf8, 0x80000000);
  assert.equal(ports.in32(0xcf8), 0x80000000); // Linux pci_check_type1 probe
  ports.out32(0xcf8, 0x8000180f);
  assert.equal(ports.in32(0xcf8), 0x8000180c);
  // Byte accesses to 0xCF8 are not the address register.
  ports.out8(0xcf8, 0);
  assert.equal(ports.in32(0xcf8), 0x8000180c);
});

test('mechanism #1: dword, word and byte reads at any offset of CONFIG_DATA', () => {
  const { ports } = setup();
  ports.out32(0xcf8, addr(3, 0, 0));
  assert.equal(ports.in32(0xcfc), 0x56781234);
  assert.equal(ports.in16(0xcfc), 0x1234);
  assert.equal(ports.in16(0xcfe), 0x5678);
  assert.equal(ports.in8(0xcfd), 0x12);
  assert.equal(ports.in8(0xcff), 0x56);
  ports.out32(0xcf8, addr(3, 0, 0x08));
  assert.equal(ports.in32(0xcfc), 0x03000107); // class 03 sub 00 prog-if 01, rev 07
  assert.equal(ports.in8(0xcfe), 0x00);
  assert.equal(ports.in8(0xcff), 0x03);
  assert.equal(ports.in16(0xcfd), 0x0001); // odd word: bytes 0x09-0x0A
});

test('mechanism #1: writes at odd offsets reach exactly their bytes', () => {
  const { ports, f } = setup();
  ports.out32(0xcf8, addr(3, 0, 0x3c));
  ports.out8(0xcfc, 0x0b); // interrupt line
  assert.equal(f.config[0x3c], 0x0b);
  assert.equal(ports.in8(0xcfd), 1); // interrupt pin is read-only
  ports.out8(0xcfd, 4);
  assert.equal(f.config[0x3d], 1);
  ports.out32(0xcf8, addr(3, 0, 0x0c));
  ports.out16(0xcfd, 0x40aa); // latency timer 0x0D = 0xAA, header type 0x0E read-only
  assert.equal(f.config[0x0d], 0xaa);
  assert.equal(f.config[0x0e], 0x00);
  ports.out32(0xcf8, addr(3, 0, 0x40));
  ports.out16(0xcfe, 0xbeef);
  assert.equal(ports.in32(0xcfc), 0xbeef0000);
});

test('mechanism #1: enable bit clear, empty slots and other buses read all ones, writes dropped', () => {
  const { ports, f, bus } = setup();
  ports.out32(0xcf8, addr(3, 0, 0) & 0x7fffffff);
  assert.equal(ports.in32(0xcfc), 0xffffffff);
  assert.equal(ports.in16(0xcfe), 0xffff);
  assert.equal(ports.in8(0xcfd), 0xff);
  ports.out32(0xcf8, addr(3, 0, 0x3c) & 0x7fffffff);
  ports.out8(0xcfc, 0x0b);
  assert.equal(f.config[0x3c], 0);
  ports.out32(0xcf8, addr(4, 0, 0));
  assert.equal(ports.in32(0xcfc), 0xffffffff);
  ports.out32(0xcf8, addr(3, 1, 0));
  assert.equal(ports.in16(0xcfc), 0xffff);
  ports.out32(0xcf8, (addr(3, 0, 0) | (1 << 16)) >>> 0); // bus 1
  assert.equal(ports.in32(0xcfc), 0xffffffff);
  assert.ok(bus.stats.emptyReads >= 5);
});

test('header: vendor, device, class, revision and header type are read-only (6.2.1)', () => {
  const f = testFunction();
  f.writeConfig(0, 0xffffffff, 4);
  f.writeConfig(8, 0xffffffff, 4);
  f.writeConfig(0x0e, 0xff, 1);
  assert.equal(f.readConfig(0, 4), 0x56781234);
  assert.equal(f.readConfig(8, 4), 0x03000107);
  assert.equal(f.readConfig(0x0e, 1), 0);
});

test('header: status error bits are write-one-to-clear, the others read-only (6.2.3)', () => {
  const f = testFunction();
  f.config[PCI_STATUS + 1] |= 0xf9; // all error bits set
  f.writeConfig(PCI_STATUS, 0x2000, 2); // clear "received master abort" only
  assert.equal(f.readConfig(PCI_STATUS, 2), 0xdb80);
  f.writeConfig(PCI_STATUS, 0x0000, 2); // writing 0 changes nothing
  assert.equal(f.readConfig(PCI_STATUS, 2), 0xdb80);
  f.writeConfig(PCI_STATUS, 0xffff, 2); // DEVSEL timing and fast back-to-back stay
  assert.equal(f.readConfig(PCI_STATUS, 2), 0x0280);
  // A dword write to 0x04 sets the command and clears status bits in one access.
  f.config[PCI_STATUS + 1] |= 0x80;
  f.writeConfig(PCI_COMMAND, 0x80000003, 4);
  assert.equal(f.readConfig(PCI_COMMAND, 4), 0x02800003);
});

test('BARs: writing all ones reads back the size mask with the type bits (6.2.5.1)', () => {
  const f = testFunction();
  f.writeConfig(0x10, 0xffffffff, 4);
  assert.equal(f.readConfig(0x10, 4), 0xff000008); // 16 MiB, 32-bit, prefetchable
  f.writeConfig(0x14, 0xffffffff, 4);
  assert.equal(f.readConfig(0x14, 4), 0xfffffff1); // 16 bytes of I/O: bit 0 set
  f.writeConfig(0x18, 0xffffffff, 4);
  assert.equal(f.readConfig(0x18, 4), 0xfffff000);
  f.writeConfig(0x1c, 0xffffffff, 4); // unimplemented BAR
  assert.equal(f.readConfig(0x1c, 4), 0);
  f.writeConfig(PCI_ROM_ADDRESS, 0xfffffffe, 4);
  assert.equal(f.readConfig(PCI_ROM_ADDRESS, 4), 0xffff0000); // 64 KiB ROM, enable bit clear
  f.writeConfig(0x14, 0xc001, 4);
  assert.equal(f.readConfig(0x14, 4), 0xc001);
  f.writeConfig(0x14, 0xc00f, 4); // low bits below the size are not writable
  assert.equal(f.readConfig(0x14, 4), 0xc001);
});

test('BARs: decode only with the Command enables; the board hears every move', () => {
  const f = testFunction();
  const events: [number, number | null][] = [];
  f.onBarChange = (bar, a) => events.push([bar, a]);
  f.writeConfig(0x10, 0xfd000000, 4);
  f.writeConfig(0x14, 0xc040, 4);
  assert.deepEqual(events, []); // Command is 0: nothing decodes
  f.writeConfig(PCI_COMMAND, CMD_IO, 2);
  assert.deepEqual(events, [[1, 0xc040]]);
  f.writeConfig(PCI_COMMAND, CMD_IO | CMD_MEMORY, 2);
  assert.deepEqual(events.slice(1), [[0, 0xfd000000]]);
  assert.equal(f.barAddress(0), 0xfd000000);
  // Sizing while decoding: the all-ones probe wraps past 4 GiB, so the BAR stops decoding.
  f.writeConfig(0x10, 0xffffffff, 4);
  assert.deepEqual(events.slice(2), [[0, null]]);
  f.writeConfig(0x10, 0xfd000000, 4);
  assert.deepEqual(events.slice(3), [[0, 0xfd000000]]);
  // The ROM decodes with its enable bit and memory space on.
  f.writeConfig(PCI_ROM_ADDRESS, 0xfebf0000, 4);
  assert.equal(f.barAddress(ROM_BAR), null);
  f.writeConfig(PCI_ROM_ADDRESS, 0xfebf0001, 4);
  assert.equal(f.barAddress(ROM_BAR), 0xfebf0000);
  f.writeConfig(PCI_COMMAND, 0, 2);
  assert.equal(f.barAddress(0), null);
  assert.equal(f.barAddress(1), null);
  assert.equal(f.barAddress(ROM_BAR), null);
});

test('INTx: status bit 3 follows the request; Interrupt Disable masks the pin (6.2.2, 6.2.3)', () => {
  const bus = new PciBus();
  const f = testFunction();
  bus.attach(2, 0, f); // device 2 INTA -> PIRQB
  const seen: [number, boolean][] = [];
  bus.onPirqChange = (p, l) => seen.push([p, l]);
  f.setIntx(true);
  assert.ok(f.readConfig(PCI_STATUS, 2) & STS_INTERRUPT);
  assert.deepEqual(seen, [[1, true]]);
  f.writeConfig(PCI_COMMAND, CMD_INTX_DISABLE, 2);
  assert.deepEqual(seen.slice(1), [[1, false]]);
  assert.ok(f.readConfig(PCI_STATUS, 2) & STS_INTERRUPT); // still requesting
  f.writeConfig(PCI_COMMAND, 0, 2);
  assert.deepEqual(seen.slice(2), [[1, true]]);
  f.setIntx(false);
  assert.equal(f.readConfig(PCI_STATUS, 2) & STS_INTERRUPT, 0);
  assert.deepEqual(seen.slice(3), [[1, false]]);
});

test('INTx: the PIIX barber pole maps device d pin p to PIRQ[(d + p - 2) & 3]', () => {
  assert.equal(PciBus.pirqOf(1, 1), 0);
  assert.equal(PciBus.pirqOf(2, 1), 1);
  assert.equal(PciBus.pirqOf(3, 1), 2);
  assert.equal(PciBus.pirqOf(4, 1), 3);
  assert.equal(PciBus.pirqOf(5, 1), 0);
  assert.equal(PciBus.pirqOf(2, 4), 0);
});

test('save/restore keeps configuration space and re-announces BARs', () => {
  const { bus, f } = setup();
  f.writeConfig(0x14, 0xc040, 4);
  f.writeConfig(PCI_COMMAND, CMD_IO, 2);
  const state = JSON.parse(JSON.stringify(bus.saveState(), (_k, v) => (v instanceof Uint8Array ? Array.from(v) : v)));
  state.functions['3.0'].config = Uint8Array.from(state.functions['3.0'].config);
  bus.reset();
  assert.equal(f.barAddress(1), null);
  const events: [number, number | null][] = [];
  f.onBarChange = (bar, a) => events.push([bar, a]);
  bus.loadState(state);
  assert.equal(f.readConfig(0x14, 4), 0xc041);
  assert.deepEqual(events, [[1, 0xc040]]);
});
