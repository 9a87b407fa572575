// PIIX3 ISA bridge, IDE and PIIX4 PM functions: identities, PIRQ routing (82371SB 2.2.13
// PIRQRC[A:D]), reset control (4.1.4), PMBA/PMREGMISC (82371AB 3.5).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordingIrqLine } from '../../bus/irq.js';
import { PciBus } from './pci-bus.js';
import { PciFunction } from './pci-function.js';
import { Piix3IsaBridge } from './piix3.js';
import { PiixIde } from './piix-ide.js';
import { Piix4Pm } from './piix4-pm.js';

function setup(): { bus: PciBus; isa: Piix3IsaBridge; lines: RecordingIrqLine[]; resets: number[] } {
  const bus = new PciBus();
  const lines = Array.from({ length: 16 }, () => new RecordingIrqLine());
  const resets: number[] = [];
  const isa = new Piix3IsaBridge({ bus, isaIrq: (n) => lines[n], requestReset: () => resets.push(1) });
  bus.attach(1, 0, isa);
  bus.reset();
  return { bus, isa, lines, resets };
}

function device(pin: number): PciFunction {
  const f = new PciFunction('dev', { vendor: 0x1af4, device: 0x1000, classCode: 0x020000, interruptPin: pin });
  f.reset();
  return f;
}

test('ISA bridge identity: 8086:7000, class 06/01, multi-function header; PIRQs disabled at reset', () => {
  const { isa } = setup();
  assert.equal(isa.readConfig(0, 4), 0x70008086);
  assert.equal(isa.readConfig(0x0a, 2), 0x0601);
  assert.equal(isa.readConfig(0x0e, 1), 0x80);
  assert.equal(isa.readConfig(0x60, 4), 0x80808080);
  assert.equal(isa.readConfig(0x04, 2), 0x0007);
});

test('PIRQ routing: a device INTx reaches the PIC input its PIRQRC names, only when enabled', () => {
  const { bus, isa, lines } = setup();
  const vga = device(1);
  bus.attach(2, 0, vga); // device 2 INTA -> PIRQB
  vga.setIntx(true);
  assert.equal(lines.some((l) => l.level), false); // PIRQB disabled (bit 7)
  isa.writeConfig(0x61, 0x0b, 1); // PIRQB -> IRQ11
  assert.equal(lines[11].level, true);
  vga.setIntx(false);
  assert.equal(lines[11].level, false);
  vga.setIntx(true);
  // Re-routing moves the level from IRQ11 to IRQ10.
  isa.writeConfig(0x60, 0x0b0b0a0a, 4); // SeaBIOS's pci_irqs: A,B -> 10; C,D -> 11
  assert.equal(lines[10].level, true);
  assert.equal(lines[11].level, false);
  isa.writeConfig(0x61, 0x8a, 1); // disable again
  assert.equal(lines[10].level, false);
});

test('PIRQ routing: reserved IRQ numbers (0-2, 8, 13) route nowhere', () => {
  const { bus, isa, lines } = setup();
  const f = device(1);
  bus.attach(1, 2, f); // device 1 INTA -> PIRQA
  f.setIntx(true);
  for (const irq of [0, 1, 2, 8, 13]) {
    isa.writeConfig(0x60, irq, 1);
    assert.equal(lines[irq].level, false, `IRQ ${irq}`);
  }
  isa.writeConfig(0x60, 5, 1);
  assert.equal(lines[5].level, true);
});

test('shared IRQs are wired-OR: two PCI devices and another source on one input', () => {
  const { bus, isa, lines } = setup();
  const a = device(1);
  const b = device(1);
  bus.attach(2, 0, a); // PIRQB
  bus.attach(3, 0, b); // PIRQC
  isa.writeConfig(0x60, 0x0b0b0a0a, 4); // A,B -> 10; C,D -> 11
  isa.writeConfig(0x62, 0x0a, 1); // C -> 10 as well
  const sci = isa.isaLine(10);
  a.setIntx(true);
  b.setIntx(true);
  sci.raise();
  assert.equal(lines[10].level, true);
  a.setIntx(false);
  assert.equal(lines[10].level, true);
  b.setIntx(false);
  assert.equal(lines[10].level, true);
  sci.lower();
  assert.equal(lines[10].level, false);
  assert.equal(lines[10].rises, 1); // one continuous assertion
});

test('reset control 0xCF9: RCPU requests a reset; SRST is kept (82371SB 4.1.4)', () => {
  const { isa, resets } = setup();
  isa.writeResetControl(0x02);
  assert.equal(isa.readResetControl(), 0x02);
  assert.equal(resets.length, 0);
  isa.writeResetControl(0x06);
  assert.equal(resets.length, 1);
  isa.reset();
  assert.equal(isa.readResetControl(), 0);
});

test('IDE function: 8086:7010, class 01/01 prog-if 0x80, BAR4 is 16 bytes of I/O (BMIBA)', () => {
  const ide = new PiixIde();
  ide.reset();
  assert.equal(ide.readConfig(0, 4), 0x70108086);
  assert.equal(ide.readConfig(8, 4) >>> 8, 0x010180);
  assert.equal(ide.readConfig(0x20, 4), 0x00000001);
  ide.writeConfig(0x20, 0xffffffff, 4);
  assert.equal(ide.readConfig(0x20, 4), 0xfffffff1);
  for (const bar of [0x10, 0x14, 0x18, 0x1c, 0x24]) {
    ide.writeConfig(bar, 0xffffffff, 4);
    assert.equal(ide.readConfig(bar, 4), 0, `BAR at 0x${bar.toString(16)}`);
  }
  const moves: (number | null)[] = [];
  ide.onBarChange = (bar, a) => bar === 4 && moves.push(a);
  ide.writeConfig(0x20, 0xc000, 4);
  ide.writeConfig(0x04, 0x0005, 2);
  assert.deepEqual(moves, [0xc000]);
  ide.writeConfig(0x40, 0x8000, 2);
  assert.equal(ide.decodeEnabled(0), true);
  assert.equal(ide.decodeEnabled(1), false);
});

test('PM function: 8086:7113 rev 03; PMBA bit 0 reads 1; the block decodes with PMIOSE', () => {
  const moves: (number | null)[] = [];
  const pm = new Piix4Pm({ onPmIoChange: (b) => moves.push(b) });
  pm.reset();
  assert.equal(pm.readConfig(0, 4), 0x71138086);
  assert.equal(pm.readConfig(8, 4), 0x06800003);
  assert.equal(pm.readConfig(0x3d, 1), 1);
  assert.equal(pm.readConfig(0x40, 4), 0x00000001);
  assert.equal(pm.readConfig(0x5b, 1) & 0x02, 0x02); // APMC_EN shown set: no SMM handshake
  pm.writeConfig(0x40, 0x0601, 4); // SeaBIOS: PORT_ACPI_PM_BASE | 1
  assert.equal(pm.readConfig(0x40, 4), 0x0601);
  assert.deepEqual(moves, []);
  pm.writeConfig(0x80, 0x01, 1);
  assert.deepEqual(moves, [0x600]);
  pm.writeConfig(0x40, 0xb03f, 4); // bits 5:1 are not writable
  assert.equal(pm.readConfig(0x40, 4), 0xb001);
  assert.deepEqual(moves, [0x600, 0xb000]);
  pm.writeConfig(0x80, 0x00, 1);
  assert.deepEqual(moves, [0x600, 0xb000, null]);
});
