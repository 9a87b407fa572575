// The web console for a running daemon: lists its VMs (GET /vms over its Unix socket) and
// bridges a browser WebSocket to a VM's serial console (the daemon's `Upgrade:
// ringmaster-console` stream). Read-only unless the server was started with a token and the
// page presents it. The WebSocket side is a small RFC 6455 server of our own (no dependency).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiClient, ApiError } from '../hypervisor/client.js';

export interface BridgeOptions {
  socketPath: string;
  /** With a token, a page presenting it (?token=) may type into consoles; otherwise read-only. */
  token?: string;
}

export async function listDaemonVms(o: BridgeOptions): Promise<{ vms: unknown[]; error?: string; writable: boolean }> {
  try {
    const r = await new ApiClient(o.socketPath).call<{ vms: unknown[] }>('GET', '/vms');
    return { vms: r.vms, writable: !!o.token };
  } catch (e) {
    return { vms: [], error: e instanceof ApiError ? e.message : (e as Error).message, writable: false };
  }
}

/** RFC 6455 §1.3: Sec-WebSocket-Accept = base64(SHA-1(key + this GUID)). */
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;
/** Frames from a browser console are keystrokes and pastes; anything larger is refused. */
const MAX_FRAME = 1 << 20;

export function acceptKey(key: string): string {
  return createHash('sha1').update(key + WS_GUID).digest('base64');
}

/** One unmasked server frame (§5.2: FIN, opcode, 7/16/64-bit length). */
export function encodeFrame(opcode: number, payload: Uint8Array): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, n]) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (n >= 126 && n < 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 126;
    head.writeUInt16BE(n, 2);
  } else if (n >= 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([head, payload]);
}

/** Parses client frames (masked, §5.3) from a growing buffer; returns the bytes consumed. */
export function decodeFrames(buf: Buffer, onFrame: (opcode: number, payload: Buffer) => void): number {
  let at = 0;
  for (;;) {
    if (buf.length - at < 2) return at;
    const opcode = buf[at]! & 0x0f;
    const masked = (buf[at + 1]! & 0x80) !== 0;
    let len = buf[at + 1]! & 0x7f;
    let p = at + 2;
    if (len === 126) {
      if (buf.length - p < 2) return at;
      len = buf.readUInt16BE(p);
      p += 2;
    } else if (len === 127) {
      if (buf.length - p < 8) return at;
      const big = buf.readBigUInt64BE(p);
      if (big > BigInt(MAX_FRAME)) throw new Error('frame too large');
      len = Number(big);
      p += 8;
    }
    if (len > MAX_FRAME) throw new Error('frame too large');
    if (!masked) throw new Error('client frames must be masked (RFC 6455 §5.1)');
    if (buf.length - p < 4 + len) return at;
    const mask = buf.subarray(p, p + 4);
    const payload = Buffer.from(buf.subarray(p + 4, p + 4 + len));
    for (let i = 0; i < len; i++) payload[i]! ^= mask[i & 3]!;
    onFrame(opcode, payload);
    at = p + 4 + len;
  }
}

function tokenMatches(expected: string | undefined, given: string | null): boolean {
  if (!expected || !given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Handles an upgrade on /api/daemon/vms/NAME/console; returns false when the path is not ours. */
export function bridgeConsole(req: IncomingMessage, socket: Duplex, o: BridgeOptions): boolean {
  const url = new URL(req.url ?? '/', 'http://x');
  const m = /^\/api\/daemon\/vms\/([^/]+)\/console$/.exec(url.pathname);
  if (!m) return false;
  socket.on('error', () => {});
  const refuse = (status: string, why: string) => socket.end(`HTTP/1.1 ${status}\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${why}\n`);
  const key = req.headers['sec-websocket-key'];
  if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket' || typeof key !== 'string') {
    refuse('400 Bad Request', 'expected a WebSocket upgrade');
    return true;
  }
  // RFC 6455 §10.2: a page from another origin must not reach the consoles through the browser.
  const origin = req.headers.origin;
  if (origin && new URL(origin).host !== req.headers.host) {
    refuse('403 Forbidden', 'cross-origin console access refused');
    return true;
  }
  const writable = tokenMatches(o.token, url.searchParams.get('token'));
  let name: string;
  try {
    name = decodeURIComponent(m[1]!);
  } catch {
    refuse('404 Not Found', 'bad VM name');
    return true;
  }
  new ApiClient(o.socketPath).console(name).then(
    (vm) => {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${acceptKey(key)}\r\n\r\n`);
      const status = JSON.stringify({ type: 'attached', vm: name, writable });
      socket.write(encodeFrame(OP_TEXT, Buffer.from(status)));
      vm.on('data', (d: Buffer) => socket.write(encodeFrame(OP_BINARY, d)));
      vm.on('error', () => socket.destroy());
      vm.on('close', () => socket.end(encodeFrame(OP_CLOSE, Buffer.alloc(0))));
      let pending = Buffer.alloc(0);
      socket.on('data', (d: Buffer) => {
        pending = Buffer.concat([pending, d]);
        try {
          const used = decodeFrames(pending, (op, payload) => {
            if (op === OP_BINARY || op === OP_TEXT) {
              if (writable) vm.write(payload);
            } else if (op === OP_PING) socket.write(encodeFrame(OP_PONG, payload));
            else if (op === OP_CLOSE) socket.end(encodeFrame(OP_CLOSE, Buffer.alloc(0)));
          });
          pending = pending.subarray(used);
        } catch {
          socket.destroy();
        }
      });
      socket.on('close', () => vm.destroy());
    },
    (e: Error) => refuse(e instanceof ApiError && e.status === 404 ? '404 Not Found' : '502 Bad Gateway', e.message),
  );
  return true;
}
