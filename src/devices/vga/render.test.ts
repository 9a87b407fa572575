// What the adapter shows: the text snapshot and RGBA rendering of text, planar, CGA, 256-colour
// and VBE modes. References: IBM VGA Technical Reference ("Alphanumeric modes", "Graphics
// modes", "Attribute Controller", "Video DAC"), FreeVGA vgatext.htm / vgamem.htm, code page 437.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Clock } from '../../bus/clock.js';
import { Vga } from './vga.js';
import * as C from './constants.js';
import { loadEgaPalette, loadModeRegisters, MODE_04H, MODE_12H, MODE_13H } from './mode-tables.js';
import { VgaPresenter, type RgbaFrame, type VgaRenderer } from './renderer.js';
import type { TextScreen } from './text.js';

const B800 = 0x18000;
const sr = (v: Vga, i: number, x: number): void => (v.writePort(0x3c4, i), v.writePort(0x3c5, x));
const gr = (v: Vga, i: number, x: number): void => (v.writePort(0x3ce, i), v.writePort(0x3cf, x));
const crtc = (v: Vga, i: number, x: number): void => (v.writePort(0x3d4, i), v.writePort(0x3d5, x));
function putText(v: Vga, row: number, col: number, bytes: number[], attr = 0x07): void {
  bytes.forEach((b, i) => {
    v.memory.write8(B800 + (row * 80 + col + i) * 2, b);
    v.memory.write8(B800 + (row * 80 + col + i) * 2 + 1, attr);
  });
}
const targets = new WeakMap<Vga, Uint8ClampedArray>();
function render(v: Vga): { px: (x: number, y: number) => number[]; dirty: [number, number]; w: number; h: number } {
  const info = v.displayInfo();
  // Reuse the target, as a canvas would: a new target means a full redraw.
  let buf = targets.get(v);
  if (!buf || buf.length !== info.width * info.height * 4) targets.set(v, (buf = new Uint8ClampedArray(info.width * info.height * 4)));
  const r = v.renderGraphics(buf, info.width, info.height);
  assert.ok(r.drawn);
  return {
    px: (x, y) => Array.from(buf.subarray((y * info.width + x) * 4, (y * info.width + x) * 4 + 4)),
    dirty: [r.dirtyTop, r.dirtyBottom],
    w: info.width,
    h: info.height,
  };
}

test('text snapshot of a screen written through B8000; code page 437 decoding', () => {
  const v = new Vga({ clock: new Clock() });
  putText(v, 0, 0, [...'Hello'].map((c) => c.charCodeAt(0)), 0x1f);
  putText(v, 1, 2, [0xc9, 0xcd, 0xbb, 0x20, 0x82, 0xe1]);
  const s = v.snapshotText();
  assert.deepEqual([s.cols, s.rows, s.charWidth, s.charHeight], [80, 25, 9, 16]);
  assert.equal(s.chars[0], 0x48 | (0x1f << 8));
  const lines = v.textLines();
  assert.equal(lines.length, 25);
  assert.equal(lines[0]!.length, 80);
  const text = v.textScreenString().split('\n');
  assert.equal(text[0], 'Hello');
  assert.equal(text[1], '  ╔═╗ éß');
  // The start address (CR0C/CR0D) scrolls: start at row 1.
  crtc(v, 0x0c, 0);
  crtc(v, 0x0d, 80);
  assert.equal(v.textScreenString().split('\n')[0], '  ╔═╗ éß');
});

