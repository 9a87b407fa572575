// The guest images, checked on their own and booted under QEMU TCG (the reference machine):
// proof that the images are good before Ringmaster's CPU boots them.
// Needs the images (`make test` builds them first; elsewhere the QEMU tests skip with a message).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { S_IFCHR, readCpio } from './cpio.js';
import { GUEST_PROMPT, IMAGE_NAMES, INIT_MARKER, type ImageName, type ManifestImage, imagePath, imageSkipReason, readManifest } from './paths.js';
import { QemuSerial } from './qemu.js';
import { EM_386, EM_X86_64, bzImageInfo, elfId, sha256 } from './verify.js';
import { checkElTorito } from './iso.js';

const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
const skip = (names: ImageName[]): string | undefined => imageSkipReason(names);
const BOOT_TIMEOUT = 90_000;
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('image cache contents', () => {
  it('manifest.json records every image with the size and sha256 of the file on disk', { skip: skip(IMAGE_NAMES) }, () => {
    const manifest = readManifest();
    assert.ok(manifest, 'manifest.json is readable');
    for (const name of IMAGE_NAMES) {
      const entry: ManifestImage | undefined = manifest.images[name];
      assert.ok(entry, `${name} is in the manifest`);
      const data = readFileSync(imagePath(name));
      assert.equal(data.length, entry.size, `${name} size`);
      assert.equal(sha256(data), entry.sha256, `${name} sha256`);
    }
    assert.match(manifest.images['i386-kernel']!.packages['debian-installer-12-netboot-i386'] ?? '', /^\d{8}/);
    assert.ok(manifest.images['seabios']!.packages['seabios'], 'seabios version recorded');
  });

  it('kernels are bzImages (boot protocol "HdrS" >= 2.02, Documentation/arch/x86/boot.rst) of the right flavour', { skip: skip(['i386-kernel', 'amd64-kernel']) }, () => {
    const i386 = bzImageInfo(readFileSync(imagePath('i386-kernel')));
    const amd64 = bzImageInfo(readFileSync(imagePath('amd64-kernel')));
    assert.match(i386.version, /^\d+\.\d+\.\d+-\d+-686 /);
    assert.match(amd64.version, /^\d+\.\d+\.\d+-\d+-amd64 /);
    for (const k of [i386, amd64]) assert.ok(Number(k.protocol) >= 2.02, `protocol ${k.protocol}`);
  });

  for (const [arch, bits, machine] of [['i386', 32, EM_386], ['amd64', 64, EM_X86_64]] as const) {
    it(`${arch} initramfs: newc cpio with /init, /dev/console (char 5:1) and an ELF${bits} busybox for the guest's CPU`, { skip: skip([`${arch}-initrd`]) }, () => {
      const entries = readCpio(gunzipSync(readFileSync(imagePath(`${arch}-initrd`))));
      const get = (n: string) => entries.find((e) => e.name === n);
      const init = get('init');
      assert.ok(init && (init.mode & 0o111) !== 0, '/init is executable');
      assert.match(new TextDecoder().decode(init.data as Uint8Array), /mount -t devtmpfs/);
      const console = get('dev/console');
      assert.equal((console!.mode & 0o170000), S_IFCHR);
      assert.deepEqual([console!.rdevMajor, console!.rdevMinor], [5, 1]);
      assert.deepEqual(elfId(get('bin/busybox')!.data as Uint8Array), { bits, machine });
    });
  }

  it('CD images carry an ISO 9660 volume and an El Torito boot record (ECMA-119 8.1, El Torito 2.0)', { skip: skip(['i386-iso', 'memtest-iso']) }, () => {
    checkElTorito(readFileSync(imagePath('i386-iso')));
    checkElTorito(readFileSync(imagePath('memtest-iso')));
  });

  it('SeaBIOS images: 128/256 KiB BIOS and a VGA option ROM with the 55 AA signature', { skip: skip(['seabios', 'seabios-256k', 'vgabios-stdvga']) }, () => {
    assert.equal(readFileSync(imagePath('seabios')).length, 128 * 1024);
    assert.equal(readFileSync(imagePath('seabios-256k')).length, 256 * 1024);
    const vga = readFileSync(imagePath('vgabios-stdvga'));
    assert.deepEqual([vga[0], vga[1]], [0x55, 0xaa]);
  });
});

describe('ringmaster images (recipe runner)', () => {
  it('builds into --dir, records packages, then does nothing when up to date and rebuilds a file changed on disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringmaster-images-test-'));
    try {
      const run = (...args: string[]): string => execFileSync(process.execPath, [MAIN, 'images', '--dir', dir, ...args], { encoding: 'utf8' });
      const first = run('seabios', 'memtest');
      assert.match(first, /\[\d+\/2\] seabios: /);
      assert.match(first, /→ memtest\/memtest86\+ia32\.bin/);
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
      assert.ok(manifest.images.memtest.packages['memtest86+']);
      assert.equal(run('seabios', 'memtest', '--quiet'), '', 'up to date: quiet prints nothing');
      writeFileSync(join(dir, 'memtest/memtest86+ia32.bin'), 'tampered');
      const again = run('seabios', 'memtest');
      assert.match(again, /memtest: .*changed on disk/);
      assert.doesNotMatch(again, /\] seabios: /, 'seabios was up to date');
      const list = run('--list');
      assert.match(list, /memtest\s+135 KiB/);
      assert.match(list, /i386-kernel\s+-\s+\S+\s+MISSING/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects an unknown image name with exit status 2', () => {
    assert.throws(() => execFileSync(process.execPath, [MAIN, 'images', 'no-such-image'], { stdio: 'pipe' }), (e: { status: number; stderr: Buffer }) => {
      assert.equal(e.status, 2);
      assert.match(e.stderr.toString(), /unknown image no-such-image/);
      return true;
    });
  });
});

