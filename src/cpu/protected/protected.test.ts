// Entering protected mode, descriptor loads with their checks, an interrupt gate and IRETD
// (SDM Vol. 3A §9.9.1 "Switching to Protected Mode", §5.5-5.7, §6.12; Vol. 2 MOV/IRET).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeMachine } from '../test-machine.js';
import { Reg, Seg } from '../state.js';

/** Writes a segment descriptor: base, 20-bit limit, access byte, flags nibble (G D/B L AVL). */
function desc(m: ReturnType<typeof makeMachine>, at: number, base: number, limit: number, access: number, flags: number): void {
  m.memory.write32(at, ((base & 0xffff) << 16) | (limit & 0xffff));
  m.memory.write32(at + 4, (base & 0xff000000) | ((flags & 0xf) << 20) | (limit & 0xf0000) | (access << 8) | ((base >>> 16) & 0xff));
}

/** A 32-bit interrupt gate (type 0Eh, present, DPL 0) for `vector`. */
function gate(m: ReturnType<typeof makeMachine>, idt: number, vector: number, sel: number, off: number): void {
  m.memory.write32(idt + vector * 8, (sel << 16) | (off & 0xffff));
  m.memory.write32(idt + vector * 8 + 4, (off & 0xffff0000) | 0x8e00);
}

// Real-mode prologue at 0000:1000: lgdt [4F0h]; lidt [4F8h]; mov eax,cr0; or al,1; mov cr0,eax;
// jmp dword 08h:101Ah — then 32-bit code follows at 101Ah.
const PROLOGUE = [
  0x0f, 0x01, 0x16, 0xf0, 0x04, 0x0f, 0x01, 0x1e, 0xf8, 0x04, 0x0f, 0x20, 0xc0, 0x0c, 0x01, 0x0f, 0x22, 0xc0,
  0x66, 0xea, 0x1a, 0x10, 0x00, 0x00, 0x08, 0x00,
];

function pmMachine(code32: number[]) {
  const m = makeMachine([...PROLOGUE, ...code32, 0xf4]);
  desc(m, 0x508, 0, 0xfffff, 0x9a, 0xc); // 08: flat 32-bit code, DPL 0
  desc(m, 0x510, 0, 0xfffff, 0x92, 0xc); // 10: flat data
  desc(m, 0x518, 0, 0xfffff, 0x12, 0xc); // 18: data, not present
  desc(m, 0x520, 0, 0xfffff, 0xf2, 0xc); // 20: data, DPL 3
  m.memory.write16(0x4f0, 0x27);
  m.memory.write32(0x4f2, 0x500);
  m.memory.write16(0x4f8, 0x7ff);
  m.memory.write32(0x4fa, 0x600);
  gate(m, 0x600, 0x40, 0x08, 0x2000);
  m.memory.writeBytes(0x2000, Uint8Array.from([0xbb, 0x34, 0x12, 0x00, 0x00, 0xcf])); // mov ebx,1234h; iretd
  for (const v of [11, 12, 13, 14]) {
    gate(m, 0x600, v, 0x08, 0x2100 + v);
    m.memory.write8(0x2100 + v, 0xf4);
  }
  return m;
}

// mov ax,10h; mov ds,ax; mov ss,ax; mov esp,8000h
const SETUP = [0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd8, 0x8e, 0xd0, 0xbc, 0x00, 0x80, 0x00, 0x00];

test('protected mode: far JMP loads a 32-bit CS, data segments get base/limit from the GDT, accessed bit set', () => {
  const m = pmMachine([...SETUP, 0xcd, 0x40]); // int 40h
  m.run();
  const c = m.cpu;
  assert.equal(c.protectedMode, true);
  assert.equal(c.segSel[Seg.CS], 0x08);
  assert.equal(c.codeBig, true);
  assert.equal(c.segSel[Seg.DS], 0x10);
  assert.equal(c.segLimit[Seg.DS], 0xffffffff); // G=1: limit * 4096 + FFFh
  assert.equal(c.stackMask, 0xffffffff); // SS.B=1: ESP
  assert.equal(m.memory.read8(0x515) & 1, 1); // accessed bit written back
  assert.equal(c.regs[Reg.EBX], 0x1234); // the gate's handler ran and IRETD came back
  assert.equal(c.regs[Reg.ESP], 0x8000);
});

test('protected mode: #NP(selector) for a not-present data segment, error code pushed (SDM Vol. 2B MOV)', () => {
  const m = pmMachine([...SETUP, 0x66, 0xb8, 0x18, 0x00, 0x8e, 0xc0]); // mov ax,18h; mov es,ax
  m.run();
  const c = m.cpu;
  assert.equal(c.lastVector, 11);
  const sp = c.regs[Reg.ESP];
  assert.equal(m.memory.read32(sp), 0x18); // error code: the selector
  assert.equal(m.memory.read32(sp + 8), 0x08); // CS
  assert.equal(m.memory.read32(sp + 4), 0x101a + SETUP.length + 4); // EIP of the faulting MOV
});

