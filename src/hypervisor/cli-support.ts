// Helpers shared by the hypervisor's CLI client commands (src/cli/commands/{create,ls,...}.ts).
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { ApiClient, ApiError, defaultSocketPath } from './client.js';

export interface SocketFlags {
  socket?: string;
}

export function addSocketOption(cmd: Command): Command {
  return cmd.option('--socket <path>', 'daemon socket (default: $RINGMASTER_SOCKET, $XDG_RUNTIME_DIR/ringmaster.sock or ~/.ringmaster/ringmaster.sock)');
}

export function clientFor(flags: SocketFlags): ApiClient {
  return new ApiClient(flags.socket ? resolve(flags.socket) : defaultSocketPath());
}

/** Runs a client action; daemon errors become one line on stderr and exit status 1. */
export async function clientAction(fn: () => Promise<number | void>): Promise<void> {
  try {
    process.exitCode = (await fn()) ?? 0;
  } catch (e) {
    if (e instanceof ApiError) {
      process.stderr.write(`ringmaster: ${e.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw e;
  }
}

/** A one-line progress bar on stderr (only on a terminal; otherwise a final line). */
export class ProgressLine {
  private last = '';
  constructor(private readonly label: string) {}

  update(done: number, total: number): void {
    if (!process.stderr.isTTY || total <= 0) return;
    const width = 30;
    const filled = Math.round((done / total) * width);
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round((done / total) * 100)}%`;
    if (line !== this.last) process.stderr.write(`\r${line}`);
    this.last = line;
  }

  finish(message: string): void {
    if (process.stderr.isTTY && this.last) process.stderr.write('\r\x1b[K');
    process.stderr.write(`${message}\n`);
  }
}

export function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)}G`;
  if (n >= 1 << 20) return `${Math.round(n / (1 << 20))}M`;
  if (n >= 1 << 10) return `${Math.round(n / (1 << 10))}K`;
  return `${n}`;
}

export function formatDuration(s: number): string {
  if (s < 60) return `${Math.floor(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}
