// Runs Berkeley TestFloat-3 extF80 vectors (format: ../shared/conformance/testfloat/README.md)
// against the software floating-point core. No Node APIs: callers pass the file name and its
// text lines; the CLI and the unit test read the gzipped files.
import { f80Add, f80Div, f80Mul, f80Sqrt, f80Sub } from './softfloat-arith.js';
import { f32ToF80, f64ToF80, f80ToF32, f80ToF64, f80ToInt, intToF80 } from './softfloat-convert.js';
import { f80Compare, f80Rem, f80RoundToInt, REL_EQUAL, REL_LESS } from './softfloat-rem.js';
import {
  F80,
  FLAG_DENORMAL,
  FLAG_INVALID,
  FloatEnv,
  RC_DOWN,
  RC_NEAREST,
  RC_UP,
  RC_ZERO,
  formatF80,
  parseF80,
} from './softfloat-types.js';

/** TestFloat rounding-mode names → x87 rounding control. */
const ROUNDING: Record<string, number> = {
  rnear_even: RC_NEAREST,
  rmin: RC_DOWN,
  rmax: RC_UP,
  rminMag: RC_ZERO,
};

/** One vector line evaluated: the result rendered like the file's RESULT field. */
type Evaluate = (env: FloatEnv, args: string[]) => string;

interface Operation {
  arity: number;
  evaluate: Evaluate;
}

const hexF80 = (v: F80): string => formatF80(v);
const hexN = (v: bigint, digits: number): string => v.toString(16).toUpperCase().padStart(digits, '0');

function binary(fn: (env: FloatEnv, a: F80, b: F80) => F80): Operation {
  return { arity: 2, evaluate: (env, x) => hexF80(fn(env, parseF80(x[0]), parseF80(x[1]))) };
}

function compare(pred: (rel: number) => boolean, signalling: boolean): Operation {
  return {
    arity: 2,
    evaluate: (env, x) => (pred(f80Compare(env, parseF80(x[0]), parseF80(x[1]), signalling)) ? '1' : '0'),
  };
}

const isEq = (r: number): boolean => r === REL_EQUAL;
const isLt = (r: number): boolean => r === REL_LESS;
const isLe = (r: number): boolean => r === REL_LESS || r === REL_EQUAL;

/** extF80 → unsigned integer, SoftFloat x86 convention: out of range → all ones, invalid. */
function toUnsigned(env: FloatEnv, a: F80, bits: number): bigint {
  const trial = new FloatEnv();
  trial.rc = env.rc;
  const v = f80ToInt(trial, a, bits + 2, false);
  if ((trial.flags & FLAG_INVALID) !== 0 || v < 0n || v >= 1n << BigInt(bits)) {
    env.flags |= FLAG_INVALID;
    return (1n << BigInt(bits)) - 1n;
  }
  env.flags |= trial.flags;
  return v;
}

