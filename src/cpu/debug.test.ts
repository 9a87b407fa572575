// Debug registers and alignment checking (debug.ts) against the SDM: Vol. 3A §17.2 (DR0-DR7),
// §17.3 (debug exception conditions, RF), §6.15 "Interrupt 17" (#AC, Table 6-7), Vol. 2B MOV DR.
// Programs run in flat 32-bit protected mode; their bytes were assembled with nasm from the
// source shown above each array.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeMachine, HANDLER_BASE, type TestMachine } from './test-machine.js';
import { Attr, Flag, Reg, Seg } from './state.js';

const hex = (s: string): number[] => s.split(' ').map((b) => parseInt(b, 16));

//         push eax
//         push ebx
//         mov ebx, [0x500c]           ; event number n
//         mov eax, [esp+8]
//         mov [0x5100+ebx*8], eax     ; pushed EIP
//         mov eax, dr6
//         mov [0x5104+ebx*8], eax     ; DR6
//         mov eax, [esp+16]
//         mov [0x5004], eax           ; pushed EFLAGS
//         mov [0x5008], ecx           ; ECX
//         inc dword [0x500c]
//         mov eax, 0xffff0ff0
//         mov dr6, eax
//         or dword [esp+16], 0x10000  ; RF: resume without re-breaking
//         pop ebx
//         pop eax
//         iretd
const HANDLER = hex('50 53 8b 1d 0c 50 00 00 8b 44 24 08 89 04 dd 00 51 00 00 0f 21 f0 89 04 dd 04 51 00 00 8b 44 24 10 a3 04 50 00 00 89 0d 08 50 00 00 ff 05 0c 50 00 00 b8 f0 0f ff ff 0f 23 f0 81 4c 24 10 00 00 01 00 5b 58 cf'); // at 0x1100

//         mov eax, 0x1014
//         mov dr0, eax                ; DR0 = the INC below
//         mov eax, 1
//         mov dr7, eax                ; L0, R/W0 = 00 (execute), LEN0 = 00
//         xor ebx, ebx
//         nop
//         nop
//         inc ebx                     ; #DB before it, then it runs once (RF)
//         hlt
const IBP = hex('b8 14 10 00 00 0f 23 c0 b8 01 00 00 00 0f 23 f8 31 db 90 90 43 f4'); // at 0x1000

//         ud2                         ; #UD: its handler sees RF=1 and skips it
//         int3                        ; a trap: RF=0
//         hlt
const FAULTRF = hex('0f 0b cc f4'); // at 0x1000

//         mov ecx, [esp+8]
//         add dword [esp], 2
//         iretd
const UDSKIP = hex('8b 4c 24 08 83 04 24 02 cf'); // at 0x1200

//         mov edx, [esp+8]
//         iretd
const BPREC = hex('8b 54 24 08 cf'); // at 0x1220

//         mov eax, 0x4000
//         mov dr1, eax
//         mov eax, 0x00D00004         ; L1, R/W1 = 01 (write), LEN1 = 11 (4 bytes)
//         mov dr7, eax
//         mov eax, [0x4000]           ; a read: no #DB
//         mov dword [0x4000], 5       ; trap after it
//         mov word [0x3fff], 0        ; overlaps 4000h
//         mov byte [0x4004], 0        ; outside
//         mov eax, 0x00F00004         ; R/W1 = 11: reads too
//         mov dr7, eax
//         mov al, [0x4003]
//         add dword [0x4000], 1       ; read and write, one #DB
//         hlt
const DATA = hex('b8 00 40 00 00 0f 23 c8 b8 04 00 d0 00 0f 23 f8 a1 00 40 00 00 c7 05 00 40 00 00 05 00 00 00 66 c7 05 ff 3f 00 00 00 00 c6 05 04 40 00 00 00 b8 04 00 f0 00 0f 23 f8 a0 03 40 00 00 83 05 00 40 00 00 01 f4'); // at 0x1000

