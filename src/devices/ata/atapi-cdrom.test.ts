// ATAPI CD-ROM tests: the PACKET command and protocol of ATA/ATAPI-6 and MMC-3/SPC-3 commands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AtapiCdrom } from './atapi-cdrom.js';
import { ataString, isoImage, makeChannel, patternByte, readPio16, settle, type TestChannel, wordsOf } from './testing.js';

const SECTORS = 64;

function cdrom(store = isoImage(SECTORS)): TestChannel {
  return makeChannel(new AtapiCdrom(0, { store }));
}

/** Writes PACKET (A0h) with a byte count limit, then the 12-byte command packet. */
function packet(t: TestChannel, cdb: number[], limit = 0xfffe, dma = false): void {
  const ch = t.ch;
  ch.writeCommandBlock(6, 0xa0);
  ch.writeCommandBlock(1, dma ? 1 : 0);
  ch.writeCommandBlock(4, limit & 0xff);
  ch.writeCommandBlock(5, limit >>> 8);
  ch.writeCommandBlock(7, 0xa0);
  const bytes = new Uint8Array(12);
  bytes.set(cdb);
  for (let i = 0; i < 12; i += 2) ch.writeData16(bytes[i] | (bytes[i + 1] << 8));
}

interface Result {
  data: Uint8Array;
  status: number;
  error: number;
  reason: number;
  chunks: number[];
}

/** Follows the data-in phase to completion (ATA-6 PACKET command protocol): each DRQ chunk is announced by an interrupt. */
function collect(t: TestChannel): Result {
  const parts: number[] = [];
  const chunks: number[] = [];
  for (let guard = 0; guard < 1000; guard++) {
    const rises = t.irq.rises;
    settle(t);
    assert.equal(t.irq.rises, rises + 1, 'each phase change is announced by an interrupt');
    const status = t.ch.readCommandBlock(7);
    const reason = t.ch.readCommandBlock(2) & 3;
    if (!(status & 0x08)) {
      return { data: Uint8Array.from(parts), status, error: t.ch.readCommandBlock(1), reason, chunks };
    }
    assert.equal(reason, 0x02, 'data to the host: IO=1, CoD=0');
    const n = t.ch.readCommandBlock(4) | (t.ch.readCommandBlock(5) << 8);
    chunks.push(n);
    parts.push(...readPio16(t.ch, n + (n & 1)).subarray(0, n));
  }
  throw new Error('no completion');
}

function run(t: TestChannel, cdb: number[], limit = 0xfffe): Result {
  packet(t, cdb, limit);
  return collect(t);
}

function requestSense(t: TestChannel): [number, number, number] {
  const r = run(t, [0x03, 0, 0, 0, 18]);
  assert.equal(r.data.length, 18);
  assert.equal(r.data[0], 0x70, 'fixed format, current error (SPC-3 fixed format sense data)');
  return [r.data[2] & 0x0f, r.data[12], r.data[13]];
}

test('PACKET protocol: DRQ with CoD=1 and no interrupt for the packet, then data and status phases (ATA-6 PACKET command protocol)', () => {
  const t = cdrom();
  t.ch.writeCommandBlock(6, 0xa0);
  t.ch.writeCommandBlock(4, 0x00);
  t.ch.writeCommandBlock(5, 0x08);
  t.ch.writeCommandBlock(7, 0xa0);
  settle(t);
  assert.equal(t.irq.rises, 0, 'DRQ type 10b: no interrupt for the command packet');
  assert.equal(t.ch.readControl() & 0x88, 0x08, 'BSY=0, DRQ=1');
  assert.equal(t.ch.readCommandBlock(2) & 3, 0x01, 'CoD=1, IO=0: host to device, command');
  const cdb = [0x12, 0, 0, 0, 36, 0, 0, 0, 0, 0, 0, 0]; // INQUIRY
  for (let i = 0; i < 12; i += 2) t.ch.writeData16(cdb[i] | (cdb[i + 1] << 8));
  const r = collect(t);
  assert.equal(r.data.length, 36);
  assert.equal(r.data[0], 0x05, 'peripheral device type 05h: CD/DVD (SPC-3 standard INQUIRY data)');
  assert.equal(r.data[1], 0x80, 'removable');
  assert.equal(String.fromCharCode(...r.data.subarray(8, 16)), 'RINGMSTR');
  assert.equal(r.reason, 0x03, 'completion: IO=1, CoD=1');
  assert.equal(r.status & 0xc9, 0x40, 'DRDY, no BSY/DRQ/CHK');
});

