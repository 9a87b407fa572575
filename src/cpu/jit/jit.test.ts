// The translator against the interpreter: the same program on two machines, one interpreting and
// one translating every block (threshold 0), must end in the same state — registers, EIP,
// EFLAGS, instruction count, memory — after self-modifying code (SDM Vol. 3A §11.6: a write to
// code takes effect for the next instruction fetched), DMA into code pages, faults in the middle
// of a block (SDM Vol. 3A §6.5: faults are restartable, state as before the instruction) and any
// run() budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeMachine, flatDescriptor, type TestMachine } from '../test-machine.js';
import { Reg, Seg } from '../state.js';
import { translateRegion } from './emit.js';

/** jit: every block translated hot (memory fast path inline); cold: through jit/mem.ts only. */
type Mode = 'interp' | 'jit' | 'cold' | 'fallback';

function machine(code: number[], mode: Mode): TestMachine {
  const m = makeMachine(code);
  if (mode !== 'interp') m.cpu.setJit({ threshold: 0, inline: mode !== 'fallback', hotRuns: mode === 'cold' ? Infinity : 0 });
  return m;
}

/** Everything the comparison looks at. */
function state(m: TestMachine) {
  const c = m.cpu;
  const stack: number[] = [];
  for (let i = 0; i < 16; i++) stack.push(m.memory.read16((c.segBase[Seg.SS] + ((c.regs[Reg.ESP] + 2 * i) & c.stackMask)) >>> 0));
  return {
    regs: Array.from(c.regs), eip: c.eip, cs: c.segSel[Seg.CS], eflags: c.getEflags(), instructions: c.instructions,
    lastVector: c.lastVector, cr2: c.cr[2], stack,
  };
}

function sameAsInterpreter(code: number[], setup: (m: TestMachine) => void = () => {}, budget = 100000): ReturnType<typeof state> {
  const runs = (['interp', 'jit', 'cold', 'fallback'] as const).map((mode) => {
    const m = machine(code, mode);
    setup(m);
    m.run(budget);
    return { mode, s: state(m), m };
  });
  for (const r of runs.slice(1)) assert.deepEqual(r.s, runs[0].s, `${r.mode} differs from the interpreter`);
  assert.ok(runs[1].m.cpu.jit!.stats.executed > 0, 'blocks ran');
  return runs[0].s;
}

test('self-modifying code inside the running block: the next instruction is the new one (SDM Vol. 3A §11.6)', () => {
  // nop (interpreted: opens the fetch window); then one block: mov byte [1009h],40h; nop; nop; nop;
  // (1009h: dec ax → inc ax); hlt
  const code = [0x90, 0xc6, 0x06, 0x09, 0x10, 0x40, 0x90, 0x90, 0x90, 0x48, 0xf4];
  const s = sameAsInterpreter(code);
  assert.equal(s.regs[Reg.EAX] & 0xffff, 1);
  const m = machine(code, 'jit');
  m.run();
  assert.ok(m.cpu.jit!.stats.invalidated >= 1);
});

test('self-modifying code in another block (another page): the second call runs the new immediate', () => {
  // call 2100h; mov byte [2101h],5; call 2100h; hlt — 2100h: mov al,1; add bl,al; ret
  const code = [0xe8, 0xfd, 0x10, 0xc6, 0x06, 0x01, 0x21, 0x05, 0xe8, 0xf5, 0x10, 0xf4];
  const s = sameAsInterpreter(code, (m) => m.memory.writeBytes(0x2100, Uint8Array.from([0xb0, 0x01, 0x00, 0xc3, 0xc3])));
  assert.equal(s.regs[Reg.EBX] & 0xff, 6);
});

