// Helpers for the ATA/ATAPI unit tests: a channel on a manual clock with a recording IRQ line,
// and images with a recognisable pattern. No Node APIs (it is part of the core build).

import { Clock } from '../../bus/clock.js';
import { RecordingIrqLine } from '../../bus/irq.js';
import { CD_SECTOR_SIZE, DISK_SECTOR_SIZE, MemoryBlockStore } from '../block/block-store.js';
import { DEFAULT_IRQ_DELAY_NS, IdeChannel } from './ide-channel.js';
import type { IdeDrive } from './ide-drive.js';

export interface TestChannel {
  clock: Clock;
  irq: RecordingIrqLine;
  ch: IdeChannel;
  log: string[];
}

export function makeChannel(master: IdeDrive | null, slave: IdeDrive | null = null): TestChannel {
  const clock = new Clock();
  const irq = new RecordingIrqLine();
  const log: string[] = [];
  const ch = new IdeChannel({ irq, clock, master, slave, log: (m) => log.push(m) });
  return { clock, irq, ch, log };
}

/** Lets the channel's interrupt timer fire. */
export function settle(t: TestChannel): void {
  t.clock.advance(DEFAULT_IRQ_DELAY_NS);
}

/** Byte `i` of sector `s` in the test pattern: the sector number in bytes 0-3, then a ramp. */
export function patternByte(sector: number, i: number): number {
  if (i < 4) return (sector >>> (8 * i)) & 0xff;
  return (sector * 7 + i) & 0xff;
}

export function diskImage(sectors: number, readOnly = false): MemoryBlockStore {
  const data = new Uint8Array(sectors * DISK_SECTOR_SIZE);
  for (let s = 0; s < sectors; s++) {
    for (let i = 0; i < DISK_SECTOR_SIZE; i++) data[s * DISK_SECTOR_SIZE + i] = patternByte(s, i);
  }
  return new MemoryBlockStore(data, readOnly, 'test.img');
}

/** An ISO-shaped image: pattern sectors of 2048 bytes with "CD001" in the volume descriptor. */
export function isoImage(sectors: number): MemoryBlockStore {
  const data = new Uint8Array(sectors * CD_SECTOR_SIZE);
  for (let s = 0; s < sectors; s++) {
    for (let i = 0; i < CD_SECTOR_SIZE; i++) data[s * CD_SECTOR_SIZE + i] = patternByte(s, i);
  }
  const pvd = 16 * CD_SECTOR_SIZE;
  data[pvd] = 1;
  for (let i = 0; i < 5; i++) data[pvd + 1 + i] = 'CD001'.charCodeAt(i);
  return new MemoryBlockStore(data, true, 'test.iso');
}

/** Reads `bytes` bytes through the 16-bit Data register. */
export function readPio16(ch: IdeChannel, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i += 2) {
    const w = ch.readData16();
    out[i] = w & 0xff;
    out[i + 1] = w >>> 8;
  }
  return out;
}

/** Reads `bytes` bytes through the 32-bit Data register. */
export function readPio32(ch: IdeChannel, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i += 4) {
    const d = ch.readData32();
    out[i] = d & 0xff;
    out[i + 1] = (d >>> 8) & 0xff;
    out[i + 2] = (d >>> 16) & 0xff;
    out[i + 3] = d >>> 24;
  }
  return out;
}

export function writePio16(ch: IdeChannel, data: Uint8Array): void {
  for (let i = 0; i < data.length; i += 2) ch.writeData16(data[i] | (data[i + 1] << 8));
}

export function writePio32(ch: IdeChannel, data: Uint8Array): void {
  for (let i = 0; i < data.length; i += 4) {
    ch.writeData32((data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)) >>> 0);
  }
}

/** Identify data as 256 words. */
export function wordsOf(bytes: Uint8Array): Uint16Array {
  const w = new Uint16Array(bytes.length / 2);
  for (let i = 0; i < w.length; i++) w[i] = bytes[2 * i] | (bytes[2 * i + 1] << 8);
  return w;
}

/** Decodes an ATA string (first character in the high byte of each word). */
export function ataString(words: Uint16Array, first: number, count: number): string {
  let s = '';
  for (let i = 0; i < count; i++) s += String.fromCharCode(words[first + i] >>> 8, words[first + i] & 0xff);
  return s;
}
