// Tests of the 8254 PIT driven only through its registers (offsets 0-3, port B) on a
// deterministic Clock. Section names cite the Intel 82C54 datasheet (231244).
// Timing convention: pulse k of the 1.193182 MHz clock occurs at nsAtPitTick(k); a count
// written between pulses c and c+1 is loaded by pulse c+1, which does not decrement it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Clock } from '../bus/clock.js';
import { RecordingIrqLine } from '../bus/irq.js';
import { StateVersionError } from '../bus/device.js';
import { Pit8254, PIT_HZ, nsAtPitTick, pitTicksAt } from './pit8254.js';
import { Pic8259Pair } from './pic8259.js';

interface Rig {
  clock: Clock;
  irq: RecordingIrqLine;
  pit: Pit8254;
  /** Moves virtual time to pulse `tick` (absolute). */
  at(tick: number): void;
}

function rig(): Rig {
  const clock = new Clock();
  const irq = new RecordingIrqLine();
  const pit = new Pit8254({ clock, irq0: irq });
  const at = (tick: number): void => {
    const ns = nsAtPitTick(tick);
    if (ns < clock.now()) throw new Error(`test error: pulse ${tick} is in the past`);
    clock.advance(ns - clock.now());
  };
  return { clock, irq, pit, at };
}

/** Control word: counter, RW (1 LSB, 2 MSB, 3 both), mode, BCD. */
const cw = (sc: number, rw: number, mode: number, bcd = 0): number => (sc << 6) | (rw << 4) | (mode << 1) | bcd;

function program(pit: Pit8254, sc: number, mode: number, count: number, bcd = 0): void {
  pit.write(3, cw(sc, 3, mode, bcd));
  pit.write(sc, count & 0xff);
  pit.write(sc, (count >> 8) & 0xff);
}

/** Reads a LSB-then-MSB counter without latching. */
function readWord(pit: Pit8254, sc: number): number {
  const lo = pit.read(sc);
  return lo | (pit.read(sc) << 8);
}

/** Read-Back Command latching only the status of counter `sc`, then reads it. */
function status(pit: Pit8254, sc: number): number {
  pit.write(3, 0xe0 | (2 << sc));
  return pit.read(sc);
}
const out = (pit: Pit8254, sc: number): boolean => (status(pit, sc) & 0x80) !== 0;
const nullCount = (pit: Pit8254, sc: number): boolean => (status(pit, sc) & 0x40) !== 0;

/** Samples OUT (status bit 7) at each listed pulse. */
function waveform(r: Rig, sc: number, from: number, to: number): string {
  let s = '';
  for (let t = from; t <= to; t++) {
    r.at(t);
    s += out(r.pit, sc) ? 'H' : 'L';
  }
  return s;
}

test('the PIT clock is 1.193182 MHz and tick/ns conversion is exact for long runs', () => {
  assert.equal(pitTicksAt(1e9), PIT_HZ);
  assert.equal(pitTicksAt(nsAtPitTick(1)), 1);
  assert.equal(pitTicksAt(nsAtPitTick(1) - 1), 0);
  const day = 86_400 * PIT_HZ + 12345;
  assert.equal(pitTicksAt(nsAtPitTick(day)), day);
  assert.equal(pitTicksAt(nsAtPitTick(day) - 1), day - 1);
});

test('"Mode 0": OUT low after the control word, high N+1 pulses after the count is written; CE wraps', () => {
  const r = rig();
  r.pit.write(3, cw(0, 3, 0));
  assert.equal(out(r.pit, 0), false);
  assert.equal(r.irq.level, false);
  r.pit.write(0, 5);
  r.pit.write(0, 0);
  assert.equal(nullCount(r.pit, 0), true, 'count not yet loaded into the CE');
  r.at(1);
  assert.equal(nullCount(r.pit, 0), false, 'loaded by the next CLK pulse');
  assert.equal(readWord(r.pit, 0), 5, 'the loading pulse does not decrement');
  const ce: number[] = [];
  let wave = '';
  for (let t = 2; t <= 8; t++) {
    r.at(t);
    ce.push(readWord(r.pit, 0));
    wave += out(r.pit, 0) ? 'H' : 'L';
  }
  assert.deepEqual(ce, [4, 3, 2, 1, 0, 0xffff, 0xfffe], 'counting continues after terminal count');
  assert.equal(wave, 'LLLLHHH');
  r.at(1000);
  assert.equal(out(r.pit, 0), true, 'OUT stays high until a new count or control word');
});

