// Where the guest images live, for the CLI, the benchmarks and the tests.
// The cache is outside the git tree: ${RINGMASTER_IMAGES} or ${XDG_CACHE_HOME:-~/.cache}/ringmaster/images.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Every image the recipe builds, with its file name inside the cache directory. */
export const IMAGE_FILES = {
  /** Debian 686 kernel (bzImage) from debian-installer-12-netboot-i386. */
  'i386-kernel': 'i386/vmlinuz',
  /** busybox initramfs (newc, gzip) with an i386 busybox-static. */
  'i386-initrd': 'i386/initrd.gz',
  /** The i386 busybox-static binary packed into i386-initrd. */
  'i386-busybox': 'i386/busybox',
  /** Debian amd64 kernel (bzImage) from linux-image-amd64. */
  'amd64-kernel': 'amd64/vmlinuz',
  /** busybox initramfs with an amd64 busybox-static. */
  'amd64-initrd': 'amd64/initrd.gz',
  'amd64-busybox': 'amd64/busybox',
  /** SeaBIOS 128 KiB and 256 KiB builds and the Bochs-VBE VGA BIOS, from seabios. */
  'seabios': 'seabios/bios.bin',
  'seabios-256k': 'seabios/bios-256k.bin',
  'vgabios-stdvga': 'seabios/vgabios-stdvga.bin',
  /** memtest86+ 32-bit BIOS build (Linux boot protocol image, also floppy-bootable). */
  'memtest': 'memtest/memtest86+ia32.bin',
  /** ISOLINUX CD (ISO 9660, El Torito no-emulation) booting i386-kernel + i386-initrd. */
  'i386-iso': 'iso/ringmaster-i386.iso',
  /** ISOLINUX CD booting memtest. */
  'memtest-iso': 'iso/memtest86+ia32.iso',
  /** MBR-partitioned hard disk, SYSLINUX on a FAT16 partition, booting memtest. */
  'memtest-disk': 'disk/memtest86+ia32-syslinux.img',
} as const;

export type ImageName = keyof typeof IMAGE_FILES;
export const IMAGE_NAMES = Object.keys(IMAGE_FILES) as ImageName[];

/** The default guest of `ringmaster run`. */
/**
 * The default guest of `ringmaster run`. `cryptomgr.notests` skips the kernel's boot-time crypto
 * self-tests (about 3 G guest instructions, 5 s even under QEMU TCG): an ordinary kernel knob,
 * the kernel itself is unmodified. The CD image uses the same command line.
 */
export const DEFAULT_GUEST = { kernel: 'i386-kernel', initrd: 'i386-initrd', append: 'console=ttyS0 cryptomgr.notests' } as const;

/** Text the default guest's /init prints on the console just before the shell starts. */
export const INIT_MARKER = 'ringmaster: init ready';
/** The shell prompt of the busybox guests (set in /etc/profile of the initramfs). */
export const GUEST_PROMPT = 'ringmaster:~# ';

export interface ManifestImage {
  file: string;
  size: number;
  sha256: string;
  /** mtime of the file when hashed: a quick up-to-date check without rehashing. */
  mtimeMs: number;
  /** Debian packages (name:arch → version) the image was made from. */
  packages: Record<string, string>;
  /** Free-form facts found while verifying (kernel version string, ELF class...). */
  info?: string;
  /** Hash of everything the step depends on; a different key means rebuild. */
  key: string;
}

export interface Manifest {
  version: 1;
  images: Partial<Record<ImageName, ManifestImage>>;
}

export const MANIFEST_FILE = 'manifest.json';

/** The image cache directory: explicit dir, else $RINGMASTER_IMAGES, else the XDG cache. */
export function imagesDir(dir?: string): string {
  if (dir) return resolve(dir);
  const env = process.env.RINGMASTER_IMAGES;
  if (env) return resolve(env);
  const xdg = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(xdg, 'ringmaster', 'images');
}

/** Absolute path of an image (whether or not it has been built). */
export function imagePath(name: ImageName, dir?: string): string {
  return join(imagesDir(dir), IMAGE_FILES[name]);
}

export function readManifest(dir?: string): Manifest | undefined {
  const p = join(imagesDir(dir), MANIFEST_FILE);
  if (!existsSync(p)) return undefined;
  try {
    const m = JSON.parse(readFileSync(p, 'utf8')) as Manifest;
    return m && m.version === 1 && typeof m.images === 'object' ? m : undefined;
  } catch {
    return undefined;
  }
}

/** Thrown when an image a command or test needs has not been built. */
export class ImagesMissingError extends Error {
  constructor(readonly missing: ImageName[], dir: string) {
    super(
      `guest image${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not found in ${dir}` +
        ' — run `make images` (or `node bin/ringmaster.js images`) to build the guest images',
    );
    this.name = 'ImagesMissingError';
  }
}

export function missingImages(names: readonly ImageName[], dir?: string): ImageName[] {
  return names.filter((n) => !existsSync(imagePath(n, dir)));
}

/** Path of an image that must exist; throws ImagesMissingError (one clear line) if not. */
export function requireImage(name: ImageName, dir?: string): string {
  const missing = missingImages([name], dir);
  if (missing.length) throw new ImagesMissingError(missing, imagesDir(dir));
  return imagePath(name, dir);
}

/**
 * For tests: undefined when the images exist; otherwise a skip message for node:test's
 * `{ skip }` — except under `make test`/CI (RINGMASTER_REQUIRE_IMAGES=1 or CI=true), where a
 * missing image is an error, so the suite never skips silently there.
 */
export function imageSkipReason(names: readonly ImageName[], dir?: string): string | undefined {
  const missing = missingImages(names, dir);
  if (missing.length === 0) return undefined;
  const err = new ImagesMissingError(missing, imagesDir(dir));
  const env = process.env;
  if (env.RINGMASTER_REQUIRE_IMAGES === '1' || env.CI === 'true' || env.CI === '1') throw err;
  return err.message;
}
