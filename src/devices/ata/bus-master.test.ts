// Bus-master DMA tests against SFF-8038i ("Bus Master Programming Interface for IDE ATA
// Controllers") and the Intel 82371AB (PIIX4) datasheet, IDE bus master section.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhysicalMemory } from '../../memory/physical-memory.js';
import { AtaDisk } from './ata-disk.js';
import { AtapiCdrom } from './atapi-cdrom.js';
import { BusMaster } from './bus-master.js';
import { diskImage, isoImage, makeChannel, patternByte, settle, type TestChannel } from './testing.js';

const SECTORS = 4096;
const PRD_TABLE = 0x1000;

interface Rig extends TestChannel {
  mem: PhysicalMemory;
  bm: BusMaster;
}

function rig(drive: 'disk' | 'cdrom' = 'disk', readOnly = false): Rig {
  const mem = new PhysicalMemory(1 << 20);
  const t = makeChannel(drive === 'disk' ? new AtaDisk(0, { store: diskImage(SECTORS, readOnly) }) : new AtapiCdrom(0, { store: isoImage(64) }));
  const bm = new BusMaster({ memory: mem, primary: t.ch, secondary: null });
  return { ...t, mem, bm };
}

/** Writes a PRD table (SFF-8038i Physical Region Descriptor): [address, byte count (0 = 64 KiB)], EOT on the last. */
function prdTable(r: Rig, entries: [number, number][]): void {
  entries.forEach(([address, count], i) => {
    r.mem.write32(PRD_TABLE + 8 * i, address);
    r.mem.write32(PRD_TABLE + 8 * i + 4, (count & 0xffff) | (i === entries.length - 1 ? 0x80000000 : 0));
  });
  r.bm.write32(4, PRD_TABLE);
}

function ataCommand(r: Rig, command: number, lba: number, count: number): void {
  r.ch.writeCommandBlock(6, 0xe0);
  r.ch.writeCommandBlock(2, count);
  r.ch.writeCommandBlock(3, lba & 0xff);
  r.ch.writeCommandBlock(4, (lba >> 8) & 0xff);
  r.ch.writeCommandBlock(5, (lba >> 16) & 0xff);
  r.ch.writeCommandBlock(7, command);
}

function expectPattern(mem: PhysicalMemory, address: number, firstSector: number, bytes: number): void {
  for (let i = 0; i < bytes; i += 61) {
    assert.equal(mem.read8(address + i), patternByte(firstSector + Math.floor(i / 512), i % 512), `byte ${i}`);
  }
}

test('READ DMA through a three-entry PRD table; Interrupt set with INTRQ, Active cleared (PIIX4 Table "Interrupt/Active")', () => {
  const r = rig();
  prdTable(r, [[0x10000, 512], [0x20000, 1024], [0x30000, 512]]);
  ataCommand(r, 0xc8, 100, 4);
  assert.equal(r.ch.readControl() & 0x08, 0x08, 'device waits with DRQ for the bus master');
  r.bm.write8(0, 0x09); // start, bus master writes memory
  assert.equal(r.bm.read8(2) & 0x01, 0, 'Active clears: the table was exactly the transfer');
  assert.equal(r.bm.read8(2) & 0x04, 0, 'no Interrupt bit before INTRQ');
  assert.equal(r.irq.level, false, 'INTRQ comes after the write returns');
  settle(r);
  assert.equal(r.irq.level, true);
  assert.equal(r.bm.read8(2) & 0x07, 0x04, 'Interrupt=1, Active=0, Error=0');
  expectPattern(r.mem, 0x10000, 100, 512);
  expectPattern(r.mem, 0x20000, 101, 1024);
  expectPattern(r.mem, 0x30000, 103, 512);
  r.bm.write8(0, 0x00); // stop
  r.bm.write8(2, 0x04); // write 1 to clear Interrupt
  assert.equal(r.bm.read8(2) & 0x04, 0);
  assert.equal(r.ch.readCommandBlock(7), 0x50);
  assert.equal(r.irq.level, false);
});

test('the bus master started before the command: the transfer runs when the command arrives', () => {
  const r = rig();
  prdTable(r, [[0x40000, 0x800]]);
  r.bm.write8(0, 0x09);
  assert.equal(r.bm.read8(2) & 0x01, 0x01, 'Active while waiting for the device');
  ataCommand(r, 0xc8, 8, 4);
  expectPattern(r.mem, 0x40000, 8, 0x800);
  settle(r);
  assert.equal(r.bm.read8(2) & 0x05, 0x04);
});

test('a PRD table larger than the data leaves Active set with Interrupt (PIIX4: "PRD larger than transfer")', () => {
  const r = rig();
  prdTable(r, [[0x10000, 0x1000]]);
  ataCommand(r, 0xc8, 0, 2);
  r.bm.write8(0, 0x09);
  settle(r);
  assert.equal(r.bm.read8(2) & 0x05, 0x05);
  assert.equal(r.ch.readCommandBlock(7), 0x50);
});

test('a PRD table smaller than the data: Active clears; the device aborts rather than hang', () => {
  const r = rig();
  prdTable(r, [[0x10000, 512]]);
  ataCommand(r, 0xc8, 0, 2);
  r.bm.write8(0, 0x09);
  settle(r);
  assert.equal(r.bm.read8(2) & 0x01, 0);
  assert.equal(r.ch.readCommandBlock(7) & 0x01, 0x01);
  assert.equal(r.bm.stats.shortTables, 1);
});

