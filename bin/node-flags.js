// Node flags Ringmaster runs with (bin/ringmaster.js starts itself again with them; the
// benchmarks put them on their command lines).
import os from 'node:os';

/**
 * The Node flags for a Ringmaster process: compilerPoolFlags() and wasmTieringFlags(), minus
 * what the command line or NODE_OPTIONS already says. [] when none is needed (no restart).
 */
export function nodeFlags(execArgv = process.execArgv) {
  return [...compilerPoolFlags(execArgv), ...wasmTieringFlags(execArgv)];
}

/** The flags given already: the command line's and NODE_OPTIONS'. */
function givenFlags(execArgv) {
  return [...execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
}

/**
 * V8 compiles on a pool of worker threads (JavaScript optimization, WebAssembly tier-up), four by
 * default. On a machine with few cores those threads take the core the guest's CPU loop runs on:
 * on the 2-core development machine kernel init (bench/kernel-init.js) took 5.76 s median with
 * four and 5.04 s with one, the whole boot to the shell 8.99 s and 8.58 s (four alternating runs
 * each). So: one thread per core beyond the first, at most four. [] when a pool size is given
 * already or RINGMASTER_V8_POOL=default asks for V8's own.
 */
export function compilerPoolFlags(execArgv = process.execArgv) {
  const given = givenFlags(execArgv).some((a) => a.startsWith('--v8-pool-size'));
  if (given || process.env.RINGMASTER_V8_POOL === 'default') return [];
  const n = Math.min(4, Math.max(1, os.availableParallelism() - 1));
  return n >= 4 ? [] : [`--v8-pool-size=${n}`];
}

/**
 * V8 first compiles a WebAssembly function with Liftoff (fast to make, slow to run) and, by
 * default, gives it to TurboFan only after it has run a budget of Liftoff code. The translator's
 * warm blocks are entered a few thousand times each, so most of them spend their life in Liftoff
 * code. With dynamic tiering off, TurboFan compiles every function in the background right after
 * its first compile: kernel init 4.77 against 4.90 s (medians of 7 alternating runs), the guest's
 * sha256 (`MIB=24 bench/guest-sha.js`) 3.12 against 3.34 s (6 of 7 alternating pairs faster), for ~5 % more CPU time on
 * the compiler threads. [] when the command line or NODE_OPTIONS sets dynamic tiering either
 * way, or RINGMASTER_V8_TIERING=default asks for V8's own.
 */
export function wasmTieringFlags(execArgv = process.execArgv) {
  const given = givenFlags(execArgv).some((a) => /^--(no-)?wasm[-_]dynamic[-_]tiering$/.test(a));
  if (given || process.env.RINGMASTER_V8_TIERING === 'default') return [];
  return ['--no-wasm-dynamic-tiering'];
}
