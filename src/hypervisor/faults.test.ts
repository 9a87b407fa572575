// Isolation: an exception thrown inside a VM's worker, a worker stuck in host code, a worker
// that exits, and a worker terminated from outside each end that VM only (state 'crashed' with
// the reason, in the API and the events); the other VMs and the daemon go on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGuest, info, PRINTING_GUEST, testDaemon, waitFor } from './test-support.js';

test('a worker that throws, hangs, exits or is terminated crashes only its own VM', { timeout: 180_000 }, async () => {
  const t = await testDaemon({ watchdogMs: 3000 });
  try {
    const events: Record<string, unknown>[] = [];
    const off = await t.client.events(null, (e) => events.push(e));
    for (const n of ['throw', 'hang', 'exit', 'term', 'bystander']) await createGuest(t.client, n, PRINTING_GUEST);
    await t.client.call('POST', '/vms/throw/debug/fault', { kind: 'throw' });
    await t.client.call('POST', '/vms/hang/debug/fault', { kind: 'hang' });
    await t.client.call('POST', '/vms/exit/debug/fault', { kind: 'exit' });
    await t.daemon.supervisor.get('term').terminateWorker();
    const expect: Record<string, RegExp> = {
      throw: /worker error: test hook: exception inside the VM worker/,
      hang: /did not answer .*hung in host code/,
      exit: /exited with code 3/,
      term: /exited with code 1/,
    };
    for (const [n, re] of Object.entries(expect)) {
      const v = await waitFor(`${n} to crash`, async () => {
        const i = await info(t.client, n);
        return i.state === 'crashed' && i;
      });
      assert.match(v.reason!, re, n);
      assert.ok(events.some((e) => e.vm === n && e.type === 'state' && e.state === 'crashed'), `event for ${n}`);
    }
    const b0 = (await info(t.client, 'bystander')).serialBytes;
    await waitFor('bystander to keep printing', async () => (await info(t.client, 'bystander')).serialBytes > b0 + 100);
    assert.equal((await info(t.client, 'bystander')).state, 'running');
    // A crashed VM can be removed and its name reused.
    await t.client.call('DELETE', '/vms/throw');
    await createGuest(t.client, 'throw', PRINTING_GUEST);
    assert.equal((await info(t.client, 'throw')).state, 'running');
    off();
  } finally {
    await t.close();
  }
});
