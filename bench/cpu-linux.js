#!/usr/bin/env node
// Interpreter speed on real guest code: boots the i386 Debian kernel (ringmaster images) with
// Pc.bootKernel and times guest instructions [FROM, TO) in CPU seconds. 0-300M is the kernel's
// XZ decompressor (dense 32-bit protected-mode code, no paging); 2.6G-2.75G is the kernel itself
// (paging on, addresses above 2 GiB). PROF=file.cpuprofile profiles only the timed slice.
// Usage: npm run build && node bench/cpu-linux.js [compiled dir, default dist] [FROM] [TO]
import fs from 'node:fs'; import path from 'node:path'; import os from 'node:os';
import { pathToFileURL } from 'node:url';
const out = path.resolve(process.argv[2] ?? 'dist');
const from = Number(process.argv[3] ?? 0), to = Number(process.argv[4] ?? 300e6);
const { Pc } = await import(pathToFileURL(path.join(out, 'machine/pc.js')).href);
const dir = path.join(os.homedir(), '.cache/ringmaster/images/i386');
let serial = '';
const pc = new Pc({ memoryBytes: 128 << 20, serialSink: (b) => { serial += String.fromCharCode(b); } });
pc.bootKernel(new Uint8Array(fs.readFileSync(path.join(dir, 'vmlinuz'))), new Uint8Array(fs.readFileSync(path.join(dir, 'initrd.gz'))), 'console=ttyS0');
while (pc.instructions < from) pc.run(Math.min(10e6, from - pc.instructions));
let sess = null;
if (process.env.PROF) { const insp = await import('node:inspector'); sess = new insp.Session(); sess.connect(); await new Promise(r => sess.post('Profiler.enable', () => sess.post('Profiler.start', r))); }
const i0 = pc.instructions; const c0 = process.cpuUsage();
while (pc.instructions < to) pc.run(Math.min(10e6, to - pc.instructions));
const cu = process.cpuUsage(c0); const s = (cu.user + cu.system) / 1e6; const n = pc.instructions - i0;
if (sess) await new Promise(r => sess.post('Profiler.stop', (e, { profile }) => { fs.writeFileSync(process.env.PROF, JSON.stringify(profile)); r(); }));
console.log(`linux ${from}-${to}: ${n} instr ${s.toFixed(2)} s CPU = ${(n / s / 1e6).toFixed(1)} MIPS; eip=${pc.cpu.eip.toString(16)} serial=${serial.length} tail=${JSON.stringify(serial.slice(-60))}`);
