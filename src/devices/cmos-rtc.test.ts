// MC146818A RTC/CMOS tests, driven only through the index/data ports with a hand-advanced clock.
// Section names refer to the Motorola MC146818A datasheet; CMOS layout to the IBM PC/AT technical
// reference as QEMU (hw/i386/pc.c pc_cmos_init) and SeaBIOS (src/fw/paravirt.c) use it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Clock } from '../bus/clock.js';
import { RecordingIrqLine } from '../bus/irq.js';
import { CmosRtc, biosCmosBytes, fillBiosCmos, cmosChecksum, CmosConfigError, periodicTicks } from './cmos-rtc.js';

const MS = 1_000_000;
const SEC = 1_000_000_000;

function setup(initialTime: Date | number = Date.UTC(2024, 1, 29, 13, 59, 58)) {
  const clock = new Clock();
  const irq = new RecordingIrqLine();
  const rtc = new CmosRtc({ clock, irq, initialTime });
  const rd = (i: number) => {
    rtc.writeIndex(i);
    return rtc.readData();
  };
  const wr = (i: number, v: number) => {
    rtc.writeIndex(i);
    rtc.writeData(v);
  };
  const time = () => [0, 2, 4, 6, 7, 8, 9, 0x32].map(rd);
  return { clock, irq, rtc, rd, wr, time };
}

test('power-on: register A = 0x26 (DV=010, RS=0110), B = 24h BCD, C clear, D VRT=1 (Registers A-D)', () => {
  const { rd } = setup();
  assert.equal(rd(0x0a), 0x26);
  assert.equal(rd(0x0b), 0x02);
  assert.equal(rd(0x0c), 0x00);
  assert.equal(rd(0x0d), 0x80);
});

test('BCD time and calendar registers 0-9 and century 0x32 (Time, Calendar and Alarm Data Modes table, DM=0)', () => {
  const { time } = setup();
  // 2024-02-29 13:59:58 was a Thursday: day of week 5 (Sunday = 1).
  assert.deepEqual(time(), [0x58, 0x59, 0x13, 0x05, 0x29, 0x02, 0x24, 0x20]);
});

test('binary data mode DM=1 shows the same time in binary (Register B DM, Data Modes table)', () => {
  const { wr, time } = setup();
  wr(0x0b, 0x06);
  assert.deepEqual(time(), [58, 59, 13, 5, 29, 2, 24, 20]);
});

test('12-hour mode: hours 1-12 with PM in bit 7, BCD and binary (Register B 24/12, Data Modes table)', () => {
  const cases: [number, number, number][] = [
    // [hour of day, BCD 12h, binary 12h]
    [0, 0x12, 0x0c],
    [1, 0x01, 0x01],
    [11, 0x11, 0x0b],
    [12, 0x92, 0x8c],
    [13, 0x81, 0x81],
    [23, 0x91, 0x8b],
  ];
  for (const [h, bcd, bin] of cases) {
    const { wr, rd } = setup(Date.UTC(2023, 5, 1, h, 30, 0));
    wr(0x0b, 0x00);
    assert.equal(rd(0x04), bcd, `BCD 12h for ${h}:30`);
    wr(0x0b, 0x04);
    assert.equal(rd(0x04), bin, `binary 12h for ${h}:30`);
  }
});

test('12-hour mode updates: 11:59:59 AM -> 12:00:00 PM, 11:59:59 PM -> 12:00:00 AM next day (Data Modes table)', () => {
  const { clock, wr, rd } = setup();
  wr(0x0b, 0x80); // SET, BCD, 12h
  wr(0x04, 0x91); // 11 PM
  wr(0x02, 0x59);
  wr(0x00, 0x59);
  wr(0x0b, 0x00); // run, still 12h
  assert.equal(rd(0x04), 0x91);
  clock.advance(SEC);
  assert.deepEqual([rd(0x04), rd(0x02), rd(0x00), rd(0x07), rd(0x08)], [0x12, 0x00, 0x00, 0x01, 0x03], '12 AM on 1 March');
  wr(0x0b, 0x80);
  wr(0x04, 0x11); // 11 AM
  wr(0x02, 0x59);
  wr(0x00, 0x59);
  wr(0x0b, 0x00);
  clock.advance(SEC);
  assert.equal(rd(0x04), 0x92, '12 PM');
});

