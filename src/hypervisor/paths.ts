// File path arguments arriving over the API (disk, kernel, BIOS, snapshot) name files on the
// daemon's host, so every one is checked before use: absolute (a daemon has no meaningful
// working directory; the CLI client resolves relative paths itself), already normalised (no
// `..` or `.` segments, no doubled slashes), no NUL, and of the right kind.
import { lstat, realpath, stat } from 'node:fs/promises';
import { isAbsolute, normalize, dirname, basename } from 'node:path';

export class PathError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'PathError';
  }
}

function checkSyntax(field: string, p: string): void {
  if (typeof p !== 'string' || p.length === 0) throw new PathError(field, 'the path is empty');
  if (p.includes('\0')) throw new PathError(field, 'the path contains a NUL character');
  if (p.length > 4096) throw new PathError(field, 'the path is longer than 4096 characters');
  if (!isAbsolute(p)) throw new PathError(field, `'${p}' is not an absolute path (the daemon has no working directory of yours)`);
  if (normalize(p) !== p || p.split('/').some((s) => s === '..' || s === '.')) {
    throw new PathError(field, `'${p}' is not a normalised path (no '.', '..' or '//' segments)`);
  }
}

/** An existing, readable, non-empty regular file (symlinks are followed; the target must be regular). */
export async function checkInputFile(field: string, p: string, maxBytes = Infinity): Promise<{ path: string; size: number }> {
  checkSyntax(field, p);
  let real: string;
  try {
    real = await realpath(p);
  } catch {
    throw new PathError(field, `'${p}' does not exist or cannot be resolved`);
  }
  const st = await stat(real);
  if (!st.isFile()) throw new PathError(field, `'${p}' is not a regular file`);
  if (st.size === 0) throw new PathError(field, `'${p}' is empty`);
  if (st.size > maxBytes) throw new PathError(field, `'${p}' is ${st.size} bytes, more than the ${maxBytes} allowed`);
  return { path: real, size: st.size };
}

/**
 * A file the daemon will create or replace: its directory must exist and be named without
 * symbolic links; if the file exists it
 * must be a regular file, not a symlink, device or directory (so a snapshot cannot be aimed
 * at /dev/sda or through a link).
 */
export async function checkOutputFile(field: string, p: string): Promise<string> {
  checkSyntax(field, p);
  const dir = dirname(p);
  let realDir: string;
  try {
    realDir = await realpath(dir);
  } catch {
    throw new PathError(field, `directory '${dir}' does not exist`);
  }
  if (!(await stat(realDir)).isDirectory()) throw new PathError(field, `'${dir}' is not a directory`);
  // Written files are placed exactly where named: no symbolic link on the way.
  if (realDir !== dir) throw new PathError(field, `directory '${dir}' goes through a symbolic link (it is really '${realDir}'); name the real directory`);
  const target = `${realDir === '/' ? '' : realDir}/${basename(p)}`;
  try {
    const st = await lstat(target);
    if (!st.isFile()) throw new PathError(field, `'${p}' exists and is not a regular file`);
  } catch (e) {
    if (e instanceof PathError) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new PathError(field, `cannot check '${p}': ${(e as Error).message}`);
  }
  return target;
}
