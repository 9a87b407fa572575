// x87 memory-operand instructions (ModRM mod ≠ 3): loads and stores of every format
// (m32fp/m64fp/m80fp, m16int/m32int/m64int, m80bcd), arithmetic with memory operands, and the
// control/state instructions FLDCW/FNSTCW/FNSTSW/FLDENV/FNSTENV/FRSTOR/FNSAVE (Intel SDM vol.2).
// Stores write memory before any state changes, so a faulting store can be restarted.
import {
  bcdToF80,
  f32ToF80,
  f64ToF80,
  f80ToBcd,
  f80ToF32,
  f80ToF64,
  f80ToInt,
  intToF80,
} from './softfloat-convert.js';
import { F80, defaultNaN } from './softfloat-types.js';
import { fldenv, frstor, fsave, fstenv } from './x87-env.js';
import { X87Memory, X87_OK, X87_UD } from './x87-defs.js';
import type { X87 } from './x87.js';

const INDEF32 = 0xffc00000;
const INDEF64 = 0xfff8000000000000n;

export function readF80(mem: X87Memory, a: number): F80 {
  const lo = mem.read32(a) >>> 0;
  const hi = mem.read32(a + 4) >>> 0;
  return { se: mem.read16(a + 8), sig: (BigInt(hi) << 32n) | BigInt(lo) };
}
export function writeF80(mem: X87Memory, a: number, v: F80): void {
  mem.write32(a, Number(v.sig & 0xffffffffn));
  mem.write32(a + 4, Number(v.sig >> 32n));
  mem.write16(a + 8, v.se);
}
export function read64(mem: X87Memory, a: number): bigint {
  return (BigInt(mem.read32(a + 4) >>> 0) << 32n) | BigInt(mem.read32(a) >>> 0);
}
export function write64(mem: X87Memory, a: number, v: bigint): void {
  mem.write32(a, Number(v & 0xffffffffn));
  mem.write32(a + 4, Number((v >> 32n) & 0xffffffffn));
}
export function readBcd(mem: X87Memory, a: number): bigint {
  return read64(mem, a) | (BigInt(mem.read16(a + 8)) << 64n);
}

/** Memory operand of D8/DC/DA/DE arithmetic, converted to extF80 (flags into env). */
export function loadArithOperand(f: X87, opcode: number, mem: X87Memory, a: number): F80 {
  const env = f.env;
  switch (opcode) {
    case 0xd8:
      return f32ToF80(env, mem.read32(a) >>> 0, true);
    case 0xdc:
      return f64ToF80(env, read64(mem, a), true);
    case 0xda:
      return intToF80(BigInt(mem.read32(a) | 0));
    default:
      return intToF80(BigInt((mem.read16(a) << 16) >> 16));
  }
}