test('text mode pixels: glyphs from plane 2, 9th column, attribute colours via palette and DAC', () => {
  const v = new Vga({ clock: new Clock() });
  // Load a glyph for 'A' as the VGA BIOS does (plane 2, sequential addressing at A0000).
  sr(v, 2, 0x04);
  sr(v, 4, 0x07);
  gr(v, 4, 0x02);
  gr(v, 5, 0x00);
  gr(v, 6, 0x04);
  v.memory.write8(0x41 * 32 + 0, 0x81);
  v.memory.write8(0xc4 * 32 + 5, 0xff); // box-drawing horizontal line
  sr(v, 2, 0x03);
  sr(v, 4, 0x02);
  gr(v, 5, 0x10);
  gr(v, 6, 0x0e);
  crtc(v, 0x0a, 0x20); // hide the cursor
  putText(v, 0, 0, [0x41, 0xc4, 0x41], 0x1f);
  const r = render(v);
  assert.deepEqual([r.w, r.h], [720, 400]);
  assert.deepEqual(r.px(0, 0), [255, 255, 255, 255], 'foreground: attr 0xF → DAC 0x3F (white)');
  assert.deepEqual(r.px(1, 0), [0, 0, 170, 255], 'background: attr 1 → DAC 1 (blue)');
  assert.deepEqual(r.px(7, 0), [255, 255, 255, 255]);
  assert.deepEqual(r.px(8, 0), [0, 0, 170, 255], '9th column blank for letters');
  assert.deepEqual(r.px(17, 5), [255, 255, 255, 255], '9th column repeats for 0xC0-0xDF (AR10 bit 2)');
  // Nothing changed: nothing redrawn. One cell changed: only its row of cells.
  assert.deepEqual(render(v).dirty, [0, 0]);
  putText(v, 3, 10, [0x41], 0x1f);
  assert.deepEqual(render(v).dirty, [48, 64]);
});

test('blinking: attribute bit 7 hides the character half the time when AR10 bit 3 is set', () => {
  const clock = new Clock();
  const v = new Vga({ clock });
  sr(v, 2, 0x04); sr(v, 4, 0x07); gr(v, 5, 0x00); gr(v, 6, 0x04);
  v.memory.write8(0x41 * 32, 0xff);
  sr(v, 2, 0x03); sr(v, 4, 0x02); gr(v, 5, 0x10); gr(v, 6, 0x0e);
  putText(v, 0, 0, [0x41], 0x8f);
  const seen = new Set<string>();
  for (let t = 0; t < 4; t++) {
    seen.add(render(v).px(0, 0).join(','));
    clock.advance(300_000_000);
  }
  assert.deepEqual([...seen].sort(), ['0,0,0,255', '255,255,255,255']);
});

test('mode 13h: one byte per pixel through chain-4, colour from the DAC', () => {
  const v = new Vga({ clock: new Clock() });
  loadModeRegisters(v.regs, MODE_13H);
  v.writePort(0x3c8, 7);
  for (const x of [63, 32, 0]) v.writePort(0x3c9, x);
  v.memory.write8(100 * 320 + 10, 7);
  const r = render(v);
  assert.deepEqual([r.w, r.h], [320, 200]);
  assert.deepEqual(r.px(10, 100), [255, 130, 0, 255]);
  assert.deepEqual(r.px(11, 100), [0, 0, 0, 255]);
  assert.equal(v.textScreenString(), '', 'no text in graphics modes');
  // Dirty tracking: nothing written → nothing drawn; one byte → only lines of its 4 KiB page.
  assert.deepEqual(render(v).dirty, [0, 0]);
  v.memory.write8(150 * 320 + 3, 7);
  const d = render(v).dirty;
  assert.ok(d[0] <= 150 && d[1] > 150 && d[1] - d[0] <= 14, `dirty ${d}`);
});

test('mode X (unchained 256 colours): plane = x & 3 at plane address x >> 2', () => {
  const v = new Vga({ clock: new Clock() });
  loadModeRegisters(v.regs, MODE_13H);
  sr(v, 4, 0x06); // chain-4 off
  crtc(v, 0x14, 0x00); // doubleword mode off
  crtc(v, 0x17, 0xe3); // byte mode
  v.writePort(0x3c8, 9);
  for (const x of [0, 63, 0]) v.writePort(0x3c9, x);
  sr(v, 2, 1 << 2);
  v.memory.write8(80 * 3 + 5, 9); // line 3, x = 5*4 + 2
  const r = render(v);
  assert.deepEqual(r.px(22, 3), [0, 255, 0, 255]);
  assert.deepEqual(r.px(21, 3), [0, 0, 0, 255]);
});

test('mode 12h: planar 16 colours through the attribute palette', () => {
  const v = new Vga({ clock: new Clock() });
  loadModeRegisters(v.regs, MODE_12H);
  loadEgaPalette(v.regs);
  gr(v, 5, 0x02); // write mode 2
  gr(v, 8, 0x10); // pixel 3 of the byte
  v.memory.read8(479 * 80 + 1);
  v.memory.write8(479 * 80 + 1, 0x0c); // x = 8 + 3, last line
  const r = render(v);
  assert.deepEqual([r.w, r.h], [640, 480]);
  assert.deepEqual(r.px(11, 479), [255, 85, 85, 255], 'colour 12 → AR0C=3Ch → light red');
  assert.deepEqual(r.px(12, 479), [0, 0, 0, 255]);
});

