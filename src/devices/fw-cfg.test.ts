import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhysicalMemory } from '../memory/physical-memory.js';
import {
  DMA_CTL_ERROR,
  DMA_CTL_READ,
  DMA_CTL_SELECT,
  DMA_CTL_SKIP,
  DMA_CTL_WRITE,
  FW_CFG_BOOT_MENU,
  FW_CFG_E820_TABLE,
  FW_CFG_FILE_DIR,
  FW_CFG_ID,
  FW_CFG_MAX_CPUS,
  FW_CFG_NB_CPUS,
  FW_CFG_NUMA,
  FW_CFG_RAM_SIZE,
  FW_CFG_SIGNATURE,
  FwCfg,
  FwCfgConfigError,
  configurePcFwCfg,
  setFwCfgKernel,
  FW_CFG_KERNEL_SIZE,
  FW_CFG_CMDLINE_DATA,
} from './fw-cfg.js';
import { StateVersionError } from '../bus/device.js';

const MiB = 1 << 20;

function read(fw: FwCfg, key: number, n: number): Uint8Array {
  fw.selectorWrite(key);
  return Uint8Array.from({ length: n }, () => fw.dataRead());
}

function bswap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}

/** Writes an FWCfgDmaAccess (big-endian) at `at` and starts it the way SeaBIOS does. */
function dma(fw: FwCfg, m: PhysicalMemory, at: number, control: number, length: number, address: number): number {
  const v = new DataView(m.ram.buffer);
  v.setUint32(at, control >>> 0, false);
  v.setUint32(at + 4, length, false);
  v.setUint32(at + 8, 0, false);
  v.setUint32(at + 12, address, false);
  fw.dmaWrite32(4, bswap32(at)); // outl(cpu_to_be32(&access), 0x518)
  return v.getUint32(at, false);
}

/** Parses FW_CFG_FILE_DIR through the data register. */
function directory(fw: FwCfg): { name: string; size: number; select: number }[] {
  fw.selectorWrite(FW_CFG_FILE_DIR);
  const byte = () => fw.dataRead();
  const be = (n: number) => {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + byte();
    return v;
  };
  const count = be(4);
  const out = [];
  for (let i = 0; i < count; i++) {
    const size = be(4);
    const select = be(2);
    be(2);
    const name = Array.from({ length: 56 }, byte);
    out.push({ size, select, name: String.fromCharCode(...name.slice(0, name.indexOf(0))) });
  }
  return out;
}

test('fw_cfg.rst: signature item reads "QEMU", FW_CFG_ID has the traditional and DMA bits', () => {
  const fw = new FwCfg(new PhysicalMemory(MiB));
  assert.equal(String.fromCharCode(...read(fw, FW_CFG_SIGNATURE, 4)), 'QEMU');
  assert.deepEqual(read(fw, FW_CFG_ID, 4), Uint8Array.of(3, 0, 0, 0));
  const noDma = new FwCfg(new PhysicalMemory(MiB), { dma: false });
  assert.deepEqual(read(noDma, FW_CFG_ID, 4), Uint8Array.of(1, 0, 0, 0));
});

test('data register: selecting rewinds the offset; reads past the end return 0', () => {
  const fw = new FwCfg(new PhysicalMemory(MiB));
  fw.selectorWrite(FW_CFG_SIGNATURE);
  assert.equal(fw.dataRead(), 0x51);
  assert.equal(fw.dataRead(), 0x45);
  fw.selectorWrite(FW_CFG_SIGNATURE);
  assert.equal(fw.dataRead(), 0x51, 'offset back at 0');
  assert.deepEqual(read(fw, FW_CFG_SIGNATURE, 6), Uint8Array.of(0x51, 0x45, 0x4d, 0x55, 0, 0));
});

test('selector out of range or unset reads 0; the write-channel bit (14) does not change the item', () => {
  const fw = new FwCfg(new PhysicalMemory(MiB));
  assert.deepEqual(read(fw, 0x3fff, 4), new Uint8Array(4));
  assert.deepEqual(read(fw, 0x1234, 4), new Uint8Array(4));
  assert.deepEqual(read(fw, FW_CFG_RAM_SIZE, 4), new Uint8Array(4), 'not configured');
  assert.equal(String.fromCharCode(...read(fw, 0x4000 | FW_CFG_SIGNATURE, 4)), 'QEMU');
  // Data register writes are ignored (QEMU 2.4+).
  fw.selectorWrite(FW_CFG_SIGNATURE);
  fw.dataWrite(0);
  assert.equal(String.fromCharCode(...read(fw, FW_CFG_SIGNATURE, 4)), 'QEMU');
  assert.equal(fw.stats.ignoredWrites, 1);
});

test('arch-local keys (bit 15) are a separate table', () => {
  const fw = new FwCfg(new PhysicalMemory(MiB));
  configurePcFwCfg(fw, { ramSize: 16 * MiB });
  assert.deepEqual(read(fw, FW_CFG_E820_TABLE, 4), new Uint8Array(4));
  assert.deepEqual(read(fw, 0x8002, 4), Uint8Array.of(1, 0, 0, 0), 'IRQ0 override');
  assert.deepEqual(read(fw, 0x0002, 4), new Uint8Array(4), 'UUID, not the arch item 0x8002');
});

