import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { PhysicalMemory } from '../memory/physical-memory.js';
import { loadLinux, parseBzImage } from './linux.js';
import {
  BootError,
  CommandLineTooLongError,
  NotAKernelError,
  NotEnoughMemoryError,
  TruncatedImageError,
  UnsupportedKernelError,
} from './errors.js';
import { E820_RAM, E820_RESERVED, defaultE820 } from './e820.js';

const MiB = 1 << 20;

interface FakeKernel {
  version?: number;
  setupSects?: number;
  loadflags?: number;
  kernel?: Uint8Array;
  syssize?: number;
  initrdAddrMax?: number;
  relocatable?: boolean;
  kernelAlignment?: number;
  cmdlineSize?: number;
  prefAddress?: number;
  initSize?: number;
  code32Start?: number;
}

/** A bzImage with the boot.rst header layout and a recognisable protected-mode payload. */
function fakeBzImage(k: FakeKernel = {}): Uint8Array {
  const setupSects = k.setupSects ?? 4;
  const kernel = k.kernel ?? Uint8Array.from({ length: 0x3000 }, (_, i) => (i * 7 + 1) & 0xff);
  const realSects = setupSects === 0 ? 4 : setupSects;
  const img = new Uint8Array((realSects + 1) * 512 + kernel.length);
  const v = new DataView(img.buffer);
  img[0x1f1] = setupSects;
  v.setUint32(0x1f4, k.syssize ?? Math.ceil(kernel.length / 16), true);
  v.setUint16(0x1fe, 0xaa55, true);
  img[0x200] = 0xeb;
  img[0x201] = 0x6a; // header ends at 0x26C, as in 2.15 kernels
  v.setUint32(0x202, 0x53726448, true);
  v.setUint16(0x206, k.version ?? 0x020f, true);
  img[0x211] = k.loadflags ?? 0x01;
  v.setUint32(0x214, k.code32Start ?? 0x100000, true);
  v.setUint32(0x22c, k.initrdAddrMax ?? 0x7fffffff, true);
  v.setUint32(0x230, k.kernelAlignment ?? 0x200000, true);
  img[0x234] = k.relocatable ? 1 : 0;
  v.setUint32(0x238, k.cmdlineSize ?? 2047, true);
  v.setUint32(0x258, k.prefAddress ?? 0x100000, true);
  v.setUint32(0x260, k.initSize ?? 0x10000, true);
  img.set(kernel, (realSects + 1) * 512);
  return img;
}

function allZero(m: PhysicalMemory): boolean {
  return m.ram.every((b) => b === 0);
}

test('boot.rst setup header: fields read from a 2.15 image', () => {
  const bz = parseBzImage(fakeBzImage({ relocatable: true, kernelAlignment: 0x1000000, prefAddress: 0x1000000, initSize: 0x2000000 }));
  assert.equal(bz.header.version, 0x020f);
  assert.equal(bz.header.setupSects, 4);
  assert.equal(bz.setupSize, 5 * 512);
  assert.equal(bz.header.relocatable, true);
  assert.equal(bz.header.kernelAlignment, 0x1000000);
  assert.equal(bz.header.prefAddress, 0x1000000);
  assert.equal(bz.header.initSize, 0x2000000);
  assert.equal(bz.header.cmdlineSize, 2047);
  assert.equal(bz.header.headerEnd, 0x26c);
  assert.equal(bz.kernel.length, 0x3000);
});

test('boot.rst note (1): setup_sects 0 means 4', () => {
  const bz = parseBzImage(fakeBzImage({ setupSects: 0 }));
  assert.equal(bz.header.setupSects, 4);
  assert.equal(bz.setupSize, 0xa00);
});

test('older protocols: documented defaults for fields they lack (initrd_addr_max 0x37FFFFFF, cmdline_size 255)', () => {
  const bz = parseBzImage(fakeBzImage({ version: 0x0202, initrdAddrMax: 0x1000, cmdlineSize: 9999 }));
  assert.equal(bz.header.initrdAddrMax, 0x37ffffff);
  assert.equal(bz.header.cmdlineSize, 255);
  assert.equal(bz.header.relocatable, false);
  assert.equal(bz.header.syssize, 0);
});

