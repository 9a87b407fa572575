// Runs the image recipe (steps.ts) into the cache: skips steps whose outputs are up to date,
// writes each output atomically, records size, sha256 and package versions in manifest.json.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { installedVersions } from './debian.js';
import { IMAGE_FILES, IMAGE_NAMES, type ImageName, type Manifest, type ManifestImage, MANIFEST_FILE, imagesDir, readManifest } from './paths.js';
import { STEPS, type Step } from './steps.js';
import { formatSize, sha256 } from './verify.js';

export interface RecipeOptions {
  dir?: string;
  /** Build only these images (and what they are made from). */
  only?: ImageName[];
  force?: boolean;
  /** Print nothing when everything is up to date. */
  quiet?: boolean;
  log?: (line: string) => void;
}

export interface RecipeResult {
  dir: string;
  built: ImageName[];
  upToDate: ImageName[];
}

function stepKey(step: Step, manifest: Manifest): string {
  const inputs = step.inputs.map((n) => `${n}=${manifest.images[n]?.sha256 ?? 'missing'}`);
  return sha256(new TextEncoder().encode(JSON.stringify([step.id, step.revision, inputs, ...(step.config ? [step.config] : [])]))).slice(0, 16);
}

/** Why a step must run, or undefined when all its outputs are up to date. */
function staleReason(step: Step, manifest: Manifest, dir: string, installed: Map<string, string>): string | undefined {
  const key = stepKey(step, manifest);
  for (const name of step.outputs) {
    const entry = manifest.images[name];
    if (!entry) return 'not built yet';
    const p = join(dir, entry.file);
    if (!existsSync(p)) return `${entry.file} missing`;
    const st = statSync(p);
    if (st.size !== entry.size || st.mtimeMs !== entry.mtimeMs) return `${entry.file} changed on disk`;
    if (entry.key !== key) return 'inputs changed';
    // A package installed on the host at another version than the one used: rebuild from it.
    for (const [pkg, version] of Object.entries(entry.packages)) {
      const now = installed.get(pkg);
      if (now && now !== version) return `${pkg} is now ${now} (was ${version})`;
    }
  }
  return undefined;
}

/** Steps needed for `only` (with the steps that make their inputs), in recipe order. */
function selectSteps(only: ImageName[] | undefined): Step[] {
  if (!only || only.length === 0) return [...STEPS];
  const want = new Set<string>();
  const producer = (n: ImageName): Step => STEPS.find((s) => s.outputs.includes(n))!;
  const add = (s: Step): void => {
    if (want.has(s.id)) return;
    want.add(s.id);
    s.inputs.forEach((n) => add(producer(n)));
  };
  only.forEach((n) => add(producer(n)));
  return STEPS.filter((s) => want.has(s.id));
}

function writeAtomic(path: string, data: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** Holds DIR/.lock while building so two `ringmaster images` runs do not interleave. */
async function withLock<T>(dir: string, log: (l: string) => void, fn: () => T): Promise<T> {
  const lock = join(dir, '.lock');
  mkdirSync(dir, { recursive: true });
  let warned = false;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(lock, 'utf8')) || 0;
      let alive = false;
      try {
        if (pid > 0) process.kill(pid, 0);
        alive = pid > 0;
      } catch {
        alive = false;
      }
      if (!alive) {
        unlinkSync(lock);
        continue;
      }
      if (!warned) log(`images: waiting for another \`ringmaster images\` (pid ${pid}) to finish`);
      warned = true;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return fn();
  } finally {
    try {
      unlinkSync(lock);
    } catch {
      /* already gone */
    }
  }
}

