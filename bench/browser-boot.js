#!/usr/bin/env node
// bench/browser-boot: the default guest (Debian 686 kernel + busybox initramfs, direct boot,
// the default command line, 128 MiB) booted in headless Chromium, one engine at a time:
//   - Ringmaster's page (`ringmaster web`: the machine in a Web Worker), its "Boot Debian i386" button;
//   - v86's browser build (npm `v86`: build/libv86.js + build/v86.wasm, JIT on) on a page of its
//     own, with Debian's SeaBIOS bios.bin and vgabios-stdvga.bin from the image cache (the npm
//     package ships no BIOS), loading the same kernel and initrd with its bzImage loader.
// Reports wall seconds from navigation to the init marker and to the shell prompt on COM1, the
// Chromium CPU seconds spent meanwhile (all its processes), and the ratio to v86.
import { createServer } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_DIR, loadPaths, guestImages, environment } from './lib/engines.js';
import { parseOptions, fail, fmt, ratio, fmtRatio, markdownTable, writeResults, summarizeBoots, failureNotes } from './lib/report.js';

const ENGINES = ['ringmaster', 'v86'];
const USAGE = `usage: node bench/browser-boot.js [options]
  --runs N         boots per engine, engines alternating; the table shows medians (default 1)
  --timeout S      seconds a boot may take to reach the shell prompt (default 600)
  --engines LIST   comma-separated subset of ${ENGINES.join(',')} (default both)
  --dist DIR       compiled Ringmaster tree, for the web server and image paths (default dist)
  --chromium PATH  the browser (default $RINGMASTER_CHROMIUM or /usr/bin/chromium)
  --no-save        print only; do not write bench/results/browser-boot-<date>.{json,md}`;

const opts = parseOptions(process.argv.slice(2), { runs: 1, timeout: 600, engines: ENGINES.join(','), dist: 'dist', chromium: process.env.RINGMASTER_CHROMIUM ?? '/usr/bin/chromium', noSave: false }, USAGE);
const engines = opts.engines.split(',').map((e) => e.trim()).filter(Boolean);
for (const e of engines) if (!ENGINES.includes(e)) fail(`--engines: unknown engine ${e} (known: ${ENGINES.join(', ')})`);
opts.runs = Math.floor(opts.runs);
if (!existsSync(opts.chromium)) fail(`no Chromium at ${opts.chromium} (scripts/setup.sh installs Debian's chromium)`);

const require = createRequire(import.meta.url);
const distDir = path.resolve(REPO_DIR, opts.dist);
let paths, img, web, chromium, v86Dir;
try {
  paths = await loadPaths(distDir);
  img = guestImages(paths);
  web = {
    ...(await import(pathToFileURL(path.join(distDir, 'web/build.js')).href)),
    ...(await import(pathToFileURL(path.join(distDir, 'web/server.js')).href)),
  };
  ({ chromium } = await import('playwright-core'));
  v86Dir = path.join(path.dirname(require.resolve('v86/package.json')), 'build');
} catch (e) {
  fail(`bench/browser-boot: ${e.message}`);
}

const CMDLINE = paths.DEFAULT_GUEST.append;
const MEMORY_MIB = 128;
const env = environment();
const date = new Date().toISOString();

// ---- the two pages ----

const siteDir = mkdtempSync(path.join(tmpdir(), 'rm-bench-site-'));
await web.buildWeb({ outDir: siteDir, root: REPO_DIR });
const ringmasterServer = await web.startWebServer({ siteDir, port: 0, host: '127.0.0.1' });
const preset = web.availablePresets().find((p) => p.id === 'linux');
if (!preset || preset.cmdline !== CMDLINE || preset.memoryMiB !== MEMORY_MIB) {
  fail(`bench/browser-boot: the page's Linux guest is ${JSON.stringify(preset)}, expected ${MEMORY_MIB} MiB and '${CMDLINE}'`);
}

