// The HTTP/JSON API of the daemon (Firecracker/Docker style resources; docs/openapi.json).
// Every request is validated (zod schemas, parseConfig for machine options, path checks for
// files); every error is JSON {code, message} with an HTTP status; nothing changes unless the
// whole request is valid.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { ConfigError, parseConfig, type MachineConfig } from '../machine/config.js';
import { unsupportedReason, type DrivePaths } from './machine-factory.js';
import { imagePath, missingImages } from '../cli/images/paths.js';
import { checkInputFile, checkOutputFile, PathError } from './paths.js';
import { HvError, type Supervisor } from './supervisor.js';
import { SnapshotError, verifySnapshot, writeAtomically } from './snapshot-file.js';
import * as S from './api-schemas.js';
import { openApiDocument } from './openapi.js';

const MAX_BIOS = 256 * 1024;
const MAX_KERNEL = 64 * 1024 * 1024;
const MAX_INITRD = 1024 * 1024 * 1024;
const MAX_SNAPSHOT = 4 * 1024 * 1024 * 1024 - 1;
/** Output queued for one slow stream client beyond which bytes are dropped, not buffered. */
const MAX_STREAM_BACKLOG = 1024 * 1024;

type Params = Record<string, string>;
interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  params: Params;
  query: URLSearchParams;
}
type Handler = (ctx: Ctx) => Promise<void>;

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, e: unknown): void {
  if (e instanceof HvError) return send(res, e.status, { code: e.code, message: e.message });
  if (e instanceof ConfigError) return send(res, 400, { code: 'invalid_config', message: e.message });
  if (e instanceof PathError) return send(res, 400, { code: 'bad_path', message: e.message });
  if (e instanceof SnapshotError) return send(res, 422, { code: 'bad_snapshot', message: e.message });
  send(res, 500, { code: 'internal', message: e instanceof Error ? e.message : String(e) });
}

function zodMessage(e: z.ZodError): { code: string; message: string } {
  const i = e.issues[0]!;
  if (i.code === z.ZodIssueCode.unrecognized_keys) return { code: 'unknown_field', message: `unknown field '${i.keys[0]}'` };
  const where = i.path.length ? `${i.path.join('.')}: ` : '';
  return { code: 'bad_request', message: `${where}${i.message}` };
}

function validate<T extends z.ZodTypeAny>(schema: T, value: unknown): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const m = zodMessage(r.error);
    throw new HvError(400, m.code, m.message);
  }
  return r.data;
}

function queryObject(q: URLSearchParams): Record<string, string> {
  const o: Record<string, string> = {};
  for (const [k, v] of q) {
    if (k in o) throw new HvError(400, 'bad_request', `query parameter '${k}' given twice`);
    o[k] = v;
  }
  return o;
}

/** Reads a JSON body of at most MAX_BODY_BYTES (no body = {}). */
async function readJson(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > S.MAX_BODY_BYTES) throw new HvError(413, 'payload_too_large', `request bodies are limited to ${S.MAX_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > S.MAX_BODY_BYTES) throw new HvError(413, 'payload_too_large', `request bodies are limited to ${S.MAX_BODY_BYTES} bytes`);
    chunks.push(c);
  }
  if (size === 0) return {};
  const type = String(req.headers['content-type'] ?? '');
  if (!/^application\/json\b/i.test(type)) throw new HvError(415, 'unsupported_media_type', 'send the body as application/json');
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HvError(400, 'invalid_json', 'the body is not valid JSON');
  }
}

/** The request target as a URL ('//x' is a path here, not a host). */
function parseUrl(target: string | undefined): URL {
  const t = target ?? '/';
  if (!t.startsWith('/')) throw new HvError(400, 'bad_request', 'the request target must be an absolute path');
  try {
    return new URL(`http://daemon${t}`);
  } catch {
    throw new HvError(400, 'bad_request', 'the request target is not a valid URL path');
  }
}

function toConfig(input: unknown): MachineConfig {
  const config = parseConfig(input);
  const why = unsupportedReason(config);
  if (why) throw new HvError(400, 'unsupported', why);
  return config;
}

