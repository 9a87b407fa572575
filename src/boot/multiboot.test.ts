import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { PhysicalMemory } from '../memory/physical-memory.js';
import { findMultibootHeader, loadMultiboot } from './multiboot.js';
import { detectKernelKind, loadKernel, unknownKernelMessage } from './detect.js';
import { NotAKernelError, NotEnoughMemoryError, TruncatedImageError, UnsupportedKernelError } from './errors.js';
import { E820_RAM } from './e820.js';

const MiB = 1 << 20;
const MAGIC = 0x1badb002;

function header(flags: number, extra: number[] = []): number[] {
  return [MAGIC, flags, (-(MAGIC + flags)) >>> 0, ...extra];
}

function put32(img: Uint8Array, o: number, values: number[]): void {
  const v = new DataView(img.buffer, img.byteOffset);
  values.forEach((x, i) => v.setUint32(o + i * 4, x >>> 0, true));
}

/** An a.out-kludge kernel (spec 3.1.3): file byte 0 loads at 1 MiB, header at file offset 0x40. */
function aoutKernel(flags = 0x00010003, bssExtra = 0x2000): Uint8Array {
  const img = new Uint8Array(0x1000);
  for (let i = 0x100; i < img.length; i++) img[i] = (i * 3) & 0xff;
  const load = 0x100000;
  put32(img, 0x40, header(flags, [load + 0x40, load, load + img.length, load + img.length + bssExtra, load + 0x100]));
  return img;
}

/** A minimal ELF32 i386 executable with one PT_LOAD (file 0x200 bytes, memory 0x1000) and a multiboot header. */
function elfKernel(opts: { paddr?: number; vaddr?: number; entry?: number } = {}): Uint8Array {
  const paddr = opts.paddr ?? 0x200000;
  const vaddr = opts.vaddr ?? paddr;
  const img = new Uint8Array(0x1200);
  img.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]); // ELF, 32-bit, little-endian, version 1
  const v = new DataView(img.buffer);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 3, true); // EM_386
  v.setUint32(20, 1, true);
  v.setUint32(24, opts.entry ?? vaddr + 0x10, true); // e_entry
  v.setUint32(28, 52, true); // e_phoff
  v.setUint16(40, 52, true); // e_ehsize
  v.setUint16(42, 32, true); // e_phentsize
  v.setUint16(44, 1, true); // e_phnum
  put32(img, 52, [1, 0x1000, vaddr, paddr, 0x200, 0x1000, 5, 0x1000]); // PT_LOAD
  put32(img, 0x100, header(0x00000003));
  for (let i = 0; i < 0x200; i++) img[0x1000 + i] = (i + 0x55) & 0xff;
  return img;
}

test('spec 3.1.1: the header is found 32-bit aligned in the first 8 KiB with a valid checksum', () => {
  const h = findMultibootHeader(aoutKernel());
  assert.equal(h?.offset, 0x40);
  assert.equal(h?.addresses?.loadAddr, 0x100000);
  const bad = aoutKernel();
  bad[0x48] ^= 1; // checksum
  assert.equal(findMultibootHeader(bad), null);
  const late = new Uint8Array(0x3000);
  put32(late, 0x2000, header(0)); // at 8 KiB: outside the search window
  assert.equal(findMultibootHeader(late), null);
});

test('a.out kludge: image at load_addr, bss zeroed to bss_end_addr, entry_addr taken', () => {
  const m = new PhysicalMemory(8 * MiB);
  m.ram.fill(0xcc, 0x101000, 0x103000); // stale bytes where the bss goes
  const img = aoutKernel();
  const plan = loadMultiboot(m, img, { cmdline: 'root=/dev/sda' });
  assert.deepEqual(m.readBytes(0x100000, img.length), img);
  assert.ok(m.readBytes(0x101000, 0x2000).every((b) => b === 0), '.bss cleared');
  assert.equal(plan.entry, 0x100100);
  // Spec 3.2 machine state.
  assert.equal(plan.cpu.eax, 0x2badb002);
  assert.equal(plan.cpu.ebx, plan.infoAddress);
  assert.equal(plan.cpu.eip, 0x100100);
  assert.equal(plan.cpu.mode, 'protected32');
  assert.equal(plan.cpu.cs.base, 0);
  assert.equal(plan.cpu.cs.limit, 0xffffffff);
  assert.equal(plan.cpu.cs.access, 0x9b);
  for (const s of [plan.cpu.ds, plan.cpu.es, plan.cpu.fs, plan.cpu.gs, plan.cpu.ss]) {
    assert.equal(s.limit, 0xffffffff);
    assert.equal(s.access, 0x93);
  }
  assert.equal(plan.cpu.eflags & 0x20200, 0, 'IF and VM clear');
  assert.equal(plan.cpu.a20, true);
});

