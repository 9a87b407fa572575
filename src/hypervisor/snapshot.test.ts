// Snapshots end to end: pause, snapshot, restore to a new name and continue; in deterministic
// mode the output of the saved VM followed by that of the restored one is byte-identical to
// an uninterrupted run (DESIGN.md "Determinism"). Corrupt files are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGuest, info, logs, PRINTING_GUEST, testDaemon, waitFor } from './test-support.js';

/** The guest snapshotted (Linux: a TestGuest with its kernel; one line to change). */
const GUEST = PRINTING_GUEST;

test('pause, snapshot, restore to a new name, continue: byte-identical output in deterministic mode', { timeout: 240_000 }, async () => {
  // Logs large enough to hold every byte of the comparison (the ring buffer must not wrap).
  const t = await testDaemon({ logBytes: 16 << 20 });
  try {
    await createGuest(t.client, 'ref', GUEST, { deterministic: true });
    await createGuest(t.client, 'orig', GUEST, { deterministic: true });
    await waitFor('orig output', async () => (await logs(t.client, 'orig')).length > 2000);
    await t.client.call('POST', '/vms/orig/pause');
    assert.equal((await info(t.client, 'orig')).state, 'paused');
    const file = join(t.dir, 'orig.snap');
    const progress: number[] = [];
    const off = await t.client.events('orig', (e) => e.type === 'progress' && progress.push(e.done as number));
    const snap = await t.client.call<{ bytes: number; instructions: number }>('POST', '/vms/orig/snapshot', { path: file });
    off();
    assert.ok(snap.bytes > 0);
    if (GUEST === PRINTING_GUEST) assert.ok(snap.bytes < 1 << 20, `a 16 MiB ROM guest's RAM is mostly zeros (${snap.bytes} bytes)`);
    assert.ok(progress.length > 0, 'progress events during the snapshot');
    const before = await logs(t.client, 'orig');
    // Paused: no more output.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await logs(t.client, 'orig')).length, before.length);
    await t.client.call('POST', '/vms/orig/kill');

    const restored = await t.client.call<{ state: string; instructions: number }>('POST', '/vms/restore', { path: file, name: 'copy' });
    assert.equal(restored.state, 'running');
    assert.equal(restored.instructions, snap.instructions);
    await waitFor('copy output', async () => (await logs(t.client, 'copy')).length > 3000);
    await t.client.call('POST', '/vms/copy/pause');
    const combined = Buffer.concat([before, await logs(t.client, 'copy')]);
    await waitFor('ref to catch up', async () => (await logs(t.client, 'ref')).length >= combined.length);
    await t.client.call('POST', '/vms/ref/pause');
    const refInfo = await info(t.client, 'ref');
    const refAll = await logs(t.client, 'ref');
    assert.equal(refAll.length, refInfo.serialBytes, 'the log kept every byte');
    const ref = refAll.subarray(0, combined.length);
    assert.ok(combined.length > before.length + 3000);
    assert.equal(combined.toString('latin1'), ref.toString('latin1'));
    // The ROM's output depends on virtual time (PIT readings vary), so this also checks the clock.
    if (GUEST !== PRINTING_GUEST) return;
    const pit = new Set(ref.toString('latin1').split('\r\n').map((l) => l.slice(5)));
    assert.ok(pit.size > 2, 'PIT readings change over the run');
  } finally {
    await t.close();
  }
});

test('a corrupt, truncated or foreign snapshot is refused and creates no VM', { timeout: 120_000 }, async () => {
  const t = await testDaemon();
  try {
    await createGuest(t.client, 'a', GUEST);
    const file = join(t.dir, 'a.snap');
    await t.client.call('POST', '/vms/a/snapshot', { path: file });
    const good = await readFile(file);
    const cases: Array<[string, Buffer, RegExp]> = [];
    const flipped = Buffer.from(good);
    flipped[flipped.length - 100]! ^= 0x10;
    cases.push(['flipped', flipped, /checksum mismatch/]);
    cases.push(['truncated', good.subarray(0, good.length - 1), /checksum|truncated|length/]);
    const v9 = Buffer.from(good);
    v9.writeUInt32LE(9, 8);
    cases.push(['version', v9, /format version 9/]);
    cases.push(['text', Buffer.from('hello world, not a snapshot at all............................'), /not a Ringmaster snapshot/]);
    for (const [n, bytes, re] of cases) {
      const p = join(t.dir, `${n}.snap`);
      await writeFile(p, bytes);
      await assert.rejects(t.client.call('POST', '/vms/restore', { path: p, name: `r-${n}` }), (e: Error & { status?: number }) => {
        assert.equal(e.status, 422);
        assert.match(e.message, re);
        return true;
      });
    }
    const { vms } = await t.client.call<{ vms: { name: string }[] }>('GET', '/vms');
    assert.deepEqual(vms.map((v) => v.name), ['a']);
  } finally {
    await t.close();
  }
});
