import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLength, OPCODE_INFO, Op } from './decoder.js';

// Encodings: SDM Vol. 2A §2.1 (prefixes, ModRM, SIB, displacement, immediate) and Appendix A.
test('instruction lengths in 16-bit code: ModRM/displacement/immediate forms', () => {
  const cases: [number[], number][] = [
    [[0x90], 1],
    [[0x00, 0x07], 2], // add [bx],al
    [[0x00, 0x47, 0x12], 3], // add [bx+12h],al (disp8)
    [[0x00, 0x87, 0x34, 0x12], 4], // disp16
    [[0x00, 0x06, 0x34, 0x12], 4], // [disp16] (mod 0, rm 6)
    [[0xf7, 0x06, 0x34, 0x12, 0x78, 0x56], 6], // test word [1234h],5678h: group 3 /0 has iz
    [[0xf7, 0x16, 0x34, 0x12], 4], // not word [1234h]: no immediate
    [[0xf6, 0xc0, 0x12], 3], // test al,12h
    [[0x81, 0xc3, 0x34, 0x12], 4], // add bx,1234h
    [[0x83, 0xc3, 0xff], 3],
    [[0xc8, 0x10, 0x00, 0x01], 4], // enter 16,1
    [[0xea, 0x00, 0x00, 0x00, 0xf0], 5], // jmp far ptr16:16
    [[0xa1, 0x34, 0x12], 3], // mov ax,[moffs16]
    [[0x0f, 0x84, 0x00, 0x10], 4], // jz rel16
    [[0x0f, 0xba, 0xe0, 0x05], 4], // bt ax,5
    [[0xd8, 0x06, 0x00, 0x10], 4], // fadd dword [1000h]
  ];
  for (const [bytes, len] of cases) assert.equal(decodeLength(bytes, false), len, bytes.map((b) => b.toString(16)).join(' '));
});

test('operand- and address-size prefixes change immediate, offset and ModRM sizes', () => {
  assert.equal(decodeLength([0x66, 0x05, 1, 2, 3, 4], false), 6); // add eax,imm32
  assert.equal(decodeLength([0x66, 0xea, 0, 0, 0, 0, 0, 0], false), 8); // jmp far ptr16:32
  assert.equal(decodeLength([0x67, 0xa1, 1, 2, 3, 4], false), 6); // moffs32
  assert.equal(decodeLength([0x67, 0x8b, 0x04, 0x58], false), 4); // mov ax,[eax+ebx*2]: SIB
  assert.equal(decodeLength([0x67, 0x8b, 0x05, 1, 2, 3, 4], false), 7); // [disp32]
  assert.equal(decodeLength([0x67, 0x8b, 0x04, 0x25, 1, 2, 3, 4], false), 8); // SIB base 5 mod 0: disp32
  assert.equal(decodeLength([0x67, 0x8b, 0x44, 0x24, 0x08], false), 5); // [esp+8]
  assert.equal(decodeLength([0x8b, 0x44, 0x24, 0x08], true), 4); // 32-bit code
  assert.equal(decodeLength([0x66, 0x0f, 0x84, 1, 2, 3, 4], false), 7); // jz rel32
  assert.equal(decodeLength([0x66, 0x68, 1, 2, 3, 4], false), 6); // push imm32
  assert.equal(decodeLength([0x66, 0x68, 1, 2], true), 4); // push imm16 in 32-bit code
  assert.equal(decodeLength([0x2e, 0x3e, 0xf3, 0xa4], false), 4); // prefixes count
});

test('15-byte limit: 14 prefixes + NOP decode, 15 prefixes + NOP do not (SDM Vol. 2A §2.3.11)', () => {
  assert.equal(decodeLength([...new Array(14).fill(0x3e), 0x90], false), 15);
  assert.equal(decodeLength([...new Array(15).fill(0x3e), 0x90], false), -1);
});

test('opcode table: undefined encodings and LOCK-able forms are marked', () => {
  assert.ok(OPCODE_INFO[0x10b] & Op.INVALID); // UD2
  assert.ok(OPCODE_INFO[0x1ff] & Op.INVALID); // UD0
  assert.ok(OPCODE_INFO[0x137] & Op.INVALID); // GETSEC: not on a P6
  assert.ok(OPCODE_INFO[0x160] & Op.INVALID); // MMX: not advertised
  assert.ok(!(OPCODE_INFO[0x1a2] & Op.INVALID)); // CPUID
  assert.ok(OPCODE_INFO[0x01] & Op.LOCKABLE);
  assert.ok(!(OPCODE_INFO[0x39] & Op.LOCKABLE)); // CMP
  assert.ok(!(OPCODE_INFO[0x8b] & Op.LOCKABLE)); // MOV
  assert.ok(OPCODE_INFO[0xe8] & Op.BRANCH);
});