export function execMemory(f: X87, opcode: number, modrm: number, reg: number, a: number, mem: X87Memory, is32: boolean, realMode: boolean): number {
  // Control instructions leave FIP/FDP/FOP alone (Intel SDM vol.1 §8.1.8).
  const control = (opcode === 0xd9 && reg >= 4) || (opcode === 0xdd && (reg === 4 || reg === 6 || reg === 7));
  if (!control) f.updatePointers(opcode, modrm, true);
  const env = f.env;
  switch (opcode) {
    case 0xd8:
    case 0xdc:
    case 0xda:
    case 0xde: {
      if (reg === 2 || reg === 3) {
        const v = loadArithOperand(f, opcode, mem, a);
        f.compare(0, v, true, reg - 2, false);
      } else {
        const v = loadArithOperand(f, opcode, mem, a);
        f.arith(reg, 0, 0, v, false);
      }
      return X87_OK;
    }
    case 0xd9:
      switch (reg) {
        case 0:
          f.pushValue(f32ToF80(env, mem.read32(a) >>> 0));
          return X87_OK;
        case 2:
        case 3:
          storeFloat(f, mem, a, 32, reg === 3);
          return X87_OK;
        case 4:
          fldenv(f, mem, a, is32, realMode);
          return X87_OK;
        case 5:
          f.fldcw(mem.read16(a));
          return X87_OK;
        case 6:
          fstenv(f, mem, a, is32, realMode);
          f.cw |= 0x3f; // FSTENV masks all exceptions after storing (Intel SDM vol.2 FSTENV)
          return X87_OK;
        case 7:
          mem.write16(a, f.cw);
          return X87_OK;
      }
      return X87_UD;
    case 0xdd:
      switch (reg) {
        case 0:
          f.pushValue(f64ToF80(env, read64(mem, a)));
          return X87_OK;
        case 2:
        case 3:
          storeFloat(f, mem, a, 64, reg === 3);
          return X87_OK;
        case 4:
          frstor(f, mem, a, is32, realMode);
          return X87_OK;
        case 6:
          fsave(f, mem, a, is32, realMode);
          f.fninit();
          return X87_OK;
        case 7:
          mem.write16(a, f.statusWord);
          return X87_OK;
      }
      return X87_UD; // DD /1 is FISTTP (SSE3), not on a P6
    case 0xdb:
      switch (reg) {
        case 0:
          f.pushValue(intToF80(BigInt(mem.read32(a) | 0)));
          return X87_OK;
        case 2:
        case 3:
          storeInt(f, mem, a, 32, reg === 3);
          return X87_OK;
        case 5:
          f.pushValue(readF80(mem, a)); // no conversion, no exceptions
          return X87_OK;
        case 7:
          storeF80(f, mem, a);
          return X87_OK;
      }
      return X87_UD;
    default: // 0xdf
      switch (reg) {
        case 0:
          f.pushValue(intToF80(BigInt((mem.read16(a) << 16) >> 16)));
          return X87_OK;
        case 2:
        case 3:
          storeInt(f, mem, a, 16, reg === 3);
          return X87_OK;
        case 4:
          f.pushValue(bcdToF80(readBcd(mem, a)));
          return X87_OK;
        case 5:
          f.pushValue(intToF80(BigInt.asIntN(64, read64(mem, a))));
          return X87_OK;
        case 6:
          storeBcd(f, mem, a);
          return X87_OK;
        case 7:
          storeInt(f, mem, a, 64, true);
          return X87_OK;
      }
      return X87_UD;
  }
}

export function storeFloat(f: X87, mem: X87Memory, a: number, bits: 32 | 64, popAfter: boolean): void {
  if (f.isEmpty(0)) {
    if (!f.underflow()) return;
    if (bits === 32) mem.write32(a, INDEF32);
    else write64(mem, a, INDEF64);
    if (popAfter) f.pop();
    return;
  }
  const v = f.st(0);
  const env = f.env;
  const saved = f.sw;
  if (bits === 32) {
    const r = f80ToF32(env, v);
    if (!f.commit(true)) return;
    writeOrRestore(f, saved, () => mem.write32(a, r));
  } else {
    const r = f80ToF64(env, v);
    if (!f.commit(true)) return;
    writeOrRestore(f, saved, () => write64(mem, a, r));
  }
  if (popAfter) f.pop();
}

/** Perform a store; if it faults, put the status word back so a restart sees the old state. */
export function writeOrRestore(f: X87, saved: number, write: () => void): void {
  try {
    write();
  } catch (e) {
    f.sw = saved;
    throw e;
  }
}

export function storeInt(f: X87, mem: X87Memory, a: number, bits: 16 | 32 | 64, popAfter: boolean): void {
  let v: bigint;
  const saved = f.sw;
  if (f.isEmpty(0)) {
    if (!f.underflow()) return;
    v = -(1n << BigInt(bits - 1));
  } else {
    v = f80ToInt(f.env, f.st(0), bits, true);
    if (!f.commit(true)) return;
  }
  const u = BigInt.asUintN(bits, v);
  writeOrRestore(f, saved, () => {
    if (bits === 16) mem.write16(a, Number(u));
    else if (bits === 32) mem.write32(a, Number(u));
    else write64(mem, a, u);
  });
  if (popAfter) f.pop();
}

export function storeF80(f: X87, mem: X87Memory, a: number): void {
  const saved = f.sw;
  let v: F80;
  if (f.isEmpty(0)) {
    if (!f.underflow()) return;
    v = defaultNaN();
  } else v = f.st(0);
  writeOrRestore(f, saved, () => writeF80(mem, a, v));
  f.pop();
}

export function storeBcd(f: X87, mem: X87Memory, a: number): void {
  const saved = f.sw;
  let v: bigint;
  if (f.isEmpty(0)) {
    if (!f.underflow()) return;
    v = 0xffffc000000000000000n;
  } else {
    v = f80ToBcd(f.env, f.st(0));
    if (!f.commit(true)) return;
  }
  writeOrRestore(f, saved, () => {
    write64(mem, a, v & 0xffffffffffffffffn);
    mem.write16(a + 8, Number(v >> 64n));
  });
  f.pop();
}
