import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Clock } from '../bus/clock.js';
import { RecordingIrqLine } from '../bus/irq.js';
import { StateVersionError } from '../bus/device.js';
import { AcpiPm, PM1_PWRBTN, PM1_SCI_EN, PM1_SLP_EN, PM1_TMR, PM_TIMER_HZ } from './acpi-pm.js';

function setup(options: ConstructorParameters<typeof AcpiPm>[2] = {}) {
  const clock = new Clock();
  const sci = new RecordingIrqLine();
  const events: string[] = [];
  const pm = new AcpiPm(clock, sci, { onPowerOff: () => events.push('off'), onSleep: (t) => events.push(`sleep${t}`), ...options });
  return { clock, sci, pm, events };
}

test('PM1a_CNT: SLP_EN with SLP_TYP 0 (the DSDT \\_S5 value) powers off; SLP_EN reads back 0', () => {
  const { pm, events } = setup();
  pm.write16(0x04, PM1_SCI_EN | (0 << 10) | PM1_SLP_EN);
  assert.deepEqual(events, ['off']);
  assert.equal(pm.read16(0x04) & PM1_SLP_EN, 0);
  assert.equal(pm.read16(0x04) & PM1_SCI_EN, PM1_SCI_EN);
  assert.equal(pm.stats.powerOffRequests, 1);
});

test('other sleep types go to onSleep; SLP_TYP without SLP_EN does nothing', () => {
  const { pm, events } = setup();
  pm.write16(0x04, 1 << 10);
  assert.deepEqual(events, []);
  pm.write16(0x04, (1 << 10) | PM1_SLP_EN);
  assert.deepEqual(events, ['sleep1']);
  // Byte write to the high half of PM1_CNT (an OUT 8-bit to PMBA+5) also triggers: SLP_EN is bit 13.
  pm.write8(0x05, (PM1_SLP_EN | (0 << 10)) >> 8);
  assert.deepEqual(events, ['sleep1', 'off']);
});

test('ACPI enable through the SMI command port sets SCI_EN (SeaBIOS FADT: 0xF1 on, 0xF0 off)', () => {
  const { pm } = setup();
  assert.equal(pm.read16(0x04) & PM1_SCI_EN, 0);
  pm.apmControlWrite(0xf1);
  assert.equal(pm.read16(0x04) & PM1_SCI_EN, PM1_SCI_EN);
  assert.equal(pm.apmControlRead(), 0xf1);
  pm.apmControlWrite(0xf0);
  assert.equal(pm.read16(0x04) & PM1_SCI_EN, 0);
  pm.apmStatusWrite(0x5a);
  assert.equal(pm.apmStatusRead(), 0x5a);
  const always = setup({ sciEnabledAtReset: true });
  assert.equal(always.pm.read16(0x04) & PM1_SCI_EN, PM1_SCI_EN);
});

test('PM timer counts at 3.579545 MHz, 24 bits wide (ACPI 4.8.3.3)', () => {
  const { pm, clock } = setup();
  assert.equal(pm.read32(0x08), 0);
  clock.advance(1e9);
  assert.equal(pm.read32(0x08), PM_TIMER_HZ & 0xffffff);
  clock.advance(4e9); // 5 s = 17.9 M ticks: wrapped past 2^24
  assert.equal(pm.read32(0x08), Math.floor(5 * PM_TIMER_HZ) & 0xffffff);
  pm.write32(0x08, 0);
  assert.equal(pm.read32(0x08), Math.floor(5 * PM_TIMER_HZ) & 0xffffff, 'read-only');
});

test('power button: PWRBTN_STS latches; SCI only when enabled and SCI_EN; write-1-to-clear drops it', () => {
  const { pm, sci } = setup();
  pm.pressPowerButton();
  assert.equal(pm.read16(0x00) & PM1_PWRBTN, PM1_PWRBTN);
  assert.equal(sci.level, false, 'not enabled');
  pm.write16(0x02, PM1_PWRBTN);
  assert.equal(sci.level, false, 'SCI_EN clear');
  pm.write16(0x04, PM1_SCI_EN);
  assert.equal(sci.level, true);
  pm.write16(0x00, PM1_PWRBTN);
  assert.equal(pm.read16(0x00) & PM1_PWRBTN, 0);
  assert.equal(sci.level, false);
});

test('timer overflow: TMR_STS when bit 23 flips, SCI if TMR_EN', () => {
  const { pm, sci, clock } = setup({ sciEnabledAtReset: true });
  pm.write16(0x02, PM1_TMR);
  const flipNs = (0x800000 / PM_TIMER_HZ) * 1e9;
  clock.advance(Math.floor(flipNs) - 1000);
  assert.equal(pm.read16(0x00) & PM1_TMR, 0);
  clock.advance(2000);
  assert.equal(pm.read16(0x00) & PM1_TMR, PM1_TMR);
  assert.equal(sci.level, true);
  pm.write16(0x00, PM1_TMR);
  assert.equal(sci.level, false);
});

test('save/restore re-drives the SCI line; foreign versions are refused', () => {
  const a = setup({ sciEnabledAtReset: true });
  a.pm.write16(0x02, PM1_PWRBTN);
  a.pm.pressPowerButton();
  const state = a.pm.saveState();
  const b = setup();
  b.pm.loadState(structuredClone(state));
  assert.equal(b.sci.level, true);
  assert.equal(b.pm.read16(0x00) & PM1_PWRBTN, PM1_PWRBTN);
  assert.throws(() => b.pm.loadState({ version: 2 }), StateVersionError);
  b.pm.reset();
  assert.equal(b.sci.level, false);
  assert.equal(b.pm.read16(0x00), 0);
});
