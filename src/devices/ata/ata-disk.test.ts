// ATA disk tests against ATA/ATAPI-6 (T13/1410D rev. 3b): each test names the command, protocol or
// register description it checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AtaDisk } from './ata-disk.js';
import { AtapiCdrom } from './atapi-cdrom.js';
import { type BlockStore, MemoryBlockStore } from '../block/block-store.js';
import {
  ataString,
  diskImage,
  isoImage,
  makeChannel,
  patternByte,
  readPio16,
  readPio32,
  settle,
  type TestChannel,
  wordsOf,
  writePio16,
  writePio32,
} from './testing.js';

const SECTORS = 20 * 16 * 63; // 20 cylinders of the default 16-head, 63-sector translation

interface Regs {
  feature?: number;
  count?: number;
  lbaLow?: number;
  lbaMid?: number;
  lbaHigh?: number;
  device?: number;
}

function issue(t: TestChannel, command: number, r: Regs = {}): void {
  const ch = t.ch;
  ch.writeCommandBlock(6, r.device ?? 0xe0);
  ch.writeCommandBlock(1, r.feature ?? 0);
  ch.writeCommandBlock(2, r.count ?? 0);
  ch.writeCommandBlock(3, r.lbaLow ?? 0);
  ch.writeCommandBlock(4, r.lbaMid ?? 0);
  ch.writeCommandBlock(5, r.lbaHigh ?? 0);
  ch.writeCommandBlock(7, command);
}

/** LBA48 register loading (ATA-6 48-bit Address feature set): the high-order byte of each pair is written first. */
function issue48(t: TestChannel, command: number, lba: number, count: number): void {
  const ch = t.ch;
  ch.writeCommandBlock(6, 0x40);
  const hi = Math.floor(lba / 2 ** 24);
  ch.writeCommandBlock(2, count >>> 8);
  ch.writeCommandBlock(3, hi & 0xff);
  ch.writeCommandBlock(4, (hi >>> 8) & 0xff);
  ch.writeCommandBlock(5, (hi >>> 16) & 0xff);
  ch.writeCommandBlock(2, count & 0xff);
  ch.writeCommandBlock(3, lba & 0xff);
  ch.writeCommandBlock(4, (lba >>> 8) & 0xff);
  ch.writeCommandBlock(5, (lba >>> 16) & 0xff);
  ch.writeCommandBlock(7, command);
}

function status(t: TestChannel): number {
  return t.ch.readCommandBlock(7);
}

function expectSectors(data: Uint8Array, firstLba: number): void {
  for (let s = 0; s < data.length / 512; s++) {
    for (let i = 0; i < 512; i += 37) assert.equal(data[s * 512 + i], patternByte(firstLba + s, i), `sector ${firstLba + s} byte ${i}`);
  }
}

/** A huge store computed on the fly (for LBA48 beyond 2^28 sectors). */
class SyntheticStore implements BlockStore {
  readonly readOnly = false;
  readonly writes = new Map<number, Uint8Array>();
  constructor(readonly size: number) {}
  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = patternByte(Math.floor((offset + i) / 512), (offset + i) % 512);
    return out;
  }
  write(offset: number, data: Uint8Array): void {
    this.writes.set(offset, data.slice());
  }
  flush(): void {}
  close(): void {}
}

function identify(t: TestChannel): Uint16Array {
  issue(t, 0xec);
  settle(t);
  status(t);
  return wordsOf(readPio16(t.ch, 512));
}

