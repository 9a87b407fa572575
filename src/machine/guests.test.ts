// Real guests on the whole machine (issue 4, "Real guests that must work"), in deterministic
// mode: each run is bounded by a guest instruction budget, not by wall time, so the same images
// give the same result on any host. The images come from `ringmaster images` (Debian packages).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Pc, type PcOptions, type PcStop } from './pc.js';
import { MemoryBlockStore } from '../devices/block/block-store.js';
import { GUEST_PROMPT, imagePath, imageSkipReason, type ImageName } from '../cli/images/paths.js';

const MiB = 1 << 20;
const read = (name: ImageName) => new Uint8Array(readFileSync(imagePath(name)));

/** A machine whose serial output is kept as text, with helpers that run until something shows. */
class GuestRun {
  serial = '';
  readonly pc: Pc;
  stop: PcStop = { kind: 'running' };

  constructor(options: Omit<PcOptions, 'serialSink'>) {
    this.pc = new Pc({ ...options, serialSink: (b) => (this.serial += String.fromCharCode(b)) });
  }

  /** Runs until `done()` holds or the machine stops; fails after `budget` guest instructions. */
  runUntil(what: string, done: () => boolean, budget: number): void {
    const limit = this.pc.instructions + budget;
    while (!done()) {
      if (this.pc.instructions >= limit) {
        assert.fail(`no ${what} within ${budget / 1e6}M instructions; serial tail:\n${this.serial.slice(-800)}\nscreen:\n${this.pc.vga.textScreenString()}`);
      }
      this.stop = this.pc.run(5_000_000);
      if (this.stop.kind !== 'running' && this.stop.kind !== 'idle') break;
    }
  }

  /** Types a line on COM1 and waits for `expect` in the output that follows. */
  command(line: string, expect: RegExp, budget: number): string {
    const from = this.serial.length;
    this.pc.com1.receive(new TextEncoder().encode(`${line}\n`));
    this.runUntil(`answer to '${line}'`, () => expect.test(this.serial.slice(from)), budget);
    return this.serial.slice(from);
  }
}

const LINUX = ['i386-kernel', 'i386-initrd'] as const;

test('guest 1: Debian 686 kernel + busybox initramfs by direct boot: shell, uname -a, poweroff', { skip: imageSkipReason([...LINUX]) }, () => {
  const g = new GuestRun({ memoryBytes: 128 * MiB });
  g.pc.bootKernel(read('i386-kernel'), read('i386-initrd'), 'console=ttyS0');
  g.runUntil('shell prompt', () => g.serial.includes(GUEST_PROMPT), 8e9);
  assert.match(g.serial, /Linux version 6\.1\.\d+-\d+-686/);
  const answer = g.command('uname -a', /Linux \S+ 6\.1\.\d+-\d+-686 #1 SMP .* i686 GNU\/Linux/, 1e9);
  assert.match(answer, /i686/);
  g.pc.com1.receive(new TextEncoder().encode('poweroff\n'));
  g.runUntil('ACPI power-off', () => g.stop.kind === 'poweroff', 3e9);
  assert.equal(g.stop.kind, 'poweroff', 'the VM ends through the ACPI soft-off (S5) request');
  assert.match(g.serial, /reboot: Power down/);
});

test('guest 2: the same kernel from the ISOLINUX CD through SeaBIOS', { skip: imageSkipReason(['i386-iso', 'seabios-256k', 'vgabios-stdvga']) }, () => {
  const iso = read('i386-iso');
  const g = new GuestRun({ memoryBytes: 128 * MiB, bios: read('seabios-256k'), vgaBios: read('vgabios-stdvga'), cdrom: new MemoryBlockStore(iso, true), boot: ['cdrom'] });
  g.pc.reset();
  g.runUntil('shell prompt', () => g.serial.includes(GUEST_PROMPT), 9e9);
  assert.match(g.serial, /Linux version 6\.1\.\d+-\d+-686/);
  g.command('uname -r', /6\.1\.\d+-\d+-686/, 1e9);
});

test('guest 3: memtest86+ (32-bit) from its CD through SeaBIOS starts testing and draws its screen', { skip: imageSkipReason(['memtest-iso', 'seabios-256k', 'vgabios-stdvga']) }, () => {
  const g = new GuestRun({ memoryBytes: 64 * MiB, bios: read('seabios-256k'), vgaBios: read('vgabios-stdvga'), cdrom: new MemoryBlockStore(read("memtest-iso"), true), boot: ['cdrom'] });
  g.pc.reset();
  const screen = () => g.pc.vga.textScreenString();
  g.runUntil('memtest screen', () => /Memtest86\+/.test(screen()) && /Test #\s*\d/.test(screen()), 4e9);
  assert.match(screen(), /Memtest86\+ v\d/);
  assert.match(screen(), /Memory\s*:\s*\d+(\.\d+)?\s*[MG]B/i);
});

test('guest 4: SeaBIOS with no bootable device says so on the VGA text screen', { skip: imageSkipReason(['seabios-256k', 'vgabios-stdvga']) }, () => {
  const g = new GuestRun({ memoryBytes: 32 * MiB, bios: read('seabios-256k'), vgaBios: read('vgabios-stdvga') });
  g.pc.reset();
  const screen = () => g.pc.vga.textScreenString();
  g.runUntil('"No bootable device"', () => screen().includes('No bootable device'), 1e9);
  assert.match(screen(), /SeaBIOS \(version 1\.16/);
  assert.match(screen(), /No bootable device/);
});
