// Shared by the benchmarks: option parsing, medians, ratios, tables, result files.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BENCH_DIR } from './engines.js';

/** Parses `--name value` / `--flag` options against defaults; unknown options are an error. */
export function parseOptions(argv, defaults, usage) {
  const opts = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      console.log(usage);
      process.exit(0);
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    const key = m?.[1].replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!m || !(key in defaults)) fail(`unknown option ${a}`, usage);
    if (typeof defaults[key] === 'boolean') {
      opts[key] = true;
      continue;
    }
    const v = m[2] ?? argv[++i];
    if (v === undefined) fail(`${a} needs a value`, usage);
    if (typeof defaults[key] === 'number') {
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) fail(`${a}: expected a positive number, got ${v}`, usage);
      opts[key] = n;
    } else opts[key] = v;
  }
  return opts;
}

export function fail(message, usage) {
  process.stderr.write(`${message}\n${usage ? `\n${usage}\n` : ''}`);
  process.exit(2);
}

export function median(xs) {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

export const fmt = (x, digits = 2) => (x === undefined || x === null || Number.isNaN(x) ? '—' : x.toFixed(digits));
export const ratio = (a, b) => (a === undefined || b === undefined || b === 0 ? undefined : a / b);
export const fmtRatio = (r) => (r === undefined ? '—' : `${r.toFixed(2)}×`);

/**
 * Per-engine summary of boot runs (`runs[engine]`: results with `ok`, timings in seconds, and
 * `failure`/`lastSerialLine` when not ok): boots and attempts, the median of each of
 * initSeconds, promptSeconds, cpuSeconds and the `extraFields` over the boots that reached the
 * shell (runs without a number in a field are left out of its median), and the first failure.
 */
export function summarizeBoots(engines, runs, extraFields = []) {
  const summary = {};
  for (const e of engines) {
    const ok = runs[e].filter((r) => r.ok);
    const failed = runs[e].find((r) => !r.ok);
    const s = { boots: ok.length, attempted: runs[e].length };
    for (const field of ['initSeconds', 'promptSeconds', 'cpuSeconds', ...extraFields]) {
      s[field] = median(ok.map((r) => r[field]).filter((x) => typeof x === 'number'));
    }
    s.failure = failed?.failure;
    s.lastSerialLine = failed?.lastSerialLine;
    summary[e] = s;
  }
  return summary;
}

/** One Markdown bullet per engine that had a failed boot: its failure and last serial line. */
export function failureNotes(engines, summary) {
  return engines.filter((e) => summary[e].failure).map((e) => `- ${e}: ${summary[e].failure}; last serial line: \`${summary[e].lastSerialLine}\``);
}

/** A Markdown table (also readable as plain text on a terminal). */
export function markdownTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** UTC timestamp for file names: 2026-11-25-1830. */
export function stamp(d = new Date()) {
  return d.toISOString().slice(0, 16).replace('T', '-').replace(':', '');
}

/** Writes bench/results/<name>-<stamp>.{json,md}; returns the two paths. */
export function writeResults(name, json, markdown, outDir = path.join(BENCH_DIR, 'results')) {
  mkdirSync(outDir, { recursive: true });
  const base = path.join(outDir, `${name}-${stamp(new Date(json.date))}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(`${base}.md`, markdown);
  return [`${base}.json`, `${base}.md`];
}

/** The machine section shared by the Markdown reports. */
export function machineMarkdown(env) {
  return [
    `- machine: ${env.cpu}, ${env.cores} cores, ${env.memoryGiB} GiB; load average (1, 5, 15 min) at start ${env.loadAverage.join(' ')}` +
      (env.loadAverageAtEnd ? `, at end ${env.loadAverageAtEnd.join(' ')} (other work shares the machine)` : ''),
    `- engines run one at a time (never two at once; the machine has ${env.cores} cores)`,
    `- Node ${env.node}; ${env.qemu}; v86 ${env.v86} (npm); Ringmaster ${env.ringmaster}`,
  ].join('\n');
}
