// Unit tests of the hypervisor's pure parts: serial ring buffer, CPU-share allocation, state
// codec, snapshot file format and path checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, symlink, writeFile, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ByteRing } from './ring-buffer.js';
import { allocateCpu } from './scheduler.js';
import { decodeState, encodeState } from './state-codec.js';
import { decodeSnapshot, encodeSnapshot, RAM_CHUNK, SnapshotError, verifySnapshot, writeAtomically } from './snapshot-file.js';
import { checkInputFile, checkOutputFile, PathError } from './paths.js';

test('ByteRing keeps the last bytes in order and counts all', () => {
  const r = new ByteRing(8);
  r.write(Uint8Array.from([1, 2, 3]));
  r.write(Uint8Array.from([4, 5, 6, 7, 8, 9, 10]));
  assert.deepEqual([...r.contents()], [3, 4, 5, 6, 7, 8, 9, 10]);
  r.write(new Uint8Array(20).fill(7));
  assert.deepEqual([...r.contents()], new Array(8).fill(7));
  assert.equal(r.total, 30);
});

test('allocateCpu: weights under contention, one CPU at most per VM, spare CPU redistributed', () => {
  assert.deepEqual(allocateCpu([1, 4], 1), [0.2, 0.8]);
  // Two CPUs, two VMs: each can use one whole CPU whatever the weights.
  assert.deepEqual(allocateCpu([1, 4], 2), [1, 1]);
  const a = allocateCpu([1, 1, 2], 2);
  assert.ok(Math.abs(a[0]! - 0.5) < 1e-9 && Math.abs(a[2]! - 1) < 1e-9);
  assert.deepEqual(allocateCpu([], 2), []);
});

test('state codec round-trips typed arrays, Infinity and bigint', () => {
  const s = { a: new Uint16Array([1, 0xffff]), b: Infinity, c: -Infinity, d: 12n, e: [new Float64Array([0.5])], f: 'x' };
  const back = decodeState(encodeState(s)) as typeof s;
  assert.ok(back.a instanceof Uint16Array);
  assert.deepEqual([...back.a], [1, 0xffff]);
  assert.equal(back.b, Infinity);
  assert.equal(back.c, -Infinity);
  assert.equal(back.d, 12n);
  assert.equal(back.e[0]![0], 0.5);
});

function sampleSnapshot(): Uint8Array {
  const ram = new Uint8Array(3 * RAM_CHUNK);
  ram[5] = 0x42;
  ram[2 * RAM_CHUNK + 7] = 0x99;
  return encodeSnapshot({
    source: { name: 'a', cpuShare: 2 },
    config: { memoryBytes: ram.length },
    state: { version: 1, memory: { version: 1, a20: true, ram }, cpu: { regs: [1, 2] } },
    bios: new Uint8Array([9, 9, 9]),
    instructions: 1234,
  });
}

test('snapshot file round-trips state, BIOS and RAM (zero chunks take no space)', () => {
  const file = sampleSnapshot();
  assert.ok(file.length < 16384, `a mostly-zero 3 MiB guest compresses (got ${file.length} bytes)`);
  const d = decodeSnapshot(file);
  assert.equal(d.header.chunks[1], 0);
  assert.equal(d.state.memory.ram[5], 0x42);
  assert.equal(d.state.memory.ram[2 * RAM_CHUNK + 7], 0x99);
  assert.deepEqual([...d.bios!], [9, 9, 9]);
  assert.equal(d.header.instructions, 1234);
});

test('snapshot file: a flipped byte, a truncation, a foreign version or magic is refused whole', () => {
  const good = sampleSnapshot();
  const flipped = good.slice();
  flipped[flipped.length - 3]! ^= 1;
  assert.throws(() => decodeSnapshot(flipped), /checksum mismatch/);
  assert.throws(() => verifySnapshot(good.subarray(0, good.length - 10)), SnapshotError);
  assert.throws(() => verifySnapshot(good.subarray(0, 20)), /bad magic|truncated/);
  const v2 = good.slice();
  v2[8] = 2;
  assert.throws(() => verifySnapshot(v2), /format version 2; this ringmaster reads version 1/);
  const magic = good.slice();
  magic[0] = 0x58;
  assert.throws(() => verifySnapshot(magic), /not a Ringmaster snapshot/);
});

test('writeAtomically leaves only the final file, replacing an old one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rm-hv-u-'));
  const p = join(dir, 's.snap');
  await writeFile(p, 'old');
  await writeAtomically(p, new Uint8Array([1, 2, 3]));
  assert.deepEqual([...(await readFile(p))], [1, 2, 3]);
  assert.deepEqual(await readdir(dir), ['s.snap']);
});

test('path checks refuse relative, unnormalised, NUL, non-regular and missing paths', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rm-hv-p-'));
  const f = join(dir, 'f.bin');
  await writeFile(f, 'x');
  await mkdir(join(dir, 'sub'));
  await symlink(join(dir, 'sub'), join(dir, 'link'));
  await symlink(f, join(dir, 'flink'));
  assert.equal((await checkInputFile('bios', f)).size, 1);
  for (const bad of ['f.bin', `${dir}/../${dir.split('/').pop()}/f.bin`, `${dir}/./f.bin`, `${dir}//f.bin`, `${f}\0x`, join(dir, 'sub'), join(dir, 'link'), '/dev/zero', join(dir, 'none')]) {
    await assert.rejects(checkInputFile('bios', bad), PathError, bad);
  }
  assert.equal(await checkOutputFile('path', join(dir, 'new.snap')), join(dir, 'new.snap'));
  for (const bad of ['rel.snap', '/dev/null', join(dir, 'sub'), join(dir, 'flink'), join(dir, 'missing', 'x.snap'), `${dir}/../x.snap`]) {
    await assert.rejects(checkOutputFile('path', bad), PathError, bad);
  }
});