//         mov eax, 0x4008
//         mov dr0, eax
//         mov eax, 0x000D0001         ; L0, write, 4 bytes
//         mov dr7, eax
//         mov esi, 0x6000
//         mov edi, 0x4000
//         mov ecx, 4
//         cld
//         rep movsd                   ; #DB after the third element, ECX=1
//         hlt
const REP = hex('b8 08 40 00 00 0f 23 c0 b8 01 00 0d 00 0f 23 f8 be 00 60 00 00 bf 00 40 00 00 b9 04 00 00 00 fc f3 a5 f4'); // at 0x1000

//         mov eax, 0x4000
//         mov dr1, eax
//         mov eax, 0x00D00004
//         mov dr7, eax
//         pushfd                      ; clean EFLAGS for the final POPFD
//         pushfd
//         or dword [esp], 0x100
//         popfd                       ; TF=1 from here
//         mov [0x4000], eax           ; BS and B1 in one #DB
//         popfd                       ; BS only; TF off
//         hlt
const STEP = hex('b8 00 40 00 00 0f 23 c8 b8 04 00 d0 00 0f 23 f8 9c 9c 81 0c 24 00 01 00 00 9d a3 00 40 00 00 9d f4'); // at 0x1000

//         mov eax, 0x2400             ; GD
//         mov dr7, eax
//         mov eax, 0x12345678
//         mov dr0, eax                ; #DB (fault) before it, GD cleared; then it runs
//         mov eax, dr7
//         hlt
const GD = hex('b8 00 24 00 00 0f 23 f8 b8 78 56 34 12 0f 23 c0 0f 21 f8 f4'); // at 0x1000

//         mov eax, 0x80
//         mov dr2, eax
//         mov eax, 0x02000010         ; L2, R/W2 = 10 (I/O), LEN2 = 00
//         mov dr7, eax
//         mov al, 1
//         out 0x80, al
//         in al, 0x81                 ; another port
//         mov dx, 0x80
//         in ax, dx                   ; 80h-81h
//         hlt
const IOBP = hex('b8 80 00 00 00 0f 23 d0 b8 10 00 00 02 0f 23 f8 b0 01 e6 80 e4 81 66 ba 80 00 66 ed f4'); // at 0x1000

//         mov eax, 0x103              ; L0 G0 (execute at 0) and LE: DR7 = 103h
//         mov dr7, eax
//         jmp 0x30:0                  ; to the task whose TSS has T=1
const TBIT = hex('b8 03 01 00 00 0f 23 f8 ea 00 00 00 00 30 00'); // at 0x1000

//         mov eax, dr7                ; #DB (BT) before this
//         hlt
const TASK2 = hex('0f 21 f8 f4'); // at 0x1200

//         mov eax, [0x4001]
//         ud2
const RING3 = hex('a1 01 40 00 00 0f 0b'); // at 0x1000

//         mov eax, [0x4004]
//         mov ax, [0x4002]
//         mov [0x4006], ax
//         fld qword [0x4008]
//         sgdt [0x4004]               ; dword at 4006h: the operand is 4-aligned
//         ud2
const RING3OK = hex('a1 04 40 00 00 66 a1 02 40 00 00 66 a3 06 40 00 00 dd 05 08 40 00 00 0f 01 05 04 40 00 00 0f 0b'); // at 0x1000

//         mov ax, [0x4003]
//         ud2
const WORD3 = hex('66 a1 03 40 00 00 0f 0b'); // at 0x1000

//         fld qword [0x4004]
//         ud2
const FLD3 = hex('dd 05 04 40 00 00 0f 0b'); // at 0x1000

//         cmpxchg8b [0x4004]
//         ud2
const CX8 = hex('0f c7 0d 04 40 00 00 0f 0b'); // at 0x1000

//         sgdt [0x4002]
//         ud2
const SGDT3 = hex('0f 01 05 02 40 00 00 0f 0b'); // at 0x1000

//         mov esp, 0x7002
//         push eax
//         ud2
const PUSH3 = hex('bc 02 70 00 00 50 0f 0b'); // at 0x1000

//         int3                        ; to ring 0 where ESP0 = 9002h: no #AC
//         ud2
const INT3 = hex('cc 0f 0b'); // at 0x1000


type Mem = TestMachine['memory'];

function desc(mem: Mem, at: number, base: number, limit: number, access: number, flags: number): void {
  mem.write32(at, ((base & 0xffff) << 16) | (limit & 0xffff));
  mem.write32(at + 4, (base & 0xff000000) | ((flags & 0xf) << 20) | (limit & 0xf0000) | (access << 8) | ((base >>> 16) & 0xff));
}

