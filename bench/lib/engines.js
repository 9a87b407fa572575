// The three engines measured side by side, each booting the same guest with its serial
// console on stdio: Ringmaster (this tree), v86 (npm) and QEMU TCG (Debian package).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { nodeFlags } from '../../bin/node-flags.js';

export const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const REPO_DIR = path.dirname(BENCH_DIR);
export const ENGINE_NAMES = ['ringmaster', 'v86', 'qemu'];

/** Image paths and markers from the compiled tree (src/cli/images/paths.ts). */
export async function loadPaths(distDir) {
  const file = path.join(distDir, 'cli/images/paths.js');
  if (!existsSync(file)) {
    throw new Error(`${file} not found — build first (npm run build, or make bench which does it)`);
  }
  return import(pathToFileURL(file).href);
}

/** The guest: kernel, initrd, BIOS images from the image cache; fails with one line if missing. */
export function guestImages(paths) {
  const names = ['i386-kernel', 'i386-initrd', 'seabios', 'vgabios-stdvga'];
  const missing = paths.missingImages(names);
  if (missing.length) throw new paths.ImagesMissingError(missing, paths.imagesDir());
  return {
    kernel: paths.imagePath('i386-kernel'),
    initrd: paths.imagePath('i386-initrd'),
    bios: paths.imagePath('seabios'),
    vgabios: paths.imagePath('vgabios-stdvga'),
  };
}

/** The entry point that runs a compiled tree: bin/ringmaster.js for dist/, else DIR/cli/main.js. */
export function ringmasterEntry(distDir) {
  return path.resolve(distDir) === path.join(REPO_DIR, 'dist') ? path.join(REPO_DIR, 'bin/ringmaster.js') : path.join(distDir, 'cli/main.js');
}

/**
 * Whether this build's `ringmaster run` takes `--jit on|off` (the translator of issue 6):
 * read from its own --help, so the benchmark needs no change the day the option lands.
 */
export function ringmasterHasJitOption(distDir) {
  const help = run(process.execPath, [ringmasterEntry(distDir), 'run', '--help']) ?? '';
  return /^\s*--jit\b/m.test(help);
}

/**
 * Command lines per row. Memory in MiB; cmdline is the kernel command line. `jitModes` lists the
 * Ringmaster rows: [undefined] (no --jit option: one row, `ringmaster`) or some of 'off'/'on'
 * (rows `ringmaster-jit-off`, `ringmaster-jit-on`). Each row names its `engine`. `ringmasterClock`
 * 'deterministic' runs Ringmaster with --deterministic, 'host' on host time (see bench/README.md).
 * Ringmaster: direct Linux boot (no BIOS). v86: its own bzImage loader run from SeaBIOS (the
 * Debian bios.bin + vgabios-stdvga.bin from the image cache; the npm package ships no BIOS).
 * QEMU: direct boot through its linuxboot option ROM under the Debian SeaBIOS it ships.
 */
export function engineCommands(img, { memoryMiB, cmdline, distDir, jitModes = [undefined], ringmasterClock = 'deterministic' }) {
  const rmArgs = [ringmasterEntry(distDir), 'run', '--kernel', img.kernel, '--initrd', img.initrd, '--append', cmdline, '--serial', 'stdio', '--memory', `${memoryMiB}M`];
  if (ringmasterClock === 'deterministic') rmArgs.push('--deterministic');
  const rows = {};
  for (const mode of jitModes) {
    rows[mode === undefined ? 'ringmaster' : `ringmaster-jit-${mode}`] = {
      engine: 'ringmaster',
      command: process.execPath,
      // The Node flags bin/ringmaster.js would start itself again with (bin/node-flags.js), given here.
      args: [...nodeFlags([]), ...(mode === undefined ? rmArgs : [...rmArgs, '--jit', mode])],
      boot: `direct Linux boot (bzImage protocol), no BIOS, ${ringmasterClock === 'deterministic' ? 'virtual time from the instruction counter' : 'host time'}${mode === undefined ? '' : mode === 'on' ? ', translator on' : ', interpreter only'}`,
    };
  }
  rows.v86 = {
    engine: 'v86',
    command: process.execPath,
    args: [
      path.join(BENCH_DIR, 'lib/v86-child.js'),
      JSON.stringify({ kernel: img.kernel, initrd: img.initrd, cmdline, bios: img.bios, vgabios: img.vgabios, memoryBytes: memoryMiB * 1024 * 1024 }),
    ],
    boot: `v86 bzImage loader under SeaBIOS (Debian ${path.basename(img.bios)} + ${path.basename(img.vgabios)} from the image cache; the npm package ships no BIOS), JIT on`,
  };
  rows.qemu = {
    engine: 'qemu',
    command: 'qemu-system-i386',
    args: ['-accel', 'tcg', '-m', String(memoryMiB), '-kernel', img.kernel, '-initrd', img.initrd, '-append', cmdline,
      '-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-no-reboot'],
    boot: "QEMU -kernel (linuxboot option ROM) under Debian's SeaBIOS (/usr/share/seabios), TCG",
  };
  return rows;
}

/** Shell-quoted command line, as a user would type it. */
export function shellLine(command, args) {
  const q = (s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const cmd = command === process.execPath ? 'node' : command;
  return [cmd, ...args.map((a) => q(path.isAbsolute(a) && a.startsWith(REPO_DIR + '/') ? path.relative(REPO_DIR, a) : a))].join(' ');
}

function run(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** The host's 1, 5 and 15 minute load averages (proc(5), /proc/loadavg). */
export function loadAverage() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
}

/**
 * Versions of everything measured, and the machine it ran on. `ringmasterBuild` is said when the
 * measured tree is not this checkout's dist/ (e.g. a build of one commit in a directory of its own).
 */
export function environment(ringmasterBuild) {
  const req = createRequire(import.meta.url);
  let v86 = 'not installed';
  try {
    v86 = JSON.parse(readFileSync(req.resolve('v86/package.json'), 'utf8')).version;
  } catch {
    /* reported as not installed */
  }
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? 'unknown';
  const cores = cpuinfo.match(/^processor\s*:/gm)?.length ?? 0;
  const memKiB = Number(/^MemTotal:\s*(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
  const commit = run('git', ['-C', REPO_DIR, 'rev-parse', '--short', 'HEAD']);
  const dirty = run('git', ['-C', REPO_DIR, 'status', '--porcelain', '--untracked-files=no', '--', 'src']);
  return {
    cpu: model,
    cores,
    memoryGiB: Math.round(memKiB / 1048576),
    loadAverage: loadAverage(),
    node: process.version,
    qemu: run('qemu-system-i386', ['--version'])?.split('\n')[0] ?? 'not installed',
    v86,
    ringmaster: `${JSON.parse(readFileSync(path.join(REPO_DIR, 'package.json'), 'utf8')).version} (${
      ringmasterBuild ? `build in ${ringmasterBuild}; checkout at ` : ''}commit ${commit ?? '?'}${dirty ? ', src/ modified' : ''})`,
  };
}
