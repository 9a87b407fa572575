// Bad API input gets a JSON {code, message} error with a proper status and changes nothing:
// wrong types, unknown fields, huge bodies, unknown names, path tricks. Then a fuzz run of a
// few thousand random requests, after which the daemon still answers. And the OpenAPI
// document served at /openapi.json is the one kept in docs/ and describes every route.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ApiClient } from './client.js';
import { openApiDocument } from './openapi.js';
import { createGuest, PRINTING_GUEST, rom, testDaemon } from './test-support.js';

async function expectError(client: ApiClient, method: string, path: string, body: string | undefined, status: number, code: string | RegExp, headers?: Record<string, string>) {
  const r = await client.raw(method, path, body, headers);
  assert.equal(r.status, status, `${method} ${path} ${body?.slice(0, 80)} -> ${r.status} ${r.body.toString().slice(0, 200)}`);
  assert.match(String(r.headers['content-type']), /^application\/json/);
  const e = JSON.parse(r.body.toString()) as { code: unknown; message: unknown };
  assert.equal(typeof e.message, 'string');
  assert.ok((e.message as string).length > 0);
  if (typeof code === 'string') assert.equal(e.code, code, `${method} ${path}: ${e.message}`);
  else assert.match(String(e.code), code);
  return e as { code: string; message: string };
}