test('REP STOSB over the running code: the block stops and the stored bytes execute', () => {
  // mov di,100Ch; mov cx,2; mov al,43h (inc bx); rep stosb; (100Ch: hlt hlt → inc bx inc bx) ... hlt
  const code = [0xbf, 0x0c, 0x10, 0xb9, 0x02, 0x00, 0xb0, 0x43, 0xf3, 0xaa, 0x90, 0x90, 0xf4, 0xf4, 0xf4];
  const s = sameAsInterpreter(code);
  assert.equal(s.regs[Reg.EBX] & 0xffff, 2);
});

test('DMA-style write (memory.write8) into a translated page drops its blocks', () => {
  for (const mode of ['jit', 'interp'] as const) {
    const m = machine([0x43, 0xeb, 0xfd], mode); // L: inc bx; jmp L
    m.run(1000);
    assert.equal(m.cpu.regs[Reg.EBX], 500);
    m.memory.write8(0x1000, 0x47); // inc di
    m.run(1000);
    assert.equal(m.cpu.regs[Reg.EBX], 500, mode);
    assert.equal(m.cpu.regs[Reg.EDI], 500, mode);
    if (mode === 'jit') assert.ok(m.cpu.jit!.stats.invalidated >= 1);
  }
});

test('writes beside translated code in the same page keep its blocks; a write into them drops exactly those', () => {
  // L: inc bx; mov [1800h],bx; jmp L — the loop stores into its own page, 2 KiB away from its bytes.
  // Blocks one by one (no regions, which keep the loop inside one function): chain links.
  const m = machine([0x43, 0x89, 0x1e, 0x00, 0x18, 0xeb, 0xf9], 'cold');
  m.run(3000);
  const jit = m.cpu.jit!;
  assert.equal(m.cpu.regs[Reg.EBX], 1000);
  assert.equal(m.memory.read16(0x1800), 1000);
  assert.equal(jit.stats.invalidated, 0, 'data stores beside the loop kill nothing');
  assert.ok(jit.stats.chained >= 990, `the loop's block follows itself through its chain link (${jit.stats.chained})`);
  const translated = jit.stats.translated;
  m.memory.write8(0x1001, 0x89); // rewrites a byte of the loop (same value): its block dies, once
  m.run(3000);
  assert.equal(jit.stats.invalidated, 1);
  assert.equal(jit.stats.translated, translated + 1);
  m.memory.write8(0x1000, 0x47); // inc bx → inc di: the new instruction runs
  m.run(3000);
  assert.equal(m.cpu.regs[Reg.EBX], 2000);
  assert.equal(m.cpu.regs[Reg.EDI], 1000);
});

test('a region keeps a loop of blocks in one function; a write into any of its blocks drops it', () => {
  // L: inc bx; jmp A; (1003h: 16 bytes of data); A (1013h): inc cx; mov [1800h],bx; cmp bx,cx; je L; hlt
  const code = [0x43, 0xeb, 0x10, ...new Array<number>(16).fill(0), 0x41, 0x89, 0x1e, 0x00, 0x18, 0x39, 0xcb, 0x74, 0xe4, 0xf4];
  const ms = (['interp', 'jit'] as const).map((mode) => machine(code, mode));
  const jit = ms[1].cpu.jit!;
  const stage = (change: (m: TestMachine) => void) => {
    for (const m of ms) {
      change(m);
      m.run(6000);
    }
    assert.deepEqual(state(ms[1]), state(ms[0]));
  };
  stage(() => {});
  assert.equal(ms[1].cpu.regs[Reg.EBX], 1000);
  assert.ok(jit.stats.executed <= 3, `the loop stays in its region: ${jit.stats.executed} entries`);
  stage((m) => m.memory.write8(0x1008, 0)); // the data between the blocks: nothing translated there
  assert.equal(jit.stats.invalidated, 0);
  stage((m) => m.memory.write8(0x1013, 0x47)); // A: inc cx → inc di (the region's second block): the loop ends
  assert.equal(jit.stats.invalidated, 1);
  assert.deepEqual([ms[1].cpu.regs[Reg.EBX], ms[1].cpu.regs[Reg.ECX], ms[1].cpu.regs[Reg.EDI], ms[1].cpu.halted], [2001, 2000, 1, true]);
});

