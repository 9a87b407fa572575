// `ringmaster conformance singlestep FILE...`: runs SingleStepTests files (JSON or .json.gz)
// through the CPU and prints one line per failing test, then `N passed, M failed`.
import { registerTestfloat } from './conformance-testfloat.js';
import type { Command } from 'commander';
import { readFileSync, existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dirname, join, basename } from 'node:path';
import { UsageError } from '../errors.js';
import {
  SingleStepRunner, emptySummary, formatFailure, type SingleStepMetadata, type SingleStepTest,
} from '../../cpu/conformance/singlestep.js';

function readJson(path: string): unknown {
  if (!existsSync(path)) throw new UsageError(`no such file: ${path}`);
  let data = readFileSync(path);
  if (path.endsWith('.gz')) data = gunzipSync(data);
  try {
    return JSON.parse(data.toString('utf8'));
  } catch (e) {
    throw new UsageError(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

export function register(program: Command): void {
  const conf = program.command('conformance').description('run CPU conformance suites');
  registerTestfloat(conf);
  conf
    .command('singlestep')
    .description('run SingleStepTests files (80286 real-mode JSON, plain or .json.gz)')
    .argument('<files...>', 'test files, e.g. ../shared/conformance/singlestep/80286/v1_real_mode/*.json.gz')
    .option('--metadata <path>', 'metadata.json with undefined-flag masks (default: beside the first file)')
    .option('--max-failures <n>', 'print at most n failure lines', '1000')
    .option('--jit <on|off>', 'run through the translator (threshold 0: every block translated) or the interpreter only', 'off')
    .action((files: string[], opts: { metadata?: string; maxFailures: string; jit: string }) => {
      if (opts.jit !== 'on' && opts.jit !== 'off') throw new UsageError(`--jit must be on or off, got '${opts.jit}'`);
      const metaPath = opts.metadata ?? join(dirname(files[0]), 'metadata.json');
      const meta = existsSync(metaPath) ? (readJson(metaPath) as SingleStepMetadata) : undefined;
      if (!meta) process.stderr.write(`warning: no ${metaPath}; undefined flags are compared too\n`);
      const runner = new SingleStepRunner(meta, opts.jit === 'on' ? { threshold: 0 } : undefined);
      const summary = emptySummary();
      const max = Number(opts.maxFailures);
      let printed = 0;
      for (const f of files) {
        if (basename(f) === 'metadata.json') continue;
        const tests = readJson(f) as SingleStepTest[];
        if (!Array.isArray(tests)) throw new UsageError(`${f}: expected a JSON array of tests`);
        const before = summary.failures.length;
        runner.runFile(basename(f), tests, summary);
        for (const fl of summary.failures.slice(before)) {
          if (printed++ < max) process.stdout.write(formatFailure(fl) + '\n');
        }
        summary.failures.length = 0;
      }
      process.stdout.write(
        `masked: ${summary.maskedComparisons} comparisons, ${summary.maskedTests} tests by documented 286/i686 differences ` +
          `${JSON.stringify(summary.maskedBy)}\n`,
      );
      process.stdout.write(`${summary.passed} passed, ${summary.failed} failed\n`);
      if (summary.failed > 0) process.exitCode = 1;
    });
}
