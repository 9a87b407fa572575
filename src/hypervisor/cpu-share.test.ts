// CPU shares: a guest spinning in a loop at share 1 and a printing guest at share 4 on a
// daemon allowed one host CPU. The printing guest keeps making progress and the measured
// CPU time of the two (thread CPU time of their workers) matches 1:4 within 20%.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGuest, info, logs, PRINTING_GUEST, SPINNING_GUEST, testDaemon, waitFor } from './test-support.js';

/** The guest that must keep making progress (Linux: a TestGuest that boots to its shell). */
const GUEST = PRINTING_GUEST;

test('a spinning VM at share 1 does not starve a VM at share 4; CPU use follows the shares', { timeout: 180_000 }, async () => {
  const t = await testDaemon({ cpus: 1 });
  try {
    await createGuest(t.client, 'hog', SPINNING_GUEST, {}, 1);
    await createGuest(t.client, 'worker', GUEST, {}, 4);
    await waitFor('worker output', async () => GUEST.ready.test((await logs(t.client, 'worker')).toString('latin1')));
    // Let the scheduler's feedback settle before measuring.
    await new Promise((r) => setTimeout(r, 3000));
    const a0 = await info(t.client, 'hog');
    const b0 = await info(t.client, 'worker');
    await new Promise((r) => setTimeout(r, 6000));
    const a1 = await info(t.client, 'hog');
    const b1 = await info(t.client, 'worker');
    const hog = a1.cpuMs - a0.cpuMs;
    const work = b1.cpuMs - b0.cpuMs;
    assert.ok(b1.serialBytes > b0.serialBytes, 'the share-4 guest keeps printing');
    assert.ok(hog > 50, `the hog ran too (${hog} ms)`);
    const ratio = work / hog;
    assert.ok(ratio > 4 * 0.8 && ratio < 4 * 1.2, `CPU ms ${work} : ${hog} = ${ratio.toFixed(2)}, expected 4 within 20%`);
    assert.ok(a1.cpuPercent >= 0 && b1.cpuPercent > a1.cpuPercent, 'ls shows more CPU for the share-4 guest');
  } finally {
    await t.close();
  }
});