function gate(mem: Mem, vector: number, off: number, dpl: number): void {
  mem.write32(0x600 + vector * 8, (0x08 << 16) | (off & 0xffff));
  mem.write32(0x600 + vector * 8 + 4, (off & 0xffff0000) | 0x8e00 | (dpl << 13));
}

/**
 * Flat 32-bit protected mode at CPL `cpl` with EIP = 1000h: GDT 08/10 ring-0 code/data, 1B/23
 * ring-3 code/data, 28 the current TSS (700h, ESP0 = 9000h), 30 a second TSS (780h). Every
 * exception vector goes to its HLT stub (test-machine.ts) unless `gates` says otherwise.
 */
function flat(code: number[], cpl = 0, extra: Array<[number, number[]]> = [], gates: Array<[number, number, number]> = []): TestMachine {
  const m = makeMachine(code);
  const mem = m.memory;
  const c = m.cpu;
  desc(mem, 0x508, 0, 0xfffff, 0x9a, 0xc);
  desc(mem, 0x510, 0, 0xfffff, 0x92, 0xc);
  desc(mem, 0x518, 0, 0xfffff, 0xfa, 0xc);
  desc(mem, 0x520, 0, 0xfffff, 0xf2, 0xc);
  desc(mem, 0x528, 0x700, 0x67, 0x8b, 0);
  desc(mem, 0x530, 0x780, 0x67, 0x89, 0);
  mem.write32(0x704, 0x9000);
  mem.write16(0x708, 0x10);
  for (let v = 0; v < 32; v++) gate(mem, v, HANDLER_BASE + v * 2, 0);
  for (const [v, off, dpl] of gates) gate(mem, v, off, dpl);
  for (const [at, bytes] of extra) mem.writeBytes(at, Uint8Array.from(bytes));
  c.gdtrBase = 0x500;
  c.gdtrLimit = 0x37;
  c.idtrBase = 0x600;
  c.idtrLimit = 0xff;
  c.cr[0] |= 1;
  for (let s = 0; s < 6; s++) {
    const code = s === Seg.CS;
    c.segSel[s] = (code ? 0x08 : 0x10) + (cpl === 3 ? 0x13 : 0);
    c.segBase[s] = 0;
    c.segLimit[s] = 0xffffffff;
    c.segAttr[s] = (code ? 0x9a : 0x92) | (cpl << Attr.DPL_SHIFT) | Attr.DB | Attr.G;
  }
  c.segSel[Seg.TR] = 0x28;
  c.segBase[Seg.TR] = 0x700;
  c.segLimit[Seg.TR] = 0x67;
  c.segAttr[Seg.TR] = 0x8b;
  c.cpl = cpl;
  c.regs[Reg.ESP] = cpl === 3 ? 0x7000 : 0x8000;
  c.modeChanged();
  c.eip = 0x1000;
  return m;
}

/** A machine whose #DB goes to HANDLER (records each event at 5100h + n*8: EIP, DR6). */
function withDbHandler(code: number[]): TestMachine {
  return flat(code, 0, [[0x1100, HANDLER]], [[1, 0x1100, 0]]);
}

function events(m: TestMachine): Array<[number, number]> {
  const n = m.memory.read32(0x500c);
  const r: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) r.push([m.memory.read32(0x5100 + i * 8), m.memory.read32(0x5104 + i * 8) >>> 0]);
  return r;
}

/** The program ran to its final HLT (not an exception stub). */
function haltedAt(m: TestMachine): number {
  return m.cpu.eip - 1;
}

test('instruction breakpoint: #DB fault before the instruction, DR6.B0; RF=1 lets it run once (SDM Vol. 3A §17.3.1.1)', () => {
  const m = withDbHandler(IBP);
  m.run();
  assert.deepEqual(events(m), [[0x1014, 0xffff0ff1]]); // pushed EIP = the breakpoint address
  assert.equal(m.memory.read32(0x5004) & Flag.RF, 0); // an instruction-breakpoint #DB pushes RF as it was: 0
  assert.equal(m.cpu.regs[Reg.EBX], 1); // executed exactly once after the handler set RF
  assert.equal(haltedAt(m), 0x1015);
  assert.equal(m.cpu.eflags & Flag.RF, 0); // RF is cleared once the instruction starts
});