test('bad input: typed errors whose message names the problem', () => {
  const noHdrs = fakeBzImage();
  noHdrs[0x202] = 0;
  assert.throws(() => parseBzImage(noHdrs), (e: Error) => e instanceof NotAKernelError && e.message === 'not a bzImage: missing HdrS signature');
  const noFlag = fakeBzImage();
  noFlag[0x1fe] = 0;
  assert.throws(() => parseBzImage(noFlag), NotAKernelError);
  assert.throws(() => parseBzImage(new Uint8Array(100)), /only 100 bytes/);
  assert.throws(() => parseBzImage(fakeBzImage().subarray(0, 0x300)), (e: Error) => e instanceof TruncatedImageError && /file has 768/.test(e.message));
  assert.throws(
    () => parseBzImage(fakeBzImage({ version: 0x0201 })),
    (e: Error) => e instanceof UnsupportedKernelError && e.message === 'kernel boot protocol 2.01 is too old (need 2.02+)',
  );
  assert.throws(() => parseBzImage(fakeBzImage({ loadflags: 0 })), /zImage/);
  const full = fakeBzImage();
  const cut = full.subarray(0, full.length - 0x1000);
  assert.throws(
    () => parseBzImage(cut),
    (e: Error) => e instanceof TruncatedImageError && e.message === `truncated kernel: setup says ${full.length} bytes, file has ${cut.length}`,
  );
  // Every refusal is a BootError (the CLI's one-line, exit-2 class).
  assert.throws(() => parseBzImage(cut), BootError);
});

test('syssize rounds up to a paragraph: a file up to 15 bytes short is whole', () => {
  const k = fakeBzImage({ kernel: new Uint8Array(0x1001), syssize: 0x101 });
  assert.equal(parseBzImage(k).kernel.length, 0x1001);
});

