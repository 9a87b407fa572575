import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PhysicalMemory } from '../memory/physical-memory.js';
import {
  ACPI_RSDP_FILE,
  ACPI_TABLES_FILE,
  TABLE_LOADER_FILE,
  acpiLoaderFiles,
  buildAcpiTables,
  installAcpiTables,
  linkAcpiTables,
} from './acpi-tables.js';

const MiB = 1 << 20;

function sum(b: Uint8Array): number {
  return b.reduce((a, x) => (a + x) & 0xff, 0);
}

function sig(m: PhysicalMemory, a: number): string {
  return String.fromCharCode(...m.readBytes(a, 4));
}

/** Finds the RSDP the way an OS does (ACPI 5.2.5.1): 16-byte boundaries in 0xE0000-0xFFFFF. */
function scanRsdp(m: PhysicalMemory): number {
  for (let a = 0xe0000; a < 0x100000; a += 16) {
    if (String.fromCharCode(...m.readBytes(a, 8)) === 'RSD PTR ' && sum(m.readBytes(a, 20)) === 0) return a;
  }
  return -1;
}

/** Reads a table at `a`, checking its length and checksum (5.2.6). */
function table(m: PhysicalMemory, a: number): Uint8Array {
  const t = m.readBytes(a, m.read32(a + 4));
  assert.equal(sum(t), 0, `${sig(m, a)} checksum`);
  return t;
}

test('direct boot: RSDP found by scanning, RSDT -> FADT -> DSDT/FACS, all checksums valid', () => {
  const m = new PhysicalMemory(16 * MiB);
  const placed = installAcpiTables(m, { pmBase: 0xb000, pci: true });
  const rsdp = scanRsdp(m);
  assert.equal(rsdp, placed.rsdpAddress);
  assert.equal(m.read8(rsdp + 15), 0, 'revision 0 (ACPI 1.0 RSDP)');
  const rsdt = m.read32(rsdp + 16);
  assert.equal(sig(m, rsdt), 'RSDT');
  const r = table(m, rsdt);
  const entries = (r.length - 36) / 4;
  assert.equal(entries, 1);
  const fadt = m.read32(rsdt + 36);
  assert.equal(sig(m, fadt), 'FACP');
  assert.equal(table(m, fadt).length, 116);
  const facs = m.read32(fadt + 36);
  const dsdt = m.read32(fadt + 40);
  assert.equal(sig(m, facs), 'FACS');
  assert.equal(facs % 64, 0, 'FACS 64-byte aligned (5.2.10)');
  assert.equal(m.read32(facs + 4), 64);
  assert.equal(sig(m, dsdt), 'DSDT');
  table(m, dsdt);
  // The PM register block.
  assert.equal(m.read16(fadt + 46), 9, 'SCI_INT');
  assert.equal(m.read32(fadt + 48), 0xb2, 'SMI_CMD: the APM control port');
  assert.deepEqual([m.read8(fadt + 52), m.read8(fadt + 53)], [0xf1, 0xf0], 'ACPI_ENABLE / ACPI_DISABLE');
  assert.equal(m.read32(fadt + 56), 0xb000, 'PM1a_EVT_BLK');
  assert.equal(m.read32(fadt + 64), 0xb004, 'PM1a_CNT_BLK');
  assert.equal(m.read32(fadt + 76), 0xb008, 'PM_TMR_BLK');
  assert.deepEqual([m.read8(fadt + 88), m.read8(fadt + 89), m.read8(fadt + 91)], [4, 2, 4]);
});

test('DSDT: \\_S5 package gives SLP_TYP 0 (the PIIX4 soft-off type)', () => {
  const blob = buildAcpiTables({ pmBase: 0x600, isaDevices: false });
  const dsdt = blob.tables.subarray(blob.offsets.DSDT);
  const aml = Array.from(dsdt.subarray(36, new DataView(dsdt.buffer, dsdt.byteOffset).getUint32(4, true)));
  // NameOp "_S5_" PackageOp PkgLength(6) NumElements(4) Zero Zero Zero Zero
  assert.deepEqual(aml, [0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x06, 0x04, 0, 0, 0, 0]);
});

