// VGA register behaviour through the ports. References: IBM VGA Technical Reference
// ("Attribute Controller Registers", "Video DAC", "CRT Controller Registers", "General
// Registers"); FreeVGA attrreg.htm, colorreg.htm, crtcreg.htm, extreg.htm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Clock } from '../../bus/clock.js';
import { Vga } from './vga.js';
import { MODE_13H } from './mode-tables.js';

function make(): { vga: Vga; clock: Clock } {
  const clock = new Clock();
  return { vga: new Vga({ clock, vramSize: 1 << 18 }), clock };
}

test('DAC: write index auto-increments after every third component; read index likewise (colorreg.htm)', () => {
  const { vga } = make();
  vga.writePort(0x3c8, 5);
  for (const x of [1, 2, 3, 4, 5, 6, 0xff, 0x40, 0x3f]) vga.writePort(0x3c9, x);
  assert.equal(vga.readPort(0x3c8), 8);
  assert.equal(vga.readPort(0x3c7), 0, 'DAC state: write mode');
  vga.writePort(0x3c7, 5);
  assert.equal(vga.readPort(0x3c7), 3, 'DAC state: read mode');
  const got = Array.from({ length: 9 }, () => vga.readPort(0x3c9));
  assert.deepEqual(got, [1, 2, 3, 4, 5, 6, 0x3f, 0x00, 0x3f], '6-bit components');
  // A partial triple is not committed until the third component arrives.
  vga.writePort(0x3c8, 0x80);
  vga.writePort(0x3c9, 0x11);
  vga.writePort(0x3c9, 0x12);
  assert.deepEqual(Array.from(vga.regs.dac.subarray(0x180, 0x183)), [0, 0, 0]);
  vga.writePort(0x3c9, 0x13);
  assert.deepEqual(Array.from(vga.regs.dac.subarray(0x180, 0x183)), [0x11, 0x12, 0x13]);
  vga.writePort(0x3c6, 0x0f);
  assert.equal(vga.readPort(0x3c6), 0x0f);
});

test('attribute controller: 0x3C0 alternates index and data; reading input status 1 resets it to index', () => {
  const { vga } = make();
  vga.readPort(0x3da);
  vga.writePort(0x3c0, 0x11); // index: overscan
  vga.writePort(0x3c0, 0x2a); // data
  vga.writePort(0x3c0, 0x31); // index again, with PAS
  assert.equal(vga.readPort(0x3c0), 0x31, 'index register reads back with PAS');
  assert.equal(vga.readPort(0x3c1), 0x2a);
  // Flip-flop now at "data"; a 0x3DA read puts it back to "index".
  vga.readPort(0x3da);
  vga.writePort(0x3c0, 0x22); // index palette 2, PAS set
  vga.writePort(0x3c0, 0xff); // palette entries keep 6 bits
  assert.equal(vga.regs.attr[2], 0x3f);
  assert.equal(vga.readPort(0x3c0), 0x22);
  // Reading in the mono range while in colour mode does not touch the flip-flop.
  vga.writePort(0x3c0, 0x14);
  assert.equal(vga.readPort(0x3ba), 0xff);
  vga.writePort(0x3c0, 0x05);
  assert.equal(vga.regs.attr[0x14], 0x05);
});

test('CRTC: CR11 bit 7 write-protects CR00-CR07 except CR07 bit 4 (crtcreg.htm#11)', () => {
  const { vga } = make();
  const cr = (i: number, x: number): void => (vga.writePort(0x3d4, i), vga.writePort(0x3d5, x));
  const rd = (i: number): number => (vga.writePort(0x3d4, i), vga.readPort(0x3d5));
  cr(0x11, 0x8e); // protect on (mode 3 value)
  const h0 = rd(0x00);
  cr(0x00, 0x12);
  cr(0x06, 0x34);
  assert.equal(rd(0x00), h0);
  assert.equal(rd(0x06), 0xbf);
  cr(0x07, 0x00); // only bit 4 changes: 0x1F → 0x0F
  assert.equal(rd(0x07), 0x0f);
  cr(0x08, 0x05); // CR08 and above are not protected
  assert.equal(rd(0x08), 0x05);
  cr(0x11, 0x0e); // protect off
  cr(0x00, 0x12);
  assert.equal(rd(0x00), 0x12);
  assert.equal(rd(0x30), 0, 'registers beyond CR18 read 0');
});

