// The core runs in a browser: bundling it for platform=browser must succeed with no Node
// built-in (esbuild cannot resolve node:* for the browser and reports an error), and the page
// and worker build. Also the pure helpers of the page: image sniffing and the snapshot format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, mkdtempSync, existsSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { build } from 'esbuild';
import { buildWeb } from './build.js';
import { checkIsoComplete, guessImageSlot } from './image-kind.js';
import { gunzip, gzip, packSnapshot, unpackSnapshot, WebSnapshotError } from './snapshot.js';

const root = process.cwd();
const CORE = ['memory', 'bus', 'cpu', 'devices', 'machine', 'boot'];

function coreFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(p);
    }
  };
  for (const d of CORE) if (existsSync(join(root, 'src', d))) walk(join(root, 'src', d));
  return out;
}

async function bundleForBrowser(contents: string) {
  return build({
    stdin: { contents, resolveDir: root, loader: 'ts', sourcefile: 'core-entry.ts' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
}

test('every core module (memory, bus, cpu, devices, machine, boot) bundles for the browser without Node built-ins', async () => {
  const files = coreFiles();
  assert.ok(files.length > 50, `found only ${files.length} core files`);
  const entry = files.map((f, i) => `export * as m${i} from './${relative(root, f).replace(/\\/g, '/')}';`).join('\n');
  const r = await bundleForBrowser(entry);
  assert.equal(r.errors.length, 0);
  const inputs = Object.keys(r.metafile.inputs);
  assert.deepEqual(inputs.filter((p) => p.startsWith('node:') || /(^|\/)src\/(cli|hypervisor|web)\//.test(p)), []);
  assert.ok(inputs.some((p) => p.endsWith('src/machine/pc.ts')));
});

test('the check bites: a Node built-in in a browser bundle is a build error', async () => {
  await assert.rejects(bundleForBrowser("import { readFileSync } from 'node:fs'; export const x = readFileSync;"), /node:fs/);
});

test('the page and the machine worker build; the worker holds the core and nothing Node-only', async () => {
  const out = mkdtempSync(join(tmpdir(), 'rm-web-'));
  const t0 = Date.now();
  const report = await buildWeb({ outDir: out, root });
  const ms = Date.now() - t0;
  for (const f of ['index.html', 'main.js', 'worker.js', 'style.css', 'xterm.css']) assert.ok(existsSync(join(out, f)), f);
  assert.ok(report.workerInputs.some((p) => p.endsWith('src/machine/pc.ts')));
  assert.deepEqual(report.workerInputs.filter((p) => p.startsWith('node:') || /src\/(cli|hypervisor)\//.test(p)), []);
  assert.ok(ms < 30_000, `build took ${ms} ms`);
});

test('dropped files are sniffed by their signatures', () => {
  const head = (size: number, at: number, s: string | number[]) => {
    const b = new Uint8Array(size);
    b.set(typeof s === 'string' ? [...s].map((c) => c.charCodeAt(0)) : s, at);
    return b;
  };
  // Linux boot protocol: "HdrS" at 0x202 (Documentation/arch/x86/boot.rst).
  assert.equal(guessImageSlot('x', head(1024, 0x202, 'HdrS')), 'kernel');
  // Multiboot magic 0x1BADB002, little-endian, 4-byte aligned in the first 8 KiB.
  assert.equal(guessImageSlot('x', head(8192, 4096, [0x02, 0xb0, 0xad, 0x1b])), 'kernel');
  // ECMA-119 8.1: "CD001" at byte 1 of sector 16.
  assert.equal(guessImageSlot('x', head(0x8010, 0x8001, 'CD001')), 'cdrom');
  assert.equal(guessImageSlot('truncated.iso', new Uint8Array(100)), 'cdrom');
  assert.equal(guessImageSlot('x', head(16, 0, [0x1f, 0x8b])), 'initrd');
  assert.equal(guessImageSlot('x', head(512, 510, [0x55, 0xaa])), 'disk');
  assert.equal(guessImageSlot('snap.rmsnap', head(16, 0, [0x1f, 0x8b])), 'snapshot');
  assert.equal(guessImageSlot('notes.txt', new TextEncoder().encode('hello, this is text')), null);
});

test('snapshot format: typed arrays, buffers, Infinity and bigints survive pack, gzip, gunzip, unpack', async () => {
  const value = {
    a: 1,
    inf: Infinity,
    big: 12345678901234567890n,
    ram: Uint8Array.from({ length: 10000 }, (_, i) => i & 0xff),
    regs: new Uint32Array([1, 2, 0xffffffff]),
    f: new Float64Array([1.5, -0]),
    buf: new Uint8Array([9, 8, 7]).buffer,
    nested: [{ b: new Int16Array([-1, 2]) }],
  };
  const back = unpackSnapshot(await gunzip(await gzip(packSnapshot(value)))) as typeof value;
  assert.equal(back.inf, Infinity);
  assert.equal(back.big, value.big);
  assert.deepEqual(back.ram, value.ram);
  assert.deepEqual(back.regs, value.regs);
  assert.deepEqual(back.f, value.f);
  assert.deepEqual(new Uint8Array(back.buf), new Uint8Array([9, 8, 7]));
  assert.deepEqual(back.nested[0]!.b, new Int16Array([-1, 2]));
  assert.throws(() => unpackSnapshot(new TextEncoder().encode('not a snapshot at all')), WebSnapshotError);
  const packed = packSnapshot(value);
  assert.throws(() => unpackSnapshot(packed.subarray(0, packed.length - 5000)), /truncated/);
  await assert.rejects(gunzip((await gzip(packed)).subarray(0, 100)), WebSnapshotError);
});

test('a CD image cut at a sector boundary is refused as truncated (ECMA-119 8.4.8 volume space size x 8.4.12 logical block size)', () => {
  const iso = (fileSectors: number, volumeBlocks: number, blockSize = 2048) => {
    const b = new Uint8Array(fileSectors * 2048);
    const v = new DataView(b.buffer);
    b[0x8000] = 1; // 8.4.1: primary volume descriptor
    b.set([0x43, 0x44, 0x30, 0x30, 0x31], 0x8001); // "CD001"
    v.setUint32(0x8000 + 80, volumeBlocks, true); // both-byte orders (7.3.3): LE then BE
    v.setUint32(0x8000 + 84, volumeBlocks, false);
    v.setUint16(0x8000 + 128, blockSize, true); // 7.2.3
    v.setUint16(0x8000 + 130, blockSize, false);
    return b;
  };
  const check = (b: Uint8Array) => checkIsoComplete('x.iso', b.length, (o, l) => b.subarray(o, o + l));
  assert.throws(() => check(iso(40, 512)), /x\.iso is truncated: its volume descriptor says 1048576 bytes \(512 blocks of 2048\), the file has 81920/);
  assert.doesNotThrow(() => check(iso(40, 40)));
  // Padding after the volume (common on hybrid ISOs) is fine.
  assert.doesNotThrow(() => check(iso(40, 30)));
  // 512-byte logical blocks: 160 of them are exactly 40 sectors.
  assert.doesNotThrow(() => check(iso(40, 160, 512)));
  assert.throws(() => check(iso(40, 161, 512)), /truncated/);
  // Not a primary volume descriptor in sector 16: nothing to compare.
  const other = iso(40, 512);
  other[0x8000] = 2;
  assert.doesNotThrow(() => check(other));
});
