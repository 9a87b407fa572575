// Port 0xE9 debug console tests (Bochs "Port E9 Hack", QEMU isa-debugcon): bytes written go
// to the sink unchanged; reads return 0xE9 so software can detect the port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DebugConsolePort } from './debug-console-port.js';

test('bytes written reach the sink unchanged and in order', () => {
  const out: number[] = [];
  const p = new DebugConsolePort((b) => out.push(b));
  for (const ch of 'Hi!\n') p.write(ch.charCodeAt(0));
  p.write(0x1e9);
  assert.equal(String.fromCharCode(...out.slice(0, 4)), 'Hi!\n');
  assert.equal(out[4], 0xe9, 'only the low byte of a wider value');
  assert.equal(p.written, 5);
});

test('reading returns 0xE9 (the detection value), before and after writes', () => {
  const p = new DebugConsolePort(() => {});
  assert.equal(p.read(), 0xe9);
  p.write(0);
  assert.equal(p.read(), 0xe9);
});

test('save/restore and reset keep only the byte count', () => {
  const p = new DebugConsolePort(() => {});
  p.write(1);
  const q = new DebugConsolePort(() => {});
  q.loadState(p.saveState());
  assert.equal(q.written, 1);
  q.reset();
  assert.equal(q.written, 0);
  assert.throws(() => q.loadState({ version: 3 }), /version 3/);
});
