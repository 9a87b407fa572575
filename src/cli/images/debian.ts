// Getting files out of Debian packages without installing them: an installed package is read
// from the host's file system (dpkg -L), any other one is fetched with `apt-get download` and
// unpacked with `dpkg-deb -x` into a temporary directory (never installed on the host).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

/** A package apt cannot deliver: the message names it and what to do. */
export class PackageUnavailableError extends Error {
  constructor(readonly pkg: string, detail: string) {
    const [, arch] = pkg.split(':');
    const hint =
      arch && arch !== 'amd64' && arch !== 'all'
        ? `enable the architecture with \`dpkg --add-architecture ${arch} && apt-get update\`${arch === 'i386' ? ' (scripts/setup.sh does this)' : ''}`
        : `install it with \`apt-get install ${pkg}\` or run \`apt-get update\``;
    super(`Debian package '${pkg}' is not available: ${detail.trim().split('\n').pop() ?? ''} — ${hint}`);
    this.name = 'PackageUnavailableError';
  }
}

function run(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}

function errText(e: unknown): string {
  const x = e as { stderr?: string; message?: string };
  return (x.stderr || x.message || String(e)).toString();
}

/** Installed version of a package ("name" or "name:arch"), or undefined. */
export function installedVersion(pkg: string): string | undefined {
  try {
    const out = run('dpkg-query', ['-W', '-f=${db:Status-Status} ${Version}', pkg]).trim();
    const [status, version] = out.split(' ');
    return status === 'installed' && version ? version : undefined;
  } catch {
    return undefined;
  }
}

/** Installed versions of many packages in one dpkg-query call (fast path for up-to-date checks). */
export function installedVersions(pkgs: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  if (pkgs.length === 0) return found;
  let out = '';
  try {
    out = run('dpkg-query', ['-W', '-f=${binary:Package} ${Architecture} ${db:Status-Status} ${Version}\n', ...pkgs]);
  } catch (e) {
    out = (e as { stdout?: string }).stdout ?? ''; // exit 1 when some are unknown; keep the rest
  }
  for (const line of out.split('\n')) {
    const [name, arch, status, version] = line.split(' ');
    if (!name || status !== 'installed' || !version) continue;
    const base = name.split(':')[0]!;
    found.set(base, version);
    found.set(`${base}:${arch}`, version);
  }
  return found;
}

/** The candidate version apt would download, and the Depends line (to follow a metapackage). */
export function aptCandidate(pkg: string): { version: string; depends: string } {
  let out: string;
  try {
    out = run('apt-cache', ['show', '--no-all-versions', pkg]);
  } catch (e) {
    throw new PackageUnavailableError(pkg, errText(e));
  }
  const field = (f: string): string => new RegExp(`^${f}: (.*)$`, 'm').exec(out)?.[1] ?? '';
  const version = field('Version');
  if (!version) throw new PackageUnavailableError(pkg, 'apt-cache knows no version of it');
  return { version, depends: field('Depends') };
}

export interface PackageFiles {
  pkg: string;
  version: string;
  /** How the files were obtained, for the progress line. */
  via: 'installed' | 'apt-get download';
  /** Path inside the package (e.g. "/boot/vmlinuz-6.1.0-56-amd64") → contents. */
  files: Map<string, Buffer>;
}

/**
 * Reads the files of `pkg` whose package paths match `wanted` (one match per pattern required).
 * Uses the installed copy when the installed version is what we want, else downloads the .deb.
 */
export function packageFiles(pkg: string, wanted: readonly RegExp[], opts: { download?: boolean } = {}): PackageFiles {
  const installed = opts.download ? undefined : installedVersion(pkg);
  if (installed) {
    const list = run('dpkg', ['-L', pkg]).split('\n').filter((p) => p && isFile(p));
    return { pkg, version: installed, via: 'installed', files: pick(pkg, list, wanted, (p) => readFileSync(p)) };
  }
  const { version } = aptCandidate(pkg);
  const tmp = mkdtempSync(join(tmpdir(), 'ringmaster-deb-'));
  try {
    try {
      // Sandbox user root: apt's _apt user cannot write into our private temp directory.
      run('apt-get', ['download', '-q', '-o', 'APT::Sandbox::User=root', `${pkg}=${version}`], tmp);
    } catch (e) {
      throw new PackageUnavailableError(pkg, errText(e));
    }
    const deb = readdirSync(tmp).find((f) => f.endsWith('.deb'));
    if (!deb) throw new PackageUnavailableError(pkg, 'apt-get download produced no .deb');
    const root = join(tmp, 'root');
    run('dpkg-deb', ['-x', join(tmp, deb), root]);
    const list = walk(root).map((p) => '/' + relative(root, p));
    return { pkg, version, via: 'apt-get download', files: pick(pkg, list, wanted, (p) => readFileSync(join(root, p))) };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function walk(dir: string, out: string[] = []): string[] {
  for (const ent of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, ent.name);
    if (ent.isDirectory()) walk(p, out);
    else if (ent.isFile()) out.push(p);
  }
  return out;
}

function pick(pkg: string, list: string[], wanted: readonly RegExp[], read: (p: string) => Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const re of wanted) {
    const hit = list.find((p) => re.test(p));
    if (!hit) throw new PackageUnavailableError(pkg, `it has no file matching ${re}`);
    files.set(hit, read(hit));
  }
  return files;
}
