// The chipset as a guest sees it through ports and memory: QEMU pc slot layout, the ACPI PM
// timer (ACPI 6.x 4.8.3.3: 3.579545 MHz, 24 bits) and soft-off, PIRQ routing into the 8259s,
// BAR-following I/O and memory regions, fw_cfg and legacy IDE/VGA ports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { PhysicalMemory } from '../memory/physical-memory.js';
import { PortBus } from '../bus/port-bus.js';
import { Clock } from '../bus/clock.js';
import { Pic8259Pair } from '../devices/pic8259.js';
import { FwCfg } from '../devices/fw-cfg.js';
import { Vga } from '../devices/vga/vga.js';
import { PciFunction } from '../devices/pci/pci-function.js';
import { initPciLikeFirmware } from '../devices/pci/firmware-init.js';
import { configurePcFwCfg } from '../devices/fw-cfg.js';
import { fillBiosCmos } from '../devices/cmos-rtc.js';
import { Pc } from './pc.js';
import { createPcChipset, type BusMasterRegisters, type IdeChannelRegisters, type PcChipset } from './pc-chipset.js';

const MIB = 1024 * 1024;

function fakeChannel(name: string, log: string[]): IdeChannelRegisters {
  return {
    readCommandBlock: (o) => (log.push(`${name} r${o}`), 0x50 + o),
    writeCommandBlock: (o, v) => void log.push(`${name} w${o}=${v.toString(16)}`),
    readData16: () => (log.push(`${name} data16`), 0xabcd),
    writeData16: (v) => void log.push(`${name} data16=${v.toString(16)}`),
    readData32: () => (log.push(`${name} data32`), 0x12345678),
    writeData32: (v) => void log.push(`${name} data32=${v.toString(16)}`),
    readControl: () => (log.push(`${name} altstatus`), 0x40),
    writeControl: (v) => void log.push(`${name} devctl=${v.toString(16)}`),
  };
}

interface Rig {
  chipset: PcChipset;
  memory: PhysicalMemory;
  ports: PortBus;
  clock: Clock;
  pic: Pic8259Pair;
  vga: Vga;
  log: string[];
  events: string[];
  bios: Uint8Array;
}

function rig(withBios = true): Rig {
  const memory = new PhysicalMemory(32 * MIB);
  const ports = new PortBus();
  const clock = new Clock(null);
  const pic = new Pic8259Pair();
  const bios = new Uint8Array(0x20000).fill(0xea);
  if (withBios) {
    memory.mapRom(2 ** 32 - bios.length, bios, 'bios-high');
    memory.mapRom(0x100000 - bios.length, bios, 'bios-low');
  }
  const vga = new Vga({ clock, vramSize: MIB });
  const vgaBios = new Uint8Array(0x9a00);
  vgaBios.set([0x55, 0xaa, 0x4d]);
  const log: string[] = [];
  const events: string[] = [];
  const busMaster: BusMasterRegisters = {
    read8: (o) => (log.push(`bm r${o}`), 0x20 + o),
    write8: (o, v) => void log.push(`bm w${o}=${v.toString(16)}`),
    read32: (o) => (log.push(`bm r32 ${o}`), 0xcafe0000 + o),
  };
  const chipset = createPcChipset({
    memory,
    ports,
    clock,
    isaIrq: (n) => pic.irqLine(n),
    bios: withBios ? bios : null,
    requestReset: () => events.push('reset'),
    vga: { device: vga, bios: vgaBios },
    ide: { primary: fakeChannel('ide0', log), secondary: fakeChannel('ide1', log), busMaster },
    fwCfg: new FwCfg(memory),
    acpi: { onPowerOff: () => events.push('poweroff') },
  });
  return { chipset, memory, ports, clock, pic, vga, log, events, bios };
}

const cfgAddr = (dev: number, fn: number, reg: number): number => (0x80000000 | (dev << 11) | (fn << 8) | (reg & 0xfc)) >>> 0;

function cfgRead32(p: PortBus, dev: number, fn: number, reg: number): number {
  p.out32(0xcf8, cfgAddr(dev, fn, reg));
  return p.in32(0xcfc);
}

