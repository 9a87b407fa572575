import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhysicalMemory, MemoryMapError, PageKind, type MmioHandler } from './physical-memory.js';

const MiB = 1 << 20;

test('RAM: 8/16/32/64-bit little-endian accesses, unaligned and page-crossing', () => {
  const m = new PhysicalMemory(2 * MiB);
  m.write32(0x1000, 0x12345678);
  assert.equal(m.read8(0x1000), 0x78);
  assert.equal(m.read16(0x1001), 0x3456);
  assert.equal(m.read32(0x1000), 0x12345678);
  // Crossing the 4 KiB page boundary at 0x2000.
  m.write32(0x1ffe, 0xa1b2c3d4);
  assert.equal(m.read8(0x1ffe), 0xd4);
  assert.equal(m.read8(0x2001), 0xa1);
  assert.equal(m.read32(0x1ffe), 0xa1b2c3d4);
  assert.equal(m.read16(0x1fff), 0xb2c3);
  m.write64(0x3ffc, 0x0123456789abcdefn);
  assert.equal(m.read64(0x3ffc), 0x0123456789abcdefn);
  assert.equal(m.read32(0x4000), 0x01234567);
});

test('out-of-range reads float high (open bus 0xFF), writes are dropped and counted, never throw', () => {
  const m = new PhysicalMemory(1 * MiB);
  assert.equal(m.read8(0x00200000), 0xff);
  assert.equal(m.read16(0x00200000), 0xffff);
  assert.equal(m.read32(0xfffffffc), 0xffffffff);
  m.write32(0x00300000, 0x1234);
  assert.equal(m.read32(0x00300000), 0xffffffff);
  assert.equal(m.stats.unmappedWrites, 4);
  // A dword straddling the end of RAM: the RAM byte is real, the rest is open bus.
  m.write8(MiB - 1, 0x5a);
  assert.equal(m.read32(MiB - 1), 0xffffff5a);
});

test('ROM regions are read-only and shadow RAM beneath them', () => {
  const m = new PhysicalMemory(2 * MiB);
  const rom = new Uint8Array(0x10000);
  rom[0xfff0] = 0xea;
  m.mapRom(0xf0000, rom, 'bios');
  assert.equal(m.read8(0xffff0), 0xea);
  m.write8(0xffff0, 0x90);
  assert.equal(m.read8(0xffff0), 0xea);
  assert.equal(m.stats.romWrites, 1);
  m.unmap(0xf0000, 0x10000);
  assert.equal(m.read8(0xffff0), 0, 'RAM shows through after unmapping');
  // A ROM at the top of 4 GiB (the reset vector's alias).
  m.mapRom(0xffff0000, rom, 'bios-high');
  assert.equal(m.read8(0xfffffff0), 0xea);
});

test('read-only RAM (PAM "read only" shadow): reads see RAM at every width, writes are dropped and counted', () => {
  // i440FX PAM RE=1 WE=0 (82441FX datasheet 3.2.18): reads go to DRAM, writes go nowhere
  // (to PCI, where nothing claims them in the BIOS area).
  const m = new PhysicalMemory(2 * MiB);
  for (let a = 0xf0000; a < 0x100000; a += 4) m.write32(a, (a * 2654435761) >>> 0);
  const before = m.ram.slice(0xf0000, 0x100000);
  m.mapRamReadOnly(0xf0000, 0x10000);
  m.dirtyPages.fill(0);
  assert.equal(m.pageKind[0xf0], PageKind.RamReadOnly);
  assert.equal(m.pageKind[0xef], PageKind.Ram, 'only the range given');
  const dv = new DataView(m.ram.buffer);
  assert.equal(m.read8(0xf1233), m.ram[0xf1233]);
  assert.equal(m.read16(0xf1233), dv.getUint16(0xf1233, true));
  assert.equal(m.read32(0xf1231), dv.getUint32(0xf1231, true));
  assert.equal(m.read32(0xf1ffe), dv.getUint32(0xf1ffe, true), 'across two read-only pages');
  assert.equal(m.read64(0xf2000), dv.getBigUint64(0xf2000, true));
  m.write8(0xf1000, 0x11);
  m.write16(0xf1001, 0x2222);
  m.write32(0xf1ffe, 0x33333333);
  m.write64(0xf3000, 0x4444444444444444n);
  assert.deepEqual(m.ram.slice(0xf0000, 0x100000), before, 'no write reaches the RAM behind');
  assert.equal(m.stats.romWrites, 1 + 2 + 4 + 8);
  assert.equal(m.dirtyPages[0xf1], 0, 'a dropped write dirties nothing');
  // A dword straddling RAM and read-only RAM: the RAM half is written, the other half dropped.
  m.write32(0xefffe, 0x55667788);
  assert.equal(m.ram[0xefffe], 0x88);
  assert.equal(m.ram[0xeffff], 0x77);
  assert.equal(m.ram[0xf0000], before[0]);
  // Instruction fetch reads the RAM array itself (element 0 at physical 0), as for RAM pages.
  assert.equal(m.pageBytes(0xf5), m.ram);
  assert.equal(m.pageBytesBase(0xf5), 0);
  // unmap() returns the pages to plain, writable RAM.
  m.unmap(0xf0000, 0x10000);
  m.write8(0xf1000, 0x99);
  assert.equal(m.read8(0xf1000), 0x99);
  assert.throws(() => m.mapRamReadOnly(0x1f0000, 0x20000), MemoryMapError, 'beyond RAM');
  assert.throws(() => m.mapRamReadOnly(0xf0800, 0x1000), MemoryMapError, 'not page aligned');
});

