// Port 0x80 (POST codes) tests: every write is recorded and reported; reads return the last
// code (the latch a POST card displays).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PostCodePort } from './post-code-port.js';

test('every byte written is recorded in order, passed to the listener, and read back as the last code', () => {
  const p = new PostCodePort();
  const heard: number[] = [];
  p.listener = (c) => heard.push(c);
  for (const c of [0x01, 0x02, 0x1ff, 0x55]) p.write(c);
  assert.deepEqual(p.recorded(), [0x01, 0x02, 0xff, 0x55]);
  assert.deepEqual(heard, [0x01, 0x02, 0xff, 0x55]);
  assert.equal(p.read(), 0x55);
  assert.equal(p.total, 4);
});

test('the record is bounded: only the last `capacity` codes are kept, the total still counts all', () => {
  const p = new PostCodePort(4);
  for (let i = 0; i < 10; i++) p.write(i);
  assert.deepEqual(p.recorded(), [6, 7, 8, 9]);
  assert.equal(p.total, 10);
  assert.throws(() => new PostCodePort(0), RangeError);
  // Restored after the record wrapped, into the same capacity and a larger one, then written on.
  const same = new PostCodePort(4);
  same.loadState(structuredClone(p.saveState()));
  same.write(10);
  assert.deepEqual(same.recorded(), [7, 8, 9, 10]);
  const larger = new PostCodePort(8);
  larger.loadState(structuredClone(p.saveState()));
  larger.write(10);
  assert.deepEqual(larger.recorded(), [6, 7, 8, 9, 10]);
  assert.equal(larger.total, 11);
});

test('reset() clears the record; save/restore keeps it', () => {
  const p = new PostCodePort(8);
  p.write(0xaa);
  p.write(0xbb);
  const st = p.saveState();
  p.reset();
  assert.deepEqual(p.recorded(), []);
  assert.equal(p.read(), 0);
  const q = new PostCodePort(8);
  q.loadState(structuredClone(st));
  assert.deepEqual(q.recorded(), [0xaa, 0xbb]);
  assert.equal(q.read(), 0xbb);
  assert.throws(() => q.loadState({ version: 0 }), /version 0/);
});
