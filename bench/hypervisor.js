#!/usr/bin/env node
// Hypervisor density: host memory per VM beyond its guest RAM, and how many 64 MiB VMs start
// side by side under one daemon (in this process, on a temporary socket). The guest is the
// bare-metal counter ROM of tests/asm-hv (assembled with nasm) until Linux boots.
// Usage: npm run build && node bench/hypervisor.js [max VMs, default 32] [compiled dir, default dist]
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, totalmem, availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';

const maxVms = Number(process.argv[2] ?? 32);
const out = path.resolve(process.argv[3] ?? 'dist');
const { startDaemon } = await import(pathToFileURL(path.join(out, 'hypervisor/server.js')).href);
const { ApiClient } = await import(pathToFileURL(path.join(out, 'hypervisor/client.js')).href);

const dir = mkdtempSync(path.join(tmpdir(), 'rm-bench-hv-'));
const rom = path.join(dir, 'counter.rom');
execFileSync('nasm', ['-f', 'bin', '-i', `${path.resolve('tests/asm-hv')}/`, '-o', rom, path.resolve('tests/asm-hv/counter.asm')]);

function status() {
  const s = readFileSync('/proc/self/status', 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), size: kb('VmSize') };
}
const MiB = 1 << 20;
const GUEST = 64 * MiB;

const daemon = await startDaemon({ socketPath: path.join(dir, 'd.sock'), maxMemoryBytes: Math.floor(totalmem() * 0.8), maxVms });
const client = new ApiClient(path.join(dir, 'd.sock'));
global.gc?.();
const base = status();
const rows = [];
let failure = null;
for (let i = 0; i < maxVms; i++) {
  const t0 = performance.now();
  try {
    await client.call('POST', '/vms', { name: `vm${i}`, config: { bios: rom, memory: '64M' } });
  } catch (e) {
    failure = e.message;
    break;
  }
  const ms = performance.now() - t0;
  const s = status();
  rows.push({ n: i + 1, ms, rss: s.rss, size: s.size });
  if ((i + 1) % 8 === 0 || i === 0) console.log(`${i + 1} VMs: started in ${ms.toFixed(0)} ms; RSS ${((s.rss - base.rss) / MiB).toFixed(0)} MiB above the daemon's`);
}
await new Promise((r) => setTimeout(r, 2000));
const { vms } = await client.call('GET', '/vms');
const running = vms.filter((v) => v.state === 'running').length;
const end = status();
const n = rows.length;
const rssPer = (end.rss - base.rss) / n;
const sizePer = (end.size - base.size) / n;
const meanStart = rows.reduce((a, r) => a + r.ms, 0) / n;
await daemon.close();
rmSync(dir, { recursive: true, force: true });

console.log('');
console.log(`command: node bench/hypervisor.js ${maxVms} ${process.argv[3] ?? 'dist'}   (host: ${availableParallelism()} CPUs, ${(totalmem() / 2 ** 30).toFixed(1)} GiB)`);
console.log(`VMs of 64 MiB started side by side: ${n} (all ${running} running)${failure ? `; the next failed: ${failure}` : `; stopped at the limit given (${maxVms})`}`);
console.log(`mean start time: ${meanStart.toFixed(0)} ms (last: ${rows[n - 1].ms.toFixed(0)} ms, with ${n - 1} VMs already running)`);
console.log(`host RSS per VM: ${(rssPer / MiB).toFixed(1)} MiB (guest RAM is reserved up front but the OS maps its pages on first touch; a ROM guest touches a few KiB)`);
console.log(`host address space per VM: ${(sizePer / MiB).toFixed(1)} MiB, of which guest RAM ${GUEST / MiB} MiB -> overhead beyond guest RAM ${((sizePer - GUEST) / MiB).toFixed(1)} MiB virtual`);
