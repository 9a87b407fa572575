// `ringmaster restore FILE NAME`: a new VM from a snapshot file, continuing where it was saved.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { addSocketOption, clientAction, clientFor, ProgressLine, type SocketFlags } from '../../hypervisor/cli-support.js';
import type { VmInfo } from '../../hypervisor/vm.js';
import { UsageError } from '../errors.js';

export function register(program: Command): void {
  const cmd = program
    .command('restore')
    .argument('<file>', 'snapshot file')
    .argument('<name>', 'name of the new VM')
    .description('create a VM from a snapshot and continue it')
    .option('--cpu-share <n>', 'CPU weight (default: the one saved in the snapshot)');
  addSocketOption(cmd).action((file: string, name: string, flags: SocketFlags & { cpuShare?: string }) =>
    clientAction(async () => {
      const body: Record<string, unknown> = { path: resolve(file), name };
      if (flags.cpuShare !== undefined) {
        const n = Number(flags.cpuShare);
        if (!Number.isInteger(n)) throw new UsageError(`--cpu-share: '${flags.cpuShare}' is not a whole number`);
        body.cpuShare = n;
      }
      const client = clientFor(flags);
      const progress = new ProgressLine(`restore ${name}`);
      const close = await client.events(name, (e) => {
        if (e.type === 'progress' && e.op === 'restore') progress.update(e.done as number, e.total as number);
      });
      try {
        const vm = await client.call<VmInfo>('POST', '/vms/restore', body);
        progress.finish(`${vm.name} ${vm.state} (restored from ${vm.restoredFrom}, ${vm.instructions} instructions in)`);
      } finally {
        close();
      }
    }),
  );
}
