// Berkeley TestFloat-3 extF80 vectors (checked against a real x87; format in
// ../shared/conformance/testfloat/README.md): every file must pass bit-exactly, results and
// flags. Plus directed-rounding cases: hand-computed ones, and a sample generated on a real x87
// with testdata/x87gen.c (the shared vectors only cover round-to-nearest-even).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { parseVectorFileName, runVectorLines } from './testfloat-runner.js';
import { f80Add, f80Div, f80Mul, f80Sub, isqrt } from './softfloat-arith.js';
import { f80ToInt } from './softfloat-convert.js';
import { FloatEnv, formatF80, parseF80, RC_DOWN, RC_NEAREST, RC_UP, RC_ZERO } from './softfloat-types.js';

const conformance = process.env.RINGMASTER_CONFORMANCE ?? path.resolve(process.cwd(), '../shared/conformance');
const vectorDir = path.join(conformance, 'testfloat');
const files = fs.existsSync(vectorDir) ? fs.readdirSync(vectorDir).filter((f) => /\.txt(\.gz)?$/.test(f)).sort() : [];

function readLines(file: string): string[] {
  const raw = fs.readFileSync(file);
  return (file.endsWith('.gz') ? zlib.gunzipSync(raw) : raw).toString('utf8').split('\n');
}

test('TestFloat vector directory is present', () => {
  assert.ok(files.length > 0, `no vectors found in ${vectorDir}`);
});

for (const file of files) {
  test(`TestFloat ${file}`, () => {
    const r = runVectorLines(file, readLines(path.join(vectorDir, file)), 20);
    console.log(`${file}: ${r.passed} passed, ${r.failed} failed`);
    for (const f of r.failures) console.log(`  ${f}`);
    assert.equal(r.failed, 0, `${r.failed} of ${r.passed + r.failed} vectors failed in ${file}`);
    assert.ok(r.passed > 0);
  });
}

test('directed rounding sample generated on a real x87 (all ops, rmin/rmax/rminMag, PC 24/53/64)', () => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // The compiled test lives in the output directory; the data stays in the source tree.
  const candidates = [
    path.join(here, 'testdata/x87-directed-rounding.txt.gz'),
    path.resolve(process.cwd(), 'src/cpu/fpu/testdata/x87-directed-rounding.txt.gz'),
  ];
  const file = candidates.find((c) => fs.existsSync(c));
  assert.ok(file, 'x87-directed-rounding.txt.gz not found');
  const byFile = new Map<string, string[]>();
  for (const line of readLines(file)) {
    if (!line.trim()) continue;
    const sp = line.indexOf(' ');
    const name = line.slice(0, sp);
    if (!byFile.has(name)) byFile.set(name, []);
    byFile.get(name)!.push(line.slice(sp + 1));
  }
  assert.ok(byFile.size >= 75);
  for (const [name, lines] of byFile) {
    const r = runVectorLines(name, lines, 5);
    assert.equal(r.failed, 0, `${name}: ${r.failures.join('; ')}`);
  }
});

/** Hand-computed directed rounding cases (IEEE 754 §4.3; x87 RC per Intel SDM vol.1 §4.8.4). */
function op(fn: typeof f80Add, a: string, b: string, rc: number, precision = 64): string {
  const env = new FloatEnv();
  env.rc = rc;
  env.precision = precision;
  const r = fn(env, parseF80(a), parseF80(b));
  return `${formatF80(r)} ${env.flags.toString(16).padStart(2, '0')}`;
}
const ONE = '3FFF8000000000000000';
const NEG_ONE = 'BFFF8000000000000000';
const TWO_M64 = '3FBF8000000000000000'; // 2^-64: exactly half an ulp of 1.0
const THREE = '4000C000000000000000';
const MAX = '7FFEFFFFFFFFFFFFFFFF';

test('1 + 2^-64 (a tie at 64 bits) in each rounding mode', () => {
  assert.equal(op(f80Add, ONE, TWO_M64, RC_NEAREST), '3FFF8000000000000000 01'); // tie → even
  assert.equal(op(f80Add, ONE, TWO_M64, RC_UP), '3FFF8000000000000001 01');
  assert.equal(op(f80Add, ONE, TWO_M64, RC_DOWN), '3FFF8000000000000000 01');
  assert.equal(op(f80Add, ONE, TWO_M64, RC_ZERO), '3FFF8000000000000000 01');
  assert.equal(op(f80Sub, NEG_ONE, TWO_M64, RC_DOWN), 'BFFF8000000000000001 01');
  assert.equal(op(f80Sub, NEG_ONE, TWO_M64, RC_UP), 'BFFF8000000000000000 01');
  assert.equal(op(f80Sub, NEG_ONE, TWO_M64, RC_ZERO), 'BFFF8000000000000000 01');
});

