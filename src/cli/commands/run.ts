// `ringmaster run`: boot one VM in this process, its console on the terminal.
import type { Command } from 'commander';
import { createWriteStream, type WriteStream } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { loadMachine } from '../load-config.js';
import { UsageError } from '../errors.js';
import { ConfigError, type MachineConfig, type MachineConfigInput, type OutputTarget } from '../../machine/config.js';
import { Pc, PcError, PC_DEFAULT_JIT, type PcStop } from '../../machine/pc.js';
import type { JitOptions } from '../../cpu/jit/jit.js';
import { BootError } from '../../boot/errors.js';
import { DEFAULT_GUEST, imagePath } from '../images/paths.js';
import { SerialTerminal } from '../serial-terminal.js';
import { addMachineOptions, type MachineFlags } from '../machine-options.js';
import { FileBlockStore } from '../block-file.js';
import { attachTextDisplay } from '../display/text-display.js';
import { readFileSync } from 'node:fs';
import type { ImageName } from '../images/paths.js';

/** A firmware image from the cache, or a clear error saying how to build it. */
function readImage(name: ImageName, option: string): Uint8Array {
  const path = imagePath(name);
  try {
    return new Uint8Array(readFileSync(path));
  } catch {
    throw new UsageError(`${option}: the default ${name} image is missing (${path}); run \`ringmaster images\` or pass ${option} FILE`);
  }
}

interface RunFlags extends MachineFlags {
  memory?: string;
  serial?: string;
  display?: string;
  debugcon?: string;
  post?: string;
  stats?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('run')
    .description('boot a virtual PC in this process (default: the Debian i386 guest on the serial console)')
    .option('-m, --memory <size>', 'guest RAM, e.g. 128M or 1G', '128M')
    .option('--serial <target>', 'COM1: stdio, none or file:PATH', 'stdio')
    .option('--display <mode>', 'VGA text on the terminal (text) or not (none)', 'none')
    .option('--debugcon <target>', 'port 0xE9 output: stdio, none or file:PATH (a bare PATH means file:PATH)')
    .option('--post <target>', 'port 0x80 POST codes, one per line in hex: stdio, none or file:PATH')
    .option('--stats', 'at exit, print guest instructions, MIPS and translator counters on stderr');
  addMachineOptions(cmd)
    .addHelpText(
      'after',
      '\nWith no --kernel, --bios, --disk or --cdrom, boots the default guest (Debian 686 kernel and a busybox\n' +
        'initramfs from `ringmaster images`). On a stdio serial console, Ctrl-A x quits (as in QEMU).',
    )
    .action(async (flags: RunFlags) => {
      process.exitCode = await runCommand(flags);
    });
}

/** A bare path for --debugcon/--post is a file, as the bare-metal test harness passes it. */
function outputOption(v: string | undefined): string | undefined {
  if (v === undefined || v === 'stdio' || v === 'none' || v.startsWith('file:')) return v;
  return `file:${v}`;
}

function toConfigInput(flags: RunFlags): MachineConfigInput {
  const input: MachineConfigInput = {
    memory: flags.memory,
    kernel: flags.kernel,
    initrd: flags.initrd,
    append: flags.append,
    disk: flags.disk,
    cdrom: flags.cdrom,
    bios: flags.bios,
    vgabios: flags.vgabios,
    boot: flags.boot,
    serial: flags.serial,
    display: flags.display,
    debugcon: outputOption(flags.debugcon),
    post: outputOption(flags.post),
    timeout: flags.timeout,
    deterministic: flags.deterministic ?? false,
    tripleFault: flags.tripleFault,
    jit: flags.jit,
    jitThreshold: flags.jitThreshold,
    jitNames: flags.jitNames ?? false,
  };
  if (!input.kernel && !input.bios && !input.disk && !input.cdrom) {
    input.kernel = imagePath(DEFAULT_GUEST.kernel);
    input.initrd = imagePath(DEFAULT_GUEST.initrd);
    input.append ??= DEFAULT_GUEST.append;
  }
  for (const k of Object.keys(input) as (keyof MachineConfigInput)[]) if (input[k] === undefined) delete input[k];
  return input;
}

type Sink = { write(byte: number): void; close(): void };

function openSink(target: OutputTarget, hex: boolean): Sink | null {
  if (target.kind === 'none') return null;
  const format = (b: number) => (hex ? `${b.toString(16).padStart(2, '0')}\n` : String.fromCharCode(b));
  if (target.kind === 'stdio') {
    return { write: (b) => process.stdout.write(hex ? format(b) : Buffer.of(b)), close: () => {} };
  }
  const stream: WriteStream = createWriteStream(target.path);
  return { write: (b) => stream.write(hex ? format(b) : Buffer.of(b)), close: () => stream.end() };
}

