// Graphics modes to pixels: planar 16-colour (modes 0Dh-12h, VBE 4 bpp), CGA 2-bit interleaved
// (mode 04h/05h), 256-colour (mode 13h chain-4 and unchained "mode X", which share one layout
// here), and VBE packed-pixel modes at 8, 15, 16, 24 and 32 bpp. Only scanlines whose source
// bytes were written since `sinceSeq` are redrawn. References: IBM VGA Technical Reference,
// "Graphics modes", CRTC 09h/13h/17h/18h, GR05 shift register modes; Bochs VBE (vbe.ts).

import * as C from './constants.js';
import type { VgaMemory } from './memory.js';
import type { VgaRegisters } from './registers.js';
import type { VbeDispi } from './vbe.js';

export const enum PixelFormat {
  Planar4 = 0,
  Cga2 = 1,
  Indexed8 = 2,
  Rgb15 = 3,
  Rgb16 = 4,
  Rgb24 = 5,
  Rgb32 = 6,
}

export interface GraphicsLayout {
  format: PixelFormat;
  width: number;
  height: number;
  /** VGA modes: first plane address, plane addresses per character row. */
  start: number;
  rowStride: number;
  linesPerRow: number;
  /** Row-scan bits substituted into the address (CRTC 17h bits 0/1 clear), in plane-address units. */
  cgaBit: number;
  hercBit: number;
  /** First output line drawn from address 0 (line compare split), or height when none. */
  splitLine: number;
  /** VBE packed modes: first byte and bytes per line. */
  startByte: number;
  lineBytes: number;
  /** Pixels the picture is shifted left by (AR13 horizontal pel panning), and after the split. */
  pan: number;
  splitPan: number;
}

export function graphicsLayout(regs: VgaRegisters, vbe: VbeDispi): GraphicsLayout {
  const cr = regs.crtc;
  const gc5 = regs.gc[C.GR_MODE];
  const base: GraphicsLayout = {
    format: PixelFormat.Planar4,
    width: 0,
    height: 0,
    start: regs.startAddress,
    rowStride: cr[C.CR_OFFSET] * 2,
    linesPerRow: 1,
    cgaBit: 0,
    hercBit: 0,
    splitLine: 0,
    startByte: 0,
    lineBytes: 0,
    pan: 0,
    splitPan: 0,
  };
  if (vbe.enabled) {
    base.width = vbe.width;
    base.height = vbe.height;
    base.splitLine = base.height;
    base.startByte = vbe.startByte;
    base.lineBytes = vbe.lineBytes;
    switch (vbe.bpp) {
      case 4:
        base.start = vbe.startByte >>> 2;
        base.rowStride = vbe.lineBytes >>> 2;
        return base;
      case 15:
        base.format = PixelFormat.Rgb15;
        return base;
      case 16:
        base.format = PixelFormat.Rgb16;
        return base;
      case 24:
        base.format = PixelFormat.Rgb24;
        return base;
      case 32:
        base.format = PixelFormat.Rgb32;
        return base;
      default:
        base.format = PixelFormat.Indexed8;
        base.start = vbe.startByte >>> 2;
        base.rowStride = vbe.lineBytes >>> 2;
        return base;
    }
  }
  if (gc5 & C.GR05_SHIFT_256) base.format = PixelFormat.Indexed8;
  else if (gc5 & C.GR05_SHIFT_INTERLEAVE) base.format = PixelFormat.Cga2;
  const dots = (cr[C.CR_H_DISP_END] + 1) * 8;
  base.width = base.format === PixelFormat.Indexed8 ? dots >> 1 : dots;
  const maxScan = cr[C.CR_MAX_SCAN_LINE];
  const doubled = (maxScan & 0x80) !== 0;
  const visible = regs.displayLines >> (doubled ? 1 : 0);
  base.linesPerRow = (maxScan & 0x1f) + 1;
  // In word mode (CR17 bit 6 clear) host addresses were halved by odd/even, so are these bits.
  const wordMode = !(cr[C.CR_MODE_CONTROL] & 0x40);
  if (!(cr[C.CR_MODE_CONTROL] & C.CR17_CMS)) base.cgaBit = wordMode ? 0x1000 : 0x2000;
  if (!(cr[C.CR_MODE_CONTROL] & C.CR17_SRS)) base.hercBit = wordMode ? 0x2000 : 0x4000;
  const perRowLines = base.cgaBit || base.hercBit;
  // Without address substitution every scan line of a character row is identical: draw it once.
  base.height = perRowLines ? visible : Math.ceil(visible / base.linesPerRow);
  if (!perRowLines) base.linesPerRow = 1;
  const rawPerLine = (doubled ? 2 : 1) * (perRowLines ? 1 : (maxScan & 0x1f) + 1);
  base.splitLine = Math.min(base.height, Math.floor((regs.lineCompare + 1) / rawPerLine));
  // AR13: 0-7 pixels in 16-colour modes; in 256-colour modes the value counts half pixels.
  // AR10 bit 5 (pel panning compatibility) forces panning to 0 below the split.
  const pel = regs.attr[C.AR_PEL_PANNING] & 0x0f;
  if (base.format === PixelFormat.Planar4) base.pan = pel & 7;
  else if (base.format === PixelFormat.Indexed8) base.pan = (pel & 7) >> 1;
  base.splitPan = regs.attr[C.AR_MODE] & 0x20 ? 0 : base.pan;
  return base;
}

/** Plane address of the first byte of output line y. */
function lineAddress(l: GraphicsLayout, y: number): number {
  let start = l.start;
  if (y >= l.splitLine) {
    y -= l.splitLine;
    start = 0;
  }
  const row = Math.floor(y / l.linesPerRow);
  const scan = y % l.linesPerRow;
  let pa = start + row * l.rowStride;
  if (l.cgaBit) pa = scan & 1 ? pa | l.cgaBit : pa & ~l.cgaBit;
  if (l.hercBit) pa = scan & 2 ? pa | l.hercBit : pa & ~l.hercBit;
  return pa;
}