function operations(name: string): Operation | undefined {
  const toInt = (bits: number, minMag: boolean): Operation => ({
    arity: 1,
    evaluate: (env, x) => {
      if (minMag) env.rc = RC_ZERO;
      return hexN(BigInt.asUintN(bits, f80ToInt(env, parseF80(x[0]), bits, false)), bits / 4);
    },
  });
  const toUint = (bits: number, minMag: boolean): Operation => ({
    arity: 1,
    evaluate: (env, x) => {
      if (minMag) env.rc = RC_ZERO;
      return hexN(toUnsigned(env, parseF80(x[0]), bits), bits / 4);
    },
  });
  const fromInt = (bits: number, signed: boolean): Operation => ({
    arity: 1,
    evaluate: (_env, x) => {
      const raw = BigInt('0x' + x[0]);
      return hexF80(intToF80(signed ? BigInt.asIntN(bits, raw) : raw));
    },
  });
  switch (name) {
    case 'extF80_add':
      return binary((e, a, b) => f80Add(e, a, b));
    case 'extF80_sub':
      return binary((e, a, b) => f80Sub(e, a, b));
    case 'extF80_mul':
      return binary((e, a, b) => f80Mul(e, a, b));
    case 'extF80_div':
      return binary((e, a, b) => f80Div(e, a, b));
    case 'extF80_rem':
      return binary((e, a, b) => f80Rem(e, a, b));
    case 'extF80_sqrt':
      return { arity: 1, evaluate: (env, x) => hexF80(f80Sqrt(env, parseF80(x[0]))) };
    case 'extF80_roundToInt':
      return { arity: 1, evaluate: (env, x) => hexF80(f80RoundToInt(env, parseF80(x[0]), false)) };
    case 'extF80_eq':
      return compare(isEq, false);
    case 'extF80_eq_signaling':
      return compare(isEq, true);
    case 'extF80_lt':
      return compare(isLt, true);
    case 'extF80_lt_quiet':
      return compare(isLt, false);
    case 'extF80_le':
      return compare(isLe, true);
    case 'extF80_le_quiet':
      return compare(isLe, false);
    case 'extF80_to_f32':
      return { arity: 1, evaluate: (env, x) => hexN(BigInt(f80ToF32(env, parseF80(x[0])) >>> 0), 8) };
    case 'extF80_to_f64':
      return { arity: 1, evaluate: (env, x) => hexN(f80ToF64(env, parseF80(x[0])), 16) };
    case 'f32_to_extF80':
      return { arity: 1, evaluate: (env, x) => hexF80(f32ToF80(env, parseInt(x[0], 16))) };
    case 'f64_to_extF80':
      return { arity: 1, evaluate: (env, x) => hexF80(f64ToF80(env, BigInt('0x' + x[0]))) };
    case 'i32_to_extF80':
      return fromInt(32, true);
    case 'i64_to_extF80':
      return fromInt(64, true);
    case 'ui32_to_extF80':
      return fromInt(32, false);
    case 'ui64_to_extF80':
      return fromInt(64, false);
  }
  const m = /^extF80_to_(u?i)(32|64)(_r_minMag)?$/.exec(name);
  if (m) {
    const bits = Number(m[2]);
    return m[1] === 'i' ? toInt(bits, m[3] !== undefined) : toUint(bits, m[3] !== undefined);
  }
  return undefined;
}

export interface VectorFileSpec {
  operation: string;
  /** Significand bits for add/sub/mul/div/sqrt (x87 precision control). */
  precision: number;
  rc: number;
}

/** Parse `extF80_<op>[.precisionNN].<rounding>.txt[.gz]`. Throws on unknown names. */
export function parseVectorFileName(fileName: string): VectorFileSpec {
  const base = fileName.replace(/^.*[\\/]/, '').replace(/\.gz$/, '').replace(/\.txt$/, '');
  const parts = base.split('.');
  const operation = parts[0];
  let precision = 64;
  let rc = RC_NEAREST;
  for (const p of parts.slice(1)) {
    const pm = /^precision(32|64|80)$/.exec(p);
    if (pm) precision = pm[1] === '32' ? 24 : pm[1] === '64' ? 53 : 64;
    else if (p in ROUNDING) rc = ROUNDING[p];
    else throw new Error(`unknown TestFloat file name part "${p}" in ${fileName}`);
  }
  if (!operations(operation)) throw new Error(`unsupported TestFloat operation "${operation}" (${fileName})`);
  return { operation, precision, rc };
}

export interface VectorRunResult {
  file: string;
  passed: number;
  failed: number;
  /** The first failures, one line each: input, expected and got. */
  failures: string[];
}

/** Evaluate every vector line of one file; results and flags must match exactly. */
export function runVectorLines(fileName: string, lines: Iterable<string>, maxReported = 20): VectorRunResult {
  const spec = parseVectorFileName(fileName);
  const op = operations(spec.operation) as Operation;
  const env = new FloatEnv();
  const result: VectorRunResult = { file: fileName, passed: 0, failed: 0, failures: [] };
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    const f = line.split(/\s+/);
    const args = f.slice(0, op.arity);
    const expected = f[op.arity];
    const expectedFlags = parseInt(f[op.arity + 1], 16);
    env.rc = spec.rc;
    env.precision = spec.precision;
    env.flags = 0;
    const got = op.evaluate(env, args);
    const gotFlags = env.flags & ~FLAG_DENORMAL;
    if (got === expected.toUpperCase() && gotFlags === expectedFlags) {
      result.passed++;
    } else {
      result.failed++;
      if (result.failures.length < maxReported) {
        const gf = gotFlags.toString(16).padStart(2, '0');
        result.failures.push(`${args.join(' ')}: expected ${expected} ${f[op.arity + 1]}, got ${got} ${gf}`);
      }
    }
  }
  return result;
}
