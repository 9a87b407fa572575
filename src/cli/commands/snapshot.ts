// `ringmaster snapshot NAME FILE`: write a VM's complete state to FILE, with a progress bar.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { addSocketOption, clientAction, clientFor, formatBytes, ProgressLine, type SocketFlags } from '../../hypervisor/cli-support.js';

export function register(program: Command): void {
  const cmd = program
    .command('snapshot')
    .argument('<name>', 'VM name')
    .argument('<file>', 'snapshot file to write (replaced atomically)')
    .description("save a VM's complete machine state (CPU, devices, compressed RAM) to a file");
  addSocketOption(cmd).action((name: string, file: string, flags: SocketFlags) =>
    clientAction(async () => {
      const client = clientFor(flags);
      const progress = new ProgressLine(`snapshot ${name}`);
      const close = await client.events(name, (e) => {
        if (e.type === 'progress' && e.op === 'snapshot') progress.update(e.done as number, e.total as number);
      });
      try {
        const r = await client.call<{ path: string; bytes: number; ms: number }>('POST', `/vms/${encodeURIComponent(name)}/snapshot`, { path: resolve(file) });
        progress.finish(`snapshot of ${name} written to ${r.path} (${formatBytes(r.bytes)}, ${r.ms} ms)`);
      } finally {
        close();
      }
    }),
  );
}
