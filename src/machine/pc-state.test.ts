// Pc.saveState/loadState carry the board's own latches beside the devices: a reset or power-off
// the guest requested (e.g. a write to reset control register CF9h, or ACPI S5) is acted on at
// the top of the next run(), so a state saved in between must keep it, and the reset count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pc } from './pc.js';

/** A 64 KiB ROM of NOPs: the CPU has something harmless to execute from the reset vector. */
const nopBios = () => new Uint8Array(0x10000).fill(0x90);

function restored(from: Pc): Pc {
  const b = new Pc({ memoryBytes: 4 << 20, bios: nopBios() });
  b.reset();
  b.loadState(from.saveState());
  return b;
}

test('a pending reset request survives save/restore and is carried out by the restored board', () => {
  const a = new Pc({ memoryBytes: 4 << 20, bios: nopBios() });
  a.reset();
  a.run(100);
  a.requestReset('reset control register 0xCF9');
  const b = restored(a);
  assert.equal(b.resets, 0);
  b.run(10);
  assert.equal(b.resets, 1, 'the restored board performs the requested reset');
  assert.equal(b.lastResetReason, 'reset control register 0xCF9');
  // The count itself is part of the state.
  assert.equal(restored(b).resets, 1);
});

test('a pending power-off survives save/restore', () => {
  const a = new Pc({ memoryBytes: 4 << 20, bios: nopBios() });
  a.reset();
  a.requestPowerOff();
  assert.deepEqual(restored(a).run(10), { kind: 'poweroff' });
  const c = new Pc({ memoryBytes: 4 << 20, bios: nopBios() });
  c.reset();
  assert.deepEqual(restored(c).run(10), { kind: 'running' });
});

test('states saved without the board section load with nothing pending', () => {
  const a = new Pc({ memoryBytes: 4 << 20, bios: nopBios() });
  a.reset();
  a.requestReset('x');
  const { board: _board, ...old } = a.saveState();
  const b = new Pc({ memoryBytes: 4 << 20, bios: nopBios() });
  b.reset();
  b.loadState(old);
  b.run(10);
  assert.equal(b.resets, 0);
});
