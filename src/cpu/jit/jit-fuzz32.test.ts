// Random programs in 32-bit flat protected mode, with and without paging: the state hot
// regions run as WebAssembly in (jit/emit-wasm.ts). Each runs on the interpreter and translated
// (threshold 0: every block a hot region at once) with the WebAssembly tier and without it;
// registers, flags, count, the data area and the stack must be identical. With paging, the
// page tables start with accessed/dirty bits clear, so first accesses miss the TLB and the
// WebAssembly code bails out to the interpreter; stores into the code page do too. Then directed
// programs for the memory fast path and string instructions in WebAssembly code (the dispatcher's
// own tests are in wasm-dispatch.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeMachine, CODE_BASE } from '../test-machine.js';
import { xorshift32 as rng } from '../../bus/xorshift.js';
import { SHARED_FORMS, sharedForm, runSeeded } from './fuzz-program.js';
import { DATA, le32, RAM, PAGE_DIR, enterFlat } from './flat-machine.js';

function program(seed: number): number[] {
  const r = rng(seed);
  const pick = <T>(a: T[]): T => a[r() % a.length];
  const wreg = () => pick([0, 1, 2, 3, 5, 7]); // not ESP or ESI (ESI points at the data area)
  const breg = () => r() % 8;
  const imm32 = () => [r() & 0xff, r() & 0xff, r() & 0xff, r() & 0xff];
  const out: number[] = [];
  for (let i = 0; i < 40; i++) {
    const p66 = r() % 3 === 0 ? [0x66] : [];
    const wide = p66.length === 0;
    const mem = r() % 3 === 0;
    // r/m operand: register form, or [ESI+disp8] inside the data area
    const rm = (reg: number, rmReg: number) => (mem ? [0x46 | (reg << 3), r() % 0x78] : [0xc0 | (reg << 3) | rmReg]);
    // FS: flat-machine.ts FS_BASE (unaligned), 4 GiB limit, as the kernel's per-CPU segment
    const seg = () => (mem && r() % 3 === 0 ? [0x64] : []);
    const immV = () => (wide ? imm32() : [r() & 0xff, r() & 0xff]);
    const kind = r() % (SHARED_FORMS + 25);
    if (kind < SHARED_FORMS) {
      out.push(...sharedForm(kind, { r, pick, p66, rm, wreg, breg, immV, seg }));
      continue;
    }
    switch (kind - SHARED_FORMS) {
      case 0: { // shifts/rotates by imm or 1 (8/16-bit CL forms: the handler)
        const op = pick([0xc0, 0xc1, 0xd0, 0xd1, 0xd3]);
        out.push(...((op & 1) === 1 ? p66 : []), op, ...rm(r() % 8, wreg()));
        if (op <= 0xc1) out.push(r() % 40);
        break;
      }
      case 1: // XCHG
        out.push(...p66, pick([0x86, 0x87]), ...rm(wreg(), wreg()));
        break;
      case 2: // LEA reg, [ESI+disp8] / [EBX+EDI*4+disp8]
        out.push(...p66, 0x8d, ...(r() % 2 ? [0x46 | (wreg() << 3)] : [0x44 | (wreg() << 3), 0xbb]), r() & 0xff);
        break;
      case 3: // PUSH reg, r/m or imm; POP reg
        if (r() % 3 === 0) out.push(...p66, 0x50 + wreg(), ...p66, 0x58 + wreg());
        else if (r() % 2) out.push(...p66, 0xff, ...rm(6, wreg()), ...p66, 0x58 + wreg());
        else out.push(...p66, 0x6a, r() & 0xff, ...p66, 0x58 + wreg());
        break;
      case 4: // MOV r/m, imm
        out.push(...p66, 0xc7, ...rm(0, wreg()), ...immV());
        break;
      case 5: // NOT/NEG, TEST r/m8, imm
        if (r() % 3) out.push(...(r() % 2 ? [0xf6] : [...p66, 0xf7]), ...rm(2 + (r() % 2), wreg()));
        else out.push(0xf6, ...rm(0, breg()), r() & 0xff);
        break;
      case 6: { // CLD/STD; EDI and ESI into the data area; one string instruction (no REP)
        const at = (v: number) => { const a = DATA + v; return [a & 0xff, a >> 8, 0, 0]; };
        out.push(r() % 2 ? 0xfc : 0xfd, 0xbf, ...at(4 + (r() % 0x70)), 0xbe, ...at(4 + (r() % 0x70)));
        out.push(...(r() % 2 ? p66 : []), pick([0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf]));
        out.push(0xbe, ...at(0), 0xfc);
        break;
      }
      case 7: // a loop: ECX = 3; ADD EAX, EBX; DEC ECX; JNZ back
        out.push(0xb9, 3, 0, 0, 0, 0x01, 0xd8, 0x49, 0x75, 0xfb);
        break;
      case 8: // CALL to a RET, jumping over it on return
        out.push(0xe8, 2, 0, 0, 0, 0xeb, 1, 0xc3);
        break;
      case 9: // MOV moffs (the data area), or a store into the code page (after the program's end)
        if (r() % 3 === 0) out.push(0x89, 0x05, 0x00, 0x1f, 0, 0);
        else out.push(...p66, pick([0xa1, 0xa3]), (DATA + (r() % 0x7c)) & 0xff, DATA >> 8, 0, 0);
        break;
      case 10: // PUSH EBP; MOV EBP, ESP; two pushes; LEAVE (EBP back, ESP back)
        out.push(0x55, 0x89, 0xe5, 0x6a, r() & 0xff, ...p66, 0x6a, r() & 0xff, 0xc9);
        break;
      case 11: // MOV CL, imm; ROL/ROR/SHL/SHR/SAR r32, CL (counts 0-63: modulo 32)
        out.push(0xb1, r() % 64, 0xd3, 0xc0 | (pick([0, 1, 4, 5, 7]) << 3) | wreg());
        break;
      case 12: // CWDE/CBW, CDQ/CWD, PAUSE, a multi-byte NOP (DS: NOP [EAX+EAX+0], the kernel's padding)
        out.push(...p66, pick([0x98, 0x99]), 0xf3, 0x90, 0x3e, 0x0f, 0x1f, 0x44, 0x00, 0x00);
        break;
      case 13: // RDTSC (a bare CPU: the instruction count)
        out.push(0x0f, 0x31);
        break;
      case 14: { // CMPXCHG / XADD r/m, reg, LOCK or DS-prefixed (as the kernel patches LOCK on one CPU) on memory
        const byte = r() % 3 === 0;
        const prefix = mem ? pick([[], [0xf0], [0x3e]]) : [];
        out.push(...prefix, ...(byte ? [] : p66), 0x0f, pick([0xb0, 0xc0]) + (byte ? 0 : 1), ...rm(byte ? breg() : wreg(), byte ? breg() : wreg()));
        break;
      }
      case 15: // STI, JMP $+2 (both interpreted: the shadow), CLI (CPL 0: in the module), PUSHF; POP reg: IF as CLI left it
        out.push(0xfb, 0xeb, 0x00, 0xfa, 0x9c, 0x58 + wreg());
        break;
      case 16: { // MUL / IMUL r/m (one operand): into AX, DX:AX, EDX:EAX
        const byte = r() % 3 === 0;
        out.push(...(byte ? [0xf6] : [...p66, 0xf7]), ...rm(4 + (r() % 2), byte ? breg() : wreg()));
        break;
      }
      case 17: { // DIV r/m: usually upper half cleared and divisor made odd (no #DE); 1 in 4 as it comes
        const byte = r() % 3 === 0;
        const dsp = r() % 0x78;
        const reg = byte ? breg() : wreg();
        const modrm = (g: number) => (mem ? [0x46 | (g << 3), dsp] : [0xc0 | (g << 3) | reg]);
        if (r() % 4 !== 0) {
          if (byte) out.push(0x30, 0xe4, 0x80, ...modrm(1), 1); // XOR AH, AH; OR r/m8, 1
          else out.push(...p66, 0x31, 0xd2, ...p66, 0x83, ...modrm(1), 1); // XOR eDX, eDX; OR r/m, 1
        }
        out.push(...(byte ? [0xf6] : [...p66, 0xf7]), ...modrm(6));
        break;
      }
      case 18: // MOV CL, imm; SHLD/SHRD r/m, reg by ib or CL (counts 0-63: modulo 32)
        out.push(0xb1, r() % 64, ...p66, 0x0f, pick([0xa4, 0xa5, 0xac, 0xad]), ...rm(wreg(), wreg()));
        if ((out[out.length - (mem ? 3 : 2)] & 1) === 0) out.push(r() % 64);
        break;
      case 19: { // BT/BTS/BTR/BTC by ib, or by a register (a small signed bit index for a memory operand)
        const prefix = mem && r() % 2 ? pick([[0xf0], [0x3e]]) : [];
        if (r() % 2) {
          out.push(...prefix, ...p66, 0x0f, 0xba, ...rm(4 + (r() % 4), wreg()), r() & 0xff);
        } else {
          const reg = wreg();
          if (mem) out.push(0xb8 + reg, ...le32((r() % 320) - 64));
          out.push(...prefix, ...p66, 0x0f, pick([0xa3, 0xab, 0xb3, 0xbb]), ...rm(reg, wreg()));
        }
        break;
      }
      case 20: { // CMPXCHG8B [ESI+disp8] (LOCK, DS or none), half the time with EDX:EAX loaded from it (equal)
        const dsp = r() % 0x70;
        if (r() % 2) out.push(0x8b, 0x46, dsp, 0x8b, 0x56, dsp + 4);
        out.push(...pick([[], [0xf0], [0x3e]]), 0x0f, 0xc7, 0x4e, dsp);
        break;
      }
      case 21: { // POPF (32-bit: in the module at CPL 0; 16-bit: interpreted) of random flags, IF and DF included; PUSHF; POP reg
        const flags = r() & 0x7ed5; // CF PF AF ZF SF IF DF OF IOPL NT (TF clear below: no single-step here)
        out.push(0x68, ...le32(flags & ~0x100), ...(r() % 4 === 0 ? [0x66] : []), 0x9d, 0x9c, 0x58 + wreg());
        break;
      }
      case 22: { // BSF/BSR r, r/m (F3: TZCNT/LZCNT, run as BSF/BSR), from a zero source 1 in 4
        const src = wreg();
        if (r() % 4 === 0) out.push(0x31, 0xc0 | (src << 3) | src);
        out.push(...(r() % 3 === 0 ? [0xf3] : []), ...p66, 0x0f, pick([0xbc, 0xbd]), ...rm(wreg(), src));
        break;
      }
      case 23: { // LOCK (the barrier `lock add [esp-4], 0` and atomics) on ALU r/m, reg; group 1 r/m, imm8; INC/DEC/NOT/NEG r/m: memory only
        const m = [0x46 | (r() % 8) << 3, r() % 0x78]; // [ESI+disp8]
        const form = r() % 4;
        if (form === 0) out.push(0xf0, ...p66, pick([0x00, 0x01, 0x09, 0x11, 0x19, 0x21, 0x29, 0x31]), m[0], m[1]);
        else if (form === 1) out.push(0xf0, ...p66, 0x83, (m[0] & 0xc7) | (r() % 7) << 3, m[1], r() & 0xff); // not CMP (/7)
        else if (form === 2) out.push(0xf0, ...p66, pick([0xff, 0xf7]), (m[0] & 0xc7) | pick([0, 1]) << 3, m[1]);
        else out.push(0xf0, 0x83, 0x44, 0x24, 0xfc, 0x00); // lock add dword [esp-4], 0
        if (form === 2 && (out[out.length - 3] === 0xf7)) out[out.length - 2] |= 0x10; // F7: NOT/NEG (/2, /3), not TEST
        break;
      }
      default: { // MOV EAX, target; CALL EAX to a RET (jumped over on return), or JMP EAX to the next instruction
        const at = CODE_BASE + out.length;
        if (r() % 2) out.push(0xb8, ...le32(at + 9), 0xff, 0xd0, 0xeb, 0x01, 0xc3);
        else out.push(0xb8, ...le32(at + 7), 0xff, 0xe0);
      }
    }
  }
  out.push(0x9c, 0xf4); // PUSHF; HLT
  return out;
}