test('IDENTIFY PACKET DEVICE (ATA-6 IDENTIFY PACKET DEVICE data)', () => {
  const t = cdrom();
  t.ch.writeCommandBlock(7, 0xa1);
  settle(t);
  assert.equal(t.irq.level, true);
  t.ch.readCommandBlock(7);
  const w = wordsOf(readPio16(t.ch, 512));
  assert.equal(w[0] >> 14, 2, 'ATAPI device');
  assert.equal((w[0] >> 8) & 0x1f, 5, 'command packet set: CD-ROM');
  assert.equal(w[0] & 0x80, 0x80, 'removable');
  assert.equal(w[0] & 0x03, 0, '12-byte packets');
  assert.equal(w[49] & 0x0300, 0x0300, 'LBA and DMA');
  assert.equal(w[82] & 0x10, 0x10, 'PACKET feature set');
  assert.equal(ataString(w, 27, 20).trimEnd(), 'Ringmaster DVD-ROM');
});

test('READ(10) of 2048-byte sectors, split by the byte count limit (MMC-3 READ(10); ATA-6 PACKET byte count limit)', () => {
  const t = cdrom();
  const r = run(t, [0x28, 0, 0, 0, 0, 16, 0, 0, 3, 0], 2048);
  assert.deepEqual(r.chunks, [2048, 2048, 2048]);
  for (let s = 0; s < 3; s++) {
    for (let i = 6; i < 2048; i += 101) assert.equal(r.data[s * 2048 + i], patternByte(16 + s, i));
  }
  assert.equal(String.fromCharCode(...r.data.subarray(1, 6)), 'CD001');
  const big = run(t, [0x28, 0, 0, 0, 0, 20, 0, 0, 40, 0]);
  assert.deepEqual(big.chunks, [0xfffe, 40 * 2048 - 0xfffe], 'chunks at most the limit, even');
  assert.equal(big.data[39 * 2048 + 4], patternByte(59, 4));
  const odd = run(t, [0x28, 0, 0, 0, 0, 20, 0, 0, 1, 0], 999);
  assert.deepEqual(odd.chunks, [998, 998, 52], 'an odd limit gives even chunks except the last');
  assert.equal(run(t, [0x12, 0, 0, 0, 36], 1).chunks.length, 18, 'a limit of 1 moves a word per chunk');
  const r12 = run(t, [0xa8, 0, 0, 0, 0, 63, 0, 0, 0, 1, 0, 0]);
  assert.equal(r12.data.length, 2048, 'READ(12)');
  assert.equal(r12.data[0], 63);
});

test('READ CAPACITY: last LBA and 2048-byte blocks (MMC-3 READ CAPACITY)', () => {
  const r = run(cdrom(), [0x25]);
  assert.deepEqual([...r.data], [0, 0, 0, SECTORS - 1, 0, 0, 0x08, 0x00]);
});

test('an error: CHK, sense key in the Error register, and REQUEST SENSE reports then clears it (ATA-6 PACKET error outputs; SPC-3 REQUEST SENSE)', () => {
  const t = cdrom();
  const r = run(t, [0x28, 0, 0, 0, 0, SECTORS, 0, 0, 1, 0]);
  assert.equal(r.status & 0x01, 0x01, 'CHK');
  assert.equal(r.error >> 4, 0x05, 'ILLEGAL REQUEST');
  assert.equal(r.reason, 0x03);
  assert.deepEqual(requestSense(t), [0x05, 0x21, 0x00], 'LOGICAL BLOCK ADDRESS OUT OF RANGE');
  assert.deepEqual(requestSense(t), [0x00, 0x00, 0x00], 'cleared');
  const bad = run(t, [0xff]);
  assert.equal(bad.error >> 4, 0x05);
  assert.deepEqual(requestSense(t), [0x05, 0x20, 0x00], 'INVALID COMMAND OPERATION CODE');
});