test('"Mode 0" on IRQ0: one rising edge exactly at terminal count, no timer left armed', () => {
  const r = rig();
  program(r.pit, 0, 0, 1000);
  r.clock.advance(nsAtPitTick(1001) - 1);
  assert.equal(r.irq.rises, 0);
  r.clock.advance(1);
  assert.equal(r.irq.rises, 1);
  assert.equal(r.irq.level, true);
  assert.equal(r.clock.untilNextDeadline(), Infinity);
  r.clock.advance(1e9);
  assert.equal(r.irq.rises, 1);
  // A new count sets OUT low again ("remains high until a new count ... is written").
  program(r.pit, 0, 0, 10);
  assert.equal(r.irq.level, false);
});

test('"Mode 0": writing the first byte of a two-byte count stops counting and sets OUT low', () => {
  const r = rig();
  program(r.pit, 0, 0, 3);
  r.at(10);
  assert.equal(out(r.pit, 0), true);
  r.pit.write(0, 4); // LSB only
  assert.equal(out(r.pit, 0), false, 'OUT low immediately');
  assert.equal(r.irq.level, false);
  const frozen = readWord(r.pit, 0);
  r.at(20);
  assert.equal(readWord(r.pit, 0), frozen, 'counting disabled until the MSB arrives');
  r.pit.write(0, 0); // MSB: count 4 loaded on pulse 21, OUT high at 25
  assert.equal(waveform(r, 0, 21, 26), 'LLLLHH');
  assert.equal(r.irq.rises, 2);
});

test('"Mode 0" GATE: low disables counting without touching OUT, high resumes (counter 2, port 61h bit 0)', () => {
  const r = rig();
  r.pit.writePortB(0x01);
  program(r.pit, 2, 0, 10); // loaded at 1, TC at 11
  r.at(4);
  assert.equal(readWord(r.pit, 2), 7);
  r.pit.writePortB(0x00);
  r.at(50);
  assert.equal(readWord(r.pit, 2), 7, 'frozen while GATE low');
  assert.equal(out(r.pit, 2), false);
  r.pit.writePortB(0x01); // resumes: 6 at pulse 51 ... 0 at 57
  r.at(56);
  assert.equal(readWord(r.pit, 2), 1);
  assert.equal(out(r.pit, 2), false);
  r.at(57);
  assert.equal(out(r.pit, 2), true);
  r.pit.writePortB(0x00);
  assert.equal(out(r.pit, 2), true, 'GATE has no effect on OUT');
});

test('"Mode 0": a count written while GATE is low is loaded but not decremented', () => {
  const r = rig();
  program(r.pit, 2, 0, 6);
  r.at(30);
  assert.equal(readWord(r.pit, 2), 6);
  assert.equal(nullCount(r.pit, 2), false);
  r.pit.writePortB(0x01);
  r.at(35);
  assert.equal(readWord(r.pit, 2), 1);
  r.at(36);
  assert.equal(out(r.pit, 2), true);
});

test('"Mode 1": hardware retriggerable one-shot on GATE rising edges', () => {
  const r = rig();
  program(r.pit, 2, 1, 4);
  assert.equal(out(r.pit, 2), true, 'OUT initially high');
  r.at(20);
  assert.equal(out(r.pit, 2), true, 'writing the count does not start it');
  assert.equal(nullCount(r.pit, 2), true, 'CR waits for a trigger');
  r.pit.writePortB(0x01); // trigger between pulses 20 and 21
  assert.equal(waveform(r, 2, 20, 26), 'HLLLLHH', 'low from the pulse after the trigger, for N pulses');
  assert.equal(nullCount(r.pit, 2), false);
  r.pit.writePortB(0x00);
  r.at(30);
  assert.equal(out(r.pit, 2), true, 'GATE low has no effect in mode 1');
  // Retrigger during the pulse restarts it.
  r.pit.writePortB(0x01);
  r.at(33);
  r.pit.writePortB(0x00);
  r.pit.writePortB(0x01); // retrigger at 33: low until 34+4
  assert.equal(waveform(r, 2, 34, 39), 'LLLLHH');
  // A new count written during a one-shot does not affect it until the next trigger.
  r.pit.writePortB(0x00);
  r.at(40);
  r.pit.writePortB(0x01); // one-shot of 4: low 41..44
  r.at(42);
  r.pit.write(2, 8);
  r.pit.write(2, 0);
  assert.equal(nullCount(r.pit, 2), true, 'new CR waits for the next trigger');
  assert.equal(waveform(r, 2, 42, 46), 'LLLHH');
  r.pit.writePortB(0x00);
  r.pit.writePortB(0x01); // now 8: low 47..54
  assert.equal(waveform(r, 2, 47, 55), 'LLLLLLLLH');
  // The load pulse takes the CR as it is then: a count written right after the trigger counts.
  r.pit.writePortB(0x00);
  r.pit.writePortB(0x01);
  r.pit.write(2, 2);
  r.pit.write(2, 0);
  assert.equal(waveform(r, 2, 56, 58), 'LLH');
});

