#!/usr/bin/env node
// In-process twin of cpu-guest.js for A/B runs and profiles of Ringmaster alone: boots guest 1
// (deterministic) to its shell prompt once and keeps a snapshot of the machine
// (~/.cache/ringmaster/bench/guest1-prompt-<build>.snap, bench/lib/guest-snapshot.js), then restores it, types
//   dd if=/dev/zero bs=1M count=MIB 2>/dev/null | sha256sum
// and times the guest's instructions until the digest (checked against Node's SHA-256) and the
// end marker are printed. Skips the boot and the child process, so two builds can be compared
// back to back within the machine's drift.
// Usage: npm run build && node bench/guest-sha.js [compiled dir, default dist]
//   MIB=8 (MiB hashed)  JIT=off (interpreter)  WASM=off (translator without WebAssembly code)
//   JIT_OPTIONS='{"threshold":500}' (JitOptions as JSON)
//   PROF=f.cpuprofile (V8 CPU profile of the command; WebAssembly functions named by guest EIP, JitOptions.names)
//   CMD='dd if=/dev/zero bs=4k count=20000 | cat > /dev/null' (any shell command instead; no result check)
import fs from 'node:fs'; import path from 'node:path';
import { createHash } from 'node:crypto';
import { guestSnapshot, GUEST_MEMORY } from './lib/guest-snapshot.js';

const out = path.resolve(process.argv[2] ?? 'dist');
const mib = Number(process.env.MIB ?? 8);
if (!Number.isInteger(mib) || mib < 1 || mib > 1024) throw new Error(`MIB must be a whole number 1-1024, not ${process.env.MIB}`);
const { Pc, snapshot } = await guestSnapshot(out, 'guest1-prompt', (_pc, text, prompt) => text.includes(prompt));

let serial = '';
// Every measurement starts from the snapshot on a fresh board (empty code cache).
const pc = new Pc({ memoryBytes: GUEST_MEMORY, serialSink: (b) => { serial += String.fromCharCode(b); } });
pc.loadState(snapshot.state);
// JIT_OPTIONS: JitOptions as JSON (e.g. '{"threshold":500}'), as bench/kernel-init.js takes them.
const jitOptions = JSON.parse(process.env.JIT_OPTIONS ?? '{}');
if (process.env.JIT === 'off') pc.cpu.setJit(null);
else if (process.env.WASM === 'off') pc.cpu.setJit({ ...jitOptions, wasm: false });
else if (process.env.PROF) pc.cpu.setJit({ ...jitOptions, names: true }); // the profile names WebAssembly functions by guest EIP
else if (process.env.JIT_OPTIONS) pc.cpu.setJit(jitOptions);

serial = '';
const command = process.env.CMD ?? `dd if=/dev/zero bs=1M count=${mib} 2>/dev/null | sha256sum`;
pc.com1.receive(new TextEncoder().encode(`${command}; echo rm-bench-$((40+2))\n`));
let session = null;
if (process.env.PROF) {
  const inspector = await import('node:inspector');
  session = new inspector.Session();
  session.connect();
  await new Promise((r) => session.post('Profiler.enable', () => session.post('Profiler.start', r)));
}
const i0 = pc.instructions;
const c0 = process.cpuUsage();
const w0 = performance.now();
// The echoed command line holds `rm-bench-$((40+2))`, never the computed marker.
while (!/rm-bench-42\r?\n/.test(serial)) {
  pc.run(1e6);
  if (pc.instructions - i0 > (process.env.CMD ? 100e9 : mib * 200e6)) throw new Error(`no end marker after ${pc.instructions - i0} instructions: ${JSON.stringify(serial.slice(-200))}`);
}
const cu = process.cpuUsage(c0);
const cpu = (cu.user + cu.system) / 1e6;
const wall = (performance.now() - w0) / 1000;
if (session) await new Promise((r) => session.post('Profiler.stop', (e, { profile }) => { fs.writeFileSync(process.env.PROF, JSON.stringify(profile)); r(); }));
const n = pc.instructions - i0;
if (!process.env.CMD) {
  const digest = /\b([0-9a-f]{64})\s+-/.exec(serial)?.[1];
  const expected = createHash('sha256').update(Buffer.alloc(mib << 20)).digest('hex');
  if (digest !== expected) throw new Error(`wrong digest ${digest} (expected ${expected})`);
}
console.log(`${process.env.CMD ? `\`${command}\`` : `sha256sum of ${mib} MiB`} in the guest (${out}, ${process.env.JIT === 'off' ? 'interpreter' : 'translator'}): ` +
  `${n} instructions, ${cpu.toFixed(2)} s CPU, ${wall.toFixed(2)} s wall = ${(n / cpu / 1e6).toFixed(1)} M instructions/s (CPU)`);
if (pc.cpu.jit) console.log(`translator: ${JSON.stringify(pc.cpu.jit.stats)}`);
