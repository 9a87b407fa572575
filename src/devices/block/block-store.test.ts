// Block store tests: the in-memory backend and the image checks shared by every backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkImage, ImageFormatError, MemoryBlockStore, OverlayBlockStore, ReadOnlyStoreError, StoreRangeError } from './block-store.js';

test('MemoryBlockStore reads and writes its ArrayBuffer and counts flushes', () => {
  const buffer = new ArrayBuffer(4096);
  const store = new MemoryBlockStore(buffer);
  assert.equal(store.size, 4096);
  store.write(510, Uint8Array.of(1, 2, 3, 4));
  assert.deepEqual([...store.read(509, 6)], [0, 1, 2, 3, 4, 0]);
  assert.equal(new Uint8Array(buffer)[511], 2, 'the buffer is shared, not copied');
  const copy = store.read(510, 2);
  copy[0] = 99;
  assert.equal(store.read(510, 1)[0], 1, 'reads return a copy');
  store.flush();
  assert.equal(store.flushes, 1);
  assert.throws(() => store.read(4095, 2), StoreRangeError);
  assert.throws(() => store.write(-1, Uint8Array.of(0)), StoreRangeError);
  store.close();
  assert.throws(() => store.read(0, 1), /closed/);
});

test('a read-only MemoryBlockStore refuses writes with ReadOnlyStoreError', () => {
  const store = new MemoryBlockStore(512, true, 'ro.img');
  assert.throws(() => store.write(0, Uint8Array.of(1)), ReadOnlyStoreError);
  assert.equal(store.read(0, 1)[0], 0);
});

test('checkImage: disks are whole 512-byte sectors; ISOs whole 2048-byte sectors with "CD001" at 0x8001 (ECMA-119 8.1)', () => {
  const none = () => new Uint8Array(5);
  assert.doesNotThrow(() => checkImage('disk', 'a.img', 1024, none));
  assert.throws(() => checkImage('disk', 'a.img', 1000, none), (e: Error) => e instanceof ImageFormatError && /a\.img.*1000 bytes.*512/.test(e.message));
  assert.throws(() => checkImage('disk', 'z.img', 0, none), /z\.img is empty/);
  const iso = new Uint8Array(18 * 2048);
  iso.set([0x43, 0x44, 0x30, 0x30, 0x31], 0x8001);
  const readIso = (o: number, n: number) => iso.slice(o, o + n);
  assert.doesNotThrow(() => checkImage('cdrom', 'c.iso', iso.length, readIso));
  assert.throws(() => checkImage('cdrom', 'c.iso', iso.length - 100, readIso), /c\.iso.*2048.*truncated/);
  assert.throws(() => checkImage('cdrom', 'c.iso', 8 * 2048, readIso), /too small/);
  iso[0x8001] = 0x58;
  assert.throws(() => checkImage('cdrom', 'c.iso', iso.length, readIso), /c\.iso has no ISO 9660 signature "CD001"/);
});

test('OverlayBlockStore: the guest sees its writes, the store underneath is never modified', () => {
  const base = new MemoryBlockStore(new Uint8Array(2048).fill(0x11), true);
  const overlay = new OverlayBlockStore(base);
  assert.equal(overlay.readOnly, false);
  overlay.write(510, Uint8Array.of(1, 2, 3, 4)); // sectors 0 and 1
  assert.deepEqual([...overlay.read(508, 8)], [0x11, 0x11, 1, 2, 3, 4, 0x11, 0x11]);
  assert.equal(overlay.dirtySectors, 2);
  overlay.flush();
  assert.equal(base.data[511], 0x11);
  assert.equal(overlay.read(2047, 1)[0], 0x11);
  assert.throws(() => overlay.write(2047, Uint8Array.of(1, 2)), StoreRangeError);
});