test('"Mode 2": rate generator, OUT low for one pulse every N, count N..1, reload at the end of the period', () => {
  const r = rig();
  r.pit.writePortB(0x01);
  program(r.pit, 2, 2, 4); // loaded at 1
  assert.equal(out(r.pit, 2), true);
  const values: number[] = [];
  for (let t = 1; t <= 9; t++) {
    r.at(t);
    values.push(readWord(r.pit, 2));
  }
  assert.deepEqual(values, [4, 3, 2, 1, 4, 3, 2, 1, 4]);
  assert.equal(waveform(r, 2, 10, 17), 'HHLHHHLH');
  // A new count does not affect the current period ("Mode 2": loaded at the end of it).
  r.at(18); // CE = 3 (period 17..20)
  r.pit.write(2, 6);
  r.pit.write(2, 0);
  assert.equal(nullCount(r.pit, 2), true);
  assert.equal(waveform(r, 2, 19, 21), 'HLH', 'old period ends: 2, 1 (low), then the reload');
  assert.equal(nullCount(r.pit, 2), false);
  r.at(21);
  assert.equal(readWord(r.pit, 2), 6);
  assert.equal(waveform(r, 2, 22, 27), 'HHHHLH');
});

test('"Mode 2" GATE: low forces OUT high and stops counting; a rising edge reloads on the next pulse', () => {
  const r = rig();
  r.pit.writePortB(0x01);
  program(r.pit, 2, 2, 5); // loaded at 1; low at 5
  r.at(5);
  assert.equal(out(r.pit, 2), false);
  r.pit.writePortB(0x00);
  assert.equal(out(r.pit, 2), true, 'OUT set high immediately');
  r.at(40);
  assert.equal(readWord(r.pit, 2), 1, 'CE frozen');
  r.pit.writePortB(0x01); // trigger: reload 5 at pulse 41
  r.at(41);
  assert.equal(readWord(r.pit, 2), 5);
  assert.equal(waveform(r, 2, 42, 46), 'HHHLH');
});

test('"Mode 2" on IRQ0: a 100 Hz tick is one rising edge and one timer deadline per period', () => {
  const r = rig();
  const n = 11932;
  program(r.pit, 0, 2, n); // loaded at 1, rising edges at 1 + k*n
  assert.equal(r.irq.rises, 1, 'the mode 2 control word itself sets OUT high');
  for (let k = 1; k <= 100; k++) {
    const edge = nsAtPitTick(1 + k * n);
    r.clock.advance(edge - 1 - r.clock.now());
    assert.equal(r.irq.rises, k);
    r.clock.advance(1);
    assert.equal(r.irq.rises, k + 1);
    assert.equal(r.irq.level, true);
    assert.equal(r.clock.untilNextDeadline(), nsAtPitTick(1 + (k + 1) * n) - r.clock.now(), 'next deadline is the next edge');
  }
  // About 100 edges per second of virtual time.
  const before = r.irq.rises;
  r.clock.advance(1e9);
  assert.ok(Math.abs(r.irq.rises - before - 100) <= 1);
});

