// The validated configuration of one PC: what `ringmaster run` builds from its flags and what
// the hypervisor API accepts as JSON. Core layer: no file system here — whether the named
// files exist is checked by the front end (src/cli/load-config.ts).
//
// Every failure becomes a ConfigError whose one-line message names the option and says what
// to write instead, e.g. "--memory: '12X' is not a size; use a number with K, M or G, e.g. 128M".
import { z } from 'zod';

export class ConfigError extends Error {
  /** `option` is the flag as the CLI spells it (--memory); `field` is the JSON field (memory). */
  constructor(
    readonly field: string,
    readonly option: string,
    detail: string,
  ) {
    super(`${option}: ${detail}`);
    this.name = 'ConfigError';
  }
}

export type BootDevice = 'cdrom' | 'disk';
export type OutputTarget = { kind: 'none' } | { kind: 'stdio' } | { kind: 'file'; path: string };
export type DisplayMode = 'text' | 'none';
export type TripleFaultAction = 'reset' | 'stop';

export interface MachineConfig {
  /** Guest RAM in bytes: 2 MiB .. 3 GiB, a multiple of 4 KiB. */
  memoryBytes: number;
  /** Linux bzImage (or multiboot kernel) to load directly, instead of booting from a drive. */
  kernel: string | null;
  initrd: string | null;
  /** Kernel command line ('' without --kernel). */
  append: string;
  /** Hard disk images in IDE order (primary master first). */
  disks: string[];
  cdrom: string | null;
  /** System BIOS and VGA BIOS images; null = the built-in default (the board decides). */
  bios: string | null;
  vgabios: string | null;
  /** BIOS boot order. */
  boot: BootDevice[];
  serial: OutputTarget;
  display: DisplayMode;
  debugcon: OutputTarget;
  post: OutputTarget;
  /** Stop the VM after this many seconds (of virtual time when deterministic); null = never. */
  timeoutSeconds: number | null;
  deterministic: boolean;
  tripleFault: TripleFaultAction;
  /** Dynamic translation of guest code (cpu/jit); 'js': without WebAssembly code; null = the board's default. */
  jit?: boolean | 'js' | null;
  /** Block executions before translation; null = the translator's default. */
  jitThreshold?: number | null;
  /** WebAssembly functions named after their guest code, for V8's profilers (JitOptions.names). */
  jitNames?: boolean;
}

/** What a front end hands in: flag values as typed (strings) or JSON values. */
export interface MachineConfigInput {
  memory?: string | number;
  kernel?: string;
  initrd?: string;
  append?: string;
  disk?: string | string[];
  cdrom?: string;
  bios?: string;
  vgabios?: string;
  boot?: string | string[];
  serial?: string;
  display?: string;
  debugcon?: string;
  post?: string;
  timeout?: string | number;
  deterministic?: boolean;
  tripleFault?: string;
  jit?: string | boolean;
  jitThreshold?: string | number;
  jitNames?: boolean;
}

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const MIN_MEMORY = 2 * MiB;
/** Above 3 GiB sits the PCI/MMIO hole and the BIOS; RAM beyond it needs a high-memory map. */
export const MAX_MEMORY = 3 * GiB;
export const DEFAULT_MEMORY = 128 * MiB;
/** The PC's two IDE channels hold four drives. */
export const MAX_DRIVES = 4;
/** Linux's x86 COMMAND_LINE_SIZE is 2048 including the terminating NUL. */
export const MAX_APPEND = 2047;
export const MAX_TIMEOUT_SECONDS = 7 * 24 * 3600;

const UNITS: Record<string, number> = { '': 1, K: KiB, M: MiB, G: GiB };

/** Formats a byte count the way --memory accepts it (largest exact unit). */
export function formatSize(bytes: number): string {
  for (const [u, m] of [['G', GiB], ['M', MiB], ['K', KiB]] as const) if (bytes >= m && bytes % m === 0) return `${bytes / m}${u}`;
  return `${bytes}`;
}

function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' && v !== null ? 'an object' : String(v);
}

/** '128M', '1G', '65536K', '134217728', '64MiB', '64MB' (all binary units) or a number of bytes. */
export function parseMemory(v: unknown): number | string {
  const notSize = `${show(v)} is not a size; use a number with K, M or G, e.g. 128M`;
  let bytes: number;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) return notSize;
    bytes = v;
  } else if (typeof v === 'string') {
    const m = /^\s*(\d+)\s*([kmg]?)(?:i?b)?\s*$/i.exec(v);
    if (!m) return notSize;
    bytes = Number(m[1]) * UNITS[m[2]!.toUpperCase()]!;
    if (!Number.isSafeInteger(bytes)) return `${show(v)} is too large; at most ${formatSize(MAX_MEMORY)}`;
  } else return notSize;
  if (bytes < MIN_MEMORY) return `${show(v)} is too small; a PC needs at least ${formatSize(MIN_MEMORY)}`;
  if (bytes > MAX_MEMORY) return `${show(v)} is too large; at most ${formatSize(MAX_MEMORY)} fits below the PCI hole`;
  if (bytes % (4 * KiB) !== 0) {
    return `${show(v)} is not a multiple of 4K (one page); use e.g. ${formatSize(Math.floor(bytes / (4 * KiB)) * 4 * KiB)}`;
  }
  return bytes;
}

