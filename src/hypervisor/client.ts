// The API client used by the CLI commands (and the tests): HTTP over the daemon's Unix socket.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultSocketPath(): string {
  if (process.env.RINGMASTER_SOCKET) return process.env.RINGMASTER_SOCKET;
  if (process.env.XDG_RUNTIME_DIR) return join(process.env.XDG_RUNTIME_DIR, 'ringmaster.sock');
  return join(homedir(), '.ringmaster', 'ringmaster.sock');
}

/** An error answer of the daemon ({code, message}) or a connection failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface RawResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export class ApiClient {
  constructor(readonly socketPath: string) {}

  private connectionError(e: NodeJS.ErrnoException): ApiError {
    if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') {
      return new ApiError(0, 'no_daemon', `no daemon listening on '${this.socketPath}'; start one with \`ringmaster daemon\``);
    }
    if (e.code === 'EACCES') return new ApiError(0, 'no_access', `permission denied on '${this.socketPath}'`);
    return new ApiError(0, 'connection', `${this.socketPath}: ${e.message}`);
  }

  /** Sends a request with a raw body (strings are sent as JSON text). */
  raw(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const h: Record<string, string | number> = { ...headers };
      if (body !== undefined) {
        h['content-type'] ??= 'application/json';
        h['content-length'] = Buffer.byteLength(body);
      }
      const req = httpRequest({ socketPath: this.socketPath, method, path, headers: h }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', (e) => reject(this.connectionError(e)));
      if (body !== undefined) req.end(body);
      else req.end();
    });
  }

  /** JSON request; throws ApiError on an error status. */
  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.raw(method, path, body === undefined ? undefined : JSON.stringify(body));
    const type = String(r.headers['content-type'] ?? '');
    const parsed = type.startsWith('application/json') && r.body.length ? (JSON.parse(r.body.toString('utf8')) as unknown) : r.body;
    if (r.status >= 400) {
      const e = parsed as { code?: string; message?: string };
      throw new ApiError(r.status, e.code ?? 'error', e.message ?? `HTTP ${r.status}`);
    }
    return parsed as T;
  }

  /** A streaming GET (events, logs?follow): calls onData per chunk; returns a function that closes it. */
  stream(path: string, onData: (chunk: Buffer) => void, onEnd?: () => void): Promise<() => void> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ socketPath: this.socketPath, method: 'GET', path }, (res) => {
        if ((res.statusCode ?? 0) >= 400) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const e = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { code?: string; message?: string };
            reject(new ApiError(res.statusCode ?? 0, e.code ?? 'error', e.message ?? `HTTP ${res.statusCode}`));
          });
          return;
        }
        res.on('data', onData);
        res.on('end', () => onEnd?.());
        res.on('error', () => onEnd?.());
        resolve(() => req.destroy());
      });
      req.on('error', (e) => reject(this.connectionError(e)));
      req.end();
    });
  }

  /** Newline-delimited JSON events. */
  async events(vm: string | null, onEvent: (e: Record<string, unknown>) => void): Promise<() => void> {
    let pending = '';
    return this.stream(vm ? `/events?vm=${encodeURIComponent(vm)}` : '/events', (chunk) => {
      pending += chunk.toString('utf8');
      let i: number;
      while ((i = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, i);
        pending = pending.slice(i + 1);
        if (line) onEvent(JSON.parse(line) as Record<string, unknown>);
      }
    });
  }

  /** Opens the raw console stream of a VM. */
  console(name: string): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({
        socketPath: this.socketPath,
        method: 'GET',
        path: `/vms/${encodeURIComponent(name)}/console`,
        headers: { connection: 'Upgrade', upgrade: 'ringmaster-console' },
      });
      req.on('upgrade', (_res, socket, head) => {
        if (head.length) socket.unshift(head);
        resolve(socket);
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let e: { code?: string; message?: string } = {};
          try {
            e = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof e;
          } catch {
            /* not JSON */
          }
          reject(new ApiError(res.statusCode ?? 0, e.code ?? 'error', e.message ?? `HTTP ${res.statusCode}`));
        });
      });
      req.on('error', (e) => reject(this.connectionError(e)));
      req.end();
    });
  }
}
