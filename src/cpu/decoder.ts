// The opcode table: one entry per opcode (0x000-0x0FF one-byte, 0x100-0x1FF for 0F xx) telling
// whether a ModRM byte follows, which immediate, whether LOCK is allowed and whether the
// instruction ends a basic block. The interpreter uses it to decode ModRM before calling the
// handler (ops/table.ts); decodeLength() and a later translator read the same table.
// Opcode map: SDM Vol. 2D Appendix A, Tables A-2 (one-byte) and A-3 (two-byte).

export const enum Op {
  IMM_MASK = 0xf,
  IMM_NONE = 0,
  IMM_B = 1, // ib
  IMM_W = 2, // iw
  IMM_Z = 3, // iw or id by operand size
  IMM_MOFFS = 4, // moffs: 2 or 4 bytes by address size
  IMM_PTR = 5, // ptr16:16 or ptr16:32
  IMM_WB = 6, // iw, ib (ENTER)
  IMM_GRP3 = 7, // F6/F7: ib/iz only for /0 and /1 (TEST)
  MODRM = 0x10,
  /** LOCK allowed when the destination is memory (SDM Vol. 2A, LOCK); groups refine by reg. */
  LOCKABLE = 0x20,
  /** No such instruction on this CPU: #UD. */
  INVALID = 0x40,
  /** Changes EIP (jumps, calls, returns, interrupts): ends a translation block. */
  BRANCH = 0x80,
  /** x87 escape (D8-DF). */
  FPU = 0x100,
}

function build(): Uint16Array {
  const t = new Uint16Array(512);
  const set = (ops: number[], v: number) => { for (const o of ops) t[o] |= v; };
  const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
  // ALU families 00-3F: r/m,r / r,r/m / AL,ib / eAX,iz.
  for (let base = 0; base < 0x40; base += 8) {
    set([base, base + 1, base + 2, base + 3], Op.MODRM);
    set([base, base + 1], Op.LOCKABLE);
    set([base + 4], Op.IMM_B);
    set([base + 5], Op.IMM_Z);
  }
  set([0x38, 0x39], 0); // CMP is not lockable
  t[0x38] &= ~Op.LOCKABLE;
  t[0x39] &= ~Op.LOCKABLE;
  set([0x62, 0x63, 0x69, 0x6b], Op.MODRM);
  set([0x68, 0x69], Op.IMM_Z);
  set([0x6a, 0x6b], Op.IMM_B);
  set(range(0x70, 0x7f), Op.IMM_B | Op.BRANCH);
  set(range(0x80, 0x8f), Op.MODRM);
  set([0x80, 0x81, 0x82, 0x83, 0x86, 0x87], Op.LOCKABLE);
  set([0x80, 0x82, 0x83], Op.IMM_B);
  set([0x81], Op.IMM_Z);
  set([0x9a, 0xea], Op.IMM_PTR | Op.BRANCH);
  set([0xa0, 0xa1, 0xa2, 0xa3], Op.IMM_MOFFS);
  set([0xa8], Op.IMM_B);
  set([0xa9], Op.IMM_Z);
  set(range(0xb0, 0xb7), Op.IMM_B);
  set(range(0xb8, 0xbf), Op.IMM_Z);
  set([0xc0, 0xc1, 0xc4, 0xc5, 0xc6, 0xc7, 0xd0, 0xd1, 0xd2, 0xd3, 0xf6, 0xf7, 0xfe, 0xff], Op.MODRM);
  set([0xc0, 0xc1, 0xc6, 0xcd, 0xd4, 0xd5, 0xe4, 0xe5, 0xe6, 0xe7], Op.IMM_B);
  set([0xc7], Op.IMM_Z);
  set([0xc2, 0xca], Op.IMM_W | Op.BRANCH);
  set([0xc3, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xf1, 0xf4, 0x134, 0x135], Op.BRANCH);
  set([0xc8], Op.IMM_WB);
  set(range(0xd8, 0xdf), Op.MODRM | Op.FPU);
  set(range(0xe0, 0xe3), Op.IMM_B | Op.BRANCH);
  set([0xe8, 0xe9], Op.IMM_Z | Op.BRANCH);
  set([0xeb], Op.IMM_B | Op.BRANCH);
  set([0xf6, 0xf7], Op.IMM_GRP3 | Op.LOCKABLE);
  set([0xfe, 0xff], Op.LOCKABLE);
  set([0xff], Op.BRANCH); // CALL/JMP r/m forms (the translator refines by reg)
  // 0F xx.
  const x = 0x100;
  set([x + 0x00, x + 0x01, x + 0x02, x + 0x03], Op.MODRM);
  set(range(x + 0x18, x + 0x1f), Op.MODRM); // hint NOPs (NOP r/m is 0F 1F /0)
  set([x + 0x20, x + 0x21, x + 0x22, x + 0x23], Op.MODRM);
  set(range(x + 0x40, x + 0x4f), Op.MODRM); // CMOVcc
  set(range(x + 0x80, x + 0x8f), Op.IMM_Z | Op.BRANCH);
  set(range(x + 0x90, x + 0x9f), Op.MODRM); // SETcc
  set([x + 0xa3, x + 0xa4, x + 0xa5, x + 0xab, x + 0xac, x + 0xad, x + 0xaf], Op.MODRM);
  set([x + 0xa4, x + 0xac, x + 0xba], Op.IMM_B);
  set([x + 0xb0, x + 0xb1, x + 0xb2, x + 0xb3, x + 0xb4, x + 0xb5, x + 0xb6, x + 0xb7], Op.MODRM);
  set([x + 0xb9, x + 0xba, x + 0xbb, x + 0xbc, x + 0xbd, x + 0xbe, x + 0xbf, x + 0xc0, x + 0xc1, x + 0xc7], Op.MODRM);
  set([x + 0xab, x + 0xb0, x + 0xb1, x + 0xb3, x + 0xba, x + 0xbb, x + 0xc0, x + 0xc1, x + 0xc7], Op.LOCKABLE);
  set([x + 0xff], Op.MODRM); // UD0 takes a ModRM on P6 and later
  set([x + 0xae], Op.MODRM); // FXSAVE/FXRSTOR group
  // What an i686 of this model does not have (MMX/SSE/SYSENTER/CMOV... are decided by IMPLEMENTED below).
  const implemented0f = new Set<number>([
    0x00, 0x01, 0x02, 0x03, 0x06, 0x08, 0x09, 0x20, 0x21, 0x22, 0x23, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0xa0, 0xa1, 0xa2, 0xa3,
    0xa4, 0xa5, 0xa8, 0xa9, 0xab, 0xac, 0xad, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
    0xae, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf, 0xc0, 0xc1, 0xc7,
    ...range(0x18, 0x1f), ...range(0x40, 0x4f), ...range(0x80, 0x8f), ...range(0x90, 0x9f), ...range(0xc8, 0xcf),
  ]);
  for (let i = 0; i < 256; i++) if (!implemented0f.has(i)) t[x + i] |= Op.INVALID;
  t[0x0f] |= Op.INVALID; // the escape itself never reaches the table
  for (const p of [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]) t[p] |= Op.INVALID;
  return t;
}

