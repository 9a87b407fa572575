// Minimal ACPI tables for a PIIX4-style PC (ACPI 1.0b / 6.x chapter 5): RSDP, RSDT, FADT,
// FACS, a DSDT with \_S5 (soft-off, SLP_TYP 0 as QEMU's PIIX4 PM) and optionally the PCI root
// bridge with its interrupt routing, and an optional MADT. The tables are built once as a
// position-independent blob plus the pointer and checksum fix-ups QEMU's BIOS linker/loader
// uses (SeaBIOS src/fw/romfile_loader.h), so the same tables can be installed directly in
// guest memory (direct kernel boot) or handed to SeaBIOS through fw_cfg "etc/table-loader".

import type { PhysicalMemory } from '../memory/physical-memory.js';

export interface AcpiPciRouting {
  /** ISA IRQs behind PIRQA..PIRQD (the board's PIIX3 routing registers 0x60-0x63). */
  pirq: readonly [number, number, number, number];
  /**
   * The PCI memory window above RAM, e.g. RAM top to FEBFFFFFh as QEMU's i440FX. With it the root
   * bridge gets a _CRS (bus 0-FFh, I/O except the CF8h config ports, the VGA window and this
   * range), so the OS allocates BARs inside the windows firmware used.
   */
  memWindow?: { base: number; limit: number };
}

export interface AcpiMadtOptions {
  localApicAddress?: number;
  ioApic?: { id: number; address: number; gsiBase: number };
  /** Interrupt source override IRQ0 -> GSI2 (as SeaBIOS with etc/irq0-override). */
  irq0Override?: boolean;
}

export interface AcpiOptions {
  /** I/O base of the PM register block (PIIX4 PMBA): PM1a_EVT at +0, PM1a_CNT at +4, PM_TMR at +8. */
  pmBase: number;
  sciIrq?: number;
  /**
   * SMI command port and the values that switch ACPI mode on/off. Default: the PIIX4 APM
   * control port 0xB2 with 0xF1/0xF0, as SeaBIOS's tables (the OS writes 0xF1 and the PM
   * device sets SCI_EN). 0 declares the machine always in ACPI mode (ACPI 6.x 5.2.9); the PM
   * device must then start with SCI_EN set (AcpiPmOptions.sciEnabledAtReset).
   */
  smiCommand?: number;
  acpiEnable?: number;
  acpiDisable?: number;
  /** Describe the PCI root bridge (PNP0A03) so an ACPI kernel scans bus 0; with routing, a _PRT. */
  pci?: boolean | AcpiPciRouting;
  madt?: AcpiMadtOptions;
  /**
   * Describe the legacy ISA devices (PS/2 keyboard and mouse, RTC, COM1) with their resources.
   * Default true: SeaBIOS skips PS/2 setup when a DSDT it parsed lacks PNP0303 (hw/ps2port.c).
   */
  isaDevices?: boolean;
  cpus?: number;
  oemId?: string;
}

/** A table set before placement: offsets in pointer fields are relative to the tables blob. */
export interface AcpiBlob {
  /** 20-byte ACPI 1.0 RSDP. */
  rsdp: Uint8Array;
  /** FACS, DSDT, FADT, [MADT], RSDT, in that order (FACS first: it needs 64-byte alignment). */
  tables: Uint8Array;
  /** Fields holding a tables-relative offset that must become a physical address. */
  pointers: { file: 'rsdp' | 'tables'; offset: number; size: 4 }[];
  /** Byte sums to make zero after the pointers are fixed (ACPI 5.2.6 "checksum"). */
  checksums: { file: 'rsdp' | 'tables'; offset: number; start: number; length: number }[];
  /** Offsets of each table in `tables`, by signature. */
  offsets: Record<string, number>;
}

const HEADER = 36;

