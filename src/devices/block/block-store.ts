// Block backends: where a disk or CD-ROM keeps its bytes. The devices see only this interface,
// so the same controller runs on a host file (src/cli/block-file.ts), an ArrayBuffer, or (in a
// browser, later) HTTP range requests.
//
// Reads are synchronous because the CPU loop is: a guest port access must complete before the
// next instruction. Node backends use fs.readSync. A browser HTTP-range backend cannot block, so
// it will prefetch ranges into a cache ahead of use and report a miss as a read error (the drive
// turns that into an ATA/ATAPI error status, never a host exception).

/** Bytes per sector of a hard disk image and of an ISO 9660 (CD-ROM mode 1) image. */
export const DISK_SECTOR_SIZE = 512;
export const CD_SECTOR_SIZE = 2048;

export interface BlockStore {
  /** Size in bytes (fixed for the life of the store). */
  readonly size: number;
  /** True when writes are refused with ReadOnlyStoreError. */
  readonly readOnly: boolean;
  /** Returns `length` bytes from `offset`; the range must lie inside [0, size). */
  read(offset: number, length: number): Uint8Array;
  /** Writes `data` at `offset` (not necessarily durable until flush()). */
  write(offset: number, data: Uint8Array): void;
  /** Makes every write so far durable (the guest's FLUSH CACHE). */
  flush(): void;
  /** Flushes (when writable) and releases the store; later calls throw. */
  close(): void;
}

/** A write to a read-only store; the drive reports it to the guest as an ATA error. */
export class ReadOnlyStoreError extends Error {
  constructor(name: string) {
    super(`${name} is read-only`);
    this.name = 'ReadOnlyStoreError';
  }
}

/** An access outside the store (a device bug or a guest asking past the end). */
export class StoreRangeError extends Error {
  constructor(name: string, offset: number, length: number, size: number) {
    super(`${name}: access ${offset}+${length} is outside its ${size} bytes`);
    this.name = 'StoreRangeError';
  }
}

/** An image that cannot be used as the kind of drive asked for (a user mistake, not a guest one). */
export class ImageFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageFormatError';
  }
}

export type ImageKind = 'disk' | 'cdrom';

/**
 * Checks an image before a drive uses it: a disk is a whole number of 512-byte sectors; an ISO
 * is a whole number of 2048-byte sectors and has the ISO 9660 standard identifier "CD001" in the
 * first volume descriptor (ECMA-119 8.1: sector 16, byte 1). `readAt` reads from the image.
 * Throws ImageFormatError naming `label` (usually the file name).
 */
export function checkImage(kind: ImageKind, label: string, size: number, readAt: (offset: number, length: number) => Uint8Array): void {
  if (kind === 'disk') {
    if (size === 0) throw new ImageFormatError(`disk image ${label} is empty`);
    if (size % DISK_SECTOR_SIZE !== 0) {
      throw new ImageFormatError(`disk image ${label} is ${size} bytes, not a multiple of ${DISK_SECTOR_SIZE} (truncated?)`);
    }
    return;
  }
  if (size % CD_SECTOR_SIZE !== 0) {
    throw new ImageFormatError(`ISO image ${label} is ${size} bytes, not a multiple of ${CD_SECTOR_SIZE} (truncated?)`);
  }
  if (size < 17 * CD_SECTOR_SIZE) throw new ImageFormatError(`ISO image ${label} is too small to hold an ISO 9660 volume descriptor (truncated?)`);
  const id = readAt(16 * CD_SECTOR_SIZE + 1, 5);
  if (String.fromCharCode(...id) !== 'CD001') {
    throw new ImageFormatError(`ISO image ${label} has no ISO 9660 signature "CD001" at byte 0x8001 (not an ISO image?)`);
  }
}

/** Checks that [offset, offset+length) lies inside a store of `size` bytes. */
export function checkRange(name: string, offset: number, length: number, size: number): void {
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new StoreRangeError(name, offset, length, size);
  }
}

/** A store in memory (an ArrayBuffer): tests, and images fetched whole in a browser. */
export class MemoryBlockStore implements BlockStore {
  readonly size: number;
  private readonly bytes: Uint8Array;
  private closed = false;
  /** Counts flush() calls (tests check that FLUSH CACHE reaches the backend). */
  flushes = 0;

