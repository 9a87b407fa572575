// The differential harness: assemble a program, run it on QEMU (reference, cached)
// and on Ringmaster, and compare the debug-console bytes.
import { existsSync, readFileSync } from 'node:fs';
import { describeDiff } from './diff.js';
import { assemble, type Program } from './programs.js';
import { runQemu } from './qemu.js';
import { runRingmaster } from './ringmaster-run.js';

export interface DifftestResult {
  name: string;
  passed: boolean;
  /** One line: why it failed (empty when it passed). */
  reason: string;
  /** Readable diff or run details. */
  details: string;
}

/** The reference output must be a complete run: it ends with the END line the programs print. */
function referenceComplete(out: string): boolean {
  return out.endsWith('END\n');
}

/** The reference output of one program: QEMU's (cached) or its expected file. */
export async function referenceOutput(root: string, prog: Program): Promise<Buffer> {
  const built = await assemble(root, prog);
  if (built.expectedFile) return readFileSync(built.expectedFile);
  const q = await runQemu(root, built);
  if (q.ending === 'error' || q.ending === 'timeout') throw new Error(`QEMU reference run failed: ${q.ending}, ${q.detail}`);
  return q.output;
}

/** `subjectArgs`: extra `ringmaster run` options for the subject (e.g. the translator mode). */
export async function runOne(root: string, prog: Program, subjectArgs: string[] = []): Promise<DifftestResult> {
  const fail = (reason: string, details = ''): DifftestResult => ({ name: prog.name, passed: false, reason, details });
  let built;
  try {
    built = await assemble(root, prog);
  } catch (err) {
    return fail((err as Error).message);
  }
  let reference: string;
  let refLabel: string;
  if (built.expectedFile) {
    if (!existsSync(built.expectedFile)) return fail(`missing ${built.expectedFile}`);
    reference = readFileSync(built.expectedFile, 'latin1');
    refLabel = 'expected file (QEMU is known to differ)';
  } else {
    const q = await runQemu(root, built);
    if (q.ending === 'error' || q.ending === 'timeout') return fail(`QEMU reference run failed: ${q.ending}, ${q.detail}`);
    reference = q.output.toString('latin1');
    refLabel = 'QEMU';
    if (!referenceComplete(reference)) {
      return fail(`QEMU reference output is incomplete (${q.ending}); the program is broken`, reference.slice(-2000));
    }
  }
  const r = await runRingmaster(root, built, subjectArgs);
  const subject = r.output.toString('latin1');
  if (subject === reference) return { name: prog.name, passed: true, reason: '', details: '' };
  const why = subject.length === 0 ? 'Ringmaster printed nothing' : 'output differs';
  return fail(
    `${why} (Ringmaster ${r.detail})`,
    `--- ${refLabel}  +++ Ringmaster\n${describeDiff(reference, subject)}`,
  );
}

/** Runs programs with limited parallelism; results in input order. */
export async function runAll(
  root: string,
  progs: Program[],
  concurrency: number,
  onResult?: (r: DifftestResult) => void,
  subjectArgs: string[] = [],
): Promise<DifftestResult[]> {
  const results: DifftestResult[] = new Array(progs.length);
  let next = 0;
  const worker = async () => {
    while (next < progs.length) {
      const i = next++;
      results[i] = await runOne(root, progs[i], subjectArgs);
      onResult?.(results[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return results;
}