function cstring(m: PhysicalMemory, a: number): string {
  let s = '';
  for (let c = m.read8(a); c !== 0; c = m.read8(++a)) s += String.fromCharCode(c);
  return s;
}

test('spec 3.3 boot information: memory, command line, loader name, memory map, modules', () => {
  const m = new PhysicalMemory(16 * MiB);
  const mod1 = Uint8Array.from({ length: 5000 }, (_, i) => i & 0xff);
  const plan = loadMultiboot(m, aoutKernel(), {
    cmdline: 'kernel arg=1',
    modules: [{ data: mod1, cmdline: 'initrd' }, { data: new Uint8Array(10).fill(7), cmdline: 'second' }],
  });
  const mbi = plan.infoAddress;
  const flags = m.read32(mbi);
  for (const bit of [0, 2, 3, 6, 9]) assert.ok(flags & (1 << bit), `flag bit ${bit}`);
  assert.equal(flags & (1 << 12), 0, 'no framebuffer unless the header asks for video');
  assert.equal(m.read32(mbi + 4), 639, 'mem_lower KiB');
  assert.equal(m.read32(mbi + 8), 15 * 1024, 'mem_upper KiB from 1 MiB');
  assert.equal(cstring(m, m.read32(mbi + 16)), 'kernel arg=1');
  assert.equal(cstring(m, m.read32(mbi + 64)), 'Ringmaster');
  // mmap: size field 20, then base/length/type.
  const len = m.read32(mbi + 44);
  const at = m.read32(mbi + 48);
  assert.equal(len, 4 * 24);
  assert.equal(m.read32(at), 20);
  assert.equal(Number(m.read64(at + 4)), 0);
  assert.equal(Number(m.read64(at + 12)), 0x9fc00);
  assert.equal(m.read32(at + 20), E820_RAM);
  assert.equal(Number(m.read64(at + 3 * 24 + 4)), MiB);
  assert.equal(Number(m.read64(at + 3 * 24 + 12)), 15 * MiB);
  // Modules: page-aligned after the kernel's bss, in order, with their strings.
  assert.equal(m.read32(mbi + 20), 2);
  const mods = m.read32(mbi + 24);
  const s1 = m.read32(mods);
  const e1 = m.read32(mods + 4);
  assert.equal(s1 % 4096, 0);
  assert.ok(s1 >= 0x103000, 'above the kernel .bss');
  assert.equal(e1 - s1, 5000);
  assert.deepEqual(m.readBytes(s1, 5000), mod1);
  assert.equal(cstring(m, m.read32(mods + 8)), 'initrd');
  const s2 = m.read32(mods + 16);
  assert.equal(s2 % 4096, 0);
  assert.ok(s2 >= e1);
  assert.equal(cstring(m, m.read32(mods + 24)), 'second');
  assert.deepEqual(plan.modules.map((x) => x.cmdline), ['initrd', 'second']);
});

test('video flag (2): the 80x25 EGA text screen is described as framebuffer type 2', () => {
  const img = new Uint8Array(0x1000);
  put32(img, 0, header(0x00010004, [0x100000, 0x100000, 0, 0, 0x100000, 1, 80, 25, 0]));
  const m = new PhysicalMemory(4 * MiB);
  const plan = loadMultiboot(m, img);
  const mbi = plan.infoAddress;
  assert.ok(m.read32(mbi) & (1 << 12));
  assert.equal(Number(m.read64(mbi + 88)), 0xb8000);
  assert.equal(m.read32(mbi + 100), 80);
  assert.equal(m.read32(mbi + 104), 25);
  assert.equal(m.read8(mbi + 109), 2);
});

test('ELF32: PT_LOAD at p_paddr, memsz beyond filesz zeroed, virtual entry translated to physical', () => {
  const m = new PhysicalMemory(8 * MiB);
  m.ram.fill(0xee, 0x200000, 0x201000);
  const img = elfKernel();
  const plan = loadMultiboot(m, img);
  assert.deepEqual(m.readBytes(0x200000, 0x200), img.subarray(0x1000, 0x1200));
  assert.ok(m.readBytes(0x200200, 0xe00).every((b) => b === 0));
  assert.equal(plan.entry, 0x200010);
  const high = loadMultiboot(new PhysicalMemory(8 * MiB), elfKernel({ paddr: 0x100000, vaddr: 0xc0100000 }));
  assert.equal(high.entry, 0x100010);
});

