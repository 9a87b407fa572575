// The adapter as a Device: power-on state, reset, save/restore (DESIGN.md "Contracts").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Clock } from '../../bus/clock.js';
import { StateVersionError } from '../../bus/device.js';
import { Vga } from './vga.js';
import * as C from './constants.js';

test('powers on in mode 03h (80x25 text at B8000), as direct Linux boot expects without a VGA BIOS', () => {
  const v = new Vga({ clock: new Clock() });
  assert.deepEqual(v.displayInfo(), { kind: 'text', width: 720, height: 400, bpp: 0 });
  v.memory.write8(0x18000, 0x41);
  assert.equal(v.textScreenString(), 'A');
  const raw = new Vga({ clock: new Clock(), startInTextMode: false });
  assert.equal(raw.regs.misc, 0);
});

test('save/restore round-trips registers, DAC, VGA memory and VBE state', () => {
  const a = new Vga({ clock: new Clock(), vramSize: 1 << 20 });
  a.memory.write8(0x18000, 0x42);
  a.writePort(0x3c8, 3);
  for (const x of [1, 2, 3]) a.writePort(0x3c9, x);
  a.writePort(0x3c9, 9); // mid-triple
  a.readPort(0x3da);
  a.writePort(0x3c0, 0x31); // flip-flop left at "data"
  a.writePort(0x3d4, 0x0e);
  a.writePort(0x3d5, 0x01);
  a.writePort16(0x1ce, C.VBE_INDEX_BPP);
  a.writePort16(0x1cf, 32);
  a.writePort16(0x1ce, C.VBE_INDEX_XRES);
  const saved = structuredClone(a.saveState());

  const b = new Vga({ clock: new Clock(), vramSize: 1 << 20 });
  b.loadState(saved);
  assert.deepEqual(b.saveState(), a.saveState());
  assert.equal(b.textScreenString().charAt(0), 'B');
  assert.deepEqual(Array.from(b.regs.dac.subarray(9, 12)), [1, 2, 3]);
  b.writePort(0x3c9, 8);
  b.writePort(0x3c9, 7);
  assert.deepEqual(Array.from(b.regs.dac.subarray(12, 15)), [9, 8, 7], 'DAC sub-index restored');
  b.writePort(0x3c0, 0x0a); // data for index 0x11
  assert.equal(b.regs.attr[0x11], 0x0a, 'attribute flip-flop restored');
  assert.equal(b.snapshotText().cursor.y, 3);
  assert.equal(b.readPort16(0x1ce), C.VBE_INDEX_XRES);
  b.writePort16(0x1ce, C.VBE_INDEX_BPP);
  assert.equal(b.readPort16(0x1cf), 32);
});

test('saved video memory stops at the last block in use; restore zero-fills the rest', () => {
  const a = new Vga({ clock: new Clock() });
  a.lfb.write8(0x123456, 0x99);
  const s = a.saveState();
  assert.equal((s.vram as Uint8Array).length, 0x130000);
  const b = new Vga({ clock: new Clock() });
  b.lfb.write8(0x800000, 0x11);
  b.loadState(s);
  assert.equal(b.lfb.read8(0x123456), 0x99);
  assert.equal(b.lfb.read8(0x800000), 0);
  assert.equal((new Vga({ clock: new Clock() }).saveState().vram as Uint8Array).length, 0x40000);
});

test('loadFont writes glyphs to plane 2 where text mode reads them', () => {
  const v = new Vga({ clock: new Clock() });
  const glyphs = new Uint8Array(2 * 16);
  glyphs[16] = 0xaa; // character 0x42, row 0
  v.loadFont(glyphs, 16, 0x41);
  assert.equal(v.memory.plane(2, 0x42 * 32), 0xaa);
  v.memory.write8(0x18000, 0x42);
  v.memory.write8(0x18001, 0x0f);
  const buf = new Uint8ClampedArray(720 * 400 * 4);
  v.renderGraphics(buf, 720, 400);
  assert.deepEqual([buf[0], buf[4]], [255, 0]);
});

test('loadState refuses foreign versions and a different memory size', () => {
  const v = new Vga({ clock: new Clock(), vramSize: 1 << 20 });
  assert.throws(() => v.loadState({ ...v.saveState(), version: 99 }), StateVersionError);
  const big = new Vga({ clock: new Clock(), vramSize: 1 << 21 });
  assert.throws(() => v.loadState(big.saveState()), /video memory/);
});

test('reset() returns to mode 03h and clears memory and VBE', () => {
  const v = new Vga({ clock: new Clock(), vramSize: 1 << 20 });
  v.writePort16(0x1ce, C.VBE_INDEX_ENABLE);
  v.writePort16(0x1cf, C.VBE_ENABLED);
  v.lfb.write8(0, 0x77);
  assert.equal(v.displayInfo().kind, 'graphics');
  v.reset();
  assert.equal(v.displayInfo().kind, 'text');
  assert.equal(v.lfb.read8(0), 0);
  assert.equal(v.vbe.enabled, false);
});
