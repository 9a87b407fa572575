// Names for the architectural state of an i686: register indices, segment indices, EFLAGS and
// control-register bits. Values from the Intel SDM Vol. 1 §3.4 (registers, EFLAGS) and Vol. 3A
// §2.5 (control registers), §3.4.5 (segment descriptor attributes).

/** General registers, in ModRM encoding order (SDM Vol. 2A Table 2-1). */
export const enum Reg {
  EAX = 0,
  ECX = 1,
  EDX = 2,
  EBX = 3,
  ESP = 4,
  EBP = 5,
  ESI = 6,
  EDI = 7,
}

/** Segment registers, in the sreg encoding order of MOV Sreg (SDM Vol. 2B, MOV). */
export const enum Seg {
  ES = 0,
  CS = 1,
  SS = 2,
  DS = 3,
  FS = 4,
  GS = 5,
  /** Not addressable by instructions: the system segments share the same cache arrays. */
  LDTR = 6,
  TR = 7,
}
/** Marks "no segment override" in the decoder. */
export const SEG_NONE = -1;

/** EFLAGS bits (SDM Vol. 1 §3.4.3). */
export const enum Flag {
  CF = 1 << 0,
  FIXED1 = 1 << 1, // always 1
  PF = 1 << 2,
  AF = 1 << 4,
  ZF = 1 << 6,
  SF = 1 << 7,
  TF = 1 << 8,
  IF = 1 << 9,
  DF = 1 << 10,
  OF = 1 << 11,
  IOPL = 3 << 12,
  NT = 1 << 14,
  RF = 1 << 16,
  VM = 1 << 17,
  AC = 1 << 18,
  VIF = 1 << 19,
  VIP = 1 << 20,
  ID = 1 << 21,
}
/** The six arithmetic status flags, the ones the lazy-flags unit may hold unevaluated. */
export const ARITH_FLAGS = 0x8d5; // CF|PF|AF|ZF|SF|OF

/**
 * EFLAGS bits software can change on the CPU we model (a P6 without VME/PVI): bits 1, 3, 5, 15
 * and 22-31 are reserved. ID (bit 21) is writable: its toggling is how software detects CPUID.
 */
export const EFLAGS_WRITABLE = 0x003f7fd5;

/** CR0 bits (SDM Vol. 3A §2.5). */
export const enum Cr0 {
  PE = 1 << 0,
  MP = 1 << 1,
  EM = 1 << 2,
  TS = 1 << 3,
  ET = 1 << 4,
  NE = 1 << 5,
  WP = 1 << 16,
  AM = 1 << 18,
  NW = 1 << 29,
  CD = 1 << 30,
  PG = 1 << 31,
}

/** Exception vectors (SDM Vol. 3A §6.3.1, Table 6-1). */
export const enum Vec {
  DE = 0,
  DB = 1,
  NMI = 2,
  BP = 3,
  OF = 4,
  BR = 5,
  UD = 6,
  NM = 7,
  DF = 8,
  TS = 10,
  NP = 11,
  SS = 12,
  GP = 13,
  PF = 14,
  MF = 16,
  AC = 17,
}

/**
 * Segment cache attribute bits as kept in segAttr: the descriptor's access byte in bits 0-7
 * and the flags nibble (AVL, L, D/B, G) in bits 12-15, i.e. bits 8-15 of the descriptor's
 * second dword shifted down by 8 (SDM Vol. 3A §3.4.5, Figure 3-8).
 */
export const enum Attr {
  ACCESSED = 1 << 0,
  /** Data: writable. Code: readable. */
  RW = 1 << 1,
  /** Data: expand-down. Code: conforming. */
  DC = 1 << 2,
  CODE = 1 << 3,
  /** S: 1 for code/data, 0 for system descriptors. */
  S = 1 << 4,
  DPL_SHIFT = 5,
  P = 1 << 7,
  /** Default operand size (code) / big stack (stack segment). */
  DB = 1 << 14,
  G = 1 << 15,
}
/** A present, accessed, writable data segment: what real mode leaves in the caches at reset. */
export const REAL_MODE_DATA_ATTR = Attr.P | Attr.S | Attr.RW | Attr.ACCESSED;
/** A present, readable, accessed code segment. */
export const REAL_MODE_CODE_ATTR = Attr.P | Attr.S | Attr.CODE | Attr.RW | Attr.ACCESSED;

/** Per-segment access permissions derived from the attributes, checked on every access. */
export const enum SegAccess {
  READ = 1,
  WRITE = 2,
}

/** Byte offsets of the 8-bit registers AL,CL,DL,BL,AH,CH,DH,BH in the little-endian register file. */
export const REG8_OFFSET: readonly number[] = [0, 4, 8, 12, 1, 5, 9, 13];
