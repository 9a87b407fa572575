// Shared by the hypervisor tests: the test guests, an in-process daemon on a temporary socket,
// and polling helpers. The guests are bare-metal ROMs (tests/asm-hv, assembled with nasm at
// test time); when Linux boots, switching a test to it is the one-line change of its GUEST.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ApiClient } from './client.js';
import { startDaemon, type Daemon, type DaemonOptions } from './server.js';
import type { VmInfo } from './vm.js';
import { DEFAULT_GUEST, GUEST_PROMPT, imagePath, imageSkipReason } from '../cli/images/paths.js';

const execFileAsync = promisify(execFile);

export interface TestGuest {
  /** Machine options for POST /vms (absolute paths). */
  config(): Promise<Record<string, unknown>>;
  /** Output showing the guest got going (for Linux: its shell prompt). */
  ready: RegExp;
  /** Checks that a stretch of the guest's output is its own, intact (ring-buffer cut ends allowed). */
  checkOutput?(text: string): void;
}

/** Per process: every ROM of tests/asm-hv, assembled together on first use. */
let romBuild: Promise<Map<string, string>> | null = null;

/** Assembles tests/asm-hv/NAME.asm into a 64 KiB ROM and returns its path (all ROMs in one batch, at the first call). */
export async function rom(name: string): Promise<string> {
  romBuild ??= (async () => {
    const dir = resolve(process.cwd(), 'tests/asm-hv');
    const out = await mkdtemp(join(tmpdir(), 'rm-hv-rom-'));
    const names = (await readdir(dir)).filter((f) => f.endsWith('.asm')).map((f) => f.slice(0, -4));
    await Promise.all(names.map((n) => execFileAsync('nasm', ['-f', 'bin', '-i', `${dir}/`, '-o', join(out, `${n}.rom`), join(dir, `${n}.asm`)])));
    return new Map(names.map((n) => [n, join(out, `${n}.rom`)]));
  })();
  const path = (await romBuild).get(name);
  if (!path) throw new Error(`no ROM tests/asm-hv/${name}.asm`);
  return path;
}

const romGuest = (name: string, ready: RegExp, memory = '16M'): TestGuest => ({
  config: async () => ({ bios: await rom(name), memory }),
  ready,
});

/** Prints a line counter and a PIT reading forever; its lines count up one by one. */
export const PRINTING_GUEST: TestGuest = {
  ...romGuest('counter', /^0010 /m),
  checkOutput(text) {
    const lines = text.split('\r\n').slice(1, -1);
    if (lines.length < 10) throw new Error(`only ${lines.length} lines of output`);
    lines.forEach((l, i) => {
      if (!/^[0-9A-F]{4} [0-9A-F]{4}$/.test(l)) throw new Error(`line ${i} is '${l}'`);
      const n = parseInt(l.slice(0, 4), 16);
      if (i > 0 && n !== ((parseInt(lines[i - 1]!.slice(0, 4), 16) + 1) & 0xffff)) throw new Error(`line ${i} is '${l}' after '${lines[i - 1]}'`);
    });
  },
};
/** Spins with interrupts off, printing nothing after its first line. */
export const SPINNING_GUEST = romGuest('spin', /spin/);
export const TRIPLE_FAULT_GUEST = romGuest('triple', /boot/);
export const HALTING_GUEST = romGuest('halt', /bye/);
export const ECHO_GUEST = romGuest('echo', /ready/);
/** Writes LBA 1 of its first disk (no FLUSH CACHE), prints "written", then idles. */
export const DISK_WRITING_GUEST = romGuest('diskwrite', /written/);

/**
 * The default guest (Debian 686 kernel + busybox initramfs, direct boot) from the image cache;
 * `ready` is its shell prompt. About 3.2 G guest instructions to the prompt.
 */
export const LINUX_GUEST: TestGuest = {
  config: async () => ({
    kernel: imagePath(DEFAULT_GUEST.kernel),
    initrd: imagePath(DEFAULT_GUEST.initrd),
    append: DEFAULT_GUEST.append,
    memory: '64M',
  }),
  ready: new RegExp(GUEST_PROMPT.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
};

/** node:test `skip` for tests of LINUX_GUEST (an error instead under make test / CI). */
export function linuxSkipReason(): string | undefined {
  return imageSkipReason([DEFAULT_GUEST.kernel, DEFAULT_GUEST.initrd]);
}

export interface TestDaemon {
  daemon: Daemon;
  client: ApiClient;
  dir: string;
  close(): Promise<void>;
}

export async function testDaemon(opts: Partial<DaemonOptions> = {}): Promise<TestDaemon> {
  const dir = await mkdtemp(join(tmpdir(), 'rm-hv-'));
  const socketPath = join(dir, 'd.sock');
  const daemon = await startDaemon({ socketPath, maxMemoryBytes: 1 << 30, maxVms: 16, testHooks: true, ...opts });
  const client = new ApiClient(socketPath);
  return {
    daemon,
    client,
    dir,
    async close() {
      await daemon.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function logs(client: ApiClient, name: string): Promise<Buffer> {
  const r = await client.raw('GET', `/vms/${name}/logs`);
  if (r.status !== 200) throw new Error(`logs ${name}: HTTP ${r.status} ${r.body.toString()}`);
  return r.body;
}

export function info(client: ApiClient, name: string): Promise<VmInfo> {
  return client.call<VmInfo>('GET', `/vms/${name}`);
}

export async function createGuest(client: ApiClient, name: string, guest: TestGuest, extra: Record<string, unknown> = {}, cpuShare?: number): Promise<VmInfo> {
  const body: Record<string, unknown> = { name, config: { ...(await guest.config()), ...extra } };
  if (cpuShare !== undefined) body.cpuShare = cpuShare;
  return client.call<VmInfo>('POST', '/vms', body);
}