function runOnce(code: number[], seed: number, paging: boolean, jit: { wasm: boolean } | undefined) {
  const m = makeMachine(code, RAM);
  enterFlat(m, paging);
  if (jit) m.cpu.setJit({ threshold: 0, hotRuns: 0, wasm: jit.wasm });
  return {
    ...runSeeded(m, seed, DATA, 0x100),
    code: Array.from(m.memory.ram.subarray(CODE_BASE, CODE_BASE + 0x1000)),
    stats: m.cpu.jit?.stats,
  };
}

test('random 32-bit programs: WebAssembly regions == JavaScript regions == interpreter (300 programs, half with paging)', () => {
  let wasmRegions = 0;
  let bails = 0;
  for (let seed = 1; seed <= 300; seed++) {
    const code = program(seed);
    const paging = seed % 2 === 0;
    const { stats: _, ...a } = runOnce(code, seed, paging, undefined);
    for (const wasm of [true, false]) {
      const { stats, ...b } = runOnce(code, seed, paging, { wasm });
      if (wasm) {
        wasmRegions += stats!.wasm;
        bails += stats!.wasmBails;
      } else {
        assert.equal(stats!.wasm, 0);
      }
      assert.deepEqual(b, a, `seed ${seed}, paging ${paging}, wasm ${wasm}: ${code.map((x) => x.toString(16).padStart(2, '0')).join(' ')}`);
    }
  }
  if (process.env.WDEBUG) console.log(wasmRegions, bails);
  assert.ok(wasmRegions > 1000, `${wasmRegions} regions ran as WebAssembly`);
  assert.ok(bails > 100, `${bails} bail-outs`);
});