test('a fault pushes RF=1, a trap (INT3) pushes RF=0; RF does not linger after IRET (SDM Vol. 3A §17.3.1.1)', () => {
  const m = flat(FAULTRF, 0, [[0x1200, UDSKIP], [0x1220, BPREC]], [[6, 0x1200, 0], [3, 0x1220, 0]]);
  m.run();
  assert.equal(haltedAt(m), 0x1003);
  assert.equal(m.cpu.regs[Reg.ECX] & Flag.RF, Flag.RF);
  assert.equal(m.cpu.regs[Reg.EDX] & Flag.RF, 0);
  assert.equal(m.cpu.eflags & Flag.RF, 0);
  assert.equal(m.cpu.slowChecks, false);
});

test('data breakpoints: write (R/W=01) and read/write (R/W=11) traps after the access, overlapping ranges, one #DB per instruction (SDM Vol. 3A §17.2.4-17.2.5, §17.3.1.2)', () => {
  const m = withDbHandler(DATA);
  m.run();
  assert.deepEqual(events(m), [
    [0x101f, 0xffff0ff2], // mov dword [4000h], 5
    [0x1028, 0xffff0ff2], // mov word [3FFFh]: its second byte is inside
    [0x103c, 0xffff0ff2], // mov al, [4003h] with R/W=11
    [0x1043, 0xffff0ff2], // add dword [4000h], 1: read and write, one #DB
  ]);
  assert.equal(haltedAt(m), 0x1043);
});

test('REP MOVSD: the data breakpoint traps after its iteration, EIP at the instruction, RF=1, then it resumes (SDM Vol. 3A §17.3.1.1-17.3.1.2)', () => {
  const m = withDbHandler(REP);
  m.run();
  assert.deepEqual(events(m), [[0x1020, 0xffff0ff1]]);
  assert.equal(m.memory.read32(0x5008), 1); // ECX when the trap was taken: one element left
  assert.equal(m.memory.read32(0x5004) & Flag.RF, Flag.RF);
  assert.equal(m.cpu.regs[Reg.ECX], 0);
  assert.equal(m.cpu.regs[Reg.EDI], 0x4010);
});

test('an instruction breakpoint on a long REP MOVSB fires once: the interpreter\'s restarts every 1024 iterations carry RF=1 (SDM Vol. 3A §17.3.1.1)', () => {
  // mov eax, 1020h; mov dr0, eax; mov eax, 1; mov dr7, eax; mov esi, 6000h; mov edi, 10000h;
  // mov ecx, 3000; cld; rep movsb (1020h); hlt
  const m = withDbHandler(hex('b8 20 10 00 00 0f 23 c0 b8 01 00 00 00 0f 23 f8 be 00 60 00 00 bf 00 00 01 00 b9 b8 0b 00 00 fc f3 a4 f4'));
  m.run();
  assert.deepEqual(events(m), [[0x1020, 0xffff0ff1]]);
  assert.equal(m.cpu.regs[Reg.ECX], 0);
  assert.equal(haltedAt(m), 0x1022);
});

test('single step and a data breakpoint in the same instruction: one #DB with BS and B1 (SDM Vol. 3A §17.2.3, §17.3.1.4)', () => {
  const m = withDbHandler(STEP);
  m.run();
  assert.deepEqual(events(m), [
    [0x101f, 0xffff4ff2],
    [0x1020, 0xffff4ff0], // POPFD (TF was set when it began) clears TF: the last single step
  ]);
});

test('a data breakpoint on a stack slot of the #DB frame: the frame pushes are not hits, the handler\'s own write is', () => {
  // mov eax, 7FFCh; mov dr0, eax; mov eax, 000D0001h; mov dr7, eax; mov [7FFCh], eax; hlt
  const m = withDbHandler(hex('b8 fc 7f 00 00 0f 23 c0 b8 01 00 0d 00 0f 23 f8 a3 fc 7f 00 00 f4'));
  m.run();
  // The #DB frame's EFLAGS push writes 7FFCh again: not a hit. The handler's own OR of RF into
  // that slot (at 113Ah) is one, reported after it.
  assert.deepEqual(events(m), [[0x1015, 0xffff0ff1], [0x1142, 0xffff0ff1]]);
  assert.equal(haltedAt(m), 0x1015);
});

