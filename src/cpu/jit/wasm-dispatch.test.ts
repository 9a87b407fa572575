// The WebAssembly tier's dispatcher (wasm-tier.ts, jit.ts) in 32-bit flat protected mode: it
// goes on from module to module, counts entries towards hot regions, shares modules, runs
// instructions without a WebAssembly form through the interpreter from table slots, chains RDTSC
// code, and lets pending interrupts arrive where the interpreter takes them. Each program also
// runs on the interpreter alone; the states must be identical.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeMachine, flatDescriptor, CODE_BASE } from '../test-machine.js';
import { DATA, le32, RAM, PAGE_DIR, enterFlat, translateCountingLookups, withLoggingInterrupts } from './flat-machine.js';

test('the dispatcher goes on from module to module across pages (calls and returns) and counts entries towards hot regions; a page reloaded behind the memory API (codePages cleared) is not entered stale', () => {
  // mov ecx, 1000; L: call F; dec ecx; jnz L; hlt — F (two pages on, at 3000h): add eax, ebx; ret.
  // Then F becomes sub eax, ebx; ret as a snapshot load writes it: RAM directly, codePages cleared.
  const code = new Array<number>(0x2003).fill(0x90);
  code.splice(0, 14, 0xb9, ...le32(1000), 0xe8, ...le32(0x2000 - 10), 0x49, 0x75, 0xf8, 0xf4);
  code.splice(0x2000, 3, 0x01, 0xd8, 0xc3);
  const run = (paging: boolean, jit: { hotRuns: number } | undefined) => {
    const m = makeMachine(code, RAM);
    enterFlat(m, paging);
    if (jit) m.cpu.setJit({ threshold: 0, hotRuns: jit.hotRuns });
    m.cpu.regs[3] = 7;
    m.run(100000);
    const first = { eax: m.cpu.regs[0], n: m.cpu.instructions, chained: m.cpu.jit?.stats.chained, hot: m.cpu.jit?.stats.hot };
    m.memory.ram[0x3000] = 0x29;
    m.memory.codePages.fill(0);
    m.cpu.halted = false;
    m.cpu.eip = CODE_BASE;
    m.cpu.regs[1] = 1000;
    m.run(100000);
    return { first, eax: m.cpu.regs[0], n: m.cpu.instructions };
  };
  for (const paging of [false, true]) {
    const a = run(paging, undefined);
    assert.deepEqual({ eax: a.first.eax, n: a.first.n, after: a.eax }, { eax: 7000, n: 1 + 1000 * 5 + 1, after: 0 });
    const all = run(paging, { hotRuns: 0 });
    assert.deepEqual({ eax: all.first.eax, n: all.first.n, after: all.eax, total: all.n }, { eax: 7000, n: a.first.n, after: 0, total: a.n });
    // Two entries per iteration, both across a page (into F, and back to the region of the return
    // and the call): the run loop chains only within a page, so it would look both up.
    assert.ok(all.first.chained! >= 2 * 1000 - 10, `paging ${paging}: ${all.first.chained} chained entries`);
    const counted = run(paging, { hotRuns: 50 });
    assert.deepEqual({ eax: counted.first.eax, after: counted.eax, total: counted.n }, { eax: 7000, after: 0, total: a.n });
    // F and the return's block, entered by the dispatcher alone after their first entries.
    assert.ok(counted.first.hot! >= 2, `paging ${paging}: ${counted.first.hot} blocks made hot regions`);
  }
});

test('translations compiled again 64 to a module (wasm-tier.ts rebatch) run as before, and rewritten code in a batch runs its new bytes', () => {
  // 150 blocks, one per page (a region never leaves its page, so each is its own module):
  // block i at 10000h + i*1000h: add eax, imm_i; jmp to the next; the last: dec ecx; jnz block 0; hlt.
  const BLOCKS = 150;
  const at = (i: number) => 0x10000 + i * 0x1000;
  const build = (m: ReturnType<typeof makeMachine>, salt: number) => {
    for (let i = 0; i < BLOCKS; i++) {
      const a = at(i);
      const bytes = [0x05, ...le32((i * 0x01010101 + salt) >>> 0)];
      if (i < BLOCKS - 1) bytes.push(0xe9, ...le32(at(i + 1) - (a + bytes.length + 5)));
      else bytes.push(0x49, 0x0f, 0x85, ...le32(at(0) - (a + 12)), 0xf4);
      m.memory.writeBytes(a, Uint8Array.from(bytes));
    }
  };
  const run = (wasm: boolean | undefined) => {
    // mov ecx, 4; jmp block 0
    const m = makeMachine([0xb9, 4, 0, 0, 0, 0xe9, ...le32(at(0) - (CODE_BASE + 10))], RAM);
    enterFlat(m, false);
    if (wasm !== undefined) m.cpu.setJit({ threshold: 0, hotRuns: 0, wasm });
    build(m, 0);
    m.run(1e6);
    const first = { eax: m.cpu.regs[0], eip: m.cpu.eip, n: m.cpu.instructions };
    const batchesBefore = m.cpu.jit?.stats.batches ?? 0;
    // Rewrite every block's immediate (its batch loses all its code), run three more times.
    build(m, 0x11);
    m.cpu.regs[1] = 3;
    m.cpu.eip = at(0);
    m.cpu.halted = false;
    m.run(1e6);
    return { m, batchesBefore, state: { first, eax: m.cpu.regs[0], eip: m.cpu.eip, n: m.cpu.instructions } };
  };
  const a = run(undefined).state;
  let sum = 0;
  for (let i = 0; i < BLOCKS; i++) sum = (sum + i * 0x01010101) >>> 0;
  assert.deepEqual([a.first.eax, a.eax], [(4 * sum) >>> 0, (7 * sum + 3 * BLOCKS * 0x11) >>> 0]);
  assert.equal(a.eip, at(BLOCKS - 1) + 13, 'after the HLT');
  const w = run(true);
  assert.deepEqual(w.state, a);
  assert.deepEqual(run(false).state, a);
  const s = w.m.cpu.jit!.stats;
  assert.ok(w.batchesBefore >= 2, `${w.batchesBefore} batches from ${s.wasm} modules`);
  assert.ok(s.batches > w.batchesBefore, `the rewritten blocks' code and the rest of their batches compiled again (${s.batches})`);
  assert.ok(s.invalidated >= BLOCKS, `${s.invalidated} blocks invalidated`);
});

