// What bench/boot.js and bench/cpu-guest.js share before measuring: the common options
// (engines, memory, JIT mode, build directory, saving), the guest images and markers, the
// engine command lines and the machine description. Each script adds only its own options.
import path from 'node:path';
import { REPO_DIR, ENGINE_NAMES, loadPaths, guestImages, engineCommands, ringmasterHasJitOption, environment } from './engines.js';
import { parseOptions, fail } from './report.js';

export const COMMON_DEFAULTS = { engines: ENGINE_NAMES.join(','), memory: 128, jit: 'both', ringmasterClock: 'deterministic', dist: 'dist', noSave: false };

export const COMMON_USAGE = `  --engines LIST   comma-separated subset of ${ENGINE_NAMES.join(',')} (default all)
  --memory MIB     guest RAM in MiB (default 128)
  --jit MODE       Ringmaster's translator: on, off or both (two rows; default); ignored while
                   \`ringmaster run\` has no --jit option (then one row, the interpreter)
  --ringmaster-clock deterministic|host
                   Ringmaster's time base: virtual time from the instruction counter (default;
                   repeatable under load) or host time (see bench/README.md)
  --dist DIR       compiled Ringmaster tree (default dist)
  --no-save        print only; do not write bench/results/`;

/**
 * Parses argv (script options in `defaults`, plus the common ones; `integers` names the options
 * rounded down to whole numbers), loads the compiled tree's
 * image paths and builds the engine commands. Any problem is one line on stderr and exit 2.
 * Returns { opts, engines (row keys in run order), paths, img, cmdline, commands, env, date, jit }.
 */
export async function benchSetup(name, argv, defaults, usage, integers = []) {
  const opts = parseOptions(argv, { ...defaults, ...COMMON_DEFAULTS }, usage);
  const selected = opts.engines.split(',').map((e) => e.trim()).filter(Boolean);
  for (const e of selected) if (!ENGINE_NAMES.includes(e)) fail(`--engines: unknown engine ${e} (known: ${ENGINE_NAMES.join(', ')})`);
  if (!['on', 'off', 'both'].includes(opts.jit)) fail(`--jit: expected on, off or both, got ${opts.jit}`);
  if (!['deterministic', 'host'].includes(opts.ringmasterClock)) fail(`--ringmaster-clock: expected deterministic or host, got ${opts.ringmasterClock}`);
  for (const k of ['memory', ...integers]) opts[k] = Math.floor(opts[k]);

  const distDir = path.resolve(REPO_DIR, opts.dist);
  let paths;
  let img;
  try {
    paths = await loadPaths(distDir);
    img = guestImages(paths);
  } catch (e) {
    fail(`bench/${name}: ${e.message}`);
  }
  // Guest 1 exactly as `ringmaster run` boots it by default (DEFAULT_GUEST), on every engine.
  const cmdline = paths.DEFAULT_GUEST.append;
  const jit = { available: ringmasterHasJitOption(distDir), requested: opts.jit };
  const modes = !jit.available ? [undefined] : opts.jit === 'both' ? ['off', 'on'] : [opts.jit];
  const commands = engineCommands(img, { memoryMiB: opts.memory, cmdline, distDir, jitModes: modes, ringmasterClock: opts.ringmasterClock });
  const engines = selected.flatMap((e) => Object.keys(commands).filter((k) => commands[k].engine === e));
  return { opts, engines, paths, img, cmdline, commands, env: environment(distDir === path.join(REPO_DIR, 'dist') ? undefined : distDir), date: new Date().toISOString(), jit };
}

/** One line for the console and the reports about which Ringmaster modes were measured. */
export function jitNote(jit) {
  if (!jit.available) return 'Ringmaster: interpreter only (`ringmaster run --help` lists no --jit option in this build)';
  return `Ringmaster: \`--jit ${jit.requested === 'both' ? 'off` and `--jit on' : jit.requested}\` (translator present in this build)`;
}

/** The script's own command line, for the reports (only options that differ from the defaults). */
export function commandLine(script, opts, defaults) {
  const all = { ...defaults, ...COMMON_DEFAULTS };
  const parts = [`node bench/${script}`];
  for (const [k, v] of Object.entries(opts)) {
    if (v === all[k]) continue;
    const flag = `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    parts.push(typeof v === 'boolean' ? flag : `${flag} ${v}`);
  }
  return parts.join(' ');
}
