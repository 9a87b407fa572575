// Checks the recipe applies to what it packs: ELF identification (System V ABI / ELF spec,
// e_ident and e_machine) and the bzImage setup header (Documentation/arch/x86/boot.rst).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EM_386, EM_X86_64, bzImageInfo, elfId, expectElf, kernelRelease } from './verify.js';

function elfHeader(cls: number, machine: number, data = 1): Uint8Array {
  const b = new Uint8Array(64);
  b.set([0x7f, 0x45, 0x4c, 0x46, cls, data, 1]);
  b[18] = machine & 0xff;
  b[19] = machine >> 8;
  return b;
}

describe('ELF identification (ELF spec: EI_CLASS at 4, EI_DATA at 5, e_machine at 18)', () => {
  it('reads class and machine of i386 and x86-64 executables', () => {
    assert.deepEqual(elfId(elfHeader(1, EM_386)), { bits: 32, machine: 3 });
    assert.deepEqual(elfId(elfHeader(2, EM_X86_64)), { bits: 64, machine: 62 });
  });

  it('refuses non-ELF data, unknown classes and big-endian files', () => {
    assert.equal(elfId(new TextEncoder().encode('#!/bin/sh\necho hi\n..........')), undefined);
    assert.equal(elfId(elfHeader(3, EM_386)), undefined);
    assert.equal(elfId(elfHeader(1, EM_386, 2)), undefined);
  });

  it('expectElf names both the found and the expected kind (the i386 guest cannot run an amd64 busybox)', () => {
    assert.equal(expectElf('busybox', elfHeader(1, EM_386), 32, EM_386), 'ELF32 i386');
    assert.throws(() => expectElf('busybox', elfHeader(2, EM_X86_64), 32, EM_386), /busybox is ELF64 x86-64, expected ELF32 i386/);
    assert.throws(() => expectElf('busybox', new Uint8Array(64), 32, EM_386), /not an ELF executable/);
  });
});

describe('bzImage setup header (boot.rst: boot_flag 0x1FE, header "HdrS" 0x202, version 0x206, kernel_version 0x20E)', () => {
  function bzImage(version: number, text: string): Uint8Array {
    const b = new Uint8Array(0x1000);
    b[0x1fe] = 0x55;
    b[0x1ff] = 0xaa;
    b.set(new TextEncoder().encode('HdrS'), 0x202);
    b[0x206] = version & 0xff;
    b[0x207] = version >> 8;
    // kernel_version is an offset from 0x200 to a NUL-terminated string.
    b[0x20e] = 0x00;
    b[0x20f] = 0x06; // 0x600 + 0x200 = 0x800
    b.set(new TextEncoder().encode(text + '\0'), 0x800);
    return b;
  }

  it('reads the protocol version and the kernel version string', () => {
    const info = bzImageInfo(bzImage(0x020f, '6.1.0-50-686 (debian-kernel@lists.debian.org) #1 SMP'));
    assert.deepEqual(info, { protocol: '2.15', version: '6.1.0-50-686 (debian-kernel@lists.debian.org) #1 SMP' });
    assert.equal(kernelRelease(info.version), '6.1.0-50-686');
  });

  it('refuses a file without the boot sector signature or the HdrS magic', () => {
    const noMagic = bzImage(0x020f, 'x');
    noMagic[0x202] = 0;
    assert.throws(() => bzImageInfo(noMagic), /not a bzImage/);
    const noSig = bzImage(0x020f, 'x');
    noSig[0x1fe] = 0;
    assert.throws(() => bzImageInfo(noSig), /not a bzImage/);
    assert.throws(() => bzImageInfo(new Uint8Array(100)), /not a bzImage/);
  });
});
