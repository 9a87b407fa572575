// The daemon end to end on a temporary socket: VMs side by side in their own workers, one
// killed while the others go on; guest faults (triple fault, HLT with IF=0); console, logs,
// events; the socket's mode. Guests are the ROMs of test-support.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { createGuest, ECHO_GUEST, HALTING_GUEST, info, logs, PRINTING_GUEST, testDaemon, TRIPLE_FAULT_GUEST, waitFor } from './test-support.js';

/** The guest the side-by-side test boots (Linux: a TestGuest with its kernel and shell prompt). */
const GUEST = PRINTING_GUEST;

test('four VMs print side by side; killing one leaves the other three running', { timeout: 300_000 }, async () => {
  const t = await testDaemon();
  try {
    const names = ['p1', 'p2', 'p3', 'p4'];
    for (const n of names) await createGuest(t.client, n, GUEST);
    for (const n of names) await waitFor(`${n} output`, async () => GUEST.ready.test((await logs(t.client, n)).toString('latin1')));
    const killed = await t.client.call<{ state: string; reason: string }>('POST', '/vms/p2/kill');
    assert.equal(killed.state, 'stopped');
    assert.equal(killed.reason, 'killed');
    const before = await Promise.all(['p1', 'p3', 'p4'].map(async (n) => (await info(t.client, n)).serialBytes));
    const p2 = (await info(t.client, 'p2')).serialBytes;
    // The survivors keep printing; the killed one does not.
    await waitFor('survivors to print more', async () => {
      const now = await Promise.all(['p1', 'p3', 'p4'].map(async (n) => (await info(t.client, n)).serialBytes));
      return now.every((b, i) => b > before[i]! + 200);
    });
    assert.equal((await info(t.client, 'p2')).serialBytes, p2);
    for (const n of ['p1', 'p3', 'p4']) {
      const v = await info(t.client, n);
      assert.equal(v.state, 'running');
      assert.ok(v.instructions > 0 && v.memoryBytes >= 2 << 20);
    }
    // Each VM's output is its own guest's, none lost or mixed in.
    GUEST.checkOutput?.((await logs(t.client, 'p3')).toString('latin1'));
    await assert.rejects(t.client.call('DELETE', '/vms/p1'), /stop or kill it first/);
    await t.client.call('DELETE', '/vms/p2');
    await t.client.call('DELETE', '/vms/p1?force=true');
    const { vms } = await t.client.call<{ vms: { name: string }[] }>('GET', '/vms');
    assert.deepEqual(vms.map((v) => v.name).sort(), ['p3', 'p4']);
  } finally {
    await t.close();
  }
});

test('a triple fault resets the VM or stops it, per --triple-fault; HLT with IF=0 stops it', { timeout: 120_000 }, async () => {
  const t = await testDaemon();
  try {
    await createGuest(t.client, 'tf-reset', TRIPLE_FAULT_GUEST, { tripleFault: 'reset' });
    await createGuest(t.client, 'tf-stop', TRIPLE_FAULT_GUEST, { tripleFault: 'stop' });
    await createGuest(t.client, 'halt', HALTING_GUEST);
    await createGuest(t.client, 'bystander', PRINTING_GUEST);
    const stopped = await waitFor('tf-stop to stop', async () => {
      const v = await info(t.client, 'tf-stop');
      return v.state === 'stopped' && v;
    });
    assert.match(stopped.reason!, /triple fault/);
    const halted = await waitFor('halt to stop', async () => {
      const v = await info(t.client, 'halt');
      return v.state === 'stopped' && v;
    });
    assert.match(halted.reason!, /halted with interrupts disabled/);
    // Reset by triple fault: the guest starts over (prints "boot" again) and keeps running.
    await waitFor('tf-reset to reset twice', async () => (await info(t.client, 'tf-reset')).resets >= 2);
    assert.equal((await info(t.client, 'tf-reset')).state, 'running');
    assert.ok((await logs(t.client, 'tf-reset')).toString().split('boot').length > 2);
    assert.equal((await info(t.client, 'bystander')).state, 'running');
  } finally {
    await t.close();
  }
});

