import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PortBus, PortConflictError } from './port-bus.js';

test('unassigned ports read all ones at every width and writes are counted', () => {
  const bus = new PortBus();
  assert.equal(bus.in8(0x300), 0xff);
  assert.equal(bus.in16(0x300), 0xffff);
  assert.equal(bus.in32(0x300), 0xffffffff);
  bus.out16(0x300, 0);
  assert.equal(bus.stats.unassignedWrites, 2);
});

test('a 16/32-bit access to byte-only ports is split into consecutive byte accesses, low byte first', () => {
  const bus = new PortBus();
  const log: string[] = [];
  bus.register(0x60, 2, 'dev', {
    read8: (p) => (log.push(`in ${p.toString(16)}`), p & 0xff),
    write8: (p, v) => void log.push(`out ${p.toString(16)}=${v.toString(16)}`),
  });
  assert.equal(bus.in16(0x60), 0x6160);
  bus.out16(0x60, 0xbbaa);
  assert.deepEqual(log, ['in 60', 'in 61', 'out 60=aa', 'out 61=bb']);
  // Half of the dword falls on unassigned ports: those bytes read 0xFF.
  assert.equal(bus.in32(0x60), 0xffff6160);
});

test('wide handlers take precedence; values are truncated to the access width', () => {
  const bus = new PortBus();
  let last = 0;
  bus.register(0x1f0, 1, 'ata', { read16: () => 0x12345, write16: (_p, v) => (last = v), read32: () => -1 });
  assert.equal(bus.in16(0x1f0), 0x2345);
  bus.out16(0x1f0, 0xabcdef);
  assert.equal(last, 0xcdef);
  assert.equal(bus.in32(0x1f0), 0xffffffff);
  bus.out32(0x1f0, 0x11112222); // no 32-bit write handler: split into two 16-bit writes
  assert.equal(last, 0x2222, 'low half to 0x1F0; the high half goes to the unassigned 0x1F2');
  assert.equal(bus.stats.unassignedWrites, 2);
});

test('overlapping registrations by different owners are refused; ports wrap at 0xFFFF', () => {
  const bus = new PortBus();
  bus.register(0x3f8, 8, 'uart', { read8: () => 1 });
  assert.throws(() => bus.register(0x3ff, 2, 'other', {}), PortConflictError);
  assert.throws(() => bus.register(0xffff, 2, 'x', {}), PortConflictError);
  assert.equal(bus.in8(0x103f8), 1);
  assert.equal(bus.ownerOf(0x3fa), 'uart');
});

test('unregister frees only the owner\'s ports, which can then be registered again elsewhere', () => {
  const bus = new PortBus();
  bus.register(0xc000, 16, 'bm', { read8: () => 1, read32: () => 0x11223344 });
  bus.register(0xc010, 1, 'other', { read8: () => 2 });
  bus.unregister(0xc000, 17, 'bm');
  assert.equal(bus.in8(0xc000), 0xff);
  assert.equal(bus.in32(0xc000), 0xffffffff);
  assert.equal(bus.ownerOf(0xc00f), undefined);
  assert.equal(bus.in8(0xc010), 2); // another owner's port stays
  bus.register(0xc000, 16, 'other2', { read8: () => 3 });
  assert.equal(bus.in8(0xc005), 3);
});
