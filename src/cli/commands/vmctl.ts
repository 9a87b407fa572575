// `ringmaster pause|resume|stop|kill|rm NAME`: one request each.
import type { Command } from 'commander';
import { addSocketOption, clientAction, clientFor, type SocketFlags } from '../../hypervisor/cli-support.js';
import type { VmInfo } from '../../hypervisor/vm.js';

const ACTIONS = {
  pause: 'pause a running VM',
  resume: 'resume a paused VM',
  stop: 'stop a VM (forced if it does not stop in time)',
  kill: "end a VM's worker at once",
} as const;

export function register(program: Command): void {
  for (const [action, description] of Object.entries(ACTIONS)) {
    const cmd = program.command(action).argument('<name>', 'VM name').description(description);
    addSocketOption(cmd).action((name: string, flags: SocketFlags) =>
      clientAction(async () => {
        const vm = await clientFor(flags).call<VmInfo>('POST', `/vms/${encodeURIComponent(name)}/${action}`);
        process.stdout.write(`${vm.name} ${vm.state}${vm.reason ? ` (${vm.reason})` : ''}\n`);
      }),
    );
  }
  const rm = program.command('rm').argument('<name>', 'VM name').description('remove a stopped VM').option('-f, --force', 'kill it first if it is running');
  addSocketOption(rm).action((name: string, flags: SocketFlags & { force?: boolean }) =>
    clientAction(async () => {
      await clientFor(flags).call('DELETE', `/vms/${encodeURIComponent(name)}${flags.force ? '?force=true' : ''}`);
      process.stdout.write(`${name} removed\n`);
    }),
  );
}