function ascii(s: string, length: number): Uint8Array {
  const b = new Uint8Array(length);
  for (let i = 0; i < Math.min(s.length, length); i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

/** ACPI table header (5.2.6) with checksum 0; the checksum is a fix-up. */
function header(signature: string, length: number, revision: number, oemId: string): Uint8Array {
  const h = new Uint8Array(HEADER);
  const v = new DataView(h.buffer);
  h.set(ascii(signature, 4), 0);
  v.setUint32(4, length, true);
  h[8] = revision;
  h.set(ascii(oemId, 6), 10);
  h.set(ascii('RM' + signature, 8), 16); // OEM table id
  v.setUint32(24, 1, true); // OEM revision
  h.set(ascii('RMST', 4), 28); // creator id
  v.setUint32(32, 1, true); // creator revision
  return h;
}

// ---- AML (ACPI 6.x chapter 20) ----

/** PkgLength: its own bytes plus `content` bytes, in the 1-4 byte encoding (20.2.4). */
function pkgLength(content: number): number[] {
  if (content + 1 < 0x40) return [content + 1];
  for (let n = 2; n <= 4; n++) {
    const total = content + n;
    if (total < 1 << (4 + 8 * (n - 1))) {
      const out = [((n - 1) << 6) | (total & 0x0f)];
      for (let i = 1; i < n; i++) out.push((total >> (4 + 8 * (i - 1))) & 0xff);
      return out;
    }
  }
  throw new Error('AML package too large');
}

function nameSeg(s: string): number[] {
  return Array.from(s.padEnd(4, '_'), (c) => c.charCodeAt(0));
}

/** An integer as the shortest AML data object (Zero, One, Byte/Word/DWordConst). */
function amlInt(v: number): number[] {
  if (v === 0) return [0x00];
  if (v === 1) return [0x01];
  if (v <= 0xff) return [0x0a, v];
  if (v <= 0xffff) return [0x0b, v & 0xff, v >> 8];
  return [0x0c, v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
}

function amlPackage(elements: number[][]): number[] {
  const body = [elements.length, ...elements.flat()];
  return [0x12, ...pkgLength(body.length), ...body];
}

function amlName(name: string, value: number[]): number[] {
  return [0x08, ...nameSeg(name), ...value];
}

/** EisaId("PNP0A03"): three 5-bit letters and four hex digits, stored big-endian. */
function eisaId(id: string): number[] {
  const c = (i: number) => id.charCodeAt(i) - 0x40;
  const hi = (c(0) << 10) | (c(1) << 5) | c(2);
  const product = parseInt(id.slice(3), 16);
  return [0x0c, hi >> 8, hi & 0xff, product >> 8, product & 0xff];
}

/** Buffer (20.2.5.4 DefBuffer) holding a resource template that ends with an End Tag (6.4.2.9). */
function amlResources(items: number[]): number[] {
  const bytes = [...items, 0x79, 0x00];
  const size = amlInt(bytes.length);
  return [0x11, ...pkgLength(size.length + bytes.length), ...size, ...bytes];
}

/** I/O port descriptor, 16-bit decode, fixed base (6.4.2.5). */
function ioPort(base: number, length: number): number[] {
  return [0x47, 0x01, base & 0xff, base >> 8, base & 0xff, base >> 8, 0x01, length];
}

/** Word Address Space descriptor (ACPI 6.4.3.5.3): type 1 I/O, 2 bus numbers; fixed min and max. */
function wordSpace(type: number, min: number, max: number): number[] {
  const w = (v: number) => [v & 0xff, (v >> 8) & 0xff];
  const typeFlags = type === 1 ? 0x03 : 0x00; // I/O: ISA and non-ISA ranges
  return [0x88, 0x0d, 0x00, type, 0x0c, typeFlags, ...w(0), ...w(min), ...w(max), ...w(0), ...w(max - min + 1)];
}

/** DWord Memory descriptor (ACPI 6.4.3.5.2): read/write, cacheable; fixed min and max. */
function dwordMemory(min: number, max: number): number[] {
  const d = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
  return [0x87, 0x17, 0x00, 0x00, 0x0c, 0x03, ...d(0), ...d(min), ...d(max), ...d(0), ...d(max - min + 1)];
}

/** IRQ descriptor without flags: edge-triggered, active high (6.4.2.1). */
function irqNoFlags(irq: number): number[] {
  return [0x22, (1 << irq) & 0xff, (1 << irq) >> 8];
}

function amlDevice(name: string, body: number[]): number[] {
  return [0x5b, 0x82, ...pkgLength(4 + body.length), ...nameSeg(name), ...body];
}

/** The PC's fixed ISA devices, as QEMU describes them under its ISA bridge. */
function isaDevices(): number[] {
  const dev = (name: string, hid: string, res: number[]) =>
    amlDevice(name, [...amlName('_HID', eisaId(hid)), ...amlName('_CRS', amlResources(res))]);
  return [
    ...dev('KBD_', 'PNP0303', [...ioPort(0x60, 1), ...ioPort(0x64, 1), ...irqNoFlags(1)]),
    ...dev('MOU_', 'PNP0F13', irqNoFlags(12)),
    ...dev('RTC_', 'PNP0B00', [...ioPort(0x70, 2), ...irqNoFlags(8)]),
    ...dev('COM1', 'PNP0501', [...ioPort(0x3f8, 8), ...irqNoFlags(4)]),
  ];
}

function dsdtBody(o: AcpiOptions): number[] {
  // \_S5: SLP_TYPa = SLP_TYPb = 0, the PIIX4 PM's soft-off encoding (QEMU hw/acpi/core.c).
  const aml = amlName('_S5_', amlPackage([[0x00], [0x00], [0x00], [0x00]]));
  const sb: number[] = [];
  if (o.isaDevices ?? true) sb.push(...isaDevices());
  if (o.pci) {
    const dev = [
      ...amlName('_HID', eisaId('PNP0A03')),
      ...amlName('_ADR', [0x00]),
      ...amlName('_UID', [0x00]),
    ];
    if (typeof o.pci === 'object') {
      // _PRT in PIC mode: {address 0xSSSSFFFF, pin, source 0, GSI = ISA IRQ}; the PIIX
      // barber-pole: device d, pin p (0=INTA) uses PIRQ[(d + p - 1) & 3].
      const entries: number[][] = [];
      for (let d = 1; d < 32; d++) {
        for (let p = 0; p < 4; p++) {
          entries.push(amlPackage([amlInt(((d << 16) | 0xffff) >>> 0), amlInt(p), [0x00], amlInt(o.pci.pirq[(d + p - 1) & 3])]));
        }
      }
      dev.push(...amlName('_PRT', amlPackage(entries)));
      const w = o.pci.memWindow;
      if (w) {
        const crs = [
          ...wordSpace(2, 0x00, 0xff),
          ...wordSpace(1, 0x0000, 0x0cf7),
          ...wordSpace(1, 0x0d00, 0xffff),
          ...dwordMemory(0xa0000, 0xbffff),
          ...dwordMemory(w.base, w.limit),
        ];
        dev.push(...amlName('_CRS', amlResources(crs)));
      }
    }
    sb.push(...amlDevice('PCI0', dev));
  }
  if (sb.length > 0) {
    const scopeBody = [0x5c, ...nameSeg('_SB_'), ...sb];
    aml.push(0x10, ...pkgLength(scopeBody.length), ...scopeBody);
  }
  return aml;
}

/** Builds the position-independent table set. */
export function buildAcpiTables(o: AcpiOptions): AcpiBlob {
  const oem = o.oemId ?? 'RINGMS';
  const parts: { sig: string; bytes: Uint8Array; align: number }[] = [];

  const facs = new Uint8Array(64); // 5.2.10: signature, length; everything else zero
  facs.set(ascii('FACS', 4), 0);
  new DataView(facs.buffer).setUint32(4, 64, true);
  parts.push({ sig: 'FACS', bytes: facs, align: 64 });

  const aml = dsdtBody(o);
  const dsdt = new Uint8Array(HEADER + aml.length);
  dsdt.set(header('DSDT', dsdt.length, 1, oem));
  dsdt.set(aml, HEADER);
  parts.push({ sig: 'DSDT', bytes: dsdt, align: 4 });

  // FADT revision 1 (ACPI 1.0b, 116 bytes), laid out as SeaBIOS's fadt_descriptor_rev1.
  const fadt = new Uint8Array(116);
  fadt.set(header('FACP', 116, 1, oem));
  const f = new DataView(fadt.buffer);
  fadt[44] = o.madt ? 1 : 0; // INT_MODEL (1.0): 1 = multiple APIC
  f.setUint16(46, o.sciIrq ?? 9, true);
  const smi = o.smiCommand ?? 0xb2;
  f.setUint32(48, smi, true);
  fadt[52] = smi === 0 ? 0 : (o.acpiEnable ?? 0xf1);
  fadt[53] = smi === 0 ? 0 : (o.acpiDisable ?? 0xf0);
  f.setUint32(56, o.pmBase, true); // PM1a_EVT_BLK
  f.setUint32(64, o.pmBase + 4, true); // PM1a_CNT_BLK
  f.setUint32(76, o.pmBase + 8, true); // PM_TMR_BLK
  fadt[88] = 4; // PM1_EVT_LEN
  fadt[89] = 2; // PM1_CNT_LEN
  fadt[91] = 4; // PM_TMR_LEN
  f.setUint16(96, 0xfff, true); // P_LVL2_LAT: C2 not supported
  f.setUint16(98, 0xfff, true); // P_LVL3_LAT: C3 not supported
  fadt[108] = 0x32; // CENTURY: CMOS index of the century byte
  // Flags: WBINVD, PROC_C1, SLP_BUTTON (no sleep button), RTC_S4; the power button is a fixed feature.
  f.setUint32(112, (1 << 0) | (1 << 2) | (1 << 5) | (1 << 7), true);
  parts.push({ sig: 'FACP', bytes: fadt, align: 4 });

  if (o.madt) parts.push({ sig: 'APIC', bytes: buildMadt(o.madt, o.cpus ?? 1, oem), align: 4 });

  const tableSigs = parts.filter((p) => p.sig !== 'FACS').map((p) => p.sig);
  const rsdt = new Uint8Array(HEADER + 4 * tableSigs.filter((s) => s !== 'DSDT').length);
  rsdt.set(header('RSDT', rsdt.length, 1, oem));
  parts.push({ sig: 'RSDT', bytes: rsdt, align: 4 });

  // Lay out.
  const offsets: Record<string, number> = {};
  let size = 0;
  for (const p of parts) {
    size = Math.ceil(size / p.align) * p.align;
    offsets[p.sig] = size;
    size += p.bytes.length;
  }
  const tables = new Uint8Array(size);
  for (const p of parts) tables.set(p.bytes, offsets[p.sig]);
  const t = new DataView(tables.buffer);
  const pointers: AcpiBlob['pointers'] = [];
  const checksums: AcpiBlob['checksums'] = [];
  const pointer = (at: number, target: string): void => {
    t.setUint32(at, offsets[target], true);
    pointers.push({ file: 'tables', offset: at, size: 4 });
  };
  pointer(offsets.FACP + 36, 'FACS'); // FIRMWARE_CTRL
  pointer(offsets.FACP + 40, 'DSDT');
  tableSigs
    .filter((s) => s !== 'DSDT')
    .forEach((s, i) => pointer(offsets.RSDT + HEADER + 4 * i, s));
  for (const p of parts) {
    if (p.sig !== 'FACS') checksums.push({ file: 'tables', offset: offsets[p.sig] + 9, start: offsets[p.sig], length: p.bytes.length });
  }

  // RSDP (5.2.5), revision 0: "RSD PTR ", checksum over 20 bytes, OEM id, RSDT address.
  const rsdp = new Uint8Array(20);
  rsdp.set(ascii('RSD PTR ', 8), 0);
  rsdp.set(ascii(oem, 6), 9);
  new DataView(rsdp.buffer).setUint32(16, offsets.RSDT, true);
  pointers.push({ file: 'rsdp', offset: 16, size: 4 });
  checksums.push({ file: 'rsdp', offset: 8, start: 0, length: 20 });
  return { rsdp, tables, pointers, checksums, offsets };
}

function buildMadt(m: AcpiMadtOptions, cpus: number, oem: string): Uint8Array {
  const entries: number[] = [];
  const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
  for (let i = 0; i < cpus; i++) entries.push(0, 8, i, i, ...le32(1)); // processor local APIC, enabled
  if (m.ioApic) entries.push(1, 12, m.ioApic.id, 0, ...le32(m.ioApic.address), ...le32(m.ioApic.gsiBase));
  if (m.irq0Override) entries.push(2, 10, 0, 0, ...le32(2), 0, 0); // ISA IRQ0 -> GSI 2, bus defaults
  entries.push(4, 6, 0xff, 0, 0, 1); // local APIC NMI on LINT1, all processors
  const madt = new Uint8Array(HEADER + 8 + entries.length);
  madt.set(header('APIC', madt.length, 1, oem));
  const v = new DataView(madt.buffer);
  v.setUint32(36, m.localApicAddress ?? 0xfee00000, true);
  v.setUint32(40, 1, true); // PCAT_COMPAT: the 8259 pair is present too
  madt.set(entries, 44);
  return madt;
}

function fixChecksum(bytes: Uint8Array, offset: number, start: number, length: number): void {
  let sum = 0;
  for (let i = start; i < start + length; i++) sum += bytes[i];
  bytes[offset] = (bytes[offset] - sum) & 0xff;
}

/** Applies the fix-ups for tables placed at `tablesAddress` (what the BIOS loader does). */
export function linkAcpiTables(blob: AcpiBlob, tablesAddress: number): { rsdp: Uint8Array; tables: Uint8Array } {
  const files = { rsdp: blob.rsdp.slice(), tables: blob.tables.slice() };
  for (const p of blob.pointers) {
    const v = new DataView(files[p.file].buffer);
    v.setUint32(p.offset, (v.getUint32(p.offset, true) + tablesAddress) >>> 0, true);
  }
  for (const c of blob.checksums) fixChecksum(files[c.file], c.offset, c.start, c.length);
  return files;
}

/**
 * Writes the tables for a guest without firmware (direct kernel boot): RSDP at `rsdpAddress`
 * (16-byte aligned in 0xE0000-0xFFFFF, where ACPI 5.2.5.1 says the OS scans) and the tables at
 * `tablesAddress`. Both ranges should be e820-reserved. `installed` is false when the writes did
 * not land (a ROM is mapped there): the guest then finds no ACPI.
 */
export function installAcpiTables(
  memory: PhysicalMemory,
  o: AcpiOptions,
  place: { rsdpAddress?: number; tablesAddress?: number } = {},
): { rsdpAddress: number; tablesAddress: number; length: number; installed: boolean } {
  const rsdpAddress = place.rsdpAddress ?? 0xf0000;
  const tablesAddress = place.tablesAddress ?? 0xf0040;
  if (rsdpAddress % 16 !== 0 || rsdpAddress < 0xe0000 || rsdpAddress > 0xfffff - 20) {
    throw new RangeError(`RSDP address 0x${rsdpAddress.toString(16)} must be 16-byte aligned in 0xE0000-0xFFFFF`);
  }
  if (tablesAddress % 64 !== 0) throw new RangeError('ACPI tables must be 64-byte aligned (FACS)');
  const linked = linkAcpiTables(buildAcpiTables(o), tablesAddress);
  memory.writeBytes(rsdpAddress, linked.rsdp);
  memory.writeBytes(tablesAddress, linked.tables);
  // A ROM mapped there swallows the writes: say so (the guest then boots without ACPI).
  const back = memory.readBytes(tablesAddress, linked.tables.length);
  const installed = memory.read32(rsdpAddress) === 0x20445352 && back.every((b, i) => b === linked.tables[i]);
  return { rsdpAddress, tablesAddress, length: linked.tables.length, installed };
}

// ---- QEMU's BIOS linker/loader for SeaBIOS (romfile_loader.h: 128-byte little-endian commands) ----

const LOADER_ALLOCATE = 1;
const LOADER_ADD_POINTER = 2;
const LOADER_ADD_CHECKSUM = 3;
const ZONE_HIGH = 1;
const ZONE_FSEG = 2;
export const ACPI_TABLES_FILE = 'etc/acpi/tables';
export const ACPI_RSDP_FILE = 'etc/acpi/rsdp';
export const TABLE_LOADER_FILE = 'etc/table-loader';

/**
 * The three fw_cfg files SeaBIOS consumes (paravirt.c qemu_platform_setup ->
 * romfile_loader_execute("etc/table-loader")): it allocates the tables in high memory and the
 * RSDP in the F segment, patches the pointers and checksums. Note SeaBIOS then moves its PM
 * base to 0x600, so build `o` with pmBase 0x600 for this path.
 */
export function acpiLoaderFiles(o: AcpiOptions): Record<string, Uint8Array> {
  const blob = buildAcpiTables(o);
  const names = { rsdp: ACPI_RSDP_FILE, tables: ACPI_TABLES_FILE };
  const commands: Uint8Array[] = [];
  const command = (kind: number, fill: (v: DataView, b: Uint8Array) => void): void => {
    const b = new Uint8Array(128);
    const v = new DataView(b.buffer);
    v.setUint32(0, kind, true);
    fill(v, b);
    commands.push(b);
  };
  command(LOADER_ALLOCATE, (v, b) => {
    b.set(ascii(ACPI_TABLES_FILE, 56), 4);
    v.setUint32(60, 64, true);
    b[64] = ZONE_HIGH;
  });
  command(LOADER_ALLOCATE, (v, b) => {
    b.set(ascii(ACPI_RSDP_FILE, 56), 4);
    v.setUint32(60, 16, true);
    b[64] = ZONE_FSEG;
  });
  for (const p of blob.pointers) {
    command(LOADER_ADD_POINTER, (v, b) => {
      b.set(ascii(names[p.file], 56), 4);
      b.set(ascii(ACPI_TABLES_FILE, 56), 60);
      v.setUint32(116, p.offset, true);
      b[120] = p.size;
    });
  }
  for (const c of blob.checksums) {
    command(LOADER_ADD_CHECKSUM, (v, b) => {
      b.set(ascii(names[c.file], 56), 4);
      v.setUint32(60, c.offset, true);
      v.setUint32(64, c.start, true);
      v.setUint32(68, c.length, true);
    });
  }
  const loader = new Uint8Array(commands.length * 128);
  commands.forEach((c, i) => loader.set(c, i * 128));
  return { [ACPI_TABLES_FILE]: blob.tables, [ACPI_RSDP_FILE]: blob.rsdp, [TABLE_LOADER_FILE]: loader };
}
