// `ringmaster daemon`: the hypervisor supervisor, serving the API on a Unix socket (and TCP with a token).
import type { Command } from 'commander';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { parseMemory } from '../../machine/config.js';
import { defaultSocketPath } from '../../hypervisor/client.js';
import { DaemonError, startDaemon } from '../../hypervisor/server.js';
import { openApiDocument } from '../../hypervisor/openapi.js';

interface DaemonFlags {
  socket?: string;
  maxMemory: string;
  maxVms: string;
  cpus?: string;
  tcp?: string;
  token?: string;
  printOpenapi?: boolean;
  testHooks?: boolean;
}

function parseMaxMemory(v: string): number {
  // The daemon's budget may exceed one guest's 3 GiB limit: parse the number and unit directly.
  const m = /^\s*(\d+)\s*([kmg]?)(?:i?b)?\s*$/i.exec(v);
  if (!m) {
    const r = parseMemory(v);
    throw new UsageError(`--max-memory: ${typeof r === 'string' ? r : `'${v}' is not a size`}`);
  }
  const bytes = Number(m[1]) * ({ '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 } as Record<string, number>)[m[2]!.toUpperCase()]!;
  if (bytes < 2 * 1024 ** 2) throw new UsageError(`--max-memory: '${v}' is too small; at least 2M`);
  return bytes;
}

function positiveInt(option: string, v: string, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${option}: '${v}' is not a whole number from 1 to ${max}`);
  return n;
}

export function register(program: Command): void {
  program
    .command('daemon')
    .description('run the hypervisor: owns VMs (one worker thread each) and serves the API on a Unix socket')
    .option('--socket <path>', 'Unix socket to create with mode 0600 (default: $RINGMASTER_SOCKET, $XDG_RUNTIME_DIR/ringmaster.sock or ~/.ringmaster/ringmaster.sock)')
    .option('--max-memory <size>', 'guest RAM of all VMs together, e.g. 2G', '2G')
    .option('--max-vms <n>', 'most VMs the daemon holds (stopped ones count until removed)', '16')
    .option('--cpus <n>', `host CPUs the guests share by weight (default: all, ${availableParallelism()} here)`)
    .option('--tcp <host:port>', 'also listen on TCP (requires --token or $RINGMASTER_TOKEN)')
    .option('--token <token>', 'bearer token required on the TCP listener (at least 16 characters)')
    .option('--print-openapi', 'print the API description (docs/openapi.json) and exit')
    .option('--test-hooks', 'enable POST /vms/{name}/debug/fault (tests only)')
    .action(async (flags: DaemonFlags) => {
      if (flags.printOpenapi) {
        process.stdout.write(`${JSON.stringify(openApiDocument(), null, 2)}\n`);
        return;
      }
      let tcp: { host: string; port: number; token: string } | undefined;
      if (flags.tcp) {
        const m = /^(.+):(\d+)$/.exec(flags.tcp);
        if (!m) throw new UsageError(`--tcp: '${flags.tcp}' is not HOST:PORT, e.g. 127.0.0.1:7070`);
        const token = flags.token ?? process.env.RINGMASTER_TOKEN;
        if (!token) throw new UsageError('--tcp needs --token TOKEN (or $RINGMASTER_TOKEN): TCP has no file permissions to protect it');
        tcp = { host: m[1]!.replace(/^\[|\]$/g, ''), port: positiveInt('--tcp', m[2]!, 65535), token };
      } else if (flags.token) throw new UsageError('--token is only used with --tcp');
      const socketPath = flags.socket ? resolve(flags.socket) : defaultSocketPath();
      let daemon;
      try {
        daemon = await startDaemon({
          socketPath,
          tcp,
          maxMemoryBytes: parseMaxMemory(flags.maxMemory),
          maxVms: positiveInt('--max-vms', flags.maxVms, 10_000),
          cpus: flags.cpus ? positiveInt('--cpus', flags.cpus, 4096) : undefined,
          testHooks: flags.testHooks ?? false,
        });
      } catch (e) {
        if (e instanceof DaemonError) throw new UsageError(e.message);
        throw e;
      }
      daemon.supervisor.onEvent((e) => {
        if (e.type === 'progress') return;
        const detail = e.type === 'state' ? ` ${e.state}${e.reason ? ` (${e.reason})` : ''}` : e.type === 'reset' ? ` (${e.reason})` : '';
        process.stderr.write(`${e.time} ${e.vm}: ${e.type}${detail}\n`);
      });
      process.stderr.write(`ringmaster daemon listening on ${socketPath}${daemon.tcpPort ? ` and tcp port ${daemon.tcpPort}` : ''}\n`);
      await new Promise<void>((done) => {
        const stop = () => {
          process.stderr.write('ringmaster daemon: shutting down\n');
          void daemon.close().then(done);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
