#!/usr/bin/env node
// bench/cpu-guest: a guest workload on Ringmaster, v86 and QEMU TCG (issue 6).
// Each engine boots guest 1 to the shell prompt (not timed here: bench/boot does that), then
// the benchmark types the workload's command (--workload; the default, sha, is the CPU-bound one)
//   sha:  dd if=/dev/zero bs=1M count=MIB 2>/dev/null | sha256sum
//   pipe: COUNT 4 KiB blocks from dd through cat to wc -c (system calls, context switches)
//   fork: COUNT runs of /bin/true from a shell loop (fork, exec, page faults)
//   sort: seq 1 COUNT | sort -r | md5sum (two processes, x87 arithmetic in seq)
// and times, on the host, from the command sent to its result printed. The result is checked
// (the SHA-256 of MIB MiB of zeros, the byte count, the loop count, the MD5 of the sorted
// lines, computed here), so a wrong answer is never a fast result. The guest executes the same
// instructions on every engine, so guest MIPS ratios are the inverse of the time ratios; v86's
// instruction counter gives the absolute figure.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { shellLine, loadAverage } from './lib/engines.js';
import { SerialChild } from './lib/serial-child.js';
import { plotResultFile } from './lib/plot.js';
import { median, fmt, ratio, fmtRatio, markdownTable, writeResults, machineMarkdown } from './lib/report.js';
import { benchSetup, COMMON_USAGE, jitNote, commandLine } from './lib/setup.js';

const DEFAULTS = { workload: 'sha', mib: 64, count: 0, reps: 1, bootTimeout: 600, timeout: 900 };
const USAGE = `usage: node bench/cpu-guest.js [options]
  --workload W     sha (default), pipe, fork or sort (see the head of this file)
  --mib N          MiB of zeros hashed by busybox sha256sum in the guest (sha; default 64)
  --count N        blocks (pipe, default 20000), runs (fork, 200) or lines (sort, 10000)
  --reps N         times the command runs in each booted guest; the table shows medians (default 1)
  --boot-timeout S seconds an engine may take to reach the shell prompt (default 600)
  --timeout S      seconds one command may take (default 900)
${COMMON_USAGE}cpu-guest-<date>.{json,md,svg}`;

const { opts, engines, paths, commands, env, date, jit } = await benchSetup('cpu-guest', process.argv.slice(2), DEFAULTS, USAGE, ['mib', 'count', 'reps']);
/** Per workload: the command, the pattern of the result it prints, the expected result, a description. */
const WORKLOADS = {
  sha: { count: 0, command: () => `dd if=/dev/zero bs=1M count=${opts.mib} 2>/dev/null | sha256sum`, result: /\b([0-9a-f]{64})\s+-/,
    expected: () => createHash('sha256').update(Buffer.alloc(opts.mib * 1024 * 1024)).digest('hex'), title: () => `sha256sum of ${opts.mib} MiB in the guest` },
  // The `rm-out:` lines are printed by the guest; the echoed command lines show `rm-out:$`, which
  // the patterns do not match. Each pattern needs what follows the value (serial output arrives
  // in pieces: `rm-out:2` is how `rm-out:200` begins).
  pipe: { count: 20000, command: (n) => `echo rm-out:$(dd if=/dev/zero bs=4k count=${n} 2>/dev/null | cat | wc -c)`, result: /rm-out:(\d+)\r?\n/,
    expected: (n) => String(n * 4096), title: (n) => `${n} 4 KiB blocks through a pipe in the guest` },
  fork: { count: 200, command: (n) => `i=0; while [ $i -lt ${n} ]; do /bin/true; i=$((i+1)); done; echo rm-out:$i`, result: /rm-out:(\d+)\r?\n/,
    expected: (n) => String(n), title: (n) => `${n} runs of /bin/true in the guest` },
  sort: { count: 10000, command: (n) => `echo rm-out:$(seq 1 ${n} | sort -r | md5sum)`, result: /rm-out:([0-9a-f]{32})\s+-/,
    expected: (n) => createHash('md5').update(Array.from({ length: n }, (_, i) => String(i + 1)).sort().reverse().join('\n') + '\n').digest('hex'),
    title: (n) => `seq 1 ${n} | sort -r | md5sum in the guest` },
};
const workload = WORKLOADS[opts.workload];
if (workload === undefined) { console.error(`--workload: expected ${Object.keys(WORKLOADS).join(', ')}, got ${opts.workload}`); process.exit(2); }
const count = opts.count > 0 ? opts.count : workload.count;
// The end marker is computed by the guest shell, so the echoed command line never matches it.
const GUEST_COMMAND = `${workload.command(count)}; echo rm-bench-$((40+2))`;
const END = 'rm-bench-42';
const expected = workload.expected(count);
const RESULT_NAME = opts.workload === 'sha' ? 'cpu-guest' : `cpu-guest-${opts.workload}`;

