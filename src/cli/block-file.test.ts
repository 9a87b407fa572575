// FileBlockStore tests: overlay until flush, the redo journal, refusal of bad images.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BlockImageError, FileBlockStore } from './block-file.js';
import { UsageError } from './errors.js';
import { ReadOnlyStoreError } from '../devices/block/block-store.js';
import { AtaDisk } from '../devices/ata/ata-disk.js';
import { AtapiCdrom } from '../devices/ata/atapi-cdrom.js';
import { makeChannel, readPio16, settle } from '../devices/ata/testing.js';
import { imagePath } from './images/paths.js';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ringmaster-block-'));
}

function makeImage(dir: string, name: string, size: number, fill = 0x11): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, new Uint8Array(size).fill(fill));
  return file;
}

function makeIso(dir: string, name: string, sectors = 20): string {
  const data = new Uint8Array(sectors * 2048);
  data.set([1, 0x43, 0x44, 0x30, 0x30, 0x31], 0x8000);
  const file = path.join(dir, name);
  fs.writeFileSync(file, data);
  return file;
}

test('writes stay in the overlay until flush(), then reach the file', () => {
  const dir = tempDir();
  const file = makeImage(dir, 'disk.img', 8 * 512);
  const store = FileBlockStore.open(file);
  store.write(1022, Uint8Array.of(0xaa, 0xbb, 0xcc)); // straddles sectors 1 and 2
  assert.deepEqual([...store.read(1021, 5)], [0x11, 0xaa, 0xbb, 0xcc, 0x11], 'the guest sees its writes');
  assert.equal(store.dirtySectors, 2);
  assert.equal(fs.readFileSync(file)[1022], 0x11, 'not in the file before a flush');
  store.flush();
  const onDisk = fs.readFileSync(file);
  assert.deepEqual([...onDisk.subarray(1021, 1026)], [0x11, 0xaa, 0xbb, 0xcc, 0x11]);
  assert.equal(onDisk.length, 8 * 512, 'size unchanged');
  assert.equal(fs.existsSync(store.journalPath), false, 'journal removed after the flush');
  store.write(0, new Uint8Array(512).fill(0x22));
  store.close(); // a clean stop flushes
  assert.equal(fs.readFileSync(file)[0], 0x22);
  fs.rmSync(dir, { recursive: true });
});

test('crash after the journal commit: the next open replays it; a torn journal is discarded', () => {
  const dir = tempDir();
  const file = makeImage(dir, 'disk.img', 4 * 512);
  const crashed = FileBlockStore.open(file);
  crashed.write(1024, new Uint8Array(512).fill(0x77));
  crashed.write(0, new Uint8Array(512).fill(0x66));
  const journal = crashed.commitJournal(); // the commit point...
  crashed.abandon(); // ...then the crash, before the image is written
  assert.equal(fs.readFileSync(file)[1024], 0x11, 'image untouched so far');
  const ro = FileBlockStore.open(file, { readOnly: true });
  assert.equal(ro.read(1024, 1)[0], 0x77, 'a read-only open sees the committed journal...');
  assert.equal(fs.readFileSync(file)[1024], 0x11, '...without touching the file');
  ro.close();
  FileBlockStore.open(file).close();
  const image = fs.readFileSync(file);
  assert.deepEqual([image[0], image[1024], image[512]], [0x66, 0x77, 0x11], 'a read-write open replays it');
  assert.equal(fs.existsSync(file + '.ringmaster-journal'), false);
  // A torn journal (crash while writing it) is discarded: the image stays as at the last flush.
  const next = FileBlockStore.open(file);
  next.write(1536, new Uint8Array(512).fill(0x99));
  next.abandon();
  fs.writeFileSync(file + '.ringmaster-journal', journal.subarray(0, journal.length - 7));
  const torn = FileBlockStore.open(file);
  assert.equal(torn.read(1024, 1)[0], 0x77);
  assert.equal(torn.read(1536, 1)[0], 0x11, 'the unflushed write is lost, nothing half-applied');
  assert.equal(fs.existsSync(file + '.ringmaster-journal'), false);
  torn.close();
  fs.rmSync(dir, { recursive: true });
});