/** v86's page: the library, its wasm and the same images, served from memory by this process. */
const V86_PAGE = `<!doctype html><meta charset="utf-8"><title>v86</title>
<script src="libv86.js"></script>
<script>
window.serialText = '';
window.v86Instructions = 0;
const emulator = new V86({
  wasm_path: 'v86.wasm',
  bios: { url: 'bios.bin' },
  vga_bios: { url: 'vgabios.bin' },
  bzimage: { url: 'vmlinuz' },
  initrd: { url: 'initrd.gz' },
  cmdline: ${JSON.stringify(CMDLINE)},
  memory_size: ${MEMORY_MIB * 1024 * 1024},
  autostart: true,
  disable_keyboard: true,
  disable_mouse: true,
  disable_speaker: true,
});
emulator.add_listener('serial0-output-byte', (b) => { window.serialText += String.fromCharCode(b); });
// get_instruction_counter() is 32 bits and wraps: summed in 100 ms steps (< 2^32 each).
let last = 0;
setInterval(() => { const now = emulator.get_instruction_counter(); window.v86Instructions += (now - last) >>> 0; last = now; }, 100);
</script>`;
const v86Files = {
  '/': { body: Buffer.from(V86_PAGE), type: 'text/html; charset=utf-8' },
  '/libv86.js': { file: path.join(v86Dir, 'libv86.js'), type: 'text/javascript' },
  '/v86.wasm': { file: path.join(v86Dir, 'v86.wasm'), type: 'application/wasm' },
  '/bios.bin': { file: img.bios, type: 'application/octet-stream' },
  '/vgabios.bin': { file: img.vgabios, type: 'application/octet-stream' },
  '/vmlinuz': { file: img.kernel, type: 'application/octet-stream' },
  '/initrd.gz': { file: img.initrd, type: 'application/octet-stream' },
};
const v86Server = createServer((req, res) => {
  const f = v86Files[new URL(req.url ?? '/', 'http://x').pathname];
  if (!f) {
    res.writeHead(404).end();
    return;
  }
  const body = f.body ?? readFileSync(f.file);
  res.writeHead(200, { 'content-type': f.type, 'content-length': body.length, 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
});
await new Promise((ok) => v86Server.listen(0, '127.0.0.1', ok));
const v86Url = `http://127.0.0.1:${v86Server.address().port}/`;

// ---- Chromium and its CPU time ----

const browser = await chromium.launch({
  executablePath: opts.chromium,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const chromiumVersion = browser.version();
const CLK_TCK = 100; // sysconf(_SC_CLK_TCK) on Linux

/**
 * User + system CPU seconds of every process below this one (Chromium's browser, renderer, GPU
 * and utility processes: playwright starts Chromium as our child), from proc(5) /proc/PID/stat
 * fields 14 and 15.
 */
function chromiumCpuSeconds() {
  const procs = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.set(Number(name), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // gone meanwhile
    }
  }
  let ticks = 0;
  for (const [pid, p] of procs) {
    for (let q = pid, hops = 0; q && hops < 16; q = procs.get(q)?.ppid ?? 0, hops++) {
      if (q === process.pid && pid !== process.pid) {
        ticks += p.ticks;
        break;
      }
    }
  }
  return ticks / CLK_TCK;
}

// ---- one boot ----

const PROMPT = paths.GUEST_PROMPT;
const serialExpr = { ringmaster: () => window.ringmaster.serialText, v86: () => window.serialText };

async function bootOnce(engine) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const cpu0 = chromiumCpuSeconds();
  const t0 = performance.now();
  const seconds = () => (performance.now() - t0) / 1000;
  const result = { ok: false };
  const waitSerial = async (text, deadline) => {
    await page.waitForFunction(
      ([t, e]) => (e === 'v86' ? window.serialText : window.ringmaster.serialText).includes(t),
      [text, engine],
      { timeout: Math.max(1, deadline * 1000 - (performance.now() - t0)), polling: 100 },
    );
    return seconds();
  };
  try {
    if (engine === 'ringmaster') {
      await page.goto(ringmasterServer.url);
      await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 30_000 });
      await page.click('#guest-linux');
    } else {
      await page.goto(v86Url);
    }
    result.initSeconds = await waitSerial(paths.INIT_MARKER, opts.timeout);
    result.promptSeconds = await waitSerial(PROMPT, opts.timeout);
    result.cpuSeconds = cpu0 === undefined ? undefined : chromiumCpuSeconds() - cpu0;
    result.instructions = await page.evaluate((e) => (e === 'v86' ? window.v86Instructions : window.ringmaster.status?.instructions), engine);
    result.ok = true;
  } catch (e) {
    const text = await page.evaluate(serialExpr[engine]).catch(() => '');
    result.failure = `${result.initSeconds === undefined ? 'did not reach the init marker' : 'reached the init marker but not the prompt'}: ${e.message.split('\n')[0]}`;
    result.lastSerialLine = text.trimEnd().split('\n').at(-1) || '(no serial output)';
  }
  const kernel = /ringmaster: init ready \(([^)]*)\)/.exec(await page.evaluate(serialExpr[engine]).catch(() => ''))?.[1];
  if (kernel) result.kernel = kernel;
  if (errors.length) result.pageErrors = errors;
  await context.close();
  return result;
}