test('READ TOC formats 0 (LBA and MSF) and 1 (MMC-3 READ TOC/PMA/ATIP)', () => {
  const t = cdrom();
  const lba = run(t, [0x43, 0, 0, 0, 0, 0, 0, 0, 100, 0]).data;
  assert.equal((lba[0] << 8) | lba[1], 18, 'TOC data length');
  assert.deepEqual([lba[2], lba[3]], [1, 1], 'first and last track');
  assert.deepEqual([...lba.subarray(4, 12)], [0, 0x14, 1, 0, 0, 0, 0, 0], 'track 1: data track at LBA 0');
  assert.deepEqual([...lba.subarray(12, 20)], [0, 0x14, 0xaa, 0, 0, 0, 0, SECTORS], 'lead-out at the capacity');
  const msf = run(t, [0x43, 0x02, 0, 0, 0, 0, 0, 0, 100, 0]).data;
  assert.deepEqual([...msf.subarray(8, 12)], [0, 0, 2, 0], 'track 1 at 00:02:00');
  const leadOut = SECTORS + 150;
  assert.deepEqual([...msf.subarray(16, 20)], [0, Math.floor(leadOut / 4500), Math.floor(leadOut / 75) % 60, leadOut % 75]);
  const onlyLeadOut = run(t, [0x43, 0, 0, 0, 0, 0, 0xaa, 0, 100, 0]).data;
  assert.equal(onlyLeadOut.length, 12);
  const session = run(t, [0x43, 0, 1, 0, 0, 0, 0, 0, 12, 0]).data;
  assert.deepEqual([...session], [0, 10, 1, 1, 0, 0x14, 1, 0, 0, 0, 0, 0], 'one session, first track 1 at LBA 0');
  const truncated = run(t, [0x43, 0, 0, 0, 0, 0, 0, 0, 4, 0]);
  assert.equal(truncated.data.length, 4, 'cut to the allocation length');
  const bad = run(t, [0x43, 0, 0, 0, 0, 0, 5, 0, 100, 0]);
  assert.equal(bad.status & 1, 1, 'no track 5');
});

test('no disc: NOT READY / MEDIUM NOT PRESENT; INQUIRY still works (SPC-3 sense keys; MMC-3 medium not present)', () => {
  const t = makeChannel(new AtapiCdrom(0, { store: null }));
  const r = run(t, [0x00]);
  assert.equal(r.error >> 4, 0x02);
  assert.deepEqual(requestSense(t), [0x02, 0x3a, 0x01]);
  assert.equal(run(t, [0x12, 0, 0, 0, 36]).status & 1, 0);
  assert.equal(run(t, [0x25]).error >> 4, 0x02);
});

test('a disc inserted: UNIT ATTENTION once, then ready; GET EVENT STATUS reports new media once (SPC-3 unit attention; MMC-3 GET EVENT STATUS NOTIFICATION)', () => {
  const drive = new AtapiCdrom(0, { store: null });
  const t = makeChannel(drive);
  drive.insertMedia(isoImage(SECTORS));
  assert.equal(run(t, [0x12, 0, 0, 0, 36]).status & 1, 0, 'INQUIRY does not report unit attention');
  const ev = run(t, [0x4a, 0x01, 0, 0, 0x10, 0, 0, 0, 8, 0]).data;
  assert.deepEqual([...ev], [0, 6, 0x04, 0x10, 0x02, 0x02, 0, 0], 'media class: NewMedia, media present');
  const ev2 = run(t, [0x4a, 0x01, 0, 0, 0x10, 0, 0, 0, 8, 0]).data;
  assert.equal(ev2[4], 0, 'reported once');
  const tur = run(t, [0x00]);
  assert.equal(tur.error >> 4, 0x06, 'UNIT ATTENTION');
  assert.deepEqual(requestSense(t), [0x06, 0x28, 0x00], 'NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED');
  assert.equal(run(t, [0x00]).status & 1, 0, 'then ready');
  assert.equal(run(t, [0x4a, 0x00, 0, 0, 0x10, 0, 0, 0, 8, 0]).status & 1, 1, 'asynchronous GESN is not supported');
});