test('32-bit boot protocol: kernel at 1 MiB, zero page, command line, GDT and entry state', () => {
  const m = new PhysicalMemory(32 * MiB);
  const img = fakeBzImage();
  const plan = loadLinux(m, img, { cmdline: 'console=ttyS0 quiet' });
  // Kernel bytes at 0x100000 (boot.rst "Loading The Rest of The Kernel").
  assert.deepEqual(m.readBytes(0x100000, 0x3000), img.subarray(5 * 512));
  assert.equal(plan.entry, 0x100000);
  assert.equal(plan.esi, plan.zeroPage);
  const zp = plan.zeroPage;
  // Header copied from the file: HdrS and version in place.
  assert.equal(m.read32(zp + 0x202), 0x53726448);
  assert.equal(m.read16(zp + 0x206), 0x020f);
  assert.equal(m.read8(zp + 0x210), 0xff, 'type_of_loader');
  assert.equal(m.read8(zp + 0x211), 0x81, 'loadflags: LOADED_HIGH kept, CAN_USE_HEAP set');
  assert.equal(m.read16(zp + 0x224), 0xde00, 'heap_end_ptr = heap end - 0x200');
  assert.equal(m.read32(zp + 0x228), plan.cmdLineAddress);
  assert.equal(m.read32(zp + 0x218), 0, 'no initrd');
  const cmd = m.readBytes(plan.cmdLineAddress, 20);
  assert.equal(String.fromCharCode(...cmd.subarray(0, 19)), 'console=ttyS0 quiet');
  assert.equal(cmd[19], 0);
  // The command line lies between the heap end and 0xA0000 (boot.rst "cmd_line_ptr").
  assert.ok(plan.cmdLineAddress >= zp + 0xe000 && plan.cmdLineAddress < 0xa0000);
  // screen_info: 80x25 VGA text mode 3.
  assert.equal(m.read8(zp + 0x06), 3);
  assert.equal(m.read8(zp + 0x07), 80);
  assert.equal(m.read8(zp + 0x0e), 25);
  assert.equal(m.read8(zp + 0x0f), 1);
  assert.equal(m.read32(zp + 0x1e0), 31 * 1024, 'alt_mem_k: KiB above 1 MiB');
  // e820 table at 0x2D0, count at 0x1E8.
  assert.equal(m.read8(zp + 0x1e8), 4);
  const e = (i: number) => ({
    base: Number(m.read64(zp + 0x2d0 + i * 20)),
    length: Number(m.read64(zp + 0x2d0 + i * 20 + 8)),
    type: m.read32(zp + 0x2d0 + i * 20 + 16),
  });
  assert.deepEqual(e(0), { base: 0, length: 0x9fc00, type: E820_RAM });
  assert.deepEqual(e(1), { base: 0x9fc00, length: 0x400, type: E820_RESERVED });
  assert.deepEqual(e(2), { base: 0xf0000, length: 0x10000, type: E820_RESERVED });
  assert.deepEqual(e(3), { base: MiB, length: 31 * MiB, type: E820_RAM });
  // CPU state: boot.rst "32-bit Boot Protocol".
  const c = plan.cpu;
  assert.equal(c.mode, 'protected32');
  assert.equal(c.cs.selector, 0x10);
  for (const s of [c.ds, c.es, c.ss]) assert.equal(s.selector, 0x18);
  assert.equal(c.cs.access, 0x9b);
  assert.equal(c.ds.access, 0x93);
  assert.equal(c.cs.limit, 0xffffffff);
  assert.equal(c.cs.base, 0);
  assert.equal(c.esi, zp);
  assert.equal(c.ebp | c.edi | c.ebx, 0);
  assert.equal(c.eflags & 0x200, 0, 'interrupts off');
  assert.equal(c.cr0 & 0x80000001, 1, 'PE on, paging off');
  // The GDT in memory holds the same flat descriptors at 0x10 and 0x18.
  assert.equal(m.read32(c.gdtr.base + 0x10), 0x0000ffff);
  assert.equal(m.read32(c.gdtr.base + 0x14), 0x00cf9b00);
  assert.equal(m.read32(c.gdtr.base + 0x18), 0x0000ffff);
  assert.equal(m.read32(c.gdtr.base + 0x1c), 0x00cf9300);
  assert.ok(c.gdtr.limit >= 0x1f);
});

test('initrd: page-aligned, as high as initrd_addr_max and RAM allow', () => {
  const initrd = Uint8Array.from({ length: 0x12345 }, (_, i) => (i * 13) & 0xff);
  const m = new PhysicalMemory(32 * MiB);
  const plan = loadLinux(m, fakeBzImage(), { initrd });
  const top = 32 * MiB;
  assert.equal(plan.initrd!.address, Math.floor((top - initrd.length) / 4096) * 4096);
  assert.equal(plan.initrd!.address % 4096, 0);
  assert.deepEqual(m.readBytes(plan.initrd!.address, initrd.length), initrd);
  assert.equal(m.read32(plan.zeroPage + 0x218), plan.initrd!.address);
  assert.equal(m.read32(plan.zeroPage + 0x21c), initrd.length);
  // initrd_addr_max is the highest byte the initrd may occupy (boot.rst example: 0x37FE0000 for 128 KiB).
  const m2 = new PhysicalMemory(32 * MiB);
  const p2 = loadLinux(m2, fakeBzImage({ initrdAddrMax: 0x7fffff }), { initrd: new Uint8Array(0x20000) });
  assert.equal(p2.initrd!.address, 0x7e0000);
  // Refused by the kernel's own limit: more RAM would not help, so the message does not ask for it.
  assert.throws(
    () => loadLinux(new PhysicalMemory(32 * MiB), fakeBzImage({ initrdAddrMax: 0x7fffff }), { initrd: new Uint8Array(8 * MiB) }),
    (e: Error) => /the kernel's initrd limit/.test(e.message) && !/more memory/.test(e.message),
  );
});