test('MMIO: dispatch to the device with region-relative offsets; wide accesses split when only byte handlers exist', () => {
  const m = new PhysicalMemory(2 * MiB);
  const log: string[] = [];
  const dev: MmioHandler = {
    read8: (o) => (log.push(`r8 ${o}`), o & 0xff),
    write8: (o, v) => void log.push(`w8 ${o}=${v}`),
  };
  m.mapMmio(0xfec00000, 0x1000, dev);
  assert.equal(m.read16(0xfec00010), 0x1110);
  m.write32(0xfec00020, 0x04030201);
  assert.deepEqual(log, ['r8 16', 'r8 17', 'w8 32=1', 'w8 33=2', 'w8 34=3', 'w8 35=4']);
  const wide: MmioHandler = { ...dev, read32: (o) => 0xcafe0000 + o, write32: (o, v) => void log.push(`w32 ${o}=${v}`) };
  m.mapMmio(0xfee00000, 0x1000, wide);
  assert.equal(m.read32(0xfee00030), 0xcafe0030);
  m.write32(0xfee00040, 7);
  assert.equal(log.at(-1), 'w32 64=7');
});

test('A20 gate: with A20 off, bit 20 of every address is forced to 0 (wrap at 1 MiB)', () => {
  const m = new PhysicalMemory(4 * MiB);
  m.write8(0x000010, 0x11);
  m.write8(0x100010, 0x22);
  m.setA20(false);
  assert.equal(m.a20Enabled, false);
  assert.equal(m.read8(0x100010), 0x11);
  m.write8(0x100020, 0x33);
  m.setA20(true);
  assert.equal(m.read8(0x000020), 0x33);
  assert.equal(m.read8(0x100020), 0);
});

test('written pages are tracked; writes to code pages notify the engine with the byte, once unless it marks the page again', () => {
  const m = new PhysicalMemory(2 * MiB);
  assert.equal(m.dirtyPages[3], 0);
  m.write16(0x3ffe, 1);
  assert.equal(m.dirtyPages[3], 1);
  const hits: number[][] = [];
  m.onCodeWrite = (p, a) => hits.push([p, a ?? -1]);
  m.codePages[5] = 1;
  m.write32(0x5004, 0xdeadbeef);
  m.write8(0x5008, 1);
  assert.deepEqual(hits, [[5, 0x5004]]);
  assert.equal(m.read32(0x5004), 0xdeadbeef);
  // An engine that keeps code in the page marks it again and hears about every written byte.
  hits.length = 0;
  m.onCodeWrite = (p, a) => {
    hits.push([p, a ?? -1]);
    m.codePages[p] = 1;
  };
  m.codePages[5] = 1;
  m.write16(0x5ffe, 0x1234);
  assert.deepEqual(hits, [[5, 0x5ffe], [5, 0x5fff]]);
  assert.equal(m.read16(0x5ffe), 0x1234);
});

test('bad maps are refused with a clear error; save/restore round-trips RAM and A20', () => {
  assert.throws(() => new PhysicalMemory(1000), MemoryMapError);
  const m = new PhysicalMemory(2 * MiB);
  assert.throws(() => m.mapRom(0xf0001, new Uint8Array(0x1000)), /4 KiB aligned/);
  m.write32(0x1234, 0x55aa55aa);
  m.setA20(false);
  const s = m.saveState();
  const n = new PhysicalMemory(2 * MiB);
  n.loadState(s);
  assert.equal(n.read32(0x1234), 0x55aa55aa);
  assert.equal(n.a20Enabled, false);
  assert.throws(() => new PhysicalMemory(4 * MiB).loadState(s), /RAM/);
});

test('mapping the same handler or bytes at the same place again reuses the region slot', () => {
  const m = new PhysicalMemory(0x100000);
  const handler = { read8: () => 0x5a, write8: () => {} };
  const rom = new Uint8Array(0x1000).fill(0xa5);
  for (let i = 0; i < 70000; i++) {
    // More toggles than the 16-bit region index could count if every map added a slot.
    m.mapMmio(0xfe000000, 0x1000, handler);
    m.mapRom(0xfe001000, rom);
    m.unmap(0xfe000000, 0x2000);
  }
  m.mapMmio(0xfe000000, 0x1000, handler);
  m.mapRom(0xfe001000, rom);
  assert.equal(m.read8(0xfe000000), 0x5a);
  assert.equal(m.read8(0xfe001000), 0xa5);
});

test('RAM above 2 GiB (up to the 3.5 GiB a PC maps): one WebAssembly memory with the page tables and the CPU area, all addressable', () => {
  const size = 0xe0000000;
  const m = new PhysicalMemory(size);
  assert.equal(m.ram.length, size);
  m.write32(size - 4, 0x89abcdef);
  assert.equal(m.read32(size - 4), 0x89abcdef);
  assert.equal(m.codePages.length, size / 4096);
  if (m.wasmMemory !== null) {
    const area = m.claimCpuArea();
    assert.ok(area !== null && area.byteOffset >= m.dirtyPages.byteOffset + m.dirtyPages.length, 'the CPU area lies after the tables');
    assert.equal(area!.byteOffset % 4096, 0);
    assert.ok(area!.byteOffset + area!.length <= m.wasmMemory.buffer.byteLength);
    assert.equal(m.claimCpuArea(), null, 'one CPU per memory');
  }
});
