// Differential tests: every bare-metal program in tests/asm runs on QEMU (the
// reference, cached) and on Ringmaster; their port-0xE9 output must match byte for
// byte (issue 8, "Testing against references"). Needs nasm and qemu-system-i386.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { describeDiff } from './diff.js';
import { runOne } from './difftest.js';
import { findRepoRoot, listPrograms, parseProgram } from './programs.js';

// Programs that need CPU features not implemented yet. Each still runs and its
// result is reported; node:test counts a failure here as "todo" instead of failing
// the suite. Shrink this table as the CPU grows.
const TODO: Record<string, string> = {
  pm_enter: 'needs protected mode (issue 8)',
  pm_seg: 'needs protected-mode descriptor checks, LAR/LSL/VERR/VERW/ARPL (issue 8)',
  pm_idt: 'needs IDT gates and protected-mode exceptions (issue 8)',
  pm_rings: 'needs rings 0-3, call gates and stack switching (issue 8)',
  pm_iopl: 'needs IOPL, the TSS I/O bitmap and CPL-dependent POPF/CLI/STI (issue 8)',
  pm_misc: 'needs protected mode, 16-bit segments and far transfers (issue 8)',
  pm_stack: 'needs call gates with stack switching and their #TS checks (issue 8)',
  pm_task: 'needs hardware task switching (issue 8)',
  pm_v86: 'needs virtual-8086 mode (issue 8)',
  pg_basic: 'needs paging (issue 8)',
  pg_task: 'needs paging and task switching (issue 8)',
  pg_pae: 'needs PAE paging with NX (issue 8)',
  sys_msr: 'needs control registers, MSRs and SYSENTER/SYSEXIT (issue 8)',
  sys_debug: 'needs debug registers and breakpoints (issue 8)',
  cpuid: 'needs the CPUID feature bits promised by issue 8 (PAE, PGE, SEP, PAT, MTRR)',
  triple_fault: 'needs protected mode and reset on triple fault (issue 8)',
  fpu_arith:
    'QEMU 7.2 differs from silicon in what it prints: C1 kept across FLD/FXCH, no FPREM1 quotient bits, ' +
    'precision control applied to FRNDINT/FPREM and to m64 operands (the program needs adjusting)',
  irq: 'needs protected mode for its second half (issue 8)',
  irq_more: 'needs virtual-8086 mode (issue 8)',
  sdm_divergent: 'needs segment limit checks, paging, debug registers and x87 (issue 8)',
};

test('harness: directives in the program header are parsed', () => {
  const p = parseProgram('x', '/t/x.asm', '; A test (SDM 1.2): details\n; difftest: cpu=pentium3,+pae\n; difftest: reset\n; difftest: expected\n; difftest: timeout=30\n');
  assert.equal(p.description, 'A test');
  assert.equal(p.qemuCpu, 'pentium3,+pae');
  assert.equal(p.expectReset, true);
  assert.equal(p.expectedFile, '/t/x.expected');
  assert.equal(p.timeoutSeconds, 30);
  assert.throws(() => parseProgram('x', 'x.asm', '; difftest: bogus\n'), /unknown difftest directive/);
});

test('harness: the diff shows changed, missing and extra lines with line numbers', () => {
  const d = describeDiff('a\nb\nc\nd\n', 'a\nB\nc\nd\nextra\n');
  assert.match(d, /^- 2: b$/m);
  assert.match(d, /^\+ 2: B$/m);
  assert.match(d, /^\+ 5: extra$/m);
  assert.doesNotMatch(d, /^[-+] \d+: c$/m);
});

const root = findRepoRoot();
const programs = listPrograms(root);

test('every program listed as todo exists', () => {
  for (const name of Object.keys(TODO)) assert.ok(programs.some((p) => p.name === name), name);
});

test('differential programs (QEMU vs Ringmaster)', { concurrency: Math.max(1, os.cpus().length) }, async (t) => {
  const runs = programs.map((prog) =>
    t.test(`${prog.name}: ${prog.description}`, { todo: TODO[prog.name], timeout: 120_000 }, async () => {
      const r = await runOne(root, prog);
      assert.ok(r.passed, `${prog.name}: ${r.reason}\n${r.details}`);
    }),
  );
  await Promise.all(runs);
});
