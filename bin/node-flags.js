// Node flags Ringmaster runs with (bin/ringmaster.js starts itself again with them; the
// benchmarks put them on their command lines).
import os from 'node:os';

/**
 * V8 compiles on a pool of worker threads (JavaScript optimization, WebAssembly tier-up), four by
 * default. On a machine with few cores those threads take the core the guest's CPU loop runs on:
 * on the 2-core development machine kernel init (bench/kernel-init.js) took 5.76 s median with
 * four and 5.04 s with one, the whole boot to the shell 8.99 s and 8.58 s (four alternating runs
 * each). So: one thread per core beyond the first, at most four. [] when a pool size is given
 * already (command line or NODE_OPTIONS) or RINGMASTER_V8_POOL=default asks for V8's own.
 */
export function compilerPoolFlags(execArgv = process.execArgv) {
  const given = [...execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => a.startsWith('--v8-pool-size'));
  if (given || process.env.RINGMASTER_V8_POOL === 'default') return [];
  const n = Math.min(4, Math.max(1, os.availableParallelism() - 1));
  return n >= 4 ? [] : [`--v8-pool-size=${n}`];
}