test('protected mode: SS with DPL 3 at CPL 0 is #GP(selector); a null DS faults only when used', () => {
  let m = pmMachine([...SETUP, 0x66, 0xb8, 0x20, 0x00, 0x8e, 0xd0]); // mov ax,20h; mov ss,ax
  m.run();
  assert.equal(m.cpu.lastVector, 13);
  assert.equal(m.memory.read32(m.cpu.regs[Reg.ESP]), 0x20);

  // xor eax,eax; mov ds,ax (fine); mov eax,[0] (#GP(0))
  m = pmMachine([...SETUP, 0x31, 0xc0, 0x8e, 0xd8, 0xa1, 0x00, 0x00, 0x00, 0x00]);
  m.run();
  assert.equal(m.cpu.lastVector, 13);
  assert.equal(m.memory.read32(m.cpu.regs[Reg.ESP]), 0);
  assert.equal(m.memory.read32(m.cpu.regs[Reg.ESP] + 4), 0x101a + SETUP.length + 4);
});

test('paging: 4 KiB translation, accessed/dirty bits, #PF with CR2 and error code (SDM Vol. 3A §4.3, §4.7, §4.8)', () => {
  const code = [
    0xb8, 0x00, 0x00, 0x03, 0x00, 0x0f, 0x22, 0xd8, // mov eax,30000h; mov cr3,eax
    0x0f, 0x20, 0xc0, 0x0d, 0x00, 0x00, 0x00, 0x80, 0x0f, 0x22, 0xc0, // cr0.PG = 1
    0xa1, 0x00, 0x00, 0x40, 0x00, // mov eax,[400000h]
    0xc7, 0x05, 0x04, 0x00, 0x40, 0x00, 0x07, 0x00, 0x00, 0x00, // mov dword [400004h],7
    0x8b, 0x1d, 0x00, 0x10, 0x40, 0x00, // mov ebx,[401000h]: not present
  ];
  const m = pmMachine([...SETUP, ...code]);
  m.memory.write32(0x30000, 0x31000 | 7); // PDE 0: identity page table
  m.memory.write32(0x30004, 0x32000 | 7); // PDE 1: 400000h-7FFFFFh
  for (let i = 0; i < 1024; i++) m.memory.write32(0x31000 + i * 4, (i << 12) | 7);
  m.memory.write32(0x32000, 0x5000 | 7); // 400000h → 5000h
  m.memory.write32(0x5000, 0xabcd1234);
  m.run();
  const c = m.cpu;
  assert.equal(c.regs[Reg.EAX], 0xabcd1234);
  assert.equal(m.memory.read32(0x5004), 7);
  assert.equal(m.memory.read32(0x32000) & 0x60, 0x60); // PTE: accessed and dirty
  assert.equal(m.memory.read32(0x30004) & 0x20, 0x20); // PDE: accessed
  assert.equal(c.lastVector, 14);
  assert.equal(c.cr[2], 0x401000);
  assert.equal(m.memory.read32(c.regs[Reg.ESP]), 0); // not present, read, supervisor
});

test('SYSEXIT to ring 3 and SYSENTER back with flat segments from SYSENTER_CS (SDM Vol. 2B SYSENTER/SYSEXIT)', () => {
  const wr = (msr: number, v: number) => [0xb9, msr & 0xff, msr >> 8, 0, 0, 0xb8, v & 0xff, (v >> 8) & 0xff, v >> 16, 0, 0x31, 0xd2, 0x0f, 0x30];
  const code = [...wr(0x174, 8), ...wr(0x175, 0x7000), ...wr(0x176, 0x2200), 0xb9, 0, 0x60, 0, 0, 0xba, 0, 0x23, 0, 0, 0x0f, 0x35];
  const m = pmMachine([...SETUP, ...code]);
  // Ring 3 at 2300h: mov eax,cs; mov esi,eax; mov eax,ss; mov edi,eax; sysenter. Ring 0 at 2200h: hlt.
  m.memory.writeBytes(0x2300, Uint8Array.from([0x8c, 0xc8, 0x89, 0xc6, 0x8c, 0xd0, 0x89, 0xc7, 0x0f, 0x34]));
  m.memory.write8(0x2200, 0xf4);
  m.run();
  const c = m.cpu;
  assert.equal(c.regs[Reg.ESI], 0x1b); // (SYSENTER_CS + 16) | 3
  assert.equal(c.regs[Reg.EDI], 0x23); // (SYSENTER_CS + 24) | 3
  assert.deepEqual([c.segSel[Seg.CS], c.segSel[Seg.SS], c.regs[Reg.ESP], c.cpl, c.eip], [0x08, 0x10, 0x7000, 0, 0x2201]);
});

test('RDMSR: PAT reset value; an unimplemented MSR is #GP(0) (SDM Vol. 3A §11.12.4, Vol. 2B RDMSR)', () => {
  let m = pmMachine([...SETUP, 0xb9, 0x77, 0x02, 0, 0, 0x0f, 0x32]);
  m.run();
  assert.deepEqual([m.cpu.regs[Reg.EAX], m.cpu.regs[Reg.EDX]], [0x00070406, 0x00070406]);
  m = pmMachine([...SETUP, 0xb9, 0x45, 0x23, 0x01, 0, 0x0f, 0x32]);
  m.run();
  assert.equal(m.cpu.lastVector, 13);
});