test('1/3 with 24-bit precision control rounds the significand only', () => {
  assert.equal(op(f80Div, ONE, THREE, RC_NEAREST, 24), '3FFDAAAAAB0000000000 01');
  assert.equal(op(f80Div, ONE, THREE, RC_UP, 24), '3FFDAAAAAB0000000000 01');
  assert.equal(op(f80Div, ONE, THREE, RC_DOWN, 24), '3FFDAAAAAA0000000000 01');
  assert.equal(op(f80Div, ONE, THREE, RC_ZERO, 24), '3FFDAAAAAA0000000000 01');
  assert.equal(op(f80Div, NEG_ONE, THREE, RC_DOWN, 53), 'BFFDAAAAAAAAAAAAB000 01');
  assert.equal(op(f80Div, NEG_ONE, THREE, RC_UP, 53), 'BFFDAAAAAAAAAAAAA800 01');
});

test('masked overflow: ∞ or the largest finite value by rounding direction (SDM vol.1 §4.9.1.4)', () => {
  assert.equal(op(f80Mul, MAX, '40008000000000000000', RC_NEAREST), '7FFF8000000000000000 05');
  assert.equal(op(f80Mul, MAX, '40008000000000000000', RC_ZERO), '7FFEFFFFFFFFFFFFFFFF 05');
  assert.equal(op(f80Mul, MAX, '40008000000000000000', RC_DOWN), '7FFEFFFFFFFFFFFFFFFF 05');
  assert.equal(op(f80Mul, MAX, 'C0008000000000000000', RC_DOWN), 'FFFF8000000000000000 05');
  assert.equal(op(f80Mul, MAX, 'C0008000000000000000', RC_UP), 'FFFEFFFFFFFFFFFFFFFF 05');
  assert.equal(op(f80Mul, MAX, '40008000000000000000', RC_ZERO, 24), '7FFEFFFFFF0000000000 05');
});

test('exact zero sums are +0, or -0 when rounding down (IEEE 754 §6.3)', () => {
  assert.equal(op(f80Add, ONE, NEG_ONE, RC_NEAREST), '00000000000000000000 00');
  assert.equal(op(f80Add, ONE, NEG_ONE, RC_DOWN), '80000000000000000000 00');
  assert.equal(op(f80Add, ONE, NEG_ONE, RC_UP), '00000000000000000000 00');
});

test('integer conversion of ±2.5 in each rounding mode; FIST raises inexact', () => {
  const cases: Array<[string, number, bigint]> = [
    ['4000A000000000000000', RC_NEAREST, 2n],
    ['4000A000000000000000', RC_DOWN, 2n],
    ['4000A000000000000000', RC_UP, 3n],
    ['4000A000000000000000', RC_ZERO, 2n],
    ['C000A000000000000000', RC_NEAREST, -2n],
    ['C000A000000000000000', RC_DOWN, -3n],
    ['C000A000000000000000', RC_UP, -2n],
    ['C000A000000000000000', RC_ZERO, -2n],
  ];
  for (const [a, rc, want] of cases) {
    const env = new FloatEnv();
    env.rc = rc;
    assert.equal(f80ToInt(env, parseF80(a), 32, true), want);
    assert.equal(env.flags, 0x01);
  }
  const env = new FloatEnv();
  assert.equal(f80ToInt(env, parseF80('401E8000000000000000'), 32, true), -(1n << 31n)); // 2^31: indefinite
  assert.equal(env.flags, 0x10);
});

test('vector file names map to operation, precision control and rounding mode', () => {
  assert.deepEqual(parseVectorFileName('extF80_add.precision32.rmin.txt.gz'), {
    operation: 'extF80_add',
    precision: 24,
    rc: RC_DOWN,
  });
  assert.deepEqual(parseVectorFileName('/x/extF80_sqrt.precision64.rmax.txt'), {
    operation: 'extF80_sqrt',
    precision: 53,
    rc: RC_UP,
  });
  assert.equal(parseVectorFileName('i64_to_extF80.rminMag.txt.gz').rc, RC_ZERO);
  assert.throws(() => parseVectorFileName('extF80_add.rnear_maxMag.txt.gz')); // not an x87 mode
  assert.throws(() => parseVectorFileName('f128_add.rnear_even.txt.gz'));
});

test('integer square root is the floor root (used by FSQRT)', () => {
  let s = 1n;
  for (let i = 0; i < 2000; i++) {
    s = (s * 6364136223846793005n + 1442695040888963407n) & ((1n << 320n) - 1n);
    const n = s >> BigInt(i % 320);
    const r = isqrt(n);
    assert.ok(r * r <= n && (r + 1n) * (r + 1n) > n);
  }
});
