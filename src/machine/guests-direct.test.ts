// Real guest 1 (issue 4): the Debian 686 kernel and the busybox initramfs by direct boot, in
// deterministic mode and bounded by guest instructions. Images from `ringmaster images`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
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

// The Debian installer itself (debian-installer-12-netboot-i386, installed by setup): the same
// kernel with the installer's 30 MB initrd.gz, on the serial console. It unpacks the initramfs,
// loads its drivers (bochs-drm binds to the VGA's DISPI registers through the MMIO BAR) and
// starts debconf's newt frontend, whose first question is the language.
const DI_DIR = '/usr/lib/debian-installer/images/12/i386/text/debian-installer/i386';
const diMissing = !existsSync(`${DI_DIR}/initrd.gz`) && `${DI_DIR}/initrd.gz missing (Debian package debian-installer-12-netboot-i386; make setup installs it)`;

test('guest 6: the Debian installer (netboot kernel + initrd.gz) asks for the language on the serial console', { skip: process.env.RINGMASTER_REQUIRE_IMAGES === '1' ? false : diMissing }, () => {
  const g = new GuestRun({ memoryBytes: 512 << 20 });
  const file = (name: string) => new Uint8Array(readFileSync(`${DI_DIR}/${name}`));
  g.pc.bootKernel(file('linux'), file('initrd.gz'), 'console=ttyS0 priority=critical cryptomgr.notests');
  g.runUntil('the installer language dialog', () => g.serial.includes('Select a language'), 40e9);
  assert.match(g.serial, /Run \/init as init process/);
  assert.match(g.serial, /\[drm\] Found bochs VGA, ID 0xb0c/);
  assert.match(g.serial, /Choose the language to be used for the installation process/);
});