test('"Mode 3" even count: square wave N/2 high, N/2 low, CE N, N-2, ...', () => {
  const r = rig();
  r.pit.writePortB(0x01);
  program(r.pit, 2, 3, 4); // loaded at 1
  const values: number[] = [];
  let wave = '';
  for (let t = 1; t <= 9; t++) {
    r.at(t);
    values.push(readWord(r.pit, 2));
    wave += out(r.pit, 2) ? 'H' : 'L';
  }
  assert.deepEqual(values, [4, 2, 4, 2, 4, 2, 4, 2, 4]);
  assert.equal(wave, 'HHLLHHLLH');
});

test('"Mode 3" odd count: OUT high (N+1)/2 and low (N-1)/2 pulses; CE N, N-1, N-3.. then N, N-3..', () => {
  const r = rig();
  r.pit.writePortB(0x01);
  program(r.pit, 2, 3, 5);
  const values: number[] = [];
  let wave = '';
  for (let t = 1; t <= 11; t++) {
    r.at(t);
    values.push(readWord(r.pit, 2));
    wave += out(r.pit, 2) ? 'H' : 'L';
  }
  assert.deepEqual(values, [5, 4, 2, 5, 2, 5, 4, 2, 5, 2, 5]);
  assert.equal(wave, 'HHHLLHHHLLH');
});

test('"Mode 3": GATE low sets OUT high at once; a new count waits for the end of the half-cycle', () => {
  const r = rig();
  r.pit.writePortB(0x01);
  program(r.pit, 2, 3, 6); // H 1-3, L 4-6, H 7-9 ...
  r.at(5);
  assert.equal(out(r.pit, 2), false);
  r.pit.writePortB(0x00);
  assert.equal(out(r.pit, 2), true);
  r.pit.writePortB(0x01); // trigger: reload at 6, high half from there
  assert.equal(waveform(r, 2, 6, 12), 'HHHLLLH');
  // New count 10 written in the high half 12..14: takes over at 15 with the low half (5 pulses).
  r.at(13);
  r.pit.write(2, 10);
  r.pit.write(2, 0);
  assert.equal(waveform(r, 2, 14, 26), 'HLLLLLHHHHHLL');
});

test('"Mode 3" on IRQ0: 1 kHz-class square wave gives one edge per period', () => {
  const r = rig();
  const n = 1193;
  program(r.pit, 0, 3, n);
  assert.equal(r.irq.rises, 1, 'the mode 3 control word itself sets OUT high');
  r.clock.advance(nsAtPitTick(1 + n) - 1);
  assert.equal(r.irq.rises, 1);
  r.clock.advance(1);
  assert.equal(r.irq.rises, 2);
  r.clock.advance(nsAtPitTick(1 + 1000 * n) - r.clock.now());
  assert.equal(r.irq.rises, 1001);
  // Status shows the true OUT level in the low half even though IRQ0 is edge-only.
  r.at(1 + 1000 * n + 600);
  assert.equal(out(r.pit, 0), false);
});

test('"Mode 4": software triggered strobe, one low pulse N+1 pulses after the write; GATE low inhibits', () => {
  const r = rig();
  r.pit.writePortB(0x01);
  program(r.pit, 2, 4, 3);
  assert.equal(waveform(r, 2, 0, 6), 'HHHHLHH');
  r.at(7);
  assert.equal(readWord(r.pit, 2), 0xfffd, 'keeps counting after the strobe');
  // A new count during counting is loaded on the next pulse (retrigger by software).
  r.at(20);
  r.pit.write(2, 5);
  r.pit.write(2, 0); // loaded 21, strobe at 26
  r.at(23);
  r.pit.write(2, 3);
  r.pit.write(2, 0); // reloaded 24, strobe at 27
  assert.equal(waveform(r, 2, 25, 28), 'HHLH');
  // GATE low disables counting.
  r.pit.write(2, 4);
  r.pit.write(2, 0); // loaded at 29
  r.at(30);
  r.pit.writePortB(0x00);
  r.at(60);
  assert.equal(readWord(r.pit, 2), 3);
  r.pit.writePortB(0x01);
  assert.equal(waveform(r, 2, 61, 64), 'HHLH');
});

test('"Mode 4" on IRQ0: the rising edge after the strobe interrupts', () => {
  const r = rig();
  program(r.pit, 0, 4, 100);
  assert.equal(r.irq.level, true);
  const rises = r.irq.rises;
  r.clock.advance(nsAtPitTick(102) - 1);
  assert.equal(r.irq.rises, rises);
  r.clock.advance(1);
  assert.equal(r.irq.rises, rises + 1);
});