/** Per-opcode decode information (Op bits). */
export const OPCODE_INFO: Uint16Array = build();

/** 1 for the legacy prefix bytes (SDM Vol. 2A §2.1.1). */
export const PREFIX: Uint8Array = (() => {
  const p = new Uint8Array(256);
  for (const b of [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]) p[b] = 1;
  return p;
})();

/**
 * Length in bytes of the instruction at the start of `code` (for tests and translators), or -1
 * if it is longer than 15 bytes or runs past `code`. `big`: 32-bit code segment.
 */
export function decodeLength(code: ArrayLike<number>, big: boolean): number {
  let i = 0;
  let o32 = big;
  let a32 = big;
  const at = (k: number) => (k < code.length ? code[k] : -1);
  while (PREFIX[at(i)] === 1) {
    if (code[i] === 0x66) o32 = !big;
    if (code[i] === 0x67) a32 = !big;
    i++;
  }
  let op = at(i++);
  if (op < 0) return -1;
  if (op === 0x0f) {
    op = at(i++);
    if (op < 0) return -1;
    op |= 0x100;
  }
  const info = OPCODE_INFO[op];
  let reg = 0;
  if ((info & Op.MODRM) !== 0) {
    const m = at(i++);
    if (m < 0) return -1;
    reg = (m >> 3) & 7;
    const mod = m >> 6;
    const rm = m & 7;
    if (mod !== 3) {
      if (!a32) {
        if (mod === 1) i += 1;
        else if (mod === 2 || (mod === 0 && rm === 6)) i += 2;
      } else {
        let base = rm;
        if (rm === 4) base = at(i++) & 7;
        if (mod === 1) i += 1;
        else if (mod === 2 || (mod === 0 && base === 5)) i += 4;
      }
    }
  }
  const z = o32 ? 4 : 2;
  switch (info & Op.IMM_MASK) {
    case Op.IMM_B: i += 1; break;
    case Op.IMM_W: i += 2; break;
    case Op.IMM_Z: i += z; break;
    case Op.IMM_MOFFS: i += a32 ? 4 : 2; break;
    case Op.IMM_PTR: i += z + 2; break;
    case Op.IMM_WB: i += 3; break;
    case Op.IMM_GRP3: if (reg < 2) i += op === 0xf6 ? 1 : z; break;
  }
  return i > 15 || i > code.length ? -1 : i;
}