test('once-per-second update carries seconds, minutes, hours, days, leap Feb 29, years and century (Update Cycle)', () => {
  const { clock, time } = setup(Date.UTC(2024, 1, 28, 23, 59, 59));
  clock.advance(SEC);
  assert.deepEqual(time(), [0x00, 0x00, 0x00, 0x05, 0x29, 0x02, 0x24, 0x20]);
  const b = setup(Date.UTC(2023, 1, 28, 23, 59, 59));
  b.clock.advance(SEC);
  assert.deepEqual(b.time().slice(3, 7), [0x04, 0x01, 0x03, 0x23]); // Wed 1 March 2023
  const c = setup(Date.UTC(1999, 11, 31, 23, 59, 59));
  c.clock.advance(SEC);
  assert.deepEqual(c.time(), [0x00, 0x00, 0x00, 0x07, 0x01, 0x01, 0x00, 0x20]); // Sat 1 Jan 2000
});

test('UIP is set only during the 244 µs before each update; the new second appears at the update (Register A UIP)', () => {
  const { clock, rd } = setup();
  // Updates fall at 1 s, 2 s, ... after power-on.
  clock.advance(SEC - 245_000);
  assert.equal(rd(0x0a) & 0x80, 0);
  assert.equal(rd(0x00), 0x58);
  clock.advance(2_000); // 243 µs before the update
  assert.equal(rd(0x0a) & 0x80, 0x80);
  assert.equal(rd(0x00), 0x58, 'registers still hold the old second while UIP=1');
  clock.advance(243_000);
  assert.equal(rd(0x0a) & 0x80, 0, 'UIP falls when the update is done');
  assert.equal(rd(0x00), 0x59);
  clock.advance(SEC - 200_000);
  assert.equal(rd(0x0a), 0xa6, 'UIP reads with DV/RS bits intact');
});

test('SET inhibits updates and UIP, clears UIE; clearing SET starts from the written time on the same divider phase (Register B SET/UIE)', () => {
  const { clock, rd, wr, time, irq } = setup();
  wr(0x0b, 0x92); // SET|UIE|24h
  assert.equal(rd(0x0b), 0x82, 'UIE is cleared when SET is written to one');
  clock.advance(5 * SEC - 100_000);
  assert.equal(rd(0x0a) & 0x80, 0, 'no UIP while SET');
  assert.equal(rd(0x00), 0x58, 'frozen');
  wr(0x00, 0x30);
  wr(0x02, 0x15);
  wr(0x04, 0x08);
  wr(0x07, 0x04);
  wr(0x08, 0x07);
  wr(0x09, 0x76);
  wr(0x32, 0x19);
  assert.equal(rd(0x00), 0x30, 'written values read back while SET');
  clock.advance(50_000); // now 4.99995 s
  wr(0x0b, 0x12); // run, UIE
  assert.equal(irq.level, false);
  clock.advance(49_999);
  assert.equal(rd(0x00), 0x30);
  clock.advance(1); // the divider's 5 s boundary
  assert.deepEqual(time(), [0x31, 0x15, 0x08, 0x01, 0x04, 0x07, 0x76, 0x19]); // Sun 4 July 1976
  assert.equal(irq.level, true, 'update-ended interrupt at the first update after SET');
});

test('a time write while running sets the time without moving the update phase', () => {
  const { clock, rd, wr } = setup();
  clock.advance(300 * MS);
  wr(0x00, 0x10);
  assert.equal(rd(0x00), 0x10);
  assert.equal(rd(0x02), 0x59);
  clock.advance(700 * MS - 1);
  assert.equal(rd(0x00), 0x10);
  clock.advance(1);
  assert.equal(rd(0x00), 0x11);
});