test('DR7.GD: MOV DR raises #DB (fault) with DR6.BD, GD cleared so the handler can use the registers (SDM Vol. 3A §17.2.4)', () => {
  const m = withDbHandler(GD);
  m.run();
  assert.deepEqual(events(m), [[0x100d, 0xffff2ff0]]);
  assert.equal(m.memory.read32(0x5004) & Flag.RF, Flag.RF); // a fault-class #DB that is not an instruction breakpoint
  assert.equal(m.cpu.dr[0], 0x12345678); // the MOV ran after the handler returned
  assert.equal(m.cpu.regs[Reg.EAX], 0x400); // DR7 with GD clear
});

test('DR4/DR5 alias DR6/DR7 with CR4.DE=0 and are #UD with CR4.DE=1 (SDM Vol. 3A §17.2.2)', () => {
  // mov eax, dr4; mov ebx, dr5; hlt
  let m = flat([0x0f, 0x21, 0xe0, 0x0f, 0x21, 0xeb, 0xf4]);
  m.run();
  assert.equal(m.cpu.regs[Reg.EAX], 0xffff0ff0);
  assert.equal(m.cpu.regs[Reg.EBX], 0x400);
  m = flat([0x0f, 0x21, 0xe0, 0xf4]);
  m.cpu.cr[4] |= 8;
  m.run();
  assert.equal(m.stoppedInHandler(), 6);
  // mov dr5, eax with DE=0 writes DR7 (reserved bits 11, 12, 14, 15 read as 0, bit 10 as 1)
  m = flat([0xb8, 0x01, 0xf8, 0x00, 0x00, 0x0f, 0x23, 0xe8, 0xf4]);
  m.run();
  assert.equal(m.cpu.dr[7], 0x2401); // F801h written: bits 15, 14, 12, 11 dropped, GD and L0 kept
});

test('I/O breakpoints (R/W=10) need CR4.DE: trap after IN/OUT touching the port range (SDM Vol. 3A §17.2.4)', () => {
  let m = withDbHandler(IOBP);
  m.cpu.cr[4] |= 8;
  m.run();
  assert.deepEqual(events(m), [[0x1014, 0xffff0ff4], [0x101c, 0xffff0ff4]]);
  m = withDbHandler(IOBP);
  m.run();
  assert.deepEqual(events(m), []); // without CR4.DE the encoding is undefined: ignored
});

test('task switch: the new TSS T bit raises #DB with DR6.BT before its first instruction; DR7 local enables are cleared (SDM Vol. 3A §7.2.1, §17.2.4)', () => {
  const m = withDbHandler(TBIT);
  const mem = m.memory;
  const t = 0x780;
  mem.write32(t + 0x20, 0x1200); // EIP
  mem.write32(t + 0x24, 2); // EFLAGS
  mem.write32(t + 0x38, 0x8800); // ESP
  for (let i = 0; i < 6; i++) mem.write16(t + 0x48 + i * 4, i === 1 ? 0x08 : 0x10);
  mem.write16(t + 0x64, 1); // T
  mem.writeBytes(0x1200, Uint8Array.from(TASK2));
  m.run();
  assert.deepEqual(events(m), [[0x1200, 0xffff8ff0]]);
  assert.equal(m.cpu.regs[Reg.EAX], 0x502); // L0 cleared; G0 and LE (not supported on P6) kept
  assert.equal(m.cpu.segSel[Seg.TR], 0x30);
});