test('initrd too large for RAM: error names the size and asks for memory; RAM untouched', () => {
  const m = new PhysicalMemory(8 * MiB);
  assert.throws(
    () => loadLinux(m, fakeBzImage(), { initrd: new Uint8Array(7 * MiB + 1) }),
    (e: Error) => e instanceof NotEnoughMemoryError && /^initrd of 7\.0 MiB does not fit below 0x800000 \(the top of RAM\).*give the VM more memory$/.test(e.message),
  );
  assert.ok(allZero(m));
});

test('init_size: a relocatable kernel runs at align_up(load, kernel_alignment) and needs init_size there', () => {
  const k = fakeBzImage({ relocatable: true, kernelAlignment: 0x1000000, initSize: 0x1000000 });
  assert.throws(
    () => loadLinux(new PhysicalMemory(24 * MiB), k),
    (e: Error) => e instanceof NotEnoughMemoryError && /needs 32 MiB of RAM/.test(e.message) && /give the VM more memory/.test(e.message),
  );
  // With room, the initrd is kept above the kernel's working area.
  const plan = loadLinux(new PhysicalMemory(40 * MiB), k, { initrd: new Uint8Array(MiB) });
  assert.ok(plan.initrd!.address >= 32 * MiB);
  assert.throws(() => loadLinux(new PhysicalMemory(32 * MiB), k, { initrd: new Uint8Array(MiB) }), /: initrd of 1 MiB does not fit/);
});

test('command line longer than cmdline_size is refused (2.06+ field, 255 before)', () => {
  const m = new PhysicalMemory(16 * MiB);
  assert.throws(
    () => loadLinux(m, fakeBzImage({ cmdlineSize: 10 }), { cmdline: 'console=ttyS0' }),
    (e: Error) => e instanceof CommandLineTooLongError && e.message === 'command line is 13 bytes, this kernel accepts at most 10',
  );
  assert.throws(() => loadLinux(m, fakeBzImage({ version: 0x0205 }), { cmdline: 'x'.repeat(256) }), /at most 255/);
  loadLinux(m, fakeBzImage({ version: 0x0205 }), { cmdline: 'x'.repeat(255) });
});

test('the board passes its own e820 map; RAM top comes from it', () => {
  const m = new PhysicalMemory(64 * MiB);
  const e820 = [...defaultE820(48 * MiB), { base: 0xfffc0000, length: 0x40000, type: E820_RESERVED }];
  const plan = loadLinux(m, fakeBzImage(), { e820, initrd: new Uint8Array(4096) });
  assert.equal(m.read8(plan.zeroPage + 0x1e8), 5);
  assert.equal(Number(m.read64(plan.zeroPage + 0x2d0 + 4 * 20)), 0xfffc0000);
  assert.equal(plan.initrd!.address, 48 * MiB - 4096);
});

test('16-bit entry: real-mode code at X=0x10000, entered at (X>>4)+0x20:0 with sp at the heap end', () => {
  const m = new PhysicalMemory(16 * MiB);
  const img = fakeBzImage();
  const plan = loadLinux(m, img, { entry: 'real16', cmdline: 'a' });
  assert.equal(plan.cpu.mode, 'real16');
  assert.equal(plan.cpu.cs.selector, 0x1020);
  assert.equal(plan.cpu.eip, 0);
  assert.equal(plan.cpu.ds.selector, 0x1000);
  assert.equal(plan.cpu.ss.selector, 0x1000);
  assert.equal(plan.cpu.esp, 0xe000);
  // The setup code is loaded whole, with the header fields patched.
  assert.equal(m.read16(0x10000 + 0x1fe), 0xaa55);
  assert.equal(m.read8(0x10000 + 0x210), 0xff);
  assert.equal(m.read32(0x10000 + 0x228), 0x1e000);
  assert.equal(m.read16(0x10000 + 0x1fa), 0xffff, 'vid_mode normal');
});

