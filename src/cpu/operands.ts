// Operand access for the decoded ModRM: register fields and r/m operands of 8, 16 and 32 bits.
import type { Cpu } from './cpu.js';
import { REG8_OFFSET } from './state.js';
import { rd8, rd16, rd32, wr8, wr16, wr32, probeWrite } from './mmu.js';

export function getReg8(c: Cpu, r: number): number {
  return c.r8[REG8_OFFSET[r]];
}
export function setReg8(c: Cpu, r: number, v: number): void {
  c.r8[REG8_OFFSET[r]] = v;
}
export function getReg16(c: Cpu, r: number): number {
  return c.r16[r << 1];
}
export function setReg16(c: Cpu, r: number, v: number): void {
  c.r16[r << 1] = v;
}

export function getRM8(c: Cpu): number {
  return c.isReg ? c.r8[REG8_OFFSET[c.rm]] : rd8(c, c.eaSeg, c.eaOff);
}
export function setRM8(c: Cpu, v: number): void {
  if (c.isReg) c.r8[REG8_OFFSET[c.rm]] = v;
  else wr8(c, c.eaSeg, c.eaOff, v);
}
export function getRM16(c: Cpu): number {
  return c.isReg ? c.r16[c.rm << 1] : rd16(c, c.eaSeg, c.eaOff);
}
export function setRM16(c: Cpu, v: number): void {
  if (c.isReg) c.r16[c.rm << 1] = v;
  else wr16(c, c.eaSeg, c.eaOff, v);
}
export function getRM32(c: Cpu): number {
  return c.isReg ? c.regs[c.rm] : rd32(c, c.eaSeg, c.eaOff);
}
export function setRM32(c: Cpu, v: number): void {
  if (c.isReg) c.regs[c.rm] = v;
  else wr32(c, c.eaSeg, c.eaOff, v);
}

/** r/m of the operand size (16 or 32). */
export function getRMv(c: Cpu): number {
  return c.o32 ? getRM32(c) : getRM16(c);
}
export function setRMv(c: Cpu, v: number): void {
  if (c.o32) setRM32(c, v);
  else setRM16(c, v);
}
/** Register (ModRM reg field) of the operand size. */
export function getRegv(c: Cpu, r: number): number {
  return c.o32 ? c.regs[r] : c.r16[r << 1];
}
export function setRegv(c: Cpu, r: number, v: number): void {
  if (c.o32) c.regs[r] = v;
  else c.r16[r << 1] = v;
}

/**
 * The offset n bytes after the memory operand (selector of a far pointer, BOUND's upper limit).
 * Not wrapped at 64 KiB with 16-bit addressing: the limit check sees the true offset, as on a 386+.
 */
export function eaPlus(c: Cpu, n: number): number {
  return c.a32 ? (c.eaOff + n) >>> 0 : c.eaOff + n;
}

/** A memory r/m destination of `size` bytes can be written (see probeWrite); registers always can. */
export function probeRM(c: Cpu, size: number): void {
  if (!c.isReg) probeWrite(c, c.eaSeg, c.eaOff, size);
}