async function readChecked(field: string, p: string | null, max: number): Promise<Uint8Array | null> {
  if (p === null) return null;
  const f = await checkInputFile(field, p, max);
  const b = await readFile(f.path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** The drive images by real path (they must exist; locks compare real paths). */
async function drivePaths(config: MachineConfig): Promise<DrivePaths> {
  const disks: string[] = [];
  for (const d of config.disks) disks.push((await checkInputFile('disk', d)).path);
  const cdrom = config.cdrom ? (await checkInputFile('cdrom', config.cdrom)).path : null;
  return { disks, cdrom };
}

/** Disks and CDs boot through firmware: Debian's SeaBIOS and VGA BIOS from the image cache, as `ringmaster run`. */
function withDefaultFirmware(config: MachineConfig): MachineConfig {
  if (config.bios || config.kernel) return config;
  const missing = missingImages(config.vgabios ? ['seabios-256k'] : ['seabios-256k', 'vgabios-stdvga']);
  if (missing.length) {
    throw new HvError(400, 'missing_image', `booting a drive needs a BIOS: give one (bios) or build the default (${missing.join(', ')}) with \`ringmaster images\``);
  }
  return { ...config, bios: imagePath('seabios-256k'), vgabios: config.vgabios ?? imagePath('vgabios-stdvga') };
}

export class Api {
  private readonly routes: Array<{ method: string; parts: string[]; handler: Handler }> = [];

  constructor(
    private readonly hv: Supervisor,
    private readonly testHooks: boolean,
  ) {
    this.route('GET', '/openapi.json', async ({ res }) => send(res, 200, openApiDocument()));
    this.route('GET', '/info', async ({ res, query }) => {
      validate(S.noQuery, queryObject(query));
      send(res, 200, {
        version: '0.1.0',
        vms: hv.vms.size,
        maxVms: hv.options.maxVms,
        memoryBytes: hv.usedMemory,
        maxMemoryBytes: hv.options.maxMemoryBytes,
        cpus: hv.cpus,
      });
    });
    this.route('GET', '/vms', async ({ res }) => send(res, 200, { vms: hv.list() }));
    this.route('POST', '/vms', (c) => this.create(c));
    this.route('POST', '/vms/restore', (c) => this.restore(c));
    this.route('GET', '/vms/{name}', async ({ res, params }) => send(res, 200, hv.get(params.name!).info()));
    this.route('DELETE', '/vms/{name}', async ({ res, params, query }) => {
      const q = validate(S.removeQuery, queryObject(query));
      await hv.remove(params.name!, q.force ?? false);
      send(res, 200, { removed: params.name });
    });
    for (const action of ['pause', 'resume', 'stop', 'kill'] as const) {
      this.route('POST', `/vms/{name}/${action}`, (c) => this.control(c, action));
    }
    this.route('POST', '/vms/{name}/snapshot', (c) => this.snapshot(c));
    this.route('GET', '/vms/{name}/logs', (c) => this.logs(c));
    this.route('GET', '/events', (c) => this.events(c));
    if (testHooks) {
      this.route('POST', '/vms/{name}/debug/fault', async ({ req, res, params }) => {
        const vm = hv.get(params.name!);
        const body = validate(S.faultBody, await readJson(req));
        vm.fault(body.kind);
        send(res, 202, { accepted: body.kind });
      });
    }
  }

  private route(method: string, pattern: string, handler: Handler): void {
    this.routes.push({ method, parts: pattern.split('/').slice(1), handler });
  }

  private match(method: string, pathname: string): { handler: Handler; params: Params } | 'method' | null {
    const parts = pathname.split('/').slice(1);
    let methodMismatch = false;
    for (const r of this.routes) {
      if (r.parts.length !== parts.length) continue;
      const params: Params = {};
      let ok = true;
      for (let i = 0; i < parts.length && ok; i++) {
        const want = r.parts[i]!;
        let got: string;
        try {
          got = decodeURIComponent(parts[i]!);
        } catch {
          return null;
        }
        if (want.startsWith('{')) {
          if (!S.NAME_RE.test(got)) ok = false;
          else params[want.slice(1, -1)] = got;
        } else if (want !== got) ok = false;
      }
      if (!ok) continue;
      if (r.method !== method) {
        methodMismatch = true;
        continue;
      }
      return { handler: r.handler, params };
    }
    return methodMismatch ? 'method' : null;
  }

  /** The http server's 'request' handler; never throws. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.on('error', () => {});
    req.on('error', () => {});
    try {
      const url = parseUrl(req.url);
      const m = this.match(req.method ?? 'GET', url.pathname);
      if (m === 'method') throw new HvError(405, 'method_not_allowed', `${req.method} is not allowed on ${url.pathname}`);
      if (!m) throw new HvError(404, 'not_found', `no such resource: ${url.pathname}`);
      await m.handler({ req, res, params: m.params, query: url.searchParams });
    } catch (e) {
      // A body over the limit: answer, then stop reading it.
      if (e instanceof HvError && e.status === 413) res.setHeader('connection', 'close');
      sendError(res, e);
      if (e instanceof HvError && e.status === 413) req.destroy();
    }
  }

  private async create({ req, res }: Ctx): Promise<void> {
    const body = validate(S.createBody, await readJson(req));
    const config = withDefaultFirmware(toConfig(body.config));
    this.hv.admit(body.name, config.memoryBytes);
    const drives = await drivePaths(config);
    this.hv.admit(body.name, config.memoryBytes, drives);
    const images = {
      bios: await readChecked('bios', config.bios, MAX_BIOS),
      vgaBios: await readChecked('vgabios', config.vgabios, MAX_BIOS),
      kernel: await readChecked('kernel', config.kernel, MAX_KERNEL),
      initrd: await readChecked('initrd', config.initrd, MAX_INITRD),
      drives,
    };
    const vm = await this.hv.create({ name: body.name, config, cpuShare: body.cpuShare ?? 1, images });
    send(res, 201, vm.info());
  }

  private async restore({ req, res }: Ctx): Promise<void> {
    const body = validate(S.restoreBody, await readJson(req));
    this.hv.admit(body.name, 0);
    const f = await checkInputFile('path', body.path, MAX_SNAPSHOT);
    const buf = await readFile(f.path);
    const file = new Uint8Array(buf); // own ArrayBuffer: it is transferred to the worker
    const header = verifySnapshot(file);
    let config: MachineConfig;
    try {
      config = toConfig(S.configToInput(header.config));
    } catch (e) {
      throw new SnapshotError(`the snapshot's machine configuration is not valid: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (config.memoryBytes !== header.ramBytes) throw new SnapshotError('the snapshot RAM size does not match its configuration');
    // Not in the snapshot, named by path: the drive images (flushed when the snapshot was
    // taken; used as they are now) and the VGA BIOS (served from the VGA's ROM BAR).
    const drives = await drivePaths(config);
    this.hv.admit(body.name, 0, drives);
    const vgaBios = await readChecked('vgabios', config.vgabios, MAX_BIOS);
    const vm = await this.hv.create({
      name: body.name,
      config,
      cpuShare: body.cpuShare ?? header.source.cpuShare,
      images: { bios: null, vgaBios, kernel: null, initrd: null, drives },
      snapshot: file,
      restoredFrom: f.path,
    });
    send(res, 201, vm.info());
  }

  private async control({ req, res, params }: Ctx, action: 'pause' | 'resume' | 'stop' | 'kill'): Promise<void> {
    const vm = this.hv.get(params.name!);
    const body = validate(action === 'stop' ? S.stopBody : S.emptyBody, await readJson(req)) as { timeout?: number };
    const need = action === 'resume' ? ['paused'] : action === 'pause' ? ['running'] : ['starting', 'running', 'paused'];
    if (!need.includes(vm.state)) throw new HvError(409, 'conflict', `cannot ${action} VM '${vm.name}': it is ${vm.state}`);
    if (action === 'pause') await vm.pause();
    else if (action === 'resume') vm.resume();
    else if (action === 'stop') await vm.stop(body.timeout !== undefined ? body.timeout * 1000 : (this.hv.options.stopTimeoutMs ?? 10_000));
    else {
      vm.kill('killed');
      await new Promise<void>((r) => {
        const check = () => (vm.live ? setTimeout(check, 5) : r());
        check();
      });
    }
    send(res, 200, vm.info());
  }

  private async snapshot({ req, res, params }: Ctx): Promise<void> {
    const vm = this.hv.get(params.name!);
    const body = validate(S.snapshotBody, await readJson(req));
    if (vm.state !== 'running' && vm.state !== 'paused') throw new HvError(409, 'conflict', `cannot snapshot VM '${vm.name}': it is ${vm.state}`);
    const target = await checkOutputFile('path', body.path);
    const t0 = performance.now();
    let bytes: Uint8Array;
    try {
      bytes = await vm.snapshot();
    } catch (e) {
      throw new HvError(409, 'snapshot_failed', e instanceof Error ? e.message : String(e));
    }
    await writeAtomically(target, bytes);
    send(res, 200, { path: target, bytes: bytes.length, ms: Math.round(performance.now() - t0), instructions: vm.counters.instructions });
  }

  private async logs({ res, params, query }: Ctx): Promise<void> {
    const vm = this.hv.get(params.name!);
    const q = validate(S.logsQuery, queryObject(query));
    const data = vm.log.contents();
    if (!q.follow) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
      res.end(data);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.write(data);
    const listener = (b: Uint8Array) => {
      if (res.writableLength < MAX_STREAM_BACKLOG) res.write(b);
    };
    vm.serialListeners.add(listener);
    res.on('close', () => vm.serialListeners.delete(listener));
  }

  private async events({ res, query }: Ctx): Promise<void> {
    const q = validate(S.eventsQuery, queryObject(query));
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-cache' });
    res.flushHeaders();
    const off = this.hv.onEvent((e) => {
      if (q.vm && e.vm !== q.vm) return;
      if (res.writableLength < MAX_STREAM_BACKLOG) res.write(`${JSON.stringify(e)}\n`);
    });
    res.on('close', off);
  }

  /** `GET /vms/{name}/console` with `Upgrade: ringmaster-console`: raw bytes both ways. */
  handleUpgrade(req: IncomingMessage, socket: Duplex): void {
    socket.on('error', () => {});
    const fail = (status: number, code: string, message: string) => {
      const text = JSON.stringify({ code, message });
      socket.end(
        `HTTP/1.1 ${status} ${code}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
      );
    };
    let url: URL;
    try {
      url = parseUrl(req.url);
    } catch {
      return fail(400, 'bad_request', 'bad request target');
    }
    const m = /^\/vms\/([^/]+)\/console$/.exec(url.pathname);
    if (req.method !== 'GET' || !m) return fail(404, 'not_found', `no upgradable resource: ${url.pathname}`);
    if (String(req.headers.upgrade ?? '').toLowerCase() !== 'ringmaster-console') {
      return fail(400, 'bad_request', "upgrade with 'Upgrade: ringmaster-console'");
    }
    let name: string;
    try {
      name = decodeURIComponent(m[1]!);
    } catch {
      return fail(404, 'not_found', 'bad VM name');
    }
    const vm = this.hv.vms.get(name);
    if (!vm) return fail(404, 'not_found', `no VM named '${name}'`);
    if (!vm.live) return fail(409, 'conflict', `VM '${name}' is ${vm.state}`);
    socket.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: ringmaster-console\r\nconnection: Upgrade\r\n\r\n');
    const listener = (b: Uint8Array) => {
      if (socket.writableLength < MAX_STREAM_BACKLOG) socket.write(b);
    };
    vm.serialListeners.add(listener);
    socket.on('data', (d: Buffer) => vm.input(new Uint8Array(d)));
    const detach = () => vm.serialListeners.delete(listener);
    socket.on('close', detach);
    socket.on('end', () => {
      detach();
      socket.end();
    });
  }
}
