// node --test bench/lib/: the option parsing both benchmarks share, and the Ringmaster rows
// (one without a --jit option, two with it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOptions } from './report.js';
import { commandLine, COMMON_DEFAULTS } from './setup.js';
import { engineCommands } from './engines.js';

test('parseOptions: --name value, --name=value, flags, camelCase keys, defaults kept', () => {
  const o = parseOptions(['--runs', '3', '--boot-timeout=20', '--no-save', '--engines', 'qemu'], { runs: 1, bootTimeout: 5, ...COMMON_DEFAULTS }, '');
  assert.equal(o.runs, 3);
  assert.equal(o.bootTimeout, 20);
  assert.equal(o.noSave, true);
  assert.equal(o.engines, 'qemu');
  assert.equal(o.memory, 128);
});

test('commandLine repeats only the options that differ from the defaults', () => {
  const defaults = { runs: 1 };
  assert.equal(commandLine('boot.js', { runs: 1, ...COMMON_DEFAULTS }, defaults), 'node bench/boot.js');
  assert.equal(commandLine('boot.js', { runs: 3, ...COMMON_DEFAULTS, noSave: true, ringmasterClock: 'host' }, defaults),
    'node bench/boot.js --runs 3 --ringmaster-clock host --no-save');
});

test('engineCommands: one interpreter row without --jit, a row per mode with it; v86 and QEMU unchanged', () => {
  const img = { kernel: 'K', initrd: 'I', bios: 'B', vgabios: 'V' };
  const plain = engineCommands(img, { memoryMiB: 64, cmdline: 'c', distDir: '/x' });
  assert.deepEqual(Object.keys(plain), ['ringmaster', 'v86', 'qemu']);
  assert.ok(!plain.ringmaster.args.includes('--jit'));
  assert.ok(plain.ringmaster.args.includes('--deterministic'));
  const jit = engineCommands(img, { memoryMiB: 64, cmdline: 'c', distDir: '/x', jitModes: ['off', 'on'], ringmasterClock: 'host' });
  assert.deepEqual(Object.keys(jit), ['ringmaster-jit-off', 'ringmaster-jit-on', 'v86', 'qemu']);
  assert.deepEqual(jit['ringmaster-jit-on'].args.slice(-2), ['--jit', 'on']);
  assert.equal(jit['ringmaster-jit-off'].engine, 'ringmaster');
  assert.ok(!jit['ringmaster-jit-off'].args.includes('--deterministic'));
  assert.deepEqual(jit.qemu.args, plain.qemu.args);
});
