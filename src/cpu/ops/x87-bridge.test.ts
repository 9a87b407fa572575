// The x87 unit inside the CPU: real instruction bytes (assembled with nasm, 16-bit, org 1000h)
// run through the interpreter. Checks operand addressing through segments, FNSTSW AX,
// FCOMI/FCMOVcc against EFLAGS, #NM (CR0.EM/TS/MP), deferred error reporting (#MF with
// CR0.NE=1, FERR#/IGNNE# with NE=0), FXSAVE/FXRSTOR, restartable faulting stores and save/restore.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeMachine, CODE_BASE } from '../test-machine.js';
import { CpuExit } from '../cpu.js';
import { Flag, Reg, Seg } from '../state.js';
import { refreshSegAccess } from '../segments.js';
import { BaseIrqLine } from '../../bus/irq.js';
import { X87Bridge, escUndefined } from './x87-bridge.js';
import { X87, X87_UD } from '../fpu/x87.js';

type M = ReturnType<typeof makeMachine>;
const HLT = 0xf4;
const NE = 0x20;

function bridge(m: M): X87Bridge {
  assert.ok(m.cpu.fpu instanceof X87Bridge);
  return m.cpu.fpu;
}

/** IP pushed by the last real-mode exception/interrupt (top of the stack). */
function pushedIp(m: M): number {
  return m.memory.read16(m.cpu.segBase[Seg.SS] + (m.cpu.regs[Reg.ESP] & 0xffff));
}

function read64(m: M, a: number): bigint {
  return (BigInt(m.memory.read32(a + 4)) << 32n) | BigInt(m.memory.read32(a));
}

const PI_SIG = 0xc90fdaa22168c235n;

test('power-up x87 state: CW 0040h, SW 0, TW 5555h (SDM Vol. 3A §9.1.1 Table 9-1); CPUID reports FPU and FXSR', () => {
  const m = makeMachine([0x66, 0xb8, 1, 0, 0, 0, 0x0f, 0xa2, HLT]); // mov eax,1; cpuid
  const f = bridge(m).unit;
  assert.equal(f.cw, 0x0040);
  assert.equal(f.statusWord, 0);
  assert.equal(f.tagWord(), 0x5555);
  m.run();
  assert.equal(m.cpu.regs[Reg.EDX] & 1, 1); // FPU (SDM Vol. 2A CPUID Table 3-11)
  assert.equal((m.cpu.regs[Reg.EDX] >>> 24) & 1, 1); // FXSR
  assert.equal((m.cpu.regs[Reg.EDX] >>> 25) & 1, 0); // no SSE
});

test('FLD/FADD/FSTP address memory through ES/FS overrides and 32-bit addressing; FNSTSW AX', () => {
  // mov ax,200h; mov es,ax; mov ax,300h; mov fs,ax; fninit; fld dword [es:10h];
  // fadd qword [fs:20h]; fstp qword [es:30h]; a32 fld dword [es:ebx+10h]; fnstsw ax; hlt
  const m = makeMachine([
    0xb8, 0x00, 0x02, 0x8e, 0xc0, 0xb8, 0x00, 0x03, 0x8e, 0xe0, 0xdb, 0xe3, 0x26, 0xd9, 0x06, 0x10, 0x00, 0x64, 0xdc,
    0x06, 0x20, 0x00, 0x26, 0xdd, 0x1e, 0x30, 0x00, 0x26, 0x67, 0xd9, 0x43, 0x10, 0xdf, 0xe0, HLT,
  ]);
  m.memory.write32(0x2010, 0x3fc00000); // 1.5f
  m.memory.write32(0x3020, 0);
  m.memory.write32(0x3024, 0x40020000); // 2.25
  m.memory.write32(0x2110, 0xc0000000); // -2.0f
  m.cpu.regs[Reg.EBX] = 0x100;
  m.run();
  assert.equal(m.stoppedInHandler(), -1);
  assert.equal(read64(m, 0x2030), 0x400e000000000000n); // 3.75
  const f = bridge(m).unit;
  assert.deepEqual(f.st(0), { se: 0xc000, sig: 0x8000000000000000n });
  assert.equal(m.cpu.r16[0], 0x3800); // TOP=7, no exceptions (SDM Vol. 1 §8.1.3)
});

