// `ringmaster pause|resume|stop|kill|rm NAME`: one request each.
import type { Command } from 'commander';
import { addSocketOption, clientAction, clientFor, type SocketFlags } from '../../hypervisor/cli-support.js';
import type { VmInfo } from '../../hypervisor/vm.js';
import { UsageError } from '../errors.js';

const ACTIONS = {
  pause: 'pause a running VM',
  resume: 'resume a paused VM',
  stop: 'ask the guest to power off (ACPI power button), stop it after --timeout seconds',
  kill: "end a VM's worker at once",
} as const;

export function register(program: Command): void {
  for (const [action, description] of Object.entries(ACTIONS)) {
    const cmd = program.command(action).argument('<name>', 'VM name').description(description);
    if (action === 'stop') cmd.option('--timeout <seconds>', 'grace time for the guest to power off (0 = stop at once)', '10');
    addSocketOption(cmd).action((name: string, flags: SocketFlags & { timeout?: string }) =>
      clientAction(async () => {
        let body: unknown;
        if (action === 'stop') {
          const s = Number(flags.timeout);
          if (!Number.isFinite(s) || s < 0 || s > 600) throw new UsageError(`--timeout: '${flags.timeout}' is not a number of seconds from 0 to 600`);
          body = { timeout: s };
        }
        const vm = await clientFor(flags).call<VmInfo>('POST', `/vms/${encodeURIComponent(name)}/${action}`, body);
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
