// `ringmaster logs NAME`: the serial output the daemon kept for a VM (-f keeps following it).
import type { Command } from 'commander';
import { addSocketOption, clientAction, clientFor, type SocketFlags } from '../../hypervisor/cli-support.js';
import { ApiError } from '../../hypervisor/client.js';

export function register(program: Command): void {
  const cmd = program
    .command('logs')
    .argument('<name>', 'VM name')
    .description("print a VM's serial output (the daemon keeps the last 256 KiB)")
    .option('-f, --follow', 'keep printing new output');
  addSocketOption(cmd).action((name: string, flags: SocketFlags & { follow?: boolean }) =>
    clientAction(async () => {
      const client = clientFor(flags);
      const path = `/vms/${encodeURIComponent(name)}/logs`;
      if (!flags.follow) {
        const r = await client.raw('GET', path);
        if (r.status >= 400) {
          const e = JSON.parse(r.body.toString('utf8')) as { code: string; message: string };
          throw new ApiError(r.status, e.code, e.message);
        }
        process.stdout.write(r.body);
        return;
      }
      await new Promise<void>((done, fail) => {
        client.stream(`${path}?follow=true`, (c) => process.stdout.write(c), done).catch(fail);
      });
    }),
  );
}
