// The graphics controller's memory logic, driven through ports and the 0xA0000 window only.
// References: IBM VGA Technical Reference, "Graphics Controller Registers" (GR00-GR08) and
// "Sequencer Registers" (SR02 map mask, SR04 memory mode); FreeVGA vgamem.htm ("Write modes",
// "Read modes", "Latches"), vgareg gfxreg.htm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Clock } from '../../bus/clock.js';
import { Vga } from './vga.js';
import { loadModeRegisters, MODE_03H, MODE_12H, MODE_13H } from './mode-tables.js';

const A000 = 0x00000; // window offsets are relative to 0xA0000
const B800 = 0x18000;

function vgaIn(mode = MODE_12H): Vga {
  const vga = new Vga({ clock: new Clock(), vramSize: 1 << 20 });
  loadModeRegisters(vga.regs, mode);
  return vga;
}
const sr = (v: Vga, i: number, x: number): void => (v.writePort(0x3c4, i), v.writePort(0x3c5, x));
const gr = (v: Vga, i: number, x: number): void => (v.writePort(0x3ce, i), v.writePort(0x3cf, x));
/** Reads plane p at a window offset with read mode 0 and GR04 = p. */
function planeAt(v: Vga, p: number, off: number): number {
  gr(v, 5, v.regs.gc[5] & ~0x08);
  gr(v, 4, p);
  return v.memory.read8(off);
}
/** Writes `bytes[p]` into plane p at `off` (write mode 0, no set/reset, map mask one plane). */
function fillPlanes(v: Vga, off: number, bytes: number[]): void {
  gr(v, 1, 0);
  gr(v, 3, 0);
  gr(v, 8, 0xff);
  gr(v, 5, 0);
  for (let p = 0; p < 4; p++) {
    sr(v, 2, 1 << p);
    v.memory.write8(off, bytes[p]!);
  }
  sr(v, 2, 0x0f);
}

test('write mode 0 with set/reset: enabled planes take the set/reset bit (GR00/GR01)', () => {
  const v = vgaIn();
  gr(v, 0, 0x05); // set/reset colour 0101
  gr(v, 1, 0x0f); // enabled on all planes
  v.memory.write8(A000 + 10, 0x3c); // host data ignored for enabled planes
  assert.deepEqual([0, 1, 2, 3].map((p) => planeAt(v, p, A000 + 10)), [0xff, 0x00, 0xff, 0x00]);
  // Only planes 0 and 1 enabled: planes 2 and 3 take the host byte.
  gr(v, 0, 0x00);
  gr(v, 1, 0x03);
  v.memory.write8(A000 + 11, 0x3c);
  assert.deepEqual([0, 1, 2, 3].map((p) => planeAt(v, p, A000 + 11)), [0x00, 0x00, 0x3c, 0x3c]);
});

test('bit mask keeps latched bits: a read loads all four latches, a write merges (GR08, latches)', () => {
  const v = vgaIn();
  fillPlanes(v, A000 + 20, [0x11, 0x22, 0x44, 0x88]);
  v.memory.read8(A000 + 20); // load latches
  gr(v, 8, 0x0f);
  v.memory.write8(A000 + 20, 0xff);
  assert.deepEqual([0, 1, 2, 3].map((p) => planeAt(v, p, A000 + 20)), [0x1f, 0x2f, 0x4f, 0x8f]);
});

test('data rotate and logical functions AND/OR/XOR apply to the latches (GR03)', () => {
  const v = vgaIn();
  fillPlanes(v, A000 + 30, [0xf0, 0xf0, 0xf0, 0xf0]);
  v.memory.read8(A000 + 30);
  gr(v, 3, 0x18 | 1); // XOR, rotate right by 1
  v.memory.write8(A000 + 30, 0x81); // 0x81 ror 1 = 0xC0
  assert.equal(planeAt(v, 0, A000 + 30), 0xf0 ^ 0xc0);
  v.memory.read8(A000 + 30); // latch = 0x30
  gr(v, 3, 0x08); // AND
  v.memory.write8(A000 + 30, 0x1f);
  assert.equal(planeAt(v, 1, A000 + 30), 0x30 & 0x1f);
  v.memory.read8(A000 + 30); // latch = 0x10
  gr(v, 3, 0x10); // OR
  v.memory.write8(A000 + 30, 0x03);
  assert.equal(planeAt(v, 2, A000 + 30), 0x13);
});

test('write mode 1 copies the latches, ignoring host data and bit mask', () => {
  const v = vgaIn();
  fillPlanes(v, A000 + 40, [0x12, 0x34, 0x56, 0x78]);
  v.memory.read8(A000 + 40);
  gr(v, 5, 0x01);
  gr(v, 8, 0x00);
  v.memory.write8(A000 + 41, 0xaa);
  assert.deepEqual([0, 1, 2, 3].map((p) => planeAt(v, p, A000 + 41)), [0x12, 0x34, 0x56, 0x78]);
});

test('write mode 2: host bits 3-0 fill the planes under the bit mask', () => {
  const v = vgaIn();
  fillPlanes(v, A000 + 50, [0, 0, 0, 0]);
  v.memory.read8(A000 + 50);
  gr(v, 5, 0x02);
  gr(v, 8, 0x81);
  v.memory.write8(A000 + 50, 0x0a); // colour 1010 in pixels 0 and 7
  assert.deepEqual([0, 1, 2, 3].map((p) => planeAt(v, p, A000 + 50)), [0x00, 0x81, 0x00, 0x81]);
});