test('"Mode 5": hardware triggered strobe, retriggerable', () => {
  const r = rig();
  program(r.pit, 2, 5, 3);
  r.at(10);
  assert.equal(out(r.pit, 2), true);
  r.pit.writePortB(0x01); // trigger at 10: load 11, strobe at 14
  assert.equal(waveform(r, 2, 11, 15), 'HHHLH');
  r.pit.writePortB(0x00);
  r.at(20);
  r.pit.writePortB(0x01); // load 21
  r.at(22);
  r.pit.writePortB(0x00);
  r.pit.writePortB(0x01); // retrigger: load 23, strobe 26
  assert.equal(waveform(r, 2, 23, 27), 'HHHLH');
});

test('"Control Word Format": modes 6 and 7 act as 2 and 3 but read back as written', () => {
  const r = rig();
  r.pit.writePortB(0x01);
  program(r.pit, 2, 6, 3);
  assert.equal(status(r.pit, 2) & 0x0e, 6 << 1);
  assert.equal(waveform(r, 2, 1, 7), 'HHLHHLH');
});

test('BCD counting: count registers and CE are four decades; 0 means 10000', () => {
  const r = rig();
  r.pit.writePortB(0x01);
  program(r.pit, 2, 0, 0x0100, 1); // 100 decimal
  r.at(1);
  assert.equal(readWord(r.pit, 2), 0x0100);
  r.at(2);
  assert.equal(readWord(r.pit, 2), 0x0099);
  r.at(101);
  assert.equal(readWord(r.pit, 2), 0x0000);
  assert.equal(out(r.pit, 2), true, 'terminal count after 100 (not 256) pulses');
  r.at(102);
  assert.equal(readWord(r.pit, 2), 0x9999, 'wraps to 9999 in BCD');
  program(r.pit, 2, 2, 0, 1); // count 0 in BCD mode 2: period 10000
  r.at(103);
  assert.equal(readWord(r.pit, 2), 0x0000);
  r.at(104);
  assert.equal(readWord(r.pit, 2), 0x9999);
  assert.equal(status(r.pit, 2) & 1, 1);
  r.at(103 + 9999);
  assert.equal(out(r.pit, 2), false);
  r.at(103 + 10000);
  assert.equal(out(r.pit, 2), true);
});

test('binary count 0 means 65536: mode 2 period of 54.9 ms on IRQ0', () => {
  const r = rig();
  program(r.pit, 0, 2, 0);
  r.at(1);
  assert.equal(readWord(r.pit, 0), 0);
  r.at(2);
  assert.equal(readWord(r.pit, 0), 0xffff);
  const base = r.irq.rises;
  r.clock.advance(nsAtPitTick(1 + 65536) - 1 - r.clock.now());
  assert.equal(r.irq.rises, base);
  r.clock.advance(1);
  assert.equal(r.irq.rises, base + 1);
  assert.equal(r.clock.untilNextDeadline(), nsAtPitTick(1 + 2 * 65536) - r.clock.now());
});

test('"Counter Latch Command": the latched value is frozen while the CE keeps counting; a second latch is ignored', () => {
  const r = rig();
  program(r.pit, 0, 2, 1000);
  r.at(101); // CE = 900
  r.pit.write(3, 0x00); // latch counter 0
  r.at(301);
  r.pit.write(3, 0x00); // ignored: previous latch not read yet
  assert.equal(r.pit.read(0), 900 & 0xff);
  r.at(401);
  assert.equal(r.pit.read(0), 900 >> 8);
  assert.equal(readWord(r.pit, 0), 600, 'after the latch is read, reads follow the CE');
  // Reads and writes of other counters may come between the two bytes.
  r.pit.write(3, 0x00);
  r.pit.write(3, cw(1, 3, 2));
  r.pit.write(1, 5);
  assert.equal(r.pit.read(0), 600 & 0xff);
  assert.equal(r.pit.read(0), 600 >> 8);
});

