// The CLI client commands against a daemon on a temporary socket: create, ls, logs, pause,
// snapshot, restore, resume, kill, rm, each run as `ringmaster ...` in a child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PRINTING_GUEST, rom, testDaemon, waitFor } from './test-support.js';

const run = promisify(execFile);
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '../cli/main.js');

test('ringmaster create/ls/logs/pause/snapshot/restore/kill/rm drive the daemon', { timeout: 240_000 }, async () => {
  const t = await testDaemon();
  const rm = (...args: string[]) => run(process.execPath, [MAIN, ...args, '--socket', t.daemon.socketPath], { cwd: t.dir });
  try {
    const romPath = await rom('counter');
    assert.equal((await rm('create', 'c1', '--bios', romPath, '--memory', '16M', '--cpu-share', '2', '--deterministic')).stdout, 'c1 running\n');
    const ls = JSON.parse((await rm('ls', '--json')).stdout) as Array<{ name: string; cpuShare: number; memoryBytes: number; deterministic: boolean }>;
    assert.deepEqual(ls.map((v) => [v.name, v.cpuShare, v.memoryBytes, v.deterministic]), [['c1', 2, 16 << 20, true]]);
    const table = (await rm('ls')).stdout.split('\n');
    assert.match(table[0]!, /^NAME\s+STATE\s+MEMORY\s+CPU%\s+SHARE\s+UPTIME\s+INSTRUCTIONS/);
    assert.match(table[1]!, /^c1\s+running\s+16M\s/);
    await waitFor('output', async () => PRINTING_GUEST.ready.test((await rm('logs', 'c1')).stdout));
    assert.equal((await rm('pause', 'c1')).stdout, 'c1 paused\n');
    // A relative snapshot path is resolved by the client against its own directory.
    const snap = await rm('snapshot', 'c1', 'c1.snap');
    assert.match(snap.stderr, new RegExp(`written to ${t.dir}/c1.snap`));
    const restored = await rm('restore', 'c1.snap', 'c2');
    assert.match(restored.stderr, /c2 running \(restored from/);
    assert.equal((await rm('resume', 'c1')).stdout, 'c1 running\n');
    assert.equal((await rm('kill', 'c1')).stdout, 'c1 stopped (killed)\n');
    assert.equal((await rm('rm', 'c1')).stdout, 'c1 removed\n');
    assert.equal((await rm('rm', '--force', 'c2')).stdout, 'c2 removed\n');
    // Daemon errors: one line on stderr, exit status 1.
    await assert.rejects(rm('pause', 'nope'), (e: { code: number; stderr: string }) => {
      assert.equal(e.code, 1);
      assert.equal(e.stderr, "ringmaster: no VM named 'nope'\n");
      return true;
    });
    await assert.rejects(run(process.execPath, [MAIN, 'ls', '--socket', join(t.dir, 'none.sock')]), (e: { code: number; stderr: string }) => {
      assert.equal(e.code, 1);
      assert.match(e.stderr, /no daemon listening on/);
      return true;
    });
  } finally {
    await t.close();
  }
});
