// How the VGA's picture leaves the device, without knowing where it is drawn. Two pulls:
// snapshotText() (plain data for a terminal) and VgaFrameRenderer.render() (RGBA pixels for a
// canvas, all modes including text drawn with the guest's font), and one push: VgaPresenter
// calls a VgaRenderer's text() or graphics() when something changed. In the browser the machine
// runs in a worker: the presenter runs there and posts frames (dirty rows only) to the page.

import * as C from './constants.js';
import { drawGraphics, graphicsLayout, type GraphicsLayout } from './graphics.js';
import type { VgaMemory } from './memory.js';
import { dacRgb, palette16, rgbToRgba32 } from './palette.js';
import type { VgaRegisters } from './registers.js';
import { drawText, snapshotText, textGeometry, type TextScreen } from './text.js';
import type { VbeDispi } from './vbe.js';

/** Pixels of the whole screen; rows [dirtyTop, dirtyBottom) changed since the previous frame. */
export interface RgbaFrame {
  width: number;
  height: number;
  /** width * height * 4 bytes, R G B A. */
  data: Uint8ClampedArray;
  dirtyTop: number;
  dirtyBottom: number;
}

/** A place the picture goes: a terminal (text only), a canvas, a screenshot, a test. */
export interface VgaRenderer {
  text(screen: TextScreen): void;
  graphics(frame: RgbaFrame): void;
}

export type DisplayKind = 'text' | 'graphics' | 'blank';

export interface DisplayInfo {
  kind: DisplayKind;
  /** Pixel size of the picture (text modes: cells times glyph size). */
  width: number;
  height: number;
  /** 0 for text; 2, 4, 8, 15, 16, 24 or 32. */
  bpp: number;
}

/** What the renderers read: the device's state, and its clock for blinking. */
export interface VgaDisplaySource {
  readonly regs: VgaRegisters;
  readonly memory: VgaMemory;
  readonly vbe: VbeDispi;
  now(): number;
}

export function displayInfo(src: VgaDisplaySource): DisplayInfo {
  const { regs, vbe } = src;
  const blank = !(regs.attrIndex & C.AR_INDEX_PAS) || (regs.seq[C.SR_CLOCKING] & C.SR01_SCREEN_OFF) !== 0;
  if (!vbe.enabled && !(regs.gc[C.GR_MISC] & C.GR06_GRAPHICS)) {
    const g = textGeometry(regs);
    const w = g.cols * (regs.seq[C.SR_CLOCKING] & C.SR01_DOTS8 ? 8 : 9);
    return { kind: blank ? 'blank' : 'text', width: w, height: g.rows * g.charHeight, bpp: 0 };
  }
  const l = graphicsLayout(regs, vbe);
  const bpp = vbe.enabled ? vbe.bpp : [4, 2, 8][l.format] ?? 8;
  return { kind: blank ? 'blank' : 'graphics', width: l.width, height: l.height, bpp };
}

/** Cursor blinks every 16 frames and blinking characters every 32 (at ~60 Hz), per the VGA. */
const CURSOR_BLINK_NS = 266_666_667;

export interface RenderResult {
  width: number;
  height: number;
  /** False when the target has the wrong size (nothing drawn: allocate width*height*4 and retry). */
  drawn: boolean;
  dirtyTop: number;
  dirtyBottom: number;
}

/** Draws the screen into an RGBA buffer, redrawing only what changed since its previous call. */
export class VgaFrameRenderer {
  private lastTarget: Uint8ClampedArray | null = null;
  private lastKey = '';
  private lastRegGen = -1;
  private lastSeq = -1;
  private cells: Uint32Array = new Uint32Array(0);
  private readonly pal16 = new Uint32Array(16);
  private readonly pal256 = new Uint32Array(256);

  constructor(private readonly src: VgaDisplaySource) {}

  /** Forces the next render to redraw everything. */
  invalidate(): void {
    this.lastKey = '';
  }