test('FCOMI/FUCOMIP write ZF/PF/CF and clear OF/SF/AF over lazily held flags (SDM Vol. 2A FCOMI)', () => {
  // fninit; fld1; fld dword [500h]; mov al,7Fh; add al,1; fcomi st0,st1; pushf;
  // fld dword [504h]; fucomip st0,st1; pushf; hlt
  const m = makeMachine([
    0xdb, 0xe3, 0xd9, 0xe8, 0xd9, 0x06, 0x00, 0x05, 0xb0, 0x7f, 0x04, 0x01, 0xdb, 0xf1, 0x9c, 0xd9, 0x06, 0x04, 0x05,
    0xdf, 0xe9, 0x9c, HLT,
  ]);
  m.memory.write32(0x500, 0x3f000000); // 0.5
  m.memory.write32(0x504, 0x7fc00000); // QNaN
  m.run();
  const arith = Flag.CF | Flag.PF | Flag.AF | Flag.ZF | Flag.SF | Flag.OF;
  assert.equal(m.memory.read16(0x7ffe) & arith, Flag.CF); // 0.5 < 1
  assert.equal(m.memory.read16(0x7ffc) & arith, Flag.ZF | Flag.PF | Flag.CF); // unordered
  const f = bridge(m).unit;
  assert.equal(f.statusWord & 1, 0); // FUCOMI: a QNaN is not invalid
  assert.equal(f.top, 6); // FUCOMIP popped
});

test('FCMOVcc reads CF/ZF from lazily evaluated flags (SDM Vol. 2A FCMOVcc)', () => {
  const m = makeMachine([
    0xdb, 0xe3, 0xd9, 0xe8, 0xd9, 0xee, 0xb0, 0x01, 0x3c, 0x02, 0xdb, 0xc1, 0xd9, 0x1e, 0x00, 0x06, 0xd9, 0xee, 0x3c,
    0x02, 0xda, 0xc1, 0xd9, 0x1e, 0x04, 0x06, 0xd9, 0xee, 0x3c, 0x01, 0xda, 0xc9, 0xd9, 0x1e, 0x08, 0x06, 0xd9, 0xee,
    0x3c, 0x01, 0xdb, 0xc9, 0xd9, 0x1e, 0x0c, 0x06, HLT,
  ]);
  m.run();
  // cmp 1,2 → CF: fcmovnb stays 0, fcmovb moves 1; cmp 1,1 → ZF: fcmove moves, fcmovne stays.
  assert.deepEqual([0x600, 0x604, 0x608, 0x60c].map((a) => m.memory.read32(a)), [0, 0x3f800000, 0x3f800000, 0]);
});

test('#NM: CR0.EM or TS for ESC (non-waiting ones too); WAIT only with TS and MP (SDM Vol. 3A §2.5 Table 2-2)', () => {
  const cases: [number[], number, number][] = [
    [[0xd9, 0xe8, HLT], 0x4, 7], // EM: fld1
    [[0xd9, 0xe8, HLT], 0x8, 7], // TS: fld1
    [[0xdb, 0xe3, HLT], 0x8, 7], // TS: fninit
    [[0x9b, HLT], 0x8, -1], // TS, MP=0: wait runs
    [[0x9b, HLT], 0xa, 7], // TS+MP: wait faults
    [[0x9b, HLT], 0x4, -1], // EM only: wait runs
    [[0x0f, 0xae, 0x06, 0x00, 0x04, HLT], 0x8, 7], // TS: fxsave
  ];
  for (const [code, cr0, vector] of cases) {
    const m = makeMachine(code);
    m.cpu.cr[0] |= cr0;
    m.run();
    assert.equal(m.stoppedInHandler(), vector, `cr0 bits ${cr0.toString(16)}, code ${code}`);
    if (vector === 7) assert.equal(pushedIp(m), CODE_BASE);
  }
});