test('RET inside a region: back to the block after the CALL in the function, elsewhere out of it', () => {
  // L: call S; inc cx; cmp cx,100; jb L; hlt — S (1010h): inc bx; ret. The loop stays in L's region.
  const sub = (code: number[], s: number[]) => [...code, ...new Array<number>(0x10 - code.length).fill(0x90), ...s];
  const loop = sub([0xe8, 0x0d, 0x00, 0x41, 0x83, 0xf9, 0x64, 0x72, 0xf7, 0xf4], [0x43, 0xc3]);
  let s = sameAsInterpreter(loop);
  assert.deepEqual([s.regs[Reg.EBX], s.regs[Reg.ECX]], [100, 100]);
  const m = machine(loop, 'jit');
  m.run(100000);
  assert.ok(m.cpu.jit!.stats.executed <= 3, `${m.cpu.jit!.stats.executed} entries`);
  // S returns one byte further (mov bp,sp; inc word [bp]; inc bx; ret): to 1004h, inside the
  // region's range but no block of it (1003h: inc di is skipped), so the function leaves there.
  const skip = sub([0xe8, 0x0d, 0x00, 0x47, 0x41, 0x83, 0xf9, 0x64, 0x72, 0xf6, 0xf4], [0x89, 0xe5, 0xff, 0x46, 0x00, 0x43, 0xc3]);
  s = sameAsInterpreter(skip);
  assert.deepEqual([s.regs[Reg.EBX], s.regs[Reg.ECX], s.regs[Reg.EDI]], [100, 100, 0]);
});

test('the code cache stays within its bounds (blocks, bytes): it is dropped whole and the results stay exact', () => {
  // Four blocks in a loop: L: inc bx; jmp A; A: inc cx; jmp B; B: inc dx; jmp C; C: inc si; jmp L
  const code = [0x43, 0xeb, 0x00, 0x41, 0xeb, 0x00, 0x42, 0xeb, 0x00, 0x46, 0xeb, 0xf4];
  const ref = makeMachine(code);
  ref.run(4000);
  for (const bound of [{ maxBlocks: 2 }, { maxBytes: 1 }]) {
    const m = makeMachine(code);
    m.cpu.setJit({ threshold: 0, hotRuns: Infinity, ...bound }); // four blocks, not one region
    m.run(4000);
    const stats = m.cpu.jit!.stats;
    assert.ok(stats.flushes > 100, `${JSON.stringify(bound)}: ${stats.flushes} flushes`);
    assert.ok(stats.cacheBlocks <= 2);
    assert.deepEqual(Array.from(m.cpu.regs), Array.from(ref.cpu.regs));
    assert.equal(m.cpu.instructions, ref.cpu.instructions);
  }
});

test('#GP on the 3rd instruction of a block: EIP, ESP, registers, flags, count as the interpreter (SDM Vol. 3A §20.1.2)', () => {
  // add ax,3; push ax; mov eax,[ebx] with EBX=10000h: beyond the real-mode limit → #GP(0)
  const s = sameAsInterpreter([0x05, 0x03, 0x00, 0x50, 0x67, 0x66, 0x8b, 0x03, 0xf4], (m) => {
    m.cpu.regs[Reg.EBX] = 0x10000;
    m.cpu.regs[Reg.EAX] = 0xfffe;
  });
  assert.equal(s.lastVector, 13);
  assert.equal(s.stack[0], 0x1004); // IP of the faulting MOV
  assert.equal(s.stack[3], 0x0001); // what PUSH AX stored: 0xfffe + 3
  assert.equal(s.instructions, 4); // add, push, the faulting mov, the handler's HLT
});

