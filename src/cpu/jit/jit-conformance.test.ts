// SingleStepTests (80286 real mode, recorded on silicon) through the translator with threshold 0
// (every instruction runs inside a translated block) must give exactly the interpreter's results:
// a sample of every file (every SAMPLE-th test, to keep the suite's time reasonable; the CLI
// runs the whole set: `ringmaster conformance singlestep --jit on FILES`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { SingleStepRunner, emptySummary, formatFailure, type SingleStepTest } from '../conformance/singlestep.js';

const root = process.env.RINGMASTER_CONFORMANCE ?? path.resolve(process.cwd(), '../shared/conformance');
const dir = path.join(root, 'singlestep/80286/v1_real_mode');
const SAMPLE = Number(process.env.RINGMASTER_JIT_SAMPLE ?? 32);

test('SingleStepTests through the translator (threshold 0): same results as the interpreter', { skip: !existsSync(dir) && `no data at ${dir}` }, () => {
  const meta = JSON.parse(readFileSync(path.join(dir, 'metadata.json'), 'utf8'));
  const interp = new SingleStepRunner(meta);
  const jit = new SingleStepRunner(meta, { threshold: 0 });
  const a = emptySummary();
  const b = emptySummary();
  const files = readdirSync(dir).filter((f) => f.endsWith('.json.gz')).sort();
  for (const f of files) {
    const all = JSON.parse(gunzipSync(readFileSync(path.join(dir, f))).toString('utf8')) as SingleStepTest[];
    const tests = all.filter((_, i) => i % SAMPLE === 0);
    interp.runFile(f, tests, a);
    jit.runFile(f, tests, b);
  }
  assert.ok(b.passed > 2000, `${b.passed} tests ran`);
  assert.equal(b.failed, a.failed, b.failures.slice(0, 20).map(formatFailure).join('\n'));
  assert.deepEqual(b.failures.map((x) => x.hash), a.failures.map((x) => x.hash));
  assert.equal(b.maskedTests, a.maskedTests);
  assert.ok(jit.cpu.jit!.stats.executed > b.passed / 2, 'the instructions ran in translated blocks');
});
