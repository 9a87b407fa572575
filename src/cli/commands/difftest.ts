// `ringmaster difftest [NAME...]`: runs the bare-metal programs in tests/asm on QEMU
// and on Ringmaster and compares their debug-console output byte for byte.
import os from 'node:os';
import type { Command } from 'commander';
import { referenceOutput, runAll } from '../difftest/difftest.js';
import { findRepoRoot, listPrograms } from '../difftest/programs.js';
import { UsageError } from '../errors.js';

export function register(program: Command): void {
  program
    .command('difftest')
    .description('run the differential test programs (tests/asm) on QEMU and Ringmaster and compare')
    .argument('[names...]', 'program names (default: all)')
    .option('-j, --jobs <n>', 'programs run in parallel', String(Math.max(1, os.cpus().length)))
    .option('-l, --list', 'list the programs and exit')
    .option('-r, --reference', 'print the reference output (QEMU or the expected file) instead of comparing')
    .option('--jit <on|off>', 'Ringmaster with the translator at threshold 0 (on) or the interpreter only (off); default: its default')
    .action(async (names: string[], opts: { jobs: string; list?: boolean; reference?: boolean; jit?: string }) => {
      if (opts.jit !== undefined && opts.jit !== 'on' && opts.jit !== 'off') throw new UsageError(`--jit must be on or off, got '${opts.jit}'`);
      const subjectArgs = opts.jit === 'on' ? ['--jit', 'on', '--jit-threshold', '0'] : opts.jit === 'off' ? ['--jit', 'off'] : [];
      let root: string;
      let progs;
      try {
        root = findRepoRoot();
        progs = listPrograms(root, names);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      if (opts.list) {
        for (const p of progs) process.stdout.write(`${p.name.padEnd(20)} ${p.description}\n`);
        return;
      }
      if (opts.reference) {
        for (const p of progs) {
          try {
            process.stdout.write(await referenceOutput(root, p));
          } catch (err) {
            throw new UsageError(`${p.name}: ${(err as Error).message}`);
          }
        }
        return;
      }
      const jobs = Number(opts.jobs);
      if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs must be a positive integer, not '${opts.jobs}'`);
      const results = await runAll(root, progs, jobs, (r) => {
        process.stdout.write(`${r.passed ? 'pass' : 'FAIL'}  ${r.name}${r.passed ? '' : `: ${r.reason}`}\n`);
        if (!r.passed && r.details) process.stdout.write(r.details.replace(/^/gm, '      ') + '\n');
      }, subjectArgs);
      const failed = results.filter((r) => !r.passed).length;
      process.stdout.write(`${results.length - failed} passed, ${failed} failed\n`);
      process.exitCode = failed ? 1 : 0;
    });
}