test('#DE from a fallback instruction (DIV) mid-block, and #SS from a PUSH at SP=1 (SDM Vol. 2A DIV, Vol. 3A §20.1.2)', () => {
  let s = sameAsInterpreter([0x40, 0x43, 0xf7, 0xf1, 0xf4], (m) => (m.cpu.regs[Reg.ECX] = 0)); // inc ax; inc bx; div cx
  assert.equal(s.lastVector, 0);
  assert.equal(s.stack[0], 0x1002);
  // inc ax; pop bx with SP=FFFFh: the word straddles the SS limit → #SS(0) on the 2nd instruction
  s = sameAsInterpreter([0x40, 0x5b, 0x50, 0xf4], (m) => (m.cpu.regs[Reg.ESP] = 0xffff));
  assert.equal(s.lastVector, 12);
});

/** Real mode → 32-bit protected mode: LGDT [4F0h], LIDT [4F8h], CR0.PE, far jump to 8:101Ah. */
const PROLOGUE = [
  0x0f, 0x01, 0x16, 0xf0, 0x04, 0x0f, 0x01, 0x1e, 0xf8, 0x04, 0x0f, 0x20, 0xc0, 0x0c, 0x01, 0x0f, 0x22, 0xc0,
  0x66, 0xea, 0x1a, 0x10, 0x00, 0x00, 0x08, 0x00,
];

/** After PROLOGUE: mov ax,10h; mov ds,ax; mov ss,ax; mov esp,8000h. */
const FLAT_DATA = [0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd8, 0x8e, 0xd0, 0xbc, 0x00, 0x80, 0x00, 0x00];

/** mov eax,30000h; mov cr3,eax; CR0.PG = 1 (tables from identityPaging). */
const PAGING_ON = [0xb8, 0x00, 0x00, 0x03, 0x00, 0x0f, 0x22, 0xd8, 0x0f, 0x20, 0xc0, 0x0d, 0x00, 0x00, 0x00, 0x80, 0x0f, 0x22, 0xc0];

/** Page directory at 30000h: its first 4 MiB identity-mapped (user, writable) by the table at 31000h. */
function identityPaging(m: TestMachine): void {
  m.memory.write32(0x30000, 0x31000 | 7);
  for (let i = 0; i < 1024; i++) m.memory.write32(0x31000 + i * 4, (i << 12) | 7);
}

/** GDT at 500h (8: flat code, 10h: flat data, 18h: data based at 100h), IDT at 600h (#PF → HLT at 2200h). */
function protectedModeTables(m: TestMachine): void {
  flatDescriptor(m, 0x508, 0x9a);
  flatDescriptor(m, 0x510, 0x92);
  flatDescriptor(m, 0x518, 0x92, 0x100);
  m.memory.write16(0x4f0, 0x1f);
  m.memory.write32(0x4f2, 0x500);
  m.memory.write16(0x4f8, 0x7ff);
  m.memory.write32(0x4fa, 0x600);
  m.memory.write32(0x600 + 14 * 8, (0x08 << 16) | 0x2200);
  m.memory.write32(0x604 + 14 * 8, 0x8e00);
  m.memory.write8(0x2200, 0xf4);
}

test('a hot region specialised to paging off and flat DS runs its general translation once paging is on or DS is not flat', () => {
  // S (1800h): mov eax,[5000h]; add ebx,eax; ret — translated hot at its first call (paging off,
  // DS flat), then called with DS based at 100h, then with paging on (linear 5000h → physical 6000h).
  // mov eax,1800h; call eax: S's own block is entered each time (a direct call would put S in
  // the caller's region, translated afresh in the state of each call site).
  const code = [...PROLOGUE, ...FLAT_DATA];
  const callS = () => code.push(0xb8, 0x00, 0x18, 0x00, 0x00, 0xff, 0xd0);
  callS();
  code.push(0x6a, 0x18, 0x1f); // push 18h; pop ds (base 100h)
  callS();
  code.push(0x6a, 0x10, 0x1f, ...PAGING_ON); // push 10h; pop ds (flat)
  callS();
  code.push(0xf4);
  const s = sameAsInterpreter(code, (m) => {
    protectedModeTables(m);
    identityPaging(m);
    m.memory.write32(0x31000 + 5 * 4, 0x6000 | 7);
    m.memory.writeBytes(0x1800, Uint8Array.from([0xa1, 0x00, 0x50, 0x00, 0x00, 0x01, 0xc3, 0xc3]));
    for (const [at, v] of [[0x5000, 0x1], [0x6000, 0x20], [0x5100, 0x300], [0x6100, 0x4000]]) m.memory.write32(at, v);
  });
  assert.equal(s.regs[Reg.EBX], 0x321); // [5000h] + [5100h] + physical [6000h]
});