test('slowChecks follows DR7: the data-access fast path is used again once breakpoints are off', () => {
  // mov eax, 1; mov dr7, eax; mov eax, 400h; mov dr7, eax; hlt
  const m = flat([0xb8, 0x00, 0x10, 0x00, 0x00, 0x0f, 0x23, 0xc0, 0xb8, 0x01, 0, 0, 0, 0x0f, 0x23, 0xf8, 0xf4]);
  assert.equal(m.cpu.slowChecks, false);
  m.run(4);
  assert.equal(m.cpu.slowChecks, true);
  assert.equal(m.cpu.segMin[Seg.DS], Infinity); // every data access leaves the fast path
  m.cpu.dr[7] = 0x400;
  m.memory.writeBytes(0x1010, Uint8Array.from([0xb8, 0x00, 0x04, 0, 0, 0x0f, 0x23, 0xf8, 0xf4]));
  m.run();
  assert.equal(m.cpu.slowChecks, false);
  assert.equal(m.cpu.segMin[Seg.DS], 0);
});

/** Ring 3 with CR0.AM and EFLAGS.AC (and anything else the caller changes before run()). */
function ring3(code: number[], ac = true): TestMachine {
  const m = flat(code, 3);
  m.cpu.cr[0] |= 1 << 18; // AM
  m.cpu.modeChanged();
  if (ac) m.cpu.setEflags(m.cpu.getEflags() | Flag.AC);
  return m;
}

test('#AC(0): a misaligned dword at CPL 3 with CR0.AM and EFLAGS.AC; the fault is taken before the access (SDM Vol. 3A §6.15 Interrupt 17)', () => {
  const m = ring3(RING3);
  assert.equal(m.cpu.slowChecks, true);
  m.run();
  assert.equal(m.stoppedInHandler(), 17);
  const esp = m.cpu.regs[Reg.ESP];
  assert.equal(m.memory.read32(esp), 0); // error code 0
  assert.equal(m.memory.read32(esp + 4), 0x1000); // a fault: EIP of the load
});

test('#AC is not raised with EFLAGS.AC=0, CR0.AM=0 or at CPL 0 (SDM Vol. 3A §6.15, Table 6-7 conditions)', () => {
  let m = ring3(RING3, false);
  m.run();
  assert.equal(m.stoppedInHandler(), 6); // the UD2 after the load
  m = ring3(RING3);
  m.cpu.cr[0] &= ~(1 << 18);
  m.cpu.modeChanged();
  m.run();
  assert.equal(m.stoppedInHandler(), 6);
  m = flat(RING3, 0);
  m.cpu.cr[0] |= 1 << 18;
  m.cpu.setEflags(m.cpu.getEflags() | Flag.AC);
  m.run();
  assert.equal(m.stoppedInHandler(), 6);
  assert.equal(m.cpu.slowChecks, false);
});

test('#AC follows Table 6-7: word 2, m64 8, CMPXCHG8B 8, GDTR image 4, stack pushes at CPL 3; aligned operands pass (SDM Vol. 3A §6.15)', () => {
  let m = ring3(RING3OK);
  m.run();
  assert.equal(m.stoppedInHandler(), 6);
  for (const code of [WORD3, FLD3, CX8, SGDT3, PUSH3]) {
    m = ring3(code);
    m.run();
    assert.equal(m.stoppedInHandler(), 17, code.map((b) => b.toString(16)).join(' '));
  }
});

test('#AC: the ring-0 stack pushes of an interrupt from CPL 3 are supervisor accesses, never checked (SDM Vol. 3A §6.15)', () => {
  const m = flat(INT3, 3, [], [[3, HANDLER_BASE + 6, 3]]);
  m.memory.write32(0x704, 0x9002); // a misaligned ESP0
  m.cpu.cr[0] |= 1 << 18;
  m.cpu.modeChanged();
  m.cpu.setEflags(m.cpu.getEflags() | Flag.AC);
  m.run();
  assert.equal(m.stoppedInHandler(), 3);
  assert.equal(m.cpu.regs[Reg.ESP], 0x9002 - 20);
});

test('POPF setting EFLAGS.AC at CPL 3 with CR0.AM turns alignment checking on (SDM Vol. 3A §6.15)', () => {
  // pushfd; or dword [esp], 40000h; popfd; mov eax, [4001h]; ud2
  const m = ring3([0x9c, 0x81, 0x0c, 0x24, 0, 0, 4, 0, 0x9d, 0xa1, 0x01, 0x40, 0, 0, 0x0f, 0x0b], false);
  assert.equal(m.cpu.slowChecks, false);
  m.run();
  assert.equal(m.stoppedInHandler(), 17);
});