function cfgWrite(p: PortBus, dev: number, fn: number, reg: number, value: number, size: 1 | 2 | 4): void {
  p.out32(0xcf8, cfgAddr(dev, fn, reg));
  if (size === 1) p.out8(0xcfc + (reg & 3), value);
  else if (size === 2) p.out16(0xcfc + (reg & 2), value);
  else p.out32(0xcfc, value);
}

test('bus 0 holds the functions of QEMU pc: 00.0, 01.0, 01.1, 01.3, 02.0', () => {
  const { ports } = rig();
  const found: string[] = [];
  for (let dev = 0; dev < 32; dev++) {
    for (let fn = 0; fn < 8; fn++) {
      const id = cfgRead32(ports, dev, fn, 0);
      if (id !== 0xffffffff) found.push(`${dev}.${fn} ${id.toString(16)}`);
    }
  }
  assert.deepEqual(found, ['0.0 12378086', '1.0 70008086', '1.1 70108086', '1.3 71138086', '2.0 11111234']);
  assert.equal(cfgRead32(ports, 2, 0, 8) >>> 8, 0x030000); // VGA-compatible display
  assert.equal(cfgRead32(ports, 2, 0, 0x2c), 0x11001af4);
});

test('ACPI PM timer: 3.579545 MHz, 24 bits, at PMBA + 8 once SeaBIOS enables the block', () => {
  const { ports, clock } = rig();
  assert.equal(ports.in32(0x608), 0xffffffff); // not decoded before PMIOSE
  cfgWrite(ports, 1, 3, 0x40, 0x601, 4);
  cfgWrite(ports, 1, 3, 0x80, 0x01, 1);
  const t0 = ports.in32(0x608);
  assert.ok(t0 <= 0xffffff);
  clock.advance(1e9); // one second of virtual time
  const t1 = ports.in32(0x608);
  assert.equal((t1 - t0 + 0x1000000) % 0x1000000, 3579545 % 0x1000000);
  clock.advance(1e6); // one millisecond: 3579.545 ticks
  const t2 = ports.in32(0x608);
  const d = (t2 - t1 + 0x1000000) % 0x1000000;
  assert.ok(d === 3579 || d === 3580, `ticks in 1 ms: ${d}`);
  // The counter wraps at 2^24 (about 4.69 s).
  clock.advance((0x1000000 / 3579545) * 1e9);
  const t3 = ports.in32(0x608);
  assert.ok(Math.abs(t3 - t2) <= 1, `after one full period: ${t2} -> ${t3}`);
});

test('PM1 control: SLP_TYP = 0 (S5) with SLP_EN powers off through the callback', () => {
  const { ports, events } = rig();
  cfgWrite(ports, 1, 3, 0x40, 0x601, 4);
  cfgWrite(ports, 1, 3, 0x80, 0x01, 1);
  ports.out8(0xb2, 0xf1); // ACPI enable via the APM control port (FADT SMI_CMD)
  assert.equal(ports.in16(0x604) & 1, 1); // SCI_EN
  ports.out16(0x604, 0x2000 | (0 << 10) | 1);
  assert.deepEqual(events, ['poweroff']);
});

test('PIRQ routing: a device INTx arrives at the 8259 input PIRQRC selects (level, shared)', () => {
  const { ports, pic, chipset } = rig();
  // Initialise the 8259s as a BIOS does: vectors 0x08 / 0x70, nothing masked.
  [0x11, 0x08, 0x04, 0x01].forEach((v, i) => pic.writeMaster(i === 0 ? 0 : 1, v));
  [0x11, 0x70, 0x02, 0x01].forEach((v, i) => pic.writeSlave(i === 0 ? 0 : 1, v));
  pic.writeMaster(1, 0x00);
  pic.writeSlave(1, 0x00);
  ports.out8(0x4d0, 0); // (ELCR is the board's; set through the PIC directly)
  pic.writeElcr(1, 0x0c); // IRQ10, IRQ11 level-triggered
  const nic = new PciFunction('nic', { vendor: 0x8086, device: 0x100e, classCode: 0x020000, interruptPin: 1 });
  nic.reset();
  chipset.bus.attach(3, 0, nic); // device 3 INTA -> PIRQC
  cfgWrite(ports, 1, 0, 0x60, 0x0b0b0a0a, 4); // SeaBIOS: A,B -> 10; C,D -> 11
  nic.setIntx(true);
  assert.equal(pic.hasPending(), true);
  assert.equal(pic.acknowledge(), 0x70 + 3); // IRQ11
  nic.setIntx(false);
  pic.writeSlave(0, 0x20);
  pic.writeMaster(0, 0x20);
  assert.equal(pic.hasPending(), false);
  // Routing off: the request goes nowhere.
  cfgWrite(ports, 1, 0, 0x62, 0x80, 1);
  nic.setIntx(true);
  assert.equal(pic.hasPending(), false);
});