test('bad multiboot input: typed errors', () => {
  const m = new PhysicalMemory(4 * MiB);
  assert.throws(() => loadMultiboot(m, new Uint8Array(64)), (e: Error) => e instanceof NotAKernelError && /magic 0x1BADB002/.test(e.message));
  // A required flag (bits 0-15) the loader does not know.
  const req = new Uint8Array(0x100);
  put32(req, 0, header(0x00000008));
  assert.throws(() => loadMultiboot(m, req), UnsupportedKernelError);
  // No kludge and not ELF.
  const notElf = new Uint8Array(0x100);
  put32(notElf, 0, header(0));
  assert.throws(() => loadMultiboot(m, notElf), /no ELF signature/);
  // load_end_addr beyond the file.
  const trunc = new Uint8Array(0x100);
  put32(trunc, 0, header(0x00010000, [0x100000, 0x100000, 0x101000, 0, 0x100000]));
  assert.throws(() => loadMultiboot(m, trunc), TruncatedImageError);
  // Kernel beyond RAM.
  const big = new Uint8Array(0x100);
  put32(big, 0, header(0x00010000, [0x100000, 0x100000, 0, 0x800000, 0x100000]));
  assert.throws(() => loadMultiboot(m, big), (e: Error) => e instanceof NotEnoughMemoryError && /give the VM more memory/.test(e.message));
  assert.ok(m.ram.every((b) => b === 0), 'refused kernels leave RAM untouched');
  // Module beyond RAM.
  assert.throws(() => loadMultiboot(m, aoutKernel(), { modules: [{ data: new Uint8Array(4 * MiB) }] }), NotEnoughMemoryError);
});

test('detectKernelKind: bzImage by HdrS, multiboot by header, otherwise unknown with a message naming both', () => {
  const bz = new Uint8Array(0x400);
  bz.set([0x48, 0x64, 0x72, 0x53], 0x202);
  assert.equal(detectKernelKind(bz), 'bzimage');
  assert.equal(detectKernelKind(aoutKernel()), 'multiboot');
  assert.equal(detectKernelKind(elfKernel()), 'multiboot');
  assert.equal(detectKernelKind(new Uint8Array(0x1000)), 'unknown');
  assert.equal(detectKernelKind(new Uint8Array(0)), 'unknown');
  assert.match(unknownKernelMessage(new Uint8Array(10)), /expected a Linux bzImage .* or a Multiboot v1 kernel/);
  assert.throws(() => loadKernel(new PhysicalMemory(4 * MiB), new Uint8Array(0x1000)), NotAKernelError);
});

test('loadKernel: a multiboot kernel gets the initrd as its first module', () => {
  const m = new PhysicalMemory(8 * MiB);
  const plan = loadKernel(m, aoutKernel(), { initrd: new Uint8Array(100).fill(9), cmdline: 'x' });
  assert.equal(plan.kind, 'multiboot');
  if (plan.kind === 'multiboot') {
    assert.equal(plan.modules.length, 1);
    assert.equal(m.read8(plan.modules[0].start), 9);
  }
});

test('real memtest86+ is a bzImage (Linux protocol), not booted as multiboot', { skip: existsSync('/boot/memtest86+ia32.bin') ? false : 'not present' }, () => {
  assert.equal(detectKernelKind(new Uint8Array(readFileSync('/boot/memtest86+ia32.bin'))), 'bzimage');
});

test('loadKernel with ACPI: tables installed at 0xF0000 and the RSDP address handed to Linux', () => {
  const m = new PhysicalMemory(16 * MiB);
  const bz = new Uint8Array(0x1000 + 0xa00);
  const v = new DataView(bz.buffer);
  bz[0x1f1] = 4;
  v.setUint16(0x1fe, 0xaa55, true);
  bz[0x201] = 0x6a;
  v.setUint32(0x202, 0x53726448, true);
  v.setUint16(0x206, 0x020f, true);
  bz[0x211] = 1;
  v.setUint32(0x214, 0x100000, true);
  v.setUint32(0x238, 255, true);
  const plan = loadKernel(m, bz, { acpi: { pmBase: 0xb000 } });
  assert.equal(plan.kind, 'linux');
  assert.equal(String.fromCharCode(...m.readBytes(0xf0000, 8)), 'RSD PTR ');
  if (plan.kind === 'linux') assert.equal(m.read32(plan.zeroPage + 0x70), 0xf0000);
});
