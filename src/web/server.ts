// `ringmaster web`'s HTTP side: serves the built page, the guest images of the image cache
// (with HTTP range requests, RFC 9110 §14), and api/guests, the ready-made guests whose images
// exist. Binds to localhost by default: the images and the page are for the local user.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { DEFAULT_GUEST, IMAGE_FILES, imagePath, type ImageName } from '../cli/images/paths.js';
import { bridgeConsole, listDaemonVms } from './daemon-bridge.js';

export interface GuestPreset {
  id: string;
  title: string;
  memoryMiB: number;
  cmdline?: string;
  urls: Partial<Record<'bios' | 'vgaBios' | 'kernel' | 'initrd' | 'cdrom' | 'disk', string>>;
}

/** The guests the page offers, with the images each needs (slot → image name). */
const PRESETS: { id: string; title: string; memoryMiB: number; cmdline?: string; images: Partial<Record<keyof GuestPreset['urls'], ImageName>> }[] = [
  { id: 'linux', title: 'Debian i386 (kernel + busybox initrd)', memoryMiB: 128, cmdline: DEFAULT_GUEST.append, images: { kernel: DEFAULT_GUEST.kernel, initrd: DEFAULT_GUEST.initrd } },
  { id: 'bios', title: 'SeaBIOS, no disk', memoryMiB: 32, images: { bios: 'seabios-256k', vgaBios: 'vgabios-stdvga' } },
  { id: 'memtest', title: 'memtest86+ CD', memoryMiB: 64, images: { bios: 'seabios-256k', vgaBios: 'vgabios-stdvga', cdrom: 'memtest-iso' } },
  { id: 'i386-iso', title: 'Debian i386 CD (ISOLINUX)', memoryMiB: 128, images: { bios: 'seabios-256k', vgaBios: 'vgabios-stdvga', cdrom: 'i386-iso' } },
];

export function availablePresets(imagesDir?: string): GuestPreset[] {
  return PRESETS.filter((p) => Object.values(p.images).every((n) => existsSync(imagePath(n, imagesDir)))).map((p) => ({
    id: p.id,
    title: p.title,
    memoryMiB: p.memoryMiB,
    cmdline: p.cmdline,
    urls: Object.fromEntries(Object.entries(p.images).map(([slot, name]) => [slot, `images/${name}`])),
  }));
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
};

export interface WebServerOptions {
  siteDir: string;
  port: number;
  host: string;
  imagesDir?: string;
  /** The daemon whose VMs the page lists and attaches to (its Unix socket). */
  daemonSocket?: string;
  /** Lets a page presenting ?token= type into daemon consoles (read-only otherwise). */
  token?: string;
}

export interface RunningWebServer {
  server: Server;
  url: string;
  /** Answers served so far: 206 partial (range) and 200 whole image reads. */
  stats: { rangeReads: number; wholeImageReads: number };
  close(): Promise<void>;
}

export function startWebServer(o: WebServerOptions): Promise<RunningWebServer> {
  const site = resolve(o.siteDir);
  const stats = { rangeReads: 0, wholeImageReads: 0 };
  const server = createServer((req, res) => {
    try {
      if (o.daemonSocket && new URL(req.url ?? '/', 'http://x').pathname === '/api/daemon/vms') {
        void listDaemonVms({ socketPath: o.daemonSocket, token: o.token }).then((r) => send(res, 200, JSON.stringify(r), 'application/json'));
        return;
      }
      route(req, res, site, o.imagesDir, stats);
    } catch (e) {
      send(res, 500, `internal error: ${(e as Error).message}\n`);
    }
  });
  server.on('upgrade', (req, socket) => {
    if (!o.daemonSocket || !bridgeConsole(req, socket, { socketPath: o.daemonSocket, token: o.token })) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(o.port, o.host, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : o.port;
      const host = o.host.includes(':') ? `[${o.host}]` : o.host;
      ok({
        server,
        stats,
        url: `http://${host}:${port}/`,
        close: () => new Promise((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

function route(req: IncomingMessage, res: ServerResponse, site: string, imagesDir: string | undefined, stats: RunningWebServer['stats']): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'only GET and HEAD\n');
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  if (path === '/api/guests') return send(res, 200, JSON.stringify(availablePresets(imagesDir)), 'application/json');
  if (path.startsWith('/images/')) {
    const name = path.slice('/images/'.length);
    if (!(name in IMAGE_FILES)) return send(res, 404, `no image named ${name}\n`);
    const file = imagePath(name as ImageName, imagesDir);
    if (!existsSync(file)) return send(res, 404, `image ${name} is not built (run \`ringmaster images\`)\n`);
    const status = serveFile(req, res, file, 'application/octet-stream');
    if (req.method === 'GET' && status === 206) stats.rangeReads++;
    if (req.method === 'GET' && status === 200) stats.wholeImageReads++;
    return;
  }
  const rel = path === '/' ? 'index.html' : path.slice(1);
  const file = resolve(site, rel);
  if (!file.startsWith(site + sep) || !existsSync(file) || !statSync(file).isFile()) return send(res, 404, 'not found\n');
  serveFile(req, res, file, TYPES[extname(file)] ?? 'application/octet-stream');
}

/** A whole file, or one byte range of it (Range: bytes=a-b, a-, -n). */
function serveFile(req: IncomingMessage, res: ServerResponse, file: string, type: string): number {
  const size = statSync(file).size;
  const headers: Record<string, string | number> = { 'content-type': type, 'accept-ranges': 'bytes', 'cache-control': 'no-cache' };
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  let start = 0;
  let end = size - 1;
  let status = 200;
  if (range && (range[1] || range[2])) {
    if (range[1]) {
      start = Number(range[1]);
      if (range[2]) end = Math.min(Number(range[2]), size - 1);
    } else {
      start = Math.max(0, size - Number(range[2]));
    }
    if (start > end || start >= size) {
      res.writeHead(416, { 'content-range': `bytes */${size}` });
      res.end();
      return 416;
    }
    status = 206;
    headers['content-range'] = `bytes ${start}-${end}/${size}`;
  }
  headers['content-length'] = size === 0 ? 0 : end - start + 1;
  res.writeHead(status, headers);
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return status;
  }
  createReadStream(file, { start, end }).pipe(res);
  return status;
}

