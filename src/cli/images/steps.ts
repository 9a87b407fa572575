// The recipe: one step per image (or group of images), each saying which Debian packages and
// which other images it is made from. recipe.ts runs them, skipping those up to date.
import { gunzipSync } from 'node:zlib';
import { readCpio } from './cpio.js';
import { aptCandidate, packageFiles, type PackageFiles } from './debian.js';
import { INITRAMFS_LAYOUT, buildInitramfs } from './initramfs.js';
import { buildIsolinuxIso, ISO_LAYOUT } from './iso.js';
import { buildSyslinuxDisk, DISK_LAYOUT } from './disk.js';
import type { ImageName } from './paths.js';
import { EM_386, EM_X86_64, bzImageInfo, expectElf, kernelRelease } from './verify.js';

export interface StepOutput {
  data: Uint8Array;
  /** Debian packages (name[:arch] → version) it came from. */
  packages: Record<string, string>;
  info?: string;
}

export interface StepContext {
  /** Contents of an image built by an earlier step. */
  input(name: ImageName): Uint8Array;
  /** Reports what the step is doing right now (shown on the progress line). */
  note(text: string): void;
}

export interface Step {
  id: string;
  /** One line: what the step does. */
  what: string;
  outputs: ImageName[];
  /** Images this step reads (their hashes are part of its up-to-date key). */
  inputs: ImageName[];
  /** Bump to force a rebuild when the step itself changes. */
  revision: number;
  /** Settings baked into the output (e.g. a boot loader's command line); part of the key. */
  config?: string;
  build(ctx: StepContext): Partial<Record<ImageName, StepOutput>>;
}

const DI_KERNEL = /\/images\/12\/i386\/text\/debian-installer\/i386\/linux$/;

function fetch(ctx: StepContext, pkg: string, wanted: RegExp[]): PackageFiles {
  ctx.note(`reading ${pkg}`);
  const got = packageFiles(pkg, wanted);
  ctx.note(`${pkg} ${got.version} (${got.via})`);
  return got;
}

const only = (p: PackageFiles): Uint8Array => [...p.files.values()][0]!;

function kernelOutput(data: Uint8Array, packages: Record<string, string>): StepOutput {
  const { protocol, version } = bzImageInfo(data);
  return { data, packages, info: `bzImage ${protocol}, ${kernelRelease(version)}` };
}

function busyboxStep(arch: 'i386' | 'amd64'): Step {
  const name: ImageName = arch === 'i386' ? 'i386-busybox' : 'amd64-busybox';
  return {
    id: name,
    what: `busybox-static:${arch} → /bin/busybox (checked ELF class and machine)`,
    outputs: [name],
    inputs: [],
    revision: 1,
    build(ctx) {
      const pkg = `busybox-static:${arch}`;
      const got = fetch(ctx, pkg, [/^\/bin\/busybox$/]);
      const data = only(got);
      const info = arch === 'i386' ? expectElf(pkg, data, 32, EM_386) : expectElf(pkg, data, 64, EM_X86_64);
      return { [name]: { data, packages: { [pkg]: got.version }, info } };
    },
  };
}

function initrdStep(arch: 'i386' | 'amd64'): Step {
  const bb: ImageName = arch === 'i386' ? 'i386-busybox' : 'amd64-busybox';
  const name: ImageName = arch === 'i386' ? 'i386-initrd' : 'amd64-initrd';
  return {
    id: name,
    what: `initramfs (cpio newc, gzip): ${arch} busybox, /init, inittab`,
    outputs: [name],
    inputs: [bb],
    revision: INITRAMFS_LAYOUT,
    build(ctx) {
      const data = buildInitramfs(ctx.input(bb));
      // Read back what was written: the kernel must find /init and a runnable busybox.
      const entries = readCpio(gunzipSync(data));
      const byName = new Map(entries.map((e) => [e.name, e]));
      if (!byName.get('init')) throw new Error('initramfs check: /init missing');
      const busybox = byName.get('bin/busybox')?.data;
      if (!(busybox instanceof Uint8Array)) throw new Error('initramfs check: /bin/busybox missing');
      const elf = arch === 'i386' ? expectElf('initramfs /bin/busybox', busybox, 32, EM_386) : expectElf('initramfs /bin/busybox', busybox, 64, EM_X86_64);
      return { [name]: { data, packages: {}, info: `${entries.length} entries, busybox ${elf}` } };
    },
  };
}