test('file directory: big-endian count and 64-byte entries with size, select and name', () => {
  const fw = new FwCfg(new PhysicalMemory(MiB));
  assert.deepEqual(directory(fw), []);
  const k1 = fw.addFile('etc/hello', Uint8Array.of(1, 2, 3));
  const k2 = fw.addFile('opt/org.example/x', new Uint8Array(300));
  assert.equal(k1, 0x20);
  assert.equal(k2, 0x21);
  assert.deepEqual(directory(fw), [
    { name: 'etc/hello', size: 3, select: 0x20 },
    { name: 'opt/org.example/x', size: 300, select: 0x21 },
  ]);
  // Replacing a file keeps its key and updates the size.
  assert.equal(fw.addFile('etc/hello', Uint8Array.of(9)), 0x20);
  assert.equal(directory(fw)[0].size, 1);
  assert.deepEqual(read(fw, 0x20, 2), Uint8Array.of(9, 0));
  assert.throws(() => fw.addFile('x'.repeat(56), new Uint8Array(1)), FwCfgConfigError);
});

test('DMA address register reads "QEMU CFG" (fw_cfg.rst "Signature")', () => {
  const fw = new FwCfg(new PhysicalMemory(MiB));
  const bytes = Array.from({ length: 8 }, (_, i) => fw.dmaRead8(i));
  assert.equal(String.fromCharCode(...bytes), 'QEMU CFG');
  // inl(0x514) on a little-endian CPU: "QEMU" with Q in the low byte.
  assert.equal(fw.dmaRead32(0), 0x554d4551);
});

test('DMA: select+read copies a file into guest memory; control reads 0 when done', () => {
  const m = new PhysicalMemory(MiB);
  const fw = new FwCfg(m);
  const data = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) & 0xff);
  const key = fw.addFile('etc/blob', data);
  const ctl = dma(fw, m, 0x1000, (key << 16) | DMA_CTL_SELECT | DMA_CTL_READ, 5000, 0x20000);
  assert.equal(ctl, 0);
  assert.deepEqual(m.readBytes(0x20000, 5000), data);
  // Reading past the end fills zeros and still succeeds.
  m.ram.fill(0xaa, 0x30000, 0x30010);
  assert.equal(dma(fw, m, 0x1000, DMA_CTL_READ, 16, 0x30000), 0);
  assert.ok(m.readBytes(0x30000, 16).every((b) => b === 0));
  assert.equal(fw.stats.dmaTransfers, 2);
});

test('DMA: skip advances the offset, then read continues from there', () => {
  const m = new PhysicalMemory(MiB);
  const fw = new FwCfg(m);
  const key = fw.addFile('etc/seq', Uint8Array.from({ length: 64 }, (_, i) => i));
  assert.equal(dma(fw, m, 0x1000, (key << 16) | DMA_CTL_SELECT | DMA_CTL_SKIP, 10, 0), 0);
  assert.equal(dma(fw, m, 0x1000, DMA_CTL_READ, 4, 0x2000), 0);
  assert.deepEqual(m.readBytes(0x2000, 4), Uint8Array.of(10, 11, 12, 13));
  // The data register continues at the same offset.
  assert.equal(fw.dataRead(), 14);
});

test('DMA: writes go only to writable items and never resize them; errors set bit 0', () => {
  const m = new PhysicalMemory(MiB);
  const fw = new FwCfg(m);
  const seen: number[] = [];
  const key = fw.addFile('etc/rw', new Uint8Array(4), { writable: true, onWrite: (_d, off, len) => seen.push(off, len) });
  m.ram.set([1, 2, 3, 4, 5], 0x3000);
  assert.equal(dma(fw, m, 0x1000, (key << 16) | DMA_CTL_SELECT | DMA_CTL_WRITE, 4, 0x3000), 0);
  assert.deepEqual(fw.getItem(key), Uint8Array.of(1, 2, 3, 4));
  assert.deepEqual(seen, [0, 4]);
  // Too long: truncated writes are dropped entirely.
  assert.equal(dma(fw, m, 0x1000, (key << 16) | DMA_CTL_SELECT | DMA_CTL_WRITE, 5, 0x3000) & DMA_CTL_ERROR, DMA_CTL_ERROR);
  // Read-only item.
  assert.equal(dma(fw, m, 0x1000, (FW_CFG_SIGNATURE << 16) | DMA_CTL_SELECT | DMA_CTL_WRITE, 4, 0x3000), DMA_CTL_ERROR);
  assert.equal(String.fromCharCode(...read(fw, FW_CFG_SIGNATURE, 4)), 'QEMU');
  assert.ok(fw.stats.dmaErrors >= 2);
});

