// Real guest 1 (issue 4): the Debian 686 kernel and the busybox initramfs by direct boot, in
// deterministic mode and bounded by guest instructions. Images from `ringmaster images`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { GuestRun } from './testing/guest-run.js';
import { DEFAULT_GUEST, GUEST_PROMPT, imagePath, imageSkipReason, type ImageName } from '../cli/images/paths.js';

const read = (name: ImageName) => new Uint8Array(readFileSync(imagePath(name)));

test('guest 1: Debian 686 kernel + busybox initramfs by direct boot: shell, uname -a, poweroff', { skip: imageSkipReason(['i386-kernel', 'i386-initrd']) }, () => {
  const g = new GuestRun({ memoryBytes: 128 << 20 });
  g.pc.bootKernel(read('i386-kernel'), read('i386-initrd'), DEFAULT_GUEST.append);
  g.runUntil('shell prompt', () => g.serial.includes(GUEST_PROMPT), 9e9);
  assert.match(g.serial, /Linux version 6\.1\.\d+-\d+-686/);
  const answer = g.command('uname -a', /Linux \S+ 6\.1\.\d+-\d+-686 #1 SMP .* i686 GNU\/Linux/, 1e9);
  assert.match(answer, /i686/);
  g.type('poweroff\n');
  g.runUntil('ACPI power-off', () => g.stop.kind === 'poweroff', 3e9);
  assert.equal(g.stop.kind, 'poweroff', 'the VM ends through the ACPI soft-off (S5) request');
  assert.match(g.serial, /reboot: Power down/);
});