test('JitOptions.names (a name section per module) changes nothing the guest sees: 40 random programs as without it', () => {
  let wasm = 0;
  for (let seed = 1001; seed <= 1040; seed++) {
    const code = program(seed);
    const paging = seed % 2 === 0;
    const run = (names: boolean) => {
      const m = makeMachine(code, RAM);
      enterFlat(m, paging);
      m.cpu.setJit({ threshold: 0, hotRuns: 0, names });
      return { ...runSeeded(m, seed, DATA, 0x100), wasm: m.cpu.jit!.stats.wasm };
    };
    const a = run(false);
    wasm += a.wasm;
    assert.deepEqual(run(true), a, `seed ${seed}`);
  }
  assert.ok(wasm > 100, `${wasm} functions`);
});

test('WebAssembly code whose store always hits a page holding code bails out to the interpreter, then goes back to JavaScript', () => {
  // mov ecx, 1000; L: mov [1F00h], eax (the code's own page); inc eax; dec ecx; jnz L; hlt
  const code = [0xb9, 0xe8, 0x03, 0, 0, 0x89, 0x05, 0x00, 0x1f, 0, 0, 0x40, 0x49, 0x75, 0xf6, 0xf4];
  const run = (jit: boolean) => {
    const m = makeMachine(code, RAM);
    enterFlat(m, true);
    if (jit) m.cpu.setJit({ threshold: 0, hotRuns: 0 });
    m.cpu.regs[0] = 0x1000;
    m.run(100000);
    return { m, state: { eax: m.cpu.regs[0], ecx: m.cpu.regs[1], n: m.cpu.instructions, stored: m.memory.read32(0x1f00) } };
  };
  const a = run(false).state;
  const { m, state: b } = run(true);
  assert.deepEqual(b, a);
  assert.deepEqual(a, { eax: 0x1000 + 1000, ecx: 0, n: 1 + 4 * 1000 + 1, stored: 0x1000 + 999 });
  const s = m.cpu.jit!.stats;
  assert.ok(s.wasm > 0, 'the loop was WebAssembly code');
  assert.ok(s.wasmBails >= 256 && s.wasmBails < 1000, `${s.wasmBails} bail-outs: back to JavaScript after 256`);
});

