// `ringmaster ls`: the daemon's VMs with state, memory, CPU use, uptime and instructions executed.
import type { Command } from 'commander';
import { addSocketOption, clientAction, clientFor, formatBytes, formatCount, formatDuration, type SocketFlags } from '../../hypervisor/cli-support.js';
import type { VmInfo } from '../../hypervisor/vm.js';

export function register(program: Command): void {
  const cmd = program.command('ls').description("list the daemon's VMs").option('--json', 'print the API objects as JSON');
  addSocketOption(cmd).action((flags: SocketFlags & { json?: boolean }) =>
    clientAction(async () => {
      const { vms } = await clientFor(flags).call<{ vms: VmInfo[] }>('GET', '/vms');
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(vms, null, 2)}\n`);
        return;
      }
      const rows = [['NAME', 'STATE', 'MEMORY', 'CPU%', 'SHARE', 'UPTIME', 'INSTRUCTIONS', 'RESETS', 'REASON']];
      for (const v of vms) {
        rows.push([
          v.name,
          v.state,
          formatBytes(v.memoryBytes),
          v.cpuPercent.toFixed(1),
          String(v.cpuShare),
          formatDuration(v.uptimeSeconds),
          formatCount(v.instructions),
          String(v.resets),
          v.reason ?? '',
        ]);
      }
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows) process.stdout.write(`${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()}\n`);
    }),
  );
}