/** The image cache of the recipe (src/cli/images/paths.ts): $RINGMASTER_IMAGES or the XDG cache. */
const imagesDir = process.env.RINGMASTER_IMAGES ?? path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'ringmaster/images');
const firstExisting = (...paths: string[]) => paths.find((p) => existsSync(p));
const debianKernel = firstExisting(
  path.join(imagesDir, 'i386/vmlinuz'),
  '/usr/lib/debian-installer/images/12/i386/text/debian-installer/i386/linux',
);
const debianInitrd = debianKernel && firstExisting(path.join(path.dirname(debianKernel), 'initrd.gz'));
const amd64Kernel = firstExisting(path.join(imagesDir, 'amd64/vmlinuz'));
const memtest = firstExisting(path.join(imagesDir, 'memtest/memtest86+ia32.bin'), '/boot/memtest86+ia32.bin');

test('real Debian 12 i386 kernel: header values', { skip: debianKernel ? false : 'Debian kernel not present' }, () => {
  const bz = parseBzImage(new Uint8Array(readFileSync(debianKernel!)));
  const h = bz.header;
  assert.ok(h.version >= 0x020f, `protocol ${h.version.toString(16)}`);
  assert.equal(h.code32Start, 0x100000);
  assert.equal(h.relocatable, true);
  assert.equal(h.loadflags & 1, 1);
  assert.equal(h.kernelAlignment, 0x1000000);
  assert.equal(h.prefAddress, 0x1000000);
  assert.equal(h.cmdlineSize, 2047);
  assert.equal(h.initrdAddrMax, 0x7fffffff);
  assert.ok(h.initSize > 0x1000000, 'init_size beyond 16 MiB');
  assert.match(bz.kernelVersion ?? '', /^6\.\d+\.\d+/);
});

test('real Debian kernel + its initrd: loads in 128 MiB; a 20 MiB initrd is refused in 48 MiB', { skip: debianInitrd ? false : 'Debian initrd not present' }, () => {
  const kernel = new Uint8Array(readFileSync(debianKernel!));
  const initrd = new Uint8Array(readFileSync(debianInitrd!));
  const m = new PhysicalMemory(128 * MiB);
  const plan = loadLinux(m, kernel, { initrd, cmdline: 'console=ttyS0' });
  assert.equal(plan.entry, 0x100000);
  assert.equal(plan.initrd!.address, Math.floor((128 * MiB - initrd.length) / 4096) * 4096);
  assert.equal(m.read8(0x100000), kernel[(kernel[0x1f1] + 1) * 512]);
  assert.equal(m.read32(plan.zeroPage + 0x21c), initrd.length);
  // The kernel unpacks at 16 MiB and needs init_size (> 16 MiB) there: a 20 MiB initrd cannot go below 48 MiB too.
  assert.throws(
    () => loadLinux(new PhysicalMemory(48 * MiB), kernel, { initrd: new Uint8Array(20 * MiB) }),
    /: initrd of 20 MiB does not fit below 0x3000000 .*give the VM more memory$/,
  );
});

test('real memtest86+ (Debian): a non-relocatable 2.12 bzImage', { skip: memtest ? false : 'memtest86+ not present' }, () => {
  const bz = parseBzImage(new Uint8Array(readFileSync(memtest!)));
  assert.equal(bz.header.version, 0x020c);
  assert.equal(bz.header.setupSects, 2);
  assert.equal(bz.header.relocatable, false);
  assert.equal(bz.header.prefAddress, 0x100000);
  const plan = loadLinux(new PhysicalMemory(16 * MiB), bz);
  assert.equal(plan.entry, 0x100000);
});

test('real Debian amd64 kernel: a 64-bit bzImage still offers the 32-bit entry', { skip: amd64Kernel ? false : 'amd64 kernel not built' }, () => {
  const bz = parseBzImage(new Uint8Array(readFileSync(amd64Kernel!)));
  assert.ok(bz.header.version >= 0x020c);
  assert.equal(bz.header.xloadflags & 1, 1, 'XLF_KERNEL_64');
  assert.equal(bz.header.code32Start, 0x100000);
});

test('acpi_rsdp_addr is passed in the zero page when the board placed an RSDP', () => {
  const m = new PhysicalMemory(16 * MiB);
  const plan = loadLinux(m, fakeBzImage(), { acpiRsdpAddress: 0xf0000 });
  assert.equal(m.read32(plan.zeroPage + 0x70), 0xf0000);
});