test('console: bytes typed reach the guest and its answer comes back; logs and events', { timeout: 120_000 }, async () => {
  const t = await testDaemon();
  try {
    const events: Record<string, unknown>[] = [];
    const closeEvents = await t.client.events(null, (e) => events.push(e));
    await createGuest(t.client, 'echo', ECHO_GUEST);
    await waitFor('ready', async () => /ready/.test((await logs(t.client, 'echo')).toString()));
    const sock = await t.client.console('echo');
    let got = '';
    sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
    sock.write('hello');
    await waitFor('echo', () => got.includes('HELLO'));
    sock.destroy();
    await waitFor('log to hold the echo', async () => (await logs(t.client, 'echo')).toString().includes('HELLO'));
    await t.client.call('POST', '/vms/echo/stop', { timeout: 0 });
    await waitFor('events', () => events.some((e) => e.type === 'state' && e.state === 'stopped' && e.vm === 'echo'));
    assert.ok(events.some((e) => e.type === 'created' && e.vm === 'echo'));
    assert.ok(events.some((e) => e.type === 'state' && e.state === 'running' && e.vm === 'echo'));
    const v = await info(t.client, 'echo');
    assert.equal(v.reason, 'stopped by request');
    // A guest that ignores the ACPI power button is stopped when the grace time is over.
    await createGuest(t.client, 'deaf', PRINTING_GUEST);
    const deaf = await t.client.call<{ state: string; reason: string }>('POST', '/vms/deaf/stop', { timeout: 0.5 });
    assert.equal(deaf.state, 'stopped');
    assert.equal(deaf.reason, 'stopped (the guest did not power off within 0.5 s)');
    closeEvents();
  } finally {
    await t.close();
  }
});

test('the socket is mode 0600; clients vanishing mid-stream leave the daemon serving', { timeout: 120_000 }, async () => {
  const t = await testDaemon();
  try {
    const st = await stat(t.daemon.socketPath);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o600);
    await createGuest(t.client, 'p', PRINTING_GUEST);
    for (let i = 0; i < 20; i++) {
      // Follow the logs, the events and the console, then drop the connections abruptly.
      const c1 = await t.client.stream('/vms/p/logs?follow=true', () => {});
      const c2 = await t.client.stream('/events', () => {});
      const s = await t.client.console('p');
      s.write('x');
      c1();
      c2();
      s.destroy();
      // Half a request, then gone.
      const raw = connect(t.daemon.socketPath);
      raw.on('error', () => {});
      raw.write('POST /vms HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"na');
      raw.destroy();
      // Garbage instead of HTTP.
      const g = connect(t.daemon.socketPath);
      g.on('error', () => {});
      g.write('\x00\xff garbage\r\n\r\n');
      g.end();
      // A response never read.
      const r = request({ socketPath: t.daemon.socketPath, path: '/vms/p/logs' });
      r.on('error', () => {});
      r.on('response', (res) => res.destroy());
      r.end();
    }
    const v = await info(t.client, 'p');
    assert.equal(v.state, 'running');
    assert.equal((await t.client.call<{ vms: number }>('GET', '/info')).vms, 1);
  } finally {
    await t.close();
  }
});

test('quotas: memory and VM count are checked at creation and fail cleanly', { timeout: 120_000 }, async () => {
  const t = await testDaemon({ maxMemoryBytes: 40 << 20, maxVms: 3 });
  try {
    await createGuest(t.client, 'a', PRINTING_GUEST, { memory: '16M' });
    await createGuest(t.client, 'b', PRINTING_GUEST, { memory: '16M' });
    await assert.rejects(createGuest(t.client, 'c', PRINTING_GUEST, { memory: '16M' }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'quota_exceeded');
      assert.match(e.message, /32 MiB of 40 MiB in use/);
      return true;
    });
    await createGuest(t.client, 'c', PRINTING_GUEST, { memory: '8M' });
    await assert.rejects(createGuest(t.client, 'd', PRINTING_GUEST, { memory: '2M' }), /maximum \(--max-vms\)/);
    // Memory of a stopped VM is free again; the VM still counts until removed.
    await t.client.call('POST', '/vms/a/kill');
    await t.client.call('DELETE', '/vms/a');
    await createGuest(t.client, 'd', PRINTING_GUEST, { memory: '16M' });
    assert.equal((await t.client.call<{ memoryBytes: number }>('GET', '/info')).memoryBytes, 40 << 20);
  } finally {
    await t.close();
  }
});