test('SCI: the PM function raises IRQ9 (hard-wired) when an enabled event is pending', () => {
  const { ports, pic, chipset } = rig();
  [0x11, 0x08, 0x04, 0x01].forEach((v, i) => pic.writeMaster(i === 0 ? 0 : 1, v));
  [0x11, 0x70, 0x02, 0x01].forEach((v, i) => pic.writeSlave(i === 0 ? 0 : 1, v));
  pic.writeMaster(1, 0x00);
  pic.writeSlave(1, 0x00);
  pic.writeElcr(1, 0x02); // IRQ9 level
  cfgWrite(ports, 1, 3, 0x40, 0x601, 4);
  cfgWrite(ports, 1, 3, 0x80, 0x01, 1);
  ports.out8(0xb2, 0xf1);
  ports.out16(0x602, 0x0100); // PWRBTN_EN
  chipset.acpiPm!.pressPowerButton();
  assert.equal(pic.hasPending(), true);
  assert.equal(pic.acknowledge(), 0x71);
});

test('IDE: legacy command/control ports reach the channels; BAR4 places the bus-master block', () => {
  const { ports, log, chipset } = rig();
  assert.equal(ports.in8(0x1f7), 0x57);
  assert.equal(ports.in16(0x1f0), 0xabcd);
  assert.equal(ports.in32(0x170), 0x12345678);
  ports.out8(0x3f6, 0x02);
  assert.equal(ports.in8(0x376), 0x40);
  assert.deepEqual(log, ['ide0 r7', 'ide0 data16', 'ide1 data32', 'ide0 devctl=2', 'ide1 altstatus']);
  log.length = 0;
  assert.equal(ports.in8(0xc000), 0xff); // nothing decodes before the BIOS assigns BAR4
  cfgWrite(ports, 1, 1, 0x20, 0xc001, 4);
  cfgWrite(ports, 1, 1, 0x04, 0x0005, 2); // I/O space + bus master
  assert.equal(ports.in8(0xc002), 0x22);
  assert.equal(ports.in32(0xc004), 0xcafe0004);
  ports.out8(0xc008, 0x09);
  assert.deepEqual(log, ['bm r2', 'bm r32 4', 'bm w8=9']);
  cfgWrite(ports, 1, 1, 0x20, 0xd001, 4); // moved
  assert.equal(ports.ownerOf(0xc000), undefined);
  assert.equal(ports.in8(0xd00a), 0x2a);
  // A BAR over ports someone else owns is refused, never thrown into the host.
  cfgWrite(ports, 1, 1, 0x20, 0x1f1, 4);
  assert.equal(chipset.stats.refusedBars, 1);
  assert.equal(ports.in8(0x1f7), 0x57);
  cfgWrite(ports, 1, 1, 0x04, 0x0000, 2);
  assert.equal(ports.ownerOf(0xd000), undefined);
});

