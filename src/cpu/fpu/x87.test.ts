// x87 unit driven through execute() with a fake memory (Intel SDM vol.1 chapter 8, vol.2 F*).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X87, X87Memory, X87_AX, X87_EFLAGS, X87_OK, X87_UD } from './x87.js';
import { fxrstorX87, fxsaveX87 } from './x87-env.js';
import { FloatEnv, formatF80 } from './softfloat-types.js';
import { f80ToF64 } from './softfloat-convert.js';

class FakeMemory implements X87Memory {
  readonly bytes = new Uint8Array(0x1000);
  faultFrom = Infinity;
  private check(a: number): void {
    if (a >= this.faultFrom) throw new Error('page fault');
  }
  read8(a: number): number {
    return this.bytes[a];
  }
  read16(a: number): number {
    return this.bytes[a] | (this.bytes[a + 1] << 8);
  }
  read32(a: number): number {
    return (this.read16(a) | (this.read16(a + 2) << 16)) >>> 0;
  }
  write8(a: number, v: number): void {
    this.check(a);
    this.bytes[a] = v;
  }
  write16(a: number, v: number): void {
    this.write8(a, v & 0xff);
    this.write8(a + 1, (v >> 8) & 0xff);
  }
  write32(a: number, v: number): void {
    this.write16(a, v & 0xffff);
    this.write16(a + 2, (v >>> 16) & 0xffff);
  }
  f80(a: number): string {
    let s = '';
    for (let i = 9; i >= 0; i--) s += this.bytes[a + i].toString(16).padStart(2, '0');
    return s.toUpperCase();
  }
  setF80(a: number, hex: string): void {
    for (let i = 0; i < 10; i++) this.bytes[a + 9 - i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  }
}

const M = 0x100; // memory operand address used by the tests
function setup(): { f: X87; m: FakeMemory; run: (op: number, modrm: number, addr?: number, is32?: boolean, real?: boolean) => number } {
  const f = new X87();
  const m = new FakeMemory();
  const run = (op: number, modrm: number, addr = M, is32 = true, real = false): number =>
    f.execute(op, modrm, addr, m, is32, real);
  return { f, m, run };
}
const st = (f: X87, i: number): string => formatF80(f.st(i));
const ONE = '3FFF8000000000000000';
const INDEFINITE = 'FFFFC000000000000000';

test('FNINIT state: CW 037F, SW 0, all tags empty (SDM vol.2 FINIT/FNINIT)', () => {
  const { f, run } = setup();
  f.cw = 0;
  f.statusWord = 0x3fff;
  run(0xdb, 0xe3);
  assert.equal(f.cw, 0x037f);
  assert.equal(f.statusWord, 0);
  assert.equal(f.tagWord(), 0xffff);
});

test('FLD1/FLDZ push with TOP decrementing; tags follow the contents', () => {
  const { f, run } = setup();
  run(0xd9, 0xe8); // FLD1
  run(0xd9, 0xee); // FLDZ
  assert.equal((f.statusWord >> 11) & 7, 6);
  assert.equal(st(f, 0), '00000000000000000000');
  assert.equal(st(f, 1), ONE);
  // physical 7 holds 1.0 (valid = 00), physical 6 holds 0 (zero = 01), others empty.
  assert.equal(f.tagWord(), 0x1fff);
});

test('FLDPI rounds by RC (SDM vol.1 §8.3.8): nearest …C235, down …C234', () => {
  const { f, run, m } = setup();
  run(0xd9, 0xeb);
  assert.equal(st(f, 0), '4000C90FDAA22168C235');
  m.bytes[M] = 0x7f;
  m.bytes[M + 1] = 0x07; // RC = down
  run(0xd9, 0x2e); // FLDCW [M] (mod 0, reg 5, rm 6)
  run(0xd9, 0xeb);
  assert.equal(st(f, 0), '4000C90FDAA22168C234');
});

test('stack overflow: masked → IE+SF, C1=1, indefinite pushed (SDM vol.1 §8.5.1.1)', () => {
  const { f, run } = setup();
  for (let i = 0; i < 8; i++) run(0xd9, 0xe8);
  assert.equal(f.statusWord & 0x41, 0);
  run(0xd9, 0xe8);
  assert.equal(f.statusWord & 0x0241, 0x0241);
  assert.equal(st(f, 0), INDEFINITE);
  assert.equal(f.pendingException(), false);
});

test('stack underflow on FADD: IE+SF, C1=0, result indefinite', () => {
  const { f, run } = setup();
  run(0xd9, 0xe8);
  run(0xd8, 0xc1); // FADD ST(0), ST(1) — ST(1) empty
  assert.equal(f.statusWord & 0x0241, 0x0041);
  assert.equal(st(f, 0), INDEFINITE);
});

test('unmasked invalid: destination unchanged, ES/B set, pending #MF; FNCLEX clears', () => {
  const { f, run, m } = setup();
  m.bytes[M] = 0x7e; // CW 037E: IM unmasked
  m.bytes[M + 1] = 0x03;
  run(0xd9, 0x2e);
  run(0xd9, 0xee); // 0
  run(0xd9, 0xee); // 0
  run(0xde, 0xf9); // FDIVP: 0/0 → invalid
  assert.equal(f.statusWord & 0x8081, 0x8081);
  assert.equal(f.pendingException(), true);
  assert.equal((f.statusWord >> 11) & 7, 6, 'no pop on an unmasked exception');
  assert.equal(f.isWaiting(0xdb, 0xe2), false, 'FNCLEX does not wait');
  assert.equal(f.isWaiting(0xd8, 0xc1), true);
  run(0xdb, 0xe2);
  assert.equal(f.statusWord & 0x80ff, 0);
  assert.equal(f.pendingException(), false);
});


function num(f: X87, i: number): number {
  const bits = f80ToF64(new FloatEnv(), f.st(i));
  const dv = new DataView(new ArrayBuffer(8));
  dv.setBigUint64(0, bits, true);
  return dv.getFloat64(0, true);
}
function fld(run: ReturnType<typeof setup>['run'], m: FakeMemory, v: number): void {
  const dv = new DataView(m.bytes.buffer);
  dv.setFloat64(M, v, true);
  run(0xdd, 0x06); // FLD m64fp
}

test('arithmetic operand order: D8 vs DC/DE reversed forms (SDM vol.2 FSUB/FSUBR/FDIV/FDIVR)', () => {
  const cases: Array<[number, number, number, number, number]> = [
    // opcode, modrm, expected ST0, expected ST1, TOP change
    [0xd8, 0xe1, 6, 2, 0], // FSUB ST0,ST1
    [0xd8, 0xe9, -6, 2, 0], // FSUBR ST0,ST1
    [0xdc, 0xe9, 8, -6, 0], // FSUB ST1,ST0
    [0xdc, 0xe1, 8, 6, 0], // FSUBR ST1,ST0
    [0xd8, 0xf1, 4, 2, 0], // FDIV ST0,ST1
    [0xd8, 0xf9, 0.25, 2, 0], // FDIVR ST0,ST1
    [0xdc, 0xf9, 8, 0.25, 0], // FDIV ST1,ST0
    [0xdc, 0xf1, 8, 4, 0], // FDIVR ST1,ST0
    [0xde, 0xc1, 10, NaN, 1], // FADDP
    [0xde, 0xc9, 16, NaN, 1], // FMULP
    [0xde, 0xe9, -6, NaN, 1], // FSUBP ST1,ST0: ST1 − ST0
    [0xde, 0xe1, 6, NaN, 1], // FSUBRP: ST0 − ST1
    [0xde, 0xf9, 0.25, NaN, 1], // FDIVP: ST1 / ST0
    [0xde, 0xf1, 4, NaN, 1], // FDIVRP: ST0 / ST1
  ];
  for (const [op, modrm, e0, e1, pops] of cases) {
    const { f, run, m } = setup();
    fld(run, m, 2);
    fld(run, m, 8); // ST0 = 8, ST1 = 2
    run(op, modrm);
    assert.equal(num(f, 0), e0, `${op.toString(16)} ${modrm.toString(16)}`);
    if (!pops) assert.equal(num(f, 1), e1);
    assert.equal((f.statusWord >> 11) & 7, 6 + pops);
  }
});

test('memory operand arithmetic: m32fp, m64fp, m16int, m32int (FIADD/FISUBR…)', () => {
  const { f, run, m } = setup();
  const dv = new DataView(m.bytes.buffer);
  fld(run, m, 10);
  dv.setFloat32(M, 1.5, true);
  run(0xd8, 0x06); // FADD m32fp
  assert.equal(num(f, 0), 11.5);
  dv.setInt16(M, -3, true);
  run(0xde, 0x0e); // FIMUL m16int
  assert.equal(num(f, 0), -34.5);
  dv.setInt32(M, 100, true);
  run(0xda, 0x2e); // FISUBR m32int: 100 − ST0
  assert.equal(num(f, 0), 134.5);
  dv.setFloat64(M, 0.5, true);
  run(0xdc, 0x3e); // FDIVR m64fp: 0.5 / ST0
  assert.equal(num(f, 0), 0.5 / 134.5);
});

test('FCOM/FUCOM condition codes and NaN handling (SDM vol.2 FCOM table, FUCOM)', () => {
  const { f, run, m } = setup();
  fld(run, m, 1);
  fld(run, m, 2); // ST0 = 2, ST1 = 1
  run(0xd8, 0xd1); // FCOM ST1
  assert.equal(f.statusWord & 0x4500, 0x0000); // greater
  run(0xd9, 0xc9); // FXCH
  run(0xd8, 0xd1);
  assert.equal(f.statusWord & 0x4500, 0x0100); // less: C0
  run(0xd8, 0xd0); // FCOM ST0: equal → C3
  assert.equal(f.statusWord & 0x4500, 0x4000);
  fld(run, m, NaN); // QNaN
  run(0xdd, 0xe1); // FUCOM ST1: unordered, no IE for a QNaN
  assert.equal(f.statusWord & 0x4501, 0x4500);
  run(0xd8, 0xd1); // FCOM: IE for any NaN
  assert.equal(f.statusWord & 0x4501, 0x4501);
});

test('FCOMI/FUCOMIP set ZF/PF/CF and clear OF/SF/AF (SDM vol.2 FCOMI)', () => {
  const { f, run, m } = setup();
  fld(run, m, 3);
  fld(run, m, 1); // ST0 = 1 < ST1 = 3
  f.eflags = 0x8d5; // OF SF ZF AF PF CF all set
  assert.equal(run(0xdb, 0xf1), X87_EFLAGS); // FCOMI ST1
  assert.equal(f.eflags & 0x8d5, 0x01);
  assert.equal(run(0xdf, 0xe9), X87_EFLAGS); // FUCOMIP ST1 (pops)
  assert.equal(f.eflags & 0x45, 0x01);
  assert.equal((f.statusWord >> 11) & 7, 7);
});

test('FCMOVcc follows EFLAGS from the CPU (SDM vol.2 FCMOVcc)', () => {
  const { f, run, m } = setup();
  fld(run, m, 5);
  fld(run, m, 7); // ST0 = 7, ST1 = 5
  f.eflags = 0;
  run(0xda, 0xc1); // FCMOVB: CF=0 → no move
  assert.equal(num(f, 0), 7);
  run(0xdb, 0xc1); // FCMOVNB: move
  assert.equal(num(f, 0), 5);
  f.eflags = 0x04;
  fld(run, m, 9);
  run(0xda, 0xda); // FCMOVU ST0, ST2 (PF=1): ST2 = 5
  assert.equal(num(f, 0), 5);
  run(0xda, 0xc9); // FCMOVE ST0, ST1: ZF = 0 → no move
  assert.equal(num(f, 0), 5);
});

test('FXAM classes (SDM vol.2 FXAM table) and FTST', () => {
  const { f, run, m } = setup();
  run(0xd9, 0xe5);
  assert.equal(f.statusWord & 0x4500, 0x4100); // empty: C3 C0
  const cls: Array<[string, number]> = [
    ['7FFF8000000000000000', 0x0500], // +inf
    ['FFFFC000000000000000', 0x0300], // NaN, C1 = sign
    ['3FFF8000000000000000', 0x0400], // normal
    ['00000000000000000000', 0x4000], // zero
    ['00000000000000000001', 0x4400], // denormal
    ['3FFF0000000000000001', 0x0000], // unnormal: unsupported
  ];
  for (const [hex, cc] of cls) {
    m.setF80(M, hex);
    run(0xdb, 0x2e); // FLD m80
    run(0xd9, 0xe5);
    assert.equal(f.statusWord & 0x4700, cc, hex);
  }
  fld(run, m, -2);
  run(0xd9, 0xe4); // FTST
  assert.equal(f.statusWord & 0x4500, 0x0100);
});

test('FIST/FISTP: rounding by RC, integer indefinite with IE on overflow (SDM vol.2 FIST)', () => {
  const { f, run, m } = setup();
  fld(run, m, 2.5);
  run(0xdf, 0x16); // FIST m16
  assert.equal(m.read16(M), 2);
  assert.equal(f.statusWord & 0x21, 0x20); // inexact
  fld(run, m, 40000);
  run(0xdf, 0x1e); // FISTP m16: overflow → 0x8000
  assert.equal(m.read16(M), 0x8000);
  assert.equal(f.statusWord & 0x01, 0x01);
  fld(run, m, -123456789);
  run(0xdf, 0x3e); // FISTP m64
  assert.equal(m.read32(M), (-123456789 >>> 0));
  assert.equal(m.read32(M + 4), 0xffffffff);
});

test('FBSTP/FBLD packed BCD round trip (SDM vol.1 §4.7)', () => {
  const { f, run, m } = setup();
  fld(run, m, -987654321012);
  run(0xdf, 0x36); // FBSTP
  assert.equal(m.f80(M), '80000000987654321012');
  run(0xdf, 0x26); // FBLD
  assert.equal(num(f, 0), -987654321012);
});

test('FST m32 of an SNaN raises IE and stores the quieted NaN; FSTP m80 is exact', () => {
  const { f, run, m } = setup();
  m.setF80(M, '7FFFA000000000000000'); // SNaN
  run(0xdb, 0x2e); // FLD m80: no exception
  assert.equal(f.statusWord & 1, 0);
  run(0xd9, 0x16, M + 16); // FST m32
  assert.equal(m.read32(M + 16), 0x7fe00000);
  assert.equal(f.statusWord & 1, 1);
  run(0xdb, 0x3e, M + 32); // FSTP m80
  assert.equal(m.f80(M + 32), '7FFFA000000000000000');
  assert.equal(f.tagWord(), 0xffff);
});

test('a store that faults leaves the stack and status word unchanged', () => {
  const { f, run, m } = setup();
  fld(run, m, 1.1);
  const before = f.statusWord;
  m.faultFrom = 0x800;
  assert.throws(() => run(0xd9, 0x1e, 0x800)); // FSTP m32 faults
  assert.equal(f.statusWord, before);
  assert.equal(num(f, 0), 1.1);
  m.faultFrom = Infinity;
  run(0xd9, 0x1e, 0x800);
  assert.equal(f.tagWord(), 0xffff);
});

test('FPREM partial remainder: C2 set while incomplete, quotient bits when done (SDM vol.2 FPREM)', () => {
  const { f, run, m } = setup();
  fld(run, m, 3);
  fld(run, m, 2 ** 100); // ST0 = 2^100, ST1 = 3
  run(0xd9, 0xf8);
  assert.equal(f.statusWord & 0x0400, 0x0400);
  let guard = 0;
  while (f.statusWord & 0x0400 && guard++ < 10) run(0xd9, 0xf8);
  assert.equal(num(f, 0), 1); // 2^100 mod 3 = 1
  // quotient (2^100 − 1)/3 ≡ 5 (mod 8): Q2=1 → C0, Q1=0 → C3, Q0=1 → C1
  assert.equal(f.statusWord & 0x4700, 0x0300);
});

test('FNSTSW AX, FNSTCW, FLDCW; invalid encodings are #UD', () => {
  const { f, run, m } = setup();
  run(0xd9, 0xe8);
  assert.equal(run(0xdf, 0xe0), X87_AX);
  assert.equal(f.ax, 0x3800);
  run(0xd9, 0x3e); // FNSTCW
  assert.equal(m.read16(M), 0x037f);
  assert.equal(run(0xd9, 0xd1), X87_UD);
  assert.equal(run(0xdd, 0x0e), X87_UD); // FISTTP is SSE3
  assert.equal(run(0xd9, 0xd0), X87_OK); // FNOP
});

test('FSAVE 32-bit protected-mode image (SDM vol.1 §8.1.10 fig. 8-9) and FRSTOR round trip', () => {
  const { f, run, m } = setup();
  f.instrCs = 0x1b;
  f.instrIp = 0x12345678;
  f.dataSel = 0x23;
  f.dataOff = 0x00abcdef;
  fld(run, m, 1); // DD /0 with modrm 06: FOP = 0x506
  run(0xd9, 0xeb); // FLDPI (register form: keeps FDP)
  run(0xdd, 0x36, 0x200); // FSAVE
  const img = 0x200;
  assert.equal(m.read32(img), 0xffff037f);
  assert.equal(m.read32(img + 4), 0xffff3000); // TOP = 6
  assert.equal(m.read32(img + 8), 0xffff0fff); // R7, R6 valid
  assert.equal(m.read32(img + 12), 0x12345678);
  assert.equal(m.read32(img + 16), (0x1eb << 16) | 0x1b); // FOP of FLDPI = D9 EB → 0x1EB
  assert.equal(m.read32(img + 20), 0x00abcdef);
  assert.equal(m.read32(img + 24), 0xffff0023);
  assert.equal(m.f80(img + 28), '4000C90FDAA22168C235'); // ST0
  assert.equal(m.f80(img + 38), ONE);
  assert.equal(f.tagWord(), 0xffff, 'FSAVE reinitialises');
  run(0xdd, 0x26, 0x200); // FRSTOR
  assert.equal(f.statusWord, 0x3000);
  assert.equal(st(f, 0), '4000C90FDAA22168C235');
  assert.equal(st(f, 1), ONE);
  assert.equal(f.fip, 0x12345678);
  assert.equal(f.fop, 0x1eb);
});

test('FSTENV 16-bit real-mode image stores linear pointers (SDM vol.1 §8.1.10 fig. 8-12) and masks exceptions', () => {
  const { f, run, m } = setup();
  f.instrCs = 0x1234;
  f.instrIp = 0x5678;
  f.dataSel = 0xf000;
  f.dataOff = 0xfff0;
  m.bytes[M] = 0x00; // CW 0x0300: all exceptions unmasked
  m.bytes[M + 1] = 0x03;
  run(0xd9, 0x2e, M, false, true);
  fld(run, m, 1);
  run(0xd9, 0x36, 0x300, false, true); // FNSTENV 14 bytes
  const ipLin = 0x12340 + 0x5678; // 0x179B8
  const dpLin = 0xf0000 + 0xfff0; // 0xFFFF0
  assert.equal(m.read16(0x300), 0x0340);
  assert.equal(m.read16(0x306), ipLin & 0xffff);
  assert.equal(m.read16(0x308), ((ipLin >>> 16) << 12) | 0x506);
  assert.equal(m.read16(0x30a), dpLin & 0xffff);
  assert.equal(m.read16(0x30c), (dpLin >>> 16) << 12);
  assert.equal(f.cw & 0x3f, 0x3f);
  run(0xd9, 0x26, 0x300, false, true); // FLDENV
  assert.equal(f.cw, 0x0340);
  assert.equal(f.fip, ipLin);
});

test('FXSAVE x87 area: abridged tag byte, FOP, pointers, registers at 32 + 16·i', () => {
  const { f, run, m } = setup();
  fld(run, m, 1);
  run(0xd9, 0xee); // FLDZ
  fxsaveX87(f, m, 0x400);
  assert.equal(m.read16(0x400), 0x037f);
  assert.equal(m.read16(0x402), 0x3000);
  assert.equal(m.read8(0x404), 0xc0); // R6, R7 in use
  assert.equal(m.read16(0x406), 0x1ee);
  assert.equal(m.f80(0x400 + 32), '00000000000000000000');
  assert.equal(m.f80(0x400 + 48), ONE);
  const g = new X87();
  fxrstorX87(g, m, 0x400);
  assert.equal(g.tagWord(), 0x1fff); // R7 valid (00), R6 zero (01)
  assert.equal(formatF80(g.st(1)), ONE);
});

test('FXCH, FFREE, FINCSTP/FDECSTP touch only TOP and tags', () => {
  const { f, run, m } = setup();
  fld(run, m, 1);
  fld(run, m, 2);
  run(0xd9, 0xc9);
  assert.equal(num(f, 0), 1);
  run(0xdd, 0xc1); // FFREE ST1
  assert.equal(f.isEmpty(1), true);
  run(0xd9, 0xf7); // FINCSTP
  assert.equal((f.statusWord >> 11) & 7, 7);
  assert.equal(f.isEmpty(7), false, 'the old ST0 keeps its tag');
  run(0xd9, 0xf6); // FDECSTP
  assert.equal(num(f, 0), 1);
});

test('FSQRT honours precision control; FRNDINT rounding control; FSCALE; FXTRACT', () => {
  const { f, run, m } = setup();
  m.bytes[M] = 0x7f;
  m.bytes[M + 1] = 0x00; // PC = 24 bits
  run(0xd9, 0x2e);
  fld(run, m, 2);
  run(0xd9, 0xfa);
  assert.equal(num(f, 0), Math.fround(Math.SQRT2));
  run(0xdb, 0xe3);
  fld(run, m, -2.5);
  run(0xd9, 0xfc); // FRNDINT, nearest-even
  assert.equal(num(f, 0), -2);
  fld(run, m, 3.9);
  fld(run, m, 1.5); // ST0 = 1.5, ST1 = 3.9 → 1.5·2^3
  run(0xd9, 0xfd);
  assert.equal(num(f, 0), 12);
  run(0xd9, 0xf4); // FXTRACT 12 → ST0 = 1.5, ST1 = 3
  assert.equal(num(f, 0), 1.5);
  assert.equal(num(f, 1), 3);
});

test('transcendentals: FSIN/FCOS/FPTAN/FPATAN/FYL2X/F2XM1 on simple values', () => {
  const { f, run, m } = setup();
  fld(run, m, 0.5);
  run(0xd9, 0xfe);
  assert.equal(num(f, 0), Math.sin(0.5));
  fld(run, m, 1);
  run(0xd9, 0xf2); // FPTAN pushes 1.0
  assert.equal(num(f, 0), 1);
  assert.equal(num(f, 1), Math.tan(1));
  run(0xd9, 0xf3); // FPATAN(ST1 = tan 1, ST0 = 1) = 1
  assert.equal(num(f, 0), 1);
  fld(run, m, 3);
  fld(run, m, 8);
  run(0xd9, 0xf1); // FYL2X: 3·log2 8 = 9
  assert.equal(num(f, 0), 9);
  fld(run, m, 0.5);
  run(0xd9, 0xf0); // F2XM1
  assert.equal(num(f, 0), 0.4142135623730950488);
  fld(run, m, 2 ** 64);
  run(0xd9, 0xff); // FCOS out of range: C2 = 1, operand unchanged
  assert.equal(f.statusWord & 0x0400, 0x0400);
  assert.equal(num(f, 0), 2 ** 64);
});

test('saveState/loadState round trip (plain JSON data)', () => {
  const { f, run, m } = setup();
  fld(run, m, 1.25);
  run(0xd9, 0xeb);
  const json = JSON.stringify(f.saveState());
  const g = new X87();
  g.loadState(JSON.parse(json));
  assert.equal(g.statusWord, f.statusWord);
  assert.equal(g.tagWord(), f.tagWord());
  assert.equal(formatF80(g.st(0)), '4000C90FDAA22168C235');
  assert.equal(num(g, 1), 1.25);
  assert.equal(g.fop, f.fop);
});
