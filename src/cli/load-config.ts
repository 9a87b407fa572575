// The CLI side of the machine configuration: validates the options (machine/config.ts, which
// may not touch the file system) and then checks and reads the files they name. Every problem
// is a UsageError naming the option and the file, printed as one line with exit status 2.
import { access, constants, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError, formatSize, parseConfig, type MachineConfig, type OutputTarget } from '../machine/config.js';
import { UsageError } from './errors.js';

/** An image the VM opens itself later (disks are not read into memory). */
export interface ImageFile {
  path: string;
  size: number;
}

export interface LoadedMachine {
  config: MachineConfig;
  kernel: Uint8Array | null;
  initrd: Uint8Array | null;
  bios: Uint8Array | null;
  vgabios: Uint8Array | null;
  disks: ImageFile[];
  cdrom: ImageFile | null;
}

/** parseConfig with its ConfigError turned into the CLI's UsageError (same one-line message). */
export function resolveConfig(input: unknown): MachineConfig {
  try {
    return parseConfig(input);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
}

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'ENOTDIR') return 'a part of the path is not a directory';
  return e instanceof Error ? e.message : String(e);
}

/** Checks that `path` is a readable, non-empty regular file and returns its size. */
export async function checkImage(option: string, path: string): Promise<number> {
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    if (!st.isFile() && !st.isBlockDevice()) throw new Error('not a regular file');
    size = st.size;
    await access(path, constants.R_OK);
  } catch (e) {
    throw new UsageError(`${option}: cannot read '${path}': ${reason(e)}`);
  }
  if (size === 0) throw new UsageError(`${option}: '${path}' is empty (0 bytes)`);
  return size;
}

async function readImage(option: string, path: string | null): Promise<Uint8Array | null> {
  if (path === null) return null;
  await checkImage(option, path);
  try {
    const buf = await readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    throw new UsageError(`${option}: cannot read '${path}': ${reason(e)}`);
  }
}

async function checkOutput(option: string, target: OutputTarget): Promise<void> {
  if (target.kind !== 'file') return;
  const dir = dirname(target.path);
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    await access(dir, constants.W_OK);
  } catch (e) {
    throw new UsageError(`${option}: cannot write '${target.path}': directory '${dir}': ${reason(e)}`);
  }
}

/** Validates the options, then checks every named file and reads the small ones. */
export async function loadMachine(input: unknown): Promise<LoadedMachine> {
  const config = resolveConfig(input);
  const kernel = await readImage('--kernel', config.kernel);
  const initrd = await readImage('--initrd', config.initrd);
  const loaded = (kernel?.length ?? 0) + (initrd?.length ?? 0);
  if (loaded > config.memoryBytes) {
    throw new UsageError(
      `--memory: the kernel and initrd take ${formatSize(Math.ceil(loaded / 1024) * 1024)}, more than the ` +
        `${formatSize(config.memoryBytes)} of guest memory; raise --memory`,
    );
  }
  const bios = await readImage('--bios', config.bios);
  const vgabios = await readImage('--vgabios', config.vgabios);
  const disks: ImageFile[] = [];
  for (const p of config.disks) disks.push({ path: p, size: await checkImage('--disk', p) });
  const cdrom = config.cdrom ? { path: config.cdrom, size: await checkImage('--cdrom', config.cdrom) } : null;
  await checkOutput('--serial', config.serial);
  await checkOutput('--debugcon', config.debugcon);
  await checkOutput('--post', config.post);
  return { config, kernel, initrd, bios, vgabios, disks, cdrom };
}

/** Reads a JSON configuration file (the same fields as the API) for `run --config FILE`. */
export async function readConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`--config: cannot read '${path}': ${reason(e)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UsageError(`--config: '${path}' is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}
