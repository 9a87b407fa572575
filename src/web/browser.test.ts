// End-to-end tests of the page in real headless Chromium (Debian's chromium, driven by
// playwright-core): the machine runs in the page's worker exactly as for a user. Screenshots go
// to dist/web-artifacts (outside git; RINGMASTER_WEB_ARTIFACTS overrides), path printed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildWeb } from './build.js';
import { startWebServer, type RunningWebServer } from './server.js';
import { GUEST_PROMPT, imagePath, imageSkipReason } from '../cli/images/paths.js';
import { testDaemon, createGuest, ECHO_GUEST, PRINTING_GUEST, waitFor, logs } from '../hypervisor/test-support.js';

const CHROMIUM = process.env.RINGMASTER_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = resolve(process.env.RINGMASTER_WEB_ARTIFACTS ?? 'dist/web-artifacts');
const noChromium = existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (scripts/setup.sh installs Debian's chromium)`;
const biosSkip = noChromium ?? imageSkipReason(['seabios-256k', 'vgabios-stdvga']);

let server: RunningWebServer | null = null;
let context: BrowserContext | null = null;
let profile = '';
let siteDir = '';

before(async () => {
  if (noChromium) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  siteDir = mkdtempSync(join(tmpdir(), 'rm-web-site-'));
  await buildWeb({ outDir: siteDir, root: process.cwd() });
  server = await startWebServer({ siteDir, port: 0, host: '127.0.0.1' });
  profile = mkdtempSync(join(tmpdir(), 'rm-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  console.log(`web test artifacts (screenshots): ${ARTIFACTS}`);
});

after(async () => {
  await context?.close();
  await server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

interface PageErrors {
  errors: string[];
}

async function openPage(): Promise<Page & PageErrors> {
  const page = (await context!.newPage()) as Page & PageErrors;
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await page.goto(server!.url);
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 15_000 });
  return page;
}

const screenText = (page: Page) => page.evaluate(() => (window as any).ringmaster.screenText.join('\n') as string);
const serialText = (page: Page) => page.evaluate(() => (window as any).ringmaster.serialText as string);
const messages = (page: Page) => page.evaluate(() => (window as any).ringmaster.messages as { kind: string; text: string }[]);
const status = (page: Page) => page.evaluate(() => (window as any).ringmaster.status as { state: string; resets: number; ips: number; instructions: number } | null);

async function waitForScreen(page: Page, text: string, timeout: number): Promise<void> {
  await page.waitForFunction((t) => (window as any).ringmaster.screenText.join('\n').includes(t), text, { timeout, polling: 250 });
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  await page.locator('#screen').screenshot({ path: join(ARTIFACTS, `${name}-canvas.png`) });
}

/** Counts canvas pixels that are not black (the picture actually reached the canvas). */
async function litPixels(page: Page): Promise<number> {
  return page.evaluate(() => {
    const c = document.getElementById('screen') as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i]! | d[i + 1]! | d[i + 2]!) n++;
    return n;
  });
}

test('the page loads, offers the cache guests and reports no script errors', { skip: noChromium }, async () => {
  const page = await openPage();
  assert.equal(await page.title(), 'Ringmaster');
  const ids = await page.evaluate(() => (window as any).ringmaster.presets.map((p: { id: string }) => p.id) as string[]);
  if (!biosSkip) assert.ok(ids.includes('bios'), `presets: ${ids.join(', ')}`);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('SeaBIOS with no disk: the canvas shows "No bootable device"; keys reach the BIOS; Ctrl-Alt-Del resets', { skip: biosSkip, timeout: 180_000 }, async () => {
  const page = await openPage();
  await page.click('#guest-bios');
  // SeaBIOS boot.c boot_fail(): "No bootable device." once every boot entry failed.
  await waitForScreen(page, 'No bootable device', 120_000);
  await page.waitForTimeout(300);
  const lit = await litPixels(page);
  const dims = await page.evaluate(() => [(document.getElementById('screen') as HTMLCanvasElement).width, (document.getElementById('screen') as HTMLCanvasElement).height]);
  // 80x25 text with the VGA BIOS's 9x16 font: 720x400 pixels (VGA text mode 3, +).
  assert.deepEqual(dims, [720, 400]);
  assert.ok(lit > 500, `only ${lit} lit pixels on the canvas`);
  await shot(page, 'seabios-no-bootable-device');
  const st = await status(page);
  assert.ok(st && st.instructions > 0, 'status line reports instructions');
  assert.match(await page.textContent('#status') ?? '', /instructions\/s/);

  // A key typed on the canvas: i8042 (set 2, translated to set 1) → IRQ 1 → SeaBIOS's INT 09h
  // handler stores scancode<<8 | ASCII in the BDA keyboard ring at 0x41E (head 0x41A, tail 0x41C).
  const before = await page.evaluate(() => (window as any).ringmaster.peek(0x41a, 4) as Promise<number[]>);
  await page.focus('#screen');
  await page.keyboard.press('KeyA');
  await page.waitForTimeout(500);
  const bda = await page.evaluate(() => (window as any).ringmaster.peek(0x400, 0x40) as Promise<number[]>);
  const tail = bda[0x1c]! | (bda[0x1d]! << 8);
  const beforeTail = before[2]! | (before[3]! << 8);
  assert.notEqual(tail, beforeTail, 'the BIOS keyboard buffer tail moved');
  const slot = (tail === 0x1e ? 0x3e : tail) - 2;
  assert.deepEqual([bda[slot], bda[slot + 1]], [0x61, 0x1e], "'a' with scan code 1Eh in the BIOS buffer");

  // Ctrl-Alt-Del button: SeaBIOS's keyboard handler sees Ctrl+Alt+Del and resets the machine.
  const resetsBefore = (await status(page))!.resets;
  await page.click('#cad');
  await page.waitForFunction((n) => ((window as any).ringmaster.status?.resets ?? 0) > n, resetsBefore, { timeout: 30_000 });
  await waitForScreen(page, 'No bootable device', 120_000);
  assert.deepEqual(page.errors, []);
  await page.close();
});

/** Waits for #message to show an error matching `re` (visible on the page, not only recorded). */
async function expectVisibleError(page: Page, re: RegExp, what: string): Promise<string> {
  try {
    await page.waitForFunction(
      ([src, flags]) => {
        const el = document.getElementById('message')!;
        return !el.hidden && el.className === 'error' && new RegExp(src, flags).test(el.textContent ?? '');
      },
      [re.source, re.flags] as const,
      { timeout: 20_000 },
    );
  } catch {
    throw new Error(`${what}: no visible error matching ${re}; #message says: ${await page.textContent('#message')}`);
  }
  assert.ok(await page.isVisible('#message'), `${what}: the message is not visible`);
  return (await page.textContent('#message')) ?? '';
}

test('bad input: a text file (dropped, as kernel, as CD), truncated ISOs, unreachable and missing URLs — a visible message each time; the running machine and the page stay usable', { skip: biosSkip, timeout: 240_000 }, async () => {
  const page = await openPage();
  // A machine runs first: bad input must leave it, its screen and the controls alone.
  await page.click('#guest-bios');
  await waitForScreen(page, 'No bootable device', 120_000);
  const stillRunning = async (what: string) => {
    assert.equal((await status(page))?.state, 'running', `${what}: the running machine stopped`);
    assert.match(await screenText(page), /No bootable device/, `${what}: the running machine's screen changed`);
    assert.ok((await litPixels(page)) > 500, `${what}: the canvas was blanked`);
  };
  const notes = Buffer.from('just some notes\n');

  // A text file dropped on the page is recognised as nothing.
  const dt = await page.evaluateHandle(() => {
    const d = new DataTransfer();
    d.items.add(new File(['just some notes\n'], 'notes.txt', { type: 'text/plain' }));
    return d;
  });
  await page.dispatchEvent('body', 'drop', { dataTransfer: dt });
  await expectVisibleError(page, /notes\.txt is not a kernel, initrd, ISO, disk image or snapshot/, 'dropped text file');
  await stillRunning('dropped text file');

  // A text file picked as the kernel: the picker warns at once; booting it names the file and what a kernel looks like.
  await page.setInputFiles('#kernel-file', { name: 'notes.txt', mimeType: 'text/plain', buffer: notes });
  await expectVisibleError(page, /notes\.txt does not look like a kernel image/, 'text file picked as kernel');
  await page.click('#boot');
  await expectVisibleError(page, /kernel notes\.txt: not a bootable kernel \(16 bytes with neither signature\)/, 'text file booted as kernel');
  await stillRunning('text file booted as kernel');
  await page.setInputFiles('#kernel-file', []);

  // A text file as the CD, sized like an ISO (20 sectors): no "CD001" at byte 0x8001 (ECMA-119 8.1).
  await page.setInputFiles('#cdrom-file', { name: 'readme.txt', mimeType: 'text/plain', buffer: Buffer.alloc(20 * 2048, 'text text\n') });
  await page.click('#boot');
  await expectVisibleError(page, /readme\.txt has no ISO 9660 signature/, 'text file as CD');
  await stillRunning('text file as CD');

  // A truncated ISO that is not a whole number of 2048-byte sectors (ECMA-119 6.1.2).
  const badSize = Buffer.alloc(40_000);
  badSize.write('CD001', 0x8001, 'latin1');
  await page.setInputFiles('#cdrom-file', { name: 'broken.iso', mimeType: 'application/octet-stream', buffer: badSize });
  await page.click('#boot');
  await expectVisibleError(page, /broken\.iso is 40000 bytes, not a multiple of 2048/, 'ISO cut mid-sector');
  await stillRunning('ISO cut mid-sector');

  // A real ISO cut at a sector boundary (a download that broke off): the primary volume
  // descriptor's volume size (ECMA-119 8.4.8 x 8.4.12) is larger than the file.
  const fullIso = existsSync(imagePath('memtest-iso')) ? readFileSync(imagePath('memtest-iso')) : null;
  const cut = fullIso ? fullIso.subarray(0, 256 * 1024) : syntheticIso(64, 512);
  const volumeBytes = cut.readUInt32LE(0x8000 + 80) * cut.readUInt16LE(0x8000 + 128);
  await page.setInputFiles('#cdrom-file', { name: 'cut.iso', mimeType: 'application/octet-stream', buffer: cut });
  await page.click('#boot');
  const said = await expectVisibleError(page, /cut\.iso is truncated: its volume descriptor says \d+ bytes/, 'ISO cut at a sector boundary');
  assert.ok(said.includes(`says ${volumeBytes} bytes`) && said.includes(`the file has ${cut.length}`), said);
  await stillRunning('ISO cut at a sector boundary');
  await page.setInputFiles('#cdrom-file', []);

  // An unreachable URL (nothing listens on port 1), and one the server answers with 404.
  await page.fill('#kernel-url', 'http://127.0.0.1:1/vmlinuz');
  await page.click('#boot');
  await expectVisibleError(page, /could not fetch http:\/\/127\.0\.0\.1:1\/vmlinuz/, 'unreachable URL');
  await stillRunning('unreachable URL');
  await page.fill('#kernel-url', 'images/no-such-image');
  await page.click('#boot');
  await expectVisibleError(page, /could not fetch images\/no-such-image: HTTP 404/, 'missing URL');
  await stillRunning('missing URL');
  await page.fill('#kernel-url', '');

  // Still usable: the controls act on the running machine, and a new guest boots.
  const resets = (await status(page))!.resets;
  await page.click('#reset');
  await page.waitForFunction((n) => ((window as any).ringmaster.status?.resets ?? 0) > n, resets, { timeout: 30_000 });
  await page.click('#guest-bios');
  // A new board: its reset count starts again at 0.
  await page.waitForFunction(() => (window as any).ringmaster.status?.resets === 0, null, { timeout: 30_000 });
  await waitForScreen(page, 'No bootable device', 120_000);
  await shot(page, 'bad-input-then-usable');
  assert.deepEqual(page.errors, []);
  await page.close();
});

/** An image with a primary volume descriptor claiming `volumeSectors` of 2048 bytes, holding only `fileSectors`. */
function syntheticIso(fileSectors: number, volumeSectors: number): Buffer {
  const b = Buffer.alloc(fileSectors * 2048);
  const pvd = 16 * 2048;
  b[pvd] = 1; // ECMA-119 8.4.1: type 1, primary volume descriptor
  b.write('CD001', pvd + 1, 'latin1');
  b.writeUInt32LE(volumeSectors, pvd + 80);
  b.writeUInt32BE(volumeSectors, pvd + 84);
  b.writeUInt16LE(2048, pvd + 128);
  b.writeUInt16BE(2048, pvd + 130);
  return b;
}

test('snapshot: save to a download, reload the page, restore from the upload, the screen comes back', { skip: biosSkip, timeout: 240_000 }, async () => {
  const page = await openPage();
  await page.click('#guest-bios');
  await waitForScreen(page, 'No bootable device', 120_000);
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click('#save')]);
  const file = join(ARTIFACTS, 'seabios.rmsnap');
  await download.saveAs(file);
  assert.equal(readFileSync(file).subarray(0, 2).toString('hex'), '1f8b', 'gzip file');
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.ready === '1');
  assert.equal(await screenText(page), '');
  await page.setInputFiles('#restore', file);
  await waitForScreen(page, 'No bootable device', 60_000);
  await page.waitForFunction(() => (window as any).ringmaster.status?.state === 'running', null, { timeout: 10_000 });
  await shot(page, 'seabios-restored');
  // A damaged snapshot is refused with a message; the restored machine keeps running.
  writeFileSync(join(ARTIFACTS, 'damaged.rmsnap'), readFileSync(file).subarray(0, 5000));
  await page.setInputFiles('#restore', join(ARTIFACTS, 'damaged.rmsnap'));
  await page.waitForFunction(() => (window as any).ringmaster.messages.some((m: { text: string }) => /restoring the snapshot failed/.test(m.text)), null, { timeout: 20_000 });
  assert.equal((await status(page))?.state, 'running');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the web console lists a daemon\'s VMs and attaches to one: a printing VM\'s serial output shows read-only, typing reaches a VM only with the token', { skip: noChromium, timeout: 180_000 }, async () => {
  const t = await testDaemon();
  const token = 'web-test-token';
  const web = await startWebServer({ siteDir: siteDir, port: 0, host: '127.0.0.1', daemonSocket: t.client.socketPath, token });
  const page = (await context!.newPage()) as Page & PageErrors;
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  try {
    await createGuest(t.client, 'echo', ECHO_GUEST);
    await createGuest(t.client, 'counter', PRINTING_GUEST);
    await waitFor('echo ready', async () => /ready/.test((await logs(t.client, 'echo')).toString()));
    // Read-only without the token: a VM that prints on its own shows its output in the terminal.
    await page.goto(web.url);
    await page.click('#daemon-list');
    await page.click('#attach-counter', { timeout: 10_000 });
    await page.waitForFunction(() => (window as any).ringmaster.attached?.vm === 'counter', null, { timeout: 10_000 });
    await page.waitForFunction(
      () => ((window as any).ringmaster.terminalLines() as string[]).filter((l) => /^[0-9A-F]{4} [0-9A-F]{4}$/.test(l)).length >= 12,
      null,
      { timeout: 30_000, polling: 250 },
    );
    // The lines count up one by one: the console stream arrives whole and in order.
    PRINTING_GUEST.checkOutput!(await serialText(page));
    await shot(page, 'daemon-console-read-only');
    await page.click('#attach-echo', { timeout: 10_000 });
    await page.waitForFunction(() => (window as any).ringmaster.attached?.vm === 'echo', null, { timeout: 10_000 });
    assert.equal((await page.evaluate(() => (window as any).ringmaster.attached.writable)) as boolean, false);
    await page.click('#terminal');
    await page.keyboard.type('zzz');
    await page.waitForTimeout(1000);
    assert.ok(!(await logs(t.client, 'echo')).toString().includes('ZZZ'), 'read-only console let input through');
    // With the token: typed bytes reach the guest (it echoes them upper-cased on COM1).
    await page.goto(`${web.url}?token=${token}`);
    await page.click('#daemon-list');
    await page.click('#attach-echo', { timeout: 10_000 });
    await page.waitForFunction(() => (window as any).ringmaster.attached?.writable === true, null, { timeout: 10_000 });
    await page.click('#terminal');
    await page.keyboard.type('hello web');
    await page.waitForFunction(() => (window as any).ringmaster.serialText.includes('HELLO WEB'), null, { timeout: 20_000 });
    await shot(page, 'daemon-console');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
    await web.close();
    await t.close();
  }
});

test('a CD by URL is read with HTTP range requests: memtest86+ from the server without downloading the ISO', {
  skip: noChromium ?? imageSkipReason(['seabios-256k', 'vgabios-stdvga', 'memtest-iso']),
  timeout: 200_000,
}, async () => {
  const page = await openPage();
  try {
    // An unreachable CD URL first: a message, nothing else changes.
    await page.fill('#cdrom-url', 'http://127.0.0.1:1/missing.iso');
    await page.click('#boot');
    await page.waitForFunction(() => (window as any).ringmaster.messages.some((m: { text: string }) => /could not reach http:\/\/127\.0\.0\.1:1\/missing\.iso/.test(m.text)), null, { timeout: 20_000 });
    const before = { ...server!.stats };
    await page.fill('#cdrom-url', 'images/memtest-iso');
    await page.click('#boot');
    await page.waitForFunction(() => (window as any).ringmaster.messages.some((m: { text: string }) => /by HTTP range requests/.test(m.text)), null, { timeout: 20_000 });
    await waitForScreen(page, 'Memtest86+', 150_000);
    assert.ok(server!.stats.rangeReads > before.rangeReads, 'the ISO was read by ranges');
    // SeaBIOS and the VGA BIOS were fetched whole by the first attempt; the ISO never is.
    assert.equal(server!.stats.wholeImageReads, before.wholeImageReads, 'an image was fetched whole');
    assert.deepEqual(page.errors, []);
  } finally {
    await shot(page, 'memtest-by-url');
    await page.close();
  }
});

/**
 * The default guest needs ~3.2 G instructions to its shell: about 3 minutes of the interpreter
 * in Chromium on the 2-core development machine. The bound leaves room for a loaded host.
 */
const LINUX_BOOT_MS = 8 * 60_000;
/** Debian's 686 kernel: `uname -a` from busybox, as in src/machine/guests-direct.test.ts. */
const UNAME_ANSWER = /Linux \S+ 6\.1\.\d+-\d+-686 #1 SMP .* i686 GNU\/Linux/;
const PROMPT = GUEST_PROMPT.trimEnd();

/** The xterm buffer as displayed (wrapped rows joined), not the raw serial bytes. */
const terminalLines = (page: Page) => page.evaluate(() => (window as any).ringmaster.terminalLines() as string[]);

/**
 * Types a command into the xterm terminal and returns the first terminal line after it matching
 * `answer`. The echoed command follows the prompt on its line, or starts a line of its own when a
 * kernel message (host-timed in the browser, e.g. "hrtimer: interrupt took …") landed after the prompt.
 */
async function shellCommand(page: Page, command: string, answer: RegExp, timeout: number): Promise<string> {
  await page.click('#terminal');
  await page.keyboard.type(`${command}\n`);
  const handle = await page.waitForFunction(
    ([p, c, src, flags]) => {
      const lines = (window as any).ringmaster.terminalLines() as string[];
      let at = -1;
      for (let i = lines.length - 1; i >= 0; i--) if (lines[i]!.endsWith(`${p} ${c}`) || lines[i] === c) { at = i; break; }
      if (at < 0) return null;
      const re = new RegExp(src, flags);
      return lines.slice(at + 1).find((l) => re.test(l)) ?? null;
    },
    [PROMPT, command, answer.source, answer.flags] as const,
    { timeout, polling: 250 },
  );
  return (await handle.jsonValue()) as string;
}

test('the default i386 guest boots to the shell in the xterm terminal; `uname -a` answers; a snapshot restored after a reload answers again', {
  skip: noChromium ?? imageSkipReason(['i386-kernel', 'i386-initrd']),
  timeout: LINUX_BOOT_MS + 4 * 60_000,
}, async () => {
  const page = await openPage();
  let phase = 'boot';
  try {
    const t0 = Date.now();
    await page.click('#guest-linux');
    await page.waitForFunction((p) => (window as any).ringmaster.terminalLines().some((l: string) => l.startsWith(p)), PROMPT, { timeout: LINUX_BOOT_MS, polling: 500 });
    console.log(`web: the Linux guest reached its shell prompt in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.match((await terminalLines(page)).join('\n'), /Linux version 6\.1\.\d+-\d+-686/);
    await shot(page, 'linux-shell-prompt');

    phase = 'uname';
    const answer = await shellCommand(page, 'uname -a', UNAME_ANSWER, 60_000);
    assert.match(answer, UNAME_ANSWER);
    await shot(page, 'linux-uname');

    // Snapshot of the running shell, page reloaded, restored: the shell answers again.
    phase = 'save';
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.click('#save')]);
    const file = join(ARTIFACTS, 'linux.rmsnap');
    await download.saveAs(file);
    assert.equal(readFileSync(file).subarray(0, 2).toString('hex'), '1f8b', 'gzip file');
    phase = 'restore';
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.ready === '1');
    assert.deepEqual(await terminalLines(page).then((l) => l.filter(Boolean)), [], 'a fresh page has an empty terminal');
    await page.setInputFiles('#restore', file);
    await page.waitForFunction(() => (window as any).ringmaster.messages.some((m: { text: string }) => m.text === 'snapshot restored'), null, { timeout: 120_000 });
    await page.waitForFunction(() => (window as any).ringmaster.status?.state === 'running', null, { timeout: 30_000 });
    phase = 'after restore';
    // The restored shell sits at its prompt with nothing new to print: Enter brings a fresh one.
    await page.click('#terminal');
    await page.keyboard.press('Enter');
    await page.waitForFunction((p) => (window as any).ringmaster.terminalLines().some((l: string) => l.startsWith(p)), PROMPT, { timeout: 60_000, polling: 250 });
    const again = await shellCommand(page, 'uname -a', UNAME_ANSWER, 60_000);
    assert.equal(again, answer, 'the restored kernel gives the same answer');
    assert.match(await shellCommand(page, 'echo restored-$((6*7))', /^restored-42$/, 60_000), /^restored-42$/);
    await shot(page, 'linux-restored');
    assert.deepEqual(page.errors, []);
  } catch (e) {
    (e as Error).message = `[${phase}] ${(e as Error).message}`;
    throw e;
  } finally {
    await shot(page, 'linux-guest-last').catch(() => {});
    writeFileSync(join(ARTIFACTS, 'linux-guest-terminal.txt'), `${(await terminalLines(page).catch(() => [])).join('\n').trimEnd()}\n`);
    writeFileSync(join(ARTIFACTS, 'linux-guest-serial.txt'), await serialText(page).catch(() => ''));
    await page.close();
  }
});

test('memtest86+ boots from the CD and its screen shows on the canvas', {
  skip: noChromium ?? imageSkipReason(['seabios-256k', 'vgabios-stdvga', 'memtest-iso']),
  timeout: 200_000,
}, async () => {
  const page = await openPage();
  try {
    await page.click('#guest-memtest');
    await waitForScreen(page, 'Memtest86+', 150_000);
    assert.ok((await litPixels(page)) > 2000);
  } finally {
    await shot(page, 'memtest');
    await page.close();
  }
});