test('write mode 3: rotated host data ANDed with the bit mask selects pixels, set/reset gives the colour', () => {
  const v = vgaIn();
  fillPlanes(v, A000 + 60, [0x0f, 0x0f, 0x0f, 0x0f]);
  v.memory.read8(A000 + 60);
  gr(v, 5, 0x03);
  gr(v, 0, 0x0c); // colour 1100
  gr(v, 8, 0xff);
  v.memory.write8(A000 + 60, 0xf0); // pixels 0-3 get colour 0x0C, pixels 4-7 keep the latch
  assert.deepEqual([0, 1, 2, 3].map((p) => planeAt(v, p, A000 + 60)), [0x0f, 0x0f, 0xff, 0xff]);
  gr(v, 8, 0x30); // bit mask limits the host mask further
  v.memory.read8(A000 + 61);
  v.memory.write8(A000 + 61, 0xff);
  assert.deepEqual([0, 1, 2, 3].map((p) => planeAt(v, p, A000 + 61)), [0x00, 0x00, 0x30, 0x30]);
});

test('map mask (SR02) limits which planes a write reaches', () => {
  const v = vgaIn();
  gr(v, 5, 0);
  sr(v, 2, 0x06);
  v.memory.write8(A000 + 70, 0x5a);
  assert.deepEqual([0, 1, 2, 3].map((p) => planeAt(v, p, A000 + 70)), [0x00, 0x5a, 0x5a, 0x00]);
});

test('read mode 1 colour compare with colour don\'t care (GR02, GR07, GR05 bit 3)', () => {
  const v = vgaIn();
  // Pixel colours 0..7 in the byte's bits 7..0: plane p bit = bit p of the colour.
  const colours = [5, 5, 1, 4, 13, 5, 0, 7];
  const planes = [0, 1, 2, 3].map((p) => colours.reduce((acc, c, i) => acc | (((c >> p) & 1) << (7 - i)), 0));
  fillPlanes(v, A000 + 80, planes);
  gr(v, 5, 0x08);
  gr(v, 2, 0x05);
  gr(v, 7, 0x0f);
  assert.equal(v.memory.read8(A000 + 80), 0b11000100); // exactly 5
  gr(v, 7, 0x07); // plane 3 ignored: 13 matches too
  assert.equal(v.memory.read8(A000 + 80), 0b11001100);
  gr(v, 7, 0x00); // nothing compared: all bits 1
  assert.equal(v.memory.read8(A000 + 80), 0xff);
});

test('chain-4 (SR04 bit 3): address bits 1-0 select the plane, byte lands linearly', () => {
  const v = vgaIn(MODE_13H);
  v.memory.write8(A000 + 321, 0x42);
  assert.equal(v.memory.read8(A000 + 321), 0x42);
  assert.equal(v.memory.vram[321], 0x42);
  assert.equal(v.memory.plane(1, 80), 0x42); // plane 321 & 3 at plane address 321 >> 2
  sr(v, 2, 0x0d); // plane 1 write-disabled
  v.memory.write8(A000 + 321, 0x99);
  assert.equal(v.memory.read8(A000 + 321), 0x42);
});

test('odd/even text memory at B8000: even bytes to plane 0, odd bytes to plane 1 (SR04 bit 2, GR05 bit 4, GR06 map 3)', () => {
  const v = vgaIn(MODE_03H);
  v.memory.write8(B800 + 0, 0x41);
  v.memory.write8(B800 + 1, 0x1f);
  v.memory.write8(B800 + 2, 0x42);
  assert.equal(v.memory.plane(0, 0), 0x41);
  assert.equal(v.memory.plane(1, 0), 0x1f);
  assert.equal(v.memory.plane(0, 1), 0x42);
  assert.equal(v.memory.plane(2, 0), 0x00); // map mask 03h: font plane untouched
  assert.equal(v.memory.read8(B800 + 1), 0x1f);
  assert.equal(v.memory.read8(B800 + 2), 0x42);
  // Memory map 3 decodes only B8000-BFFFF: A0000 reads float high, writes vanish.
  assert.equal(v.memory.read8(A000), 0xff);
  v.memory.write8(A000, 0x77);
  assert.equal(v.memory.plane(0, 0), 0x41);
});

test('memory map select (GR06 bits 3-2): 64 KiB map at A0000 ignores A0000+64K and above', () => {
  const v = vgaIn(MODE_12H);
  gr(v, 6, 0x05); // graphics, map 1
  v.memory.write8(0x10000, 0x11);
  assert.equal(v.memory.read8(0x10000), 0xff);
  gr(v, 6, 0x01); // map 0: 128 KiB, A0000+64K wraps onto plane address 0 in standard VGA memory
  v.memory.write8(0x10000, 0x22);
  assert.equal(planeAt(v, 0, 0), 0x22);
});

test('loading a font: sequential plane-2 access at A0000, as the VGA BIOS does', () => {
  const v = vgaIn(MODE_03H);
  sr(v, 2, 0x04);
  sr(v, 4, 0x07);
  gr(v, 4, 0x02);
  gr(v, 5, 0x00);
  gr(v, 6, 0x04);
  v.memory.write8(A000 + 0x41 * 32 + 3, 0x7e);
  sr(v, 2, 0x03);
  sr(v, 4, 0x03);
  gr(v, 4, 0x00);
  gr(v, 5, 0x10);
  gr(v, 6, 0x0e);
  assert.equal(v.memory.plane(2, 0x41 * 32 + 3), 0x7e);
  assert.equal(v.memory.plane(0, 0x41 * 32 + 3), 0x00);
});