const isoCfg = (label: string, kernel: string, initrd: string | undefined, append: string): string =>
  [
    'SERIAL 0 115200',
    `DEFAULT ${label}`,
    'PROMPT 0',
    'TIMEOUT 0',
    `LABEL ${label}`,
    // LINUX, not KERNEL: KERNEL guesses the type from the extension and runs a .bin as a boot sector.
    `  LINUX /boot/${kernel}`,
    ...(initrd ? [`  INITRD /boot/${initrd}`] : []),
    `  APPEND ${append}`,
    '',
  ].join('\n');

const MEMTEST_DISK_CFG = ['SERIAL 0 115200', 'DEFAULT memtest', 'PROMPT 0', 'TIMEOUT 0', 'LABEL memtest', '  LINUX /memtest.bin', '  APPEND console=ttyS0,115200', ''].join('\n');

function isoStep(id: ImageName, what: string, files: Array<[ImageName, string]>, cfg: string, volume: string): Step {
  return {
    id,
    what,
    outputs: [id],
    inputs: files.map(([n]) => n),
    revision: ISO_LAYOUT,
    config: cfg,
    build(ctx) {
      const iso = fetch(ctx, 'isolinux', [/\/ISOLINUX\/isolinux\.bin$/, /\/ISOLINUX\/isohdpfx\.bin$/]);
      const common = fetch(ctx, 'syslinux-common', [/\/modules\/bios\/ldlinux\.c32$/]);
      const [isolinuxBin, mbr] = [...iso.files.values()];
      ctx.note('xorriso -as mkisofs (El Torito, no emulation)');
      const data = buildIsolinuxIso({
        volume,
        isolinuxBin: isolinuxBin!,
        ldlinux: only(common),
        hybridMbr: mbr!,
        cfg,
        files: files.map(([n, file]) => [file, ctx.input(n)]),
      });
      return {
        [id]: { data, packages: { isolinux: iso.version, 'syslinux-common': common.version }, info: `ISO 9660 + El Torito, ${volume}` },
      };
    },
  };
}