test('byte count 0 means 64 KiB (SFF-8038i Physical Region Descriptor)', () => {
  const r = rig();
  prdTable(r, [[0x50000, 0]]);
  ataCommand(r, 0xc8, 256, 128);
  r.bm.write8(0, 0x09);
  settle(r);
  assert.equal(r.bm.read8(2) & 0x05, 0x04);
  expectPattern(r.mem, 0x50000, 256, 0x10000);
});

test('WRITE DMA moves memory to the disk; DMA writes into RAM mark pages dirty and drop cached code', () => {
  const r = rig();
  const disk = r.ch.drives[0] as AtaDisk;
  const store = disk.store as ReturnType<typeof diskImage>;
  for (let i = 0; i < 1024; i++) r.mem.write8(0x60000 + i, i * 5);
  prdTable(r, [[0x60000, 1024]]);
  ataCommand(r, 0xca, 30, 2);
  r.bm.write8(0, 0x01); // start, bus master reads memory
  settle(r);
  assert.equal(r.bm.read8(2) & 0x05, 0x04);
  for (let i = 0; i < 1024; i += 97) assert.equal(store.data[30 * 512 + i], (i * 5) & 0xff);

  const dropped: number[] = [];
  r.mem.onCodeWrite = (page) => dropped.push(page);
  r.mem.codePages[0x70] = 1;
  r.mem.dirtyPages.fill(0);
  r.bm.write8(0, 0x00);
  r.bm.write8(2, 0x04);
  prdTable(r, [[0x70000, 512]]);
  ataCommand(r, 0xc8, 1, 1);
  r.bm.write8(0, 0x09);
  assert.deepEqual(dropped, [0x70]);
  assert.equal(r.mem.dirtyPages[0x70], 1);
});

test('ATAPI READ(10) by DMA (PACKET features bit 0)', () => {
  const r = rig('cdrom');
  prdTable(r, [[0x10000, 0x1000], [0x20000, 0x800]]);
  r.ch.writeCommandBlock(1, 0x01);
  r.ch.writeCommandBlock(7, 0xa0);
  const cdb = [0x28, 0, 0, 0, 0, 20, 0, 0, 3, 0, 0, 0];
  for (let i = 0; i < 12; i += 2) r.ch.writeData16(cdb[i] | (cdb[i + 1] << 8));
  r.bm.write8(0, 0x09);
  settle(r);
  assert.equal(r.bm.read8(2) & 0x05, 0x04);
  assert.equal(r.ch.readCommandBlock(7) & 0x89, 0x00);
  assert.equal(r.ch.readCommandBlock(2) & 3, 3, 'completion: IO and CoD');
  for (let i = 4; i < 0x1000; i += 53) assert.equal(r.mem.read8(0x10000 + i), patternByte(20 + (i >> 11), i & 0x7ff));
  assert.equal(r.mem.read8(0x20000), 22);
});

test('register layout: Status bits 5-6 R/W, Error/Interrupt write-1-to-clear, PRD pointer dword aligned (SFF-8038i register description)', () => {
  const r = rig();
  r.bm.write8(2, 0x60);
  assert.equal(r.bm.read8(2), 0x60);
  r.bm.write32(4, 0x12345677);
  assert.equal(r.bm.read32(4), 0x12345674);
  assert.equal(r.bm.read8(5), 0x56);
  r.bm.write8(0x0c, 0x10);
  assert.equal(r.bm.read32(0x0c), 0x10, 'secondary channel at offset 8');
  assert.equal(r.bm.read8(1), 0);
  r.bm.write8(0x08, 0x09); // start on a channel without an IDE channel: nothing happens
  assert.equal(r.bm.read8(0x0a) & 1, 1);
  const saved = r.bm.saveState();
  r.bm.reset();
  r.bm.loadState(structuredClone(saved));
  assert.equal(r.bm.read32(4), 0x12345674);
});

test('a read-only disk refuses WRITE DMA with ABRT and no memory traffic', () => {
  const r = rig('disk', true);
  prdTable(r, [[0x10000, 512]]);
  ataCommand(r, 0xca, 0, 1);
  r.bm.write8(0, 0x01);
  settle(r);
  assert.equal(r.ch.readCommandBlock(7) & 0x01, 0x01);
  assert.equal(r.ch.readCommandBlock(1), 0x04);
  assert.equal(r.bm.stats.bytes, 0);
});

test('DMA to and from addresses without RAM is dropped or reads open bus, never a host exception', () => {
  const r = rig();
  prdTable(r, [[0x000ff000, 0x2000]]); // the last RAM page, then past the end of the 1 MiB of RAM
  ataCommand(r, 0xc8, 0, 16);
  r.bm.write8(0, 0x09);
  settle(r);
  assert.equal(r.bm.read8(2) & 0x05, 0x04);
  assert.equal(r.mem.read8(0x000ff004), patternByte(0, 4));
  assert.equal(r.mem.stats.unmappedWrites, 0x1000);
  r.bm.write8(0, 0);
  r.bm.write8(2, 0x04);
  const store = (r.ch.drives[0] as AtaDisk).store as ReturnType<typeof diskImage>;
  prdTable(r, [[0x00100000, 512]]);
  ataCommand(r, 0xca, 5, 1);
  r.bm.write8(0, 0x01);
  assert.equal(store.data[5 * 512], 0xff, 'unmapped memory reads as all ones');
});