test('cursor location CR0E/CR0F and cursor start/end CR0A/CR0B in the text snapshot', () => {
  const { vga } = make();
  const cr = (i: number, x: number): void => (vga.writePort(0x3d4, i), vga.writePort(0x3d5, x));
  cr(0x0e, (80 * 3 + 7) >> 8);
  cr(0x0f, (80 * 3 + 7) & 0xff);
  let s = vga.snapshotText();
  assert.deepEqual([s.cursor.x, s.cursor.y, s.cursor.visible], [7, 3, true]);
  assert.deepEqual([s.cursor.startLine, s.cursor.endLine], [13, 14]);
  // Relative to the start address (CR0C/CR0D).
  cr(0x0c, 0);
  cr(0x0d, 80);
  s = vga.snapshotText();
  assert.deepEqual([s.cursor.x, s.cursor.y], [7, 2]);
  cr(0x0a, 0x20); // cursor disable bit
  assert.equal(vga.snapshotText().cursor.visible, false);
});

test('misc output bit 0 selects 3Dx or 3Bx for CRTC and status; 0x3CC reads it back (extreg.htm)', () => {
  const { vga } = make();
  assert.equal(vga.readPort(0x3cc), 0x67);
  vga.writePort(0x3c2, 0x66); // monochrome addressing
  assert.equal(vga.readPort(0x3cc), 0x66);
  vga.writePort(0x3b4, 0x0a);
  assert.equal(vga.readPort(0x3b4), 0x0a);
  assert.equal(vga.readPort(0x3d4), 0xff);
  assert.equal(vga.readPort(0x3da), 0xff);
  vga.writePort(0x3ba, 0x03); // feature control, read at 0x3CA
  assert.equal(vga.readPort(0x3ca), 0x03);
  vga.writePort(0x3c2, 0x67);
  assert.equal(vga.readPort(0x3d4), 0x0a, 'one CRTC, two port ranges');
});

test('sequencer and graphics registers keep only their defined bits', () => {
  const { vga } = make();
  vga.writePort(0x3c4, 0x04);
  vga.writePort(0x3c5, 0xff);
  assert.equal(vga.readPort(0x3c5), 0x0e);
  vga.writePort(0x3ce, 0x05);
  vga.writePort(0x3cf, 0xff);
  assert.equal(vga.readPort(0x3cf), 0x7b);
  vga.writePort16(0x3ce, 0x0708); // 16-bit OUT: index then data
  assert.equal(vga.regs.gc[8], 0x07);
});

test('input status 1: retrace and display-enable follow the clock, not the number of reads', () => {
  const { vga, clock } = make();
  const first = vga.readPort(0x3da);
  for (let i = 0; i < 100; i++) assert.equal(vga.readPort(0x3da), first, 'no toggling without time');
  // Mode 03h: 449 lines of 900 dots at 28.322 MHz = 14.27 ms a frame; retrace lines 412-413.
  let retraceStarts = 0;
  let displayToggles = 0;
  let prev = first;
  for (let t = 0; t < 100_000_000; t += 2_000) {
    clock.advance(2_000);
    const v = vga.readPort(0x3da);
    if (v & 8 && !(prev & 8)) retraceStarts++;
    if ((v ^ prev) & 1) displayToggles++;
    prev = v;
  }
  assert.ok(retraceStarts >= 6 && retraceStarts <= 8, `~70 Hz: ${retraceStarts} retraces in 100 ms`);
  assert.ok(displayToggles > 100, 'display-enable toggles during lines');
});

test('a BIOS-style mode set through the ports alone (IBM BIOS order) enters mode 13h', () => {
  const { vga } = make();
  const m = MODE_13H;
  vga.readPort(0x3da); // reset the flip-flop
  m.attr.forEach((x, i) => (vga.writePort(0x3c0, i), vga.writePort(0x3c0, x)));
  m.seq.forEach((x, i) => vga.writePort16(0x3c4, i | (x << 8)));
  vga.writePort(0x3c2, m.misc);
  vga.writePort16(0x3d4, 0x0011); // clear CR11 protection before CR00-CR07
  m.crtc.forEach((x, i) => vga.writePort16(0x3d4, i | (x << 8)));
  m.gc.forEach((x, i) => vga.writePort16(0x3ce, i | (x << 8)));
  vga.writePort(0x3c0, 0x20); // PAS: video on
  vga.readPort(0x3da);
  assert.deepEqual(Array.from(vga.regs.crtc), m.crtc);
  assert.deepEqual(vga.displayInfo(), { kind: 'graphics', width: 320, height: 200, bpp: 8 });
  vga.memory.write8(5, 0x77);
  assert.equal(vga.memory.vram[5], 0x77, 'chain-4 window at A0000');
});
