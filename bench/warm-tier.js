#!/usr/bin/env node
// What a warm tier of pre-decoded, specialised closures could gain over the interpreter (the
// proposal in src/cpu/README.md "ninth sitting"): bench/cpu-loop.js's real-mode loop run by the
// interpreter (no translator), and the same loop as an array of closures, one per instruction,
// with its operands bound (no fetch, no decode, no decode-state fields), calling the
// interpreter's own helpers (rd16/wr16, alu, setIncDec, shift, testCC) and keeping what precise
// faults need (c.instStart before each memory access). The closures are written out by hand here,
// as a generator would make them for these instruction forms; both runs must end in the same
// registers, flags and memory after the same instruction count.
// What it does not show: built for real (src/cpu/README.md, "The warm tier of closures"), such a
// tier ran kernel code slower than the interpreter (thousands of closures called megamorphically,
// and their data footprint); a loop of eight instruction forms is its best case.
// Usage: npm run build && node bench/warm-tier.js [loop passes, default 3e6] [compiled dir, default dist]
import path from 'node:path';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';

const passes = Number(process.argv[2] ?? 3e6);
const out = path.resolve(process.argv[3] ?? 'dist');
const load = (f) => import(pathToFileURL(path.join(out, f)).href);
const { makeMachine } = await load('cpu/test-machine.js');
const { rd16, wr16 } = await load('cpu/mmu.js');
const { alu } = await load('cpu/ops/alu.js');
const { setIncDec, testCC } = await load('cpu/flags.js');
const { shift } = await load('cpu/ops/shift.js');

// 0000:1000  mov cx,0 / mov si,2000h
//       L:   mov ax,[si] / add ax,bx / mov [si+2],ax / xor dx,ax / inc bx / shl ax,1
//            cmp ax,1234h / jz $+2 / loop L / jmp 1000h
const code = [
  0xb9, 0x00, 0x00, 0xbe, 0x00, 0x20,
  0x8b, 0x04, 0x01, 0xd8, 0x89, 0x44, 0x02, 0x31, 0xc2, 0x43, 0xd1, 0xe0,
  0x3d, 0x34, 0x12, 0x74, 0x00, 0xe2, 0xed, 0xeb, 0xe5,
];
// r16 indices (register << 1), Seg.DS, ALU kinds (opcode bits 5-3), group-2 SHL, condition Z.
const AX = 0, CX = 2, DX = 4, BX = 6, SI = 12, DS = 3, ADD = 0, XOR = 6, CMP = 7, SHL = 4, CC_Z = 4;

function closureRun(m, n) {
  const c = m.cpu;
  const body = [
    (c) => { c.instStart = 0x1006; c.r16[AX] = rd16(c, DS, c.r16[SI]); },
    (c) => { c.r16[AX] = alu(c, ADD, c.r16[AX], c.r16[BX], 16); },
    (c) => { c.instStart = 0x100a; wr16(c, DS, (c.r16[SI] + 2) & 0xffff, c.r16[AX]); },
    (c) => { c.r16[DX] = alu(c, XOR, c.r16[DX], c.r16[AX], 16); },
    (c) => { const a = c.r16[BX]; const v = (a + 1) & 0xffff; c.r16[BX] = v; setIncDec(c, ADD, a, v, 16); },
    (c) => { c.r16[AX] = shift(c, SHL, c.r16[AX], 1, 16); },
    (c) => { alu(c, CMP, c.r16[AX], 0x1234, 16); },
    (c) => { testCC(c, CC_Z); }, // jz $+2: the next instruction either way
  ];
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < body.length; i++) body[i](c);
    const cx = (c.r16[CX] - 1) & 0xffff; // loop L
    c.r16[CX] = cx;
    c.instructions += 9;
    if (cx === 0) { c.r16[SI] = 0x2000; c.instructions += 3; } // jmp 1000h; mov cx,0; mov si,2000h
  }
  c.eip = 0x1006;
}

function interpreterRun(m, until) {
  while (m.cpu.instructions < until) m.cpu.run(Math.min(100000, until - m.cpu.instructions));
}

const state = (m) => ({ regs: Array.from(m.cpu.regs), eflags: m.cpu.getEflags(), n: m.cpu.instructions, eip: m.cpu.eip, mem: m.memory.read32(0x2000) });
for (let r = 0; r < 3; r++) {
  const a = makeMachine(code);
  const b = makeMachine(code);
  a.cpu.run(2); // mov cx,0; mov si,2000h
  b.cpu.run(2);
  closureRun(a, 500000); // warm-up, both
  interpreterRun(b, a.cpu.instructions);
  const i0 = a.cpu.instructions;
  let t0 = performance.now();
  closureRun(a, passes);
  const closuresNs = (performance.now() - t0) * 1e6 / (a.cpu.instructions - i0);
  t0 = performance.now();
  interpreterRun(b, a.cpu.instructions);
  const interpNs = (performance.now() - t0) * 1e6 / (b.cpu.instructions - i0);
  assert.deepEqual(state(a), state(b), 'closures and interpreter end in the same state');
  console.log(`interpreter ${interpNs.toFixed(1)} ns per instruction, closures ${closuresNs.toFixed(1)} (${(interpNs / closuresNs).toFixed(2)}× faster); ${((a.cpu.instructions - i0) / 1e6).toFixed(0)} M instructions each, same end state`);
}