test('"Counter Latch Command" with LSB-only and MSB-only access needs one read', () => {
  const r = rig();
  r.pit.write(3, cw(2, 1, 2));
  r.pit.write(2, 0x80); // LSB only: count 0080h
  r.pit.writePortB(0x01);
  r.at(17); // CE = 0x80 - 16 = 0x70
  r.pit.write(3, 0x80);
  r.at(40);
  assert.equal(r.pit.read(2), 0x70);
  assert.equal(r.pit.read(2), 0x80 - 39, 'latch released after one read');
  r.pit.write(3, cw(2, 2, 2));
  r.pit.write(2, 0x02); // MSB only: count 0200h
  r.at(41 + 0x100); // loaded at 41, CE = 0x100
  r.pit.write(3, 0x80);
  r.at(500);
  assert.equal(r.pit.read(2), 0x01);
});

test('"Read-Back Command": status byte (OUT, NULL COUNT, RW, mode, BCD) then count, for several counters', () => {
  const r = rig();
  r.pit.writePortB(0x01);
  program(r.pit, 0, 3, 100);
  r.pit.write(3, cw(2, 1, 4, 1));
  r.pit.write(2, 0x50); // BCD 50, LSB only
  // Status of counters 0 and 2 in one command (D5 = 1: no count; D4 = 0; D1 and D3).
  r.pit.write(3, 0xc0 | 0x20 | 0x02 | 0x08);
  assert.equal(r.pit.read(0), 0x40 | 0x80 | (3 << 4) | (3 << 1), 'counter 0: OUT high, null count, RW=3, mode 3');
  assert.equal(r.pit.read(2), 0x40 | 0x80 | (1 << 4) | (4 << 1) | 1, 'counter 2: OUT high, null count, RW=1, mode 4, BCD');
  r.at(5);
  // Status and count together: the first read is the status, then the count bytes.
  r.pit.write(3, 0xc0 | 0x02 | 0x08);
  r.at(6);
  assert.equal(r.pit.read(0), 0x80 | (3 << 4) | (3 << 1), 'counts loaded: NULL COUNT clear');
  assert.equal(readWord(r.pit, 0), 100 - 2 * 4, 'count latched at pulse 5');
  assert.equal(r.pit.read(2), 0x80 | (1 << 4) | (4 << 1) | 1);
  assert.equal(r.pit.read(2), 0x46, 'BCD 50 four pulses after loading');
  assert.equal(r.pit.read(2), 0x45, 'latches released: live count');
  r.at(30);
  r.pit.write(3, 0xc0 | 0x10 | 0x02); // count only, counter 0
  r.pit.write(3, 0xc0 | 0x20 | 0x02); // status only: count still latched
  r.at(31);
  r.pit.write(3, 0xc0 | 0x02); // both again: both ignored, already latched
  assert.equal(r.pit.read(0), 0x80 | (3 << 4) | (3 << 1), 'status at pulse 30: no null count');
  assert.equal(readWord(r.pit, 0), 100 - 2 * 29, 'count latched at pulse 30');
  r.at(32);
  assert.equal(r.pit.read(2), 0x19, 'BCD 50 loaded at pulse 1, 31 pulses later: 19');
  // A second status latch before the first is read is ignored, like a second count latch.
  r.pit.write(3, 0xe0 | 0x08);
  r.pit.write(2, 0x30); // new count: NULL COUNT goes to 1
  r.pit.write(3, 0xe0 | 0x08);
  assert.equal(r.pit.read(2) & 0x40, 0, 'status as first latched');
  assert.equal(status(r.pit, 2) & 0x40, 0x40, 'a fresh latch shows the new count pending');
});

test('"Read-Back Command": the status OUT bit and NULL COUNT follow the counter', () => {
  const r = rig();
  r.pit.write(3, cw(1, 3, 0));
  assert.equal(status(r.pit, 1), 0x40 | 0x30, 'mode 0 control word: OUT low, null count');
  r.pit.write(1, 2);
  assert.equal(status(r.pit, 1) & 0xc0, 0x40, 'first byte: CR incomplete, still null');
  r.pit.write(1, 0);
  r.at(1);
  assert.equal(status(r.pit, 1) & 0xc0, 0x00);
  r.at(3);
  assert.equal(status(r.pit, 1) & 0xc0, 0x80);
  r.pit.write(3, cw(1, 3, 2));
  assert.equal(status(r.pit, 1) & 0xc0, 0xc0, 'mode 2 control word: OUT high, null count');
});

