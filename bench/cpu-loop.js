#!/usr/bin/env node
// CPU speed on a real-mode loop (loads, stores, ALU, shift, compare, branch, LOOP), interpreter
// and translator.
// Usage: npm run build && node bench/cpu-loop.js [instructions] [compiled dir, default dist]
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const total = Number(process.argv[2] ?? 50_000_000);
const out = path.resolve(process.argv[3] ?? 'dist');
const { makeMachine } = await import(pathToFileURL(path.join(out, 'cpu/test-machine.js')).href);

// 0000:1000  mov cx,0 / mov si,2000h
//       L:   mov ax,[si] / add ax,bx / mov [si+2],ax / xor dx,ax / inc bx / shl ax,1
//            cmp ax,1234h / jz $+2 / loop L / jmp 1000h
const code = [
  0xb9, 0x00, 0x00, 0xbe, 0x00, 0x20,
  0x8b, 0x04, 0x01, 0xd8, 0x89, 0x44, 0x02, 0x31, 0xc2, 0x43, 0xd1, 0xe0,
  0x3d, 0x34, 0x12, 0x74, 0x00, 0xe2, 0xed, 0xeb, 0xe5,
];
// Both engines back to back in one process: the interpreter, then the translator (src/cpu/jit).
const rates = {};
for (const mode of (process.env.MODES ?? 'interp,jit').split(',')) {
  const m = makeMachine(code);
  if (mode === 'jit') m.cpu.setJit({});
  const slice = 100_000;
  // Warm up V8 (and the translator) before timing.
  for (let i = 0; i < 50; i++) m.cpu.run(slice);
  const start0 = m.cpu.instructions;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  while (m.cpu.instructions - start0 < total) m.cpu.run(slice);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cu = process.cpuUsage(c0);
  const cpuSecs = (cu.user + cu.system) / 1e6;
  const n = m.cpu.instructions - start0;
  rates[mode] = n / cpuSecs / 1e6;
  // CPU time is the figure: on a shared host wall time includes waiting for a core.
  console.log(
    `cpu-loop ${mode.padEnd(6)}: ${n} guest instructions, ${cpuSecs.toFixed(2)} s CPU (${secs.toFixed(2)} s wall) = ` +
      `${rates[mode].toFixed(1)} M instructions/s (real mode)`,
  );
}
if (rates.interp && rates.jit) console.log(`jit/interp: ${(rates.jit / rates.interp).toFixed(2)}x`);
console.log(`command: node bench/cpu-loop.js ${total} ${path.relative(process.cwd(), out) || '.'}`);
