// Register fuzz test (in the manner of QEMU's qtest fuzzers): random accesses to every register of
// a channel with a disk and a CD-ROM and to the bus master never throw into the host, and the
// channel's state still saves and restores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhysicalMemory } from '../../memory/physical-memory.js';
import { AtaDisk } from './ata-disk.js';
import { AtapiCdrom } from './atapi-cdrom.js';
import { BusMaster } from './bus-master.js';
import { diskImage, isoImage, makeChannel } from './testing.js';
import { xorshift32 as rng } from '../../bus/xorshift.js';


const COMMANDS = [
  0x00, 0x08, 0x10, 0x20, 0x21, 0x24, 0x25, 0x29, 0x30, 0x34, 0x35, 0x39, 0x40, 0x42, 0x70, 0x90, 0x91, 0xa0, 0xa1,
  0xc4, 0xc5, 0xc6, 0xc8, 0xca, 0xe0, 0xe1, 0xe5, 0xe7, 0xea, 0xec, 0xef,
];
const PACKET_OPS = [0x00, 0x03, 0x12, 0x1b, 0x1e, 0x25, 0x28, 0x2b, 0x43, 0x46, 0x4a, 0x51, 0x5a, 0xa8, 0xbb, 0xbd, 0xbe];

for (const seed of [1, 0xdeadbeef, 12345]) {
  test(`random register traffic never throws (seed ${seed})`, () => {
    const mem = new PhysicalMemory(1 << 20);
    const t = makeChannel(new AtaDisk(0, { store: diskImage(2048) }), new AtapiCdrom(1, { store: isoImage(40) }));
    const bm = new BusMaster({ memory: mem, primary: t.ch, secondary: null });
    const next = rng(seed);
    assert.doesNotThrow(() => {
      for (let i = 0; i < 100_000; i++) {
        const r = next();
        const v = next();
        switch (r % 12) {
          case 0:
            t.ch.writeCommandBlock(v & 7, v >>> 8);
            break;
          case 1:
            t.ch.writeCommandBlock(7, COMMANDS[(v >>> 8) % COMMANDS.length]);
            break;
          case 2:
            t.ch.readCommandBlock(v & 7);
            break;
          case 3:
            t.ch.readData16();
            t.ch.readData32();
            break;
          case 4:
            // Often a plausible command packet word.
            t.ch.writeData16(v & 1 ? PACKET_OPS[(v >>> 8) % PACKET_OPS.length] : v >>> 16);
            break;
          case 5:
            t.ch.writeData32(v);
            break;
          case 6:
            // SRST rarely, so commands get a chance to run.
            t.ch.writeControl(v & 0xff & ((v >>> 8) % 16 === 0 ? 0xff : ~0x04));
            t.ch.readControl();
            break;
          case 7:
            bm.write8(v & 15, v >>> 8);
            break;
          case 8:
            bm.read8(v & 15);
            bm.read32(v & 12);
            break;
          case 9:
            // A PRD table in RAM, sometimes pointing outside it.
            mem.write32(0x2000, v & 1 ? (v & 0xff000) : v);
            mem.write32(0x2004, 0x80000000 | (next() & 0x3ffe));
            bm.write32(4, 0x2000);
            break;
          case 10:
            t.clock.advance(v % 5000);
            break;
          case 11:
            if (v % 64 === 0) t.ch.loadState(structuredClone(t.ch.saveState()));
            break;
        }
      }
    });
    assert.ok(t.irq.rises > 0, 'the fuzzer reached commands that interrupt');
  });
}