test('IDENTIFY DEVICE: geometry, strings, capabilities, capacity words (ATA-6 IDENTIFY DEVICE data)', () => {
  const t = makeChannel(new AtaDisk(0, { store: diskImage(SECTORS), model: 'Ringmaster HARDDISK', serial: 'SN42' }));
  issue(t, 0xec);
  assert.equal(t.irq.level, false, 'no interrupt before the command write returns');
  assert.equal(t.ch.readControl() & 0x88, 0x08, 'BSY clear, DRQ set: data ready');
  settle(t);
  assert.equal(t.irq.level, true, 'INTRQ for the data-in block (PIO data-in protocol)');
  const w = wordsOf(readPio16(t.ch, 512));
  assert.deepEqual([w[1], w[3], w[6]], [20, 16, 63], 'default cylinders, heads, sectors per track');
  assert.equal(ataString(w, 27, 20), 'Ringmaster HARDDISK'.padEnd(40));
  assert.equal(ataString(w, 10, 10), 'SN42'.padEnd(20));
  assert.equal(w[27], ('R'.charCodeAt(0) << 8) | 'i'.charCodeAt(0), 'first character in the high byte');
  assert.equal(w[49] & 0x0300, 0x0300, 'LBA (bit 9) and DMA (bit 8) supported');
  assert.equal(w[60] | (w[61] << 16), SECTORS, 'words 60-61: LBA28 capacity');
  assert.equal(w[83] & (1 << 10), 1 << 10, 'word 83 bit 10: 48-bit address feature set supported');
  assert.equal(w[86] & (1 << 10), 1 << 10, 'word 86 bit 10: enabled');
  assert.equal(w[83] & 0xc000, 0x4000, 'word 83 bits 15:14 = 01b');
  assert.equal(w[100] + w[101] * 2 ** 16 + w[102] * 2 ** 32 + w[103] * 2 ** 48, SECTORS, 'words 100-103');
  assert.deepEqual([w[54], w[55], w[56]], [20, 16, 63], 'current translation');
  assert.equal(w[57] | (w[58] << 16), SECTORS);
  assert.equal(w[63] & 0x07, 0x07, 'multiword DMA 0-2');
  assert.equal(w[88] & 0x3f, 0x3f, 'UDMA 0-5');
  let sum = 0;
  for (const v of w) sum += (v & 0xff) + (v >> 8);
  assert.equal(w[255] & 0xff, 0xa5, 'integrity word signature (word 255)');
  assert.equal(sum & 0xff, 0, 'checksum');
  assert.equal(t.ch.readControl() & 0xc9, 0x40, 'after the last word: DRDY, no DRQ, no ERR');
});

test('IDENTIFY DEVICE on a disk beyond 2^28 sectors: words 60-61 saturate, 100-103 hold the size (ATA-6 IDENTIFY DEVICE words 60-61, 100-103)', () => {
  const total = 2 ** 29 + 5;
  const t = makeChannel(new AtaDisk(0, { store: new SyntheticStore(total * 512) }));
  const w = identify(t);
  assert.equal((w[60] | (w[61] << 16)) >>> 0, 0x0fffffff);
  assert.equal(w[100] + w[101] * 2 ** 16 + w[102] * 2 ** 32 + w[103] * 2 ** 48, total);
  assert.deepEqual([w[1], w[3], w[6]], [16383, 16, 63]);
});

test('READ SECTORS (20h) by LBA28 through the 16-bit and 32-bit Data register, one interrupt per block (ATA-6 READ SECTORS; PIO data-in protocol)', () => {
  const t = makeChannel(new AtaDisk(0, { store: diskImage(SECTORS) }));
  issue(t, 0x20, { count: 3, lbaLow: 5, device: 0xe0 });
  settle(t);
  assert.equal(t.irq.rises, 1);
  assert.equal(status(t) & 0x89, 0x08);
  assert.equal(t.irq.level, false, 'reading Status clears INTRQ (ATA-6 INTRQ signal description)');
  expectSectors(readPio16(t.ch, 512), 5);
  settle(t);
  assert.equal(t.irq.rises, 2, 'second block announced');
  status(t);
  expectSectors(readPio32(t.ch, 512), 6);
  settle(t);
  status(t);
  expectSectors(readPio32(t.ch, 512), 7);
  settle(t);
  assert.equal(t.irq.rises, 3, 'no interrupt after the last block of a PIO read');
  assert.equal(t.ch.readControl(), 0x50, 'DRDY and DSC');
});