console.log(`bench/browser-boot: the default guest (Debian 686 kernel + busybox initramfs, append '${CMDLINE}', ${MEMORY_MIB} MiB) in headless Chromium ${chromiumVersion}`);
console.log(`machine: ${env.cpu}, ${env.cores} cores; load average ${env.loadAverage.join(' ')}; engines run one at a time`);
console.log(`versions: Node ${env.node}; v86 ${env.v86}; Ringmaster ${env.ringmaster}`);
console.log(`${opts.runs} run(s) per engine, timeout ${opts.timeout} s; markers: "${paths.INIT_MARKER}" and the prompt "${PROMPT}"\n`);

const runs = Object.fromEntries(engines.map((e) => [e, []]));
const givenUp = new Set();
try {
  for (let r = 1; r <= opts.runs; r++) {
    for (const engine of engines) {
      if (givenUp.has(engine)) continue;
      process.stdout.write(`run ${r}/${opts.runs} ${engine.padEnd(10)} `);
      const res = await bootOnce(engine);
      runs[engine].push(res);
      if (res.ok) {
        console.log(`init marker ${fmt(res.initSeconds)} s, prompt ${fmt(res.promptSeconds)} s wall, ${fmt(res.cpuSeconds)} s Chromium CPU, ${fmt(res.instructions / 1e9)} G instructions; load ${environment().loadAverage.join(' ')}`);
      } else {
        givenUp.add(engine);
        console.log(`${res.failure}; last serial line: ${res.lastSerialLine}`);
      }
    }
  }
} finally {
  await browser.close();
  await ringmasterServer.close();
  v86Server.close();
  rmSync(siteDir, { recursive: true, force: true });
}
const loadAtEnd = environment().loadAverage;

const summary = summarizeBoots(engines, runs, ['instructions']);
const header = ['engine', 'init marker s', 'shell prompt s', '× v86 (wall)', 'Chromium CPU s', '× v86 (CPU)', 'G instructions', 'M instr per CPU s', 'boots'];
const perSecond = (n, s) => (n === undefined || !s ? undefined : n / s / 1e6);
const rows = engines.map((e) => {
  const s = summary[e];
  return [e, fmt(s.initSeconds), s.promptSeconds === undefined ? `no (${opts.timeout} s limit)` : fmt(s.promptSeconds),
    fmtRatio(ratio(s.promptSeconds, summary.v86?.promptSeconds)), fmt(s.cpuSeconds), fmtRatio(ratio(s.cpuSeconds, summary.v86?.cpuSeconds)),
    fmt(s.instructions === undefined ? undefined : s.instructions / 1e9), fmt(perSecond(s.instructions, s.cpuSeconds), 1), `${s.boots}/${s.attempted}`];
});
const table = markdownTable(header, rows);
const notes = failureNotes(engines, summary);
const median_ = opts.runs > 1 ? `medians of ${opts.runs} runs` : '1 run';

