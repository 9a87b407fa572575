// Guest 1 (Debian 686 kernel + busybox initramfs, direct boot, deterministic) with and without
// the translator: the serial transcript up to the shell prompt must be byte-identical and the
// prompt must appear at the same guest instruction (deterministic time is 10 ns per retired
// instruction, so any difference in counting would show in timer-driven output).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { GuestRun } from './testing/guest-run.js';
import { parseConfig } from './config.js';
import { Pc, PC_DEFAULT_JIT } from './pc.js';
import { jitOptions } from '../cli/commands/run.js';
import { DEFAULT_GUEST, GUEST_PROMPT, imagePath, imageSkipReason, type ImageName } from '../cli/images/paths.js';

const read = (name: ImageName) => new Uint8Array(readFileSync(imagePath(name)));

function bootToPrompt(jit: boolean): { serial: string; instructions: number; translated: number } {
  const g = new GuestRun({ memoryBytes: 128 << 20, jit: jit ? {} : null });
  g.pc.bootKernel(read('i386-kernel'), read('i386-initrd'), DEFAULT_GUEST.append);
  g.runUntil('shell prompt', () => g.serial.includes(GUEST_PROMPT), 9e9);
  const end = g.serial.indexOf(GUEST_PROMPT) + GUEST_PROMPT.length;
  return { serial: g.serial.slice(0, end), instructions: g.pc.instructions, translated: g.pc.cpu.jit?.stats.translated ?? 0 };
}

test('guest 1 boots to the same serial transcript, at the same instruction, with and without the translator', { skip: imageSkipReason(['i386-kernel', 'i386-initrd']) }, () => {
  const jit = bootToPrompt(true);
  const interp = bootToPrompt(false);
  assert.ok(jit.translated > 1000, `${jit.translated} blocks translated`);
  assert.match(interp.serial, /Linux version 6\.1\./);
  assert.equal(jit.instructions, interp.instructions);
  assert.equal(jit.serial, interp.serial);
});

test('config: --jit on|off|js, --jit-threshold N and --jit-names are validated; the Pc takes them', () => {
  const c = parseConfig({ jit: 'on', jitThreshold: '0' });
  assert.equal(c.jit, true);
  assert.equal(c.jitThreshold, 0);
  assert.equal(parseConfig({ jit: false }).jit, false);
  assert.equal(parseConfig({}).jit, null);
  assert.equal(parseConfig({ jit: 'js' }).jit, 'js');
  assert.throws(() => parseConfig({ jit: 'maybe' }), /--jit.*not on, off or js/);
  assert.throws(() => parseConfig({ jitThreshold: '-1' }), /--jit-threshold.*whole number/);
  assert.notEqual(new Pc({ memoryBytes: 4 << 20 }).cpu.jit === null, PC_DEFAULT_JIT !== null);
  assert.equal(new Pc({ memoryBytes: 4 << 20, jit: null }).cpu.jit, null);
  assert.equal(new Pc({ memoryBytes: 4 << 20, jit: { threshold: 7 } }).cpu.jit?.threshold, 7);
  // --jit js: the translator without WebAssembly code (jit-fuzz32.test.ts checks that wasm: false makes none)
  assert.equal(jitOptions(parseConfig({ jit: 'js' }))?.wasm, false);
  assert.equal(jitOptions(parseConfig({ jit: 'on' }))?.wasm, undefined);
  assert.equal(jitOptions(parseConfig({ jit: 'off' })), null);
  // --jit-names: WebAssembly functions named for profilers (wasm-asm.test.ts checks the section)
  assert.equal(jitOptions(parseConfig({ jitNames: true }))?.names, true);
  assert.equal(jitOptions(parseConfig({}))?.names, undefined);
  assert.throws(() => parseConfig({ jitNames: 'yes' }), /--jit-names.*true or false/);
});
