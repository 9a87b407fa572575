// Bochs VBE DISPI interface and linear framebuffer. References: the Bochs VBE interface as
// documented in Bochs iodev/vga.h / QEMU include/hw/display/bochs-vbe.h (register indices, ID
// values, ENABLE bits), and the detection and mode-set sequence of SeaBIOS vgasrc/bochsvga.c.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Clock } from '../../bus/clock.js';
import { PortBus } from '../../bus/port-bus.js';
import { PhysicalMemory } from '../../memory/physical-memory.js';
import { Vga } from './vga.js';
import * as C from './constants.js';
import { CMD_MEMORY, PCI_BAR0, PCI_COMMAND, PciFunction } from '../pci/pci-function.js';
import { vgaBarMapper, vgaPciIdentity } from './vga-pci.js';

const dispiWrite = (v: Vga, i: number, x: number): void => (v.writePort16(0x1ce, i), v.writePort16(0x1cf, x));
const dispiRead = (v: Vga, i: number): number => (v.writePort16(0x1ce, i), v.readPort16(0x1cf));

function setMode(v: Vga, w: number, h: number, bpp: number, flags = C.VBE_LFB_ENABLED): void {
  dispiWrite(v, C.VBE_INDEX_ENABLE, 0);
  dispiWrite(v, C.VBE_INDEX_BPP, bpp);
  dispiWrite(v, C.VBE_INDEX_XRES, w);
  dispiWrite(v, C.VBE_INDEX_YRES, h);
  dispiWrite(v, C.VBE_INDEX_BANK, 0);
  dispiWrite(v, C.VBE_INDEX_ENABLE, C.VBE_ENABLED | flags);
}

test('ID register: accepts B0C0-B0C5 only; SeaBIOS detection (write ID0, read back) succeeds', () => {
  const v = new Vga({ clock: new Clock() });
  assert.equal(dispiRead(v, C.VBE_INDEX_ID), 0xb0c5);
  dispiWrite(v, C.VBE_INDEX_ID, 0xb0c0);
  assert.equal(dispiRead(v, C.VBE_INDEX_ID), 0xb0c0);
  dispiWrite(v, C.VBE_INDEX_ID, 0x1234);
  assert.equal(dispiRead(v, C.VBE_INDEX_ID), 0xb0c0);
  dispiWrite(v, C.VBE_INDEX_ID, 0xb0c5);
  assert.equal(v.readPort16(0x1d0), 0xb0c5, '0x1D0 is a data-port alias');
  assert.equal(v.readPort16(0x1ce), C.VBE_INDEX_ID, 'index reads back');
});

test('VIDEO_MEMORY_64K reports the video memory; GETCAPS makes XRES/YRES/BPP read the maxima', () => {
  const v = new Vga({ clock: new Clock() });
  assert.equal(dispiRead(v, C.VBE_INDEX_VIDEO_MEMORY_64K), 256); // 16 MiB
  dispiWrite(v, C.VBE_INDEX_XRES, 1024);
  dispiWrite(v, C.VBE_INDEX_ENABLE, C.VBE_GETCAPS);
  assert.equal(dispiRead(v, C.VBE_INDEX_XRES), C.VBE_MAX_XRES);
  assert.equal(dispiRead(v, C.VBE_INDEX_YRES), C.VBE_MAX_YRES);
  assert.equal(dispiRead(v, C.VBE_INDEX_BPP), 32);
  dispiWrite(v, C.VBE_INDEX_ENABLE, 0);
  assert.equal(dispiRead(v, C.VBE_INDEX_XRES), 1024);
});

test('enable: mode registers fixed up, virtual size derived, memory cleared unless NOCLEARMEM', () => {
  const v = new Vga({ clock: new Clock() });
  const lfb = v.lfb;
  lfb.write8(100, 0x55);
  setMode(v, 803, 600, 32);
  assert.equal(dispiRead(v, C.VBE_INDEX_XRES), 800, 'width rounded down to a multiple of 8');
  assert.equal(dispiRead(v, C.VBE_INDEX_VIRT_WIDTH), 800);
  assert.equal(dispiRead(v, C.VBE_INDEX_VIRT_HEIGHT), Math.floor((16 << 20) / 3200));
  assert.equal(lfb.read8(100), 0, 'cleared on enable');
  lfb.write8(100, 0x66);
  setMode(v, 640, 480, 16, C.VBE_LFB_ENABLED | C.VBE_NOCLEARMEM);
  assert.equal(lfb.read8(100), 0x66, 'kept with NOCLEARMEM');
  setMode(v, 640, 480, 13);
  assert.equal(dispiRead(v, C.VBE_INDEX_BPP), 8, 'unsupported depth becomes 8');
  assert.equal(v.displayInfo().kind, 'graphics');
  assert.deepEqual([v.displayInfo().width, v.displayInfo().height, v.displayInfo().bpp], [640, 480, 8]);
});