test('addresses halfway to the threshold are translated with the next that reaches it, into one module (jit.ts notePending)', () => {
  // mov ecx, 30; L: call f0 .. call f39; dec ecx; jnz L; hlt — f_i at 4000h + 10h*i: add eax, imm_i; ret
  const F = 40;
  const f = (i: number) => 0x4000 + 0x10 * i;
  const code = [0xb9, 30, 0, 0, 0];
  for (let i = 0; i < F; i++) code.push(0xe8, ...le32(f(i) - (CODE_BASE + code.length + 5)));
  code.push(0x49, 0x0f, 0x85, ...le32(5 - (code.length + 7)), 0xf4);
  const run = (wasm: boolean | undefined) => {
    const m = makeMachine(code, RAM);
    enterFlat(m, false);
    for (let i = 0; i < F; i++) m.memory.writeBytes(f(i), Uint8Array.from([0x05, ...le32(i * 0x01000193), 0xc3]));
    m.cpu.regs[4] = 0x9000;
    if (wasm !== undefined) m.cpu.setJit({ threshold: 20, wasm });
    m.run(1e6);
    return { m, state: { eax: m.cpu.regs[0], eip: m.cpu.eip, n: m.cpu.instructions } };
  };
  const a = run(undefined).state;
  let sum = 0;
  for (let i = 0; i < F; i++) sum = (sum + i * 0x01000193) >>> 0;
  assert.equal(a.eax, (30 * sum) >>> 0);
  const w = run(true);
  assert.deepEqual(w.state, a);
  assert.deepEqual(run(false).state, a);
  const s = w.m.cpu.jit!.stats;
  assert.ok(s.translated >= 2 * F, `${s.translated} translations`);
  assert.ok(s.modules <= 4, `${s.translated} translations in ${s.modules} modules`);
});

test('an instruction straddling a page end is run by the interpreter from the dispatcher (wasm-tier.ts installInterpreted): same results, faults and stops as the interpreter', () => {
  // mov ecx, N; mov esi, S; jmp L — L (2FFAh): add eax, ebx; 2FFCh: mov edx, [esi+0] (disp32:
  // bytes 2FFC-3001h, across the page end) or in al, 80h at 2FFFh; add ebx, edx; add esi, 100h;
  // dec ecx; jnz L; hlt.
  const variants: { name: string; n: number; esi: number; body: number[]; L?: number }[] = [
    { name: 'mov, 1000 iterations', n: 1000, esi: DATA, body: [0x01, 0xd8, 0x8b, 0x96, 0, 0, 0, 0] },
    // 2FF4h: add eax, ebx; mov edx, ecx; and edx, 8; add edx, 18h; push edx; 2FFFh: pop fs (18h or
    // 20h: bases 40h and 100h, across the page end); mov edx, fs:[esi]. The code after a segment
    // load must not run with the base the dispatcher was entered with: the dispatcher stops.
    { name: 'pop fs, alternating bases', n: 1000, esi: DATA, L: 0x2ff4,
      body: [0x01, 0xd8, 0x89, 0xca, 0x83, 0xe2, 0x08, 0x83, 0xc2, 0x18, 0x52, 0x0f, 0xa1, 0x64, 0x8b, 0x16] },
    // ESI walks past the 4 MiB the page tables map: #PF in the straddling MOV, then #DF and shutdown (no IDT).
    { name: 'mov, faulting', n: 1000, esi: RAM - 0x800, body: [0x01, 0xd8, 0x8b, 0x96, 0, 0, 0, 0] },
    { name: 'in al, 80h (port I/O: the dispatcher goes on after it)', n: 300, esi: DATA, body: [0x01, 0xd8, 0x90, 0x90, 0x90, 0xe4, 0x80] },
  ];
  for (const v of variants) {
    const L = v.L ?? 0x2ffa;
    for (const paging of [false, true]) {
      const run = (jit: boolean) => {
        const m = makeMachine([0xb9, ...le32(v.n), 0xbe, ...le32(v.esi), 0xe9, ...le32(L - (CODE_BASE + 15))], RAM);
        m.memory.writeBytes(L, Uint8Array.from([...v.body, 0x01, 0xd3, 0x81, 0xc6, 0x00, 0x01, 0x00, 0x00, 0x49, 0x75, (L - (L + v.body.length + 11)) & 0xff, 0xf4]));
        enterFlat(m, paging);
        // GDT 18h and 20h: flat-limit data segments with bases 40h and 100h (for POP FS).
        flatDescriptor(m, 0x518, 0x92, 0x40);
        flatDescriptor(m, 0x520, 0x92, 0x100);
        m.cpu.gdtrBase = 0x500;
        m.cpu.gdtrLimit = 0x27;
        const counted = jit ? translateCountingLookups(m) : { lookups: 0 };
        m.cpu.regs[3] = 3;
        m.run(1e6);
        const c = m.cpu;
        return { lookups: counted.lookups, state: { regs: Array.from(c.regs), eip: c.eip, flags: c.getEflags(), n: c.instructions, halted: c.halted, lastVector: c.lastVector } };
      };
      const a = run(false).state;
      const { lookups, state: b } = run(true);
      assert.deepEqual(b, a, `${v.name}, paging ${paging}`);
      if (v.name.startsWith('pop fs')) assert.equal(a.n, 3 + 11 * 1000 + 1);
      if (v.name.startsWith('mov, 1000')) {
        assert.equal(a.n, 3 + 6 * 1000 + 1);
        // The run loop asked for translated code a handful of times; the dispatcher went on through the rest.
        assert.ok(lookups < 20, `paging ${paging}: ${lookups} lookups from the run loop`);
      }
      if (v.name.endsWith('faulting') && paging) assert.equal(a.lastVector, 8, '#PF became #DF');
    }
  }
});

