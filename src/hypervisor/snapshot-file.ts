// The snapshot file: complete machine state of one VM, versioned and checksummed.
//
//   0   8  magic "RINGSNAP"
//   8   4  format version (u32 LE) — a reader refuses any other version
//  12   4  header length H (u32 LE)
//  16  32  SHA-256 of everything after this field (header and payload)
//  48   H  header, JSON (SnapshotHeader)
//  ..      payload: deflated machine state JSON, BIOS image, then RAM in 1 MiB chunks, each
//          deflated on its own (a chunk of zeros takes 0 bytes) so progress can be shown
//          and a 3 GiB guest never needs one 3 GiB compression buffer.
//
// Nothing is loaded until the magic, version, lengths and checksum all agree: a corrupt,
// truncated or foreign file is refused whole.
import { createHash } from 'node:crypto';
import { deflateSync, inflateSync, constants as zc } from 'node:zlib';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { decodeState, encodeState } from './state-codec.js';

export const SNAPSHOT_MAGIC = 'RINGSNAP';
export const SNAPSHOT_FORMAT = 1;
export const RAM_CHUNK = 1 << 20;
const FIXED = 48;
/** A header is small; anything bigger is not ours. */
const MAX_HEADER = 1 << 20;

export class SnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotError';
  }
}

const headerSchema = z
  .object({
    format: z.literal(SNAPSHOT_FORMAT),
    createdAt: z.string(),
    source: z.object({ name: z.string(), cpuShare: z.number().int().positive() }).strict(),
    /** The validated MachineConfig the VM was created with (checked again on restore). */
    config: z.record(z.unknown()),
    machineVersion: z.number().int(),
    stateBytes: z.number().int().nonnegative(),
    biosBytes: z.number().int().nonnegative(),
    ramBytes: z.number().int().nonnegative(),
    chunkSize: z.literal(RAM_CHUNK),
    chunks: z.array(z.number().int().nonnegative()),
    instructions: z.number().nonnegative(),
  })
  .strict();
export type SnapshotHeader = z.infer<typeof headerSchema>;

export type Progress = (done: number, total: number) => void;

export interface SnapshotContent {
  source: { name: string; cpuShare: number };
  config: Record<string, unknown>;
  /** Pc.saveState() output; its memory.ram is stored separately. */
  state: { version: number; memory: { ram: Uint8Array } & Record<string, unknown> } & Record<string, unknown>;
  bios: Uint8Array | null;
  instructions: number;
}