/** Boots to the busybox shell, runs `uname -a`, powers off; returns the uname line. */
async function shellSession(q: QemuSerial, t: { diagnostic(s: string): void }, label: string): Promise<string> {
  try {
    const marker = await q.waitFor(new RegExp(esc(INIT_MARKER)), BOOT_TIMEOUT);
    t.diagnostic(`${label}: QEMU TCG reached the init marker in ${q.elapsed().toFixed(1)} s`);
    const prompt = await q.waitFor(new RegExp(esc(GUEST_PROMPT)), 30_000, marker.end);
    q.send('uname -a\n');
    const uname = await q.waitFor(/Linux ringmaster \S+ .*GNU\/Linux/, 30_000, prompt.end);
    q.send('poweroff\n');
    // busybox init: SIGUSR2 → stop processes → reboot(POWER_OFF) → ACPI S5 → QEMU exits 0.
    assert.equal(await q.waitExit(30_000), 0);
    t.diagnostic(`${label}: shell, uname and poweroff done in ${q.elapsed().toFixed(1)} s`);
    return uname.match[0];
  } finally {
    q.kill();
  }
}

describe('images boot under QEMU TCG (reference machine)', () => {
  it('i386 kernel + initramfs (direct Linux boot): marker, shell, uname -a, poweroff exits 0', { skip: skip(['i386-kernel', 'i386-initrd']), timeout: BOOT_TIMEOUT + 60_000 }, async (t) => {
    const q = new QemuSerial('qemu-system-i386', ['-m', '128', '-kernel', imagePath('i386-kernel'), '-initrd', imagePath('i386-initrd'), '-append', 'console=ttyS0']);
    assert.match(await shellSession(q, t, 'i386 direct'), /-686 .* i686 GNU\/Linux$/);
  });

  it('ISOLINUX CD booted by SeaBIOS: same kernel to the shell', { skip: skip(['i386-iso']), timeout: BOOT_TIMEOUT + 60_000 }, async (t) => {
    const q = new QemuSerial('qemu-system-i386', ['-m', '128', '-cdrom', imagePath('i386-iso'), '-boot', 'd']);
    assert.match(await shellSession(q, t, 'i386 ISOLINUX CD'), /i686 GNU\/Linux$/);
    assert.match(q.output, /ISOLINUX \d/, 'isolinux banner on the serial port (SERIAL 0 in isolinux.cfg)');
  });

  it('amd64 kernel + amd64 initramfs: marker, shell, uname -a reports x86_64', { skip: skip(['amd64-kernel', 'amd64-initrd']), timeout: BOOT_TIMEOUT + 60_000 }, async (t) => {
    const q = new QemuSerial('qemu-system-x86_64', ['-m', '256', '-kernel', imagePath('amd64-kernel'), '-initrd', imagePath('amd64-initrd'), '-append', 'console=ttyS0']);
    assert.match(await shellSession(q, t, 'amd64 direct'), /-amd64 .* x86_64 GNU\/Linux$/);
  });

  // memtest86+ v6 draws its screen on the serial port with console=ttyS0 (its README, "Boot
  // options"). Running = the banner, then two different test numbers in its status area; with
  // -no-reboot a triple fault or reset would end QEMU, so QEMU must still be running.
  for (const [label, args] of [
    ['memtest86+ (Linux boot protocol, -kernel)', ['-kernel', imagePath('memtest'), '-append', 'console=ttyS0,115200']],
    ['memtest86+ ISOLINUX CD', ['-cdrom', imagePath('memtest-iso'), '-boot', 'd']],
    // -snapshot: QEMU writes nothing back to the cached image.
    ['memtest86+ SYSLINUX hard disk', ['-snapshot', '-drive', `file=${imagePath('memtest-disk')},format=raw,if=ide`, '-boot', 'c']],
  ] as const) {
    it(`${label}: starts testing memory and keeps running`, { skip: skip(['memtest', 'memtest-iso', 'memtest-disk']), timeout: BOOT_TIMEOUT + 10_000 }, async (t) => {
      const q = new QemuSerial('qemu-system-i386', ['-m', '64', ...args]);
      try {
        await q.waitFor(/Memtest86\+ v6\.\d+/, BOOT_TIMEOUT);
        await q.waitFor(/Status: Testing/, BOOT_TIMEOUT);
        const first = await q.waitFor(/#(\d+) +\[/, BOOT_TIMEOUT);
        const n = first.match[1];
        await q.waitFor(new RegExp(`#(?!${n} )\\d+ +\\[`), BOOT_TIMEOUT, first.end);
        assert.equal(q.exited, false, 'memtest did not reset or shut down the machine');
        t.diagnostic(`${label}: testing memory, second test reached in ${q.elapsed().toFixed(1)} s`);
      } finally {
        q.kill();
      }
    });
  }
});
