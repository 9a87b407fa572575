// A block store on a host file (raw disk image or ISO), for Node.
//
// Reads go straight to the file (fs.readSync: the CPU loop is synchronous). Writes go to an
// in-memory overlay of 512-byte sectors and reach the file only on flush() (the guest's FLUSH
// CACHE) or close() (a clean stop). A crash before a flush loses the unflushed writes but leaves
// the image as it was at the last flush.
//
// Crash safety: a redo journal, not write-to-temp+rename, because disk images are large and
// rename would copy the whole image per flush. flush() writes every dirty sector to
// "<image>.ringmaster-journal" with a SHA-256 of its contents and fsyncs it (the commit point), then
// writes the sectors into the image, fsyncs the image, and deletes the journal. Opening an image
// with a journal beside it finishes the job: a complete journal (hash matches) is replayed into
// the image; a torn one (crash while writing it) is discarded, the image never having been
// touched. A read-only open applies a complete journal to its overlay instead of to the file.
// Not handled here: two VMs opening one image read-write at once (the daemon refuses that itself,
// src/hypervisor/drive-locks.ts; nothing locks the file against other processes).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { UsageError } from './errors.js';
import {
  type BlockStore,
  type ImageKind,
  checkImage,
  checkRange,
  ImageFormatError,
  ReadOnlyStoreError,
  SectorOverlay,
} from '../devices/block/block-store.js';

const SECTOR = 512;
const JOURNAL_SUFFIX = '.ringmaster-journal';
const JOURNAL_MAGIC = 'RMJRNL01';
/** Header: magic (8), image size (8), entry count (4), reserved (4), SHA-256 of the entries (32). */
const JOURNAL_HEADER = 56;
const ENTRY = 8 + SECTOR;

/** A disk or ISO image that cannot be opened: one line naming the file, exit status 2. */
export class BlockImageError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'BlockImageError';
  }
}

export interface FileBlockStoreOptions {
  /** 'disk' (raw, 512-byte sectors; default) or 'cdrom' (ISO 9660, 2048-byte sectors). */
  kind?: ImageKind;
  /** Refuse guest writes (an ISO is always read-only). */
  readOnly?: boolean;
  /** The command-line option that named the file ("--disk"), put in front of error messages. */
  option?: string;
}

export class FileBlockStore implements BlockStore {
  readonly size: number;
  readonly readOnly: boolean;
  /** Dirty sectors not yet in the file. */
  private readonly overlay = new SectorOverlay();
  private fd: number | null;

  private constructor(
    readonly path: string,
    fd: number,
    size: number,
    readOnly: boolean,
  ) {
    this.fd = fd;
    this.size = size;
    this.readOnly = readOnly;
  }

  /** Opens and checks an image; throws BlockImageError naming the file. Never modifies a rejected image. */
  static open(file: string, options: FileBlockStoreOptions = {}): FileBlockStore {
    const kind = options.kind ?? 'disk';
    const readOnly = kind === 'cdrom' || options.readOnly === true;
    const what = kind === 'disk' ? 'disk image' : 'ISO image';
    const fail = (message: string) => new BlockImageError(options.option ? `${options.option}: ${message}` : message);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch (e) {
      throw fail(`${what} ${file}: ${describe(e)}`);
    }
    if (!stat.isFile()) throw fail(`${what} ${file} is not a regular file`);
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (e) {
      throw fail(`${what} ${file}: ${describe(e)}`);
    }
    try {
      checkImage(kind, file, stat.size, (offset, length) => readFully(fd, offset, length));
      if (!readOnly) {
        // Reopen for writing only once the image is known good.
        const rw = fs.openSync(file, 'r+');
        fs.closeSync(fd);
        fd = rw;
      }
    } catch (e) {
      fs.closeSync(fd);
      if (e instanceof ImageFormatError) throw fail(e.message);
      throw fail(`${what} ${file}: ${describe(e)}`);
    }
    const store = new FileBlockStore(file, fd, stat.size, readOnly);
    store.recoverJournal();
    return store;
  }

  /** Path of the journal kept beside the image during a flush. */
  get journalPath(): string {
    return this.path + JOURNAL_SUFFIX;
  }

  /** Number of sectors written by the guest and not yet flushed. */
  get dirtySectors(): number {
    return this.overlay.size;
  }

  read(offset: number, length: number): Uint8Array {
    const fd = this.openFd();
    checkRange(this.path, offset, length, this.size);
    const out = readFully(fd, offset, length);
    this.overlay.apply(out, offset);
    return out;
  }

  write(offset: number, data: Uint8Array): void {
    const fd = this.openFd();
    if (this.readOnly) throw new ReadOnlyStoreError(this.path);
    checkRange(this.path, offset, data.length, this.size);
    this.overlay.write(offset, data, (s) => readFully(fd, s * SECTOR, SECTOR));
  }

  flush(): void {
    this.openFd();
    if (this.readOnly || this.overlay.size === 0) return;
    const journal = this.commitJournal();
    this.applyJournal(journal);
  }

  /**
   * Step 1 of flush(): writes the dirty sectors to the journal and makes it durable (the commit
   * point). Public so tests can stop here, as a crash would.
   */
  commitJournal(): Uint8Array {
    const sectors = [...this.overlay.sectors.keys()].sort((a, b) => a - b);
    const journal = new Uint8Array(JOURNAL_HEADER + sectors.length * ENTRY);
    const view = new DataView(journal.buffer);
    sectors.forEach((s, i) => {
      const at = JOURNAL_HEADER + i * ENTRY;
      view.setBigUint64(at, BigInt(s), true);
      journal.set(this.overlay.sectors.get(s)!, at + 8);
    });
    writeHeader(journal, this.size, sectors.length);
    writeFileDurably(this.journalPath, journal);
    return journal;
  }

