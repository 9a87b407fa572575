// i440FX host bridge: identity and the PAM/SMRAM registers, against the Intel 82441FX datasheet
// (3.2.18 PAM, 3.2.22 SMRAM) and the sequence SeaBIOS runs (src/fw/shadow.c).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PageKind, PhysicalMemory } from '../../memory/physical-memory.js';
import { I440fxHostBridge, SMRAM_D_LCK, SMRAM_D_OPEN, SMRAM_G_SMRAME } from './i440fx.js';

const MIB = 1024 * 1024;

/** A 128 KiB BIOS mapped as the board does: at the top of 4 GiB and ending at 1 MiB. */
function machine(): { memory: PhysicalMemory; bios: Uint8Array; hb: I440fxHostBridge; smram: boolean[] } {
  const memory = new PhysicalMemory(2 * MIB);
  const bios = new Uint8Array(0x20000);
  for (let i = 0; i < bios.length; i++) bios[i] = (i * 7 + (i >> 8)) & 0xff;
  memory.mapRom(2 ** 32 - bios.length, bios, 'bios-high');
  memory.mapRom(0x100000 - bios.length, bios, 'bios-low');
  const smram: boolean[] = [];
  const hb = new I440fxHostBridge({ memory, bios, onSmramOpen: (open) => smram.push(open) });
  hb.reset();
  return { memory, bios, hb, smram };
}

const biosByte = (bios: Uint8Array, address: number): number => bios[address - (0x100000 - bios.length)];

test('identity: 8086:1237 rev 02, host bridge class 06/00', () => {
  const { hb } = machine();
  assert.equal(hb.readConfig(0, 4), 0x12378086);
  assert.equal(hb.readConfig(8, 4), 0x06000002);
  assert.equal(hb.readConfig(0x72, 1), 0x02); // SMRAM: C_BASE_SEG = 010b
});

test('PAM at reset: 0xE0000-0xFFFFF read the BIOS ROM and ignore writes; C0000-DFFFF float', () => {
  const { memory, bios, hb } = machine();
  for (let r = 0x59; r <= 0x5f; r++) assert.equal(hb.readConfig(r, 1), 0);
  assert.equal(memory.read8(0xffff0), biosByte(bios, 0xffff0));
  assert.equal(memory.read8(0xe1234), biosByte(bios, 0xe1234));
  memory.write8(0xffff0, biosByte(bios, 0xffff0) ^ 0xff);
  assert.equal(memory.read8(0xffff0), biosByte(bios, 0xffff0));
  assert.equal(memory.ram[0xffff0], 0); // shadow RAM untouched
  assert.equal(memory.read8(0xc0000), 0xff);
  memory.write8(0xc0000, 0x55);
  assert.equal(memory.ram[0xc0000], 0);
});

test('PAM: SeaBIOS shadowing — enable RAM, copy the ROM from 4 GiB, then write-protect', () => {
  const { memory, bios, hb } = machine();
  // make_bios_writable: dword writes at 0x58/0x5C, PAM1-6 = 0x33 (RW), PAM0 = 0x30 (RW).
  hb.writeConfig(0x58, (0x33333000 | hb.readConfig(0x58, 1)) >>> 0, 4);
  hb.writeConfig(0x5c, 0x33333333, 4);
  assert.equal(hb.readConfig(0x59, 1), 0x30);
  // RAM now shows (zero), and takes writes.
  assert.equal(memory.read8(0xf0000), 0);
  for (let a = 0xf0000; a < 0x100000; a += 4) memory.write32(a, memory.read32(a - 0x100000 + 2 ** 32));
  assert.equal(memory.read8(0xffff0), biosByte(bios, 0xffff0));
  memory.write8(0xf8000, 0xa5); // a BIOS variable written while shadow RAM is writable
  assert.equal(memory.read8(0xf8000), 0xa5);
  // make_bios_readonly: PAM0 = 0x10 (read only): reads RAM, writes are dropped.
  hb.writeConfig(0x59, 0x10, 1);
  assert.equal(memory.read8(0xf8000), 0xa5);
  assert.equal(memory.read8(0xffff0), biosByte(bios, 0xffff0));
  memory.write8(0xf8000, 0x11);
  memory.write32(0xf8004, 0xdeadbeef);
  assert.equal(memory.read8(0xf8000), 0xa5);
  assert.equal(memory.read32(0xf8004), new DataView(memory.ram.buffer).getUint32(0xf8004, true));
  assert.notEqual(memory.read32(0xf8004), 0xdeadbeef);
  assert.equal(memory.read32(0xf8004), memory.read32(0xfff8004 + 0xf0000000)); // still the copy
  // The option ROM area stays read-write (0x33) until SeaBIOS locks it.
  memory.write8(0xc0010, 0x77);
  assert.equal(memory.read8(0xc0010), 0x77);
  hb.writeConfig(0x5a, 0x31, 1); // C0000 read-only, C4000 read-write
  memory.write8(0xc0010, 0x00);
  memory.write8(0xc4010, 0x66);
  assert.equal(memory.read8(0xc0010), 0x77);
  assert.equal(memory.read8(0xc4010), 0x66);
});

