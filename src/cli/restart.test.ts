// bin/ringmaster.js starts Node again with the V8 flags of bin/node-flags.js (a compiler pool
// that leaves the guest its core, WebAssembly tiering): the restarted process must behave as the one started, and
// end with it however it ends (Linux: children are found through /proc).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/ringmaster.js', import.meta.url));
const { nodeFlags } = (await import(new URL('../../bin/node-flags.js', import.meta.url).href)) as { nodeFlags: (argv: string[]) => string[] };
const flags = nodeFlags([]).join(' ');
const skip = flags !== '' ? undefined : 'no Node flags to add here (RINGMASTER_V8_POOL and RINGMASTER_V8_TIERING say default): no restart';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** The ringmaster processes whose parent is `pid`, with their command lines (from Linux /proc). */
const children = (pid: number): { pid: number; args: string }[] => {
  const out: { pid: number; args: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // stat: "pid (comm) state ppid ...": the fields after the last ')'.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== pid) continue;
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ');
      if (args.includes('ringmaster.js')) out.push({ pid: Number(name), args });
    } catch {
      // gone meanwhile
    }
  }
  return out;
};

/** A 64 KiB BIOS whose reset vector jumps to itself: a machine that runs until it is stopped. */
function loopRom(dir: string): string {
  const rom = new Uint8Array(0x10000);
  rom.set([0xeb, 0xfe], 0xfff0);
  const file = join(dir, 'loop.rom');
  writeFileSync(file, rom);
  return file;
}

async function startLooping(dir: string) {
  const p = spawn(process.execPath, [BIN, 'run', '--bios', loopRom(dir)], { stdio: ['ignore', 'ignore', 'pipe'] });
  // Until the child has exec'd, /proc shows it with the parent's command line.
  let kids: { pid: number; args: string }[] = [];
  for (let i = 0; i < 50 && !(kids.length === 1 && kids[0]!.args.includes(flags)); i++) {
    await sleep(100);
    kids = children(p.pid!);
  }
  assert.equal(kids.length, 1, 'one restarted process');
  assert.ok(kids[0]!.args.includes(flags), `restarted with ${flags}: ${kids[0]!.args}`);
  return { p, kid: kids[0]!.pid };
}

test('the Node flags leave out what the command line sets already', () => {
  assert.ok(!nodeFlags(['--v8-pool-size=3']).some((f) => f.startsWith('--v8-pool-size')));
  assert.ok(!nodeFlags(['--wasm-dynamic-tiering']).some((f) => f.includes('wasm-dynamic-tiering')));
  assert.ok(!nodeFlags(['--no-wasm-dynamic-tiering']).some((f) => f.includes('wasm-dynamic-tiering')));
  assert.ok(nodeFlags([]).includes('--no-wasm-dynamic-tiering') || process.env.RINGMASTER_V8_TIERING === 'default');
});

test('the restarted ringmaster passes its exit status back (a bad option: 2, --version: 0)', { skip }, () => {
  const bad = spawnSync(process.execPath, [BIN, 'run', '--no-such-option'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown option '--no-such-option'/);
  const ok = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' });
  assert.equal(ok.status, 0);
  assert.match(ok.stdout, /^\d+\.\d+\.\d+/);
});

test('a killed ringmaster takes its restarted process with it (SIGKILL: the IPC channel closes; SIGTERM: passed on)', { skip, timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rm-restart-'));
  try {
    const a = await startLooping(dir);
    a.p.kill('SIGKILL');
    for (let i = 0; i < 50 && alive(a.kid); i++) await sleep(100);
    assert.ok(!alive(a.kid), 'the restarted process ended with its killed parent');

    const b = await startLooping(dir);
    const ended = new Promise<[number | null, NodeJS.Signals | null]>((r) => b.p.on('exit', (code, signal) => r([code, signal])));
    b.p.kill('SIGTERM');
    assert.deepEqual(await ended, [null, 'SIGTERM'], 'the parent ends as its child did, by SIGTERM');
    for (let i = 0; i < 50 && alive(b.kid); i++) await sleep(100);
    assert.ok(!alive(b.kid));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
