#!/usr/bin/env node
// In-process twin of cpu-guest.js for A/B runs and profiles of Ringmaster alone: boots guest 1
// (deterministic) to its shell prompt once and keeps a snapshot of the machine
// (~/.cache/ringmaster/bench/prompt-<build>.snap), then restores it, types
//   dd if=/dev/zero bs=1M count=MIB 2>/dev/null | sha256sum
// and times the guest's instructions until the digest (checked against Node's SHA-256) and the
// end marker are printed. Skips the boot and the child process, so two builds can be compared
// back to back within the machine's drift.
// Usage: npm run build && node bench/guest-sha.js [compiled dir, default dist]
//   MIB=8 (MiB hashed)  JIT=off (interpreter)  WASM=off (translator without WebAssembly code)
//   PROF=f.cpuprofile (V8 CPU profile of the command)
import fs from 'node:fs'; import path from 'node:path'; import os from 'node:os'; import v8 from 'node:v8';
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const out = path.resolve(process.argv[2] ?? 'dist');
const mib = Number(process.env.MIB ?? 8);
if (!Number.isInteger(mib) || mib < 1 || mib > 1024) throw new Error(`MIB must be a whole number 1-1024, not ${process.env.MIB}`);
const { Pc } = await import(pathToFileURL(path.join(out, 'machine/pc.js')).href);
const { DEFAULT_GUEST, GUEST_PROMPT } = await import(pathToFileURL(path.join(out, 'cli/images/paths.js')).href);
const images = path.join(os.homedir(), '.cache/ringmaster/images/i386');
const cacheDir = path.join(os.homedir(), '.cache/ringmaster/bench');
// One snapshot per build (state formats may differ between builds).
const buildId = createHash('sha256').update(fs.readFileSync(path.join(out, 'cpu/cpu.js'))).update(fs.readFileSync(path.join(out, 'machine/pc.js'))).digest('hex').slice(0, 12);
const snapFile = path.join(cacheDir, `prompt-${buildId}.snap`);

let serial = '';
const board = () => new Pc({ memoryBytes: 128 << 20, serialSink: (b) => { serial += String.fromCharCode(b); } });
if (!fs.existsSync(snapFile)) {
  const boot = board();
  const file = (n) => new Uint8Array(fs.readFileSync(path.join(images, n)));
  boot.bootKernel(file('vmlinuz'), file('initrd.gz'), DEFAULT_GUEST.append);
  const t0 = performance.now();
  while (!serial.includes(GUEST_PROMPT)) {
    boot.run(1e6);
    if (boot.instructions > 20e9) throw new Error(`no shell prompt after ${boot.instructions} instructions: ${JSON.stringify(serial.slice(-200))}`);
  }
  console.log(`booted to the prompt in ${((performance.now() - t0) / 1000).toFixed(1)} s (${boot.instructions} instructions); snapshot ${snapFile}`);
  fs.mkdirSync(cacheDir, { recursive: true });
  fs.writeFileSync(snapFile, v8.serialize(boot.saveState()));
}
// Every measurement starts from the snapshot on a fresh board (empty code cache).
const pc = board();
pc.loadState(v8.deserialize(fs.readFileSync(snapFile)));
if (process.env.JIT === 'off') pc.cpu.setJit(null);
else if (process.env.WASM === 'off') pc.cpu.setJit({ wasm: false });

serial = '';
pc.com1.receive(new TextEncoder().encode(`dd if=/dev/zero bs=1M count=${mib} 2>/dev/null | sha256sum; echo rm-bench-$((40+2))\n`));
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
  if (pc.instructions - i0 > mib * 200e6) throw new Error(`no end marker after ${pc.instructions - i0} instructions: ${JSON.stringify(serial.slice(-200))}`);
}
const cu = process.cpuUsage(c0);
const cpu = (cu.user + cu.system) / 1e6;
const wall = (performance.now() - w0) / 1000;
if (session) await new Promise((r) => session.post('Profiler.stop', (e, { profile }) => { fs.writeFileSync(process.env.PROF, JSON.stringify(profile)); r(); }));
const n = pc.instructions - i0;
const digest = /\b([0-9a-f]{64})\s+-/.exec(serial)?.[1];
const expected = createHash('sha256').update(Buffer.alloc(mib << 20)).digest('hex');
if (digest !== expected) throw new Error(`wrong digest ${digest} (expected ${expected})`);
console.log(`sha256sum of ${mib} MiB in the guest (${out}, ${process.env.JIT === 'off' ? 'interpreter' : 'translator'}): ` +
  `${n} instructions, ${cpu.toFixed(2)} s CPU, ${wall.toFixed(2)} s wall = ${(n / cpu / 1e6).toFixed(1)} M instructions/s (CPU)`);
if (pc.cpu.jit) console.log(`translator: ${JSON.stringify(pc.cpu.jit.stats)}`);