test('#MF (CR0.NE=1) at the next waiting instruction, EIP at its prefix; FNSTSW does not check (SDM Vol. 1 §8.7.1)', () => {
  // fninit; fldcw [500h]; fld1; fldz; fdivp st1,st0; fnstsw ax; nop; ds fld1; hlt
  const code = [0xdb, 0xe3, 0xd9, 0x2e, 0x00, 0x05, 0xd9, 0xe8, 0xd9, 0xee, 0xde, 0xf9, 0xdf, 0xe0, 0x90, 0x3e, 0xd9, 0xe8, HLT];
  const m = makeMachine(code);
  m.memory.write16(0x500, 0x037b); // ZE unmasked
  m.cpu.cr[0] |= NE;
  m.run();
  assert.equal(m.stoppedInHandler(), 16);
  assert.equal(pushedIp(m), CODE_BASE + 0x0f);
  // B, TOP=6 (an unmasked #Z leaves the stack unchanged: no pop, SDM Vol. 1 §8.5.3), ES, ZE
  assert.equal(m.cpu.r16[0], 0xb084);
  assert.equal(bridge(m).unit.top, 6); // the FLD1 did not run

  // WAIT delivers it too: fninit; fldcw; fld1; fldz; fdivp; wait; hlt
  const w = makeMachine([0xdb, 0xe3, 0xd9, 0x2e, 0x00, 0x05, 0xd9, 0xe8, 0xd9, 0xee, 0xde, 0xf9, 0x9b, HLT]);
  w.memory.write16(0x500, 0x037b);
  w.cpu.cr[0] |= NE;
  w.run();
  assert.equal(w.stoppedInHandler(), 16);
  assert.equal(pushedIp(w), CODE_BASE + 0x0c);
});

test('an undefined ESC encoding is #UD even with an exception pending (SDM Vol. 3A, FPU opcode compatibility)', () => {
  // fninit; fldcw [500h]; fld1; fldz; fdivp st1,st0; db D9h,D1h; hlt
  const m = makeMachine([0xdb, 0xe3, 0xd9, 0x2e, 0x00, 0x05, 0xd9, 0xe8, 0xd9, 0xee, 0xde, 0xf9, 0xd9, 0xd1, HLT]);
  m.memory.write16(0x500, 0x037b);
  m.cpu.cr[0] |= NE;
  m.run();
  assert.equal(m.stoppedInHandler(), 6);
});

/** An IRQ13 input that records its level and, if asked, queues vector 75h at the "PIC". */
class Irq13 extends BaseIrqLine {
  level = false;
  rises = 0;
  constructor(private readonly m: M, private readonly deliver: boolean) {
    super();
  }
  set(level: boolean): void {
    if (level && !this.level) {
      this.rises++;
      if (this.deliver) this.m.interrupts.pending.push(0x75);
    }
    this.level = level;
  }
}

// fninit; fldcw [500h]; fld1; fldz; fdivp st1,st0; (100Ch) fld1; fstp dword [600h]; hlt;
// (1013h) handler: fnclex; iret
const FERR_CODE = [
  0xdb, 0xe3, 0xd9, 0x2e, 0x00, 0x05, 0xd9, 0xe8, 0xd9, 0xee, 0xde, 0xf9, 0xd9, 0xe8, 0xd9, 0x1e, 0x00, 0x06, HLT,
  0xdb, 0xe2, 0xcf,
];

function ferrMachine(deliver: boolean): { m: M; line: Irq13 } {
  const m = makeMachine(FERR_CODE);
  m.memory.write16(0x500, 0x037b);
  m.memory.write16(0x75 * 4, CODE_BASE + 0x13);
  const line = new Irq13(m, deliver);
  m.cpu.ferr = line;
  return { m, line };
}