test('RDTSC in WebAssembly code reads what the interpreter reads; a TSC offset out of its exact range runs the JavaScript instead', () => {
  // mov ecx, 5; L: rdtsc; dec ecx; jnz L; hlt
  const code = [0xb9, 5, 0, 0, 0, 0x0f, 0x31, 0x49, 0x75, 0xfb, 0xf4];
  for (const offset of [0, 1e12, -7, 2 ** 60]) {
    const run = (jit: boolean) => {
      const m = makeMachine(code, RAM);
      enterFlat(m, false);
      m.cpu.tscOffset = offset;
      if (jit) m.cpu.setJit({ threshold: 0, hotRuns: 0 });
      m.run(1000);
      return { m, state: { eax: m.cpu.regs[0], edx: m.cpu.regs[2], n: m.cpu.instructions } };
    };
    const a = run(false).state;
    const { m, state: b } = run(true);
    assert.deepEqual(b, a, `offset ${offset}`);
    assert.equal(a.n, 1 + 3 * 5 + 1);
    assert.equal(m.cpu.jit!.stats.wasmBails, 0, 'no stop for the interpreter');
  }
});

test('a loop of 24 blocks is one WebAssembly region (JavaScript regions stop at 16 blocks): it leaves the module only at the end', () => {
  // mov ecx, 1000; L: 23 × (inc edx; cmp ecx, 0; je X) ; dec ecx; jnz L; X: hlt
  const code = [0xb9, 0xe8, 0x03, 0, 0];
  const jes: number[] = [];
  for (let i = 0; i < 23; i++) {
    code.push(0x42, 0x83, 0xf9, 0x00, 0x0f, 0x84, 0, 0, 0, 0);
    jes.push(code.length - 4);
  }
  code.push(0x49, 0x0f, 0x85, ...le32(5 - (code.length + 7)), 0xf4);
  const x = code.length - 1;
  for (const at of jes) code.splice(at, 4, ...le32(x - (at + 4)));
  const run = (jit: { wasm: boolean } | undefined) => {
    const m = makeMachine(code, RAM);
    enterFlat(m, false);
    if (jit) m.cpu.setJit({ threshold: 0, hotRuns: 0, wasm: jit.wasm });
    m.cpu.regs[2] = 0;
    m.run(100000);
    return { m, state: { ecx: m.cpu.regs[1], edx: m.cpu.regs[2], eip: m.cpu.eip, n: m.cpu.instructions } };
  };
  const a = run(undefined).state;
  assert.deepEqual(a, { ecx: 0, edx: 23 * 1000, eip: CODE_BASE + x + 1, n: 1 + 1000 * (23 * 3 + 2) + 1 });
  const wasm = run({ wasm: true });
  const js = run({ wasm: false });
  assert.deepEqual(wasm.state, a);
  assert.deepEqual(js.state, a);
  assert.ok(wasm.m.cpu.jit!.stats.executed < 10, `WebAssembly: ${wasm.m.cpu.jit!.stats.executed} run-loop entries`);
  assert.ok(js.m.cpu.jit!.stats.executed >= 1000, `JavaScript: ${js.m.cpu.jit!.stats.executed} run-loop entries`);
});

