// The translator's view of one instruction: prefixes, opcode, ModRM/SIB/displacement and
// immediates decoded from the code bytes once, at translation time, with the same opcode table
// (decoder.ts OPCODE_INFO) the interpreter uses. Layout: SDM Vol. 2A §2.1 (instruction format),
// Tables 2-1..2-3 (ModRM/SIB); prefixes §2.1.1.
import { OPCODE_INFO, Op, PREFIX } from '../decoder.js';
import { SEG_NONE, Seg } from '../state.js';

/** One decoded instruction. Offsets are relative to the block's code array. */
export class Insn {
  /** EIP of the first byte (prefixes included). */
  eip = 0;
  len = 0;
  /** Opcode as in OPCODE_INFO: 0x000-0x0FF, 0x100 | byte for 0F xx. */
  op = 0;
  info = 0;
  o32 = false;
  a32 = false;
  segOvr = SEG_NONE;
  rep = 0;
  lock = false;
  prefixes = 0;
  hasModrm = false;
  modrm = 0;
  reg = 0;
  rm = 0;
  isReg = false;
  /** Memory operand: base register (-1 none), index register (-1 none), scale shift, displacement. */
  base = -1;
  index = -1;
  scale = 0;
  disp = 0;
  /** Segment of the memory operand after overrides. */
  eaSeg = Seg.DS;
  eaEspBase = false;
  /** EIP just after ModRM/SIB/displacement: where the interpreter's handlers fetch immediates. */
  afterModrm = 0;
  /** First immediate (sign as encoded: ib/iw/id zero-extended; see imm8s) and its length. */
  imm = 0;
  immLen = 0;
}

const MAX_LEN = 15;

/**
 * Decodes the instruction at code[at] (EIP `eip`), not reading at or past `end`. Returns false
 * when the instruction does not fit (crosses the end, or is longer than 15 bytes: the
 * interpreter raises #GP for that) — the translator then stops the block before it.
 */
export function decodeInsn(code: Uint8Array, at: number, end: number, eip: number, big: boolean, d: Insn): boolean {
  let i = at;
  const lim = Math.min(end, at + MAX_LEN);
  d.eip = eip;
  d.o32 = big;
  d.a32 = big;
  d.segOvr = SEG_NONE;
  d.rep = 0;
  d.lock = false;
  d.prefixes = 0;
  let b: number;
  for (;;) {
    if (i >= lim) return false;
    b = code[i++];
    if (PREFIX[b] === 0) break;
    d.prefixes++;
    switch (b) {
      case 0x26: d.segOvr = Seg.ES; break;
      case 0x2e: d.segOvr = Seg.CS; break;
      case 0x36: d.segOvr = Seg.SS; break;
      case 0x3e: d.segOvr = Seg.DS; break;
      case 0x64: d.segOvr = Seg.FS; break;
      case 0x65: d.segOvr = Seg.GS; break;
      case 0x66: d.o32 = !big; break;
      case 0x67: d.a32 = !big; break;
      case 0xf0: d.lock = true; break;
      default: d.rep = b; break;
    }
  }
  if (b === 0x0f) {
    if (i >= lim) return false;
    b = 0x100 | code[i++];
  }
  d.op = b;
  const info = OPCODE_INFO[b];
  d.info = info;
  d.hasModrm = (info & Op.MODRM) !== 0;
  d.isReg = false;
  d.base = -1;
  d.index = -1;
  d.scale = 0;
  d.disp = 0;
  d.eaEspBase = false;
  d.reg = 0;
  d.rm = 0;
  d.modrm = 0;
  if (d.hasModrm) {
    if (i >= lim) return false;
    const m = code[i++];
    d.modrm = m;
    d.reg = (m >> 3) & 7;
    d.rm = m & 7;
    const mod = m >> 6;
    if (mod === 3) {
      d.isReg = true;
    } else {
      let seg: number = Seg.DS;
      const rm = m & 7;
      if (!d.a32) {
        // 16-bit forms (Table 2-1): BX+SI, BX+DI, BP+SI, BP+DI, SI, DI, BP/disp16, BX.
        const bases = [3, 3, 5, 5, 6, 7, 5, 3];
        const idx = [6, 7, 6, 7, -1, -1, -1, -1];
        if (rm === 6 && mod === 0) {
          if (i + 2 > lim) return false;
          d.disp = code[i] | (code[i + 1] << 8);
          i += 2;
        } else {
          d.base = bases[rm];
          d.index = idx[rm];
          if (rm === 2 || rm === 3 || rm === 6) seg = Seg.SS;
        }
        if (mod === 1) {
          if (i + 1 > lim) return false;
          d.disp = (code[i++] << 24) >> 24;
        } else if (mod === 2) {
          if (i + 2 > lim) return false;
          d.disp = code[i] | (code[i + 1] << 8);
          i += 2;
        }
      } else {
        if (rm === 4) {
          if (i >= lim) return false;
          const sib = code[i++];
          const base = sib & 7;
          const index = (sib >> 3) & 7;
          if (base === 5 && mod === 0) {
            if (i + 4 > lim) return false;
            d.disp = code[i] | (code[i + 1] << 8) | (code[i + 2] << 16) | (code[i + 3] << 24);
            i += 4;
          } else {
            d.base = base;
            if (base === 4 || base === 5) seg = Seg.SS;
            if (base === 4) d.eaEspBase = true;
          }
          if (index !== 4) {
            d.index = index;
            d.scale = sib >> 6;
          }
        } else if (rm === 5 && mod === 0) {
          if (i + 4 > lim) return false;
          d.disp = code[i] | (code[i + 1] << 8) | (code[i + 2] << 16) | (code[i + 3] << 24);
          i += 4;
        } else {
          d.base = rm;
          if (rm === 5) seg = Seg.SS;
        }
        if (mod === 1) {
          if (i + 1 > lim) return false;
          d.disp = (code[i++] << 24) >> 24;
        } else if (mod === 2) {
          if (i + 4 > lim) return false;
          d.disp = code[i] | (code[i + 1] << 8) | (code[i + 2] << 16) | (code[i + 3] << 24);
          i += 4;
        }
      }
      d.eaSeg = d.segOvr >= 0 ? d.segOvr : seg;
    }
  }
  d.afterModrm = eip + (i - at);
  // Immediates, as decodeLength() counts them.
  const z = d.o32 ? 4 : 2;
  let n = 0;
  switch (info & Op.IMM_MASK) {
    case Op.IMM_B: n = 1; break;
    case Op.IMM_W: n = 2; break;
    case Op.IMM_Z: n = z; break;
    case Op.IMM_MOFFS: n = d.a32 ? 4 : 2; break;
    case Op.IMM_PTR: n = z + 2; break;
    case Op.IMM_WB: n = 3; break;
    case Op.IMM_GRP3: if (d.reg < 2) n = b === 0xf6 ? 1 : z; break;
  }
  if (i + n > lim) return false;
  d.immLen = n;
  d.imm = 0;
  if (n === 1) d.imm = code[i];
  else if (n === 2) d.imm = code[i] | (code[i + 1] << 8);
  else if (n === 4) d.imm = (code[i] | (code[i + 1] << 8) | (code[i + 2] << 16) | (code[i + 3] << 24)) >>> 0;
  i += n;
  d.len = i - at;
  return true;
}
