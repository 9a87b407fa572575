// Machine configuration: every accepted form, every default, and one actionable, single-line
// ConfigError per mistake (DESIGN.md "Errors").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, GiB, KiB, MiB, formatSize, optionName, parseConfig } from './config.js';

function err(input: unknown): ConfigError {
  try {
    parseConfig(input);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.ok(!e.message.includes('\n'), 'message is one line');
    return e;
  }
  assert.fail(`accepted ${JSON.stringify(input)}`);
}

test('defaults: 128M, serial on stdio, no display, nothing attached, reset on triple fault', () => {
  const c = parseConfig({});
  assert.equal(c.memoryBytes, 128 * MiB);
  assert.deepEqual(c.serial, { kind: 'stdio' });
  assert.equal(c.display, 'none');
  assert.deepEqual(c.debugcon, { kind: 'none' });
  assert.deepEqual(c.post, { kind: 'none' });
  assert.deepEqual(c.disks, []);
  assert.equal(c.cdrom, null);
  assert.equal(c.kernel, null);
  assert.equal(c.append, '');
  assert.deepEqual(c.boot, []);
  assert.equal(c.timeoutSeconds, null);
  assert.equal(c.deterministic, false);
  assert.equal(c.tripleFault, 'reset');
});

test('memory sizes: 128M, 1G, 65536K, plain bytes, a number, MiB/MB spellings, lower case', () => {
  const cases: Array<[string | number, number]> = [
    ['128M', 128 * MiB], ['1G', GiB], ['65536K', 64 * MiB], ['134217728', 128 * MiB], [16 * MiB, 16 * MiB],
    ['64MiB', 64 * MiB], ['64MB', 64 * MiB], ['256m', 256 * MiB], [' 2M ', 2 * MiB], ['3G', 3 * GiB],
  ];
  for (const [v, bytes] of cases) assert.equal(parseConfig({ memory: v }).memoryBytes, bytes, String(v));
});

test('memory errors name the flag and say what to write', () => {
  assert.equal(err({ memory: '12X' }).message, "--memory: '12X' is not a size; use a number with K, M or G, e.g. 128M");
  assert.match(err({ memory: '1M' }).message, /^--memory: '1M' is too small; a PC needs at least 2M$/);
  assert.match(err({ memory: '4G' }).message, /^--memory: '4G' is too large; at most 3G/);
  assert.match(err({ memory: '99999999999999999999G' }).message, /too large/);
  assert.match(err({ memory: 3 * MiB + 100 }).message, /not a multiple of 4K .*use e\.g\. 3M$/);
  assert.match(err({ memory: '2.5M' }).message, /not a size/);
  assert.match(err({ memory: true }).message, /^--memory: true is not a size/);
  assert.equal(err({ memory: '12X' }).field, 'memory');
  assert.equal(err({ memory: '12X' }).option, '--memory');
});

test('kernel, initrd and append: initrd and append need a kernel; append is bounded by Linux COMMAND_LINE_SIZE', () => {
  const c = parseConfig({ kernel: 'vmlinuz', initrd: 'initrd.gz', append: 'console=ttyS0' });
  assert.equal(c.kernel, 'vmlinuz');
  assert.equal(c.initrd, 'initrd.gz');
  assert.equal(c.append, 'console=ttyS0');
  assert.equal(err({ initrd: 'x' }).message, '--initrd: an initrd needs a kernel; add --kernel PATH');
  assert.match(err({ append: 'quiet' }).message, /^--append: a command line needs a kernel/);
  assert.match(err({ kernel: 'k', append: 'x'.repeat(2048) }).message, /^--append: .*longer than 2047/);
  assert.match(err({ kernel: '' }).message, /^--kernel: the path of a kernel image is empty$/);
  assert.match(err({ kernel: 42 }).message, /^--kernel: expected the path of a kernel image, got 42$/);
});

test('disks are repeatable and kept in order; at most 4 drives with the CD-ROM; an image is attached once', () => {
  assert.deepEqual(parseConfig({ disk: 'a.img' }).disks, ['a.img']);
  assert.deepEqual(parseConfig({ disk: ['a.img', 'b.img'] }).disks, ['a.img', 'b.img']);
  assert.match(err({ disk: ['a', 'b', 'c', 'd', 'e'] }).message, /^--disk: 5 drives given; .* at most 4$/);
  assert.match(err({ disk: ['a', 'b', 'c', 'd'], cdrom: 'x.iso' }).message, /at most 4 including the CD-ROM/);
  assert.match(err({ disk: ['a', 'a'] }).message, /^--disk: 'a' is already used by --disk/);
  assert.match(err({ disk: [''] }).message, /^--disk: expected the path of a disk image/);
});

