import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Clock } from './clock.js';

test('deterministic clock only moves on advance(); timers fire in deadline order at their deadline', () => {
  const c = new Clock();
  const fired: string[] = [];
  const a = c.createTimer('a', (t) => fired.push(`a@${t}`));
  const b = c.createTimer('b', (t) => fired.push(`b@${t}`));
  a.armAt(300);
  b.armAt(100);
  assert.equal(c.untilNextDeadline(), 100);
  c.advance(99);
  assert.deepEqual(fired, []);
  c.advance(250);
  assert.deepEqual(fired, ['b@100', 'a@300']);
  assert.equal(c.now(), 349);
  assert.equal(c.untilNextDeadline(), Infinity);
});

test('a periodic timer re-armed from its callback fires once per period', () => {
  const c = new Clock();
  let n = 0;
  const t = c.createTimer('tick', (at) => {
    n++;
    t.armAt(at + 10);
  });
  t.armAt(10);
  c.advance(105);
  assert.equal(n, 10);
  t.cancel();
  c.advance(1000);
  assert.equal(n, 10);
});

test('host mode follows the host time source', () => {
  let ms = 1000;
  const c = new Clock(() => ms);
  assert.equal(c.now(), 0);
  ms += 2;
  assert.equal(c.now(), 2e6);
  assert.equal(c.deterministic, false);
});

test('save/restore keeps time and named timer deadlines', () => {
  const c = new Clock();
  c.createTimer('x', () => {}).armAt(500);
  c.advance(42);
  const s = c.saveState();
  const d = new Clock();
  let fired = 0;
  d.createTimer('x', () => fired++);
  d.loadState(s);
  assert.equal(d.now(), 42);
  d.advance(457);
  assert.equal(fired, 0);
  d.advance(1);
  assert.equal(fired, 1);
});
