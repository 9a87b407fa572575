// Reference runs on QEMU (TCG), cached by the ROM's sha256 and the command line.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type BuiltProgram, workDir } from './programs.js';
import { runProcess } from './run-process.js';

export const QEMU = process.env.RINGMASTER_QEMU ?? 'qemu-system-i386';

export interface ReferenceRun {
  output: Buffer;
  /** How the run ended: 'exit' through isa-debug-exit, 'shutdown' (triple fault with -no-reboot), 'timeout'. */
  ending: 'exit' | 'shutdown' | 'timeout' | 'error';
  detail: string;
  cached: boolean;
}

export function qemuArgs(prog: BuiltProgram, debugcon: string): string[] {
  const args = [
    '-accel', 'tcg', '-cpu', prog.qemuCpu, '-m', '32',
    '-bios', prog.rom, '-display', 'none', '-nodefaults',
    '-debugcon', `file:${debugcon}`,
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
  ];
  // A program that triple-faults on purpose expects the machine to reset and run again.
  if (!prog.expectReset) args.push('-no-reboot');
  return args;
}

/** `qemu-system-i386 --version`, part of the cache key (a reference from another QEMU is not reused). */
async function qemuVersion(): Promise<string> {
  const r = await runProcess(QEMU, ['--version'], 10_000);
  return r.stdout.split('\n')[0] ?? '';
}

export async function runQemu(root: string, prog: BuiltProgram): Promise<ReferenceRun> {
  const dir = path.join(workDir(root), 'qemu');
  mkdirSync(dir, { recursive: true });
  const keyArgs = qemuArgs({ ...prog, rom: 'ROM' }, 'OUT').join(' ');
  const version = await qemuVersion();
  const key = createHash('sha256').update(prog.sha256).update(keyArgs).update(version).digest('hex').slice(0, 32);
  const cacheFile = path.join(dir, `${prog.name}-${key}.json`);
  if (existsSync(cacheFile)) {
    const c = JSON.parse(readFileSync(cacheFile, 'utf8')) as { output: string; ending: ReferenceRun['ending']; detail: string };
    return { output: Buffer.from(c.output, 'base64'), ending: c.ending, detail: c.detail, cached: true };
  }
  const out = path.join(dir, `${prog.name}-${key}.${process.pid}.out`);
  rmSync(out, { force: true });
  const r = await runProcess(QEMU, qemuArgs(prog, out), prog.timeoutSeconds * 1000 + 5000);
  if (r.spawnError) {
    return { output: Buffer.alloc(0), ending: 'error', detail: `${QEMU} could not be started (${r.spawnError}); install qemu-system-x86`, cached: false };
  }
  const output = existsSync(out) ? readFileSync(out) : Buffer.alloc(0);
  rmSync(out, { force: true });
  let ending: ReferenceRun['ending'];
  // isa-debug-exit makes QEMU exit with (value << 1) | 1; the programs write 0.
  if (r.timedOut) ending = 'timeout';
  else if (r.status === 1) ending = 'exit';
  else if (r.status === 0) ending = 'shutdown';
  else ending = 'error';
  const detail = `status ${r.status ?? r.signal}${r.stderr ? `: ${r.stderr.trim()}` : ''}`;
  if (ending === 'exit' || ending === 'shutdown') {
    // Older references of this program (other ROM or QEMU) are dropped.
    for (const f of readdirSync(dir)) {
      const p = path.join(dir, f);
      if (f.startsWith(`${prog.name}-`) && f.endsWith('.json') && p !== cacheFile) rmSync(p, { force: true });
    }
    // Written whole, then renamed: a parallel run may be reading the cache.
    const tmp = `${cacheFile}.${process.pid}-${randomBytes(4).toString('hex')}`;
    writeFileSync(tmp, JSON.stringify({ output: output.toString('base64'), ending, detail }));
    renameSync(tmp, cacheFile);
  }
  return { output, ending, detail, cached: false };
}
