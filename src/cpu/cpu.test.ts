// Behaviour SingleStepTests (a 286 in real mode) cannot show: 32-bit operand and address sizes,
// i486/P6 instructions, CPUID/RDTSC, exceptions, single-stepping, interrupt shadows and REP
// restarts. Code is hand-assembled; each case cites the SDM section it checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeMachine, CODE_BASE, HANDLER_BASE } from './test-machine.js';
import { CpuExit } from './cpu.js';
import { Flag, Reg, Seg } from './state.js';
import { setSegmentRealMode } from './segments.js';

const mov32 = (reg: number, v: number) => [0x66, 0xb8 + reg, v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const HLT = 0xf4;

/** The 16-bit words an exception/interrupt pushed: [IP, CS, FLAGS]. */
function frame(m: ReturnType<typeof makeMachine>): [number, number, number] {
  const sp = m.cpu.regs[Reg.ESP] & 0xffff;
  const base = m.cpu.segBase[Seg.SS];
  return [m.memory.read16(base + sp), m.memory.read16(base + sp + 2), m.memory.read16(base + sp + 4)];
}

test('reset: CS=F000 with base FFFF0000, EIP=FFF0, EDX holds the P6 signature (SDM Vol. 3A §9.1.1)', () => {
  const m = makeMachine([]);
  m.cpu.reset();
  assert.equal(m.cpu.segSel[Seg.CS], 0xf000);
  assert.equal(m.cpu.segBase[Seg.CS] >>> 0, 0xffff0000);
  assert.equal(m.cpu.eip, 0xfff0);
  assert.equal(m.cpu.regs[Reg.EDX] >> 8, 6);
  assert.equal(m.cpu.cr[0], 0x60000010);
  assert.equal(m.cpu.getEflags(), 2);
});

test('32-bit operands via 66h: MOV, ADD, MUL, IDIV, DIV 64/32, IMUL r,r/m,imm8', () => {
  let m = makeMachine([...mov32(0, 0x12345678), ...mov32(3, 0x80000001), 0x66, 0x01, 0xd8, HLT]);
  m.run();
  assert.equal(m.cpu.regs[Reg.EAX], 0x92345679);
  assert.equal(m.cpu.getEflags() & (Flag.CF | Flag.SF | Flag.OF), Flag.SF);

  m = makeMachine([...mov32(0, 0xffffffff), ...mov32(3, 0xffffffff), 0x66, 0xf7, 0xe3, HLT]); // mul ebx
  m.run();
  assert.equal(m.cpu.regs[Reg.EDX], 0xfffffffe);
  assert.equal(m.cpu.regs[Reg.EAX], 1);
  assert.equal(m.cpu.getEflags() & (Flag.CF | Flag.OF), Flag.CF | Flag.OF);

  m = makeMachine([...mov32(2, 0xffffffff), ...mov32(0, 0xfffffff9), ...mov32(3, 2), 0x66, 0xf7, 0xfb, HLT]); // idiv ebx
  m.run();
  assert.equal(m.cpu.regs[Reg.EAX], 0xfffffffd); // -7 / 2 = -3 (truncated)
  assert.equal(m.cpu.regs[Reg.EDX], 0xffffffff); // remainder -1 has the dividend's sign

  m = makeMachine([...mov32(2, 1), ...mov32(0, 0), ...mov32(3, 0x10), 0x66, 0xf7, 0xf3, HLT]); // div ebx
  m.run();
  assert.equal(m.cpu.regs[Reg.EAX], 0x10000000);
  assert.equal(m.cpu.regs[Reg.EDX], 0);

  m = makeMachine([...mov32(3, 0x40000000), 0x66, 0x6b, 0xc3, 0xfd, HLT]); // imul eax,ebx,-3
  m.run();
  assert.equal(m.cpu.regs[Reg.EAX], (0x40000000 * -3) >>> 0);
  assert.equal(m.cpu.getEflags() & Flag.OF, Flag.OF); // truncated: CF=OF=1 (SDM Vol. 2A IMUL)
});

test('32-bit addressing via 67h: SIB with scale; offsets above FFFFh fault in real mode (SDM Vol. 3A §20.1.2)', () => {
  let m = makeMachine([...mov32(0, 0x4000), ...mov32(3, 0x800), 0x67, 0x8b, 0x0c, 0x58, HLT]); // mov cx,[eax+ebx*2]
  m.memory.write16(0x5000, 0xbeef);
  m.run();
  assert.equal(m.cpu.regs[Reg.ECX] & 0xffff, 0xbeef);

  m = makeMachine([...mov32(0, 0x10000), 0x67, 0x8b, 0x08, HLT]); // mov cx,[eax]
  m.run();
  assert.equal(m.stoppedInHandler(), 13);
  assert.equal(frame(m)[0], CODE_BASE + 6); // the faulting instruction restarts
});

test('#GP(0) for a word at offset FFFFh, #SS(0) for the stack segment (SDM Vol. 3A §20.1.2)', () => {
  let m = makeMachine([0x8b, 0x0e, 0xff, 0xff, HLT]); // mov cx,[0FFFFh]
  m.run();
  assert.equal(m.stoppedInHandler(), 13);
  assert.deepEqual(frame(m).slice(0, 2), [CODE_BASE, 0]);

  m = makeMachine([0xbd, 0xff, 0xff, 0x8b, 0x46, 0x00, HLT]); // mov bp,0FFFFh; mov ax,[bp+0]
  m.run();
  assert.equal(m.stoppedInHandler(), 12);
  assert.equal(frame(m)[0], CODE_BASE + 3);

  // PUSH with SP=1: the push faults, and so does pushing the #SS frame: #DF, then shutdown.
  m = makeMachine([0xbc, 0x01, 0x00, 0x50, HLT]);
  assert.equal(m.run(), CpuExit.Shutdown);
});

test('15-byte limit: 14 prefixes + NOP execute, one more prefix raises #GP(0) (SDM Vol. 2A §2.3.11)', () => {
  let m = makeMachine([...new Array(14).fill(0x3e), 0x90, HLT]);
  m.run();
  assert.equal(m.stoppedInHandler(), -1);
  assert.equal(m.cpu.eip, CODE_BASE + 16);
  m = makeMachine([...new Array(15).fill(0x3e), 0x90, HLT]);
  m.run();
  assert.equal(m.stoppedInHandler(), 13);
});

test('#UD: LOCK on non-lockable or register forms, UD2, group holes (SDM Vol. 2A LOCK)', () => {
  for (const code of [[0xf0, 0x90], [0xf0, 0x01, 0xc0], [0x0f, 0x0b], [0xff, 0xf8], [0x8f, 0xc8], [0xf0, 0x39, 0x07]]) {
    const m = makeMachine([...code, HLT]);
    m.run();
    assert.equal(m.stoppedInHandler(), 6, code.map((b) => b.toString(16)).join(' '));
  }
  const m = makeMachine([0xf0, 0x01, 0x07, HLT]); // lock add [bx],ax is fine
  m.run();
  assert.equal(m.stoppedInHandler(), -1);
});

test('CPUID: GenuineIntel, family 6, advertises only implemented features (FPU only with an x87 unit installed)', () => {
  let m = makeMachine([0x66, 0x31, 0xc0, 0x0f, 0xa2, HLT]);
  m.run();
  const r = m.cpu.regs;
  const s = (v: number) => String.fromCharCode(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24);
  assert.equal(s(r[Reg.EBX]) + s(r[Reg.EDX]) + s(r[Reg.ECX]), 'GenuineIntel');
  m = makeMachine([...mov32(0, 1), 0x0f, 0xa2, HLT]);
  m.run();
  assert.equal((m.cpu.regs[Reg.EAX] >> 8) & 0xf, 6);
  // DE PSE TSC MSR PAE CX8 SEP MTRR PGE CMOV PAT, and FPU FXSR with the x87 unit (SDM Vol. 2A Table 3-11)
  const bits = [2, 3, 4, 5, 6, 8, 11, 12, 13, 15, 16];
  const fpu = m.cpu.fpu !== null ? 1 | (1 << 24) : 0;
  assert.equal(m.cpu.regs[Reg.EDX], bits.reduce((a, b) => a | (1 << b), fpu));
  m = makeMachine([...mov32(0, 1), 0x0f, 0xa2, HLT]);
  m.cpu.fpu = null;
  m.run();
  assert.equal(m.cpu.regs[Reg.EDX] & 1, 0);
});

test('RDTSC counts retired instructions', () => {
  const m = makeMachine([0x0f, 0x31, 0x66, 0x89, 0xc6, 0x90, 0x90, 0x0f, 0x31, HLT]);
  m.run();
  assert.equal(m.cpu.regs[Reg.EAX] - m.cpu.regs[Reg.ESI], 4);
  assert.equal(m.cpu.regs[Reg.EDX], 0);
});

test('BSWAP, CMOVcc, SHLD/SHRD, XADD, CMPXCHG8B (SDM Vol. 2A/2B)', () => {
  let m = makeMachine([...mov32(0, 0x12345678), 0x66, 0x0f, 0xc8, HLT]);
  m.run();
  assert.equal(m.cpu.regs[Reg.EAX], 0x78563412);

  // cmp eax,ebx (1 < 2: CF=1); cmovb eax,ebx taken; cmovae ecx,ebx not taken.
  m = makeMachine([...mov32(0, 1), ...mov32(3, 2), ...mov32(1, 7), 0x66, 0x39, 0xd8, 0x66, 0x0f, 0x42, 0xc3, 0x66, 0x0f, 0x43, 0xcb, HLT]);
  m.run();
  assert.equal(m.cpu.regs[Reg.EAX], 2);
  assert.equal(m.cpu.regs[Reg.ECX], 7);

  m = makeMachine([...mov32(0, 0x12345678), ...mov32(2, 0x9abcdef0), 0x66, 0x0f, 0xa4, 0xd0, 0x08, HLT]); // shld eax,edx,8
  m.run();
  assert.equal(m.cpu.regs[Reg.EAX], 0x3456789a);
  m = makeMachine([...mov32(0, 0x12345678), ...mov32(2, 0x9abcdef0), 0x66, 0x0f, 0xac, 0xd0, 0x04, HLT]); // shrd eax,edx,4
  m.run();
  assert.equal(m.cpu.regs[Reg.EAX], 0x01234567);
  assert.equal(m.cpu.getEflags() & Flag.CF, 1); // last bit shifted out: bit 3 of 0x...78

  m = makeMachine([...mov32(0, 5), ...mov32(3, 7), 0x66, 0x0f, 0xc1, 0xd8, HLT]); // xadd eax,ebx
  m.run();
  assert.deepEqual([m.cpu.regs[Reg.EAX], m.cpu.regs[Reg.EBX]], [12, 5]);

  const c8b = [...mov32(2, 0x11111111), ...mov32(0, 0x22222222), ...mov32(1, 0x33333333), ...mov32(3, 0x44444444), 0x0f, 0xc7, 0x0e, 0x00, 0x50, HLT];
  m = makeMachine(c8b);
  m.memory.write32(0x5000, 0x22222222);
  m.memory.write32(0x5004, 0x11111111);
  m.run();
  assert.deepEqual([m.memory.read32(0x5000), m.memory.read32(0x5004)], [0x44444444, 0x33333333]);
  assert.equal(m.cpu.getEflags() & Flag.ZF, Flag.ZF);
  m = makeMachine(c8b);
  m.memory.write32(0x5000, 0xaaaaaaaa);
  m.memory.write32(0x5004, 0xbbbbbbbb);
  m.run();
  assert.deepEqual([m.cpu.regs[Reg.EAX], m.cpu.regs[Reg.EDX]], [0xaaaaaaaa, 0xbbbbbbbb]);
  assert.equal(m.cpu.getEflags() & Flag.ZF, 0);
});

test('#DE is a fault (IP of DIV pushed); INTO and BOUND raise #OF and #BR', () => {
  let m = makeMachine([0xb3, 0x00, 0xf6, 0xf3, HLT]); // mov bl,0; div bl
  m.run();
  assert.equal(m.stoppedInHandler(), 0);
  assert.equal(frame(m)[0], CODE_BASE + 2);

  m = makeMachine([0xb0, 0x7f, 0x04, 0x01, 0xce, HLT]); // mov al,7Fh; add al,1 (OF); into
  m.run();
  assert.equal(m.stoppedInHandler(), 4);
  assert.equal(frame(m)[0], CODE_BASE + 5); // INTO is a trap: next instruction

  m = makeMachine([0xb8, 0x10, 0x00, 0x62, 0x06, 0x00, 0x50, HLT]); // mov ax,10h; bound ax,[5000h]
  m.memory.write16(0x5000, 0);
  m.memory.write16(0x5002, 0x0f);
  m.run();
  assert.equal(m.stoppedInHandler(), 5);
  assert.equal(frame(m)[0], CODE_BASE + 3); // #BR is a fault
});

test('TF: #DB after the first instruction executed with TF=1, not after the POPF that set it (SDM Vol. 3A §17.3.1.4)', () => {
  // pushf; pop ax; or ax,100h; push ax; popf; nop; nop
  const m = makeMachine([0x9c, 0x58, 0x0d, 0x00, 0x01, 0x50, 0x9d, 0x90, 0x90, HLT]);
  m.run();
  assert.equal(m.stoppedInHandler(), 1);
  const [ip, , flags] = frame(m);
  assert.equal(ip, CODE_BASE + 8); // after the first NOP
  assert.equal(flags & Flag.TF, Flag.TF);
  assert.equal(m.cpu.getEflags() & Flag.TF, 0); // the handler runs with TF clear
  assert.equal((m.cpu.dr[6] >> 14) & 1, 1); // DR6.BS
});

test('interrupt shadow: none between STI and the next instruction, nor after MOV SS (SDM Vol. 3A §6.8.3)', () => {
  let m = makeMachine([0xfb, 0x90, 0x90, HLT]); // sti; nop; nop with a request already pending
  m.interrupts.pending.push(0x20);
  m.run();
  assert.equal(m.stoppedInHandler(), 0x20);
  assert.equal(frame(m)[0], CODE_BASE + 2);

  m = makeMachine([0x8e, 0xd0, 0x90, 0x90, HLT]); // mov ss,ax; nop; nop
  m.cpu.setEflags(Flag.IF);
  m.interrupts.onPoll = () => {
    // Raised at the second poll: with the shadow that is after the NOP, without it after MOV SS.
    if (m.interrupts.polls === 2) m.interrupts.pending.push(0x21);
  };
  m.run();
  assert.equal(m.stoppedInHandler(), 0x21);
  assert.equal(frame(m)[0], CODE_BASE + 3); // taken after the NOP, not right after MOV SS
});

test('REP MOVSB is interrupted by an external interrupt and resumes where it stopped', () => {
  const n = 3000;
  const m = makeMachine([0xf3, 0xa4, HLT]);
  // Vector 40h handler at 0:4000h: mov [cs:500h],cx; iret.
  m.memory.writeBytes(0x4000, Uint8Array.from([0x2e, 0x89, 0x0e, 0x00, 0x05, 0xcf]));
  m.memory.write16(0x40 * 4, 0x4000);
  m.memory.write16(0x40 * 4 + 2, 0);
  for (let i = 0; i < n; i++) m.memory.write8(0x10000 + i, (i * 7) & 0xff);
  setSegmentRealMode(m.cpu, Seg.DS, 0x1000);
  setSegmentRealMode(m.cpu, Seg.ES, 0x2000);
  m.cpu.regs[Reg.ECX] = n;
  m.cpu.regs[Reg.ESI] = 0;
  m.cpu.regs[Reg.EDI] = 0;
  m.cpu.setEflags(Flag.IF);
  m.interrupts.onPoll = () => {
    if (m.interrupts.polls === 2) m.interrupts.pending.push(0x40);
  };
  assert.equal(m.run(), CpuExit.Halted);
  assert.equal(m.cpu.eip, CODE_BASE + 3); // stopped at the HLT after the REP
  const cxInHandler = m.memory.read16(0x500);
  assert.ok(cxInHandler > 0 && cxInHandler < n, `CX seen by the handler: ${cxInHandler}`);
  assert.equal(m.cpu.regs[Reg.ECX] & 0xffff, 0);
  for (let i = 0; i < n; i++) assert.equal(m.memory.read8(0x20000 + i), (i * 7) & 0xff);
});

test('HLT returns Halted; an interrupt wakes the CPU with the address after HLT pushed', () => {
  const m = makeMachine([0xfb, HLT, 0x90, HLT]);
  assert.equal(m.run(), CpuExit.Halted);
  assert.equal(m.run(), CpuExit.Halted); // nothing pending: stays halted
  m.interrupts.pending.push(0x30);
  m.run();
  assert.equal(m.stoppedInHandler(), 0x30);
  assert.equal(frame(m)[0], CODE_BASE + 2);
});

test('ENTER with nesting level 2 copies the outer frame pointer (SDM Vol. 2A ENTER)', () => {
  const m = makeMachine([0xbd, 0x00, 0x70, 0xc8, 0x08, 0x00, 0x02, HLT]); // mov bp,7000h; enter 8,2
  m.memory.write16(0x6ffe, 0x1234);
  m.run();
  const r = m.cpu.regs;
  assert.equal(r[Reg.EBP] & 0xffff, 0x7ffe);
  assert.equal(r[Reg.ESP] & 0xffff, 0x7ff2);
  assert.deepEqual([m.memory.read16(0x7ffe), m.memory.read16(0x7ffc), m.memory.read16(0x7ffa)], [0x7000, 0x1234, 0x7ffe]);
});

test('x87 escapes without an FPU: no effect, but CR0.EM raises #NM (SDM Vol. 3A §2.5 Table 2-2)', () => {
  let m = makeMachine([0xd8, 0x06, 0x00, 0x50, HLT]); // fadd dword [5000h]
  m.cpu.fpu = null;
  m.run();
  assert.equal(m.stoppedInHandler(), -1);
  m = makeMachine([0xd8, 0x06, 0x00, 0x50, HLT]);
  m.cpu.fpu = null;
  m.cpu.cr[0] |= 4;
  m.run();
  assert.equal(m.stoppedInHandler(), 7);
});

test('save/restore round-trips the CPU state', () => {
  const m = makeMachine([...mov32(0, 0xcafe), HLT]);
  m.run();
  const s = JSON.parse(JSON.stringify(m.cpu.saveState()));
  const n = makeMachine([]);
  n.cpu.loadState(s);
  assert.equal(n.cpu.regs[Reg.EAX], 0xcafe);
  assert.equal(n.cpu.eip, m.cpu.eip);
  assert.equal(n.cpu.instructions, m.cpu.instructions);
  assert.equal(HANDLER_BASE, 0x3000);
});

test('code runs from ROM pages; a store into the next instruction takes effect (SDM Vol. 3A §8.1.3)', () => {
  // RAM: mov byte [cs:1009h],42h; mov al,0 (its immediate at 1009h is overwritten); jmp far F000:0
  const m = makeMachine([0x2e, 0xc6, 0x06, 0x09, 0x10, 0x42, 0x90, 0x90, 0xb0, 0x00, 0xea, 0x00, 0x00, 0x00, 0xf0]);
  const rom = new Uint8Array(0x10000);
  rom.set([0x88, 0xc4, 0xb0, 0x07, HLT]); // mov ah,al; mov al,7; hlt
  m.memory.mapRom(0xf0000, rom, 'test-rom');
  m.run();
  assert.equal(m.cpu.regs[Reg.EAX] & 0xffff, 0x4207);
  assert.equal(m.cpu.segSel[Seg.CS], 0xf000);
  assert.equal(m.cpu.eip, 5);
});

test('fetch window: a near jump from a ROM page back to a lower RAM page fetches the RAM bytes', () => {
  const m = makeMachine([]);
  const rom = new Uint8Array(0x10000);
  rom.set([0xb0, 0x05, 0xe9, 0xfe, 0xef]); // F000:0 = EF00:1000: mov al,5; jmp near EF00:0003
  m.memory.mapRom(0xf0000, rom, 'test-rom');
  m.memory.writeBytes(0xef000, Uint8Array.from([0xe9, 0xfd, 0x0f, HLT])); // jmp near 1000h; (0003) hlt
  setSegmentRealMode(m.cpu, Seg.CS, 0xef00);
  m.cpu.eip = 0;
  assert.equal(m.run(), CpuExit.Halted);
  assert.equal(m.cpu.eip, 4);
  assert.equal(m.cpu.regs[Reg.EAX] & 0xff, 5);
});

test('a CPU on 3.5 GiB of RAM: its dword view covers all of it (lengths above 2^31 stay unsigned)', () => {
  const m = makeMachine([0xf4], 0xe0000000);
  assert.equal(m.cpu.ram32.length, 0xe0000000 / 4);
  m.memory.write32(0xdffffffc, 0x01020304);
  assert.equal(m.cpu.ram32[0xdffffffc / 4], 0x01020304);
  assert.equal(m.run(10), CpuExit.Halted);
});
