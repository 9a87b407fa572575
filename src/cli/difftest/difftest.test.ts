// Differential tests: every bare-metal program in tests/asm runs on QEMU (the
// reference, cached) and on Ringmaster; their port-0xE9 output must match byte for
// byte (issue 8, "Testing against references"). Needs nasm and qemu-system-i386.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { describeDiff } from './diff.js';
import { runOne } from './difftest.js';
import { findRepoRoot, listPrograms, parseProgram } from './programs.js';

// Programs that need CPU features not implemented yet. Each still runs and its
// result is reported; node:test counts a failure here as "todo" instead of failing
// the suite. Only programs that fail today belong here: remove an entry as soon as
// its program passes.
const TODO: Record<string, string> = {};

test('harness: directives in the program header are parsed', () => {
  const p = parseProgram('x', '/t/x.asm', '; A test (SDM 1.2): details\n; difftest: cpu=pentium3,+pae\n; difftest: reset\n; difftest: expected\n; difftest: timeout=30\n');
  assert.equal(p.description, 'A test');
  assert.equal(p.qemuCpu, 'pentium3,+pae');
  assert.equal(p.expectReset, true);
  assert.equal(p.expectedFile, '/t/x.expected');
  assert.equal(p.timeoutSeconds, 30);
  assert.throws(() => parseProgram('x', 'x.asm', '; difftest: bogus\n'), /unknown difftest directive/);
});

test('harness: the diff shows changed, missing and extra lines with line numbers', () => {
  const d = describeDiff('a\nb\nc\nd\n', 'a\nB\nc\nd\nextra\n');
  assert.match(d, /^- 2: b$/m);
  assert.match(d, /^\+ 2: B$/m);
  assert.match(d, /^\+ 5: extra$/m);
  assert.doesNotMatch(d, /^[-+] \d+: c$/m);
});

const root = findRepoRoot();
const programs = listPrograms(root);

test('every program listed as todo exists', () => {
  for (const name of Object.keys(TODO)) assert.ok(programs.some((p) => p.name === name), name);
});

test('differential programs (QEMU vs Ringmaster)', { concurrency: Math.max(1, os.cpus().length) }, async (t) => {
  const runs = programs.map((prog) =>
    t.test(`${prog.name}: ${prog.description}`, { timeout: 120_000 }, async (tt) => {
      const r = await runOne(root, prog);
      const todo = TODO[prog.name];
      // A listed program that passes is a real failure: the table must stay exact.
      if (todo !== undefined) {
        assert.ok(!r.passed, `${prog.name} passes now: remove it from TODO`);
        tt.todo(todo);
      }
      assert.ok(r.passed, `${prog.name}: ${r.reason}\n${r.details}`);
    }),
  );
  await Promise.all(runs);
});