test('WRITE SECTORS (30h): DRQ without interrupt for the first block, an interrupt after each block (ATA-6 WRITE SECTORS; PIO data-out protocol)', () => {
  const store = diskImage(SECTORS);
  const t = makeChannel(new AtaDisk(0, { store }));
  issue(t, 0x30, { count: 2, lbaLow: 10, lbaMid: 1, device: 0xe0 }); // LBA 266
  settle(t);
  assert.equal(t.irq.rises, 0, 'no interrupt before the first data-out block');
  assert.equal(t.ch.readControl() & 0x08, 0x08);
  const data = new Uint8Array(1024).map((_, i) => (i * 3 + 1) & 0xff);
  writePio32(t.ch, data.subarray(0, 512));
  settle(t);
  assert.equal(t.irq.rises, 1);
  assert.equal(status(t) & 0x08, 0x08, 'DRQ for the second block');
  writePio16(t.ch, data.subarray(512));
  settle(t);
  assert.equal(t.irq.rises, 2, 'completion interrupt');
  assert.equal(status(t), 0x50);
  assert.deepEqual(store.data.subarray(266 * 512, 268 * 512), data);
  assert.equal(store.data[268 * 512], patternByte(268, 0), 'the next sector is untouched');
});

test('READ SECTORS EXT (24h): LBA48 address and count from the HOB bytes (ATA-6 48-bit Address feature set; READ SECTORS EXT)', () => {
  const lba = 0x1_2345_6789;
  const t = makeChannel(new AtaDisk(0, { store: new SyntheticStore((lba + 100) * 512) }));
  issue48(t, 0x24, lba, 2);
  settle(t);
  status(t);
  const first = readPio16(t.ch, 512);
  assert.equal(first[0] | (first[1] << 8) | (first[2] << 16) | (first[3] << 24), lba >>> 0);
  settle(t);
  status(t);
  const second = readPio16(t.ch, 512);
  assert.equal(second[0], (lba + 1) & 0xff);
  assert.equal(t.ch.readControl(), 0x50);
  // HOB=1 reads the previous contents of the 48-bit register pairs (ATA-6 Device Control register).
  t.ch.writeControl(0x80);
  assert.equal(t.ch.readCommandBlock(3), Math.floor((lba + 2) / 2 ** 24) & 0xff);
});

test('LBA48 beyond the end of the disk: ERR with IDNF (ATA-6 READ SECTORS EXT error outputs)', () => {
  const t = makeChannel(new AtaDisk(0, { store: diskImage(SECTORS) }));
  issue48(t, 0x24, SECTORS - 1, 2);
  settle(t);
  assert.equal(t.irq.level, true);
  assert.equal(status(t) & 0x09, 0x01);
  assert.equal(t.ch.readCommandBlock(1) & 0x10, 0x10);
});

test('CHS addressing after INITIALIZE DEVICE PARAMETERS (ATA-6 CHS addressing; INITIALIZE DEVICE PARAMETERS)', () => {
  const t = makeChannel(new AtaDisk(0, { store: diskImage(SECTORS) }));
  // 8 heads, 32 sectors per track.
  issue(t, 0x91, { count: 32, device: 0xa0 | 7 });
  settle(t);
  assert.equal(status(t), 0x50);
  const w = identify(t);
  assert.deepEqual([w[54], w[55], w[56]], [Math.floor(SECTORS / 256), 8, 32], 'current CHS in words 54-56');
  // Cylinder 3, head 5, sector 9: LBA (3*8+5)*32+8 = 936.
  issue(t, 0x20, { count: 1, lbaLow: 9, lbaMid: 3, lbaHigh: 0, device: 0xa0 | 5 });
  settle(t);
  status(t);
  expectSectors(readPio16(t.ch, 512), 936);
  // Sector number 0 does not exist in CHS.
  issue(t, 0x20, { count: 1, lbaLow: 0, device: 0xa0 });
  settle(t);
  assert.equal(status(t) & 0x01, 0x01);
  assert.equal(t.ch.readCommandBlock(1) & 0x10, 0x10, 'IDNF');
});