test('divider control: time runs only with DV=010; leaving reset, the first update comes 500 ms later (Register A DV2-0)', () => {
  const { clock, rd, wr } = setup();
  wr(0x0a, 0x76); // DV=111: divider reset
  clock.advance(10 * SEC);
  assert.equal(rd(0x00), 0x58);
  assert.equal(rd(0x0a), 0x76, 'no UIP in divider reset');
  wr(0x0a, 0x06); // DV=000 (4.194304 MHz time base): not the PC crystal, stays stopped
  clock.advance(10 * SEC);
  assert.equal(rd(0x00), 0x58);
  wr(0x0a, 0x26);
  clock.advance(500 * MS - 1);
  assert.equal(rd(0x00), 0x58);
  clock.advance(1);
  assert.equal(rd(0x00), 0x59);
  clock.advance(SEC);
  assert.equal(rd(0x01 + 1), 0x00, 'minute carried');
});

test('periodic rates: RS3-0 select 256/128 Hz, then 8192 Hz down to 2 Hz; RS=0 off (Periodic Interrupt Rate table)', () => {
  const expectHz = [0, 256, 128, 8192, 4096, 2048, 1024, 512, 256, 128, 64, 32, 16, 8, 4, 2];
  for (let rs = 0; rs < 16; rs++) {
    assert.equal(periodicTicks(rs) === 0 ? 0 : 32768 / periodicTicks(rs), expectHz[rs]);
    const { clock, rd, wr, irq } = setup();
    wr(0x0a, 0x20 | rs);
    wr(0x0b, 0x42); // PIE
    let n = 0;
    const step = 50_000; // 50 µs < the shortest period (122 µs)
    for (let t = 0; t < SEC; t += step) {
      clock.advance(step);
      if (irq.level) {
        assert.equal(rd(0x0c) & 0xc0, 0xc0, 'IRQF|PF');
        assert.equal(irq.level, false);
        n++;
      }
    }
    assert.equal(n, expectHz[rs], `RS=${rs}`);
  }
});

test('RS=6: the first periodic interrupt comes 976.5625 µs after the divider phase (Periodic Interrupt Rate table)', () => {
  const { clock, wr, irq } = setup();
  wr(0x0b, 0x42);
  clock.advance(976_562);
  assert.equal(irq.level, false);
  clock.advance(1);
  assert.equal(irq.level, true);
  assert.equal(irq.rises, 1);
});

test('PF rises with PIE clear (polled), without asserting IRQ; enabling PIE then asserts it (Register C PF, IRQF)', () => {
  const { clock, rd, wr, irq } = setup();
  clock.advance(2 * MS);
  assert.equal(irq.rises, 0);
  assert.equal(rd(0x0c) & 0xc0, 0x40, 'PF without IRQF');
  clock.advance(2 * MS);
  wr(0x0b, 0x42);
  assert.equal(irq.level, true, 'IRQF = PF·PIE');
  assert.equal(rd(0x0c) & 0xc0, 0xc0);
});

test('update-ended interrupt once per second with UIE; UF rises even without UIE (Register C UF)', () => {
  const { clock, rd, wr, irq } = setup();
  wr(0x0a, 0x20); // RS=0: no periodic flag in the way
  clock.advance(SEC);
  assert.equal(irq.rises, 0);
  assert.equal(rd(0x0c), 0x10, 'UF without IRQF');
  wr(0x0b, 0x12);
  for (let s = 0; s < 3; s++) {
    clock.advance(SEC - 1);
    assert.equal(irq.level, false);
    clock.advance(1);
    assert.equal(irq.level, true);
    assert.equal(rd(0x0c), 0x90, 'IRQF|UF');
  }
});

test('alarm interrupt when seconds, minutes and hours match the alarm bytes (Register B AIE, Register C AF)', () => {
  const { clock, rd, wr, irq } = setup(); // 13:59:58
  wr(0x0a, 0x20);
  wr(0x01, 0x05);
  wr(0x03, 0x00);
  wr(0x05, 0x14);
  wr(0x0b, 0x22); // AIE
  clock.advance(7 * SEC - 1); // up to 14:00:04
  assert.equal(irq.level, false);
  clock.advance(1); // 14:00:05
  assert.equal(irq.level, true);
  assert.equal(rd(0x0c), 0xb0, 'IRQF|AF|UF');
  clock.advance(SEC);
  assert.equal(irq.level, false, 'no alarm at 14:00:06');
  assert.equal(rd(0x0c), 0x10);
});

