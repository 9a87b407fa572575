#!/usr/bin/env node
// CPU speed on real guest code: boots the i386 Debian kernel (ringmaster images) with
// Pc.bootKernel and times guest instructions [FROM, TO) in CPU seconds, once per mode, back to
// back in one process: the interpreter alone and with the translator (src/cpu/jit). 0-300M is
// the kernel's XZ decompressor (dense 32-bit protected-mode code, no paging); 2.6G-2.75G is the
// kernel itself (paging on, addresses above 2 GiB). The run up to FROM uses the translator
// (it is exact), then each mode times the same slice. PROF=file.cpuprofile profiles the last
// mode's slice. MODES=interp,jit (default) chooses the modes; THRESHOLD sets the translator's.
// Usage: npm run build && node bench/cpu-linux.js [compiled dir, default dist] [FROM] [TO]
import fs from 'node:fs'; import path from 'node:path'; import os from 'node:os';
import { pathToFileURL } from 'node:url';
const out = path.resolve(process.argv[2] ?? 'dist');
const from = Number(process.argv[3] ?? 0), to = Number(process.argv[4] ?? 300e6);
const modes = (process.env.MODES ?? 'interp,jit').split(',');
const threshold = process.env.THRESHOLD === undefined ? undefined : Number(process.env.THRESHOLD);
const { Pc } = await import(pathToFileURL(path.join(out, 'machine/pc.js')).href);
const dir = path.join(os.homedir(), '.cache/ringmaster/images/i386');
const kernel = new Uint8Array(fs.readFileSync(path.join(dir, 'vmlinuz'))), initrd = new Uint8Array(fs.readFileSync(path.join(dir, 'initrd.gz')));
const results = {};
for (const [k, mode] of modes.entries()) {
  let serial = '';
  const jitOpts = threshold === undefined ? {} : { threshold };
  const pc = new Pc({ memoryBytes: 128 << 20, serialSink: (b) => { serial += String.fromCharCode(b); }, jit: jitOpts });
  pc.bootKernel(kernel, initrd, 'console=ttyS0');
  while (pc.instructions < from) pc.run(Math.min(10e6, from - pc.instructions));
  if (mode === 'interp') pc.cpu.setJit(null);
  let sess = null;
  if (process.env.PROF && k === modes.length - 1) { const insp = await import('node:inspector'); sess = new insp.Session(); sess.connect(); await new Promise(r => sess.post('Profiler.enable', () => sess.post('Profiler.start', r))); }
  const i0 = pc.instructions; const c0 = process.cpuUsage(); const w0 = performance.now();
  while (pc.instructions < to) pc.run(Math.min(10e6, to - pc.instructions));
  const cu = process.cpuUsage(c0); const s = (cu.user + cu.system) / 1e6; const n = pc.instructions - i0; const wall = (performance.now() - w0) / 1000;
  if (sess) await new Promise(r => sess.post('Profiler.stop', (e, { profile }) => { fs.writeFileSync(process.env.PROF, JSON.stringify(profile)); r(); }));
  results[mode] = n / s / 1e6;
  const st = pc.cpu.jit ? ` jit: ${JSON.stringify(pc.cpu.jit.stats)}` : '';
  console.log(`${mode.padEnd(6)} linux ${from}-${to}: ${n} instr ${s.toFixed(2)} s CPU (${wall.toFixed(2)} s wall) = ${(n / s / 1e6).toFixed(1)} MIPS; eip=${pc.cpu.eip.toString(16)} serial=${serial.length} tail=${JSON.stringify(serial.slice(-60))}${st}`);
}
if (results.interp && results.jit) console.log(`jit/interp: ${(results.jit / results.interp).toFixed(2)}x`);
