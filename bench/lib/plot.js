// A small SVG bar chart of a result file (issue 6 asks for a plot beside each table): one row
// per engine, a bar for wall seconds and one for CPU seconds; engines without a result say so.
import { readFileSync, writeFileSync } from 'node:fs';

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * @param {string} title
 * @param {{ engine: string, wall?: number, cpu?: number, note?: string, label?: string, cpuLabel?: string }[]} rows
 *   label, cpuLabel: extra text after the wall and CPU figures (e.g. the ratio to v86)
 * @param {string} unit label of the axis
 */
export function barChartSvg(title, rows, unit) {
  const W = 760;
  const left = Math.max(110, 12 + 7.5 * Math.max(0, ...rows.map((r) => String(r.engine).length)));
  const right = 150;
  const rowH = 46;
  const top = 50;
  const H = top + rows.length * rowH + 40;
  const max = Math.max(1e-9, ...rows.flatMap((r) => [r.wall ?? 0, r.cpu ?? 0]));
  const x = (v) => (v / max) * (W - left - right);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="13">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${left}" y="24" font-size="15" font-weight="bold">${esc(title)}</text>`,
    `<rect x="${left}" y="32" width="12" height="10" fill="#3b6ea8"/><text x="${left + 16}" y="41">wall ${esc(unit)}</text>`,
    `<rect x="${left + 110}" y="32" width="12" height="10" fill="#e0a030"/><text x="${left + 126}" y="41">CPU ${esc(unit)}</text>`,
  ];
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    out.push(`<text x="${left - 8}" y="${y + 22}" text-anchor="end">${esc(r.engine)}</text>`);
    if (r.wall === undefined) {
      out.push(`<text x="${left}" y="${y + 22}" fill="#a00">${esc(r.note ?? 'no result')}</text>`);
      return;
    }
    out.push(`<rect x="${left}" y="${y + 4}" width="${x(r.wall).toFixed(1)}" height="16" fill="#3b6ea8"/>`);
    out.push(`<text x="${(left + x(r.wall) + 4).toFixed(1)}" y="${y + 17}">${r.wall.toFixed(2)}${r.label ? ` ${esc(r.label)}` : ''}</text>`);
    if (r.cpu !== undefined) {
      out.push(`<rect x="${left}" y="${y + 22}" width="${x(r.cpu).toFixed(1)}" height="16" fill="#e0a030"/>`);
      out.push(`<text x="${(left + x(r.cpu) + 4).toFixed(1)}" y="${y + 35}">${r.cpu.toFixed(2)}${r.cpuLabel ? ` ${esc(r.cpuLabel)}` : ''}</text>`);
    }
  });
  out.push(`<line x1="${left}" y1="${top - 4}" x2="${left}" y2="${H - 36}" stroke="#444"/>`);
  out.push(`<text x="${left}" y="${H - 14}" fill="#555">${esc(unit)}; shorter is faster</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** The chart of a bench/results JSON file (boot or cpu-guest), written beside it as .svg. */
export function plotResultFile(jsonPath) {
  const r = JSON.parse(readFileSync(jsonPath, 'utf8'));
  const engines = Object.keys(r.summary);
  const load = r.environment.loadAverage?.[0];
  const where = `${r.date.slice(0, 10)}, ${r.environment.cpu}, ${r.environment.cores} cores${load === undefined ? '' : `, load ${load}`}`;
  /** "(N.NN× v86)" from a row's wall time, when v86 has one. */
  const vsV86 = (wall, ref) => (wall !== undefined && ref ? `(${(wall / ref).toFixed(2)}× v86)` : undefined);
  let svg;
  if (r.benchmark === 'boot') {
    const ref = r.summary.v86?.promptSeconds;
    const rows = engines.map((e) => ({ engine: e, wall: r.summary[e].promptSeconds, cpu: r.summary[e].cpuSeconds,
      note: 'did not reach the shell prompt', label: vsV86(r.summary[e].promptSeconds, ref), cpuLabel: vsV86(r.summary[e].cpuSeconds, r.summary.v86?.cpuSeconds) }));
    svg = barChartSvg(`Boot to shell prompt (${where})`, rows, 'seconds');
  } else {
    const ref = r.summary.v86?.seconds;
    const rows = engines.map((e) => ({ engine: e, wall: r.summary[e].seconds, cpu: r.summary[e].cpuSeconds,
      note: r.summary[e].failure ?? 'no result', label: vsV86(r.summary[e].seconds, ref), cpuLabel: vsV86(r.summary[e].cpuSeconds, r.summary.v86?.cpuSeconds) }));
    svg = barChartSvg(`${r.title ?? `sha256sum of ${r.options.mib} MiB in the guest`} (${where})`, rows, 'seconds');
  }
  const out = jsonPath.replace(/\.json$/, '.svg');
  writeFileSync(out, svg);
  return out;
}

// node bench/lib/plot.js RESULT.json...: (re)draws the charts of existing result files.
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const f of process.argv.slice(2)) console.log(`wrote ${plotResultFile(f)}`);
}