test('"Read/Write Procedure": LSB-only, MSB-only, and LSB-then-MSB flip-flops with interleaved reads and writes', () => {
  const r = rig();
  r.pit.writePortB(0x01);
  r.pit.write(3, cw(2, 1, 0));
  r.pit.write(2, 0x34); // count 0034h
  r.at(1);
  assert.equal(r.pit.read(2), 0x34);
  assert.equal(r.pit.read(2), 0x34, 'LSB-only reads never return the MSB');
  r.pit.write(3, cw(2, 2, 0));
  r.pit.write(2, 0x12); // count 1200h
  r.at(2);
  assert.equal(r.pit.read(2), 0x12);
  r.pit.write(3, cw(2, 3, 0));
  r.pit.write(2, 0x78);
  r.pit.write(2, 0x56);
  r.at(3); // CE 5678h
  // Read LSB, write LSB, read MSB, write MSB is valid ("Read Operations").
  assert.equal(r.pit.read(2), 0x78);
  r.pit.write(3, 0x80); // latch does not disturb the flip-flops of a live read
  assert.equal(r.pit.read(2), 0x78, 'latched LSB');
  assert.equal(r.pit.read(2), 0x56, 'latched MSB');
  assert.equal(r.pit.read(2), 0x56, 'live MSB (read flip-flop was on MSB)');
  r.pit.write(3, cw(2, 3, 2)); // control word resets both flip-flops
  r.pit.write(2, 0x00);
  assert.equal(r.pit.read(2) | (r.pit.read(2) << 8), 0x5678, 'CE frozen until the new count loads');
  r.pit.write(2, 0x01); // count 0100h
  r.at(4);
  assert.equal(r.pit.read(2), 0x00);
  assert.equal(r.pit.read(2), 0x01);
});

test('a control word resets OUT: switching from mode 0 (low) to mode 2 raises IRQ0', () => {
  const r = rig();
  program(r.pit, 0, 0, 50000);
  assert.equal(r.irq.level, false);
  r.pit.write(3, cw(0, 3, 2));
  assert.equal(r.irq.level, true);
  assert.equal(r.irq.rises, 1);
  assert.equal(r.clock.untilNextDeadline(), Infinity, 'no count yet: nothing armed');
  r.pit.write(3, 0x00); // latch
  r.pit.write(3, cw(0, 3, 3)); // control word discards the latch
  r.pit.write(0, 0x10);
  r.pit.write(0, 0x00);
  r.at(1);
  assert.equal(readWord(r.pit, 0), 0x10);
  assert.equal(r.pit.read(3), 0xff, 'the control word register cannot be read');
  assert.equal(r.pit.unhandled, 1);
});

test('port 61h: gate 2 (bit 0), speaker data (bit 1), OUT2 (bit 5), refresh toggle (bit 4)', () => {
  const r = rig();
  r.pit.writePortB(0xff);
  assert.equal(r.pit.readPortB() & 0xcf, 0x0f, 'bits 0-3 read back, 6-7 clear');
  r.pit.writePortB(0x03);
  program(r.pit, 2, 3, 10); // square wave: high 1-5, low 6-10
  r.at(3);
  assert.equal(r.pit.readPortB() & 0x20, 0x20);
  assert.equal(r.pit.speakerHigh(), true);
  r.at(7);
  assert.equal(r.pit.readPortB() & 0x20, 0);
  assert.equal(r.pit.speakerHigh(), false);
  r.pit.writePortB(0x02); // gate off: mode 3 OUT high
  assert.equal(r.pit.readPortB() & 0x21, 0x20);
  // Bit 4 toggles every 18 PIT clocks (15.085 µs), whatever the counters do.
  const seen: number[] = [];
  for (let t = 36; t < 36 + 18 * 4; t += 9) {
    r.at(t);
    seen.push((r.pit.readPortB() >> 4) & 1);
  }
  assert.deepEqual(seen, [0, 0, 1, 1, 0, 0, 1, 1]);
});