function isZero(b: Uint8Array): boolean {
  // Compare 4 bytes at a time where aligned: RAM is mostly zeros and this is the hot part.
  if (b.byteOffset % 4 === 0 && b.length % 4 === 0) {
    const w = new Uint32Array(b.buffer, b.byteOffset, b.length / 4);
    for (let i = 0; i < w.length; i++) if (w[i] !== 0) return false;
    return true;
  }
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** Builds the whole file in memory (the caller writes it with writeAtomically). */
export function encodeSnapshot(c: SnapshotContent, progress?: Progress): Uint8Array {
  const ram = c.state.memory.ram;
  const stateWithoutRam = { ...c.state, memory: { ...c.state.memory, ram: null } };
  const stateZ = deflateSync(Buffer.from(encodeState(stateWithoutRam), 'utf8'));
  const bios = c.bios ?? new Uint8Array(0);
  const parts: Uint8Array[] = [];
  const chunks: number[] = [];
  const total = Math.ceil(ram.length / RAM_CHUNK);
  for (let i = 0; i < total; i++) {
    const slice = ram.subarray(i * RAM_CHUNK, Math.min(ram.length, (i + 1) * RAM_CHUNK));
    if (isZero(slice)) chunks.push(0);
    else {
      const z1 = deflateSync(slice, { level: zc.Z_BEST_SPEED });
      parts.push(z1);
      chunks.push(z1.length);
    }
    progress?.(i + 1, total);
  }
  const header: SnapshotHeader = {
    format: SNAPSHOT_FORMAT,
    createdAt: new Date().toISOString(),
    source: c.source,
    config: c.config,
    machineVersion: c.state.version,
    stateBytes: stateZ.length,
    biosBytes: bios.length,
    ramBytes: ram.length,
    chunkSize: RAM_CHUNK,
    chunks,
    instructions: c.instructions,
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const body = Buffer.concat([headerBytes, stateZ, bios, ...parts]);
  const out = Buffer.alloc(FIXED + body.length);
  out.write(SNAPSHOT_MAGIC, 0, 'latin1');
  out.writeUInt32LE(SNAPSHOT_FORMAT, 8);
  out.writeUInt32LE(headerBytes.length, 12);
  createHash('sha256').update(body).digest().copy(out, 16);
  body.copy(out, FIXED);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** Checks magic, version, lengths and checksum and returns the header; loads nothing. */
export function verifySnapshot(file: Uint8Array): SnapshotHeader {
  const b = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (b.length < FIXED || b.toString('latin1', 0, 8) !== SNAPSHOT_MAGIC) {
    throw new SnapshotError('not a Ringmaster snapshot (bad magic)');
  }
  const format = b.readUInt32LE(8);
  if (format !== SNAPSHOT_FORMAT) {
    throw new SnapshotError(`snapshot format version ${format}; this ringmaster reads version ${SNAPSHOT_FORMAT} only`);
  }
  const h = b.readUInt32LE(12);
  if (h === 0 || h > MAX_HEADER || FIXED + h > b.length) throw new SnapshotError('snapshot is truncated or corrupt (header length)');
  const sum = createHash('sha256').update(b.subarray(FIXED)).digest();
  if (!sum.equals(b.subarray(16, 48))) throw new SnapshotError('snapshot checksum mismatch: the file is corrupt or truncated');
  let raw: unknown;
  try {
    raw = JSON.parse(b.toString('utf8', FIXED, FIXED + h));
  } catch {
    throw new SnapshotError('snapshot header is not valid JSON');
  }
  const r = headerSchema.safeParse(raw);
  if (!r.success) throw new SnapshotError(`snapshot header is invalid: ${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message}`);
  const hd = r.data;
  const payload = hd.stateBytes + hd.biosBytes + hd.chunks.reduce((a, n) => a + n, 0);
  if (FIXED + h + payload !== b.length) throw new SnapshotError('snapshot length does not match its header');
  if (hd.chunks.length !== Math.ceil(hd.ramBytes / RAM_CHUNK)) throw new SnapshotError('snapshot RAM chunk table does not match its RAM size');
  return hd;
}

export interface DecodedSnapshot {
  header: SnapshotHeader;
  state: SnapshotContent['state'];
  bios: Uint8Array | null;
}

/** Verifies, then inflates everything; throws SnapshotError before returning anything partial. */
export function decodeSnapshot(file: Uint8Array, progress?: Progress): DecodedSnapshot {
  const header = verifySnapshot(file);
  const b = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  let off = FIXED + b.readUInt32LE(12);
  try {
    const state = decodeState(inflateSync(b.subarray(off, off + header.stateBytes)).toString('utf8')) as DecodedSnapshot['state'];
    off += header.stateBytes;
    const bios = header.biosBytes ? new Uint8Array(b.subarray(off, off + header.biosBytes)) : null;
    off += header.biosBytes;
    const ram = new Uint8Array(header.ramBytes);
    header.chunks.forEach((len, i) => {
      if (len > 0) {
        const data = inflateSync(b.subarray(off, off + len));
        const expect = Math.min(RAM_CHUNK, header.ramBytes - i * RAM_CHUNK);
        if (data.length !== expect) throw new SnapshotError(`RAM chunk ${i} inflates to ${data.length} bytes, expected ${expect}`);
        ram.set(data, i * RAM_CHUNK);
        off += len;
      }
      progress?.(i + 1, header.chunks.length);
    });
    if (typeof state !== 'object' || state === null || typeof state.memory !== 'object') throw new SnapshotError('snapshot state has no memory section');
    state.memory.ram = ram;
    return { header, state, bios };
  } catch (e) {
    if (e instanceof SnapshotError) throw e;
    throw new SnapshotError(`snapshot payload is corrupt: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Writes `data` to `path` atomically: temporary file beside it, fsync, rename, fsync the directory. */
export async function writeAtomically(path: string, data: Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    let off = 0;
    while (off < data.length) off += (await fh.write(data, off, Math.min(data.length - off, 1 << 24))).bytesWritten;
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