/** '30', '30s', '5m', '2h', '1.5' or a number of seconds. */
export function parseTimeout(v: unknown): number | string {
  const bad = `${show(v)} is not a duration; use seconds, or a number with s, m or h, e.g. 90s or 5m`;
  let secs: number;
  if (typeof v === 'number') secs = v;
  else if (typeof v === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*$/i.exec(v);
    if (!m) return bad;
    secs = Number(m[1]) * ({ '': 1, s: 1, m: 60, h: 3600 } as Record<string, number>)[m[2]!.toLowerCase()]!;
  } else return bad;
  if (!Number.isFinite(secs) || secs <= 0) return `${show(v)} must be more than 0 seconds (leave it out for no timeout)`;
  if (secs > MAX_TIMEOUT_SECONDS) return `${show(v)} is longer than a week; leave it out for no timeout`;
  return secs;
}

const BOOT_NAMES: Record<string, BootDevice> = { cdrom: 'cdrom', cd: 'cdrom', d: 'cdrom', disk: 'disk', hd: 'disk', c: 'disk' };

/** 'cdrom,disk', ['cdrom', 'disk'] or QEMU-style letters 'dc' (d = CD-ROM, c = first disk). */
export function parseBoot(v: unknown): BootDevice[] | string {
  const bad = (x: unknown) => `${show(x)} is not a boot device; use cdrom or disk, in order, e.g. cdrom,disk`;
  let items: unknown[];
  if (Array.isArray(v)) items = v;
  else if (typeof v === 'string') {
    const t = v.trim();
    items = /^[cd]+$/i.test(t) && !BOOT_NAMES[t.toLowerCase()] ? [...t] : t.split(',').map((s) => s.trim());
  } else return bad(v);
  const out: BootDevice[] = [];
  for (const it of items) {
    const d = typeof it === 'string' ? BOOT_NAMES[it.toLowerCase()] : undefined;
    if (!d) return bad(it);
    if (out.includes(d)) return `${d} appears twice; list each boot device once`;
    out.push(d);
  }
  if (out.length === 0) return 'the boot order is empty; use cdrom, disk or both, e.g. cdrom,disk';
  return out;
}

/** 'stdio' | 'none' | 'file:PATH'. */
export function parseOutput(v: unknown): OutputTarget | string {
  if (v === 'stdio') return { kind: 'stdio' };
  if (v === 'none') return { kind: 'none' };
  if (typeof v === 'string' && v.startsWith('file:')) {
    const path = v.slice(5);
    if (path.length === 0) return `'file:' needs a path after the colon, e.g. file:serial.log`;
    if (path.includes('\0')) return `the path contains a NUL character`;
    return { kind: 'file', path };
  }
  return `${show(v)} is not an output; use stdio, none or file:PATH`;
}

function custom<T>(parse: (v: unknown) => T | string) {
  return z.unknown().transform((v, ctx): T => {
    const r = parse(v);
    if (typeof r === 'string') {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: r });
      return z.NEVER;
    }
    return r;
  });
}

const path = (what: string) =>
  z
    .string({ errorMap: (_i, ctx) => ({ message: `expected the path of ${what}, got ${show(ctx.data)}` }) })
    .min(1, `the path of ${what} is empty`)
    .refine((s) => !s.includes('\0'), 'the path contains a NUL character');

function oneOf<T extends string>(values: readonly [T, ...T[]], what: string) {
  return z.enum(values, {
    errorMap: (_i, ctx) => ({ message: `${show(ctx.data)} is not ${what}; use ${values.join(' or ')}` }),
  });
}

