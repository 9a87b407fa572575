// The daemon: an HTTP server on a Unix socket (mode 0600) and, optionally, on TCP with a bearer
// token, in front of one Supervisor.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { timingSafeEqual, createHash } from 'node:crypto';
import { Api } from './api.js';
import { Supervisor, type SupervisorOptions } from './supervisor.js';

export interface DaemonOptions extends SupervisorOptions {
  socketPath: string;
  tcp?: { host: string; port: number; token: string };
}

export interface Daemon {
  supervisor: Supervisor;
  socketPath: string;
  /** The TCP port actually bound (when tcp.port was 0). */
  tcpPort: number | null;
  close(): Promise<void>;
}

export class DaemonError extends Error {}

async function probe(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Removes a stale socket left by a daemon that died; refuses anything else at that path. */
async function clearSocketPath(path: string): Promise<void> {
  let st;
  try {
    st = await lstat(path);
  } catch {
    return;
  }
  if (!st.isSocket()) throw new DaemonError(`'${path}' exists and is not a socket; choose another --socket`);
  if (await probe(path)) throw new DaemonError(`a daemon is already listening on '${path}'`);
  await unlink(path);
}

function listen(server: Server, arg: string | { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if (typeof arg === 'string') server.listen(arg, done);
    else server.listen(arg.port, arg.host, done);
  });
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '');
  if (!m) return false;
  const a = createHash('sha256').update(m[1]!).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

export async function startDaemon(o: DaemonOptions): Promise<Daemon> {
  if (o.tcp && o.tcp.token.length < 16) throw new DaemonError('--token must be at least 16 characters');
  await mkdir(dirname(o.socketPath), { recursive: true, mode: 0o700 });
  await clearSocketPath(o.socketPath);
  const supervisor = new Supervisor(o);
  const api = new Api(supervisor, o.testHooks ?? false);
  const make = (token: string | null) => {
    const s = createServer((req: IncomingMessage, res: ServerResponse) => {
      if (token !== null && !tokenMatches(req.headers.authorization, token)) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 'unauthorized', message: 'send Authorization: Bearer TOKEN' }));
        return;
      }
      void api.handle(req, res);
    });
    s.on('upgrade', (req, socket) => {
      if (token !== null && !tokenMatches(req.headers.authorization, token)) {
        socket.on('error', () => {});
        socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      api.handleUpgrade(req, socket);
    });
    s.on('clientError', (_e, socket) => {
      socket.on('error', () => {});
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      else socket.destroy();
    });
    s.headersTimeout = 10_000;
    s.requestTimeout = 60_000;
    return s;
  };
  const unix = make(null);
  // The socket is created with mode 0600 from the start (umask), then chmod'ed to be sure.
  const oldMask = process.umask(0o177);
  try {
    await listen(unix, o.socketPath);
  } finally {
    process.umask(oldMask);
  }
  await chmod(o.socketPath, 0o600);
  let tcp: Server | null = null;
  let tcpPort: number | null = null;
  if (o.tcp) {
    tcp = make(o.tcp.token);
    await listen(tcp, { host: o.tcp.host, port: o.tcp.port });
    const addr = tcp.address();
    tcpPort = typeof addr === 'object' && addr ? addr.port : null;
  }
  const closeServer = (s: Server) =>
    new Promise<void>((r) => {
      s.close(() => r());
      s.closeAllConnections();
    });
  return {
    supervisor,
    socketPath: o.socketPath,
    tcpPort,
    async close() {
      await supervisor.shutdown();
      await closeServer(unix);
      if (tcp) await closeServer(tcp);
      await unlink(o.socketPath).catch(() => {});
    },
  };
}
