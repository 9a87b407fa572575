// cpio newc writer/reader, checked against the kernel's initramfs buffer format
// (Documentation/driver-api/early-userspace/buffer-format.rst).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { S_IFCHR, S_IFDIR, S_IFLNK, S_IFREG, readCpio, writeCpio } from './cpio.js';

const text = (b: Uint8Array, from: number, to: number): string => new TextDecoder().decode(b.subarray(from, to));

describe('cpio newc (buffer-format.rst)', () => {
  it('header: "070701" then 13 eight-digit hex fields, name with NUL, padded to 4 bytes', () => {
    const out = writeCpio([{ name: 'init', mode: S_IFREG | 0o755, data: 'abc' }]);
    assert.equal(text(out, 0, 6), '070701');
    const field = (i: number): number => parseInt(text(out, 6 + i * 8, 14 + i * 8), 16);
    assert.equal(field(0), 1, 'c_ino');
    assert.equal(field(1), 0o100755, 'c_mode');
    assert.equal(field(2), 0, 'c_uid root');
    assert.equal(field(6), 3, 'c_filesize');
    assert.equal(field(11), 5, 'c_namesize counts the NUL');
    assert.equal(text(out, 110, 115), 'init\0');
    // 110 + 5 = 115 → padded to 116, data "abc" padded to 4.
    assert.equal(text(out, 116, 119), 'abc');
    assert.equal(out[119], 0);
    assert.equal(text(out, 120, 126), '070701', 'next header starts 4-aligned');
    assert.equal(out.length % 4, 0);
  });

  it('ends with a TRAILER!!! entry', () => {
    const out = writeCpio([]);
    assert.equal(text(out, 110, 120), 'TRAILER!!!');
  });

  it('round-trips directories, files, symlinks and device nodes (rdev major/minor)', () => {
    const entries = [
      { name: 'dev', mode: S_IFDIR | 0o755 },
      { name: 'dev/console', mode: S_IFCHR | 0o600, rdevMajor: 5, rdevMinor: 1 },
      { name: 'bin/sh', mode: S_IFLNK | 0o777, data: 'busybox' },
      { name: 'bin/busybox', mode: S_IFREG | 0o755, data: new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 1]) },
    ];
    const back = readCpio(writeCpio(entries));
    assert.deepEqual(back.map((e) => [e.name, e.mode, e.rdevMajor, e.rdevMinor]), [
      ['dev', S_IFDIR | 0o755, 0, 0],
      ['dev/console', S_IFCHR | 0o600, 5, 1],
      ['bin/sh', S_IFLNK | 0o777, 0, 0],
      ['bin/busybox', S_IFREG | 0o755, 0, 0],
    ]);
    assert.equal(new TextDecoder().decode(back[2]!.data as Uint8Array), 'busybox');
    assert.deepEqual([...(back[3]!.data as Uint8Array)], [0x7f, 0x45, 0x4c, 0x46, 1]);
  });

  it('is deterministic (mtime 0, inodes in order) and rejects absolute names', () => {
    const e = [{ name: 'a', mode: S_IFREG | 0o644, data: 'x' }];
    assert.deepEqual(writeCpio(e), writeCpio(e));
    assert.throws(() => writeCpio([{ name: '/abs', mode: S_IFREG }]), /bad entry name/);
  });

  it('reader refuses a truncated or foreign archive', () => {
    assert.throws(() => readCpio(new TextEncoder().encode('070707' + '0'.repeat(200))), /bad magic/);
    assert.throws(() => readCpio(writeCpio([]).subarray(0, 50)), /truncated/);
  });
});
