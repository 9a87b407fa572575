// `ringmaster web`: builds the browser page (esbuild, well under a second) and serves it on
// localhost with the guest images of the cache, so the default guest is one click away.
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { buildWeb, defaultSiteDir, WebBuildError } from '../../web/build.js';
import { availablePresets, startWebServer } from '../../web/server.js';
import { imagesDir } from '../images/paths.js';
import { defaultSocketPath } from '../../hypervisor/client.js';

interface WebFlags {
  port: string;
  host: string;
  images?: string;
  build: boolean;
  socket?: string;
  token?: string;
}

export function register(program: Command): void {
  program
    .command('web')
    .description('serve the browser front end (the machine runs in the page, in a Web Worker)')
    .option('--port <n>', 'TCP port (0 = any free port)', '8086')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--images <dir>', 'guest image cache (default: $RINGMASTER_IMAGES or ~/.cache/ringmaster/images)')
    .option('--socket <path>', "a daemon's API socket: the page lists its VMs and attaches to their consoles (default: the daemon's usual socket)")
    .option('--token <secret>', 'let pages opened with ?token=SECRET type into daemon consoles (read-only without)')
    .option('--no-build', 'serve dist/web/site as it is, without rebuilding')
    .action(async (flags: WebFlags) => {
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: ${flags.port} is not a port number (0-65535)`);
      const siteDir = defaultSiteDir();
      if (flags.build) {
        try {
          await buildWeb({ outDir: siteDir });
        } catch (e) {
          if (e instanceof WebBuildError) throw new UsageError(e.message);
          throw e;
        }
      }
      let running;
      try {
        running = await startWebServer({
          siteDir,
          port,
          host: flags.host,
          imagesDir: flags.images,
          daemonSocket: flags.socket ?? defaultSocketPath(),
          token: flags.token,
        });
      } catch (e) {
        throw new UsageError(`cannot listen on ${flags.host}:${port}: ${(e as Error).message}`);
      }
      const guests = availablePresets(flags.images).map((p) => p.id);
      process.stdout.write(`ringmaster web: serving ${running.url}${flags.token ? `?token=${encodeURIComponent(flags.token)}` : ''}\n`);
      process.stdout.write(
        guests.length
          ? `  guests ready: ${guests.join(', ')} (images from ${imagesDir(flags.images)})\n`
          : `  no guest images in ${imagesDir(flags.images)} — run \`ringmaster images\`; files and URLs still work\n`,
      );
      process.stdout.write('  Ctrl-C stops the server\n');
      await new Promise<void>((done) => {
        const stop = () => void running.close().then(done);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
