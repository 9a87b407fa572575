// A readable line diff of two program outputs (reference vs Ringmaster).

const MAX_LCS_CELLS = 25_000_000;

/** Returns a diff of at most `maxLines` lines: "-" reference only, "+" subject only, with line numbers. */
export function describeDiff(reference: string, subject: string, maxLines = 40): string {
  const a = reference.split('\n');
  const b = subject.split('\n');
  // Trim the common head and tail so the LCS table stays small.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const am = a.slice(head, a.length - tail);
  const bm = b.slice(head, b.length - tail);
  const out: string[] = [];
  const ctx = Math.max(0, head - 3);
  for (let i = ctx; i < head; i++) out.push(`  ${i + 1}: ${a[i]}`);
  const ops = (am.length + 1) * (bm.length + 1) <= MAX_LCS_CELLS ? lcsOps(am, bm) : positionalOps(am, bm);
  let ia = head;
  let ib = head;
  for (const op of ops) {
    if (out.length >= maxLines) {
      out.push('  ...');
      break;
    }
    if (op === '=') {
      ia++;
      ib++;
    } else if (op === '-') out.push(`- ${++ia}: ${a[ia - 1]}`);
    else out.push(`+ ${++ib}: ${b[ib - 1]}`);
  }
  return out.join('\n');
}

function positionalOps(a: string[], b: string[]): string[] {
  const ops: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i < a.length && i < b.length && a[i] === b[i]) ops.push('=');
    else {
      if (i < a.length) ops.push('-');
      if (i < b.length) ops.push('+');
    }
  }
  return ops;
}

function lcsOps(a: string[], b: string[]): string[] {
  const n = a.length;
  const m = b.length;
  const w = m + 1;
  const t = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      t[i * w + j] = a[i] === b[j] ? t[(i + 1) * w + j + 1] + 1 : Math.max(t[(i + 1) * w + j], t[i * w + j + 1]);
    }
  }
  const ops: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push('=');
      i++;
      j++;
    } else if (j < m && (i === n || t[i * w + j + 1] >= t[(i + 1) * w + j])) {
      ops.push('+');
      j++;
    } else {
      ops.push('-');
      i++;
    }
  }
  return ops;
}