test('save/restore mid-count keeps counters, latches, port B and the IRQ0 timer', () => {
  const r = rig();
  r.pit.writePortB(0x01);
  program(r.pit, 0, 2, 700);
  program(r.pit, 2, 3, 333);
  r.at(250);
  r.pit.write(3, 0x80); // latch counter 2
  r.pit.read(2);
  r.pit.write(0, 100); // mode 2 reload pending
  const saved = JSON.parse(JSON.stringify({ clock: r.clock.saveState(), pit: r.pit.saveState() }));
  const b = rig();
  b.clock.loadState(saved.clock);
  b.pit.loadState(saved.pit);
  assert.deepEqual(b.pit.saveState(), r.pit.saveState());
  assert.equal(b.irq.level, r.irq.level);
  const risesA = r.irq.rises;
  const risesB = b.irq.rises;
  assert.equal(b.pit.read(2), r.pit.read(2), 'second byte of the latch');
  for (const x of [r, b]) x.clock.advance(nsAtPitTick(5000) - x.clock.now());
  assert.ok(r.irq.rises - risesA >= 6, 'the reload of 100 took effect');
  assert.equal(b.irq.rises - risesB, r.irq.rises - risesA, 'same IRQ0 edges after restore');
  assert.equal(readWord(b.pit, 0), readWord(r.pit, 0));
  assert.equal(readWord(b.pit, 2), readWord(r.pit, 2));
  assert.equal(b.pit.readPortB(), r.pit.readPortB());
  assert.throws(() => b.pit.loadState({ version: 2 }), StateVersionError);
});

test('register fuzz: random programming, reads, gate changes and time never throw and keep invariants', () => {
  let seed = 987654321;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const r = rig();
  let lastRises = 0;
  for (let i = 0; i < 20000; i++) {
    const op = rnd(8);
    if (op === 0) r.pit.write(3, rnd(256));
    else if (op <= 2) r.pit.write(rnd(3), rnd(256));
    else if (op === 3) r.pit.writePortB(rnd(256));
    else if (op === 4) r.clock.advance(rnd(3) === 0 ? rnd(100_000_000) : rnd(20_000));
    else {
      const v = op === 5 ? r.pit.readPortB() : r.pit.read(rnd(4));
      assert.ok(Number.isInteger(v) && v >= 0 && v <= 255);
      if (op === 5) assert.equal(v & 0xc0, 0);
    }
    assert.ok(r.irq.rises >= lastRises);
    lastRises = r.irq.rises;
    // Status bytes are well formed: RW never 00 for a programmed counter.
    if (i % 53 === 0) {
      for (let c = 0; c < 3; c++) {
        r.pit.write(3, 0xc0 | 0x20 | (2 << c));
        const s = r.pit.read(c);
        assert.notEqual(s & 0x30, 0);
      }
    }
    // The next deadline, if any, lies in the future: nothing is left overdue.
    assert.ok(r.clock.untilNextDeadline() >= 0);
  }
});

test('host-time clock: edges that fell due while nobody ran the clock are delivered when it catches up', () => {
  let ms = 1000;
  const clock = new Clock(() => ms);
  const irq = new RecordingIrqLine();
  const pit = new Pit8254({ clock, irq0: irq });
  program(pit, 0, 2, 1193); // about 1 kHz
  const base = irq.rises;
  ms += 5.5;
  assert.equal(irq.rises, base, 'nothing happens until the board runs the clock');
  clock.runDue();
  assert.equal(irq.rises, base + 5);
  assert.ok(clock.untilNextDeadline() > 0);
});

test('IRQ0 through the 8259A: mode 2 and mode 3 ticks each give one interrupt per period', () => {
  for (const mode of [2, 3]) {
    const clock = new Clock();
    const pic = new Pic8259Pair();
    const pit = new Pit8254({ clock, irq0: pic.irqLine(0) });
    pic.writeMaster(0, 0x11);
    pic.writeMaster(1, 0x30);
    pic.writeMaster(1, 0x04);
    pic.writeMaster(1, 0x01);
    program(pit, 0, mode, 1193); // ~1 ms
    if (pic.hasPending()) {
      pic.acknowledge(); // the edge of the control word itself
      pic.writeMaster(0, 0x20);
    }
    let taken = 0;
    const stepNs = 50_000; // the CPU polls between instruction slices
    for (let ns = 0; ns < 1e8; ns += stepNs) {
      clock.advance(stepNs);
      if (pic.hasPending()) {
        assert.equal(pic.acknowledge(), 0x30);
        pic.writeMaster(0, 0x20);
        taken++;
      }
    }
    assert.equal(taken, Math.floor((pitTicksAt(1e8) - 1) / 1193), `mode ${mode}`);
  }
});