test('alarm "don\'t care" codes 0xC0-0xFF match any value: once a second, once a minute (Alarm)', () => {
  const a = setup();
  a.wr(0x01, 0xc0);
  a.wr(0x03, 0xff);
  a.wr(0x05, 0xd5);
  a.wr(0x0b, 0x22);
  for (let s = 0; s < 3; s++) {
    a.clock.advance(SEC);
    assert.equal(a.irq.level, true);
    assert.equal(a.rd(0x0c) & 0x20, 0x20);
  }
  const b = setup(); // 13:59:58
  b.wr(0x01, 0x30);
  b.wr(0x03, 0xc0);
  b.wr(0x05, 0xc0);
  b.wr(0x0b, 0x22);
  let hits = 0;
  for (let s = 0; s < 180; s++) {
    b.clock.advance(SEC);
    if (b.irq.level) {
      hits++;
      b.rd(0x0c);
    }
  }
  assert.equal(hits, 3, 'xx:xx:30 three times in three minutes');
});

test('alarm bytes 0x80-0xBF are compared, not "don\'t care": a 12-hour PM alarm hour matches only that hour (Alarm)', () => {
  const { clock, rd, wr, irq } = setup(); // 13:59:58
  wr(0x0a, 0x20);
  wr(0x0b, 0x20); // AIE, BCD, 12-hour
  assert.equal(rd(0x04), 0x81, '1 PM');
  wr(0x01, 0xc0);
  wr(0x03, 0xc0);
  wr(0x05, 0x81);
  clock.advance(SEC); // 1:59:59 PM
  assert.equal(irq.level, true);
  assert.equal(rd(0x0c), 0xb0);
  clock.advance(SEC); // 2:00:00 PM
  assert.equal(irq.level, false);
  assert.equal(rd(0x0c), 0x10);
});

test('an alarm passed while nobody looked sets AF lazily when register C is read', () => {
  const { clock, rd, wr } = setup(); // 13:59:58
  wr(0x0a, 0x20);
  wr(0x01, 0x00);
  wr(0x03, 0x30);
  wr(0x05, 0x15); // 15:30:00
  clock.advance(2 * 3600 * SEC);
  assert.equal(rd(0x0c), 0x30, 'AF|UF, no IRQF without AIE');
});

test('register C: read clears every flag and releases IRQ; IRQ does not re-edge while IRQF stays set (Register C)', () => {
  const { clock, rd, wr, irq } = setup();
  wr(0x0b, 0x52); // PIE|UIE
  clock.advance(SEC);
  assert.equal(irq.rises, 1, 'one edge however many events');
  assert.equal(rd(0x0c), 0xd0);
  assert.equal(irq.level, false);
  assert.equal(rd(0x0c), 0x00, 'second read: nothing pending');
  wr(0x0c, 0xff);
  assert.equal(rd(0x0c), 0x00, 'register C is read-only');
  wr(0x0d, 0x00);
  assert.equal(rd(0x0d), 0x80, 'register D is read-only, VRT=1');
  wr(0x0a, 0xa6);
  assert.equal(rd(0x0a) & 0x80, 0, 'UIP is read-only');
});

test('clearing an enable drops IRQF (IRQF = PF·PIE + AF·AIE + UF·UIE)', () => {
  const { clock, rd, wr, irq } = setup();
  wr(0x0a, 0x20);
  wr(0x0b, 0x12);
  clock.advance(SEC);
  assert.equal(irq.level, true);
  wr(0x0b, 0x02);
  assert.equal(irq.level, false);
  assert.equal(rd(0x0c), 0x10);
});