test('unaligned accesses stay in the WebAssembly code; one that crosses a page end bails out (same results as the interpreter)', () => {
  // mov ecx, 200; L: mov eax, [esi+1]; add [esi+0x11], eax; mov word [esi+0x23], ax; inc esi; dec ecx; jnz L; hlt
  // ESI runs from 2F80h over the end of the page at 3000h.
  const code = [0xb9, 200, 0, 0, 0, 0x8b, 0x46, 0x01, 0x01, 0x46, 0x11, 0x66, 0x89, 0x46, 0x23, 0x46, 0x49, 0x75, 0xf2, 0xf4];
  const run = (jit: boolean) => {
    const m = makeMachine(code, RAM);
    enterFlat(m, true);
    for (let i = 0; i < 0x200; i++) m.memory.write8(0x2f80 + i, (i * 37) & 0xff);
    if (jit) m.cpu.setJit({ threshold: 0, hotRuns: 0 });
    m.cpu.regs[6] = 0x2f80;
    m.run(100000);
    return { m, state: { regs: Array.from(m.cpu.regs), n: m.cpu.instructions, data: Array.from(m.memory.ram.subarray(0x2f80, 0x3180)) } };
  };
  const a = run(false).state;
  const { m, state: b } = run(true);
  assert.deepEqual(b, a);
  assert.equal(a.n, 1 + 200 * 6 + 1);
  const s = m.cpu.jit!.stats;
  assert.ok(s.wasm > 0, 'the loop was WebAssembly code');
  // Three accesses per iteration are unaligned in 3 of 4 iterations; only the ~12 iterations whose accesses straddle 3000h (or first touch a page) leave.
  assert.ok(s.wasmBails > 0 && s.wasmBails < 40, `${s.wasmBails} bail-outs`);
});

test('an access through a base register checked in a call serves the later ones through it: a store into a page only read so far is still checked for code (SMC seen), and stored pages are marked dirty', () => {
  const imm = CODE_BASE + 18; // the immediate of `mov ebx, 0` below, rewritten by the loop before it runs
  const code = [
    0xb9, 100, 0, 0, 0, //               mov ecx, 100
    0xbe, ...le32(imm - 1), //           mov esi, imm - 1
    0x8b, 0x46, 0x01, //                 L: mov eax, [esi+1] (the code page, read first)
    0x40, //                             inc eax
    0x89, 0x46, 0x01, //                 mov [esi+1], eax (the same page through the same register, written)
    0xbb, 0, 0, 0, 0, //                 mov ebx, <imm>
    0x01, 0x1d, ...le32(0x2004), //      add [2004h], ebx
    0x01, 0x0d, ...le32(0x3ffc), //      add [3FFCh], ecx
    0x49, 0x75, 0xe5, //                 dec ecx; jnz L
    0xf4, //                             hlt
  ];
  assert.equal(code[imm - CODE_BASE - 1], 0xbb);
  const run = (jit: boolean) => {
    const m = makeMachine(code, RAM);
    enterFlat(m, true);
    if (jit) m.cpu.setJit({ threshold: 0, hotRuns: 0 });
    m.memory.dirtyPages.fill(0);
    m.run(100000);
    const dirty = [2, 3].map((p) => m.memory.dirtyPages[p]);
    return { m, state: { regs: Array.from(m.cpu.regs), n: m.cpu.instructions, data: [0x2004, 0x3ffc].map((x) => m.memory.read32(x)), dirty } };
  };
  const a = run(false).state;
  const { m, state: b } = run(true);
  assert.deepEqual(b, a);
  assert.deepEqual(a.data, [5050, 5050], 'each iteration ran the immediate it had just stored');
  assert.deepEqual(a.dirty, [1, 1]);
  assert.ok(m.cpu.jit!.stats.wasm > 0, 'the loop was WebAssembly code');
});

