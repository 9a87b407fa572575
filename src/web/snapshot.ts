// The browser's snapshot file: everything needed to rebuild the machine after a page reload
// (the setup with its images, and Pc.saveState()) in one download. Layout, before gzip:
//   "RMWSNAP1" | u32 LE length of the JSON | JSON (UTF-8) | blobs
// Typed arrays in the state become {$blob, $ta, offset, length} entries pointing into the blob
// area, so guest RAM is never turned into text. Non-finite numbers and bigints are tagged as in
// src/hypervisor/state-codec.ts (own code: that one uses Node's Buffer).

export const WEB_SNAPSHOT_MAGIC = 'RMWSNAP1';

export class WebSnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebSnapshotError';
  }
}

type TypedCtor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => ArrayBufferView;
const TYPED: Record<string, TypedCtor> = {
  Uint8Array, Int8Array, Uint16Array, Int16Array, Uint32Array, Int32Array, Float32Array, Float64Array,
  BigInt64Array, BigUint64Array, Uint8ClampedArray,
} as unknown as Record<string, TypedCtor>;

/** Packs a value (plain data, typed arrays, ArrayBuffers) into the uncompressed snapshot layout. */
export function packSnapshot(value: unknown): Uint8Array {
  const blobs: Uint8Array[] = [];
  let offset = 0;
  const json = JSON.stringify(value, function (this: unknown, _key: string, v: unknown) {
    if (typeof v === 'number' && !Number.isFinite(v)) return { $num: String(v) };
    if (typeof v === 'bigint') return { $big: v.toString() };
    const isBuffer = v instanceof ArrayBuffer;
    if (isBuffer || (ArrayBuffer.isView(v) && !(v instanceof DataView))) {
      const view = isBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      // Keep every blob 8-byte aligned so any typed array can view it in place on unpack.
      const pad = (8 - (view.byteLength % 8)) % 8;
      blobs.push(view, new Uint8Array(pad));
      const entry = { $blob: offset, $ta: isBuffer ? 'ArrayBuffer' : v.constructor.name, length: view.byteLength };
      offset += view.byteLength + pad;
      return entry;
    }
    return v;
  });
  const text = new TextEncoder().encode(json);
  const headPad = (8 - ((12 + text.length) % 8)) % 8;
  const out = new Uint8Array(12 + text.length + headPad + offset);
  for (let i = 0; i < 8; i++) out[i] = WEB_SNAPSHOT_MAGIC.charCodeAt(i);
  new DataView(out.buffer).setUint32(8, text.length, true);
  out.set(text, 12);
  let at = 12 + text.length + headPad;
  for (const b of blobs) {
    out.set(b, at);
    at += b.byteLength;
  }
  return out;
}

/** Inverse of packSnapshot; throws WebSnapshotError on anything that is not one. */
export function unpackSnapshot(file: Uint8Array): unknown {
  if (file.length < 12 || String.fromCharCode(...file.subarray(0, 8)) !== WEB_SNAPSHOT_MAGIC) {
    throw new WebSnapshotError('not a Ringmaster browser snapshot (no RMWSNAP1 header)');
  }
  const len = new DataView(file.buffer, file.byteOffset, file.byteLength).getUint32(8, true);
  if (12 + len > file.length) throw new WebSnapshotError('snapshot is truncated (header longer than the file)');
  const headPad = (8 - ((12 + len) % 8)) % 8;
  const base = 12 + len + headPad;
  // One aligned copy of the blob area: typed arrays view it directly.
  const blobArea = file.slice(base).buffer;
  let json: string;
  try {
    json = new TextDecoder('utf-8', { fatal: true }).decode(file.subarray(12, 12 + len));
  } catch {
    throw new WebSnapshotError('snapshot header is not UTF-8 text');
  }
  try {
    return JSON.parse(json, (_key, v: unknown) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
      const o = v as Record<string, unknown>;
      if (typeof o.$num === 'string') return Number(o.$num);
      if (typeof o.$big === 'string') return BigInt(o.$big);
      if (typeof o.$blob === 'number' && typeof o.$ta === 'string' && typeof o.length === 'number') {
        if (o.$blob + o.length > blobArea.byteLength) throw new WebSnapshotError('snapshot is truncated (data past the end)');
        if (o.$ta === 'ArrayBuffer') return blobArea.slice(o.$blob, o.$blob + o.length);
        const ctor = TYPED[o.$ta];
        if (!ctor) throw new WebSnapshotError(`snapshot holds an unknown array type ${o.$ta}`);
        const size = (ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
        return new ctor(blobArea, o.$blob, o.length / size);
      }
      return v;
    });
  } catch (e) {
    if (e instanceof WebSnapshotError) throw e;
    throw new WebSnapshotError(`snapshot header is damaged: ${(e as Error).message}`);
  }
}

interface StreamCtor {
  new (format: 'gzip'): { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> };
}

async function pipe(data: Uint8Array, ctor: StreamCtor): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new ctor('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** gzip (CompressionStream: browsers and Node 18+). */
export function gzip(data: Uint8Array): Promise<Uint8Array> {
  return pipe(data, (globalThis as unknown as { CompressionStream: StreamCtor }).CompressionStream);
}

export async function gunzip(data: Uint8Array): Promise<Uint8Array> {
  if (data[0] !== 0x1f || data[1] !== 0x8b) return data; // stored uncompressed
  try {
    return await pipe(data, (globalThis as unknown as { DecompressionStream: StreamCtor }).DecompressionStream);
  } catch {
    throw new WebSnapshotError('snapshot is truncated or damaged (gzip data does not decompress)');
  }
}
