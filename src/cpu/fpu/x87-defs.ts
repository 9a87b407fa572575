// Shared definitions of the x87 unit: the memory interface the CPU provides, execute() result
// codes, status-word bits (Intel SDM vol.1 §8.1.3 figure 8-4) and tag values (§8.1.7).
/** Byte/word/dword access at a linear address (the CPU's accessors, which may throw). */
export interface X87Memory {
  read8(addr: number): number;
  read16(addr: number): number;
  read32(addr: number): number;
  write8(addr: number, v: number): void;
  write16(addr: number, v: number): void;
  write32(addr: number, v: number): void;
}

export const X87_OK = 0;
export const X87_UD = 1;
export const X87_EFLAGS = 2;
export const X87_AX = 3;

// Status word (Intel SDM vol.1 §8.1.3, figure 8-4).
export const SW_IE = 0x0001;
export const SW_DE = 0x0002;
export const SW_ZE = 0x0004;
export const SW_OE = 0x0008;
export const SW_UE = 0x0010;
export const SW_PE = 0x0020;
export const SW_SF = 0x0040;
export const SW_ES = 0x0080;
export const SW_C0 = 0x0100;
export const SW_C1 = 0x0200;
export const SW_C2 = 0x0400;
export const SW_C3 = 0x4000;
export const SW_B = 0x8000;
export const SW_CC = SW_C0 | SW_C1 | SW_C2 | SW_C3;

// EFLAGS bits written by FCOMI/FUCOMI and read by FCMOVcc.
export const EF_CF = 0x01;
export const EF_PF = 0x04;
export const EF_AF = 0x10;
export const EF_ZF = 0x40;
export const EF_SF = 0x80;
export const EF_OF = 0x800;

/** Tag values (Intel SDM vol.1 §8.1.7). */
export const TAG_VALID = 0;
export const TAG_ZERO = 1;
export const TAG_SPECIAL = 2;
export const TAG_EMPTY = 3;