function bytesPerPixel(f: PixelFormat): number {
  return f === PixelFormat.Rgb32 ? 4 : f === PixelFormat.Rgb24 ? 3 : 2;
}

function newestWrite(mem: VgaMemory, first: number, count: number): number {
  const pages = mem.pageGen;
  const lastPage = pages.length - 1;
  let newest = 0;
  const a = Math.min(first >>> 12, lastPage);
  const b = Math.min((first + Math.max(count, 1) - 1) >>> 12, lastPage);
  for (let p = a; p <= b; p++) if (pages[p]! > newest) newest = pages[p]!;
  return newest;
}

/**
 * Draws the lines of `l` written after `sinceSeq` (all lines when sinceSeq < 0) into `pixels`
 * (RGBA words, l.width per row). `pal16` maps 4-bit values through the attribute controller,
 * `pal256` maps DAC indices. Returns [top, bottom) of lines drawn, or null.
 */
export function drawGraphics(
  l: GraphicsLayout,
  mem: VgaMemory,
  pixels: Uint32Array,
  sinceSeq: number,
  pal16: Uint32Array,
  pal256: Uint32Array,
): [number, number] | null {
  const v = mem.vram;
  const paMask = mem.vbeEnabled ? (mem.size >>> 2) - 1 : C.VGA_PLANE_SIZE - 1;
  const byteMask = mem.size - 1;
  let top = -1;
  let bottom = -1;
  for (let y = 0; y < l.height; y++) {
    let o = y * l.width;
    if (l.format >= PixelFormat.Rgb15) {
      const bpp = bytesPerPixel(l.format);
      const first = l.startByte + y * l.lineBytes;
      if (first + l.width * bpp > mem.size) break;
      if (sinceSeq >= 0 && newestWrite(mem, first, l.width * bpp) <= sinceSeq) continue;
      drawPacked(l.format, v, first, l.width, pixels, o);
    } else {
      const pa = lineAddress(l, y);
      const pan = y >= l.splitLine ? l.splitPan : l.pan;
      const span = (l.format === PixelFormat.Indexed8 ? l.width >> 2 : l.width >> 3) + (pan ? 1 : 0);
      if (sinceSeq >= 0 && newestWrite(mem, (pa & paMask) << 2, span << 2) <= sinceSeq && ((pa + span) & paMask) > (pa & paMask)) continue;
      if (l.format === PixelFormat.Indexed8) {
        for (let x = pan; x < l.width + pan; x++) pixels[o++] = pal256[v[((((pa + (x >> 2)) & paMask) << 2) | (x & 3)) & byteMask]]!;
      } else if (l.format === PixelFormat.Planar4) {
        const end = o + l.width;
        let skip = pan;
        for (let i = 0; i < span; i++) {
          const b = ((pa + i) & paMask) << 2;
          const p0 = v[b], p1 = v[b + 1], p2 = v[b + 2], p3 = v[b + 3];
          for (let bit = 7; bit >= 0; bit--) {
            if (skip > 0) {
              skip--;
              continue;
            }
            if (o >= end) break;
            const c = ((p0 >> bit) & 1) | (((p1 >> bit) & 1) << 1) | (((p2 >> bit) & 1) << 2) | (((p3 >> bit) & 1) << 3);
            pixels[o++] = pal16[c]!;
          }
        }
      } else {
        // CGA 2-bit: plane 0 (even host byte) then plane 1 (odd), four pixels each, MSB first.
        for (let i = 0; i < l.width >> 3; i++) {
          const b = ((pa + i) & paMask) << 2;
          for (let k = 0; k < 2; k++) {
            const byte = v[b + k];
            for (let s = 6; s >= 0; s -= 2) pixels[o++] = pal16[(byte >> s) & 3]!;
          }
        }
      }
    }
    if (top < 0) top = y;
    bottom = y + 1;
  }
  return top < 0 ? null : [top, bottom];
}

function drawPacked(f: PixelFormat, v: Uint8Array, first: number, width: number, pixels: Uint32Array, o: number): void {
  let a = first;
  switch (f) {
    case PixelFormat.Rgb32:
      for (let x = 0; x < width; x++, a += 4) pixels[o++] = (0xff000000 | (v[a] << 16) | (v[a + 1] << 8) | v[a + 2]) >>> 0;
      return;
    case PixelFormat.Rgb24:
      for (let x = 0; x < width; x++, a += 3) pixels[o++] = (0xff000000 | (v[a] << 16) | (v[a + 1] << 8) | v[a + 2]) >>> 0;
      return;
    case PixelFormat.Rgb16:
      for (let x = 0; x < width; x++, a += 2) {
        const p = v[a] | (v[a + 1] << 8);
        const r = (p >> 11) & 0x1f, g = (p >> 5) & 0x3f, b = p & 0x1f;
        pixels[o++] = (0xff000000 | (((b << 3) | (b >> 2)) << 16) | (((g << 2) | (g >> 4)) << 8) | ((r << 3) | (r >> 2))) >>> 0;
      }
      return;
    default:
      for (let x = 0; x < width; x++, a += 2) {
        const p = v[a] | (v[a + 1] << 8);
        const r = (p >> 10) & 0x1f, g = (p >> 5) & 0x1f, b = p & 0x1f;
        pixels[o++] = (0xff000000 | (((b << 3) | (b >> 2)) << 16) | (((g << 3) | (g >> 2)) << 8) | ((r << 3) | (r >> 2))) >>> 0;
      }
  }
}
