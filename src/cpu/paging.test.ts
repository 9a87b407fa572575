// The TLB across CR3 loads: translations from global entries (G set while CR4.PGE is on) survive
// a MOV to CR3 or a task switch's CR3 load, the others do not; INVLPG and CR4 writes drop global
// ones too (SDM Vol. 3A §4.10.2.4, §4.10.4.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeMachine, type TestMachine } from './test-machine.js';
import { translate, CR4_PGE } from './paging.js';
import { Cr0 } from './state.js';

const DIR = 0x30000;
const TABLE = 0x31000;

/** Paging on (32-bit tables at DIR/TABLE, first 4 MiB identity-mapped), PGE as given. */
function pagedMachine(pge: boolean): TestMachine {
  const m = makeMachine([0xf4]);
  m.memory.write32(DIR, TABLE | 7);
  for (let i = 0; i < 1024; i++) m.memory.write32(TABLE + i * 4, (i << 12) | 7);
  const c = m.cpu;
  c.cr[3] = DIR;
  c.cr[4] = pge ? CR4_PGE : 0;
  c.cr[0] = (c.cr[0] | Cr0.PE | Cr0.PG) >>> 0;
  return m;
}

/** Maps linear page 5 (5000h) to physical `phys`, global or not, in the tables only. */
function mapPage5(m: TestMachine, phys: number, global: boolean): void {
  m.memory.write32(TABLE + 5 * 4, phys | (global ? 0x100 : 0) | 7);
}

test('a global translation survives a CR3 load; a non-global one is walked again', () => {
  for (const global of [true, false]) {
    const m = pagedMachine(true);
    mapPage5(m, 0x8000, global);
    assert.equal(translate(m.cpu, 0x5123, false, false), 0x8123);
    mapPage5(m, 0x9000, global); // no INVLPG: the TLB may keep the old translation
    m.cpu.tlb.flushNonGlobal(); // what MOV CR3 does (ops/system.ts, protected/task.ts)
    assert.equal(translate(m.cpu, 0x5123, false, false), global ? 0x8123 : 0x9123, global ? 'global kept' : 'non-global dropped');
  }
});

test('G counts only with CR4.PGE on; INVLPG and a full flush (CR4 write) drop global translations', () => {
  const off = pagedMachine(false);
  mapPage5(off, 0x8000, true);
  translate(off.cpu, 0x5000, false, false);
  mapPage5(off, 0x9000, true);
  off.cpu.tlb.flushNonGlobal();
  assert.equal(translate(off.cpu, 0x5000, false, false), 0x9000, 'PGE off: G ignored');

  const m = pagedMachine(true);
  mapPage5(m, 0x8000, true);
  translate(m.cpu, 0x5000, false, false);
  mapPage5(m, 0x9000, true);
  m.cpu.tlb.invalidate(5);
  m.cpu.tlb.flushNonGlobal();
  assert.equal(translate(m.cpu, 0x5000, false, false), 0x9000, 'INVLPG');
  mapPage5(m, 0xa000, true);
  m.cpu.tlb.flush();
  assert.equal(translate(m.cpu, 0x5000, false, false), 0xa000, 'CR4 write');
});

test('MOV CR3 keeps global translations: the instruction path', () => {
  // mov eax,cr3; mov cr3,eax; mov ebx,[5000h]; hlt — 16-bit code, with PE and PG set by hand
  const m = pagedMachine(true);
  mapPage5(m, 0x8000, true);
  m.memory.write32(0x8000, 0x11111111);
  m.memory.write32(0x9000, 0x22222222);
  translate(m.cpu, 0x5000, false, false);
  mapPage5(m, 0x9000, true);
  m.memory.writeBytes(0x1000, Uint8Array.from([0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8, 0x66, 0x8b, 0x1e, 0x00, 0x50, 0xf4]));
  m.cpu.modeChanged();
  m.run(10);
  assert.equal(m.cpu.regs[3], 0x11111111, 'the stale global translation is still used (allowed, as on silicon)');
});

test('a global page invalidated and filled again is listed once across CR3 loads (the fill list does not overflow)', () => {
  const m = pagedMachine(true);
  mapPage5(m, 0x8000, true);
  m.memory.write32(TABLE + 6 * 4, 0xa000 | 0x100 | 7); // page 6: global, filled once
  assert.equal(translate(m.cpu, 0x6000, false, false), 0xa000);
  for (let i = 0; i < 5000; i++) {
    translate(m.cpu, 0x5000, false, false);
    m.cpu.tlb.invalidate(5); // INVLPG, then the next access fills page 5 again
    translate(m.cpu, 0x5000, false, false);
    m.cpu.tlb.flushNonGlobal();
  }
  // An overflowing list would have made a CR3 load drop everything, page 6 included.
  m.memory.write32(TABLE + 6 * 4, 0xb000 | 0x100 | 7);
  assert.equal(translate(m.cpu, 0x6000, false, false), 0xa000);
});

test('a global page invalidated and filled again many times between CR3 loads does not overflow the lists', () => {
  const m = pagedMachine(true);
  mapPage5(m, 0x8000, true);
  m.memory.write32(TABLE + 6 * 4, 0xa000 | 0x100 | 7); // page 6: global, filled once
  assert.equal(translate(m.cpu, 0x6000, false, false), 0xa000);
  for (let i = 0; i < 10000; i++) {
    m.cpu.tlb.invalidate(5); // INVLPG (kmap-style), refilled at once: listed again each time
    translate(m.cpu, 0x5000, false, false);
  }
  m.cpu.tlb.flushNonGlobal();
  m.memory.write32(TABLE + 6 * 4, 0xb000 | 0x100 | 7);
  assert.equal(translate(m.cpu, 0x6000, false, false), 0xa000, 'page 6 kept: no overflow flush');
});

test('a translation whose G bit changes on a refill (no INVLPG) is flushed as it is now', () => {
  // TlbState directly: a refill happens when a cached entry lacks a permission (e.g. the dirty
  // bit for a write), and the tables may have changed meanwhile (SDM Vol. 3A §4.10.4.3: either is allowed to be cached).
  const m = pagedMachine(true);
  const tlb = m.cpu.tlb;
  tlb.fill(5, 0x8000, 1, true, -1, false);
  tlb.fill(5, 0x8000, 3, true, -1, true); // now global
  tlb.flushNonGlobal();
  assert.notEqual(tlb.flags[5], 0, 'now global: survives CR3');
  tlb.flushNonGlobal();
  assert.notEqual(tlb.flags[5], 0, 'and the next CR3 load');
  tlb.flush();
  assert.equal(tlb.flags[5], 0, 'a full flush drops it');
  tlb.fill(6, 0x9000, 1, true, -1, true);
  tlb.fill(6, 0x9000, 3, true, -1, false); // no longer global
  tlb.flushNonGlobal();
  assert.equal(tlb.flags[6], 0, 'non-global now: dropped by CR3');
  assert.equal(tlb.fast[6], 0);
});
