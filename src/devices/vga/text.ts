// Text modes: reading the screen (characters, attributes, cursor) out of planes 0 and 1, and
// drawing it with the font the guest loaded into plane 2. IBM VGA Technical Reference:
// "Alphanumeric modes", CRTC 09h (maximum scan line), 0Ah/0Bh (cursor), 0Ch-0Fh (start and
// cursor address), 13h (offset); sequencer 03h (character map select); attribute mode control.

import * as C from './constants.js';
import { CP437 } from './cp437.js';
import type { VgaMemory } from './memory.js';
import { palette16 } from './palette.js';
import type { VgaRegisters } from './registers.js';

export interface TextCursor {
  x: number;
  y: number;
  visible: boolean;
  /** First and last scan line of the cursor within a cell (CR0A, CR0B). */
  startLine: number;
  endLine: number;
}

/** A plain-data picture of a text screen (structured-clonable, so it can cross to a worker). */
export interface TextScreen {
  cols: number;
  rows: number;
  /** Row-major cells: character | attribute << 8. */
  chars: Uint16Array;
  cursor: TextCursor;
  charWidth: 8 | 9;
  charHeight: number;
  /** Attribute bit 7 blinks the character (else it selects a bright background). */
  blinkEnabled: boolean;
  /** 0xRRGGBB for the 16 attribute colours, as the attribute controller and DAC map them. */
  palette: Uint32Array;
  /** Changes whenever anything above may have changed (compare with the previous value). */
  generation: number;
}

/** Plane-2 offsets of the eight character maps (sequencer 03h values 0-7). */
const FONT_MAP_OFFSET = [0x0000, 0x4000, 0x8000, 0xc000, 0x2000, 0x6000, 0xa000, 0xe000] as const;

export function textGeometry(regs: VgaRegisters): { cols: number; rows: number; charHeight: number; stride: number } {
  const cr = regs.crtc;
  const cols = Math.min(cr[C.CR_H_DISP_END] + 1, 256);
  const charHeight = (cr[C.CR_MAX_SCAN_LINE] & 0x1f) + 1;
  let lines = regs.displayLines;
  if (cr[C.CR_MAX_SCAN_LINE] & 0x80) lines >>= 1;
  const rows = Math.max(1, Math.min(Math.floor(lines / charHeight), 128));
  // CR13 counts words in text modes: one character/attribute cell per plane address.
  const stride = cr[C.CR_OFFSET] * 2 || cols;
  return { cols, rows, charHeight, stride };
}

export function snapshotText(regs: VgaRegisters, mem: VgaMemory): TextScreen {
  const { cols, rows, charHeight, stride } = textGeometry(regs);
  const chars = new Uint16Array(cols * rows);
  const start = regs.startAddress;
  const v = mem.vram;
  let newest = 0;
  for (let r = 0; r < rows; r++) {
    const rowBase = start + r * stride;
    for (let c = 0; c < cols; c++) {
      const b = ((rowBase + c) & 0xffff) << 2;
      chars[r * cols + c] = v[b] | (v[b + 1] << 8);
    }
    const first = ((rowBase & 0xffff) << 2) >>> 12;
    const last = (((rowBase + cols - 1) & 0xffff) << 2) >>> 12;
    for (let p = first; p <= last; p++) if (mem.pageGen[p]! > newest) newest = mem.pageGen[p]!;
  }
  const cr = regs.crtc;
  const off = (regs.cursorAddress - start) & 0xffff;
  const x = off % stride;
  const y = Math.floor(off / stride);
  const startLine = cr[C.CR_CURSOR_START] & 0x1f;
  const endLine = cr[C.CR_CURSOR_END] & 0x1f;
  return {
    cols,
    rows,
    chars,
    cursor: {
      x,
      y,
      visible: !(cr[C.CR_CURSOR_START] & C.CR0A_CURSOR_OFF) && startLine <= endLine && x < cols && y < rows,
      startLine,
      endLine,
    },
    charWidth: regs.seq[C.SR_CLOCKING] & C.SR01_DOTS8 ? 8 : 9,
    charHeight,
    blinkEnabled: (regs.attr[C.AR_MODE] & C.AR10_BLINK) !== 0,
    palette: palette16(regs),
    generation: regs.generation + newest,
  };
}