test('a truncated disk or ISO, a missing file, a non-ISO: BlockImageError naming the file, image untouched', () => {
  const dir = tempDir();
  const bad = makeImage(dir, 'short.img', 1000);
  const mtime = fs.statSync(bad).mtimeMs;
  assert.throws(() => FileBlockStore.open(bad), (e: Error) => e instanceof BlockImageError && e instanceof UsageError && e.message.includes('short.img') && /512/.test(e.message));
  assert.equal(fs.statSync(bad).size, 1000);
  assert.equal(fs.statSync(bad).mtimeMs, mtime);
  assert.throws(() => FileBlockStore.open(path.join(dir, 'nope.img')), /nope\.img: no such file/);
  const iso = makeIso(dir, 'cd.iso');
  fs.truncateSync(iso, 20 * 2048 - 1);
  assert.throws(() => FileBlockStore.open(iso, { kind: 'cdrom' }), /cd\.iso.*2048/);
  const notIso = makeImage(dir, 'plain.iso', 20 * 2048);
  assert.throws(() => FileBlockStore.open(notIso, { kind: 'cdrom' }), /plain\.iso has no ISO 9660 signature/);
  assert.throws(() => FileBlockStore.open(dir), /not a regular file/);
  assert.throws(() => FileBlockStore.open(bad, { option: '--disk' }), /^BlockImageError: --disk: disk image .*short\.img is 1000 bytes/);
  const good = FileBlockStore.open(makeIso(dir, 'ok.iso'), { kind: 'cdrom' });
  assert.equal(good.readOnly, true, 'an ISO is always read-only');
  assert.equal(good.size, 20 * 2048);
  good.close();
  fs.rmSync(dir, { recursive: true });
});

test('a read-only image refuses writes; through the disk the guest sees an ATA error', () => {
  const dir = tempDir();
  const file = makeImage(dir, 'ro.img', 64 * 512);
  const store = FileBlockStore.open(file, { readOnly: true });
  assert.throws(() => store.write(0, Uint8Array.of(1)), ReadOnlyStoreError);
  const t = makeChannel(new AtaDisk(0, { store }));
  t.ch.writeCommandBlock(6, 0xe0);
  t.ch.writeCommandBlock(2, 1);
  t.ch.writeCommandBlock(7, 0x30);
  settle(t);
  assert.equal(t.ch.readCommandBlock(7) & 0x09, 0x01, 'ERR, no DRQ');
  assert.equal(t.ch.readCommandBlock(1), 0x04, 'ABRT');
  store.close();
  assert.equal(fs.readFileSync(file)[0], 0x11);
  fs.rmSync(dir, { recursive: true });
});

test('the guest FLUSH CACHE makes disk writes durable in the file', () => {
  const dir = tempDir();
  const file = makeImage(dir, 'disk.img', 64 * 512);
  const store = FileBlockStore.open(file);
  const t = makeChannel(new AtaDisk(0, { store }));
  t.ch.writeCommandBlock(6, 0xe0);
  t.ch.writeCommandBlock(2, 1);
  t.ch.writeCommandBlock(3, 3);
  t.ch.writeCommandBlock(7, 0x30);
  for (let i = 0; i < 256; i++) t.ch.writeData16(0xbeef);
  settle(t);
  assert.equal(t.ch.readCommandBlock(7), 0x50);
  assert.equal(fs.readFileSync(file)[3 * 512], 0x11, 'written, not yet flushed');
  t.ch.writeCommandBlock(7, 0xe7);
  settle(t);
  assert.equal(t.ch.readCommandBlock(7), 0x50);
  assert.equal(fs.readFileSync(file)[3 * 512], 0xef);
  store.close();
  fs.rmSync(dir, { recursive: true });
});

test('the project\'s ISOLINUX CD through the ATAPI drive: volume descriptor and El Torito record (ECMA-119 8.1; El Torito boot record volume descriptor)', (t) => {
  const iso = imagePath('i386-iso');
  if (!fs.existsSync(iso)) return t.skip(`${iso} not built (make images)`);
  const store = FileBlockStore.open(iso, { kind: 'cdrom' });
  const c = makeChannel(new AtapiCdrom(0, { store }));
  c.ch.writeCommandBlock(4, 0x00);
  c.ch.writeCommandBlock(5, 0x10); // byte count limit 4096
  c.ch.writeCommandBlock(7, 0xa0);
  const cdb = [0x28, 0, 0, 0, 0, 16, 0, 0, 2, 0, 0, 0]; // READ(10) sectors 16-17
  for (let i = 0; i < 12; i += 2) c.ch.writeData16(cdb[i] | (cdb[i + 1] << 8));
  settle(c);
  assert.equal(c.ch.readCommandBlock(7) & 0x09, 0x08);
  const data = readPio16(c.ch, 4096);
  const text = (from: number, n: number) => String.fromCharCode(...data.subarray(from, from + n));
  assert.equal(data[0], 1, 'primary volume descriptor');
  assert.equal(text(1, 5), 'CD001');
  assert.equal(data[2048], 0, 'boot record');
  assert.equal(text(2048 + 7, 23), 'EL TORITO SPECIFICATION');
  settle(c);
  assert.equal(c.ch.readCommandBlock(7) & 0x89, 0);
  store.close();
});