test('VGA: legacy window, ports, LFB and MMIO BARs, and the VGA BIOS through the ROM BAR', () => {
  const { ports, memory, vga, chipset } = rig();
  // The window at 0xA0000 and the VGA/VBE ports decode from power-on.
  assert.equal(ports.ownerOf(0x3c4), 'vga');
  assert.equal(ports.ownerOf(0x1ce), 'vga');
  ports.out16(0x1ce, 0); // VBE_DISPI_INDEX_ID
  assert.equal(ports.in16(0x1cf) & 0xfff0, 0xb0c0);
  // BAR sizes: LFB = VRAM (prefetchable), MMIO 4 KiB, ROM 64 KiB (0x9A00 rounded up).
  cfgWrite(ports, 2, 0, 0x10, 0xffffffff, 4);
  assert.equal(cfgRead32(ports, 2, 0, 0x10), 0xfff00008);
  cfgWrite(ports, 2, 0, 0x18, 0xffffffff, 4);
  assert.equal(cfgRead32(ports, 2, 0, 0x18), 0xfffff000);
  cfgWrite(ports, 2, 0, 0x30, 0xfffff800, 4);
  assert.equal(cfgRead32(ports, 2, 0, 0x30), 0xffff0000);
  // Place them as SeaBIOS would (top-down below 0xFEC00000) and enable memory space.
  cfgWrite(ports, 2, 0, 0x10, 0xfd000000, 4);
  cfgWrite(ports, 2, 0, 0x18, 0xfebf0000, 4);
  cfgWrite(ports, 2, 0, 0x30, 0xfeb00001, 4);
  cfgWrite(ports, 2, 0, 0x04, 0x0003, 2);
  memory.write32(0xfd000010, 0x11223344);
  assert.equal(vga.memory.vram[0x10], 0x44);
  assert.equal(memory.read32(0xfd000010), 0x11223344);
  assert.equal(memory.read16(0xfeb00000), 0xaa55); // option ROM signature
  assert.equal(memory.read8(0xfeb00002), 0x4d);
  memory.write8(0xfeb00002, 0);
  assert.equal(memory.read8(0xfeb00002), 0x4d);
  assert.equal(memory.read32(0xfebf0600), 8); // BAR2: QEXT region size register
  // Disabling memory space removes the mappings.
  cfgWrite(ports, 2, 0, 0x04, 0x0000, 2);
  assert.equal(memory.read8(0xfd000010), 0xff);
  // A BAR over RAM is refused.
  cfgWrite(ports, 2, 0, 0x10, 0x01000000, 4);
  cfgWrite(ports, 2, 0, 0x04, 0x0002, 2);
  assert.equal(chipset.stats.refusedBars, 1);
  memory.write8(0x01000000, 0x5a);
  assert.equal(memory.ram[0x01000000], 0x5a);
});

test('SMRAM D_OPEN swaps the VGA window for DRAM', () => {
  const { ports, memory } = rig();
  memory.write8(0xb8000, 0x41);
  assert.equal(memory.ram[0xb8000], 0); // went to VGA memory
  cfgWrite(ports, 0, 0, 0x72, 0x4a, 1);
  memory.write8(0xb8000, 0x42);
  assert.equal(memory.ram[0xb8000], 0x42);
  cfgWrite(ports, 0, 0, 0x72, 0x0a, 1);
  assert.equal(memory.read8(0xb8000), 0x41);
});

test('fw_cfg at 0x510/0x511 and the DMA signature at 0x514', () => {
  const { ports } = rig();
  ports.out16(0x510, 0x0000);
  const sig = [0, 1, 2, 3].map(() => String.fromCharCode(ports.in8(0x511))).join('');
  assert.equal(sig, 'QEMU');
  const dma = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => String.fromCharCode(ports.in8(0x514 + i))).join('');
  assert.equal(dma, 'QEMU CFG');
});

test('reset control 0xCF9 and chipset reset: BARs stop decoding, PAM shows the ROM again', () => {
  const { ports, memory, events, chipset, bios } = rig();
  ports.out8(0xcf9, 0x02);
  ports.out8(0xcf9, 0x06);
  assert.deepEqual(events, ['reset']);
  cfgWrite(ports, 0, 0, 0x59, 0x30, 1);
  memory.write8(0xf0000, 0x12);
  assert.equal(memory.read8(0xf0000), 0x12);
  cfgWrite(ports, 1, 1, 0x20, 0xc001, 4);
  cfgWrite(ports, 1, 1, 0x04, 0x0001, 2);
  assert.equal(ports.ownerOf(0xc000), 'ide-bm');
  for (const d of chipset.devices) d.reset();
  assert.equal(memory.read8(0xf0000), bios[0x10000]);
  assert.equal(ports.ownerOf(0xc000), undefined);
  assert.equal(ports.in8(0xcf9), 0);
});