test('CR0.NE=0: FERR# at the end of the faulting instruction, the CPU freezes before the next waiting one (SDM Vol. 1 App. D.2)', () => {
  const { m, line } = ferrMachine(false);
  assert.equal(m.run(), CpuExit.Halted);
  assert.equal(line.rises, 1);
  assert.equal(m.cpu.eip, CODE_BASE + 0x0c); // frozen at the FLD1, which has not run
  assert.equal(bridge(m).unit.top, 6);
  // IRQ13 arrives (IF=1): the handler clears the exception, IRET restarts the FLD1.
  m.cpu.setEflags(m.cpu.getEflags() | Flag.IF);
  m.interrupts.pending.push(0x75);
  m.run();
  assert.equal(m.memory.read32(0x600), 0x3f800000);
  assert.equal(bridge(m).ferrAsserted, false);
  assert.equal(m.stoppedInHandler(), -1);
});

test('CR0.NE=0 with interrupts on: IRQ13 runs the handler before the next x87 instruction', () => {
  const { m, line } = ferrMachine(true);
  m.cpu.setEflags(m.cpu.getEflags() | Flag.IF);
  m.run();
  assert.equal(line.rises, 1);
  assert.equal(m.memory.read32(0x600), 0x3f800000);
  assert.equal(bridge(m).unit.statusWord & 0x80, 0);
});

test('port 0xF0 (clearError): IRQ13 latch cleared, IGNNE# lets waiting instructions run until ES clears', () => {
  const { m, line } = ferrMachine(false);
  m.run();
  const b = bridge(m);
  b.clearError(m.cpu);
  assert.equal(line.level, false);
  assert.equal(b.ignne, true);
  m.cpu.halted = false;
  m.run();
  assert.equal(m.memory.read32(0x600), 0x3f800000); // ran despite ES
  assert.equal(b.unit.statusWord & 0x80, 0x80); // the error is still pending
});

test('FXSAVE image (SDM Vol. 2A FXSAVE Table 3-53), FXRSTOR, CR4.OSFXSR, #GP on a misaligned operand', () => {
  // fninit; fld1; fldpi; fxsave [400h]; fninit; fxrstor [400h]; fstp tword [700h];
  // mov eax,cr4; or eax,200h; mov cr4,eax; (1022h) fxsave [408h]; hlt
  const m = makeMachine([
    0xdb, 0xe3, 0xd9, 0xe8, 0xd9, 0xeb, 0x0f, 0xae, 0x06, 0x00, 0x04, 0xdb, 0xe3, 0x0f, 0xae, 0x0e, 0x00, 0x04, 0xdb,
    0x3e, 0x00, 0x07, 0x0f, 0x20, 0xe0, 0x66, 0x0d, 0x00, 0x02, 0x00, 0x00, 0x0f, 0x22, 0xe0, 0x0f, 0xae, 0x06, 0x08,
    0x04, HLT,
  ]);
  m.memory.writeBytes(0x400, new Uint8Array(512).fill(0xaa));
  m.cpu.cr[4] = 0x200; // OSFXSR: MXCSR and XMM are part of the image
  m.run();
  const mem = m.memory;
  assert.equal(mem.read16(0x400), 0x037f); // FCW
  assert.equal(mem.read16(0x402), 0x3000); // FSW: TOP=6
  assert.equal(mem.read8(0x404), 0xc0); // abridged tags: physical registers 6 and 7 valid
  assert.equal(mem.read16(0x406), 0x1eb); // FOP of FLDPI (D9 EB)
  assert.equal(mem.read32(0x408), CODE_BASE + 4); // FIP
  assert.equal(mem.read32(0x418), 0x1f80); // MXCSR
  assert.equal(read64(m, 0x420), PI_SIG); // ST0
  assert.equal(mem.read16(0x428), 0x4000);
  assert.equal(read64(m, 0x430), 0x8000000000000000n); // ST1 = 1.0
  assert.equal(mem.read16(0x438), 0x3fff);
  for (let a = 0x4a0; a < 0x520; a += 4) assert.equal(mem.read32(a), 0, `XMM byte ${a - 0x400}`);
  assert.equal(mem.read32(0x520), 0xaaaaaaaa); // reserved area untouched
  assert.equal(read64(m, 0x700), PI_SIG); // FXRSTOR brought ST0 back
  assert.equal(m.cpu.cr[4] & 0x200, 0x200);
  assert.equal(m.stoppedInHandler(), 13);
  assert.equal(pushedIp(m), CODE_BASE + 0x22);

  // Without OSFXSR only the x87 part is written. fxsave [400h]; hlt
  const n = makeMachine([0x0f, 0xae, 0x06, 0x00, 0x04, HLT]);
  n.memory.writeBytes(0x400, new Uint8Array(512).fill(0xaa));
  n.run();
  assert.equal(n.memory.read16(0x400), 0x0040); // power-up FCW
  assert.equal(n.memory.read32(0x418), 0xaaaaaaaa);
  assert.equal(n.memory.read32(0x4a0), 0xaaaaaaaa);
});

