// The channel on a PortBus at the primary compatibility addresses: 16/32-bit Data access,
// byte registers, and the bus-master block (SFF-8038i register description).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PortBus } from '../../bus/port-bus.js';
import { PhysicalMemory } from '../../memory/physical-memory.js';
import { AtaDisk } from './ata-disk.js';
import { BusMaster } from './bus-master.js';
import { registerBusMaster, registerIdeChannel } from './ide-ports.js';
import { diskImage, makeChannel, patternByte, settle } from './testing.js';

test('READ SECTORS through port I/O: in16/in32 on 0x1F0, status on 0x1F7, alternate status on 0x3F6', () => {
  const bus = new PortBus();
  const t = makeChannel(new AtaDisk(0, { store: diskImage(1008) }));
  registerIdeChannel(bus, t.ch, 0x1f0, 0x3f6, t.ch.name);
  bus.out8(0x1f6, 0xe0);
  bus.out8(0x1f2, 1);
  bus.out8(0x1f3, 9);
  bus.out8(0x1f4, 0);
  bus.out8(0x1f5, 0);
  bus.out8(0x1f7, 0x20);
  assert.equal(bus.in8(0x3f6) & 0x88, 0x08);
  settle(t);
  assert.equal(bus.in8(0x1f7), 0x58);
  const w = bus.in16(0x1f0);
  assert.equal(w & 0xff, 9, 'sector number in the first bytes');
  const d = bus.in32(0x1f0);
  assert.equal(d & 0xff, patternByte(9, 2));
  for (let i = 6; i < 512; i += 2) bus.in16(0x1f0);
  assert.equal(bus.in8(0x1f7), 0x50);
  assert.equal(bus.ownerOf(0x3f7), undefined, '0x3F7 stays free for the floppy controller');
  assert.equal(bus.in16(0x1f2) & 0xff, 0, 'a 16-bit access to a byte register is split');
});

test('the bus-master block at a BAR4 base: byte command/status, dword PRD pointer', () => {
  const bus = new PortBus();
  const t = makeChannel(new AtaDisk(0, { store: diskImage(1008) }));
  const bm = new BusMaster({ memory: new PhysicalMemory(1 << 20), primary: t.ch, secondary: null });
  registerBusMaster(bus, bm, 0xc040);
  bus.out32(0xc044, 0x8000);
  assert.equal(bus.in32(0xc044), 0x8000);
  bus.out8(0xc042, 0x20);
  assert.equal(bus.in8(0xc042), 0x20);
  bus.out8(0xc04a, 0x40);
  assert.equal(bus.in8(0xc04a), 0x40, 'secondary channel status at +0Ah');
});