test('#PF on the 3rd instruction of a 32-bit block with paging on: CR2, error code and frame as the interpreter (SDM Vol. 3A §4.7)', () => {
  const code = [
    ...PROLOGUE,
    ...FLAT_DATA,
    ...PAGING_ON,
    0x83, 0xc0, 0x05, 0x50, 0x8b, 0x1d, 0x00, 0x10, 0x40, 0x00, 0xf4, // add eax,5; push eax; mov ebx,[401000h] (not present)
  ];
  const s = sameAsInterpreter(code, (m) => {
    protectedModeTables(m);
    identityPaging(m);
    m.memory.write32(0x30004, 0x32000 | 7); // 4-8 MiB: an empty table
  });
  assert.equal(s.lastVector, 14);
  assert.equal(s.cr2, 0x401000);
});

test('flat segments: a block that loads DS (POP DS) mid-block addresses through the new base', () => {
  const code = [
    ...PROLOGUE,
    ...FLAT_DATA,
    0xeb, 0x00, // jmp $+2: the next block starts with DS and SS flat
    0x8b, 0x0d, 0x00, 0x00, 0x00, 0x00, // mov ecx,[0] (flat)
    0x6a, 0x18, 0x1f, // push 18h; pop ds (base 100h)
    0xa1, 0x00, 0x00, 0x00, 0x00, 0x8b, 0x1d, 0x04, 0x00, 0x00, 0x00, // mov eax,[0]; mov ebx,[4]
    0xf4,
  ];
  const s = sameAsInterpreter(code, (m) => {
    protectedModeTables(m);
    m.memory.write32(0, 0x11111111);
    m.memory.write32(0x100, 0x22222222);
    m.memory.write32(0x104, 0x33333333);
  });
  assert.equal(s.regs[Reg.ECX], 0x11111111);
  assert.equal(s.regs[Reg.EAX], 0x22222222);
  assert.equal(s.regs[Reg.EBX], 0x33333333);
});

test('budget boundaries: after run(n) the count and state match the interpreter for n = 1..64, repeated', () => {
  // A loop with loads, stores, a call, flags and a conditional branch (mixed block lengths).
  // 1000: mov si,2000h; L: mov ax,[si]; add ax,bx; mov [si+2],ax; inc bx; call 1020h; cmp bx,50; jb L; xor bx,bx; jmp L
  // 1020: push ax; shl ax,1; pop ax; ret
  const code = [
    0xbe, 0x00, 0x20, 0x8b, 0x04, 0x01, 0xd8, 0x89, 0x44, 0x02, 0x43, 0xe8, 0x12, 0x00, 0x83, 0xfb, 0x32, 0x72, 0xf0,
    0x31, 0xdb, 0xeb, 0xec,
  ];
  const sub = [0x50, 0xd1, 0xe0, 0x58, 0xc3];
  for (let n = 1; n <= 64; n++) {
    const ms = (['interp', 'jit', 'cold'] as const).map((mode) => {
      const m = machine(code, mode);
      m.memory.writeBytes(0x1020, Uint8Array.from(sub));
      return m;
    });
    for (let round = 0; round < 4; round++) {
      for (const m of ms) m.run(n);
      for (const m of ms.slice(1)) {
        assert.deepEqual(state(m), state(ms[0]), `n=${n} round ${round}`);
        assert.equal(m.cpu.instructions, n * (round + 1));
      }
    }
  }
});

