// The real SeaBIOS VGA BIOS (vgabios-stdvga.bin, from Debian's seabios) run by the project's CPU
// against the VGA device: it must find the Bochs VBE interface, set mode 3 with its font, print
// through INT 10h, and set a VBE mode — the same calls SeaBIOS makes at boot (vgasrc/vgainit.c,
// vgasrc/bochsvga.c). The machine here is the minimum: RAM, the VGA, an IVT of IRETs.
// Lives in cli/ because it joins cpu/ and devices/, which may not see each other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Clock } from '../../bus/clock.js';
import { PortBus } from '../../bus/port-bus.js';
import { PhysicalMemory } from '../../memory/physical-memory.js';
import { Cpu, CpuExit } from '../../cpu/cpu.js';
import { setSegmentRealMode } from '../../cpu/segments.js';
import { Seg, Reg } from '../../cpu/state.js';
import { Vga } from '../../devices/vga/vga.js';
import * as C from '../../devices/vga/constants.js';
import { imagePath, imageSkipReason } from '../images/paths.js';
import { TerminalTextDisplay } from './text-display.js';

const skip = imageSkipReason(['vgabios-stdvga']);

function machine(): { vga: Vga; mem: PhysicalMemory; call: (cs: number, ip: number, ax?: number) => void; debug: () => string } {
  const clock = new Clock();
  const mem = new PhysicalMemory(1 << 20);
  const ports = new PortBus();
  const vga = new Vga({ clock, startInTextMode: false });
  ports.register(C.VGA_PORT_FIRST, C.VGA_PORT_COUNT, 'vga', vga.portHandlers());
  ports.register(C.VBE_PORT_INDEX, 3, 'vga', vga.portHandlers());
  let log = '';
  ports.register(0x402, 1, 'debug', { write8: (_p, v) => void (log += String.fromCharCode(v)) });
  mem.mapMmio(C.VGA_WINDOW_BASE, C.VGA_WINDOW_SIZE, vga.memory, 'vga-window');
  // The option ROM runs from shadow RAM, writable during its initialisation as SeaBIOS arranges.
  mem.ram.set(readFileSync(imagePath('vgabios-stdvga')), 0xc0000);
  mem.ram[0xfff53] = 0xcf; // IRET: every interrupt vector points here until the VGA BIOS hooks INT 10h
  for (let i = 0; i < 256; i++) mem.write32(i * 4, 0xf000ff53);
  mem.ram[0x600] = 0xf4; // HLT: where far calls return
  const cpu = new Cpu({ memory: mem, ports, interrupts: { hasPending: () => false, acknowledge: () => 0 } });
  const call = (cs: number, ip: number, ax = 0): void => {
    cpu.halted = false;
    setSegmentRealMode(cpu, Seg.CS, cs);
    for (const s of [Seg.DS, Seg.ES, Seg.SS]) setSegmentRealMode(cpu, s, 0);
    cpu.eip = ip;
    cpu.regs[Reg.EAX] = ax;
    cpu.regs[Reg.ESP] = 0x7000 - 4;
    mem.write32(0x7000 - 4, 0x00000600); // return address 0000:0600
    for (let n = 0; n < 200; n++) {
      const r = cpu.run(100_000);
      clock.advance(1_000_000);
      if (r === CpuExit.Halted) return;
      assert.equal(r, CpuExit.Budget, `CPU stopped with ${r}`);
    }
    assert.fail('VGA BIOS call did not return');
  };
  return { vga, mem, call, debug: () => log };
}

/** Assembles `mov ax,imm16; [mov bx,imm16;] int 10h` sequences followed by RETF at 0000:0800. */
function int10(mem: PhysicalMemory, calls: Array<[number, number?]>): void {
  const code: number[] = [];
  for (const [ax, bx] of calls) {
    code.push(0xb8, ax & 0xff, ax >> 8);
    if (bx !== undefined) code.push(0xbb, bx & 0xff, bx >> 8);
    code.push(0xcd, 0x10);
  }
  code.push(0xcb);
  mem.ram.set(code, 0x800);
}

test('SeaVGABIOS finds the DISPI interface and 16 MiB, sets mode 3 with its font, prints via INT 10h', { skip }, () => {
  const { vga, mem, call, debug } = machine();
  call(0xc000, 0x0003, 0x0010); // option ROM entry, AX = PCI bus/device/function
  assert.match(debug(), /VBE DISPI: lfb_addr=e0000000, size 16 MB/);
  assert.equal(mem.read16(0x10 * 4 + 2), 0xc000, 'INT 10h hooked');
  int10(mem, [[0x0003], [0x0e48], [0x0e69], [0x0e0d], [0x0e0a], [0x0ec9], [0x0ebb]]);
  call(0, 0x800);
  assert.equal(vga.textScreenString(), 'Hi\n╔╗');
  assert.deepEqual(vga.displayInfo(), { kind: 'text', width: 720, height: 400, bpp: 0 });
  const s = vga.snapshotText();
  assert.deepEqual([s.cursor.x, s.cursor.y, s.cursor.visible], [2, 1, true]);
  // The BIOS font is in plane 2: 'H' has two vertical strokes in rows 2-11.
  const h = Array.from({ length: 16 }, (_, y) => vga.memory.plane(2, 0x48 * 32 + y));
  assert.ok(h.slice(2, 12).every((row) => (row & 0xc6) === 0xc6), h.map((r) => r.toString(16)).join(' '));
  // And the terminal display shows the same screen.
  const out: string[] = [];
  new TerminalTextDisplay({ write: (x: string) => out.push(x) }).text(s);
  assert.ok(out.join('').includes('Hi'));
});