test('MADT (optional): local APIC per CPU, I/O APIC, IRQ0 override, all in the RSDT', () => {
  const m = new PhysicalMemory(16 * MiB);
  installAcpiTables(m, {
    pmBase: 0xb000,
    cpus: 2,
    madt: { ioApic: { id: 2, address: 0xfec00000, gsiBase: 0 }, irq0Override: true },
  });
  const rsdt = m.read32(scanRsdp(m) + 16);
  const tables = [m.read32(rsdt + 36), m.read32(rsdt + 40)];
  const madt = tables.find((a) => sig(m, a) === 'APIC')!;
  const t = table(m, madt);
  const v = new DataView(t.buffer);
  assert.equal(v.getUint32(36, true), 0xfee00000);
  const types: number[] = [];
  for (let o = 44; o < t.length; o += t[o + 1]) types.push(t[o]);
  assert.deepEqual(types, [0, 0, 1, 2, 4]);
  assert.equal(m.read8(tables.find((a) => sig(m, a) === 'FACP')! + 44), 1, 'INT_MODEL multiple APIC');
});

test('SeaBIOS table-loader files: executing the commands gives the same tables as direct linking', () => {
  const opts = { pmBase: 0x600, pci: { pirq: [10, 10, 11, 11] as const } };
  const files = acpiLoaderFiles(opts);
  const loader = files[TABLE_LOADER_FILE];
  assert.equal(loader.length % 128, 0);
  // A tiny romfile_loader_execute: allocate, add pointers, add checksums (romfile_loader.h).
  const mem: Record<string, Uint8Array> = {
    [ACPI_TABLES_FILE]: files[ACPI_TABLES_FILE].slice(),
    [ACPI_RSDP_FILE]: files[ACPI_RSDP_FILE].slice(),
  };
  const addr: Record<string, number> = {};
  const name = (b: Uint8Array, o: number) => String.fromCharCode(...b.subarray(o, b.indexOf(0, o)));
  const tablesAt = 0x7fe0000;
  for (let o = 0; o < loader.length; o += 128) {
    const c = loader.subarray(o, o + 128);
    const v = new DataView(c.buffer, c.byteOffset);
    switch (v.getUint32(0, true)) {
      case 1: {
        const f = name(c, 4);
        assert.ok(f in mem, f);
        addr[f] = c[64] === 2 ? 0xf5000 : tablesAt; // zone 2 = FSEG
        assert.equal(addr[f] % v.getUint32(60, true), 0);
        break;
      }
      case 2: {
        const dest = mem[name(c, 4)];
        const src = name(c, 60);
        const at = v.getUint32(116, true);
        assert.equal(c[120], 4);
        const dv = new DataView(dest.buffer);
        dv.setUint32(at, dv.getUint32(at, true) + addr[src], true);
        break;
      }
      case 3: {
        const f = mem[name(c, 4)];
        const start = v.getUint32(64, true);
        f[v.getUint32(60, true)] -= sum(f.subarray(start, start + v.getUint32(68, true)));
        break;
      }
      default:
        assert.fail('unknown loader command');
    }
  }
  const linked = linkAcpiTables(buildAcpiTables(opts), tablesAt);
  assert.deepEqual(mem[ACPI_TABLES_FILE], linked.tables);
  assert.deepEqual(mem[ACPI_RSDP_FILE], linked.rsdp);
  assert.equal(sum(linked.rsdp), 0);
});

const iasl = spawnSync('iasl', ['-v']).status === 0;

