// `ringmaster create NAME`: create and start a VM in the daemon (the options of `run`).
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { addSocketOption, clientAction, clientFor, type SocketFlags } from '../../hypervisor/cli-support.js';
import type { VmInfo } from '../../hypervisor/vm.js';
import { UsageError } from '../errors.js';
import { addMachineOptions, type MachineFlags } from '../machine-options.js';

interface CreateFlags extends SocketFlags, MachineFlags {
  memory?: string;
  cpuShare?: string;
}

/** The JSON config of POST /vms; relative paths are resolved here, against the client's directory. */
export function configFromFlags(f: CreateFlags): Record<string, unknown> {
  const abs = (p: string | undefined) => (p === undefined ? undefined : resolve(p));
  const c: Record<string, unknown> = {
    memory: f.memory,
    kernel: abs(f.kernel),
    initrd: abs(f.initrd),
    append: f.append,
    disk: f.disk?.map((d) => resolve(d)),
    cdrom: abs(f.cdrom),
    bios: abs(f.bios),
    vgabios: abs(f.vgabios),
    boot: f.boot,
    timeout: f.timeout,
    deterministic: f.deterministic,
    tripleFault: f.tripleFault,
  };
  for (const k of Object.keys(c)) if (c[k] === undefined) delete c[k];
  return c;
}

export function register(program: Command): void {
  const cmd = program
    .command('create')
    .argument('<name>', 'VM name: letters, digits, _ . -')
    .description('create and start a VM in the daemon')
    .option('-m, --memory <size>', 'guest RAM, e.g. 128M (counted against the daemon --max-memory)')
    .option('--cpu-share <n>', 'CPU weight against the other VMs (1-1000)', '1');
  addMachineOptions(cmd);
  addSocketOption(cmd).action((name: string, flags: CreateFlags) =>
    clientAction(async () => {
      const share = Number(flags.cpuShare ?? '1');
      if (!Number.isInteger(share)) throw new UsageError(`--cpu-share: '${flags.cpuShare}' is not a whole number`);
      const vm = await clientFor(flags).call<VmInfo>('POST', '/vms', { name, cpuShare: share, config: configFromFlags(flags) });
      process.stdout.write(`${vm.name} ${vm.state}\n`);
    }),
  );
}