test('without a BIOS: shadow RAM at reset, and firmware-like PCI setup for a direct kernel boot', () => {
  const { ports, memory, chipset, pic, vga } = rig(false);
  memory.write8(0xf0000, 0x52); // e.g. the ACPI RSDP placed by the loader
  assert.equal(memory.read8(0xf0000), 0x52);
  memory.write8(0xc8000, 0x53);
  assert.equal(memory.read8(0xc8000), 0x53);
  let elcr = -1;
  const result = initPciLikeFirmware(chipset.bus, { memoryStart: memory.ramSize, setElcr: (m) => (elcr = m) });
  assert.deepEqual(result.unplaced, []);
  assert.equal(elcr, 0x0c00);
  pic.writeElcr(1, elcr >> 8);
  assert.equal(cfgRead32(ports, 1, 0, 0x60), 0x0b0b0a0a);
  assert.equal(cfgRead32(ports, 1, 1, 0x40), 0x80008000);
  // BARs: LFB at the top of the hole, the ROM and MMIO below it, bus master at 0xC000.
  const where = (dev: number, fn: number, bar: number): number | undefined =>
    result.bars.find((b) => b.device === dev && b.fn === fn && b.bar === bar)?.address;
  assert.equal(where(2, 0, 6), 0xfebe0000); // as SeaBIOS places them on QEMU pc
  assert.equal(where(2, 0, 2), 0xfebf0000);
  assert.equal(where(2, 0, 0), 0xfea00000); // 1 MiB of VRAM in this rig, aligned below the rest
  assert.equal(where(1, 1, 4), 0xc000);
  assert.equal(ports.ownerOf(0xc000), 'ide-bm');
  const lfb = where(2, 0, 0)!;
  memory.write8(lfb + 5, 0x77);
  assert.equal(vga.memory.vram[5], 0x77);
  assert.equal(cfgRead32(ports, 2, 0, 0x3c) & 0xffff, 0); // stdvga has no INTx pin: line untouched
  // The PM block at 0xB000 with its timer, SCI on IRQ9.
  assert.equal(result.pmBase, 0xb000);
  assert.equal(cfgRead32(ports, 1, 3, 0x3c) & 0xff, 9);
  assert.notEqual(ports.in32(0xb008), 0xffffffff);
});

test('IDE parts from a factory get ISA IRQ14 and IRQ15', () => {
  const memory = new PhysicalMemory(4 * MIB);
  const ports = new PortBus();
  const clock = new Clock(null);
  const lines: number[] = [];
  const log: string[] = [];
  createPcChipset({
    memory,
    ports,
    clock,
    isaIrq: (n) => {
      lines.push(n);
      return { set: () => {}, raise: () => {}, lower: () => {}, pulse: () => {} };
    },
    requestReset: () => {},
    ide: (irqs) => {
      assert.ok(irqs.primary && irqs.secondary);
      return { primary: fakeChannel('ide0', log) };
    },
    acpi: null,
  });
  assert.deepEqual(lines, [14, 15]);
  assert.equal(ports.in8(0x1f1), 0x51);
  assert.equal(ports.ownerOf(0x170), undefined);
  assert.equal(ports.ownerOf(0xb2), undefined); // no PM function, no APM ports
});