test('mode 04h: CGA 2-bit pixels, odd lines at B8000+2000h (CR17 bit 0 clear)', () => {
  const v = new Vga({ clock: new Clock() });
  loadModeRegisters(v.regs, MODE_04H);
  loadEgaPalette(v.regs);
  v.memory.write8(B800 + 0x2000, 0x40); // line 1: pixel 0 = 01
  v.memory.write8(B800 + 0x0001, 0x03); // line 0: pixel 7 = 11 (odd byte → plane 1)
  const r = render(v);
  assert.deepEqual([r.w, r.h], [320, 200]);
  assert.deepEqual(r.px(0, 1), [0, 255, 170, 255], 'value 1 → AR01=13h');
  assert.deepEqual(r.px(7, 0), [170, 255, 170, 255], 'value 3 → AR03=17h');
  assert.deepEqual(r.px(0, 0), [0, 0, 0, 255]);
});

test('VBE 32 bpp and 16 bpp pixels from the linear framebuffer; display start offsets', () => {
  const v = new Vga({ clock: new Clock() });
  const dispi = (i: number, x: number): void => (v.writePort16(0x1ce, i), v.writePort16(0x1cf, x));
  dispi(C.VBE_INDEX_BPP, 32);
  dispi(C.VBE_INDEX_XRES, 640);
  dispi(C.VBE_INDEX_YRES, 480);
  dispi(C.VBE_INDEX_ENABLE, C.VBE_ENABLED | C.VBE_LFB_ENABLED);
  v.writePort(0x3da, 0);
  v.lfb.write32!((10 * 640 + 20) * 4, 0x00ff8040);
  let r = render(v);
  assert.deepEqual([r.w, r.h], [640, 480]);
  assert.deepEqual(r.px(20, 10), [255, 128, 64, 255]);
  dispi(C.VBE_INDEX_Y_OFFSET, 5);
  assert.deepEqual(render(v).px(20, 5), [255, 128, 64, 255], 'Y_OFFSET scrolls the display');
  dispi(C.VBE_INDEX_ENABLE, 0);
  dispi(C.VBE_INDEX_BPP, 16);
  dispi(C.VBE_INDEX_ENABLE, C.VBE_ENABLED | C.VBE_LFB_ENABLED);
  v.lfb.write16!((2 * 640 + 3) * 2, 0xf800);
  v.lfb.write16!((2 * 640 + 4) * 2, 0x07e0);
  r = render(v);
  assert.deepEqual(r.px(3, 2), [255, 0, 0, 255]);
  assert.deepEqual(r.px(4, 2), [0, 255, 0, 255]);
});

test('palette address source clear (AR index bit 5) blanks the screen', () => {
  const v = new Vga({ clock: new Clock() });
  v.readPort(0x3da);
  v.writePort(0x3c0, 0x00);
  assert.equal(v.displayInfo().kind, 'blank');
  assert.deepEqual(render(v).px(0, 0), [0, 0, 0, 255]);
  v.writePort(0x3c0, 0x00);
  v.writePort(0x3c0, 0x20);
  assert.equal(v.displayInfo().kind, 'text');
});

test('VgaPresenter pushes text screens to a terminal and frames to a canvas, only on change', () => {
  const v = new Vga({ clock: new Clock() });
  const texts: TextScreen[] = [];
  const frames: Array<[number, number, number, number]> = [];
  const sink: VgaRenderer = {
    text: (s) => texts.push(s),
    graphics: (f: RgbaFrame) => frames.push([f.width, f.height, f.dirtyTop, f.dirtyBottom]),
  };
  const terminal = new VgaPresenter(v, sink);
  terminal.refresh();
  terminal.refresh();
  assert.equal(texts.length, 1);
  putText(v, 2, 0, [0x41]);
  terminal.refresh();
  assert.equal(texts.length, 2);
  assert.equal(texts[1]!.chars[160], 0x0741);
  const canvas = new VgaPresenter(v, sink, { textAsPixels: true });
  canvas.refresh();
  assert.deepEqual(frames, [[720, 400, 0, 400]]);
  loadModeRegisters(v.regs, MODE_13H);
  canvas.refresh();
  assert.deepEqual(frames[1], [320, 200, 0, 200]);
  canvas.refresh();
  assert.equal(frames.length, 2, 'unchanged picture: no frame');
});

