// Builds the browser page with esbuild: the page script (main.js) and the machine worker
// (worker.js, the whole core bundled for the browser), plus the HTML and CSS, into one
// directory that any static server can serve. Takes well under a second.
import { build, type BuildResult, type Metafile } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export class WebBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebBuildError';
  }
}

/** The repository root: the nearest directory above this file holding src/web/page/main.ts. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'src/web/page/main.ts'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/** Where `ringmaster web` serves from (and where `buildWeb` writes by default). */
export function defaultSiteDir(root = repoRoot()): string {
  return join(root, 'dist/web/site');
}

export interface WebBuildOptions {
  outDir?: string;
  root?: string;
  minify?: boolean;
}

export interface WebBuildReport {
  outDir: string;
  /** Bytes of each output file. */
  sizes: Record<string, number>;
  /** Every source file bundled into the worker (for the Node-import check). */
  workerInputs: string[];
}

export async function buildWeb(options: WebBuildOptions = {}): Promise<WebBuildReport> {
  const root = options.root ?? repoRoot();
  const outDir = resolve(options.outDir ?? defaultSiteDir(root));
  const web = join(root, 'src/web');
  mkdirSync(outDir, { recursive: true });
  const common = {
    bundle: true,
    platform: 'browser' as const,
    format: 'iife' as const,
    target: 'es2022',
    minify: options.minify ?? true,
    sourcemap: 'linked' as const,
    metafile: true as const,
    logLevel: 'silent' as const,
    absWorkingDir: root,
  };
  let page: BuildResult<{ metafile: true }>;
  let worker: BuildResult<{ metafile: true }>;
  try {
    [page, worker] = await Promise.all([
      build({ ...common, entryPoints: [join(web, 'page/main.ts')], outfile: join(outDir, 'main.js') }),
      build({ ...common, entryPoints: [join(web, 'worker/machine-worker.ts')], outfile: join(outDir, 'worker.js') }),
    ]);
  } catch (e) {
    const errors = (e as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors;
    const text = errors?.map((x) => (x.location ? `${x.location.file}:${x.location.line}: ${x.text}` : x.text)).join('\n');
    throw new WebBuildError(`the web page does not build:\n${text ?? (e as Error).message}`);
  }
  copyFileSync(join(web, 'page/index.html'), join(outDir, 'index.html'));
  copyFileSync(join(web, 'page/style.css'), join(outDir, 'style.css'));
  const require = createRequire(join(root, 'package.json'));
  copyFileSync(require.resolve('@xterm/xterm/css/xterm.css'), join(outDir, 'xterm.css'));
  const sizes: Record<string, number> = {};
  for (const m of [page.metafile, worker.metafile] as Metafile[]) {
    for (const [file, out] of Object.entries(m.outputs)) sizes[file] = out.bytes;
  }
  return { outDir, sizes, workerInputs: Object.keys(worker.metafile.inputs) };
}
