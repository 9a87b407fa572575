// `ringmaster conformance testfloat FILE...`: runs Berkeley TestFloat-3 extF80 vector files
// (gzipped or plain text) against the x87 software floating-point core.
import fs from 'node:fs';
import zlib from 'node:zlib';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { parseVectorFileName, runVectorLines } from '../../cpu/fpu/testfloat-runner.js';

export function registerTestfloat(conformance: Command): void {
  conformance
    .command('testfloat')
    .description('run Berkeley TestFloat-3 extF80 vector files against the x87 floating-point core')
    .argument('<files...>', 'vector files named extF80_<op>[.precisionNN].<rounding>.txt[.gz]')
    .option('--show <n>', 'failures to print per file', '20')
    .action((files: string[], opts: { show: string }) => {
      const show = Number(opts.show);
      if (!Number.isInteger(show) || show < 0) throw new UsageError(`--show must be a non-negative integer`);
      let passed = 0;
      let failed = 0;
      for (const file of files) {
        try {
          parseVectorFileName(file);
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
        let raw: Buffer;
        try {
          raw = fs.readFileSync(file);
        } catch {
          throw new UsageError(`cannot read ${file}`);
        }
        const text = (file.endsWith('.gz') ? zlib.gunzipSync(raw) : raw).toString('utf8');
        const r = runVectorLines(file, text.split('\n'), show);
        for (const f of r.failures) process.stdout.write(`  ${f}\n`);
        process.stdout.write(`${file}: ${r.passed} passed, ${r.failed} failed\n`);
        passed += r.passed;
        failed += r.failed;
      }
      process.stdout.write(`${passed} passed, ${failed} failed\n`);
      if (failed > 0) process.exitCode = 1;
    });
}