test('a read-modify-write into the page of the code it is in (index or base-register operand) bails out before it stores: each iteration runs the immediate it has just incremented', () => {
  // mov ecx, 100; mov esi, CODE_BASE; mov edi, OFF; L: <RMW +1 on the immediate of the mov below>;
  // mov ebx, <imm>; add [2004h], ebx; dec ecx; jnz L; hlt
  const forms: [string, number[]][] = [
    ['add dword [esi+edi], 1', [0x83, 0x04, 0x3e, 0x01]],
    ['inc dword [esi+OFF]', [0xff, 0x46, 0x00]], // disp patched below
  ];
  for (const [name, rmw] of forms) {
    const head = [0xb9, ...le32(100), 0xbe, ...le32(CODE_BASE), 0xbf, 0, 0, 0, 0];
    const loop = [...rmw, 0xbb, 0, 0, 0, 0, 0x01, 0x1d, ...le32(0x2004), 0x49, 0x75, 0];
    const code = [...head, ...loop, 0xf4];
    const off = head.length + rmw.length + 1; // the immediate of mov ebx
    code.splice(11, 4, ...le32(off)); // mov edi, OFF
    if (rmw[0] === 0xff) code[head.length + 2] = off; // inc [esi+OFF]
    code[head.length + loop.length - 1] = (-loop.length) & 0xff;
    const run = (jit: boolean) => {
      const m = makeMachine(code, RAM);
      enterFlat(m, true);
      if (jit) m.cpu.setJit({ threshold: 0, hotRuns: 0 });
      m.run(100000);
      return { m, state: { regs: Array.from(m.cpu.regs), n: m.cpu.instructions, sum: m.memory.read32(0x2004) } };
    };
    const a = run(false).state;
    const { m, state: b } = run(true);
    assert.deepEqual(b, a, name);
    assert.equal(a.sum, 5050, name);
    assert.ok(m.cpu.jit!.stats.wasm > 0, `${name}: the loop was WebAssembly code`);
  }
});

test('accesses through one base register (push/pop, [ebx+disp], the bit string of BT/BTS) or at absolute addresses across a page end into a page mapped elsewhere: as the interpreter', () => {
  // Virtual 4000h and 5000h map to physical A000h and 6000h: an address taken as "the same page
  // as the last access through this register" across 5000h would land in the wrong frame.
  const body = [
    0x51, 0x53, 0x56, 0x57, //           L: push ecx; push ebx; push esi; push edi (ESP from 5008h down across 5000h)
    0x8b, 0x43, 0x08, //                 mov eax, [ebx+8]
    0x01, 0x43, 0x10, //                 add [ebx+10h], eax
    0x8b, 0x53, 0x0c, //                 mov edx, [ebx+0Ch]
    0x0f, 0xab, 0x7b, 0x04, //           bts [ebx+4], edi (EDI 45h: bit 5 of the byte at EBX+4+8)
    0x0f, 0xab, 0x4b, 0xfc, //           bts [ebx-4], ecx
    0x89, 0x53, 0x14, //                 mov [ebx+14h], edx
    0x5f, 0x5e, 0x58, 0x5a, //           pop edi; pop esi; pop eax; pop edx
    0x83, 0xc3, 0x04, //                 add ebx, 4 (EBX from 4FF0h up across 5000h)
    0xa1, ...le32(0x4ff8), //            mov eax, [4FF8h]
    0x01, 0x05, ...le32(0x5000), //      add [5000h], eax (absolute, the next page)
    0x89, 0x15, ...le32(0x4ffc), //      mov [4FFCh], edx (absolute, the page of 4FF8h)
    0x49, //                             dec ecx
  ];
  const code = [
    0xbc, ...le32(0x5008), 0xbb, ...le32(0x4ff0), 0xb9, ...le32(6), 0xbe, ...le32(0x11111111), 0xbf, ...le32(0x45),
    ...body, 0x75, (-(body.length + 2)) & 0xff, 0xf4, //  jnz L; hlt
  ];
  const run = (jit: boolean) => {
    const m = makeMachine(code, RAM);
    enterFlat(m, true);
    m.memory.write32(PAGE_DIR + 0x1000 + 4 * 4, 0xa000 | 7);
    m.memory.write32(PAGE_DIR + 0x1000 + 4 * 5, 0x6000 | 7);
    for (let i = 0; i < 0x1000; i++) { m.memory.write8(0xa000 + i, (i * 29) & 0xff); m.memory.write8(0x6000 + i, (i * 53) & 0xff); }
    if (jit) m.cpu.setJit({ threshold: 0, hotRuns: 0 });
    m.run(100000);
    return { m, state: { regs: Array.from(m.cpu.regs), flags: m.cpu.getEflags(), n: m.cpu.instructions, ram: Array.from(m.memory.ram.subarray(0x4000, 0xb000)) } };
  };
  const a = run(false).state;
  const { m, state: b } = run(true);
  assert.deepEqual(b, a);
  assert.equal(a.n, 5 + 6 * 20 + 1); // 19 instructions and JNZ per iteration
  assert.ok(m.cpu.jit!.stats.wasm > 0, 'the loop was WebAssembly code');
});