test('RDTSC code is chained: the dispatcher goes into it and the count it reads includes the instructions retired before it in the chain', () => {
  // mov ecx, 300; L: call F; add esi, eax; adc edi, edx; dec ecx; jnz L; hlt — F (3000h): rdtsc; ret.
  const code = new Array<number>(0x2002).fill(0x90);
  code.splice(0, 17, 0xb9, ...le32(300), 0xe8, ...le32(0x2000 - 10), 0x01, 0xc6, 0x11, 0xd7, 0x49, 0x75, 0xf4, 0xf4);
  code.splice(0x2000, 3, 0x0f, 0x31, 0xc3);
  for (const paging of [false, true]) {
    const run = (jit: boolean) => {
      const m = makeMachine(code, RAM);
      enterFlat(m, paging);
      if (jit) m.cpu.setJit({ threshold: 0, hotRuns: 0 });
      m.run(1e5);
      const s = m.cpu.jit?.stats;
      // Entries made from JavaScript (across pages: not by the run loop's links).
      const fromJs = s === undefined ? 0 : s.executed - s.chained;
      return { fromJs, state: { regs: Array.from(m.cpu.regs), n: m.cpu.instructions, halted: m.cpu.halted } };
    };
    const a = run(false).state;
    const { fromJs, state: b } = run(true);
    assert.deepEqual(b, a, `paging ${paging}`);
    assert.equal(a.n, 1 + 300 * 7 + 1);
    assert.ok(fromJs < 20, `paging ${paging}: ${fromJs} entries from JavaScript`);
  }
});

test('STI and POPF in WebAssembly code: pending interrupts arrive where the interpreter takes them (the STI shadow, budget ends included)', () => {
  const code = [
    0xfb, 0x90, 0x90, // 1000: sti; nop (the shadow); nop — the first interrupt comes before 1002h
    0x68, ...le32(0x202), 0x9d, 0x90, // 1003: push 202h; popf (IF on); nop — the second before 1009h
    0xfb, 0x90, 0xf4, // 100A: sti with nothing pending; nop; hlt
  ];
  for (const paging of [false, true]) {
    // Pending from the start, or raised only after the first `slice` instructions (a budget end
    // right after the STI must keep its shadow into the next run()).
    for (let slice = 0; slice <= 12; slice++) {
      const run = (jit: boolean) => {
        const { m, log } = withLoggingInterrupts(code, paging);
        if (jit) m.cpu.setJit({ threshold: 0, hotRuns: 0 });
        if (slice === 0) m.interrupts.pending.push(0x20, 0x20);
        else {
          m.run(slice);
          m.interrupts.pending.push(0x20, 0x20);
        }
        m.run(1000);
        return { log: log(), regs: Array.from(m.cpu.regs), eflags: m.cpu.getEflags(), n: m.cpu.instructions, eip: m.cpu.eip, halted: m.cpu.halted };
      };
      const a = run(false);
      assert.deepEqual(run(true), a, `paging ${paging}, slice ${slice}`);
      if (slice === 0) assert.deepEqual(a.log, [0x1002, 0x1009]);
    }
  }
});