test('the DSDT with a PCI root bridge and _PRT disassembles cleanly with ACPICA iasl', { skip: iasl ? false : 'iasl (acpica-tools) not installed' }, () => {
  const blob = buildAcpiTables({ pmBase: 0xb000, pci: { pirq: [10, 10, 11, 11] } });
  const linked = linkAcpiTables(blob, 0x100000);
  const off = blob.offsets.DSDT;
  const len = new DataView(linked.tables.buffer).getUint32(off + 4, true);
  const dir = mkdtempSync(path.join(tmpdir(), 'rm-acpi-'));
  try {
    writeFileSync(path.join(dir, 'dsdt.aml'), linked.tables.subarray(off, off + len));
    const r = spawnSync('iasl', ['-d', 'dsdt.aml'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    // Without the disassembler's comments, so the patterns see only ASL.
    const dsl = readFileSync(path.join(dir, 'dsdt.dsl'), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '');
    assert.match(dsl, /Name \(_S5, Package \(0x04\)/);
    assert.match(dsl, /Device \(PCI0\)/);
    assert.match(dsl, /EisaId \("PNP0A03"\)/);
    // Device 1, INTA -> PIRQA (10); device 2, INTA -> PIRQB (10); device 3 INTA -> PIRQC (11).
    assert.match(dsl, /0x0001FFFF,\s*Zero,\s*Zero,\s*0x0A/);
    assert.match(dsl, /0x0003FFFF,\s*Zero,\s*Zero,\s*0x0B/);
    assert.match(dsl, /0x001FFFFF,\s*0x03,\s*Zero,\s*0x0A/);
    // The ISA devices with their resources (SeaBIOS looks for PNP0303 before touching the i8042).
    assert.match(dsl, /Device \(KBD\)[\s\S]*?EisaId \("PNP0303"\)[\s\S]*?IO \(Decode16,\s*0x0060,\s*0x0060,\s*0x01,\s*0x01,?[\s\S]*?IRQNoFlags \(\)\s*\{1\}/);
    assert.match(dsl, /EisaId \("PNP0F13"\)[\s\S]*?\{12\}/);
    assert.match(dsl, /EisaId \("PNP0B00"\)[\s\S]*?0x0070,\s*0x0070,\s*0x01,\s*0x02/);
    assert.match(dsl, /EisaId \("PNP0501"\)[\s\S]*?0x03F8,\s*0x03F8,\s*0x01,\s*0x08[\s\S]*?\{4\}/);
    assert.doesNotMatch(r.stdout + r.stderr, /Error/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad placement is refused; tables under a ROM are reported as not installed', () => {
  const m = new PhysicalMemory(MiB);
  assert.throws(() => installAcpiTables(m, { pmBase: 0xb000 }, { rsdpAddress: 0x1000 }), RangeError);
  assert.throws(() => installAcpiTables(m, { pmBase: 0xb000 }, { tablesAddress: 0xf0010 }), RangeError);
  assert.equal(installAcpiTables(m, { pmBase: 0xb000 }).installed, true);
  // Shadowed by a BIOS ROM: reported, not thrown (the guest boots without ACPI).
  m.mapRom(0xf0000, new Uint8Array(0x10000), 'bios');
  assert.equal(installAcpiTables(m, { pmBase: 0xb000 }).installed, false);
});

test('SMI_CMD 0 declares the machine always in ACPI mode, with no enable/disable values', () => {
  const blob = buildAcpiTables({ pmBase: 0xb000, smiCommand: 0 });
  const f = new DataView(blob.tables.buffer, blob.offsets.FACP);
  assert.equal(f.getUint32(48, true), 0);
  assert.equal(f.getUint16(52, true), 0);
});

test('the PCI root bridge _CRS declares bus 0-FFh, I/O around CF8h, the VGA window and the memory window (ACPI 6.4.3.5)', () => {
  const blob = buildAcpiTables({ pmBase: 0xb000, pci: { pirq: [10, 10, 11, 11], memWindow: { base: 0x08000000, limit: 0xfebfffff } } });
  const linked = linkAcpiTables(blob, 0x100000);
  const off = blob.offsets.DSDT;
  const dsdt = linked.tables.subarray(off, off + new DataView(linked.tables.buffer).getUint32(off + 4, true));
  const v = new DataView(dsdt.buffer, dsdt.byteOffset);
  const ranges: string[] = [];
  for (let i = 0; i + 3 < dsdt.length; i++) {
    // Word (88h, length 13) and DWord (87h, length 23) address space descriptors, producer, fixed.
    if (dsdt[i] === 0x88 && dsdt[i + 1] === 0x0d && dsdt[i + 2] === 0 && dsdt[i + 4] === 0x0c) {
      ranges.push(`${dsdt[i + 3] === 1 ? 'io' : 'bus'} ${v.getUint16(i + 8, true).toString(16)}-${v.getUint16(i + 10, true).toString(16)}`);
    } else if (dsdt[i] === 0x87 && dsdt[i + 1] === 0x17 && dsdt[i + 2] === 0 && dsdt[i + 4] === 0x0c) {
      ranges.push(`mem ${v.getUint32(i + 10, true).toString(16)}-${v.getUint32(i + 14, true).toString(16)}`);
    }
  }
  assert.deepEqual(ranges, ['bus 0-ff', 'io 0-cf7', 'io d00-ffff', 'mem a0000-bffff', 'mem 8000000-febfffff']);
});