test('a faulting FSTP m64 writes nothing and leaves the x87 state as it was (restartable; SDM Vol. 3A §6.5)', () => {
  // mov ax,500h; mov es,ax; fninit; fld1; fldpi; fstp qword [es:1000h]; hlt
  const m = makeMachine([0xb8, 0x00, 0x05, 0x8e, 0xc0, 0xdb, 0xe3, 0xd9, 0xe8, 0xd9, 0xeb, 0x26, 0xdd, 0x1e, 0x00, 0x10, HLT]);
  m.cpu.segLimit[Seg.ES] = 0x1003; // the first dword fits, the second does not
  refreshSegAccess(m.cpu, Seg.ES);
  m.memory.writeBytes(0x6000, new Uint8Array(8).fill(0xaa));
  m.run();
  assert.equal(m.stoppedInHandler(), 13); // #GP(0): limit violation (SDM Vol. 3A §5.3)
  assert.equal(pushedIp(m), CODE_BASE + 0x0b);
  assert.equal(read64(m, 0x6000), 0xaaaaaaaaaaaaaaaan);
  const f = bridge(m).unit;
  assert.equal(f.statusWord, 0x3000);
  assert.deepEqual(f.st(0), { se: 0x4000, sig: PI_SIG });
  assert.equal(f.fop, 0x1eb); // pointers still those of FLDPI
  assert.equal(f.fip, CODE_BASE + 9);
});

test('FPU instruction and operand pointers: CS:IP of the first prefix, the operand address (SDM Vol. 1 §8.1.8)', () => {
  // mov ax,200h; mov es,ax; fninit; nop; (1008h) es fadd dword [10h]; fnstenv [800h]; hlt
  const m = makeMachine([0xb8, 0x00, 0x02, 0x8e, 0xc0, 0xdb, 0xe3, 0x90, 0x26, 0xd8, 0x06, 0x10, 0x00, 0xd9, 0x36, 0x00, 0x08, HLT]);
  m.run();
  // 16-bit real-mode environment (SDM Vol. 1 Figure 8-11): linear FIP/FDP, FOP.
  assert.equal(m.memory.read16(0x806), CODE_BASE + 8);
  assert.equal(m.memory.read16(0x808), 0x006); // D8 06 → FOP 006h, FIP bits 19:16 = 0
  assert.equal(m.memory.read16(0x80a), 0x2010);
});

test('CPU saveState/loadState carries the x87 registers, control and status words', () => {
  const m = makeMachine([0xdb, 0xe3, 0xd9, 0xe8, 0xd9, 0xeb, HLT]); // fninit; fld1; fldpi
  m.run();
  const s = JSON.parse(JSON.stringify(m.cpu.saveState()));
  const n = makeMachine([]);
  n.cpu.loadState(s);
  const f = bridge(n).unit;
  assert.equal(f.cw, 0x037f);
  assert.equal(f.top, 6);
  assert.deepEqual(f.st(0), { se: 0x4000, sig: PI_SIG });
  assert.deepEqual(f.st(1), { se: 0x3fff, sig: 0x8000000000000000n });
  assert.equal(f.tagWord(), 0x0fff);
});