/**
 * The kernel's PIT calibration loop in `code` (IN 61h until bit 5 is set, on the 401st read;
 * CALL 1800h: OUT 80h, the I/O delay; the raiseAt-th OUT raises vector 20h), run by the
 * interpreter or with everything translated: the run loop's lookups and the final state.
 */
function pitPolling(code: number[], paging: boolean, raiseAt: number, jit: boolean) {
  const { m, log } = withLoggingInterrupts(code, paging);
  m.memory.writeBytes(0x1800, Uint8Array.from([0xe6, 0x80, 0xc3]));
  let reads = 0;
  let writes = 0;
  m.ports.register(0x61, 1, 'test-pit', { read8: () => (++reads > 400 ? 0x20 : 0) });
  m.ports.register(0x80, 1, 'test-delay', { write8: () => { if (++writes === raiseAt) m.interrupts.pending.push(0x20); } });
  const counted = jit ? translateCountingLookups(m) : { lookups: 0 };
  m.run(100000);
  const c = m.cpu;
  return { lookups: counted.lookups, state: { log: log(), regs: Array.from(c.regs), eflags: c.getEflags(), n: c.instructions, eip: c.eip, halted: c.halted, reads, writes } };
}

test('port I/O and INVLPG are chained (blocks that start with them, code that stops before them): a port-polling loop stays in the dispatcher, an interrupt an OUT raises arrives where the interpreter takes it, an OUT that moves A20 stops it', () => {
  // 1000: sti; xor ecx, ecx; L: in al, 61h; mov esi, eax; call 1800h; inc ecx; test esi, 20h; jz L; hlt
  // 1800h: out 80h, al; ret (the kernel's PIT calibration loop with its I/O delay)
  const code = [0xfb, 0x31, 0xc9, 0xe4, 0x61, 0x89, 0xc6, 0xe8, ...le32(0x1800 - 0x100c), 0x41, 0xf7, 0xc6, ...le32(0x20), 0x74, 0x100 - 0x12, 0xf4];
  for (const paging of [false, true]) {
    for (const raiseAt of [0, 250]) {
      const a = pitPolling(code, paging, raiseAt, false).state;
      const { lookups, state: b } = pitPolling(code, paging, raiseAt, true);
      assert.deepEqual(b, a, `paging ${paging}, interrupt at OUT ${raiseAt}`);
      assert.equal(a.regs[1], 401, 'ECX: 401 passes');
      // The interrupt comes right after the OUT that raised it: the handler saw the RET's EIP.
      assert.deepEqual(a.log, raiseAt === 0 ? [] : [0x1802]);
      assert.ok(lookups < 30, `paging ${paging}: ${lookups} lookups from the run loop for 401 passes`);
    }
  }
  // An OUT that turns A20 off (here the 50th to port 92h) stops the dispatcher: the stores after
  // it go to 4000h + 4*ECX, as in the interpreter, not to 104000h + 4*ECX.
  // 1000: mov ebx, 104000h; xor ecx, ecx; xor eax, eax; L: call 1800h; mov [ebx+ecx*4], ecx; inc ecx; cmp ecx, 100; jne L; hlt
  const a20Code = [0xbb, ...le32(0x104000), 0x31, 0xc9, 0x31, 0xc0, 0xe8, ...le32(0x1800 - 0x100e), 0x89, 0x0c, 0x8b, 0x41, 0x83, 0xf9, 100, 0x75, 0x100 - 0x0e, 0xf4];
  const a20Run = (jit: boolean) => {
    const m = makeMachine(a20Code, RAM);
    enterFlat(m, false);
    m.memory.writeBytes(0x1800, Uint8Array.from([0xe6, 0x92, 0xc3])); // out 92h, al; ret
    let writes = 0;
    m.ports.register(0x92, 1, 'test-a20', { write8: () => { if (++writes === 50) m.memory.setA20(false); } }); // the 50th write, once the code is chained
    if (jit) m.cpu.setJit({ threshold: 0, hotRuns: 0 });
    m.run(100000);
    const raw = (a: number) => m.memory.ram[a] | (m.memory.ram[a + 1] << 8); // the RAM bytes, not through the A20 gate
    return { regs: Array.from(m.cpu.regs), n: m.cpu.instructions, low: raw(0x4000 + 4 * 99), high: raw(0x104000 + 4 * 99), first: raw(0x4000 + 4 * 48) };
  };
  const a20 = a20Run(false);
  assert.deepEqual(a20Run(true), a20);
  // INVLPG in the middle of a block: the code stops before it for a block that starts there,
  // which the dispatcher chains to and goes on after. (It drops the page after the data: an
  // access to a page just dropped misses the TLB and leaves for the interpreter's page walk.)
  // 1000: mov ecx, 500; mov esi, 2000h; L: add ebx, 1; invlpg [esi+1000h]; mov eax, [esi]; add ebx, eax; dec ecx; jnz L; hlt
  const invlpgCode = [0xb9, ...le32(500), 0xbe, ...le32(DATA), 0x83, 0xc3, 0x01, 0x0f, 0x01, 0xbe, ...le32(0x1000), 0x8b, 0x06, 0x01, 0xc3, 0x49, 0x75, 0x100 - 0x11, 0xf4];
  const invlpgRun = (jit: boolean) => {
    const m = makeMachine(invlpgCode, RAM);
    enterFlat(m, true);
    m.memory.write32(DATA, 7);
    const counted = jit ? translateCountingLookups(m) : { lookups: 0 };
    m.run(100000);
    return { lookups: counted.lookups, state: { regs: Array.from(m.cpu.regs), n: m.cpu.instructions, eip: m.cpu.eip, pte: m.memory.read32(PAGE_DIR + 0x1000 + 4 * (DATA >>> 12)) } };
  };
  const inv = invlpgRun(false).state;
  const invJit = invlpgRun(true);
  assert.deepEqual(invJit.state, inv);
  assert.equal(inv.regs[3], 500 * 8, 'EBX');
  assert.ok(invJit.lookups < 30, `${invJit.lookups} lookups from the run loop for 500 INVLPGs`);
  assert.deepEqual([a20.low, a20.high, a20.regs[1]], [99, 0, 100]);
  assert.equal(a20.first, 0, 'the first 49 stores went above 1 MiB');
});

