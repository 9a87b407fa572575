// Colour lookup: pixel value → attribute controller → DAC → RGB. IBM VGA Technical Reference,
// "Attribute controller" (palette registers, mode control P54S, colour select, colour plane
// enable) and "Video DAC" (pel mask, 6-bit components).

import * as C from './constants.js';
import type { VgaRegisters } from './registers.js';

/** 0xRRGGBB of DAC entry `index` (after the pel mask), 6-bit components widened to 8 bits. */
export function dacRgb(regs: VgaRegisters, index: number): number {
  const i = (index & regs.pelMask) * 3;
  const d = regs.dac;
  if (regs.dac8bit) return (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
  const w = (v: number): number => ((v & 0x3f) << 2) | ((v & 0x3f) >> 4);
  return (w(d[i]) << 16) | (w(d[i + 1]) << 8) | w(d[i + 2]);
}

/** DAC index for a 4-bit pixel/attribute colour, through the attribute controller. */
export function attributeToDac(regs: VgaRegisters, value: number): number {
  const a = regs.attr;
  const p = a[value & a[C.AR_PLANE_ENABLE] & 0x0f];
  const cs = a[C.AR_COLOR_SELECT];
  // P54S: colour select bits 3-0 supply DAC bits 7-4; otherwise bits 3-2 supply bits 7-6.
  return a[C.AR_MODE] & C.AR10_P54S ? ((cs & 0x0f) << 4) | (p & 0x0f) : ((cs & 0x0c) << 4) | (p & 0x3f);
}

/** 0xRRGGBB of the 16 attribute colours (text attributes, 16-colour pixels). */
export function palette16(regs: VgaRegisters, out = new Uint32Array(16)): Uint32Array {
  for (let i = 0; i < 16; i++) out[i] = dacRgb(regs, attributeToDac(regs, i));
  return out;
}

/** RGB 0xRRGGBB → a 32-bit RGBA pixel as stored in little-endian memory (R first). */
export function rgbToRgba32(rgb: number): number {
  return (0xff000000 | ((rgb & 0xff) << 16) | (rgb & 0xff00) | ((rgb >>> 16) & 0xff)) >>> 0;
}