test('bad requests get JSON errors and change nothing', { timeout: 120_000 }, async () => {
  const t = await testDaemon({ maxVms: 4, maxMemoryBytes: 64 << 20 });
  try {
    const c = t.client;
    const bios = await rom('counter');
    await createGuest(c, 'keep', PRINTING_GUEST);
    const snapDir = join(t.dir, 'snaps');
    await mkdir(snapDir);
    await symlink('/etc', join(t.dir, 'etc-link'));
    const before = JSON.stringify((await c.call<{ vms: { name: string }[] }>('GET', '/vms')).vms.map((v) => v.name));
    const create = (x: unknown) => JSON.stringify(x);
    const cfg = { bios, memory: '16M' };
    const cases: Array<[string, string, string | undefined, number, string | RegExp]> = [
      ['POST', '/vms', create({ name: 5, config: cfg }), 400, 'bad_request'],
      ['POST', '/vms', create({ name: 'x', config: cfg, cpuShare: 'x' }), 400, 'bad_request'],
      ['POST', '/vms', create({ name: 'x', config: cfg, cpuShare: 0 }), 400, 'bad_request'],
      ['POST', '/vms', create({ name: 'x', config: cfg, cpuShare: 1.5 }), 400, 'bad_request'],
      ['POST', '/vms', create({ name: 'x', config: 'bios' }), 400, 'bad_request'],
      ['POST', '/vms', create({ name: 'x' }), 400, 'bad_request'],
      ['POST', '/vms', create([1, 2]), 400, 'bad_request'],
      ['POST', '/vms', 'null', 400, 'bad_request'],
      ['POST', '/vms', create({ name: 'x', config: cfg, extra: 1 }), 400, 'unknown_field'],
      ['POST', '/vms', create({ name: 'x', config: { ...cfg, colour: 'red' } }), 400, 'invalid_config'],
      ['POST', '/vms', create({ name: 'x', config: { ...cfg, memory: '12X' } }), 400, 'invalid_config'],
      ['POST', '/vms', create({ name: 'x', config: { ...cfg, memory: '4G' } }), 400, 'invalid_config'],
      ['POST', '/vms', create({ name: 'x', config: { ...cfg, deterministic: 'yes' } }), 400, 'invalid_config'],
      ['POST', '/vms', create({ name: 'x', config: { ...cfg, serial: 'file:/tmp/x' } }), 400, 'unsupported'],
      ['POST', '/vms', create({ name: '../x', config: cfg }), 400, 'bad_request'],
      ['POST', '/vms', create({ name: 'x'.repeat(100), config: cfg }), 400, 'bad_request'],
      ['POST', '/vms', create({ name: 'keep', config: cfg }), 409, 'exists'],
      ['POST', '/vms', create({ name: 'big', config: { ...cfg, memory: '64M' } }), 409, 'quota_exceeded'],
      ['POST', '/vms', '{"name": "x", ', 400, 'invalid_json'],
      // Path tricks in file arguments.
      ['POST', '/vms', create({ name: 'x', config: { ...cfg, bios: 'counter.rom' } }), 400, 'bad_path'],
      ['POST', '/vms', create({ name: 'x', config: { ...cfg, bios: `${t.dir}/../${t.dir.split('/').pop()}/x` } }), 400, 'bad_path'],
      ['POST', '/vms', create({ name: 'x', config: { ...cfg, bios: `${bios}\u0000.txt` } }), 400, 'invalid_config'],
      ['POST', '/vms', create({ name: 'x', config: { ...cfg, bios: '/dev/zero' } }), 400, 'bad_path'],
      ['POST', '/vms', create({ name: 'x', config: { ...cfg, bios: t.dir } }), 400, 'bad_path'],
      ['POST', '/vms', create({ name: 'x', config: { ...cfg, bios: join(t.dir, 'etc-link') } }), 400, 'bad_path'],
      ['POST', '/vms', create({ name: 'x', config: { ...cfg, bios: '/nonexistent/rom' } }), 400, 'bad_path'],
      ['POST', '/vms', create({ name: 'x', config: { ...cfg, bios: '/etc/hostname' } }), 400, 'start_failed'],
      ['POST', '/vms/keep/snapshot', create({ path: 'rel.snap' }), 400, 'bad_path'],
      ['POST', '/vms/keep/snapshot', create({ path: '/dev/null' }), 400, 'bad_path'],
      ['POST', '/vms/keep/snapshot', create({ path: snapDir }), 400, 'bad_path'],
      ['POST', '/vms/keep/snapshot', create({ path: join(t.dir, 'etc-link', 'x.snap') }), 400, 'bad_path'],
      ['POST', '/vms/keep/snapshot', create({ path: join(snapDir, 'missing', 'x.snap') }), 400, 'bad_path'],
      ['POST', '/vms/keep/snapshot', create({ path: `${snapDir}/../x.snap` }), 400, 'bad_path'],
      ['POST', '/vms/keep/snapshot', create({ path: join(snapDir, 'a.snap'), extra: true }), 400, 'unknown_field'],
      ['POST', '/vms/keep/snapshot', create({}), 400, 'bad_request'],
      ['POST', '/vms/restore', create({ path: '/etc/hostname', name: 'r' }), 422, 'bad_snapshot'],
      ['POST', '/vms/restore', create({ path: snapDir, name: 'r' }), 400, 'bad_path'],
      ['POST', '/vms/restore', create({ path: 'x.snap', name: 'r' }), 400, 'bad_path'],
      // Unknown names and resources, wrong methods and states.
      ['GET', '/vms/nope', undefined, 404, 'not_found'],
      ['POST', '/vms/nope/pause', undefined, 404, 'not_found'],
      ['DELETE', '/vms/nope', undefined, 404, 'not_found'],
      ['GET', '/vms/..%2Fetc', undefined, 404, 'not_found'],
      ['GET', '/vms/%E0%A4%A', undefined, 404, 'not_found'],
      ['GET', '/nothing', undefined, 404, 'not_found'],
      ['PUT', '/vms', undefined, 405, 'method_not_allowed'],
      ['POST', '/vms/keep/resume', undefined, 409, 'conflict'],
      ['POST', '/vms/keep/pause', create({ now: true }), 400, 'unknown_field'],
      ['GET', '/vms/keep/logs?follow=maybe', undefined, 400, 'bad_request'],
      ['GET', '/vms/keep/logs?tail=5', undefined, 400, 'unknown_field'],
      ['DELETE', '/vms/keep?force=true&force=false', undefined, 400, 'bad_request'],
    ];
    for (const [m, p, b, s, code] of cases) await expectError(c, m, p, b, s, code);
    await expectError(c, 'POST', '/vms', create({ name: 'x', config: cfg }), 415, 'unsupported_media_type', { 'content-type': 'text/plain' });
    // A huge body: refused by its declared length, and while streaming without one.
    await expectError(c, 'POST', '/vms', JSON.stringify({ name: 'x', config: { append: 'a'.repeat(200_000) } }), 413, 'payload_too_large');
    const chunked = await c.raw('POST', '/vms', undefined, { 'transfer-encoding': 'chunked' }).catch((e: Error) => e);
    assert.ok(!(chunked instanceof Error) || /socket|ECONNRESET/.test(chunked.message));
    const after = JSON.stringify((await c.call<{ vms: { name: string }[] }>('GET', '/vms')).vms.map((v) => v.name));
    assert.equal(after, before, 'no VM created or removed');
    assert.deepEqual(await readdir(snapDir), [], 'no snapshot file written');
    assert.equal((await c.call<{ state: string }>('GET', '/vms/keep')).state, 'running');
  } finally {
    await t.close();
  }
});

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function randomValue(r: () => number, depth = 0): unknown {
  const k = Math.floor(r() * (depth > 2 ? 6 : 9));
  switch (k) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return pick(r, [0, -1, 1.5, 1e308, 2 ** 53, NaN, 4096, 65536]);
    case 3:
      return pick(r, ['', 'x', '16M', '/', '/dev/zero', '../../etc/passwd', 'a\u0000b', 'file:/tmp/x', 'é'.repeat(50), '/tmp']);
    case 4:
      return String.fromCharCode(...Array.from({ length: Math.floor(r() * 20) }, () => Math.floor(r() * 0x2000)));
    case 5:
      return pick(r, ['reset', 'stop', 'stdio', 'none', 'cdrom,disk', 'throw']);
    case 6:
      return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      const keys = ['name', 'config', 'cpuShare', 'path', 'memory', 'bios', 'kernel', 'disk', 'deterministic', 'tripleFault', 'timeout', 'kind', 'zzz', '__proto__', 'constructor'];
      for (let i = Math.floor(r() * 5); i > 0; i--) o[pick(r, keys)] = randomValue(r, depth + 1);
      return o;
    }
  }
}