console.log(`\nWall seconds from navigation (${median_}); ratios: shell-prompt wall time and Chromium CPU seconds over v86's:\n`);
console.log(table);
if (notes.length) console.log(`\n${notes.join('\n')}`);

if (!opts.noSave) {
  const md = `# bench/browser-boot — ${date.slice(0, 16).replace('T', ' ')} UTC

The default guest (Debian 686 kernel + busybox initramfs, \`${CMDLINE}\`, ${MEMORY_MIB} MiB) booted
in headless Chromium ${chromiumVersion} to \`${paths.INIT_MARKER}\` and to the shell prompt
\`${PROMPT.trim()}\` on COM1. Wall seconds from page navigation (${median_}), images fetched from a
server on localhost; Chromium CPU is user + system time of all Chromium processes meanwhile
(/proc/PID/stat), the fairer figure when the host is loaded (wall time then includes waiting
for a core). Instructions: Ringmaster's counter (status line, sampled every 0.5 s); v86's
\`get_instruction_counter()\` (it also runs SeaBIOS and its own bzImage loader first).

- **ringmaster**: the page of \`ringmaster web\` (esbuild bundle; machine in a Web Worker,
  translator on as in the Pc by default; host time), button "Boot Debian i386": direct Linux boot, no BIOS.
- **v86**: npm \`v86\` ${env.v86} browser build (\`build/libv86.js\`, \`build/v86.wasm\`, JIT on) on the
  main thread of its page; Debian SeaBIOS \`bios.bin\` + \`vgabios-stdvga.bin\` from the image cache;
  \`bzimage\`, \`initrd\`, \`cmdline\` options (v86's own loader, started from SeaBIOS).

${table}
${notes.length ? `\n${notes.join('\n')}\n` : ''}
Per run: ${engines.map((e) => `${e} ${runs[e].map((r) => (r.ok ? fmt(r.promptSeconds) : 'failed')).join(', ')} s`).join('; ')}.

- machine: ${env.cpu}, ${env.cores} cores, ${env.memoryGiB} GiB; load average (1, 5, 15 min) at start ${env.loadAverage.join(' ')}, at end ${loadAtEnd.join(' ')} (other work shares the machine)
- engines run one at a time, alternating within each run
- Node ${env.node}; Chromium ${chromiumVersion} (Debian package, headless, --disable-gpu); v86 ${env.v86} (npm); Ringmaster ${env.ringmaster}
- \`node bench/browser-boot.js --runs ${opts.runs} --timeout ${opts.timeout}${opts.engines !== ENGINES.join(',') ? ` --engines ${opts.engines}` : ''}${opts.dist !== 'dist' ? ` --dist ${opts.dist}` : ''}\` (the page itself is bundled from src/ by esbuild)
`;
  const json = { benchmark: 'browser-boot', date, guest: { kernel: img.kernel, initrd: img.initrd, append: CMDLINE, memoryMiB: MEMORY_MIB },
    markers: { init: paths.INIT_MARKER, prompt: PROMPT }, options: { runs: opts.runs, timeoutSeconds: opts.timeout },
    environment: { ...env, loadAverageAtEnd: loadAtEnd, chromium: chromiumVersion }, summary, runs };
  const [j, m] = writeResults('browser-boot', json, md);
  console.log(`\nwrote ${[j, m].map((f) => path.relative(process.cwd(), f)).join(', ')}`);
}