  render(target: Uint8ClampedArray, width: number, height: number): RenderResult {
    const info = displayInfo(this.src);
    const result: RenderResult = { width: info.width, height: info.height, drawn: false, dirtyTop: 0, dirtyBottom: 0 };
    if (info.width !== width || info.height !== height || target.length < width * height * 4 || width * height === 0) {
      return result;
    }
    if (target.byteOffset & 3) throw new RangeError('VGA render target must be 4-byte aligned');
    result.drawn = true;
    const pixels = new Uint32Array(target.buffer, target.byteOffset, width * height);
    const { regs, memory } = this.src;
    if (info.kind === 'blank') {
      const key = `blank:${width}x${height}`;
      if (key !== this.lastKey || target !== this.lastTarget) {
        pixels.fill(0xff000000);
        result.dirtyBottom = height;
      }
      this.remember(key, target);
      return result;
    }
    if (info.kind === 'text') return this.renderText(pixels, target, info, result);

    const layout: GraphicsLayout = graphicsLayout(regs, this.src.vbe);
    const key = `gfx:${width}x${height}:${info.bpp}`;
    const full = key !== this.lastKey || target !== this.lastTarget || regs.generation !== this.lastRegGen;
    if (full) this.loadPalettes();
    const lines = drawGraphics(layout, memory, pixels, full ? -1 : this.lastSeq, this.pal16, this.pal256);
    if (lines) [result.dirtyTop, result.dirtyBottom] = lines;
    this.remember(key, target);
    return result;
  }

  private renderText(pixels: Uint32Array, target: Uint8ClampedArray, info: DisplayInfo, result: RenderResult): RenderResult {
    const { regs, memory } = this.src;
    const screen = snapshotText(regs, memory);
    palette16(regs, this.pal16);
    for (let i = 0; i < 16; i++) this.pal16[i] = rgbToRgba32(this.pal16[i]!);
    // Anything but the cells themselves (geometry, palette, font, character maps) → full redraw.
    const key = `text:${info.width}x${info.height}:${Array.from(this.pal16).join(',')}:${memory.fontGen}:` +
      `${regs.seq[C.SR_CHAR_MAP]}:${regs.attr[C.AR_MODE]}:${screen.cursor.startLine}-${screen.cursor.endLine}`;
    if (key !== this.lastKey || target !== this.lastTarget || this.cells.length !== screen.chars.length) {
      this.cells = new Uint32Array(screen.chars.length).fill(0xffffffff);
    }
    const t = this.src.now();
    const phase = (Math.floor(t / CURSOR_BLINK_NS) & 1 ? 0 : 1) | (Math.floor(t / (2 * CURSOR_BLINK_NS)) & 1 ? 0 : 2);
    const rows = drawText(regs, memory, screen, pixels, info.width, this.cells, phase, this.pal16);
    if (rows) [result.dirtyTop, result.dirtyBottom] = rows;
    this.remember(key, target);
    return result;
  }

  private loadPalettes(): void {
    const regs = this.src.regs;
    palette16(regs, this.pal16);
    for (let i = 0; i < 16; i++) this.pal16[i] = rgbToRgba32(this.pal16[i]!);
    for (let i = 0; i < 256; i++) this.pal256[i] = rgbToRgba32(dacRgb(regs, i));
  }

  private remember(key: string, target: Uint8ClampedArray): void {
    this.lastKey = key;
    this.lastTarget = target;
    this.lastRegGen = this.src.regs.generation;
    this.lastSeq = this.src.memory.writeSeq;
  }
}

export interface PresenterOptions {
  /** Draw text modes as pixels too (a canvas) instead of calling renderer.text (a terminal). */
  textAsPixels?: boolean;
}

/** Pushes the picture to a VgaRenderer when it changed; call refresh() at the display rate. */
export class VgaPresenter {
  private readonly frames: VgaFrameRenderer;
  private frame: RgbaFrame | null = null;
  private lastTextGen = -1;

  constructor(
    private readonly src: VgaDisplaySource,
    private readonly renderer: VgaRenderer,
    private readonly options: PresenterOptions = {},
  ) {
    this.frames = new VgaFrameRenderer(src);
  }

  refresh(): void {
    const info = displayInfo(this.src);
    if (info.kind === 'text' && !this.options.textAsPixels) {
      const screen = snapshotText(this.src.regs, this.src.memory);
      if (screen.generation !== this.lastTextGen) {
        this.lastTextGen = screen.generation;
        this.renderer.text(screen);
      }
      return;
    }
    this.lastTextGen = -1;
    let f = this.frame;
    if (!f || f.width !== info.width || f.height !== info.height) {
      const n = Math.max(0, info.width * info.height * 4);
      f = this.frame = { width: info.width, height: info.height, data: new Uint8ClampedArray(n), dirtyTop: 0, dirtyBottom: 0 };
    }
    const r = this.frames.render(f.data, f.width, f.height);
    if (!r.drawn || r.dirtyBottom <= r.dirtyTop) return;
    f.dirtyTop = r.dirtyTop;
    f.dirtyBottom = r.dirtyBottom;
    this.renderer.graphics(f);
  }
}