test('LFB: 8/16/32-bit accesses are little-endian vram; PhysicalMemory MMIO mapping at BAR0', () => {
  const v = new Vga({ clock: new Clock() });
  const mem = new PhysicalMemory(1 << 20);
  mem.mapMmio(C.VBE_LFB_DEFAULT_ADDRESS, v.vramSize, v.lfb, 'vga-lfb');
  setMode(v, 1024, 768, 32);
  mem.write32(C.VBE_LFB_DEFAULT_ADDRESS + 0x1000, 0x11223344);
  assert.equal(mem.read8(C.VBE_LFB_DEFAULT_ADDRESS + 0x1000), 0x44);
  assert.equal(mem.read16(C.VBE_LFB_DEFAULT_ADDRESS + 0x1002), 0x1122);
  assert.equal(mem.read32(C.VBE_LFB_DEFAULT_ADDRESS + 0x1000), 0x11223344);
  assert.equal(v.memory.vram[0x1001], 0x33);
  assert.equal(v.lfb.read8(v.vramSize), 0xff, 'beyond vram floats high');
});

test('BANK selects which 64 KiB of the framebuffer the A0000 window shows', () => {
  const v = new Vga({ clock: new Clock() });
  setMode(v, 800, 600, 8, 0);
  dispiWrite(v, C.VBE_INDEX_BANK, 3);
  assert.equal(dispiRead(v, C.VBE_INDEX_BANK), 3);
  v.memory.write8(0x0010, 0xab);
  assert.equal(v.lfb.read8(3 * 0x10000 + 0x10), 0xab);
  assert.equal(v.memory.read8(0x0010), 0xab);
  assert.equal(v.memory.read8(0x10000), 0xff, 'window is 64 KiB (memory map 1)');
  dispiWrite(v, C.VBE_INDEX_BANK, 0x1ff);
  assert.equal(dispiRead(v, C.VBE_INDEX_BANK), 0xff, 'bank masked to video memory');
  // Disabling VBE returns the window to plain VGA addressing.
  dispiWrite(v, C.VBE_INDEX_ENABLE, 0);
  v.memory.write8(0x0010, 0xcd);
  assert.equal(v.lfb.read8(0x10), 0xcd);
});

test('8-bit DAC (ENABLE bit 5): palette writes keep 8 bits', () => {
  const v = new Vga({ clock: new Clock() });
  setMode(v, 640, 480, 8, C.VBE_8BIT_DAC);
  v.writePort(0x3c8, 1);
  for (const x of [0xff, 0x80, 0x7f]) v.writePort(0x3c9, x);
  v.writePort(0x3c7, 1);
  assert.deepEqual([v.readPort(0x3c9), v.readPort(0x3c9), v.readPort(0x3c9)], [0xff, 0x80, 0x7f]);
});

test('port handlers: 16-bit OUTs on the bus reach DISPI; 8-bit VGA ports still decoded', () => {
  const v = new Vga({ clock: new Clock() });
  const bus = new PortBus();
  bus.register(C.VBE_PORT_INDEX, 3, 'vga', v.portHandlers());
  bus.register(C.VGA_PORT_FIRST, C.VGA_PORT_COUNT, 'vga', v.portHandlers());
  bus.out16(0x1ce, C.VBE_INDEX_ID);
  bus.out16(0x1cf, 0xb0c2);
  bus.out16(0x1ce, C.VBE_INDEX_ID);
  assert.equal(bus.in16(0x1cf), 0xb0c2);
  bus.out16(0x3c4, 0x0f02); // map mask 0x0F
  assert.equal(v.regs.seq[2], 0x0f);
  assert.equal(bus.in8(0x3cc), 0x67);
});

test('BAR2 MMIO window: DISPI registers at 0x500+2i, VGA ports at 0x400, qext at 0x600', () => {
  const v = new Vga({ clock: new Clock() });
  const m = v.mmioBar;
  assert.equal(m.read16!(0x500), 0xb0c5);
  m.write16!(0x500 + 2 * C.VBE_INDEX_XRES, 1280);
  assert.equal(v.vbe.regs[C.VBE_INDEX_XRES], 1280);
  assert.equal(m.read8(0x400 + 0x0c), 0x67, '0x3CC at 0x40C');
  assert.equal(m.read32!(0x600), 8);
  assert.equal(m.read32!(0x604), 0x1e1e1e1e);
  assert.equal(C.VGA_PCI_VENDOR, 0x1234);
  assert.equal(C.VGA_PCI_DEVICE, 0x1111);
});

test('PCI identity 1234:1111 with BAR0 = framebuffer; BAR placement maps the LFB in physical memory', () => {
  const v = new Vga({ clock: new Clock() });
  const mem = new PhysicalMemory(1 << 20);
  const fn = new PciFunction('vga', vgaPciIdentity(v.vramSize, 0x10000));
  fn.onBarChange = vgaBarMapper(v, mem);
  assert.equal(fn.config[0] | (fn.config[1] << 8), 0x1234);
  assert.equal(fn.config[2] | (fn.config[3] << 8), 0x1111);
  assert.deepEqual([fn.config[0x0b], fn.config[0x0a]], [0x03, 0x00]);
  fn.writeConfig(PCI_BAR0, 0xffffffff, 4); // size probe
  assert.equal(fn.readConfig(PCI_BAR0, 4), (~(v.vramSize - 1) | 0x08) >>> 0, '16 MiB, prefetchable memory');
  fn.writeConfig(PCI_BAR0, 0xfd000000, 4);
  fn.writeConfig(PCI_COMMAND, CMD_MEMORY, 2);
  v.lfb.write8(5, 0x5a);
  assert.equal(mem.read8(0xfd000005), 0x5a);
  fn.writeConfig(PCI_BAR0, 0xe0000000, 4); // moved by the guest
  assert.equal(mem.read8(0xe0000005), 0x5a);
  assert.equal(mem.read8(0xfd000005), 0xff, 'old place unmapped');
});
