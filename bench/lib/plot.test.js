// node --test bench/lib/: the chart generator draws bars proportional to the figures, escapes
// text, and says when an engine has no result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { barChartSvg } from './plot.js';

const widths = (svg, fill) => [...svg.matchAll(new RegExp(`<rect x="[\\d.]+" y="[\\d.]+" width="([\\d.]+)" height="16" fill="${fill}"`, 'g'))].map((m) => Number(m[1]));

test('bars are proportional to the values, the longest spanning the plot width', () => {
  const svg = barChartSvg('t', [{ engine: 'a', wall: 10, cpu: 5 }, { engine: 'b', wall: 40, cpu: 20 }], 'seconds');
  const wall = widths(svg, '#3b6ea8');
  const cpu = widths(svg, '#e0a030');
  assert.equal(wall.length, 2);
  assert.ok(Math.abs(wall[1] / wall[0] - 4) < 0.01);
  assert.ok(Math.abs(cpu[0] / wall[0] - 0.5) < 0.01);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /<\/svg>\n$/);
});

test('an engine without a figure gets its note instead of a bar; text is XML-escaped', () => {
  const svg = barChartSvg('a < b & c', [{ engine: 'x<y', note: 'did not boot' }, { engine: 'z', wall: 1, label: '(1.00× v86)' }], 's');
  assert.equal(widths(svg, '#3b6ea8').length, 1);
  assert.match(svg, />did not boot</);
  assert.match(svg, /a &lt; b &amp; c/);
  assert.match(svg, /x&lt;y/);
  assert.match(svg, /1\.00 \(1\.00× v86\)/);
});
