#!/usr/bin/env node
// v86 (npm `v86`) as a process with COM1 on stdio, so the benchmarks drive it exactly like
// QEMU and Ringmaster. Usage: node bench/lib/v86-child.js '<json>' with
//   { kernel, initrd, cmdline, bios, vgabios, memoryBytes }
// stdout carries only guest serial bytes; v86's own messages go to stderr.
// SIGUSR1 prints "v86-instructions <n>" on stderr: guest instructions executed so far, kept
// in 64 bits here because v86 exposes a 32-bit counter that wraps.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// Keep stdout for the guest only, whatever the library logs.
console.log = console.error;
console.info = console.error;
console.warn = console.error;

const cfg = JSON.parse(process.argv[2] ?? '{}');
const require = createRequire(import.meta.url);
let pkgDir;
try {
  pkgDir = path.dirname(require.resolve('v86/package.json'));
} catch {
  console.error('v86 is not installed: run `npm install` (it is a devDependency)');
  process.exit(2);
}
const { V86 } = await import('v86');

/** A file as v86's { buffer } image (loaded synchronously, no URL fetching in Node). */
const image = (file) => {
  const b = readFileSync(file);
  return { buffer: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) };
};

const emulator = new V86({
  wasm_path: path.join(pkgDir, 'build', 'v86.wasm'),
  bios: image(cfg.bios),
  vga_bios: image(cfg.vgabios),
  bzimage: image(cfg.kernel),
  initrd: image(cfg.initrd),
  cmdline: cfg.cmdline,
  memory_size: cfg.memoryBytes,
  autostart: true,
  disable_keyboard: true,
  disable_mouse: true,
  disable_speaker: true,
});

// Serial bytes arrive one listener call at a time; flush once per emulator slice (microtask)
// so output is neither delayed past the slice nor written a byte per system call.
let pending = [];
emulator.add_listener('serial0-output-byte', (byte) => {
  if (pending.length === 0) queueMicrotask(flush);
  pending.push(byte);
});
function flush() {
  process.stdout.write(Buffer.from(pending));
  pending = [];
}

process.stdin.on('data', (chunk) => emulator.serial_send_bytes(0, chunk));

let total = 0;
let last = 0;
const sample = () => {
  const now = emulator.get_instruction_counter();
  total += (now - last) >>> 0;
  last = now;
};
// At most a few hundred million instructions per second: 100 ms samples never miss a wrap.
setInterval(sample, 100).unref();
process.on('SIGUSR1', () => {
  sample();
  process.stderr.write(`v86-instructions ${total}\n`);
});
