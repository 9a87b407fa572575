// The terminal text display: ANSI/ECMA-48 output for VGA text screens (CUP "ESC[r;cH", SGR
// colours 30-37/90-97 and 40-47/100-107, DEC private modes 25 (cursor) and 1049 (alt screen)).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Clock } from '../../bus/clock.js';
import { Vga } from '../../devices/vga/vga.js';
import { attachTextDisplay, TerminalTextDisplay } from './text-display.js';

function setup(): { vga: Vga; out: string[]; d: TerminalTextDisplay } {
  const vga = new Vga({ clock: new Clock(), vramSize: 1 << 18 });
  const out: string[] = [];
  return { vga, out, d: new TerminalTextDisplay({ write: (s: string) => out.push(s) }) };
}
const put = (v: Vga, row: number, col: number, ch: number, attr: number): void => {
  v.memory.write8(0x18000 + (row * 80 + col) * 2, ch);
  v.memory.write8(0x18000 + (row * 80 + col) * 2 + 1, attr);
};

test('first screen draws every row; later screens only rows that changed', () => {
  const { vga, out, d } = setup();
  d.text(vga.snapshotText());
  const first = out.join('');
  assert.ok(first.startsWith('\x1b[?1049h'), 'alternate screen');
  for (let r = 1; r <= 25; r++) assert.ok(first.includes(`\x1b[${r};1H`), `row ${r}`);
  out.length = 0;
  put(vga, 4, 0, 0xc9, 0x1e); // ╔ yellow on blue
  d.text(vga.snapshotText());
  const second = out.join('');
  assert.ok(second.includes('\x1b[5;1H'));
  assert.ok(!second.includes('\x1b[4;1H') && !second.includes('\x1b[6;1H'));
  assert.ok(second.includes('\x1b[0;93;44m╔'), 'bright yellow (VGA 14) on blue (VGA 1)');
  d.close();
  assert.ok(out.join('').endsWith('\x1b[?1049l'));
});

test('hardware cursor position becomes the terminal cursor; hidden when CR0A bit 5 is set', () => {
  const { vga, out, d } = setup();
  vga.writePort(0x3d4, 0x0f);
  vga.writePort(0x3d5, 80 * 2 + 5);
  d.text(vga.snapshotText());
  assert.ok(out.join('').endsWith('\x1b[3;6H\x1b[?25h'));
  out.length = 0;
  vga.writePort(0x3d4, 0x0a);
  vga.writePort(0x3d5, 0x20);
  d.text(vga.snapshotText());
  assert.ok(!out.join('').includes('?25h'));
});

test('blink attribute becomes SGR 5 with a dark background; truecolor uses the DAC palette', () => {
  const vga = new Vga({ clock: new Clock(), vramSize: 1 << 18 });
  const out: string[] = [];
  const d = new TerminalTextDisplay({ write: (s: string) => out.push(s) }, { colors: 'truecolor', alternateScreen: false });
  put(vga, 0, 0, 0x41, 0xcf); // blink, background 4 (red) with the intensity bit used for blink
  d.text(vga.snapshotText());
  const s = out.join('');
  assert.ok(s.includes('\x1b[0;38;2;255;255;255;48;2;170;0;0;5mA'), s.slice(0, 200));
});

test('graphics modes show a one-line notice', () => {
  const { out, d } = setup();
  d.graphics({ width: 320, height: 200, data: new Uint8ClampedArray(0), dirtyTop: 0, dirtyBottom: 200 });
  assert.ok(out.join('').includes('[graphics mode 320x200'));
});

test('attachTextDisplay draws at once, then only on change, and restores the terminal on close', () => {
  const vga = new Vga({ clock: new Clock(), vramSize: 1 << 18 });
  const out: string[] = [];
  const d = attachTextDisplay(vga, { write: (s: string) => out.push(s) }, { intervalMs: 60_000 });
  const n = out.length;
  assert.ok(n > 0);
  d.refresh();
  assert.equal(out.length, n, 'nothing changed');
  put(vga, 0, 0, 0x41, 0x07);
  d.refresh();
  assert.ok(out.length > n && out[out.length - 1]!.includes('\x1b[1;1H'));
  d.close();
  assert.ok(out[out.length - 1]!.endsWith('\x1b[?1049l'));
});
