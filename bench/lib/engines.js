// The three engines measured side by side, each booting the same guest with its serial
// console on stdio: Ringmaster (this tree), v86 (npm) and QEMU TCG (Debian package).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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

/**
 * Command lines per engine. Memory in MiB; cmdline is the kernel command line.
 * Ringmaster: direct Linux boot (no BIOS). v86: its own bzImage loader run from SeaBIOS (the
 * Debian bios.bin + vgabios-stdvga.bin from the image cache; the npm package ships no BIOS).
 * QEMU: direct boot through its linuxboot option ROM under the Debian SeaBIOS it ships.
 */
export function engineCommands(img, { memoryMiB, cmdline, distDir }) {
  const rmMain = path.join(distDir, 'cli/main.js');
  const rmEntry = path.resolve(distDir) === path.join(REPO_DIR, 'dist') ? path.join(REPO_DIR, 'bin/ringmaster.js') : rmMain;
  return {
    ringmaster: {
      command: process.execPath,
      args: [rmEntry, 'run', '--kernel', img.kernel, '--initrd', img.initrd, '--append', cmdline, '--serial', 'stdio', '--memory', `${memoryMiB}M`],
      boot: 'direct Linux boot (bzImage protocol), no BIOS',
    },
    v86: {
      command: process.execPath,
      args: [
        path.join(BENCH_DIR, 'lib/v86-child.js'),
        JSON.stringify({ kernel: img.kernel, initrd: img.initrd, cmdline, bios: img.bios, vgabios: img.vgabios, memoryBytes: memoryMiB * 1024 * 1024 }),
      ],
      boot: `v86 bzImage loader under SeaBIOS (Debian ${path.basename(img.bios)} + ${path.basename(img.vgabios)} from the image cache; the npm package ships no BIOS), JIT on`,
    },
    qemu: {
      command: 'qemu-system-i386',
      args: ['-accel', 'tcg', '-m', String(memoryMiB), '-kernel', img.kernel, '-initrd', img.initrd, '-append', cmdline,
        '-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-no-reboot'],
      boot: "QEMU -kernel (linuxboot option ROM) under Debian's SeaBIOS (/usr/share/seabios), TCG",
    },
  };
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

/** Versions of everything measured, and the machine it ran on. */
export function environment() {
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
    loadAverage: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number),
    node: process.version,
    qemu: run('qemu-system-i386', ['--version'])?.split('\n')[0] ?? 'not installed',
    v86,
    ringmaster: `${JSON.parse(readFileSync(path.join(REPO_DIR, 'package.json'), 'utf8')).version} (commit ${commit ?? '?'}${dirty ? ', src/ modified' : ''})`,
  };
}