console.log(`bench/cpu-guest: \`${GUEST_COMMAND}\` in guest 1 (${opts.memory} MiB), ${opts.reps} time(s) per engine`);
console.log(`machine: ${env.cpu}, ${env.cores} cores; load average ${env.loadAverage.join(' ')}; engines run one at a time`);
console.log(`versions: Node ${env.node}; ${env.qemu}; v86 ${env.v86}; Ringmaster ${env.ringmaster}`);
console.log(`${jitNote(jit)}\n`);

/** v86 only: guest instructions executed so far (v86-child.js answers SIGUSR1 on stderr). */
async function v86Instructions(child) {
  const from = child.err.length;
  child.proc.kill('SIGUSR1');
  const t0 = performance.now();
  while (performance.now() - t0 < 2000) {
    const m = /v86-instructions (\d+)\n/.exec(child.err.slice(from));
    if (m) return Number(m[1]);
    await new Promise((r) => setTimeout(r, 5));
  }
  return undefined;
}

async function measure(engine) {
  const { command, args } = commands[engine];
  const result = { reps: [], loadAverageAtStart: loadAverage() };
  const child = new SerialChild(command, args);
  try {
    const boot = await child.waitFor(paths.GUEST_PROMPT, opts.bootTimeout);
    if (!boot.ok) {
      const k = child.lastKernelSeconds();
      result.failure = `did not boot to the shell prompt: ${boot.reason}${k === undefined ? '' : ` (guest kernel clock at ${k} s)`}`;
      result.lastSerialLine = child.lastSerialLine() || '(no serial output)';
      return result;
    }
    result.bootSeconds = boot.at;
    let from = boot.end;
    for (let i = 0; i < opts.reps; i++) {
      const n0 = engine === 'v86' ? await v86Instructions(child) : undefined;
      const cpu0 = child.cpuSeconds();
      const wait0 = child.coreWaitSeconds();
      const t0 = child.elapsed();
      child.send(`${GUEST_COMMAND}\n`);
      const digest = await child.waitFor(workload.result, opts.timeout, from);
      if (!digest.ok) {
        result.failure = `command ${i + 1} gave no result: ${digest.reason}`;
        result.lastSerialLine = child.lastSerialLine();
        return result;
      }
      const seconds = digest.at - t0;
      const cpu = child.cpuSeconds() - cpu0;
      const coreWait = child.coreWaitSeconds() - wait0;
      const n1 = engine === 'v86' ? await v86Instructions(child) : undefined;
      const got = digest.match[1];
      if (got !== expected) {
        result.failure = `wrong result ${got} (expected ${expected})`;
        return result;
      }
      const end = await child.waitFor(`${END}`, 60, digest.end);
      from = end.ok ? end.end : digest.end;
      result.reps.push({ seconds, cpuSeconds: cpu, coreWaitSeconds: coreWait, instructions: n0 !== undefined && n1 !== undefined ? n1 - n0 : undefined });
    }
    return result;
  } finally {
    await child.kill();
  }
}

const results = {};
for (const engine of engines) {
  process.stdout.write(`${engine.padEnd(18)} `);
  const r = await measure(engine);
  results[engine] = r;
  const times = r.reps.map((x) => fmt(x.seconds)).join(', ');
  console.log(r.failure ? `${r.failure}; last serial line: ${r.lastSerialLine}` : `booted in ${fmt(r.bootSeconds)} s; command: ${times} s wall`);
}