test('REP MOVS/STOS in WebAssembly code: counts, budgets, overlaps, page ends and DF as the interpreter (ops/string.ts)', () => {
  // mov ecx, n; mov esi, s; mov edi, t; [std]; [66] [f3] op; hlt — data around 5000h-9000h.
  const forms: number[][] = [[0xa4], [0xa5], [0x66, 0xa5], [0xaa], [0xab], [0x66, 0xab]];
  const cases: [number, number, number][] = [
    [0, 0x5000, 0x7000], [1, 0x5001, 0x7003], [5, 0x5000, 0x7000], [300, 0x5003, 0x7001], [1000, 0x5000, 0x7000],
    [1500, 0x5000, 0x7000], [3000, 0x5000, 0x7100], [40, 0x5ff0, 0x7000], [40, 0x5000, 0x7ff0], [64, 0x6000, 0x6003],
    [64, 0x6003, 0x6000], [64, 0x6000, 0x6000], [20, 0x5000, 0x1040], [2048, 0x5000, 0x7000],
  ];
  let modules = 0;
  let bails = 0;
  for (const form of forms) {
    for (const rep of [false, true]) {
      for (const [n, src, dst] of cases) {
        for (const std of [false, true]) {
          if (std && n !== 5) continue;
          const code = [0xb9, ...le32(n), 0xbe, ...le32(src), 0xbf, ...le32(dst), ...(std ? [0xfd] : []),
            ...form.slice(0, -1), ...(rep ? [0xf3] : []), form[form.length - 1], 0xf4];
          for (const [slice, paging] of [[100000, false], [100000, true], [3, true], [700, false]] as const) {
            const run = (jit: boolean) => {
              const m = makeMachine(code, RAM);
              enterFlat(m, paging);
              for (let i = 0; i < 0x5000; i++) m.memory.write8(0x5000 + i, (i * 131 + 7) & 0xff);
              m.cpu.regs[0] = 0x89abcdef;
              if (jit) m.cpu.setJit({ threshold: 0, hotRuns: 0 });
              for (let k = 0; k < 40 && !m.cpu.halted; k++) m.run(slice);
              return { m, state: { regs: Array.from(m.cpu.regs), eip: m.cpu.eip, n: m.cpu.instructions, flags: m.cpu.getEflags(),
                data: Buffer.from(m.memory.ram.subarray(0x5000, 0xa000)).toString('base64'), low: Array.from(m.memory.ram.subarray(0x1000, 0x1060)) } };
            };
            const a = run(false).state;
            const { m, state: b } = run(true);
            assert.deepEqual(b, a, `${form} rep ${rep} n ${n} src ${src.toString(16)} dst ${dst.toString(16)} std ${std} slice ${slice}`);
            modules += m.cpu.jit!.stats.wasm;
            bails += m.cpu.jit!.stats.wasmBails;
            // Without paging nothing misses a TLB: a run inside one page of each operand, upwards, never stops for the interpreter (HLT may).
            if (!paging && !std && n <= 1000 && dst >= 0x7000 && dst + 4 * n <= 0x8000 && (src & 0xfff) + 4 * n <= 0x1000) {
              assert.ok(m.cpu.jit!.stats.wasmBails <= 1, `${form} rep ${rep} n ${n}: only HLT may stop`);
            }
          }
        }
      }
    }
  }
  assert.ok(modules > 100 && bails > 0, `${modules} modules, ${bails} stops`);
});