test('fuzz: a few thousand random requests; the daemon stays up and answers every one', { timeout: 300_000 }, async () => {
  const t = await testDaemon({ maxVms: 6, maxMemoryBytes: 96 << 20, watchdogMs: 30_000 });
  try {
    const c = t.client;
    let seed = 12345;
    const r = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    await createGuest(c, 'fz', PRINTING_GUEST);
    const bios = await rom('counter');
    const names = ['fz', 'a', 'b', 'nope', '..', '%00', 'x'.repeat(70), ''];
    const paths = () => {
      const n = encodeURIComponent(pick(r, names));
      return pick(r, ['/vms', `/vms/${n}`, `/vms/${n}/pause`, `/vms/${n}/resume`, `/vms/${n}/logs`, `/vms/${n}/snapshot`, `/vms/${n}/kill`, '/vms/restore', '/info', '/events?vm=%ZZ', `/vms/${n}/stop`, '/openapi.json/x', `/vms/${n}/debug/fault`, '//', `/vms/${n}?force=${pick(r, ['1', 'yes'])}`]);
    };
    const statuses = new Map<number, number>();
    const N = 2500;
    for (let i = 0; i < N; i += 25) {
      await Promise.all(
        Array.from({ length: 25 }, async () => {
          const method = pick(r, ['GET', 'POST', 'POST', 'DELETE', 'PUT', 'PATCH']);
          let body: string | undefined;
          const kind = r();
          if (method === 'POST' || method === 'PUT') {
            if (kind < 0.15) body = JSON.stringify({ name: pick(r, ['a', 'b']), config: { bios, memory: pick(r, ['16M', '2M', '8M']), deterministic: r() < 0.5 } });
            else if (kind < 0.2) body = JSON.stringify({ path: join(t.dir, pick(r, ['s1', 's2'])) });
            else if (kind < 0.25) body = Buffer.from(Array.from({ length: 64 }, () => Math.floor(r() * 256))).toString('latin1');
            else body = JSON.stringify(randomValue(r));
          }
          const path = paths();
          // Never fault the worker on purpose here: hooks are for the faults test.
          if (path.endsWith('/debug/fault') && body?.includes('"kind"')) body = '{}';
          if (path.startsWith('/events') || path.endsWith('/logs')) {
            if (method === 'GET') return; // streams are covered by the daemon test
          }
          const res = await c.raw(method, path, body);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status >= 400) {
            const e = JSON.parse(res.body.toString()) as { code?: unknown; message?: unknown };
            assert.equal(typeof e.code, 'string');
            assert.equal(typeof e.message, 'string');
          }
          assert.notEqual(res.status, 500, `${method} ${path} ${body?.slice(0, 200)}: ${res.body.toString()}`);
        }),
      );
    }
    const infoNow = await c.call<{ vms: number }>('GET', '/info');
    assert.ok(infoNow.vms >= 1);
    assert.ok((statuses.get(400) ?? 0) + (statuses.get(404) ?? 0) > N / 3, JSON.stringify([...statuses]));
  } finally {
    await t.close();
  }
});

test('docs/openapi.json is the served document and names every route', { timeout: 60_000 }, async () => {
  const kept = JSON.parse(await readFile(resolve(process.cwd(), 'docs/openapi.json'), 'utf8')) as unknown;
  assert.deepEqual(kept, openApiDocument(), 'regenerate with: ringmaster daemon --print-openapi > docs/openapi.json');
  const t = await testDaemon({ testHooks: false });
  try {
    const served = await t.client.call<{ paths: Record<string, Record<string, unknown>> }>('GET', '/openapi.json');
    assert.deepEqual(served, kept);
    const routes: Array<[string, string]> = [
      ['/vms', 'get'], ['/vms', 'post'], ['/vms/restore', 'post'], ['/vms/{name}', 'get'], ['/vms/{name}', 'delete'],
      ['/vms/{name}/pause', 'post'], ['/vms/{name}/resume', 'post'], ['/vms/{name}/stop', 'post'], ['/vms/{name}/kill', 'post'],
      ['/vms/{name}/snapshot', 'post'], ['/vms/{name}/logs', 'get'], ['/vms/{name}/console', 'get'], ['/events', 'get'], ['/info', 'get'],
    ];
    for (const [p, m] of routes) assert.ok(served.paths[p]?.[m], `${m.toUpperCase()} ${p} documented`);
    // Without test hooks the fault route does not exist.
    await expectError(t.client, 'POST', '/vms/x/debug/fault', '{"kind":"throw"}', 404, 'not_found');
    await writeFile(join(t.dir, 'unused'), '');
  } finally {
    await t.close();
  }
});
