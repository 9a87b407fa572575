// `ringmaster images`: build the guest images from Debian packages into the cache, or list them.
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { PackageUnavailableError } from '../images/debian.js';
import { IMAGE_NAMES, type ImageName, imagePath } from '../images/paths.js';
import { buildImages, listImages } from '../images/recipe.js';
import { formatSize } from '../images/verify.js';

interface ImagesFlags {
  dir?: string;
  list?: boolean;
  verify?: boolean;
  force?: boolean;
  quiet?: boolean;
  path?: string;
}

export function register(program: Command): void {
  program
    .command('images')
    .description('build the guest images (kernels, initramfs, SeaBIOS, memtest86+, CDs) from Debian packages into the image cache')
    .argument('[names...]', `only these images (and what they are made from): ${IMAGE_NAMES.join(', ')}`)
    .option('--dir <path>', 'image cache directory (default: $RINGMASTER_IMAGES or ~/.cache/ringmaster/images)')
    .option('--list', 'print what is in the cache (name, path, size) and exit')
    .option('--verify', 'rehash every image against manifest.json; exit 1 on any difference')
    .option('--force', 'rebuild even what is up to date')
    .option('-q, --quiet', 'print nothing when everything is up to date')
    .option('--path <name>', 'print the path of one image (built or not) and exit')
    .action(async (names: string[], flags: ImagesFlags) => {
      const unknown = names.filter((n) => !(IMAGE_NAMES as string[]).includes(n));
      if (unknown.length) throw new UsageError(`unknown image ${unknown.join(', ')} (known: ${IMAGE_NAMES.join(', ')})`);
      if (flags.path !== undefined) {
        if (!(IMAGE_NAMES as string[]).includes(flags.path)) throw new UsageError(`unknown image ${flags.path} (known: ${IMAGE_NAMES.join(', ')})`);
        process.stdout.write(imagePath(flags.path as ImageName, flags.dir) + '\n');
        return;
      }
      if (flags.list || flags.verify) {
        const rows = listImages(flags.dir, flags.verify);
        const w = Math.max(...rows.map((r) => r.name.length));
        for (const r of rows) {
          const size = r.size === undefined ? '-' : formatSize(r.size);
          const status = r.status === 'ok' ? (r.info ?? '') : r.status.toUpperCase();
          process.stdout.write(`${r.name.padEnd(w)}  ${size.padStart(9)}  ${r.path}  ${status}\n`);
        }
        if (flags.verify && rows.some((r) => r.status !== 'ok')) process.exitCode = 1;
        return;
      }
      try {
        await buildImages({ dir: flags.dir, only: names as ImageName[], force: flags.force, quiet: flags.quiet });
      } catch (e) {
        // A package apt cannot deliver, a failed check or tool: one line naming it, exit 1.
        if (!(e instanceof Error) || process.env.RINGMASTER_DEBUG) throw e;
        const what = e instanceof PackageUnavailableError ? '' : 'failed: ';
        process.stderr.write(`ringmaster images: ${what}${e.message}\n`);
        process.exitCode = 1;
      }
    });
}