/** The screen as lines of Unicode text (code page 437), trailing blanks kept. */
export function textLines(screen: TextScreen): string[] {
  const lines: string[] = [];
  for (let r = 0; r < screen.rows; r++) {
    let s = '';
    for (let c = 0; c < screen.cols; c++) s += CP437[screen.chars[r * screen.cols + c]! & 0xff];
    lines.push(s);
  }
  return lines;
}

/**
 * Draws text cells into a 32-bit RGBA pixel buffer (`width` pixels per row). Only cells whose
 * value differs from `previous` (or all, when `previous` is null) are drawn; `phase` is the
 * blink phase: bit 0 = cursor shown, bit 1 = blinking characters shown. Returns [firstRow, lastRow+1) of pixel
 * rows touched, or null when nothing changed.
 */
export function drawText(
  regs: VgaRegisters,
  mem: VgaMemory,
  screen: TextScreen,
  pixels: Uint32Array,
  width: number,
  previous: Uint32Array | null,
  phase: number,
  rgba: Uint32Array,
): [number, number] | null {
  const { cols, rows, charWidth, charHeight, chars, cursor } = screen;
  const sel = regs.seq[C.SR_CHAR_MAP];
  const mapA = FONT_MAP_OFFSET[((sel >> 3) & 4) | ((sel >> 2) & 3)]!; // attribute bit 3 = 1
  const mapB = FONT_MAP_OFFSET[((sel >> 2) & 4) | (sel & 3)]!; // attribute bit 3 = 0
  const lineGraphics = (regs.attr[C.AR_MODE] & C.AR10_LINE_GRAPHICS) !== 0;
  const v = mem.vram;
  let top = -1;
  let bottom = -1;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const cell = chars[i]!;
      const ch = cell & 0xff;
      const attr = cell >> 8;
      const fg = attr & 0x0f;
      let bg = attr >> 4;
      let hidden = false;
      if (screen.blinkEnabled) {
        bg &= 7;
        if (attr & 0x80 && !(phase & 2)) hidden = true;
      }
      const isCursor = cursor.visible && (phase & 1) !== 0 && cursor.x === c && cursor.y === r;
      // Key of what this cell looks like now; redraw only when it changes.
      const key = (cell | (hidden ? 0x10000 : 0) | (isCursor ? 0x20000 : 0)) >>> 0;
      if (previous) {
        if (previous[i] === key) continue;
        previous[i] = key;
      }
      const font = (attr & 0x08 ? mapA : mapB) + ch * 32;
      const fgc = rgba[fg]!;
      const bgc = rgba[bg]!;
      for (let y = 0; y < charHeight; y++) {
        const cursorLine = isCursor && y >= cursor.startLine && y <= cursor.endLine;
        const bits = cursorLine ? 0xff : hidden ? 0 : v[((font + y) << 2) | 2];
        let o = (r * charHeight + y) * width + c * charWidth;
        for (let b = 0x80; b; b >>= 1) pixels[o++] = bits & b ? fgc : bgc;
        if (charWidth === 9) {
          // The 9th column is background, except line-drawing characters 0xC0-0xDF repeat the 8th.
          const ninth = cursorLine || (lineGraphics && ch >= 0xc0 && ch <= 0xdf && (bits & 1) !== 0);
          pixels[o] = ninth ? fgc : bgc;
        }
      }
      if (top < 0 || r * charHeight < top) top = r * charHeight;
      if ((r + 1) * charHeight > bottom) bottom = (r + 1) * charHeight;
    }
  }
  return top < 0 ? null : [top, bottom];
}
