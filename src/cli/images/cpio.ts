// cpio "newc" archives (the format the Linux kernel unpacks as an initramfs).
// Format: Documentation/driver-api/early-userspace/buffer-format.rst in the kernel tree —
// a 110-byte ASCII header ("070701" + 13 fields of 8 hex digits), the NUL-terminated name,
// padding to 4 bytes, the data, padding to 4 bytes; the archive ends with "TRAILER!!!".
// Written here so no host cpio/fakeroot is needed: device nodes and root ownership are
// just header fields.

/** File type bits of st_mode (POSIX <sys/stat.h>). */
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
export const S_IFCHR = 0o020000;

export interface CpioEntry {
  /** Path inside the archive, without a leading slash ("bin/busybox"). */
  name: string;
  /** st_mode: type bits | permission bits. */
  mode: number;
  /** File contents, or the target for a symlink. Empty for directories and nodes. */
  data?: Uint8Array | string;
  /** Device number for character/block nodes. */
  rdevMajor?: number;
  rdevMinor?: number;
}

const MAGIC = '070701';
const HEADER_SIZE = 110;
const TRAILER = 'TRAILER!!!';

const hex8 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');
const pad4 = (n: number): number => (4 - (n % 4)) % 4;

/**
 * Writes entries as a newc archive. Deterministic: owner root, mtime 0, inodes numbered
 * in order, so the same inputs give the same bytes (and the same sha256 in the manifest).
 */
export function writeCpio(entries: readonly CpioEntry[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  let total = 0;
  const push = (b: Uint8Array): void => {
    parts.push(b);
    total += b.length;
  };
  const record = (ino: number, e: CpioEntry): void => {
    const name = enc.encode(e.name + '\0');
    const data = typeof e.data === 'string' ? enc.encode(e.data) : (e.data ?? new Uint8Array(0));
    const isDir = (e.mode & 0o170000) === S_IFDIR;
    const fields = [
      ino, e.mode, 0 /* uid */, 0 /* gid */, isDir ? 2 : 1, 0 /* mtime */, data.length,
      0, 0 /* dev major/minor */, e.rdevMajor ?? 0, e.rdevMinor ?? 0, name.length, 0 /* check */,
    ];
    push(enc.encode(MAGIC + fields.map(hex8).join('')));
    push(name);
    push(new Uint8Array(pad4(HEADER_SIZE + name.length)));
    push(data);
    push(new Uint8Array(pad4(data.length)));
  };
  entries.forEach((e, i) => {
    if (e.name.startsWith('/') || e.name === '') throw new Error(`cpio: bad entry name '${e.name}'`);
    record(i + 1, e);
  });
  record(0, { name: TRAILER, mode: 0 });
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Reads a newc archive back (used by tests and by the verification step). */
export function readCpio(buf: Uint8Array): CpioEntry[] {
  const dec = new TextDecoder();
  const out: CpioEntry[] = [];
  let off = 0;
  for (;;) {
    if (off + HEADER_SIZE > buf.length) throw new Error('cpio: truncated header');
    const head = dec.decode(buf.subarray(off, off + HEADER_SIZE));
    if (!head.startsWith(MAGIC)) throw new Error(`cpio: bad magic at offset ${off}`);
    const field = (i: number): number => parseInt(head.slice(6 + i * 8, 14 + i * 8), 16);
    const mode = field(1);
    const size = field(6);
    const nameSize = field(11);
    const nameStart = off + HEADER_SIZE;
    const name = dec.decode(buf.subarray(nameStart, nameStart + nameSize - 1));
    const dataStart = nameStart + nameSize + pad4(HEADER_SIZE + nameSize);
    if (dataStart + size > buf.length) throw new Error(`cpio: truncated data for '${name}'`);
    if (name === TRAILER) return out;
    const data = buf.slice(dataStart, dataStart + size);
    out.push({ name, mode, data, rdevMajor: field(9), rdevMinor: field(10) });
    off = dataStart + size + pad4(size);
  }
}
