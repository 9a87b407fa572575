// A disk or CD image read from a URL with HTTP range requests (RFC 9110 §14), so a large image
// is never downloaded whole. Guest port I/O is synchronous, so this uses synchronous
// XMLHttpRequest, which workers (not pages) may still use; it blocks only this machine's worker.
// Reads are fetched in aligned chunks and kept in a bounded cache. Writes (a disk) stay in a
// sector overlay in memory, kept in snapshots; the image on the server is never modified.
import { checkRange, DISK_SECTOR_SIZE, ReadOnlyStoreError, SectorOverlay, type BlockStore } from '../../devices/block/block-store.js';

/** The part of XMLHttpRequest used here (the worker is compiled without DOM types). */
interface SyncXhr {
  open(method: string, url: string, async: false): void;
  setRequestHeader(name: string, value: string): void;
  send(): void;
  responseType: string;
  readonly status: number;
  readonly response: ArrayBuffer | null;
  getResponseHeader(name: string): string | null;
}

export class HttpImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HttpImageError';
  }
}

const CHUNK = 256 * 1024;
const CACHE_CHUNKS = 256; // 64 MiB

function xhr(): SyncXhr {
  const ctor = (globalThis as unknown as { XMLHttpRequest?: new () => SyncXhr }).XMLHttpRequest;
  if (!ctor) throw new HttpImageError('this environment has no XMLHttpRequest for range reads');
  return new ctor();
}

export class HttpRangeBlockStore implements BlockStore {
  readonly overlay = new SectorOverlay();
  private readonly cache = new Map<number, Uint8Array>();
  /** Range requests made so far (the status line and tests show streaming works). */
  requests = 0;
  private closed = false;

  private constructor(
    readonly url: string,
    readonly size: number,
    readonly readOnly: boolean,
    readonly name: string,
  ) {}

  /** Asks the server for the size (HEAD) and checks it serves byte ranges. */
  static open(url: string, opts: { readOnly: boolean; name?: string }): HttpRangeBlockStore {
    const name = opts.name ?? url;
    const req = xhr();
    try {
      req.open('HEAD', url, false);
      req.send();
    } catch (e) {
      throw new HttpImageError(`could not reach ${url}: ${(e as Error).message || 'network error'}`);
    }
    if (req.status < 200 || req.status > 299) throw new HttpImageError(`${url}: HTTP ${req.status}`);
    const size = Number(req.getResponseHeader('content-length') ?? NaN);
    if (!Number.isSafeInteger(size) || size <= 0) throw new HttpImageError(`${url}: the server gives no Content-Length, so the image cannot be read by ranges`);
    if ((req.getResponseHeader('accept-ranges') ?? '').toLowerCase() !== 'bytes') {
      throw new HttpImageError(`${url}: the server does not offer byte ranges (Accept-Ranges: bytes); load the image as a file instead`);
    }
    return new HttpRangeBlockStore(url, size, opts.readOnly, name);
  }

  private chunk(index: number): Uint8Array {
    const hit = this.cache.get(index);
    if (hit) {
      // Map order is insertion order: re-insert to mark it recently used.
      this.cache.delete(index);
      this.cache.set(index, hit);
      return hit;
    }
    const start = index * CHUNK;
    const end = Math.min(this.size, start + CHUNK) - 1;
    const req = xhr();
    req.open('GET', this.url, false);
    req.responseType = 'arraybuffer';
    req.setRequestHeader('Range', `bytes=${start}-${end}`);
    req.send();
    this.requests++;
    if (req.status !== 206 || !req.response || req.response.byteLength !== end - start + 1) {
      throw new HttpImageError(`${this.url}: range ${start}-${end} failed (HTTP ${req.status})`);
    }
    const data = new Uint8Array(req.response);
    this.cache.set(index, data);
    if (this.cache.size > CACHE_CHUNKS) this.cache.delete(this.cache.keys().next().value!);
    return data;
  }

  read(offset: number, length: number): Uint8Array {
    if (this.closed) throw new Error(`${this.name} is closed`);
    checkRange(this.name, offset, length, this.size);
    const out = new Uint8Array(length);
    let at = offset;
    while (at < offset + length) {
      const i = Math.floor(at / CHUNK);
      const c = this.chunk(i);
      const from = at - i * CHUNK;
      const n = Math.min(c.length - from, offset + length - at);
      out.set(c.subarray(from, from + n), at - offset);
      at += n;
    }
    this.overlay.apply(out, offset);
    return out;
  }

  write(offset: number, data: Uint8Array): void {
    if (this.readOnly) throw new ReadOnlyStoreError(this.name);
    checkRange(this.name, offset, data.length, this.size);
    this.overlay.write(offset, data, (s) => this.read(s * DISK_SECTOR_SIZE, DISK_SECTOR_SIZE));
  }

  flush(): void {}

  close(): void {
    this.closed = true;
    this.cache.clear();
  }
}