test('READ/WRITE MULTIPLE need SET MULTIPLE MODE; DRQ blocks of that many sectors (ATA-6 READ MULTIPLE, SET MULTIPLE MODE, WRITE MULTIPLE)', () => {
  const store = diskImage(SECTORS);
  const t = makeChannel(new AtaDisk(0, { store }));
  issue(t, 0xc4, { count: 2 });
  settle(t);
  assert.equal(status(t) & 0x01, 0x01, 'READ MULTIPLE without multiple mode aborts');
  assert.equal(t.ch.readCommandBlock(1), 0x04);
  issue(t, 0xc6, { count: 3 });
  settle(t);
  assert.equal(t.ch.readCommandBlock(1), 0x04, 'not a power of two: ABRT');
  issue(t, 0xc6, { count: 4 });
  settle(t);
  assert.equal(status(t), 0x50);
  assert.equal(identify(t)[59], 0x104, 'word 59: multiple setting valid, 4 sectors');
  const rises = t.irq.rises;
  issue(t, 0xc4, { count: 10, lbaLow: 20 });
  const got: Uint8Array[] = [];
  for (const n of [4, 4, 2]) {
    settle(t);
    status(t);
    got.push(readPio32(t.ch, n * 512));
  }
  assert.equal(t.irq.rises - rises, 3, 'one interrupt per DRQ block');
  expectSectors(Uint8Array.from(got.flatMap((a) => [...a])), 20);
  issue(t, 0xc5, { count: 6, lbaLow: 40 });
  writePio16(t.ch, new Uint8Array(4 * 512).fill(0xaa));
  settle(t);
  status(t);
  writePio16(t.ch, new Uint8Array(2 * 512).fill(0xbb));
  settle(t);
  assert.equal(status(t), 0x50);
  assert.equal(store.data[43 * 512], 0xaa);
  assert.equal(store.data[44 * 512], 0xbb);
  assert.equal(store.data[46 * 512], patternByte(46, 0));
});

test('unknown command: ABRT in the Error register, ERR in Status, an interrupt (ATA-6 command descriptions; Error register)', () => {
  const t = makeChannel(new AtaDisk(0, { store: diskImage(SECTORS) }));
  issue(t, 0x50);
  assert.equal(t.irq.level, false);
  settle(t);
  assert.equal(t.irq.level, true);
  assert.equal(status(t), 0x51);
  assert.equal(t.ch.readCommandBlock(1), 0x04);
  assert.equal(t.ch.drives[0].stats.unknownCommands, 1);
  assert.equal(t.log.length, 1);
});

test('INTRQ: Status read clears it, Alternate Status does not, nIEN masks it (ATA-6 INTRQ; Alternate Status; Device Control)', () => {
  const t = makeChannel(new AtaDisk(0, { store: diskImage(SECTORS) }));
  issue(t, 0xe7); // FLUSH CACHE
  settle(t);
  assert.equal(t.irq.level, true);
  t.ch.readControl();
  assert.equal(t.irq.level, true, 'Alternate Status leaves INTRQ alone');
  status(t);
  assert.equal(t.irq.level, false);
  t.ch.writeControl(0x02); // nIEN
  issue(t, 0xe7);
  settle(t);
  assert.equal(t.irq.level, false, 'masked by nIEN');
  t.ch.writeControl(0x00);
  assert.equal(t.irq.level, true, 'the pending interrupt appears once nIEN is cleared');
  status(t);
  assert.equal(t.irq.level, false);
});