test('DMA through byte writes of the address register (a split access) also starts on the last byte', () => {
  const m = new PhysicalMemory(MiB);
  const fw = new FwCfg(m);
  new DataView(m.ram.buffer).setUint32(0x1000, (FW_CFG_SIGNATURE << 16) | DMA_CTL_SELECT | DMA_CTL_READ, false);
  new DataView(m.ram.buffer).setUint32(0x1004, 4, false);
  new DataView(m.ram.buffer).setUint32(0x100c, 0x2000, false);
  [0, 0, 0, 0, 0x00, 0x00, 0x10, 0x00].forEach((b, i) => fw.dmaWrite8(i, b));
  assert.equal(String.fromCharCode(...m.readBytes(0x2000, 4)), 'QEMU');
});

test('PC items for SeaBIOS: RAM size, CPUs, boot menu off, NUMA, e820, boot-fail-wait, bootorder', () => {
  const m = new PhysicalMemory(MiB);
  const fw = new FwCfg(m);
  configurePcFwCfg(fw, {
    ramSize: 128 * MiB,
    e820: [
      { base: 0, length: 128 * MiB, type: 1 },
      { base: 0xfeffc000, length: 0x4000, type: 2 },
    ],
    bootOrder: ['/pci@i0cf8/ide@1,1/drive@1/disk@0', '/pci@i0cf8/ide@1,1/drive@0/disk@0'],
    vgaRom: Uint8Array.of(0x55, 0xaa, 1),
  });
  assert.deepEqual(read(fw, FW_CFG_RAM_SIZE, 8), Uint8Array.of(0, 0, 0, 8, 0, 0, 0, 0));
  assert.deepEqual(read(fw, FW_CFG_NB_CPUS, 2), Uint8Array.of(1, 0));
  assert.deepEqual(read(fw, FW_CFG_MAX_CPUS, 2), Uint8Array.of(1, 0));
  assert.deepEqual(read(fw, FW_CFG_BOOT_MENU, 2), Uint8Array.of(0, 0), 'no F12 prompt');
  assert.equal(fw.getItem(FW_CFG_NUMA)!.length, 16, 'node count + one CPU map entry');
  const files = directory(fw);
  const names = files.map((f) => f.name);
  for (const n of ['etc/e820', 'etc/boot-fail-wait', 'etc/boot-cpus', 'bootorder', 'vgaroms/vgabios.bin']) assert.ok(names.includes(n), n);
  assert.ok(!names.includes('etc/table-loader'), 'no table-loader: SeaBIOS builds its own ACPI tables and keeps PM base 0xB000');
  // etc/e820: packed {u64 addr, u64 len, u32 type} little-endian, 20 bytes each (SeaBIOS e820_reservation).
  const e820 = files.find((f) => f.name === 'etc/e820')!;
  assert.equal(e820.size, 40);
  const raw = read(fw, e820.select, 40);
  const v = new DataView(raw.buffer);
  assert.equal(v.getUint32(0, true), 0);
  assert.equal(v.getUint32(8, true), 128 * MiB);
  assert.equal(v.getUint32(16, true), 1);
  assert.equal(v.getUint32(20, true), 0xfeffc000);
  assert.equal(v.getUint32(28, true), 0x4000);
  assert.equal(v.getUint32(36, true), 2);
  const wait = files.find((f) => f.name === 'etc/boot-fail-wait')!;
  assert.deepEqual(read(fw, wait.select, 4), Uint8Array.of(0xff, 0xff, 0xff, 0xff), 'never retry');
  const order = files.find((f) => f.name === 'bootorder')!;
  const text = String.fromCharCode(...read(fw, order.select, order.size));
  assert.equal(text, '/pci@i0cf8/ide@1,1/drive@1/disk@0\n/pci@i0cf8/ide@1,1/drive@0/disk@0\0');
});

test('direct-boot items for an option ROM: sizes and data', () => {
  const fw = new FwCfg(new PhysicalMemory(MiB));
  setFwCfgKernel(fw, {
    setup: new Uint8Array(0xa00),
    setupAddress: 0x10000,
    kernel: new Uint8Array(0x3000),
    kernelAddress: 0x100000,
    cmdline: 'console=ttyS0',
    cmdlineAddress: 0x1e000,
  });
  assert.deepEqual(read(fw, FW_CFG_KERNEL_SIZE, 4), Uint8Array.of(0, 0x30, 0, 0));
  assert.equal(String.fromCharCode(...read(fw, FW_CFG_CMDLINE_DATA, 14)), 'console=ttyS0\0');
});

test('save/restore keeps the selected item, offset and writable contents', () => {
  const m = new PhysicalMemory(MiB);
  const a = new FwCfg(m);
  const key = a.addFile('etc/rw', new Uint8Array(4), { writable: true });
  a.getItem(key)!.set([7, 7, 7, 7]);
  a.selectorWrite(FW_CFG_SIGNATURE);
  a.dataRead();
  const state = a.saveState();
  const b = new FwCfg(m);
  b.addFile('etc/rw', new Uint8Array(4), { writable: true });
  b.loadState(structuredClone(state));
  assert.equal(b.dataRead(), 0x45, 'continues at offset 1 of the signature');
  assert.deepEqual(b.getItem(key), Uint8Array.of(7, 7, 7, 7));
  assert.throws(() => b.loadState({ version: 9 }), StateVersionError);
  b.reset();
  assert.equal(b.dataRead(), 0x51);
});
