// Drives under the daemon: image locking (a disk image belongs to one VM; read-only CD images
// are shared), unflushed guest writes and snapshots (flushed first, so the image matches the
// saved guest), stop (flushed) versus kill (a power cut: the image stays as of the last flush),
// and the image files closed once a VM's worker is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGuest, DISK_WRITING_GUEST, info, logs, PRINTING_GUEST, testDaemon, waitFor, type TestDaemon } from './test-support.js';
import type { ApiError } from './client.js';
import { imagePath, imageSkipReason } from '../cli/images/paths.js';

const SECTOR = 512;
const PATTERN = Buffer.from('ringmaster disk!'.repeat(32), 'latin1');

/** A raw disk image of zeros. */
async function diskImage(dir: string, name: string, bytes = 64 * 1024): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, Buffer.alloc(bytes));
  return p;
}

/** The smallest file the CD-ROM accepts: ISO 9660 "CD001" at byte 1 of sector 16 (ECMA-119 8.1). */
async function isoImage(dir: string, name: string): Promise<string> {
  const b = Buffer.alloc(18 * 2048);
  b.write('\x01CD001\x01', 16 * 2048, 'latin1');
  const p = join(dir, name);
  await writeFile(p, b);
  return p;
}

const sector1 = async (p: string) => (await readFile(p)).subarray(SECTOR, 2 * SECTOR);

/** The daemon's open descriptors naming `file` (Linux /proc). */
async function openFds(file: string): Promise<number> {
  let n = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    try {
      if ((await readlink(`/proc/self/fd/${fd}`)) === file) n++;
    } catch {
      /* closed meanwhile */
    }
  }
  return n;
}

function inUse(vm: string): (e: ApiError) => boolean {
  return (e) => {
    assert.equal(e.status, 409);
    assert.equal(e.code, 'image_in_use');
    assert.match(e.message, new RegExp(`in use by VM '${vm}'`));
    return true;
  };
}

async function written(t: TestDaemon, name: string): Promise<void> {
  await waitFor(`${name} to write`, async () => DISK_WRITING_GUEST.ready.test((await logs(t.client, name)).toString('latin1')));
}

test('a disk image is used by one VM at a time; CD images are shared read-only', { timeout: 120_000 }, async () => {
  const t = await testDaemon();
  try {
    const disk = await diskImage(t.dir, 'a.img');
    const iso = await isoImage(t.dir, 'cd.iso');
    await createGuest(t.client, 'a', PRINTING_GUEST, { disk: [disk] });
    assert.equal(await openFds(disk), 1);
    await assert.rejects(createGuest(t.client, 'b', PRINTING_GUEST, { disk: [disk] }), inUse('a'));
    // The same file under another name is the same image.
    const link = join(t.dir, 'link.img');
    await symlink(disk, link);
    await assert.rejects(createGuest(t.client, 'b', PRINTING_GUEST, { disk: [link] }), inUse('a'));
    // Two readers of a CD image: fine. A writer of a file another VM reads: refused.
    await createGuest(t.client, 'c', PRINTING_GUEST, { cdrom: iso });
    await createGuest(t.client, 'd', PRINTING_GUEST, { cdrom: iso });
    await assert.rejects(createGuest(t.client, 'e', PRINTING_GUEST, { disk: [iso] }), (e: ApiError) => {
      assert.equal(e.code, 'image_in_use');
      assert.match(e.message, /in use by VM 'c' \(read-only as a cdrom\)/);
      return true;
    });
    // A refusal creates nothing.
    const { vms } = await t.client.call<{ vms: { name: string }[] }>('GET', '/vms');
    assert.deepEqual(vms.map((v) => v.name).sort(), ['a', 'c', 'd']);
    // Once 'a' is gone (its worker exited, its file closed) the image is free.
    await t.client.call('POST', '/vms/a/kill');
    await waitFor('the image to be closed', async () => (await openFds(disk)) === 0);
    await createGuest(t.client, 'b', PRINTING_GUEST, { disk: [link] });
    assert.equal((await info(t.client, 'b')).state, 'running');
  } finally {
    await t.close();
  }
});