env.loadAverageAtEnd = loadAverage();
const summary = {};
for (const e of engines) {
  const reps = results[e].reps;
  summary[e] = {
    seconds: median(reps.map((x) => x.seconds)),
    cpuSeconds: median(reps.map((x) => x.cpuSeconds)),
    coreWaitSeconds: median(reps.map((x) => x.coreWaitSeconds)),
    instructions: median(reps.map((x) => x.instructions).filter((x) => x !== undefined)),
    failure: results[e].failure,
  };
}
// Instructions per command, from v86's counter; every engine runs the same guest code.
const insns = summary.v86?.instructions;
// Under host load wall time includes waiting for a core; the CPU-time figure does not.
const header = ['engine', 'command s (wall)', 'CPU s', 'core wait s', ...(opts.workload === 'sha' ? ['MiB/s'] : []), 'est. MIPS (wall)', 'est. MIPS (CPU)', '× v86 time', '× QEMU time'];
const rows = engines.map((e) => {
  const s = summary[e];
  return [e, s.seconds === undefined ? 'no result' : fmt(s.seconds), fmt(s.cpuSeconds), fmt(s.coreWaitSeconds), ...(opts.workload === 'sha' ? [fmt(s.seconds && opts.mib / s.seconds, 1)] : []),
    fmt(insns && s.seconds && insns / s.seconds / 1e6, 0), fmt(insns && s.cpuSeconds && insns / s.cpuSeconds / 1e6, 0), fmtRatio(ratio(s.seconds, summary.v86?.seconds)), fmtRatio(ratio(s.seconds, summary.qemu?.seconds))];
});
const table = markdownTable(header, rows);
const loads = `- 1-minute load average before each engine started: ${engines.map((e) => `${e} ${results[e].loadAverageAtStart[0]}`).join('; ')}`;
const notes = engines.filter((e) => summary[e].failure).map((e) => `- ${e}: ${summary[e].failure}; last serial line: \`${results[e].lastSerialLine ?? ''}\``);
const cmdLines = engines.map((e) => `- ${e}: \`${shellLine(commands[e].command, commands[e].args)}\``);
const mipsNote = insns ? `est. guest MIPS = v86's instruction count for one command (${(insns / 1e6).toFixed(0)} M) / each engine's wall or CPU time` : 'est. guest MIPS needs a v86 run (its instruction counter)';

console.log(`\nWall seconds from command sent to result printed (median of ${opts.reps}); ${mipsNote}:\n`);
console.log(table);
console.log(`\n${loads}`);
if (notes.length) console.log(`\n${notes.join('\n')}`);
console.log(`\ncommands:\n${cmdLines.join('\n')}`);

if (!opts.noSave) {
  const md = `# bench/cpu-guest (${opts.workload}) — ${date.slice(0, 16).replace('T', ' ')} UTC

Guest 1 booted to its shell on each engine, then \`${GUEST_COMMAND}\` typed on COM1; wall
seconds from the command sent to the result printed (median of ${opts.reps}), result checked;
CPU s is the engine's user + system time over the command, core wait its busiest thread's time
ready to run without a core (host load).
${mipsNote}.

${table}
${notes.length ? `\n${notes.join('\n')}\n` : ''}
${machineMarkdown(env)}
${loads}
- ${jitNote(jit)}
- \`${commandLine('cpu-guest.js', opts, DEFAULTS)}\`

Commands:
${cmdLines.join('\n')}
`;
  const json = { benchmark: 'cpu-guest', workload: opts.workload, title: workload.title(count), date, guestCommand: GUEST_COMMAND, expectedDigest: expected, options: opts, jit, environment: env,
    commands: Object.fromEntries(engines.map((e) => [e, shellLine(commands[e].command, commands[e].args)])), summary, results };
  const [j, m] = writeResults(RESULT_NAME, json, md);
  const svg = plotResultFile(j);
  console.log(`\nwrote ${[j, m, svg].map((f) => path.relative(process.cwd(), f)).join(', ')}`);
}