test('a block translated again as hot in the middle of a loop keeps the state exact', () => {
  // The loop of the budget test; hotRuns 3: its blocks switch to the inline memory path early.
  // 1000: mov si,2000h; L: mov ax,[si]; add ax,bx; mov [si+2],ax; inc bx; call 1020h; cmp bx,50; jb L; xor bx,bx; jmp L
  const code = [
    0xbe, 0x00, 0x20, 0x8b, 0x04, 0x01, 0xd8, 0x89, 0x44, 0x02, 0x43, 0xe8, 0x12, 0x00, 0x83, 0xfb, 0x32, 0x72, 0xf0,
    0x31, 0xdb, 0xeb, 0xec,
  ];
  const ms = [undefined, 3].map((hotRuns) => {
    const m = makeMachine(code);
    m.memory.writeBytes(0x1020, Uint8Array.from([0x50, 0xd1, 0xe0, 0x58, 0xc3])); // push ax; shl ax,1; pop ax; ret
    if (hotRuns !== undefined) m.cpu.setJit({ threshold: 1, hotRuns });
    for (let i = 0; i < 50; i++) m.run(97);
    return m;
  });
  assert.deepEqual(state(ms[1]), state(ms[0]));
  assert.deepEqual(Array.from(ms[1].memory.ram.subarray(0x2000, 0x2004)), Array.from(ms[0].memory.ram.subarray(0x2000, 0x2004)));
  const stats = ms[1].cpu.jit!.stats;
  assert.ok(stats.hot >= 3 && stats.hot <= stats.translated, JSON.stringify(stats));
});

test('hot blocks after the memory map or A20 changes between runs read through the new mapping (TLB fast entries dropped)', () => {
  const code = [
    ...PROLOGUE,
    ...FLAT_DATA,
    ...PAGING_ON,
    // L: mov eax,[105000h]; add ebx,eax; inc ecx; jmp L (EBX sums every read, not just the last)
    0xa1, 0x00, 0x50, 0x10, 0x00, 0x01, 0xc3, 0x41, 0xeb, 0xf6,
  ];
  const mmio = { read8: (o: number) => [0x77, 0x66, 0x55, 0x44][o & 3], write8: () => {} };
  const eaxEbxAfterEachStage = (['interp', 'jit'] as const).map((mode) => {
    const m = makeMachine(code, 2 << 20);
    if (mode === 'jit') m.cpu.setJit({ threshold: 0 });
    protectedModeTables(m);
    identityPaging(m);
    m.memory.write32(0x105000, 0xbbbbbbbb);
    m.memory.write32(0x5000, 0xaaaaaaaa);
    const seen: number[] = [];
    const stage = (change: () => void) => {
      change();
      m.run(400);
      seen.push(m.cpu.regs[Reg.EAX], m.cpu.regs[Reg.EBX]);
    };
    stage(() => {});
    stage(() => m.memory.setA20(false)); // 105000h now wraps to 5000h
    stage(() => m.memory.setA20(true));
    stage(() => m.memory.mapMmio(0x105000, 0x1000, mmio));
    stage(() => m.memory.unmap(0x105000, 0x1000));
    if (mode === 'jit') assert.ok(m.cpu.jit!.stats.executed >= 5); // each stage enters the (hot) loop's region
    return seen;
  });
  const [interp, jit] = eaxEbxAfterEachStage;
  assert.deepEqual(interp.filter((_, i) => i % 2 === 0), [0xbbbbbbbb, 0xaaaaaaaa, 0xbbbbbbbb, 0x44556677, 0xbbbbbbbb]);
  assert.deepEqual(jit, interp);
});