test('a store split across pages checks both pages first: #PF on the second writes nothing (SDM Vol. 3A §4.7)', () => {
  // fninit; fld1; fldpi; fstp qword [8FFCh]; hlt — 16-bit code, protected mode with paging
  const m = makeMachine([0xdb, 0xe3, 0xd9, 0xe8, 0xd9, 0xeb, 0xdd, 0x1e, 0xfc, 0x8f, HLT]);
  const mem = m.memory;
  mem.write32(0x508, 0x0000ffff); // GDT 08h: flat 32-bit code
  mem.write32(0x50c, 0x00cf9a00);
  mem.write32(0x600 + 14 * 8, (0x08 << 16) | 0x2100); // IDT 14: interrupt gate → 08h:2100h (HLT)
  mem.write32(0x600 + 14 * 8 + 4, 0x8e00);
  mem.write8(0x2100, HLT);
  mem.write32(0x10000, 0x11000 | 3); // PDE 0 → page table; PTEs identity, page 9 not present
  for (let i = 0; i < 256; i++) mem.write32(0x11000 + i * 4, i === 9 ? 0 : (i << 12) | 3);
  mem.writeBytes(0x8ffc, new Uint8Array(4).fill(0xaa));
  const c = m.cpu;
  c.gdtrBase = 0x500;
  c.gdtrLimit = 0x0f;
  c.idtrBase = 0x600;
  c.idtrLimit = 0x7ff;
  c.cr[3] = 0x10000;
  c.cr[0] |= 0x80000001; // PE, PG: the real-mode segment caches stay in use
  c.modeChanged();
  m.run();
  assert.equal(c.lastVector, 14);
  assert.equal(c.cr[2], 0x9000);
  assert.equal(mem.read32(0x8ffc), 0xaaaaaaaa);
  const f = bridge(m).unit;
  assert.equal(f.top, 6);
  assert.deepEqual(f.st(0), { se: 0x4000, sig: PI_SIG });
});

test('escUndefined() (checked before pending errors) agrees with the x87 unit on every D8-DF encoding', () => {
  const mem = { read8: () => 0, read16: () => 0, read32: () => 0, write8: () => {}, write16: () => {}, write32: () => {} };
  for (let op = 0xd8; op <= 0xdf; op++) {
    for (let modrm = 0; modrm < 256; modrm++) {
      if (modrm < 0xc0 && (modrm & 0xc7) !== 0x06) continue; // one memory form per reg is enough
      const f = new X87();
      const ud = f.execute(op, modrm, 0x100, mem, false, true) === X87_UD;
      assert.equal(escUndefined(op, modrm), ud, `${op.toString(16)} ${modrm.toString(16)}`);
    }
  }
});

test('a faulting x87 load leaves the stack and the FPU pointers of the last completed instruction', () => {
  // fninit; fldpi; fld qword [0FFFCh]; hlt — the operand runs past the 64 KiB limit: #GP(0)
  const m = makeMachine([0xdb, 0xe3, 0xd9, 0xeb, 0xdd, 0x06, 0xfc, 0xff, HLT]);
  m.run();
  assert.equal(m.stoppedInHandler(), 13);
  assert.equal(pushedIp(m), CODE_BASE + 4);
  const f = bridge(m).unit;
  assert.equal(f.top, 7);
  assert.equal(f.fop, 0x1eb); // FLDPI's
  assert.equal(f.fip, CODE_BASE + 2);
  assert.equal(f.fdp, 0);
});

test('without an x87 (cpu.fpu = null): CPUID clears FPU and FXSR, FXSAVE is #UD (SDM Vol. 2A FXSAVE)', () => {
  const m = makeMachine([0x66, 0xb8, 1, 0, 0, 0, 0x0f, 0xa2, 0x0f, 0xae, 0x06, 0x00, 0x04, HLT]); // cpuid; fxsave [400h]
  m.cpu.fpu = null;
  m.run();
  assert.equal(m.cpu.regs[Reg.EDX] & (1 | (1 << 24)), 0);
  assert.equal(m.stoppedInHandler(), 6);
});