  /** Step 2: writes the journal's sectors into the image, makes them durable, drops the journal. */
  private applyJournal(journal: Uint8Array): void {
    const fd = this.openFd();
    applyEntries(fd, journal, (journal.length - JOURNAL_HEADER) / ENTRY);
    fs.fsyncSync(fd);
    fs.unlinkSync(this.journalPath);
    syncDirectory(this.journalPath);
    this.overlay.clear();
  }

  /** Closes without flushing, as a crash or a killed VM would: unflushed writes are lost. */
  abandon(): void {
    if (this.fd === null) return;
    fs.closeSync(this.fd);
    this.fd = null;
    this.overlay.clear();
  }

  close(): void {
    if (this.fd === null) return;
    try {
      this.flush();
    } finally {
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }

  private openFd(): number {
    if (this.fd === null) throw new Error(`${this.path} is closed`);
    return this.fd;
  }

  /** Finishes or discards a journal left by a crash (see the file comment). */
  private recoverJournal(): void {
    let journal: Uint8Array;
    try {
      journal = new Uint8Array(fs.readFileSync(this.journalPath));
    } catch {
      return; // no journal: the image is consistent
    }
    const count = verifyJournal(journal, this.size);
    if (count < 0) {
      // Torn journal: the crash came before the commit point, so the image was never touched.
      if (!this.readOnly) {
        fs.unlinkSync(this.journalPath);
        syncDirectory(this.journalPath);
      }
      return;
    }
    if (this.readOnly) {
      const view = new DataView(journal.buffer, journal.byteOffset);
      for (let i = 0; i < count; i++) {
        const at = JOURNAL_HEADER + i * ENTRY;
        this.overlay.sectors.set(Number(view.getBigUint64(at, true)), journal.slice(at + 8, at + 8 + SECTOR));
      }
      return;
    }
    applyEntries(this.openFd(), journal, count);
    fs.fsyncSync(this.openFd());
    fs.unlinkSync(this.journalPath);
    syncDirectory(this.journalPath);
  }
}

function describe(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT') return 'no such file';
  if (err?.code === 'EACCES' || err?.code === 'EPERM') return 'permission denied';
  if (err?.code === 'EISDIR') return 'is a directory';
  return err?.message ?? String(e);
}

function readFully(fd: number, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, out, done, length - done, offset + done);
    if (n === 0) throw new Error(`unexpected end of file at byte ${offset + done}`);
    done += n;
  }
  return out;
}

function writeFully(fd: number, data: Uint8Array, position: number): void {
  let done = 0;
  while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done, position + done);
}

function digest(journal: Uint8Array, count: number): Uint8Array {
  return createHash('sha256').update(journal.subarray(JOURNAL_HEADER, JOURNAL_HEADER + count * ENTRY)).digest();
}

function writeHeader(journal: Uint8Array, imageSize: number, count: number): void {
  const view = new DataView(journal.buffer, journal.byteOffset);
  for (let i = 0; i < 8; i++) journal[i] = JOURNAL_MAGIC.charCodeAt(i);
  view.setBigUint64(8, BigInt(imageSize), true);
  view.setUint32(16, count, true);
  journal.set(digest(journal, count), 24);
}

/** The entry count of a complete journal for an image of `imageSize` bytes, or -1. */
function verifyJournal(journal: Uint8Array, imageSize: number): number {
  if (journal.length < JOURNAL_HEADER) return -1;
  const view = new DataView(journal.buffer, journal.byteOffset);
  if (String.fromCharCode(...journal.subarray(0, 8)) !== JOURNAL_MAGIC) return -1;
  if (view.getBigUint64(8, true) !== BigInt(imageSize)) return -1;
  const count = view.getUint32(16, true);
  if (journal.length !== JOURNAL_HEADER + count * ENTRY) return -1;
  const want = digest(journal, count);
  for (let i = 0; i < 32; i++) if (journal[24 + i] !== want[i]) return -1;
  for (let i = 0; i < count; i++) {
    const s = view.getBigUint64(JOURNAL_HEADER + i * ENTRY, true);
    if (s * BigInt(SECTOR) + BigInt(SECTOR) > BigInt(imageSize)) return -1;
  }
  return count;
}

function applyEntries(fd: number, journal: Uint8Array, count: number): void {
  const view = new DataView(journal.buffer, journal.byteOffset);
  for (let i = 0; i < count; i++) {
    const at = JOURNAL_HEADER + i * ENTRY;
    const sector = Number(view.getBigUint64(at, true));
    writeFully(fd, journal.subarray(at + 8, at + 8 + SECTOR), sector * SECTOR);
  }
}

function writeFileDurably(file: string, data: Uint8Array): void {
  const fd = fs.openSync(file, 'w');
  try {
    writeFully(fd, data, 0);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  syncDirectory(file);
}

/** Makes a file's creation or removal durable (best effort: not every platform can fsync a directory). */
function syncDirectory(file: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(path.dirname(file), 'r');
    fs.fsyncSync(fd);
  } catch {
    // Windows and some file systems refuse; the journal's own hash still guards replay.
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}