test('an instruction straddling a page end is interpreted alone: the code after it still runs translated', () => {
  // mov cx,100; jmp 1FFEh — 1FFEh: L: mov ax,1234h (bytes 1FFE-2000h, across the page end);
  // inc bx; inc dx; loop L; hlt
  const code = [0xb9, 0x64, 0x00, 0xe9, 0xf8, 0x0f];
  const far = (m: TestMachine) => m.memory.writeBytes(0x1ffe, Uint8Array.from([0xb8, 0x34, 0x12, 0x43, 0x42, 0xe2, 0xf9, 0xf4]));
  const s = sameAsInterpreter(code, far);
  assert.equal(s.regs[Reg.EBX] & 0xffff, 100);
  assert.equal(s.eip, 0x2006);
  const m = machine(code, 'cold');
  far(m);
  m.run(100000);
  // Every pass enters the block at 2001h (inc bx; inc dx; loop), not only the first jump.
  assert.ok(m.cpu.jit!.stats.executed >= 100, `blocks entered: ${m.cpu.jit!.stats.executed}`);
});

test('tiering counts work: long straight-line code entered fewer times than the threshold is translated', () => {
  // mov cx,20; L: call 1100h; loop L; hlt — 1100h: 600 × inc bx; ret
  const code = [0xb9, 0x14, 0x00, 0xe8, 0xfa, 0x00, 0xe2, 0xfb, 0xf4];
  const body = new Uint8Array(601).fill(0x43);
  body[600] = 0xc3;
  const runs = (['interp', 'cold'] as const).map((mode) => {
    const m = makeMachine(code);
    if (mode === 'cold') m.cpu.setJit({ threshold: 100, hotRuns: Infinity });
    m.memory.writeBytes(0x1100, body);
    m.run(100000);
    return m;
  });
  assert.deepEqual(state(runs[1]), state(runs[0]));
  assert.equal(runs[0].cpu.regs[Reg.EBX] & 0xffff, 12000);
  // 20 entries of 1100h, each followed by 600 interpreted instructions, outweigh a threshold of 100.
  assert.ok(runs[1].cpu.jit!.stats.translated >= 5, `blocks translated: ${runs[1].cpu.jit!.stats.translated}`);
});

test('a hot region keeps a loop whole: a block that jumps back to its first block may take it past the usual size bound', () => {
  // A (at 0): k × mov eax,[ebx+4i]; dec ecx; jz X — B: add edx,eax; jmp A (loop) or jmp X — X: hlt
  const program = (k: number, loop: boolean): Uint8Array => {
    const bytes: number[] = [];
    for (let i = 0; i < k; i++) bytes.push(0x8b, 0x83, (4 * i) & 0xff, (4 * i) >> 8, 0, 0);
    const jzRel = bytes.length + 3;
    bytes.push(0x49, 0x0f, 0x84, 0, 0, 0, 0, 0x01, 0xc2, 0xe9, 0, 0, 0, 0);
    const x = bytes.length;
    bytes.push(0xf4);
    /** Writes the rel32 field at `field` (the instruction ends right after it) to reach `to`. */
    const rel32 = (field: number, to: number) => {
      const d = to - (field + 4);
      bytes.splice(field, 4, d & 0xff, (d >> 8) & 0xff, (d >> 16) & 0xff, (d >>> 24) & 0xff);
    };
    rel32(jzRel, x);
    rel32(x - 4, loop ? 0 : x);
    const code = new Uint8Array(4096);
    code.set(bytes);
    return code;
  };
  /** Whether the region from A holds B (which starts after the k loads, DEC and JZ). */
  const holdsB = (k: number, loop: boolean) => {
    const r = translateRegion(program(k, loop), 0, 4096, 0x1000, true, true, { paging: false, user: false, flat: 0 }, () => true)!.ranges;
    return r.some((at, i) => i % 2 === 0 && at === 6 * k + 7);
  };
  assert.ok(holdsB(2, false) && holdsB(2, true), 'small: one region');
  let k = 2;
  while (k < 60 && holdsB(k, false)) k++;
  assert.ok(k < 60, 'some size leaves B out of a region that is not a loop');
  assert.ok(holdsB(k, true), `at ${k} loads the loop (A, B) stays whole`);
});
