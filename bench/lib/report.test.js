// node --test bench/lib/: the per-engine boot summary boot.js and browser-boot.js share.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeBoots, failureNotes } from './report.js';

const ok = (promptSeconds, cpuSeconds, extra = {}) => ({ ok: true, initSeconds: promptSeconds - 1, promptSeconds, cpuSeconds, ...extra });
const failed = { ok: false, failure: 'no shell prompt within 600 s', lastSerialLine: '[    3.1] Run /init as init process' };

test('summarizeBoots: medians over the boots that reached the prompt, extra fields, first failure', () => {
  const runs = {
    qemu: [ok(5, 4, { coreWaitSeconds: 0.5 }), ok(7, 6, { coreWaitSeconds: 1.5 }), ok(6, 5)],
    v86: [ok(12, 15, { coreWaitSeconds: 2 }), failed],
  };
  const s = summarizeBoots(['qemu', 'v86'], runs, ['coreWaitSeconds']);
  assert.deepEqual(s.qemu, {
    boots: 3, attempted: 3, initSeconds: 5, promptSeconds: 6, cpuSeconds: 5, coreWaitSeconds: 1, failure: undefined, lastSerialLine: undefined,
  });
  assert.deepEqual(s.v86, {
    boots: 1, attempted: 2, initSeconds: 11, promptSeconds: 12, cpuSeconds: 15, coreWaitSeconds: 2,
    failure: failed.failure, lastSerialLine: failed.lastSerialLine,
  });
  // Key order is the order of the result files' JSON: counts, timings, extra fields, failure.
  assert.deepEqual(Object.keys(s.qemu), ['boots', 'attempted', 'initSeconds', 'promptSeconds', 'cpuSeconds', 'coreWaitSeconds', 'failure', 'lastSerialLine']);
});

test('summarizeBoots: an engine with no successful boot has undefined medians; failureNotes names it', () => {
  const s = summarizeBoots(['ringmaster'], { ringmaster: [failed] }, ['instructions']);
  assert.equal(s.ringmaster.boots, 0);
  assert.equal(s.ringmaster.promptSeconds, undefined);
  assert.equal(s.ringmaster.instructions, undefined);
  assert.deepEqual(failureNotes(['ringmaster'], s), ['- ringmaster: no shell prompt within 600 s; last serial line: `[    3.1] Run /init as init process`']);
  assert.deepEqual(failureNotes(['ringmaster'], summarizeBoots(['ringmaster'], { ringmaster: [ok(50, 47)] })), []);
});