async function runCommand(flags: RunFlags): Promise<number> {
  let loaded;
  try {
    loaded = await loadMachine(toConfigInput(flags));
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
  const config = loaded.config;
  // Disks and CDs boot through a BIOS: Debian's SeaBIOS and VGA BIOS from the image cache by default.
  let bios = loaded.bios;
  let vgaBios = loaded.vgabios;
  if (!bios && !loaded.kernel) {
    bios = readImage('seabios-256k', '--bios');
    vgaBios ??= readImage('vgabios-stdvga', '--vgabios');
  }
  const disks = loaded.disks.map((d) => FileBlockStore.open(d.path, { kind: 'disk', option: '--disk' }));
  const cdrom = loaded.cdrom ? FileBlockStore.open(loaded.cdrom.path, { kind: 'cdrom', readOnly: true, option: '--cdrom' }) : undefined;
  const debugcon = openSink(config.debugcon, false);
  const post = openSink(config.post, true);
  const serialToStdio = config.serial.kind === 'stdio';
  const serialFile = config.serial.kind === 'file' ? openSink(config.serial, false) : null;
  let terminal: SerialTerminal | null = null;
  let pc: Pc;
  try {
    pc = new Pc({
      memoryBytes: config.memoryBytes,
      bios: bios ?? undefined,
      vgaBios: vgaBios ?? undefined,
      disks,
      cdrom,
      boot: config.boot,
      serialSink: (b) => (terminal ? terminal.output(b) : serialFile?.write(b)),
      debugconSink: debugcon ? (b) => debugcon.write(b) : undefined,
      postListener: post ? (b) => post.write(b) : undefined,
      hostTime: config.deterministic ? undefined : () => performance.now(),
      tripleFault: config.tripleFault,
      jit: jitOptions(config),
    });
  } catch (e) {
    if (e instanceof PcError) throw new UsageError(e.message);
    throw e;
  }
  try {
    if (loaded.kernel) pc.bootKernel(loaded.kernel, loaded.initrd, config.append);
    else pc.reset();
  } catch (e) {
    if (e instanceof BootError) throw new UsageError(`--kernel: ${e.message}`);
    throw e;
  }
  if (serialToStdio) terminal = new SerialTerminal((bytes) => pc.com1.receive(bytes));
  const display = config.display === 'text' ? attachTextDisplay(pc.vga, process.stdout) : null;
  const started = performance.now();
  const outcome = await drive(pc, config.timeoutSeconds, config.deterministic, () => terminal?.quitRequested ?? false);
  if (flags.stats) printStats(pc, performance.now() - started);
  display?.close();
  terminal?.close();
  // A clean stop writes what the guest wrote to its disks back to the image files.
  for (const d of disks) d.close();
  cdrom?.close();
  debugcon?.close();
  post?.close();
  serialFile?.close();
  return report(outcome);
}

/** --jit / --jit-threshold / --jit-names → Pc options (null: interpreter only). */
export function jitOptions(config: MachineConfig): JitOptions | null {
  const on = config.jit ?? PC_DEFAULT_JIT !== null;
  if (on === false) return null;
  const o: JitOptions = { ...(PC_DEFAULT_JIT ?? {}), now: () => performance.now() };
  if (on === 'js') o.wasm = false;
  if (config.jitThreshold !== undefined && config.jitThreshold !== null) o.threshold = config.jitThreshold;
  if (config.jitNames === true) o.names = true;
  return o;
}

/** --stats: one block of counters on stderr (the terminal may be the guest's console). */
function printStats(pc: Pc, wallMs: number): void {
  const n = pc.instructions;
  const lines = [`guest instructions: ${n} in ${(wallMs / 1000).toFixed(2)} s wall = ${(n / wallMs / 1000).toFixed(1)} MIPS`];
  const j = pc.cpu.jit;
  if (j === null) {
    lines.push('translator: off (interpreter only)');
  } else {
    const s = j.stats;
    lines.push(
      `translator: threshold ${j.threshold}, hot at ${j.hotRuns} entries; blocks translated ${s.translated} (${s.hot} again as hot regions), entered ${s.executed} times from the run loop (${s.chained} through chain links), invalidated ${s.invalidated}, ` +
        `cache flushes ${s.flushes}; code cache ${s.cacheBlocks} blocks, ${(s.cacheBytes / 1024).toFixed(0)} KiB of source; ` +
        `translation time ${(s.translateMs / 1000).toFixed(2)} s`,
      `instructions in translated code ${s.retired} (${n > 0 ? ((100 * s.retired) / n).toFixed(1) : '0.0'} %; ${s.slotInterpreted} of them interpreted from the dispatcher's slots), in the run loop's interpreter ${Math.max(0, n - s.retired)}`,
    );
  }
  process.stderr.write(lines.map((l) => `ringmaster: ${l}\n`).join(''));
}

type Outcome = PcStop | { kind: 'timeout' } | { kind: 'quit' };

async function drive(pc: Pc, timeoutSeconds: number | null, deterministic: boolean, quit: () => boolean): Promise<Outcome> {
  const started = performance.now();
  const timeoutNs = timeoutSeconds === null ? Infinity : timeoutSeconds * 1e9;
  for (;;) {
    const stop = pc.run(2_000_000);
    if (quit()) return { kind: 'quit' };
    const elapsedNs = deterministic ? pc.clock.now() : (performance.now() - started) * 1e6;
    if (elapsedNs >= timeoutNs) return { kind: 'timeout' };
    if (stop.kind === 'running') {
      await yieldToEventLoop();
      continue;
    }
    if (stop.kind === 'idle') {
      // Halted waiting for an interrupt that no timer will raise (or raises later): sleep.
      const ms = stop.untilNs === Infinity ? 10 : Math.min(10, stop.untilNs / 1e6);
      await new Promise((r) => setTimeout(r, ms));
      continue;
    }
    return stop;
  }
}

function report(outcome: Outcome): number {
  switch (outcome.kind) {
    case 'halted-cli':
      process.stderr.write('ringmaster: the CPU halted with interrupts disabled; the VM stopped\n');
      return 0;
    case 'poweroff':
      return 0;
    case 'quit':
      return 0;
    case 'timeout':
      process.stderr.write('ringmaster: --timeout reached; the VM stopped\n');
      return 3;
    case 'triple-fault':
      process.stderr.write('ringmaster: triple fault (CPU shutdown); the VM stopped (--triple-fault stop)\n');
      return 4;
    default:
      return 0;
  }
}
