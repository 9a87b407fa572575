// `ringmaster web`'s server: the page, api/guests, and images with byte ranges (RFC 9110 §14:
// 206 with Content-Range for a satisfiable range, 416 with "bytes */size" otherwise).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startWebServer, availablePresets } from './server.js';
import { acceptKey, decodeFrames, encodeFrame } from './daemon-bridge.js';

function fixture() {
  const site = mkdtempSync(join(tmpdir(), 'rm-site-'));
  writeFileSync(join(site, 'index.html'), '<!doctype html><title>Ringmaster</title>');
  const images = mkdtempSync(join(tmpdir(), 'rm-images-'));
  mkdirSync(join(images, 'seabios'));
  writeFileSync(join(images, 'seabios/bios-256k.bin'), Buffer.from([...Array(256).keys()]));
  writeFileSync(join(images, 'seabios/vgabios-stdvga.bin'), Buffer.alloc(10));
  return { site, images };
}

test('serves the page, the guests whose images exist, and images by byte range', async () => {
  const { site, images } = fixture();
  const s = await startWebServer({ siteDir: site, port: 0, host: '127.0.0.1', imagesDir: images });
  try {
    const index = await fetch(s.url);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await index.text(), /Ringmaster/);

    const guests = (await (await fetch(new URL('api/guests', s.url))).json()) as { id: string }[];
    assert.deepEqual(guests.map((g) => g.id), ['bios']);
    assert.deepEqual(availablePresets(images).map((g) => g.id), ['bios']);

    const whole = await fetch(new URL('images/seabios-256k', s.url));
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');
    assert.equal((await whole.arrayBuffer()).byteLength, 256);

    const part = await fetch(new URL('images/seabios-256k', s.url), { headers: { range: 'bytes=16-19' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), 'bytes 16-19/256');
    assert.deepEqual([...new Uint8Array(await part.arrayBuffer())], [16, 17, 18, 19]);

    const suffix = await fetch(new URL('images/seabios-256k', s.url), { headers: { range: 'bytes=-2' } });
    assert.deepEqual([...new Uint8Array(await suffix.arrayBuffer())], [254, 255]);

    const beyond = await fetch(new URL('images/seabios-256k', s.url), { headers: { range: 'bytes=300-' } });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), 'bytes */256');

    assert.equal((await fetch(new URL('images/i386-kernel', s.url))).status, 404, 'not built');
    assert.equal((await fetch(new URL('images/..%2F..%2Fetc%2Fpasswd', s.url))).status, 404);
    assert.equal((await fetch(new URL('%2E%2E/%2E%2E/etc/passwd', s.url))).status, 404);
    assert.equal((await fetch(s.url, { method: 'POST' })).status, 405);
  } finally {
    await s.close();
  }
});

test('WebSocket framing of the daemon console bridge (RFC 6455)', () => {
  // §1.3's worked example of the handshake.
  assert.equal(acceptKey('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  // §5.7: an unmasked text "Hello" is 81 05 48 65 6c 6c 6f.
  assert.deepEqual([...encodeFrame(1, Buffer.from('Hello'))], [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
  // 256 bytes take the 16-bit length form (7E 01 00).
  assert.deepEqual([...encodeFrame(2, new Uint8Array(256)).subarray(0, 4)], [0x82, 0x7e, 0x01, 0x00]);
  // §5.7: a masked "Hello" from a client, then half of a second frame (kept for later).
  const masked = Buffer.from([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58, 0x82, 0x85]);
  const got: [number, string][] = [];
  const used = decodeFrames(masked, (op, p) => got.push([op, p.toString()]));
  assert.deepEqual(got, [[1, 'Hello']]);
  assert.equal(used, 11);
  assert.throws(() => decodeFrames(Buffer.from([0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]), () => {}), /masked/);
});
