// Runs one program on Ringmaster through its own CLI (`ringmaster run`), in a child
// process so a crash or hang of the CPU cannot take the harness down.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuiltProgram, workDir } from './programs.js';
import { runProcess } from './run-process.js';

export interface SubjectRun {
  output: Buffer;
  status: number | null;
  timedOut: boolean;
  detail: string;
}

/** The compiled CLI beside this module (works for any tsc outDir). */
export function ringmasterMain(): string {
  return process.env.RINGMASTER_MAIN ?? fileURLToPath(new URL('../main.js', import.meta.url));
}

/** `extraArgs`: more `ringmaster run` options, e.g. ['--jit', 'on', '--jit-threshold', '0']. */
export async function runRingmaster(root: string, prog: BuiltProgram, extraArgs: string[] = []): Promise<SubjectRun> {
  const dir = path.join(workDir(root), 'ringmaster');
  mkdirSync(dir, { recursive: true });
  // The pid keeps concurrent harness runs (CLI and tests) apart.
  const out = path.join(dir, `${prog.name}.${process.pid}.out`);
  rmSync(out, { force: true });
  const args = [
    ringmasterMain(), 'run', '--bios', prog.rom, '--memory', '32M',
    '--debugcon', out, '--timeout', String(prog.timeoutSeconds), ...extraArgs,
  ];
  const r = await runProcess(process.execPath, args, prog.timeoutSeconds * 1000 + 15000);
  const output = existsSync(out) ? readFileSync(out) : Buffer.alloc(0);
  rmSync(out, { force: true });
  const tail = (r.stderr + r.stdout).trim().split('\n').slice(-3).join(' | ');
  return {
    output,
    status: r.status,
    timedOut: r.timedOut,
    detail: `exit status ${r.status ?? r.signal}${r.timedOut ? ' (killed by the harness)' : ''}${tail ? `: ${tail}` : ''}`,
  };
}