test('with interrupts off, port I/O that leaves an interrupt pending does not stop the dispatcher (the PIT calibration loop runs under CLI); STI then takes it where the interpreter does', () => {
  // 1000: cli; xor ecx, ecx; L: in al, 61h; mov esi, eax; call 1800h; inc ecx; test esi, 20h; jz L; sti; nop; hlt
  // 1800h: out 80h, al; ret — the 250th OUT raises vector 20h, pending until the STI.
  const code = [0xfa, 0x31, 0xc9, 0xe4, 0x61, 0x89, 0xc6, 0xe8, ...le32(0x1800 - 0x100c), 0x41, 0xf7, 0xc6, ...le32(0x20), 0x74, 0x100 - 0x12, 0xfb, 0x90, 0xf4];
  for (const paging of [false, true]) {
    const a = pitPolling(code, paging, 250, false).state;
    const { lookups, state: b } = pitPolling(code, paging, 250, true);
    assert.deepEqual(b, a, `paging ${paging}`);
    assert.equal(a.regs[1], 401, 'ECX: 401 passes');
    assert.deepEqual(a.log, [0x1000 + code.length - 1], 'taken after the NOP in the STI shadow');
    // Before, each pass after the 250th left the dispatcher at its IN and OUT (300 lookups).
    assert.ok(lookups < 30, `paging ${paging}: ${lookups} lookups from the run loop`);
  }
});

test('IRET back into the same code segment (the kernel\'s sync_core) is run from the dispatcher, which goes on after it; one that sets IF with an interrupt pending stops it where the interpreter takes the interrupt', () => {
  // cli; mov ecx, 1000; L: pushfd; cmp ecx, K; jne skip; or dword [esp], IF; skip: push cs;
  // push next; iret; next: add ebx, 1; dec ecx; jnz L; hlt
  const next = CODE_BASE + 29;
  const program = (k: number) => [0xfa, 0xb9, ...le32(1000), 0x9c, 0x81, 0xf9, ...le32(k), 0x75, 0x07, 0x81, 0x0c, 0x24, ...le32(0x200),
    0x0e, 0x68, ...le32(next), 0xcf, 0x83, 0xc3, 0x01, 0x49, 0x75, 0xe3, 0xf4];
  for (const paging of [false, true]) {
    for (const enableAt of [0, 500]) {
      const run = (jit: boolean) => {
        const { m, log } = withLoggingInterrupts(program(enableAt), paging);
        if (enableAt !== 0) m.interrupts.pending.push(0x20); // pending throughout, masked until the IRET that sets IF
        const counted = jit ? translateCountingLookups(m) : { lookups: 0 };
        m.run(100000);
        const c = m.cpu;
        return { lookups: counted.lookups, state: { log: log(), regs: Array.from(c.regs), eflags: c.getEflags(), n: c.instructions, eip: c.eip, halted: c.halted } };
      };
      const a = run(false).state;
      const { lookups, state: b } = run(true);
      assert.deepEqual(b, a, `paging ${paging}, IF set at ${enableAt}`);
      assert.equal(a.regs[3], 1000, 'EBX: 1000 passes');
      assert.deepEqual(a.log, enableAt === 0 ? [] : [next], 'taken right after the IRET');
      // Before, every IRET left the dispatcher for the run loop (1000 lookups).
      if (enableAt === 0) assert.ok(lookups < 30, `paging ${paging}: ${lookups} lookups from the run loop`);
    }
    // An IRET into another code segment (18h: base 1000h) stops it: EIP is no longer the linear
    // address the dispatcher looks up, and at linear 1100h there is other translated code.
    // 1000: mov ecx, 100; L: call 1100h; pushfd; push 18h; push 1100h; iret; done: hlt
    // 1100h: add ebx, 100; ret — 2100h (18h:1100h): add ebx, 1; dec ecx; jz done; jmp 08h:L
    const far = new Array<number>(0x1111).fill(0x90);
    far.splice(0, 20, 0xb9, ...le32(100), 0xe8, ...le32(0x1100 - 0x100a), 0x9c, 0x6a, 0x18, 0x68, ...le32(0x1100), 0xcf, 0xf4);
    far.splice(0x100, 4, 0x83, 0xc3, 100, 0xc3);
    far.splice(0x1100, 17, 0x83, 0xc3, 0x01, 0x49, 0x0f, 0x84, ...le32(0x13 - 0x110a), 0xea, ...le32(CODE_BASE + 5), 0x08, 0x00);
    const farRun = (jit: boolean) => {
      const { m } = withLoggingInterrupts(far, paging);
      m.memory.writeBytes(0x518, Uint8Array.from([0xff, 0xff, 0x00, 0x10, 0x00, 0x9a, 0xcf, 0x00]));
      m.cpu.gdtrLimit = 0x1f;
      if (jit) translateCountingLookups(m);
      m.run(100000);
      return { regs: Array.from(m.cpu.regs), n: m.cpu.instructions, eip: m.cpu.eip, cs: m.cpu.segSel[1], halted: m.cpu.halted };
    };
    const farA = farRun(false);
    assert.deepEqual(farRun(true), farA, `paging ${paging}: IRET to another code segment`);
    assert.deepEqual([farA.regs[3], farA.cs, farA.halted], [100 * 101, 0x18, true]);
  }
});

