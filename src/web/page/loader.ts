/// <reference lib="dom" />
// Reads images from files or URLs with progress. A URL is fetched whole into memory (a
// MemoryBlockStore in the worker); HTTP range reads for large disks are a later step.

export type Progress = (done: number, total: number, label: string) => void;

export class LoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LoadError';
  }
}

export async function readFileWithProgress(file: File, progress: Progress): Promise<ArrayBuffer> {
  progress(0, file.size, file.name);
  const reader = file.stream().getReader();
  const out = new Uint8Array(file.size);
  let done = 0;
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    out.set(r.value.subarray(0, Math.max(0, out.length - done)), done);
    done += r.value.length;
    progress(done, file.size, file.name);
  }
  if (done !== file.size) throw new LoadError(`${file.name}: read ${done} of ${file.size} bytes`);
  return out.buffer;
}

export async function fetchWithProgress(url: string, progress: Progress): Promise<ArrayBuffer> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new LoadError(`could not fetch ${url}: ${(e as Error).message || 'network error'} (unreachable, or the server does not allow cross-origin reads)`);
  }
  if (!response.ok) throw new LoadError(`could not fetch ${url}: HTTP ${response.status} ${response.statusText}`);
  const total = Number(response.headers.get('content-length') ?? 0);
  if (!response.body) return response.arrayBuffer();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let done = 0;
  progress(0, total, url);
  for (;;) {
    let r: ReadableStreamReadResult<Uint8Array>;
    try {
      r = await reader.read();
    } catch (e) {
      throw new LoadError(`download of ${url} broke off after ${done} bytes: ${(e as Error).message}`);
    }
    if (r.done) break;
    chunks.push(r.value);
    done += r.value.length;
    progress(done, total, url);
  }
  const out = new Uint8Array(done);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out.buffer;
}