test('PAM read only: shadow pages are read-only RAM, so the CPU reads and fetches them from RAM directly', () => {
  // The CPU's fast paths (cpu/mmu.ts, cpu/fetch.ts) key on the page kind; ROM-kind pages go
  // through PhysicalMemory byte by byte. SeaBIOS runs from the F segment in this mode.
  const { memory, hb } = machine();
  hb.writeConfig(0x59, 0x30, 1);
  memory.write32(0xf4000, 0xcafef00d);
  hb.writeConfig(0x59, 0x10, 1);
  for (let p = 0xf0; p < 0x100; p++) assert.equal(memory.pageKind[p], PageKind.RamReadOnly);
  assert.equal(memory.pageKind[0xef], PageKind.Rom, 'E segment still maps the BIOS (PAM5/6 = 0)');
  assert.equal(memory.pageBytes(0xf4), memory.ram);
  assert.equal(memory.read32(0xf4000), 0xcafef00d);
  memory.write32(0xf4000, 0);
  assert.equal(memory.read32(0xf4000), 0xcafef00d);
  // Back to read-write: plain RAM again; to disabled: the ROM again.
  hb.writeConfig(0x59, 0x30, 1);
  assert.equal(memory.pageKind[0xf4], PageKind.Ram);
  hb.writeConfig(0x59, 0x00, 1);
  assert.equal(memory.pageKind[0xf4], PageKind.Rom);
  assert.equal(memory.ram[0xf4000], 0x0d, 'shadow RAM keeps its contents');
});

test('PAM write-only mode: reads come from ROM while writes fill shadow RAM', () => {
  const { memory, bios, hb } = machine();
  hb.writeConfig(0x59, 0x20, 1); // WE=1, RE=0
  memory.write8(0xf1000, 0x42);
  assert.equal(memory.read8(0xf1000), biosByte(bios, 0xf1000));
  assert.equal(memory.ram[0xf1000], 0x42);
  hb.writeConfig(0x59, 0x10, 1); // RE=1: the written byte appears
  assert.equal(memory.read8(0xf1000), 0x42);
});

test('PAM: reserved bits read zero; reset returns to ROM with RAM contents kept', () => {
  const { memory, bios, hb } = machine();
  hb.writeConfig(0x59, 0xff, 1);
  assert.equal(hb.readConfig(0x59, 1), 0x30);
  hb.writeConfig(0x5a, 0xff, 1);
  assert.equal(hb.readConfig(0x5a, 1), 0x33);
  memory.write8(0xf2000, 0x99);
  hb.reset();
  assert.equal(hb.readConfig(0x59, 1), 0);
  assert.equal(memory.read8(0xf2000), biosByte(bios, 0xf2000));
  assert.equal(memory.ram[0xf2000], 0x99);
});

test('PAM: changing a mapping drops code the CPU decoded from those pages', () => {
  const { memory, hb } = machine();
  hb.writeConfig(0x59, 0x30, 1);
  const dropped: number[] = [];
  memory.onCodeWrite = (page) => dropped.push(page);
  memory.codePages[0xf5] = 1;
  hb.writeConfig(0x59, 0x10, 1);
  assert.deepEqual(dropped, [0xf5]);
});

test('SMRAM: D_OPEN shows DRAM over the VGA window; D_LCK clears D_OPEN and locks (3.2.22)', () => {
  const { hb, smram } = machine();
  hb.writeConfig(0x72, 0x02 | SMRAM_D_OPEN | SMRAM_G_SMRAME, 1);
  assert.equal(hb.smramIsOpen, true);
  hb.writeConfig(0x72, 0x02 | SMRAM_G_SMRAME, 1);
  assert.equal(hb.smramIsOpen, false);
  hb.writeConfig(0x72, 0x02 | SMRAM_D_OPEN | SMRAM_D_LCK, 1);
  assert.equal(hb.smramIsOpen, false);
  assert.equal(hb.readConfig(0x72, 1), 0x02 | SMRAM_D_LCK);
  hb.writeConfig(0x72, 0x02 | SMRAM_D_OPEN, 1);
  assert.equal(hb.readConfig(0x72, 1), 0x02 | SMRAM_D_LCK);
  assert.deepEqual(smram, [true, false]);
  hb.reset();
  hb.writeConfig(0x72, 0x02 | SMRAM_D_OPEN, 1);
  assert.equal(hb.smramIsOpen, true);
});