test('plain instructions without a WebAssembly form (PUSH CS, SHL by CL, REP LODSB) are run by the interpreter from the dispatcher: same results and counts at every slice end, few returns to the run loop', () => {
  // mov ecx, 3; mov edi, 1000; L: add eax, ebx; push cs; pop edx; shl eax, cl; add ebx, edx;
  // [push ecx; mov ecx, 700; mov esi, DATA; rep lodsb; pop ecx;] dec edi; jnz L; hlt
  const lods = [0x51, 0xb9, ...le32(700), 0xbe, ...le32(DATA), 0xf3, 0xac, 0x59];
  for (const withLods of [false, true]) {
    const body = [0x01, 0xd8, 0x0e, 0x5a, 0xd3, 0xe0, 0x01, 0xd3, ...(withLods ? lods : []), 0x4f, 0x75];
    const code = [0xb9, ...le32(3), 0xbf, ...le32(1000), ...body, (-(body.length + 1)) & 0xff, 0xf4];
    for (const paging of [false, true]) {
      // Slices of 97 instructions (and one of a million): a REP LODSB restarts itself at slice ends.
      for (const slice of [1e6, 97]) {
        const run = (jit: boolean) => {
          const m = makeMachine(code, RAM);
          enterFlat(m, paging);
          const counted = jit ? translateCountingLookups(m) : { lookups: 0 };
          m.cpu.regs[3] = 5;
          const seen: number[] = [];
          for (let k = 0; k < 200000 && !m.cpu.halted; k++) {
            m.run(slice);
            seen.push(m.cpu.instructions, m.cpu.eip, m.cpu.regs[0], m.cpu.regs[1], m.cpu.regs[6]);
          }
          const c = m.cpu;
          return { lookups: counted.lookups, bails: c.jit?.stats.wasmBails ?? 0, retired: c.jit?.stats.retired ?? 0, slot: c.jit?.stats.slotInterpreted ?? 0, state: { regs: Array.from(c.regs), eip: c.eip, flags: c.getEflags(), n: c.instructions, halted: c.halted, seen } };
        };
        const a = run(false).state;
        const { lookups, bails, retired, slot, state: b } = run(true);
        assert.deepEqual(b, a, `lods ${withLods}, paging ${paging}, slice ${slice}`);
        // JitStats: with threshold 0 all but the first few instructions (before the TLB maps the
        // code page, with paging) ran in translated code, each PUSH CS from a slot.
        if (slice === 1e6) assert.ok(retired <= a.n && retired > a.n - 20 && slot >= 999 && slot < retired, `retired ${retired} of ${a.n}, ${slot} from slots`);
        assert.ok(a.halted);
        assert.equal(a.regs[2], 8, 'EDX = CS (08h)');
        if (!withLods) assert.equal(a.n, 2 + 7 * 1000 + 1);
        // Before, each pass left the module twice for the run loop's interpreter (2000 lookups).
        if (slice === 1e6) assert.ok(lookups < 20 && bails < 10, `lods ${withLods}, paging ${paging}: ${lookups} lookups from the run loop, ${bails} bail-outs`);
      }
    }
  }
});