test('snapshot flushes unflushed disk writes first; stop keeps them, kill loses them', { timeout: 120_000 }, async () => {
  const t = await testDaemon();
  try {
    const [ws, st, kl] = await Promise.all([diskImage(t.dir, 'snap.img'), diskImage(t.dir, 'stop.img'), diskImage(t.dir, 'kill.img')]);
    await createGuest(t.client, 'w', DISK_WRITING_GUEST, { disk: [ws] });
    await createGuest(t.client, 's', DISK_WRITING_GUEST, { disk: [st] });
    await createGuest(t.client, 'k', DISK_WRITING_GUEST, { disk: [kl] });
    for (const n of ['w', 's', 'k']) await written(t, n);
    // The guests wrote without FLUSH CACHE: their writes are still in the daemon's overlay.
    for (const p of [ws, st, kl]) assert.ok((await sector1(p)).every((b) => b === 0), p);

    const file = join(t.dir, 'w.snap');
    await t.client.call('POST', '/vms/w/snapshot', { path: file });
    assert.deepEqual(await sector1(ws), PATTERN, 'the image holds the guest write once the snapshot is taken');
    // The restored VM would open the same disk image: refused while 'w' has it.
    await assert.rejects(t.client.call('POST', '/vms/restore', { path: file, name: 'w2' }), inUse('w'));
    await t.client.call('POST', '/vms/w/kill');
    const w2 = await t.client.call<{ state: string }>('POST', '/vms/restore', { path: file, name: 'w2' });
    assert.equal(w2.state, 'running');
    assert.equal(await openFds(ws), 1);

    await t.client.call('POST', '/vms/s/stop', { timeout: 0 });
    assert.deepEqual(await sector1(st), PATTERN, 'a stopped VM keeps its writes');
    await t.client.call('POST', '/vms/k/kill');
    assert.ok((await sector1(kl)).every((b) => b === 0), 'a killed VM loses its unflushed writes (the image is as of its last flush)');
    await waitFor('the images of ended VMs to be closed', async () => (await openFds(st)) + (await openFds(kl)) === 0);
  } finally {
    await t.close();
  }
});

test('a daemon shutting down writes its VMs\' unflushed disk changes to their images', { timeout: 120_000 }, async () => {
  const t = await testDaemon();
  let closed = false;
  try {
    const img = await diskImage(t.dir, 'z.img');
    await createGuest(t.client, 'z', DISK_WRITING_GUEST, { disk: [img] });
    await written(t, 'z');
    assert.ok((await sector1(img)).every((b) => b === 0));
    await t.daemon.close();
    closed = true;
    assert.deepEqual(await sector1(img), PATTERN);
    assert.equal(await openFds(img), 0);
  } finally {
    if (closed) await rm(t.dir, { recursive: true, force: true });
    else await t.close();
  }
});

test('a drive with no BIOS and no cached SeaBIOS is refused with a clear error', { timeout: 60_000 }, async () => {
  const t = await testDaemon();
  const saved = process.env.RINGMASTER_IMAGES;
  try {
    const disk = await diskImage(t.dir, 'boot.img');
    process.env.RINGMASTER_IMAGES = join(t.dir, 'no-images');
    await assert.rejects(t.client.call('POST', '/vms', { name: 'nb', config: { disk: [disk], memory: '16M' } }), (e: ApiError) => {
      assert.equal(e.status, 400);
      assert.equal(e.code, 'missing_image');
      assert.match(e.message, /seabios-256k, vgabios-stdvga.*ringmaster images/);
      return true;
    });
    assert.equal((await t.client.call<{ vms: unknown[] }>('GET', '/vms')).vms.length, 0);
  } finally {
    if (saved === undefined) delete process.env.RINGMASTER_IMAGES;
    else process.env.RINGMASTER_IMAGES = saved;
    await t.close();
  }
});

test(
  'a CD with no BIOS boots through the cached SeaBIOS (ISOLINUX starts); two VMs share the ISO',
  { skip: imageSkipReason(['seabios-256k', 'vgabios-stdvga', 'i386-iso']), timeout: 300_000 },
  async () => {
    const t = await testDaemon();
    try {
      for (const n of ['cd1', 'cd2']) {
        const v = await t.client.call<{ state: string }>('POST', '/vms', { name: n, config: { cdrom: imagePath('i386-iso'), memory: '64M', deterministic: true } });
        assert.equal(v.state, 'running');
      }
      for (const n of ['cd1', 'cd2']) await waitFor(`${n}: ISOLINUX`, async () => /ISOLINUX \d/.test((await logs(t.client, n)).toString('latin1')), 240_000);
    } finally {
      await t.close();
    }
  },
);
