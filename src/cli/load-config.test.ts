// CLI configuration loading: files are checked (exists, readable, non-empty) and read; every
// problem is a one-line UsageError naming the option and the file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { checkImage, loadMachine, readConfigFile, resolveConfig } from './load-config.js';
import { UsageError } from './errors.js';

let dir = '';
const p = (name: string) => join(dir, name);

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'rm-load-config-'));
  writeFileSync(p('vmlinuz'), new Uint8Array([0x4d, 0x5a, 1, 2]));
  writeFileSync(p('initrd'), new Uint8Array(100).fill(7));
  writeFileSync(p('bios.bin'), new Uint8Array(65536).fill(0xff));
  writeFileSync(p('disk.img'), new Uint8Array(1024));
  writeFileSync(p('cd.iso'), new Uint8Array(2048));
  writeFileSync(p('empty.img'), new Uint8Array(0));
  writeFileSync(p('good.json'), JSON.stringify({ memory: '64M', disk: [p('disk.img')] }));
  writeFileSync(p('bad.json'), '{ memory: 64M');
  mkdirSync(p('adir'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

async function usage(input: unknown): Promise<string> {
  try {
    await loadMachine(input);
  } catch (e) {
    assert.ok(e instanceof UsageError, String(e));
    assert.ok(!e.message.includes('\n'));
    return e.message;
  }
  assert.fail('accepted');
}

test('reads kernel, initrd and BIOS into Uint8Arrays and sizes the drives', async () => {
  const m = await loadMachine({
    kernel: p('vmlinuz'), initrd: p('initrd'), bios: p('bios.bin'), disk: [p('disk.img')], cdrom: p('cd.iso'),
    serial: `file:${p('serial.log')}`,
  });
  assert.deepEqual([...m.kernel!], [0x4d, 0x5a, 1, 2]);
  assert.equal(m.initrd!.length, 100);
  assert.equal(m.bios!.length, 65536);
  assert.equal(m.vgabios, null);
  assert.deepEqual(m.disks, [{ path: p('disk.img'), size: 1024 }]);
  assert.deepEqual(m.cdrom, { path: p('cd.iso'), size: 2048 });
  assert.deepEqual(m.config.boot, ['cdrom', 'disk']);
});

test('a missing, empty or directory image is a UsageError naming the option and the file', async () => {
  assert.equal(await usage({ kernel: p('nope') }), `--kernel: cannot read '${p('nope')}': no such file`);
  assert.equal(await usage({ disk: p('empty.img') }), `--disk: '${p('empty.img')}' is empty (0 bytes)`);
  assert.equal(await usage({ cdrom: p('adir') }), `--cdrom: cannot read '${p('adir')}': it is a directory`);
  assert.match(await usage({ bios: p('vmlinuz/x') }), /^--bios: cannot read .*: a part of the path is not a directory$/);
});

test('an unreadable image is reported as permission denied (skipped when running as root)', async (t) => {
  if (process.getuid?.() === 0) return t.skip('root can read anything');
  writeFileSync(p('secret.img'), 'x');
  chmodSync(p('secret.img'), 0o000);
  assert.match(await usage({ disk: p('secret.img') }), /permission denied$/);
});

test('option errors from the config layer arrive as UsageError with the same message', async () => {
  assert.equal(await usage({ memory: '12X' }), "--memory: '12X' is not a size; use a number with K, M or G, e.g. 128M");
  assert.throws(() => resolveConfig({ boot: 'tape' }), UsageError);
});

test('a kernel and initrd larger than guest memory are refused with a hint to raise --memory', async () => {
  writeFileSync(p('big-initrd'), new Uint8Array(3 * 1024 * 1024));
  assert.match(await usage({ memory: '2M', kernel: p('vmlinuz'), initrd: p('big-initrd') }), /^--memory: .* raise --memory$/);
});

test('an output file in a missing directory is refused before the VM starts', async () => {
  assert.match(await usage({ serial: `file:${p('no/such/dir/x.log')}` }), /^--serial: cannot write .*no such file$/);
});

test('checkImage returns the size; readConfigFile parses JSON or names the file', async () => {
  assert.equal(await checkImage('--disk', p('disk.img')), 1024);
  assert.deepEqual(await readConfigFile(p('good.json')), { memory: '64M', disk: [p('disk.img')] });
  await assert.rejects(readConfigFile(p('bad.json')), (e: Error) => e instanceof UsageError && /^--config: '.*bad\.json' is not valid JSON/.test(e.message));
  await assert.rejects(readConfigFile(p('none.json')), /--config: cannot read .*no such file/);
});