test('SRST: BSY while set, then the signatures of a disk and a packet device (ATA-6 software reset protocol; signatures)', () => {
  const t = makeChannel(new AtaDisk(0, { store: diskImage(SECTORS) }), new AtapiCdrom(1, { store: isoImage(32) }));
  issue(t, 0xc6, { count: 8 });
  settle(t);
  t.ch.writeControl(0x04);
  assert.equal(t.ch.readControl() & 0x80, 0x80, 'BSY during reset');
  t.ch.writeControl(0x00);
  assert.equal(t.irq.level, false, 'reset does not interrupt');
  assert.deepEqual([2, 3, 4, 5].map((r) => t.ch.readCommandBlock(r)), [1, 1, 0x00, 0x00], 'disk signature');
  assert.equal(t.ch.readCommandBlock(1), 0x01, 'diagnostic code: passed');
  assert.equal(t.ch.readCommandBlock(6) & 0x10, 0, 'device 0 selected');
  assert.equal(status(t) & 0xc0, 0x40);
  t.ch.writeCommandBlock(6, 0xb0);
  assert.deepEqual([2, 3, 4, 5].map((r) => t.ch.readCommandBlock(r)), [1, 1, 0x14, 0xeb], 'packet device signature');
  t.ch.writeCommandBlock(7, 0xec);
  settle(t);
  assert.equal(status(t) & 0x09, 0x01, 'a packet device aborts IDENTIFY DEVICE...');
  assert.deepEqual([t.ch.readCommandBlock(4), t.ch.readCommandBlock(5)], [0x14, 0xeb], '...and shows its signature');
  t.ch.writeCommandBlock(6, 0xa0);
  assert.equal(identify(t)[59], 0x108, '...and SRST keeps the disk\'s multiple mode (software reset keeps settings)');
});

test('EXECUTE DEVICE DIAGNOSTIC: signature, diagnostic code 01h, an interrupt (ATA-6 EXECUTE DEVICE DIAGNOSTIC)', () => {
  const t = makeChannel(new AtaDisk(0, { store: diskImage(SECTORS) }));
  issue(t, 0x90, { count: 0x55, lbaLow: 0x66 });
  settle(t);
  assert.equal(t.irq.level, true);
  assert.equal(t.ch.readCommandBlock(1), 0x01);
  assert.deepEqual([2, 3, 4, 5].map((r) => t.ch.readCommandBlock(r)), [1, 1, 0, 0]);
});

test('FLUSH CACHE (E7h) and FLUSH CACHE EXT (EAh) reach the backend (ATA-6 FLUSH CACHE, FLUSH CACHE EXT)', () => {
  const store = diskImage(SECTORS);
  const t = makeChannel(new AtaDisk(0, { store }));
  issue(t, 0xe7);
  issue(t, 0xea);
  settle(t);
  assert.equal(store.flushes, 2);
  assert.equal(status(t), 0x50);
});

test('a read-only image refuses writes with an ATA error, never a host exception', () => {
  const store = diskImage(SECTORS, true);
  const t = makeChannel(new AtaDisk(0, { store }));
  issue(t, 0x30, { count: 1, lbaLow: 1 });
  settle(t);
  assert.equal(status(t) & 0x09, 0x01, 'ERR, no DRQ');
  assert.equal(t.ch.readCommandBlock(1), 0x04, 'ABRT');
  assert.doesNotThrow(() => writePio16(t.ch, new Uint8Array(512)));
  issue(t, 0xca, { count: 1, lbaLow: 1 });
  settle(t);
  assert.equal(status(t) & 0x09, 0x01);
  assert.equal(store.data[512], patternByte(1, 0));
});

test('a failing backend read becomes ERR with UNC (ATA-6 Error register)', () => {
  const store = diskImage(SECTORS);
  store.read = () => {
    throw new Error('EIO');
  };
  const t = makeChannel(new AtaDisk(0, { store }));
  assert.doesNotThrow(() => issue(t, 0x20, { count: 1 }));
  settle(t);
  assert.equal(status(t) & 0x09, 0x01);
  assert.equal(t.ch.readCommandBlock(1), 0x40);
  assert.equal(t.ch.drives[0].stats.backendErrors, 1);
});