test('GET CONFIGURATION: current profile CD-ROM, RT=2 returns one feature (MMC-3 GET CONFIGURATION, features)', () => {
  const t = cdrom();
  const all = run(t, [0x46, 0, 0, 0, 0, 0, 0, 0x04, 0, 0]).data;
  assert.equal((all[6] << 8) | all[7], 0x0008);
  assert.equal(((all[0] << 24) | (all[1] << 16) | (all[2] << 8) | all[3]) + 4, all.length);
  assert.deepEqual([all[8], all[9]], [0, 0], 'first descriptor: Profile List');
  const core = run(t, [0x46, 0x02, 0, 1, 0, 0, 0, 0, 0xff, 0]).data;
  assert.equal(core.length, 16);
  assert.deepEqual([core[8], core[9], core[15]], [0, 1, 2], 'Core feature, ATAPI interface');
  const empty = makeChannel(new AtapiCdrom(0, { store: null }));
  const none = run(empty, [0x46, 0, 0, 0, 0, 0, 0, 0, 8, 0]).data;
  assert.equal((none[6] << 8) | none[7], 0, 'no current profile without a disc');
});

test('MODE SENSE(10) page 2Ah, READ DISC/TRACK INFORMATION, MECHANISM STATUS (MMC-3 capabilities page and those commands)', () => {
  const t = cdrom();
  const ms = run(t, [0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 128, 0]).data;
  assert.equal(ms.length, 30);
  assert.equal((ms[0] << 8) | ms[1], 28, 'mode data length');
  assert.deepEqual([ms[8], ms[9]], [0x2a, 20]);
  assert.equal(run(t, [0x5a, 0, 0xc0 | 0x2a, 0, 0, 0, 0, 0, 128, 0]).status & 1, 1, 'saved values are not supported');
  const di = run(t, [0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0]).data;
  assert.equal(di.length, 34);
  assert.equal(di[2] & 0x03, 0x02, 'disc status: complete');
  const ti = run(t, [0x52, 0x01, 0, 0, 0, 1, 0, 0, 36, 0]).data;
  assert.equal(ti.length, 36, 'READ TRACK INFORMATION for track 1');
  assert.equal((ti[24] << 24) | (ti[25] << 16) | (ti[26] << 8) | ti[27], SECTORS, 'track size');
  assert.equal(run(t, [0x52, 0x01, 0, 0, 0, 2, 0, 0, 36, 0]).status & 1, 1, 'no track 2');
  const mech = run(t, [0xbd, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0]).data;
  assert.equal(mech.length, 8);
  assert.equal(run(t, [0xbb, 0, 0xff, 0xff]).status & 1, 0, 'SET CD SPEED accepted');
});

test('PREVENT ALLOW MEDIUM REMOVAL blocks START STOP UNIT eject (MMC-3 PREVENT ALLOW MEDIUM REMOVAL, START STOP UNIT)', () => {
  const t = cdrom();
  run(t, [0x1e, 0, 0, 0, 1]);
  assert.equal(run(t, [0x1b, 0, 0, 0, 0x02]).error >> 4, 0x05);
  assert.deepEqual(requestSense(t), [0x05, 0x53, 0x02]);
  run(t, [0x1e, 0, 0, 0, 0]);
  assert.equal(run(t, [0x1b, 0, 0, 0, 0x02]).status & 1, 0, 'ejected');
  assert.equal(run(t, [0x00]).error >> 4, 0x02);
  assert.deepEqual(requestSense(t), [0x02, 0x3a, 0x02], 'medium not present, tray open');
  run(t, [0x1b, 0, 0, 0, 0x03]);
  assert.equal(run(t, [0x00]).status & 1, 0, 'loaded again');
});

test('DEVICE RESET (08h) is accepted while the device waits for a packet, without an interrupt (ATA-6 DEVICE RESET)', () => {
  const t = cdrom();
  t.ch.writeCommandBlock(7, 0xa0);
  t.ch.writeCommandBlock(7, 0xec); // ignored: DRQ is set
  assert.equal(t.ch.stats.ignoredCommands, 1);
  t.ch.writeCommandBlock(7, 0x08);
  settle(t);
  assert.equal(t.irq.rises, 0);
  assert.equal(t.ch.readControl() & 0x88, 0);
  assert.deepEqual([t.ch.readCommandBlock(4), t.ch.readCommandBlock(5)], [0x14, 0xeb]);
});