test('boot order: names, QEMU letters, lists; defaults to CD-ROM then disk; must name attached drives', () => {
  assert.deepEqual(parseConfig({ cdrom: 'x.iso', disk: 'a' }).boot, ['cdrom', 'disk']);
  assert.deepEqual(parseConfig({ cdrom: 'x.iso', disk: 'a', boot: 'disk,cdrom' }).boot, ['disk', 'cdrom']);
  assert.deepEqual(parseConfig({ cdrom: 'x.iso', disk: 'a', boot: 'dc' }).boot, ['cdrom', 'disk']);
  assert.deepEqual(parseConfig({ disk: 'a', boot: 'c' }).boot, ['disk']);
  assert.deepEqual(parseConfig({ cdrom: 'x', boot: ['cdrom'] }).boot, ['cdrom']);
  assert.match(err({ boot: 'floppy' }).message, /^--boot: 'floppy' is not a boot device; use cdrom or disk/);
  assert.match(err({ cdrom: 'x', boot: 'cdrom,cdrom' }).message, /appears twice/);
  assert.match(err({ disk: 'a', boot: 'cdrom' }).message, /^--boot: cdrom is in the boot order but no --cdrom/);
  assert.match(err({ cdrom: 'x', boot: 'disk' }).message, /no --disk image/);
});

test('serial, debugcon and post take stdio, none or file:PATH', () => {
  const c = parseConfig({ serial: 'file:out.log', debugcon: 'stdio', post: 'none' });
  assert.deepEqual(c.serial, { kind: 'file', path: 'out.log' });
  assert.deepEqual(c.debugcon, { kind: 'stdio' });
  assert.deepEqual(c.post, { kind: 'none' });
  assert.equal(err({ serial: 'tcp:1234' }).message, "--serial: 'tcp:1234' is not an output; use stdio, none or file:PATH");
  assert.match(err({ debugcon: 'file:' }).message, /^--debugcon: 'file:' needs a path/);
  assert.match(err({ post: 7 }).message, /^--post: 7 is not an output/);
});

test('display: text or none; text display and serial on stdio cannot share the terminal', () => {
  assert.equal(parseConfig({ display: 'text', serial: 'none' }).display, 'text');
  assert.equal(err({ display: 'vnc' }).message, "--display: 'vnc' is not a display; use text or none");
  assert.match(err({ display: 'text' }).message, /^--display: text display and --serial stdio both want the terminal/);
});

test('timeout: seconds or s/m/h, positive, at most a week', () => {
  assert.equal(parseConfig({ timeout: '30' }).timeoutSeconds, 30);
  assert.equal(parseConfig({ timeout: '90s' }).timeoutSeconds, 90);
  assert.equal(parseConfig({ timeout: '5m' }).timeoutSeconds, 300);
  assert.equal(parseConfig({ timeout: '1.5' }).timeoutSeconds, 1.5);
  assert.equal(parseConfig({ timeout: 2 }).timeoutSeconds, 2);
  assert.match(err({ timeout: '0' }).message, /^--timeout: '0' must be more than 0 seconds/);
  assert.match(err({ timeout: 'soon' }).message, /^--timeout: 'soon' is not a duration/);
  assert.match(err({ timeout: '200h' }).message, /longer than a week/);
});

test('deterministic is a boolean; triple-fault action is reset or stop (flag spelled --triple-fault)', () => {
  assert.equal(parseConfig({ deterministic: true }).deterministic, true);
  assert.equal(parseConfig({ tripleFault: 'stop' }).tripleFault, 'stop');
  assert.equal(err({ tripleFault: 'halt' }).message, "--triple-fault: 'halt' is not a triple-fault action; use reset or stop");
  assert.equal(err({ deterministic: 'yes' }).message, "--deterministic: expected true or false, got 'yes'");
});

test('unknown options and non-objects are refused with one line', () => {
  assert.equal(err({ memroy: '1G' }).message, '--memroy: unknown option; run with --help to see the options');
  assert.match(err('128M').message, /^config: expected an object of options/);
  assert.match(err(null).message, /^config: expected an object/);
  assert.match(err([]).message, /^config: expected an object/);
});

test('helpers: optionName and formatSize', () => {
  assert.equal(optionName('tripleFault'), '--triple-fault');
  assert.equal(optionName('memory'), '--memory');
  assert.equal(formatSize(3 * GiB), '3G');
  assert.equal(formatSize(1536 * MiB), '1536M');
  assert.equal(formatSize(12 * KiB), '12K');
  assert.equal(formatSize(100), '100');
});

test('fuzz: any JSON-ish input either parses to a config within bounds or throws a one-line ConfigError', () => {
  let s = 7;
  const r = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const values: unknown[] = ['', 'x', '128M', '0', '1G', '4G', 'stdio', 'file:a', 'none', 'c', 'dc', 'text', 'stop',
    true, false, 0, -1, 1.5, 2 ** 40, null, [], ['a'], {}, 'cdrom,disk', '5m', 'a.img'];
  const keys = ['memory', 'kernel', 'initrd', 'append', 'disk', 'cdrom', 'bios', 'vgabios', 'boot', 'serial',
    'display', 'debugcon', 'post', 'timeout', 'deterministic', 'tripleFault', 'bogus'];
  for (let i = 0; i < 3000; i++) {
    const input: Record<string, unknown> = {};
    const n = Math.floor(r() * 4);
    for (let j = 0; j < n; j++) input[keys[Math.floor(r() * keys.length)]!] = values[Math.floor(r() * values.length)];
    try {
      const c = parseConfig(input);
      assert.ok(c.memoryBytes >= 2 * MiB && c.memoryBytes <= 3 * GiB && c.memoryBytes % 4096 === 0);
    } catch (e) {
      assert.ok(e instanceof ConfigError, `${JSON.stringify(input)} threw ${String(e)}`);
      assert.ok(!e.message.includes('\n') && e.message.length < 200);
    }
  }
});