test('REPE/REPNE CMPS and SCAS in WebAssembly code: counts, early stops, budgets, page ends and DF as the interpreter (ops/string.ts)', () => {
  // mov eax, v; mov ecx, n; mov esi, s; mov edi, t; [std]; [66] f3|f2 op; hlt. Memory 5000h-9FFFh holds 5Ah
  // but for 11h at s + x and 00h at t + x, so CMPS meets a difference and SCAS finds 00h (bytes) at offset x.
  const forms: number[][] = [[0xa6], [0xa7], [0x66, 0xa7], [0xae], [0xaf], [0x66, 0xaf]];
  const cases: [number, number, number, number][] = [
    [0, 0x5000, 0x7000, 3], [1, 0x5000, 0x7000, 0], [5, 0x5000, 0x7000, 2], [300, 0x5003, 0x7001, 200], [1500, 0x5000, 0x7000, 1400],
    [3000, 0x5000, 0x7100, 2900], [40, 0x5ff0, 0x7000, 30], [40, 0x5000, 0x7ff0, 35], [2048, 0x5000, 0x7000, 0x1800], [700, 0x5000, 0x8000, 699],
  ];
  let modules = 0;
  let inPage = 0;
  for (const form of forms) {
    for (const rep of [0xf3, 0xf2]) {
      for (const eax of [0x5a5a5a5a, 0]) {
        if (eax === 0 && (form[form.length - 1] & ~1) === 0xa6) continue; // EAX matters to SCAS only
        for (const [n, src, dst, x] of cases) {
          for (const std of [false, true]) {
            if (std && n !== 5) continue;
            const code = [0xb8, ...le32(eax), 0xb9, ...le32(n), 0xbe, ...le32(src), 0xbf, ...le32(dst), ...(std ? [0xfd] : []),
              ...form.slice(0, -1), rep, form[form.length - 1], 0xf4];
            for (const [slice, paging] of [[100000, false], [100000, true], [3, true], [700, false]] as const) {
              const run = (jit: boolean) => {
                const m = makeMachine(code, RAM);
                enterFlat(m, paging);
                m.memory.ram.fill(0x5a, 0x5000, 0xa000);
                m.memory.write8(src + x, 0x11);
                m.memory.write8(dst + x, 0);
                if (jit) m.cpu.setJit({ threshold: 0, hotRuns: 0 });
                for (let k = 0; k < 40 && !m.cpu.halted; k++) m.run(slice);
                return { m, state: { regs: Array.from(m.cpu.regs), eip: m.cpu.eip, n: m.cpu.instructions, flags: m.cpu.getEflags() } };
              };
              const a = run(false).state;
              const { m, state: b } = run(true);
              const what = `${form} rep ${rep.toString(16)} eax ${eax.toString(16)} n ${n} src ${src.toString(16)} dst ${dst.toString(16)} std ${std} slice ${slice} paging ${paging}`;
              assert.deepEqual(b, a, what);
              modules += m.cpu.jit!.stats.wasm;
              // All it could read in one page of each operand, no paging: only HLT stops the code.
              if (!paging && !std && n <= 1000 && (dst & 0xfff) + 4 * n <= 0x1000 && (src & 0xfff) + 4 * n <= 0x1000) {
                assert.ok(m.cpu.jit!.stats.wasmBails <= 1, `${what}: ${m.cpu.jit!.stats.wasmBails} stops`);
                inPage++;
              }
            }
          }
        }
      }
    }
  }
  assert.ok(modules > 100 && inPage > 20, `${modules} modules, ${inPage} runs in one page`);
});

test('a module made at CPL 0 with CLI is not entered at CPL 1: the JavaScript runs it and CLI raises #GP as in the interpreter (IOPL 0)', () => {
  // cli; inc eax; hlt — run once at CPL 0 (the module is made), then again from the start at CPL 1.
  const code = [0xfa, 0x40, 0xf4];
  const run = (jit: boolean) => {
    const m = makeMachine(code, RAM);
    enterFlat(m, false);
    if (jit) m.cpu.setJit({ threshold: 0, hotRuns: 0 });
    m.run(100);
    const first = { eax: m.cpu.regs[0], halted: m.cpu.halted };
    m.cpu.halted = false;
    m.cpu.eip = CODE_BASE;
    m.cpu.cpl = 1;
    m.cpu.updateSizes();
    m.run(100);
    return { m, state: { first, regs: Array.from(m.cpu.regs), eip: m.cpu.eip, n: m.cpu.instructions, lastVector: m.cpu.lastVector } };
  };
  const a = run(false).state;
  const { m, state: b } = run(true);
  assert.deepEqual(b, a);
  assert.equal(a.lastVector, 8, '#GP, which the machine (no IDT) turns into #DF');
  assert.equal(a.first.eax, 1);
  assert.ok(m.cpu.jit!.stats.wasm > 0, 'the CPL 0 run made a module');
});
