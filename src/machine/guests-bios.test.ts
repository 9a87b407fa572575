// Real guests 2-4 through SeaBIOS (issue 4, "Real guests that must work"), in deterministic
// mode: each run is bounded by a guest instruction budget, not by wall time, so the same images
// give the same result on any host. The images come from `ringmaster images` (Debian packages).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { GuestRun } from './testing/guest-run.js';
import { MemoryBlockStore } from '../devices/block/block-store.js';
import { GUEST_PROMPT, imagePath, imageSkipReason, type ImageName } from '../cli/images/paths.js';

const MiB = 1 << 20;
const read = (name: ImageName) => new Uint8Array(readFileSync(imagePath(name)));

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

test('guest 5: memtest86+ from an MBR-partitioned IDE hard disk through SeaBIOS and SYSLINUX', { skip: imageSkipReason(['memtest-disk', 'seabios-256k', 'vgabios-stdvga']) }, () => {
  // The hard-disk boot chain: SeaBIOS reads the MBR over ATA, mbr.bin loads the active
  // partition's boot record, SYSLINUX reads its FAT16 file system and starts memtest86+.
  const g = new GuestRun({ memoryBytes: 64 * MiB, bios: read('seabios-256k'), vgaBios: read('vgabios-stdvga'), disks: [new MemoryBlockStore(read('memtest-disk'), true)], boot: ['disk'] });
  g.pc.reset();
  const screen = () => g.pc.vga.textScreenString();
  g.runUntil('memtest screen', () => /Memtest86\+/.test(screen()) && /Test #\s*\d/.test(screen()), 4e9);
  assert.match(g.serial, /SYSLINUX 6\.\d+/);
  assert.match(g.serial, /Loading \/memtest\.bin\.\.\. ok/);
  assert.match(screen(), /Memtest86\+ v\d/);
});

test('guest 4: SeaBIOS with no bootable device says so on the VGA text screen', { skip: imageSkipReason(['seabios-256k', 'vgabios-stdvga']) }, () => {
  const g = new GuestRun({ memoryBytes: 32 * MiB, bios: read('seabios-256k'), vgaBios: read('vgabios-stdvga') });
  g.pc.reset();
  const screen = () => g.pc.vga.textScreenString();
  g.runUntil('"No bootable device"', () => screen().includes('No bootable device'), 1e9);
  assert.match(screen(), /SeaBIOS \(version 1\.16/);
  assert.match(screen(), /No bootable device/);
});