test('line compare (CR18 + CR07 bit 4 + CR09 bit 6): lines after it restart at address 0', () => {
  const v = new Vga({ clock: new Clock() });
  loadModeRegisters(v.regs, MODE_12H);
  loadEgaPalette(v.regs);
  gr(v, 5, 0x02);
  gr(v, 8, 0x80);
  v.memory.read8(0);
  v.memory.write8(0, 0x0f); // pixel (0,0) white at address 0
  v.memory.read8(80 * 100);
  v.memory.write8(80 * 100, 0x01); // pixel (0,100) blue
  crtc(v, 0x11, 0x0c); // unlock
  crtc(v, 0x0c, (80 * 100) >> 8);
  crtc(v, 0x0d, (80 * 100) & 0xff); // display starts at line 100
  crtc(v, 0x18, 239); // split after line 239
  crtc(v, 0x07, v.regs.crtc[7] & ~0x10);
  crtc(v, 0x09, v.regs.crtc[9] & ~0x40);
  const r = render(v);
  assert.deepEqual(r.px(0, 0), [0, 0, 170, 255], 'top shows line 100');
  assert.deepEqual(r.px(0, 240), [255, 255, 255, 255], 'line 240 shows address 0');
});

test('VBE 24 bpp (B, G, R bytes) and 15 bpp (x:5:5:5) pixels', () => {
  const v = new Vga({ clock: new Clock() });
  const dispi = (i: number, x: number): void => (v.writePort16(0x1ce, i), v.writePort16(0x1cf, x));
  dispi(C.VBE_INDEX_BPP, 24);
  dispi(C.VBE_INDEX_XRES, 320);
  dispi(C.VBE_INDEX_YRES, 200);
  dispi(C.VBE_INDEX_ENABLE, C.VBE_ENABLED | C.VBE_LFB_ENABLED);
  const o = (1 * 320 + 2) * 3;
  [0x10, 0x20, 0xf0].forEach((b, i) => v.lfb.write8(o + i, b));
  assert.deepEqual(render(v).px(2, 1), [0xf0, 0x20, 0x10, 255]);
  dispi(C.VBE_INDEX_ENABLE, 0);
  dispi(C.VBE_INDEX_BPP, 15);
  dispi(C.VBE_INDEX_ENABLE, C.VBE_ENABLED | C.VBE_LFB_ENABLED);
  v.lfb.write16!((1 * 320 + 2) * 2, 0x03e0); // green
  assert.deepEqual(render(v).px(2, 1), [0, 255, 0, 255]);
  assert.equal(v.displayInfo().bpp, 15);
});

test('horizontal pel panning (AR13) shifts 16-colour pixels left; AR10 bit 5 stops it below the split', () => {
  const v = new Vga({ clock: new Clock() });
  loadModeRegisters(v.regs, MODE_12H);
  loadEgaPalette(v.regs);
  gr(v, 5, 0x02);
  gr(v, 8, 0x01);
  for (const line of [0, 300]) {
    v.memory.read8(line * 80 + 1);
    v.memory.write8(line * 80 + 1, 0x0f); // pixel x = 15
  }
  v.readPort(0x3da);
  v.writePort(0x3c0, 0x33); // AR13 with PAS
  v.writePort(0x3c0, 3);
  let r = render(v);
  assert.deepEqual(r.px(12, 0), [255, 255, 255, 255], 'shifted left by 3');
  assert.deepEqual(r.px(15, 0), [0, 0, 0, 255]);
  crtc(v, 0x18, 199); // split after line 199; line 300 shows address (300 - 200) * 80
  crtc(v, 0x07, v.regs.crtc[7] & ~0x10); // line compare bit 8 (writable even under CR11 protection)
  crtc(v, 0x09, v.regs.crtc[9] & ~0x40); // line compare bit 9
  v.memory.read8(100 * 80 + 1);
  v.memory.write8(100 * 80 + 1, 0x0f);
  v.writePort(0x3c0, 0x30); // AR10 |= 0x20: no panning below the split
  v.writePort(0x3c0, 0x01 | 0x20);
  r = render(v);
  assert.deepEqual(r.px(15, 300), [255, 255, 255, 255]);
  assert.deepEqual(r.px(12, 0), [255, 255, 255, 255]);
});