export async function buildImages(opts: RecipeOptions = {}): Promise<RecipeResult> {
  const dir = imagesDir(opts.dir);
  const log = opts.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const steps = selectSteps(opts.only);
  const packagesOf = (m: Manifest): string[] => [
    ...new Set(steps.flatMap((s) => s.outputs.flatMap((n) => Object.keys(m.images[n]?.packages ?? {})))),
  ];
  const pending = (m: Manifest): Array<[Step, string]> => {
    const installed = installedVersions(packagesOf(m));
    return steps.flatMap((s): Array<[Step, string]> => {
      if (opts.force) return [[s, 'forced']];
      const why = staleReason(s, m, dir, installed);
      return why ? [[s, why]] : [];
    });
  };
  const first = readManifest(dir) ?? { version: 1, images: {} };
  const allOutputs = steps.flatMap((s) => s.outputs);
  if (pending(first).length === 0) {
    if (!opts.quiet) log(`images: all ${allOutputs.length} up to date in ${dir}`);
    return { dir, built: [], upToDate: allOutputs };
  }

  return withLock(dir, log, () => {
    // Re-read under the lock: another run may have built them meanwhile.
    const manifest: Manifest = readManifest(dir) ?? { version: 1, images: {} };
    const built: ImageName[] = [];
    log(`images: ${pending(manifest).length} of ${steps.length} steps to run, into ${dir}`);
    const installed = installedVersions(packagesOf(manifest));
    steps.forEach((step, i) => {
      // Decided now, not up front: an earlier step may just have changed this step's inputs.
      const why = opts.force ? 'forced' : staleReason(step, manifest, dir, installed);
      if (!why) return;
      const t0 = Date.now();
      const tag = `[${i + 1}/${steps.length}] ${step.id}`;
      log(`${tag}: ${step.what} (${why})`);
      const outputs = step.build({
        input(name) {
          const entry = manifest.images[name];
          if (!entry) throw new Error(`${step.id}: input image ${name} has not been built`);
          return readFileSync(join(dir, entry.file));
        },
        note(text) {
          log(`    … ${text}`);
        },
      });
      for (const name of step.outputs) {
        const out = outputs[name];
        if (!out) throw new Error(`${step.id}: produced no ${name}`);
        const file = IMAGE_FILES[name];
        const path = join(dir, file);
        writeAtomic(path, out.data);
        const hash = sha256(out.data);
        const entry: ManifestImage = {
          file,
          size: out.data.length,
          sha256: hash,
          mtimeMs: statSync(path).mtimeMs,
          packages: out.packages,
          ...(out.info ? { info: out.info } : {}),
          key: '',
        };
        manifest.images[name] = entry;
        built.push(name);
        log(`    → ${file} ${formatSize(entry.size)} sha256 ${hash.slice(0, 16)}…${out.info ? ' ' + out.info : ''}`);
      }
      // The key depends on the inputs' hashes, known only now that they are in the manifest.
      const key = stepKey(step, manifest);
      for (const name of step.outputs) manifest.images[name]!.key = key;
      writeAtomic(join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
      log(`    done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    });
    const upToDate = allOutputs.filter((n) => !built.includes(n));
    log(`images: built ${built.length}, ${upToDate.length} already up to date; manifest ${join(dir, MANIFEST_FILE)}`);
    return { dir, built, upToDate };
  });
}

export interface ListedImage {
  name: ImageName;
  path: string;
  size?: number;
  sha256?: string;
  info?: string;
  /** 'ok', 'missing', or what differs from the manifest. */
  status: string;
}

/** What is in the cache; with `verify`, rehashes each file against the manifest. */
export function listImages(dir?: string, verify = false): ListedImage[] {
  const d = imagesDir(dir);
  const manifest = readManifest(d);
  return IMAGE_NAMES.map((name): ListedImage => {
    const path = join(d, IMAGE_FILES[name]);
    const entry = manifest?.images[name];
    if (!existsSync(path)) return { name, path, status: 'missing' };
    const size = statSync(path).size;
    const base = { name, path, size, sha256: entry?.sha256, info: entry?.info };
    if (!entry) return { ...base, status: 'not in manifest' };
    if (size !== entry.size) return { ...base, status: `size ${size} != manifest ${entry.size}` };
    if (verify && sha256(readFileSync(path)) !== entry.sha256) return { ...base, status: 'sha256 differs from manifest' };
    return { ...base, status: 'ok' };
  });
}
