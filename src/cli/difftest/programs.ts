// Discovery and assembly of the differential test programs (tests/asm/*.asm).
// Each program is a flat 64 KiB BIOS ROM built with `nasm -f bin`; its header may
// carry directives, one per line:  `; difftest: KEY[=VALUE]`
//   cpu=MODEL      QEMU -cpu model (default DEFAULT_QEMU_CPU)
//   reset          the program triple-faults on purpose and expects the machine to
//                  reset (QEMU is then run without -no-reboot)
//   expected       QEMU is known to differ from silicon here: Ringmaster is compared
//                  with tests/asm/NAME.expected (written from the SDM) instead of QEMU
//   timeout=SECS   run time limit (default 10)
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** P6-class model QEMU offers with PSE, PAE, PGE, PAT, SEP, CMOV, FXSR (see tests/asm/README.md). */
export const DEFAULT_QEMU_CPU = 'pentium3';

export interface Program {
  name: string;
  source: string;
  qemuCpu: string;
  expectReset: boolean;
  expectedFile?: string;
  timeoutSeconds: number;
  description: string;
}

export interface BuiltProgram extends Program {
  rom: string;
  sha256: string;
}

/** Walks up from `start` to the directory holding tests/asm (the repository root). */
export function findRepoRoot(start = process.cwd()): string {
  let dir = path.resolve(start);
  for (;;) {
    if (existsSync(path.join(dir, 'tests', 'asm'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`tests/asm not found above ${start}`);
    dir = parent;
  }
}

/** Directory for build products and the QEMU cache (outside git: dist/ is ignored). */
export function workDir(root: string): string {
  return process.env.RINGMASTER_DIFFTEST_DIR ?? path.join(root, 'dist', 'difftest');
}

export function parseProgram(name: string, source: string, text: string): Program {
  const prog: Program = {
    name,
    source,
    qemuCpu: DEFAULT_QEMU_CPU,
    expectReset: false,
    timeoutSeconds: 10,
    description: '',
  };
  const lines = text.split('\n');
  const firstComment = lines.find((l) => l.startsWith(';') && !l.includes('difftest:'));
  // The first comment line up to its first parenthesis or colon: a short title.
  prog.description = firstComment ? firstComment.replace(/^;\s*/, '').split(/ \(|: /)[0].trim() : '';
  for (const line of lines) {
    const m = /^;\s*difftest:\s*([a-z-]+)(?:=(\S+))?/.exec(line);
    if (!m) continue;
    const [, key, value] = m;
    if (key === 'cpu' && value) prog.qemuCpu = value;
    else if (key === 'reset') prog.expectReset = true;
    else if (key === 'expected') prog.expectedFile = source.replace(/\.asm$/, '.expected');
    else if (key === 'timeout' && value) prog.timeoutSeconds = Number(value);
    else throw new Error(`${source}: unknown difftest directive '${line.trim()}'`);
  }
  return prog;
}

/** All programs in tests/asm, sorted by name; `names` filters (exact names). */
export function listPrograms(root: string, names: string[] = []): Program[] {
  const dir = path.join(root, 'tests', 'asm');
  const all = readdirSync(dir)
    .filter((f) => f.endsWith('.asm'))
    .sort()
    .map((f) => {
      const source = path.join(dir, f);
      return parseProgram(f.replace(/\.asm$/, ''), source, readFileSync(source, 'utf8'));
    });
  if (names.length === 0) return all;
  const unknown = names.filter((n) => !all.some((p) => p.name === n));
  if (unknown.length) throw new Error(`no such difftest program: ${unknown.join(', ')}`);
  return all.filter((p) => names.includes(p.name));
}

/** Assembles one program into WORKDIR/build/NAME.bin and checks it is a 64 KiB ROM. */
export async function assemble(root: string, prog: Program): Promise<BuiltProgram> {
  const outDir = path.join(workDir(root), 'build');
  mkdirSync(outDir, { recursive: true });
  const rom = path.join(outDir, `${prog.name}.bin`);
  // Assembled under a private name, then renamed: harness runs in parallel (test files, modes)
  // assemble the same program, and a reader must never see a half-written ROM.
  const tmp = `${rom}.${process.pid}-${randomBytes(4).toString('hex')}`;
  const asmDir = path.join(root, 'tests', 'asm') + path.sep;
  try {
    await execFileAsync('nasm', ['-f', 'bin', '-i', asmDir, '-o', tmp, prog.source]);
  } catch (err) {
    rmSync(tmp, { force: true });
    const e = err as { code?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('nasm not found (install the Debian package nasm)');
    throw new Error(`nasm failed for ${prog.name}:\n${e.stderr ?? String(err)}`);
  }
  const bytes = readFileSync(tmp);
  renameSync(tmp, rom);
  if (bytes.length !== 0x10000) throw new Error(`${prog.name}: ROM is ${bytes.length} bytes, expected 65536`);
  return { ...prog, rom, sha256: createHash('sha256').update(bytes).digest('hex') };
}