/** The recipe, in build order (a step's inputs come from earlier steps). */
export const STEPS: readonly Step[] = [
  {
    id: 'i386-kernel',
    what: 'Debian 686 kernel from debian-installer-12-netboot-i386 (netboot text linux)',
    outputs: ['i386-kernel'],
    inputs: [],
    revision: 1,
    build(ctx) {
      const pkg = 'debian-installer-12-netboot-i386';
      const got = fetch(ctx, pkg, [DI_KERNEL]);
      return { 'i386-kernel': kernelOutput(only(got), { [pkg]: got.version }) };
    },
  },
  busyboxStep('i386'),
  initrdStep('i386'),
  {
    id: 'amd64-kernel',
    what: 'Debian amd64 kernel from linux-image-amd64 (apt-get download + dpkg-deb -x, not installed)',
    outputs: ['amd64-kernel'],
    inputs: [],
    revision: 1,
    build(ctx) {
      // linux-image-amd64 is a metapackage: follow its Depends to the real kernel package.
      ctx.note('resolving linux-image-amd64');
      const meta = aptCandidate('linux-image-amd64');
      const real = /^(linux-image-[0-9][^ ,]*)/.exec(meta.depends)?.[1];
      if (!real) throw new Error(`linux-image-amd64 ${meta.version}: no kernel package in Depends '${meta.depends}'`);
      const got = fetch(ctx, real, [/^\/boot\/vmlinuz-/]);
      return { 'amd64-kernel': kernelOutput(only(got), { 'linux-image-amd64': meta.version, [real]: got.version }) };
    },
  },
  busyboxStep('amd64'),
  initrdStep('amd64'),
  {
    id: 'seabios',
    what: 'SeaBIOS bios.bin, bios-256k.bin and vgabios-stdvga.bin from seabios',
    outputs: ['seabios', 'seabios-256k', 'vgabios-stdvga'],
    inputs: [],
    revision: 1,
    build(ctx) {
      const got = fetch(ctx, 'seabios', [/\/bios\.bin$/, /\/bios-256k\.bin$/, /\/vgabios-stdvga\.bin$/]);
      const [bios, bios256, vga] = [...got.files.values()];
      const packages = { seabios: got.version };
      // A BIOS image ends with the reset vector at 0xFFFF0 (last 16 bytes); a VGA option ROM
      // starts with 55 AA and its length in 512-byte blocks (PCI Firmware Spec 3.0, 5.1).
      for (const [n, b, size] of [['bios.bin', bios!, 128 << 10], ['bios-256k.bin', bios256!, 256 << 10]] as const) {
        if (b.length !== size) throw new Error(`seabios ${n}: ${b.length} bytes, expected ${size}`);
      }
      if (vga![0] !== 0x55 || vga![1] !== 0xaa) throw new Error('vgabios-stdvga.bin: no 55 AA option ROM signature');
      return {
        seabios: { data: bios!, packages, info: '128 KiB' },
        'seabios-256k': { data: bios256!, packages, info: '256 KiB' },
        'vgabios-stdvga': { data: vga!, packages, info: `option ROM, ${vga![2]! * 512} bytes declared` },
      };
    },
  },
  {
    id: 'memtest',
    what: 'memtest86+ 32-bit BIOS build (memtest86+ia32.bin, Linux boot protocol image)',
    outputs: ['memtest'],
    inputs: [],
    revision: 1,
    build(ctx) {
      const got = fetch(ctx, 'memtest86+', [/\/memtest86\+ia32\.bin$/]);
      const data = only(got);
      const { protocol, version } = bzImageInfo(data);
      return { memtest: { data, packages: { 'memtest86+': got.version }, info: `boot protocol ${protocol}${version ? ', ' + version : ''}` } };
    },
  },
  isoStep(
    'i386-iso',
    'ISOLINUX CD (ISO 9660, El Torito no-emulation) booting the i386 kernel + initramfs',
    [['i386-kernel', 'vmlinuz'], ['i386-initrd', 'initrd.gz']],
    isoCfg('linux', 'vmlinuz', 'initrd.gz', 'console=tty0 console=ttyS0 cryptomgr.notests'),
    'RINGMASTER_I386',
  ),
  isoStep(
    'memtest-iso',
    'ISOLINUX CD booting memtest86+ (ia32) as a Linux-protocol kernel',
    [['memtest', 'memtest.bin']],
    isoCfg('memtest', 'memtest.bin', undefined, 'console=ttyS0,115200'),
    'RINGMASTER_MEMTEST',
  ),
  {
    id: 'memtest-disk',
    what: 'hard disk (MBR, FAT16 partition, SYSLINUX) booting memtest86+ (ia32)',
    outputs: ['memtest-disk'],
    inputs: ['memtest'],
    revision: DISK_LAYOUT,
    config: MEMTEST_DISK_CFG,
    build(ctx) {
      const sys = fetch(ctx, 'syslinux-common', [/\/mbr\/mbr\.bin$/]);
      ctx.note('mformat + syslinux --install + mcopy');
      const data = buildSyslinuxDisk({ sizeMiB: 16, label: 'MEMTEST', mbrCode: only(sys), cfg: MEMTEST_DISK_CFG, files: [['memtest.bin', ctx.input('memtest')]] });
      return { 'memtest-disk': { data, packages: { 'syslinux-common': sys.version }, info: '16 MiB, MBR + FAT16 + SYSLINUX' } };
    },
  },
];