test('MOV to DS, ES, FS, GS and VERW are run from the dispatcher, which goes on with the segments as loaded: a based FS, a DS with base and limit (code after it that needs a flat DS is not chained), then flat again', () => {
  // GDT 18h: base 100h, 4 GiB limit (the kernel's per-CPU FS); 20h: base 1000h, limit FFFFFh.
  // mov ecx, 1000; L: mov eax, 18h; mov fs, eax; mov edx, fs:[1F00h]; add ebx, edx;
  // mov eax, 20h; mov ds, eax; mov edx, [1000h]; add ebx, edx; mov eax, 10h; mov ds, eax;
  // mov fs, eax; add ebx, [DATA]; verw ax; dec ecx; jnz L; hlt — each read is of DATA (2000h).
  const body = [
    0xb8, ...le32(0x18), 0x8e, 0xe0, 0x64, 0x8b, 0x15, ...le32(DATA - 0x100), 0x01, 0xd3,
    0xb8, ...le32(0x20), 0x8e, 0xd8, 0x8b, 0x15, ...le32(DATA - 0x1000), 0x01, 0xd3,
    0xb8, ...le32(0x10), 0x8e, 0xd8, 0x8e, 0xe0, 0x03, 0x1d, ...le32(DATA), 0x0f, 0x00, 0xe8, 0x49, 0x0f, 0x85,
  ];
  const code = [0xb9, ...le32(1000), ...body, ...le32(-(body.length + 4)), 0xf4];
  for (const paging of [false, true]) {
    const run = (jit: boolean) => {
      const { m } = withLoggingInterrupts(code, paging);
      m.memory.writeBytes(0x518, Uint8Array.from([0xff, 0xff, 0x00, 0x01, 0x00, 0x92, 0xcf, 0x00, 0xff, 0xff, 0x00, 0x10, 0x00, 0x92, 0x4f, 0x00]));
      m.cpu.gdtrLimit = 0x27;
      m.memory.write32(DATA, 5);
      const counted = jit ? translateCountingLookups(m) : { lookups: 0 };
      m.run(1e6);
      const c = m.cpu;
      return { lookups: counted.lookups, state: { regs: Array.from(c.regs), eip: c.eip, flags: c.getEflags(), n: c.instructions, halted: c.halted, ds: c.segBase[3], fs: c.segBase[4] } };
    };
    const a = run(false).state;
    assert.equal(a.regs[3], 15 * 1000, 'EBX: three reads of DATA per pass');
    assert.ok(a.halted);
    const { lookups, state: b } = run(true);
    assert.deepEqual(b, a, `paging ${paging}`);
    // Before, each pass left the dispatcher for the run loop at all five segment loads and VERW.
    assert.ok(lookups < 30, `paging ${paging}: ${lookups} lookups from the run loop`);
  }
});

test('x87 instructions, FXSAVE and FXRSTOR are run from the dispatcher, which goes on after them; an x87 error that raises IRQ13 through FERR# (CR0.NE=0) stops it where the interpreter takes the interrupt', () => {
  // fninit; fldcw [500h] (ZM clear); sti; mov ecx, 1000;
  // L: fld dword [DATA]; fadd st0, st0; fstp dword [DATA+4]; fxsave [3000h]; fxrstor [3000h];
  //    add ebx, [DATA+4]; cmp ecx, K; jne skip; fld1; fldz; fdivp st1, st0 (1/0: #Z);
  // skip: dec ecx; jnz L; hlt
  const FX = 0x3000;
  const head = [0xdb, 0xe3, 0xd9, 0x2d, ...le32(0x500), 0xfb, 0xb9, ...le32(1000)];
  const program = (k: number) => {
    const body = [
      0xd9, 0x05, ...le32(DATA), 0xd8, 0xc0, 0xd9, 0x1d, ...le32(DATA + 4), 0x0f, 0xae, 0x05, ...le32(FX), 0x0f, 0xae, 0x0d, ...le32(FX),
      0x03, 0x1d, ...le32(DATA + 4), 0x81, 0xf9, ...le32(k), 0x75, 0x06, 0xd9, 0xe8, 0xd9, 0xee, 0xde, 0xf9, 0x49, 0x0f, 0x85,
    ];
    return [...head, ...body, ...le32(-(body.length + 4)), 0xf4];
  };
  for (const paging of [false, true]) {
    for (const errorAt of [0, 500]) {
      const run = (jit: boolean) => {
        const { m, log } = withLoggingInterrupts(program(errorAt), paging);
        m.memory.write16(0x500, 0x037b);
        m.memory.write32(DATA, 0x3fc00000); // 1.5
        m.cpu.ferr = { set: () => {}, raise: () => { m.interrupts.pending.push(0x20); }, lower: () => {}, pulse: () => {} };
        const counted = jit ? translateCountingLookups(m) : { lookups: 0 };
        m.run(1e6);
        const c = m.cpu;
        return { lookups: counted.lookups, state: { log: log(), regs: Array.from(c.regs), eip: c.eip, n: c.instructions, halted: c.halted, out: m.memory.read32(DATA + 4), fx: Array.from(m.memory.ram.subarray(FX, FX + 160)) } };
      };
      const a = run(false).state;
      const { lookups, state: b } = run(true);
      assert.deepEqual(b, a, `paging ${paging}, error at ${errorAt}`);
      assert.equal(a.out, 0x40400000, '1.5 + 1.5');
      if (errorAt === 0) {
        assert.deepEqual([a.regs[1], a.log.length], [0, 0]);
        // Before, the code left the dispatcher for the run loop at each of the five x87 instructions.
        assert.ok(lookups < 30, `paging ${paging}: ${lookups} lookups from the run loop`);
      } else {
        // IRQ13 right after the FDIVP (the handler saw the DEC's EIP), then the next FLD waits on the error.
        assert.equal(a.log.length, 1);
        assert.equal(a.regs[1], errorAt - 1);
      }
    }
  }
});

