// Port 0x92 tests, from IBM PS/2 Hardware Interface Technical Reference, "System Control
// Port A": bit 0 alternate hot reset (a 0→1 write resets the CPU), bit 1 alternate gate A20.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SystemControlPort } from './system-control-port.js';

function setup(withState = false) {
  const a20: boolean[] = [];
  const resets = { n: 0 };
  let machineA20 = true;
  const port = new SystemControlPort({
    setA20: (e) => {
      a20.push(e);
      machineA20 = e;
    },
    requestReset: () => resets.n++,
    ...(withState ? { a20State: () => machineA20 } : {}),
  });
  return { port, a20, resets, setMachineA20: (e: boolean) => (machineA20 = e) };
}

test('bit 1 gates A20: writing it calls setA20 on each change and reads back in bit 1', () => {
  const { port, a20 } = setup();
  assert.equal(port.read(), 0x00);
  port.write(0x02);
  assert.deepEqual(a20, [true]);
  assert.equal(port.read() & 0x02, 0x02);
  port.write(0x02);
  assert.deepEqual(a20, [true], 'no change, no call');
  port.write(0x00);
  assert.deepEqual(a20, [true, false]);
  assert.equal(port.read() & 0x02, 0x00);
});

test('bit 0 resets on a 0→1 transition only, and reads back as written', () => {
  const { port, resets } = setup();
  port.write(0x01);
  assert.equal(resets.n, 1);
  assert.equal(port.read() & 0x01, 0x01);
  port.write(0x03); // bit 0 stays 1: no new reset
  assert.equal(resets.n, 1);
  port.write(0x02);
  port.write(0x03);
  assert.equal(resets.n, 2);
});

test('reads report the machine A20 state when the board supplies it (e.g. A20 changed through the 8042)', () => {
  const { port, setMachineA20 } = setup(true);
  setMachineA20(true);
  assert.equal(port.read() & 0x02, 0x02);
  setMachineA20(false);
  assert.equal(port.read() & 0x02, 0x00);
});

test('the other bits (3 security lock, 6-7 disk light) are latched and read back', () => {
  const { port } = setup();
  port.write(0xc8);
  assert.equal(port.read(), 0xc8);
});

test('reset() clears the register so a later 1 is an edge again; save/restore keeps the latch', () => {
  const { port, resets } = setup();
  port.write(0x03);
  const st = port.saveState();
  port.reset();
  assert.equal(port.read(), 0);
  port.write(0x01);
  assert.equal(resets.n, 2);
  const b = setup();
  b.port.loadState(st);
  assert.equal(b.port.read(), 0x03);
  b.port.write(0x03);
  assert.equal(b.resets.n, 0, 'restored bit 0 = 1: writing 1 again is not an edge');
  assert.throws(() => b.port.loadState({ version: 2 }), /version 2/);
});

test('register fuzz: resets counted equal 0→1 edges of bit 0, A20 calls equal changes of bit 1', () => {
  let s = 12345;
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24;
  const { port, a20, resets } = setup();
  let prev = 0;
  let edges = 0;
  let changes = 0;
  for (let i = 0; i < 5000; i++) {
    const v = next();
    if (v & 1 && !(prev & 1)) edges++;
    if ((v ^ prev) & 2) changes++;
    port.write(v);
    prev = v;
    assert.equal(port.read(), v);
  }
  assert.equal(resets.n, edges);
  assert.equal(a20.length, changes);
});