test('SeaVGABIOS sets VBE mode 4118h (1024x768, linear) and mode 13h through the device', { skip }, () => {
  const { vga, mem, call, debug } = machine();
  call(0xc000, 0x0003, 0x0010);
  int10(mem, [[0x4f02, 0x4118]]);
  call(0, 0x800);
  assert.match(debug(), /VBE mode set: 4118/);
  assert.equal(vga.vbe.enabled, true);
  const info = vga.displayInfo();
  assert.deepEqual([info.kind, info.width, info.height], ['graphics', 1024, 768]);
  int10(mem, [[0x0013]]);
  call(0, 0x800);
  assert.equal(vga.vbe.enabled, false);
  assert.deepEqual(vga.displayInfo(), { kind: 'graphics', width: 320, height: 200, bpp: 8 });
  mem.write8(0xa0000 + 5, 0x01); // default palette entry 1: blue (0, 0, 2Ah)
  const buf = new Uint8ClampedArray(320 * 200 * 4);
  vga.renderGraphics(buf, 320, 200);
  assert.deepEqual(Array.from(buf.subarray(20, 24)), [0, 0, 170, 255]);
});

test('SeaVGABIOS banked 8 bpp (105h, 4F05h window) and planar 4 bpp (102h, AH=0Ch pixels) VBE modes', { skip }, () => {
  const { vga, mem, call } = machine();
  call(0xc000, 0x0003, 0x0010);
  // mode 105h without the LFB bit: 1024x768x8 through the 64 KiB window at A0000. SeaVGABIOS's
  // AH=0Ch does not switch banks in packed modes (vgafb.c gfx_packed uses SEG_GRAPH offsets):
  // the caller selects the window with 4F05h first, as VBE 1.2 programs do.
  const pixel = (x: number, y: number, colour: number): number[] => [
    0xb8, colour, 0x0c, 0xbb, 0x00, 0x00, 0xb9, x & 0xff, x >> 8, 0xba, y & 0xff, y >> 8, 0xcd, 0x10,
  ];
  const bank10 = [0xb8, 0x05, 0x4f, 0xbb, 0x00, 0x00, 0xba, 10, 0, 0xcd, 0x10]; // 4F05h: window A = bank 10
  mem.ram.set([0xb8, 0x02, 0x4f, 0xbb, 0x05, 0x01, 0xcd, 0x10, ...pixel(20, 3, 0x02), ...bank10, 0xcb], 0x800);
  call(0, 0x800);
  assert.deepEqual([vga.vbe.width, vga.vbe.height, vga.vbe.bpp], [1024, 768, 8]);
  assert.equal(vga.memory.vram[3 * 1024 + 20], 0x02, 'pixel in bank 0');
  assert.equal(vga.vbe.regs[C.VBE_INDEX_BANK], 10);
  mem.write8(0xa0000 + ((700 * 1024 + 500) & 0xffff), 0x04);
  assert.equal(vga.memory.vram[700 * 1024 + 500], 0x04, 'bank 10 of the framebuffer');
  let info = vga.displayInfo();
  let buf = new Uint8ClampedArray(info.width * info.height * 4);
  vga.renderGraphics(buf, info.width, info.height);
  const at = (x: number, y: number): number[] => Array.from(buf.subarray((y * info.width + x) * 4, (y * info.width + x) * 4 + 4));
  assert.deepEqual(at(500, 700), [170, 0, 0, 255], 'palette entry 4: red');
  assert.deepEqual(at(20, 3), [0, 170, 0, 255], 'palette entry 2: green');
  // mode 102h: 800x600x4 planar (VGA mode 6Ah plus DISPI at 4 bpp).
  mem.ram.set([0xb8, 0x02, 0x4f, 0xbb, 0x02, 0x01, 0xcd, 0x10, ...pixel(799, 599, 0x0e), ...pixel(3, 1, 0x09), 0xcb], 0x800);
  call(0, 0x800);
  info = vga.displayInfo();
  assert.deepEqual([info.kind, info.width, info.height, info.bpp], ['graphics', 800, 600, 4]);
  buf = new Uint8ClampedArray(info.width * info.height * 4);
  vga.renderGraphics(buf, info.width, info.height);
  assert.deepEqual(at(799, 599), [255, 255, 85, 255], 'colour 14: yellow');
  assert.deepEqual(at(3, 1), [85, 85, 255, 255], 'colour 9: light blue');
  assert.deepEqual(at(4, 1), [0, 0, 0, 255]);
});