test('save/restore: configuration comes back with its port, BAR and PAM mappings', () => {
  const a = rig();
  cfgWrite(a.ports, 1, 1, 0x20, 0xc001, 4);
  cfgWrite(a.ports, 1, 1, 0x04, 0x0005, 2);
  cfgWrite(a.ports, 2, 0, 0x10, 0xfd000000, 4);
  cfgWrite(a.ports, 2, 0, 0x04, 0x0002, 2);
  cfgWrite(a.ports, 0, 0, 0x59, 0x30, 1);
  cfgWrite(a.ports, 1, 3, 0x40, 0xb001, 4);
  cfgWrite(a.ports, 1, 3, 0x80, 0x01, 1);
  const saved = a.chipset.devices.map((d) => d.saveState());
  const b = rig();
  b.chipset.devices.forEach((d, i) => d.loadState(saved[i]));
  assert.equal(b.ports.ownerOf(0xc000), 'ide-bm');
  assert.equal(b.ports.ownerOf(0xb008), 'acpi-pm');
  b.memory.write8(0xfd000003, 0x3c);
  assert.equal(b.vga.memory.vram[3], 0x3c);
  b.memory.write8(0xf0004, 0x3d);
  assert.equal(b.memory.read8(0xf0004), 0x3d);
  // And back to power-on when the snapshot says so.
  const fresh = rig().chipset.devices.map((d) => d.saveState());
  b.chipset.devices.forEach((d, i) => d.loadState(fresh[i]));
  assert.equal(b.ports.ownerOf(0xc000), undefined);
  assert.equal(b.memory.read8(0xf0004), b.bios[0x10004]);
});

// The real firmware: Debian's SeaBIOS enumerates the bus, shadows itself through PAM (src/fw/
// shadow.c), runs the VGA BIOS from the ROM BAR and ends at "No bootable device".
const SEABIOS = '/usr/share/seabios/bios-256k.bin';
const VGABIOS = '/usr/share/seabios/vgabios-stdvga.bin';
const haveSeaBios = fs.existsSync(SEABIOS) && fs.existsSync(VGABIOS);

test('SeaBIOS POST through the chipset: PCI setup, shadow RAM locked, VGA BIOS, no bootable device', { skip: !haveSeaBios && 'Debian seabios package not installed' }, () => {
  const bios = new Uint8Array(fs.readFileSync(SEABIOS));
  const mem = 16 * MIB;
  const pc = new Pc({ memoryBytes: mem, bios, tripleFault: 'stop' });
  const vga = new Vga({ clock: pc.clock });
  const fw = new FwCfg(pc.memory);
  configurePcFwCfg(fw, { ramSize: mem });
  const chipset = createPcChipset({
    memory: pc.memory,
    ports: pc.ports,
    clock: pc.clock,
    isaIrq: (n) => pc.pic.irqLine(n),
    bios,
    requestReset: () => pc.requestReset('reset control'),
    vga: { device: vga, bios: new Uint8Array(fs.readFileSync(VGABIOS)) },
    fwCfg: fw,
    acpi: {},
  });
  let debug = '';
  // QEMU's debugcon at 0x402 reads back 0xE9, which SeaBIOS checks before logging there.
  pc.ports.register(0x402, 1, 'seabios-debug', { read8: () => 0xe9, write8: (_p, v) => void (debug += String.fromCharCode(v)) });
  pc.devices.push(vga, ...chipset.devices);
  fillBiosCmos(pc.rtc, { ramBelow4G: mem });
  pc.reset();
  for (let i = 0; i < 60 && !vga.textScreenString().includes('No bootable device'); i++) pc.run(500_000);
  assert.match(vga.textScreenString(), /No bootable device/);
  for (const line of [
    'Found 5 PCI devices',
    'PCI: map device bdf=00:02.0  bar 0, addr fd000000, size 01000000 [prefmem]',
    'PIIX3/PIIX4 init: elcr=00 0c',
    'Using pmtimer, ioport 0xb008',
    'VBE DISPI: lfb_addr=fd000000, size 16 MB',
  ]) {
    assert.ok(debug.includes(line), `SeaBIOS log lacks "${line}"`);
  }
  assert.doesNotMatch(debug, /Unable to (un)?lock ram/);
  // make_bios_readonly left the F segment read-only shadow RAM holding SeaBIOS's copy.
  assert.equal(chipset.hostBridge.readConfig(0x59, 1), 0x10);
  const resetVector = pc.memory.read32(0xffff0);
  assert.equal(resetVector, pc.memory.read32(0xfffffff0));
  pc.memory.write32(0xffff0, ~resetVector);
  assert.equal(pc.memory.read32(0xffff0), resetVector);
  assert.equal(chipset.stats.refusedBars, 0);
});