const schema = z
  .object({
    memory: custom(parseMemory).optional(),
    kernel: path('a kernel image').optional(),
    initrd: path('an initrd image').optional(),
    append: z
      .string({ errorMap: (_i, ctx) => ({ message: `expected a kernel command line, got ${show(ctx.data)}` }) })
      .max(MAX_APPEND, `the kernel command line is longer than ${MAX_APPEND} characters (Linux's limit)`)
      .refine((s) => !s.includes('\0'), 'the command line contains a NUL character')
      .optional(),
    disk: custom((v) => {
      const list = Array.isArray(v) ? v : [v];
      for (const p of list) if (typeof p !== 'string' || p.length === 0) return `expected the path of a disk image, got ${show(p)}`;
      return list as string[];
    }).optional(),
    cdrom: path('a CD-ROM image').optional(),
    bios: path('a BIOS image').optional(),
    vgabios: path('a VGA BIOS image').optional(),
    boot: custom(parseBoot).optional(),
    serial: custom(parseOutput).optional(),
    display: oneOf(['text', 'none'], 'a display').optional(),
    debugcon: custom(parseOutput).optional(),
    post: custom(parseOutput).optional(),
    timeout: custom(parseTimeout).optional(),
    deterministic: z
      .boolean({ errorMap: (_i, ctx) => ({ message: `expected true or false, got ${show(ctx.data)}` }) })
      .optional(),
    tripleFault: oneOf(['reset', 'stop'], 'a triple-fault action').optional(),
    jit: z
      .unknown()
      .transform((v, ctx): boolean | 'js' => {
        if (v === true || v === 'on') return true;
        if (v === false || v === 'off') return false;
        if (v === 'js') return 'js'; // the translator without WebAssembly code
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${show(v)} is not on, off or js` });
        return z.NEVER;
      })
      .optional(),
    jitThreshold: custom((v) => {
      const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
      return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 1e6 ? n : `expected a whole number of executions 0-1000000, got ${show(v)}`;
    }).optional(),
    jitNames: z
      .boolean({ errorMap: (_i, ctx) => ({ message: `expected true or false, got ${show(ctx.data)}` }) })
      .optional(),
  })
  .strict();

/** JSON field → CLI flag (tripleFault → --triple-fault). */
export function optionName(field: string): string {
  return `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function fail(field: string, detail: string): never {
  throw new ConfigError(field, optionName(field), detail);
}

/** Validates `input` (CLI flags or API JSON) and returns the full configuration with defaults. */
export function parseConfig(input: unknown): MachineConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigError('', 'config', `expected an object of options, got ${show(input)}`);
  }
  const r = schema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    if (issue.code === z.ZodIssueCode.unrecognized_keys) {
      const key = issue.keys[0]!;
      throw new ConfigError(key, optionName(key), `unknown option; run with --help to see the options`);
    }
    fail(String(issue.path[0] ?? ''), issue.message);
  }
  const o = r.data;
  const disks = o.disk ?? [];
  const cdrom = o.cdrom ?? null;
  const kernel = o.kernel ?? null;

  if (o.initrd !== undefined && !kernel) fail('initrd', 'an initrd needs a kernel; add --kernel PATH');
  if (o.append !== undefined && !kernel) fail('append', 'a command line needs a kernel; add --kernel PATH');
  const drives = disks.length + (cdrom ? 1 : 0);
  if (drives > MAX_DRIVES) {
    fail('disk', `${drives} drives given; the two IDE channels hold at most ${MAX_DRIVES}${cdrom ? ' including the CD-ROM' : ''}`);
  }
  const boot = o.boot ?? [...(cdrom ? ['cdrom' as const] : []), ...(disks.length ? ['disk' as const] : [])];
  if (o.boot) {
    if (boot.includes('cdrom') && !cdrom) fail('boot', 'cdrom is in the boot order but no --cdrom image was given');
    if (boot.includes('disk') && disks.length === 0) fail('boot', 'disk is in the boot order but no --disk image was given');
  }
  const serial = o.serial ?? { kind: 'stdio' };
  const display = o.display ?? 'none';
  if (display === 'text' && serial.kind === 'stdio') {
    fail('display', 'text display and --serial stdio both want the terminal; add --serial file:PATH or --serial none');
  }
  const files = new Map<string, string>();
  const claim = (field: string, p: string | null) => {
    if (!p) return;
    const other = files.get(p);
    if (other) fail(field, `'${p}' is already used by ${optionName(other)}; each image can be attached once`);
    files.set(p, field);
  };
  claim('cdrom', cdrom);
  for (const d of disks) claim('disk', d);

  return {
    memoryBytes: o.memory ?? DEFAULT_MEMORY,
    kernel,
    initrd: o.initrd ?? null,
    append: o.append ?? '',
    disks,
    cdrom,
    bios: o.bios ?? null,
    vgabios: o.vgabios ?? null,
    boot,
    serial,
    display,
    debugcon: o.debugcon ?? { kind: 'none' },
    post: o.post ?? { kind: 'none' },
    timeoutSeconds: o.timeout ?? null,
    deterministic: o.deterministic ?? false,
    tripleFault: o.tripleFault ?? 'reset',
    jit: o.jit ?? null,
    jitThreshold: o.jitThreshold ?? null,
    jitNames: o.jitNames ?? false,
  };
}
