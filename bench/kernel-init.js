#!/usr/bin/env node
// A/B of kernel init for builds of Ringmaster, alternating, each run in a fresh Node process:
// guest 1 (deterministic) is booted once per build to 2.3 G instructions (the end of the
// kernel's XZ decompressor) and snapshotted (~/.cache/ringmaster/bench/kinit-<build>.snap,
// bench/lib/guest-snapshot.js);
// each run restores it on a fresh board (empty code cache) and runs the ~0.4 G instructions of
// kernel and busybox init to the shell prompt. That part is where interpreted warm code, module
// compilation and entries dominate, and one run takes seconds, so several alternating runs per
// build fit where one full boot of each would (the machines here drift ±15-30 % in minutes:
// compare medians of alternating runs, never two single runs).
// Usage: npm run build && node bench/kernel-init.js [--runs N] DIST_A [DIST_B ...]
//   a single DIST just times it; JIT=off times the interpreter alone; JIT_OPTIONS='{"threshold":500}'
//   passes translator options (src/cpu/jit/jit.ts JitOptions) to every build.
import fs from 'node:fs'; import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { guestSnapshot, GUEST_MEMORY } from './lib/guest-snapshot.js';
import { nodeFlags } from '../bin/node-flags.js';

const SNAPSHOT_AT = 2.3e9;
const args = process.argv.slice(2);

if (args[0] === '--child') {
  console.log(JSON.stringify(await runOnce(path.resolve(args[1]))));
  process.exit(0);
}

let runs = 5;
const dists = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else dists.push(path.resolve(args[i]));
}
if (!Number.isInteger(runs) || runs < 1 || runs > 100) throw new Error(`--runs must be a whole number 1-100`);
if (dists.length === 0) dists.push(path.resolve('dist'));
for (const d of dists) if (!fs.existsSync(path.join(d, 'machine/pc.js'))) throw new Error(`${d}: no compiled build (machine/pc.js)`);

const self = fileURLToPath(import.meta.url);
const times = dists.map(() => []);
for (let r = 0; r < runs; r++) {
  for (const [i, d] of dists.entries()) {
    // Each run with the Node flags `ringmaster` runs with (bin/node-flags.js).
    const m = JSON.parse(execFileSync(process.execPath, [...nodeFlags([]), self, '--child', d], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop());
    times[i].push(m);
    const st = m.stats ? `; translated ${m.stats.translated}, WebAssembly ${m.stats.wasm} in ${m.stats.modules} modules, entries ${m.stats.executed} (${m.stats.chained} chained), ` +
      `interpreted ${((m.instructions - m.stats.retired) / 1e6).toFixed(1)} M, translation ${m.stats.translateMs} ms` : '';
    console.log(`run ${r + 1}/${runs} ${d}: ${m.wall.toFixed(2)} s wall, ${m.cpu.toFixed(2)} s CPU, ${(m.instructions / 1e6).toFixed(0)} M instructions${st}`);
  }
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
console.log(`\nkernel init (snapshot at ${SNAPSHOT_AT / 1e9} G instructions to the shell prompt), ${runs} alternating run(s) each:`);
const base = median(times[0].map((m) => m.wall));
for (const [i, d] of dists.entries()) {
  const w = times[i].map((m) => m.wall);
  const med = median(w);
  console.log(`${d}: median ${med.toFixed(2)} s wall (min ${Math.min(...w).toFixed(2)}, max ${Math.max(...w).toFixed(2)}), median ${median(times[i].map((m) => m.cpu)).toFixed(2)} s CPU` +
    (i > 0 ? `; ${(med / base).toFixed(3)}× the first` : ''));
}

/** One measurement of the build in `out` (in this process): restore, run to the prompt. */
async function runOnce(out) {
  const { Pc, GUEST_PROMPT, snapshot } = await guestSnapshot(out, 'kinit', (pc) => pc.instructions >= SNAPSHOT_AT);
  let serial = snapshot.serial;
  const jit = process.env.JIT === 'off' ? null : JSON.parse(process.env.JIT_OPTIONS ?? '{}');
  const pc = new Pc({ memoryBytes: GUEST_MEMORY, serialSink: (b) => { serial += String.fromCharCode(b); }, jit });
  pc.loadState(snapshot.state);
  const i0 = pc.instructions;
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  while (!serial.includes(GUEST_PROMPT)) {
    pc.run(1e6);
    if (pc.instructions - i0 > 5e9) throw new Error(`no shell prompt after ${pc.instructions - i0} instructions: ${JSON.stringify(serial.slice(-200))}`);
  }
  const cu = process.cpuUsage(c0);
  return { wall: (performance.now() - w0) / 1000, cpu: (cu.user + cu.system) / 1e6, instructions: pc.instructions - i0, stats: pc.cpu.jit?.stats ?? null };
}
