// The differential programs (tests/asm) with the translator translating every block
// (`ringmaster run --jit on --jit-threshold 0`) must match the reference exactly as the
// interpreter does (difftest.test.ts runs them with the default). Needs nasm and qemu-system-i386.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { runOne } from './difftest.js';
import { findRepoRoot, listPrograms } from './programs.js';

const root = findRepoRoot();
const programs = listPrograms(root);

test('differential programs with every block translated (QEMU vs Ringmaster --jit on --jit-threshold 0)', { concurrency: Math.max(1, os.cpus().length) }, async (t) => {
  const runs = programs.map((prog) =>
    t.test(`${prog.name} (jit)`, { timeout: 120_000 }, async () => {
      const r = await runOne(root, prog, ['--jit', 'on', '--jit-threshold', '0']);
      assert.ok(r.passed, `${prog.name}: ${r.reason}\n${r.details}`);
    }),
  );
  await Promise.all(runs);
});
