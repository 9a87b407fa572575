import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhysicalMemory } from '../memory/physical-memory.js';
import { copyToGuest, findOverlap, protectedModeEntry, realModeEntry, writeFlatGdt, zeroGuest } from './entry.js';

const MiB = 1 << 20;

test('copyToGuest: physical addresses (A20 off does not wrap a load at 1 MiB), dirty pages marked', () => {
  const m = new PhysicalMemory(4 * MiB);
  m.setA20(false);
  const data = Uint8Array.from({ length: 10000 }, (_, i) => i & 0xff);
  copyToGuest(m, 0x100ffe, data);
  assert.deepEqual(m.ram.subarray(0x100ffe, 0x100ffe + data.length), data);
  assert.equal(m.ram[0x0ffe], 0, 'nothing written at the A20-wrapped address');
  assert.equal(m.dirtyPages[0x100], 1);
  assert.equal(m.dirtyPages[0x103], 1);
});

test('copyToGuest: ROM pages are left alone, code pages are invalidated through the write path', () => {
  const m = new PhysicalMemory(4 * MiB);
  m.mapRom(0xf0000, new Uint8Array(0x10000).fill(0xaa), 'bios');
  copyToGuest(m, 0xf0000, new Uint8Array(16));
  assert.equal(m.read8(0xf0000), 0xaa);
  const seen: number[] = [];
  m.onCodeWrite = (page) => seen.push(page);
  m.codePages[0x200] = 1;
  copyToGuest(m, 0x200000, Uint8Array.of(1, 2, 3));
  assert.deepEqual(seen, [0x200]);
  assert.equal(m.read8(0x200002), 3);
  m.ram.fill(0x77, 0x300000, 0x320000);
  zeroGuest(m, 0x300001, 0x1fffe);
  assert.equal(m.ram[0x300000], 0x77);
  assert.equal(m.ram[0x300001], 0);
  assert.equal(m.ram[0x31ffff], 0x77);
});

test('flat GDT and entry states follow the SDM descriptor layout', () => {
  const m = new PhysicalMemory(MiB);
  const gdtr = writeFlatGdt(m);
  assert.equal(m.read32(gdtr.base), 0);
  assert.equal(m.read32(gdtr.base + 4), 0);
  const pm = protectedModeEntry(gdtr, 0x100000, { esi: 0x10000 });
  // attr: access byte plus G (bit 15) and D/B (bit 14), as in descriptor bits 8-15 of the high dword.
  assert.equal(pm.cs.attr, 0xc09b);
  assert.equal(pm.ss.attr, 0xc093);
  assert.equal((m.read32(gdtr.base + 0x14) >>> 8) & 0xf0ff, pm.cs.attr);
  assert.equal((m.read32(gdtr.base + 0x1c) >>> 8) & 0xf0ff, pm.ds.attr);
  const rm = realModeEntry(0x1020, 0, 0x1000, 0xe000);
  assert.equal(rm.cs.base, 0x10200);
  assert.equal(rm.ds.limit, 0xffff);
  assert.equal(rm.cr0 & 1, 0);
  assert.equal(findOverlap([{ name: 'a', start: 0, end: 10 }, { name: 'b', start: 10, end: 20 }]), null);
  assert.deepEqual(findOverlap([{ name: 'a', start: 0, end: 11 }, { name: 'b', start: 10, end: 20 }])?.map((r) => r.name), ['a', 'b']);
});