  constructor(
    data: ArrayBuffer | Uint8Array | number,
    readonly readOnly = false,
    readonly name = 'memory image',
  ) {
    this.bytes = typeof data === 'number' ? new Uint8Array(data) : data instanceof Uint8Array ? data : new Uint8Array(data);
    this.size = this.bytes.length;
  }

  /** The backing bytes (shared, not copied). */
  get data(): Uint8Array {
    return this.bytes;
  }

  read(offset: number, length: number): Uint8Array {
    this.checkOpen();
    checkRange(this.name, offset, length, this.size);
    return this.bytes.slice(offset, offset + length);
  }

  write(offset: number, data: Uint8Array): void {
    this.checkOpen();
    if (this.readOnly) throw new ReadOnlyStoreError(this.name);
    checkRange(this.name, offset, data.length, this.size);
    this.bytes.set(data, offset);
  }

  flush(): void {
    this.checkOpen();
    this.flushes++;
  }

  close(): void {
    this.closed = true;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`${this.name} is closed`);
  }
}

/**
 * Written sectors kept in memory (512 bytes each, by sector number): the write overlay of the
 * file store and of OverlayBlockStore.
 */
export class SectorOverlay {
  readonly sectors = new Map<number, Uint8Array>();

  get size(): number {
    return this.sectors.size;
  }

  /** Copies the overlay's bytes over `out`, which holds [offset, offset+out.length) of the image. */
  apply(out: Uint8Array, offset: number): void {
    if (this.sectors.size === 0 || out.length === 0) return;
    const end = offset + out.length;
    for (let s = Math.floor(offset / DISK_SECTOR_SIZE); s * DISK_SECTOR_SIZE < end; s++) {
      const dirty = this.sectors.get(s);
      if (!dirty) continue;
      const from = Math.max(offset, s * DISK_SECTOR_SIZE);
      const to = Math.min(end, (s + 1) * DISK_SECTOR_SIZE);
      out.set(dirty.subarray(from - s * DISK_SECTOR_SIZE, to - s * DISK_SECTOR_SIZE), from - offset);
    }
  }

  /** Records a write; a sector written in part gets its other bytes from `readSector(n)`. */
  write(offset: number, data: Uint8Array, readSector: (sector: number) => Uint8Array): void {
    const end = offset + data.length;
    for (let s = Math.floor(offset / DISK_SECTOR_SIZE); s * DISK_SECTOR_SIZE < end; s++) {
      const from = Math.max(offset, s * DISK_SECTOR_SIZE);
      const to = Math.min(end, (s + 1) * DISK_SECTOR_SIZE);
      let sector = this.sectors.get(s);
      if (!sector) {
        sector = to - from === DISK_SECTOR_SIZE ? new Uint8Array(DISK_SECTOR_SIZE) : readSector(s);
        this.sectors.set(s, sector);
      }
      sector.set(data.subarray(from - offset, to - offset), from - s * DISK_SECTOR_SIZE);
    }
  }

  clear(): void {
    this.sectors.clear();
  }
}

/**
 * A writable view of another store whose writes stay in memory and are never written back (as
 * QEMU's -snapshot): the guest sees its writes, the image underneath is never modified.
 */
export class OverlayBlockStore implements BlockStore {
  readonly readOnly = false;
  readonly size: number;
  private readonly overlay = new SectorOverlay();

  constructor(private readonly base: BlockStore) {
    this.size = base.size;
  }

  get dirtySectors(): number {
    return this.overlay.size;
  }

  read(offset: number, length: number): Uint8Array {
    checkRange('overlay', offset, length, this.size);
    const out = this.base.read(offset, length);
    this.overlay.apply(out, offset);
    return out;
  }

  write(offset: number, data: Uint8Array): void {
    checkRange('overlay', offset, data.length, this.size);
    this.overlay.write(offset, data, (s) => this.base.read(s * DISK_SECTOR_SIZE, DISK_SECTOR_SIZE));
  }

  /** Nothing to make durable: the writes are meant to vanish. */
  flush(): void {}

  close(): void {
    this.overlay.clear();
    this.base.close();
  }
}