test('code whose first memory access misses the TLB after every CR3 load keeps its WebAssembly code: a bail-out after a flush is not counted against it', () => {
  // mov ecx, 1000; L: mov cr3, edx; call F; dec ecx; jnz L; hlt — F at 3000h: mov eax, [DATA]; add ebx, eax; ret.
  const code = new Array<number>(0x2009).fill(0x90);
  code.splice(0, 17, 0xb9, ...le32(1000), 0x0f, 0x22, 0xda, 0xe8, ...le32(0x2000 - 13), 0x49, 0x75, 0xf5, 0xf4);
  code.splice(0x2000, 9, 0x8b, 0x05, ...le32(DATA), 0x01, 0xc3, 0xc3);
  const run = (jit: boolean) => {
    const m = makeMachine(code, RAM);
    enterFlat(m, true);
    m.memory.write32(DATA, 3);
    if (jit) m.cpu.setJit({ threshold: 0, hotRuns: 0 });
    m.cpu.regs[2] = PAGE_DIR;
    m.run(100000);
    return { m, state: { regs: Array.from(m.cpu.regs), n: m.cpu.instructions, halted: m.cpu.halted } };
  };
  const a = run(false).state;
  assert.equal(a.regs[3], 3000);
  const { m, state: b } = run(true);
  assert.deepEqual(b, a);
  const pages = (m.cpu.jit as unknown as { pages: Map<number, Map<number, { eip: number; module: unknown }>> }).pages;
  const f = [...pages.get(3)!.values()].find((x) => x.eip === 0x3000)!;
  // Before, 256 bail-outs (one per pass) sent F to JavaScript for good.
  assert.ok(f.module !== null, 'F still has its WebAssembly code');
});

test('code mapped at two linear addresses (the vDSO in two processes) keeps a translation under each: calling both in turn translates nothing more', () => {
  // mov ecx, 1000; L: call F; call F'; dec ecx; jnz L; hlt — F at 3000h: add eax, ebx; ret; F' is
  // the same physical page mapped at 300000h as well.
  const ALIAS = 0x300000;
  const code = new Array<number>(0x2003).fill(0x90);
  code.splice(0, 19, 0xb9, ...le32(1000), 0xe8, ...le32(0x2000 - 10), 0xe8, ...le32(ALIAS - 0x1000 - 15), 0x49, 0x75, 0xf3, 0xf4);
  code.splice(0x2000, 3, 0x01, 0xd8, 0xc3);
  const run = (jit: boolean) => {
    const m = makeMachine(code, RAM);
    enterFlat(m, true);
    m.memory.write32(PAGE_DIR + 0x1000 + 4 * (ALIAS >>> 12), 0x3000 | 7);
    if (jit) m.cpu.setJit({ threshold: 0 });
    m.cpu.regs[3] = 7;
    m.run(100000);
    return { eax: m.cpu.regs[0], n: m.cpu.instructions, halted: m.cpu.halted, translated: m.cpu.jit?.stats.translated ?? 0 };
  };
  const a = run(false);
  assert.deepEqual(a, { eax: 14000, n: 1 + 1000 * 8 + 1, halted: true, translated: 0 });
  const b = run(true);
  assert.deepEqual({ ...b, translated: 0 }, a);
  // The loop's blocks, F under both addresses and the halt: one key per physical byte made every call retranslate.
  assert.ok(b.translated <= 8, `${b.translated} translations`);
});

test('code entered first in its page after every CR3 load (user code after a context switch) is counted and translated: the lookup walks the page tables as its fetch would', () => {
  // mov ecx, 1000; L: mov cr3, edx; call F; dec ecx; jnz L; hlt — F at 3000h: add eax, ebx; add eax, ebx; ret.
  // Each CR3 load empties the TLB, so the lookup at F finds no translation of its page.
  const code = new Array<number>(0x2005).fill(0x90);
  code.splice(0, 17, 0xb9, ...le32(1000), 0x0f, 0x22, 0xda, 0xe8, ...le32(0x2000 - 13), 0x49, 0x75, 0xf5, 0xf4);
  code.splice(0x2000, 5, 0x01, 0xd8, 0x01, 0xd8, 0xc3);
  const run = (jit: boolean) => {
    const m = makeMachine(code, RAM);
    enterFlat(m, true);
    if (jit) m.cpu.setJit({ threshold: 50 });
    m.cpu.regs[3] = 7;
    m.cpu.regs[2] = PAGE_DIR;
    m.run(100000);
    const pte = m.memory.read32(PAGE_DIR + 0x1000 + 4 * 3);
    return { eax: m.cpu.regs[0], n: m.cpu.instructions, halted: m.cpu.halted, pteAccessed: (pte & 0x20) !== 0, retired: m.cpu.jit?.stats.retired ?? 0 };
  };
  const a = run(false);
  assert.deepEqual(a, { eax: 14000, n: 1 + 1000 * 7 + 1, halted: true, pteAccessed: true, retired: 0 });
  const b = run(true);
  assert.deepEqual({ ...b, retired: 0 }, a);
  // All but MOV CR3 in translated code from about the 50th pass (before: F never, 3000 of 7000).
  assert.ok(b.retired >= 5500, `${b.retired} instructions retired by translated code`);
});