test('index port: bit 7 is the NMI mask, bits 6-0 select one of 128 bytes (PC/AT port 0x70)', () => {
  const { rtc } = setup();
  rtc.writeIndex(0x80 | 0x0b);
  assert.equal(rtc.nmiMasked, true);
  assert.equal(rtc.readData(), 0x02);
  rtc.writeIndex(0x0d);
  assert.equal(rtc.nmiMasked, false);
  assert.equal(rtc.readData(), 0x80);
  for (let i = 0x0e; i < 0x80; i++) {
    if (i === 0x32) continue;
    rtc.writeIndex(i);
    rtc.writeData((i * 7) & 0xff);
  }
  for (let i = 0x0e; i < 0x80; i++) {
    if (i === 0x32) continue;
    rtc.writeIndex(i | 0x80);
    assert.equal(rtc.readData(), (i * 7) & 0xff, `RAM byte 0x${i.toString(16)}`);
    assert.equal(rtc.nmiMasked, true);
  }
});

test('BIOS CMOS fields for 128 MiB + 2 GiB high RAM, a 1.44M floppy, one disk, boot "cd" (QEMU pc_cmos_init)', () => {
  const { rtc, rd } = setup();
  fillBiosCmos(rtc, {
    ramBelow4G: 128 * 1024 * 1024,
    ramAbove4G: 2 * 1024 * 1024 * 1024,
    floppies: ['1.44M'],
    disks: [{ cylinders: 1024, heads: 16, sectors: 63 }],
    bootOrder: 'cd',
  });
  assert.deepEqual([rd(0x15), rd(0x16)], [0x80, 0x02], 'base memory 640 KiB');
  assert.deepEqual([rd(0x17), rd(0x18)], [0xff, 0xff], 'extended memory capped at 0xFFFF KiB');
  assert.deepEqual([rd(0x30), rd(0x31)], [0xff, 0xff]);
  assert.deepEqual([rd(0x34), rd(0x35)], [0x00, 0x07], '(128-16) MiB = 1792 blocks of 64 KiB');
  assert.deepEqual([rd(0x5b), rd(0x5c), rd(0x5d)], [0x00, 0x80, 0x00], '2 GiB above 4 GiB = 0x8000 blocks');
  assert.equal(rd(0x10), 0x40, 'drive A: 1.44M (type 4) in the high nibble');
  assert.equal(rd(0x14), 0x07, 'equipment: floppy present, FPU, PS/2 mouse, one drive');
  assert.equal(rd(0x12), 0xf0, 'disk 0 uses the extended type byte');
  assert.equal(rd(0x19), 47, 'user-defined type 47');
  assert.deepEqual([0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23].map(rd), [0x00, 0x04, 16, 0xff, 0xff, 0xc8, 0x00, 0x04, 63]);
  assert.equal(rd(0x39), 0x01, 'LBA translation for disk 0');
  assert.equal(rd(0x3d), 0x32, 'first boot device c (2), second d (3)');
  assert.equal(rd(0x38), 0x00, 'no third device, floppy signature checked');
  assert.equal(rd(0x5f), 0, 'one CPU');
  const sum = cmosChecksum(rd);
  assert.equal((rd(0x2e) << 8) | rd(0x2f), sum, 'checksum over 0x10-0x2D, high byte at 0x2E');
  let manual = 0;
  for (let i = 0x10; i <= 0x2d; i++) manual += rd(i);
  assert.equal(sum, manual);
  assert.equal(rd(0x32), 0x20, 'century untouched');
});

test('BIOS CMOS memory fields for 32 MiB and for less than 1 MiB (SeaBIOS qemu_preinit reads them back)', () => {
  const m = biosCmosBytes({ ramBelow4G: 32 * 1024 * 1024 });
  assert.equal(m.get(0x17)! | (m.get(0x18)! << 8), 31 * 1024);
  assert.equal(m.get(0x34)! | (m.get(0x35)! << 8), 256);
  // SeaBIOS: RamSize = (0x34 | 0x35 << 8) << 16 + 16 MiB when non-zero.
  assert.equal(((m.get(0x34)! << 16) | (m.get(0x35)! << 24)) + 16 * 1024 * 1024, 32 * 1024 * 1024);
  const s = biosCmosBytes({ ramBelow4G: 512 * 1024 });
  assert.deepEqual([s.get(0x15), s.get(0x16), s.get(0x17), s.get(0x34)], [0x00, 0x02, 0, 0]);
  const two = biosCmosBytes({ ramBelow4G: 1 << 24, floppies: ['1.44M', '2.88M'], bootOrder: 'cdn', floppySignatureCheck: false, fpu: false, ps2Mouse: false });
  assert.equal(two.get(0x10), 0x45);
  assert.equal(two.get(0x14), 0x41, 'two drives: bits 7-6 = 01 and bit 0');
  assert.equal(two.get(0x3d), 0x32);
  assert.equal(two.get(0x38), 0x41, 'third device n (4) in bits 7-4, bit 0 skips the signature check');
});