test('absent device 1: Status reads 0, registers latch writes, commands are ignored (ATA-6: device 0 answers for an absent device 1)', () => {
  const t = makeChannel(new AtaDisk(0, { store: diskImage(SECTORS) }));
  t.ch.writeCommandBlock(6, 0xb0);
  t.ch.writeCommandBlock(2, 0x55);
  t.ch.writeCommandBlock(3, 0xaa);
  assert.equal(status(t), 0);
  assert.equal(t.ch.readCommandBlock(2), 0x55);
  t.ch.writeCommandBlock(7, 0xec);
  settle(t);
  assert.equal(t.irq.rises, 0);
  assert.equal(t.ch.stats.ignoredCommands, 1);
  const empty = makeChannel(null);
  empty.ch.writeCommandBlock(2, 0x55);
  assert.equal(empty.ch.readCommandBlock(2), 0, 'a channel with no devices reads 0');
});

test('SET FEATURES transfer mode, power modes, READ VERIFY (ATA-6 SET FEATURES, CHECK POWER MODE, READ VERIFY SECTORS)', () => {
  const t = makeChannel(new AtaDisk(0, { store: diskImage(SECTORS) }));
  issue(t, 0xef, { feature: 0x03, count: 0x40 | 2 });
  settle(t);
  assert.equal(status(t), 0x50);
  let w = identify(t);
  assert.equal(w[88] & 0x3f00, 0x0400, 'UDMA mode 2 selected');
  assert.equal(w[63] & 0x0700, 0, 'no multiword DMA mode selected');
  issue(t, 0xef, { feature: 0x03, count: 0x20 | 1 });
  w = identify(t);
  assert.equal(w[63] & 0x0700, 0x0200, 'multiword DMA mode 1 selected');
  issue(t, 0xef, { feature: 0x03, count: 0x20 | 3 });
  settle(t);
  assert.equal(status(t) & 0x01, 0x01, 'MWDMA 3 does not exist');
  issue(t, 0xef, { feature: 0x77 });
  settle(t);
  assert.equal(t.ch.readCommandBlock(1), 0x04, 'unsupported subcommand');
  issue(t, 0xe5);
  settle(t);
  status(t);
  assert.equal(t.ch.readCommandBlock(2), 0xff, 'active or idle');
  issue(t, 0xe0);
  issue(t, 0xe5);
  assert.equal(t.ch.readCommandBlock(2), 0x00, 'standby');
  issue(t, 0x40, { count: 4, lbaLow: 8 });
  settle(t);
  assert.equal(status(t), 0x50);
  issue(t, 0x40, { count: 4, lbaLow: 0xff, lbaMid: 0xff, lbaHigh: 0xff, device: 0xef });
  settle(t);
  assert.equal(t.ch.readCommandBlock(1), 0x10, 'verify past the end: IDNF');
});

test('save and restore in the middle of a PIO read', () => {
  const store = diskImage(SECTORS);
  const a = makeChannel(new AtaDisk(0, { store }));
  issue(a, 0x20, { count: 2, lbaLow: 3 });
  settle(a);
  status(a);
  readPio16(a.ch, 100);
  const saved = a.ch.saveState();
  const b = makeChannel(new AtaDisk(0, { store }));
  b.ch.loadState(structuredClone(saved));
  const rest = readPio16(b.ch, 412);
  assert.equal(rest[0], patternByte(3, 100));
  settle(b);
  status(b);
  expectSectors(readPio16(b.ch, 512), 4);
  assert.throws(() => b.ch.loadState({ version: 9 }), /version/);
});

test('a MemoryBlockStore is usable as a disk of its size', () => {
  const disk = new AtaDisk(0, { store: new MemoryBlockStore(1024 * 1024) });
  assert.equal(disk.totalSectors, 2048);
  assert.deepEqual(disk.geometry, { cylinders: 2, heads: 16, sectors: 63 });
});