test('BIOS CMOS configuration errors name the bad value', () => {
  assert.throws(() => biosCmosBytes({ ramBelow4G: 1 << 20, bootOrder: 'x' }), CmosConfigError);
  assert.throws(() => biosCmosBytes({ ramBelow4G: 1 << 20, bootOrder: 'cdna' }), /more than three/);
  assert.throws(() => biosCmosBytes({ ramBelow4G: 1 << 20, floppies: ['3M' as never] }), /unknown floppy type/);
  assert.throws(() => biosCmosBytes({ ramBelow4G: 1 << 20, disks: [{ cylinders: 0, heads: 1, sectors: 1 }] }), /geometry/);
});

test('reset (RESET pin) clears PIE/AIE/UIE/SQWE and register C, keeps time, DM and RAM', () => {
  const { clock, rtc, rd, wr, irq } = setup();
  wr(0x0b, 0x7e); // PIE AIE UIE SQWE DM 24h
  wr(0x40, 0x5a);
  clock.advance(SEC);
  assert.equal(irq.level, true);
  rtc.reset();
  assert.equal(irq.level, false);
  assert.equal(rd(0x0b), 0x06);
  assert.equal(rd(0x0c), 0x00);
  assert.equal(rd(0x00), 59, 'time kept (binary mode kept)');
  assert.equal(rd(0x40), 0x5a);
  assert.equal(rd(0x0a), 0x26);
});

test('save/restore mid-period reproduces register reads and interrupts exactly', () => {
  const a = setup();
  a.wr(0x0a, 0x2c); // 16 Hz
  a.wr(0x0b, 0x72); // PIE AIE UIE
  a.wr(0x01, 0xc0);
  a.wr(0x03, 0xc0);
  a.wr(0x05, 0xc0);
  a.clock.advance(1_234_567_891);
  a.wr(0x70, 0x99);
  const clockState = a.clock.saveState();
  const rtcState = a.rtc.saveState();
  const b = setup(0);
  b.clock.loadState(clockState);
  b.rtc.loadState(rtcState);
  assert.equal(b.irq.level, a.irq.level);
  const log = (s: ReturnType<typeof setup>) => {
    const out: number[] = [];
    for (let i = 0; i < 200; i++) {
      s.clock.advance(7_777_777);
      out.push(s.irq.level ? s.rd(0x0c) : -1, s.rd(0x00), s.rd(0x0a));
    }
    out.push(s.rd(0x70));
    return out;
  };
  assert.deepEqual(log(b), log(a));
  assert.throws(() => b.rtc.loadState({ version: 99 }), /version/);
});

test('register fuzz: random index/data traffic and time never throws and keeps invariants', () => {
  const { clock, rtc, irq } = setup();
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  for (let i = 0; i < 50_000; i++) {
    switch (rnd(5)) {
      case 0:
        rtc.writeIndex(rnd(256));
        break;
      case 1:
        rtc.writeData(rnd(256));
        break;
      case 2: {
        const v = rtc.readData();
        assert.ok(Number.isInteger(v) && v >= 0 && v <= 0xff);
        break;
      }
      case 3:
        clock.advance(rnd(3) === 0 ? rnd(3 * SEC) : rnd(200_000));
        break;
      default:
        rtc.writeIndex(0x0c);
        assert.equal(rtc.readData() & 0x0f, 0, 'register C bits 3-0 read 0');
    }
    assert.equal(irq.level, rtc.irqAsserted);
  }
  rtc.writeIndex(0x0d);
  assert.equal(rtc.readData(), 0x80);
});
